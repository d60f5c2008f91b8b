// SPDX-License-Identifier: GPL-2.0
/*
 * A freeze session: CRYO_IOC_FREEZE parks the target, read() streams its
 * image, CRYO_IOC_COMMIT and the final close() decide its fate.
 *
 * Nothing is lost: the target is killed only after COMMIT of a complete
 * image; in every other case (error, reader gone, close before EOF) it
 * is resumed untouched.
 */
#include "cryo.h"

#include <linux/lockdep.h>
#include <linux/highmem.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "access.h"
#include "freeze.h"
#include "freezing.h"
#include "netlink.h"
#include "park.h"
#include "refuse.h"
#include "session.h"
#include "files/files.h"
#include "image/record.h"
#include "mm/mm.h"
#include "task/task.h"

/*
 * Trees held by some session, so that two sessions never freeze the same
 * process: a process is known by its leader's signal_struct (one per
 * thread group).
 */
static DEFINE_MUTEX(cryo_registry_lock);
static LIST_HEAD(cryo_registry);

static bool cryo_holds(struct cryo_image *img, struct task_struct *leader)
{
	unsigned int i;

	for (i = 0; i < img->nr_members; i++)
		if (img->members[i].leader->signal == leader->signal)
			return true;
	return false;
}

static int cryo_register(struct cryo_image *img)
{
	struct cryo_image *it;
	unsigned int i;

	mutex_lock(&cryo_registry_lock);
	list_for_each_entry(it, &cryo_registry, node) {
		for (i = 0; i < img->nr_members; i++) {
			if (cryo_holds(it, img->members[i].leader)) {
				mutex_unlock(&cryo_registry_lock);
				return -EBUSY;
			}
		}
	}
	list_add(&img->node, &cryo_registry);
	mutex_unlock(&cryo_registry_lock);
	return 0;
}

static void cryo_unregister(struct cryo_image *img)
{
	mutex_lock(&cryo_registry_lock);
	list_del_init(&img->node);
	mutex_unlock(&cryo_registry_lock);
}

static bool cryo_traced(struct task_struct *leader)
{
	struct task_struct *t;
	bool ret = false;

	rcu_read_lock();
	for_each_thread(leader, t)
		if (t->ptrace)
			ret = true;
	rcu_read_unlock();
	return ret;
}

/* Let go of the members' memory. */
static void cryo_members_put_mm(struct cryo_image *img)
{
	unsigned int i;

	for (i = 0; i < img->nr_members; i++) {
		if (img->members[i].mm)
			mmput(img->members[i].mm);
		img->members[i].mm = NULL;
	}
}

/* Hold nothing of the tree any longer: pages, files, memory. */
static void cryo_image_drop(struct cryo_image *img)
{
	cryo_pin_drop(img);
	cryo_fdtable_save_end(img);
	cryo_shm_release(img);
	cryo_members_put_mm(img);
	cryo_sigq_save_end(img);
}

static void cryo_image_free(struct cryo_image *img)
{
	cryo_image_drop(img);
	cryo_snapshot_free(img);
	cryo_pin_release(img);
	cryo_record_release(img);
	cryo_tree_release(img);
	kfree(img);
}

/* Is any member of the tree parked? */
static bool cryo_image_parked(struct cryo_image *img)
{
	return img->nr_members && img->members[0].park;
}

/* Let every member go, unless it is to be killed: then kill it first. */
static void cryo_members_release(struct cryo_image *img, bool kill)
{
	unsigned int i;

	for (i = 0; i < img->nr_members; i++) {
		struct cryo_member *m = &img->members[i];

		if (!m->park)
			continue;
		if (kill) {
			rcu_read_lock();	/* the pid may be reaped meanwhile */
			kill_pid(task_tgid(m->leader), SIGKILL, 1);
			rcu_read_unlock();
		}
		cryo_park_release(m->park);
		m->park = NULL;
	}
}

/* Let the tree go: resume it, or kill it first after a committed KILL. */
static void cryo_image_release(struct cryo_image *img)
{
	if (!cryo_image_parked(img))
		return;
	cryo_members_release(img,
			     img->committed && img->flags & CRYO_FREEZE_KILL);
	/*
	 * The image is complete or given up: its files must close and its
	 * memory go when the tree says, not when our file is closed.
	 */
	cryo_image_drop(img);
}

