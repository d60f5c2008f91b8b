// SPDX-License-Identifier: GPL-2.0
/*
 * Files of a thaw: the FILE, FILE_DATA and FD records, reopening each
 * description with the caller's credentials, pipes from the library, and
 * installing the descriptors at their numbers at the very end.
 *
 * Nothing is installed before every thread of the restored process has
 * reached its last call: until then the descriptors of the process are
 * those it was forked with, which the stub needs (/dev/cryo itself).
 */
#include "cryo.h"

#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "thawing.h"
#include "files/files.h"
#include "files/reopen.h"
#include "task/task.h"

#define cryo_file_bad(t, fmt, ...) \
	cryo_thaw_badrec(t, CRYO_REC_FILE, fmt, ##__VA_ARGS__)

/* Status flags a reopen may carry; O_CREAT, O_TRUNC and the like never. */
#define CRYO_REOPEN_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | \
				 O_NOATIME | O_LARGEFILE | O_SYNC | O_DSYNC)

static const char *cryo_kind_name(u32 kind)
{
	switch (kind) {
	case CRYO_FILE_REG:	return "file";
	case CRYO_FILE_DIR:	return "directory";
	case CRYO_FILE_CHR:	return "device";
	case CRYO_FILE_PIPE:	return "pipe";
	case CRYO_FILE_FIFO:	return "FIFO";
	default:		return "file";
	}
}

/*
 * An unlinked file: a new nameless file in the same directory, made as
 * the restored process (so owned by it) with at most its permission bits:
 * never setuid, setgid or sticky.
 */
static int cryo_file_tmpfile(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	char *dir = kstrdup(f->name, GFP_KERNEL), *slash, *del;
	const struct cred *cred = cryo_creds_open_cred(t), *old;
	struct file *file;

	if (IS_ERR(cred)) {
		kfree(dir);
		return PTR_ERR(cred);
	}
	if (!dir)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	del = strstr(dir, " (deleted)");
	if (del)
		*del = '\0';
	slash = strrchr(dir, '/');
	if (!slash || dir[0] != '/') {
		kfree(dir);
		return cryo_file_bad(t, "unlinked file %s: not an absolute path",
				f->name);
	}
	slash[slash == dir ? 1 : 0] = '\0';
	old = override_creds(cred);
	file = filp_open(dir, O_TMPFILE | O_RDWR | O_LARGEFILE | O_NOCTTY,
			 f->rec.mode & 0777);
	revert_creds(old);
	if (IS_ERR(file)) {
		int err = PTR_ERR(file);

		cryo_thaw_fail(t, err,
			       "unlinked file %s: cannot create a file in %s (error %d)",
			       f->name, dir, -err);
		kfree(dir);
		return err;
	}
	kfree(dir);
	/* Its description is the frozen one's: no O_TMPFILE, its flags. */
	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~(O_TMPFILE | CRYO_REOPEN_FLAGS)) |
			O_RDWR | (f->rec.open_flags & CRYO_REOPEN_FLAGS &
				  ~O_ACCMODE);
	spin_unlock(&file->f_lock);
	f->file = file;
	return 0;
}

