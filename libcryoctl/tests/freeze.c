// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of cryoctl_freeze() and cryoctl_freeze_ex() against the
 * fake device.
 */
#include "unit.h"

struct prog {
	int calls;
	uint64_t last;
	bool monotonic;
	int stop_after;
};

static int prog_cb(uint64_t bytes, void *arg)
{
	struct prog *p = arg;

	if (bytes <= p->last)
		p->monotonic = false;
	p->last = bytes;
	return ++p->calls == p->stop_after;
}

static void noop_handler(int sig)
{
}

/*
 * A child that reads @fd slowly and reports the CRC of it on @res; it
 * closes @wr, the write end of @fd's pipe, so as to see EOF.
 */
static pid_t slow_reader(int fd, int wr, int res)
{
	pid_t pid = fork();
	unsigned char b[3000];
	uint32_t crc = ~0U;
	ssize_t n;

	if (pid)
		return pid;
	close(wr);
	while ((n = read(fd, b, sizeof(b))) > 0) {
		crc = cryoctl_crc32c(crc, b, n);
		if (!(crc & 7))
			usleep(100);
	}
	if (write(res, &crc, sizeof(crc)) != sizeof(crc))
		_exit(1);
	_exit(0);
}

/*
 * One piece: a script of cryoctl_freeze() calls against the fake device,
 * each setting the device's knobs the next one starts from.
 */
