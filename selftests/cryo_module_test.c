// SPDX-License-Identifier: GPL-2.0
/*
 * The module's lifetime: it cannot go while /dev/cryo is open, and it
 * unloads and reloads cleanly (the VM runner fails the run on any splat
 * this leaves in the kernel log).
 *
 * Needs CRYO_KO, the path of cryo.ko, which the VM's init exports.  The
 * binary is named to sort after the other tests, and every test leaves
 * the module loaded, so nothing else depends on its outcome.
 */
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "cryo_test.h"

static int delete_module(const char *name, unsigned int flags)
{
	return syscall(__NR_delete_module, name, flags);
}

static int load_module(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

/* Wait for devtmpfs to publish or remove /dev/cryo. */
static int wait_dev(int present)
{
	int i;

	for (i = 0; i < 200; i++) {
		if ((access(CRYO_DEV, F_OK) == 0) == present)
			return 0;
		usleep(10000);
	}
	return -1;
}

static int version_ok(int fd)
{
	struct cryo_version v = { .size = sizeof(v) };

	return ioctl(fd, CRYO_IOC_VERSION, &v) == 0 && v.abi_major == CRYO_ABI_MAJOR;
}

FIXTURE(mod) {
	const char *ko;
};

FIXTURE_SETUP(mod)
{
	self->ko = getenv("CRYO_KO");
	if (!self->ko)
		CRYO_SETUP_SKIP("CRYO_KO not set (run inside the VM)");
	if (geteuid() != 0)
		CRYO_SETUP_SKIP("needs root");
	if (access("/sys/module/cryo", F_OK))
		ASSERT_EQ(0, load_module(self->ko));
}

FIXTURE_TEARDOWN(mod)
{
	/* Whatever happened, leave the module loaded for whoever is next. */
	if (self->ko && access("/sys/module/cryo", F_OK))
		load_module(self->ko);
}

TEST_F(mod, busy_while_open)
{
	int fd;

	fd = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_ERRNO(EWOULDBLOCK, delete_module("cryo", O_NONBLOCK));
	/* Still there, still working. */
	EXPECT_EQ(0, access("/sys/module/cryo", F_OK));
	EXPECT_TRUE(version_ok(fd));
	close(fd);
}

TEST_F(mod, unload_and_reload)
{
	char out[4096];
	const char *const check[] = { "cryoctl", "check", NULL };
	int fd;

	ASSERT_EQ(0, delete_module("cryo", O_NONBLOCK)) {
		TH_LOG("delete_module: %s", strerror(errno));
	}
	EXPECT_ERRNO(ENOENT, access("/sys/module/cryo", F_OK));
	EXPECT_EQ(0, wait_dev(0));
	EXPECT_ERRNO(ENOENT, open(CRYO_DEV, O_RDWR));

	/* cryoctl's diagnosis says so, with its documented exit code. */
	EXPECT_EQ(3, cryo_run_cli(out, sizeof(out), 0, check));
	EXPECT_NE(NULL, strstr(out, "FAIL module loaded")) TH_LOG("%s", out);

	ASSERT_EQ(0, load_module(self->ko)) {
		TH_LOG("finit_module(%s): %s", self->ko, strerror(errno));
	}
	ASSERT_EQ(0, wait_dev(1));
	fd = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(version_ok(fd));
	close(fd);

	/* Loading it twice is refused by the kernel, not by a crash. */
	EXPECT_ERRNO(EEXIST, load_module(self->ko));
}

TEST_F(mod, repeated_cycles)
{
	int i, fd;

	for (i = 0; i < 5; i++) {
		fd = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_TRUE(version_ok(fd));
		close(fd);
		ASSERT_EQ(0, delete_module("cryo", O_NONBLOCK));
		ASSERT_EQ(0, load_module(self->ko));
		ASSERT_EQ(0, wait_dev(1));
	}
}

TEST_HARNESS_MAIN
