// SPDX-License-Identifier: GPL-2.0
/*
 * Thaw of a process tree: tree_target (a parent P, a child C in a group
 * of its own on two pipes with P, a zombie Z that exited with 42, one
 * file description shared by P and C) is frozen with CRYO_FREEZE_KILL
 * and thawed whole, and the restored tree checks itself: the pipes
 * between P and C carry commands again, P's and C's writes on the shared
 * description land one after the other (one offset), P's waitpid() gets
 * Z's status 42, C's parent is P again, in its own group and P's
 * session, with its parent-death signal, and P is a child subreaper
 * again.  With --same-pid every member has its frozen pid.
 */
#include <sys/prctl.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"

FIXTURE(tree) {
	struct tgt t;
};

FIXTURE_VARIANT(tree) {
	unsigned int flags;
};

FIXTURE_VARIANT_ADD(tree, new_pids) {
	.flags = CRYOCTL_THAW_WAIT,
};

FIXTURE_VARIANT_ADD(tree, same_pids) {
	.flags = CRYOCTL_THAW_WAIT | CRYOCTL_THAW_SAME_PID,
};

FIXTURE_SETUP(tree)
{
	self->t.cmd = self->t.rep = -1;
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, tgt_init(&self->t, "tree")) TH_LOG("scratch dir: %s",
							 strerror(errno));
}

FIXTURE_TEARDOWN(tree)
{
	EXPECT_EQ(0, tgt_fini(&self->t)) TH_LOG("%s", self->t.end);
}

#define T (&self->t)

#define CMD(c, prefix) do {						\
		ASSERT_EQ(0, tgt_cmd(T, c))				\
			TH_LOG("'%c': %s; log: %s", c, T->line, tgt_log(T)); \
		ASSERT_EQ(0, strncmp(T->line, prefix, strlen(prefix)))	\
			TH_LOG("'%c': \"%s\", want \"%s...\"; log: %s", c, \
			       T->line, prefix, tgt_log(T));		\
	} while (0)

/* P's and C's ids, as the 'g' reply has them. */
struct ids {
	int p, pp, pgid, sid, sub, c, cpp, cpgid, csid, cdeath;
};

static int ids_parse(const char *line, struct ids *g)
{
	return sscanf(line, "g %d %d %d %d %d %d %d %d %d %d", &g->p, &g->pp,
		      &g->pgid, &g->sid, &g->sub, &g->c, &g->cpp, &g->cpgid,
		      &g->csid, &g->cdeath) == 10 ? 0 : -1;
}

/* tgt_thaw() with cryoctl_thaw_tree(): the members' pids in @pids. */
static int tree_thaw(struct tgt *t, unsigned int flags, pid_t *pids,
		     unsigned int *nr, struct cryoctl_thaw_result *res)
{
	struct cryo_thaw_inherit inh[2];
	int c[2], r[2], dev, img, ret;

	if (pipe2(c, O_CLOEXEC) || pipe2(r, O_CLOEXEC))
		return -EMFILE;
	inh[0] = (struct cryo_thaw_inherit){ .fd = 0, .source_fd = c[0] };
	inh[1] = (struct cryo_thaw_inherit){ .fd = 1, .source_fd = r[1] };
	dev = cryoctl_open();
	img = open(t->img, O_RDONLY | O_CLOEXEC);
	if (dev < 0 || img < 0)
		ret = dev < 0 ? dev : -errno;
	else
		ret = cryoctl_thaw_tree(dev, img, flags, inh, 2, res, pids, 8, nr);
	if (img >= 0)
		close(img);
	if (dev >= 0)
		close(dev);
	close(c[0]);
	close(r[1]);
	if (ret) {
		close(c[1]);
		close(r[0]);
		return ret;
	}
	t->pid = res->pid;
	t->child = !!(flags & CRYOCTL_THAW_WAIT);
	t->cmd = c[1];
	t->rep = r[0];
	t->buflen = 0;
	return 0;
}

