// SPDX-License-Identifier: GPL-2.0
/*
 * CRYO_IOC_FREEZE and the image stream: what the image holds is checked
 * against what the target really had, and the target's fate (resumed,
 * killed only after COMMIT) against what happened to it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "cryo_test.h"

#define HEAP_PAGES	64
#define SPARSE_SIZE	(64UL << 20)
#define NR_THREADS	8

/* What the target tells the test about itself once it is ready. */
struct target_info {
	unsigned long heap;	/* HEAP_PAGES pages of pattern */
	unsigned long sparse;	/* SPARSE_SIZE mapped, one page touched */
	unsigned int seed;
};

static unsigned char pattern(unsigned int seed, unsigned long i)
{
	unsigned long x = (i + 1) * 2654435761UL ^ seed;

	return (x >> 13) ^ (x >> 5);
}

static void *sleeper(void *arg)
{
	int *fds = arg;
	char c;

	/* Blocked in read() on a pipe nobody writes. */
	if (read(fds[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

/*
 * The target: fills memory, starts threads, reports, then answers pings
 * on @cmd/@rep until told to exit.
 */
static void target(int cmd, int rep, int threads)
{
	struct target_info ti = { .seed = 0x5eed1234 };
	static int block[2];
	pthread_t th;
	unsigned char *p;
	unsigned long i;
	char c;

	p = mmap(NULL, HEAP_PAGES * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < HEAP_PAGES * 4096; i++)
		p[i] = pattern(ti.seed, i);
	ti.heap = (unsigned long)p;
	p = mmap(NULL, SPARSE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	/* No THP here: one touched page must stay one page. */
	madvise(p, SPARSE_SIZE, MADV_NOHUGEPAGE);
	p[SPARSE_SIZE / 2] = 0x42;
	ti.sparse = (unsigned long)p;
	if (pipe(block))
		_exit(3);
	for (i = 0; i < (unsigned long)threads; i++)
		pthread_create(&th, NULL, sleeper, block);

	if (write(rep, &ti, sizeof(ti)) != sizeof(ti))
		_exit(4);
	while (read(cmd, &c, 1) == 1) {
		if (c == 'q')
			_exit(0);
		if (write(rep, &c, 1) != 1)
			_exit(5);
	}
	_exit(6);
}

FIXTURE(frz) {
	int dev;
	pid_t pid;
	int cmd, rep;
	struct target_info ti;
	unsigned char *img;
	size_t len;
};

FIXTURE_VARIANT(frz) {
	int threads;
};

FIXTURE_VARIANT_ADD(frz, single) { .threads = 0 };
FIXTURE_VARIANT_ADD(frz, threaded) { .threads = NR_THREADS };

FIXTURE_SETUP(frz)
{
	int c[2], r[2];

	/* Not opened before the fork: the target must not hold the session. */
	self->dev = -1;
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, pipe(c));
	ASSERT_EQ(0, pipe(r));
	self->pid = cryo_target_fork();
	ASSERT_LE(0, self->pid);
	if (self->pid == 0) {
		close(c[1]);
		close(r[0]);
		target(c[0], r[1], variant->threads);
	}
	close(c[0]);
	close(r[1]);
	self->cmd = c[1];
	self->rep = r[0];
	ASSERT_EQ(sizeof(self->ti), read(self->rep, &self->ti, sizeof(self->ti)));
	self->dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	/* Let the threads reach their read(). */
	usleep(200000);
}

FIXTURE_TEARDOWN(frz)
{
	if (self->pid > 0) {
		EXPECT_TARGET_KILLED(self->pid);
	}
	free(self->img);
	if (self->dev >= 0)
		close(self->dev);
}

/*
 * The targets here hold pipes to the test (their commands and replies),
 * which a freeze refuses unless told the loss is accepted.
 */
static int do_freeze(int dev, pid_t pid, unsigned int flags)
{
	struct cryo_freeze f = { .size = sizeof(f),
				 .flags = flags | CRYO_FREEZE_ACCEPT_LOSS,
				 .pid = pid };

	return ioctl(dev, CRYO_IOC_FREEZE, &f) ? -errno : (int)f.nr_threads;
}

static int ping(int cmd, int rep)
{
	char c = 'p';

	if (write(cmd, &c, 1) != 1)
		return -1;
	return read(rep, &c, 1) == 1 && c == 'p' ? 0 : -1;
}

struct summary {
	int headers, processes, threads, vmas, trailers;
	pid_t pid;
	pid_t tids[64];
	unsigned long heap_pages_ok, heap_pages_bad, sparse_pages;
	unsigned long pages;
	struct cryo_image_trailer trailer;
	struct target_info ti;
	int header_ok;
};

static int sum_fn(const struct cryoctl_record *r, void *arg)
{
	const void *p = r->payload;
	struct summary *s = arg;

	switch (r->type) {
	case CRYO_REC_HEADER: {
		const struct cryo_image_header *h = p;

		s->headers++;
		s->header_ok = !strcmp(h->magic, CRYO_IMAGE_MAGIC) &&
			       h->major == CRYO_IMAGE_MAJOR &&
			       h->page_size == 4096;
		break;
	}
	case CRYO_REC_PROCESS:
		s->processes++;
		s->pid = ((const struct cryo_image_process *)p)->pid;
		break;
	case CRYO_REC_THREAD:
		if (s->threads < 64)
			s->tids[s->threads] = ((const struct cryo_image_thread *)p)->tid;
		s->threads++;
		break;
	case CRYO_REC_VMA:
		s->vmas++;
		break;
	case CRYO_REC_SHM_PAGES:
		/* Counted by the TRAILER with the PAGES records' (2.3). */
		s->pages += ((const struct cryo_image_shm_pages *)p)->nr_pages;
		break;
	case CRYO_REC_PAGES: {
		const struct cryo_image_pages *pg = p;
		const unsigned char *data = (const void *)(pg + 1);
		unsigned long i, j;

		s->pages += pg->nr_pages;
		for (i = 0; i < pg->nr_pages; i++) {
			unsigned long a = pg->addr + i * 4096;

			if (a >= s->ti.sparse && a < s->ti.sparse + SPARSE_SIZE)
				s->sparse_pages++;
			if (a < s->ti.heap || a >= s->ti.heap + HEAP_PAGES * 4096)
				continue;
			for (j = 0; j < 4096; j++)
				if (data[i * 4096 + j] !=
				    pattern(s->ti.seed, a - s->ti.heap + j))
					break;
			if (j == 4096)
				s->heap_pages_ok++;
			else
				s->heap_pages_bad++;
		}
		break;
	}
	case CRYO_REC_TRAILER:
		s->trailers++;
		memcpy(&s->trailer, p, sizeof(s->trailer));
		break;
	}
	return 0;
}

/* libcryoctl's reader over an image: the record count, or < 0. */
#define walk(img, len, fn, arg) cryo_image_walk(img, len, fn, arg, NULL, 0)

TEST_F(frz, image_matches_target)
{
	struct summary s = { .ti = self->ti };
	long nrec;
	int status;

	ASSERT_EQ(1 + variant->threads, do_freeze(self->dev, self->pid, 0));
	self->len = cryo_read_stream(self->dev, &self->img);
	ASSERT_LT(0, self->len);

	nrec = walk(self->img, self->len, sum_fn, &s);
	ASSERT_LT(0, nrec) TH_LOG("image does not end in a trailer");
	EXPECT_EQ(1, s.headers);
	EXPECT_TRUE(s.header_ok);
	EXPECT_EQ(1, s.processes);
	EXPECT_EQ(self->pid, s.pid);
	EXPECT_EQ(1 + variant->threads, s.threads);
	EXPECT_EQ(self->pid, s.tids[0]);
	EXPECT_LT(4, s.vmas);
	EXPECT_EQ(HEAP_PAGES, s.heap_pages_ok);
	EXPECT_EQ(0, s.heap_pages_bad);
	/* 64 MiB mapped, one page touched: one page saved. */
	EXPECT_EQ(1, s.sparse_pages);
	EXPECT_EQ(1, s.trailers);
	EXPECT_EQ(nrec - 1, s.trailer.nr_records);
	EXPECT_EQ(s.pages, s.trailer.nr_pages);
	EXPECT_EQ(self->len - sizeof(struct cryo_rec) - sizeof(s.trailer),
		  s.trailer.bytes);

	/* A checkpoint: the target runs on, and its parent saw no stop. */
	EXPECT_EQ(0, waitpid(self->pid, &status, WNOHANG | WUNTRACED));
	EXPECT_EQ(0, ping(self->cmd, self->rep));
	/* EOF stays EOF. */
	EXPECT_EQ(0, read(self->dev, &status, sizeof(status)));
}

/* Read @n bytes of @fd onto *@buf at @len; the new length, 0 on error. */
static size_t append(unsigned char **buf, size_t len, size_t *cap,
		     int fd, size_t n)
{
	ssize_t m;

	while (n) {
		if (*cap - len < n) {
			*cap = 2 * *cap + n;
			*buf = realloc(*buf, *cap);
		}
		m = read(fd, *buf + len, n);
		if (m <= 0)
			return 0;
		len += m;
		n -= m;
	}
	return len;
}

/*
 * Splice the image through a pipe of @pipe_size bytes, @chunk at a time,
 * into memory; its length, 0 on error.
 */
static size_t splice_some(int dev, unsigned char **out, int pipe_size,
			  size_t chunk)
{
	size_t cap = 0, len = 0;
	int p[2];
	ssize_t n = -1;

	*out = NULL;
	if (pipe(p))
		return 0;
	if (fcntl(p[1], F_SETPIPE_SZ, pipe_size) >= 0) {
		while ((n = splice(dev, NULL, p[1], NULL, chunk, 0)) > 0) {
			len = append(out, len, &cap, p[0], n);
			if (!len) {
				n = -1;
				break;
			}
		}
	}
	close(p[0]);
	close(p[1]);
	return n < 0 ? 0 : len;
}

static size_t splice_all(int dev, unsigned char **out)
{
	return splice_some(dev, out, 256 * 1024, 200000);
}

static void check_summary(struct __test_metadata *_metadata,
			  const unsigned char *img, size_t len,
			  const struct target_info *ti, pid_t pid,
			  int threads)
{
	struct summary s = { .ti = *ti };
	long nrec;

	nrec = walk(img, len, sum_fn, &s);
	ASSERT_LT(0, nrec) TH_LOG("image does not end in a trailer");
	EXPECT_TRUE(s.header_ok);
	EXPECT_EQ(pid, s.pid);
	EXPECT_EQ(1 + threads, s.threads);
	EXPECT_EQ(HEAP_PAGES, s.heap_pages_ok);
	EXPECT_EQ(0, s.heap_pages_bad);
	EXPECT_EQ(1, s.sparse_pages);
	EXPECT_EQ(nrec - 1, s.trailer.nr_records);
	EXPECT_EQ(s.pages, s.trailer.nr_pages);
	EXPECT_EQ(len - sizeof(struct cryo_rec) - sizeof(s.trailer),
		  s.trailer.bytes);
}

/* splice() with KILL: the target's pages go into the pipe by reference. */
TEST_F(frz, splice_kill_matches_target)
{
	struct cryo_commit c = { .size = sizeof(c) };
	int status;

	ASSERT_EQ(1 + variant->threads,
		  do_freeze(self->dev, self->pid, CRYO_FREEZE_KILL));
	self->len = splice_all(self->dev, &self->img);
	ASSERT_LT(0, self->len);
	check_summary(_metadata, self->img, self->len, &self->ti, self->pid,
		      variant->threads);
	/* Held until COMMIT, killed by it. */
	EXPECT_EQ(0, waitpid(self->pid, &status, WNOHANG));
	ASSERT_EQ(0, ioctl(self->dev, CRYO_IOC_COMMIT, &c));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	self->pid = -1;
}

/* splice() of a checkpoint: copies, and the target runs on after EOF. */
TEST_F(frz, splice_checkpoint_matches_target)
{
	ASSERT_LE(0, do_freeze(self->dev, self->pid, 0));
	self->len = splice_all(self->dev, &self->img);
	ASSERT_LT(0, self->len);
	check_summary(_metadata, self->img, self->len, &self->ti, self->pid,
		      variant->threads);
	EXPECT_EQ(0, ping(self->cmd, self->rep));
}

/* walk() callback: keep the trailer. */
static int trailer_fn(const struct cryoctl_record *r, void *arg)
{
	struct cryo_image_trailer *t = arg;

	if (r->type == CRYO_REC_TRAILER)
		memcpy(t, r->payload, sizeof(*t));
	return 0;
}

/* A one-page pipe and odd lengths: every piece of every record fits. */
TEST_F(frz, splice_small_pipe_odd_lengths)
{
	ASSERT_EQ(1 + variant->threads,
		  do_freeze(self->dev, self->pid, CRYO_FREEZE_KILL));
	self->len = splice_some(self->dev, &self->img, 4096, 1001);
	ASSERT_LT(0, self->len);
	check_summary(_metadata, self->img, self->len, &self->ti, self->pid,
		      variant->threads);
}

/*
 * Into a pipe the target holds, splice() would wait on itself: the FILE
 * record of that pipe is read under the pipe's mutex, which splice()
 * holds.  It moves what it can, then EINVAL before that record, and
 * read() takes the rest: one whole image.
 */
TEST(splice_into_targets_pipe_falls_back_to_read)
{
	struct cryo_image_trailer t = { 0 };
	unsigned char *img = NULL;
	size_t len = 0, cap = 0, spliced;
	int q[2], dev;
	ssize_t n;
	long nrec;
	pid_t pid;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, pipe(q));
	pid = cryo_target_fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (;;)
			pause();
	}
	usleep(100000);
	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	ASSERT_LE(0, do_freeze(dev, pid, 0));
	for (;;) {
		n = splice(dev, NULL, q[1], NULL, 65536, 0);
		if (n <= 0)
			break;
		len = append(&img, len, &cap, q[0], n);
		ASSERT_LT(0, len);
	}
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EINVAL, errno);
	spliced = len;
	EXPECT_LT(0, spliced);
	for (;;) {
		if (cap - len < 65536) {
			cap = 2 * cap + 65536;
			img = realloc(img, cap);
		}
		n = read(dev, img + len, 65536);
		if (n <= 0)
			break;
		len += n;
	}
	EXPECT_EQ(0, n);
	nrec = walk(img, len, trailer_fn, &t);
	EXPECT_LT(0, nrec) TH_LOG("image of %zu bytes (%zu spliced) is not whole",
				  len, spliced);
	EXPECT_EQ(nrec - 1, t.nr_records);
	EXPECT_EQ(len - sizeof(struct cryo_rec) - sizeof(t), t.bytes);
	free(img);
	close(dev);
	EXPECT_TARGET_KILLED(pid);
}

TEST_F(frz, thread_ids_match_proc)
{
	struct summary s = { .ti = self->ti };
	char path[64];
	struct dirent *de;
	int found = 0, i;
	DIR *d;

	ASSERT_LE(0, do_freeze(self->dev, self->pid, 0));
	self->len = cryo_read_stream(self->dev, &self->img);
	ASSERT_LT(0, walk(self->img, self->len, sum_fn, &s));
	snprintf(path, sizeof(path), "/proc/%d/task", self->pid);
	d = opendir(path);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < s.threads && i < 64; i++)
			if (s.tids[i] == atoi(de->d_name))
				found++;
	}
	closedir(d);
	EXPECT_EQ(1 + variant->threads, found);
}

