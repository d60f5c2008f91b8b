// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host-side unit tests of libcryoctl and cryoctl that need no cryo module:
 * CRC32C, the image reader on synthetic images (good, corrupted,
 * truncated, malformed; the process records, files and their order),
 * cryoctl_freeze() and cryoctl_freeze_ex() against a fake device,
 * cryoctl_thaw() and cryoctl_remap_maps() against a fake device with the
 * real stub (up to its ioctls, and, under ptrace playing the module, past
 * the point of no return), and the image commands of cryoctl (verify,
 * inspect, maps, layout) plus the command-line checks of freeze and thaw.
 *
 * Build this file together with every libcryoctl/src .c file, from the top
 * of the tree, with -D_GNU_SOURCE -Iuapi -Ilibcryoctl/include
 * -Ilibcryoctl/src, and run it as "build/tests/unit build/bin/cryoctl"
 * (cryoctl's path; that is the default).  "make unit" does both.
 *
 * The library is compiled in, so this program's ioctl() replaces the C
 * library's for it: CRYO_IOC_FREEZE, CRYO_IOC_COMMIT, CRYO_IOC_VERSION,
 * CRYO_IOC_THAW and CRYO_IOC_THAW_STATUS on the fake device descriptor
 * are answered here, anything else goes to the kernel (the stub's raw
 * system calls always do).
 *
 * The last line is "N passed, M failed"; the exit status is 0 only when
 * nothing failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cpuid.h>
#include <elf.h>
#include <malloc.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "internal.h"
#include "thaw.h"
#include "stub.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int passed, failed;

#define CHECK(cond, ...) check(!!(cond), __LINE__, __VA_ARGS__)

static bool __attribute__((format(printf, 3, 4)))
check(bool ok, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return true;
	}
	failed++;
	fprintf(stderr, "FAIL line %d: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

/* ---- a growable buffer and an image writer ------------------------------ */

struct buf {
	unsigned char *p;
	size_t len;
	size_t size;
};

static void buf_put(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->size) {
		b->size = (b->len + len) * 2;
		b->p = realloc(b->p, b->size);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

struct img {
	struct buf b;
	size_t off[4096];	/* offset of each record */
	uint32_t type[4096];
	int nr;
	uint64_t pages;
};

static void put_rec(struct img *m, uint32_t type, const void *a, size_t alen,
		    const void *c, size_t clen)
{
	struct cryo_rec rec = { .type = type, .len = alen + clen };
	struct cryo_xxh64 x;

	/* The checksum by hand, not by the function under test. */
	cryo_xxh64_init(&x, 0);
	cryo_xxh64_update(&x, &rec, sizeof(rec));
	cryo_xxh64_update(&x, a, alen);
	if (clen)
		cryo_xxh64_update(&x, c, clen);
	rec.crc = (uint32_t)cryo_xxh64_final(&x);
	if (m->nr == ARRAY_SIZE(m->off))
		abort();
	m->off[m->nr] = m->b.len;
	m->type[m->nr++] = type;
	buf_put(&m->b, &rec, sizeof(rec));
	buf_put(&m->b, a, alen);
	if (clen)
		buf_put(&m->b, c, clen);
}

static void put_trailer(struct img *m)
{
	struct cryo_image_trailer t = {
		.nr_records = m->nr,
		.nr_pages = m->pages,
		.bytes = m->b.len,
	};

	put_rec(m, CRYO_REC_TRAILER, &t, sizeof(t), NULL, 0);
}

/* Records are not aligned in a stream: fields are reached by copying. */
static uint32_t peek32(const unsigned char *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void poke32(unsigned char *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* Recompute the checksum of the record at @off after a deliberate change. */
static void fix_crc(unsigned char *p, size_t off)
{
	struct cryo_rec r;

	memcpy(&r, p + off, sizeof(r));
	r.crc = cryoctl_record_crc(&r, p + off + sizeof(r));
	memcpy(p + off, &r, sizeof(r));
}

static uint64_t encode_dev(unsigned int maj, unsigned int min)
{
	return (min & 0xff) | (maj << 8) | ((uint64_t)(min & ~0xffU) << 12);
}

#define PAGE		4096
#define FPU_SIZE	64

static void put_header(struct img *m, uint32_t nr_threads, uint16_t minor)
{
	struct cryo_image_header h = {
		.major = CRYO_IMAGE_MAJOR,
		.minor = minor,
		.arch = AUDIT_ARCH_X86_64,
		.page_size = PAGE,
		.freeze_flags = CRYO_FREEZE_KILL | CRYO_FREEZE_ACCEPT_LOSS,
		.nr_threads = nr_threads,
		.fpu_size = FPU_SIZE,
		.xfeatures = 0x2e7,
		.time_ns = 1700000000123456789ULL,
	};

	memcpy(h.magic, CRYO_IMAGE_MAGIC, sizeof(h.magic));
	strcpy(h.release, "6.1.0-unit-test");
	put_rec(m, CRYO_REC_HEADER, &h, sizeof(h), NULL, 0);
}

static void put_fs(struct img *m, const char *exe, const char *cwd,
		   const char *root)
{
	struct cryo_image_fs f = {
		.exe_len = strlen(exe), .cwd_len = strlen(cwd),
		.root_len = strlen(root),
	};
	char paths[512];

	snprintf(paths, sizeof(paths), "%s%s%s", exe, cwd, root);
	put_rec(m, CRYO_REC_FS, &f, sizeof(f), paths, strlen(paths));
}

#define REF_PIPE_ID	0xabc00000042ULL
#define REF_UNLINKED	123

static void put_file(struct img *m, uint32_t id, uint32_t kind,
		     uint32_t open_flags, uint32_t mode, uint32_t flags,
		     uint64_t data_size, const char *name)
{
	struct cryo_image_file f = {
		.id = id, .kind = kind, .open_flags = open_flags, .mode = mode,
		.dev = encode_dev(0, 5), .ino = 1000 + id, .mtime_ns = 1234567,
		.data_size = data_size, .name_len = name ? strlen(name) : 0,
		.flags = flags,
	};

	if (kind == CRYO_FILE_CHR)
		f.rdev = encode_dev(1, 3);
	if (kind == CRYO_FILE_PIPE)
		f.pipe_id = REF_PIPE_ID;
	if (kind == CRYO_FILE_REG) {
		f.pos = 4096;
		f.size = REF_UNLINKED;
	}
	put_rec(m, CRYO_REC_FILE, &f, sizeof(f), name, f.name_len);
}

static void put_file_data(struct img *m, uint32_t id, uint64_t offset,
			  const void *p, size_t len)
{
	struct cryo_image_file_data d = { .id = id, .offset = offset };

	put_rec(m, CRYO_REC_FILE_DATA, &d, sizeof(d), p, len);
}

static void put_fd(struct img *m, uint32_t fd, uint32_t file_id,
		   uint32_t flags)
{
	struct cryo_image_fd f = { .fd = fd, .file_id = file_id, .flags = flags };

	put_rec(m, CRYO_REC_FD, &f, sizeof(f), NULL, 0);
}

/* The x86-64 sa_flags the reference image uses. */
#define SA_RESTORER_	0x04000000ULL

/*
 * The process block of the reference image: GROUPS, AUXV, FS, SIGNALS
 * (PROCESS is put by the caller, before).
 */
static void put_block(struct img *m)
{
	static const uint32_t groups[] = { 10, 20, 1000 };
	static const uint64_t auxv[][2] = {
		{ 33, 0x7ffc00001000ULL },	/* AT_SYSINFO_EHDR */
		{ 16, 0x178bfbff },		/* AT_HWCAP */
		{ 6, PAGE },			/* AT_PAGESZ */
		{ 3, 0x400040 },		/* AT_PHDR */
		{ 9, 0x401000 },		/* AT_ENTRY */
		{ 11, 1000 },			/* AT_UID */
		{ 25, 0x7ffc00020010ULL },	/* AT_RANDOM */
		{ 77, 5 },			/* unknown to cryoctl */
		{ 0, 0 },			/* AT_NULL */
	};
	struct cryo_image_signals sig = {
		.real_value_ns = 1500000000ULL,
		.real_interval_ns = 250000000ULL,
	};

	put_rec(m, CRYO_REC_GROUPS, groups, sizeof(groups), NULL, 0);
	put_rec(m, CRYO_REC_AUXV, auxv, sizeof(auxv), NULL, 0);
	put_fs(m, "/usr/bin/testproc", "/home/test", "/");
	sig.action[SIGINT - 1] = (struct cryo_image_sigaction){
		.handler = 0x401234,
		.flags = SA_RESTART | SA_SIGINFO | SA_RESTORER_,
		.restorer = 0x7f0000001000ULL,
		.mask = 1ULL << (SIGTERM - 1),
	};
	sig.action[SIGPIPE - 1].handler = 1;	/* SIG_IGN */
	sig.action[SIGCHLD - 1].flags = SA_NOCLDSTOP | SA_NOCLDWAIT;
	sig.action[34 - 1] = (struct cryo_image_sigaction){
		.handler = 0x401300,
		.flags = SA_ONSTACK | SA_NODEFER | SA_RESETHAND | SA_RESTORER_,
		.restorer = 0x7f0000001000ULL,
	};
	put_rec(m, CRYO_REC_SIGNALS, &sig, sizeof(sig), NULL, 0);
}

/*
 * The reference files: fd 0 /dev/null; fds 1 and 2 a pipe's write end
 * with 5 bytes buffered; fd 3 an unlinked file whose 123 bytes come in two
 * FILE_DATA records; fd 4 a dup of fd 0; fd 5 the pipe's read end; fd 7 a
 * lost socket; fd 8 a directory.
 */
static void put_files(struct img *m)
{
	unsigned char data[REF_UNLINKED];
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 3);
	put_file(m, 1, CRYO_FILE_CHR, O_RDWR, S_IFCHR | 0666, 0, 0, "/dev/null");
	put_fd(m, 0, 1, 0);
	put_file(m, 2, CRYO_FILE_PIPE, O_WRONLY, S_IFIFO | 0600, 0, 5, "pipe:[66]");
	put_file_data(m, 2, 0, "hello", 5);
	put_fd(m, 1, 2, 0);
	put_fd(m, 2, 2, 0);
	put_file(m, 3, CRYO_FILE_REG, O_RDWR | O_APPEND, S_IFREG | 0644,
		 CRYO_FILE_UNLINKED, REF_UNLINKED, "/tmp/x");
	put_file_data(m, 3, 0, data, 100);
	put_file_data(m, 3, 100, data + 100, REF_UNLINKED - 100);
	put_fd(m, 3, 3, CRYO_FD_CLOEXEC);
	put_fd(m, 4, 1, 0);
	put_file(m, 4, CRYO_FILE_PIPE, O_RDONLY | O_NONBLOCK, S_IFIFO | 0600, 0, 0,
		 "pipe:[66]");
	put_fd(m, 5, 4, 0);
	put_file(m, 5, CRYO_FILE_OTHER, O_RDWR, S_IFSOCK | 0777, CRYO_FILE_LOST, 0,
		 "socket:[5678]");
	put_fd(m, 7, 5, CRYO_FD_CLOEXEC);
	put_file(m, 6, CRYO_FILE_DIR, O_RDONLY | O_DIRECTORY, S_IFDIR | 0755, 0, 0,
		 "/home/test");
	put_fd(m, 8, 6, 0);
}

static void put_vma(struct img *m, uint64_t start, uint64_t end, uint32_t flags,
		    uint32_t kind, uint64_t pgoff, uint64_t dev, uint64_t ino,
		    const char *name)
{
	struct cryo_image_vma v = {
		.start = start, .end = end, .pgoff = pgoff, .flags = flags,
		.kind = kind, .dev = dev, .ino = ino,
		.name_len = name ? strlen(name) : 0,
	};

	put_rec(m, CRYO_REC_VMA, &v, sizeof(v), name, v.name_len);
}

static void put_pages(struct img *m, uint64_t addr, uint64_t nr)
{
	struct cryo_image_pages p = { .addr = addr, .nr_pages = nr };
	unsigned char *data = malloc(nr * PAGE);
	size_t i;

	for (i = 0; i < nr * PAGE; i++)
		data[i] = (unsigned char)(i * 7 + addr / PAGE);
	put_rec(m, CRYO_REC_PAGES, &p, sizeof(p), data, nr * PAGE);
	m->pages += nr;
	free(data);
}

#define ANON_START	0x7f0000000000ULL
#define FILE_DEV	encode_dev(0xfe, 0x01)

/*
 * The reference image: HEADER, PROCESS, GROUPS, AUXV, FS, SIGNALS, 2
 * THREADs, the files of put_files(), 3 VMAs (a file, an anonymous
 * mapping, the stack), one PAGES record of 2 pages, TRAILER.  With
 * @extra_type, a record of that type goes between the VMAs and PAGES and
 * the header has @minor.
 */
static void build_image(struct img *m, uint32_t extra_type, uint16_t minor)
{
	struct cryo_image_process p = {
		.pid = 4242, .ppid = 1, .pgid = 4242, .sid = 4000,
		.uid = { 1000, 1001, 1002, 1003 },
		.gid = { 2000, 2001, 2002, 2003 },
		.cap_effective = 0x1ffffffffffULL,
		.cap_bset = 0x1ffffffffffULL,
		.umask = 022,
		.start_code = 0x400000, .end_code = 0x401000,
		.start_brk = 0x600000, .brk = 0x621000,
		.start_stack = 0x7ffc00020000ULL,
	};
	struct cryo_image_thread t = {
		.fpu_format = CRYO_FPU_XSAVE,
		.fpu_size = FPU_SIZE,
		.sas_flags = 2,
		.rseq_sig = 0x53053053,
	};
	unsigned char fpu[FPU_SIZE];
	int i, k;

	memset(m, 0, sizeof(*m));
	put_header(m, 2, minor);
	strcpy(p.comm, "testproc");
	for (i = 0; i < 16; i++) {
		p.rlim[i][0] = UINT64_MAX;
		p.rlim[i][1] = UINT64_MAX;
	}
	p.rlim[7][0] = 1024;
	p.rlim[7][1] = 4096;
	put_rec(m, CRYO_REC_PROCESS, &p, sizeof(p), NULL, 0);
	put_block(m);

	for (k = 0; k < 2; k++) {
		t.tid = 4242 + k;
		t.restart = k ? CRYO_RESTART_NONE : CRYO_RESTART_SYSCALL;
		for (i = 0; i < 27; i++)
			t.regs[i] = 0x1000 * (k + 1) + i;
		t.regs[16] = 0x401000 + k;	/* rip */
		t.fs_base = 0x7f00000a0000ULL + k;
		t.blocked = (1ULL << (SIGINT - 1)) | (1ULL << (SIGTERM - 1));
		for (i = 0; i < FPU_SIZE; i++)
			fpu[i] = i + k;
		put_rec(m, CRYO_REC_THREAD, &t, sizeof(t), fpu, sizeof(fpu));
	}
	put_files(m);

	put_vma(m, 0x400000, 0x401000, CRYO_VMA_READ | CRYO_VMA_EXEC,
		CRYO_VMA_FILE, 0, FILE_DEV, 1234, "/usr/bin/testproc");
	put_vma(m, ANON_START, ANON_START + 4 * PAGE,
		CRYO_VMA_READ | CRYO_VMA_WRITE, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_vma(m, 0x7ffc00000000ULL, 0x7ffc00021000ULL,
		CRYO_VMA_READ | CRYO_VMA_WRITE | CRYO_VMA_GROWSDOWN,
		CRYO_VMA_STACK, 0, 0, 0, NULL);
	if (extra_type)
		put_rec(m, extra_type, "future", 6, NULL, 0);
	put_pages(m, ANON_START + PAGE, 2);
	put_trailer(m);
}

/* ---- editing an image ----------------------------------------------------- */

/* The index of the @nth (from 0) record of @type, or abort. */
static int find_rec(const struct img *m, uint32_t type, int nth)
{
	int i;

	for (i = 0; i < m->nr; i++)
		if (m->type[i] == type && !nth--)
			return i;
	abort();
}

static void *payload(struct img *m, int i)
{
	return m->b.p + m->off[i] + sizeof(struct cryo_rec);
}

/* Copy @size bytes of record @i's payload out, and back (new checksum). */
static void get_payload(struct img *m, int i, void *dst, size_t size)
{
	memcpy(dst, payload(m, i), size);
}

static void set_payload(struct img *m, int i, const void *src, size_t size)
{
	memcpy(payload(m, i), src, size);
	fix_crc(m->b.p, m->off[i]);
}

/*
 * Rewrite @m with @del records removed at index @at and, when @p is not
 * NULL, a record of @type with @len bytes of @p put there; the other
 * records keep their bytes, the TRAILER (the last record) is made anew.
 */
static void edit(struct img *m, int at, int del, uint32_t type,
		 const void *p, size_t len)
{
	struct img *n = calloc(1, sizeof(*n));
	struct cryo_image_pages pg;
	size_t end;
	int i;

	if (!n)
		abort();
	for (i = 0; i < m->nr - 1; i++) {
		if (i == at && p)
			put_rec(n, type, p, len, NULL, 0);
		if (i >= at && i < at + del)
			continue;
		end = m->off[i + 1];
		n->off[n->nr] = n->b.len;
		n->type[n->nr++] = m->type[i];
		buf_put(&n->b, m->b.p + m->off[i], end - m->off[i]);
		if (m->type[i] == CRYO_REC_PAGES) {
			get_payload(m, i, &pg, sizeof(pg));
			n->pages += pg.nr_pages;
		}
	}
	if (at >= m->nr - 1 && p)
		put_rec(n, type, p, len, NULL, 0);
	put_trailer(n);
	free(m->b.p);
	memcpy(m, n, sizeof(*m));
	free(n);
}

/* Replace record @i by one of @type with @len bytes of @p. */
static void replace(struct img *m, int i, uint32_t type, const void *p, size_t len)
{
	edit(m, i, 1, type, p, len);
}

/* ---- feeding bytes through a pipe --------------------------------------- */

/* A pipe whose read end delivers @len bytes of @p and then EOF. */
static int feed(const void *p, size_t len)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		abort();
	fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	if (len <= (size_t)fcntl(fds[1], F_GETPIPE_SZ)) {
		if (len && write(fds[1], p, len) != (ssize_t)len)
			abort();
		close(fds[1]);
		return fds[0];
	}
	pid = fork();
	if (pid < 0)
		abort();
	if (!pid) {
		const char *c = p;

		close(fds[0]);
		while (len) {
			ssize_t n = write(fds[1], c, len);

			if (n <= 0)
				_exit(1);
			c += n;
			len -= n;
		}
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

struct result {
	int ret;		/* 0 complete, or the -errno */
	int nr;			/* records returned */
	uint32_t type[64];
	uint64_t index;		/* of the error */
	uint64_t offset;
	char msg[256];
};

/* Read a whole image from a pipe. */
static void read_image(const void *p, size_t len, struct result *r)
{
	struct cryoctl_image *img = NULL;
	struct cryoctl_record rec;
	const char *msg;
	int fd = feed(p, len);
	int ret;

	memset(r, 0, sizeof(*r));
	ret = cryoctl_image_open(fd, &img);
	while (!ret && (ret = cryoctl_image_next(img, &rec)) > 0) {
		if (r->nr < 64)
			r->type[r->nr] = rec.type;
		r->nr++;
		ret = 0;
	}
	r->ret = ret;
	msg = cryoctl_image_error(img, &r->index, &r->offset);
	if (msg)
		snprintf(r->msg, sizeof(r->msg), "%s", msg);
	cryoctl_image_close(img);
	close(fd);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* ---- CRC ------------------------------------------------------------------ */

static const unsigned char zeros[4096];

static void test_crc(void)
{
	const char *v = "123456789";
	uint32_t a, b;
	struct cryo_rec r = { .type = 5, .len = 4 };
	uint32_t manual;

	CHECK(~cryoctl_crc32c(~0U, v, 9) == 0xE3069283,
	      "CRC32C(\"123456789\") = 0x%08x", ~cryoctl_crc32c(~0U, v, 9));
	a = cryoctl_crc32c(~0U, v, 4);
	b = cryoctl_crc32c(a, v + 4, 5);
	CHECK(~b == 0xE3069283, "CRC32C in two pieces");
	CHECK(cryoctl_crc32c(0x1234, v, 0) == 0x1234, "empty buffer changes nothing");
	/* 32 bytes of zeros: the iSCSI test vector of RFC 3720. */
	CHECK(~cryoctl_crc32c(~0U, zeros, 32) == 0x8A9136AA,
	      "CRC32C of 32 zero bytes");

	(void)manual;
	r.crc = 0xdeadbeef;	/* ignored */
	{
		struct cryo_rec h = r;
		struct cryo_xxh64 x;

		h.crc = 0;
		cryo_xxh64_init(&x, 0);
		cryo_xxh64_update(&x, &h, 16);
		cryo_xxh64_update(&x, "abcd", 4);
		CHECK(cryoctl_record_crc(&r, "abcd") == (uint32_t)cryo_xxh64_final(&x),
		      "cryoctl_record_crc = low 32 bits of XXH64(hdr with crc 0, payload)");
	}
}

/* XXH64 against the reference implementation's results (xxhsum -H1). */
static void test_xxh64(void)
{
	static const struct { const char *s; uint64_t h; } v[] = {
		{ "", 0xef46db3751d8e999ULL },
		{ "a", 0xd24ec4f1a98c6e5bULL },
		{ "abc", 0x44bc2cf5ad770999ULL },
	};
	unsigned char buf[1000];
	struct cryo_xxh64 x;
	unsigned int i, cut;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		cryo_xxh64_init(&x, 0);
		cryo_xxh64_update(&x, v[i].s, strlen(v[i].s));
		CHECK(cryo_xxh64_final(&x) == v[i].h, "XXH64(\"%s\")", v[i].s);
	}
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	/* Whole, and cut anywhere: the stream must not care. */
	for (cut = 0; cut <= sizeof(buf); cut += 37) {
		cryo_xxh64_init(&x, 0);
		cryo_xxh64_update(&x, buf, cut);
		cryo_xxh64_update(&x, buf + cut, sizeof(buf) - cut);
		CHECK(cryo_xxh64_final(&x) == 0x5f235fa033f1a3fbULL,
		      "XXH64 of 1000 bytes cut at %u", cut);
	}
}

/* ---- the reader ----------------------------------------------------------- */

/* Records of the reference image before its trailer. */
#define REF_RECORDS	29

static const char *const type_str[] = {
	[CRYO_REC_HEADER] = "HEADER", [CRYO_REC_PROCESS] = "PROCESS",
	[CRYO_REC_THREAD] = "THREAD", [CRYO_REC_VMA] = "VMA",
	[CRYO_REC_PAGES] = "PAGES", [CRYO_REC_SIGNALS] = "SIGNALS",
	[CRYO_REC_FILE] = "FILE", [CRYO_REC_FILE_DATA] = "FILE_DATA",
	[CRYO_REC_FD] = "FD", [CRYO_REC_AUXV] = "AUXV", [CRYO_REC_FS] = "FS",
	[CRYO_REC_GROUPS] = "GROUPS",
};

static const char *rec_str(uint32_t type)
{
	return type == CRYO_REC_TRAILER ? "TRAILER" : type_str[type];
}

static void test_good(void)
{
	static const uint32_t order[] = {
		CRYO_REC_HEADER, CRYO_REC_PROCESS, CRYO_REC_GROUPS, CRYO_REC_AUXV,
		CRYO_REC_FS, CRYO_REC_SIGNALS, CRYO_REC_THREAD, CRYO_REC_THREAD,
		CRYO_REC_FILE, CRYO_REC_FD, CRYO_REC_FILE, CRYO_REC_FILE_DATA,
		CRYO_REC_FD, CRYO_REC_FD, CRYO_REC_FILE, CRYO_REC_FILE_DATA,
		CRYO_REC_FILE_DATA, CRYO_REC_FD, CRYO_REC_FD, CRYO_REC_FILE,
		CRYO_REC_FD, CRYO_REC_FILE, CRYO_REC_FD, CRYO_REC_FILE, CRYO_REC_FD,
		CRYO_REC_VMA, CRYO_REC_VMA, CRYO_REC_VMA, CRYO_REC_PAGES,
		CRYO_REC_TRAILER,
	};
	struct cryoctl_image *img = NULL;
	const struct cryo_image_header *h;
	const struct cryo_image_trailer *t;
	struct cryoctl_record rec;
	struct img m;
	int fd, ret, i;

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	CHECK(m.nr == REF_RECORDS + 1 && !memcmp(m.type, order, sizeof(order)),
	      "the reference image has the documented order (%d records)", m.nr);
	fd = feed(m.b.p, m.b.len);
	ret = cryoctl_image_open(fd, &img);
	CHECK(ret == 0, "open: %d", ret);
	h = cryoctl_image_header(img);
	CHECK(h && h->nr_threads == 2 && h->page_size == PAGE &&
	      !strcmp(h->release, "6.1.0-unit-test"), "header available after open");
	CHECK(!cryoctl_image_trailer(img), "no trailer before the end");
	for (i = 0; i < REF_RECORDS; i++) {
		ret = cryoctl_image_next(img, &rec);
		if (!CHECK(ret == 1, "record %d: next = %d (%s)", i, ret,
			   cryoctl_image_error(img, NULL, NULL)))
			break;
		CHECK(rec.type == m.type[i] && rec.index == (uint64_t)i &&
		      rec.offset == m.off[i] &&
		      rec.len == peek32(m.b.p, m.off[i] + 4) &&
		      !memcmp(rec.payload, m.b.p + m.off[i] + 16, rec.len),
		      "record %d: type %u index %llu offset %llu", i, rec.type,
		      (unsigned long long)rec.index, (unsigned long long)rec.offset);
	}
	ret = cryoctl_image_next(img, &rec);
	CHECK(ret == 0, "end of a good image: %d (%s)", ret,
	      cryoctl_image_error(img, NULL, NULL));
	t = cryoctl_image_trailer(img);
	CHECK(t && t->nr_records == REF_RECORDS && t->nr_pages == 2 &&
	      t->bytes == m.off[REF_RECORDS], "trailer counts");
	CHECK(!cryoctl_image_error(img, NULL, NULL), "no error message");
	CHECK(cryoctl_image_next(img, &rec) == 0, "0 again after the end");
	cryoctl_image_close(img);
	close(fd);

	CHECK(cryoctl_image_open(0, NULL) == -EINVAL, "open(NULL) is -EINVAL");
	cryoctl_image_close(NULL);
	free(m.b.p);
}

/* Flip each bit of each record: the reader names that record. */
static void test_bitflips(void)
{
	struct result r;
	struct img m;
	size_t pos, start, end, rel, cmp;
	int rec, bit, bad;
	char want[64];

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	for (rec = 0; rec < m.nr; rec++) {
		start = m.off[rec];
		end = rec < m.nr - 1 ? m.off[rec + 1] : m.b.len;
		snprintf(want, sizeof(want), "record %d (%s) at byte %zu: ", rec,
			 rec_str(m.type[rec]), start);
		bad = 0;
		for (pos = start; pos < end; pos++) {
			rel = pos - start;
			for (bit = 0; bit < 8; bit++) {
				int expect = -EBADMSG;

				/* A damaged length may also read as truncated or too long. */
				if (rel >= 4 && rel < 8)
					expect = 0;
				/*
				 * The first record must look like an image at
				 * all, of this major (named before the checksum).
				 */
				if (rec == 0 && (rel < 4 || (rel >= 16 && rel < 26)))
					expect = -EPROTO;
				m.b.p[pos] ^= 1 << bit;
				read_image(m.b.p, m.b.len, &r);
				m.b.p[pos] ^= 1 << bit;
				/*
				 * The message names the type as read: with a
				 * damaged type field only "record N (" is sure.
				 */
				cmp = rel < 4 ? strcspn(want, "(") + 1 : strlen(want);
				if ((expect && r.ret != expect) || r.ret >= 0 ||
				    r.index != (uint64_t)rec || r.offset != start ||
				    strncmp(r.msg, want, cmp)) {
					if (!bad++)
						fprintf(stderr, "  byte %zu bit %d: ret %d, %s\n",
							pos, bit, r.ret, r.msg);
				}
			}
		}
		CHECK(!bad, "every bit flip in record %d (%s) gives an error naming it (%d wrong)",
		      rec, rec_str(m.type[rec]), bad);
	}
	/* The message, for one. */
	rec = find_rec(&m, CRYO_REC_THREAD, 0);
	m.b.p[m.off[rec] + 40] ^= 1;
	read_image(m.b.p, m.b.len, &r);
	snprintf(want, sizeof(want), "record %d (THREAD) at byte", rec);
	CHECK(r.ret == -EBADMSG && strstr(r.msg, want) &&
	      strstr(r.msg, "checksum mismatch (stored 0x"), "message: %s", r.msg);
	free(m.b.p);
}

/* Cut the stream at every byte: always -ENODATA, at the right record. */
static void test_truncation(void)
{
	struct result r;
	struct img m;
	size_t len;
	int rec, last, bad_boundary = 0, bad_mid = 0;

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	last = m.nr - 1;
	for (len = 0; len < m.b.len; len++) {
		for (rec = 0; rec < last && m.off[rec + 1] <= len; rec++)
			;
		read_image(m.b.p, len, &r);
		if (len == m.off[rec]) {
			if (r.ret != -ENODATA || r.index != (uint64_t)rec ||
			    r.offset != len || (rec && !strstr(r.msg, "without a trailer"))) {
				if (!bad_boundary++)
					fprintf(stderr, "  cut at %zu: ret %d, %s\n", len,
						r.ret, r.msg);
			}
		} else if (r.ret != -ENODATA || r.index != (uint64_t)rec ||
			   r.offset != m.off[rec] || !strstr(r.msg, "truncated")) {
			if (!bad_mid++)
				fprintf(stderr, "  cut at %zu: ret %d, %s\n", len, r.ret,
					r.msg);
		}
	}
	CHECK(!bad_boundary, "truncation at every record boundary is -ENODATA (%d wrong)",
	      bad_boundary);
	CHECK(!bad_mid, "truncation inside every record is -ENODATA (%d wrong)", bad_mid);
	free(m.b.p);
}

static void test_malformed(void)
{
	struct cryo_image_trailer t;
	struct cryo_image_header *h;
	struct result r;
	struct img m;
	int i;

	/* Wrong magic, with and without a matching checksum. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	h = (void *)(m.b.p + 16);
	h->magic[0] = 'X';
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && strstr(r.msg, "not a cryo image"),
	      "bad magic, bad crc: %d %s", r.ret, r.msg);
	fix_crc(m.b.p, 0);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && strstr(r.msg, "bad magic"),
	      "bad magic: %d %s", r.ret, r.msg);
	free(m.b.p);

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	h = (void *)(m.b.p + 16);
	h->major = CRYO_IMAGE_MAJOR + 1;
	fix_crc(m.b.p, 0);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && strstr(r.msg, "format 3."),
	      "wrong major: %d %s", r.ret, r.msg);
	h->major = CRYO_IMAGE_MAJOR;
	h->arch = AUDIT_ARCH_AARCH64;
	fix_crc(m.b.p, 0);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && strstr(r.msg, "architecture"),
	      "wrong arch: %d %s", r.ret, r.msg);
	free(m.b.p);

	/* Not an image at all. */
	read_image("hello, world, this is text and not an image\n", 44, &r);
	CHECK(r.ret == -EPROTO && strstr(r.msg, "not a cryo image"),
	      "text file: %d %s", r.ret, r.msg);
	read_image("", 0, &r);
	CHECK(r.ret == -ENODATA, "empty stream: %d %s", r.ret, r.msg);

	/* First record not a HEADER. */
	memset(&m, 0, sizeof(m));
	put_rec(&m, CRYO_REC_PROCESS, "x", 1, NULL, 0);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && strstr(r.msg, "not a HEADER"),
	      "first record PROCESS: %d %s", r.ret, r.msg);
	free(m.b.p);

	/* A huge length, checksum made to match. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_THREAD, 0);
	poke32(m.b.p, m.off[i] + 4, CRYO_REC_MAX_LEN + 1);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && r.index == (uint64_t)i &&
	      strstr(r.msg, "exceeds the maximum"), "huge len: %d %s", r.ret, r.msg);
	poke32(m.b.p, m.off[i] + 4, 0xffffffff);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && r.index == (uint64_t)i, "len ~0: %d %s", r.ret, r.msg);
	free(m.b.p);

	/* Reserved word set. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_VMA, 0);
	poke32(m.b.p, m.off[i] + 12, 1);
	fix_crc(m.b.p, m.off[i]);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && r.index == (uint64_t)i && strstr(r.msg, "reserved"),
	      "reserved nonzero: %d %s", r.ret, r.msg);
	free(m.b.p);

	/* Data after the trailer. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	buf_put(&m.b, "X", 1);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EOVERFLOW && r.index == REF_RECORDS + 1 &&
	      r.offset == m.b.len - 1 && r.nr == REF_RECORDS,
	      "garbage after the trailer: %d %s", r.ret, r.msg);
	free(m.b.p);

	/* Trailer counts that disagree, checksum made to match. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = REF_RECORDS;
	get_payload(&m, i, &t, sizeof(t));
	t.nr_pages = 3;
	set_payload(&m, i, &t, sizeof(t));
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EBADMSG && r.index == REF_RECORDS &&
	      strstr(r.msg, "trailer counts 3 pages"),
	      "trailer page count: %d %s", r.ret, r.msg);
	t.nr_pages = 2;
	t.nr_records = REF_RECORDS - 1;
	set_payload(&m, i, &t, sizeof(t));
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EBADMSG && strstr(r.msg, "records"), "trailer record count: %d %s",
	      r.ret, r.msg);
	t.nr_records = REF_RECORDS;
	t.bytes += 16;
	set_payload(&m, i, &t, sizeof(t));
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EBADMSG && strstr(r.msg, "bytes"), "trailer byte count: %d %s",
	      r.ret, r.msg);
	free(m.b.p);

	/* Payload shorter than its structure. */
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_rec(&m, CRYO_REC_PROCESS, "short", 5, NULL, 0);
	put_trailer(&m);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && r.index == 1 && strstr(r.msg, "shorter"),
	      "short PROCESS: %d %s", r.ret, r.msg);
	free(m.b.p);

	/* Records out of order. */
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x1000, 0x2000, CRYO_VMA_READ, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_rec(&m, CRYO_REC_PROCESS, zeros, sizeof(struct cryo_image_process), NULL, 0);
	put_trailer(&m);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && r.index == 2 && strstr(r.msg, "out of order"),
	      "PROCESS after VMA: %d %s", r.ret, r.msg);
	free(m.b.p);

	/* PAGES outside every VMA; VMAs overlapping. */
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x1000, 0x3000, CRYO_VMA_READ, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_pages(&m, 0x2000, 2);
	put_trailer(&m);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && r.index == 2 && strstr(r.msg, "not inside one VMA"),
	      "PAGES past the VMA's end: %d %s", r.ret, r.msg);
	free(m.b.p);
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x1000, 0x3000, CRYO_VMA_READ, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_vma(&m, 0x2000, 0x4000, CRYO_VMA_READ, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_trailer(&m);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && r.index == 2 && strstr(r.msg, "overlaps"),
	      "overlapping VMAs: %d %s", r.ret, r.msg);
	free(m.b.p);

	/* Contents of a [vdso] are never saved. */
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x1000, 0x3000, CRYO_VMA_READ, CRYO_VMA_VDSO, 0, 0, 0, NULL);
	put_pages(&m, 0x1000, 1);
	put_trailer(&m);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && r.index == 2 && strstr(r.msg, "never saved"),
	      "PAGES of the vdso: %d %s", r.ret, r.msg);
	free(m.b.p);

	/* Fewer THREAD records than the header announces. */
	memset(&m, 0, sizeof(m));
	put_header(&m, 1, CRYO_IMAGE_MINOR);
	put_trailer(&m);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && strstr(r.msg, "announces 1 threads"),
	      "missing THREAD: %d %s", r.ret, r.msg);
	free(m.b.p);

	/* A header-only image with no threads is whole (a layout has that). */
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_trailer(&m);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == 0 && r.nr == 1, "HEADER + TRAILER: %d %s", r.ret, r.msg);
	free(m.b.p);
}

