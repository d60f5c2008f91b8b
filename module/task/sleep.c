// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupted sleeps: the time a thread's nanosleep, clock_nanosleep,
 * poll or futex wait had left when it was frozen (the SLEEP record,
 * image format 2.9).
 *
 * A thread parked in one of these calls has ax = -ERESTART_RESTARTBLOCK
 * and the call's absolute deadline in its restart_block, kernel state of
 * the old thread that a thaw cannot carry over (its fn is a pointer into
 * the kernel).  A thaw re-issues the call instead (task/cpu.c); without
 * more it would start the original relative timeout over.  So the freeze
 * saves the time left (deadline minus now, on the call's clock), and the
 * thaw re-issues the call with that time as its timeout, every other
 * register as the image has it.  poll() takes it in a register (ms);
 * the others by address: the thaw writes a struct __kernel_timespec below
 * the thread's red zone, where nothing is live while the thread is in a
 * system call (signal delivery uses the same area), and points the
 * argument at it.
 *
 * The kind of sleep is told from the system call number and its
 * arguments, and only then is the restart_block read as that call left
 * it: never from the restart function's address or name.  A sleep that
 * had already gone on through restart_syscall(2) (orig_ax is
 * __NR_restart_syscall) cannot be told apart: it returns EINTR.  Sleeps
 * on CPU-time and alarm clocks start their timeout over.  The
 * restart_block layout
 * used here (nanosleep.clockid and .expires, poll.has_timeout, .tv_sec
 * and .tv_nsec, futex.time) is the same in 6.1 and 6.12.
 */
#include "cryo.h"

#include <linux/futex.h>
#include <linux/ktime.h>
#include <linux/restart_block.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/unistd.h>

#include "freezing.h"
#include "thawing.h"
#include "image/record.h"
#include "task/task.h"

/* The x86-64 ABI's red zone below rsp, which a leaf function may use. */
#define CRYO_RED_ZONE	128

/* The clocks a relative clock_nanosleep() sleeps on with an hrtimer. */
static bool cryo_sleep_hr_clock(u64 clockid)
{
	return clockid == CLOCK_REALTIME || clockid == CLOCK_MONOTONIC ||
	       clockid == CLOCK_BOOTTIME || clockid == CLOCK_TAI;
}

/*
 * The kind of sleep @regs (a thread stopped in a system call with
 * @restart CRYO_RESTART_BLOCK) was in, from the call and its arguments;
 * 0 for one whose time left is not kept.
 */
static u32 cryo_sleep_kind(const u64 *g)
{
	u64 op = g[CRYO_REG_RSI];

	switch (g[CRYO_REG_ORIG_RAX]) {
	case __NR_nanosleep:
		return CRYO_SLEEP_NANOSLEEP;
	case __NR_clock_nanosleep:
		/* An absolute one is re-issued exactly as it is. */
		if (!cryo_sleep_hr_clock(g[CRYO_REG_RDI]) ||
		    (op & TIMER_ABSTIME))
			return 0;
		return CRYO_SLEEP_CLOCK_NANOSLEEP;
	case __NR_poll:
		return CRYO_SLEEP_POLL;
	case __NR_futex:
		/* FUTEX_WAIT_BITSET's deadline is absolute: exact already. */
		if ((op & FUTEX_CMD_MASK) != FUTEX_WAIT ||
		    (op & FUTEX_CLOCK_REALTIME))
			return 0;
		return CRYO_SLEEP_FUTEX_WAIT;
	}
	return 0;
}

/* Now on the clock an hrtimer base of @clockid runs on; 0: not one. */
static ktime_t cryo_sleep_now(clockid_t clockid)
{
	switch (clockid) {
	case CLOCK_MONOTONIC:
		return ktime_get();
	case CLOCK_REALTIME:
		return ktime_get_real();
	case CLOCK_BOOTTIME:
		return ktime_get_boottime();
	case CLOCK_TAI:
		return ktime_get_clocktai();
	}
	return 0;
}

/*
 * cryo_sleep_capture() - in the parked thread: the time its sleep has
 * left, into th->sleep (kind 0 when there is none to keep)
 * @th: the thread, current, its registers just saved
 */
void cryo_sleep_capture(struct cryo_thread *th)
{
	struct restart_block *rb = &current->restart_block;
	struct cryo_image_sleep *s = &th->sleep;
	ktime_t left = 0, now;
	struct timespec64 end, ts;

	memset(s, 0, sizeof(*s));
	if (th->rec.restart != CRYO_RESTART_BLOCK)
		return;
	s->kind = cryo_sleep_kind(th->rec.regs);
	switch (s->kind) {
	case CRYO_SLEEP_NANOSLEEP:
	case CRYO_SLEEP_CLOCK_NANOSLEEP:
		/*
		 * hrtimer_nanosleep() keeps the timer base's clock, which a
		 * relative CLOCK_REALTIME sleep has as CLOCK_MONOTONIC.
		 */
		now = cryo_sleep_now(rb->nanosleep.clockid);
		if (!now) {
			s->kind = 0;
			return;
		}
		left = (ktime_t)rb->nanosleep.expires - now;
		break;
	case CRYO_SLEEP_POLL:
		/* An infinite poll() is re-issued exactly as it is. */
		if (!rb->poll.has_timeout) {
			s->kind = 0;
			return;
		}
		end.tv_sec = rb->poll.tv_sec;
		end.tv_nsec = rb->poll.tv_nsec;
		ktime_get_ts64(&ts);
		left = timespec64_to_ktime(timespec64_sub(end, ts));
		/* What poll() takes: whole ms, an int. */
		left = min_t(ktime_t, left, (ktime_t)INT_MAX * NSEC_PER_MSEC);
		break;
	case CRYO_SLEEP_FUTEX_WAIT:
		/* futex_init_timeout(): FUTEX_WAIT's deadline is monotonic. */
		left = (ktime_t)rb->futex.time - ktime_get();
		break;
	default:
		return;
	}
	s->remaining_ns = max_t(ktime_t, left, 0);
}

/* The stack slot the remaining time is written to, from the image's rsp. */
static u64 cryo_sleep_slot(const struct cryo_image_thread *r)
{
	return ALIGN_DOWN(r->regs[CRYO_REG_RSP] - CRYO_RED_ZONE -
			  sizeof(struct __kernel_timespec), 16);
}

/*
 * cryo_sleep_save() - stage the SLEEP record of @th, when it has one
 * @img: the image, its THREAD record of @th read
 * @th: the thread
 * @tid: its id, as its THREAD record has it
 *
 * Return: whether a record was staged.
 */
bool cryo_sleep_save(struct cryo_image *img, const struct cryo_thread *th,
		     s32 tid)
{
	struct cryo_image_sleep *r;

	if (!th->sleep.kind)
		return false;
	r = cryo_record_start(img, CRYO_REC_SLEEP, sizeof(*r));
	*r = th->sleep;
	r->tid = tid;
	cryo_record_finish(img);
	return true;
}

/*
 * cryo_sleep_load() - a SLEEP record: it must belong to the THREAD record
 * just read, match the call that thread was in, once
 */
int cryo_sleep_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_sleep s;
	struct cryo_thawing_thread *th;

	if (t->hdr.minor <= CRYO_IMAGE_MINOR ? rec->len != sizeof(s) :
					       rec->len < sizeof(s))
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len,
				sizeof(s));
	memcpy(&s, t->in->buf, sizeof(s));
	if (!t->nr_threads)
		return cryo_bad(t, rec, "before any THREAD");
	th = &t->threads[t->nr_threads - 1];
	if (s.tid != th->rec.tid || th->sleep.kind)
		return cryo_bad(t, rec,
				"thread %d: not right after its THREAD, or twice",
				s.tid);
	if (th->rec.restart != CRYO_RESTART_BLOCK || !s.kind ||
	    cryo_sleep_kind(th->rec.regs) != s.kind)
		return cryo_bad(t, rec,
				"thread %d: kind %u, but the thread's call is %lld",
				s.tid, s.kind,
				(long long)th->rec.regs[CRYO_REG_ORIG_RAX]);
	if (s.remaining_ns > KTIME_MAX ||
	    (s.kind == CRYO_SLEEP_POLL &&
	     s.remaining_ns > (u64)INT_MAX * NSEC_PER_MSEC))
		return cryo_bad(t, rec, "thread %d: remaining time %llu ns",
				s.tid, s.remaining_ns);
	th->sleep = s;
	return 0;
}

