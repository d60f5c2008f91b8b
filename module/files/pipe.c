// SPDX-License-Identifier: GPL-2.0
/*
 * Pipes and FIFOs.
 *
 * At the freeze, the bytes a pipe holds go into the image once, with the
 * first of its ends met, and only when the target holds a reading end:
 * through a write-only end they could never be read, not by the target
 * and not by the freezer, and the reader may be someone else's.  They are
 * copied without being consumed.
 *
 * At the thaw an anonymous pipe cannot be made by a module: the library
 * makes one per pipe of the image (its descriptions found here, by pipe
 * id) and hands its two ends over (cryo_pipe_attach()); a pipe's other
 * descriptions are opened on it, and it is refilled.  A
 * FIFO is reopened by its path, through an O_RDWR end opened first so
 * that no open blocks, and refilled through it.
 */
#include "cryo.h"

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/magic.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "freezing.h"
#include "thawing.h"
#include "files/file.h"
#include "files/files.h"
#include "files/reopen.h"
#include "task/task.h"

static bool cryo_pipe_fed_by_kernel(struct file *file)
{
	struct pipe_inode_info *pipe = file->private_data;

	/* A notification pipe is fed by the kernel, not by writes. */
	return !(file->f_mode & FMODE_PATH) && pipe &&
	       pipe_has_watch_queue(pipe);
}

static bool cryo_pipe_match(struct file *file)
{
	return S_ISFIFO(file_inode(file)->i_mode) &&
	       file_inode(file)->i_sb->s_magic == PIPEFS_MAGIC &&
	       !cryo_pipe_fed_by_kernel(file);
}

static bool cryo_fifo_match(struct file *file)
{
	return S_ISFIFO(file_inode(file)->i_mode) &&
	       file_inode(file)->i_sb->s_magic != PIPEFS_MAGIC &&
	       !cryo_pipe_fed_by_kernel(file);
}

/*
 * Copy what a pipe holds, without consuming it.  The pipe comes from our
 * referenced file (an open end keeps it alive; inode->i_pipe does not),
 * and head and tail are read once, under the pipe's mutex.
 */
static int cryo_pipe_snapshot(struct cryo_image *img, struct file *file)
{
	struct cryo_files_save *fs = &img->fdt;
	struct pipe_inode_info *pipe = file->private_data;
	unsigned int i, mask, head, tail;
	size_t len = 0, room;
	int ret = 0;

	if (!pipe)
		return 0;
	/*
	 * Under the session lock, which comes before any pipe's mutex (see
	 * splice.c).  splice() holds the mutex of the pipe it fills, which
	 * may be this one, or that of a freeze whose target holds our
	 * output pipe: only try, and let the caller take this record with
	 * read() instead.
	 */
	if (img->splicing) {
		if (!mutex_trylock(&pipe->mutex))
			return -EDEADLK;
	} else if (mutex_lock_killable(&pipe->mutex)) {
		/* Killable: a writer may hold it while faulting on the target. */
		return -EINTR;
	}
	mask = pipe->ring_size - 1;
	head = pipe->head;
	tail = pipe->tail;
	for (i = tail; i != head; i++)
		len += pipe->bufs[i & mask].len;
	/* As much as a thaw takes: the same limit on both sides. */
	if (len > CRYO_PIPE_DATA_MAX) {
		ret = -EFBIG;
		goto out_unlock;
	}
	if (!len)
		goto out_unlock;
	ret = -ENOMEM;
	fs->data = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!fs->data)
		goto out_unlock;
	room = len;
	len = 0;
	for (i = tail; i != head; i++) {
		struct pipe_buffer *b = &pipe->bufs[i & mask];
		size_t n = min_t(size_t, b->len, room - len);
		void *kaddr = kmap_local_page(b->page);

		memcpy(fs->data + len, kaddr + b->offset, n);
		kunmap_local(kaddr);
		len += n;
	}
	fs->data_size = len;
	ret = 0;
out_unlock:
	mutex_unlock(&pipe->mutex);
	return ret;
}

