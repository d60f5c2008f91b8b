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

#include "access.h"
#include "session.h"
#include "thaw.h"
#include "thawing.h"
#include "netlink.h"
#include "files/files.h"
#include "image/stream.h"
#include "mm/mm.h"
#include "task/task.h"

/*
 * Every process made for a member dies: the tree is restored whole or not
 * at all.  The caller of CRYO_IOC_THAW is not a member and stays.  Only
 * processes that claimed a member themselves are ever named here (@planned
 * by their own CRYO_IOC_THAW_MEMBER or CRYO_IOC_THAW_RESTORE, @leader_pid
 * by their RESTORE): never one inferred from another's ancestry, so the
 * forced SIGKILL reaches no process that did not ask to become a member.
 */
static void cryo_tree_kill_all(struct cryo_thaw_tree *tree)
{
	struct pid *pids[16];
	unsigned int i = 0, n;

	while (i < tree->nr_procs) {
		spin_lock(&tree->lock);
		for (n = 0; n < ARRAY_SIZE(pids) && i < tree->nr_procs; i++) {
			struct cryo_thawing *m = tree->members[i];
			struct pid *pid = m ? m->leader_pid ?: m->planned : NULL;

			if (pid)
				pids[n++] = get_pid(pid);
		}
		spin_unlock(&tree->lock);
		while (n--) {
			kill_pid(pids[n], SIGKILL, 1);
			put_pid(pids[n]);
		}
	}
}

/*
 * A tree of more than one process whose members may run the image's code
 * (a process of its own fails whole, as before: nothing else runs).
 * Under the tree's lock.
 */
static bool cryo_tree_committed(const struct cryo_thaw_tree *tree)
{
	return tree->committed && tree->nr_procs > 1;
}

/*
 * @t (NULL: no member in particular) goes to @state; FAILED fails the
 * tree, unless it is committed: then only @t failed (its process is
 * killed by its own cryo_thaw_kill()), and the members that may already
 * run the image's code are left alone (review 12 #6).
 */
static void cryo_tree_set_state(struct cryo_thaw_tree *tree,
				struct cryo_thawing *t, u32 state)
{
	bool kill_all = false, undo = false;

	spin_lock(&tree->lock);
	if (t)
		t->state = state;
	if (state == CRYO_THAW_FAILED && !(cryo_tree_committed(tree) && t)) {
		kill_all = !tree->failed && tree->nr_procs > 1;
		undo = !tree->failed && !tree->committed;
		tree->failed = true;
	}
	spin_unlock(&tree->lock);
	if (kill_all)
		cryo_tree_kill_all(tree);
	/* No member runs the image's code: the caller's terminal back. */
	if (undo)
		cryo_tty_shell_undo(tree);
	cryo_thaw_report(tree, false);
	wake_up_all(&tree->wq);
}

void cryo_thaw_set_state(struct cryo_thawing *t, u32 state)
{
	cryo_tree_set_state(t->tree, t, state);
}

/* After the point of no return: the process being built dies. */
int cryo_thaw_kill(struct cryo_thawing *t, int err)
{
	if (!t->tree->error)
		cryo_thaw_fail(t, err, "failed (error %d)", -err);
	cryo_thaw_set_state(t, CRYO_THAW_FAILED);
	kill_pid(task_tgid(current), SIGKILL, 1);
	return err;
}

static void cryo_thaw_free(struct cryo_thawing *t)
{
	cryo_proc_release(t);
	cryo_fdtable_release(t);
	cryo_vma_release(t);
	cryo_cpu_release(t);
	cryo_creds_release(t);
	cryo_sigq_release(t);
	if (t->leader)
		put_task_struct(t->leader);
	put_pid(t->leader_pid);
	put_pid(t->attacher);
	put_pid(t->planned);
	kfree(t);
}

void cryo_thaw_put(struct cryo_thaw_tree *tree)
{
	unsigned int i;

	if (!refcount_dec_and_test(&tree->ref))
		return;
	for (i = 0; i < tree->nr_procs; i++)
		if (tree->members[i])
			cryo_thaw_free(tree->members[i]);
	cryo_files_release(tree);
	cryo_shm_thaw_release(&tree->shm);
	cryo_stream_release(&tree->in);
	if (tree->cred)
		put_cred(tree->cred);
	kvfree(tree->members);
	kvfree(tree->procs);
	kfree(tree);
}

void cryo_thaw_end(struct cryo_session *s)
{
	if (s->thaw)
		cryo_thaw_put(s->thaw);
}

