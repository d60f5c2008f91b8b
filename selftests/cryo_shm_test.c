// SPDX-License-Identifier: GPL-2.0
/*
 * Shared memory in a process tree (issue 12: "saved once and restored
 * shared"): shared anonymous memory and System V segments that only
 * members of the tree map are frozen once and thawed as one object that
 * every member maps again, at the same addresses, with the same contents
 * and, for a segment, the same key, size, mode, owner and removed state.
 * POSIX shm is a named file the members map again by path.  memfds
 * (image format 2.5), mapped and held, come back as one memfd each with
 * their names, sizes, contents, holes, seals and descriptions.  Memory
 * shared with a process outside the tree still refuses the freeze.
 *
 * Each test is a full freeze -> kill -> thaw of a tree of
 * selftests/progs/shm_target, checking the restored state itself: the
 * counters the members keep in the shared memory go on from where they
 * were (each child checks that its slot holds what it stored last), a
 * word one member writes is seen by the others, /proc/PID/maps shows
 * one object (one inode) at the old addresses in every member,
 * shmctl(IPC_STAT) and /proc/sysvipc/shm the segment as it was.  The
 * targets talk to the test through files in a scratch directory (a pipe
 * to the test would be held outside the tree).  The test is a child
 * subreaper: the members a freeze kills come back to it to be reaped,
 * and their pids are free again for --same-pid.
 *
 * CRYO_SHM_ONLY="removed,posix" runs only those tests.
 */
#include <dirent.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "cryo_tree.h"

#define MAX_MEMBERS	16

FIXTURE(shm) {
	char dir[64];
	char img[96];
	char log[96];
	pid_t root;		/* our child: the original, then the restored */
	key_t key;		/* of the test's SysV segment, 0 for none */
	char posix[64];		/* the test's POSIX shm object, "" for none */
};

FIXTURE_SETUP(shm)
{
	self->root = 0;
	self->dir[0] = 0;
	self->posix[0] = 0;
	/* A key of this test alone: the harness runs each in its own process. */
	self->key = 0x43520000 | (getpid() & 0xffff);
	if (!cryo_selected("CRYO_SHM_ONLY", _metadata->name))
		CRYO_SETUP_SKIP("not in CRYO_SHM_ONLY");
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	snprintf(self->dir, sizeof(self->dir), "/tmp/cryo_shm.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->img, sizeof(self->img), "%s/image", self->dir);
	snprintf(self->log, sizeof(self->log), "%s/log.err", self->dir);
	ASSERT_EQ(-1, shmget(self->key, 0, 0)) TH_LOG("key %#x taken", self->key);
}

FIXTURE_TEARDOWN(shm)
{
	int id;

	tree_kill_descendants();
	id = shmget(self->key, 0, 0);
	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);
	if (self->posix[0])
		shm_unlink(self->posix);
	if (self->dir[0])
		cryo_rm_rf(self->dir);
}

/* The target's log, for TH_LOG. */
static const char *log_text(FIXTURE_DATA(shm) *self)
{
	static char buf[2048];

	return tree_text(self->dir, "log.err", buf, sizeof(buf));
}

/*
 * Start shm_target @mode DIR @arg [@arg2]: fds 0 and 1 /dev/null, 2 the
 * log, every other fd closed, tied to our life.  The exec drops the
 * harness's shared page of results (shared with us: refused).
 */
static pid_t spawn(FIXTURE_DATA(shm) *self, const char *mode, const char *arg,
		   const char *arg2)
{
	const char *argv[] = { cryo_prog("shm_target"), mode, self->dir, arg, arg2,
			       NULL };

	return tree_spawn(self->dir, self->log, argv, -1);
}

/* shm_target count with our key. */
static pid_t spawn_count(FIXTURE_DATA(shm) *self, int rmid)
{
	char key[16];

	snprintf(key, sizeof(key), "%x", self->key);
	return spawn(self, "count", key, rmid ? "1" : "0");
}

/* Freeze --kill the tree of the @n_ members @pids_; all of them gone. */
#define FREEZE_KILL(pids_, n_) do {					\
		struct cryoctl_freeze_result __res;			\
		char __why[256];					\
		int __r = tree_freeze(self->img, self->root,		\
				      CRYO_FREEZE_KILL, 0, &__res);	\
									\
		ASSERT_EQ(0, __r) TH_LOG("freeze: %s, refusal %u id %d pid %d", \
					 strerror(-__r), __res.refusal,	\
					 __res.refusal_id, __res.refusal_pid); \
		EXPECT_EQ((unsigned int)(n_), __res.nr_processes);	\
		ASSERT_EQ(0, tree_reap_killed(&self->root, (pids_), (n_), \
					      __why, sizeof(__why)))	\
			TH_LOG("%s", __why);				\
	} while (0)

/* Thaw with the same pids (a parent reaps its children by pid). */
#define THAW() ASSERT_TREE_THAW(self->img, self->root, CRYOCTL_THAW_SAME_PID)

/* The root ends by itself within @sec seconds, as @want. */
#define EXPECT_ROOT_END(want, sec) \
	EXPECT_TREE_ROOT_END(self->root, self->dir, (want), (sec))

/* Reap what came back to us: are we without descendants then? */
static bool alone(void)
{
	pid_t pids[MAX_MEMBERS];

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return tree_descendants(getpid(), pids, MAX_MEMBERS) == 1;
}

/* ---- the image ------------------------------------------------------------- */

#define MAX_SHM		4

/* What an image holds of shared memory. */
struct shm_image {
	int nr_shm;
	struct cryo_image_shm shm[MAX_SHM];
	uint64_t pages[MAX_SHM];	/* SHM_PAGES pages of each */
	int vmas[MAX_SHM];		/* VMA records mapping each */
	uint64_t first[MAX_SHM][17];	/* the first words of its page 0 */
	int bad;			/* records that name no SHM */
};

/*
 * Walk self->img by its framing alone (the library's reader is not what
 * is tested here) and gather its SHM, SHM_PAGES and VMA records.  0 or
 * -1 when the image cannot be read.
 */
static int scan_image(FIXTURE_DATA(shm) *self, struct shm_image *si)
{
	size_t len, off = 0;
	unsigned char *img = cryo_slurp(self->img, &len);
	const struct cryo_image_shm_pages *sp;
	const struct cryo_image_vma *v;
	struct cryo_rec r;
	const void *p;

	memset(si, 0, sizeof(*si));
	if (!img)
		return -1;
	while (off + sizeof(r) <= len) {
		memcpy(&r, img + off, sizeof(r));
		p = img + off + sizeof(r);
		if (off + sizeof(r) + r.len > len)
			break;
		if (r.type == CRYO_REC_SHM && r.len >= sizeof(si->shm[0]) &&
		    si->nr_shm < MAX_SHM)
			memcpy(&si->shm[si->nr_shm++], p, sizeof(si->shm[0]));
		if (r.type == CRYO_REC_SHM_PAGES && r.len >= sizeof(*sp)) {
			sp = p;
			if (sp->shm < 1 || sp->shm > (unsigned int)si->nr_shm) {
				si->bad++;
			} else {
				si->pages[sp->shm - 1] += sp->nr_pages;
				if (!sp->pgoff && r.len >= sizeof(*sp) + 17 * 8)
					memcpy(si->first[sp->shm - 1], sp + 1,
					       sizeof(si->first[0]));
			}
		}
		if (r.type == CRYO_REC_VMA && r.len >= sizeof(*v)) {
			v = p;
			if (v->shm > (unsigned int)si->nr_shm)
				si->bad++;
			else if (v->shm)
				si->vmas[v->shm - 1]++;
		}
		off += sizeof(r) + r.len;
	}
	free(img);
	return off == len ? 0 : -1;
}

/* The image's object of @kind, NULL when it has none or more than one. */
static const struct cryo_image_shm *image_shm(const struct shm_image *si,
					      unsigned int kind, int *idx)
{
	int i, found = -1;

	for (i = 0; i < si->nr_shm; i++) {
		if (si->shm[i].kind != kind)
			continue;
		if (found >= 0)
			return NULL;
		found = i;
	}
	*idx = found;
	return found < 0 ? NULL : &si->shm[found];
}

