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
#define CRYO_ABI_MINOR		4

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
 *	once the stream reaches the page contents (every other record has
 *	been read), copy every page to save into memory of the caller's
 *	(charged to its memory cgroup), resume the target, and stream the
 *	pages from the copy.  The target is then held for the metadata and
 *	one page copy instead of the whole stream, at the price of as much
 *	memory as the pages saved, freed as they are read.  If that memory
 *	cannot be had, read() fails with ENOMEM and the target is resumed
 *	untouched.  Only for a checkpoint: with %CRYO_FREEZE_KILL or
 *	%CRYO_FREEZE_LEAVE_FROZEN it is refused (EINVAL).  Since ABI 1.3.
 * @CRYO_FREEZE_ALL: all valid flags.
 *
 * Without %CRYO_FREEZE_KILL or %CRYO_FREEZE_LEAVE_FROZEN the target is
 * resumed as soon as the last byte of the image has been read (a
 * checkpoint), or with %CRYO_FREEZE_SNAPSHOT once its pages are copied.
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
 *	%CRYO_FREEZE_ACCEPT_LOSS: process @refusal_id shares the target's
 *	fd table (CLONE_FILES), or thread @refusal_id of the target has an fd
 *	table of its own (unshare(CLONE_FILES)).
 * @CRYO_REFUSAL_SHARED_FS: EOPNOTSUPP, even with
 *	%CRYO_FREEZE_ACCEPT_LOSS: as %CRYO_REFUSAL_SHARED_FILES, for the
 *	root, working directory and umask (CLONE_FS).
 * @CRYO_REFUSAL_AMX: EOPNOTSUPP, even with %CRYO_FREEZE_ACCEPT_LOSS:
 *	process @refusal_id has asked for AMX tile data
 *	(arch_prctl(ARCH_REQ_XCOMP_PERM)), which the image cannot hold.
 * @CRYO_REFUSAL_SQPOLL: EOPNOTSUPP, even with %CRYO_FREEZE_ACCEPT_LOSS:
 *	thread @refusal_id is an io_uring SQPOLL thread of the target, which
 *	cannot be parked without holding a lock others would wait on.
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
};

/**
 * struct cryo_freeze - freeze a process into this session's read stream
 * @size: sizeof(struct cryo_freeze); at least %CRYO_FREEZE_SIZE_VER0.
 * @flags: &enum cryo_freeze_flags.
 * @pid: the target, a thread-group id in the caller's pid namespace.
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
};

#define CRYO_FREEZE_SIZE_VER0		24
/* CRYO_FREEZE_SIZE_VER1 - with @refusal and @refusal_id (ABI 1.4) */
#define CRYO_FREEZE_SIZE_VER1		32
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
 *    thread ids, how many pipes the library must create and a free
 *    address range for the *stub*.
 * 2. The tool creates the pipes, then forks the process R that becomes
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
 * @CRYO_THAW_ALL: all valid flags.
 */
enum cryo_thaw_flags {
	CRYO_THAW_SAME_PID	= 1 << 0,
	CRYO_THAW_ALL		= CRYO_THAW_SAME_PID,
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
 *
 * The process that becomes the restored one (R, created by the caller
 * after this call) must set these credentials on itself with the
 * ordinary system calls before it issues %CRYO_IOC_THAW_RESTORE:
 * setgroups(2), setresgid(2), setresuid(2), setfsgid(2), setfsuid(2),
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
};

#define CRYO_THAW_SIZE_VER0	64
#define CRYO_THAW_SIZE_VER1	376

/**
 * enum cryo_thaw_cred_flags - &cryo_thaw.cred_flags
 * @CRYO_THAW_CRED_SET_IDS: the caller may set ids (CAP_SETUID and
 *	CAP_SETGID) and the image's differ from its own: the restored process
 *	runs with the image's, not the caller's.
 */