TEST_F(frz, kill_only_after_commit)
{
	struct cryo_commit c = { .size = sizeof(c) };
	unsigned char *img;
	int status;

	/* KILL without COMMIT: closing resumes the target. */
	ASSERT_LE(0, do_freeze(self->dev, self->pid, CRYO_FREEZE_KILL));
	EXPECT_ERRNO(EAGAIN, ioctl(self->dev, CRYO_IOC_COMMIT, &c));
	ASSERT_LT(0, cryo_read_stream(self->dev, &img));
	free(img);
	close(self->dev);
	self->dev = open(CRYO_DEV, O_RDWR);
	ASSERT_LE(0, self->dev);
	EXPECT_EQ(0, ping(self->cmd, self->rep));

	/* KILL with COMMIT after EOF: the target dies of SIGKILL. */
	ASSERT_LE(0, do_freeze(self->dev, self->pid, CRYO_FREEZE_KILL));
	ASSERT_LT(0, cryo_read_stream(self->dev, &img));
	free(img);
	EXPECT_EQ(0, ioctl(self->dev, CRYO_IOC_COMMIT, &c));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	self->pid = 0;
}

TEST_F(frz, close_mid_stream_resumes)
{
	char buf[100];
	int status;

	ASSERT_LE(0, do_freeze(self->dev, self->pid, CRYO_FREEZE_LEAVE_FROZEN));
	ASSERT_EQ(sizeof(buf), read(self->dev, buf, sizeof(buf)));
	close(self->dev);
	self->dev = -1;
	EXPECT_EQ(0, ping(self->cmd, self->rep));
	EXPECT_EQ(0, waitpid(self->pid, &status, WNOHANG | WUNTRACED));
}

