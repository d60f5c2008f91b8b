// SPDX-License-Identifier: GPL-2.0
/*
 * Reading an image for a thaw: record framing and the checks of every
 * record before the first PAGES record.
 *
 * The image is untrusted.  Every record is read whole into one buffer of
 * CRYO_REC_MAX_LEN bytes, its checksum verified, its length checked
 * against its type before any field is looked at, and every field checked
 * before it is stored.  Nothing here changes the caller: files are opened
 * (load_files.c, remap.c) but not installed.
 */
#include "cryo.h"

#include <linux/auxvec.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/sched/coredump.h>
#include <linux/securebits.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/utsname.h>
#include <uapi/linux/audit.h>

#include "csum.h"
#include "park.h"
#include "reopen.h"
#include "thaw.h"

int cryo_read_exact(struct cryo_thawing *t, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = kernel_read(t->image, buf + done, len - done,
					&t->pos);

		if (n == -ERESTARTSYS || n == -EINTR)
			return cryo_thaw_fail(t, -EINTR, "interrupted");
		if (n < 0)
			return cryo_thaw_fail(t, n, "record %llu: read error",
					      t->record);
		if (n == 0)
			return cryo_thaw_fail(t, -ENODATA,
					      "record %llu: the image ends early (truncated after %llu bytes)",
					      t->record, t->bytes + done);
		done += n;
	}
	t->bytes += len;
	return 0;
}

/*
 * Nothing may follow the TRAILER (image-format.rst): read one byte more,
 * which must find the end of the image.  On a pipe or a socket this waits
 * until the writer closes it, killably.
 */
int cryo_read_end(struct cryo_thawing *t)
{
	ssize_t n;
	u8 b;

	n = kernel_read(t->image, &b, 1, &t->pos);
	if (n == -ERESTARTSYS || n == -EINTR)
		return cryo_thaw_fail(t, -EINTR, "interrupted");
	if (n < 0)
		return cryo_thaw_fail(t, n,
				      "record %llu (TRAILER): read error %zd after it",
				      t->record, -n);
	if (n > 0)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu (TRAILER): the image goes on after it (byte %llu)",
				      t->record, t->bytes);
	return 0;
}

/*
 * Read @len bytes of the image straight into the caller's memory at
 * @uaddr: for page contents, one copy from the image's page cache (or
 * pipe) to their place, instead of two through a kernel buffer.
 */
int cryo_read_user(struct cryo_thawing *t, unsigned long uaddr, size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct iovec iov = {
			.iov_base = (void __user *)(uaddr + done),
			.iov_len = len - done,
		};
		struct iov_iter it;
		ssize_t n;

		iov_iter_init(&it, READ, &iov, 1, len - done);
		n = vfs_iter_read(t->image, &it, &t->pos, 0);
		if (n == -ERESTARTSYS || n == -EINTR)
			return cryo_thaw_fail(t, -EINTR, "interrupted");
		if (n < 0)
			return cryo_thaw_fail(t, n,
					      "record %llu: read into 0x%lx failed (error %zd)",
					      t->record, uaddr + done, -n);
		if (n == 0)
			return cryo_thaw_fail(t, -ENODATA,
					      "record %llu: the image ends early (truncated after %llu bytes)",
					      t->record, t->bytes + done);
		done += n;
	}
	t->bytes += len;
	return 0;
}

/* The next record's header; the first PAGES record may have been read. */
int cryo_read_hdr(struct cryo_thawing *t, struct cryo_rec *rec)
{
	int ret;

	if (t->have_next) {
		*rec = t->next;
		t->have_next = false;
		return 0;
	}
	ret = cryo_read_exact(t, rec, sizeof(*rec));
	if (ret)
		return ret;
	if (rec->len > CRYO_REC_MAX_LEN || rec->__reserved)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu (%s): bad length %u",
				      t->record, cryo_rec_name(rec->type) ?: "unknown",
				      rec->len);
	return 0;
}

