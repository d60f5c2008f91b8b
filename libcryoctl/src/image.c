// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The image reader: a record stream, checked record by record, read
 * without seeking so that it works on a pipe.
 *
 * What is checked, in this order, for every record:
 *
 *  1. its &struct cryo_rec is complete, and @len <= CRYO_REC_MAX_LEN;
 *  2. the payload is complete;
 *  3. the checksum (cryoctl_record_crc());
 *  4. the reserved word is zero, the type is known (or the image is newer
 *     than us), the payload is as long as its structure says;
 *  5. its place: HEADER first and once, PROCESS at most once, then
 *     THREAD, VMA, PAGES in that order; VMAs ascending and disjoint,
 *     page-aligned; PAGES ascending, each run inside one VMA that is not
 *     a [vdso], [vvar] or [vsyscall]; at most
 *     nr_threads THREAD records, each with the header's fpu_size;
 *  6. for the TRAILER: exactly nr_threads THREAD records were seen, its
 *     counts match, and nothing follows it.
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
#include <linux/audit.h>

#include <linux/cryo.h>

#include "cryoctl.h"
#include "internal.h"

struct vma_span {
	uint64_t start;
	uint64_t end;
	uint32_t kind;
};

/* Where a record type may appear: ranks never go down along the stream. */
enum {
	RANK_HEADER,
	RANK_PROCESS,
	RANK_THREAD,
	RANK_VMA,
	RANK_PAGES,
};

enum image_state {
	IMAGE_OPEN,		/* more records to come */
	IMAGE_DONE,		/* trailer verified, EOF seen */
	IMAGE_FAILED,		/* @err says why */
};

struct cryoctl_image {
	int fd;
	enum image_state state;
	int err;

	/* The record being handed out; @buf grows to the largest record. */
	unsigned char *buf;
	size_t buf_size;
	struct cryo_rec rec;		/* host byte order */
	uint64_t rec_offset;
	bool header_pending;		/* next() still owes the HEADER */

	struct cryo_image_header hdr;	/* as stored */
	bool have_header;
	unsigned int minor;		/* host byte order copies */
	uint32_t page_size;
	uint32_t nr_threads;
	uint32_t fpu_size;

	/* Counts of what has been read, for the trailer. */
	uint64_t offset;		/* bytes consumed */
	uint64_t index;			/* records consumed */
	uint64_t nr_pages;
	uint64_t threads_seen;
	int rank;
	bool have_process;

	/* VMA bounds, for the PAGES placement check. */
	struct vma_span *vmas;
	size_t nr_vmas;
	size_t vmas_size;
	size_t vma_cursor;
	uint64_t pages_end;

	struct cryo_image_trailer trailer;	/* as stored */

	uint64_t err_index;
	uint64_t err_offset;
	char errmsg[256];
};

static const char *const type_names[] = {
	[CRYO_REC_HEADER]	= "HEADER",
	[CRYO_REC_PROCESS]	= "PROCESS",
	[CRYO_REC_THREAD]	= "THREAD",
	[CRYO_REC_VMA]		= "VMA",
	[CRYO_REC_PAGES]	= "PAGES",
};

static const char *type_name(uint32_t type, char *tmp, size_t size)
{
	if (type == CRYO_REC_TRAILER)
		return "TRAILER";
	if (type < ARRAY_SIZE(type_names) && type_names[type])
		return type_names[type];
	snprintf(tmp, size, "type 0x%x", type);
	return tmp;
}

/*
 * Fail the reader: remember the error and describe it.  The message is
 * "record N (TYPE) at byte X: what", or "at byte X: what" when no record
 * header was read (@with_type false).
 */
static int __attribute__((format(printf, 4, 5)))
fail(struct cryoctl_image *img, int err, bool with_type, const char *fmt, ...)
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
			     type_name(img->rec.type, tmp, sizeof(tmp)),
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
	uint32_t crc;

	hdr.crc = 0;
	crc = cryoctl_crc32c(~0U, &hdr, sizeof(hdr));
	if (le32toh(hdr.len))
		crc = cryoctl_crc32c(crc, payload, le32toh(hdr.len));
	return ~crc;
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

