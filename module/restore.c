// SPDX-License-Identifier: GPL-2.0
/*
 * The restore: what the process R being restored does from its stub,
 * past the point of no return (see "The thaw protocol" in thaw.c).
 */
#include "cryo.h"

#include <linux/lockdep.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>

#include "session.h"
#include "access.h"
#include "thaw.h"
#include "thawing.h"
#include "netlink.h"
#include "files/files.h"
#include "image/stream.h"
#include "mm/mm.h"
#include "task/task.h"

/* Past the point of no return, in the leader. */
struct cryo_finish_work {
	struct callback_head cb;
	struct cryo_thawing *t;
	unsigned int idx;
};

/*
 * The member the caller's process is being made into: the one it asked
 * for with CRYO_IOC_THAW_MEMBER, or the root, which the first process
 * that no member names claims with @claim (CRYO_IOC_THAW_RESTORE).
 * NULL when there is none.
 */
static struct cryo_thawing *cryo_member_of(struct cryo_thaw_tree *tree,
					   bool claim)
{
	struct pid *me = task_tgid(current);
	struct cryo_thawing *t = NULL, *root;
	unsigned int i;

	spin_lock(&tree->lock);
	for (i = 0; i < tree->nr_procs && !t; i++) {
		struct cryo_thawing *m = tree->members[i];

		if (m && (m->planned == me || m->leader_pid == me))
			t = m;
	}
	root = tree->members[0];
	if (!t && !root->planned && !root->leader_pid) {
		t = root;
		if (claim && tree->nr_procs > 1)
			root->planned = get_pid(me);
	}
	spin_unlock(&tree->lock);
	return t;
}

/* R must be a process of its own, made for this: nobody shares its mm. */
int cryo_check_fresh(struct cryo_thawing *t)
{
	struct mm_struct *mm = current->mm;
	int ret = cryo_may_restore(t);

	if (ret)
		return ret;
	if (!mm || test_bit(MMF_MULTIPROCESS, &mm->flags) ||
	    current->vfork_done)
		return cryo_thaw_fail(t, -EBUSY,
				      "the restoring process shares its memory with another process");
	return cryo_tree_check_shared(t);
}

/* The state a process's libc set up points into memory about to go. */
void cryo_forget_user_state(void)
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

	left = wait_event_killable_timeout(t->tree->wq, READ_ONCE(t->arrived) == want,
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
	/* In a new pid namespace, ids are seen from inside: current is in it. */
	if (!(t->flags & (CRYO_THAW_SAME_PID | CRYO_THAW_NEW_PIDNS)))
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

	if (a->nr_pipes != t->fdt.nr_pipes)
		return cryo_thaw_fail(t, -EINVAL, "%u pipes given, %u needed",
				      a->nr_pipes, t->fdt.nr_pipes);
	/* None of its own; an earlier member's it may still need. */
	if (!t->fdt.nr_pipes) {
		ret = cryo_pipe_attach(t, NULL, 0);
	} else {
		fds = memdup_user(u64_to_user_ptr(a->pipes),
				  2 * sizeof(s32) * (size_t)t->fdt.nr_pipes);
		if (IS_ERR(fds))
			return cryo_thaw_fail(t, PTR_ERR(fds), "bad pipes array");
		ret = cryo_pipe_attach(t, fds, t->fdt.nr_pipes);
		kfree(fds);
	}
	if (!ret)
		ret = cryo_object_attach(t, a);
	/* Its fds' descriptions, referenced while the lock keeps them. */
	return ret ?: cryo_fdtable_resolve(t);
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
	ret = cryo_vma_restore(t, a->stub_start, a->stub_len);
	if (!ret)
		ret = cryo_pages_restore(t);
	if (ret)
		return ret;
	cryo_proc_restore(t);
	cryo_signals_restore(t);
	/* Killed meanwhile: the threads are gone or going, so are we. */
	if (cryo_being_killed())
		return cryo_thaw_fail(t, -EINTR,
				      "the process being restored was killed");
	/* The stub sets cwd and exe itself: there are no exports for it. */
	a->exe_fd = cryo_install_tmp(t->exe);
	a->cwd_fd = cryo_install_tmp(t->cwd);
	a->vdso = t->lay.vdso_start ? t->lay.special_start : 0;
	return cryo_cpu_out(t, &t->threads[0], &a->cpu);
}