/* ---- the running tree ----------------------------------------------------------- */

/*
 * The slots DIR/counts shows (after the probe the parent had handed on
 * when it read them, into *@probe if not NULL); how many, -1 when there
 * is no file.
 */
static int read_counts_p(FIXTURE_DATA(shm) *self, unsigned long long *c, int max,
			 unsigned long long *probe)
{
	char buf[512], *p = buf, *end;
	unsigned long long pr;
	int n = 0;

	if (!tree_text(self->dir, "counts", buf, sizeof(buf))[0])
		return -1;
	pr = strtoull(p, &end, 10);
	if (end == p)
		return -1;
	p = end;
	if (probe)
		*probe = pr;
	while (n < max) {
		c[n] = strtoull(p, &end, 10);
		if (end == p)
			break;
		p = end;
		n++;
	}
	return n;
}

static int read_counts(FIXTURE_DATA(shm) *self, unsigned long long *c, int max)
{
	return read_counts_p(self, c, max, NULL);
}

/* DIR/counts read after the parent handed probe @v on: its @n slots. */
static bool counts_after(FIXTURE_DATA(shm) *self, unsigned long long v,
			 unsigned long long *c, int n)
{
	unsigned long long probe;

	return read_counts_p(self, c, n, &probe) == n && probe == v;
}

/* Every one of @n slots of DIR/counts above @floor. */
static bool counts_above(FIXTURE_DATA(shm) *self, const unsigned long long *floor,
			 int n)
{
	unsigned long long c[8];
	int i;

	if (read_counts(self, c, 8) != n)
		return false;
	for (i = 0; i < n; i++)
		if (c[i] <= floor[i])
			return false;
	return true;
}

/* Every child of @nkids saw @v in every region (DIR/seen.i). */
static bool all_seen(FIXTURE_DATA(shm) *self, int nkids, unsigned long long v)
{
	char name[32], buf[64], want[64];
	int i;

	snprintf(want, sizeof(want), "%llu %llu\n", v, v);
	for (i = 0; i < nkids; i++) {
		snprintf(name, sizeof(name), "seen.%d", i);
		if (strcmp(tree_text(self->dir, name, buf, sizeof(buf)), want))
			return false;
	}
	return true;
}

/* The parent writes @v to each region's probe word, every child sees it. */
#define EXPECT_PROBE(nkids, v) do {					\
		char __p[32];						\
									\
		snprintf(__p, sizeof(__p), "%llu\n", (unsigned long long)(v)); \
		ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "probe"), __p, \
					     strlen(__p)));		\
		EXPECT_TRUE(WAIT_FOR(all_seen(self, (nkids), (v)), 60))	\
			TH_LOG("probe %llu not seen by every child; log: %s", \
			       (unsigned long long)(v), log_text(self)); \
	} while (0)

/* No child found its slot changed under it (DIR/bad.i). */
#define EXPECT_NO_BAD(nkids) do {					\
		char __n[32], __b[256];					\
		int __i;						\
									\
		for (__i = 0; __i < (nkids); __i++) {			\
			snprintf(__n, sizeof(__n), "bad.%d", __i);	\
			EXPECT_FALSE(tree_has(self->dir, __n))		\
				TH_LOG("child %d: %s", __i,		\
				       tree_text(self->dir, __n, __b, sizeof(__b))); \
		}							\
	} while (0)

/* A mapping as /proc/PID/maps shows it. */
struct map {
	unsigned long start, end, off, ino;
	char perms[8];
	char name[256];
};

/* The line of /proc/@pid/maps that starts at @addr; 0 or -1. */
static int map_at(pid_t pid, unsigned long addr, struct map *m)
{
	static char buf[1 << 16];
	char *line, *nl;
	int used;

	memset(m, 0, sizeof(*m));
	if (cryo_maps(pid, buf, sizeof(buf)) <= 0)
		return -1;
	for (line = buf; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %lu %n", &m->start, &m->end,
			   m->perms, &m->off, &m->ino, &used) >= 5 &&
		    m->start == addr) {
			snprintf(m->name, sizeof(m->name), "%s", line + used);
			return 0;
		}
	}
	return -1;
}

/* Line @idx (from 0) of /proc/@pid/maps into @out. */
static int maps_line(pid_t pid, int idx, char *out, size_t n)
{
	static char buf[1 << 16];
	char *line = buf, *nl;

	if (cryo_maps(pid, buf, sizeof(buf)) <= 0)
		return -1;
	for (; idx > 0 && line; idx--) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!line || !*line)
		return -1;
	nl = strchr(line, '\n');
	if (nl)
		*nl = 0;
	snprintf(out, n, "%s", line);
	return 0;
}

/* A segment as /proc/sysvipc/shm shows it. */
struct sysv_line {
	int key, shmid;
	unsigned int perms, uid, gid;
	unsigned long size, nattch;
};

/*
 * The line of /proc/sysvipc/shm of @shmid (or of @key when @shmid is -1);
 * 0, or -1 when there is none.  @nr (may be NULL): how many segments the
 * system has.
 */
static int sysv_find(int key, int shmid, struct sysv_line *s, int *nr)
{
	static char buf[1 << 16];
	struct sysv_line l;
	char *line, *nl;
	int found = -1;

	if (nr)
		*nr = 0;
	if (cryo_read_file("/proc/sysvipc/shm", buf, sizeof(buf)) <= 0)
		return -1;
	line = strchr(buf, '\n');
	for (; line && *++line; line = nl) {
		nl = strchr(line, '\n');
		if (sscanf(line, "%d %d %o %lu %*d %*d %lu %u %u", &l.key, &l.shmid,
			   &l.perms, &l.size, &l.nattch, &l.uid, &l.gid) != 7)
			continue;
		if (nr)
			(*nr)++;
		if (shmid >= 0 ? l.shmid == shmid : l.key == key) {
			*s = l;
			found = 0;
		}
		if (!nl)
			break;
	}
	return found;
}

/* ---- the check ---------------------------------------------------------- */

#define COUNT_ANON	8192
#define COUNT_SYSV	10000

/* What a count tree tells in DIR/ready. */
struct count_tree {
	pid_t m[5];
	unsigned long anon, sysv;
	int shmid;
};

static int read_ready(FIXTURE_DATA(shm) *self, struct count_tree *ct)
{
	char buf[256];

	return sscanf(tree_text(self->dir, "ready", buf, sizeof(buf)), "%d %d %d %d %d %lx %lx %d",
		      &ct->m[0], &ct->m[1], &ct->m[2], &ct->m[3], &ct->m[4],
		      &ct->anon, &ct->sysv, &ct->shmid) == 8 ? 0 : -1;
}

/* Start a count tree, wait until it counts and a probe goes round. */
#define START_COUNT(ct, rmid) do {					\
		pid_t __pids[MAX_MEMBERS];				\
									\
		self->root = spawn_count(self, (rmid));			\
		ASSERT_LT(0, self->root);				\
		ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "ready") &&		\
				     tree_has(self->dir, "counts"), 60))	\
			TH_LOG("log: %s", log_text(self));		\
		ASSERT_EQ(0, read_ready(self, (ct)));			\
		EXPECT_PROBE(4, 1001);					\
		ASSERT_EQ(5, tree_descendants(self->root, __pids, MAX_MEMBERS)); \
	} while (0)

/*
 * The members' mappings of the anon object and of the segment, after
 * thaw: at the addresses they had (@before), one object each (one inode
 * in all members), named as before.  @ino_anon, @ino_sysv: the inodes.
 */
static void check_maps(struct __test_metadata *_metadata, const struct count_tree *ct,
		       struct map before[5][2], unsigned long *ino_anon,
		       unsigned long *ino_sysv)
{
	struct map m;
	int k, r;

	for (k = 0; k < 5; k++) {
		for (r = 0; r < 2; r++) {
			unsigned long addr = r ? ct->sysv : ct->anon;
			unsigned long *ino = r ? ino_sysv : ino_anon;

			ASSERT_EQ(0, map_at(ct->m[k], addr, &m))
				TH_LOG("member %d: nothing at %#lx", ct->m[k], addr);
			EXPECT_EQ(before[k][r].end, m.end) TH_LOG("member %d", ct->m[k]);
			EXPECT_STREQ(before[k][r].perms, m.perms);
			EXPECT_EQ(before[k][r].off, m.off);
			if (before[k][r].name[0])
				EXPECT_STREQ(before[k][r].name, m.name);
			if (!k)
				*ino = m.ino;
			EXPECT_EQ(*ino, m.ino)
				TH_LOG("member %d maps another object at %#lx (inode %lu, not %lu)",
				       ct->m[k], addr, m.ino, *ino);
		}
	}
}

