// SPDX-License-Identifier: GPL-2.0
/*
 * Killed at any moment: a thaw, a freeze or a remap that is SIGKILLed
 * part way, everything involved at once (cryoctl, the process being
 * restored and its threads), leaves nothing behind.  Every process ends
 * (or, for a freeze's target, runs on untouched), none stays in the
 * kernel unkillable, and the module's reference count comes back to what
 * it was, so that it can be unloaded.
 *
 * Each test first runs the operation twice to the end to learn how long
 * it takes (T, the shorter), then again and again, killing it D ms after
 * cryoctl was started, with D going from 0 past T in steps of
 * T / CRYO_KILL_POINTS (default 40; at least 1 ms), each step shifted by
 * a pseudo-random part of a step so that the runs on the two kernels hit
 * different moments, until two runs in a row finish first.
 * The processes run in a cgroup of their own and are killed together
 * through cgroup.kill, as a scheduler does.  thaw_tool_only kills
 * cryoctl alone: the process it was restoring must then finish and run
 * (answer a round), or nothing of the thaw may be left.
 *
 * After each kill, within REAP_TIMEOUT seconds (an emulated VM is slow;
 * nothing here measures speed): the cgroup has no live process left
 * ("populated 0": each one went through do_exit() past its files and
 * task works), cryoctl is reaped, a process feeding the image through a
 * pipe saw its reader go (nobody holds the pipe: no leaked file), and
 * /sys/module/cryo/refcnt is back at its value before the test.  When a
 * run ended before the kill, the restored process must answer first.
 * On a failure the test names the processes left, with their states and
 * kernel stacks.
 */
#include <dirent.h>
#include <sys/prctl.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"

/* Workers of the thaw_target image: 6 threads in all. */
#define NR_WORKERS	5
/* Seconds the processes of one run get to be gone after the kill. */
#define REAP_TIMEOUT	30
/* Kill points spread across one run, unless CRYO_KILL_POINTS says. */
#define KILL_POINTS	40

#define REFCNT_PATH	"/sys/module/cryo/refcnt"

/* ---- the cgroup the operation runs in ------------------------------------ */

