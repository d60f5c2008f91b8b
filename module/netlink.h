/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CRYO_NETLINK_H
#define _CRYO_NETLINK_H

#include <linux/list.h>
#include <linux/types.h>

struct cryo_session;
struct cryo_thawing;
struct pid;
struct task_struct;

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
 * @state, @bytes and @pid with READ_ONCE().
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
	u64 open_real_ns;
	u64 start_real_ns;
	u64 start_ns;
	u8 close_cmd;
	u32 close_reason;
	u32 close_target;
	int close_err;
};

int cryo_netlink_init(void);
void cryo_netlink_uninit(void);

/* device.c: the registry of sessions */
void cryo_nl_session_open(struct cryo_session *s);
void cryo_nl_session_close(struct cryo_session *s);
void cryo_nl_session_free(struct cryo_session *s);
void cryo_nl_freeze_read(struct cryo_session *s, ssize_t ret);

/* ioctl.c and freeze.c: a freeze's events */
void cryo_nl_freeze_begin(struct cryo_session *s, struct task_struct *task,
			  u32 flags);
void cryo_nl_freeze_started(struct cryo_session *s, int ret);
void cryo_nl_freeze_commit(struct cryo_session *s);

/* thaw.c: a thaw's events */
void cryo_nl_thaw_begin(struct cryo_session *s, struct cryo_thawing *t);
void cryo_nl_thaw_state(struct cryo_thawing *t);

#endif /* _CRYO_NETLINK_H */
