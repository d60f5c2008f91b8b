// SPDX-License-Identifier: GPL-2.0
/*
 * The target's open files in the image.
 *
 * For each fd, in ascending order: the first time an open file
 * description is met, a FILE record (kind, flags, position, identity,
 * path) and, for an unlinked regular file or a pipe holding data, FILE_DATA
 * records with those bytes; then an FD record pointing at the
 * description's id.  Descriptors sharing a description (dup) share an id.
 *
 * The bytes are only what ptrace could read: an unlinked file's through a
 * description the target reads it with, and only if the freezer may read
 * the file; a pipe's only when the target holds a reading end of it.
 *
 * Files are found one at a time with iterate_fd() (fget_task() is not
 * exported) under the task lock, and kept referenced while in use.
 */
#include "cryo.h"

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "freezing.h"
#include "park.h"
#include "refuse.h"
#include "device.h"
#include "image/record.h"
#include "files/files.h"

/* Bytes of file contents per FILE_DATA record. */
#define CRYO_DATA_CHUNK		(32 * 1024)

enum { CRYO_FD_NEXT, CRYO_FD_DATA, CRYO_FD_RECORD };

/**
 * struct cryo_seen - an open file description already in the image
 * @file: referenced
 * @pipe: the pipe's inode when it is a pipe or FIFO (its data is sent
 *        once, with the first end met)
 * @id: its id in the image
 */
struct cryo_seen {
	struct file *file;
	struct inode *pipe;
	u32 id;
};

struct cryo_fd_found {
	struct files_struct *files;
	struct file *file;
	unsigned int fd;
	bool cloexec;
	struct inode *reader_of;	/* stop at a reading end of this pipe */
};

/*
 * Character devices whose open file holds no state a reopen would lose:
 * null, zero, full, random, urandom, and terminals.  Any other device
 * (/dev/fuse, /dev/net/tun, /dev/kmsg, a GPU ...) is refused.
 */
static bool cryo_chr_reopenable(dev_t rdev)
{
	unsigned int major = MAJOR(rdev), minor = MINOR(rdev);

	if (major == MEM_MAJOR)
		return minor == 3 || minor == 5 || minor == 7 || minor == 8 ||
		       minor == 9;
	/* Virtual consoles and serial ports; /dev/tty, console, ptmx. */
	if (major == TTY_MAJOR || major == TTYAUX_MAJOR)
		return true;
	/* /dev/pts/N */
	return major >= UNIX98_PTY_SLAVE_MAJOR &&
	       major < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT;
}

static u32 cryo_file_kind(struct file *file)
{
	struct inode *inode = file_inode(file);
	unsigned long magic = inode->i_sb->s_magic;
	umode_t mode = inode->i_mode;

	/*
	 * eventfd, epoll, signalfd, timerfd, pidfd, namespaces ...; and our
	 * own sessions (saving one would pin it in a reference cycle).
	 */
	if (magic == ANON_INODE_FS_MAGIC || magic == NSFS_MAGIC ||
	    cryo_is_pidfs(magic) || cryo_is_session_file(file))
		return CRYO_FILE_OTHER;
	if (S_ISREG(mode)) {
		/* memfd: an unlinked shmem file with this dentry name. */
		if (!inode->i_nlink &&
		    !strncmp(file->f_path.dentry->d_name.name, "memfd:", 6))
			return CRYO_FILE_OTHER;
		return CRYO_FILE_REG;
	}
	if (S_ISDIR(mode))
		return CRYO_FILE_DIR;
	if (S_ISCHR(mode))
		return cryo_chr_reopenable(inode->i_rdev) ? CRYO_FILE_CHR :
							    CRYO_FILE_OTHER;
	if (S_ISFIFO(mode)) {
		struct pipe_inode_info *pipe = file->private_data;

		/* A notification pipe is fed by the kernel, not by writes. */
		if (!(file->f_mode & FMODE_PATH) && pipe &&
		    pipe_has_watch_queue(pipe))
			return CRYO_FILE_OTHER;
		return magic == PIPEFS_MAGIC ? CRYO_FILE_PIPE : CRYO_FILE_FIFO;
	}
	return CRYO_FILE_OTHER;	/* sockets, block devices */
}

