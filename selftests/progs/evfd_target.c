// SPDX-License-Identifier: GPL-2.0
/*
 * evfd_target DIR [alarm|cancel]: a parent and a child holding eventfds,
 * a signalfd and timerfds, for cryo_evfd_test.  The parent holds:
 *   fd 10  eventfd, EFD_NONBLOCK, count 0xfedcba9876543210
 *   fd 11  eventfd, EFD_SEMAPHORE, count 3
 *   fd 12  eventfd, count 0, shared with the child (inherited)
 *   fd 13  signalfd of SIGUSR1, SFD_NONBLOCK; SIGUSR1 and SIGUSR2 are
 *          blocked, and both pending (raised before "ready")
 *   fd 14  timerfd, CLOCK_MONOTONIC, every 50 ms, never read: it has
 *          expired by "ready"
 *   fd 15  timerfd, CLOCK_MONOTONIC, disarmed, 7 ticks unread
 *          (TFD_IOC_SET_TICKS)
 *   fd 16  timerfd, CLOCK_REALTIME, TFD_TIMER_ABSTIME, TFD_NONBLOCK,
 *          expiring an hour after the start: "abs" holds that time (s)
 *   fd 17  with "alarm", a timerfd on CLOCK_BOOTTIME_ALARM; with
 *          "cancel", one armed with TFD_TIMER_CANCEL_ON_SET
 * Then "child.ready" and "ready".  On "check" the child writes 5 into
 * fd 12 ("child.wrote"), and the parent reads everything back into
 * "result", a line "NAME VALUE" each; on "stop" both exit 0.
 */
#define TARGET_NAME "evfd_target"
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>

#include "target_util.h"

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS	_IOW('T', 0, uint64_t)
#endif

static void at(int fd, int want)
{
	if (fd < 0)
		die(3, "fd %d: %s", want, strerror(errno));
	if (fd != want && (dup2(fd, want) != want || close(fd)))
		die(3, "dup2 %d: %s", want, strerror(errno));
}

static void wr(int fd, uint64_t v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		die(3, "write fd %d: %s", fd, strerror(errno));
}

/* One read of a u64 from @fd: its value, or -errno as a negative. */
static long long rd(int fd, uint64_t *v)
{
	ssize_t n = read(fd, v, sizeof(*v));

	return n == sizeof(*v) ? 0 : -errno;
}

int main(int argc, char **argv)
{
	struct itimerspec its = { 0 };
	char res[2048];
	size_t len = 0;
	uint64_t v, ticks = 7;
	struct signalfd_siginfo si;
	struct timespec now;
	sigset_t mask;
	pid_t child;
	int status, i;
	long long r;

	if (argc < 2)
		die(2, "usage: evfd_target DIR [alarm|cancel]");
	dir = argv[1];
	at(eventfd(0, EFD_NONBLOCK), 10);
	wr(10, 0xfedcba9876543210ULL);
	at(eventfd(3, EFD_SEMAPHORE), 11);
	at(eventfd(0, 0), 12);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigdelset(&mask, SIGUSR2);
	at(signalfd(-1, &mask, SFD_NONBLOCK), 13);
	at(timerfd_create(CLOCK_MONOTONIC, 0), 14);
	its.it_value.tv_nsec = 50000000;
	its.it_interval.tv_nsec = 50000000;
	if (timerfd_settime(14, 0, &its, NULL))
		die(3, "timerfd_settime 14: %s", strerror(errno));
	at(timerfd_create(CLOCK_MONOTONIC, 0), 15);
	if (ioctl(15, TFD_IOC_SET_TICKS, &ticks))
		die(3, "TFD_IOC_SET_TICKS: %s", strerror(errno));
	at(timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK), 16);
	clock_gettime(CLOCK_REALTIME, &now);
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = now.tv_sec + 3600;
	if (timerfd_settime(16, TFD_TIMER_ABSTIME, &its, NULL))
		die(3, "timerfd_settime 16: %s", strerror(errno));
	if (argc > 2 && !strcmp(argv[2], "alarm")) {
		at(timerfd_create(CLOCK_BOOTTIME_ALARM, 0), 17);
	} else if (argc > 2 && !strcmp(argv[2], "cancel")) {
		at(timerfd_create(CLOCK_REALTIME, 0), 17);
		if (timerfd_settime(17, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
				    &its, NULL))
			die(3, "timerfd_settime 17: %s", strerror(errno));
	}
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR2);
	/* The periodic timer has expired once, unread. */
	{
		struct pollfd p = { .fd = 14, .events = POLLIN };

		while (poll(&p, 1, -1) != 1)
			;
	}
	child = fork();
	if (child < 0)
		die(3, "fork: %s", strerror(errno));
	if (!child) {
		put("child.ready", "%d\n", (int)getpid());
		wait_file("check");
		wr(12, 5);
		put("child.wrote", "1\n");
		wait_file("stop");
		_exit(0);
	}
	wait_file("child.ready");
	put("abs", "%lld\n", (long long)its.it_value.tv_sec);
	put("ready", "%d\n", (int)getpid());
	wait_file("check");

