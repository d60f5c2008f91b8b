/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Open files: the fd table and each kind of open file description.  At
 * the freeze, FILE, FILE_DATA and FD records; at the thaw, the same
 * records checked, each description recreated and the fds installed.
 */
#ifndef _CRYO_FILES_H
#define _CRYO_FILES_H

#include <linux/types.h>

struct cryo_image;
struct cryo_rec;
struct cryo_thawing;
struct cryo_why;
struct file;
struct files_struct;

/* fdtable.c, the freeze */
int cryo_fdtable_check(struct cryo_image *img, struct cryo_why *why);
int cryo_fdtable_save(struct cryo_image *img);
void cryo_fdtable_save_end(struct cryo_image *img);

/* fdtable.c, the thaw */
int cryo_fdtable_load_file(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_fdtable_load_data(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_fdtable_load_fd(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_fdtable_open(struct cryo_thawing *t);
int cryo_fdtable_pipes(struct cryo_thawing *t, const s32 *fds,
		       unsigned int nr);
int cryo_fdtable_install(struct cryo_thawing *t);
void cryo_fdtable_release(struct cryo_thawing *t);

/* locks.c */
u32 cryo_locks_held(struct file *file, struct files_struct *files);

#endif /* _CRYO_FILES_H */