enum cryo_thaw_cred_flags {
	CRYO_THAW_CRED_SET_IDS	= 1 << 0,
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
 *
 * Issued by the leader of the process being restored, from its stub,
 * while each of the image's other threads waits in %CRYO_IOC_THAW_THREAD
 * (waited for up to five seconds).  The caller must have been created
 * for the thaw: no other process shares its mm, it has the image's
 * number of threads.  See the protocol above for what it does.
 *
 * Errors before the point of no return (the caller is intact): EINVAL
 * (the stub region or pipes), EBUSY (the threads did not arrive), ESRCH
 * (with %CRYO_THAW_SAME_PID, a thread id differs), ENOENT (no prepared
 * thaw), EINTR.  After it the process is killed: the errno reported by
 * %CRYO_IOC_THAW_STATUS is EBADMSG (a corrupt record), ENODATA (a
 * truncated image), ENOMEM or the error of a failed mapping.
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
};

#define CRYO_THAW_RESTORE_SIZE_VER0	88

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
 * DOC: Generic netlink: events and session queries
 *
 * The module registers the generic netlink family %CRYO_GENL_NAME,
 * version %CRYO_GENL_VERSION (resolve its id with the controller,
 * CTRL_CMD_GETFAMILY, as for any family).  It has one multicast group,
 * %CRYO_GENL_MCGRP_EVENTS, on which every freeze and thaw is reported as
 * it happens, and two commands a caller sends: %CRYO_NL_CMD_GET_SESSION
 * (the open sessions) and %CRYO_NL_CMD_GET_STATS (counters since the
 * module was loaded).  Messages have no family header beyond struct
 * genlmsghdr (whose reserved field must be 0); everything is in
 * attributes of &enum cryo_nl_attr.
 *
 * Namespaces.  The family exists in the initial network namespace only:
 * in any other one the controller does not know it (ENOENT).  Events of
 * freezes and thaws issued from any namespace go to the listeners of the
 * initial network namespace.  Every pid the family reports is a
 * thread-group id in the initial pid namespace, whatever the namespaces
 * of the caller, the target and the listener.
 *
 * Permissions.  %CRYO_NL_CMD_GET_SESSION and %CRYO_NL_CMD_GET_STATS need
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN in the initial user namespace
 * (EPERM with an extended ack message otherwise).  Joining the events
 * group needs CAP_SYS_ADMIN there (EPERM from bind(2) or
 * setsockopt(NETLINK_ADD_MEMBERSHIP)): the generic netlink core of the
 * supported kernels can only require CAP_SYS_ADMIN or CAP_NET_ADMIN of a
 * group's members, and a family cannot refuse a join itself.
 *
 * Validation.  Every command has its own attribute policy and is parsed
 * strictly: an attribute the command does not take, a wrong length or a
 * value out of range is refused with EINVAL or ERANGE and an extended
 * ack (NETLINK_EXT_ACK) that names the problem and the attribute.
 *
 * Versioning.  Attributes and event types are only ever added; a
 * listener must ignore attributes and commands it does not know.  An
 * attribute that does not apply to an event is left out.
 */

/** CRYO_GENL_NAME - name of the generic netlink family */
#define CRYO_GENL_NAME		"cryo"
/** CRYO_GENL_VERSION - version of the family (struct genlmsghdr.version) */
#define CRYO_GENL_VERSION	1
/** CRYO_GENL_MCGRP_EVENTS - name of the multicast group of events */
#define CRYO_GENL_MCGRP_EVENTS	"events"

