// SPDX-License-Identifier: GPL-2.0
/*
 * Remap: the VMA records of an image or layout, the files behind them,
 * and reshaping the caller's address space to them; then the pages.
 *
 * Everything that can fail for a reason the image or the file system
 * gives is checked while reading (cryo_load_vma(), cryo_vmas_open()):
 * ranges, order, kinds, and each mapped file's identity.  Only then does
 * cryo_remap_apply() unmap the caller, which leaves it no way back.
 */
#include "cryo.h"

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "csum.h"
#include "reopen.h"
#include "thaw.h"

#define CRYO_VMA_KNOWN_FLAGS	((CRYO_VMA_MAYSHARE << 1) - 1)
/* Room kept around the stub region, more than the stack guard gap. */
#define CRYO_STUB_GUARD		(4UL << 20)
/* Nothing is mapped this low (the usual vm.mmap_min_addr). */
#define CRYO_MIN_ADDR		(64UL << 10)

static bool cryo_vma_special(u32 kind)
{
	return kind == CRYO_VMA_VDSO || kind == CRYO_VMA_VVAR ||
	       kind == CRYO_VMA_SPECIAL;
}

int cryo_load_vma(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_vma *r = t->buf;
	struct cryo_thaw_vma *v;
	void *p;

#define bad(fmt, ...) cryo_thaw_badrec(t, CRYO_REC_VMA, fmt, ##__VA_ARGS__)
	if (rec->len < sizeof(*r) || r->name_len > PATH_MAX ||
	    rec->len != sizeof(*r) + r->name_len || r->__reserved)
		return bad("bad length %u", rec->len);
	if (r->start >= r->end || !PAGE_ALIGNED(r->start) ||
	    !PAGE_ALIGNED(r->end) || !PAGE_ALIGNED(r->pgoff))
		return bad("0x%llx-0x%llx: empty or not page aligned",
			   r->start, r->end);
	if (r->kind == CRYO_VMA_VSYSCALL)
		return 0;	/* the kernel's, never mapped */
	if (r->end > TASK_SIZE_MAX || r->start < CRYO_MIN_ADDR)
		return bad("0x%llx-0x%llx: outside user space", r->start,
			   r->end);
	if (r->kind > CRYO_VMA_SPECIAL || (r->flags & ~CRYO_VMA_KNOWN_FLAGS))
		return bad("0x%llx-0x%llx: kind %u, flags %#x", r->start,
			   r->end, r->kind, r->flags);
	/* As madvise(MADV_WIPEONFORK): private anonymous memory only. */
	if ((r->flags & CRYO_VMA_WIPEONFORK) &&
	    (r->kind == CRYO_VMA_FILE || cryo_vma_special(r->kind) ||
	     (r->flags & (CRYO_VMA_SHARED | CRYO_VMA_MAYSHARE))))
		return bad("0x%llx-0x%llx: wipe-on-fork on memory that is not private anonymous",
			   r->start, r->end);
	if (t->nr_vmas && r->start < t->vmas[t->nr_vmas - 1].rec.end)
		return bad("0x%llx-0x%llx overlaps or precedes the one before",
			   r->start, r->end);
	if (cryo_vma_special(r->kind)) {
		/* [vvar] and [vdso] come back as one block, see the stub. */
		if (t->special_end && r->start != t->special_end)
			return bad("0x%llx-0x%llx: special mappings not adjacent",
				   r->start, r->end);
		if (!t->special_end)
			t->special_start = r->start;
		t->special_end = r->end;
		if (r->kind == CRYO_VMA_VDSO)
			t->vdso_start = r->start;
	}
	if (t->nr_vmas == t->max_vmas) {
		unsigned int n = t->max_vmas ? 2 * t->max_vmas : 64;

		if (t->nr_vmas >= CRYO_THAW_MAX_VMAS)
			return cryo_thaw_fail(t, -EFBIG,
					      "record %llu (VMA): more than %u mappings",
					      t->record, CRYO_THAW_MAX_VMAS);
		n = min_t(unsigned int, n, CRYO_THAW_MAX_VMAS);
		p = kvrealloc_compat(t->vmas, t->max_vmas * sizeof(*t->vmas),
				     n * sizeof(*t->vmas), GFP_KERNEL_ACCOUNT);
		if (!p)
			return cryo_thaw_fail(t, -ENOMEM, "out of memory");
		t->vmas = p;
		t->max_vmas = n;
	}
	if (cryo_thaw_hold(t, r->name_len + 1))
		return -EFBIG;
	v = &t->vmas[t->nr_vmas];
	v->rec = *r;
	v->file = NULL;
	v->name = kmemdup_nul((char *)(r + 1), r->name_len, GFP_KERNEL);
	if (!v->name)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	t->nr_vmas++;
	if (strlen(v->name) != r->name_len)
		return bad("0x%llx-0x%llx: NUL in its name", r->start, r->end);
	if (r->kind == CRYO_VMA_FILE && v->name[0] != '/')
		return bad("0x%llx-0x%llx: file mapping without a path",
			   r->start, r->end);
#undef bad
	return 0;
}

