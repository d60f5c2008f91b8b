// SPDX-License-Identifier: GPL-2.0
/*
 * PAGES: page contents.  At the freeze, pinned runs of the target's
 * populated pages (pin.c) go out without a copy in the kernel (but for a
 * snapshot, which keeps copies of them: snapshot.c); at the thaw each
 * record's pages are read straight into the restored mappings.
 */
#include "cryo.h"

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "freezing.h"
#include "thawing.h"
#include "image/record.h"
#include "image/stream.h"
#include "image/csum.h"
#include "mm/mm.h"

/**
 * cryo_pages_stage() - stage a record of pinned pages
 * @img: the image, @nr pages pinned in img->pg.pages
 * @type: %CRYO_REC_PAGES or %CRYO_REC_SHM_PAGES
 * @hdr: the record's fixed part
 * @hdr_len: its length
 * @nr: pages that follow it
 *
 * Only the fixed part is staged; the pinned pages follow it, copied out
 * by read() straight from the pages.
 */
void cryo_pages_stage(struct cryo_image *img, u32 type, const void *hdr,
		      size_t hdr_len, unsigned int nr)
{
	struct xxh64_state st;
	unsigned int i;
	void *p;

	p = cryo_record_start_partial(img, type, hdr_len + nr * PAGE_SIZE,
				      hdr_len);
	memcpy(p, hdr, hdr_len);
	cryo_csum_start(&st, (struct cryo_rec *)img->out.stage);
	cryo_csum_add(&st, p, hdr_len);
	for (i = 0; i < nr; i++) {
		void *kaddr = kmap_local_page(img->pg.pages[i]);

		cryo_csum_add(&st, kaddr, PAGE_SIZE);
		kunmap_local(kaddr);
	}
	((struct cryo_rec *)img->out.stage)->crc = cryo_csum_end(&st);
	img->out.nr_records++;
	img->out.bytes += img->out.stage_len + nr * PAGE_SIZE;
	img->pg.nr_pages_total += nr;
	img->pg.nr_pages = nr;
	img->pg.page_idx = 0;
	img->pg.page_off = 0;
}

int cryo_pages_save(struct cryo_image *img)
{
	struct cryo_image_pages p;
	long nr;
	int ret;

	ret = mmap_read_lock_killable(img->m->mm);
	if (ret)
		return ret;
	nr = cryo_pin_run(img);
	mmap_read_unlock(img->m->mm);
	if (nr <= 0)
		return nr;

	p.addr = img->pg.cursor;
	p.nr_pages = nr;
	cryo_pages_stage(img, CRYO_REC_PAGES, &p, sizeof(p), nr);
	img->pg.cursor += nr * PAGE_SIZE;
	return 1;
}

/* The image VMA that holds [addr, end), or NULL. */
static struct cryo_thaw_vma *cryo_vma_holding(struct cryo_thawing *t,
					      unsigned int *hint, u64 addr,
					      u64 end)
{
	unsigned int i;

	for (i = *hint; i < t->lay.nr_vmas; i++) {
		struct cryo_thaw_vma *v = &t->lay.vmas[i];

		if (v->rec.end <= addr)
			continue;
		*hint = i;
		if (v->rec.start > addr || end > v->rec.end ||
		    cryo_vma_special(v->rec.kind))
			return NULL;
		return v;
	}
	return NULL;
}

/*
 * Fault in and pin @nr pages of the caller's memory at @addr for writing:
 * gup faults them in without an exception per page (which costs much
 * more under emulation), and the read that follows finds them present.
 */
static int cryo_pin_user(struct cryo_thawing *t, u64 addr, unsigned int nr,
			 unsigned int gup_flags, struct page **pages)
{
	struct mm_struct *mm = current->mm;
	unsigned int done = 0;
	int locked, got;

	while (done < nr) {
		locked = 1;
		mmap_read_lock(mm);
		got = cryo_gup_remote(mm, addr + (u64)done * PAGE_SIZE,
				      nr - done, gup_flags, pages + done,
				      &locked);
		if (locked)
			mmap_read_unlock(mm);
		if (got <= 0) {
			while (done)
				put_page(pages[--done]);
			return cryo_thaw_fail(t, got ? got : -EFAULT,
					      "page 0x%llx: cannot fault in (error %d)",
					      addr + (u64)done * PAGE_SIZE,
					      got ? -got : EFAULT);
		}
		done += got;
	}
	return 0;
}

/* Copy @nr pages from @src over a read-only mapping (FOLL_FORCE, as CoW). */
static int cryo_put_pages(struct cryo_thawing *t, u64 addr, unsigned int nr,
			  const u8 *src)
{
	unsigned int i;
	int ret;

	ret = cryo_pin_user(t, addr, nr, FOLL_WRITE | FOLL_FORCE, t->in->pages);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++) {
		void *dst = kmap_local_page(t->in->pages[i]);

		memcpy(dst, src + (size_t)i * PAGE_SIZE, PAGE_SIZE);
		kunmap_local(dst);
		set_page_dirty_lock(t->in->pages[i]);
		put_page(t->in->pages[i]);
	}
	return 0;
}