int cryo_read_payload(struct cryo_thawing *t, struct cryo_rec *rec)
{
	struct cryo_image_header *h = t->buf;
	struct xxh64_state st;
	int ret;

	ret = cryo_read_exact(t, t->buf, rec->len);
	if (ret)
		return ret;
	/* Another major may checksum differently: name the version first. */
	if (t->record == 0 && rec->type == CRYO_REC_HEADER &&
	    rec->len >= CRYO_IMAGE_HEADER_SIZE_2_0 &&
	    !memcmp(h->magic, CRYO_IMAGE_MAGIC, sizeof(h->magic)) &&
	    h->major != CRYO_IMAGE_MAJOR)
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): image format %u.%u, this module reads %u.x",
				      h->major, h->minor, CRYO_IMAGE_MAJOR);
	cryo_csum_start(&st, rec);
	cryo_csum_add(&st, t->buf, rec->len);
	if (cryo_csum_end(&st) != rec->crc)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu (%s): checksum mismatch",
				      t->record, cryo_rec_name(rec->type) ?: "unknown");
	return 0;
}

/*
 * Read one whole record into t->buf, the header into @rec.  t->record
 * stays its index until the caller is done with it.
 */
int cryo_load_rec(struct cryo_thawing *t, struct cryo_rec *rec)
{
	int ret = cryo_read_hdr(t, rec);

	if (!ret)
		ret = cryo_read_payload(t, rec);
	return ret;
}

#define cryo_bad(t, rec, fmt, ...) \
	cryo_thaw_badrec(t, (rec)->type, fmt, ##__VA_ARGS__)

/*
 * A record that grew in a minor version: as long as the image's minor
 * version made it (@old in 2.0, @now since), or longer in a newer minor.
 * What an older image lacks reads as zero.
 */
static int cryo_rec_grown(struct cryo_thawing *t, const struct cryo_rec *rec,
			  u16 minor, size_t old, size_t now)
{
	size_t want = minor ? now : old;

	if (minor <= CRYO_IMAGE_MINOR ? rec->len != want : rec->len < want)
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len,
				want);
	if (rec->len < now)
		memset(t->buf + rec->len, 0, now - rec->len);
	return 0;
}

static int cryo_load_header(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_header *h = t->buf;
	unsigned int note, fpu_size;
	int ret;

	if (rec->type != CRYO_REC_HEADER)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record 0 (%s): not an image (no HEADER first)",
				      cryo_rec_name(rec->type) ?: "unknown");
	if (rec->len < CRYO_IMAGE_HEADER_SIZE_2_0)
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len,
				sizeof(*h));
	if (memcmp(h->magic, CRYO_IMAGE_MAGIC, sizeof(h->magic)))
		return cryo_bad(t, rec, "bad magic: not a cryo image");
	if (h->major != CRYO_IMAGE_MAJOR)
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): image format %u.%u, this module reads %u.x",
				      h->major, h->minor, CRYO_IMAGE_MAJOR);
	ret = cryo_rec_grown(t, rec, h->minor, CRYO_IMAGE_HEADER_SIZE_2_0,
			     sizeof(*h));
	if (ret)
		return ret;
	if (h->arch != AUDIT_ARCH_X86_64)
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): architecture %#x, this machine is x86-64",
				      h->arch);
	if (h->page_size != PAGE_SIZE)
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): page size %u, this machine has %lu",
				      h->page_size, PAGE_SIZE);
	if (strnlen(h->release, sizeof(h->release)) == sizeof(h->release))
		return cryo_bad(t, rec, "kernel release not terminated");
	/* A layout (cryoctl layout) has no threads; a remap needs none. */
	if ((h->nr_threads == 0 && !t->remap_only) ||
	    h->nr_threads > CRYO_THAW_MAX_THREADS)
		return cryo_thaw_fail(t, h->nr_threads ? -EFBIG : -EBADMSG,
				      "record 0 (HEADER): %u threads (at most %u)",
				      h->nr_threads, CRYO_THAW_MAX_THREADS);
	if (h->freeze_flags & ~CRYO_FREEZE_ALL)
		return cryo_bad(t, rec, "unknown freeze flags %#x",
				h->freeze_flags);
	t->hdr = *h;
	if (t->remap_only)
		return 0;

	/* The vdso is mapped from this kernel: it must be the same build. */
	if (strcmp(h->release, utsname()->release))
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): frozen on kernel %s, this is %s (the vdso would differ)",
				      h->release, utsname()->release);
	ret = cryo_fpu_layout(&note, &fpu_size);
	if (ret)
		return cryo_thaw_fail(t, ret, "no FPU register set");
	if (h->fpu_size != fpu_size || (h->xfeatures & ~cryo_xfeatures()))
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): FPU state of %u bytes, features %#llx; this CPU has %u bytes, %#llx",
				      h->fpu_size, h->xfeatures, fpu_size,
				      cryo_xfeatures());
	t->threads = kvcalloc(h->nr_threads, sizeof(*t->threads),
			      GFP_KERNEL_ACCOUNT);
	if (!t->threads)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	return 0;
}