/* One fd of the tree on an anonymous pipe, for the census below. */
struct cryo_pipe_fd {
	struct file *file;		/* referenced: a member may be killed */
	struct inode *inode;
	fmode_t mode;
	s32 fd;
	s32 pid;
};

struct cryo_pipe_census {
	struct cryo_pipe_fd *fds;
	unsigned int nr;
	unsigned int max;
	s32 pid;			/* of the member being walked */
};

static int cryo_pipe_census_fd(void *arg, struct file *file, unsigned int fd)
{
	struct cryo_pipe_census *c = arg;

	if (!cryo_pipe_match(file) || (file->f_mode & FMODE_PATH))
		return 0;
	if (c->nr == c->max) {
		unsigned int max = c->max ? 2 * c->max : 64;
		struct cryo_pipe_fd *n;

		n = kvrealloc_compat(c->fds, c->max * sizeof(*n),
				     max * sizeof(*n), GFP_KERNEL_ACCOUNT);
		if (!n)
			return -ENOMEM;
		c->fds = n;
		c->max = max;
	}
	c->fds[c->nr++] = (struct cryo_pipe_fd) {
		.file = get_file(file), .inode = file_inode(file),
		.mode = file->f_mode, .fd = fd, .pid = c->pid,
	};
	return 0;
}

static int cryo_pipe_fd_cmp(const void *a, const void *b)
{
	const struct cryo_pipe_fd *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return 0;
}

/*
 * Is all of one pipe (@fds[0..n), sorted by file) in the tree?  Each
 * description of it counts once in pipe->readers or ->writers, and each
 * fd holds one reference to its description (and the census one more):
 * more than those mean a holder outside (an fd passed on, or another
 * open of it).
 */
static bool cryo_pipe_all_inside(const struct cryo_pipe_fd *fds,
				 unsigned int n)
{
	struct pipe_inode_info *pipe = fds[0].inode->i_pipe;
	unsigned int i, j, readers = 0, writers = 0;

	for (i = 0; i < n; i = j) {
		for (j = i; j < n && fds[j].file == fds[i].file; j++)
			;
		if (file_count(fds[i].file) > 2 * (j - i))
			return false;
		readers += !!(fds[i].mode & FMODE_READ);
		writers += !!(fds[i].mode & FMODE_WRITE);
	}
	return READ_ONCE(pipe->readers) <= readers &&
	       READ_ONCE(pipe->writers) <= writers;
}

/**
 * cryo_pipe_check_outside() - refuse a pipe the tree shares with others
 * @img: the image, every member parked
 * @why: out: the refusal, naming the lowest fd on such a pipe of the first
 *	member holding one
 *
 * What goes through a pipe between a member and a process outside the
 * tree would be lost: the image holds its bytes once, and a thaw makes a
 * new pipe that the outside process does not hold.  Only an anonymous
 * pipe: a FIFO is opened again by its name, by anyone.
 *
 * Return: 0, -EOPNOTSUPP with @why set, -ENOMEM, -EINTR.
 */
int cryo_pipe_check_outside(struct cryo_image *img, struct cryo_why *why)
{
	struct cryo_pipe_census c = {};
	const struct cryo_pipe_fd *bad = NULL;
	unsigned int i, j;
	int ret = 0;

	for (i = 0; !ret && i < img->nr_members; i++) {
		c.pid = img->members[i].rec.pid;
		ret = cryo_fdtable_walk(&img->members[i], cryo_pipe_census_fd,
					&c);
	}
	if (ret)
		goto out;
	sort(c.fds, c.nr, sizeof(*c.fds), cryo_pipe_fd_cmp, NULL);
	for (i = 0; i < c.nr; i = j) {
		const struct cryo_pipe_fd *first = &c.fds[i];

		for (j = i; j < c.nr && c.fds[j].inode == c.fds[i].inode; j++)
			if (c.fds[j].pid == first->pid && c.fds[j].fd < first->fd)
				first = &c.fds[j];
		if (!cryo_pipe_all_inside(&c.fds[i], j - i) &&
		    (!bad || first->pid != bad->pid || first->fd < bad->fd))
			bad = bad ?: first;
	}
	if (bad) {
		why->pid = bad->pid;
		ret = cryo_refuse(why, CRYO_REFUSAL_PIPE_OUTSIDE, bad->fd,
				  -EOPNOTSUPP);
	}
out:
	for (i = 0; i < c.nr; i++)
		fput(c.fds[i].file);
	kvfree(c.fds);
	return ret;
}

