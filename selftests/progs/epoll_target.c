// SPDX-License-Identifier: GPL-2.0
/*
 * epoll_target DIR MODE: a parent and a child sharing epolls, for
 * cryo_epoll_test.  The parent sets up (fd numbers fixed, the test
 * checks them):
 *   - fd 3 and 4: a pipe's read and write end; fd 5: the read end of a
 *     second pipe, fd 7 its write end; fd 6: DIR/fifo, opened O_RDWR;
 *   - fd 10: an epoll E watching fd 3 (EPOLLIN | EPOLLET, data 0x1111),
 *     fd 6 (EPOLLIN, 0x2222), fd 4 (EPOLLOUT | EPOLLONESHOT, 0x3333,
 *     which then fires once and is disarmed) and fd 11 (EPOLLIN, 0x5555);
 *   - fd 11: an epoll I watching fd 5 (EPOLLIN, 0x4444): epoll-in-epoll;
 *   - fd 12: an epoll X watching fd 3 (EPOLLIN | EPOLLEXCLUSIVE, 0x6666).
 * One byte is written into the first pipe and E's edge for it consumed
 * (epoll_wait, the byte left unread).  Then it forks a child, which
 * shares the epolls, writes "child.ready" and waits for "stop".
 * MODE "closed": then the parent moves fd 3 to fd 20 (dup2 and close):
 * the items on fd 3 stay registered, keyed by a number that no longer
 * holds their file.  Then "ready" appears; on "stop" both exit 0, after
 * checking, when a file "check" exists (written before "stop", after a
 * thaw), that the epolls behave as the ones set up did (check_open()).
 *
 * MODE "loop": the event loop instead: fd 10 an epoll over a
 * pipe (fds 3, 4; data 1), an eventfd (fd 5, data 2), a timerfd with a
 * 100 ms period (fd 6, data 3) and a signalfd for SIGUSR1 (fd 7, data 4);
 * "ready" once the timer has expired with its ticks unread.  With
 * "check", each source fires with its own data (check_loop()).  Any
 * check that fails ends the process with status 5 and says which.
 */
#define TARGET_NAME "epoll_target"
#include <stdint.h>
#include <stdlib.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "target_util.h"

static void move_to(int fd, int to)
{
	if (fd != to && (dup2(fd, to) != to || close(fd)))
		die(3, "dup2(%d, %d): %s", fd, to, strerror(errno));
}

static void add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		die(3, "epoll_ctl(%d, ADD, %d): %s", ep, fd, strerror(errno));
}

static int new_epoll(int at)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		die(3, "epoll_create1: %s", strerror(errno));
	move_to(ep, at);
	return at;
}

/* The data of what epoll @ep reports within @ms, as a bit set (bit n: data n). */
static uint64_t fired(int ep, int ms, uint64_t *other)
{
	struct epoll_event ev[16];
	uint64_t set = 0;
	int n, i;

	n = epoll_wait(ep, ev, 16, ms);
	if (n < 0)
		die(5, "epoll_wait(%d): %s", ep, strerror(errno));
	for (i = 0; i < n; i++) {
		if (ev[i].data.u64 < 64)
			set |= 1ULL << ev[i].data.u64;
		else
			*other = ev[i].data.u64;
	}
	return set;
}

/* The first (only) data epoll @ep reports at once, 0 for none, -1 for several. */
static long long one(int ep)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, 8, 0);

	if (n < 0)
		die(5, "epoll_wait(%d): %s", ep, strerror(errno));
	return n == 0 ? 0 : n == 1 ? (long long)ev[0].data.u64 : -1;
}

static void check_ctl(int ep, int op, int fd, uint32_t events, uint64_t data,
		      int want_errno)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	int r = epoll_ctl(ep, op, fd, &ev) ? errno : 0;

	if (r != want_errno)
		die(5, "epoll_ctl(%d, %d, %d): %s, wanted %s", ep, op, fd,
		    strerror(r), strerror(want_errno));
}

/*
 * After a thaw, mode "open": every item is back, keyed by its fd number,
 * with its mask and data.
 */
