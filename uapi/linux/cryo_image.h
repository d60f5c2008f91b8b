/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cryo: the image format.
 *
 * The one definition of what a cryo image is: record types, their
 * order, their names, their payloads and the numbering of the registers
 * in a THREAD record.  The module, libcryoctl, cryoctl and the tests all
 * take them from here.  The ioctls are in <linux/cryo.h>.
 */
#ifndef _UAPI_LINUX_CRYO_IMAGE_H
#define _UAPI_LINUX_CRYO_IMAGE_H

#include <linux/types.h>

/*
 * The image.
 *
 * A freeze image is a stream of records, each a &struct cryo_rec header
 * followed by @len bytes of payload.  All integers are little-endian.
 * The first record is %CRYO_REC_HEADER, the last %CRYO_REC_TRAILER; a
 * stream that ends without a trailer is truncated.  Since format 2.2 an
 * image holds a process tree: HEADER, TREE (the members, parents before
 * children), since 2.3 one SHM record per shared memory object the
 * members map, then one section per member that is not a zombie, in the
 * TREE's order, then TRAILER.  A section is, in the order of
 * cryo_rec_rank(): PROCESS, GROUPS, AUXV, FS, SIGNALS, THREAD (one per
 * thread, since 2.9 each followed by its SLEEP record when it has one),
 * since 2.8 SIGINFO (one per queued signal), then the files,
 * walked in ascending fd order: an fd whose open
 * file description is met for the first time in the image gives a FILE
 * record (ids 1, 2, 3... in order of appearance across the whole image),
 * that file's FILE_DATA records, then the FD record; an fd sharing a
 * description already met, in this section or an earlier one (dup,
 * inherited across fork), gives only its FD record.  Then VMA (one per
 * mapping, ascending), PAGES (ascending addresses), then SHM_PAGES for
 * the shared memory objects whose owner the member is (by id, each by
 * ascending page offset).  The next PROCESS
 * starts the next section; the ranks start again from it.  Since 2.4 a
 * member that shares its parent member's fd table
 * (%CRYO_MEMBER_SHARES_FILES) has no FILE, FILE_DATA or FD record: the
 * table is saved once, in the section of the first member that uses it.
 * A 2.1 image has no TREE record and one section.  A reader
 * skips record types it does not know when the image's minor version is
 * newer than its own, and refuses an image of another major version.
 * Documentation/image-format.rst describes every byte.
 */

/** CRYO_IMAGE_MAGIC - &cryo_image_header.magic, "CRYOIMG" and a NUL */
#define CRYO_IMAGE_MAGIC	"CRYOIMG"
#define CRYO_IMAGE_MAJOR	2
#define CRYO_IMAGE_MINOR	9

/**
 * enum cryo_rec_type - &cryo_rec.type
 * @CRYO_REC_HEADER: &struct cryo_image_header
 * @CRYO_REC_PROCESS: &struct cryo_image_process
 * @CRYO_REC_THREAD: &struct cryo_image_thread, then the FPU state
 * @CRYO_REC_VMA: &struct cryo_image_vma, then the backing file's path
 * @CRYO_REC_PAGES: &struct cryo_image_pages, then the page contents
 * @CRYO_REC_SIGNALS: &struct cryo_image_signals
 * @CRYO_REC_FILE: &struct cryo_image_file, then its path or description
 * @CRYO_REC_FILE_DATA: &struct cryo_image_file_data, then the bytes
 * @CRYO_REC_FD: &struct cryo_image_fd
 * @CRYO_REC_AUXV: the auxiliary vector: (type, value) pairs of __u64, up to
 *	and including AT_NULL
 * @CRYO_REC_FS: &struct cryo_image_fs, then the exe, cwd and root paths
 * @CRYO_REC_GROUPS: the supplementary group ids, __u32 each, as the
 *	freezer's user namespace sees them
 * @CRYO_REC_TREE: &struct cryo_image_member, one per process of the
 *	tree, root first and every parent before its children (since 2.2)
 * @CRYO_REC_SHM: &struct cryo_image_shm, one per shared memory object
 *	(since 2.3)
 * @CRYO_REC_SHM_PAGES: &struct cryo_image_shm_pages, then the page
 *	contents (since 2.3)
 * @CRYO_REC_LOCK: &struct cryo_image_lock, one per file lock a member
 *	holds (since 2.6)
 * @CRYO_REC_EPOLL_ITEM: &struct cryo_image_epoll_item, one per item of
 *	the interest list of an epoll (since 2.9)
 * @CRYO_REC_FILE_STATE: &struct cryo_image_file_state, right after the
 *	FILE record of an eventfd, signalfd or timerfd (since 2.8)
 * @CRYO_REC_SIGINFO: &struct cryo_image_siginfo, one per signal queued
 *	to a thread or to the process (since 2.8)
 * @CRYO_REC_INOTIFY_WATCH: &struct cryo_image_inotify_watch, then its
 *	path: one per watch of an inotify, after its FILE_STATE (since 2.9)
 * @CRYO_REC_SLEEP: &struct cryo_image_sleep, right after the THREAD
 *	record of a thread interrupted in a sleep with a timeout (since 2.9)
 * @CRYO_REC_POSIX_TIMER: &struct cryo_image_posix_timer, one per POSIX
 *	timer of the process (since 2.9)
 * @CRYO_REC_CPU_ITIMERS: &struct cryo_image_cpu_itimers: ITIMER_PROF and
 *	ITIMER_VIRTUAL, when either is armed (since 2.9)
 * @CRYO_REC_VMA_FILE: &struct cryo_image_vma_file, right after the VMA
 *	record of a mapping of a deleted regular file: the FILE that holds
 *	its contents (since 2.9)
 * @CRYO_REC_TRAILER: &struct cryo_image_trailer
 */
enum cryo_rec_type {
	CRYO_REC_HEADER		= 1,
	CRYO_REC_PROCESS	= 2,
	CRYO_REC_THREAD		= 3,
	CRYO_REC_VMA		= 4,
	CRYO_REC_PAGES		= 5,
	CRYO_REC_SIGNALS	= 6,
	CRYO_REC_FILE		= 7,
	CRYO_REC_FILE_DATA	= 8,
	CRYO_REC_FD		= 9,
	CRYO_REC_AUXV		= 10,
	CRYO_REC_FS		= 11,
	CRYO_REC_GROUPS		= 12,
	CRYO_REC_TREE		= 13,
	CRYO_REC_SHM		= 14,
	CRYO_REC_SHM_PAGES	= 15,
	CRYO_REC_LOCK		= 18,
	CRYO_REC_EPOLL_ITEM	= 19,
	CRYO_REC_FILE_STATE	= 24,
	CRYO_REC_SIGINFO	= 21,
	CRYO_REC_INOTIFY_WATCH	= 20,
	CRYO_REC_SLEEP		= 27,
	CRYO_REC_POSIX_TIMER	= 22,
	CRYO_REC_CPU_ITIMERS	= 26,
	CRYO_REC_VMA_FILE	= 25,
	CRYO_REC_TRAILER	= 0xff,
};

/**
 * enum cryo_rec_rank - the parts of a stream, in order: what
 * cryo_rec_rank() gives each record type
 */
enum cryo_rec_rank {
	CRYO_RANK_HEADER	= 0,
	CRYO_RANK_TREE		= 1,
	CRYO_RANK_PROCESS	= 2,
	CRYO_RANK_GROUPS	= 3,
	CRYO_RANK_AUXV		= 4,
	CRYO_RANK_FS		= 5,
	CRYO_RANK_SIGNALS	= 6,
	CRYO_RANK_THREAD	= 7,
	CRYO_RANK_FILES		= 8,
	CRYO_RANK_VMA		= 9,
	CRYO_RANK_PAGES		= 10,
	CRYO_RANK_TRAILER	= 11,
};

/**
 * cryo_rec_rank() - where a record type stands in the stream
 * @type: &enum cryo_rec_type
 *
 * The one statement of the record order.  Ranks never go down along a
 * section, but for the PROCESS record that starts the next one (after
 * the previous section's VMA or PAGES records); records of equal rank (a
 * file's FILE, FILE_DATA and FD) may interleave.  HEADER comes first and
 * only once, then TREE once (2.2) followed by the SHM records (2.3, of
 * TREE's rank), TRAILER last.  SHM_PAGES records have the rank of PAGES
 * and come after a section's PAGES records.
 *
 * Return: its &enum cryo_rec_rank, -1 for a type this header does not
 * know.
 */
static inline int cryo_rec_rank(__u32 type)
{
	switch (type) {
	case CRYO_REC_HEADER:
		return CRYO_RANK_HEADER;
	case CRYO_REC_TREE:
	case CRYO_REC_SHM:
		return CRYO_RANK_TREE;
	case CRYO_REC_PROCESS:
		return CRYO_RANK_PROCESS;
	case CRYO_REC_GROUPS:
		return CRYO_RANK_GROUPS;
	case CRYO_REC_AUXV:
		return CRYO_RANK_AUXV;
	case CRYO_REC_FS:
		return CRYO_RANK_FS;
	case CRYO_REC_SIGNALS:
		return CRYO_RANK_SIGNALS;
	case CRYO_REC_THREAD:
	case CRYO_REC_SIGINFO:
	case CRYO_REC_SLEEP:
	case CRYO_REC_POSIX_TIMER:
	case CRYO_REC_CPU_ITIMERS:
		return CRYO_RANK_THREAD;
	case CRYO_REC_FILE:
	case CRYO_REC_FILE_DATA:
	case CRYO_REC_FD:
	case CRYO_REC_LOCK:
	case CRYO_REC_EPOLL_ITEM:
	case CRYO_REC_FILE_STATE:
	case CRYO_REC_INOTIFY_WATCH:
		return CRYO_RANK_FILES;
	case CRYO_REC_VMA:
	case CRYO_REC_VMA_FILE:
		return CRYO_RANK_VMA;
	case CRYO_REC_PAGES:
	case CRYO_REC_SHM_PAGES:
		return CRYO_RANK_PAGES;
	case CRYO_REC_TRAILER:
		return CRYO_RANK_TRAILER;
	default:
		return -1;
	}
}

