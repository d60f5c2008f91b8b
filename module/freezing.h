/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A freeze in progress: the state one freeze session keeps between
 * CRYO_IOC_FREEZE and the last close.  Data only; the code that fills
 * it is in the concern files (see Documentation/design.rst).
 */
#ifndef _CRYO_FREEZING_H
#define _CRYO_FREEZING_H

#include <linux/cryo.h>
#include <linux/cryo_image.h>
#include <linux/list.h>
#include <linux/mm_types.h>

#include <linux/sched.h>
#include <linux/task_work.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "files/state.h"
#include "image/state.h"
#include "mm/state.h"
#include "task/state.h"

struct cryo_snap;

enum cryo_phase {
	CRYO_PH_HEADER,
	CRYO_PH_TREE,
	CRYO_PH_SHM,
	CRYO_PH_PROCESS,
	CRYO_PH_GROUPS,
	CRYO_PH_AUXV,
	CRYO_PH_FS,
	CRYO_PH_SIGNALS,
	CRYO_PH_THREADS,
	CRYO_PH_SIGINFO,
	CRYO_PH_TIMERS,
	CRYO_PH_FILES,
	CRYO_PH_VMAS,
	CRYO_PH_PAGES,
	CRYO_PH_SHM_PAGES,
	CRYO_PH_TRAILER,
	CRYO_PH_DONE,
};

/* ---- the parked target, owned by park.c ---- */

struct cryo_park;

/**
 * struct cryo_thread - one thread of a target, and the state it saved
 * @twork: the task_work that parks the thread; queued at most once.
 * @park: the park this thread belongs to; the queued work holds a ref.
 * @task: the thread, referenced.
 * @parked: set by the thread once @rec and @fpu are filled in.
 * @gone: the work ran in the thread's exit path: nothing was saved.
 * @deferred: the work ran inside a system call, where the thread must
 *	not park; the freezer queues it again and clears this first.
 * @rec: registers and signal state, saved by the thread itself.
 * @fpu: @rec.fpu_size bytes of FPU state.
 */
struct cryo_thread {
	struct callback_head twork;
	struct cryo_park *park;
	struct task_struct *task;
	bool parked;
	bool gone;
	bool deferred;
	struct cryo_image_thread rec;
	void *fpu;
	struct cryo_image_sleep sleep;	/* kind 0: none, task/sleep.c */
};

/**
 * struct cryo_park - the threads of one target held in the kernel
 * @ref: one for the session, one per queued task_work.
 * @wq: parked threads wait here for @released.
 * @settled_wq: the freezer waits here for @unsettled to reach 0.
 * @unsettled: queued works that have neither parked nor given up.
 * @known: the threads queued so far, by global pid.
 * @released: set once, to let every parked thread go.
 * @killed: a parked thread was woken by a fatal signal.
 * @workers: io_uring and vhost workers are parked too; set once every
 *	other thread is (a thread in io_uring_enter() may wait for them).
 * @failed: a thread could not save its state.
 * @foreign: ... because it runs in a mode the image cannot describe
 *	(not 64-bit).
 * @nr_threads: used entries of @threads.
 * @max_threads: allocated entries of @threads.
 * @fpu_size: bytes of FPU state per thread.
 * @fpu_note: NT_X86_XSTATE or NT_PRFPREG.
 * @threads: the threads.
 *
 * @nr_threads and @threads are only changed by the freezer before
 * cryo_park_finish() returns; the threads only write their own entry.
 */
struct cryo_park {
	refcount_t ref;
	wait_queue_head_t wq;
	wait_queue_head_t settled_wq;
	atomic_t unsettled;
	struct xarray known;
	bool released;
	bool killed;
	bool workers;
	bool failed;
	bool foreign;
	unsigned int nr_threads;
	unsigned int max_threads;
	unsigned int fpu_size;
	unsigned int fpu_note;
	struct cryo_thread **threads;
};

/*
 * Does @th go into the image?  It must have parked and saved its state;
 * io_uring and vhost workers belong to the thread group but run kernel
 * code only: they are held like the others, and not imaged.
 */
static inline bool cryo_thread_imaged(struct cryo_thread *th)
{
	/* Pairs with the store-release in cryo_park_fn(). */
	return smp_load_acquire(&th->parked) &&
	       !(th->task->flags & (PF_IO_WORKER | CRYO_PF_USER_WORKER));
}

/* ---- a refusal, see refuse.c ---- */

/**
 * struct cryo_why - why a freeze is refused, for &cryo_freeze.refusal
 * @code: &enum cryo_refusal
 * @id: the fd, thread or process it names (caller's pid namespace), or -1
 * @pid: the member of the tree it was found in (caller's pid namespace)
 * @tfd: the fd number of an epoll's item (%CRYO_REFUSAL_EPOLL_TARGET) or
 *	the epoll's fd (%CRYO_REFUSAL_EPOLL_TOO_MANY), for &cryo_freeze.bad_fd
 */
struct cryo_why {
	u32 code;
	s32 id;
	s32 pid;
	s32 tfd;	/* an epoll item's fd number, for bad_fd */
};

/* Record the first refusal met; returns @err for the caller to return. */
static inline int cryo_refuse(struct cryo_why *why, u32 code, s32 id,
			      int err)
{
	why->code = code;
	why->id = id;
	return err;
}

/**
 * struct cryo_member - one process of the frozen tree (task/tree.c)
 * @leader: its thread-group leader, referenced.
 * @mm: its memory, mmget(); NULL for a zombie.
 * @park: its parked threads; NULL for a zombie, or once let go.
 * @nr_threads: its threads in the image.
 * @rec: its entry of the TREE record.
 */
struct cryo_member {
	struct task_struct *leader;
	struct mm_struct *mm;
	struct cryo_park *park;
	unsigned int nr_threads;
	struct cryo_image_member rec;
};

/**
 * struct cryo_image - a freeze in progress: the parked tree and where
 * the read stream stands.  Owned by its session, under the session lock.
 * Its size does not depend on the target's memory: one staging buffer and
 * one record's worth of pinned pages (but for a snapshot, which the
 * caller asked for), and one &struct cryo_member per process.
 */
struct cryo_image {
	struct list_head node;		/* in the registry, see freeze.c */
	struct cryo_member *members;	/* the tree, root first */
	unsigned int nr_members;
	unsigned int max_members;
	struct cryo_member *m;		/* the member being read or checked */
	unsigned int sec;		/* its index in @members */
	u32 flags;
	u64 max_deleted;		/* unlinked files' bytes at most */
	unsigned int nr_threads;	/* threads in the image, all members */
	struct vfsmount *proc_mnt;	/* in CRYO_IOC_FREEZE only, access.c */

	enum cryo_phase phase;
	unsigned int thread_idx;
	bool sleep_due;			/* thread_idx - 1's SLEEP is next */
	int error;			/* sticky: the stream is broken */
	bool eof;			/* the whole image has been read */
	bool committed;

	bool splicing;			/* in splice(), under a pipe's mutex */

	struct cryo_writer out;		/* records staged, image/record.c */
	struct cryo_pages_save pg;	/* pages pinned or copied, mm/ */
	struct cryo_shm_save shm;	/* shared memory objects, mm/shm.c */
	struct cryo_files_save fdt;	/* the files section, files/ */
	struct cryo_sigq_save sigq;	/* queued signals, task/signals.c */
	struct cryo_timers_save timers;	/* task/timers.c */

};

#endif /* _CRYO_FREEZING_H */
