// SPDX-License-Identifier: GPL-2.0
/*
 * Parking: hold every thread of a target in the kernel, without ptrace
 * and without SIGSTOP.
 *
 * Each thread gets a task_work queued with TWA_SIGNAL.  That interrupts an
 * interruptible sleep (nanosleep, pipe read, futex wait, poll) the way a
 * signal does, and the work runs in the thread's own context at the top
 * of get_signal(), on its way back to user mode.  There the thread saves
 * its own registers, FPU and signal state (no remote access needed), says
 * it is parked and sleeps killably until the freezer releases it.  When
 * it returns, get_signal() finds no signal and the interrupted system
 * call is restarted exactly as after an SA_RESTART handler, or carries on
 * with restart_syscall().  The parent sees nothing through waitpid().
 *
 * task_work_cancel() is not exported, so a queued work always runs: at
 * the latest in the thread's exit path.  Each queued work therefore holds
 * a reference on the park and on the module, and does nothing once the
 * park has been released.
 *
 * A thread is parked only on its way back to user mode, where its
 * registers are its user state.  task_work_run() has other callers that
 * run our work inside a system call: io_uring's wait for completions
 * (io_uring_enter() with IORING_ENTER_GETEVENTS) and its cancellation in
 * begin_new_exec() (cred_guard_mutex and exec_update_lock held) and in
 * do_exit(), KVM's entry into a guest (a TWA_RESUME work of someone
 * else's runs ours), ptrace_notify().  Parked there, the image would
 * record a syscall that has not returned (ax still -ENOSYS) as if it
 * had, and the thread would hold the locks of an exec for as long as it
 * is frozen.  The work sees where it runs (cryo_park_at_user_return())
 * and, inside a system call, only notes it (@deferred) and returns.  It
 * must not queue itself again from there: io_uring's wait loop runs
 * every pending work at once and waits again, so a work that requeues
 * itself spins.  The freezer queues it again a little later instead,
 * until the thread parks on a return to user mode or the timeout ends
 * the freeze with EAGAIN, the thread untouched.  io_uring and vhost
 * workers are queued only once every other thread is parked: a request
 * a thread waits for in io_uring_enter() may be in a worker's hands.
 */
#include "cryo.h"

#include <linux/module.h>
#include <linux/regset.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/futex.h>
#include <linux/slab.h>
#include <linux/elf.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xstate.h>
#include <asm/syscall.h>

#include "freezing.h"
#include "park.h"
#include "image/record.h"
#include "task/task.h"

static void cryo_park_put(struct cryo_park *park)
{
	unsigned int i;

	if (!refcount_dec_and_test(&park->ref))
		return;
	for (i = 0; i < park->nr_threads; i++) {
		put_task_struct(park->threads[i]->task);
		kvfree(park->threads[i]->fpu);
		kfree(park->threads[i]);
	}
	kvfree(park->threads);
	xa_destroy(&park->known);
	kfree(park);
}

/* One more thread parked or gone; the last one wakes the freezer. */
static void cryo_park_settle(struct cryo_park *park)
{
	if (atomic_dec_and_test(&park->unsettled))
		wake_up(&park->settled_wq);
}

/*
 * What the x86-64 syscall entry code stores in pt_regs->ax before the
 * call (-ENOSYS, the answer to an unknown syscall number) and the exit
 * path replaces with the call's result.  Pasted together: checkpatch
 * takes every ENOSYS token for that errno misused, and this is the one
 * use it allows, the entry code's own.
 */
#define CRYO_AX_IN_SYSCALL	(-(ENO##SYS))

/*
 * Is the current thread, running our task_work, on its way back to user
 * mode?  See the top of this file for the other places a work runs.
 */
