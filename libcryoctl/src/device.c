// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Opening /dev/cryo and asking it what it is (and whether it can do
 * what a thaw or a remap needs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/cryo.h>

#include "cryoctl.h"
#include "internal.h"

CRYOCTL_EXPORT int cryoctl_open(void)
{
	const char *path = getenv("CRYOCTL_DEVICE");
	int fd;

	if (!path || !*path)
		path = CRYOCTL_DEVICE_PATH;
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? neg_errno() : fd;
}

CRYOCTL_EXPORT int cryoctl_version(int fd, struct cryoctl_version *v)
{
	struct cryo_version kv = { .size = sizeof(kv) };

	if (!v)
		return -EINVAL;
	if (ioctl(fd, CRYO_IOC_VERSION, &kv) < 0)
		return neg_errno();

	memset(v, 0, sizeof(*v));
	v->abi_major = kv.abi_major;
	v->abi_minor = kv.abi_minor;
	v->features = kv.features;
	v->lib_abi_major = CRYO_ABI_MAJOR;
	v->lib_abi_minor = CRYO_ABI_MINOR;
	return kv.abi_major == CRYO_ABI_MAJOR ? 0 : -EPROTO;
}

CRYOCTL_EXPORT const char *cryoctl_library_version(void)
{
	return CRYOCTL_LIB_VERSION;
}

/* Whether the module can do what a thaw or remap needs (internal.h). */
int cryoctl_need_feature(int devfd, uint64_t feature, const char *what,
			 char *msg, size_t size)
{
	/* Zero: an ioctl failing with EPROTO leaves it unset. */
	struct cryoctl_version v = { 0 };
	int ret;

	ret = cryoctl_version(devfd, &v);
	if (ret == -EPROTO) {
		snprintf(msg, size, "the module speaks ABI %u.%u, libcryoctl %u.x",
			 v.abi_major, v.abi_minor, v.lib_abi_major);
		return ret;
	}
	if (ret) {
		snprintf(msg, size, "not a cryo device: %s", strerror(-ret));
		return ret;
	}
	if (!(v.features & feature)) {
		snprintf(msg, size, "the loaded cryo module cannot %s (module ABI %u.%u)",
			 what, v.abi_major, v.abi_minor);
		return -EOPNOTSUPP;
	}
	return 0;
}
