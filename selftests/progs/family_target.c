// SPDX-License-Identifier: GPL-2.0
/*
 * The targets of the process tree selftests (cryo_tree_test): one
 * program, a mode per test, each making a small tree of processes that
 * talk to the test through files in a scratch directory only (a pipe to
 * the test would be an end held outside the tree, which a freeze
 * refuses).  The test waits for "ready" (or other) files, freezes, thaws,
 * creates "go", and checks what the members write then.
 *
 *   family_target produce N         N lines "%06d\n" on stdout, 1 ms apart
 *   family_target filter            each stdin line with a running hash
 *   family_target consume CODE      stdin to stdout, numbered; exit CODE
 *   family_target jobs DIR N        a job server: N jobs, two at a time,
 *                                 a token pipe ("jobserver") for them
 *   family_target job DIR I R W     one job: take a token from fd R, build
 *                                 DIR/objI.o once, give the token to fd W
 *   tree_target dupfd DIR         parent and child write one description
 *                                 in turns: "AB" before, "CDE" after go
 *   tree_target zombie DIR        a child that exited 42, reaped after go
 *   tree_target family DIR        root, two children (one its own group),
 *                                 a grandchild: ids before and after go
 *   tree_target wide DIR P T      P processes of T threads each
 *   tree_target churn DIR         forks and reaps without end, until stop
 *   tree_target outside DIR       a child writing to fd 3 (a pipe to the
 *                                 test, outside the tree) every 10 ms
 *   tree_target shm DIR           4 children counting in a shared
 *                                 anonymous mapping and a SysV segment
 *   tree_target clone DIR         children made by the clone system call
 *                                 sharing the root's fd table and
 *                                 fs_struct (A, B), its fd table only
 *                                 (F), its fs_struct only (S); after go
 *                                 they open, write, close, chdir and
 *                                 umask in turns, see clone_tree()
 *   tree_target clone_outside DIR a clone(CLONE_FILES | CLONE_PARENT)
 *                                 of the root: a sharer outside the tree
 *   tree_target clone_siblings DIR a child and its clone(CLONE_FILES |
 *                                 CLONE_PARENT): two children of the
 *                                 root share a table the root does not
 *   tree_target snap DIR [bad]    root and 3 children counting in private
 *                                 memory, a shared anonymous page and a
 *                                 pipe from child 1 to child 2, until
 *                                 "hold"; then each checks its memory
 *                                 (rep.K), child 2 empties the pipe
 *                                 (pipe.got); "probe" checks the sharing.
 *                                 With "bad" child 3 holds an eventfd,
 *                                 with "big" 8 MiB of memory more.
 *
 * Exit status 0 when all went as it should; 2 for a usage error, 3 and
 * up for what went wrong (the log on stderr says).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>

#define TARGET_NAME "tree_target"
#include "target_util.h"

static void write_all(int fd, const void *p, size_t len)
{
	const char *c = p;
	ssize_t n;

	while (len) {
		n = write(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(4, "write fd %d: %s", fd, strerror(errno));
		c += n;
		len -= n;
	}
}

/* One line of @fd (at most @size - 1 bytes), read a byte at a time. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	char c;

	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(4, "read fd %d: %s", fd, strerror(errno));
		if (!n)
			break;
		if (len < size - 1)
			buf[len++] = c;
		if (c == '\n')
			break;
	}
	buf[len] = 0;
	return len;
}

/* ---- the pipeline -------------------------------------------------------- */

static int produce(int n)
{
	char line[16];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%06d\n", i);
		write_all(1, line, 7);
		usleep(1000);
	}
	return 0;
}

static int filter(void)
{
	char line[256], out[300];
	uint32_t h = 2166136261u;
	size_t i;
	int len;

	while ((len = read_line(0, line, sizeof(line))) > 0) {
		for (i = 0; i < (size_t)len; i++)
			h = (h ^ (unsigned char)line[i]) * 16777619u;
		if (line[len - 1] == '\n')
			line[--len] = 0;
		len = snprintf(out, sizeof(out), "%s %08x\n", line, h);
		write_all(1, out, len);
	}
	return 0;
}

