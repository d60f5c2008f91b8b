// SPDX-License-Identifier: GPL-2.0
/*
 * The thaw protocol (see "Thaw" in uapi/linux/cryo.h) and CRYO_IOC_REMAP.
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

#include <linux/cred.h>
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

#include "device.h"
#include "thaw.h"

/* How long the leader waits for the other threads to arrive. */
#define CRYO_THAW_ARRIVE_TIMEOUT	(5 * HZ)

int cryo_thaw_fail(struct cryo_thawing *t, int err, const char *fmt, ...)
{
	va_list ap;
	bool first;

	spin_lock(&t->lock);
	first = !t->error;
	if (first) {
		t->error = err;
		va_start(ap, fmt);
		vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
		va_end(ap);
	}
	spin_unlock(&t->lock);
	/* The message may hold paths from the image: escape what is not printable. */
	if (first)
		pr_notice_ratelimited("thaw of pid %d failed: %*pE\n",
				      task_pid_nr(current),
				      (int)strnlen(t->msg, sizeof(t->msg)), t->msg);
	return err;
}

/* A malformed record: EBADMSG with the record's index and type. */
int cryo_thaw_badrec(struct cryo_thawing *t, u32 type, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return cryo_thaw_fail(t, -EBADMSG, "record %llu (%s): %s", t->record,
			      cryo_rec_name(type) ?: "unknown", what);
}

static void cryo_thaw_set_state(struct cryo_thawing *t, u32 state)
{
	spin_lock(&t->lock);
	t->state = state;
	spin_unlock(&t->lock);
	cryo_nl_thaw_state(t);
	wake_up_all(&t->wq);
}

/* After the point of no return: the process being built dies. */
static int cryo_thaw_kill(struct cryo_thawing *t, int err)
{
	if (!t->error)
		cryo_thaw_fail(t, err, "failed (error %d)", -err);
	cryo_thaw_set_state(t, CRYO_THAW_FAILED);
	kill_pid(task_tgid(current), SIGKILL, 1);
	return err;
}

void cryo_thaw_put(struct cryo_thawing *t)
{
	unsigned int i;

	if (!refcount_dec_and_test(&t->ref))
		return;
	if (t->image)
		fput(t->image);
	if (t->exe)
		fput(t->exe);
	if (t->cwd)
		fput(t->cwd);
	cryo_files_release(t);
	cryo_vmas_release(t);
	for (i = 0; t->threads && i < t->hdr.nr_threads; i++) {
		if (t->threads[i].task)
			put_task_struct(t->threads[i].task);
		kvfree(t->threads[i].fpu);
	}
	kvfree(t->threads);
	kvfree(t->groups);
	cryo_creds_release(t);
	if (t->leader)
		put_task_struct(t->leader);
	put_pid(t->leader_pid);
	kvfree(t->buf);
	kvfree(t->pages);
	kfree(t);
}

void cryo_thaw_end(struct cryo_session *s)
{
	if (s->thaw)
		cryo_thaw_put(s->thaw);
}

static struct cryo_thawing *cryo_thaw_new(struct cryo_session *s, bool remap)
{
	struct cryo_thawing *t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);

	if (!t)
		return NULL;
	refcount_set(&t->ref, 1);
	spin_lock_init(&t->lock);
	init_waitqueue_head(&t->wq);
	t->remap_only = remap;
	cryo_nl_thaw_begin(s, t);
	/* Unlocked readers (THAW_THREAD, FINISH, STATUS) see it whole. */
	smp_store_release(&s->thaw, t);
	return t;
}

static int cryo_thaw_image(struct cryo_thawing *t, int fd)
{
	t->image = fget(fd);
	if (!t->image || !(t->image->f_mode & FMODE_READ))
		return cryo_thaw_fail(t, -EBADF, "image fd %d is not open for reading",
				      fd);
	/*
	 * A session is no image: reading our own would wait for the lock we
	 * hold, and holding any would keep it, and the module, alive for ever.
	 */
	if (cryo_is_session_file(t->image)) {
		fput(t->image);
		t->image = NULL;
		return cryo_thaw_fail(t, -EINVAL,
				      "image fd %d is a /dev/cryo session, not an image",
				      fd);
	}
	t->pos = (t->image->f_mode & FMODE_STREAM) ? 0 : t->image->f_pos;
	return 0;
}

