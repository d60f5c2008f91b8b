/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A thaw (or remap) in progress: what CRYO_IOC_THAW read and checked,
 * and what the restore shares between the threads of the process being
 * restored.  Data only; the code is in the concern files.
 */
#ifndef _CRYO_THAWING_H
#define _CRYO_THAWING_H

#include <linux/cryo.h>
#include <linux/cryo_image.h>
#include <linux/refcount.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "files/state.h"
#include "image/state.h"
#include "mm/state.h"
#include "task/state.h"

struct cpumask;
struct cred;
struct cryo_session;
struct file;
struct task_struct;

/* Limits on what an image may ask of the kernel (EFBIG beyond). */
#define CRYO_THAW_MAX_THREADS	8192
#define CRYO_THAW_MAX_VMAS	65536
#define CRYO_THAW_MAX_FILES	65536
/*
 * How long the leader waits for the other threads to arrive (they are
 * being made by its stub, but a tree makes thousands at once), and a
 * tree for the member next in turn to reach its RESTORE.
 */
#define CRYO_THAW_ARRIVE_TIMEOUT	(30 * HZ)
/* The image format's limit, the same for the freeze (uapi). */
#define CRYO_THAW_MAX_PIPE_DATA	CRYO_PIPE_DATA_MAX
/* All pipes' bytes, and all names of files and mappings, held at once. */
#define CRYO_THAW_MAX_HELD	(16 * SZ_1M)

struct cryo_thawing_thread {
	struct cryo_image_thread rec;
	void *fpu;			/* hdr.fpu_size bytes, checked */
	struct task_struct *task;	/* the thread becoming it, referenced */
	bool finish_queued;
	bool sched_ext;			/* @rec has the 2.7 fields, task/sched.c */
	bool ioprio_ext;		/* and the 2.8 I/O priority */
	struct cpumask *affinity;	/* to apply, or NULL: task/sched.c */
	u64 sigq_covered;		/* signals with a SIGINFO record */
	struct cryo_image_sleep sleep;	/* kind 0: none, task/sleep.c */
};

struct cryo_thawing;

/**
 * struct cryo_thaw_tree - what the members of a thaw share, one per session
 *
 * A thaw restores a tree of processes (one, for an image before 2.2), each
 * member by a &struct cryo_thawing of its own, one after the other from
 * one image stream.  Everything here is shared: the stream (read by one
 * member at a time, under the session lock), the outcome, the open file
 * descriptions by their image id (a later member's FD may name an earlier
 * member's FILE), the --inherit-fd list, and the members.  The structure
 * is reference counted because the threads' last work runs after the
 * ioctl that queued it, possibly after the session is closed; it frees
 * its members.
 */
struct cryo_thaw_tree {
	refcount_t ref;
	spinlock_t lock;		/* outcome, members' restore fields */
	wait_queue_head_t wq;		/* every wait of every member */
	bool remap_only;

	/* Outcome, see CRYO_IOC_THAW_STATUS; the first failure wins. */
	int error;
	char msg[CRYO_THAW_MSG_LEN];
	bool failed;			/* a member failed: all are killed */

	/* Events (netlink.c): THAW_END sent, under @lock. */
	u64 nl_session;			/* the session's id */
	u64 nl_start_ns;		/* CLOCK_MONOTONIC of CRYO_IOC_THAW */
	bool nl_reported;

	struct cryo_reader in;		/* the image stream, image/stream.c */
	struct cryo_image_header hdr;	/* checked */
	u64 held;			/* names and pipe bytes held */
	u32 flags;			/* enum cryo_thaw_flags */
	/* The caller of CRYO_IOC_THAW's (not of a remap), referenced. */
	const struct cred *cred;
	struct cryo_files_shared files;	/* descriptions by id, files/ */
	struct cryo_shm_thaw shm;	/* shared memory by id, mm/shm.c */

	/* The TREE record (one member without one), checked. */
	struct cryo_image_member *procs;
	unsigned int nr_procs;
	struct cryo_thawing **members;	/* by index; NULL for zombies */
	unsigned int nr_live;		/* members that are not zombies */
	unsigned int reading;		/* the member whose section is next */
	/* @reading + 1 when @late_since is its; nr_procs + 1: the install's */
	unsigned int late_idx;
	unsigned long late_since;	/* jiffies: seen waited for, @lock */
	unsigned int nr_installed;	/* members whose fds are in, @lock */
	/*
	 * Every member installed, none failed, under @lock: members may run
	 * the image's code from now on, so a later failure is its member's
	 * alone (nobody else is killed, the tree does not fail).
	 */
	bool committed;
};

