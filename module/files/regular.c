// SPDX-License-Identifier: GPL-2.0
/*
 * Regular files and directories.
 *
 * A file with a name is reopened by it at the thaw, at the position it
 * had.  An unlinked one has no name to reopen: its contents go into the
 * image (FILE_DATA), read through a description the target itself reads
 * with and only if the freezer may read the file, as ptrace would let
 * it; the thaw creates a new nameless file in the same directory, as the
 * restored process, and fills it.
 */
#include "cryo.h"

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/slab.h>

#include "freezing.h"
#include "thawing.h"
#include "files/file.h"
#include "files/reopen.h"
#include "task/task.h"

static bool cryo_regular_match(struct file *file)
{
	struct inode *inode = file_inode(file);

	/* memfd: an unlinked shmem file with this dentry name. */
	return S_ISREG(inode->i_mode) &&
	       (inode->i_nlink ||
		strncmp(file->f_path.dentry->d_name.name, "memfd:", 6));
}

/*
 * May the contents of an unlinked file go into the image through @file?
 * Only through a description the target itself can read from (not
 * write-only, not O_PATH), and only if the freezer may read the inode:
 * the reopen for reading, dentry_open(), checks no permission itself.
 */
static bool cryo_regular_readable(struct file *file)
{
	return (file->f_mode & FMODE_READ) && !(file->f_mode & FMODE_PATH) &&
	       !file_permission(file, MAY_READ);
}

static u32 cryo_regular_refuse(struct file *file)
{
	if (!file_inode(file)->i_nlink && !cryo_regular_readable(file))
		return CRYO_REFUSAL_UNREADABLE_FILE;
	return CRYO_REFUSAL_NONE;
}

/*
 * The bytes of @data's data extents, as SEEK_DATA and SEEK_HOLE find
 * them: holes are not saved.  Counted up to @stop only (a walk of a
 * file far over the limit stops early).  A file system without them has
 * one extent, the whole file.
 */
