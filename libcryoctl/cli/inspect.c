// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl inspect: what an image holds, for people (text) or programs
 * (--json).
 *
 * The whole stream is read and verified; the report is printed at the end,
 * also when the image turns out damaged (then with the error).  Only the
 * metadata is kept in memory, never page contents.
 *
 * JSON output: one object.  Field names are stable: fields are added, never
 * renamed or removed.  64-bit addresses, masks and capability sets are hex
 * strings ("0x..."), because JSON numbers lose precision above 2^53; counts,
 * sizes and ids are numbers.
 *
 *   header                  object
 *     major, minor          image format version (numbers)
 *     arch                  "x86_64"
 *     audit_arch            AUDIT_ARCH_* value (hex)
 *     page_size             bytes (number)
 *     freeze_flags          array of "kill", "leave_frozen", "accept_loss";
 *                           unknown bits as hex strings
 *     nr_threads            THREAD records announced (number)
 *     fpu_size              bytes of FPU state per thread (number)
 *     xfeatures             XSAVE feature mask (hex)
 *     time_ns               CLOCK_REALTIME of the freeze, ns (number)
 *     time                  the same, "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"
 *     release               kernel release (string)
 *   process                 object, or null when the image has none
 *     pid, ppid, pgid, sid  numbers
 *     comm                  string
 *     uid, gid              objects {real, effective, saved, fs} (numbers)
 *     cap_effective, cap_permitted, cap_inheritable, cap_bset,
 *     cap_ambient           hex
 *     personality           hex
 *     umask                 octal string, "0022"
 *     mm                    object: start_code, end_code, start_data,
 *                           end_data, start_brk, brk, start_stack,
 *                           arg_start, arg_end, env_start, env_end (hex)
 *     rlimits               object keyed cpu, fsize, data, stack, core, rss,
 *                           nproc, nofile, memlock, as, locks, sigpending,
 *                           msgqueue, nice, rtprio, rttime; each
 *                           {cur, max}: a number, or null for unlimited
 *   groups                  array of supplementary group ids (numbers), or
 *                           null when the image has no GROUPS record
 *   auxv                    array of objects, every pair as stored, the
 *                           final AT_NULL included; null when absent
 *     type                  number
 *     name                  "AT_PHDR", "AT_ENTRY", ... or null if unknown
 *     value                 hex
 *   fs                      object, or null when absent
 *     exe, cwd, root        paths (strings)
 *   signals                 object, or null when absent
 *     real_value_ns         ITIMER_REAL time left, 0 if disarmed (number)
 *     real_interval_ns      its reload interval (number)
 *     actions               array of objects, only the signals whose
 *                           disposition is not all default (SIG_DFL, no
 *                           flags, restorer or mask), ascending
 *       signal              number, 1 to 64
 *       name                "SIGINT" ...; 32 and up "SIGRTMIN",
 *                           "SIGRTMIN+1" ... (the kernel's SIGRTMIN, 32)
 *       handler             hex: "0x0" SIG_DFL, "0x1" SIG_IGN, or an address
 *       flags               array of "SA_NOCLDSTOP", "SA_NOCLDWAIT",
 *                           "SA_SIGINFO", "SA_UNSUPPORTED",
 *                           "SA_EXPOSE_TAGBITS", "SA_RESTORER",
 *                           "SA_ONSTACK", "SA_RESTART", "SA_NODEFER",
 *                           "SA_RESETHAND"; unknown bits as hex strings
 *       restorer            hex
 *       mask                hex, bit n-1 = signal n
 *   threads                 array of objects
 *     tid                   number
 *     restart               "none", "syscall", "block" (else a number)
 *     regs                  object, struct user_regs_struct order: r15 r14
 *                           r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi
 *                           rdi orig_rax rip cs eflags rsp ss fs_base
 *                           gs_base ds es fs gs (hex)
 *     fs_base, gs_base      hex
 *     blocked, pending, shared_pending   signal masks, bit n-1 = signal n (hex)
 *     sigaltstack           {sp (hex), size (number), flags (hex)}
 *     fpu                   {format: "fxsave" | "xsave" (else a number),
 *                            size (number)}
 *     clear_child_tid       hex
 *     robust_list           {head (hex), len (number)}
 *     rseq                  {addr (hex), len (number), sig (hex)}
 *   files                   array of objects, the open file descriptions
 *                           in image order (id 1, 2, ...)
 *     id                    number; fds refer to it
 *     kind                  "reg", "dir", "chr", "pipe", "fifo", "other"
 *                           (else a number)
 *     open_flags            array: the access mode "O_RDONLY", "O_WRONLY",
 *                           "O_RDWR" (or "0x3"), then "O_APPEND",
 *                           "O_NONBLOCK", "O_DIRECT", "O_LARGEFILE",
 *                           "O_PATH", ... as x86-64 names them; unknown
 *                           bits as hex strings
 *     mode                  the inode's type and permissions, octal string
 *                           "0100644"
 *     pos                   file position (number)
 *     dev                   "MM:mm" of the inode's device
 *     ino, size, mtime_ns   numbers
 *     rdev                  "MM:mm", of a device file
 *     pipe_id               hex, shared by both ends of a pipe; "0x0"
 *                           for other kinds
 *     data_size             bytes saved with it: an unlinked file's
 *                           contents or a pipe's buffer (number)
 *     name                  path, or the kernel's description of a lost
 *                           file ("socket:[1234]"); null when absent
 *     unlinked              true: deleted, contents saved in the image
 *     lost                  true: not saved (taken with accept_loss)
 *   fds                     array of objects, ascending
 *     fd                    number
 *     file_id               the id of its file (number)
 *     cloexec               boolean
 *   vmas                    array of objects, ascending
 *     start, end            hex
 *     perms                 "rwxp" as in /proc/PID/maps
 *     pgoff                 file offset in bytes (hex)
 *     dev                   "MM:mm" as in /proc/PID/maps
 *     ino                   number
 *     kind                  "anon", "file", "heap", "stack", "vdso", "vvar",
 *                           "vsyscall", "special" (else a number)
 *     flags                 array of "read", "write", "exec", "shared",
 *                           "growsdown", "locked", "dontdump", "hugepage",
 *                           "nohugepage", "dontfork", "wipeonfork",
 *                           "mayshare"; unknown bits as hex strings
 *     file_size, mtime_ns   numbers
 *     name                  path or name (string), or null
 *     pages                 pages of this VMA saved in the image (number)
 *   totals                  object
 *     records               records before the trailer (number)
 *     vmas                  number
 *     files                 open file descriptions (number)
 *     fds                   descriptors (number)
 *     pages                 pages saved (number)
 *     page_bytes            pages * page_size (number)
 *     mapped_bytes          sum of the VMAs' sizes (number)
 *     unknown_records       records of types this cryoctl does not know
 *     bytes                 bytes of the image before the trailer (number)
 *   status                  "ok": complete and verified; "error": damaged
 *   error                   what and where (string), only with "error"
 *
 * When not even the header can be read, the object holds only status and
 * error.
 *
 * Strings are escaped as JSON requires; bytes that are not valid UTF-8
 * become U+FFFD.
 */
#include <assert.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "cli.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	      "cryoctl reads image payloads in place: little-endian hosts only");

static const char *const rlimit_names[16] = {
	"cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
	"memlock", "as", "locks", "sigpending", "msgqueue", "nice", "rtprio",
	"rttime",
};

static const char *const freeze_flag_names[] = {
	"kill", "leave_frozen", "accept_loss",
};

static const char *const vma_flag_names[] = {
	"read", "write", "exec", "shared", "growsdown", "locked", "dontdump",
	"hugepage", "nohugepage", "dontfork", "wipeonfork", "mayshare",
};

static const char *const vma_kind_names[] = {
	"anon", "file", "heap", "stack", "vdso", "vvar", "vsyscall", "special",
};

static const char *const restart_names[] = { "none", "syscall", "block" };

static const char *const mm_names[11] = {
	"start_code", "end_code", "start_data", "end_data", "start_brk", "brk",
	"start_stack", "arg_start", "arg_end", "env_start", "env_end",
};

/* The mm bounds of @p, in the order of mm_names[]. */
static void mm_values(const struct cryo_image_process *p, uint64_t mm[11])
{
	mm[0] = p->start_code;
	mm[1] = p->end_code;
	mm[2] = p->start_data;
	mm[3] = p->end_data;
	mm[4] = p->start_brk;
	mm[5] = p->brk;
	mm[6] = p->start_stack;
	mm[7] = p->arg_start;
	mm[8] = p->arg_end;
	mm[9] = p->env_start;
	mm[10] = p->env_end;
}

static const char *const id_names[4] = { "real", "effective", "saved", "fs" };

/* Signal names of x86-64, 1 to 31; 32 to 64 are SIGRTMIN+n (kernel's 32). */
static const char *const sig_names[32] = {
	NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
	"SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2",
	"SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
	"SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
	"SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
	"SIGSYS",
};

/* "SIGINT", "SIGRTMIN", "SIGRTMIN+3" */
static void sig_name(unsigned int sig, char *buf, size_t size)
{
	if (sig < ARRAY_SIZE(sig_names) && sig_names[sig])
		snprintf(buf, size, "%s", sig_names[sig]);
	else if (sig == 32)
		snprintf(buf, size, "SIGRTMIN");
	else
		snprintf(buf, size, "SIGRTMIN+%u", sig - 32);
}

/* The auxv types cryoctl names (<linux/auxvec.h>, x86-64). */
static const char *const auxv_names[] = {
	[0] = "AT_NULL", [1] = "AT_IGNORE", [2] = "AT_EXECFD",
	[3] = "AT_PHDR", [4] = "AT_PHENT", [5] = "AT_PHNUM",
	[6] = "AT_PAGESZ", [7] = "AT_BASE", [8] = "AT_FLAGS",
	[9] = "AT_ENTRY", [10] = "AT_NOTELF", [11] = "AT_UID",
	[12] = "AT_EUID", [13] = "AT_GID", [14] = "AT_EGID",
	[15] = "AT_PLATFORM", [16] = "AT_HWCAP", [17] = "AT_CLKTCK",
	[23] = "AT_SECURE", [24] = "AT_BASE_PLATFORM", [25] = "AT_RANDOM",
	[26] = "AT_HWCAP2", [27] = "AT_RSEQ_FEATURE_SIZE",
	[28] = "AT_RSEQ_ALIGN", [29] = "AT_HWCAP3", [30] = "AT_HWCAP4",
	[31] = "AT_EXECFN", [32] = "AT_SYSINFO", [33] = "AT_SYSINFO_EHDR",
	[51] = "AT_MINSIGSTKSZ",
};

static const char *auxv_name(uint64_t type)
{
	return type < ARRAY_SIZE(auxv_names) ? auxv_names[type] : NULL;
}

/* Auxv values that are counts or ids, printed in decimal as text. */
static bool auxv_decimal(uint64_t type)
{
	switch (type) {
	case 2: case 4: case 5: case 6: case 8: case 11: case 12: case 13:
	case 14: case 17: case 23: case 27: case 28: case 51:
		return true;
	default:
		return false;
	}
}

struct flag_name {
	uint64_t value;		/* one or more bits, all required */
	const char *name;
};

/* struct sigaction sa_flags of x86-64. */
static const struct flag_name sa_flag_names[] = {
	{ 0x00000001, "SA_NOCLDSTOP" },
	{ 0x00000002, "SA_NOCLDWAIT" },
	{ 0x00000004, "SA_SIGINFO" },
	{ 0x00000400, "SA_UNSUPPORTED" },
	{ 0x00000800, "SA_EXPOSE_TAGBITS" },
	{ 0x04000000, "SA_RESTORER" },
	{ 0x08000000, "SA_ONSTACK" },
	{ 0x10000000, "SA_RESTART" },
	{ 0x40000000, "SA_NODEFER" },
	{ 0x80000000, "SA_RESETHAND" },
};

/*
 * File status flags of x86-64 (octal, <asm-generic/fcntl.h>), beside the
 * access mode; O_SYNC and O_TMPFILE span two bits and come first.
 */
#define OPEN_ACCMODE	03
#define OPEN_PATH	010000000
static const struct flag_name open_flag_names[] = {
	{ 04010000, "O_SYNC" },
	{ 020200000, "O_TMPFILE" },
	{ 0100, "O_CREAT" },
	{ 0200, "O_EXCL" },
	{ 0400, "O_NOCTTY" },
	{ 01000, "O_TRUNC" },
	{ 02000, "O_APPEND" },
	{ 04000, "O_NONBLOCK" },
	{ 010000, "O_DSYNC" },
	{ 020000, "O_ASYNC" },
	{ 040000, "O_DIRECT" },
	{ 0100000, "O_LARGEFILE" },
	{ 0200000, "O_DIRECTORY" },
	{ 0400000, "O_NOFOLLOW" },
	{ 01000000, "O_NOATIME" },
	{ 02000000, "O_CLOEXEC" },
	{ OPEN_PATH, "O_PATH" },
};

static const char *const accmode_names[4] = {
	"O_RDONLY", "O_WRONLY", "O_RDWR", "0x3",
};

/*
 * Take the next flag out of *@rest: a name of @t, or the lowest bit left
 * as hex in @tmp.  Return: NULL when nothing is left.
 */
static const char *next_flag(uint64_t *rest, const struct flag_name *t,
			     size_t n, char *tmp, size_t size)
{
	uint64_t bit;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((*rest & t[i].value) == t[i].value) {
			*rest &= ~t[i].value;
			return t[i].name;
		}
	}
	if (!*rest)
		return NULL;
	bit = *rest & -*rest;
	*rest &= ~bit;
	snprintf(tmp, size, "0x%llx", (unsigned long long)bit);
	return tmp;
}

