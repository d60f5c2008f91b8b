/* SPDX-License-Identifier: GPL-2.0 */
/*
 * say(): how the targets answer the test, one line on fd 1 (the reply
 * pipe) in one write(), so that a line is never split.  Plain C: the
 * targets are built without the cryo headers.
 */
#ifndef CRYO_TARGET_SAY_H
#define CRYO_TARGET_SAY_H

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

/* Print @fmt... and a newline on fd 1; exit 99 if it cannot. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	/* A longer line is cut, never written past the buffer. */
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(1, buf, n) != n)
		_exit(99);
}

#endif