/*
 * cryo_sleep_check() - once a section's mappings are read: the stack
 * slot of every timespec to write lies in a writable mapping of the
 * image, so that writing it after the point of no return does not fail
 * for want of memory the image has.
 */
int cryo_sleep_check(struct cryo_thawing *t)
{
	unsigned int i, v;

	for (i = 0; i < t->nr_threads; i++) {
		const struct cryo_thawing_thread *th = &t->threads[i];
		u64 slot = cryo_sleep_slot(&th->rec);
		/* An rsp too low for the slot wraps around: no mapping. */
		bool ok = false, low = slot > th->rec.regs[CRYO_REG_RSP];

		if (!th->sleep.kind || th->sleep.kind == CRYO_SLEEP_POLL)
			continue;
		for (v = 0; v < t->lay.nr_vmas && !ok && !low; v++) {
			const struct cryo_image_vma *r = &t->lay.vmas[v].rec;
			/*
			 * A stack grows on the write as it would for a signal
			 * frame: rsp may be in its lowest page still.
			 */
			u64 start = r->start -
				    (r->flags & CRYO_VMA_GROWSDOWN ? PAGE_SIZE : 0);

			ok = start <= slot &&
			     slot + sizeof(struct __kernel_timespec) <= r->end &&
			     (r->flags & CRYO_VMA_WRITE);
		}
		if (!ok)
			return cryo_thaw_fail(t, -EFAULT,
					      "thread %d: no writable stack at %#llx for the time its sleep has left",
					      th->rec.tid, slot);
	}
	return 0;
}

