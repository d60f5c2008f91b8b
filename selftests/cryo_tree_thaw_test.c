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
 * again.  With --same-pid every member has its frozen pid.  With
 * --new-pidns (CRYOCTL_THAW_NEW_PIDNS) the tree is thawed a second time
 * while the first thaw holds its pids, and every member and thread has its
 * frozen id inside the new namespace.  C has a POSIX timer of id 1
 * (since image format 2.9), which keeps firing after the thaw.
 *
 * CRYO_TREE_ONLY="round_trip,new_pidns_taken" runs only those.
 */
#include <dirent.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "cryo_tree.h"

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
	if (!cryo_selected("CRYO_TREE_ONLY", _metadata->name))
		CRYO_SETUP_SKIP("not in CRYO_TREE_ONLY");
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
	/* A member's POSIX timer (id 1: 0 was deleted), made by its process. */
	CMD('t', "t ");
	EXPECT_STREQ("t ok", T->line);

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

	/* C's timer is back, with its id, value and interval, and fires. */
	CMD('c', "c ");
	EXPECT_STREQ("c 1 9 1 20000000", T->line);

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

/* Start tree_target, check its first answers, freeze it with the kill. */
static int tree_start_freeze(struct __test_metadata *_metadata, struct tgt *t,
			     int *cpid, int *zpid, pid_t *ppid)
{
	const char *path = cryo_prog("tree_target");
	const char *const argv[] = { "tree_target", t->dir, NULL };
	int ret;

	if (access(path, X_OK) || tgt_spawn(t, path, argv, NULL, 0) ||
	    tgt_line(t, TGT_TIMEOUT) ||
	    sscanf(t->line, "ready %d %d", cpid, zpid) != 2)
		return -1;
	*ppid = t->pid;
	ret = tgt_freeze_kill(t);
	if (ret)
		TH_LOG("freeze: %s", strerror(-ret));
	return ret;
}

/*
 * A bad TREE record: refused before anything is made, naming the record
 * (here member 2's parent is itself).
 */
TEST_F_TIMEOUT(tree, bad_tree_refused, 120)
{
	struct cryoctl_thaw_result res;
	struct cryo_image_member *m;
	struct cryo_rec *rec;
	unsigned char *img;
	unsigned int nr = 7;
	size_t len, off;
	pid_t ppid, pids[8];
	int cpid, zpid, fd, ret;

	if (variant->flags & CRYOCTL_THAW_SAME_PID)
		SKIP(return, "one variant is enough");
	ASSERT_EQ(0, tree_start_freeze(_metadata, T, &cpid, &zpid, &ppid));
	img = cryo_slurp(T->img, &len);
	ASSERT_NE(NULL, img);
	rec = (struct cryo_rec *)img;
	off = sizeof(*rec) + rec->len;
	ASSERT_LT(off + sizeof(*rec), len);
	rec = (struct cryo_rec *)(img + off);
	ASSERT_EQ(CRYO_REC_TREE, rec->type);
	ASSERT_EQ(3 * sizeof(*m), rec->len);
	m = (struct cryo_image_member *)(rec + 1);
	m[2].parent = 2;
	rec->crc = cryoctl_record_crc(rec, m);
	fd = open(T->img, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)len, write(fd, img, len));
	close(fd);
	free(img);

	ret = tree_thaw(T, CRYOCTL_THAW_WAIT, pids, &nr, &res);
	EXPECT_EQ(-EBADMSG, ret) TH_LOG("%s", res.message);
	EXPECT_NE(NULL, strstr(res.message, "(TREE)")) TH_LOG("%s", res.message);
	EXPECT_EQ(0, nr);
	EXPECT_EQ(0, T->pid);
}

/*
 * CRYO_IOC_THAW_MEMBER's arguments: without a tree ENOENT; once THAW has
 * planned the root, the root's index (0), one past the tree, a zombie's,
 * a short structure and a reserved field set are EINVAL, and none of them
 * changes the plan (the tree is still PREPARED, no process made).  Before
 * it, CRYO_IOC_THAW's own bad arguments.
 */