int cryo_fdtable_load_file(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_file *r = t->buf;
	struct cryo_thaw_file *f;
	u64 max_data;
	int ret;

	if (rec->len < sizeof(*r) || r->name_len > PATH_MAX ||
	    rec->len != sizeof(*r) + r->name_len)
		return cryo_file_bad(t, "FILE: bad length %u", rec->len);
	if (r->id != t->nr_files + 1)
		return cryo_file_bad(t, "FILE: id %u, expected %u", r->id,
				t->nr_files + 1);
	if (r->kind < CRYO_FILE_REG || r->kind > CRYO_FILE_OTHER ||
	    (r->flags & ~(CRYO_FILE_UNLINKED | CRYO_FILE_LOST)) ||
	    ((r->flags & CRYO_FILE_UNLINKED) && r->kind != CRYO_FILE_REG) ||
	    r->pos < 0)
		return cryo_file_bad(t, "FILE %u: bad kind, flags or position",
				r->id);
	/* A lost file's contents were not saved (an unlinked one's too). */
	if (r->flags & CRYO_FILE_LOST)
		max_data = 0;
	else if (r->flags & CRYO_FILE_UNLINKED)
		max_data = MAX_LFS_FILESIZE;
	else if (r->kind == CRYO_FILE_PIPE || r->kind == CRYO_FILE_FIFO)
		max_data = CRYO_THAW_MAX_PIPE_DATA;
	else
		max_data = 0;
	if ((r->kind == CRYO_FILE_REG && !S_ISREG(r->mode)) ||
	    (r->kind == CRYO_FILE_DIR && !S_ISDIR(r->mode)) ||
	    (r->kind == CRYO_FILE_CHR && !S_ISCHR(r->mode)) ||
	    ((r->kind == CRYO_FILE_FIFO || r->kind == CRYO_FILE_PIPE) &&
	     !S_ISFIFO(r->mode)))
		return cryo_file_bad(t, "FILE %u: kind %u with mode %#o", r->id,
				r->kind, r->mode);
	if (r->data_size > max_data)
		return cryo_file_bad(t, "FILE %u: data size %llu", r->id,
				r->data_size);
	ret = cryo_thaw_hold(t, r->name_len + 1 +
			     (r->kind == CRYO_FILE_PIPE || r->kind == CRYO_FILE_FIFO ?
			      r->data_size : 0));
	if (ret)
		return ret;
	ret = cryo_thaw_grow((void **)&t->files, &t->max_files, t->nr_files + 1,
			sizeof(*t->files), CRYO_THAW_MAX_FILES);
	if (ret)
		return cryo_thaw_fail(t, ret, "record %llu: too many files",
				      t->record);
	f = &t->files[t->nr_files];
	memset(f, 0, sizeof(*f));
	f->rec = *r;
	f->pipe = -1;
	f->name = kmemdup_nul((char *)(r + 1), r->name_len, GFP_KERNEL);
	if (!f->name)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	t->nr_files++;
	if (strlen(f->name) != r->name_len)
		return cryo_file_bad(t, "FILE %u: NUL in its name", r->id);

	if ((r->kind == CRYO_FILE_PIPE || r->kind == CRYO_FILE_FIFO) &&
	    r->data_size) {
		f->data = kvmalloc(r->data_size, GFP_KERNEL_ACCOUNT);
		if (!f->data)
			return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	}
	if ((r->flags & CRYO_FILE_UNLINKED) && !(r->flags & CRYO_FILE_LOST))
		return cryo_file_tmpfile(t, f);
	return 0;
}

int cryo_fdtable_load_data(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_file_data *d = t->buf;
	u64 len = rec->len - sizeof(*d);
	struct cryo_thaw_file *f;
	loff_t pos;
	ssize_t n;

	if (rec->len < sizeof(*d) || d->__reserved || !t->nr_files ||
	    d->id != t->nr_files)
		return cryo_file_bad(t, "FILE_DATA: not for the last FILE");
	f = &t->files[t->nr_files - 1];
	if (d->offset != f->data_got || len > f->rec.data_size - f->data_got)
		return cryo_file_bad(t, "FILE_DATA %u: offset %llu, length %llu",
				d->id, d->offset, len);
	f->data_got += len;
	if (f->data) {
		memcpy(f->data + d->offset, d + 1, len);
		return 0;
	}
	if (!f->file)
		return cryo_file_bad(t, "FILE_DATA %u: the file has no contents",
				d->id);
	pos = d->offset;
	n = kernel_write(f->file, d + 1, len, &pos);
	if (n != len)
		return cryo_thaw_fail(t, n < 0 ? n : -ENOSPC,
				      "unlinked file %s: cannot write its contents",
				      f->name);
	return 0;
}

static int cryo_inherit_find(struct cryo_thawing *t, u32 fd)
{
	unsigned int i;

	for (i = 0; i < t->nr_inherit; i++)
		if (t->inherit[i].fd == fd)
			return i;
	return -1;
}