static int consume(int code)
{
	char line[300], out[320];
	int len, nr = 0;

	while ((len = read_line(0, line, sizeof(line))) > 0) {
		len = snprintf(out, sizeof(out), "%d:%s", ++nr, line);
		write_all(1, out, len);
	}
	return code;
}

/* ---- a job server --------------------------------------------------------- */

static int job(int i, int rfd, int wfd)
{
	char name[64], path[512], tok;
	int fd, k;

	while (read(rfd, &tok, 1) != 1)
		if (errno != EINTR)
			die(5, "job %d: no token: %s", i, strerror(errno));
	for (k = 0; k < 50; k++)
		usleep(2000);
	snprintf(name, sizeof(name), "obj%d.o", i);
	path_of(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		die(6, "job %d: %s: %s (built twice?)", i, name, strerror(errno));
	dprintf(fd, "object %d\n", i);
	close(fd);
	path_of(path, sizeof(path), "log");
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		die(3, "log: %s", strerror(errno));
	dprintf(fd, "%d\n", i);
	close(fd);
	write_all(wfd, &tok, 1);
	return 0;
}

static int jobs(const char *self, int n)
{
	int js[2], running = 0, failed = 0, i, st;
	char a[16], r[16], w[16];
	pid_t pid;

	/* Two tokens: at most two jobs build at once (make -j2). */
	if (pipe(js))
		die(3, "pipe: %s", strerror(errno));
	write_all(js[1], "++", 2);
	snprintf(r, sizeof(r), "%d", js[0]);
	snprintf(w, sizeof(w), "%d", js[1]);
	put("ready", "%d\n", (int)getpid());
	for (i = 0; i < n; i++) {
		if (running == 2) {
			if (waitpid(-1, &st, 0) < 0)
				die(3, "waitpid: %s", strerror(errno));
			failed += st != 0;
			running--;
		}
		snprintf(a, sizeof(a), "%d", i);
		pid = fork();
		if (pid < 0)
			die(3, "fork: %s", strerror(errno));
		if (!pid) {
			execl(self, self, "job", dir, a, r, w, (char *)NULL);
			die(3, "exec: %s", strerror(errno));
		}
		running++;
	}
	while (running--) {
		if (waitpid(-1, &st, 0) < 0)
			die(3, "waitpid: %s", strerror(errno));
		failed += st != 0;
	}
	put("done", "%d failed\n", failed);
	return failed ? 7 : 0;
}

/* ---- one description, two processes ------------------------------------- */

static int dupfd(void)
{
	int fd, pc[2], cp[2], st;
	char path[512], c;
	pid_t child;

	path_of(path, sizeof(path), "shared");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || pipe(pc) || pipe(cp))
		die(3, "setup: %s", strerror(errno));
	if (fd != 3)
		die(3, "the shared file is fd %d, not 3", fd);
	write_all(fd, "A", 1);
	child = fork();
	if (child < 0)
		die(3, "fork: %s", strerror(errno));
	if (!child) {
		write_all(fd, "B", 1);
		put("child_ready", "%d\n", (int)getpid());
		wait_file("go");
		if (read(pc[0], &c, 1) != 1)
			die(8, "child: no turn");
		write_all(fd, "D", 1);
		write_all(cp[1], "c", 1);
		_exit(0);
	}
	wait_file("child_ready");
	put("ready", "%d %d\n", (int)getpid(), (int)child);
	wait_file("go");
	write_all(fd, "C", 1);
	write_all(pc[1], "p", 1);
	if (read(cp[0], &c, 1) != 1)
		die(8, "parent: no turn");
	write_all(fd, "E", 1);
	if (waitpid(-1, &st, 0) < 0 || st)
		die(9, "child: status 0x%x (%s)", st, strerror(errno));
	return 0;
}

