// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The unit tests' image writer: records, the reference image, editing
 * an image in place, and reading one back through a pipe.
 */
#include "unit.h"

/* ---- a growable buffer and an image writer ------------------------------ */

void buf_put(struct buf *b, const void *data, size_t len)
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

void put_rec(struct img *m, uint32_t type, const void *a, size_t alen,
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

void put_trailer(struct img *m)
{
	struct cryo_image_trailer t = {
		.nr_records = m->nr,
		.nr_pages = m->pages,
		.bytes = m->b.len,
	};

	put_rec(m, CRYO_REC_TRAILER, &t, sizeof(t), NULL, 0);
}

/* Records are not aligned in a stream: fields are reached by copying. */
uint32_t peek32(const unsigned char *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

void poke32(unsigned char *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* Recompute the checksum of the record at @off after a deliberate change. */
void fix_crc(unsigned char *p, size_t off)
{
	struct cryo_rec r;

	memcpy(&r, p + off, sizeof(r));
	r.crc = cryoctl_record_crc(&r, p + off + sizeof(r));
	memcpy(p + off, &r, sizeof(r));
}

uint64_t encode_dev(unsigned int maj, unsigned int min)
{
	return (min & 0xff) | (maj << 8) | ((uint64_t)(min & ~0xffU) << 12);
}

void put_header(struct img *m, uint32_t nr_threads, uint16_t minor)
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
	put_header_as(m, &h, nr_threads ? 1 : 0);
}

/* @h as the HEADER of its minor's size; 2.2 and later with @nr_processes. */
void put_header_as(struct img *m, struct cryo_image_header *h,
		   uint32_t nr_processes)
{
	size_t size = sizeof(*h);

	if (h->minor == 0)
		size = CRYO_IMAGE_HEADER_SIZE_2_0;
	else if (h->minor == 1)
		size = CRYO_IMAGE_HEADER_SIZE_2_1;
	else
		h->nr_processes = nr_processes;
	put_rec(m, CRYO_REC_HEADER, h, size, NULL, 0);
}

/* The PROCESS record's size in an image of 2.@minor. */
size_t process_size(uint16_t minor)
{
	if (minor == 0)
		return CRYO_IMAGE_PROCESS_SIZE_2_0;
	if (minor == 1)
		return CRYO_IMAGE_PROCESS_SIZE_2_1;
	if (minor < 8)
		return CRYO_IMAGE_PROCESS_SIZE_2_7;
	return sizeof(struct cryo_image_process);
}

/* The THREAD record's size before its FPU state in an image of 2.@minor. */
size_t thread_size(uint16_t minor)
{
	return minor >= 7 ? sizeof(struct cryo_image_thread) :
			    CRYO_IMAGE_THREAD_SIZE_2_0;
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
void put_block(struct img *m)
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
void put_files(struct img *m)
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

void put_vma(struct img *m, uint64_t start, uint64_t end, uint32_t flags,
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

void put_pages(struct img *m, uint64_t addr, uint64_t nr)
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
 * The reference image: HEADER, TREE (of one process; not in an image
 * older than 2.2), PROCESS, GROUPS, AUXV, FS, SIGNALS, 2
 * THREADs, the files of put_files(), 3 VMAs (a file, an anonymous
 * mapping, the stack), one PAGES record of 2 pages, TRAILER.  With
 * @extra_type, a record of that type goes between the VMAs and PAGES and
 * the header has @minor.
 */
void build_image(struct img *m, uint32_t extra_type, uint16_t minor)
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
		.sched_policy = 3,	/* SCHED_BATCH */
		.nice = 5,
		.timer_slack_ns = 50000,
		.default_timer_slack_ns = 50000,
		.affinity = { 0x5 },
	};
	unsigned char fpu[FPU_SIZE];
	int i, k;

	struct cryo_image_member root = {
		.pid = 4242, .ppid = 1, .pgid = 4242, .sid = 4000, .parent = -1,
		.nr_threads = 2,
	};

	memset(m, 0, sizeof(*m));
	put_header(m, 2, minor);
	if (minor >= 2)
		put_rec(m, CRYO_REC_TREE, &root, sizeof(root), NULL, 0);
	strcpy(p.comm, "testproc");
	for (i = 0; i < 16; i++) {
		p.rlim[i][0] = UINT64_MAX;
		p.rlim[i][1] = UINT64_MAX;
	}
	p.rlim[7][0] = 1024;
	p.rlim[7][1] = 4096;
	put_rec(m, CRYO_REC_PROCESS, &p, process_size(minor), NULL, 0);
	put_block(m);

	for (k = 0; k < 2; k++) {
		t.tid = 4242 + k;
		t.restart = k ? CRYO_RESTART_NONE : CRYO_RESTART_SYSCALL;
		for (i = 0; i < CRYO_NR_REGS; i++)
			t.regs[i] = 0x1000 * (k + 1) + i;
		t.regs[CRYO_REG_RIP] = 0x401000 + k;
		t.fs_base = 0x7f00000a0000ULL + k;
		t.blocked = (1ULL << (SIGINT - 1)) | (1ULL << (SIGTERM - 1));
		for (i = 0; i < FPU_SIZE; i++)
			fpu[i] = i + k;
		put_rec(m, CRYO_REC_THREAD, &t, thread_size(minor), fpu, sizeof(fpu));
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

/* ---- a process tree (format 2.2) ------------------------------------------- */

void tree_members(struct cryo_image_member mem[TREE_MEMBERS])
{
	static const struct cryo_image_member ref[TREE_MEMBERS] = {
		{ .pid = 100, .ppid = 1, .pgid = 100, .sid = 90, .parent = -1,
		  .nr_threads = 1 },
		{ .pid = 101, .ppid = 100, .pgid = 100, .sid = 90, .parent = 0,
		  .nr_threads = 2 },
		{ .pid = 102, .ppid = 100, .pgid = 100, .sid = 90, .parent = 0,
		  .flags = CRYO_MEMBER_ZOMBIE, .exit_code = 42 << 8 },
		{ .pid = 103, .ppid = 101, .pgid = 103, .sid = 90, .parent = 1,
		  .nr_threads = 1 },
	};

	memcpy(mem, ref, sizeof(ref));
}

/* One member's section: its process block, threads, files, memory. */
static void put_section(struct img *m, const struct cryo_image_member *mem,
			bool first, uint32_t *file_id)
{
	struct cryo_image_process p = {
		.pid = mem->pid, .ppid = mem->ppid, .pgid = mem->pgid,
		.sid = mem->sid, .uid = { 1000, 1000, 1000, 1000 },
		.gid = { 1000, 1000, 1000, 1000 }, .umask = 022,
	};
	struct cryo_image_thread t = {
		.fpu_format = CRYO_FPU_XSAVE, .fpu_size = FPU_SIZE,
		.sched_flags = CRYO_THREAD_AFFINITY_ALL,
	};
	unsigned char fpu[FPU_SIZE] = { 0 };
	uint32_t k;

	snprintf(p.comm, sizeof(p.comm), "member%d", mem->pid);
	put_rec(m, CRYO_REC_PROCESS, &p, process_size(tree_minor), NULL, 0);
	put_block(m);
	for (k = 0; k < mem->nr_threads; k++) {
		t.tid = mem->pid + 1000 * k;
		put_rec(m, CRYO_REC_THREAD, &t, thread_size(tree_minor),
			fpu, sizeof(fpu));
	}
	if (first) {
		put_file(m, ++*file_id, CRYO_FILE_CHR, O_RDWR, S_IFCHR | 0666, 0, 0,
			 "/dev/null");
		put_fd(m, 0, *file_id, 0);
		put_file(m, ++*file_id, CRYO_FILE_PIPE, O_WRONLY, S_IFIFO | 0600, 0,
			 0, "pipe:[66]");
		put_fd(m, 1, *file_id, 0);
	} else {
		/* Inherited from the root: its /dev/null and the pipe. */
		put_fd(m, 0, 1, 0);
		put_fd(m, 1, 2, 0);
		put_file(m, ++*file_id, CRYO_FILE_PIPE, O_RDONLY, S_IFIFO | 0600, 0,
			 0, "pipe:[66]");
		put_fd(m, 3, *file_id, CRYO_FD_CLOEXEC);
	}
	put_vma(m, ANON_START, ANON_START + 4 * PAGE,
		CRYO_VMA_READ | CRYO_VMA_WRITE, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_pages(m, ANON_START + PAGE, 1);
}

/* The minor version build_tree_from() writes; tests of older ones set it. */
uint16_t tree_minor = CRYO_IMAGE_MINOR;

/*
 * An image of the tree @mem[@n]: HEADER (@hdr_procs processes, @n when
 * negative), TREE, a section per member that is not a zombie, TRAILER.
 */
void build_tree_from(struct img *m, const struct cryo_image_member *mem,
		     uint32_t n, int64_t hdr_procs)
{
	struct cryo_image_header h = {
		.major = CRYO_IMAGE_MAJOR, .minor = tree_minor,
		.arch = AUDIT_ARCH_X86_64, .page_size = PAGE,
		.freeze_flags = CRYO_FREEZE_KILL, .fpu_size = FPU_SIZE,
		.time_ns = 1700000000123456789ULL,
	};
	uint32_t i, file_id = 0;
	bool first = true;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < n; i++)
		h.nr_threads += mem[i].nr_threads;
	memcpy(h.magic, CRYO_IMAGE_MAGIC, sizeof(h.magic));
	strcpy(h.release, "6.1.0-unit-test");
	put_header_as(m, &h, hdr_procs < 0 ? n : (uint32_t)hdr_procs);
	put_rec(m, CRYO_REC_TREE, mem, n * sizeof(*mem), NULL, 0);
	for (i = 0; i < n; i++) {
		if (mem[i].flags & CRYO_MEMBER_ZOMBIE)
			continue;
		put_section(m, &mem[i], first, &file_id);
		first = false;
	}
	put_trailer(m);
}

/* The reference tree of tree_members(). */
void build_tree(struct img *m)
{
	struct cryo_image_member mem[TREE_MEMBERS];

	tree_members(mem);
	build_tree_from(m, mem, TREE_MEMBERS, -1);
}

/* ---- editing an image ----------------------------------------------------- */

/* The index of the @nth (from 0) record of @type, or abort. */
int find_rec(const struct img *m, uint32_t type, int nth)
{
	int i;

	for (i = 0; i < m->nr; i++)
		if (m->type[i] == type && !nth--)
			return i;
	abort();
}

void *payload(struct img *m, int i)
{
	return m->b.p + m->off[i] + sizeof(struct cryo_rec);
}

/* Copy @size bytes of record @i's payload out, and back (new checksum). */
void get_payload(struct img *m, int i, void *dst, size_t size)
{
	memcpy(dst, payload(m, i), size);
}

void set_payload(struct img *m, int i, const void *src, size_t size)
{
	memcpy(payload(m, i), src, size);
	fix_crc(m->b.p, m->off[i]);
}

/*
 * Rewrite @m with @del records removed at index @at and, when @p is not
 * NULL, a record of @type with @len bytes of @p put there; the other
 * records keep their bytes, the TRAILER (the last record) is made anew.
 */
/* Pages a PAGES or SHM_PAGES payload @p carries, which the TRAILER counts. */
static uint64_t rec_pages(uint32_t type, const void *p, size_t len)
{
	struct cryo_image_shm_pages sp;
	struct cryo_image_pages pg;

	if (type == CRYO_REC_PAGES && len >= sizeof(pg)) {
		memcpy(&pg, p, sizeof(pg));
		return pg.nr_pages;
	}
	if (type == CRYO_REC_SHM_PAGES && len >= sizeof(sp)) {
		memcpy(&sp, p, sizeof(sp));
		return sp.nr_pages;
	}
	return 0;
}

void edit(struct img *m, int at, int del, uint32_t type,
	  const void *p, size_t len)
{
	struct img *n = calloc(1, sizeof(*n));
	size_t end;
	int i;

	if (!n)
		abort();
	for (i = 0; i < m->nr - 1; i++) {
		if (i == at && p) {
			put_rec(n, type, p, len, NULL, 0);
			n->pages += rec_pages(type, p, len);
		}
		if (i >= at && i < at + del)
			continue;
		end = m->off[i + 1];
		n->off[n->nr] = n->b.len;
		n->type[n->nr++] = m->type[i];
		buf_put(&n->b, m->b.p + m->off[i], end - m->off[i]);
		n->pages += rec_pages(m->type[i], m->b.p + m->off[i] + sizeof(struct cryo_rec),
				      end - m->off[i] - sizeof(struct cryo_rec));
	}
	if (at >= m->nr - 1 && p) {
		put_rec(n, type, p, len, NULL, 0);
		n->pages += rec_pages(type, p, len);
	}
	put_trailer(n);
	free(m->b.p);
	memcpy(m, n, sizeof(*m));
	free(n);
}

/* Replace record @i by one of @type with @len bytes of @p. */
void replace(struct img *m, int i, uint32_t type, const void *p, size_t len)
{
	edit(m, i, 1, type, p, len);
}

/* ---- feeding bytes through a pipe --------------------------------------- */

/* A pipe whose read end delivers @len bytes of @p and then EOF. */
int feed(const void *p, size_t len)
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

/* Read a whole image from a pipe. */
void read_image(const void *p, size_t len, struct result *r)
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
