// SPDX-License-Identifier: GPL-2.0
/*
 * File locks: POSIX record locks, open file description (OFD) locks and
 * flock(2) locks, saved at the freeze and taken again at the thaw before
 * the restored process runs.  A program that took one relies on it (a
 * database in exclusive mode would let a second writer in after a thaw
 * without it), so a lock is never dropped silently: what cannot be saved
 * (a lease, a lock the filesystem keeps itself, too many) refuses the
 * freeze by name.
 *
 * Who owns a lock decides where it is saved and how it comes back:
 *  - a POSIX lock is owned by an fd table (the process, whichever thread
 *    took it) and lives on the inode; the member whose table owns it
 *    saves it, naming any description through which it holds the file;
 *  - an OFD or flock lock is owned by its open file description, which
 *    members may share (dup, fork): the section that gave the
 *    description's FILE record saves it, once.
 *
 * At the thaw an OFD or flock lock is taken on the new description
 * before the point of no return: someone who took a conflicting lock
 * meanwhile fails the thaw cleanly, with nothing running.  A POSIX lock
 * is owned by the fd table it was taken through, and closing any fd of
 * that table on the same inode drops it; the restored process's table
 * still holds the fds it was forked with (the stub's /dev/cryo among
 * them) until the install closes them, so a POSIX lock is only tested
 * for a conflict before the point of no return and taken right after the
 * install, by the restored process's table (a conflict that arrives in
 * between fails the thaw there).
 *
 * The module cannot call the LSM's file_lock hook (not exported): the
 * locks are taken on descriptions the thaw opened with the restored
 * process's credentials, as the process itself took them.
 */
#include "cryo.h"

#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sort.h>
#include <linux/spinlock.h>

#include "freezing.h"
#include "thawing.h"
#include "files/file.h"
#include "files/files.h"
#include "image/record.h"

/* A lock found at the freeze, and what it is compared by. */
struct cryo_lock_saved {
	struct inode *inode;		/* a POSIX lock's; NULL for others */
	struct cryo_image_lock rec;
};

/* Does the filesystem keep its own locks (NFS, FUSE, cluster fs)? */
static bool cryo_locks_foreign(struct file *file)
{
	return file->f_op->lock || file->f_op->flock;
}

static u32 cryo_lock_refusal(unsigned int flags)
{
	if (flags & FL_FLOCK)
		return CRYO_REFUSAL_LOCK_FLOCK;
	return flags & FL_OFDLCK ? CRYO_REFUSAL_LOCK_OFD :
				   CRYO_REFUSAL_LOCK_POSIX;
}

/* How many locks on @head are held through @file or by @files. */
static unsigned int cryo_locks_count(struct list_head *head, struct file *file,
				     struct files_struct *files,
				     unsigned int *flags)
{
	struct file_lock *fl;
	unsigned int n = 0;

	cryo_for_each_fl(fl, head) {
		if (!cryo_flc_match(CRYO_FL(fl, owner), CRYO_FL(fl, flags),
				    CRYO_FL(fl, file), file, files))
			continue;
		*flags = CRYO_FL(fl, flags);
		n++;
	}
	return n;
}

/**
 * cryo_locks_held() - may the locks held through @file be saved?
 * @file: one of the target's open files, referenced
 * @files: the target's fd table, the owner of its POSIX locks
 * @count: in/out: the member's locks counted so far
 *
 * A POSIX lock is counted at every fd of its inode: the count is an upper
 * bound, which is what the limit needs.
 *
 * Return: %CRYO_REFUSAL_NONE; %CRYO_REFUSAL_LEASE for a lease; the lock's
 * kind (%CRYO_REFUSAL_LOCK_POSIX, _OFD, _FLOCK) for a lock the filesystem
 * keeps itself, or one past %CRYO_LOCKS_MAX.
 */
u32 cryo_locks_held(struct file *file, struct files_struct *files,
		    unsigned int *count)
{
	struct file_lock_context *ctx;
	unsigned int flags = 0, n;
	u32 code = CRYO_REFUSAL_NONE;

	/* Set once for the inode's life, as locks_inode_context() reads it. */
	ctx = smp_load_acquire(&file_inode(file)->i_flctx);
	if (!ctx)
		return CRYO_REFUSAL_NONE;
	spin_lock(&ctx->flc_lock);
	if (cryo_flc_held(&ctx->flc_lease, file, files)) {
		code = CRYO_REFUSAL_LEASE;
	} else {
		n = cryo_locks_count(&ctx->flc_posix, file, files, &flags) +
		    cryo_locks_count(&ctx->flc_flock, file, files, &flags);
		*count += n;
		if (n && (cryo_locks_foreign(file) || *count > CRYO_LOCKS_MAX))
			code = cryo_lock_refusal(flags);
	}
	spin_unlock(&ctx->flc_lock);
	return code;
}

