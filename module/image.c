// SPDX-License-Identifier: GPL-2.0
/*
 * The image writer: turns a parked target into records, one at a time,
 * as the reader asks for them (see the format in uapi/linux/cryo.h).
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
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>
#include <asm/pgtable.h>

#include "csum.h"
#include "image.h"
#include "reopen.h"

/*
 * Start a record of @type with @len payload bytes, the first @staged of
 * which are built in the staging buffer (all of them but for PAGES).
 * Callers keep @staged within CRYO_STAGE_SIZE (for THREAD records
 * cryo_park_threads() checks the FPU size).
 */
void *cryo_rec_start_partial(struct cryo_image *img, u32 type, u32 len,
			     u32 staged)
{
	struct cryo_rec *rec = (struct cryo_rec *)img->stage;

	memset(img->stage, 0, sizeof(*rec) + staged);
	rec->type = type;
	rec->len = len;
	img->stage_pos = 0;
	img->stage_len = sizeof(*rec) + staged;
	return rec + 1;
}

void *cryo_rec_start(struct cryo_image *img, u32 type, u32 len)
{
	return cryo_rec_start_partial(img, type, len, len);
}

/* Checksum the staged record (header and all its payload) and count it. */
void cryo_rec_finish(struct cryo_image *img)
{
	struct cryo_rec *rec = (struct cryo_rec *)img->stage;
	struct xxh64_state st;

	cryo_csum_start(&st, rec);
	cryo_csum_add(&st, rec + 1, img->stage_len - sizeof(*rec));
	rec->crc = cryo_csum_end(&st);
	img->nr_records++;
	img->bytes += img->stage_len;
}

static void cryo_emit_header(struct cryo_image *img)
{
	struct cryo_image_header *h;

	h = cryo_rec_start(img, CRYO_REC_HEADER, sizeof(*h));
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
	h->fpu_size = img->park->fpu_size;
	h->xfeatures = cryo_xfeatures();
	h->time_ns = ktime_get_real_ns();
	strscpy(h->release, utsname()->release, sizeof(h->release));
	cryo_boot_id_get(h->boot_id);
	cryo_rec_finish(img);
}

/* Emit the next thread that parked; false when there is none left. */
static bool cryo_emit_thread(struct cryo_image *img)
{
	struct cryo_park *park = img->park;
	struct cryo_image_thread *r;

	while (img->thread_idx < park->nr_threads) {
		struct cryo_thread *th = park->threads[img->thread_idx++];

		if (!cryo_thread_imaged(th))
			continue;
		r = cryo_rec_start(img, CRYO_REC_THREAD,
				   sizeof(*r) + park->fpu_size);
		*r = th->rec;
		/* In the freezer's pid namespace, as the PROCESS record. */
		r->tid = task_pid_nr_ns(th->task, task_active_pid_ns(current));
		memcpy(r + 1, th->fpu, park->fpu_size);
		cryo_rec_finish(img);
		return true;
	}
	return false;
}

static void cryo_emit_trailer(struct cryo_image *img)
{
	u64 records = img->nr_records, bytes = img->bytes;
	struct cryo_image_trailer *t;

	t = cryo_rec_start(img, CRYO_REC_TRAILER, sizeof(*t));
	t->nr_records = records;
	t->nr_pages = img->nr_pages_total;
	t->bytes = bytes;
	cryo_rec_finish(img);
}

void cryo_image_unpin(struct cryo_image *img)
{
	while (img->page_idx < img->nr_pages)
		put_page(img->pages[img->page_idx++]);
	img->nr_pages = 0;
	img->page_idx = 0;
}

/* Is the target still parked, every thread of it, none of them exiting? */
static bool cryo_image_target_held(struct cryo_image *img)
{
	return img->park && cryo_park_alive(img->park) &&
	       !(img->leader->signal->flags & SIGNAL_GROUP_EXIT);
}

/**
 * cryo_image_next() - stage the next record
 * @img: the image, with nothing left unread of the previous record
 *
 * Return: 1 when a record was staged, 0 at the end of the image, -errno.
 */
int cryo_image_next(struct cryo_image *img)
{
	int ret;

	if (img->phase == CRYO_PH_DONE)
		return 0;
	/*
	 * The target must still be parked for every record, pages included,
	 * unless they come from a snapshot.
	 */
	if (!img->snapped && !cryo_image_target_held(img))
		return -ESRCH;

	switch (img->phase) {
	case CRYO_PH_HEADER:
		cryo_emit_header(img);
		img->phase = CRYO_PH_PROCESS;
		return 1;
	case CRYO_PH_PROCESS:
		cryo_emit_process(img);
		img->phase = CRYO_PH_GROUPS;
		return 1;
	case CRYO_PH_GROUPS:
		ret = cryo_emit_groups(img);
		img->phase = CRYO_PH_AUXV;
		return ret ?: 1;
	case CRYO_PH_AUXV:
		cryo_emit_auxv(img);
		img->phase = CRYO_PH_FS;
		return 1;
	case CRYO_PH_FS:
		ret = cryo_emit_fs(img);
		img->phase = CRYO_PH_SIGNALS;
		return ret ?: 1;
	case CRYO_PH_SIGNALS:
		ret = cryo_emit_signals(img);
		img->phase = CRYO_PH_THREADS;
		return ret ?: 1;
	case CRYO_PH_THREADS:
		if (cryo_emit_thread(img))
			return 1;
		img->phase = CRYO_PH_FILES;
		fallthrough;
	case CRYO_PH_FILES:
		ret = cryo_emit_files(img);
		if (ret)
			return ret;
		img->phase = CRYO_PH_VMAS;
		img->cursor = 0;
		fallthrough;
	case CRYO_PH_VMAS:
		ret = cryo_emit_vma(img);
		if (ret)
			return ret;
		img->phase = CRYO_PH_PAGES;
		img->cursor = 0;
		fallthrough;
	case CRYO_PH_PAGES:
		if (img->flags & CRYO_FREEZE_SNAPSHOT && !img->snapped) {
			ret = cryo_snapshot_take(img);
			if (ret)
				return ret;
			/*
			 * A SIGKILL during the copy wakes the threads, which
			 * exit writing their futex words: not one moment.
			 */
			if (!cryo_image_target_held(img)) {
				cryo_snapshot_free(img);
				return -ESRCH;
			}
			img->snapped = true;
			/* All the rest has been read: the target may go on. */
			cryo_image_release(img);
		}
		ret = cryo_emit_pages(img);
		if (ret)
			return ret;
		img->phase = CRYO_PH_TRAILER;
		fallthrough;
	case CRYO_PH_TRAILER:
		cryo_emit_trailer(img);
		img->phase = CRYO_PH_DONE;
		return 1;
	case CRYO_PH_DONE:
		break;
	}
	return 0;
}
