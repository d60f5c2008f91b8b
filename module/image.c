// SPDX-License-Identifier: GPL-2.0
/*
 * The image writer: turns a parked target into records, one at a time,
 * as the reader asks for them (see the format in uapi/linux/cryo.h).
 *
 * Every record but page contents is built in the session's staging
 * buffer.  Page contents are never copied inside the kernel: a PAGES
 * record pins up to CRYO_PAGES_PER_REC pages of the target, and read()
 * copies them straight into the reader's buffer.
 */
#include "cryo.h"

#include <linux/audit.h>
#include <linux/crc32c.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>
#include <asm/pgtable.h>

#include "image.h"

/*
 * Start a record of @type with @len payload bytes, the first @staged of
 * which are built in the staging buffer (all of them but for PAGES).
 * Callers keep @staged within CRYO_STAGE_SIZE: see cryo_freeze_start().
 */
static void *cryo_rec_start_partial(struct cryo_image *img, u32 type,
				    u32 len, u32 staged)
{
	struct cryo_rec *rec = (struct cryo_rec *)img->stage;

	memset(img->stage, 0, sizeof(*rec) + staged);
	rec->type = type;
	rec->len = len;
	img->stage_pos = 0;
	img->stage_len = sizeof(*rec) + staged;
	return rec + 1;
}

static void *cryo_rec_start(struct cryo_image *img, u32 type, u32 len)
{
	return cryo_rec_start_partial(img, type, len, len);
}

/* Checksum the staged record (header and all its payload) and count it. */
static void cryo_rec_finish(struct cryo_image *img, u32 crc)
{
	struct cryo_rec *rec = (struct cryo_rec *)img->stage;

	crc = crc32c(crc, rec, img->stage_len);
	rec->crc = ~crc;
	img->nr_records++;
	img->bytes += img->stage_len;
}

static void cryo_emit_header(struct cryo_image *img)
{
	struct cryo_image_header *h;

	h = cryo_rec_start(img, CRYO_REC_HEADER, sizeof(*h));
	memcpy(h->magic, CRYO_IMAGE_MAGIC, sizeof(CRYO_IMAGE_MAGIC));
	h->major = CRYO_IMAGE_MAJOR;
	h->minor = CRYO_IMAGE_MINOR;
	h->arch = AUDIT_ARCH_X86_64;
	h->page_size = PAGE_SIZE;
	h->freeze_flags = img->flags;
	h->nr_threads = img->nr_threads;
	h->fpu_size = img->park->fpu_size;
	h->xfeatures = boot_cpu_has(X86_FEATURE_XSAVE) ?
		       cpuid_eax(0xd) | ((u64)cpuid_edx(0xd) << 32) : 0;
	h->time_ns = ktime_get_real_ns();
	strscpy(h->release, utsname()->release, sizeof(h->release));
	cryo_rec_finish(img, ~0U);
}

