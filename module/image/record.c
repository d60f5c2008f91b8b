// SPDX-License-Identifier: GPL-2.0
/*
 * The image writer: turns a parked target into records, one at a time,
 * as the reader asks for them (see the format in uapi/linux/cryo_image.h).
 *
 * Every record but page contents is built in the session's staging
 * buffer.  Page contents are never copied inside the kernel: a PAGES
 * record pins up to CRYO_PAGES_PER_REC pages of the target, and read()
 * copies them straight into the reader's buffer.
 */
#include "cryo.h"

#include <linux/audit.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>
#include <asm/pgtable.h>

#include "freezing.h"
#include "image/csum.h"
#include "image/record.h"
#include "image/boot.h"

/*
 * Start a record of @type with @len payload bytes, the first @staged of
 * which are built in the staging buffer (all of them but for PAGES).
 * Callers keep @staged within CRYO_STAGE_SIZE (for THREAD records
 * cryo_park_finish() checks the FPU size).
 */
void *cryo_record_start_partial(struct cryo_image *img, u32 type, u32 len,
				u32 staged)
{
	struct cryo_rec *rec = (struct cryo_rec *)img->out.stage;

	memset(img->out.stage, 0, sizeof(*rec) + staged);
	rec->type = type;
	rec->len = len;
	img->out.stage_pos = 0;
	img->out.stage_len = sizeof(*rec) + staged;
	return rec + 1;
}

void *cryo_record_start(struct cryo_image *img, u32 type, u32 len)
{
	return cryo_record_start_partial(img, type, len, len);
}

/* Checksum the staged record (header and all its payload) and count it. */
void cryo_record_finish(struct cryo_image *img)
{
	struct cryo_rec *rec = (struct cryo_rec *)img->out.stage;
	struct xxh64_state st;

	cryo_csum_start(&st, rec);
	cryo_csum_add(&st, rec + 1, img->out.stage_len - sizeof(*rec));
	rec->crc = cryo_csum_end(&st);
	img->out.nr_records++;
	img->out.bytes += img->out.stage_len;
}

void cryo_record_header(struct cryo_image *img, u32 fpu_size, u64 xfeatures)
{
	struct cryo_image_header *h;

	h = cryo_record_start(img, CRYO_REC_HEADER, sizeof(*h));
	memcpy(h->magic, CRYO_IMAGE_MAGIC, sizeof(CRYO_IMAGE_MAGIC));
	h->major = CRYO_IMAGE_MAJOR;
	h->minor = CRYO_IMAGE_MINOR;
	h->arch = AUDIT_ARCH_X86_64;
	h->page_size = PAGE_SIZE;
	/*
	 * A snapshot changes when the target runs, not the image: left out,
	 * so that modules before ABI 1.3 thaw it too.
	 */
	h->freeze_flags = img->flags & ~CRYO_FREEZE_SNAPSHOT;
	h->nr_threads = img->nr_threads;
	h->nr_processes = img->nr_members;
	h->fpu_size = fpu_size;
	h->xfeatures = xfeatures;
	h->time_ns = ktime_get_real_ns();
	strscpy(h->release, utsname()->release, sizeof(h->release));
	cryo_boot_get(h->boot_id);
	cryo_record_finish(img);
}

void cryo_record_trailer(struct cryo_image *img)
{
	u64 records = img->out.nr_records, bytes = img->out.bytes;
	struct cryo_image_trailer *tr;

	tr = cryo_record_start(img, CRYO_REC_TRAILER, sizeof(*tr));
	tr->nr_records = records;
	tr->nr_pages = img->pg.nr_pages_total;
	tr->bytes = bytes;
	cryo_record_finish(img);
}

/* The staging buffer every record but page contents is built in. */
int cryo_record_init(struct cryo_image *img)
{
	img->out.stage = kvmalloc(CRYO_STAGE_SIZE, GFP_KERNEL_ACCOUNT);
	return img->out.stage ? 0 : -ENOMEM;
}

void cryo_record_release(struct cryo_image *img)
{
	kvfree(img->out.stage);
	img->out.stage = NULL;
}