TEST_F_TIMEOUT(tree, member_args_refused, 120)
{
	struct cryo_image_member procs[8];
	struct cryo_thaw_inherit inh[2];
	struct cryo_thaw_status st = { .size = sizeof(st) };
	struct cryo_thaw t, m;
	int cpid, zpid, dev, img, c[2], k, zombie = -1;
	long before;
	pid_t ppid;

	if (variant->flags & CRYOCTL_THAW_SAME_PID)
		SKIP(return, "one variant is enough");
	ASSERT_EQ(0, tree_start_freeze(_metadata, T, &cpid, &zpid, &ppid));
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.member = 1;
	EXPECT_ERRNO(ENOENT, ioctl(dev, CRYO_IOC_THAW_MEMBER, &m));

	ASSERT_EQ(0, pipe2(c, O_CLOEXEC));
	inh[0] = (struct cryo_thaw_inherit){ .fd = 0, .source_fd = c[0] };
	inh[1] = (struct cryo_thaw_inherit){ .fd = 1, .source_fd = c[1] };
	img = open(T->img, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, img);
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.image_fd = img;
	t.nr_inherit = 2;
	t.inherit = (uintptr_t)inh;
	t.stub_size = 1 << 20;
	t.procs = (uintptr_t)procs;
	t.procs_len = 8;

	/*
	 * CRYO_IOC_THAW's own: the word after tty_fd set, and a shell job in
	 * a structure without tty_fd (smaller than CRYO_THAW_SIZE_VER3), are
	 * EINVAL before anything is read: no thaw (state NONE), nothing
	 * written back, and the same session thaws afterwards.
	 */
	before = cryo_last_pid();
	t.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(dev, CRYO_IOC_THAW, &t));
	t.__reserved = 0;
	t.flags = CRYO_THAW_SHELL_JOB;
	t.size = CRYO_THAW_SIZE_VER2;
	EXPECT_ERRNO(EINVAL, ioctl(dev, CRYO_IOC_THAW, &t));
	t.size = CRYO_THAW_SIZE_VER3 - 1;
	EXPECT_ERRNO(EINVAL, ioctl(dev, CRYO_IOC_THAW, &t));
	t.flags = 0;
	t.size = sizeof(t);
	EXPECT_EQ(0, t.nr_procs);
	EXPECT_EQ(0, t.nr_threads);
	EXPECT_EQ(0, t.stub_addr);
	ASSERT_EQ(0, ioctl(dev, CRYO_IOC_THAW_STATUS, &st));
	EXPECT_EQ(CRYO_THAW_NONE, st.state);
	EXPECT_EQ(before, cryo_last_pid());
	EXPECT_EQ(0, lseek(img, 0, SEEK_CUR));

	ASSERT_EQ(0, ioctl(dev, CRYO_IOC_THAW, &t)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(3, t.nr_procs);
	for (k = 0; k < 3; k++)
		if (procs[k].flags & CRYO_MEMBER_ZOMBIE)
			zombie = k;
	ASSERT_LT(0, zombie);
	before = cryo_last_pid();

	m.member = 0;
	EXPECT_ERRNO(EINVAL, ioctl(dev, CRYO_IOC_THAW_MEMBER, &m));
	m.member = 3;
	EXPECT_ERRNO(EINVAL, ioctl(dev, CRYO_IOC_THAW_MEMBER, &m));
	m.member = zombie;
	EXPECT_ERRNO(EINVAL, ioctl(dev, CRYO_IOC_THAW_MEMBER, &m));
	m.member = 1;
	m.size = CRYO_THAW_SIZE_VER1;
	EXPECT_ERRNO(EINVAL, ioctl(dev, CRYO_IOC_THAW_MEMBER, &m));
	m.size = sizeof(m);

	ASSERT_EQ(0, ioctl(dev, CRYO_IOC_THAW_STATUS, &st));
	EXPECT_EQ(CRYO_THAW_PREPARED, st.state) TH_LOG("%s", st.message);
	EXPECT_EQ(before, cryo_last_pid());
	close(img);
	close(c[0]);
	close(c[1]);
	close(dev);
}

/* CRYO_IOC_THAW of T's image on @dev, by the caller: 0 or -errno. */
static int raw_thaw(struct tgt *t, int dev, int c[2], int *img,
		    struct cryo_image_member *procs)
{
	struct cryo_thaw_inherit inh[2];
	struct cryo_thaw th;

	if (pipe2(c, O_CLOEXEC))
		return -errno;
	inh[0] = (struct cryo_thaw_inherit){ .fd = 0, .source_fd = c[0] };
	inh[1] = (struct cryo_thaw_inherit){ .fd = 1, .source_fd = c[1] };
	*img = open(t->img, O_RDONLY | O_CLOEXEC);
	if (*img < 0)
		return -errno;
	memset(&th, 0, sizeof(th));
	th.size = sizeof(th);
	th.image_fd = *img;
	th.nr_inherit = 2;
	th.inherit = (uintptr_t)inh;
	th.stub_size = 1 << 20;
	th.procs = (uintptr_t)procs;
	th.procs_len = 8;
	if (ioctl(dev, CRYO_IOC_THAW, &th))
		return -errno;
	return th.nr_procs == 3 ? 0 : -EPROTO;
}

