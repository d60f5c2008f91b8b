// SPDX-License-Identifier: GPL-2.0
/*
 * What a freeze refuses rather than lose silently: state of a parked
 * member of the tree that the image cannot carry, each refusal named (&enum
 * cryo_refusal) so that the caller can say which fd, thread or process.
 *
 * - Sharing with another process (a memory, fd table or fs_struct shared
 *   through CLONE_VM, CLONE_FILES or CLONE_FS without CLONE_THREAD, as
 *   vfork() does), and threads of the target with an fd table or fs_struct
 *   of their own: the image holds one of each, and a process outside
 *   would go on changing what the image says.  Refused even with
 *   CRYO_FREEZE_ACCEPT_LOSS: it is not a loss but a lie.  Members of the
 *   tree may share an fd table or an fs_struct (not a memory) when the
 *   sharers are a chain of parent and child members, as clone() made
 *   them: each is then marked as sharing its parent member's
 *   (CRYO_MEMBER_SHARES_FILES, _FS), and a thaw makes it so again.
 * - A seccomp filter (or strict mode): a thaw cannot restore it, and the
 *   process would run unconfined.  (A Landlock domain cannot be told from
 *   a module: its credential blob is reachable only through symbols that
 *   are not exported.  See Documentation/admin-guide.rst.)
 * - Sharing memory (MAP_SHARED|MAP_ANONYMOUS) with another process, of
 *   the tree or not: each would get a copy of its own (mm/vma.c).
 * - A pipe whose other end is held outside the tree (files/pipe.c).
 * - Files: kinds cryo cannot save, unlinked files whose contents the
 *   caller may not read, locks and leases (files/).
 * - A mapping a thaw could not make again (of a deleted file, or of a
 *   device; mm/vma.c): the image would never thaw, and a freeze that
 *   killed its target would lose it.
 *
 * The last five are lifted by CRYO_FREEZE_ACCEPT_LOSS (an image for
 * forensics need not thaw).
 */
#include "cryo.h"

#include <linux/fdtable.h>
#include <linux/fs_struct.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seccomp.h>

#include "freezing.h"
#include "park.h"
#include "refuse.h"
#include "files/files.h"
#include "mm/mm.h"
#include "task/task.h"

