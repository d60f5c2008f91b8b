// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "cryo": events seen by a plain libnl
 * subscriber for a freeze and a thaw, an aborted freeze, sessions and
 * statistics through libcryoctl and cryoctl, who may use the family, how
 * malformed requests are refused, and the scheduler example.
 */
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryoctl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define EVENT_TIMEOUT_MS	20000

/* A target: fds 0-2 on /dev/null, nothing else open; counts in @cnt. */
static pid_t spawn_target(volatile unsigned long *cnt)
{
	pid_t pid = cryo_target_fork_from(NULL);
	int fd;

	if (pid)
		return pid;
	fd = open("/dev/null", O_RDWR);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	syscall(SYS_close_range, 3, ~0U, 0);
	for (;;) {
		if (cnt)
			(*cnt)++;
		usleep(10000);
	}
}

static void kill_wait(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- a plain libnl subscriber -------------------------------------------- */

struct tev {
	int cmd;
	uint64_t session;
	int32_t pid, caller, image_pid;
	uint32_t flags, target, reason, err, nr_threads, nr_processes;
	uint64_t bytes, pages;
	bool has_image_pid, has_pid, has_nr_processes;
};

struct sub {
	struct nl_sock *sk;
	int family;
};

static int sub_open(struct sub *s)
{
	int grp, ret;

	s->sk = nl_socket_alloc();
	if (!s->sk)
		return -NLE_NOMEM;
	nl_socket_disable_seq_check(s->sk);
	ret = genl_connect(s->sk);
	if (ret < 0)
		return ret;
	s->family = genl_ctrl_resolve(s->sk, CRYO_GENL_NAME);
	if (s->family < 0)
		return s->family;
	grp = genl_ctrl_resolve_grp(s->sk, CRYO_GENL_NAME, CRYO_GENL_MCGRP_EVENTS);
	if (grp < 0)
		return grp;
	return nl_socket_add_membership(s->sk, grp);
}

static void sub_close(struct sub *s)
{
	if (s->sk)
		nl_socket_free(s->sk);
	s->sk = NULL;
}

static int tev_parse(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CRYO_NL_A_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct tev *e = arg;

	if (genlmsg_parse(nlh, 0, tb, CRYO_NL_A_MAX, NULL) < 0)
		return NL_SKIP;
	memset(e, 0, sizeof(*e));
	e->cmd = ((struct genlmsghdr *)nlmsg_data(nlh))->cmd;
#define U32(a) (tb[a] ? nla_get_u32(tb[a]) : 0)
#define U64(a) (tb[a] ? nla_get_u64(tb[a]) : 0)
	e->session = U64(CRYO_NL_A_SESSION_ID);
	e->pid = U32(CRYO_NL_A_PID);
	e->has_pid = tb[CRYO_NL_A_PID];
	e->caller = U32(CRYO_NL_A_CALLER_PID);
	e->image_pid = U32(CRYO_NL_A_IMAGE_PID);
	e->has_image_pid = tb[CRYO_NL_A_IMAGE_PID];
	e->flags = U32(CRYO_NL_A_FLAGS);
	e->target = U32(CRYO_NL_A_TARGET);
	e->reason = U32(CRYO_NL_A_REASON);
	e->err = U32(CRYO_NL_A_ERRNO);
	e->nr_threads = U32(CRYO_NL_A_NR_THREADS);
	e->nr_processes = U32(CRYO_NL_A_NR_PROCESSES);
	e->has_nr_processes = tb[CRYO_NL_A_NR_PROCESSES];
	e->bytes = U64(CRYO_NL_A_BYTES);
	e->pages = U64(CRYO_NL_A_PAGES);
#undef U32
#undef U64
	return NL_OK;
}

/* The next event, or cmd 0 after @ms milliseconds. */
static struct tev sub_next(struct sub *s, int ms)
{
	struct tev e = { 0 };
	struct pollfd pfd = { .fd = nl_socket_get_fd(s->sk), .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return e;
	nl_socket_modify_cb(s->sk, NL_CB_VALID, NL_CB_CUSTOM, tev_parse, &e);
	nl_recvmsgs_default(s->sk);
	return e;
}

/* The next event of @cmd (of @session, if not 0), skipping the others. */
static struct tev sub_wait(struct sub *s, int cmd, uint64_t session)
{
	double end = cryo_now() + EVENT_TIMEOUT_MS / 1000.0;
	struct tev e = { 0 };

	while (cryo_now() < end) {
		e = sub_next(s, 200);
		if (e.cmd == cmd && (!session || e.session == session))
			return e;
	}
	memset(&e, 0, sizeof(e));
	return e;
}

/* ---- raw requests, to send what libnl would not ------------------------ */

struct raw {
	int fd;
	int family;
	uint32_t seq;
	char msg[256];		/* the extended ack's message */
};

static int raw_open(struct raw *r)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	memset(r, 0, sizeof(*r));
	if (!sk || genl_connect(sk) < 0)
		return -1;
	r->family = genl_ctrl_resolve(sk, CRYO_GENL_NAME);
	nl_socket_free(sk);
	if (r->family < 0)
		return -1;
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (r->fd < 0)
		return -1;
	setsockopt(r->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(r->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

/* Append an attribute to @buf at *@len. */
static void raw_attr(unsigned char *buf, size_t *len, uint16_t type,
		     const void *data, uint16_t dlen)
{
	struct nlattr *a = (struct nlattr *)(buf + *len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + dlen;
	memcpy(buf + *len + NLA_HDRLEN, data, dlen);
	*len += NLA_ALIGN(a->nla_len);
}

/*
 * Send @cmd with @attrs; 0 if the kernel answered without an error (the
 * answers are counted in *@answers), else its -errno, the extended ack's
 * message in r->msg.  @len_fix shortens nlmsg_len (a truncated message).
 */
static int raw_req(struct raw *r, uint8_t cmd, uint16_t flags,
		   uint16_t reserved, const void *attrs, size_t alen,
		   int len_fix, int *answers)
{
	unsigned char buf[1024] __attribute__((aligned(4)));
	unsigned char rbuf[32768] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(buf + NLMSG_HDRLEN);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	r->msg[0] = 0;
	if (answers)
		*answers = 0;
	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + alen - len_fix;
	nlh->nlmsg_type = r->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++r->seq;
	g->cmd = cmd;
	g->version = CRYO_GENL_VERSION;
	g->reserved = reserved;
	memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, attrs, alen);
	if (sendto(r->fd, buf, NLMSG_HDRLEN + GENL_HDRLEN + alen, 0,
		   (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

		if (poll(&pfd, 1, 5000) != 1)
			return -ETIMEDOUT;
		n = recv(r->fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			struct nlmsgerr *e = NLMSG_DATA(nlh);
			struct nlattr *a;
			int left;

			if (nlh->nlmsg_seq != r->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type != NLMSG_ERROR) {
				if (answers)
					(*answers)++;
				continue;
			}
			/* Capped: the TLVs follow the request's header. */
			a = (struct nlattr *)((unsigned char *)e + sizeof(*e));
			left = nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*e);
			while ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
			       left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			       a->nla_len <= left) {
				if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
					snprintf(r->msg, sizeof(r->msg), "%.*s",
						 (int)(a->nla_len - NLA_HDRLEN),
						 (char *)a + NLA_HDRLEN);
				left -= NLA_ALIGN(a->nla_len);
				a = (struct nlattr *)((unsigned char *)a +
						      NLA_ALIGN(a->nla_len));
			}
			return e->error;
		}
	}
}

/* ---- tests ----------------------------------------------------------------- */

static int skip_reason(void)
{
	struct nl_sock *sk;
	int fam;

	if (access(CRYO_DEV, F_OK))
		return 1;
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk) < 0)
		return 2;
	fam = genl_ctrl_resolve(sk, CRYO_GENL_NAME);
	nl_socket_free(sk);
	return fam < 0 ? 3 : 0;
}

#define NEED_FAMILY() do {						\
		int __r = skip_reason();				\
		if (__r == 1)						\
			SKIP(return, CRYO_DEV " missing: module not loaded"); \
		ASSERT_EQ(0, __r) TH_LOG("the cryo netlink family is not registered"); \
	} while (0)

static int make_image(const char *tag)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "cryo-nl-%s-XXXXXX", tag);
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

