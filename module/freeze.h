/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The freeze session's entry points (freeze.c) and its splice() path
 * (splice.c).
 */
#ifndef _CRYO_FREEZE_H
#define _CRYO_FREEZE_H

#include <linux/cryo.h>
#include <linux/fs.h>

struct cryo_image;
struct cryo_session;
struct pipe_inode_info;

/* See cryo_freeze_stream(). */
typedef ssize_t (*cryo_out_fn)(struct cryo_image *img, void *to, size_t done,
			       size_t count);

int cryo_freeze_start(struct cryo_session *s, struct cryo_freeze *arg);
int cryo_freeze_commit(struct cryo_session *s, struct cryo_commit *arg);
ssize_t cryo_freeze_read(struct cryo_session *s, char __user *buf,
			 size_t count);
ssize_t cryo_freeze_stream(struct cryo_session *s, cryo_out_fn out, void *to,
			   size_t count);
void cryo_freeze_end(struct cryo_session *s);
void cryo_freeze_report_read(struct cryo_session *s, ssize_t ret);
bool cryo_freeze_held(struct cryo_session *s, bool *gone);

void cryo_freeze_advance(struct cryo_image *img, size_t n);

/* splice.c */
ssize_t cryo_splice_read(struct file *in, loff_t *ppos,
			 struct pipe_inode_info *pipe, size_t len,
			 unsigned int flags);

#endif /* _CRYO_FREEZE_H */
