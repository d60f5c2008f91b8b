// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupted sleeps keep the time they had left (SLEEP records, image
 * format 2.9): a target (selftests/progs/sleep_target.c) starts a sleep
 * of SECS (20) seconds, the test freezes it WAIT (14) seconds later,
 * kills it and thaws it at once.  The restored call must end after what
 * was left (some 6 s), not after all of it again (20 s).
 *
 *  - nanosleep, clock_nanosleep, poll, futex_wait: the image has a SLEEP
 *    record of that kind whose remaining time is within what can be left
 *    (more than 0, less than SECS - WAIT + 1 s); after the thaw the call
 *    returns as it would have (0, 0, 0, ETIMEDOUT), well before a whole
 *    new timeout could have run out; cryoctl inspect shows the time left.
 *  - absolute: clock_nanosleep(TIMER_ABSTIME) has no SLEEP record (it is
 *    remade exactly) and still ends at, not before, its deadline.
 *  - restarted: a nanosleep that went on through restart_syscall(2)
 *    after a freeze without kill, frozen again, killed and thawed,
 *    returns EINTR at once.
 *  - malformed: a SLEEP record with each field wrong is refused with
 *    EBADMSG naming it, a thread whose stack has no writable mapping for
 *    the remaining time with EFAULT, both before the point of no return;
 *    then the image itself thaws and its sleep ends.
 *
 * Set CRYO_SLEEP_ONLY=name to run one test.  The only bound on time is
 * wide: the call must end less than SECS - 6 s after the thaw, where the
 * old behaviour took SECS.
 */
#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"

#define SECS	20	/* sleep_target's timeout */
#define WAIT	14	/* how long the test lets it sleep before the freeze */

#define ONLY(name) do {							\
		const char *__o = getenv("CRYO_SLEEP_ONLY");		\
									\
		if (__o && *__o && strcmp(__o, name))			\
			SKIP(return, "CRYO_SLEEP_ONLY=%s", __o);	\
	} while (0)

FIXTURE(slp) {
	struct tgt t;
};

FIXTURE_SETUP(slp)
{
	self->t.cmd = self->t.rep = -1;
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, tgt_init(&self->t, "sleep")) TH_LOG("scratch dir: %s",
							  strerror(errno));
}

FIXTURE_TEARDOWN(slp)
{
	EXPECT_EQ(0, tgt_fini(&self->t)) TH_LOG("%s", self->t.end);
}

#define T (&self->t)

#define SPAWN() do {							\
		const char *const __argv[] = { "sleep_target", NULL };	\
		const char *__path = cryo_prog("sleep_target");		\
									\
		ASSERT_EQ(0, access(__path, X_OK)) TH_LOG("%s: %s", __path, \
							  strerror(errno)); \
		ASSERT_EQ(0, tgt_spawn(T, __path, __argv, NULL, 0));	\
		ASSERT_EQ(0, tgt_line(T, TGT_TIMEOUT))			\
			TH_LOG("did not start: %s; log: %s", T->line,	\
			       tgt_log(T));				\
		ASSERT_STREQ("ready", T->line);				\
	} while (0)

/* Start sleep @c in @t, let it sleep WAIT s, freeze and kill it. */
#define SLEEP_FREEZE(t, c) do {						\
		int __r;						\
									\
		ASSERT_EQ(0, tgt_cmd(t, c)) TH_LOG("'%c': %s", c, (t)->line); \
		ASSERT_EQ(0, strncmp((t)->line, "sleeping", 8))		\
			TH_LOG("'%c': \"%s\"", c, (t)->line);		\
		sleep(WAIT);						\
		__r = tgt_freeze_kill(t);				\
		ASSERT_EQ(0, __r) TH_LOG("freeze: %s", strerror(-__r));	\
	} while (0)

#define THAW() do {							\
		struct cryoctl_thaw_result __res;			\
		int __r = tgt_thaw(T, CRYOCTL_THAW_WAIT, NULL, 0, &__res); \
									\
		ASSERT_EQ(0, __r) TH_LOG("thaw: %s: %s", strerror(-__r),	\
					 __res.message);		\
		ASSERT_LT(0, T->pid);					\
	} while (0)

#define QUIT(code) do {							\
		int __st;						\
									\
		ASSERT_EQ(0, tgt_quit(T, code));			\
		ASSERT_EQ(T->pid, wait_timeout(T->pid, &__st, TGT_TIMEOUT)); \
		EXPECT_TRUE(WIFEXITED(__st)) TH_LOG("status %#x", __st); \
		T->pid = 0;						\
	} while (0)

