/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the targets of the process tree selftests (family_target,
 * shm_target) share: their messages and the files through which they
 * talk to the test, in a scratch directory DIR.  Plain C: the targets
 * are built without the cryo headers.
 *
 * Define TARGET_NAME (the name die() gives in its messages) before
 * including this; set dir to DIR.
 */
#ifndef CRYO_TARGET_UTIL_H
#define CRYO_TARGET_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef TARGET_NAME
#error "define TARGET_NAME before including target_util.h"
#endif

/* The scratch directory DIR of the test. */
static const char *dir = ".";

/* Log "TARGET_NAME PID: @fmt..." on stderr and exit with @code. */
static inline void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, TARGET_NAME " %d: ", (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(code);
}

static inline void path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* Write DIR/@name whole, through a rename: a reader sees all or nothing. */
static inline void __attribute__((format(printf, 2, 3)))
put(const char *name, const char *fmt, ...)
{
	char path[512], tmp[540], text[1024];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	path_of(path, sizeof(path), name);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, n) != n || close(fd) || rename(tmp, path))
		die(3, "put %s: %s", name, strerror(errno));
}

static inline int exists(const char *name)
{
	char path[512];

	path_of(path, sizeof(path), name);
	return !access(path, F_OK);
}

/* Poll for DIR/@name, 1 ms at a time (a sleep a thaw restarts). */
static inline void wait_file(const char *name)
{
	while (!exists(name))
		usleep(1000);
}

#endif /* CRYO_TARGET_UTIL_H */
