// SPDX-License-Identifier: GPL-2.0
/*
 * inotify across a freeze (issue 13, item 2): the library makes the
 * inotify again and adds its watches by path with their descriptors and
 * masks, the module checks them (and the restored user's right to read
 * each watched inode) and installs it at its fd number.
 *
 * - watches: progs/inotify_target (see there) with watches 1, 3 (2
 *   removed) and 4 on a file and two directories, frozen, killed and
 *   thawed: its fdinfo is the same (descriptors, inodes, masks, flags),
 *   nothing is queued, and appending to the file, creating in the
 *   directory and opening the one-shot file give it events with those
 *   descriptors and mask bits.
 * - tail: coreutils' ``tail -f FILE`` (inotify) thawed prints the lines
 *   appended after the thaw.
 * - refused: a watch on an unlinked file, an unread event: refused by
 *   name, the target runs on.
 * - bad_records: malformed INOTIFY_WATCH and inotify FILE_STATE fields
 *   fail the thaw with EBADMSG; the image as it was thaws.
 * - user: a root thaw of nobody's image whose watched directory nobody
 *   may no longer read fails (EACCES); readable again, it thaws.
 *
 * CRYO_INOTIFY_ONLY="watches,tail" runs only those tests.
 */
#include <sys/inotify.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "cryo_tree.h"

#define IFD	10

FIXTURE(ino) {
	char dir[64];
	char img[96];
	char log[96];
	pid_t root;
};

FIXTURE_SETUP(ino)
{
	self->root = 0;
	self->dir[0] = 0;
	if (!cryo_selected("CRYO_INOTIFY_ONLY", _metadata->name))
		CRYO_SETUP_SKIP("not in CRYO_INOTIFY_ONLY");
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	snprintf(self->dir, sizeof(self->dir), "/tmp/cryo_ino.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	ASSERT_EQ(0, chmod(self->dir, 0777));
	snprintf(self->img, sizeof(self->img), "%s/image", self->dir);
	snprintf(self->log, sizeof(self->log), "%s/log.err", self->dir);
	ASSERT_EQ(0, cryo_write_file(self->log, "", 0));
	ASSERT_EQ(0, chmod(self->log, 0666));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "file"), "x\n", 2));
	ASSERT_EQ(0, chmod(tree_path(self->dir, "file"), 0644));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "other"), "", 0));
	ASSERT_EQ(0, chmod(tree_path(self->dir, "other"), 0644));
	ASSERT_EQ(0, mkdir(tree_path(self->dir, "sub"), 0755));
}

FIXTURE_TEARDOWN(ino)
{
	tree_kill_descendants();
	if (self->dir[0])
		cryo_rm_rf(self->dir);
}

static const char *log_text(FIXTURE_DATA(ino) *self)
{
	static char buf[2048];

	return tree_text(self->dir, "log.err", buf, sizeof(buf));
}

#define FREEZE_KILL() do {						\
		struct cryoctl_freeze_result __res;			\
		pid_t __pids[1] = { self->root };			\
		char __why[256];					\
		int __r = tree_freeze(self->img, self->root,		\
				      CRYO_FREEZE_KILL, 0, &__res);	\
									\
		ASSERT_EQ(0, __r) TH_LOG("freeze: %s, refusal %u id %d pid %d", \
					 strerror(-__r), __res.refusal,	\
					 __res.refusal_id, __res.refusal_pid); \
		ASSERT_EQ(0, tree_reap_killed(&self->root, __pids, 1,	\
					      __why, sizeof(__why)))	\
			TH_LOG("%s", __why);				\
	} while (0)

#define THAW() ASSERT_TREE_THAW(self->img, self->root, CRYOCTL_THAW_SAME_PID)

static bool alone(void)
{
	pid_t pids[8];

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return tree_descendants(getpid(), pids, 8) == 1;
}

static int start_target(FIXTURE_DATA(ino) *self, const char *mode)
{
	const char *argv[] = { cryo_prog("inotify_target"), self->dir, mode, NULL };

	self->root = tree_spawn(self->dir, self->log, argv, -1);
	if (self->root < 0)
		return -1;
	return WAIT_FOR(tree_has(self->dir, "ready"), 30) ? 0 : -1;
}

