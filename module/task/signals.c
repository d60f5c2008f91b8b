// SPDX-License-Identifier: GPL-2.0
/*
 * Signals: the dispositions and ITIMER_REAL of the process (SIGNALS) and,
 * through THREAD, each thread's mask and pending signals.  Saved from the
 * parked target; checked at the thaw; restored by the leader (the
 * dispositions) and by the last thread (the timer and the signals that
 * were pending, raised again once the fds are in).
 */
#include "cryo.h"

#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/uaccess.h>
#include <linux/fs_struct.h>

#include "freezing.h"
#include "thawing.h"
#include "image/record.h"
#include "task/task.h"

#define CRYO_SA_KNOWN	(SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | \
			 SA_ONSTACK | SA_RESTART | SA_NODEFER | \
			 SA_RESETHAND | SA_RESTORER | SA_EXPOSE_TAGBITS)

#define CRYO_UNBLOCKABLE	(sigmask(SIGKILL) | sigmask(SIGSTOP))

/*
 * Runs in a parked thread of the target: its signal mask and the signals
 * pending for it and for the whole process.
 */
void cryo_signals_capture(struct cryo_image_thread *r)
{
	/* A task's sighand only changes in its own exec: stable here. */
	struct sighand_struct *sighand =
		rcu_dereference_protected(current->sighand, 1);

	spin_lock_irq(&sighand->siglock);
	/* In sigsuspend(), ppoll() and the like, the real mask is saved. */
	r->blocked = test_restore_sigmask() ? current->saved_sigmask.sig[0] :
					      current->blocked.sig[0];
	r->pending = current->pending.signal.sig[0];
	r->shared_pending = current->signal->shared_pending.signal.sig[0];
	spin_unlock_irq(&sighand->siglock);
}

/*
 * Raise each signal of @set again (their siginfo is lost): for the whole
 * process when @group, else for the current thread only.
 */
static void cryo_signals_raise(u64 set, bool group)
{
	int s;

	set &= ~CRYO_UNBLOCKABLE;
	for (s = 1; s <= 64; s++) {
		if (!(set & (1ULL << (s - 1))))
			continue;
		if (group)
			kill_pid(task_tgid(current), s, 1);
		else
			send_sig_info(s, SEND_SIG_PRIV, current);
	}
}

/* A thread, on its way out: its mask, and the signals pending for it. */
void cryo_signals_restore_thread(const struct cryo_image_thread *r)
{
	sigset_t set;

	siginitset(&set, r->blocked & ~CRYO_UNBLOCKABLE);
	sigprocmask(SIG_SETMASK, &set, NULL);
	cryo_signals_raise(r->pending, false);
}

static int cryo_signals_check(struct cryo_thawing *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->sig.action); i++) {
		const struct cryo_image_sigaction *a = &t->sig.action[i];
		int sig = i + 1;

		if ((sig == SIGKILL || sig == SIGSTOP) && a->handler)
			return -EINVAL;
		if (!cryo_user_addr(a->handler) || !cryo_user_addr(a->restorer) ||
		    (a->flags & ~(u64)CRYO_SA_KNOWN))
			return -EINVAL;
	}
	/* Ten years at most: nothing sane arms a timer for longer. */
	if (t->sig.real_value_ns > 10ULL * 365 * 86400 * NSEC_PER_SEC ||
	    t->sig.real_interval_ns > 10ULL * 365 * 86400 * NSEC_PER_SEC)
		return -EINVAL;
	return 0;
}

int cryo_signals_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	if (rec->len != sizeof(t->sig))
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len,
				sizeof(t->sig));
	memcpy(&t->sig, t->in->buf, sizeof(t->sig));
	t->have_sig = true;
	if (cryo_signals_check(t))
		return cryo_bad(t, rec, "invalid signal disposition or timer");
	return 0;
}

/*
 * A thread of a group on its way out must have SIGKILL pending: that is
 * what ends its killable waits and, on its way to user mode, takes it to
 * do_exit().  The group exit put it there, but a flush may have taken it
 * away again, and a new SIGKILL is refused while the group exits.  Not
 * for a thread already in do_exit(), which dequeued it on purpose.
 */
void cryo_signals_keep_sigkill(void)
{
	/* Our own sighand only changes in our own exec. */
	struct sighand_struct *sighand =
		rcu_dereference_protected(current->sighand, 1);

	if (current->flags & PF_EXITING)
		return;
	spin_lock_irq(&sighand->siglock);
	if (cryo_group_exiting(current)) {
		sigaddset(&current->pending.signal, SIGKILL);
		set_tsk_thread_flag(current, TIF_SIGPENDING);
	}
	spin_unlock_irq(&sighand->siglock);
}

