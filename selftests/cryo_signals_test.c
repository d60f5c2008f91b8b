// SPDX-License-Identifier: GPL-2.0
/*
 * Queued signals with their siginfo (SIGINFO records, image format 2.8):
 * freeze -> kill -> thaw, then the restored process's own SA_SIGINFO
 * handlers say what they get once it unblocks the signals.  The target
 * is selftests/progs/signals_target.c.
 *
 *  - queued: a real-time signal sigqueue()d by the test with value 42,
 *    three instances of another with values 1, 2, 3, a SIGUSR1 with
 *    value 9 and an expired POSIX timer's signal (sigev value 7), all
 *    pending on the process, plus one sigqueue()d to thread B alone:
 *    each comes back with its si_code, the sender's pid and its value,
 *    in order, the thread's to that thread only.
 *  - too_many: more than CRYO_IMAGE_MAX_SIGINFO queued refuses the
 *    freeze, naming the process (CRYO_REFUSAL_SIGQUEUE); with
 *    ACCEPT_LOSS the image holds that many, and they all come back.
 *  - malformed: a SIGINFO record with each field wrong is refused with
 *    EBADMSG naming it, before the point of no return.
 *  - timers: POSIX timers (an id gap, SIGEV_SIGNAL with a value,
 *    SIGEV_THREAD_ID, SIGEV_NONE) and ITIMER_PROF and ITIMER_VIRTUAL
 *    come back with their ids and intervals and keep firing, each
 *    signal with its value, into its thread (POSIX_TIMER, CPU_ITIMERS,
 *    image format 2.9).
 *  - malformed_timers: those records with each field wrong: EBADMSG.
 *  - timers_refused: a timer on a CPU-time clock, one of id 1024: the
 *    freeze refused naming each, the target running on.
 *
 * Set CRYO_SIGNALS_ONLY=name to run one test.  No timed assertions: the
 * waits are for things to happen, with generous limits.
 */
#include <signal.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"

#define ONLY(name) do {							\
		const char *__o = getenv("CRYO_SIGNALS_ONLY");		\
									\
		if (__o && *__o && strcmp(__o, name))			\
			SKIP(return, "CRYO_SIGNALS_ONLY=%s", __o);	\
	} while (0)

FIXTURE(sig) {
	struct tgt t;
};

FIXTURE_SETUP(sig)
{
	self->t.cmd = self->t.rep = -1;
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, tgt_init(&self->t, "signals")) TH_LOG("scratch dir: %s",
							    strerror(errno));
}

FIXTURE_TEARDOWN(sig)
{
	EXPECT_EQ(0, tgt_fini(&self->t)) TH_LOG("%s", self->t.end);
}

#define T (&self->t)

#define SPAWN() do {							\
		const char *const __argv[] = { "signals_target", NULL };	\
		const char *__path = cryo_prog("signals_target");	\
									\
		ASSERT_EQ(0, access(__path, X_OK)) TH_LOG("%s: %s", __path, \
							  strerror(errno)); \
		ASSERT_EQ(0, tgt_spawn(T, __path, __argv, NULL, 0));	\
		ASSERT_EQ(0, tgt_line(T, TGT_TIMEOUT))			\
			TH_LOG("did not start: %s; log: %s", T->line,	\
			       tgt_log(T));				\
		ASSERT_EQ(0, strncmp(T->line, "ready", 5)) TH_LOG("%s", T->line); \
	} while (0)

#define FREEZE() do {							\
		int __r = tgt_freeze_kill(T);				\
									\
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

#define CMD(c, prefix) do {						\
		ASSERT_EQ(0, tgt_cmd(T, c))				\
			TH_LOG("'%c': %s; log: %s", c, T->line, tgt_log(T)); \
		ASSERT_EQ(0, strncmp(T->line, prefix, strlen(prefix)))	\
			TH_LOG("'%c': \"%s\"; log: %s", c, T->line, tgt_log(T)); \
	} while (0)

