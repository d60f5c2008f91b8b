// SPDX-License-Identifier: GPL-2.0
/*
 * Open file descriptions: the FILE and FILE_DATA records.
 *
 * At the freeze, the first time the fd table (fdtable.c) meets a
 * description, it gets an id (1, 2, 3... in order of appearance) and a
 * FILE record: kind, flags, position, identity and path, and the FILE_DATA
 * records of what its kind saves (an unlinked file's contents, a pipe's
 * bytes).  At the thaw the records are checked as they are read, and each
 * description some fd needs is recreated by its kind, with the
 * credentials of the restored process (reopen.c).
 *
 * What is common to every kind is here; what differs is in the kind's
 * file, behind its struct cryo_file_ops (file.h).
 */
#include "cryo.h"

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/slab.h>

#include "freezing.h"
#include "session.h"
#include "thawing.h"
#include "files/file.h"
#include "files/fdinfo.h"
#include "files/files.h"
#include "files/reopen.h"
#include "image/record.h"
#include "task/task.h"

/* Bytes of file contents per FILE_DATA record. */
#define CRYO_DATA_CHUNK		(32 * 1024)

/* What cryo cannot save: refused, or saved as lost. */
static const struct cryo_file_ops cryo_other_ops = {
	.kind		= CRYO_FILE_OTHER,
	.name		= "file",
};

/*
 * Every kind cryo saves, tried in this order at the freeze: a memfd
 * before regular files (memfd_secret(2)'s is a nameless regular file).
 */
static const struct cryo_file_ops *const cryo_file_kinds[] = {
	&cryo_memfd_ops,
	&cryo_regular_ops,
	&cryo_dir_ops,
	&cryo_chardev_ops,
	&cryo_pipe_ops,
	&cryo_fifo_ops,
	&cryo_opath_ops,
	&cryo_eventfd_ops,
	&cryo_signalfd_ops,
	&cryo_timerfd_ops,
	&cryo_epoll_ops,
	&cryo_inotify_ops,
	&cryo_pty_master_ops,
	&cryo_pty_slave_ops,
};

/* The kind of a FILE record, checked to be one the format knows. */
const struct cryo_file_ops *cryo_file_ops_of(u32 kind)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cryo_file_kinds); i++)
		if (cryo_file_kinds[i]->kind == kind)
			return cryo_file_kinds[i];
	return &cryo_other_ops;
}

/* The magic of the mqueue file system; ipc/mqueue.c keeps it to itself. */
#define CRYO_MQUEUE_MAGIC	0x19800202

/* The kind of the target's @file. */
static const struct cryo_file_ops *cryo_file_kind(struct file *file)
{
	unsigned long magic = file_inode(file)->i_sb->s_magic;
	unsigned int i;

	/*
	 * Anonymous inodes: only the kinds the library makes again (an
	 * eventfd, a timerfd, an epoll ...), each known by its own test.
	 */
	if (magic == ANON_INODE_FS_MAGIC && !cryo_is_session_file(file)) {
		for (i = 0; i < ARRAY_SIZE(cryo_file_kinds); i++)
			if (cryo_file_kinds[i]->adopt &&
			    cryo_file_kinds[i]->match(file))
				return cryo_file_kinds[i];
		return &cryo_other_ops;
	}
	/*
	 * pidfd, namespaces ...; and our own sessions (saving one would pin
	 * it in a reference cycle).
	 */
	if (magic == ANON_INODE_FS_MAGIC || magic == NSFS_MAGIC ||
	    cryo_is_pidfs(magic) || cryo_is_session_file(file))
		return &cryo_other_ops;
	/*
	 * A POSIX message queue looks like a regular file, but its messages
	 * are not saved, and its path is in an mqueue mount the thaw may
	 * not have: refused as a kind of its own.
	 */
	if (magic == CRYO_MQUEUE_MAGIC)
		return &cryo_other_ops;
	for (i = 0; i < ARRAY_SIZE(cryo_file_kinds); i++)
		if (cryo_file_kinds[i]->match(file))
			return cryo_file_kinds[i];
	return &cryo_other_ops;	/* sockets, block devices, ... */
}

