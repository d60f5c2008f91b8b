// SPDX-License-Identifier: GPL-2.0
/*
 * Opening a file by name for a process being restored, and deciding
 * whether it is the file that was frozen.
 *
 * Every open a thaw or a remap makes for the restored process goes
 * through cryo_reopen(), whoever the caller is:
 *
 *  - under the credentials the restored process will have (its uids,
 *    gids and groups, the capabilities it keeps), never the caller's: a
 *    root scheduler thawing a user's job opens only what that user could;
 *  - the last component of the path is not followed (a symbolic link put
 *    in the file's place after the freeze is refused), and the file's type
 *    is checked before the open, so that a FIFO or a device never stands
 *    in for a regular file or a directory;
 *  - O_NONBLOCK and O_NOCTTY: no open ever blocks (a FIFO without a
 *    writer) or gives the caller a controlling terminal;
 *  - the file opened must be the inode looked up, so a rename between the
 *    check and the open is refused too.
 *
 * Identity: device and inode numbers name a file only within one boot of
 * one machine.  The image records the freezing machine's boot id; a thaw
 * in the same boot requires the same device and inode, elsewhere the type,
 * and for a regular file its size and mtime, must match.
 */
#include "cryo.h"

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/namei.h>
#include <linux/random.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uuid.h>

#include "thawing.h"
#include "files/reopen.h"
#include "image/boot.h"
#include "task/task.h"

static const char *cryo_type_name(umode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:	return "regular file";
	case S_IFDIR:	return "directory";
	case S_IFCHR:	return "character device";
	case S_IFBLK:	return "block device";
	case S_IFIFO:	return "FIFO";
	case S_IFSOCK:	return "socket";
	case S_IFLNK:	return "symbolic link";
	default:	return "file of unknown type";
	}
}

/**
 * cryo_reopen() - open a file by name for the process being restored
 * @t: the thaw; its credentials for opens (cryo_creds_open_cred())
 * @what: what the file is, for messages ("mapping 0x1000-0x2000 (/bin/x)")
 * @path: absolute path, from the image
 * @flags: open flags; O_NOFOLLOW, O_NOCTTY and O_LARGEFILE are added
 * @type: the S_IFMT type the file must have
 *
 * Return: the open file, with O_NONBLOCK as @flags has it, or an ERR_PTR
 * with the thaw failed and its message set.
 */
struct file *cryo_reopen(struct cryo_thawing *t, const char *what,
			 const char *path, int flags, umode_t type)
{
	const struct cred *cred = cryo_creds_open_cred(t), *old;
	struct inode *inode;
	struct file *file;
	struct path p;
	int ret;

	if (IS_ERR(cred))
		return ERR_CAST(cred);
	if (path[0] != '/')
		return ERR_PTR(cryo_thaw_fail(t, -EBADMSG,
					      "%s: not an absolute path", what));
	old = override_creds(cred);
	ret = kern_path(path, 0, &p);	/* the last component not followed */
	if (ret) {
		revert_creds(old);
		return ERR_PTR(cryo_thaw_fail(t, ret,
					      "%s: cannot open (error %d)",
					      what, -ret));
	}
	inode = d_inode(p.dentry);
	if ((inode->i_mode & S_IFMT) != (type & S_IFMT)) {
		ret = cryo_thaw_fail(t, -ESTALE,
				     "%s: now a %s, frozen a %s", what,
				     cryo_type_name(inode->i_mode),
				     cryo_type_name(type));
		goto out_put;
	}
	file = filp_open(path, flags | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
			 O_LARGEFILE, 0);
	if (IS_ERR(file)) {
		ret = cryo_thaw_fail(t, PTR_ERR(file),
				     "%s: cannot open (error %ld)", what,
				     -PTR_ERR(file));
		goto out_put;
	}
	if (file_inode(file) != inode) {
		fput(file);
		ret = cryo_thaw_fail(t, -ESTALE,
				     "%s: replaced while it was being opened",
				     what);
		goto out_put;
	}
	path_put(&p);
	revert_creds(old);
	/* The description keeps the image's flags, not ours. */
	spin_lock(&file->f_lock);
	file->f_flags &= ~((O_NOFOLLOW | O_NOCTTY | O_NONBLOCK) & ~flags);
	spin_unlock(&file->f_lock);
	return file;

out_put:
	path_put(&p);
	revert_creds(old);
	return ERR_PTR(ret);
}