TEST(freeze_thaw_events)
{
	struct cryoctl_thaw_result res;
	struct tev e, begin, end, commit, tb, te;
	struct sub sub = { 0 };
	struct stat st;
	pid_t target, thawed;
	int dev, img, status;

	NEED_FAMILY();
	target = spawn_target(NULL);
	ASSERT_LT(0, target);
	ASSERT_EQ(0, sub_open(&sub));

	img = make_image("events");
	ASSERT_LE(0, img);
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	/* The target shares memory with us: an accepted loss. */
	ASSERT_EQ(0, cryoctl_freeze(dev, target,
				    CRYO_FREEZE_KILL | CRYO_FREEZE_ACCEPT_LOSS,
				    0, img, NULL, NULL));
	close(dev);
	ASSERT_EQ(target, waitpid(target, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ASSERT_EQ(0, fstat(img, &st));
	ASSERT_EQ(0, lseek(img, 0, SEEK_SET));

	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, cryoctl_thaw(dev, img, 0, NULL, 0, &res))
		TH_LOG("thaw: %s", res.message);
	close(dev);
	close(img);
	thawed = res.pid;

	begin = sub_wait(&sub, CRYO_NL_CMD_FREEZE_BEGIN, 0);
	ASSERT_EQ(CRYO_NL_CMD_FREEZE_BEGIN, begin.cmd);
	EXPECT_EQ(target, begin.pid);
	EXPECT_EQ(getpid(), begin.caller);
	EXPECT_EQ(CRYO_FREEZE_KILL | CRYO_FREEZE_ACCEPT_LOSS, begin.flags);
	EXPECT_NE(0, begin.session);

	end = sub_wait(&sub, CRYO_NL_CMD_FREEZE_END, begin.session);
	ASSERT_EQ(CRYO_NL_CMD_FREEZE_END, end.cmd);
	EXPECT_EQ(0, end.err);
	EXPECT_EQ(target, end.pid);
	EXPECT_EQ((uint64_t)st.st_size, end.bytes);
	EXPECT_LT(0, end.pages);
	EXPECT_EQ(1, end.nr_threads);
	EXPECT_EQ(1, end.nr_processes);
	EXPECT_EQ(CRYO_NL_TARGET_HELD, end.target);

	commit = sub_wait(&sub, CRYO_NL_CMD_FREEZE_COMMIT, begin.session);
	ASSERT_EQ(CRYO_NL_CMD_FREEZE_COMMIT, commit.cmd);
	EXPECT_EQ(CRYO_NL_TARGET_KILLED, commit.target);

	tb = sub_wait(&sub, CRYO_NL_CMD_THAW_BEGIN, 0);
	ASSERT_EQ(CRYO_NL_CMD_THAW_BEGIN, tb.cmd);
	EXPECT_EQ(getpid(), tb.caller);
	te = sub_wait(&sub, CRYO_NL_CMD_THAW_END, tb.session);
	ASSERT_EQ(CRYO_NL_CMD_THAW_END, te.cmd);
	EXPECT_EQ(0, te.err);
	EXPECT_TRUE(te.has_image_pid);
	EXPECT_EQ(target, te.image_pid);
	EXPECT_TRUE(te.has_pid);
	EXPECT_EQ(thawed, te.pid);
	EXPECT_EQ((uint64_t)st.st_size, te.bytes);

	/* Nothing else about these sessions: no abort, no second end. */
	while ((e = sub_next(&sub, 300)).cmd)
		EXPECT_TRUE(e.session != begin.session && e.session != tb.session)
			TH_LOG("unexpected event %d of session %llu", e.cmd,
			       (unsigned long long)e.session);
	EXPECT_EQ(0, kill(thawed, 0));
	kill(thawed, SIGKILL);
	sub_close(&sub);
}

TEST(aborted_freeze_reader_killed)
{
	volatile unsigned long *cnt;
	struct sub sub = { 0 };
	struct tev b, a, e;
	unsigned long c;
	pid_t target, reader;
	int p[2], ret = -1;

	NEED_FAMILY();
	cnt = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	ASSERT_NE(MAP_FAILED, cnt);
	target = spawn_target(cnt);
	ASSERT_LT(0, target);
	ASSERT_TRUE(WAIT_FOR(*cnt > 2, 10));
	ASSERT_EQ(0, sub_open(&sub));
	ASSERT_EQ(0, pipe(p));

	/* The reader freezes the target and never reads a byte. */
	reader = fork();
	ASSERT_LE(0, reader);
	if (!reader) {
		/* The target shares its counter with us: an accepted loss. */
		struct cryo_freeze f = { .size = sizeof(f), .pid = target,
					 .flags = CRYO_FREEZE_ACCEPT_LOSS };
		int dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);

		ret = dev < 0 ? -errno : ioctl(dev, CRYO_IOC_FREEZE, &f) ? -errno : 0;
		if (write(p[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(sizeof(ret), read(p[0], &ret, sizeof(ret)));
	ASSERT_EQ(0, ret) TH_LOG("freeze: %s", strerror(-ret));

	b = sub_wait(&sub, CRYO_NL_CMD_FREEZE_BEGIN, 0);
	ASSERT_EQ(CRYO_NL_CMD_FREEZE_BEGIN, b.cmd);
	EXPECT_EQ(target, b.pid);
	EXPECT_EQ(reader, b.caller);
	/* Parked: it does not count. */
	c = *cnt;
	usleep(300000);
	EXPECT_EQ(c, *cnt);

	kill_wait(reader);
	a = sub_wait(&sub, CRYO_NL_CMD_FREEZE_ABORT, b.session);
	ASSERT_EQ(CRYO_NL_CMD_FREEZE_ABORT, a.cmd);
	EXPECT_EQ(CRYO_NL_REASON_READER_GONE, a.reason);
	EXPECT_EQ(EPIPE, a.err);
	EXPECT_EQ(CRYO_NL_TARGET_RESUMED, a.target);
	EXPECT_EQ(target, a.pid);
	e = sub_wait(&sub, CRYO_NL_CMD_FREEZE_END, b.session);
	ASSERT_EQ(CRYO_NL_CMD_FREEZE_END, e.cmd);
	EXPECT_EQ(EPIPE, e.err);
	EXPECT_EQ(CRYO_NL_TARGET_RESUMED, e.target);

	/* The target runs on. */
	c = *cnt;
	EXPECT_TRUE(WAIT_FOR(*cnt > c + 3, 10));
	EXPECT_EQ(0, kill(target, 0));
	kill_wait(target);
	sub_close(&sub);
}

TEST(aborted_freeze_target_killed)
{
	struct sub sub = { 0 };
	struct tev b, a, e;
	pid_t target, reader;
	int p[2], ret = -1, status;

	NEED_FAMILY();
	target = spawn_target(NULL);
	ASSERT_LT(0, target);
	ASSERT_EQ(0, sub_open(&sub));
	ASSERT_EQ(0, pipe(p));
	reader = fork();
	ASSERT_LE(0, reader);
	if (!reader) {
		/* The target shares its counter with us: an accepted loss. */
		struct cryo_freeze f = { .size = sizeof(f), .pid = target,
					 .flags = CRYO_FREEZE_ACCEPT_LOSS };
		int dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);

		ret = dev < 0 ? -errno : ioctl(dev, CRYO_IOC_FREEZE, &f) ? -errno : 0;
		if (write(p[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(sizeof(ret), read(p[0], &ret, sizeof(ret)));
	ASSERT_EQ(0, ret) TH_LOG("freeze: %s", strerror(-ret));
	b = sub_wait(&sub, CRYO_NL_CMD_FREEZE_BEGIN, 0);
	ASSERT_EQ(CRYO_NL_CMD_FREEZE_BEGIN, b.cmd);

	/* SIGKILL reaches a parked target; then the session closes. */
	kill(target, SIGKILL);
	ASSERT_EQ(target, waitpid(target, &status, 0));
	kill_wait(reader);
	a = sub_wait(&sub, CRYO_NL_CMD_FREEZE_ABORT, b.session);
	ASSERT_EQ(CRYO_NL_CMD_FREEZE_ABORT, a.cmd);
	EXPECT_EQ(CRYO_NL_REASON_TARGET_EXITED, a.reason);
	EXPECT_EQ(ESRCH, a.err);
	EXPECT_EQ(CRYO_NL_TARGET_EXITED, a.target);
	e = sub_wait(&sub, CRYO_NL_CMD_FREEZE_END, b.session);
	ASSERT_EQ(CRYO_NL_CMD_FREEZE_END, e.cmd);
	EXPECT_EQ(ESRCH, e.err);
	EXPECT_EQ(CRYO_NL_TARGET_EXITED, e.target);
	sub_close(&sub);
}

struct find {
	pid_t pid;
	struct cryoctl_session s;
	int found;
};

static int find_fn(const struct cryoctl_session *s, void *arg)
{
	struct find *f = arg;

	if (s->pid == f->pid) {
		f->s = *s;
		f->found++;
	}
	return 0;
}

static int find_state(pid_t pid)
{
	struct find f = { .pid = pid };

	if (cryoctl_sessions(pid, find_fn, &f) || f.found != 1)
		return -1;
	return f.s.state;
}

TEST(ps_shows_leave_frozen)
{
	char out[8192], pidarg[16], want[64];
	struct cryoctl_event ev = { .size = sizeof(ev) };
	struct cryoctl_events *events;
	pid_t target, cli;
	int img, status, n;

	NEED_FAMILY();
	target = spawn_target(NULL);
	ASSERT_LT(0, target);
	ASSERT_EQ(0, cryoctl_events_open(&events));
	img = make_image("ps");
	ASSERT_LE(0, img);
	cli = fork();
	ASSERT_LE(0, cli);
	if (!cli) {
		int null = open("/dev/null", O_WRONLY);

		snprintf(pidarg, sizeof(pidarg), "%d", target);
		dup2(img, 1);
		dup2(null, 2);
		execl(cryo_cryoctl_path(), "cryoctl", "freeze", "--leave-frozen",
		      "--accept-loss", pidarg, (char *)NULL);
		_exit(127);
	}
	ASSERT_TRUE(WAIT_FOR(find_state(target) == CRYO_NL_STATE_FROZEN, 30))
		TH_LOG("state %d", find_state(target));

	snprintf(pidarg, sizeof(pidarg), "%d", target);
	{
		const char *const argv[] = { "cryoctl", "ps", NULL };

		EXPECT_EQ(0, cryo_run_cli(out, sizeof(out), 0, argv)) TH_LOG("%s", out);
		snprintf(want, sizeof(want), "%-13s %7d", "frozen", target);
		EXPECT_NE(NULL, strstr(out, "SESSION")) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	}
	{
		const char *const argv[] = { "cryoctl", "ps", "--json", "--pid",
					     pidarg, NULL };

		EXPECT_EQ(0, cryo_run_cli(out, sizeof(out), 0, argv)) TH_LOG("%s", out);
		snprintf(want, sizeof(want), "\"pid\":%d,", target);
		EXPECT_NE(NULL, strstr(out, "\"state\":\"frozen\"")) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
		snprintf(want, sizeof(want), "\"caller_pid\":%d,", cli);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "\"flags\":6,")) TH_LOG("%s", out);
		/* One session: one line, one object. */
		EXPECT_EQ('{', out[0]);
		EXPECT_EQ(strchr(out, '\n'), out + strlen(out) - 1) TH_LOG("%s", out);
	}

	/* cryoctl lets go when told: the target is released. */
	kill(cli, SIGTERM);
	ASSERT_EQ(cli, waitpid(cli, &status, 0));
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
	EXPECT_TRUE(WAIT_FOR(find_state(target) == -1, 10));
	n = 0;
	while (cryoctl_events_next(events, &ev, 5000) == 1)
		if (ev.type == CRYO_NL_CMD_FREEZE_RELEASE && ev.pid == target) {
			n++;
			EXPECT_EQ(CRYO_NL_TARGET_RESUMED, ev.target);
			break;
		}
	EXPECT_EQ(1, n);
	EXPECT_EQ(0, kill(target, 0));
	kill_wait(target);
	cryoctl_events_close(events);
	close(img);
}

/*
 * A tree of three: a root and its two children, each on /dev/null with
 * nothing else open, counting time.  The root's pid once all three are
 * set up (each closed its end of a pipe the test reads to EOF), -1 on
 * error.
 */
static pid_t spawn_tree(struct __test_metadata *md)
{
	pid_t root;
	int p[2], fd, i;
	ssize_t n;
	char c;

	if (pipe(p))
		return -1;
	root = cryo_target_fork_from(md);
	if (root < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!root) {
		for (i = 0; i < 2; i++) {
			if (fork() == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				break;
			}
		}
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		syscall(SYS_close_range, 3, ~0U, 0);
		for (;;)
			usleep(10000);
	}
	close(p[1]);
	n = read(p[0], &c, 1);
	close(p[0]);
	if (n) {
		kill_wait(root);
		return -1;
	}
	return root;
}

/* The one session of @pid in the dump, in *@s; -1 if not exactly one. */
static int find_session(pid_t pid, struct cryoctl_session *s)
{
	struct find f = { .pid = pid };

	if (cryoctl_sessions(pid, find_fn, &f) || f.found != 1)
		return -1;
	*s = f.s;
	return 0;
}

/*
 * A tree of three frozen and thawed: the session dump says 3 processes
 * from CRYO_IOC_FREEZE on (streaming, then held for the commit), and so
 * does cryoctl ps; the thaw's session says 3 once CRYO_IOC_THAW read the
 * TREE, and THAW_END too, as FREEZE_END does.
 */
TEST(tree_processes_counted)
{
	struct cryo_freeze f = {
		.size = sizeof(f),
		.flags = CRYO_FREEZE_KILL | CRYO_FREEZE_ACCEPT_LOSS,
	};
	struct cryo_commit c = { .size = sizeof(c) };
	struct cryoctl_thaw_result res;
	struct cryoctl_session s;
	struct sub sub = { 0 };
	struct tev begin, end, tb, te;
	char out[8192], pidarg[16], want[128];
	pid_t root, pids[8] = { 0 };
	unsigned char *image = NULL;
	unsigned int nr = 0, i;
	size_t len;
	int dev, img, status;

	NEED_FAMILY();
	root = spawn_tree(_metadata);
	ASSERT_LT(0, root);
	ASSERT_EQ(0, sub_open(&sub));
	dev = cryoctl_open();
	ASSERT_LE(0, dev);

	/* Parked, nothing streamed yet: three processes already. */
	f.pid = root;
	ASSERT_EQ(0, ioctl(dev, CRYO_IOC_FREEZE, &f))
		TH_LOG("freeze: %s, refusal %u of pid %d", strerror(errno),
		       f.refusal, f.refusal_pid);
	ASSERT_EQ(3, f.nr_processes);
	ASSERT_EQ(0, find_session(root, &s));
	EXPECT_EQ(CRYO_NL_STATE_FREEZING, s.state);
	EXPECT_EQ(3, s.nr_processes);

	/* The image read whole: held for the commit, still three. */
	len = cryo_read_stream(dev, &image);
	ASSERT_LT(0, len);
	ASSERT_EQ(0, find_session(root, &s));
	EXPECT_EQ(CRYO_NL_STATE_FROZEN, s.state);
	EXPECT_EQ(3, s.nr_processes);
	EXPECT_EQ(len, s.bytes);
	{
		const char *const argv[] = { "cryoctl", "ps", NULL };

		EXPECT_EQ(0, cryo_run_cli(out, sizeof(out), 0, argv)) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, " PROCS ")) TH_LOG("%s", out);
		snprintf(want, sizeof(want), "%-13s %7d %7d %7d %5u ", "frozen",
			 root, 0, getpid(), 3);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("want '%s' in %s", want, out);
	}
	snprintf(pidarg, sizeof(pidarg), "%d", root);
	{
		const char *const argv[] = { "cryoctl", "ps", "--json", "--pid",
					     pidarg, NULL };

		EXPECT_EQ(0, cryo_run_cli(out, sizeof(out), 0, argv)) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "\"nr_processes\":3,")) TH_LOG("%s", out);
	}
	ASSERT_EQ(0, ioctl(dev, CRYO_IOC_COMMIT, &c));
	close(dev);
	ASSERT_EQ(root, waitpid(root, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	begin = sub_wait(&sub, CRYO_NL_CMD_FREEZE_BEGIN, 0);
	ASSERT_EQ(CRYO_NL_CMD_FREEZE_BEGIN, begin.cmd);
	EXPECT_EQ(root, begin.pid);
	end = sub_wait(&sub, CRYO_NL_CMD_FREEZE_END, begin.session);
	ASSERT_EQ(CRYO_NL_CMD_FREEZE_END, end.cmd);
	EXPECT_EQ(0, end.err);
	EXPECT_EQ(3, end.nr_processes);
	EXPECT_EQ(3, end.nr_threads);

	/* The thaw: the image's three, in its session and its THAW_END. */
	img = make_image("tree");
	ASSERT_LE(0, img);
	ASSERT_EQ((ssize_t)len, write(img, image, len));
	free(image);
	ASSERT_EQ(0, lseek(img, 0, SEEK_SET));
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, cryoctl_thaw_tree(dev, img, CRYOCTL_THAW_WAIT, NULL, 0,
				       &res, pids, 8, &nr))
		TH_LOG("thaw: %s", res.message);
	close(img);
	EXPECT_EQ(3, nr);
	ASSERT_EQ(0, find_session(res.pid, &s));
	EXPECT_EQ(CRYO_NL_STATE_THAW_DONE, s.state);
	EXPECT_EQ(root, s.image_pid);
	EXPECT_EQ(3, s.nr_processes);
	close(dev);

	tb = sub_wait(&sub, CRYO_NL_CMD_THAW_BEGIN, 0);
	ASSERT_EQ(CRYO_NL_CMD_THAW_BEGIN, tb.cmd);
	te = sub_wait(&sub, CRYO_NL_CMD_THAW_END, tb.session);
	ASSERT_EQ(CRYO_NL_CMD_THAW_END, te.cmd);
	EXPECT_EQ(0, te.err);
	EXPECT_EQ(res.pid, te.pid);
	EXPECT_EQ(root, te.image_pid);
	EXPECT_EQ(3, te.nr_processes);
	EXPECT_EQ(len, te.bytes);

	for (i = 1; i < nr && i < 8; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	kill_wait(res.pid);
	sub_close(&sub);
}

/*
 * A thaw that fails before the image's tree is read (a truncated
 * HEADER): THAW_END leaves CRYO_NL_A_NR_PROCESSES out.
 */
TEST(thaw_end_count_unknown)
{
	struct cryo_thaw t = { .size = sizeof(t) };
	struct sub sub = { 0 };
	struct tev tb, te;
	int dev, img;

	NEED_FAMILY();
	ASSERT_EQ(0, sub_open(&sub));
	img = make_image("short");
	ASSERT_LE(0, img);
	ASSERT_EQ(4, write(img, "CRYO", 4));
	ASSERT_EQ(0, lseek(img, 0, SEEK_SET));
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	t.image_fd = img;
	EXPECT_NE(0, ioctl(dev, CRYO_IOC_THAW, &t));
	close(dev);
	close(img);
	tb = sub_wait(&sub, CRYO_NL_CMD_THAW_BEGIN, 0);
	ASSERT_EQ(CRYO_NL_CMD_THAW_BEGIN, tb.cmd);
	te = sub_wait(&sub, CRYO_NL_CMD_THAW_END, tb.session);
	ASSERT_EQ(CRYO_NL_CMD_THAW_END, te.cmd);
	EXPECT_NE(0, te.err);
	EXPECT_FALSE(te.has_nr_processes);
	EXPECT_FALSE(te.has_pid);
	sub_close(&sub);
}

static uint64_t errno_count(const struct cryoctl_errno_count *e,
			    unsigned int n, int err)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (e[i].error == err)
			return e[i].count;
	return 0;
}

TEST(stats_count)
{
	struct cryoctl_freeze_result res = { .size = sizeof(res) };
	struct cryoctl_stats before = { .size = sizeof(before) };
	struct cryoctl_stats after = { .size = sizeof(after) };
	struct cryo_freeze f = { .size = sizeof(f), .pid = 0x3ffffff0 };
	char out[8192], want[128];
	pid_t target;
	int dev, img;

	NEED_FAMILY();
	target = spawn_target(NULL);
	ASSERT_LT(0, target);
	ASSERT_EQ(0, cryoctl_stats(&before));
	EXPECT_NE(0, before.load_time_ns);

	/* One checkpoint... */
	img = make_image("stats");
	ASSERT_LE(0, img);
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, cryoctl_freeze_ex(dev, target, CRYO_FREEZE_ACCEPT_LOSS, 0,
				       img, NULL, NULL, &res));
	close(dev);
	close(img);
	/* ... and one refusal: no such process. */
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	EXPECT_ERRNO(ESRCH, ioctl(dev, CRYO_IOC_FREEZE, &f));
	close(dev);

	ASSERT_EQ(0, cryoctl_stats(&after));
	EXPECT_EQ(before.load_time_ns, after.load_time_ns);
	EXPECT_EQ(before.freezes + 1, after.freezes);
	EXPECT_EQ(before.freezes_done + 1, after.freezes_done);
	EXPECT_EQ(before.freezes_refused + 1, after.freezes_refused);
	EXPECT_EQ(before.freezes_aborted, after.freezes_aborted);
	EXPECT_EQ(before.freeze_bytes + res.bytes, after.freeze_bytes);
	EXPECT_LT(before.freeze_pages, after.freeze_pages);
	EXPECT_EQ(errno_count(before.freeze_errors, before.nr_freeze_errors, ESRCH) + 1,
		  errno_count(after.freeze_errors, after.nr_freeze_errors, ESRCH));
	EXPECT_EQ(0, kill(target, 0));	/* a checkpoint: it runs on */

	{
		const char *const argv[] = { "cryoctl", "stats", NULL };

		EXPECT_EQ(0, cryo_run_cli(out, sizeof(out), 0, argv)) TH_LOG("%s", out);
		snprintf(want, sizeof(want), "freezes          %llu\n",
			 (unsigned long long)after.freezes);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "ESRCH:")) TH_LOG("%s", out);
	}
	{
		const char *const argv[] = { "cryoctl", "stats", "--json", NULL };

		EXPECT_EQ(0, cryo_run_cli(out, sizeof(out), 0, argv)) TH_LOG("%s", out);
		snprintf(want, sizeof(want), "\"freeze_bytes\":%llu,",
			 (unsigned long long)after.freeze_bytes);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "\"freeze_errors\":{")) TH_LOG("%s", out);
		EXPECT_EQ('{', out[0]);
	}
	kill_wait(target);
}