/* /proc/@pid/fdinfo/@fd, whole. */
static char *fdinfo(pid_t pid, int fd, char *buf, size_t size)
{
	char p[64];
	ssize_t n;
	int f;

	snprintf(p, sizeof(p), "/proc/%d/fdinfo/%d", pid, fd);
	buf[0] = 0;
	f = open(p, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return buf;
	n = read(f, buf, size - 1);
	close(f);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* The first fd of @pid with an inotify watch, its fdinfo in @buf; or -1. */
static int inotify_fd(pid_t pid, char *buf, size_t size)
{
	int fd;

	for (fd = 3; fd < 16; fd++)
		if (strstr(fdinfo(pid, fd, buf, size), "inotify wd:"))
			return fd;
	return -1;
}

/* The line of watch @wd in fdinfo @fi: its mask and inode, 0 if none. */
static int watch_of(const char *fi, int wd, unsigned int *mask,
		    unsigned long *ino)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "inotify wd:%x ", wd);
	p = strstr(fi, key);
	if (!p)
		return 0;
	return sscanf(p, "inotify wd:%*x ino:%lx sdev:%*x mask:%x", ino, mask);
}

static unsigned long ino_of(FIXTURE_DATA(ino) *self, const char *name)
{
	struct stat st;

	return stat(tree_path(self->dir, name), &st) ? 0 : st.st_ino;
}

/*
 * After the thaw: the same fdinfo, nothing queued, and the events of a
 * change to each watched inode.
 */
static void check_restored(struct __test_metadata *_metadata,
			   FIXTURE_DATA(ino) *self, const char *before)
{
	char after[4096], res[2048], q[32];
	unsigned long ino = 0;
	unsigned int mask = 0;
	int fd;

	fdinfo(self->root, IFD, after, sizeof(after));
	EXPECT_STREQ(before, after);
	/* The kernel's own view, field by field, against the files. */
	EXPECT_EQ(2, watch_of(after, 1, &mask, &ino));
	EXPECT_EQ(IN_MODIFY | IN_ATTRIB, mask);
	EXPECT_EQ(ino_of(self, "file"), ino);
	EXPECT_EQ(0, watch_of(after, 2, &mask, &ino));
	EXPECT_EQ(2, watch_of(after, 3, &mask, &ino));
	EXPECT_EQ(IN_CREATE | IN_DELETE | IN_EXCL_UNLINK, mask);
	EXPECT_EQ(ino_of(self, "sub"), ino);
	EXPECT_EQ(2, watch_of(after, 4, &mask, &ino));
	EXPECT_EQ(IN_OPEN | IN_ONESHOT, mask);
	EXPECT_EQ(ino_of(self, "other"), ino);

	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "go"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "queued"), 30))
		TH_LOG("log: %s", log_text(self));
	/* The library's add-and-remove to reach wd 3 left nothing. */
	EXPECT_STREQ("0\n", tree_text(self->dir, "queued", q, sizeof(q)));

	fd = open(tree_path(self->dir, "file"), O_WRONLY | O_APPEND | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(2, write(fd, "y\n", 2));
	close(fd);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "sub/new"), "", 0));
	fd = open(tree_path(self->dir, "other"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "check"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "result"), 30))
		TH_LOG("log: %s", log_text(self));
	tree_text(self->dir, "result", res, sizeof(res));
	TH_LOG("result:\n%s", res);
	EXPECT_NE(NULL, strstr(res, "ev 1 0x2 -\n"));	/* IN_MODIFY */
	EXPECT_NE(NULL, strstr(res, "ev 3 0x100 new\n"));	/* IN_CREATE */
	EXPECT_NE(NULL, strstr(res, "ev 4 0x20 -\n"));	/* IN_OPEN */
	EXPECT_NE(NULL, strstr(res, "ev 4 0x8000 -\n"));	/* one-shot done */
	EXPECT_EQ(NULL, strstr(res, "ev 2 "));
	EXPECT_NE(NULL, strstr(res, "fl 1\n"));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_TREE_ROOT_END(self->root, self->dir, CRYO_EXITED(0), 60);
}

/* Freeze, kill, thaw: the watches, their events, the flags. */
TEST_F_TIMEOUT(ino, watches, 300)
{
	char before[4096];

	ASSERT_EQ(0, start_target(self, NULL)) TH_LOG("log: %s", log_text(self));
	fdinfo(self->root, IFD, before, sizeof(before));
	ASSERT_NE(NULL, strstr(before, "inotify wd:3 ")) TH_LOG("%s", before);
	FREEZE_KILL();
	THAW();
	check_restored(_metadata, self, before);
}

