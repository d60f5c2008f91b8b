// SPDX-License-Identifier: GPL-2.0
/*
 * eventfds, signalfds and timerfds across a freeze (issue 13, item 2):
 * the library makes each again with its state, the module checks it and
 * installs it at its fd number.
 *
 * Each test is a full freeze -> kill -> thaw of selftests/progs/
 * evfd_target (a parent and a child, see there), which then reads its
 * descriptions back itself and reports what it read: an eventfd's count
 * (a large 64-bit one), a semaphore read one at a time, an eventfd shared
 * by parent and child (written by the child after the thaw, read by the
 * parent), the signal pending in a signalfd's mask read through it and
 * the one outside it not, a periodic timer's ticks and interval, ticks
 * pending at the freeze, an absolute CLOCK_REALTIME expiry, and the
 * O_NONBLOCK flags.
 *
 * CRYO_EVFD_ONLY="state,bad_records" runs only those tests.
 */
#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "cryo_tree.h"

FIXTURE(evfd) {
	char dir[64];
	char img[96];
	char log[96];
	pid_t root;
};

FIXTURE_SETUP(evfd)
{
	self->root = 0;
	self->dir[0] = 0;
	if (!cryo_selected("CRYO_EVFD_ONLY", _metadata->name))
		CRYO_SETUP_SKIP("not in CRYO_EVFD_ONLY");
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	snprintf(self->dir, sizeof(self->dir), "/tmp/cryo_evfd.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->img, sizeof(self->img), "%s/image", self->dir);
	snprintf(self->log, sizeof(self->log), "%s/log.err", self->dir);
}

FIXTURE_TEARDOWN(evfd)
{
	tree_kill_descendants();
	if (self->dir[0])
		cryo_rm_rf(self->dir);
}

static const char *log_text(FIXTURE_DATA(evfd) *self)
{
	static char buf[2048];

	return tree_text(self->dir, "log.err", buf, sizeof(buf));
}

#define FREEZE_KILL(pids_, n_) do {					\
		struct cryoctl_freeze_result __res;			\
		char __why[256];					\
		int __r = tree_freeze(self->img, self->root,		\
				      CRYO_FREEZE_KILL, 0, &__res);	\
									\
		ASSERT_EQ(0, __r) TH_LOG("freeze: %s, refusal %u id %d pid %d", \
					 strerror(-__r), __res.refusal,	\
					 __res.refusal_id, __res.refusal_pid); \
		ASSERT_EQ(0, tree_reap_killed(&self->root, (pids_), (n_), \
					      __why, sizeof(__why)))	\
			TH_LOG("%s", __why);				\
	} while (0)

#define THAW() ASSERT_TREE_THAW(self->img, self->root, CRYOCTL_THAW_SAME_PID)

static bool alone(void)
{
	pid_t pids[8];

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return tree_descendants(getpid(), pids, 8) == 1;
}

/* Start evfd_target with @mode (or none); 0 once both are ready. */
static int start_target(FIXTURE_DATA(evfd) *self, const char *mode,
			pid_t pids[2])
{
	const char *argv[] = { cryo_prog("evfd_target"), self->dir, mode, NULL };
	char buf[32];

	self->root = tree_spawn(self->dir, self->log, argv, -1);
	if (self->root < 0)
		return -1;
	if (!WAIT_FOR(tree_has(self->dir, "ready"), 30))
		return -1;
	pids[0] = self->root;
	pids[1] = atoi(tree_text(self->dir, "child.ready", buf, sizeof(buf)));
	return pids[1] > 0 ? 0 : -1;
}

/* The numbers after "@name " in @res: how many were read. */
static int field(const char *res, const char *name, long long *a, long long *b)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(res - 1, key) ?: (strncmp(res, key + 1, strlen(key + 1)) ?
				     NULL : res - 1);
	if (!p)
		return 0;
	return sscanf(p + strlen(key), "%lld %lld", a, b);
}

#define EXPECT_FIELD(res, name, va, vb, n) do {				\
		long long __a = 0, __b = 0;				\
									\
		EXPECT_EQ((n), field((res), (name), &__a, &__b)) TH_LOG("%s", name); \
		EXPECT_EQ((long long)(va), __a) TH_LOG("%s", name);	\
		if ((n) > 1) {						\
			EXPECT_EQ((long long)(vb), __b) TH_LOG("%s", name); \
		}							\
	} while (0)