/*
 * One PAGES record, its header already read.  The contents of a writable
 * mapping are read straight into place and hashed there (one copy, as a
 * read() into fresh memory); a read-only mapping's (copy-on-write pages
 * of a file) go through the record buffer and are forced in.  Either way
 * a bad checksum is found after the memory was written: that is after
 * the point of no return, and the process dies.
 */
static int cryo_fill_one(struct cryo_thawing *t, struct cryo_rec *rec,
			 unsigned int *hint, u64 *last_end)
{
	struct cryo_image_pages p;
	struct cryo_thaw_vma *v;
	struct xxh64_state st;
	u64 nr, len;
	int ret;

	if (rec->len < sizeof(p))
		return cryo_thaw_badrec(t, CRYO_REC_PAGES, "length %u", rec->len);
	ret = cryo_stream_read(t, &p, sizeof(p));
	if (ret)
		return ret;
	nr = p.nr_pages;
	len = nr * PAGE_SIZE;
	if (!nr || nr > (CRYO_REC_MAX_LEN - sizeof(p)) / PAGE_SIZE ||
	    rec->len != sizeof(p) + len || !PAGE_ALIGNED(p.addr) ||
	    p.addr < *last_end)
		return cryo_thaw_badrec(t, CRYO_REC_PAGES,
					"bad address 0x%llx or count %llu",
					p.addr, nr);
	v = cryo_vma_holding(t, hint, p.addr, p.addr + len);
	if (!v)
		return cryo_thaw_badrec(t, CRYO_REC_PAGES,
					"0x%llx+%llu pages is not inside one mapping",
					p.addr, nr);
	*last_end = p.addr + len;
	t->in->nr_pages += nr;

	cryo_csum_start(&st, rec);
	cryo_csum_add(&st, &p, sizeof(p));
	if (v->rec.flags & CRYO_VMA_WRITE) {
		unsigned int i;

		ret = cryo_pin_user(t, p.addr, nr, FOLL_WRITE, t->in->pages);
		if (ret)
			return ret;
		ret = cryo_stream_to_user(t, p.addr, len);
		for (i = 0; i < nr; i++) {
			void *kaddr = kmap_local_page(t->in->pages[i]);

			if (!ret)
				cryo_csum_add(&st, kaddr, PAGE_SIZE);
			kunmap_local(kaddr);
			put_page(t->in->pages[i]);
		}
	} else {
		ret = cryo_stream_read(t, t->in->buf, len);
		if (!ret) {
			cryo_csum_add(&st, t->in->buf, len);
			ret = cryo_put_pages(t, p.addr, nr, t->in->buf);
		}
	}
	if (ret)
		return ret;
	if (cryo_csum_end(&st) != rec->crc)
		return cryo_thaw_badrec(t, CRYO_REC_PAGES, "checksum mismatch");
	return 0;
}

/*
 * The next member's PROCESS ends this member's pages: it is left for that
 * member's CRYO_IOC_THAW_MEMBER, which may go on now.
 */
static int cryo_pages_next_member(struct cryo_thawing *t, struct cryo_rec *rec)
{
	struct cryo_thaw_tree *tree = t->tree;
	unsigned int next = cryo_tree_next(tree, t->idx);

	if (next >= tree->nr_procs)
		return cryo_thaw_badrec(t, rec->type,
					"a section after the last member's");
	t->in->next = *rec;
	t->in->have_next = true;
	spin_lock(&tree->lock);
	tree->reading = next;
	spin_unlock(&tree->lock);
	wake_up_all(&tree->wq);
	return 0;
}

/*
 * Stream the PAGES records into place, up to and including the TRAILER
 * (the last member), or up to the next member's PROCESS.
 */
int cryo_pages_restore(struct cryo_thawing *t)
{
	unsigned int next = cryo_tree_next(t->tree, t->idx);
	u64 last_end = 0, records, bytes;
	unsigned int hint = 0;
	struct cryo_rec rec;
	bool shm = false;
	int ret;

	for (;;) {
		records = t->in->record;
		bytes = t->in->have_next ? t->in->bytes - sizeof(rec) : t->in->bytes;
		ret = cryo_stream_hdr(t, &rec);
		if (ret)
			return ret;
		if (rec.type == CRYO_REC_TRAILER) {
			if (next < t->tree->nr_procs)
				return cryo_thaw_badrec(t, rec.type,
							"member %u has no section",
							next);
			if (rec.len != sizeof(struct cryo_image_trailer))
				return cryo_thaw_badrec(t, rec.type, "bad length");
			ret = cryo_stream_payload(t, &rec);
			if (!ret)
				ret = cryo_stream_trailer(t, records, bytes);
			if (!ret)
				ret = cryo_stream_end(t);
			/* Every member has mapped its memfds: seal them. */
			if (!ret)
				ret = cryo_shm_seal(t);
			return ret;
		}
		if (rec.type == CRYO_REC_PROCESS)
			return cryo_pages_next_member(t, &rec);
		if (rec.type == CRYO_REC_SHM_PAGES) {
			ret = cryo_shm_fill(t, &rec);
			shm = true;
		} else if (rec.type != CRYO_REC_PAGES || shm) {
			return cryo_thaw_badrec(t, rec.type,
						"out of order among the pages");
		} else {
			ret = cryo_fill_one(t, &rec, &hint, &last_end);
		}
		if (ret)
			return ret;
		t->in->record++;
	}
}