static struct cryo_thawing *cryo_member_new(struct cryo_thaw_tree *tree,
					    unsigned int idx)
{
	struct cryo_thawing *t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);

	if (!t)
		return NULL;
	t->tree = tree;
	t->idx = idx;
	t->in = &tree->in;
	t->remap_only = tree->remap_only;
	t->flags = tree->flags;
	return t;
}

/* A thaw of one member so far: the TREE record gives the others. */
struct cryo_thawing *cryo_thaw_new(struct cryo_session *s, bool remap, u32 flags)
{
	struct cryo_thaw_tree *tree = kzalloc(sizeof(*tree), GFP_KERNEL_ACCOUNT);
	struct cryo_thawing *t;

	if (!tree)
		return NULL;
	tree->members = kvcalloc(1, sizeof(*tree->members), GFP_KERNEL_ACCOUNT);
	tree->remap_only = remap;
	tree->flags = flags;
	t = tree->members ? cryo_member_new(tree, 0) : NULL;
	if (!t) {
		kvfree(tree->members);
		kfree(tree);
		return NULL;
	}
	tree->members[0] = t;
	tree->nr_procs = 1;
	tree->nr_live = 1;
	refcount_set(&tree->ref, 1);
	spin_lock_init(&tree->lock);
	init_waitqueue_head(&tree->wq);
	tree->nl_session = s->nl.id;
	tree->nl_start_ns = ktime_get_ns();
	if (!remap)
		cryo_nl_thaw_begin(&s->nl, tree->nl_start_ns);
	/* Unlocked readers (THAW_THREAD, FINISH, STATUS) see it whole. */
	smp_store_release(&s->thaw, tree);
	return t;
}

/* The tree as the TREE record has it (one entry without one). */
static int cryo_thaw_procs_out(struct cryo_thawing *t, struct cryo_thaw *arg)
{
	const struct cryo_thaw_tree *tree = t->tree;
	struct cryo_image_member one = {
		.pid = t->proc.pid, .ppid = t->proc.ppid,
		.pgid = t->proc.pgid, .sid = t->proc.sid, .parent = -1,
		.nr_threads = t->nr_threads,
	};
	const struct cryo_image_member *m = tree->procs ?: &one;
	size_t n = min(arg->procs_len, tree->nr_procs);

	arg->nr_procs = tree->nr_procs;
	if (n && copy_to_user(u64_to_user_ptr(arg->procs), m, n * sizeof(*m)))
		return cryo_thaw_fail(t, -EFAULT, "bad procs buffer");
	return 0;
}

/*
 * After a member's section is read: its files, its plan, and what the
 * library needs to know to make its process.
 */
static int cryo_thaw_plan(struct cryo_thawing *t, struct cryo_thaw *arg)
{
	s32 __user *tids = u64_to_user_ptr(arg->tids);
	unsigned int i, n;
	int ret;

	ret = cryo_proc_check_shared(t);
	if (!ret)
		ret = cryo_creds_plan(t);
	if (!ret)
		ret = cryo_fdtable_open(t);
	if (!ret && t->tree->nr_procs > 1 &&
	    cryo_tree_next(t->tree, t->idx) == t->tree->nr_procs)
		ret = cryo_pipe_check_tree(t);
	if (!ret)
		ret = cryo_vma_open_files(t);
	if (!ret)
		ret = cryo_creds_out(t, arg);
	if (!ret)
		ret = cryo_stub_hint(t, arg->stub_size, &arg->stub_addr);
	if (!ret && arg->size >= CRYO_THAW_SIZE_VER2)
		ret = cryo_thaw_procs_out(t, arg);
	if (!ret)
		ret = cryo_object_out(t, arg);
	if (ret)
		return ret;

	n = min(arg->tids_len, t->nr_threads);
	for (i = 0; i < n; i++)
		if (put_user(t->threads[i].rec.tid, tids + i))
			return cryo_thaw_fail(t, -EFAULT, "bad tids buffer");
	arg->pid = t->proc.pid;
	arg->nr_threads = t->nr_threads;
	arg->nr_pipes = t->fdt.nr_pipes;
	arg->fpu_size = t->hdr.fpu_size;
	return 0;
}

