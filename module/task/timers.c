// SPDX-License-Identifier: GPL-2.0
/*
 * Timers: the process's POSIX timers (timer_create(2), POSIX_TIMER
 * records) and its CPU-time itimers, ITIMER_PROF and ITIMER_VIRTUAL
 * (CPU_ITIMERS), since 2.9.  ITIMER_REAL is in SIGNALS (signals.c).
 *
 * Saved from the parked target under its siglock, which guards the list
 * of timers and the itimers.  A module cannot make a POSIX timer (the
 * kernel's timer code exports nothing for it), so the thaw has the
 * process it restores make them with timer_create(2), from its stub,
 * once its threads exist: CRYO_IOC_THAW_TIMERS tells what to make, the
 * leader's CRYO_IOC_THAW_RESTORE checks, before the point of no return,
 * that the process has exactly those, and the stub arms them (and the
 * itimers) once RESTORE returned.  See "POSIX timers" in thaw.rst.
 */
#include "cryo.h"

#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/pid_namespace.h>
#include <linux/posix-timers.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "freezing.h"
#include "session.h"
#include "thawing.h"
#include "image/record.h"
#include "task/task.h"

/* Ten years at most: nothing sane arms a timer for longer. */
#define CRYO_TIMER_MAX_NS	(10ULL * 365 * 86400 * NSEC_PER_SEC)

/* sigev_notify as the kernel keeps it (SIGEV_THREAD is the caller's). */
static bool cryo_timer_notify_ok(s32 notify)
{
	return notify == SIGEV_SIGNAL || notify == SIGEV_NONE ||
	       notify == SIGEV_THREAD || notify == SIGEV_THREAD_ID;
}

/* The clocks whose timers are hrtimers (common_timer_*) and restorable. */
static bool cryo_timer_clock_ok(s32 clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC ||
	       clock == CLOCK_BOOTTIME || clock == CLOCK_TAI;
}

/*
 * The time left of an hrtimer-based timer, as timer_gettime(2) tells it
 * (common_timer_get()), without moving it.  A periodic timer whose
 * signal is still queued is not running (its next period starts when the
 * signal is delivered): its next expiry is its last one forwarded past
 * now.  Read without the timer's lock, which ranks above the siglock we
 * hold: the target cannot change its timers, only an expiry racing with
 * us can, and then either reading is a time the timer had.
 */
static u64 cryo_timer_left(struct k_itimer *k, bool none)
{
	struct hrtimer *h = &k->it.real.timer;
	s64 iv = ktime_to_ns(READ_ONCE(k->it_interval));
	s64 left;

	if (!iv && !READ_ONCE(k->it_active) && !none)
		return 0;
	left = ktime_to_ns(__hrtimer_get_remaining(h, false));
	if (left > 0)
		return min_t(u64, left, CRYO_TIMER_MAX_NS);
	if (iv && (!hrtimer_active(h) || none)) {
		u64 rem;

		div64_u64_rem(-left, iv, &rem);
		return iv - rem;
	}
	/*
	 * About to fire: the smallest time still armed (a SIGEV_NONE
	 * one-shot timer that expired is disarmed).
	 */
	return none ? 0 : 1;
}

/* The imaged thread whose pid is @pid, -1 for none.  Under the siglock. */
static int cryo_timer_thread(struct cryo_image *img, struct pid *pid)
{
	struct cryo_park *park = img->m->park;
	unsigned int i;

	for (i = 0; i < park->nr_threads; i++) {
		struct cryo_thread *th = park->threads[i];

		if (cryo_thread_imaged(th) && task_pid(th->task) == pid)
			return i;
	}
	return -1;
}

/*
 * One timer into @r, or the refusal it earns (0 when it can be saved).
 * Under the siglock.
 */
static u32 cryo_timer_take(struct cryo_image *img, struct k_itimer *k,
			   struct cryo_image_posix_timer *r)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	s32 notify = k->it_sigev_notify;
	int th = 0;

	if (k->it_id < 0 || k->it_id > CRYO_IMAGE_MAX_POSIX_TIMER_ID)
		return CRYO_REFUSAL_POSIX_TIMER_LIMIT;
	if (!cryo_timer_clock_ok(k->it_clock))
		return CRYO_REFUSAL_POSIX_TIMER_CLOCK;
	if (!cryo_timer_notify_ok(notify) || !k->sigq)
		return CRYO_REFUSAL_POSIX_TIMER_NOTIFY;
	if (notify == SIGEV_THREAD_ID) {
		th = cryo_timer_thread(img, k->it_pid);
		if (th < 0)
			return CRYO_REFUSAL_POSIX_TIMER_NOTIFY;
	}
	memset(r, 0, sizeof(*r));
	r->id = k->it_id;
	r->clock = k->it_clock;
	r->notify = notify;
	r->signo = k->sigq->info.si_signo;
	r->value = (unsigned long)k->sigq->info.si_value.sival_ptr;
	if (notify == SIGEV_THREAD_ID)
		r->tid = task_pid_nr_ns(img->m->park->threads[th]->task, ns);
	r->value_ns = cryo_timer_left(k, notify == SIGEV_NONE);
	r->interval_ns = min_t(u64, ktime_to_ns(k->it_interval),
			       CRYO_TIMER_MAX_NS);
	r->overrun = k->it_overrun_last;
	return 0;
}

