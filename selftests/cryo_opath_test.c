// SPDX-License-Identifier: GPL-2.0
/*
 * O_PATH descriptors of every inode type across a freeze (issue 13, item
 * 4): a regular file, a directory, a FIFO, a bound unix socket's inode, a
 * symbolic link (O_PATH|O_NOFOLLOW), a character and a block device node.
 * selftests/progs/opath_target holds one of each; it is frozen, killed
 * and thawed, and what it sees through them afterwards (fstat identity,
 * mode, device number and F_GETFL of each; a file read with openat()
 * and fstatat() through the directory; the link's target read with
 * readlinkat(fd, "")) must be what it saw before, and the inodes the
 * ones this process finds at their paths.
 *
 * Also: an O_PATH description of an unlinked symbolic link is refused
 * by name (CRYO_REFUSAL_OPATH_UNLINKED) or lost with --accept-loss; one
 * whose name holds another inode at the thaw fails it (ESTALE) with no
 * process left; a fanotify group is refused by its own name
 * (CRYO_REFUSAL_FANOTIFY); every bad field of an O_PATH FILE record
 * fails the thaw with EBADMSG.
 *
 * CRYO_OPATH_ONLY="all,unlinked" runs only those tests.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "cryo_tree.h"

FIXTURE(opath) {
	char dir[64];
	char img[96];
	char log[96];
	pid_t root;
};

FIXTURE_SETUP(opath)
{
	self->root = 0;
	self->dir[0] = 0;
	if (!cryo_selected("CRYO_OPATH_ONLY", _metadata->name))
		CRYO_SETUP_SKIP("not in CRYO_OPATH_ONLY");
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	snprintf(self->dir, sizeof(self->dir), "/tmp/cryo_opath.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->img, sizeof(self->img), "%s/image", self->dir);
	snprintf(self->log, sizeof(self->log), "%s/log.err", self->dir);
}

FIXTURE_TEARDOWN(opath)
{
	tree_kill_descendants();
	if (self->dir[0])
		cryo_rm_rf(self->dir);
}

static const char *log_text(FIXTURE_DATA(opath) *self)
{
	static char buf[2048];

	return tree_text(self->dir, "log.err", buf, sizeof(buf));
}

/* Reap what came back to us: are we without descendants then? */
static bool alone(void)
{
	pid_t pids[8];

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return tree_descendants(getpid(), pids, 8) == 1;
}

/* Start opath_target (with @mode, or NULL); 0 once it holds its fds. */
static int start_target(FIXTURE_DATA(opath) *self, const char *mode)
{
	const char *argv[] = { cryo_prog("opath_target"), self->dir, mode, NULL };

	self->root = tree_spawn(self->dir, self->log, argv, -1);
	if (self->root < 0)
		return -1;
	return WAIT_FOR(tree_has(self->dir, "ready"), 30) ? 0 : -1;
}

/* Freeze --kill the target (with @flags too); it is gone. */
#define FREEZE_KILL(flags) do {						\
		struct cryoctl_freeze_result __res;			\
		pid_t __pids[1] = { self->root };			\
		char __why[256];					\
		int __r = tree_freeze(self->img, self->root,		\
				      CRYO_FREEZE_KILL | (flags), 0, &__res); \
									\
		ASSERT_EQ(0, __r) TH_LOG("freeze: %s, refusal %u id %d pid %d", \
					 strerror(-__r), __res.refusal,	\
					 __res.refusal_id, __res.refusal_pid); \
		ASSERT_EQ(0, tree_reap_killed(&self->root, __pids, 1,	\
					      __why, sizeof(__why)))	\
			TH_LOG("%s", __why);				\
	} while (0)

#define THAW() ASSERT_TREE_THAW(self->img, self->root, CRYOCTL_THAW_SAME_PID)

#define EXPECT_ROOT_END(want, sec) \
	EXPECT_TREE_ROOT_END(self->root, self->dir, (want), (sec))

