// SPDX-License-Identifier: GPL-2.0
/*
 * The fd table: the FD records, and the files section of the image.
 *
 * At the freeze, for each fd in ascending order: the first time an open
 * file description is met, its FILE and FILE_DATA records (file.c), then
 * an FD record pointing at the description's id.  Descriptors sharing a
 * description (dup) share an id.  Files are found one at a time with
 * iterate_fd() (fget_task() is not exported) under the task lock, and
 * kept referenced while in use.
 *
 * At the thaw, the FD records are checked as they are read, and matched
 * with --inherit-fd; the fds are installed at their numbers at the very
 * end.  Nothing is installed before every thread of the restored process
 * has reached its last call: until then the descriptors of the process
 * are those it was forked with, which the stub needs (/dev/cryo itself).
 */
#include "cryo.h"

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "freezing.h"
#include "session.h"
#include "thawing.h"
#include "files/file.h"
#include "files/files.h"
#include "image/record.h"
#include "mm/mm.h"
#include "task/task.h"

/* What the current fd needs next, see cryo_fdtable_save(). */
enum {
	CRYO_FD_NEXT, CRYO_FD_DATA, CRYO_FD_RECORD, CRYO_FD_LOCKS, CRYO_FD_STATE,
	CRYO_FD_WATCHES, CRYO_FD_EPOLL_FIRST, CRYO_FD_EPOLL, CRYO_FD_MAPS,
};

struct cryo_fd_found {
	struct files_struct *files;
	struct file *file;
	unsigned int fd;
	bool cloexec;
	struct inode *reader_of;	/* stop at a reading end of this pipe */
};

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
 * The first open fd >= @from of a member, referenced in f->file.
 * The fd table is the one of any thread still holding one (the leader
 * may have exited).  Returns false when there is none.
 */
static bool cryo_next_fd(struct cryo_member *m, unsigned int from,
			 struct cryo_fd_found *f)
{
	struct cryo_park *park = m->park;
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

/**
 * cryo_fdtable_check() - refuse files cryo cannot save, or may not read
 * @img: the image, its target parked
 * @why: out: the refusal and the lowest fd concerned
 *
 * Return: 0; -EOPNOTSUPP (a kind cryo cannot save, a lock, a lease),
 * -EACCES (an unlinked file that may not be read) or -EFBIG (unlinked
 * files' contents over the image's limit) with @why set.
 */
int cryo_fdtable_check(struct cryo_image *img, struct cryo_why *why)
{
	struct cryo_fd_found f = {};
	unsigned int from = 0, locks = 0;
	u32 code = CRYO_REFUSAL_NONE;

	/* The unlinked files' bytes add up over the tree, each check anew. */
	if (!img->sec) {
		img->fdt.nr_counted = 0;
		img->fdt.counted_bytes = 0;
	}
	while (from != UINT_MAX && cryo_next_fd(img->m, from, &f)) {
		code = cryo_file_refusal(f.file);
		if (code == CRYO_REFUSAL_NONE)
			code = cryo_locks_held(f.file, f.files, &locks);
		if (code == CRYO_REFUSAL_NONE)
			code = cryo_regular_budget(img, f.file);
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
			   code == CRYO_REFUSAL_DELETED_TOO_BIG ? -EFBIG :
								  -EOPNOTSUPP);
}

/* Does a member of the tree hold a description that reads the pipe @pipe? */
bool cryo_fdtable_reads(struct cryo_image *img, struct inode *pipe)
{
	unsigned int i;

	for (i = 0; i < img->nr_members; i++) {
		struct cryo_fd_found f = { .reader_of = pipe };

		if (img->members[i].park &&
		    cryo_next_fd(&img->members[i], 0, &f)) {
			fput(f.file);
			return true;
		}
	}
	return false;
}

/**
 * cryo_fdtable_get() - the file member @m holds at fd @fd
 * @m: a parked member
 * @fd: the number
 *
 * Return: the file, referenced; NULL when @fd is not open.
 */
struct file *cryo_fdtable_get(struct cryo_member *m, unsigned int fd)
{
	struct cryo_fd_found f = {};

