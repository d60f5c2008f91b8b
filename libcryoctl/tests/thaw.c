// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of cryoctl_thaw() and cryoctl_remap_maps() against the fake
 * device, with the real stub up to its ioctls.
 */
#include "unit.h"

/* ---- cryoctl_thaw() and cryoctl_remap_maps() against a fake device ------ */

static int count_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		abort();
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n - 1;	/* the directory's own */
}

/* No child left, none to reap. */
bool no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static uint64_t sigmask_now(void)
{
	sigset_t set;
	uint64_t m = 0;
	int i;

	sigprocmask(SIG_SETMASK, NULL, &set);
	for (i = 1; i < 64; i++)
		if (sigismember(&set, i) == 1)
			m |= 1ULL << (i - 1);
	return m;
}

/* A file holding just a HEADER for @nr_threads threads (what pread() sees). */
/* An image file holding only a HEADER, announcing @fpu_size (0: FPU_SIZE). */
static int header_file_fpu(uint32_t nr_threads, uint32_t fpu_size)
{
	struct img *m = calloc(1, sizeof(*m));
	int fd = memfd_create("img", MFD_CLOEXEC);
	struct cryo_image_header *h;

	if (!m || fd < 0)
		abort();
	put_header(m, nr_threads, CRYO_IMAGE_MINOR);
	if (fpu_size) {
		h = (void *)(m->b.p + sizeof(struct cryo_rec));
		h->fpu_size = fpu_size;
		((struct cryo_rec *)m->b.p)->crc =
			cryoctl_record_crc((struct cryo_rec *)m->b.p, h);
	}
	if (write(fd, m->b.p, m->b.len) != (ssize_t)m->b.len)
		abort();
	lseek(fd, 0, SEEK_SET);
	free(m->b.p);
	free(m);
	return fd;
}

static int header_file(uint32_t nr_threads)
{
	return header_file_fpu(nr_threads, 0);
}

/*
 * XSAVE area sizes the thaw must size its region for, whatever this
 * host's CPU is: FXSAVE only, AVX, AVX-512 (with PKRU), AMX (tile data),
 * and beyond.
 */
static const unsigned int fpu_sizes[] = { 512, 832, 2696, 11008, 12352, 16384 };

/* AVX-512's, unless a test says otherwise: not this host's. */
#define FAKE_CPU_FPU_SIZE	2696

void reset_fake_thaw(void)
{
	cryoctl_thaw_fake_cpu_fpu_size = FAKE_CPU_FPU_SIZE;
	fake_fpu_size = 832;
	fake_features = CRYO_FEATURE_ALL;
	fake_abi_major = CRYO_ABI_MAJOR;
	fake_abi_minor = CRYO_ABI_MINOR;
	fake_thaw_errno = 0;
	fake_thaw_calls = 0;
	fake_thaw_threads = 3;
	fake_thaw_pipes = 2;
	fake_tid0 = 0;
	memset(&fake_thaw_seen, 0, sizeof(fake_thaw_seen));
	memset(&fake_status, 0, sizeof(fake_status));
	fake_status.state = CRYO_THAW_PREPARED;
	fake_status_wait = true;
	fake_status_waits = 0;
}

