// SPDX-License-Identifier: GPL-2.0
/*
 * File locks across a freeze (issue 13, item 1): POSIX record locks,
 * OFD locks and flock locks are saved and taken again before the
 * restored processes run, so that another process still cannot take
 * them after the thaw, and the holder can release them.
 *
 * Each test is a full freeze -> kill -> thaw of selftests/progs/
 * lock_target (a parent and a child, see there) or of Debian's sqlite3,
 * and checks the locks themselves from this process, which is outside
 * the tree: F_GETLK and F_OFD_GETLK name the holder, its range and type;
 * flock(LOCK_NB) and F_SETLK fail where a lock is held and succeed where
 * none is.  Between the kill and the thaw no lock is held (the kill
 * released them): what holds them afterwards is the thaw.
 *
 * CRYO_LOCKS_ONLY="held,conflict" runs only those tests.
 */
#include <sys/file.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "cryo_tree.h"

FIXTURE(locks) {
	char dir[64];
	char img[96];
	char log[96];
	pid_t root;		/* our child: the original, then the restored */
};

FIXTURE_SETUP(locks)
{
	self->root = 0;
	self->dir[0] = 0;
	if (!cryo_selected("CRYO_LOCKS_ONLY", _metadata->name))
		CRYO_SETUP_SKIP("not in CRYO_LOCKS_ONLY");
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	snprintf(self->dir, sizeof(self->dir), "/tmp/cryo_locks.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->img, sizeof(self->img), "%s/image", self->dir);
	snprintf(self->log, sizeof(self->log), "%s/log.err", self->dir);
}

FIXTURE_TEARDOWN(locks)
{
	tree_kill_descendants();
	if (self->dir[0])
		cryo_rm_rf(self->dir);
}

static const char *log_text(FIXTURE_DATA(locks) *self)
{
	static char buf[2048];

	return tree_text(self->dir, "log.err", buf, sizeof(buf));
}

/* Freeze --kill the tree of @n_ members @pids_; all of them gone. */
#define FREEZE_KILL(pids_, n_) do {					\
		struct cryoctl_freeze_result __res;			\
		char __why[256];					\
		int __r, __try = 0;					\
									\
		/* EAGAIN: the tree changed (sqlite3's shell forks a sleep). */ \
		do							\
			__r = tree_freeze(self->img, self->root,	\
					  CRYO_FREEZE_KILL, 0, &__res);	\
		while (__r == -EAGAIN && ++__try < 5);			\
		ASSERT_EQ(0, __r) TH_LOG("freeze: %s, refusal %u id %d pid %d", \
					 strerror(-__r), __res.refusal,	\
					 __res.refusal_id, __res.refusal_pid); \
		ASSERT_EQ(0, tree_reap_killed(&self->root, (pids_), (n_), \
					      __why, sizeof(__why)))	\
			TH_LOG("%s", __why);				\
	} while (0)

#define THAW() ASSERT_TREE_THAW(self->img, self->root, CRYOCTL_THAW_SAME_PID)

#define EXPECT_ROOT_END(want, sec) \
	EXPECT_TREE_ROOT_END(self->root, self->dir, (want), (sec))

/* Reap what came back to us: are we without descendants then? */
static bool alone(void)
{
	pid_t pids[8];

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return tree_descendants(getpid(), pids, 8) == 1;
}

/* ---- lock_target ------------------------------------------------------- */

struct pair {
	pid_t parent, child;
};

/* Start lock_target; 0 once both hold their locks. */
static int start_target(FIXTURE_DATA(locks) *self, struct pair *p)
{
	const char *argv[] = { cryo_prog("lock_target"), self->dir, NULL };
	char buf[32];

	self->root = tree_spawn(self->dir, self->log, argv, -1);
	if (self->root < 0)
		return -1;
	if (!WAIT_FOR(tree_has(self->dir, "ready"), 30))
		return -1;
	p->parent = self->root;
	p->child = atoi(tree_text(self->dir, "child.ready", buf, sizeof(buf)));
	return p->child > 0 ? 0 : -1;
}