/* What the target read back after the thaw, into @res. */
static void check_state(struct __test_metadata *_metadata,
			FIXTURE_DATA(evfd) *self, char *res, size_t size)
{
	char abs[32];
	long long a = 0, b = 0, expiry;

	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "check"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "result"), 30))
		TH_LOG("log: %s", log_text(self));
	res[0] = '\n';
	tree_text(self->dir, "result", res + 1, size - 1);
	res++;
	TH_LOG("result:\n%s", res);
	EXPECT_FIELD(res, "big", 0, (long long)0xfedcba9876543210ULL, 2);
	EXPECT_FIELD(res, "big_again", -EAGAIN, 0, 1);
	EXPECT_FIELD(res, "sem0", 0, 1, 2);
	EXPECT_FIELD(res, "sem1", 0, 1, 2);
	EXPECT_FIELD(res, "sem2", 0, 1, 2);
	EXPECT_FIELD(res, "sem_left", 0, 0, 1);
	EXPECT_FIELD(res, "shared", 0, 5, 2);
	EXPECT_FIELD(res, "sig", 0, SIGUSR1, 2);
	EXPECT_FIELD(res, "sig_again", -EAGAIN, 0, 1);
	EXPECT_FIELD(res, "usr2_pending", 1, 0, 1);
	EXPECT_FIELD(res, "fl13", 1, 0, 1);
	/* Expired at the freeze: at least that tick, then more. */
	EXPECT_EQ(2, field(res, "periodic", &a, &b));
	EXPECT_EQ(0, a);
	EXPECT_LE(1, b);
	EXPECT_EQ(2, field(res, "periodic_again", &a, &b));
	EXPECT_EQ(0, a);
	EXPECT_LE(1, b);
	EXPECT_FIELD(res, "periodic_interval", 50000000, 0, 1);
	EXPECT_FIELD(res, "ticks", 0, 7, 2);
	tree_text(self->dir, "abs", abs, sizeof(abs));
	expiry = atoll(abs);
	EXPECT_EQ(1, field(res, "abs_expiry", &a, &b));
	/* now + time left, in whole seconds: the same second, or the next. */
	EXPECT_LE(expiry - 1, a);
	EXPECT_GE(expiry + 1, a);
	EXPECT_FIELD(res, "abs_interval", 0, 0, 1);
	EXPECT_FIELD(res, "abs_read", -EAGAIN, 0, 1);
	EXPECT_FIELD(res, "fl10", 1, 0, 1);
	EXPECT_NE(NULL, strstr(res, "fl16 1 fl11 0"));
}

/* Freeze, kill, thaw; the state of every description, read back. */
TEST_F_TIMEOUT(evfd, state, 300)
{
	char res[2048];
	pid_t pids[2];

	ASSERT_EQ(0, start_target(self, NULL, pids)) TH_LOG("log: %s", log_text(self));
	FREEZE_KILL(pids, 2);
	THAW();
	EXPECT_EQ(pids[0], self->root);
	check_state(_metadata, self, res, sizeof(res));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_TREE_ROOT_END(self->root, self->dir, CRYO_EXITED(0), 60);
}

/* An alarm clock, TFD_TIMER_CANCEL_ON_SET: refused by name, the target runs on. */
TEST_F_TIMEOUT(evfd, refused, 300)
{
	static const struct { const char *mode; unsigned int refusal; } c[] = {
		{ "alarm", CRYO_REFUSAL_TIMERFD_ALARM },
		{ "cancel", CRYO_REFUSAL_TIMERFD_CANCEL },
	};
	struct cryoctl_freeze_result fres;
	pid_t pids[2];
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ASSERT_EQ(0, start_target(self, c[i].mode, pids))
			TH_LOG("%s: log: %s", c[i].mode, log_text(self));
		r = tree_freeze(self->img, self->root, CRYO_FREEZE_KILL, 0, &fres);
		EXPECT_EQ(-EOPNOTSUPP, r) TH_LOG("%s", c[i].mode);
		EXPECT_EQ(c[i].refusal, fres.refusal) TH_LOG("%s", c[i].mode);
		EXPECT_EQ(17, fres.refusal_id) TH_LOG("%s", c[i].mode);
		EXPECT_EQ(0, kill(self->root, 0)) TH_LOG("%s: not running on", c[i].mode);
		tree_kill_descendants();
		EXPECT_TRUE(WAIT_FOR(alone(), 10));
		self->root = 0;
		unlink(tree_path(self->dir, "ready"));
		unlink(tree_path(self->dir, "child.ready"));
	}
}

/* ---- untrusted records ----------------------------------------------------- */

