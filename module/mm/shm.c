// SPDX-License-Identifier: GPL-2.0
/*
 * Shared memory between the members of a tree: shared anonymous memory
 * (MAP_SHARED|MAP_ANONYMOUS, which fork shares) and System V segments.
 *
 * At the freeze each such object a member maps is found once, by its
 * shmem inode, and described by a SHM record after the TREE.  Its pages
 * are saved once, from its page cache, in SHM_PAGES records of its owner
 * (the first member that maps it): not through a member's page tables,
 * which hold only the pages that member touched.  The VMAs that map it
 * name it (cryo_image_vma.shm) and have no PAGES of their own.  Nobody
 * outside the tree may map it: what it wrote after the thaw would no
 * longer reach the members.
 *
 * At the thaw an anonymous object is made again here, with shmem.  A
 * System V segment cannot be made by a module: the caller of
 * CRYO_IOC_THAW makes it (key, size, mode, owner), attaches it and hands
 * the attachment over with CRYO_IOC_THAW_SHM; every member's mapping of
 * it is then made on that attachment's file, as shmat() does, and counts
 * in its shm_nattch.  The owner's SHM_PAGES fill the object's page cache
 * directly, once, whoever maps which part of it.
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
#include <linux/xarray.h>

#include "access.h"
#include "freezing.h"
#include "thawing.h"
#include "image/csum.h"
#include "image/record.h"
#include "image/stream.h"
#include "mm/mm.h"

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

/* The kind of shared memory object @vma maps, or -1. */
static int cryo_shm_kind(struct vm_area_struct *vma)
{
	if (cryo_vma_shared_anon(vma))
		return CRYO_SHM_ANON;
	if (cryo_shm_is_sysv(vma))
		return CRYO_SHM_SYSV;
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
 * @vma: a mapping of shared anonymous memory or of a System V segment
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
 * shows the freezer's IPC namespace; a segment of another one, or one in
 * an image whose pages a snapshot copies (it would leave the segment out
 * of that copy), is not saved.
 */
bool cryo_shm_sysv_here(struct cryo_image *img, struct vm_area_struct *vma)
{
	struct task_struct *task = img->m->leader;
	bool same;

	if (img->flags & CRYO_FREEZE_SNAPSHOT)
		return false;
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

static int cryo_shm_add(struct cryo_image *img, struct vm_area_struct *vma,
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
	o->file = get_file(vma->vm_file);
	o->rec.id = s->nr + 1;
	o->rec.kind = kind;
	o->rec.size = i_size_read(file_inode(vma->vm_file));
	o->rec.owner = owner;
	s->nr++;
	return 0;
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

/**
 * cryo_shm_collect() - find the shared memory objects the members map
 * @img: the image, every member parked and checked
 *
 * Not for a snapshot, whose pages are copied from the members' mappings
 * before they resume: its shared anonymous mappings keep their contents
 * as PAGES of each mapping, as in a format 2.2 image.
 *
 * Return: 0, -ENOMEM, -EFBIG, -EINTR, -EAGAIN (a segment went away:
 * the tree changed), or the error of reading /proc/sysvipc/shm.
 */
int cryo_shm_collect(struct cryo_image *img)
{
	struct vm_area_struct *vma;
	bool sysv = false;
	unsigned int i;
	int ret = 0;

	cryo_shm_release(img);
	if (img->flags & CRYO_FREEZE_SNAPSHOT)
		return 0;
	for (i = 0; !ret && i < img->nr_members; i++) {
		struct mm_struct *mm = img->members[i].mm;

		VMA_ITERATOR(vmi, mm, 0);
		if (!mm)
			continue;
		if (mmap_read_lock_killable(mm))
			return -EINTR;
		for_each_vma(vmi, vma) {
			int kind = cryo_shm_kind(vma);

			if (kind < 0 ||
			    cryo_shm_find(img, file_inode(vma->vm_file)))
				continue;
			ret = cryo_shm_add(img, vma, kind, i);
			if (ret)
				break;
			sysv |= kind == CRYO_SHM_SYSV;
		}
		mmap_read_unlock(mm);
	}
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

	if (s->next == s->nr)
		return 0;
	r = cryo_record_start(img, CRYO_REC_SHM, sizeof(*r));
	*r = s->objs[s->next++].rec;
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

/**
 * cryo_shm_load_all() - the SHM records after the TREE, in CRYO_IOC_THAW
 * @t: the root member's thaw
 *
 * Each object is checked and an anonymous one made; a System V segment
 * waits for its attachment (CRYO_IOC_THAW_SHM).
 *
 * Return: 0 or -errno, the thaw failed with a message.
 */
int cryo_shm_load_all(struct cryo_thawing *t)
{
	struct cryo_shm_thaw *st = &t->tree->shm;
	struct cryo_image_shm *r = t->in->buf;
	struct cryo_rec rec;
	int ret;

	for (;;) {
		struct cryo_thaw_shm_obj *o;
		struct file *f;

		ret = cryo_stream_hdr(t, &rec);
		if (ret)
			return ret;
		if (rec.type != CRYO_REC_SHM) {
			t->in->next = rec;
			t->in->have_next = true;
			return 0;
		}
		if (t->hdr.minor < 3 || rec.len != sizeof(*r))
			return cryo_bad(t, &rec, "bad length %u or image version",
					rec.len);
		ret = cryo_stream_payload(t, &rec);
		if (ret)
			return ret;
		if (r->id != st->nr + 1 || r->kind > CRYO_SHM_SYSV ||
		    (r->flags & ~CRYO_SHM_ALL) || r->__reserved ||
		    !r->size || r->size > MAX_LFS_FILESIZE ||
		    r->mode & ~0777 || r->owner >= t->tree->nr_procs ||
		    (t->tree->procs[r->owner].flags & CRYO_MEMBER_ZOMBIE) ||
		    (r->kind == CRYO_SHM_ANON &&
		     (r->key || r->flags || r->mode || r->uid || r->gid ||
		      r->shmid)) ||
		    /* IPC_RMID makes a segment's key IPC_PRIVATE. */
		    ((r->flags & CRYO_SHM_REMOVED) && r->key))
			return cryo_bad(t, &rec,
					"shared memory %u: bad id, kind %u, size %llu, owner %u or attributes",
					st->nr + 1, r->kind, r->size, r->owner);
		ret = cryo_thaw_grow((void **)&st->objs, &st->max, st->nr + 1,
				     sizeof(*st->objs), CRYO_SHM_MAX);
		if (ret)
			return cryo_thaw_fail(t, ret,
					      "record %llu (SHM): more than %u shared memory objects",
					      t->in->record, CRYO_SHM_MAX);
		o = &st->objs[st->nr++];
		o->rec = *r;
		if (r->kind == CRYO_SHM_ANON) {
			/* As shmem_zero_setup() makes it, and accounted so. */
			f = shmem_file_setup("dev/zero", r->size, 0);
			if (IS_ERR(f))
				return cryo_thaw_fail(t, PTR_ERR(f),
						      "shared memory %u (%llu bytes): cannot make it (error %ld)",
						      r->id, r->size, -PTR_ERR(f));
			o->file = f;
		}
		/* A segment waits for the caller's (CRYO_IOC_THAW_SHM). */
		t->in->record++;
	}
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
	u32 kind;

	if (v->rec.shm > st->nr)
		return ERR_PTR(cryo_thaw_badrec(t, CRYO_REC_VMA,
						"0x%llx-0x%llx: shared memory %u is not in the image",
						v->rec.start, v->rec.end,
						v->rec.shm));
	o = &st->objs[v->rec.shm - 1];
	kind = o->rec.kind == CRYO_SHM_ANON ? CRYO_VMA_ANON : CRYO_VMA_FILE;
	if (v->rec.kind != kind ||
	    !(v->rec.flags & (CRYO_VMA_SHARED | CRYO_VMA_MAYSHARE)) ||
	    (v->rec.flags & CRYO_VMA_GROWSDOWN))
		return ERR_PTR(cryo_thaw_badrec(t, CRYO_REC_VMA,
						"0x%llx-0x%llx: not a shared mapping of shared memory %u",
						v->rec.start, v->rec.end,
						v->rec.shm));
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
	    nr > DIV_ROUND_UP(o->rec.size, PAGE_SIZE) - p.pgoff || !o->file)
		return cryo_bad(t, rec,
				"shared memory %u: bad object, owner, offset %llu or count %llu",
				p.shm, p.pgoff, nr);
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
		if (st->objs[i].ipc_user_ns)
			put_user_ns(st->objs[i].ipc_user_ns);
	}
	kvfree(st->objs);
	memset(st, 0, sizeof(*st));
}
