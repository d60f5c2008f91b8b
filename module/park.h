/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _CRYO_PARK_H
#define _CRYO_PARK_H

#include <linux/cryo.h>
#include <linux/cryo_image.h>
#include <linux/sched.h>
#include <linux/task_work.h>
#include <linux/wait.h>
#include <linux/xarray.h>

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
 * cryo_park_threads() returns; the threads only write their own entry.
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

/* How long a thread found inside a system call runs on before a retry. */
#define CRYO_PARK_RETRY_MS	10

int cryo_cpu_fpu_layout(unsigned int *note, unsigned int *size);
u64 cryo_cpu_xfeatures(void);
bool cryo_cpu_fpu_dynamic(struct task_struct *leader);
int cryo_park_threads(struct task_struct *leader, unsigned int timeout_ms,
		      struct cryo_park **parkp);
void cryo_park_release(struct cryo_park *park);
bool cryo_park_alive(struct cryo_park *park);

#endif /* _CRYO_PARK_H */
