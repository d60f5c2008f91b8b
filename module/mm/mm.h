/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address space: each file saves one kind of record at the freeze
 * and checks and restores it at the thaw (or a remap).
 *
 *   vma.c       VMA: the layout, the files behind it, reshaping the caller
 *   pages.c     PAGES: page contents out of the target and into place
 *   pin.c       pinning the target's populated pages, a record's worth
 *   snapshot.c  copies of the pages, for CRYO_FREEZE_SNAPSHOT
 *   stub.c      where the library may put its stub
 */
#ifndef _CRYO_MM_H
#define _CRYO_MM_H

#include <linux/cryo_image.h>
#include <linux/types.h>

/* Nothing is mapped this low (the usual vm.mmap_min_addr). */
#define CRYO_MIN_ADDR		(64UL << 10)

struct cryo_image;
struct cryo_why;
struct mm_struct;
struct vm_area_struct;
struct cryo_rec;
struct cryo_thawing;
struct file;

/* The kernel's own mappings: [vdso], [vvar] and the like. */
static inline bool cryo_vma_special(u32 kind)
{
	return kind == CRYO_VMA_VDSO || kind == CRYO_VMA_VVAR ||
	       kind == CRYO_VMA_SPECIAL;
}

/* vma.c */
int cryo_vma_check(struct cryo_image *img, struct cryo_why *why);
int cryo_vma_save(struct cryo_image *img);
struct file *cryo_vma_next_deleted(struct cryo_image *img,
				   unsigned long *cursor);
int cryo_vma_load_file(struct cryo_thawing *t, const struct cryo_rec *rec);
bool cryo_vma_shared_anon(struct vm_area_struct *vma);
int cryo_vma_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_vma_open_files(struct cryo_thawing *t);
int cryo_vma_open_shm(struct cryo_thawing *t);
int cryo_vma_restore(struct cryo_thawing *t, unsigned long keep_start,
		     unsigned long keep_len);
void cryo_vma_release(struct cryo_thawing *t);

/* A mapping of the caller, as cryo_vma_ranges() lists them. */
struct cryo_range {
	unsigned long start, end;
};

struct cryo_range *cryo_vma_ranges(struct mm_struct *mm, unsigned int extra,
				   unsigned int *nr);

/* pages.c */
void cryo_pages_stage(struct cryo_image *img, u32 type, const void *hdr,
		      size_t hdr_len, unsigned int nr);
int cryo_pages_save(struct cryo_image *img);
int cryo_pages_restore(struct cryo_thawing *t);

/* pin.c */
int cryo_pin_init(struct cryo_image *img);
long cryo_pin_run(struct cryo_image *img);
void cryo_pin_drop(struct cryo_image *img);
void cryo_pin_release(struct cryo_image *img);

/* shm.c */
struct cryo_thaw_tree;
struct cryo_thaw_shm;
struct cryo_thaw_vma;
struct cryo_shm_thaw;

bool cryo_shm_is_sysv(struct vm_area_struct *vma);
bool cryo_shm_is_memfd(struct file *f);
bool cryo_shm_memfd_unsaveable(struct file *f);
u32 cryo_shm_memfd_id(struct cryo_image *img, struct file *file);
bool cryo_shm_outside(struct cryo_image *img, struct vm_area_struct *vma);
bool cryo_shm_sysv_here(struct cryo_image *img, struct vm_area_struct *vma);
u32 cryo_shm_id(struct cryo_image *img, struct vm_area_struct *vma);
int cryo_shm_collect(struct cryo_image *img, struct cryo_why *why);
int cryo_shm_save(struct cryo_image *img);
int cryo_shm_pages_save(struct cryo_image *img);
void cryo_shm_release(struct cryo_image *img);
int cryo_shm_load_all(struct cryo_thawing *t);
int cryo_shm_give(struct cryo_thaw_tree *tree, struct cryo_thaw_shm *arg);
struct file *cryo_shm_file(struct cryo_thawing *t, struct cryo_thaw_vma *v,
			   bool need);
int cryo_shm_fill(struct cryo_thawing *t, struct cryo_rec *rec);
bool cryo_shm_memfd_check(struct cryo_thaw_tree *tree, u64 id);
struct file *cryo_shm_memfd_open(struct cryo_thawing *t, u64 id, int flags);
int cryo_shm_seal(struct cryo_thawing *t);
int cryo_shm_may_map(struct cryo_thawing *t, const struct cryo_thaw_vma *v);
void cryo_shm_thaw_release(struct cryo_shm_thaw *st);

/* snapshot.c */
int cryo_snapshot_start(struct cryo_image *img);
int cryo_snapshot_keep(struct cryo_image *img);
int cryo_snapshot_next(struct cryo_image *img);
void cryo_snapshot_free(struct cryo_image *img);

/* stub.c */
int cryo_stub_hint(struct cryo_thawing *t, u64 size, u64 *addr);
int cryo_stub_check(struct cryo_thawing *t, u64 start, u64 len);

#endif /* _CRYO_MM_H */
