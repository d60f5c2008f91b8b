// SPDX-License-Identifier: GPL-2.0
/*
 * Signals: the dispositions and ITIMER_REAL of the process (SIGNALS),
 * through THREAD each thread's mask and pending signals, and since 2.8
 * every queued signal with its whole siginfo (SIGINFO).  Saved from the
 * parked target; checked at the thaw; restored by the leader (the
 * dispositions) and by the last thread (the timer, and the queued
 * signals, queued again once the fds are in, while every thread still
 * blocks them all).
 */
#include "cryo.h"

#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/uaccess.h>
#include <linux/fs_struct.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>

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

/*
 * A thread, on its way out: its mask, and the signals pending for it
 * that no SIGINFO record brought back (all of them, in an older image).
 */
void cryo_signals_restore_thread(const struct cryo_thawing_thread *th)
{
	const struct cryo_image_thread *r = &th->rec;
	sigset_t set;

	siginitset(&set, r->blocked & ~CRYO_UNBLOCKABLE);
	sigprocmask(SIG_SETMASK, &set, NULL);
	cryo_signals_raise(r->pending & ~th->sigq_covered, false);
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
	cryo_signals_raise(t->threads[0].rec.shared_pending &
			   ~t->sigq.shared_covered, true);
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

/* ---- SIGINFO: the queued signals, each with its siginfo ---- */

/* The image holds the kernel's siginfo union as x86-64 lays it out. */
static_assert(offsetof(kernel_siginfo_t, _sifields) == 16);
static_assert(sizeof(((kernel_siginfo_t *)0)->_sifields) ==
	      sizeof(((struct cryo_image_siginfo *)0)->fields));

/*
 * Walk the queues of the parked member: each imaged thread's, in the
 * park's order, then the shared one.  Fills @out (room for @room) when
 * not NULL; returns how many entries there are, SIGKILL and SIGSTOP
 * left out (a thaw never queues them).
 */
static unsigned int cryo_sigq_walk(struct cryo_image *img,
				   struct sighand_struct *sh,
				   struct cryo_image_siginfo *out,
				   unsigned int room)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct cryo_park *park = img->m->park;
	struct sigpending *p;
	struct sigqueue *q;
	unsigned int i, n = 0;
	s32 tid;

	lockdep_assert_held(&sh->siglock);
	for (i = 0; i <= park->nr_threads; i++) {
		if (i < park->nr_threads) {
			struct cryo_thread *th = park->threads[i];

			if (!cryo_thread_imaged(th))
				continue;
			p = &th->task->pending;
			tid = task_pid_nr_ns(th->task, ns);
		} else {
			p = &img->m->leader->signal->shared_pending;
			tid = 0;
		}
		list_for_each_entry(q, &p->list, list) {
			if (sig_kernel_only(q->info.si_signo))
				continue;
			if (out && n < room) {
				struct cryo_image_siginfo *e = &out[n];

				memset(e, 0, sizeof(*e));
				e->tid = tid;
				e->signo = q->info.si_signo;
				e->errnum = q->info.si_errno;
				e->code = q->info.si_code;
				memcpy(e->fields, &q->info._sifields,
				       sizeof(e->fields));
			}
			n++;
		}
	}
	return n;
}

/*
 * Under the parked member's siglock (lock_task_sighand() is not
 * exported; a parked target's sighand only goes away if it dies, then we
 * see NULL or another one): cryo_sigq_walk().  -ESRCH when the member is
 * gone.
 */
static int cryo_sigq_locked(struct cryo_image *img,
			    struct cryo_image_siginfo *out, unsigned int room,
			    unsigned int *n)
{
	struct task_struct *leader = img->m->leader;
	struct sighand_struct *sh;
	int ret = -ESRCH;

	rcu_read_lock();
	sh = rcu_dereference(leader->sighand);
	if (!sh)
		goto out;
	spin_lock_irq(&sh->siglock);
	if (sh == rcu_access_pointer(leader->sighand)) {
		*n = cryo_sigq_walk(img, sh, out, room);
		ret = 0;
	}
	spin_unlock_irq(&sh->siglock);
out:
	rcu_read_unlock();
	return ret;
}

/**
 * cryo_signals_refuse() - refuse signal state an image would lose
 * @img: the image, @img->m parked
 * @why: out: the refusal
 *
 * More queued signals than an image holds (timers are timers.c's).
 * Under the siglock, which guards the queues.
 *
 * Return: 0, -EOPNOTSUPP with @why set, -ESRCH.
 */