int cryo_thaw_prepare(struct cryo_session *s, struct cryo_thaw *arg)
{
	struct cryo_thawing *t;
	int ret;

	lockdep_assert_held(&s->lock);
	if (s->img || s->thaw)
		return -EALREADY;
	if (!current->mm)
		return -EINVAL;
	if (arg->member || arg->__reserved ||
	    (arg->tty_fd && !(arg->flags & CRYO_THAW_SHELL_JOB)) ||
	    ((arg->flags & CRYO_THAW_SHELL_JOB) &&
	     arg->size < CRYO_THAW_SIZE_VER3) ||
	    arg->procs_len > CRYO_THAW_PROCS_MAX ||
	    arg->objects_len > CRYO_THAW_OBJECTS_MAX)
		return -EINVAL;
	t = cryo_thaw_new(s, false, arg->flags);
	if (!t)
		return -ENOMEM;
	/* Whoever claims a member must be this caller (cryo_claimer_differs()). */
	t->tree->cred = get_current_cred();
	ret = cryo_stream_open(t, arg->image_fd);
	if (!ret)
		ret = cryo_fdtable_inherit(t, u64_to_user_ptr(arg->inherit),
					   arg->nr_inherit);
	if (!ret && (arg->flags & CRYO_THAW_SHELL_JOB))
		ret = cryo_tty_shell(t, arg->tty_fd);
	if (!ret)
		ret = cryo_thaw_load_head(t);
	if (!ret && t->tree->nr_procs > 1 && arg->size < CRYO_THAW_SIZE_VER2)
		ret = cryo_thaw_fail(t, -EOPNOTSUPP,
				     "the image holds a tree of %u processes; this caller (struct cryo_thaw of %u bytes) would restore only the first",
				     t->tree->nr_procs, arg->size);
	if (!ret)
		ret = cryo_thaw_load_section(t);
	if (!ret && (arg->flags & CRYO_THAW_SHELL_JOB))
		ret = cryo_tty_shell_check(t);
	if (!ret)
		ret = cryo_thaw_plan(t, arg);
	if (ret)
		goto fail;
	cryo_thaw_set_state(t, CRYO_THAW_PREPARED);
	return 0;
fail:
	cryo_thaw_set_state(t, CRYO_THAW_FAILED);
	return ret;
}

/**
 * cryo_thaw_shm() - CRYO_IOC_THAW_SHM: the System V segments the caller
 * of CRYO_IOC_THAW makes for the image (mm/shm.c)
 * @s: the session
 * @arg: the call
 *
 * Only between CRYO_IOC_THAW and the first member's process: the caller
 * gives its own attachments, before any process of the image exists.
 * Only the caller of CRYO_IOC_THAW (credentials-wise) gives them.
 *
 * Return: 0, -ENOENT (no thaw), -EBUSY (too late), -EPERM (another
 * caller), or cryo_shm_give()'s.
 */
int cryo_thaw_shm(struct cryo_session *s, struct cryo_thaw_shm *arg)
{
	struct cryo_thaw_tree *tree = s->thaw;
	struct cryo_thawing *root;
	bool started = false;
	unsigned int i;

	lockdep_assert_held(&s->lock);
	if (!tree || tree->remap_only || !tree->members[0])
		return -ENOENT;
	if (cryo_claimer_differs(tree->cred, false))
		return -EPERM;
	root = tree->members[0];
	spin_lock(&tree->lock);
	started = tree->failed || root->state != CRYO_THAW_PREPARED ||
		  root->leader_pid || root->planned;
	for (i = 1; i < tree->nr_procs && !started; i++)
		started = tree->members[i];
	spin_unlock(&tree->lock);
	return started ? -EBUSY : cryo_shm_give(tree, arg);
}

/* Is @pid's process gone, or going? */
static bool cryo_pid_gone(struct pid *pid)
{
	struct task_struct *task = get_pid_task(pid, PIDTYPE_TGID);
	bool gone = !task || (task->flags & PF_EXITING) || task->exit_state;

	if (task)
		put_task_struct(task);
	return gone;
}

/**
 * cryo_thaw_lost() - did a member's process die before the tree was done?
 * @tree: the thaw
 *
 * No member runs the image's code before every member is installed: until
 * then a member that dies (killed, or its blank process gave up) fails
 * the tree, which the others waiting for it would otherwise never learn.
 *
 * Return: the first such member, or NULL.
 */
struct cryo_thawing *cryo_thaw_lost(struct cryo_thaw_tree *tree)
{
	struct cryo_thawing *lost = NULL;
	struct pid *pids[16];
	unsigned int i = 0, n, j, first;

	while (i < tree->nr_procs && !lost) {
		first = i;
		spin_lock(&tree->lock);
		for (n = 0; n < ARRAY_SIZE(pids) && i < tree->nr_procs; i++) {
			struct cryo_thawing *m = tree->members[i];
			struct pid *pid = m ? m->leader_pid ?: m->planned : NULL;

			/* A failed one is known (alone once committed). */
			pids[n++] = pid && m->state != CRYO_THAW_DONE &&
				    m->state != CRYO_THAW_FAILED ?
				    get_pid(pid) : NULL;
		}
		spin_unlock(&tree->lock);
		for (j = 0; j < n; j++) {
			if (pids[j] && !lost && cryo_pid_gone(pids[j]))
				lost = tree->members[first + j];
			put_pid(pids[j]);
		}
	}
	return lost;
}

