// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Freezing: CRYO_IOC_FREEZE, copying the image out of the device, and
 * CRYO_IOC_COMMIT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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
		      cryoctl_progress_fn progress, void *arg)
{
	uint64_t total = 0;
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
		total += n;
		if (progress && progress(total, arg))
			return -ECANCELED;
	}
}

CRYOCTL_EXPORT int cryoctl_freeze(int devfd, pid_t pid, unsigned int flags,
				  unsigned int timeout_ms, int out_fd,
				  cryoctl_progress_fn progress, void *arg)
{
	struct cryo_freeze f = {
		.size = sizeof(f),
		.flags = flags,
		.pid = pid,
		.timeout_ms = timeout_ms,
	};
	void *buf;
	int ret;

	/* Never park the target for an output that cannot take the image. */
	ret = fcntl(out_fd, F_GETFL);
	if (ret < 0)
		return neg_errno();
	if ((ret & O_ACCMODE) == O_RDONLY)
		return -EBADF;

	buf = malloc(FREEZE_CHUNK);
	if (!buf)
		return -ENOMEM;

	if (ioctl(devfd, CRYO_IOC_FREEZE, &f) < 0) {
		ret = neg_errno();
		goto out_free;
	}
	ret = copy_image(devfd, out_fd, buf, progress, arg);
	if (ret || !(flags & CRYO_FREEZE_KILL))
		goto out_free;
	ret = sync_output(out_fd);
	if (!ret)
		ret = cryoctl_commit(devfd);
out_free:
	free(buf);
	return ret;
}
