/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the supported kernels, 6.1 and 6.12, in one place.
 * Each shim says which version introduced or removed what it papers over.
 * Prefer probing for a feature over comparing version numbers.
 */
#ifndef _CRYO_COMPAT_H
#define _CRYO_COMPAT_H

#include <linux/version.h>

/* Refuse unsupported kernels at build time, not with a runtime surprise. */
#if LINUX_VERSION_MAJOR != 6 || LINUX_VERSION_PATCHLEVEL < 1 || \
	LINUX_VERSION_PATCHLEVEL > 12
#error "cryo supports Linux 6.1 to 6.12 only"
#endif

#endif /* _CRYO_COMPAT_H */
