/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files part keeps: for a freeze (struct cryo_files_save, in
 * struct cryo_image) and for a thaw (struct cryo_files_restore, in
 * struct cryo_thawing).  Data only; the code is in files/.
 */
#ifndef _CRYO_FILES_STATE_H
#define _CRYO_FILES_STATE_H

#include <linux/cryo.h>
#include <linux/cryo_image.h>
#include <linux/types.h>

struct cryo_inotify_saved;
struct cryo_inotify_watch;
struct cryo_lock_saved;
struct cryo_seen;
struct file;

/* The files section of a freeze, as far as the reader has read it. */
struct cryo_files_save {
	unsigned int fd_next;		/* next fd number to look at */
	int fd_step;			/* what the current fd needs next */
	unsigned int cur_fd;
	bool cur_cloexec;
	u32 cur_id;
	struct file *cur;		/* its file, owned by seen[] */
	struct cryo_seen *seen;		/* descriptions in the image */
	unsigned int nr_seen;
	unsigned int max_seen;
	u8 *data;			/* a pipe's bytes, or NULL */
	struct file *data_file;		/* an unlinked file to read, or NULL */
	u64 data_off;			/* bytes of FILE_DATA staged */
	u64 data_size;
	loff_t data_pos;		/* data_file: the next byte's offset */
	loff_t data_end;		/* data_file: its extent's end */
	loff_t data_limit;		/* data_file: its size, FILE's */
	u64 saved_bytes;		/* unlinked files' bytes in the image */
	struct file **counted;		/* unlinked files counted (regular.c) */
	unsigned int nr_counted;
	unsigned int max_counted;
	u64 counted_bytes;		/* their bytes, against the limit */
	u32 section_base;		/* descriptions of earlier sections */
	struct cryo_lock_saved *locks;	/* the section's locks (locks.c) */
	unsigned int nr_locks;
	unsigned int next_lock;		/* the next to stage */
	struct cryo_image_epoll_item *epoll;	/* the section's items (epoll.c) */
	unsigned int nr_epoll;
	unsigned int max_epoll;
	unsigned int next_epoll;	/* the next to stage */
	unsigned int first_epoll;	/* the current epoll's first */
	struct cryo_image_file_state state;	/* FILE_STATE of cur, if */
	bool has_state;			/* ...its kind has one */
	struct cryo_inotify_saved *watches;	/* cur's, an inotify's */
	unsigned int nr_watches;
	unsigned int next_watch;	/* the next to stage */
	unsigned long map_next;		/* the deleted files mapped: next address */
	bool cur_mapped;		/* cur is a mapping's, with no FD */
};

/* One open file description of the image. */
struct cryo_thaw_file {
	struct cryo_image_file rec;
	char *name;
	struct file *file;		/* the new description, referenced */
	struct file *anchor;		/* a FIFO's O_RDWR end while filling */
	u8 *data;			/* a pipe's or FIFO's bytes */
	u64 data_got;			/* FILE_DATA bytes seen so far */
	u64 data_next;			/* where the next FILE_DATA may start */
	int pipe;			/* index of its pipe in the tree, or -1 */
	struct file *inherited;		/* the root's --inherit-fd for it */
	bool needed;			/* some fd uses it without --inherit-fd */
	bool restored;			/* recreated (or its pipe counted) */
	struct cryo_image_file_state state;	/* its FILE_STATE record */
	bool has_state;
	int object;			/* index of its object in the tree, or -1 */
	struct cryo_inotify_watch *watches;	/* an inotify's (inotify.c) */
	unsigned int nr_watches;	/* INOTIFY_WATCH records read */
};

struct cryo_thaw_fd {
	struct cryo_image_fd rec;
	struct file *file;		/* inherited file, or NULL */
};

/*
 * The open file descriptions of a thaw, by image id over the whole image
 * (a member's FD may name a description an earlier member's section
 * gave), and the caller's --inherit-fd list (for the first member): in
 * struct cryo_thaw_tree.
 */
struct cryo_files_shared {
	struct cryo_thaw_file *files;	/* by id - 1 */
	unsigned int nr_files;
	unsigned int max_files;
	unsigned int nr_pipes;		/* pipes of the members so far */
	unsigned int nr_objects;	/* objects of the members so far */
	struct cryo_thaw_inherit *inherit;	/* --inherit-fd */
	struct file **inherit_files;	/* their files, referenced */
	unsigned int nr_inherit;
	struct file *shell_tty;		/* CRYO_THAW_SHELL_JOB's, referenced */
	struct cryo_image_epoll_item *nested;	/* items watching an epoll */
	unsigned int nr_nested;
	unsigned int max_nested;
	struct cryo_tty_saved *shell_saved;	/* its settings before (tty.c) */
};

/* One member's fds, as its FD records gave them; in struct cryo_thawing. */
struct cryo_files_restore {
	struct cryo_thaw_fd *fds;	/* ascending fd numbers */
	unsigned int nr_fds;
	unsigned int max_fds;
	struct cryo_image_lock *locks;	/* its LOCK records (locks.c) */
	unsigned int nr_locks;
	unsigned int max_locks;
	struct cryo_image_epoll_item *epoll;	/* its EPOLL_ITEM records */
	unsigned int nr_epoll;
	unsigned int max_epoll;
	unsigned int first_pipe;	/* its pipes' indexes in the tree... */
	unsigned int nr_pipes;		/* ...those the library makes for it */
	unsigned int first_object;	/* its objects' indexes in the tree... */
	unsigned int nr_objects;	/* ...those the library makes for it */
};

#endif /* _CRYO_FILES_STATE_H */
