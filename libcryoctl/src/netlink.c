// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The module's generic netlink family: events, sessions, statistics.
 *
 * libnl-3 (and libnl-genl-3) is used here and nowhere else; nothing of
 * it shows in cryoctl.h.  Requests use a socket of their own each, so the
 * functions keep no state between calls and are thread-safe.
 */
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/genetlink.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include <linux/cryo.h>
#include <linux/cryo_netlink.h>

#include "cryoctl.h"
#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static_assert(sizeof(struct cryoctl_event) == CRYOCTL_EVENT_SIZE_VER1,
	      "struct cryoctl_event grew: add a CRYOCTL_EVENT_SIZE_VER1");
/* nr_processes took the place of a __reserved field that was 0. */
static_assert(sizeof(struct cryoctl_session) == 64 &&
	      offsetof(struct cryoctl_session, nr_processes) == 36,
	      "struct cryoctl_session: its layout is ABI");
static_assert(sizeof(struct cryoctl_stats) == CRYOCTL_STATS_SIZE_VER0,
	      "struct cryoctl_stats grew: add a CRYOCTL_STATS_SIZE_VER1");

/* An error of libnl (a positive NLE_* code, negated) as -errno. */
static int nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENOENT;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_DUMP_INTR:
		return -EAGAIN;
	default:
		return -EPROTO;
	}
}

/* Attributes as the library reads them (lengths checked by libnl). */
static struct nla_policy cryo_policy[CRYO_NL_A_MAX + 1] = {
	[CRYO_NL_A_SESSION_ID]		= { .type = NLA_U64 },
	[CRYO_NL_A_TIME_NS]		= { .type = NLA_U64 },
	[CRYO_NL_A_PID]			= { .type = NLA_U32 },
	[CRYO_NL_A_CALLER_PID]		= { .type = NLA_U32 },
	[CRYO_NL_A_IMAGE_PID]		= { .type = NLA_U32 },
	[CRYO_NL_A_FLAGS]		= { .type = NLA_U32 },
	[CRYO_NL_A_STATE]		= { .type = NLA_U32 },
	[CRYO_NL_A_TARGET]		= { .type = NLA_U32 },
	[CRYO_NL_A_REASON]		= { .type = NLA_U32 },
	[CRYO_NL_A_ERRNO]		= { .type = NLA_U32 },
	[CRYO_NL_A_BYTES]		= { .type = NLA_U64 },
	[CRYO_NL_A_PAGES]		= { .type = NLA_U64 },
	[CRYO_NL_A_NR_THREADS]		= { .type = NLA_U32 },
	[CRYO_NL_A_NR_PROCESSES]	= { .type = NLA_U32 },
	[CRYO_NL_A_DURATION_NS]		= { .type = NLA_U64 },
	[CRYO_NL_A_START_TIME_NS]	= { .type = NLA_U64 },
	[CRYO_NL_A_OPEN_TIME_NS]	= { .type = NLA_U64 },
	[CRYO_NL_A_OPENER_PID]		= { .type = NLA_U32 },
	[CRYO_NL_A_MESSAGE]		= { .type = NLA_STRING },
	[CRYO_NL_A_STAT_LOAD_TIME_NS]	= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_SESSIONS]	= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_FREEZES]	= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_FREEZES_DONE]	= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_FREEZES_ABORTED] = { .type = NLA_U64 },
	[CRYO_NL_A_STAT_FREEZES_REFUSED] = { .type = NLA_U64 },
	[CRYO_NL_A_STAT_COMMITS]	= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_KILLS]		= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_FREEZE_BYTES]	= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_FREEZE_PAGES]	= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_THAWS]		= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_THAWS_DONE]	= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_THAWS_FAILED]	= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_THAW_BYTES]	= { .type = NLA_U64 },
	[CRYO_NL_A_STAT_FREEZE_ERRORS]	= { .type = NLA_NESTED },
	[CRYO_NL_A_STAT_THAW_ERRORS]	= { .type = NLA_NESTED },
	[CRYO_NL_A_STAT_ERROR]		= { .type = NLA_NESTED },
	[CRYO_NL_A_STAT_COUNT]		= { .type = NLA_U64 },
};

static uint64_t get_u64(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u64(tb[attr]) : 0;
}