/* @pid's state letter in /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * A process X of ours claims member 1 (a child of the root) before any
 * root exists, then is killed: the tree fails, and the module kills no
 * one but the claimer -- not X's parent (this test, the caller of THAW),
 * which an earlier module took for the root's process and SIGKILLed.
 */
TEST_F_TIMEOUT(tree, foreign_claim_kills_no_other, 120)
{
	struct cryo_thaw_status st = { .size = sizeof(st) };
	struct cryo_image_member procs[8];
	int cpid, zpid, dev, img = -1, c[2], ret, status;
	struct cryo_thaw m;
	double end;
	pid_t ppid, x;

	if (variant->flags & CRYOCTL_THAW_SAME_PID)
		SKIP(return, "one variant is enough");
	ASSERT_EQ(0, tree_start_freeze(_metadata, T, &cpid, &zpid, &ppid));
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	ret = raw_thaw(T, dev, c, &img, procs);
	ASSERT_EQ(0, ret) TH_LOG("THAW: %s", strerror(-ret));
	ASSERT_EQ(0, procs[1].parent);

	x = fork();
	ASSERT_LE(0, x);
	if (!x) {
		memset(&m, 0, sizeof(m));
		m.size = sizeof(m);
		m.member = 1;
		ioctl(dev, CRYO_IOC_THAW_MEMBER, &m);
		_exit(3);
	}
	/* Claimed and waiting for its turn, which never comes: D. */
	end = cryo_now() + 10;
	while (proc_state(x) != 'D' && cryo_now() < end)
		usleep(20000);
	ASSERT_EQ('D', proc_state(x)) TH_LOG("the claimer never waited");
	ASSERT_EQ(0, kill(x, SIGKILL));
	ASSERT_EQ(x, wait_timeout(x, &status, 10));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("status %#x", status);

	/* The tree failed; we are alive to see it, and stay so. */
	end = cryo_now() + 10;
	do {
		ASSERT_EQ(0, ioctl(dev, CRYO_IOC_THAW_STATUS, &st));
		if (st.state == CRYO_THAW_FAILED)
			break;
		usleep(20000);
	} while (cryo_now() < end);
	EXPECT_EQ(CRYO_THAW_FAILED, st.state) TH_LOG("%s", st.message);
	EXPECT_NE(NULL, strstr(st.message, "member 1 ")) TH_LOG("%s", st.message);
	usleep(200000);
	EXPECT_EQ(0, kill(getpid(), 0));
	close(img);
	close(c[0]);
	close(c[1]);
	close(dev);
}

/* Drop @cap from our effective set (raw capset: no libcap here). */
static int drop_effective(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

/*
 * A process the session fd reached that is not the caller of
 * CRYO_IOC_THAW credentials-wise (another effective uid; the same uid
 * without one of its capabilities) may not claim a member: EPERM, the
 * tree failed with a message saying so, and nothing was claimed (review
 * 12 #5).  The legitimate members, forks of the caller, are the other
 * tests' round trips.
 */
TEST_F_TIMEOUT(tree, foreign_creds_claim_refused, 120)
{
	static const char *const want[] = {
		"effective or filesystem uid", "effective capabilities",
	};
	struct cryo_image_member procs[8];
	int cpid, zpid, i, ret, status;
	pid_t ppid, x;

	if (variant->flags & CRYOCTL_THAW_SAME_PID)
		SKIP(return, "one variant is enough");
	if (geteuid())
		SKIP(return, "needs root to change ids and drop a capability");
	ASSERT_EQ(0, tree_start_freeze(_metadata, T, &cpid, &zpid, &ppid));
	for (i = 0; i < 2; i++) {
		struct cryo_thaw_status st = { .size = sizeof(st) };
		int dev, img = -1, c[2];
		struct cryo_thaw m;

		dev = cryoctl_open();
		ASSERT_LE(0, dev);
		ret = raw_thaw(T, dev, c, &img, procs);
		ASSERT_EQ(0, ret) TH_LOG("THAW: %s", strerror(-ret));
		x = fork();
		ASSERT_LE(0, x);
		if (!x) {
			if (i == 0 && setresuid(0, 65534, 0))
				_exit(10);
			if (i == 1 && drop_effective(CAP_SYS_NICE))
				_exit(11);
			memset(&m, 0, sizeof(m));
			m.size = sizeof(m);
			m.member = 1;
			if (!ioctl(dev, CRYO_IOC_THAW_MEMBER, &m))
				_exit(0);
			_exit(errno == EPERM ? 1 : 2);
		}
		ASSERT_EQ(x, wait_timeout(x, &status, 20)) TH_LOG("case %d: still waiting", i);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1)
			TH_LOG("case %d: status %#x (1: EPERM)", i, status);
		ASSERT_EQ(0, ioctl(dev, CRYO_IOC_THAW_STATUS, &st));
		EXPECT_EQ(CRYO_THAW_FAILED, st.state) TH_LOG("case %d: %s", i, st.message);
		EXPECT_EQ(EPERM, st.error) TH_LOG("case %d: %s", i, st.message);
		EXPECT_EQ(0, strncmp(st.message, "member 1 (pid ", 14)) TH_LOG("%s", st.message);
		EXPECT_NE(NULL, strstr(st.message, want[i])) TH_LOG("%s", st.message);
		close(img);
		close(c[0]);
		close(c[1]);
		close(dev);
	}
}