int cryo_fdtable_load_fd(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_fd *r = t->buf;
	struct cryo_thaw_fd *fd;
	unsigned long nofile;
	int ret, i;

	if (rec->len != sizeof(*r) || r->__reserved ||
	    (r->flags & ~CRYO_FD_CLOEXEC))
		return cryo_file_bad(t, "FD: bad length or flags");
	if (!r->file_id || r->file_id > t->nr_files)
		return cryo_file_bad(t, "FD %u: no FILE %u", r->fd, r->file_id);
	if (t->nr_fds && r->fd <= t->fds[t->nr_fds - 1].rec.fd)
		return cryo_file_bad(t, "FD %u: not in ascending order", r->fd);
	/* The image's limit, as far as the restored process gets it. */
	nofile = t->have_proc ? cryo_creds_nofile(t) : rlimit(RLIMIT_NOFILE);
	if (r->fd >= nofile)
		return cryo_thaw_fail(t, -EMFILE,
				      "fd %u: at or above the open files limit it will have (RLIMIT_NOFILE %lu)",
				      r->fd, nofile);
	ret = cryo_thaw_grow((void **)&t->fds, &t->max_fds, t->nr_fds + 1,
			sizeof(*t->fds), CRYO_THAW_MAX_FILES);
	if (ret)
		return cryo_thaw_fail(t, ret, "record %llu: too many fds",
				      t->record);
	fd = &t->fds[t->nr_fds++];
	fd->rec = *r;
	fd->file = NULL;
	i = cryo_inherit_find(t, r->fd);
	if (i >= 0)
		fd->file = get_file(t->inherit_files[i]);
	else
		t->files[r->file_id - 1].needed = true;
	return 0;
}

/* Same file as frozen?  See cryo_reopen_same(). */
static int cryo_file_same(struct cryo_thawing *t, struct cryo_thaw_file *f,
			  const char *what, struct file *file)
{
	struct cryo_file_id id = {
		.dev = f->rec.dev, .ino = f->rec.ino, .mode = f->rec.mode,
		.size = f->rec.size, .mtime_ns = f->rec.mtime_ns,
		.rdev = f->rec.rdev,
	};

	return cryo_reopen_same(t, what, file, &id);
}

/* Is this character device one a reopen restores (not a terminal)? */
static bool cryo_chr_reopens(u64 rdev)
{
	/* /dev/null, zero, full, random, urandom: major 1. */
	return MAJOR(new_decode_dev(rdev)) == 1;
}

static int cryo_fd_of(struct cryo_thawing *t, unsigned int idx)
{
	unsigned int i;

	for (i = 0; i < t->nr_fds; i++)
		if (t->fds[i].rec.file_id == idx + 1 && !t->fds[i].file)
			return t->fds[i].rec.fd;
	return -1;
}

static int cryo_need_inherit(struct cryo_thawing *t, unsigned int idx,
			     const char *why)
{
	struct cryo_thaw_file *f = &t->files[idx];
	int fd = cryo_fd_of(t, idx);

	return cryo_thaw_fail(t, -ENXIO,
			      "fd %d (%s): %s; give it a file with --inherit-fd %d=FD",
			      fd, f->name, why, fd);
}

static int cryo_file_open(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_thaw_file *f = &t->files[idx];
	bool opath = f->rec.open_flags & O_PATH;
	int flags = opath ? O_PATH : f->rec.open_flags & CRYO_REOPEN_FLAGS;
	umode_t type = f->rec.mode & S_IFMT;
	struct file *file;
	char *what;
	int ret;

	/*
	 * Given up at the freeze: an unlinked file whose contents could not
	 * be read is not recreated empty, nor reopened by its "(deleted)"
	 * name.
	 */
	if (f->rec.flags & CRYO_FILE_LOST)
		return cryo_need_inherit(t, idx, "it was lost at the freeze");
	switch (f->rec.kind) {
	case CRYO_FILE_REG:
		if (f->file)	/* unlinked: created while reading */
			goto pos;
		break;
	case CRYO_FILE_DIR:
		flags = (opath ? O_PATH : O_RDONLY) | O_DIRECTORY;
		break;
	case CRYO_FILE_CHR:
		/* An O_PATH open does nothing to the device. */
		if (!opath && !cryo_chr_reopens(f->rec.rdev))
			return cryo_need_inherit(t, idx,
						 "a terminal is not reopened by name");
		break;
	case CRYO_FILE_FIFO:
		break;
	case CRYO_FILE_PIPE:
		return 0;	/* from the library, see cryo_fdtable_pipes() */
	default:
		return cryo_need_inherit(t, idx,
					 "cryo cannot recreate this kind of file");
	}
	what = kasprintf(GFP_KERNEL, "%s %s", cryo_kind_name(f->rec.kind),
			 f->name);
	if (!what)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	if (f->rec.kind == CRYO_FILE_FIFO && !opath) {
		/* An O_RDWR end first, so that no open blocks or fails. */
		file = cryo_reopen(t, what, f->name, O_RDWR | O_NONBLOCK,
				   S_IFIFO);
		if (IS_ERR(file)) {
			ret = PTR_ERR(file);
			goto out;
		}
		f->anchor = file;
	}
	file = cryo_reopen(t, what, f->name, flags, type);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out;
	}
	f->file = file;
	/* The bytes go into the FIFO checked, through the end checked. */
	if (f->anchor && file_inode(file) != file_inode(f->anchor)) {
		ret = cryo_thaw_fail(t, -ESTALE,
				     "%s: replaced while it was being opened",
				     what);
		goto out;
	}
	ret = cryo_file_same(t, f, what, file);
	if (ret)
		goto out;
	if (f->anchor && f->data) {
		loff_t pos = 0;

		if (kernel_write(f->anchor, f->data, f->rec.data_size, &pos) !=
		    f->rec.data_size)
			ret = cryo_thaw_fail(t, -ENOSPC,
					     "%s: its %llu bytes do not fit",
					     what, f->rec.data_size);
	}
