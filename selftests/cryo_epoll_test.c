// SPDX-License-Identifier: GPL-2.0
/*
 * epoll across a freeze (issue 13, item 2): the interest list of every
 * epoll of a tree is saved (EPOLL_ITEM records) with each item's fd
 * number, event mask and data, epolls in epolls included and an epoll
 * shared by a parent and its child once; an item whose fd number no
 * longer holds its file is refused by name; a malformed EPOLL_ITEM fails
 * a thaw with EBADMSG, before anything runs.
 *
 * The target is selftests/progs/epoll_target (see there for its fds).
 * A thaw makes each epoll again and adds its items at their fd numbers
 * (thaw_items, thaw_loop: the items read back from /proc and how they
 * behave).
 *
 * CRYO_EPOLL_ONLY="items,refused" runs only those tests.
 */
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "cryo_tree.h"

FIXTURE(epoll) {
	char dir[64];
	char img[96];
	char log[96];
	pid_t root;
	pid_t child;
};

FIXTURE_SETUP(epoll)
{
	self->root = 0;
	self->dir[0] = 0;
	if (!cryo_selected("CRYO_EPOLL_ONLY", _metadata->name))
		CRYO_SETUP_SKIP("not in CRYO_EPOLL_ONLY");
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	snprintf(self->dir, sizeof(self->dir), "/tmp/cryo_epoll.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	snprintf(self->img, sizeof(self->img), "%s/image", self->dir);
	snprintf(self->log, sizeof(self->log), "%s/log.err", self->dir);
}

FIXTURE_TEARDOWN(epoll)
{
	tree_kill_descendants();
	if (self->dir[0])
		cryo_rm_rf(self->dir);
}

static const char *log_text(FIXTURE_DATA(epoll) *self)
{
	static char buf[2048];

	return tree_text(self->dir, "log.err", buf, sizeof(buf));
}

/* Start epoll_target in @mode; 0 once parent and child are ready. */
static int start_target(FIXTURE_DATA(epoll) *self, const char *mode)
{
	const char *argv[] = { cryo_prog("epoll_target"), self->dir, mode, NULL };
	char buf[32];

	self->root = tree_spawn(self->dir, self->log, argv, -1);
	if (self->root < 0)
		return -1;
	if (!WAIT_FOR(tree_has(self->dir, "ready"), 30))
		return -1;
	self->child = atoi(tree_text(self->dir, "child.ready", buf, sizeof(buf)));
	return self->child > 0 ? 0 : -1;
}

/* Freeze --kill the target; both gone. */
#define FREEZE_KILL() do {						\
		struct cryoctl_freeze_result __res;			\
		pid_t __pids[2] = { self->root, self->child };		\
		char __why[256];					\
		int __r = tree_freeze(self->img, self->root,		\
				      CRYO_FREEZE_KILL, 0, &__res);	\
									\
		ASSERT_EQ(0, __r) TH_LOG("freeze: %s, refusal %u id %d pid %d", \
					 strerror(-__r), __res.refusal,	\
					 __res.refusal_id, __res.refusal_pid); \
		ASSERT_EQ(0, tree_reap_killed(&self->root, __pids, 2,	\
					      __why, sizeof(__why)))	\
			TH_LOG("%s", __why);				\
	} while (0)

/* What the image says of the files, fds and items of each section. */
struct seen {
	struct cryo_image_file files[64];	/* by id - 1 */
	unsigned int nr_files;
	struct { uint32_t fd, id; } fds[2][64];	/* by section */
	unsigned int nr_fds[2];
	struct cryo_image_epoll_item items[2][16];
	unsigned int nr_items[2];
};

static int read_image(const char *path, struct seen *s)
{
	size_t len, off = 0;
	unsigned char *img = cryo_slurp(path, &len);
	int sec = -1;
	struct cryo_rec r;

	memset(s, 0, sizeof(*s));
	if (!img)
		return -1;
	while (off + sizeof(r) <= len) {
		const unsigned char *p = img + off + sizeof(r);

		memcpy(&r, img + off, sizeof(r));
		if (off + sizeof(r) + r.len > len)
			break;
		if (r.type == CRYO_REC_PROCESS && sec < 1)
			sec++;
		if (r.type == CRYO_REC_FILE && s->nr_files < 64)
			memcpy(&s->files[s->nr_files++], p, sizeof(s->files[0]));
		if (r.type == CRYO_REC_FD && sec >= 0 && s->nr_fds[sec] < 64) {
			struct cryo_image_fd fd;

			memcpy(&fd, p, sizeof(fd));
			s->fds[sec][s->nr_fds[sec]].fd = fd.fd;
			s->fds[sec][s->nr_fds[sec]++].id = fd.file_id;
		}
		if (r.type == CRYO_REC_EPOLL_ITEM && sec >= 0 &&
		    s->nr_items[sec] < 16 && r.len == sizeof(s->items[0][0]))
			memcpy(&s->items[sec][s->nr_items[sec]++], p, r.len);
		off += sizeof(r) + r.len;
	}
	free(img);
	return 0;
}