static void test_unknown_types(void)
{
	struct result r;
	struct img m;
	int i;

	build_image(&m, 0x40, CRYO_IMAGE_MINOR);
	i = find_rec(&m, 0x40, 0);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && r.index == (uint64_t)i &&
	      strstr(r.msg, "unknown record type"),
	      "unknown type in an image of our minor: %d %s", r.ret, r.msg);
	free(m.b.p);

	build_image(&m, 0x40, CRYO_IMAGE_MINOR + 1);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == 0 && r.nr == REF_RECORDS + 1 && r.type[i] == 0x40,
	      "unknown type in a newer image is handed out: %d %s", r.ret, r.msg);
	free(m.b.p);
}

/*
 * Read @m and expect -EPROTO at record @index with @what in the message.
 * Frees @m.
 */
#define REFUSED(m, index, what, ...) \
	refused(m, index, what, __LINE__, __VA_ARGS__)

static void __attribute__((format(printf, 5, 6)))
refused(struct img *m, int index, const char *what, int line, const char *fmt, ...)
{
	struct result r;
	char label[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(label, sizeof(label), fmt, ap);
	va_end(ap);
	read_image(m->b.p, m->b.len, &r);
	check(r.ret == -EPROTO && r.index == (uint64_t)index && strstr(r.msg, what),
	      line, "%s: %d at %llu, %s", label, r.ret,
	      (unsigned long long)r.index, r.msg);
	free(m->b.p);
}

static void accepted(struct img *m, int line, const char *label)
{
	struct result r;

	read_image(m->b.p, m->b.len, &r);
	check(r.ret == 0, line, "%s: %d %s", label, r.ret, r.msg);
	free(m->b.p);
}

#define ACCEPTED(m, label) accepted(m, __LINE__, label)

/* GROUPS, AUXV, FS, SIGNALS: contents, order, presence. */
static void test_process_block(void)
{
	struct cryo_image_signals sig;
	struct cryo_image_fs fs;
	uint64_t pair[2];
	unsigned char *p;
	struct img m;
	int i, len;

	/* Duplicates and order. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_GROUPS, 0);
	edit(&m, i + 1, 0, CRYO_REC_GROUPS, "\1\0\0\0", 4);
	REFUSED(&m, i + 1, "a second GROUPS", "duplicate GROUPS");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_SIGNALS, 0);
	get_payload(&m, i, &sig, sizeof(sig));
	edit(&m, i + 1, 0, CRYO_REC_SIGNALS, &sig, sizeof(sig));
	REFUSED(&m, i + 1, "a second SIGNALS", "duplicate SIGNALS");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_AUXV, 0);
	edit(&m, i + 1, 0, CRYO_REC_GROUPS, "", 0);
	REFUSED(&m, i + 1, "out of order", "GROUPS after AUXV");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_THREAD, 0);
	edit(&m, i + 1, 0, CRYO_REC_FS, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	REFUSED(&m, i + 1, "out of order", "FS between THREADs");

	/* Each is required in an image with threads. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_GROUPS, 0);
	edit(&m, i, 1, 0, NULL, 0);
	REFUSED(&m, find_rec(&m, CRYO_REC_THREAD, 0), "has no GROUPS record",
		"no GROUPS");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_SIGNALS, 0);
	edit(&m, i, 1, 0, NULL, 0);
	REFUSED(&m, i, "has no SIGNALS record", "no SIGNALS");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, 1, 5, 0, NULL, 0);
	REFUSED(&m, 1, "has no PROCESS record (only an image without threads",
		"no process records at all, with threads");

	/* GROUPS: whole ids; none is fine. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_GROUPS, 0);
	replace(&m, i, CRYO_REC_GROUPS, "\1\0\0\0\2\0", 6);
	REFUSED(&m, i, "not a list of at most 65536 group ids", "GROUPS of 6 bytes");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	replace(&m, i, CRYO_REC_GROUPS, "", 0);
	ACCEPTED(&m, "GROUPS without ids");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	p = calloc(65537, 4);
	replace(&m, i, CRYO_REC_GROUPS, p, 65537 * 4);
	free(p);
	REFUSED(&m, i, "at most 65536", "65537 groups");

	/* AUXV: whole pairs, AT_NULL last and only last. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_AUXV, 0);
	len = peek32(m.b.p, m.off[i] + 4);
	p = malloc(len);
	get_payload(&m, i, p, len);
	replace(&m, i, CRYO_REC_AUXV, p, len - 8);
	REFUSED(&m, i, "not a list of (type, value) pairs", "AUXV of %d bytes", len - 8);
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	replace(&m, i, CRYO_REC_AUXV, p, len - 16);
	REFUSED(&m, i, "not AT_NULL", "AUXV without its AT_NULL");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	replace(&m, i, CRYO_REC_AUXV, "", 0);
	REFUSED(&m, i, "not a list of (type, value) pairs", "empty AUXV");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	memset(pair, 0, sizeof(pair));
	memcpy(p + 16, pair, sizeof(pair));
	replace(&m, i, CRYO_REC_AUXV, p, len);
	REFUSED(&m, i, "AT_NULL at pair 2 of 9", "AT_NULL inside AUXV");
	free(p);

	/* FS: the lengths add up, no NULs, reserved zero. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_FS, 0);
	get_payload(&m, i, &fs, sizeof(fs));
	fs.cwd_len++;
	set_payload(&m, i, &fs, sizeof(fs));
	REFUSED(&m, i, "shorter than", "FS lengths too long");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	fs.cwd_len -= 2;
	set_payload(&m, i, &fs, sizeof(fs));
	REFUSED(&m, i, "expected", "FS lengths too short");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	fs.cwd_len++;
	fs.__reserved = 1;
	set_payload(&m, i, &fs, sizeof(fs));
	REFUSED(&m, i, "reserved field", "FS reserved");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	p = payload(&m, i);
	p[sizeof(fs) + 3] = 0;
	fix_crc(m.b.p, m.off[i]);
	REFUSED(&m, i, "exe path holds a NUL", "NUL in the exe path");

	/* SIGNALS: its exact size; SIGKILL never has a handler. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_SIGNALS, 0);
	get_payload(&m, i, &sig, sizeof(sig));
	replace(&m, i, CRYO_REC_SIGNALS, &sig, sizeof(sig) - 8);
	REFUSED(&m, i, "shorter than", "SIGNALS too short");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	p = calloc(1, sizeof(sig) + 8);
	memcpy(p, &sig, sizeof(sig));
	replace(&m, i, CRYO_REC_SIGNALS, p, sizeof(sig) + 8);
	free(p);
	REFUSED(&m, i, "expected 2064", "SIGNALS too long");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	sig.action[SIGKILL - 1].handler = 0x401000;
	set_payload(&m, i, &sig, sizeof(sig));
	REFUSED(&m, i, "signal 9 has a handler", "SIGKILL caught");

	/* Without threads, the block may be absent, but not in part. */
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x1000, 0x2000, CRYO_VMA_READ, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_trailer(&m);
	ACCEPTED(&m, "no threads, no process records (a layout)");
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_rec(&m, CRYO_REC_PROCESS, zeros, sizeof(struct cryo_image_process), NULL, 0);
	put_block(&m);
	put_files(&m);
	put_trailer(&m);
	ACCEPTED(&m, "no threads, with the process records and files");
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_rec(&m, CRYO_REC_PROCESS, zeros, sizeof(struct cryo_image_process), NULL, 0);
	put_vma(&m, 0x1000, 0x2000, CRYO_VMA_READ, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_trailer(&m);
	REFUSED(&m, 2, "has no GROUPS record", "no threads, PROCESS alone");
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_rec(&m, CRYO_REC_PROCESS, zeros, sizeof(struct cryo_image_process), NULL, 0);
	put_rec(&m, CRYO_REC_GROUPS, NULL, 0, NULL, 0);
	put_trailer(&m);
	REFUSED(&m, 3, "has no AUXV record", "no threads, PROCESS and GROUPS, then TRAILER");
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_files(&m);
	put_trailer(&m);
	REFUSED(&m, 1, "has no PROCESS record", "files without the process records");
}

/* Change a field of record @i's payload, at @off; a new checksum. */
static void set32(struct img *m, int i, size_t off, uint32_t v)
{
	poke32(payload(m, i), off, v);
	fix_crc(m->b.p, m->off[i]);
}

static void set64(struct img *m, int i, size_t off, uint64_t v)
{
	memcpy((unsigned char *)payload(m, i) + off, &v, sizeof(v));
	fix_crc(m->b.p, m->off[i]);
}

#define FILE_OFF(field)	offsetof(struct cryo_image_file, field)
#define FD_OFF(field)	offsetof(struct cryo_image_fd, field)
#define DATA_OFF(field)	offsetof(struct cryo_image_file_data, field)

/* FILE, FILE_DATA and FD: ids, data, references, fd order, contents. */
static void test_files(void)
{
	struct cryo_image_header h;
	struct cryo_image_file_data d = { .id = 3, .offset = REF_UNLINKED };
	struct img m;
	int file[6], f2, f3, fd0, fd4, data, i;

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	for (i = 0; i < 6; i++)
		file[i] = find_rec(&m, CRYO_REC_FILE, i);
	f2 = file[1];
	f3 = file[2];
	fd0 = find_rec(&m, CRYO_REC_FD, 0);
	fd4 = find_rec(&m, CRYO_REC_FD, 4);
	data = find_rec(&m, CRYO_REC_FILE_DATA, 1);	/* file 3, offset 0 */
	free(m.b.p);

	/* FD references. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(file_id), 4);
	REFUSED(&m, fd4, "refers to file 4, but the files so far are 1 to 3",
		"FD of a file not seen yet");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(file_id), 0);
	REFUSED(&m, fd4, "refers to file 0", "FD of file 0");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(file_id), 77);
	REFUSED(&m, fd4, "refers to file 77", "FD of file 77");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, f2 + 2, FD_OFF(file_id), 1);
	REFUSED(&m, f2 + 2, "file 2 is not followed by an FD that refers to it",
		"the FD after FILE 2 refers to file 1");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, fd0, 1, 0, NULL, 0);
	REFUSED(&m, fd0, "file 1 is not followed by an FD", "FILE 1 without its FD");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, find_rec(&m, CRYO_REC_VMA, 0) - 1, 1, 0, NULL, 0);
	REFUSED(&m, find_rec(&m, CRYO_REC_VMA, 0), "file 6 is not followed by an FD",
		"the last FILE without its FD");

	/* fd numbers ascend strictly. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(fd), 3);
	REFUSED(&m, fd4, "fd 3 does not ascend from the previous fd 3", "fd 3 twice");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(fd), 1);
	REFUSED(&m, fd4, "fd 1 does not ascend", "fd 1 after fd 3");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd0, FD_OFF(fd), 0x80000000U);
	REFUSED(&m, fd0, "is not a descriptor", "fd 2^31");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(__reserved), 1);
	REFUSED(&m, fd4, "reserved field", "FD reserved");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(flags), 2);
	REFUSED(&m, fd4, "unknown flags 0x2", "FD flags");

	/* FILE ids count from 1. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[2], FILE_OFF(id), 4);
	REFUSED(&m, f3, "FILE id 4, expected 3", "FILE id skips one");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[2], FILE_OFF(id), 2);
	REFUSED(&m, f3, "FILE id 2, expected 3", "FILE id repeated");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[0], FILE_OFF(id), 0);
	REFUSED(&m, fd0 - 1, "FILE id 0, expected 1", "FILE id 0");

	/* FILE_DATA: its file's id, contiguous, exactly data_size. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, data, DATA_OFF(id), 2);
	REFUSED(&m, data, "data of file 2 does not follow", "FILE_DATA of another file");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, data + 1, DATA_OFF(offset), 101);
	REFUSED(&m, data + 1, "at offset 101, expected 100", "FILE_DATA with a gap");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, data, DATA_OFF(offset), 1);
	REFUSED(&m, data, "at offset 1, expected 0", "FILE_DATA not from 0");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, data + 1, DATA_OFF(__reserved), 1);
	REFUSED(&m, data + 1, "reserved field", "FILE_DATA reserved");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, file[2], FILE_OFF(data_size), 110);
	REFUSED(&m, data + 1, "whose data_size is 110", "FILE_DATA beyond data_size");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, file[2], FILE_OFF(data_size), 130);
	REFUSED(&m, data + 2, "file 3 has 123 of its 130 bytes of data",
		"FILE_DATA short of data_size");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, data, 2, 0, NULL, 0);
	REFUSED(&m, data, "file 3 has 0 of its 123 bytes", "FILE_DATA missing");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, data + 2, 0, CRYO_REC_FILE_DATA, &d, sizeof(d));
	REFUSED(&m, data + 2, "0 bytes of data at offset 123", "empty FILE_DATA");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	{
		unsigned char buf[sizeof(d) + 1] = { 0 };

		memcpy(buf, &d, sizeof(d));
		edit(&m, data + 3, 0, CRYO_REC_FILE_DATA, buf, sizeof(buf));
	}
	REFUSED(&m, data + 3, "data of file 3 does not follow that FILE",
		"FILE_DATA after the FD");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, f2 + 1, 0, CRYO_REC_FILE_DATA, "\2\0\0\0\0\0\0\0\5\0\0\0\0\0\0\0!", 17);
	REFUSED(&m, f2 + 1, "data of file 2 at offset 5, expected 0", "FILE_DATA out of order");

	/* FILE contents. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[1], FILE_OFF(kind), 9);
	REFUSED(&m, f2, "unknown kind 9", "FILE kind 9");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[1], FILE_OFF(flags), 4);
	REFUSED(&m, f2, "flags 0x4", "FILE flags 4");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[1], FILE_OFF(kind), 9);
	set32(&m, file[1], FILE_OFF(flags), 4);
	{
		struct cryo_image_header *hp = payload(&m, 0);

		hp->minor = CRYO_IMAGE_MINOR + 1;
		fix_crc(m.b.p, 0);
	}
	ACCEPTED(&m, "unknown FILE kind and flags in a newer image");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[2], FILE_OFF(mode), S_IFDIR | 0644);
	REFUSED(&m, f3, "is not of the inode type of kind 1", "REG with a directory's mode");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[1], FILE_OFF(flags), CRYO_FILE_UNLINKED);
	REFUSED(&m, f2, "UNLINKED on a file that is not regular", "unlinked pipe");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, file[0], FILE_OFF(data_size), 1);
	REFUSED(&m, fd0 - 1, "1 bytes of data for a file that has none", "data for a CHR");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, file[0], FILE_OFF(pipe_id), 5);
	REFUSED(&m, fd0 - 1, "a pipe_id on a file that is not a pipe", "pipe_id on a CHR");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[4], FILE_OFF(flags), 0);
	REFUSED(&m, find_rec(&m, CRYO_REC_FILE, 4), "kind OTHER without the LOST flag",
		"OTHER not LOST");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	get_payload(&m, 0, &h, sizeof(h));
	h.freeze_flags = CRYO_FREEZE_KILL;
	set_payload(&m, 0, &h, sizeof(h));
	REFUSED(&m, file[4], "LOST file in an image taken without ACCEPT_LOSS",
		"LOST without ACCEPT_LOSS");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	((unsigned char *)payload(&m, f3))[sizeof(struct cryo_image_file) + 2] = 0;
	fix_crc(m.b.p, m.off[f3]);
	REFUSED(&m, f3, "the path holds a NUL byte", "NUL in a FILE path");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[2], FILE_OFF(name_len), 7);
	REFUSED(&m, f3, "shorter than", "FILE name_len too long");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[2], FILE_OFF(name_len), 5);
	REFUSED(&m, f3, "expected", "FILE name_len too short");

	/* Files come after the threads and before the VMAs. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, find_rec(&m, CRYO_REC_VMA, 0) + 1, 0, CRYO_REC_FD,
	     "\x09\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0", 16);
	REFUSED(&m, find_rec(&m, CRYO_REC_VMA, 0) + 1, "out of order", "FD among the VMAs");
}

/* A record of the largest size, fed by a writer process. */
static void test_big_record(void)
{
	const uint64_t nr = (CRYO_REC_MAX_LEN - sizeof(struct cryo_image_pages)) / PAGE;
	struct result r;
	struct img m;

	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x100000, 0x100000 + 2 * nr * PAGE, CRYO_VMA_READ | CRYO_VMA_WRITE,
		CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_pages(&m, 0x100000, nr);
	put_pages(&m, 0x100000 + nr * PAGE, nr);
	put_trailer(&m);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == 0 && r.nr == 4, "two %llu-page records through a pipe: %d %s",
	      (unsigned long long)nr, r.ret, r.msg);
	free(m.b.p);
}

/* ---- cryoctl_freeze() against a fake device ----------------------------- */

static int fake_dev = -1;
static int fake_freeze_errno;
static int fake_bad_fd = -1;
static uint32_t fake_refusal;
static struct cryo_freeze fake_freeze_seen;
static int fake_commits;
static bool fake_commit_at_eof;

/*
 * The thaw side of the fake device: VERSION, THAW and THAW_STATUS.  The
 * stub in the process being restored issues its ioctls with raw system
 * calls, so they reach the kernel: on /dev/null as the fake device they
 * fail with ENOTTY, as a module would refuse them.
 */
static uint64_t fake_features = CRYO_FEATURE_ALL;
static uint32_t fake_abi_major = CRYO_ABI_MAJOR;
static int fake_thaw_errno;
static int fake_thaw_calls;
static struct cryo_thaw fake_thaw_seen;
static struct cryo_thaw_inherit fake_inherit_seen[4];
static unsigned int fake_thaw_threads = 3;
static unsigned int fake_thaw_pipes = 2;
static unsigned int fake_fpu_size = 832;

/* What a 1.4 module plans for an image of the caller's own: no change. */
static void fake_thaw_creds(struct cryo_thaw *t)
{
	uid_t u[3];
	gid_t g[3];
	struct rlimit rl;
	unsigned int i;
	int n;

	getresuid(&u[0], &u[1], &u[2]);
	getresgid(&g[0], &g[1], &g[2]);
	for (i = 0; i < 3; i++) {
		t->uid[i] = u[i];
		t->gid[i] = g[i];
	}
	t->uid[3] = u[1];
	t->gid[3] = g[1];
	n = getgroups(t->groups_len, (gid_t *)(uintptr_t)t->groups);
	t->nr_groups = n > 0 ? n : 0;
	for (i = 0; i < 16; i++) {
		getrlimit(i, &rl);
		t->rlim[i][0] = rl.rlim_cur;
		t->rlim[i][1] = rl.rlim_max;
	}
	t->oom_score_adj = 0;
	t->cred_flags = 0;
}

static __s32 fake_tid0;
static struct cryo_thaw_status fake_status;
static bool fake_status_wait = true;	/* knows CRYO_THAW_STATUS_WAIT */
static int fake_status_waits;

static int fake_thaw_ioctl(unsigned long req, void *arg)
{
	if (req == CRYO_IOC_VERSION) {
		struct cryo_version *v = arg;

		v->abi_major = fake_abi_major;
		v->abi_minor = 1;
		v->features = fake_features;
		return 0;
	}
	if (req == CRYO_IOC_THAW) {
		struct cryo_thaw *t = arg;
		__s32 *tids = (__s32 *)(uintptr_t)t->tids;
		unsigned int i;
		void *p;

		fake_thaw_calls++;
		memcpy(&fake_thaw_seen, t, sizeof(*t));
		if (t->nr_inherit && t->nr_inherit <= ARRAY_SIZE(fake_inherit_seen))
			memcpy(fake_inherit_seen, (void *)(uintptr_t)t->inherit,
			       t->nr_inherit * sizeof(*fake_inherit_seen));
		if (fake_thaw_errno) {
			errno = fake_thaw_errno;
			return -1;
		}
		/* A free range: free in every process forked from us too. */
		p = mmap(NULL, t->stub_size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			abort();
		munmap(p, t->stub_size);
		t->stub_addr = (uintptr_t)p;
		t->pid = 4242;
		t->nr_threads = fake_thaw_threads;
		t->nr_pipes = fake_thaw_pipes;
		t->fpu_size = fake_fpu_size;
		for (i = 0; i < fake_thaw_threads && i < t->tids_len; i++)
			tids[i] = (fake_tid0 ? fake_tid0 : 4242) + i;
		if (t->size >= CRYO_THAW_SIZE_VER1)
			fake_thaw_creds(t);
		return 0;
	}
	if (req == CRYO_IOC_THAW_STATUS) {
		struct cryo_thaw_status *st = arg;

		if (st->size < CRYO_THAW_STATUS_SIZE_VER0 ||
		    (st->flags & ~(fake_status_wait ? CRYO_THAW_STATUS_WAIT : 0))) {
			errno = EINVAL;
			return -1;
		}
		fake_status_waits += !!st->flags;
		memcpy(st, &fake_status, sizeof(*st));
		st->size = sizeof(*st);
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	char c;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fake_dev || fd < 0)
		return syscall(SYS_ioctl, fd, req, arg);
	if (req == CRYO_IOC_FREEZE) {
		struct cryo_freeze *f = arg;

		memcpy(&fake_freeze_seen, arg, sizeof(fake_freeze_seen));
		/* As the module: bad_fd is -1 unless the freeze fails for one. */
		f->bad_fd = fake_freeze_errno == EOPNOTSUPP ? fake_bad_fd : -1;
		/* ABI 1.4: a refusal is named, and so is what it is about. */
		if (f->size >= CRYO_FREEZE_SIZE_VER1 && fake_refusal) {
			f->refusal = fake_refusal;
			f->refusal_id = 4321;
		}
		if (fake_freeze_errno) {
			errno = fake_freeze_errno;
			return -1;
		}
		f->nr_threads = 3;
		return 0;
	}
	if (req == CRYO_IOC_COMMIT) {
		fake_commits++;
		fake_commit_at_eof = read(fd, &c, 1) == 0;
		return 0;
	}
	return fake_thaw_ioctl(req, arg);
}

struct prog {
	int calls;
	uint64_t last;
	bool monotonic;
	int stop_after;
};

static int prog_cb(uint64_t bytes, void *arg)
{
	struct prog *p = arg;

	if (bytes <= p->last)
		p->monotonic = false;
	p->last = bytes;
	return ++p->calls == p->stop_after;
}

static void noop_handler(int sig)
{
}

/*
 * A child that reads @fd slowly and reports the CRC of it on @res; it
 * closes @wr, the write end of @fd's pipe, so as to see EOF.
 */
static pid_t slow_reader(int fd, int wr, int res)
{
	pid_t pid = fork();
	unsigned char b[3000];
	uint32_t crc = ~0U;
	ssize_t n;

	if (pid)
		return pid;
	close(wr);
	while ((n = read(fd, b, sizeof(b))) > 0) {
		crc = cryoctl_crc32c(crc, b, n);
		if (!(crc & 7))
			usleep(100);
	}
	if (write(res, &crc, sizeof(crc)) != sizeof(crc))
		_exit(1);
	_exit(0);
}

static void test_freeze(void)
{
	const size_t len = 3 * 1024 * 1024 + 123;
	unsigned char *data = malloc(len), *out;
	struct itimerval it = { { 0, 500 }, { 0, 500 } };
	struct sigaction sa = { .sa_handler = noop_handler };
	struct prog p;
	int outfd, pfd[2], res[2], ret;
	uint32_t crc;
	size_t i;

	for (i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 12));

	/* Default flags: copied, progress monotonic, no COMMIT. */
	fake_dev = feed(data, len);
	outfd = memfd_create("out", MFD_CLOEXEC);
	p = (struct prog){ .monotonic = true };
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, 0, 1500, outfd, prog_cb, &p);
	CHECK(ret == 0, "freeze into a file: %d", ret);
	CHECK(fake_freeze_seen.size == sizeof(struct cryo_freeze) &&
	      fake_freeze_seen.flags == 0 && fake_freeze_seen.pid == 42 &&
	      fake_freeze_seen.timeout_ms == 1500 && !fake_freeze_seen.bad_fd,
	      "CRYO_IOC_FREEZE argument");
	out = mmap(NULL, len, PROT_READ, MAP_SHARED, outfd, 0);
	CHECK(lseek(outfd, 0, SEEK_END) == (off_t)len && out != MAP_FAILED &&
	      !memcmp(out, data, len), "the image is copied whole");
	munmap(out, len);
	CHECK(p.calls >= 4 && p.monotonic && p.last == len,
	      "progress: %d calls, last %llu", p.calls, (unsigned long long)p.last);
	CHECK(fake_commits == 0, "no COMMIT without KILL");
	close(outfd);
	close(fake_dev);

	/* KILL: COMMIT once, after EOF. */
	fake_dev = feed(data, len);
	outfd = memfd_create("out", MFD_CLOEXEC);
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_KILL, 0, outfd, NULL, NULL);
	CHECK(ret == 0 && fake_commits == 1 && fake_commit_at_eof,
	      "KILL: %d, %d commits, at EOF %d", ret, fake_commits, fake_commit_at_eof);
	close(outfd);
	close(fake_dev);

	/* LEAVE_FROZEN: no COMMIT. */
	fake_dev = feed(data, 1000);
	outfd = memfd_create("out", MFD_CLOEXEC);
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_LEAVE_FROZEN, 0, outfd, NULL, NULL);
	CHECK(ret == 0 && fake_commits == 0, "LEAVE_FROZEN: %d, %d commits", ret,
	      fake_commits);
	close(outfd);
	close(fake_dev);

	/* The freeze fails: its errno, nothing read. */
	fake_dev = feed(data, 1000);
	outfd = memfd_create("out", MFD_CLOEXEC);
	fake_freeze_errno = ESRCH;
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_KILL, 0, outfd, NULL, NULL);
	CHECK(ret == -ESRCH && fake_commits == 0 && lseek(outfd, 0, SEEK_END) == 0,
	      "FREEZE fails: %d", ret);
	fake_freeze_errno = 0;
	close(outfd);
	close(fake_dev);

	/* The output's reader is gone: -EPIPE, no COMMIT even with KILL. */
	signal(SIGPIPE, SIG_IGN);
	fake_dev = feed(data, len);
	if (pipe(pfd))
		abort();
	close(pfd[0]);
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_KILL, 0, pfd[1], NULL, NULL);
	CHECK(ret == -EPIPE && fake_commits == 0, "broken pipe: %d, %d commits", ret,
	      fake_commits);
	close(pfd[1]);
	close(fake_dev);
	while (waitpid(-1, NULL, 0) > 0)
		;

	/* The progress callback stops it: -ECANCELED, no COMMIT. */
	fake_dev = feed(data, len);
	outfd = memfd_create("out", MFD_CLOEXEC);
	p = (struct prog){ .monotonic = true, .stop_after = 2 };
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_KILL, 0, outfd, prog_cb, &p);
	CHECK(ret == -ECANCELED && fake_commits == 0 && p.calls == 2,
	      "progress says stop: %d", ret);
	close(outfd);
	close(fake_dev);
	while (waitpid(-1, NULL, 0) > 0)
		;

	/*
	 * Into a slow pipe reader while a timer interrupts every 0.5 ms:
	 * short writes and EINTR on both ends, and still every byte arrives.
	 */
	fake_dev = feed(data, len);
	if (pipe(pfd) || pipe(res))
		abort();
	slow_reader(pfd[0], pfd[1], res[1]);
	close(pfd[0]);
	close(res[1]);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	setitimer(ITIMER_REAL, &it, NULL);
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_KILL, 0, pfd[1], NULL, NULL);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	close(pfd[1]);
	crc = 0;
	if (read(res[0], &crc, sizeof(crc)) != sizeof(crc))
		crc = 0;
	CHECK(ret == 0 && fake_commits == 1 && crc == cryoctl_crc32c(~0U, data, len),
	      "interrupted slow pipe: %d, %d commits, crc %s", ret, fake_commits,
	      crc == cryoctl_crc32c(~0U, data, len) ? "ok" : "WRONG");
	close(res[0]);
	close(fake_dev);
	fake_dev = -1;
	while (waitpid(-1, NULL, 0) > 0)
		;

	/* An output that cannot be written: refused before freezing. */
	fake_dev = feed(data, 1000);
	outfd = open("/dev/null", O_RDONLY);
	fake_freeze_seen.size = 0;
	ret = cryoctl_freeze(fake_dev, 42, 0, 0, outfd, NULL, NULL);
	CHECK(ret == -EBADF && !fake_freeze_seen.size, "read-only output: %d", ret);
	close(outfd);
	ret = cryoctl_freeze(fake_dev, 42, 0, 0, outfd, NULL, NULL);
	CHECK(ret == -EBADF && !fake_freeze_seen.size, "closed output: %d", ret);
	close(fake_dev);
	fake_dev = -1;

	/* cryoctl_freeze_ex(): threads, bytes; the fd that cannot be saved. */
	{
		struct cryoctl_freeze_result res;
		struct {
			struct cryoctl_freeze_result r;
			uint64_t beyond;
		} big;

		fake_dev = feed(data, 1000);
		outfd = memfd_create("out", MFD_CLOEXEC);
		memset(&res, 0xa5, sizeof(res));
		res.size = sizeof(res);
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == 0 && res.size == sizeof(res) && res.nr_threads == 3 &&
		      res.bad_fd == -1 && res.bytes == 1000 && !res.__reserved,
		      "freeze_ex: %d, %u threads, bad_fd %d, %llu bytes", ret,
		      res.nr_threads, res.bad_fd, (unsigned long long)res.bytes);
		close(outfd);
		close(fake_dev);

		fake_dev = feed(data, 1000);
		outfd = memfd_create("out", MFD_CLOEXEC);
		fake_freeze_errno = EOPNOTSUPP;
		fake_bad_fd = 5;
		fake_freeze_seen.bad_fd = 77;
		memset(&res, 0xa5, sizeof(res));
		res.size = sizeof(res);
		ret = cryoctl_freeze_ex(fake_dev, 42, CRYO_FREEZE_KILL, 0, outfd, NULL,
					NULL, &res);
		CHECK(ret == -EOPNOTSUPP && res.bad_fd == 5 && res.nr_threads == 0 &&
		      res.bytes == 0 && lseek(outfd, 0, SEEK_END) == 0 &&
		      fake_freeze_seen.bad_fd == 0,
		      "freeze_ex refused for fd 5: %d, bad_fd %d, sent %d", ret,
		      res.bad_fd, fake_freeze_seen.bad_fd);
		ret = cryoctl_freeze(fake_dev, 42, 0, 0, outfd, NULL, NULL);
		CHECK(ret == -EOPNOTSUPP, "cryoctl_freeze refused: %d", ret);
		fake_freeze_errno = EPERM;
		fake_refusal = CRYO_REFUSAL_CAPS;
		memset(&res, 0xa5, sizeof(res));
		res.size = sizeof(res);
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == -EPERM && res.refusal == CRYO_REFUSAL_CAPS &&
		      res.refusal_id == 4321 && res.bad_fd == -1 &&
		      fake_freeze_seen.size == sizeof(struct cryo_freeze) &&
		      !fake_freeze_seen.refusal && !fake_freeze_seen.refusal_id,
		      "freeze_ex refused with a reason: %d, refusal %u id %d", ret,
		      res.refusal, res.refusal_id);
		/* A caller of the first result size gets no more than it knows. */
		memset(&res, 0xa5, sizeof(res));
		res.size = CRYOCTL_FREEZE_RESULT_SIZE_VER0;
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == -EPERM && res.refusal == 0xa5a5a5a5,
		      "freeze_ex, old result size: %d, refusal 0x%x", ret,
		      res.refusal);
		fake_refusal = 0;
		fake_freeze_errno = ESRCH;
		res.bad_fd = 9;
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == -ESRCH && res.bad_fd == -1, "freeze_ex ESRCH: %d, bad_fd %d",
		      ret, res.bad_fd);
		fake_freeze_errno = 0;
		fake_bad_fd = -1;

		/* A caller built against a later, larger result. */
		memset(&big, 0xa5, sizeof(big));
		big.r.size = sizeof(big);
		fake_freeze_errno = EOPNOTSUPP;
		fake_bad_fd = 0;
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &big.r);
		CHECK(ret == -EOPNOTSUPP && big.r.bad_fd == 0 && big.r.size == sizeof(big) &&
		      big.beyond == 0xa5a5a5a5a5a5a5a5ULL,
		      "freeze_ex with a larger result: %d, bad_fd %d", ret, big.r.bad_fd);
		fake_freeze_errno = 0;
		fake_bad_fd = -1;

		/* Too small a result: refused before anything is frozen. */
		fake_freeze_seen.size = 0;
		res.size = CRYOCTL_FREEZE_RESULT_SIZE_VER0 - 1;
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == -EINVAL && !fake_freeze_seen.size,
		      "freeze_ex with a short result: %d", ret);
		CHECK(sizeof(struct cryoctl_freeze_result) == CRYOCTL_FREEZE_RESULT_SIZE_VER1,
		      "CRYOCTL_FREEZE_RESULT_SIZE_VER1 is the size");
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, NULL);
		CHECK(ret == 0, "freeze_ex without a result: %d", ret);
		close(outfd);
		close(fake_dev);
		fake_dev = -1;
	}

	/* Not a cryo device at all. */
	outfd = open("/dev/null", O_RDWR);
	CHECK(cryoctl_freeze(outfd, 42, 0, 0, outfd, NULL, NULL) == -ENOTTY,
	      "freeze on /dev/null is -ENOTTY");
	CHECK(cryoctl_commit(outfd) == -ENOTTY, "commit on /dev/null is -ENOTTY");
	close(outfd);
	free(data);
}

