// SPDX-License-Identifier: GPL-2.0
/*
 * sleep_target: the target of cryo_sleep_test.  On a command it starts
 * one sleep with a long timeout in its only thread; the test freezes it
 * midway, kills it and thaws it, and the target says how the call ended.
 *
 * Protocol as thaw_target's: one-byte commands on fd 0, reply lines on
 * fd 1.  At start it says "ready".  Each sleep command first replies
 * "sleeping <secs>" (the timeout), then makes the call, then replies
 * "done <ret> <errno> <a> <b>": the call's return value, errno when it
 * failed, and for nanosleep the rmtp it passed (seconds, nanoseconds:
 * -1 -1 when the kernel never wrote it), for the absolute sleep whether
 * CLOCK_MONOTONIC had passed its deadline when it returned (1 or 0) and
 * 0.
 *
 *   'n'  nanosleep(SECS, &rmtp)
 *   'c'  clock_nanosleep(CLOCK_MONOTONIC, 0, SECS, NULL)
 *   'a'  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, now + SECS)
 *   'p'  poll(NULL, 0, SECS * 1000)
 *   'f'  futex(FUTEX_WAIT_PRIVATE) on a word nobody wakes, SECS relative
 *   'q' <byte>: exit with that status.
 *
 * The calls are made with syscall(2) so that libc neither restarts nor
 * converts them.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

/* Long enough that "the remaining time" and "all of it" differ widely. */
#define SECS	20

static void reply(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	if (write(1, buf, n) != n)
		_exit(2);
}

int main(void)
{
	static unsigned int word;
	struct timespec ts, rem, now;
	long ret;
	char c;

	reply("ready");
	for (;;) {
		ssize_t n = read(0, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		memset(&ts, 0, sizeof(ts));
		ts.tv_sec = SECS;
		rem.tv_sec = rem.tv_nsec = -1;
		switch (c) {
		case 'n':
			reply("sleeping %d", SECS);
			ret = syscall(SYS_nanosleep, &ts, &rem);
			reply("done %ld %d %ld %ld", ret, ret ? errno : 0,
			      (long)rem.tv_sec, rem.tv_nsec);
			break;
		case 'c':
			reply("sleeping %d", SECS);
			ret = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0,
				      &ts, NULL);
			reply("done %ld %d 0 0", ret, ret ? errno : 0);
			break;
		case 'a':
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += SECS;
			reply("sleeping %d", SECS);
			ret = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC,
				      TIMER_ABSTIME, &ts, NULL);
			clock_gettime(CLOCK_MONOTONIC, &now);
			reply("done %ld %d %d 0", ret, ret ? errno : 0,
			      now.tv_sec > ts.tv_sec ||
			      (now.tv_sec == ts.tv_sec &&
			       now.tv_nsec >= ts.tv_nsec));
			break;
		case 'p':
			reply("sleeping %d", SECS);
			ret = syscall(SYS_poll, NULL, 0, SECS * 1000);
			reply("done %ld %d 0 0", ret, ret ? errno : 0);
			break;
		case 'f':
			reply("sleeping %d", SECS);
			ret = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0,
				      &ts, NULL, 0);
			reply("done %ld %d 0 0", ret, ret ? errno : 0);
			break;
		case 'q':
			if (read(0, &c, 1) != 1)
				c = 1;
			_exit((unsigned char)c);
		}
	}
}