/*
 * Is @file one end of a pipe whose other end no description holds, in
 * the tree or outside it (its writer or reader closed)?  Then the image
 * holding none of the other end is whole.  The counts are the pipe's
 * own; the tree is parked, and nobody else can open an anonymous pipe
 * but through /proc/PID/fd of one who holds it.
 */
static bool cryo_pipe_alone(struct file *file)
{
	struct pipe_inode_info *pipe = file_inode(file)->i_pipe;
	fmode_t mode = file->f_mode & (FMODE_READ | FMODE_WRITE);
	bool alone = false;

	if (!pipe || mode == (FMODE_READ | FMODE_WRITE) || !mode)
		return false;
	/*
	 * Not under the pipe's mutex: a splice() of the image into this very
	 * pipe holds it (splice.c).  The tree is parked; only another
	 * process opening /proc/PID/fd/N of it could change the count.
	 */
	alone = mode == FMODE_READ ? !READ_ONCE(pipe->writers) :
				     !READ_ONCE(pipe->readers);
	return alone;
}

static int cryo_pipe_save(struct cryo_image *img, struct cryo_seen *seen,
			  struct file *file, struct cryo_file_out *out)
{
	struct inode *inode = file_inode(file);
	int ret;

	out->pipe_id = inode->i_ino;
	/* A deleted FIFO is made again, in the same directory (2.8). */
	if (inode->i_sb->s_magic != PIPEFS_MAGIC && !inode->i_nlink)
		out->flags |= CRYO_FILE_UNLINKED;
	if (file->f_mode & FMODE_PATH)
		return 0;
	if (inode->i_sb->s_magic == PIPEFS_MAGIC && cryo_pipe_alone(file))
		out->flags |= CRYO_FILE_PIPE_ALONE;
	/* A pipe's other end already in the image carries its data. */
	if (cryo_file_pipe_saved(img, inode)) {
		seen->pipe = inode;
		return 0;
	}
	if (!cryo_fdtable_reads(img, inode))
		return 0;
	ret = cryo_pipe_snapshot(img, file);
	if (ret)
		return ret;
	seen->pipe = inode;
	return 0;
}

static u64 cryo_pipe_max_data(const struct cryo_image_file *r)
{
	return CRYO_THAW_MAX_PIPE_DATA;
}

/* Room for the bytes, which FILE_DATA brings. */
static int cryo_pipe_load(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	if (!f->rec.data_size)
		return 0;
	f->data = kvmalloc(f->rec.data_size, GFP_KERNEL_ACCOUNT);
	if (!f->data)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	return 0;
}

/* Is @g a description of the same anonymous pipe as @f? */
static bool cryo_pipe_same(const struct cryo_thaw_file *f,
			   const struct cryo_thaw_file *g)
{
	return g->rec.kind == CRYO_FILE_PIPE &&
	       g->rec.pipe_id == f->rec.pipe_id && g->rec.dev == f->rec.dev;
}

/*
 * Did the freeze find the other end of @f's pipe closed everywhere
 * (CRYO_FILE_PIPE_ALONE on a description of it)?  Then the image
 * holding only one end is whole: the pipe is made, its other end let go.
 */
static bool cryo_pipe_is_alone(const struct cryo_files_shared *ft,
			       const struct cryo_thaw_file *f)
{
	unsigned int j;

	for (j = 0; j < ft->nr_files; j++)
		if (cryo_pipe_same(f, &ft->files[j]) &&
		    (ft->files[j].rec.flags & CRYO_FILE_PIPE_ALONE))
			return true;
	return false;
}