/* How the log names a refusal: "<noun> <id> <what>". */
static const struct {
	const char *noun;
	const char *what;
} cryo_refusal_names[] = {
	[CRYO_REFUSAL_ACCESS]		= { "thread", "has other ids, or no dumpability" },
	[CRYO_REFUSAL_CAPS]		= { "thread", "has capabilities the caller lacks" },
	[CRYO_REFUSAL_PTRACE]		= { "pid", "may not be ptraced by the caller" },
	[CRYO_REFUSAL_FD_KIND]		= { "fd", "is of a kind cryo cannot save" },
	[CRYO_REFUSAL_UNREADABLE_FILE]	= { "fd", "is an unlinked file not readable" },
	[CRYO_REFUSAL_LOCK_POSIX]	= { "fd", "holds a POSIX lock" },
	[CRYO_REFUSAL_LOCK_OFD]		= { "fd", "holds an OFD lock" },
	[CRYO_REFUSAL_LOCK_FLOCK]	= { "fd", "holds a flock lock" },
	[CRYO_REFUSAL_LEASE]		= { "fd", "holds a lease" },
	[CRYO_REFUSAL_CHILD]		= { "pid", "is a child of the target" },
	[CRYO_REFUSAL_SECCOMP]		= { "thread", "has a seccomp filter" },
	[CRYO_REFUSAL_SHARED_MM]	= { "pid", "shares the target's memory" },
	[CRYO_REFUSAL_SHARED_FILES]	= { "pid", "shares the fd table, or has its own" },
	[CRYO_REFUSAL_SHARED_FS]	= { "pid", "shares the fs_struct, or has its own" },
	[CRYO_REFUSAL_AMX]		= { "pid", "has enabled AMX tile data" },
	[CRYO_REFUSAL_SQPOLL]		= { "thread", "is an io_uring SQPOLL thread" },
	[CRYO_REFUSAL_MAPPING]		= { "mapping", "is of a deleted file or a device" },
	[CRYO_REFUSAL_PIPE_OUTSIDE]	= { "fd", "is a pipe held outside the tree too" },
	[CRYO_REFUSAL_SHARED_MEMORY]	= { "mapping", "is shared memory another process maps" },
	[CRYO_REFUSAL_MEMFD_FD]		= { "fd", "is a hugetlb memfd or secret memory" },
	[CRYO_REFUSAL_MEMFD_MAPPING]	= { "mapping", "is of a hugetlb memfd or secret memory" },
	[CRYO_REFUSAL_MEMFD_OUTSIDE]	= { "fd", "is a memfd held outside the tree too" },
	[CRYO_REFUSAL_SCHED_DEADLINE]	= { "thread", "runs under SCHED_DEADLINE" },
	[CRYO_REFUSAL_CHROOT]		= { "pid", "runs in a chroot" },
	[CRYO_REFUSAL_PTY_MASTER]	= { "fd", "is a pseudo-terminal master" },
	[CRYO_REFUSAL_FANOTIFY]		= { "fd", "is a fanotify group" },
	[CRYO_REFUSAL_OPATH_UNLINKED]	= { "fd", "is O_PATH on an unlinked inode" },
	[CRYO_REFUSAL_DELETED_TOO_BIG]	= { "fd", "takes deleted files' data over the limit" },
	[CRYO_REFUSAL_SIGQUEUE]		= { "pid", "has too many signals queued" },
	[CRYO_REFUSAL_POSIX_TIMER]	= { "timer", "is a POSIX timer" },
	[CRYO_REFUSAL_CPU_ITIMER]	= { "pid", "has ITIMER_VIRTUAL or ITIMER_PROF armed" },
	[CRYO_REFUSAL_EPOLL_TARGET]	= { "epoll fd", "watches a file no longer at its number" },
	[CRYO_REFUSAL_EPOLL_TOO_MANY]	= { "epoll fd", "watches too many files" },
	[CRYO_REFUSAL_INOTIFY_PATH]	= { "fd", "is an inotify watching an inode with no path" },
	[CRYO_REFUSAL_INOTIFY_QUEUE]	= { "fd", "is an inotify with events queued" },
	[CRYO_REFUSAL_INOTIFY_WD]	= { "fd", "is an inotify with too many watches" },
	[CRYO_REFUSAL_POSIX_TIMER_LIMIT] = { "timer", "is a timer past the id or count limit" },
	[CRYO_REFUSAL_POSIX_TIMER_CLOCK] = { "timer", "is a timer on a CPU-time or alarm clock" },
	[CRYO_REFUSAL_POSIX_TIMER_NOTIFY] = { "timer", "is a timer signalling a lost thread" },
	[CRYO_REFUSAL_DELETED_MAPPING_TOO_BIG] = {
		"mapping", "takes deleted files' data over the limit" },
	[CRYO_REFUSAL_DELETED_MAPPING_UNREADABLE] = {
		"mapping", "is of a deleted file not readable" },
	[CRYO_REFUSAL_DELETED_MAPPING_SHARED_FILES] = {
		"mapping", "is of a deleted file, its fd table shared" },
};

/* Say once in the log why the freeze of @pid was refused. */
void cryo_refusal_log(pid_t pid, const struct cryo_why *why, int err)
{
	const char *noun = "id", *what = "?";

	if (why->code < ARRAY_SIZE(cryo_refusal_names) &&
	    cryo_refusal_names[why->code].noun) {
		noun = cryo_refusal_names[why->code].noun;
		what = cryo_refusal_names[why->code].what;
	}
	pr_info_ratelimited("freeze of pid %d refused (%d): pid %d: %s %d %s\n",
			    pid, err, why->pid ?: pid, noun, why->id, what);
}