static bool kernel_since(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

static int count_fn(const struct cryoctl_session *s, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

TEST(unprivileged_refused)
{
	struct cryoctl_stats st = { .size = sizeof(st) };
	struct cryoctl_events *ev = NULL;
	char out[4096];
	struct raw r;
	int n = 0, grp = 1;

	NEED_FAMILY();
	if (geteuid() != 0)
		SKIP(return, "needs root to drop to nobody");
	ASSERT_EQ(0, cryo_become_nobody());

	EXPECT_EQ(-EPERM, cryoctl_sessions(0, count_fn, &n));
	EXPECT_EQ(-EPERM, cryoctl_stats(&st));
	EXPECT_EQ(-EPERM, cryoctl_events_open(&ev));
	EXPECT_EQ(NULL, ev);

	/* The same on the wire, with the reason. */
	ASSERT_EQ(0, raw_open(&r));
	EXPECT_EQ(-EPERM, raw_req(&r, CRYO_NL_CMD_GET_SESSION, NLM_F_DUMP, 0,
				  NULL, 0, 0, NULL));
	/* The start of a dump has an extended ack since 6.5 only. */
	if (kernel_since(6, 5))
		EXPECT_NE(NULL, strstr(r.msg, "CAP_CHECKPOINT_RESTORE"))
			TH_LOG("%s", r.msg);
	EXPECT_EQ(-EPERM, raw_req(&r, CRYO_NL_CMD_GET_STATS, 0, 0, NULL, 0, 0,
				  NULL));
	EXPECT_NE(NULL, strstr(r.msg, "CAP_CHECKPOINT_RESTORE")) TH_LOG("%s", r.msg);
	{
		struct nl_sock *sk = nl_socket_alloc();

		ASSERT_EQ(0, genl_connect(sk));
		grp = genl_ctrl_resolve_grp(sk, CRYO_GENL_NAME, CRYO_GENL_MCGRP_EVENTS);
		ASSERT_LT(0, grp);
		EXPECT_ERRNO(EPERM, setsockopt(nl_socket_get_fd(sk), SOL_NETLINK,
					       NETLINK_ADD_MEMBERSHIP, &grp,
					       sizeof(grp)));
		nl_socket_free(sk);
	}
	{
		const char *const argv[] = { "cryoctl", "ps", NULL };

		EXPECT_EQ(4, cryo_run_cli(out, sizeof(out), 0, argv)) TH_LOG("%s", out);
	}
	{
		const char *const argv[] = { "cryoctl", "events", NULL };

		EXPECT_EQ(4, cryo_run_cli(out, sizeof(out), 0, argv)) TH_LOG("%s", out);
	}
	close(r.fd);
}

/* CAP_CHECKPOINT_RESTORE alone: sessions and statistics, not events. */
TEST(checkpoint_restore_capability)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };
	struct cryoctl_stats st = { .size = sizeof(st) };
	struct cryoctl_events *ev = NULL;
	int n = 0;

	NEED_FAMILY();
	if (geteuid() != 0)
		SKIP(return, "needs root to drop to nobody");
	ASSERT_EQ(0, prctl(PR_SET_KEEPCAPS, 1));
	ASSERT_EQ(0, cryo_become_nobody());
	data[CAP_CHECKPOINT_RESTORE / 32].permitted =
		1U << (CAP_CHECKPOINT_RESTORE % 32);
	data[CAP_CHECKPOINT_RESTORE / 32].effective =
		1U << (CAP_CHECKPOINT_RESTORE % 32);
	ASSERT_EQ(0, syscall(SYS_capset, &hdr, data)) TH_LOG("capset: %s",
							    strerror(errno));

	EXPECT_EQ(0, cryoctl_sessions(0, count_fn, &n));
	EXPECT_EQ(0, cryoctl_stats(&st));
	EXPECT_EQ(-EPERM, cryoctl_events_open(&ev));
}