/* Why @file cannot go into the image, locks aside; or NONE. */
u32 cryo_file_refusal(struct file *file)
{
	const struct cryo_file_ops *ops = cryo_file_kind(file);

	/*
	 * A fanotify group has a reason of its own (not an O_PATH reopen
	 * of its /proc/PID/fd link: that is no group).
	 */
	if (ops == &cryo_other_ops)
		return !(file->f_mode & FMODE_PATH) &&
		       cryo_fdinfo_anon(file, "fanotify") ?
		       CRYO_REFUSAL_FANOTIFY : CRYO_REFUSAL_FD_KIND;
	return ops->refuse ? ops->refuse(file) : CRYO_REFUSAL_NONE;
}

/* ---- the freeze ---------------------------------------------------------- */

static struct cryo_seen *cryo_seen_find(struct cryo_files_save *fs,
					struct file *file, struct inode *pipe)
{
	unsigned int i;

	for (i = 0; i < fs->nr_seen; i++)
		if ((file && fs->seen[i].file == file) ||
		    (pipe && fs->seen[i].pipe == pipe))
			return &fs->seen[i];
	return NULL;
}

static int cryo_seen_add(struct cryo_files_save *fs, struct file *file)
{
	struct cryo_seen *s;

	if (fs->nr_seen == fs->max_seen) {
		unsigned int n = max(16U, fs->max_seen * 2);

		s = kvmalloc_array(n, sizeof(*s), GFP_KERNEL_ACCOUNT);
		if (!s)
			return -ENOMEM;
		if (fs->nr_seen)
			memcpy(s, fs->seen, fs->nr_seen * sizeof(*s));
		kvfree(fs->seen);
		fs->seen = s;
		fs->max_seen = n;
	}
	s = &fs->seen[fs->nr_seen++];
	s->file = file;
	s->pipe = NULL;
	s->id = fs->nr_seen;
	return 0;
}

/* The id of @file if it is in the image already (a dup), else 0. */
u32 cryo_file_id(struct cryo_image *img, struct file *file)
{
	struct cryo_seen *seen = cryo_seen_find(&img->fdt, file, NULL);

	return seen ? seen->id : 0;
}

/* Are the bytes of the pipe @pipe in the image already? */
bool cryo_file_pipe_saved(struct cryo_image *img, struct inode *pipe)
{
	return cryo_seen_find(&img->fdt, NULL, pipe);
}

/* Stage the FILE record of fs->cur, its kind's data made ready. */
static int cryo_file_record(struct cryo_image *img, struct cryo_seen *seen)
{
	struct cryo_files_save *fs = &img->fdt;
	struct file *file = fs->cur;
	struct inode *inode = file_inode(file);
	const struct cryo_file_ops *ops = cryo_file_kind(file);
	const size_t room = CRYO_STAGE_SIZE - sizeof(struct cryo_rec) -
			    sizeof(struct cryo_image_file);
	struct cryo_file_out out = {};
	struct cryo_image_file *r;
	struct timespec64 mt;
	const char *name;
	size_t len = 0;
	char *buf;
	int ret;

	fs->data_size = 0;
	fs->data_off = 0;
	fs->has_state = false;
	/* Refused, and let go under CRYO_FREEZE_ACCEPT_LOSS: lost. */
	if (ops->state && ops->refuse && ops->refuse(file)) {
		out.flags |= CRYO_FILE_LOST;
	} else if (ops->state) {
		memset(&fs->state, 0, sizeof(fs->state));
		fs->state.id = seen->id;
		fs->state.kind = ops->kind;
		ret = ops->state(file, &fs->state);
		if (ret)
			return ret;
		fs->has_state = true;
	}
	fs->data_pos = 0;
	fs->data_end = 0;
	if (ops->save) {
		ret = ops->save(img, seen, file, &out);
		if (ret)
			return ret;
	}
	if (ops == &cryo_other_ops)
		out.flags |= CRYO_FILE_LOST;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	name = d_path(&file->f_path, buf, PATH_MAX);
	if (!IS_ERR(name))
		len = min(strlen(name), room);

	r = cryo_record_start(img, CRYO_REC_FILE, sizeof(*r) + len);
	r->id = seen->id;
	r->kind = out.kind ?: ops->kind;
	r->open_flags = file->f_flags;
	r->mode = inode->i_mode;
	r->pos = file->f_pos;
	r->dev = new_encode_dev(inode->i_sb->s_dev);
	r->ino = inode->i_ino;
	/* An unlinked file's extents stay below the size it says. */
	r->size = fs->data_file ? fs->data_limit : i_size_read(inode);
	mt = cryo_inode_mtime(inode);
	r->mtime_ns = timespec64_to_ns(&mt);
	if (S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode))
		r->rdev = new_encode_dev(inode->i_rdev);
	r->pipe_id = out.pipe_id;
	r->data_size = fs->data_size;
	r->name_len = len;
	r->flags = out.flags;
	memcpy(r + 1, name, len);
	cryo_record_finish(img);
	kfree(buf);
	return 0;
}

