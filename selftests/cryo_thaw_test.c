// SPDX-License-Identifier: GPL-2.0
/*
 * Thaw: full round trips.  Every test starts a real program (from
 * selftests/progs/), freezes it with CRYO_FREEZE_KILL into an image file
 * on tmpfs, reaps the original, thaws the image and then checks the
 * restored process itself: the program checks its own memory, registers,
 * TLS, files and signals and answers over the pipes the thaw handed it
 * (inherit entries for fds 0 and 1), and the test looks at it from the
 * outside through /proc.  A zero return of cryoctl_thaw() alone proves
 * nothing here.
 *
 * The targets: counter_static (static; heap, stack and .bss as a function
 * of a counter), thaw_target (glibc; vdso and TLS, threads, registers,
 * files, signals, per-thread signals and altstacks, umask, cwd and comm,
 * credentials, blocked system calls) and busybox sh.  The remap test
 * reshapes a forked child to a layout made by "cryoctl layout".
 *
 * Everything runs in an emulated VM: waits are generous, and each test
 * makes one freeze (the CLI test thaws its image twice, the credentials
 * test freezes and thaws twice).
 */
#include <cpuid.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"

FIXTURE(thaw) {
	struct tgt t;
};

FIXTURE_SETUP(thaw)
{
	self->t.cmd = self->t.rep = -1;
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, tgt_init(&self->t, "thaw")) TH_LOG("scratch dir: %s",
							 strerror(errno));
}

FIXTURE_TEARDOWN(thaw)
{
	EXPECT_EQ(0, tgt_fini(&self->t)) TH_LOG("%s", self->t.end);
}

#define T (&self->t)

/* Start a target and wait for its "ready" line. */
#define SPAWN_X(extra, nextra, prog, ...) do {				\
		const char *const __argv[] = { prog, ##__VA_ARGS__, NULL }; \
		const char *__path = cryo_prog(prog);			\
									\
		ASSERT_EQ(0, access(__path, X_OK)) TH_LOG("%s: %s", __path, \
							  strerror(errno)); \
		ASSERT_EQ(0, tgt_spawn(T, __path, __argv, extra, nextra)); \
		ASSERT_EQ(0, tgt_line(T, TGT_TIMEOUT))			\
			TH_LOG("%s did not start: %s; log: %s", prog, T->line, \
			       tgt_log(T));				\
		ASSERT_EQ(0, strncmp(T->line, "ready", 5)) TH_LOG("%s", T->line); \
	} while (0)
#define SPAWN(prog, ...) SPAWN_X(NULL, 0, prog, ##__VA_ARGS__)

#define FREEZE() do {							\
		int __r = tgt_freeze_kill(T);				\
									\
		ASSERT_EQ(0, __r) TH_LOG("freeze: %s", strerror(-__r));	\
	} while (0)

#define THAW_X(flags, extra, nextra) do {				\
		struct cryoctl_thaw_result __res;			\
		int __r = tgt_thaw(T, flags, extra, nextra, &__res);	\
									\
		ASSERT_EQ(0, __r) TH_LOG("thaw: %s: %s", strerror(-__r),	\
					 __res.message);		\
		ASSERT_LT(0, T->pid);					\
		EXPECT_EQ(0, __res.error);				\
	} while (0)
#define THAW(flags) THAW_X(flags, NULL, 0)

/* A command and its reply (in T->line), which must start with @prefix. */
#define CMD(c, prefix) do {						\
		ASSERT_EQ(0, tgt_cmd(T, c))				\
			TH_LOG("'%c': %s; log: %s", c, T->line, tgt_log(T)); \
		ASSERT_EQ(0, strncmp(T->line, prefix, strlen(prefix)))	\
			TH_LOG("'%c': \"%s\", want \"%s...\"; log: %s", c, \
			       T->line, prefix, tgt_log(T));		\
	} while (0)

/* Tell a target that is our child to exit with @code; check it did. */
#define QUIT(code) do {							\
		int __st;						\
									\
		ASSERT_EQ(0, tgt_quit(T, code));			\
		ASSERT_EQ(T->pid, wait_timeout(T->pid, &__st, TGT_TIMEOUT)); \
		EXPECT_TRUE(WIFEXITED(__st)) TH_LOG("status %#x", __st); \
		EXPECT_EQ(code, WEXITSTATUS(__st));			\
		T->pid = 0;						\
	} while (0)

/* "pid P PP": the restored process's own view of its ids. */
static void own_ids(struct tgt *t, long *pid, long *ppid)
{
	*pid = *ppid = -1;
	sscanf(t->line, "pid %ld %ld", pid, ppid);
}

/*
 * Does [heap] in @pid's maps cover [@lo, @hi)?  One mapping or several
 * adjacent ones: a brk() after the thaw may extend the restored mapping
 * or add a new one next to it.
 */
static int heap_covers(pid_t pid, unsigned long lo, unsigned long hi)
{
	static char maps[65536];
	unsigned long s, e, cur = lo;
	char *line, *save = NULL;

	if (cryo_maps(pid, maps, sizeof(maps)) <= 0)
		return 0;
	for (line = strtok_r(maps, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, " [heap]") &&
		    sscanf(line, "%lx-%lx", &s, &e) == 2 && s <= cur && e > cur)
			cur = e;
	return cur >= hi;
}

/* How many of @len bytes at @addr in @pid are not @byte; -1 on error. */
static long mem_differs(pid_t pid, unsigned long addr, size_t len,
			unsigned char byte)
{
	char path[64];
	unsigned char *buf = malloc(len);
	long bad = 0;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!buf || fd < 0 || pread(fd, buf, len, addr) != (ssize_t)len) {
		bad = -1;
	} else {
		for (i = 0; i < len; i++)
			bad += buf[i] != byte;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return bad;
}

/*
 * The value of line @key ("Uid:") of a /proc status file, blanks made
 * single spaces, none at the ends; "" when there is no such line.
 */
static const char *status_value(const char *path, const char *key, char *out,
				size_t cap)
{
	char buf[4096], *p;
	size_t n = 0;

	out[0] = '\0';
	if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
		return out;
	p = strstr(buf, key);
	if (!p || (p != buf && p[-1] != '\n'))
		return out;
	for (p += strlen(key); *p && *p != '\n' && n < cap - 1; p++) {
		if (*p != ' ' && *p != '\t')
			out[n++] = *p;
		else if (n && out[n - 1] != ' ')
			out[n++] = ' ';
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return out;
}

/* A mask line of one thread's /proc/PID/task/TID/status; ~0 if none. */
static uint64_t task_mask(pid_t pid, int tid, const char *key)
{
	char path[96], v[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	if (!status_value(path, key, v, sizeof(v))[0])
		return ~0ULL;
	return strtoull(v, NULL, 16);
}

TEST(features)
{
	struct cryoctl_version v;
	int dev;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing: module not loaded");
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, cryoctl_version(dev, &v));
	EXPECT_TRUE(v.features & CRYO_FEATURE_THAW) TH_LOG("features %#llx",
						     (unsigned long long)v.features);
	EXPECT_TRUE(v.features & CRYO_FEATURE_REMAP);
	close(dev);
}

/*
 * A static program: its counter goes on from where it stopped, its memory
 * is what it was (it checks every word), its layout is the original's,
 * its break still grows, and with WAIT its exit status reaches us.
 */
TEST_F_TIMEOUT(thaw, static_counter, 120)
{
	static char maps0[65536], maps1[65536];
	char exe[PATH_MAX], link[PATH_MAX], fds[256];
	unsigned long long c1 = 0, c2 = 0, n = 0;
	void *brk0 = NULL, *old = NULL, *new = NULL;
	long pid, ppid;

	SPAWN("counter_static");
	ASSERT_EQ(1, sscanf(T->line, "ready %*d %*p %*p %*p %p", &brk0));
	CMD('c', "count ");
	c1 = strtoull(T->line + 6, NULL, 10);
	ASSERT_LT(0, c1);
	usleep(100000);
	ASSERT_LT(0, cryo_maps(T->pid, maps0, sizeof(maps0)));

	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);
	EXPECT_NE(T->orig_pid, T->pid) TH_LOG("without SAME_PID the pid is new");

	CMD('p', "pid ");
	own_ids(T, &pid, &ppid);
	EXPECT_EQ(T->pid, pid);
	EXPECT_EQ(getpid(), ppid) TH_LOG("WAIT: the restored process is our child");

	/* It goes on counting from where it was. */
	CMD('c', "count ");
	c2 = strtoull(T->line + 6, NULL, 10);
	EXPECT_LE(c1, c2) TH_LOG("count %llu before the freeze, %llu after", c1, c2);
	CMD('v', "ok ");
	n = strtoull(T->line + 3, NULL, 10);
	EXPECT_LE(c2, n);

	/* The same layout, named the same ([heap], [stack], [vdso], the file). */
	ASSERT_LT(0, cryo_maps(T->pid, maps1, sizeof(maps1)));
	cryo_maps_join(maps0);
	cryo_maps_join(maps1);
	EXPECT_STREQ(maps0, maps1);
	snprintf(exe, sizeof(exe), "/proc/%d/exe", T->pid);
	{
		ssize_t k = readlink(exe, link, sizeof(link) - 1);

		ASSERT_LT(0, k);
		link[k] = '\0';
		EXPECT_STREQ(cryo_prog("counter_static"), link);
	}
	ASSERT_EQ(3, cryo_fd_list(T->pid, fds, sizeof(fds)));
	EXPECT_STREQ("0 1 2", fds);

	/* The break was restored: the heap grows from where it ended. */
	CMD('m', "brk ");
	ASSERT_EQ(2, sscanf(T->line, "brk %p %p", &old, &new)) TH_LOG("%s", T->line);
	EXPECT_EQ(brk0, old);
	EXPECT_EQ((char *)brk0 + 65536, (char *)new);
	/* [heap] covers the new part, which holds what the program wrote. */
	EXPECT_TRUE(heap_covers(T->pid, (unsigned long)old, (unsigned long)new))
		TH_LOG("brk %p..%p not in [heap]", old, new);
	EXPECT_EQ(0, mem_differs(T->pid, (unsigned long)old, 65536, 0x5a));
	/* And on from there. */
	CMD('m', "brk ");
	ASSERT_EQ(2, sscanf(T->line, "brk %p %p", &old, &new)) TH_LOG("%s", T->line);
	EXPECT_EQ((char *)brk0 + 65536, (char *)old);
	EXPECT_EQ((char *)brk0 + 2 * 65536, (char *)new);
	EXPECT_TRUE(heap_covers(T->pid, (unsigned long)brk0, (unsigned long)new))
		TH_LOG("brk %p..%p not in [heap]", brk0, new);
	EXPECT_EQ(0, mem_differs(T->pid, (unsigned long)brk0, 2 * 65536, 0x5a));
	CMD('v', "ok ");
	EXPECT_LE(n, strtoull(T->line + 3, NULL, 10));

	/* WAIT: its exit status is ours to collect. */
	QUIT(42);
}