TEST(malformed_requests)
{
	unsigned char attrs[256];
	uint64_t id = 0xffffffffffffULL, bytes = 1;
	int32_t pid0 = 0;
	uint16_t shortpid = 1;
	size_t len;
	struct raw r;
	int answers;

	NEED_FAMILY();
	ASSERT_EQ(0, raw_open(&r));

	/* Well-formed first: a dump and the statistics. */
	EXPECT_EQ(0, raw_req(&r, CRYO_NL_CMD_GET_SESSION, NLM_F_DUMP, 0, NULL, 0,
			     0, &answers));
	EXPECT_EQ(0, raw_req(&r, CRYO_NL_CMD_GET_STATS, 0, 0, NULL, 0, 0,
			     &answers));
	EXPECT_EQ(1, answers);

	/* An attribute of the wrong length. */
	len = 0;
	raw_attr(attrs, &len, CRYO_NL_A_PID, &shortpid, sizeof(shortpid));
	EXPECT_EQ(-EINVAL, raw_req(&r, CRYO_NL_CMD_GET_SESSION, NLM_F_DUMP, 0,
				   attrs, len, 0, NULL));
	EXPECT_NE(NULL, strstr(r.msg, "invalid attribute length")) TH_LOG("%s", r.msg);

	/* A value out of range. */
	len = 0;
	raw_attr(attrs, &len, CRYO_NL_A_PID, &pid0, sizeof(pid0));
	EXPECT_EQ(-ERANGE, raw_req(&r, CRYO_NL_CMD_GET_SESSION, NLM_F_DUMP, 0,
				   attrs, len, 0, NULL));
	EXPECT_NE(NULL, strstr(r.msg, "out of range")) TH_LOG("%s", r.msg);

	/* An attribute type nobody knows. */
	len = 0;
	raw_attr(attrs, &len, CRYO_NL_A_MAX + 7, &pid0, sizeof(pid0));
	EXPECT_EQ(-EINVAL, raw_req(&r, CRYO_NL_CMD_GET_SESSION, NLM_F_DUMP, 0,
				   attrs, len, 0, NULL));
	EXPECT_NE(NULL, strstr(r.msg, "Unknown attribute type")) TH_LOG("%s", r.msg);

	/* An attribute the command does not take. */
	len = 0;
	raw_attr(attrs, &len, CRYO_NL_A_BYTES, &bytes, sizeof(bytes));
	EXPECT_EQ(-EINVAL, raw_req(&r, CRYO_NL_CMD_GET_SESSION, 0, 0, attrs, len,
				   0, NULL));
	EXPECT_NE(0, r.msg[0]);
	len = 0;
	raw_attr(attrs, &len, CRYO_NL_A_SESSION_ID, &id, sizeof(id));
	EXPECT_EQ(-EINVAL, raw_req(&r, CRYO_NL_CMD_GET_STATS, 0, 0, attrs, len,
				   0, NULL));
	EXPECT_NE(0, r.msg[0]);

	/* GET_SESSION without a dump needs a session id... */
	EXPECT_EQ(-EINVAL, raw_req(&r, CRYO_NL_CMD_GET_SESSION, 0, 0, NULL, 0, 0,
				   NULL));
	EXPECT_NE(NULL, strstr(r.msg, "CRYO_NL_A_SESSION_ID is required"))
		TH_LOG("%s", r.msg);
	/* ... of a session that exists. */
	len = 0;
	raw_attr(attrs, &len, CRYO_NL_A_SESSION_ID, &id, sizeof(id));
	EXPECT_EQ(-ENOENT, raw_req(&r, CRYO_NL_CMD_GET_SESSION, 0, 0, attrs, len,
				   0, NULL));
	EXPECT_NE(NULL, strstr(r.msg, "no open session")) TH_LOG("%s", r.msg);

	/* A reserved header field that is not zero. */
	EXPECT_EQ(-EINVAL, raw_req(&r, CRYO_NL_CMD_GET_STATS, 0, 1, NULL, 0, 0,
				   NULL));
	EXPECT_NE(NULL, strstr(r.msg, "reserved")) TH_LOG("%s", r.msg);

	/* Events are not requests; nor is a command nobody defined. */
	EXPECT_EQ(-EOPNOTSUPP, raw_req(&r, CRYO_NL_CMD_FREEZE_BEGIN, 0, 0, NULL,
				       0, 0, NULL));
	EXPECT_EQ(-EOPNOTSUPP, raw_req(&r, 200, 0, 0, NULL, 0, 0, NULL));

	/* A message too short for its generic netlink header. */
	EXPECT_EQ(-EINVAL, raw_req(&r, CRYO_NL_CMD_GET_STATS, 0, 0, NULL, 0,
				   GENL_HDRLEN - 1, NULL));

	/* After all that, the family still answers. */
	EXPECT_EQ(0, raw_req(&r, CRYO_NL_CMD_GET_STATS, 0, 0, NULL, 0, 0,
			     &answers));
	close(r.fd);
}

