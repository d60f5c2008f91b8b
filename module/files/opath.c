// SPDX-License-Identifier: GPL-2.0
/*
 * O_PATH descriptions of the inodes no other kind opens: symbolic links
 * (O_PATH|O_NOFOLLOW), sockets' inodes (a bound unix socket's path) and
 * block device nodes.
 *
 * An O_PATH description holds a path and nothing else: no open of the
 * inode, no position, no I/O.  So it is saved as its path and identity
 * and reopened O_PATH by that path at the thaw, as the restored process
 * and without following the last component (cryo_reopen()), then checked
 * to be the same inode: a symbolic link put in a socket's place, or
 * another device node, is refused (ESTALE).  Nothing of the device or
 * the socket is touched either way.  O_PATH descriptions of regular
 * files, directories, character devices and FIFOs are their own kinds'.
 *
 * An inode with no name left (unlinked while held) cannot be opened
 * again: refused at the freeze (CRYO_REFUSAL_OPATH_UNLINKED), or saved
 * as lost with CRYO_FREEZE_ACCEPT_LOSS.  A description on an internal
 * mount (a socket's own inode in sockfs, reached through /proc/PID/fd)
 * has no path at all: not of this kind, so refused as CRYO_REFUSAL_FD_KIND.
 */
#include "cryo.h"

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mount.h>

#include "freezing.h"
#include "thawing.h"
#include "files/file.h"

/* The inode types this kind holds, all only opened O_PATH. */
static bool cryo_opath_type(umode_t mode)
{
	return S_ISLNK(mode) || S_ISSOCK(mode) || S_ISBLK(mode);
}

static bool cryo_opath_match(struct file *file)
{
	return (file->f_mode & FMODE_PATH) &&
	       cryo_opath_type(file_inode(file)->i_mode) &&
	       !(file->f_path.mnt->mnt_flags & MNT_INTERNAL);
}

/* Has the inode lost the name it was opened by? */
static bool cryo_opath_unlinked(struct file *file)
{
	return !file_inode(file)->i_nlink || d_unlinked(file->f_path.dentry);
}

static u32 cryo_opath_refuse(struct file *file)
{
	return cryo_opath_unlinked(file) ? CRYO_REFUSAL_OPATH_UNLINKED :
					   CRYO_REFUSAL_NONE;
}

static int cryo_opath_save(struct cryo_image *img, struct cryo_seen *seen,
			   struct file *file, struct cryo_file_out *out)
{
	if (!cryo_opath_unlinked(file))
		return 0;
	/* Refused at CRYO_IOC_FREEZE unless accepted; unlinked since: now. */
	if (!(img->flags & CRYO_FREEZE_ACCEPT_LOSS))
		return -EOPNOTSUPP;
	out->flags |= CRYO_FILE_LOST;
	return 0;
}

/* What the freeze writes, and only that: an O_PATH description of a type. */
static int cryo_opath_load(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	if (!cryo_opath_type(f->rec.mode) || !(f->rec.open_flags & O_PATH) ||
	    f->rec.pipe_id)
		return cryo_file_bad(t, "FILE %u: O_PATH kind with mode %#o, flags %#x",
				     f->rec.id, f->rec.mode,
				     f->rec.open_flags);
	return 0;
}

static int cryo_opath_restore(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_thaw_file *f = &t->tree->files.files[idx];

	/* O_NOFOLLOW too if it had it: fcntl(F_GETFL) shows it. */
	return cryo_file_reopen_alone(t, f, f->rec.open_flags &
				      CRYO_OPATH_FLAGS);
}

const struct cryo_file_ops cryo_opath_ops = {
	.kind		= CRYO_FILE_OPATH,
	.name		= "O_PATH file",
	.match		= cryo_opath_match,
	.refuse		= cryo_opath_refuse,
	.save		= cryo_opath_save,
	.load		= cryo_opath_load,
	.restore	= cryo_opath_restore,
};