static bool cryo_park_at_user_return(void)
{
	struct pt_regs *regs = task_pt_regs(current);

	/*
	 * io_uring and vhost workers never return to user mode and have no
	 * user state: they are held wherever they run the work.
	 */
	if (current->flags & (PF_IO_WORKER | CRYO_PF_USER_WORKER))
		return true;
	/* From prepare_bprm_creds() on, an exec holds cred_guard_mutex. */
	if (current->in_execve)
		return false;
	/*
	 * Inside a call, ax still holds what the entry code stored.  (A
	 * call whose result is that same value looks the same; it is only
	 * tried again.)  After an interrupt or exception orig_ax is -1.
	 */
	return (long)regs->orig_ax < 0 ||
	       regs->ax != (unsigned long)CRYO_AX_IN_SYSCALL;
}

static void cryo_park_fn(struct callback_head *cb)
{
	struct cryo_thread *th = container_of(cb, struct cryo_thread, twork);
	struct cryo_park *park = th->park;

	if ((current->flags & PF_EXITING) || fatal_signal_pending(current) ||
	    (current->signal->flags & SIGNAL_GROUP_EXIT)) {
		/*
		 * The thread is going away (do_exit() runs io_uring's
		 * cancellation before it sets PF_EXITING): it has no state
		 * to save.
		 */
		WRITE_ONCE(th->gone, true);
		cryo_park_settle(park);
	} else if (READ_ONCE(park->released)) {
		/* Nothing to do. */
	} else if (!cryo_park_at_user_return()) {
		/*
		 * Inside a system call: the freezer queues the work again
		 * (cryo_park_requeue()).  Set before the settle, whose
		 * atomic_dec_and_test() orders it for the freezer.
		 */
		WRITE_ONCE(th->deferred, true);
		cryo_park_settle(park);
	} else {
		int err = cryo_cpu_capture(th);

		if (err) {
			/* An image without this thread would be a lie. */
			if (err == -EOPNOTSUPP)
				WRITE_ONCE(park->foreign, true);
			WRITE_ONCE(park->failed, true);
			WRITE_ONCE(th->gone, true);
		} else {
			/* Publishes th->rec and th->fpu to the freezer. */
			smp_store_release(&th->parked, true);
		}
		cryo_park_settle(park);
		/*
		 * Killable, so SIGKILL still works; NOLOAD, so a process held
		 * frozen for hours does not inflate the load average;
		 * FREEZABLE, so it does not stop the system from suspending.
		 */
		if (wait_event_state(park->wq, READ_ONCE(park->released),
				     (TASK_KILLABLE | TASK_NOLOAD |
				      TASK_FREEZABLE)))
			WRITE_ONCE(park->killed, true);
	}
	cryo_park_put(park);
	/*
	 * Nothing of the module runs after this but the return: the module
	 * reference only closes the window in which an unload would free the
	 * code of a still-queued work.
	 */
	module_put(THIS_MODULE);
}

/* Queue @th's work (again); false if the thread exits and never runs it. */
static bool cryo_park_queue(struct cryo_park *park, struct cryo_thread *th)
{
	refcount_inc(&park->ref);
	__module_get(THIS_MODULE);
	atomic_inc(&park->unsettled);
	init_task_work(&th->twork, cryo_park_fn);
	if (task_work_add(th->task, &th->twork, TWA_SIGNAL)) {
		/* Exiting: it will never run the work. */
		th->gone = true;
		atomic_dec(&park->unsettled);
		module_put(THIS_MODULE);
		refcount_dec(&park->ref);
		return false;
	}
	return true;
}

/*
 * Queue the work again on every thread that ran it inside a system call.
 * Called with every queued work settled: none is pending, so each
 * callback_head is free (task_work_run() is done with an entry once it
 * calls it).  Returns how many were queued.
 */
static unsigned int cryo_park_requeue(struct cryo_park *park)
{
	unsigned int i, n = 0;

	for (i = 0; i < park->nr_threads; i++) {
		struct cryo_thread *th = park->threads[i];

		if (!READ_ONCE(th->deferred))
			continue;
		WRITE_ONCE(th->deferred, false);
		n += cryo_park_queue(park, th);
	}
	return n;
}