/*
 * cryo_sleep_out() - in the thread being restored, its memory back: write
 * the remaining time where its call will read it
 */
int cryo_sleep_out(struct cryo_thawing *t, struct cryo_thawing_thread *th)
{
	struct __kernel_timespec ts;
	u64 slot = cryo_sleep_slot(&th->rec);

	if (!th->sleep.kind || th->sleep.kind == CRYO_SLEEP_POLL)
		return 0;
	ts.tv_sec = div_u64(th->sleep.remaining_ns, NSEC_PER_SEC);
	ts.tv_nsec = th->sleep.remaining_ns - ts.tv_sec * NSEC_PER_SEC;
	if (copy_to_user(u64_to_user_ptr(slot), &ts, sizeof(ts)))
		return cryo_thaw_fail(t, -EFAULT,
				      "thread %d: cannot write the time its sleep has left at %#llx",
				      th->rec.tid, slot);
	return 0;
}

/*
 * cryo_sleep_restore() - in the thread, last, for a call continuing
 * through restart_syscall(2): the argument that carries the timeout,
 * every other register as the image has it
 */
void cryo_sleep_restore(const struct cryo_thawing_thread *th,
			struct pt_regs *regs)
{
	u64 slot = cryo_sleep_slot(&th->rec);

	/*
	 * A sleep already going on through restart_syscall(2): remade, it
	 * would run this thread's own restart block, inherited from
	 * whoever made it.  It ends with EINTR instead, as if a signal
	 * handler had run.
	 */
	if (th->rec.regs[CRYO_REG_ORIG_RAX] == __NR_restart_syscall) {
		regs->orig_ax = -1;
		regs->ax = -EINTR;
		return;
	}
	switch (th->sleep.kind) {
	case CRYO_SLEEP_NANOSLEEP:
		regs->di = slot;
		break;
	case CRYO_SLEEP_CLOCK_NANOSLEEP:
		regs->dx = slot;
		break;
	case CRYO_SLEEP_POLL:
		/* Rounded up: poll() must not return before its time. */
		regs->dx = DIV_ROUND_UP_ULL(th->sleep.remaining_ns,
					    NSEC_PER_MSEC);
		break;
	case CRYO_SLEEP_FUTEX_WAIT:
		regs->r10 = slot;
		break;
	}
}
