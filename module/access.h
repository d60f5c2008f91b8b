/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CRYO_ACCESS_H
#define _CRYO_ACCESS_H

#include <linux/sched.h>

struct cred;
struct cryo_thaw_tree;
struct cryo_thawing;
struct cryo_why;
struct group_info;
struct sk_buff;
struct user_namespace;
struct vfsmount;

int cryo_may_freeze(struct task_struct *task, struct cryo_why *why);
bool cryo_may_query_sessions(const struct sk_buff *skb);
bool cryo_may_set_ids(struct user_namespace *ns);
bool cryo_may_set_securebits(struct user_namespace *ns);
bool cryo_may_raise_nofile(u64 max);
bool cryo_groups_equal(const struct group_info *a, const struct group_info *b);
bool cryo_member_pid_ns_ok(const struct cryo_thaw_tree *tree);
bool cryo_runs_as_planned(struct cryo_thawing *t);
const char *cryo_claimer_differs(const struct cred *thawer, bool planned_ids);
int cryo_may_restore(struct cryo_thawing *t);
bool cryo_may_join_restore(struct cryo_thawing *t);
struct vfsmount *cryo_access_mount(void);
void cryo_access_umount(struct vfsmount *mnt);
int cryo_kernel_may_attach(struct vfsmount *mnt, struct task_struct *task,
			   struct mm_struct *mm, bool threads,
			   struct cryo_why *why);

#endif /* _CRYO_ACCESS_H */
