// SPDX-License-Identifier: GPL-2.0
/*
 * The thaw protocol (see "Thaw" in uapi/linux/cryo.h); see restore.c for what
 * comes after CRYO_IOC_THAW.
 *
 * CRYO_IOC_THAW reads and checks the image's metadata in the caller (the
 * tool).  The process R that becomes the restored one then drives the
 * rest from its stub: its threads wait in CRYO_IOC_THAW_THREAD, its
 * leader passes the point of no return in CRYO_IOC_THAW_RESTORE, and
 * each thread's CRYO_IOC_THAW_FINISH queues a TWA_SIGNAL task_work that
 * runs after the ioctl's return value has been stored: there the last
 * thread installs the fds and unmaps the stub, and every thread writes
 * its own registers.  On the way out the kernel's signal code delivers
 * pending signals and restarts interrupted system calls as for any
 * thread.
 *
 * Before the point of no return a failure changes nothing of R.  After
 * it, the whole of R is killed: a half-built process never runs.
 */
#include "cryo.h"

#include <linux/lockdep.h>
#include <linux/cred.h>
#include <linux/cryo_netlink.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>

#include "session.h"
#include "thaw.h"
#include "thawing.h"
#include "netlink.h"
#include "files/files.h"
#include "image/stream.h"
#include "mm/mm.h"
#include "task/task.h"

void cryo_thaw_set_state(struct cryo_thawing *t, u32 state)
{
	spin_lock(&t->lock);
	t->state = state;
	spin_unlock(&t->lock);
	cryo_thaw_report(t, false);
	wake_up_all(&t->wq);
}

/* After the point of no return: the process being built dies. */
int cryo_thaw_kill(struct cryo_thawing *t, int err)
{
	if (!t->error)
		cryo_thaw_fail(t, err, "failed (error %d)", -err);
	cryo_thaw_set_state(t, CRYO_THAW_FAILED);
	kill_pid(task_tgid(current), SIGKILL, 1);
	return err;
}

void cryo_thaw_put(struct cryo_thawing *t)
{
	if (!refcount_dec_and_test(&t->ref))
		return;
	cryo_stream_release(t);
	cryo_proc_release(t);
	cryo_fdtable_release(t);
	cryo_vma_release(t);
	cryo_cpu_release(t);
	cryo_creds_release(t);
	if (t->leader)
		put_task_struct(t->leader);
	put_pid(t->leader_pid);
	kfree(t);
}

void cryo_thaw_end(struct cryo_session *s)
{
	if (s->thaw)
		cryo_thaw_put(s->thaw);
}

struct cryo_thawing *cryo_thaw_new(struct cryo_session *s, bool remap)
{
	struct cryo_thawing *t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);

	if (!t)
		return NULL;
	refcount_set(&t->ref, 1);
	spin_lock_init(&t->lock);
	init_waitqueue_head(&t->wq);
	t->remap_only = remap;
	t->nl_session = s->nl.id;
	t->nl_start_ns = ktime_get_ns();
	if (!remap)
		cryo_nl_thaw_begin(&s->nl, t->nl_start_ns);
	/* Unlocked readers (THAW_THREAD, FINISH, STATUS) see it whole. */
	smp_store_release(&s->thaw, t);
	return t;
}

int cryo_thaw_prepare(struct cryo_session *s, struct cryo_thaw *arg)
{
	struct cryo_thawing *t;
	unsigned int i, n;
	s32 __user *tids = u64_to_user_ptr(arg->tids);
	int ret;

	lockdep_assert_held(&s->lock);
	if (s->img || s->thaw)
		return -EALREADY;
	if (!current->mm)
		return -EINVAL;
	t = cryo_thaw_new(s, false);
	if (!t)
		return -ENOMEM;
	t->flags = arg->flags;
	ret = cryo_stream_open(t, arg->image_fd);
	if (!ret)
		ret = cryo_fdtable_inherit(t, u64_to_user_ptr(arg->inherit),
					   arg->nr_inherit);
	if (!ret)
		ret = cryo_thaw_load(t);
	if (!ret)
		ret = cryo_creds_plan(t);
	if (!ret)
		ret = cryo_fdtable_open(t);
	if (!ret)
		ret = cryo_vma_open_files(t);
	if (!ret)
		ret = cryo_creds_out(t, arg);
	if (!ret)
		ret = cryo_stub_hint(t, arg->stub_size, &arg->stub_addr);
	if (ret)
		goto fail;

	n = min(arg->tids_len, t->nr_threads);
	for (i = 0; i < n; i++) {
		if (put_user(t->threads[i].rec.tid, tids + i)) {
			ret = cryo_thaw_fail(t, -EFAULT, "bad tids buffer");
			goto fail;
		}
	}
	arg->pid = t->proc.pid;
	arg->nr_threads = t->nr_threads;
	arg->nr_pipes = t->fdt.nr_pipes;
	arg->fpu_size = t->hdr.fpu_size;
	cryo_thaw_set_state(t, CRYO_THAW_PREPARED);
	return 0;
fail:
	cryo_thaw_set_state(t, CRYO_THAW_FAILED);
	return ret;
}

