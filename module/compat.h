/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the supported kernels, 6.1 and 6.12, in one place.
 * Each shim says which version introduced or removed what it papers over.
 * Prefer probing for a feature over comparing version numbers.
 */
#ifndef _CRYO_COMPAT_H
#define _CRYO_COMPAT_H

#include <linux/version.h>

/* Refuse unsupported kernels at build time, not with a runtime surprise. */
#if LINUX_VERSION_MAJOR != 6 || LINUX_VERSION_PATCHLEVEL < 1 || \
	LINUX_VERSION_PATCHLEVEL > 12
#error "cryo supports Linux 6.1 to 6.12 only"
#endif

/* The running kernel's major.minor, comparable with CRYO_KV(). */
#define CRYO_KV(maj, min)	((maj) * 256 + (min))
#define CRYO_KV_THIS		CRYO_KV(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL)
/* True on kernels from maj.min on. */
#define CRYO_SINCE(maj, min)	(CRYO_KV_THIS - CRYO_KV(maj, min) >= 0)

#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/sched.h>

/* 6.5 removed the vmas argument of get_user_pages_remote(). */
#if CRYO_SINCE(6, 5)
#define cryo_gup_remote(mm, start, nr, flags, pages, locked) \
	get_user_pages_remote(mm, start, nr, flags, pages, locked)
#else
#define cryo_gup_remote(mm, start, nr, flags, pages, locked) \
	get_user_pages_remote(mm, start, nr, flags, pages, NULL, locked)
#endif

/* 6.3 made kernel_cap_t a single u64; before it was two u32 words. */
static inline u64 cryo_cap_u64(kernel_cap_t c)
{
#if CRYO_SINCE(6, 3)
	return c.val;
#else
	return (u64)c.cap[0] | ((u64)c.cap[1] << 32);
#endif
}

static inline kernel_cap_t cryo_cap_from_u64(u64 v)
{
	kernel_cap_t c;

#if CRYO_SINCE(6, 3)
	c.val = v;
#else
	c.cap[0] = (u32)v;
	c.cap[1] = (u32)(v >> 32);
#endif
	return c;
}

/* 6.3 started recording the registered rseq area's length. */
static inline u32 cryo_rseq_len(struct task_struct *t)
{
#if !IS_ENABLED(CONFIG_RSEQ)
	return 0;
#elif CRYO_SINCE(6, 3)
	return t->rseq ? t->rseq_len : 0;
#else
	return t->rseq ? 32 : 0;	/* ORIG_RSEQ_SIZE, the only one then */
#endif
}

/* 6.3 introduced F_SEAL_EXEC (and MFD_NOEXEC_SEAL, which sets it). */
#include <uapi/linux/fcntl.h>
#ifdef F_SEAL_EXEC
#define CRYO_SEALS_KNOWN	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)
#else
#define CRYO_SEALS_KNOWN	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
				 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)
#endif

/* 6.6 hid inode->i_mtime behind accessors. */
#include <linux/fs.h>
#if CRYO_SINCE(6, 7)
#define cryo_inode_mtime(inode) inode_get_mtime(inode)
#else
#define cryo_inode_mtime(inode) ((inode)->i_mtime)
#endif

/* Between 6.1 and 6.12 close_on_exec() came to take the files_struct. */
#include <linux/fdtable.h>
static inline bool cryo_close_on_exec(unsigned int fd,
				      struct files_struct *files)
{
#if CRYO_SINCE(6, 12)
	return close_on_exec(fd, files);
#else
	return close_on_exec(fd, files_fdtable(files));
#endif
}

/* 6.9 gave pidfds a file system of their own (pidfs). */
#include <uapi/linux/magic.h>
static inline bool cryo_is_pidfs(unsigned long magic)
{
#ifdef PID_FS_MAGIC
	return magic == PID_FS_MAGIC;
#else
	return false;
#endif
}

/* 6.4 added PF_USER_WORKER (vhost workers in the thread group). */
#ifdef PF_USER_WORKER
#define CRYO_PF_USER_WORKER	PF_USER_WORKER
#else
#define CRYO_PF_USER_WORKER	0
#endif

/* 6.3 put vm_flags behind accessors that take the per-VMA lock. */
#if CRYO_SINCE(6, 3)
#define cryo_vm_flags_set(vma, f) vm_flags_set(vma, f)
#else
#define cryo_vm_flags_set(vma, f) ((vma)->vm_flags |= (f))
#endif