static int cryo_load_process(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_process *p = t->buf;
	u64 top = TASK_SIZE_MAX;
	int ret;

	ret = cryo_rec_grown(t, rec, t->hdr.minor, CRYO_IMAGE_PROCESS_SIZE_2_0,
			     sizeof(*p));
	if (ret)
		return ret;
	if (p->start_code > p->end_code || p->end_code > top ||
	    p->start_data > p->end_data || p->end_data > top ||
	    p->start_brk > p->brk || p->brk > top || p->start_stack > top ||
	    p->arg_start > p->arg_end || p->arg_end > top ||
	    p->env_start > p->env_end || p->env_end > top)
		return cryo_bad(t, rec, "memory bounds out of order or range");
	if (p->umask & ~0777)
		return cryo_bad(t, rec, "umask %#o", p->umask);
	/* A 64-bit Linux process: the personality's base must be PER_LINUX. */
	if ((p->personality & PER_MASK) != PER_LINUX ||
	    (p->personality & ~(PER_MASK | ADDR_NO_RANDOMIZE | ADDR_COMPAT_LAYOUT |
				ADDR_LIMIT_3GB | MMAP_PAGE_ZERO |
				READ_IMPLIES_EXEC | SHORT_INODE |
				WHOLE_SECONDS | STICKY_TIMEOUTS |
				UNAME26 | FDPIC_FUNCPTRS | ADDR_LIMIT_32BIT)))
		return cryo_bad(t, rec, "personality %#x", p->personality);
	if (p->pid <= 0 || strnlen(p->comm, sizeof(p->comm)) == sizeof(p->comm))
		return cryo_bad(t, rec, "pid %d or command name", p->pid);
	if ((p->securebits & ~(SECURE_ALL_BITS | SECURE_ALL_LOCKS)) ||
	    (p->sec_flags & ~CRYO_PROCESS_SEC_ALL) ||
	    p->oom_score_adj < OOM_SCORE_ADJ_MIN ||
	    p->oom_score_adj > OOM_SCORE_ADJ_MAX ||
	    p->dumpable > SUID_DUMP_ROOT)
		return cryo_bad(t, rec, "securebits, flags, oom_score_adj or dumpable");
	t->proc_ext = rec->len >= sizeof(*p);
	t->proc = *p;
	t->have_proc = true;
	return 0;
}

static int cryo_load_auxv(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	const u64 *v = t->buf;
	unsigned int n = rec->len / sizeof(u64);
	struct mm_struct *mm = current->mm;

	if (rec->len % (2 * sizeof(u64)) || rec->len < 2 * sizeof(u64) ||
	    rec->len > sizeof(t->auxv) || !mm ||
	    rec->len > sizeof(mm->saved_auxv))
		return cryo_bad(t, rec, "length %u", rec->len);
	if (v[n - 2] != AT_NULL)
		return cryo_bad(t, rec, "not terminated by AT_NULL");
	memcpy(t->auxv, v, rec->len);
	t->auxv_len = rec->len;
	return 0;
}

/* Bound what an image makes us hold in memory besides its records. */
int cryo_thaw_hold(struct cryo_thawing *t, u64 bytes)
{
	t->held += bytes;
	if (t->held > CRYO_THAW_MAX_HELD)
		return cryo_thaw_fail(t, -EFBIG,
				      "record %llu: names and pipe contents exceed %u MiB",
				      t->record, CRYO_THAW_MAX_HELD >> 20);
	return 0;
}