static long mod_refcnt(void)
{
	char buf[32];

	if (cryo_read_file(REFCNT_PATH, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static int cg_write(const char *cg, const char *file, const char *val)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* 1 while some process of @cg lives, 0 once none does, -1 on error. */
static int cg_populated(const char *cg)
{
	char path[PATH_MAX], buf[256], *p;

	snprintf(path, sizeof(path), "%s/cgroup.events", cg);
	if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "populated ");
	return p ? p[strlen("populated ")] == '1' : -1;
}

/* The pids in @cg, up to @max. */
static int cg_pids(const char *cg, pid_t *pids, int max)
{
	char path[PATH_MAX], buf[8192], *p, *end;
	int n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	if (cryo_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; *p && n < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		pids[n++] = v;
	}
	return n;
}

/* ---- what is left ------------------------------------------------------------ */

/* Log a process left behind: each thread's state, wait channel and stack. */
static void log_leftover(struct __test_metadata *_metadata, pid_t pid)
{
	char path[PATH_MAX], buf[2048], stat[512], wchan[128];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d) {
		TH_LOG("pid %d: gone", pid);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 de->d_name);
		if (cryo_read_file(path, stat, sizeof(stat)) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", pid,
			 de->d_name);
		if (cryo_read_file(path, wchan, sizeof(wchan)) < 0)
			wchan[0] = '\0';
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", pid,
			 de->d_name);
		if (cryo_read_file(path, buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		TH_LOG("left: pid %d tid %s: %.80s wchan %s\n%s", pid,
		       de->d_name, stat, wchan, buf);
	}
	closedir(d);
}

/* ---- one run ------------------------------------------------------------------ */

enum op { OP_THAW, OP_FREEZE, OP_REMAP };

struct run {
	enum op op;
	bool pipe;		/* the image goes through a pipe */
	const char *img;	/* thaw: the image; remap: the layout */
	const char *out;	/* freeze: where the image goes (file mode) */
	pid_t target;		/* freeze: the target */
	bool tool_only;		/* thaw: kill cryoctl alone, R must run on */
	bool kill_target;	/* freeze: --kill */
	/* Results of one run. */
	pid_t lead;		/* cryoctl */
	pid_t helper;		/* feeds or drains the pipe */
	int lead_status;
	bool lead_reaped;
	int target_status;	/* freeze: how the target ended, if it did */
	bool target_reaped;
	int cmd, rep;		/* thaw: our ends of the restored fds 0, 1 */
	int out_fd;		/* thaw: cryoctl's stdout (the pid) */
};

struct kill_ctx {
	char cg[128];
	char log[128];		/* cryoctl's stderr */
	long refcnt;		/* the module's, before the test */
	unsigned int points;
	unsigned int seed;
};

/* The child that becomes cryoctl: joins the cgroup, sets up fds, execs. */
static void __attribute__((noreturn))
lead_child(struct kill_ctx *k, struct run *r, int in, int out, int fd3,
	   int fd4, int joined)
{
	char pid[16];
	int log;

	if (cg_write(k->cg, "cgroup.procs", "0"))
		_exit(125);
	/* In the cgroup: from now on a kill reaches us and all we start. */
	if (write(joined, "j", 1) != 1)
		_exit(125);
	/* Out of the way of 0 to 4 first, so that no move clobbers another. */
	in = in >= 0 ? fcntl(in, F_DUPFD_CLOEXEC, 100) : -1;
	out = out >= 0 ? fcntl(out, F_DUPFD_CLOEXEC, 100) : -1;
	fd3 = fd3 >= 0 ? fcntl(fd3, F_DUPFD_CLOEXEC, 100) : -1;
	fd4 = fd4 >= 0 ? fcntl(fd4, F_DUPFD_CLOEXEC, 100) : -1;
	log = open(k->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log < 0 || cryo_move_fd(log, 2))
		_exit(125);
	if (in >= 0 && cryo_move_fd(in, 0))
		_exit(125);
	if (out >= 0 && cryo_move_fd(out, 1))
		_exit(125);
	if (fd3 >= 0 && cryo_move_fd(fd3, 3))
		_exit(125);
	if (fd4 >= 0 && cryo_move_fd(fd4, 4))
		_exit(125);
	switch (r->op) {
	case OP_THAW: {
		const char *const argv[] = { "cryoctl", "thaw", "--inherit-fd",
					     "0=3", "--inherit-fd", "1=4", NULL };

		execv(cryo_cryoctl_path(), (char *const *)argv);
		break;
	}
	case OP_FREEZE: {
		/* The target holds the test's pipes: an accepted loss. */
		const char *const argv[] = { "cryoctl", "freeze",
					     "--accept-loss", pid, NULL };
		const char *const kargv[] = { "cryoctl", "freeze", "--kill",
					      "--accept-loss", pid, NULL };

		snprintf(pid, sizeof(pid), "%d", r->target);
		if (r->kill_target)
			execv(cryo_cryoctl_path(), (char *const *)kargv);
		execv(cryo_cryoctl_path(), (char *const *)argv);
		break;
	}
	case OP_REMAP: {
		const char *const argv[] = { "cryoctl", "remap", r->img, NULL };

		execv(cryo_cryoctl_path(), (char *const *)argv);
		break;
	}
	}
	_exit(127);
}

/* Copy @path into @fd (a pipe), then exit: the image's producer. */
static void __attribute__((noreturn)) feeder(const char *path, int fd)
{
	char buf[65536];
	ssize_t n, w, off;
	int in = open(path, O_RDONLY | O_CLOEXEC);

	signal(SIGPIPE, SIG_IGN);
	if (in < 0)
		_exit(2);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += w) {
			w = write(fd, buf + off, n - off);
			if (w <= 0)
				_exit(errno == EPIPE ? 0 : 3);
		}
	_exit(n < 0 ? 4 : 0);
}

