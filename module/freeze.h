/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CRYO_FREEZE_H
#define _CRYO_FREEZE_H

#include <linux/cryo.h>
#include <linux/fs.h>

struct cryo_session;

int cryo_freeze_start(struct cryo_session *s, struct cryo_freeze *arg);
int cryo_freeze_commit(struct cryo_session *s, struct cryo_commit *arg);
ssize_t cryo_freeze_read(struct cryo_session *s, char __user *buf,
			 size_t count);
void cryo_freeze_end(struct cryo_session *s);

#endif /* _CRYO_FREEZE_H */