/*
 * Once the last section is read (its member released from its RESTORE),
 * the first live member whose fds are not in yet, or @tree->nr_procs.
 * Under the tree's lock.
 */
static unsigned int cryo_tree_not_installed(const struct cryo_thaw_tree *tree)
{
	const struct cryo_thawing *m = tree->members[tree->reading];
	unsigned int i;

	if (!m || !m->released ||
	    cryo_tree_next(tree, tree->reading) < tree->nr_procs)
		return tree->nr_procs;
	for (i = 0; i < tree->nr_procs; i++) {
		m = tree->members[i];
		if (m && !m->installed)
			return i;
	}
	return tree->nr_procs;
}

/**
 * cryo_thaw_overdue() - fail the tree when the member next in turn never came
 * @tree: the thaw
 *
 * The member whose section is next (@tree->reading) is the one everything
 * waits for: the members after it in their CRYO_IOC_THAW_MEMBER, those
 * before it in their last step, CRYO_IOC_THAW_STATUS with WAIT.  Its
 * process may never claim it (its blank died or was stopped before its
 * call: cryo_thaw_lost() cannot know a process that never called), or
 * stop before its CRYO_IOC_THAW_RESTORE.  So once seen waited for (by the
 * 100 ms polls of those waits), it has CRYO_THAW_ARRIVE_TIMEOUT to reach
 * its RESTORE, the root included (its RESTORE claims it); past that the
 * tree fails with ETIMEDOUT naming it, and every claimed member is killed.
 * Once the last member is restored, the members have as long again to
 * install their descriptors (a process may stop between its RESTORE and
 * its FINISH), the first not installed named.
 *
 * Return: true when the tree failed here.
 */
bool cryo_thaw_overdue(struct cryo_thaw_tree *tree)
{
	const struct cryo_thawing *m;
	const char *what;
	unsigned int k, mark;
	bool late;

	if (tree->nr_procs < 2)
		return false;
	spin_lock(&tree->lock);
	k = tree->reading;
	m = tree->members[k];
	mark = k + 1;
	what = m ? "reach CRYO_IOC_THAW_RESTORE" :
	       k ? "claim it (CRYO_IOC_THAW_MEMBER)" :
		   "claim it (CRYO_IOC_THAW_RESTORE)";
	/*
	 * Every member restored: each has CRYO_THAW_ARRIVE_TIMEOUT from the
	 * last one's release to install its fds.  A process stopped between
	 * its RESTORE and its FINISH (once it runs with its user's ids, its
	 * user may stop it) would otherwise hold every other member, and the
	 * tool, for ever (review 12 #4b).
	 */
	if (m && m->leader_pid) {
		k = tree->committed ? tree->nr_procs : cryo_tree_not_installed(tree);
		mark = tree->nr_procs + 1;
		what = "install its descriptors (CRYO_IOC_THAW_FINISH)";
	}
	if (tree->failed || k == tree->nr_procs) {
		spin_unlock(&tree->lock);
		return false;
	}
	if (tree->late_idx != mark) {
		tree->late_idx = mark;
		tree->late_since = jiffies;
	}
	late = time_after(jiffies, tree->late_since + CRYO_THAW_ARRIVE_TIMEOUT);
	if (late && !tree->error) {
		tree->error = -ETIMEDOUT;
		scnprintf(tree->msg, sizeof(tree->msg),
			  "member %u (pid %d): its process did not %s within %d s",
			  k, tree->procs ? tree->procs[k].pid : 0, what,
			  CRYO_THAW_ARRIVE_TIMEOUT / HZ);
	}
	spin_unlock(&tree->lock);
	if (!late)
		return false;
	pr_notice_ratelimited("thaw of a tree failed: member %u did not come in time\n",
			      k);
	cryo_tree_set_state(tree, NULL, CRYO_THAW_FAILED);
	return true;
}

/* Fail the tree: @m's process died before the tree was done. */
void cryo_thaw_fail_lost(struct cryo_thawing *m)
{
	bool going;

	spin_lock(&m->tree->lock);
	going = m->state == CRYO_THAW_PREPARED ||
		m->state == CRYO_THAW_RESTORING || m->state == CRYO_THAW_NONE;
	spin_unlock(&m->tree->lock);
	if (!going)
		return;
	cryo_thaw_fail(m, -ECHILD, m->tree->nr_procs > 1 ?
		       "its process died during the thaw" :
		       "the restoring process died during the restore");
	cryo_thaw_set_state(m, CRYO_THAW_FAILED);
}

/*
 * The tree's state, under its lock: failed when a member failed, done
 * when every member is, the root's otherwise (restoring when the root is
 * done and others are not).
 */