/**
 * cryo_rec_name() - the name of a record type, as documentation and
 * messages spell it ("HEADER", "FILE_DATA", ...)
 * @type: &enum cryo_rec_type
 *
 * Return: the name, NULL for a type this header does not know.
 */
static inline const char *cryo_rec_name(__u32 type)
{
	switch (type) {
	case CRYO_REC_HEADER:
		return "HEADER";
	case CRYO_REC_TREE:
		return "TREE";
	case CRYO_REC_PROCESS:
		return "PROCESS";
	case CRYO_REC_GROUPS:
		return "GROUPS";
	case CRYO_REC_AUXV:
		return "AUXV";
	case CRYO_REC_FS:
		return "FS";
	case CRYO_REC_SIGNALS:
		return "SIGNALS";
	case CRYO_REC_THREAD:
		return "THREAD";
	case CRYO_REC_FILE:
		return "FILE";
	case CRYO_REC_FILE_DATA:
		return "FILE_DATA";
	case CRYO_REC_FD:
		return "FD";
	case CRYO_REC_VMA:
		return "VMA";
	case CRYO_REC_PAGES:
		return "PAGES";
	case CRYO_REC_SHM:
		return "SHM";
	case CRYO_REC_SHM_PAGES:
		return "SHM_PAGES";
	case CRYO_REC_LOCK:
		return "LOCK";
	case CRYO_REC_EPOLL_ITEM:
		return "EPOLL_ITEM";
	case CRYO_REC_FILE_STATE:
		return "FILE_STATE";
	case CRYO_REC_SIGINFO:
		return "SIGINFO";
	case CRYO_REC_INOTIFY_WATCH:
		return "INOTIFY_WATCH";
	case CRYO_REC_SLEEP:
		return "SLEEP";
	case CRYO_REC_POSIX_TIMER:
		return "POSIX_TIMER";
	case CRYO_REC_CPU_ITIMERS:
		return "CPU_ITIMERS";
	case CRYO_REC_VMA_FILE:
		return "VMA_FILE";
	case CRYO_REC_TRAILER:
		return "TRAILER";
	default:
		return (const char *)0;
	}
}

/**
 * struct cryo_rec - header of every record
 * @type: &enum cryo_rec_type.
 * @len: bytes of payload that follow this header.
 * @crc: the record's checksum: the low 32 bits of XXH64 (seed 0) of
 *	this header with @crc taken as 0, followed by the payload.  (Not a
 *	CRC despite the name, since image format 2.0.)
 * @__reserved: 0.
 */
struct cryo_rec {
	__u32 type;
	__u32 len;
	__u32 crc;
	__u32 __reserved;
};

/** CRYO_REC_MAX_LEN - no record payload is longer than this (1 MiB + 4 KiB) */
#define CRYO_REC_MAX_LEN	((1U << 20) + 4096)

/**
 * struct cryo_image_header - %CRYO_REC_HEADER, the first record
 * @magic: %CRYO_IMAGE_MAGIC, NUL-padded.
 * @major: %CRYO_IMAGE_MAJOR.
 * @minor: %CRYO_IMAGE_MINOR.
 * @arch: AUDIT_ARCH_* of the frozen process (AUDIT_ARCH_X86_64).
 * @page_size: the frozen machine's page size.
 * @freeze_flags: the &enum cryo_freeze_flags the image was taken with.
 * @nr_threads: number of THREAD records that follow, in all sections.
 * @xfeatures: the CPU's user-visible XSAVE feature mask (0 without XSAVE).
 * @fpu_size: bytes of FPU state in each THREAD record.
 * @time_ns: CLOCK_REALTIME at the freeze.
 * @release: utsname release of the frozen kernel, NUL-terminated.
 * @boot_id: the frozen machine's boot id (/proc/sys/kernel/random/boot_id
 *	as 16 bytes), all zero if unknown.  A thaw checks a file's device
 *	and inode number only when its own boot id is the same: elsewhere
 *	they name other files.  Since image format 2.1; a 2.0 header ends
 *	before it (%CRYO_IMAGE_HEADER_SIZE_2_0 bytes).
 * @nr_processes: members in the TREE record (zombies included), at most
 *	%CRYO_IMAGE_MAX_PROCESSES.  Since image format 2.2; a 2.1 header ends
 *	before it (%CRYO_IMAGE_HEADER_SIZE_2_1 bytes) and its image holds one
 *	process.
 * @__reserved: 0.
 */
struct cryo_image_header {
	char magic[8];
	__u16 major;
	__u16 minor;
	__u32 arch;
	__u32 page_size;
	__u32 freeze_flags;
	__u32 nr_threads;
	__u32 fpu_size;
	__u64 xfeatures;
	__u64 time_ns;
	char release[72];
	__u8 boot_id[16];
	__u32 nr_processes;
	__u32 __reserved;
};

#define CRYO_IMAGE_HEADER_SIZE_2_0	120
#define CRYO_IMAGE_HEADER_SIZE_2_1	136
/* CRYO_IMAGE_MAX_PROCESSES - most members of a tree (one TREE record) */
#define CRYO_IMAGE_MAX_PROCESSES	4096

/**
 * struct cryo_image_member - one process of the tree, in %CRYO_REC_TREE
 * @pid: its thread-group id, in the freezer's pid namespace.
 * @ppid: its parent's pid; the root's parent is outside the tree.
 * @pgid: its process group (a member's pid, or outside the tree).
 * @sid: its session (a member's pid, or outside the tree).
 * @parent: index in the TREE of its parent, -1 for the root (index 0);
 *	always less than its own index.
 * @flags: &enum cryo_member_flags.
 * @nr_threads: THREAD records of its section (0 for a zombie).
 * @exit_code: a zombie's wait status, as waitpid(2) gives it (the exit
 *	code << 8, or the signal, | 0x80 with a core dump); 0 for others.
 *	A real death only: a signal whose default action ends a process,
 *	0x80 only with one that dumps core.
 */
struct cryo_image_member {
	__s32 pid;
	__s32 ppid;
	__s32 pgid;
	__s32 sid;
	__s32 parent;
	__u32 flags;
	__u32 nr_threads;
	__s32 exit_code;
};

/**
 * enum cryo_member_flags - &cryo_image_member.flags
 * @CRYO_MEMBER_ZOMBIE: exited, not yet reaped by its parent: it has no
 *	section; a thaw makes it exit again with @exit_code, for its parent
 *	to reap.
 * @CRYO_MEMBER_SHARES_FILES: uses the fd table of its parent member, as
 *	clone(%CLONE_FILES) made it (since 2.4).  Its section has no FILE,
 *	FILE_DATA or FD record: the table is the one saved in the section
 *	of the first member up the chain of sharers (its owner), and a
 *	thaw makes the process with %CLONE_FILES from its parent's.  Not
 *	with %CRYO_MEMBER_ZOMBIE, nor on the root.
 * @CRYO_MEMBER_SHARES_FS: uses the fs_struct (working directory, root,
 *	umask) of its parent member, as clone(%CLONE_FS) made it (since
 *	2.4).  Its FS record and umask are its parent's; a thaw makes the
 *	process with %CLONE_FS from its parent's.  Not with
 *	%CRYO_MEMBER_ZOMBIE, nor on the root.
 * @CRYO_MEMBER_ALL: all valid flags.
 *
 * A freeze takes members that share a table only when the sharers are a
 * chain of parent and child members, as clone() makes them: every sharer
 * but the first has its parent among them.  Any other sharing, or one
 * with a process outside the tree, is refused
 * (%CRYO_REFUSAL_SHARED_FILES, %CRYO_REFUSAL_SHARED_FS).
 */
enum cryo_member_flags {
	CRYO_MEMBER_ZOMBIE	= 1 << 0,
	CRYO_MEMBER_SHARES_FILES = 1 << 1,
	CRYO_MEMBER_SHARES_FS	= 1 << 2,
	CRYO_MEMBER_ALL		= CRYO_MEMBER_ZOMBIE | CRYO_MEMBER_SHARES_FILES |
				  CRYO_MEMBER_SHARES_FS,
};

/* CRYO_MEMBER_SHARES - either kind of sharing with the parent member */
#define CRYO_MEMBER_SHARES	(CRYO_MEMBER_SHARES_FILES | CRYO_MEMBER_SHARES_FS)