/* Read @fd (a pipe) to its end into @path, then exit: the image's consumer. */
static void __attribute__((noreturn)) drainer(int fd, const char *path)
{
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (out < 0 || write(out, buf, n) != n)
			_exit(1);
	_exit(0);
}

/* Start one run: cryoctl in the cgroup, and the pipe's other end. */
static int run_start(struct kill_ctx *k, struct run *r)
{
	int p[2] = { -1, -1 }, c[2] = { -1, -1 }, o[2] = { -1, -1 };
	int in = -1, out = -1, fd3 = -1, fd4 = -1, ret = -1;
	int j[2] = { -1, -1 };
	char c1;

	r->lead = r->helper = 0;
	r->lead_reaped = false;
	r->cmd = r->rep = r->out_fd = -1;
	if (r->pipe && pipe2(p, O_CLOEXEC))
		return -1;
	switch (r->op) {
	case OP_THAW:
		/* The restored process's fds 0 and 1, and cryoctl's stdout. */
		if (pipe2(c, O_CLOEXEC) || pipe2(o, O_CLOEXEC))
			goto out;
		r->cmd = c[1];
		r->rep = -1;
		fd3 = c[0];
		{
			int rp[2];

			if (pipe2(rp, O_CLOEXEC))
				goto out;
			r->rep = rp[0];
			fd4 = rp[1];
		}
		r->out_fd = o[0];
		out = o[1];
		in = r->pipe ? p[0] : open(r->img, O_RDONLY | O_CLOEXEC);
		break;
	case OP_FREEZE:
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		out = r->pipe ? p[1] : open(r->out, O_WRONLY | O_CREAT |
					     O_TRUNC | O_CLOEXEC, 0600);
		break;
	case OP_REMAP:
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		out = open("/dev/null", O_WRONLY | O_CLOEXEC);
		break;
	}
	if (in < 0 || out < 0)
		goto out;
	if (r->pipe) {
		r->helper = cryo_target_fork_from(NULL);
		if (r->helper < 0)
			goto out;
		if (!r->helper) {
			/* Only the other end of the pipe is open elsewhere. */
			if (r->op == OP_THAW) {
				close(p[0]);
				feeder(r->img, p[1]);
			}
			close(p[1]);
			drainer(p[0], r->out);
		}
	}
	if (pipe2(j, O_CLOEXEC))
		goto out;
	r->lead = cryo_target_fork_from(NULL);
	if (r->lead < 0)
		goto out;
	if (!r->lead)
		lead_child(k, r, in, out, fd3, fd4, j[1]);
	close(j[1]);
	j[1] = -1;
	/* The kill must not come before it is in the cgroup. */
	if (read(j[0], &c1, 1) != 1)
		goto out;
	ret = 0;
out:
	if (j[0] >= 0)
		close(j[0]);
	if (j[1] >= 0)
		close(j[1]);
	/* Only the children keep what they were given. */
	if (in >= 0 && in != p[0])
		close(in);
	if (out >= 0 && out != p[1] && out != o[1])
		close(out);
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	if (o[1] >= 0)
		close(o[1]);
	if (fd3 >= 0)
		close(fd3);
	if (fd4 >= 0)
		close(fd4);
	return ret;
}

static void run_close(struct run *r)
{
	if (r->cmd >= 0)
		close(r->cmd);
	if (r->rep >= 0)
		close(r->rep);
	if (r->out_fd >= 0)
		close(r->out_fd);
	r->cmd = r->rep = r->out_fd = -1;
}