static void check_open(void)
{
	long long d;
	char c;

	/* EXCLUSIVE, level-triggered: the byte still in the pipe. */
	d = one(12);
	if (d != 0x6666)
		die(5, "epoll 12 reports 0x%llx, not 0x6666", d);
	/*
	 * E: the consumed edge of fd 3 may come once more (an item added
	 * again sees the pipe readable); nothing else is ready: the fifo and
	 * the inner epoll are empty, the fired ONESHOT item is disarmed.
	 */
	d = one(10);
	if (d != 0 && d != 0x1111)
		die(5, "epoll 10 reports 0x%llx at first", d);
	d = one(10);
	if (d != 0)
		die(5, "epoll 10 reports 0x%llx again", d);
	/* The inner epoll: a byte into the second pipe. */
	if (write(7, "y", 1) != 1)
		die(5, "write: %s", strerror(errno));
	d = one(11);
	if (d != 0x4444)
		die(5, "epoll 11 reports 0x%llx, not 0x4444", d);
	d = one(10);
	if (d != 0x5555)
		die(5, "epoll 10 reports 0x%llx, not 0x5555 (epoll 11)", d);
	if (read(5, &c, 1) != 1)
		die(5, "read: %s", strerror(errno));
	/* The fifo. */
	if (write(6, "z", 1) != 1)
		die(5, "write fifo: %s", strerror(errno));
	d = one(10);
	if (d != 0x2222)
		die(5, "epoll 10 reports 0x%llx, not 0x2222 (the fifo)", d);
	if (read(6, &c, 1) != 1)
		die(5, "read fifo: %s", strerror(errno));
	/* Each item is found by its fd number: ADD says it is there, MOD re-arms. */
	check_ctl(10, EPOLL_CTL_ADD, 3, EPOLLIN, 1, EEXIST);
	check_ctl(10, EPOLL_CTL_ADD, 6, EPOLLIN, 1, EEXIST);
	check_ctl(10, EPOLL_CTL_ADD, 11, EPOLLIN, 1, EEXIST);
	check_ctl(11, EPOLL_CTL_ADD, 5, EPOLLIN, 1, EEXIST);
	check_ctl(12, EPOLL_CTL_ADD, 3, EPOLLIN, 1, EEXIST);
	check_ctl(10, EPOLL_CTL_MOD, 4, EPOLLOUT | EPOLLONESHOT, 0x3333, 0);
	d = one(10);
	if (d != 0x3333)
		die(5, "epoll 10 reports 0x%llx, not 0x3333 (re-armed ONESHOT)", d);
	d = one(10);
	if (d != 0)
		die(5, "the ONESHOT item fired twice (0x%llx)", d);
	check_ctl(10, EPOLL_CTL_DEL, 6, 0, 0, 0);
	check_ctl(10, EPOLL_CTL_DEL, 6, 0, 0, ENOENT);
	put("checked", "ok\n");
}

static void setup_loop(void)
{
	struct itimerspec its = {
		.it_value = { 0, 100000000 }, .it_interval = { 0, 100000000 },
	};
	sigset_t usr1;
	int p[2], fd;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &usr1, NULL) || pipe(p))
		die(3, "pipe: %s", strerror(errno));
	move_to(p[0], 30);
	move_to(p[1], 31);
	move_to(30, 3);
	move_to(31, 4);
	fd = eventfd(0, EFD_NONBLOCK);
	if (fd < 0)
		die(3, "eventfd: %s", strerror(errno));
	move_to(fd, 5);
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL))
		die(3, "timerfd: %s", strerror(errno));
	move_to(fd, 6);
	fd = signalfd(-1, &usr1, SFD_NONBLOCK);
	if (fd < 0)
		die(3, "signalfd: %s", strerror(errno));
	move_to(fd, 7);
	new_epoll(10);
	add(10, 3, EPOLLIN, 1);
	add(10, 5, EPOLLIN, 2);
	add(10, 6, EPOLLIN, 3);
	add(10, 7, EPOLLIN, 4);
	/* Expired, its ticks left unread. */
	while (fired(10, 1000, &(uint64_t){ 0 }) != (1ULL << 3))
		;
}