/*
 * Tell the caller what was refused (the fd of a file refusal in @bad_fd
 * too, for callers older than @refusal), and say it once in the log.
 */
static void cryo_freeze_report(struct cryo_freeze *arg,
			       const struct cryo_why *why, int ret)
{
	if (!ret || why->code == CRYO_REFUSAL_NONE)
		return;
	arg->refusal = why->code;
	arg->refusal_id = why->id;
	switch (why->code) {
	case CRYO_REFUSAL_FD_KIND:
	case CRYO_REFUSAL_UNREADABLE_FILE:
	case CRYO_REFUSAL_LOCK_POSIX:
	case CRYO_REFUSAL_LOCK_OFD:
	case CRYO_REFUSAL_LOCK_FLOCK:
	case CRYO_REFUSAL_LEASE:
	case CRYO_REFUSAL_PIPE_OUTSIDE:
	case CRYO_REFUSAL_FANOTIFY:
	case CRYO_REFUSAL_OPATH_UNLINKED:
	case CRYO_REFUSAL_DELETED_TOO_BIG:
	case CRYO_REFUSAL_EVENTFD_FLAGS:
	case CRYO_REFUSAL_TIMERFD_ALARM:
	case CRYO_REFUSAL_TIMERFD_CANCEL:
	case CRYO_REFUSAL_PTY_MASTER:
	case CRYO_REFUSAL_INOTIFY_PATH:
	case CRYO_REFUSAL_INOTIFY_QUEUE:
	case CRYO_REFUSAL_INOTIFY_WD:
		arg->bad_fd = why->id;
		break;
	case CRYO_REFUSAL_EPOLL_TARGET:
	case CRYO_REFUSAL_EPOLL_TOO_MANY:
		arg->bad_fd = why->tfd;
		break;
	}
	arg->refusal_pid = why->pid;
	cryo_refusal_log(arg->pid, why, ret);
}

/* The arguments, before any work. */
static int cryo_freeze_args(struct cryo_session *s,
			    const struct cryo_freeze *arg)
{
	if (arg->timeout_ms > CRYO_FREEZE_TIMEOUT_MAX_MS)
		return -EINVAL;
	if ((arg->flags & CRYO_FREEZE_KILL) &&
	    (arg->flags & CRYO_FREEZE_LEAVE_FROZEN))
		return -EINVAL;
	/* A snapshot shortens a checkpoint's hold; the others hold anyway. */
	if ((arg->flags & CRYO_FREEZE_SNAPSHOT) &&
	    (arg->flags & (CRYO_FREEZE_KILL | CRYO_FREEZE_LEAVE_FROZEN)))
		return -EINVAL;
	if (s->img || s->thaw)
		return -EALREADY;
	if (arg->pid <= 0)
		return -ESRCH;
	return 0;
}

/* How many times the tree is looked for again when it changed meanwhile. */
#define CRYO_TREE_TRIES	5
/*
 * Internal: the tree changed as it was parked (a member forked, exited,
 * or was gone): look again.  EAGAIN once the tries are spent.  Not
 * EAGAIN itself, which parking gives for a thread that stayed in a
 * system call all the time allowed: no use trying that again at once.
 */
#define CRYO_TREE_CHANGED	ECHILD

/*
 * May the process of @task be frozen, as the root or a member of a tree?
 * A stopped or traced thread cannot park: it sleeps where a TWA_SIGNAL
 * does not reach it, and its tracer owns its registers.
 */
static int cryo_freeze_may(struct task_struct *task, struct cryo_why *why)
{
	int ret = cryo_may_freeze(task, why);

	if (!ret)
		ret = cryo_refuse_unparkable(task, why);
	if (!ret && (task->signal->flags & SIGNAL_STOP_STOPPED ||
		     cryo_traced(task)))
		ret = -EBUSY;
	return ret;
}

/* The thread-group leader of @pid, referenced, if it may be frozen. */
static struct task_struct *cryo_freeze_target(pid_t pid, struct cryo_why *why)
{
	struct task_struct *task;
	int ret;

	rcu_read_lock();
	task = pid_task(find_vpid(pid), PIDTYPE_TGID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task)
		return ERR_PTR(-ESRCH);
	/* The root is no zombie: a zombie is imaged by its parent's tree. */
	ret = READ_ONCE(task->exit_state) ? -ESRCH : cryo_freeze_may(task, why);
	if (ret) {
		put_task_struct(task);
		return ERR_PTR(ret);
	}
	return task;
}

