/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a freeze refuses rather than lose (refuse.c); struct cryo_why is
 * in freezing.h.
 */
#ifndef _CRYO_REFUSE_H
#define _CRYO_REFUSE_H

#include <linux/cryo.h>
#include <linux/types.h>

struct cryo_image;
struct cryo_why;
struct task_struct;

int cryo_refuse_check(struct cryo_image *img, struct cryo_why *why);
int cryo_refuse_unparkable(struct task_struct *task, struct cryo_why *why);
void cryo_refusal_log(pid_t pid, const struct cryo_why *why, int err);

#endif /* _CRYO_REFUSE_H */