int cryo_thaw_restore(struct cryo_session *s, struct cryo_thaw_restore *a)
{
	struct cryo_thaw_tree *tree = s->thaw;
	struct cryo_thawing *t;
	int ret;

	lockdep_assert_held(&s->lock);
	if (!tree || tree->remap_only)
		return -ENOENT;
	t = cryo_member_of(tree, true);
	if (!t)
		return -EPERM;
	spin_lock(&t->tree->lock);
	ret = t->state == CRYO_THAW_PREPARED && !t->leader ? 0 : -EALREADY;
	if (!ret) {
		t->leader = get_task_struct(current);
		t->leader_pid = get_pid(task_tgid(current));
	}
	spin_unlock(&t->tree->lock);
	if (ret)
		return ret;
	if (a->__reserved || a->cpu.__reserved) {
		ret = cryo_thaw_fail(t, -EINVAL, "reserved fields not zero");
		goto fail;
	}
	/* What CRYO_IOC_THAW_ATTACH took is the attaching process's. */
	if (t->attacher && t->attacher != task_tgid(current)) {
		ret = cryo_thaw_fail(t, -EPERM,
				     "the pipes and objects were given by another process");
		goto fail;
	}
	ret = cryo_check_fresh(t);
	if (!ret)
		ret = cryo_stub_check(t, a->stub_start, a->stub_len);
	/* Taken already by CRYO_IOC_THAW_ATTACH, for its epolls. */
	if (!ret && !READ_ONCE(t->attacher))
		ret = cryo_restore_pipes(t, a);
	if (!ret)
		ret = cryo_epoll_verify(t);
	if (!ret)
		ret = cryo_vma_open_shm(t);
	if (!ret)
		ret = cryo_locks_restore(t);
	if (!ret)
		ret = cryo_wait_threads(t);
	if (!ret)
		ret = cryo_sched_check(t);
	if (!ret)
		ret = cryo_timers_check(t);
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
	spin_lock(&t->tree->lock);
	t->released = true;
	spin_unlock(&t->tree->lock);
	wake_up_all(&t->tree->wq);
	return 0;
fail:
	/* The caller is intact; its waiting threads are told to exit. */
	cryo_thaw_set_state(t, CRYO_THAW_FAILED);
	return ret;
}

/**
 * cryo_thaw_attach() - CRYO_IOC_THAW_ATTACH: the pipes and objects, early
 * @s: the session
 * @a: the call: only its pipes and objects are read
 *
 * For R to fill its epolls (CRYO_IOC_THAW_EPOLL) before its stub's
 * CRYO_IOC_THAW_RESTORE, which then does not take them again.  A failure
 * fails the thaw, as one of RESTORE's checks would.
 *
 * Return: 0 or -errno.
 */
int cryo_thaw_attach(struct cryo_session *s, struct cryo_thaw_restore *a)
{
	struct cryo_thaw_tree *tree = s->thaw;
	struct cryo_thawing *t;
	int ret;

	lockdep_assert_held(&s->lock);
	if (!tree || tree->remap_only)
		return -ENOENT;
	t = cryo_member_of(tree, true);
	if (!t)
		return -EPERM;
	spin_lock(&t->tree->lock);
	ret = t->state == CRYO_THAW_PREPARED && !t->leader && !t->attacher ?
	      0 : -EALREADY;
	if (!ret)
		t->attacher = get_pid(task_tgid(current));
	spin_unlock(&t->tree->lock);
	if (ret)
		return ret;
	if (a->__reserved)
		ret = cryo_thaw_fail(t, -EINVAL, "reserved fields not zero");
	if (!ret)
		ret = cryo_check_fresh(t);
	if (!ret)
		ret = cryo_restore_pipes(t, a);
	if (ret)
		cryo_thaw_set_state(t, CRYO_THAW_FAILED);
	return ret;
}

