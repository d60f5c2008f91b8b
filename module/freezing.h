/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A freeze in progress: the state one freeze session keeps between
 * CRYO_IOC_FREEZE and the last close.  Data only; the code that fills
 * it is in the concern files (see Documentation/design.rst).
 */
#ifndef _CRYO_FREEZING_H
#define _CRYO_FREEZING_H

#include <linux/cryo.h>
#include <linux/cryo_image.h>
#include <linux/list.h>
#include <linux/mm_types.h>

#include "files/state.h"

struct cryo_park;
struct cryo_why;
struct cryo_snap;

enum cryo_phase {
	CRYO_PH_HEADER,
	CRYO_PH_PROCESS,
	CRYO_PH_GROUPS,
	CRYO_PH_AUXV,
	CRYO_PH_FS,
	CRYO_PH_SIGNALS,
	CRYO_PH_THREADS,
	CRYO_PH_FILES,
	CRYO_PH_VMAS,
	CRYO_PH_PAGES,
	CRYO_PH_TRAILER,
	CRYO_PH_DONE,
};

/**
 * struct cryo_image - a freeze in progress: the parked target and where
 * the read stream stands.  Owned by its session, under the session lock.
 * Its size does not depend on the target's memory: one staging buffer and
 * one record's worth of pinned pages (but for a snapshot, which the
 * caller asked for).
 */
struct cryo_image {
	struct list_head node;		/* in the registry, see freeze.c */
	struct task_struct *leader;	/* referenced */
	struct signal_struct *signal;	/* registry key, not referenced */
	struct mm_struct *mm;		/* mmget() */
	struct cryo_park *park;
	u32 flags;
	unsigned int nr_threads;	/* threads in the image */

	enum cryo_phase phase;
	unsigned int thread_idx;
	unsigned long cursor;		/* next address, VMA and PAGES phases */
	int error;			/* sticky: the stream is broken */
	bool eof;			/* the whole image has been read */
	bool committed;

	u8 *stage;			/* record bytes not yet read */
	size_t stage_len;
	size_t stage_pos;
	struct page **pages;		/* pinned page contents not yet read */
	struct cryo_snap *snap;		/* CRYO_FREEZE_SNAPSHOT's copies */
	bool snapped;			/* pages come from @snap, target resumed */
	bool splicing;			/* in splice(), under a pipe's mutex */
	unsigned int nr_pages;
	unsigned int page_idx;
	size_t page_off;

	struct cryo_files_save fdt;	/* the files section, files/ */

	u64 nr_records;
	u64 nr_pages_total;
	u64 bytes;
};

#endif /* _CRYO_FREEZING_H */