TEST_F(frz, one_byte_reads)
{
	struct summary s = { .ti = self->ti };
	size_t cap = 64 << 20, len = 0;
	unsigned char *buf = malloc(cap);
	ssize_t n;

	ASSERT_LE(0, do_freeze(self->dev, self->pid, 0));
	/* The header records one byte at a time, then big reads. */
	while (len < 4096 && (n = read(self->dev, buf + len, 1)) == 1)
		len++;
	while ((n = read(self->dev, buf + len, cap - len)) > 0)
		len += n;
	ASSERT_EQ(0, n);
	self->img = buf;
	ASSERT_LT(0, walk(buf, len, sum_fn, &s));
	EXPECT_EQ(HEAP_PAGES, s.heap_pages_ok);
}

TEST_F(frz, two_sessions_one_target)
{
	int other = open(CRYO_DEV, O_RDWR);
	struct cryo_freeze f = { .size = sizeof(f), .pid = self->pid };

	ASSERT_LE(0, other);
	ASSERT_LE(0, do_freeze(self->dev, self->pid, CRYO_FREEZE_LEAVE_FROZEN));
	EXPECT_ERRNO(EBUSY, ioctl(other, CRYO_IOC_FREEZE, &f));
	/* And a second freeze in the same session. */
	EXPECT_ERRNO(EALREADY, ioctl(self->dev, CRYO_IOC_FREEZE, &f));
	close(other);
}