#define QUIT(code) do {							\
		int __st;						\
									\
		ASSERT_EQ(0, tgt_quit(T, code));			\
		ASSERT_EQ(T->pid, wait_timeout(T->pid, &__st, TGT_TIMEOUT)); \
		EXPECT_TRUE(WIFEXITED(__st)) TH_LOG("status %#x", __st); \
		T->pid = 0;						\
	} while (0)

#define BIT(sig)	(1ULL << ((sig) - 1))

struct ent {
	int sig, code, pid, value, tid;
};

/* "log <n> <sig>:<code>:<pid>:<value>:<tid>..." into @e; returns n or -1. */
static int parse_log(const char *line, struct ent *e, int max)
{
	const char *p;
	int n, i, used;

	if (sscanf(line, "log %d%n", &n, &used) != 1)
		return -1;
	p = line + used;
	for (i = 0; i < n && i < max; i++) {
		if (sscanf(p, " %d:%d:%d:%d:%d%n", &e[i].sig, &e[i].code,
			   &e[i].pid, &e[i].value, &e[i].tid, &used) != 5)
			break;
		p += used;
	}
	return n;
}

static int tgsigqueue(pid_t pid, pid_t tid, int sig, int value)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = value;
	return syscall(SYS_rt_tgsigqueueinfo, pid, tid, sig, &si);
}

static uint64_t task_status_mask(pid_t pid, pid_t tid, const char *key)
{
	char path[96], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
		return ~0ULL;
	p = strstr(buf, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : ~0ULL;
}

TEST_F_TIMEOUT(sig, queued, 120)
{
	int rt1 = SIGRTMIN + 1, rt2 = SIGRTMIN + 2, rt3 = SIGRTMIN + 3;
	int rt4 = SIGRTMIN + 4, tids[8], b, n, i;
	uint64_t shd;
	struct ent e[16];

	ONLY("queued");
	SPAWN();
	ASSERT_EQ(1, sscanf(T->line, "ready %d", &b));
	ASSERT_EQ(0, sigqueue(T->pid, SIGUSR1, (union sigval){ .sival_int = 9 }));
	ASSERT_EQ(0, sigqueue(T->pid, rt1, (union sigval){ .sival_int = 42 }));
	for (i = 1; i <= 3; i++)
		ASSERT_EQ(0, sigqueue(T->pid, rt2, (union sigval){ .sival_int = i }));
	ASSERT_EQ(0, tgsigqueue(T->pid, b, rt3, 5));
	shd = BIT(SIGUSR1) | BIT(rt1) | BIT(rt2) | BIT(rt4);
	EXPECT_EQ(shd, cryo_status_mask(T->pid, "ShdPnd:"));
	EXPECT_EQ(BIT(rt3), task_status_mask(T->pid, b, "SigPnd:"));
	CMD('l', "log ");
	ASSERT_EQ(0, parse_log(T->line, e, 16)) TH_LOG("%s", T->line);

	FREEZE();
	THAW();
	ASSERT_EQ(2, cryo_tids(T->pid, tids, 8));
	b = tids[0] == T->pid ? tids[1] : tids[0];

	/* Nothing delivered at the thaw; every queue as it was. */
	EXPECT_EQ(shd, cryo_status_mask(T->pid, "ShdPnd:"));
	EXPECT_EQ(BIT(rt3), task_status_mask(T->pid, b, "SigPnd:"));
	EXPECT_EQ(0, task_status_mask(T->pid, T->pid, "SigPnd:"));
	CMD('l', "log ");
	EXPECT_EQ(0, parse_log(T->line, e, 16)) TH_LOG("%s", T->line);

	/* Unblocked: each instance, in order, with its siginfo. */
	CMD('u', "log ");
	n = parse_log(T->line, e, 16);
	ASSERT_EQ(6, n) TH_LOG("%s", T->line);
	EXPECT_EQ(SIGUSR1, e[0].sig);
	EXPECT_EQ(SI_QUEUE, e[0].code);
	EXPECT_EQ(getpid(), e[0].pid);
	EXPECT_EQ(9, e[0].value);
	EXPECT_EQ(rt1, e[1].sig);
	EXPECT_EQ(SI_QUEUE, e[1].code);
	EXPECT_EQ(getpid(), e[1].pid);
	EXPECT_EQ(42, e[1].value);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(rt2, e[2 + i].sig);
		EXPECT_EQ(SI_QUEUE, e[2 + i].code);
		EXPECT_EQ(getpid(), e[2 + i].pid);
		EXPECT_EQ(i + 1, e[2 + i].value) TH_LOG("instance %d", i);
	}
	EXPECT_EQ(rt4, e[5].sig);
	EXPECT_EQ(SI_TIMER, e[5].code);
	EXPECT_EQ(7, e[5].value);
	for (i = 0; i < n; i++)
		EXPECT_EQ(T->pid, e[i].tid) TH_LOG("entry %d", i);
	EXPECT_EQ(0, cryo_status_mask(T->pid, "ShdPnd:"));

	/* The thread's own: still B's, to B when B unblocks it. */
	EXPECT_EQ(BIT(rt3), task_status_mask(T->pid, b, "SigPnd:"));
	CMD('U', "log ");
	n = parse_log(T->line, e, 16);
	ASSERT_EQ(7, n) TH_LOG("%s", T->line);
	EXPECT_EQ(rt3, e[6].sig);
	EXPECT_EQ(SI_QUEUE, e[6].code);
	EXPECT_EQ(getpid(), e[6].pid);
	EXPECT_EQ(5, e[6].value);
	EXPECT_EQ(b, e[6].tid);
	QUIT(0);
}

