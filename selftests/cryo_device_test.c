// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/cryo and the ioctl ABI rules every command shares:
 * struct size, flags and unknown commands.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryoctl.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	CRYO_OPEN_OR_SKIP(self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, is_a_stream_char_device)
{
	struct stat st;

	ASSERT_EQ(0, fstat(self->fd, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	/* Root only until packaging hands out a group. */
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	/* The image is a stream: seeking makes no sense. */
	EXPECT_ERRNO(ESPIPE, lseek(self->fd, 0, SEEK_SET));
}

TEST_F(dev, version_matches_header)
{
	struct cryo_version v;

	memset(&v, 0xa5, sizeof(v));
	v.size = sizeof(v);
	v.flags = 0;
	ASSERT_EQ(0, ioctl(self->fd, CRYO_IOC_VERSION, &v));
	EXPECT_EQ(sizeof(v), v.size);
	EXPECT_EQ(0, v.flags);
	EXPECT_EQ(CRYO_ABI_MAJOR, v.abi_major);
	EXPECT_EQ(CRYO_ABI_MINOR, v.abi_minor);
	EXPECT_EQ(CRYO_FEATURE_ALL, v.features);
	EXPECT_EQ(sizeof(v), CRYO_VERSION_SIZE_VER0);
}

TEST_F(dev, library_version_agrees)
{
	struct cryoctl_version lv;
	struct cryo_version v = { .size = sizeof(v) };

	ASSERT_EQ(0, ioctl(self->fd, CRYO_IOC_VERSION, &v));
	ASSERT_EQ(0, cryoctl_version(self->fd, &lv));
	EXPECT_EQ(v.abi_major, lv.abi_major);
	EXPECT_EQ(v.abi_minor, lv.abi_minor);
	EXPECT_EQ(v.features, lv.features);
	EXPECT_EQ(CRYO_ABI_MAJOR, lv.lib_abi_major);
	EXPECT_EQ(-EINVAL, cryoctl_version(self->fd, NULL));
	/* Not a cryo device: the ioctl is unknown there. */
	{
		int null = open("/dev/null", O_RDWR);

		ASSERT_LE(0, null);
		EXPECT_EQ(-ENOTTY, cryoctl_version(null, &lv));
		close(null);
	}
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	struct cryo_version v = { .size = sizeof(v) };

	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(CRYO_IOC_TYPE, 0x7f), &v));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(CRYO_IOC_TYPE, 0xff), &v));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO('x', CRYO_CMD_VERSION), &v));
	/* Right number, wrong direction/size bits: still not ours. */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd,
		     _IOWR(CRYO_IOC_TYPE, CRYO_CMD_VERSION, struct cryo_version), &v));
}

TEST_F(dev, short_struct_is_einval)
{
	struct cryo_version v;
	__u32 sizes[] = { 0, 4, 8, CRYO_VERSION_SIZE_VER0 - 1 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&v, 0, sizeof(v));
		v.size = sizes[i];
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, CRYO_IOC_VERSION, &v));
		/* Refused input changes nothing. */
		EXPECT_EQ(0, v.abi_major);
		EXPECT_EQ(0, v.features);
	}
}

TEST_F(dev, larger_struct_tail_rules)
{
	struct {
		struct cryo_version v;
		__u64 tail[4];
	} big;

	/* A zero tail is accepted, filled as far as known, tail untouched. */
	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	ASSERT_EQ(0, ioctl(self->fd, CRYO_IOC_VERSION, &big));
	EXPECT_EQ(CRYO_ABI_MAJOR, big.v.abi_major);
	EXPECT_EQ(CRYO_ABI_MINOR, big.v.abi_minor);
	EXPECT_EQ(0, big.tail[0]);
	EXPECT_EQ(0, big.tail[3]);

	/* A nonzero byte anywhere in the unknown tail is E2BIG. */
	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	big.tail[3] = 1ULL << 63;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, CRYO_IOC_VERSION, &big));
	EXPECT_EQ(0, big.v.abi_major);

	/* A size past the tail we actually wrote is honoured too. */
	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big.v) + 1;
	*((unsigned char *)&big.tail) = 0x80;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, CRYO_IOC_VERSION, &big));
}

TEST_F(dev, huge_size_is_e2big)
{
	long page = sysconf(_SC_PAGESIZE);
	struct cryo_version *v;
	char *buf;

	/* Two zeroed pages: even a zero tail beyond a page is refused. */
	buf = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	v = (struct cryo_version *)buf;
	v->size = page + 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, CRYO_IOC_VERSION, v));
	v->size = page;
	EXPECT_EQ(0, ioctl(self->fd, CRYO_IOC_VERSION, v));
	EXPECT_EQ(CRYO_ABI_MAJOR, v->abi_major);
	v->size = 0xffffffffu;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, CRYO_IOC_VERSION, v));
	munmap(buf, 2 * page);
}

TEST_F(dev, unknown_flags_are_einval)
{
	__u32 bits[] = { 1u << 0, 1u << 7, 1u << 31 };
	struct cryo_version v;
	unsigned int i;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		memset(&v, 0, sizeof(v));
		v.size = sizeof(v);
		v.flags = bits[i];
		EXPECT_ERRNO(EINVAL, ioctl(self->fd, CRYO_IOC_VERSION, &v));
		EXPECT_EQ(0, v.abi_major);
	}
}

TEST_F(dev, bad_pointer_is_efault)
{
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CRYO_IOC_VERSION, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CRYO_IOC_VERSION, (void *)-4096L));
}

TEST(unprivileged_open_is_eacces)
{
	int status;
	pid_t pid;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing: module not loaded");
	if (geteuid() != 0)
		SKIP(return, "needs root to drop to nobody");

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (cryo_become_nobody())
			_exit(2);
		if (open(CRYO_DEV, O_RDWR) >= 0)
			_exit(3);
		_exit(errno == EACCES ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("child exit %d: 2 setuid failed, 3 open succeeded, 4 wrong errno",
		       WEXITSTATUS(status));
	}
}

TEST_HARNESS_MAIN