/* A new image, with nothing found or parked yet. */
static struct cryo_image *cryo_freeze_new(u32 flags)
{
	struct cryo_image *img;

	img = kzalloc(sizeof(*img), GFP_KERNEL_ACCOUNT);
	if (!img)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&img->node);
	img->flags = flags;
	if (cryo_record_init(img) || cryo_pin_init(img)) {
		cryo_image_free(img);
		return ERR_PTR(-ENOMEM);
	}
	return img;
}

/*
 * Before parking member @m: may it be frozen, and may the kernel let us
 * attach to it?  Not even parked for a moment otherwise.
 */
static int cryo_member_prepare(struct cryo_image *img, struct cryo_member *m,
			       struct cryo_why *why)
{
	int ret;

	if (m->rec.flags & CRYO_MEMBER_ZOMBIE)
		return 0;
	ret = cryo_freeze_may(m->leader, why);
	if (ret)
		return ret;
	m->mm = get_task_mm(m->leader);
	/* Exiting, not yet a zombie: look again. */
	if (!m->mm)
		return -CRYO_TREE_CHANGED;
	return cryo_kernel_may_attach(img->proc_mnt, m->leader, m->mm, false,
				      why);
}

/*
 * Parked: the member may have exec'd, changed its credentials, or made
 * itself non-dumpable, between the first checks and the parking.  Parked,
 * it can change nothing more.  Then what it holds is checked.
 */
static int cryo_member_recheck(struct cryo_image *img, struct cryo_why *why)
{
	struct cryo_member *m = img->m;
	struct task_struct *task = m->leader;
	unsigned int i;
	int ret;

	if (m->rec.flags & CRYO_MEMBER_ZOMBIE)
		return 0;
	ret = cryo_may_freeze(task, why);
	if (!ret && READ_ONCE(task->mm) != m->mm)
		ret = -EAGAIN;
	if (!ret)
		ret = cryo_kernel_may_attach(img->proc_mnt, task, m->mm, true,
					     why);
	if (!ret)
		ret = cryo_refuse_unparkable(task, why);
	if (!ret)
		ret = cryo_refuse_check(img, why);
	if (ret)
		return ret;
	for (i = 0; i < m->park->nr_threads; i++)
		if (cryo_thread_imaged(m->park->threads[i]))
			m->nr_threads++;
	/* Every thread exited while we parked them. */
	return m->nr_threads ? 0 : -CRYO_TREE_CHANGED;
}

/* Park every member of the tree but the zombies, within @timeout_ms. */
static int cryo_tree_park(struct cryo_image *img, unsigned int timeout_ms,
			  struct cryo_why *why)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	unsigned int i;
	int ret;

	for (i = 0; i < img->nr_members; i++) {
		ret = cryo_member_prepare(img, &img->members[i], why);
		if (ret)
			goto out_named;
	}
	ret = cryo_register(img);
	if (ret)
		return ret;
	/* Every member is asked at once, then each waited for. */
	for (i = 0; i < img->nr_members; i++) {
		struct cryo_member *m = &img->members[i];

		if (m->rec.flags & CRYO_MEMBER_ZOMBIE)
			continue;
		ret = cryo_park_begin(m->leader, &m->park);
		if (ret)
			return ret;
	}
	for (i = 0; i < img->nr_members; i++) {
		struct cryo_member *m = &img->members[i];
		long left = (long)(deadline - jiffies);

		if (m->rec.flags & CRYO_MEMBER_ZOMBIE)
			continue;
		if (left <= 0) {
			ret = -EBUSY;
		} else {
			ret = cryo_park_finish(m->park, m->leader,
					       jiffies_to_msecs(left));
			/* Released on failure. */
			if (ret)
				m->park = NULL;
		}
		/* A member exiting as we park it: the tree changed. */
		if (ret == -ESRCH && i)
			ret = -CRYO_TREE_CHANGED;
		if (ret)
			return ret;
	}
	return cryo_tree_changed(img) ? -CRYO_TREE_CHANGED : 0;

out_named:
	/* A member exiting as we look at it: the tree changed. */
	if (ret == -ESRCH && i)
		return -CRYO_TREE_CHANGED;
	if (why->code != CRYO_REFUSAL_NONE)
		why->pid = img->members[i].rec.pid;
	return ret;
}

