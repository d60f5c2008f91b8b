/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the image's framing keeps: the records a freeze stages for its
 * reader (struct cryo_writer, in struct cryo_image) and the stream a thaw
 * reads (struct cryo_reader, in struct cryo_thawing).  Data only; the
 * code is in image/record.c and image/stream.c.
 */
#ifndef _CRYO_IMAGE_STATE_H
#define _CRYO_IMAGE_STATE_H

#include <linux/cryo_image.h>
#include <linux/types.h>

struct file;
struct page;

/* The records of a freeze, staged one at a time for the reader. */
struct cryo_writer {
	u8 *stage;			/* record bytes not yet read */
	size_t stage_len;
	size_t stage_pos;
	u64 nr_records;
	u64 bytes;
};

/* The image a thaw reads, front to back. */
struct cryo_reader {
	struct file *image;
	loff_t pos;
	u64 record;			/* index of the record being read */
	u64 bytes;			/* bytes consumed */
	u64 nr_pages;			/* pages in PAGES records */
	void *buf;			/* one record's payload */
	struct page **pages;		/* one PAGES record's pages, pinned */
	struct cryo_rec next;		/* the first PAGES record, read ahead */
	bool have_next;
};

#endif /* _CRYO_IMAGE_STATE_H */