/* Open every mapped file as the restored process, and check it. */
int cryo_vmas_open(struct cryo_thawing *t)
{
	struct cryo_thaw_vma *prev = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < t->nr_vmas; i++) {
		struct cryo_thaw_vma *v = &t->vmas[i];
		bool shared = v->rec.flags & CRYO_VMA_SHARED;
		struct cryo_file_id id = {
			.dev = v->rec.dev, .ino = v->rec.ino, .mode = S_IFREG,
			.size = v->rec.file_size, .mtime_ns = v->rec.mtime_ns,
		};
		struct file *f;
		char *what;

		if (v->rec.kind != CRYO_VMA_FILE)
			continue;
		if (strstr(v->name, " (deleted)"))
			return cryo_thaw_fail(t, -ESTALE,
					      "mapping 0x%llx-0x%llx (%s): the mapped file was deleted",
					      v->rec.start, v->rec.end, v->name);
		what = kasprintf(GFP_KERNEL, "mapping 0x%llx-0x%llx (%s)",
				 v->rec.start, v->rec.end, v->name);
		if (!what)
			return cryo_thaw_fail(t, -ENOMEM, "out of memory");
		/* Consecutive mappings of one file share one open. */
		if (prev && !strcmp(prev->name, v->name) &&
		    (prev->file->f_mode & FMODE_WRITE || !shared)) {
			v->file = get_file(prev->file);
		} else {
			f = cryo_reopen(t, what, v->name,
					shared ? O_RDWR : O_RDONLY, S_IFREG);
			if (IS_ERR(f)) {
				kfree(what);
				return PTR_ERR(f);
			}
			v->file = f;
		}
		prev = v;
		ret = cryo_reopen_same(t, what, v->file, &id);
		kfree(what);
		if (ret)
			return ret;
	}
	return 0;
}

struct cryo_range {
	unsigned long start, end;
};