/* Reap whatever of ours has ended; note cryoctl's status. */
static void reap_some(struct run *r, pid_t keep)
{
	pid_t p;
	int st;

	for (;;) {
		p = waitpid(-1, &st, WNOHANG | __WALL);
		if (p <= 0)
			return;
		if (p == r->lead) {
			r->lead_status = st;
			r->lead_reaped = true;
		} else if (p == r->helper) {
			r->helper = 0;
		} else if (p == keep) {
			/* The freeze's target died: the caller checks it. */
			r->target_status = st;
			r->target_reaped = true;
		}
	}
}

static void sleep_until(double t)
{
	double d = t - cryo_now();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/*
 * Did the thaw finish (cryoctl exited 0 and printed the pid)?  Then the
 * restored process must answer one round.  1 finished and answered, 0
 * not finished, -1 finished but the process does not answer.
 */
static int thaw_check_done(struct __test_metadata *_metadata, struct run *r)
{
	char buf[64], line[64];
	ssize_t n, len = 0;
	struct pollfd pfd;
	char g = 'g';
	long pid;

	if (!r->lead_reaped || !WIFEXITED(r->lead_status) ||
	    WEXITSTATUS(r->lead_status))
		return 0;
	n = read(r->out_fd, buf, sizeof(buf) - 1);
	if (n <= 0 || sscanf((buf[n] = 0, buf), "%ld", &pid) != 1)
		return -1;
	if (write(r->cmd, &g, 1) != 1)
		return -1;
	while (len < (ssize_t)sizeof(line) - 1) {
		pfd.fd = r->rep;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, TGT_TIMEOUT * 1000) <= 0)
			break;
		n = read(r->rep, line + len, sizeof(line) - 1 - len);
		if (n <= 0)
			break;
		len += n;
		if (memchr(line, '\n', len))
			break;
	}
	line[len] = 0;
	/* The image was frozen after one round of 1 + 2 + ... + 5. */
	if (strncmp(line, "round 2 30\n", 11)) {
		TH_LOG("restored pid %ld answered \"%s\"", pid, line);
		return -1;
	}
	return 1;
}

/*
 * cryoctl was killed alone.  Either the process it was restoring runs on
 * (it answers a round on its fds 0 and 1), or nothing of the thaw is left
 * (its fd 1 has no writer: the kernel let go of the inherited pipe).
 * 0 either way, -1 when neither happens in time.
 */
static int thaw_runs_on(struct __test_metadata *_metadata, struct run *r)
{
	char line[64], g = 'g';
	ssize_t n, len = 0;
	struct pollfd pfd;

	/* EPIPE (ignored) when nobody holds its fd 0 any more. */
	if (write(r->cmd, &g, 1) != 1 && errno != EPIPE)
		return -1;
	while (len < (ssize_t)sizeof(line) - 1) {
		pfd.fd = r->rep;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, REAP_TIMEOUT * 1000) <= 0)
			return -1;
		n = read(r->rep, line + len, sizeof(line) - 1 - len);
		if (n == 0)
			return 0;	/* nothing left */
		if (n < 0)
			return -1;
		len += n;
		if (memchr(line, '\n', len))
			break;
	}
	line[len] = 0;
	if (strncmp(line, "round 2 30\n", 11)) {
		TH_LOG("the restored process answered \"%s\"", line);
		return -1;
	}
	return 0;
}

/*
 * Start a run and, after @delay seconds (< 0: never), kill everything in
 * the cgroup.  Wait until it is all gone.  Returns 1 when the operation
 * had finished before the kill, 0 when it was killed, -1 on a failure
 * (logged).  *@took: seconds until cryoctl ended, when it did.
 */
static int run_once(struct __test_metadata *_metadata, struct kill_ctx *k,
		    struct run *r, double delay, double *took)
{
	double start, end;
	pid_t left[64];
	int ret = 0, n, i, done;

