/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cryo: process checkpoint/restore in the kernel.
 *
 * This header is the stable ABI between the cryo module, libcryoctl and
 * anything else that drives /dev/cryo.  It is the specification: every
 * command, argument structure and flag is documented here and rendered
 * into Documentation/userspace-api.rst.
 *
 * ABI rules, shared by every command:
 *
 * - Every argument structure starts with ``__u32 size; __u32 flags;``.
 *   ``size`` is sizeof() of the structure as the caller knows it.  The
 *   kernel accepts any size from the command's first published size up
 *   to one page: a smaller size is refused with EINVAL; bytes the kernel
 *   does not know about must be zero (else E2BIG); fields the caller does
 *   not know about are taken as zero.  Output fields are copied back only
 *   as far as the caller's size reaches.
 * - Unknown bits in ``flags`` are refused with EINVAL, before any work.
 * - Padding is explicit, named ``__reserved*``, and must be zero (EINVAL).
 * - User pointers are passed as __u64.
 * - An unknown command number gives ENOTTY.
 */
#ifndef _UAPI_LINUX_CRYO_H
#define _UAPI_LINUX_CRYO_H

#include <linux/ioctl.h>
#include <linux/types.h>

/** CRYO_DEVICE_NAME - name of the misc device, /dev/cryo */
#define CRYO_DEVICE_NAME	"cryo"

/*
 * ABI version.  The major number changes only when an existing command
 * or structure changes incompatibly; the minor number grows whenever a
 * command, flag or field is added.  A caller built against major M works
 * with any module whose major is M.
 */
#define CRYO_ABI_MAJOR		1
#define CRYO_ABI_MINOR		13

/**
 * enum cryo_feature - capabilities a module reports in &cryo_version.features
 * @CRYO_FEATURE_VERSION: %CRYO_IOC_VERSION is available (always set).
 * @CRYO_FEATURE_FREEZE: %CRYO_IOC_FREEZE, read() of the image and
 *                       %CRYO_IOC_COMMIT are available.
 * @CRYO_FEATURE_THAW: %CRYO_IOC_THAW and the commands of its protocol
 *                     (%CRYO_IOC_THAW_RESTORE, %CRYO_IOC_THAW_THREAD,
 *                     %CRYO_IOC_THAW_FINISH, %CRYO_IOC_THAW_STATUS).
 * @CRYO_FEATURE_REMAP: %CRYO_IOC_REMAP.
 * @CRYO_FEATURE_NETLINK: the generic netlink family %CRYO_GENL_NAME:
 *	events and session queries (ABI 1.2).
 * @CRYO_FEATURE_ALL: every feature bit this header knows about.
 *
 * A bit is set only when the loaded module implements the feature, so a
 * caller can test for a command before issuing it.  Later minor versions
 * add bits; a caller must ignore bits it does not know.
 */
enum cryo_feature {
	CRYO_FEATURE_VERSION	= 1 << 0,
	CRYO_FEATURE_FREEZE	= 1 << 1,
	CRYO_FEATURE_THAW	= 1 << 2,
	CRYO_FEATURE_REMAP	= 1 << 3,
	CRYO_FEATURE_NETLINK	= 1 << 4,
	CRYO_FEATURE_ALL	= CRYO_FEATURE_VERSION | CRYO_FEATURE_FREEZE |
				  CRYO_FEATURE_THAW | CRYO_FEATURE_REMAP |
				  CRYO_FEATURE_NETLINK,
};

/*
 * ioctl numbers.  As in iommufd, the structure size is not encoded in the
 * number: it travels in the structure's ``size`` field, so a structure
 * can grow without a new command number.
 */
#define CRYO_IOC_TYPE		0xC7

enum {
	CRYO_CMD_VERSION	= 0x00,
	CRYO_CMD_FREEZE		= 0x01,
	CRYO_CMD_COMMIT		= 0x02,
	CRYO_CMD_THAW		= 0x03,
	CRYO_CMD_THAW_RESTORE	= 0x04,
	CRYO_CMD_THAW_THREAD	= 0x05,
	CRYO_CMD_THAW_FINISH	= 0x06,
	CRYO_CMD_THAW_STATUS	= 0x07,
	CRYO_CMD_REMAP		= 0x08,
	CRYO_CMD_THAW_MEMBER	= 0x09,
	CRYO_CMD_THAW_SHM	= 0x0a,
	CRYO_CMD_THAW_ATTACH	= 0x0b,
	CRYO_CMD_THAW_EPOLL	= 0x12,
	CRYO_CMD_THAW_INOTIFY	= 0x0c,
	CRYO_CMD_THAW_TIMERS	= 0x0d,
};

/**
 * struct cryo_version - ABI version and features of the loaded module
 * @size: sizeof(struct cryo_version) as the caller knows it; at least
 *        %CRYO_VERSION_SIZE_VER0.
 * @flags: must be 0.
 * @abi_major: out: %CRYO_ABI_MAJOR of the module.
 * @abi_minor: out: %CRYO_ABI_MINOR of the module.
 * @features: out: &enum cryo_feature bits the module implements.
 *
 * Issued as ``ioctl(fd, CRYO_IOC_VERSION, &v)``; returns 0.
 * Errors: EFAULT (bad pointer), EINVAL (@size too small, unknown @flags),
 * E2BIG (@size larger than known with nonzero trailing bytes).
 */
struct cryo_version {
	__u32 size;
	__u32 flags;
	__u32 abi_major;
	__u32 abi_minor;
	__u64 features;
};

/** CRYO_VERSION_SIZE_VER0 - first published size of &struct cryo_version */
#define CRYO_VERSION_SIZE_VER0	24

/** CRYO_IOC_VERSION - query the ABI version, see &struct cryo_version */
#define CRYO_IOC_VERSION	_IO(CRYO_IOC_TYPE, CRYO_CMD_VERSION)

/**
 * enum cryo_freeze_flags - &cryo_freeze.flags
 * @CRYO_FREEZE_KILL: once the image is complete and the caller has issued
 *	%CRYO_IOC_COMMIT, kill the target (SIGKILL).  Without COMMIT the
 *	target is resumed when the file is closed: an interrupted freeze never
 *	costs the target its life.
 * @CRYO_FREEZE_LEAVE_FROZEN: keep the target parked after the image is
 *	complete, until the file is closed (then resume it, or kill it if
 *	%CRYO_FREEZE_KILL was given and committed).
 * @CRYO_FREEZE_ACCEPT_LOSS: do not refuse the freeze because of state
 *	cryo cannot save (an fd of an unsupported kind, an unlinked file the
 *	caller may not read, a file lock or lease, a child process, a seccomp
 *	filter); freeze without it and record the loss in the image where it
 *	has a record (%CRYO_FILE_LOST).  Locks, leases, children and filters
 *	are simply not in the image.  Never lifts a refusal of access
 *	(EPERM), nor one of sharing (a memory, fd table or fs_struct shared
 *	with a process outside the image).
 * @CRYO_FREEZE_SNAPSHOT: a checkpoint that holds the target for less:
 *	once the stream reaches the root's page contents (every record
 *	before them has been read), build the rest of the image into memory
 *	of the caller's (charged to its memory cgroup) while the whole tree
 *	is still parked: a copy of every page to save, the members' and the
 *	shared memory objects', and, for a tree, every record of the other
 *	members (registers, signals, files, the bytes in pipes...).  Then
 *	resume the tree and stream the rest from that copy: the image is one
 *	moment of the whole tree, as without the flag.  The tree is then
 *	held for the root's metadata and one in-kernel copy instead of the
 *	whole stream, at the price of as much memory as the pages saved
 *	(and the other members' records), freed as they are read.  If that
 *	memory cannot be had, read() fails with ENOMEM and the tree is
 *	resumed untouched.  Only for a checkpoint: with %CRYO_FREEZE_KILL or
 *	%CRYO_FREEZE_LEAVE_FROZEN it is refused (EINVAL).  Since ABI 1.3;
 *	of a tree of more than one process since ABI 1.7 (EOPNOTSUPP
 *	before).
 * @CRYO_FREEZE_ALL: all valid flags.
 *
 * Without %CRYO_FREEZE_KILL or %CRYO_FREEZE_LEAVE_FROZEN the target is
 * resumed as soon as the last byte of the image has been read (a
 * checkpoint), or with %CRYO_FREEZE_SNAPSHOT once the rest of its image
 * is copied.
 * KILL and LEAVE_FROZEN together are refused (EINVAL).
 */
enum cryo_freeze_flags {
	CRYO_FREEZE_KILL		= 1 << 0,
	CRYO_FREEZE_LEAVE_FROZEN	= 1 << 1,
	CRYO_FREEZE_ACCEPT_LOSS		= 1 << 2,
	CRYO_FREEZE_SNAPSHOT		= 1 << 3,
	CRYO_FREEZE_ALL			= CRYO_FREEZE_KILL |
					  CRYO_FREEZE_LEAVE_FROZEN |
					  CRYO_FREEZE_ACCEPT_LOSS |
					  CRYO_FREEZE_SNAPSHOT,
};

