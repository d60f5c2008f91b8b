/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to libcryoctl.
 */
#ifndef CRYOCTL_INTERNAL_H
#define CRYOCTL_INTERNAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CRYOCTL_EXPORT __attribute__((visibility("default")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define CRYOCTL_LIB_VERSION "1.4.1"

/* A call that failed with -1/errno, as the library's -errno convention. */
static inline int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

/*
 * Write all @len bytes, retrying on EINTR and after short writes.
 * Return: 0 or -errno (-EIO if write() makes no progress).
 */
int cryoctl_write_full(int fd, const void *buf, size_t len);

/*
 * Read up to @len bytes, stopping early only at EOF; retries on EINTR.
 * Return: the bytes read (less than @len only at EOF) or -errno.
 */
ssize_t cryoctl_read_full(int fd, void *buf, size_t len);

/*
 * The stub region of a thaw or remap (thaw.c): offsets from its start.
 * Up to @init_len it is written by the library; the rest starts zero.
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
 * For the unit tests only: when nonzero, the XSAVE area size thaw.c
 * takes for this CPU's instead of CPUID's, so that the region sizing can
 * be tested for any CPU (AVX-512, AMX) on any host.
 */
extern size_t cryoctl_thaw_fake_cpu_fpu_size;

/* XXH64 (xxh64.c), the record checksum's hash. */
struct cryo_xxh64 {
	uint64_t v[4];
	uint64_t seed;
	uint64_t total;
	unsigned char buf[32];
	size_t fill;
};

void cryo_xxh64_init(struct cryo_xxh64 *s, uint64_t seed);
void cryo_xxh64_update(struct cryo_xxh64 *s, const void *buf, size_t len);
uint64_t cryo_xxh64_final(const struct cryo_xxh64 *s);

/* thaw_creds.c: R takes the restored process's ids and limits. */
struct cryo_thaw;
int thaw_set_creds(const struct cryo_thaw *t, const uint32_t *groups);

#endif /* CRYOCTL_INTERNAL_H */
