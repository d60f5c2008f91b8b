// SPDX-License-Identifier: GPL-2.0
/*
 * Reading an image for a thaw: record framing and the checks of every
 * record before the first PAGES record.
 *
 * The image is untrusted.  Every record is read whole into one buffer of
 * CRYO_REC_MAX_LEN bytes, its checksum verified, its length checked
 * against its type before any field is looked at, and every field checked
 * before it is stored.  Nothing here changes the caller: files are opened
 * (files/, mm/vma.c) but not installed.
 */
#include "cryo.h"

#include <linux/auxvec.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/sched/coredump.h>
#include <linux/securebits.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/utsname.h>
#include <uapi/linux/audit.h>

#include "session.h"
#include "thawing.h"
#include "image/csum.h"
#include "image/stream.h"
#include "image/boot.h"

int cryo_stream_read(struct cryo_thawing *t, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = kernel_read(t->in->image, buf + done, len - done,
					&t->in->pos);

		if (n == -ERESTARTSYS || n == -EINTR)
			return cryo_thaw_fail(t, -EINTR, "interrupted");
		if (n < 0)
			return cryo_thaw_fail(t, n, "record %llu: read error",
					      t->in->record);
		if (n == 0)
			return cryo_thaw_fail(t, -ENODATA,
					      "record %llu: the image ends early (truncated after %llu bytes)",
					      t->in->record, t->in->bytes + done);
		done += n;
	}
	t->in->bytes += len;
	return 0;
}

/*
 * Nothing may follow the TRAILER (image-format.rst): read one byte more,
 * which must find the end of the image.  On a pipe or a socket this waits
 * until the writer closes it, killably.
 */
int cryo_stream_end(struct cryo_thawing *t)
{
	ssize_t n;
	u8 b;

	n = kernel_read(t->in->image, &b, 1, &t->in->pos);
	if (n == -ERESTARTSYS || n == -EINTR)
		return cryo_thaw_fail(t, -EINTR, "interrupted");
	if (n < 0)
		return cryo_thaw_fail(t, n,
				      "record %llu (TRAILER): read error %zd after it",
				      t->in->record, -n);
	if (n > 0)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu (TRAILER): the image goes on after it (byte %llu)",
				      t->in->record, t->in->bytes);
	return 0;
}

/*
 * Read @len bytes of the image straight into the caller's memory at
 * @uaddr: for page contents, one copy from the image's page cache (or
 * pipe) to their place, instead of two through a kernel buffer.
 */
int cryo_stream_to_user(struct cryo_thawing *t, unsigned long uaddr, size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct iovec iov = {
			.iov_base = (void __user *)(uaddr + done),
			.iov_len = len - done,
		};
		struct iov_iter it;
		ssize_t n;

		iov_iter_init(&it, READ, &iov, 1, len - done);
		n = vfs_iter_read(t->in->image, &it, &t->in->pos, 0);
		if (n == -ERESTARTSYS || n == -EINTR)
			return cryo_thaw_fail(t, -EINTR, "interrupted");
		if (n < 0)
			return cryo_thaw_fail(t, n,
					      "record %llu: read into 0x%lx failed (error %zd)",
					      t->in->record, uaddr + done, -n);
		if (n == 0)
			return cryo_thaw_fail(t, -ENODATA,
					      "record %llu: the image ends early (truncated after %llu bytes)",
					      t->in->record, t->in->bytes + done);
		done += n;
	}
	t->in->bytes += len;
	return 0;
}

/* The next record's header; the first PAGES record may have been read. */
int cryo_stream_hdr(struct cryo_thawing *t, struct cryo_rec *rec)
{
	int ret;

	if (t->in->have_next) {
		*rec = t->in->next;
		t->in->have_next = false;
		return 0;
	}
	ret = cryo_stream_read(t, rec, sizeof(*rec));
	if (ret)
		return ret;
	if (rec->len > CRYO_REC_MAX_LEN || rec->__reserved)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu (%s): bad length %u",
				      t->in->record, cryo_rec_name(rec->type) ?: "unknown",
				      rec->len);
	return 0;
}