/**
 * enum cryo_refusal - why a freeze was refused, &cryo_freeze.refusal
 * @CRYO_REFUSAL_NONE: not refused (or an error that is not a refusal).
 * @CRYO_REFUSAL_ACCESS: EPERM: a thread's uids or gids are not all the
 *	caller's real uid and gid, or the target is not dumpable (set-user-ID,
 *	PR_SET_DUMPABLE 0), and the caller lacks %CAP_SYS_PTRACE over the
 *	target's (or its memory's) user namespace.  @refusal_id: the thread.
 * @CRYO_REFUSAL_CAPS: EPERM: a thread's permitted capabilities are not
 *	within the caller's (or it lives in another user namespace), and the
 *	caller lacks %CAP_SYS_PTRACE over its user namespace.  @refusal_id:
 *	the thread.
 * @CRYO_REFUSAL_PTRACE: EPERM: the kernel's own ptrace attach check,
 *	which includes the LSM hooks (Yama's ptrace_scope, AppArmor,
 *	SELinux ...), refused: the module opens the target's /proc/PID/mem
 *	for reading on the caller's behalf, and that open failed.
 *	@refusal_id: the target.
 * @CRYO_REFUSAL_FD_KIND: EOPNOTSUPP: file descriptor @refusal_id is of a
 *	kind cryo cannot save (a socket, an eventfd ...).
 * @CRYO_REFUSAL_UNREADABLE_FILE: EACCES: file descriptor @refusal_id is
 *	an unlinked file whose contents would go into the image, but the
 *	target opened it without read access (write-only, O_PATH) or the
 *	caller may not read it.
 * @CRYO_REFUSAL_LOCK_POSIX: EOPNOTSUPP: the target holds a POSIX record
 *	lock (fcntl F_SETLK) on the file of descriptor @refusal_id.
 * @CRYO_REFUSAL_LOCK_OFD: EOPNOTSUPP: an open file description lock
 *	(F_OFD_SETLK) on descriptor @refusal_id.
 * @CRYO_REFUSAL_LOCK_FLOCK: EOPNOTSUPP: a flock(2) lock on descriptor
 *	@refusal_id.
 * @CRYO_REFUSAL_LEASE: EOPNOTSUPP: a lease (F_SETLEASE) on descriptor
 *	@refusal_id.
 * @CRYO_REFUSAL_CHILD: EOPNOTSUPP: the target has a child process
 *	(running or a zombie), @refusal_id, which the image would not hold.
 * @CRYO_REFUSAL_SECCOMP: EOPNOTSUPP: thread @refusal_id runs under a
 *	seccomp filter (or strict mode), which a thaw cannot restore.
 * @CRYO_REFUSAL_SHARED_MM: EOPNOTSUPP, even with
 *	%CRYO_FREEZE_ACCEPT_LOSS: process @refusal_id, outside the target,
 *	shares its memory (clone(CLONE_VM) without CLONE_THREAD, vfork).
 * @CRYO_REFUSAL_SHARED_FILES: EOPNOTSUPP, even with
 *	%CRYO_FREEZE_ACCEPT_LOSS: process @refusal_id shares the fd table
 *	(CLONE_FILES) of process &cryo_freeze.refusal_pid of the tree, or
 *	thread @refusal_id of the target has an fd table of its own
 *	(unshare(CLONE_FILES)).  Since ABI 1.8 members of the tree may share
 *	one when they are a chain of parent and child members, as clone()
 *	made them (&enum cryo_member_flags): refused is a sharer outside
 *	the tree, or two members sharing it whose parents do not (children
 *	of one parent after CLONE_PARENT: @refusal_id is the later one in
 *	the tree, &cryo_freeze.refusal_pid the first).
 * @CRYO_REFUSAL_SHARED_FS: EOPNOTSUPP, even with
 *	%CRYO_FREEZE_ACCEPT_LOSS: as %CRYO_REFUSAL_SHARED_FILES, for the
 *	root, working directory and umask (CLONE_FS).
 * @CRYO_REFUSAL_AMX: EOPNOTSUPP, even with %CRYO_FREEZE_ACCEPT_LOSS:
 *	process @refusal_id has asked for AMX tile data
 *	(arch_prctl(ARCH_REQ_XCOMP_PERM)), which the image cannot hold.
 * @CRYO_REFUSAL_SQPOLL: EOPNOTSUPP, even with %CRYO_FREEZE_ACCEPT_LOSS:
 *	thread @refusal_id is an io_uring SQPOLL thread of the target, which
 *	cannot be parked without holding a lock others would wait on.
 * @CRYO_REFUSAL_MAPPING: EOPNOTSUPP: the target maps a file a thaw could
 *	not map again: one that was deleted (an executable or library
 *	replaced since it was mapped, a memfd, a SysV shared memory segment)
 *	or one that is not a regular file (a device, an io_uring ring).
 *	Since ABI 1.9 a memfd's mapping is saved (but in a snapshot).
 *	With %CRYO_FREEZE_ACCEPT_LOSS the image is made (for forensics) and
 *	a thaw of it fails, naming the mapping.  @refusal_id: the mapping's
 *	line in /proc/PID/maps, from 0.  Since ABI 1.5.
 * @CRYO_REFUSAL_PIPE_OUTSIDE: EOPNOTSUPP: file descriptor @refusal_id of
 *	process &cryo_freeze.refusal_pid is an end of a pipe whose other end
 *	(or another description of it) is held by a process outside the
 *	tree: the image could not hold what goes through it.  With
 *	%CRYO_FREEZE_ACCEPT_LOSS the image is made, and a thaw needs
 *	``--inherit-fd`` for it.  Since ABI 1.6.
 * @CRYO_REFUSAL_SHARED_MEMORY: EOPNOTSUPP: process
 *	&cryo_freeze.refusal_pid has a shared anonymous mapping (line
 *	@refusal_id of its /proc/PID/maps) that another process maps too: a
 *	thaw would give each its own copy, and their writes would no longer
 *	meet.  With %CRYO_FREEZE_ACCEPT_LOSS each gets its copy.  Since ABI
 *	1.6.  Since ABI 1.9 a mapping of a memfd too.
 * @CRYO_REFUSAL_MEMFD_FD: EOPNOTSUPP: file descriptor @refusal_id is a
 *	memfd made with ``MFD_HUGETLB`` or by memfd_secret(2), whose pages
 *	cryo cannot save.  With %CRYO_FREEZE_ACCEPT_LOSS it is saved as lost.
 *	Since ABI 1.9.
 * @CRYO_REFUSAL_MEMFD_MAPPING: EOPNOTSUPP: line @refusal_id of the
 *	/proc/PID/maps of process &cryo_freeze.refusal_pid maps such a
 *	memfd.  With %CRYO_FREEZE_ACCEPT_LOSS the image is made, and a thaw
 *	of it fails.  Since ABI 1.9.
 * @CRYO_REFUSAL_MEMFD_OUTSIDE: EOPNOTSUPP: file descriptor @refusal_id
 *	of process &cryo_freeze.refusal_pid is a memfd that a process
 *	outside the tree holds too (its descriptor passed on, or another
 *	description of it): the thawed tree would have a memfd of its own.
 *	A memfd only mapped by the members is named by
 *	%CRYO_REFUSAL_SHARED_MEMORY and its mapping.  With
 *	%CRYO_FREEZE_ACCEPT_LOSS the image is made.  Since ABI 1.9.
 * @CRYO_REFUSAL_SCHED_DEADLINE: EOPNOTSUPP: thread @refusal_id runs under
 *	SCHED_DEADLINE, which a thaw cannot give back without an admission
 *	test that may fail after the point of no return.  With
 *	%CRYO_FREEZE_ACCEPT_LOSS the image holds it as SCHED_OTHER.  Since
 *	image format 2.7 and ABI 1.11.
 * @CRYO_REFUSAL_FANOTIFY: EOPNOTSUPP: file descriptor @refusal_id of
 *	process &cryo_freeze.refusal_pid is a fanotify group
 *	(fanotify_init(2)), whose marks and permission events cryo cannot
 *	save.  With %CRYO_FREEZE_ACCEPT_LOSS it is saved as lost (a thaw
 *	then needs ``--inherit-fd``).  Since ABI 1.12; before, such an fd
 *	was refused as %CRYO_REFUSAL_FD_KIND.
 * @CRYO_REFUSAL_OPATH_UNLINKED: EOPNOTSUPP: file descriptor @refusal_id
 *	of process &cryo_freeze.refusal_pid is an ``O_PATH`` description of
 *	a symbolic link, socket or block device whose inode has no name left
 *	(unlinked): a thaw could not open it again.  With
 *	%CRYO_FREEZE_ACCEPT_LOSS it is saved as lost.  Since ABI 1.12.
 * @CRYO_REFUSAL_EVENTFD_FLAGS: EOPNOTSUPP: file descriptor @refusal_id
 *	is an eventfd whose flags (EFD_SEMAPHORE) this kernel shows nowhere
 *	cryo can read them soundly.  With %CRYO_FREEZE_ACCEPT_LOSS it is
 *	saved as lost.  Since image format 2.8 and ABI 1.12, as are the
 *	three below.
 * @CRYO_REFUSAL_TIMERFD_ALARM: EOPNOTSUPP: file descriptor @refusal_id
 *	is a timerfd on CLOCK_REALTIME_ALARM or CLOCK_BOOTTIME_ALARM, which
 *	only a process with CAP_WAKE_ALARM may make again.
 * @CRYO_REFUSAL_TIMERFD_CANCEL: EOPNOTSUPP: file descriptor @refusal_id
 *	is a timerfd armed with TFD_TIMER_CANCEL_ON_SET, whose cancelled
 *	state the kernel shows nowhere.
 * @CRYO_REFUSAL_DELETED_TOO_BIG: EFBIG: the contents of the unlinked
 *	files the tree holds (the bytes of their data extents, each open
 *	file description once) would exceed &cryo_freeze.max_deleted_data;
 *	@refusal_id is the file descriptor of process
 *	&cryo_freeze.refusal_pid at which the sum went over.  With
 *	%CRYO_FREEZE_ACCEPT_LOSS the files past the limit are saved as lost.
 *	Since ABI 1.12.
 * @CRYO_REFUSAL_PTY_MASTER: EOPNOTSUPP: file descriptor @refusal_id of
 *	process &cryo_freeze.refusal_pid is the master side of a
 *	pseudo-terminal (/dev/ptmx): its pair, the bytes buffered in it and
 *	its slave's settings are not saved, and a thaw cannot open it again.
 *	With %CRYO_FREEZE_ACCEPT_LOSS the image is made, and a thaw needs
 *	``--inherit-fd`` for it.  Since ABI 1.12; since ABI 1.13 not given:
 *	a master is saved with its pair (%CRYO_FILE_PTY_MASTER).
 * @CRYO_REFUSAL_SIGQUEUE: EOPNOTSUPP: process @refusal_id has more than
 *	%CRYO_IMAGE_MAX_SIGINFO signals queued (its threads' queues and the
 *	shared one together).  With %CRYO_FREEZE_ACCEPT_LOSS the image holds
 *	the first %CRYO_IMAGE_MAX_SIGINFO, thread by thread then the shared
 *	queue.  Since image format 2.8 and ABI 1.12.
 * @CRYO_REFUSAL_POSIX_TIMER: EOPNOTSUPP: the process
 *	(&cryo_freeze.refusal_pid) has a POSIX timer (timer_create(2)),
 *	@refusal_id its id, which a thaw cannot make again in this version.
 *	With %CRYO_FREEZE_ACCEPT_LOSS the image has no timer; a signal of
 *	it already queued is kept (SIGINFO, si_code SI_TIMER).  Since ABI
 *	1.12; earlier modules lost the timers silently.
 * @CRYO_REFUSAL_CPU_ITIMER: EOPNOTSUPP: process @refusal_id has
 *	ITIMER_VIRTUAL or ITIMER_PROF armed (setitimer(2)), which the image
 *	does not hold in this version (ITIMER_REAL it does).  With
 *	%CRYO_FREEZE_ACCEPT_LOSS the timer is lost.  Since ABI 1.12; earlier
 *	modules lost it silently.
 * @CRYO_REFUSAL_EPOLL_TARGET: EOPNOTSUPP: the epoll at file descriptor
 *	@refusal_id of process &cryo_freeze.refusal_pid watches a file
 *	through fd number &cryo_freeze.bad_fd (the "tfd" of
 *	/proc/PID/fdinfo) that this process no longer holds at that number
 *	(closed, or replaced by dup2(2), while another descriptor keeps the
 *	file registered): a thaw could not add the item back where the
 *	program's epoll_ctl(2) would find it.  With
 *	%CRYO_FREEZE_ACCEPT_LOSS the epoll is saved as lost.  Since image
 *	format 2.9 and ABI 1.13, as is the one below.
 * @CRYO_REFUSAL_EPOLL_TOO_MANY: EOPNOTSUPP: the epoll at file descriptor
 *	@refusal_id of process &cryo_freeze.refusal_pid watches more files
 *	than an image holds (65536 items).  With
 *	%CRYO_FREEZE_ACCEPT_LOSS it is saved as lost.
 * @CRYO_REFUSAL_INOTIFY_PATH: EOPNOTSUPP: file descriptor @refusal_id of
 *	process &cryo_freeze.refusal_pid is an inotify with a watch on an
 *	inode that has no path a thaw could add it by again: unlinked, no
 *	longer in the dentry cache, or on no mount of the process's root,
 *	working directory or open files, or a path that does not lead back to
 *	it (the kernel log names the watch descriptor).  With
 *	%CRYO_FREEZE_ACCEPT_LOSS the inotify is lost (a thaw needs
 *	``--inherit-fd`` for it).  Since ABI 1.13.
 * @CRYO_REFUSAL_INOTIFY_QUEUE: EOPNOTSUPP: file descriptor @refusal_id
 *	of process &cryo_freeze.refusal_pid is an inotify with events queued
 *	and not yet read, which a thaw cannot queue again.  With
 *	%CRYO_FREEZE_ACCEPT_LOSS the inotify is lost, as above.  Since ABI
 *	1.13.
 * @CRYO_REFUSAL_INOTIFY_WD: EOPNOTSUPP: file descriptor @refusal_id of
 *	process &cryo_freeze.refusal_pid is an inotify with a watch
 *	descriptor above %CRYO_INOTIFY_WD_MAX or more than
 *	%CRYO_INOTIFY_WATCHES_MAX watches.  With %CRYO_FREEZE_ACCEPT_LOSS
 *	the inotify is lost, as above.  Since ABI 1.13.
 *	modules lost it silently.  Since ABI 1.13 these are saved and this
 *	reason is no longer given.
 * @CRYO_REFUSAL_POSIX_TIMER_LIMIT: EOPNOTSUPP: POSIX timer @refusal_id of
 *	process &cryo_freeze.refusal_pid has an id above
 *	%CRYO_IMAGE_MAX_POSIX_TIMER_ID, or is one more than the
 *	%CRYO_IMAGE_MAX_POSIX_TIMERS an image holds.  With
 *	%CRYO_FREEZE_ACCEPT_LOSS it is left out.  Since ABI 1.13.
 * @CRYO_REFUSAL_POSIX_TIMER_CLOCK: EOPNOTSUPP: POSIX timer @refusal_id of
 *	process &cryo_freeze.refusal_pid counts a CPU-time clock
 *	(CLOCK_PROCESS_CPUTIME_ID, a thread's clock) or an alarm clock,
 *	which a thaw does not make again.  With %CRYO_FREEZE_ACCEPT_LOSS it
 *	is left out.  Since ABI 1.13.
 * @CRYO_REFUSAL_POSIX_TIMER_NOTIFY: EOPNOTSUPP: POSIX timer @refusal_id of
 *	process &cryo_freeze.refusal_pid notifies in a way the image cannot
 *	hold (SIGEV_THREAD_ID to a thread that is not saved, an unknown
 *	sigev_notify).  With %CRYO_FREEZE_ACCEPT_LOSS it is left out.
 *	Since ABI 1.13.
 * @CRYO_REFUSAL_PTY_QUEUE: EOPNOTSUPP: file descriptor @refusal_id of
 *	process &cryo_freeze.refusal_pid is a pseudo-terminal end of a pair
 *	in the image with bytes queued for an end whose line discipline
 *	processes its input (canonical mode, echo, signals, input
 *	translations): the bytes are already processed and cannot be put
 *	back as they were; or queued for a slave no member holds open.
 *	Since ABI 1.13.
 * @CRYO_REFUSAL_PTY_OUTSIDE: EOPNOTSUPP: file descriptor @refusal_id is
 *	the master of a pseudo-terminal whose slave a process outside the
 *	image holds open, which a thaw would leave on the old pair.  Since
 *	ABI 1.13.
 * @CRYO_REFUSAL_PTY_CTTY: EOPNOTSUPP: file descriptor @refusal_id is an
 *	end of a pseudo-terminal pair in the image whose slave is the
 *	controlling terminal of a member's session, which this version does
 *	not make again on the new pair.  Since ABI 1.13.
 * @CRYO_REFUSAL_DELETED_MAPPING_TOO_BIG: EFBIG: line @refusal_id (from 0)
 *	of /proc/PID/maps of process &cryo_freeze.refusal_pid maps a deleted
 *	regular file whose contents (its data extents, each open file
 *	description once, counted with the unlinked files the tree holds as
 *	descriptors) would exceed &cryo_freeze.max_deleted_data.  With
 *	%CRYO_FREEZE_ACCEPT_LOSS the file is saved as lost and a thaw fails,
 *	naming the mapping.  Since ABI 1.13.
 * @CRYO_REFUSAL_DELETED_MAPPING_UNREADABLE: EACCES: as
 *	%CRYO_REFUSAL_DELETED_MAPPING_TOO_BIG, a deleted file the freezer may
 *	not read.  Since ABI 1.13.
 * @CRYO_REFUSAL_DELETED_MAPPING_SHARED_FILES: EOPNOTSUPP: as
 *	%CRYO_REFUSAL_DELETED_MAPPING_TOO_BIG, a deleted file mapped by a
 *	member that shares its parent member's fd table
 *	(%CRYO_MEMBER_SHARES_FILES), whose section holds no FILE record.
 *	With %CRYO_FREEZE_ACCEPT_LOSS a thaw fails, naming the mapping.
 *	Since ABI 1.13.
 * @CRYO_REFUSAL_CHROOT: EOPNOTSUPP: process @refusal_id runs with a root
 *	directory other than the freezer's (chroot(2), pivot_root(2), or
 *	another mount namespace's root): a thaw could not put it back there,
 *	and at the thawing caller's root it would reach more of the file
 *	system than it could.  With %CRYO_FREEZE_ACCEPT_LOSS the image is
 *	made (for forensics), and a thaw refuses it (EPERM).  Since ABI
 *	1.13; earlier thaws gave such a process the caller's root.
 *
 * Since ABI 1.4.  Later versions may add reasons: show an unknown one by
 * its number.
 */