/**
 * enum cryo_nl_cmd - generic netlink commands and event types
 * @CRYO_NL_CMD_UNSPEC: unused.
 * @CRYO_NL_CMD_GET_SESSION: request.  With NLM_F_DUMP: one message per
 *	open /dev/cryo session, in the order of their ids; an optional
 *	%CRYO_NL_A_PID limits the dump to the sessions whose %CRYO_NL_A_PID
 *	is that.  Without NLM_F_DUMP: the one session %CRYO_NL_A_SESSION_ID
 *	(required; ENOENT if there is none).  Each reply carries
 *	%CRYO_NL_A_SESSION_ID, %CRYO_NL_A_STATE, %CRYO_NL_A_OPEN_TIME_NS,
 *	%CRYO_NL_A_OPENER_PID and, once a freeze or thaw began,
 *	%CRYO_NL_A_CALLER_PID, %CRYO_NL_A_FLAGS, %CRYO_NL_A_START_TIME_NS,
 *	%CRYO_NL_A_BYTES (image bytes read so far), %CRYO_NL_A_PID (the
 *	freeze's target, or the process a thaw restores once it exists)
 *	and, for a thaw, %CRYO_NL_A_IMAGE_PID.
 * @CRYO_NL_CMD_GET_STATS: request, no attributes.  The reply carries the
 *	%CRYO_NL_A_STAT_* counters, %CRYO_NL_A_STAT_FREEZE_ERRORS and
 *	%CRYO_NL_A_STAT_THAW_ERRORS.
 * @CRYO_NL_CMD_FREEZE_BEGIN: event: %CRYO_IOC_FREEZE found its target and
 *	is about to park it.  %CRYO_NL_A_SESSION_ID, %CRYO_NL_A_PID (the
 *	target), %CRYO_NL_A_CALLER_PID, %CRYO_NL_A_FLAGS (&enum
 *	cryo_freeze_flags), %CRYO_NL_A_TIME_NS.  Every FREEZE_BEGIN is
 *	followed by exactly one %CRYO_NL_CMD_FREEZE_END of the same session.
 * @CRYO_NL_CMD_FREEZE_END: event: the freeze's image stream is over,
 *	complete (%CRYO_NL_A_ERRNO 0: the last byte has been read) or not
 *	(the errno that ended it; a %CRYO_NL_CMD_FREEZE_ABORT came first).
 *	%CRYO_NL_A_SESSION_ID, %CRYO_NL_A_PID, %CRYO_NL_A_ERRNO,
 *	%CRYO_NL_A_BYTES (read by the caller: for a complete image, its
 *	size), %CRYO_NL_A_PAGES (pages in the image), %CRYO_NL_A_NR_THREADS,
 *	%CRYO_NL_A_DURATION_NS (since FREEZE_BEGIN), %CRYO_NL_A_TARGET (how
 *	the target was left: %CRYO_NL_TARGET_RESUMED for a checkpoint or a
 *	failure, %CRYO_NL_TARGET_HELD with %CRYO_FREEZE_KILL or
 *	%CRYO_FREEZE_LEAVE_FROZEN, %CRYO_NL_TARGET_EXITED),
 *	%CRYO_NL_A_TIME_NS.
 * @CRYO_NL_CMD_FREEZE_ABORT: event: the target was let go, untouched,
 *	because the freeze did not finish: %CRYO_NL_A_REASON says why,
 *	%CRYO_NL_A_ERRNO with which error (EPIPE when the session was
 *	closed, or its reader killed, too early).  Also sent when a
 *	%CRYO_FREEZE_KILL session whose image was complete is closed without
 *	%CRYO_IOC_COMMIT.  %CRYO_NL_A_SESSION_ID, %CRYO_NL_A_PID,
 *	%CRYO_NL_A_REASON, %CRYO_NL_A_ERRNO, %CRYO_NL_A_BYTES,
 *	%CRYO_NL_A_DURATION_NS, %CRYO_NL_A_TARGET (%CRYO_NL_TARGET_RESUMED,
 *	or %CRYO_NL_TARGET_EXITED when the target died), %CRYO_NL_A_TIME_NS.
 * @CRYO_NL_CMD_FREEZE_COMMIT: event: %CRYO_IOC_COMMIT let go of a target
 *	held after a complete image: %CRYO_NL_A_TARGET is
 *	%CRYO_NL_TARGET_KILLED (%CRYO_FREEZE_KILL) or
 *	%CRYO_NL_TARGET_RESUMED.  %CRYO_NL_A_SESSION_ID, %CRYO_NL_A_PID,
 *	%CRYO_NL_A_BYTES, %CRYO_NL_A_DURATION_NS, %CRYO_NL_A_TIME_NS.
 * @CRYO_NL_CMD_FREEZE_RELEASE: event: a target held with
 *	%CRYO_FREEZE_LEAVE_FROZEN after a complete image was resumed because
 *	its session was closed without %CRYO_IOC_COMMIT.  Same attributes as
 *	FREEZE_COMMIT.
 * @CRYO_NL_CMD_THAW_BEGIN: event: %CRYO_IOC_THAW started reading an image.
 *	%CRYO_NL_A_SESSION_ID, %CRYO_NL_A_CALLER_PID, %CRYO_NL_A_FLAGS
 *	(&enum cryo_thaw_flags), %CRYO_NL_A_TIME_NS.  Followed by exactly
 *	one %CRYO_NL_CMD_THAW_END of the same session, unless the process
 *	being restored is killed from outside during the restore and nobody
 *	waits for the outcome (%CRYO_THAW_STATUS_WAIT).
 * @CRYO_NL_CMD_THAW_END: event: the thaw is over.  %CRYO_NL_A_SESSION_ID,
 *	%CRYO_NL_A_ERRNO (0: the restored process runs), %CRYO_NL_A_IMAGE_PID
 *	(the pid recorded in the image, in the freezer's pid namespace; left
 *	out if the image was not read that far), %CRYO_NL_A_PID (the restored
 *	process; left out if none was created), %CRYO_NL_A_BYTES (image bytes
 *	read: for a successful thaw, the image's size),
 *	%CRYO_NL_A_DURATION_NS (since THAW_BEGIN), %CRYO_NL_A_MESSAGE (the
 *	reason of a failure, as %CRYO_IOC_THAW_STATUS gives it; ECANCELED
 *	when the session was closed before the restore began),
 *	%CRYO_NL_A_TIME_NS.
 * @__CRYO_NL_CMD_MAX: one past the last command.
 * @CRYO_NL_CMD_MAX: the last command.
 *
 * Events are sent to the %CRYO_GENL_MCGRP_EVENTS group with the event
 * type as struct genlmsghdr.cmd.  They are sent in the order things
 * happen within one session; a listener too slow to read them loses some
 * (recv(2) fails with ENOBUFS once).  A thaw through %CRYO_IOC_REMAP
 * sends no event.
 */
