// SPDX-License-Identifier: GPL-2.0
/*
 * Per-thread and per-process settings across a freeze --kill and a thaw
 * (image format 2.7): scheduling policy, nice, real-time priority,
 * SCHED_RESET_ON_FORK, CPU affinity, timer slack and PR_SET_THP_DISABLE,
 * each read back by the thread itself inside the restored process
 * (progs/procset_target.c); and the rights a thaw checks: a real-time
 * policy the caller may not set refuses the thaw before the point of no
 * return; a SCHED_DEADLINE thread refuses the freeze.  Malformed values
 * are cryo_badimage_test's (thread_sched).
 *
 * The VM has two CPUs (selftests/vm/run.sh, -smp 2): the target pins
 * itself to CPU 0, an affinity narrower than the CPUs online.
 */
#include <grp.h>
#include <stdint.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"

#define USER_ID		1000

FIXTURE(procset) {
	struct tgt t;
};

FIXTURE_SETUP(procset)
{
	self->t.cmd = self->t.rep = -1;
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, tgt_init(&self->t, "procset")) TH_LOG("scratch dir: %s",
							    strerror(errno));
}

FIXTURE_TEARDOWN(procset)
{
	EXPECT_EQ(0, tgt_fini(&self->t)) TH_LOG("%s", self->t.end);
}

#define T (&self->t)

#define SPAWN(mode) do {						\
		const char *const __argv[] = { "procset_target", mode, NULL }; \
		const char *__path = cryo_prog("procset_target");	\
									\
		ASSERT_EQ(0, access(__path, X_OK)) TH_LOG("%s: %s", __path, \
							  strerror(errno)); \
		ASSERT_EQ(0, tgt_spawn(T, __path, __argv, NULL, 0));	\
		ASSERT_EQ(0, tgt_line(T, TGT_TIMEOUT))			\
			TH_LOG("no start: %s; log: %s", T->line, tgt_log(T)); \
		ASSERT_EQ(0, strcmp(T->line, "ready"))			\
			TH_LOG("%s; log: %s", T->line, tgt_log(T));	\
	} while (0)

/* The settings of each thread and of the process, as the target reports them. */
struct settings {
	int policy[2], nice[2], prio[2], slack[2], thp[2], ioprio[2];
	unsigned long long cpus[2];
	long long loginuid, oom;
	int subreaper;
};

static int parse(const char *line, struct settings *s)
{
	return sscanf(line,
		      "T0 %d %d %d %llx %d %d %d T1 %d %d %d %llx %d %d %d P %lld %lld %d",
		      &s->policy[0], &s->nice[0], &s->prio[0], &s->cpus[0],
		      &s->slack[0], &s->thp[0], &s->ioprio[0], &s->policy[1],
		      &s->nice[1], &s->prio[1], &s->cpus[1], &s->slack[1],
		      &s->thp[1], &s->ioprio[1], &s->loginuid, &s->oom,
		      &s->subreaper) == 17 ? 0 : -1;
}

#define IOPRIO(class, level)	((class) << 13 | (level))

#define REPORT(s) do {							\
		ASSERT_EQ(0, tgt_cmd(T, 'r'))				\
			TH_LOG("'r': %s; log: %s", T->line, tgt_log(T)); \
		ASSERT_EQ(0, parse(T->line, s)) TH_LOG("'r': %s", T->line); \
	} while (0)

/*
 * SCHED_BATCH nice 5 and SCHED_IDLE with SCHED_RESET_ON_FORK, both on
 * CPU 0 with a timer slack of 123456 ns, THP disabled, I/O priorities
 * best-effort 3 and idle; audit login uid 1234, oom_score_adj 400, child
 * subreaper: all of it again in the restored process, each thread as it
 * was.  The VM's tests run as root, which may set the login uid.
 */
