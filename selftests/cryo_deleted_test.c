// SPDX-License-Identifier: GPL-2.0
/*
 * Deleted files across a freeze (issue 13, item 4): an unlinked regular
 * file's data extents (holes stay holes, the size is kept), the limit on
 * what an image carries of them (CRYO_REFUSAL_DELETED_TOO_BIG, raised by
 * cryo_freeze.max_deleted_data), a recreated file's mode, mtime and
 * owner, and shared mappings of /dev/zero.
 *
 * Each test is a freeze -> kill -> thaw of selftests/progs/
 * deleted_target, which checks after the thaw the state it holds itself
 * (extents through SEEK_DATA/SEEK_HOLE, bytes, fstat) against what it
 * had, and exits 0 when they are the same; the test checks the image and
 * the refusal from outside.  The malformed cases rewrite FILE_DATA
 * records of a real image (with a correct checksum) and expect EBADMSG.
 *
 * CRYO_DELETED_ONLY="sparse,limit" runs only those tests.
 */
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "cryo_tree.h"

FIXTURE(del) {
	char dir[64];
	char img[96];
	char log[96];
	pid_t root;
};

FIXTURE_SETUP(del)
{
	self->root = 0;
	self->dir[0] = 0;
	if (!cryo_selected("CRYO_DELETED_ONLY", _metadata->name))
		CRYO_SETUP_SKIP("not in CRYO_DELETED_ONLY");
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	snprintf(self->dir, sizeof(self->dir), "/tmp/cryo_deleted.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->img, sizeof(self->img), "%s/image", self->dir);
	snprintf(self->log, sizeof(self->log), "%s/log.err", self->dir);
}

FIXTURE_TEARDOWN(del)
{
	tree_kill_descendants();
	if (self->dir[0])
		cryo_rm_rf(self->dir);
}

/* Start deleted_target @mode (@arg: its third argument, or NULL). */
static int start(FIXTURE_DATA(del) *self, const char *mode, const char *arg)
{
	const char *argv[] = { cryo_prog("deleted_target"), mode, self->dir,
			       arg, NULL };

	self->root = tree_spawn(self->dir, self->log, argv, -1);
	if (self->root < 0)
		return -1;
	return WAIT_FOR(tree_has(self->dir, "ready"), 30) ? 0 : -1;
}

static const char *log_text(FIXTURE_DATA(del) *self)
{
	static char buf[2048];

	return tree_text(self->dir, "log.err", buf, sizeof(buf));
}

/* Freeze with @flags and a limit of @max bytes (0: the default). */
static int freeze(FIXTURE_DATA(del) *self, unsigned int flags, uint64_t max,
		  struct cryoctl_freeze_result *res)
{
	int dev, fd, ret;

	memset(res, 0, sizeof(*res));
	res->size = sizeof(*res);
	res->max_deleted_data = max;
	dev = cryoctl_open();
	if (dev < 0)
		return dev;
	fd = open(self->img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		close(dev);
		return ret;
	}
	ret = cryoctl_freeze_ex(dev, self->root, flags, 0, fd, NULL, NULL, res);
	close(fd);
	close(dev);
	return ret;
}

#define FREEZE_KILL(max) do {						\
		struct cryoctl_freeze_result __res;			\
		pid_t __pid = self->root;				\
		char __why[256];					\
		int __r = freeze(self, CRYO_FREEZE_KILL, (max), &__res); \
									\
		ASSERT_EQ(0, __r) TH_LOG("freeze: %s, refusal %u id %d pid %d", \
					 strerror(-__r), __res.refusal,	\
					 __res.refusal_id, __res.refusal_pid); \
		ASSERT_EQ(0, tree_reap_killed(&self->root, &__pid, 1,	\
					      __why, sizeof(__why)))	\
			TH_LOG("%s", __why);				\
	} while (0)

#define THAW() ASSERT_TREE_THAW(self->img, self->root, CRYOCTL_THAW_SAME_PID)