enum cryo_nl_cmd {
	CRYO_NL_CMD_UNSPEC,
	CRYO_NL_CMD_GET_SESSION,
	CRYO_NL_CMD_GET_STATS,
	CRYO_NL_CMD_FREEZE_BEGIN,
	CRYO_NL_CMD_FREEZE_END,
	CRYO_NL_CMD_FREEZE_ABORT,
	CRYO_NL_CMD_FREEZE_COMMIT,
	CRYO_NL_CMD_FREEZE_RELEASE,
	CRYO_NL_CMD_THAW_BEGIN,
	CRYO_NL_CMD_THAW_END,

	__CRYO_NL_CMD_MAX,
	CRYO_NL_CMD_MAX = __CRYO_NL_CMD_MAX - 1
};

/**
 * enum cryo_nl_attr - generic netlink attributes
 * @CRYO_NL_A_UNSPEC: unused.
 * @CRYO_NL_A_PAD: padding for 64-bit attributes; ignore it.
 * @CRYO_NL_A_SESSION_ID: u64: the session, numbered from 1 in the order
 *	/dev/cryo was opened since the module was loaded; never reused.
 *	Request (GET_SESSION): at least 1.
 * @CRYO_NL_A_TIME_NS: u64: CLOCK_REALTIME of the event, in ns.
 * @CRYO_NL_A_PID: s32: a freeze's target, or the process a thaw restored
 *	(initial pid namespace).  Request (GET_SESSION dump): at least 1.
 * @CRYO_NL_A_CALLER_PID: s32: the process that issued %CRYO_IOC_FREEZE
 *	or %CRYO_IOC_THAW.
 * @CRYO_NL_A_IMAGE_PID: s32: a thaw's image's process id, as recorded in
 *	the image (the freezer's pid namespace).
 * @CRYO_NL_A_FLAGS: u32: the &enum cryo_freeze_flags or &enum
 *	cryo_thaw_flags of the operation.
 * @CRYO_NL_A_STATE: u32: &enum cryo_nl_state of a session.
 * @CRYO_NL_A_TARGET: u32: &enum cryo_nl_target.
 * @CRYO_NL_A_REASON: u32: &enum cryo_nl_reason.
 * @CRYO_NL_A_ERRNO: u32: a positive errno, 0 for success.
 * @CRYO_NL_A_BYTES: u64: image bytes read.
 * @CRYO_NL_A_PAGES: u64: pages of memory in the image.
 * @CRYO_NL_A_NR_THREADS: u32: threads in the image.
 * @CRYO_NL_A_DURATION_NS: u64: how long the operation took, in ns of
 *	CLOCK_MONOTONIC.
 * @CRYO_NL_A_START_TIME_NS: u64: CLOCK_REALTIME when the session's freeze
 *	or thaw began.
 * @CRYO_NL_A_OPEN_TIME_NS: u64: CLOCK_REALTIME when the session was
 *	opened.
 * @CRYO_NL_A_OPENER_PID: s32: the process that opened the session.
 * @CRYO_NL_A_MESSAGE: NUL-terminated string: why a thaw failed.
 * @CRYO_NL_A_STAT_LOAD_TIME_NS: u64: CLOCK_REALTIME when the module was
 *	loaded; every counter counts from then.
 * @CRYO_NL_A_STAT_SESSIONS: u64: sessions open now.
 * @CRYO_NL_A_STAT_FREEZES: u64: freezes begun (FREEZE_BEGIN events).
 * @CRYO_NL_A_STAT_FREEZES_DONE: u64: freezes whose image was complete.
 * @CRYO_NL_A_STAT_FREEZES_ABORTED: u64: FREEZE_ABORT events.
 * @CRYO_NL_A_STAT_FREEZES_REFUSED: u64: %CRYO_IOC_FREEZE commands refused
 *	before anything was done to a target (no such process, no
 *	permission, already frozen ...).
 * @CRYO_NL_A_STAT_COMMITS: u64: FREEZE_COMMIT events.
 * @CRYO_NL_A_STAT_KILLS: u64: targets killed by a commit.
 * @CRYO_NL_A_STAT_FREEZE_BYTES: u64: bytes of the complete images.
 * @CRYO_NL_A_STAT_FREEZE_PAGES: u64: pages in the complete images.
 * @CRYO_NL_A_STAT_THAWS: u64: thaws begun (THAW_BEGIN events).
 * @CRYO_NL_A_STAT_THAWS_DONE: u64: thaws that restored a process.
 * @CRYO_NL_A_STAT_THAWS_FAILED: u64: thaws that failed.
 * @CRYO_NL_A_STAT_THAW_BYTES: u64: bytes of the images of successful
 *	thaws.
 * @CRYO_NL_A_STAT_FREEZE_ERRORS: nested: one %CRYO_NL_A_STAT_ERROR per
 *	errno that ended a freeze (refused or aborted), lowest errno first.
 * @CRYO_NL_A_STAT_THAW_ERRORS: nested: the same for failed thaws.
 * @CRYO_NL_A_STAT_ERROR: nested: %CRYO_NL_A_ERRNO (0 stands for errnos
 *	above 255) and %CRYO_NL_A_STAT_COUNT.
 * @CRYO_NL_A_STAT_COUNT: u64: how many times.
 * @__CRYO_NL_A_MAX: one past the last attribute.
 * @CRYO_NL_A_MAX: the last attribute.
 *
 * Integers are in host byte order.  The 64-bit ones are aligned with
 * %CRYO_NL_A_PAD attributes where needed.
 */