/*
 * glibc, the vdso and TLS; thawed without WAIT: the restored process is
 * not our child.
 */
TEST_F_TIMEOUT(thaw, vdso_tls_no_wait, 120)
{
	static char maps0[65536], maps1[65536];
	unsigned long long loops0, mono0, real0, bad0, loops1, mono1, real1, bad1;
	unsigned long long loops2;
	unsigned long vdso_ready, vdso0, vdso1;
	struct timespec now;
	long pid, ppid;
	int status;

	SPAWN("thaw_target", "vdso");
	ASSERT_EQ(1, sscanf(T->line, "ready %*d %lx", &vdso_ready));
	CMD('c', "vdso ");
	ASSERT_EQ(5, sscanf(T->line, "vdso %llu %llu %llu %lx %llu", &loops0, &mono0,
			    &real0, &vdso0, &bad0));
	EXPECT_EQ(0, bad0);
	EXPECT_EQ(vdso_ready, vdso0);
	ASSERT_LT(0, cryo_maps(T->pid, maps0, sizeof(maps0)));
	EXPECT_NE(NULL, strstr(maps0, "[vdso]"));

	FREEZE();
	THAW(0);
	EXPECT_NE(T->orig_pid, T->pid);
	/* Not our child: it is nobody's business of ours to reap it. */
	errno = 0;
	EXPECT_EQ(-1, waitpid(T->pid, &status, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	EXPECT_EQ(0, kill(T->pid, 0));

	CMD('p', "pid ");
	own_ids(T, &pid, &ppid);
	EXPECT_EQ(T->pid, pid);
	EXPECT_NE(getpid(), ppid);

	usleep(200000);
	CMD('c', "vdso ");
	ASSERT_EQ(5, sscanf(T->line, "vdso %llu %llu %llu %lx %llu", &loops1, &mono1,
			    &real1, &vdso1, &bad1));
	/* Both loops ran on, TLS intact, no clock going backwards. */
	EXPECT_EQ(0, bad1) TH_LOG("%llu clock steps back or TLS changes (x 1000000)",
				  bad1);
	EXPECT_LT(loops0, loops1);
	EXPECT_LT(mono0, mono1);
	EXPECT_EQ(vdso0, vdso1);
	clock_gettime(CLOCK_REALTIME, &now);
	{
		long long d = (long long)(now.tv_sec * 1000000000ULL + now.tv_nsec) -
			      (long long)real1;

		EXPECT_GT(10000000000LL, d < 0 ? -d : d)
			TH_LOG("CLOCK_REALTIME %llu in the target", real1);
	}
	usleep(200000);
	CMD('c', "vdso ");
	ASSERT_EQ(1, sscanf(T->line, "vdso %llu", &loops2));
	EXPECT_LT(loops1, loops2);

	/* The vdso and vvar where they were: the layout is the original's. */
	ASSERT_LT(0, cryo_maps(T->pid, maps1, sizeof(maps1)));
	cryo_maps_join(maps0);
	cryo_maps_join(maps1);
	EXPECT_STREQ(maps0, maps1);

	ASSERT_EQ(0, tgt_quit(T, 0));
	EXPECT_TRUE(WAIT_FOR(cryo_stat_field(T->pid, 0) == 'Z' ||
			     cryo_stat_field(T->pid, 0) < 0, 10));
	T->pid = 0;
}

#define NR_WORKERS	8

static int parse_tids(const char *line, int *tids, int max)
{
	const char *p = line + 4;
	int n = 0;
	char *end;

	while (n < max) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		tids[n++] = v;
		p = end;
	}
	return n;
}

static void threads_test(struct __test_metadata *_metadata, struct tgt *t,
			 unsigned int flags)
{
	int tids0[NR_WORKERS + 1], tids1[64], n, i, k;
	unsigned long g, total;
	long pid, ppid;
	char want[64];

	{
		const char *const argv[] = { "thaw_target", "threads", "8", NULL };

		ASSERT_EQ(0, tgt_spawn(t, cryo_prog("thaw_target"), argv, NULL, 0));
		ASSERT_EQ(0, tgt_line(t, TGT_TIMEOUT)) TH_LOG("%s", tgt_log(t));
	}
	ASSERT_EQ(0, tgt_cmd(t, 'g'));
	EXPECT_STREQ("round 1 36", t->line);
	ASSERT_EQ(0, tgt_cmd(t, 't'));
	ASSERT_EQ(NR_WORKERS, parse_tids(t->line, tids0 + 1, NR_WORKERS))
		TH_LOG("%s", t->line);
	tids0[0] = t->pid;
	for (i = 1; i <= NR_WORKERS; i++)
		for (k = i; k > 0 && tids0[k - 1] > tids0[k]; k--) {
			int x = tids0[k];

			tids0[k] = tids0[k - 1];
			tids0[k - 1] = x;
		}

	{
		int r = tgt_freeze_kill(t);

		ASSERT_EQ(0, r) TH_LOG("freeze: %s", strerror(-r));
	}
	{
		struct cryoctl_thaw_result res;
		int r = tgt_thaw(t, flags, NULL, 0, &res);

		ASSERT_EQ(0, r) TH_LOG("thaw: %s: %s", strerror(-r), res.message);
	}
	n = cryo_tids(t->pid, tids1, 64);
	EXPECT_EQ(NR_WORKERS + 1, n);
	if (flags & CRYOCTL_THAW_SAME_PID) {
		EXPECT_EQ(t->orig_pid, t->pid);
		for (i = 0; i < n && i <= NR_WORKERS; i++) {
			EXPECT_EQ(tids0[i], tids1[i]) TH_LOG("thread %d", i);
		}
	} else {
		EXPECT_NE(t->orig_pid, t->pid);
	}
	ASSERT_EQ(0, tgt_cmd(t, 'p')) TH_LOG("%s", tgt_log(t));
	own_ids(t, &pid, &ppid);
	EXPECT_EQ(t->pid, pid);
	EXPECT_EQ(getpid(), ppid);

	/* The mutex and the condition variables work across all of them. */
	for (g = 2; g <= 4; g++) {
		ASSERT_EQ(0, tgt_cmd(t, 'g')) TH_LOG("round %lu: %s; log %s", g,
						     t->line, tgt_log(t));
		ASSERT_EQ(1, sscanf(t->line, "round %*u %lu", &total)) TH_LOG("%s", t->line);
		snprintf(want, sizeof(want), "round %lu %lu", g, g * 36);
		EXPECT_STREQ(want, t->line);
	}
	/* pthread_join() of every one: each checked its own TLS. */
	ASSERT_EQ(0, tgt_cmd(t, 'j')) TH_LOG("join: %s; log %s", t->line, tgt_log(t));
	EXPECT_STREQ("joined 8 8", t->line);
	EXPECT_TRUE(WAIT_FOR(cryo_tids(t->pid, tids1, 64) == 1, 5));
	{
		int st;

		ASSERT_EQ(0, tgt_quit(t, 3));
		ASSERT_EQ(t->pid, wait_timeout(t->pid, &st, TGT_TIMEOUT));
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3) TH_LOG("status %#x", st);
		t->pid = 0;
	}
}