/* Let the restored target check itself: it must exit 0. */
#define GO_AND_CHECK() do {						\
		ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "go"), "1", 1)); \
		EXPECT_TREE_ROOT_END(self->root, self->dir, CRYO_EXITED(0), 60); \
	} while (0)

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* /proc/ROOT/fd/@fd names a deleted file. */
static bool fd_deleted(pid_t pid, int fd)
{
	char link[512];

	return cryo_fd_link(pid, fd, link, sizeof(link)) >= 0 &&
	       strstr(link, " (deleted)");
}

/*
 * A 1 GiB file of 3 extents (16 KiB of data): the image carries the
 * extents, not the gigabyte; the restored file has the same extents, the
 * same bytes and size (the target checks).
 */
TEST_F(del, sparse)
{
	ASSERT_EQ(0, start(self, "sparse", NULL)) TH_LOG("%s", log_text(self));
	FREEZE_KILL(0);
	EXPECT_GT(4 << 20, file_size(self->img));
	THAW();
	EXPECT_TRUE(fd_deleted(self->root, 3));
	GO_AND_CHECK();
}

/*
 * 2 MiB of deleted data: refused by default (1 MiB), naming the fd and
 * the process, which keeps running; saved and restored with a limit of
 * 4 MiB.
 */
TEST_F(del, limit)
{
	struct cryoctl_freeze_result res;
	int ret;

	ASSERT_EQ(0, start(self, "big", "2048")) TH_LOG("%s", log_text(self));
	ret = freeze(self, CRYO_FREEZE_KILL, 0, &res);
	EXPECT_EQ(-EFBIG, ret);
	EXPECT_EQ(CRYO_REFUSAL_DELETED_TOO_BIG, res.refusal);
	EXPECT_EQ(3, res.refusal_id);
	EXPECT_EQ(3, res.bad_fd);
	EXPECT_EQ(self->root, res.refusal_pid);
	EXPECT_EQ(0, kill(self->root, 0));
	/* Just under the data: still too big; the data's size: enough. */
	ret = freeze(self, CRYO_FREEZE_KILL, (2 << 20) - 1, &res);
	EXPECT_EQ(-EFBIG, ret);
	EXPECT_EQ(CRYO_REFUSAL_DELETED_TOO_BIG, res.refusal);
	FREEZE_KILL(2 << 20);
	THAW();
	GO_AND_CHECK();
}

/* A data-less deleted file with a mode and mtime of its own. */
TEST_F(del, attrs)
{
	ASSERT_EQ(0, start(self, "attrs", NULL)) TH_LOG("%s", log_text(self));
	FREEZE_KILL(0);
	THAW();
	EXPECT_TRUE(fd_deleted(self->root, 3));
	GO_AND_CHECK();
}

/* A deleted FIFO open O_RDWR, 1000 bytes in it: made again and refilled. */
TEST_F(del, fifo)
{
	ASSERT_EQ(0, start(self, "fifo", NULL)) TH_LOG("%s", log_text(self));
	FREEZE_KILL(0);
	THAW();
	EXPECT_TRUE(fd_deleted(self->root, 3));
	GO_AND_CHECK();
}

/*
 * A deleted working directory: getcwd(), fstat(".") and a create in it
 * say after the thaw what they said before; /proc names it the same.
 */
TEST_F(del, cwd)
{
	char before[512], after[512], link[64];
	ssize_t n;

	ASSERT_EQ(0, start(self, "cwd", NULL)) TH_LOG("%s", log_text(self));
	snprintf(link, sizeof(link), "/proc/%d/cwd", self->root);
	n = readlink(link, before, sizeof(before) - 1);
	ASSERT_LT(0, n);
	before[n] = 0;
	FREEZE_KILL(0);
	THAW();
	snprintf(link, sizeof(link), "/proc/%d/cwd", self->root);
	n = readlink(link, after, sizeof(after) - 1);
	ASSERT_LT(0, n);
	after[n] = 0;
	EXPECT_STREQ(before, after);
	EXPECT_NE(NULL, strstr(after, " (deleted)"));
	GO_AND_CHECK();
}

