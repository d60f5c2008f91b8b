// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "cryo" (see "Generic netlink" in
 * uapi/linux/cryo.h): events of every freeze and thaw on the multicast
 * group "events", the registry of open sessions behind
 * CRYO_NL_CMD_GET_SESSION, and the counters behind CRYO_NL_CMD_GET_STATS.
 *
 * The freeze and thaw sessions call in here at each transition, telling
 * what happened (an error, pages, threads, whether the target is held);
 * this file keeps what it needs of a session in struct cryo_nl_session,
 * which the session embeds, and never looks into the freeze or the thaw.
 * What GET_SESSION shows of a thaw in progress, the thaw layer tells
 * through the function given to cryo_netlink_init().
 *
 * The family lives in the initial network namespace only (netnsok is
 * false) and reports pids in the initial pid namespace.
 */
#include "cryo.h"

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <linux/cryo.h>
#include <linux/cryo_netlink.h>

#include "access.h"
#include "netlink.h"

/* Index of the events group in cryo_nl_mcgrps[]. */
enum {
	CRYO_NL_GRP_EVENTS,
};

/* Errnos counted one by one; 0 counts the others. */
#define CRYO_NL_ERRNO_SLOTS	256

/* The plain counters, in the order of their attributes. */
#define CRYO_NL_STAT_FIRST	CRYO_NL_A_STAT_FREEZES
#define CRYO_NL_STAT_LAST	CRYO_NL_A_STAT_THAW_BYTES
#define CRYO_NL_NR_STATS	(CRYO_NL_STAT_LAST - CRYO_NL_STAT_FIRST + 1)

static struct {
	u64 load_real_ns;
	atomic64_t val[CRYO_NL_NR_STATS];
	atomic64_t freeze_err[CRYO_NL_ERRNO_SLOTS];
	atomic64_t thaw_err[CRYO_NL_ERRNO_SLOTS];
} cryo_stats;

/*
 * The open sessions, ascending ids.  The lock also keeps every listed
 * session, its freeze target's struct pid and its thaw alive.
 */
static DEFINE_MUTEX(cryo_nl_lock);
static LIST_HEAD(cryo_nl_sessions);
static u64 cryo_nl_next_id = 1;
static u64 cryo_nl_nr_sessions;

static void cryo_stat_add(int attr, u64 n)
{
	atomic64_add(n, &cryo_stats.val[attr - CRYO_NL_STAT_FIRST]);
}

static void cryo_stat_err(atomic64_t *slots, int err)
{
	err = abs(err);
	atomic64_inc(&slots[err < CRYO_NL_ERRNO_SLOTS ? err : 0]);
}

/* ---- events ---------------------------------------------------------- */

/*
 * One event; @has says which attributes it carries (BIT_ULL(attr)): 64
 * bits, as attributes number past 31 (CRYO_NL_A_NR_PROCESSES).
 */
struct cryo_nl_ev {
	u8 cmd;
	u64 has;
	u64 session;
	s32 pid;
	s32 caller;
	s32 image_pid;
	u32 flags;
	u32 target;
	u32 reason;
	u32 err;
	u32 nr_threads;
	u32 nr_processes;
	u64 bytes;
	u64 pages;
	u64 duration;
	const char *msg;
};

#define EV_HAS(ev, attr)	((ev)->has & BIT_ULL(attr))
static_assert(CRYO_NL_A_MAX < 64, "cryo_nl_ev.has holds one bit per attribute");

static int cryo_nl_put_u64(struct sk_buff *skb, int attr, u64 val)
{
	return nla_put_u64_64bit(skb, attr, val, CRYO_NL_A_PAD);
}

