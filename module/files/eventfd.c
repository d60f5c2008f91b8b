// SPDX-License-Identifier: GPL-2.0
/*
 * eventfds.
 *
 * An eventfd is its 64-bit count and whether it reads as a semaphore
 * (EFD_SEMAPHORE).  The count is read as /proc's fdinfo shows it; the
 * flag too where the kernel shows it (6.5 on), else through the layout
 * of 6.1's context (compat.h), believed only when the count and id it
 * reads there are fdinfo's.  At the thaw the library makes the eventfd
 * with eventfd(2) and writes the count into it (object.c); it is checked
 * here before it is taken.
 */
#include "cryo.h"

#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/mm.h>

#include "thawing.h"
#include "files/fdinfo.h"
#include "files/file.h"

static bool cryo_eventfd_match(struct file *file)
{
	/* The one test that knows eventfd's file operations. */
	struct eventfd_ctx *ctx = eventfd_ctx_fileget(file);

	if (IS_ERR(ctx))
		return false;
	eventfd_ctx_put(ctx);
	return true;
}

/* One reading of fdinfo (and the layout): 0, -EAGAIN to read again. */
static int cryo_eventfd_read_once(struct file *file, u64 *count, bool *sem)
{
	size_t len;
	char *text = cryo_fdinfo(file, &len);
	u64 v;
	int ret;

	if (IS_ERR(text))
		return PTR_ERR(text);
	ret = cryo_fdinfo_u64(text, "eventfd-count", 16, count);
	if (ret) {
		ret = -EOPNOTSUPP;
		goto out;
	}
#if CRYO_EVENTFD_FDINFO_FLAGS
	ret = cryo_fdinfo_u64(text, "eventfd-semaphore", 10, &v);
	if (ret || v > 1)
		ret = -EOPNOTSUPP;
	else
		*sem = v;
#else
	{
		unsigned int flags;
		u64 c;
		int id;

		ret = cryo_fdinfo_u64(text, "eventfd-id", 10, &v);
		if (ret) {
			ret = -EOPNOTSUPP;
			goto out;
		}
		cryo_eventfd_layout(file->private_data, &c, &flags, &id);
		if (v != (u64)id || (flags & ~EFD_FLAGS_SET))
			ret = -EOPNOTSUPP;
		else if (c != *count)
			ret = -EAGAIN;	/* written to meanwhile, or not it */
		else
			*sem = flags & EFD_SEMAPHORE;
	}
#endif
out:
	kvfree(text);
	return ret;
}

/*
 * The count and semaphore flag of @file: 0; -EOPNOTSUPP when this kernel
 * does not show the flag where it can be read soundly; -errno.
 */
static int cryo_eventfd_read(struct file *file, u64 *count, bool *sem)
{
	int tries, ret = -EOPNOTSUPP;

	for (tries = 0; tries < 3; tries++) {
		ret = cryo_eventfd_read_once(file, count, sem);
		if (ret != -EAGAIN)
			return ret;
	}
	return -EOPNOTSUPP;
}

static u32 cryo_eventfd_refuse(struct file *file)
{
	bool sem;
	u64 count;

	/* Other errors (ENOMEM) come back when the record is made. */
	if (cryo_eventfd_read(file, &count, &sem) == -EOPNOTSUPP)
		return CRYO_REFUSAL_EVENTFD_FLAGS;
	return CRYO_REFUSAL_NONE;
}

static int cryo_eventfd_state(struct file *file, struct cryo_image_file_state *s)
{
	bool sem = false;
	int ret = cryo_eventfd_read(file, &s->args[0], &sem);

	if (ret)
		return ret;
	s->flags = sem ? CRYO_EVENTFD_SEMAPHORE : 0;
	return 0;
}

static int cryo_eventfd_check_state(struct cryo_thawing *t,
				    struct cryo_thaw_file *f)
{
	const struct cryo_image_file_state *s = &f->state;

	/* eventfd(2) counts up to ULLONG_MAX - 1. */
	if ((s->flags & ~CRYO_EVENTFD_SEMAPHORE) || s->args[0] == U64_MAX ||
	    s->args[1] || s->args[2] || s->args[3] || s->args[4] || s->args[5])
		return cryo_file_bad(t, "FILE_STATE %u: bad eventfd flags or count",
				     s->id);
	return 0;
}

static int cryo_eventfd_adopt(struct cryo_thawing *t, struct cryo_thaw_file *f,
			      struct file *file)
{
	bool sem = false;
	u64 count;
	int ret;

	if (!cryo_eventfd_match(file))
		return cryo_thaw_fail(t, -EINVAL, "FILE %u: the caller's object is not an eventfd",
				      f->state.id);
	ret = cryo_eventfd_read(file, &count, &sem);
	if (ret)
		return cryo_thaw_fail(t, ret == -EOPNOTSUPP ? -EINVAL : ret,
				      "FILE %u: the caller's eventfd cannot be read (error %d)",
				      f->state.id, -ret);
	if (count != f->state.args[0] ||
	    sem != !!(f->state.flags & CRYO_EVENTFD_SEMAPHORE))
		return cryo_thaw_fail(t, -EINVAL,
				      "FILE %u: the caller's eventfd has count %llu%s, the image %llu%s",
				      f->state.id, count, sem ? " (semaphore)" : "",
				      f->state.args[0],
				      f->state.flags & CRYO_EVENTFD_SEMAPHORE ?
				      " (semaphore)" : "");
	return 0;
}

const struct cryo_file_ops cryo_eventfd_ops = {
	.kind		= CRYO_FILE_EVENTFD,
	.name		= "eventfd",
	.match		= cryo_eventfd_match,
	.refuse		= cryo_eventfd_refuse,
	.restore	= cryo_object_restore,
	.state		= cryo_eventfd_state,
	.check_state	= cryo_eventfd_check_state,
	.adopt		= cryo_eventfd_adopt,
};