/*
 * Drop the signals R had pending: they were sent to the thawing program,
 * not to the image's process.  A SIGKILL stays: a group exit that began
 * during the restore has already taken the other threads down, and the
 * leader must go too, or it waits for them for ever.  flush_signals()
 * and the group exit both run under the siglock: a SIGKILL it discarded
 * is seen here as the group exiting.
 */
static void cryo_flush_signals(void)
{
	flush_signals(current);
	cryo_signals_keep_sigkill();
}

/* The leader, after the mappings: the image's dispositions, nothing pending. */
void cryo_signals_restore(struct cryo_thawing *t)
{
	/* Our own sighand only changes in our own exec. */
	struct sighand_struct *sighand =
		rcu_dereference_protected(current->sighand, 1);
	unsigned int i;

	/* Whatever the caller had pending or set up is not the image's. */
	cryo_flush_signals();
	spin_lock_irq(&sighand->siglock);
	for (i = 0; i < ARRAY_SIZE(t->sig.action); i++) {
		const struct cryo_image_sigaction *a = &t->sig.action[i];
		struct k_sigaction *k = &sighand->action[i];

		k->sa.sa_handler = (__sighandler_t)u64_to_user_ptr(a->handler);
		k->sa.sa_flags = a->flags;
		k->sa.sa_restorer = (__sigrestore_t)u64_to_user_ptr(a->restorer);
		siginitset(&k->sa.sa_mask, a->mask & ~CRYO_UNBLOCKABLE);
	}
	spin_unlock_irq(&sighand->siglock);
}

/* The last thread, once the fds are in: the timer and shared signals. */
void cryo_signals_final(struct cryo_thawing *t)
{
	struct signal_struct *sig = current->signal;
	struct sighand_struct *sighand =
		rcu_dereference_protected(current->sighand, 1);

	if (t->sig.real_value_ns) {
		spin_lock_irq(&sighand->siglock);
		sig->it_real_incr = ns_to_ktime(t->sig.real_interval_ns);
		hrtimer_start(&sig->real_timer,
			      ns_to_ktime(t->sig.real_value_ns),
			      HRTIMER_MODE_REL);
		spin_unlock_irq(&sighand->siglock);
	}
	cryo_signals_raise(t->threads[0].rec.shared_pending, true);
}

int cryo_signals_save(struct cryo_image *img)
{
	struct task_struct *t = img->m->leader;
	struct signal_struct *sig = t->signal;
	struct cryo_image_signals *s;
	struct sighand_struct *sh;
	unsigned int i;

	/*
	 * lock_task_sighand() is not exported.  The parked target's sighand
	 * only goes away if it dies: then we see NULL or another one.
	 */
	rcu_read_lock();
	sh = rcu_dereference(t->sighand);
	if (!sh) {
		rcu_read_unlock();
		return -ESRCH;
	}
	spin_lock_irq(&sh->siglock);
	if (sh != rcu_access_pointer(t->sighand)) {
		spin_unlock_irq(&sh->siglock);
		rcu_read_unlock();
		return -ESRCH;
	}
	s = cryo_record_start(img, CRYO_REC_SIGNALS, sizeof(*s));
	for (i = 0; i < _NSIG && i < ARRAY_SIZE(s->action); i++) {
		const struct sigaction *sa = &sh->action[i].sa;

		s->action[i].handler = (unsigned long)sa->sa_handler;
		s->action[i].flags = sa->sa_flags;
#ifdef __ARCH_HAS_SA_RESTORER
		s->action[i].restorer = (unsigned long)sa->sa_restorer;
#endif
		s->action[i].mask = sa->sa_mask.sig[0];
	}
	/* As do_getitimer(ITIMER_REAL) reads it. */
	if (hrtimer_active(&sig->real_timer)) {
		ktime_t left = __hrtimer_get_remaining(&sig->real_timer, false);

		/* About to fire: report the smallest time still armed. */
		s->real_value_ns = left > 0 ? ktime_to_ns(left) : NSEC_PER_USEC;
	}
	s->real_interval_ns = ktime_to_ns(sig->it_real_incr);
	spin_unlock_irq(&sh->siglock);
	rcu_read_unlock();
	cryo_record_finish(img);
	return 0;
}