/*
 * Issue 12's check: a parent and 4 children counting, each child in its
 * own slot of a shared anonymous mapping and of a SysV segment (key,
 * mode 0640, owner nobody).  The image holds each object once; after the
 * thaw the counters go on from their frozen values (each child checks
 * its slot still holds what it stored), what the children write the
 * parent sees and what the parent writes every child sees, every member
 * maps one object of each at the old addresses, and the segment has its
 * key, size, mode and owner, 5 attaches.
 */
TEST_F_TIMEOUT(shm, shared_counters, 300)
{
	unsigned long long frozen[8], c[8];
	unsigned long ino_anon, ino_sysv;
	const struct cryo_image_shm *a, *s;
	struct map before[5][2];
	struct count_tree ct;
	struct shm_image si;
	struct sysv_line sl;
	struct shmid_ds ds;
	pid_t kids[MAX_MEMBERS];
	char name[48];
	int k, ia, is, id;

	START_COUNT(&ct, 0);
	for (k = 0; k < 5; k++) {
		ASSERT_EQ(0, map_at(ct.m[k], ct.anon, &before[k][0]));
		ASSERT_EQ(0, map_at(ct.m[k], ct.sysv, &before[k][1]));
	}
	snprintf(name, sizeof(name), "/SYSV%08x", self->key);
	EXPECT_NE(NULL, strstr(before[0][1].name, name)) TH_LOG("%s", before[0][1].name);
	FREEZE_KILL(ct.m, 5);

	/* Saved once each, with every member's mapping naming it. */
	ASSERT_EQ(0, scan_image(self, &si));
	EXPECT_EQ(0, si.bad);
	EXPECT_EQ(2, si.nr_shm);
	a = image_shm(&si, CRYO_SHM_ANON, &ia);
	s = image_shm(&si, CRYO_SHM_SYSV, &is);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, s);
	EXPECT_EQ(COUNT_ANON, a->size);
	EXPECT_EQ(5, si.vmas[ia]);
	EXPECT_EQ(COUNT_SYSV, s->size);
	EXPECT_EQ(self->key, s->key);
	EXPECT_EQ(ct.shmid, s->shmid);
	EXPECT_EQ(0640, s->mode);
	EXPECT_EQ(65534, s->uid);
	EXPECT_EQ(65534, s->gid);
	EXPECT_EQ(0, s->flags);
	EXPECT_EQ(5, si.vmas[is]);
	for (k = 0; k < 4; k++) {
		frozen[k] = si.first[ia][k];
		frozen[4 + k] = si.first[is][k];
		EXPECT_LT(0, frozen[k]) TH_LOG("anon slot %d not saved", k);
		EXPECT_LT(0, frozen[4 + k]) TH_LOG("SysV slot %d not saved", k);
	}
	EXPECT_EQ(1001, si.first[ia][16]);
	EXPECT_EQ(1001, si.first[is][16]);
	/*
	 * The tree is gone; its segment outlives it unattached, as after
	 * any exit: the thaw on this machine finds it again, by its key and
	 * its id, and takes it back.
	 */
	ASSERT_EQ(0, sysv_find(self->key, -1, &sl, NULL));
	EXPECT_EQ(si.shm[is].shmid, sl.shmid);
	EXPECT_EQ(0, sl.nattch);
	unlink(tree_path(self->dir, "counts"));

	THAW();
	EXPECT_EQ(ct.m[0], self->root);
	EXPECT_EQ(5, tree_descendants(self->root, kids, MAX_MEMBERS));
	/*
	 * What the parent writes the children see; what they write it sees,
	 * no slot behind its frozen value, then all beyond it.
	 */
	EXPECT_PROBE(4, 2002);
	ASSERT_TRUE(WAIT_FOR(counts_after(self, 2002, c, 8), 60))
		TH_LOG("log: %s", log_text(self));
	for (k = 0; k < 8; k++)
		EXPECT_LE(frozen[k], c[k]) TH_LOG("slot %d: %llu after thaw, %llu frozen",
						  k, c[k], frozen[k]);
	EXPECT_TRUE(WAIT_FOR(counts_above(self, frozen, 8), 60))
		TH_LOG("the parent does not see the children count on; log: %s",
		       log_text(self));
	check_maps(_metadata, &ct, before, &ino_anon, &ino_sysv);

	/* The segment, found by its key: as it was, mapped by all five. */
	id = shmget(self->key, 0, 0);
	ASSERT_LE(0, id) TH_LOG("key %#x: %s", self->key, strerror(errno));
	EXPECT_EQ((unsigned long)id, ino_sysv);
	EXPECT_EQ(si.shm[is].shmid, id) TH_LOG("not the segment that outlived the tree");
	ASSERT_EQ(0, shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(COUNT_SYSV, ds.shm_segsz);
	EXPECT_EQ(0640, ds.shm_perm.mode & 0777);
	EXPECT_EQ(0, ds.shm_perm.mode & SHM_DEST);
	EXPECT_EQ(65534, ds.shm_perm.uid);
	EXPECT_EQ(65534, ds.shm_perm.gid);
	EXPECT_EQ(self->key, ds.shm_perm.__key);
	EXPECT_TRUE(WAIT_FOR(!shmctl(id, IPC_STAT, &ds) && ds.shm_nattch == 5, 10))
		TH_LOG("nattch %lu", (unsigned long)ds.shm_nattch);
	ASSERT_EQ(0, sysv_find(self->key, -1, &sl, NULL));
	EXPECT_EQ(id, sl.shmid);
	EXPECT_EQ(0640, sl.perms);
	EXPECT_EQ(COUNT_SYSV, sl.size);
	EXPECT_EQ(5, sl.nattch);
	EXPECT_EQ(65534, sl.uid);

	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
	EXPECT_NO_BAD(4);
}

/*
 * A segment removed (IPC_RMID) once the children attached it: after the
 * thaw it is still one object shared by all five, still found by no key,
 * still marked for removal, and it goes away when the tree exits.
 */
TEST_F_TIMEOUT(shm, removed, 300)
{
	unsigned long long frozen[8];
	unsigned long ino_anon, ino_sysv;
	const struct cryo_image_shm *s;
	struct map before[5][2];
	struct count_tree ct;
	struct shm_image si;
	struct sysv_line sl;
	int k, is, ia;

	START_COUNT(&ct, 1);
	EXPECT_EQ(-1, shmget(self->key, 0, 0));
	ASSERT_EQ(0, sysv_find(0, ct.shmid, &sl, NULL));
	EXPECT_EQ(SHM_DEST | 0640, sl.perms);
	EXPECT_EQ(5, sl.nattch);
	for (k = 0; k < 5; k++) {
		ASSERT_EQ(0, map_at(ct.m[k], ct.anon, &before[k][0]));
		ASSERT_EQ(0, map_at(ct.m[k], ct.sysv, &before[k][1]));
	}
	FREEZE_KILL(ct.m, 5);
	/* Gone with the tree. */
	EXPECT_NE(0, sysv_find(0, ct.shmid, &sl, NULL));

	ASSERT_EQ(0, scan_image(self, &si));
	s = image_shm(&si, CRYO_SHM_SYSV, &is);
	ASSERT_NE(NULL, image_shm(&si, CRYO_SHM_ANON, &ia));
	ASSERT_NE(NULL, s);
	EXPECT_EQ(CRYO_SHM_REMOVED, s->flags);
	EXPECT_EQ(IPC_PRIVATE, s->key);
	EXPECT_EQ(0640, s->mode);
	EXPECT_EQ(5, si.vmas[is]);
	for (k = 0; k < 4; k++) {
		frozen[k] = si.first[ia][k];
		frozen[4 + k] = si.first[is][k];
	}
	unlink(tree_path(self->dir, "counts"));

	THAW();
	EXPECT_EQ(ct.m[0], self->root);
	EXPECT_TRUE(WAIT_FOR(counts_above(self, frozen, 8), 60))
		TH_LOG("the parent does not see the children count on; log: %s",
		       log_text(self));
	EXPECT_PROBE(4, 2002);
	/* Names are the segment's own ("/SYSV00000000" for a private one). */
	for (k = 0; k < 5; k++)
		before[k][1].name[0] = 0;
	check_maps(_metadata, &ct, before, &ino_anon, &ino_sysv);
	EXPECT_EQ(-1, shmget(self->key, 0, 0)) TH_LOG("a removed segment found by key");
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, sysv_find(0, (int)ino_sysv, &sl, NULL))
		TH_LOG("no segment %lu in /proc/sysvipc/shm", ino_sysv);
	EXPECT_EQ(SHM_DEST | 0640, sl.perms);
	EXPECT_EQ(IPC_PRIVATE, sl.key);
	EXPECT_EQ(COUNT_SYSV, sl.size);
	EXPECT_EQ(5, sl.nattch);
	EXPECT_EQ(65534, sl.uid);

	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
	EXPECT_NO_BAD(4);
	EXPECT_NE(0, sysv_find(0, (int)ino_sysv, &sl, NULL))
		TH_LOG("segment %lu outlived the tree", ino_sysv);
}