/* ---- a zombie ------------------------------------------------------------- */

static int zombie(void)
{
	pid_t child, r;
	int st = -1;

	child = fork();
	if (child < 0)
		die(3, "fork: %s", strerror(errno));
	if (!child)
		_exit(42);
	put("ready", "%d %d\n", (int)getpid(), (int)child);
	wait_file("go");
	r = waitpid(-1, &st, 0);
	put("result", "%d %d %d\n", r < 0 ? errno : 0, st, (int)r);
	return 0;
}

/* ---- a family: ids before and after ---------------------------------------- */

static void ids(const char *what, int k)
{
	char name[32];

	snprintf(name, sizeof(name), "%s.%d", what, k);
	put(name, "%d %d %d %d\n", (int)getpid(), (int)getppid(),
	    (int)getpgrp(), (int)getsid(0));
}

/* Member @k: note its ids, wait for go, note them again. */
static void member(int k)
{
	ids("before", k);
	wait_file("go");
	ids("after", k);
}

static int reap_all(void)
{
	int st, bad = 0;

	while (waitpid(-1, &st, 0) > 0)
		bad += st != 0;
	return bad;
}

static int family(void)
{
	pid_t c;

	c = fork();
	if (!c) {
		if (!fork()) {
			member(3);
			_exit(0);
		}
		member(1);
		_exit(reap_all() ? 10 : 0);
	}
	c = fork();
	if (!c) {
		setpgid(0, 0);
		member(2);
		_exit(0);
	}
	while (!exists("before.1") || !exists("before.2") || !exists("before.3"))
		usleep(1000);
	put("ready", "%d\n", (int)getpid());
	member(0);
	return reap_all() ? 10 : 0;
}

/* ---- wide: many processes, many threads ------------------------------------- */

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* Threads of this process: the entries of /proc/self/task. */
static int nr_tasks(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int wide_member(int idx, int threads)
{
	pthread_attr_t attr;
	pthread_t th;
	char name[32];
	int i;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 1; i < threads; i++)
		if (pthread_create(&th, &attr, sleeper, NULL))
			die(3, "thread %d of %d", i, idx);
	snprintf(name, sizeof(name), "up.%d", idx);
	put(name, "%d %d\n", (int)getpid(), nr_tasks());
	wait_file("go");
	snprintf(name, sizeof(name), "alive.%d", idx);
	put(name, "%d %d %d\n", (int)getpid(), (int)getppid(), nr_tasks());
	return 0;
}

/*
 * The root (index 0), @fan children (1 to @fan) and their children (the
 * indexes after), @procs processes in all.
 */
static int wide(int procs, int threads)
{
	int fan = 1, per, c, g, idx, kids, first;

	while (1 + fan + fan * fan < procs)
		fan++;
	if (fan > procs - 1)
		fan = procs - 1;
	per = fan ? (procs - 1 - fan + fan - 1) / fan : 0;
	idx = 1 + fan;
	for (c = 0; c < fan; c++) {
		first = idx;
		kids = procs - idx < per ? procs - idx : per;
		idx += kids;
		if (fork())
			continue;
		for (g = 0; g < kids; g++)
			if (!fork())
				_exit(wide_member(first + g, threads));
		wide_member(1 + c, threads);
		_exit(reap_all() ? 10 : 0);
	}
	wide_member(0, threads);
	return reap_all() ? 10 : 0;
}

/* ---- churn: members come and go ------------------------------------------------ */

static int churn(void)
{
	long n = 0;
	pid_t c;
	int st;

	put("ready", "%d\n", (int)getpid());
	while (!exists("stop")) {
		c = fork();
		if (c < 0)
			die(3, "fork: %s", strerror(errno));
		if (!c) {
			if (!fork())
				_exit(0);
			if (n % 2)
				usleep(500);
			_exit(0);
		}
		if (waitpid(c, &st, 0) != c || st)
			die(11, "child %d: 0x%x (%s)", (int)c, st, strerror(errno));
		/* The grandchild is ours or init's (subreaper): reap if ours. */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (!(++n % 16))
			put("count", "%ld\n", n);
	}
	return 0;
}

