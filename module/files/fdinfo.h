/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own description of an open file, as /proc/PID/fdinfo shows
 * it: for the kinds (eventfd, timerfd, signalfd, epoll, inotify ...) whose
 * state lives in structures private to their fs/ source and that no exported
 * function reads.
 */
#ifndef _CRYO_FILES_FDINFO_H
#define _CRYO_FILES_FDINFO_H

#include <linux/types.h>

struct file;

char *cryo_fdinfo(struct file *file, size_t *len);
const char *cryo_fdinfo_find(const char *text, const char *key);
int cryo_fdinfo_u64(const char *text, const char *key, unsigned int base,
		    u64 *out);
bool cryo_fdinfo_anon(struct file *file, const char *name);

#endif
