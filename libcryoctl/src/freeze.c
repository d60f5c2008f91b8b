// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Freezing: CRYO_IOC_FREEZE, copying the image out of the device, and
 * CRYO_IOC_COMMIT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

/* Not an error: splice() cannot do it, read() and write() will. */
#define NO_SPLICE	1

/*
 * Move @n bytes from the pipe @pfd into @out_fd: spliced, or through
 * @buf once the output's file system has shown it cannot take a splice.
 */
static int drain_pipe(int pfd, int out_fd, size_t n, void *buf,
		      bool *no_splice_out)
{
	ssize_t m;
	int ret;

	while (n) {
		if (!*no_splice_out) {
			m = splice(pfd, NULL, out_fd, NULL, n, SPLICE_F_MOVE);
			if (m < 0 && errno == EINVAL) {
				*no_splice_out = true;
				continue;
			}
		} else {
			m = read(pfd, buf, n < FREEZE_CHUNK ? n : FREEZE_CHUNK);
			if (m > 0) {
				ret = cryoctl_write_full(out_fd, buf, m);
				if (ret)
					return ret;
			}
		}
		if (m < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		if (!m)
			return -EIO;	/* our own pipe cannot run dry */
		n -= m;
	}
	return 0;
}

/*
 * The image into a regular file by splice(): the module passes pages of
 * the target (with --kill) by reference into a pipe, and the kernel
 * copies them once, into the file's pages.  With read() and write() each
 * byte is copied twice.  Returns NO_SPLICE, with nothing lost, when the
 * module cannot splice into this pipe (or is older than splice).
 */
static int splice_image(int devfd, int out_fd, void *buf,
			cryoctl_progress_fn progress, void *arg,
			uint64_t *total)
{
	bool no_splice_out = false;
	int p[2], ret = 0;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return NO_SPLICE;
	/* As much as a read() chunk per call; a smaller pipe only costs calls. */
	(void)fcntl(p[1], F_SETPIPE_SZ, FREEZE_CHUNK);
	for (;;) {
		n = splice(devfd, NULL, p[1], NULL, FREEZE_CHUNK, SPLICE_F_MOVE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EINVAL: refused before anything moved. */
			ret = errno == EINVAL ? NO_SPLICE : neg_errno();
			break;
		}
		if (!n)
			break;
		ret = drain_pipe(p[0], out_fd, n, buf, &no_splice_out);
		if (ret)
			break;
		*total += n;
		if (progress && progress(*total, arg)) {
			ret = -ECANCELED;
			break;
		}
	}
	close(p[0]);
	close(p[1]);
	return ret;
}

static int copy_image(int devfd, int out_fd, void *buf,
		      cryoctl_progress_fn progress, void *arg, uint64_t *total)
{
	struct stat st;
	ssize_t n;
	int ret;

	/* splice() refuses O_APPEND outputs; pipes and the rest: see below. */
	if (!fstat(out_fd, &st) && S_ISREG(st.st_mode) &&
	    !(fcntl(out_fd, F_GETFL) & O_APPEND)) {
		ret = splice_image(devfd, out_fd, buf, progress, arg, total);
		if (ret != NO_SPLICE)
			return ret;
	}
	/*
	 * Into a pipe or a socket, read() and write(): a page spliced by
	 * reference would sit in someone else's pipe, where only the target's
	 * death keeps it from changing (see module/splice.c); the module
	 * copies there anyway, so splice() would gain nothing but risk.
	 */
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
	/* In: the caller's limit, if its structure has the field. */
	if (res && res->size >= CRYOCTL_FREEZE_RESULT_SIZE_VER3)
		f.max_deleted_data = res->max_deleted_data;
	r.max_deleted_data = f.max_deleted_data;

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
	 * bad_fd, refusal, refusal_id, nr_processes and refusal_pid go in
	 * as 0: modules before them
	 * took the fields for reserved, or for bytes they do not know, and
	 * refuse anything else.  A module before ABI 1.4 copies back only
	 * as far as bad_fd: refusal stays CRYO_REFUSAL_NONE.
	 */
	if (ioctl(devfd, CRYO_IOC_FREEZE, &f) < 0) {
		ret = neg_errno();
		if (ret == -EOPNOTSUPP || ret == -EACCES ||
		    f.refusal == CRYO_REFUSAL_DELETED_TOO_BIG)
			r.bad_fd = f.bad_fd;
		r.refusal = f.refusal;
		r.refusal_id = f.refusal_id;
		r.refusal_pid = f.refusal_pid;
		goto out_free;
	}
	r.nr_threads = f.nr_threads;
	r.nr_processes = f.nr_processes;
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
