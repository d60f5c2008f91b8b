// SPDX-License-Identifier: GPL-2.0
/*
 * Shared memory between the members of a tree: shared anonymous memory
 * (MAP_SHARED|MAP_ANONYMOUS, which fork shares), System V segments, and
 * memfds (memfd_create(2)), mapped or held as file descriptors.
 *
 * At the freeze each such object a member maps (or, a memfd, holds) is
 * found once, by its shmem inode, and described by a SHM record after
 * the TREE.  Its pages are saved once, from its page cache, in SHM_PAGES
 * records of its owner (the first member that maps or holds it): not
 * through a member's page tables, which hold only the pages that member
 * touched.  The VMAs that map it name it (cryo_image_vma.shm) and have no
 * PAGES of their own (but for the copy-on-write pages of a private
 * mapping of a memfd, which are that mapping's).  A memfd's descriptions
 * are FILE records naming it (files/memfd.c).  Nobody outside the tree
 * may map it: what it wrote after the thaw would no longer reach the
 * members.
 *
 * At the thaw an anonymous object is made again here, with shmem, and a
 * memfd as memfd_create(2) makes it, by the first member that uses it,
 * with its credentials; its seals are set last, once every member mapped
 * it (they would refuse some of the mappings).  A System V segment cannot
 * be made by a module: the caller of CRYO_IOC_THAW makes it (key, size,
 * mode, owner), attaches it and hands the attachment over with
 * CRYO_IOC_THAW_SHM; every member's mapping of it is then made on that
 * attachment's file, as shmat() does, and counts in its shm_nattch.  The
 * owner's SHM_PAGES fill the object's page cache directly, once, whoever
 * maps which part of it.
 */
#include "cryo.h"

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/ipc_namespace.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/namei.h>
#include <linux/nsproxy.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/uio.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/xarray.h>

#include "access.h"
#include "freezing.h"
#include "thawing.h"
#include "files/file.h"
#include "image/csum.h"
#include "image/record.h"
#include "image/stream.h"
#include "mm/mm.h"
#include "task/task.h"

/* Most shared memory objects in an image. */
#define CRYO_SHM_MAX		65536

/* The permission bits of /proc/sysvipc/shm's perms that are not modes. */
#define CRYO_SHM_DEST		01000

/*
 * A System V segment: its file is shmem's "SYSV<key>" (the
 * file_operations that would say so are not exported).  Each shmat()
 * makes a file of its own on the segment's inode, which a fork shares.
 */
bool cryo_shm_is_sysv(struct vm_area_struct *vma)
{
	struct file *f = vma->vm_file;

	/* A SHM_HUGETLB segment is hugetlbfs', whose pages are not saved. */
	return f && (vma->vm_flags & VM_SHARED) && !file_inode(f)->i_nlink &&
	       file_inode(f)->i_sb->s_magic == TMPFS_MAGIC &&
	       !strncmp(f->f_path.dentry->d_name.name, "SYSV", 4);
}

/* "memfd:" names a file made by memfd_create(2), on a kernel mount. */
static bool cryo_shm_memfd_named(struct file *f)
{
	return !file_inode(f)->i_nlink &&
	       (f->f_path.mnt->mnt_flags & MNT_INTERNAL) &&
	       !strncmp(f->f_path.dentry->d_name.name, "memfd:", 6);
}

/**
 * cryo_shm_is_memfd() - is @f a memfd cryo saves?
 * @f: a file
 *
 * memfd_create(2) makes a shmem file named "memfd:NAME" on shmem's own
 * mount, which nothing else names so: a tmpfs file of that name (even
 * unlinked) is on a mount of a user's.  One made with MFD_HUGETLB is
 * hugetlbfs', see cryo_shm_memfd_unsaveable().
 */
bool cryo_shm_is_memfd(struct file *f)
{
	struct inode *inode = file_inode(f);

	return S_ISREG(inode->i_mode) &&
	       inode->i_sb->s_magic == TMPFS_MAGIC && cryo_shm_memfd_named(f);
}

/*
 * A memfd cryo cannot save: one of hugetlbfs (MFD_HUGETLB), whose pages
 * the page cache walk does not know, or memfd_secret(2)'s, whose pages
 * not even the kernel may read.
 */
bool cryo_shm_memfd_unsaveable(struct file *f)
{
	unsigned long magic = file_inode(f)->i_sb->s_magic;

	return magic == SECRETMEM_MAGIC ||
	       (magic == HUGETLBFS_MAGIC && cryo_shm_memfd_named(f));
}

/* The kind of shared memory object @vma maps, or -1. */
static int cryo_shm_kind(struct vm_area_struct *vma)
{
	if (cryo_vma_shared_anon(vma))
		return CRYO_SHM_ANON;
	if (cryo_shm_is_sysv(vma))
		return CRYO_SHM_SYSV;
	if (vma->vm_file && cryo_shm_is_memfd(vma->vm_file))
		return CRYO_SHM_MEMFD;
	return -1;
}

/* Is @mm a member's? */
static bool cryo_shm_member_mm(struct cryo_image *img, struct mm_struct *mm)
{
	unsigned int i;

	for (i = 0; i < img->nr_members; i++)
		if (img->members[i].mm == mm)
			return true;
	return false;
}

/**
 * cryo_shm_outside() - does a process outside the tree map what @vma maps?
 * @img: the image, its members parked
 * @vma: a mapping of shared anonymous memory, a System V segment or a
 *	memfd
 *
 * Every mapping of the object is in its inode's i_mmap tree, whoever
 * made it (a fork, a shmat() of the same segment, /proc/PID/map_files).
 *
 * Return: true if one of them is not a member's.
 */
bool cryo_shm_outside(struct cryo_image *img, struct vm_area_struct *vma)
{
	struct address_space *mapping = vma->vm_file->f_mapping;
	struct rb_node *n;
	bool out = false;

	i_mmap_lock_read(mapping);
	for (n = rb_first_cached(&mapping->i_mmap); n && !out; n = rb_next(n)) {
		struct vm_area_struct *v = rb_entry(n, struct vm_area_struct,
						    shared.rb);

		out = !cryo_shm_member_mm(img, v->vm_mm);
	}
	i_mmap_unlock_read(mapping);
	return out;
}