/* A path of the FS record, opened as the restored process would. */
static struct file *cryo_open_path(struct cryo_thawing *t, const char *what,
				   const char *path, int flags, umode_t type)
{
	char *name = kasprintf(GFP_KERNEL, "%s %s", what, path);
	struct file *f;

	if (!name)
		return ERR_PTR(cryo_thaw_fail(t, -ENOMEM, "out of memory"));
	f = cryo_reopen(t, name, path, flags, type);
	kfree(name);
	return f;
}

static int cryo_load_fs(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_fs *fs = t->buf;
	char *exe, *cwd, *p;
	struct file *f;
	int ret = 0;

	if (rec->len < sizeof(*fs) || fs->__reserved ||
	    fs->exe_len > PATH_MAX || fs->cwd_len > PATH_MAX ||
	    fs->root_len > PATH_MAX ||
	    rec->len != sizeof(*fs) + fs->exe_len + fs->cwd_len + fs->root_len)
		return cryo_bad(t, rec, "bad lengths");
	p = (char *)(fs + 1);
	exe = kmemdup_nul(p, fs->exe_len, GFP_KERNEL);
	cwd = kmemdup_nul(p + fs->exe_len, fs->cwd_len, GFP_KERNEL);
	if (!exe || !cwd) {
		ret = cryo_thaw_fail(t, -ENOMEM, "out of memory");
		goto out;
	}
	if (strlen(exe) != fs->exe_len || strlen(cwd) != fs->cwd_len) {
		ret = cryo_bad(t, rec, "NUL in a path");
		goto out;
	}
	if (cwd[0] == '/') {
		f = cryo_open_path(t, "working directory", cwd,
				   O_PATH | O_DIRECTORY, S_IFDIR);
		if (IS_ERR(f)) {
			ret = PTR_ERR(f);
			goto out;
		}
		t->cwd = f;
	}
	/* A deleted executable cannot be named again: keep the caller's. */
	if (exe[0] == '/' && !strstr(exe, " (deleted)")) {
		f = cryo_open_path(t, "executable", exe, O_RDONLY, S_IFREG);
		if (IS_ERR(f)) {
			ret = PTR_ERR(f);
			goto out;
		}
		t->exe = f;
	}
out:
	kfree(exe);
	kfree(cwd);
	return ret;
}

static int cryo_load_signals(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	if (rec->len != sizeof(t->sig))
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len,
				sizeof(t->sig));
	memcpy(&t->sig, t->buf, sizeof(t->sig));
	t->have_sig = true;
	if (cryo_check_signals(t))
		return cryo_bad(t, rec, "invalid signal disposition or timer");
	return 0;
}

static int cryo_load_thread(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_thawing_thread *th;
	unsigned int i;
	int ret;

	if (t->nr_threads >= t->hdr.nr_threads)
		return cryo_bad(t, rec, "more threads than the header's %u",
				t->hdr.nr_threads);
	if (rec->len != sizeof(th->rec) + t->hdr.fpu_size)
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len,
				sizeof(th->rec) + t->hdr.fpu_size);
	th = &t->threads[t->nr_threads];
	memcpy(&th->rec, t->buf, sizeof(th->rec));
	th->fpu = kvmalloc(t->hdr.fpu_size, GFP_KERNEL_ACCOUNT);
	if (!th->fpu)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	memcpy(th->fpu, t->buf + sizeof(th->rec), t->hdr.fpu_size);
	/* Count it now so that it is freed whatever happens next. */
	t->nr_threads++;
	for (i = 0; i + 1 < t->nr_threads; i++)
		if (t->threads[i].rec.tid == th->rec.tid)
			return cryo_bad(t, rec, "thread id %d twice",
					th->rec.tid);
	ret = cryo_check_thread(t, th);
	if (ret == -EOPNOTSUPP)
		return cryo_thaw_fail(t, ret,
				      "thread %d: AMX tile state, which cryo cannot restore",
				      th->rec.tid);
	if (ret)
		return cryo_bad(t, rec, "thread %d: invalid %s", th->rec.tid,
				ret == -EDOM ? "FPU state" : "registers or state");
	return 0;
}