/* Check every member, parked; count the threads of the image. */
static int cryo_tree_recheck(struct cryo_image *img, struct cryo_why *why)
{
	unsigned int i;
	int ret;

	img->nr_threads = 0;
	for (i = 0; i < img->nr_members; i++) {
		img->m = &img->members[i];
		img->sec = i;
		ret = cryo_member_recheck(img, why);
		if (ret) {
			if (why->code != CRYO_REFUSAL_NONE)
				why->pid = img->m->rec.pid;
			return ret;
		}
		img->nr_threads += img->m->nr_threads;
	}
	/* What no member alone can tell: who else holds their pipes. */
	if (!(img->flags & CRYO_FREEZE_ACCEPT_LOSS)) {
		ret = cryo_pipe_check_outside(img, why);
		if (!ret)
			ret = cryo_epoll_check(img, why);
		if (!ret)
			ret = cryo_pty_check(img, why);
		if (ret)
			return ret;
	}
	img->m = &img->members[0];
	img->sec = 0;
	/* The shared memory the members map, each object once. */
	ret = cryo_shm_collect(img, why);
	return ret == -EAGAIN ? -CRYO_TREE_CHANGED : ret;
}

/* Undo cryo_tree_park(): let the members go, forget them. */
static void cryo_tree_unpark(struct cryo_image *img)
{
	cryo_members_release(img, false);
	cryo_unregister(img);
	cryo_members_put_mm(img);
	cryo_tree_put(img);
}

static int cryo_freeze_begin(struct cryo_session *s, struct cryo_freeze *arg,
			     struct cryo_why *why)
{
	unsigned int timeout = arg->timeout_ms ?: CRYO_FREEZE_TIMEOUT_DEFAULT_MS;
	struct cryo_image *img;
	struct task_struct *task;
	unsigned int try;
	int ret;

	ret = cryo_freeze_args(s, arg);
	if (ret)
		return ret;
	task = cryo_freeze_target(arg->pid, why);
	if (IS_ERR(task))
		return PTR_ERR(task);
	img = cryo_freeze_new(arg->flags);
	if (IS_ERR(img)) {
		put_task_struct(task);
		return PTR_ERR(img);
	}
	img->max_deleted = arg->max_deleted_data ?: CRYO_DELETED_DATA_DEFAULT;
	cryo_nl_freeze_begin(&s->nl, task, arg->flags);
	img->proc_mnt = cryo_access_mount();
	for (try = 0; try < CRYO_TREE_TRIES; try++) {
		ret = cryo_tree_find(img, task);
		if (!ret)
			ret = cryo_tree_park(img, timeout, why);
		if (!ret)
			ret = cryo_tree_recheck(img, why);
		if (ret != -CRYO_TREE_CHANGED || fatal_signal_pending(current))
			break;
		cryo_tree_unpark(img);
		why->code = CRYO_REFUSAL_NONE;
	}
	if (ret == -CRYO_TREE_CHANGED)
		ret = -EAGAIN;
	put_task_struct(task);
	cryo_access_umount(img->proc_mnt);
	img->proc_mnt = NULL;
	if (ret) {
		cryo_tree_unpark(img);
		cryo_image_free(img);
		return ret;
	}
	arg->nr_threads = img->nr_threads;
	arg->nr_processes = img->nr_members;
	s->img = img;
	return 0;
}

int cryo_freeze_start(struct cryo_session *s, struct cryo_freeze *arg)
{
	struct cryo_why why = { .code = CRYO_REFUSAL_NONE };
	int ret;

	lockdep_assert_held(&s->lock);
	arg->bad_fd = -1;
	arg->refusal = CRYO_REFUSAL_NONE;
	arg->refusal_id = 0;
	arg->refusal_pid = 0;
	ret = cryo_freeze_begin(s, arg, &why);
	cryo_freeze_report(arg, &why, ret);
	return ret;
}

int cryo_freeze_commit(struct cryo_session *s, struct cryo_commit *arg)
{
	struct cryo_image *img = s->img;

	lockdep_assert_held(&s->lock);
	if (!img)
		return -ENOENT;
	if (!img->eof)
		return -EAGAIN;
	img->committed = true;
	/* The image is stored: kill the target, or let it go. */
	cryo_image_release(img);
	return 0;
}

