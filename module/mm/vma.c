// SPDX-License-Identifier: GPL-2.0
/*
 * The target's address space in the image: one VMA record per mapping,
 * as /proc/PID/maps shows it, and PAGES records for the pages that have
 * content of their own.
 *
 * Page contents are never copied inside the kernel: a PAGES record pins
 * up to CRYO_PAGES_PER_REC pages with get_user_pages_remote() and read()
 * copies them straight into the reader's buffer.  The target's mmap lock
 * is held only while a record is built, never while copying out.  (The
 * exception is asked for: CRYO_FREEZE_SNAPSHOT, see snapshot.c.)
 */
#include "cryo.h"

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mman.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <asm/pgtable.h>

#include "freezing.h"
#include "thawing.h"
#include "image/record.h"
#include "image/csum.h"
#include "files/file.h"
#include "files/reopen.h"
#include "mm/mm.h"
#include "task/task.h"

#define CRYO_VMA_KNOWN_FLAGS	((CRYO_VMA_MAYSHARE << 1) - 1)

static u32 cryo_vma_flags(struct vm_area_struct *vma)
{
	unsigned long f = vma->vm_flags;
	u32 r = 0;

	r |= f & VM_READ ? CRYO_VMA_READ : 0;
	r |= f & VM_WRITE ? CRYO_VMA_WRITE : 0;
	r |= f & VM_EXEC ? CRYO_VMA_EXEC : 0;
	r |= f & VM_SHARED ? CRYO_VMA_SHARED : 0;
	r |= f & VM_MAYSHARE ? CRYO_VMA_MAYSHARE : 0;
	r |= f & VM_GROWSDOWN ? CRYO_VMA_GROWSDOWN : 0;
	r |= f & VM_LOCKED ? CRYO_VMA_LOCKED : 0;
	r |= f & VM_DONTDUMP ? CRYO_VMA_DONTDUMP : 0;
	r |= f & VM_HUGEPAGE ? CRYO_VMA_HUGEPAGE : 0;
	r |= f & VM_NOHUGEPAGE ? CRYO_VMA_NOHUGEPAGE : 0;
	r |= f & VM_DONTCOPY ? CRYO_VMA_DONTFORK : 0;
	r |= f & VM_WIPEONFORK ? CRYO_VMA_WIPEONFORK : 0;
	return r;
}

/* MAP_SHARED|MAP_ANONYMOUS: shmem_zero_setup()'s unlinked "dev/zero". */
bool cryo_vma_shared_anon(struct vm_area_struct *vma)
{
	struct file *f = vma->vm_file;

	return f && vma->vm_flags & VM_SHARED && !file_inode(f)->i_nlink &&
	       !strcmp(f->f_path.dentry->d_name.name, "dev/zero");
}

/* Kind and name as /proc/PID/maps shows them; the name goes to @buf. */
static u32 cryo_vma_kind(struct cryo_image *img, struct vm_area_struct *vma,
			 char *buf, size_t size, const char **name)
{
	struct mm_struct *mm = img->m->mm;

	*name = NULL;
	if (vma->vm_file) {
		*name = d_path(&vma->vm_file->f_path, buf, size);
		if (IS_ERR(*name))
			*name = NULL;
		if (cryo_vma_shared_anon(vma))
			return CRYO_VMA_ANON;
		return CRYO_VMA_FILE;
	}
	if (vma->vm_ops && vma->vm_ops->name) {
		*name = vma->vm_ops->name(vma);
		if (*name && !strcmp(*name, "[vdso]"))
			return CRYO_VMA_VDSO;
		if (*name && !strcmp(*name, "[vvar]"))
			return CRYO_VMA_VVAR;
		return CRYO_VMA_SPECIAL;
	}
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk) {
		*name = "[heap]";
		return CRYO_VMA_HEAP;
	}
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack) {
		*name = "[stack]";
		return CRYO_VMA_STACK;
	}
	return CRYO_VMA_ANON;
}

