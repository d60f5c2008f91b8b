// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Whole reads and writes on descriptors that may be pipes.
 */
#include <errno.h>
#include <unistd.h>

#include "internal.h"

int cryoctl_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		if (!n)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

ssize_t cryoctl_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		if (!n)
			break;
		done += n;
	}
	return done;
}
