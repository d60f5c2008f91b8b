// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The epolls of a thaw: their interest lists.
 *
 * The library makes each epoll of the image empty, as any object
 * (thaw_objects.c).  Its items cannot be added by the module, nor by R
 * itself: epoll_ctl(2) keys an item by the watched file and the fd number
 * the program gave, looked up in the caller's own fd table, and R's table
 * holds the library's descriptors until its fds are installed, past the
 * point of no return.  So R hands its pipes and objects to the module
 * early (CRYO_IOC_THAW_ATTACH) and forks a child, whose fd table is its
 * own; for each epoll, CRYO_IOC_THAW_EPOLL empties that table but for
 * /dev/cryo, puts the watched files at their numbers and the epoll above
 * them, and lists the items, which the child adds with epoll_ctl(2).  The
 * child has R's credentials (the restored ones), so the kernel's own
 * rules apply.  R's CRYO_IOC_THAW_RESTORE checks the result before the
 * point of no return.
 *
 * Nothing here allocates: a member's process, a fork of a multithreaded
 * caller, runs it too.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "thaw.h"

/* Items read per CRYO_IOC_THAW_EPOLL call (on the child's stack). */
#define EPOLL_BATCH	64

static bool has_epoll(const struct thaw_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_objects; i++)
		if (c->objs[i].kind == CRYO_FILE_EPOLL)
			return true;
	return false;
}

/* Ask for epoll @a->index, from item @first; moves *@devfd when told to. */
static int ask(int *devfd, struct cryo_thaw_epoll *a, uint32_t first)
{
	int fd;

	for (;;) {
		a->devfd = *devfd;
		a->first = first;
		if (!ioctl(*devfd, CRYO_IOC_THAW_EPOLL, a))
			return 0;
		if (errno != EBUSY || first)
			return -errno;
		/* Our /dev/cryo is where an item's file must go: move it up. */
		fd = fcntl(*devfd, F_DUPFD_CLOEXEC, (int)a->min_fd);
		if (fd < 0)
			return -errno;
		close(*devfd);
		*devfd = fd;
	}
}

/* The child: fill every epoll.  Exit status 0, or the errno that stopped it. */
static __attribute__((noreturn)) void fill_epolls(int devfd)
{
	struct cryo_thaw_epoll_item it[EPOLL_BATCH];
	struct cryo_thaw_epoll a;
	uint32_t index, first, i, n;
	int ret;

	for (index = 0; ; index++) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.index = index;
		a.items = (uintptr_t)it;
		a.items_len = EPOLL_BATCH;
		ret = ask(&devfd, &a, 0);
		if (ret == -ENOENT)
			_exit(0);
		for (first = 0; !ret && first < a.nr_items; first += n) {
			if (first)
				ret = ask(&devfd, &a, first);
			n = a.nr_items - first;
			if (n > EPOLL_BATCH)
				n = EPOLL_BATCH;
			for (i = 0; !ret && i < n; i++) {
				struct epoll_event ev = {
					.events = it[i].events,
					.data.u64 = it[i].data,
				};

				if (epoll_ctl(a.epfd, EPOLL_CTL_ADD, it[i].tfd, &ev))
					ret = -errno;
			}
		}
		if (ret)
			_exit(-ret < 256 ? -ret : EPROTO);
	}
}

int thaw_fill_epolls(struct thaw_ctx *c, struct cryo_thaw_restore *r)
{
	long pid;
	int st;

	if (!has_epoll(c))
		return 0;
	if (ioctl(c->devfd, CRYO_IOC_THAW_ATTACH, r))
		return -errno;
	/*
	 * fork(2) as a raw clone: a member's process is itself made by a
	 * raw clone, behind the C library's back.
	 */
	pid = syscall(SYS_clone, (long)SIGCHLD, 0L, NULL, NULL, 0L);
	if (pid < 0)
		return -errno;
	if (!pid)
		fill_epolls(c->devfd);
	while (syscall(SYS_wait4, pid, &st, 0, NULL) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(st))
		return -ECHILD;
	return -WEXITSTATUS(st);
}
