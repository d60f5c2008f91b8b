/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One open /dev/cryo: the session the ioctls and reads of that file
 * act on.  Data only.
 */
#ifndef _CRYO_SESSION_H
#define _CRYO_SESSION_H

#include <linux/fs.h>
#include <linux/mutex.h>

#include "netlink_state.h"

struct cryo_image;
struct cryo_thaw_tree;

/**
 * struct cryo_session - state of one open /dev/cryo file
 * @lock: serialises the ioctls and reads of this file; a freeze or thaw
 *        owns the session for its whole length.
 * @img: the freeze this session holds, set by CRYO_IOC_FREEZE.
 * @thaw: the thaw or remap of this session, set by CRYO_IOC_THAW or
 *        CRYO_IOC_REMAP and kept until the last close; the thaw's
 *        threads read it without @lock.
 * @nl: what the netlink family reports of the session (netlink.c).
 *
 * One session per open(); freed on the final close.  The freeze and thaw
 * machinery hang their state here.
 */
struct cryo_session {
	struct mutex lock;	/* see above */
	struct cryo_image *img;	/* the freeze of this session, or NULL */
	struct cryo_thaw_tree *thaw;	/* the thaw of this session, or NULL */
	struct cryo_nl_session nl;
};

/* The file operations of /dev/cryo (device.c). */
extern const struct file_operations cryo_fops;

/* Is @file a /dev/cryo session? */
static inline bool cryo_is_session_file(const struct file *file)
{
	return file->f_op == &cryo_fops;
}

#endif /* _CRYO_SESSION_H */
