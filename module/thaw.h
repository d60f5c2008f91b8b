/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The thaw session's entry points: CRYO_IOC_THAW (thaw.c), the restore
 * past the point of no return (restore.c) and CRYO_IOC_REMAP (remap.c).
 */
#ifndef _CRYO_THAW_H
#define _CRYO_THAW_H

#include <linux/types.h>

struct cryo_nl_session;
struct cryo_nl_view;
struct cryo_remap;
struct cryo_session;
struct cryo_thaw;
struct cryo_thaw_finish;
struct cryo_thaw_restore;
struct cryo_thaw_status;
struct cryo_thaw_shm;
struct cryo_thaw_epoll;
struct cryo_thaw_thread;
struct cryo_thaw_tree;
struct cryo_thawing;

/* thaw.c */
int cryo_thaw_prepare(struct cryo_session *s, struct cryo_thaw *arg);
int cryo_thaw_status(struct cryo_session *s, struct cryo_thaw_status *arg);
void cryo_thaw_end(struct cryo_session *s);
int cryo_thaw_member(struct cryo_session *s, struct cryo_thaw *arg);
int cryo_thaw_shm(struct cryo_session *s, struct cryo_thaw_shm *arg);
struct cryo_thawing *cryo_thaw_new(struct cryo_session *s, bool remap,
				   u32 flags);
int cryo_thaw_load_head(struct cryo_thawing *t);
int cryo_thaw_load_section(struct cryo_thawing *t);
int cryo_thaw_load(struct cryo_thawing *t);
void cryo_thaw_put(struct cryo_thaw_tree *tree);
void cryo_thaw_report(struct cryo_thaw_tree *tree, bool cancel);
struct cryo_thawing *cryo_thaw_lost(struct cryo_thaw_tree *tree);
void cryo_thaw_fail_lost(struct cryo_thawing *m);
bool cryo_thaw_overdue(struct cryo_thaw_tree *tree);
void cryo_thaw_view(struct cryo_nl_session *ns, struct cryo_nl_view *v);
void cryo_thaw_set_state(struct cryo_thawing *t, u32 state);
int cryo_thaw_kill(struct cryo_thawing *t, int err);

/* restore.c */
int cryo_thaw_restore(struct cryo_session *s, struct cryo_thaw_restore *arg);
int cryo_thaw_attach(struct cryo_session *s, struct cryo_thaw_restore *arg);
int cryo_thaw_epoll(struct cryo_session *s, struct cryo_thaw_epoll *arg);
int cryo_thaw_thread(struct cryo_session *s, struct cryo_thaw_thread *arg);
int cryo_thaw_finish(struct cryo_session *s, struct cryo_thaw_finish *arg);
int cryo_check_fresh(struct cryo_thawing *t);
void cryo_forget_user_state(void);

/* remap.c */
int cryo_remap(struct cryo_session *s, struct cryo_remap *arg);

#endif /* _CRYO_THAW_H */