static int cryo_nl_put_ev(struct sk_buff *skb, const struct cryo_nl_ev *ev)
{
	static const struct {
		u8 attr;
		u8 wide;
		u8 off;
	} fields[] = {
#define F(a, w, m) { a, w, offsetof(struct cryo_nl_ev, m) }
		F(CRYO_NL_A_SESSION_ID, 1, session),
		F(CRYO_NL_A_PID, 0, pid),
		F(CRYO_NL_A_CALLER_PID, 0, caller),
		F(CRYO_NL_A_IMAGE_PID, 0, image_pid),
		F(CRYO_NL_A_FLAGS, 0, flags),
		F(CRYO_NL_A_TARGET, 0, target),
		F(CRYO_NL_A_REASON, 0, reason),
		F(CRYO_NL_A_ERRNO, 0, err),
		F(CRYO_NL_A_NR_THREADS, 0, nr_threads),
		F(CRYO_NL_A_NR_PROCESSES, 0, nr_processes),
		F(CRYO_NL_A_BYTES, 1, bytes),
		F(CRYO_NL_A_PAGES, 1, pages),
		F(CRYO_NL_A_DURATION_NS, 1, duration),
#undef F
	};
	const u8 *base = (const u8 *)ev;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		if (!EV_HAS(ev, fields[i].attr))
			continue;
		if (fields[i].wide)
			ret = cryo_nl_put_u64(skb, fields[i].attr,
					      *(const u64 *)(base + fields[i].off));
		else
			ret = nla_put_u32(skb, fields[i].attr,
					  *(const u32 *)(base + fields[i].off));
		if (ret)
			return ret;
	}
	if (ev->msg && ev->msg[0] && nla_put_string(skb, CRYO_NL_A_MESSAGE, ev->msg))
		return -EMSGSIZE;
	return cryo_nl_put_u64(skb, CRYO_NL_A_TIME_NS, ktime_get_real_ns());
}

static struct genl_family cryo_nl_family;

static void cryo_nl_send(const struct cryo_nl_ev *ev)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&cryo_nl_family, &init_net, CRYO_NL_GRP_EVENTS))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &cryo_nl_family, 0, ev->cmd);
	if (!hdr || cryo_nl_put_ev(skb, ev)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	/* No listener left (ESRCH) or one that lags behind: not our concern. */
	genlmsg_multicast(&cryo_nl_family, skb, 0, CRYO_NL_GRP_EVENTS,
			  GFP_KERNEL);
}

static u64 cryo_nl_since(const struct cryo_nl_session *ns)
{
	return ktime_get_ns() - ns->start_ns;
}

/* The parts every freeze event has. */
static void cryo_nl_freeze_ev(struct cryo_nl_ev *ev, struct cryo_nl_session *ns,
			      u8 cmd)
{
	memset(ev, 0, sizeof(*ev));
	ev->cmd = cmd;
	ev->session = ns->id;
	ev->pid = pid_nr(ns->pid);
	ev->has = BIT_ULL(CRYO_NL_A_SESSION_ID) | BIT_ULL(CRYO_NL_A_PID);
}

/* FREEZE_END, and the session's state after it. */
static void cryo_nl_freeze_end(struct cryo_nl_session *ns, int err, u32 target,
			       const struct cryo_nl_stream *st)
{
	struct cryo_nl_ev ev;

	cryo_nl_freeze_ev(&ev, ns, CRYO_NL_CMD_FREEZE_END);
	ev.err = abs(err);
	ev.bytes = ns->bytes;
	ev.pages = err ? 0 : st->pages;	/* as before: none of a failure */
	ev.nr_threads = st->nr_threads;
	ev.nr_processes = st->nr_processes;
	ev.duration = cryo_nl_since(ns);
	ev.target = target;
	ev.has |= BIT_ULL(CRYO_NL_A_ERRNO) | BIT_ULL(CRYO_NL_A_BYTES) |
		  BIT_ULL(CRYO_NL_A_PAGES) | BIT_ULL(CRYO_NL_A_NR_THREADS) |
		  BIT_ULL(CRYO_NL_A_NR_PROCESSES) |
		  BIT_ULL(CRYO_NL_A_DURATION_NS) | BIT_ULL(CRYO_NL_A_TARGET);
	if (!err) {
		cryo_stat_add(CRYO_NL_A_STAT_FREEZES_DONE, 1);
		cryo_stat_add(CRYO_NL_A_STAT_FREEZE_BYTES, ns->bytes);
		cryo_stat_add(CRYO_NL_A_STAT_FREEZE_PAGES, st->pages);
		WRITE_ONCE(ns->state, target == CRYO_NL_TARGET_HELD ?
			   CRYO_NL_STATE_FROZEN : CRYO_NL_STATE_FREEZE_DONE);
	}
	cryo_nl_send(&ev);
}