/**
 * cryo_shm_sysv_here() - may the freeze describe @vma's segment?
 * @img: the image
 * @vma: a mapping of a System V segment of img->m
 *
 * A segment is described through the freezer's /proc/sysvipc/shm, which
 * shows the freezer's IPC namespace; a segment of another one is not
 * saved.
 */
bool cryo_shm_sysv_here(struct cryo_image *img, struct vm_area_struct *vma)
{
	struct task_struct *task = img->m->leader;
	bool same;

	task_lock(task);
	same = task->nsproxy &&
	       task->nsproxy->ipc_ns == current->nsproxy->ipc_ns;
	task_unlock(task);
	return same;
}

static struct cryo_shm_obj *cryo_shm_find(struct cryo_image *img,
					  struct inode *inode)
{
	unsigned int i;

	for (i = 0; i < img->shm.nr; i++)
		if (file_inode(img->shm.objs[i].file) == inode)
			return &img->shm.objs[i];
	return NULL;
}

/* The id of the object @vma maps, 0 if it maps none. */
u32 cryo_shm_id(struct cryo_image *img, struct vm_area_struct *vma)
{
	struct cryo_shm_obj *o;

	if (!img->shm.nr || cryo_shm_kind(vma) < 0)
		return 0;
	o = cryo_shm_find(img, file_inode(vma->vm_file));
	return o ? o->rec.id : 0;
}

/* The id of the memfd @file is a description of, 0 if it is none. */
u32 cryo_shm_memfd_id(struct cryo_image *img, struct file *file)
{
	struct cryo_shm_obj *o = cryo_shm_find(img, file_inode(file));

	return o && o->rec.kind == CRYO_SHM_MEMFD ? o->rec.id : 0;
}

/* A memfd's name, after "memfd:", and its length. */
static const char *cryo_shm_memfd_name(struct file *f, u32 *len)
{
	const char *name = (const char *)f->f_path.dentry->d_name.name + 6;

	*len = min_t(size_t, strlen(name), CRYO_MEMFD_NAME_MAX);
	return name;
}

static int cryo_shm_add(struct cryo_image *img, struct file *file,
			int kind, unsigned int owner)
{
	struct cryo_shm_save *s = &img->shm;
	struct cryo_shm_obj *o;

	if (s->nr == s->max) {
		unsigned int n = s->max ? 2 * s->max : 8;
		void *p;

		if (s->nr >= CRYO_SHM_MAX)
			return -EFBIG;
		p = kvrealloc_compat(s->objs, s->max * sizeof(*s->objs),
				     n * sizeof(*s->objs), GFP_KERNEL_ACCOUNT);
		if (!p)
			return -ENOMEM;
		s->objs = p;
		s->max = n;
	}
	o = &s->objs[s->nr];
	memset(o, 0, sizeof(*o));
	o->file = get_file(file);
	o->rec.id = s->nr + 1;
	o->rec.kind = kind;
	o->rec.size = i_size_read(file_inode(file));
	o->rec.owner = owner;
	if (kind == CRYO_SHM_MEMFD) {
		struct inode *inode = file_inode(file);

		/* Its members are parked: only an outsider could seal it. */
		inode_lock_shared(inode);
		o->rec.seals = SHMEM_I(inode)->seals;
		o->rec.mode = inode->i_mode & 0777;
		inode_unlock_shared(inode);
		cryo_shm_memfd_name(file, &o->rec.name_len);
	}
	s->nr++;
	return 0;
}

/* What a walk of a member's fds looks for, see cryo_shm_fd(). */
struct cryo_shm_walk {
	struct cryo_image *img;
	struct cryo_why *why;
	unsigned int owner;
};

/* cryo_fdtable_walk() callback: a memfd held by the member, once. */
static int cryo_shm_fd(void *arg, struct file *file, unsigned int fd)
{
	struct cryo_shm_walk *w = arg;

	if (!cryo_shm_is_memfd(file) ||
	    cryo_shm_find(w->img, file_inode(file)))
		return 0;
	return cryo_shm_add(w->img, file, CRYO_SHM_MEMFD, w->owner);
}

/* One line of /proc/sysvipc/shm, for the segments of the image it names. */
static void cryo_shm_sysv_line(void *arg, const char *line)
{
	struct cryo_image *img = arg;
	unsigned long size, nattch;
	unsigned int perms, cpid, lpid, uid, gid, i;
	int key, shmid;

	if (sscanf(line, "%d %d %o %lu %u %u %lu %u %u", &key, &shmid, &perms,
		   &size, &cpid, &lpid, &nattch, &uid, &gid) != 9)
		return;
	for (i = 0; i < img->shm.nr; i++) {
		struct cryo_shm_obj *o = &img->shm.objs[i];

		/* newseg() makes the id the segment's inode number. */
		if (o->rec.kind != CRYO_SHM_SYSV ||
		    file_inode(o->file)->i_ino != (unsigned long)shmid)
			continue;
		o->rec.key = key;
		o->rec.shmid = shmid;
		o->rec.mode = perms & 0777;
		o->rec.flags = perms & CRYO_SHM_DEST ? CRYO_SHM_REMOVED : 0;
		o->rec.uid = uid;
		o->rec.gid = gid;
		o->described = true;
	}
}

/*
 * /proc/sysvipc/shm has no read_iter (kernel_read() refuses it): read it
 * through its seq_file, as its read would.
 */
static ssize_t cryo_shm_proc_read(struct file *f, char *buf, size_t len,
				  loff_t *pos)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	init_sync_kiocb(&kiocb, f);
	kiocb.ki_pos = *pos;
	iov_iter_kvec(&iter, READ, &kv, 1, len);
	ret = seq_read_iter(&kiocb, &iter);
	*pos = kiocb.ki_pos;
	return ret;
}

/*
 * A segment's key, mode, owner and removal are in its kern_ipc_perm,
 * which nothing exported reads: /proc/sysvipc/shm shows them, in the
 * reader's IPC and user namespaces (the freezer's, checked above; the
 * thaw's caller's).  @fn is called with each line, NUL-terminated.
 */