/*
 * Wait while the restore is under way.  If the restoring process dies
 * without having marked the outcome (killed from outside), say so.
 */
static int cryo_thaw_wait_final(struct cryo_thawing *t)
{
	for (;;) {
		long left;

		left = wait_event_killable_timeout(t->wq,
						   READ_ONCE(t->state) !=
						   CRYO_THAW_RESTORING, HZ / 10);
		if (left < 0)
			return -EINTR;
		if (left)
			return 0;
		if (t->leader->flags & PF_EXITING) {
			cryo_thaw_fail(t, -ECHILD,
				       "the restoring process died during the restore");
			spin_lock(&t->lock);
			if (t->state == CRYO_THAW_RESTORING)
				t->state = CRYO_THAW_FAILED;
			spin_unlock(&t->lock);
			cryo_thaw_report(t, false);
			return 0;
		}
	}
}

int cryo_thaw_status(struct cryo_session *s, struct cryo_thaw_status *a)
{
	/* Pairs with cryo_thaw_new(): the thaw is seen whole. */
	struct cryo_thawing *t = smp_load_acquire(&s->thaw);

	if (a->__reserved)
		return -EINVAL;
	if (!t) {
		a->state = CRYO_THAW_NONE;
		return 0;
	}
	if (a->flags & CRYO_THAW_STATUS_WAIT) {
		int ret = cryo_thaw_wait_final(t);

		if (ret)
			return ret;
	}
	spin_lock(&t->lock);
	a->state = t->state;
	a->error = -t->error;
	a->bytes = t->in.bytes;
	a->record = t->in.record;
	strscpy(a->message, t->msg, sizeof(a->message));
	spin_unlock(&t->lock);
	/* Also once the process is gone: it tells a failure after the restore began. */
	a->pid = t->leader_pid && a->state >= CRYO_THAW_RESTORING ?
		 pid_nr_ns(t->leader_pid, task_active_pid_ns(current)) : 0;
	return 0;
}

static int cryo_thaw_load_one(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	/* A layout carries only the header and the VMAs that matter here. */
	if (t->remap_only && rec->type != CRYO_REC_VMA)
		return 0;

	switch (rec->type) {
	case CRYO_REC_PROCESS:
		return cryo_proc_load(t, rec);
	case CRYO_REC_GROUPS:
		return cryo_creds_load_groups(t, rec);
	case CRYO_REC_AUXV:
		return cryo_proc_load_auxv(t, rec);
	case CRYO_REC_FS:
		return cryo_proc_load_fs(t, rec);
	case CRYO_REC_SIGNALS:
		return cryo_signals_load(t, rec);
	case CRYO_REC_THREAD:
		return cryo_cpu_load(t, rec);
	case CRYO_REC_FILE:
		return cryo_file_load(t, rec);
	case CRYO_REC_FILE_DATA:
		return cryo_file_load_data(t, rec);
	case CRYO_REC_FD:
		return cryo_fdtable_load_fd(t, rec);
	case CRYO_REC_VMA:
		return cryo_vma_load(t, rec);
	}
	return 0;
}