/* ---- cryoctl_thaw() and cryoctl_remap_maps() against a fake device ------ */

static int count_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		abort();
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n - 1;	/* the directory's own */
}

/* No child left, none to reap. */
static bool no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static uint64_t sigmask_now(void)
{
	sigset_t set;
	uint64_t m = 0;
	int i;

	sigprocmask(SIG_SETMASK, NULL, &set);
	for (i = 1; i < 64; i++)
		if (sigismember(&set, i) == 1)
			m |= 1ULL << (i - 1);
	return m;
}

/* A file holding just a HEADER for @nr_threads threads (what pread() sees). */
/* An image file holding only a HEADER, announcing @fpu_size (0: FPU_SIZE). */
static int header_file_fpu(uint32_t nr_threads, uint32_t fpu_size)
{
	struct img *m = calloc(1, sizeof(*m));
	int fd = memfd_create("img", MFD_CLOEXEC);
	struct cryo_image_header *h;

	if (!m || fd < 0)
		abort();
	put_header(m, nr_threads, CRYO_IMAGE_MINOR);
	if (fpu_size) {
		h = (void *)(m->b.p + sizeof(struct cryo_rec));
		h->fpu_size = fpu_size;
		((struct cryo_rec *)m->b.p)->crc =
			cryoctl_record_crc((struct cryo_rec *)m->b.p, h);
	}
	if (write(fd, m->b.p, m->b.len) != (ssize_t)m->b.len)
		abort();
	lseek(fd, 0, SEEK_SET);
	free(m->b.p);
	free(m);
	return fd;
}