TEST_F(frz, cryoctl_maps_equals_proc_maps)
{
	static char proc[65536], img_maps[65536];
	const char *const maps[] = { "cryoctl", "maps", "/tmp/frz.img", NULL };
	char path[64];

	if (access(cryo_cryoctl_path(), X_OK))
		SKIP(return, "cryoctl not found");
	ASSERT_LE(0, do_freeze(self->dev, self->pid, CRYO_FREEZE_LEAVE_FROZEN));
	self->len = cryo_read_stream(self->dev, &self->img);
	ASSERT_LT(0, self->len);
	/* Still frozen: this is the layout the image was taken from. */
	snprintf(path, sizeof(path), "/proc/%d/maps", self->pid);
	ASSERT_LT(0, cryo_read_file(path, proc, sizeof(proc)));
	ASSERT_EQ(0, cryo_write_file("/tmp/frz.img", self->img, self->len));
	ASSERT_EQ(0, cryo_cli_to("/tmp/frz.maps", maps));
	ASSERT_LT(0, cryo_read_file("/tmp/frz.maps", img_maps, sizeof(img_maps)));
	EXPECT_STREQ(proc, img_maps);
	unlink("/tmp/frz.img");
	unlink("/tmp/frz.maps");
}

TEST_F(frz, cryoctl_freeze_and_verify)
{
	const char *const verify[] = { "cryoctl", "verify", "/tmp/cli.img", NULL };
	char pidstr[16];
	unsigned char *img;
	size_t len;
	int fd, status;

	if (access(cryo_cryoctl_path(), X_OK))
		SKIP(return, "cryoctl not found");
	close(self->dev);
	self->dev = -1;
	snprintf(pidstr, sizeof(pidstr), "%d", self->pid);
	{
		const char *const freeze[] = { "cryoctl", "freeze",
					       "--accept-loss", pidstr, NULL };

		ASSERT_EQ(0, cryo_cli_to("/tmp/cli.img", freeze));
	}
	EXPECT_EQ(0, cryo_cli_to(NULL, verify));
	/* The target goes on after a plain freeze. */
	EXPECT_EQ(0, waitpid(self->pid, &status, WNOHANG | WUNTRACED));
	EXPECT_EQ(0, ping(self->cmd, self->rep));

	/* One flipped bit deep in the page data: verify says no. */
	fd = open("/tmp/cli.img", O_RDWR);
	ASSERT_LE(0, fd);
	len = lseek(fd, 0, SEEK_END);
	img = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, img);
	img[len - 4096] ^= 0x10;
	munmap(img, len);
	close(fd);
	EXPECT_EQ(1, cryo_cli_to(NULL, verify));
	/* Truncated: also refused. */
	ASSERT_EQ(0, truncate("/tmp/cli.img", len / 2));
	EXPECT_EQ(1, cryo_cli_to(NULL, verify));
	unlink("/tmp/cli.img");
}