/*
 * The root's process never comes (nobody issues its RESTORE), while a
 * member's waits for its turn: the tree fails within the 30 s the next
 * member in turn has, ETIMEDOUT naming the root, and the waiting
 * member's process is killed -- no wait of the tree is unbounded.
 */
TEST_F_TIMEOUT(tree, member_never_comes_times_out, 120)
{
	struct cryo_thaw_status st = { .size = sizeof(st) };
	struct cryo_image_member procs[8];
	int cpid, zpid, dev, img = -1, c[2], ret, status;
	struct cryo_thaw m;
	double start;
	pid_t ppid, x;

	if (variant->flags & CRYOCTL_THAW_SAME_PID)
		SKIP(return, "one variant is enough");
	ASSERT_EQ(0, tree_start_freeze(_metadata, T, &cpid, &zpid, &ppid));
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	ret = raw_thaw(T, dev, c, &img, procs);
	ASSERT_EQ(0, ret) TH_LOG("THAW: %s", strerror(-ret));

	start = cryo_now();
	x = fork();
	ASSERT_LE(0, x);
	if (!x) {
		memset(&m, 0, sizeof(m));
		m.size = sizeof(m);
		m.member = 1;
		ioctl(dev, CRYO_IOC_THAW_MEMBER, &m);
		_exit(3);
	}
	ASSERT_EQ(x, wait_timeout(x, &status, 60)) TH_LOG("still waiting after 60 s");
	EXPECT_GT(cryo_now() - start, 25);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("status %#x", status);
	ASSERT_EQ(0, ioctl(dev, CRYO_IOC_THAW_STATUS, &st));
	EXPECT_EQ(CRYO_THAW_FAILED, st.state);
	EXPECT_EQ(ETIMEDOUT, st.error) TH_LOG("%s", st.message);
	EXPECT_EQ(0, strncmp(st.message, "member 0 (pid ", 14)) TH_LOG("%s", st.message);
	EXPECT_NE(NULL, strstr(st.message, "within 30 s")) TH_LOG("%s", st.message);
	close(img);
	close(c[0]);
	close(c[1]);
	close(dev);
}

/*
 * A zombie whose wait status in the TREE is no death -- a stop signal
 * (its process would stop, holding the tool's descriptors), an ignored
 * one, the core-dump bit with a signal that dumps none -- is refused
 * before anything is made: EBADMSG naming the TREE and the member.
 */
TEST_F_TIMEOUT(tree, zombie_status_no_death_refused, 120)
{
	static const int bad[] = { SIGSTOP, SIGTSTP, SIGTTOU, SIGCHLD,
				   SIGCONT, SIGWINCH, 0x80 | SIGTERM,
				   0x80 | SIGKILL };
	struct cryoctl_thaw_result res;
	struct cryo_image_member *m;
	struct cryo_rec *rec;
	unsigned char *img;
	unsigned int nr, i;
	size_t len, off;
	pid_t ppid, pids[8];
	int cpid, zpid, fd, ret, z = -1;
	char want[32];

	if (variant->flags & CRYOCTL_THAW_SAME_PID)
		SKIP(return, "one variant is enough");
	ASSERT_EQ(0, tree_start_freeze(_metadata, T, &cpid, &zpid, &ppid));
	img = cryo_slurp(T->img, &len);
	ASSERT_NE(NULL, img);
	rec = (struct cryo_rec *)img;
	off = sizeof(*rec) + rec->len;
	ASSERT_LT(off + sizeof(*rec), len);
	rec = (struct cryo_rec *)(img + off);
	ASSERT_EQ(CRYO_REC_TREE, rec->type);
	m = (struct cryo_image_member *)(rec + 1);
	for (i = 0; i < 3; i++)
		if (m[i].flags & CRYO_MEMBER_ZOMBIE)
			z = i;
	ASSERT_LT(0, z);
	snprintf(want, sizeof(want), "member %d: exit status", z);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m[z].exit_code = bad[i];
		rec->crc = cryoctl_record_crc(rec, m);
		fd = open(T->img, O_WRONLY | O_TRUNC | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ((ssize_t)len, write(fd, img, len));
		close(fd);
		nr = 7;
		ret = tree_thaw(T, CRYOCTL_THAW_WAIT, pids, &nr, &res);
		EXPECT_EQ(-EBADMSG, ret) TH_LOG("status %#x: %s", bad[i], res.message);
		EXPECT_NE(NULL, strstr(res.message, "(TREE)")) TH_LOG("%s", res.message);
		EXPECT_NE(NULL, strstr(res.message, want)) TH_LOG("%s", res.message);
		EXPECT_EQ(0, nr);
		EXPECT_EQ(0, T->pid);
	}
	free(img);
}

