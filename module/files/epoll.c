// SPDX-License-Identifier: GPL-2.0
/*
 * epoll: the description (kind CRYO_FILE_EPOLL) and its interest list,
 * the EPOLL_ITEM records.
 *
 * The interest list lives in fs/eventpoll.c's private structures and no
 * exported function reads it: it is read from what ->show_fdinfo() shows
 * (fdinfo.c), one "tfd:" line per item with its fd number, event mask,
 * data, and the watched file's position, inode and device.
 *
 * The kernel keys an item by (file, fd number): the number is the one
 * the program gave epoll_ctl(2), and its later EPOLL_CTL_MOD or DEL finds
 * the item by the file it then holds at that number.  So an item is only
 * saved when the member whose section gives the epoll's FILE record holds,
 * at that number, the very file the item watches (the same inode, device
 * and position: the item's file itself cannot be reached from a module);
 * otherwise the freeze is refused naming the epoll's fd and the number
 * (CRYO_REFUSAL_EPOLL_TARGET), or with --accept-loss the epoll is saved
 * as lost.  The records then name the target by its FILE id and its fd
 * number, so a thaw adds each item with the number the program knows.
 *
 * At the thaw the records are checked as they are read: the epoll and
 * the target are at fds of the member, the target at that very number,
 * the mask is one epoll_ctl(2) accepts, and nested epolls make no loop
 * and are not deeper than the kernel allows.  A module can neither make
 * an epoll nor add to one (neither is exported): the library makes each
 * epoll as an object (object.c), and, after CRYO_IOC_THAW_ATTACH, a
 * child of the process being restored asks CRYO_IOC_THAW_EPOLL for each
 * one in turn, which puts the epoll and the files its items watch at
 * their numbers in the child's own fd table, and adds the items with
 * epoll_ctl(2) on those very numbers, with the restored credentials.
 * CRYO_IOC_THAW_RESTORE then checks, before the point of no return, that
 * each epoll holds exactly the image's items (cryo_epoll_verify()).
 */
#include "cryo.h"

#include <linux/bitmap.h>
#include <linux/bsearch.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "freezing.h"
#include "thawing.h"
#include "files/fdinfo.h"
#include "files/file.h"
#include "files/files.h"
#include "image/record.h"

/* The epoll_ctl(2) bits, as include/uapi/linux/eventpoll.h has them. */
#define CRYO_EPOLLINOUT		0x0005U	/* EPOLLIN | EPOLLOUT */
#define CRYO_EPOLLERRHUP	0x0018U	/* EPOLLERR | EPOLLHUP */
#define CRYO_EPOLLEXCLUSIVE	BIT(28)
#define CRYO_EPOLLWAKEUP	BIT(29)
#define CRYO_EPOLLONESHOT	BIT(30)
#define CRYO_EPOLLET		BIT(31)
#define CRYO_EPOLL_PRIVATE	(CRYO_EPOLLEXCLUSIVE | CRYO_EPOLLWAKEUP | \
				 CRYO_EPOLLONESHOT | CRYO_EPOLLET)
/* What an EPOLLEXCLUSIVE item may hold besides (fs/eventpoll.c). */
#define CRYO_EPOLL_EXCL_OK	(CRYO_EPOLLINOUT | CRYO_EPOLLERRHUP | \
				 CRYO_EPOLLWAKEUP | CRYO_EPOLLET | \
				 CRYO_EPOLLEXCLUSIVE)
/* Items of an image that watch an epoll (their loops are looked for). */
#define CRYO_EPOLL_NESTED_MAX	1024

/* One "tfd:" line of an epoll's fdinfo. */
struct cryo_epoll_line {
	int tfd;
	u32 events;
	u64 data;
	long long pos;
	unsigned long ino;
	u32 sdev;
};

static bool cryo_epoll_match(struct file *file)
{
	return cryo_fdinfo_anon(file, "eventpoll");
}

typedef int (*cryo_epoll_fn)(void *arg, const struct cryo_epoll_line *l);