static uint32_t get_u32(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u32(tb[attr]) : 0;
}

/* Parse a message of the family into @tb; -EPROTO if it is malformed. */
static int parse(struct nlmsghdr *nlh, struct nlattr **tb)
{
	if (!genlmsg_valid_hdr(nlh, 0))
		return -EPROTO;
	if (genlmsg_parse(nlh, 0, tb, CRYO_NL_A_MAX, cryo_policy) < 0)
		return -EPROTO;
	return 0;
}

/* A socket talking to the family: *@family is its id. */
static int family_open(struct nl_sock **skp, int *family)
{
	struct nl_sock *sk;
	int one = 1, ret;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	ret = genl_connect(sk);
	if (ret < 0) {
		ret = nl_errno(ret);
		goto fail;
	}
	/* Best effort: the kernel's own words with an error. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	ret = genl_ctrl_resolve(sk, CRYO_GENL_NAME);
	if (ret < 0) {
		ret = nl_errno(ret);
		goto fail;
	}
	*family = ret;
	*skp = sk;
	return 0;
fail:
	nl_socket_free(sk);
	return ret;
}

/* ---- requests ---------------------------------------------------------- */

struct request {
	int err;		/* -errno the kernel answered, or of a callback */
	int (*parse)(struct nlattr **tb, struct request *req);
	cryoctl_session_fn fn;
	void *arg;
	struct cryoctl_stats *st;
	int stop;		/* what @fn returned to stop */
};

static int request_valid(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	struct nlattr *tb[CRYO_NL_A_MAX + 1];
	int ret;

	ret = parse(nlmsg_hdr(msg), tb);
	if (!ret)
		ret = req->parse(tb, req);
	if (ret) {
		req->err = ret;
		return NL_STOP;
	}
	return req->stop ? NL_STOP : NL_OK;
}

static int request_error(struct sockaddr_nl *nla, struct nlmsgerr *e,
			 void *arg)
{
	struct request *req = arg;

	req->err = e->error < 0 ? e->error : -EPROTO;
	return NL_STOP;
}

/* Send @cmd (a dump if @dump), with @pid as CRYO_NL_A_PID if not 0. */
static int request(uint8_t cmd, bool dump, int32_t pid, struct request *req)
{
	struct nl_sock *sk;
	struct nl_msg *msg = NULL;
	struct nl_cb *cb = NULL;
	int family, ret;

	ret = family_open(&sk, &family);
	if (ret)
		return ret;
	ret = -ENOMEM;
	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!msg || !cb)
		goto out;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
			 dump ? NLM_F_DUMP : 0, cmd, CRYO_GENL_VERSION))
		goto out;
	if (pid && nla_put_s32(msg, CRYO_NL_A_PID, pid) < 0)
		goto out;
	/* One answer: the reply, the dump, or an error (no extra ack). */
	nl_socket_disable_auto_ack(sk);
	ret = nl_send_auto(sk, msg);
	if (ret < 0) {
		ret = nl_errno(ret);
		goto out;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, request_valid, req);
	nl_cb_err(cb, NL_CB_CUSTOM, request_error, req);
	ret = nl_recvmsgs(sk, cb);
	if (req->err)
		ret = req->err;
	else if (req->stop)
		ret = req->stop;
	else
		ret = nl_errno(ret);
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	nl_socket_free(sk);
	return ret;
}

static int session_parse(struct nlattr **tb, struct request *req)
{
	struct cryoctl_session s = { .size = sizeof(s) };

	if (!tb[CRYO_NL_A_SESSION_ID] || !tb[CRYO_NL_A_STATE])
		return -EPROTO;
	s.id = get_u64(tb, CRYO_NL_A_SESSION_ID);
	s.state = get_u32(tb, CRYO_NL_A_STATE);
	s.pid = (int32_t)get_u32(tb, CRYO_NL_A_PID);
	s.image_pid = (int32_t)get_u32(tb, CRYO_NL_A_IMAGE_PID);
	s.caller_pid = (int32_t)get_u32(tb, CRYO_NL_A_CALLER_PID);
	s.opener_pid = (int32_t)get_u32(tb, CRYO_NL_A_OPENER_PID);
	s.flags = get_u32(tb, CRYO_NL_A_FLAGS);
	s.nr_processes = get_u32(tb, CRYO_NL_A_NR_PROCESSES);
	s.bytes = get_u64(tb, CRYO_NL_A_BYTES);
	s.open_time_ns = get_u64(tb, CRYO_NL_A_OPEN_TIME_NS);
	s.start_time_ns = get_u64(tb, CRYO_NL_A_START_TIME_NS);
	/* Not an error if it stops: the listing is just over. */
	req->stop = req->fn(&s, req->arg);
	return 0;
}

