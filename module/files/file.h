/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside files/: the kinds of open file description, one ops table each.
 *
 * file.c walks the descriptions and writes or reads their FILE and
 * FILE_DATA records; what differs from one kind to the next (which files
 * it takes, what it saves besides the record, how it checks a record and
 * how it recreates the description) is in the kind's own file, behind a
 * struct cryo_file_ops.  Adding a kind is adding a file and a row in
 * cryo_file_kinds[] (file.c).
 */
#ifndef _CRYO_FILES_FILE_H
#define _CRYO_FILES_FILE_H

#include <linux/cryo_image.h>
#include <linux/types.h>

struct cryo_image;
struct cryo_image_file_state;
struct cryo_seen;
struct cryo_thaw_object;
struct cryo_thaw_file;
struct cryo_thaw_tree;
struct cryo_thawing;
struct file;
struct inode;

/* Status flags a reopen may carry; O_CREAT, O_TRUNC and the like never. */
#define CRYO_REOPEN_FLAGS	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | \
				 O_NOATIME | O_LARGEFILE | O_SYNC | O_DSYNC)

/*
 * What an O_PATH description's reopen keeps of its flags: F_GETFL shows
 * O_NOFOLLOW and O_DIRECTORY on one, and they are all it can have.
 */
#define CRYO_OPATH_FLAGS	(O_PATH | O_NOFOLLOW | O_DIRECTORY)