#define OUT(...) (len += snprintf(res + len, sizeof(res) - len, __VA_ARGS__))
	r = rd(10, &v);
	OUT("big %lld %lld\n", r, (long long)v);
	r = rd(10, &v);
	OUT("big_again %lld\n", r);
	for (i = 0; i < 3; i++) {
		r = rd(11, &v);
		OUT("sem%d %lld %llu\n", i, r, (unsigned long long)v);
	}
	/* A fourth would block: look without reading. */
	{
		struct pollfd p = { .fd = 11, .events = POLLIN };

		OUT("sem_left %d\n", poll(&p, 1, 0));
	}
	wait_file("child.wrote");
	r = rd(12, &v);
	OUT("shared %lld %llu\n", r, (unsigned long long)v);
	r = read(13, &si, sizeof(si)) == sizeof(si) ? 0 : -errno;
	OUT("sig %lld %u\n", r, r ? 0 : si.ssi_signo);
	r = read(13, &si, sizeof(si)) == sizeof(si) ? 0 : -errno;
	OUT("sig_again %lld\n", r);
	sigpending(&mask);
	OUT("usr2_pending %d\n", sigismember(&mask, SIGUSR2));
	OUT("fl13 %d\n", !!(fcntl(13, F_GETFL) & O_NONBLOCK));
	r = rd(14, &v);
	OUT("periodic %lld %llu\n", r, (unsigned long long)v);
	r = rd(14, &v);
	OUT("periodic_again %lld %llu\n", r, (unsigned long long)v);
	timerfd_gettime(14, &its);
	OUT("periodic_interval %lld\n",
	    (long long)its.it_interval.tv_sec * 1000000000LL + its.it_interval.tv_nsec);
	r = rd(15, &v);
	OUT("ticks %lld %llu\n", r, (unsigned long long)v);
	timerfd_gettime(16, &its);
	clock_gettime(CLOCK_REALTIME, &now);
	OUT("abs_expiry %lld\n", (long long)(now.tv_sec + its.it_value.tv_sec +
					    (now.tv_nsec + its.it_value.tv_nsec) / 1000000000));
	OUT("abs_interval %lld\n", (long long)its.it_interval.tv_sec);
	r = rd(16, &v);
	OUT("abs_read %lld\n", r);
	OUT("fl10 %d fl16 %d fl11 %d\n", !!(fcntl(10, F_GETFL) & O_NONBLOCK),
	    !!(fcntl(16, F_GETFL) & O_NONBLOCK), !!(fcntl(11, F_GETFL) & O_NONBLOCK));
	put("result", "%s", res);
	wait_file("stop");
	if (waitpid(child, &status, 0) != child)
		die(3, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die(4, "child ended with status 0x%x", status);
	return 0;
}