/*
 * ITIMER_PROF or ITIMER_VIRTUAL (@clk) as getitimer(2) tells it: while
 * one is armed the process's CPU time is also counted in its cputimer,
 * which is what the kernel checks the expiry against.
 */
static void cryo_itimer_take(struct signal_struct *sig, int clk,
			     u64 *value, u64 *interval)
{
	struct task_cputime_atomic *a = &sig->cputimer.cputime_atomic;
	u64 exp = sig->it[clk].expires, now;

	*interval = min_t(u64, sig->it[clk].incr, CRYO_TIMER_MAX_NS);
	*value = 0;
	if (!exp)
		return;
	now = atomic64_read(&a->utime);
	if (clk == CPUCLOCK_PROF)
		now += atomic64_read(&a->stime);
	/* Not counted (cannot be, while armed): the smallest time armed. */
	if (!READ_ONCE(sig->posix_cputimers.timers_active) || exp <= now)
		*value = TICK_NSEC;
	else
		*value = min_t(u64, exp - now, CRYO_TIMER_MAX_NS);
}

/*
 * Take the parked member's timers into @ts, under its siglock
 * (lock_task_sighand() is not exported; a parked target's sighand only
 * goes away if it dies: then we see NULL or another one).  With @why,
 * the first timer that cannot be saved refuses the freeze; without, it
 * is left out (CRYO_FREEZE_ACCEPT_LOSS).  -ESRCH when the member is gone.
 */
static int cryo_timers_take(struct cryo_image *img, struct cryo_timers_save *ts,
			    struct cryo_why *why)
{
	struct task_struct *leader = img->m->leader;
	struct signal_struct *sig = leader->signal;
	struct sighand_struct *sh;
	struct k_itimer *k;
	u32 code = 0;
	s32 id = 0;

	memset(ts, 0, sizeof(*ts));
	rcu_read_lock();
	sh = rcu_dereference(leader->sighand);
	if (!sh) {
		rcu_read_unlock();
		return -ESRCH;
	}
	spin_lock_irq(&sh->siglock);
	if (sh != rcu_access_pointer(leader->sighand)) {
		spin_unlock_irq(&sh->siglock);
		rcu_read_unlock();
		return -ESRCH;
	}
	cryo_for_each_posix_timer(k, sig) {
		struct cryo_image_posix_timer r;
		u32 c = cryo_timer_take(img, k, &r);

		if (!c && ts->nr == CRYO_IMAGE_MAX_POSIX_TIMERS)
			c = CRYO_REFUSAL_POSIX_TIMER_LIMIT;
		if (c) {
			if (!code) {
				code = c;
				id = k->it_id;
			}
			continue;
		}
		ts->q[ts->nr++] = r;
	}
	cryo_itimer_take(sig, CPUCLOCK_PROF, &ts->it.prof_value_ns,
			 &ts->it.prof_interval_ns);
	cryo_itimer_take(sig, CPUCLOCK_VIRT, &ts->it.virt_value_ns,
			 &ts->it.virt_interval_ns);
	ts->have_it = ts->it.prof_value_ns || ts->it.virt_value_ns;
	spin_unlock_irq(&sh->siglock);
	rcu_read_unlock();
	if (code && why)
		return cryo_refuse(why, code, id, -EOPNOTSUPP);
	return 0;
}

/**
 * cryo_timers_refuse() - refuse timers an image would lose
 * @img: the image, @img->m parked
 * @why: out: the refusal
 *
 * A POSIX timer on a CPU-time or alarm clock, with an id above
 * %CRYO_IMAGE_MAX_POSIX_TIMER_ID or past %CRYO_IMAGE_MAX_POSIX_TIMERS,
 * or signalling a thread that is not saved.
 *
 * Return: 0, -EOPNOTSUPP with @why set, -ESRCH.
 */
int cryo_timers_refuse(struct cryo_image *img, struct cryo_why *why)
{
	struct cryo_timers_save *ts;
	int ret;

	ts = kmalloc(sizeof(*ts), GFP_KERNEL);
	if (!ts)
		return -ENOMEM;
	ret = cryo_timers_take(img, ts, why);
	kfree(ts);
	return ret;
}