static int cryo_shm_sysv_read(struct vfsmount *mnt,
			      void (*fn)(void *arg, const char *line), void *arg)
{
	const size_t size = PAGE_SIZE;
	size_t len = 0;
	struct file *f;
	loff_t pos = 0;
	char *buf, *nl;
	ssize_t n;
	int ret = 0;

	buf = kmalloc(size + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	f = file_open_root_mnt(mnt, "sysvipc/shm", O_RDONLY, 0);
	if (IS_ERR(f)) {
		kfree(buf);
		return PTR_ERR(f);
	}
	for (;;) {
		n = cryo_shm_proc_read(f, buf + len, size - len, &pos);
		if (n < 0) {
			ret = n;
			break;
		}
		len += n;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			fn(arg, buf);
			len -= nl + 1 - buf;
			memmove(buf, nl + 1, len + 1);
		}
		if (!n)
			break;
		/* No line is a page long: a full buffer is not a line. */
		if (len == size) {
			ret = -EIO;
			break;
		}
	}
	fput(f);
	kfree(buf);
	return ret;
}

/* ---- memfds held outside the tree ---- */

/* One fd or mapping of a member on a memfd, for the census below. */
struct cryo_memfd_use {
	struct file *file;		/* referenced: a member may be killed */
	struct inode *inode;
	unsigned int member;		/* its index in the tree */
	s32 fd;				/* -1 for a mapping */
	s32 line;			/* a mapping's line in /proc/PID/maps */
};

struct cryo_memfd_census {
	struct cryo_memfd_use *uses;
	unsigned int nr;
	unsigned int max;
	unsigned int member;		/* the member being walked */
};

static int cryo_memfd_note(struct cryo_memfd_census *c, struct file *file,
			   s32 fd, s32 line)
{
	if (c->nr == c->max) {
		unsigned int max = c->max ? 2 * c->max : 32;
		struct cryo_memfd_use *n;

		if (c->nr >= CRYO_SHM_MAX * 16)
			return -EFBIG;
		n = kvrealloc_compat(c->uses, c->max * sizeof(*n),
				     max * sizeof(*n), GFP_KERNEL_ACCOUNT);
		if (!n)
			return -ENOMEM;
		c->uses = n;
		c->max = max;
	}
	c->uses[c->nr++] = (struct cryo_memfd_use) {
		.file = get_file(file), .inode = file_inode(file),
		.member = c->member, .fd = fd, .line = line,
	};
	return 0;
}

static int cryo_memfd_census_fd(void *arg, struct file *file, unsigned int fd)
{
	return cryo_shm_is_memfd(file) ? cryo_memfd_note(arg, file, fd, -1) : 0;
}

static int cryo_memfd_census_vmas(struct cryo_memfd_census *c,
				  struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	int line = 0, ret = 0;

	VMA_ITERATOR(vmi, mm, 0);
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for_each_vma(vmi, vma) {
		if (vma->vm_file && cryo_shm_is_memfd(vma->vm_file))
			ret = cryo_memfd_note(c, vma->vm_file, -1, line);
		if (ret)
			break;
		line++;
	}
	mmap_read_unlock(mm);
	return ret;
}

static int cryo_memfd_use_cmp(const void *a, const void *b)
{
	const struct cryo_memfd_use *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return 0;
}

/*
 * Is all of one memfd (@u[0..n), sorted by file) the tree's?  Every
 * description of it holds its dentry once: more than the descriptions
 * the members use means another (an open of /proc/PID/fd/N elsewhere).
 * Every fd and mapping holds its description once, the census once
 * more, and the image's own object once: more means a holder outside (a
 * descriptor passed on, or inherited by a process outside the tree).
 */
static bool cryo_memfd_all_inside(struct cryo_image *img,
				  const struct cryo_memfd_use *u, unsigned int n)
{
	struct cryo_shm_obj *o = cryo_shm_find(img, u[0].inode);
	unsigned int i, j, files = 0;

	for (i = 0; i < n; i = j) {
		long refs;

		for (j = i; j < n && u[j].file == u[i].file; j++)
			;
		refs = 2 * (j - i) + (o && o->file == u[i].file);
		if (file_count(u[i].file) > refs)
			return false;
		files++;
	}
	return d_count(u[0].file->f_path.dentry) <= files;
}

/*
 * The use of @u[0..n) a refusal names: the first member's lowest fd, or
 * without fds the first member's first mapping.
 */
static const struct cryo_memfd_use *
cryo_memfd_named(const struct cryo_memfd_use *u, unsigned int n)
{
	const struct cryo_memfd_use *best = &u[0];
	unsigned int i;

	for (i = 1; i < n; i++) {
		const struct cryo_memfd_use *x = &u[i];
		bool x_fd = x->fd >= 0, best_fd = best->fd >= 0;

		if (x_fd != best_fd) {
			if (x_fd)
				best = x;
			continue;
		}
		if (x->member < best->member ||
		    (x->member == best->member &&
		     (x_fd ? x->fd < best->fd : x->line < best->line)))
			best = x;
	}
	return best;
}

/*
 * cryo_shm_memfd_outside() - refuse a memfd the tree shares with others
 * @img: the image, every member parked, its objects collected
 * @why: out: the refusal, naming a member's fd on it (or its mapping)
 *
 * A process outside the tree holding one of the tree's memfds, or a
 * description of it, would keep the old memfd while the thawed tree has
 * a new one: what either writes would no longer reach the other.  (A
 * mapping outside is refused by cryo_vma_check().)
 *
 * Return: 0, -EOPNOTSUPP with @why set, -ENOMEM, -EFBIG, -EINTR.
 */
static int cryo_shm_memfd_outside(struct cryo_image *img, struct cryo_why *why)
{
	struct cryo_memfd_census c = {};
	const struct cryo_memfd_use *bad = NULL;
	unsigned int i, j;
	int ret = 0;

	for (i = 0; !ret && i < img->nr_members; i++) {
		if (!img->members[i].mm)
			continue;
		c.member = i;
		ret = cryo_fdtable_walk(&img->members[i], cryo_memfd_census_fd,
					&c);
		if (!ret)
			ret = cryo_memfd_census_vmas(&c, img->members[i].mm);
	}
	if (ret)
		goto out;
	sort(c.uses, c.nr, sizeof(*c.uses), cryo_memfd_use_cmp, NULL);
	for (i = 0; i < c.nr && !bad; i = j) {
		for (j = i; j < c.nr && c.uses[j].inode == c.uses[i].inode; j++)
			;
		if (!cryo_memfd_all_inside(img, &c.uses[i], j - i))
			bad = cryo_memfd_named(&c.uses[i], j - i);
	}
	if (bad) {
		why->pid = img->members[bad->member].rec.pid;
		ret = bad->fd >= 0 ?
		      cryo_refuse(why, CRYO_REFUSAL_MEMFD_OUTSIDE, bad->fd,
				  -EOPNOTSUPP) :
		      cryo_refuse(why, CRYO_REFUSAL_SHARED_MEMORY, bad->line,
				  -EOPNOTSUPP);
	}
out:
	for (i = 0; i < c.nr; i++)
		fput(c.uses[i].file);
	kvfree(c.uses);
	return ret;
}