static int cryo_regular_extents(struct file *data, u64 stop, u64 *bytes)
{
	loff_t size = i_size_read(file_inode(data));
	loff_t pos = 0, end;

	*bytes = 0;
	while (pos < size && *bytes <= stop) {
		pos = vfs_llseek(data, pos, SEEK_DATA);
		if (pos == -ENXIO)
			break;
		if (pos < 0)
			return pos;
		end = vfs_llseek(data, pos, SEEK_HOLE);
		if (end < 0)
			return end;
		end = min(end, size);
		if (end <= pos)
			break;
		*bytes += end - pos;
		pos = end;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/* A description of the unlinked @file of our own, to read and seek. */
static struct file *cryo_regular_data_open(struct file *file)
{
	return dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE,
			   current_cred());
}

/**
 * cryo_regular_budget() - count an unlinked file against the image's limit
 * @img: the image being checked
 * @file: a description the tree holds
 *
 * The contents of unlinked files go into the image: their data extents,
 * each description once, up to &cryo_freeze.max_deleted_data in all.
 *
 * Return: %CRYO_REFUSAL_NONE, or %CRYO_REFUSAL_DELETED_TOO_BIG.
 */
u32 cryo_regular_budget(struct cryo_image *img, struct file *file)
{
	struct cryo_files_save *fs = &img->fdt;
	struct file *data;
	unsigned int i;
	u64 bytes;
	int ret;

	if (!cryo_regular_match(file) || file_inode(file)->i_nlink ||
	    !cryo_regular_readable(file))
		return CRYO_REFUSAL_NONE;
	for (i = 0; i < fs->nr_counted; i++)
		if (fs->counted[i] == file)
			return CRYO_REFUSAL_NONE;
	if (fs->nr_counted == fs->max_counted) {
		unsigned int n = max(16U, fs->max_counted * 2);
		struct file **c;

		c = kvmalloc_array(n, sizeof(*c), GFP_KERNEL_ACCOUNT);
		if (!c)		/* counted by the save instead */
			return CRYO_REFUSAL_NONE;
		if (fs->nr_counted)
			memcpy(c, fs->counted, fs->nr_counted * sizeof(*c));
		kvfree(fs->counted);
		fs->counted = c;
		fs->max_counted = n;
	}
	/* Only compared: the parked tree holds every one of them. */
	fs->counted[fs->nr_counted++] = file;
	data = cryo_regular_data_open(file);
	if (IS_ERR(data))
		return CRYO_REFUSAL_NONE;	/* the save says why */
	ret = cryo_regular_extents(data, img->max_deleted - fs->counted_bytes,
				   &bytes);
	fput(data);
	if (ret)
		return CRYO_REFUSAL_NONE;
	fs->counted_bytes += bytes;
	return fs->counted_bytes > img->max_deleted ?
	       CRYO_REFUSAL_DELETED_TOO_BIG : CRYO_REFUSAL_NONE;
}

/**
 * cryo_regular_deleted() - is @file a deleted regular file of a user's
 * mount, whose contents a freeze saves?
 * @file: a description, or the file behind a mapping
 *
 * Not a memfd, a System V segment or shared anonymous memory: those are
 * unlinked shmem files of the kernel's own mounts (mm/shm.c).
 */
bool cryo_regular_deleted(struct file *file)
{
	return cryo_regular_match(file) && !file_inode(file)->i_nlink &&
	       !(file->f_path.mnt->mnt_flags & MNT_INTERNAL);
}

/**
 * cryo_regular_map_refusal() - may the deleted file behind a mapping be
 * saved?
 * @img: the image being checked
 * @file: the mapping's file, cryo_regular_deleted()
 *
 * Its contents go into the image as an unlinked file's do, through the
 * mapping's own description (which mmap(2) required to be readable),
 * counted against the same limit, each description once.
 *
 * Return: %CRYO_REFUSAL_NONE, %CRYO_REFUSAL_DELETED_MAPPING_UNREADABLE or
 * %CRYO_REFUSAL_DELETED_MAPPING_TOO_BIG.
 */
u32 cryo_regular_map_refusal(struct cryo_image *img, struct file *file)
{
	if (!cryo_regular_readable(file))
		return CRYO_REFUSAL_DELETED_MAPPING_UNREADABLE;
	if (cryo_regular_budget(img, file) != CRYO_REFUSAL_NONE)
		return CRYO_REFUSAL_DELETED_MAPPING_TOO_BIG;
	return CRYO_REFUSAL_NONE;
}

static int cryo_regular_save(struct cryo_image *img, struct cryo_seen *seen,
			     struct file *file, struct cryo_file_out *out)
{
	struct cryo_files_save *fs = &img->fdt;
	struct file *data;
	u64 bytes;
	int ret;

	if (file_inode(file)->i_nlink)
		return 0;
	out->flags |= CRYO_FILE_UNLINKED;
	if (!cryo_regular_readable(file)) {
		/*
		 * Refused at CRYO_IOC_FREEZE unless the loss was accepted;
		 * made unreadable since (a chmod): refused now, never read.
		 */
		if (!(img->flags & CRYO_FREEZE_ACCEPT_LOSS))
			return -EACCES;
		out->flags |= CRYO_FILE_LOST;
		return 0;
	}
	/* Unlinked: its data extents go into the image. */
	data = cryo_regular_data_open(file);
	if (IS_ERR(data))
		return PTR_ERR(data);
	ret = cryo_regular_extents(data, img->max_deleted - fs->saved_bytes,
				   &bytes);
	if (ret) {
		fput(data);
		return ret;
	}
	/*
	 * Over the limit: refused at CRYO_IOC_FREEZE unless the loss was
	 * accepted, or grown since (written by a process outside).
	 */
	if (bytes > img->max_deleted - fs->saved_bytes) {
		fput(data);
		if (!(img->flags & CRYO_FREEZE_ACCEPT_LOSS))
			return -EFBIG;
		out->flags |= CRYO_FILE_LOST;
		return 0;
	}
	fs->saved_bytes += bytes;
	fs->data_file = data;
	fs->data_size = bytes;
	fs->data_limit = i_size_read(file_inode(file));
	return 0;
}

static u64 cryo_regular_max_data(const struct cryo_image_file *r)
{
	return r->flags & CRYO_FILE_UNLINKED ? min_t(u64, r->size,
						     MAX_LFS_FILESIZE) : 0;
}

/*
 * An unlinked file: made again in the same directory as the restored
 * process (so owned by it) with at most its permission bits (never
 * setuid, setgid or sticky), under its own name when that is free, then
 * removed, so that /proc shows the name it had; FILE_DATA fills it.
 */
static int cryo_regular_load(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	struct file *file;

	if (!(f->rec.flags & CRYO_FILE_UNLINKED) ||
	    (f->rec.flags & CRYO_FILE_LOST))
		return 0;
	file = cryo_reopen_deleted(t, "unlinked file", f->name,
				   O_RDWR | O_LARGEFILE | O_NOCTTY,
				   S_IFREG | (f->rec.mode & 0777));
	if (IS_ERR(file))
		return PTR_ERR(file);
	/* Its description is the frozen one's: its flags. */
	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~CRYO_REOPEN_FLAGS) |
			O_RDWR | (f->rec.open_flags & CRYO_REOPEN_FLAGS &
				  ~O_ACCMODE);
	spin_unlock(&file->f_lock);
	f->file = file;
	return 0;
}

/*
 * An unlinked file recreated (since 2.8): its size (the holes past its
 * last extent are not written), its permission bits (the thawing
 * caller's umask took some at the creation; never setuid, setgid or
 * sticky) and its mtime, set as the restored process, whose file it is.
 */