/*
 * What the target's threads hold, and how many of them hold it: a count
 * of users above that means someone else may hold it too.
 */
struct cryo_held {
	struct files_struct *files;
	struct fs_struct *fs;
	unsigned int nr_mm, nr_files, nr_fs;
	bool tree_files, tree_fs;	/* other members use them too */
};

/**
 * cryo_refuse_unparkable() - what must not even be parked
 * @task: the target's leader, referenced
 * @why: out: the refusal
 *
 * Checked before the parking and again after it:
 *  - AMX tile data (arch_prctl(ARCH_REQ_XCOMP_PERM)): no place for it in
 *    the image;
 *  - an io_uring SQPOLL thread: it runs its task work, and so would park,
 *    while it holds its sqd->lock, on which others (io_uring_register(),
 *    the ring's exit work) then wait uninterruptibly for as long as the
 *    freeze lasts.
 *
 * Return: 0, or -EOPNOTSUPP with @why set.
 */
int cryo_refuse_unparkable(struct task_struct *task, struct cryo_why *why)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct task_struct *t;
	pid_t sqpoll = 0;

	if (cryo_cpu_fpu_dynamic(task))
		return cryo_refuse(why, CRYO_REFUSAL_AMX,
				   task_tgid_nr_ns(task, ns), -EOPNOTSUPP);
	rcu_read_lock();
	for_each_thread(task, t) {
		/* io_sq_thread() names itself "iou-sqp-<pid>". */
		if ((READ_ONCE(t->flags) & PF_IO_WORKER) &&
		    !strncmp(t->comm, "iou-sqp-", 8)) {
			sqpoll = task_pid_nr_ns(t, ns);
			break;
		}
	}
	rcu_read_unlock();
	if (sqpoll)
		return cryo_refuse(why, CRYO_REFUSAL_SQPOLL, sqpoll,
				   -EOPNOTSUPP);
	return 0;
}

/*
 * Every thread of the target uses one fd table and one fs_struct, or
 * none (exited).  The threads are parked: they cannot unshare meanwhile.
 */
static int cryo_threads_check(struct cryo_image *img, struct cryo_held *h,
			      struct cryo_why *why)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct cryo_park *park = img->m->park;
	unsigned int i;

	for (i = 0; i < park->nr_threads; i++) {
		struct task_struct *t = park->threads[i]->task;
		struct files_struct *files;
		struct fs_struct *fs;
		bool uses_mm;

		task_lock(t);
		files = t->files;
		fs = t->fs;
		uses_mm = t->mm == img->m->mm;
		task_unlock(t);
		h->nr_mm += uses_mm;
		if (files && !h->files)
			h->files = files;
		if (fs && !h->fs)
			h->fs = fs;
		if (files && files != h->files)
			return cryo_refuse(why, CRYO_REFUSAL_SHARED_FILES,
					   task_pid_nr_ns(t, ns), -EOPNOTSUPP);
		if (fs && fs != h->fs)
			return cryo_refuse(why, CRYO_REFUSAL_SHARED_FS,
					   task_pid_nr_ns(t, ns), -EOPNOTSUPP);
		h->nr_files += !!files;
		h->nr_fs += !!fs;
	}
	return 0;
}

/* Is process @p a member of the tree?  Under RCU. */
static bool cryo_in_tree(struct cryo_image *img, struct task_struct *p)
{
	unsigned int i;

	for (i = 0; i < img->nr_members; i++)
		if (same_thread_group(p, img->members[i].leader))
			return true;
	return false;
}

/*
 * Does a process outside the target use its mm, fd table or fs_struct?
 * The counts say when nobody can: each user holds one reference (our own
 * mmget() adds one to mm_users).  Above that, a transient user (a reader
 * of /proc/PID/cmdline, get_user_pages_remote()) or a real sharer: walk
 * every thread of the system to tell, as the OOM killer's
 * process_shares_mm() does.  Pointers are only compared, under RCU.  An
 * fd table or fs_struct another member uses is noted, for
 * cryo_tree_shape_check() to judge; a memory never is shared.
 */