out:
	kfree(what);
	if (ret || f->rec.kind == CRYO_FILE_FIFO || opath)
		return ret;
pos:
	if (f->rec.kind == CRYO_FILE_REG || f->rec.kind == CRYO_FILE_DIR) {
		if (f->rec.kind == CRYO_FILE_REG &&
		    (f->rec.flags & CRYO_FILE_UNLINKED) &&
		    f->data_got != f->rec.data_size)
			return cryo_file_bad(t, "unlinked file %s: contents incomplete",
					f->name);
		ret = vfs_llseek(f->file, f->rec.pos, SEEK_SET);
		if (ret < 0)
			return cryo_thaw_fail(t, ret,
					      "%s %s: cannot seek to %lld",
					      cryo_kind_name(f->rec.kind),
					      f->name, f->rec.pos);
	}
	return 0;
}

/*
 * After the FD records: open what some fd needs, count the pipes, and
 * check that each has both ends in the image.
 */
int cryo_fdtable_open(struct cryo_thawing *t)
{
	unsigned int i, j;
	int ret;

	for (i = 0; i < t->nr_inherit; i++) {
		for (j = 0; j < t->nr_fds; j++)
			if (t->fds[j].rec.fd == t->inherit[i].fd)
				break;
		if (j == t->nr_fds)
			return cryo_thaw_fail(t, -EINVAL,
					      "--inherit-fd %d: the image has no fd %d",
					      t->inherit[i].fd, t->inherit[i].fd);
	}
	for (i = 0; i < t->nr_files; i++) {
		struct cryo_thaw_file *f = &t->files[i];

		if (f->rec.data_size && f->data_got != f->rec.data_size)
			return cryo_file_bad(t, "FILE %u: %llu of %llu bytes", i + 1,
					f->data_got, f->rec.data_size);
		if (!f->needed)
			continue;
		ret = cryo_file_open(t, i);
		if (ret)
			return ret;
		if (f->rec.kind != CRYO_FILE_PIPE || f->pipe >= 0)
			continue;
		/* A new pipe; find its other end. */
		f->pipe = t->nr_pipes;
		for (j = i + 1; j < t->nr_files; j++) {
			struct cryo_thaw_file *g = &t->files[j];

			if (g->rec.kind == CRYO_FILE_PIPE &&
			    g->rec.pipe_id == f->rec.pipe_id &&
			    g->rec.dev == f->rec.dev &&
			    (g->rec.open_flags & O_ACCMODE) !=
			    (f->rec.open_flags & O_ACCMODE))
				break;
		}
		if (j == t->nr_files)
			return cryo_need_inherit(t, i,
						 "the other end of this pipe is not in the image");
		t->files[j].pipe = t->nr_pipes;
		t->files[j].needed = true;
		t->nr_pipes++;
	}
	return 0;
}

static bool cryo_is_pipe(struct file *f)
{
	return file_inode(f)->i_sb->s_magic == PIPEFS_MAGIC &&
	       S_ISFIFO(file_inode(f)->i_mode);
}