/*
 * Call @fn for each item of the epoll @file, in the kernel's order (by
 * file, then fd number).  Return: 0, what @fn returned, -EPROTO for a
 * line this parser does not understand, or cryo_fdinfo()'s error.
 */
static int cryo_epoll_lines(struct file *file, cryo_epoll_fn fn, void *arg)
{
	char *text, *line, *next;
	size_t len;
	int ret = 0;

	text = cryo_fdinfo(file, &len);
	if (IS_ERR(text))
		return PTR_ERR(text);
	for (line = text; !ret && *line; line = next) {
		struct cryo_epoll_line l;

		next = strchrnul(line, '\n');
		if (*next)
			*next++ = '\0';
		if (strncmp(line, "tfd:", 4))
			continue;
		if (sscanf(line, "tfd: %d events: %x data: %llx pos:%lli ino:%lx sdev:%x",
			   &l.tfd, &l.events, &l.data, &l.pos, &l.ino,
			   &l.sdev) != 6 || l.tfd < 0) {
			ret = -EPROTO;
			break;
		}
		ret = fn(arg, &l);
	}
	kvfree(text);
	return ret;
}

/* The file member @m holds at fd @l->tfd, if it is the item's: referenced. */
static struct file *cryo_epoll_target(struct cryo_member *m,
				      const struct cryo_epoll_line *l)
{
	struct file *file = cryo_fdtable_get(m, l->tfd);
	struct inode *inode;

	if (!file)
		return NULL;
	inode = file_inode(file);
	if (inode->i_ino != l->ino || inode->i_sb->s_dev != l->sdev ||
	    file->f_pos != l->pos) {
		fput(file);
		return NULL;
	}
	return file;
}

/* ---- the freeze: refusals -------------------------------------------------- */

struct cryo_epoll_census {
	struct cryo_member *m;
	struct file **seen;		/* epolls met, compared only */
	unsigned int nr_seen, max_seen;
	unsigned int nr_items;
	int epfd;
	u32 code;			/* the refusal found, or NONE */
	int bad_tfd;
};

static int cryo_epoll_census_item(void *arg, const struct cryo_epoll_line *l)
{
	struct cryo_epoll_census *c = arg;
	struct file *target;

	if (++c->nr_items > CRYO_EPOLL_ITEMS_MAX) {
		c->code = CRYO_REFUSAL_EPOLL_TOO_MANY;
		c->bad_tfd = c->epfd;
		return 1;
	}
	target = cryo_epoll_target(c->m, l);
	if (!target) {
		c->code = CRYO_REFUSAL_EPOLL_TARGET;
		c->bad_tfd = l->tfd;
		return 1;
	}
	fput(target);
	return 0;
}

static int cryo_epoll_census_fd(void *arg, struct file *file, unsigned int fd)
{
	struct cryo_epoll_census *c = arg;
	unsigned int i;
	int ret;

	if (!cryo_epoll_match(file))
		return 0;
	/* Its items go with its FILE record: the first member holding it. */
	for (i = 0; i < c->nr_seen; i++)
		if (c->seen[i] == file)
			return 0;
	if (c->nr_seen == c->max_seen) {
		unsigned int n = max(16U, c->max_seen * 2);
		struct file **s = kvmalloc_array(n, sizeof(*s), GFP_KERNEL);

		if (!s)
			return -ENOMEM;
		if (c->nr_seen)
			memcpy(s, c->seen, c->nr_seen * sizeof(*s));
		kvfree(c->seen);
		c->seen = s;
		c->max_seen = n;
	}
	c->seen[c->nr_seen++] = file;
	c->nr_items = 0;
	c->epfd = fd;
	ret = cryo_epoll_lines(file, cryo_epoll_census_item, c);
	if (ret == -E2BIG) {
		c->code = CRYO_REFUSAL_EPOLL_TOO_MANY;
		c->bad_tfd = fd;
		ret = 1;
	}
	return ret;
}