/*
 * The member whose process attached and is the parent of the caller,
 * which has a fd table of its own: NULL otherwise.
 */
static struct cryo_thawing *cryo_member_of_parent(struct cryo_thaw_tree *tree)
{
	struct cryo_thawing *t = NULL;
	struct task_struct *parent;
	struct pid *pp;
	unsigned int i;

	rcu_read_lock();
	parent = rcu_dereference(current->real_parent);
	pp = task_tgid(parent);
	/* A thread of R, or a child sharing its table, would empty R's. */
	if (READ_ONCE(parent->files) == current->files ||
	    same_thread_group(parent, current))
		pp = NULL;
	spin_lock(&tree->lock);
	for (i = 0; pp && i < tree->nr_procs && !t; i++) {
		struct cryo_thawing *m = tree->members[i];

		if (m && m->attacher == pp)
			t = m;
	}
	spin_unlock(&tree->lock);
	rcu_read_unlock();
	return t;
}

/**
 * cryo_thaw_epoll() - CRYO_IOC_THAW_EPOLL: an epoll of R's to fill
 * @s: the session
 * @a: the call
 *
 * Return: 0 or -errno (-EBUSY with @a->min_fd set); the thaw is not
 * failed here: RESTORE's check of the epolls says what is missing.
 */
int cryo_thaw_epoll(struct cryo_session *s, struct cryo_thaw_epoll *a)
{
	struct cryo_thaw_tree *tree = s->thaw;
	struct cryo_thawing *t;
	struct file *dev;
	bool ours;

	lockdep_assert_held(&s->lock);
	if (!tree || tree->remap_only)
		return -ENOENT;
	if (a->__reserved || a->devfd < 0)
		return -EINVAL;
	dev = fget(a->devfd);
	ours = dev && dev->f_op == &cryo_fops && dev->private_data == s;
	if (dev)
		fput(dev);
	if (!ours)
		return -EBADF;
	t = cryo_member_of_parent(tree);
	if (!t)
		return -EPERM;
	if (READ_ONCE(t->state) != CRYO_THAW_PREPARED || READ_ONCE(t->leader))
		return -EALREADY;
	return cryo_epoll_fill(t, a);
}

static bool cryo_thread_may_go(struct cryo_thawing *t)
{
	return READ_ONCE(t->released) ||
	       READ_ONCE(t->state) == CRYO_THAW_FAILED;
}