/*
 * --same-pid with a member's pid taken: a clear failure, and nothing of
 * the tree left behind (the root's process is gone, the holder runs on).
 */
TEST_F_TIMEOUT(tree, same_pid_taken, 120)
{
	struct cryoctl_thaw_result res;
	struct stub_clone { uint64_t flags, pidfd, child_tid, parent_tid,
			    exit_signal, stack, stack_size, tls, set_tid,
			    set_tid_size; } ca = { .exit_signal = SIGCHLD };
	unsigned int nr = 7;
	pid_t ppid, holder, set, pids[8];
	int cpid, zpid, ret, st;

	if (!(variant->flags & CRYOCTL_THAW_SAME_PID))
		SKIP(return, "one variant is enough");
	ASSERT_EQ(0, tree_start_freeze(_metadata, T, &cpid, &zpid, &ppid));
	ASSERT_EQ(0, pid_free(cpid, 10));
	ASSERT_EQ(0, pid_free(ppid, 10));
	set = cpid;
	ca.set_tid = (uintptr_t)&set;
	ca.set_tid_size = 1;
	holder = syscall(SYS_clone3, &ca, sizeof(ca));
	if (!holder) {
		pause();
		_exit(0);
	}
	ASSERT_EQ(cpid, holder) TH_LOG("clone3 set_tid %d: %s", cpid, strerror(errno));

	ret = tree_thaw(T, variant->flags, pids, &nr, &res);
	EXPECT_NE(0, ret);
	EXPECT_NE(0, res.error);
	TH_LOG("refused: %s", res.message);
	EXPECT_EQ(0, nr);
	/* The root's process (with its image pid) is gone; the holder is not. */
	EXPECT_EQ(0, pid_free(ppid, 5)) TH_LOG("pid %d still in use", (int)ppid);
	EXPECT_EQ(0, kill(holder, 0));
	kill(holder, SIGKILL);
	EXPECT_EQ(holder, wait_timeout(holder, &st, 10));
}

/* Processes of this test's program but us and our harness: the thaw's. */
static int leftovers(void)
{
	char path[64], buf[512], *p;
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir("/proc");

	while (dir && (d = readdir(dir))) {
		pid_t pid = atoi(d->d_name);

		if (pid <= 0 || pid == getpid() || pid == getppid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		p = strchr(buf, '(');
		/* Alive, not a zombie waiting for init. */
		if (p && !strncmp(p + 1, "cryo_tree_thaw_", 15) &&
		    !strstr(buf, ") Z "))
			n++;
	}
	if (dir)
		closedir(dir);
	return n;
}

/*
 * A member fails after the root passed its point of no return (its
 * section's PROCESS record is corrupt): the whole tree is killed, the
 * message names the member, and no process of the thaw is left.
 */
TEST_F_TIMEOUT(tree, member_fails_all_killed, 120)
{
	struct cryoctl_thaw_result res;
	struct cryo_rec *rec;
	unsigned char *img;
	unsigned int nr = 7, procs = 0;
	size_t len, off;
	pid_t ppid, pids[8];
	int cpid, zpid, fd, ret, n;
	double end;

	if (variant->flags & CRYOCTL_THAW_SAME_PID)
		SKIP(return, "one variant is enough");
	ASSERT_EQ(0, tree_start_freeze(_metadata, T, &cpid, &zpid, &ppid));
	img = cryo_slurp(T->img, &len);
	ASSERT_NE(NULL, img);
	for (off = 0; off + sizeof(*rec) <= len; off += sizeof(*rec) + rec->len) {
		rec = (struct cryo_rec *)(img + off);
		if (rec->type == CRYO_REC_PROCESS && ++procs == 2)
			break;
	}
	ASSERT_EQ(2, procs);
	/* Its pid: no longer the TREE's member 1 (or a bad checksum). */
	((struct cryo_image_process *)(rec + 1))->pid ^= 0x4000;
	fd = open(T->img, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)len, write(fd, img, len));
	close(fd);
	free(img);

	ret = tree_thaw(T, CRYOCTL_THAW_WAIT, pids, &nr, &res);
	EXPECT_EQ(-EBADMSG, ret) TH_LOG("%s", res.message);
	EXPECT_EQ(0, strncmp(res.message, "member 1 (pid ", 14)) TH_LOG("%s", res.message);
	EXPECT_EQ(0, nr);
	end = cryo_now() + 10;
	while ((n = leftovers()) && cryo_now() < end)
		usleep(50000);
	EXPECT_EQ(0, n) TH_LOG("%d processes of the thaw left", n);
}