	if (run_start(k, r)) {
		TH_LOG("cannot start cryoctl: %s", strerror(errno));
		return -1;
	}
	start = cryo_now();
	if (delay < 0) {
		/* To the end: the calibration run. */
		while (!r->lead_reaped && cryo_now() < start + 120) {
			reap_some(r, r->target);
			usleep(500);
		}
		*took = cryo_now() - start;
	} else {
		sleep_until(start + delay);
		reap_some(r, r->target);
	}
	if (r->tool_only && delay >= 0 && !r->lead_reaped) {
		/* Only cryoctl: what it started must finish, or end. */
		kill(r->lead, SIGKILL);
		while (!r->lead_reaped && cryo_now() < start + REAP_TIMEOUT) {
			reap_some(r, r->target);
			usleep(1000);
		}
		/* Unless it was done already: thaw_check_done() sees to that. */
		if (!(r->lead_reaped && WIFEXITED(r->lead_status) &&
		      !WEXITSTATUS(r->lead_status)) &&
		    thaw_runs_on(_metadata, r)) {
			TH_LOG("cryoctl killed after %.1f ms: the thaw neither finished nor ended",
			       delay * 1000);
			ret = -1;
		}
	}
	done = r->op == OP_THAW ? thaw_check_done(_metadata, r) :
	       (r->lead_reaped && WIFEXITED(r->lead_status) &&
		!WEXITSTATUS(r->lead_status));
	if (done < 0)
		ret = -1;
	if (cg_write(k->cg, "cgroup.kill", "1")) {
		TH_LOG("cgroup.kill: %s", strerror(errno));
		ret = -1;
	}

	/*
	 * A process forked while cgroup.kill walks the cgroup may escape it
	 * (the kernel's race, not cryo's): kill again every 20 ms.  That
	 * changes nothing for a process that cannot be killed: once a group
	 * exit is under way, every further SIGKILL is dropped.
	 */
	end = cryo_now() + REAP_TIMEOUT;
	for (i = 1; cryo_now() < end &&
	     (cg_populated(k->cg) == 1 || !r->lead_reaped || r->helper); i++) {
		reap_some(r, r->target);
		usleep(1000);
		if (!(i % 20) && cg_populated(k->cg) == 1)
			cg_write(k->cg, "cgroup.kill", "1");
	}
	reap_some(r, r->target);
	if (cg_populated(k->cg) != 0 || !r->lead_reaped) {
		n = cg_pids(k->cg, left, 64);
		TH_LOG("killed after %.1f ms: %d processes still alive %d s later",
		       delay * 1000, n, REAP_TIMEOUT);
		for (i = 0; i < n; i++)
			log_leftover(_metadata, left[i]);
		ret = -1;
	}
	if (r->helper) {
		TH_LOG("killed after %.1f ms: the other end of the image's pipe is still held",
		       delay * 1000);
		EXPECT_TARGET_KILLED(r->helper);
		r->helper = 0;
		ret = -1;
	}
	run_close(r);
	/* Every /dev/cryo file and every queued task_work has let go. */
	if (!WAIT_FOR(mod_refcnt() == k->refcnt, REAP_TIMEOUT)) {
		TH_LOG("killed after %.1f ms: module refcount %ld, was %ld",
		       delay * 1000, mod_refcnt(), k->refcnt);
		ret = -1;
	}
	return ret < 0 ? -1 : done > 0;
}

/* Pseudo-random, so that each kernel's run hits other moments. */
static unsigned int next_rand(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return (*s >> 16) & 0x7fff;
}

/*
 * The whole sweep: two calibration runs to the end, then kills from 0 ms
 * until two runs in a row finished first.  @check is called after every
 * run (the freeze's target must be intact); it returns 0 or -1.
 */