int cryo_stream_payload(struct cryo_thawing *t, struct cryo_rec *rec)
{
	struct cryo_image_header *h = t->in->buf;
	struct xxh64_state st;
	int ret;

	ret = cryo_stream_read(t, t->in->buf, rec->len);
	if (ret)
		return ret;
	/* Another major may checksum differently: name the version first. */
	if (t->in->record == 0 && rec->type == CRYO_REC_HEADER &&
	    rec->len >= CRYO_IMAGE_HEADER_SIZE_2_0 &&
	    !memcmp(h->magic, CRYO_IMAGE_MAGIC, sizeof(h->magic)) &&
	    h->major != CRYO_IMAGE_MAJOR)
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): image format %u.%u, this module reads %u.x",
				      h->major, h->minor, CRYO_IMAGE_MAJOR);
	cryo_csum_start(&st, rec);
	cryo_csum_add(&st, t->in->buf, rec->len);
	if (cryo_csum_end(&st) != rec->crc)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu (%s): checksum mismatch",
				      t->in->record, cryo_rec_name(rec->type) ?: "unknown");
	return 0;
}

/*
 * Read one whole record into t->in->buf, the header into @rec.  t->in->record
 * stays its index until the caller is done with it.
 */
int cryo_stream_record(struct cryo_thawing *t, struct cryo_rec *rec)
{
	int ret = cryo_stream_hdr(t, rec);

	if (!ret)
		ret = cryo_stream_payload(t, rec);
	return ret;
}

/*
 * A record that grew in minor versions: exactly as long as the image's
 * minor version made it (@sizes[minor], for minor versions up to
 * @nr_sizes - 1, which is this module's), or longer in a newer minor.
 * What an older image lacks reads as zero.
 */
int cryo_stream_grown(struct cryo_thawing *t, const struct cryo_rec *rec,
		      u16 minor, const size_t *sizes, unsigned int nr_sizes)
{
	size_t now = sizes[nr_sizes - 1];
	size_t want = sizes[min_t(unsigned int, minor, nr_sizes - 1)];

	if (minor <= CRYO_IMAGE_MINOR ? rec->len != want : rec->len < want)
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len,
				want);
	if (rec->len < now)
		memset(t->in->buf + rec->len, 0, now - rec->len);
	return 0;
}

/* The HEADER's length in each minor version, 2.0 on. */
static const size_t header_sizes[] = {
	CRYO_IMAGE_HEADER_SIZE_2_0, CRYO_IMAGE_HEADER_SIZE_2_1,
	sizeof(struct cryo_image_header), sizeof(struct cryo_image_header),
	sizeof(struct cryo_image_header), sizeof(struct cryo_image_header),
	sizeof(struct cryo_image_header), sizeof(struct cryo_image_header),
	sizeof(struct cryo_image_header),
	sizeof(struct cryo_image_header),
};

static_assert(ARRAY_SIZE(header_sizes) == CRYO_IMAGE_MINOR + 1);