TEST_F_TIMEOUT(thaw, threads, 120)
{
	threads_test(_metadata, T, CRYOCTL_THAW_WAIT);
}

/* SAME_PID: the original pid and every thread id come back. */
TEST_F_TIMEOUT(thaw, threads_same_pid, 120)
{
	threads_test(_metadata, T, CRYOCTL_THAW_SAME_PID | CRYOCTL_THAW_WAIT);
}

/* General registers, SSE, x87 and MXCSR held by asm loops across a thaw. */
TEST_F_TIMEOUT(thaw, registers, 120)
{
	int tids[8];

	SPAWN("thaw_target", "regs");
	usleep(100000);
	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);
	EXPECT_EQ(3, cryo_tids(T->pid, tids, 8));
	CMD('s', "regs ");
	EXPECT_EQ(0, strncmp(T->line, "regs ok ", 8)) TH_LOG("%s", T->line);
	QUIT(0);
}

static int cpu_has_avx(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_AVX) || !(c & bit_OSXSAVE))
		return 0;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

/* The same with the full ymm registers, where the CPU has AVX. */
TEST_F_TIMEOUT(thaw, registers_avx, 120)
{
	if (!cpu_has_avx())
		SKIP(return, "no AVX on this CPU (the TCG qemu64 model has none)");
	SPAWN("thaw_target", "avx");
	EXPECT_EQ(NULL, strstr(T->line, "noavx"));
	usleep(100000);
	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);
	CMD('s', "regs ");
	EXPECT_EQ(0, strncmp(T->line, "regs ok ", 8)) TH_LOG("%s", T->line);
	QUIT(0);
}

/*
 * Files: every fd comes back at its number, with its position, status
 * flags and close-on-exec flag, naming the same file; the program then
 * checks shared offsets, O_APPEND, the unlinked file's contents and the
 * bytes buffered in its pipe and FIFO itself.
 */
TEST_F_TIMEOUT(thaw, files, 120)
{
	struct fdstate {
		int fd;
		long long pos;
		unsigned int flags;
		char link[PATH_MAX];
	} *before;
	char fds0[512], fds1[512], *p, buf[64];
	int n0, n1, i;

	before = calloc(64, sizeof(*before));
	ASSERT_NE(NULL, before);
	SPAWN("thaw_target", "files", T->dir);
	n0 = cryo_fd_list(T->pid, fds0, sizeof(fds0));
	ASSERT_EQ(14, n0) TH_LOG("fds: %s", fds0);
	for (i = 0, p = fds0; i < n0; i++) {
		before[i].fd = strtol(p, &p, 10);
		ASSERT_EQ(0, cryo_fdinfo(T->pid, before[i].fd, &before[i].pos,
					 &before[i].flags));
		ASSERT_EQ(0, cryo_fd_link(T->pid, before[i].fd, before[i].link,
					  sizeof(before[i].link)));
	}

	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);

	/* Exactly the image's fds: nothing of the thawing caller leaked in. */
	n1 = cryo_fd_list(T->pid, fds1, sizeof(fds1));
	EXPECT_STREQ(fds0, fds1);
	for (i = 0; i < n0 && n1 == n0; i++) {
		struct fdstate now;

		ASSERT_EQ(0, cryo_fdinfo(T->pid, before[i].fd, &now.pos, &now.flags));
		ASSERT_EQ(0, cryo_fd_link(T->pid, before[i].fd, now.link,
					  sizeof(now.link)));
		EXPECT_EQ(before[i].pos, now.pos) TH_LOG("fd %d (%s): pos",
							 before[i].fd, now.link);
		EXPECT_EQ(before[i].flags, now.flags)
			TH_LOG("fd %d (%s): flags %#o, were %#o (O_CLOEXEC %#o)",
			       before[i].fd, now.link, now.flags, before[i].flags,
			       O_CLOEXEC);
		if (!strncmp(before[i].link, "pipe:[", 6)) {
			EXPECT_EQ(0, strncmp(now.link, "pipe:[", 6))
				TH_LOG("fd %d: %s", before[i].fd, now.link);
		} else if (before[i].fd == 15) {
			/*
			 * The unlinked file is made anew (O_TMPFILE): its name
			 * is gone, but it is in the same directory, deleted.
			 */
			size_t dl = strlen(T->dir);

			EXPECT_EQ(0, strncmp(now.link, T->dir, dl)) TH_LOG("fd 15: %s", now.link);
			EXPECT_EQ('/', now.link[dl]);
			EXPECT_EQ(NULL, strchr(now.link + dl + 1, '/'));
			EXPECT_NE(NULL, strstr(now.link, " (deleted)"))
				TH_LOG("fd 15: %s", now.link);
		} else {
			EXPECT_STREQ(before[i].link, now.link)
				TH_LOG("fd %d", before[i].fd);
		}
	}
	/* fds 16 and 17: one new pipe, both ends. */
	{
		char a[64], b[64];

		ASSERT_EQ(0, cryo_fd_link(T->pid, 16, a, sizeof(a)));
		ASSERT_EQ(0, cryo_fd_link(T->pid, 17, b, sizeof(b)));
		EXPECT_STREQ(a, b);
	}

	CMD('x', "files ");
	EXPECT_STREQ("files ok", T->line);
	/* Its O_APPEND write went to the end of the real file. */
	snprintf(fds1, sizeof(fds1), "%s/app", T->dir);
	ASSERT_EQ(13, cryo_read_file(fds1, buf, sizeof(buf)));
	EXPECT_STREQ("0123456789ABC", buf);
	QUIT(0);
	free(before);
}

/*
 * One pipe, five open file descriptions (two from pipe(2), three more
 * through /proc/self/fd: a second reader, an O_RDWR one and a second
 * writer): all five come back as descriptions of one new pipe, each with
 * its access mode and status flags, the bytes it held in it once.
 */
TEST_F_TIMEOUT(thaw, pipe_descriptions, 120)
{
	char a[64], b[64];
	int fd;

	SPAWN("thaw_target", "pipes");
	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);
	ASSERT_EQ(0, cryo_fd_link(T->pid, 20, a, sizeof(a)));
	EXPECT_EQ(0, strncmp(a, "pipe:[", 6)) TH_LOG("fd 20: %s", a);
	for (fd = 21; fd <= 24; fd++) {
		ASSERT_EQ(0, cryo_fd_link(T->pid, fd, b, sizeof(b)));
		EXPECT_STREQ(a, b) TH_LOG("fd %d", fd);
	}
	CMD('x', "pipes ");
	EXPECT_STREQ("pipes ok", T->line);
	QUIT(0);
}

#define BIT(sig)	(1ULL << ((sig) - 1))

struct sigrep {
	int usr1, usr2, winch, alrm;
	unsigned long long blocked, pending;
};

static int sig_parse(const char *line, struct sigrep *s)
{
	return sscanf(line, "sig %d %d %d %d %llx %llx", &s->usr1, &s->usr2,
		      &s->winch, &s->alrm, &s->blocked, &s->pending) == 6 ? 0 : -1;
}

/*
 * Signals: dispositions, the blocked mask, thread- and process-pending
 * signals, an ignored SIGTERM, the altstack and ITIMER_REAL.
 */