/* The first @max FILE records of self->img, in order; their count. */
static int read_files(FIXTURE_DATA(opath) *self, struct cryo_image_file *out,
		      int max)
{
	size_t len, off = 0;
	unsigned char *img = cryo_slurp(self->img, &len);
	struct cryo_rec r;
	int n = 0;

	if (!img)
		return -1;
	while (off + sizeof(r) <= len && n < max) {
		memcpy(&r, img + off, sizeof(r));
		if (off + sizeof(r) + r.len > len)
			break;
		if (r.type == CRYO_REC_FILE && r.len >= sizeof(*out))
			memcpy(&out[n++], img + off + sizeof(r), sizeof(*out));
		off += sizeof(r) + r.len;
	}
	free(img);
	return n;
}

/* The image's FILE record of the inode at DIR/@name, or NULL. */
static const struct cryo_image_file *file_of(FIXTURE_DATA(opath) *self,
					     struct cryo_image_file *files,
					     int n, const char *name)
{
	struct stat st;
	int i;

	if (lstat(tree_path(self->dir, name), &st))
		return NULL;
	/* The target's fds 0-2 are on other devices: the mode tells them apart. */
	for (i = 0; i < n; i++)
		if (files[i].ino == st.st_ino && files[i].mode == st.st_mode)
			return &files[i];
	return NULL;
}

/*
 * The check: after the thaw every O_PATH descriptor names the
 * same inode as before (and as its path does), with the same flags, and
 * works as one: openat() and fstatat() through the directory,
 * readlinkat() through the link.
 */
TEST_F_TIMEOUT(opath, all, 300)
{
	static const char *const names[] = {
		"reg", "sub", "fifo", "sock", "link", "chr", "blk",
	};
	static const uint32_t kinds[] = {
		CRYO_FILE_REG, CRYO_FILE_DIR, CRYO_FILE_FIFO, CRYO_FILE_OPATH,
		CRYO_FILE_OPATH, CRYO_FILE_CHR, CRYO_FILE_OPATH,
	};
	char before[1024], after[1024], line[160];
	struct cryo_image_file files[16];
	struct stat st;
	int i, n;

	ASSERT_EQ(0, start_target(self, NULL)) TH_LOG("log: %s", log_text(self));
	tree_text(self->dir, "before", before, sizeof(before));
	/* What the target saw is what is at the paths. */
	for (i = 0; i < 7; i++) {
		ASSERT_EQ(0, lstat(tree_path(self->dir, names[i]), &st));
		snprintf(line, sizeof(line), "%d %llu %llu %o %llu ", 10 + i,
			 (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino, st.st_mode,
			 (unsigned long long)st.st_rdev);
		EXPECT_NE(NULL, strstr(before, line)) TH_LOG("%s not in %s", line, before);
	}
	EXPECT_NE(NULL, strstr(before, "inner 11 inner text\nlink reg\n")) TH_LOG("%s", before);

	FREEZE_KILL(0);
	n = read_files(self, files, 16);
	for (i = 0; i < 7; i++) {
		const struct cryo_image_file *f = file_of(self, files, n, names[i]);

		ASSERT_NE(NULL, f) TH_LOG("no FILE for %s", names[i]);
		EXPECT_EQ(kinds[i], f->kind) TH_LOG("%s", names[i]);
		EXPECT_TRUE(f->open_flags & O_PATH) TH_LOG("%s", names[i]);
		EXPECT_EQ(0, f->flags & CRYO_FILE_LOST) TH_LOG("%s", names[i]);
	}

	THAW();
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "check"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "checked"), 30))
		TH_LOG("log: %s", log_text(self));
	tree_text(self->dir, "after", after, sizeof(after));
	EXPECT_STREQ(before, after);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
}

/*
 * The symbolic link held O_PATH is unlinked before the freeze: refused
 * naming its fd, the target left running; with --accept-loss the image
 * is made, the link's FILE lost, and its thaw fails naming the fd.
 */
