// SPDX-License-Identifier: GPL-2.0
/*
 * The process tree: which processes a freeze takes (the target and all its
 * descendants, zombies included), and the TREE record that says who is
 * whose parent, in which group and session.
 *
 * The tree is found by each process's real_parent, under RCU, because the
 * children lists need tasklist_lock, which is not exported.  It is found
 * once before the parking and once after it: a member parked late may
 * have forked or exited meanwhile, and the image must be of one moment.
 *
 * At the thaw every field of the TREE record is untrusted; what the
 * members are (their order, their thread counts, which are zombies)
 * decides how the rest of the stream is read, so it is all checked here,
 * before any section is.
 */
#include "cryo.h"

#include <linux/fdtable.h>
#include <linux/fs_struct.h>
#include <linux/pid_namespace.h>
#include <linux/signal.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "freezing.h"
#include "thawing.h"
#include "image/record.h"
#include "task/task.h"

/* A zombie: every thread gone, the leader not yet reaped. */
static bool cryo_tree_zombie(struct task_struct *p)
{
	return READ_ONCE(p->exit_state) == EXIT_ZOMBIE && thread_group_empty(p);
}

/* The status waitpid() would give for zombie @p, as wait_task_zombie(). */
static int cryo_tree_exit_code(struct task_struct *p)
{
	struct signal_struct *sig = p->signal;

	return (READ_ONCE(sig->flags) & SIGNAL_GROUP_EXIT) ?
		READ_ONCE(sig->group_exit_code) : READ_ONCE(p->exit_code);
}

/* Fill @m's TREE entry, but for the thread count (known once parked). */
static void cryo_tree_describe(struct cryo_member *m, s32 parent)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct task_struct *p = m->leader;

	m->rec.pid = task_tgid_nr_ns(p, ns);
	m->rec.ppid = task_tgid_nr_ns(rcu_dereference(p->real_parent), ns);
	m->rec.pgid = task_pgrp_nr_ns(p, ns);
	m->rec.sid = task_session_nr_ns(p, ns);
	m->rec.parent = parent;
	if (cryo_tree_zombie(p)) {
		m->rec.flags = CRYO_MEMBER_ZOMBIE;
		m->rec.exit_code = cryo_tree_exit_code(p);
	}
}

/*
 * Append the children of member @i (processes whose real_parent is one of
 * its threads) to @img->members.  Returns -EAGAIN when there was no room:
 * the caller grows the array and calls again.
 */
static int cryo_tree_children(struct cryo_image *img, unsigned int i)
{
	struct task_struct *parent = img->members[i].leader, *p;
	unsigned int n = img->nr_members;
	int ret = 0;

	rcu_read_lock();
	for_each_process(p) {
		if (READ_ONCE(p->exit_state) == EXIT_DEAD ||
		    !same_thread_group(rcu_dereference(p->real_parent), parent))
			continue;
		if (n == img->max_members) {
			ret = -EAGAIN;
			break;
		}
		memset(&img->members[n], 0, sizeof(img->members[n]));
		img->members[n].leader = get_task_struct(p);
		cryo_tree_describe(&img->members[n], i);
		n++;
	}
	rcu_read_unlock();
	if (ret) {
		while (n > img->nr_members)
			put_task_struct(img->members[--n].leader);
		return ret;
	}
	img->nr_members = n;
	return 0;
}

static int cryo_tree_grow(struct cryo_image *img)
{
	unsigned int max = img->max_members ? 2 * img->max_members : 16;
	struct cryo_member *m;

	if (img->max_members >= CRYO_IMAGE_MAX_PROCESSES)
		return -EFBIG;
	max = min_t(unsigned int, max, CRYO_IMAGE_MAX_PROCESSES);
	m = kvrealloc_compat(img->members, img->max_members * sizeof(*m),
			     max * sizeof(*m), GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!m)
		return -ENOMEM;
	img->members = m;
	img->max_members = max;
	return 0;
}

/**
 * cryo_tree_find() - the tree of @root: it and every descendant
 * @img: the image, with no members yet
 * @root: the target, referenced by the caller
 *
 * Fills @img->members, root first and every parent before its children,
 * each leader referenced, each entry of the TREE record but for its
 * thread count.  Nothing is parked yet.
 *
 * Return: 0, -EFBIG (more than %CRYO_IMAGE_MAX_PROCESSES), -ENOMEM.
 */
int cryo_tree_find(struct cryo_image *img, struct task_struct *root)
{
	unsigned int i;
	int ret;

	if (!img->max_members) {
		ret = cryo_tree_grow(img);
		if (ret)
			return ret;
	}
	/* A try before may have left its counts here. */
	memset(&img->members[0], 0, sizeof(img->members[0]));
	img->members[0].leader = get_task_struct(root);
	rcu_read_lock();
	cryo_tree_describe(&img->members[0], -1);
	rcu_read_unlock();
	img->nr_members = 1;
	for (i = 0; i < img->nr_members; i++) {
		/* A zombie has no children: they were given to a reaper. */
		if (img->members[i].rec.flags & CRYO_MEMBER_ZOMBIE)
			continue;
		while ((ret = cryo_tree_children(img, i)) == -EAGAIN) {
			ret = cryo_tree_grow(img);
			if (ret)
				return ret;
		}
		cond_resched();
	}
	return 0;
}