TEST_F_TIMEOUT(thaw, signals, 120)
{
	uint64_t blk0, ign0, cgt0;
	struct sigrep s0, s1;
	unsigned long altstack;
	void *sp;
	size_t size;
	long interval, value;
	int flags;

	SPAWN("thaw_target", "signals");
	ASSERT_EQ(1, sscanf(T->line, "ready %*d %lx", &altstack));
	CMD('s', "sig ");
	ASSERT_EQ(0, sig_parse(T->line, &s0));
	ASSERT_EQ(BIT(SIGUSR2) | BIT(SIGWINCH), s0.blocked);
	ASSERT_EQ(BIT(SIGUSR2) | BIT(SIGWINCH), s0.pending);
	blk0 = cryo_status_mask(T->pid, "SigBlk:");
	ign0 = cryo_status_mask(T->pid, "SigIgn:");
	cgt0 = cryo_status_mask(T->pid, "SigCgt:");
	EXPECT_EQ(BIT(SIGUSR2), cryo_status_mask(T->pid, "SigPnd:"));
	EXPECT_EQ(BIT(SIGWINCH), cryo_status_mask(T->pid, "ShdPnd:"));
	EXPECT_TRUE(ign0 & BIT(SIGTERM));

	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);

	/* As /proc sees it. */
	EXPECT_EQ(blk0, cryo_status_mask(T->pid, "SigBlk:"));
	EXPECT_EQ(ign0, cryo_status_mask(T->pid, "SigIgn:"));
	EXPECT_EQ(cgt0, cryo_status_mask(T->pid, "SigCgt:"));
	EXPECT_EQ(BIT(SIGUSR2), cryo_status_mask(T->pid, "SigPnd:"));
	EXPECT_EQ(BIT(SIGWINCH), cryo_status_mask(T->pid, "ShdPnd:"));

	/* As the program sees it: nothing delivered, nothing lost. */
	CMD('s', "sig ");
	ASSERT_EQ(0, sig_parse(T->line, &s1));
	EXPECT_EQ(0, s1.usr1);
	EXPECT_EQ(0, s1.usr2);
	EXPECT_EQ(0, s1.winch);
	EXPECT_EQ(s0.blocked, s1.blocked);
	EXPECT_EQ(s0.pending, s1.pending);

	/* The handler installed before the freeze runs. */
	ASSERT_EQ(0, kill(T->pid, SIGUSR1));
	EXPECT_TRUE(WAIT_FOR(!tgt_cmd(T, 's') && !sig_parse(T->line, &s1) &&
			     s1.usr1 == 1, 5)) TH_LOG("%s", T->line);
	CMD('f', "from ");
	EXPECT_EQ(getpid(), atoi(T->line + 5));

	/* Unblocked, the pending ones are delivered, once each. */
	CMD('u', "sig ");
	ASSERT_EQ(0, sig_parse(T->line, &s1));
	EXPECT_EQ(1, s1.usr2);
	EXPECT_EQ(1, s1.winch);
	EXPECT_EQ(0, s1.blocked);
	EXPECT_EQ(0, s1.pending);

	/* ITIMER_REAL keeps firing every 200 ms. */
	CMD('i', "itimer ");
	ASSERT_EQ(2, sscanf(T->line, "itimer %ld %ld", &interval, &value));
	EXPECT_EQ(200000, interval);
	EXPECT_LT(0, value);
	EXPECT_GE(200000, value);
	CMD('s', "sig ");
	ASSERT_EQ(0, sig_parse(T->line, &s0));
	usleep(1500000);
	CMD('s', "sig ");
	ASSERT_EQ(0, sig_parse(T->line, &s1));
	EXPECT_LE(s0.alrm + 3, s1.alrm) TH_LOG("SIGALRM %d times in 1.5 s",
					       s1.alrm - s0.alrm);

	CMD('a', "altstack ");
	ASSERT_EQ(3, sscanf(T->line, "altstack %p %zu %d", &sp, &size, &flags));
	EXPECT_EQ(altstack, (unsigned long)sp);
	EXPECT_EQ(65536, size);
	EXPECT_EQ(0, flags);

	/* Still ignored. */
	ASSERT_EQ(0, kill(T->pid, SIGTERM));
	CMD('p', "pid ");
	QUIT(0);
}

/* "thr <count> <tid> <where> <onstack>" of thaw_target thrsig. */
struct thrrep {
	int count, tid, where, onstack;
};

static int thr_parse(const char *line, struct thrrep *r)
{
	return sscanf(line, "thr %d %d %d %d", &r->count, &r->tid, &r->where,
		      &r->onstack) == 4 ? 0 : -1;
}

/*
 * Per-thread signal state: thread B blocks SIGUSR1 and has one pending,
 * directed at it (tgkill), while the main thread does not block it.
 * After the thaw it is still B's alone: not delivered to the main thread,
 * not process-wide, and delivered to B when B unblocks it.  Each thread
 * has its own altstack, and the SA_ONSTACK handler runs on the right one.
 */
TEST_F_TIMEOUT(thaw, thread_pending_altstack, 120)
{
	uint64_t blk_main, blk_b;
	struct thrrep r;
	int tids[8], b;

	SPAWN("thaw_target", "thrsig");
	ASSERT_EQ(1, sscanf(T->line, "ready %*d %d", &b));
	ASSERT_NE(T->pid, b);
	blk_main = task_mask(T->pid, T->pid, "SigBlk:");
	blk_b = task_mask(T->pid, b, "SigBlk:");
	ASSERT_EQ(0, blk_main & BIT(SIGUSR1));
	ASSERT_EQ(BIT(SIGUSR1), blk_b & BIT(SIGUSR1));
	ASSERT_EQ(BIT(SIGUSR1), task_mask(T->pid, b, "SigPnd:"));
	ASSERT_EQ(0, task_mask(T->pid, T->pid, "SigPnd:"));
	ASSERT_EQ(0, task_mask(T->pid, b, "ShdPnd:"));

	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);
	ASSERT_EQ(2, cryo_tids(T->pid, tids, 8));
	b = tids[0] == T->pid ? tids[1] : tids[0];
	ASSERT_NE(T->pid, b);

	/* Each thread's mask, and the signal pending on B only. */
	EXPECT_EQ(blk_main, task_mask(T->pid, T->pid, "SigBlk:"));
	EXPECT_EQ(blk_b, task_mask(T->pid, b, "SigBlk:"));
	EXPECT_EQ(BIT(SIGUSR1), task_mask(T->pid, b, "SigPnd:"));
	EXPECT_EQ(0, task_mask(T->pid, T->pid, "SigPnd:"));
	EXPECT_EQ(0, task_mask(T->pid, b, "ShdPnd:"));
	CMD('k', "thr ");
	ASSERT_EQ(0, thr_parse(T->line, &r));
	EXPECT_EQ(0, r.count) TH_LOG("SIGUSR1 ran in thread %d at the thaw", r.tid);

	/* B unblocks it: delivered to B, on B's altstack. */
	CMD('U', "thr ");
	ASSERT_EQ(0, thr_parse(T->line, &r));
	EXPECT_EQ(1, r.count);
	EXPECT_EQ(b, r.tid);
	EXPECT_EQ(2, r.where) TH_LOG("the handler ran on stack %d", r.where);
	EXPECT_EQ(1, r.onstack);
	EXPECT_EQ(0, task_mask(T->pid, b, "SigPnd:"));

	/* The main thread's handler runs on the main thread's altstack. */
	ASSERT_EQ(0, syscall(SYS_tgkill, T->pid, T->pid, SIGUSR1));
	EXPECT_TRUE(WAIT_FOR(!tgt_cmd(T, 'k') && !thr_parse(T->line, &r) &&
			     r.count == 2, 5)) TH_LOG("%s", T->line);
	EXPECT_EQ(T->pid, r.tid);
	EXPECT_EQ(1, r.where) TH_LOG("the handler ran on stack %d", r.where);
	EXPECT_EQ(1, r.onstack);
	QUIT(0);
}

/* /proc's view of the umask, working directory and comm of @pid. */
static void proc_state(struct __test_metadata *_metadata, pid_t pid,
		       const char *cwd)
{
	char path[64], v[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	EXPECT_STREQ("0027", status_value(path, "Umask:", v, sizeof(v)));
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	EXPECT_LT(0, cryo_read_file(path, v, sizeof(v)));
	EXPECT_STREQ("cryo-proc-name\n", v);
	snprintf(path, sizeof(path), "/proc/%d/cwd", pid);
	n = readlink(path, v, sizeof(v) - 1);
	ASSERT_LT(0, n);
	v[n] = '\0';
	EXPECT_STREQ(cwd, v);
}

/*
 * umask, working directory and comm come back; the thawing process (R is
 * a fork of it) differs in all three.  The restored process creates a
 * file by a relative path, through its umask.
 */
TEST_F_TIMEOUT(thaw, umask_cwd_comm, 120)
{
	char cwd[128], ours[PATH_MAX], want[256], made[160];
	struct stat st;

	snprintf(cwd, sizeof(cwd), "%s/cwd", T->dir);
	ASSERT_EQ(0, mkdir(cwd, 0755));
	snprintf(made, sizeof(made), "%s/made", cwd);
	umask(022);
	ASSERT_NE(NULL, getcwd(ours, sizeof(ours)));
	ASSERT_STRNE(cwd, ours);

	SPAWN("thaw_target", "proc", cwd);
	proc_state(_metadata, T->pid, cwd);
	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);
	proc_state(_metadata, T->pid, cwd);

	CMD('P', "proc ");
	snprintf(want, sizeof(want), "proc 0027 0640 cryo-proc-name %s", cwd);
	EXPECT_STREQ(want, T->line);
	ASSERT_EQ(0, stat(made, &st)) TH_LOG("%s: %s", made, strerror(errno));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0640, st.st_mode & 07777);
	QUIT(0);
}

#define CREDS_1000	"creds 1000 1000 1000 1000 1000 1000 1000 1000"

/*
 * @pid runs as uid and gid 1000 (real, effective, saved, filesystem) with
 * supplementary groups @groups and no capabilities, as /proc says.
 */
static void expect_user(struct __test_metadata *_metadata, pid_t pid,
			const char *groups)
{
	char path[64], v[256];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	EXPECT_STREQ("1000 1000 1000 1000", status_value(path, "Uid:", v, sizeof(v)));
	EXPECT_STREQ("1000 1000 1000 1000", status_value(path, "Gid:", v, sizeof(v)));
	EXPECT_STREQ(groups, status_value(path, "Groups:", v, sizeof(v)));
	EXPECT_STREQ("0000000000000000", status_value(path, "CapEff:", v, sizeof(v)));
	EXPECT_STREQ("0000000000000000", status_value(path, "CapPrm:", v, sizeof(v)));
	EXPECT_STREQ("0000000000000000", status_value(path, "CapAmb:", v, sizeof(v)));
}