static void test_thaw_args(int img)
{
	struct cryo_thaw_inherit inh[3] = { { 1, 1 }, { 5, 2 }, { 1, 0 } };
	struct cryoctl_thaw_result res;
	int ret;

	reset_fake_thaw();
	fake_features = CRYO_FEATURE_VERSION | CRYO_FEATURE_FREEZE;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -EOPNOTSUPP && res.error == EOPNOTSUPP && !res.pid &&
	      strstr(res.message, "cannot thaw") && !fake_thaw_calls,
	      "thaw without the THAW feature: %d '%s'", ret, res.message);
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, NULL);
	CHECK(ret == -EOPNOTSUPP, "thaw without the feature, no result: %d", ret);
	fake_features = CRYO_FEATURE_ALL;

	fake_abi_major = CRYO_ABI_MAJOR + 1;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -EPROTO && strstr(res.message, "ABI") && !fake_thaw_calls,
	      "thaw with another ABI major: %d '%s'", ret, res.message);
	fake_abi_major = CRYO_ABI_MAJOR;

	ret = cryoctl_thaw(fake_dev, img, 1u << 5, NULL, 0, &res);
	CHECK(ret == -EINVAL && res.error == EINVAL && strstr(res.message, "flags") &&
	      !fake_thaw_calls, "thaw with unknown flags: %d '%s'", ret, res.message);
	ret = cryoctl_thaw(-1, img, 0, NULL, 0, &res);
	CHECK(ret == -EBADF, "thaw on devfd -1: %d", ret);
	ret = cryoctl_thaw(fake_dev, -1, 0, NULL, 0, &res);
	CHECK(ret == -EBADF, "thaw of image fd -1: %d", ret);
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 2, &res);
	CHECK(ret == -EINVAL && !fake_thaw_calls, "thaw with NULL inherit: %d", ret);
	ret = cryoctl_thaw(fake_dev, img, 0, inh, CRYO_THAW_INHERIT_MAX + 1, &res);
	CHECK(ret == -EINVAL && strstr(res.message, "more than") && !fake_thaw_calls,
	      "thaw with too many inherited fds: %d '%s'", ret, res.message);
	ret = cryoctl_thaw(fake_dev, img, 0, inh, 3, &res);
	CHECK(ret == -EINVAL && strstr(res.message, "fd 1 is inherited twice") &&
	      !fake_thaw_calls, "thaw inheriting fd 1 twice: %d '%s'", ret, res.message);
	inh[2].fd = -3;
	ret = cryoctl_thaw(fake_dev, img, 0, inh, 3, &res);
	CHECK(ret == -EINVAL && strstr(res.message, "negative") && !fake_thaw_calls,
	      "thaw inheriting fd -3: %d '%s'", ret, res.message);

	/* CRYO_IOC_THAW fails: its errno, the module's message. */
	fake_thaw_errno = ENXIO;
	fake_status.state = CRYO_THAW_FAILED;
	fake_status.error = ENXIO;
	strcpy(fake_status.message, "record 12 (FD): fd 5: the other end is not in the image");
	ret = cryoctl_thaw(fake_dev, img, CRYOCTL_THAW_WAIT | CRYOCTL_THAW_SAME_PID,
			   inh, 2, &res);
	CHECK(ret == -ENXIO && res.error == ENXIO && !strcmp(res.message, fake_status.message),
	      "THAW refused: %d '%s'", ret, res.message);
	CHECK(fake_thaw_calls == 1 && fake_thaw_seen.size == sizeof(struct cryo_thaw) &&
	      fake_thaw_seen.flags == CRYO_THAW_SAME_PID && fake_thaw_seen.image_fd == img &&
	      fake_thaw_seen.nr_inherit == 2 && fake_inherit_seen[1].fd == 5 &&
	      fake_inherit_seen[1].source_fd == 2 && fake_thaw_seen.tids &&
	      fake_thaw_seen.tids_len >= 1 && fake_thaw_seen.stub_size &&
	      !(fake_thaw_seen.stub_size & 4095) && !fake_thaw_seen.stub_addr,
	      "the CRYO_IOC_THAW argument: flags 0x%x, %u inherited, stub_size %u",
	      fake_thaw_seen.flags, fake_thaw_seen.nr_inherit, fake_thaw_seen.stub_size);
	fake_status.message[0] = 0;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -ENXIO && !strcmp(res.message, strerror(ENXIO)),
	      "THAW refused without a message: %d '%s'", ret, res.message);
	CHECK(no_children(), "no child after a refused THAW");
}

/*
 * The stub for real, as far as it goes without a module: the process R is
 * created, maps the stub region, runs the stub, which creates the
 * threads; they and the leader get ENOTTY from the device, the threads
 * exit, the leader waits for them and returns the error to the library.
 * One piece: the same checks for each thread count and flag.
 */