/*
 * The path-based LSM hooks (AppArmor, TOMOYO) that mknod(2), open(2) with
 * O_CREAT and mkdir(2) pass before they create a node, and unlink(2)
 * before it removes one (fs/namei.c): vfs_create() and friends call only
 * the inode hooks, so without these a policy that forbids the restored
 * process to create a file in that directory would not forbid the thaw to
 * do it for it.  Called where the syscalls call them, with the parent
 * locked (kern_path_create()).  A policy that lets the process create
 * the node but not remove it fails the thaw with the node left in place
 * (its owner's alone, 0600 or 0700), as the process itself would be left
 * with it: its name cannot be checked before it exists.
 *
 * rmdir(2)'s security_path_rmdir() is not exported to modules (6.1, 6.12):
 * a directory made here is removed with only vfs_rmdir()'s inode hook.  It
 * is the directory just made under the same policy, by the same
 * credentials, so no policy gains a directory the process could not make.
 */
static int cryo_reopen_may_make(const struct path *parent,
				struct dentry *dentry, umode_t mode)
{
	if (S_ISDIR(mode))
		return security_path_mkdir(parent, dentry, mode & ~S_IFMT);
	return security_path_mknod(parent, dentry, mode, 0);
}

static int cryo_reopen_may_remove(const struct path *parent,
				  struct dentry *dentry)
{
	if (d_is_dir(dentry))
		return 0;	/* security_path_rmdir() is not exported */
	return security_path_unlink(parent, dentry);
}

/*
 * Make the node of @mode at @name (absolute), as the current (overridden)
 * credentials, open it with @flags and remove it again.  -EEXIST when
 * the name is taken.
 */
static struct file *cryo_reopen_make(const char *name, int flags,
				     umode_t mode, const struct cred *cred)
{
	struct path parent, p;
	struct dentry *dentry;
	struct file *file;
	int ret;

	dentry = kern_path_create(AT_FDCWD, name, &parent,
				  S_ISDIR(mode) ? LOOKUP_DIRECTORY : 0);
	if (IS_ERR(dentry))
		return ERR_CAST(dentry);
	ret = cryo_reopen_may_make(&parent, dentry, mode);
	if (!ret)
		ret = cryo_vfs_make(&parent, dentry, mode);
	/* Some file systems leave the dentry negative: no node to open. */
	if (!ret && d_really_is_negative(dentry))
		ret = -ENOENT;
	if (ret) {
		file = ERR_PTR(ret);
		goto out;
	}
	p.mnt = parent.mnt;
	p.dentry = dentry;
	file = dentry_open(&p, flags, cred);
	ret = cryo_reopen_may_remove(&parent, dentry);
	if (!ret)
		ret = cryo_vfs_remove(&parent, dentry);
	if (ret && !IS_ERR(file)) {
		fput(file);
		file = ERR_PTR(ret);
	}
out:
	done_path_create(&parent, dentry);
	return file;
}

/**
 * cryo_reopen_deleted() - make a deleted regular file, FIFO or directory
 * again, for the process being restored
 * @t: the thaw; its credentials for opens (cryo_creds_open_cred())
 * @what: what the file is, for messages
 * @path: its path as d_path() gave it, "/a/b (deleted)"
 * @flags: open flags for it
 * @mode: S_IFREG, S_IFIFO or S_IFDIR, and the permission bits it had
 *
 * Made as the restored process (so owned by it, and only where it may
 * create a file) in the same directory, under the same name when that is
 * free, else a name of our own; opened, then removed again, so that it
 * is deleted as frozen.  Its permission bits are set after (the caller's
 * umask took some): never setuid, setgid or sticky.
 *
 * Return: the open file, or an ERR_PTR with the thaw failed.
 */
