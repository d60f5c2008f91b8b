/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the process part keeps of a thaw: the credentials it planned for
 * the restored process (struct cryo_cred_plan, in struct cryo_thawing).
 * Data only; the code is in task/creds.c.
 */
#ifndef _CRYO_TASK_STATE_H
#define _CRYO_TASK_STATE_H

#include <linux/types.h>

struct cred;
struct pid_namespace;
struct user_namespace;

/* Who the restored process will be, see cryo_creds_plan(). */
struct cryo_cred_plan {
	u32 *groups;			/* GROUPS record, as the freezer saw them */
	unsigned int nr_groups;
	bool set_ids;			/* the image's ids, not the caller's */
	bool may_secbits;		/* the caller has CAP_SETPCAP */
	const struct cred *open_cred;	/* the restored process's, planned */
	struct user_namespace *user_ns;	/* the caller's, referenced */
	struct pid_namespace *pid_ns;	/* the caller's, referenced */
};

#endif /* _CRYO_TASK_STATE_H */