/* A deleted directory open O_RDONLY|O_DIRECTORY, the same way. */
TEST_F(del, dirfd)
{
	ASSERT_EQ(0, start(self, "dirfd", NULL)) TH_LOG("%s", log_text(self));
	FREEZE_KILL(0);
	THAW();
	EXPECT_TRUE(fd_deleted(self->root, 3));
	GO_AND_CHECK();
}

/* MAP_SHARED of /dev/zero, a parent and child writing it: still shared. */
TEST_F(del, zero)
{
	pid_t pids[4];

	ASSERT_EQ(0, start(self, "zero", NULL)) TH_LOG("%s", log_text(self));
	ASSERT_EQ(2, tree_descendants(self->root, pids, 4));
	{
		struct cryoctl_freeze_result res;
		char why[256];

		ASSERT_EQ(0, freeze(self, CRYO_FREEZE_KILL, 0, &res))
			TH_LOG("refusal %u", res.refusal);
		ASSERT_EQ(0, tree_reap_killed(&self->root, pids, 2, why,
					      sizeof(why))) TH_LOG("%s", why);
	}
	THAW();
	GO_AND_CHECK();
}

/*
 * Mapped deleted files (since 2.9): one mapped shared and held as fd 3,
 * its mapping shared with a child; another mapped privately only, one
 * page of it copied.  After the thaw the fd and the mappings are one
 * file again (the target checks writes each way and the child's), the
 * private mapping keeps its copy and the file's page.
 */
TEST_F(del, map)
{
	pid_t pids[4];
	char link[256], path[64];
	ssize_t n;

	ASSERT_EQ(0, start(self, "map", NULL)) TH_LOG("%s", log_text(self));
	ASSERT_EQ(2, tree_descendants(self->root, pids, 4));
	{
		struct cryoctl_freeze_result res;
		char why[256];

		ASSERT_EQ(0, freeze(self, CRYO_FREEZE_KILL, 0, &res))
			TH_LOG("refusal %u id %d", res.refusal, res.refusal_id);
		ASSERT_EQ(0, tree_reap_killed(&self->root, pids, 2, why,
					      sizeof(why))) TH_LOG("%s", why);
	}
	THAW();
	EXPECT_TRUE(fd_deleted(self->root, 3));
	snprintf(path, sizeof(path), "/proc/%d/fd/3", self->root);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = 0;
	EXPECT_NE(NULL, strstr(link, "/mapped (deleted)")) TH_LOG("%s", link);
	GO_AND_CHECK();
}

/*
 * A mapped deleted file counts against the same limit: 2 MiB mapped
 * shared, no fd, is refused by default naming the mapping; saved with
 * a limit of 2 MiB.
 */
TEST_F(del, map_limit)
{
	struct cryoctl_freeze_result res;
	char path[64], line[512];
	FILE *f;
	int ret, i = 0;

	ASSERT_EQ(0, start(self, "mapbig", "2048")) TH_LOG("%s", log_text(self));
	ret = freeze(self, CRYO_FREEZE_KILL, 0, &res);
	EXPECT_EQ(-EFBIG, ret);
	EXPECT_EQ(CRYO_REFUSAL_DELETED_MAPPING_TOO_BIG, res.refusal);
	EXPECT_EQ(self->root, res.refusal_pid);
	EXPECT_EQ(0, kill(self->root, 0));
	/* Its line in /proc/PID/maps: the deleted file. */
	snprintf(path, sizeof(path), "/proc/%d/maps", self->root);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f) && i++ < res.refusal_id)
		;
	fclose(f);
	EXPECT_NE(NULL, strstr(line, "/big (deleted)")) TH_LOG("%s", line);
	FREEZE_KILL(2 << 20);
	THAW();
	GO_AND_CHECK();
}

/* ---- malformed FILE_DATA of an unlinked file --------------------------- */

/* The image's bytes, and the offsets of its FILE_DATA records. */
struct img {
	unsigned char *buf;
	size_t len;
	size_t data[8];
	int nr_data;
	size_t file;		/* the FILE before them */
	size_t first_file;	/* the first FILE: fd 0, /dev/null */
	size_t fs;		/* the FS record */
};

