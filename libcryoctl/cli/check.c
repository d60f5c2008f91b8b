// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl version, cryoctl check: is cryo usable here, and which one is it?
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/cryo.h>

#include "cryoctl.h"
#include "cli.h"

static const char *const feature_names[] = {
	"version",
	"freeze",
	"thaw",
	"remap",
	"netlink",
};

static void print_features(uint64_t features)
{
	const char *sep = "";
	unsigned int bit;

	printf(" (");
	for (bit = 0; bit < 64; bit++) {
		if (!(features & (1ULL << bit)))
			continue;
		if (bit < ARRAY_SIZE(feature_names))
			printf("%s%s", sep, feature_names[bit]);
		else
			printf("%sbit%u", sep, bit);
		sep = ",";
	}
	printf(")");
}

static int run_version(int argc, char **argv)
{
	struct cryoctl_version v;
	int fd, ret;

	ret = cli_common_opts(&cmd_version, argc, argv);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;

	printf("cryoctl %s\n", CRYOCTL_CLI_VERSION);
	printf("libcryoctl %s (ABI %d.%d)\n", cryoctl_library_version(),
	       CRYO_ABI_MAJOR, CRYO_ABI_MINOR);

	fd = cryoctl_open();
	if (fd < 0) {
		printf("module: unavailable (%s)\n", strerror(-fd));
		return cli_exit_for_open(fd);
	}
	ret = cryoctl_version(fd, &v);
	close(fd);
	if (ret && ret != -EPROTO) {
		printf("module: version query failed (%s)\n", strerror(-ret));
		return EXIT_FAIL;
	}
	printf("module ABI %u.%u, features 0x%llx", v.abi_major, v.abi_minor,
	       (unsigned long long)v.features);
	print_features(v.features);
	printf("\n");
	return ret ? EXIT_ABI : EXIT_OK;
}

const struct cli_cmd cmd_version = {
	.name = "version",
	.summary = "print the versions of cryoctl, libcryoctl and the module",
	.usage =
	"Usage: cryoctl version\n"
	"\n"
	"Print the version of cryoctl, of libcryoctl and the ABI it speaks, and\n"
	"the ABI version and features of the loaded cryo module.\n"
	"\n"
	"Exit status: 0 on success, 3 if the module is not loaded, 4 if\n"
	"/dev/cryo is not accessible, 5 if the module's ABI is incompatible.\n",
	.run = run_version,
};

/* One diagnosis line: "ok" or "FAIL", what was checked, and why. */
static void verdict(int ok, const char *what, const char *detail)
{
	printf("%-4s %s%s%s\n", ok ? "ok" : "FAIL", what,
	       detail ? ": " : "", detail ? detail : "");
}

static int run_check(int argc, char **argv)
{
	const char *dev = getenv("CRYOCTL_DEVICE");
	char detail[256];
	struct cryoctl_version v;
	struct stat st;
	int fd, ret;

	ret = cli_common_opts(&cmd_check, argc, argv);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (!dev || !*dev)
		dev = CRYOCTL_DEVICE_PATH;

	if (access("/sys/module/cryo", F_OK)) {
		verdict(0, "module loaded",
			"/sys/module/cryo is missing; load it with 'modprobe cryo'");
		return EXIT_NODEV;
	}
	verdict(1, "module loaded", NULL);

	if (stat(dev, &st)) {
		snprintf(detail, sizeof(detail), "%s: %s", dev, strerror(errno));
		verdict(0, "device present", detail);
		return EXIT_NODEV;
	}
	if (!S_ISCHR(st.st_mode)) {
		snprintf(detail, sizeof(detail), "%s is not a character device", dev);
		verdict(0, "device present", detail);
		return EXIT_NODEV;
	}
	snprintf(detail, sizeof(detail), "%s (%u:%u, mode %04o, uid %u, gid %u)",
		 dev, major(st.st_rdev), minor(st.st_rdev),
		 (unsigned int)(st.st_mode & 07777), (unsigned int)st.st_uid,
		 (unsigned int)st.st_gid);
	verdict(1, "device present", detail);

	fd = cryoctl_open();
	if (fd < 0) {
		snprintf(detail, sizeof(detail), "%s: %s%s", dev, strerror(-fd),
			 fd == -EACCES ? " (needs root or the device's group)" : "");
		verdict(0, "device accessible", detail);
		return cli_exit_for_open(fd);
	}
	verdict(1, "device accessible", NULL);

	ret = cryoctl_version(fd, &v);
	close(fd);
	if (ret && ret != -EPROTO) {
		snprintf(detail, sizeof(detail), "version query failed: %s", strerror(-ret));
		verdict(0, "ABI compatible", detail);
		return EXIT_FAIL;
	}
	snprintf(detail, sizeof(detail), "module %u.%u, cryoctl %u.%u",
		 v.abi_major, v.abi_minor, v.lib_abi_major, v.lib_abi_minor);
	verdict(!ret, "ABI compatible", detail);
	if (ret)
		return EXIT_ABI;

	printf("cryo is ready\n");
	return EXIT_OK;
}

const struct cli_cmd cmd_check = {
	.name = "check",
	.summary = "diagnose whether cryo is usable on this machine",
	.usage =
	"Usage: cryoctl check\n"
	"\n"
	"Check, in order, that the cryo module is loaded, that /dev/cryo (or\n"
	"$CRYOCTL_DEVICE) exists and is accessible to the caller, and that the\n"
	"module's ABI is compatible with this cryoctl.  One line per check;\n"
	"the first failing check ends the run.\n"
	"\n"
	"Exit status: 0 all good, 3 module not loaded or device missing, 4 no\n"
	"permission on the device, 5 incompatible ABI, 1 anything else.\n",
	.run = run_check,
};