/* The NSpid: fields of a /proc status file, outermost first; how many. */
static int ns_pids(const char *path, int *ids, int max)
{
	char buf[4096], *p;
	int n = 0, off;

	if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nNSpid:");
	if (!p)
		return -1;
	p += strlen("\nNSpid:");
	while (n < max && sscanf(p, "%d%n", &ids[n], &off) == 1) {
		n++;
		p += off;
		if (*p == '\n')
			break;
	}
	return n;
}

/* @pid's innermost pid when it is in a child of our namespace, or -1. */
static int inner_pid(pid_t pid)
{
	char path[64];
	int ids[4];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return ns_pids(path, ids, 4) == 2 && ids[0] == pid ? ids[1] : -1;
}

/* The children of @pid, as our namespace sees them; how many, -1. */
static int children_of(pid_t pid, pid_t *out, int max)
{
	char path[64], buf[512], *p = buf;
	int n = 0, off;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (cryo_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	while (n < max && sscanf(p, "%d%n", &out[n], &off) == 1) {
		n++;
		p += off;
	}
	return n;
}

/*
 * --new-pidns while the tree's pids are taken (by a --same-pid thaw of
 * the same image, which runs on): it succeeds, and inside the namespace
 * P and C have their frozen pids (their getpid(), and the NSpid: line
 * /proc shows us), P's parent is the namespace's init, C's P, C is in its
 * own group in P's session, P reaps Z with status 42 under Z's frozen pid.
 * The pid returned is the init's, our child: it exits with P's status,
 * and the namespace goes with it; the first thaw runs on untouched.
 */
TEST_F_TIMEOUT(tree, new_pidns_taken, 180)
{
	const char *path = cryo_prog("tree_target");
	const char *const argv[] = { "tree_target", T->dir, NULL };
	struct cryoctl_thaw_result res;
	pid_t pids[8] = { 0 }, kids[8], rout = 0, cout = 0;
	struct tgt u;
	struct ids a, b, c;
	unsigned int nr = 0;
	int cpid, zpid, ret, st, i, n;
	char buf[64];

	if (!(variant->flags & CRYOCTL_THAW_SAME_PID))
		SKIP(return, "one variant is enough");
	ASSERT_EQ(0, access(path, X_OK)) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, tgt_spawn(T, path, argv, NULL, 0));
	ASSERT_EQ(0, tgt_line(T, TGT_TIMEOUT)) TH_LOG("%s; log: %s", T->line,
						       tgt_log(T));
	ASSERT_EQ(2, sscanf(T->line, "ready %d %d", &cpid, &zpid)) TH_LOG("%s", T->line);
	CMD('g', "g ");
	ASSERT_EQ(0, ids_parse(T->line, &a)) TH_LOG("%s", T->line);
	ret = tgt_freeze_kill(T);
	ASSERT_EQ(0, ret) TH_LOG("freeze: %s", strerror(-ret));
	ASSERT_EQ(0, pid_free(cpid, 10));
	ASSERT_EQ(0, pid_free(zpid, 10));

	/* The first thaw takes the pids, and keeps them. */
	ret = tree_thaw(T, CRYOCTL_THAW_WAIT | CRYOCTL_THAW_SAME_PID, pids, &nr, &res);
	ASSERT_EQ(0, ret) TH_LOG("thaw: %s: %s", strerror(-ret), res.message);
	ASSERT_EQ(a.p, res.pid);

	/* The second one, in a namespace of its own. */
	u = *T;
	u.pid = 0;
	u.cmd = u.rep = -1;
	memset(pids, 0, sizeof(pids));
	ret = tree_thaw(&u, CRYOCTL_THAW_WAIT | CRYOCTL_THAW_NEW_PIDNS, pids, &nr, &res);
	ASSERT_EQ(0, ret) TH_LOG("thaw --new-pidns: %s: %s", strerror(-ret), res.message);
	ASSERT_EQ(3, nr);
	/* The pids inside: the image's. */
	EXPECT_EQ(a.p, pids[0]);
	EXPECT_EQ(a.c, pids[1]);
	EXPECT_EQ(zpid, pids[2]);
	/* The init is pid 1 there, and our child; its one child is P. */
	EXPECT_EQ(1, inner_pid(res.pid));
	ASSERT_EQ(1, children_of(res.pid, &rout, 1));
	EXPECT_NE(a.p, rout);
	EXPECT_EQ(a.p, inner_pid(rout));

	u.buflen = 0;
	ASSERT_EQ(0, tgt_cmd(&u, 'w')) TH_LOG("%s; log: %s", u.line, tgt_log(&u));
	EXPECT_STREQ("w 4", u.line);	/* frozen at 0, as P and C left it */
	ASSERT_EQ(0, tgt_cmd(&u, 'g')) TH_LOG("%s; log: %s", u.line, tgt_log(&u));
	ASSERT_EQ(0, ids_parse(u.line, &b)) TH_LOG("%s", u.line);
	EXPECT_EQ(a.p, b.p) TH_LOG("P's getpid() in the namespace");
	EXPECT_EQ(1, b.pp) TH_LOG("P's parent is not the namespace's init");
	EXPECT_EQ(a.c, b.c) TH_LOG("C's getpid() in the namespace");
	EXPECT_EQ(b.p, b.cpp) TH_LOG("C's parent is not P");
	EXPECT_EQ(b.c, b.cpgid) TH_LOG("C is not in a group of its own");
	EXPECT_EQ(b.sid, b.csid) TH_LOG("C is not in P's session");
	EXPECT_EQ(1, b.sub) TH_LOG("P is no child subreaper");
	EXPECT_EQ(SIGUSR2, b.cdeath) TH_LOG("C's parent-death signal");
	/* C and Z, seen from here: children of P, with their frozen pids inside. */
	n = children_of(rout, kids, 8);
	for (i = 0; i < n; i++)
		if (inner_pid(kids[i]) == a.c)
			cout = kids[i];
	EXPECT_NE(0, cout) TH_LOG("no child of P has pid %d inside", a.c);
	EXPECT_NE(a.c, cout);

	ASSERT_EQ(0, tgt_cmd(&u, 'z')) TH_LOG("%s; log: %s", u.line, tgt_log(&u));
	snprintf(buf, sizeof(buf), "z %d %d", zpid, W_EXITCODE(42, 0));
	EXPECT_STREQ(buf, u.line);

	/* The first thaw's tree is untouched. */
	CMD('g', "g ");
	ASSERT_EQ(0, ids_parse(T->line, &c)) TH_LOG("%s", T->line);
	EXPECT_EQ(a.p, c.p);
	EXPECT_EQ(a.c, c.c);

	/* P exits: the init with its status, the namespace with it. */
	ASSERT_EQ(0, tgt_quit(&u, 9));
	ASSERT_EQ(u.pid, wait_timeout(u.pid, &st, TGT_TIMEOUT));
	EXPECT_TRUE(WIFEXITED(st)) TH_LOG("status %#x", st);
	EXPECT_EQ(9, WEXITSTATUS(st));
	EXPECT_EQ(0, pid_free(rout, 10));
	if (cout)
		EXPECT_EQ(0, pid_free(cout, 10));
	close(u.cmd);
	close(u.rep);

	ASSERT_EQ(0, tgt_quit(T, 7));
	ASSERT_EQ(T->pid, wait_timeout(T->pid, &st, TGT_TIMEOUT));
	EXPECT_TRUE(WIFEXITED(st)) TH_LOG("status %#x", st);
	EXPECT_EQ(7, WEXITSTATUS(st));
	T->pid = 0;
}