/* coreutils' tail -f, thawed, prints what is appended after the thaw. */
TEST_F_TIMEOUT(ino, tail, 300)
{
	const char *tail = "/cryo/bin/tail";
	const char *argv[] = { "/bin/sh", "-c",
			       "exec /cryo/bin/tail -f log.txt > out.txt", NULL };
	char out[256], fi[4096];
	int fd;

	if (access(tail, X_OK))
		SKIP(return, "%s missing (coreutils' tail)", tail);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "log.txt"), "one\n", 4));
	self->root = tree_spawn(self->dir, self->log, argv, -1);
	ASSERT_LT(0, self->root);
	ASSERT_TRUE(WAIT_FOR(strstr(tree_text(self->dir, "out.txt", out,
					      sizeof(out)), "one\n"), 30))
		TH_LOG("log: %s", log_text(self));
	/* Following, with its watch: an fd whose fdinfo shows it. */
	ASSERT_TRUE(WAIT_FOR((fd = inotify_fd(self->root, fi, sizeof(fi))) > 0, 30))
		TH_LOG("tail has no inotify watch");
	FREEZE_KILL();
	THAW();
	EXPECT_STREQ(fi, fdinfo(self->root, fd, out, sizeof(out)));
	fd = open(tree_path(self->dir, "log.txt"), O_WRONLY | O_APPEND | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, write(fd, "two\n", 4));
	close(fd);
	EXPECT_TRUE(WAIT_FOR(strstr(tree_text(self->dir, "out.txt", out,
					      sizeof(out)), "two\n"), 30))
		TH_LOG("out.txt: %s; log: %s", out, log_text(self));
	EXPECT_STREQ("one\ntwo\n", out);
	EXPECT_EQ(0, kill(self->root, SIGKILL));
}

/* A watch on an unlinked file, an event unread: refused by name. */
TEST_F_TIMEOUT(ino, refused, 300)
{
	static const struct { const char *mode; unsigned int refusal; } c[] = {
		{ "unlinked", CRYO_REFUSAL_INOTIFY_PATH },
		{ "queue", CRYO_REFUSAL_INOTIFY_QUEUE },
	};
	struct cryoctl_freeze_result fres;
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ASSERT_EQ(0, start_target(self, c[i].mode))
			TH_LOG("%s: log: %s", c[i].mode, log_text(self));
		r = tree_freeze(self->img, self->root, CRYO_FREEZE_KILL, 0, &fres);
		EXPECT_EQ(-EOPNOTSUPP, r) TH_LOG("%s", c[i].mode);
		EXPECT_EQ(c[i].refusal, fres.refusal) TH_LOG("%s", c[i].mode);
		EXPECT_EQ(IFD, fres.refusal_id) TH_LOG("%s", c[i].mode);
		EXPECT_EQ(IFD, fres.bad_fd) TH_LOG("%s", c[i].mode);
		EXPECT_EQ(self->root, fres.refusal_pid) TH_LOG("%s", c[i].mode);
		EXPECT_EQ(0, kill(self->root, 0)) TH_LOG("%s: not running on", c[i].mode);
		tree_kill_descendants();
		EXPECT_TRUE(WAIT_FOR(alone(), 10));
		self->root = 0;
		unlink(tree_path(self->dir, "ready"));
	}
}

/* ---- untrusted records ----------------------------------------------------- */

/* One field of the @nth record of @type (an inotify's FILE_STATE, or a watch). */
struct patch {
	uint32_t type;
	int nth;
	size_t off;
	int width;
	uint64_t val;
	const char *what;
};

#define WOFF(f) offsetof(struct cryo_image_inotify_watch, f)
#define SOFF(f) offsetof(struct cryo_image_file_state, f)
#define W CRYO_REC_INOTIFY_WATCH
#define S CRYO_REC_FILE_STATE

static const struct patch patches[] = {
	{ W, 0, WOFF(wd), 4, 0, "watch descriptor 0" },
	{ W, 0, WOFF(wd), 4, CRYO_INOTIFY_WD_MAX + 1, "watch descriptor over the limit" },
	{ W, 1, WOFF(wd), 4, 1, "watch descriptors not ascending" },
	{ W, 0, WOFF(mask), 4, IN_MODIFY | IN_ISDIR, "mask with IN_ISDIR" },
	{ W, 0, WOFF(mask), 4, IN_MODIFY | IN_DONT_FOLLOW, "mask with IN_DONT_FOLLOW" },
	{ W, 0, WOFF(__reserved), 4, 1, "reserved field" },
	{ W, 0, WOFF(__reserved2), 4, 1, "second reserved field" },
	{ W, 0, WOFF(id), 4, 999, "id of no FILE" },
	{ W, 0, WOFF(name_len), 4, 0, "empty path" },
	{ W, 0, WOFF(name_len), 4, 5000, "path longer than the record" },
	{ W, 0, sizeof(struct cryo_image_inotify_watch), 1, 'x', "relative path" },
	{ S, 0, SOFF(args[0]), 8, 4, "one watch more than the records" },
	{ S, 0, SOFF(args[0]), 8, 2, "one watch fewer than the records" },
	{ S, 0, SOFF(args[0]), 8, CRYO_INOTIFY_WATCHES_MAX + 1, "too many watches" },
	{ S, 0, SOFF(args[1]), 8, 1, "args[1]" },
	{ S, 0, SOFF(flags), 4, 1, "flags" },
};