/* The image's SLEEP record into @s; its offset, or the image's length. */
static size_t image_sleep(const char *path, struct cryo_image_sleep *s)
{
	unsigned char *img;
	size_t len, at;

	memset(s, 0, sizeof(*s));
	img = cryo_slurp(path, &len);
	if (!img)
		return 0;
	at = cryo_frame_find(img, len, CRYO_REC_SLEEP);
	if (at + sizeof(struct cryo_rec) + sizeof(*s) <= len)
		memcpy(s, img + at + sizeof(struct cryo_rec), sizeof(*s));
	else
		at = len;
	free(img);
	return at;
}

/* The names cryoctl inspect gives the kinds. */
static const char *inspect_kind(uint32_t kind)
{
	static const char *const names[] = {
		"none", "nanosleep", "clock_nanosleep", "poll", "futex_wait"
	};

	return kind < ARRAY_SIZE(names) ? names[kind] : "?";
}

/*
 * The sleep @c of kind @kind across a freeze and a thaw: ends with
 * "done <ret> <err>" within what it had left.
 */
static void sleep_across(struct __test_metadata *_metadata, struct tgt *t,
			 char c, uint32_t kind, long ret, int err)
{
	const char *const inspect[] = { "cryoctl", "inspect", t->img, NULL };
	struct cryoctl_thaw_result res;
	struct cryo_image_sleep s;
	static char out[1 << 17];
	long got_ret, a, b;
	int got_err, r;
	char want[64];
	double start;

	SLEEP_FREEZE(t, c);
	ASSERT_NE(0, image_sleep(t->img, &s));
	EXPECT_EQ(kind, s.kind);
	EXPECT_EQ(t->orig_pid, s.tid);
	EXPECT_LT(0, s.remaining_ns);
	EXPECT_GT((SECS - WAIT + 1) * 1000000000ULL, s.remaining_ns);

	/* inspect shows it with the thread. */
	snprintf(want, sizeof(want), "%s, %llu.", inspect_kind(kind),
		 (unsigned long long)(s.remaining_ns / 1000000000));
	if (!access(cryo_cryoctl_path(), X_OK)) {
		EXPECT_EQ(0, cryo_run_cli(out, sizeof(out), 0, inspect)) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("no \"%s\" in: %s", want, out);
	}

	r = tgt_thaw(t, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	ASSERT_EQ(0, r) TH_LOG("thaw: %s: %s", strerror(-r), res.message);
	ASSERT_LT(0, t->pid);
	start = cryo_now();
	ASSERT_EQ(0, tgt_line(t, SECS + 20)) TH_LOG("%s; log: %s", t->line,
						    tgt_log(t));
	/* Remade with its whole timeout, it would take SECS. */
	EXPECT_GT(SECS - 6, cryo_now() - start) TH_LOG("returned after %.1f s",
						       cryo_now() - start);
	ASSERT_EQ(4, sscanf(t->line, "done %ld %d %ld %ld", &got_ret, &got_err,
			    &a, &b)) TH_LOG("%s", t->line);
	EXPECT_EQ(ret, got_ret);
	EXPECT_EQ(err, got_err);
	/* nanosleep's rmtp: written when the freeze interrupted it, only. */
	if (c == 'n') {
		EXPECT_LE(0, a);
		EXPECT_GE(SECS - WAIT + 1, a);
	}
}

TEST_F_TIMEOUT(slp, nanosleep, 120)
{
	ONLY("nanosleep");
	SPAWN();
	sleep_across(_metadata, T, 'n', CRYO_SLEEP_NANOSLEEP, 0, 0);
	QUIT(0);
}

TEST_F_TIMEOUT(slp, clock_nanosleep, 120)
{
	ONLY("clock_nanosleep");
	SPAWN();
	sleep_across(_metadata, T, 'c', CRYO_SLEEP_CLOCK_NANOSLEEP, 0, 0);
	QUIT(0);
}

TEST_F_TIMEOUT(slp, poll, 120)
{
	ONLY("poll");
	SPAWN();
	sleep_across(_metadata, T, 'p', CRYO_SLEEP_POLL, 0, 0);
	QUIT(0);
}

TEST_F_TIMEOUT(slp, futex_wait, 120)
{
	ONLY("futex_wait");
	SPAWN();
	sleep_across(_metadata, T, 'f', CRYO_SLEEP_FUTEX_WAIT, -1, ETIMEDOUT);
	QUIT(0);
}

/* An absolute deadline is remade as it is: no SLEEP record, same end. */
TEST_F_TIMEOUT(slp, absolute, 120)
{
	struct cryo_image_sleep s;
	long ret, passed, b;
	int err;
	size_t len;
	unsigned char *img;

	ONLY("absolute");
	SPAWN();
	SLEEP_FREEZE(T, 'a');
	img = cryo_slurp(T->img, &len);
	ASSERT_NE(NULL, img);
	EXPECT_EQ(len, image_sleep(T->img, &s));
	free(img);
	THAW();
	ASSERT_EQ(0, tgt_line(T, SECS + 20)) TH_LOG("%s", T->line);
	ASSERT_EQ(4, sscanf(T->line, "done %ld %d %ld %ld", &ret, &err,
			    &passed, &b)) TH_LOG("%s", T->line);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, err);
	EXPECT_EQ(1, passed);
	QUIT(0);
}