/*
 * An anonymous pipe is the library's to make: count it once, with every
 * description of it in the image (pipe(2) gives two; more come from
 * opening /proc/PID/fd/N), which must read it and write it both.  In a
 * tree, the member whose section meets the pipe first makes it, and a
 * later member's description of it is opened on it (cryo_pipe_attach());
 * whether the image holds both of its ends is known only once the last
 * section is read (cryo_pipe_check_tree()).
 */
static int cryo_pipe_restore(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_files_shared *ft = &t->tree->files;
	struct cryo_thaw_file *f = &ft->files[idx];
	bool reads = false, writes = false;
	unsigned int j;

	if (f->pipe >= 0)
		return 0;
	/*
	 * An earlier member made it: any description of it has its index,
	 * also one after this in the image (that member's section may hold
	 * this description unused, and a later one).  A pipe's index is set
	 * once: never moved to a new pipe below.
	 */
	for (j = 0; j < ft->nr_files; j++) {
		if (!cryo_pipe_same(f, &ft->files[j]) || ft->files[j].pipe < 0)
			continue;
		f->pipe = ft->files[j].pipe;
		return 0;
	}
	for (j = idx; j < ft->nr_files; j++) {
		u32 acc = ft->files[j].rec.open_flags & O_ACCMODE;

		if (!cryo_pipe_same(f, &ft->files[j]))
			continue;
		reads |= acc != O_WRONLY;
		writes |= acc != O_RDONLY;
	}
	if ((!reads || !writes) && t->tree->nr_procs == 1 &&
	    !cryo_pipe_is_alone(ft, f))
		return cryo_file_need_inherit(t, idx,
					      "the other end of this pipe is not in the image");
	for (j = idx; j < ft->nr_files; j++) {
		if (!cryo_pipe_same(f, &ft->files[j]))
			continue;
		ft->files[j].pipe = ft->nr_pipes;
		ft->files[j].needed = true;
	}
	if (!t->fdt.nr_pipes)
		t->fdt.first_pipe = ft->nr_pipes;
	ft->nr_pipes++;
	t->fdt.nr_pipes++;
	return 0;
}

/**
 * cryo_pipe_check_tree() - after the last section: both ends of each pipe
 * @t: the last member
 *
 * A pipe one member made for a description whose other end a later member
 * holds is checked here, once every section is read: an image whose pipe
 * has only a reading or only a writing description needs --inherit-fd,
 * as for one process.
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_pipe_check_tree(struct cryo_thawing *t)
{
	struct cryo_files_shared *ft = &t->tree->files;
	unsigned int i, j;

	for (i = 0; i < ft->nr_files; i++) {
		struct cryo_thaw_file *f = &ft->files[i];
		bool reads = false, writes = false;

		if (f->pipe < 0)
			continue;
		for (j = 0; j < ft->nr_files; j++) {
			u32 acc = ft->files[j].rec.open_flags & O_ACCMODE;

			if (ft->files[j].pipe != f->pipe)
				continue;
			reads |= acc != O_WRONLY;
			writes |= acc != O_RDONLY;
		}
		if ((!reads || !writes) && !cryo_pipe_is_alone(ft, f))
			return cryo_thaw_fail(t, -ENXIO,
					      "FILE %u (%s): the other end of this pipe is not in the image",
					      i + 1, f->name);
	}
	return 0;
}

static bool cryo_pipe_is_fresh(struct file *f, int end)
{
	return file_inode(f)->i_sb->s_magic == PIPEFS_MAGIC &&
	       S_ISFIFO(file_inode(f)->i_mode) &&
	       (f->f_mode & (end ? FMODE_WRITE : FMODE_READ));
}

/*
 * Description @f of a pipe the library made, into f->file: the end of
 * @ends with its access mode, the first time; a new description of the
 * same pipe otherwise, or for O_RDWR (as opening /proc/PID/fd/N makes one).
 */