/**
 * cryo_tree_changed() - has the tree changed since cryo_tree_find()?
 * @img: the image, every member that is not a zombie parked
 *
 * A member parked late may have forked, or a child exited, before it was
 * parked.  Parked, the members can neither fork nor reap any more, but a
 * zombie can still appear only by a member's exit, which parking stops.
 *
 * Return: true when the members are not the processes found now.
 */
bool cryo_tree_changed(struct cryo_image *img)
{
	unsigned int i, n = 0;
	struct task_struct *p;
	bool changed = false;

	rcu_read_lock();
	for_each_process(p) {
		struct task_struct *parent = rcu_dereference(p->real_parent);
		struct cryo_member *m = NULL;
		bool child = false;

		if (READ_ONCE(p->exit_state) == EXIT_DEAD)
			continue;
		for (i = 0; i < img->nr_members; i++) {
			if (img->members[i].leader == p)
				m = &img->members[i];
			else if (same_thread_group(parent,
						   img->members[i].leader))
				child = true;
		}
		if (m) {
			/* A member died, or is a zombie no longer. */
			changed = cryo_tree_zombie(p) !=
				  !!(m->rec.flags & CRYO_MEMBER_ZOMBIE);
			n++;
		} else {
			/* A child no member was found for. */
			changed = child;
		}
		if (changed)
			break;
	}
	rcu_read_unlock();
	/* Every member is still there, once. */
	return changed || n != img->nr_members;
}

/* Drop the members; their parks must have been released. */
void cryo_tree_put(struct cryo_image *img)
{
	unsigned int i;

	for (i = 0; i < img->nr_members; i++)
		put_task_struct(img->members[i].leader);
	img->nr_members = 0;
	img->m = NULL;
}

void cryo_tree_release(struct cryo_image *img)
{
	cryo_tree_put(img);
	kvfree(img->members);
	img->members = NULL;
	img->max_members = 0;
}

/* The TREE record: every member, in order. */
void cryo_tree_save(struct cryo_image *img)
{
	struct cryo_image_member *r;
	unsigned int i;

	r = cryo_record_start(img, CRYO_REC_TREE,
			      img->nr_members * sizeof(*r));
	for (i = 0; i < img->nr_members; i++) {
		r[i] = img->members[i].rec;
		r[i].nr_threads = img->members[i].nr_threads;
	}
	cryo_record_finish(img);
}

/* ---- the thaw ------------------------------------------------------------ */

/*
 * A wait status of a real death, as waitpid(2) has it: an exit code, or a
 * signal whose default action ends the process, with the core-dump bit
 * only for one that dumps core.  The zombie's process dies of that signal
 * at the thaw (libcryoctl's tree_die_as()): a stop signal would stop it
 * instead, holding the thawing tool's descriptors, and an ignored one
 * would not end it.
 */
static bool cryo_tree_status_ok(s32 st)
{
	int sig = st & 0x7f;

	if (st < 0)
		return false;
	if (!sig)
		return !(st & 0x80) && st >> 8 <= 0xff;
	if (st >> 8 || sig == 0x7f || !valid_signal(sig) ||
	    sig_kernel_stop(sig) || sig_kernel_ignore(sig))
		return false;
	return !(st & 0x80) || sig_kernel_coredump(sig);
}

static int cryo_tree_check(struct cryo_thawing *t, const struct cryo_rec *rec,
			   const struct cryo_image_member *m, unsigned int n)
{
	u64 threads = 0;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		const struct cryo_image_member *p = &m[i];
		bool zombie = p->flags & CRYO_MEMBER_ZOMBIE;

		if (p->flags & ~CRYO_MEMBER_ALL)
			return cryo_bad(t, rec, "member %u: flags %#x", i,
					p->flags);
		/* Only a living child shares its (living) parent's tables. */
		if ((p->flags & CRYO_MEMBER_SHARES) &&
		    (t->hdr.minor < 4 || i == 0 || zombie))
			return cryo_bad(t, rec,
					"member %u: flags %#x: shares its parent's tables, but %s",
					i, p->flags,
					t->hdr.minor < 4 ? "the image is older than 2.4" :
					i ? "is a zombie" : "is the root");
		if (p->pid <= 0 || p->ppid < 0 || p->pgid < 0 || p->sid < 0)
			return cryo_bad(t, rec, "member %u: pid %d, ppid %d, pgid %d or sid %d",
					i, p->pid, p->ppid, p->pgid, p->sid);
		if (i == 0 ? p->parent != -1 :
		    p->parent < 0 || p->parent >= (s32)i)
			return cryo_bad(t, rec, "member %u: parent %d", i,
					p->parent);
		if (i && (p->ppid != m[p->parent].pid ||
			  (m[p->parent].flags & CRYO_MEMBER_ZOMBIE)))
			return cryo_bad(t, rec, "member %u: ppid %d, parent %d is %d or a zombie",
					i, p->ppid, p->parent, m[p->parent].pid);
		if (zombie ? p->nr_threads != 0 || i == 0 :
		    p->nr_threads == 0 || p->exit_code != 0)
			return cryo_bad(t, rec, "member %u: %u threads, exit status %#x%s",
					i, p->nr_threads, p->exit_code,
					zombie ? " (a zombie)" : "");
		if (zombie && !cryo_tree_status_ok(p->exit_code))
			return cryo_bad(t, rec, "member %u: exit status %#x is no death",
					i, p->exit_code);
		for (j = 0; j < i; j++)
			if (m[j].pid == p->pid)
				return cryo_bad(t, rec, "member %u: pid %d twice",
						i, p->pid);
		threads += p->nr_threads;
	}
	if (threads != t->hdr.nr_threads)
		return cryo_bad(t, rec, "%llu threads in all, the header says %u",
				threads, t->hdr.nr_threads);
	return 0;
}