TEST_F_TIMEOUT(opath, unlinked, 300)
{
	struct cryoctl_freeze_result res;
	struct cryoctl_thaw_result tres;
	struct cryo_image_file files[16];
	int i, n, lost = 0, r;
	pid_t pid;

	ASSERT_EQ(0, start_target(self, NULL)) TH_LOG("log: %s", log_text(self));
	ASSERT_EQ(0, unlink(tree_path(self->dir, "link")));
	r = tree_freeze(self->img, self->root, CRYO_FREEZE_KILL, 0, &res);
	EXPECT_EQ(-EOPNOTSUPP, r);
	EXPECT_EQ(CRYO_REFUSAL_OPATH_UNLINKED, res.refusal);
	EXPECT_EQ(14, res.refusal_id);
	EXPECT_EQ(14, res.bad_fd);
	/* Still running: it answers. */
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "check"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "checked"), 30))
		TH_LOG("log: %s", log_text(self));

	pid = self->root;
	FREEZE_KILL(CRYO_FREEZE_ACCEPT_LOSS);
	n = read_files(self, files, 16);
	for (i = 0; i < n; i++)
		if (files[i].kind == CRYO_FILE_OPATH &&
		    (files[i].mode & S_IFMT) == S_IFLNK) {
			EXPECT_TRUE(files[i].flags & CRYO_FILE_LOST);
			lost++;
		}
	EXPECT_EQ(1, lost);
	r = tree_thaw_wait(self->img, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
	self->root = 0;
	EXPECT_EQ(-ENXIO, r) TH_LOG("%s", strerror(-r));
	EXPECT_NE(NULL, strstr(tres.message, "fd 14")) TH_LOG("%s", tres.message);
	EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("processes left");
	EXPECT_NE(pid, 0);
}

/*
 * Another inode at a path between the freeze and the thaw (the socket's
 * replaced by a symbolic link, the link by another link, the block
 * device node by another device number): the thaw fails with ESTALE
 * naming it, and leaves no process.
 */
TEST_F_TIMEOUT(opath, replaced, 300)
{
	static const char *const names[] = { "sock", "link", "blk" };
	struct cryoctl_thaw_result tres;
	char old[160], moved[176];
	unsigned int i;
	int r;

	ASSERT_EQ(0, start_target(self, NULL)) TH_LOG("log: %s", log_text(self));
	FREEZE_KILL(0);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(old, sizeof(old), "%s", tree_path(self->dir, names[i]));
		snprintf(moved, sizeof(moved), "%s.saved", old);
		ASSERT_EQ(0, rename(old, moved));
		if (i == 2) {
			ASSERT_EQ(0, mknod(old, S_IFBLK | 0600, makedev(7, 1)));
		} else {
			ASSERT_EQ(0, symlink("reg", old));
		}
		r = tree_thaw_wait(self->img, &self->root, CRYOCTL_THAW_SAME_PID,
				   &tres);
		self->root = 0;
		EXPECT_EQ(-ESTALE, r) TH_LOG("%s: %s: %s", names[i], strerror(-r),
					     tres.message);
		EXPECT_NE(NULL, strstr(tres.message, names[i])) TH_LOG("%s", tres.message);
		EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("%s: processes left", names[i]);
		ASSERT_EQ(0, unlink(old));
		ASSERT_EQ(0, rename(moved, old));
	}
	/* Each put back: the image thaws. */
	THAW();
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "check"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "checked"), 30))
		TH_LOG("log: %s", log_text(self));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
}

/*
 * A fanotify group: refused by its own reason naming the fd, the target
 * left running; with --accept-loss saved as lost.
 */
TEST_F_TIMEOUT(opath, fanotify, 300)
{
	struct cryoctl_freeze_result res;
	struct cryo_image_file files[16];
	int i, n, lost = 0, r;

	ASSERT_EQ(0, start_target(self, "fanotify")) TH_LOG("log: %s", log_text(self));
	r = tree_freeze(self->img, self->root, CRYO_FREEZE_KILL, 0, &res);
	EXPECT_EQ(-EOPNOTSUPP, r);
	EXPECT_EQ(CRYO_REFUSAL_FANOTIFY, res.refusal);
	EXPECT_EQ(17, res.refusal_id);
	EXPECT_EQ(self->root, res.refusal_pid);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "check"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "checked"), 30))
		TH_LOG("log: %s", log_text(self));
	FREEZE_KILL(CRYO_FREEZE_ACCEPT_LOSS);
	n = read_files(self, files, 16);
	for (i = 0; i < n; i++)
		if (files[i].kind == CRYO_FILE_OTHER) {
			EXPECT_TRUE(files[i].flags & CRYO_FILE_LOST);
			lost++;
		}
	EXPECT_EQ(1, lost);
}