/* FREEZE_ABORT: the target was let go (or died) without a complete image. */
static void cryo_nl_freeze_abort(struct cryo_nl_session *ns, u32 reason, int err,
				 u32 target)
{
	struct cryo_nl_ev ev;

	cryo_nl_freeze_ev(&ev, ns, CRYO_NL_CMD_FREEZE_ABORT);
	ev.reason = reason;
	ev.err = abs(err);
	ev.bytes = ns->bytes;
	ev.duration = cryo_nl_since(ns);
	ev.target = target;
	ev.has |= BIT_ULL(CRYO_NL_A_REASON) | BIT_ULL(CRYO_NL_A_ERRNO) |
		  BIT_ULL(CRYO_NL_A_BYTES) | BIT_ULL(CRYO_NL_A_DURATION_NS) |
		  BIT_ULL(CRYO_NL_A_TARGET);
	cryo_stat_add(CRYO_NL_A_STAT_FREEZES_ABORTED, 1);
	cryo_stat_err(cryo_stats.freeze_err, err);
	WRITE_ONCE(ns->state, CRYO_NL_STATE_FREEZE_FAILED);
	cryo_nl_send(&ev);
}

/* COMMIT or RELEASE: a target held after a complete image was let go. */
static void cryo_nl_freeze_let_go(struct cryo_nl_session *ns, u8 cmd, u32 target)
{
	struct cryo_nl_ev ev;

	cryo_nl_freeze_ev(&ev, ns, cmd);
	ev.bytes = ns->bytes;
	ev.duration = cryo_nl_since(ns);
	ev.target = target;
	ev.has |= BIT_ULL(CRYO_NL_A_BYTES) | BIT_ULL(CRYO_NL_A_DURATION_NS) |
		  BIT_ULL(CRYO_NL_A_TARGET);
	WRITE_ONCE(ns->state, CRYO_NL_STATE_FREEZE_DONE);
	cryo_nl_send(&ev);
}

/* Why a freeze that failed with @err ended. */
static u32 cryo_nl_reason(int err)
{
	switch (err) {
	case -ESRCH:
		return CRYO_NL_REASON_TARGET_EXITED;
	case -EBUSY:
		return CRYO_NL_REASON_TIMEOUT;
	case -EINTR:
	case -EPIPE:
		return CRYO_NL_REASON_READER_GONE;
	default:
		return CRYO_NL_REASON_ERROR;
	}
}

/**
 * cryo_nl_freeze_begin() - a freeze found its target and parks it now
 * @ns: the session's part, its session locked
 * @task: the target's thread-group leader
 * @flags: the freeze's &enum cryo_freeze_flags
 */
void cryo_nl_freeze_begin(struct cryo_nl_session *ns, struct task_struct *task,
			  u32 flags)
{
	struct pid *old, *pid = get_pid(task_tgid(task));
	struct cryo_nl_ev ev;

	mutex_lock(&cryo_nl_lock);
	old = ns->pid;
	WRITE_ONCE(ns->pid, pid);
	mutex_unlock(&cryo_nl_lock);
	put_pid(old);

	WRITE_ONCE(ns->flags, flags);
	WRITE_ONCE(ns->caller, task_tgid_nr(current));
	WRITE_ONCE(ns->bytes, 0);
	WRITE_ONCE(ns->nr_processes, 0);
	WRITE_ONCE(ns->start_real_ns, ktime_get_real_ns());
	ns->start_ns = ktime_get_ns();
	WRITE_ONCE(ns->state, CRYO_NL_STATE_FREEZING);
	cryo_stat_add(CRYO_NL_A_STAT_FREEZES, 1);

	cryo_nl_freeze_ev(&ev, ns, CRYO_NL_CMD_FREEZE_BEGIN);
	ev.caller = ns->caller;
	ev.flags = flags;
	ev.has |= BIT_ULL(CRYO_NL_A_CALLER_PID) | BIT_ULL(CRYO_NL_A_FLAGS);
	cryo_nl_send(&ev);
}

