// SPDX-License-Identifier: GPL-2.0
/*
 * splice() of the image out of /dev/cryo into a pipe.
 *
 * With read(), every byte of page data is copied twice on its way into a
 * file: into the reader's buffer, then by write() into the page cache.
 * Spliced, a page of the target goes into the pipe by reference and is
 * copied once, by whoever drains the pipe (into the page cache, for a
 * file) -- where that is safe: the page cannot change before the pipe's
 * reader has it only if the target is never resumed after a complete
 * image (CRYO_FREEZE_KILL: it dies at COMMIT) or if the page is the
 * session's own copy (CRYO_FREEZE_SNAPSHOT).  A checkpoint resumes the
 * target at EOF and LEAVE_FROZEN whenever the file is closed, neither
 * waiting for the pipe to drain, so they put a copy into the pipe, as
 * read() would.  Records other than page data are copied in.
 */
#include "cryo.h"

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/splice.h>

#include "freeze.h"
#include "freezing.h"
#include "netlink.h"
#include "session.h"
#include "mm/mm.h"

/*
 * Plain page references.  No PIPE_BUF_FLAG_CAN_MERGE: a later write()
 * into the pipe must never land in a page of the target.
 */
static const struct pipe_buf_operations cryo_pipe_buf_ops = {
	.release	= generic_pipe_buf_release,
	.get		= generic_pipe_buf_get,
};

/*
 * Only private anonymous pages of a KILL freeze: shared memory can be
 * written by processes that are not parked.  Such a page still changes
 * once COMMIT kills the target (its exiting threads clear their
 * clear_child_tid words and mark robust futexes), which is why COMMIT
 * must come only after the pipe has been drained into storage.
 */
static bool cryo_splice_by_ref(struct cryo_image *img, struct page *page)
{
	return img->pg.snapped || (img->flags & CRYO_FREEZE_KILL && PageAnon(page));
}

/* A cryo_out_fn: the next piece of the current record into the pipe. */
static ssize_t cryo_splice_out(struct cryo_image *img, void *to, size_t done,
			       size_t count)
{
	struct pipe_inode_info *pipe = to;
	struct pipe_buffer buf = { .ops = &cryo_pipe_buf_ops };
	ssize_t ret;
	size_t n;

	if (pipe_full(pipe->head, pipe->tail, pipe->max_usage))
		return -EAGAIN;
	if (img->out.stage_pos < img->out.stage_len) {
		n = min3(count, img->out.stage_len - img->out.stage_pos, PAGE_SIZE);
		buf.page = alloc_page(GFP_KERNEL_ACCOUNT);
		if (!buf.page)
			return -ENOMEM;
		memcpy(page_address(buf.page), img->out.stage + img->out.stage_pos, n);
		buf.len = n;
		ret = add_to_pipe(pipe, &buf);	/* releases @buf on failure */
		if (ret < 0)
			return ret;
		img->out.stage_pos += n;
		return n;
	}
	if (img->pg.page_idx < img->pg.nr_pages) {
		struct page *page = img->pg.pages[img->pg.page_idx];

		n = min(count, PAGE_SIZE - img->pg.page_off);
		if (cryo_splice_by_ref(img, page)) {
			get_page(page);
			buf.page = page;
			buf.offset = img->pg.page_off;
		} else {
			buf.page = alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT);
			if (!buf.page)
				return -ENOMEM;
			memcpy_page(buf.page, 0, page, img->pg.page_off, n);
		}
		buf.len = n;
		ret = add_to_pipe(pipe, &buf);
		if (ret < 0)
			return ret;
		cryo_freeze_advance(img, n);
		return n;
	}
	return 0;
}

/*
 * f_op->splice_read of /dev/cryo; the caller holds @pipe's mutex.
 *
 * Lock order: a session's lock comes before any pipe's mutex.  read()
 * takes the session lock and then, for the FILE record of a pipe, that
 * pipe's mutex (files.c); a thaw writes into FIFOs and pipes under its
 * session lock (load_files.c).  Here the caller already holds a pipe's
 * mutex, so both locks we need after it are only tried, which can
 * neither deadlock nor teach lockdep the reverse order: the session lock
 * (held only by another ioctl or read() on this same session -- two
 * users of one stream), and the mutex of a pipe whose FILE record comes
 * next, which may be the one we hold (the target has our pipe open) or
 * that of another such freeze.  When either is taken, splice() stops;
 * with nothing moved in the call it fails with EINVAL, which says that
 * read() must take the stream on from here (libcryoctl does so).
 */
ssize_t cryo_splice_read(struct file *in, loff_t *ppos,
			 struct pipe_inode_info *pipe, size_t len,
			 unsigned int flags)
{
	struct cryo_session *s = in->private_data;
	struct cryo_image *img;
	ssize_t ret;

	if (!mutex_trylock(&s->lock))
		return -EINVAL;
	img = s->img;
	if (img)
		img->splicing = true;
	ret = cryo_freeze_stream(s, cryo_splice_out, pipe, len);
	if (img)
		img->splicing = false;
	if (ret == -EDEADLK)
		ret = -EINVAL;
	cryo_freeze_report_read(s, ret);
	mutex_unlock(&s->lock);
	return ret;
}
