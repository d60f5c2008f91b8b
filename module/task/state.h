/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the process part keeps of a thaw: the credentials it planned for
 * the restored process (struct cryo_cred_plan, in struct cryo_thawing).
 * Data only; the code is in task/creds.c.
 */
#ifndef _CRYO_TASK_STATE_H
#define _CRYO_TASK_STATE_H

#include <linux/cryo_image.h>
#include <linux/signal_types.h>
#include <linux/types.h>

struct cred;
struct pid_namespace;
struct user_namespace;

/* Who the restored process will be, see cryo_creds_plan(). */
struct cryo_cred_plan {
	u32 *groups;			/* GROUPS record, as the freezer saw them */
	unsigned int nr_groups;
	bool set_ids;			/* the image's ids, not the caller's */
	bool may_secbits;		/* the caller has CAP_SETPCAP */
	const struct cred *open_cred;	/* the restored process's, planned */
	struct user_namespace *user_ns;	/* the caller's, referenced */
	struct pid_namespace *pid_ns;	/* the caller's, referenced */
};

/*
 * The signals queued in a section being frozen, with their siginfo
 * (task/signals.c): taken from the parked member once, at its first
 * SIGINFO record, and given out one record at a time.
 */
struct cryo_sigq_save {
	struct cryo_image_siginfo *q;	/* kvmalloc'ed, @nr entries */
	unsigned int nr;
	unsigned int next;		/* the next to stage */
	bool taken;			/* @q holds this section's */
};

/* A queued signal of a thaw: which queue, and its siginfo. */
struct cryo_sigq_entry {
	int thread;			/* index in threads[], -1: shared */
	kernel_siginfo_t info;
};

/* The SIGINFO records of a section being thawed (task/signals.c). */
struct cryo_sigq_thaw {
	struct cryo_sigq_entry *q;	/* checked, in image order */
	unsigned int nr, max;
	u64 shared_covered;		/* signals with a shared record */
};

/*
 * The POSIX timers and CPU itimers of a section being frozen
 * (task/timers.c): taken from the parked member once, at the section's
 * first POSIX_TIMER record, given out one record at a time.
 */
struct cryo_timers_save {
	struct cryo_image_posix_timer q[CRYO_IMAGE_MAX_POSIX_TIMERS];
	unsigned int nr;
	unsigned int next;		/* the next to stage; nr + 1: all done */
	struct cryo_image_cpu_itimers it;
	bool have_it;			/* a CPU itimer is armed */
	bool taken;
};

/* Those of a section being thawed, checked (task/timers.c). */
struct cryo_timers_thaw {
	struct cryo_image_posix_timer q[CRYO_IMAGE_MAX_POSIX_TIMERS];
	u32 thread[CRYO_IMAGE_MAX_POSIX_TIMERS]; /* SIGEV_THREAD_ID: its index */
	unsigned int nr;
	struct cryo_image_cpu_itimers it;
	bool have_it;
};

#endif /* _CRYO_TASK_STATE_H */