/**
 * cryo_epoll_check() - refuse an epoll whose items cannot all be saved
 * @img: the image, every member parked
 * @why: out: the refusal: the epoll's fd, the member, and in @why->tfd
 *	the fd number of the item
 *
 * Return: 0, -EOPNOTSUPP with @why set, -EPROTO (fdinfo not understood),
 * -ENOMEM.
 */
int cryo_epoll_check(struct cryo_image *img, struct cryo_why *why)
{
	struct cryo_epoll_census c = {};
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < img->nr_members; i++) {
		c.m = &img->members[i];
		ret = cryo_fdtable_walk(c.m, cryo_epoll_census_fd, &c);
	}
	kvfree(c.seen);
	if (ret != 1)
		return ret;
	why->pid = c.m->rec.pid;
	why->tfd = c.bad_tfd;
	return cryo_refuse(why, c.code, c.epfd, -EOPNOTSUPP);
}

/* ---- the freeze: FILE and EPOLL_ITEM records -------------------------------- */

struct cryo_epoll_collect {
	struct cryo_image *img;
	u32 epoll_id;
	bool lost;
};

static int cryo_epoll_collect_item(void *arg, const struct cryo_epoll_line *l)
{
	struct cryo_epoll_collect *c = arg;
	struct cryo_files_save *fs = &c->img->fdt;
	struct cryo_image_epoll_item *it;
	struct file *target;
	u32 id;

	if (fs->nr_epoll - fs->first_epoll >= CRYO_EPOLL_ITEMS_MAX) {
		c->lost = true;
		return 1;
	}
	target = cryo_epoll_target(c->img->m, l);
	id = target ? cryo_file_id(c->img, target) : 0;
	if (target)
		fput(target);
	if (!id) {
		c->lost = true;
		return 1;
	}
	if (fs->nr_epoll == fs->max_epoll) {
		unsigned int n = max(64U, fs->max_epoll * 2);

		it = kvmalloc_array(n, sizeof(*it), GFP_KERNEL_ACCOUNT);
		if (!it)
			return -ENOMEM;
		if (fs->nr_epoll)
			memcpy(it, fs->epoll, fs->nr_epoll * sizeof(*it));
		kvfree(fs->epoll);
		fs->epoll = it;
		fs->max_epoll = n;
	}
	fs->epoll[fs->nr_epoll++] = (struct cryo_image_epoll_item){
		.epoll_id = c->epoll_id, .target_id = id, .tfd = l->tfd,
		.events = l->events, .data = l->data,
	};
	return 0;
}

/*
 * The items of the epoll @file (of id @id) into fs->epoll; *@lost when
 * one cannot be saved (only with --accept-loss: else refused already),
 * with none of them kept.  Return: 0 or -errno.
 */
static int cryo_epoll_collect_one(struct cryo_image *img, struct file *file,
				  u32 id, bool *lost)
{
	struct cryo_files_save *fs = &img->fdt;
	struct cryo_epoll_collect c = { .img = img, .epoll_id = id };
	int ret;

	fs->first_epoll = fs->nr_epoll;
	ret = cryo_epoll_lines(file, cryo_epoll_collect_item, &c);
	if (ret == -E2BIG || ret == 1 || c.lost) {
		fs->nr_epoll = fs->first_epoll;
		*lost = true;
		return 0;
	}
	*lost = false;
	return ret;
}

struct cryo_epoll_walk {
	struct cryo_image *img;
};

static int cryo_epoll_of_fd(void *arg, struct file *file, unsigned int fd)
{
	struct cryo_epoll_walk *w = arg;
	struct cryo_files_save *fs = &w->img->fdt;
	u32 id = cryo_file_id(w->img, file);
	unsigned int i;
	bool lost;

	/* Another section's, or met at a lower fd already. */
	if (!id || id <= fs->section_base || !cryo_epoll_match(file))
		return 0;
	for (i = 0; i < fs->nr_epoll; i++)
		if (fs->epoll[i].epoll_id == id)
			return 0;
	/*
	 * A lost one (its FILE record says so, see cryo_epoll_save()) keeps
	 * none: read again at each of its fds, to the same end.
	 */
	return cryo_epoll_collect_one(w->img, file, id, &lost);
}