/**
 * cryo_file_save() - a description met for the first time: its FILE record
 * @img: the image
 * @file: the description, referenced; the image keeps the reference
 *
 * Return: 0 with the record staged and fs->data_size bytes of FILE_DATA
 * to come; -errno with nothing staged and @file put, so that an
 * interrupted stream (-EINTR, -EDEADLK) takes the same fd again.
 */
int cryo_file_save(struct cryo_image *img, struct file *file)
{
	struct cryo_files_save *fs = &img->fdt;
	struct cryo_seen *seen;
	int ret;

	ret = cryo_seen_add(fs, file);
	if (ret) {
		fput(file);
		return ret;
	}
	seen = &fs->seen[fs->nr_seen - 1];
	fs->cur = file;
	fs->cur_id = seen->id;
	ret = cryo_file_record(img, seen);
	if (ret) {
		cryo_file_save_data_end(img);
		fs->cur = NULL;
		fs->nr_seen--;
		fput(file);
	}
	return ret;
}

/*
 * Where the next bytes of an unlinked file start: in the extent being
 * read, or the next one.  The file changed since it was counted (a
 * process outside wrote or truncated it): its extents no longer add up,
 * the freeze fails rather than save something else.
 */
static int cryo_file_next_extent(struct cryo_files_save *fs)
{
	loff_t pos, end;

	if (fs->data_pos < fs->data_end)
		return 0;
	pos = vfs_llseek(fs->data_file, fs->data_pos, SEEK_DATA);
	if (pos == -ENXIO || (pos >= 0 && pos >= fs->data_limit))
		return -ESTALE;
	if (pos < 0)
		return pos;
	end = vfs_llseek(fs->data_file, pos, SEEK_HOLE);
	if (end < 0)
		return end;
	end = min(end, fs->data_limit);
	if (end <= pos)
		return -ESTALE;
	fs->data_pos = pos;
	fs->data_end = end;
	return 0;
}

/* Stage the next FILE_DATA record of the current description. */
int cryo_file_save_data(struct cryo_image *img)
{
	struct cryo_files_save *fs = &img->fdt;
	size_t n = min_t(u64, CRYO_DATA_CHUNK, fs->data_size - fs->data_off);
	struct cryo_image_file_data *d;
	u64 offset = fs->data_off;
	u8 *p;

	/* Read before staging: a failed read must leave nothing staged. */
	p = img->out.stage + sizeof(struct cryo_rec) + sizeof(*d);
	if (fs->data) {
		memcpy(p, fs->data + fs->data_off, n);
	} else {
		loff_t pos;
		ssize_t got;
		int ret = cryo_file_next_extent(fs);

		if (ret)
			return ret;
		/* An unlinked file's data extents, at their offsets. */
		n = min_t(u64, n, fs->data_end - fs->data_pos);
		offset = fs->data_pos;
		pos = offset;
		got = kernel_read(fs->data_file, p, n, &pos);
		if (got < 0)
			return got;
		/* The file shrank since: the size in FILE is what counts. */
		if (got < n)
			memset(p + got, 0, n - got);
	}
	d = cryo_record_start_partial(img, CRYO_REC_FILE_DATA, sizeof(*d) + n,
				      sizeof(*d));
	d->id = fs->cur_id;
	d->offset = offset;
	img->out.stage_len += n;
	cryo_record_finish(img);
	fs->data_off += n;
	fs->data_pos += n;
	return 0;
}

/* The current description's data is all out, or given up. */
void cryo_file_save_data_end(struct cryo_image *img)
{
	struct cryo_files_save *fs = &img->fdt;

	kvfree(fs->data);
	fs->data = NULL;
	cryo_inotify_save_end(fs);
	if (fs->data_file)
		fput(fs->data_file);
	fs->data_file = NULL;
}

