// SPDX-License-Identifier: GPL-2.0
/*
 * Parking only at a return to user mode (module/park.c): a thread whose
 * parking work runs inside a system call -- io_uring's wait for
 * completions, an exec that cancels the thread's io_uring requests --
 * is not parked there.  The freeze either parks it once the call has
 * returned (the image then holds the call's result, a user-mode state)
 * or fails with EAGAIN and the target goes on untouched.  A call that
 * really returns ENOSYS looks like one in progress: its thread is frozen
 * all the same.  A process exec'ing in a loop (progs/exec_loop_static.c)
 * is frozen again and again: no hang, no splat, no image of a call in
 * progress.
 *
 * io_uring is driven with raw system calls (cryo_uring.h): liburing may
 * not be there.  A thaw of these targets is not possible (an io_uring
 * file and its rings are of no kind cryo saves): a resumed target shows
 * that the state it was parked in was its own.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/prctl.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "cryo_uring.h"

#define MESSAGE		"hello, parked world"

/* ---- the target: one read, waited for in io_uring_enter() --------------- */

/* What the target reports once its io_uring_enter() returned. */
struct uring_report {
	long ret;		/* io_uring_enter()'s result */
	int err;		/* its errno */
	__u64 user_data;
	__s32 res;
	char data[64];
};

/*
 * Submit a read of the empty pipe @in and wait for it in one
 * io_uring_enter(); tell @rep when about to enter ('r', or 's' and
 * io_uring_setup()'s errno when there is no io_uring), then what came
 * back; exit once @cmd says 'q'.
 */
static void __attribute__((noreturn)) uring_target(int in, int rep, int cmd)
{
	struct uring_report r = { 0 };
	struct uring u = { .fd = -1 };
	char c = 'r';
	int err;

	err = ring_setup(&u);
	if (err) {
		c = 's';
		if (write(rep, &c, 1) != 1 || write(rep, &err, sizeof(err)) != sizeof(err))
			_exit(2);
		_exit(0);
	}
	ring_queue(&u, IORING_OP_READ, in, r.data, sizeof(MESSAGE) - 1);
	if (write(rep, &c, 1) != 1)
		_exit(3);
	r.ret = ring_enter(&u, 1, 1);
	r.err = r.ret < 0 ? errno : 0;
	if (*u.cq_head != __atomic_load_n(u.cq_tail, __ATOMIC_ACQUIRE)) {
		struct io_uring_cqe *cqe = &u.cqes[*u.cq_head & *u.cq_mask];

		r.user_data = cqe->user_data;
		r.res = cqe->res;
	}
	if (write(rep, &r, sizeof(r)) != sizeof(r))
		_exit(4);
	/* Blocked in read(), maybe parked there: restarted when resumed. */
	if (read(cmd, &c, 1) != 1 || c != 'q')
		_exit(5);
	_exit(0);
}

FIXTURE(uring) {
	int dev;
	pid_t pid;
	int pipe_w;		/* the write end of the target's pipe */
	int rep;		/* the target's reports */
	int cmd;		/* 'q': exit */
};

FIXTURE_SETUP(uring)
{
	int p[2], r[2], q[2];
	char c;

	self->dev = -1;
	self->pid = -1;
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(r));
	ASSERT_EQ(0, pipe(q));
	self->pid = cryo_target_fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid) {
		close(p[1]);
		close(r[0]);
		close(q[1]);
		uring_target(p[0], r[1], q[0]);
	}
	close(p[0]);
	close(r[1]);
	close(q[0]);
	self->pipe_w = p[1];
	self->rep = r[0];
	self->cmd = q[1];
	ASSERT_EQ(1, read(self->rep, &c, 1));
	if (c == 's') {
		int err = 0;

		ASSERT_EQ(sizeof(err), read(self->rep, &err, sizeof(err)));
		EXPECT_TARGET_END(self->pid, 0, CRYO_EXITED(0));
		CRYO_SETUP_SKIP("no io_uring here: %s", strerror(-err));
	}
	ASSERT_EQ('r', c);
	self->dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	/* Let it reach the wait in io_uring_enter(). */
	usleep(200000);
}