enum cryo_nl_attr {
	CRYO_NL_A_UNSPEC,
	CRYO_NL_A_PAD,
	CRYO_NL_A_SESSION_ID,
	CRYO_NL_A_TIME_NS,
	CRYO_NL_A_PID,
	CRYO_NL_A_CALLER_PID,
	CRYO_NL_A_IMAGE_PID,
	CRYO_NL_A_FLAGS,
	CRYO_NL_A_STATE,
	CRYO_NL_A_TARGET,
	CRYO_NL_A_REASON,
	CRYO_NL_A_ERRNO,
	CRYO_NL_A_BYTES,
	CRYO_NL_A_PAGES,
	CRYO_NL_A_NR_THREADS,
	CRYO_NL_A_DURATION_NS,
	CRYO_NL_A_START_TIME_NS,
	CRYO_NL_A_OPEN_TIME_NS,
	CRYO_NL_A_OPENER_PID,
	CRYO_NL_A_MESSAGE,
	CRYO_NL_A_STAT_LOAD_TIME_NS,
	CRYO_NL_A_STAT_SESSIONS,
	CRYO_NL_A_STAT_FREEZES,
	CRYO_NL_A_STAT_FREEZES_DONE,
	CRYO_NL_A_STAT_FREEZES_ABORTED,
	CRYO_NL_A_STAT_FREEZES_REFUSED,
	CRYO_NL_A_STAT_COMMITS,
	CRYO_NL_A_STAT_KILLS,
	CRYO_NL_A_STAT_FREEZE_BYTES,
	CRYO_NL_A_STAT_FREEZE_PAGES,
	CRYO_NL_A_STAT_THAWS,
	CRYO_NL_A_STAT_THAWS_DONE,
	CRYO_NL_A_STAT_THAWS_FAILED,
	CRYO_NL_A_STAT_THAW_BYTES,
	CRYO_NL_A_STAT_FREEZE_ERRORS,
	CRYO_NL_A_STAT_THAW_ERRORS,
	CRYO_NL_A_STAT_ERROR,
	CRYO_NL_A_STAT_COUNT,