/* The freeze is over: every description of the image is let go. */
void cryo_file_save_end(struct cryo_image *img)
{
	struct cryo_files_save *fs = &img->fdt;
	unsigned int i;

	cryo_file_save_data_end(img);
	kvfree(fs->counted);
	fs->counted = NULL;
	fs->nr_counted = 0;
	for (i = 0; i < fs->nr_seen; i++)
		fput(fs->seen[i].file);
	kvfree(fs->seen);
	fs->seen = NULL;
	fs->nr_seen = 0;
}

/* ---- the thaw ------------------------------------------------------------ */

/**
 * cryo_file_load() - a FILE record, checked and kept
 * @t: the thaw
 * @rec: the record, its payload in t->in->buf
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_file_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_files_shared *ft = &t->tree->files;
	struct cryo_image_file *r = t->in->buf;
	const struct cryo_file_ops *ops;
	struct cryo_thaw_file *f;
	u64 max_data = 0;
	int ret;

	if (rec->len < sizeof(*r) || r->name_len > PATH_MAX ||
	    rec->len != sizeof(*r) + r->name_len)
		return cryo_file_bad(t, "FILE: bad length %u", rec->len);
	if (r->id != ft->nr_files + 1)
		return cryo_file_bad(t, "FILE: id %u, expected %u", r->id,
				     ft->nr_files + 1);
	if (r->kind < CRYO_FILE_REG ||
	    (r->kind > CRYO_FILE_MEMFD &&
	     (t->hdr.minor < 8 || cryo_file_ops_of(r->kind)->kind != r->kind)) ||
	    (r->kind == CRYO_FILE_MEMFD && t->hdr.minor < 5) ||
	    (r->kind == CRYO_FILE_OPATH && t->hdr.minor < 8) ||
	    (r->kind == CRYO_FILE_EPOLL && t->hdr.minor < 9) ||
	    (r->kind == CRYO_FILE_INOTIFY && t->hdr.minor < 9) ||
	    (r->flags & ~(CRYO_FILE_UNLINKED | CRYO_FILE_LOST |
			  CRYO_FILE_PIPE_ALONE)) ||
	    ((r->flags & CRYO_FILE_PIPE_ALONE) &&
	     (t->hdr.minor < 9 || r->kind != CRYO_FILE_PIPE ||
	      (r->open_flags & O_ACCMODE) == O_RDWR)) ||
	    ((r->flags & CRYO_FILE_UNLINKED) && r->kind != CRYO_FILE_REG &&
	     (t->hdr.minor < 8 || (r->kind != CRYO_FILE_FIFO &&
				   r->kind != CRYO_FILE_DIR))) ||
	    ((r->flags & CRYO_FILE_UNLINKED) && r->size > MAX_LFS_FILESIZE) ||
	    r->pos < 0)
		return cryo_file_bad(t, "FILE %u: bad kind, flags or position",
				     r->id);
	ops = cryo_file_ops_of(r->kind);
	/* A lost file's contents were not saved (an unlinked one's too). */
	if (!(r->flags & CRYO_FILE_LOST) && ops->max_data)
		max_data = ops->max_data(r);
	if (ops->type && (r->mode & S_IFMT) != ops->type)
		return cryo_file_bad(t, "FILE %u: kind %u with mode %#o", r->id,
				     r->kind, r->mode);
	if (r->data_size > max_data)
		return cryo_file_bad(t, "FILE %u: data size %llu", r->id,
				     r->data_size);
	ret = cryo_thaw_hold(t, r->name_len + 1 +
			     (ops->holds_data ? r->data_size : 0));
	if (ret)
		return ret;
	ret = cryo_thaw_grow((void **)&ft->files, &ft->max_files,
			     ft->nr_files + 1, sizeof(*ft->files),
			     CRYO_THAW_MAX_FILES);
	if (ret)
		return cryo_thaw_fail(t, ret, "record %llu: too many files",
				      t->in->record);
	f = &ft->files[ft->nr_files];
	memset(f, 0, sizeof(*f));
	f->rec = *r;
	f->pipe = -1;
	f->object = -1;
	f->name = kmemdup_nul((char *)(r + 1), r->name_len, GFP_KERNEL);
	if (!f->name)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	ft->nr_files++;
	if (strlen(f->name) != r->name_len)
		return cryo_file_bad(t, "FILE %u: NUL in its name", r->id);
	return ops->load ? ops->load(t, f) : 0;
}