/* More than an image holds: refused by name; with ACCEPT_LOSS, the limit. */
TEST_F_TIMEOUT(sig, too_many, 180)
{
	struct cryoctl_freeze_result res = { .size = sizeof(res) };
	struct rlimit rl = { 20000, 20000 }, old;
	int dev, fd, ret, i, n, rt1 = SIGRTMIN + 1;
	struct ent e[4];

	ONLY("too_many");
	ASSERT_EQ(0, getrlimit(RLIMIT_SIGPENDING, &old));
	/* The target inherits it: the queue holds more than the limit. */
	ASSERT_EQ(0, setrlimit(RLIMIT_SIGPENDING, &rl));
	SPAWN();
	ASSERT_EQ(0, setrlimit(RLIMIT_SIGPENDING, &old));
	for (i = 0; i < CRYO_IMAGE_MAX_SIGINFO + 1; i++)
		ASSERT_EQ(0, sigqueue(T->pid, rt1, (union sigval){ .sival_int = i }))
			TH_LOG("signal %d: %s", i, strerror(errno));

	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	fd = open(T->img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ret = cryoctl_freeze_ex(dev, T->pid, CRYO_FREEZE_KILL, 0, fd, NULL,
				NULL, &res);
	close(fd);
	close(dev);
	EXPECT_EQ(-EOPNOTSUPP, ret);
	EXPECT_EQ(CRYO_REFUSAL_SIGQUEUE, res.refusal);
	EXPECT_EQ(T->pid, res.refusal_id);
	/* Resumed untouched: it answers, nothing delivered. */
	CMD('l', "log ");
	EXPECT_EQ(0, parse_log(T->line, e, 4));

	FREEZE();	/* with ACCEPT_LOSS */
	THAW();
	CMD('u', "log ");
	n = parse_log(T->line, e, 4);
	/* The timer's signal came first, then the first 4095 of the 4097. */
	EXPECT_EQ(CRYO_IMAGE_MAX_SIGINFO, n) TH_LOG("%s", T->line);
	EXPECT_EQ(rt1, e[0].sig);
	EXPECT_EQ(0, e[0].value);
	EXPECT_EQ(1, e[1].value);
	QUIT(0);
}

/* Freeze without ACCEPT_LOSS: the refusal, and the target resumed. */
static int freeze_refused(struct tgt *t, struct cryoctl_freeze_result *res)
{
	int dev, fd, ret;

	memset(res, 0, sizeof(*res));
	res->size = sizeof(*res);
	dev = cryoctl_open();
	if (dev < 0)
		return dev;
	fd = open(t->img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		close(dev);
		return -errno;
	}
	ret = cryoctl_freeze_ex(dev, t->pid, CRYO_FREEZE_KILL, 0, fd, NULL,
				NULL, res);
	close(fd);
	close(dev);
	return ret;
}

/*
 * A timer on a CPU-time clock, then one of id 1024: refused by name, not
 * lost; the target goes on untouched.
 */
TEST_F_TIMEOUT(sig, timers_refused, 120)
{
	struct cryoctl_freeze_result res;

	ONLY("timers_refused");
	SPAWN();
	CMD('K', "cpu 1");
	EXPECT_EQ(-EOPNOTSUPP, freeze_refused(T, &res));
	EXPECT_EQ(CRYO_REFUSAL_POSIX_TIMER_CLOCK, res.refusal);
	EXPECT_EQ(1, res.refusal_id);
	EXPECT_EQ(T->pid, res.refusal_pid);
	CMD('k', "far 1024");
	EXPECT_EQ(-EOPNOTSUPP, freeze_refused(T, &res));
	EXPECT_EQ(CRYO_REFUSAL_POSIX_TIMER_LIMIT, res.refusal);
	EXPECT_EQ(1024, res.refusal_id);
	EXPECT_EQ(T->pid, res.refusal_pid);
	CMD('p', "pid ");
	QUIT(0);
}

/* The target's 'c' answer, checked: every timer fires as it should. */
#define COUNTS() do {							\
		int __c[14] = { 0 };					\
		long __iv2 = 0, __iv1 = 0;				\
									\
		CMD('c', "counts ");					\
		ASSERT_EQ(14, sscanf(T->line,				\
			"counts %d %d %d %d %d %d %d %d %ld %ld %d %d %d %d", \
			&__c[0], &__c[1], &__c[2], &__c[3], &__c[4],	\
			&__c[5], &__c[6], &__c[7], &__iv2, &__iv1,	\
			&__c[10], &__c[11], &__c[12], &__c[13]))	\
			TH_LOG("%s", T->line);				\
		EXPECT_EQ(1, __c[0]) TH_LOG("timer 2 stopped: %s", T->line); \
		EXPECT_EQ(1, __c[1]) TH_LOG("timer 4 stopped: %s", T->line); \
		EXPECT_EQ(1, __c[2]) TH_LOG("ITIMER_PROF stopped: %s", T->line); \
		EXPECT_EQ(1, __c[3]) TH_LOG("ITIMER_VIRTUAL stopped: %s", T->line); \
		EXPECT_EQ(7, __c[4]);		/* SIGUSR2's sigev value */ \
		EXPECT_EQ(2, __c[5]);		/* from timer 2 */	\
		EXPECT_EQ(11, __c[6]);		/* SIGRTMIN+5's */	\
		EXPECT_EQ(0, __c[7]);		/* all in thread B */	\
		EXPECT_EQ(20000000, __iv2);				\
		EXPECT_EQ(10000000000L, __iv1);				\
		EXPECT_EQ(1, __c[10]);		/* timer 1 still armed */ \
		EXPECT_EQ(EINVAL, __c[11]);	/* the gap stays one */	\
		EXPECT_EQ(10000, __c[12]);				\
		EXPECT_EQ(10000, __c[13]);				\
	} while (0)