	__CRYO_NL_A_MAX,
	CRYO_NL_A_MAX = __CRYO_NL_A_MAX - 1
};

/**
 * enum cryo_nl_state - %CRYO_NL_A_STATE: where a session stands
 * @CRYO_NL_STATE_IDLE: opened, nothing issued yet (or only what leaves
 *	no trace: %CRYO_IOC_VERSION, a refused freeze).
 * @CRYO_NL_STATE_FREEZING: parking the target or streaming its image.
 * @CRYO_NL_STATE_FROZEN: the image is complete and the target is held:
 *	%CRYO_FREEZE_KILL waiting for %CRYO_IOC_COMMIT, or
 *	%CRYO_FREEZE_LEAVE_FROZEN until the session is closed.
 * @CRYO_NL_STATE_FREEZE_DONE: the image is complete and the target has
 *	been let go (resumed or killed).
 * @CRYO_NL_STATE_FREEZE_FAILED: the freeze was aborted.
 * @CRYO_NL_STATE_THAWING: a thaw is under way.
 * @CRYO_NL_STATE_THAW_DONE: the thaw restored its process.
 * @CRYO_NL_STATE_THAW_FAILED: the thaw failed.
 */
enum cryo_nl_state {
	CRYO_NL_STATE_IDLE		= 0,
	CRYO_NL_STATE_FREEZING		= 1,
	CRYO_NL_STATE_FROZEN		= 2,
	CRYO_NL_STATE_FREEZE_DONE	= 3,
	CRYO_NL_STATE_FREEZE_FAILED	= 4,
	CRYO_NL_STATE_THAWING		= 5,
	CRYO_NL_STATE_THAW_DONE		= 6,
	CRYO_NL_STATE_THAW_FAILED	= 7,
};