/* 6.12 dropped kvrealloc()'s old-size argument. */
#include <linux/slab.h>
#if CRYO_SINCE(6, 12)
#define kvrealloc_compat(p, oldsize, newsize, gfp) kvrealloc(p, newsize, gfp)
#else
#define kvrealloc_compat(p, oldsize, newsize, gfp) \
	kvrealloc(p, oldsize, newsize, gfp)
#endif

/*
 * 6.6 moved a dump's parsed attributes into the struct genl_info of its
 * struct genl_dumpit_info.
 */
#include <net/genetlink.h>
#if CRYO_SINCE(6, 6)
#define cryo_genl_dump_attrs(cb) (genl_info_dump(cb)->attrs)
#else
#define cryo_genl_dump_attrs(cb) (genl_dumpit_info(cb)->attrs)
#endif

/*
 * 6.3 moved the file lock declarations to <linux/filelock.h>; 6.9 split
 * struct file_lock: what every lock and lease has (the list link, owner,
 * flags, file) went into struct file_lock_core, member c of struct
 * file_lock and of the new struct file_lease, and the lists of struct
 * file_lock_context link those cores since.
 */
#if CRYO_SINCE(6, 3)
#include <linux/filelock.h>
#endif

/* Is @fl held through @file, or (a POSIX lock not OFD) by @files? */
static inline bool cryo_flc_match(fl_owner_t owner, unsigned int flags,
				  struct file *fl_file, struct file *file,
				  struct files_struct *files)
{
	if ((flags & FL_POSIX) && !(flags & FL_OFDLCK))
		return owner == files;
	return fl_file == file;
}

/*
 * A struct file_lock's core fields (@f: owner, flags, type, pid, file),
 * and a walk of the struct file_locks on a list of a struct
 * file_lock_context (POSIX or flock, not leases).
 */
#if CRYO_SINCE(6, 9)
#define CRYO_FL(fl, f)			((fl)->c.flc_##f)
#define cryo_for_each_fl(fl, head)	list_for_each_entry(fl, head, c.flc_list)
#else
#define CRYO_FL(fl, f)			((fl)->fl_##f)
#define cryo_for_each_fl(fl, head)	list_for_each_entry(fl, head, fl_list)
#endif

/*
 * The flags of the first lock or lease on @head (a list of a struct
 * file_lock_context, under its flc_lock) that @file or @files holds;
 * 0 when there is none.
 */
static inline unsigned int cryo_flc_held(struct list_head *head,
					 struct file *file,
					 struct files_struct *files)
{
#if CRYO_SINCE(6, 9)
	struct file_lock_core *fl;

	list_for_each_entry(fl, head, flc_list)
		if (cryo_flc_match(fl->flc_owner, fl->flc_flags, fl->flc_file,
				   file, files))
			return fl->flc_flags;
#else
	struct file_lock *fl;

	list_for_each_entry(fl, head, fl_list)
		if (cryo_flc_match(fl->fl_owner, fl->fl_flags, fl->fl_file,
				   file, files))
			return fl->fl_flags;
#endif
	return 0;
}

/*
 * 5.19 removed signal_group_exit(): is the thread group on its way out
 * (a fatal signal, exit_group(), a core dump), or an exec killing its
 * other threads?  Both supported kernels keep the same two fields.  The
 * caller holds the siglock, or accepts a stale answer.
 */
#include <linux/sched/signal.h>
static inline bool cryo_group_exiting(struct task_struct *t)
{
	return (READ_ONCE(t->signal->flags) & SIGNAL_GROUP_EXIT) ||
	       READ_ONCE(t->signal->group_exec_task);
}

#include <linux/ioprio.h>

/*
 * The largest I/O priority hint (the data bits above the level) ioprio_set(2)
 * accepts: hints arrived in 6.9 (IOPRIO_HINT_DEV_DURATION_LIMIT_1..7).
 */
#ifdef IOPRIO_HINT_DEV_DURATION_LIMIT_7
#define CRYO_IOPRIO_HINT_MAX		IOPRIO_HINT_DEV_DURATION_LIMIT_7
#else
#define CRYO_IOPRIO_HINT_MAX		0
#endif

