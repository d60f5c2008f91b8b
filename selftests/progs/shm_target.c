// SPDX-License-Identifier: GPL-2.0
/*
 * The targets of the shared memory selftests (cryo_shm_test): a parent
 * and its children sharing memory, talking to the test through files in
 * a scratch directory only (a pipe to the test would be held outside the
 * tree).
 *
 *   shm_target count DIR KEY RMID   4 children counting in a shared
 *                                   anonymous mapping and a SysV segment
 *                                   of KEY (hex, mode 0640, owned by
 *                                   65534:65534), removed (IPC_RMID)
 *                                   once attached when RMID is 1
 *   shm_target posix DIR NAME       2 children counting in a POSIX shm
 *                                   object NAME (shm_open)
 *   shm_target big DIR KEY          one child; 8 MiB of shared anonymous
 *                                   memory and a SysV segment of 3 MiB
 *                                   and 100 bytes, written in sparse pages
 *   shm_target memfd DIR            one child; three memfds, mapped and
 *                                   held by both (see memfd() below)
 *   shm_target memfd-huge DIR       a memfd of MFD_HUGETLB held as fd 10
 *                                   (DIR/skip if the kernel has none)
 *   shm_target memfd-secret DIR     memfd_secret(2)'s held as fd 10
 *
 * count and posix: child i increments slot i of each region, checking
 * against a private copy that nobody else changed it (else it writes
 * DIR/bad.i and exits 5).  The parent writes the last probe it handed on
 * and what it sees of all slots to DIR/counts, and copies the number in DIR/probe to the probe word of
 * each region; each child writes what it sees of the probe words to
 * DIR/seen.i.  DIR/stop ends them all.
 *
 * big: after DIR/go the parent checks which pages of each object exist
 * (mincore) and every byte of them, the child its part; then they trade
 * a word each through the anonymous object (DIR/verify.N, DIR/pdone, DIR/cdone).
 *
 * Exit status 0 when all went as it should; 2 for a usage error, 3 and
 * up for what went wrong (the log on stderr says).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define TARGET_NAME "shm_target"
#include "target_util.h"

/* The number in DIR/@name, 0 when there is none. */
static uint64_t number_in(const char *name)
{
	char path[512], buf[64];
	ssize_t n;
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoull(buf, NULL, 0);
}

static int reap_all(void)
{
	int st, bad = 0;

	while (waitpid(-1, &st, 0) > 0) {
		if (st)
			fprintf(stderr, "shm_target: a child ended with status 0x%x\n", st);
		bad += st != 0;
	}
	return bad;
}

/* ---- count and posix -------------------------------------------------------- */

/* The words of a counting region: slots 0..7, then the probe. */
#define PROBE		16
#define MAX_REGIONS	2
#define MAX_KIDS	4

/*
 * Child @i: count in slot @i of each region until stop; the slot must
 * always hold what this child stored last.
 */
static void counter(int i, volatile uint64_t **reg, int nreg)
{
	uint64_t mine[MAX_REGIONS], seen[MAX_REGIONS] = { 0 }, v;
	char name[32];
	int r, changed;

	for (r = 0; r < nreg; r++)
		mine[r] = reg[r][i];
	while (!exists("stop")) {
		changed = 0;
		for (r = 0; r < nreg; r++) {
			v = reg[r][i];
			if (v != mine[r]) {
				snprintf(name, sizeof(name), "bad.%d", i);
				put(name, "region %d slot %d holds %llu, not %llu\n", r, i,
				    (unsigned long long)v, (unsigned long long)mine[r]);
				_exit(5);
			}
			reg[r][i] = v + 1;
			mine[r] = v + 1;
			if (reg[r][PROBE] != seen[r]) {
				seen[r] = reg[r][PROBE];
				changed = 1;
			}
		}
		if (changed) {
			snprintf(name, sizeof(name), "seen.%d", i);
			put(name, "%llu %llu\n", (unsigned long long)seen[0],
			    (unsigned long long)(nreg > 1 ? seen[1] : seen[0]));
		}
		usleep(1000);
	}
	_exit(0);
}