/*
 * An O_PATH description reached through a fanotify group's /proc link
 * is no group: refused as a kind cryo cannot save, not as fanotify.
 */
TEST_F_TIMEOUT(opath, fanotify_opath, 300)
{
	struct cryoctl_freeze_result res;
	int r;

	ASSERT_EQ(0, start_target(self, "fanotify-opath")) TH_LOG("log: %s", log_text(self));
	r = tree_freeze(self->img, self->root, CRYO_FREEZE_KILL, 0, &res);
	EXPECT_EQ(-EOPNOTSUPP, r);
	EXPECT_EQ(CRYO_REFUSAL_FD_KIND, res.refusal);
	EXPECT_EQ(18, res.refusal_id);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "check"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "checked"), 30))
		TH_LOG("log: %s", log_text(self));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
}

/* ---- untrusted records ----------------------------------------------------- */

/* One field of the first O_PATH FILE record of an inode type. */
struct opath_patch {
	uint32_t type;		/* S_IFLNK, S_IFSOCK, S_IFBLK */
	size_t off;
	int width;
	uint64_t val;
	const char *what;
};

static const struct opath_patch opath_patches[] = {
	{ S_IFLNK, offsetof(struct cryo_image_file, mode), 4, S_IFREG | 0644,
	  "a regular file's mode" },
	{ S_IFSOCK, offsetof(struct cryo_image_file, mode), 4, S_IFIFO | 0644,
	  "a FIFO's mode" },
	{ S_IFBLK, offsetof(struct cryo_image_file, open_flags), 4, O_RDONLY,
	  "no O_PATH" },
	{ S_IFLNK, offsetof(struct cryo_image_file, pipe_id), 8, 77,
	  "a pipe id" },
	{ S_IFSOCK, offsetof(struct cryo_image_file, data_size), 8, 16,
	  "data" },
	{ S_IFBLK, offsetof(struct cryo_image_file, flags), 4, CRYO_FILE_UNLINKED,
	  "UNLINKED" },
	{ S_IFLNK, offsetof(struct cryo_image_file, kind), 4, 16,
	  "kind 16" },
};

/* The first FILE record of an O_PATH open of @arg's type. */
static bool opath_match(const struct cryo_rec *r, const unsigned char *pl,
			const void *arg)
{
	const struct opath_patch *p = arg;
	struct cryo_image_file f;

	if (r->type != CRYO_REC_FILE || r->len < sizeof(f))
		return false;
	memcpy(&f, pl, sizeof(f));
	return f.kind == CRYO_FILE_OPATH && (f.mode & S_IFMT) == p->type;
}

/* self->img with @p applied (checksum made right) into @out; 0 or -1. */
static int write_patched(FIXTURE_DATA(opath) *self, const struct opath_patch *p,
			 const char *out)
{
	return cryo_image_patch(self->img, out, opath_match, p, p->off, p->width,
				p->val);
}

/*
 * Each bad field of an O_PATH FILE record fails the thaw with EBADMSG and
 * leaves no process; then the image as it was thaws.
 */
TEST_F_TIMEOUT(opath, bad_records, 300)
{
	char bad[sizeof(self->img) + 8];
	struct cryoctl_thaw_result tres;
	size_t i;
	int r;

	ASSERT_EQ(0, start_target(self, NULL)) TH_LOG("log: %s", log_text(self));
	FREEZE_KILL(0);
	snprintf(bad, sizeof(bad), "%s.bad", self->img);
	for (i = 0; i < ARRAY_SIZE(opath_patches); i++) {
		const struct opath_patch *op = &opath_patches[i];

		ASSERT_EQ(0, write_patched(self, op, bad)) TH_LOG("%s: no such record", op->what);
		r = tree_thaw_wait(bad, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
		self->root = 0;
		EXPECT_EQ(-EBADMSG, r) TH_LOG("%s: %s (%s)", op->what, strerror(-r),
					      tres.message);
		EXPECT_NE(0, tres.message[0]) TH_LOG("%s: no message", op->what);
		EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("%s: processes left", op->what);
	}
	unlink(bad);
	THAW();
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "check"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "checked"), 30))
		TH_LOG("log: %s", log_text(self));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
}

TEST_HARNESS_MAIN