/* ---- the scheduler example ------------------------------------------------ */

struct lines {
	int fd;
	char buf[65536];
	size_t len;
	size_t scan;	/* where the search for the next line starts */
};

/* Wait for a line starting with @prefix; copy it to @line. */
static bool wait_line(struct lines *l, const char *prefix, char *line,
		      size_t size, double sec)
{
	double end = cryo_now() + sec;

	for (;;) {
		char *p = l->buf + l->scan, *nl;

		while ((nl = memchr(p, '\n', l->buf + l->len - p))) {
			if (!strncmp(p, prefix, strlen(prefix))) {
				snprintf(line, size, "%.*s", (int)(nl - p), p);
				l->scan = nl + 1 - l->buf;
				return true;
			}
			p = nl + 1;
		}
		if (cryo_now() >= end || l->len >= sizeof(l->buf) - 1)
			return false;
		{
			struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
			ssize_t n;

			if (poll(&pfd, 1, 200) != 1)
				continue;
			n = read(l->fd, l->buf + l->len, sizeof(l->buf) - 1 - l->len);
			if (n <= 0)
				return false;
			l->len += n;
			l->buf[l->len] = 0;
		}
	}
}

static const char *example_path(void)
{
	static char path[PATH_MAX + 32];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return "scheduler";
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(path, sizeof(path), "%s/../examples/scheduler", self);
	return path;
}