static void test_thaw_stub(int img)
{
	static const unsigned int threads[] = { 1, 2, 17 };
	static const unsigned int flags[] = { 0, CRYOCTL_THAW_WAIT };
	struct cryoctl_thaw_result res;
	uint64_t mask = sigmask_now();
	int fds = count_fds(), ret, file;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(threads); i++) {
		for (j = 0; j < ARRAY_SIZE(flags); j++) {
			reset_fake_thaw();
			/* Once, a module without CRYO_THAW_STATUS_WAIT. */
			fake_status_wait = i != 1;
			fake_thaw_threads = threads[i];
			memset(&res, 0x5a, sizeof(res));
			ret = cryoctl_thaw(fake_dev, img, flags[j], NULL, 0, &res);
			CHECK(ret == -ENOTTY && res.error == ENOTTY && res.pid == 0 &&
			      strstr(res.message, strerror(ENOTTY)),
			      "stub with %u threads, flags 0x%x: %d '%s'", threads[i],
			      flags[j], ret, res.message);
			CHECK(fake_status_waits == (i != 1), "the outcome is waited for: %d",
			      fake_status_waits);
			CHECK(no_children() && count_fds() == fds && sigmask_now() == mask,
			      "nothing left behind (%u threads, flags 0x%x): %d fds, was %d",
			      threads[i], flags[j], count_fds(), fds);
		}
	}

	/* The module failed the restore: its errno and message win. */
	reset_fake_thaw();
	fake_status.state = CRYO_THAW_FAILED;
	fake_status.error = EBUSY;
	strcpy(fake_status.message, "2 of 3 threads arrived within 5 s");
	ret = cryoctl_thaw(fake_dev, img, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	CHECK(ret == -EBUSY && !strcmp(res.message, fake_status.message) && no_children(),
	      "failed restore: %d '%s'", ret, res.message);

	/* No pipes at all; many. */
	reset_fake_thaw();
	fake_thaw_pipes = 0;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -ENOTTY && no_children(), "no pipes: %d '%s'", ret, res.message);
	fake_thaw_pipes = 200;
	ret = cryoctl_thaw(fake_dev, img, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	CHECK(ret == -ENOTTY && no_children() && count_fds() == fds,
	      "200 pipes: %d '%s'", ret, res.message);

	/* SAME_PID with a pid that is taken (1), or not ours to take. */
	reset_fake_thaw();
	fake_tid0 = 1;
	for (j = 0; j < ARRAY_SIZE(flags); j++) {
		ret = cryoctl_thaw(fake_dev, img, flags[j] | CRYOCTL_THAW_SAME_PID, NULL, 0,
				   &res);
		CHECK((ret == -EEXIST && strstr(res.message, "pid 1: it is in use")) ||
		      (ret == -EPERM && strstr(res.message, "CAP_CHECKPOINT_RESTORE")),
		      "same pid 1, flags 0x%x: %d '%s'", flags[j], ret, res.message);
		CHECK(no_children() && count_fds() == fds, "nothing left after pid 1");
	}

	/* The region is sized from the HEADER of an image in a file. */
	reset_fake_thaw();
	fake_thaw_threads = 300;
	file = header_file(300);
	ret = cryoctl_thaw(fake_dev, file, 0, NULL, 0, &res);
	CHECK(ret == -ENOTTY && no_children(), "300 threads from a file: %d '%s'", ret,
	      res.message);
	close(file);
	/* A module that disagrees with the HEADER: refused before R exists. */
	file = header_file(2);
	ret = cryoctl_thaw(fake_dev, file, 0, NULL, 0, &res);
	CHECK(ret == -E2BIG && strstr(res.message, "300 threads") && no_children(),
	      "more threads than the HEADER said: %d '%s'", ret, res.message);
	close(file);
	/* From a pipe, at most 4096 threads. */
	fake_thaw_threads = 5000;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -E2BIG && strstr(res.message, "pipe") && no_children(),
	      "5000 threads from a pipe: %d '%s'", ret, res.message);
	CHECK(count_fds() == fds && sigmask_now() == mask, "nothing left behind at all");
}

/*
 * The stub region's layout for every XSAVE size: nothing overlaps, every
 * FPU buffer is 64-byte aligned and holds the state, every stack is page
 * aligned and has room for the stub and two signal frames of that state,
 * and a region laid out for more threads or more FPU state holds one for
 * fewer (the library sizes the region before it knows either).
 */