/* ---- contents ----------------------------------------------------------------------- */

#define PAGE		4096UL
#define BIG_ANON_PAGES	2048
#define BIG_SYSV	((3UL << 20) + 100)

/*
 * 8 MiB of shared anonymous memory (more than any record holds) and a
 * SysV segment of 3 MiB and 100 bytes, written in sparse pages: the
 * image holds the written pages only; after thaw every byte of both is
 * right in parent and child, the pages never written are still holes
 * (mincore), and the parent's three VMAs of the anon object (its middle
 * read-only) and the child's one (the first half: it unmapped the rest)
 * are one object: a word each writes, the other reads.
 */
TEST_F_TIMEOUT(shm, contents, 300)
{
	unsigned long anon, sysv, nwa, ra, wa, nws, rs, ws;
	const struct cryo_image_shm *a, *s;
	struct shm_image si;
	struct map m, mc;
	pid_t pids[2], kids[4];
	char key[16], buf[256];
	int ia, is, id;

	snprintf(key, sizeof(key), "%x", self->key);
	self->root = spawn(self, "big", key, NULL);
	ASSERT_LT(0, self->root);
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "ready"), 120)) TH_LOG("log: %s", log_text(self));
	ASSERT_EQ(11, sscanf(tree_text(self->dir, "ready", buf, sizeof(buf)),
			     "%d %d %lx %lx %d %lu %lu %lu %lu %lu %lu", &pids[0],
			     &pids[1], &anon, &sysv, &id, &nwa, &ra, &wa, &nws, &rs, &ws));
	/* Before the freeze mincore tells the pages written, and only them. */
	EXPECT_EQ(nwa, ra);
	EXPECT_EQ(0, wa);
	EXPECT_EQ(nws, rs);
	EXPECT_EQ(0, ws);
	ASSERT_EQ(2, tree_descendants(self->root, kids, 4));
	FREEZE_KILL(pids, 2);

	ASSERT_EQ(0, scan_image(self, &si));
	EXPECT_EQ(0, si.bad);
	EXPECT_EQ(2, si.nr_shm);
	a = image_shm(&si, CRYO_SHM_ANON, &ia);
	s = image_shm(&si, CRYO_SHM_SYSV, &is);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, s);
	EXPECT_EQ(BIG_ANON_PAGES * PAGE, a->size);
	EXPECT_EQ(BIG_SYSV, s->size);
	/* The pages that exist, once: */
	EXPECT_EQ(nwa, si.pages[ia]);
	EXPECT_EQ(nws, si.pages[is]);
	/* Parent: three VMAs of the anon object, one of the segment; child: two. */
	EXPECT_EQ(4, si.vmas[ia]);
	EXPECT_EQ(2, si.vmas[is]);

	THAW();
	EXPECT_EQ(pids[0], self->root);
	/* The VMAs as they were, of one object (before the parent ends). */
	ASSERT_EQ(0, map_at(pids[0], anon, &m));
	EXPECT_EQ(anon + 512 * PAGE, m.end);
	EXPECT_STREQ("rw-s", m.perms);
	ASSERT_EQ(0, map_at(pids[0], anon + 512 * PAGE, &mc));
	EXPECT_EQ(anon + 1024 * PAGE, mc.end);
	EXPECT_STREQ("r--s", mc.perms);
	EXPECT_EQ(512 * PAGE, mc.off);
	EXPECT_EQ(m.ino, mc.ino);
	ASSERT_EQ(0, map_at(pids[0], anon + 1024 * PAGE, &mc));
	EXPECT_EQ(anon + 2048 * PAGE, mc.end);
	EXPECT_EQ(1024 * PAGE, mc.off);
	EXPECT_EQ(m.ino, mc.ino);
	ASSERT_EQ(0, map_at(pids[1], anon, &mc));
	EXPECT_EQ(anon + 1024 * PAGE, mc.end);
	EXPECT_STREQ("rw-s", mc.perms);
	EXPECT_EQ(m.ino, mc.ino);
	EXPECT_NE(0, map_at(pids[1], anon + 1024 * PAGE, &mc));
	ASSERT_EQ(0, map_at(pids[0], sysv, &m));
	ASSERT_EQ(0, map_at(pids[1], sysv, &mc));
	EXPECT_EQ(m.ino, mc.ino);
	EXPECT_EQ(sysv + 769 * PAGE, m.end);

	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "go"), "", 0));
	EXPECT_TRUE(WAIT_FOR(tree_has(self->dir, "pdone") && tree_has(self->dir, "cdone"), 120))
		TH_LOG("the word trade did not end; log: %s", log_text(self));
	EXPECT_STREQ("ok\nok\n", tree_text(self->dir, "verify.0", buf, sizeof(buf)));
	EXPECT_STREQ("ok\nok\n", tree_text(self->dir, "verify.1", buf, sizeof(buf)));
	ASSERT_EQ(4, sscanf(tree_text(self->dir, "resident", buf, sizeof(buf)), "%lu %lu %lu %lu",
			    &ra, &wa, &rs, &ws));
	EXPECT_EQ(nwa, ra) TH_LOG("anon: %lu pages, %lu wrong", ra, wa);
	EXPECT_EQ(0, wa);
	EXPECT_EQ(nws, rs) TH_LOG("SysV: %lu pages, %lu wrong", rs, ws);
	EXPECT_EQ(0, ws);
	EXPECT_STREQ("0x6368696c64\n", tree_text(self->dir, "pdone", buf, sizeof(buf)));
	EXPECT_STREQ("0x7061726e74\n", tree_text(self->dir, "cdone", buf, sizeof(buf)));


	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
}

/* ---- refusals ---------------------------------------------------------------------- */

/*
 * We (no member) attach the tree's segment: the freeze is refused,
 * naming a member and its mapping of the segment, before anything is
 * killed; the tree counts on.  Once we detach it, the same freeze is
 * made (the tree's own sharing is no reason to refuse).
 */
