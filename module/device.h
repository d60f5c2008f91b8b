/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The /dev/cryo misc device (device.c).
 */
#ifndef _CRYO_DEVICE_H
#define _CRYO_DEVICE_H

#include <linux/fs.h>

int cryo_device_init(void);
void cryo_device_uninit(void);

#endif /* _CRYO_DEVICE_H */