static int cryo_load_one(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	/* A layout carries only the header and the VMAs that matter here. */
	if (t->remap_only && rec->type != CRYO_REC_VMA)
		return 0;

	switch (rec->type) {
	case CRYO_REC_PROCESS:
		return cryo_load_process(t, rec);
	case CRYO_REC_GROUPS:
		if (rec->len % sizeof(u32) ||
		    rec->len > NGROUPS_MAX * sizeof(u32))
			return cryo_bad(t, rec, "length %u", rec->len);
		t->groups = kvmalloc(rec->len ?: 1, GFP_KERNEL_ACCOUNT);
		if (!t->groups)
			return cryo_thaw_fail(t, -ENOMEM, "out of memory");
		memcpy(t->groups, t->buf, rec->len);
		t->nr_groups = rec->len / sizeof(u32);
		return 0;
	case CRYO_REC_AUXV:
		return cryo_load_auxv(t, rec);
	case CRYO_REC_FS:
		return cryo_load_fs(t, rec);
	case CRYO_REC_SIGNALS:
		return cryo_load_signals(t, rec);
	case CRYO_REC_THREAD:
		return cryo_load_thread(t, rec);
	case CRYO_REC_FILE:
		return cryo_load_file(t, rec);
	case CRYO_REC_FILE_DATA:
		return cryo_load_file_data(t, rec);
	case CRYO_REC_FD:
		return cryo_load_fd(t, rec);
	case CRYO_REC_VMA:
		return cryo_load_vma(t, rec);
	}
	return 0;
}

/* Every record up to the first PAGES (or the TRAILER), checked. */
int cryo_load_meta(struct cryo_thawing *t)
{
	int phase = 0, seen = 0, p, ret;
	struct cryo_rec rec;

	t->buf = kvmalloc(CRYO_REC_MAX_LEN, GFP_KERNEL_ACCOUNT);
	t->pages = kvcalloc(CRYO_REC_MAX_LEN / PAGE_SIZE, sizeof(*t->pages),
			    GFP_KERNEL_ACCOUNT);
	if (!t->buf || !t->pages)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	ret = cryo_load_rec(t, &rec);
	if (ret)
		return ret;
	t->record = 0;
	ret = cryo_load_header(t, &rec);
	if (ret)
		return ret;
	t->record = 1;

	for (;;) {
		ret = cryo_read_hdr(t, &rec);
		if (ret)
			return ret;
		p = cryo_rec_rank(rec.type);
		if (p < 0) {
			/* Newer minor versions may add records: skip them. */
			if (t->hdr.minor <= CRYO_IMAGE_MINOR)
				return cryo_bad(t, &rec, "unknown record type %u",
						rec.type);
			ret = cryo_read_payload(t, &rec);
			if (ret)
				return ret;
			t->record++;
			continue;
		}
		/* Up to SIGNALS each record comes once. */
		if (p < phase || p == CRYO_RANK_HEADER ||
		    (p <= CRYO_RANK_SIGNALS && p == phase && (seen & (1 << p))))
			return cryo_bad(t, &rec, "out of order");
		phase = p;
		seen |= 1 << p;
		if (p >= CRYO_RANK_PAGES) {
			/* Left for the restore, which streams the pages. */
			t->next = rec;
			t->have_next = true;
			break;
		}
		ret = cryo_read_payload(t, &rec);
		if (ret)
			return ret;
		ret = cryo_load_one(t, &rec);
		if (ret)
			return ret;
		t->record++;
	}

	if (t->remap_only)
		return 0;
	if (!t->have_proc || !t->auxv_len || !t->have_sig)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu: PROCESS, AUXV or SIGNALS missing",
				      t->record);
	if (t->nr_threads != t->hdr.nr_threads)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu: %u THREAD records, the header says %u",
				      t->record, t->nr_threads, t->hdr.nr_threads);
	if (t->threads[0].rec.tid != t->proc.pid)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu: the first thread is not the leader",
				      t->record);
	return 0;
}
