// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The open file descriptions a thaw's caller makes: eventfds, signalfds,
 * timerfds, epolls (empty: thaw_epoll.c fills them), inotify instances,
 * and any kind whose constructor the module cannot call.
 *
 * CRYO_IOC_THAW (CRYO_IOC_THAW_MEMBER for a member of a tree) lists them
 * as struct cryo_thaw_object; each is made here with the ordinary system
 * call under the caller's own credentials, its state set as the image
 * has it, before R (or the member's process) runs its stub, which hands
 * the fds to CRYO_IOC_THAW_RESTORE.  The module checks each against the
 * image before it takes it: what is made here gives the restored process
 * nothing but what the object says.
 *
 * A kind is one case of thaw_make_object().  Nothing here allocates: a
 * member's process, a fork of a multithreaded caller, runs it too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "thaw.h"

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS	_IOW('T', 0, uint64_t)
#endif

static int ret_errno(void)
{
	return errno ? -errno : -EIO;
}

static int make_eventfd(const struct cryo_thaw_object *o)
{
	uint64_t count = o->args[0];
	int fd;

	if (o->flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK) || count == UINT64_MAX)
		return -EPROTO;
	fd = eventfd(0, EFD_CLOEXEC | o->flags);
	if (fd < 0)
		return ret_errno();
	/* Into a zero count, up to UINT64_MAX - 1: never blocks. */
	if (count && write(fd, &count, sizeof(count)) != sizeof(count)) {
		int ret = ret_errno();

		close(fd);
		return ret;
	}
	return fd;
}

static int make_signalfd(const struct cryo_thaw_object *o)
{
	uint64_t mask = o->args[0];
	long fd;

	if (o->flags & ~O_NONBLOCK)
		return -EPROTO;
	/*
	 * The raw call: the kernel's 64-bit mask as it is, signals the C
	 * library keeps for itself included.
	 */
	fd = syscall(SYS_signalfd4, -1, &mask, sizeof(mask),
		     O_CLOEXEC | o->flags);
	return fd < 0 ? ret_errno() : (int)fd;
}