static void cryo_emit_process(struct cryo_image *img)
{
	struct user_namespace *uns = current_user_ns();
	struct task_struct *t = img->leader;
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct cryo_image_process *p;
	struct mm_struct *mm = img->mm;
	const struct cred *cred;
	unsigned int i;

	p = cryo_rec_start(img, CRYO_REC_PROCESS, sizeof(*p));
	p->pid = task_tgid_nr_ns(t, ns);
	rcu_read_lock();
	p->ppid = task_tgid_nr_ns(rcu_dereference(t->real_parent), ns);
	rcu_read_unlock();
	p->pgid = task_pgrp_nr_ns(t, ns);
	p->sid = task_session_nr_ns(t, ns);
	__get_task_comm(p->comm, sizeof(p->comm), t);

	cred = get_task_cred(t);
	p->uid[0] = from_kuid_munged(uns, cred->uid);
	p->uid[1] = from_kuid_munged(uns, cred->euid);
	p->uid[2] = from_kuid_munged(uns, cred->suid);
	p->uid[3] = from_kuid_munged(uns, cred->fsuid);
	p->gid[0] = from_kgid_munged(uns, cred->gid);
	p->gid[1] = from_kgid_munged(uns, cred->egid);
	p->gid[2] = from_kgid_munged(uns, cred->sgid);
	p->gid[3] = from_kgid_munged(uns, cred->fsgid);
	p->cap_effective = cryo_cap_u64(cred->cap_effective);
	p->cap_permitted = cryo_cap_u64(cred->cap_permitted);
	p->cap_inheritable = cryo_cap_u64(cred->cap_inheritable);
	p->cap_bset = cryo_cap_u64(cred->cap_bset);
	p->cap_ambient = cryo_cap_u64(cred->cap_ambient);
	put_cred(cred);

	p->personality = t->personality;
	task_lock(t);
	p->umask = t->fs ? t->fs->umask : 0;
	for (i = 0; i < ARRAY_SIZE(p->rlim) && i < RLIM_NLIMITS; i++) {
		p->rlim[i][0] = t->signal->rlim[i].rlim_cur;
		p->rlim[i][1] = t->signal->rlim[i].rlim_max;
	}
	task_unlock(t);

	p->start_code = mm->start_code;
	p->end_code = mm->end_code;
	p->start_data = mm->start_data;
	p->end_data = mm->end_data;
	p->start_brk = mm->start_brk;
	p->brk = mm->brk;
	p->start_stack = mm->start_stack;
	p->arg_start = mm->arg_start;
	p->arg_end = mm->arg_end;
	p->env_start = mm->env_start;
	p->env_end = mm->env_end;
	cryo_rec_finish(img, ~0U);
}

/* Emit the next thread that parked; false when there is none left. */
static bool cryo_emit_thread(struct cryo_image *img)
{
	struct cryo_park *park = img->park;
	struct cryo_image_thread *r;

	while (img->thread_idx < park->nr_threads) {
		struct cryo_thread *th = park->threads[img->thread_idx++];

		/* Pairs with the store-release in cryo_park_fn(). */
		if (!smp_load_acquire(&th->parked))
			continue;
		r = cryo_rec_start(img, CRYO_REC_THREAD,
				   sizeof(*r) + park->fpu_size);
		*r = th->rec;
		memcpy(r + 1, th->fpu, park->fpu_size);
		cryo_rec_finish(img, ~0U);
		return true;
	}
	return false;
}

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
static bool cryo_vma_shared_anon(struct vm_area_struct *vma)
{
	struct file *f = vma->vm_file;

	return f && vma->vm_flags & VM_SHARED && !file_inode(f)->i_nlink &&
	       !strcmp(f->f_path.dentry->d_name.name, "dev/zero");
}

/* Kind and name as /proc/PID/maps shows them; the name goes to @buf. */
static u32 cryo_vma_kind(struct cryo_image *img, struct vm_area_struct *vma,
			 char *buf, size_t size, const char **name)
{
	struct mm_struct *mm = img->mm;

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

/* Emit the VMA at or after img->cursor; false past the last one. */
static int cryo_emit_vma(struct cryo_image *img)
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

	path = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	ret = mmap_read_lock_killable(img->mm);
	if (ret)
		goto out_free;
	vma = find_vma(img->mm, img->cursor);
	if (!vma) {
		ret = 0;
		goto out_unlock;
	}
	kind = cryo_vma_kind(img, vma, path, PATH_MAX, &name);
	len = name ? min(strlen(name), room) : 0;
	v = cryo_rec_start(img, CRYO_REC_VMA, sizeof(*v) + len);
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
	memcpy(v + 1, name, len);
	cryo_rec_finish(img, ~0U);
	img->cursor = vma->vm_end;
	ret = 1;
out_unlock:
	mmap_read_unlock(img->mm);
out_free:
	kfree(path);
	return ret;
}

/* Which pages of @vma have content of their own to save. */
enum cryo_dump { CRYO_DUMP_NONE, CRYO_DUMP_ALL, CRYO_DUMP_ANON };

