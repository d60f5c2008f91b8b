// SPDX-License-Identifier: GPL-2.0
/*
 * How each thread is scheduled: its policy, real-time priority, nice
 * value and SCHED_RESET_ON_FORK, its CPU affinity and its timer slack
 * (THREAD records since image format 2.7), its I/O priority (since 2.8)
 * and the process's PR_SET_THP_DISABLE (a PROCESS flag).
 *
 * Saved by each thread itself while it parks.  A thaw checks the values
 * when the image is read, checks in the restored process R, before the
 * point of no return, that R may take them as sched_setscheduler(2) and
 * setpriority(2) would let it (its RLIMIT_RTPRIO and RLIMIT_NICE, which
 * R set to the image's as far as it could, or CAP_SYS_NICE) and
 * ioprio_set(2) would (the real-time I/O class needs CAP_SYS_NICE or
 * CAP_SYS_ADMIN), and applies
 * them in each thread after it, where nothing can fail any more: the
 * kernel's *_nocheck setters are used, the rights having been checked.
 * The LSM hook sched_setscheduler(2) runs (security_task_setscheduler())
 * is not exported to modules and is not consulted.
 *
 * The affinity is the image's within the CPUs this machine has active and
 * the thawing thread may use (its own affinity, which the kernel keeps
 * within its cpuset).  When nothing is left, the thread keeps what the
 * thawing process has and the kernel log says so: a machine with other
 * CPUs must still be able to thaw an image.
 */
#include "cryo.h"

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/iocontext.h>
#include <linux/ioprio.h>
#include <linux/sched/coredump.h>
#include <linux/sched/prio.h>
#include <linux/sched/rt.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <uapi/linux/sched.h>
#include <uapi/linux/sched/types.h>

#include "freezing.h"
#include "thawing.h"
#include "task/task.h"

/* The policies a THREAD record may hold. */
static bool cryo_sched_known(u32 policy)
{
	return policy == SCHED_NORMAL || policy == SCHED_FIFO ||
	       policy == SCHED_RR || policy == SCHED_BATCH ||
	       policy == SCHED_IDLE;
}

static bool cryo_sched_rt(u32 policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

/*
 * The I/O priority the thread set with ioprio_set(2), not the one the
 * kernel derives from its nice value when it set none (class NONE): a
 * thaw must leave that one derived.
 */
static u32 cryo_ioprio_get(void)
{
	u32 prio = IOPRIO_DEFAULT;

	task_lock(current);
	if (current->io_context)
		prio = current->io_context->ioprio;
	task_unlock(current);
	return prio;
}

/* Runs in the parked thread: its settings into its THREAD record. */
void cryo_sched_capture(struct cryo_image_thread *r)
{
	unsigned int cpu;

	r->ioprio = cryo_ioprio_get();

	r->sched_policy = current->policy;
	/* Only with CRYO_FREEZE_ACCEPT_LOSS: refused otherwise. */
	if (!cryo_sched_known(r->sched_policy))
		r->sched_policy = SCHED_NORMAL;
	r->sched_flags = current->sched_reset_on_fork ?
			 CRYO_THREAD_RESET_ON_FORK : 0;
	r->nice = task_nice(current);
	r->rt_priority = cryo_sched_rt(r->sched_policy) ?
			 current->rt_priority : 0;
	r->timer_slack_ns = current->timer_slack_ns;
	r->default_timer_slack_ns = current->default_timer_slack_ns;
	memset(r->affinity, 0, sizeof(r->affinity));
	/* Not narrowed by the thread: let the thawing machine decide. */
	if (cpumask_subset(cpu_online_mask, &current->cpus_mask)) {
		r->sched_flags |= CRYO_THREAD_AFFINITY_ALL;
		return;
	}
	for_each_cpu(cpu, &current->cpus_mask)
		if (cpu < CRYO_THREAD_MAX_CPUS)
			r->affinity[cpu / 64] |= 1ULL << (cpu % 64);
}

/**
 * cryo_sched_refuse() - refuse a thread whose policy a thaw cannot restore
 * @img: the image, its target parked
 * @why: out: the refusal
 *
 * SCHED_DEADLINE needs an admission test that a thaw could only pass or
 * fail after its point of no return.
 *
 * Return: 0, or -EOPNOTSUPP with @why set.
 */
int cryo_sched_refuse(struct cryo_image *img, struct cryo_why *why)
{
	struct cryo_park *park = img->m->park;
	unsigned int i;

	/* A thread's policy changes under its pi_lock; parked, it is stable. */
	for (i = 0; i < park->nr_threads; i++) {
		struct task_struct *t = park->threads[i]->task;

		if (!cryo_sched_known(READ_ONCE(t->policy)))
			return cryo_refuse(why, CRYO_REFUSAL_SCHED_DEADLINE,
					   task_pid_vnr(t), -EOPNOTSUPP);
	}
	return 0;
}

/*
 * An I/O priority ioprio_set(2) accepts: a class, and a level of 0 to 7
 * (none for class NONE); the hints of newer kernels only where this one
 * knows them.
 */
static bool cryo_ioprio_valid(u32 prio)
{
	u32 class = prio >> IOPRIO_CLASS_SHIFT;
	u32 data = prio & IOPRIO_PRIO_MASK;

	if (prio > U16_MAX)
		return false;
	switch (class) {
	case IOPRIO_CLASS_NONE:
		return !data;
	case IOPRIO_CLASS_RT:
	case IOPRIO_CLASS_BE:
	case IOPRIO_CLASS_IDLE:
		return (data >> 3) <= CRYO_IOPRIO_HINT_MAX;
	default:
		return false;
	}
}

/**
 * cryo_sched_load() - check a THREAD record's scheduling fields
 * @th: the thread, its record read (zero past a 2.0 record's end)
 *
 * Return: 0, or -EINVAL for values no thread can have.
 */
int cryo_sched_load(struct cryo_thawing_thread *th)
{
	const struct cryo_image_thread *r = &th->rec;
	u64 any = 0;
	unsigned int i;

	if (!th->sched_ext)
		return 0;
	if (!cryo_sched_known(r->sched_policy) ||
	    (r->sched_flags & ~CRYO_THREAD_SCHED_ALL) ||
	    r->nice < MIN_NICE || r->nice > MAX_NICE)
		return -EINVAL;
	if (cryo_sched_rt(r->sched_policy) ?
	    r->rt_priority < 1 || r->rt_priority > MAX_RT_PRIO - 1 :
	    r->rt_priority)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(r->affinity); i++)
		any |= r->affinity[i];
	/* sched_getaffinity(2) never gives an empty mask. */
	if ((r->sched_flags & CRYO_THREAD_AFFINITY_ALL) ? any : !any)
		return -EINVAL;
	if (th->ioprio_ext ? !cryo_ioprio_valid(r->ioprio) : r->ioprio)
		return -EINVAL;
	return 0;
}

