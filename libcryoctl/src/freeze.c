// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Freezing: CRYO_IOC_FREEZE, copying the image out of the device, and
 * CRYO_IOC_COMMIT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/cryo.h>

#include "cryoctl.h"
#include "internal.h"

/* Large enough that a gigabyte takes a thousand system calls, not more. */
#define FREEZE_CHUNK	(1024 * 1024)

CRYOCTL_EXPORT int cryoctl_commit(int devfd)
{
	struct cryo_commit c = { .size = sizeof(c) };

	return ioctl(devfd, CRYO_IOC_COMMIT, &c) < 0 ? neg_errno() : 0;
}

/* The image is safely stored once a regular file holding it is synced. */
static int sync_output(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return neg_errno();
	if (!S_ISREG(st.st_mode))
		return 0;
	return fsync(fd) < 0 ? neg_errno() : 0;
}

/*
 * Into a regular file the image is read straight into the file's pages,
 * through a shared mapping of a window of it: one copy in the kernel
 * instead of two (read() into a buffer, write() out of it).
 */
#define MAP_WINDOW	(4 * FREEZE_CHUNK)

/* 1: could not map (use read/write), 0 done, or -errno. */
static int copy_image_mapped_fd(int devfd, int out_fd, off_t start,
				cryoctl_progress_fn progress, void *arg,
				uint64_t *total);

static int copy_image_mapped(int devfd, int out_fd,
			     cryoctl_progress_fn progress, void *arg,
			     uint64_t *total)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stat st;
	off_t start;
	int flags, ret;

	flags = fcntl(out_fd, F_GETFL);
	if (flags < 0 || (flags & O_APPEND) || fstat(out_fd, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return 1;
	start = lseek(out_fd, 0, SEEK_CUR);
	if (start < 0 || start % page || start != st.st_size)
		return 1;
	/*
	 * A shared mapping needs the file open for reading too; a shell's
	 * "> img" opens it write-only: reopen the same file read-write.
	 */
	if ((flags & O_ACCMODE) == O_WRONLY) {
		char path[64];
		int rw;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", out_fd);
		rw = open(path, O_RDWR | O_CLOEXEC);
		if (rw < 0)
			return 1;
		ret = copy_image_mapped_fd(devfd, rw, start, progress, arg,
					   total);
		close(rw);
		/* Where a write() of the image would have left the offset. */
		if (ret <= 0 && lseek(out_fd, start + *total, SEEK_SET) < 0 &&
		    !ret)
			ret = neg_errno();
		return ret;
	}
	return copy_image_mapped_fd(devfd, out_fd, start, progress, arg,
				    total);
}

static int copy_image_mapped_fd(int devfd, int out_fd, off_t start,
				cryoctl_progress_fn progress, void *arg,
				uint64_t *total)
{
	off_t off;
	int ret = 0;
	bool eof = false;

	off = start;
	while (!eof) {
		size_t fill = 0;
		char *win;
		ssize_t n;

		if (ftruncate(out_fd, off + MAP_WINDOW) < 0)
			return off == start ? 1 : neg_errno();
		/* Populated up front: one page fault each would cost more. */
		win = mmap(NULL, MAP_WINDOW, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_POPULATE, out_fd, off);
		if (win == MAP_FAILED) {
			if (off == start) {
				/* Nothing read yet: leave it to read/write. */
				ret = ftruncate(out_fd, start) < 0 ? neg_errno() : 1;
				return ret;
			}
			ret = neg_errno();
			break;
		}
		while (fill < MAP_WINDOW) {
			n = read(devfd, win + fill, MAP_WINDOW - fill);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				ret = neg_errno();
				break;
			}
			if (!n) {
				eof = true;
				break;
			}
			fill += n;
			*total += n;
			if (progress && progress(*total, arg)) {
				ret = -ECANCELED;
				break;
			}
		}
		munmap(win, MAP_WINDOW);
		off += fill;
		if (ret)
			break;
	}
	/* The file ends where the image does, the offset after it. */
	if (ftruncate(out_fd, off) < 0 && !ret)
		ret = neg_errno();
	if (lseek(out_fd, off, SEEK_SET) < 0 && !ret)
		ret = neg_errno();
	return ret;
}

static int copy_image(int devfd, int out_fd, void *buf,
		      cryoctl_progress_fn progress, void *arg, uint64_t *total)
{
	ssize_t n;
	int ret;

	for (;;) {
		n = read(devfd, buf, FREEZE_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		if (!n)
			return 0;
		ret = cryoctl_write_full(out_fd, buf, n);
		if (ret)
			return ret;
		*total += n;
		if (progress && progress(*total, arg))
			return -ECANCELED;
	}
}

/* Fill in what of @r the caller's size reaches. */
static void put_result(struct cryoctl_freeze_result *res,
		       const struct cryoctl_freeze_result *r)
{
	size_t size;

	if (!res)
		return;
	size = res->size < sizeof(*r) ? res->size : sizeof(*r);
	memcpy((char *)res + sizeof(r->size), (const char *)r + sizeof(r->size),
	       size - sizeof(r->size));
}

CRYOCTL_EXPORT int cryoctl_freeze_ex(int devfd, pid_t pid, unsigned int flags,
				     unsigned int timeout_ms, int out_fd,
				     cryoctl_progress_fn progress, void *arg,
				     struct cryoctl_freeze_result *res)
{
	struct cryo_freeze f = {
		.size = sizeof(f),
		.flags = flags,
		.pid = pid,
		.timeout_ms = timeout_ms,
	};
	struct cryoctl_freeze_result r = { .bad_fd = -1 };
	void *buf;
	int ret;

	if (res && res->size < CRYOCTL_FREEZE_RESULT_SIZE_VER0)
		return -EINVAL;

	/* Never park the target for an output that cannot take the image. */
	ret = fcntl(out_fd, F_GETFL);
	if (ret < 0) {
		ret = neg_errno();
		goto out;
	}
	if ((ret & O_ACCMODE) == O_RDONLY) {
		ret = -EBADF;
		goto out;
	}

	buf = malloc(FREEZE_CHUNK);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}

	/*
	 * bad_fd goes in as 0: modules before it was defined took the field
	 * for reserved and refuse anything else.
	 */
	if (ioctl(devfd, CRYO_IOC_FREEZE, &f) < 0) {
		ret = neg_errno();
		if (ret == -EOPNOTSUPP)
			r.bad_fd = f.bad_fd;
		goto out_free;
	}
	r.nr_threads = f.nr_threads;
	ret = copy_image_mapped(devfd, out_fd, progress, arg, &r.bytes);
	if (ret == 1)
		ret = copy_image(devfd, out_fd, buf, progress, arg, &r.bytes);
	if (ret || !(flags & CRYO_FREEZE_KILL))
		goto out_free;
	ret = sync_output(out_fd);
	if (!ret)
		ret = cryoctl_commit(devfd);
out_free:
	free(buf);
out:
	put_result(res, &r);
	return ret;
}

CRYOCTL_EXPORT int cryoctl_freeze(int devfd, pid_t pid, unsigned int flags,
				  unsigned int timeout_ms, int out_fd,
				  cryoctl_progress_fn progress, void *arg)
{
	return cryoctl_freeze_ex(devfd, pid, flags, timeout_ms, out_fd,
				 progress, arg, NULL);
}