TEST_F(frz, stopped_target_is_ebusy)
{
	int status;

	ASSERT_EQ(0, kill(self->pid, SIGSTOP));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(-EBUSY, do_freeze(self->dev, self->pid, 0));
	ASSERT_EQ(0, kill(self->pid, SIGCONT));
	EXPECT_EQ(0, ping(self->cmd, self->rep));
}

static int count_tasks(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void *spawn_forever(void *arg)
{
	pthread_t t;

	/* Each thread starts the next one, then sleeps: a moving target. */
	usleep(1000);
	if (pthread_create(&t, NULL, spawn_forever, NULL) == 0)
		pause();
	return NULL;
}

TEST(threads_created_while_parking)
{
	struct summary s = {};
	unsigned char *img;
	int dev, fds[2];
	size_t len;
	pid_t pid;
	char c;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing");
	ASSERT_EQ(0, pipe(fds));
	pid = cryo_target_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pthread_t t;

		pthread_create(&t, NULL, spawn_forever, NULL);
		c = 1;
		if (write(fds[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(fds[0], &c, 1));
	usleep(50000);
	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	ASSERT_LT(0, do_freeze(dev, pid, CRYO_FREEZE_LEAVE_FROZEN));
	len = cryo_read_stream(dev, &img);
	ASSERT_LT(0, walk(img, len, sum_fn, &s));
	/* Still held: every thread the process has is in the image. */
	EXPECT_EQ(count_tasks(pid), s.threads);
	close(dev);
	free(img);
	EXPECT_TARGET_KILLED(pid);
}

TEST(vfork_parent_is_ebusy_and_resumes)
{
	struct cryo_freeze f = { .size = sizeof(f), .timeout_ms = 300 };
	int dev, status, fds[2];
	pid_t pid;
	char c;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing");
	ASSERT_EQ(0, pipe(fds));
	pid = cryo_target_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (vfork() == 0) {
			/* The parent waits for us, killable only. */
			struct timespec ts = { 0, 700 * 1000 * 1000 };

			syscall(SYS_nanosleep, &ts, NULL);
			syscall(SYS_exit, 0);
		}
		c = 'v';
		_exit(write(fds[1], &c, 1) == 1 ? 0 : 1);
	}
	usleep(100000);
	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	f.pid = pid;
	EXPECT_ERRNO(EBUSY, ioctl(dev, CRYO_IOC_FREEZE, &f));
	close(dev);
	/* Given up cleanly: the parent goes on once its child exits. */
	ASSERT_EQ(1, read(fds[0], &c, 1));
	EXPECT_EQ('v', c);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(frz, target_killed_mid_stream)
{
	unsigned char buf[4096];
	int status;
	ssize_t n;

	ASSERT_LE(0, do_freeze(self->dev, self->pid, CRYO_FREEZE_LEAVE_FROZEN));
	ASSERT_EQ(sizeof(buf), read(self->dev, buf, sizeof(buf)));
	ASSERT_EQ(0, kill(self->pid, SIGKILL));
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	self->pid = 0;
	do {
		n = read(self->dev, buf, sizeof(buf));
	} while (n > 0);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ESRCH, errno);
}

TEST_F(frz, cryoctl_killed_mid_stream_resumes)
{
	char pidstr[16];
	int out[2], status;
	pid_t cli;

	if (access(cryo_cryoctl_path(), X_OK))
		SKIP(return, "cryoctl not found");
	ASSERT_EQ(0, pipe(out));
	snprintf(pidstr, sizeof(pidstr), "%d", self->pid);
	cli = fork();
	ASSERT_LE(0, cli);
	if (cli == 0) {
		dup2(out[1], 1);
		close(out[0]);
		execl(cryo_cryoctl_path(), "cryoctl", "freeze", "--kill",
		      pidstr, NULL);
		_exit(127);
	}
	close(out[1]);
	/* Nobody reads: cryoctl blocks on a full pipe mid-image. */
	usleep(300000);
	ASSERT_EQ(0, kill(cli, SIGKILL));
	ASSERT_EQ(cli, waitpid(cli, &status, 0));
	close(out[0]);
	/* No COMMIT happened: the target lives on and answers. */
	EXPECT_EQ(0, ping(self->cmd, self->rep));
	EXPECT_EQ(0, waitpid(self->pid, &status, WNOHANG | WUNTRACED));
}

TEST_F(frz, ptraced_target_is_ebusy)
{
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, self->pid, 0, 0));
	EXPECT_EQ(-EBUSY, do_freeze(self->dev, self->pid, 0));
}

