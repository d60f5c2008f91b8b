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
 * early (CRYO_IOC_THAW_ATTACH) and makes a child, whose fd table is its
 * own but which shares R's signal handlers: a signalfd's item waits on
 * the signal handlers of the process that added it, which must be R's,
 * not a child's that goes away (see signalfd_poll()).  For each epoll,
 * CRYO_IOC_THAW_EPOLL empties that table but for /dev/cryo, puts the
 * watched files at their numbers and the epoll above them, and lists the
 * items, which the child adds with epoll_ctl(2).  The
 * child has R's credentials (the restored ones), so the kernel's own
 * rules apply.  R's CRYO_IOC_THAW_RESTORE checks the result before the
 * point of no return.
 *
 * Nothing here allocates: a member's process, a fork of a multithreaded
 * caller, runs it too.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "thaw.h"

/* Items read per CRYO_IOC_THAW_EPOLL call (on the child's stack). */
#define EPOLL_BATCH	64
#define EPOLL_STACK	(64 << 10)

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
static int fill_epolls(void *arg)
{
	int devfd = *(int *)arg;
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
			return 0;
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
			return -ret < 256 ? -ret : EPROTO;
	}
}

/*
 * Each epoll made again here, in R with its ids, at the same fd: the
 * kernel charges an epoll's watches to the user who made it, which must
 * be the restored one, not the thaw's caller.
 */
static int remake_epolls(struct thaw_ctx *c)
{
	unsigned int i;
	int fd;

	for (i = 0; i < c->nr_objects; i++) {
		if (c->objs[i].kind != CRYO_FILE_EPOLL)
			continue;
		fd = epoll_create1(EPOLL_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (dup3(fd, c->obj_fds[i], O_CLOEXEC) < 0) {
			int err = errno;

			close(fd);
			return -err;
		}
		close(fd);
	}
	return 0;
}

int thaw_fill_epolls(struct thaw_ctx *c, struct cryo_thaw_restore *r)
{
	int devfd = c->devfd, st, ret;
	char *stack;
	pid_t pid;

	if (!has_epoll(c))
		return 0;
	ret = remake_epolls(c);
	if (ret)
		return ret;
	if (ioctl(c->devfd, CRYO_IOC_THAW_ATTACH, r))
		return -errno;
	stack = mmap(NULL, EPOLL_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	/*
	 * CLONE_VFORK: R waits, and its memory is not marked as shared
	 * with another process (which CRYO_IOC_THAW_RESTORE refuses).
	 */
	pid = clone(fill_epolls, stack + EPOLL_STACK,
		    CLONE_VM | CLONE_VFORK | CLONE_SIGHAND | SIGCHLD, &devfd);
	ret = pid < 0 ? -errno : 0;
	while (!ret && syscall(SYS_wait4, pid, &st, 0, NULL) < 0)
		if (errno != EINTR)
			ret = -errno;
	munmap(stack, EPOLL_STACK);
	if (ret)
		return ret;
	if (!WIFEXITED(st))
		return -ECHILD;
	return -WEXITSTATUS(st);
}
