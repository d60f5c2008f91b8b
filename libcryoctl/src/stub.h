/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to libcryoctl: the argument block shared by the library and the
 * stub (stub.c), the freestanding code a thaw or remap runs in the stub
 * region.  Both sides are built by the same compiler for x86-64, so the
 * layout is the same; the stub never looks outside the region, so every
 * pointer here is an absolute address inside it, filled in by the library
 * before the region is entered.
 */
#ifndef CRYOCTL_STUB_H
#define CRYOCTL_STUB_H

#include <linux/types.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

/*
 * Each thread's stack in the stub region, leader's included: at least
 * STUB_STACK_MIN for the stub's own calls, and room for two signal
 * frames of the thread's FPU state (see cryoctl_region_layout()).
 */
#define STUB_STACK_MIN		(32 * 1024)

/* The FPU buffers' alignment, as XRSTOR needs it. */
#define STUB_FPU_ALIGN		64

/* clone3(2)'s struct clone_args, up to set_tid_size (CLONE_ARGS_SIZE_VER1). */
struct stub_clone_args {
	__u64 flags;
	__u64 pidfd;
	__u64 child_tid;
	__u64 parent_tid;
	__u64 exit_signal;
	__u64 stack;
	__u64 stack_size;
	__u64 tls;
	__u64 set_tid;
	__u64 set_tid_size;
};

/*
 * What the stub writes on the status descriptor when something fails
 * after CRYO_IOC_THAW_RESTORE, where it cannot return, or when a thread
 * cannot be created: 8 bytes, the step and the positive errno.  The
 * library writes STUB_ST_PID, STUB_ST_ERROR, STUB_ST_SPAWN, STUB_ST_MAP,
 * STUB_ST_PIDNS and, for the members of a tree, STUB_ST_MEMBER,
 * STUB_ST_TREE and STUB_ST_MEMBER_PID there itself.
 */
enum stub_status {
	STUB_ST_PID	= 1,	/* the process R: its pid */
	STUB_ST_ERROR	= 2,	/* stub_thaw() or the setup before it failed */
	STUB_ST_TLS	= 3,	/* arch_prctl(ARCH_SET_FS/GS) */
	STUB_ST_VDSO	= 4,	/* arch_prctl(ARCH_MAP_VDSO_64) */
	STUB_ST_CWD	= 5,	/* fchdir() */
	STUB_ST_FINISH	= 6,	/* CRYO_IOC_THAW_FINISH returned */
	STUB_ST_CLONE	= 9,	/* a thread could not be created */
	STUB_ST_SPAWN	= 7,	/* R could not be created */
	STUB_ST_MAP	= 8,	/* R could not map the stub region */
	STUB_ST_CREDS	= 10,	/* R could not take the planned ids */
	STUB_ST_MEMBER	= 11,	/* a member's CRYO_IOC_THAW_MEMBER failed */
	STUB_ST_TREE	= 12,	/* a member's process could not be made */
	STUB_ST_MEMBER_PID = 13, /* a process made for a member: its pid */
	STUB_ST_TREE_PID = 14,	/* the image pid of a member not made */
	STUB_ST_PIDNS	= 15,	/* the new pid namespace could not be made */
	STUB_ST_TIMER	= 16,	/* a POSIX timer or an itimer: made, armed */
	STUB_ST_EPOLL	= 17,	/* the epolls could not be filled */
};

struct stub_msg {
	__s32 type;
	__s32 value;
};

/*
 * One thread of the process being restored.  threads[0] is the leader's
 * (only @finish and @status_fd are used there: its CPU state travels in
 * &cryo_thaw_restore.cpu); the others are created by the stub with
 * clone3(@clone), run thread_main() on their own stack and wait in
 * CRYO_IOC_THAW_THREAD with @thread.
 */
struct stub_thread {
	struct stub_clone_args clone;
	struct cryo_thaw_thread thread;
	struct cryo_thaw_finish finish;
	__s32 devfd;
	__s32 status_fd;
	__u32 ctid;		/* CLONE_CHILD_CLEARTID: 0 once the thread is gone */
	__s32 tid;		/* the stub's: what clone3() (gettid()) gave */
} __attribute__((aligned(64)));

/* The kernel's struct sigevent on x86-64 (64 bytes). */
struct stub_sigevent {
	__u64 value;
	__s32 signo;
	__s32 notify;
	__s32 tid;		/* SIGEV_THREAD_ID: filled in by the stub */
	__s32 __pad[11];
};

/*
 * A POSIX timer the stub makes (timer_create() until it gets @id) before
 * CRYO_IOC_THAW_RESTORE, and arms (timer_settime() with @it, when its
 * value is not 0) once that returned.  See "POSIX timers" in thaw.rst.
 */
struct stub_timer {
	__s32 id;
	__s32 clock;
	__u32 thread;		/* SIGEV_THREAD_ID: index in stub_args.threads */
	__u32 __pad;
	__s64 it[4];		/* struct itimerspec: interval, value */
	struct stub_sigevent sev;
};

/*
 * The argument block, at the start of the region's data (after the code).
 * A thaw uses the first part, a remap the second.
 */
struct stub_args {
	__s32 devfd;
	__s32 status_fd;
	__u32 nr_threads;
	__u32 __pad;
	__u64 stack_top;	/* the entry thread's stack, 16-byte aligned */
	__u64 threads;		/* struct stub_thread [nr_threads] */
	struct cryo_thaw_restore restore;
	__u32 nr_timers;
	__u32 __pad2;
	struct stub_timer timers[CRYO_IMAGE_MAX_POSIX_TIMERS];
	__s64 prof[4];		/* struct itimerval of ITIMER_PROF, value 0: none */
	__s64 virt[4];		/* and of ITIMER_VIRTUAL */

	struct cryo_remap remap;
	__s32 result_fd;
	__u32 buf_len;
	__u64 buf;		/* buf_len bytes for /proc/self/maps */
	char maps_path[32];	/* "/proc/self/maps", built by the library */
};

/*
 * The stub's code, generated at build time by libcryoctl/mkstub.sh from
 * stub.c's .text: entered at the offsets of stub_thaw() and stub_remap()
 * once copied to the start of the region.
 */
typedef long stub_thaw_fn(struct stub_args *a);
typedef void stub_remap_fn(struct stub_args *a);

extern const unsigned char cryoctl_stub_code[];
extern const unsigned long cryoctl_stub_code_len;
extern const unsigned long cryoctl_stub_thaw_off;
extern const unsigned long cryoctl_stub_remap_off;

#endif /* CRYOCTL_STUB_H */
