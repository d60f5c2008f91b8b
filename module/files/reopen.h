/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every open made for the restored process, as it (files/reopen.c):
 * used by files/, task/proc.c (exe, cwd) and mm/vma.c (mapped files).
 */
#ifndef _CRYO_REOPEN_H
#define _CRYO_REOPEN_H

#include <linux/types.h>

struct cryo_thawing;
struct file;

/* What an image recorded of a file, to tell whether it is the same. */
struct cryo_file_id {
	u64 dev;
	u64 ino;
	u32 mode;		/* S_IFMT bits */
	u64 size;		/* regular files */
	s64 mtime_ns;		/* regular files */
	u64 rdev;		/* device nodes */
};

struct file *cryo_reopen(struct cryo_thawing *t, const char *what,
			 const char *path, int flags, umode_t type);
struct file *cryo_reopen_deleted(struct cryo_thawing *t, const char *what,
				 const char *path, int flags, umode_t mode);
int cryo_reopen_same(struct cryo_thawing *t, const char *what,
		     struct file *file, const struct cryo_file_id *id);

#endif /* _CRYO_REOPEN_H */