	if (!m->park || !cryo_next_fd(m, fd, &f))
		return NULL;
	if (f.fd == fd)
		return f.file;
	fput(f.file);
	return NULL;
}

/**
 * cryo_fdtable_walk() - call @fn for every fd of member @m, ascending
 * @m: a parked member
 * @fn: given each fd and its file (referenced for the call only); a
 *	non-zero return stops the walk and is returned
 * @arg: for @fn
 *
 * A member that shares its parent member's fd table has none of its own
 * to walk: its fds are walked with the first member that uses the table,
 * each once.
 *
 * Return: 0, or what @fn returned.
 */
int cryo_fdtable_walk(struct cryo_member *m, cryo_fd_fn fn, void *arg)
{
	struct cryo_fd_found f = {};
	unsigned int from = 0;
	int ret = 0;

	if (!m->park || (m->rec.flags & CRYO_MEMBER_SHARES_FILES))
		return 0;
	while (!ret && from != UINT_MAX && cryo_next_fd(m, from, &f)) {
		ret = fn(arg, f.file, f.fd);
		fput(f.file);
		from = f.fd + 1;
		cond_resched();
	}
	return ret;
}

static void cryo_fdtable_save_fd(struct cryo_image *img)
{
	struct cryo_files_save *fs = &img->fdt;
	struct cryo_image_fd *r;

	r = cryo_record_start(img, CRYO_REC_FD, sizeof(*r));
	r->fd = fs->cur_fd;
	r->flags = fs->cur_cloexec ? CRYO_FD_CLOEXEC : 0;
	r->file_id = fs->cur_id;
	cryo_record_finish(img);
}

/*
 * After the section's LOCK records: its EPOLL_ITEM records.  An error
 * in finding them is met again by the next call (the reader may come
 * back after -EINTR), with nothing staged twice.
 */
static int cryo_fdtable_save_epoll(struct cryo_image *img)
{
	struct cryo_files_save *fs = &img->fdt;
	int ret;

	fs->fd_step = CRYO_FD_EPOLL_FIRST;
	ret = cryo_epoll_save_items(img, true);
	if (ret > 0)
		fs->fd_step = CRYO_FD_EPOLL;
	else if (!ret)
		fs->fd_step = CRYO_FD_NEXT;
	return ret;
}

/*
 * After the section's FDs, the descriptions of the deleted files its
 * mappings map that the image does not hold yet (since 2.9): a FILE and
 * its FILE_DATA each, no FD, for the VMA_FILE records to name.  Then the
 * section's locks and its epolls' items.
 */
static int cryo_fdtable_save_maps(struct cryo_image *img)
{
	struct cryo_files_save *fs = &img->fdt;
	unsigned long from;
	struct file *file;
	int ret;

	for (;;) {
		from = fs->map_next;
		file = cryo_vma_next_deleted(img, &fs->map_next);
		if (IS_ERR(file))
			return PTR_ERR(file);
		if (!file)
			break;
		if (cryo_file_id(img, file)) {
			fput(file);
			cond_resched();
			continue;
		}
		ret = cryo_file_save(img, file);
		if (ret) {
			/* This mapping again, when the reader comes back. */
			fs->map_next = from;
			return ret;
		}
		fs->cur_mapped = true;
		fs->fd_step = fs->data_size ? CRYO_FD_DATA : CRYO_FD_MAPS;
		return 1;
	}
	fs->cur_mapped = false;
	fs->fd_step = CRYO_FD_LOCKS;
	ret = cryo_locks_save(img, true);
	if (!ret)
		return cryo_fdtable_save_epoll(img);
	if (ret < 0)
		fs->fd_step = CRYO_FD_NEXT;
	return ret;
}

/**
 * cryo_fdtable_save() - stage the next record of the files section
 * @img: the image
 *
 * A member that shares its parent member's fd table
 * (%CRYO_MEMBER_SHARES_FILES) has no files section: the table is saved
 * once, with the first member that uses it.
 *
 * Return: 1 when a record was staged, 0 past the last fd, -errno.
 */
int cryo_fdtable_save(struct cryo_image *img)
{
	struct cryo_files_save *fs = &img->fdt;
	struct cryo_fd_found f = {};
	int ret;

	switch (fs->fd_step) {
	case CRYO_FD_NEXT:
		/*
		 * A table shared with its parent member is in an earlier
		 * section, and so are the locks held through it.
		 */
		if (img->m->rec.flags & CRYO_MEMBER_SHARES_FILES)
			return 0;
		/* The descriptions met from here on are this section's. */
		if (!fs->fd_next)
			fs->section_base = fs->nr_seen;
		if (fs->fd_next == UINT_MAX ||
		    !cryo_next_fd(img->m, fs->fd_next, &f)) {
			/* After the last FD: the deleted files mapped. */
			fs->fd_step = CRYO_FD_MAPS;
			fs->map_next = 0;
			return cryo_fdtable_save_maps(img);
		}
		fs->cur_mapped = false;
		fs->fd_next = f.fd + 1;
		fs->cur_fd = f.fd;
		fs->cur_cloexec = f.cloexec;
		fs->cur_id = cryo_file_id(img, f.file);
		if (fs->cur_id) {
			fput(f.file);
			cryo_fdtable_save_fd(img);
			return 1;
		}
		ret = cryo_file_save(img, f.file);
		if (ret) {
			/* This fd again, when the reader comes back. */
			fs->fd_next = f.fd;
			return ret;
		}
		if (fs->has_state)
			fs->fd_step = CRYO_FD_STATE;
		else
			fs->fd_step = fs->data_size ? CRYO_FD_DATA : CRYO_FD_RECORD;
		return 1;
	case CRYO_FD_STATE:
		/* Right after its FILE: what the library makes it again with. */
		memcpy(cryo_record_start(img, CRYO_REC_FILE_STATE,
					 sizeof(fs->state)),
		       &fs->state, sizeof(fs->state));
		cryo_record_finish(img);
		if (fs->nr_watches)
			fs->fd_step = CRYO_FD_WATCHES;
		else
			fs->fd_step = fs->data_size ? CRYO_FD_DATA : CRYO_FD_RECORD;
		return 1;
	case CRYO_FD_WATCHES:
		/* After its FILE_STATE: an inotify's watches (inotify.c). */
		if (!cryo_inotify_save_watch(img))
			fs->fd_step = fs->data_size ? CRYO_FD_DATA : CRYO_FD_RECORD;
		return 1;
	case CRYO_FD_DATA:
		ret = cryo_file_save_data(img);
		if (ret)
			return ret;
		if (fs->data_off == fs->data_size) {
			cryo_file_save_data_end(img);
			fs->fd_step = fs->cur_mapped ? CRYO_FD_MAPS :
						       CRYO_FD_RECORD;
		}
		return 1;
	case CRYO_FD_MAPS:
		return cryo_fdtable_save_maps(img);
	case CRYO_FD_RECORD:
		cryo_fdtable_save_fd(img);
		fs->fd_step = CRYO_FD_NEXT;
		return 1;
	case CRYO_FD_LOCKS:
		ret = cryo_locks_save(img, false);
		if (!ret)
			return cryo_fdtable_save_epoll(img);
		if (ret < 0)
			fs->fd_step = CRYO_FD_NEXT;
		return ret;
	case CRYO_FD_EPOLL_FIRST:
		return cryo_fdtable_save_epoll(img);
	case CRYO_FD_EPOLL:
		ret = cryo_epoll_save_items(img, false);
		if (!ret)
			fs->fd_step = CRYO_FD_NEXT;
		return ret;
	}
	return -EINVAL;
}

/* The freeze is over: what the files section held is let go. */
void cryo_fdtable_save_end(struct cryo_image *img)
{
	cryo_locks_save_end(&img->fdt);
	cryo_epoll_save_end(&img->fdt);
	cryo_file_save_end(img);
}

/**
 * cryo_fdtable_inherit() - the caller's --inherit-fd list
 * @t: the thaw
 * @uin: the entries, in user memory
 * @nr: how many
 *
 * Each entry gives the fd of the image @fd the caller's file @source_fd
 * instead of what the image says.
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_fdtable_inherit(struct cryo_thawing *t,
			 const struct cryo_thaw_inherit __user *uin,
			 unsigned int nr)
{
	struct cryo_files_shared *ft = &t->tree->files;
	unsigned int i, j;

	if (!nr)
		return 0;
	if (nr > CRYO_THAW_INHERIT_MAX)
		return cryo_thaw_fail(t, -EINVAL, "%u --inherit-fd entries", nr);
	ft->inherit = memdup_user(uin, nr * sizeof(*uin));
	if (IS_ERR(ft->inherit)) {
		int err = PTR_ERR(ft->inherit);

		ft->inherit = NULL;
		return cryo_thaw_fail(t, err, "bad --inherit-fd array");
	}
	ft->inherit_files = kcalloc(nr, sizeof(*ft->inherit_files), GFP_KERNEL);
	if (!ft->inherit_files)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	ft->nr_inherit = nr;
	for (i = 0; i < nr; i++) {
		const struct cryo_thaw_inherit *in = &ft->inherit[i];

		if (in->fd < 0)
			return cryo_thaw_fail(t, -EINVAL,
					      "--inherit-fd %d: negative fd",
					      in->fd);
		for (j = 0; j < i; j++)
			if (ft->inherit[j].fd == in->fd)
				return cryo_thaw_fail(t, -EINVAL,
						      "--inherit-fd %d given twice",
						      in->fd);
		ft->inherit_files[i] = fget(in->source_fd);
		if (!ft->inherit_files[i])
			return cryo_thaw_fail(t, -EBADF,
					      "--inherit-fd %d=%d: fd %d is not open",
					      in->fd, in->source_fd,
					      in->source_fd);
		/* The session would hold itself: never released. */
		if (cryo_is_session_file(ft->inherit_files[i])) {
			fput(ft->inherit_files[i]);
			ft->inherit_files[i] = NULL;
			return cryo_thaw_fail(t, -EINVAL,
					      "--inherit-fd %d=%d: fd %d is a /dev/cryo session",
					      in->fd, in->source_fd,
					      in->source_fd);
		}
	}
	return 0;
}