int cryo_thaw_thread(struct cryo_session *s, struct cryo_thaw_thread *a)
{
	/* Pairs with cryo_thaw_new(): the thaw is seen whole. */
	struct cryo_thaw_tree *tree = smp_load_acquire(&s->thaw);
	struct cryo_thawing_thread *th;
	struct cryo_thawing *t;
	int ret = 0;

	if (!tree || tree->remap_only)
		return -ENOENT;
	t = cryo_member_of(tree, false);
	if (!t)
		return -EPERM;
	if (a->__reserved || a->cpu.__reserved)
		return -EINVAL;
	spin_lock(&t->tree->lock);
	if (t->state != CRYO_THAW_PREPARED)
		ret = -ECANCELED;
	else if (!a->index || a->index >= t->nr_threads)
		ret = -EINVAL;
	else if (t->threads[a->index].task)
		ret = -EEXIST;
	else if (!cryo_may_join_restore(t))
		ret = -EPERM;
	if (!ret) {
		t->threads[a->index].task = get_task_struct(current);
		t->arrived++;
	}
	spin_unlock(&t->tree->lock);
	if (ret)
		return ret;
	wake_up_all(&t->tree->wq);

	/* A leader that is gone never releases us: look every 100 ms. */
	for (;;) {
		long left = wait_event_killable_timeout(t->tree->wq,
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

static int cryo_wait_sharers(struct cryo_thawing *t);

/*
 * The last thread in: fds, timer and signals, the stub goes.  An fd
 * table shared by members (CRYO_MEMBER_SHARES_FILES) is installed once,
 * by its owner, once no sharer needs the library's fds any more.
 */
static int cryo_thaw_final(struct cryo_thawing *t)
{
	struct mm_struct *mm = current->mm;
	bool sharer = t->tree->procs &&
		      (t->tree->procs[t->idx].flags & CRYO_MEMBER_SHARES_FILES);
	int ret;

	if (t->lay.vdso_start &&
	    (unsigned long)mm->context.vdso != t->lay.vdso_start)
		return cryo_thaw_fail(t, -EFAULT,
				      "the vdso could not be placed at 0x%llx",
				      t->lay.vdso_start);
	ret = vm_munmap(t->stub_start, t->stub_len);
	if (ret)
		return cryo_thaw_fail(t, ret, "cannot unmap the stub");
	ret = sharer ? 0 : cryo_wait_sharers(t);
	if (!ret && !sharer)
		ret = cryo_fdtable_install(t);
	/* A sharer's section has none: its table's are its owner's. */
	if (!ret)
		ret = cryo_locks_install(t);
	if (!ret)
		ret = cryo_sigq_restore(t);
	if (ret)
		return ret;
	cryo_signals_final(t);
	cryo_tty_final(t);
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
	cryo_signals_keep_sigkill();
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
		left = wait_event_killable_timeout(t->tree->wq, cryo_installed(t),
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

static bool cryo_tree_installed(struct cryo_thaw_tree *tree)
{
	return READ_ONCE(tree->committed) || READ_ONCE(tree->failed);
}

/*
 * Wait for every member of the tree to have its fds in (at once for a
 * tree of one).  Killable, and checked every 100 ms for threads of this
 * process that left and for members that died: -EINTR then, and a tree
 * that failed meanwhile is -EINTR too.  Once committed (every member
 * installed, none failed) it is 0 whatever fails later: that is the
 * failing member's alone.
 */
static int cryo_wait_tree(struct cryo_thawing *t)
{
	struct cryo_thaw_tree *tree = t->tree;
	struct cryo_thawing *lost;
	long left;

	for (;;) {
		left = wait_event_killable_timeout(tree->wq,
						   cryo_tree_installed(tree),
						   HZ / 10);
		if (left < 0)
			return -EINTR;
		/* Committed: whatever fails now is not this member's concern. */
		if (left)
			return READ_ONCE(tree->committed) ? 0 : -EINTR;
		if (cryo_thaw_dying(t))
			return -EINTR;
		/*
		 * Either fails the tree, or, committed meanwhile, only the
		 * lost member: the next wait tells which.
		 */
		lost = cryo_thaw_lost(tree);
		if (lost)
			cryo_thaw_fail_lost(lost);
		else
			cryo_thaw_overdue(tree);
	}
}

/*
 * Has every member that shares @t's fd table passed its last step?  Until
 * then its stub uses the library's fds in that table (/dev/cryo, its
 * status pipe), which the install closes.  The sharers come after their
 * owner in the tree's order, each made from its parent's process.
 */
static bool cryo_sharers_done(struct cryo_thawing *t)
{
	struct cryo_thaw_tree *tree = t->tree;
	unsigned int k, owner;
	bool done = true;

	if (READ_ONCE(tree->failed))
		return true;
	spin_lock(&tree->lock);
	for (k = t->idx + 1; k < tree->nr_procs && done; k++) {
		for (owner = k; tree->procs[owner].flags & CRYO_MEMBER_SHARES_FILES;)
			owner = tree->procs[owner].parent;
		if (owner == t->idx && k != owner)
			done = tree->members[k] && tree->members[k]->installed;
	}
	spin_unlock(&tree->lock);
	return done;
}

/*
 * Wait for the sharers of @t's fd table (at once when it has none), as
 * cryo_wait_tree() waits for the tree: -EINTR when the wait is
 * interrupted, a thread of @t left, a member died or the tree failed.
 */
static int cryo_wait_sharers(struct cryo_thawing *t)
{
	struct cryo_thaw_tree *tree = t->tree;
	struct cryo_thawing *lost;
	long left;

	if (!tree->procs)
		return 0;
	for (;;) {
		left = wait_event_killable_timeout(tree->wq, cryo_sharers_done(t),
						   HZ / 10);
		if (left < 0)
			return cryo_thaw_fail(t, -EINTR, "interrupted");
		if (left)
			return READ_ONCE(tree->failed) ? -EINTR : 0;
		if (cryo_thaw_dying(t))
			return -EINTR;
		lost = cryo_thaw_lost(tree);
		if (lost) {
			cryo_thaw_fail_lost(lost);
			return -EINTR;
		}
		if (cryo_thaw_overdue(tree))
			return -EINTR;
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
	spin_lock(&t->tree->lock);
	last = ++t->finishing == t->nr_threads;
	spin_unlock(&t->tree->lock);
	if (last) {
		ret = cryo_thaw_final(t);
		spin_lock(&t->tree->lock);
		t->installed = true;
		if (!ret && ++t->tree->nr_installed == t->tree->nr_live &&
		    !t->tree->failed)
			t->tree->committed = true;
		spin_unlock(&t->tree->lock);
		wake_up_all(&t->tree->wq);
		if (ret)
			cryo_thaw_kill(t, ret);
	} else if (cryo_wait_installed(t)) {
		cryo_thaw_abort(t);
		goto out;
	}
	if (READ_ONCE(t->state) != CRYO_THAW_RESTORING)
		goto out;	/* failed */
	/* No member runs the image's code before every member is in. */
	if (cryo_wait_tree(t)) {
		cryo_thaw_abort(t);
		goto out;
	}
	cryo_cpu_restore(t, &t->threads[w->idx]);
	/*
	 * DONE only once every thread has its own state back: a caller
	 * told the thaw is done must find the image's masks, names and
	 * credentials in /proc, not the stub's.
	 */
	spin_lock(&t->tree->lock);
	done = ++t->applied == t->nr_threads &&
	       t->state == CRYO_THAW_RESTORING;
	if (done)
		t->state = CRYO_THAW_DONE;
	spin_unlock(&t->tree->lock);
	if (done) {
		cryo_thaw_report(t->tree, false);
		wake_up_all(&t->tree->wq);
	}
out:
	cryo_thaw_put(t->tree);
	kfree(w);
	/* As for parking (park.c): only the return runs after this. */
	module_put(THIS_MODULE);
}

int cryo_thaw_finish(struct cryo_session *s, struct cryo_thaw_finish *a)
{
	/* Pairs with cryo_thaw_new(): the thaw is seen whole. */
	struct cryo_thaw_tree *tree = smp_load_acquire(&s->thaw);
	struct cryo_thawing *t;
	struct cryo_finish_work *w;
	unsigned int i;
	int ret;

	if (!tree || tree->remap_only)
		return -EPERM;
	t = cryo_member_of(tree, false);
	if (!t || !READ_ONCE(t->released) ||
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
	spin_lock(&t->tree->lock);
	ret = t->threads[i].finish_queued ? -EALREADY : 0;
	t->threads[i].finish_queued = true;
	spin_unlock(&t->tree->lock);
	if (ret) {
		kfree(w);
		return ret;
	}
	w->t = t;
	w->idx = i;
	refcount_inc(&tree->ref);
	/* The work may run after every /dev/cryo file is closed. */
	__module_get(THIS_MODULE);
	init_task_work(&w->cb, cryo_finish_work_fn);
	/* TWA_SIGNAL: it runs after the return value is stored in ax. */
	ret = task_work_add(current, &w->cb, TWA_SIGNAL);
	if (ret) {
		module_put(THIS_MODULE);
		cryo_thaw_put(tree);
		kfree(w);
		return cryo_thaw_kill(t, ret);
	}
	return 0;
}