/**
 * cryo_epoll_save_items() - stage the section's next EPOLL_ITEM record
 * @img: the image, its FD and LOCK records all staged
 * @first: the first call of the section: find its items
 *
 * Return: 1 when a record was staged, 0 past the last item, -errno.
 */
int cryo_epoll_save_items(struct cryo_image *img, bool first)
{
	struct cryo_files_save *fs = &img->fdt;
	struct cryo_image_epoll_item *r;
	int ret;

	if (first) {
		struct cryo_epoll_walk w = { .img = img };

		fs->nr_epoll = 0;
		fs->next_epoll = 0;
		ret = cryo_fdtable_walk(img->m, cryo_epoll_of_fd, &w);
		if (ret)
			return ret;
	}
	if (fs->next_epoll == fs->nr_epoll)
		return 0;
	r = cryo_record_start(img, CRYO_REC_EPOLL_ITEM, sizeof(*r));
	*r = fs->epoll[fs->next_epoll++];
	cryo_record_finish(img);
	return 1;
}

/* The freeze is over. */
void cryo_epoll_save_end(struct cryo_files_save *fs)
{
	kvfree(fs->epoll);
	fs->epoll = NULL;
	fs->nr_epoll = 0;
	fs->max_epoll = 0;
}

struct cryo_epoll_look {
	struct cryo_member *m;
	unsigned int nr;
};

static int cryo_epoll_look_item(void *arg, const struct cryo_epoll_line *l)
{
	struct cryo_epoll_look *k = arg;
	struct file *target;

	if (++k->nr > CRYO_EPOLL_ITEMS_MAX)
		return 1;
	target = cryo_epoll_target(k->m, l);
	if (!target)
		return 1;
	fput(target);
	return 0;
}

/*
 * The FILE record of an epoll: lost when one of its items cannot be
 * saved (with --accept-loss; without it the freeze was refused).  Its
 * targets at higher fds have no FILE record yet: only their place is
 * looked at here.  The items are read again for the EPOLL_ITEM records
 * after the section's FD records, the member still parked: the same
 * list.
 */
static int cryo_epoll_save(struct cryo_image *img, struct cryo_seen *seen,
			   struct file *file, struct cryo_file_out *out)
{
	struct cryo_epoll_look k = { .m = img->m };
	int ret;

	ret = cryo_epoll_lines(file, cryo_epoll_look_item, &k);
	if (ret == 1 || ret == -E2BIG) {
		out->flags |= CRYO_FILE_LOST;
		ret = 0;
	}
	return ret;
}

static int cryo_epoll_count(void *arg, const struct cryo_epoll_line *l)
{
	return 1;
}

/* The library's epoll, before its items are added: empty. */
static int cryo_epoll_adopt(struct cryo_thawing *t, struct cryo_thaw_file *f,
			    struct file *file)
{
	u32 id = f - t->tree->files.files + 1;
	int ret;

	if (!cryo_epoll_match(file))
		return cryo_thaw_fail(t, -EINVAL, "FILE %u: the caller's object is not an epoll",
				      id);
	ret = cryo_epoll_lines(file, cryo_epoll_count, NULL);
	if (ret)
		return cryo_thaw_fail(t, ret > 0 ? -EINVAL : ret,
				      "FILE %u: the caller's epoll is not empty",
				      id);
	return 0;
}

const struct cryo_file_ops cryo_epoll_ops = {
	.kind		= CRYO_FILE_EPOLL,
	.name		= "epoll",
	.match		= cryo_epoll_match,
	.save		= cryo_epoll_save,
	.restore	= cryo_object_restore,
	.adopt		= cryo_epoll_adopt,
};

/* ---- the thaw -------------------------------------------------------------- */

