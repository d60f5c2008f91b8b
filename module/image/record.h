/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The write side of the image: records built in a freeze's staging
 * buffer, framed and checksummed (record.c).
 */
#ifndef _CRYO_IMAGE_RECORD_H
#define _CRYO_IMAGE_RECORD_H

#include <linux/cryo_image.h>
#include <linux/minmax.h>
#include <linux/types.h>

struct cryo_image;

/* Pages pinned per PAGES record: 1 MiB, the longest record payload. */
#define CRYO_PAGES_PER_REC	256
/*
 * Staging buffer for every record but page contents: 64 KiB, or a TREE
 * record of the most members, whichever is larger.
 */
#define CRYO_STAGE_SIZE		max_t(size_t, 64 * 1024,		\
				      sizeof(struct cryo_rec) +		\
				      CRYO_IMAGE_MAX_PROCESSES *	\
				      sizeof(struct cryo_image_member))

int cryo_record_init(struct cryo_image *img);
void cryo_record_release(struct cryo_image *img);
void *cryo_record_start_partial(struct cryo_image *img, u32 type, u32 len,
				u32 staged);
void *cryo_record_start(struct cryo_image *img, u32 type, u32 len);
void cryo_record_finish(struct cryo_image *img);
void cryo_record_header(struct cryo_image *img, u32 fpu_size,
			u64 xfeatures);
void cryo_record_trailer(struct cryo_image *img);

#endif /* _CRYO_IMAGE_RECORD_H */