struct file *cryo_reopen_deleted(struct cryo_thawing *t, const char *what,
				 const char *path, int flags, umode_t mode)
{
	const struct cred *cred = cryo_creds_open_cred(t), *old;
	struct iattr attr = { .ia_valid = ATTR_MODE | ATTR_CTIME };
	char *name, *del, *slash;
	umode_t make;
	struct inode *inode;
	struct file *file;
	int ret;

	if (IS_ERR(cred))
		return ERR_CAST(cred);
	name = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!name)
		return ERR_PTR(cryo_thaw_fail(t, -ENOMEM, "out of memory"));
	strscpy(name, path, PATH_MAX);
	/* Only the suffix d_path() adds: a directory may be named so too. */
	del = name + strlen(name);
	if (del - name >= 10 && !strcmp(del - 10, " (deleted)"))
		del[-10] = '\0';
	slash = strrchr(name, '/');
	if (name[0] != '/' || !slash || !slash[1]) {
		kfree(name);
		return ERR_PTR(cryo_thaw_fail(t, -EBADMSG,
					      "%s: not an absolute path", what));
	}
	/*
	 * Made for its owner alone: until it is removed again, others who
	 * may search the directory could open it by name and read what
	 * FILE_DATA writes into it.  Its own bits are set once it is gone.
	 */
	make = (mode & S_IFMT) | (S_ISDIR(mode) ? 0700 : 0600);
	old = override_creds(cred);
	file = cryo_reopen_make(name, flags, make, cred);
	if (PTR_ERR(file) == -EEXIST) {
		/* Its name was taken since: a name of our own, removed too. */
		snprintf(slash + 1, PATH_MAX - (slash + 1 - name),
			 ".cryo-%08x", get_random_u32());
		file = cryo_reopen_make(name, flags, make, cred);
	}
	if (!IS_ERR(file)) {
		inode = file_inode(file);
		attr.ia_mode = (mode & 0777) | (inode->i_mode & ~S_IALLUGO);
		inode_lock(inode);
		ret = cryo_notify_change(file, &attr);
		inode_unlock(inode);
		if (ret) {
			fput(file);
			file = ERR_PTR(ret);
		}
	}
	revert_creds(old);
	kfree(name);
	if (IS_ERR(file))
		return ERR_PTR(cryo_thaw_fail(t, PTR_ERR(file),
					      "%s: cannot make it again in its directory (error %ld)",
					      what, -PTR_ERR(file)));
	return file;
}

/**
 * cryo_reopen_same() - is @file the one that was frozen?
 * @t: the thaw (its header says where the image was made)
 * @what: for messages
 * @file: the file opened by cryo_reopen()
 * @id: what the image recorded of it
 *
 * Return: 0, or -ESTALE with the thaw failed and its message set.
 */
int cryo_reopen_same(struct cryo_thawing *t, const char *what,
		     struct file *file, const struct cryo_file_id *id)
{
	struct inode *inode = file_inode(file);
	struct timespec64 mt = cryo_inode_mtime(inode);

	if (cryo_boot_same(t->hdr.boot_id) &&
	    (new_encode_dev(inode->i_sb->s_dev) != id->dev ||
	     inode->i_ino != id->ino))
		return cryo_thaw_fail(t, -ESTALE,
				      "%s: not the file frozen (%s differs)", what,
				      inode->i_ino != id->ino ? "inode" : "device");
	if ((inode->i_mode & S_IFMT) != (id->mode & S_IFMT))
		return cryo_thaw_fail(t, -ESTALE,
				      "%s: not the file frozen (type differs)",
				      what);
	/*
	 * A regular file must also be as it was: a process restored against
	 * other contents would run on wrong data (CRIU checks the size too).
	 */
	if (S_ISREG(inode->i_mode)) {
		if (i_size_read(inode) != id->size)
			return cryo_thaw_fail(t, -ESTALE,
					      "%s: changed since freeze (size differs)",
					      what);
		if (timespec64_to_ns(&mt) != id->mtime_ns)
			return cryo_thaw_fail(t, -ESTALE,
					      "%s: changed since freeze (mtime differs)",
					      what);
	}
	if ((S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode)) &&
	    new_encode_dev(inode->i_rdev) != id->rdev)
		return cryo_thaw_fail(t, -ESTALE,
				      "%s: not the device frozen (device number differs)",
				      what);
	return 0;
}