static int cryo_timer_cmp(const void *a, const void *b)
{
	const struct cryo_image_posix_timer *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/**
 * cryo_timers_save() - stage the section's next POSIX_TIMER or
 * CPU_ITIMERS record
 * @img: the image, its member parked
 *
 * Return: 1 when a record was staged, 0 when there is none left, -errno.
 */
int cryo_timers_save(struct cryo_image *img)
{
	struct cryo_timers_save *ts = &img->timers;
	int ret;

	if (!ts->taken) {
		ret = cryo_timers_take(img, ts, NULL);
		if (ret)
			return ret;
		sort(ts->q, ts->nr, sizeof(ts->q[0]), cryo_timer_cmp, NULL);
		ts->taken = true;
	}
	if (ts->next < ts->nr) {
		memcpy(cryo_record_start(img, CRYO_REC_POSIX_TIMER,
					 sizeof(ts->q[0])),
		       &ts->q[ts->next++], sizeof(ts->q[0]));
		cryo_record_finish(img);
		return 1;
	}
	if (ts->next == ts->nr && ts->have_it) {
		ts->next++;
		memcpy(cryo_record_start(img, CRYO_REC_CPU_ITIMERS,
					 sizeof(ts->it)),
		       &ts->it, sizeof(ts->it));
		cryo_record_finish(img);
		return 1;
	}
	return 0;
}

/* The section is done (or the image is): forget its timers. */
void cryo_timers_save_end(struct cryo_image *img)
{
	img->timers.taken = false;
	img->timers.nr = 0;
	img->timers.next = 0;
	img->timers.have_it = false;
}

/* ---- thaw ---- */

int cryo_timers_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_timers_thaw *tt = &t->timers;
	struct cryo_image_posix_timer r;
	unsigned int i = 0;

	if (rec->len != sizeof(r))
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len,
				sizeof(r));
	if (t->hdr.minor < 9)
		return cryo_bad(t, rec, "POSIX_TIMER in an image of format 2.%u",
				t->hdr.minor);
	memcpy(&r, t->in->buf, sizeof(r));
	if (r.__reserved)
		return cryo_bad(t, rec, "reserved field not zero");
	if (tt->nr == CRYO_IMAGE_MAX_POSIX_TIMERS)
		return cryo_bad(t, rec, "more than %u POSIX_TIMER records",
				CRYO_IMAGE_MAX_POSIX_TIMERS);
	if (tt->have_it)
		return cryo_bad(t, rec, "POSIX_TIMER after CPU_ITIMERS");
	if (r.id < 0 || r.id > CRYO_IMAGE_MAX_POSIX_TIMER_ID ||
	    (tt->nr && r.id <= tt->q[tt->nr - 1].id))
		return cryo_bad(t, rec, "timer id %d (out of range or order)",
				r.id);
	if (!cryo_timer_clock_ok(r.clock))
		return cryo_bad(t, rec, "timer %d: clock %d", r.id, r.clock);
	if (!cryo_timer_notify_ok(r.notify))
		return cryo_bad(t, rec, "timer %d: sigev_notify %d", r.id,
				r.notify);
	if (r.signo < 0 || r.signo > 64 ||
	    (r.notify != SIGEV_NONE && !r.signo))
		return cryo_bad(t, rec, "timer %d: signal %d", r.id, r.signo);
	if (r.value_ns > CRYO_TIMER_MAX_NS || r.interval_ns > CRYO_TIMER_MAX_NS)
		return cryo_bad(t, rec, "timer %d: more than ten years", r.id);
	if (r.notify == SIGEV_THREAD_ID) {
		/* Its thread's record came before it. */
		for (i = 0; i < t->nr_threads; i++)
			if (t->threads[i].rec.tid == r.tid)
				break;
		if (r.tid <= 0 || i == t->nr_threads)
			return cryo_bad(t, rec, "timer %d: thread %d is not in the section",
					r.id, r.tid);
	} else if (r.tid) {
		return cryo_bad(t, rec, "timer %d: a thread without SIGEV_THREAD_ID",
				r.id);
	}
	tt->thread[tt->nr] = i;
	tt->q[tt->nr++] = r;
	return 0;
}

int cryo_itimers_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_timers_thaw *tt = &t->timers;
	struct cryo_image_cpu_itimers *it = &tt->it;

	if (rec->len != sizeof(*it))
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len,
				sizeof(*it));
	if (t->hdr.minor < 9)
		return cryo_bad(t, rec, "CPU_ITIMERS in an image of format 2.%u",
				t->hdr.minor);
	if (tt->have_it)
		return cryo_bad(t, rec, "a second CPU_ITIMERS record");
	memcpy(it, t->in->buf, sizeof(*it));
	if (it->prof_value_ns > CRYO_TIMER_MAX_NS ||
	    it->prof_interval_ns > CRYO_TIMER_MAX_NS ||
	    it->virt_value_ns > CRYO_TIMER_MAX_NS ||
	    it->virt_interval_ns > CRYO_TIMER_MAX_NS)
		return cryo_bad(t, rec, "an itimer of more than ten years");
	tt->have_it = true;
	return 0;
}