static int header_file(uint32_t nr_threads)
{
	return header_file_fpu(nr_threads, 0);
}

/*
 * XSAVE area sizes the thaw must size its region for, whatever this
 * host's CPU is: FXSAVE only, AVX, AVX-512 (with PKRU), AMX (tile data),
 * and beyond.
 */
static const unsigned int fpu_sizes[] = { 512, 832, 2696, 11008, 12352, 16384 };

/* AVX-512's, unless a test says otherwise: not this host's. */
#define FAKE_CPU_FPU_SIZE	2696

static void reset_fake_thaw(void)
{
	cryoctl_thaw_fake_cpu_fpu_size = FAKE_CPU_FPU_SIZE;
	fake_fpu_size = 832;
	fake_features = CRYO_FEATURE_ALL;
	fake_abi_major = CRYO_ABI_MAJOR;
	fake_thaw_errno = 0;
	fake_thaw_calls = 0;
	fake_thaw_threads = 3;
	fake_thaw_pipes = 2;
	fake_tid0 = 0;
	memset(&fake_thaw_seen, 0, sizeof(fake_thaw_seen));
	memset(&fake_status, 0, sizeof(fake_status));
	fake_status.state = CRYO_THAW_PREPARED;
	fake_status_wait = true;
	fake_status_waits = 0;
}