/**
 * struct cryo_thawing - one member of a thaw (or a remap) in progress
 *
 * Everything up to @lay is read and checked by CRYO_IOC_THAW (or
 * CRYO_IOC_THAW_MEMBER) under the session lock and never changes
 * afterwards.  The restore fields are shared by the leader and the other
 * threads of the process being restored, which do not take the session
 * lock: they are under the tree's lock.  Freed with its tree.
 */
struct cryo_thawing {
	struct cryo_thaw_tree *tree;
	unsigned int idx;		/* in tree->procs */
	struct cryo_reader *in;		/* &tree->in */
	bool remap_only;
	u32 state;			/* enum cryo_thaw_state, tree's @lock */
	struct pid *planned;		/* who asked THAW_MEMBER, referenced */

	/* Checked metadata. */
	struct cryo_image_header hdr;	/* the tree's; nr_threads: its own */
	struct cryo_image_process proc;
	bool have_proc;
	u64 auxv[2 * 64];
	unsigned int auxv_len;		/* bytes */
	struct cryo_image_signals sig;
	bool have_sig;
	struct file *exe;		/* O_RDONLY, or NULL */
	struct file *cwd;		/* O_PATH, or NULL */
	bool cwd_made;			/* @cwd: a deleted one made again */
	struct cryo_thawing_thread *threads;
	unsigned int nr_threads;	/* THREAD records read */
	struct cryo_files_restore fdt;	/* fds and pipes, files/ */
	struct cryo_layout lay;		/* the mappings, mm/vma.c */
	bool proc_ext;			/* PROCESS has the 2.1 fields */
	bool proc_loginuid;		/* PROCESS has the 2.8 loginuid */
	struct cryo_cred_plan cred;	/* credentials, task/creds.c */
	struct cryo_sigq_thaw sigq;	/* queued signals, task/signals.c */
	struct cryo_timers_thaw timers;	/* task/timers.c */
	u32 flags;			/* enum cryo_thaw_flags */

	/* The restore, under the tree's lock. */
	struct task_struct *leader;	/* referenced */
	struct pid *leader_pid;		/* referenced; outlives the process */
	struct pid *attacher;		/* who issued THAW_ATTACH, referenced */
	unsigned int arrived;		/* threads waiting in THAW_THREAD */
	bool released;			/* the threads may go on */
	unsigned int finishing;		/* threads that issued FINISH */
	bool installed;			/* fds installed, stub gone */
	unsigned int applied;		/* threads with their state back */
	unsigned long stub_start;
	unsigned long stub_len;
};

/* The member after @idx that has a section, or tree->nr_procs. */
static inline unsigned int cryo_tree_next(const struct cryo_thaw_tree *tree,
					  unsigned int idx)
{
	if (!tree->procs)
		return tree->nr_procs;
	while (++idx < tree->nr_procs)
		if (!(tree->procs[idx].flags & CRYO_MEMBER_ZOMBIE))
			break;
	return idx;
}

/* Could @a be a user-space address of the restored process? */
static inline bool cryo_user_addr(u64 a)
{
	return a < TASK_SIZE_MAX;
}

/* thawing.c: what went wrong, and what the thaw may hold */
__printf(3, 4) int cryo_thaw_fail(struct cryo_thawing *t, int err,
				  const char *fmt, ...);
__printf(3, 4) int cryo_thaw_badrec(struct cryo_thawing *t, u32 type,
				    const char *fmt, ...);
/* A malformed @rec: EBADMSG naming it, see cryo_thaw_badrec(). */
#define cryo_bad(t, rec, fmt, ...) \
	cryo_thaw_badrec(t, (rec)->type, fmt, ##__VA_ARGS__)
int cryo_thaw_hold(struct cryo_thawing *t, u64 bytes);
int cryo_thaw_grow(void **arr, unsigned int *max, unsigned int need,
		   size_t elem, unsigned int limit);

#endif /* _CRYO_THAWING_H */