/* After a thaw, mode "loop": each source fires with its own data. */
static void check_loop(void)
{
	const uint64_t timer = 1ULL << 3;
	struct signalfd_siginfo si;
	struct itimerspec its;
	uint64_t other = 0, set, v;
	char c;

	/* The ticks pending at the freeze are there, and only them. */
	set = fired(10, 0, &other);
	if (set != timer || other)
		die(5, "at first: set 0x%llx, other 0x%llx", (unsigned long long)set,
		    (unsigned long long)other);
	if (read(6, &v, sizeof(v)) != sizeof(v) || !v)
		die(5, "timerfd read: %s", strerror(errno));
	/* The timer may tick meanwhile: it is left out below. */
	if (write(4, "x", 1) != 1)
		die(5, "write: %s", strerror(errno));
	set = fired(10, 0, &other) & ~timer;
	if (set != (1ULL << 1) || other)
		die(5, "pipe: set 0x%llx", (unsigned long long)set);
	if (read(3, &c, 1) != 1)
		die(5, "read: %s", strerror(errno));
	if (eventfd_write(5, 7))
		die(5, "eventfd_write: %s", strerror(errno));
	set = fired(10, 0, &other) & ~timer;
	if (set != (1ULL << 2) || other)
		die(5, "eventfd: set 0x%llx", (unsigned long long)set);
	if (eventfd_read(5, &v) || v != 7)
		die(5, "eventfd_read: %s", strerror(errno));
	if (kill(getpid(), SIGUSR1))
		die(5, "kill: %s", strerror(errno));
	set = fired(10, 0, &other) & ~timer;
	if (set != (1ULL << 4) || other)
		die(5, "signalfd: set 0x%llx", (unsigned long long)set);
	if (read(7, &si, sizeof(si)) != sizeof(si) || si.ssi_signo != SIGUSR1)
		die(5, "signalfd read: %s", strerror(errno));
	/* Nothing fires twice. */
	set = fired(10, 0, &other) & ~timer;
	if (set || other)
		die(5, "again: set 0x%llx", (unsigned long long)set);
	/* The timer keeps its period. */
	if (timerfd_gettime(6, &its) || its.it_interval.tv_sec ||
	    its.it_interval.tv_nsec != 100000000)
		die(5, "timerfd_gettime: interval %ld.%09ld", (long)its.it_interval.tv_sec,
		    its.it_interval.tv_nsec);
	if (read(6, &v, sizeof(v)) < 0 && errno != EAGAIN)
		die(5, "timerfd read: %s", strerror(errno));
	set = fired(10, 2000, &other);
	if (set != timer || other)
		die(5, "the timer did not fire again: set 0x%llx", (unsigned long long)set);
	put("checked", "ok\n");
}

int main(int argc, char **argv)
{
	struct epoll_event ev[8];
	char path[512];
	int p[2], q[2], f, n, status;
	bool loop;
	pid_t child;

	if (argc != 3)
		die(2, "usage: epoll_target DIR MODE");
	dir = argv[1];
	loop = !strcmp(argv[2], "loop");
	if (loop) {
		setup_loop();
		goto forked;
	}
	if (pipe(p) || pipe(q))
		die(3, "pipe: %s", strerror(errno));
	/* Out of the way of the numbers below, then each to its own. */
	move_to(p[0], 30);
	move_to(p[1], 31);
	move_to(q[0], 32);
	move_to(q[1], 33);
	move_to(30, 3);
	move_to(31, 4);
	move_to(32, 5);
	move_to(33, 7);
	path_of(path, sizeof(path), "fifo");
	if (mkfifo(path, 0600) && errno != EEXIST)
		die(3, "mkfifo: %s", strerror(errno));
	f = open(path, O_RDWR);
	if (f < 0)
		die(3, "open %s: %s", path, strerror(errno));
	move_to(f, 6);

	new_epoll(10);
	new_epoll(11);
	new_epoll(12);
	add(11, 5, EPOLLIN, 0x4444);
	add(10, 3, EPOLLIN | EPOLLET, 0x1111);
	add(10, 6, EPOLLIN, 0x2222);
	add(10, 4, EPOLLOUT | EPOLLONESHOT, 0x3333);
	add(10, 11, EPOLLIN, 0x5555);
	add(12, 3, EPOLLIN | EPOLLEXCLUSIVE, 0x6666);

	/* The ONESHOT fires (the pipe is writable) and is disarmed. */
	n = epoll_wait(10, ev, 8, 0);
	if (n != 1 || ev[0].data.u64 != 0x3333)
		die(3, "epoll_wait: %d, data 0x%llx", n,
		    n > 0 ? (unsigned long long)ev[0].data.u64 : 0ULL);
	/* An edge, consumed; the byte stays in the pipe. */
	if (write(4, "x", 1) != 1)
		die(3, "write: %s", strerror(errno));
	n = epoll_wait(10, ev, 8, 0);
	if (n != 1 || ev[0].data.u64 != 0x1111)
		die(3, "epoll_wait after the write: %d", n);
	n = epoll_wait(10, ev, 8, 0);
	if (n != 0)
		die(3, "epoll_wait: the edge fired twice (%d)", n);

forked:
	child = fork();
	if (child < 0)
		die(3, "fork: %s", strerror(errno));
	if (!child) {
		put("child.ready", "%d\n", (int)getpid());
		wait_file("stop");
		/* The epolls are the parent's too: the same instance. */
		if (exists("check"))
			check_ctl(10, EPOLL_CTL_ADD, 3, EPOLLIN, 1, EEXIST);
		_exit(0);
	}
	wait_file("child.ready");
	if (!strcmp(argv[2], "closed"))
		move_to(3, 20);
	put("ready", "%d\n", (int)getpid());
	wait_file("stop");
	if (exists("check")) {
		if (loop)
			check_loop();
		else
			check_open();
	}
	if (waitpid(child, &status, 0) != child)
		die(3, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die(4, "child ended with status 0x%x", status);
	return 0;
}