static int cryo_thaw_inherit(struct cryo_thawing *t,
			     const struct cryo_thaw_inherit __user *uin,
			     unsigned int nr)
{
	unsigned int i, j;

	if (!nr)
		return 0;
	if (nr > CRYO_THAW_INHERIT_MAX)
		return cryo_thaw_fail(t, -EINVAL, "%u --inherit-fd entries", nr);
	t->inherit = memdup_user(uin, nr * sizeof(*uin));
	if (IS_ERR(t->inherit)) {
		int err = PTR_ERR(t->inherit);

		t->inherit = NULL;
		return cryo_thaw_fail(t, err, "bad --inherit-fd array");
	}
	t->inherit_files = kcalloc(nr, sizeof(*t->inherit_files), GFP_KERNEL);
	if (!t->inherit_files)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	t->nr_inherit = nr;
	for (i = 0; i < nr; i++) {
		if (t->inherit[i].fd < 0)
			return cryo_thaw_fail(t, -EINVAL,
					      "--inherit-fd %d: negative fd",
					      t->inherit[i].fd);
		for (j = 0; j < i; j++)
			if (t->inherit[j].fd == t->inherit[i].fd)
				return cryo_thaw_fail(t, -EINVAL,
						      "--inherit-fd %d given twice",
						      t->inherit[i].fd);
		t->inherit_files[i] = fget(t->inherit[i].source_fd);
		if (!t->inherit_files[i])
			return cryo_thaw_fail(t, -EBADF,
					      "--inherit-fd %d=%d: fd %d is not open",
					      t->inherit[i].fd,
					      t->inherit[i].source_fd,
					      t->inherit[i].source_fd);
		/* The session would hold itself: never released. */
		if (cryo_is_session_file(t->inherit_files[i])) {
			fput(t->inherit_files[i]);
			t->inherit_files[i] = NULL;
			return cryo_thaw_fail(t, -EINVAL,
					      "--inherit-fd %d=%d: fd %d is a /dev/cryo session",
					      t->inherit[i].fd,
					      t->inherit[i].source_fd,
					      t->inherit[i].source_fd);
		}
	}
	return 0;
}

int cryo_thaw_prepare(struct cryo_session *s, struct cryo_thaw *arg)
{
	struct cryo_thawing *t;
	unsigned int i, n;
	s32 __user *tids = u64_to_user_ptr(arg->tids);
	int ret;

	if (s->img || s->thaw)
		return -EALREADY;
	if (!current->mm)
		return -EINVAL;
	t = cryo_thaw_new(s, false);
	if (!t)
		return -ENOMEM;
	t->flags = arg->flags;
	ret = cryo_thaw_image(t, arg->image_fd);
	if (!ret)
		ret = cryo_thaw_inherit(t, u64_to_user_ptr(arg->inherit),
					arg->nr_inherit);
	if (!ret)
		ret = cryo_load_meta(t);
	if (!ret)
		ret = cryo_creds_plan(t);
	if (!ret)
		ret = cryo_files_open(t);
	if (!ret)
		ret = cryo_vmas_open(t);
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
	arg->nr_pipes = t->nr_pipes;
	arg->fpu_size = t->hdr.fpu_size;
	cryo_thaw_set_state(t, CRYO_THAW_PREPARED);
	return 0;
fail:
	cryo_thaw_set_state(t, CRYO_THAW_FAILED);
	return ret;
}

/* R must be a process of its own, made for this: nobody shares its mm. */
static int cryo_check_fresh(struct cryo_thawing *t)
{
	struct mm_struct *mm = current->mm;

	if (!t->remap_only && !cryo_creds_match(t))
		return cryo_thaw_fail(t, -EPERM,
				      "the restoring process does not run with the ids planned for it (uid %u, gid %u and their groups; libcryoctl 1.4 sets them) or is in another namespace",
				      from_kuid_munged(current_user_ns(), t->open_cred->uid),
				      from_kgid_munged(current_user_ns(), t->open_cred->gid));
	if (!thread_group_leader(current))
		return cryo_thaw_fail(t, -EPERM,
				      "RESTORE must come from the leader");
	if (!mm || test_bit(MMF_MULTIPROCESS, &mm->flags) ||
	    current->vfork_done)
		return cryo_thaw_fail(t, -EBUSY,
				      "the restoring process shares its memory with another process");
	return 0;
}