/**
 * struct cryo_image_process - %CRYO_REC_PROCESS
 * @pid: thread-group id, in the freezer's pid namespace.
 * @ppid: parent's tgid.
 * @pgid: process group.
 * @sid: session.
 * @comm: the command name, NUL-terminated.
 * @uid: real, effective, saved and filesystem uid (in that order).
 * @gid: the same four gids.
 * @cap_effective: effective capability set.
 * @cap_permitted: permitted set.
 * @cap_inheritable: inheritable set.
 * @cap_bset: bounding set.
 * @cap_ambient: ambient set.
 * @personality: personality(2) value.
 * @umask: file mode creation mask.
 * @start_code: mm bounds, as in /proc/PID/stat and prctl(PR_SET_MM)
 * @end_code: see @start_code
 * @start_data: see @start_code
 * @end_data: see @start_code
 * @start_brk: see @start_code
 * @brk: see @start_code
 * @start_stack: see @start_code
 * @arg_start: see @start_code
 * @arg_end: see @start_code
 * @env_start: see @start_code
 * @env_end: see @start_code
 * @rlim: the 16 resource limits, {cur, max} pairs, RLIM_INFINITY as ~0.
 * @securebits: the securebits (SECBIT_*, prctl(PR_GET_SECUREBITS)).
 * @sec_flags: &enum cryo_process_sec_flags.
 * @oom_score_adj: /proc/PID/oom_score_adj.
 * @dumpable: prctl(PR_GET_DUMPABLE): 0, 1 (SUID_DUMP_USER) or 2
 *	(SUID_DUMP_ROOT).
 * @pdeath_signal: prctl(PR_GET_PDEATHSIG): the signal the process gets
 *	when its parent dies, 0 for none.  Since format 2.2, as is @flags.
 * @flags: &enum cryo_process_flags.
 * @loginuid: the audit login uid (/proc/PID/loginuid) in the freezer's
 *	user namespace, %CRYO_LOGINUID_UNSET for none.  Since format 2.8;
 *	a thaw sets it only where the thawing process may (CAP_AUDIT_CONTROL,
 *	see &cryo_thaw.loginuid), else the restored process keeps the
 *	thawing caller's.
 * @__reserved: 0.
 *
 * @securebits to @dumpable are since image format 2.1: a 2.0 PROCESS
 * record ends before them (%CRYO_IMAGE_PROCESS_SIZE_2_0 bytes), and a
 * thaw then leaves them as the thawing process has them, but dumpable.
 */
struct cryo_image_process {
	__s32 pid;
	__s32 ppid;
	__s32 pgid;
	__s32 sid;
	char comm[16];
	__u32 uid[4];
	__u32 gid[4];
	__u64 cap_effective;
	__u64 cap_permitted;
	__u64 cap_inheritable;
	__u64 cap_bset;
	__u64 cap_ambient;
	__u32 personality;
	__u32 umask;
	__u64 start_code;
	__u64 end_code;
	__u64 start_data;
	__u64 end_data;
	__u64 start_brk;
	__u64 brk;
	__u64 start_stack;
	__u64 arg_start;
	__u64 arg_end;
	__u64 env_start;
	__u64 env_end;
	__u64 rlim[16][2];
	__u32 securebits;
	__u32 sec_flags;
	__s32 oom_score_adj;
	__u32 dumpable;
	__u32 pdeath_signal;
	__u32 flags;
	__u32 loginuid;
	__u32 __reserved;
};

#define CRYO_IMAGE_PROCESS_SIZE_2_0	456
#define CRYO_IMAGE_PROCESS_SIZE_2_1	472
/* CRYO_IMAGE_PROCESS_SIZE_2_7 - up to format 2.7, without @loginuid */
#define CRYO_IMAGE_PROCESS_SIZE_2_7	480

/* CRYO_LOGINUID_UNSET - &cryo_image_process.loginuid of a process with none */
#define CRYO_LOGINUID_UNSET	0xffffffffU

/**
 * enum cryo_process_flags - &cryo_image_process.flags
 * @CRYO_PROCESS_CHILD_SUBREAPER: prctl(PR_SET_CHILD_SUBREAPER) was set.
 * @CRYO_PROCESS_THP_DISABLE: prctl(PR_SET_THP_DISABLE) was set.  Since
 *	image format 2.7: a thaw of an older image (whose THREAD records
 *	end at %CRYO_IMAGE_THREAD_SIZE_2_0) leaves it as the thawing process
 *	has it.
 * @CRYO_PROCESS_FLAGS_ALL: all valid flags.
 */
enum cryo_process_flags {
	CRYO_PROCESS_CHILD_SUBREAPER	= 1 << 0,
	CRYO_PROCESS_THP_DISABLE	= 1 << 1,
	CRYO_PROCESS_FLAGS_ALL		= CRYO_PROCESS_CHILD_SUBREAPER |
					  CRYO_PROCESS_THP_DISABLE,
};

/**
 * enum cryo_process_sec_flags - &cryo_image_process.sec_flags
 * @CRYO_PROCESS_NO_NEW_PRIVS: prctl(PR_SET_NO_NEW_PRIVS) was set; a thaw
 *	sets it again on every thread.
 * @CRYO_PROCESS_SEC_ALL: all valid flags.
 */
enum cryo_process_sec_flags {
	CRYO_PROCESS_NO_NEW_PRIVS	= 1 << 0,
	CRYO_PROCESS_SEC_ALL		= CRYO_PROCESS_NO_NEW_PRIVS,
};

/**
 * enum cryo_fpu_format - &cryo_image_thread.fpu_format
 * @CRYO_FPU_FXSAVE: 512-byte FXSAVE area (NT_PRFPREG), CPU without XSAVE.
 * @CRYO_FPU_XSAVE: XSAVE area in the kernel's user ABI layout
 *	(NT_X86_XSTATE), as ptrace(PTRACE_GETREGSET) returns it.
 */
enum cryo_fpu_format {
	CRYO_FPU_FXSAVE	= 1,
	CRYO_FPU_XSAVE	= 2,
};

/**
 * enum cryo_restart - &cryo_image_thread.restart: what the thread's
 * interrupted system call does when the thread resumes
 * @CRYO_RESTART_NONE: not in a system call, or it has completed.
 * @CRYO_RESTART_SYSCALL: re-issue the system call (@orig_ax) with the same
 *	arguments: regs.ax = regs.orig_ax, regs.ip -= 2.  This is what
 *	-ERESTARTSYS, -ERESTARTNOINTR and -ERESTARTNOHAND become for a
 *	thread that resumes without running a signal handler.
 * @CRYO_RESTART_BLOCK: the system call continues through restart_syscall(2)
 *	(-ERESTART_RESTARTBLOCK: nanosleep, clock_nanosleep, poll, futex wait
 *	with a timeout, ...).  A thaw re-issues it as %CRYO_RESTART_SYSCALL;
 *	since 2.9 a SLEEP record after the THREAD record gives the remaining
 *	timeout the call is re-issued with (&struct cryo_image_sleep); without
 *	one the call starts over with its original arguments.
 */
enum cryo_restart {
	CRYO_RESTART_NONE	= 0,
	CRYO_RESTART_SYSCALL	= 1,
	CRYO_RESTART_BLOCK	= 2,
};

/**
 * struct cryo_image_thread - %CRYO_REC_THREAD, followed by @fpu_size
 * bytes of FPU state in @fpu_format
 * @tid: thread id in the freezer's pid namespace.
 * @restart: &enum cryo_restart.
 * @regs: general registers in the layout of struct user_regs_struct
 *	(NT_PRSTATUS), indexed by &enum cryo_reg; ax holds the kernel's -ERESTART* code when
 *	@restart is not %CRYO_RESTART_NONE.
 * @fs_base: FS base (TLS of x86-64 user space).
 * @gs_base: GS base.
 * @blocked: blocked signal mask (bit n-1 for signal n).
 * @pending: thread-directed pending signals.
 * @shared_pending: process-directed pending signals (same in every thread).
 * @sas_sp: sigaltstack base.
 * @sas_size: sigaltstack size.
 * @sas_flags: sigaltstack flags (SS_AUTODISARM ...), SS_DISABLE if none.
 * @fpu_format: &enum cryo_fpu_format.
 * @fpu_size: bytes of FPU state that follow.
 * @clear_child_tid: set_tid_address(2) value.
 * @robust_list: set_robust_list(2) head.
 * @robust_list_len: its length.
 * @rseq: rseq(2) area, 0 if none.
 * @rseq_len: its length.
 * @rseq_sig: its signature.
 * @__reserved: 0.
 * @sched_policy: the thread's scheduling policy, sched_getscheduler(2)
 *	without %SCHED_RESET_ON_FORK: SCHED_OTHER (0), SCHED_FIFO (1),
 *	SCHED_RR (2), SCHED_BATCH (3) or SCHED_IDLE (5).  A thread under
 *	SCHED_DEADLINE refuses the freeze (%CRYO_REFUSAL_SCHED_DEADLINE).
 *	Since image format 2.7, as are the fields after it: a THREAD record
 *	of an older image ends before it (%CRYO_IMAGE_THREAD_SIZE_2_0 bytes
 *	before its FPU state) and a thaw then leaves the scheduling
 *	settings, affinity and timer slack as the thawing process has them.
 * @sched_flags: &enum cryo_thread_sched_flags.
 * @nice: its nice value, -20 to 19 (kept under a real-time policy too,
 *	for when it leaves it).
 * @rt_priority: its real-time priority, 1 to 99 under SCHED_FIFO and
 *	SCHED_RR, 0 under the others.
 * @timer_slack_ns: prctl(PR_GET_TIMERSLACK).
 * @default_timer_slack_ns: the slack PR_SET_TIMERSLACK of 0 goes back to
 *	(its creator's slack when it was made).
 * @affinity: sched_getaffinity(2): bit n % 64 of word n / 64 set when it
 *	may run on CPU n; CPUs 0 to 1023 only.  Meaningless, all zero, with
 *	%CRYO_THREAD_AFFINITY_ALL.
 */
/**
 * enum cryo_reg - index of each register in &cryo_image_thread.regs
 *
 * The layout of x86-64's struct user_regs_struct (NT_PRSTATUS).
 */
