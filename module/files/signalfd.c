// SPDX-License-Identifier: GPL-2.0
/*
 * signalfds.
 *
 * A signalfd is the mask of signals it reads (the signals themselves are
 * the reading thread's, saved with it).  The mask is read as /proc's
 * fdinfo shows it; at the thaw the library makes the signalfd with
 * signalfd(2) and that mask (object.c), checked here before it is taken.
 */
#include "cryo.h"

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/signal.h>

#include "thawing.h"
#include "files/fdinfo.h"
#include "files/file.h"

static bool cryo_signalfd_match(struct file *file)
{
	return cryo_fdinfo_anon(file, "signalfd");
}

static int cryo_signalfd_mask(struct file *file, u64 *mask)
{
	size_t len;
	char *text = cryo_fdinfo(file, &len);
	int ret;

	if (IS_ERR(text))
		return PTR_ERR(text);
	ret = cryo_fdinfo_u64(text, "sigmask", 16, mask);
	kvfree(text);
	return ret ? -EIO : 0;
}

static int cryo_signalfd_state(struct file *file,
			       struct cryo_image_file_state *s)
{
	return cryo_signalfd_mask(file, &s->args[0]);
}

/* signalfd(2) never reads SIGKILL or SIGSTOP. */
#define CRYO_SIGNALFD_NEVER	(BIT_ULL(SIGKILL - 1) | BIT_ULL(SIGSTOP - 1))

static int cryo_signalfd_check_state(struct cryo_thawing *t,
				     struct cryo_thaw_file *f)
{
	const struct cryo_image_file_state *s = &f->state;

	if (s->flags || (s->args[0] & CRYO_SIGNALFD_NEVER) || s->args[1] ||
	    s->args[2] || s->args[3] || s->args[4] || s->args[5])
		return cryo_file_bad(t, "FILE_STATE %u: bad signalfd mask %#llx",
				     s->id, s->args[0]);
	return 0;
}

static int cryo_signalfd_adopt(struct cryo_thawing *t, struct cryo_thaw_file *f,
			       struct file *file)
{
	u64 mask;
	int ret;

	if (!cryo_signalfd_match(file))
		return cryo_thaw_fail(t, -EINVAL, "FILE %u: the caller's object is not a signalfd",
				      f->state.id);
	ret = cryo_signalfd_mask(file, &mask);
	if (ret)
		return cryo_thaw_fail(t, ret, "FILE %u: the caller's signalfd cannot be read",
				      f->state.id);
	if (mask != f->state.args[0])
		return cryo_thaw_fail(t, -EINVAL,
				      "FILE %u: the caller's signalfd has mask %#llx, the image %#llx",
				      f->state.id, mask, f->state.args[0]);
	return 0;
}

const struct cryo_file_ops cryo_signalfd_ops = {
	.kind		= CRYO_FILE_SIGNALFD,
	.name		= "signalfd",
	.match		= cryo_signalfd_match,
	.restore	= cryo_object_restore,
	.state		= cryo_signalfd_state,
	.check_state	= cryo_signalfd_check_state,
	.adopt		= cryo_signalfd_adopt,
};
