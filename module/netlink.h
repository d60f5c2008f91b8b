/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CRYO_NETLINK_H
#define _CRYO_NETLINK_H

#include <linux/types.h>

#include "netlink_state.h"

struct task_struct;

int cryo_netlink_init(cryo_nl_thaw_view_fn thaw_view);
void cryo_netlink_uninit(void);

/* device.c: the registry of sessions */
void cryo_nl_session_open(struct cryo_nl_session *ns);
void cryo_nl_session_close(struct cryo_nl_session *ns, bool held, bool gone);
void cryo_nl_session_free(struct cryo_nl_session *ns);

/* freeze.c and ioctl.c: a freeze's events */
void cryo_nl_freeze_begin(struct cryo_nl_session *ns, struct task_struct *task,
			  u32 flags);
void cryo_nl_freeze_started(struct cryo_nl_session *ns, int ret, bool held,
			    u32 nr_processes);
void cryo_nl_freeze_read(struct cryo_nl_session *ns, ssize_t ret,
			 const struct cryo_nl_stream *st);
void cryo_nl_freeze_commit(struct cryo_nl_session *ns);

/* thaw.c: a thaw's events */
void cryo_nl_thaw_begin(struct cryo_nl_session *ns, u64 start_ns);
void cryo_nl_thaw_end(const struct cryo_nl_thaw_end *end);

#endif /* _CRYO_NETLINK_H */