TEST_F_TIMEOUT(shm, refused_sysv_outsider, 300)
{
	struct cryoctl_freeze_result res;
	unsigned long long c0[8];
	struct count_tree ct;
	char line[512], name[32];
	int r, k, found = 0, id;
	void *p;

	START_COUNT(&ct, 0);
	id = shmget(self->key, 0, 0);
	ASSERT_LE(0, id);
	p = shmat(id, NULL, SHM_RDONLY);
	ASSERT_NE((void *)-1, p) TH_LOG("shmat: %s", strerror(errno));

	r = tree_freeze(self->img, self->root, CRYO_FREEZE_KILL, 0, &res);
	EXPECT_EQ(-EOPNOTSUPP, r);
	EXPECT_EQ(CRYO_REFUSAL_SHARED_MEMORY, res.refusal);
	for (k = 0; k < 5; k++)
		found |= res.refusal_pid == ct.m[k];
	EXPECT_TRUE(found) TH_LOG("refusal_pid %d is no member", res.refusal_pid);
	EXPECT_EQ(0, res.bytes);
	if (found) {
		snprintf(name, sizeof(name), "/SYSV%08x", self->key);
		ASSERT_EQ(0, maps_line(res.refusal_pid, res.refusal_id, line, sizeof(line)));
		EXPECT_NE(NULL, strstr(line, name)) TH_LOG("refusal names %s", line);
	}
	for (k = 0; k < 5; k++) {
		EXPECT_EQ(0, kill(ct.m[k], 0)) TH_LOG("member %d", ct.m[k]);
		EXPECT_NE('Z', cryo_stat_field(ct.m[k], 0));
	}
	ASSERT_EQ(8, read_counts(self, c0, 8));
	EXPECT_TRUE(WAIT_FOR(counts_above(self, c0, 8), 30)) TH_LOG("the counters stopped");
	EXPECT_PROBE(4, 3003);

	ASSERT_EQ(0, shmdt(p));
	r = tree_freeze(self->img, self->root, 0, 0, &res);
	EXPECT_EQ(0, r) TH_LOG("freeze: %s, refusal %u id %d pid %d", strerror(-r),
			       res.refusal, res.refusal_id, res.refusal_pid);
	EXPECT_EQ(5, res.nr_processes);
	ASSERT_EQ(8, read_counts(self, c0, 8));
	EXPECT_TRUE(WAIT_FOR(counts_above(self, c0, 8), 30)) TH_LOG("the counters stopped");
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
	EXPECT_NO_BAD(4);
}

/*
 * The segment's key taken when the thaw comes: the thaw fails naming
 * the key, and leaves no process and no segment behind.  Once the key is
 * free again the same image thaws.
 */
TEST_F_TIMEOUT(shm, key_taken, 300)
{
	unsigned long long frozen[8];
	struct cryoctl_thaw_result tres;
	struct shm_image si;
	struct count_tree ct;
	struct shmid_ds ds;
	struct sysv_line sl;
	char hex[16], dec[16];
	int blocker, nr0, nr1, r, k, ia, is, id;

	START_COUNT(&ct, 0);
	FREEZE_KILL(ct.m, 5);
	ASSERT_EQ(0, scan_image(self, &si));
	ASSERT_NE(NULL, image_shm(&si, CRYO_SHM_ANON, &ia));
	ASSERT_NE(NULL, image_shm(&si, CRYO_SHM_SYSV, &is));
	for (k = 0; k < 4; k++) {
		frozen[k] = si.first[ia][k];
		frozen[4 + k] = si.first[is][k];
	}

	/* What outlived the tree goes: another segment takes its key. */
	id = shmget(self->key, 0, 0);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, shmctl(id, IPC_RMID, NULL));
	blocker = shmget(self->key, 4096, IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_LE(0, blocker) TH_LOG("key %#x: %s", self->key, strerror(errno));
	ASSERT_EQ(0, sysv_find(self->key, -1, &sl, &nr0));
	r = tree_thaw_wait(self->img, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
	EXPECT_NE(0, r);
	snprintf(hex, sizeof(hex), "%x", self->key);
	snprintf(dec, sizeof(dec), "%d", self->key);
	EXPECT_TRUE(strcasestr(tres.message, hex) || strstr(tres.message, dec))
		TH_LOG("message: %s", tres.message);
	ASSERT_NE(0, r);
	/* Nothing of it: we have no descendant once we reaped what it left. */
	EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("the failed thaw left processes");
	for (k = 0; k < 5; k++) {
		pid_t pid = ct.m[k];

		EXPECT_NE(0, kill(pid, 0)) TH_LOG("pid %d", pid);
	}
	ASSERT_EQ(0, sysv_find(self->key, -1, &sl, &nr1));
	EXPECT_EQ(nr0, nr1) TH_LOG("the thaw left a segment");
	EXPECT_EQ(blocker, sl.shmid);
	ASSERT_EQ(0, shmctl(blocker, IPC_STAT, &ds));
	EXPECT_EQ(4096, ds.shm_segsz);
	EXPECT_EQ(0, ds.shm_nattch);

	ASSERT_EQ(0, shmctl(blocker, IPC_RMID, NULL));
	THAW();
	EXPECT_EQ(ct.m[0], self->root);
	EXPECT_TRUE(WAIT_FOR(counts_above(self, frozen, 8), 60))
		TH_LOG("the parent does not see the children count on; log: %s",
		       log_text(self));
	EXPECT_PROBE(4, 2002);
	id = shmget(self->key, 0, 0);
	ASSERT_LE(0, id);
	ASSERT_EQ(0, shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(COUNT_SYSV, ds.shm_segsz);
	EXPECT_EQ(5, ds.shm_nattch);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
	EXPECT_NO_BAD(4);
}

/*
 * The image's segment outlived the tree, but its mode changed since: it
 * is not taken back (its key, id and size are anyone's to read, so an
 * image could name another user's segment), nor is its mode set back:
 * EEXIST, the segment as it is.  With its mode as frozen, it is taken
 * back (review 13 shm #1).
 */
TEST_F_TIMEOUT(shm, survivor_changed_not_taken, 300)
{
	struct cryoctl_thaw_result tres;
	struct shm_image si;
	struct count_tree ct;
	struct shmid_ds ds;
	struct sysv_line sl;
	unsigned int mode;
	int r, k, is, id;

	START_COUNT(&ct, 0);
	FREEZE_KILL(ct.m, 5);
	ASSERT_EQ(0, scan_image(self, &si));
	ASSERT_NE(NULL, image_shm(&si, CRYO_SHM_SYSV, &is));
	id = shmget(self->key, 0, 0);
	ASSERT_LE(0, id);
	ASSERT_EQ(si.shm[is].shmid, id);
	ASSERT_EQ(0, shmctl(id, IPC_STAT, &ds));
	mode = ds.shm_perm.mode & 0777;
	ds.shm_perm.mode = mode ^ 0040;
	ASSERT_EQ(0, shmctl(id, IPC_SET, &ds));

	r = tree_thaw_wait(self->img, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
	self->root = 0;
	EXPECT_EQ(-EEXIST, r) TH_LOG("%s", tres.message);
	EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("the failed thaw left processes");
	for (k = 0; k < 5; k++) {
		pid_t pid = ct.m[k];

		EXPECT_NE(0, kill(pid, 0)) TH_LOG("pid %d", pid);
	}
	ASSERT_EQ(0, sysv_find(self->key, -1, &sl, NULL));
	EXPECT_EQ(id, sl.shmid);
	EXPECT_EQ(mode ^ 0040, sl.perms & 0777) TH_LOG("its mode was set back");
	EXPECT_EQ(0, sl.nattch);

	ASSERT_EQ(0, shmctl(id, IPC_STAT, &ds));
	ds.shm_perm.mode = mode;
	ASSERT_EQ(0, shmctl(id, IPC_SET, &ds));
	THAW();
	EXPECT_EQ(ct.m[0], self->root);
	ASSERT_EQ(0, sysv_find(self->key, -1, &sl, NULL));
	EXPECT_EQ(id, sl.shmid) TH_LOG("not taken back");
	EXPECT_EQ(5, sl.nattch);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
	EXPECT_NO_BAD(4);
}

/* ---- POSIX shm ----------------------------------------------------------------------- */

#define POSIX_SIZE	8192

/* Slot @i of the POSIX object, read through its file. */
static unsigned long long posix_word(FIXTURE_DATA(shm) *self, int i)
{
	char path[96];
	uint64_t v = 0;
	int fd;

	snprintf(path, sizeof(path), "/dev/shm%s", self->posix);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &v, 8, i * 8) != 8)
		v = 0;
	close(fd);
	return v;
}

/*
 * A parent and 2 children counting in a POSIX shm object (shm_open, the
 * fd closed: the mappings alone hold it): after the thaw each member maps
 * the same file at the same address again, the counters go on, and a
 * word written to the file by us is seen by both children.
 */
TEST_F_TIMEOUT(shm, posix, 300)
{
	unsigned long long frozen[2];
	char path[96], buf[256];
	struct map before[3], m;
	unsigned long addr;
	struct stat st;
	pid_t pids[3], kids[4];
	uint64_t v = 4004;
	int k, fd;

	snprintf(self->posix, sizeof(self->posix), "/cryo_shm_test.%d", (int)getpid());
	snprintf(path, sizeof(path), "/dev/shm%s", self->posix);
	self->root = spawn(self, "posix", self->posix, NULL);
	ASSERT_LT(0, self->root);
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "ready") && tree_has(self->dir, "counts"), 60))
		TH_LOG("log: %s", log_text(self));
	ASSERT_EQ(4, sscanf(tree_text(self->dir, "ready", buf, sizeof(buf)), "%d %d %d %lx",
			    &pids[0], &pids[1], &pids[2], &addr));
	EXPECT_PROBE(2, 1001);
	ASSERT_EQ(3, tree_descendants(self->root, kids, 4));
	for (k = 0; k < 3; k++)
		ASSERT_EQ(0, map_at(pids[k], addr, &before[k]));
	FREEZE_KILL(pids, 3);

	/* The file is the object: what the members wrote last. */
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(POSIX_SIZE, st.st_size);
	for (k = 0; k < 2; k++) {
		frozen[k] = posix_word(self, k);
		EXPECT_LT(0, frozen[k]);
	}
	unlink(tree_path(self->dir, "counts"));

	THAW();
	EXPECT_EQ(pids[0], self->root);
	EXPECT_TRUE(WAIT_FOR(counts_above(self, frozen, 2), 60))
		TH_LOG("the parent does not see the children count on; log: %s",
		       log_text(self));
	EXPECT_TRUE(WAIT_FOR(posix_word(self, 0) > frozen[0] &&
			     posix_word(self, 1) > frozen[1], 60))
		TH_LOG("the file does not count on");
	EXPECT_PROBE(2, 2002);
	/* A word written to the file: both children see it. */
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(8, pwrite(fd, &v, 8, 16 * 8));
	close(fd);
	EXPECT_TRUE(WAIT_FOR(all_seen(self, 2, v), 60)) TH_LOG("4004 not seen");
	for (k = 0; k < 3; k++) {
		ASSERT_EQ(0, map_at(pids[k], addr, &m)) TH_LOG("member %d", pids[k]);
		EXPECT_EQ(before[k].end, m.end);
		EXPECT_STREQ(before[k].perms, m.perms);
		EXPECT_STREQ(path, m.name);
		EXPECT_EQ(st.st_ino, m.ino);
	}
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
	EXPECT_NO_BAD(2);
}