/* The state a process's libc set up points into memory about to go. */
static void cryo_forget_user_state(void)
{
	current->clear_child_tid = NULL;
#ifdef CONFIG_FUTEX
	current->robust_list = NULL;
#endif
#ifdef CONFIG_RSEQ
	current->rseq = NULL;
	current->rseq_sig = 0;
#if CRYO_SINCE(6, 3)
	current->rseq_len = 0;
#endif
#endif
}

/* Wait until every other thread has issued CRYO_IOC_THAW_THREAD. */
static int cryo_wait_threads(struct cryo_thawing *t)
{
	unsigned int i, want = t->nr_threads - 1;
	long left;

	left = wait_event_killable_timeout(t->wq, READ_ONCE(t->arrived) == want,
					   CRYO_THAW_ARRIVE_TIMEOUT);
	if (left < 0)
		return cryo_thaw_fail(t, -EINTR, "interrupted");
	if (!left)
		return cryo_thaw_fail(t, -EBUSY,
				      "only %u of %u threads arrived",
				      READ_ONCE(t->arrived) + 1, t->nr_threads);
	if (get_nr_threads(current) != t->nr_threads)
		return cryo_thaw_fail(t, -EBUSY,
				      "the restoring process has %d threads, the image %u",
				      get_nr_threads(current), t->nr_threads);
	for (i = 1; i < t->nr_threads; i++)
		if (!same_thread_group(t->threads[i].task, current))
			return cryo_thaw_fail(t, -EPERM,
					      "thread %u is not of the restoring process",
					      i);
	if (!(t->flags & CRYO_THAW_SAME_PID))
		return 0;
	for (i = 0; i < t->nr_threads; i++) {
		struct task_struct *task = i ? t->threads[i].task : current;

		if (task_pid_vnr(task) != t->threads[i].rec.tid)
			return cryo_thaw_fail(t, -ESRCH,
					      "thread %u has id %d, the image %d",
					      i, task_pid_vnr(task),
					      t->threads[i].rec.tid);
	}
	return 0;
}

static int cryo_restore_pipes(struct cryo_thawing *t, struct cryo_thaw_restore *a)
{
	s32 *fds;
	int ret;

	if (a->nr_pipes != t->nr_pipes)
		return cryo_thaw_fail(t, -EINVAL, "%u pipes given, %u needed",
				      a->nr_pipes, t->nr_pipes);
	if (!t->nr_pipes)
		return 0;
	fds = memdup_user(u64_to_user_ptr(a->pipes),
			  2 * sizeof(s32) * (size_t)t->nr_pipes);
	if (IS_ERR(fds))
		return cryo_thaw_fail(t, PTR_ERR(fds), "bad pipes array");
	ret = cryo_files_pipes(t, fds, t->nr_pipes);
	kfree(fds);
	return ret;
}

static int cryo_install_tmp(struct file *f)
{
	int fd;

	if (!f)
		return -1;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd >= 0)
		fd_install(fd, get_file(f));
	return fd < 0 ? -1 : fd;
}

/* Past the point of no return, in the leader. */
/* A SIGKILL on its way, or a group exit that has taken it already. */
static bool cryo_being_killed(void)
{
	return fatal_signal_pending(current) || cryo_group_exiting(current);
}

static int cryo_restore_process(struct cryo_thawing *t,
				struct cryo_thaw_restore *a)
{
	int ret;