/*
 * Would sched_setscheduler(2) of what @r says need CAP_SYS_NICE in
 * current?  Its rules for an unprivileged caller, beside the nice value.
 */
static bool cryo_sched_needs_priv(const struct cryo_image_thread *r)
{
	struct task_struct *p = current;
	u32 policy = r->sched_policy;
	unsigned long rtprio;

	if (cryo_sched_rt(policy)) {
		rtprio = task_rlimit(p, RLIMIT_RTPRIO);
		if (policy != p->policy && !rtprio)
			return true;
		if (r->rt_priority > p->rt_priority && r->rt_priority > rtprio)
			return true;
	}
	/* SCHED_IDLE counts as nice 20: leaving it needs RLIMIT_NICE. */
	if (p->policy == SCHED_IDLE && policy != SCHED_IDLE &&
	    20 - task_nice(p) > task_rlimit(p, RLIMIT_NICE))
		return true;
	return p->sched_reset_on_fork &&
	       !(r->sched_flags & CRYO_THREAD_RESET_ON_FORK);
}

/* May the caller, current, make itself what @r says? */
static bool cryo_sched_permitted(const struct cryo_image_thread *r)
{
	/* setpriority(2); under sched_setscheduler(2) too for the fair ones. */
	if (r->nice < task_nice(current) && !can_nice(current, r->nice))
		return false;
	return !cryo_sched_needs_priv(r) || capable(CAP_SYS_NICE);
}

/* ioprio_set(2)'s rule: the real-time class is for the privileged. */
static bool cryo_ioprio_permitted(u32 prio)
{
	if (prio >> IOPRIO_CLASS_SHIFT != IOPRIO_CLASS_RT)
		return true;
	return capable(CAP_SYS_NICE) || capable(CAP_SYS_ADMIN);
}

static const char *cryo_sched_name(u32 policy)
{
	switch (policy) {
	case SCHED_FIFO:
		return "SCHED_FIFO";
	case SCHED_RR:
		return "SCHED_RR";
	case SCHED_BATCH:
		return "SCHED_BATCH";
	case SCHED_IDLE:
		return "SCHED_IDLE";
	default:
		return "SCHED_OTHER";
	}
}

/*
 * The CPUs thread @th may run on: the image's within the active ones
 * and the caller's own.  Left empty when none is left.
 */
static void cryo_sched_mask(const struct cryo_image_thread *r,
			    struct cpumask *mask)
{
	unsigned int cpu;

	cpumask_clear(mask);
	for (cpu = 0; cpu < CRYO_THREAD_MAX_CPUS && cpu < nr_cpu_ids; cpu++)
		if (r->affinity[cpu / 64] & (1ULL << (cpu % 64)))
			cpumask_set_cpu(cpu, mask);
	cpumask_and(mask, mask, cpu_active_mask);
	cpumask_and(mask, mask, &current->cpus_mask);
}

