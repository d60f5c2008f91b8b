/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parking a target's threads in the kernel (park.c); the types are in
 * freezing.h.
 */
#ifndef _CRYO_PARK_H
#define _CRYO_PARK_H

#include <linux/types.h>

struct cryo_park;
struct task_struct;

/* How long a thread found inside a system call runs on before a retry. */
#define CRYO_PARK_RETRY_MS	10

int cryo_cpu_fpu_layout(unsigned int *note, unsigned int *size);
u64 cryo_cpu_xfeatures(void);
bool cryo_cpu_fpu_dynamic(struct task_struct *leader);
int cryo_park_begin(struct task_struct *leader, struct cryo_park **parkp);
int cryo_park_finish(struct cryo_park *park, struct task_struct *leader,
		     unsigned int timeout_ms);
void cryo_park_release(struct cryo_park *park);
bool cryo_park_alive(struct cryo_park *park);

#endif /* _CRYO_PARK_H */
