// SPDX-License-Identifier: GPL-2.0
/*
 * exec_loop_static: a target for cryo_park_test that execs itself for
 * ever.  Each round it writes one byte on fd 3 (the test counts them),
 * leaves an io_uring read of an empty pipe in flight -- so that the next
 * exec's begin_new_exec() cancels it and runs task work, holding
 * cred_guard_mutex -- and execs /proc/self/exe again: from the main
 * thread, or every other round from a second thread, so that de_thread()
 * kills the first.  Static: an exec costs little more than the kernel's
 * part.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../cryo_uring.h"

static char *const args[] = { "exec_loop_static", NULL };

static void *exec_from_thread(void *arg)
{
	execv("/proc/self/exe", args);
	_exit(120);
}

int main(int argc, char **argv)
{
	const char *v = getenv("EXEC_LOOP_ROUND");
	unsigned long n = v ? strtoul(v, NULL, 10) : 0;
	static char buf[16];
	struct uring u = { .fd = -1 };
	char nv[32];
	pthread_t t;
	int p[2];

	if (write(3, "x", 1) != 1)
		return 121;
	/* The request holds the pipe: in flight until the exec cancels it. */
	if (!ring_setup(&u) && !pipe2(p, O_CLOEXEC)) {
		ring_queue(&u, IORING_OP_READ, p[0], buf, sizeof(buf));
		ring_enter(&u, 1, 0);
	}
	snprintf(nv, sizeof(nv), "%lu", n + 1);
	setenv("EXEC_LOOP_ROUND", nv, 1);
	if ((n & 1) && !pthread_create(&t, NULL, exec_from_thread, NULL))
		for (;;)
			pause();
	execv("/proc/self/exe", args);
	return 122;
}