/* ---- memfds -------------------------------------------------------------------- */

#define RING_SIZE	(3UL << 20)
#define RING_SEALS	(F_SEAL_GROW | F_SEAL_SHRINK)

/* Link and inode of /proc/@pid/fd/@fd; 0 or -1. */
static int fd_of(pid_t pid, int fd, char *link, size_t n, ino_t *ino)
{
	char path[64];
	struct stat st;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	len = readlink(path, link, n - 1);
	if (len < 0 || stat(path, &st))
		return -1;
	link[len] = 0;
	*ino = st.st_ino;
	return 0;
}

/*
 * Three memfds of a parent and its child (shm_target memfd): "cryo-ring"
 * (3 MiB, sparse pages written, sealed against growing and shrinking,
 * mapped shared by both, its offset moved), "cryo-open" (2 pages, no
 * seal, mapped shared by both and privately by the parent, which wrote
 * to its private copy), "cryo-default" (a page, held only, sealed
 * against sealing), and a read-only description of the ring.  Each is
 * one SHM record; after the thaw both members hold and map the same
 * objects (one inode, the same /proc/PID/fd names), the contents and
 * holes are as they were, the seals too and they hold (no ftruncate,
 * no new seal), the read-only description does not write, the offset
 * is kept and shared, the private copy is still the parent's own, and a
 * word the child writes through its mapping the parent reads through its
 * mapping and its fd.
 */
TEST_F_TIMEOUT(shm, memfd, 300)
{
	unsigned long ring, open_, priv, nw, hw;
	const struct cryo_image_shm *o;
	struct shm_image si;
	struct map m, mc;
	char buf[256], link[128], link1[128], v1[256], pd[256];
	int i, ir = -1, io = -1, id = -1;
	ino_t ino[2][4];
	pid_t pids[2];

	self->root = spawn(self, "memfd", NULL, NULL);
	ASSERT_LT(0, self->root);
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "ready"), 120)) TH_LOG("log: %s", log_text(self));
	ASSERT_EQ(7, sscanf(tree_text(self->dir, "ready", buf, sizeof(buf)),
			    "%d %d %lx %lx %lx %lu %lu", &pids[0], &pids[1], &ring,
			    &open_, &priv, &nw, &hw));
	EXPECT_EQ(0, hw) TH_LOG("SEEK_DATA does not tell the pages written");
	FREEZE_KILL(pids, 2);

	ASSERT_EQ(0, scan_image(self, &si));
	EXPECT_EQ(0, si.bad);
	ASSERT_EQ(3, si.nr_shm);
	for (i = 0; i < si.nr_shm; i++) {
		o = &si.shm[i];
		EXPECT_EQ(CRYO_SHM_MEMFD, o->kind);
		if (o->size == RING_SIZE)
			ir = i;
		else if (o->size == 2 * PAGE)
			io = i;
		else if (o->size == PAGE)
			id = i;
	}
	ASSERT_LE(0, ir);
	ASSERT_LE(0, io);
	ASSERT_LE(0, id);
	EXPECT_EQ(RING_SEALS, si.shm[ir].seals);
	EXPECT_EQ(strlen("cryo-ring"), si.shm[ir].name_len);
	EXPECT_EQ(0, si.shm[io].seals);
	EXPECT_EQ(F_SEAL_SEAL, si.shm[id].seals);
	EXPECT_EQ(0777, si.shm[ir].mode);
	/* The pages that exist, once; the held-only one is no mapping. */
	EXPECT_EQ(nw, si.pages[ir]);
	EXPECT_EQ(2, si.pages[io]);
	EXPECT_EQ(1, si.pages[id]);
	EXPECT_EQ(2, si.vmas[ir]);
	EXPECT_EQ(3, si.vmas[io]);
	EXPECT_EQ(0, si.vmas[id]);

	THAW();
	EXPECT_EQ(pids[0], self->root);
	/* The mappings, of one object each, as they were. */
	ASSERT_EQ(0, map_at(pids[0], ring, &m));
	ASSERT_EQ(0, map_at(pids[1], ring, &mc));
	EXPECT_EQ(m.ino, mc.ino);
	EXPECT_STREQ("rw-s", m.perms);
	EXPECT_STREQ("rw-s", mc.perms);
	EXPECT_STREQ("/memfd:cryo-ring (deleted)", m.name);
	EXPECT_EQ(ring + RING_SIZE, m.end);
	ASSERT_EQ(0, map_at(pids[0], open_, &m));
	ASSERT_EQ(0, map_at(pids[0], priv, &mc));
	EXPECT_EQ(m.ino, mc.ino);
	EXPECT_STREQ("rw-p", mc.perms);
	EXPECT_STREQ("/memfd:cryo-open (deleted)", mc.name);
	/* The fds: the same names and inodes in both members. */
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, fd_of(pids[0], 10 + i, link, sizeof(link), &ino[0][i]))
			TH_LOG("fd %d", 10 + i);
		ASSERT_EQ(0, fd_of(pids[1], 10 + i, link1, sizeof(link1), &ino[1][i]))
			TH_LOG("fd %d", 10 + i);
		EXPECT_STREQ(link, link1) TH_LOG("fd %d", 10 + i);
		EXPECT_EQ(ino[0][i], ino[1][i]) TH_LOG("fd %d", 10 + i);
	}
	EXPECT_EQ(ino[0][0], ino[0][3]);
	EXPECT_NE(ino[0][0], ino[0][1]);
	EXPECT_EQ(m.ino, ino[0][1]);
	ASSERT_EQ(0, fd_of(pids[0], 12, link, sizeof(link), &ino[0][2]));
	EXPECT_STREQ("/memfd:cryo-default (deleted)", link);

	/* What the members see themselves. */
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "go"), "", 0));
	EXPECT_TRUE(WAIT_FOR(tree_has(self->dir, "pdone"), 120))
		TH_LOG("the members did not end their checks; log: %s", log_text(self));
	EXPECT_STREQ("ok\n", tree_text(self->dir, "verify.0", buf, sizeof(buf)));
	tree_text(self->dir, "verify.1", v1, sizeof(v1));
	tree_text(self->dir, "pdone", pd, sizeof(pd));
	EXPECT_EQ(0, strncmp(v1, "ok\n", 3)) TH_LOG("child: %s", v1);
	EXPECT_EQ(0, strncmp(pd, "ok\n", 3)) TH_LOG("parent: %s", pd);
	/* The inodes each member fstat()s, the same. */
	EXPECT_STREQ(strchr(v1, '\n'), strchr(pd, '\n'));

	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
}