/* self->img with @p applied (checksum made right) into @out; 0 or -1. */
static int write_patched(FIXTURE_DATA(ino) *self, const struct patch *p,
			 const char *out)
{
	size_t len, off = 0;
	unsigned char *img = cryo_slurp(self->img, &len);
	struct cryo_image_file_state s;
	struct cryo_rec r;
	int nth = 0, ret = -1;

	if (!img)
		return -1;
	while (off + sizeof(r) <= len && ret) {
		unsigned char *pl = img + off + sizeof(r);
		bool hit = false;

		memcpy(&r, img + off, sizeof(r));
		if (r.type == S && p->type == S && r.len == sizeof(s)) {
			memcpy(&s, pl, sizeof(s));
			hit = s.kind == CRYO_FILE_INOTIFY;
		} else if (r.type == W && p->type == W) {
			hit = nth++ == p->nth;
		}
		if (hit && p->off + p->width <= r.len) {
			memcpy(pl + p->off, &p->val, p->width);
			r.crc = cryoctl_record_crc(&r, pl);
			memcpy(img + off, &r, sizeof(r));
			ret = cryo_write_file(out, img, len);
		}
		off += sizeof(r) + r.len;
	}
	free(img);
	return ret;
}

/*
 * Each bad field fails the thaw with EBADMSG and leaves no process; then
 * the image as it was thaws.
 */
TEST_F_TIMEOUT(ino, bad_records, 300)
{
	char bad[sizeof(self->img) + 8], before[4096];
	struct cryoctl_thaw_result tres;
	size_t i;
	int r;

	ASSERT_EQ(0, start_target(self, NULL)) TH_LOG("log: %s", log_text(self));
	fdinfo(self->root, IFD, before, sizeof(before));
	FREEZE_KILL();
	snprintf(bad, sizeof(bad), "%s.bad", self->img);
	for (i = 0; i < ARRAY_SIZE(patches); i++) {
		const struct patch *p = &patches[i];

		ASSERT_EQ(0, write_patched(self, p, bad)) TH_LOG("%s: no such record", p->what);
		r = tree_thaw_wait(bad, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
		self->root = 0;
		EXPECT_EQ(-EBADMSG, r) TH_LOG("%s: %s (%s)", p->what, strerror(-r),
					      tres.message);
		EXPECT_NE(0, tres.message[0]) TH_LOG("%s: no message", p->what);
		EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("%s: processes left", p->what);
	}
	unlink(bad);
	THAW();
	check_restored(_metadata, self, before);
}

/*
 * A root thaw of nobody's image: the restored process may not get a
 * watch nobody could not add.  sub made unreadable to nobody after the
 * freeze: EACCES, and no process; readable again: it thaws.
 */
TEST_F_TIMEOUT(ino, user, 300)
{
	struct cryoctl_thaw_result tres;
	char before[4096];
	int r;

	if (getuid() != 0)
		SKIP(return, "needs root");
	ASSERT_EQ(0, start_target(self, "user")) TH_LOG("log: %s", log_text(self));
	fdinfo(self->root, IFD, before, sizeof(before));
	FREEZE_KILL();
	ASSERT_EQ(0, chmod(tree_path(self->dir, "sub"), 0700));
	r = tree_thaw_wait(self->img, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
	self->root = 0;
	EXPECT_EQ(-EACCES, r) TH_LOG("%s (%s)", strerror(-r), tres.message);
	EXPECT_NE(NULL, strstr(tres.message, "may not read")) TH_LOG("%s", tres.message);
	EXPECT_TRUE(WAIT_FOR(alone(), 10));
	ASSERT_EQ(0, chmod(tree_path(self->dir, "sub"), 0755));
	THAW();
	check_restored(_metadata, self, before);
}

TEST_HARNESS_MAIN
