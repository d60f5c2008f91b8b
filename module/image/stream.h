/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The read side of the image: records read from the image file, their
 * framing and checksums checked (stream.c).
 */
#ifndef _CRYO_IMAGE_STREAM_H
#define _CRYO_IMAGE_STREAM_H

#include <linux/types.h>

struct cryo_reader;
struct cryo_rec;
struct cryo_thawing;

int cryo_stream_open(struct cryo_thawing *t, int fd);
int cryo_stream_init(struct cryo_thawing *t);
void cryo_stream_release(struct cryo_reader *in);
int cryo_stream_read(struct cryo_thawing *t, void *buf, size_t len);
int cryo_stream_hdr(struct cryo_thawing *t, struct cryo_rec *rec);
int cryo_stream_payload(struct cryo_thawing *t, struct cryo_rec *rec);
int cryo_stream_record(struct cryo_thawing *t, struct cryo_rec *rec);
int cryo_stream_to_user(struct cryo_thawing *t, unsigned long uaddr,
			size_t len);
int cryo_stream_grown(struct cryo_thawing *t, const struct cryo_rec *rec,
		      u16 minor, const size_t *sizes, unsigned int nr_sizes);
int cryo_stream_header(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_stream_trailer(struct cryo_thawing *t, u64 records, u64 bytes);
int cryo_stream_end(struct cryo_thawing *t);

#endif /* _CRYO_IMAGE_STREAM_H */