/*
 * Without capabilities: the same uid may freeze a dumpable process, and
 * nothing else.
 */
TEST(same_uid_needs_dumpable)
{
	int dev, status, cmd[2], rep[2];
	pid_t victim, pid;
	char c;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing");
	if (geteuid() != 0)
		SKIP(return, "needs root");
	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(rep));
	victim = cryo_target_fork();
	ASSERT_LE(0, victim);
	if (victim == 0) {
		if (cryo_become_nobody())
			_exit(2);
		/* Changing uid made it non-dumpable; undo that first. */
		prctl(PR_SET_DUMPABLE, 1);
		while (read(cmd[0], &c, 1) == 1) {
			if (c == 'n')
				prctl(PR_SET_DUMPABLE, 0);
			if (write(rep[1], &c, 1) != 1)
				_exit(3);
		}
		_exit(0);
	}
	c = 'x';
	ASSERT_EQ(1, write(cmd[1], &c, 1));
	ASSERT_EQ(1, read(rep[0], &c, 1));

	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned char *img;

		if (cryo_become_nobody())
			_exit(2);
		if (do_freeze(dev, victim, 0) != 1)
			_exit(3);
		if (!cryo_read_stream(dev, &img))
			_exit(4);
		close(dev);
		/* Now non-dumpable: refused. */
		if (write(cmd[1], "n", 1) != 1 || read(rep[0], &c, 1) != 1)
			_exit(5);
		dev = open(CRYO_DEV, O_RDWR);	/* as nobody: EACCES */
		if (dev >= 0 || errno != EACCES)
			_exit(6);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child step %d", WEXITSTATUS(status));

	/* The non-dumpable victim, through a device opened by root. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int d2 = open(CRYO_DEV, O_RDWR);

		if (d2 < 0 || cryo_become_nobody())
			_exit(2);
		_exit(do_freeze(d2, victim, 0) == -EPERM ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(dev);
	EXPECT_TARGET_KILLED(victim);
}

/* A process holding a cryo session itself: refused, never referenced. */
TEST(session_file_in_target)
{
	struct cryo_freeze f = { .size = sizeof(f) };
	unsigned char *img;
	int held, dev;
	pid_t pid;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing");
	held = open(CRYO_DEV, O_RDWR);	/* inherited by the child */
	ASSERT_LE(0, held);
	pid = cryo_target_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	close(held);
	usleep(100000);
	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	f.pid = pid;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(dev, CRYO_IOC_FREEZE, &f));
	EXPECT_EQ(held, f.bad_fd);
	f.flags = CRYO_FREEZE_ACCEPT_LOSS;
	ASSERT_EQ(0, ioctl(dev, CRYO_IOC_FREEZE, &f));
	ASSERT_LT(0, cryo_read_stream(dev, &img));
	free(img);
	close(dev);
	EXPECT_TARGET_KILLED(pid);
}