/* One field of the first FILE_STATE record of @kind. */
struct state_patch {
	uint32_t kind;
	size_t off;
	int width;
	uint64_t val;
	const char *what;
};

#define SOFF(f) offsetof(struct cryo_image_file_state, f)

static const struct state_patch state_patches[] = {
	{ CRYO_FILE_EVENTFD, SOFF(id), 4, 999, "id of no FILE" },
	{ CRYO_FILE_EVENTFD, SOFF(kind), 4, CRYO_FILE_SIGNALFD, "kind not its FILE's" },
	{ CRYO_FILE_EVENTFD, SOFF(flags), 4, 2, "eventfd flags 2" },
	{ CRYO_FILE_EVENTFD, SOFF(__reserved), 4, 1, "reserved field" },
	{ CRYO_FILE_EVENTFD, SOFF(args[0]), 8, ~0ULL, "eventfd count 2^64 - 1" },
	{ CRYO_FILE_EVENTFD, SOFF(args[3]), 8, 1, "eventfd args[3]" },
	{ CRYO_FILE_SIGNALFD, SOFF(args[0]), 8, 1ULL << (SIGKILL - 1), "signalfd of SIGKILL" },
	{ CRYO_FILE_SIGNALFD, SOFF(flags), 4, 1, "signalfd flags" },
	{ CRYO_FILE_SIGNALFD, SOFF(args[1]), 8, 1, "signalfd args[1]" },
	{ CRYO_FILE_TIMERFD, SOFF(args[0]), 8, CLOCK_REALTIME_ALARM, "timerfd alarm clock" },
	{ CRYO_FILE_TIMERFD, SOFF(args[0]), 8, 99, "timerfd clock 99" },
	{ CRYO_FILE_TIMERFD, SOFF(args[1]), 8, 2, "timerfd CANCEL_ON_SET" },
	{ CRYO_FILE_TIMERFD, SOFF(args[2]), 8, ~0ULL, "timerfd expiry past KTIME_MAX" },
	{ CRYO_FILE_TIMERFD, SOFF(args[3]), 8, 1ULL << 63, "timerfd interval past KTIME_MAX" },
	{ CRYO_FILE_TIMERFD, SOFF(args[5]), 8, 1, "timerfd args[5]" },
	{ CRYO_FILE_TIMERFD, SOFF(flags), 4, 1, "timerfd flags" },
};

/* The first FILE_STATE record of @arg's kind. */
static bool state_match(const struct cryo_rec *r, const unsigned char *pl,
			const void *arg)
{
	const struct state_patch *p = arg;
	struct cryo_image_file_state st;

	if (r->type != CRYO_REC_FILE_STATE || r->len != sizeof(st))
		return false;
	memcpy(&st, pl, sizeof(st));
	return st.kind == p->kind;
}

/* self->img with @p applied (checksum made right) into @out; 0 or -1. */
static int write_patched(FIXTURE_DATA(evfd) *self, const struct state_patch *p,
			 const char *out)
{
	return cryo_image_patch(self->img, out, state_match, p, p->off, p->width,
				p->val);
}

/*
 * Each bad FILE_STATE field fails the thaw with EBADMSG and leaves no
 * process; then the image as it was thaws.
 */
TEST_F_TIMEOUT(evfd, bad_records, 300)
{
	char bad[sizeof(self->img) + 8], res[2048];
	struct cryoctl_thaw_result tres;
	pid_t pids[2];
	size_t i;
	int r;

	ASSERT_EQ(0, start_target(self, NULL, pids)) TH_LOG("log: %s", log_text(self));
	FREEZE_KILL(pids, 2);
	snprintf(bad, sizeof(bad), "%s.bad", self->img);
	for (i = 0; i < ARRAY_SIZE(state_patches); i++) {
		const struct state_patch *sp = &state_patches[i];

		ASSERT_EQ(0, write_patched(self, sp, bad)) TH_LOG("%s: no such record", sp->what);
		r = tree_thaw_wait(bad, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
		self->root = 0;
		EXPECT_EQ(-EBADMSG, r) TH_LOG("%s: %s (%s)", sp->what, strerror(-r),
					      tres.message);
		EXPECT_NE(0, tres.message[0]) TH_LOG("%s: no message", sp->what);
		EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("%s: processes left", sp->what);
	}
	unlink(bad);
	THAW();
	check_state(_metadata, self, res, sizeof(res));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_TREE_ROOT_END(self->root, self->dir, CRYO_EXITED(0), 60);
}

TEST_HARNESS_MAIN