/* iterate_fd() callback, under files->file_lock. */
static int cryo_fd_grab(const void *arg, struct file *file, unsigned int fd)
{
	struct cryo_fd_found *f = (struct cryo_fd_found *)arg;

	if (f->reader_of && (file_inode(file) != f->reader_of ||
			     !(file->f_mode & FMODE_READ)))
		return 0;
	f->file = get_file(file);
	f->fd = fd;
	f->cloexec = cryo_close_on_exec(fd, f->files);
	return 1;
}

/*
 * The first open fd >= @from of the target, referenced in f->file.
 * The fd table is the one of any thread still holding one (the leader
 * may have exited).  Returns false when there is none.
 */
static bool cryo_next_fd(struct cryo_image *img, unsigned int from,
			 struct cryo_fd_found *f)
{
	struct cryo_park *park = img->park;
	unsigned int i;
	int found = 0;

	for (i = 0; i < park->nr_threads; i++) {
		struct task_struct *t = park->threads[i]->task;

		task_lock(t);
		f->files = t->files;
		if (f->files)
			found = iterate_fd(f->files, from, cryo_fd_grab, f);
		task_unlock(t);
		if (f->files)
			break;
	}
	return found;
}

/*
 * May the contents of an unlinked file go into the image through @file?
 * Only through a description the target itself can read from (not
 * write-only, not O_PATH), and only if the freezer may read the inode:
 * the reopen for reading, dentry_open(), checks no permission itself.
 */
static bool cryo_unlinked_readable(struct file *file)
{
	return (file->f_mode & FMODE_READ) && !(file->f_mode & FMODE_PATH) &&
	       !file_permission(file, MAY_READ);
}

static bool cryo_is_unlinked(struct file *file)
{
	return cryo_file_kind(file) == CRYO_FILE_REG &&
	       !file_inode(file)->i_nlink;
}

/* Why @file, at @fd of the target, cannot go into the image; or NONE. */
static u32 cryo_file_refusal(struct file *file, struct files_struct *files)
{
	if (cryo_file_kind(file) == CRYO_FILE_OTHER)
		return CRYO_REFUSAL_FD_KIND;
	if (cryo_is_unlinked(file) && !cryo_unlinked_readable(file))
		return CRYO_REFUSAL_UNREADABLE_FILE;
	return cryo_locks_held(file, files);
}

/**
 * cryo_fdtable_check() - refuse files cryo cannot save, or may not read
 * @img: the image, its target parked
 * @why: out: the refusal and the lowest fd concerned
 *
 * Return: 0; -EOPNOTSUPP (a kind cryo cannot save, a lock, a lease) or
 * -EACCES (an unlinked file that may not be read) with @why set.
 */
int cryo_fdtable_check(struct cryo_image *img, struct cryo_why *why)
{
	struct cryo_fd_found f = {};
	unsigned int from = 0;
	u32 code = CRYO_REFUSAL_NONE;

	while (from != UINT_MAX && cryo_next_fd(img, from, &f)) {
		code = cryo_file_refusal(f.file, f.files);
		fput(f.file);
		if (code != CRYO_REFUSAL_NONE)
			break;
		from = f.fd + 1;
		cond_resched();
	}
	if (code == CRYO_REFUSAL_NONE)
		return 0;
	return cryo_refuse(why, code, f.fd,
			   code == CRYO_REFUSAL_UNREADABLE_FILE ? -EACCES :
								  -EOPNOTSUPP);
}

/*
 * Does the target hold a description that reads the pipe @inode?  Its
 * buffered bytes may go into the image only then: through a write-only
 * end they could never be read, not by the target and not by the
 * freezer, and the reader may be someone else's.
 */
static bool cryo_pipe_read_in_image(struct cryo_image *img,
				    struct inode *inode)
{
	struct cryo_fd_found f = { .reader_of = inode };

	if (!cryo_next_fd(img, 0, &f))
		return false;
	fput(f.file);
	return true;
}

static struct cryo_seen *cryo_seen_find(struct cryo_image *img,
					struct file *file, struct inode *pipe)
{
	unsigned int i;

	for (i = 0; i < img->nr_seen; i++)
		if ((file && img->seen[i].file == file) ||
		    (pipe && img->seen[i].pipe == pipe))
			return &img->seen[i];
	return NULL;
}

static int cryo_seen_add(struct cryo_image *img, struct file *file,
			 struct inode *pipe)
{
	struct cryo_seen *s;