FIXTURE_TEARDOWN(uring)
{
	if (self->pid > 0) {
		EXPECT_TARGET_KILLED(self->pid);
	}
	if (self->dev >= 0)
		close(self->dev);
}

static int freeze(int dev, pid_t pid, unsigned int timeout_ms)
{
	struct cryo_freeze f = {
		.size = sizeof(f),
		/* The io_uring file is of no kind cryo saves. */
		.flags = CRYO_FREEZE_ACCEPT_LOSS,
		.pid = pid,
		.timeout_ms = timeout_ms,
	};

	return ioctl(dev, CRYO_IOC_FREEZE, &f) ? -errno : (int)f.nr_threads;
}

/*
 * The target's read completed (with @write_it, complete it now): it must
 * see exactly that, and exit 0 when told.
 */
static void expect_read_done(struct __test_metadata *_metadata,
			     FIXTURE_DATA(uring) *self, bool write_it)
{
	struct uring_report r;
	int status;

	if (write_it)
		ASSERT_EQ(sizeof(MESSAGE) - 1,
			  write(self->pipe_w, MESSAGE, sizeof(MESSAGE) - 1));
	ASSERT_EQ(sizeof(r), read(self->rep, &r, sizeof(r)));
	/* io_uring_enter() returns the SQEs it submitted: 1. */
	EXPECT_EQ(1, r.ret) TH_LOG("io_uring_enter: %ld (%s)", r.ret, strerror(r.err));
	EXPECT_EQ(URING_DATA, r.user_data);
	EXPECT_EQ(sizeof(MESSAGE) - 1, r.res);
	EXPECT_EQ(0, memcmp(r.data, MESSAGE, sizeof(MESSAGE) - 1));
	ASSERT_EQ(1, write(self->cmd, "q", 1));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	self->pid = -1;
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the target ended with status 0x%x", status);
}

/*
 * Waiting in io_uring_enter() for the whole freeze: the work runs in
 * io_uring's wait loop every time it is queued, never at a return to
 * user mode.  EAGAIN, and the call goes on to complete as if nothing
 * happened.
 */
TEST_F(uring, blocked_throughout_is_eagain)
{
	double t0 = cryo_now();

	EXPECT_EQ(-EAGAIN, freeze(self->dev, self->pid, 500));
	/* Tried until the timeout, not given up at once, nor hung. */
	EXPECT_LE(0.45, cryo_now() - t0);
	EXPECT_GE(5.0, cryo_now() - t0);
	expect_read_done(_metadata, self, true);
}

struct threads_seen {
	struct cryo_image_thread *out;
	int n, max;
};

static int thread_rec(const struct cryoctl_record *r, void *arg)
{
	struct threads_seen *t = arg;

	if (r->type == CRYO_REC_THREAD && r->len >= sizeof(*t->out) && t->n < t->max)
		memcpy(&t->out[t->n++], r->payload, sizeof(*t->out));
	return 0;
}

/* Walk an image for its THREAD records; returns how many, or -1. */
static int image_threads(const unsigned char *img, size_t len,
			 struct cryo_image_thread *out, int max)
{
	struct threads_seen t = { out, 0, max };

	return cryo_image_walk(img, len, thread_rec, &t, NULL, 0) < 0 ? -1 : t.n;
}

