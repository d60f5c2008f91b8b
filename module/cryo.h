/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Included first by every file of cryo.ko: the log prefix and the
 * differences between the supported kernels.
 */
#ifndef _CRYO_CRYO_H
#define _CRYO_CRYO_H

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "compat.h"

#endif /* _CRYO_CRYO_H */