/* An fd of ours on DIR/@name. */
static int open_in(FIXTURE_DATA(locks) *self, const char *name)
{
	return open(tree_path(self->dir, name), O_RDWR | O_CLOEXEC);
}

/*
 * F_GETLK (or F_OFD_GETLK) for a lock of @type on @start, @len: the lock
 * in the way in *@fl (l_type F_UNLCK when none).  0, or -errno.
 */
static int probe(int fd, int cmd, short type, off_t start, off_t len,
		 struct flock *fl)
{
	*fl = (struct flock){
		.l_type = type, .l_whence = SEEK_SET,
		.l_start = start, .l_len = len,
	};
	return fcntl(fd, cmd, fl) ? -errno : 0;
}

/* The lock in the way of @type on @start, @len is @want (type, owner, range). */
#define EXPECT_LOCK(fd, cmd, type, start, len, want, pid, wstart, wlen) do { \
		struct flock __fl;					\
									\
		ASSERT_EQ(0, probe((fd), (cmd), (type), (start), (len), &__fl)); \
		EXPECT_EQ((want), __fl.l_type) TH_LOG("%s at %lld+%lld", \
						       #cmd, (long long)(start), \
						       (long long)(len)); \
		if ((want) != F_UNLCK) {				\
			EXPECT_EQ((pid), __fl.l_pid);			\
			EXPECT_EQ((wstart), __fl.l_start);		\
			EXPECT_EQ((wlen), __fl.l_len);			\
		}							\
	} while (0)

/* Every lock lock_target takes, as this process outside it sees them. */
static void expect_held(struct __test_metadata *_metadata,
			FIXTURE_DATA(locks) *self, const struct pair *p)
{
	int fd = open_in(self, "data"), ffd = open_in(self, "flockfile");

	ASSERT_LE(0, fd);
	ASSERT_LE(0, ffd);
	/* The parent's POSIX write lock, and its read lock to the end. */
	EXPECT_LOCK(fd, F_GETLK, F_RDLCK, 10, 5, F_WRLCK, p->parent, 0, 100);
	EXPECT_LOCK(fd, F_GETLK, F_WRLCK, 5000, 10, F_RDLCK, p->parent, 1000, 0);
	EXPECT_LOCK(fd, F_GETLK, F_RDLCK, 5000, 10, F_UNLCK, 0, 0, 0);
	/* The child's own read lock. */
	EXPECT_LOCK(fd, F_GETLK, F_WRLCK, 305, 1, F_RDLCK, p->child, 300, 11);
	EXPECT_LOCK(fd, F_GETLK, F_WRLCK, 311, 100, F_UNLCK, 0, 0, 0);
	/* The OFD lock: no pid of its own. */
	EXPECT_LOCK(fd, F_OFD_GETLK, F_RDLCK, 120, 1, F_WRLCK, -1, 100, 50);
	EXPECT_LOCK(fd, F_OFD_GETLK, F_WRLCK, 150, 50, F_UNLCK, 0, 0, 0);
	/* The flock of the description both hold. */
	EXPECT_EQ(-1, flock(ffd, LOCK_EX | LOCK_NB));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(ffd);
	close(fd);
}

/* None of them is held. */
static void expect_none(struct __test_metadata *_metadata,
			FIXTURE_DATA(locks) *self)
{
	int fd = open_in(self, "data"), ffd = open_in(self, "flockfile");

	ASSERT_LE(0, fd);
	ASSERT_LE(0, ffd);
	EXPECT_LOCK(fd, F_GETLK, F_WRLCK, 0, 0, F_UNLCK, 0, 0, 0);
	EXPECT_LOCK(fd, F_OFD_GETLK, F_WRLCK, 0, 0, F_UNLCK, 0, 0, 0);
	EXPECT_EQ(0, flock(ffd, LOCK_EX | LOCK_NB));
	close(ffd);
	close(fd);
}

/* Tell lock_target to release its locks, then to stop. */
static void release_stop(struct __test_metadata *_metadata,
			 FIXTURE_DATA(locks) *self)
{
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "release"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "released"), 30))
		TH_LOG("log: %s", log_text(self));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
}