/* On a failure: where the target is, from /proc/PID/@what. */
static void log_proc(struct __test_metadata *_metadata, pid_t pid, const char *what)
{
	char path[64], buf[512];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	n = cryo_read_file(path, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	TH_LOG("%s: %s", path, buf);
}

/*
 * The read completes while the freeze is being tried: the thread parks
 * only once io_uring_enter() has returned (later, on its way out of
 * another call or an interrupt), so the freeze takes at least until the
 * write, and the image holds a user-mode state: never a call in
 * progress (ax still -ENOSYS), and io_uring_enter()'s result if parked
 * right after it.  Resumed at EOF, the target sees its completion and
 * goes on.
 */
TEST_F(uring, parks_after_the_call_returns)
{
	struct cryo_image_thread th[2];
	unsigned char *img = NULL;
	double t0 = cryo_now();
	size_t len;
	int ret, status = 0;
	pid_t writer;

	writer = fork();
	ASSERT_LE(0, writer);
	if (!writer) {
		usleep(300000);
		_exit(write(self->pipe_w, MESSAGE, sizeof(MESSAGE) - 1) !=
		      sizeof(MESSAGE) - 1);
	}
	ret = freeze(self->dev, self->pid, 5000);
	if (ret != 1) {
		log_proc(_metadata, self->pid, "syscall");
		log_proc(_metadata, self->pid, "stack");
		TH_LOG("writer: %d, status 0x%x", (int)waitpid(writer, &status, WNOHANG),
		       status);
	}
	ASSERT_EQ(1, ret) TH_LOG("freeze: %s", strerror(-ret));
	EXPECT_LE(0.25, cryo_now() - t0) TH_LOG("parked before the read completed");
	ASSERT_EQ(writer, waitpid(writer, &ret, 0));
	ASSERT_EQ(0, ret);

	len = cryo_read_stream(self->dev, &img);
	ASSERT_LT(0, len);
	ASSERT_EQ(1, image_threads(img, len, th, 2));
	EXPECT_FALSE((long)th[0].regs[CRYO_REG_ORIG_RAX] >= 0 &&
		     (long)th[0].regs[CRYO_REG_RAX] == -ENOSYS)
		TH_LOG("parked inside syscall %lld",
		       (long long)th[0].regs[CRYO_REG_ORIG_RAX]);
	if (th[0].regs[CRYO_REG_ORIG_RAX] == __NR_io_uring_enter) {
		EXPECT_EQ(1, (long)th[0].regs[CRYO_REG_RAX]);
		EXPECT_EQ(CRYO_RESTART_NONE, th[0].restart);
	}
	TH_LOG("parked after syscall %lld, ax %lld",
	       (long long)th[0].regs[CRYO_REG_ORIG_RAX], (long long)th[0].regs[CRYO_REG_RAX]);
	free(img);

	/* At EOF the checkpoint resumed it: its read is done already. */
	expect_read_done(_metadata, self, false);
}

/* ---- a call that really returns ENOSYS ---------------------------------- */

/*
 * A syscall number no kernel has: the call returns -ENOSYS, the value ax
 * holds inside any call, so the work finds every return from it looking
 * like a call in progress.  The thread is still frozen: it is tried
 * again until the work catches it elsewhere (an interrupt in user mode),
 * and the image shows that place.  Between two calls the thread works a
 * little in user mode, as programs do: a loop of nothing but the call
 * would be caught there only by chance (under TCG, hardly ever).
 */
#define NO_SUCH_SYSCALL	1000

static void __attribute__((noreturn)) enosys_loop(void)
{
	volatile unsigned long x = 0;
	unsigned long i;

	for (;;) {
		syscall(NO_SUCH_SYSCALL);
		for (i = 0; i < 20000; i++)
			x += i;
	}
}

TEST(enosys_loop_freezes)
{
	struct cryo_image_thread th[2];
	unsigned char *img = NULL;
	int dev, ret, status;
	size_t len;
	pid_t pid;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing: module not loaded");
	pid = cryo_target_fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		enosys_loop();
	}
	usleep(100000);
	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	ret = freeze(dev, pid, 10000);
	ASSERT_EQ(1, ret) TH_LOG("freeze: %s", strerror(-ret));
	len = cryo_read_stream(dev, &img);
	ASSERT_LT(0, len);
	ASSERT_EQ(1, image_threads(img, len, th, 2));
	EXPECT_FALSE((long)th[0].regs[CRYO_REG_ORIG_RAX] >= 0 &&
		     (long)th[0].regs[CRYO_REG_RAX] == -ENOSYS)
		TH_LOG("parked with ax -ENOSYS after syscall %lld",
		       (long long)th[0].regs[CRYO_REG_ORIG_RAX]);
	free(img);
	close(dev);
	/* Resumed at EOF: still looping, not stopped, not dead. */
	usleep(100000);
	ASSERT_EQ(0, waitpid(pid, &status, WNOHANG));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/*
 * An io_uring SQPOLL thread runs its task work, and so would park, while
 * it holds a lock others wait on uninterruptibly: the freeze is refused
 * before anything is parked, naming that thread, and the target goes on.
 */
TEST(sqpoll_refused)
{
	struct cryo_freeze f = { .size = sizeof(f) };
	int dev, ready[2], status;
	char c;
	pid_t pid;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, pipe(ready));
	pid = cryo_target_fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct io_uring_params p;

		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 60000;
		c = syscall(__NR_io_uring_setup, 4, &p) < 0 ? 'n' : 'y';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	if (c != 'y') {
		EXPECT_TARGET_KILLED(pid);
		SKIP(return, "no SQPOLL ring here");
	}
	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	f.pid = pid;
	f.flags = CRYO_FREEZE_ACCEPT_LOSS;
	EXPECT_EQ(-1, ioctl(dev, CRYO_IOC_FREEZE, &f));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(CRYO_REFUSAL_SQPOLL, f.refusal);
	EXPECT_NE(pid, f.refusal_id);
	EXPECT_LT(0, f.refusal_id);
	close(dev);
	/* Untouched: still there, not stopped. */
	ASSERT_EQ(0, waitpid(pid, &status, WNOHANG | WUNTRACED));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* ---- exec in a loop ------------------------------------------------------ */

#define EXEC_ROUNDS	40

/* Bytes the exec loop has reported so far (non-blocking). */
static long drain(int fd)
{
	char buf[256];
	long n = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0)
		n += r;
	return n;
}

