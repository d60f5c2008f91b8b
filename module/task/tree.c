// SPDX-License-Identifier: GPL-2.0
/*
 * The process tree of an image (format 2.2): the TREE record, checked.
 *
 * The freeze side writes it after the HEADER: one entry per member, root
 * first, every parent before its children.  At the thaw every field is
 * untrusted; what the members are (their order, their thread counts,
 * which are zombies) decides how the rest of the stream is read, so it is
 * all checked here, before any section is.
 */
#include "cryo.h"

#include <linux/signal.h>
#include <linux/slab.h>

#include "thawing.h"
#include "task/task.h"

/* A wait status exit() or a deadly signal gives, as waitpid(2) has it. */
static bool cryo_tree_status_ok(s32 st)
{
	int sig = st & 0x7f;

	if (st < 0)
		return false;
	if (!sig)
		return !(st & 0x80) && st >> 8 <= 0xff;
	return st >> 8 == 0 && sig != 0x7f && valid_signal(sig);
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
			return cryo_bad(t, rec, "member %u: exit status %#x", i,
					p->exit_code);
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
	unsigned int n = t->hdr.nr_processes, i;
	struct cryo_thawing **members;
	int ret;

	if (rec->type != CRYO_REC_TREE)
		return cryo_bad(t, rec, "expected the TREE record after the HEADER");
	if (!n || n > CRYO_THAW_PROCS_MAX || rec->len != n * sizeof(*m))
		return cryo_bad(t, rec, "length %u for %u processes (at most %u)",
				rec->len, n, CRYO_THAW_PROCS_MAX);
	ret = cryo_tree_check(t, rec, m, n);
	if (ret)
		return ret;
	tree->procs = kvmalloc(rec->len, GFP_KERNEL_ACCOUNT);
	members = kvcalloc(n, sizeof(*members), GFP_KERNEL_ACCOUNT);
	if (!tree->procs || !members) {
		kvfree(members);
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	}
	memcpy(tree->procs, m, rec->len);
	members[0] = t;
	/* Under the lock: THAW_STATUS and the netlink view walk them. */
	spin_lock(&tree->lock);
	kvfree(tree->members);
	tree->members = members;
	tree->nr_procs = n;
	tree->nr_live = 0;
	for (i = 0; i < n; i++)
		tree->nr_live += !(m[i].flags & CRYO_MEMBER_ZOMBIE);
	spin_unlock(&tree->lock);
	return 0;
}
