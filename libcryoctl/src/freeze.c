// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Freezing: CRYO_IOC_FREEZE, copying the image out of the device, and
 * CRYO_IOC_COMMIT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