/*
 * POSIX timers (ids 0, 1, 2 and 4: 3 was deleted) and ITIMER_PROF and
 * ITIMER_VIRTUAL: after freeze -> kill -> thaw the same ids exist with
 * the same intervals, the periodic ones keep firing with their sigev
 * values, the SIGEV_THREAD_ID one into the same thread, the SIGEV_NONE
 * one is still armed, and the gap is still one.
 */
TEST_F_TIMEOUT(sig, timers, 180)
{
	ONLY("timers");
	SPAWN();
	CMD('T', "timers 1 2 4");
	COUNTS();
	FREEZE();
	THAW();
	COUNTS();
	COUNTS();
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

/*
 * Each field of a SIGINFO record made wrong: EBADMSG naming the record,
 * before the point of no return (nothing made, nothing left).  Then
 * the image itself thaws.
 */
TEST_F_TIMEOUT(sig, malformed, 180)
{
	static const struct {
		size_t off;
		int32_t v;
		const char *what;
	} cases[] = {
		{ offsetof(struct cryo_image_siginfo, signo), 0, "signal 0" },
		{ offsetof(struct cryo_image_siginfo, signo), 65, "signal 65" },
		{ offsetof(struct cryo_image_siginfo, signo), SIGKILL, "SIGKILL" },
		{ offsetof(struct cryo_image_siginfo, signo), SIGSTOP, "SIGSTOP" },
		{ offsetof(struct cryo_image_siginfo, tid), -1, "thread -1" },
		{ offsetof(struct cryo_image_siginfo, tid), 0x7ffffff0,
		  "a thread not in the image" },
		{ offsetof(struct cryo_image_siginfo, __reserved), 1, "reserved" },
		{ offsetof(struct cryo_image_siginfo, __pad), 1, "pad" },
	};
	struct cryoctl_thaw_result res;
	unsigned char *img, *buf;
	size_t len, at;
	struct cryo_rec r;
	unsigned int i;
	int idx, ret;
	char name[32];

	ONLY("malformed");
	SPAWN();
	ASSERT_EQ(0, sigqueue(T->pid, SIGRTMIN + 1, (union sigval){ .sival_int = 42 }));
	FREEZE();
	img = cryo_slurp(T->img, &len);
	ASSERT_NE(NULL, img);
	buf = malloc(len + sizeof(r) + 64);
	ASSERT_NE(NULL, buf);
	at = cryo_frame_find(img, len, CRYO_REC_SIGINFO);
	ASSERT_GT(len, at);
	idx = rec_index(img, at);
	snprintf(name, sizeof(name), "record %d (SIGINFO)", idx);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memcpy(buf, img, len);
		memcpy(buf + at + sizeof(r) + cases[i].off, &cases[i].v,
		       sizeof(cases[i].v));
		memcpy(&r, buf + at, sizeof(r));
		r.crc = cryoctl_record_crc(&r, buf + at + sizeof(r));
		memcpy(buf + at, &r, sizeof(r));
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

	/* The image itself thaws, the signal with it. */
	ASSERT_EQ(0, thaw_buf(T, img, len, &res)) TH_LOG("%s", res.message);
	ASSERT_LT(0, T->pid);
	EXPECT_EQ(BIT(SIGRTMIN + 1) | BIT(SIGRTMIN + 4),
		  cryo_status_mask(T->pid, "ShdPnd:"));
	free(buf);
	free(img);
	QUIT(0);
}

/* Offset of the @n-th record of type @type in @img, @len when none. */
static size_t nth_frame(const unsigned char *img, size_t len, uint32_t type,
			unsigned int n)
{
	size_t off = 0;

	while (off + sizeof(struct cryo_rec) <= len) {
		struct cryo_rec r;

		memcpy(&r, img + off, sizeof(r));
		if (r.len > CRYO_REC_MAX_LEN)
			break;
		if (r.type == type && !n--)
			return off;
		off += sizeof(r) + r.len;
	}
	return len;
}

/*
 * Each field of the POSIX_TIMER and CPU_ITIMERS records made wrong:
 * EBADMSG naming the record, before the point of no return.  Then the
 * image itself thaws, its timers firing.
 */
TEST_F_TIMEOUT(sig, malformed_timers, 240)
{
	static const struct {
		uint32_t type;
		unsigned int nth;	/* which record of the type */
		size_t off;
		int32_t v;
		const char *what;
	} cases[] = {
#define PT(f) CRYO_REC_POSIX_TIMER, 0, offsetof(struct cryo_image_posix_timer, f)
		{ PT(id), -1, "id -1" },
		{ PT(id), CRYO_IMAGE_MAX_POSIX_TIMER_ID + 1, "id too large" },
		{ CRYO_REC_POSIX_TIMER, 1, 0, 0, "ids out of order" },
		{ PT(clock), 2, "a CPU-time clock" },
		{ PT(clock), 99, "clock 99" },
		{ PT(notify), 3, "sigev_notify 3" },
		{ PT(signo), 0, "signal 0" },
		{ PT(signo), 65, "signal 65" },
		{ PT(tid), 1, "a thread without SIGEV_THREAD_ID" },
		{ CRYO_REC_POSIX_TIMER, 3, offsetof(struct cryo_image_posix_timer, tid),
		  0x7ffffff0, "a thread not in the image" },
		{ PT(__reserved), 1, "reserved" },
		{ PT(value_ns) + 4, 0x7fffffff, "value of centuries" },
		{ PT(interval_ns) + 4, 0x7fffffff, "interval of centuries" },
#undef PT
		{ CRYO_REC_CPU_ITIMERS, 0,
		  offsetof(struct cryo_image_cpu_itimers, prof_value_ns) + 4,
		  0x7fffffff, "ITIMER_PROF of centuries" },
		{ CRYO_REC_CPU_ITIMERS, 0,
		  offsetof(struct cryo_image_cpu_itimers, virt_interval_ns) + 4,
		  0x7fffffff, "ITIMER_VIRTUAL of centuries" },
	};
	struct cryoctl_thaw_result res;
	unsigned char *img, *buf;
	struct cryo_rec r;
	unsigned int i;
	size_t len, at;
	char name[40];
	int ret;

	ONLY("malformed_timers");
	SPAWN();
	CMD('T', "timers 1 2 4");
	FREEZE();
	img = cryo_slurp(T->img, &len);
	ASSERT_NE(NULL, img);
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	/* Timers 0, 1, 2 and 4, then the itimers. */
	ASSERT_GT(len, nth_frame(img, len, CRYO_REC_POSIX_TIMER, 3));
	ASSERT_EQ(len, nth_frame(img, len, CRYO_REC_POSIX_TIMER, 4));
	ASSERT_GT(len, nth_frame(img, len, CRYO_REC_CPU_ITIMERS, 0));

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		at = nth_frame(img, len, cases[i].type, cases[i].nth);
		ASSERT_GT(len, at);
		snprintf(name, sizeof(name), "record %d (%s)", rec_index(img, at),
			 cases[i].type == CRYO_REC_CPU_ITIMERS ? "CPU_ITIMERS" :
			 "POSIX_TIMER");
		memcpy(buf, img, len);
		memcpy(buf + at + sizeof(r) + cases[i].off, &cases[i].v,
		       sizeof(cases[i].v));
		memcpy(&r, buf + at, sizeof(r));
		r.crc = cryoctl_record_crc(&r, buf + at + sizeof(r));
		memcpy(buf + at, &r, sizeof(r));
		ret = thaw_buf(T, buf, len, &res);
		EXPECT_EQ(-EBADMSG, ret) TH_LOG("%s: %s", cases[i].what, res.message);
		EXPECT_NE(NULL, strstr(res.message, name))
			TH_LOG("%s: \"%s\" does not name %s", cases[i].what,
			       res.message, name);
		EXPECT_EQ(0, T->pid);
		T->pid = 0;
	}

	/* The image itself thaws, its timers with it. */
	ASSERT_EQ(0, thaw_buf(T, img, len, &res)) TH_LOG("%s", res.message);
	ASSERT_LT(0, T->pid);
	COUNTS();
	free(buf);
	free(img);
	QUIT(0);
}

TEST_HARNESS_MAIN