/* Is the target still parked, every thread of it, none of them exiting? */
static bool cryo_image_target_held(struct cryo_image *img)
{
	unsigned int i;

	if (!cryo_image_parked(img))
		return false;
	for (i = 0; i < img->nr_members; i++) {
		struct cryo_member *m = &img->members[i];

		if (m->rec.flags & CRYO_MEMBER_ZOMBIE)
			continue;
		if (!m->park || !cryo_park_alive(m->park) ||
		    (m->leader->signal->flags & SIGNAL_GROUP_EXIT))
			return false;
	}
	return true;
}

/*
 * Move to the next member with a section (not a zombie), from @from.
 * Returns false past the last one.
 */
static bool cryo_freeze_section(struct cryo_image *img, unsigned int from)
{
	unsigned int i;

	for (i = from; i < img->nr_members; i++) {
		if (img->members[i].rec.flags & CRYO_MEMBER_ZOMBIE)
			continue;
		img->sec = i;
		img->m = &img->members[i];
		img->thread_idx = 0;
		img->sleep_due = false;
		img->fdt.fd_next = 0;
		img->pg.cursor = 0;
		cryo_sigq_save_end(img);
		cryo_timers_save_end(img);
		return true;
	}
	return false;
}

static int cryo_freeze_next(struct cryo_image *img);

/* Does a member after the current one have a section of its own? */
static bool cryo_freeze_more_sections(struct cryo_image *img)
{
	unsigned int i;

	for (i = img->sec + 1; i < img->nr_members; i++)
		if (!(img->members[i].rec.flags & CRYO_MEMBER_ZOMBIE))
			return true;
	return false;
}

/*
 * CRYO_FREEZE_SNAPSHOT, at the root's PAGES (every member parked): build
 * the rest of the image now and keep it (mm/snapshot.c), then let the
 * tree go and stage the first record kept.  Any failure breaks the stream
 * and lets the tree go untouched: what was built cannot be built again.
 */
static int cryo_freeze_snapshot(struct cryo_image *img)
{
	int ret;

	/*
	 * The other members' FILE records of pipes take the pipes' mutexes,
	 * which splice() may only try (splice.c): from read(), then.
	 */
	if (img->splicing && cryo_freeze_more_sections(img))
		return -EDEADLK;
	ret = cryo_snapshot_start(img);
	while (!ret) {
		ret = cryo_freeze_next(img);
		if (ret <= 0)
			break;
		ret = cryo_snapshot_keep(img);
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
		cond_resched();
	}
	/*
	 * A SIGKILL during the copy wakes the threads, which exit writing
	 * their futex words: not one moment.
	 */
	if (!ret && !cryo_image_target_held(img))
		ret = -ESRCH;
	if (ret) {
		/* Not to be taken up again: no code that says so. */
		if (ret == -EDEADLK || ret == -ERESTARTSYS ||
		    ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND ||
		    ret == -ERESTART_RESTARTBLOCK)
			ret = -EINTR;
		img->error = ret;
		cryo_image_release(img);
		cryo_pin_drop(img);
		cryo_snapshot_free(img);
		return ret;
	}
	img->pg.snapped = true;
	/* The whole image has been read: the tree may go on. */
	cryo_image_release(img);
	return cryo_snapshot_next(img);
}

/**
 * cryo_freeze_next() - stage the next record (one piece: the image's
 * parts in their order, one case each, so that the order reads here)
 * @img: the image, with nothing left unread of the previous record
 *
 * Return: 1 when a record was staged, 0 at the end of the image, -errno.
 */
