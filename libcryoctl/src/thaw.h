/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the thaw's files: thaw.c (CRYO_IOC_THAW and the process R
 * that becomes the restored one), stub_region.c (the region the stub runs
 * from: its layout, its size, what the library writes into it, mapping it)
 * and remap.c (CRYO_IOC_REMAP's diagnostic, which runs the stub too).
 */
#ifndef CRYOCTL_THAW_H
#define CRYOCTL_THAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/cryo.h>

/* Threads a region is sized for when the image's HEADER cannot be read first. */
#define THAW_PIPE_THREADS	4096
/* Room for thread ids in CRYO_IOC_THAW (the module tells how many there are). */
#define THAW_TIDS_MAX		65536
/* Pipes a region has room for. */
#define THAW_PIPES_MAX		4096

#define PAGE_ALIGN(x)		(((x) + 4095UL) & ~4095UL)

/* ---- stub_region.c --------------------------------------------------------- */

/*
 * The stub region of a thaw or remap: offsets from its start.  Up to
 * @init_len it is written by the library; the rest starts zero.
 */
struct cryoctl_region {
	size_t args;		/* struct stub_args */
	size_t threads;		/* struct stub_thread [nr_threads] */
	size_t tids;
	size_t pipes;
	size_t init_len;
	size_t fpu;		/* FPU buffers, @fpu_slot bytes each */
	size_t fpu_slot;
	size_t stacks;		/* stacks, @stack_size bytes each */
	size_t stack_size;
	size_t buf;		/* remap: the maps text */
	size_t buf_len;
	size_t len;		/* page aligned */
};

void cryoctl_region_layout(struct cryoctl_region *r, size_t nr_threads,
			   size_t nr_pipes, size_t fpu_size, size_t buf_len);

/*
 * For the unit tests only: when nonzero, the XSAVE area size the region
 * is sized for instead of CPUID's, so that the sizing can be tested for
 * any CPU (AVX-512, AMX) on any host.
 */
extern size_t cryoctl_thaw_fake_cpu_fpu_size;

/*
 * What the region of a thaw from @image_fd must hold, before
 * CRYO_IOC_THAW says it: threads and FPU state per thread.
 */
void region_estimate(int image_fd, size_t *nr_threads, size_t *fpu_size);

/*
 * Map @len bytes of region at @base, exactly there, in the calling
 * process (R or remap's child: async-signal-safe).  Return: 0, or -errno
 * (-EEXIST when something is in the way).
 */
int region_map(uint64_t base, size_t len, void **p);

/*
 * A remap's region at @base: the stub, then its arguments.  Return: the
 * region's first @r->init_len bytes, malloc()ed, or NULL.
 */
unsigned char *region_build_remap(const struct cryoctl_region *r, uint64_t base,
				  int devfd, int layout_fd, int result_fd);

/* ---- thaw.c ------------------------------------------------------------------ */

/* Everything a thaw holds, released by thaw_cleanup(). */
struct thaw_ctx {
	int devfd;
	unsigned int flags;
	struct cryo_thaw t;
	__s32 *tids;
	uint32_t *groups;	/* CRYO_THAW_GROUPS_MAX, filled by the module */
	bool creds;		/* the module planned R's credentials (ABI 1.4) */
	int *pipes;		/* 2 * nr_pipes, -1 when closed */
	unsigned int nr_pipes;
	int status[2];
	struct cryoctl_region r;
	size_t stub_len;	/* what CRYO_IOC_THAW was given */
	unsigned char *init;	/* the region's first r.init_len bytes */
	pid_t rpid;		/* R, once known */
	int pidfd;		/* R's, when the kernel has pidfd_open() */
	bool reaped;		/* R was waited for (CRYOCTL_THAW_WAIT) */
};

/* stub_region.c: fill in c->init, the part of the region the library writes. */
void region_build_thaw(struct thaw_ctx *c);

#endif /* CRYOCTL_THAW_H */