/* Become uid and gid 1000 with @groups: no capabilities left. */
static int become_user(const gid_t *groups, int ngroups)
{
	if (setgroups(ngroups, groups) || setresgid(1000, 1000, 1000) ||
	    setresuid(1000, 1000, 1000))
		return -1;
	/* A process of its user, as a login would make it. */
	return prctl(PR_SET_DUMPABLE, 1);
}

/*
 * Freeze t->pid with CRYO_FREEZE_KILL into t->img from a child that has
 * become uid 1000 (/dev/cryo and the image opened before) and reap the
 * target, our child.  0 or -errno.
 */
static int freeze_as_user(struct tgt *t)
{
	static const gid_t one[1] = { 1000 };
	int dev, fd, status, ret;
	pid_t child;

	dev = cryoctl_open();
	if (dev < 0)
		return dev;
	fd = open(t->img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		close(dev);
		return ret;
	}
	child = fork();
	if (child == 0) {
		if (become_user(one, 1))
			_exit(125);
		ret = cryoctl_freeze(dev, t->pid,
				     CRYO_FREEZE_KILL | CRYO_FREEZE_ACCEPT_LOSS,
				     0, fd, NULL, NULL);
		_exit(ret < 0 ? -ret : 0);
	}
	close(fd);
	close(dev);
	if (child < 0)
		return -errno;
	if (wait_timeout(child, &status, 60) != child) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return -ETIMEDOUT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 125)
		return -ECANCELED;
	if (WEXITSTATUS(status))
		return -WEXITSTATUS(status);
	if (wait_timeout(t->pid, &status, 10) != t->pid ||
	    !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		return -ECHILD;
	t->pid = 0;
	t->child = 0;
	close(t->cmd);
	close(t->rep);
	t->cmd = -1;
	t->rep = -1;
	return 0;
}

struct thaw_report {
	int ret;
	struct cryoctl_thaw_result res;
};

/*
 * Thaw t->img with WAIT from a child that has become uid and gid 1000
 * with @groups and no capability; /dev/cryo, the image and the log are
 * opened before.  fds 0 and 1 get fresh pipes (our ends in t->cmd and
 * t->rep), fd 2 the log.  The child reports cryoctl_thaw()'s result to us,
 * then waits for the restored process and exits with its exit status.
 * Returns the child's pid, with t->pid the restored process; or -1 and
 * @rep says why.
 */
static pid_t thaw_as_user(struct tgt *t, const gid_t *groups, int ngroups,
			  struct thaw_report *rep)
{
	int c[2], r[2], p[2];
	struct pollfd pfd;
	pid_t child;

	memset(rep, 0, sizeof(*rep));
	rep->ret = -EIO;
	if (pipe2(c, O_CLOEXEC) || pipe2(r, O_CLOEXEC) || pipe2(p, O_CLOEXEC))
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		struct cryo_thaw_inherit inh[3];
		int dev, img, log, st;

		close(c[1]);
		close(r[0]);
		close(p[0]);
		dev = cryoctl_open();
		img = open(t->img, O_RDONLY | O_CLOEXEC);
		log = open(t->log, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (dev < 0 || img < 0 || log < 0)
			rep->ret = dev < 0 ? dev : -ENOENT;
		else if (become_user(groups, ngroups))
			rep->ret = -EPERM;
		else
			rep->ret = 0;
		if (!rep->ret) {
			inh[0].fd = 0;
			inh[0].source_fd = c[0];
			inh[1].fd = 1;
			inh[1].source_fd = r[1];
			inh[2].fd = 2;
			inh[2].source_fd = log;
			rep->ret = cryoctl_thaw(dev, img, CRYOCTL_THAW_WAIT, inh, 3,
						&rep->res);
		}
		/* Only the restored process holds its ends of the pipes. */
		close(c[0]);
		close(r[1]);
		if (write(p[1], rep, sizeof(*rep)) != sizeof(*rep) || rep->ret)
			_exit(125);
		close(p[1]);
		if (waitpid(rep->res.pid, &st, 0) != rep->res.pid)
			_exit(126);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	close(c[0]);
	close(r[1]);
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 60000) != 1 ||
	    read(p[0], rep, sizeof(*rep)) != sizeof(*rep) || rep->ret) {
		if (!rep->ret)
			rep->ret = -ETIMEDOUT;
		close(p[0]);
		close(c[1]);
		close(r[0]);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return -1;
	}
	close(p[0]);
	t->pid = rep->res.pid;
	t->child = 0;
	t->cmd = c[1];
	t->rep = r[0];
	t->buflen = 0;
	return child;
}

/*
 * Credentials.  A process of uid and gid 1000 (groups 1000 and 1001, no
 * capabilities) thawed by root, with CAP_SETUID and CAP_SETGID, is that
 * user's again, and no more: the image's ids and groups, no capability of
 * the thawing root.  It stays dumpable, so that its owner can freeze it
 * again, and does.  That image thawed by uid 1000 with group 1000 only
 * gives nothing: the process runs as the caller, without the image's
 * group 1001.
 */
TEST_F_TIMEOUT(thaw, credentials, 120)
{
	static const gid_t one[1] = { 1000 };
	char path[64];
	struct thaw_report rep;
	struct stat st;
	pid_t thawer;
	long pid, ppid;
	int r, status;

	SPAWN("thaw_target", "creds");
	/* Its log is its own: the thaw reopens it as uid 1000. */
	ASSERT_EQ(0, chown(T->dir, 1000, 1000));
	ASSERT_EQ(0, chown(T->log, 1000, 1000));
	expect_user(_metadata, T->pid, "1000 1001");
	CMD('C', "creds ");
	EXPECT_STREQ(CREDS_1000 " 1 2 1000 1001", T->line);

	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);
	expect_user(_metadata, T->pid, "1000 1001");
	CMD('C', "creds ");
	EXPECT_STREQ(CREDS_1000 " 1 2 1000 1001", T->line);
	/* Dumpable: /proc/PID is its user's (root's if it were not). */
	snprintf(path, sizeof(path), "/proc/%d", T->pid);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(1000, st.st_uid);

	/* Its owner, without any capability, may freeze it. */
	r = freeze_as_user(T);
	ASSERT_EQ(0, r) TH_LOG("freeze as uid 1000: %s", strerror(-r));

	thawer = thaw_as_user(T, one, 1, &rep);
	ASSERT_LT(0, thawer) TH_LOG("thaw as uid 1000: %s: %s", strerror(-rep.ret),
				    rep.res.message);
	expect_user(_metadata, T->pid, "1000");
	CMD('C', "creds ");
	EXPECT_STREQ(CREDS_1000 " 1 1 1000", T->line);
	CMD('p', "pid ");
	own_ids(T, &pid, &ppid);
	EXPECT_EQ(T->pid, pid);
	EXPECT_EQ(thawer, ppid);
	/* Its exit status reaches the thawing user. */
	ASSERT_EQ(0, tgt_quit(T, 9));
	ASSERT_EQ(thawer, wait_timeout(thawer, &status, TGT_TIMEOUT));
	T->pid = 0;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 9)
		TH_LOG("status %#x", status);
}

/*
 * A root thaw of a user's image gives that user nothing more than the
 * process had (thaw_target sec, as uid 1000): its O_PATH fd to a root-only
 * file is still O_PATH and reads nothing; the unlinked file it had made
 * setuid comes back as its own, without the setuid, setgid and sticky
 * bits; RLIMIT_NPROC applies to it (a fork loop stops at the limit, which
 * it would not as root's); its session keyring is not root's; its
 * limits and oom_score_adj are the image's.
 */
static void sec_prepare(struct __test_metadata *_metadata, FIXTURE_DATA(thaw) *self)
{
	char path[128];
	int fd;

	ASSERT_EQ(0, chown(T->dir, 1000, 1000));
	snprintf(path, sizeof(path), "%s/secret", T->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(9, write(fd, "topsecret", 9));
	close(fd);
}

TEST_F_TIMEOUT(thaw, root_gives_no_more, 120)
{
	unsigned long long nofile, nproc;
	char kr[64], oom[16];
	int n, err;

	sec_prepare(_metadata, self);
	SPAWN("thaw_target", "sec", T->dir);
	ASSERT_EQ(0, chown(T->log, 1000, 1000));
	CMD('l', "lim ");
	ASSERT_EQ(3, sscanf(T->line, "lim %llu %llu %15s", &nofile, &nproc, oom));
	EXPECT_EQ(6, nproc);
	EXPECT_STREQ("123", oom);

	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);
	expect_user(_metadata, T->pid, "1000 1001");
	/* Another user's: never in our session, even as our child (--wait). */
	EXPECT_EQ(T->pid, cryo_stat_field(T->pid, 3)) TH_LOG("a session of its own");
	EXPECT_EQ(0, cryo_stat_field(T->pid, 4));
	CMD('o', "opath ");
	EXPECT_STREQ("opath 1 9", T->line);	/* O_PATH; read(): EBADF */
	CMD('m', "unl ");
	EXPECT_STREQ("unl 755 1000", T->line);
	CMD('n', "nproc ");
	ASSERT_EQ(2, sscanf(T->line, "nproc %d %d", &n, &err)) TH_LOG("%s", T->line);
	EXPECT_LT(n, 6) TH_LOG("forked %d past RLIMIT_NPROC 6", n);
	EXPECT_EQ(EAGAIN, err) TH_LOG("%s", T->line);
	CMD('k', "keyring ");
	/* "keyring;<uid>;<gid>;<perm>;<name>": the user's, never root's. */
	ASSERT_EQ(1, sscanf(T->line, "keyring keyring;%63[^;]", kr)) TH_LOG("%s", T->line);
	EXPECT_STREQ("1000", kr) TH_LOG("%s", T->line);
	CMD('l', "lim ");
	EXPECT_EQ(3, sscanf(T->line, "lim %llu %llu %15s", &nofile, &nproc, oom));
	EXPECT_EQ(6, nproc);
	EXPECT_STREQ("123", oom);
	QUIT(0);
}