static int cryo_freeze_next(struct cryo_image *img)
{
	int ret;

	/* What a snapshot kept has been read while the tree was parked. */
	if (img->pg.snapped)
		return cryo_snapshot_next(img);
	if (img->phase == CRYO_PH_DONE)
		return 0;
	/* The target must still be parked for every record, pages included. */
	if (!cryo_image_target_held(img))
		return -ESRCH;

	switch (img->phase) {
	case CRYO_PH_HEADER:
		cryo_record_header(img, img->members[0].park->fpu_size,
				   cryo_cpu_xfeatures());
		img->phase = CRYO_PH_TREE;
		return 1;
	case CRYO_PH_TREE:
		cryo_tree_save(img);
		img->phase = CRYO_PH_SHM;
		return 1;
	case CRYO_PH_SHM:
		if (cryo_shm_save(img))
			return 1;
		/* The root is no zombie: the first section is its own. */
		cryo_freeze_section(img, 0);
		img->phase = CRYO_PH_PROCESS;
		fallthrough;
	case CRYO_PH_PROCESS:
		cryo_proc_save(img);
		img->phase = CRYO_PH_GROUPS;
		return 1;
	case CRYO_PH_GROUPS:
		ret = cryo_creds_save_groups(img);
		img->phase = CRYO_PH_AUXV;
		return ret ?: 1;
	case CRYO_PH_AUXV:
		cryo_proc_save_auxv(img);
		img->phase = CRYO_PH_FS;
		return 1;
	case CRYO_PH_FS:
		ret = cryo_proc_save_fs(img);
		img->phase = CRYO_PH_SIGNALS;
		return ret ?: 1;
	case CRYO_PH_SIGNALS:
		ret = cryo_signals_save(img);
		img->phase = CRYO_PH_THREADS;
		return ret ?: 1;
	case CRYO_PH_THREADS:
		if (cryo_cpu_save(img))
			return 1;
		img->phase = CRYO_PH_SIGINFO;
		fallthrough;
	case CRYO_PH_SIGINFO:
		ret = cryo_sigq_save(img);
		if (ret)
			return ret;
		img->phase = CRYO_PH_TIMERS;
		fallthrough;
	case CRYO_PH_TIMERS:
		ret = cryo_timers_save(img);
		if (ret)
			return ret;
		img->phase = CRYO_PH_FILES;
		fallthrough;
	case CRYO_PH_FILES:
		ret = cryo_fdtable_save(img);
		if (ret)
			return ret;
		img->phase = CRYO_PH_VMAS;
		img->pg.cursor = 0;
		fallthrough;
	case CRYO_PH_VMAS:
		ret = cryo_vma_save(img);
		if (ret)
			return ret;
		img->phase = CRYO_PH_PAGES;
		img->pg.cursor = 0;
		fallthrough;
	case CRYO_PH_PAGES:
		if (img->flags & CRYO_FREEZE_SNAPSHOT && !img->pg.snap)
			return cryo_freeze_snapshot(img);
		ret = cryo_pages_save(img);
		if (ret)
			return ret;
		img->phase = CRYO_PH_SHM_PAGES;
		fallthrough;
	case CRYO_PH_SHM_PAGES:
		ret = cryo_shm_pages_save(img);
		if (ret)
			return ret;
		if (cryo_freeze_section(img, img->sec + 1)) {
			img->phase = CRYO_PH_PROCESS;
			return cryo_freeze_next(img);
		}
		img->phase = CRYO_PH_TRAILER;
		fallthrough;
	case CRYO_PH_TRAILER:
		cryo_record_trailer(img);
		img->phase = CRYO_PH_DONE;
		return 1;
	case CRYO_PH_DONE:
		break;
	}
	return 0;
}

/* Copy staged bytes and pinned pages to the reader; never more than @count. */
static ssize_t cryo_copy_out(struct cryo_image *img, void *to, size_t done,
			     size_t count)
{
	char __user *buf = *(char __user **)to + done;
	size_t n;

	if (img->out.stage_pos < img->out.stage_len) {
		n = min(count, img->out.stage_len - img->out.stage_pos);
		if (copy_to_user(buf, img->out.stage + img->out.stage_pos, n))
			return -EFAULT;
		img->out.stage_pos += n;
		return n;
	}
	if (img->pg.page_idx < img->pg.nr_pages) {
		struct page *page = img->pg.pages[img->pg.page_idx];
		void *kaddr;
		size_t left;

		n = min(count, PAGE_SIZE - img->pg.page_off);
		kaddr = kmap_local_page(page);
		left = copy_to_user(buf, kaddr + img->pg.page_off, n);
		kunmap_local(kaddr);
		if (left)
			return -EFAULT;
		cryo_freeze_advance(img, n);
		return n;
	}
	return 0;
}

/* @n bytes of the current page went out: release it once all did. */
void cryo_freeze_advance(struct cryo_image *img, size_t n)
{
	img->pg.page_off += n;
	if (img->pg.page_off == PAGE_SIZE) {
		put_page(img->pg.pages[img->pg.page_idx]);
		img->pg.page_idx++;
		img->pg.page_off = 0;
	}
}