/* A mapping of a deleted regular file: its contents are a FILE's. */
static bool cryo_vma_deleted(struct vm_area_struct *vma)
{
	return vma->vm_file && cryo_regular_deleted(vma->vm_file);
}

/**
 * cryo_vma_next_deleted() - the next mapping of a deleted file of img->m
 * @img: the image, in img->m's files section
 * @cursor: in: the address to look from; out: the end of the mapping found
 *
 * Its description goes into the files section (a FILE and its
 * FILE_DATA, no FD) when no fd brought it in: the VMA names it.
 *
 * Return: the mapping's description, referenced; NULL past the last;
 * ERR_PTR(-EINTR).
 */
struct file *cryo_vma_next_deleted(struct cryo_image *img,
				   unsigned long *cursor)
{
	struct mm_struct *mm = img->m->mm;
	struct vm_area_struct *vma;
	struct file *file = NULL;

	VMA_ITERATOR(vmi, mm, *cursor);
	if (mmap_read_lock_killable(mm))
		return ERR_PTR(-EINTR);
	for_each_vma(vmi, vma) {
		if (cryo_vma_deleted(vma)) {
			file = get_file(vma->vm_file);
			*cursor = vma->vm_end;
			break;
		}
	}
	mmap_read_unlock(mm);
	return file;
}

/* The VMA_FILE record of the VMA just staged. */
static void cryo_vma_save_file(struct cryo_image *img)
{
	struct cryo_image_vma_file *r;

	r = cryo_record_start(img, CRYO_REC_VMA_FILE, sizeof(*r));
	r->start = img->pg.vma_file_start;
	r->file_id = img->pg.vma_file_id;
	cryo_record_finish(img);
	img->pg.vma_file_id = 0;
}

/* Emit the VMA at or after img->pg.cursor; false past the last one. */
int cryo_vma_save(struct cryo_image *img)
{
	const size_t room = CRYO_STAGE_SIZE - sizeof(struct cryo_rec) -
			    sizeof(struct cryo_image_vma);
	struct cryo_image_vma *v;
	struct vm_area_struct *vma;
	const char *name;
	char *path;
	size_t len;
	u32 kind;
	int ret;

	if (img->pg.vma_file_id) {
		cryo_vma_save_file(img);
		return 1;
	}
	path = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	ret = mmap_read_lock_killable(img->m->mm);
	if (ret)
		goto out_free;
	vma = find_vma(img->m->mm, img->pg.cursor);
	if (!vma) {
		ret = 0;
		goto out_unlock;
	}
	kind = cryo_vma_kind(img, vma, path, PATH_MAX, &name);
	len = name ? min(strlen(name), room) : 0;
	v = cryo_record_start(img, CRYO_REC_VMA, sizeof(*v) + len);
	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->flags = cryo_vma_flags(vma);
	v->kind = kind;
	if (vma->vm_file) {
		struct inode *inode = file_inode(vma->vm_file);
		struct timespec64 mt = cryo_inode_mtime(inode);

		v->pgoff = (u64)vma->vm_pgoff << PAGE_SHIFT;
		v->dev = new_encode_dev(inode->i_sb->s_dev);
		v->ino = inode->i_ino;
		v->file_size = i_size_read(inode);
		v->mtime_ns = timespec64_to_ns(&mt);
	}
	v->name_len = len;
	v->shm = cryo_shm_id(img, vma);
	memcpy(v + 1, name, len);
	cryo_record_finish(img);
	/*
	 * A deleted file's description is in the image, brought by an fd or
	 * by the files section's walk of the mappings (a FILE lost, or none
	 * in a member that shares its fd table: the thaw refuses the
	 * mapping as before 2.9).
	 */
	if (cryo_vma_deleted(vma)) {
		img->pg.vma_file_id = cryo_file_id(img, vma->vm_file);
		img->pg.vma_file_start = vma->vm_start;
	}
	img->pg.cursor = vma->vm_end;
	ret = 1;
out_unlock:
	mmap_read_unlock(img->m->mm);
out_free:
	kfree(path);
	return ret;
}