static u32 cryo_tree_state(const struct cryo_thaw_tree *tree)
{
	u32 st = tree->members[0]->state;
	unsigned int i;

	lockdep_assert_held(&tree->lock);
	if (tree->failed)
		return CRYO_THAW_FAILED;
	/* Once committed, a member that failed is over as well as a done one. */
	if (cryo_tree_committed(tree) && st == CRYO_THAW_FAILED)
		st = CRYO_THAW_DONE;
	if (st != CRYO_THAW_DONE)
		return st;
	for (i = 1; i < tree->nr_procs; i++) {
		const struct cryo_thawing *m = tree->members[i];

		if (tree->procs[i].flags & CRYO_MEMBER_ZOMBIE)
			continue;
		if (!m || (m->state != CRYO_THAW_DONE &&
			   !(cryo_tree_committed(tree) &&
			     m->state == CRYO_THAW_FAILED)))
			return CRYO_THAW_RESTORING;
	}
	return CRYO_THAW_DONE;
}

static u32 cryo_tree_state_now(struct cryo_thaw_tree *tree)
{
	u32 st;

	spin_lock(&tree->lock);
	st = cryo_tree_state(tree);
	spin_unlock(&tree->lock);
	return st;
}

static bool cryo_member_turn(struct cryo_thaw_tree *tree, unsigned int k)
{
	return READ_ONCE(tree->reading) == k || READ_ONCE(tree->failed);
}

/*
 * Claim member @k for the caller, and for the caller only: the root is
 * claimed by its own process's CRYO_IOC_THAW_RESTORE (cryo_member_of()),
 * never inferred from a claimer's parent, which may be any process (the
 * caller's subreaper, a privileged parent of the claimer).
 */
static int cryo_member_claim(struct cryo_thaw_tree *tree, unsigned int k,
			     struct cryo_thawing *t)
{
	struct pid *me = task_tgid(current);
	unsigned int i;
	int ret = 0;

	spin_lock(&tree->lock);
	if (tree->failed)
		ret = -ECANCELED;
	else if (tree->members[k])
		ret = -EALREADY;
	for (i = 0; !ret && i < tree->nr_procs; i++)
		if (tree->members[i] && (tree->members[i]->planned == me ||
					 tree->members[i]->leader_pid == me))
			ret = -EALREADY;
	if (!ret) {
		t->planned = get_pid(me);
		tree->members[k] = t;
	}
	spin_unlock(&tree->lock);
	return ret;
}

/*
 * Member @k's process must be a child of its parent member's, as the TREE
 * has it: checked when @k's turn comes, once every member before it (its
 * parent among them, the root too) has passed its CRYO_IOC_THAW_RESTORE
 * and so is known by the process that claimed it itself.
 */
static int cryo_member_check_parent(struct cryo_thaw_tree *tree,
				    struct cryo_thawing *t)
{
	s32 p = tree->procs[t->idx].parent;
	struct cryo_thawing *pm;
	bool ok;

	spin_lock(&tree->lock);
	pm = tree->members[p];
	rcu_read_lock();
	ok = pm && pm->leader_pid &&
	     task_tgid(rcu_dereference(current->real_parent)) == pm->leader_pid;
	rcu_read_unlock();
	spin_unlock(&tree->lock);
	if (!ok)
		return cryo_thaw_fail(t, -EPERM,
				      "its process is not a child of the process of member %d (its parent in the TREE)",
				      p);
	return 0;
}

/**
 * cryo_thaw_member() - CRYO_IOC_THAW_MEMBER: plan member @arg->member
 * @s: the session of the tree's CRYO_IOC_THAW, inherited
 * @arg: as for CRYO_IOC_THAW; @member the index
 *
 * Waits, killably and without the session lock, until the members before
 * it have read their sections (the last one its pages, in its restore);
 * then reads its own section under the lock.
 *
 * Return: 0, or -errno; a failure fails the whole tree.
 */