/* The objects member @i maps that no earlier member does. */
static int cryo_shm_collect_vmas(struct cryo_image *img, unsigned int i,
				 bool *sysv)
{
	struct mm_struct *mm = img->members[i].mm;
	struct vm_area_struct *vma;
	int ret = 0;

	VMA_ITERATOR(vmi, mm, 0);
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for_each_vma(vmi, vma) {
		int kind = cryo_shm_kind(vma);

		if (kind < 0 || cryo_shm_find(img, file_inode(vma->vm_file)))
			continue;
		ret = cryo_shm_add(img, vma->vm_file, kind, i);
		if (ret)
			break;
		*sysv |= kind == CRYO_SHM_SYSV;
	}
	mmap_read_unlock(mm);
	return ret;
}

/**
 * cryo_shm_collect() - find the shared memory objects the members map,
 * and the memfds they hold
 * @img: the image, every member parked and checked
 * @why: out: the refusal of a memfd held outside the tree
 *
 * A snapshot copies their pages too before the members resume (its
 * SHM_PAGES are kept with the rest of the image, mm/snapshot.c), the
 * memfds' as well.
 *
 * A memfd a process outside the tree holds is refused (unless the loss is
 * accepted).
 *
 * Return: 0, -EOPNOTSUPP with @why set, -ENOMEM, -EFBIG, -EINTR, -EAGAIN
 * (a segment went away: the tree changed), or the error of reading
 * /proc/sysvipc/shm.
 */
int cryo_shm_collect(struct cryo_image *img, struct cryo_why *why)
{
	struct cryo_shm_walk w = { .img = img, .why = why };
	bool sysv = false;
	unsigned int i;
	int ret = 0;

	cryo_shm_release(img);
	for (i = 0; !ret && i < img->nr_members; i++) {
		if (!img->members[i].mm)
			continue;
		ret = cryo_shm_collect_vmas(img, i, &sysv);
		/* After its mappings: the objects stay in their owners' order. */
		w.owner = i;
		if (!ret)
			ret = cryo_fdtable_walk(&img->members[i], cryo_shm_fd, &w);
	}
	if (!ret && !(img->flags & CRYO_FREEZE_ACCEPT_LOSS))
		ret = cryo_shm_memfd_outside(img, why);
	if (ret || !sysv)
		return ret;
	ret = cryo_shm_sysv_read(img->proc_mnt, cryo_shm_sysv_line, img);
	for (i = 0; !ret && i < img->shm.nr; i++)
		if (img->shm.objs[i].rec.kind == CRYO_SHM_SYSV &&
		    !img->shm.objs[i].described)
			ret = -EAGAIN;
	return ret;
}

/* Stage the next SHM record.  Return: 1, or 0 after the last. */
int cryo_shm_save(struct cryo_image *img)
{
	struct cryo_shm_save *s = &img->shm;
	struct cryo_image_shm *r;
	struct cryo_shm_obj *o;
	const char *name = NULL;
	u32 len = 0;

	if (s->next == s->nr)
		return 0;
	o = &s->objs[s->next++];
	if (o->rec.kind == CRYO_SHM_MEMFD)
		name = cryo_shm_memfd_name(o->file, &len);
	r = cryo_record_start(img, CRYO_REC_SHM, sizeof(*r) + len);
	*r = o->rec;
	r->name_len = len;
	if (len)
		memcpy(r + 1, name, len);
	cryo_record_finish(img);
	return 1;
}

/* Is page @index of @mapping there, in memory or in swap? */
static bool cryo_shm_present(struct address_space *mapping, pgoff_t index)
{
	return xa_load(&mapping->i_pages, index);
}

/* The first page of @mapping at or after @from, before @end, or @end. */
static pgoff_t cryo_shm_next(struct address_space *mapping, pgoff_t from,
			     pgoff_t end)
{
	XA_STATE(xas, &mapping->i_pages, from);
	pgoff_t found = end;
	void *entry;

	if (from >= end)
		return end;
	rcu_read_lock();
	for (entry = xas_find(&xas, end - 1); entry;
	     entry = xas_find(&xas, end - 1)) {
		if (xas_retry(&xas, entry))
			continue;
		/* A large folio's entry starts before @from. */
		found = max_t(pgoff_t, xas.xa_index, from);
		break;
	}
	rcu_read_unlock();
	return found;
}

/*
 * Pin the next run of the object's pages, from s->pgoff: the page cache's
 * own pages (a swapped-out one is read back in).
 * Return: pages pinned, 0 past its last, -errno.
 */
static long cryo_shm_pin_run(struct cryo_image *img, struct cryo_shm_obj *o)
{
	struct address_space *mapping = o->file->f_mapping;
	pgoff_t end = DIV_ROUND_UP(o->rec.size, PAGE_SIZE);
	pgoff_t first = cryo_shm_next(mapping, img->shm.pgoff, end);
	long nr = 0;

	img->shm.pgoff = first;
	while (first + nr < end && nr < CRYO_PAGES_PER_REC &&
	       (!nr || cryo_shm_present(mapping, first + nr))) {
		struct page *page;

		if (fatal_signal_pending(current))
			page = ERR_PTR(-EINTR);
		else
			page = shmem_read_mapping_page(mapping, first + nr);
		if (IS_ERR(page)) {
			while (nr)
				put_page(img->pg.pages[--nr]);
			return PTR_ERR(page);
		}
		img->pg.pages[nr++] = page;
	}
	return nr;
}

/*
 * Stage the next SHM_PAGES record of the objects img->m owns (they are
 * in the order of their owners).  Return: 1, 0 after the last, -errno.
 */