static int make_timerfd(const struct cryo_thaw_object *o)
{
	uint64_t value = o->args[2], interval = o->args[3], ticks = o->args[4];
	int clock = (int)o->args[0], flags = (int)o->args[1];
	struct itimerspec its;
	struct timespec now;
	int fd, ret;

	if (o->flags & ~TFD_NONBLOCK || (flags & ~TFD_TIMER_ABSTIME) ||
	    o->args[0] > INT32_MAX)
		return -EPROTO;
	fd = timerfd_create(clock, TFD_CLOEXEC | o->flags);
	if (fd < 0)
		return ret_errno();
	/* A periodic timer that had expired unread runs on: one interval. */
	if (!value && interval) {
		value = interval;
		if (flags & TFD_TIMER_ABSTIME) {
			if (clock_gettime(clock, &now))
				goto fail;
			value += (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec;
		}
	}
	if (value) {
		its.it_value.tv_sec = value / 1000000000ULL;
		its.it_value.tv_nsec = value % 1000000000ULL;
		its.it_interval.tv_sec = interval / 1000000000ULL;
		its.it_interval.tv_nsec = interval % 1000000000ULL;
		if (timerfd_settime(fd, flags, &its, NULL))
			goto fail;
	}
	/* After arming, which clears them. */
	if (ticks && ioctl(fd, TFD_IOC_SET_TICKS, &ticks))
		goto fail;
	return fd;
fail:
	ret = ret_errno();
	close(fd);
	return ret;
}

/* Read away what @fd has queued: the IN_IGNORED of the watches removed. */
static int inotify_drain(int fd)
{
	char buf[4096];
	ssize_t n;

	do
		n = read(fd, buf, sizeof(buf));
	while (n > 0);
	return n < 0 && errno != EAGAIN ? ret_errno() : 0;
}

/*
 * An inotify: its watches, asked for one by one (CRYO_IOC_THAW_INOTIFY),
 * each added with its descriptor.  A fresh inotify numbers watches 1,
 * 2, 3... on (the kernel's cyclic idr): a watch added and removed again
 * moves the next number on by one.  The module checked that the restored
 * process may read every watched inode, and checks the result.
 */
static int make_inotify(int devfd, const struct cryo_thaw_object *o)
{
	char path[PATH_MAX];
	struct cryo_thaw_inotify w;
	uint32_t i, moved = 0;
	int32_t next = 1;
	int fd, wd, ret;

	if (o->flags & ~IN_NONBLOCK || o->args[0] > CRYO_INOTIFY_WATCHES_MAX ||
	    o->args[1] || o->args[2] || o->args[3] || o->args[4] || o->args[5])
		return -EPROTO;
	/* Non-blocking to drain it; the module sets the image's O_NONBLOCK. */
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0)
		return ret_errno();
	for (i = 0; i < o->args[0]; i++) {
		memset(&w, 0, sizeof(w));
		w.size = sizeof(w);
		w.file_id = o->file_id;
		w.index = i;
		w.path = (uintptr_t)path;
		w.path_len = sizeof(path);
		if (ioctl(devfd, CRYO_IOC_THAW_INOTIFY, &w))
			goto fail;
		if (w.wd < next || w.wd > CRYO_INOTIFY_WD_MAX) {
			errno = EPROTO;
			goto fail;
		}
		while (next < w.wd) {
			wd = inotify_add_watch(fd, path, IN_DONT_FOLLOW | IN_ATTRIB);
			if (wd < 0)
				goto fail;
			if (wd != next || inotify_rm_watch(fd, wd)) {
				errno = wd != next ? EPROTO : errno;
				goto fail;
			}
			next++;
			/* Keep the queue of IN_IGNORED short. */
			ret = ++moved % 1024 ? 0 : inotify_drain(fd);
			if (ret)
				goto fail_ret;
		}
		wd = inotify_add_watch(fd, path, w.mask | IN_DONT_FOLLOW);
		if (wd < 0)
			goto fail;
		/* Another watch's inode already: it keeps its descriptor. */
		if (wd != w.wd) {
			errno = EPROTO;
			goto fail;
		}
		next = w.wd + 1;
	}
	ret = inotify_drain(fd);
	if (ret)
		goto fail_ret;
	return fd;
fail:
	ret = ret_errno();
fail_ret:
	close(fd);
	return ret;
}

int thaw_make_object(const struct cryo_thaw_object *o)
{
	int fd;

	if (o->__reserved)
		return -EPROTO;
	switch (o->kind) {
	case CRYO_FILE_EVENTFD:
		return make_eventfd(o);
	case CRYO_FILE_SIGNALFD:
		return make_signalfd(o);
	case CRYO_FILE_TIMERFD:
		return make_timerfd(o);
	case CRYO_FILE_EPOLL:
		/* Empty: its items are added once R has its files (thaw_epoll.c). */
		fd = epoll_create1(EPOLL_CLOEXEC);
		return fd < 0 ? ret_errno() : fd;
	}
	return -EPROTO;
}

int thaw_make_objects(struct thaw_ctx *c, unsigned int *bad)
{
	unsigned int i;
	int fd;

	for (i = 0; i < c->nr_objects; i++) {
		/* An inotify's watches come from the session, one by one. */
		if (c->objs[i].kind == CRYO_FILE_INOTIFY && !c->objs[i].__reserved)
			fd = make_inotify(c->devfd, &c->objs[i]);
		else
			fd = thaw_make_object(&c->objs[i]);
		if (fd < 0) {
			*bad = i;
			return fd;
		}
		c->obj_fds[i] = fd;
	}
	return 0;
}

void thaw_close_objects(struct thaw_ctx *c)
{
	unsigned int i;

	for (i = 0; c->obj_fds && i < c->nr_objects; i++) {
		if (c->obj_fds[i] >= 0)
			close(c->obj_fds[i]);
		c->obj_fds[i] = -1;
	}
}
