// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host-side unit tests of libcryoctl and cryoctl that need no cryo module:
 * CRC32C, the image reader on synthetic images (good, corrupted,
 * truncated, malformed; the process records, files and their order,
 * shared memory objects),
 * cryoctl_freeze() and cryoctl_freeze_ex() against a fake device,
 * cryoctl_thaw() and cryoctl_remap_maps() against a fake device with the
 * real stub (up to its ioctls, and, under ptrace playing the module, past
 * the point of no return), and the image commands of cryoctl (verify,
 * inspect, maps, layout) plus the command-line checks of freeze and thaw.
 *
 * Build this file together with every libcryoctl/src .c file, from the top
 * of the tree, with -D_GNU_SOURCE -Iuapi -Ilibcryoctl/include
 * -Ilibcryoctl/src, and run it as "build/tests/unit build/bin/cryoctl"
 * (cryoctl's path; that is the default).  "make unit" does both.
 *
 * The library is compiled in, so this program's ioctl() replaces the C
 * library's for it: CRYO_IOC_FREEZE, CRYO_IOC_COMMIT, CRYO_IOC_VERSION,
 * CRYO_IOC_THAW, CRYO_IOC_THAW_SHM and CRYO_IOC_THAW_STATUS on the fake
 * device descriptor are answered here, anything else goes to the kernel
 * (the stub's raw system calls always do).
 *
 * The last line is "N passed, M failed"; the exit status is 0 only when
 * nothing failed.
 */
#include "unit.h"

int passed, failed;

bool __attribute__((format(printf, 3, 4)))
check(bool ok, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return true;
	}
	failed++;
	fprintf(stderr, "FAIL line %d: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

int main(int argc, char **argv)
{
	cryoctl_bin = argc > 1 ? argv[1] : "build/bin/cryoctl";

	test_crc();
	test_xxh64();
	test_good();
	test_bitflips();
	test_truncation();
	test_malformed();
	test_unknown_types();
	test_process_block();
	test_siginfo();
	test_sleep();
	test_timers();
	test_cli_timers();
	test_files();
	test_shm_image();
	test_lock_image();
	test_epoll_image();
	test_inotify_image();
	test_big_record();
	test_freeze();
	test_thaw();
	test_thaw_shm();
	test_thaw_objects();
	if (CHECK(!access(cryoctl_bin, X_OK), "cryoctl at %s: %s", cryoctl_bin,
		  strerror(errno))) {
		test_cli_usage();
		test_cli_image();
		test_cli_tree();
		test_cli_shm();
		test_cli_inotify();
		test_cli_sleep();
		test_cli_maps_proc();
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