CRYOCTL_EXPORT int cryoctl_sessions(pid_t pid, cryoctl_session_fn fn, void *arg)
{
	struct request req = { .parse = session_parse, .fn = fn, .arg = arg };

	if (!fn || pid < 0)
		return -EINVAL;
	return request(CRYO_NL_CMD_GET_SESSION, true, pid, &req);
}

/* Copy one nest of (errno, count) pairs into @out. */
static int errors_parse(struct nlattr *nest, struct cryoctl_errno_count *out,
			uint32_t *nr)
{
	struct nlattr *one, *tb[CRYO_NL_A_MAX + 1];
	int rem;

	*nr = 0;
	if (!nest)
		return 0;
	nla_for_each_nested(one, nest, rem) {
		if (nla_type(one) != CRYO_NL_A_STAT_ERROR)
			continue;
		if (nla_parse_nested(tb, CRYO_NL_A_MAX, one, cryo_policy) < 0)
			return -EPROTO;
		if (*nr == CRYOCTL_STATS_MAX_ERRORS)
			break;
		out[*nr].error = (int32_t)get_u32(tb, CRYO_NL_A_ERRNO);
		out[*nr].__reserved = 0;
		out[*nr].count = get_u64(tb, CRYO_NL_A_STAT_COUNT);
		(*nr)++;
	}
	return 0;
}

static int stats_parse(struct nlattr **tb, struct request *req)
{
	struct cryoctl_stats *st = req->st;
	int ret;

	st->load_time_ns = get_u64(tb, CRYO_NL_A_STAT_LOAD_TIME_NS);
	st->sessions = get_u64(tb, CRYO_NL_A_STAT_SESSIONS);
	st->freezes = get_u64(tb, CRYO_NL_A_STAT_FREEZES);
	st->freezes_done = get_u64(tb, CRYO_NL_A_STAT_FREEZES_DONE);
	st->freezes_aborted = get_u64(tb, CRYO_NL_A_STAT_FREEZES_ABORTED);
	st->freezes_refused = get_u64(tb, CRYO_NL_A_STAT_FREEZES_REFUSED);
	st->commits = get_u64(tb, CRYO_NL_A_STAT_COMMITS);
	st->kills = get_u64(tb, CRYO_NL_A_STAT_KILLS);
	st->freeze_bytes = get_u64(tb, CRYO_NL_A_STAT_FREEZE_BYTES);
	st->freeze_pages = get_u64(tb, CRYO_NL_A_STAT_FREEZE_PAGES);
	st->thaws = get_u64(tb, CRYO_NL_A_STAT_THAWS);
	st->thaws_done = get_u64(tb, CRYO_NL_A_STAT_THAWS_DONE);
	st->thaws_failed = get_u64(tb, CRYO_NL_A_STAT_THAWS_FAILED);
	st->thaw_bytes = get_u64(tb, CRYO_NL_A_STAT_THAW_BYTES);
	ret = errors_parse(tb[CRYO_NL_A_STAT_FREEZE_ERRORS], st->freeze_errors,
			   &st->nr_freeze_errors);
	if (!ret)
		ret = errors_parse(tb[CRYO_NL_A_STAT_THAW_ERRORS],
				   st->thaw_errors, &st->nr_thaw_errors);
	return ret;
}

CRYOCTL_EXPORT int cryoctl_stats(struct cryoctl_stats *st)
{
	struct cryoctl_stats tmp;
	struct request req = { .parse = stats_parse, .st = &tmp };
	uint32_t size;
	int ret;

	if (!st || st->size < CRYOCTL_STATS_SIZE_VER0)
		return -EINVAL;
	size = st->size;
	memset(&tmp, 0, sizeof(tmp));
	ret = request(CRYO_NL_CMD_GET_STATS, false, 0, &req);
	if (ret)
		return ret;
	tmp.size = size < sizeof(tmp) ? size : sizeof(tmp);
	memcpy(st, &tmp, tmp.size);
	st->size = size;
	return 0;
}

