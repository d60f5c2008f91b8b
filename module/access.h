/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CRYO_ACCESS_H
#define _CRYO_ACCESS_H

#include <linux/sched.h>

#include "refuse.h"

int cryo_may_freeze(struct task_struct *task, struct cryo_why *why);
int cryo_kernel_may_attach(struct task_struct *task, struct mm_struct *mm,
			   struct cryo_why *why);

#endif /* _CRYO_ACCESS_H */