static int cryo_inherit_find(struct cryo_files_shared *ft, u32 fd)
{
	unsigned int i;

	for (i = 0; i < ft->nr_inherit; i++)
		if (ft->inherit[i].fd == fd)
			return i;
	return -1;
}

/**
 * cryo_fdtable_load_fd() - an FD record, checked and kept
 * @t: the thaw
 * @rec: the record, its payload in t->in->buf
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_fdtable_load_fd(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_files_restore *ft = &t->fdt;
	struct cryo_files_shared *sh = &t->tree->files;
	struct cryo_image_fd *r = t->in->buf;
	struct cryo_thaw_file *f;
	struct cryo_thaw_fd *fd;
	unsigned long nofile;
	int ret, i;

	if (rec->len != sizeof(*r) || r->__reserved ||
	    (r->flags & ~CRYO_FD_CLOEXEC))
		return cryo_file_bad(t, "FD: bad length or flags");
	if (!r->file_id || r->file_id > sh->nr_files)
		return cryo_file_bad(t, "FD %u: no FILE %u", r->fd, r->file_id);
	if (ft->nr_locks || ft->nr_epoll)
		return cryo_file_bad(t, "FD %u: after a LOCK or EPOLL_ITEM record",
				     r->fd);
	if (ft->nr_fds && r->fd <= ft->fds[ft->nr_fds - 1].rec.fd)
		return cryo_file_bad(t, "FD %u: not in ascending order", r->fd);
	/* An fd number is an int (the image's limits may say more). */
	if (r->fd >= INT_MAX)
		return cryo_file_bad(t, "FD %u: not an fd number", r->fd);
	/* The image's limit, as far as the restored process gets it. */
	nofile = t->have_proc ? cryo_creds_nofile(t) : rlimit(RLIMIT_NOFILE);
	if (r->fd >= nofile)
		return cryo_thaw_fail(t, -EMFILE,
				      "fd %u: at or above the open files limit it will have (RLIMIT_NOFILE %lu)",
				      r->fd, nofile);
	ret = cryo_thaw_grow((void **)&ft->fds, &ft->max_fds, ft->nr_fds + 1,
			     sizeof(*ft->fds), CRYO_THAW_MAX_FILES);
	if (ret)
		return cryo_thaw_fail(t, ret, "record %llu: too many fds",
				      t->in->record);
	fd = &ft->fds[ft->nr_fds++];
	fd->rec = *r;
	fd->file = NULL;
	/*
	 * The caller's --inherit-fd are the first member's (the root's); a
	 * later member's fd on the same description (inherited across fork)
	 * shares the inherited file as it shared the description.
	 */
	f = &sh->files[r->file_id - 1];
	i = t->idx ? -1 : cryo_inherit_find(sh, r->fd);
	if (i >= 0 && !f->inherited)
		f->inherited = sh->inherit_files[i];
	if (i >= 0)
		fd->file = get_file(sh->inherit_files[i]);
	else if (t->idx && f->inherited)
		fd->file = get_file(f->inherited);
	else
		f->needed = true;
	return 0;
}

