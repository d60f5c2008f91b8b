/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioctl dispatch (ioctl.c).
 */
#ifndef _CRYO_IOCTL_H
#define _CRYO_IOCTL_H

#include <linux/fs.h>

long cryo_ioctl(struct file *filp, unsigned int cmd, unsigned long arg);

#endif /* _CRYO_IOCTL_H */