enum cryo_reg {
	CRYO_REG_R15, CRYO_REG_R14, CRYO_REG_R13, CRYO_REG_R12,
	CRYO_REG_RBP, CRYO_REG_RBX, CRYO_REG_R11, CRYO_REG_R10,
	CRYO_REG_R9, CRYO_REG_R8, CRYO_REG_RAX, CRYO_REG_RCX,
	CRYO_REG_RDX, CRYO_REG_RSI, CRYO_REG_RDI, CRYO_REG_ORIG_RAX,
	CRYO_REG_RIP, CRYO_REG_CS, CRYO_REG_EFLAGS, CRYO_REG_RSP,
	CRYO_REG_SS, CRYO_REG_FS_BASE, CRYO_REG_GS_BASE, CRYO_REG_DS,
	CRYO_REG_ES, CRYO_REG_FS, CRYO_REG_GS,
	CRYO_NR_REGS,
};

/**
 * cryo_reg_name() - a register's name in messages and in cryoctl's
 * output ("rip", "eflags", ...)
 * @reg: &enum cryo_reg
 *
 * Return: the name, NULL past %CRYO_NR_REGS.
 */
static inline const char *cryo_reg_name(__u32 reg)
{
	static const char *const names[CRYO_NR_REGS] = {
		[CRYO_REG_R15] = "r15", [CRYO_REG_R14] = "r14",
		[CRYO_REG_R13] = "r13", [CRYO_REG_R12] = "r12",
		[CRYO_REG_RBP] = "rbp", [CRYO_REG_RBX] = "rbx",
		[CRYO_REG_R11] = "r11", [CRYO_REG_R10] = "r10",
		[CRYO_REG_R9] = "r9", [CRYO_REG_R8] = "r8",
		[CRYO_REG_RAX] = "rax", [CRYO_REG_RCX] = "rcx",
		[CRYO_REG_RDX] = "rdx", [CRYO_REG_RSI] = "rsi",
		[CRYO_REG_RDI] = "rdi", [CRYO_REG_ORIG_RAX] = "orig_rax",
		[CRYO_REG_RIP] = "rip", [CRYO_REG_CS] = "cs",
		[CRYO_REG_EFLAGS] = "eflags", [CRYO_REG_RSP] = "rsp",
		[CRYO_REG_SS] = "ss", [CRYO_REG_FS_BASE] = "fs_base",
		[CRYO_REG_GS_BASE] = "gs_base", [CRYO_REG_DS] = "ds",
		[CRYO_REG_ES] = "es", [CRYO_REG_FS] = "fs",
		[CRYO_REG_GS] = "gs",
	};

	return reg < CRYO_NR_REGS ? names[reg] : (const char *)0;
}

struct cryo_image_thread {
	__s32 tid;
	__u32 restart;
	__u64 regs[CRYO_NR_REGS];
	__u64 fs_base;
	__u64 gs_base;
	__u64 blocked;
	__u64 pending;
	__u64 shared_pending;
	__u64 sas_sp;
	__u64 sas_size;
	__u32 sas_flags;
	__u32 fpu_format;
	__u32 fpu_size;
	__u32 rseq_len;
	__u64 clear_child_tid;
	__u64 robust_list;
	__u64 robust_list_len;
	__u64 rseq;
	__u32 rseq_sig;
	__u32 ioprio;
	__u32 sched_policy;
	__u32 sched_flags;
	__s32 nice;
	__u32 rt_priority;
	__u64 timer_slack_ns;
	__u64 default_timer_slack_ns;
	__u64 affinity[16];
};

#define CRYO_IMAGE_THREAD_SIZE_2_0	336

/* CRYO_THREAD_MAX_CPUS - CPUs a THREAD record's affinity can name */
#define CRYO_THREAD_MAX_CPUS		1024

/**
 * enum cryo_sleep_kind - &cryo_image_sleep.kind: the interrupted call,
 * and the argument a thaw gives the remaining time in
 * @CRYO_SLEEP_NANOSLEEP: nanosleep(2) (orig_ax %__NR_nanosleep); rdi, the
 *	requested time, points at the remaining one.
 * @CRYO_SLEEP_CLOCK_NANOSLEEP: clock_nanosleep(2) (%__NR_clock_nanosleep)
 *	on CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME or CLOCK_TAI, flags
 *	without TIMER_ABSTIME; rdx points at the remaining time.
 * @CRYO_SLEEP_POLL: poll(2) (%__NR_poll) with a timeout; rdx, the timeout
 *	in ms, becomes the remaining time rounded up to a whole ms.
 * @CRYO_SLEEP_FUTEX_WAIT: futex(2) (%__NR_futex) FUTEX_WAIT with a
 *	timeout (FUTEX_PRIVATE_FLAG allowed, not FUTEX_CLOCK_REALTIME); r10
 *	points at the remaining time.
 */
enum cryo_sleep_kind {
	CRYO_SLEEP_NANOSLEEP		= 1,
	CRYO_SLEEP_CLOCK_NANOSLEEP	= 2,
	CRYO_SLEEP_POLL			= 3,
	CRYO_SLEEP_FUTEX_WAIT		= 4,
};

/**
 * struct cryo_image_sleep - %CRYO_REC_SLEEP: the time left of a thread's
 * interrupted sleep (since 2.9)
 * @tid: the thread's id, as the THREAD record right before this one has
 *	it.
 * @kind: &enum cryo_sleep_kind; it must match that THREAD record's
 *	orig_ax and arguments, and its restart state must be
 *	%CRYO_RESTART_BLOCK.
 * @remaining_ns: the time the call had left when the thread was frozen,
 *	on the call's clock: its deadline minus the time of the freeze, 0
 *	when it had passed.  At most 2^63 - 1; for %CRYO_SLEEP_POLL at most
 *	INT_MAX ms.
 *
 * A thaw issues the call again with this time instead of its original
 * timeout: the time the image spent frozen does not count.  For a
 * timeout passed by address (all kinds but %CRYO_SLEEP_POLL) the thaw
 * writes a struct __kernel_timespec holding it on the thread's stack, at
 * the 16-byte aligned address below rsp minus 128 (the red zone), and
 * points the argument register at it; that stack must lie in a writable
 * mapping of the image, or the page below a grows-down one (EFAULT
 * otherwise, before anything is changed).
 */
struct cryo_image_sleep {
	__s32 tid;
	__u32 kind;
	__u64 remaining_ns;
};

/**
 * enum cryo_thread_sched_flags - &cryo_image_thread.sched_flags
 * @CRYO_THREAD_RESET_ON_FORK: %SCHED_RESET_ON_FORK was set: its children
 *	start under SCHED_OTHER, nice 0 at most.
 * @CRYO_THREAD_AFFINITY_ALL: it may run on every CPU that is online
 *	(its affinity was not narrowed below them); a thaw leaves it as
 *	the thawing process has it.
 * @CRYO_THREAD_SCHED_ALL: all valid flags.
 */
enum cryo_thread_sched_flags {
	CRYO_THREAD_RESET_ON_FORK	= 1 << 0,
	CRYO_THREAD_AFFINITY_ALL	= 1 << 1,
	CRYO_THREAD_SCHED_ALL		= CRYO_THREAD_RESET_ON_FORK |
					  CRYO_THREAD_AFFINITY_ALL,
};

/**
 * enum cryo_vma_kind - &cryo_image_vma.kind
 * @CRYO_VMA_ANON: private or shared anonymous memory.
 * @CRYO_VMA_FILE: a file mapping; the path follows the record.
 * @CRYO_VMA_HEAP: [heap].
 * @CRYO_VMA_STACK: [stack].
 * @CRYO_VMA_VDSO: [vdso]; contents never saved.
 * @CRYO_VMA_VVAR: [vvar]; contents never saved.
 * @CRYO_VMA_VSYSCALL: [vsyscall]; contents never saved.
 * @CRYO_VMA_SPECIAL: another kernel-provided special mapping; its name
 *	follows the record.
 */
enum cryo_vma_kind {
	CRYO_VMA_ANON		= 0,
	CRYO_VMA_FILE		= 1,
	CRYO_VMA_HEAP		= 2,
	CRYO_VMA_STACK		= 3,
	CRYO_VMA_VDSO		= 4,
	CRYO_VMA_VVAR		= 5,
	CRYO_VMA_VSYSCALL	= 6,
	CRYO_VMA_SPECIAL	= 7,
};

/**
 * enum cryo_vma_flags - &cryo_image_vma.flags
 * @CRYO_VMA_READ: PROT_READ.
 * @CRYO_VMA_WRITE: PROT_WRITE.
 * @CRYO_VMA_EXEC: PROT_EXEC.
 * @CRYO_VMA_SHARED: MAP_SHARED (else private).
 * @CRYO_VMA_GROWSDOWN: grows down (a stack).
 * @CRYO_VMA_LOCKED: mlock()ed.
 * @CRYO_VMA_DONTDUMP: MADV_DONTDUMP.
 * @CRYO_VMA_HUGEPAGE: MADV_HUGEPAGE.
 * @CRYO_VMA_NOHUGEPAGE: MADV_NOHUGEPAGE.
 * @CRYO_VMA_DONTFORK: MADV_DONTFORK.
 * @CRYO_VMA_WIPEONFORK: MADV_WIPEONFORK.
 * @CRYO_VMA_MAYSHARE: the mapping may be shared (MAP_SHARED of a file
 *	opened read-only shows as not SHARED but MAYSHARE).
 */