/* The parent: report what it sees, hand the probe on, until stop. */
static int watch(volatile uint64_t **reg, int nreg, int nkids)
{
	uint64_t probe = 0, p;
	char text[512];
	int r, i, len;

	while (!exists("stop")) {
		p = number_in("probe");
		if (p != probe) {
			for (r = 0; r < nreg; r++)
				reg[r][PROBE] = p;
			probe = p;
		}
		/* The probe first: these values were read after it was set. */
		len = snprintf(text, sizeof(text), "%llu ", (unsigned long long)probe);
		for (r = 0; r < nreg; r++)
			for (i = 0; i < nkids; i++)
				len += snprintf(text + len, sizeof(text) - len, "%llu ",
						(unsigned long long)reg[r][i]);
		put("counts", "%s\n", text);
		usleep(5000);
	}
	return reap_all() ? 10 : 0;
}

static pid_t spawn_counters(volatile uint64_t **reg, int nreg, int nkids,
			    pid_t *kids)
{
	int i;

	for (i = 0; i < nkids; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			die(3, "fork: %s", strerror(errno));
		if (!kids[i])
			counter(i, reg, nreg);
	}
	return 0;
}

#define COUNT_ANON	8192
#define COUNT_SYSV	10000

static int count(key_t key, int rmid)
{
	volatile uint64_t *reg[2];
	struct shmid_ds ds;
	pid_t kids[4];
	void *anon, *sysv;
	int id;

	anon = mmap(NULL, COUNT_ANON, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	id = shmget(key, COUNT_SYSV, IPC_CREAT | IPC_EXCL | 0640);
	if (anon == MAP_FAILED || id < 0)
		die(3, "shared memory: %s", strerror(errno));
	/* Owned by nobody: an owner the thaw must give back. */
	if (shmctl(id, IPC_STAT, &ds))
		die(3, "IPC_STAT: %s", strerror(errno));
	ds.shm_perm.uid = 65534;
	ds.shm_perm.gid = 65534;
	if (shmctl(id, IPC_SET, &ds))
		die(3, "IPC_SET: %s", strerror(errno));
	sysv = shmat(id, NULL, 0);
	if (sysv == (void *)-1)
		die(3, "shmat: %s", strerror(errno));
	reg[0] = anon;
	reg[1] = sysv;
	spawn_counters(reg, 2, 4, kids);
	/* The children attached it (across fork): remove it now. */
	if (rmid && shmctl(id, IPC_RMID, NULL))
		die(3, "IPC_RMID: %s", strerror(errno));
	put("ready", "%d %d %d %d %d %lx %lx %d\n", (int)getpid(), (int)kids[0],
	    (int)kids[1], (int)kids[2], (int)kids[3], (unsigned long)anon,
	    (unsigned long)sysv, id);
	return watch(reg, 2, 4);
}

#define POSIX_SIZE	8192

static int posix(const char *name)
{
	volatile uint64_t *reg[1];
	pid_t kids[2];
	void *p;
	int fd;

	fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
	if (fd < 0 || ftruncate(fd, POSIX_SIZE))
		die(3, "shm_open %s: %s", name, strerror(errno));
	p = mmap(NULL, POSIX_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die(3, "mmap: %s", strerror(errno));
	/* Only the mapping holds it from here. */
	close(fd);
	reg[0] = p;
	spawn_counters(reg, 1, 2, kids);
	put("ready", "%d %d %d %lx\n", (int)getpid(), (int)kids[0], (int)kids[1],
	    (unsigned long)p);
	return watch(reg, 1, 2);
}

/* ---- big ------------------------------------------------------------------------ */

#define PAGE		4096UL
#define BIG_ANON	(8UL << 20)
#define BIG_SYSV	((3UL << 20) + 100)
#define WORDS		(PAGE / 8)
/* Pages of the anon object the parent maps read-only, the child not at all. */
#define RO_FIRST	512
#define RO_END		1024
/* Where they trade a word each (holes until then). */
#define PARENT_WORD	100
#define CHILD_WORD	700
#define PARENT_TOKEN	0x7061726e74ULL
#define CHILD_TOKEN	0x6368696c64ULL

static int anon_written(unsigned long pg)
{
	return pg % 7 == 3 || (pg >= 600 && pg < 616) || pg == 2047;
}

static int sysv_written(unsigned long pg)
{
	return pg % 5 == 1 || pg == (BIG_SYSV - 1) / PAGE;
}

static uint64_t pattern(int obj, unsigned long pg, unsigned long w)
{
	return 0x9e3779b97f4a7c15ULL * (((uint64_t)obj << 40) + pg * WORDS + w + 1);
}

static void fill(int obj, uint64_t *base, size_t size,
		 int (*written)(unsigned long))
{
	unsigned long pg, w;

	for (pg = 0; pg * PAGE < size; pg++)
		if (written(pg))
			for (w = 0; w < WORDS && pg * PAGE + w * 8 + 8 <= size; w++)
				base[pg * WORDS + w] = pattern(obj, pg, w);
}

/*
 * Every byte of pages [0, @pages) of @base: the pattern or 0.  The first
 * wrong one into @why; 0 or -1.
 */
static int check(int obj, const uint64_t *base, size_t size, unsigned long pages,
		 int (*written)(unsigned long), char *why, size_t n)
{
	unsigned long pg, w;
	uint64_t want;

	for (pg = 0; pg < pages; pg++)
		for (w = 0; w < WORDS && pg * PAGE + w * 8 + 8 <= size; w++) {
			want = written(pg) ? pattern(obj, pg, w) : 0;
			if (base[pg * WORDS + w] != want) {
				snprintf(why, n, "object %d page %lu word %lu: %#llx, not %#llx",
					 obj, pg, w, (unsigned long long)base[pg * WORDS + w],
					 (unsigned long long)want);
				return -1;
			}
		}
	snprintf(why, n, "ok");
	return 0;
}

/*
 * Pages of @base the object has (mincore: in its page cache), and how
 * many of them are not @written or the other way round.
 */
static unsigned long resident(void *base, size_t size, int (*written)(unsigned long),
			      unsigned long *wrong)
{
	static unsigned char vec[BIG_ANON / PAGE];
	unsigned long pg, pages = (size + PAGE - 1) / PAGE, n = 0;

	*wrong = 0;
	if (mincore(base, size, vec))
		die(3, "mincore: %s", strerror(errno));
	for (pg = 0; pg < pages; pg++) {
		n += vec[pg] & 1;
		*wrong += !(vec[pg] & 1) != !written(pg);
	}
	return n;
}

static unsigned long nr_written(size_t size, int (*written)(unsigned long))
{
	unsigned long pg, n = 0;

	for (pg = 0; pg * PAGE < size; pg++)
		n += !!written(pg);
	return n;
}

static int big(key_t key)
{
	unsigned long ra, rs, wa, ws;
	volatile uint64_t *word;
	char why_a[160], why_s[160];
	uint64_t *anon, *sysv;
	pid_t kid;
	int id;

	anon = mmap(NULL, BIG_ANON, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	id = shmget(key, BIG_SYSV, IPC_CREAT | IPC_EXCL | 0600);
	if (anon == MAP_FAILED || id < 0)
		die(3, "shared memory: %s", strerror(errno));
	sysv = shmat(id, NULL, 0);
	if (sysv == (void *)-1)
		die(3, "shmat: %s", strerror(errno));
	fill(0, anon, BIG_ANON, anon_written);
	fill(1, sysv, BIG_SYSV, sysv_written);
	/* Three VMAs of one object in the parent. */
	if (mprotect((char *)anon + RO_FIRST * PAGE, (RO_END - RO_FIRST) * PAGE,
		     PROT_READ))
		die(3, "mprotect: %s", strerror(errno));
	kid = fork();
	if (kid < 0)
		die(3, "fork: %s", strerror(errno));
	if (!kid) {
		/* The child maps the first half only, read-write. */
		if (munmap((char *)anon + RO_END * PAGE, BIG_ANON - RO_END * PAGE) ||
		    mprotect((char *)anon + RO_FIRST * PAGE,
			     (RO_END - RO_FIRST) * PAGE, PROT_READ | PROT_WRITE))
			die(3, "munmap: %s", strerror(errno));
		put("cready", "\n");
		wait_file("pverified");
		check(0, anon, RO_END * PAGE, RO_END, anon_written, why_a, sizeof(why_a));
		check(1, sysv, BIG_SYSV, (BIG_SYSV + PAGE - 1) / PAGE, sysv_written,
		      why_s, sizeof(why_s));
		put("verify.1", "%s\n%s\n", why_a, why_s);
		word = &anon[CHILD_WORD * WORDS];
		*word = CHILD_TOKEN;
		word = &anon[PARENT_WORD * WORDS];
		while (*word != PARENT_TOKEN)
			usleep(1000);
		put("cdone", "%#llx\n", (unsigned long long)*word);
		_exit(0);
	}
	wait_file("cready");
	ra = resident(anon, BIG_ANON, anon_written, &wa);
	rs = resident(sysv, BIG_SYSV, sysv_written, &ws);
	put("ready", "%d %d %lx %lx %d %lu %lu %lu %lu %lu %lu\n", (int)getpid(),
	    (int)kid, (unsigned long)anon, (unsigned long)sysv, id,
	    nr_written(BIG_ANON, anon_written), ra, wa,
	    nr_written(BIG_SYSV, sysv_written), rs, ws);
	wait_file("go");
	/* Before anything reads a hole (which would fill it). */
	ra = resident(anon, BIG_ANON, anon_written, &wa);
	rs = resident(sysv, BIG_SYSV, sysv_written, &ws);
	put("resident", "%lu %lu %lu %lu\n", ra, wa, rs, ws);
	check(0, anon, BIG_ANON, BIG_ANON / PAGE, anon_written, why_a, sizeof(why_a));
	check(1, sysv, BIG_SYSV, (BIG_SYSV + PAGE - 1) / PAGE, sysv_written,
	      why_s, sizeof(why_s));
	put("verify.0", "%s\n%s\n", why_a, why_s);
	put("pverified", "\n");
	/* The child checks the same pages before the parent writes one. */
	wait_file("verify.1");
	word = &anon[PARENT_WORD * WORDS];
	*word = PARENT_TOKEN;
	word = &anon[CHILD_WORD * WORDS];
	while (*word != CHILD_TOKEN)
		usleep(1000);
	put("pdone", "%#llx\n", (unsigned long long)*word);
	return reap_all() ? 10 : 0;
}

/* ---- memfd ------------------------------------------------------------------- */

/*
 * The memfds, at the same fds in parent and child (inherited: one
 * description each):
 *   10 "cryo-ring", 3 MiB, sparse pages written, sealed F_SEAL_GROW |
 *      F_SEAL_SHRINK, its offset at RING_POS, mapped shared by both
 *   11 "cryo-open", 2 pages, MFD_ALLOW_SEALING and no seal, mapped
 *      shared by both and privately by the parent, whose private page 0
 *      is its own copy
 *   12 "cryo-default", one page, made without MFD_ALLOW_SEALING (sealed
 *      F_SEAL_SEAL), held only
 *   13 a read-only description of 10 (an open of /proc/self/fd/10)
 */
#define RING_SIZE	(3UL << 20)
#define RING_POS	12345
#define RING_SEALS	(F_SEAL_GROW | F_SEAL_SHRINK)
#define OPEN_SIZE	(2 * PAGE)
#define RING_TOKEN	0x72696e67ULL
#define RING_TOKEN_PAGE	5
#define PRIV_WORD	0x70726976ULL

static int ring_written(unsigned long pg)
{
	return pg % 9 == 2 || pg == RING_SIZE / PAGE - 1;
}

static int open_written(unsigned long pg)
{
	return 1;
}

/* Pages of @fd with data (SEEK_DATA/SEEK_HOLE) that are not @written, or the other way. */
static unsigned long data_wrong(int fd, size_t size, int (*written)(unsigned long))
{
	unsigned long pg, wrong = 0;
	off_t d, h;

	for (pg = 0; pg * PAGE < size; pg++) {
		int data;

		d = lseek(fd, pg * PAGE, SEEK_DATA);
		h = lseek(fd, pg * PAGE, SEEK_HOLE);
		data = d == (off_t)(pg * PAGE) && h > d;
		wrong += !data != !written(pg);
	}
	return wrong;
}

/* Every word of @fd, through pread, the pattern or 0: "ok" or the first wrong. */
static int fd_check(int obj, int fd, size_t size, int (*written)(unsigned long),
		    char *why, size_t n)
{
	static uint64_t page[WORDS];
	unsigned long pg, w;
	uint64_t want;

	for (pg = 0; pg * PAGE < size; pg++) {
		if (pread(fd, page, PAGE, pg * PAGE) != PAGE) {
			snprintf(why, n, "object %d page %lu: pread: %s", obj, pg,
				 strerror(errno));
			return -1;
		}
		for (w = 0; w < WORDS; w++) {
			want = written(pg) ? pattern(obj, pg, w) : 0;
			if (page[w] != want) {
				snprintf(why, n, "object %d page %lu word %lu: %#llx, not %#llx",
					 obj, pg, w, (unsigned long long)page[w],
					 (unsigned long long)want);
				return -1;
			}
		}
	}
	snprintf(why, n, "ok");
	return 0;
}

/* A failed check of the memfds: into @why, -1. */
static int memfd_fail(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* What both members check of the memfds they hold: "ok" or what is wrong. */
static int memfd_common(char *why, size_t n)
{
	struct stat st;
	char link[128];
	ssize_t len;
	int fl;

	if (fcntl(10, F_GET_SEALS) != RING_SEALS || fcntl(11, F_GET_SEALS) != 0 ||
	    fcntl(12, F_GET_SEALS) != F_SEAL_SEAL)
		return memfd_fail(why, n, "seals %d %d %d", fcntl(10, F_GET_SEALS),
				  fcntl(11, F_GET_SEALS), fcntl(12, F_GET_SEALS));
	if (!ftruncate(10, RING_SIZE + PAGE) || errno != EPERM)
		return memfd_fail(why, n, "ring grew: %s", strerror(errno));
	if (!ftruncate(10, PAGE) || errno != EPERM)
		return memfd_fail(why, n, "ring shrank: %s", strerror(errno));
	if (!fcntl(12, F_ADD_SEALS, F_SEAL_WRITE) || errno != EPERM)
		return memfd_fail(why, n, "cryo-default sealed: %s", strerror(errno));
	if (fstat(10, &st) || st.st_size != (off_t)RING_SIZE)
		return memfd_fail(why, n, "ring size %lld", (long long)st.st_size);
	if (fstat(11, &st) || st.st_size != (off_t)OPEN_SIZE)
		return memfd_fail(why, n, "cryo-open size %lld", (long long)st.st_size);
	if (fstat(12, &st) || st.st_size != (off_t)PAGE)
		return memfd_fail(why, n, "cryo-default size %lld", (long long)st.st_size);
	len = readlink("/proc/self/fd/10", link, sizeof(link) - 1);
	link[len > 0 ? len : 0] = 0;
	if (strcmp(link, "/memfd:cryo-ring (deleted)"))
		return memfd_fail(why, n, "fd 10 is '%s'", link);
	len = readlink("/proc/self/fd/13", link, sizeof(link) - 1);
	link[len > 0 ? len : 0] = 0;
	if (strcmp(link, "/memfd:cryo-ring (deleted)"))
		return memfd_fail(why, n, "fd 13 is '%s'", link);
	fl = fcntl(13, F_GETFL);
	if ((fl & O_ACCMODE) != O_RDONLY || write(13, "x", 1) != -1 || errno != EBADF)
		return memfd_fail(why, n, "fd 13 writes (flags %#x)", fl);
	if ((fcntl(10, F_GETFL) & O_ACCMODE) != O_RDWR)
		return memfd_fail(why, n, "fd 10 flags %#x", fcntl(10, F_GETFL));
	snprintf(why, n, "ok");
	return 0;
}

/* "ino INO10 INO11 INO12 INO13" of the memfds this process holds. */
static void memfd_inos(char *out, size_t n)
{
	struct stat s[4];
	int i;

	for (i = 0; i < 4; i++)
		if (fstat(10 + i, &s[i]))
			memset(&s[i], 0, sizeof(s[i]));
	snprintf(out, n, "%lu %lu %lu %lu", (unsigned long)s[0].st_ino,
		 (unsigned long)s[1].st_ino, (unsigned long)s[2].st_ino,
		 (unsigned long)s[3].st_ino);
}

static int memfd_make(const char *name, unsigned int flags, int at, size_t size)
{
	int fd = memfd_create(name, flags);

	if (fd < 0 || ftruncate(fd, size) || dup2(fd, at) != at)
		die(3, "memfd %s: %s", name, strerror(errno));
	close(fd);
	return at;
}

static int memfd(void)
{
	char why[160], why2[160], ino[96];
	volatile uint64_t *word;
	uint64_t *ring, *open_, *priv;
	unsigned long hw_ring, hw_open;
	pid_t kid;
	int fd;

	memfd_make("cryo-ring", MFD_ALLOW_SEALING, 10, RING_SIZE);
	memfd_make("cryo-open", MFD_ALLOW_SEALING, 11, OPEN_SIZE);
	memfd_make("cryo-default", 0, 12, PAGE);
	ring = mmap(NULL, RING_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 10, 0);
	open_ = mmap(NULL, OPEN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 11, 0);
	if (ring == MAP_FAILED || open_ == MAP_FAILED)
		die(3, "mmap: %s", strerror(errno));
	fill(2, ring, RING_SIZE, ring_written);
	fill(3, open_, OPEN_SIZE, open_written);
	if (pwrite(12, "cryo", 4, 0) != 4)
		die(3, "pwrite: %s", strerror(errno));
	if (fcntl(10, F_ADD_SEALS, RING_SEALS))
		die(3, "F_ADD_SEALS: %s", strerror(errno));
	/* Its own copy of page 0 of cryo-open, page 1 still the file's. */
	priv = mmap(NULL, OPEN_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, 11, 0);
	if (priv == MAP_FAILED)
		die(3, "mmap private: %s", strerror(errno));
	priv[0] = PRIV_WORD;
	fd = open("/proc/self/fd/10", O_RDONLY);
	if (fd < 0 || dup2(fd, 13) != 13)
		die(3, "reopen: %s", strerror(errno));
	close(fd);
	if (lseek(10, RING_POS, SEEK_SET) != RING_POS)
		die(3, "lseek: %s", strerror(errno));
	kid = fork();
	if (kid < 0)
		die(3, "fork: %s", strerror(errno));
	if (!kid) {
		if (munmap(priv, OPEN_SIZE))
			die(3, "munmap: %s", strerror(errno));
		put("cready", "\n");
		wait_file("verify.0");
		if (!memfd_common(why, sizeof(why)))
			check(2, ring, RING_SIZE, RING_SIZE / PAGE, ring_written, why,
			      sizeof(why));
		memfd_inos(ino, sizeof(ino));
		/* A write through the child's mapping; the offset moved. */
		ring[RING_TOKEN_PAGE * WORDS + 1] = RING_TOKEN;
		if (lseek(10, 777, SEEK_SET) != 777)
			snprintf(why, sizeof(why), "lseek: %s", strerror(errno));
		put("verify.1", "%s\n%s\n", why, ino);
		wait_file("stop");
		_exit(0);
	}
	wait_file("cready");
	hw_ring = data_wrong(13, RING_SIZE, ring_written);
	put("ready", "%d %d %lx %lx %lx %lu %lu\n", (int)getpid(), (int)kid,
	    (unsigned long)ring, (unsigned long)open_, (unsigned long)priv,
	    nr_written(RING_SIZE, ring_written), hw_ring);
	wait_file("go");
	/*
	 * The holes first: reading one through a mapping would fill it.
	 * Through fd 13, whose offset SEEK_DATA may move (not fd 10's).
	 */
	hw_ring = data_wrong(13, RING_SIZE, ring_written);
	hw_open = data_wrong(11, OPEN_SIZE, open_written);
	if (lseek(10, 0, SEEK_CUR) != RING_POS)
		snprintf(why, sizeof(why), "offset %lld, not %d",
			 (long long)lseek(10, 0, SEEK_CUR), RING_POS);
	else if (hw_ring || hw_open)
		snprintf(why, sizeof(why), "%lu and %lu pages of data or holes wrong",
			 hw_ring, hw_open);
	else if (!memfd_common(why, sizeof(why)) &&
		 !fd_check(2, 10, RING_SIZE, ring_written, why, sizeof(why)) &&
		 !check(2, ring, RING_SIZE, RING_SIZE / PAGE, ring_written, why,
			sizeof(why)) &&
		 !check(3, open_, OPEN_SIZE, OPEN_SIZE / PAGE, open_written, why,
			sizeof(why)) &&
		 (priv[0] != PRIV_WORD || priv[1] != pattern(3, 0, 1) ||
		  priv[WORDS] != pattern(3, 1, 0) || open_[0] != pattern(3, 0, 0)))
		snprintf(why, sizeof(why), "private copy %#llx %#llx %#llx, shared %#llx",
			 (unsigned long long)priv[0], (unsigned long long)priv[1],
			 (unsigned long long)priv[WORDS], (unsigned long long)open_[0]);
	/* Before the parent seeks or writes anything. */
	put("verify.0", "%s\n", why);
	wait_file("verify.1");
	word = &ring[RING_TOKEN_PAGE * WORDS + 1];
	if (*word != RING_TOKEN)
		snprintf(why2, sizeof(why2), "mapping: %#llx", (unsigned long long)*word);
	else if (pread(10, why2, 8, RING_TOKEN_PAGE * PAGE + 8) != 8 ||
		 memcmp(why2, (const void *)word, 8))
		snprintf(why2, sizeof(why2), "fd does not see the child's word");
	else if (lseek(10, 0, SEEK_CUR) != 777)
		snprintf(why2, sizeof(why2), "offset %lld, not the child's 777",
			 (long long)lseek(10, 0, SEEK_CUR));
	else
		snprintf(why2, sizeof(why2), "ok");
	memfd_inos(ino, sizeof(ino));
	put("pdone", "%s\n%s\n", why2, ino);
	wait_file("stop");
	return reap_all() ? 10 : 0;
}

/* A memfd cryo refuses, at fd 10: MFD_HUGETLB or memfd_secret(2)'s. */
static int memfd_refused(int secret)
{
	int fd;

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif
	fd = secret ? syscall(SYS_memfd_secret, 0) :
		      memfd_create("cryo-huge", MFD_HUGETLB);
	if (fd < 0) {
		put("skip", "%s\n", strerror(errno));
		return 0;
	}
	if (dup2(fd, 10) != 10)
		die(3, "dup2: %s", strerror(errno));
	close(fd);
	put("ready", "%d\n", (int)getpid());
	wait_file("stop");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (argc < 3)
		die(2, "usage: shm_target MODE DIR ...");
	dir = argv[2];
	if (!strcmp(mode, "count") && argc == 5)
		return count(strtol(argv[3], NULL, 16), atoi(argv[4]));
	if (!strcmp(mode, "posix") && argc == 4)
		return posix(argv[3]);
	if (!strcmp(mode, "big") && argc == 4)
		return big(strtol(argv[3], NULL, 16));
	if (!strcmp(mode, "memfd") && argc == 3)
		return memfd();
	if (!strcmp(mode, "memfd-huge") && argc == 3)
		return memfd_refused(0);
	if (!strcmp(mode, "memfd-secret") && argc == 3)
		return memfd_refused(1);
	die(2, "unknown mode '%s'", mode);
}