static int cryo_range_cmp(const void *a, const void *b)
{
	const struct cryo_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The caller's mappings, as ranges; NULL on failure. */
static struct cryo_range *cryo_mm_ranges(struct mm_struct *mm,
					 unsigned int extra, unsigned int *nr)
{
	struct vm_area_struct *vma;
	struct cryo_range *r;
	unsigned int n = 0, max;

	VMA_ITERATOR(vmi, mm, 0);
	mmap_read_lock(mm);
	max = mm->map_count;
	r = kvmalloc_array(max + extra, sizeof(*r), GFP_KERNEL);
	if (r) {
		for_each_vma(vmi, vma) {
			if (n == max)
				break;
			r[n].start = vma->vm_start;
			r[n].end = vma->vm_end;
			n++;
		}
	}
	mmap_read_unlock(mm);
	*nr = n;
	return r;
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
	r = cryo_mm_ranges(current->mm, t->nr_vmas, &n);
	if (!r)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	for (i = 0; i < t->nr_vmas; i++, n++) {
		r[n].start = t->vmas[i].rec.start;
		r[n].end = t->vmas[i].rec.end;
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
	for (i = 0; i < t->nr_vmas; i++)
		if (cryo_overlaps(start, start + len, t->vmas[i].rec.start,
				  t->vmas[i].rec.end))
			return cryo_thaw_fail(t, -EINVAL,
					      "stub region 0x%llx+%llu overlaps the image's mapping 0x%llx-0x%llx",
					      start, len, t->vmas[i].rec.start,
					      t->vmas[i].rec.end);
	return 0;
}

static unsigned long cryo_vma_madv(u32 flags)
{
	unsigned long vmf = 0;

	if (flags & CRYO_VMA_DONTDUMP)
		vmf |= VM_DONTDUMP;
	if (flags & CRYO_VMA_DONTFORK)
		vmf |= VM_DONTCOPY;
	if (flags & CRYO_VMA_WIPEONFORK)
		vmf |= VM_WIPEONFORK;
	if (flags & CRYO_VMA_NOHUGEPAGE)
		vmf |= VM_NOHUGEPAGE;
	return vmf;
}

static int cryo_map_one(struct cryo_thawing *t, struct cryo_thaw_vma *v)
{
	u32 fl = v->rec.flags;
	unsigned long prot = 0, flags = MAP_FIXED_NOREPLACE, addr, vmf;
	struct vm_area_struct *vma;
	struct mm_struct *mm = current->mm;

	if (fl & CRYO_VMA_READ)
		prot |= PROT_READ;
	if (fl & CRYO_VMA_WRITE)
		prot |= PROT_WRITE;
	if (fl & CRYO_VMA_EXEC)
		prot |= PROT_EXEC;
	flags |= fl & (CRYO_VMA_SHARED | CRYO_VMA_MAYSHARE) ? MAP_SHARED :
							      MAP_PRIVATE;
	if (!v->file)
		flags |= MAP_ANONYMOUS;
	if (fl & CRYO_VMA_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if (fl & CRYO_VMA_LOCKED)
		flags |= MAP_LOCKED;
	addr = vm_mmap(v->file, v->rec.start, v->rec.end - v->rec.start, prot,
		       flags, v->file ? v->rec.pgoff : 0);
	if (IS_ERR_VALUE(addr) || addr != v->rec.start)
		return cryo_thaw_fail(t, IS_ERR_VALUE(addr) ? (long)addr : -EEXIST,
				      "mapping 0x%llx-0x%llx (%s): cannot map (error %ld)",
				      v->rec.start, v->rec.end, v->name,
				      IS_ERR_VALUE(addr) ? -(long)addr : EEXIST);
	/* madvise() flags the kernel keeps in vm_flags. */
	vmf = cryo_vma_madv(fl);
	if (vmf) {
		mmap_write_lock(mm);
		vma = find_vma(mm, v->rec.start);
		if (vma && vma->vm_start <= v->rec.start)
			cryo_vm_flags_set(vma, vmf);
		mmap_write_unlock(mm);
	}
	return 0;
}

/*
 * The point of no return of a remap: every mapping of the caller outside
 * [@keep_start, @keep_start + @keep_len) goes, the image's come.
 */
int cryo_remap_apply(struct cryo_thawing *t, unsigned long keep_start,
		     unsigned long keep_len)
{
	unsigned long keep_end = keep_start + keep_len;
	struct cryo_range *r;
	unsigned int n, i;
	int ret = 0;

	r = cryo_mm_ranges(current->mm, 0, &n);
	if (!r)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	for (i = 0; i < n && !ret; i++) {
		unsigned long s = r[i].start, e = r[i].end;

		if (s < keep_start)
			ret = vm_munmap(s, min(e, keep_start) - s);
		if (!ret && e > keep_end)
			ret = vm_munmap(max(s, keep_end), e - max(s, keep_end));
	}
	kvfree(r);
	if (ret)
		return cryo_thaw_fail(t, ret, "cannot unmap the caller (error %d)",
				      -ret);

	for (i = 0; i < t->nr_vmas; i++) {
		struct cryo_thaw_vma *v = &t->vmas[i];

		if (cryo_vma_special(v->rec.kind))
			continue;
		ret = cryo_map_one(t, v);
		if (ret)
			return ret;
	}
	return 0;
}

/* The image VMA that holds [addr, end), or NULL. */
static struct cryo_thaw_vma *cryo_vma_holding(struct cryo_thawing *t,
					      unsigned int *hint, u64 addr,
					      u64 end)
{
	unsigned int i;

	for (i = *hint; i < t->nr_vmas; i++) {
		struct cryo_thaw_vma *v = &t->vmas[i];

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

static int cryo_check_trailer(struct cryo_thawing *t, u64 records, u64 bytes)
{
	struct cryo_image_trailer *tr = t->buf;

	if (tr->nr_records != records || tr->nr_pages != t->nr_pages ||
	    tr->bytes != bytes)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu (TRAILER): counts differ (records %llu/%llu, pages %llu/%llu, bytes %llu/%llu)",
				      records, tr->nr_records, records,
				      tr->nr_pages, t->nr_pages, tr->bytes,
				      bytes);
	return 0;
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

	ret = cryo_pin_user(t, addr, nr, FOLL_WRITE | FOLL_FORCE, t->pages);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++) {
		void *dst = kmap_local_page(t->pages[i]);

		memcpy(dst, src + (size_t)i * PAGE_SIZE, PAGE_SIZE);
		kunmap_local(dst);
		set_page_dirty_lock(t->pages[i]);
		put_page(t->pages[i]);
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
	ret = cryo_read_exact(t, &p, sizeof(p));
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
	t->nr_pages += nr;

	cryo_csum_start(&st, rec);
	cryo_csum_add(&st, &p, sizeof(p));
	if (v->rec.flags & CRYO_VMA_WRITE) {
		unsigned int i;

		ret = cryo_pin_user(t, p.addr, nr, FOLL_WRITE, t->pages);
		if (ret)
			return ret;
		ret = cryo_read_user(t, p.addr, len);
		for (i = 0; i < nr; i++) {
			void *kaddr = kmap_local_page(t->pages[i]);

			if (!ret)
				cryo_csum_add(&st, kaddr, PAGE_SIZE);
			kunmap_local(kaddr);
			put_page(t->pages[i]);
		}
	} else {
		ret = cryo_read_exact(t, t->buf, len);
		if (!ret) {
			cryo_csum_add(&st, t->buf, len);
			ret = cryo_put_pages(t, p.addr, nr, t->buf);
		}
	}
	if (ret)
		return ret;
	if (cryo_csum_end(&st) != rec->crc)
		return cryo_thaw_badrec(t, CRYO_REC_PAGES, "checksum mismatch");
	return 0;
}

/* Stream the PAGES records into place, up to and including the TRAILER. */
int cryo_fill_pages(struct cryo_thawing *t)
{
	u64 last_end = 0, records, bytes;
	unsigned int hint = 0;
	struct cryo_rec rec;
	int ret;

	for (;;) {
		records = t->record;
		bytes = t->have_next ? t->bytes - sizeof(rec) : t->bytes;
		ret = cryo_read_hdr(t, &rec);
		if (ret)
			return ret;
		if (rec.type == CRYO_REC_TRAILER) {
			if (rec.len != sizeof(struct cryo_image_trailer))
				return cryo_thaw_badrec(t, rec.type, "bad length");
			ret = cryo_read_payload(t, &rec);
			if (!ret)
				ret = cryo_check_trailer(t, records, bytes);
			if (!ret)
				ret = cryo_read_end(t);
			return ret;
		}
		if (rec.type != CRYO_REC_PAGES)
			return cryo_thaw_badrec(t, rec.type,
						"out of order among the pages");
		ret = cryo_fill_one(t, &rec, &hint, &last_end);
		if (ret)
			return ret;
		t->record++;
	}
}

void cryo_vmas_release(struct cryo_thawing *t)
{
	unsigned int i;

	for (i = 0; i < t->nr_vmas; i++) {
		if (t->vmas[i].file)
			fput(t->vmas[i].file);
		kfree(t->vmas[i].name);
	}
	kvfree(t->vmas);
}