/*
 * Do @len bytes at @offset come next for @f?  Contiguous from 0, but
 * since 2.8 an unlinked file's data extents: ascending, not
 * overlapping, inside its size (the holes between stay holes).
 */
static bool cryo_file_data_fits(struct cryo_thawing *t,
				struct cryo_thaw_file *f, u64 offset, u64 len)
{
	if (len > f->rec.data_size - f->data_got)
		return false;
	if (t->hdr.minor < 8 || !(f->rec.flags & CRYO_FILE_UNLINKED) ||
	    f->rec.kind != CRYO_FILE_REG)
		return offset == f->data_got;
	return len && offset >= f->data_next &&
	       offset <= f->rec.size && len <= f->rec.size - offset;
}

/**
 * cryo_file_load_data() - a FILE_DATA record, for the last FILE
 * @t: the thaw
 * @rec: the record, its payload in t->in->buf
 *
 * The bytes go into the buffer the kind's load() made, or are written
 * into the file it created.
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_file_load_data(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_files_shared *ft = &t->tree->files;
	struct cryo_image_file_data *d = t->in->buf;
	u64 len = rec->len - sizeof(*d);
	struct cryo_thaw_file *f;
	loff_t pos;
	ssize_t n;

	if (rec->len < sizeof(*d) || d->__reserved || !ft->nr_files ||
	    d->id != ft->nr_files)
		return cryo_file_bad(t, "FILE_DATA: not for the last FILE");
	f = &ft->files[ft->nr_files - 1];
	if (!cryo_file_data_fits(t, f, d->offset, len))
		return cryo_file_bad(t, "FILE_DATA %u: offset %llu, length %llu",
				     d->id, d->offset, len);
	f->data_got += len;
	f->data_next = d->offset + len;
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

/**
 * cryo_file_twin() - an earlier description of a deleted file made again
 * @t: the thaw
 * @f: a FILE of a deleted FIFO or directory (%CRYO_FILE_UNLINKED)
 *
 * A deleted FIFO or directory that several descriptions (or a working
 * directory) name is made again once, by the first: the others open the
 * same inode (cryo_file_open_on()).
 *
 * Return: that first one's file (its FIFO's O_RDWR anchor), not
 * referenced; NULL when @f is the first.
 */
struct file *cryo_file_twin(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	struct cryo_files_shared *ft = &t->tree->files;
	unsigned int i;

	for (i = 0; i < ft->nr_files && &ft->files[i] != f; i++) {
		struct cryo_thaw_file *g = &ft->files[i];

		if (g->rec.kind == f->rec.kind &&
		    (g->rec.flags & CRYO_FILE_UNLINKED) &&
		    g->rec.dev == f->rec.dev && g->rec.ino == f->rec.ino &&
		    (g->anchor || g->file))
			return g->anchor ?: g->file;
	}
	return NULL;
}

/**
 * cryo_file_open_on() - a new description of @src's inode, for @f
 * @t: the thaw
 * @f: the FILE it is for (messages)
 * @src: an open file of the inode
 * @flags: open flags
 *
 * Opened as the restored process; dentry_open() works on a deleted inode.
 *
 * Return: the description, or an ERR_PTR with the thaw failed.
 */
struct file *cryo_file_open_on(struct cryo_thawing *t, struct cryo_thaw_file *f,
			       struct file *src, int flags)
{
	const struct cred *cred = cryo_creds_open_cred(t);
	struct file *file;

	if (IS_ERR(cred))
		return ERR_CAST(cred);
	file = dentry_open(&src->f_path, flags | O_LARGEFILE, cred);
	if (IS_ERR(file))
		return ERR_PTR(cryo_thaw_fail(t, PTR_ERR(file),
					      "%s: cannot open it again (error %ld)",
					      f->name, -PTR_ERR(file)));
	return file;
}

/* Fail the thaw: file @idx cannot be recreated; an fd may inherit one. */
int cryo_file_need_inherit(struct cryo_thawing *t, unsigned int idx,
			   const char *why)
{
	struct cryo_thaw_file *f = &t->tree->files.files[idx];
	int fd = cryo_fdtable_fd_of(t, idx);

	return cryo_thaw_fail(t, -ENXIO,
			      "fd %d (%s): %s; give it a file with --inherit-fd %d=FD",
			      fd, f->name, why, fd);
}