/**
 * cryo_nl_freeze_started() - CRYO_IOC_FREEZE returned
 * @ns: the session's part, its session locked
 * @ret: what it returned
 * @held: the session holds a freeze (it failed after publishing it)
 * @nr_processes: the processes of the tree it parked, when it succeeded
 *
 * A success tells GET_SESSION how many processes the freeze holds.  A
 * failure after cryo_nl_freeze_begin() aborted the freeze (the target is
 * resumed by now); one before it is a refusal.
 */
void cryo_nl_freeze_started(struct cryo_nl_session *ns, int ret, bool held,
			    u32 nr_processes)
{
	u32 target = ret == -ESRCH ? CRYO_NL_TARGET_EXITED :
				     CRYO_NL_TARGET_RESUMED;

	if (!ret) {
		WRITE_ONCE(ns->nr_processes, nr_processes);
		return;
	}
	if (held || ns->state != CRYO_NL_STATE_FREEZING) {
		cryo_stat_add(CRYO_NL_A_STAT_FREEZES_REFUSED, 1);
		cryo_stat_err(cryo_stats.freeze_err, ret);
		return;
	}
	cryo_nl_freeze_abort(ns, cryo_nl_reason(ret), ret, target);
	cryo_nl_freeze_end(ns, ret, target, &(struct cryo_nl_stream){});
}

/**
 * cryo_nl_freeze_read() - read() of a freeze session returned
 * @ns: the session's part, its session locked
 * @ret: what the read returned
 * @st: where the stream stands now, NULL without a freeze
 *
 * Counts the bytes and reports the end of the stream: complete, or
 * broken by an error (the target is resumed by now).
 */
void cryo_nl_freeze_read(struct cryo_nl_session *ns, ssize_t ret,
			 const struct cryo_nl_stream *st)
{
	u32 target;

	if (ret > 0)
		WRITE_ONCE(ns->bytes, ns->bytes + ret);
	if (!st || ns->state != CRYO_NL_STATE_FREEZING)
		return;
	if (st->eof) {
		cryo_nl_freeze_end(ns, 0, st->held ? CRYO_NL_TARGET_HELD :
				   CRYO_NL_TARGET_RESUMED, st);
	} else if (st->err) {
		target = CRYO_NL_TARGET_RESUMED;
		if (st->err == -ESRCH || st->gone)
			target = CRYO_NL_TARGET_EXITED;
		cryo_nl_freeze_abort(ns, target == CRYO_NL_TARGET_EXITED ?
				     CRYO_NL_REASON_TARGET_EXITED :
				     cryo_nl_reason(st->err),
				     st->err, target);
		cryo_nl_freeze_end(ns, st->err, target, st);
	}
}

/**
 * cryo_nl_freeze_commit() - CRYO_IOC_COMMIT succeeded
 * @ns: the session's part, its session locked
 */
void cryo_nl_freeze_commit(struct cryo_nl_session *ns)
{
	bool kill = ns->flags & CRYO_FREEZE_KILL;

	if (ns->state != CRYO_NL_STATE_FROZEN)
		return;		/* nothing was held: a checkpoint, resumed at EOF */
	if (kill)
		cryo_stat_add(CRYO_NL_A_STAT_KILLS, 1);
	cryo_stat_add(CRYO_NL_A_STAT_COMMITS, 1);
	cryo_nl_freeze_let_go(ns, CRYO_NL_CMD_FREEZE_COMMIT,
			      kill ? CRYO_NL_TARGET_KILLED :
			      CRYO_NL_TARGET_RESUMED);
}

/* ---- thaw events ------------------------------------------------------ */

/**
 * cryo_nl_thaw_begin() - CRYO_IOC_THAW created its thaw
 * @ns: the session's part, its session locked
 * @start_ns: CLOCK_MONOTONIC of the start, as the thaw keeps it
 */