/* The lowest fd that needs file @idx of the image, or -1. */
int cryo_fdtable_fd_of(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_files_restore *ft = &t->fdt;
	unsigned int i;

	for (i = 0; i < ft->nr_fds; i++)
		if (ft->fds[i].rec.file_id == idx + 1 && !ft->fds[i].file)
			return ft->fds[i].rec.fd;
	return -1;
}

/**
 * cryo_fdtable_open() - after the FD records: what each fd will get
 * @t: the thaw
 *
 * Every --inherit-fd names an fd of the image; every description an fd
 * needs is recreated (file.c), and the pipes the library must make are
 * counted.
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_fdtable_open(struct cryo_thawing *t)
{
	struct cryo_files_restore *ft = &t->fdt;
	struct cryo_files_shared *sh = &t->tree->files;
	unsigned int i, j;

	for (i = 0; !t->idx && i < sh->nr_inherit; i++) {
		for (j = 0; j < ft->nr_fds; j++)
			if (ft->fds[j].rec.fd == sh->inherit[i].fd)
				break;
		if (j == ft->nr_fds)
			return cryo_thaw_fail(t, -EINVAL,
					      "--inherit-fd %d: the image has no fd %d",
					      sh->inherit[i].fd, sh->inherit[i].fd);
	}
	return cryo_file_restore_all(t);
}

/**
 * cryo_fdtable_resolve() - every fd of a member takes its description
 * @t: the member, in CRYO_IOC_THAW_RESTORE (under the session lock), its
 *     pipes attached
 *
 * The descriptions by image id (tree->files) are shared by the members
 * and grow (are reallocated, the old array freed) while a later member's
 * CRYO_IOC_THAW_MEMBER reads its FILE records, under the session lock
 * only; this member's install runs later, in its restored process's
 * task_work, without that lock.  So the install must never look at the
 * shared array: here, under the lock and once every description this
 * member needs exists (its own pipes and those of earlier members are
 * attached just before), each fd takes a reference of its own to its
 * file, and the install uses only those (cryo_fdtable_release() puts
 * them).
 *
 * Return: 0, or -ENXIO with the thaw failed (a description that was not
 * recreated).
 */