/* "pipe /a/b", as messages about @f name it; NULL with the thaw failed. */
char *cryo_file_what(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	char *what = kasprintf(GFP_KERNEL, "%s %s",
			       cryo_file_ops_of(f->rec.kind)->name, f->name);

	if (!what)
		cryo_thaw_fail(t, -ENOMEM, "out of memory");
	return what;
}

/**
 * cryo_file_reopen() - open @f's path again, as the restored process
 * @t: the thaw
 * @f: the file
 * @what: @f as messages name it
 * @flags: open flags
 * @anchor: a FIFO end opened first, which the new one must share, or NULL
 *
 * Return: the new description, also in f->file; an ERR_PTR with the thaw
 * failed: the open failed, or the file is not the one frozen.
 */
struct file *cryo_file_reopen(struct cryo_thawing *t, struct cryo_thaw_file *f,
			      const char *what, int flags,
			      struct file *anchor)
{
	struct cryo_file_id id = {
		.dev = f->rec.dev, .ino = f->rec.ino, .mode = f->rec.mode,
		.size = f->rec.size, .mtime_ns = f->rec.mtime_ns,
		.rdev = f->rec.rdev,
	};
	struct file *file;
	int ret;

	file = cryo_reopen(t, what, f->name, flags, f->rec.mode & S_IFMT);
	if (IS_ERR(file))
		return file;
	f->file = file;
	/* The bytes go into the FIFO checked, through the end checked. */
	if (anchor && file_inode(file) != file_inode(anchor))
		return ERR_PTR(cryo_thaw_fail(t, -ESTALE,
					      "%s: replaced while it was being opened",
					      what));
	ret = cryo_reopen_same(t, what, file, &id);
	return ret ? ERR_PTR(ret) : file;
}

/* cryo_file_reopen() with no anchor, naming @f itself: 0 or -errno. */
int cryo_file_reopen_alone(struct cryo_thawing *t, struct cryo_thaw_file *f,
			   int flags)
{
	struct file *file;
	char *what;

	what = cryo_file_what(t, f);
	if (!what)
		return -ENOMEM;
	file = cryo_file_reopen(t, f, what, flags, NULL);
	kfree(what);
	return PTR_ERR_OR_ZERO(file);
}

/**
 * cryo_file_restore_all() - recreate every description an fd needs
 * @t: the thaw, every FD record read
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_file_restore_all(struct cryo_thawing *t)
{
	struct cryo_files_shared *ft = &t->tree->files;
	unsigned int i;
	int ret;

	for (i = 0; i < ft->nr_files; i++) {
		struct cryo_thaw_file *f = &ft->files[i];
		const struct cryo_file_ops *ops = cryo_file_ops_of(f->rec.kind);

		if (f->rec.data_size && f->data_got != f->rec.data_size)
			return cryo_file_bad(t, "FILE %u: %llu of %llu bytes",
					     i + 1, f->data_got,
					     f->rec.data_size);
		if (ops->check_state && !(f->rec.flags & CRYO_FILE_LOST) &&
		    !f->has_state)
			return cryo_file_bad(t, "FILE %u: no FILE_STATE after it",
					     i + 1);
		ret = cryo_inotify_complete(t, f);
		if (ret)
			return ret;
		/* An earlier member's, or needed by no fd (yet). */
		if (!f->needed || f->restored)
			continue;
		/*
		 * Given up at the freeze: an unlinked file whose contents
		 * could not be read is not recreated empty, nor reopened by
		 * its "(deleted)" name.
		 */
		if (f->rec.flags & CRYO_FILE_LOST)
			return cryo_file_need_inherit(t, i,
						      "it was lost at the freeze");
		if (!ops->restore)
			return cryo_file_need_inherit(t, i,
						      "cryo cannot recreate this kind of file");
		ret = ops->restore(t, i);
		if (ret)
			return ret;
		f->restored = true;
	}
	return 0;
}

/* The thaw is over: its descriptions are let go (installed ones stay). */
void cryo_file_release(struct cryo_thaw_tree *tree)
{
	struct cryo_files_shared *ft = &tree->files;
	unsigned int i;

	for (i = 0; i < ft->nr_files; i++) {
		struct cryo_thaw_file *f = &ft->files[i];

		if (f->file)
			fput(f->file);
		if (f->anchor)
			fput(f->anchor);
		kvfree(f->data);
		kfree(f->name);
		cryo_inotify_release(f);
	}
	kvfree(ft->files);
	ft->files = NULL;
	ft->nr_files = 0;
}