static void test_thaw_args(int img)
{
	struct cryo_thaw_inherit inh[3] = { { 1, 1 }, { 5, 2 }, { 1, 0 } };
	struct cryoctl_thaw_result res;
	int ret;

	reset_fake_thaw();
	fake_features = CRYO_FEATURE_VERSION | CRYO_FEATURE_FREEZE;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -EOPNOTSUPP && res.error == EOPNOTSUPP && !res.pid &&
	      strstr(res.message, "cannot thaw") && !fake_thaw_calls,
	      "thaw without the THAW feature: %d '%s'", ret, res.message);
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, NULL);
	CHECK(ret == -EOPNOTSUPP, "thaw without the feature, no result: %d", ret);
	fake_features = CRYO_FEATURE_ALL;

	fake_abi_major = CRYO_ABI_MAJOR + 1;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -EPROTO && strstr(res.message, "ABI") && !fake_thaw_calls,
	      "thaw with another ABI major: %d '%s'", ret, res.message);
	fake_abi_major = CRYO_ABI_MAJOR;

	ret = cryoctl_thaw(fake_dev, img, 1u << 5, NULL, 0, &res);
	CHECK(ret == -EINVAL && res.error == EINVAL && strstr(res.message, "flags") &&
	      !fake_thaw_calls, "thaw with unknown flags: %d '%s'", ret, res.message);
	ret = cryoctl_thaw(-1, img, 0, NULL, 0, &res);
	CHECK(ret == -EBADF, "thaw on devfd -1: %d", ret);
	ret = cryoctl_thaw(fake_dev, -1, 0, NULL, 0, &res);
	CHECK(ret == -EBADF, "thaw of image fd -1: %d", ret);
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 2, &res);
	CHECK(ret == -EINVAL && !fake_thaw_calls, "thaw with NULL inherit: %d", ret);
	ret = cryoctl_thaw(fake_dev, img, 0, inh, CRYO_THAW_INHERIT_MAX + 1, &res);
	CHECK(ret == -EINVAL && strstr(res.message, "more than") && !fake_thaw_calls,
	      "thaw with too many inherited fds: %d '%s'", ret, res.message);
	ret = cryoctl_thaw(fake_dev, img, 0, inh, 3, &res);
	CHECK(ret == -EINVAL && strstr(res.message, "fd 1 is inherited twice") &&
	      !fake_thaw_calls, "thaw inheriting fd 1 twice: %d '%s'", ret, res.message);
	inh[2].fd = -3;
	ret = cryoctl_thaw(fake_dev, img, 0, inh, 3, &res);
	CHECK(ret == -EINVAL && strstr(res.message, "negative") && !fake_thaw_calls,
	      "thaw inheriting fd -3: %d '%s'", ret, res.message);

	/* CRYO_IOC_THAW fails: its errno, the module's message. */
	fake_thaw_errno = ENXIO;
	fake_status.state = CRYO_THAW_FAILED;
	fake_status.error = ENXIO;
	strcpy(fake_status.message, "record 12 (FD): fd 5: the other end is not in the image");
	ret = cryoctl_thaw(fake_dev, img, CRYOCTL_THAW_WAIT | CRYOCTL_THAW_SAME_PID,
			   inh, 2, &res);
	CHECK(ret == -ENXIO && res.error == ENXIO && !strcmp(res.message, fake_status.message),
	      "THAW refused: %d '%s'", ret, res.message);
	CHECK(fake_thaw_calls == 1 && fake_thaw_seen.size == sizeof(struct cryo_thaw) &&
	      fake_thaw_seen.flags == CRYO_THAW_SAME_PID && fake_thaw_seen.image_fd == img &&
	      fake_thaw_seen.nr_inherit == 2 && fake_inherit_seen[1].fd == 5 &&
	      fake_inherit_seen[1].source_fd == 2 && fake_thaw_seen.tids &&
	      fake_thaw_seen.tids_len >= 1 && fake_thaw_seen.stub_size &&
	      !(fake_thaw_seen.stub_size & 4095) && !fake_thaw_seen.stub_addr,
	      "the CRYO_IOC_THAW argument: flags 0x%x, %u inherited, stub_size %u",
	      fake_thaw_seen.flags, fake_thaw_seen.nr_inherit, fake_thaw_seen.stub_size);
	fake_status.message[0] = 0;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -ENXIO && !strcmp(res.message, strerror(ENXIO)),
	      "THAW refused without a message: %d '%s'", ret, res.message);
	CHECK(no_children(), "no child after a refused THAW");
}

/*
 * The stub for real, as far as it goes without a module: the process R is
 * created, maps the stub region, runs the stub, which creates the
 * threads; they and the leader get ENOTTY from the device, the threads
 * exit, the leader waits for them and returns the error to the library.
 */
static void test_thaw_stub(int img)
{
	static const unsigned int threads[] = { 1, 2, 17 };
	static const unsigned int flags[] = { 0, CRYOCTL_THAW_WAIT };
	struct cryoctl_thaw_result res;
	uint64_t mask = sigmask_now();
	int fds = count_fds(), ret, file;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(threads); i++) {
		for (j = 0; j < ARRAY_SIZE(flags); j++) {
			reset_fake_thaw();
			/* Once, a module without CRYO_THAW_STATUS_WAIT. */
			fake_status_wait = i != 1;
			fake_thaw_threads = threads[i];
			memset(&res, 0x5a, sizeof(res));
			ret = cryoctl_thaw(fake_dev, img, flags[j], NULL, 0, &res);
			CHECK(ret == -ENOTTY && res.error == ENOTTY && res.pid == 0 &&
			      strstr(res.message, strerror(ENOTTY)),
			      "stub with %u threads, flags 0x%x: %d '%s'", threads[i],
			      flags[j], ret, res.message);
			CHECK(fake_status_waits == (i != 1), "the outcome is waited for: %d",
			      fake_status_waits);
			CHECK(no_children() && count_fds() == fds && sigmask_now() == mask,
			      "nothing left behind (%u threads, flags 0x%x): %d fds, was %d",
			      threads[i], flags[j], count_fds(), fds);
		}
	}

	/* The module failed the restore: its errno and message win. */
	reset_fake_thaw();
	fake_status.state = CRYO_THAW_FAILED;
	fake_status.error = EBUSY;
	strcpy(fake_status.message, "2 of 3 threads arrived within 5 s");
	ret = cryoctl_thaw(fake_dev, img, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	CHECK(ret == -EBUSY && !strcmp(res.message, fake_status.message) && no_children(),
	      "failed restore: %d '%s'", ret, res.message);

	/* No pipes at all; many. */
	reset_fake_thaw();
	fake_thaw_pipes = 0;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -ENOTTY && no_children(), "no pipes: %d '%s'", ret, res.message);
	fake_thaw_pipes = 200;
	ret = cryoctl_thaw(fake_dev, img, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	CHECK(ret == -ENOTTY && no_children() && count_fds() == fds,
	      "200 pipes: %d '%s'", ret, res.message);

	/* SAME_PID with a pid that is taken (1), or not ours to take. */
	reset_fake_thaw();
	fake_tid0 = 1;
	for (j = 0; j < ARRAY_SIZE(flags); j++) {
		ret = cryoctl_thaw(fake_dev, img, flags[j] | CRYOCTL_THAW_SAME_PID, NULL, 0,
				   &res);
		CHECK((ret == -EEXIST && strstr(res.message, "pid 1: it is in use")) ||
		      (ret == -EPERM && strstr(res.message, "CAP_CHECKPOINT_RESTORE")),
		      "same pid 1, flags 0x%x: %d '%s'", flags[j], ret, res.message);
		CHECK(no_children() && count_fds() == fds, "nothing left after pid 1");
	}

	/* The region is sized from the HEADER of an image in a file. */
	reset_fake_thaw();
	fake_thaw_threads = 300;
	file = header_file(300);
	ret = cryoctl_thaw(fake_dev, file, 0, NULL, 0, &res);
	CHECK(ret == -ENOTTY && no_children(), "300 threads from a file: %d '%s'", ret,
	      res.message);
	close(file);
	/* A module that disagrees with the HEADER: refused before R exists. */
	file = header_file(2);
	ret = cryoctl_thaw(fake_dev, file, 0, NULL, 0, &res);
	CHECK(ret == -E2BIG && strstr(res.message, "300 threads") && no_children(),
	      "more threads than the HEADER said: %d '%s'", ret, res.message);
	close(file);
	/* From a pipe, at most 4096 threads. */
	fake_thaw_threads = 5000;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -E2BIG && strstr(res.message, "pipe") && no_children(),
	      "5000 threads from a pipe: %d '%s'", ret, res.message);
	CHECK(count_fds() == fds && sigmask_now() == mask, "nothing left behind at all");
}

/*
 * The stub region's layout for every XSAVE size: nothing overlaps, every
 * FPU buffer is 64-byte aligned and holds the state, every stack is page
 * aligned and has room for the stub and two signal frames of that state,
 * and a region laid out for more threads or more FPU state holds one for
 * fewer (the library sizes the region before it knows either).
 */
static void test_region_layout(void)
{
	static const size_t threads[] = { 1, 2, 17, 4096 };
	struct cryoctl_region r, big;
	unsigned int i, j;
	size_t end;

	for (i = 0; i < ARRAY_SIZE(fpu_sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(threads); j++) {
			cryoctl_region_layout(&r, threads[j], 4096, fpu_sizes[i], 0);
			end = r.fpu + threads[j] * r.fpu_slot;
			CHECK(r.init_len <= r.fpu && !(r.fpu % 64) && !(r.fpu_slot % 64) &&
			      r.fpu_slot >= fpu_sizes[i] && end <= r.stacks &&
			      !(r.stacks % 4096) && !(r.stack_size % 4096) &&
			      r.stack_size >= STUB_STACK_MIN &&
			      r.stack_size >= 2 * (fpu_sizes[i] + 1024) &&
			      r.stacks + threads[j] * r.stack_size <= r.len &&
			      !(r.len % 4096),
			      "region for %zu threads of %u bytes of FPU state: fpu %zu+%zu, stacks %zu+%zu, len %zu",
			      threads[j], fpu_sizes[i], r.fpu, r.fpu_slot, r.stacks,
			      r.stack_size, r.len);
			cryoctl_region_layout(&big, threads[j] + 1, 4096, fpu_sizes[i], 0);
			CHECK(big.len >= r.len && big.stacks >= r.stacks,
			      "one more thread than %zu never shrinks the region", threads[j]);
			cryoctl_region_layout(&big, threads[j], 4096, fpu_sizes[i] + 64, 0);
			CHECK(big.len >= r.len && big.stacks >= r.stacks &&
			      big.stack_size >= r.stack_size,
			      "more FPU state than %u never shrinks the region", fpu_sizes[i]);
		}
	}
}