void cryo_nl_thaw_begin(struct cryo_nl_session *ns, u64 start_ns)
{
	struct cryo_nl_ev ev = {
		.cmd = CRYO_NL_CMD_THAW_BEGIN,
		.has = BIT_ULL(CRYO_NL_A_SESSION_ID) | BIT_ULL(CRYO_NL_A_CALLER_PID) |
		       BIT_ULL(CRYO_NL_A_FLAGS),
	};

	WRITE_ONCE(ns->flags, ns->thaw_flags);
	WRITE_ONCE(ns->caller, task_tgid_nr(current));
	WRITE_ONCE(ns->start_real_ns, ktime_get_real_ns());
	ns->start_ns = start_ns;
	WRITE_ONCE(ns->state, CRYO_NL_STATE_THAWING);
	cryo_stat_add(CRYO_NL_A_STAT_THAWS, 1);
	ev.session = ns->id;
	ev.caller = ns->caller;
	ev.flags = ns->flags;
	cryo_nl_send(&ev);
}

/**
 * cryo_nl_thaw_end() - a thaw is over, reported once
 * @end: how it ended
 *
 * Called by the thaw (thaw.c) when it is done or failed, or when its
 * session is closed before the restore began; maybe after the session is
 * gone, from the restored process's threads.
 */
void cryo_nl_thaw_end(const struct cryo_nl_thaw_end *end)
{
	struct cryo_nl_ev ev = {
		.cmd = CRYO_NL_CMD_THAW_END,
		.has = BIT_ULL(CRYO_NL_A_SESSION_ID) | BIT_ULL(CRYO_NL_A_ERRNO) |
		       BIT_ULL(CRYO_NL_A_BYTES) | BIT_ULL(CRYO_NL_A_DURATION_NS),
		.session = end->session,
		.err = -end->err,
		.bytes = end->bytes,
		.duration = ktime_get_ns() - end->start_ns,
		.msg = end->msg,
	};

	if (end->image_pid) {
		ev.image_pid = end->image_pid;
		ev.has |= BIT_ULL(CRYO_NL_A_IMAGE_PID);
	}
	if (end->pid) {
		ev.pid = end->pid;
		ev.has |= BIT_ULL(CRYO_NL_A_PID);
	}
	if (end->nr_processes) {
		ev.nr_processes = end->nr_processes;
		ev.has |= BIT_ULL(CRYO_NL_A_NR_PROCESSES);
	}
	if (end->err) {
		cryo_stat_add(CRYO_NL_A_STAT_THAWS_FAILED, 1);
		cryo_stat_err(cryo_stats.thaw_err, end->err);
	} else {
		cryo_stat_add(CRYO_NL_A_STAT_THAWS_DONE, 1);
		cryo_stat_add(CRYO_NL_A_STAT_THAW_BYTES, ev.bytes);
	}
	cryo_nl_send(&ev);
}

/* ---- the registry of sessions ----------------------------------------- */

/**
 * cryo_nl_session_open() - number a new session and list it
 * @s: the session, not yet visible to anyone
 */
void cryo_nl_session_open(struct cryo_nl_session *ns)
{
	ns->opener = task_tgid_nr(current);
	ns->open_real_ns = ktime_get_real_ns();
	mutex_lock(&cryo_nl_lock);
	ns->id = cryo_nl_next_id++;
	list_add_tail(&ns->node, &cryo_nl_sessions);
	cryo_nl_nr_sessions++;
	mutex_unlock(&cryo_nl_lock);
}

/**
 * cryo_nl_session_close() - the final close: unlist the session
 * @ns: the session's part; its freeze and thaw are about to go
 * @held: its freeze still holds the target parked
 * @gone: that target was killed, or exited
 *
 * Works out which event the end of the freeze will be, for
 * cryo_nl_session_free() to send once the target has been let go.
 */
