/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the address-space part keeps: the pages a freeze streams (struct
 * cryo_pages_save, in struct cryo_image) and the layout a thaw or remap
 * builds (struct cryo_layout, in struct cryo_thawing).  Data only; the
 * code is in mm/.
 */
#ifndef _CRYO_MM_STATE_H
#define _CRYO_MM_STATE_H

#include <linux/cryo_image.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct cryo_snap;
struct file;
struct page;
struct user_namespace;

/* A shared memory object a freeze found (mm/shm.c). */
struct cryo_shm_obj {
	struct file *file;		/* a mapping's, referenced */
	struct cryo_image_shm rec;
	bool described;			/* a segment's attributes were found */
};

/* The shared memory objects of a freeze, and how far they were saved. */
struct cryo_shm_save {
	struct cryo_shm_obj *objs;	/* in the order of their owners */
	unsigned int nr;
	unsigned int max;
	unsigned int next;		/* SHM records staged */
	unsigned int obj;		/* SHM_PAGES: the object being saved */
	unsigned long pgoff;		/* its next page */
};

/* A shared memory object of a thaw, for every member that maps it. */
struct cryo_thaw_shm_obj {
	struct cryo_image_shm rec;
	struct file *file;		/* made, or given: referenced */
	struct file *ro_file;		/* a memfd's read-only open, or NULL */
	char *name;			/* a memfd's "memfd:NAME" */
	u64 next;			/* SHM_PAGES: the next page offset */
	/*
	 * A segment's permission as it was given (/proc/sysvipc/shm), which
	 * every member mapping it must pass (cryo_shm_may_map()).
	 */
	kuid_t uid, cuid;
	kgid_t gid, cgid;
	u32 mode;
	struct user_namespace *ipc_user_ns;	/* its IPC namespace's, referenced */
};

/* The shared memory objects of a thaw, in the tree (never reallocated
 * once CRYO_IOC_THAW has read them).
 */
struct cryo_shm_thaw {
	struct cryo_thaw_shm_obj *objs;
	unsigned int nr;
	unsigned int max;
};

/* One mapping of the image, and the file behind it once opened. */
struct cryo_thaw_vma {
	struct cryo_image_vma rec;
	char *name;			/* NUL-terminated path or name */
	struct file *file;		/* CRYO_VMA_FILE: opened, referenced */
	u32 file_id;			/* a deleted file's FILE (VMA_FILE) */
};

/* The VMA and PAGES sections of a freeze, as far as the reader read. */
struct cryo_pages_save {
	unsigned long cursor;		/* next address, VMA and PAGES phases */
	u32 vma_file_id;		/* a VMA_FILE to stage after its VMA */
	u64 vma_file_start;		/* ...and that VMA's start */
	struct page **pages;		/* pinned page contents not yet read */
	struct cryo_snap *snap;		/* CRYO_FREEZE_SNAPSHOT's records kept */
	bool snapped;			/* records come from @snap, tree resumed */
	unsigned int nr_pages;
	unsigned int page_idx;
	size_t page_off;
	u64 nr_pages_total;
};

/* The mappings of a thaw's image, checked and with their files open. */
struct cryo_layout {
	struct cryo_thaw_vma *vmas;
	unsigned int nr_vmas;
	unsigned int max_vmas;
	u64 special_start;		/* [vvar]...[vdso] block of the image */
	u64 special_end;
	u64 vdso_start;			/* the image's [vdso], 0 if none */
};

#endif /* _CRYO_MM_STATE_H */