/*
 * What a thaw accepts must not depend on the host's CPU: for every XSAVE
 * size the fake CPU has, an image on a pipe may have up to 4096 threads
 * and the CPU's FPU size, one on a file what its HEADER says.
 */
static void test_thaw_fpu_sizes(int img)
{
	struct cryoctl_thaw_result res;
	struct cryoctl_region r;
	unsigned int i, sz;
	int ret, file;

	for (i = 0; i < ARRAY_SIZE(fpu_sizes); i++) {
		sz = fpu_sizes[i];
		reset_fake_thaw();
		cryoctl_thaw_fake_cpu_fpu_size = sz;
		fake_fpu_size = sz;

		fake_thaw_threads = 4097;
		ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
		CHECK(ret == -E2BIG && strstr(res.message, "4097 threads") &&
		      strstr(res.message, "pipe") && no_children(),
		      "CPU with %u bytes of XSAVE: 4097 threads from a pipe: %d '%s'", sz, ret,
		      res.message);
		cryoctl_region_layout(&r, 4096, 4096, sz, 0);
		CHECK(fake_thaw_seen.stub_size >= r.len,
		      "CPU with %u bytes of XSAVE: a pipe's region (%llu bytes) holds 4096 threads (%zu)",
		      sz, (unsigned long long)fake_thaw_seen.stub_size, r.len);

		/* A module that reports more FPU state than this CPU has. */
		fake_thaw_threads = 2;
		fake_fpu_size = sz + 64;
		ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
		CHECK(ret == -E2BIG && strstr(res.message, "FPU state") && no_children(),
		      "CPU with %u bytes of XSAVE, %u from a pipe: %d '%s'", sz, sz + 64, ret,
		      res.message);

		/* From a file, the HEADER's FPU size counts, larger or not. */
		fake_fpu_size = sz + 4096;
		file = header_file_fpu(2, sz + 4096);
		ret = cryoctl_thaw(fake_dev, file, 0, NULL, 0, &res);
		close(file);
		cryoctl_region_layout(&r, 2, 4096, sz + 4096, 0);
		CHECK(ret == -ENOTTY && fake_thaw_seen.stub_size >= r.len && no_children(),
		      "CPU with %u bytes of XSAVE, a file of %u: %d '%s'", sz, sz + 4096, ret,
		      res.message);
	}

	/* A region the 32-bit stub_size cannot express: refused up front. */
	reset_fake_thaw();
	cryoctl_thaw_fake_cpu_fpu_size = 16384;
	file = header_file_fpu(65536, 16384);
	ret = cryoctl_thaw(fake_dev, file, 0, NULL, 0, &res);
	close(file);
	CHECK(ret == -E2BIG && !fake_thaw_calls && strstr(res.message, "4 GiB") &&
	      no_children(), "65536 threads of 16 KiB of FPU state: %d '%s'", ret,
	      res.message);
	reset_fake_thaw();
}

static void test_remap_maps(void)
{
	struct img m;
	char buf[4096];
	size_t len = 77;
	int fds = count_fds(), img, ret;

	reset_fake_thaw();
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x10000000, 0x10004000, CRYO_VMA_READ | CRYO_VMA_WRITE,
		CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_trailer(&m);

	fake_features = CRYO_FEATURE_ALL & ~CRYO_FEATURE_REMAP;
	img = feed(m.b.p, m.b.len);
	ret = cryoctl_remap_maps(fake_dev, img, buf, sizeof(buf), &len);
	CHECK(ret == -EOPNOTSUPP && len == 77, "remap without the feature: %d", ret);
	close(img);
	fake_features = CRYO_FEATURE_ALL;

	/* The child maps the stub and issues the remap: ENOTTY. */
	img = feed(m.b.p, m.b.len);
	ret = cryoctl_remap_maps(fake_dev, img, buf, sizeof(buf), &len);
	close(img);
	CHECK(ret == -ENOTTY && no_children() && count_fds() == fds,
	      "remap by the stub on /dev/null: %d", ret);

	img = feed("garbage garbage garbage", 23);
	ret = cryoctl_remap_maps(fake_dev, img, buf, sizeof(buf), &len);
	CHECK(ret == -EPROTO && no_children(), "remap of garbage: %d", ret);
	close(img);
	CHECK(cryoctl_remap_maps(fake_dev, -1, buf, sizeof(buf), &len) == -EBADF,
	      "remap of fd -1");
	CHECK(cryoctl_remap_maps(fake_dev, 0, NULL, 5, &len) == -EINVAL,
	      "remap into NULL");
	CHECK(count_fds() == fds, "remap: no fd left behind");
	free(m.b.p);
}

/*
 * ---- the stub's way past the point of no return, with a traced fake ----
 *
 * A worker process runs cryoctl_thaw() and cryoctl_remap_maps() under a
 * seccomp filter that stops it (SECCOMP_RET_TRACE) at every
 * CRYO_IOC_THAW_THREAD, _RESTORE, _FINISH and CRYO_IOC_REMAP.  This
 * process traces the worker and what it creates, and plays the module:
 * at THREAD and RESTORE it writes each thread's CPU state (FS and GS
 * base, an FPU image with a pattern in the XMM registers, in XSAVE or
 * FXSAVE format) into the stub's structures and lets the call return 0;
 * at FINISH it checks, with every thread stopped there, that each one
 * runs on its stack in the stub region with the FS and GS base and XMM
 * registers it was given, then makes FINISH fail with EXDEV, which the
 * library must report.  At REMAP it checks the layout the library
 * passed, and the stub then sends its /proc/self/maps.
 */

#define TR_MAX		8
#define TR_THREADS	5
/* The fake module's FPU state size: AMX's 11008 and a little more. */
#define TR_FPU_SIZE	12352

struct tr_thread {
	pid_t tid;
	unsigned int index;
	uint64_t rsp;
	bool finishing;
};

struct tracer {
	unsigned int fpu_size;
	bool xsave;
	unsigned char *fpu;		/* our own XSAVE image, a template */
	struct tr_thread th[TR_MAX];
	unsigned int nr;
	unsigned int finishing;
	uint64_t stub_start, stub_len;
	int fails;
	int remaps;
	bool layout_ok;
};

#define TR_CHECK(tr, cond, ...) \
	do { if (!CHECK(cond, __VA_ARGS__)) (tr)->fails++; } while (0)

static bool tr_mem(pid_t pid, uint64_t addr, void *buf, size_t len, bool write)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = write ? pwrite(fd, buf, len, addr) : pread(fd, buf, len, addr);
	close(fd);
	return n == (ssize_t)len;
}

static uint64_t tr_fs(unsigned int index)
{
	return 0x10000000ULL + index * 0x1000;
}

static uint64_t tr_gs(unsigned int index)
{
	return 0x20000000ULL + index * 0x2000;
}

/* XMM register bytes of thread @index: 16 registers of 16 bytes. */
static void tr_xmm(unsigned int index, unsigned char xmm[256])
{
	unsigned int i;

	for (i = 0; i < 256; i++)
		xmm[i] = (unsigned char)(index * 37 + i);
}

/* Odd threads get FXSAVE, the others XSAVE (when the CPU has it). */
static bool tr_uses_xsave(struct tracer *tr, unsigned int index)
{
	return tr->xsave && !(index & 1);
}

/* Fill in @cpu (in the tracee at @cpu_addr) for thread @index. */
static void tr_give_cpu(struct tracer *tr, pid_t pid, uint64_t cpu_addr,
			unsigned int index)
{
	struct cryo_thaw_cpu cpu;
	unsigned char *img = malloc(tr->fpu_size);
	uint64_t bv;

	TR_CHECK(tr, img && tr_mem(pid, cpu_addr, &cpu, sizeof(cpu), false),
		 "traced: read the cpu of thread %u", index);
	TR_CHECK(tr, cpu.fpu && !(cpu.fpu & 63) && !cpu.__reserved,
		 "traced: thread %u's FPU buffer 0x%llx", index,
		 (unsigned long long)cpu.fpu);
	memcpy(img, tr->fpu, tr->fpu_size);
	tr_xmm(index, img + 160);
	if (tr->xsave) {
		memcpy(&bv, img + 512, sizeof(bv));
		bv |= 2;	/* SSE state comes from the buffer */
		memcpy(img + 512, &bv, sizeof(bv));
	}
	cpu.fs_base = tr_fs(index);
	cpu.gs_base = tr_gs(index);
	cpu.fpu_format = tr_uses_xsave(tr, index) ? CRYO_FPU_XSAVE : CRYO_FPU_FXSAVE;
	TR_CHECK(tr, tr_mem(pid, cpu.fpu, img, tr->fpu_size, true) &&
		 tr_mem(pid, cpu_addr, &cpu, sizeof(cpu), true),
		 "traced: write the cpu of thread %u", index);
	free(img);
}

static struct tr_thread *tr_thread(struct tracer *tr, pid_t tid)
{
	unsigned int i;

	for (i = 0; i < tr->nr; i++)
		if (tr->th[i].tid == tid)
			return &tr->th[i];
	if (tr->nr == TR_MAX)
		abort();
	tr->th[tr->nr].tid = tid;
	return &tr->th[tr->nr++];
}

/* Every thread waits in FINISH: check each, then let FINISH fail. */
static void tr_check_finish(struct tracer *tr)
{
	struct user_regs_struct regs;
	unsigned char *xs = malloc(tr->fpu_size), xmm[256];
	struct user_fpregs_struct fp;
	struct iovec iov = { xs, tr->fpu_size };
	struct cryo_thaw_finish fin;
	char path[64], dev[64];
	struct tr_thread *t;
	unsigned int i;
	ssize_t n;

	for (i = 0; i < tr->nr; i++) {
		t = &tr->th[i];
		if (!t->finishing)
			continue;
		TR_CHECK(tr, !ptrace(PTRACE_GETREGS, t->tid, NULL, &regs),
			 "traced: thread %u's registers", t->index);
		TR_CHECK(tr, regs.fs_base == tr_fs(t->index) &&
			 regs.gs_base == tr_gs(t->index),
			 "traced: thread %u's FS/GS base 0x%llx/0x%llx", t->index,
			 regs.fs_base, regs.gs_base);
		TR_CHECK(tr, regs.rsp > tr->stub_start &&
			 regs.rsp < tr->stub_start + tr->stub_len &&
			 t->rsp > tr->stub_start && t->rsp < tr->stub_start + tr->stub_len,
			 "traced: thread %u runs on a stack in the stub region", t->index);
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)t->tid, (int)regs.rdi);
		n = readlink(path, dev, sizeof(dev) - 1);
		dev[n > 0 ? n : 0] = 0;
		TR_CHECK(tr, !strcmp(dev, "/dev/null") && regs.rsi == CRYO_IOC_THAW_FINISH &&
			 tr_mem(t->tid, regs.rdx, &fin, sizeof(fin), false) &&
			 fin.size == sizeof(fin) && !fin.flags,
			 "traced: thread %u's FINISH argument", t->index);
		tr_xmm(t->index, xmm);
		if (tr_uses_xsave(tr, t->index)) {
			TR_CHECK(tr, !ptrace(PTRACE_GETREGSET, t->tid, NT_X86_XSTATE, &iov) &&
				 !memcmp(xs + 160, xmm, sizeof(xmm)),
				 "traced: thread %u's XMM registers (XRSTOR)", t->index);
		} else {
			TR_CHECK(tr, !ptrace(PTRACE_GETFPREGS, t->tid, NULL, &fp) &&
				 !memcmp(fp.xmm_space, xmm, sizeof(xmm)),
				 "traced: thread %u's XMM registers (FXRSTOR)", t->index);
		}
		regs.rax = -EXDEV;
		ptrace(PTRACE_SETREGS, t->tid, NULL, &regs);
	}
	/* The first to go on ends them all (exit_group). */
	for (i = 0; i < tr->nr; i++) {
		if (tr->th[i].finishing)
			ptrace(PTRACE_CONT, tr->th[i].tid, NULL, NULL);
		tr->th[i].finishing = false;
	}
	free(xs);
}

/* A seccomp stop: the worker or its offspring issues a cryo ioctl. */
static void tr_ioctl(struct tracer *tr, pid_t pid)
{
	struct user_regs_struct regs;
	struct tr_thread *t = tr_thread(tr, pid);
	struct cryo_thaw_thread tt;
	struct cryo_thaw_restore r;
	struct cryo_remap rm;

	ptrace(PTRACE_GETREGS, pid, NULL, &regs);
	regs.orig_rax = -1;	/* skip the call: rax is the result */
	regs.rax = 0;
	t->rsp = regs.rsp;
	switch (regs.rsi) {
	case CRYO_IOC_THAW_THREAD:
		TR_CHECK(tr, tr_mem(pid, regs.rdx, &tt, sizeof(tt), false) &&
			 tt.size == sizeof(tt) && tt.index && tt.index < TR_THREADS,
			 "traced: THREAD argument, index %u", tt.index);
		t->index = tt.index;
		tr_give_cpu(tr, pid, regs.rdx + offsetof(struct cryo_thaw_thread, cpu),
			    tt.index);
		break;
	case CRYO_IOC_THAW_RESTORE:
		TR_CHECK(tr, tr_mem(pid, regs.rdx, &r, sizeof(r), false) &&
			 r.size == sizeof(r) && r.nr_pipes == fake_thaw_pipes &&
			 !(r.stub_start & 4095) && r.stub_len && !(r.stub_len & 4095) &&
			 r.exe_fd == -1 && r.cwd_fd == -1,
			 "traced: RESTORE argument");
		tr->stub_start = r.stub_start;
		tr->stub_len = r.stub_len;
		t->index = 0;
		tr_give_cpu(tr, pid, regs.rdx + offsetof(struct cryo_thaw_restore, cpu), 0);
		break;
	case CRYO_IOC_THAW_FINISH:
		t->finishing = true;
		ptrace(PTRACE_SETREGS, pid, NULL, &regs);
		if (++tr->finishing == TR_THREADS)
			tr_check_finish(tr);
		return;		/* stays stopped until all are there */
	case CRYO_IOC_REMAP: {
		struct cryoctl_image *img = NULL;
		struct cryoctl_record rec;
		char path[64];
		int fd, n = 0, ret;

		tr->remaps++;
		TR_CHECK(tr, tr_mem(pid, regs.rdx, &rm, sizeof(rm), false) &&
			 rm.size == sizeof(rm) && !(rm.keep_start & 4095) &&
			 regs.rsp > rm.keep_start && regs.rsp < rm.keep_start + rm.keep_len,
			 "traced: REMAP argument, on the stub's stack");
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, rm.image_fd);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ret = cryoctl_image_open(fd, &img);
		while (!ret && (ret = cryoctl_image_next(img, &rec)) > 0) {
			n += rec.type == CRYO_REC_VMA;
			ret = 0;
		}
		tr->layout_ok = !ret && n == 1 && !cryoctl_image_header(img)->nr_threads;
		cryoctl_image_close(img);
		if (fd >= 0)
			close(fd);
		break;
	}
	default:
		TR_CHECK(tr, 0, "traced: unexpected ioctl 0x%llx", regs.rsi);
		regs.rax = -ENOTTY;
	}
	ptrace(PTRACE_SETREGS, pid, NULL, &regs);
	ptrace(PTRACE_CONT, pid, NULL, NULL);
}