/*
 * One process in a new pid namespace, its pid held here: it has its pid
 * and every thread its id inside (NSpid: of each), its parent is the
 * init there; killed by SIGTERM, the init (our child) exits with 128+15,
 * as cryoctl --wait would.
 */
TEST_F_TIMEOUT(tree, new_pidns_one, 120)
{
	const char *path = cryo_prog("thaw_target");
	const char *const argv[] = { "thaw_target", "threads", "3", NULL };
	struct stub_clone { uint64_t flags, pidfd, child_tid, parent_tid,
			    exit_signal, stack, stack_size, tls, set_tid,
			    set_tid_size; } ca = { .exit_signal = SIGCHLD };
	struct cryoctl_thaw_result res;
	int before[8], after[8], ids[4], nb, na, i, j, st, ppid, pid;
	pid_t holder, set, rout = 0;
	char file[96], want[64];

	if (variant->flags & CRYOCTL_THAW_SAME_PID)
		SKIP(return, "one variant is enough");
	ASSERT_EQ(0, access(path, X_OK)) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, tgt_spawn(T, path, argv, NULL, 0));
	ASSERT_EQ(0, tgt_line(T, TGT_TIMEOUT)) TH_LOG("%s; log: %s", T->line,
						       tgt_log(T));
	pid = T->pid;
	nb = cryo_tids(pid, before, 8);
	ASSERT_EQ(4, nb);
	ASSERT_EQ(0, tgt_freeze_kill(T));
	ASSERT_EQ(0, pid_free(pid, 10));
	set = pid;
	ca.set_tid = (uintptr_t)&set;
	ca.set_tid_size = 1;
	holder = syscall(SYS_clone3, &ca, sizeof(ca));
	if (!holder) {
		pause();
		_exit(0);
	}
	ASSERT_EQ(pid, holder) TH_LOG("clone3 set_tid %d: %s", pid, strerror(errno));

	ASSERT_EQ(0, tgt_thaw(T, CRYOCTL_THAW_WAIT | CRYOCTL_THAW_NEW_PIDNS, NULL, 0, &res))
		TH_LOG("%s", res.message);
	EXPECT_EQ(1, inner_pid(T->pid));
	ASSERT_EQ(1, children_of(T->pid, &rout, 1));
	EXPECT_EQ(pid, inner_pid(rout));
	CMD('p', "pid ");
	snprintf(want, sizeof(want), "pid %d 1", pid);
	EXPECT_STREQ(want, T->line);
	ASSERT_EQ(2, sscanf(T->line, "pid %d %d", &i, &ppid));
	/* Every thread's id inside is its frozen one. */
	na = cryo_tids(rout, after, 8);
	ASSERT_EQ(nb, na);
	for (i = 0; i < na; i++) {
		snprintf(file, sizeof(file), "/proc/%d/task/%d/status", (int)rout, after[i]);
		ASSERT_EQ(2, ns_pids(file, ids, 4)) TH_LOG("%s", file);
		for (j = 0; j < nb && before[j] != ids[1]; j++)
			;
		EXPECT_LT(j, nb) TH_LOG("thread id %d inside is not the image's", ids[1]);
	}
	CMD('g', "round ");

	ASSERT_EQ(0, kill(rout, SIGTERM));
	ASSERT_EQ(T->pid, wait_timeout(T->pid, &st, TGT_TIMEOUT));
	EXPECT_TRUE(WIFEXITED(st)) TH_LOG("status %#x", st);
	EXPECT_EQ(128 + SIGTERM, WEXITSTATUS(st));
	T->pid = 0;
	EXPECT_EQ(0, pid_free(rout, 10));
	EXPECT_EQ(0, kill(holder, 0));
	kill(holder, SIGKILL);
	EXPECT_EQ(holder, wait_timeout(holder, &st, 10));
}