TEST_F_TIMEOUT(procset, mixed_settings_restored, 300)
{
	struct cryoctl_thaw_result res;
	struct settings a, b;
	static char before[sizeof(((struct tgt *)0)->line)];
	int r, i;

	SPAWN("mixed");
	REPORT(&a);
	memcpy(before, T->line, sizeof(before));
	EXPECT_EQ(SCHED_BATCH, a.policy[0]);
	EXPECT_EQ(5, a.nice[0]);
	EXPECT_EQ(SCHED_IDLE | SCHED_RESET_ON_FORK, a.policy[1]);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(1, a.cpus[i]);
		EXPECT_EQ(123456, a.slack[i]);
		EXPECT_EQ(1, a.thp[i]);
	}
	EXPECT_EQ(IOPRIO(2, 3), a.ioprio[0]);
	EXPECT_EQ(IOPRIO(3, 0), a.ioprio[1]);
	EXPECT_EQ(1234, a.loginuid);
	EXPECT_EQ(400, a.oom);
	EXPECT_EQ(1, a.subreaper);

	r = tgt_freeze_kill(T);
	ASSERT_EQ(0, r) TH_LOG("freeze: %s", strerror(-r));
	r = tgt_thaw(T, 0, NULL, 0, &res);
	ASSERT_EQ(0, r) TH_LOG("thaw: %s: %s", strerror(-r), res.message);

	REPORT(&b);
	EXPECT_STREQ(before, T->line);
	EXPECT_EQ(SCHED_BATCH, b.policy[0]);
	EXPECT_EQ(5, b.nice[0]);
	EXPECT_EQ(0, b.prio[0]);
	EXPECT_EQ(SCHED_IDLE | SCHED_RESET_ON_FORK, b.policy[1]);
	EXPECT_EQ(a.nice[1], b.nice[1]);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(1, b.cpus[i]) TH_LOG("thread %d", i);
		EXPECT_EQ(123456, b.slack[i]) TH_LOG("thread %d", i);
		EXPECT_EQ(1, b.thp[i]) TH_LOG("thread %d", i);
	}
	EXPECT_EQ(IOPRIO(2, 3), b.ioprio[0]);
	EXPECT_EQ(IOPRIO(3, 0), b.ioprio[1]);
	EXPECT_EQ(1234, b.loginuid);
	EXPECT_EQ(400, b.oom);
	EXPECT_EQ(1, b.subreaper);
	EXPECT_EQ(0, tgt_quit(T, 0));
}

/*
 * A thaw by uid 1000 in a child, without privilege: its result and
 * message into @res.  The image and /dev/cryo are opened before it drops
 * root (as a member of group cryo would hold the device).
 */
static int thaw_as_user(struct tgt *t, struct cryoctl_thaw_result *res)
{
	struct {
		int ret;
		struct cryoctl_thaw_result res;
	} *shared;
	struct cryo_thaw_inherit inh[3];
	int p[2], dev, img, ret = -ECHILD, status;
	pid_t pid;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED || pipe2(p, O_CLOEXEC))
		return -ENOMEM;
	memset(shared, 0, sizeof(*shared));
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dev = cryoctl_open();
		img = open(t->img, O_RDONLY | O_CLOEXEC);
		if (dev < 0 || img < 0)
			_exit(120);
		/* Every fd of the image handed over: the test's files are root's. */
		inh[0] = (struct cryo_thaw_inherit){ .fd = 0, .source_fd = p[0] };
		inh[1] = (struct cryo_thaw_inherit){ .fd = 1, .source_fd = p[1] };
		inh[2] = (struct cryo_thaw_inherit){ .fd = 2, .source_fd = p[1] };
		if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
		    setresuid(USER_ID, USER_ID, USER_ID))
			_exit(121);
		shared->ret = cryoctl_thaw(dev, img, CRYOCTL_THAW_WAIT, inh, 3,
					   &shared->res);
		_exit(0);
	}
	close(p[0]);
	close(p[1]);
	if (wait_timeout(pid, &status, 120) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0) {
		*res = shared->res;
		ret = shared->ret;
	}
	munmap(shared, sizeof(*shared));
	return ret;
}

/*
 * Root's SCHED_FIFO process thawed by a user whose RLIMIT_RTPRIO (the
 * image's: 0) allows none: EPERM before the point of no return, naming
 * the policy, and no process made.  Root then thaws it with its policy.
 */
