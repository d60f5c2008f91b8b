/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Open files: the fd table and each kind of open file description.  At
 * the freeze, FILE, FILE_DATA and FD records; at the thaw, the same
 * records checked, each description recreated and the fds installed.
 */
#ifndef _CRYO_FILES_H
#define _CRYO_FILES_H

#include <linux/types.h>

struct cryo_image;
struct cryo_rec;
struct cryo_thaw_inherit;
struct cryo_thaw_tree;
struct cryo_thawing;
struct cryo_why;
struct file;
struct files_struct;

/* fdtable.c: the fd table and the FD records */
int cryo_fdtable_check(struct cryo_image *img, struct cryo_why *why);
int cryo_pipe_check_outside(struct cryo_image *img, struct cryo_why *why);
int cryo_fdtable_save(struct cryo_image *img);
void cryo_fdtable_save_end(struct cryo_image *img);
int cryo_fdtable_inherit(struct cryo_thawing *t,
			 const struct cryo_thaw_inherit __user *uin,
			 unsigned int nr);
int cryo_fdtable_load_fd(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_fdtable_open(struct cryo_thawing *t);
int cryo_fdtable_resolve(struct cryo_thawing *t);
int cryo_fdtable_install(struct cryo_thawing *t);
void cryo_fdtable_release(struct cryo_thawing *t);
void cryo_files_release(struct cryo_thaw_tree *tree);

/* tty.c: the caller's terminal for a shell job, and its SIGWINCH */
int cryo_tty_shell(struct cryo_thawing *t, int fd);
int cryo_tty_shell_check(struct cryo_thawing *t);
void cryo_tty_final(struct cryo_thawing *t);
void cryo_tty_shell_undo(struct cryo_thaw_tree *tree);

/* pty.c: the tree's pseudo-terminal pairs, checked at the freeze */
int cryo_pty_check(struct cryo_image *img, struct cryo_why *why);

/* file.c: the FILE and FILE_DATA records */
int cryo_file_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_file_load_data(struct cryo_thawing *t, const struct cryo_rec *rec);

/* pipe.c: the pipes the library made for the restored process */
int cryo_pipe_attach(struct cryo_thawing *t, const s32 *fds, unsigned int nr);
int cryo_pipe_check_tree(struct cryo_thawing *t);

/* object.c: the descriptions the library makes (eventfd, timerfd ...) */
struct cryo_thaw;
struct cryo_thaw_restore;
int cryo_file_state_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_object_out(struct cryo_thawing *t, struct cryo_thaw *arg);
int cryo_object_attach(struct cryo_thawing *t, struct cryo_thaw_restore *a);

/* inotify.c: the INOTIFY_WATCH records, CRYO_IOC_THAW_INOTIFY */
struct cryo_session;
struct cryo_thaw_inotify;
int cryo_inotify_watch_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_inotify_thaw_watch(struct cryo_session *s, struct cryo_thaw_inotify *arg);

/* locks.c: the LOCK records; at most this many per member */
#define CRYO_LOCKS_MAX	4096
struct cryo_files_restore;
struct cryo_files_save;
u32 cryo_locks_held(struct file *file, struct files_struct *files,
		    unsigned int *count);
int cryo_locks_save(struct cryo_image *img, bool first);
void cryo_locks_save_end(struct cryo_files_save *fs);
int cryo_locks_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_locks_restore(struct cryo_thawing *t);
int cryo_locks_install(struct cryo_thawing *t);
void cryo_locks_release(struct cryo_files_restore *ft);

/* epoll.c: the EPOLL_ITEM records; at most this many per epoll */
#define CRYO_EPOLL_ITEMS_MAX	65536
struct cryo_files_shared;
int cryo_epoll_check(struct cryo_image *img, struct cryo_why *why);
int cryo_epoll_save_items(struct cryo_image *img, bool first);
void cryo_epoll_save_end(struct cryo_files_save *fs);
int cryo_epoll_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_epoll_fill(struct cryo_thawing *t, struct cryo_thaw_epoll *a);
int cryo_epoll_verify(struct cryo_thawing *t);
void cryo_epoll_release(struct cryo_files_restore *ft);
void cryo_epoll_release_tree(struct cryo_files_shared *sh);

#endif /* _CRYO_FILES_H */