int cryo_thaw_member(struct cryo_session *s, struct cryo_thaw *arg)
{
	/* Pairs with cryo_thaw_new(): the thaw is seen whole. */
	struct cryo_thaw_tree *tree = smp_load_acquire(&s->thaw);
	unsigned int k = arg->member;
	struct cryo_thawing *t;
	const char *why;
	long left;
	int ret;

	/* Pairs with cryo_tree_load(): nr_procs and members are set. */
	if (!tree || tree->remap_only || !smp_load_acquire(&tree->procs))
		return -ENOENT;
	if (arg->size < CRYO_THAW_SIZE_VER2 || arg->tty_fd || arg->__reserved ||
	    arg->procs_len > CRYO_THAW_PROCS_MAX ||
	    arg->objects_len > CRYO_THAW_OBJECTS_MAX)
		return -EINVAL;
	if (!k || k >= tree->nr_procs ||
	    (tree->procs[k].flags & CRYO_MEMBER_ZOMBIE))
		return -EINVAL;
	if (!current->mm)
		return -EINVAL;
	t = cryo_member_new(tree, k);
	if (!t)
		return -ENOMEM;
	/*
	 * Before the plan changes anything: its process is a fork of the
	 * caller's R, with the caller's credentials, not a process of
	 * another subject that was handed the session fd.  Such a claim
	 * fails the tree: its fd went where it must not.
	 */
	why = cryo_claimer_differs(tree->cred, false);
	if (why) {
		ret = cryo_thaw_fail(t, -EPERM,
				     "its process's credentials are not those of the caller of CRYO_IOC_THAW (%s)",
				     why);
		kfree(t);
		cryo_tree_set_state(tree, NULL, CRYO_THAW_FAILED);
		return ret;
	}
	ret = cryo_member_claim(tree, k, t);
	if (ret) {
		kfree(t);
		return ret;
	}
	/* The member is the tree's now: freed with it. */
	for (;;) {
		left = wait_event_killable_timeout(tree->wq,
						   cryo_member_turn(tree, k),
						   HZ / 10);
		if (left < 0) {
			ret = cryo_thaw_fail(t, -EINTR, "interrupted");
			goto fail;
		}
		if (left)
			break;
		t = cryo_thaw_lost(tree) ?: t;
		if (t->idx != k) {
			cryo_thaw_fail_lost(t);
			return -ECANCELED;
		}
		/* Failed: the next wait sees it. */
		cryo_thaw_overdue(tree);
	}
	if (READ_ONCE(tree->failed))
		return -ECANCELED;
	ret = cryo_member_check_parent(tree, t);
	if (ret)
		goto fail;
	ret = mutex_lock_killable(&s->lock);
	if (ret) {
		ret = cryo_thaw_fail(t, -EINTR, "interrupted");
		goto fail;
	}
	if (!cryo_member_pid_ns_ok(tree)) {
		mutex_unlock(&s->lock);
		ret = cryo_thaw_fail(t, -EPERM,
				     "the process made for it is not in the pid namespace %s",
				     tree->flags & CRYO_THAW_NEW_PIDNS ?
				     "the root's runs in" : "of the caller of CRYO_IOC_THAW");
		goto fail;
	}
	t->hdr = tree->hdr;
	t->hdr.nr_threads = tree->procs[k].nr_threads;
	ret = cryo_cpu_load_header(t);
	if (!ret)
		ret = cryo_thaw_load_section(t);
	if (!ret)
		ret = cryo_thaw_plan(t, arg);
	mutex_unlock(&s->lock);
	if (ret)
		goto fail;
	cryo_thaw_set_state(t, CRYO_THAW_PREPARED);
	return 0;
fail:
	cryo_thaw_set_state(t, CRYO_THAW_FAILED);
	return ret;
}

/*
 * Wait while the restore is under way.  If a restoring process dies
 * without having marked the outcome (killed from outside), say so.
 */
static int cryo_thaw_wait_final(struct cryo_thaw_tree *tree)
{
	for (;;) {
		struct cryo_thawing *lost;
		long left;

		left = wait_event_killable_timeout(tree->wq,
						   cryo_tree_state_now(tree) !=
						   CRYO_THAW_RESTORING, HZ / 10);
		if (left < 0)
			return -EINTR;
		if (left)
			return 0;
		lost = cryo_thaw_lost(tree);
		if (lost)
			cryo_thaw_fail_lost(lost);
		else
			cryo_thaw_overdue(tree);
	}
}

int cryo_thaw_status(struct cryo_session *s, struct cryo_thaw_status *a)
{
	/* Pairs with cryo_thaw_new(): the thaw is seen whole. */
	struct cryo_thaw_tree *tree = smp_load_acquire(&s->thaw);
	struct pid *root;

	if (a->__reserved)
		return -EINVAL;
	if (!tree) {
		a->state = CRYO_THAW_NONE;
		return 0;
	}
	if (a->flags & CRYO_THAW_STATUS_WAIT) {
		int ret = cryo_thaw_wait_final(tree);

		if (ret)
			return ret;
	}
	spin_lock(&tree->lock);
	a->state = cryo_tree_state(tree);
	a->error = -tree->error;
	a->bytes = tree->in.bytes;
	a->record = tree->in.record;
	strscpy(a->message, tree->msg, sizeof(a->message));
	root = get_pid(tree->members[0]->leader_pid);
	spin_unlock(&tree->lock);
	/* Also once the process is gone: it tells a failure after the restore began. */
	a->pid = root && a->state >= CRYO_THAW_RESTORING ?
		 pid_nr_ns(root, task_active_pid_ns(current)) : 0;
	put_pid(root);
	return 0;
}