/* ---- a pipe to outside ------------------------------------------------------------ */

static int outside(void)
{
	char line[32];
	pid_t c;
	long n;

	c = fork();
	if (c < 0)
		die(3, "fork: %s", strerror(errno));
	if (!c) {
		for (n = 0; !exists("stop"); n++) {
			snprintf(line, sizeof(line), "%ld\n", n);
			write_all(3, line, strlen(line));
			usleep(10000);
		}
		_exit(0);
	}
	close(3);
	put("ready", "%d %d\n", (int)getpid(), (int)c);
	return reap_all() ? 10 : 0;
}

/* ---- shared memory ------------------------------------------------------------------ */

static int shm(void)
{
	volatile uint64_t *anon, *sysv;
	pid_t kids[4];
	int id, i;

	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		    -1, 0);
	id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	if (anon == MAP_FAILED || id < 0)
		die(3, "shared memory: %s", strerror(errno));
	sysv = shmat(id, NULL, 0);
	if (sysv == (void *)-1)
		die(3, "shmat: %s", strerror(errno));
	/* Gone once the last member detaches. */
	shmctl(id, IPC_RMID, NULL);
	for (i = 0; i < 4; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			die(3, "fork: %s", strerror(errno));
		if (!kids[i]) {
			while (!exists("stop")) {
				anon[i]++;
				sysv[i]++;
				usleep(1000);
			}
			_exit(0);
		}
	}
	put("ready", "%d %d %d %d %d\n", (int)getpid(), (int)kids[0],
	    (int)kids[1], (int)kids[2], (int)kids[3]);
	while (!exists("stop")) {
		/* What the children wrote, as this process sees it. */
		put("counts", "%llu %llu %llu %llu %llu %llu %llu %llu\n",
		    (unsigned long long)anon[0], (unsigned long long)anon[1],
		    (unsigned long long)anon[2], (unsigned long long)anon[3],
		    (unsigned long long)sysv[0], (unsigned long long)sysv[1],
		    (unsigned long long)sysv[2], (unsigned long long)sysv[3]);
		usleep(5000);
	}
	return reap_all() ? 10 : 0;
}

/* ---- fd tables and fs_structs shared by clone() ------------------------------- */

/* The clone system call with @flags, as fork() otherwise (no pthread). */
static pid_t clone_with(unsigned long flags)
{
	return syscall(SYS_clone, flags | SIGCHLD, 0UL, NULL, NULL, 0UL);
}