enum cryo_vma_flags {
	CRYO_VMA_READ		= 1 << 0,
	CRYO_VMA_WRITE		= 1 << 1,
	CRYO_VMA_EXEC		= 1 << 2,
	CRYO_VMA_SHARED		= 1 << 3,
	CRYO_VMA_GROWSDOWN	= 1 << 4,
	CRYO_VMA_LOCKED		= 1 << 5,
	CRYO_VMA_DONTDUMP	= 1 << 6,
	CRYO_VMA_HUGEPAGE	= 1 << 7,
	CRYO_VMA_NOHUGEPAGE	= 1 << 8,
	CRYO_VMA_DONTFORK	= 1 << 9,
	CRYO_VMA_WIPEONFORK	= 1 << 10,
	CRYO_VMA_MAYSHARE	= 1 << 11,
};

/**
 * struct cryo_image_vma - %CRYO_REC_VMA, followed by @name_len bytes of
 * path or name (no NUL)
 * @start: first address.
 * @end: one past the last address.
 * @pgoff: offset into the file, in bytes.
 * @flags: &enum cryo_vma_flags.
 * @kind: &enum cryo_vma_kind.
 * @dev: the file's device (new_encode_dev()), for identity checks.
 * @ino: the file's inode number.
 * @file_size: the file's size at the freeze.
 * @mtime_ns: the file's mtime at the freeze.
 * @name_len: bytes of path that follow.
 * @shm: the id of the &struct cryo_image_shm this mapping maps (since
 *	2.3), 0 for none.  Such a mapping's contents are the object's, saved
 *	once in SHM_PAGES records, never in PAGES.
 */
struct cryo_image_vma {
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u32 flags;
	__u32 kind;
	__u64 dev;
	__u64 ino;
	__u64 file_size;
	__s64 mtime_ns;
	__u32 name_len;
	__u32 shm;
};

/**
 * struct cryo_image_vma_file - %CRYO_REC_VMA_FILE: the file behind a
 * mapping of a deleted regular file (since 2.9)
 * @start: the &cryo_image_vma.start of the VMA record it follows.
 * @file_id: the &cryo_image_file.id of the description the mapping was
 *	made on: a FILE of kind %CRYO_FILE_REG with %CRYO_FILE_UNLINKED of
 *	the same device and inode, in this section (before the first VMA)
 *	or an earlier one.  Its FILE_DATA are the file's contents; a thaw
 *	makes the file once and maps it, whoever else maps it or holds it.
 * @__reserved: 0.
 *
 * Exactly one right after each VMA of kind %CRYO_VMA_FILE, not of shared
 * memory, whose file was deleted (no name left); none after any other.
 */
struct cryo_image_vma_file {
	__u64 start;
	__u32 file_id;
	__u32 __reserved;
};

/**
 * enum cryo_shm_kind - &cryo_image_shm.kind
 * @CRYO_SHM_ANON: shared anonymous memory (``MAP_SHARED|MAP_ANONYMOUS``,
 *	inherited across fork); its mappings have kind %CRYO_VMA_ANON.
 * @CRYO_SHM_SYSV: a System V shared memory segment (shmget(2)); its
 *	mappings (shmat(2)) have kind %CRYO_VMA_FILE.
 * @CRYO_SHM_MEMFD: a memfd (memfd_create(2)) mapped or held as a file
 *	descriptor by members (since 2.5): its name, size, permission bits
 *	and seals are in the record.  Its mappings, shared or private, have
 *	kind %CRYO_VMA_FILE; its descriptions are FILE records of kind
 *	%CRYO_FILE_MEMFD naming it.  A private mapping's copy-on-write pages
 *	are that mapping's own PAGES.
 */
enum cryo_shm_kind {
	CRYO_SHM_ANON		= 0,
	CRYO_SHM_SYSV		= 1,
	CRYO_SHM_MEMFD		= 2,
};

/**
 * enum cryo_shm_seals - &cryo_image_shm.seals: a memfd's seals, the
 * F_SEAL_* values of fcntl(2) F_GET_SEALS
 * @CRYO_SEAL_SEAL: F_SEAL_SEAL, no seal may be added.
 * @CRYO_SEAL_SHRINK: F_SEAL_SHRINK.
 * @CRYO_SEAL_GROW: F_SEAL_GROW.
 * @CRYO_SEAL_WRITE: F_SEAL_WRITE: no writable shared mapping of it is in
 *	the image.
 * @CRYO_SEAL_FUTURE_WRITE: F_SEAL_FUTURE_WRITE.
 * @CRYO_SEAL_EXEC: F_SEAL_EXEC (Linux 6.3 and later; a thaw on an older
 *	kernel refuses an image with it).
 * @CRYO_SEAL_ALL: all seals the format knows.
 */
enum cryo_shm_seals {
	CRYO_SEAL_SEAL		= 0x0001,
	CRYO_SEAL_SHRINK	= 0x0002,
	CRYO_SEAL_GROW		= 0x0004,
	CRYO_SEAL_WRITE		= 0x0008,
	CRYO_SEAL_FUTURE_WRITE	= 0x0010,
	CRYO_SEAL_EXEC		= 0x0020,
	CRYO_SEAL_ALL		= 0x003f,
};

/* CRYO_MEMFD_NAME_MAX - the longest memfd name, without "memfd:" */
#define CRYO_MEMFD_NAME_MAX	249

/**
 * enum cryo_shm_flags - &cryo_image_shm.flags
 * @CRYO_SHM_REMOVED: a System V segment marked for removal (IPC_RMID):
 *	it goes when its last mapping does, and no shmget(2) finds it.
 * @CRYO_SHM_ALL: all valid flags.
 */
enum cryo_shm_flags {
	CRYO_SHM_REMOVED	= 1 << 0,
	CRYO_SHM_ALL		= CRYO_SHM_REMOVED,
};

/**
 * struct cryo_image_shm - %CRYO_REC_SHM: a shared memory object mapped by
 * members of the tree, saved once and restored shared (since 2.3),
 * followed by @name_len bytes of a memfd's name (since 2.5)
 * @id: 1, 2, 3... in the order of the SHM records; &cryo_image_vma.shm.
 * @kind: &enum cryo_shm_kind.
 * @size: the object's size in bytes (for a segment, shmget(2)'s size;
 *	for a memfd its file size, which may be 0 and need not match any
 *	mapping of it).  Not 0 but for a memfd.
 * @owner: index in the TREE of the member whose section holds its
 *	SHM_PAGES records: the first member that maps it (or, for a
 *	memfd, maps it or holds it as a file descriptor).
 * @flags: &enum cryo_shm_flags.
 * @key: a segment's key, %IPC_PRIVATE (0) for a private or removed one.
 * @shmid: a segment's id at the freeze.
 * @mode: a segment's or a memfd's permission bits (0777 at most).
 * @uid: a segment's owner uid, as the freezer's user namespace sees it.
 * @gid: its owner gid.
 * @__reserved: 0.
 * @seals: a memfd's &enum cryo_shm_seals, 0 for other kinds (since 2.5).
 * @name_len: bytes of a memfd's name that follow (no NUL, without
 *	memfd_create(2)'s "memfd:" prefix, at most %CRYO_MEMFD_NAME_MAX;
 *	since 2.5), 0 for other kinds.
 *
 * A record of a 2.3 or 2.4 image ends before @seals
 * (%CRYO_IMAGE_SHM_SIZE_2_3 bytes).  Every process that maps the object
 * is a member of the tree: the freeze refuses one mapped outside it
 * (%CRYO_REFUSAL_SHARED_MEMORY).
 */
struct cryo_image_shm {
	__u32 id;
	__u32 kind;
	__u64 size;
	__u32 owner;
	__u32 flags;
	__s32 key;
	__s32 shmid;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 __reserved;
	__u32 seals;
	__u32 name_len;
};

#define CRYO_IMAGE_SHM_SIZE_2_3	48

/**
 * struct cryo_image_shm_pages - %CRYO_REC_SHM_PAGES, followed by
 * @nr_pages pages of a shared memory object's contents (since 2.3)
 * @shm: &cryo_image_shm.id.
 * @__reserved: 0.
 * @pgoff: index of the first page in the object.
 * @nr_pages: number of contiguous pages whose contents follow.
 *
 * Only the object's pages that exist are saved (in memory or in swap);
 * every other page is a hole.
 */
struct cryo_image_shm_pages {
	__u32 shm;
	__u32 __reserved;
	__u64 pgoff;
	__u64 nr_pages;
};

/**
 * struct cryo_image_pages - %CRYO_REC_PAGES, followed by @nr_pages pages
 * @addr: address of the first page (page-aligned, inside one VMA).
 * @nr_pages: number of contiguous pages whose contents follow.
 *
 * Only pages with content of their own are saved: touched private
 * anonymous pages, copy-on-write copies in private file mappings, and
 * shared anonymous pages.  Every page absent from the image is a hole.
 */
struct cryo_image_pages {
	__u64 addr;
	__u64 nr_pages;
};

/**
 * struct cryo_image_sigaction - one signal's disposition
 * @handler: sa_handler (SIG_DFL 0, SIG_IGN 1, or a user address).
 * @flags: sa_flags (SA_RESTART, SA_SIGINFO, SA_ONSTACK, SA_RESTORER ...).
 * @restorer: sa_restorer.
 * @mask: sa_mask, bit n-1 for signal n.
 */
struct cryo_image_sigaction {
	__u64 handler;
	__u64 flags;
	__u64 restorer;
	__u64 mask;
};

