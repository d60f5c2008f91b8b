// SPDX-License-Identifier: GPL-2.0
/*
 * The target's address space in the image: one VMA record per mapping,
 * as /proc/PID/maps shows it, and PAGES records for the pages that have
 * content of their own.
 *
 * Page contents are never copied inside the kernel: a PAGES record pins
 * up to CRYO_PAGES_PER_REC pages with get_user_pages_remote() and read()
 * copies them straight into the reader's buffer.  The target's mmap lock
 * is held only while a record is built, never while copying out.  (The
 * exception is asked for: CRYO_FREEZE_SNAPSHOT, see snapshot.c.)
 */
#include "cryo.h"

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <asm/pgtable.h>

#include "csum.h"
#include "image.h"

static u32 cryo_vma_flags(struct vm_area_struct *vma)
{
	unsigned long f = vma->vm_flags;
	u32 r = 0;

	r |= f & VM_READ ? CRYO_VMA_READ : 0;
	r |= f & VM_WRITE ? CRYO_VMA_WRITE : 0;
	r |= f & VM_EXEC ? CRYO_VMA_EXEC : 0;
	r |= f & VM_SHARED ? CRYO_VMA_SHARED : 0;
	r |= f & VM_MAYSHARE ? CRYO_VMA_MAYSHARE : 0;
	r |= f & VM_GROWSDOWN ? CRYO_VMA_GROWSDOWN : 0;
	r |= f & VM_LOCKED ? CRYO_VMA_LOCKED : 0;
	r |= f & VM_DONTDUMP ? CRYO_VMA_DONTDUMP : 0;
	r |= f & VM_HUGEPAGE ? CRYO_VMA_HUGEPAGE : 0;
	r |= f & VM_NOHUGEPAGE ? CRYO_VMA_NOHUGEPAGE : 0;
	r |= f & VM_DONTCOPY ? CRYO_VMA_DONTFORK : 0;
	r |= f & VM_WIPEONFORK ? CRYO_VMA_WIPEONFORK : 0;
	return r;
}

/* MAP_SHARED|MAP_ANONYMOUS: shmem_zero_setup()'s unlinked "dev/zero". */
static bool cryo_vma_shared_anon(struct vm_area_struct *vma)
{
	struct file *f = vma->vm_file;

	return f && vma->vm_flags & VM_SHARED && !file_inode(f)->i_nlink &&
	       !strcmp(f->f_path.dentry->d_name.name, "dev/zero");
}

/* Kind and name as /proc/PID/maps shows them; the name goes to @buf. */
static u32 cryo_vma_kind(struct cryo_image *img, struct vm_area_struct *vma,
			 char *buf, size_t size, const char **name)
{
	struct mm_struct *mm = img->mm;

	*name = NULL;
	if (vma->vm_file) {
		*name = d_path(&vma->vm_file->f_path, buf, size);
		if (IS_ERR(*name))
			*name = NULL;
		if (cryo_vma_shared_anon(vma))
			return CRYO_VMA_ANON;
		return CRYO_VMA_FILE;
	}
	if (vma->vm_ops && vma->vm_ops->name) {
		*name = vma->vm_ops->name(vma);
		if (*name && !strcmp(*name, "[vdso]"))
			return CRYO_VMA_VDSO;
		if (*name && !strcmp(*name, "[vvar]"))
			return CRYO_VMA_VVAR;
		return CRYO_VMA_SPECIAL;
	}
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk) {
		*name = "[heap]";
		return CRYO_VMA_HEAP;
	}
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack) {
		*name = "[stack]";
		return CRYO_VMA_STACK;
	}
	return CRYO_VMA_ANON;
}

/* Emit the VMA at or after img->cursor; false past the last one. */
int cryo_emit_vma(struct cryo_image *img)
{
	const size_t room = CRYO_STAGE_SIZE - sizeof(struct cryo_rec) -
			    sizeof(struct cryo_image_vma);
	struct cryo_image_vma *v;
	struct vm_area_struct *vma;
	const char *name;
	char *path;
	size_t len;
	u32 kind;
	int ret;

	path = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	ret = mmap_read_lock_killable(img->mm);
	if (ret)
		goto out_free;
	vma = find_vma(img->mm, img->cursor);
	if (!vma) {
		ret = 0;
		goto out_unlock;
	}
	kind = cryo_vma_kind(img, vma, path, PATH_MAX, &name);
	len = name ? min(strlen(name), room) : 0;
	v = cryo_rec_start(img, CRYO_REC_VMA, sizeof(*v) + len);
	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->flags = cryo_vma_flags(vma);
	v->kind = kind;
	if (vma->vm_file) {
		struct inode *inode = file_inode(vma->vm_file);
		struct timespec64 mt = cryo_inode_mtime(inode);

		v->pgoff = (u64)vma->vm_pgoff << PAGE_SHIFT;
		v->dev = new_encode_dev(inode->i_sb->s_dev);
		v->ino = inode->i_ino;
		v->file_size = i_size_read(inode);
		v->mtime_ns = timespec64_to_ns(&mt);
	}
	v->name_len = len;
	memcpy(v + 1, name, len);
	cryo_rec_finish(img);
	img->cursor = vma->vm_end;
	ret = 1;
out_unlock:
	mmap_read_unlock(img->mm);
out_free:
	kfree(path);
	return ret;
}

