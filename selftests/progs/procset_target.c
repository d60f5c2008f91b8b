// SPDX-License-Identifier: GPL-2.0
/*
 * procset_target: the target of cryo_procset_test, a process with two
 * threads whose scheduling settings, affinity, timer slack and THP
 * setting a thaw must give back.  Each thread reads its own settings
 * (timer slack is only visible to the thread itself).
 *
 * argv[1]:
 *   mixed  the main thread SCHED_BATCH nice 5, the second SCHED_IDLE with
 *          SCHED_RESET_ON_FORK; both on CPU 0 only and with a timer slack
 *          of 123456 ns; PR_SET_THP_DISABLE; the main thread's I/O
 *          priority best-effort level 3, the second's idle; the process's
 *          audit login uid 1234, oom_score_adj 400, child subreaper.
 *   fifo   the main thread SCHED_FIFO priority 10 (needs root) with
 *          RLIMIT_RTPRIO 0, the second left as it was.
 *   iort   the main thread in the real-time I/O class, level 4 (needs
 *          CAP_SYS_NICE or CAP_SYS_ADMIN).
 *
 * Protocol: one-byte commands on fd 0, one-line replies on fd 1.  At
 * start "ready" (or "error <what> <errno>"); 'r': "T0 <policy> <nice>
 * <rt priority> <affinity mask, hex> <timer slack> <thp> <ioprio> T1 ...
 * P <loginuid> <oom_score_adj> <subreaper>" with policy as
 * sched_getscheduler(2) gives it (SCHED_RESET_ON_FORK included) and the
 * I/O priority as ioprio_get(2) does; 'q' <byte> exits with that status.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include "say.h"

#define IOPRIO_WHO_PROCESS	1
#define IOPRIO_VALUE(class, level)	((class) << 13 | (level))
#define IOPRIO_CLASS_RT		1
#define IOPRIO_CLASS_BE		2
#define IOPRIO_CLASS_IDLE	3

static int ioprio_set(int prio)
{
	return syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS,
		       (int)syscall(SYS_gettid), prio);
}

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK	0x40000000
#endif

/* A thread's own view of its settings, as text. */
static void describe(char *buf, size_t size, const char *name)
{
	pid_t tid = syscall(SYS_gettid);
	struct sched_param sp = { 0 };
	unsigned long long mask = 0;
	cpu_set_t set;
	int cpu;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set))
		mask = ~0ULL;
	for (cpu = 0; cpu < 64; cpu++)
		if (CPU_ISSET(cpu, &set))
			mask |= 1ULL << cpu;
	sched_getparam(0, &sp);
	errno = 0;
	snprintf(buf, size, "%s %d %d %d %llx %d %d %d", name,
		 sched_getscheduler(0), getpriority(PRIO_PROCESS, tid),
		 sp.sched_priority, mask, prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0),
		 prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0),
		 (int)syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, (int)tid));
}

/* A number from a /proc/self file, -1 when unreadable. */
static long long proc_num(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* A /proc/self file written with @text: 0 or an errno. */
static int proc_set(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return errno;
	if (fputs(text, f) < 0)
		err = errno;
	if (fclose(f) && !err)
		err = errno;
	return err;
}

/* The second thread: set up, then describe itself on request. */
static int req[2], rep[2];
static char second[256];
static const char *mode;
static int setup_err;

static int pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set) ||
	    prctl(PR_SET_TIMERSLACK, 123456, 0, 0, 0))
		return errno;
	return 0;
}

static void *second_thread(void *arg)
{
	struct sched_param sp = { 0 };
	char c;

	if (!strcmp(mode, "mixed") &&
	    (sched_setscheduler(0, SCHED_IDLE | SCHED_RESET_ON_FORK, &sp) ||
	     pin_cpu0() || ioprio_set(IOPRIO_VALUE(IOPRIO_CLASS_IDLE, 0))))
		setup_err = errno ?: EINVAL;
	if (write(rep[1], "s", 1) != 1)
		_exit(98);
	for (;;) {
		ssize_t n = read(req[0], &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1)
			_exit(97);
		describe(second, sizeof(second), "T1");
		if (write(rep[1], "d", 1) != 1)
			_exit(98);
	}
	return NULL;
}

/* One byte from @fd, restarting after a signal (a thaw may bring one). */
static int get_byte(int fd, char *c)
{
	ssize_t n;

	do
		n = read(fd, c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sched_param sp = { 0 };
	char first[256], c;
	pthread_t th;
	int sub = 0;

	mode = argc > 1 ? argv[1] : "mixed";
	if (pipe(req) || pipe(rep)) {
		say("error pipe %d", errno);
		return 1;
	}
	if (!strcmp(mode, "mixed")) {
		if (sched_setscheduler(0, SCHED_BATCH, &sp) ||
		    setpriority(PRIO_PROCESS, syscall(SYS_gettid), 5) ||
		    pin_cpu0() || prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) ||
		    ioprio_set(IOPRIO_VALUE(IOPRIO_CLASS_BE, 3)) ||
		    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) {
			say("error main %d", errno);
			return 1;
		}
		errno = proc_set("/proc/self/loginuid", "1234") ?:
			proc_set("/proc/self/oom_score_adj", "400");
		if (errno) {
			say("error proc %d", errno);
			return 1;
		}
	}
	if (!strcmp(mode, "iort") &&
	    ioprio_set(IOPRIO_VALUE(IOPRIO_CLASS_RT, 4))) {
		say("error iort %d", errno);
		return 1;
	}
	if (pthread_create(&th, NULL, second_thread, NULL) ||
	    get_byte(rep[0], &c)) {
		say("error thread %d", errno);
		return 1;
	}
	if (setup_err) {
		say("error second %d", setup_err);
		return 1;
	}
	/* After the thread: it would inherit a real-time policy. */
	if (!strcmp(mode, "fifo")) {
		/* Root needs no RLIMIT_RTPRIO; a user thawing it gets none. */
		struct rlimit none = { 0, 0 };

		sp.sched_priority = 10;
		if (setrlimit(RLIMIT_RTPRIO, &none) ||
		    sched_setscheduler(0, SCHED_FIFO, &sp)) {
			say("error fifo %d", errno);
			return 1;
		}
	}
	say("ready");
	for (;;) {
		if (get_byte(0, &c))
			return 2;
		switch (c) {
		case 'r':
			if (write(req[1], "r", 1) != 1 || get_byte(rep[0], &c))
				return 3;
			describe(first, sizeof(first), "T0");
			prctl(PR_GET_CHILD_SUBREAPER, &sub, 0, 0, 0);
			say("%s %s P %lld %lld %d", first, second,
			    proc_num("/proc/self/loginuid"),
			    proc_num("/proc/self/oom_score_adj"), sub);
			break;
		case 'q':
			if (get_byte(0, &c))
				return 2;
			return (unsigned char)c;
		default:
			say("unknown %c", c);
			break;
		}
	}
}