int cryo_shm_pages_save(struct cryo_image *img)
{
	struct cryo_shm_save *s = &img->shm;

	while (s->obj < s->nr && s->objs[s->obj].rec.owner <= img->sec) {
		struct cryo_shm_obj *o = &s->objs[s->obj];
		struct cryo_image_shm_pages p = { .shm = o->rec.id };
		long nr = cryo_shm_pin_run(img, o);

		if (nr < 0)
			return nr;
		if (!nr) {
			s->obj++;
			s->pgoff = 0;
			continue;
		}
		p.pgoff = s->pgoff;
		p.nr_pages = nr;
		cryo_pages_stage(img, CRYO_REC_SHM_PAGES, &p, sizeof(p), nr);
		s->pgoff += nr;
		return 1;
	}
	return 0;
}

void cryo_shm_release(struct cryo_image *img)
{
	unsigned int i;

	for (i = 0; i < img->shm.nr; i++)
		fput(img->shm.objs[i].file);
	kvfree(img->shm.objs);
	memset(&img->shm, 0, sizeof(img->shm));
}

/* ---- the thaw ---- */

/* A SHM record's own fields, its kind's rules, the TREE checked. */
static bool cryo_shm_rec_ok(struct cryo_thawing *t,
			    const struct cryo_image_shm *r, unsigned int id)
{
	const struct cryo_image_member *owner = &t->tree->procs[0];

	if (r->owner < t->tree->nr_procs)
		owner = &t->tree->procs[r->owner];
	if (r->id != id || (r->flags & ~CRYO_SHM_ALL) || r->__reserved ||
	    r->size > MAX_LFS_FILESIZE || r->mode & ~0777 ||
	    r->owner >= t->tree->nr_procs ||
	    (owner->flags & CRYO_MEMBER_ZOMBIE))
		return false;
	switch (r->kind) {
	case CRYO_SHM_ANON:
		return r->size && !r->key && !r->flags && !r->mode && !r->uid &&
		       !r->gid && !r->shmid && !r->seals && !r->name_len;
	case CRYO_SHM_SYSV:
		/* IPC_RMID makes a segment's key IPC_PRIVATE. */
		return r->size && !r->seals && !r->name_len &&
		       !((r->flags & CRYO_SHM_REMOVED) && r->key);
	case CRYO_SHM_MEMFD:
		/* Only the seals the format knows; the kernel's, below. */
		return t->hdr.minor >= 5 && !r->key && !r->flags && !r->uid &&
		       !r->gid && !r->shmid && !(r->seals & ~CRYO_SEAL_ALL) &&
		       r->name_len <= CRYO_MEMFD_NAME_MAX;
	default:
		return false;
	}
}

/* A memfd's record, its name after it: kept until the memfd is made. */
static int cryo_shm_memfd_load(struct cryo_thawing *t, struct cryo_rec *rec,
			       struct cryo_thaw_shm_obj *o, const char *name)
{
	if (o->rec.seals & ~CRYO_SEALS_KNOWN)
		return cryo_thaw_fail(t, -EOPNOTSUPP,
				      "memfd %u: seals %#x this kernel does not know",
				      o->rec.id, o->rec.seals);
	o->name = kasprintf(GFP_KERNEL, "memfd:%.*s", (int)o->rec.name_len,
			    name);
	if (!o->name)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	if (strlen(o->name) != 6 + o->rec.name_len)
		return cryo_bad(t, rec, "memfd %u: NUL in its name", o->rec.id);
	return 0;
}

/**
 * cryo_shm_load_all() - the SHM records after the TREE, in CRYO_IOC_THAW
 * @t: the root member's thaw
 *
 * Each object is checked and an anonymous one made; a memfd is made by
 * the first member that uses it (cryo_shm_memfd()), a System V segment
 * waits for its attachment (CRYO_IOC_THAW_SHM).
 *
 * Return: 0 or -errno, the thaw failed with a message.
 */
int cryo_shm_load_all(struct cryo_thawing *t)
{
	struct cryo_shm_thaw *st = &t->tree->shm;
	struct cryo_rec rec;
	int ret;

	for (;;) {
		/* A 2.3 or 2.4 record ends before the seals: zeroes. */
		struct cryo_image_shm r = {};
		struct cryo_thaw_shm_obj *o;
		struct file *f;
		size_t len;

		ret = cryo_stream_hdr(t, &rec);
		if (ret)
			return ret;
		if (rec.type != CRYO_REC_SHM) {
			t->in->next = rec;
			t->in->have_next = true;
			return 0;
		}
		len = t->hdr.minor < 5 ? CRYO_IMAGE_SHM_SIZE_2_3 : sizeof(r);
		if (t->hdr.minor < 3 || rec.len < len ||
		    rec.len > len + (t->hdr.minor < 5 ? 0 : CRYO_MEMFD_NAME_MAX))
			return cryo_bad(t, &rec, "bad length %u or image version",
					rec.len);
		ret = cryo_stream_payload(t, &rec);
		if (ret)
			return ret;
		memcpy(&r, t->in->buf, len);
		if (!cryo_shm_rec_ok(t, &r, st->nr + 1) ||
		    rec.len != len + r.name_len)
			return cryo_bad(t, &rec,
					"shared memory %u: bad id, kind %u, size %llu, owner %u or attributes",
					st->nr + 1, r.kind, r.size, r.owner);
		ret = cryo_thaw_grow((void **)&st->objs, &st->max, st->nr + 1,
				     sizeof(*st->objs), CRYO_SHM_MAX);
		if (ret)
			return cryo_thaw_fail(t, ret,
					      "record %llu (SHM): more than %u shared memory objects",
					      t->in->record, CRYO_SHM_MAX);
		o = &st->objs[st->nr++];
		memset(o, 0, sizeof(*o));
		o->rec = r;
		if (r.kind == CRYO_SHM_MEMFD) {
			ret = cryo_shm_memfd_load(t, &rec, o,
						  (char *)t->in->buf + len);
			if (ret)
				return ret;
		} else if (r.kind == CRYO_SHM_ANON) {
			/* As shmem_zero_setup() makes it, and accounted so. */
			f = shmem_file_setup("dev/zero", r.size, 0);
			if (IS_ERR(f))
				return cryo_thaw_fail(t, PTR_ERR(f),
						      "shared memory %u (%llu bytes): cannot make it (error %ld)",
						      r.id, r.size, -PTR_ERR(f));
			o->file = f;
		}
		/* A segment waits for the caller's (CRYO_IOC_THAW_SHM). */
		t->in->record++;
	}
}