/**
 * struct cryo_image_signals - %CRYO_REC_SIGNALS: process-wide signal state
 * @action: the dispositions of signals 1 to 64 (index n-1 for signal n).
 * @real_value_ns: ITIMER_REAL (and alarm(2)) time left, 0 if disarmed.
 * @real_interval_ns: ITIMER_REAL reload interval.
 *
 * ITIMER_VIRTUAL and ITIMER_PROF are not saved in this version: since
 * ABI 1.12 a freeze refuses them (%CRYO_REFUSAL_CPU_ITIMER).
 */
struct cryo_image_signals {
	struct cryo_image_sigaction action[64];
	__u64 real_value_ns;
	__u64 real_interval_ns;
};

/**
 * struct cryo_image_siginfo - %CRYO_REC_SIGINFO: one signal queued and
 * not yet delivered, with its whole siginfo (since 2.8)
 * @tid: the thread whose own queue holds it (a THREAD record of the
 *	section before this record names it), 0 for the process's shared
 *	queue.
 * @__reserved: 0.
 * @signo: the signal, 1 to 64 but SIGKILL and SIGSTOP.
 * @errnum: si_errno.
 * @code: si_code (SI_USER, SI_QUEUE, SI_TKILL, SI_TIMER, a kernel code
 *	such as CLD_EXITED...).
 * @__pad: 0.
 * @fields: the rest of the kernel's siginfo (the union after si_code:
 *	si_pid and si_uid, si_value, si_int and si_ptr, the timer's id and
 *	overrun, si_addr, si_status...), as x86-64 lays it out, bytes 16 to
 *	47 of siginfo_t.
 *
 * A section's SIGINFO records follow its THREAD records: for each
 * thread's queue then the shared queue, each in the order the kernel
 * would deliver them (a real-time signal queued several times has one
 * record per instance).  A signal pending with no siginfo (the kernel
 * could not allocate one) is only in the THREAD record's masks.  A thaw
 * queues every record again with its siginfo, into the same queue,
 * before the threads leave the kernel; the masks' signals that have no
 * record are raised as for an older image.  si_pid and si_uid are values
 * only: a thaw gives the process no right of the sender.  At most
 * %CRYO_IMAGE_MAX_SIGINFO records per section; a freeze refuses more
 * (%CRYO_REFUSAL_SIGQUEUE).
 */
struct cryo_image_siginfo {
	__s32 tid;
	__u32 __reserved;
	__s32 signo;
	__s32 errnum;
	__s32 code;
	__u32 __pad;
	__u64 fields[4];
};

/* CRYO_IMAGE_MAX_SIGINFO - most SIGINFO records in a section */
#define CRYO_IMAGE_MAX_SIGINFO	4096

/**
 * struct cryo_image_posix_timer - %CRYO_REC_POSIX_TIMER: one POSIX timer
 * of the process (timer_create(2)), since 2.9
 * @id: its id, 0 to %CRYO_IMAGE_MAX_POSIX_TIMER_ID; the records of a
 *	section are in increasing id order, each id once.
 * @clock: CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME or CLOCK_TAI
 *	(a timer on a CPU-time or alarm clock is refused at the freeze,
 *	%CRYO_REFUSAL_POSIX_TIMER_CLOCK).
 * @notify: sigev_notify as the kernel keeps it: SIGEV_SIGNAL (0),
 *	SIGEV_NONE (1), SIGEV_THREAD (2, which the kernel treats as
 *	SIGEV_SIGNAL) or SIGEV_THREAD_ID (4).
 * @signo: sigev_signo, 1 to 64 (any value below 65 for SIGEV_NONE,
 *	which sends nothing).
 * @value: sigev_value (sival_ptr; sival_int is its low 32 bits).
 * @tid: with SIGEV_THREAD_ID the thread signalled (a THREAD record of
 *	the section before this record names it), else 0.
 * @__reserved: 0.
 * @value_ns: the time left before it next expires, 0 when disarmed.
 *	Relative whatever the clock and TIMER_ABSTIME: a thaw arms the
 *	timer that far from the thaw.
 * @interval_ns: its period, 0 for a one-shot timer.
 * @overrun: the overrun count timer_getoverrun(2) returned last; not
 *	restored (a thawed timer starts with none), kept for inspection.
 *
 * A thaw makes the timers again with timer_create(2) in the process it
 * restores, with the same ids, and arms them once its memory is back.
 * @value_ns and @interval_ns are at most ten years.  At most
 * %CRYO_IMAGE_MAX_POSIX_TIMERS records per section.
 */
struct cryo_image_posix_timer {
	__s32 id;
	__s32 clock;
	__s32 notify;
	__s32 signo;
	__u64 value;
	__s32 tid;
	__u32 __reserved;
	__u64 value_ns;
	__u64 interval_ns;
	__s64 overrun;
};

/* CRYO_IMAGE_MAX_POSIX_TIMERS - most POSIX_TIMER records in a section */
#define CRYO_IMAGE_MAX_POSIX_TIMERS	32
/* CRYO_IMAGE_MAX_POSIX_TIMER_ID - the largest timer id an image holds */
#define CRYO_IMAGE_MAX_POSIX_TIMER_ID	1023

/**
 * struct cryo_image_cpu_itimers - %CRYO_REC_CPU_ITIMERS: the process's
 * CPU-time interval timers (setitimer(2)), since 2.9
 * @prof_value_ns: ITIMER_PROF's time left (process CPU time, user and
 *	system), 0 when disarmed.
 * @prof_interval_ns: its period.
 * @virt_value_ns: ITIMER_VIRTUAL's time left (user CPU time), 0 when
 *	disarmed.
 * @virt_interval_ns: its period.
 *
 * At most one per section, after its POSIX_TIMER records, only when one
 * of the two is armed.  Every field at most ten years.  A thaw arms
 * them again with setitimer(2) once the process's memory is back.
 */
struct cryo_image_cpu_itimers {
	__u64 prof_value_ns;
	__u64 prof_interval_ns;
	__u64 virt_value_ns;
	__u64 virt_interval_ns;
};

/**
 * enum cryo_file_kind - &cryo_image_file.kind
 * @CRYO_FILE_REG: a regular file.
 * @CRYO_FILE_DIR: a directory.
 * @CRYO_FILE_CHR: a character device a reopen restores: /dev/null, zero,
 *	full, random, urandom, or a terminal; see @rdev.  Since 2.8 any
 *	character device opened ``O_PATH`` (such an open does nothing to
 *	the device, and neither does its reopen).  Since 2.8 the
 *	FILE of a terminal (a tty major, not opened O_PATH) has one
 *	FILE_DATA of &struct cryo_image_tty: its settings, which a thaw
 *	with %CRYO_THAW_SHELL_JOB applies to the terminal it runs on.
 * @CRYO_FILE_PIPE: one end of an anonymous pipe.
 * @CRYO_FILE_FIFO: one end of a named FIFO.
 * @CRYO_FILE_OTHER: a kind cryo cannot save (socket, epoll, before 2.9
 *	inotify, before 2.8 eventfd, signalfd and timerfd, a hugetlb memfd, secret memory, block
 *	and other character devices ...);
 *	only present in images taken with %CRYO_FREEZE_ACCEPT_LOSS, with
 *	%CRYO_FILE_LOST set and the kernel's description as its name (such
 *	as "socket:[1234]" or "anon_inode:[eventfd]").
 * @CRYO_FILE_MEMFD: a description of a memfd (since 2.5): its object
 *	(name, size, contents, seals) is the &struct cryo_image_shm @shm
 *	names; the FILE record has its position and open flags, and its
 *	name as /proc/PID/fd shows it ("/memfd:NAME (deleted)").
 * @CRYO_FILE_OPATH: an ``O_PATH`` description (since 2.8) of a symbolic
 *	link (opened ``O_PATH|O_NOFOLLOW``), a socket's inode (a bound unix
 *	socket's path) or a block device node: reopened ``O_PATH`` by its
 *	path, the same inode (@dev, @ino, the type of @mode, a device's
 *	@rdev).  ``O_PATH`` descriptions of the other types keep their own
 *	kind (REG, DIR, CHR, FIFO).  @open_flags has ``O_PATH``.
 * @CRYO_FILE_EVENTFD: an eventfd (since 2.8).  Its FILE_STATE: @flags
 *	%CRYO_EVENTFD_SEMAPHORE or 0, @args[0] the count.
 * @CRYO_FILE_SIGNALFD: a signalfd (since 2.8).  Its FILE_STATE: @flags
 *	0, @args[0] the mask of signals it reads (bit N - 1 for signal N).
 * @CRYO_FILE_TIMERFD: a timerfd (since 2.8).  Its FILE_STATE: @flags 0,
 *	@args[0] the clock id (CLOCK_REALTIME, CLOCK_MONOTONIC or
 *	CLOCK_BOOTTIME), @args[1] the flags it was armed with (0 or
 *	TFD_TIMER_ABSTIME), @args[2] its next expiry in ns: with
 *	TFD_TIMER_ABSTIME the absolute time on its clock, else the time
 *	that was left; 0 when it is disarmed or has expired unread,
 *	@args[3] its interval in ns, @args[4] the expirations not yet read
 *	(ticks).  A thaw arms it again with the expiry, or with one
 *	interval when it is 0 and the timer is periodic.
 * @CRYO_FILE_EPOLL: an epoll instance (since 2.9): its open flags, its
 *	name "anon_inode:[eventpoll]", and its interest list in the
 *	%CRYO_REC_EPOLL_ITEM records of the section that gave its FILE
 *	record.
 * @CRYO_FILE_INOTIFY: an inotify instance (since 2.9).  Its FILE_STATE:
 *	@flags 0, @args[0] the number of its watches, each an
 *	INOTIFY_WATCH record right after the FILE_STATE (ascending watch
 *	descriptors); at most %CRYO_INOTIFY_WATCHES_MAX.  The FILE's
 *	@open_flags has its O_NONBLOCK.  Events queued and not yet read are
 *	not saved: a freeze refuses an inotify that has some
 *	(%CRYO_REFUSAL_INOTIFY_QUEUE).
 * @CRYO_FILE_PTY_MASTER: the master of a pseudo-terminal pair (since
 *	2.9), opened from /dev/ptmx.  @pipe_id is the id of the FILE of the
 *	pair that carries its state: its own for the first FILE of the pair
 *	in the image, which has a FILE_DATA of &struct cryo_image_pty and
 *	the bytes queued; 0 FILE_DATA bytes for the others.  A thaw makes a
 *	new pair in the caller's /dev/pts with it.
 * @CRYO_FILE_PTY_SLAVE: a slave of such a pair (since 2.9) whose master
 *	is in the image too (a slave without its master stays
 *	%CRYO_FILE_CHR); @pipe_id as for the master.  The thaw opens the new
 *	pair's slave, whose number is the new pair's.
 */