enum cryo_refusal {
	CRYO_REFUSAL_NONE		= 0,
	CRYO_REFUSAL_ACCESS		= 1,
	CRYO_REFUSAL_CAPS		= 2,
	CRYO_REFUSAL_PTRACE		= 3,
	CRYO_REFUSAL_FD_KIND		= 4,
	CRYO_REFUSAL_UNREADABLE_FILE	= 5,
	CRYO_REFUSAL_LOCK_POSIX		= 6,
	CRYO_REFUSAL_LOCK_OFD		= 7,
	CRYO_REFUSAL_LOCK_FLOCK		= 8,
	CRYO_REFUSAL_LEASE		= 9,
	CRYO_REFUSAL_CHILD		= 10,
	CRYO_REFUSAL_SECCOMP		= 11,
	CRYO_REFUSAL_SHARED_MM		= 12,
	CRYO_REFUSAL_SHARED_FILES	= 13,
	CRYO_REFUSAL_SHARED_FS		= 14,
	CRYO_REFUSAL_AMX		= 15,
	CRYO_REFUSAL_SQPOLL		= 16,
	CRYO_REFUSAL_MAPPING		= 17,
	CRYO_REFUSAL_PIPE_OUTSIDE	= 18,
	CRYO_REFUSAL_SHARED_MEMORY	= 19,
	CRYO_REFUSAL_MEMFD_FD		= 20,
	CRYO_REFUSAL_MEMFD_MAPPING	= 21,
	CRYO_REFUSAL_MEMFD_OUTSIDE	= 22,
	CRYO_REFUSAL_SCHED_DEADLINE	= 23,
	CRYO_REFUSAL_PTY_MASTER		= 44,
	CRYO_REFUSAL_FANOTIFY		= 34,
	CRYO_REFUSAL_OPATH_UNLINKED	= 35,
	CRYO_REFUSAL_EVENTFD_FLAGS	= 24,
	CRYO_REFUSAL_TIMERFD_ALARM	= 25,
	CRYO_REFUSAL_TIMERFD_CANCEL	= 26,
	CRYO_REFUSAL_DELETED_TOO_BIG	= 40,
	CRYO_REFUSAL_SIGQUEUE		= 36,
	CRYO_REFUSAL_POSIX_TIMER	= 37,
	CRYO_REFUSAL_CPU_ITIMER		= 38,
	CRYO_REFUSAL_EPOLL_TARGET	= 28,
	CRYO_REFUSAL_EPOLL_TOO_MANY	= 29,
	CRYO_REFUSAL_INOTIFY_PATH	= 32,
	CRYO_REFUSAL_INOTIFY_QUEUE	= 33,
	CRYO_REFUSAL_INOTIFY_WD		= 45,
	CRYO_REFUSAL_POSIX_TIMER_LIMIT	= 39,
	CRYO_REFUSAL_POSIX_TIMER_CLOCK	= 46,
	CRYO_REFUSAL_POSIX_TIMER_NOTIFY	= 48,
	CRYO_REFUSAL_PTY_QUEUE		= 47,
	CRYO_REFUSAL_PTY_OUTSIDE	= 50,
	CRYO_REFUSAL_PTY_CTTY		= 51,
	CRYO_REFUSAL_DELETED_MAPPING_TOO_BIG	= 41,
	CRYO_REFUSAL_DELETED_MAPPING_UNREADABLE	= 42,
	CRYO_REFUSAL_DELETED_MAPPING_SHARED_FILES = 43,
	CRYO_REFUSAL_CHROOT		= 52,
};