void cryo_nl_session_close(struct cryo_nl_session *ns, bool held, bool gone)
{
	mutex_lock(&cryo_nl_lock);
	list_del(&ns->node);
	cryo_nl_nr_sessions--;
	mutex_unlock(&cryo_nl_lock);

	if (!held)
		return;

	ns->close_target = CRYO_NL_TARGET_RESUMED;
	ns->close_reason = CRYO_NL_REASON_READER_GONE;
	ns->close_err = EPIPE;
	if (gone) {
		ns->close_target = CRYO_NL_TARGET_EXITED;
		ns->close_reason = CRYO_NL_REASON_TARGET_EXITED;
		ns->close_err = ESRCH;
	}
	if (ns->state == CRYO_NL_STATE_FREEZING ||
	    (ns->state == CRYO_NL_STATE_FROZEN &&
	     (ns->flags & CRYO_FREEZE_KILL)))
		ns->close_cmd = CRYO_NL_CMD_FREEZE_ABORT;
	else if (ns->state == CRYO_NL_STATE_FROZEN)
		ns->close_cmd = CRYO_NL_CMD_FREEZE_RELEASE;
}

/**
 * cryo_nl_session_free() - the session's freeze and thaw are gone
 * @s: the session, about to be freed
 *
 * Sends what cryo_nl_session_close() found, now that the target runs
 * again.
 */
void cryo_nl_session_free(struct cryo_nl_session *ns)
{
	bool freezing = ns->state == CRYO_NL_STATE_FREEZING;

	switch (ns->close_cmd) {
	case CRYO_NL_CMD_FREEZE_ABORT:
		cryo_nl_freeze_abort(ns, ns->close_reason, ns->close_err,
				     ns->close_target);
		if (freezing)
			cryo_nl_freeze_end(ns, ns->close_err, ns->close_target,
					   &(struct cryo_nl_stream){});
		break;
	case CRYO_NL_CMD_FREEZE_RELEASE:
		cryo_nl_freeze_let_go(ns, CRYO_NL_CMD_FREEZE_RELEASE,
				      ns->close_target);
		break;
	}
	put_pid(ns->pid);
}

/* ---- commands ---------------------------------------------------------- */

#define CRYO_NL_EPERM_MSG "needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN"

/* What the session layer tells of a session's thaw, cryo_netlink_init(). */
static cryo_nl_thaw_view_fn cryo_nl_thaw_view;

/* cryo_nl_lock keeps @ns, its target's pid and its thaw. */
static void cryo_nl_view(struct cryo_nl_session *ns, struct cryo_nl_view *v)
{
	lockdep_assert_held(&cryo_nl_lock);

	v->state = READ_ONCE(ns->state);
	v->bytes = READ_ONCE(ns->bytes);
	v->pid = pid_nr(READ_ONCE(ns->pid));
	v->image_pid = 0;
	v->nr_processes = READ_ONCE(ns->nr_processes);
	/* A thaw's state lives with the thaw, which may outlive us. */
	cryo_nl_thaw_view(ns, v);
}