/*
 * Does the process's timer @k match the image's?  The reason when not.
 * Under the siglock.
 */
static const char *cryo_timer_differs(struct cryo_thawing *t,
				      struct k_itimer *k)
{
	struct cryo_timers_thaw *tt = &t->timers;
	const struct cryo_image_posix_timer *r;
	struct task_struct *target;
	unsigned int i;

	for (i = 0; i < tt->nr; i++)
		if (tt->q[i].id == k->it_id)
			break;
	if (i == tt->nr)
		return "is not the image's";
	r = &tt->q[i];
	if (k->it_clock != r->clock)
		return "has another clock";
	if (k->it_sigev_notify != r->notify)
		return "has another sigev_notify";
	if (!k->sigq || k->sigq->info.si_signo != r->signo ||
	    (unsigned long)k->sigq->info.si_value.sival_ptr != r->value)
		return "has another signal or value";
	if (r->notify == SIGEV_THREAD_ID) {
		target = tt->thread[i] ? t->threads[tt->thread[i]].task : current;
		if (!target || k->it_pid != task_pid(target))
			return "signals another thread";
	} else if (k->it_pid != task_tgid(current)) {
		return "signals another process";
	}
	return NULL;
}

/**
 * cryo_timers_check() - has the process made the image's POSIX timers?
 * @t: the thaw, in its leader's CRYO_IOC_THAW_RESTORE, every thread in
 *
 * Exactly the image's: the same ids, clocks, notifications, signals,
 * values and threads, nothing else.  Before the point of no return.
 *
 * Return: 0, or -EINVAL with the thaw failed naming the timer.
 */
int cryo_timers_check(struct cryo_thawing *t)
{
	/* Our own sighand only changes in our own exec. */
	struct sighand_struct *sighand =
		rcu_dereference_protected(current->sighand, 1);
	const char *why = NULL;
	struct k_itimer *k;
	unsigned int n = 0;
	s32 id = 0;

	spin_lock_irq(&sighand->siglock);
	cryo_for_each_posix_timer(k, current->signal) {
		n++;
		why = cryo_timer_differs(t, k);
		if (why) {
			id = k->it_id;
			break;
		}
	}
	spin_unlock_irq(&sighand->siglock);
	if (why)
		return cryo_thaw_fail(t, -EINVAL, "POSIX timer %d of the process %s",
				      id, why);
	if (n != t->timers.nr)
		return cryo_thaw_fail(t, -EINVAL,
				      "the process has %u POSIX timers, the image %u",
				      n, t->timers.nr);
	return 0;
}

/**
 * cryo_thaw_timers() - CRYO_IOC_THAW_TIMERS: a planned member's timers
 * @s: the session
 * @arg: the call
 *
 * Return: 0, -ENOENT, -EINVAL, -EFAULT.
 */
int cryo_thaw_timers(struct cryo_session *s, struct cryo_thaw_timers *arg)
{
	struct cryo_thaw_tree *tree = s->thaw;
	struct cryo_thaw_timer __user *out = u64_to_user_ptr(arg->timers);
	const struct cryo_timers_thaw *tt;
	struct cryo_thawing *t = NULL;
	unsigned int i, n;

	lockdep_assert_held(&s->lock);
	if (arg->__reserved)
		return -EINVAL;
	if (!tree || tree->remap_only)
		return -ENOENT;
	spin_lock(&tree->lock);
	if (arg->member < tree->nr_procs)
		t = tree->members[arg->member];
	if (t && t->state != CRYO_THAW_PREPARED)
		t = NULL;
	spin_unlock(&tree->lock);
	if (arg->member >= tree->nr_procs)
		return -EINVAL;
	/* Planned, its section read: what follows only reads it. */
	if (!t)
		return -ENOENT;
	tt = &t->timers;
	n = min(arg->timers_len, tt->nr);
	for (i = 0; i < n; i++) {
		const struct cryo_image_posix_timer *r = &tt->q[i];
		struct cryo_thaw_timer o = {
			.id = r->id, .clock = r->clock, .notify = r->notify,
			.signo = r->signo, .value = r->value,
			.thread = tt->thread[i], .value_ns = r->value_ns,
			.interval_ns = r->interval_ns,
		};

		if (copy_to_user(out + i, &o, sizeof(o)))
			return -EFAULT;
	}
	arg->nr_timers = tt->nr;
	arg->prof_value_ns = tt->it.prof_value_ns;
	arg->prof_interval_ns = tt->it.prof_interval_ns;
	arg->virt_value_ns = tt->it.virt_value_ns;
	arg->virt_interval_ns = tt->it.virt_interval_ns;
	return 0;
}