static void test_region_layout(void)
{
	static const size_t threads[] = { 1, 2, 17, 4096 };
	struct cryoctl_region r, big;
	unsigned int i, j;
	size_t end;

	for (i = 0; i < ARRAY_SIZE(fpu_sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(threads); j++) {
			cryoctl_region_layout(&r, threads[j], 4096, fpu_sizes[i], 0);
			end = r.fpu + threads[j] * r.fpu_slot;
			CHECK(r.init_len <= r.fpu && !(r.fpu % 64) && !(r.fpu_slot % 64) &&
			      r.fpu_slot >= fpu_sizes[i] && end <= r.stacks &&
			      !(r.stacks % 4096) && !(r.stack_size % 4096) &&
			      r.stack_size >= STUB_STACK_MIN &&
			      r.stack_size >= 2 * (fpu_sizes[i] + 1024) &&
			      r.stacks + threads[j] * r.stack_size <= r.len &&
			      !(r.len % 4096),
			      "region for %zu threads of %u bytes of FPU state: fpu %zu+%zu, stacks %zu+%zu, len %zu",
			      threads[j], fpu_sizes[i], r.fpu, r.fpu_slot, r.stacks,
			      r.stack_size, r.len);
			cryoctl_region_layout(&big, threads[j] + 1, 4096, fpu_sizes[i], 0);
			CHECK(big.len >= r.len && big.stacks >= r.stacks,
			      "one more thread than %zu never shrinks the region", threads[j]);
			cryoctl_region_layout(&big, threads[j], 4096, fpu_sizes[i] + 64, 0);
			CHECK(big.len >= r.len && big.stacks >= r.stacks &&
			      big.stack_size >= r.stack_size,
			      "more FPU state than %u never shrinks the region", fpu_sizes[i]);
		}
	}
}

/*
 * What a thaw accepts must not depend on the host's CPU: for every XSAVE
 * size the fake CPU has, an image on a pipe may have up to 4096 threads
 * and the CPU's FPU size, one on a file what its HEADER says.
 */
static void test_thaw_fpu_sizes(int img)
{
	struct cryoctl_thaw_result res;
	struct cryoctl_region r;
	unsigned int i, sz;
	int ret, file;

	for (i = 0; i < ARRAY_SIZE(fpu_sizes); i++) {
		sz = fpu_sizes[i];
		reset_fake_thaw();
		cryoctl_thaw_fake_cpu_fpu_size = sz;
		fake_fpu_size = sz;

		fake_thaw_threads = 4097;
		ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
		CHECK(ret == -E2BIG && strstr(res.message, "4097 threads") &&
		      strstr(res.message, "pipe") && no_children(),
		      "CPU with %u bytes of XSAVE: 4097 threads from a pipe: %d '%s'", sz, ret,
		      res.message);
		cryoctl_region_layout(&r, 4096, 4096, sz, 0);
		CHECK(fake_thaw_seen.stub_size >= r.len,
		      "CPU with %u bytes of XSAVE: a pipe's region (%llu bytes) holds 4096 threads (%zu)",
		      sz, (unsigned long long)fake_thaw_seen.stub_size, r.len);

		/* A module that reports more FPU state than this CPU has. */
		fake_thaw_threads = 2;
		fake_fpu_size = sz + 64;
		ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
		CHECK(ret == -E2BIG && strstr(res.message, "FPU state") && no_children(),
		      "CPU with %u bytes of XSAVE, %u from a pipe: %d '%s'", sz, sz + 64, ret,
		      res.message);

		/* From a file, the HEADER's FPU size counts, larger or not. */
		fake_fpu_size = sz + 4096;
		file = header_file_fpu(2, sz + 4096);
		ret = cryoctl_thaw(fake_dev, file, 0, NULL, 0, &res);
		close(file);
		cryoctl_region_layout(&r, 2, 4096, sz + 4096, 0);
		CHECK(ret == -ENOTTY && fake_thaw_seen.stub_size >= r.len && no_children(),
		      "CPU with %u bytes of XSAVE, a file of %u: %d '%s'", sz, sz + 4096, ret,
		      res.message);
	}

	/* A region the 32-bit stub_size cannot express: refused up front. */
	reset_fake_thaw();
	cryoctl_thaw_fake_cpu_fpu_size = 16384;
	file = header_file_fpu(65536, 16384);
	ret = cryoctl_thaw(fake_dev, file, 0, NULL, 0, &res);
	close(file);
	CHECK(ret == -E2BIG && !fake_thaw_calls && strstr(res.message, "4 GiB") &&
	      no_children(), "65536 threads of 16 KiB of FPU state: %d '%s'", ret,
	      res.message);
	reset_fake_thaw();
}

