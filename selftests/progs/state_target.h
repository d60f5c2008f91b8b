/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What cryo_state_test and its target, progs/state_target, share: the
 * sizes and places of what the commands set up, and the page the target
 * reports in (fd numbers, addresses, thread ids, results of blocked
 * calls).  Plain C: the target is built without the cryo headers.
 */
#ifndef CRYO_STATE_TARGET_H
#define CRYO_STATE_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NR_REG_THREADS	8
#define PIPE_BYTES	1000
#define REG_BYTES	8192
#define REG_POS		4096
#define DUP_POS		123
#define DUP_FD		40
#define APP_BYTES	100
#define UNL_BYTES	10000
/*
 * More than two records' worth (CRYO_REC_MAX_LEN, 1 MiB + 4 KiB, each):
 * FILE_DATA must be split.
 */
#define BIG_BYTES	(2 * ((1 << 20) + 4096) + 12345)
#define BIG_POS		777
#define LOST_FD		50
#define PIPE_RD_FD	45	/* the read end goes after the write end */
#define FIFO_BYTES	77

#ifndef SS_AUTODISARM
#define SS_AUTODISARM	(1U << 31)
#endif

/* 'L': what the file at LOST_FD is. */
enum { LOST_SOCKET, LOST_FANOTIFY, LOST_UFFD, LOST_KMSG };

/* The restart test's blocked threads. */
enum {
	BT_NANO_LONG,	/* nanosleep(1000 s) */
	BT_READ,	/* read() of an empty pipe */
	BT_FUTEX,	/* FUTEX_WAIT, no timeout */
	BT_SELECT,	/* select() of an empty pipe, 30 s timeout */
	BT_NANO_1S,	/* nanosleep(1 s), started just before the freeze */
	NR_BT,
};

struct bthread {
	int tid;
	int state;		/* 1: about to block, 2: returned */
	long ret;
	int err;
	struct timespec t0, t1;
};

struct rthread {
	int tid;
	uint64_t fs_base;
	uint64_t counter;	/* bumped by the spin loop */
};

/*
 * The page the test and the target share: the target maps it
 * MAP_SHARED | MAP_ANONYMOUS and tells the test where (see main()), the
 * test maps the same through /proc/PID/map_files.
 */
struct shared {
	uint64_t at;		/* the page's address in the target */
	char dir[64];		/* the test's scratch directory */
	char errmsg[256];	/* why the target refused a command */
	int lost_kind;		/* for 'L' */

	/* 'F' */
	int fd_reg, fd_dup, fd_app, fd_cloexec, fd_null, fd_pr, fd_pw, fd_unl;
	int fd_fifo, fd_dir;
	/* 'U' */
	int fd_big;
	/* 'L' */
	int fd_lost[2];

	/* 'S' */
	uint64_t handler;	/* &usr1_handler */
	struct {
		uint64_t handler, flags, restorer, mask;
	} kact;			/* rt_sigaction(SIGUSR1) as the kernel has it */
	uint64_t altstack;

	/* 'I' */
	int pid, ppid, pgid, sid;
	char comm[16];
	uint32_t uid[4], gid[4];
	uint32_t umask;
	int ngroups;
	uint32_t groups[64];
	char cwd[128];

	/* 'R' */
	struct rthread rt[NR_REG_THREADS];
	uint64_t spin_loop, spin_end;	/* where the threads spin: [loop, end) */

	/* 'B', 'N' */
	struct bthread bt[NR_BT];
	int rd_pipe[2], sel_pipe[2];
	uint32_t futex_word;
	unsigned char byte_read;
};

/* The bytes the files are filled with. */
static inline unsigned char pattern(unsigned int seed, unsigned long i)
{
	unsigned long x = (i + 1) * 2654435761UL ^ seed;

	return (x >> 13) ^ (x >> 5);
}

static inline void fill(unsigned char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = pattern(seed, i);
}

static inline int same_pattern(const unsigned char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != pattern(seed, i))
			return 0;
	return 1;
}

/* 'R': what thread i keeps in r12, r13, r14, xmm0 and xmm1. */
#define R12(i)	(0x1212000000000000ULL | ((uint64_t)(i) << 16) | 0xaa01)
#define R13(i)	(0x1313000000000000ULL | ((uint64_t)(i) << 16) | 0xaa02)
#define R14(i)	(0x1414000000000000ULL | ((uint64_t)(i) << 16) | 0xaa03)
#define XMM0(i)	(0x0a0a000000000000ULL | ((uint64_t)(i) << 16) | 0xbb04)
#define XMM1(i)	(0x0b0b000000000000ULL | ((uint64_t)(i) << 16) | 0xbb05)

#endif /* CRYO_STATE_TARGET_H */