/*
 * The image's RLIMIT_NOFILE, not the caller's, bounds its fds: a process
 * with fd 1500 under a limit of 2048 thaws with both, though the thawing
 * caller's own limit is 1024.
 */
TEST_F_TIMEOUT(thaw, image_nofile_limit, 60)
{
	struct rlimit old, high;
	char path[64], oom[16];
	unsigned long long nofile, nproc;
	struct stat st;

	sec_prepare(_metadata, self);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	high.rlim_cur = high.rlim_max = 2048;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &high));
	SPAWN("thaw_target", "sec", T->dir);
	high.rlim_cur = high.rlim_max = 1024;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &high));
	ASSERT_EQ(0, chown(T->log, 1000, 1000));
	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);
	setrlimit(RLIMIT_NOFILE, &old);
	snprintf(path, sizeof(path), "/proc/%d/fd/1500", T->pid);
	EXPECT_EQ(0, stat(path, &st)) TH_LOG("fd 1500: %s", strerror(errno));
	CMD('l', "lim ");
	ASSERT_EQ(3, sscanf(T->line, "lim %llu %llu %15s", &nofile, &nproc, oom));
	EXPECT_EQ(2048, nofile);
	CMD('o', "opath ");
	EXPECT_STREQ("opath 1 9", T->line);
	QUIT(0);
}

/* A root process's extra supplementary group comes back with it. */
TEST_F_TIMEOUT(thaw, root_groups, 60)
{
	SPAWN("thaw_target", "creds", "root");
	CMD('C', "creds ");
	EXPECT_STREQ("creds 0 0 0 0 0 0 0 0 1 2 0 1001", T->line);
	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);
	CMD('C', "creds ");
	EXPECT_STREQ("creds 0 0 0 0 0 0 0 0 1 2 0 1001", T->line);
	QUIT(0);
}

/* "CapPrm:\t<hex>" of /proc/@pid/status, or ~0 if unreadable. */
static unsigned long long cap_of(pid_t pid, const char *which)
{
	char path[64], line[256];
	unsigned long long v = ~0ULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, which, strlen(which)))
			sscanf(line + strlen(which), " %llx", &v);
	fclose(f);
	return v;
}

/*
 * Root of a user namespace of its own has every capability there and none
 * outside: thawed by root into the initial namespace, it has none.
 */
TEST_F_TIMEOUT(thaw, userns_caps_stay_there, 60)
{
	SPAWN("thaw_target", "creds", "userns");
	ASSERT_EQ(0, chown(T->dir, 1000, 1000));
	ASSERT_EQ(0, chown(T->log, 1000, 1000));
	ASSERT_NE(0, cap_of(T->pid, "CapEff:"));
	FREEZE();
	THAW(CRYOCTL_THAW_WAIT);
	expect_user(_metadata, T->pid, "1001");
	EXPECT_EQ(0, cap_of(T->pid, "CapPrm:"));
	EXPECT_EQ(0, cap_of(T->pid, "CapEff:"));
	EXPECT_EQ(0, cap_of(T->pid, "CapAmb:"));
	QUIT(0);
}

/* A thaw that must fail before anything is made, naming @why. */
static void thaw_refused(struct __test_metadata *_metadata, struct tgt *t,
			 int err, const char *why)
{
	struct cryoctl_thaw_result res;
	int r = tgt_thaw(t, CRYOCTL_THAW_WAIT, NULL, 0, &res);

	EXPECT_EQ(-err, r) TH_LOG("%s: %d %s", why, r, res.message);
	EXPECT_NE(NULL, strstr(res.message, why)) TH_LOG("\"%s\", want \"%s\"",
							 res.message, why);
	EXPECT_EQ(0, res.pid);
	if (!r && t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		t->pid = 0;
	}
}

/*
 * Files swapped after the freeze: a symbolic link (to a root-only file)
 * where the O_PATH fd's file was, or a copy of it (another inode in the
 * same boot), is refused by name; so is a regular file where a FIFO was,
 * and the FIFO's buffered bytes are never written into it.
 */
