// SPDX-License-Identifier: GPL-2.0
/*
 * CRYO_FREEZE_SNAPSHOT: the target runs again before its pages are
 * streamed, yet the image holds its memory as it was at that moment; the
 * copy is charged to the caller, and when it does not fit the freeze
 * fails with ENOMEM and the target goes on untouched.
 *
 * The target rewrites every page of a buffer with a generation number,
 * pass after pass, and publishes the last complete pass in a shared page.
 * Parked, it stops in some pass g: pages before the stop hold g + 1,
 * those after it g.  So a consistent image shows at most two adjacent
 * generations, in non-increasing order by address; a target that ran
 * while its pages were read would show more.
 */
#include <signal.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "cryo_test.h"

#define BUF_PAGES	1024		/* 4 MiB */
#define PAGE		4096UL

struct shared {
	volatile unsigned long gen;	/* last complete pass */
	volatile unsigned long buf;	/* the target's buffer */
};

/* The target: rewrite the buffer forever, one generation per pass. */
static void __attribute__((noreturn)) writer(struct shared *sh)
{
	unsigned long *buf, gen, p;

	/* Nothing of the test's (its /dev/cryo among them) to freeze. */
	for (p = 3; p < 1024; p++)
		close(p);
	buf = mmap(NULL, BUF_PAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		_exit(1);
	sh->buf = (unsigned long)buf;
	for (gen = 1;; gen++) {
		for (p = 0; p < BUF_PAGES; p++)
			*(volatile unsigned long *)(buf + p * PAGE / 8) = gen;
		sh->gen = gen;
	}
}

FIXTURE(snap) {
	struct shared *sh;
	pid_t pid;
	int dev;
	unsigned char *img;
	size_t len, cap;
};

FIXTURE_SETUP(snap)
{
	int i;

	self->dev = -1;
	self->img = NULL;
	self->pid = -1;
	CRYO_OPEN_OR_SKIP(self->dev);
	self->sh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid)
		writer(self->sh);
	for (i = 0; i < 5000 && self->sh->gen < 3; i++)
		usleep(1000);
	ASSERT_LE(3, self->sh->gen);
}

FIXTURE_TEARDOWN(snap)
{
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	free(self->img);
	if (self->dev >= 0)
		close(self->dev);
}

/* The target shares its counter with us: an accepted loss. */
static int freeze(int dev, pid_t pid, unsigned int flags)
{
	struct cryo_freeze f = { .size = sizeof(f),
				 .flags = flags | CRYO_FREEZE_ACCEPT_LOSS,
				 .pid = pid };

	return ioctl(dev, CRYO_IOC_FREEZE, &f) ? -errno : 0;
}

/* Read exactly @n more bytes of the image; false on error or EOF. */
static bool take(int dev, unsigned char **img, size_t *len, size_t *cap,
		 size_t n)
{
	ssize_t r;

	while (*len + n > *cap) {
		*cap = *cap ? *cap * 2 : 1 << 20;
		*img = realloc(*img, *cap);
		if (!*img)
			return false;
	}
	while (n) {
		r = read(dev, *img + *len, n);
		if (r <= 0)
			return false;
		*len += r;
		n -= r;
	}
	return true;
}

/* Read records until the header of the first PAGES record is in. */
static bool read_to_pages(int dev, unsigned char **img, size_t *len,
			  size_t *cap)
{
	for (;;) {
		const struct cryo_rec *r;

		if (!take(dev, img, len, cap, sizeof(*r)))
			return false;
		r = (const void *)(*img + *len - sizeof(*r));
		if (r->type == CRYO_REC_PAGES)
			return true;
		if (r->type == CRYO_REC_TRAILER ||
		    !take(dev, img, len, cap, r->len))
			return false;
	}
}

/* Read the rest of the image; its total length, 0 on error. */
static size_t read_rest(int dev, unsigned char **img, size_t *len,
			size_t *cap)
{
	ssize_t r;

	for (;;) {
		if (*cap - *len < 65536) {
			*cap = *cap ? *cap * 2 : 1 << 20;
			*img = realloc(*img, *cap);
			if (!*img)
				return 0;
		}
		r = read(dev, *img + *len, 65536);
		if (r < 0)
			return 0;
		if (!r)
			return *len;
		*len += r;
	}
}

struct gens {
	unsigned long buf;
	unsigned long pages, min, max, prev;
	bool ordered;
	bool trailer;
};

