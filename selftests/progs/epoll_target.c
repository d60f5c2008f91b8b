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
 * holds their file.  Then "ready" appears; on "stop" both exit 0.
 */
#define TARGET_NAME "epoll_target"
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
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

int main(int argc, char **argv)
{
	struct epoll_event ev[8];
	char path[512];
	int p[2], q[2], f, n, status;
	pid_t child;

	if (argc != 3)
		die(2, "usage: epoll_target DIR MODE");
	dir = argv[1];
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

	child = fork();
	if (child < 0)
		die(3, "fork: %s", strerror(errno));
	if (!child) {
		put("child.ready", "%d\n", (int)getpid());
		wait_file("stop");
		_exit(0);
	}
	wait_file("child.ready");
	if (!strcmp(argv[2], "closed"))
		move_to(3, 20);
	put("ready", "%d\n", (int)getpid());
	wait_file("stop");
	if (waitpid(child, &status, 0) != child)
		die(3, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die(4, "child ended with status 0x%x", status);
	return 0;
}