/* Line @idx (from 0) of /proc/@pid/maps into @buf; 0 or -1. */
static int maps_line(pid_t pid, int idx, char *buf, size_t size)
{
	char path[64];
	FILE *f;
	int i = 0, ret = -1;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(buf, size, f))
		if (i++ == idx) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

/*
 * A mapping a thaw could not make again -- of a file whose mapped name
 * was deleted while another name of it stays -- is refused by name,
 * before anything is touched: the image would never thaw, and a freeze
 * --kill would lose the process.  --accept-loss makes the image anyway
 * (for forensics).  (A memfd's mapping is saved since ABI 1.9:
 * cryo_shm_test; a deleted file's since ABI 1.13: cryo_deleted_test.)
 */
TEST(unremappable_mapping_is_refused)
{
	struct cryo_freeze f = { .size = sizeof(f) };
	char path[] = "/tmp/cryo-mapXXXXXX", line[512], other[64], c;
	unsigned char *img;
	int ready[2], dev, status;
	pid_t pid;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing");
	ASSERT_EQ(0, pipe(ready));
	pid = cryo_target_fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = mkstemp(path);
		void *p;

		if (fd < 0 || ftruncate(fd, 4096))
			_exit(1);
		snprintf(other, sizeof(other), "%s-link", path);
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED || link(path, other) || unlink(path))
			_exit(2);
		close(fd);
		c = 'y';
		if (write(ready[1], &c, 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	f.pid = pid;
	f.flags = CRYO_FREEZE_KILL;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(dev, CRYO_IOC_FREEZE, &f));
	EXPECT_EQ(CRYO_REFUSAL_MAPPING, f.refusal);
	/* Its line in /proc/PID/maps: the file, deleted. */
	ASSERT_EQ(0, maps_line(pid, f.refusal_id, line, sizeof(line)))
		TH_LOG("no line %d", f.refusal_id);
	EXPECT_NE(NULL, strstr(line, "/tmp/cryo-map"))
		TH_LOG("line %d: %s", f.refusal_id, line);
	EXPECT_NE(NULL, strstr(line, " (deleted)"));
	/* Untouched: running, neither stopped nor killed. */
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG | WUNTRACED));
	/* For forensics, the image is made all the same. */
	f.flags = CRYO_FREEZE_ACCEPT_LOSS;
	ASSERT_EQ(0, ioctl(dev, CRYO_IOC_FREEZE, &f));
	EXPECT_LT(0, cryo_read_stream(dev, &img));
	free(img);
	close(dev);
	EXPECT_TARGET_KILLED(pid);
	/* The name kept, made by the child from its own template. */
	if (strstr(line, "/tmp/cryo-map") &&
	    sscanf(strstr(line, "/tmp/cryo-map"), "%40[^ ]", other) == 1) {
		strcat(other, "-link");
		unlink(other);
	}
}

static void on_usr1(int sig)
{
}

/* walk() callback: keep the first THREAD record and stop (1). */
static int first_thread_fn(const struct cryoctl_record *r, void *arg)
{
	if (r->type != CRYO_REC_THREAD)
		return 0;
	memcpy(arg, r->payload, sizeof(struct cryo_image_thread));
	return 1;
}