static int cryo_pipe_open(struct cryo_thawing *t, struct cryo_thaw_file *f,
			  struct file *ends[2], bool used[2])
{
	u32 acc = f->rec.open_flags & O_ACCMODE;
	int e = acc != O_RDONLY;
	struct file *file;

	if (acc != O_RDWR && !used[e]) {
		used[e] = true;
		file = get_file(ends[e]);
	} else {
		/*
		 * A writer and a reader exist: this open never waits.  Under
		 * the plan's credentials, as every open of the thaw (the
		 * process's ids are those, its capabilities not checked).
		 */
		const struct cred *cred = cryo_creds_open_cred(t);

		if (IS_ERR(cred))
			return PTR_ERR(cred);
		file = dentry_open(&ends[0]->f_path, acc | O_NONBLOCK, cred);
		if (IS_ERR(file))
			return cryo_thaw_fail(t, PTR_ERR(file),
					      "pipe %s: cannot open another description of it (error %ld)",
					      f->name, -PTR_ERR(file));
	}
	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~O_NONBLOCK) |
			(f->rec.open_flags & O_NONBLOCK);
	spin_unlock(&file->f_lock);
	f->file = file;
	return 0;
}

/* The descriptions of pipe @p of the image, from @ends; refilled. */
static int cryo_pipe_fill(struct cryo_thawing *t, unsigned int p,
			  struct file *ends[2])
{
	struct cryo_files_shared *ft = &t->tree->files;
	bool used[2] = { false, false };
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < ft->nr_files; i++) {
		struct cryo_thaw_file *f = &ft->files[i];
		loff_t pos = 0;

		if (f->pipe != p || f->file)
			continue;
		if (f->data) {
			unsigned int old = ends[1]->f_flags;

			/* Never block: too much is an error. */
			ends[1]->f_flags |= O_NONBLOCK;
			if (kernel_write(ends[1], f->data, f->rec.data_size,
					 &pos) != f->rec.data_size)
				ret = cryo_thaw_fail(t, -ENOSPC,
						     "pipe %s: its %llu bytes do not fit",
						     f->name, f->rec.data_size);
			ends[1]->f_flags = old;
		}
		ret = cryo_pipe_open(t, f, ends, used) ?: ret;
	}
	return ret;
}

/* A description of a pipe an earlier member made, opened on it. */
static int cryo_pipe_join(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	struct cryo_files_shared *ft = &t->tree->files;
	struct file *ends[2] = { NULL, NULL };
	bool used[2] = { true, true };
	unsigned int j;

	for (j = 0; j < ft->nr_files && !ends[0]; j++)
		if (ft->files[j].pipe == f->pipe && ft->files[j].file)
			ends[0] = ft->files[j].file;
	if (!ends[0])
		return cryo_thaw_fail(t, -EBADMSG, "pipe %s: no earlier description of it",
				      f->name);
	return cryo_pipe_open(t, f, ends, used);
}

/**
 * cryo_pipe_attach() - the library's fresh pipes become the image's
 * @t: the thaw
 * @fds: read and write end of each pipe, in the caller's fd table
 * @nr: pipes in @fds, t->fdt.nr_pipes
 *
 * The descriptions this member needs of pipes an earlier member made are
 * opened on them too.
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_pipe_attach(struct cryo_thawing *t, const s32 *fds, unsigned int nr)
{
	struct cryo_files_shared *ft = &t->tree->files;
	struct file *ends[2];
	unsigned int p, e, i;
	int ret = 0;

	if (nr != t->fdt.nr_pipes)
		return cryo_thaw_fail(t, -EINVAL, "%u pipes given, %u needed",
				      nr, t->fdt.nr_pipes);
	for (p = 0; p < nr; p++) {
		for (e = 0; e < 2; e++) {
			ends[e] = fget(fds[2 * p + e]);
			if (!ends[e] || !cryo_pipe_is_fresh(ends[e], e)) {
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
		if (!ret)
			ret = cryo_pipe_fill(t, t->fdt.first_pipe + p, ends);
		fput(ends[0]);
		fput(ends[1]);
		if (ret)
			return ret;
	}
	for (i = 0; !ret && i < ft->nr_files; i++) {
		struct cryo_thaw_file *f = &ft->files[i];
		bool own = f->pipe >= (int)t->fdt.first_pipe &&
			   f->pipe < (int)(t->fdt.first_pipe + nr);

		if (f->pipe >= 0 && !own && !f->file && f->needed)
			ret = cryo_pipe_join(t, f);
	}
	return ret;
}

/*
 * A deleted FIFO: made again by its first description, through an O_RDWR
 * end (its anchor) that the others open the inode from.
 */