/**
 * enum cryo_nl_target - %CRYO_NL_A_TARGET: how a freeze left its target
 * @CRYO_NL_TARGET_RESUMED: running again, as if nothing had happened.
 * @CRYO_NL_TARGET_HELD: still parked in the kernel.
 * @CRYO_NL_TARGET_KILLED: killed (SIGKILL) after %CRYO_IOC_COMMIT.
 * @CRYO_NL_TARGET_EXITED: it died during the freeze (killed from
 *	outside); nothing was done to it.
 */
enum cryo_nl_target {
	CRYO_NL_TARGET_RESUMED	= 1,
	CRYO_NL_TARGET_HELD	= 2,
	CRYO_NL_TARGET_KILLED	= 3,
	CRYO_NL_TARGET_EXITED	= 4,
};

/**
 * enum cryo_nl_reason - %CRYO_NL_A_REASON: why a freeze was aborted
 * @CRYO_NL_REASON_READER_GONE: the session was closed, or the process
 *	reading the image was killed, before the image was complete (or,
 *	with %CRYO_FREEZE_KILL, before %CRYO_IOC_COMMIT).
 * @CRYO_NL_REASON_TARGET_EXITED: the target exited or was killed.
 * @CRYO_NL_REASON_TIMEOUT: a thread of the target did not park within
 *	&cryo_freeze.timeout_ms.
 * @CRYO_NL_REASON_ERROR: another error, see %CRYO_NL_A_ERRNO (a file cryo
 *	cannot save, a thread that could not save its state ...).
 */
enum cryo_nl_reason {
	CRYO_NL_REASON_READER_GONE	= 1,
	CRYO_NL_REASON_TARGET_EXITED	= 2,
	CRYO_NL_REASON_TIMEOUT		= 3,
	CRYO_NL_REASON_ERROR		= 4,
};

/*
 * The image.
 *
 * A freeze image is a stream of records, each a &struct cryo_rec header
 * followed by @len bytes of payload.  All integers are little-endian.
 * The first record is %CRYO_REC_HEADER, the last %CRYO_REC_TRAILER; a
 * stream that ends without a trailer is truncated.  Records appear in
 * this order: HEADER, PROCESS, GROUPS, AUXV, FS, SIGNALS, THREAD (one per
 * thread), then the files, walked in ascending fd order: an fd whose open
 * file description is met for the first time gives a FILE record (ids
 * 1, 2, 3... in order of appearance), that file's FILE_DATA records, then
 * the FD record; an fd sharing a description already met (dup) gives only
 * its FD record.  Then VMA (one per mapping, ascending), PAGES (ascending
 * addresses), TRAILER.  A reader
 * skips record types it does not know when the image's minor version is
 * newer than its own, and refuses an image of another major version.
 * Documentation/image-format.rst describes every byte.
 */

/** CRYO_IMAGE_MAGIC - &cryo_image_header.magic, "CRYOIMG" and a NUL */
#define CRYO_IMAGE_MAGIC	"CRYOIMG"
#define CRYO_IMAGE_MAJOR	2
#define CRYO_IMAGE_MINOR	1

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
	CRYO_REC_TRAILER	= 0xff,
};

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
 * @nr_threads: number of THREAD records that follow.
 * @xfeatures: the CPU's user-visible XSAVE feature mask (0 without XSAVE).
 * @fpu_size: bytes of FPU state in each THREAD record.
 * @time_ns: CLOCK_REALTIME at the freeze.
 * @release: utsname release of the frozen kernel, NUL-terminated.
 * @boot_id: the frozen machine's boot id (/proc/sys/kernel/random/boot_id
 *	as 16 bytes), all zero if unknown.  A thaw checks a file's device
 *	and inode number only when its own boot id is the same: elsewhere
 *	they name other files.  Since image format 2.1; a 2.0 header ends
 *	before it (%CRYO_IMAGE_HEADER_SIZE_2_0 bytes).
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
};

#define CRYO_IMAGE_HEADER_SIZE_2_0	120

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
};