/* strerror() for a -errno, without strerror()'s shared buffer. */
static const char *errstr(ssize_t err)
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
		return fail(img, -EIO, false, "read error: %s", errstr(n));
	if (n == 0)
		return 0;
	if ((size_t)n < sizeof(raw))
		return fail(img, -ENODATA, false,
			    "truncated: %zd of %zu header bytes", n, sizeof(raw));
	img->rec.type = le32toh(raw.type);
	img->rec.len = le32toh(raw.len);
	img->rec.crc = le32toh(raw.crc);
	img->rec.__reserved = le32toh(raw.__reserved);

	if (first && !is_header_start(&raw))
		return fail(img, -EPROTO, true,
			    "not a cryo image: the first record is not a HEADER");
	if (img->rec.len > CRYO_REC_MAX_LEN)
		return fail(img, -EPROTO, true,
			    "length %u exceeds the maximum %u%s", img->rec.len,
			    CRYO_REC_MAX_LEN, first ? " (not a cryo image?)" : "");

	ret = grow_buf(img, img->rec.len);
	if (ret)
		return fail(img, ret, true, "out of memory for %u bytes",
			    img->rec.len);
	n = cryoctl_read_full(img->fd, img->buf, img->rec.len);
	if (n < 0)
		return fail(img, -EIO, true, "read error: %s", errstr(n));
	if ((size_t)n < img->rec.len)
		return fail(img, -ENODATA, true,
			    "truncated: %zd of %u payload bytes", n, img->rec.len);
	img->offset += sizeof(raw) + img->rec.len;

	crc = cryoctl_record_crc(&raw, img->buf);
	if (crc != img->rec.crc) {
		if (first && (img->rec.len < sizeof(img->hdr.magic) ||
			      memcmp(img->buf, CRYO_IMAGE_MAGIC,
				     sizeof(img->hdr.magic))))
			return fail(img, -EPROTO, true,
				    "not a cryo image: bad magic");
		return fail(img, -EBADMSG, true,
			    "checksum mismatch (stored 0x%08x, computed 0x%08x)",
			    img->rec.crc, crc);
	}
	if (img->rec.__reserved)
		return fail(img, -EPROTO, true, "reserved word is 0x%x, not 0",
			    img->rec.__reserved);
	return 1;
}

/*
 * The payload must hold @need bytes; in an image not newer than us it
 * must hold exactly that, newer minors may append fields.
 */
static int check_len(struct cryoctl_image *img, uint64_t need)
{
	if (img->rec.len < need)
		return fail(img, -EPROTO, true,
			    "payload of %u bytes is shorter than the %llu it needs",
			    img->rec.len, (unsigned long long)need);
	if (img->minor <= CRYO_IMAGE_MINOR && img->rec.len != need)
		return fail(img, -EPROTO, true,
			    "payload of %u bytes, expected %llu", img->rec.len,
			    (unsigned long long)need);
	return 0;
}