int cryo_vma_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_vma *r = t->in->buf;
	struct cryo_thaw_vma *v;
	void *p;

#define bad(fmt, ...) cryo_thaw_badrec(t, CRYO_REC_VMA, fmt, ##__VA_ARGS__)
	if (rec->len < sizeof(*r) || r->name_len > PATH_MAX ||
	    rec->len != sizeof(*r) + r->name_len ||
	    (r->shm && t->hdr.minor < 3))
		return bad("bad length %u", rec->len);
	if (r->start >= r->end || !PAGE_ALIGNED(r->start) ||
	    !PAGE_ALIGNED(r->end) || !PAGE_ALIGNED(r->pgoff))
		return bad("0x%llx-0x%llx: empty or not page aligned",
			   r->start, r->end);
	if (r->kind == CRYO_VMA_VSYSCALL)
		return 0;	/* the kernel's, never mapped */
	if (r->end > TASK_SIZE_MAX || r->start < CRYO_MIN_ADDR)
		return bad("0x%llx-0x%llx: outside user space", r->start,
			   r->end);
	if (r->kind > CRYO_VMA_SPECIAL || (r->flags & ~CRYO_VMA_KNOWN_FLAGS))
		return bad("0x%llx-0x%llx: kind %u, flags %#x", r->start,
			   r->end, r->kind, r->flags);
	/* As madvise(MADV_WIPEONFORK): private anonymous memory only. */
	if ((r->flags & CRYO_VMA_WIPEONFORK) &&
	    (r->kind == CRYO_VMA_FILE || cryo_vma_special(r->kind) ||
	     (r->flags & (CRYO_VMA_SHARED | CRYO_VMA_MAYSHARE))))
		return bad("0x%llx-0x%llx: wipe-on-fork on memory that is not private anonymous",
			   r->start, r->end);
	if (t->lay.nr_vmas && r->start < t->lay.vmas[t->lay.nr_vmas - 1].rec.end)
		return bad("0x%llx-0x%llx overlaps or precedes the one before",
			   r->start, r->end);
	if (cryo_vma_special(r->kind)) {
		/* [vvar] and [vdso] come back as one block, see the stub. */
		if (t->lay.special_end && r->start != t->lay.special_end)
			return bad("0x%llx-0x%llx: special mappings not adjacent",
				   r->start, r->end);
		if (!t->lay.special_end)
			t->lay.special_start = r->start;
		t->lay.special_end = r->end;
		if (r->kind == CRYO_VMA_VDSO)
			t->lay.vdso_start = r->start;
	}
	if (t->lay.nr_vmas == t->lay.max_vmas) {
		unsigned int n = t->lay.max_vmas ? 2 * t->lay.max_vmas : 64;

		if (t->lay.nr_vmas >= CRYO_THAW_MAX_VMAS)
			return cryo_thaw_fail(t, -EFBIG,
					      "record %llu (VMA): more than %u mappings",
					      t->in->record, CRYO_THAW_MAX_VMAS);
		n = min_t(unsigned int, n, CRYO_THAW_MAX_VMAS);
		p = kvrealloc_compat(t->lay.vmas, t->lay.max_vmas * sizeof(*t->lay.vmas),
				     n * sizeof(*t->lay.vmas), GFP_KERNEL_ACCOUNT);
		if (!p)
			return cryo_thaw_fail(t, -ENOMEM, "out of memory");
		t->lay.vmas = p;
		t->lay.max_vmas = n;
	}
	if (cryo_thaw_hold(t, r->name_len + 1))
		return -EFBIG;
	v = &t->lay.vmas[t->lay.nr_vmas];
	v->rec = *r;
	v->file = NULL;
	v->file_id = 0;
	v->name = kmemdup_nul((char *)(r + 1), r->name_len, GFP_KERNEL);
	if (!v->name)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	t->lay.nr_vmas++;
	if (strlen(v->name) != r->name_len)
		return bad("0x%llx-0x%llx: NUL in its name", r->start, r->end);
	if (r->kind == CRYO_VMA_FILE && v->name[0] != '/')
		return bad("0x%llx-0x%llx: file mapping without a path",
			   r->start, r->end);