/**
 * struct cryo_freeze - freeze a process tree into this session's read stream
 * @size: sizeof(struct cryo_freeze); at least %CRYO_FREEZE_SIZE_VER0.
 * @flags: &enum cryo_freeze_flags.
 * @pid: the target, a thread-group id in the caller's pid namespace.  The
 *	image holds it and all its descendants (every thread of each), and
 *	its descendants' zombies: the tree, parked as one moment.
 * @timeout_ms: how long every thread may take to park; 0 means the
 *	default (%CRYO_FREEZE_TIMEOUT_DEFAULT_MS).  At most 60000.
 * @nr_threads: out: threads parked.
 * @bad_fd: out: with EOPNOTSUPP or EACCES, the file descriptor the
 *	refusal is about (see @refusal), -1 when it is about none.  Ignored
 *	on input.
 * @refusal: out: why the freeze was refused, &enum cryo_refusal;
 *	%CRYO_REFUSAL_NONE on success and for errors that are not a refusal
 *	(ESRCH, EBUSY, EINTR ...).  Ignored on input.  Since ABI 1.4.
 * @refusal_id: out: the fd, thread or process id the refusal names, in
 *	the caller's pid namespace (see &enum cryo_refusal); 0 when there is
 *	none or it is not visible there.  Ignored on input.  Since ABI 1.4.
 * @nr_processes: out: processes in the image (the tree's members, zombies
 *	included).  Since ABI 1.6, as is @refusal_pid.
 * @refusal_pid: out: the member of the tree a refusal of an fd or a
 *	mapping is about (its pid in the caller's namespace), 0 for others.
 * @max_deleted_data: the most bytes of unlinked files' contents the image
 *	may carry, all files together (their data extents: holes are not
 *	counted); 0 means the default, %CRYO_DELETED_DATA_DEFAULT.  Above
 *	it the freeze is refused (%CRYO_REFUSAL_DELETED_TOO_BIG).  Since
 *	ABI 1.12: an older caller's smaller structure gets the default.
 *
 * Issued as ``ioctl(fd, CRYO_IOC_FREEZE, &f)``.  On success every thread
 * of the target is parked in the kernel and read() on the same file
 * yields the image until EOF.
 *
 * Errors: ESRCH (no such process, a zombie or an exiting one, a kernel
 * thread, pid <= 0), EPERM (not allowed to freeze it: see
 * Documentation/userspace-api.rst; also the caller's own thread group and
 * pid 1 of the initial namespace), EBUSY (already held by a session, or a
 * thread did not park within @timeout_ms: the target is resumed
 * untouched), EALREADY (this session already froze a process), EINVAL
 * (flags, timeout), EINTR (the caller was killed while waiting; the
 * target is resumed), EOPNOTSUPP (state cryo cannot save, named by
 * @refusal: an open file of a kind cryo cannot save, a lock, a child, a
 * seccomp filter, something shared with a process outside the image; the
 * target is resumed), EACCES (an unlinked file the caller may not read,
 * see @bad_fd), EIO (a thread could not save its state).
 *
 * The structure is copied back, as far as @size reaches, on success, with
 * EOPNOTSUPP, and with every error that sets @refusal.
 */
struct cryo_freeze {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__u32 timeout_ms;
	__u32 nr_threads;
	__s32 bad_fd;
	__u32 refusal;
	__s32 refusal_id;
	__u32 nr_processes;
	__s32 refusal_pid;
	__u64 max_deleted_data;
};

#define CRYO_FREEZE_SIZE_VER0		24
/* CRYO_FREEZE_SIZE_VER1 - with @refusal and @refusal_id (ABI 1.4) */
#define CRYO_FREEZE_SIZE_VER1		32
/* CRYO_FREEZE_SIZE_VER2 - with @nr_processes and @refusal_pid (ABI 1.6) */
#define CRYO_FREEZE_SIZE_VER2		40
/* CRYO_FREEZE_SIZE_VER3 - with @max_deleted_data (ABI 1.12) */
#define CRYO_FREEZE_SIZE_VER3		48
/*
 * CRYO_DELETED_DATA_DEFAULT - the unlinked files' contents an image may
 * carry when the caller says nothing (&cryo_freeze.max_deleted_data 0).
 */
#define CRYO_DELETED_DATA_DEFAULT	(1024 * 1024)
#define CRYO_FREEZE_TIMEOUT_DEFAULT_MS	5000
#define CRYO_FREEZE_TIMEOUT_MAX_MS	60000

/**
 * struct cryo_commit - the image is safely stored
 * @size: sizeof(struct cryo_commit); at least %CRYO_COMMIT_SIZE_VER0.
 * @flags: must be 0.
 *
 * Issued after the whole image has been read and stored.  Only then is a
 * %CRYO_FREEZE_KILL carried out; with other flags it ends the session's
 * hold on the target at once (resume, %CRYO_FREEZE_LEAVE_FROZEN too).
 * Errors: ENOENT (no freeze in this session), EAGAIN (the image has not
 * been read to EOF yet).
 */
struct cryo_commit {
	__u32 size;
	__u32 flags;
};

#define CRYO_COMMIT_SIZE_VER0	8

/** CRYO_IOC_FREEZE - park a process and stream it, see &struct cryo_freeze */
#define CRYO_IOC_FREEZE		_IO(CRYO_IOC_TYPE, CRYO_CMD_FREEZE)
/** CRYO_IOC_COMMIT - the image is stored, see &struct cryo_commit */
#define CRYO_IOC_COMMIT		_IO(CRYO_IOC_TYPE, CRYO_CMD_COMMIT)

/*
 * Thaw.
 *
 * A thaw turns a fresh process into the one an image describes.  It is a
 * short protocol on one session (one open /dev/cryo file):
 *
 * 1. The tool (cryoctl) issues %CRYO_IOC_THAW with the image's fd.  The
 *    module reads and checks every record before the first PAGES record,
 *    opens every file and mapped file with the caller's credentials and
 *    checks its identity.  Nothing of the caller changes.  It reports the
 *    thread ids, how many pipes and which other objects (eventfds,
 *    signalfds, timerfds: &struct cryo_thaw_object) the library must
 *    create and a free address range for the *stub*.
 * 2. The tool creates the pipes and objects, then forks the process R that becomes
 *    the restored one (with clone3 set_tid for the same pid, if asked).
 *    R blocks every signal, maps the stub region at the hint and copies
 *    into it position-independent code that makes only raw system calls.
 *    From here R runs only the stub.
 * 3. The stub creates the other threads (raw clone3 with CLONE_THREAD and
 *    CLONE_CHILD_CLEARTID); each issues %CRYO_IOC_THAW_THREAD and waits.
 * 4. The stub issues %CRYO_IOC_THAW_RESTORE.  Once every thread waits,
 *    the module passes the point of no return: it unmaps everything but
 *    the stub region, maps the image's VMAs, streams the pages in, checks
 *    the trailer, restores the mm fields, auxv, signal dispositions,
 *    umask, personality and comm, and releases the threads.  Before the
 *    point of no return a failure is an errno and R is intact (the stub
 *    returns to its caller, the threads exit); after it, the whole thread
 *    group is killed with SIGKILL and the reason is kept for
 *    %CRYO_IOC_THAW_STATUS.
 * 5. Every thread's stub sets its FS and GS base (arch_prctl), the leader
 *    maps the vdso (ARCH_MAP_VDSO_64 at &cryo_thaw_restore.vdso) and sets
 *    the working directory and executable from the fds it was given, then
 *    each thread loads its FPU state (XRSTOR or FXRSTOR of the buffer the
 *    module filled) and, with no instruction in between that touches FPU
 *    state, issues %CRYO_IOC_THAW_FINISH.  That call does not return to
 *    the stub: when the last thread has issued it, the module installs
 *    the image's file descriptors (every other fd is closed), arms
 *    ITIMER_REAL, queues the pending signals, unmaps the stub region, and
 *    every thread leaves the kernel with its own registers and blocked
 *    signal mask, restarting an interrupted system call as
 *    &enum cryo_restart says.
 * 6. The tool learns the outcome with %CRYO_IOC_THAW_STATUS (with
 *    %CRYO_THAW_STATUS_WAIT once R has closed or lost its copy of a pipe
 *    the tool holds: the fd install, which closes it, comes just before
 *    the state becomes %CRYO_THAW_DONE).
 */