/**
 * cryo_shm_memfd() - a memfd of the image, made by the first member that
 * needs it
 * @t: that member's thaw, its credentials planned or about to be
 * @o: the object, of kind %CRYO_SHM_MEMFD
 *
 * As memfd_create(2) makes it (an unaccounted shmem file named
 * "memfd:NAME", owned by the member, seekable, of large file size), of
 * the image's size and permission bits.  It keeps shmem's default seal,
 * F_SEAL_SEAL, until cryo_shm_seal() sets the image's.
 *
 * Return: 0, or -errno with the thaw failed.
 */
static int cryo_shm_memfd(struct cryo_thawing *t, struct cryo_thaw_shm_obj *o)
{
	const struct cred *cred, *old;
	struct inode *inode;
	struct file *f;

	if (o->file)
		return 0;
	cred = cryo_creds_open_cred(t);
	if (IS_ERR(cred))
		return PTR_ERR(cred);
	old = override_creds(cred);
	f = shmem_file_setup(o->name, o->rec.size, VM_NORESERVE);
	revert_creds(old);
	if (IS_ERR(f))
		return cryo_thaw_fail(t, PTR_ERR(f),
				      "memfd %s (%llu bytes): cannot make it (error %ld)",
				      o->name, o->rec.size, -PTR_ERR(f));
	f->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	f->f_flags |= O_LARGEFILE;
	inode = file_inode(f);
	/* New: no one else has it yet. */
	inode->i_mode = S_IFREG | o->rec.mode;
	o->file = f;
	return 0;
}

/**
 * cryo_shm_memfd_open() - a new description of memfd @id, for a FILE
 * @t: the thaw of the member whose fd needs it
 * @id: &cryo_image_file.shm, checked by cryo_shm_memfd_check()
 * @flags: its open flags
 *
 * Opened as /proc/PID/fd/N of the memfd would be (the same dentry, so
 * the same /proc/PID/fd name), with the member's credentials.
 *
 * Return: the description, or an ERR_PTR with the thaw failed.
 */
struct file *cryo_shm_memfd_open(struct cryo_thawing *t, u64 id, int flags)
{
	struct cryo_thaw_shm_obj *o = &t->tree->shm.objs[id - 1];
	const struct cred *cred;
	struct file *f;
	int ret;

	ret = cryo_shm_memfd(t, o);
	if (ret)
		return ERR_PTR(ret);
	cred = cryo_creds_open_cred(t);
	if (IS_ERR(cred))
		return ERR_CAST(cred);
	f = dentry_open(&o->file->f_path, flags, cred);
	if (IS_ERR(f))
		return ERR_PTR(cryo_thaw_fail(t, PTR_ERR(f),
					      "%s: cannot open it again (error %ld)",
					      o->name, -PTR_ERR(f)));
	if (!(f->f_mode & FMODE_PATH))
		f->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	return f;
}

/* Is @id the id of a memfd of the image?  For a FILE record. */
bool cryo_shm_memfd_check(struct cryo_thaw_tree *tree, u64 id)
{
	return id && id <= tree->shm.nr &&
	       tree->shm.objs[id - 1].rec.kind == CRYO_SHM_MEMFD;
}

/**
 * cryo_shm_seal() - a memfd's seals, once every member mapped it
 * @t: the last member's thaw, its pages restored
 *
 * Set directly: the image's were consistent at the freeze (a write seal
 * with no writable shared mapping, which cryo_shm_file() checked), and
 * adding them one by one as F_ADD_SEALS does would refuse what they
 * already allowed then.  No member runs before this.
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_shm_seal(struct cryo_thawing *t)
{
	struct cryo_shm_thaw *st = &t->tree->shm;
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < st->nr; i++) {
		struct cryo_thaw_shm_obj *o = &st->objs[i];
		struct inode *inode;

		/* One no member uses is not made. */
		if (o->rec.kind != CRYO_SHM_MEMFD || !o->file)
			continue;
		inode = file_inode(o->file);
		inode_lock(inode);
		if (o->rec.seals & F_SEAL_WRITE)
			ret = mapping_deny_writable(o->file->f_mapping);
		if (!ret)
			SHMEM_I(inode)->seals = o->rec.seals;
		inode_unlock(inode);
		if (ret)
			return cryo_thaw_fail(t, ret,
					      "%s: cannot seal it against writes",
					      o->name);
	}
	return 0;
}

static struct cryo_thaw_shm_obj *cryo_shm_sysv_nth(struct cryo_shm_thaw *st,
						   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < st->nr; i++)
		if (st->objs[i].rec.kind == CRYO_SHM_SYSV && !n--)
			return &st->objs[i];
	return NULL;
}

/* The line of /proc/sysvipc/shm of the segment whose id is @o's inode's. */
struct cryo_shm_perm_look {
	struct cryo_thaw_shm_obj *o;
	bool found;
};

static void cryo_shm_perm_line(void *arg, const char *line)
{
	struct cryo_shm_perm_look *look = arg;
	struct user_namespace *ns = current_user_ns();
	struct cryo_thaw_shm_obj *o = look->o;
	unsigned int perms, cpid, lpid, uid, gid, cuid, cgid;
	unsigned long size, nattch;
	int key, shmid;

	if (sscanf(line, "%d %d %o %lu %u %u %lu %u %u %u %u", &key, &shmid,
		   &perms, &size, &cpid, &lpid, &nattch, &uid, &gid, &cuid,
		   &cgid) != 11 ||
	    (unsigned long)shmid != file_inode(o->file)->i_ino)
		return;
	o->uid = make_kuid(ns, uid);
	o->gid = make_kgid(ns, gid);
	o->cuid = make_kuid(ns, cuid);
	o->cgid = make_kgid(ns, cgid);
	o->mode = perms & 0777;
	look->found = true;
}

/*
 * Who may attach the segment just given: its owner, creator and mode,
 * read now in the caller's IPC namespace (where it attached it).
 */
static int cryo_shm_perm_read(struct cryo_thaw_shm_obj *o)
{
	struct cryo_shm_perm_look look = { .o = o };
	struct vfsmount *mnt = cryo_access_mount();
	int ret;

	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	ret = cryo_shm_sysv_read(mnt, cryo_shm_perm_line, &look);
	cryo_access_umount(mnt);
	if (!ret && !look.found)
		ret = -ENOENT;	/* removed meanwhile */
	if (!ret)
		o->ipc_user_ns = get_user_ns(current->nsproxy->ipc_ns->user_ns);
	return ret;
}