/* The FILE id of fd @fd in section @sec, 0 for none. */
static uint32_t id_of(const struct seen *s, int sec, uint32_t fd)
{
	unsigned int i;

	for (i = 0; i < s->nr_fds[sec]; i++)
		if (s->fds[sec][i].fd == fd)
			return s->fds[sec][i].id;
	return 0;
}

/* The item of epoll fd @ep on fd @tfd, of section 0, or NULL. */
static const struct cryo_image_epoll_item *item(const struct seen *s,
						int ep, uint32_t tfd)
{
	unsigned int i;

	for (i = 0; i < s->nr_items[0]; i++)
		if (s->items[0][i].epoll_id == id_of(s, 0, ep) &&
		    s->items[0][i].tfd == tfd)
			return &s->items[0][i];
	return NULL;
}

#define EXPECT_ITEM(s_, ep_, tfd_, ev_, data_) do {			\
		const struct cryo_image_epoll_item *__it = item((s_), (ep_), (tfd_)); \
									\
		ASSERT_NE(NULL, __it) TH_LOG("no item of epoll fd %d on fd %d", \
					     (ep_), (tfd_));		\
		EXPECT_EQ((uint32_t)(ev_), __it->events)		\
			TH_LOG("epoll fd %d, fd %d", (ep_), (tfd_));	\
		EXPECT_EQ((uint64_t)(data_), __it->data);		\
		EXPECT_EQ(id_of((s_), 0, (tfd_)), __it->target_id);	\
	} while (0)

/*
 * Every item of every epoll, in the parent's section (the first to
 * hold them), once: the child that shares them by fork has none; each
 * names its target by the fd number and FILE the program added it with,
 * with its mask as the kernel holds it (EPOLLERR | EPOLLHUP added, the
 * fired ONESHOT item down to its private bit) and its data.
 */
TEST_F_TIMEOUT(epoll, items, 300)
{
	struct seen s;
	uint32_t errhup = EPOLLERR | EPOLLHUP;
	int i;

	ASSERT_EQ(0, start_target(self, "open")) TH_LOG("log: %s", log_text(self));
	FREEZE_KILL();
	ASSERT_EQ(0, read_image(self->img, &s));
	for (i = 10; i <= 12; i++) {
		uint32_t id = id_of(&s, 0, i);

		ASSERT_NE(0, id) TH_LOG("no fd %d", i);
		EXPECT_EQ(CRYO_FILE_EPOLL, s.files[id - 1].kind) TH_LOG("fd %d", i);
		EXPECT_EQ(0, s.files[id - 1].flags & CRYO_FILE_LOST);
		/* The child shares the description (fork). */
		EXPECT_EQ(id, id_of(&s, 1, i));
	}
	EXPECT_EQ(6, s.nr_items[0]);
	EXPECT_EQ(0, s.nr_items[1]);
	EXPECT_ITEM(&s, 10, 3, EPOLLIN | EPOLLET | errhup, 0x1111);
	EXPECT_ITEM(&s, 10, 6, EPOLLIN | errhup, 0x2222);
	EXPECT_ITEM(&s, 10, 4, EPOLLONESHOT, 0x3333);
	EXPECT_ITEM(&s, 10, 11, EPOLLIN | errhup, 0x5555);
	EXPECT_ITEM(&s, 11, 5, EPOLLIN | errhup, 0x4444);
	EXPECT_ITEM(&s, 12, 3, EPOLLIN | EPOLLEXCLUSIVE | errhup, 0x6666);
}

/*
 * fd 3 moved to fd 20 while epolls still watch it keyed by 3: refused,
 * naming the parent, the first epoll (fd 10) and the number 3; the tree
 * runs on.  With --accept-loss both epolls watching it are saved lost,
 * without items, and the third (fd 11) whole.
 */
