// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The image reader: a record stream, checked record by record, read
 * without seeking so that it works on a pipe.  This file reads the
 * records and checks steps 1-3 (image_check.c lists them all and checks
 * the others):
 *
 *  1. its &struct cryo_rec is complete, and @len <= CRYO_REC_MAX_LEN;
 *  2. the payload is complete;
 *  3. the checksum (cryoctl_record_crc()).
 *
 * The first record is told apart before its checksum: a stream whose
 * first record is not a HEADER carrying CRYO_IMAGE_MAGIC is "not a cryo
 * image" (-EPROTO), not a damaged one.
 *
 * Payloads are validated through little-endian accessors, so the checks
 * hold on any host; what is handed out is the payload as stored.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "internal.h"
#include "image.h"

const char *image_type_name(uint32_t type, char *tmp, size_t size)
{
	if (cryo_rec_name(type))
		return cryo_rec_name(type);
	snprintf(tmp, size, "type 0x%x", type);
	return tmp;
}

int __attribute__((format(printf, 4, 5)))
image_fail(struct cryoctl_image *img, int err, bool with_type, const char *fmt, ...)
{
	char tmp[24];
	va_list ap;
	int n;

	img->state = IMAGE_FAILED;
	img->err = err;
	img->err_index = img->index;
	img->err_offset = img->rec_offset;
	if (with_type)
		n = snprintf(img->errmsg, sizeof(img->errmsg),
			     "record %llu (%s) at byte %llu: ",
			     (unsigned long long)img->index,
			     image_type_name(img->rec.type, tmp, sizeof(tmp)),
			     (unsigned long long)img->rec_offset);
	else
		n = snprintf(img->errmsg, sizeof(img->errmsg),
			     "record %llu at byte %llu: ",
			     (unsigned long long)img->index,
			     (unsigned long long)img->rec_offset);
	if (n < 0 || (size_t)n >= sizeof(img->errmsg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(img->errmsg + n, sizeof(img->errmsg) - n, fmt, ap);
	va_end(ap);
	return err;
}

CRYOCTL_EXPORT uint32_t cryoctl_record_crc(const struct cryo_rec *rec,
					   const void *payload)
{
	struct cryo_rec hdr = *rec;
	struct cryo_xxh64 s;

	hdr.crc = 0;
	cryo_xxh64_init(&s, 0);
	cryo_xxh64_update(&s, &hdr, sizeof(hdr));
	if (le32toh(hdr.len))
		cryo_xxh64_update(&s, payload, le32toh(hdr.len));
	return (uint32_t)cryo_xxh64_final(&s);
}

static int grow_buf(struct cryoctl_image *img, size_t len)
{
	unsigned char *p;
	size_t size;

	if (len <= img->buf_size)
		return 0;
	size = (len + 4095) & ~(size_t)4095;
	p = realloc(img->buf, size);
	if (!p)
		return -ENOMEM;
	img->buf = p;
	img->buf_size = size;
	return 0;
}

const char *image_errstr(ssize_t err)
{
	const char *s = strerrordesc_np(-err);

	return s ? s : "unknown error";
}

static bool is_header_start(const struct cryo_rec *raw)
{
	return le32toh(raw->type) == CRYO_REC_HEADER;
}

/*
 * Read one record into img->rec and img->buf and check steps 1-3.
 * Return: 1 read, 0 clean EOF at a record boundary, or an error.
 */
static int read_record(struct cryoctl_image *img)
{
	const bool first = img->index == 0;
	struct cryo_rec raw;
	uint32_t crc;
	ssize_t n;
	int ret;

	img->rec_offset = img->offset;
	memset(&img->rec, 0, sizeof(img->rec));

	n = cryoctl_read_full(img->fd, &raw, sizeof(raw));
	if (n < 0)
		return image_fail(img, -EIO, false, "read error: %s", image_errstr(n));
	if (n == 0)
		return 0;
	if ((size_t)n < sizeof(raw))
		return image_fail(img, -ENODATA, false,
				  "truncated: %zd of %zu header bytes", n, sizeof(raw));
	img->rec.type = le32toh(raw.type);
	img->rec.len = le32toh(raw.len);
	img->rec.crc = le32toh(raw.crc);
	img->rec.__reserved = le32toh(raw.__reserved);

	if (first && !is_header_start(&raw))
		return image_fail(img, -EPROTO, true,
				  "not a cryo image: the first record is not a HEADER");
	if (img->rec.len > CRYO_REC_MAX_LEN)
		return image_fail(img, -EPROTO, true,
				  "length %u exceeds the maximum %u%s", img->rec.len,
				  CRYO_REC_MAX_LEN, first ? " (not a cryo image?)" : "");

	ret = grow_buf(img, img->rec.len);
	if (ret)
		return image_fail(img, ret, true, "out of memory for %u bytes",
				  img->rec.len);
	n = cryoctl_read_full(img->fd, img->buf, img->rec.len);
	if (n < 0)
		return image_fail(img, -EIO, true, "read error: %s", image_errstr(n));
	if ((size_t)n < img->rec.len)
		return image_fail(img, -ENODATA, true,
				  "truncated: %zd of %u payload bytes", n, img->rec.len);
	img->offset += sizeof(raw) + img->rec.len;

	crc = cryoctl_record_crc(&raw, img->buf);
	if (crc != img->rec.crc) {
		if (first && (img->rec.len < sizeof(img->hdr.magic) ||
			      memcmp(img->buf, CRYO_IMAGE_MAGIC,
				     sizeof(img->hdr.magic))))
			return image_fail(img, -EPROTO, true,
					  "not a cryo image: bad magic");
		/* Another major may checksum differently: name it. */
		if (first && img->rec.len >= offsetof(struct cryo_image_header, arch)) {
			const struct cryo_image_header *h = (const void *)img->buf;

			if (le16toh(h->major) != CRYO_IMAGE_MAJOR)
				return image_fail(img, -EPROTO, true,
						  "image format %u.%u, this reader knows only %u.x",
						  le16toh(h->major), le16toh(h->minor),
						  CRYO_IMAGE_MAJOR);
		}
		return image_fail(img, -EBADMSG, true,
				  "checksum mismatch (stored 0x%08x, computed 0x%08x)",
				  img->rec.crc, crc);
	}
	if (img->rec.__reserved)
		return image_fail(img, -EPROTO, true, "reserved word is 0x%x, not 0",
				  img->rec.__reserved);
	return 1;
}

static void fill(struct cryoctl_image *img, struct cryoctl_record *rec)
{
	rec->type = img->rec.type;
	rec->len = img->rec.len;
	rec->payload = img->buf;
	rec->index = img->index;
	rec->offset = img->rec_offset;
}

CRYOCTL_EXPORT int cryoctl_image_open(int fd, struct cryoctl_image **imgp)
{
	struct cryoctl_image *img;
	int ret;

	if (!imgp)
		return -EINVAL;
	*imgp = NULL;
	img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	img->fd = fd;
	img->state = IMAGE_OPEN;
	img->last_fd = -1;
	img->section = -1;
	*imgp = img;

	ret = read_record(img);
	if (ret < 0)
		return ret;
	if (!ret)
		return image_fail(img, -ENODATA, false, "not a cryo image: empty");
	ret = image_check_record(img);
	if (ret)
		return ret;
	img->header_pending = true;
	return 0;
}

CRYOCTL_EXPORT int cryoctl_image_next(struct cryoctl_image *img,
				      struct cryoctl_record *rec)
{
	int ret;

	if (!img || !rec)
		return -EINVAL;
	if (img->state == IMAGE_FAILED)
		return img->err;
	if (img->state == IMAGE_DONE)
		return 0;

	if (img->header_pending) {
		img->header_pending = false;
		fill(img, rec);
		img->index++;
		return 1;
	}

	ret = read_record(img);
	if (ret < 0)
		return ret;
	if (!ret)
		return image_fail(img, -ENODATA, false,
				  "truncated: the stream ends after %llu records, without a trailer",
				  (unsigned long long)img->index);
	ret = image_check_record(img);
	if (ret)
		return ret;
	if (img->state == IMAGE_DONE)
		return 0;
	fill(img, rec);
	img->index++;
	return 1;
}

CRYOCTL_EXPORT const struct cryo_image_header *
cryoctl_image_header(const struct cryoctl_image *img)
{
	return img && img->have_header ? &img->hdr : NULL;
}

CRYOCTL_EXPORT const struct cryo_image_trailer *
cryoctl_image_trailer(const struct cryoctl_image *img)
{
	return img && img->state == IMAGE_DONE ? &img->trailer : NULL;
}

CRYOCTL_EXPORT const char *cryoctl_image_error(const struct cryoctl_image *img,
					       uint64_t *index, uint64_t *offset)
{
	if (!img || img->state != IMAGE_FAILED)
		return NULL;
	if (index)
		*index = img->err_index;
	if (offset)
		*offset = img->err_offset;
	return img->errmsg;
}

CRYOCTL_EXPORT void cryoctl_image_close(struct cryoctl_image *img)
{
	if (!img)
		return;
	free(img->tree);
	free(img->fs_sums);
	free(img->vmas);
	free(img->sec_files);
	free(img->sec_fdnums);
	free(img->epolls);
	free(img->shms);
	free(img->buf);
	free(img);
}
