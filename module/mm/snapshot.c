// SPDX-License-Identifier: GPL-2.0
/*
 * CRYO_FREEZE_SNAPSHOT: copy the pages to save while the target is still
 * parked, let it go, and stream the pages from the copy.
 *
 * A plain checkpoint holds the target until the reader has taken the
 * last byte: one copy to the reader, a checksum pass and whatever the
 * reader does with the bytes (a write() into a file, a socket), per page.
 * A module cannot write-protect another process's pages the way fork()
 * does, so the cheapest hold it can offer is one page copy inside the
 * kernel.  The copies are charged to the caller's memory cgroup (it asked
 * for them), taken without retrying reclaim hard (a snapshot that does
 * not fit fails with ENOMEM rather than pushing the machine into the OOM
 * killer), and freed one by one as the reader takes them.
 */
#include "cryo.h"

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "freezing.h"
#include "mm/mm.h"

/* One PAGES record to be: @nr copies starting at @addr. */
struct cryo_snap_run {
	unsigned long addr;
	unsigned long nr;
};

/**
 * struct cryo_snap - the copied pages of a freeze, in image order
 * @pages: the copies; those before @next_page went to the stream.
 * @nr_pages: copies in @pages.
 * @max_pages: room in @pages.
 * @next_page: the first copy not yet handed to the stream.
 * @runs: PAGES records to emit; those before @next_run are emitted.
 * @nr_runs: runs in @runs.
 * @max_runs: room in @runs.
 * @next_run: the next run to emit.
 */
struct cryo_snap {
	struct page **pages;
	size_t nr_pages, max_pages, next_page;
	struct cryo_snap_run *runs;
	size_t nr_runs, max_runs, next_run;
};

/* Make room for @need elements of @elem bytes in *@arr of *@max. */
static int cryo_snap_grow(void **arr, size_t *max, size_t need, size_t elem)
{
	size_t n = *max ? *max : 256;
	void *p;

	if (need <= *max)
		return 0;
	while (n < need)
		n *= 2;
	/* kvmalloc() warns beyond INT_MAX: that is a 1 TiB snapshot. */
	if (n > INT_MAX / elem)
		return -ENOMEM;
	/* Fail rather than call the cgroup's OOM killer, as the pages do. */
	p = kvrealloc_compat(*arr, *max * elem, n * elem,
			     GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
			     __GFP_NOWARN);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*max = n;
	return 0;
}

void cryo_snapshot_free(struct cryo_image *img)
{
	struct cryo_snap *snap = img->pg.snap;

	if (!snap)
		return;
	while (snap->next_page < snap->nr_pages)
		put_page(snap->pages[snap->next_page++]);
	kvfree(snap->pages);
	kvfree(snap->runs);
	kfree(snap);
	img->pg.snap = NULL;
}

/* Copy the @nr pages pinned in img->pg.pages at img->pg.cursor; unpin them. */
static int cryo_snap_copy_run(struct cryo_image *img, long nr)
{
	struct cryo_snap *snap = img->pg.snap;
	long i;
	int ret;

	ret = cryo_snap_grow((void **)&snap->pages, &snap->max_pages,
			     snap->nr_pages + nr, sizeof(*snap->pages));
	if (!ret)
		ret = cryo_snap_grow((void **)&snap->runs, &snap->max_runs,
				     snap->nr_runs + 1, sizeof(*snap->runs));
	for (i = 0; i < nr; i++) {
		struct page *copy = NULL;

		if (!ret)
			copy = alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT |
					  __GFP_NORETRY | __GFP_NOWARN);
		if (copy) {
			copy_highpage(copy, img->pg.pages[i]);
			snap->pages[snap->nr_pages++] = copy;
		} else {
			ret = -ENOMEM;
		}
		put_page(img->pg.pages[i]);
		img->pg.pages[i] = NULL;
	}
	if (ret)
		return ret;
	snap->runs[snap->nr_runs].addr = img->pg.cursor;
	snap->runs[snap->nr_runs].nr = nr;
	snap->nr_runs++;
	img->pg.cursor += nr * PAGE_SIZE;
	return 0;
}

/**
 * cryo_snapshot_take() - copy every page the image will carry
 * @img: the image, its target parked, at the start of the PAGES phase
 *
 * Walks the target as cryo_pages_save() would and keeps a copy of each
 * run.  On failure nothing of the snapshot is left.
 *
 * Return: 0, -ENOMEM when the copies do not fit, -EINTR, or another
 * -errno of the walk.
 */
int cryo_snapshot_take(struct cryo_image *img)
{
	long nr;
	int ret;

	img->pg.snap = kzalloc(sizeof(*img->pg.snap), GFP_KERNEL_ACCOUNT);
	if (!img->pg.snap)
		return -ENOMEM;
	img->pg.cursor = 0;
	for (;;) {
		ret = mmap_read_lock_killable(img->m->mm);
		if (ret)
			break;
		nr = cryo_pin_run(img);
		mmap_read_unlock(img->m->mm);
		ret = nr;
		if (nr <= 0)
			break;
		ret = cryo_snap_copy_run(img, nr);
		if (ret)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	img->pg.cursor = 0;
	if (ret)
		cryo_snapshot_free(img);
	return ret;
}

/**
 * cryo_snapshot_next() - hand the next run of copies to the stream
 * @img: the image, with img->pg.pages empty
 * @addr: out: the address of the run's first page
 *
 * The copies move into img->pg.pages, which the reader releases as it takes
 * them.  The bookkeeping goes with the last run.
 *
 * Return: the number of pages in the run; 0 when none is left.
 */
long cryo_snapshot_next(struct cryo_image *img, unsigned long *addr)
{
	struct cryo_snap *snap = img->pg.snap;
	struct cryo_snap_run *run;

	if (!snap)
		return 0;
	if (snap->next_run == snap->nr_runs) {
		cryo_snapshot_free(img);
		return 0;
	}
	run = &snap->runs[snap->next_run++];
	memcpy(img->pg.pages, snap->pages + snap->next_page,
	       run->nr * sizeof(*img->pg.pages));
	snap->next_page += run->nr;
	*addr = run->addr;
	return run->nr;
}