static bool cryo_cred_in_group(const struct cred *c, kgid_t g)
{
	int i;

	if (gid_eq(c->egid, g))
		return true;
	for (i = 0; i < c->group_info->ngroups; i++)
		if (gid_eq(c->group_info->gid[i], g))
			return true;
	return false;
}

/*
 * May a process with @c attach segment @o read-write, as shmat(2)
 * without SHM_RDONLY decides (ipcperms())?  CAP_IPC_OWNER counts only in
 * the segment's IPC namespace's own user namespace.
 */
static bool cryo_shm_may_attach(const struct cryo_thaw_shm_obj *o,
				const struct cred *c)
{
	u32 granted = o->mode;

	if (uid_eq(c->euid, o->cuid) || uid_eq(c->euid, o->uid))
		granted >>= 6;
	else if (cryo_cred_in_group(c, o->cgid) || cryo_cred_in_group(c, o->gid))
		granted >>= 3;
	if ((granted & 06) == 06)
		return true;
	return c->user_ns == o->ipc_user_ns &&
	       cap_raised(c->cap_effective, CAP_IPC_OWNER);
}

/*
 * A member that maps (or fills) segment @o must be allowed to attach it
 * itself, with the credentials its files are opened with: a root thaw
 * hands a user's process nothing of a segment the user could not
 * shmat(), whatever the image names (another user's segment of that key
 * and size, say).
 */
static int cryo_shm_check(struct cryo_thawing *t, const struct cryo_thaw_shm_obj *o,
			  const char *what)
{
	if (o->rec.kind != CRYO_SHM_SYSV ||
	    cryo_shm_may_attach(o, t->cred.open_cred))
		return 0;
	return cryo_thaw_fail(t, -EACCES,
			      "%s System V segment key 0x%08x (owner %u:%u, mode 0%o): the restored process (uid %u) may not attach it read-write",
			      what, o->rec.key,
			      from_kuid_munged(current_user_ns(), o->uid),
			      from_kgid_munged(current_user_ns(), o->gid), o->mode,
			      from_kuid_munged(current_user_ns(),
					       t->cred.open_cred->euid));
}

/**
 * cryo_shm_may_map() - may @t's process map @v's object (mm/vma.c)?
 * @t: the member's thaw, planned, in its CRYO_IOC_THAW_RESTORE
 * @v: a VMA of a shared memory object, its file taken
 *
 * Return: 0, or -EACCES with the thaw failed.
 */
int cryo_shm_may_map(struct cryo_thawing *t, const struct cryo_thaw_vma *v)
{
	return cryo_shm_check(t, &t->tree->shm.objs[v->rec.shm - 1], "mapping of");
}

/**
 * cryo_shm_give() - CRYO_IOC_THAW_SHM: learn a segment, or take the
 * caller's attachment of the one it made for it
 * @tree: the thaw, planned, no member's process made yet
 * @arg: the call
 *
 * Return: 0, -ENOENT (also: the segment went away meanwhile), -EINVAL,
 * -EALREADY, -EINTR, or an error of reading /proc/sysvipc/shm.
 */
int cryo_shm_give(struct cryo_thaw_tree *tree, struct cryo_thaw_shm *arg)
{
	struct cryo_thaw_shm_obj *o = cryo_shm_sysv_nth(&tree->shm, arg->index);
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	char name[16];
	int ret = -EINVAL;

	if (arg->__reserved)
		return -EINVAL;
	if (!o)
		return -ENOENT;
	if (!arg->addr) {
		arg->seg_size = o->rec.size;
		arg->key = o->rec.key;
		arg->shmid = o->rec.shmid;
		arg->mode = o->rec.mode;
		arg->uid = o->rec.uid;
		arg->gid = o->rec.gid;
		arg->shm_flags = o->rec.flags;
		return 0;
	}
	if (o->file)
		return -EALREADY;
	if (!mm || mmap_read_lock_killable(mm))
		return -EINTR;
	vma = find_vma(mm, arg->addr);
	snprintf(name, sizeof(name), "SYSV%08x", o->rec.key);
	/* Its own segment, attached read-write, of the image's size and key. */
	if (vma && vma->vm_start == arg->addr && cryo_shm_is_sysv(vma) &&
	    (vma->vm_file->f_mode & FMODE_WRITE) &&
	    i_size_read(file_inode(vma->vm_file)) == o->rec.size &&
	    (!o->rec.key ||
	     !strcmp(vma->vm_file->f_path.dentry->d_name.name, name))) {
		o->file = get_file(vma->vm_file);
		ret = 0;
	}
	mmap_read_unlock(mm);
	if (!ret)
		ret = cryo_shm_perm_read(o);
	if (ret && o->file) {
		fput(o->file);
		o->file = NULL;
	}
	return ret;
}

/*
 * The file a mapping of memfd @o is made on.  A shared mapping that could
 * not be made writable (of a read-only open, or under a write seal) is
 * made on a read-only open, so that it cannot be either.
 */
static struct file *cryo_shm_memfd_map(struct cryo_thawing *t,
				       struct cryo_thaw_vma *v,
				       struct cryo_thaw_shm_obj *o)
{
	const u32 wseals = F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
	u32 fl = v->rec.flags;
	const struct cred *cred;
	struct file *f;
	int ret;

	if ((fl & CRYO_VMA_SHARED) && (fl & CRYO_VMA_WRITE) &&
	    (o->rec.seals & F_SEAL_WRITE))
		return ERR_PTR(cryo_thaw_badrec(t, CRYO_REC_VMA,
						"0x%llx-0x%llx: a writable mapping of %s, sealed against writes",
						v->rec.start, v->rec.end,
						o->name));
	ret = cryo_shm_memfd(t, o);
	if (ret)
		return ERR_PTR(ret);
	if (!(fl & (CRYO_VMA_SHARED | CRYO_VMA_MAYSHARE)) ||
	    (fl & CRYO_VMA_WRITE) ||
	    ((fl & CRYO_VMA_SHARED) && !(o->rec.seals & wseals)))
		return get_file(o->file);
	if (!o->ro_file) {
		cred = cryo_creds_open_cred(t);
		if (IS_ERR(cred))
			return ERR_CAST(cred);
		f = dentry_open(&o->file->f_path, O_RDONLY | O_LARGEFILE, cred);
		if (IS_ERR(f))
			return ERR_PTR(cryo_thaw_fail(t, PTR_ERR(f),
						      "%s: cannot open it read-only (error %ld)",
						      o->name, -PTR_ERR(f)));
		o->ro_file = f;
	}
	return get_file(o->ro_file);
}