static off_t file_size(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) ? -1 : st.st_size;
}

TEST(scheduler_example)
{
	static struct lines l;
	char dir[] = "cryo-sched-XXXXXX", line[512], want[64];
	int in[2], out[2], status;
	pid_t sched, job = 0, thawed = 0;
	unsigned long long bytes = 0;
	off_t log;

	NEED_FAMILY();
	if (access(example_path(), X_OK))
		SKIP(return, "%s not built", example_path());
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, pipe(in));
	ASSERT_EQ(0, pipe(out));
	sched = fork();
	ASSERT_LE(0, sched);
	if (!sched) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		syscall(SYS_close_range, 3, ~0U, 0);
		execl(example_path(), "scheduler", "-d", dir, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	l.fd = out[0];

	ASSERT_TRUE(wait_line(&l, "job started pid ", line, sizeof(line), 20))
		TH_LOG("%s", l.buf);
	job = atoi(line + strlen("job started pid "));
	ASSERT_LT(0, job);
	/* Let it tick a little. */
	ASSERT_TRUE(WAIT_FOR(file_size(dir, "job.log") > 0, 10));

	ASSERT_EQ(7, write(in[1], "freeze\n", 7));
	ASSERT_TRUE(wait_line(&l, "frozen job pid ", line, sizeof(line), 60))
		TH_LOG("%s", l.buf);
	EXPECT_EQ(1, sscanf(strstr(line, " bytes ") ?: "", " bytes %llu", &bytes))
		TH_LOG("%s", line);
	EXPECT_EQ(file_size(dir, "job.img"), (off_t)bytes);
	snprintf(want, sizeof(want), "event freeze-begin session=");
	EXPECT_NE(NULL, strstr(l.buf, want)) TH_LOG("%s", l.buf);
	snprintf(want, sizeof(want), " pid=%d ", job);
	EXPECT_NE(NULL, strstr(l.buf, want)) TH_LOG("%s", l.buf);
	snprintf(want, sizeof(want), "errno=0 bytes=%llu ", bytes);
	EXPECT_NE(NULL, strstr(l.buf, want)) TH_LOG("%s", l.buf);
	EXPECT_NE(NULL, strstr(l.buf, "target=killed")) TH_LOG("%s", l.buf);
	EXPECT_NE(0, kill(job, 0));	/* killed after the commit */

	ASSERT_EQ(5, write(in[1], "thaw\n", 5));
	ASSERT_TRUE(wait_line(&l, "thawed job as pid ", line, sizeof(line), 60))
		TH_LOG("%s", l.buf);
	thawed = atoi(line + strlen("thawed job as pid "));
	ASSERT_LT(0, thawed);
	EXPECT_EQ(NULL, strstr(line, "no thaw-end")) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(l.buf, "event thaw-end")) TH_LOG("%s", l.buf);
	snprintf(want, sizeof(want), "image_pid=%d errno=0", job);
	EXPECT_NE(NULL, strstr(l.buf, want)) TH_LOG("%s", l.buf);

	/* The thawed job works on: its log grows. */
	log = file_size(dir, "job.log");
	EXPECT_TRUE(WAIT_FOR(file_size(dir, "job.log") > log, 10));
	EXPECT_EQ(0, kill(thawed, 0));

	ASSERT_EQ(5, write(in[1], "quit\n", 5));
	EXPECT_TRUE(wait_line(&l, "job pid ", line, sizeof(line), 20))
		TH_LOG("%s", l.buf);
	ASSERT_EQ(sched, waitpid(sched, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) TH_LOG("%#x", status);
	close(in[1]);
	close(out[0]);
	if (thawed > 0)
		kill(thawed, SIGKILL);
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/job.img", dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/job.log", dir);
		unlink(path);
		rmdir(dir);
	}
}

