// SPDX-License-Identifier: GPL-2.0
/*
 * What every part of a thaw shares: how a failure is recorded (the first
 * one wins and becomes the outcome CRYO_IOC_THAW_STATUS reports), and
 * what a thaw may hold in memory on the strength of an image.
 */
#include "cryo.h"

#include <linux/slab.h>

#include "thawing.h"

/* Bound what an image makes us hold in memory besides its records. */
int cryo_thaw_hold(struct cryo_thawing *t, u64 bytes)
{
	t->tree->held += bytes;
	if (t->tree->held > CRYO_THAW_MAX_HELD)
		return cryo_thaw_fail(t, -EFBIG,
				      "record %llu: names and pipe contents exceed %u MiB",
				      t->in->record, CRYO_THAW_MAX_HELD >> 20);
	return 0;
}

/*
 * The first failure of a tree is its outcome; in a tree of more than one
 * process it names the member: "member 3 (pid 1234): ...".
 */
int cryo_thaw_fail(struct cryo_thawing *t, int err, const char *fmt, ...)
{
	struct cryo_thaw_tree *tree = t->tree;
	va_list ap;
	bool first;
	int n = 0;

	spin_lock(&tree->lock);
	first = !tree->error;
	if (first) {
		tree->error = err;
		if (tree->nr_procs > 1)
			n = scnprintf(tree->msg, sizeof(tree->msg),
				      "member %u (pid %d): ", t->idx,
				      tree->procs[t->idx].pid);
		va_start(ap, fmt);
		vsnprintf(tree->msg + n, sizeof(tree->msg) - n, fmt, ap);
		va_end(ap);
	}
	spin_unlock(&tree->lock);
	/* The message may hold paths from the image: escape what is not printable. */
	if (first)
		pr_notice_ratelimited("thaw of pid %d failed: %*pE\n",
				      task_pid_nr(current),
				      (int)strnlen(tree->msg, sizeof(tree->msg)),
				      tree->msg);
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
	return cryo_thaw_fail(t, -EBADMSG, "record %llu (%s): %s", t->in->record,
			      cryo_rec_name(type) ?: "unknown", what);
}

/* Grow *@arr of *@max elements to hold @need, up to @limit (EFBIG). */
int cryo_thaw_grow(void **arr, unsigned int *max, unsigned int need,
		   size_t elem, unsigned int limit)
{
	unsigned int n = *max ? *max * 2 : 16;
	void *p;

	if (need <= *max)
		return 0;
	if (need > limit)
		return -EFBIG;
	n = min(max(n, need), limit);
	p = kvrealloc_compat(*arr, (size_t)*max * elem, (size_t)n * elem,
			     GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*max = n;
	return 0;
}
