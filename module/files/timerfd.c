// SPDX-License-Identifier: GPL-2.0
/*
 * timerfds.
 *
 * A timerfd is its clock, how it was armed (TFD_TIMER_ABSTIME), when it
 * expires next, its interval and the expirations not yet read (ticks),
 * all read as /proc's fdinfo shows them.  fdinfo shows the time left; an
 * absolute timer keeps its absolute expiry, taken on its clock at the
 * freeze, a relative one the time that was left.  At the thaw the
 * library makes it with timerfd_create(2), arms it (timerfd_settime(2))
 * and sets its ticks (TFD_IOC_SET_TICKS) (object.c); it is checked here
 * before it is taken.
 *
 * Refused: the alarm clocks, which only CAP_WAKE_ALARM makes again, and
 * TFD_TIMER_CANCEL_ON_SET, whose cancelled state fdinfo does not show.
 */
#include "cryo.h"

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/timekeeping.h>
#include <linux/timerfd.h>

#include "thawing.h"
#include "files/fdinfo.h"
#include "files/file.h"

struct cryo_timerfd {
	u64 clockid;
	u64 flags;
	u64 value;		/* ns left */
	u64 interval;
	u64 ticks;
};

static bool cryo_timerfd_match(struct file *file)
{
	return cryo_fdinfo_anon(file, "timerfd");
}

/* "(sec, nsec)" of the line @key, in ns. */
static int cryo_timerfd_pair(const char *text, const char *key, u64 *ns)
{
	const char *v = cryo_fdinfo_find(text, key);
	unsigned long long sec, nsec;

	if (!v || sscanf(v, "(%llu, %llu)", &sec, &nsec) != 2 ||
	    nsec >= NSEC_PER_SEC || sec >= KTIME_SEC_MAX)
		return -EIO;
	*ns = sec * NSEC_PER_SEC + nsec;
	return 0;
}

static int cryo_timerfd_read(struct file *file, struct cryo_timerfd *tf)
{
	size_t len;
	char *text = cryo_fdinfo(file, &len);
	int ret;

	if (IS_ERR(text))
		return PTR_ERR(text);
	ret = cryo_fdinfo_u64(text, "clockid", 10, &tf->clockid) ?:
	      cryo_fdinfo_u64(text, "ticks", 10, &tf->ticks) ?:
	      cryo_fdinfo_u64(text, "settime flags", 8, &tf->flags) ?:
	      cryo_timerfd_pair(text, "it_value", &tf->value) ?:
	      cryo_timerfd_pair(text, "it_interval", &tf->interval);
	kvfree(text);
	return ret ? -EIO : 0;
}

static u32 cryo_timerfd_refuse(struct file *file)
{
	struct cryo_timerfd tf;

	if (cryo_timerfd_read(file, &tf))
		return CRYO_REFUSAL_NONE;	/* the record says why */
	if (tf.clockid == CLOCK_REALTIME_ALARM ||
	    tf.clockid == CLOCK_BOOTTIME_ALARM)
		return CRYO_REFUSAL_TIMERFD_ALARM;
	if (tf.flags & TFD_TIMER_CANCEL_ON_SET)
		return CRYO_REFUSAL_TIMERFD_CANCEL;
	return CRYO_REFUSAL_NONE;
}

/* The time on @clockid now, in ns. */
static u64 cryo_timerfd_now(u64 clockid)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		return ktime_get_real_ns();
	case CLOCK_BOOTTIME:
		return ktime_get_boottime_ns();
	default:
		return ktime_get_ns();
	}
}

static int cryo_timerfd_state(struct file *file,
			      struct cryo_image_file_state *s)
{
	struct cryo_timerfd tf;
	int ret = cryo_timerfd_read(file, &tf);

	if (ret)
		return ret;
	/* Refused before the freeze went on; changed since: give up. */
	if ((tf.clockid != CLOCK_REALTIME && tf.clockid != CLOCK_MONOTONIC &&
	     tf.clockid != CLOCK_BOOTTIME) || (tf.flags & ~TFD_TIMER_ABSTIME))
		return -EIO;
	s->args[0] = tf.clockid;
	s->args[1] = tf.flags;
	s->args[2] = tf.value;
	if (tf.value && (tf.flags & TFD_TIMER_ABSTIME))
		s->args[2] += cryo_timerfd_now(tf.clockid);
	s->args[3] = tf.interval;
	s->args[4] = tf.ticks;
	return 0;
}

static int cryo_timerfd_check_state(struct cryo_thawing *t,
				    struct cryo_thaw_file *f)
{
	const struct cryo_image_file_state *s = &f->state;
	u64 clk = s->args[0];

	if (s->flags || s->args[5] ||
	    (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC &&
	     clk != CLOCK_BOOTTIME) || (s->args[1] & ~TFD_TIMER_ABSTIME) ||
	    s->args[2] > KTIME_MAX || s->args[3] > KTIME_MAX)
		return cryo_file_bad(t, "FILE_STATE %u: bad timerfd clock, flags or times",
				     s->id);
	return 0;
}

/*
 * The library armed it with the image's expiry (or one interval, for a
 * periodic timer that had expired unread), then set its ticks: the time
 * left can only be less, the ticks only more.
 */
static int cryo_timerfd_adopt(struct cryo_thawing *t, struct cryo_thaw_file *f,
			      struct file *file)
{
	const struct cryo_image_file_state *s = &f->state;
	struct cryo_timerfd tf;
	u64 left = s->args[2], now = 0;
	int ret;

	/* Before the reading: the time left it shows is no more than this. */
	if (left && (s->args[1] & TFD_TIMER_ABSTIME))
		now = cryo_timerfd_now(s->args[0]);
	if (!cryo_timerfd_match(file))
		return cryo_thaw_fail(t, -EINVAL, "FILE %u: the caller's object is not a timerfd",
				      s->id);
	ret = cryo_timerfd_read(file, &tf);
	if (ret)
		return cryo_thaw_fail(t, ret, "FILE %u: the caller's timerfd cannot be read",
				      s->id);
	if (now)
		left = left > now ? left - now : 0;
	if (tf.clockid != s->args[0] || tf.flags != s->args[1] ||
	    tf.interval != s->args[3] || tf.ticks < s->args[4] ||
	    tf.value > max(left, s->args[3]) ||
	    (!s->args[2] && !s->args[3] && tf.value))
		return cryo_thaw_fail(t, -EINVAL,
				      "FILE %u: the caller's timerfd (clock %llu, flags %#llo, %llu ns left, interval %llu, %llu ticks) is not the image's (clock %llu, flags %#llo, expiry %llu, interval %llu, %llu ticks)",
				      s->id, tf.clockid, tf.flags, tf.value,
				      tf.interval, tf.ticks, s->args[0],
				      s->args[1], s->args[2], s->args[3],
				      s->args[4]);
	return 0;
}

const struct cryo_file_ops cryo_timerfd_ops = {
	.kind		= CRYO_FILE_TIMERFD,
	.name		= "timerfd",
	.match		= cryo_timerfd_match,
	.refuse		= cryo_timerfd_refuse,
	.restore	= cryo_object_restore,
	.state		= cryo_timerfd_state,
	.check_state	= cryo_timerfd_check_state,
	.adopt		= cryo_timerfd_adopt,
};