/*
 * A freeze that lets the target go on: its sleep continues through
 * restart_syscall(2).  Frozen again there, killed and thawed, the call
 * cannot be told: it returns EINTR at once, not whatever the new
 * thread's restart block would do.
 */
TEST_F_TIMEOUT(slp, restarted, 120)
{
	long ret, a, b;
	int dev, fd, err;
	double start;

	ONLY("restarted");
	SPAWN();
	ASSERT_EQ(0, tgt_cmd(T, 'n')) TH_LOG("%s", T->line);
	ASSERT_EQ(0, strncmp(T->line, "sleeping", 8)) TH_LOG("%s", T->line);
	sleep(2);
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	fd = open(T->img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	/* As tgt_freeze_kill(): the pipes to the test are outside it. */
	ASSERT_EQ(0, cryoctl_freeze(dev, T->pid, CRYO_FREEZE_ACCEPT_LOSS, 0, fd,
				    NULL, NULL));
	close(fd);
	close(dev);
	/* Still asleep: nothing to read yet. */
	EXPECT_NE(0, tgt_line(T, 2)) TH_LOG("%s", T->line);
	ASSERT_EQ(0, tgt_freeze_kill(T));
	THAW();
	start = cryo_now();
	ASSERT_EQ(0, tgt_line(T, SECS + 20)) TH_LOG("%s", T->line);
	EXPECT_GT(SECS - 6, cryo_now() - start);
	ASSERT_EQ(4, sscanf(T->line, "done %ld %d %ld %ld", &ret, &err, &a, &b))
		TH_LOG("%s", T->line);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINTR, err);
	QUIT(0);
}

/* Write @len bytes of @buf as t->img, and thaw it: the thaw's result. */
static int thaw_buf(struct tgt *t, const unsigned char *buf, size_t len,
		    struct cryoctl_thaw_result *res)
{
	if (cryo_write_file(t->img, buf, len))
		return -EIO;
	return tgt_thaw(t, CRYOCTL_THAW_WAIT, NULL, 0, res);
}

/* The index of the record at byte @at of @img. */
static int rec_index(const unsigned char *img, size_t at)
{
	size_t off = 0;
	int i = 0;

	while (off < at) {
		struct cryo_rec r;

		memcpy(&r, img + off, sizeof(r));
		off += sizeof(r) + r.len;
		i++;
	}
	return i;
}

/* In @buf, a copy of the image: @n bytes at @off of the record at @at. */
static void patch(unsigned char *buf, size_t at, size_t off, const void *v,
		  size_t n)
{
	struct cryo_rec r;

	memcpy(buf + at + sizeof(r) + off, v, n);
	memcpy(&r, buf + at, sizeof(r));
	r.crc = cryoctl_record_crc(&r, buf + at + sizeof(r));
	memcpy(buf + at, &r, sizeof(r));
}

/*
 * Each field of a SLEEP record made wrong: EBADMSG naming it; a stack
 * the remaining time cannot be written to: EFAULT.  Nothing is made
 * (before the point of no return).  Then the image itself thaws.
 */
