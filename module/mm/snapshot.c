// SPDX-License-Identifier: GPL-2.0
/*
 * CRYO_FREEZE_SNAPSHOT: once the root's records but its pages have been
 * read, build the rest of the image while the tree is still parked, keep
 * it, let the tree go, and stream it from what was kept.
 *
 * A plain checkpoint holds the target until the reader has taken the
 * last byte: one copy to the reader, a checksum pass and whatever the
 * reader does with the bytes (a write() into a file, a socket), per page.
 * A module cannot write-protect another process's pages the way fork()
 * does, so the cheapest hold it can offer is one page copy inside the
 * kernel.
 *
 * What is kept is every record from the root's PAGES on, as the writer
 * staged it: the pages of every member and of the shared memory objects
 * (copies of the pinned pages), and, for a tree, every record of the
 * other members (their registers, signals, files and the bytes in their
 * pipes, mappings...), which the writer reads from the live processes.
 * Nothing of the image is then read after the tree runs again: it is one
 * moment, the members' and the shared memory's.
 *
 * The copies are charged to the caller's memory cgroup (it asked for
 * them), taken without retrying reclaim hard (a snapshot that does not
 * fit fails with ENOMEM rather than pushing the machine into the OOM
 * killer), and freed one by one as the reader takes them.
 */
#include "cryo.h"

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "freezing.h"
#include "image/record.h"
#include "mm/mm.h"

/* One record kept: @len bytes at @off of the bytes, then @nr_pages copies. */
struct cryo_snap_rec {
	size_t off;
	u32 len;
	u32 nr_pages;
};

/**
 * struct cryo_snap - the rest of the image, kept, in image order
 * @pages: the copies; those before @next_page went to the stream.
 * @nr_pages: copies in @pages.
 * @max_pages: room in @pages.
 * @next_page: the first copy not yet handed to the stream.
 * @recs: the records; those before @next_rec went to the stream.
 * @nr_recs: records in @recs.
 * @max_recs: room in @recs.
 * @next_rec: the next record to hand to the stream.
 * @bytes: the records' staged bytes (header, and payload but for pages).
 * @nr_bytes: bytes in @bytes.
 * @max_bytes: room in @bytes.
 */
struct cryo_snap {
	struct page **pages;
	size_t nr_pages, max_pages, next_page;
	struct cryo_snap_rec *recs;
	size_t nr_recs, max_recs, next_rec;
	u8 *bytes;
	size_t nr_bytes, max_bytes;
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
	kvfree(snap->recs);
	kvfree(snap->bytes);
	kfree(snap);
	img->pg.snap = NULL;
}

/**
 * cryo_snapshot_start() - begin keeping the records
 * @img: the image, its tree parked, at the root's PAGES
 *
 * Return: 0 or -ENOMEM.
 */
int cryo_snapshot_start(struct cryo_image *img)
{
	img->pg.snap = kzalloc(sizeof(*img->pg.snap), GFP_KERNEL_ACCOUNT);
	return img->pg.snap ? 0 : -ENOMEM;
}

/**
 * cryo_snapshot_keep() - keep the record just staged, and its pages
 * @img: the image, a whole record staged (nothing of it read) and its
 *	img->pg.nr_pages pages pinned
 *
 * The pinned pages are copied and let go either way.
 *
 * Return: 0 or -ENOMEM.
 */
int cryo_snapshot_keep(struct cryo_image *img)
{
	struct cryo_snap *snap = img->pg.snap;
	size_t len = img->out.stage_len;
	unsigned int nr = img->pg.nr_pages, i;
	int ret;

	ret = cryo_snap_grow((void **)&snap->recs, &snap->max_recs,
			     snap->nr_recs + 1, sizeof(*snap->recs));
	if (!ret)
		ret = cryo_snap_grow((void **)&snap->bytes, &snap->max_bytes,
				     snap->nr_bytes + len, 1);
	if (!ret && nr)
		ret = cryo_snap_grow((void **)&snap->pages, &snap->max_pages,
				     snap->nr_pages + nr, sizeof(*snap->pages));
	for (i = 0; i < nr; i++) {
		struct page *copy = NULL;

		if (!ret)
			copy = alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT |
					  __GFP_NORETRY | __GFP_NOWARN);
		if (copy) {
			copy_highpage(copy, img->pg.pages[i]);
			snap->pages[snap->nr_pages + i] = copy;
		} else if (!ret) {
			/* The copies so far go with the snapshot. */
			snap->nr_pages += i;
			ret = -ENOMEM;
		}
	}
	cryo_pin_drop(img);
	if (ret)
		return ret;
	snap->nr_pages += nr;
	memcpy(snap->bytes + snap->nr_bytes, img->out.stage, len);
	snap->recs[snap->nr_recs].off = snap->nr_bytes;
	snap->recs[snap->nr_recs].len = len;
	snap->recs[snap->nr_recs].nr_pages = nr;
	snap->nr_recs++;
	snap->nr_bytes += len;
	img->out.stage_len = 0;
	img->out.stage_pos = 0;
	return 0;
}

/**
 * cryo_snapshot_next() - stage the next record kept
 * @img: the image, with nothing left unread of the previous record
 *
 * Its copies move into img->pg.pages, which the reader releases as it
 * takes them.  The bookkeeping goes after the last record.
 *
 * Return: 1 when a record was staged, 0 when none is left.
 */
int cryo_snapshot_next(struct cryo_image *img)
{
	struct cryo_snap *snap = img->pg.snap;
	struct cryo_snap_rec *r;

	if (!snap)
		return 0;
	if (snap->next_rec == snap->nr_recs) {
		cryo_snapshot_free(img);
		return 0;
	}
	r = &snap->recs[snap->next_rec++];
	memcpy(img->out.stage, snap->bytes + r->off, r->len);
	img->out.stage_len = r->len;
	img->out.stage_pos = 0;
	memcpy(img->pg.pages, snap->pages + snap->next_page,
	       r->nr_pages * sizeof(*img->pg.pages));
	snap->next_page += r->nr_pages;
	img->pg.nr_pages = r->nr_pages;
	img->pg.page_idx = 0;
	img->pg.page_off = 0;
	return 1;
}