static int cryo_regular_attrs(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	struct inode *inode = file_inode(f->file);
	struct iattr attr = {
		.ia_valid = ATTR_SIZE | ATTR_FILE | ATTR_MODE | ATTR_MTIME |
			    ATTR_MTIME_SET | ATTR_CTIME,
		.ia_size = f->rec.size,
		.ia_mode = (f->rec.mode & 0777) | (inode->i_mode & ~S_IALLUGO),
		.ia_file = f->file,
		.ia_mtime = ns_to_timespec64(f->rec.mtime_ns),
	};
	const struct cred *cred, *old;
	int ret;

	cred = cryo_creds_open_cred(t);
	if (IS_ERR(cred))
		return PTR_ERR(cred);
	old = override_creds(cred);
	inode_lock(inode);
	ret = cryo_notify_change(f->file, &attr);
	inode_unlock(inode);
	revert_creds(old);
	if (ret)
		return cryo_thaw_fail(t, ret,
				      "unlinked file %s: cannot set its size %llu, mode or mtime (error %d)",
				      f->name, f->rec.size, -ret);
	return 0;
}

/* The position the description had. */
static int cryo_regular_seek(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	loff_t ret;

	if ((f->rec.flags & CRYO_FILE_UNLINKED) &&
	    f->data_got != f->rec.data_size)
		return cryo_file_bad(t, "unlinked file %s: contents incomplete",
				     f->name);
	if ((f->rec.flags & CRYO_FILE_UNLINKED) &&
	    f->rec.kind == CRYO_FILE_REG && t->hdr.minor >= 8) {
		ret = cryo_regular_attrs(t, f);
		if (ret)
			return ret;
	}
	ret = vfs_llseek(f->file, f->rec.pos, SEEK_SET);
	if (ret < 0)
		return cryo_thaw_fail(t, ret, "%s %s: cannot seek to %lld",
				      f->rec.kind == CRYO_FILE_DIR ?
				      "directory" : "file",
				      f->name, f->rec.pos);
	return 0;
}

/* Open @f again by its path with @flags; then its position. */
static int cryo_regular_reopen(struct cryo_thawing *t, struct cryo_thaw_file *f,
			       int flags)
{
	int ret = cryo_file_reopen_alone(t, f, flags);

	if (ret)
		return ret;
	if (f->rec.open_flags & O_PATH)
		return 0;
	return cryo_regular_seek(t, f);
}

static int cryo_regular_restore(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_thaw_file *f = &t->tree->files.files[idx];

	if (f->file)	/* unlinked: created while reading */
		return cryo_regular_seek(t, f);
	return cryo_regular_reopen(t, f, f->rec.open_flags & O_PATH ?
				   f->rec.open_flags & CRYO_OPATH_FLAGS :
				   f->rec.open_flags & CRYO_REOPEN_FLAGS);
}

const struct cryo_file_ops cryo_regular_ops = {
	.kind		= CRYO_FILE_REG,
	.name		= "file",
	.type		= S_IFREG,
	.match		= cryo_regular_match,
	.refuse		= cryo_regular_refuse,
	.save		= cryo_regular_save,
	.max_data	= cryo_regular_max_data,
	.load		= cryo_regular_load,
	.restore	= cryo_regular_restore,
};

static bool cryo_dir_match(struct file *file)
{
	return S_ISDIR(file_inode(file)->i_mode);
}

/* A deleted directory (since 2.8) is made again, empty. */
static int cryo_dir_save(struct cryo_image *img, struct cryo_seen *seen,
			 struct file *file, struct cryo_file_out *out)
{
	if (d_unlinked(file->f_path.dentry))
		out->flags |= CRYO_FILE_UNLINKED;
	return 0;
}

/*
 * A deleted directory: made again empty in its parent and removed, by
 * the first description of it; the others open the same one.
 */
static int cryo_dir_recreate(struct cryo_thawing *t, struct cryo_thaw_file *f,
			     int flags)
{
	struct file *twin = cryo_file_twin(t, f), *file;
	char *what;

	if (twin) {
		file = cryo_file_open_on(t, f, twin, flags);
	} else {
		what = cryo_file_what(t, f);
		if (!what)
			return -ENOMEM;
		file = cryo_reopen_deleted(t, what, f->name, flags,
					   S_IFDIR | (f->rec.mode & 0777));
		kfree(what);
	}
	if (IS_ERR(file))
		return PTR_ERR(file);
	f->file = file;
	return 0;
}

static int cryo_dir_restore(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_thaw_file *f = &t->tree->files.files[idx];
	/* An O_PATH one keeps its O_NOFOLLOW and O_DIRECTORY as it had them. */
	int flags = f->rec.open_flags & O_PATH ?
		    f->rec.open_flags & CRYO_OPATH_FLAGS :
		    O_RDONLY | O_DIRECTORY;
	int ret;

	if (!(f->rec.flags & CRYO_FILE_UNLINKED))
		return cryo_regular_reopen(t, f, flags);
	ret = cryo_dir_recreate(t, f, flags);
	/* An empty directory: its position does not matter. */
	return ret;
}

const struct cryo_file_ops cryo_dir_ops = {
	.kind		= CRYO_FILE_DIR,
	.name		= "directory",
	.type		= S_IFDIR,
	.match		= cryo_dir_match,
	.save		= cryo_dir_save,
	.restore	= cryo_dir_restore,
};