/* The fd of a member numbered @fd, or NULL: its fds are in ascending order. */
static struct cryo_thaw_fd *cryo_epoll_fd(struct cryo_files_restore *ft, u32 fd)
{
	unsigned int lo = 0, hi = ft->nr_fds;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (ft->fds[mid].rec.fd == fd)
			return &ft->fds[mid];
		if (ft->fds[mid].rec.fd < fd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool cryo_epoll_has_file(struct cryo_files_restore *ft, u32 id)
{
	unsigned int i;

	for (i = 0; i < ft->nr_fds; i++)
		if (ft->fds[i].rec.file_id == id)
			return true;
	return false;
}

/*
 * Does epoll @from watch epoll @to, through any chain of nested epolls
 * of the tree's items read so far?  Each epoll is looked at once.
 */
static int cryo_epoll_reaches(struct cryo_thaw_tree *tree, u32 from, u32 to)
{
	const struct cryo_files_shared *sh = &tree->files;
	unsigned long *seen;
	u32 *stack;
	unsigned int n = 0, i;
	int ret = 0;

	seen = bitmap_zalloc(sh->nr_files + 1, GFP_KERNEL);
	stack = kvmalloc_array(sh->nr_nested + 1, sizeof(*stack), GFP_KERNEL);
	if (!seen || !stack) {
		ret = -ENOMEM;
		goto out;
	}
	stack[n++] = from;
	__set_bit(from, seen);
	while (n && !ret) {
		u32 id = stack[--n];

		if (id == to) {
			ret = 1;
			break;
		}
		for (i = 0; i < sh->nr_nested; i++) {
			u32 next = sh->nested[i].target_id;

			if (sh->nested[i].epoll_id != id || test_bit(next, seen))
				continue;
			__set_bit(next, seen);
			stack[n++] = next;
		}
	}
out:
	kvfree(stack);
	bitmap_free(seen);
	return ret;
}

/**
 * cryo_epoll_load() - an EPOLL_ITEM record, checked and kept
 * @t: the thaw
 * @rec: the record, its payload in t->in->buf
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_epoll_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_files_restore *ft = &t->fdt;
	struct cryo_files_shared *sh = &t->tree->files;
	struct cryo_image_epoll_item *r = t->in->buf;
	struct cryo_thaw_fd *fd;
	unsigned int i;
	int ret;

	if (t->hdr.minor < 9)
		return cryo_file_bad(t, "EPOLL_ITEM: in a format 2.%u image",
				     t->hdr.minor);
	if (rec->len != sizeof(*r))
		return cryo_file_bad(t, "EPOLL_ITEM: bad length %u", rec->len);
	if (!r->epoll_id || r->epoll_id > sh->nr_files ||
	    sh->files[r->epoll_id - 1].rec.kind != CRYO_FILE_EPOLL ||
	    (sh->files[r->epoll_id - 1].rec.flags & CRYO_FILE_LOST) ||
	    !cryo_epoll_has_file(ft, r->epoll_id))
		return cryo_file_bad(t, "EPOLL_ITEM: FILE %u is no epoll of this process",
				     r->epoll_id);
	fd = cryo_epoll_fd(ft, r->tfd);
	if (!fd || fd->rec.file_id != r->target_id || r->target_id == r->epoll_id)
		return cryo_file_bad(t, "EPOLL_ITEM: fd %u of this process is not FILE %u",
				     r->tfd, r->target_id);
	if ((r->events & ~CRYO_EPOLL_EVENTS) ||
	    ((r->events & CRYO_EPOLLEXCLUSIVE) &&
	     (r->events & ~CRYO_EPOLL_EXCL_OK)))
		return cryo_file_bad(t, "EPOLL_ITEM: events %#x", r->events);
	/*
	 * epoll_ctl(2) adds EPOLLERR and EPOLLHUP to every item; only an
	 * EPOLLONESHOT item that fired holds nothing but the private bits.
	 */
	if ((r->events & ~CRYO_EPOLL_PRIVATE) ?
	    (r->events & CRYO_EPOLLERRHUP) != CRYO_EPOLLERRHUP :
	    !(r->events & CRYO_EPOLLONESHOT))
		return cryo_file_bad(t, "EPOLL_ITEM: events %#x", r->events);
	/*
	 * An epoll's items come together (the thaw fills one epoll at a
	 * time), each fd number once: the kernel keys them by it.
	 */
	for (i = 0; i < ft->nr_epoll; i++) {
		if (ft->epoll[i].epoll_id != r->epoll_id)
			continue;
		if (ft->epoll[i].tfd == r->tfd)
			return cryo_file_bad(t, "EPOLL_ITEM: FILE %u watches fd %u twice",
					     r->epoll_id, r->tfd);
		if (ft->epoll[ft->nr_epoll - 1].epoll_id != r->epoll_id)
			return cryo_file_bad(t, "EPOLL_ITEM: the items of FILE %u are not together",
					     r->epoll_id);
	}
	if (sh->files[r->target_id - 1].rec.kind == CRYO_FILE_EPOLL) {
		/* A loop epoll_ctl(2) would refuse after the point of no return. */
		ret = cryo_epoll_reaches(t->tree, r->target_id, r->epoll_id);
		if (ret < 0)
			return cryo_thaw_fail(t, ret, "out of memory");
		if (ret)
			return cryo_file_bad(t, "EPOLL_ITEM: epoll %u in epoll %u: a loop",
					     r->target_id, r->epoll_id);
		ret = cryo_thaw_grow((void **)&sh->nested, &sh->max_nested,
				     sh->nr_nested + 1, sizeof(*sh->nested),
				     CRYO_EPOLL_NESTED_MAX);
		if (ret)
			return cryo_thaw_fail(t, ret, "record %llu: too many epoll items",
					      t->in->record);
		sh->nested[sh->nr_nested++] = *r;
	}
	ret = cryo_thaw_grow((void **)&ft->epoll, &ft->max_epoll,
			     ft->nr_epoll + 1, sizeof(*ft->epoll),
			     CRYO_EPOLL_ITEMS_MAX);
	if (ret)
		return cryo_thaw_fail(t, ret, "record %llu: too many epoll items",
				      t->in->record);
	ft->epoll[ft->nr_epoll++] = *r;
	return 0;
}

/* ---- the thaw: the library fills the epolls, the module checks them ---- */

/*
 * The items of the @index-th epoll of member @t that the library made
 * (one it inherits through --inherit-fd is the caller's, left alone):
 * [*@start, *@end) of its items.  Return: the epoll, or NULL past the
 * last.
 */
static struct cryo_thaw_file *cryo_epoll_run(struct cryo_thawing *t, u32 index,
					     unsigned int *start,
					     unsigned int *end)
{
	struct cryo_files_restore *ft = &t->fdt;
	struct cryo_files_shared *sh = &t->tree->files;
	unsigned int i = 0, j;

	while (i < ft->nr_epoll) {
		u32 id = ft->epoll[i].epoll_id;
		struct cryo_thaw_file *f = &sh->files[id - 1];

		for (j = i; j < ft->nr_epoll && ft->epoll[j].epoll_id == id; j++)
			;
		if (f->object >= 0 && f->file && !index--) {
			*start = i;
			*end = j;
			return f;
		}
		i = j;
	}
	return NULL;
}

static int cryo_epoll_any_fd(const void *p, struct file *file, unsigned int fd)
{
	*(unsigned int *)p = fd;
	return 1;
}

/*
 * The caller's fd table holds only @devfd, the files items [@start,
 * @end) watch at their numbers, and the epoll @ep at @max_tfd + 1.
 * There is no replace_fd() for modules: the numbers are filled from 0 up
 * with get_unused_fd_flags(), which takes the lowest free one, the gaps
 * held until the end (as cryo_fdtable_install() does).
 */
static int cryo_epoll_place(struct cryo_thawing *t, unsigned int start,
			    unsigned int end, u32 max_tfd, unsigned int devfd,
			    struct file *ep)
{
	struct cryo_files_restore *ft = &t->fdt;
	struct files_struct *files = current->files;
	unsigned int next = 0, found, i;
	unsigned long *at;
	int fd, ret = 0;
	u32 k, top;