TEST_F_TIMEOUT(procset, fifo_refused_to_user, 300)
{
	struct cryoctl_thaw_result res;
	struct settings s;
	int r;

	SPAWN("fifo");
	REPORT(&s);
	ASSERT_EQ(SCHED_FIFO, s.policy[0]);
	ASSERT_EQ(10, s.prio[0]);
	r = tgt_freeze_kill(T);
	ASSERT_EQ(0, r) TH_LOG("freeze: %s", strerror(-r));

	r = thaw_as_user(T, &res);
	EXPECT_EQ(-EPERM, r) TH_LOG("thaw: %s: %s", strerror(-r), res.message);
	EXPECT_EQ(EPERM, res.error) TH_LOG("thaw: %s", res.message);
	EXPECT_NE(NULL, strstr(res.message, "SCHED_FIFO priority 10"))
		TH_LOG("message: %s", res.message);
	EXPECT_GE(0, res.pid) TH_LOG("a process was made: %d", res.pid);

	r = tgt_thaw(T, 0, NULL, 0, &res);
	ASSERT_EQ(0, r) TH_LOG("root's thaw: %s: %s", strerror(-r), res.message);
	REPORT(&s);
	EXPECT_EQ(SCHED_FIFO, s.policy[0]);
	EXPECT_EQ(10, s.prio[0]);
	EXPECT_EQ(0, tgt_quit(T, 0));
}

/*
 * Root's process in the real-time I/O class thawed by a user without
 * CAP_SYS_NICE or CAP_SYS_ADMIN: EPERM before the point of no return,
 * naming the I/O priority; root's thaw gives it back.
 */
TEST_F_TIMEOUT(procset, ioprio_rt_refused_to_user, 300)
{
	struct cryoctl_thaw_result res;
	struct settings s;
	int r;

	SPAWN("iort");
	REPORT(&s);
	ASSERT_EQ(IOPRIO(1, 4), s.ioprio[0]);
	r = tgt_freeze_kill(T);
	ASSERT_EQ(0, r) TH_LOG("freeze: %s", strerror(-r));

	r = thaw_as_user(T, &res);
	EXPECT_EQ(-EPERM, r) TH_LOG("thaw: %s: %s", strerror(-r), res.message);
	EXPECT_NE(NULL, strstr(res.message, "real-time I/O priority 4"))
		TH_LOG("message: %s", res.message);
	EXPECT_GE(0, res.pid) TH_LOG("a process was made: %d", res.pid);

	r = tgt_thaw(T, 0, NULL, 0, &res);
	ASSERT_EQ(0, r) TH_LOG("root's thaw: %s: %s", strerror(-r), res.message);
	REPORT(&s);
	EXPECT_EQ(IOPRIO(1, 4), s.ioprio[0]);
	EXPECT_EQ(0, tgt_quit(T, 0));
}

/* struct sched_attr, which glibc does not declare. */
struct procset_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

/*
 * A SCHED_DEADLINE thread refuses the freeze, named: a thaw could not
 * pass its admission test before the point of no return.  The process
 * keeps running, untouched.
 */
TEST(deadline_refused)
{
	struct cryoctl_freeze_result res = { .size = sizeof(res) };
	int ready[2], dev, out, r, status;
	char c;
	pid_t pid;

	dev = cryoctl_open();
	if (dev < 0)
		SKIP(return, CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct procset_sched_attr a = {
			.size = sizeof(a), .sched_policy = 6 /* SCHED_DEADLINE */,
			.sched_runtime = 10000000, .sched_deadline = 100000000,
			.sched_period = 100000000,
		};

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		c = syscall(SYS_sched_setattr, 0, &a, 0) ? 'e' : 'r';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	if (c != 'r') {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		SKIP(return, "SCHED_DEADLINE not available here");
	}
	out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, out);
	r = cryoctl_freeze_ex(dev, pid, CRYO_FREEZE_KILL, 0, out, NULL, NULL, &res);
	EXPECT_EQ(-EOPNOTSUPP, r);
	EXPECT_EQ(CRYO_REFUSAL_SCHED_DEADLINE, res.refusal);
	EXPECT_EQ(pid, res.refusal_id);
	/* Not killed: the freeze was refused before it. */
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	EXPECT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(pid, waitpid(pid, &status, 0));
	close(out);
	close(dev);
}

TEST_HARNESS_MAIN