static int cryo_fifo_recreate(struct cryo_thawing *t, struct cryo_thaw_file *f,
			      const char *what)
{
	int flags = f->rec.open_flags & O_PATH ? O_PATH :
		    f->rec.open_flags & CRYO_REOPEN_FLAGS;
	struct file *file, *twin = cryo_file_twin(t, f);

	if (twin)
		file = cryo_file_open_on(t, f, twin, O_RDWR | O_NONBLOCK);
	else
		file = cryo_reopen_deleted(t, what, f->name,
					   O_RDWR | O_NONBLOCK | O_LARGEFILE,
					   S_IFIFO | (f->rec.mode & 0777));
	if (IS_ERR(file))
		return PTR_ERR(file);
	f->anchor = file;
	/* The anchor reads and writes it: this open does not wait. */
	file = cryo_file_open_on(t, f, f->anchor, flags);
	if (IS_ERR(file))
		return PTR_ERR(file);
	f->file = file;
	return 0;
}

static int cryo_fifo_restore(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_thaw_file *f = &t->tree->files.files[idx];
	struct file *file;
	loff_t pos = 0;
	char *what;
	int ret = 0;

	if (!(f->rec.flags & CRYO_FILE_UNLINKED) &&
	    (f->rec.open_flags & O_PATH))
		return cryo_file_reopen_alone(t, f, f->rec.open_flags &
					      CRYO_OPATH_FLAGS);
	what = cryo_file_what(t, f);
	if (!what)
		return -ENOMEM;
	if (f->rec.flags & CRYO_FILE_UNLINKED) {
		ret = cryo_fifo_recreate(t, f, what);
		if (ret)
			goto out;
		goto fill;
	}
	/* An O_RDWR end first, so that no open blocks or fails. */
	file = cryo_reopen(t, what, f->name, O_RDWR | O_NONBLOCK, S_IFIFO);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out;
	}
	f->anchor = file;
	file = cryo_file_reopen(t, f, what,
				f->rec.open_flags & CRYO_REOPEN_FLAGS, f->anchor);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out;
	}
fill:
	if (f->data &&
	    kernel_write(f->anchor, f->data, f->rec.data_size, &pos) !=
	    f->rec.data_size)
		ret = cryo_thaw_fail(t, -ENOSPC, "%s: its %llu bytes do not fit",
				     what, f->rec.data_size);
out:
	kfree(what);
	return ret;
}

const struct cryo_file_ops cryo_pipe_ops = {
	.kind		= CRYO_FILE_PIPE,
	.name		= "pipe",
	.type		= S_IFIFO,
	.holds_data	= true,
	.match		= cryo_pipe_match,
	.save		= cryo_pipe_save,
	.max_data	= cryo_pipe_max_data,
	.load		= cryo_pipe_load,
	.restore	= cryo_pipe_restore,
};

const struct cryo_file_ops cryo_fifo_ops = {
	.kind		= CRYO_FILE_FIFO,
	.name		= "FIFO",
	.type		= S_IFIFO,
	.holds_data	= true,
	.match		= cryo_fifo_match,
	.save		= cryo_pipe_save,
	.max_data	= cryo_pipe_max_data,
	.load		= cryo_pipe_load,
	.restore	= cryo_fifo_restore,
};