static int img_load(FIXTURE_DATA(del) *self, struct img *m)
{
	size_t off = 0;

	memset(m, 0, sizeof(*m));
	m->buf = cryo_slurp(self->img, &m->len);
	if (!m->buf)
		return -1;
	while (off + sizeof(struct cryo_rec) <= m->len) {
		struct cryo_rec r;

		memcpy(&r, m->buf + off, sizeof(r));
		if (r.type == CRYO_REC_FILE_DATA && m->nr_data < 8)
			m->data[m->nr_data++] = off;
		if (r.type == CRYO_REC_FILE && !m->nr_data)
			m->file = off;
		if (r.type == CRYO_REC_FILE && !m->first_file)
			m->first_file = off;
		if (r.type == CRYO_REC_FS)
			m->fs = off;
		off += sizeof(r) + r.len;
	}
	return 0;
}

static void img_fix(struct img *m, size_t off)
{
	struct cryo_rec r;

	memcpy(&r, m->buf + off, sizeof(r));
	r.crc = cryoctl_record_crc(&r, m->buf + off + sizeof(r));
	memcpy(m->buf + off, &r, sizeof(r));
}

static struct cryo_image_file_data *img_data(struct img *m, int i)
{
	return (void *)(m->buf + m->data[i] + sizeof(struct cryo_rec));
}

/* Thaw @m's bytes: the error, and nothing of the thaw left. */
static int img_thaw(FIXTURE_DATA(del) *self, struct img *m, char *msg,
		    size_t size)
{
	struct cryoctl_thaw_result res;
	char path[128];
	int dev, fd, ret;

	snprintf(path, sizeof(path), "%s/bad", self->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, m->buf, m->len) != (ssize_t)m->len)
		return -EIO;
	lseek(fd, 0, SEEK_SET);
	dev = cryoctl_open();
	memset(&res, 0, sizeof(res));
	ret = cryoctl_thaw(dev, fd, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	close(dev);
	close(fd);
	snprintf(msg, size, "%s", res.message);
	if (!ret && res.pid > 0) {
		kill(res.pid, SIGKILL);
		waitpid(res.pid, NULL, 0);
	}
	return ret;
}

#define EXPECT_BAD(m_, what) do {					\
		char __msg[256];					\
		int __r = img_thaw(self, (m_), __msg, sizeof(__msg));	\
									\
		EXPECT_EQ(-EBADMSG, __r) TH_LOG("%s: %s: %s", what,	\
						strerror(-__r), __msg);	\
	} while (0)