int cryo_signals_refuse(struct cryo_image *img, struct cryo_why *why)
{
	pid_t pid = task_tgid_nr_ns(img->m->leader,
				    task_active_pid_ns(current));
	unsigned int n;
	int ret;

	ret = cryo_sigq_locked(img, NULL, 0, &n);
	if (ret)
		return ret;
	if (n > CRYO_IMAGE_MAX_SIGINFO)
		return cryo_refuse(why, CRYO_REFUSAL_SIGQUEUE, pid, -EOPNOTSUPP);
	return 0;
}

/* Take the section's queued signals, once; at most the image's limit. */
static int cryo_sigq_take(struct cryo_image *img)
{
	struct cryo_sigq_save *sq = &img->sigq;
	unsigned int n, room = 0;
	int tries, ret;

	/* Others may queue more meanwhile: a few tries, then the limit. */
	for (tries = 0; ; tries++) {
		ret = cryo_sigq_locked(img, sq->q, room, &n);
		if (ret)
			return ret;
		if (n <= room || room == CRYO_IMAGE_MAX_SIGINFO)
			break;
		kvfree(sq->q);
		room = tries < 3 ? min(n + 16, CRYO_IMAGE_MAX_SIGINFO) :
				   CRYO_IMAGE_MAX_SIGINFO;
		sq->q = kvmalloc_array(room, sizeof(*sq->q), GFP_KERNEL_ACCOUNT);
		if (!sq->q)
			return -ENOMEM;
	}
	sq->nr = min(n, room);
	sq->next = 0;
	sq->taken = true;
	return 0;
}

/**
 * cryo_sigq_save() - stage the section's next SIGINFO record
 * @img: the image, its member parked
 *
 * Return: 1 when a record was staged, 0 when there is none left, -errno.
 */
int cryo_sigq_save(struct cryo_image *img)
{
	struct cryo_sigq_save *sq = &img->sigq;
	struct cryo_image_siginfo *r;
	int ret;

	if (!sq->taken) {
		ret = cryo_sigq_take(img);
		if (ret)
			return ret;
	}
	if (sq->next >= sq->nr)
		return 0;
	r = cryo_record_start(img, CRYO_REC_SIGINFO, sizeof(*r));
	*r = sq->q[sq->next++];
	cryo_record_finish(img);
	return 1;
}

/* The section is done (or the image is): forget its queued signals. */
void cryo_sigq_save_end(struct cryo_image *img)
{
	kvfree(img->sigq.q);
	memset(&img->sigq, 0, sizeof(img->sigq));
}

int cryo_sigq_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_sigq_thaw *sq = &t->sigq;
	struct cryo_image_siginfo r;
	struct cryo_sigq_entry *e;
	int thread = -1, ret;
	unsigned int i;

	if (rec->len != sizeof(r))
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len,
				sizeof(r));
	if (t->hdr.minor < 8)
		return cryo_bad(t, rec, "SIGINFO in an image of format 2.%u",
				t->hdr.minor);
	memcpy(&r, t->in->buf, sizeof(r));
	if (r.__reserved || r.__pad)
		return cryo_bad(t, rec, "reserved fields not zero");
	if (r.signo < 1 || r.signo > 64 || sig_kernel_only(r.signo))
		return cryo_bad(t, rec, "signal %d", r.signo);
	if (r.tid) {
		/* Its thread's record came before it. */
		for (i = 0; i < t->nr_threads; i++)
			if (t->threads[i].rec.tid == r.tid)
				break;
		if (r.tid < 0 || i == t->nr_threads)
			return cryo_bad(t, rec, "thread %d is not in the section",
					r.tid);
		thread = i;
	}
	ret = cryo_thaw_grow((void **)&sq->q, &sq->max, sq->nr + 1,
			     sizeof(*sq->q), CRYO_IMAGE_MAX_SIGINFO);
	if (ret == -EFBIG)
		return cryo_bad(t, rec, "more than %u SIGINFO records",
				CRYO_IMAGE_MAX_SIGINFO);
	if (ret)
		return cryo_thaw_fail(t, ret, "out of memory");
	e = &sq->q[sq->nr++];
	e->thread = thread;
	clear_siginfo(&e->info);
	e->info.si_signo = r.signo;
	e->info.si_errno = r.errnum;
	e->info.si_code = r.code;
	memcpy(&e->info._sifields, r.fields, sizeof(r.fields));
	/*
	 * The kernel's own: which rearm of a POSIX timer the signal was
	 * for.  The timer is not this one: its delivery rearms nothing.
	 */
	if (r.code == SI_TIMER)
		e->info.si_sys_private = 0;
	if (thread < 0)
		sq->shared_covered |= 1ULL << (r.signo - 1);
	else
		t->threads[thread].sigq_covered |= 1ULL << (r.signo - 1);
	return 0;
}