struct cryo_locks_walk {
	struct cryo_image *img;
	struct files_struct *files;
};

/* Add the locks of @head that @file or the member's table holds. */
static int cryo_locks_add(struct cryo_files_save *fs, struct list_head *head,
			  struct file *file, struct files_struct *files,
			  u32 id, bool own)
{
	struct file_lock *fl;

	cryo_for_each_fl(fl, head) {
		unsigned int flags = CRYO_FL(fl, flags);
		struct cryo_lock_saved *l;
		bool posix = (flags & FL_POSIX) && !(flags & FL_OFDLCK);

		if (!cryo_flc_match(CRYO_FL(fl, owner), flags,
				    CRYO_FL(fl, file), file, files))
			continue;
		/* A description's lock goes with its FILE record, once. */
		if (!posix && !own)
			continue;
		if (fs->nr_locks == CRYO_LOCKS_MAX)
			return -EOVERFLOW;
		l = &fs->locks[fs->nr_locks++];
		l->inode = posix ? file_inode(file) : NULL;
		l->rec = (struct cryo_image_lock){
			.file_id = id,
			.kind = posix ? CRYO_LOCK_POSIX :
				(flags & FL_OFDLCK) ? CRYO_LOCK_OFD :
						      CRYO_LOCK_FLOCK,
			.type = CRYO_FL(fl, type) == F_WRLCK ? CRYO_LOCK_WRITE :
							       CRYO_LOCK_READ,
			.start = fl->fl_start,
			.end = fl->fl_end,
		};
	}
	return 0;
}

static int cryo_locks_of_fd(void *arg, struct file *file, unsigned int fd)
{
	const struct cryo_locks_walk *w = arg;
	struct cryo_files_save *fs = &w->img->fdt;
	struct file_lock_context *ctx;
	u32 id = cryo_file_id(w->img, file);
	int ret;

	/* As in cryo_locks_held(). */
	ctx = smp_load_acquire(&file_inode(file)->i_flctx);
	if (!ctx || !id)
		return 0;
	spin_lock(&ctx->flc_lock);
	ret = cryo_locks_add(fs, &ctx->flc_posix, file, w->files, id,
			     id > fs->section_base);
	if (!ret)
		ret = cryo_locks_add(fs, &ctx->flc_flock, file, w->files, id,
				     id > fs->section_base);
	spin_unlock(&ctx->flc_lock);
	return ret;
}

/* POSIX locks by inode, others by description; then by range. */
static int cryo_lock_cmp(const void *a, const void *b)
{
	const struct cryo_lock_saved *x = a, *y = b;

	if (x->rec.kind != y->rec.kind)
		return x->rec.kind < y->rec.kind ? -1 : 1;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (!x->inode && x->rec.file_id != y->rec.file_id)
		return x->rec.file_id < y->rec.file_id ? -1 : 1;
	if (x->rec.start != y->rec.start)
		return x->rec.start < y->rec.start ? -1 : 1;
	return 0;
}

/* The same lock found again: a POSIX lock at a second fd of its inode. */
static bool cryo_lock_same(const struct cryo_lock_saved *x,
			   const struct cryo_lock_saved *y)
{
	return !cryo_lock_cmp(x, y) && x->rec.end == y->rec.end &&
	       x->rec.type == y->rec.type;
}

/* The fd table of member @m: pointers compared only, the member parked. */
static struct files_struct *cryo_locks_owner(struct cryo_member *m)
{
	struct cryo_park *park = m->park;
	struct files_struct *files = NULL;
	unsigned int i;

	for (i = 0; i < park->nr_threads && !files; i++) {
		struct task_struct *t = park->threads[i]->task;

		task_lock(t);
		files = t->files;
		task_unlock(t);
	}
	return files;
}

static int cryo_locks_collect(struct cryo_image *img)
{
	struct cryo_files_save *fs = &img->fdt;
	struct cryo_locks_walk w = { .img = img };
	unsigned int i, n;
	int ret;

	fs->nr_locks = 0;
	fs->next_lock = 0;
	w.files = cryo_locks_owner(img->m);
	if (!w.files)
		return 0;
	if (!fs->locks) {
		fs->locks = kvmalloc_array(CRYO_LOCKS_MAX, sizeof(*fs->locks),
					   GFP_KERNEL_ACCOUNT);
		if (!fs->locks)
			return -ENOMEM;
	}
	ret = cryo_fdtable_walk(img->m, cryo_locks_of_fd, &w);
	if (ret)
		return ret;
	sort(fs->locks, fs->nr_locks, sizeof(*fs->locks), cryo_lock_cmp, NULL);
	for (i = 0, n = 0; i < fs->nr_locks; i++)
		if (!n || !cryo_lock_same(&fs->locks[n - 1], &fs->locks[i]))
			fs->locks[n++] = fs->locks[i];
	fs->nr_locks = n;
	return 0;
}