/*
 * 6.5 shows an eventfd's EFD_SEMAPHORE in fdinfo ("eventfd-semaphore:").
 * Before, only its struct eventfd_ctx (private to fs/eventfd.c) has it:
 * read through a copy of 6.1's layout, built of the same kernel types so
 * that it follows the kernel's configuration, and never locked (a wrong
 * layout must cost nothing but a refusal).  The caller checks the count
 * and id read here against fdinfo's before it believes the flags.
 */
#if CRYO_SINCE(6, 5)
#define CRYO_EVENTFD_FDINFO_FLAGS	1
#else
#define CRYO_EVENTFD_FDINFO_FLAGS	0
#include <linux/eventfd.h>
#include <linux/kref.h>
#include <linux/wait.h>

struct cryo_eventfd_ctx_61 {
	struct kref kref;
	wait_queue_head_t wqh;
	__u64 count;
	unsigned int flags;
	int id;
};

static inline void cryo_eventfd_layout(struct eventfd_ctx *ctx, u64 *count,
				       unsigned int *flags, int *id)
{
	struct cryo_eventfd_ctx_61 *c = (struct cryo_eventfd_ctx_61 *)ctx;

	*count = READ_ONCE(c->count);
	*flags = READ_ONCE(c->flags);
	*id = READ_ONCE(c->id);
}
#endif

/*
 * 6.3 gave notify_change() the mount's idmap where 6.1 gave its user
 * namespace.  The caller holds the inode's lock.
 */
#include <linux/fs.h>
static inline int cryo_notify_change(struct file *file, struct iattr *attr)
{
#if CRYO_SINCE(6, 3)
	return notify_change(file_mnt_idmap(file), file->f_path.dentry, attr,
			     NULL);
#else
	return notify_change(file_mnt_user_ns(file), file->f_path.dentry, attr,
			     NULL);
#endif
}

/*
 * 6.3 gave vfs_mkdir(), vfs_create(), vfs_mknod(), vfs_rmdir() and
 * vfs_unlink() the idmap of the mount @parent is on where 6.1 gave its
 * user namespace.
 * The caller holds the lock of @parent's inode (kern_path_create()).
 */
#if CRYO_SINCE(6, 3)
#define cryo_mnt_map(mnt)	mnt_idmap(mnt)
#else
#define cryo_mnt_map(mnt)	mnt_user_ns(mnt)
#endif

static inline int cryo_vfs_make(const struct path *parent,
				struct dentry *dentry, umode_t mode)
{
	struct inode *dir = d_inode(parent->dentry);

	if (S_ISDIR(mode))
		return vfs_mkdir(cryo_mnt_map(parent->mnt), dir, dentry,
				 mode & ~S_IFMT);
	if (S_ISREG(mode))
		return vfs_create(cryo_mnt_map(parent->mnt), dir, dentry,
				  mode & ~S_IFMT, true);
	return vfs_mknod(cryo_mnt_map(parent->mnt), dir, dentry, mode, 0);
}

static inline int cryo_vfs_remove(const struct path *parent,
				  struct dentry *dentry)
{
	struct inode *dir = d_inode(parent->dentry);

	if (d_is_dir(dentry))
		return vfs_rmdir(cryo_mnt_map(parent->mnt), dir, dentry);
	return vfs_unlink(cryo_mnt_map(parent->mnt), dir, dentry, NULL);
}

/*
 * 6.10 made a process's list of POSIX timers an hlist
 * (signal_struct.posix_timers, k_itimer.list).  Each POSIX timer @k of
 * @sig, under the siglock, which guards the list.
 */
#include <linux/posix-timers.h>
#if CRYO_SINCE(6, 10)
#define cryo_for_each_posix_timer(k, sig) \
	hlist_for_each_entry(k, &(sig)->posix_timers, list)
#else
#define cryo_for_each_posix_timer(k, sig) \
	list_for_each_entry(k, &(sig)->posix_timers, list)
#endif

/*
 * 6.10 made a mark connector point at its object itself (an inode); it
 * pointed at the object's i_fsnotify_marks before.  The inode of an
 * inode mark's connector, as fs/notify's own fsnotify_conn_inode().
 */
#if CRYO_SINCE(6, 10)
#define cryo_fsnotify_conn_inode(conn)	((struct inode *)(conn)->obj)
#else
#define cryo_fsnotify_conn_inode(conn) \
	container_of((conn)->obj, struct inode, i_fsnotify_marks)
#endif

#endif /* _CRYO_COMPAT_H */