enum cryo_file_kind {
	CRYO_FILE_REG	= 1,
	CRYO_FILE_DIR	= 2,
	CRYO_FILE_CHR	= 3,
	CRYO_FILE_PIPE	= 4,
	CRYO_FILE_FIFO	= 5,
	CRYO_FILE_OTHER	= 6,
	CRYO_FILE_MEMFD	= 7,
	CRYO_FILE_OPATH	= 15,
	CRYO_FILE_EVENTFD	= 8,
	CRYO_FILE_SIGNALFD	= 9,
	CRYO_FILE_TIMERFD	= 10,
	CRYO_FILE_EPOLL	= 11,
	CRYO_FILE_INOTIFY	= 12,
	CRYO_FILE_PTY_MASTER	= 13,
	CRYO_FILE_PTY_SLAVE	= 14,
};

/**
 * enum cryo_tty_flags - &cryo_image_tty.flags
 * @CRYO_TTY_CTTY: the terminal is the controlling terminal of the
 *	session of a member (@sid).
 * @CRYO_TTY_FOREGROUND: its foreground process group (@fg_pgid) is a
 *	member's group: the job was in the foreground.
 */
enum cryo_tty_flags {
	CRYO_TTY_CTTY		= 1 << 0,
	CRYO_TTY_FOREGROUND	= 1 << 1,
};

/**
 * struct cryo_image_tty - a terminal's settings, the FILE_DATA of a
 *	%CRYO_FILE_CHR terminal (since 2.8), 68 bytes
 * @iflag: termios c_iflag.
 * @oflag: c_oflag.
 * @cflag: c_cflag.
 * @lflag: c_lflag.
 * @line: c_line, the line discipline (0, N_TTY: only that one is applied).
 * @cc: c_cc, the special characters.
 * @ispeed: input speed (baud).
 * @ospeed: output speed (baud).
 * @ws_row: window size: rows (TIOCGWINSZ).
 * @ws_col: columns.
 * @ws_xpixel: width in pixels.
 * @ws_ypixel: height in pixels.
 * @flags: &enum cryo_tty_flags.
 * @sid: the session whose controlling terminal it is, as the freezer saw
 *	it; 0 for none.
 * @fg_pgid: its foreground process group, as the freezer saw it; 0 for
 *	none.
 * @__reserved: 0.
 */
struct cryo_image_tty {
	__u32 iflag;
	__u32 oflag;
	__u32 cflag;
	__u32 lflag;
	__u8 line;
	__u8 cc[19];
	__u32 ispeed;
	__u32 ospeed;
	__u16 ws_row;
	__u16 ws_col;
	__u16 ws_xpixel;
	__u16 ws_ypixel;
	__u32 flags;
	__s32 sid;
	__s32 fg_pgid;
	__u32 __reserved;
};

/**
 * enum cryo_pty_flags - &cryo_image_pty.flags
 * @CRYO_PTY_PACKET: the master is in packet mode (TIOCPKT).
 * @CRYO_PTY_LOCKED: the pair is locked (TIOCSPTLCK): its slave may not
 *	be opened.
 */
enum cryo_pty_flags {
	CRYO_PTY_PACKET		= 1 << 0,
	CRYO_PTY_LOCKED		= 1 << 1,
};

/* CRYO_PTY_QUEUE_MAX - most bytes queued one way in a pair's FILE_DATA */
#define CRYO_PTY_QUEUE_MAX	(1024 * 1024)

/**
 * struct cryo_image_pty - a pseudo-terminal pair (since 2.9), 160 bytes:
 *	the FILE_DATA of the first %CRYO_FILE_PTY_MASTER or
 *	%CRYO_FILE_PTY_SLAVE FILE of the pair, followed by @to_slave bytes
 *	then @to_master bytes
 * @slave: the slave's settings: termios and window size as in &struct
 *	cryo_image_tty, whose @flags, @sid and @fg_pgid are 0 (the slave of
 *	a pair is no member's controlling terminal).
 * @master: the master's termios, for inspection: no call changes it
 *	(a master's termios ioctls act on its slave), nor does a thaw (its
 *	window size is the slave's: 0).
 * @flags: &enum cryo_pty_flags.
 * @pktstatus: packet mode: the status byte the master's next read gives
 *	(TIOCPKT_FLUSHREAD ...), 0 for none.
 * @index: the pair's number at the freeze (/dev/pts/N), for messages.
 * @to_slave: bytes written to the master that the slave has not read.
 * @to_master: bytes written to the slave that the master has not read.
 * @__reserved: 0.
 */
struct cryo_image_pty {
	struct cryo_image_tty slave;
	struct cryo_image_tty master;
	__u32 flags;
	__u32 pktstatus;
	__u32 index;
	__u32 to_slave;
	__u32 to_master;
	__u32 __reserved;
};

/**
 * enum cryo_file_flags - &cryo_image_file.flags
 * @CRYO_FILE_UNLINKED: the file has no name left; its contents follow in
 *	FILE_DATA records (regular files; since 2.8 only their data
 *	extents, at their offsets).  Since 2.8 also on a FIFO (its bytes
 *	follow as any FIFO's) or a directory: a thaw makes it again in its
 *	directory and removes it.
 * @CRYO_FILE_LOST: the file could not be saved and was given up under
 *	%CRYO_FREEZE_ACCEPT_LOSS: a kind cryo cannot save, or (with
 *	%CRYO_FILE_UNLINKED, and no FILE_DATA) an unlinked file the target
 *	could not read through this description or the freezer may not
 *	read (since ABI 1.4).
 * @CRYO_FILE_PIPE_ALONE: on a read-only or write-only description of an
 *	anonymous pipe (%CRYO_FILE_PIPE): no description of the pipe's other
 *	end existed anywhere at the freeze (the writer or the reader was
 *	closed), so the image holding none of it is whole: a thaw makes the
 *	pipe and lets its other end go, as it was (since 2.9; before, such
 *	an image needed --inherit-fd for the other end).
 */
enum cryo_file_flags {
	CRYO_FILE_UNLINKED	= 1 << 0,
	CRYO_FILE_LOST		= 1 << 1,
	CRYO_FILE_PIPE_ALONE	= 1 << 2,
};

/*
 * CRYO_PIPE_DATA_MAX - the most bytes one pipe's or FIFO's FILE_DATA may
 * carry.  A freeze of a pipe holding more fails (EFBIG from read()); a
 * thaw refuses an image claiming more.  The default pipe-max-size.
 */
#define CRYO_PIPE_DATA_MAX	(1024 * 1024)

/**
 * struct cryo_image_file - %CRYO_REC_FILE: one open file description,
 * followed by @name_len bytes of path (no NUL)
 * @id: the description's number in this image, from 1; FD records refer
 *	to it.  Descriptors that share a description (dup(2)) share an id.
 * @kind: &enum cryo_file_kind.
 * @open_flags: the description's status flags (O_ACCMODE, O_APPEND,
 *	O_NONBLOCK, O_DIRECT, O_NOATIME, O_LARGEFILE ...).
 * @mode: the inode's mode (type and permissions).
 * @pos: the file position.
 * @dev: the inode's device, new_encode_dev().
 * @ino: the inode's number.
 * @size: the inode's size.
 * @mtime_ns: the inode's mtime.
 * @rdev: the device number of a device file, new_encode_dev().
 * @pipe_id: for pipes and FIFOs, the pipe's inode number, shared by
 *	both ends (with @dev it identifies a FIFO), 0 otherwise.  For a
 *	pseudo-terminal end (since 2.9), the id of the FILE of its pair
 *	that carries the pair's state.
 * @shm: for a memfd (%CRYO_FILE_MEMFD, since 2.5), the
 *	&cryo_image_shm.id of its object (the same field as @pipe_id).
 * @data_size: bytes that follow in FILE_DATA records: the contents of an
 *	unlinked regular file (since 2.8 the sum of its data extents, at
 *	most @size), or the bytes buffered in a pipe or FIFO (sent
 *	with the first end of it in the image, and only when some
 *	description in the image can read the pipe: the bytes of a pipe the
 *	image only writes to stay out; at most %CRYO_PIPE_DATA_MAX).
 * @name_len: bytes of path that follow.
 * @flags: &enum cryo_file_flags.
 */
struct cryo_image_file {
	__u32 id;
	__u32 kind;
	__u32 open_flags;
	__u32 mode;
	__s64 pos;
	__u64 dev;
	__u64 ino;
	__u64 size;
	__s64 mtime_ns;
	__u64 rdev;
	union {
		__u64 pipe_id;
		__u64 shm;
	};
	__u64 data_size;
	__u32 name_len;
	__u32 flags;
};