/* One session's reply. */
static int cryo_nl_fill_session(struct sk_buff *skb, struct cryo_nl_session *ns,
				const struct cryo_nl_view *v, u32 portid,
				u32 seq, int flags)
{
	void *hdr;

	lockdep_assert_held(&cryo_nl_lock);
	hdr = genlmsg_put(skb, portid, seq, &cryo_nl_family, flags,
			  CRYO_NL_CMD_GET_SESSION);
	if (!hdr)
		return -EMSGSIZE;
	if (cryo_nl_put_u64(skb, CRYO_NL_A_SESSION_ID, ns->id) ||
	    nla_put_u32(skb, CRYO_NL_A_STATE, v->state) ||
	    cryo_nl_put_u64(skb, CRYO_NL_A_OPEN_TIME_NS, ns->open_real_ns) ||
	    nla_put_s32(skb, CRYO_NL_A_OPENER_PID, ns->opener))
		goto cancel;
	if (v->state != CRYO_NL_STATE_IDLE &&
	    (nla_put_s32(skb, CRYO_NL_A_CALLER_PID, READ_ONCE(ns->caller)) ||
	     nla_put_u32(skb, CRYO_NL_A_FLAGS, READ_ONCE(ns->flags)) ||
	     cryo_nl_put_u64(skb, CRYO_NL_A_START_TIME_NS,
			     READ_ONCE(ns->start_real_ns)) ||
	     cryo_nl_put_u64(skb, CRYO_NL_A_BYTES, v->bytes)))
		goto cancel;
	if (v->pid && nla_put_s32(skb, CRYO_NL_A_PID, v->pid))
		goto cancel;
	if (v->image_pid && nla_put_s32(skb, CRYO_NL_A_IMAGE_PID, v->image_pid))
		goto cancel;
	if (v->nr_processes &&
	    nla_put_u32(skb, CRYO_NL_A_NR_PROCESSES, v->nr_processes))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int cryo_nl_get_session_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cryo_nl_view v;
	struct cryo_nl_session *ns;
	struct sk_buff *msg;
	u64 id;
	int ret;

	if (!cryo_may_query_sessions(skb)) {
		GENL_SET_ERR_MSG(info, CRYO_NL_EPERM_MSG);
		return -EPERM;
	}
	if (GENL_REQ_ATTR_CHECK(info, CRYO_NL_A_SESSION_ID)) {
		GENL_SET_ERR_MSG(info, "CRYO_NL_A_SESSION_ID is required (or ask for a dump)");
		return -EINVAL;
	}
	id = nla_get_u64(info->attrs[CRYO_NL_A_SESSION_ID]);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = -ENOENT;
	mutex_lock(&cryo_nl_lock);
	list_for_each_entry(ns, &cryo_nl_sessions, node) {
		if (ns->id == id) {
			cryo_nl_view(ns, &v);
			ret = cryo_nl_fill_session(msg, ns, &v, info->snd_portid,
						   info->snd_seq, 0);
			break;
		}
	}
	mutex_unlock(&cryo_nl_lock);
	if (ret) {
		if (ret == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[CRYO_NL_A_SESSION_ID],
					    "no open session has this id");
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static int cryo_nl_get_session_start(struct netlink_callback *cb)
{
	if (!cryo_may_query_sessions(cb->skb)) {
		NL_SET_ERR_MSG(cb->extack, CRYO_NL_EPERM_MSG);
		return -EPERM;
	}
	return 0;
}

/* cb->args[0]: the last session id dumped. */
static int cryo_nl_get_session_dumpit(struct sk_buff *skb,
				      struct netlink_callback *cb)
{
	struct nlattr **attrs = cryo_genl_dump_attrs(cb);
	struct cryo_nl_view v;
	struct cryo_nl_session *ns;
	s32 want = 0;
	int ret;

	if (attrs && attrs[CRYO_NL_A_PID])
		want = nla_get_s32(attrs[CRYO_NL_A_PID]);
	mutex_lock(&cryo_nl_lock);
	list_for_each_entry(ns, &cryo_nl_sessions, node) {
		if (ns->id <= (u64)cb->args[0])
			continue;
		cryo_nl_view(ns, &v);
		if (want && v.pid != want)
			continue;
		ret = cryo_nl_fill_session(skb, ns, &v,
					   NETLINK_CB(cb->skb).portid,
					   cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (ret)
			break;
		cb->args[0] = ns->id;
	}
	mutex_unlock(&cryo_nl_lock);
	return skb->len;
}

/* One nest of (errno, count) pairs, the counts that are not 0. */
static int cryo_nl_put_errors(struct sk_buff *skb, int attr,
			      atomic64_t *slots)
{
	struct nlattr *nest, *one;
	unsigned int i;

	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i <= CRYO_NL_ERRNO_SLOTS; i++) {
		unsigned int err = i % CRYO_NL_ERRNO_SLOTS;	/* 0, "other", last */
		u64 n = atomic64_read(&slots[err]);

		if (!n)
			continue;
		one = nla_nest_start(skb, CRYO_NL_A_STAT_ERROR);
		if (!one || nla_put_u32(skb, CRYO_NL_A_ERRNO, err) ||
		    cryo_nl_put_u64(skb, CRYO_NL_A_STAT_COUNT, n))
			return -EMSGSIZE;
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int cryo_nl_get_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	unsigned int i;
	u64 sessions;
	void *hdr;

	if (!cryo_may_query_sessions(skb)) {
		GENL_SET_ERR_MSG(info, CRYO_NL_EPERM_MSG);
		return -EPERM;
	}
	mutex_lock(&cryo_nl_lock);
	sessions = cryo_nl_nr_sessions;
	mutex_unlock(&cryo_nl_lock);

	/* Two nests of at most 256 errors of 28 bytes each fit in 16 KiB. */
	msg = genlmsg_new(16384, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &cryo_nl_family, 0,
				CRYO_NL_CMD_GET_STATS);
	if (!hdr)
		goto fail;
	if (cryo_nl_put_u64(msg, CRYO_NL_A_STAT_LOAD_TIME_NS,
			    cryo_stats.load_real_ns) ||
	    cryo_nl_put_u64(msg, CRYO_NL_A_STAT_SESSIONS, sessions))
		goto fail;
	for (i = 0; i < CRYO_NL_NR_STATS; i++)
		if (cryo_nl_put_u64(msg, CRYO_NL_STAT_FIRST + i,
				    atomic64_read(&cryo_stats.val[i])))
			goto fail;
	if (cryo_nl_put_errors(msg, CRYO_NL_A_STAT_FREEZE_ERRORS,
			       cryo_stats.freeze_err) ||
	    cryo_nl_put_errors(msg, CRYO_NL_A_STAT_THAW_ERRORS,
			       cryo_stats.thaw_err))
		goto fail;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
fail:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * Per-command policies.  Every command is validated strictly (the family
 * has no resv_start_op): an attribute a command does not list here is
 * refused.
 */
static const struct nla_policy cryo_nl_session_policy[CRYO_NL_A_MAX + 1] = {
	[CRYO_NL_A_SESSION_ID]	= NLA_POLICY_MIN(NLA_U64, 1),
	[CRYO_NL_A_PID]		= NLA_POLICY_MIN(NLA_S32, 1),
};

static const struct nla_policy cryo_nl_stats_policy[CRYO_NL_A_MAX + 1] = {
};

static const struct genl_ops cryo_nl_ops[] = {
	{
		.cmd		= CRYO_NL_CMD_GET_SESSION,
		.policy		= cryo_nl_session_policy,
		.maxattr	= CRYO_NL_A_MAX,
		.doit		= cryo_nl_get_session_doit,
		.start		= cryo_nl_get_session_start,
		.dumpit		= cryo_nl_get_session_dumpit,
	},
	{
		.cmd		= CRYO_NL_CMD_GET_STATS,
		.policy		= cryo_nl_stats_policy,
		.maxattr	= CRYO_NL_A_MAX,
		.doit		= cryo_nl_get_stats_doit,
	},
};

/*
 * Joining needs CAP_SYS_ADMIN over the network namespace's user
 * namespace, that is the initial one: the core knows no other capability
 * for a group, and the family's bind callback (6.12 only) cannot refuse.
 */
static const struct genl_multicast_group cryo_nl_mcgrps[] = {
	[CRYO_NL_GRP_EVENTS] = {
		.name	= CRYO_GENL_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_SYS_ADMIN,
	},
};

static struct genl_family cryo_nl_family __ro_after_init = {
	.name		= CRYO_GENL_NAME,
	.version	= CRYO_GENL_VERSION,
	.maxattr	= CRYO_NL_A_MAX,
	.module		= THIS_MODULE,
	.netnsok	= false,
	.parallel_ops	= true,
	.ops		= cryo_nl_ops,
	.n_ops		= ARRAY_SIZE(cryo_nl_ops),
	.mcgrps		= cryo_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(cryo_nl_mcgrps),
};

/**
 * cryo_netlink_init() - register the family
 * @thaw_view: how GET_SESSION learns the state of a session's thaw
 *
 * Return: 0 or -errno.
 */
int cryo_netlink_init(cryo_nl_thaw_view_fn thaw_view)
{
	cryo_nl_thaw_view = thaw_view;
	cryo_stats.load_real_ns = ktime_get_real_ns();
	return genl_register_family(&cryo_nl_family);
}

void cryo_netlink_uninit(void)
{
	genl_unregister_family(&cryo_nl_family);
}
