// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Opening /dev/cryo and asking it what it is.
 */
#include <errno.h>
#include <fcntl.h>
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