/* Wait until @pid is free again (reaped by whoever inherited it). */
static int pid_free(pid_t pid, double sec)
{
	double end = cryo_now() + sec;

	while (kill(pid, 0) == 0 || errno != ESRCH) {
		if (cryo_now() > end)
			return -1;
		usleep(20000);
	}
	return 0;
}

TEST_F_TIMEOUT(tree, round_trip, 120)
{
	const char *path = cryo_prog("tree_target");
	const char *const argv[] = { "tree_target", T->dir, NULL };
	struct cryoctl_thaw_result res;
	pid_t pids[8] = { 0 };
	struct ids a, b;
	unsigned int nr = 0;
	char file[128], buf[64];
	int cpid, zpid, ret, st;

	ASSERT_EQ(0, access(path, X_OK)) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, tgt_spawn(T, path, argv, NULL, 0));
	ASSERT_EQ(0, tgt_line(T, TGT_TIMEOUT)) TH_LOG("%s; log: %s", T->line,
						       tgt_log(T));
	ASSERT_EQ(2, sscanf(T->line, "ready %d %d", &cpid, &zpid)) TH_LOG("%s", T->line);
	CMD('w', "w ");
	EXPECT_STREQ("w 4", T->line);
	CMD('g', "g ");
	ASSERT_EQ(0, ids_parse(T->line, &a)) TH_LOG("%s", T->line);
	EXPECT_EQ(cpid, a.cpgid);

	ret = tgt_freeze_kill(T);
	ASSERT_EQ(0, ret) TH_LOG("freeze: %s", strerror(-ret));
	if (variant->flags & CRYOCTL_THAW_SAME_PID) {
		ASSERT_EQ(0, pid_free(cpid, 10));
		ASSERT_EQ(0, pid_free(zpid, 10));
	}
	ret = tree_thaw(T, variant->flags, pids, &nr, &res);
	ASSERT_EQ(0, ret) TH_LOG("thaw: %s: %s", strerror(-ret), res.message);
	ASSERT_EQ(3, nr);
	EXPECT_EQ(res.pid, pids[0]);

	/* The pipes between P and C, and one offset for the two. */
	CMD('w', "w ");
	EXPECT_STREQ("w 8", T->line);
	snprintf(file, sizeof(file), "%s/shared", T->dir);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(8, cryo_read_file(file, buf, sizeof(buf)));
	EXPECT_STREQ("P\nC\nP\nC\n", buf);

	/* Who is whose parent, in which group and session. */
	CMD('g', "g ");
	ASSERT_EQ(0, ids_parse(T->line, &b)) TH_LOG("%s", T->line);
	EXPECT_EQ(res.pid, b.p);
	EXPECT_EQ(pids[1], b.c);
	EXPECT_EQ(b.p, b.cpp) TH_LOG("C's parent is not P");
	EXPECT_EQ(b.c, b.cpgid) TH_LOG("C is not in a group of its own");
	EXPECT_EQ(b.sid, b.csid) TH_LOG("C is not in P's session");
	EXPECT_EQ(1, b.sub) TH_LOG("P is no child subreaper");
	EXPECT_EQ(SIGUSR2, b.cdeath) TH_LOG("C's parent-death signal");
	if (variant->flags & CRYOCTL_THAW_SAME_PID) {
		EXPECT_EQ(a.p, b.p);
		EXPECT_EQ(a.c, b.c);
		EXPECT_EQ(zpid, pids[2]);
	}

	/* The zombie, reaped by P with its real status. */
	CMD('z', "z ");
	snprintf(buf, sizeof(buf), "z %d %d", (int)pids[2], W_EXITCODE(42, 0));
	EXPECT_STREQ(buf, T->line);

	ASSERT_EQ(0, tgt_quit(T, 7));
	ASSERT_EQ(T->pid, wait_timeout(T->pid, &st, TGT_TIMEOUT));
	EXPECT_TRUE(WIFEXITED(st)) TH_LOG("status %#x", st);
	EXPECT_EQ(7, WEXITSTATUS(st));
	T->pid = 0;
}

TEST_HARNESS_MAIN