TEST_F(del, malformed)
{
	struct cryo_image_file *f;
	struct img m;
	uint64_t off;

	ASSERT_EQ(0, start(self, "sparse", NULL)) TH_LOG("%s", log_text(self));
	FREEZE_KILL(0);
	ASSERT_EQ(0, img_load(self, &m));
	ASSERT_LE(3, m.nr_data);
	ASSERT_NE(0, m.file);
	f = (void *)(m.buf + m.file + sizeof(struct cryo_rec));
	ASSERT_EQ(CRYO_FILE_UNLINKED, f->flags & CRYO_FILE_UNLINKED);
	ASSERT_EQ(1ULL << 30, f->size);

	/* The second extent overlapping the first. */
	off = img_data(&m, 1)->offset;
	img_data(&m, 1)->offset = 100;
	img_fix(&m, m.data[1]);
	EXPECT_BAD(&m, "overlap");
	img_data(&m, 1)->offset = off;
	img_fix(&m, m.data[1]);

	/* The last past the size. */
	off = img_data(&m, m.nr_data - 1)->offset;
	img_data(&m, m.nr_data - 1)->offset = (1ULL << 30) - 100;
	img_fix(&m, m.data[m.nr_data - 1]);
	EXPECT_BAD(&m, "past the size");
	img_data(&m, m.nr_data - 1)->offset = ~0ULL - 10;
	img_fix(&m, m.data[m.nr_data - 1]);
	EXPECT_BAD(&m, "offset wraps");
	img_data(&m, m.nr_data - 1)->offset = off;
	img_fix(&m, m.data[m.nr_data - 1]);

	/* A size smaller than the data. */
	f->size = 4096;
	img_fix(&m, m.file);
	EXPECT_BAD(&m, "size below the data");
	f->size = 1ULL << 63;
	img_fix(&m, m.file);
	EXPECT_BAD(&m, "size beyond MAX_LFS_FILESIZE");
	f->size = 1ULL << 30;

	/* More data announced than follows, and less. */
	f->data_size += 4096;
	img_fix(&m, m.file);
	EXPECT_BAD(&m, "data_size too big");
	f->data_size -= 8192;
	img_fix(&m, m.file);
	EXPECT_BAD(&m, "data_size too small");
	f->data_size += 4096;
	img_fix(&m, m.file);

	/* UNLINKED on a character device. */
	{
		struct cryo_image_file *chr = (void *)(m.buf + m.first_file +
						       sizeof(struct cryo_rec));

		ASSERT_EQ(CRYO_FILE_CHR, chr->kind);
		chr->flags |= CRYO_FILE_UNLINKED;
		img_fix(&m, m.first_file);
		EXPECT_BAD(&m, "UNLINKED on a device");
		chr->flags &= ~CRYO_FILE_UNLINKED;
		img_fix(&m, m.first_file);
	}

	/* FS cwd_mode: a directory's type and permission bits only. */
	{
		struct cryo_image_fs *fs = (void *)(m.buf + m.fs +
						    sizeof(struct cryo_rec));

		ASSERT_NE(0, m.fs);
		ASSERT_EQ(0, fs->cwd_mode);
		fs->cwd_mode = 0700;
		img_fix(&m, m.fs);
		EXPECT_BAD(&m, "cwd_mode without S_IFDIR");
		fs->cwd_mode = S_IFDIR | S_ISGID | 0700;
		img_fix(&m, m.fs);
		EXPECT_BAD(&m, "cwd_mode setgid");
		fs->cwd_mode = S_IFREG | 0700;
		img_fix(&m, m.fs);
		EXPECT_BAD(&m, "cwd_mode of a file");
	}
	free(m.buf);
}

/* The offset of the first record of @type in @m, 0 if none. */
static size_t img_find(struct img *m, uint32_t type)
{
	size_t off = 0;

	while (off + sizeof(struct cryo_rec) <= m->len) {
		struct cryo_rec r;

		memcpy(&r, m->buf + off, sizeof(r));
		if (r.type == type)
			return off;
		off += sizeof(r) + r.len;
	}
	return 0;
}

/* Malformed VMA_FILE records of a real image: EBADMSG, nothing made. */
TEST_F(del, map_malformed)
{
	struct cryo_image_vma_file *v, keep;
	struct img m;
	size_t off;

	ASSERT_EQ(0, start(self, "mapbig", "8")) TH_LOG("%s", log_text(self));
	FREEZE_KILL(0);
	ASSERT_EQ(0, img_load(self, &m));
	off = img_find(&m, CRYO_REC_VMA_FILE);
	ASSERT_NE(0, off);
	v = (void *)(m.buf + off + sizeof(struct cryo_rec));
	keep = *v;
	ASSERT_NE(0, v->file_id);

	v->__reserved = 1;
	img_fix(&m, off);
	EXPECT_BAD(&m, "reserved word");
	*v = keep;
	v->start += 4096;
	img_fix(&m, off);
	EXPECT_BAD(&m, "start not its VMA's");
	*v = keep;
	v->file_id = 0;
	img_fix(&m, off);
	EXPECT_BAD(&m, "no FILE");
	v->file_id = 1000;
	img_fix(&m, off);
	EXPECT_BAD(&m, "a FILE past the last");
	/* FILE 1 is fd 0's, not the deleted file. */
	v->file_id = 1;
	img_fix(&m, off);
	EXPECT_BAD(&m, "another FILE");
	*v = keep;
	img_fix(&m, off);
	/* The unchanged image thaws. */
	{
		char msg[256];

		EXPECT_EQ(0, img_thaw(self, &m, msg, sizeof(msg)))
			TH_LOG("%s", msg);
	}
	free(m.buf);
}

TEST_HARNESS_MAIN
