/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cryo: process checkpoint/restore in the kernel.
 *
 * This header is the stable ABI between the cryo module, libcryoctl and
 * anything else that drives /dev/cryo.  It is the specification: every
 * command, argument structure and flag is documented here and rendered
 * into Documentation/userspace-api.rst.
 *
 * ABI rules, shared by every command:
 *
 * - Every argument structure starts with ``__u32 size; __u32 flags;``.
 *   ``size`` is sizeof() of the structure as the caller knows it.  The
 *   kernel accepts any size from the command's first published size up
 *   to one page: a smaller size is refused with EINVAL; bytes the kernel
 *   does not know about must be zero (else E2BIG); fields the caller does
 *   not know about are taken as zero.  Output fields are copied back only
 *   as far as the caller's size reaches.
 * - Unknown bits in ``flags`` are refused with EINVAL, before any work.
 * - Padding is explicit, named ``__reserved*``, and must be zero (EINVAL).
 * - User pointers are passed as __u64.
 * - An unknown command number gives ENOTTY.
 */
#ifndef _UAPI_LINUX_CRYO_H
#define _UAPI_LINUX_CRYO_H

#include <linux/ioctl.h>
#include <linux/types.h>

/** CRYO_DEVICE_NAME - name of the misc device, /dev/cryo */
#define CRYO_DEVICE_NAME	"cryo"

/*
 * ABI version.  The major number changes only when an existing command
 * or structure changes incompatibly; the minor number grows whenever a
 * command, flag or field is added.  A caller built against major M works
 * with any module whose major is M.
 */
#define CRYO_ABI_MAJOR		1
#define CRYO_ABI_MINOR		0

/**
 * enum cryo_feature - capabilities a module reports in &cryo_version.features
 * @CRYO_FEATURE_VERSION: %CRYO_IOC_VERSION is available (always set).
 * @CRYO_FEATURE_ALL: every feature bit this header knows about.
 *
 * A bit is set only when the loaded module implements the feature, so a
 * caller can test for a command before issuing it.  Later minor versions
 * add bits; a caller must ignore bits it does not know.
 */
enum cryo_feature {
	CRYO_FEATURE_VERSION	= 1ULL << 0,
	CRYO_FEATURE_ALL	= CRYO_FEATURE_VERSION,
};

/*
 * ioctl numbers.  As in iommufd, the structure size is not encoded in the
 * number: it travels in the structure's ``size`` field, so a structure
 * can grow without a new command number.
 */
#define CRYO_IOC_TYPE		0xC7

enum {
	CRYO_CMD_VERSION	= 0x00,
};

/**
 * struct cryo_version - ABI version and features of the loaded module
 * @size: sizeof(struct cryo_version) as the caller knows it; at least
 *        %CRYO_VERSION_SIZE_VER0.
 * @flags: must be 0.
 * @abi_major: out: %CRYO_ABI_MAJOR of the module.
 * @abi_minor: out: %CRYO_ABI_MINOR of the module.
 * @features: out: &enum cryo_feature bits the module implements.
 *
 * Issued as ``ioctl(fd, CRYO_IOC_VERSION, &v)``; returns 0.
 * Errors: EFAULT (bad pointer), EINVAL (@size too small, unknown @flags),
 * E2BIG (@size larger than known with nonzero trailing bytes).
 */
struct cryo_version {
	__u32 size;
	__u32 flags;
	__u32 abi_major;
	__u32 abi_minor;
	__u64 features;
};

/** CRYO_VERSION_SIZE_VER0 - first published size of &struct cryo_version */
#define CRYO_VERSION_SIZE_VER0	24

/** CRYO_IOC_VERSION - query the ABI version, see &struct cryo_version */
#define CRYO_IOC_VERSION	_IO(CRYO_IOC_TYPE, CRYO_CMD_VERSION)

#endif /* _UAPI_LINUX_CRYO_H */