static void test_remap_maps(void)
{
	struct img m;
	char buf[4096];
	size_t len = 77;
	int fds = count_fds(), img, ret;

	reset_fake_thaw();
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x10000000, 0x10004000, CRYO_VMA_READ | CRYO_VMA_WRITE,
		CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_trailer(&m);

	fake_features = CRYO_FEATURE_ALL & ~CRYO_FEATURE_REMAP;
	img = feed(m.b.p, m.b.len);
	ret = cryoctl_remap_maps(fake_dev, img, buf, sizeof(buf), &len);
	CHECK(ret == -EOPNOTSUPP && len == 77, "remap without the feature: %d", ret);
	close(img);
	fake_features = CRYO_FEATURE_ALL;

	/* The child maps the stub and issues the remap: ENOTTY. */
	img = feed(m.b.p, m.b.len);
	ret = cryoctl_remap_maps(fake_dev, img, buf, sizeof(buf), &len);
	close(img);
	CHECK(ret == -ENOTTY && no_children() && count_fds() == fds,
	      "remap by the stub on /dev/null: %d", ret);

	img = feed("garbage garbage garbage", 23);
	ret = cryoctl_remap_maps(fake_dev, img, buf, sizeof(buf), &len);
	CHECK(ret == -EPROTO && no_children(), "remap of garbage: %d", ret);
	close(img);
	CHECK(cryoctl_remap_maps(fake_dev, -1, buf, sizeof(buf), &len) == -EBADF,
	      "remap of fd -1");
	CHECK(cryoctl_remap_maps(fake_dev, 0, NULL, 5, &len) == -EINVAL,
	      "remap into NULL");
	CHECK(count_fds() == fds, "remap: no fd left behind");
	free(m.b.p);
}

/*
 * A module before ABI 1.10 would skip a 2.6 image's LOCK records: the
 * library refuses such a file image up front, and lets an older one, or
 * one in a pipe (the module's to read), through.
 */
static void test_thaw_old_module(void)
{
	struct cryoctl_thaw_result res;
	int file, ret;

	reset_fake_thaw();
	fake_abi_minor = 9;
	file = header_file(3);
	ret = cryoctl_thaw(fake_dev, file, 0, NULL, 0, &res);
	close(file);
	CHECK(ret == -EOPNOTSUPP && !fake_thaw_calls &&
	      strstr(res.message, "file locks") && strstr(res.message, "1.10") &&
	      no_children(), "a 2.6 image, a module of ABI 1.9: %d '%s'", ret,
	      res.message);
	reset_fake_thaw();
	fake_abi_minor = 10;
	file = header_file(3);
	ret = cryoctl_thaw(fake_dev, file, 0, NULL, 0, &res);
	close(file);
	CHECK(ret == -ENOTTY && fake_thaw_calls && no_children(),
	      "a 2.6 image, a module of ABI 1.10: %d '%s'", ret, res.message);
	reset_fake_thaw();
}

void test_thaw(void)
{
	struct cryo_thaw_status st;
	int img;

	fake_dev = open("/dev/null", O_RDWR | O_CLOEXEC);
	img = feed("not read by the fake module", 27);
	test_region_layout();
	test_thaw_args(img);
	test_thaw_stub(img);
	test_thaw_fpu_sizes(img);
	test_thaw_old_module();
	close(img);
	test_remap_maps();
	close(fake_dev);
	fake_dev = -1;
	test_thaw_traced();

	img = open("/dev/null", O_RDWR);
	CHECK(cryoctl_thaw_status(img, &st) == -ENOTTY, "thaw status on /dev/null");
	CHECK(cryoctl_remap(img, img, 0x1000, 0x1000) == -ENOTTY, "remap on /dev/null");
	close(img);
}