/* Every record up to the first PAGES (or the TRAILER), checked. */
int cryo_thaw_load(struct cryo_thawing *t)
{
	int phase = 0, seen = 0, p, ret;
	struct cryo_rec rec;

	ret = cryo_stream_init(t);
	if (ret)
		return ret;
	ret = cryo_stream_record(t, &rec);
	if (ret)
		return ret;
	t->in.record = 0;
	ret = cryo_stream_header(t, &rec);
	if (ret)
		return ret;
	if (!t->remap_only) {
		ret = cryo_cpu_load_header(t);
		if (ret)
			return ret;
	}
	t->in.record = 1;

	for (;;) {
		ret = cryo_stream_hdr(t, &rec);
		if (ret)
			return ret;
		p = cryo_rec_rank(rec.type);
		if (p < 0) {
			/* Newer minor versions may add records: skip them. */
			if (t->hdr.minor <= CRYO_IMAGE_MINOR)
				return cryo_bad(t, &rec, "unknown record type %u",
						rec.type);
			ret = cryo_stream_payload(t, &rec);
			if (ret)
				return ret;
			t->in.record++;
			continue;
		}
		/* Up to SIGNALS each record comes once. */
		if (p < phase || p == CRYO_RANK_HEADER ||
		    (p <= CRYO_RANK_SIGNALS && p == phase && (seen & (1 << p))))
			return cryo_bad(t, &rec, "out of order");
		phase = p;
		seen |= 1 << p;
		if (p >= CRYO_RANK_PAGES) {
			/* Left for the restore, which streams the pages. */
			t->in.next = rec;
			t->in.have_next = true;
			break;
		}
		ret = cryo_stream_payload(t, &rec);
		if (ret)
			return ret;
		ret = cryo_thaw_load_one(t, &rec);
		if (ret)
			return ret;
		t->in.record++;
	}

	if (t->remap_only)
		return 0;
	if (!t->have_proc || !t->auxv_len || !t->have_sig)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu: PROCESS, AUXV or SIGNALS missing",
				      t->in.record);
	if (t->nr_threads != t->hdr.nr_threads)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu: %u THREAD records, the header says %u",
				      t->in.record, t->nr_threads, t->hdr.nr_threads);
	if (t->threads[0].rec.tid != t->proc.pid)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu: the first thread is not the leader",
				      t->in.record);
	return 0;
}

/**
 * cryo_thaw_report() - tell the netlink family how @t ended, once
 * @t: the thaw
 * @cancel: its session is being closed
 *
 * Reports when @t is done or failed, or, with @cancel, when its session
 * is closed before the restore began.  Called without @t->lock, from the
 * tool or the restored process's threads.
 */
void cryo_thaw_report(struct cryo_thawing *t, bool cancel)
{
	struct cryo_nl_thaw_end end = {
		.session = t->nl_session,
		.start_ns = t->nl_start_ns,
	};
	char msg[CRYO_THAW_MSG_LEN];
	bool report;

	if (t->remap_only)
		return;
	spin_lock(&t->lock);
	if (cancel)
		report = t->state == CRYO_THAW_PREPARED && !t->leader;
	else
		report = t->state == CRYO_THAW_DONE ||
			 t->state == CRYO_THAW_FAILED;
	report = report && !t->nl_reported;
	if (!report) {
		spin_unlock(&t->lock);
		return;
	}
	t->nl_reported = true;
	if (cancel) {
		end.err = -ECANCELED;
		strscpy(msg, "the session was closed before the restore",
			sizeof(msg));
	} else {
		end.err = t->state == CRYO_THAW_DONE ? 0 : (t->error ?: -EIO);
		strscpy(msg, end.err ? t->msg : "", sizeof(msg));
	}
	end.msg = msg;
	end.bytes = t->in.bytes;
	if (t->have_proc)
		end.image_pid = t->proc.pid;
	if (t->leader_pid)
		end.pid = pid_nr(t->leader_pid);
	spin_unlock(&t->lock);
	cryo_nl_thaw_end(&end);
}

/**
 * cryo_thaw_view() - what GET_SESSION shows of a session's thaw
 * @ns: the netlink part of a listed session
 * @v: filled when the session has a thaw
 *
 * Under the netlink registry's lock, which keeps the session and its thaw.
 */
void cryo_thaw_view(struct cryo_nl_session *ns, struct cryo_nl_view *v)
{
	struct cryo_session *s = container_of(ns, struct cryo_session, nl);
	/* Pairs with the release in cryo_thaw_new(). */
	struct cryo_thawing *t = smp_load_acquire(&s->thaw);

	if (!t)
		return;
	v->pid = 0;
	spin_lock(&t->lock);
	switch (t->state) {
	case CRYO_THAW_DONE:
		v->state = CRYO_NL_STATE_THAW_DONE;
		break;
	case CRYO_THAW_FAILED:
		v->state = CRYO_NL_STATE_THAW_FAILED;
		break;
	default:
		v->state = CRYO_NL_STATE_THAWING;
		break;
	}
	v->bytes = t->in.bytes;
	/* The image's metadata is whole once CRYO_IOC_THAW is over. */
	if (t->state != CRYO_THAW_NONE && t->have_proc)
		v->image_pid = t->proc.pid;
	if (t->leader_pid)
		v->pid = pid_nr(t->leader_pid);
	spin_unlock(&t->lock);
}