/* LOCK records of the image, by kind. */
static int count_locks(FIXTURE_DATA(locks) *self, int counts[4])
{
	size_t len, off = 0;
	unsigned char *img = cryo_slurp(self->img, &len);
	struct cryo_image_lock l;
	struct cryo_rec r;

	memset(counts, 0, 4 * sizeof(*counts));
	if (!img)
		return -1;
	while (off + sizeof(r) <= len) {
		memcpy(&r, img + off, sizeof(r));
		if (off + sizeof(r) + r.len > len)
			break;
		if (r.type == CRYO_REC_LOCK && r.len == sizeof(l)) {
			memcpy(&l, img + off + sizeof(r), sizeof(l));
			if (l.kind < 4)
				counts[l.kind]++;
		}
		off += sizeof(r) + r.len;
	}
	free(img);
	return 0;
}

/*
 * The check: the locks of both processes are held by the
 * restored ones, at the same ranges, of the same types, by the same
 * owners; the holder releases some and exactly those become free.
 */
TEST_F_TIMEOUT(locks, held, 300)
{
	int counts[4], fd, ffd;
	struct flock fl;
	struct pair p;
	pid_t pids[2];

	ASSERT_EQ(0, start_target(self, &p)) TH_LOG("log: %s", log_text(self));
	expect_held(_metadata, self, &p);
	pids[0] = p.parent;
	pids[1] = p.child;
	FREEZE_KILL(pids, 2);
	/* The kill released them: whatever holds them next is the thaw. */
	expect_none(_metadata, self);
	ASSERT_EQ(0, count_locks(self, counts));
	/* Two POSIX locks of the parent, one of the child; one OFD, one flock. */
	EXPECT_EQ(3, counts[CRYO_LOCK_POSIX]);
	EXPECT_EQ(1, counts[CRYO_LOCK_OFD]);
	EXPECT_EQ(1, counts[CRYO_LOCK_FLOCK]);

	THAW();
	EXPECT_EQ(p.parent, self->root);
	expect_held(_metadata, self, &p);

	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "release"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "released"), 30))
		TH_LOG("log: %s", log_text(self));
	fd = open_in(self, "data");
	ffd = open_in(self, "flockfile");
	ASSERT_LE(0, fd);
	ASSERT_LE(0, ffd);
	/* Released: the write lock's and the OFD lock's bytes, the flock. */
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET,
			     .l_start = 0, .l_len = 150 };
	EXPECT_EQ(0, fcntl(fd, F_SETLK, &fl)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, flock(ffd, LOCK_EX | LOCK_NB)) TH_LOG("%s", strerror(errno));
	/* Kept: the parent's read lock, the child's (ours do not count). */
	EXPECT_LOCK(fd, F_GETLK, F_WRLCK, 2000, 1, F_RDLCK, p.parent, 1000, 0);
	EXPECT_LOCK(fd, F_GETLK, F_WRLCK, 300, 1, F_RDLCK, p.child, 300, 11);
	close(ffd);
	close(fd);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
}

/*
 * A lock taken by someone else between the kill and the thaw: the thaw
 * fails before its point of no return, naming the lock, and leaves no
 * process; once the other lets go, the same image thaws.  A POSIX lock
 * and a flock, in turn.
 */