/**
 * enum cryo_file_state_flags - &cryo_image_file_state.flags
 * @CRYO_EVENTFD_SEMAPHORE: an eventfd made with EFD_SEMAPHORE.
 */
enum cryo_file_state_flags {
	CRYO_EVENTFD_SEMAPHORE	= 1 << 0,
};

/**
 * struct cryo_image_file_state - %CRYO_REC_FILE_STATE: the state of a
 * description the thaw's caller makes anew (since 2.8)
 * @id: the description's &cryo_image_file.id; it follows that FILE record.
 * @kind: its &cryo_image_file.kind.
 * @flags: what the kind says (&enum cryo_file_kind).
 * @__reserved: 0.
 * @args: what the kind says; unused entries 0.
 *
 * One, exactly, after each FILE of kind %CRYO_FILE_EVENTFD,
 * %CRYO_FILE_SIGNALFD, %CRYO_FILE_TIMERFD or (since 2.9)
 * %CRYO_FILE_INOTIFY that is not
 * %CRYO_FILE_LOST; none after any other.
 */
struct cryo_image_file_state {
	__u32 id;
	__u32 kind;
	__u32 flags;
	__u32 __reserved;
	__u64 args[6];
};

/** CRYO_INOTIFY_WATCHES_MAX - most watches of one inotify in an image */
#define CRYO_INOTIFY_WATCHES_MAX	8192
/** CRYO_INOTIFY_WD_MAX - highest watch descriptor an image may hold */
#define CRYO_INOTIFY_WD_MAX		65536

/**
 * struct cryo_image_inotify_watch - %CRYO_REC_INOTIFY_WATCH: one watch of
 * an inotify (%CRYO_FILE_INOTIFY), followed by @name_len bytes of the
 * watched file's path, no NUL (since 2.9)
 * @id: the inotify's &cryo_image_file.id; it follows that FILE's
 *	FILE_STATE and the watches before it.
 * @wd: its watch descriptor, 1 to %CRYO_INOTIFY_WD_MAX, above the
 *	previous watch's.
 * @mask: its mask as the kernel holds it: event bits (IN_ALL_EVENTS)
 *	with IN_ONESHOT and IN_EXCL_UNLINK; no other bit.
 * @__reserved: 0.
 * @dev: the watched inode's device, new_encode_dev().
 * @ino: its inode number.
 * @name_len: bytes of path that follow, 1 to PATH_MAX - 1.
 * @__reserved2: 0.
 *
 * The path names the watched inode itself (a symbolic link is not
 * followed), as the freezer sees it; a thaw adds the watch by it again
 * with this mask, under the restored process's credentials, with the
 * same @wd (Documentation/thaw.rst).
 */
struct cryo_image_inotify_watch {
	__u32 id;
	__s32 wd;
	__u32 mask;
	__u32 __reserved;
	__u64 dev;
	__u64 ino;
	__u32 name_len;
	__u32 __reserved2;
};

/**
 * struct cryo_image_file_data - %CRYO_REC_FILE_DATA, followed by the bytes
 * @id: the file's &cryo_image_file.id.
 * @__reserved: 0.
 * @offset: where these bytes start, in the file or the pipe's buffer.
 */
struct cryo_image_file_data {
	__u32 id;
	__u32 __reserved;
	__u64 offset;
};

/**
 * enum cryo_fd_flags - &cryo_image_fd.flags
 * @CRYO_FD_CLOEXEC: close-on-exec is set.
 */
enum cryo_fd_flags {
	CRYO_FD_CLOEXEC		= 1 << 0,
};

/**
 * struct cryo_image_fd - %CRYO_REC_FD: one file descriptor
 * @fd: its number.
 * @flags: %CRYO_FD_CLOEXEC.
 * @file_id: the &cryo_image_file.id it refers to.
 * @__reserved: 0.
 */
struct cryo_image_fd {
	__u32 fd;
	__u32 flags;
	__u32 file_id;
	__u32 __reserved;
};

/**
 * enum cryo_lock_kind - &cryo_image_lock.kind
 * @CRYO_LOCK_POSIX: a POSIX record lock (fcntl F_SETLK): owned by the
 *	member's fd table, on the file's inode, whichever description of it
 *	the member closes first releases it.
 * @CRYO_LOCK_OFD: an open file description lock (F_OFD_SETLK): owned by
 *	the description, whoever holds it.
 * @CRYO_LOCK_FLOCK: a flock(2) lock: owned by the description; it
 *	covers the whole file (@start 0, @end %CRYO_LOCK_EOF).
 */
enum cryo_lock_kind {
	CRYO_LOCK_POSIX		= 1,
	CRYO_LOCK_OFD		= 2,
	CRYO_LOCK_FLOCK		= 3,
};

/**
 * enum cryo_lock_type - &cryo_image_lock.type
 * @CRYO_LOCK_READ: shared (F_RDLCK, LOCK_SH).
 * @CRYO_LOCK_WRITE: exclusive (F_WRLCK, LOCK_EX).
 */
enum cryo_lock_type {
	CRYO_LOCK_READ		= 1,
	CRYO_LOCK_WRITE		= 2,
};

/** CRYO_LOCK_EOF - &cryo_image_lock.end of a lock that runs to the end of the file, and beyond */
#define CRYO_LOCK_EOF		0x7fffffffffffffffULL

/**
 * struct cryo_image_lock - %CRYO_REC_LOCK: one file lock (since 2.6)
 * @file_id: the &cryo_image_file.id of a description one of the
 *	section's FD records names: the description that owns an OFD or
 *	flock lock, or one through which the member holds the file of a
 *	POSIX lock.
 * @kind: &enum cryo_lock_kind.
 * @type: &enum cryo_lock_type.
 * @__reserved: 0.
 * @start: first byte locked.
 * @end: last byte locked, inclusive; %CRYO_LOCK_EOF for "to the end of
 *	the file, however long it grows" (a length of 0 in fcntl(2)).
 *
 * A section's LOCK records come after its last FD record.  A POSIX lock
 * is in the section of the member whose fd table owns it; an OFD or
 * flock lock is in the section that gave its description's FILE record,
 * once.  Leases are not saved: a freeze refuses them.
 */
struct cryo_image_lock {
	__u32 file_id;
	__u32 kind;
	__u32 type;
	__u32 __reserved;
	__u64 start;
	__u64 end;
};

/*
 * CRYO_EPOLL_EVENTS - the bits &cryo_image_epoll_item.events may hold: the
 * poll events (EPOLLIN ... EPOLLRDHUP, 0x3fff) and EPOLLEXCLUSIVE,
 * EPOLLWAKEUP, EPOLLONESHOT and EPOLLET (bits 28 to 31).
 */
#define CRYO_EPOLL_EVENTS	0xf0003fffU

/**
 * struct cryo_image_epoll_item - %CRYO_REC_EPOLL_ITEM: one item of the
 * interest list of an epoll (since 2.9)
 * @epoll_id: the &cryo_image_file.id of the epoll (%CRYO_FILE_EPOLL).
 * @target_id: the &cryo_image_file.id of the file it watches.
 * @tfd: the fd number the item was added with (epoll_ctl(2)'s fd, which
 *	the kernel keys the item by with the file): the section's FD record
 *	of that number names @target_id.
 * @events: the item's event mask as the kernel holds it, within
 *	%CRYO_EPOLL_EVENTS: the events asked for (EPOLLERR and EPOLLHUP
 *	included, as epoll_ctl(2) adds them) and EPOLLET, EPOLLONESHOT,
 *	EPOLLEXCLUSIVE, EPOLLWAKEUP.  An EPOLLONESHOT item that has fired
 *	holds only those last four bits.
 * @data: the item's user data (&epoll_event.data).
 *
 * A section's EPOLL_ITEM records come after its last FD record (and its
 * LOCK records); the items of an epoll are in the section that gave its
 * FILE record, once, and both the epoll and the target are at fds of
 * that section.  An epoll watched by another (nested) comes before it
 * in the image, its items first.
 */
struct cryo_image_epoll_item {
	__u32 epoll_id;
	__u32 target_id;
	__u32 tfd;
	__u32 events;
	__u64 data;
};

/**
 * struct cryo_image_fs - %CRYO_REC_FS, followed by the exe path, the
 * working directory and the root directory (no NULs)
 * @exe_len: bytes of the executable's path (/proc/PID/exe).
 * @cwd_len: bytes of the working directory's path.
 * @root_len: bytes of the root directory's path.
 * @cwd_mode: since 2.8, when the working directory was deleted (its path
 *	then ends with " (deleted)"): its mode, S_IFDIR and its permission
 *	bits; 0 when it was not.  Before 2.8 reserved, 0.
 *
 * Paths are as the freezer sees them (d_path() against its own root).
 */
struct cryo_image_fs {
	__u32 exe_len;
	__u32 cwd_len;
	__u32 root_len;
	__u32 cwd_mode;
};

/**
 * struct cryo_image_trailer - %CRYO_REC_TRAILER, the last record
 * @nr_records: records before the trailer.
 * @nr_pages: pages in all PAGES records, and since 2.3 in all SHM_PAGES
 *	records.
 * @bytes: bytes of the image before the trailer record.
 */
struct cryo_image_trailer {
	__u64 nr_records;
	__u64 nr_pages;
	__u64 bytes;
};

#endif /* _UAPI_LINUX_CRYO_IMAGE_H */