TEST(cli_events_json)
{
	static struct lines l;
	char line[1024], want[64];
	int out[2], devnull, dev, status, i;
	pid_t target, cli;
	bool seen = false;

	NEED_FAMILY();
	target = spawn_target(NULL);
	ASSERT_LT(0, target);
	ASSERT_EQ(0, pipe(out));
	cli = fork();
	ASSERT_LE(0, cli);
	if (!cli) {
		dup2(out[1], 1);
		syscall(SYS_close_range, 3, ~0U, 0);
		execl(cryo_cryoctl_path(), "cryoctl", "events", "--json",
		      (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	l.fd = out[0];
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, devnull);

	/* Checkpoints until cryoctl has subscribed and reports one. */
	for (i = 0; i < 40 && !seen; i++) {
		dev = cryoctl_open();
		ASSERT_LE(0, dev);
		ASSERT_EQ(0, cryoctl_freeze(dev, target, CRYO_FREEZE_ACCEPT_LOSS,
					    0, devnull, NULL, NULL));
		close(dev);
		seen = wait_line(&l, "{\"event\":\"freeze-begin\"", line,
				 sizeof(line), 0.5);
	}
	ASSERT_TRUE(seen) TH_LOG("%s", l.buf);
	snprintf(want, sizeof(want), "\"pid\":%d,", target);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	snprintf(want, sizeof(want), "\"caller_pid\":%d,", getpid());
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, "\"flags\":4}")) TH_LOG("%s", line);
	ASSERT_TRUE(wait_line(&l, "{\"event\":\"freeze-end\"", line,
			      sizeof(line), 20)) TH_LOG("%s", l.buf);
	EXPECT_NE(NULL, strstr(line, "\"errno\":0,")) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, "\"target\":\"resumed\"}")) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, "\"nr_threads\":1,")) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, "\"nr_processes\":1,")) TH_LOG("%s", line);

	/* SIGTERM ends it cleanly. */
	kill(cli, SIGTERM);
	ASSERT_EQ(cli, waitpid(cli, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) TH_LOG("%#x", status);
	EXPECT_EQ(0, kill(target, 0));
	kill_wait(target);
	close(devnull);
	close(out[0]);
}

TEST_HARNESS_MAIN