/**
 * enum cryo_thaw_flags - &cryo_thaw.flags
 * @CRYO_THAW_SAME_PID: the caller will create the restored process and its
 *	threads with their original ids (clone3 set_tid); %CRYO_IOC_THAW_RESTORE
 *	then checks that they match.
 * @CRYO_THAW_NEW_PIDNS: the caller will create the restored processes in a
 *	new pid namespace, a child of its own (clone3 CLONE_NEWPID), each
 *	process and thread with its original id there.  The root's process
 *	must run in a pid namespace whose parent is the caller's, every other
 *	member's in one too (EPERM otherwise), and %CRYO_IOC_THAW_RESTORE
 *	checks the ids, as with %CRYO_THAW_SAME_PID, in that namespace.
 *	Since ABI 1.7.
 * @CRYO_THAW_SHELL_JOB: the image's terminals (the %CRYO_FILE_CHR files
 *	of a tty) become the caller's terminal, &cryo_thaw.tty_fd: each is
 *	opened again on it, with the image's flags and the restored
 *	process's credentials, and the frozen termios and window size (&struct
 *	cryo_image_tty) are applied to it; once restored, each member whose
 *	controlling terminal it is and whose process group is its foreground
 *	one gets a SIGWINCH, to redraw.  Making it their controlling terminal
 *	and their group the foreground one is the caller's part (they stay in
 *	its session; cryoctl thaw --shell-job).  Without it a thaw of an image
 *	with a terminal fails (ENXIO) unless each such fd is inherited.  Since
 *	ABI 1.12.
 * @CRYO_THAW_ALL: all valid flags.
 */
enum cryo_thaw_flags {
	CRYO_THAW_SAME_PID	= 1 << 0,
	CRYO_THAW_NEW_PIDNS	= 1 << 1,
	CRYO_THAW_SHELL_JOB	= 1 << 2,
	CRYO_THAW_ALL		= CRYO_THAW_SAME_PID | CRYO_THAW_NEW_PIDNS |
				  CRYO_THAW_SHELL_JOB,
};

/**
 * struct cryo_thaw_inherit - hand one of the caller's fds to the restored
 * process (cryoctl thaw --inherit-fd FD=SOURCE)
 * @fd: the fd number in the image.
 * @source_fd: an fd of the caller of %CRYO_IOC_THAW; its open file becomes
 *	the restored process's @fd.
 */
struct cryo_thaw_inherit {
	__s32 fd;
	__s32 source_fd;
};

/** CRYO_THAW_INHERIT_MAX - most entries in &cryo_thaw.inherit */
#define CRYO_THAW_INHERIT_MAX	1024

/**
 * struct cryo_thaw - read and check an image for a thaw
 * @size: sizeof(struct cryo_thaw); at least %CRYO_THAW_SIZE_VER0.
 * @flags: &enum cryo_thaw_flags.
 * @image_fd: the image, readable; read from its current position.
 * @nr_inherit: entries in @inherit, at most %CRYO_THAW_INHERIT_MAX.
 * @inherit: user pointer to &struct cryo_thaw_inherit [@nr_inherit].
 * @tids: user pointer to __s32 [@tids_len]: out: the image's thread ids,
 *	the leader's (the process id) first; 0 for none.
 * @tids_len: entries @tids has room for.
 * @stub_size: bytes the caller needs for its stub region.
 * @pid: out: the image's process id.
 * @nr_threads: out: threads in the image.
 * @nr_pipes: out: pipes the caller must create for %CRYO_IOC_THAW_RESTORE.
 *	The other descriptions a module cannot make are @objects.
 * @fpu_size: out: bytes of FPU state each thread's stub loads.
 * @stub_addr: out: a free range of @stub_size bytes, outside every VMA of
 *	the image and of the caller, for the stub region.
 * @cred_flags: out: &enum cryo_thaw_cred_flags.  Since ABI 1.4, as are
 *	all the fields below; a caller passing %CRYO_THAW_SIZE_VER0 gets none
 *	of them.
 * @nr_groups: out: supplementary groups of the restored process.
 * @uid: out: real, effective, saved and filesystem uid the restored
 *	process must run with, in the caller's user namespace: the image's
 *	with %CRYO_THAW_CRED_SET_IDS, else the caller's own.
 * @gid: out: the same four gids.
 * @groups: user pointer to __u32 [@groups_len]: out: its supplementary
 *	groups (the first @nr_groups entries); 0 when @groups_len is 0.
 * @groups_len: entries @groups has room for (at most 65536).
 * @oom_score_adj: out: the image's oom_score_adj.
 * @rlim: out: the image's 16 resource limits, {cur, max}, as in
 *	&cryo_image_process.rlim.
 * @procs: user pointer to &struct cryo_image_member [@procs_len]: out:
 *	the image's process tree (its TREE record), the first @nr_procs
 *	entries; 0 when @procs_len is 0.  Since ABI 1.6, as are the fields
 *	below.
 * @procs_len: entries @procs has room for (at most %CRYO_THAW_PROCS_MAX).
 * @nr_procs: out: processes in the image's tree, 1 for an image of one
 *	process (format 2.1 and older).  An image of more than one process is
 *	refused (EOPNOTSUPP) to a caller passing a smaller @size: it would
 *	restore only the first.
 * @member: in, for %CRYO_IOC_THAW_MEMBER only: the index of the member in
 *	@procs; 0 for %CRYO_IOC_THAW.
 * @loginuid: out, with %CRYO_THAW_CRED_LOGINUID: the image's audit login
 *	uid (&cryo_image_process.loginuid).  Since ABI 1.12 (in ABI 1.6 to
 *	1.11 a reserved field that had to be 0).
 * @objects: user pointer to &struct cryo_thaw_object [@objects_len]:
 *	out: the open file descriptions the caller must make for this
 *	member's %CRYO_IOC_THAW_RESTORE (an eventfd, a signalfd, a timerfd
 *	...: kinds a module cannot create), the first @nr_objects entries.
 *	Since ABI 1.12, as are the two fields below.  An image that needs
 *	objects is refused (EOPNOTSUPP) to a caller passing a smaller
 *	@size.
 * @objects_len: entries @objects has room for (at most
 *	%CRYO_THAW_OBJECTS_MAX); fewer than @nr_objects fails the thaw
 *	(ENOSPC).
 * @nr_objects: out: descriptions the caller must make.
 * @tty_fd: in, with %CRYO_THAW_SHELL_JOB (%CRYO_IOC_THAW only): an fd of
 *	the caller open on its terminal; 0 otherwise (and for
 *	%CRYO_IOC_THAW_MEMBER).  Since ABI 1.12.
 * @__reserved: 0.
 *
 * The process that becomes the restored one (R, created by the caller
 * after this call) must set these credentials on itself with the
 * ordinary system calls before it issues %CRYO_IOC_THAW_RESTORE:
 * /proc/self/loginuid with @loginuid where it may (CAP_AUDIT_CONTROL,
 * before it gives up its ids; the kernel's own rule, so that nobody
 * claims another's login), setgroups(2), setresgid(2), setresuid(2),
 * setfsgid(2), setfsuid(2),
 * so that the kernel's own rules apply (the user's RLIMIT_NPROC and
 * accounting, the LSM hooks); setrlimit(2) with the image's limits
 * where it may raise them (never above its hard limit without
 * CAP_SYS_RESOURCE) and /proc/self/oom_score_adj where it may.  RESTORE
 * refuses (EPERM) a process whose uids, gids or groups are not these.
 * Every file the restored process gets is opened under exactly these
 * ids, with the capabilities it will keep (the image's within the
 * caller's), never with the caller's own.
 *
 * Issued as ``ioctl(fd, CRYO_IOC_THAW, &t)`` on a fresh session.  Reads the
 * image up to its first PAGES record (the rest is read by
 * %CRYO_IOC_THAW_RESTORE).  Nothing of the caller changes.  On failure,
 * %CRYO_IOC_THAW_STATUS gives a message that names the record.
 *
 * Errors: EBADF (@image_fd or a @source_fd), EALREADY (the session is
 * used), EINVAL (flags, an @inherit entry names an fd twice or a negative
 * one), EBADMSG (a malformed record: bad checksum, length, order, value),
 * EPROTO (another image major version, architecture or kernel release,
 * or a CPU without the FPU features the image uses), ENODATA (the image
 * ends early), EFBIG (more threads, files or VMAs than the limits),
 * ENOENT, EACCES, ... (a file cannot be opened: errno of the open),
 * ESTALE (a file is not the one frozen: another inode, size or mtime),
 * EMFILE (an fd number at or above the caller's RLIMIT_NOFILE), ENXIO (an
 * fd whose file cannot be recreated and no @inherit entry for it: a pipe
 * whose other end is not in the image, a lost file), ENOMEM, EINTR.
 */
struct cryo_thaw {
	__u32 size;
	__u32 flags;
	__s32 image_fd;
	__u32 nr_inherit;
	__u64 inherit;
	__u64 tids;
	__u32 tids_len;
	__u32 stub_size;
	__s32 pid;
	__u32 nr_threads;
	__u32 nr_pipes;
	__u32 fpu_size;
	__u64 stub_addr;
	__u32 cred_flags;
	__u32 nr_groups;
	__u32 uid[4];
	__u32 gid[4];
	__u64 groups;
	__u32 groups_len;
	__s32 oom_score_adj;
	__u64 rlim[16][2];
	__u64 procs;
	__u32 procs_len;
	__u32 nr_procs;
	__u32 member;
	__u32 loginuid;
	__u64 objects;
	__u32 objects_len;
	__u32 nr_objects;
	__s32 tty_fd;
	__u32 __reserved;
};

#define CRYO_THAW_SIZE_VER0	64
#define CRYO_THAW_SIZE_VER1	376
/* CRYO_THAW_SIZE_VER2 - with the process tree (ABI 1.6) */
#define CRYO_THAW_SIZE_VER2	400
/* CRYO_THAW_SIZE_VER3 - objects to make, the shell job terminal (ABI 1.12) */
#define CRYO_THAW_SIZE_VER3	424

/** CRYO_THAW_OBJECTS_MAX - most objects one member's thaw needs */
#define CRYO_THAW_OBJECTS_MAX	4096