/* One record of scan(): the PAGES of the target's buffer, the TRAILER. */
static int scan_rec(const struct cryoctl_record *r, void *arg)
{
	const struct cryo_image_pages *p = r->payload;
	struct gens *g = arg;
	unsigned long i;

	if (r->type == CRYO_REC_TRAILER)
		g->trailer = true;
	if (r->type != CRYO_REC_PAGES)
		return 0;
	for (i = 0; i < p->nr_pages; i++) {
		unsigned long a = p->addr + i * PAGE, v;

		if (a < g->buf || a >= g->buf + BUF_PAGES * PAGE)
			continue;
		memcpy(&v, (const unsigned char *)(p + 1) + i * PAGE, sizeof(v));
		g->pages++;
		if (v > g->prev)
			g->ordered = false;
		g->prev = v;
		g->min = v < g->min ? v : g->min;
		g->max = v > g->max ? v : g->max;
	}
	return 0;
}

/*
 * Generations the image holds for the target's buffer; g->trailer when
 * libcryoctl's reader took the whole image.
 */
static void scan(const unsigned char *img, size_t len, struct gens *g)
{
	g->pages = 0;
	g->min = ~0UL;
	g->max = 0;
	g->prev = ~0UL;
	g->ordered = true;
	g->trailer = false;
	cryo_image_walk(img, len, scan_rec, g, NULL, 0);
}

/*
 * With SNAPSHOT the target runs on while its pages stream (it passes
 * generation after generation), and the image still shows one moment.
 */
TEST_F(snap, target_runs_while_pages_stream)
{
	unsigned long g1, g2, end;
	struct gens g = { .buf = self->sh->buf };

	ASSERT_EQ(0, freeze(self->dev, self->pid, CRYO_FREEZE_SNAPSHOT));
	ASSERT_TRUE(read_to_pages(self->dev, &self->img, &self->len,
				  &self->cap));
	g1 = self->sh->gen;
	usleep(200 * 1000);
	g2 = self->sh->gen;
	EXPECT_LT(g1 + 1, g2) TH_LOG("target held mid-stream: gen %lu, then %lu",
				     g1, g2);
	ASSERT_LT(0, read_rest(self->dev, &self->img, &self->len, &self->cap));
	end = self->sh->gen;

	scan(self->img, self->len, &g);
	EXPECT_TRUE(g.trailer);
	EXPECT_EQ(BUF_PAGES, g.pages);
	EXPECT_TRUE(g.ordered);
	EXPECT_GE(1, g.max - g.min) TH_LOG("image mixes generations %lu..%lu",
					   g.min, g.max);
	/* The copy is older than what the target wrote since. */
	EXPECT_LE(g.max, g1 + 1);
	EXPECT_LT(g.max, end);
	/* And the target is still going. */
	usleep(20 * 1000);
	EXPECT_LT(end, self->sh->gen);
}

/* The same without SNAPSHOT: held until the last byte, then resumed. */
TEST_F(snap, plain_checkpoint_holds_until_read)
{
	unsigned long g1, g2;
	struct gens g = { .buf = self->sh->buf };

	ASSERT_EQ(0, freeze(self->dev, self->pid, 0));
	ASSERT_TRUE(read_to_pages(self->dev, &self->img, &self->len,
				  &self->cap));
	g1 = self->sh->gen;
	usleep(200 * 1000);
	g2 = self->sh->gen;
	EXPECT_EQ(g1, g2);
	ASSERT_LT(0, read_rest(self->dev, &self->img, &self->len, &self->cap));
	scan(self->img, self->len, &g);
	EXPECT_TRUE(g.trailer);
	EXPECT_EQ(BUF_PAGES, g.pages);
	EXPECT_TRUE(g.ordered);
	EXPECT_GE(1, g.max - g.min);
	usleep(50 * 1000);
	EXPECT_LT(g2, self->sh->gen);
}