static int cryo_sharing_check(struct cryo_image *img, struct cryo_held *h,
			      struct cryo_why *why)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct signal_struct *sig = img->m->leader->signal;
	bool mm, files, fs, on_files, on_fs;
	struct task_struct *p, *t;
	u32 code = CRYO_REFUSAL_NONE;
	s32 id = 0;

	mm = atomic_read(&img->m->mm->mm_users) > h->nr_mm + 1;
	files = h->files && atomic_read(&h->files->count) > h->nr_files;
	fs = h->fs && READ_ONCE(h->fs->users) > h->nr_fs;
	if (!mm && !files && !fs)
		return 0;

	rcu_read_lock();
	for_each_process_thread(p, t) {
		if (p->signal == sig)
			continue;
		if (mm && READ_ONCE(t->mm) == img->m->mm) {
			code = CRYO_REFUSAL_SHARED_MM;
		} else {
			on_files = files && READ_ONCE(t->files) == h->files;
			on_fs = fs && READ_ONCE(t->fs) == h->fs;
			if (!on_files && !on_fs)
				continue;
			if (cryo_in_tree(img, p)) {
				h->tree_files |= on_files;
				h->tree_fs |= on_fs;
				continue;
			}
			code = on_files ? CRYO_REFUSAL_SHARED_FILES :
					  CRYO_REFUSAL_SHARED_FS;
		}
		id = task_tgid_nr_ns(p, ns);
		break;
	}
	rcu_read_unlock();
	return code ? cryo_refuse(why, code, id, -EOPNOTSUPP) : 0;
}

/* The fd table and fs_struct of parked member @m (NULL for a zombie). */
static void cryo_member_tables(struct cryo_member *m,
			       struct files_struct **files,
			       struct fs_struct **fs)
{
	unsigned int i;

	*files = NULL;
	*fs = NULL;
	for (i = 0; m->park && i < m->park->nr_threads; i++) {
		struct task_struct *t = m->park->threads[i]->task;

		task_lock(t);
		*files = *files ?: t->files;
		*fs = *fs ?: t->fs;
		task_unlock(t);
	}
}

/* Does member @k use @files (or @fs), its parent member not? */
static bool cryo_member_heads(struct cryo_image *img, unsigned int k,
			      struct files_struct *files, struct fs_struct *fs)
{
	struct files_struct *kf, *pf = NULL;
	struct fs_struct *ks, *ps = NULL;
	s32 parent = img->members[k].rec.parent;

	cryo_member_tables(&img->members[k], &kf, &ks);
	if (parent >= 0)
		cryo_member_tables(&img->members[parent], &pf, &ps);
	if (files)
		return kf == files && pf != files;
	return ks == fs && ps != fs;
}

/*
 * The fd table or fs_struct of the member being checked is used by other
 * members (and only by members, cryo_sharing_check() saw to that).  A
 * thaw makes each sharer from its parent's process with CLONE_FILES or
 * CLONE_FS, so the sharers must be a chain of parent and child members:
 * one of them (the first in the tree's order) has no sharer for a
 * parent, every other one has.  The members are all parked: none can
 * change its tables.  Marks the member as sharing its parent's.
 */
