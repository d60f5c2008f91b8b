// SPDX-License-Identifier: GPL-2.0
/*
 * The stub region: where libcryoctl may map the stub that drives a
 * restore, free in the caller now and clear of every mapping of the image
 * (with a guard gap), so that the reshaped address space can keep it.
 */
#include "cryo.h"

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "thawing.h"
#include "mm/mm.h"

/* Room kept around the stub region, more than the stack guard gap. */
#define CRYO_STUB_GUARD		(4UL << 20)

static int cryo_range_cmp(const void *a, const void *b)
{
	const struct cryo_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * A free range of @size bytes for the stub, clear of the image's VMAs
 * and of the caller's (the process that maps it is forked from the
 * caller), as high as possible.
 */
int cryo_stub_hint(struct cryo_thawing *t, u64 size, u64 *addr)
{
	unsigned long hi = TASK_SIZE_MAX - CRYO_STUB_GUARD;
	struct cryo_range *r;
	unsigned int n, i, m;

	size = PAGE_ALIGN(size);
	if (!size || size > TASK_SIZE_MAX / 4)
		return cryo_thaw_fail(t, -EINVAL, "stub size %llu", size);
	r = cryo_vma_ranges(current->mm, t->lay.nr_vmas, &n);
	if (!r)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	for (i = 0; i < t->lay.nr_vmas; i++, n++) {
		r[n].start = t->lay.vmas[i].rec.start;
		r[n].end = t->lay.vmas[i].rec.end;
	}
	sort(r, n, sizeof(*r), cryo_range_cmp, NULL);
	/* Merge overlapping ranges, then look for a gap from the top. */
	for (i = 1, m = 0; i < n; i++) {
		if (r[i].start <= r[m].end)
			r[m].end = max(r[m].end, r[i].end);
		else
			r[++m] = r[i];
	}
	n = n ? m + 1 : 0;
	*addr = 0;
	for (i = n; ; i--) {
		unsigned long lo = i ? r[i - 1].end + CRYO_STUB_GUARD :
				       CRYO_STUB_GUARD;

		if (i < n)
			hi = r[i].start > CRYO_STUB_GUARD ?
			     min(hi, r[i].start - CRYO_STUB_GUARD) : 0;
		if (hi > lo && hi - lo >= size) {
			*addr = (hi - size) & PAGE_MASK;
			break;
		}
		if (!i)
			break;
	}
	kvfree(r);
	if (!*addr)
		return cryo_thaw_fail(t, -ENOMEM,
				      "no room for a %llu-byte stub region", size);
	return 0;
}

static bool cryo_overlaps(u64 s1, u64 e1, u64 s2, u64 e2)
{
	return s1 < e2 && s2 < e1;
}

/* The stub region must not be where the image puts something. */
int cryo_stub_check(struct cryo_thawing *t, u64 start, u64 len)
{
	unsigned int i;

	if (!len || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(len) ||
	    start < CRYO_MIN_ADDR || start + len < start ||
	    start + len > TASK_SIZE_MAX)
		return cryo_thaw_fail(t, -EINVAL,
				      "stub region 0x%llx+%llu: not page aligned or outside user space",
				      start, len);
	for (i = 0; i < t->lay.nr_vmas; i++)
		if (cryo_overlaps(start, start + len, t->lay.vmas[i].rec.start,
				  t->lay.vmas[i].rec.end))
			return cryo_thaw_fail(t, -EINVAL,
					      "stub region 0x%llx+%llu overlaps the image's mapping 0x%llx-0x%llx",
					      start, len, t->lay.vmas[i].rec.start,
					      t->lay.vmas[i].rec.end);
	return 0;
}