static enum cryo_dump cryo_vma_dump(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return CRYO_DUMP_NONE;
	if (!vma->vm_file)	/* [vdso], [vvar] and friends have a name */
		return vma->vm_ops && vma->vm_ops->name ? CRYO_DUMP_NONE :
							  CRYO_DUMP_ALL;
	if (vma->vm_flags & VM_SHARED)
		return cryo_vma_shared_anon(vma) ? CRYO_DUMP_ALL : CRYO_DUMP_NONE;
	/* Private file mapping: only its copy-on-write copies. */
	return vma->anon_vma ? CRYO_DUMP_ANON : CRYO_DUMP_NONE;
}

/*
 * The first address in [addr, end) whose page table down to the PMD is
 * populated.  Holes of 2 MiB and more cost nothing this way; the PTE
 * level is left to get_user_pages (its walker is not exported).
 */
static unsigned long cryo_next_populated(struct mm_struct *mm,
					 unsigned long addr, unsigned long end)
{
	while (addr < end) {
		pgd_t *pgd = pgd_offset(mm, addr);
		p4d_t *p4d;
		pud_t *pud, pudv;
		pmd_t *pmd;

		if (pgd_none(READ_ONCE(*pgd))) {
			addr = pgd_addr_end(addr, end);
			continue;
		}
		p4d = p4d_offset(pgd, addr);
		if (p4d_none(READ_ONCE(*p4d))) {
			addr = p4d_addr_end(addr, end);
			continue;
		}
		pud = pud_offset(p4d, addr);
		pudv = READ_ONCE(*pud);
		if (pud_none(pudv)) {
			addr = pud_addr_end(addr, end);
			continue;
		}
		if (pud_val(pudv) & _PAGE_PSE)
			return addr;	/* a huge page: populated */
		pmd = pmd_offset(pud, addr);
		if (pmd_none(READ_ONCE(*pmd))) {
			addr = pmd_addr_end(addr, end);
			continue;
		}
		return addr;
	}
	return end;
}

/*
 * Pin the next run of pages with content, at or after img->cursor.
 * Returns the number pinned into img->pages (0: no more), or -errno.
 * Called with the target's mmap lock held for reading.
 */
static long cryo_pin_run(struct cryo_image *img)
{
	const unsigned int gup = FOLL_FORCE | FOLL_DUMP;
	struct mm_struct *mm = img->mm;
	struct vm_area_struct *vma;
	long got, keep;

	while ((vma = find_vma(mm, img->cursor))) {
		enum cryo_dump dump = cryo_vma_dump(vma);
		unsigned long addr = max(img->cursor, vma->vm_start);
		unsigned long nr;

		if (fatal_signal_pending(current))
			return -EINTR;
		if (dump == CRYO_DUMP_NONE) {
			img->cursor = vma->vm_end;
			continue;
		}
		addr = cryo_next_populated(mm, addr, vma->vm_end);
		img->cursor = addr;
		if (addr >= vma->vm_end)
			continue;
		nr = min_t(unsigned long, CRYO_PAGES_PER_REC,
			   (vma->vm_end - addr) >> PAGE_SHIFT);
		/* Present pages only: holes must not be filled in the target. */
		got = cryo_gup_remote(mm, addr, nr, gup | FOLL_NOFAULT,
				      img->pages, NULL);
		if (got <= 0 && dump == CRYO_DUMP_ALL && !vma->vm_file) {
			/*
			 * Not present: a hole, or swapped out.  A fault brings
			 * a swapped page back; a hole becomes the zero page,
			 * which FOLL_DUMP refuses, so it is skipped.
			 */
			got = cryo_gup_remote(mm, addr, 1, gup, img->pages, NULL);
		}
		if (got <= 0) {
			img->cursor = addr + PAGE_SIZE;
			continue;
		}
		keep = got;
		if (dump == CRYO_DUMP_ANON) {
			for (keep = 0; keep < got; keep++)
				if (!PageAnon(img->pages[keep]))
					break;
		}
		for (nr = keep; nr < got; nr++)
			put_page(img->pages[nr]);
		if (!keep) {
			img->cursor = addr + PAGE_SIZE;
			continue;
		}
		img->cursor = addr;
		return keep;
	}
	return 0;
}