#define CRYO_IMAGE_PROCESS_SIZE_2_0	456

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
 *	with a timeout, ...); its remaining timeout is lost across a thaw in
 *	this version, which re-issues it as %CRYO_RESTART_SYSCALL.
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
 *	(NT_PRSTATUS), 27 words; ax holds the kernel's -ERESTART* code when
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
 */
struct cryo_image_thread {
	__s32 tid;
	__u32 restart;
	__u64 regs[27];
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
	__u32 __reserved;
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
 * @__reserved: 0.
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
	__u32 __reserved;
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
 * ITIMER_VIRTUAL and ITIMER_PROF are not saved in this version.
 */
struct cryo_image_signals {
	struct cryo_image_sigaction action[64];
	__u64 real_value_ns;
	__u64 real_interval_ns;
};

/**
 * enum cryo_file_kind - &cryo_image_file.kind
 * @CRYO_FILE_REG: a regular file.
 * @CRYO_FILE_DIR: a directory.
 * @CRYO_FILE_CHR: a character device a reopen restores: /dev/null, zero,
 *	full, random, urandom, or a terminal; see @rdev.
 * @CRYO_FILE_PIPE: one end of an anonymous pipe.
 * @CRYO_FILE_FIFO: one end of a named FIFO.
 * @CRYO_FILE_OTHER: a kind cryo cannot save (socket, eventfd, epoll,
 *	signalfd, timerfd, inotify, memfd, block and other character
 *	devices ...);
 *	only present in images taken with %CRYO_FREEZE_ACCEPT_LOSS, with
 *	%CRYO_FILE_LOST set and the kernel's description as its name (such
 *	as "socket:[1234]" or "anon_inode:[eventfd]").
 */
enum cryo_file_kind {
	CRYO_FILE_REG	= 1,
	CRYO_FILE_DIR	= 2,
	CRYO_FILE_CHR	= 3,
	CRYO_FILE_PIPE	= 4,
	CRYO_FILE_FIFO	= 5,
	CRYO_FILE_OTHER	= 6,
};

/**
 * enum cryo_file_flags - &cryo_image_file.flags
 * @CRYO_FILE_UNLINKED: the file has no name left; its contents follow in
 *	FILE_DATA records (regular files only).
 * @CRYO_FILE_LOST: the file could not be saved and was given up under
 *	%CRYO_FREEZE_ACCEPT_LOSS: a kind cryo cannot save, or (with
 *	%CRYO_FILE_UNLINKED, and no FILE_DATA) an unlinked file the target
 *	could not read through this description or the freezer may not
 *	read (since ABI 1.4).
 */
enum cryo_file_flags {
	CRYO_FILE_UNLINKED	= 1 << 0,
	CRYO_FILE_LOST		= 1 << 1,
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
 *	both ends (with @dev it identifies a FIFO), 0 otherwise.
 * @data_size: bytes that follow in FILE_DATA records: the contents of an
 *	unlinked regular file, or the bytes buffered in a pipe or FIFO (sent
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
	__u64 pipe_id;
	__u64 data_size;
	__u32 name_len;
	__u32 flags;
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
 * struct cryo_image_fs - %CRYO_REC_FS, followed by the exe path, the
 * working directory and the root directory (no NULs)
 * @exe_len: bytes of the executable's path (/proc/PID/exe).
 * @cwd_len: bytes of the working directory's path.
 * @root_len: bytes of the root directory's path.
 * @__reserved: 0.
 *
 * Paths are as the freezer sees them (d_path() against its own root).
 */
struct cryo_image_fs {
	__u32 exe_len;
	__u32 cwd_len;
	__u32 root_len;
	__u32 __reserved;
};

/**
 * struct cryo_image_trailer - %CRYO_REC_TRAILER, the last record
 * @nr_records: records before the trailer.
 * @nr_pages: pages in all PAGES records.
 * @bytes: bytes of the image before the trailer record.
 */
struct cryo_image_trailer {
	__u64 nr_records;
	__u64 nr_pages;
	__u64 bytes;
};

#endif /* _UAPI_LINUX_CRYO_H */