	cryo_forget_user_state();
	ret = cryo_remap_apply(t, a->stub_start, a->stub_len);
	if (!ret)
		ret = cryo_fill_pages(t);
	if (ret)
		return ret;
	cryo_process_apply(t);
	/* Killed meanwhile: the threads are gone or going, so are we. */
	if (cryo_being_killed())
		return cryo_thaw_fail(t, -EINTR,
				      "the process being restored was killed");
	/* The stub sets cwd and exe itself: there are no exports for it. */
	a->exe_fd = cryo_install_tmp(t->exe);
	a->cwd_fd = cryo_install_tmp(t->cwd);
	a->vdso = t->vdso_start ? t->special_start : 0;
	return cryo_cpu_out(t, &t->threads[0], &a->cpu);
}

int cryo_thaw_restore(struct cryo_session *s, struct cryo_thaw_restore *a)
{
	struct cryo_thawing *t = s->thaw;
	int ret;

	if (!t || t->remap_only)
		return -ENOENT;
	spin_lock(&t->lock);
	ret = t->state == CRYO_THAW_PREPARED && !t->leader ? 0 : -EALREADY;
	if (!ret) {
		t->leader = get_task_struct(current);
		t->leader_pid = get_pid(task_tgid(current));
	}
	spin_unlock(&t->lock);
	if (ret)
		return ret;
	if (a->__reserved || a->cpu.__reserved) {
		ret = cryo_thaw_fail(t, -EINVAL, "reserved fields not zero");
		goto fail;
	}
	ret = cryo_check_fresh(t);
	if (!ret)
		ret = cryo_stub_check(t, a->stub_start, a->stub_len);
	if (!ret)
		ret = cryo_restore_pipes(t, a);
	if (!ret)
		ret = cryo_wait_threads(t);
	/* The wait above returns at once when all had arrived, killed or not. */
	if (!ret && cryo_being_killed())
		ret = cryo_thaw_fail(t, -EINTR, "interrupted");
	if (ret)
		goto fail;

	/* ---- the point of no return ---- */
	t->threads[0].task = get_task_struct(current);
	t->stub_start = a->stub_start;
	t->stub_len = a->stub_len;
	cryo_thaw_set_state(t, CRYO_THAW_RESTORING);
	ret = cryo_restore_process(t, a);
	if (ret)
		return cryo_thaw_kill(t, ret);
	spin_lock(&t->lock);
	t->released = true;
	spin_unlock(&t->lock);
	wake_up_all(&t->wq);
	return 0;
fail:
	/* The caller is intact; its waiting threads are told to exit. */
	cryo_thaw_set_state(t, CRYO_THAW_FAILED);
	return ret;
}

static bool cryo_thread_may_go(struct cryo_thawing *t)
{
	return READ_ONCE(t->released) ||
	       READ_ONCE(t->state) == CRYO_THAW_FAILED;
}

int cryo_thaw_thread(struct cryo_session *s, struct cryo_thaw_thread *a)
{
	/* Pairs with cryo_thaw_new(): the thaw is seen whole. */
	struct cryo_thawing *t = smp_load_acquire(&s->thaw);
	struct cryo_thawing_thread *th;
	int ret = 0;

	if (!t || t->remap_only)
		return -ENOENT;
	if (a->__reserved || a->cpu.__reserved)
		return -EINVAL;
	spin_lock(&t->lock);
	if (t->state != CRYO_THAW_PREPARED)
		ret = -ECANCELED;
	else if (!a->index || a->index >= t->nr_threads)
		ret = -EINVAL;
	else if (t->threads[a->index].task)
		ret = -EEXIST;
	else if (!cryo_creds_match(t) || thread_group_leader(current))
		ret = -EPERM;
	if (!ret) {
		t->threads[a->index].task = get_task_struct(current);
		t->arrived++;
	}
	spin_unlock(&t->lock);
	if (ret)
		return ret;
	wake_up_all(&t->wq);

	/* A leader that is gone never releases us: look every 100 ms. */
	for (;;) {
		long left = wait_event_killable_timeout(t->wq,
							cryo_thread_may_go(t),
							HZ / 10);

		if (left < 0)
			return -EINTR;
		if (left)
			break;
		if (READ_ONCE(current->group_leader->flags) & PF_EXITING)
			return -ECANCELED;
	}
	if (!READ_ONCE(t->released))
		return -ECANCELED;
	th = &t->threads[a->index];
	ret = cryo_cpu_out(t, th, &a->cpu);
	if (ret)
		cryo_thaw_kill(t, ret);
	return ret;
}