static int check_rank(struct cryoctl_image *img, int rank)
{
	if (rank < img->rank)
		return fail(img, -EPROTO, true, "out of order");
	img->rank = rank;
	return 0;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static int check_header(struct cryoctl_image *img)
{
	const struct cryo_image_header *h = (const void *)img->buf;
	int ret;

	if (img->rec.len < sizeof(*h))
		return fail(img, -EPROTO, true,
			    "payload of %u bytes is shorter than the %zu it needs",
			    img->rec.len, sizeof(*h));
	if (memcmp(h->magic, CRYO_IMAGE_MAGIC, sizeof(h->magic)))
		return fail(img, -EPROTO, true, "not a cryo image: bad magic");
	if (le16toh(h->major) != CRYO_IMAGE_MAJOR)
		return fail(img, -EPROTO, true,
			    "image format %u.%u, this reader knows only %u.x",
			    le16toh(h->major), le16toh(h->minor),
			    CRYO_IMAGE_MAJOR);
	img->minor = le16toh(h->minor);
	ret = check_len(img, sizeof(*h));
	if (ret)
		return ret;
	if (le32toh(h->arch) != AUDIT_ARCH_X86_64)
		return fail(img, -EPROTO, true,
			    "architecture 0x%08x, only x86-64 (0x%08x) is known",
			    le32toh(h->arch), AUDIT_ARCH_X86_64);
	img->page_size = le32toh(h->page_size);
	if (!is_pow2(img->page_size) || img->page_size < 4096 ||
	    img->page_size > CRYO_REC_MAX_LEN - sizeof(struct cryo_image_pages))
		return fail(img, -EPROTO, true, "bad page size %u",
			    img->page_size);
	img->fpu_size = le32toh(h->fpu_size);
	if (img->fpu_size > CRYO_REC_MAX_LEN - sizeof(struct cryo_image_thread))
		return fail(img, -EPROTO, true, "bad FPU state size %u",
			    img->fpu_size);
	img->nr_threads = le32toh(h->nr_threads);
	memcpy(&img->hdr, h, sizeof(img->hdr));
	img->have_header = true;
	return 0;
}

static int check_process(struct cryoctl_image *img)
{
	int ret = check_rank(img, RANK_PROCESS);

	if (ret)
		return ret;
	if (img->have_process)
		return fail(img, -EPROTO, true, "a second PROCESS record");
	img->have_process = true;
	return check_len(img, sizeof(struct cryo_image_process));
}

static int check_thread(struct cryoctl_image *img)
{
	const struct cryo_image_thread *t = (const void *)img->buf;
	uint32_t fpu_size, fmt, restart;
	int ret;

	ret = check_rank(img, RANK_THREAD);
	if (ret)
		return ret;
	if (img->rec.len < sizeof(*t))
		return check_len(img, sizeof(*t));
	fpu_size = le32toh(t->fpu_size);
	if (fpu_size != img->fpu_size)
		return fail(img, -EPROTO, true,
			    "FPU state of %u bytes, the header says %u",
			    fpu_size, img->fpu_size);
	ret = check_len(img, sizeof(*t) + (uint64_t)fpu_size);
	if (ret)
		return ret;
	if (t->__reserved)
		return fail(img, -EPROTO, true, "reserved field is not 0");
	if (++img->threads_seen > img->nr_threads)
		return fail(img, -EPROTO, true,
			    "more THREAD records than the header's %u",
			    img->nr_threads);
	if (img->minor > CRYO_IMAGE_MINOR)
		return 0;
	fmt = le32toh(t->fpu_format);
	if (fmt != CRYO_FPU_FXSAVE && fmt != CRYO_FPU_XSAVE)
		return fail(img, -EPROTO, true, "unknown FPU format %u", fmt);
	restart = le32toh(t->restart);
	if (restart > CRYO_RESTART_BLOCK)
		return fail(img, -EPROTO, true, "unknown restart state %u",
			    restart);
	return 0;
}

static int add_vma(struct cryoctl_image *img, uint64_t start, uint64_t end,
		   uint32_t kind)
{
	struct vma_span *p;
	size_t size;

	if (img->nr_vmas == img->vmas_size) {
		size = img->vmas_size ? img->vmas_size * 2 : 64;
		p = realloc(img->vmas, size * sizeof(*p));
		if (!p)
			return fail(img, -ENOMEM, true, "out of memory");
		img->vmas = p;
		img->vmas_size = size;
	}
	img->vmas[img->nr_vmas].start = start;
	img->vmas[img->nr_vmas].end = end;
	img->vmas[img->nr_vmas].kind = kind;
	img->nr_vmas++;
	return 0;
}

#define VMA_KNOWN_FLAGS	(((uint32_t)CRYO_VMA_MAYSHARE << 1) - 1)

static int check_vma(struct cryoctl_image *img)
{
	const struct cryo_image_vma *v = (const void *)img->buf;
	uint64_t start, end, mask = img->page_size - 1;
	uint32_t kind, flags;
	int ret;

	ret = check_rank(img, RANK_VMA);
	if (ret)
		return ret;
	if (img->rec.len < sizeof(*v))
		return check_len(img, sizeof(*v));
	ret = check_len(img, sizeof(*v) + (uint64_t)le32toh(v->name_len));
	if (ret)
		return ret;
	start = le64toh(v->start);
	end = le64toh(v->end);
	if (start >= end || (start & mask) || (end & mask))
		return fail(img, -EPROTO, true,
			    "bad bounds 0x%llx-0x%llx", (unsigned long long)start,
			    (unsigned long long)end);
	if (img->nr_vmas && start < img->vmas[img->nr_vmas - 1].end)
		return fail(img, -EPROTO, true,
			    "0x%llx-0x%llx overlaps or precedes the previous VMA",
			    (unsigned long long)start, (unsigned long long)end);
	if (v->__reserved)
		return fail(img, -EPROTO, true, "reserved field is not 0");
	kind = le32toh(v->kind);
	flags = le32toh(v->flags);
	if (img->minor <= CRYO_IMAGE_MINOR &&
	    (kind > CRYO_VMA_SPECIAL || (flags & ~VMA_KNOWN_FLAGS)))
		return fail(img, -EPROTO, true,
			    "unknown kind %u or flags 0x%x", kind, flags);
	return add_vma(img, start, end, kind);
}

static int check_pages(struct cryoctl_image *img)
{
	const struct cryo_image_pages *p = (const void *)img->buf;
	uint64_t addr, nr, end, room;
	const struct vma_span *v;
	int ret;

	ret = check_rank(img, RANK_PAGES);
	if (ret)
		return ret;
	if (img->rec.len < sizeof(*p))
		return check_len(img, sizeof(*p));
	addr = le64toh(p->addr);
	nr = le64toh(p->nr_pages);
	room = (img->rec.len - sizeof(*p)) / img->page_size;
	if (!nr || nr > room)
		return fail(img, -EPROTO, true,
			    "%llu pages do not fit in %u bytes",
			    (unsigned long long)nr, img->rec.len);
	ret = check_len(img, sizeof(*p) + nr * img->page_size);
	if (ret)
		return ret;
	end = addr + nr * img->page_size;
	if ((addr & (img->page_size - 1)) || end < addr)
		return fail(img, -EPROTO, true, "bad address 0x%llx",
			    (unsigned long long)addr);
	if (addr < img->pages_end)
		return fail(img, -EPROTO, true,
			    "pages at 0x%llx overlap or precede the previous PAGES",
			    (unsigned long long)addr);
	while (img->vma_cursor < img->nr_vmas &&
	       img->vmas[img->vma_cursor].end <= addr)
		img->vma_cursor++;
	v = img->vma_cursor < img->nr_vmas ? &img->vmas[img->vma_cursor] : NULL;
	if (!v || addr < v->start || end > v->end)
		return fail(img, -EPROTO, true,
			    "pages 0x%llx-0x%llx are not inside one VMA",
			    (unsigned long long)addr, (unsigned long long)end);
	if (v->kind == CRYO_VMA_VDSO || v->kind == CRYO_VMA_VVAR ||
	    v->kind == CRYO_VMA_VSYSCALL)
		return fail(img, -EPROTO, true,
			    "pages 0x%llx-0x%llx of a [vdso], [vvar] or [vsyscall], which are never saved",
			    (unsigned long long)addr, (unsigned long long)end);
	img->pages_end = end;
	img->nr_pages += nr;
	return 0;
}

static int check_trailer(struct cryoctl_image *img)
{
	const struct cryo_image_trailer *t = (const void *)img->buf;
	unsigned char extra;
	ssize_t n;
	int ret;

	ret = check_len(img, sizeof(*t));
	if (ret)
		return ret;
	if (img->threads_seen != img->nr_threads)
		return fail(img, -EPROTO, true,
			    "the header announces %u threads, the image holds %llu",
			    img->nr_threads,
			    (unsigned long long)img->threads_seen);
	if (le64toh(t->nr_records) != img->index)
		return fail(img, -EBADMSG, true,
			    "trailer counts %llu records, %llu were read",
			    (unsigned long long)le64toh(t->nr_records),
			    (unsigned long long)img->index);
	if (le64toh(t->nr_pages) != img->nr_pages)
		return fail(img, -EBADMSG, true,
			    "trailer counts %llu pages, %llu were read",
			    (unsigned long long)le64toh(t->nr_pages),
			    (unsigned long long)img->nr_pages);
	if (le64toh(t->bytes) != img->rec_offset)
		return fail(img, -EBADMSG, true,
			    "trailer counts %llu bytes, %llu were read",
			    (unsigned long long)le64toh(t->bytes),
			    (unsigned long long)img->rec_offset);
	memcpy(&img->trailer, t, sizeof(*t));

	img->index++;
	img->rec_offset = img->offset;
	n = cryoctl_read_full(img->fd, &extra, 1);
	if (n < 0)
		return fail(img, -EIO, false, "read error after the trailer: %s",
			    errstr(n));
	if (n)
		return fail(img, -EOVERFLOW, false,
			    "data follows the trailer");
	img->state = IMAGE_DONE;
	return 0;
}

/* Steps 4-6 for a record read by read_record(). */
static int check_record(struct cryoctl_image *img)
{
	switch (img->rec.type) {
	case CRYO_REC_HEADER:
		if (img->index)
			return fail(img, -EPROTO, true, "a second HEADER");
		return check_header(img);
	case CRYO_REC_PROCESS:
		return check_process(img);
	case CRYO_REC_THREAD:
		return check_thread(img);
	case CRYO_REC_VMA:
		return check_vma(img);
	case CRYO_REC_PAGES:
		return check_pages(img);
	case CRYO_REC_TRAILER:
		return check_trailer(img);
	default:
		if (img->minor > CRYO_IMAGE_MINOR)
			return 0;
		return fail(img, -EPROTO, true,
			    "unknown record type in a format %u.%u image",
			    CRYO_IMAGE_MAJOR, img->minor);
	}
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
	*imgp = img;

	ret = read_record(img);
	if (ret < 0)
		return ret;
	if (!ret)
		return fail(img, -ENODATA, false, "not a cryo image: empty");
	ret = check_record(img);
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
		return fail(img, -ENODATA, false,
			    "truncated: the stream ends after %llu records, without a trailer",
			    (unsigned long long)img->index);
	ret = check_record(img);
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
	free(img->vmas);
	free(img->buf);
	free(img);
}