/**
 * struct cryo_thaw_object - an open file description the caller of
 * %CRYO_IOC_THAW (or %CRYO_IOC_THAW_MEMBER) makes, as it makes pipes
 * (since ABI 1.12)
 * @file_id: the description's &cryo_image_file.id.
 * @kind: &enum cryo_file_kind: which system call makes it.
 * @flags: the flags to make it with, O_NONBLOCK included
 *	(EFD_SEMAPHORE | EFD_NONBLOCK, TFD_NONBLOCK, SFD_NONBLOCK,
 *	IN_NONBLOCK ...); the
 *	caller adds O_CLOEXEC for its own sake (the module installs the
 *	restored fd with the image's close-on-exec flag).
 * @__reserved: 0.
 * @args: what the kind needs, as &struct cryo_image_file_state has it
 *	(&enum cryo_file_kind says, per kind).
 *
 * The caller makes each object with the ordinary system call, with its
 * own credentials (before it forks the process R, or in R), sets its
 * state (writes an eventfd's count, arms a timerfd, then
 * ``TFD_IOC_SET_TICKS`` for its ticks) and hands its fd to
 * %CRYO_IOC_THAW_RESTORE in &cryo_thaw_restore.objects, in this order.
 * The module checks, before the point of no return, that each is of
 * the kind and holds the state the image says (read back through
 * /proc's fdinfo view of it); a description shared by several fds or
 * members is made once and shared.
 */
struct cryo_thaw_object {
	__u32 file_id;
	__u32 kind;
	__u32 flags;
	__u32 __reserved;
	__u64 args[6];
};

/**
 * struct cryo_thaw_inotify - one watch of an inotify the caller makes
 * (since ABI 1.13)
 * @size: sizeof(struct cryo_thaw_inotify); at least
 *	%CRYO_THAW_INOTIFY_SIZE_VER0.
 * @flags: must be 0.
 * @file_id: in: the &cryo_thaw_object.file_id of an inotify object
 *	(&cryo_thaw_object.kind %CRYO_FILE_INOTIFY) of the thaw.
 * @index: in: which of its watches, 0 to &cryo_thaw_object.args[0] - 1,
 *	in ascending order of @wd.
 * @wd: out: the watch descriptor it must have.
 * @mask: out: its mask (event bits, IN_ONESHOT, IN_EXCL_UNLINK).
 * @path: in: user pointer to a buffer of @path_len bytes; out: the
 *	watched file's path, NUL-terminated.
 * @path_len: in: bytes @path has room for (PATH_MAX is always enough).
 * @name_len: out: bytes of the path, its NUL not counted.
 *
 * An inotify object lists only how many watches it has; the caller asks
 * for each with ``ioctl(fd, CRYO_IOC_THAW_INOTIFY, &w)`` after
 * %CRYO_IOC_THAW (the root's objects) or %CRYO_IOC_THAW_MEMBER (a
 * member's, in its process), makes the inotify with inotify_init1(2) and
 * adds each watch in order with inotify_add_watch(2) (@mask with
 * IN_DONT_FOLLOW: the path names the watched inode itself).  A fresh
 * inotify numbers its watches 1, 2, 3...: to reach a higher @wd the
 * caller adds the watch and removes it (inotify_rm_watch(2)) until the
 * next one added gets @wd, then reads away the IN_IGNORED events those
 * removals queued, so that the restored process finds its queue empty.
 * The module checked, when it planned the thaw, that the restored
 * process's credentials may read every watched inode (the caller's own
 * need not be the restored process's); %CRYO_IOC_THAW_RESTORE checks
 * that the object has exactly the image's watches (descriptor, inode and
 * mask, read back through /proc's fdinfo view).
 *
 * Errors: ENOENT (no thaw planned in this session, or no such inotify
 * or watch), ENAMETOOLONG (@path_len too small), EFAULT, EPERM (the
 * caller's credentials are not those of the caller of %CRYO_IOC_THAW).
 */
struct cryo_thaw_inotify {
	__u32 size;
	__u32 flags;
	__u32 file_id;
	__u32 index;
	__s32 wd;
	__u32 mask;
	__u64 path;
	__u32 path_len;
	__u32 name_len;
};

#define CRYO_THAW_INOTIFY_SIZE_VER0	40

/** CRYO_THAW_PROCS_MAX - most processes in the tree of an image */
#define CRYO_THAW_PROCS_MAX	4096

/**
 * enum cryo_thaw_cred_flags - &cryo_thaw.cred_flags
 * @CRYO_THAW_CRED_SET_IDS: the caller may set ids (CAP_SETUID and
 *	CAP_SETGID) and the image's differ from its own: the restored process
 *	runs with the image's, not the caller's.
 * @CRYO_THAW_CRED_LOGINUID: &cryo_thaw.loginuid holds the image's audit
 *	login uid (an image of format 2.8 or newer).  Since ABI 1.12.
 */
enum cryo_thaw_cred_flags {
	CRYO_THAW_CRED_SET_IDS	= 1 << 0,
	CRYO_THAW_CRED_LOGINUID	= 1 << 1,
};

/** CRYO_THAW_GROUPS_MAX - most entries in &cryo_thaw.groups */
#define CRYO_THAW_GROUPS_MAX	65536

/**
 * struct cryo_thaw_cpu - per-thread state a stub loads itself
 * @fpu: in: user pointer to a 64-byte aligned buffer of
 *	&cryo_thaw.fpu_size bytes; out: the thread's FPU state, checked so
 *	that the load cannot fault.
 * @fs_base: out: FS base for ``arch_prctl(ARCH_SET_FS)``.
 * @gs_base: out: GS base for ``arch_prctl(ARCH_SET_GS)``.
 * @fpu_format: out: &enum cryo_fpu_format: load with XRSTOR (requested
 *	feature mask all ones) or FXRSTOR.
 * @__reserved: 0.
 */
struct cryo_thaw_cpu {
	__u64 fpu;
	__u64 fs_base;
	__u64 gs_base;
	__u32 fpu_format;
	__u32 __reserved;
};

/**
 * struct cryo_thaw_restore - the leader's stub restores the process
 * @size: sizeof(struct cryo_thaw_restore); at least
 *	%CRYO_THAW_RESTORE_SIZE_VER0.
 * @flags: must be 0.
 * @stub_start: the stub region: kept while the image's VMAs are mapped,
 *	unmapped by the last %CRYO_IOC_THAW_FINISH.  Page aligned, outside
 *	every VMA of the image.
 * @stub_len: its length.
 * @pipes: user pointer to __s32 [2 * @nr_pipes]: for each pipe the module
 *	asked for, the read and write end of a fresh pipe(2).
 * @nr_pipes: &cryo_thaw.nr_pipes.
 * @__reserved: 0.
 * @cpu: the leader's &struct cryo_thaw_cpu.
 * @vdso: out: address for ``arch_prctl(ARCH_MAP_VDSO_64)``, 0 for none.
 * @exe_fd: out: fd of the image's executable for
 *	``prctl(PR_SET_MM, PR_SET_MM_EXE_FILE)``, or -1.
 * @cwd_fd: out: fd of the working directory for fchdir(2), or -1.
 * @objects: user pointer to __s32 [@nr_objects]: the fd of each object
 *	&cryo_thaw.objects asked for, in that order.  Since ABI 1.12, as is
 *	@nr_objects; a caller passing %CRYO_THAW_RESTORE_SIZE_VER0 gives
 *	none.
 * @nr_objects: &cryo_thaw.nr_objects.
 * @__reserved2: 0.
 *
 * Issued by the leader of the process being restored, from its stub,
 * while each of the image's other threads waits in %CRYO_IOC_THAW_THREAD
 * (waited for up to five seconds).  The caller must have been created
 * for the thaw: no other process shares its mm, it has the image's
 * number of threads.  See the protocol above for what it does.
 *
 * Errors before the point of no return (the caller is intact): EINVAL
 * (the stub region, pipes, or an object not of its kind or not in the
 * state the image says: the message names its FILE id), EBUSY (the threads did not arrive), ESRCH
 * (with %CRYO_THAW_SAME_PID, a thread id differs), ENOENT (no prepared
 * thaw), EPERM (a thread's scheduling policy, priority or nice value,
 * since image format 2.7, is more than the process may set itself:
 * RLIMIT_RTPRIO, RLIMIT_NICE, CAP_SYS_NICE), EINTR.  After it the
 * process is killed: the errno reported by %CRYO_IOC_THAW_STATUS is
 * EBADMSG (a corrupt record), ENODATA (a truncated image), ENOMEM or the
 * error of a failed mapping.
 */
struct cryo_thaw_restore {
	__u32 size;
	__u32 flags;
	__u64 stub_start;
	__u64 stub_len;
	__u64 pipes;
	__u32 nr_pipes;
	__u32 __reserved;
	struct cryo_thaw_cpu cpu;
	__u64 vdso;
	__s32 exe_fd;
	__s32 cwd_fd;
	__u64 objects;
	__u32 nr_objects;
	__u32 __reserved2;
};

#define CRYO_THAW_RESTORE_SIZE_VER0	88
/* CRYO_THAW_RESTORE_SIZE_VER1 - with the objects (ABI 1.12) */
#define CRYO_THAW_RESTORE_SIZE_VER1	104

/**
 * struct cryo_thaw_thread - one of the other threads waits for the restore
 * @size: sizeof(struct cryo_thaw_thread); at least
 *	%CRYO_THAW_THREAD_SIZE_VER0.
 * @flags: must be 0.
 * @index: which of the image's threads this is, 1 to nr_threads - 1, in
 *	image order (the leader is 0).
 * @__reserved: 0.
 * @cpu: this thread's &struct cryo_thaw_cpu.
 *
 * Blocks (killable) until the leader's %CRYO_IOC_THAW_RESTORE has rebuilt
 * the process.  Errors: ECANCELED (the restore failed before the point of
 * no return; the thread must exit), EINVAL (@index), EEXIST (@index taken),
 * EPERM (not a thread of the process being restored).
 */
struct cryo_thaw_thread {
	__u32 size;
	__u32 flags;
	__u32 index;
	__u32 __reserved;
	struct cryo_thaw_cpu cpu;
};