int cryo_stream_header(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_header *h = t->in->buf;
	int ret;

	if (rec->type != CRYO_REC_HEADER)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record 0 (%s): not an image (no HEADER first)",
				      cryo_rec_name(rec->type) ?: "unknown");
	if (rec->len < CRYO_IMAGE_HEADER_SIZE_2_0)
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len,
				sizeof(*h));
	if (memcmp(h->magic, CRYO_IMAGE_MAGIC, sizeof(h->magic)))
		return cryo_bad(t, rec, "bad magic: not a cryo image");
	if (h->major != CRYO_IMAGE_MAJOR)
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): image format %u.%u, this module reads %u.x",
				      h->major, h->minor, CRYO_IMAGE_MAJOR);
	/*
	 * A newer minor may hold state in records or fields this module
	 * does not know (a lock, a setting): skipping them would thaw the
	 * process without it.  Nothing is lost: refused.
	 */
	if (h->minor > CRYO_IMAGE_MINOR)
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): image format %u.%u is newer than this module's %u.%u, which would lose what it does not know; thaw it with a newer module",
				      h->major, h->minor, CRYO_IMAGE_MAJOR,
				      CRYO_IMAGE_MINOR);
	ret = cryo_stream_grown(t, rec, h->minor, header_sizes,
				ARRAY_SIZE(header_sizes));
	if (ret)
		return ret;
	if (h->arch != AUDIT_ARCH_X86_64)
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): architecture %#x, this machine is x86-64",
				      h->arch);
	if (h->page_size != PAGE_SIZE)
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): page size %u, this machine has %lu",
				      h->page_size, PAGE_SIZE);
	if (strnlen(h->release, sizeof(h->release)) == sizeof(h->release))
		return cryo_bad(t, rec, "kernel release not terminated");
	/* A layout (cryoctl layout) has no threads; a remap needs none. */
	if ((h->nr_threads == 0 && !t->remap_only) ||
	    h->nr_threads > CRYO_THAW_MAX_THREADS)
		return cryo_thaw_fail(t, h->nr_threads ? -EFBIG : -EBADMSG,
				      "record 0 (HEADER): %u threads (at most %u)",
				      h->nr_threads, CRYO_THAW_MAX_THREADS);
	if (h->freeze_flags & ~CRYO_FREEZE_ALL)
		return cryo_bad(t, rec, "unknown freeze flags %#x",
				h->freeze_flags);
	/* 0 (before 2.2, or a layout): no TREE, one process. */
	if (h->nr_processes > CRYO_IMAGE_MAX_PROCESSES || h->__reserved)
		return cryo_bad(t, rec, "%u processes (at most %u), or reserved field set",
				h->nr_processes, CRYO_IMAGE_MAX_PROCESSES);
	t->hdr = *h;
	if (t->remap_only)
		return 0;

	/* The vdso is mapped from this kernel: it must be the same build. */
	if (strcmp(h->release, utsname()->release))
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): frozen on kernel %s, this is %s (the vdso would differ)",
				      h->release, utsname()->release);
	return 0;
}

int cryo_stream_trailer(struct cryo_thawing *t, u64 records, u64 bytes)
{
	struct cryo_image_trailer *tr = t->in->buf;

	if (tr->nr_records != records || tr->nr_pages != t->in->nr_pages ||
	    tr->bytes != bytes)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu (TRAILER): counts differ (records %llu/%llu, pages %llu/%llu, bytes %llu/%llu)",
				      records, tr->nr_records, records,
				      tr->nr_pages, t->in->nr_pages, tr->bytes,
				      bytes);
	return 0;
}

/* The image is read from the caller's @fd, from where it stands. */
int cryo_stream_open(struct cryo_thawing *t, int fd)
{
	t->in->image = fget(fd);
	if (!t->in->image || !(t->in->image->f_mode & FMODE_READ))
		return cryo_thaw_fail(t, -EBADF, "image fd %d is not open for reading",
				      fd);
	/*
	 * A session is no image: reading our own would wait for the lock we
	 * hold, and holding any would keep it, and the module, alive for ever.
	 */
	if (cryo_is_session_file(t->in->image)) {
		fput(t->in->image);
		t->in->image = NULL;
		return cryo_thaw_fail(t, -EINVAL,
				      "image fd %d is a /dev/cryo session, not an image",
				      fd);
	}
	t->in->pos = (t->in->image->f_mode & FMODE_STREAM) ? 0 : t->in->image->f_pos;
	return 0;
}

/* Room for one record's payload and one PAGES record's pages. */
int cryo_stream_init(struct cryo_thawing *t)
{
	t->in->buf = kvmalloc(CRYO_REC_MAX_LEN, GFP_KERNEL_ACCOUNT);
	t->in->pages = kvcalloc(CRYO_REC_MAX_LEN / PAGE_SIZE,
				sizeof(*t->in->pages), GFP_KERNEL_ACCOUNT);
	if (!t->in->buf || !t->in->pages)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	return 0;
}

void cryo_stream_release(struct cryo_reader *in)
{
	if (in->image)
		fput(in->image);
	kvfree(in->buf);
	kvfree(in->pages);
}