/* In sigsuspend() the mask to save is the saved one, not the temporary. */
TEST(sigsuspend_keeps_real_mask)
{
	struct cryo_image_thread t;
	unsigned char *img;
	int dev;
	size_t len;
	pid_t pid;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing");
	pid = cryo_target_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		sigset_t block, empty;

		signal(SIGUSR1, on_usr1);
		sigemptyset(&block);
		sigaddset(&block, SIGUSR1);
		sigaddset(&block, SIGUSR2);
		sigprocmask(SIG_BLOCK, &block, NULL);
		sigemptyset(&empty);
		for (;;)
			sigsuspend(&empty);
	}
	usleep(200000);
	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	ASSERT_EQ(1, do_freeze(dev, pid, 0));
	len = cryo_read_stream(dev, &img);
	ASSERT_LT(0, len);
	/* The first THREAD record: the main thread's. */
	ASSERT_EQ(1, walk(img, len, first_thread_fn, &t));
	EXPECT_EQ((1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGUSR2 - 1)), t.blocked);
	EXPECT_EQ(__NR_rt_sigsuspend, t.regs[CRYO_REG_ORIG_RAX]);
	free(img);
	close(dev);
	EXPECT_TARGET_KILLED(pid);
}

FIXTURE(bad) {
	int dev;
};

FIXTURE_SETUP(bad)
{
	CRYO_OPEN_OR_SKIP(self->dev);
}

FIXTURE_TEARDOWN(bad)
{
	if (self->dev >= 0)
		close(self->dev);
}

TEST_F(bad, pids)
{
	struct cryo_freeze f = { .size = sizeof(f) };
	struct cryo_commit c = { .size = sizeof(c) };
	char b;

	EXPECT_ERRNO(ENOENT, read(self->dev, &b, 1));
	EXPECT_ERRNO(ENOENT, ioctl(self->dev, CRYO_IOC_COMMIT, &c));
	f.pid = 0;
	EXPECT_ERRNO(ESRCH, ioctl(self->dev, CRYO_IOC_FREEZE, &f));
	f.pid = -1;
	EXPECT_ERRNO(ESRCH, ioctl(self->dev, CRYO_IOC_FREEZE, &f));
	f.pid = 0x3fffffff;
	EXPECT_ERRNO(ESRCH, ioctl(self->dev, CRYO_IOC_FREEZE, &f));
	f.pid = getpid();
	EXPECT_ERRNO(EPERM, ioctl(self->dev, CRYO_IOC_FREEZE, &f));
	f.pid = 1;
	EXPECT_ERRNO(EPERM, ioctl(self->dev, CRYO_IOC_FREEZE, &f));
	f.pid = 2;	/* kthreadd */
	EXPECT_ERRNO(EPERM, ioctl(self->dev, CRYO_IOC_FREEZE, &f));
	/* Nothing was frozen by any of it. */
	EXPECT_ERRNO(ENOENT, read(self->dev, &b, 1));
}

TEST_F(bad, args)
{
	struct cryo_freeze f = { .size = sizeof(f), .pid = getppid() };

	f.flags = CRYO_FREEZE_KILL | CRYO_FREEZE_LEAVE_FROZEN;
	EXPECT_ERRNO(EINVAL, ioctl(self->dev, CRYO_IOC_FREEZE, &f));
	f.flags = 1u << 30;
	EXPECT_ERRNO(EINVAL, ioctl(self->dev, CRYO_IOC_FREEZE, &f));
	f.flags = 0;
	f.timeout_ms = CRYO_FREEZE_TIMEOUT_MAX_MS + 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->dev, CRYO_IOC_FREEZE, &f));
	f.timeout_ms = 0;
	f.size = CRYO_FREEZE_SIZE_VER0 - 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->dev, CRYO_IOC_FREEZE, &f));
}

TEST(unprivileged_against_root)
{
	int dev, status;
	pid_t victim, pid;

	if (access(CRYO_DEV, F_OK))
		SKIP(return, CRYO_DEV " missing");
	if (geteuid() != 0)
		SKIP(return, "needs root");
	victim = cryo_target_fork();
	ASSERT_LE(0, victim);
	if (victim == 0) {
		pause();
		_exit(0);
	}
	/* Open as root, then drop: the device check is passed, the target one not. */
	dev = open(CRYO_DEV, O_RDWR);
	ASSERT_LE(0, dev);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct cryo_freeze f = { .size = sizeof(f), .pid = victim };

		if (cryo_become_nobody())
			_exit(2);
		if (!ioctl(dev, CRYO_IOC_FREEZE, &f))
			_exit(3);
		_exit(errno == EPERM ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TARGET_KILLED(victim);
	close(dev);
}

TEST_HARNESS_MAIN