#define CRYO_THAW_THREAD_SIZE_VER0	48

/**
 * struct cryo_thaw_finish - a thread's last call in its stub
 * @size: sizeof(struct cryo_thaw_finish); at least
 *	%CRYO_THAW_FINISH_SIZE_VER0.
 * @flags: must be 0.
 *
 * Does not return to the caller on success: see the protocol above.
 * Errors: EPERM (not a thread of a restored process), EALREADY (issued
 * twice).
 */
struct cryo_thaw_finish {
	__u32 size;
	__u32 flags;
};

#define CRYO_THAW_FINISH_SIZE_VER0	8

/**
 * enum cryo_thaw_state - &cryo_thaw_status.state
 * @CRYO_THAW_NONE: nothing issued yet.
 * @CRYO_THAW_PREPARED: %CRYO_IOC_THAW succeeded.
 * @CRYO_THAW_RESTORING: past the point of no return.
 * @CRYO_THAW_DONE: the restored process runs.
 * @CRYO_THAW_FAILED: the thaw (or remap) failed; see @error and @message.
 */
enum cryo_thaw_state {
	CRYO_THAW_NONE		= 0,
	CRYO_THAW_PREPARED	= 1,
	CRYO_THAW_RESTORING	= 2,
	CRYO_THAW_DONE		= 3,
	CRYO_THAW_FAILED	= 4,
};

/** CRYO_THAW_MSG_LEN - bytes of &cryo_thaw_status.message */
#define CRYO_THAW_MSG_LEN	256

/**
 * enum cryo_thaw_status_flags - &cryo_thaw_status.flags
 * @CRYO_THAW_STATUS_WAIT: while the state is %CRYO_THAW_RESTORING, wait
 *	(killable) until it is not, or until the restoring process dies
 *	(then the state becomes %CRYO_THAW_FAILED with ECHILD).
 * @CRYO_THAW_STATUS_ALL: all valid flags.
 */
enum cryo_thaw_status_flags {
	CRYO_THAW_STATUS_WAIT	= 1 << 0,
	CRYO_THAW_STATUS_ALL	= CRYO_THAW_STATUS_WAIT,
};

/**
 * struct cryo_thaw_status - how a thaw or remap went
 * @size: sizeof(struct cryo_thaw_status); at least
 *	%CRYO_THAW_STATUS_SIZE_VER0.
 * @flags: &enum cryo_thaw_status_flags.
 * @state: out: &enum cryo_thaw_state.
 * @error: out: the positive errno of a failure, 0 otherwise.
 * @pid: out: the restored process's id in the caller's pid namespace,
 *	0 before %CRYO_IOC_THAW_RESTORE.
 * @__reserved: 0.
 * @bytes: out: image bytes read so far.
 * @record: out: index of the record being read when it failed (the
 *	HEADER is 0).
 * @message: out: NUL-terminated description of the failure that names
 *	the record, fd or mapping, empty if none.
 *
 * Blocks only with %CRYO_THAW_STATUS_WAIT.  Errors: EINTR (killed while
 * waiting).
 */
struct cryo_thaw_status {
	__u32 size;
	__u32 flags;
	__u32 state;
	__u32 error;
	__s32 pid;
	__u32 __reserved;
	__u64 bytes;
	__u64 record;
	char message[CRYO_THAW_MSG_LEN];
};

#define CRYO_THAW_STATUS_SIZE_VER0	(40 + CRYO_THAW_MSG_LEN)

/**
 * struct cryo_remap - reshape the caller's address space to a layout
 * @size: sizeof(struct cryo_remap); at least %CRYO_REMAP_SIZE_VER0.
 * @flags: must be 0.
 * @image_fd: an image or a layout (``cryoctl layout``); its HEADER and
 *	VMA records are used, PAGES are ignored.
 * @__reserved: 0.
 * @keep_start: a range of the caller kept as it is (the code that issues
 *	the call and goes on running), outside every VMA of the layout.
 * @keep_len: its length; page aligned.
 *
 * Every user mapping of the caller outside the kept range is removed;
 * each VMA of the layout is mapped at its range with its protections and
 * flags: anonymous memory zero-filled, files reopened by path with the
 * caller's credentials and checked against the recorded identity.
 * [vdso] and [vvar] are not mapped (a thaw maps them from its stub).
 * The layout is read and every file opened and checked before anything
 * changes: an error before that leaves the caller intact; a failed
 * mapping after it kills the caller (SIGKILL).  The caller must be
 * single-threaded and not share its mm.  Messages as for a thaw, through
 * %CRYO_IOC_THAW_STATUS.
 *
 * Errors: those of %CRYO_IOC_THAW for the layout and files; EINVAL (the
 * kept range), EBUSY (other threads, a shared mm).
 */
struct cryo_remap {
	__u32 size;
	__u32 flags;
	__s32 image_fd;
	__u32 __reserved;
	__u64 keep_start;
	__u64 keep_len;
};

#define CRYO_REMAP_SIZE_VER0	32

/** CRYO_IOC_THAW - read and check an image, see &struct cryo_thaw */
#define CRYO_IOC_THAW		_IO(CRYO_IOC_TYPE, CRYO_CMD_THAW)
/** CRYO_IOC_THAW_RESTORE - rebuild the process, see &struct cryo_thaw_restore */
#define CRYO_IOC_THAW_RESTORE	_IO(CRYO_IOC_TYPE, CRYO_CMD_THAW_RESTORE)
/** CRYO_IOC_THAW_THREAD - a thread waits, see &struct cryo_thaw_thread */
#define CRYO_IOC_THAW_THREAD	_IO(CRYO_IOC_TYPE, CRYO_CMD_THAW_THREAD)
/** CRYO_IOC_THAW_FINISH - leave for the image's registers, see &struct cryo_thaw_finish */
#define CRYO_IOC_THAW_FINISH	_IO(CRYO_IOC_TYPE, CRYO_CMD_THAW_FINISH)
/** CRYO_IOC_THAW_STATUS - outcome of a thaw, see &struct cryo_thaw_status */
#define CRYO_IOC_THAW_STATUS	_IO(CRYO_IOC_TYPE, CRYO_CMD_THAW_STATUS)
/** CRYO_IOC_REMAP - reshape the caller's mappings, see &struct cryo_remap */
#define CRYO_IOC_REMAP		_IO(CRYO_IOC_TYPE, CRYO_CMD_REMAP)
/**
 * CRYO_IOC_THAW_MEMBER - plan the thaw of one more member of a tree, with
 * a &struct cryo_thaw whose @member is its index (1 or more) in the tree
 * %CRYO_IOC_THAW reported.  Issued by the process that becomes that
 * member (forked by the process that becomes its parent), on the
 * session of the %CRYO_IOC_THAW, which it inherited.  It waits
 * (killably) until the members before it in the image have read their
 * part of the image, then reads its own up to its first PAGES record and
 * answers as %CRYO_IOC_THAW does; @image_fd, @nr_inherit and @inherit
 * are ignored (the tree's).  The member's thaw then goes on as a thaw of
 * one process: its pipes, stub, %CRYO_IOC_THAW_RESTORE and so on.  No
 * member runs the image's code before every member has finished; when
 * one fails, every member's process is killed: only the processes that
 * claimed a member themselves (by this call, or the root's by its
 * %CRYO_IOC_THAW_RESTORE), never another.  When its turn comes the
 * caller's parent must be the process of its parent member (that member's
 * %CRYO_IOC_THAW_RESTORE caller; the root's for a child of the root).
 * The member next in turn has 30 s, from when it is first waited for, to
 * reach its %CRYO_IOC_THAW_RESTORE (the root included); past that the tree
 * fails with ETIMEDOUT in %CRYO_IOC_THAW_STATUS, naming the member.
 * Errors: those of %CRYO_IOC_THAW, and EINVAL (@member out of range, or a
 * zombie's), EALREADY (that member is planned already), ENOENT (no tree
 * thaw in this session), EPERM (the caller's credentials are not those of
 * the caller of %CRYO_IOC_THAW: user namespace, effective and filesystem
 * ids, groups, effective capabilities, or permitted ones beyond its; or it
 * is not a child of its parent member's process; the tree fails),
 * ECANCELED (the tree's thaw failed).
 */
#define CRYO_IOC_THAW_MEMBER	_IO(CRYO_IOC_TYPE, CRYO_CMD_THAW_MEMBER)

/**
 * struct cryo_thaw_shm - a System V segment of the image, made by the
 * caller of %CRYO_IOC_THAW (since ABI 1.7)
 * @size: sizeof(struct cryo_thaw_shm); at least %CRYO_THAW_SHM_SIZE_VER0.
 * @flags: must be 0.
 * @index: the segment: 0, 1, 2... among the image's System V segments.
 * @addr: in: 0 to learn the segment, or where the caller attached the
 *	segment it made for it (shmat(2), read-write).
 * @seg_size: out: its size, for shmget(2).
 * @key: out: its key, %IPC_PRIVATE for a private or removed one.
 * @shmid: out: its id at the freeze.
 * @mode: out: its permission bits.
 * @uid: out: its owner uid, as the caller's user namespace sees it.
 * @gid: out: its owner gid.
 * @shm_flags: out: &enum cryo_shm_flags.
 * @__reserved: 0.
 *
 * The module cannot make a System V segment: the caller of
 * %CRYO_IOC_THAW makes each, after that call and before the members'
 * processes are made.  For each index from 0 it issues
 * ``ioctl(fd, CRYO_IOC_THAW_SHM, &s)`` with @addr 0 to learn the segment
 * (ENOENT past the last one), makes it (shmget(2) with @key, @seg_size
 * and IPC_CREAT | IPC_EXCL, then IPC_SET of @uid, @gid and @mode where
 * it may), attaches it and issues the call again with @addr: the module
 * keeps a reference to it, for the members that map it and for its
 * contents.  A segment of the image that outlived its processes (a
 * freeze that killed them leaves it, as any exit does) has @key and
 * @shmid still: the caller may give it again if nobody attaches it and
 * its owner and mode are still @uid, @gid and @mode (libcryoctl then
 * changes nothing of it, and never removes it).
 * Once the thaw is over the caller detaches it, and removes it
 * (IPC_RMID) if the thaw failed and it made it, or if @shm_flags has
 * %CRYO_SHM_REMOVED.
 *
 * The module reads the segment's owner, creator and mode when it is
 * given: each member mapping it (and the one filling it) must be allowed
 * to attach it read-write with its planned credentials, as shmat(2)
 * decides, or its %CRYO_IOC_THAW_RESTORE fails with EACCES.
 *
 * Errors: ENOENT (no such segment, or no thaw in this session, or the
 * segment given was removed meanwhile), EINVAL (@size, or @addr is not
 * the start of a mapping of a System V segment of @key and @seg_size),
 * EALREADY (the segment was given already), EPERM (the caller's
 * credentials are not those of the caller of %CRYO_IOC_THAW).
 */