#undef bad
	return 0;
}

/**
 * cryo_vma_load_file() - a VMA_FILE record: the deleted file behind the
 * VMA just read (since 2.9)
 * @t: the thaw
 * @rec: the record, its payload in t->in->buf
 *
 * The FILE it names is made again once, as the restored process, when
 * it is read (files/regular.c), and given its size, mode and mtime by
 * the first member that needs it: this one's mapping does.
 *
 * Return: 0, or -EBADMSG with the thaw failed.
 */
int cryo_vma_load_file(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	const struct cryo_image_vma_file *r = t->in->buf;
	struct cryo_files_shared *ft = &t->tree->files;
	const struct cryo_thaw_file *f;
	struct cryo_thaw_vma *v;

#define bad(fmt, ...) cryo_thaw_badrec(t, CRYO_REC_VMA_FILE, fmt, ##__VA_ARGS__)
	if (t->hdr.minor < 9 || rec->len != sizeof(*r) || r->__reserved)
		return bad("bad length %u or image version", rec->len);
	v = t->lay.nr_vmas ? &t->lay.vmas[t->lay.nr_vmas - 1] : NULL;
	if (!v || v->rec.start != r->start || v->file_id)
		return bad("0x%llx: not right after its VMA", r->start);
	if (v->rec.kind != CRYO_VMA_FILE || v->rec.shm ||
	    !strstr(v->name, " (deleted)"))
		return bad("0x%llx-0x%llx: not a mapping of a deleted file",
			   v->rec.start, v->rec.end);
	if (!r->file_id || r->file_id > ft->nr_files)
		return bad("0x%llx-0x%llx: no FILE %u", v->rec.start,
			   v->rec.end, r->file_id);
	f = &ft->files[r->file_id - 1];
	if (f->rec.kind != CRYO_FILE_REG ||
	    !(f->rec.flags & CRYO_FILE_UNLINKED) ||
	    f->rec.dev != v->rec.dev || f->rec.ino != v->rec.ino)
		return bad("0x%llx-0x%llx: FILE %u is not its deleted file",
			   v->rec.start, v->rec.end, r->file_id);
	/* Shared and writable: only on a description open for writing. */
	if ((v->rec.flags & CRYO_VMA_SHARED) &&
	    (f->rec.open_flags & O_ACCMODE) == O_RDONLY)
		return bad("0x%llx-0x%llx: shared and writable, FILE %u read-only",
			   v->rec.start, v->rec.end, r->file_id);
#undef bad
	v->file_id = r->file_id;
	/* A lost one fails the thaw when the mapping opens it, by its name. */
	if (!(f->rec.flags & CRYO_FILE_LOST))
		ft->files[r->file_id - 1].needed = true;
	return 0;
}

/*
 * The file a mapping of a deleted file is made on: the one its FILE made
 * again, so that its fds and the other members' mappings share it; a
 * shared mapping of a description open read-only on a read-only open of
 * it, so that it cannot become writable.
 */
static struct file *cryo_vma_deleted_file(struct cryo_thawing *t,
					  struct cryo_thaw_vma *v)
{
	struct cryo_thaw_file *f = &t->tree->files.files[v->file_id - 1];
	const struct cred *cred;
	struct file *file;

	if ((f->rec.flags & CRYO_FILE_LOST) || !f->file)
		return ERR_PTR(cryo_thaw_fail(t, -ENXIO,
					      "mapping 0x%llx-0x%llx (%s): its deleted file was lost at the freeze",
					      v->rec.start, v->rec.end, v->name));
	if (!(v->rec.flags & CRYO_VMA_MAYSHARE) ||
	    (f->rec.open_flags & O_ACCMODE) != O_RDONLY)
		return get_file(f->file);
	cred = cryo_creds_open_cred(t);
	if (IS_ERR(cred))
		return ERR_CAST(cred);
	file = dentry_open(&f->file->f_path, O_RDONLY | O_LARGEFILE, cred);
	if (IS_ERR(file))
		return ERR_PTR(cryo_thaw_fail(t, PTR_ERR(file),
					      "mapping 0x%llx-0x%llx (%s): cannot open its file read-only (error %ld)",
					      v->rec.start, v->rec.end, v->name,
					      -PTR_ERR(file)));
	return file;
}

