// SPDX-License-Identifier: GPL-2.0
/*
 * Pinning the target's pages for a PAGES record: the next run of
 * populated pages that has content of its own, found by walking the page
 * tables, and pinned with get_user_pages_remote() (a record's worth at a
 * time, so memory use does not grow with the target).
 */
#include "cryo.h"

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "freezing.h"
#include "image/record.h"

/* Which pages of @vma have content of their own to save. */
enum cryo_dump { CRYO_DUMP_NONE, CRYO_DUMP_ALL, CRYO_DUMP_ANON };
#include "mm/mm.h"

void cryo_pin_drop(struct cryo_image *img)
{
	while (img->pg.page_idx < img->pg.nr_pages)
		put_page(img->pg.pages[img->pg.page_idx++]);
	img->pg.nr_pages = 0;
	img->pg.page_idx = 0;
}

static enum cryo_dump cryo_vma_dump(struct cryo_image *img,
				    struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return CRYO_DUMP_NONE;
	if (!vma->vm_file)	/* [vdso], [vvar] and friends have a name */
		return vma->vm_ops && vma->vm_ops->name ? CRYO_DUMP_NONE :
							  CRYO_DUMP_ALL;
	/* A shared memory object's pages are its own (SHM_PAGES, shm.c). */
	if (vma->vm_flags & VM_SHARED)
		return cryo_vma_shared_anon(vma) && !cryo_shm_id(img, vma) ?
		       CRYO_DUMP_ALL : CRYO_DUMP_NONE;
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
 * Pin the next run of pages with content, at or after img->pg.cursor.
 * Returns the number pinned into img->pg.pages (0: no more), or -errno.
 */
long cryo_pin_run(struct cryo_image *img)
{
	const unsigned int gup = FOLL_FORCE | FOLL_DUMP;
	struct mm_struct *mm = img->m->mm;
	struct vm_area_struct *vma;
	long got, keep;

	mmap_assert_locked(mm);
	while ((vma = find_vma(mm, img->pg.cursor))) {
		enum cryo_dump dump = cryo_vma_dump(img, vma);
		unsigned long addr = max(img->pg.cursor, vma->vm_start);
		unsigned long nr;

		if (fatal_signal_pending(current))
			return -EINTR;
		if (dump == CRYO_DUMP_NONE) {
			img->pg.cursor = vma->vm_end;
			continue;
		}
		addr = cryo_next_populated(mm, addr, vma->vm_end);
		img->pg.cursor = addr;
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
				      img->pg.pages, NULL);
		if (got <= 0) {
			img->pg.cursor = addr + PAGE_SIZE;
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
				if (PageAnon(img->pg.pages[first]))
					break;
			if (first) {
				for (nr = 0; nr < got; nr++)
					put_page(img->pg.pages[nr]);
				img->pg.cursor = addr + first * PAGE_SIZE;
				continue;
			}
			for (keep = 0; keep < got; keep++)
				if (!PageAnon(img->pg.pages[keep]))
					break;
		}
		for (nr = keep; nr < got; nr++)
			put_page(img->pg.pages[nr]);
		if (!keep) {
			img->pg.cursor = addr + PAGE_SIZE;
			continue;
		}
		img->pg.cursor = addr;
		return keep;
	}
	return 0;
}

/* Room for the pages of one PAGES record. */
int cryo_pin_init(struct cryo_image *img)
{
	img->pg.pages = kcalloc(CRYO_PAGES_PER_REC, sizeof(*img->pg.pages),
				GFP_KERNEL_ACCOUNT);
	return img->pg.pages ? 0 : -ENOMEM;
}

/* The freeze is over: nothing pinned is left, the room goes too. */
void cryo_pin_release(struct cryo_image *img)
{
	cryo_pin_drop(img);
	kfree(img->pg.pages);
	img->pg.pages = NULL;
}