/**
 * cryo_freeze_stream() - move up to @count bytes of the image out
 * @s: the session, locked
 * @out: moves bytes of the current record (staged, then pinned pages) to
 *	@to; returns how many (> 0), 0 once the record is out, or -errno
 *	having moved nothing (-EFAULT, -EPIPE, -EAGAIN when the destination
 *	is full, -ENOMEM), which leaves the stream as it was
 * @to: where, for @out
 * @count: at most this many bytes
 *
 * The one loop behind read() and splice(): records are built as the
 * bytes of the previous one have gone, and the target is let go at EOF
 * (a checkpoint) or on an error that breaks the stream.
 *
 * Return: bytes moved, 0 at EOF, -errno.
 */
ssize_t cryo_freeze_stream(struct cryo_session *s, cryo_out_fn out, void *to,
			   size_t count)
{
	struct cryo_image *img = s->img;
	size_t done = 0;
	ssize_t n;
	int ret;

	lockdep_assert_held(&s->lock);
	if (!img)
		return -ENOENT;
	if (img->error)
		return img->error;

	while (done < count) {
		n = out(img, to, done, count - done);
		if (n < 0) {
			ret = n;
			goto out;	/* nothing moved: the stream is intact */
		}
		if (n) {
			done += n;
			continue;
		}
		cryo_pin_drop(img);
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		ret = cryo_freeze_next(img);
		if (ret < 0)
			goto fail;
		if (!ret) {
			if (!img->eof) {
				img->eof = true;
				/* A checkpoint resumes as soon as it is read. */
				if (!(img->flags & (CRYO_FREEZE_KILL |
						    CRYO_FREEZE_LEAVE_FROZEN)))
					cryo_image_release(img);
			}
			break;
		}
		cond_resched();
	}
	return done;

fail:
	/*
	 * Interrupted, or (-EDEADLK) a record splice() cannot take, before
	 * the next record was staged: the stream is as it was (the files
	 * section undoes its step) and may go on.  A restart code must not
	 * reach user space.
	 */
	if (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
	    ret == -ERESTARTNOHAND || ret == -ERESTART_RESTARTBLOCK)
		ret = -EINTR;
	if (ret != -EINTR && ret != -EDEADLK) {
		/* The stream is broken: let the target go now, untouched. */
		img->error = ret;
		cryo_image_release(img);
		cryo_pin_drop(img);
		cryo_snapshot_free(img);
	}
out:
	return done ? done : ret;
}

ssize_t cryo_freeze_read(struct cryo_session *s, char __user *buf,
			 size_t count)
{
	return cryo_freeze_stream(s, cryo_copy_out, &buf, count);
}

void cryo_freeze_end(struct cryo_session *s)
{
	struct cryo_image *img = s->img;

	if (!img)
		return;
	cryo_image_release(img);
	cryo_unregister(img);
	cryo_image_free(img);
	s->img = NULL;
}

/* Has a member of the freeze's tree been killed, or has it exited? */
static bool cryo_freeze_target_gone(const struct cryo_image *img)
{
	unsigned int i;

	for (i = 0; i < img->nr_members; i++) {
		struct task_struct *task = img->members[i].leader;

		if (img->members[i].rec.flags & CRYO_MEMBER_ZOMBIE)
			continue;
		if ((READ_ONCE(task->flags) & PF_EXITING) ||
		    (READ_ONCE(task->signal->flags) & SIGNAL_GROUP_EXIT))
			return true;
	}
	return false;
}

/**
 * cryo_freeze_report_read() - tell the netlink family about a read
 * @s: the session, locked
 * @ret: what the read of the image returned
 */
void cryo_freeze_report_read(struct cryo_session *s, ssize_t ret)
{
	struct cryo_image *img = s->img;
	struct cryo_nl_stream st = {};

	lockdep_assert_held(&s->lock);
	if (img) {
		st.eof = img->eof;
		st.held = cryo_image_parked(img);
		st.err = img->error;
		st.gone = img->error && cryo_freeze_target_gone(img);
		st.pages = img->pg.nr_pages_total;
		st.nr_threads = img->nr_threads;
		st.nr_processes = img->nr_members;
	}
	cryo_nl_freeze_read(&s->nl, ret, img ? &st : NULL);
}

/**
 * cryo_freeze_held() - does the session's freeze hold its target?
 * @s: the session, at its last close
 * @gone: out: that target was killed, or exited
 *
 * Return: true when the target is parked.
 */
bool cryo_freeze_held(struct cryo_session *s, bool *gone)
{
	struct cryo_image *img = s->img;

	*gone = false;
	if (!img || !cryo_image_parked(img))
		return false;
	*gone = cryo_freeze_target_gone(img);
	return true;
}