/* Which pages of @vma have content of their own to save. */
enum cryo_dump { CRYO_DUMP_NONE, CRYO_DUMP_ALL, CRYO_DUMP_ANON };

static enum cryo_dump cryo_vma_dump(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return CRYO_DUMP_NONE;
	if (!vma->vm_file)	/* [vdso], [vvar] and friends have a name */
		return vma->vm_ops && vma->vm_ops->name ? CRYO_DUMP_NONE :
							  CRYO_DUMP_ALL;
	if (vma->vm_flags & VM_SHARED)
		return cryo_vma_shared_anon(vma) ? CRYO_DUMP_ALL : CRYO_DUMP_NONE;
	/* Private file mapping: only its copy-on-write copies. */
	return vma->anon_vma ? CRYO_DUMP_ANON : CRYO_DUMP_NONE;
}

/*
 * The first PTE in [addr, end) (within one page table) that is not
 * empty.  Only a hint for get_user_pages, which takes the page safely.
 * Called under rcu_read_lock(), with @pmdv read under it too.
 */
static unsigned long cryo_next_pte(pmd_t *pmdv, unsigned long addr,
				   unsigned long end)
{
	pte_t *pte = pte_offset_kernel(pmdv, addr);

	for (; addr < end; addr += PAGE_SIZE, pte++)
		if (!pte_none(ptep_get(pte)))
			break;
	return addr;
}

/*
 * The first address in [addr, end) that may hold a page: empty page
 * tables and empty PTEs are skipped here, one memory read each, instead
 * of a get_user_pages call per hole page (a sparse 1 GiB mapping has a
 * quarter million of them).
 *
 * Called with the mmap lock held for reading, within one VMA, every
 * thread of the target parked and no process outside it sharing the mm
 * (refuse.c).  What may free a page table under us then:
 *  - munmap(), mremap(), exit: only tables of ranges no longer in a VMA
 *    (free_pgtables() keeps those a live VMA still uses), or under the
 *    mmap lock held for writing;
 *  - khugepaged and MADV_COLLAPSE: an anonymous collapse takes the mmap
 *    lock for writing; a file or shmem one retracts a PTE table under the
 *    lock held for reading only, since 6.5, clearing the PMD and freeing
 *    the table after an RCU grace period (pte_free_defer()).
 * So the PGD, P4D, PUD and PMD tables stay, and a PTE table stays for as
 * long as RCU is held from the read of the PMD entry that points to it to
 * the last read of the table: both are inside one rcu_read_lock().  The
 * entries are read once each (whole 64-bit words on x86-64) and the walk
 * goes on from the copies; an entry that is not a plain table pointer
 * (huge, migrating, bad) is left to get_user_pages.
 */
static unsigned long cryo_next_populated(struct mm_struct *mm,
					 unsigned long addr, unsigned long end)
{
	while (addr < end) {
		pgd_t *pgd = pgd_offset(mm, addr);
		p4d_t *p4d;
		pud_t *pud, pudv;
		pmd_t *pmd, pmdv;
		unsigned long next;

		if (pgd_none(READ_ONCE(*pgd))) {
			addr = pgd_addr_end(addr, end);
			continue;
		}
		p4d = p4d_offset(pgd, addr);
		if (p4d_none(READ_ONCE(*p4d))) {
			addr = p4d_addr_end(addr, end);
			continue;
		}
		pud = pud_offset(p4d, addr);
		pudv = READ_ONCE(*pud);
		if (pud_none(pudv)) {
			addr = pud_addr_end(addr, end);
			continue;
		}
		/* A huge page, or a migration entry: let gup sort it out. */
		if (!pud_present(pudv) || pud_val(pudv) & _PAGE_PSE ||
		    pud_bad(pudv))
			return addr;
		next = pmd_addr_end(addr, end);
		rcu_read_lock();
		pmd = pmd_offset(&pudv, addr);
		pmdv = READ_ONCE(*pmd);
		if (pmd_none(pmdv)) {
			rcu_read_unlock();
			addr = next;
			continue;
		}
		/* A huge page, a migration entry, or garbage: gup again. */
		if (!pmd_present(pmdv) || pmd_val(pmdv) & _PAGE_PSE ||
		    pmd_bad(pmdv)) {
			rcu_read_unlock();
			return addr;
		}
		addr = cryo_next_pte(&pmdv, addr, next);
		rcu_read_unlock();
		if (addr < next)
			return addr;
	}
	return end;
}