static int cryo_thaw_load_one(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	/* A layout carries only the header and the VMAs that matter here. */
	if (t->remap_only && rec->type != CRYO_REC_VMA)
		return 0;
	/* A sharer's fd table is saved once, in its owner's section. */
	if (cryo_rec_rank(rec->type) == CRYO_RANK_FILES && t->tree->procs &&
	    (t->tree->procs[t->idx].flags & CRYO_MEMBER_SHARES_FILES))
		return cryo_bad(t, rec, "member %u shares its parent's fd table",
				t->idx);

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
	case CRYO_REC_SIGINFO:
		return cryo_sigq_load(t, rec);
	case CRYO_REC_SLEEP:
		return cryo_sleep_load(t, rec);
	case CRYO_REC_POSIX_TIMER:
		return cryo_timers_load(t, rec);
	case CRYO_REC_CPU_ITIMERS:
		return cryo_itimers_load(t, rec);
	case CRYO_REC_FILE:
		return cryo_file_load(t, rec);
	case CRYO_REC_FILE_DATA:
		return cryo_file_load_data(t, rec);
	case CRYO_REC_FD:
		return cryo_fdtable_load_fd(t, rec);
	case CRYO_REC_LOCK:
		return cryo_locks_load(t, rec);
	case CRYO_REC_EPOLL_ITEM:
		return cryo_epoll_load(t, rec);
	case CRYO_REC_FILE_STATE:
		return cryo_file_state_load(t, rec);
	case CRYO_REC_INOTIFY_WATCH:
		return cryo_inotify_watch_load(t, rec);
	case CRYO_REC_VMA:
		return cryo_vma_load(t, rec);
	case CRYO_REC_VMA_FILE:
		return cryo_vma_load_file(t, rec);
	}
	return 0;
}

/*
 * The HEADER, and the TREE record after it (2.2): what every member's
 * section is read against.  In the first member, by CRYO_IOC_THAW.
 */
int cryo_thaw_load_head(struct cryo_thawing *t)
{
	struct cryo_thaw_tree *tree = t->tree;
	struct cryo_rec rec;
	int ret;

	ret = cryo_stream_init(t);
	if (ret)
		return ret;
	ret = cryo_stream_record(t, &rec);
	if (ret)
		return ret;
	t->in->record = 0;
	ret = cryo_stream_header(t, &rec);
	if (ret)
		return ret;
	tree->hdr = t->hdr;
	t->in->record = 1;
	/* A layout (cryoctl layout) has its HEADER and VMAs only. */
	if (t->hdr.nr_processes && !t->remap_only) {
		ret = cryo_stream_record(t, &rec);
		if (!ret)
			ret = cryo_tree_load(t, &rec);
		if (ret)
			return ret;
		t->in->record++;
		t->hdr.nr_threads = tree->procs[0].nr_threads;
		/* The shared memory objects, made before any member maps one. */
		ret = cryo_shm_load_all(t);
		if (ret)
			return ret;
	}
	if (t->remap_only)
		return 0;
	return cryo_cpu_load_header(t);
}

/*
 * A member's section: every record from its PROCESS up to its first PAGES
 * record, or to the next member's PROCESS or the TRAILER when it has no
 * pages, checked.
 */