	at = kvcalloc(BITS_TO_LONGS(max_tfd + 1), sizeof(long), GFP_KERNEL);
	if (!at)
		return -ENOMEM;
	for (i = start; i < end; i++)
		__set_bit(ft->epoll[i].tfd, at);
	while (iterate_fd(files, next, cryo_epoll_any_fd, &found)) {
		if (found != devfd)
			close_fd(found);
		next = found + 1;
	}
	for (k = 0; k <= max_tfd + 1; k++) {
		fd = get_unused_fd_flags(0);
		if (fd != k) {
			if (fd >= 0)
				put_unused_fd(fd);
			ret = fd < 0 ? fd : -EBUSY;
			break;
		}
		if (k == max_tfd + 1) {
			fd_install(k, get_file(ep));
		} else if (test_bit(k, at)) {
			struct cryo_thaw_fd *d = cryo_epoll_fd(ft, k);

			/* The load checked it is the member's, RESTORE resolved it. */
			if (!d || !d->file) {
				put_unused_fd(k);
				ret = -ENXIO;
				break;
			}
			fd_install(k, get_file(d->file));
		}
	}
	/* Give back the numbers that only held a gap. */
	top = k;
	for (k = 0; k < top && k <= max_tfd; k++)
		if (!test_bit(k, at))
			put_unused_fd(k);
	kvfree(at);
	return ret;
}

/**
 * cryo_epoll_fill() - CRYO_IOC_THAW_EPOLL: an epoll and its targets in the
 * caller's fd table, its items out
 * @t: the member, attached
 * @a: the call, its @devfd checked to be the session
 *
 * Return: 0 or -errno (-EBUSY with @a->min_fd set).
 */
int cryo_epoll_fill(struct cryo_thawing *t, struct cryo_thaw_epoll *a)
{
	struct cryo_files_restore *ft = &t->fdt;
	struct cryo_thaw_epoll_item __user *u = u64_to_user_ptr(a->items);
	struct cryo_thaw_file *ep;
	unsigned int start, end, i;
	u32 max_tfd = 0;
	int ret;

	ep = cryo_epoll_run(t, a->index, &start, &end);
	if (!ep)
		return -ENOENT;
	for (i = start; i < end; i++)
		max_tfd = max(max_tfd, ft->epoll[i].tfd);
	/* The numbers must fit the caller's table: no bitmap past that. */
	if ((u64)max_tfd + 2 > rlimit(RLIMIT_NOFILE))
		return -EMFILE;
	a->nr_items = end - start;
	a->epfd = max_tfd + 1;
	if (!a->first) {
		if ((u32)a->devfd <= max_tfd + 1) {
			a->min_fd = max_tfd + 2;
			return -EBUSY;
		}
		ret = cryo_epoll_place(t, start, end, max_tfd, a->devfd,
				       ep->file);
		if (ret)
			return ret;
	}
	for (i = start + min(a->first, end - start);
	     i < end && i - start - a->first < a->items_len; i++, u++) {
		struct cryo_thaw_epoll_item it = {
			.tfd = ft->epoll[i].tfd,
			.events = ft->epoll[i].events,
			.data = ft->epoll[i].data,
		};

		if (copy_to_user(u, &it, sizeof(it)))
			return -EFAULT;
	}
	return 0;
}

static int cryo_epoll_item_cmp(const void *a, const void *b)
{
	const struct cryo_image_epoll_item *x = a, *y = b;

	return x->tfd < y->tfd ? -1 : x->tfd > y->tfd;
}

struct cryo_epoll_verify {
	struct cryo_thawing *t;
	struct cryo_image_epoll_item *items;	/* sorted by tfd */
	unsigned long *seen;
	unsigned int nr;
	unsigned int found;
	u32 epoll_id;
};

static int cryo_epoll_verify_line(void *arg, const struct cryo_epoll_line *l)
{
	struct cryo_epoll_verify *v = arg;
	struct cryo_image_epoll_item key = { .tfd = l->tfd }, *it;
	struct cryo_thaw_fd *d;
	struct inode *inode;
	u32 want;

	it = bsearch(&key, v->items, v->nr, sizeof(*it), cryo_epoll_item_cmp);
	if (!it || __test_and_set_bit(it - v->items, v->seen))
		return cryo_thaw_fail(v->t, -EINVAL,
				      "FILE %u: the epoll watches fd %d, the image does not",
				      v->epoll_id, l->tfd);
	d = cryo_epoll_fd(&v->t->fdt, it->tfd);
	inode = d && d->file ? file_inode(d->file) : NULL;
	if (!inode || inode->i_ino != l->ino || inode->i_sb->s_dev != l->sdev)
		return cryo_thaw_fail(v->t, -EINVAL,
				      "FILE %u: the epoll watches another file at fd %d",
				      v->epoll_id, l->tfd);
	/*
	 * epoll_ctl(2) adds EPOLLERR and EPOLLHUP, so an EPOLLONESHOT item
	 * that had fired (only its private bits left) comes back with them.
	 */
	want = it->events;
	if (!(want & ~CRYO_EPOLL_PRIVATE))
		want |= CRYO_EPOLLERRHUP;
	if (l->events != want || l->data != it->data)
		return cryo_thaw_fail(v->t, -EINVAL,
				      "FILE %u: the epoll's item at fd %d has events %#x data %#llx, the image %#x %#llx%s",
				      v->epoll_id, l->tfd, l->events, l->data,
				      it->events, it->data,
				      (it->events & ~l->events & CRYO_EPOLLWAKEUP) ?
				      " (EPOLLWAKEUP needs CAP_BLOCK_SUSPEND)" : "");
	v->found++;
	return 0;
}

/**
 * cryo_epoll_verify() - each epoll the library made holds the image's items
 * @t: the member, in CRYO_IOC_THAW_RESTORE before the point of no return
 *
 * Read back as /proc's fdinfo shows them: the fd number, the file at it
 * (inode and device), the events and the data.
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_epoll_verify(struct cryo_thawing *t)
{
	struct cryo_files_restore *ft = &t->fdt;
	struct cryo_epoll_verify v = { .t = t };
	struct cryo_thaw_file *ep;
	unsigned int start, end;
	u32 index;
	int ret = 0;

	for (index = 0; !ret && (ep = cryo_epoll_run(t, index, &start, &end));
	     index++) {
		v.nr = end - start;
		v.found = 0;
		v.epoll_id = ft->epoll[start].epoll_id;
		v.items = kvmalloc_array(v.nr, sizeof(*v.items), GFP_KERNEL);
		v.seen = bitmap_zalloc(v.nr, GFP_KERNEL);
		if (!v.items || !v.seen) {
			ret = cryo_thaw_fail(t, -ENOMEM, "out of memory");
		} else {
			memcpy(v.items, ft->epoll + start, v.nr * sizeof(*v.items));
			sort(v.items, v.nr, sizeof(*v.items), cryo_epoll_item_cmp,
			     NULL);
			ret = cryo_epoll_lines(ep->file, cryo_epoll_verify_line, &v);
			/* A line's own failure was said first: it stays. */
			if (ret)
				ret = cryo_thaw_fail(t, ret > 0 ? -EINVAL : ret,
						     "FILE %u: the epoll cannot be read back",
						     v.epoll_id);
			else if (!ret && v.found != v.nr)
				ret = cryo_thaw_fail(t, -EINVAL,
						     "FILE %u: the epoll holds %u of its %u items (a library older than 1.12.0 does not fill epolls)",
						     v.epoll_id, v.found, v.nr);
		}
		kvfree(v.items);
		bitmap_free(v.seen);
	}
	return ret;
}

/* A member is freed. */
void cryo_epoll_release(struct cryo_files_restore *ft)
{
	kvfree(ft->epoll);
	ft->epoll = NULL;
}

/* The thaw is over. */
void cryo_epoll_release_tree(struct cryo_files_shared *sh)
{
	kvfree(sh->nested);
	sh->nested = NULL;
}