TEST_F_TIMEOUT(thaw, swapped_files_refused, 120)
{
	char secret[128], moved[128], fifo[128];
	struct stat st;
	int fd;

	sec_prepare(_metadata, self);
	SPAWN("thaw_target", "sec", T->dir);
	ASSERT_EQ(0, chown(T->log, 1000, 1000));
	FREEZE();
	snprintf(secret, sizeof(secret), "%s/secret", T->dir);
	snprintf(moved, sizeof(moved), "%s/moved", T->dir);
	ASSERT_EQ(0, rename(secret, moved));
	ASSERT_EQ(0, symlink("/etc/passwd", secret));
	thaw_refused(_metadata, T, ESTALE, "now a symbolic link");
	ASSERT_EQ(0, unlink(secret));
	fd = open(secret, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	thaw_refused(_metadata, T, ESTALE, "inode differs");
	ASSERT_EQ(0, rename(moved, secret));
	THAW(CRYOCTL_THAW_WAIT);
	CMD('o', "opath ");
	EXPECT_STREQ("opath 1 9", T->line);
	QUIT(0);

	SPAWN("thaw_target", "files", T->dir);
	FREEZE();
	snprintf(fifo, sizeof(fifo), "%s/fifo", T->dir);
	ASSERT_EQ(0, unlink(fifo));
	fd = open(fifo, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	thaw_refused(_metadata, T, ESTALE, "now a regular file");
	ASSERT_EQ(0, stat(fifo, &st));
	EXPECT_EQ(0, st.st_size);
}

/* The restart test's threads, in the order thaw_target reports them. */
enum { B_READ, B_FUTEX, B_SELECT, B_NANO, B_FUTEX_TO, NR_B };

struct brep {
	char name[32];
	int state;
	long ret;
	int err;
	unsigned long long ms;
	int tid;
};

static int b_parse(const char *line, struct brep *b, char *byte)
{
	const char *p = line;
	int k, used;

	for (k = 0; k < NR_B; k++) {
		if (sscanf(p, "%31s %d %ld %d %llu %d%n", b[k].name, &b[k].state,
			   &b[k].ret, &b[k].err, &b[k].ms, &b[k].tid, &used) != 6)
			return -1;
		p += used;
	}
	return sscanf(p, " byte %c", byte) == 1 ? 0 : -1;
}

/* How many threads of @pid are in system call @nr (with @arg0 unless -1). */
static int threads_in(pid_t pid, long nr, long arg0)
{
	int tids[64], n, i, count = 0;
	char path[96], buf[256];

	n = cryo_tids(pid, tids, 64);
	for (i = 0; i < n; i++) {
		long s, a;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tids[i]);
		if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		if (sscanf(buf, "%ld %lx", &s, &a) != 2)
			continue;
		if (s == nr && (arg0 == -1 || a == arg0))
			count++;
	}
	return count;
}

/*
 * Frozen in the middle of system calls: read() of a pipe, FUTEX_WAIT with
 * and without a timeout, select(), nanosleep().  After the thaw each is
 * back in its call, and each ends as it should.
 */
TEST_F_TIMEOUT(thaw, syscalls, 120)
{
	struct brep b[NR_B];
	struct cryo_thaw_inherit inh;
	int p3[2], q3[2], k;
	double t_thaw, t_done;
	char byte;

	ASSERT_EQ(0, pipe2(p3, O_CLOEXEC));
	{
		const int extra[1][2] = { { 3, p3[0] } };

		SPAWN_X(extra, 1, "thaw_target", "syscalls");
	}
	close(p3[0]);
	CMD('n', "started");
	/* Everyone in place: main and B_READ in read(), two in futex ... */
	EXPECT_TRUE(WAIT_FOR(threads_in(T->pid, SYS_read, 0) == 1 &&
			     threads_in(T->pid, SYS_read, 3) == 1 &&
			     threads_in(T->pid, SYS_futex, -1) == 2 &&
			     threads_in(T->pid, SYS_select, -1) == 1 &&
			     threads_in(T->pid, SYS_nanosleep, -1) == 1, 5));

	FREEZE();
	close(p3[1]);
	ASSERT_EQ(0, pipe2(q3, O_CLOEXEC));
	inh.fd = 3;
	inh.source_fd = q3[0];
	THAW_X(CRYOCTL_THAW_WAIT, &inh, 1);
	t_thaw = cryo_now();
	close(q3[0]);

	/* Nothing returned: every call was restarted, and blocks again. */
	CMD('r', "read ");
	ASSERT_EQ(0, b_parse(T->line, b, &byte)) TH_LOG("%s", T->line);
	for (k = 0; k < NR_B; k++) {
		EXPECT_EQ(1, b[k].state) TH_LOG("%s returned %ld (%s) at the thaw",
						b[k].name, b[k].ret, strerror(b[k].err));
	}
	EXPECT_TRUE(WAIT_FOR(threads_in(T->pid, SYS_read, 0) == 1 &&
			     threads_in(T->pid, SYS_read, 3) == 1 &&
			     threads_in(T->pid, SYS_futex, -1) == 2 &&
			     threads_in(T->pid, SYS_select, -1) == 1 &&
			     threads_in(T->pid, SYS_nanosleep, -1) == 1, 5))
		TH_LOG("the restored threads are not back in their calls");

	/* Each continues correctly. */
	ASSERT_EQ(1, write(q3[1], "z", 1));
	CMD('w', "woke ");
	EXPECT_STREQ("woke 1", T->line) TH_LOG("FUTEX_WAKE found no waiter");
	CMD('S', "wrote ");
	EXPECT_TRUE(WAIT_FOR(!tgt_cmd(T, 'r') && !b_parse(T->line, b, &byte) &&
			     b[0].state == 2 && b[1].state == 2 && b[2].state == 2 &&
			     b[3].state == 2 && b[4].state == 2, 15)) TH_LOG("%s", T->line);
	t_done = cryo_now();
	close(q3[1]);

	EXPECT_EQ(1, b[B_READ].ret) TH_LOG("read: %s", strerror(b[B_READ].err));
	EXPECT_EQ('z', byte);
	EXPECT_EQ(0, b[B_FUTEX].ret) TH_LOG("futex: %s", strerror(b[B_FUTEX].err));
	EXPECT_EQ(1, b[B_SELECT].ret) TH_LOG("select: %s", strerror(b[B_SELECT].err));
	EXPECT_EQ(0, b[B_NANO].ret) TH_LOG("nanosleep: %s", strerror(b[B_NANO].err));
	EXPECT_LE(5000, b[B_NANO].ms) TH_LOG("nanosleep(5 s) returned after %llu ms",
					     b[B_NANO].ms);
	EXPECT_EQ(-1, b[B_FUTEX_TO].ret);
	EXPECT_EQ(ETIMEDOUT, b[B_FUTEX_TO].err) TH_LOG("futex with timeout: %s",
						       strerror(b[B_FUTEX_TO].err));
	EXPECT_LE(6000, b[B_FUTEX_TO].ms);
	/*
	 * A timeout counts at most once more from the thaw (this version
	 * restarts a call with its whole timeout).
	 */
	EXPECT_GT(t_thaw + 6.0 + 6.0, t_done) TH_LOG("done %.1f s after the thaw",
						     t_done - t_thaw);
	QUIT(0);
}

/* Lines of @path, which must be 1, 2, 3 ... each once; how many, or -1. */
static long check_sequence(const char *path, char *why, size_t whylen)
{
	size_t len = 0;
	unsigned char *buf = cryo_slurp(path, &len);
	char *p, *nl;
	long want = 1;

	if (!buf) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf[len] = '\0';
	for (p = (char *)buf; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		if (strtol(p, NULL, 10) != want) {
			snprintf(why, whylen, "line %ld is \"%s\"", want, p);
			free(buf);
			return -1;
		}
		want++;
	}
	free(buf);
	return want - 1;
}

/* A real program: busybox sh appending 1, 2, 3 ... to a file. */
TEST_F_TIMEOUT(thaw, busybox_sh, 120)
{
	char seq[128], script[256], why[256];
	struct cryoctl_thaw_result res;
	long n0, n1;
	int status, dev, img, ret;

	if (access("/bin/busybox", X_OK))
		SKIP(return, "no /bin/busybox");
	snprintf(seq, sizeof(seq), "%s/seq", T->dir);
	snprintf(script, sizeof(script),
		 "i=0; while :; do i=$((i+1)); echo $i >> %s; done", seq);
	T->pid = cryo_target_fork();
	ASSERT_LE(0, T->pid);
	if (T->pid == 0) {
		int fd = open("/dev/null", O_RDWR), log, i;

		log = open(T->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || log < 0 || dup2(fd, 0) || dup2(log, 1) != 1 ||
		    dup2(log, 2) != 2)
			_exit(125);
		for (i = 3; i < 1024; i++)
			close(i);
		execl("/bin/busybox", "sh", "-c", script, NULL);
		_exit(127);
	}
	T->child = 1;
	T->orig_pid = T->pid;
	EXPECT_TRUE(WAIT_FOR(check_sequence(seq, why, sizeof(why)) >= 50, 20));

	FREEZE();
	n0 = check_sequence(seq, why, sizeof(why));
	ASSERT_LT(0, n0) TH_LOG("%s", why);

	/* Its fds are /dev/null and files: nothing to inherit. */
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	img = open(T->img, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, img);
	ret = cryoctl_thaw(dev, img, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	close(img);
	close(dev);
	ASSERT_EQ(0, ret) TH_LOG("thaw: %s: %s", strerror(-ret), res.message);
	T->pid = res.pid;
	T->child = 1;

	EXPECT_TRUE(WAIT_FOR(check_sequence(seq, why, sizeof(why)) >= n0 + 200, 30))
		TH_LOG("at the freeze %ld lines, now %ld (%s)", n0,
		       check_sequence(seq, why, sizeof(why)), why);
	ASSERT_EQ(0, kill(T->pid, SIGKILL));
	ASSERT_EQ(T->pid, wait_timeout(T->pid, &status, 10));
	T->pid = 0;
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* The whole file: 1 ... n, no gap, no repeat (a cut last line aside). */
	n1 = check_sequence(seq, why, sizeof(why));
	if (n1 < 0) {
		/* Killed in the middle of a write: at most the last line. */
		char *p;
		size_t len;
		unsigned char *buf = cryo_slurp(seq, &len);

		ASSERT_NE(NULL, buf);
		buf[len] = '\0';
		p = strrchr((char *)buf, '\n');
		ASSERT_NE(NULL, p);
		p[1] = '\0';
		ASSERT_EQ(0, cryo_write_file(seq, buf, strlen((char *)buf)));
		free(buf);
		n1 = check_sequence(seq, why, sizeof(why));
	}
	EXPECT_LT(n0 + 200, n1 + 1) TH_LOG("%s", why);
}

/* Read cryoctl's stdout (all of it, once it has exited). */
static void drain(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
}

/*
 * cryoctl thaw --wait --inherit-fd 0=5 --inherit-fd 1=6 [IMG] in a child
 * whose fds 5 and 6 are fresh pipes; T gets our ends.  With @from_pipe the
 * image comes on stdin, through a pipe fed by another child.  With @ptm
 * >= 0 (a pty master we keep open) cryoctl runs as a session leader whose
 * controlling terminal is that pty's slave.  Returns cryoctl's pid.
 */
static pid_t cli_thaw(struct tgt *t, int *out, int from_pipe, int ptm)
{
	int c[2], r[2], o[2], in[2] = { -1, -1 };
	pid_t cli, feeder;

	if (pipe2(c, O_CLOEXEC) || pipe2(r, O_CLOEXEC) || pipe2(o, O_CLOEXEC) ||
	    (from_pipe && pipe2(in, O_CLOEXEC)))
		return -1;
	if (from_pipe) {
		feeder = fork();
		if (feeder < 0)
			return -1;
		if (feeder == 0) {
			size_t len, done = 0;
			unsigned char *img = cryo_slurp(t->img, &len);
			ssize_t n;

			if (!img)
				_exit(1);
			while (done < len && (n = write(in[1], img + done, len - done)) > 0)
				done += n;
			_exit(done == len ? 0 : 1);
		}
		close(in[1]);
	}
	cli = fork();
	if (cli < 0)
		return -1;
	if (cli == 0) {
		int log = open(t->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (log < 0 || cryo_move_fd(c[0], 5) || cryo_move_fd(r[1], 6) ||
		    cryo_move_fd(o[1], 1) || cryo_move_fd(log, 2) ||
		    (from_pipe && cryo_move_fd(in[0], 0)))
			_exit(126);
		/* The first terminal a session leader opens is its own. */
		if (ptm >= 0 && (setsid() < 0 ||
				 open(ptsname(ptm), O_RDWR | O_CLOEXEC) < 0))
			_exit(125);
		execl(cryo_cryoctl_path(), "cryoctl", "thaw", "--wait",
		      "--inherit-fd", "0=5", "--inherit-fd", "1=6",
		      from_pipe ? NULL : t->img, NULL);
		_exit(127);
	}
	if (from_pipe)
		close(in[0]);
	close(c[0]);
	close(r[1]);
	close(o[1]);
	t->cmd = c[1];
	t->rep = r[0];
	t->buflen = 0;
	*out = o[0];
	return cli;
}

/*
 * The CLI: cryoctl freeze --kill, then cryoctl thaw --wait twice, from
 * the file and from a pipe.
 */
TEST_F_TIMEOUT(thaw, cli_round_trip, 120)
{
	char pidstr[16], out[256], want[64];
	long pid, ppid;
	int status, ofd, ptm;
	pid_t cli;

	if (access(cryo_cryoctl_path(), X_OK))
		SKIP(return, "cryoctl not found");
	SPAWN("counter_static");
	CMD('c', "count ");
	snprintf(pidstr, sizeof(pidstr), "%d", T->pid);
	{
		const char *const argv[] = { "cryoctl", "freeze", "--kill",
					     "--accept-loss", pidstr, NULL };

		ASSERT_EQ(0, cryo_cli_to(T->img, argv));
	}
	ASSERT_EQ(T->pid, wait_timeout(T->pid, &status, 10));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	T->pid = 0;
	T->child = 0;
	close(T->cmd);
	close(T->rep);

	/* Exit status passed through. */
	cli = cli_thaw(T, &ofd, 0, -1);
	ASSERT_LT(0, cli);
	CMD('p', "pid ");
	own_ids(T, &pid, &ppid);
	T->pid = pid;
	EXPECT_EQ(cli, ppid) TH_LOG("--wait: the restored process is cryoctl's child");
	CMD('v', "ok ");
	ASSERT_EQ(0, tgt_quit(T, 7));
	ASSERT_EQ(cli, wait_timeout(cli, &status, TGT_TIMEOUT));
	T->pid = 0;
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(7, WEXITSTATUS(status));
	drain(ofd, out, sizeof(out));
	close(ofd);
	snprintf(want, sizeof(want), "%ld", pid);
	EXPECT_EQ(pid, strtol(out, NULL, 10)) TH_LOG("cryoctl printed \"%s\"", out);
	close(T->cmd);
	close(T->rep);

	/*
	 * The same image again, streamed through a pipe on stdin; killed
	 * by a signal: 128 + SIGTERM.
	 */
	cli = cli_thaw(T, &ofd, 1, -1);
	ASSERT_LT(0, cli);
	CMD('p', "pid ");
	own_ids(T, &pid, &ppid);
	T->pid = pid;
	CMD('v', "ok ");
	ASSERT_EQ(0, kill(pid, SIGTERM));
	ASSERT_EQ(cli, wait_timeout(cli, &status, TGT_TIMEOUT));
	T->pid = 0;
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(128 + SIGTERM, WEXITSTATUS(status));
	drain(ofd, out, sizeof(out));
	close(ofd);
	EXPECT_EQ(pid, strtol(out, NULL, 10)) TH_LOG("cryoctl printed \"%s\"", out);
	/* The feeder. */
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
	close(T->cmd);
	close(T->rep);

	/*
	 * From a terminal: cryoctl's controlling terminal is not the
	 * restored process's (review 12 #9: it could TIOCSTI into the
	 * terminal's shell), though it is still cryoctl's child, in its
	 * session (the same ids: no new session needed).
	 */
	ptm = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ASSERT_LE(0, ptm);
	ASSERT_EQ(0, grantpt(ptm));
	ASSERT_EQ(0, unlockpt(ptm));
	cli = cli_thaw(T, &ofd, 0, ptm);
	ASSERT_LT(0, cli);
	CMD('p', "pid ");
	own_ids(T, &pid, &ppid);
	T->pid = pid;
	EXPECT_EQ(cli, ppid);
	EXPECT_EQ(cli, cryo_stat_field(cli, 3)) TH_LOG("cryoctl leads its session");
	EXPECT_NE(0, cryo_stat_field(cli, 4)) TH_LOG("cryoctl has the pty");
	EXPECT_EQ(cli, cryo_stat_field(pid, 3)) TH_LOG("cryoctl's session");
	EXPECT_EQ(0, cryo_stat_field(pid, 4)) TH_LOG("no controlling terminal");
	ASSERT_EQ(0, tgt_quit(T, 5));
	ASSERT_EQ(cli, wait_timeout(cli, &status, TGT_TIMEOUT));
	T->pid = 0;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 5)
		TH_LOG("status %#x", status);
	drain(ofd, out, sizeof(out));
	close(ofd);
	close(ptm);
}

/* One line of /proc/PID/maps, split. */
struct mline {
	unsigned long start, end, off, ino;
	char perms[8], dev[16], name[PATH_MAX];
};

static int parse_maps(char *text, struct mline *m, int max, int skip_special)
{
	char *line, *save = NULL;
	int n = 0, used;

	for (line = strtok_r(text, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		struct mline *l = &m[n];

		memset(l, 0, sizeof(*l));
		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu%n", &l->start, &l->end,
			   l->perms, &l->off, l->dev, &l->ino, &used) != 6)
			return -1;
		line += used;
		while (*line == ' ')
			line++;
		strncpy(l->name, line, sizeof(l->name) - 1);
		if (!strcmp(l->name, "[vsyscall]"))
			continue;
		if (skip_special && (!strcmp(l->name, "[vdso]") ||
				     !strncmp(l->name, "[vvar", 5)))
			continue;
		n++;
	}
	return n;
}

/*
 * Remap alone: a forked child reshaped to a layout from "cryoctl layout"
 * has exactly the layout's mappings ([vdso] and [vvar] aside).
 */
TEST_F_TIMEOUT(thaw, remap_layout, 120)
{
	static char want_txt[65536], got_txt[65536];
	static struct mline want[512], got[512];
	char layout[128], maps[128];
	size_t len = 0;
	int dev, fd, nw, ng, i, ret, status;

	if (access(cryo_cryoctl_path(), X_OK))
		SKIP(return, "cryoctl not found");
	SPAWN("thaw_target", "vdso");
	/* A checkpoint: the original runs on; then it goes. */
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	fd = open(T->img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cryoctl_freeze(dev, T->pid, CRYO_FREEZE_ACCEPT_LOSS, 0, fd,
				    NULL, NULL));
	close(fd);
	close(dev);
	kill(T->pid, SIGKILL);
	ASSERT_EQ(T->pid, wait_timeout(T->pid, &status, 10));
	T->pid = 0;

	snprintf(layout, sizeof(layout), "%s/layout", T->dir);
	snprintf(maps, sizeof(maps), "%s/layout.maps", T->dir);
	{
		const char *const argv[] = { "cryoctl", "layout", T->img, NULL };

		ASSERT_EQ(0, cryo_cli_to(layout, argv));
	}
	{
		const char *const argv[] = { "cryoctl", "maps", layout, NULL };

		ASSERT_EQ(0, cryo_cli_to(maps, argv));
	}
	ASSERT_LT(0, cryo_read_file(maps, want_txt, sizeof(want_txt)));

	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	fd = open(layout, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ret = cryoctl_remap_maps(dev, fd, got_txt, sizeof(got_txt) - 1, &len);
	close(fd);
	{
		struct cryo_thaw_status st = { .size = sizeof(st) };

		cryoctl_thaw_status(dev, &st);
		close(dev);
		ASSERT_EQ(0, ret) TH_LOG("remap: %s: \"%s\"", strerror(-ret), st.message);
	}
	ASSERT_GT(sizeof(got_txt), len);
	got_txt[len] = '\0';
	/* Nothing of the remapped child is left behind. */
	EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG));

	/* Neighbours that are one mapping in all but name may merge. */
	cryo_maps_join(want_txt);
	cryo_maps_join(got_txt);
	nw = parse_maps(want_txt, want, 512, 1);
	ng = parse_maps(got_txt, got, 512, 0);
	ASSERT_LT(3, nw);
	EXPECT_EQ(nw, ng);
	for (i = 0; i < nw && i < ng; i++) {
		EXPECT_EQ(want[i].start, got[i].start)
			TH_LOG("line %d: %lx-%lx %s, got %lx-%lx %s", i, want[i].start,
			       want[i].end, want[i].name, got[i].start, got[i].end,
			       got[i].name);
		EXPECT_EQ(want[i].end, got[i].end) TH_LOG("line %d (%s)", i, want[i].name);
		EXPECT_STREQ(want[i].perms, got[i].perms) TH_LOG("line %d (%lx %s)", i,
								 want[i].start, want[i].name);
		if (want[i].name[0] == '/') {
			EXPECT_EQ(want[i].off, got[i].off) TH_LOG("line %d (%s)", i, want[i].name);
			EXPECT_EQ(want[i].ino, got[i].ino) TH_LOG("line %d (%s)", i, want[i].name);
			EXPECT_STREQ(want[i].name, got[i].name) TH_LOG("line %d", i);
		}
	}
}

TEST_HARNESS_MAIN