/* The worker: the library under the filter. */
static void __attribute__((noreturn)) tr_worker(struct tracer *tr)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 6),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CRYO_IOC_THAW_THREAD, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CRYO_IOC_THAW_RESTORE, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CRYO_IOC_THAW_FINISH, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CRYO_IOC_REMAP, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { ARRAY_SIZE(f), f };
	struct cryoctl_thaw_result res;
	char *maps = malloc(1 << 20), want[32];
	struct img m = { 0 };
	size_t len = 0, want_len = 0;
	int img, ret;

	failed = 0;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) || raise(SIGSTOP) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		_exit(100);

	reset_fake_thaw();
	fake_dev = open("/dev/null", O_RDWR | O_CLOEXEC);
	fake_thaw_threads = TR_THREADS;
	fake_fpu_size = tr->fpu_size;
	cryoctl_thaw_fake_cpu_fpu_size = tr->fpu_size;
	img = feed("x", 1);
	ret = cryoctl_thaw(fake_dev, img, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	CHECK(ret == -EXDEV && strstr(res.message, "could not finish") &&
	      strstr(res.message, strerror(EXDEV)),
	      "traced: the stub reports FINISH's error: %d '%s'", ret, res.message);
	CHECK(no_children(), "traced: nothing left");
	close(img);

	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x10000000, 0x10004000, CRYO_VMA_READ | CRYO_VMA_WRITE,
		CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_trailer(&m);
	/*
	 * The maps text is this process's, as it is when the library forks:
	 * the two calls below must see one address space.  malloc()'s
	 * dynamic mmap threshold would let the history of earlier tests
	 * (how large a buffer was last freed: it grows with the region,
	 * with the XSAVE size) decide whether the library's buffers come
	 * from the heap, and the heap would grow between the calls.  Fixed
	 * thresholds, and a first call that lets the heap settle, keep it
	 * still.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	img = feed(m.b.p, m.b.len);
	ret = cryoctl_remap_maps(fake_dev, img, maps, 1 << 20, &len);
	CHECK(ret == 0, "traced: a first remap: %d", ret);
	close(img);
	img = feed(m.b.p, m.b.len);
	ret = cryoctl_remap_maps(fake_dev, img, maps, 1 << 20, &len);
	CHECK(ret == 0 && len == strlen(maps) && strstr(maps, "[stack]") &&
	      maps[len - 1] == '\n', "traced: remap sends the maps: %d", ret);
	close(img);
	img = feed(m.b.p, m.b.len);
	ret = cryoctl_remap_maps(fake_dev, img, maps + (1 << 19), 10, &want_len);
	CHECK(ret == -ERANGE && want_len == len, "traced: remap into 10 bytes: %d, %zu",
	      ret, want_len);
	close(img);
	/* The stub region's line is left out: no rwx anonymous mapping. */
	snprintf(want, sizeof(want), " rwxp 00000000 00:00 0 ");
	CHECK(!strstr(maps, want), "traced: the stub's line is left out:\n%s", maps);
	_exit(failed > 99 ? 99 : failed);
}

static void test_thaw_traced(void)
{
	struct tracer tr = { 0 };
	unsigned int a, b, c, d;
	int st, ev;
	pid_t w, pid;

	/*
	 * The fake module reports an AMX-sized FPU state (more if this CPU
	 * saves more): the buffers are that large, the CPU's own state
	 * fills their start.
	 */
	tr.fpu_size = TR_FPU_SIZE;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) &&
	    __get_cpuid_count(0xd, 0, &a, &b, &c, &d)) {
		tr.xsave = true;
		if (b > tr.fpu_size)
			tr.fpu_size = b;
	}
	tr.fpu = aligned_alloc(64, (tr.fpu_size + 63) & ~63U);
	memset(tr.fpu, 0, tr.fpu_size);
	/*
	 * Everything but AMX's tile data, which the kernel keeps disabled
	 * (XFD) in a process that did not ask for it: the template must
	 * not depend on how XSAVE treats such a component.
	 */
	if (tr.xsave)
		asm volatile ("xsave64 (%0)" : : "r" (tr.fpu), "a" (~(1U << 18)), "d" (-1)
			      : "memory");
	else
		asm volatile ("fxsave64 (%0)" : : "r" (tr.fpu) : "memory");

	w = fork();
	if (!w)
		tr_worker(&tr);
	if (waitpid(w, &st, 0) != w || !WIFSTOPPED(st) ||
	    ptrace(PTRACE_SETOPTIONS, w, NULL, PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK |
		   PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL)) {
		fprintf(stderr, "SKIP traced stub test: cannot trace a child here\n");
		kill(w, SIGKILL);
		waitpid(w, NULL, 0);
		free(tr.fpu);
		return;
	}
	ptrace(PTRACE_CONT, w, NULL, NULL);
	for (;;) {
		pid = waitpid(-1, &st, __WALL);
		if (pid < 0)
			break;
		if (pid == w && (WIFEXITED(st) || WIFSIGNALED(st)))
			break;
		if (!WIFSTOPPED(st))
			continue;
		ev = st >> 16;
		if (ev == PTRACE_EVENT_SECCOMP)
			tr_ioctl(&tr, pid);
		else if (ev || WSTOPSIG(st) == SIGSTOP)
			ptrace(PTRACE_CONT, pid, NULL, NULL);
		else
			ptrace(PTRACE_CONT, pid, NULL, (void *)(long)WSTOPSIG(st));
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 100) {
		fprintf(stderr, "SKIP traced stub test: no ptrace or seccomp here\n");
		free(tr.fpu);
		return;
	}
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "traced: the worker's checks: status 0x%x", st);
	CHECK(tr.nr >= TR_THREADS && !tr.fails, "traced: %u threads seen, %d failures",
	      tr.nr, tr.fails);
	CHECK(tr.remaps == 3 && tr.layout_ok, "traced: %d remaps, layout ok %d", tr.remaps,
	      tr.layout_ok);
	free(tr.fpu);
}

static void test_thaw(void)
{
	struct cryo_thaw_status st;
	int img;

	fake_dev = open("/dev/null", O_RDWR | O_CLOEXEC);
	img = feed("not read by the fake module", 27);
	test_region_layout();
	test_thaw_args(img);
	test_thaw_stub(img);
	test_thaw_fpu_sizes(img);
	close(img);
	test_remap_maps();
	close(fake_dev);
	fake_dev = -1;
	test_thaw_traced();

	img = open("/dev/null", O_RDWR);
	CHECK(cryoctl_thaw_status(img, &st) == -ENOTTY, "thaw status on /dev/null");
	CHECK(cryoctl_remap(img, img, 0x1000, 0x1000) == -ENOTTY, "remap on /dev/null");
	close(img);
}

/* ---- running cryoctl ------------------------------------------------------ */

static const char *cryoctl_bin;

struct run {
	int status;		/* exit code, or 128 + signal */
	char out[1 << 20];
	char err[8192];
};

/* Read @fd from its start to EOF into @dst, NUL-terminated; close it. */
static void slurp(int fd, char *dst, size_t size)
{
	size_t done = 0;
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while (done < size - 1 && (n = read(fd, dst + done, size - 1 - done)) > 0)
		done += n;
	dst[done] = 0;
	close(fd);
}

/*
 * Run cryoctl with @argv (NULL-terminated, without argv[0]).  stdin
 * delivers @in (when @in_tty is -1), or is @in_tty; stdout goes to @out_fd
 * when >= 0, else into r->out.
 */
static void run_cli(struct run *r, const void *in, size_t in_len, int in_tty,
		    int out_fd, const char *const *argv)
{
	const char *args[16] = { "cryoctl" };
	int ofd = memfd_create("stdout", 0), efd = memfd_create("stderr", 0);
	int ifd, i, st;
	pid_t pid;

	for (i = 0; argv[i] && i < 14; i++)
		args[i + 1] = argv[i];
	ifd = in_tty >= 0 ? in_tty : feed(in ? in : "", in_len);
	pid = fork();
	if (!pid) {
		dup2(ifd, 0);
		dup2(out_fd >= 0 ? out_fd : ofd, 1);
		dup2(efd, 2);
		execv(cryoctl_bin, (char **)args);
		_exit(127);
	}
	if (in_tty < 0)
		close(ifd);
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	slurp(ofd, r->out, sizeof(r->out));
	slurp(efd, r->err, sizeof(r->err));
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static char *write_temp(const void *p, size_t len)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/cryoctl-unit.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, p, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

/* ---- a small JSON validator ----------------------------------------------- */

static const char *j_ws(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

static const char *j_value(const char *s, int depth);

static const char *j_string(const char *s)
{
	if (*s++ != '"')
		return NULL;
	while (*s != '"') {
		if ((unsigned char)*s < 0x20)
			return NULL;
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
						return NULL;
				s += 4;
			} else if (!strchr("\"\\/bfnrt", *s) || !*s) {
				return NULL;
			}
		}
		s++;
	}
	return s + 1;
}

static const char *j_value(const char *s, int depth)
{
	s = j_ws(s);
	if (depth > 32)
		return NULL;
	if (*s == '{' || *s == '[') {
		char close = *s == '{' ? '}' : ']';
		bool obj = *s == '{';

		s = j_ws(s + 1);
		if (*s == close)
			return s + 1;
		for (;;) {
			if (obj) {
				s = j_string(j_ws(s));
				if (!s)
					return NULL;
				s = j_ws(s);
				if (*s++ != ':')
					return NULL;
			}
			s = j_value(s, depth + 1);
			if (!s)
				return NULL;
			s = j_ws(s);
			if (*s == close)
				return s + 1;
			if (*s++ != ',')
				return NULL;
		}
	}
	if (*s == '"')
		return j_string(s);
	if (!strncmp(s, "true", 4) || !strncmp(s, "null", 4))
		return s + 4;
	if (!strncmp(s, "false", 5))
		return s + 5;
	if (*s == '-' || (*s >= '0' && *s <= '9')) {
		char *end;

		strtod(s, &end);
		return end;
	}
	return NULL;
}

static bool json_valid(const char *s)
{
	s = j_value(s, 0);
	return s && !*j_ws(s);
}

/* ---- the CLI tests -------------------------------------------------------- */

static char *maps_line(const char *prefix, const char *name)
{
	static char line[512];

	if (name)
		snprintf(line, sizeof(line), "%-72s %s\n", prefix, name);
	else
		snprintf(line, sizeof(line), "%s\n", prefix);
	return line;
}

static void test_cli_image(void)
{
	static const char *const sigactions[] = {
		"\n  SIGINT (2)      handler 0x401234, flags SA_SIGINFO|SA_RESTORER|SA_RESTART, restorer 0x7f0000001000, mask 0x4000\n",
		"\n  SIGPIPE (13)    handler SIG_IGN, flags 0, restorer 0x0, mask 0x0\n",
		"\n  SIGCHLD (17)    handler SIG_DFL, flags SA_NOCLDSTOP|SA_NOCLDWAIT, restorer 0x0, mask 0x0\n",
		"\n  SIGRTMIN+2 (34) handler 0x401300, flags SA_RESTORER|SA_ONSTACK|SA_NODEFER|SA_RESETHAND, restorer 0x7f0000001000, mask 0x0\n",
	};
	static struct run r, r2;
	unsigned int i;
	char want[2048], *path;
	struct result res;
	struct img m, bad;
	int th, vma;

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	path = write_temp(m.b.p, m.b.len);
	th = find_rec(&m, CRYO_REC_THREAD, 0);
	vma = find_rec(&m, CRYO_REC_VMA, 0);

	/* verify */
	run_cli(&r, NULL, 0, -1, -1, ARGS("verify", path));
	snprintf(want, sizeof(want), "%s: ok, %d records, 2 pages, %zu bytes\n", path,
		 REF_RECORDS, m.off[REF_RECORDS]);
	CHECK(r.status == 0 && !strcmp(r.out, want), "verify: %d '%s' %s", r.status,
	      r.out, r.err);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("verify"));
	snprintf(want, sizeof(want), "stdin: ok, %d records", REF_RECORDS);
	CHECK(r.status == 0 && !strncmp(r.out, want, strlen(want)),
	      "verify stdin: %d %s", r.status, r.out);

	memcpy(&bad, &m, sizeof(bad));
	bad.b.p = malloc(m.b.len);
	memcpy(bad.b.p, m.b.p, m.b.len);
	bad.b.p[m.off[th] + 100] ^= 4;
	run_cli(&r, bad.b.p, bad.b.len, -1, -1, ARGS("verify", "-"));
	snprintf(want, sizeof(want), "stdin: record %d (THREAD) at byte %zu: checksum mismatch",
		 th, m.off[th]);
	CHECK(r.status == 1 && !strncmp(r.out, want, strlen(want)),
	      "verify damaged: %d '%s'", r.status, r.out);
	run_cli(&r, m.b.p, m.off[vma + 1] + 20, -1, -1, ARGS("verify"));
	snprintf(want, sizeof(want), "record %d (VMA)", vma + 1);
	CHECK(r.status == 1 && strstr(r.out, want) && strstr(r.out, "truncated"),
	      "verify truncated: %d '%s'", r.status, r.out);
	run_cli(&r, NULL, 0, -1, -1, ARGS("verify", path, "/nonexistent/img"));
	CHECK(r.status == 1 && strstr(r.out, ": ok,") && strstr(r.err, "/nonexistent/img"),
	      "verify good + missing: %d", r.status);

	/* inspect, text */
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect"));
	CHECK(r.status == 0, "inspect: %d %s", r.status, r.err);
	CHECK(strstr(r.out, "comm            testproc") &&
	      strstr(r.out, "pid 4242, ppid 1, pgid 4242, sid 4000") &&
	      strstr(r.out, "6.1.0-unit-test") &&
	      strstr(r.out, "2023-11-14 22:13:20.123456789 UTC") &&
	      strstr(r.out, "0x5 kill accept_loss") &&
	      strstr(r.out, "thread 4242") && strstr(r.out, "thread 4243") &&
	      strstr(r.out, "rip      0x0000000000401000") &&
	      strstr(r.out, "orig_rax 0x000000000000100f") &&
	      strstr(r.out, "gs       0x000000000000201a") &&
	      strstr(r.out, "restart         syscall") &&
	      strstr(r.out, "0x0000000000004002 INT TERM") &&
	      strstr(r.out, "xsave, 64 bytes") &&
	      strstr(r.out, "nofile                         1024                 4096") &&
	      strstr(r.out, "3 VMAs (1 file, 1 anonymous, 1 other)") &&
	      strstr(r.out, "2 pages saved (8.0 KiB)") &&
	      strstr(r.out, "verified"), "inspect text:\n%s", r.out);

	CHECK(strstr(r.out, "  exe             /usr/bin/testproc\n"
			 "  cwd             /home/test\n"
			 "  root            /\n") &&
	      strstr(r.out, "  groups          10 20 1000\n") &&
	      strstr(r.out, "\nauxv\n  AT_SYSINFO_EHDR     0x7ffc00001000\n"
			 "  AT_HWCAP            0x178bfbff\n"
			 "  AT_PAGESZ           4096\n") &&
	      strstr(r.out, "  AT_UID              1000\n"
			 "  AT_RANDOM           0x7ffc00020010\n"
			 "  77                  0x5\n\n") &&
	      strstr(r.out, "  itimer real     1.500000000 s left, interval 0.250000000 s\n") &&
	      !strstr(r.out, "SIGHUP") && !strstr(r.out, "SIGKILL"),
	      "inspect text, process records:\n%s", r.out);
	for (i = 0; i < ARRAY_SIZE(sigactions); i++)
		CHECK(strstr(r.out, sigactions[i]), "inspect text: %s", sigactions[i]);
	CHECK(strstr(r.out, "files           6 open file descriptions (1 LOST), 8 descriptors\n"
			 "  fd 0 -> file 1 CHR rw- pos 0 flags O_RDWR path /dev/null rdev 1:3\n"
			 "  fd 1 -> file 2 PIPE -w- pos 0 flags O_WRONLY pipe:[66] pipe 0xabc00000042 [5 bytes buffered]\n"
			 "  fd 2 -> file 2 PIPE -w- pos 0 flags O_WRONLY pipe:[66] pipe 0xabc00000042 [5 bytes buffered]\n"
			 "  fd 3 -> file 3 REG rw- pos 4096 flags O_RDWR|O_APPEND path /tmp/x [unlinked, 123 bytes saved] cloexec\n"
			 "  fd 4 -> file 1 CHR rw- pos 0 flags O_RDWR path /dev/null rdev 1:3\n"
			 "  fd 5 -> file 4 PIPE r-- pos 0 flags O_RDONLY|O_NONBLOCK pipe:[66] pipe 0xabc00000042\n"
			 "  fd 7 -> file 5 OTHER rw- pos 0 flags O_RDWR socket:[5678] [LOST] cloexec\n"
			 "  fd 8 -> file 6 DIR r-- pos 0 flags O_RDONLY|O_DIRECTORY path /home/test\n"
			 "\nmemory "),
	      "inspect text, files:\n%s", r.out);

	/* inspect --json */
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect", "--json"));
	CHECK(r.status == 0 && json_valid(r.out), "inspect --json valid: %d\n%s",
	      r.status, r.out);
	CHECK(strstr(r.out, "\"comm\": \"testproc\"") &&
	      strstr(r.out, "\"freeze_flags\": [\n      \"kill\",\n      \"accept_loss\"\n    ]") &&
	      strstr(r.out, "\"time\": \"2023-11-14T22:13:20.123456789Z\"") &&
	      strstr(r.out, "\"rip\": \"0x401000\"") &&
	      strstr(r.out, "\"nofile\": {\n        \"cur\": 1024,\n        \"max\": 4096") &&
	      strstr(r.out, "\"cpu\": {\n        \"cur\": null") &&
	      strstr(r.out, "\"umask\": \"0022\"") &&
	      strstr(r.out, "\"name\": \"/usr/bin/testproc\"") &&
	      strstr(r.out, "\"dev\": \"fe:01\"") &&
	      strstr(r.out, "\"pages\": 2") &&
	      strstr(r.out, "\"status\": \"ok\""), "inspect --json fields:\n%s", r.out);
	CHECK(strstr(r.out, "\"groups\": [\n    10,\n    20,\n    1000\n  ]") &&
	      strstr(r.out, "\"type\": 25,\n      \"name\": \"AT_RANDOM\",\n"
			 "      \"value\": \"0x7ffc00020010\"") &&
	      strstr(r.out, "\"type\": 77,\n      \"name\": null,") &&
	      strstr(r.out, "\"type\": 0,\n      \"name\": \"AT_NULL\",") &&
	      strstr(r.out, "\"fs\": {\n    \"exe\": \"/usr/bin/testproc\",\n"
			 "    \"cwd\": \"/home/test\",\n    \"root\": \"/\"\n  }") &&
	      strstr(r.out, "\"real_value_ns\": 1500000000,\n"
			 "    \"real_interval_ns\": 250000000,") &&
	      strstr(r.out, "\"signal\": 2,\n        \"name\": \"SIGINT\",\n"
			 "        \"handler\": \"0x401234\",\n        \"flags\": [\n"
			 "          \"SA_SIGINFO\",\n          \"SA_RESTORER\",\n"
			 "          \"SA_RESTART\"\n        ],\n"
			 "        \"restorer\": \"0x7f0000001000\",\n"
			 "        \"mask\": \"0x4000\"") &&
	      strstr(r.out, "\"name\": \"SIGRTMIN+2\"") &&
	      !strstr(r.out, "\"name\": \"SIGHUP\""),
	      "inspect --json, process records:\n%s", r.out);
	CHECK(strstr(r.out, "\"id\": 3,\n      \"kind\": \"reg\",\n"
			 "      \"open_flags\": [\n        \"O_RDWR\",\n        \"O_APPEND\"\n      ],\n"
			 "      \"mode\": \"0100644\",\n      \"pos\": 4096,\n"
			 "      \"dev\": \"00:05\",\n      \"ino\": 1003,\n"
			 "      \"size\": 123,\n      \"mtime_ns\": 1234567,\n"
			 "      \"rdev\": \"00:00\",\n      \"pipe_id\": \"0x0\",\n"
			 "      \"data_size\": 123,\n      \"name\": \"/tmp/x\",\n"
			 "      \"unlinked\": true,\n      \"lost\": false\n") &&
	      strstr(r.out, "\"kind\": \"pipe\"") &&
	      strstr(r.out, "\"pipe_id\": \"0xabc00000042\",\n      \"data_size\": 5,") &&
	      strstr(r.out, "\"name\": \"socket:[5678]\",\n      \"unlinked\": false,\n"
			 "      \"lost\": true") &&
	      strstr(r.out, "\"fd\": 7,\n      \"file_id\": 5,\n      \"cloexec\": true") &&
	      strstr(r.out, "\"fd\": 4,\n      \"file_id\": 1,\n      \"cloexec\": false") &&
	      strstr(r.out, "\"files\": 6,\n    \"fds\": 8,"),
	      "inspect --json, files:\n%s", r.out);
	run_cli(&r, bad.b.p, bad.b.len, -1, -1, ARGS("inspect", "--json"));
	snprintf(want, sizeof(want), "record %d (THREAD)", th);
	CHECK(r.status == 1 && json_valid(r.out) && strstr(r.out, "\"status\": \"error\"") &&
	      strstr(r.out, "checksum mismatch") && strstr(r.err, want),
	      "inspect --json damaged: %d\n%s", r.status, r.out);
	run_cli(&r, "garbage garbage garbage", 23, -1, -1, ARGS("inspect", "--json"));
	CHECK(r.status == 1 && json_valid(r.out) && strstr(r.out, "not a cryo image"),
	      "inspect --json not an image: %d\n%s", r.status, r.out);

	/* maps */
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("maps"));
	want[0] = 0;
	strcat(want, maps_line("00400000-00401000 r-xp 00000000 fe:01 1234",
			       "/usr/bin/testproc"));
	strcat(want, maps_line("7f0000000000-7f0000004000 rw-p 00000000 00:00 0 ", NULL));
	strcat(want, maps_line("7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0", "[stack]"));
	CHECK(r.status == 0 && !strcmp(r.out, want), "maps:\n%s---- want:\n%s", r.out, want);
	run_cli(&r2, bad.b.p, bad.b.len, -1, -1, ARGS("maps"));
	CHECK(r2.status == 1 && strstr(r2.err, "checksum mismatch"), "maps damaged: %d",
	      r2.status);

	/* layout: HEADER, VMAs, TRAILER; the same maps */
	run_cli(&r2, m.b.p, m.b.len, -1, -1, ARGS("layout"));
	CHECK(r2.status == 0, "layout: %d %s", r2.status, r2.err);
	{
		size_t len = m.off[vma + 3] - m.off[vma] + m.off[1] + 16 + 24;
		struct cryo_image_header h;
		char *layout = malloc(len);

		memcpy(&h, r2.out + 16, sizeof(h));
		memcpy(layout, r2.out, len);

		read_image(r2.out, len, &res);
		CHECK(res.ret == 0 && res.nr == 4 && res.type[0] == CRYO_REC_HEADER &&
		      res.type[1] == CRYO_REC_VMA && res.type[3] == CRYO_REC_VMA &&
		      h.nr_threads == 0, "layout is a valid image: %d %s", res.ret,
		      res.msg);
		run_cli(&r2, r2.out, len, -1, -1, ARGS("maps"));
		CHECK(r2.status == 0 && !strcmp(r2.out, r.out), "maps of the layout");
		run_cli(&r2, layout, len, -1, -1, ARGS("inspect"));
		CHECK(r2.status == 0 && !strstr(r2.out, "process") &&
		      !strstr(r2.out, "files") && !strstr(r2.out, "signals") &&
		      strstr(r2.out, "3 VMAs"), "inspect of the layout: %d\n%s",
		      r2.status, r2.out);
		run_cli(&r2, layout, len, -1, -1, ARGS("inspect", "--json"));
		CHECK(r2.status == 0 && json_valid(r2.out) &&
		      strstr(r2.out, "\"process\": null,\n  \"groups\": null,\n"
				 "  \"auxv\": null,\n  \"fs\": null,\n"
				 "  \"signals\": null,\n  \"threads\": [],\n"
				 "  \"files\": [],\n  \"fds\": [],\n"),
		      "inspect --json of the layout: %d\n%s", r2.status, r2.out);
		free(layout);
	}
	run_cli(&r2, bad.b.p, bad.b.len, -1, -1, ARGS("layout"));
	CHECK(r2.status == 1 && strstr(r2.err, "checksum mismatch"), "layout damaged: %d",
	      r2.status);

	unlink(path);
	free(bad.b.p);
	free(m.b.p);
}