TEST_F_TIMEOUT(slp, malformed, 180)
{
	static const struct {
		size_t off;
		uint64_t v;
		size_t n;
		const char *what;
	} cases[] = {
		{ offsetof(struct cryo_image_sleep, tid), 0x7ffffff0, 4,
		  "another thread's" },
		{ offsetof(struct cryo_image_sleep, kind), 0, 4, "kind 0" },
		{ offsetof(struct cryo_image_sleep, kind), 5, 4, "kind 5" },
		{ offsetof(struct cryo_image_sleep, kind), CRYO_SLEEP_POLL, 4,
		  "poll, for a nanosleep" },
		{ offsetof(struct cryo_image_sleep, kind),
		  CRYO_SLEEP_FUTEX_WAIT, 4, "futex_wait, for a nanosleep" },
		{ offsetof(struct cryo_image_sleep, remaining_ns), 1ULL << 63,
		  8, "2^63 ns" },
	};
	struct cryoctl_thaw_result res;
	unsigned char *img, *buf;
	size_t len, at, th;
	struct cryo_rec r;
	unsigned int i;
	int idx, ret;
	uint64_t sp;
	char name[32];

	ONLY("malformed");
	SPAWN();
	SLEEP_FREEZE(T, 'n');
	img = cryo_slurp(T->img, &len);
	ASSERT_NE(NULL, img);
	buf = malloc(len + sizeof(r) + 64);
	ASSERT_NE(NULL, buf);
	at = cryo_frame_find(img, len, CRYO_REC_SLEEP);
	ASSERT_GT(len, at);
	idx = rec_index(img, at);
	snprintf(name, sizeof(name), "record %d (SLEEP)", idx);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memcpy(buf, img, len);
		patch(buf, at, cases[i].off, &cases[i].v, cases[i].n);
		ret = thaw_buf(T, buf, len, &res);
		EXPECT_EQ(-EBADMSG, ret) TH_LOG("%s: %s", cases[i].what, res.message);
		EXPECT_NE(NULL, strstr(res.message, name))
			TH_LOG("%s: \"%s\" does not name %s", cases[i].what,
			       res.message, name);
		EXPECT_EQ(0, T->pid);
		T->pid = 0;
	}
	/* A record one byte short. */
	memcpy(buf, img, at);
	memcpy(&r, img + at, sizeof(r));
	r.len -= 1;
	memcpy(buf + at + sizeof(r), img + at + sizeof(r), r.len);
	r.crc = cryoctl_record_crc(&r, buf + at + sizeof(r));
	memcpy(buf + at, &r, sizeof(r));
	memcpy(buf + at + sizeof(r) + r.len, img + at + sizeof(r) + r.len + 1,
	       len - at - sizeof(r) - r.len - 1);
	ret = thaw_buf(T, buf, len - 1, &res);
	EXPECT_EQ(-EBADMSG, ret) TH_LOG("short: %s", res.message);
	EXPECT_EQ(0, T->pid);
	T->pid = 0;

	/* Twice: the second one is not right after its THREAD. */
	memcpy(buf, img, at);
	memcpy(buf + at, img + at, sizeof(r) + sizeof(struct cryo_image_sleep));
	memcpy(buf + at + sizeof(r) + sizeof(struct cryo_image_sleep), img + at,
	       len - at);
	ret = thaw_buf(T, buf, len + sizeof(r) + sizeof(struct cryo_image_sleep),
		       &res);
	EXPECT_EQ(-EBADMSG, ret) TH_LOG("twice: %s", res.message);
	EXPECT_EQ(0, T->pid);
	T->pid = 0;

	/* The thread's rsp where nothing is mapped: no room for the time. */
	th = cryo_frame_find(img, len, CRYO_REC_THREAD);
	ASSERT_GT(len, th);
	memcpy(buf, img, len);
	sp = 0x10000;
	patch(buf, th, offsetof(struct cryo_image_thread, regs) +
		       CRYO_REG_RSP * sizeof(uint64_t), &sp, sizeof(sp));
	ret = thaw_buf(T, buf, len, &res);
	EXPECT_EQ(-EFAULT, ret) TH_LOG("rsp: %s", res.message);
	EXPECT_NE(NULL, strstr(res.message, "stack")) TH_LOG("%s", res.message);
	EXPECT_EQ(0, T->pid);
	T->pid = 0;

	/* The image itself thaws, and its sleep ends. */
	ASSERT_EQ(0, thaw_buf(T, img, len, &res)) TH_LOG("%s", res.message);
	ASSERT_LT(0, T->pid);
	ASSERT_EQ(0, tgt_line(T, SECS + 20)) TH_LOG("%s", T->line);
	EXPECT_EQ(0, strncmp(T->line, "done 0 0 ", 9)) TH_LOG("%s", T->line);
	free(buf);
	free(img);
	QUIT(0);
}

TEST_HARNESS_MAIN