	if (img->nr_seen == img->max_seen) {
		unsigned int n = max(16U, img->max_seen * 2);

		s = kvmalloc_array(n, sizeof(*s), GFP_KERNEL_ACCOUNT);
		if (!s)
			return -ENOMEM;
		if (img->nr_seen)
			memcpy(s, img->seen, img->nr_seen * sizeof(*s));
		kvfree(img->seen);
		img->seen = s;
		img->max_seen = n;
	}
	s = &img->seen[img->nr_seen++];
	s->file = file;
	s->pipe = pipe;
	s->id = img->nr_seen;
	return 0;
}

/*
 * Copy what a pipe holds, without consuming it.  The pipe comes from our
 * referenced file (an open end keeps it alive; inode->i_pipe does not),
 * and head and tail are read once, under the pipe's mutex.
 */
static int cryo_pipe_snapshot(struct cryo_image *img, struct file *file)
{
	struct pipe_inode_info *pipe = file->private_data;
	unsigned int i, mask, head, tail;
	size_t len = 0, room;
	int ret = 0;

	if (!pipe || file->f_mode & FMODE_PATH)
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
	img->data = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!img->data)
		goto out_unlock;
	room = len;
	len = 0;
	for (i = tail; i != head; i++) {
		struct pipe_buffer *b = &pipe->bufs[i & mask];
		size_t n = min_t(size_t, b->len, room - len);
		void *kaddr = kmap_local_page(b->page);

		memcpy(img->data + len, kaddr + b->offset, n);
		kunmap_local(kaddr);
		len += n;
	}
	img->data_size = len;
	ret = 0;
out_unlock:
	mutex_unlock(&pipe->mutex);
	return ret;
}

/* Stage the FILE record of img->cur and get its data ready. */
static int cryo_emit_file(struct cryo_image *img, struct cryo_seen *seen)
{
	struct file *file = img->cur;
	struct inode *inode = file_inode(file);
	const size_t room = CRYO_STAGE_SIZE - sizeof(struct cryo_rec) -
			    sizeof(struct cryo_image_file);
	struct cryo_image_file *r;
	struct timespec64 mt;
	const char *name;
	size_t len = 0;
	char *buf;
	u32 kind = cryo_file_kind(file);
	bool lost = kind == CRYO_FILE_OTHER;
	int ret;

	img->data_size = 0;
	img->data_off = 0;
	if ((kind == CRYO_FILE_PIPE || kind == CRYO_FILE_FIFO) &&
	    !(file->f_mode & FMODE_PATH)) {
		if (!seen->pipe && cryo_pipe_read_in_image(img, inode)) {
			ret = cryo_pipe_snapshot(img, file);
			if (ret)
				return ret;
			seen->pipe = inode;
		}
	} else if (cryo_is_unlinked(file) && !cryo_unlinked_readable(file)) {
		/*
		 * Refused at CRYO_IOC_FREEZE unless the loss was accepted;
		 * made unreadable since (a chmod): refused now, never read.
		 */
		if (!(img->flags & CRYO_FREEZE_ACCEPT_LOSS))
			return -EACCES;
		lost = true;
	} else if (cryo_is_unlinked(file)) {
		/* Unlinked: its contents go into the image. */
		img->data_file = dentry_open(&file->f_path,
					     O_RDONLY | O_LARGEFILE,
					     current_cred());
		if (IS_ERR(img->data_file)) {
			ret = PTR_ERR(img->data_file);
			img->data_file = NULL;
			return ret;
		}
		img->data_size = i_size_read(inode);
	}

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	name = d_path(&file->f_path, buf, PATH_MAX);
	if (!IS_ERR(name))
		len = min(strlen(name), room);

	r = cryo_record_start(img, CRYO_REC_FILE, sizeof(*r) + len);
	r->id = seen->id;
	r->kind = kind;
	r->open_flags = file->f_flags;
	r->mode = inode->i_mode;
	r->pos = file->f_pos;
	r->dev = new_encode_dev(inode->i_sb->s_dev);
	r->ino = inode->i_ino;
	r->size = i_size_read(inode);
	mt = cryo_inode_mtime(inode);
	r->mtime_ns = timespec64_to_ns(&mt);
	if (S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode))
		r->rdev = new_encode_dev(inode->i_rdev);
	if (kind == CRYO_FILE_PIPE || kind == CRYO_FILE_FIFO)
		r->pipe_id = inode->i_ino;
	r->data_size = img->data_size;
	r->name_len = len;
	if (kind == CRYO_FILE_REG && !inode->i_nlink)
		r->flags |= CRYO_FILE_UNLINKED;
	if (lost)
		r->flags |= CRYO_FILE_LOST;
	memcpy(r + 1, name, len);
	cryo_record_finish(img);
	kfree(buf);
	return 0;
}