int cryo_fdtable_resolve(struct cryo_thawing *t)
{
	struct cryo_files_restore *ft = &t->fdt;
	struct cryo_files_shared *sh = &t->tree->files;
	unsigned int i;

	for (i = 0; i < ft->nr_fds; i++) {
		struct cryo_thaw_fd *d = &ft->fds[i];
		struct file *file;

		if (d->file)
			continue;
		file = sh->files[d->rec.file_id - 1].file;
		/* Never made: an earlier member's pipe that was not. */
		if (!file)
			return cryo_thaw_fail(t, -ENXIO,
					      "fd %u: its description %u was not recreated",
					      d->rec.fd, d->rec.file_id);
		d->file = get_file(file);
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
	struct cryo_files_restore *ft = &t->fdt;
	struct files_struct *files = current->files;
	unsigned int next = 0, found, i, k;
	struct file *file;
	int fd, ret = 0;
	u32 max_fd;

	while (iterate_fd(files, next, cryo_fd_any, &found)) {
		close_fd(found);
		next = found + 1;
	}
	if (!ft->nr_fds)
		return 0;
	max_fd = ft->fds[ft->nr_fds - 1].rec.fd;
	for (k = 0, i = 0; k <= max_fd; k++) {
		struct cryo_thaw_fd *d = &ft->fds[i];
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
		/* Resolved at RESTORE: never the shared array, see above. */
		file = d->file;
		if (!file) {
			put_unused_fd(fd);
			ret = cryo_thaw_fail(t, -ENXIO,
					     "fd %u: its description %u was not recreated",
					     k, d->rec.file_id);
			max_fd = k;
			break;
		}
		fd_install(k, get_file(file));
		i++;
	}
	/* Give back the numbers that only held a gap. */
	for (k = 0, i = 0; k < max_fd; k++) {
		if (i < ft->nr_fds && ft->fds[i].rec.fd == k) {
			i++;
			continue;
		}
		put_unused_fd(k);
	}
	return ret;
}

/* A member is freed: its fds are let go. */
void cryo_fdtable_release(struct cryo_thawing *t)
{
	struct cryo_files_restore *ft = &t->fdt;
	unsigned int i;

	cryo_locks_release(ft);
	cryo_epoll_release(ft);
	for (i = 0; i < ft->nr_fds; i++)
		if (ft->fds[i].file)
			fput(ft->fds[i].file);
	kvfree(ft->fds);
}

/* The thaw is over: its descriptions and inherited files are let go. */
void cryo_files_release(struct cryo_thaw_tree *tree)
{
	struct cryo_files_shared *ft = &tree->files;
	unsigned int i;

	cryo_file_release(tree);
	cryo_epoll_release_tree(ft);
	for (i = 0; i < ft->nr_inherit; i++)
		if (ft->inherit_files && ft->inherit_files[i])
			fput(ft->inherit_files[i]);
	kfree(ft->inherit_files);
	kfree(ft->inherit);
	/* A thaw that never got as far as running the image's code. */
	if (!tree->committed)
		cryo_tty_shell_undo(tree);
	kfree(ft->shell_saved);
	ft->shell_saved = NULL;
	if (ft->shell_tty)
		fput(ft->shell_tty);
	ft->shell_tty = NULL;
}