/* ---- events ------------------------------------------------------------- */

#define EVENTS_RCVBUF	(1024 * 1024)
#define EVENTS_BUF	65536

struct cryoctl_events {
	struct nl_sock *sk;
	int family;
	unsigned char *buf;	/* the last datagram received */
	int len;
	int pos;		/* where its next message starts */
};

CRYOCTL_EXPORT int cryoctl_events_open(struct cryoctl_events **evp)
{
	struct cryoctl_events *ev;
	int grp, ret, size = EVENTS_RCVBUF;

	if (!evp)
		return -EINVAL;
	*evp = NULL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->buf = malloc(EVENTS_BUF);
	if (!ev->buf) {
		free(ev);
		return -ENOMEM;
	}
	ret = family_open(&ev->sk, &ev->family);
	if (ret)
		goto fail;
	grp = genl_ctrl_resolve_grp(ev->sk, CRYO_GENL_NAME,
				    CRYO_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		ret = nl_errno(grp);
		goto fail;
	}
	/* setsockopt() itself, for the exact errno (EPERM). */
	if (setsockopt(nl_socket_get_fd(ev->sk), SOL_NETLINK,
		       NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0) {
		ret = neg_errno();
		goto fail;
	}
	/* Room for bursts; the kernel caps it at rmem_max. */
	setsockopt(nl_socket_get_fd(ev->sk), SOL_SOCKET, SO_RCVBUF, &size,
		   sizeof(size));
	ret = nl_errno(nl_socket_set_nonblocking(ev->sk));
	if (ret)
		goto fail;
	*evp = ev;
	return 0;
fail:
	cryoctl_events_close(ev);
	return ret;
}

CRYOCTL_EXPORT int cryoctl_events_fd(const struct cryoctl_events *ev)
{
	return ev ? nl_socket_get_fd(ev->sk) : -EINVAL;
}

CRYOCTL_EXPORT void cryoctl_events_close(struct cryoctl_events *ev)
{
	if (!ev)
		return;
	if (ev->sk)
		nl_socket_free(ev->sk);
	free(ev->buf);
	free(ev);
}

static void event_fill(struct nlattr **tb, uint8_t cmd, struct cryoctl_event *e)
{
	const struct nlattr *msg = tb[CRYO_NL_A_MESSAGE];

	e->type = cmd;
	e->session = get_u64(tb, CRYO_NL_A_SESSION_ID);
	e->time_ns = get_u64(tb, CRYO_NL_A_TIME_NS);
	e->pid = (int32_t)get_u32(tb, CRYO_NL_A_PID);
	e->caller_pid = (int32_t)get_u32(tb, CRYO_NL_A_CALLER_PID);
	e->image_pid = (int32_t)get_u32(tb, CRYO_NL_A_IMAGE_PID);
	e->flags = get_u32(tb, CRYO_NL_A_FLAGS);
	e->target = get_u32(tb, CRYO_NL_A_TARGET);
	e->reason = get_u32(tb, CRYO_NL_A_REASON);
	e->error = (int32_t)get_u32(tb, CRYO_NL_A_ERRNO);
	e->nr_threads = get_u32(tb, CRYO_NL_A_NR_THREADS);
	e->nr_processes = get_u32(tb, CRYO_NL_A_NR_PROCESSES);
	e->bytes = get_u64(tb, CRYO_NL_A_BYTES);
	e->pages = get_u64(tb, CRYO_NL_A_PAGES);
	e->duration_ns = get_u64(tb, CRYO_NL_A_DURATION_NS);
	e->message[0] = 0;
	if (msg) {
		size_t n = nla_len(msg);

		if (n >= sizeof(e->message))
			n = sizeof(e->message) - 1;
		memcpy(e->message, nla_data(msg), n);
		e->message[n] = 0;
	}
}

/* The next event of the family in the buffered datagram; 0 if none left. */
static int events_take(struct cryoctl_events *ev, struct cryoctl_event *e)
{
	while (ev->pos < ev->len) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(ev->buf + ev->pos);
		int left = ev->len - ev->pos;
		struct nlattr *tb[CRYO_NL_A_MAX + 1];
		struct cryoctl_event tmp;

		if (!nlmsg_ok(nlh, left)) {
			ev->pos = ev->len;
			break;
		}
		ev->pos += NLMSG_ALIGN(nlh->nlmsg_len);
		if (nlh->nlmsg_type != ev->family || parse(nlh, tb))
			continue;
		memset(&tmp, 0, sizeof(tmp));
		event_fill(tb, ((struct genlmsghdr *)nlmsg_data(nlh))->cmd, &tmp);
		tmp.size = e->size;
		memcpy(e, &tmp, e->size < sizeof(tmp) ? e->size : sizeof(tmp));
		return 1;
	}
	return 0;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

CRYOCTL_EXPORT int cryoctl_events_next(struct cryoctl_events *ev,
				       struct cryoctl_event *e, int timeout_ms)
{
	long long deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
	int fd;

	if (!ev || !e || e->size < CRYOCTL_EVENT_SIZE_VER0)
		return -EINVAL;
	fd = nl_socket_get_fd(ev->sk);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int wait = timeout_ms;

		if (events_take(ev, e))
			return 1;
		if (timeout_ms > 0) {
			long long left = deadline - mono_ms();

			wait = left > 0 ? (int)left : 0;
		}
		if (wait) {
			int ret = poll(&pfd, 1, wait);

			if (ret < 0)
				return neg_errno();
		}
		n = recv(fd, ev->buf, EVENTS_BUF, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (!wait || (timeout_ms > 0 &&
					      mono_ms() >= deadline))
					return 0;
				continue;
			}
			return neg_errno();	/* -ENOBUFS: events were lost */
		}
		ev->len = (int)n;
		ev->pos = 0;
	}
}