/**
 * cryo_locks_save() - stage the section's next LOCK record
 * @img: the image, its FD records all staged
 * @first: the first call of the section: find its locks
 *
 * Return: 1 when a record was staged, 0 past the last lock, -errno.
 */
int cryo_locks_save(struct cryo_image *img, bool first)
{
	struct cryo_files_save *fs = &img->fdt;
	struct cryo_image_lock *r;
	int ret;

	if (first) {
		ret = cryo_locks_collect(img);
		if (ret)
			return ret;
	}
	if (fs->next_lock == fs->nr_locks)
		return 0;
	r = cryo_record_start(img, CRYO_REC_LOCK, sizeof(*r));
	*r = fs->locks[fs->next_lock++].rec;
	cryo_record_finish(img);
	return 1;
}

/* The freeze is over. */
void cryo_locks_save_end(struct cryo_files_save *fs)
{
	kvfree(fs->locks);
	fs->locks = NULL;
	fs->nr_locks = 0;
}

/* The fd of the member whose description is @file_id, or NULL. */
static struct cryo_thaw_fd *cryo_lock_fd(struct cryo_files_restore *ft,
					 u32 file_id)
{
	unsigned int i;

	for (i = 0; i < ft->nr_fds; i++)
		if (ft->fds[i].rec.file_id == file_id)
			return &ft->fds[i];
	return NULL;
}

/**
 * cryo_locks_load() - a LOCK record, checked and kept
 * @t: the thaw
 * @rec: the record, its payload in t->in->buf
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_locks_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_files_restore *ft = &t->fdt;
	struct cryo_image_lock *r = t->in->buf;
	int ret;

	if (t->hdr.minor < 6)
		return cryo_file_bad(t, "LOCK: in a format 2.%u image", t->hdr.minor);
	if (rec->len != sizeof(*r) || r->__reserved)
		return cryo_file_bad(t, "LOCK: bad length or reserved field");
	if (ft->nr_epoll)
		return cryo_file_bad(t, "LOCK: after an EPOLL_ITEM record");
	if (r->kind < CRYO_LOCK_POSIX || r->kind > CRYO_LOCK_FLOCK ||
	    (r->type != CRYO_LOCK_READ && r->type != CRYO_LOCK_WRITE))
		return cryo_file_bad(t, "LOCK: kind %u, type %u", r->kind,
				     r->type);
	if (r->start > r->end || r->end > CRYO_LOCK_EOF ||
	    (r->kind == CRYO_LOCK_FLOCK &&
	     (r->start || r->end != CRYO_LOCK_EOF)))
		return cryo_file_bad(t, "LOCK: bad range %llu-%llu", r->start,
				     r->end);
	if (!cryo_lock_fd(ft, r->file_id))
		return cryo_file_bad(t, "LOCK: no fd of this process has FILE %u",
				     r->file_id);
	ret = cryo_thaw_grow((void **)&ft->locks, &ft->max_locks,
			     ft->nr_locks + 1, sizeof(*ft->locks),
			     CRYO_LOCKS_MAX);
	if (ret)
		return cryo_thaw_fail(t, ret, "record %llu: too many locks",
				      t->in->record);
	ft->locks[ft->nr_locks++] = *r;
	return 0;
}

static const char *const cryo_lock_kinds[] = {
	[CRYO_LOCK_POSIX] = "POSIX", [CRYO_LOCK_OFD] = "OFD",
	[CRYO_LOCK_FLOCK] = "flock",
};

/* A lock of @r's kind and range, owned by @owner, on @file. */
static struct file_lock *cryo_lock_make(const struct cryo_image_lock *r,
					struct file *file, fl_owner_t owner)
{
	struct file_lock *fl = locks_alloc_lock();

	if (!fl)
		return NULL;
	CRYO_FL(fl, file) = file;
	CRYO_FL(fl, owner) = owner;
	CRYO_FL(fl, type) = r->type == CRYO_LOCK_WRITE ? F_WRLCK : F_RDLCK;
	switch (r->kind) {
	case CRYO_LOCK_POSIX:
		CRYO_FL(fl, flags) = FL_POSIX;
		CRYO_FL(fl, pid) = current->tgid;
		break;
	case CRYO_LOCK_OFD:
		CRYO_FL(fl, flags) = FL_POSIX | FL_OFDLCK;
		CRYO_FL(fl, pid) = -1;
		break;
	default:
		CRYO_FL(fl, flags) = FL_FLOCK;
		CRYO_FL(fl, pid) = current->tgid;
		break;
	}
	fl->fl_start = r->start;
	fl->fl_end = r->end;
	return fl;
}

