/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the netlink family keeps of a session (struct cryo_nl_session, in
 * struct cryo_session) and the facts the sessions tell it.  Data only;
 * the code is in netlink.c.
 */
#ifndef _CRYO_NETLINK_STATE_H
#define _CRYO_NETLINK_STATE_H

#include <linux/list.h>
#include <linux/types.h>

struct pid;

/**
 * struct cryo_nl_session - what the netlink family knows of a session
 * @node: in the registry of open sessions, ordered by @id.
 * @id: the session's number, from 1, never reused.
 * @state: &enum cryo_nl_state; read without the session lock.
 * @flags: the freeze's or thaw's flags.
 * @thaw_flags: the flags of the CRYO_IOC_THAW being issued.
 * @pid: a freeze's target (referenced); changed under the registry lock.
 * @opener: the global tgid of the process that opened the session.
 * @caller: the global tgid of the process that began the freeze or thaw.
 * @bytes: image bytes read so far by the freeze's reader.
 * @nr_processes: the processes of the freeze's tree once CRYO_IOC_FREEZE
 *	found and parked it, 0 before.
 * @open_real_ns: CLOCK_REALTIME of the open.
 * @start_real_ns: CLOCK_REALTIME when the freeze or thaw began.
 * @start_ns: CLOCK_MONOTONIC when the freeze or thaw began.
 * @close_cmd: the event cryo_nl_session_free() sends, or 0.
 * @close_reason: its &enum cryo_nl_reason.
 * @close_target: its &enum cryo_nl_target.
 * @close_err: its errno (positive).
 *
 * Written under the session lock (or, at open and release, by the only
 * user of the session); the registry's readers take none of it and read
 * @state, @bytes, @nr_processes and @pid with READ_ONCE().
 */
struct cryo_nl_session {
	struct list_head node;
	u64 id;
	u32 state;
	u32 flags;
	u32 thaw_flags;
	struct pid *pid;
	pid_t opener;
	pid_t caller;
	u64 bytes;
	u32 nr_processes;
	u64 open_real_ns;
	u64 start_real_ns;
	u64 start_ns;
	u8 close_cmd;
	u32 close_reason;
	u32 close_target;
	int close_err;
};

/* What GET_SESSION shows of a session. */
struct cryo_nl_view {
	u32 state;		/* enum cryo_nl_state */
	u64 bytes;
	s32 pid;
	s32 image_pid;
	u32 nr_processes;	/* of the freeze or the image, 0 if not known */
};

/*
 * Fills @v for the thaw of the session of @ns, if it has one; called
 * under the registry's lock, which keeps the session and its thaw.
 */
typedef void (*cryo_nl_thaw_view_fn)(struct cryo_nl_session *ns,
				     struct cryo_nl_view *v);

/* Where a freeze's stream stands after a read, see cryo_nl_freeze_read(). */
struct cryo_nl_stream {
	bool eof;		/* the whole image has been read */
	bool held;		/* the target is still parked */
	bool gone;		/* the target was killed, or exited */
	int err;		/* the error that broke the stream, or 0 */
	u64 pages;		/* pages in the image */
	u32 nr_threads;		/* threads in the image */
	u32 nr_processes;	/* processes in the image */
};

/* How a thaw ended, see cryo_nl_thaw_end(). */
struct cryo_nl_thaw_end {
	u64 session;		/* the id of its session */
	u64 start_ns;		/* CLOCK_MONOTONIC of CRYO_IOC_THAW */
	int err;		/* 0, or how it failed */
	const char *msg;	/* why, "" if it did not fail */
	u64 bytes;		/* of the image read */
	s32 pid;		/* the restored process, 0 if none */
	s32 image_pid;		/* its pid in the image, 0 if not known */
	u32 nr_processes;	/* in the image's tree, 0 if not known */
};

#endif /* _CRYO_NETLINK_STATE_H */