/*
 * Queue @info on @task's own queue, or, when @shared, on the process's
 * shared queue.  No exported function queues a siginfo there: send it to
 * ourselves (our own queue: we block every signal, so nobody is woken and
 * nothing is delivered), then move the entry it made to the shared queue,
 * under the siglock that guards both.  A signal below SIGRTMIN already
 * pending on the queue (or, for the shared queue, on ours) is one
 * instance already, as the kernel keeps it.
 *
 * send_sig_info() returns 0 also when it queued no entry: a signal below
 * SIGRTMIN already pending on the queue (sent by someone else since our
 * check), or one whose siginfo could not be allocated (out of memory, or
 * over RLIMIT_SIGPENDING for a negative si_code), which it marks pending
 * without it.  So the entry ours made is found as the kernel made it: one
 * of this signal with exactly @info (send_sig_info() rewrote si_uid and
 * si_pid in @info as it did in the copy), queued after the entry that was
 * the queue's last before the send -- nothing else removes entries from
 * the queue of a thread blocking every signal.  An entry of the same
 * signal queued before, someone else's, is never taken for ours and never
 * moved (it used to be, when ours was not queued).  No such entry: the
 * siginfo the image holds is not queued, -EAGAIN fails the thaw.
 */
static int cryo_sigq_queue(struct task_struct *task, kernel_siginfo_t *info,
			   bool shared)
{
	/* Our own sighand only changes in our own exec. */
	struct sighand_struct *sighand =
		rcu_dereference_protected(current->sighand, 1);
	struct sigpending *own = &task->pending;
	struct sigpending *shq = &current->signal->shared_pending;
	struct sigqueue *q, *last, *found = NULL;
	int sig = info->si_signo, ret;
	bool seen = false, more = false;

	spin_lock_irq(&sighand->siglock);
	ret = sig < SIGRTMIN && (sigismember(&own->signal, sig) ||
				 (shared && sigismember(&shq->signal, sig)));
	last = list_empty(&own->list) ? NULL :
	       list_last_entry(&own->list, struct sigqueue, list);
	spin_unlock_irq(&sighand->siglock);
	if (ret)
		return 0;
	ret = send_sig_info(sig, info, task);
	if (ret)
		return ret;
	spin_lock_irq(&sighand->siglock);
	/* Only the entries queued since: back from the tail to @last. */
	list_for_each_entry_reverse(q, &own->list, list) {
		if (q == last) {
			seen = true;
			break;
		}
		if (q->info.si_signo == sig &&
		    !memcmp(&q->info, info, sizeof(*info)))
			found = q;
	}
	if (last && !seen)
		found = NULL;	/* the queue was flushed: a fatal signal */
	if (found && shared) {
		list_move_tail(&found->list, &shq->list);
		list_for_each_entry(q, &own->list, list)
			more |= q->info.si_signo == sig;
		if (!more)
			sigdelset(&own->signal, sig);
		sigaddset(&shq->signal, sig);
		recalc_sigpending();
	}
	spin_unlock_irq(&sighand->siglock);
	return found ? 0 : -EAGAIN;
}

/**
 * cryo_sigq_restore() - queue the SIGINFO records again
 * @t: the thaw, in its last thread, every thread of the process still
 *	blocking every signal (the stub's mask)
 *
 * The shared queue first: a thread's own pending signal below SIGRTMIN
 * would hide the same signal sent to the process from the leader.  The
 * order within each queue is the image's.  A signal whose siginfo cannot
 * be queued again (the restored user's RLIMIT_SIGPENDING, memory) fails
 * the thaw, naming it: never queued without it, nor on another queue.
 *
 * Return: 0, -errno with the thaw failed.
 */
int cryo_sigq_restore(struct cryo_thawing *t)
{
	struct cryo_sigq_thaw *sq = &t->sigq;
	unsigned int pass, i;
	int ret = 0;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < sq->nr && !ret; i++) {
			struct cryo_sigq_entry *e = &sq->q[i];
			bool shared = e->thread < 0;

			if (shared != !pass)
				continue;
			ret = cryo_sigq_queue(shared ? current :
					      t->threads[e->thread].task,
					      &e->info, shared);
		}
		if (ret)
			return cryo_thaw_fail(t, ret,
					      "signal %d (record %u of the SIGINFO records) cannot be queued again",
					      sq->q[i - 1].info.si_signo, i - 1);
	}
	return 0;
}

void cryo_sigq_release(struct cryo_thawing *t)
{
	kvfree(t->sigq.q);
	t->sigq.q = NULL;
}