TEST_F_TIMEOUT(epoll, refused, 300)
{
	struct cryoctl_freeze_result res;
	struct seen s;
	int r;

	ASSERT_EQ(0, start_target(self, "closed")) TH_LOG("log: %s", log_text(self));
	r = tree_freeze(self->img, self->root, 0, 0, &res);
	EXPECT_EQ(-EOPNOTSUPP, r);
	EXPECT_EQ(CRYO_REFUSAL_EPOLL_TARGET, res.refusal);
	EXPECT_EQ(10, res.refusal_id);
	EXPECT_EQ(3, res.bad_fd);
	EXPECT_EQ(self->root, res.refusal_pid);
	/* Resumed untouched. */
	EXPECT_EQ(0, kill(self->root, 0));

	r = tree_freeze(self->img, self->root, CRYO_FREEZE_ACCEPT_LOSS, 0, &res);
	ASSERT_EQ(0, r) TH_LOG("freeze: %s", strerror(-r));
	ASSERT_EQ(0, read_image(self->img, &s));
	EXPECT_NE(0, s.files[id_of(&s, 0, 10) - 1].flags & CRYO_FILE_LOST);
	EXPECT_NE(0, s.files[id_of(&s, 0, 12) - 1].flags & CRYO_FILE_LOST);
	EXPECT_EQ(0, s.files[id_of(&s, 0, 11) - 1].flags & CRYO_FILE_LOST);
	EXPECT_EQ(1, s.nr_items[0]);
	EXPECT_ITEM(&s, 11, 5, EPOLLIN | EPOLLERR | EPOLLHUP, 0x4444);

	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_TREE_ROOT_END(self->root, self->dir, CRYO_EXITED(0), 60);
}

/* ---- the thaw ---------------------------------------------------------- */

static bool alone(void)
{
	pid_t pids[8];

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return tree_descendants(getpid(), pids, 8) == 1;
}

/* One field of the EPOLL_ITEM on fd @tfd. */
struct item_patch {
	uint32_t tfd;
	size_t off;
	uint32_t val;
	const char *what;
};

static const struct item_patch item_patches[] = {
	{ 6, offsetof(struct cryo_image_epoll_item, epoll_id), 999,
	  "an epoll that is no FILE" },
	{ 6, offsetof(struct cryo_image_epoll_item, epoll_id), 1,
	  "a FILE that is no epoll" },
	{ 6, offsetof(struct cryo_image_epoll_item, target_id), 999,
	  "a target that is no FILE" },
	{ 6, offsetof(struct cryo_image_epoll_item, tfd), 4,
	  "a tfd holding another file" },
	{ 6, offsetof(struct cryo_image_epoll_item, tfd), 999,
	  "a tfd that is not open" },
	{ 6, offsetof(struct cryo_image_epoll_item, events), 0x08000019,
	  "an unknown event bit" },
	{ 6, offsetof(struct cryo_image_epoll_item, events), EPOLLIN,
	  "no EPOLLERR, EPOLLHUP" },
	{ 4, offsetof(struct cryo_image_epoll_item, events), EPOLLET,
	  "no event and not ONESHOT" },
	{ 3, offsetof(struct cryo_image_epoll_item, events),
	  EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLEXCLUSIVE | EPOLLONESHOT,
	  "EXCLUSIVE with ONESHOT" },
	{ 5, offsetof(struct cryo_image_epoll_item, target_id), 0,
	  "target 0" },
};

/*
 * self->img with @p applied to the first matching item (its checksum
 * made right) into @out; 0 or -1.
 */
static int write_patched(FIXTURE_DATA(epoll) *self, const struct item_patch *p,
			 const char *out)
{
	size_t len, off = 0;
	unsigned char *img = cryo_slurp(self->img, &len);
	struct cryo_image_epoll_item e;
	struct cryo_rec r;
	int ret = -1;

	if (!img)
		return -1;
	while (off + sizeof(r) <= len && ret) {
		unsigned char *pl = img + off + sizeof(r);

		memcpy(&r, img + off, sizeof(r));
		if (r.type == CRYO_REC_EPOLL_ITEM && r.len == sizeof(e)) {
			memcpy(&e, pl, sizeof(e));
			if (e.tfd == p->tfd) {
				memcpy(pl + p->off, &p->val, sizeof(p->val));
				r.crc = cryoctl_record_crc(&r, pl);
				memcpy(img + off, &r, sizeof(r));
				ret = cryo_write_file(out, img, len);
			}
		}
		off += sizeof(r) + r.len;
	}
	free(img);
	return ret;
}

/*
 * Each bad EPOLL_ITEM field fails the thaw with EBADMSG, with a message
 * and no process left.  (&cryo_image_epoll_item.data may hold anything.)
 */
TEST_F_TIMEOUT(epoll, bad_records, 300)
{
	char bad[sizeof(self->img) + 8];
	struct cryoctl_thaw_result tres;
	size_t i;
	int r;

	ASSERT_EQ(0, start_target(self, "open")) TH_LOG("log: %s", log_text(self));
	FREEZE_KILL();
	snprintf(bad, sizeof(bad), "%s.bad", self->img);
	for (i = 0; i < ARRAY_SIZE(item_patches); i++) {
		const struct item_patch *ip = &item_patches[i];

		ASSERT_EQ(0, write_patched(self, ip, bad)) TH_LOG("%s: no such record", ip->what);
		r = tree_thaw_wait(bad, &self->root, CRYOCTL_THAW_SAME_PID, &tres);
		self->root = 0;
		EXPECT_EQ(-EBADMSG, r) TH_LOG("%s: %s (%s)", ip->what, strerror(-r),
					      tres.message);
		EXPECT_NE(NULL, strstr(tres.message, "EPOLL_ITEM"))
			TH_LOG("%s: %s", ip->what, tres.message);
		EXPECT_TRUE(WAIT_FOR(alone(), 10)) TH_LOG("%s: processes left", ip->what);
	}
	unlink(bad);
}

