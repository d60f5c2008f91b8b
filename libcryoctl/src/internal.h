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

#define CRYOCTL_LIB_VERSION "1.12.0"

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
 * -EOPNOTSUPP unless the module on @devfd has @feature; -EPROTO for
 * another ABI major (device.c).  @what names the operation in the message
 * left in @msg.
 */
int cryoctl_need_feature(int devfd, uint64_t feature, const char *what,
			 char *msg, size_t size);

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
