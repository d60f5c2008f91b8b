/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to libcryoctl.
 */
#ifndef CRYOCTL_INTERNAL_H
#define CRYOCTL_INTERNAL_H

#include <errno.h>

#define CRYOCTL_EXPORT __attribute__((visibility("default")))

#define CRYOCTL_LIB_VERSION "1.0.0"

/* A call that failed with -1/errno, as the library's -errno convention. */
static inline int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

#endif /* CRYOCTL_INTERNAL_H */