/*
 * The "tfd:" lines of /proc/@pid/fdinfo/@fd as "tfd events data" strings,
 * sorted, into @out (one per line); an EPOLLONESHOT item that fired (only
 * its private bits left) counted with EPOLLERR | EPOLLHUP, as a thaw
 * adds it back (see Documentation/thaw.rst).  Return: the number, -1.
 */
static int items_of(pid_t pid, int fd, char *out, size_t size)
{
	char path[64], line[256], items[32][64];
	unsigned long long data;
	unsigned int events;
	int n = 0, tfd, i, j;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (n < 32 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "tfd: %d events: %x data: %llx", &tfd, &events,
			   &data) != 3)
			continue;
		if (!(events & ~0xf0000000U))
			events |= EPOLLERR | EPOLLHUP;
		snprintf(items[n++], sizeof(items[0]), "%d %x %llx", tfd, events, data);
	}
	fclose(f);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
			char t[64];

			memcpy(t, items[j], sizeof(t));
			memcpy(items[j], items[j - 1], sizeof(t));
			memcpy(items[j - 1], t, sizeof(t));
		}
	out[0] = 0;
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s\n", items[i]);
	return n;
}

/*
 * Freeze, kill, thaw: each epoll holds the same items (fd number, mask,
 * data) as /proc shows them, and they behave so: each fires with its
 * data, is found by its fd number (ADD says EEXIST, MOD re-arms the
 * fired ONESHOT item, DEL removes), epolls in epolls propagate, and the
 * child shares the parent's epolls (epoll_target's check_open()).
 */
TEST_F_TIMEOUT(epoll, thaw_items, 300)
{
	static const int eps[] = { 10, 11, 12 };
	char before[3][1024], after[1024];
	unsigned int i;

	ASSERT_EQ(0, start_target(self, "open")) TH_LOG("log: %s", log_text(self));
	for (i = 0; i < ARRAY_SIZE(eps); i++)
		ASSERT_LT(0, items_of(self->root, eps[i], before[i], sizeof(before[i])));
	FREEZE_KILL();
	ASSERT_TREE_THAW(self->img, self->root, CRYOCTL_THAW_SAME_PID);
	for (i = 0; i < ARRAY_SIZE(eps); i++) {
		EXPECT_LT(0, items_of(self->root, eps[i], after, sizeof(after)));
		EXPECT_STREQ(before[i], after) TH_LOG("epoll fd %d", eps[i]);
	}
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "check"), "", 0));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_TREE_ROOT_END(self->root, self->dir, CRYO_EXITED(0), 60);
	EXPECT_TRUE(tree_has(self->dir, "checked"));
}

/*
 * The event loop: an epoll over a pipe, an eventfd, a timerfd
 * and a signalfd, the timer's ticks pending at the freeze.  After the
 * thaw the ticks are read first, then each source fires once with its
 * own data, and the timer keeps its period (epoll_target's check_loop()).
 */
TEST_F_TIMEOUT(epoll, thaw_loop, 300)
{
	ASSERT_EQ(0, start_target(self, "loop")) TH_LOG("log: %s", log_text(self));
	FREEZE_KILL();
	ASSERT_TREE_THAW(self->img, self->root, CRYOCTL_THAW_SAME_PID);
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "check"), "", 0));
	ASSERT_EQ(0, cryo_write_file(tree_path(self->dir, "stop"), "", 0));
	EXPECT_TREE_ROOT_END(self->root, self->dir, CRYO_EXITED(0), 60);
	EXPECT_TRUE(tree_has(self->dir, "checked"));
}

/* The two calls of the epoll thaw, with no thaw on the session: ENOENT. */
TEST_F(epoll, calls_without_thaw)
{
	struct cryo_thaw_restore r = { .size = sizeof(r) };
	struct cryo_thaw_epoll e = { .size = sizeof(e) };
	int dev = cryoctl_open();

	ASSERT_LE(0, dev);
	e.devfd = dev;
	EXPECT_EQ(-1, ioctl(dev, CRYO_IOC_THAW_ATTACH, &r));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioctl(dev, CRYO_IOC_THAW_EPOLL, &e));
	EXPECT_EQ(ENOENT, errno);
	/* Shorter than the first published size. */
	e.size = CRYO_THAW_EPOLL_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(dev, CRYO_IOC_THAW_EPOLL, &e));
	EXPECT_EQ(EINVAL, errno);
	close(dev);
}

TEST_HARNESS_MAIN