struct cryo_thaw_shm {
	__u32 size;
	__u32 flags;
	__u32 index;
	__s32 key;
	__u64 addr;
	__u64 seg_size;
	__s32 shmid;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 shm_flags;
	__u32 __reserved;
};

#define CRYO_THAW_SHM_SIZE_VER0	56

/** CRYO_IOC_THAW_SHM - a System V segment of a thaw, see &struct cryo_thaw_shm */
#define CRYO_IOC_THAW_SHM	_IO(CRYO_IOC_TYPE, CRYO_CMD_THAW_SHM)

/**
 * CRYO_IOC_THAW_ATTACH - hand the pipes and objects to the thaw early
 *
 * Takes a &struct cryo_thaw_restore (at least
 * %CRYO_THAW_RESTORE_SIZE_VER1 bytes) of which only @size, @flags (0),
 * @pipes, @nr_pipes, @objects and @nr_objects are read.  Issued by the
 * process being restored (R, or a member's process), with its planned
 * credentials, before its stub's %CRYO_IOC_THAW_RESTORE: the module takes
 * the pipes and objects as that call would, checks them, and the later
 * %CRYO_IOC_THAW_RESTORE does not take them again (its own @pipes and
 * @objects are then ignored).  Needed before %CRYO_IOC_THAW_EPOLL, whose
 * items watch those files; optional otherwise.  Errors: those of
 * %CRYO_IOC_THAW_RESTORE's checks of the pipes and objects, EALREADY
 * (attached already, or the restore began), EPERM (not a process being
 * restored).  Since ABI 1.13.
 */
#define CRYO_IOC_THAW_ATTACH	_IO(CRYO_IOC_TYPE, CRYO_CMD_THAW_ATTACH)

/**
 * struct cryo_thaw_epoll_item - an item to add to an epoll (since ABI 1.13)
 * @tfd: the fd number the item watches, as the program gave it to
 *	epoll_ctl(2), and where %CRYO_IOC_THAW_EPOLL put the watched file.
 * @events: the event mask for EPOLL_CTL_ADD (&struct epoll_event.events).
 * @data: &struct epoll_event.data.
 */
struct cryo_thaw_epoll_item {
	__s32 tfd;
	__u32 events;
	__u64 data;
};

/**
 * struct cryo_thaw_epoll - one epoll of a member being restored, to fill
 * (since ABI 1.13)
 * @size: sizeof(struct cryo_thaw_epoll); at least
 *	%CRYO_THAW_EPOLL_SIZE_VER0.
 * @flags: must be 0.
 * @index: in: which of the member's epolls, from 0 (ENOENT past the last).
 * @devfd: in: the fd number by which the caller issues the call (its
 *	/dev/cryo session).
 * @epfd: out: where the epoll now is in the caller's fd table.
 * @nr_items: out: the items to add to it.
 * @items: in: user pointer to &struct cryo_thaw_epoll_item [@items_len].
 * @items_len: in: entries @items has room for.
 * @first: in: the first item to copy out (with @first past 0 the fd
 *	table is left as the call with @first 0 made it).
 * @min_fd: out, with EBUSY: the lowest number @devfd may have.
 *
 * An epoll's interest list cannot be rebuilt by a module: epoll_ctl(2)
 * keys each item by the file and by the fd number the program gave, and
 * looks that number up in the caller's own fd table.  So a child of the
 * process being restored, with a fd table of its own (fork(2), not
 * sharing R's) and after R's %CRYO_IOC_THAW_ATTACH, asks for each epoll
 * in turn: with @first 0 the module closes every fd of the caller but
 * @devfd, puts each file the epoll's items watch at its @tfd and the
 * epoll itself at @epfd, and copies out the items; the child then
 * issues epoll_ctl(@epfd, EPOLL_CTL_ADD, @tfd, {@events, @data}) for each
 * (asking again with @first for more than @items_len).  The child runs
 * with R's credentials, so the kernel's own rules apply (EPOLLWAKEUP
 * needs CAP_BLOCK_SUSPEND).  R's %CRYO_IOC_THAW_RESTORE checks, before
 * the point of no return, that each epoll holds exactly the image's
 * items, and fails with EINVAL naming the epoll otherwise.  Errors:
 * EBUSY (@devfd is at or below the highest @tfd + 1: move it to @min_fd
 * or above and call again), EBADF (@devfd is not this session), EPERM
 * (the caller is not a child of a process being restored, or shares its
 * fd table), ENOENT (no such epoll), EALREADY (not attached, or the
 * restore began).
 */
struct cryo_thaw_epoll {
	__u32 size;
	__u32 flags;
	__u32 index;
	__s32 devfd;
	__s32 epfd;
	__u32 nr_items;
	__u64 items;
	__u32 items_len;
	__u32 first;
	__u32 min_fd;
	__u32 __reserved;
};

#define CRYO_THAW_EPOLL_SIZE_VER0	48

/** CRYO_IOC_THAW_EPOLL - an epoll to fill, see &struct cryo_thaw_epoll */
#define CRYO_IOC_THAW_EPOLL	_IO(CRYO_IOC_TYPE, CRYO_CMD_THAW_EPOLL)
/** CRYO_IOC_THAW_INOTIFY - a watch of an inotify to make, see &struct cryo_thaw_inotify */
#define CRYO_IOC_THAW_INOTIFY	_IO(CRYO_IOC_TYPE, CRYO_CMD_THAW_INOTIFY)

/**
 * struct cryo_thaw_timer - one POSIX timer of a member, as the process
 * made for it must create it
 * @id: the timer's id (what timer_create(2) must return).
 * @clock: its clock.
 * @notify: sigev_notify (SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD or
 *	SIGEV_THREAD_ID).
 * @signo: sigev_signo.
 * @value: sigev_value.
 * @thread: with SIGEV_THREAD_ID, which of the member's threads it
 *	signals (0 the leader, then in &cryo_thaw.tids order), else 0.
 * @__reserved: 0.
 * @value_ns: the time left to arm it with, 0 to leave it disarmed.
 * @interval_ns: its period.
 */
struct cryo_thaw_timer {
	__s32 id;
	__s32 clock;
	__s32 notify;
	__s32 signo;
	__u64 value;
	__u32 thread;
	__u32 __reserved;
	__u64 value_ns;
	__u64 interval_ns;
};

/**
 * struct cryo_thaw_timers - the timers of a member of a thaw (since ABI
 * 1.13)
 * @size: sizeof(struct cryo_thaw_timers); at least
 *	%CRYO_THAW_TIMERS_SIZE_VER0.
 * @flags: must be 0.
 * @member: the member, 0 for the root (&cryo_thaw.member).
 * @nr_timers: out: how many POSIX timers it has (at most
 *	%CRYO_IMAGE_MAX_POSIX_TIMERS), in increasing id order.
 * @timers: user pointer to &struct cryo_thaw_timer [@timers_len]: the
 *	first min(@nr_timers, @timers_len) are filled.
 * @timers_len: room at @timers.
 * @__reserved: 0.
 * @prof_value_ns: out: ITIMER_PROF's time left, 0 for disarmed.
 * @prof_interval_ns: out: its period.
 * @virt_value_ns: out: ITIMER_VIRTUAL's time left, 0 for disarmed.
 * @virt_interval_ns: out: its period.
 *
 * The module cannot make POSIX timers: the process made for the member
 * does, with timer_create(2), after its threads exist and before its
 * %CRYO_IOC_THAW_RESTORE.  A fresh process gets ids 0, 1, 2...: it
 * creates them in id order, creating and deleting a timer to skip an id
 * nobody has.  %CRYO_IOC_THAW_RESTORE checks that the process has exactly
 * these timers (id, clock, notification, signal, value, thread) and fails
 * with EINVAL, naming the timer, when it has not.  Once that call has
 * returned the process arms them (timer_settime(2) with @value_ns and
 * @interval_ns; setitimer(2) for ITIMER_PROF and ITIMER_VIRTUAL), before
 * its threads' %CRYO_IOC_THAW_FINISH.  A timer that expires before
 * FINISH queues its signal to the process, blocked until then; the
 * image's own queued signals are queued again in FINISH after it.
 *
 * Issued after the member was planned (%CRYO_IOC_THAW for the root,
 * %CRYO_IOC_THAW_MEMBER for another member).  Errors: ENOENT (no
 * thaw, or the member is not planned yet), EINVAL (@flags, @__reserved,
 * @member), EFAULT.
 */
struct cryo_thaw_timers {
	__u32 size;
	__u32 flags;
	__u32 member;
	__u32 nr_timers;
	__u64 timers;
	__u32 timers_len;
	__u32 __reserved;
	__u64 prof_value_ns;
	__u64 prof_interval_ns;
	__u64 virt_value_ns;
	__u64 virt_interval_ns;
};

#define CRYO_THAW_TIMERS_SIZE_VER0	64

/** CRYO_IOC_THAW_TIMERS - the timers of a member, see &struct cryo_thaw_timers */
#define CRYO_IOC_THAW_TIMERS	_IO(CRYO_IOC_TYPE, CRYO_CMD_THAW_TIMERS)

#endif /* _UAPI_LINUX_CRYO_H */
