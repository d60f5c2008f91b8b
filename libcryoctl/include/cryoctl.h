/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcryoctl: the user-space side of cryo, process checkpoint/restore in
 * the kernel.  A thin layer over the ioctls of /dev/cryo (see
 * <linux/cryo.h>) for cryoctl(8) and for cluster schedulers.
 *
 * Conventions: every function that can fail returns 0 (or a non-negative
 * value where documented) on success and a negative errno value on
 * failure; errno itself is not used to report errors.  No function keeps
 * hidden global state; all of them are thread-safe.
 */
#ifndef CRYOCTL_H
#define CRYOCTL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Path of the cryo device; the CRYOCTL_DEVICE environment variable overrides it. */
#define CRYOCTL_DEVICE_PATH "/dev/cryo"

/**
 * struct cryoctl_version - what cryoctl_version() reports
 * @abi_major: the module's ABI major version (CRYO_ABI_MAJOR it was built with)
 * @abi_minor: the module's ABI minor version
 * @features: the module's CRYO_FEATURE_* bits
 * @lib_abi_major: the ABI major this library speaks
 * @lib_abi_minor: the ABI minor this library was built against
 */
struct cryoctl_version {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint64_t features;
	uint32_t lib_abi_major;
	uint32_t lib_abi_minor;
};

/**
 * cryoctl_open() - open the cryo device
 *
 * Opens CRYOCTL_DEVICE_PATH (or $CRYOCTL_DEVICE) read-write and
 * close-on-exec.  Each open file is one cryo session.
 *
 * Return: a file descriptor, or -ENOENT (module not loaded), -EACCES
 * (no permission on the device), or another -errno from open(2).
 */
int cryoctl_open(void);

/**
 * cryoctl_version() - query the module's ABI version and features
 * @fd: a descriptor from cryoctl_open()
 * @v: filled in on success
 *
 * Return: 0; -EPROTO when the module speaks another ABI major version than
 * this library (@v is filled in all the same); or -errno from the ioctl
 * (-ENOTTY: @fd is not a cryo device).
 */
int cryoctl_version(int fd, struct cryoctl_version *v);

/**
 * cryoctl_library_version() - the library's own version string
 *
 * Return: a static string such as "1.0.0".
 */
const char *cryoctl_library_version(void);

#ifdef __cplusplus
}
#endif

#endif /* CRYOCTL_H */