static int sweep(struct __test_metadata *_metadata, struct kill_ctx *k,
		 struct run *r,
		 int (*check)(struct __test_metadata *, struct run *, void *),
		 void *arg)
{
	unsigned int killed = 0, finished = 0, in_row = 0, i;
	double took = 0, step, d;
	int ret;

	/* Twice: the first run is slower (caches), the second is the one. */
	for (i = 0; i < 2; i++) {
		ret = run_once(_metadata, k, r, -1, &d);
		if (ret != 1) {
			TH_LOG("the operation does not finish when left alone (status %#x)",
			       r->lead_status);
			return -1;
		}
		if (check && check(_metadata, r, arg))
			return -1;
		if (!i || d < took)
			took = d;
	}
	step = took / k->points;
	if (step < 0.001)
		step = 0.001;
	for (i = 0; in_row < 2 && i < 4 * k->points; i++) {
		d = i * step + step * (next_rand(&k->seed) % 100) / 100.0;
		ret = run_once(_metadata, k, r, d, &took);
		if (ret < 0)
			return -1;
		if (check && check(_metadata, r, arg))
			return -1;
		if (ret) {
			finished++;
			in_row++;
		} else {
			killed++;
			in_row = 0;
		}
	}
	TH_LOG("%s%s: %.0f ms to the end, killed %u times every %.1f ms, %u finished first",
	       r->op == OP_THAW ? "thaw" : r->op == OP_FREEZE ? "freeze" : "remap",
	       r->pipe ? " through a pipe" : "", took * 1000, killed,
	       step * 1000, finished);
	/* A kill at 0 ms or so must have hit the operation at least once. */
	if (!killed) {
		TH_LOG("no run was killed before it finished");
		return -1;
	}
	return 0;
}

/* ---- the tests ------------------------------------------------------------------ */

FIXTURE(kill) {
	struct tgt t;
	struct tgt live;	/* the freeze's target */
	struct kill_ctx k;
};

FIXTURE_VARIANT(kill) {
	bool pipe;
};

FIXTURE_VARIANT_ADD(kill, file) {
	.pipe = false,
};

FIXTURE_VARIANT_ADD(kill, pipe) {
	.pipe = true,
};

FIXTURE_SETUP(kill)
{
	const char *points = getenv("CRYO_KILL_POINTS");

	self->t.cmd = self->t.rep = -1;
	self->live.cmd = self->live.rep = -1;
	self->k.cg[0] = '\0';
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	if (access("/sys/fs/cgroup/cgroup.procs", W_OK))
		CRYO_SETUP_SKIP("no cgroup2 at /sys/fs/cgroup");
	snprintf(self->k.cg, sizeof(self->k.cg), "/sys/fs/cgroup/cryo_kill.%d",
		 getpid());
	ASSERT_EQ(0, mkdir(self->k.cg, 0755)) TH_LOG("%s: %s", self->k.cg,
						     strerror(errno));
	{
		char path[160];

		snprintf(path, sizeof(path), "%s/cgroup.kill", self->k.cg);
		if (access(path, W_OK))
			CRYO_SETUP_SKIP("cgroup2 without cgroup.kill");
	}
	/* Whatever a thaw detaches (no --wait) comes back to us. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	self->k.points = points && atoi(points) > 0 ? atoi(points) : KILL_POINTS;
	self->k.seed = time(NULL) ^ getpid();
	self->k.refcnt = mod_refcnt();
	ASSERT_LE(0, self->k.refcnt) TH_LOG(REFCNT_PATH ": %s", strerror(errno));
	ASSERT_EQ(0, tgt_init(&self->t, "kill"));
	ASSERT_EQ(0, tgt_init(&self->live, "killlive"));
	snprintf(self->k.log, sizeof(self->k.log), "%s/cryoctl.log", self->t.dir);
}

FIXTURE_TEARDOWN(kill)
{
	EXPECT_EQ(0, tgt_fini(&self->t)) TH_LOG("%s", self->t.end);
	EXPECT_EQ(0, tgt_fini(&self->live)) TH_LOG("%s", self->live.end);
	if (self->k.cg[0]) {
		cg_write(self->k.cg, "cgroup.kill", "1");
		WAIT_FOR(cg_populated(self->k.cg) == 0, REAP_TIMEOUT);
		rmdir(self->k.cg);
	}
}

/* Start thaw_target with N workers; one round to show it works. */
static int spawn_threads(struct __test_metadata *_metadata, struct tgt *t)
{
	const char *const argv[] = { "thaw_target", "threads", "5", NULL };

	if (tgt_spawn(t, cryo_prog("thaw_target"), argv, NULL, 0) ||
	    tgt_line(t, TGT_TIMEOUT) || strncmp(t->line, "ready", 5)) {
		TH_LOG("thaw_target: %s; log: %s", t->line, tgt_log(t));
		return -1;
	}
	if (tgt_cmd(t, 'g') || strcmp(t->line, "round 1 15")) {
		TH_LOG("round: %s; log: %s", t->line, tgt_log(t));
		return -1;
	}
	return 0;
}

/* The image of a 6-thread process, frozen and killed. */
static int make_image(struct __test_metadata *_metadata, struct tgt *t)
{
	int ret;

	if (spawn_threads(_metadata, t))
		return -1;
	ret = tgt_freeze_kill(t);
	if (ret)
		TH_LOG("freeze: %s", strerror(-ret));
	return ret;
}

TEST_F_TIMEOUT(kill, thaw, 600)
{
	struct run r = { .op = OP_THAW, .pipe = variant->pipe };

	ASSERT_EQ(0, make_image(_metadata, &self->t));
	r.img = self->t.img;
	ASSERT_EQ(0, sweep(_metadata, &self->k, &r, NULL, NULL));
	EXPECT_EQ(self->k.refcnt, mod_refcnt());
}

/*
 * cryoctl alone killed at any moment: the process it was making goes on
 * without it and runs, or no trace of the thaw is left.
 */
TEST_F_TIMEOUT(kill, thaw_tool_only, 600)
{
	struct run r = { .op = OP_THAW, .pipe = variant->pipe, .tool_only = true };

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, make_image(_metadata, &self->t));
	r.img = self->t.img;
	ASSERT_EQ(0, sweep(_metadata, &self->k, &r, NULL, NULL));
	EXPECT_EQ(self->k.refcnt, mod_refcnt());
}