void test_freeze(void)
{
	const size_t len = 3 * 1024 * 1024 + 123;
	unsigned char *data = malloc(len), *out;
	struct itimerval it = { { 0, 500 }, { 0, 500 } };
	struct sigaction sa = { .sa_handler = noop_handler };
	struct prog p;
	int outfd, pfd[2], res[2], ret;
	uint32_t crc;
	size_t i;

	for (i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 12));

	/* Default flags: copied, progress monotonic, no COMMIT. */
	fake_dev = feed(data, len);
	outfd = memfd_create("out", MFD_CLOEXEC);
	p = (struct prog){ .monotonic = true };
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, 0, 1500, outfd, prog_cb, &p);
	CHECK(ret == 0, "freeze into a file: %d", ret);
	CHECK(fake_freeze_seen.size == sizeof(struct cryo_freeze) &&
	      fake_freeze_seen.flags == 0 && fake_freeze_seen.pid == 42 &&
	      fake_freeze_seen.timeout_ms == 1500 && !fake_freeze_seen.bad_fd,
	      "CRYO_IOC_FREEZE argument");
	out = mmap(NULL, len, PROT_READ, MAP_SHARED, outfd, 0);
	CHECK(lseek(outfd, 0, SEEK_END) == (off_t)len && out != MAP_FAILED &&
	      !memcmp(out, data, len), "the image is copied whole");
	munmap(out, len);
	CHECK(p.calls >= 4 && p.monotonic && p.last == len,
	      "progress: %d calls, last %llu", p.calls, (unsigned long long)p.last);
	CHECK(fake_commits == 0, "no COMMIT without KILL");
	close(outfd);
	close(fake_dev);

	/* KILL: COMMIT once, after EOF. */
	fake_dev = feed(data, len);
	outfd = memfd_create("out", MFD_CLOEXEC);
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_KILL, 0, outfd, NULL, NULL);
	CHECK(ret == 0 && fake_commits == 1 && fake_commit_at_eof,
	      "KILL: %d, %d commits, at EOF %d", ret, fake_commits, fake_commit_at_eof);
	close(outfd);
	close(fake_dev);

	/* LEAVE_FROZEN: no COMMIT. */
	fake_dev = feed(data, 1000);
	outfd = memfd_create("out", MFD_CLOEXEC);
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_LEAVE_FROZEN, 0, outfd, NULL, NULL);
	CHECK(ret == 0 && fake_commits == 0, "LEAVE_FROZEN: %d, %d commits", ret,
	      fake_commits);
	close(outfd);
	close(fake_dev);

	/* The freeze fails: its errno, nothing read. */
	fake_dev = feed(data, 1000);
	outfd = memfd_create("out", MFD_CLOEXEC);
	fake_freeze_errno = ESRCH;
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_KILL, 0, outfd, NULL, NULL);
	CHECK(ret == -ESRCH && fake_commits == 0 && lseek(outfd, 0, SEEK_END) == 0,
	      "FREEZE fails: %d", ret);
	fake_freeze_errno = 0;
	close(outfd);
	close(fake_dev);

	/* The output's reader is gone: -EPIPE, no COMMIT even with KILL. */
	signal(SIGPIPE, SIG_IGN);
	fake_dev = feed(data, len);
	if (pipe(pfd))
		abort();
	close(pfd[0]);
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_KILL, 0, pfd[1], NULL, NULL);
	CHECK(ret == -EPIPE && fake_commits == 0, "broken pipe: %d, %d commits", ret,
	      fake_commits);
	close(pfd[1]);
	close(fake_dev);
	while (waitpid(-1, NULL, 0) > 0)
		;

	/* The progress callback stops it: -ECANCELED, no COMMIT. */
	fake_dev = feed(data, len);
	outfd = memfd_create("out", MFD_CLOEXEC);
	p = (struct prog){ .monotonic = true, .stop_after = 2 };
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_KILL, 0, outfd, prog_cb, &p);
	CHECK(ret == -ECANCELED && fake_commits == 0 && p.calls == 2,
	      "progress says stop: %d", ret);
	close(outfd);
	close(fake_dev);
	while (waitpid(-1, NULL, 0) > 0)
		;

	/*
	 * Into a slow pipe reader while a timer interrupts every 0.5 ms:
	 * short writes and EINTR on both ends, and still every byte arrives.
	 */
	fake_dev = feed(data, len);
	if (pipe(pfd) || pipe(res))
		abort();
	slow_reader(pfd[0], pfd[1], res[1]);
	close(pfd[0]);
	close(res[1]);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	setitimer(ITIMER_REAL, &it, NULL);
	fake_commits = 0;
	ret = cryoctl_freeze(fake_dev, 42, CRYO_FREEZE_KILL, 0, pfd[1], NULL, NULL);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	close(pfd[1]);
	crc = 0;
	if (read(res[0], &crc, sizeof(crc)) != sizeof(crc))
		crc = 0;
	CHECK(ret == 0 && fake_commits == 1 && crc == cryoctl_crc32c(~0U, data, len),
	      "interrupted slow pipe: %d, %d commits, crc %s", ret, fake_commits,
	      crc == cryoctl_crc32c(~0U, data, len) ? "ok" : "WRONG");
	close(res[0]);
	close(fake_dev);
	fake_dev = -1;
	while (waitpid(-1, NULL, 0) > 0)
		;

	/* An output that cannot be written: refused before freezing. */
	fake_dev = feed(data, 1000);
	outfd = open("/dev/null", O_RDONLY);
	fake_freeze_seen.size = 0;
	ret = cryoctl_freeze(fake_dev, 42, 0, 0, outfd, NULL, NULL);
	CHECK(ret == -EBADF && !fake_freeze_seen.size, "read-only output: %d", ret);
	close(outfd);
	ret = cryoctl_freeze(fake_dev, 42, 0, 0, outfd, NULL, NULL);
	CHECK(ret == -EBADF && !fake_freeze_seen.size, "closed output: %d", ret);
	close(fake_dev);
	fake_dev = -1;

	/* cryoctl_freeze_ex(): threads, bytes; the fd that cannot be saved. */
	{
		struct cryoctl_freeze_result res;
		struct {
			struct cryoctl_freeze_result r;
			uint64_t beyond;
		} big;

		fake_dev = feed(data, 1000);
		outfd = memfd_create("out", MFD_CLOEXEC);
		memset(&res, 0xa5, sizeof(res));
		res.size = sizeof(res);
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == 0 && res.size == sizeof(res) && res.nr_threads == 3 &&
		      res.bad_fd == -1 && res.bytes == 1000 && !res.__reserved &&
		      res.nr_processes == 2 && res.refusal_pid == 0,
		      "freeze_ex: %d, %u threads, bad_fd %d, %llu bytes", ret,
		      res.nr_threads, res.bad_fd, (unsigned long long)res.bytes);
		close(outfd);
		close(fake_dev);

		fake_dev = feed(data, 1000);
		outfd = memfd_create("out", MFD_CLOEXEC);
		fake_freeze_errno = EOPNOTSUPP;
		fake_bad_fd = 5;
		fake_freeze_seen.bad_fd = 77;
		memset(&res, 0xa5, sizeof(res));
		res.size = sizeof(res);
		ret = cryoctl_freeze_ex(fake_dev, 42, CRYO_FREEZE_KILL, 0, outfd, NULL,
					NULL, &res);
		CHECK(ret == -EOPNOTSUPP && res.bad_fd == 5 && res.nr_threads == 0 &&
		      res.bytes == 0 && lseek(outfd, 0, SEEK_END) == 0 &&
		      fake_freeze_seen.bad_fd == 0,
		      "freeze_ex refused for fd 5: %d, bad_fd %d, sent %d", ret,
		      res.bad_fd, fake_freeze_seen.bad_fd);
		ret = cryoctl_freeze(fake_dev, 42, 0, 0, outfd, NULL, NULL);
		CHECK(ret == -EOPNOTSUPP, "cryoctl_freeze refused: %d", ret);
		fake_freeze_errno = EPERM;
		fake_refusal = CRYO_REFUSAL_CAPS;
		memset(&res, 0xa5, sizeof(res));
		res.size = sizeof(res);
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == -EPERM && res.refusal == CRYO_REFUSAL_CAPS &&
		      res.refusal_id == 4321 && res.bad_fd == -1 &&
		      res.refusal_pid == 4322 && res.nr_processes == 0 &&
		      fake_freeze_seen.size == sizeof(struct cryo_freeze) &&
		      !fake_freeze_seen.refusal && !fake_freeze_seen.refusal_id,
		      "freeze_ex refused with a reason: %d, refusal %u id %d", ret,
		      res.refusal, res.refusal_id);
		/* A caller of the first result size gets no more than it knows. */
		memset(&res, 0xa5, sizeof(res));
		res.size = CRYOCTL_FREEZE_RESULT_SIZE_VER0;
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == -EPERM && res.refusal == 0xa5a5a5a5,
		      "freeze_ex, old result size: %d, refusal 0x%x", ret,
		      res.refusal);
		memset(&res, 0xa5, sizeof(res));
		res.size = CRYOCTL_FREEZE_RESULT_SIZE_VER1;
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == -EPERM && res.refusal_id == 4321 &&
		      res.refusal_pid == (int32_t)0xa5a5a5a5,
		      "freeze_ex, result size 1: %d, refusal_pid 0x%x", ret,
		      res.refusal_pid);
		fake_refusal = 0;
		fake_freeze_errno = ESRCH;
		res.bad_fd = 9;
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == -ESRCH && res.bad_fd == -1, "freeze_ex ESRCH: %d, bad_fd %d",
		      ret, res.bad_fd);
		fake_freeze_errno = 0;
		fake_bad_fd = -1;

		/* A caller built against a later, larger result. */
		memset(&big, 0xa5, sizeof(big));
		big.r.size = sizeof(big);
		fake_freeze_errno = EOPNOTSUPP;
		fake_bad_fd = 0;
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &big.r);
		CHECK(ret == -EOPNOTSUPP && big.r.bad_fd == 0 && big.r.size == sizeof(big) &&
		      big.beyond == 0xa5a5a5a5a5a5a5a5ULL,
		      "freeze_ex with a larger result: %d, bad_fd %d", ret, big.r.bad_fd);
		fake_freeze_errno = 0;
		fake_bad_fd = -1;

		/* Too small a result: refused before anything is frozen. */
		fake_freeze_seen.size = 0;
		res.size = CRYOCTL_FREEZE_RESULT_SIZE_VER0 - 1;
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == -EINVAL && !fake_freeze_seen.size,
		      "freeze_ex with a short result: %d", ret);
		CHECK(sizeof(struct cryoctl_freeze_result) == CRYOCTL_FREEZE_RESULT_SIZE_VER3,
		      "CRYOCTL_FREEZE_RESULT_SIZE_VER3 is the size");

		/* The deleted-data limit goes in; a result too short for it: 0. */
		memset(&res, 0, sizeof(res));
		res.size = sizeof(res);
		res.max_deleted_data = 5 << 20;
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == 0 && fake_freeze_seen.max_deleted_data == 5 << 20 &&
		      res.max_deleted_data == 5 << 20,
		      "freeze_ex max_deleted_data: %d, %llu", ret,
		      (unsigned long long)fake_freeze_seen.max_deleted_data);
		res.size = CRYOCTL_FREEZE_RESULT_SIZE_VER2;
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, &res);
		CHECK(ret == 0 && fake_freeze_seen.max_deleted_data == 0,
		      "freeze_ex max_deleted_data beyond a VER2 result: %d, %llu", ret,
		      (unsigned long long)fake_freeze_seen.max_deleted_data);
		ret = cryoctl_freeze_ex(fake_dev, 42, 0, 0, outfd, NULL, NULL, NULL);
		CHECK(ret == 0, "freeze_ex without a result: %d", ret);
		close(outfd);
		close(fake_dev);
		fake_dev = -1;
	}

	/* Not a cryo device at all. */
	outfd = open("/dev/null", O_RDWR);
	CHECK(cryoctl_freeze(outfd, 42, 0, 0, outfd, NULL, NULL) == -ENOTTY,
	      "freeze on /dev/null is -ENOTTY");
	CHECK(cryoctl_commit(outfd) == -ENOTTY, "commit on /dev/null is -ENOTTY");
	close(outfd);
	free(data);
}