static int cryo_tree_shape_check(struct cryo_image *img, struct cryo_held *h,
				 struct cryo_why *why)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct cryo_member *m = img->m;
	struct files_struct *pf = NULL;
	struct fs_struct *ps = NULL;
	unsigned int k;

	if (m->rec.parent >= 0)
		cryo_member_tables(&img->members[m->rec.parent], &pf, &ps);
	if (h->tree_files && pf == h->files)
		m->rec.flags |= CRYO_MEMBER_SHARES_FILES;
	if (h->tree_fs && ps == h->fs)
		m->rec.flags |= CRYO_MEMBER_SHARES_FS;
	/* The first of its sharers: no later one may head a chain too. */
	for (k = img->sec + 1; k < img->nr_members; k++) {
		struct task_struct *p = img->members[k].leader;

		if (h->tree_files && !(m->rec.flags & CRYO_MEMBER_SHARES_FILES) &&
		    cryo_member_heads(img, k, h->files, NULL))
			return cryo_refuse(why, CRYO_REFUSAL_SHARED_FILES,
					   task_tgid_nr_ns(p, ns), -EOPNOTSUPP);
		if (h->tree_fs && !(m->rec.flags & CRYO_MEMBER_SHARES_FS) &&
		    cryo_member_heads(img, k, NULL, h->fs))
			return cryo_refuse(why, CRYO_REFUSAL_SHARED_FS,
					   task_tgid_nr_ns(p, ns), -EOPNOTSUPP);
	}
	return 0;
}

static int cryo_seccomp_check(struct cryo_image *img, struct cryo_why *why)
{
#ifdef CONFIG_SECCOMP
	struct cryo_park *park = img->m->park;
	unsigned int i;

	/* A thread's mode only changes in its own context: parked, stable. */
	for (i = 0; i < park->nr_threads; i++) {
		struct task_struct *t = park->threads[i]->task;

		if (READ_ONCE(t->seccomp.mode) != SECCOMP_MODE_DISABLED)
			return cryo_refuse(why, CRYO_REFUSAL_SECCOMP,
					   task_pid_vnr(t), -EOPNOTSUPP);
	}
#endif
	return 0;
}

/*
 * A process whose root directory is not the freezer's (a chroot, or a
 * mount namespace on another root file system; a copy of the freezer's
 * namespace has the same root): a module cannot chroot the restored process
 * (set_fs_root() is not exported) and the caller may not be allowed to,
 * and at the caller's root it would reach the whole file system.
 */
static int cryo_chroot_check(struct cryo_image *img, struct cryo_why *why)
{
	struct task_struct *p = img->m->leader;
	struct path root, mine;
	bool same = true;

	task_lock(p);
	if (p->fs) {
		get_fs_root(p->fs, &root);
		task_unlock(p);
		get_fs_root(current->fs, &mine);
		/*
		 * The same directory: the mount may be another namespace's
		 * copy of the freezer's root, which is no chroot.
		 */
		same = root.dentry == mine.dentry;
		path_put(&root);
		path_put(&mine);
	} else {
		task_unlock(p);
	}
	return same ? 0 : cryo_refuse(why, CRYO_REFUSAL_CHROOT, img->m->rec.pid,
				      -EOPNOTSUPP);
}

/**
 * cryo_refuse_check() - refuse what the image of the parked target would
 * lose or get wrong
 * @img: the image, every thread of its target parked
 * @why: out: the first refusal
 *
 * Return: 0, -EOPNOTSUPP or -EACCES with @why set, -errno.
 */
int cryo_refuse_check(struct cryo_image *img, struct cryo_why *why)
{
	struct cryo_held held = {};
	int ret;

	ret = cryo_threads_check(img, &held, why);
	if (!ret)
		ret = cryo_sharing_check(img, &held, why);
	if (!ret && (held.tree_files || held.tree_fs))
		ret = cryo_tree_shape_check(img, &held, why);
	if (ret || img->flags & CRYO_FREEZE_ACCEPT_LOSS)
		return ret;
	ret = cryo_seccomp_check(img, why);
	if (!ret)
		ret = cryo_chroot_check(img, why);
	if (!ret)
		ret = cryo_sched_refuse(img, why);
	if (!ret)
		ret = cryo_signals_refuse(img, why);
	if (!ret)
		ret = cryo_timers_refuse(img, why);
	if (!ret)
		ret = cryo_fdtable_check(img, why);
	if (!ret)
		ret = cryo_vma_check(img, why);
	return ret;
}
