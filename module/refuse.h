/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CRYO_REFUSE_H
#define _CRYO_REFUSE_H

#include <linux/cryo.h>
#include <linux/types.h>

struct cryo_image;
struct task_struct;

/**
 * struct cryo_why - why a freeze is refused, for &cryo_freeze.refusal
 * @code: &enum cryo_refusal
 * @id: the fd, thread or process it names (caller's pid namespace), or -1
 */
struct cryo_why {
	u32 code;
	s32 id;
};

/* Record the first refusal met; returns @err for the caller to return. */
static inline int cryo_refuse(struct cryo_why *why, u32 code, s32 id,
			      int err)
{
	why->code = code;
	why->id = id;
	return err;
}

struct file;
struct files_struct;

int cryo_refuse_check(struct cryo_image *img, struct cryo_why *why);
int cryo_refuse_unparkable(struct task_struct *task, struct cryo_why *why);
void cryo_refusal_log(pid_t pid, const struct cryo_why *why, int err);

/* locks.c */
u32 cryo_locks_held(struct file *file, struct files_struct *files);

#endif /* _CRYO_REFUSE_H */