/* The snapshot image is sound: cryoctl verify checks every checksum. */
TEST_F(snap, cryoctl_snapshot_verifies)
{
	const char *img = "/tmp/snap.img";
	unsigned long before = self->sh->gen;
	char pid[16];

	if (access(cryo_cryoctl_path(), X_OK))
		SKIP(return, "cryoctl not found");
	snprintf(pid, sizeof(pid), "%d", self->pid);
	{
		const char *const freeze[] = { "cryoctl", "freeze", "--snapshot",
					       "--accept-loss", pid, NULL };
		const char *const verify[] = { "cryoctl", "verify", img, NULL };

		ASSERT_EQ(0, cryo_cli_to(img, freeze));
		EXPECT_EQ(0, cryo_cli_to(NULL, verify));
	}
	usleep(20 * 1000);
	EXPECT_LT(before, self->sh->gen);
	/* A snapshot is for a checkpoint only. */
	{
		const char *const kill_too[] = { "cryoctl", "freeze", "--snapshot",
						 "--kill", "--accept-loss", pid,
						 NULL };

		EXPECT_EQ(2, cryo_cli_to(img, kill_too));
	}
	EXPECT_EQ(0, kill(self->pid, 0));
	unlink(img);
}

/*
 * A snapshot larger than the caller's memory cgroup allows: ENOMEM, no
 * OOM kill, the target resumed and running, and a plain freeze still
 * works afterwards.
 */
TEST_F(snap, too_big_for_cgroup_is_enomem)
{
	const char *cg = "/sys/fs/cgroup/cryo-snap";
	char text[512], *p;
	int status, fd;
	pid_t reader;
	char path[256];
	unsigned long before;

	if (access("/sys/fs/cgroup/cgroup.subtree_control", W_OK))
		SKIP(return, "no cgroup2 at /sys/fs/cgroup");
	fd = open("/sys/fs/cgroup/cgroup.subtree_control", O_WRONLY);
	ASSERT_LE(0, fd);
	if (write(fd, "+memory", 7) != 7) {
		close(fd);
		SKIP(return, "memory controller not available");
	}
	close(fd);
	rmdir(cg);
	ASSERT_EQ(0, mkdir(cg, 0755));

	reader = fork();
	ASSERT_LE(0, reader);
	if (!reader) {
		unsigned char *img = NULL;
		size_t len = 0, cap = 0;
		int dev;

		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(10);
		close(fd);
		/* Room for the reader, not for 4 MiB of copies. */
		snprintf(path, sizeof(path), "%s/memory.max", cg);
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, "2M", 2) != 2)
			_exit(11);
		close(fd);
		dev = open(CRYO_DEV, O_RDWR);
		if (dev < 0 || freeze(dev, self->pid, CRYO_FREEZE_SNAPSHOT))
			_exit(12);
		if (!read_to_pages(dev, &img, &len, &cap))
			_exit(errno == ENOMEM ? 0 : 13);
		_exit(14);	/* the copies fitted after all */
	}
	ASSERT_EQ(reader, waitpid(reader, &status, 0));
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("reader killed: signal %d",
					      WTERMSIG(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	snprintf(path, sizeof(path), "%s/memory.events", cg);
	ASSERT_LT(0, cryo_read_file(path, text, sizeof(text)));
	p = strstr(text, "oom_kill ");
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, strtol(p + 9, NULL, 10)) TH_LOG("%s", text);
	/* The partial copy went back: nothing stays charged to the group. */
	snprintf(path, sizeof(path), "%s/memory.current", cg);
	ASSERT_LT(0, cryo_read_file(path, text, sizeof(text)));
	EXPECT_GT(512 * 1024, strtol(text, NULL, 10)) TH_LOG("memory.current %s", text);
	rmdir(cg);

	/* The target goes on, and can be frozen again. */
	before = self->sh->gen;
	usleep(20 * 1000);
	EXPECT_LT(before, self->sh->gen);
	ASSERT_EQ(0, freeze(self->dev, self->pid, 0));
	ASSERT_LT(0, read_rest(self->dev, &self->img, &self->len, &self->cap));
}

TEST(snapshot_with_kill_or_leave_frozen_is_einval)
{
	struct cryo_freeze f = { .size = sizeof(f), .pid = getppid() };
	int dev;

	CRYO_OPEN_OR_SKIP(dev);
	f.flags = CRYO_FREEZE_SNAPSHOT | CRYO_FREEZE_KILL;
	EXPECT_ERRNO(EINVAL, ioctl(dev, CRYO_IOC_FREEZE, &f));
	f.flags = CRYO_FREEZE_SNAPSHOT | CRYO_FREEZE_LEAVE_FROZEN;
	EXPECT_ERRNO(EINVAL, ioctl(dev, CRYO_IOC_FREEZE, &f));
	/* Refused before anything was parked: the session is still free. */
	EXPECT_ERRNO(ENOENT, read(dev, &f, 1));
	close(dev);
}

TEST_HARNESS_MAIN