/**
 * cryo_sched_check() - may the restored process have its threads' settings?
 * @t: the thaw; runs in its leader R before the point of no return
 *
 * Also computes each thread's affinity, so that nothing is allocated
 * after the point of no return.
 *
 * Return: 0, or -EPERM / -ENOMEM with the thaw failed.
 */
int cryo_sched_check(struct cryo_thawing *t)
{
	unsigned int i;

	for (i = 0; i < t->nr_threads; i++) {
		struct cryo_thawing_thread *th = &t->threads[i];
		const struct cryo_image_thread *r = &th->rec;

		if (!th->sched_ext)
			continue;
		if (!cryo_sched_permitted(r))
			return cryo_thaw_fail(t, -EPERM,
					      "thread %d: %s priority %u nice %d exceeds what the restored process may set (RLIMIT_RTPRIO, RLIMIT_NICE or CAP_SYS_NICE)",
					      r->tid, cryo_sched_name(r->sched_policy),
					      r->rt_priority, r->nice);
		if (th->ioprio_ext && !cryo_ioprio_permitted(r->ioprio))
			return cryo_thaw_fail(t, -EPERM,
					      "thread %d: real-time I/O priority %u needs CAP_SYS_NICE or CAP_SYS_ADMIN, which the restored process lacks",
					      r->tid, (u32)(r->ioprio & IOPRIO_PRIO_MASK));
		if (r->sched_flags & CRYO_THREAD_AFFINITY_ALL)
			continue;
		if (!th->affinity) {
			th->affinity = kzalloc(cpumask_size(), GFP_KERNEL_ACCOUNT);
			if (!th->affinity)
				return cryo_thaw_fail(t, -ENOMEM, "out of memory");
		}
		cryo_sched_mask(r, th->affinity);
		if (cpumask_empty(th->affinity))
			pr_notice_ratelimited("thaw of pid %d: thread %d: none of the CPUs it was bound to is usable here; it runs where the thawing process may\n",
					      t->proc.pid, r->tid);
	}
	return 0;
}

/**
 * cryo_sched_restore() - a thread's settings back, in the thread itself
 * @th: its THREAD record, checked by cryo_sched_check()
 *
 * Past the point of no return: none of this can fail for a checked
 * image (a CPU unplugged meanwhile only leaves the affinity as it was).
 */
void cryo_sched_restore(struct cryo_thawing_thread *th)
{
	const struct cryo_image_thread *r = &th->rec;
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = r->sched_policy,
		.sched_priority = r->rt_priority,
		.sched_nice = r->nice,
	};

	if (!th->sched_ext)
		return;
	if (r->sched_flags & CRYO_THREAD_RESET_ON_FORK)
		attr.sched_flags |= SCHED_FLAG_RESET_ON_FORK;
	if (sched_setattr_nocheck(current, &attr))
		pr_warn_ratelimited("thread %d: %s could not be restored\n",
				    task_pid_nr(current),
				    cryo_sched_name(r->sched_policy));
	/*
	 * sched_setattr() takes the nice value of SCHED_OTHER and
	 * SCHED_BATCH only; a SCHED_IDLE or real-time thread keeps one too,
	 * for when it leaves its policy.
	 */
	set_user_nice(current, r->nice);
	if (th->affinity && !cpumask_empty(th->affinity) &&
	    set_cpus_allowed_ptr(current, th->affinity))
		pr_notice_ratelimited("thread %d: its CPUs went offline during the thaw; affinity left as the thawing process has it\n",
				      task_pid_nr(current));
	/* After the policy: the kernel may reset the slack of a change. */
	current->default_timer_slack_ns = r->default_timer_slack_ns;
	current->timer_slack_ns = r->timer_slack_ns;
	/* Only a change: the thread may have no I/O context, and need none. */
	if (th->ioprio_ext && cryo_ioprio_get() != r->ioprio) {
		int err = set_task_ioprio(current, r->ioprio);

		if (err)
			pr_warn_ratelimited("thread %d: its I/O priority could not be restored (error %d)\n",
					    task_pid_nr(current), err);
	}
}

/* The THREAD record is done with. */
void cryo_sched_release(struct cryo_thawing_thread *th)
{
	kfree(th->affinity);
	th->affinity = NULL;
}

/* PR_SET_THP_DISABLE, of the parked target's mm. */
u32 cryo_sched_save_thp(struct mm_struct *mm)
{
	return test_bit(MMF_DISABLE_THP, &mm->flags) ?
	       CRYO_PROCESS_THP_DISABLE : 0;
}

/*
 * In the leader, with the mmap lock held for writing as prctl() holds it;
 * an image older than 2.7 leaves it as it is.
 */
void cryo_sched_restore_thp(struct cryo_thawing *t, struct mm_struct *mm)
{
	mmap_assert_write_locked(mm);
	if (!t->nr_threads || !t->threads[0].sched_ext)
		return;
	if (t->proc.flags & CRYO_PROCESS_THP_DISABLE)
		set_bit(MMF_DISABLE_THP, &mm->flags);
	else
		clear_bit(MMF_DISABLE_THP, &mm->flags);
}