/* Stage the next FILE_DATA record of the current file. */
static int cryo_emit_data(struct cryo_image *img)
{
	size_t n = min_t(u64, CRYO_DATA_CHUNK, img->data_size - img->data_off);
	struct cryo_image_file_data *d;
	u8 *p;

	/* Read before staging: a failed read must leave nothing staged. */
	p = img->stage + sizeof(struct cryo_rec) + sizeof(*d);
	if (img->data) {
		memcpy(p, img->data + img->data_off, n);
	} else {
		loff_t pos = img->data_off;
		ssize_t got = kernel_read(img->data_file, p, n, &pos);

		if (got < 0)
			return got;
		/* The file shrank since: the size in FILE is what counts. */
		if (got < n)
			memset(p + got, 0, n - got);
	}
	d = cryo_record_start_partial(img, CRYO_REC_FILE_DATA, sizeof(*d) + n,
				   sizeof(*d));
	d->id = img->cur_id;
	d->offset = img->data_off;
	img->stage_len += n;
	cryo_record_finish(img);
	img->data_off += n;
	return 0;
}

static void cryo_data_done(struct cryo_image *img)
{
	kvfree(img->data);
	img->data = NULL;
	if (img->data_file)
		fput(img->data_file);
	img->data_file = NULL;
}

static void cryo_emit_fd(struct cryo_image *img)
{
	struct cryo_image_fd *r;

	r = cryo_record_start(img, CRYO_REC_FD, sizeof(*r));
	r->fd = img->cur_fd;
	r->flags = img->cur_cloexec ? CRYO_FD_CLOEXEC : 0;
	r->file_id = img->cur_id;
	cryo_record_finish(img);
}

/**
 * cryo_fdtable_save() - stage the next record of the files section
 * @img: the image
 *
 * Return: 1 when a record was staged, 0 past the last fd, -errno.
 */
int cryo_fdtable_save(struct cryo_image *img)
{
	struct cryo_fd_found f = {};
	struct cryo_seen *seen;
	int ret;

	switch (img->fd_step) {
	case CRYO_FD_NEXT:
		if (img->fd_next == UINT_MAX || !cryo_next_fd(img, img->fd_next, &f))
			return 0;
		img->fd_next = f.fd + 1;
		img->cur_fd = f.fd;
		img->cur_cloexec = f.cloexec;
		seen = cryo_seen_find(img, f.file, NULL);
		if (seen) {
			fput(f.file);
			img->cur_id = seen->id;
			cryo_emit_fd(img);
			return 1;
		}
		ret = cryo_seen_add(img, f.file, NULL);
		if (ret) {
			fput(f.file);
			return ret;
		}
		seen = &img->seen[img->nr_seen - 1];
		/* A pipe's other end already in the image carries its data. */
		if (S_ISFIFO(file_inode(f.file)->i_mode) &&
		    !(f.file->f_mode & FMODE_PATH) &&
		    cryo_seen_find(img, NULL, file_inode(f.file)))
			seen->pipe = file_inode(f.file);
		img->cur = f.file;
		img->cur_id = seen->id;
		ret = cryo_emit_file(img, seen);
		if (ret) {
			/*
			 * Undone, so that an interrupted stream (-EINTR,
			 * -EDEADLK) takes this fd again, not the next one.
			 */
			cryo_data_done(img);
			img->cur = NULL;
			img->nr_seen--;
			fput(f.file);
			img->fd_next = f.fd;
			return ret;
		}
		img->fd_step = img->data_size ? CRYO_FD_DATA : CRYO_FD_RECORD;
		return 1;
	case CRYO_FD_DATA:
		ret = cryo_emit_data(img);
		if (ret)
			return ret;
		if (img->data_off == img->data_size) {
			cryo_data_done(img);
			img->fd_step = CRYO_FD_RECORD;
		}
		return 1;
	case CRYO_FD_RECORD:
		cryo_emit_fd(img);
		img->fd_step = CRYO_FD_NEXT;
		return 1;
	}
	return -EINVAL;
}

void cryo_fdtable_save_end(struct cryo_image *img)
{
	unsigned int i;

	cryo_data_done(img);
	for (i = 0; i < img->nr_seen; i++)
		fput(img->seen[i].file);
	kvfree(img->seen);
	img->seen = NULL;
	img->nr_seen = 0;
}