/* Some thread ran its work inside a system call and is not parked. */
static bool cryo_park_deferred(struct cryo_park *park)
{
	unsigned int i;

	for (i = 0; i < park->nr_threads; i++)
		if (READ_ONCE(park->threads[i]->deferred))
			return true;
	return false;
}

/* Keyed by global pid: unique while we hold a reference on the task. */
static bool cryo_park_known(struct cryo_park *park, struct task_struct *t)
{
	return xa_load(&park->known, task_pid_nr(t));
}

static bool cryo_park_settled(struct cryo_park *park)
{
	return !atomic_read(&park->unsettled);
}

/*
 * Add the threads of @leader that are not parked yet, up to the room in
 * park->threads.  Returns how many it added, or -errno.
 */
static int cryo_park_add(struct cryo_park *park, struct task_struct *leader)
{
	struct task_struct *t, *found[64];
	unsigned int n = 0, i;
	int added = 0;

	rcu_read_lock();
	for_each_thread(leader, t) {
		if (n == ARRAY_SIZE(found))
			break;
		if (t->flags & PF_EXITING || cryo_park_known(park, t))
			continue;
		if (!park->workers &&
		    (t->flags & (PF_IO_WORKER | CRYO_PF_USER_WORKER)))
			continue;
		found[n++] = get_task_struct(t);
	}
	rcu_read_unlock();

	for (i = 0; i < n; i++) {
		struct cryo_thread *th;

		if (park->nr_threads == park->max_threads)
			goto out_put;
		th = kzalloc(sizeof(*th), GFP_KERNEL_ACCOUNT);
		if (!th)
			goto out_put;
		th->fpu = kvzalloc(park->fpu_size, GFP_KERNEL_ACCOUNT);
		if (!th->fpu) {
			kfree(th);
			goto out_put;
		}
		if (xa_err(xa_store(&park->known, task_pid_nr(found[i]), th,
				    GFP_KERNEL_ACCOUNT))) {
			kvfree(th->fpu);
			kfree(th);
			goto out_put;
		}
		th->park = park;
		th->task = found[i];
		park->threads[park->nr_threads++] = th;
		cryo_park_queue(park, th);
		added++;
	}
	return added;

out_put:
	/* Too many threads appeared, or no memory: give up on the freeze. */
	for (; i < n; i++)
		put_task_struct(found[i]);
	return park->nr_threads == park->max_threads ? -EBUSY : -ENOMEM;
}

/*
 * Let the threads that ran their work inside a system call go on for a
 * while before the work is queued again: each queueing wakes an io_uring
 * wait, for instance, only to see it wait again.  Returns what is left of
 * @left, or -EINTR when the caller is killed.
 */
static long cryo_park_pause(long left)
{
	long t = min_t(long, left, msecs_to_jiffies(CRYO_PARK_RETRY_MS));

	t -= schedule_timeout_killable(t);
	if (fatal_signal_pending(current))
		return -EINTR;
	return left - t;
}

void cryo_park_release(struct cryo_park *park)
{
	WRITE_ONCE(park->released, true);
	wake_up_all(&park->wq);
	cryo_park_put(park);
}

/* The target was not killed while parked. */
bool cryo_park_alive(struct cryo_park *park)
{
	return !READ_ONCE(park->killed);
}

/* A park for the threads of @leader, none queued yet; ERR_PTR on failure. */
static struct cryo_park *cryo_park_new(struct task_struct *leader)
{
	struct cryo_park *park;
	int ret;

	park = kzalloc(sizeof(*park), GFP_KERNEL_ACCOUNT);
	if (!park)
		return ERR_PTR(-ENOMEM);
	refcount_set(&park->ref, 1);
	init_waitqueue_head(&park->wq);
	init_waitqueue_head(&park->settled_wq);
	xa_init(&park->known);
	ret = cryo_cpu_fpu_layout(&park->fpu_note, &park->fpu_size);
	if (ret)
		goto out_release;
	/* A THREAD record is staged whole; see CRYO_STAGE_SIZE. */
	ret = -E2BIG;
	if (sizeof(struct cryo_rec) + sizeof(struct cryo_image_thread) +
	    park->fpu_size > CRYO_STAGE_SIZE)
		goto out_release;
	/* Room for threads created while we park; more is EBUSY. */
	park->max_threads = get_nr_threads(leader) + 64;
	ret = -ENOMEM;
	park->threads = kvcalloc(park->max_threads, sizeof(*park->threads),
				 GFP_KERNEL_ACCOUNT);
	if (!park->threads)
		goto out_release;
	return park;
out_release:
	cryo_park_release(park);
	return ERR_PTR(ret);
}