static const char *const file_kind_names[] = {
	NULL, "reg", "dir", "chr", "pipe", "fifo", "other",
};

static const char *const file_kind_text[] = {
	NULL, "REG", "DIR", "CHR", "PIPE", "FIFO", "OTHER",
};

struct vma_info {
	struct cryo_image_vma v;
	char *name;			/* NUL-terminated copy, or NULL */
	uint64_t pages;
};

struct file_info {
	struct cryo_image_file f;
	char *name;			/* NUL-terminated copy, or NULL */
};

struct summary {
	struct cryo_image_header hdr;
	bool have_process;
	struct cryo_image_process proc;
	bool have_groups;
	uint32_t *groups;
	size_t nr_groups;
	bool have_auxv;
	uint64_t (*auxv)[2];
	size_t nr_auxv;
	bool have_fs;
	char *fs[3];			/* exe, cwd, root */
	bool have_signals;
	struct cryo_image_signals sig;
	struct file_info *files;
	size_t nr_files;
	size_t files_size;
	struct cryo_image_fd *fds;
	size_t nr_fds;
	size_t fds_size;
	struct cryo_image_thread *threads;
	size_t nr_threads;
	size_t threads_size;
	struct vma_info *vmas;
	size_t nr_vmas;
	size_t vmas_size;
	size_t vma_cursor;
	uint64_t records;
	uint64_t pages;
	uint64_t unknown;
	uint64_t bytes;
	const char *error;		/* NULL when complete and verified */
};