/* Open every mapped file as the restored process, and check it. */
int cryo_vma_open_files(struct cryo_thawing *t)
{
	struct cryo_thaw_vma *prev = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < t->lay.nr_vmas; i++) {
		struct cryo_thaw_vma *v = &t->lay.vmas[i];
		bool shared = v->rec.flags & CRYO_VMA_SHARED;
		struct cryo_file_id id = {
			.dev = v->rec.dev, .ino = v->rec.ino, .mode = S_IFREG,
			.size = v->rec.file_size, .mtime_ns = v->rec.mtime_ns,
		};
		struct file *f;
		char *what;

		if (v->rec.shm) {
			f = cryo_shm_file(t, v, false);
			if (IS_ERR(f))
				return PTR_ERR(f);
			v->file = f;
			continue;
		}
		if (v->rec.kind != CRYO_VMA_FILE)
			continue;
		if (v->file_id) {
			f = cryo_vma_deleted_file(t, v);
			if (IS_ERR(f))
				return PTR_ERR(f);
			v->file = f;
			continue;
		}
		if (strstr(v->name, " (deleted)"))
			return cryo_thaw_fail(t, -ESTALE,
					      "mapping 0x%llx-0x%llx (%s): the mapped file was deleted",
					      v->rec.start, v->rec.end, v->name);
		what = kasprintf(GFP_KERNEL, "mapping 0x%llx-0x%llx (%s)",
				 v->rec.start, v->rec.end, v->name);
		if (!what)
			return cryo_thaw_fail(t, -ENOMEM, "out of memory");
		/* Consecutive mappings of one file share one open. */
		if (prev && !strcmp(prev->name, v->name) &&
		    (prev->file->f_mode & FMODE_WRITE || !shared)) {
			v->file = get_file(prev->file);
		} else {
			f = cryo_reopen(t, what, v->name,
					shared ? O_RDWR : O_RDONLY, S_IFREG);
			if (IS_ERR(f)) {
				kfree(what);
				return PTR_ERR(f);
			}
			v->file = f;
		}
		prev = v;
		ret = cryo_reopen_same(t, what, v->file, &id);
		kfree(what);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Before the restore's point of no return: the System V segments the
 * caller made since the plan, for the mappings that still lack one; and
 * every segment mapped must be one this process may attach.
 */
int cryo_vma_open_shm(struct cryo_thawing *t)
{
	unsigned int i;
	int ret;

	for (i = 0; i < t->lay.nr_vmas; i++) {
		struct cryo_thaw_vma *v = &t->lay.vmas[i];
		struct file *f;

		if (!v->rec.shm)
			continue;
		if (!v->file) {
			f = cryo_shm_file(t, v, true);
			if (IS_ERR(f))
				return PTR_ERR(f);
			v->file = f;
		}
		ret = cryo_shm_may_map(t, v);
		if (ret)
			return ret;
	}
	return 0;
}

static unsigned long cryo_vma_madv(u32 flags)
{
	unsigned long vmf = 0;

	if (flags & CRYO_VMA_DONTDUMP)
		vmf |= VM_DONTDUMP;
	if (flags & CRYO_VMA_DONTFORK)
		vmf |= VM_DONTCOPY;
	if (flags & CRYO_VMA_WIPEONFORK)
		vmf |= VM_WIPEONFORK;
	if (flags & CRYO_VMA_NOHUGEPAGE)
		vmf |= VM_NOHUGEPAGE;
	return vmf;
}

static int cryo_map_one(struct cryo_thawing *t, struct cryo_thaw_vma *v)
{
	u32 fl = v->rec.flags;
	unsigned long prot = 0, flags = MAP_FIXED_NOREPLACE, addr, vmf;
	struct vm_area_struct *vma;
	struct mm_struct *mm = current->mm;

	if (fl & CRYO_VMA_READ)
		prot |= PROT_READ;
	if (fl & CRYO_VMA_WRITE)
		prot |= PROT_WRITE;
	if (fl & CRYO_VMA_EXEC)
		prot |= PROT_EXEC;
	flags |= fl & (CRYO_VMA_SHARED | CRYO_VMA_MAYSHARE) ? MAP_SHARED :
							      MAP_PRIVATE;
	if (!v->file)
		flags |= MAP_ANONYMOUS;
	if (fl & CRYO_VMA_GROWSDOWN)
		flags |= MAP_GROWSDOWN;
	if (fl & CRYO_VMA_LOCKED)
		flags |= MAP_LOCKED;
	addr = vm_mmap(v->file, v->rec.start, v->rec.end - v->rec.start, prot,
		       flags, v->file ? v->rec.pgoff : 0);
	if (IS_ERR_VALUE(addr) || addr != v->rec.start)
		return cryo_thaw_fail(t, IS_ERR_VALUE(addr) ? (long)addr : -EEXIST,
				      "mapping 0x%llx-0x%llx (%s): cannot map (error %ld)",
				      v->rec.start, v->rec.end, v->name,
				      IS_ERR_VALUE(addr) ? -(long)addr : EEXIST);
	/* madvise() flags the kernel keeps in vm_flags. */
	vmf = cryo_vma_madv(fl);
	if (vmf) {
		mmap_write_lock(mm);
		vma = find_vma(mm, v->rec.start);
		if (vma && vma->vm_start <= v->rec.start)
			cryo_vm_flags_set(vma, vmf);
		mmap_write_unlock(mm);
	}
	return 0;
}

/*
 * The point of no return of a remap: every mapping of the caller outside
 * [@keep_start, @keep_start + @keep_len) goes, the image's come.
 */
int cryo_vma_restore(struct cryo_thawing *t, unsigned long keep_start,
		     unsigned long keep_len)
{
	unsigned long keep_end = keep_start + keep_len;
	struct cryo_range *r;
	unsigned int n, i;
	int ret = 0;

	r = cryo_vma_ranges(current->mm, 0, &n);
	if (!r)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	for (i = 0; i < n && !ret; i++) {
		unsigned long s = r[i].start, e = r[i].end;

		if (s < keep_start)
			ret = vm_munmap(s, min(e, keep_start) - s);
		if (!ret && e > keep_end)
			ret = vm_munmap(max(s, keep_end), e - max(s, keep_end));
	}
	kvfree(r);
	if (ret)
		return cryo_thaw_fail(t, ret, "cannot unmap the caller (error %d)",
				      -ret);

	for (i = 0; i < t->lay.nr_vmas; i++) {
		struct cryo_thaw_vma *v = &t->lay.vmas[i];

		if (cryo_vma_special(v->rec.kind))
			continue;
		ret = cryo_map_one(t, v);
		if (ret)
			return ret;
	}
	return 0;
}

void cryo_vma_release(struct cryo_thawing *t)
{
	unsigned int i;

	for (i = 0; i < t->lay.nr_vmas; i++) {
		if (t->lay.vmas[i].file)
			fput(t->lay.vmas[i].file);
		kfree(t->lay.vmas[i].name);
	}
	kvfree(t->lay.vmas);
}

/* The caller's mappings, as ranges; NULL on failure. */
struct cryo_range *cryo_vma_ranges(struct mm_struct *mm, unsigned int extra,
				   unsigned int *nr)
{
	struct vm_area_struct *vma;
	struct cryo_range *r;
	unsigned int n = 0, max;

	VMA_ITERATOR(vmi, mm, 0);
	mmap_read_lock(mm);
	max = mm->map_count;
	r = kvmalloc_array(max + extra, sizeof(*r), GFP_KERNEL);
	if (r) {
		for_each_vma(vmi, vma) {
			if (n == max)
				break;
			r[n].start = vma->vm_start;
			r[n].end = vma->vm_end;
			n++;
		}
	}
	mmap_read_unlock(mm);
	*nr = n;
	return r;
}

/*
 * Could a thaw map @vma again?  It reopens a mapped file by its name: the
 * file must still have one, and be a regular file (a device's mapping is
 * the driver's).  Shared anonymous memory is no file to it; a memfd is
 * not asked here (shm.c makes it again).
 */
static bool cryo_vma_remappable(struct vm_area_struct *vma)
{
	struct file *f = vma->vm_file;

	if (!f || cryo_vma_shared_anon(vma))
		return true;
	/* A memfd's dentry is a root: check the links. */
	return S_ISREG(file_inode(f)->i_mode) && file_inode(f)->i_nlink &&
	       !d_unlinked(f->f_path.dentry);
}

/**
 * cryo_vma_check() - refuse mappings a thaw could not make again
 * @img: the image, its target parked
 * @why: out: the refusal, with the mapping's index in /proc/PID/maps
 *
 * An image with such a mapping would never thaw: a freeze that killed its
 * target would lose it.
 *
 * Return: 0, -EOPNOTSUPP with @why set, or -EINTR.
 */
int cryo_vma_check(struct cryo_image *img, struct cryo_why *why)
{
	struct vm_area_struct *vma;
	int i = 0, ret = 0;

	VMA_ITERATOR(vmi, img->m->mm, 0);
	if (mmap_read_lock_killable(img->m->mm))
		return -EINTR;
	for_each_vma(vmi, vma) {
		bool sysv = cryo_shm_is_sysv(vma);
		bool memfd = vma->vm_file && cryo_shm_is_memfd(vma->vm_file);
		bool deleted = cryo_vma_deleted(vma);
		bool remappable;
		u32 code;

		if (sysv)
			remappable = cryo_shm_sysv_here(img, vma);
		else if (memfd || deleted)
			remappable = true;
		else
			remappable = cryo_vma_remappable(vma);
		/*
		 * Shared memory (anonymous, a SysV segment, a memfd) that a
		 * process outside the tree maps too is named as such first:
		 * its sharing is what would be lost.
		 */
		if ((cryo_vma_shared_anon(vma) || sysv || memfd ||
		     (deleted && (vma->vm_flags & VM_MAYSHARE))) &&
		    cryo_shm_outside(img, vma)) {
			ret = cryo_refuse(why, CRYO_REFUSAL_SHARED_MEMORY, i,
					  -EOPNOTSUPP);
			break;
		}
		if (vma->vm_file && cryo_shm_memfd_unsaveable(vma->vm_file)) {
			ret = cryo_refuse(why, CRYO_REFUSAL_MEMFD_MAPPING, i,
					  -EOPNOTSUPP);
			break;
		}
		if (!remappable) {
			ret = cryo_refuse(why, CRYO_REFUSAL_MAPPING, i,
					  -EOPNOTSUPP);
			break;
		}
		/*
		 * A deleted file's contents go into the files section, which
		 * a member sharing its parent's fd table does not have.
		 */
		code = !deleted ? CRYO_REFUSAL_NONE :
		       img->m->rec.flags & CRYO_MEMBER_SHARES_FILES ?
		       CRYO_REFUSAL_DELETED_MAPPING_SHARED_FILES :
		       cryo_regular_map_refusal(img, vma->vm_file);
		if (code != CRYO_REFUSAL_NONE) {
			ret = cryo_refuse(why, code, i,
					  code == CRYO_REFUSAL_DELETED_MAPPING_TOO_BIG ?
					  -EFBIG :
					  code == CRYO_REFUSAL_DELETED_MAPPING_UNREADABLE ?
					  -EACCES : -EOPNOTSUPP);
			break;
		}
		i++;
	}
	mmap_read_unlock(img->m->mm);
	return ret;
}