int cryo_thaw_load_section(struct cryo_thawing *t)
{
	int phase = CRYO_RANK_TREE, seen = 1 << CRYO_RANK_TREE, p, ret;
	bool tree = t->tree->procs;

	/* A remap skips a TREE record, and takes the first section's VMAs. */
	if (t->remap_only)
		seen = 0;
	struct cryo_rec rec;

	for (;;) {
		ret = cryo_stream_hdr(t, &rec);
		if (ret)
			return ret;
		p = cryo_rec_rank(rec.type);
		/* The HEADER's minor is this module's or older. */
		if (p < 0)
			return cryo_bad(t, &rec, "unknown record type %u",
					rec.type);
		/* The next member's section: this one has no pages. */
		if (p == CRYO_RANK_PROCESS && (seen & (1 << CRYO_RANK_PROCESS)) &&
		    (t->remap_only ||
		     (tree && cryo_tree_next(t->tree, t->idx) < t->tree->nr_procs))) {
			t->in->next = rec;
			t->in->have_next = true;
			break;
		}
		if (tree && !t->have_proc && p != CRYO_RANK_PROCESS)
			return cryo_bad(t, &rec, "member %u's section starts without PROCESS",
					t->idx);
		/* Up to SIGNALS each record comes once. */
		if (p < phase || p == CRYO_RANK_HEADER ||
		    (p <= CRYO_RANK_SIGNALS && p == phase && (seen & (1 << p))))
			return cryo_bad(t, &rec, "out of order");
		phase = p;
		seen |= 1 << p;
		if (p >= CRYO_RANK_PAGES) {
			/* Left for the restore, which streams the pages. */
			t->in->next = rec;
			t->in->have_next = true;
			break;
		}
		ret = cryo_stream_payload(t, &rec);
		if (ret)
			return ret;
		ret = cryo_thaw_load_one(t, &rec);
		if (ret)
			return ret;
		t->in->record++;
	}

	if (t->remap_only)
		return 0;
	if (!t->have_proc || !t->auxv_len || !t->have_sig)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu: PROCESS, AUXV or SIGNALS missing",
				      t->in->record);
	if (t->nr_threads != t->hdr.nr_threads)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu: %u THREAD records, %s says %u",
				      t->in->record, t->nr_threads,
				      tree ? "the TREE" : "the header",
				      t->hdr.nr_threads);
	if (t->threads[0].rec.tid != t->proc.pid)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu: the first thread is not the leader",
				      t->in->record);
	return cryo_sleep_check(t);
}

/* The HEADER, the TREE and the first member's section. */
int cryo_thaw_load(struct cryo_thawing *t)
{
	int ret = cryo_thaw_load_head(t);

	return ret ?: cryo_thaw_load_section(t);
}

/*
 * The processes of @tree's image, zombies included, once its TREE record
 * was read whole (one, for an image without a TREE, once its PROCESS
 * was); 0 before, and for a remap (which skips the TREE).  Under the
 * tree's lock.
 */
static u32 cryo_tree_nr_known(const struct cryo_thaw_tree *tree)
{
	if (tree->remap_only)
		return 0;
	if (tree->members[0]->have_proc ||
	    (tree->procs && tree->nr_procs == tree->hdr.nr_processes))
		return tree->nr_procs;
	return 0;
}

/**
 * cryo_thaw_report() - tell the netlink family how @tree ended, once
 * @tree: the thaw
 * @cancel: its session is being closed
 *
 * Reports when @tree is done or failed, or, with @cancel, when its
 * session is closed before the restore began.  Called without the tree's
 * lock, from the tool or the restored processes' threads.
 */
void cryo_thaw_report(struct cryo_thaw_tree *tree, bool cancel)
{
	struct cryo_nl_thaw_end end = {
		.session = tree->nl_session,
		.start_ns = tree->nl_start_ns,
	};
	const struct cryo_thawing *root;
	char msg[CRYO_THAW_MSG_LEN];
	bool report;
	u32 state;

	if (tree->remap_only)
		return;
	spin_lock(&tree->lock);
	root = tree->members[0];
	state = cryo_tree_state(tree);
	if (cancel)
		report = state == CRYO_THAW_PREPARED && !root->leader;
	else
		report = state == CRYO_THAW_DONE || state == CRYO_THAW_FAILED;
	report = report && !tree->nl_reported;
	if (!report) {
		spin_unlock(&tree->lock);
		return;
	}
	tree->nl_reported = true;
	if (cancel) {
		end.err = -ECANCELED;
		strscpy(msg, "the session was closed before the restore",
			sizeof(msg));
	} else {
		end.err = state == CRYO_THAW_DONE ? 0 : (tree->error ?: -EIO);
		strscpy(msg, end.err ? tree->msg : "", sizeof(msg));
	}
	end.msg = msg;
	end.bytes = tree->in.bytes;
	if (root->have_proc)
		end.image_pid = root->proc.pid;
	end.nr_processes = cryo_tree_nr_known(tree);
	if (root->leader_pid)
		end.pid = pid_nr(root->leader_pid);
	spin_unlock(&tree->lock);
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
	struct cryo_thaw_tree *tree = smp_load_acquire(&s->thaw);
	const struct cryo_thawing *root;

	if (!tree)
		return;
	v->pid = 0;
	spin_lock(&tree->lock);
	root = tree->members[0];
	switch (cryo_tree_state(tree)) {
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
	v->bytes = tree->in.bytes;
	/* The image's metadata is whole once CRYO_IOC_THAW is over. */
	if (root->state != CRYO_THAW_NONE && root->have_proc)
		v->image_pid = root->proc.pid;
	if (root->state != CRYO_THAW_NONE)
		v->nr_processes = cryo_tree_nr_known(tree);
	if (root->leader_pid)
		v->pid = pid_nr(root->leader_pid);
	spin_unlock(&tree->lock);
}