/* A malformed FILE, FILE_DATA or FD record: EBADMSG, see cryo_thaw_badrec(). */
#define cryo_file_bad(t, fmt, ...) \
	cryo_thaw_badrec(t, CRYO_REC_FILE, fmt, ##__VA_ARGS__)

/**
 * struct cryo_seen - an open file description already in the image
 * @file: referenced
 * @pipe: the pipe's inode when it is a pipe or FIFO whose data is in the
 *        image already (it is sent once, with the first end met)
 * @id: its id in the image
 */
struct cryo_seen {
	struct file *file;
	struct inode *pipe;
	u32 id;
};

/**
 * struct cryo_file_out - what a kind adds to its FILE record
 * @flags: %CRYO_FILE_UNLINKED, %CRYO_FILE_LOST
 * @pipe_id: &cryo_image_file.pipe_id, or a memfd's &cryo_image_file.shm
 * @kind: the record's kind when it is not the ops' (a terminal that is
 *	an end of a pseudo-terminal pair in the image), else 0
 */
struct cryo_file_out {
	u32 flags;
	u64 pipe_id;
	u32 kind;
};

/**
 * struct cryo_file_ops - one kind of open file description
 * @kind: &enum cryo_file_kind
 * @name: what messages call it ("pipe", "directory", ...)
 * @type: the S_IFMT type of its inodes; a FILE record of this kind with
 *	another mode is malformed.  0 for any.
 * @holds_data: its FILE_DATA bytes are held in memory until the restore
 *	(they count against CRYO_THAW_MAX_HELD).
 * @match: freeze: is @file of this kind?  Called only for files of no
 *	pseudo file system (see cryo_file_kind()).
 * @refuse: freeze, optional: why @file cannot be saved, as an
 *	&enum cryo_refusal; %CRYO_REFUSAL_NONE if it can.
 * @save: freeze, optional: get what goes into FILE_DATA ready (in the
 *	image's &struct cryo_files_save: @data or @data_file, @data_size)
 *	and fill @out.  @seen is @file's entry.  Returns 0 or -errno, with
 *	nothing to undo.
 * @max_data: thaw, optional: the most FILE_DATA bytes a FILE record @r of
 *	this kind may announce; 0 without it.
 * @load: thaw, optional: after the FILE record was checked (buffers, a
 *	new file for an unlinked one).
 * @restore: thaw: recreate the description of file @idx, which some fd
 *	needs, into its @file; or fail the thaw naming what is missing.
 *	cryo_object_restore() for a kind the library makes (object.c).
 *
 * A kind no module can create (an eventfd, a signalfd, a timerfd ...) is
 * made by the library, which CRYO_IOC_THAW asks for it as an "object"
 * (object.c), and handed to CRYO_IOC_THAW_RESTORE; such a kind has
 * @adopt, and @state when its FILE record is followed by a FILE_STATE:
 *
 * @state: freeze: fill @s->flags and @s->args for @file (@s->id and
 *	@s->kind are filled); 0 or -errno.  The FILE_STATE record follows
 *	the FILE.
 * @check_state: thaw: is f->state (id and kind checked, reserved
 *	fields zero) a state this kind may have?  0, or -EBADMSG naming it
 *	(cryo_file_bad()).
 * @object: thaw, optional: fill @o->flags and @o->args, what the
 *	library makes @f with; without it, f->state's with f's O_NONBLOCK.
 * @adopt: thaw, in CRYO_IOC_THAW_RESTORE before the point of no return:
 *	is @file (the library's object for @f, referenced by the caller)
 *	of this kind, with the state @f says?  0, or -errno with the thaw
 *	failed naming @f (EINVAL for a wrong one).  On 0 the caller keeps
 *	a reference in f->file.
 */
struct cryo_file_ops {
	u32 kind;
	const char *name;
	umode_t type;
	bool holds_data;
	bool (*match)(struct file *file);
	u32 (*refuse)(struct file *file);
	int (*save)(struct cryo_image *img, struct cryo_seen *seen,
		    struct file *file, struct cryo_file_out *out);
	u64 (*max_data)(const struct cryo_image_file *r);
	int (*load)(struct cryo_thawing *t, struct cryo_thaw_file *f);
	int (*restore)(struct cryo_thawing *t, unsigned int idx);
	int (*state)(struct file *file, struct cryo_image_file_state *s);
	int (*check_state)(struct cryo_thawing *t, struct cryo_thaw_file *f);
	void (*object)(const struct cryo_thaw_file *f,
		       struct cryo_thaw_object *o);
	int (*adopt)(struct cryo_thawing *t, struct cryo_thaw_file *f,
		     struct file *file);
};

/* regular.c */
extern const struct cryo_file_ops cryo_regular_ops;
u32 cryo_regular_budget(struct cryo_image *img, struct file *file);
bool cryo_regular_deleted(struct file *file);
u32 cryo_regular_map_refusal(struct cryo_image *img, struct file *file);
extern const struct cryo_file_ops cryo_dir_ops;
/* chardev.c */
extern const struct cryo_file_ops cryo_chardev_ops;
/* tty.c: a terminal's settings and the shell job */
bool cryo_tty_dev(dev_t rdev);
struct tty_struct;
struct tty_struct *cryo_tty_of(struct file *file);
bool cryo_tty_master(struct tty_struct *tty);
void cryo_tty_settings(struct tty_struct *tty, struct cryo_image_tty *r);
int cryo_tty_set_termios(struct tty_struct *tty,
			 const struct cryo_image_tty *r);
int cryo_tty_save(struct cryo_image *img, struct file *file);
u64 cryo_tty_max_data(const struct cryo_image_file *r);
int cryo_tty_load(struct cryo_thawing *t, struct cryo_thaw_file *f);
int cryo_tty_restore(struct cryo_thawing *t, unsigned int idx);
/* pty.c: pseudo-terminal pairs with both ends in the image */
extern const struct cryo_file_ops cryo_pty_master_ops;
extern const struct cryo_file_ops cryo_pty_slave_ops;
bool cryo_pty_end(struct file *file);
bool cryo_pty_master_in(struct cryo_image *img, struct file *file);
int cryo_pty_save(struct cryo_image *img, struct cryo_seen *seen,
		  struct file *file, struct cryo_file_out *out);
/* memfd.c */
extern const struct cryo_file_ops cryo_memfd_ops;
/* epoll.c */
extern const struct cryo_file_ops cryo_epoll_ops;
/* pipe.c */
extern const struct cryo_file_ops cryo_pipe_ops;
extern const struct cryo_file_ops cryo_fifo_ops;
/* opath.c */
extern const struct cryo_file_ops cryo_opath_ops;

/* eventfd.c, signalfd.c, timerfd.c */
extern const struct cryo_file_ops cryo_eventfd_ops;
extern const struct cryo_file_ops cryo_signalfd_ops;
extern const struct cryo_file_ops cryo_timerfd_ops;

/* inotify.c */
struct cryo_files_save;
extern const struct cryo_file_ops cryo_inotify_ops;
bool cryo_inotify_save_watch(struct cryo_image *img);
void cryo_inotify_save_end(struct cryo_files_save *fs);
int cryo_inotify_complete(struct cryo_thawing *t, struct cryo_thaw_file *f);
void cryo_inotify_release(struct cryo_thaw_file *f);

/* object.c: the descriptions the library makes, for their kinds */
int cryo_object_restore(struct cryo_thawing *t, unsigned int idx);

/* file.c: the descriptions, for the kinds and the fd table */
const struct cryo_file_ops *cryo_file_ops_of(u32 kind);
u32 cryo_file_id(struct cryo_image *img, struct file *file);
bool cryo_file_pipe_saved(struct cryo_image *img, struct inode *pipe);
u32 cryo_file_refusal(struct file *file);
int cryo_file_save(struct cryo_image *img, struct file *file);
int cryo_file_save_data(struct cryo_image *img);
void cryo_file_save_data_end(struct cryo_image *img);
void cryo_file_save_end(struct cryo_image *img);
int cryo_file_restore_all(struct cryo_thawing *t);
void cryo_file_release(struct cryo_thaw_tree *tree);
char *cryo_file_what(struct cryo_thawing *t, struct cryo_thaw_file *f);
struct file *cryo_file_reopen(struct cryo_thawing *t, struct cryo_thaw_file *f,
			      const char *what, int flags,
			      struct file *anchor);
int cryo_file_reopen_alone(struct cryo_thawing *t, struct cryo_thaw_file *f,
			   int flags);
struct file *cryo_file_twin(struct cryo_thawing *t, struct cryo_thaw_file *f);
struct file *cryo_file_open_on(struct cryo_thawing *t, struct cryo_thaw_file *f,
			       struct file *src, int flags);
int cryo_file_need_inherit(struct cryo_thawing *t, unsigned int idx,
			   const char *why);

/* fdtable.c: the tree's fds, for the kinds */
struct cryo_member;
typedef int (*cryo_fd_fn)(void *arg, struct file *file, unsigned int fd);
bool cryo_fdtable_reads(struct cryo_image *img, struct inode *pipe);
int cryo_fdtable_walk(struct cryo_member *m, cryo_fd_fn fn, void *arg);
int cryo_fdtable_fd_of(struct cryo_thawing *t, unsigned int idx);
struct file *cryo_fdtable_get(struct cryo_member *m, unsigned int fd);

#endif /* _CRYO_FILES_FILE_H */