/*
 * Without CAP_SYS_ADMIN (uid 0 otherwise) no namespace can be made:
 * EPERM, a message that says what is missing, and nothing made.
 */
TEST_F_TIMEOUT(tree, new_pidns_needs_sys_admin, 120)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};
	struct cryoctl_thaw_result res;
	pid_t ppid, pids[8], child;
	unsigned int nr = 7;
	int cpid, zpid, p[2], st, ret;
	char msg[CRYO_THAW_MSG_LEN + 16] = "";

	if (variant->flags & CRYOCTL_THAW_SAME_PID)
		SKIP(return, "one variant is enough");
	ASSERT_EQ(0, tree_start_freeze(_metadata, T, &cpid, &zpid, &ppid));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		close(p[0]);
		if (syscall(SYS_capget, &h, d))
			_exit(2);
		d[0].effective &= ~(1U << CAP_SYS_ADMIN);
		d[0].permitted &= ~(1U << CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &h, d))
			_exit(3);
		ret = tree_thaw(T, CRYOCTL_THAW_WAIT | CRYOCTL_THAW_NEW_PIDNS,
				pids, &nr, &res);
		dprintf(p[1], "%d %u %d %s", -ret, nr, (int)res.pid, res.message);
		_exit(0);
	}
	close(p[1]);
	ASSERT_LT(0, read(p[0], msg, sizeof(msg) - 1));
	close(p[0]);
	ASSERT_EQ(child, wait_timeout(child, &st, 60));
	EXPECT_EQ(0, st);
	TH_LOG("refused: %s", msg);
	EXPECT_EQ(0, strncmp(msg, "1 0 0 cannot create a new pid namespace", 39)) TH_LOG("%s", msg);
	EXPECT_NE(NULL, strstr(msg, "CAP_SYS_ADMIN")) TH_LOG("%s", msg);
	/* Nothing of the thaw is left: the caller's children reaped. */
	EXPECT_EQ(-1, waitpid(-1, &st, WNOHANG));
}

TEST_HARNESS_MAIN