struct live {
	struct tgt *t;
	unsigned long round;	/* rounds it made */
	unsigned int killed;	/* --kill: times it was killed after COMMIT */
};

/*
 * After every run the target is alive, not parked, has its threads and
 * answers: the freeze let it go untouched, whenever it was killed.
 * With --kill it may also be dead, of SIGKILL, but only after COMMIT,
 * which cryoctl issues once the image is written and fsynced: then the
 * image must be whole (cryoctl verify), and a new target takes its place.
 */
static int freeze_check(struct __test_metadata *_metadata, struct run *r,
			void *arg)
{
	struct live *l = arg;
	struct tgt *t = l->t;
	int tids[64], n, i;
	char want[64];
	double end;

	/*
	 * cryoctl is gone, so a COMMIT it made is done: the target has
	 * SIGKILL pending (process-wide) or is dead already.  Let it die.
	 */
	for (end = cryo_now() + REAP_TIMEOUT; r->kill_target &&
	     !r->target_reaped && cryo_now() < end; usleep(1000)) {
		if (!(cryo_status_mask(t->pid, "ShdPnd:") &
		      (1ULL << (SIGKILL - 1))) &&
		    cryo_tids(t->pid, tids, 64) == NR_WORKERS + 1)
			break;
		reap_some(r, t->pid);
	}
	if (r->kill_target && r->target_reaped) {
		const char *const argv[] = { "cryoctl", "verify", r->out, NULL };

		r->target_reaped = false;
		if (!WIFSIGNALED(r->target_status) ||
		    WTERMSIG(r->target_status) != SIGKILL) {
			TH_LOG("the target ended with status %#x", r->target_status);
			return -1;
		}
		if (cryo_cli_to(NULL, argv)) {
			TH_LOG("the target was killed, but its image is not whole");
			return -1;
		}
		l->killed++;
		t->pid = 0;
		close(t->cmd);
		close(t->rep);
		t->cmd = t->rep = -1;
		if (spawn_threads(_metadata, t))
			return -1;
		r->target = t->pid;
		l->round = 1;
		return 0;
	}
	if (r->target_reaped || waitpid(t->pid, NULL, WNOHANG) != 0) {
		TH_LOG("the target died (status %#x)", r->target_status);
		return -1;
	}
	for (i = 0; i < 20 * 100; i++) {
		n = cryo_tids(t->pid, tids, 64);
		for (n--; n >= 0; n--)
			if (cryo_stat_field(tids[n], 0) == 'D')
				break;
		if (n < 0)
			break;
		usleep(10000);
	}
	if (n >= 0) {
		TH_LOG("thread %d of the target is still parked", tids[n]);
		log_leftover(_metadata, t->pid);
		return -1;
	}
	if (cryo_tids(t->pid, tids, 64) != NR_WORKERS + 1) {
		TH_LOG("the target has %d threads", cryo_tids(t->pid, tids, 64));
		return -1;
	}
	l->round++;
	snprintf(want, sizeof(want), "round %lu %lu", l->round, l->round * 15);
	if (tgt_cmd(t, 'g') || strcmp(t->line, want)) {
		TH_LOG("target: \"%s\", want \"%s\"; log: %s", t->line, want,
		       tgt_log(t));
		return -1;
	}
	return 0;
}