/**
 * cryo_shm_file() - the file a thaw maps for an image VMA of an object
 * @t: the member's thaw
 * @v: its VMA, with a shm id
 * @need: the restore is about to map it.  A System V segment is given
 *	(CRYO_IOC_THAW_SHM) only after CRYO_IOC_THAW planned the root: until
 *	the restore, one not given yet is no error.
 *
 * Return: a new reference, NULL (a segment not given yet, without @need),
 * or ERR_PTR with the thaw failed.
 */
struct file *cryo_shm_file(struct cryo_thawing *t, struct cryo_thaw_vma *v,
			   bool need)
{
	struct cryo_shm_thaw *st = &t->tree->shm;
	struct cryo_thaw_shm_obj *o;
	bool shared;
	u32 kind;

	if (v->rec.shm > st->nr)
		return ERR_PTR(cryo_thaw_badrec(t, CRYO_REC_VMA,
						"0x%llx-0x%llx: shared memory %u is not in the image",
						v->rec.start, v->rec.end,
						v->rec.shm));
	o = &st->objs[v->rec.shm - 1];
	kind = o->rec.kind == CRYO_SHM_ANON ? CRYO_VMA_ANON : CRYO_VMA_FILE;
	/* A memfd may be mapped privately too. */
	shared = v->rec.flags & (CRYO_VMA_SHARED | CRYO_VMA_MAYSHARE);
	if (v->rec.kind != kind ||
	    (!shared && o->rec.kind != CRYO_SHM_MEMFD) ||
	    (v->rec.flags & CRYO_VMA_GROWSDOWN))
		return ERR_PTR(cryo_thaw_badrec(t, CRYO_REC_VMA,
						"0x%llx-0x%llx: not a shared mapping of shared memory %u",
						v->rec.start, v->rec.end,
						v->rec.shm));
	if (o->rec.kind == CRYO_SHM_MEMFD)
		return cryo_shm_memfd_map(t, v, o);
	if (!o->file && !need)
		return NULL;
	if (!o->file)
		return ERR_PTR(cryo_thaw_fail(t, -ENOENT,
					      "mapping 0x%llx-0x%llx: System V segment key 0x%08x was not made by the caller (CRYO_IOC_THAW_SHM)",
					      v->rec.start, v->rec.end,
					      o->rec.key));
	return get_file(o->file);
}

/* Copy the page at @src into page @index of @mapping. */
static int cryo_shm_put(struct cryo_thawing *t, struct address_space *mapping,
			pgoff_t index, const u8 *src)
{
	struct page *page = shmem_read_mapping_page(mapping, index);
	void *dst;

	if (IS_ERR(page))
		return cryo_thaw_fail(t, PTR_ERR(page),
				      "shared memory page %lu: cannot allocate (error %ld)",
				      index, -PTR_ERR(page));
	dst = kmap_local_page(page);
	memcpy(dst, src, PAGE_SIZE);
	kunmap_local(dst);
	set_page_dirty_lock(page);
	put_page(page);
	return 0;
}

/**
 * cryo_shm_fill() - one SHM_PAGES record, its header read, in the
 * owner's restore
 * @t: the owner member's thaw
 * @rec: the record
 *
 * Return: 0 or -errno, the thaw failed with a message.
 */
int cryo_shm_fill(struct cryo_thawing *t, struct cryo_rec *rec)
{
	struct cryo_shm_thaw *st = &t->tree->shm;
	struct cryo_image_shm_pages p;
	struct cryo_thaw_shm_obj *o;
	struct xxh64_state xs;
	u64 nr, i;
	int ret;

	if (rec->len < sizeof(p))
		return cryo_bad(t, rec, "length %u", rec->len);
	ret = cryo_stream_read(t, &p, sizeof(p));
	if (ret)
		return ret;
	nr = p.nr_pages;
	o = p.shm && p.shm <= st->nr ? &st->objs[p.shm - 1] : NULL;
	if (!o || o->rec.owner != t->idx || p.__reserved || !nr ||
	    nr > (CRYO_REC_MAX_LEN - sizeof(p)) / PAGE_SIZE ||
	    rec->len != sizeof(p) + nr * PAGE_SIZE || p.pgoff < o->next ||
	    p.pgoff > DIV_ROUND_UP(o->rec.size, PAGE_SIZE) ||
	    nr > DIV_ROUND_UP(o->rec.size, PAGE_SIZE) - p.pgoff ||
	    (!o->file && o->rec.kind != CRYO_SHM_MEMFD))
		return cryo_bad(t, rec,
				"shared memory %u: bad object, owner, offset %llu or count %llu",
				p.shm, p.pgoff, nr);
	if (o->rec.kind == CRYO_SHM_MEMFD) {
		ret = cryo_shm_memfd(t, o);
		if (ret)
			return ret;
	}
	/* The owner writes it: as if through a mapping of its own. */
	ret = cryo_shm_check(t, o, "contents of");
	if (ret)
		return ret;
	o->next = p.pgoff + nr;
	ret = cryo_stream_read(t, t->in->buf, nr * PAGE_SIZE);
	if (ret)
		return ret;
	cryo_csum_start(&xs, rec);
	cryo_csum_add(&xs, &p, sizeof(p));
	cryo_csum_add(&xs, t->in->buf, nr * PAGE_SIZE);
	if (cryo_csum_end(&xs) != rec->crc)
		return cryo_bad(t, rec, "checksum mismatch");
	for (i = 0; i < nr; i++) {
		ret = cryo_shm_put(t, o->file->f_mapping, p.pgoff + i,
				   (u8 *)t->in->buf + i * PAGE_SIZE);
		if (ret)
			return ret;
	}
	t->in->nr_pages += nr;
	return 0;
}

void cryo_shm_thaw_release(struct cryo_shm_thaw *st)
{
	unsigned int i;

	for (i = 0; i < st->nr; i++) {
		if (st->objs[i].file)
			fput(st->objs[i].file);
		if (st->objs[i].ro_file)
			fput(st->objs[i].ro_file);
		kfree(st->objs[i].name);
		if (st->objs[i].ipc_user_ns)
			put_user_ns(st->objs[i].ipc_user_ns);
	}
	kvfree(st->objs);
	memset(st, 0, sizeof(*st));
}