/* The number DIR/@name holds, once it exists. */
static int wait_number(const char *name)
{
	char path[512], buf[32];
	int fd, n;

	wait_file(name);
	path_of(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(3, "%s: %s", name, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		die(3, "%s: empty", name);
	buf[n] = 0;
	return atoi(buf);
}

/*
 * One sharer's part after go, in turns (each waits for the file the one
 * before writes; nobody else opens an fd meanwhile, so the numbers are
 * the ones meant):
 *   P writes "C" at fd 3 ("p_wrote");
 *   A writes "D" at fd 3, opens DIR/opened ("a_fd": its number);
 *   B writes "B\n" at A's fd ("b_wrote": the bytes written, or -errno);
 *   F closes A's fd ("f_closed": 0, or -errno);
 *   A looks at its fd ("a_sees": "closed" or "open");
 *   S makes DIR/sub, enters it and sets umask 077 ("s_cd").
 * Then each waits for stop.
 */
static void clone_kid(char role)
{
	char path[512];
	int fd, r;

	wait_file("go");
	switch (role) {
	case 'a':
		wait_file("p_wrote");
		write_all(3, "D", 1);
		path_of(path, sizeof(path), "opened");
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			die(3, "open %s: %s", path, strerror(errno));
		put("a_fd", "%d\n", fd);
		wait_file("f_closed");
		r = fcntl(fd, F_GETFD);
		put("a_sees", "%s\n", r < 0 && errno == EBADF ? "closed" : "open");
		break;
	case 'b':
		fd = wait_number("a_fd");
		r = write(fd, "B\n", 2);
		put("b_wrote", "%d\n", r < 0 ? -errno : r);
		break;
	case 'f':
		fd = wait_number("a_fd");
		wait_file("b_wrote");
		r = close(fd);
		put("f_closed", "%d\n", r < 0 ? -errno : 0);
		break;
	case 's':
		wait_file("a_sees");
		path_of(path, sizeof(path), "sub");
		if (mkdir(path, 0755) || chdir(path))
			die(3, "%s: %s", path, strerror(errno));
		umask(077);
		put("s_cd", "ok\n");
		break;
	}
	wait_file("stop");
	_exit(0);
}

static int clone_tree(void)
{
	static const struct {
		char role;
		unsigned long flags;
	} kids[] = {
		{ 'a', CLONE_FILES | CLONE_FS }, { 'b', CLONE_FILES | CLONE_FS },
		{ 'f', CLONE_FILES }, { 's', CLONE_FS },
	};
	pid_t pids[4];
	char path[512];
	unsigned int i;
	int fd;

	umask(022);
	path_of(path, sizeof(path), "shared");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd != 3)
		die(3, "the shared file is fd %d, not 3: %s", fd, strerror(errno));
	write_all(fd, "AB", 2);
	for (i = 0; i < 4; i++) {
		pids[i] = clone_with(kids[i].flags);
		if (pids[i] < 0)
			die(3, "clone: %s", strerror(errno));
		if (!pids[i])
			clone_kid(kids[i].role);
	}
	put("ready", "%d %d %d %d %d\n", (int)getpid(), (int)pids[0],
	    (int)pids[1], (int)pids[2], (int)pids[3]);
	wait_file("go");
	write_all(3, "C", 1);
	put("p_wrote", "ok\n");
	return reap_all() ? 10 : 0;
}

/* A sharer of the root's fd table that is not in its tree. */
static int clone_outside(void)
{
	pid_t c = clone_with(CLONE_FILES | CLONE_PARENT);

	if (c < 0)
		die(3, "clone: %s", strerror(errno));
	if (!c) {
		wait_file("stop");
		_exit(0);
	}
	put("ready", "%d %d\n", (int)getpid(), (int)c);
	wait_file("stop");
	return 0;
}

/* Two children of the root share a table (C2 cloned by C1 as a sibling). */
static int clone_siblings(void)
{
	pid_t c1, c2;
	int p[2];

	if (pipe(p))
		die(3, "pipe: %s", strerror(errno));
	c1 = fork();
	if (c1 < 0)
		die(3, "fork: %s", strerror(errno));
	if (!c1) {
		c2 = clone_with(CLONE_FILES | CLONE_PARENT);
		if (!c2) {
			wait_file("stop");
			_exit(0);
		}
		write_all(p[1], &c2, sizeof(c2));
		wait_file("stop");
		_exit(c2 < 0 ? 3 : 0);
	}
	if (read(p[0], &c2, sizeof(c2)) != sizeof(c2) || c2 < 0)
		die(3, "no sibling");
	close(p[0]);
	close(p[1]);
	put("ready", "%d %d %d\n", (int)getpid(), (int)c1, (int)c2);
	return reap_all() ? 10 : 0;
}

/* ---- a snapshot of a tree ----------------------------------------------------------- */

#define SNAP_MEMBERS	4
#define SNAP_PAGES	8
#define SNAP_PAGE	4096
#define SNAP_MAGIC	0x31656572746e7073ULL	/* "sptntree1" */
#define SNAP_SHM_MAGIC	0x316d6873746e7073ULL
#define SNAP_PROBE	0x5eedf00dULL
/* Child 1 writes its count into the pipe every SNAP_PIPE_EVERY steps. */
#define SNAP_PIPE_EVERY	8

/* Page 0 of a member's private buffer; the test finds it in the image. */
struct snap_head {
	uint64_t magic;
	uint64_t member;
	volatile uint64_t next;		/* the step being written */
	volatile uint64_t count;	/* the last step written whole */
};

/* The shared anonymous page. */
struct snap_shared {
	uint64_t magic;
	volatile uint64_t count[SNAP_MEMBERS];
	volatile uint64_t probe;
};

static uint64_t snap_word(uint64_t c, int k, int p, int i)
{
	return c * 1000003 + k * 10007 + p * 1009 + i;
}

#define snap_barrier() __asm__ volatile("" ::: "memory")

/* One step: the pages, then the count, the shared count, the pipe. */
static void snap_step(struct snap_head *h, struct snap_shared *sh, int k,
		      int wfd)
{
	uint64_t c = h->count + 1;
	int p, i;

	h->next = c;
	snap_barrier();
	for (p = 1; p < SNAP_PAGES; p++) {
		uint64_t *w = (uint64_t *)((char *)h + p * SNAP_PAGE);

		for (i = 0; i < SNAP_PAGE / 8; i++)
			w[i] = snap_word(c, k, p, i);
	}
	snap_barrier();
	h->count = c;
	sh->count[k] = c;
	snap_barrier();
	if (wfd >= 0 && !(c % SNAP_PIPE_EVERY))
		write_all(wfd, &c, sizeof(c));
}

/* Is the member's memory the whole step it is at?  NULL, or what is not. */
static const char *snap_check(struct snap_head *h, struct snap_shared *sh,
			      int k)
{
	uint64_t c = h->count;
	int p, i;

	if (h->magic != SNAP_MAGIC || h->member != (uint64_t)k)
		return "head";
	if (h->next != c)
		return "next";
	if (sh->magic != SNAP_SHM_MAGIC || sh->count[k] != c)
		return "shared";
	for (p = 1; p < SNAP_PAGES; p++) {
		uint64_t *w = (uint64_t *)((char *)h + p * SNAP_PAGE);

		for (i = 0; i < SNAP_PAGE / 8; i++)
			if (w[i] != snap_word(c, k, p, i))
				return "pages";
	}
	return NULL;
}

/* Child 2, held: what child 1 left in the pipe, one count a line. */
static void snap_drain(int rfd)
{
	char text[16384];
	uint64_t v;
	size_t len = 0;
	int n = 0;

	wait_file("rep.1");
	if (ioctl(rfd, FIONREAD, &n))
		die(5, "FIONREAD: %s", strerror(errno));
	text[0] = 0;
	while (n >= (int)sizeof(v) && len < sizeof(text) - 32) {
		if (read(rfd, &v, sizeof(v)) != sizeof(v))
			die(5, "pipe: %s", strerror(errno));
		len += snprintf(text + len, sizeof(text) - len, "%llu\n",
				(unsigned long long)v);
		n -= sizeof(v);
	}
	put("pipe.got", "%s", text);
}

static int snap_member(struct snap_shared *sh, int k, int wfd, int rfd)
{
	struct snap_head *h;
	const char *bad;
	char name[32];

	h = mmap(NULL, SNAP_PAGES * SNAP_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		die(3, "member %d: %s", k, strerror(errno));
	h->magic = SNAP_MAGIC;
	h->member = k;
	/*
	 * The test reads the count from our memory: a file written at every
	 * step would have changed since the freeze, which a thaw refuses.
	 */
	snprintf(name, sizeof(name), "head.%d", k);
	put(name, "%d %lx\n", (int)getpid(), (unsigned long)&h->count);
	while (!exists("hold")) {
		snap_step(h, sh, k, wfd);
		usleep(2000);
	}
	bad = snap_check(h, sh, k);
	snprintf(name, sizeof(name), "rep.%d", k);
	put(name, "%llu %s\n", (unsigned long long)h->count, bad ? bad : "ok");
	if (rfd >= 0)
		snap_drain(rfd);
	/* The sharing itself: the root writes, the others see it. */
	wait_file("probe");
	if (!k)
		sh->probe = SNAP_PROBE;
	while (sh->probe != SNAP_PROBE && !exists("stop"))
		usleep(1000);
	snprintf(name, sizeof(name), "probe.%d", k);
	put(name, "%llx\n", (unsigned long long)sh->probe);
	wait_file("stop");
	return bad ? 6 : 0;
}

static int snap(int bad, int big)
{
	struct snap_shared *sh;
	pid_t kids[SNAP_MEMBERS];
	int p[2], k, efd = -1;

	sh = mmap(NULL, SNAP_PAGE, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || pipe(p))
		die(3, "setup: %s", strerror(errno));
	sh->magic = SNAP_SHM_MAGIC;
	kids[0] = getpid();
	for (k = 1; k < SNAP_MEMBERS; k++) {
		kids[k] = fork();
		if (kids[k] < 0)
			die(3, "fork: %s", strerror(errno));
		if (kids[k])
			continue;
		if (k != 1)
			close(p[1]);
		if (k != 2)
			close(p[0]);
		if (k == 3 && bad) {
			/*
			 * A kind cryo refuses (an eventfd was, before 2.8,
			 * and an epoll before 2.9).
			 */
			efd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
			if (efd < 0)
				die(3, "userfaultfd: %s", strerror(errno));
			put("badfd", "%d\n", efd);
		}
		if (k == 3 && big) {
			void *b = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (b == MAP_FAILED)
				die(3, "big: %s", strerror(errno));
			memset(b, 0x5a, 8 << 20);
		}
		_exit(snap_member(sh, k, k == 1 ? p[1] : -1,
				  k == 2 ? p[0] : -1));
	}
	close(p[0]);
	close(p[1]);
	put("ready", "%d %d %d %d\n", (int)kids[0], (int)kids[1], (int)kids[2],
	    (int)kids[3]);
	k = snap_member(sh, 0, -1, -1);
	return reap_all() ? 10 : k;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	signal(SIGPIPE, SIG_DFL);
	if (!strcmp(mode, "produce") && argc == 3)
		return produce(atoi(argv[2]));
	if (!strcmp(mode, "filter") && argc == 2)
		return filter();
	if (!strcmp(mode, "consume") && argc == 3)
		return consume(atoi(argv[2]));
	if (argc < 3)
		die(2, "usage: tree_target MODE [DIR] ...");
	dir = argv[2];
	if (!strcmp(mode, "jobs") && argc == 4)
		return jobs(argv[0], atoi(argv[3]));
	if (!strcmp(mode, "job") && argc == 6)
		return job(atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	if (!strcmp(mode, "dupfd"))
		return dupfd();
	if (!strcmp(mode, "zombie"))
		return zombie();
	if (!strcmp(mode, "family"))
		return family();
	if (!strcmp(mode, "wide") && argc == 5)
		return wide(atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(mode, "churn"))
		return churn();
	if (!strcmp(mode, "outside"))
		return outside();
	if (!strcmp(mode, "shm"))
		return shm();
	if (!strcmp(mode, "clone"))
		return clone_tree();
	if (!strcmp(mode, "clone_outside"))
		return clone_outside();
	if (!strcmp(mode, "clone_siblings"))
		return clone_siblings();
	if (!strcmp(mode, "snap") && argc <= 4)
		return snap(argc == 4 && !strcmp(argv[3], "bad"),
			    argc == 4 && !strcmp(argv[3], "big"));
	die(2, "unknown mode '%s'", mode);
}