/* ---- names -------------------------------------------------------------- */

CRYOCTL_EXPORT const char *cryoctl_event_name(uint32_t type)
{
	static const char *const names[] = {
		[CRYO_NL_CMD_FREEZE_BEGIN] = "freeze-begin",
		[CRYO_NL_CMD_FREEZE_END] = "freeze-end",
		[CRYO_NL_CMD_FREEZE_ABORT] = "freeze-abort",
		[CRYO_NL_CMD_FREEZE_COMMIT] = "freeze-commit",
		[CRYO_NL_CMD_FREEZE_RELEASE] = "freeze-release",
		[CRYO_NL_CMD_THAW_BEGIN] = "thaw-begin",
		[CRYO_NL_CMD_THAW_END] = "thaw-end",
	};

	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "unknown";
}

CRYOCTL_EXPORT const char *cryoctl_state_name(uint32_t state)
{
	static const char *const names[] = {
		[CRYO_NL_STATE_IDLE] = "idle",
		[CRYO_NL_STATE_FREEZING] = "freezing",
		[CRYO_NL_STATE_FROZEN] = "frozen",
		[CRYO_NL_STATE_FREEZE_DONE] = "freeze-done",
		[CRYO_NL_STATE_FREEZE_FAILED] = "freeze-failed",
		[CRYO_NL_STATE_THAWING] = "thawing",
		[CRYO_NL_STATE_THAW_DONE] = "thaw-done",
		[CRYO_NL_STATE_THAW_FAILED] = "thaw-failed",
	};

	return state < ARRAY_SIZE(names) && names[state] ? names[state] : "unknown";
}

CRYOCTL_EXPORT const char *cryoctl_target_name(uint32_t target)
{
	static const char *const names[] = {
		[CRYO_NL_TARGET_RESUMED] = "resumed",
		[CRYO_NL_TARGET_HELD] = "held",
		[CRYO_NL_TARGET_KILLED] = "killed",
		[CRYO_NL_TARGET_EXITED] = "exited",
	};

	return target < ARRAY_SIZE(names) && names[target] ? names[target] : "";
}

CRYOCTL_EXPORT const char *cryoctl_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[CRYO_NL_REASON_READER_GONE] = "reader-gone",
		[CRYO_NL_REASON_TARGET_EXITED] = "target-exited",
		[CRYO_NL_REASON_TIMEOUT] = "timeout",
		[CRYO_NL_REASON_ERROR] = "error",
	};

	return reason < ARRAY_SIZE(names) && names[reason] ? names[reason] : "";
}