struct cryo_finish_work {
	struct callback_head cb;
	struct cryo_thawing *t;
	unsigned int idx;
};

/* The last thread in: fds, timer and signals, the stub goes. */
static int cryo_thaw_final(struct cryo_thawing *t)
{
	struct mm_struct *mm = current->mm;
	int ret;

	if (t->vdso_start &&
	    (unsigned long)mm->context.vdso != t->vdso_start)
		return cryo_thaw_fail(t, -EFAULT,
				      "the vdso could not be placed at 0x%llx",
				      t->vdso_start);
	ret = vm_munmap(t->stub_start, t->stub_len);
	if (ret)
		return cryo_thaw_fail(t, ret, "cannot unmap the stub");
	ret = cryo_files_install(t);
	if (ret)
		return ret;
	cryo_signals_final(t);
	return 0;
}

/*
 * Is the process being restored going away, or has a thread of it left?
 * A kill takes every thread (SIGNAL_GROUP_EXIT, and SIGKILL pending in
 * each until it dequeues it on its way out); a thread can also exit on
 * its own (a seccomp kill, the stub giving up), and then the others
 * would wait for it for ever.  Every thread has been counted in by now.
 */
static bool cryo_thaw_dying(struct cryo_thawing *t)
{
	unsigned int i;

	if ((current->flags & PF_EXITING) || cryo_being_killed())
		return true;
	for (i = 0; i < t->nr_threads; i++)
		if (READ_ONCE(t->threads[i].task->flags) & PF_EXITING)
			return true;
	return false;
}

/*
 * The restore ends here: say so, and make sure that the whole process
 * goes (a thread that left alone does not take the others with it).
 */
static void cryo_thaw_abort(struct cryo_thawing *t)
{
	cryo_thaw_fail(t, -EINTR,
		       "the process being restored was killed, or lost a thread, during the restore");
	cryo_thaw_kill(t, -EINTR);
	/* The kill is refused when the group is exiting already. */
	cryo_keep_sigkill();
}

static bool cryo_installed(struct cryo_thawing *t)
{
	return READ_ONCE(t->installed) ||
	       READ_ONCE(t->state) != CRYO_THAW_RESTORING;
}

/*
 * Wait for the last thread to install the fds.  Killable, and checked
 * every 100 ms for threads that left: -EINTR then.
 */
static int cryo_wait_installed(struct cryo_thawing *t)
{
	long left;

	for (;;) {
		left = wait_event_killable_timeout(t->wq, cryo_installed(t),
						   HZ / 10);
		if (left > 0)
			return 0;
		if (left < 0)
			return -EINTR;
		if (cryo_thaw_dying(t)) {
			/*
			 * A thread may exit on its own once it runs the
			 * image's code, which it does only after the install
			 * was published under the lock: read that after.
			 */
			smp_rmb();
			return cryo_installed(t) ? 0 : -EINTR;
		}
	}
}

static void cryo_finish_work_fn(struct callback_head *cb)
{
	struct cryo_finish_work *w = container_of(cb, struct cryo_finish_work, cb);
	struct cryo_thawing *t = w->t;
	bool last, done;
	int ret;

	/* Killed between FINISH and here: nothing more to build. */
	if (cryo_thaw_dying(t)) {
		cryo_thaw_abort(t);
		goto out;
	}
	spin_lock(&t->lock);
	last = ++t->finishing == t->nr_threads;
	spin_unlock(&t->lock);
	if (last) {
		ret = cryo_thaw_final(t);
		spin_lock(&t->lock);
		t->installed = true;
		spin_unlock(&t->lock);
		wake_up_all(&t->wq);
		if (ret)
			cryo_thaw_kill(t, ret);
	} else if (cryo_wait_installed(t)) {
		cryo_thaw_abort(t);
		goto out;
	}
	if (READ_ONCE(t->state) != CRYO_THAW_RESTORING)
		goto out;	/* failed */
	cryo_thread_apply(t, &t->threads[w->idx]);
	/*
	 * DONE only once every thread has its own state back: a caller
	 * told the thaw is done must find the image's masks, names and
	 * credentials in /proc, not the stub's.
	 */
	spin_lock(&t->lock);
	done = ++t->applied == t->nr_threads &&
	       t->state == CRYO_THAW_RESTORING;
	if (done)
		t->state = CRYO_THAW_DONE;
	spin_unlock(&t->lock);
	if (done) {
		cryo_nl_thaw_state(t);
		wake_up_all(&t->wq);
	}
out:
	cryo_thaw_put(t);
	kfree(w);
	/* As for parking (park.c): only the return runs after this. */
	module_put(THIS_MODULE);
}