/*
 * A memfd of hugetlbfs (MFD_HUGETLB) or of memfd_secret(2) is refused by
 * name, naming the fd, before anything is touched: the target runs on.
 * Skipped for a kind the kernel does not make.
 */
TEST_F_TIMEOUT(shm, memfd_refused, 300)
{
	static const char *const modes[] = { "memfd-huge", "memfd-secret" };
	struct cryoctl_freeze_result res;
	char buf[128];
	unsigned int k;
	int r;

	for (k = 0; k < ARRAY_SIZE(modes); k++) {
		unlink(tree_path(self->dir, "ready"));
		unlink(tree_path(self->dir, "stop"));
		self->root = spawn(self, modes[k], NULL, NULL);
		ASSERT_LT(0, self->root);
		ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "ready") ||
				     tree_has(self->dir, "skip"), 60))
			TH_LOG("%s: log: %s", modes[k], log_text(self));
		if (tree_has(self->dir, "skip")) {
			TH_LOG("%s: not made by this kernel: %s", modes[k],
			       tree_text(self->dir, "skip", buf, sizeof(buf)));
			unlink(tree_path(self->dir, "skip"));
			EXPECT_ROOT_END(CRYO_EXITED(0), 60);
			continue;
		}
		r = tree_freeze(self->img, self->root, CRYO_FREEZE_KILL, 0, &res);
		EXPECT_EQ(-EOPNOTSUPP, r) TH_LOG("%s", modes[k]);
		EXPECT_EQ(CRYO_REFUSAL_MEMFD_FD, res.refusal) TH_LOG("%s", modes[k]);
		EXPECT_EQ(10, res.refusal_id);
		EXPECT_EQ(self->root, res.refusal_pid);
		EXPECT_EQ(0, res.bytes);
		EXPECT_EQ(0, kill(self->root, 0)) TH_LOG("%s: not running", modes[k]);
		ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
		EXPECT_ROOT_END(CRYO_EXITED(0), 60);
	}
}

/*
 * A memfd of the tree that we (no member) hold too -- another
 * description of it, opened through /proc/PID/fd, or the members' own
 * description, taken with pidfd_getfd() -- is refused, naming the
 * member's fd, before anything is killed.  Once we let go, the freeze is
 * made.
 */
TEST_F_TIMEOUT(shm, memfd_outside, 300)
{
	struct cryoctl_freeze_result res;
	char path[64], buf[256];
	int k, r, fd, pidfd;
	pid_t pids[2];

	self->root = spawn(self, "memfd", NULL, NULL);
	ASSERT_LT(0, self->root);
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "ready"), 120)) TH_LOG("log: %s", log_text(self));
	ASSERT_EQ(2, sscanf(tree_text(self->dir, "ready", buf, sizeof(buf)), "%d %d",
			    &pids[0], &pids[1]));
	pidfd = syscall(SYS_pidfd_open, self->root, 0);
	ASSERT_LE(0, pidfd) TH_LOG("pidfd_open: %s", strerror(errno));
	for (k = 0; k < 2; k++) {
		if (!k) {
			snprintf(path, sizeof(path), "/proc/%d/fd/11", self->root);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		} else {
			fd = syscall(SYS_pidfd_getfd, pidfd, 12, 0);
		}
		ASSERT_LE(0, fd) TH_LOG("%d: %s", k, strerror(errno));
		r = tree_freeze(self->img, self->root, CRYO_FREEZE_KILL, 0, &res);
		EXPECT_EQ(-EOPNOTSUPP, r) TH_LOG("%d", k);
		EXPECT_EQ(CRYO_REFUSAL_MEMFD_OUTSIDE, res.refusal) TH_LOG("%d", k);
		EXPECT_EQ(k ? 12 : 11, res.refusal_id);
		EXPECT_EQ(self->root, res.refusal_pid);
		EXPECT_EQ(0, res.bytes);
		EXPECT_EQ(0, kill(pids[0], 0));
		EXPECT_EQ(0, kill(pids[1], 0));
		close(fd);
	}
	close(pidfd);
	r = tree_freeze(self->img, self->root, 0, 0, &res);
	EXPECT_EQ(0, r) TH_LOG("freeze: %s, refusal %u id %d pid %d", strerror(-r),
			       res.refusal, res.refusal_id, res.refusal_pid);
	EXPECT_EQ(2, res.nr_processes);
	/* Untouched: the members check their memfds as after a thaw. */
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "go"), "", 0));
	EXPECT_TRUE(WAIT_FOR(tree_has(self->dir, "pdone"), 120))
		TH_LOG("the members did not end their checks; log: %s", log_text(self));
	EXPECT_STREQ("ok\n", tree_text(self->dir, "verify.0", buf, sizeof(buf)));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
}

/* ---- untrusted records ------------------------------------------------------------ */

/*
 * One field of the first record of @type (a VMA: the first naming an
 * object; a FILE: the first of a memfd).
 */
struct shm_patch {
	uint32_t type;
	size_t off;
	int width;
	uint64_t val;
	const char *what;
	int err;		/* the thaw's errno; 0: any */
	int sysv;		/* a SHM: the first of a System V segment */
};

static const struct shm_patch shm_patches[] = {
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, kind), 4, 7, "SHM kind 7", EBADMSG, 0 },
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, id), 4, 9, "SHM id out of order", EBADMSG, 0 },
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, owner), 4, 99,
	  "SHM owner past the tree", EBADMSG, 0 },
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, size), 8, 0, "SHM size 0", EBADMSG, 0 },
	/* A segment's size the library asks shmget(2) for: any refusal. */
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, size), 8, 1ULL << 62,
	  "SHM size 2^62", 0, 0 },
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, flags), 4, 0x80, "SHM unknown flag", EBADMSG, 0 },
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, mode), 4, 01777,
	  "SHM mode beyond 0777", EBADMSG, 0 },
	/*
	 * IPC_RMID makes a key IPC_PRIVATE; with its key, the library's
	 * removal of it would hit whoever holds that key now.
	 */
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, flags), 4, CRYO_SHM_REMOVED,
	  "SHM removed with a key", EBADMSG, 1 },
	{ CRYO_REC_VMA, offsetof(struct cryo_image_vma, shm), 4, 99, "VMA naming no SHM", EBADMSG, 0 },
	{ CRYO_REC_SHM_PAGES, offsetof(struct cryo_image_shm_pages, shm), 4, 99,
	  "SHM_PAGES of no SHM", EBADMSG, 0 },
	{ CRYO_REC_SHM_PAGES, offsetof(struct cryo_image_shm_pages, pgoff), 8, ~0ULL - 1,
	  "SHM_PAGES offset near 2^64", EBADMSG, 0 },
	{ CRYO_REC_SHM_PAGES, offsetof(struct cryo_image_shm_pages, pgoff), 8, 1ULL << 40,
	  "SHM_PAGES past the object", EBADMSG, 0 },
};

/*
 * The first record of @arg's type: a VMA of a segment, a FILE of a memfd,
 * a SHM of a System V segment when the patch says so.
 */
