/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the supported kernels, 6.1 and 6.12, in one place.
 * Each shim says which version introduced or removed what it papers over.
 * Prefer probing for a feature over comparing version numbers.
 */
#ifndef _CRYO_COMPAT_H
#define _CRYO_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "cryo supports Linux 6.1 to 6.12 only"
#endif

#endif /* _CRYO_COMPAT_H */