TEST_F_TIMEOUT(locks, conflict, 300)
{
	struct cryoctl_thaw_result tres;
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET,
			    .l_start = 50, .l_len = 1 };
	int fd, ffd, r;
	struct pair p;
	pid_t pids[2];

	ASSERT_EQ(0, start_target(self, &p)) TH_LOG("log: %s", log_text(self));
	pids[0] = p.parent;
	pids[1] = p.child;
	FREEZE_KILL(pids, 2);

	fd = open_in(self, "data");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_SETLK, &fl));
	r = tree_thaw_wait(self->img, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
	self->root = 0;
	EXPECT_EQ(-EAGAIN, r) TH_LOG("%s", tres.message);
	EXPECT_NE(NULL, strstr(tres.message, "held by another")) TH_LOG("%s", tres.message);
	EXPECT_NE(NULL, strstr(tres.message, "POSIX")) TH_LOG("%s", tres.message);
	EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("processes left");
	close(fd);		/* our lock goes with it */

	ffd = open_in(self, "flockfile");
	ASSERT_LE(0, ffd);
	ASSERT_EQ(0, flock(ffd, LOCK_SH));
	r = tree_thaw_wait(self->img, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
	self->root = 0;
	EXPECT_EQ(-EAGAIN, r) TH_LOG("%s", tres.message);
	EXPECT_NE(NULL, strstr(tres.message, "flock")) TH_LOG("%s", tres.message);
	EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("processes left");
	close(ffd);

	/* Nothing was left held by the failed thaws. */
	expect_none(_metadata, self);
	THAW();
	expect_held(_metadata, self, &p);
	release_stop(_metadata, self);
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
}

/* ---- untrusted records ----------------------------------------------------- */

/* One field of the first LOCK record of @kind. */
struct lock_patch {
	uint32_t kind;
	size_t off;
	int width;
	uint64_t val;
	const char *what;
};

static const struct lock_patch lock_patches[] = {
	{ CRYO_LOCK_POSIX, offsetof(struct cryo_image_lock, kind), 4, 9, "kind 9" },
	{ CRYO_LOCK_POSIX, offsetof(struct cryo_image_lock, type), 4, 0, "type 0" },
	{ CRYO_LOCK_POSIX, offsetof(struct cryo_image_lock, file_id), 4, 999,
	  "a description no fd has" },
	{ CRYO_LOCK_POSIX, offsetof(struct cryo_image_lock, __reserved), 4, 1,
	  "reserved field" },
	{ CRYO_LOCK_POSIX, offsetof(struct cryo_image_lock, start), 8, 1ULL << 63,
	  "start past the end" },
	{ CRYO_LOCK_OFD, offsetof(struct cryo_image_lock, end), 8, ~0ULL,
	  "end past CRYO_LOCK_EOF" },
	{ CRYO_LOCK_FLOCK, offsetof(struct cryo_image_lock, start), 8, 5,
	  "an flock on part of a file" },
};

/* The first LOCK record of @arg's kind. */
static bool lock_match(const struct cryo_rec *r, const unsigned char *pl,
		       const void *arg)
{
	const struct lock_patch *p = arg;
	struct cryo_image_lock l;

	if (r->type != CRYO_REC_LOCK || r->len != sizeof(l))
		return false;
	memcpy(&l, pl, sizeof(l));
	return l.kind == p->kind;
}

/* self->img with @p applied (checksum made right) into @out; 0 or -1. */
static int write_patched(FIXTURE_DATA(locks) *self, const struct lock_patch *p,
			 const char *out)
{
	return cryo_image_patch(self->img, out, lock_match, p, p->off, p->width,
				p->val);
}

/*
 * Each bad LOCK field fails the thaw with EBADMSG and leaves no process
 * and no lock; then the image as it was thaws.
 */
TEST_F_TIMEOUT(locks, bad_records, 300)
{
	char bad[sizeof(self->img) + 8];
	struct cryoctl_thaw_result tres;
	struct pair p;
	pid_t pids[2];
	size_t i;
	int r;

	ASSERT_EQ(0, start_target(self, &p)) TH_LOG("log: %s", log_text(self));
	pids[0] = p.parent;
	pids[1] = p.child;
	FREEZE_KILL(pids, 2);
	snprintf(bad, sizeof(bad), "%s.bad", self->img);
	for (i = 0; i < ARRAY_SIZE(lock_patches); i++) {
		const struct lock_patch *lp = &lock_patches[i];

		ASSERT_EQ(0, write_patched(self, lp, bad)) TH_LOG("%s: no such record", lp->what);
		r = tree_thaw_wait(bad, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
		self->root = 0;
		EXPECT_EQ(-EBADMSG, r) TH_LOG("%s: %s (%s)", lp->what, strerror(-r),
					      tres.message);
		EXPECT_NE(0, tres.message[0]) TH_LOG("%s: no message", lp->what);
		EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("%s: processes left", lp->what);
		expect_none(_metadata, self);
	}
	unlink(bad);
	THAW();
	expect_held(_metadata, self, &p);
	release_stop(_metadata, self);
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
}

/* ---- Debian's sqlite3 ------------------------------------------------------ */

/* The program @name as PATH finds it, into @buf: 0, or -1. */
static int find_in_path(const char *name, char *buf, size_t size)
{
	const char *p = getenv("PATH"), *end;

	for (; p && *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(buf, size, "%.*s/%s", (int)(end - p), p, name);
		if (!access(buf, X_OK))
			return 0;
	}
	return -1;
}

/* A second sqlite3 writing to DIR/db: its wait status, its words in @out. */
static int second_writer(FIXTURE_DATA(locks) *self, char *out, size_t size)
{
	const char *argv[] = { "sqlite3", tree_path(self->dir, "db"),
			       "INSERT INTO t VALUES(99);", NULL };

	return cryo_run_capture(out, size, 0, argv[0], argv);
}

/*
 * The check with a real program: sqlite3 in exclusive locking
 * mode holds its database's lock across a freeze and a thaw; a second
 * sqlite3 that tries to write meanwhile gets "database is locked"; the
 * first one goes on, commits a second row, and the database is intact
 * with every row.
 */
TEST_F_TIMEOUT(locks, sqlite_exclusive, 300)
{
	char script[4096], out[1024], buf[32], db[128], read[160], prog[256];
	const char *argv[] = { prog, db, read, NULL };
	const char *check[] = { "sqlite3", db,
				"PRAGMA integrity_check; SELECT group_concat(x) FROM t;",
				NULL };
	pid_t pids[1];
	int st;

	if (find_in_path("sqlite3", prog, sizeof(prog)))
		SKIP(return, "sqlite3 not installed");
	snprintf(script, sizeof(script),
		 "PRAGMA locking_mode=EXCLUSIVE;\n"
		 "CREATE TABLE t(x INTEGER);\n"
		 "BEGIN EXCLUSIVE; INSERT INTO t VALUES(1); COMMIT;\n"
		 ".shell echo $PPID > %s/ready; while [ ! -e %s/go ]; do sleep 0.05; done\n"
		 "BEGIN; INSERT INTO t VALUES(2); COMMIT;\n",
		 self->dir, self->dir);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "script.sql"), script,
				     strlen(script)));
	snprintf(db, sizeof(db), "%s/db", self->dir);
	snprintf(read, sizeof(read), ".read %s/script.sql", self->dir);
	self->root = tree_spawn(self->dir, self->log, argv, -1);
	ASSERT_LT(0, self->root);
	/* The shell creates "ready" before echo writes to it: wait for the pid. */
	ASSERT_TRUE(WAIT_FOR(atoi(tree_text(self->dir, "ready", buf, sizeof(buf))) > 0,
			     30)) TH_LOG("log: %s", log_text(self));
	EXPECT_EQ(self->root, atoi(tree_text(self->dir, "ready", buf, sizeof(buf))));

	/* Locked before the freeze, as sqlite3 promises. */
	st = second_writer(self, out, sizeof(out));
	EXPECT_NE(0, st);
	EXPECT_NE(NULL, strstr(out, "database is locked")) TH_LOG("%s", out);

	/* sqlite3, and the shell of its .shell with a sleep. */
	pids[0] = self->root;
	FREEZE_KILL(pids, 1);
	THAW();
	EXPECT_EQ(pids[0], self->root);

	/* Locked after the thaw: the second writer is kept out. */
	st = second_writer(self, out, sizeof(out));
	EXPECT_NE(0, st);
	EXPECT_NE(NULL, strstr(out, "database is locked")) TH_LOG("%s", out);

	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "go"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
	EXPECT_EQ(0, cryo_run_capture(out, sizeof(out), 0, check[0], check));
	EXPECT_STREQ("ok\n1,2\n", out);
}

TEST_HARNESS_MAIN
