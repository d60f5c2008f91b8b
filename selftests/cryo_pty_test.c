// SPDX-License-Identifier: GPL-2.0
/*
 * Pseudo-terminal pairs with both ends in the image (issue 13, item 5):
 * a freeze, --kill and thaw of selftests/progs/pty_target, a parent
 * holding the master in packet mode and the slave (raw, custom
 * characters, 9600 baud, 40x120) and a child playing the program on the
 * slave, with bytes queued both ways.  After the thaw (a new pair, its
 * slave's number the new pair's) each side reads exactly the bytes it had
 * not read, the settings read back equal, and a write through the master
 * reaches the child, whose echo comes back.  A cooked slave with bytes
 * queued is refused by name; malformed pair records fail the thaw with
 * EBADMSG.
 *
 * CRYO_PTY_ONLY="state,bad_records" runs only those tests.
 */
#include <stddef.h>
#include <termios.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "cryo_tree.h"

FIXTURE(pty) {
	char dir[64];
	char img[96];
	char log[96];
	pid_t root;
};

FIXTURE_SETUP(pty)
{
	self->root = 0;
	self->dir[0] = 0;
	if (!cryo_selected("CRYO_PTY_ONLY", _metadata->name))
		CRYO_SETUP_SKIP("not in CRYO_PTY_ONLY");
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	snprintf(self->dir, sizeof(self->dir), "/tmp/cryo_pty.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->img, sizeof(self->img), "%s/image", self->dir);
	snprintf(self->log, sizeof(self->log), "%s/log.err", self->dir);
}

FIXTURE_TEARDOWN(pty)
{
	tree_kill_descendants();
	if (self->dir[0])
		cryo_rm_rf(self->dir);
}

static const char *log_text(FIXTURE_DATA(pty) *self)
{
	static char buf[2048];

	return tree_text(self->dir, "log.err", buf, sizeof(buf));
}

#define FREEZE_KILL(pids_, n_) do {					\
		struct cryoctl_freeze_result __res;			\
		char __why[256];					\
		int __r = tree_freeze(self->img, self->root,		\
				      CRYO_FREEZE_KILL, 0, &__res);	\
									\
		ASSERT_EQ(0, __r) TH_LOG("freeze: %s, refusal %u id %d pid %d", \
					 strerror(-__r), __res.refusal,	\
					 __res.refusal_id, __res.refusal_pid); \
		ASSERT_EQ(0, tree_reap_killed(&self->root, (pids_), (n_), \
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

static int start_target(FIXTURE_DATA(pty) *self, const char *mode,
			pid_t pids[2])
{
	const char *argv[] = { cryo_prog("pty_target"), self->dir, mode, NULL };
	char buf[32];

	self->root = tree_spawn(self->dir, self->log, argv, -1);
	if (self->root < 0)
		return -1;
	if (!WAIT_FOR(tree_has(self->dir, "ready"), 30))
		return -1;
	pids[0] = self->root;
	pids[1] = atoi(tree_text(self->dir, "child.ready", buf, sizeof(buf)));
	return pids[1] > 0 ? 0 : -1;
}

/* What both processes read back after the thaw. */
static void check_state(struct __test_metadata *_metadata,
			FIXTURE_DATA(pty) *self)
{
	static const char *const ok[] = {
		"to_master ok", "termios ok", "winsize ok", "packet ok", "echo ok",
	};
	char res[1024], child[128];
	size_t i;

	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "check"), "", 0));
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "result"), 60))
		TH_LOG("log: %s", log_text(self));
	tree_text(self->dir, "result", res, sizeof(res));
	tree_text(self->dir, "child.result", child, sizeof(child));
	TH_LOG("result:\n%s%s", res, child);
	for (i = 0; i < ARRAY_SIZE(ok); i++)
		EXPECT_NE(NULL, strstr(res, ok[i])) TH_LOG("%s", ok[i]);
	EXPECT_NE(NULL, strstr(child, "to_slave ok"));
}

TEST_F_TIMEOUT(pty, state, 300)
{
	pid_t pids[2];

	ASSERT_EQ(0, start_target(self, NULL, pids)) TH_LOG("log: %s", log_text(self));
	FREEZE_KILL(pids, 2);
	THAW();
	EXPECT_EQ(pids[0], self->root);
	check_state(_metadata, self);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_TREE_ROOT_END(self->root, self->dir, CRYO_EXITED(0), 60);
}