/* The library's fresh pipes become the image's, refilled. */
int cryo_fdtable_pipes(struct cryo_thawing *t, const s32 *fds, unsigned int nr)
{
	struct file *ends[2];
	unsigned int i, p, e;
	int ret = 0;

	if (nr != t->nr_pipes)
		return cryo_thaw_fail(t, -EINVAL, "%u pipes given, %u needed",
				      nr, t->nr_pipes);
	for (p = 0; p < nr; p++) {
		for (e = 0; e < 2; e++) {
			ends[e] = fget(fds[2 * p + e]);
			if (!ends[e] || !cryo_is_pipe(ends[e]) ||
			    !(ends[e]->f_mode & (e ? FMODE_WRITE : FMODE_READ))) {
				if (ends[e])
					fput(ends[e]);
				if (e)
					fput(ends[0]);
				return cryo_thaw_fail(t, -EINVAL,
						      "pipe %u: fd %d is not a fresh pipe's %s end",
						      p, fds[2 * p + e],
						      e ? "write" : "read");
			}
		}
		if (file_inode(ends[0]) != file_inode(ends[1]))
			ret = cryo_thaw_fail(t, -EINVAL,
					     "pipe %u: the two fds are not one pipe",
					     p);
		for (i = 0; !ret && i < t->nr_files; i++) {
			struct cryo_thaw_file *f = &t->files[i];
			struct file *file;
			loff_t pos = 0;

			if (f->pipe != p || f->file)
				continue;
			e = (f->rec.open_flags & O_ACCMODE) != O_RDONLY;
			file = ends[e];
			if (f->data) {
				unsigned int old = ends[1]->f_flags;

				/* Never block: too much is an error. */
				ends[1]->f_flags |= O_NONBLOCK;
				if (kernel_write(ends[1], f->data,
						 f->rec.data_size, &pos) !=
				    f->rec.data_size)
					ret = cryo_thaw_fail(t, -ENOSPC,
							     "pipe %s: its %llu bytes do not fit",
							     f->name,
							     f->rec.data_size);
				ends[1]->f_flags = old;
			}
			spin_lock(&file->f_lock);
			file->f_flags = (file->f_flags & ~O_NONBLOCK) |
					(f->rec.open_flags & O_NONBLOCK);
			spin_unlock(&file->f_lock);
			f->file = get_file(file);
		}
		fput(ends[0]);
		fput(ends[1]);
		if (ret)
			return ret;
	}
	return 0;
}

static int cryo_fd_any(const void *p, struct file *file, unsigned int fd)
{
	*(unsigned int *)p = fd;
	return 1;
}

/*
 * The last step: every fd of the process is closed and the image's are
 * installed at their numbers.  There is no replace_fd() for modules, so
 * the table is filled from 0 up with get_unused_fd_flags(), which takes
 * the lowest free number: the gaps hold reserved numbers until the end.
 * Every other thread waits, so nothing else allocates fds meanwhile.
 */
int cryo_fdtable_install(struct cryo_thawing *t)
{
	struct files_struct *files = current->files;
	unsigned int next = 0, found, i, k;
	int fd, ret = 0;
	u32 max_fd;

	while (iterate_fd(files, next, cryo_fd_any, &found)) {
		close_fd(found);
		next = found + 1;
	}
	if (!t->nr_fds)
		return 0;
	max_fd = t->fds[t->nr_fds - 1].rec.fd;
	for (k = 0, i = 0; k <= max_fd; k++) {
		struct cryo_thaw_fd *d = &t->fds[i];
		bool here = d->rec.fd == k;

		fd = get_unused_fd_flags(here && (d->rec.flags & CRYO_FD_CLOEXEC) ?
					 O_CLOEXEC : 0);
		if (fd != k) {
			if (fd >= 0)
				put_unused_fd(fd);
			ret = cryo_thaw_fail(t, fd < 0 ? fd : -EBUSY,
					     "fd %u: cannot be installed", k);
			max_fd = k;
			break;
		}
		if (!here)
			continue;
		fd_install(k, get_file(d->file ? d->file :
				       t->files[d->rec.file_id - 1].file));
		i++;
	}
	/* Give back the numbers that only held a gap. */
	for (k = 0, i = 0; k < max_fd; k++) {
		if (i < t->nr_fds && t->fds[i].rec.fd == k) {
			i++;
			continue;
		}
		put_unused_fd(k);
	}
	return ret;
}

void cryo_fdtable_release(struct cryo_thawing *t)
{
	unsigned int i;

	for (i = 0; i < t->nr_files; i++) {
		struct cryo_thaw_file *f = &t->files[i];

		if (f->file)
			fput(f->file);
		if (f->anchor)
			fput(f->anchor);
		kvfree(f->data);
		kfree(f->name);
	}
	kvfree(t->files);
	for (i = 0; i < t->nr_fds; i++)
		if (t->fds[i].file)
			fput(t->fds[i].file);
	kvfree(t->fds);
	for (i = 0; i < t->nr_inherit; i++)
		if (t->inherit_files && t->inherit_files[i])
			fput(t->inherit_files[i]);
	kfree(t->inherit_files);
	kfree(t->inherit);
}