/**
 * cryo_tree_load() - the TREE record, checked and kept in the tree
 * @t: the first member
 * @rec: the record, its payload in t->in->buf
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_tree_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_thaw_tree *tree = t->tree;
	const struct cryo_image_member *m = t->in->buf;
	unsigned int n = t->hdr.nr_processes, i, live = 0;
	struct cryo_thawing **members, **old;
	struct cryo_image_member *procs;
	int ret;

	if (rec->type != CRYO_REC_TREE)
		return cryo_bad(t, rec, "expected the TREE record after the HEADER");
	if (!n || n > CRYO_THAW_PROCS_MAX || rec->len != n * sizeof(*m))
		return cryo_bad(t, rec, "length %u for %u processes (at most %u)",
				rec->len, n, CRYO_THAW_PROCS_MAX);
	ret = cryo_tree_check(t, rec, m, n);
	if (ret)
		return ret;
	procs = kvmalloc(rec->len, GFP_KERNEL_ACCOUNT);
	members = kvcalloc(n, sizeof(*members), GFP_KERNEL_ACCOUNT);
	if (!procs || !members) {
		kvfree(procs);
		kvfree(members);
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	}
	memcpy(procs, m, rec->len);
	members[0] = t;
	for (i = 0; i < n; i++)
		live += !(m[i].flags & CRYO_MEMBER_ZOMBIE);
	/*
	 * Filled, then published whole under the lock (THAW_STATUS and the
	 * netlink view walk them): @procs last, with a release, for
	 * CRYO_IOC_THAW_MEMBER, which reads it without the lock.  The old
	 * array is freed after the unlock (kvfree may sleep).
	 */
	spin_lock(&tree->lock);
	old = tree->members;
	tree->members = members;
	tree->nr_procs = n;
	tree->nr_live = live;
	/* Pairs with the acquire in cryo_thaw_member(). */
	smp_store_release(&tree->procs, procs);
	spin_unlock(&tree->lock);
	kvfree(old);
	return 0;
}

/**
 * cryo_tree_check_shared() - does the restoring process share its
 * parent member's fd table and fs_struct as the TREE says?
 * @t: the member, in CRYO_IOC_THAW_RESTORE; its parent member (every
 *     member before it) is past its own
 *
 * The library makes a sharer with CLONE_FILES or CLONE_FS from its
 * parent member's process (a library older than the image would not).
 * A sharer skips the fd table install its owner does for it; one that
 * had a table of its own would keep the library's fds, and a member that
 * is no sharer but shared its parent's table would close the parent's.
 *
 * Return: 0, or -EINVAL with the thaw failed.
 */
int cryo_tree_check_shared(struct cryo_thawing *t)
{
	struct cryo_thaw_tree *tree = t->tree;
	struct task_struct *parent = NULL;
	bool files, fs, want_files, want_fs;
	s32 p;

	if (!tree->procs || !t->idx)
		return 0;
	p = tree->procs[t->idx].parent;
	want_files = tree->procs[t->idx].flags & CRYO_MEMBER_SHARES_FILES;
	want_fs = tree->procs[t->idx].flags & CRYO_MEMBER_SHARES_FS;
	spin_lock(&tree->lock);
	if (tree->members[p] && tree->members[p]->leader)
		parent = get_task_struct(tree->members[p]->leader);
	spin_unlock(&tree->lock);
	/* Checked at THAW_MEMBER: its parent's process restored before it. */
	if (!parent)
		return cryo_thaw_fail(t, -EINVAL, "member %d (its parent) has no process",
				      p);
	task_lock(parent);
	files = parent->files && parent->files == current->files;
	fs = parent->fs && parent->fs == current->fs;
	task_unlock(parent);
	put_task_struct(parent);
	if (files != want_files || fs != want_fs)
		return cryo_thaw_fail(t, -EINVAL,
				      "its process %s the fd table and %s the fs_struct of member %d's; the image says it %s and %s (made by a libcryoctl older than 1.7?)",
				      files ? "shares" : "does not share",
				      fs ? "shares" : "does not share", p,
				      want_files ? "shares it" : "does not",
				      want_fs ? "shares it" : "does not");
	return 0;
}
