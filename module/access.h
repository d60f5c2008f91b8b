/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CRYO_ACCESS_H
#define _CRYO_ACCESS_H

#include <linux/sched.h>

int cryo_may_freeze(struct task_struct *task);

#endif /* _CRYO_ACCESS_H */