/*
 * Build an image from this process's own /proc/self/maps and check that
 * cryoctl maps gives it back byte for byte, including a path with a
 * newline, which /proc shows as "\012".
 */
static void test_cli_maps_proc(void)
{
	static struct run r;
	static char maps[1 << 20];
	char path[] = "/tmp/cryoctl unit\nmap.XXXXXX";
	char *line, *save, *p;
	struct img m;
	void *map;
	int fd;

	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 8192))
		abort();
	map = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	fd = open("/proc/self/maps", O_RDONLY);
	slurp(fd, maps, sizeof(maps));
	munmap(map, 8192);
	unlink(path);

	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	p = strdup(maps);
	for (line = strtok_r(p, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start, end, pgoff, ino;
		unsigned int maj, min, kind = CRYO_VMA_ANON, flags = 0;
		char perms[5], name[4096], *o, *n;
		int off = 0;

		if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, perms,
			   &pgoff, &maj, &min, &ino, &off) < 7)
			abort();
		/* The name, unescaping "\012" as the kernel's path has it raw. */
		for (o = name, n = line + off; *n; )
			if (!strncmp(n, "\\012", 4)) {
				*o++ = '\n';
				n += 4;
			} else {
				*o++ = *n++;
			}
		*o = 0;
		flags |= perms[0] == 'r' ? CRYO_VMA_READ : 0;
		flags |= perms[1] == 'w' ? CRYO_VMA_WRITE : 0;
		flags |= perms[2] == 'x' ? CRYO_VMA_EXEC : 0;
		flags |= perms[3] == 's' ? CRYO_VMA_MAYSHARE | CRYO_VMA_SHARED : 0;
		if (name[0] == '/')
			kind = CRYO_VMA_FILE;
		else if (!strcmp(name, "[heap]"))
			kind = CRYO_VMA_HEAP;
		else if (!strcmp(name, "[stack]"))
			kind = CRYO_VMA_STACK;
		else if (!strcmp(name, "[vdso]"))
			kind = CRYO_VMA_VDSO;
		else if (!strcmp(name, "[vvar]"))
			kind = CRYO_VMA_VVAR;
		else if (!strcmp(name, "[vsyscall]"))
			kind = CRYO_VMA_VSYSCALL;
		else if (name[0])
			kind = CRYO_VMA_SPECIAL;
		put_vma(&m, start, end, flags, kind, pgoff, encode_dev(maj, min), ino,
			kind == CRYO_VMA_FILE || kind == CRYO_VMA_SPECIAL ? name : NULL);
	}
	put_trailer(&m);
	free(p);

	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("maps"));
	CHECK(r.status == 0 && !strcmp(r.out, maps),
	      "maps equals /proc/self/maps:\n%s---- /proc/self/maps:\n%s", r.out, maps);
	CHECK(strstr(maps, "cryoctl unit\\012map."), "the test path shows as \\012");
	free(m.b.p);
}

static void test_cli_usage(void)
{
	static const char *const cmds[] = {
		"freeze", "inspect", "maps", "layout", "verify", "thaw", "remap",
	};
	static const char *const bad_inherit[] = {
		"1", "=1", "1=", "-1=2", "1=-2", "1=2x", "x=1", "1=2=3", " 1=2",
		"2147483648=1", "1=99999999999", "",
	};
	static const char *const bad_pids[] = {
		"abc", "0", "-1", "+5", " 5", "5 ", "2147483648", "99999999999999999999",
		"", "0x10",
	};
	static struct run r;
	char want[64];
	unsigned int i;
	int master, slave;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		run_cli(&r, NULL, 0, -1, -1, ARGS(cmds[i], "--help"));
		snprintf(want, sizeof(want), "Usage: cryoctl %s", cmds[i]);
		CHECK(r.status == 0 && !strncmp(r.out, want, strlen(want)) &&
		      strstr(r.out, "Exit status:"), "%s --help: %d", cmds[i], r.status);
		run_cli(&r, NULL, 0, -1, -1, ARGS(cmds[i], "--no-such-option"));
		CHECK(r.status == 2 && strstr(r.err, "--no-such-option"),
		      "%s --no-such-option: %d", cmds[i], r.status);
	}
	run_cli(&r, NULL, 0, -1, -1, ARGS("--help"));
	CHECK(r.status == 0 && strstr(r.out, "  freeze") && strstr(r.out, "  inspect") &&
	      strstr(r.out, "  thaw") && strstr(r.out, "  remap") &&
	      strstr(r.out, "  maps") && strstr(r.out, "  layout") &&
	      strstr(r.out, "  verify"), "cryoctl --help lists the commands");

	setenv("CRYOCTL_DEVICE", "/nonexistent/cryo", 1);
	for (i = 0; i < ARRAY_SIZE(bad_pids); i++) {
		run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--", bad_pids[i]));
		CHECK(r.status == 2 && strstr(r.err, "is not a process id"),
		      "freeze '%s': %d %s", bad_pids[i], r.status, r.err);
	}
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze"));
	CHECK(r.status == 2, "freeze without PID: %d", r.status);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "1", "2"));
	CHECK(r.status == 2, "freeze with two PIDs: %d", r.status);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--kill", "--leave-frozen", "1"));
	CHECK(r.status == 2 && strstr(r.err, "exclude"), "--kill --leave-frozen: %d",
	      r.status);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--snapshot", "--kill", "1"));
	CHECK(r.status == 2 && strstr(r.err, "--snapshot is for a checkpoint"),
	      "--snapshot --kill: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--leave-frozen", "--snapshot", "1"));
	CHECK(r.status == 2 && strstr(r.err, "--snapshot is for a checkpoint"),
	      "--leave-frozen --snapshot: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--timeout", "60001", "1"));
	CHECK(r.status == 2 && strstr(r.err, "--timeout"), "--timeout 60001: %d", r.status);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--timeout", "60000", "1"));
	CHECK(r.status == 3 && strstr(r.err, "module loaded"),
	      "no device: exit 3: %d %s", r.status, r.err);

	/* thaw: --inherit-fd N=FD, checked before anything is opened. */
	for (i = 0; i < ARRAY_SIZE(bad_inherit); i++) {
		run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "--inherit-fd", bad_inherit[i]));
		CHECK(r.status == 2 && strstr(r.err, "give N=FD"),
		      "thaw --inherit-fd '%s': %d %s", bad_inherit[i], r.status, r.err);
	}
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "--inherit-fd", "1=1", "--inherit-fd",
					  "2=2", "--inherit-fd=1=2"));
	CHECK(r.status == 2 && strstr(r.err, "fd 1 of the image is given twice (1=1 and 1=2)"),
	      "thaw --inherit-fd twice: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "--inherit-fd", "3=977"));
	CHECK(r.status == 2 && strstr(r.err, "no descriptor 977 open"),
	      "thaw --inherit-fd of a closed fd: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "--inherit-fd"));
	CHECK(r.status == 2 && strstr(r.err, "needs a value"),
	      "thaw --inherit-fd without a value: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "a", "b"));
	CHECK(r.status == 2 && strstr(r.err, "at most one image"),
	      "thaw with two images: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("remap", "a", "b"));
	CHECK(r.status == 2, "remap with two layouts: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "--wait", "--same-pid",
					  "--inherit-fd", "0=2", "/dev/null"));
	CHECK(r.status == 3 && strstr(r.err, "thaw: cannot open the cryo device") &&
	      !r.out[0], "thaw without a device: exit 3: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "/nonexistent/img"));
	CHECK(r.status == 1 && strstr(r.err, "/nonexistent/img"),
	      "thaw of a missing image: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("remap", "/dev/null"));
	CHECK(r.status == 3 && strstr(r.err, "remap: cannot open the cryo device"),
	      "remap without a device: exit 3: %d %s", r.status, r.err);
	setenv("CRYOCTL_DEVICE", "/dev/null", 1);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "1"));
	CHECK(r.status == 1 && strstr(r.err, "not a cryo device"),
	      "/dev/null as device: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "-"));
	CHECK(r.status == 1 && strstr(r.err, "thaw: not a cryo device"),
	      "thaw on /dev/null as device: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("remap"));
	CHECK(r.status == 1 && strstr(r.err, "remap: not a cryo device"),
	      "remap on /dev/null as device: %d %s", r.status, r.err);
	unsetenv("CRYOCTL_DEVICE");

	/* Terminals: no image is written to one or read from one. */
	master = posix_openpt(O_RDWR | O_NOCTTY);
	slave = -1;
	if (master >= 0 && !grantpt(master) && !unlockpt(master))
		slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave < 0) {
		CHECK(0, "cannot get a pseudo-terminal: %s", strerror(errno));
		return;
	}
	run_cli(&r, NULL, 0, -1, slave, ARGS("freeze", "1"));
	CHECK(r.status == 2 && strstr(r.err, "terminal"), "freeze to a tty: %d %s",
	      r.status, r.err);
	run_cli(&r, NULL, 0, -1, slave, ARGS("layout", "/dev/null"));
	CHECK(r.status == 2 && strstr(r.err, "terminal"), "layout to a tty: %d %s",
	      r.status, r.err);
	run_cli(&r, NULL, 0, slave, -1, ARGS("inspect"));
	CHECK(r.status == 2 && strstr(r.err, "terminal"), "inspect from a tty: %d %s",
	      r.status, r.err);
	run_cli(&r, NULL, 0, slave, -1, ARGS("thaw", "--wait"));
	CHECK(r.status == 2 && strstr(r.err, "terminal"), "thaw from a tty: %d %s",
	      r.status, r.err);
	close(slave);
	close(master);
}

int main(int argc, char **argv)
{
	cryoctl_bin = argc > 1 ? argv[1] : "build/bin/cryoctl";

	test_crc();
	test_xxh64();
	test_good();
	test_bitflips();
	test_truncation();
	test_malformed();
	test_unknown_types();
	test_process_block();
	test_files();
	test_big_record();
	test_freeze();
	test_thaw();
	if (CHECK(!access(cryoctl_bin, X_OK), "cryoctl at %s: %s", cryoctl_bin,
		  strerror(errno))) {
		test_cli_usage();
		test_cli_image();
		test_cli_maps_proc();
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