int cryo_thaw_finish(struct cryo_session *s, struct cryo_thaw_finish *a)
{
	/* Pairs with cryo_thaw_new(): the thaw is seen whole. */
	struct cryo_thawing *t = smp_load_acquire(&s->thaw);
	struct cryo_finish_work *w;
	unsigned int i;
	int ret;

	if (!t || t->remap_only || !READ_ONCE(t->released) ||
	    READ_ONCE(t->state) != CRYO_THAW_RESTORING)
		return -EPERM;
	for (i = 0; i < t->nr_threads; i++)
		if (t->threads[i].task == current)
			break;
	if (i == t->nr_threads)
		return -EPERM;
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return cryo_thaw_kill(t, -ENOMEM);
	spin_lock(&t->lock);
	ret = t->threads[i].finish_queued ? -EALREADY : 0;
	t->threads[i].finish_queued = true;
	spin_unlock(&t->lock);
	if (ret) {
		kfree(w);
		return ret;
	}
	w->t = t;
	w->idx = i;
	refcount_inc(&t->ref);
	/* The work may run after every /dev/cryo file is closed. */
	__module_get(THIS_MODULE);
	init_task_work(&w->cb, cryo_finish_work_fn);
	/* TWA_SIGNAL: it runs after the return value is stored in ax. */
	ret = task_work_add(current, &w->cb, TWA_SIGNAL);
	if (ret) {
		module_put(THIS_MODULE);
		cryo_thaw_put(t);
		kfree(w);
		return cryo_thaw_kill(t, ret);
	}
	return 0;
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
			cryo_nl_thaw_state(t);
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
	a->bytes = t->bytes;
	a->record = t->record;
	strscpy(a->message, t->msg, sizeof(a->message));
	spin_unlock(&t->lock);
	/* Also once the process is gone: it tells a failure after the restore began. */
	a->pid = t->leader_pid && a->state >= CRYO_THAW_RESTORING ?
		 pid_nr_ns(t->leader_pid, task_active_pid_ns(current)) : 0;
	return 0;
}

int cryo_remap(struct cryo_session *s, struct cryo_remap *a)
{
	struct cryo_thawing *t;
	int ret;

	if (s->img || s->thaw)
		return -EALREADY;
	if (a->__reserved)
		return -EINVAL;
	if (!current->mm)
		return -EINVAL;
	t = cryo_thaw_new(s, true);
	if (!t)
		return -ENOMEM;
	if (get_nr_threads(current) != 1)
		ret = cryo_thaw_fail(t, -EBUSY, "the caller has other threads");
	else
		ret = cryo_check_fresh(t);
	if (!ret)
		ret = cryo_thaw_image(t, a->image_fd);
	if (!ret)
		ret = cryo_load_meta(t);
	if (!ret)
		ret = cryo_vmas_open(t);
	if (!ret)
		ret = cryo_stub_check(t, a->keep_start, a->keep_len);
	if (ret) {
		cryo_thaw_set_state(t, CRYO_THAW_FAILED);
		return ret;
	}

	/* ---- the point of no return ---- */
	t->leader = get_task_struct(current);
	t->leader_pid = get_pid(task_tgid(current));
	cryo_thaw_set_state(t, CRYO_THAW_RESTORING);
	cryo_forget_user_state();
	ret = cryo_remap_apply(t, a->keep_start, a->keep_len);
	if (ret)
		return cryo_thaw_kill(t, ret);
	cryo_thaw_set_state(t, CRYO_THAW_DONE);
	return 0;
}