static void *grow(void *p, size_t *size, size_t n, size_t elem)
{
	size_t want;

	if (n < *size)
		return p;
	want = *size ? *size * 2 : 16;
	p = realloc(p, want * elem);
	if (p)
		*size = want;
	return p;
}

static int add_thread(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_thread *t;

	t = grow(s->threads, &s->threads_size, s->nr_threads, sizeof(*t));
	if (!t)
		return -1;
	s->threads = t;
	memcpy(&t[s->nr_threads++], rec->payload, sizeof(*t));
	return 0;
}

static int add_vma(struct summary *s, const struct cryoctl_record *rec)
{
	struct vma_info *v;
	const char *name = (const char *)rec->payload + sizeof(v->v);

	v = grow(s->vmas, &s->vmas_size, s->nr_vmas, sizeof(*v));
	if (!v)
		return -1;
	s->vmas = v;
	v = &v[s->nr_vmas];
	memset(v, 0, sizeof(*v));
	memcpy(&v->v, rec->payload, sizeof(v->v));
	if (v->v.name_len) {
		v->name = strndup(name, v->v.name_len);
		if (!v->name)
			return -1;
	}
	s->nr_vmas++;
	return 0;
}

/* A copy of @len bytes at @p as a string (paths hold no NUL). */
static int dup_name(const void *p, size_t len, char **out)
{
	*out = strndup(p, len);
	return *out ? 0 : -1;
}

static int add_groups(struct summary *s, const struct cryoctl_record *rec)
{
	s->have_groups = true;
	s->nr_groups = rec->len / sizeof(uint32_t);
	if (!rec->len)
		return 0;
	s->groups = malloc(rec->len);
	if (!s->groups)
		return -1;
	memcpy(s->groups, rec->payload, rec->len);
	return 0;
}

static int add_auxv(struct summary *s, const struct cryoctl_record *rec)
{
	s->have_auxv = true;
	s->nr_auxv = rec->len / 16;
	s->auxv = malloc(rec->len);
	if (!s->auxv)
		return -1;
	memcpy(s->auxv, rec->payload, rec->len);
	return 0;
}

static int add_fs(struct summary *s, const struct cryoctl_record *rec)
{
	const char *p = (const char *)rec->payload + sizeof(struct cryo_image_fs);
	struct cryo_image_fs f;
	uint32_t len[3];
	unsigned int i;

	memcpy(&f, rec->payload, sizeof(f));
	len[0] = f.exe_len;
	len[1] = f.cwd_len;
	len[2] = f.root_len;
	s->have_fs = true;
	for (i = 0; i < 3; i++) {
		if (dup_name(p, len[i], &s->fs[i]))
			return -1;
		p += len[i];
	}
	return 0;
}

static int add_file(struct summary *s, const struct cryoctl_record *rec)
{
	struct file_info *f;
	const char *name = (const char *)rec->payload + sizeof(f->f);

	f = grow(s->files, &s->files_size, s->nr_files, sizeof(*f));
	if (!f)
		return -1;
	s->files = f;
	f = &f[s->nr_files];
	memset(f, 0, sizeof(*f));
	memcpy(&f->f, rec->payload, sizeof(f->f));
	s->nr_files++;
	if (f->f.name_len && dup_name(name, f->f.name_len, &f->name))
		return -1;
	return 0;
}

static int add_fd(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_fd *fd;

	fd = grow(s->fds, &s->fds_size, s->nr_fds, sizeof(*fd));
	if (!fd)
		return -1;
	s->fds = fd;
	memcpy(&fd[s->nr_fds++], rec->payload, sizeof(*fd));
	return 0;
}

/* The FILE an FD refers to; the reader saw to it that it exists. */
static const struct file_info *fd_file(const struct summary *s,
				       const struct cryo_image_fd *fd)
{
	if (!fd->file_id || fd->file_id > s->nr_files)
		return NULL;
	return &s->files[fd->file_id - 1];
}

/* PAGES come in ascending order, and the reader checked each is in a VMA. */
static void add_pages(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_pages p;

	memcpy(&p, rec->payload, sizeof(p));
	while (s->vma_cursor < s->nr_vmas &&
	       s->vmas[s->vma_cursor].v.end <= p.addr)
		s->vma_cursor++;
	if (s->vma_cursor < s->nr_vmas)
		s->vmas[s->vma_cursor].pages += p.nr_pages;
	s->pages += p.nr_pages;
}

/*
 * Read the whole image into @s.  Return: EXIT_OK, or EXIT_FAIL with
 * s->error set (the image is damaged) or an error printed (no memory).
 */