static int cryo_lock_busy(struct cryo_thawing *t, const struct cryo_thaw_fd *d,
			  const struct cryo_image_lock *r, int err)
{
	if (err == -EAGAIN)
		return cryo_thaw_fail(t, -EAGAIN,
				      "fd %u: its %s %s lock on bytes %llu-%llu is held by another process now",
				      d->rec.fd, cryo_lock_kinds[r->kind],
				      r->type == CRYO_LOCK_WRITE ? "write" : "read",
				      r->start, r->end);
	return cryo_thaw_fail(t, err, "fd %u: its %s lock cannot be taken",
			      d->rec.fd, cryo_lock_kinds[r->kind]);
}

/* Take @r on @file for @owner; or only test it (a POSIX lock, early). */
static int cryo_lock_take(struct cryo_thawing *t, const struct cryo_thaw_fd *d,
			  const struct cryo_image_lock *r, fl_owner_t owner,
			  bool test)
{
	struct file *file = d->file;
	struct file_lock *fl;
	int ret;

	fl = cryo_lock_make(r, file, owner);
	if (!fl)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	if (test) {
		ret = vfs_test_lock(file, fl);
		if (!ret && CRYO_FL(fl, type) != F_UNLCK)
			ret = -EAGAIN;
	} else if (r->kind == CRYO_LOCK_FLOCK) {
		ret = locks_lock_inode_wait(file_inode(file), fl);
	} else {
		ret = vfs_lock_file(file, F_SETLK, fl, NULL);
	}
	locks_free_lock(fl);
	return ret ? cryo_lock_busy(t, d, r, ret) : 0;
}

/* What fcntl(2) and flock(2) ask of the description a lock is taken through. */
static int cryo_lock_allowed(struct cryo_thawing *t, const struct cryo_thaw_fd *d,
			     const struct cryo_image_lock *r)
{
	struct cryo_files_shared *sh = &t->tree->files;
	fmode_t need;

	if (sh->files[d->rec.file_id - 1].inherited)
		return cryo_thaw_fail(t, -EOPNOTSUPP,
				      "fd %u: a lock on a file given with --inherit-fd is not taken",
				      d->rec.fd);
	if (d->file->f_mode & FMODE_PATH)
		return cryo_thaw_fail(t, -EBADF, "fd %u: an O_PATH file has no lock",
				      d->rec.fd);
	if (r->kind == CRYO_LOCK_FLOCK)
		return 0;
	need = r->type == CRYO_LOCK_WRITE ? FMODE_WRITE : FMODE_READ;
	if (!(d->file->f_mode & need))
		return cryo_thaw_fail(t, -EBADF,
				      "fd %u: a %s lock on a file not open for %s",
				      d->rec.fd,
				      need == FMODE_WRITE ? "write" : "read",
				      need == FMODE_WRITE ? "writing" : "reading");
	return 0;
}

/**
 * cryo_locks_restore() - before the point of no return: the OFD and
 * flock locks taken, the POSIX ones tested
 * @t: the member, its fds resolved (cryo_fdtable_resolve())
 *
 * A description's lock goes when the description does, so a thaw that
 * fails leaves none behind.
 *
 * Return: 0, or -errno with the thaw failed (-EAGAIN: someone else holds
 * a conflicting lock).
 */
int cryo_locks_restore(struct cryo_thawing *t)
{
	struct cryo_files_restore *ft = &t->fdt;
	unsigned int i;
	int ret;

	for (i = 0; i < ft->nr_locks; i++) {
		const struct cryo_image_lock *r = &ft->locks[i];
		struct cryo_thaw_fd *d = cryo_lock_fd(ft, r->file_id);
		bool posix = r->kind == CRYO_LOCK_POSIX;

		fl_owner_t owner = posix ? (fl_owner_t)current->files :
					   (fl_owner_t)d->file;

		ret = cryo_lock_allowed(t, d, r);
		if (!ret)
			ret = cryo_lock_take(t, d, r, owner, posix);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * cryo_locks_install() - the POSIX locks, taken by the restored process
 * @t: the member, in its last thread's work, its fds just installed
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_locks_install(struct cryo_thawing *t)
{
	struct cryo_files_restore *ft = &t->fdt;
	unsigned int i;
	int ret;

	for (i = 0; i < ft->nr_locks; i++) {
		const struct cryo_image_lock *r = &ft->locks[i];

		if (r->kind != CRYO_LOCK_POSIX)
			continue;
		ret = cryo_lock_take(t, cryo_lock_fd(ft, r->file_id), r,
				     current->files, false);
		if (ret)
			return ret;
	}
	return 0;
}

/* A member is freed. */
void cryo_locks_release(struct cryo_files_restore *ft)
{
	kvfree(ft->locks);
	ft->locks = NULL;
}