/*
 * Queue the parking work on every thread of @leader's group, new ones
 * too, until all have parked (or given up), within @left jiffies.
 */
static int cryo_park_all(struct cryo_park *park, struct task_struct *leader,
			 long left)
{
	int ret;

	for (;;) {
		cond_resched();
		ret = cryo_park_add(park, leader);
		if (ret < 0)
			return ret;
		if (ret == 0 && cryo_park_settled(park)) {
			/* Pairs with the atomic_dec_and_test() of each settle. */
			smp_rmb();
			if (!cryo_park_deferred(park)) {
				if (park->workers)
					return 0;
				/*
				 * Every other thread is parked: now the io_uring
				 * and vhost workers.  Not before, since a thread
				 * waiting in io_uring_enter() may wait for a
				 * worker, and cannot park until its call returns.
				 */
				park->workers = true;
				continue;
			}
			left = cryo_park_pause(left);
			if (left <= 0)
				return left < 0 ? -EINTR : -EAGAIN;
			cryo_park_requeue(park);
			continue;
		}
		left = wait_event_killable_timeout(park->settled_wq,
						   cryo_park_settled(park), left);
		if (left <= 0)
			return left < 0 ? -EINTR : -EBUSY;
		if (leader->signal->flags & SIGNAL_GROUP_EXIT)
			return -ESRCH;
		if (park->nr_threads == park->max_threads)
			return -EBUSY;
	}
}

/**
 * cryo_park_begin() - start parking every thread of @leader's group
 * @leader: the target, referenced
 * @parkp: out: the park, to be finished with cryo_park_finish(), or
 *	released with cryo_park_release()
 *
 * Queues the parking work on the threads found now, without waiting: a
 * tree's members are all asked at once, then waited for one by one.
 *
 * Return: 0, -EBUSY (too many threads), -ENOMEM.
 */
int cryo_park_begin(struct task_struct *leader, struct cryo_park **parkp)
{
	struct cryo_park *park;
	int ret;

	park = cryo_park_new(leader);
	if (IS_ERR(park))
		return PTR_ERR(park);
	ret = cryo_park_add(park, leader);
	if (ret < 0) {
		cryo_park_release(park);
		return ret;
	}
	*parkp = park;
	return 0;
}

/**
 * cryo_park_finish() - wait until every thread of @leader's group parked
 * @park: from cryo_park_begin(); released on failure
 * @leader: the target, referenced
 * @timeout_ms: how long parking may take from now
 *
 * Return: 0 with every live thread parked; -EBUSY when some thread did not
 * park in time (all are resumed), -EAGAIN when a thread was inside a
 * system call that ran its work (an io_uring wait, an exec) each time it
 * was tried until the timeout (all are resumed), -ESRCH when the target
 * exits meanwhile, -EINTR when the caller is killed, -ENOMEM.
 */
int cryo_park_finish(struct cryo_park *park, struct task_struct *leader,
		     unsigned int timeout_ms)
{
	int ret;

	ret = cryo_park_all(park, leader, msecs_to_jiffies(timeout_ms));
	if (!ret && (!cryo_park_alive(park) ||
		     (leader->signal->flags & SIGNAL_GROUP_EXIT)))
		ret = -ESRCH;
	if (!ret && READ_ONCE(park->failed))
		ret = READ_ONCE(park->foreign) ? -EOPNOTSUPP : -EIO;
	if (ret)
		cryo_park_release(park);
	return ret;
}
