/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which boot an image comes from (image/boot.c).
 */
#ifndef _CRYO_IMAGE_BOOT_H
#define _CRYO_IMAGE_BOOT_H

#include <linux/types.h>

/* boot.c: this boot's id, and whether an image's is the same */
void cryo_boot_init(void);
void cryo_boot_get(u8 id[16]);
bool cryo_boot_same(const u8 id[16]);

#endif /* _CRYO_IMAGE_BOOT_H */