/*
 * Freezes while the target execs over and over: each ends in time with
 * a parked image, EAGAIN (the thread was in its exec, or exec'd after
 * parking), EBUSY or ESRCH; the target keeps exec'ing and dies of the
 * SIGKILL at the end.  No image holds a thread inside a system call.
 */
TEST(exec_loop_freezes)
{
	int p[2], dev, i, ret, status, ok = 0;
	struct cryo_image_thread th[4];
	unsigned char *img;
	long seen = 0, before;
	double t0;
	size_t len;
	pid_t pid;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
	pid = cryo_target_fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		if (dup2(p[1], 3) != 3)
			_exit(123);
		execl(cryo_prog("exec_loop_static"), "exec_loop_static", NULL);
		_exit(124);
	}
	close(p[1]);
	for (t0 = cryo_now(); seen < 3 && cryo_now() - t0 < 30; usleep(10000))
		seen += drain(p[0]);
	ASSERT_LE(3, seen) TH_LOG("the exec loop does not run");

	for (i = 0; i < EXEC_ROUNDS; i++) {
		dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, dev);
		t0 = cryo_now();
		ret = freeze(dev, pid, 200);
		EXPECT_GE(5.0, cryo_now() - t0) TH_LOG("round %d: freeze took too long", i);
		EXPECT_TRUE(ret > 0 || ret == -EAGAIN || ret == -EBUSY || ret == -ESRCH)
			TH_LOG("round %d: freeze: %d (%s)", i, ret, strerror(-ret));
		if (ret > 0) {
			int n, j;

			len = cryo_read_stream(dev, &img);
			n = len ? image_threads(img, len, th, 4) : -1;
			EXPECT_LE(1, n) TH_LOG("round %d: image of %zu bytes", i, len);
			for (j = 0; j < n; j++)
				EXPECT_FALSE((long)th[j].regs[CRYO_REG_ORIG_RAX] >= 0 &&
					     (long)th[j].regs[CRYO_REG_RAX] == -ENOSYS)
					TH_LOG("round %d: thread %d parked inside syscall %lld",
					       i, th[j].tid, (long long)th[j].regs[CRYO_REG_ORIG_RAX]);
			free(img);
			ok++;
		}
		close(dev);
		/* Resumed: it goes on exec'ing. */
		before = seen;
		for (t0 = cryo_now(); seen == before && cryo_now() - t0 < 10;
		     usleep(5000))
			seen += drain(p[0]);
		EXPECT_LT(before, seen) TH_LOG("round %d: the target stopped", i);
		ASSERT_EQ(0, waitpid(pid, &status, WNOHANG));
	}
	TH_LOG("%d of %d freezes parked the exec loop; %ld execs", ok, EXEC_ROUNDS, seen);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, wait_timeout(pid, &status, 10));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("status 0x%x", status);
	close(p[0]);
}

TEST_HARNESS_MAIN