static bool shm_match(const struct cryo_rec *r, const unsigned char *pl,
		      const void *arg)
{
	const struct shm_patch *p = arg;
	struct cryo_image_file f;
	struct cryo_image_shm sh;
	struct cryo_image_vma v;

	if (r->type != p->type)
		return false;
	if (r->type == CRYO_REC_VMA) {
		if (r->len < sizeof(v))
			return false;
		memcpy(&v, pl, sizeof(v));
		return v.shm;
	}
	if (r->type == CRYO_REC_FILE) {
		if (r->len < sizeof(f))
			return false;
		memcpy(&f, pl, sizeof(f));
		return f.kind == CRYO_FILE_MEMFD;
	}
	if (r->type == CRYO_REC_SHM && p->sysv) {
		if (r->len < sizeof(sh))
			return false;
		memcpy(&sh, pl, sizeof(sh));
		return sh.kind == CRYO_SHM_SYSV;
	}
	return true;
}

/* self->img with @p applied (checksum made right) into @out; 0 or -1. */
static int write_patched(FIXTURE_DATA(shm) *self, const struct shm_patch *p,
			 const char *out)
{
	return cryo_image_patch(self->img, out, shm_match, p, p->off, p->width,
				p->val);
}

/*
 * An image's SHM, SHM_PAGES and VMA.shm fields are untrusted: each bad
 * value fails the thaw (EBADMSG), before its point of no return or after
 * it, and leaves nothing: no process, no segment made, the image's own
 * segment (which outlived the tree) as it was.  Then the image as it was
 * thaws, and counts on.
 */
TEST_F_TIMEOUT(shm, bad_records, 600)
{
	unsigned long long frozen[8];
	char bad[sizeof(self->img)];
	struct cryoctl_thaw_result tres;
	struct shm_image si;
	struct count_tree ct;
	struct sysv_line sl;
	int nr0, nr1, r, k, ia, is;
	size_t i;

	START_COUNT(&ct, 0);
	FREEZE_KILL(ct.m, 5);
	ASSERT_EQ(0, scan_image(self, &si));
	ASSERT_NE(NULL, image_shm(&si, CRYO_SHM_ANON, &ia));
	ASSERT_NE(NULL, image_shm(&si, CRYO_SHM_SYSV, &is));
	for (k = 0; k < 4; k++) {
		frozen[k] = si.first[ia][k];
		frozen[4 + k] = si.first[is][k];
	}
	ASSERT_EQ(0, sysv_find(self->key, -1, &sl, &nr0));
	EXPECT_EQ(si.shm[is].shmid, sl.shmid);

	ASSERT_GT(sizeof(bad), strlen(self->img) + 4);
	memcpy(bad, self->img, strlen(self->img));
	memcpy(bad + strlen(self->img), ".bad", 5);
	for (i = 0; i < ARRAY_SIZE(shm_patches); i++) {
		const struct shm_patch *p = &shm_patches[i];

		ASSERT_EQ(0, write_patched(self, p, bad)) TH_LOG("%s: no such record", p->what);
		r = tree_thaw_wait(bad, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
		self->root = 0;
		if (p->err) {
			EXPECT_EQ(-p->err, r) TH_LOG("%s: %s (%s)", p->what, strerror(-r),
						     tres.message);
		} else {
			EXPECT_GT(0, r) TH_LOG("%s: thawed", p->what);
		}
		EXPECT_NE(0, tres.message[0]) TH_LOG("%s: no message", p->what);
		EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("%s: processes left", p->what);
		for (k = 0; k < 5; k++) {
			pid_t pid = ct.m[k];

			EXPECT_NE(0, kill(pid, 0)) TH_LOG("%s: pid %d", p->what, pid);
		}
		ASSERT_EQ(0, sysv_find(self->key, -1, &sl, &nr1)) TH_LOG("%s", p->what);
		EXPECT_EQ(nr0, nr1) TH_LOG("%s: segments made or lost", p->what);
		EXPECT_EQ(si.shm[is].shmid, sl.shmid) TH_LOG("%s", p->what);
		EXPECT_EQ(0, sl.nattch) TH_LOG("%s", p->what);
	}
	unlink(bad);

	THAW();
	EXPECT_EQ(ct.m[0], self->root);
	EXPECT_TRUE(WAIT_FOR(counts_above(self, frozen, 8), 60))
		TH_LOG("the parent does not see the children count on; log: %s",
		       log_text(self));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
	EXPECT_NO_BAD(4);
}

/*
 * A memfd's SHM fields (seals, name, kind, attributes of other kinds, a
 * write seal on an object with a writable shared mapping) and its
 * description's object are untrusted too: each bad value fails the thaw
 * (EBADMSG) and leaves nothing.  Then the image as it was thaws.
 */
static const struct shm_patch memfd_patches[] = {
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, seals), 4, 0x40,
	  "memfd unknown seal", EBADMSG, 0 },
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, seals), 4, F_SEAL_WRITE,
	  "memfd sealed against writes, mapped writable", EBADMSG, 0 },
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, name_len), 4, 250,
	  "memfd name of 250 bytes", EBADMSG, 0 },
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, name_len), 4, 1,
	  "memfd name_len short of its record", EBADMSG, 0 },
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, kind), 4, 3, "SHM kind 3", EBADMSG, 0 },
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, key), 4, 0x1234,
	  "memfd with a key", EBADMSG, 0 },
	/* Past MAX_LFS_FILESIZE (2^62 is a size ftruncate(2) gives). */
	{ CRYO_REC_SHM, offsetof(struct cryo_image_shm, size), 8, 1ULL << 63,
	  "memfd of 2^63 bytes", EBADMSG, 0 },
	{ CRYO_REC_FILE, offsetof(struct cryo_image_file, shm), 8, 99,
	  "memfd FILE naming no object", EBADMSG, 0 },
	{ CRYO_REC_FILE, offsetof(struct cryo_image_file, shm), 8, 0,
	  "memfd FILE naming none", EBADMSG, 0 },
};

TEST_F_TIMEOUT(shm, memfd_bad_records, 600)
{
	char bad[sizeof(self->img)], buf[256];
	struct cryoctl_thaw_result tres;
	pid_t pids[2];
	size_t i;
	int r;

	self->root = spawn(self, "memfd", NULL, NULL);
	ASSERT_LT(0, self->root);
	ASSERT_TRUE(WAIT_FOR(tree_has(self->dir, "ready"), 120)) TH_LOG("log: %s", log_text(self));
	ASSERT_EQ(2, sscanf(tree_text(self->dir, "ready", buf, sizeof(buf)), "%d %d",
			    &pids[0], &pids[1]));
	FREEZE_KILL(pids, 2);

	ASSERT_GT(sizeof(bad), strlen(self->img) + 4);
	memcpy(bad, self->img, strlen(self->img));
	memcpy(bad + strlen(self->img), ".bad", 5);
	for (i = 0; i < ARRAY_SIZE(memfd_patches); i++) {
		const struct shm_patch *p = &memfd_patches[i];

		ASSERT_EQ(0, write_patched(self, p, bad)) TH_LOG("%s: no such record", p->what);
		r = tree_thaw_wait(bad, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
		self->root = 0;
		EXPECT_EQ(-p->err, r) TH_LOG("%s: %s (%s)", p->what, strerror(-r), tres.message);
		EXPECT_NE(0, tres.message[0]) TH_LOG("%s: no message", p->what);
		EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("%s: processes left", p->what);
		EXPECT_NE(0, kill(pids[0], 0)) TH_LOG("%s", p->what);
		EXPECT_NE(0, kill(pids[1], 0)) TH_LOG("%s", p->what);
	}
	unlink(bad);

	THAW();
	EXPECT_EQ(pids[0], self->root);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "go"), "", 0));
	EXPECT_TRUE(WAIT_FOR(tree_has(self->dir, "pdone"), 120))
		TH_LOG("the members did not end their checks; log: %s", log_text(self));
	EXPECT_STREQ("ok\n", tree_text(self->dir, "verify.0", buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(tree_text(self->dir, "pdone", buf, sizeof(buf)), "ok\n", 3))
		TH_LOG("parent: %s", buf);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_ROOT_END(CRYO_EXITED(0), 60);
}

TEST_HARNESS_MAIN