static int collect(struct cryoctl_image *img, struct summary *s)
{
	const struct cryo_image_trailer *t;
	struct cryoctl_record rec;
	int ret;

	memcpy(&s->hdr, cryoctl_image_header(img), sizeof(s->hdr));
	while ((ret = cryoctl_image_next(img, &rec)) > 0) {
		s->records++;
		s->bytes = rec.offset + sizeof(struct cryo_rec) + rec.len;
		switch (rec.type) {
		case CRYO_REC_HEADER:
			break;
		case CRYO_REC_PROCESS:
			/* A 2.0 image's is shorter: the rest reads as 0. */
			memcpy(&s->proc, rec.payload, rec.len < sizeof(s->proc) ?
			       rec.len : sizeof(s->proc));
			s->have_process = true;
			break;
		case CRYO_REC_GROUPS:
			if (add_groups(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_AUXV:
			if (add_auxv(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_FS:
			if (add_fs(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_SIGNALS:
			memcpy(&s->sig, rec.payload, sizeof(s->sig));
			s->have_signals = true;
			break;
		case CRYO_REC_THREAD:
			if (add_thread(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_FILE:
			if (add_file(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_FILE_DATA:
			break;
		case CRYO_REC_FD:
			if (add_fd(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_VMA:
			if (add_vma(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_PAGES:
			add_pages(s, &rec);
			break;
		default:
			s->unknown++;
			break;
		}
	}
	if (ret == 0) {
		t = cryoctl_image_trailer(img);
		s->records = t->nr_records;
		s->bytes = t->bytes;
		return EXIT_OK;
	}
	s->error = cryoctl_image_error(img, NULL, NULL);
	if (!s->error)
		s->error = "read failed";
	return EXIT_FAIL;

out_nomem:
	cli_err("inspect: out of memory");
	s->error = "out of memory";
	return EXIT_FAIL;
}

static void free_summary(struct summary *s)
{
	size_t i;

	for (i = 0; i < s->nr_vmas; i++)
		free(s->vmas[i].name);
	free(s->vmas);
	free(s->threads);
	for (i = 0; i < s->nr_files; i++)
		free(s->files[i].name);
	free(s->files);
	free(s->fds);
	for (i = 0; i < ARRAY_SIZE(s->fs); i++)
		free(s->fs[i]);
	free(s->auxv);
	free(s->groups);
}

/* "2024-05-01 12:34:56.123456789" (@iso: "2024-05-01T12:34:56.123456789Z") */
static void format_time(uint64_t ns, bool iso, char *buf, size_t size)
{
	time_t secs = ns / 1000000000ULL;
	char date[48];
	struct tm tm;

	if (!gmtime_r(&secs, &tm) ||
	    !strftime(date, sizeof(date), iso ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(date, sizeof(date), "@%lld", (long long)secs);
	snprintf(buf, size, "%s.%09llu%s", date,
		 (unsigned long long)(ns % 1000000000ULL), iso ? "Z" : " UTC");
}

static void human_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	int i = -1;

	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[i]);
}

/* ---- text ---------------------------------------------------------------- */

static void text_str(const char *label, const char *s, size_t max)
{
	size_t i;

	printf("%-16s", label);
	for (i = 0; i < max && s[i]; i++)
		putchar((unsigned char)s[i] >= 0x20 && s[i] != 0x7f ? s[i] : '?');
	putchar('\n');
}

static void text_flags(uint64_t flags, const char *const *names, size_t n)
{
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		if (!(flags & (1ULL << bit)))
			continue;
		if (bit < n)
			printf(" %s", names[bit]);
		else
			printf(" bit%u", bit);
	}
}

static void text_sigmask(const char *label, uint64_t mask)
{
	unsigned int sig;
	const char *name;

	printf("  %-16s0x%016llx", label, (unsigned long long)mask);
	for (sig = 1; sig <= 64; sig++) {
		if (!(mask & (1ULL << (sig - 1))))
			continue;
		name = sig < 32 ? sigabbrev_np(sig) : NULL;
		if (name)
			printf(" %s", name);
		else
			printf(" %u", sig);
	}
	putchar('\n');
}

static void text_rlimit(uint64_t v)
{
	if (v == UINT64_MAX)
		printf(" %20s", "unlimited");
	else
		printf(" %20llu", (unsigned long long)v);
}

static void text_header(const struct cryo_image_header *h)
{
	char buf[64];

	printf("%-16s%u.%u, %s, page size %u\n", "format", h->major, h->minor,
	       h->arch == AUDIT_ARCH_X86_64 ? "x86_64" : "unknown arch",
	       h->page_size);
	format_time(h->time_ns, false, buf, sizeof(buf));
	printf("%-16s%s\n", "frozen at", buf);
	text_str("kernel", h->release, sizeof(h->release));
	printf("%-16s0x%x", "freeze flags", h->freeze_flags);
	text_flags(h->freeze_flags, freeze_flag_names, ARRAY_SIZE(freeze_flag_names));
	printf("\n%-16s%u\n", "threads", h->nr_threads);
	printf("%-16s0x%llx, FPU state %u bytes per thread\n", "xfeatures",
	       (unsigned long long)h->xfeatures, h->fpu_size);
}

/* @len bytes of @p, control characters shown as '?'. */
static void text_bytes(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && p[i]; i++)
		putchar((unsigned char)p[i] >= 0x20 && p[i] != 0x7f ? p[i] : '?');
}

static void text_bits(uint64_t v, const struct flag_name *t, size_t n)
{
	const char *name;
	char tmp[24];
	bool first = true;

	while ((name = next_flag(&v, t, n, tmp, sizeof(tmp)))) {
		printf("%s%s", first ? "" : "|", name);
		first = false;
	}
	if (first)
		putchar('0');
}

static void text_groups(const struct summary *s)
{
	size_t k;

	if (!s->have_groups)
		return;
	printf("  %-16s", "groups");
	for (k = 0; k < s->nr_groups; k++)
		printf("%s%u", k ? " " : "", s->groups[k]);
	printf("%s\n", s->nr_groups ? "" : "(none)");
}

static void text_fs(const struct summary *s)
{
	static const char *const fs_names[3] = { "exe", "cwd", "root" };
	unsigned int i;

	if (!s->have_fs)
		return;
	for (i = 0; i < ARRAY_SIZE(fs_names); i++) {
		printf("  %-16s", fs_names[i]);
		text_bytes(s->fs[i], SIZE_MAX);
		putchar('\n');
	}
}

/* PROCESS, with the groups and the paths of GROUPS and FS. */
static void text_process(const struct summary *s)
{
	const struct cryo_image_process *p = &s->proc;
	uint64_t mm[ARRAY_SIZE(mm_names)];
	unsigned int i;

	printf("\nprocess\n");
	if (!s->have_process) {
		/* A damaged image may hold the records after it. */
		text_groups(s);
		text_fs(s);
		return;
	}
	mm_values(p, mm);
	printf("  %-16spid %d, ppid %d, pgid %d, sid %d\n", "ids", p->pid,
	       p->ppid, p->pgid, p->sid);
	printf("  ");
	text_str("comm", p->comm, sizeof(p->comm));
	text_fs(s);
	printf("  %-16s%u %u %u %u (real effective saved fs)\n", "uid",
	       p->uid[0], p->uid[1], p->uid[2], p->uid[3]);
	printf("  %-16s%u %u %u %u (real effective saved fs)\n", "gid",
	       p->gid[0], p->gid[1], p->gid[2], p->gid[3]);
	text_groups(s);
	printf("  %-16s0x%016llx\n", "cap_effective",
	       (unsigned long long)p->cap_effective);
	printf("  %-16s0x%016llx\n", "cap_permitted",
	       (unsigned long long)p->cap_permitted);
	printf("  %-16s0x%016llx\n", "cap_inheritable",
	       (unsigned long long)p->cap_inheritable);
	printf("  %-16s0x%016llx\n", "cap_bset", (unsigned long long)p->cap_bset);
	printf("  %-16s0x%016llx\n", "cap_ambient",
	       (unsigned long long)p->cap_ambient);
	printf("  %-16s0x%08x\n", "personality", p->personality);
	printf("  %-16s%04o\n", "umask", p->umask);
	for (i = 0; i < ARRAY_SIZE(mm_names); i++)
		printf("  %-16s0x%016llx\n", mm_names[i], (unsigned long long)mm[i]);
	printf("  %-16s%20s %20s\n", "rlimit", "soft", "hard");
	for (i = 0; i < ARRAY_SIZE(rlimit_names); i++) {
		printf("    %-14s", rlimit_names[i]);
		text_rlimit(p->rlim[i][0]);
		text_rlimit(p->rlim[i][1]);
		putchar('\n');
	}
}

static void text_thread(const struct cryo_image_thread *t)
{
	unsigned int i;

	printf("\nthread %d\n", t->tid);
	printf("  %-16s%s\n", "restart",
	       t->restart < ARRAY_SIZE(restart_names) ? restart_names[t->restart] : "?");
	for (i = 0; i < CRYO_NR_REGS; i++)
		printf("  %-8s 0x%016llx%s", cryo_reg_name(i),
		       (unsigned long long)t->regs[i],
		       i % 3 == 2 || i == CRYO_NR_REGS - 1 ? "\n" : "");
	printf("  %-16s0x%016llx\n", "fs_base", (unsigned long long)t->fs_base);
	printf("  %-16s0x%016llx\n", "gs_base", (unsigned long long)t->gs_base);
	text_sigmask("blocked", t->blocked);
	text_sigmask("pending", t->pending);
	text_sigmask("shared_pending", t->shared_pending);
	printf("  %-16ssp 0x%llx, size %llu, flags 0x%x\n", "sigaltstack",
	       (unsigned long long)t->sas_sp, (unsigned long long)t->sas_size,
	       t->sas_flags);
	printf("  %-16s0x%llx, len %llu\n", "robust_list",
	       (unsigned long long)t->robust_list,
	       (unsigned long long)t->robust_list_len);
	printf("  %-16s0x%llx, len %u, sig 0x%08x\n", "rseq",
	       (unsigned long long)t->rseq, t->rseq_len, t->rseq_sig);
	printf("  %-16s0x%llx\n", "clear_child_tid",
	       (unsigned long long)t->clear_child_tid);
	printf("  %-16s%s, %u bytes\n", "fpu",
	       t->fpu_format == CRYO_FPU_FXSAVE ? "fxsave" :
	       t->fpu_format == CRYO_FPU_XSAVE ? "xsave" : "unknown format",
	       t->fpu_size);
}

/* The vector without its AT_NULL end. */
static void text_auxv(const struct summary *s)
{
	const char *name;
	char num[24];
	size_t i;

	printf("\nauxv\n");
	for (i = 0; i < s->nr_auxv && s->auxv[i][0]; i++) {
		name = auxv_name(s->auxv[i][0]);
		if (!name) {
			snprintf(num, sizeof(num), "%llu",
				 (unsigned long long)s->auxv[i][0]);
			name = num;
		}
		if (auxv_decimal(s->auxv[i][0]))
			printf("  %-20s%llu\n", name,
			       (unsigned long long)s->auxv[i][1]);
		else
			printf("  %-20s0x%llx\n", name,
			       (unsigned long long)s->auxv[i][1]);
	}
}

static bool sigaction_is_default(const struct cryo_image_sigaction *a)
{
	return !a->handler && !a->flags && !a->restorer && !a->mask;
}

static void text_signals(const struct cryo_image_signals *sig)
{
	const struct cryo_image_sigaction *a;
	unsigned int n, shown = 0;
	char name[24], label[32];

	printf("\nsignals\n");
	if (sig->real_value_ns || sig->real_interval_ns)
		printf("  %-16s%llu.%09llu s left, interval %llu.%09llu s\n",
		       "itimer real",
		       (unsigned long long)(sig->real_value_ns / 1000000000ULL),
		       (unsigned long long)(sig->real_value_ns % 1000000000ULL),
		       (unsigned long long)(sig->real_interval_ns / 1000000000ULL),
		       (unsigned long long)(sig->real_interval_ns % 1000000000ULL));
	else
		printf("  %-16sdisarmed\n", "itimer real");
	for (n = 1; n <= ARRAY_SIZE(sig->action); n++) {
		a = &sig->action[n - 1];
		if (sigaction_is_default(a))
			continue;
		shown++;
		sig_name(n, name, sizeof(name));
		snprintf(label, sizeof(label), "%s (%u)", name, n);
		printf("  %-16s", label);
		if (a->handler == 0)
			printf("handler SIG_DFL");
		else if (a->handler == 1)
			printf("handler SIG_IGN");
		else
			printf("handler 0x%llx", (unsigned long long)a->handler);
		printf(", flags ");
		text_bits(a->flags, sa_flag_names, ARRAY_SIZE(sa_flag_names));
		printf(", restorer 0x%llx, mask 0x%llx\n",
		       (unsigned long long)a->restorer,
		       (unsigned long long)a->mask);
	}
	if (!shown)
		printf("  %-16sall default\n", "actions");
}

/* "rw-": readable, writable, O_PATH (neither, just a handle). */
static void file_access(uint32_t open_flags, char acc[4])
{
	uint32_t mode = open_flags & OPEN_ACCMODE;
	bool path = open_flags & OPEN_PATH;

	acc[0] = !path && (mode == 0 || mode == 2) ? 'r' : '-';
	acc[1] = !path && (mode == 1 || mode == 2) ? 'w' : '-';
	acc[2] = path ? 'p' : '-';
	acc[3] = 0;
}

static void text_open_flags(uint32_t open_flags)
{
	printf("%s", accmode_names[open_flags & OPEN_ACCMODE]);
	if (open_flags & ~OPEN_ACCMODE) {
		putchar('|');
		text_bits(open_flags & ~OPEN_ACCMODE, open_flag_names,
			  ARRAY_SIZE(open_flag_names));
	}
}

/* fd 3 -> file 2 REG rw- pos 4096 flags O_RDWR|O_APPEND path /tmp/x ... */
static void text_fd(const struct summary *s, const struct cryo_image_fd *fd)
{
	const struct file_info *fi = fd_file(s, fd);
	const struct cryo_image_file *f;
	unsigned int maj, min;
	char acc[4];

	printf("  fd %u -> file %u", fd->fd, fd->file_id);
	if (!fi) {
		printf(" (unknown)\n");
		return;
	}
	f = &fi->f;
	if (f->kind < ARRAY_SIZE(file_kind_text) && file_kind_text[f->kind])
		printf(" %s", file_kind_text[f->kind]);
	else
		printf(" kind %u", f->kind);
	file_access(f->open_flags, acc);
	printf(" %s pos %lld flags ", acc, (long long)f->pos);
	text_open_flags(f->open_flags);
	if (fi->name) {
		if (f->kind == CRYO_FILE_PIPE || f->kind == CRYO_FILE_OTHER)
			putchar(' ');
		else
			printf(" path ");
		text_bytes(fi->name, SIZE_MAX);
	}
	if (f->kind == CRYO_FILE_CHR) {
		cli_dev_split(f->rdev, &maj, &min);
		printf(" rdev %u:%u", maj, min);
	}
	if (f->kind == CRYO_FILE_PIPE || f->kind == CRYO_FILE_FIFO) {
		printf(" pipe 0x%llx", (unsigned long long)f->pipe_id);
		if (f->data_size)
			printf(" [%llu bytes buffered]",
			       (unsigned long long)f->data_size);
	}
	if (f->flags & CRYO_FILE_UNLINKED)
		printf(" [unlinked, %llu bytes saved]",
		       (unsigned long long)f->data_size);
	if (f->flags & CRYO_FILE_LOST)
		printf(" [LOST]");
	if (fd->flags & CRYO_FD_CLOEXEC)
		printf(" cloexec");
	putchar('\n');
}

static void text_files(const struct summary *s)
{
	size_t i, lost = 0;

	for (i = 0; i < s->nr_files; i++)
		if (s->files[i].f.flags & CRYO_FILE_LOST)
			lost++;
	printf("\n%-16s%zu open file descriptions", "files", s->nr_files);
	if (lost)
		printf(" (%zu LOST)", lost);
	printf(", %zu descriptors\n", s->nr_fds);
	for (i = 0; i < s->nr_fds; i++)
		text_fd(s, &s->fds[i]);
}

static void text_totals(const struct summary *s)
{
	uint64_t mapped = 0, nr_file = 0, nr_anon = 0;
	char a[32], b[32];
	size_t i;

	for (i = 0; i < s->nr_vmas; i++) {
		mapped += s->vmas[i].v.end - s->vmas[i].v.start;
		if (s->vmas[i].v.kind == CRYO_VMA_FILE)
			nr_file++;
		else if (s->vmas[i].v.kind == CRYO_VMA_ANON)
			nr_anon++;
	}
	human_size(mapped, a, sizeof(a));
	human_size(s->pages * s->hdr.page_size, b, sizeof(b));
	printf("\n%-16s%zu VMAs (%llu file, %llu anonymous, %llu other), %s mapped\n",
	       "memory", s->nr_vmas, (unsigned long long)nr_file,
	       (unsigned long long)nr_anon,
	       (unsigned long long)(s->nr_vmas - nr_file - nr_anon), a);
	printf("%-16s%llu pages saved (%s)\n", "", (unsigned long long)s->pages, b);
	printf("%-16s%llu records, %llu bytes before the trailer", "image",
	       (unsigned long long)s->records, (unsigned long long)s->bytes);
	if (s->unknown)
		printf(", %llu of unknown types", (unsigned long long)s->unknown);
	printf(s->error ? ", DAMAGED\n" : ", verified\n");
}

static void print_text(const struct summary *s)
{
	size_t i;

	text_header(&s->hdr);
	if (s->have_process || s->have_groups || s->have_fs)
		text_process(s);
	if (s->have_auxv)
		text_auxv(s);
	if (s->have_signals)
		text_signals(&s->sig);
	for (i = 0; i < s->nr_threads; i++)
		text_thread(&s->threads[i]);
	if (s->have_process || s->nr_files)
		text_files(s);
	text_totals(s);
}

/* ---- JSON ---------------------------------------------------------------- */

struct json {
	int depth;
	bool need_comma;
};

static void j_indent(struct json *j)
{
	printf("%s\n%*s", j->need_comma ? "," : "", j->depth * 2, "");
	j->need_comma = true;
}

static void j_key(struct json *j, const char *key)
{
	j_indent(j);
	if (key)
		printf("\"%s\": ", key);
}

static void j_open(struct json *j, const char *key, char c)
{
	j_key(j, key);
	putchar(c);
	j->depth++;
	j->need_comma = false;
}

static void j_close(struct json *j, char c)
{
	j->depth--;
	if (j->need_comma)
		printf("\n%*s", j->depth * 2, "");
	putchar(c);
	j->need_comma = true;
}

static void j_u64(struct json *j, const char *key, uint64_t v)
{
	j_key(j, key);
	printf("%llu", (unsigned long long)v);
}

static void j_s64(struct json *j, const char *key, int64_t v)
{
	j_key(j, key);
	printf("%lld", (long long)v);
}

static void j_hex(struct json *j, const char *key, uint64_t v)
{
	j_key(j, key);
	printf("\"0x%llx\"", (unsigned long long)v);
}

static void j_lit(struct json *j, const char *key, const char *lit)
{
	j_key(j, key);
	fputs(lit, stdout);
}

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string of at most @max bytes of @str, stopping at a NUL. */
static void j_str(struct json *j, const char *key, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, n = strnlen(str, max), len;

	j_key(j, key);
	putchar('"');
	for (i = 0; i < n; i += len) {
		len = utf8_len(s + i, n - i);
		if (!len) {
			fputs("\\ufffd", stdout);
			len = 1;
		} else if (s[i] == '"' || s[i] == '\\') {
			printf("\\%c", s[i]);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			printf("\\u%04x", s[i]);
		} else {
			fwrite(s + i, 1, len, stdout);
		}
	}
	putchar('"');
}

static void j_flags(struct json *j, const char *key, uint64_t flags,
		    const char *const *names, size_t n)
{
	unsigned int bit;
	char tmp[24];

	j_open(j, key, '[');
	for (bit = 0; bit < 64; bit++) {
		if (!(flags & (1ULL << bit)))
			continue;
		if (bit < n) {
			j_str(j, NULL, names[bit], SIZE_MAX);
		} else {
			snprintf(tmp, sizeof(tmp), "0x%llx", 1ULL << bit);
			j_str(j, NULL, tmp, sizeof(tmp));
		}
	}
	j_close(j, ']');
}

static void j_enum(struct json *j, const char *key, uint32_t v,
		   const char *const *names, size_t n)
{
	if (v < n)
		j_str(j, key, names[v], SIZE_MAX);
	else
		j_u64(j, key, v);
}

static void j_rlimit(struct json *j, const char *key, uint64_t v)
{
	if (v == UINT64_MAX)
		j_lit(j, key, "null");
	else
		j_u64(j, key, v);
}

static void json_header(struct json *j, const struct cryo_image_header *h)
{
	char buf[64];

	j_open(j, "header", '{');
	j_u64(j, "major", h->major);
	j_u64(j, "minor", h->minor);
	j_str(j, "arch", h->arch == AUDIT_ARCH_X86_64 ? "x86_64" : "unknown", 16);
	j_hex(j, "audit_arch", h->arch);
	j_u64(j, "page_size", h->page_size);
	j_flags(j, "freeze_flags", h->freeze_flags, freeze_flag_names,
		ARRAY_SIZE(freeze_flag_names));
	j_u64(j, "nr_threads", h->nr_threads);
	j_u64(j, "fpu_size", h->fpu_size);
	j_hex(j, "xfeatures", h->xfeatures);
	j_u64(j, "time_ns", h->time_ns);
	format_time(h->time_ns, true, buf, sizeof(buf));
	j_str(j, "time", buf, sizeof(buf));
	j_str(j, "release", h->release, sizeof(h->release));
	j_close(j, '}');
}

static void json_ids(struct json *j, const char *key, const uint32_t ids[4])
{
	unsigned int i;

	j_open(j, key, '{');
	for (i = 0; i < 4; i++)
		j_u64(j, id_names[i], ids[i]);
	j_close(j, '}');
}

static void json_process(struct json *j, const struct cryo_image_process *p)
{
	uint64_t mm[ARRAY_SIZE(mm_names)];
	char umask[16];
	unsigned int i;

	mm_values(p, mm);
	j_open(j, "process", '{');
	j_s64(j, "pid", p->pid);
	j_s64(j, "ppid", p->ppid);
	j_s64(j, "pgid", p->pgid);
	j_s64(j, "sid", p->sid);
	j_str(j, "comm", p->comm, sizeof(p->comm));
	json_ids(j, "uid", p->uid);
	json_ids(j, "gid", p->gid);
	j_hex(j, "cap_effective", p->cap_effective);
	j_hex(j, "cap_permitted", p->cap_permitted);
	j_hex(j, "cap_inheritable", p->cap_inheritable);
	j_hex(j, "cap_bset", p->cap_bset);
	j_hex(j, "cap_ambient", p->cap_ambient);
	j_hex(j, "personality", p->personality);
	snprintf(umask, sizeof(umask), "%04o", p->umask);
	j_str(j, "umask", umask, sizeof(umask));
	j_open(j, "mm", '{');
	for (i = 0; i < ARRAY_SIZE(mm_names); i++)
		j_hex(j, mm_names[i], mm[i]);
	j_close(j, '}');
	j_open(j, "rlimits", '{');
	for (i = 0; i < ARRAY_SIZE(rlimit_names); i++) {
		j_open(j, rlimit_names[i], '{');
		j_rlimit(j, "cur", p->rlim[i][0]);
		j_rlimit(j, "max", p->rlim[i][1]);
		j_close(j, '}');
	}
	j_close(j, '}');
	j_close(j, '}');
}

static void json_thread(struct json *j, const struct cryo_image_thread *t)
{
	unsigned int i;

	j_open(j, NULL, '{');
	j_s64(j, "tid", t->tid);
	j_enum(j, "restart", t->restart, restart_names, ARRAY_SIZE(restart_names));
	j_open(j, "regs", '{');
	for (i = 0; i < CRYO_NR_REGS; i++)
		j_hex(j, cryo_reg_name(i), t->regs[i]);
	j_close(j, '}');
	j_hex(j, "fs_base", t->fs_base);
	j_hex(j, "gs_base", t->gs_base);
	j_hex(j, "blocked", t->blocked);
	j_hex(j, "pending", t->pending);
	j_hex(j, "shared_pending", t->shared_pending);
	j_open(j, "sigaltstack", '{');
	j_hex(j, "sp", t->sas_sp);
	j_u64(j, "size", t->sas_size);
	j_hex(j, "flags", t->sas_flags);
	j_close(j, '}');
	j_open(j, "fpu", '{');
	if (t->fpu_format == CRYO_FPU_FXSAVE)
		j_str(j, "format", "fxsave", 8);
	else if (t->fpu_format == CRYO_FPU_XSAVE)
		j_str(j, "format", "xsave", 8);
	else
		j_u64(j, "format", t->fpu_format);
	j_u64(j, "size", t->fpu_size);
	j_close(j, '}');
	j_hex(j, "clear_child_tid", t->clear_child_tid);
	j_open(j, "robust_list", '{');
	j_hex(j, "head", t->robust_list);
	j_u64(j, "len", t->robust_list_len);
	j_close(j, '}');
	j_open(j, "rseq", '{');
	j_hex(j, "addr", t->rseq);
	j_u64(j, "len", t->rseq_len);
	j_hex(j, "sig", t->rseq_sig);
	j_close(j, '}');
	j_close(j, '}');
}

static void json_vma(struct json *j, const struct vma_info *vi)
{
	const struct cryo_image_vma *v = &vi->v;
	unsigned int maj, min;
	char buf[32];

	j_open(j, NULL, '{');
	j_hex(j, "start", v->start);
	j_hex(j, "end", v->end);
	cli_vma_perms(v, buf);
	j_str(j, "perms", buf, sizeof(buf));
	j_hex(j, "pgoff", v->pgoff);
	cli_dev_split(v->dev, &maj, &min);
	snprintf(buf, sizeof(buf), "%02x:%02x", maj, min);
	j_str(j, "dev", buf, sizeof(buf));
	j_u64(j, "ino", v->ino);
	j_enum(j, "kind", v->kind, vma_kind_names, ARRAY_SIZE(vma_kind_names));
	j_flags(j, "flags", v->flags, vma_flag_names, ARRAY_SIZE(vma_flag_names));
	j_u64(j, "file_size", v->file_size);
	j_s64(j, "mtime_ns", v->mtime_ns);
	if (vi->name)
		j_str(j, "name", vi->name, v->name_len);
	else
		j_lit(j, "name", "null");
	j_u64(j, "pages", vi->pages);
	j_close(j, '}');
}

static void j_bits(struct json *j, const char *key, uint64_t v,
		   const struct flag_name *t, size_t n)
{
	const char *name;
	char tmp[24];

	j_open(j, key, '[');
	while ((name = next_flag(&v, t, n, tmp, sizeof(tmp))))
		j_str(j, NULL, name, SIZE_MAX);
	j_close(j, ']');
}

/* The access mode's name, then the other flags. */
static void j_open_flags(struct json *j, const char *key, uint32_t flags)
{
	uint64_t rest = flags & ~OPEN_ACCMODE;
	const char *name;
	char tmp[24];

	j_open(j, key, '[');
	j_str(j, NULL, accmode_names[flags & OPEN_ACCMODE], SIZE_MAX);
	while ((name = next_flag(&rest, open_flag_names,
				 ARRAY_SIZE(open_flag_names), tmp, sizeof(tmp))))
		j_str(j, NULL, name, SIZE_MAX);
	j_close(j, ']');
}

static void j_bool(struct json *j, const char *key, bool v)
{
	j_lit(j, key, v ? "true" : "false");
}

/* A path of the image, or null when it is absent. */
static void j_name(struct json *j, const char *key, const char *name)
{
	if (name)
		j_str(j, key, name, SIZE_MAX);
	else
		j_lit(j, key, "null");
}

static void json_process_more(struct json *j, const struct summary *s)
{
	const char *name;
	size_t i;

	if (s->have_groups) {
		j_open(j, "groups", '[');
		for (i = 0; i < s->nr_groups; i++)
			j_u64(j, NULL, s->groups[i]);
		j_close(j, ']');
	} else {
		j_lit(j, "groups", "null");
	}
	if (s->have_auxv) {
		j_open(j, "auxv", '[');
		for (i = 0; i < s->nr_auxv; i++) {
			j_open(j, NULL, '{');
			j_u64(j, "type", s->auxv[i][0]);
			name = auxv_name(s->auxv[i][0]);
			j_name(j, "name", name);
			j_hex(j, "value", s->auxv[i][1]);
			j_close(j, '}');
		}
		j_close(j, ']');
	} else {
		j_lit(j, "auxv", "null");
	}
	if (s->have_fs) {
		j_open(j, "fs", '{');
		j_name(j, "exe", s->fs[0]);
		j_name(j, "cwd", s->fs[1]);
		j_name(j, "root", s->fs[2]);
		j_close(j, '}');
	} else {
		j_lit(j, "fs", "null");
	}
}

static void json_signals(struct json *j, const struct summary *s)
{
	const struct cryo_image_sigaction *a;
	char name[24];
	unsigned int n;

	if (!s->have_signals) {
		j_lit(j, "signals", "null");
		return;
	}
	j_open(j, "signals", '{');
	j_u64(j, "real_value_ns", s->sig.real_value_ns);
	j_u64(j, "real_interval_ns", s->sig.real_interval_ns);
	j_open(j, "actions", '[');
	for (n = 1; n <= ARRAY_SIZE(s->sig.action); n++) {
		a = &s->sig.action[n - 1];
		if (sigaction_is_default(a))
			continue;
		j_open(j, NULL, '{');
		j_u64(j, "signal", n);
		sig_name(n, name, sizeof(name));
		j_str(j, "name", name, sizeof(name));
		j_hex(j, "handler", a->handler);
		j_bits(j, "flags", a->flags, sa_flag_names,
		       ARRAY_SIZE(sa_flag_names));
		j_hex(j, "restorer", a->restorer);
		j_hex(j, "mask", a->mask);
		j_close(j, '}');
	}
	j_close(j, ']');
	j_close(j, '}');
}

static void json_file(struct json *j, const struct file_info *fi)
{
	const struct cryo_image_file *f = &fi->f;
	unsigned int maj, min;
	char buf[32];

	j_open(j, NULL, '{');
	j_u64(j, "id", f->id);
	if (f->kind < ARRAY_SIZE(file_kind_names) && file_kind_names[f->kind])
		j_str(j, "kind", file_kind_names[f->kind], SIZE_MAX);
	else
		j_u64(j, "kind", f->kind);
	j_open_flags(j, "open_flags", f->open_flags);
	snprintf(buf, sizeof(buf), "%07o", f->mode);
	j_str(j, "mode", buf, sizeof(buf));
	j_s64(j, "pos", f->pos);
	cli_dev_split(f->dev, &maj, &min);
	snprintf(buf, sizeof(buf), "%02x:%02x", maj, min);
	j_str(j, "dev", buf, sizeof(buf));
	j_u64(j, "ino", f->ino);
	j_u64(j, "size", f->size);
	j_s64(j, "mtime_ns", f->mtime_ns);
	cli_dev_split(f->rdev, &maj, &min);
	snprintf(buf, sizeof(buf), "%02x:%02x", maj, min);
	j_str(j, "rdev", buf, sizeof(buf));
	j_hex(j, "pipe_id", f->pipe_id);
	j_u64(j, "data_size", f->data_size);
	j_name(j, "name", fi->name);
	j_bool(j, "unlinked", f->flags & CRYO_FILE_UNLINKED);
	j_bool(j, "lost", f->flags & CRYO_FILE_LOST);
	j_close(j, '}');
}

static void print_json(const struct summary *s)
{
	struct json j = { .depth = 1 };
	uint64_t mapped = 0;
	size_t i;

	putchar('{');
	json_header(&j, &s->hdr);
	if (s->have_process)
		json_process(&j, &s->proc);
	else
		j_lit(&j, "process", "null");
	json_process_more(&j, s);
	json_signals(&j, s);
	j_open(&j, "threads", '[');
	for (i = 0; i < s->nr_threads; i++)
		json_thread(&j, &s->threads[i]);
	j_close(&j, ']');
	j_open(&j, "files", '[');
	for (i = 0; i < s->nr_files; i++)
		json_file(&j, &s->files[i]);
	j_close(&j, ']');
	j_open(&j, "fds", '[');
	for (i = 0; i < s->nr_fds; i++) {
		j_open(&j, NULL, '{');
		j_u64(&j, "fd", s->fds[i].fd);
		j_u64(&j, "file_id", s->fds[i].file_id);
		j_bool(&j, "cloexec", s->fds[i].flags & CRYO_FD_CLOEXEC);
		j_close(&j, '}');
	}
	j_close(&j, ']');
	j_open(&j, "vmas", '[');
	for (i = 0; i < s->nr_vmas; i++) {
		json_vma(&j, &s->vmas[i]);
		mapped += s->vmas[i].v.end - s->vmas[i].v.start;
	}
	j_close(&j, ']');
	j_open(&j, "totals", '{');
	j_u64(&j, "records", s->records);
	j_u64(&j, "vmas", s->nr_vmas);
	j_u64(&j, "files", s->nr_files);
	j_u64(&j, "fds", s->nr_fds);
	j_u64(&j, "pages", s->pages);
	j_u64(&j, "page_bytes", s->pages * s->hdr.page_size);
	j_u64(&j, "mapped_bytes", mapped);
	j_u64(&j, "unknown_records", s->unknown);
	j_u64(&j, "bytes", s->bytes);
	j_close(&j, '}');
	j_str(&j, "status", s->error ? "error" : "ok", 8);
	if (s->error)
		j_str(&j, "error", s->error, SIZE_MAX);
	j_close(&j, '}');
	putchar('\n');
}

/* Not even the header could be read: only status and error. */
static void print_json_failure(const struct cryoctl_image *img, int err)
{
	const char *msg = cryoctl_image_error(img, NULL, NULL);
	struct json j = { .depth = 1 };

	putchar('{');
	j_str(&j, "status", "error", 8);
	j_str(&j, "error", msg ? msg : strerror(-err), SIZE_MAX);
	j_close(&j, '}');
	putchar('\n');
	cli_flush_stdout("inspect");
}

static const struct option inspect_opts[] = {
	{ "json",	no_argument,	NULL, 'j' },
	{ "help",	no_argument,	NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int run_inspect(int argc, char **argv)
{
	struct cryoctl_image *img = NULL;
	struct summary s = { 0 };
	bool json = false;
	const char *name;
	int c, fd, ret, status;

	while ((c = cli_getopt(&cmd_inspect, argc, argv, ":h", inspect_opts)) != CLI_OPT_END) {
		if (c == CLI_OPT_HELP)
			return EXIT_OK;
		if (c == CLI_OPT_BAD)
			return EXIT_USAGE;
		json = true;
	}
	if (argc - optind > 1) {
		cli_err("inspect: give at most one image (try 'cryoctl inspect --help')");
		return EXIT_USAGE;
	}
	fd = cli_open_input(&cmd_inspect, argv[optind], &name, &status);
	if (fd < 0)
		return status;

	ret = cryoctl_image_open(fd, &img);
	if (ret) {
		if (json)
			print_json_failure(img, ret);
		cli_image_err(name, img, ret);
		status = EXIT_FAIL;
		goto out_close;
	}
	status = collect(img, &s);
	if (json)
		print_json(&s);
	else
		print_text(&s);
	if (cli_flush_stdout("inspect"))
		status = EXIT_FAIL;
	if (s.error)
		cli_err("%s: %s", name, s.error);
	free_summary(&s);
out_close:
	cryoctl_image_close(img);
	if (fd != STDIN_FILENO)
		close(fd);
	return status;
}

const struct cli_cmd cmd_inspect = {
	.name = "inspect",
	.summary = "describe what an image holds",
	.usage =
	"Usage: cryoctl inspect [--json] [IMG]\n"
	"\n"
	"Read the image IMG (stdin when IMG is absent or '-') to its end, check\n"
	"it as 'cryoctl verify' does, and describe it: the header (format,\n"
	"architecture, kernel, page size, time of the freeze, flags, XSAVE\n"
	"features), the process (ids, command name, credentials, supplementary\n"
	"groups, capability sets, personality, umask, memory layout bounds,\n"
	"resource limits, executable, working and root directories), the\n"
	"auxiliary vector, the ITIMER_REAL timer and every signal disposition\n"
	"that is not the default, every thread (restart state, all general\n"
	"registers, FS/GS base, signal masks, sigaltstack, robust list, rseq,\n"
	"FPU state format and size), the open files, and the memory: number of\n"
	"mappings and pages saved.  'cryoctl maps' lists the mappings themselves.\n"
	"\n"
	"Open files are listed one line per descriptor:\n"
	"\n"
	"  fd 3 -> file 2 REG rw- pos 4096 flags O_RDWR|O_APPEND path /tmp/x\n"
	"      [unlinked, 123 bytes saved] cloexec\n"
	"\n"
	"with the file description it shares with other descriptors (file N),\n"
	"its kind (REG, DIR, CHR, PIPE, FIFO, OTHER), access (r readable, w\n"
	"writable, p O_PATH), position and status flags, then its path (or a\n"
	"pipe's or lost file's name), a device's rdev, a pipe's identity and\n"
	"bytes buffered, [unlinked, N bytes saved] for a deleted file whose\n"
	"contents the image holds, and [LOST] for a file cryo could not save\n"
	"(an image taken with --accept-loss).\n"
	"\n"
	"A damaged image is described as far as it could be read, followed by\n"
	"what is wrong on stderr.\n"
	"\n"
	"Options:\n"
	"  --json       one JSON object instead of text; field names are stable\n"
	"               (see Documentation/cryoctl.rst); it ends with \"status\":\n"
	"               \"ok\", or \"error\" and the message in \"error\"\n"
	"  -h, --help   this text\n"
	"\n"
	"Exit status: 0 the image is complete and verified; 1 it is damaged,\n"
	"truncated or unreadable, or the output could not be written; 2 usage\n"
	"error (also: stdin is a terminal).\n",
	.run = run_inspect,
};