/*
 * Pin the next run of pages with content, at or after img->cursor.
 * Returns the number pinned into img->pages (0: no more), or -errno.
 * Called with the target's mmap lock held for reading.
 */
long cryo_pin_run(struct cryo_image *img)
{
	const unsigned int gup = FOLL_FORCE | FOLL_DUMP;
	struct mm_struct *mm = img->mm;
	struct vm_area_struct *vma;
	long got, keep;

	while ((vma = find_vma(mm, img->cursor))) {
		enum cryo_dump dump = cryo_vma_dump(vma);
		unsigned long addr = max(img->cursor, vma->vm_start);
		unsigned long nr;

		if (fatal_signal_pending(current))
			return -EINTR;
		if (dump == CRYO_DUMP_NONE) {
			img->cursor = vma->vm_end;
			continue;
		}
		addr = cryo_next_populated(mm, addr, vma->vm_end);
		img->cursor = addr;
		if (addr >= vma->vm_end)
			continue;
		nr = min_t(unsigned long, CRYO_PAGES_PER_REC,
			   (vma->vm_end - addr) >> PAGE_SHIFT);
		/*
		 * In anonymous memory FOLL_DUMP stops at a hole (or the zero
		 * page) without faulting, and swaps a swapped-out page back
		 * in.  In file mappings a fault would read the file in, so
		 * only present pages are taken there (a swapped-out
		 * copy-on-write page of a file mapping is missed: see
		 * Documentation/image-format.rst).
		 */
		got = cryo_gup_remote(mm, addr, nr,
				      vma->vm_file ? gup | FOLL_NOFAULT : gup,
				      img->pages, NULL);
		if (got <= 0) {
			img->cursor = addr + PAGE_SIZE;
			continue;
		}
		keep = got;
		if (dump == CRYO_DUMP_ANON) {
			long first;

			/*
			 * Only copy-on-write copies count.  If the run does
			 * not start with one, drop it and start again at the
			 * first (or past the run).
			 */
			for (first = 0; first < got; first++)
				if (PageAnon(img->pages[first]))
					break;
			if (first) {
				for (nr = 0; nr < got; nr++)
					put_page(img->pages[nr]);
				img->cursor = addr + first * PAGE_SIZE;
				continue;
			}
			for (keep = 0; keep < got; keep++)
				if (!PageAnon(img->pages[keep]))
					break;
		}
		for (nr = keep; nr < got; nr++)
			put_page(img->pages[nr]);
		if (!keep) {
			img->cursor = addr + PAGE_SIZE;
			continue;
		}
		img->cursor = addr;
		return keep;
	}
	return 0;
}

int cryo_emit_pages(struct cryo_image *img)
{
	struct cryo_image_pages *p;
	unsigned long addr;
	unsigned int i;
	long nr;
	struct xxh64_state st;
	int ret;

	if (img->snapped) {
		nr = cryo_snapshot_next(img, &addr);
	} else {
		ret = mmap_read_lock_killable(img->mm);
		if (ret)
			return ret;
		nr = cryo_pin_run(img);
		mmap_read_unlock(img->mm);
		addr = img->cursor;
	}
	if (nr <= 0)
		return nr;

	/* Only the fixed part is staged; the pinned pages follow it. */
	p = cryo_rec_start_partial(img, CRYO_REC_PAGES,
				   sizeof(*p) + nr * PAGE_SIZE, sizeof(*p));
	p->addr = addr;
	p->nr_pages = nr;

	cryo_csum_start(&st, (struct cryo_rec *)img->stage);
	cryo_csum_add(&st, p, sizeof(*p));
	for (i = 0; i < nr; i++) {
		void *kaddr = kmap_local_page(img->pages[i]);

		cryo_csum_add(&st, kaddr, PAGE_SIZE);
		kunmap_local(kaddr);
	}
	((struct cryo_rec *)img->stage)->crc = cryo_csum_end(&st);
	img->nr_records++;
	img->bytes += img->stage_len + nr * PAGE_SIZE;
	img->nr_pages_total += nr;
	img->nr_pages = nr;
	img->page_idx = 0;
	img->page_off = 0;
	img->cursor = addr + nr * PAGE_SIZE;
	return 1;
}