/* Bytes queued for a canonical slave: refused, naming the master's fd. */
TEST_F_TIMEOUT(pty, cooked, 300)
{
	struct cryoctl_freeze_result fres;
	pid_t pids[2];
	int r;

	ASSERT_EQ(0, start_target(self, "cooked", pids)) TH_LOG("log: %s", log_text(self));
	r = tree_freeze(self->img, self->root, CRYO_FREEZE_KILL, 0, &fres);
	EXPECT_EQ(-EOPNOTSUPP, r);
	EXPECT_EQ(CRYO_REFUSAL_PTY_QUEUE, fres.refusal);
	EXPECT_EQ(10, fres.refusal_id);
	EXPECT_EQ(0, kill(self->root, 0)) TH_LOG("not running on");
}

/* ---- untrusted records ----------------------------------------------------- */

#define POFF(f) (sizeof(struct cryo_image_file_data) + offsetof(struct cryo_image_pty, f))

struct pty_patch {
	size_t off;
	int width;
	uint64_t val;		/* OR-ed in */
	const char *what;
};

static const struct pty_patch pty_patches[] = {
	{ POFF(flags), 4, 1 << 5, "unknown pair flag" },
	{ POFF(__reserved), 4, 1, "reserved field" },
	{ POFF(pktstatus), 4, 0x100, "packet status past a byte" },
	{ POFF(to_slave), 4, 1 << 20, "more bytes than the record has" },
	{ POFF(slave.line), 1, 1, "line discipline not N_TTY" },
	{ POFF(slave.lflag), 4, ICANON, "bytes queued for a canonical slave" },
	{ POFF(slave.sid), 4, 5, "slave with a session" },
	{ POFF(master.ws_row), 2, 3, "master with a window size" },
	{ POFF(master.lflag), 4, ECHO, "bytes queued for an echoing master" },
};

/* self->img with @p applied to the pair's FILE_DATA (crc made right). */
static int write_patched(FIXTURE_DATA(pty) *self, const struct pty_patch *p,
			 const char *out)
{
	size_t len, off = 0;
	unsigned char *img = cryo_slurp(self->img, &len);
	bool next = false;
	struct cryo_rec r;
	int ret = -1;

	if (!img)
		return -1;
	while (off + sizeof(r) <= len && ret) {
		unsigned char *pl = img + off + sizeof(r);

		memcpy(&r, img + off, sizeof(r));
		if (r.type == CRYO_REC_FILE) {
			struct cryo_image_file f;

			memcpy(&f, pl, sizeof(f));
			next = (f.kind == CRYO_FILE_PTY_MASTER ||
				f.kind == CRYO_FILE_PTY_SLAVE) && f.pipe_id == f.id;
		} else if (r.type == CRYO_REC_FILE_DATA && next) {
			uint64_t v = 0;

			memcpy(&v, pl + p->off, p->width);
			v |= p->val;
			memcpy(pl + p->off, &v, p->width);
			r.crc = cryoctl_record_crc(&r, pl);
			memcpy(img + off, &r, sizeof(r));
			ret = cryo_write_file(out, img, len);
		}
		off += sizeof(r) + r.len;
	}
	free(img);
	return ret;
}

TEST_F_TIMEOUT(pty, bad_records, 300)
{
	char bad[sizeof(self->img) + 8];
	struct cryoctl_thaw_result tres;
	pid_t pids[2];
	size_t i;
	int r;

	ASSERT_EQ(0, start_target(self, NULL, pids)) TH_LOG("log: %s", log_text(self));
	FREEZE_KILL(pids, 2);
	snprintf(bad, sizeof(bad), "%s.bad", self->img);
	for (i = 0; i < ARRAY_SIZE(pty_patches); i++) {
		const struct pty_patch *pp = &pty_patches[i];

		ASSERT_EQ(0, write_patched(self, pp, bad)) TH_LOG("%s: no such record", pp->what);
		r = tree_thaw_wait(bad, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
		self->root = 0;
		EXPECT_EQ(-EBADMSG, r) TH_LOG("%s: %s (%s)", pp->what, strerror(-r),
					      tres.message);
		EXPECT_NE(0, tres.message[0]) TH_LOG("%s: no message", pp->what);
		EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("%s: processes left", pp->what);
	}
	unlink(bad);
	THAW();
	check_state(_metadata, self);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_TREE_ROOT_END(self->root, self->dir, CRYO_EXITED(0), 60);
}

TEST_HARNESS_MAIN