TEST_F_TIMEOUT(kill, freeze, 600)
{
	struct run r = { .op = OP_FREEZE, .pipe = variant->pipe };
	struct live l = { .t = &self->live, .round = 1 };
	int tids[64];

	ASSERT_EQ(0, spawn_threads(_metadata, &self->live));
	r.target = self->live.pid;
	r.out = self->live.img;
	ASSERT_EQ(0, sweep(_metadata, &self->k, &r, freeze_check, &l));
	/* Every worker kept its thread-local state through it all. */
	ASSERT_EQ(0, tgt_cmd(&self->live, 'j'));
	EXPECT_STREQ("joined 5 5", self->live.line);
	EXPECT_TRUE(WAIT_FOR(cryo_tids(self->live.pid, tids, 64) == 1, 5));
	EXPECT_EQ(self->k.refcnt, mod_refcnt());
}

/*
 * cryoctl freeze --kill killed at any moment: the target is killed only
 * after COMMIT, which comes once the image is whole; before that it
 * resumes untouched.
 */
TEST_F_TIMEOUT(kill, freeze_kill, 600)
{
	struct run r = { .op = OP_FREEZE, .pipe = variant->pipe,
			 .kill_target = true };
	struct live l = { .t = &self->live, .round = 1 };

	ASSERT_EQ(0, spawn_threads(_metadata, &self->live));
	r.target = self->live.pid;
	r.out = self->live.img;
	ASSERT_EQ(0, sweep(_metadata, &self->k, &r, freeze_check, &l));
	TH_LOG("the target was killed %u times, after COMMIT", l.killed);
	EXPECT_LT(0, l.killed);
	EXPECT_EQ(self->k.refcnt, mod_refcnt());
}

TEST_F_TIMEOUT(kill, remap, 600)
{
	struct run r = { .op = OP_REMAP };
	char layout[160];
	const char *const argv[] = { "cryoctl", "layout", self->t.img, NULL };

	if (variant->pipe)
		SKIP(return, "cryoctl remap copies the layout to a memfd first");
	ASSERT_EQ(0, make_image(_metadata, &self->t));
	snprintf(layout, sizeof(layout), "%s/layout", self->t.dir);
	ASSERT_EQ(0, cryo_cli_to(layout, argv));
	r.img = layout;
	ASSERT_EQ(0, sweep(_metadata, &self->k, &r, NULL, NULL));
	EXPECT_EQ(self->k.refcnt, mod_refcnt());
}

TEST_HARNESS_MAIN