static int cryo_emit_pages(struct cryo_image *img)
{
	struct cryo_image_pages *p;
	unsigned long addr;
	unsigned int i;
	long nr;
	u32 crc;
	int ret;

	ret = mmap_read_lock_killable(img->mm);
	if (ret)
		return ret;
	nr = cryo_pin_run(img);
	mmap_read_unlock(img->mm);
	if (nr <= 0)
		return nr;

	addr = img->cursor;
	/* Only the fixed part is staged; the pinned pages follow it. */
	p = cryo_rec_start_partial(img, CRYO_REC_PAGES,
				   sizeof(*p) + nr * PAGE_SIZE, sizeof(*p));
	p->addr = addr;
	p->nr_pages = nr;

	crc = crc32c(~0U, img->stage, img->stage_len);
	for (i = 0; i < nr; i++) {
		void *kaddr = kmap_local_page(img->pages[i]);

		crc = crc32c(crc, kaddr, PAGE_SIZE);
		kunmap_local(kaddr);
	}
	((struct cryo_rec *)img->stage)->crc = ~crc;
	img->nr_records++;
	img->bytes += img->stage_len + nr * PAGE_SIZE;
	img->nr_pages_total += nr;
	img->nr_pages = nr;
	img->page_idx = 0;
	img->page_off = 0;
	img->cursor = addr + nr * PAGE_SIZE;
	return 1;
}

static void cryo_emit_trailer(struct cryo_image *img)
{
	u64 records = img->nr_records, bytes = img->bytes;
	struct cryo_image_trailer *t;

	t = cryo_rec_start(img, CRYO_REC_TRAILER, sizeof(*t));
	t->nr_records = records;
	t->nr_pages = img->nr_pages_total;
	t->bytes = bytes;
	cryo_rec_finish(img, ~0U);
}

void cryo_image_unpin(struct cryo_image *img)
{
	while (img->page_idx < img->nr_pages)
		put_page(img->pages[img->page_idx++]);
	img->nr_pages = 0;
	img->page_idx = 0;
}

/**
 * cryo_image_next() - stage the next record
 * @img: the image, with nothing left unread of the previous record
 *
 * Return: 1 when a record was staged, 0 at the end of the image, -errno.
 */
int cryo_image_next(struct cryo_image *img)
{
	int ret;

	if (img->phase == CRYO_PH_DONE)
		return 0;
	/* The target must still be parked for every record, pages included. */
	if (!img->park || !cryo_park_alive(img->park) ||
	    (img->leader->signal->flags & SIGNAL_GROUP_EXIT))
		return -ESRCH;

	switch (img->phase) {
	case CRYO_PH_HEADER:
		cryo_emit_header(img);
		img->phase = CRYO_PH_PROCESS;
		return 1;
	case CRYO_PH_PROCESS:
		cryo_emit_process(img);
		img->phase = CRYO_PH_THREADS;
		return 1;
	case CRYO_PH_THREADS:
		if (cryo_emit_thread(img))
			return 1;
		img->phase = CRYO_PH_VMAS;
		img->cursor = 0;
		fallthrough;
	case CRYO_PH_VMAS:
		ret = cryo_emit_vma(img);
		if (ret)
			return ret;
		img->phase = CRYO_PH_PAGES;
		img->cursor = 0;
		fallthrough;
	case CRYO_PH_PAGES:
		ret = cryo_emit_pages(img);
		if (ret)
			return ret;
		img->phase = CRYO_PH_TRAILER;
		fallthrough;
	case CRYO_PH_TRAILER:
		cryo_emit_trailer(img);
		img->phase = CRYO_PH_DONE;
		return 1;
	case CRYO_PH_DONE:
		break;
	}
	return 0;
}
