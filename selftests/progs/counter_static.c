// SPDX-License-Identifier: GPL-2.0
/*
 * counter_static: a statically linked target for cryo_thaw_test and
 * cryo_badimage_test.  It counts forever, and every step rewrites one
 * slot of each of its three memory areas -- .bss, the heap (brk, via
 * malloc) and its own stack -- so that the whole of its memory is a
 * function of the counter: after a thaw it can check, byte for byte, that
 * what it finds is what it left (command 'v').
 *
 * Protocol (the test's pipe on fd 0, replies as text lines on fd 1,
 * diagnostics on fd 2):
 *   at start   "ready <pid> <bss> <heap> <stack> <break>"
 *   'c'        "count <n>"
 *   'v'        "ok <n>" or "bad <what> <index> <got> <want>"
 *   'p'        "pid <getpid()> <getppid()>"
 *   'm'        "brk <old> <new>": the program break before and after
 *              growing the heap by 64 KiB with sbrk(), which it touches
 *   'q' <byte> exit(byte)
 *
 * With "files" as argv[1] it also holds, for the bad-image tests, a pipe
 * with buffered bytes (fds 5, 6), an unlinked file with contents (fd 7),
 * /dev/null (fd 8) and a high fd (200, /dev/null again).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "say.h"

#define SLOTS		4096			/* rewritten words per area */
#define BSS_WORDS	(256 * 1024 / 8)	/* 256 KiB of .bss */
#define HEAP_WORDS	(1024 * 1024 / 8)	/* 1 MiB of heap */
#define STACK_WORDS	(64 * 1024 / 8)		/* 64 KiB on the stack */

static uint64_t bss[BSS_WORDS];
static uint64_t counter;			/* .bss too */
static uint64_t data_magic = 0xc0ffee0ddba11ULL;	/* .data */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* What word @i of area @area holds after @n steps. */
static uint64_t want(int area, uint64_t i, uint64_t n)
{
	uint64_t last;

	if (i < SLOTS && n > i) {
		/* Step k (k >= 1) writes slot (k - 1) % SLOTS with mix(k * 4 + area). */
		last = i + 1 + ((n - 1 - i) / SLOTS) * SLOTS;
		return mix(last * 4 + area);
	}
	return mix(((uint64_t)area << 40) ^ i ^ 0x5555);
}

static void fill(int area, uint64_t *p, uint64_t words)
{
	uint64_t i;

	for (i = 0; i < words; i++)
		p[i] = want(area, i, 0);
}

static int check(const char *what, int area, const uint64_t *p,
		 uint64_t words, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < words; i++) {
		if (p[i] != want(area, i, n)) {
			say("bad %s %llu %#llx %#llx", what, (unsigned long long)i,
			    (unsigned long long)p[i],
			    (unsigned long long)want(area, i, n));
			return -1;
		}
	}
	return 0;
}

static void setup_files(void)
{
	char path[] = "/tmp/counter_static.unl.XXXXXX";
	char buf[5000];
	int p[2], fd, i;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)mix(i);
	if (pipe(p) || dup2(p[0], 5) != 5 || dup2(p[1], 6) != 6 ||
	    write(6, buf, 3000) != 3000)
		_exit(20);
	close(p[0]);
	close(p[1]);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf) ||
	    unlink(path) || dup2(fd, 7) != 7)
		_exit(21);
	close(fd);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, 8) != 8 || dup2(fd, 200) != 200)
		_exit(22);
	close(fd);
}

int main(int argc, char **argv)
{
	uint64_t stack[STACK_WORDS];
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	uint64_t *heap, n = 0, slot;
	unsigned char c, code;

	if (argc > 1 && !strcmp(argv[1], "files"))
		setup_files();
	/* From brk, not mmap: the thaw must restore [heap] and the break. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	heap = malloc(HEAP_WORDS * 8);
	if (!heap)
		return 10;
	fill(0, bss, BSS_WORDS);
	fill(1, heap, HEAP_WORDS);
	fill(2, stack, STACK_WORDS);
	say("ready %d %p %p %p %p", getpid(), (void *)bss, (void *)heap,
	    (void *)stack, sbrk(0));

	for (;;) {
		/* One step: every area's slot, the counter in .bss and here. */
		n++;
		slot = (n - 1) % SLOTS;
		bss[slot] = mix(n * 4 + 0);
		heap[slot] = mix(n * 4 + 1);
		stack[slot] = mix(n * 4 + 2);
		counter = n;
		if (n % 256)
			continue;
		/* Sleep a little in poll(): a freeze finds it there or running. */
		if (poll(&pfd, 1, 1) <= 0)
			continue;
		if (read(0, &c, 1) != 1)
			return 11;
		switch (c) {
		case 'c':
			say("count %llu", (unsigned long long)n);
			break;
		case 'v':
			if (counter != n) {
				say("bad counter 0 %llu %llu",
				    (unsigned long long)counter,
				    (unsigned long long)n);
				break;
			}
			if (data_magic != 0xc0ffee0ddba11ULL) {
				say("bad data 0 %#llx 0", (unsigned long long)data_magic);
				break;
			}
			if (check("bss", 0, bss, BSS_WORDS, n) ||
			    check("heap", 1, heap, HEAP_WORDS, n) ||
			    check("stack", 2, stack, STACK_WORDS, n))
				break;
			say("ok %llu", (unsigned long long)n);
			break;
		case 'p':
			say("pid %ld %ld", syscall(SYS_getpid), syscall(SYS_getppid));
			break;
		case 'm': {
			char *old = sbrk(0), *p = sbrk(65536);

			if (p == (void *)-1) {
				say("brk failed %d", errno);
				break;
			}
			memset(p, 0x5a, 65536);
			say("brk %p %p", (void *)old, sbrk(0));
			break;
		}
		case 'q':
			if (read(0, &code, 1) != 1)
				return 12;
			exit(code);
		default:
			say("unknown %c", c);
		}
	}
}
