/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcryoctl: the user-space side of cryo, process checkpoint/restore in
 * the kernel.  A thin layer over the ioctls of /dev/cryo (see
 * <linux/cryo.h>) for cryoctl(8) and for cluster schedulers.
 *
 * Conventions: every function that can fail returns 0 (or a non-negative
 * value where documented) on success and a negative errno value on
 * failure; errno itself is not used to report errors.  No function keeps
 * hidden global state; all of them are thread-safe.
 */
#ifndef CRYOCTL_H
#define CRYOCTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>
#include <linux/cryo_netlink.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Path of the cryo device; the CRYOCTL_DEVICE environment variable overrides it. */
#define CRYOCTL_DEVICE_PATH "/dev/cryo"

/**
 * struct cryoctl_version - what cryoctl_version() reports
 * @abi_major: the module's ABI major version (CRYO_ABI_MAJOR it was built with)
 * @abi_minor: the module's ABI minor version
 * @features: the module's CRYO_FEATURE_* bits
 * @lib_abi_major: the ABI major this library speaks
 * @lib_abi_minor: the ABI minor this library was built against
 */
struct cryoctl_version {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint64_t features;
	uint32_t lib_abi_major;
	uint32_t lib_abi_minor;
};

/**
 * cryoctl_open() - open the cryo device
 *
 * Opens CRYOCTL_DEVICE_PATH (or $CRYOCTL_DEVICE) read-write and
 * close-on-exec.  Each open file is one cryo session.
 *
 * Return: a file descriptor, or -ENOENT (module not loaded), -EACCES
 * (no permission on the device), or another -errno from open(2).
 */
int cryoctl_open(void);

/**
 * cryoctl_version() - query the module's ABI version and features
 * @fd: a descriptor from cryoctl_open()
 * @v: filled in on success
 *
 * Return: 0; -EPROTO when the module speaks another ABI major version than
 * this library (@v is filled in all the same); or -errno from the ioctl
 * (-ENOTTY: @fd is not a cryo device).
 */
int cryoctl_version(int fd, struct cryoctl_version *v);

/**
 * cryoctl_library_version() - the library's own version string
 *
 * Return: a static string such as "1.0.0".
 */
const char *cryoctl_library_version(void);

/**
 * cryoctl_crc32c() - CRC32C (Castagnoli) over a buffer, raw running value
 * (the record checksum of image format 1; kept for callers of it)
 * @crc: the running value: ~0U to start, or a previous result to continue
 * @buf: the bytes
 * @len: how many
 *
 * Reflected polynomial 0x82F63B78, with the semantics of the kernel's
 * crc32c(): no inversion on entry or exit, so a buffer may be fed in
 * pieces.  The standard CRC-32C of a buffer is ``~cryoctl_crc32c(~0U,
 * buf, len)``; for "123456789" that is 0xE3069283.
 *
 * Return: the updated running value.
 */
uint32_t cryoctl_crc32c(uint32_t crc, const void *buf, size_t len);

struct cryo_rec;

/**
 * cryoctl_record_crc() - the checksum an image record must carry
 * @rec: the record header, in image byte order (little-endian); its @crc
 *       field is ignored and @len says how long @payload is
 * @payload: the record's payload (may be NULL when @rec->len is 0)
 *
 * Computes exactly what the kernel stores in &cryo_rec.crc since image
 * format 2.0 (despite the name, not a CRC)::
 *
 *	hdr = *rec; hdr.crc = 0;
 *	rec->crc = (uint32_t)XXH64(&hdr (16 bytes) || payload, seed 0);
 *
 * The header's __reserved field takes part as stored.
 *
 * Return: the checksum.
 */
uint32_t cryoctl_record_crc(const struct cryo_rec *rec, const void *payload);

/**
 * typedef cryoctl_progress_fn - progress report of cryoctl_freeze()
 * @bytes: bytes of image written to the output so far
 * @arg: the caller's cookie given to cryoctl_freeze()
 *
 * Called after every chunk written.  It runs in the caller's thread,
 * while the target is parked, so it should be quick.
 *
 * Return: 0 to go on; anything else aborts the freeze, which then
 * returns -ECANCELED (the target is resumed when the device is closed).
 */
typedef int (*cryoctl_progress_fn)(uint64_t bytes, void *arg);

/**
 * cryoctl_freeze() - freeze a process and write its image to a descriptor
 * @devfd: a descriptor from cryoctl_open() that has not frozen anything yet
 * @pid: the target, a thread-group id in the caller's pid namespace
 * @flags: CRYO_FREEZE_* flags of <linux/cryo.h>
 * @timeout_ms: how long each thread may take to park; 0 for the default
 * @out_fd: where the image goes: a file, a pipe or a socket
 * @progress: called after every chunk written, or NULL
 * @arg: passed to @progress
 *
 * Issues CRYO_IOC_FREEZE, then copies the image from @devfd to @out_fd in
 * chunks of 1 MiB until the device reports EOF, retrying on EINTR and
 * completing short writes: by splice() through a pipe when @out_fd is a
 * regular file not opened with O_APPEND (the module then hands pages of
 * a KILL or SNAPSHOT freeze over by reference, one copy fewer), by
 * read() and write() otherwise or when the module or the file system
 * cannot splice.  With %CRYO_FREEZE_KILL it then fsync()s
 * @out_fd if that is a regular file (COMMIT tells the kernel the image is
 * safely stored, and the target dies on it) and issues CRYO_IOC_COMMIT.
 * Nothing else is synced: a pipe's reader owns the durability of what it
 * receives.
 *
 * @out_fd is checked to be open for writing before anything is frozen.
 * On any failure nothing is committed: when @devfd is closed the kernel
 * resumes the target untouched.  Writing to a pipe whose reader has gone
 * raises SIGPIPE, whose default action ends the caller (the kernel then
 * resumes the target); callers that ignore SIGPIPE get -EPIPE instead.
 * With %CRYO_FREEZE_LEAVE_FROZEN the target stays parked after a
 * successful return until @devfd is closed.
 * Without KILL or LEAVE_FROZEN the kernel resumes the target as soon as
 * the last byte has been read, or with %CRYO_FREEZE_SNAPSHOT as soon as
 * it has copied the pages to save (ABI 1.3; -ENOMEM when they do not
 * fit, the target resumed untouched).
 *
 * Return: 0 once the whole image has been written (and committed for
 * KILL); -EBADF (@out_fd not open for writing, nothing frozen); -ESRCH,
 * -EPERM, -EBUSY, -EALREADY, -EINVAL, -EINTR, -EOPNOTSUPP, -EIO from the
 * freeze (see &struct cryo_freeze; cryoctl_freeze_ex() also tells which
 * descriptor caused -EOPNOTSUPP); -errno of a failed read() of the
 * device or write() of @out_fd (-EPIPE when a pipe's reader went away,
 * -ENOSPC ...); -ECANCELED when @progress asked to stop; -ENOMEM;
 * -errno of the commit.
 */
int cryoctl_freeze(int devfd, pid_t pid, unsigned int flags,
		   unsigned int timeout_ms, int out_fd,
		   cryoctl_progress_fn progress, void *arg);

/**
 * struct cryoctl_freeze_result - what cryoctl_freeze_ex() reports
 * @size: in: sizeof(struct cryoctl_freeze_result) as the caller knows it,
 *        at least %CRYOCTL_FREEZE_RESULT_SIZE_VER0; later versions of the
 *        library append fields and fill in only as far as @size reaches
 * @nr_threads: out: threads parked (0 when the freeze failed)
 * @bad_fd: out: with -EOPNOTSUPP or -EACCES (or -EFBIG with
 *          %CRYO_REFUSAL_DELETED_TOO_BIG), the file descriptor of the
 *          target the refusal is about (a socket, an eventfd, a locked or
 *          unreadable file ...), as the module reported it in
 *          &cryo_freeze.bad_fd; -1 with any other result
 * @__reserved: out: 0
 * @bytes: out: bytes of image written to the output
 * @refusal: out: why the module refused the freeze, &enum cryo_refusal
 *          (&cryo_freeze.refusal); %CRYO_REFUSAL_NONE otherwise, and
 *          always with a module before ABI 1.4.  Since libcryoctl 1.4.1.
 * @refusal_id: out: the fd, thread or process id @refusal names
 *          (&cryo_freeze.refusal_id), 0 when none.  Since libcryoctl 1.4.1.
 * @nr_processes: out: processes in the image, the tree of @pid (zombies
 *          included); 0 with a module before ABI 1.6 (which freezes one
 *          process) or when the freeze failed.  Since libcryoctl 1.5.
 * @refusal_pid: out: the member of the tree whose fd, thread or mapping
 *          @refusal_id is (&cryo_freeze.refusal_pid); 0 when the refusal
 *          names none, or with a module before ABI 1.6 (then it is @pid's).
 *          Since libcryoctl 1.5, as is @nr_processes.
 * @max_deleted_data: in: the most bytes of unlinked files' contents the
 *          image may carry (&cryo_freeze.max_deleted_data); 0, or a
 *          @size that does not reach it, for the module's default
 *          (%CRYO_DELETED_DATA_DEFAULT).  A module before ABI 1.12 refuses
 *          any other value (-E2BIG).  Since libcryoctl 1.11.0.
 */
struct cryoctl_freeze_result {
	uint32_t size;
	uint32_t nr_threads;
	int32_t bad_fd;
	uint32_t __reserved;
	uint64_t bytes;
	uint32_t refusal;
	int32_t refusal_id;
	uint32_t nr_processes;
	int32_t refusal_pid;
	uint64_t max_deleted_data;
};

/** CRYOCTL_FREEZE_RESULT_SIZE_VER0 - first size of &struct cryoctl_freeze_result */
#define CRYOCTL_FREEZE_RESULT_SIZE_VER0 24
/** CRYOCTL_FREEZE_RESULT_SIZE_VER1 - with @refusal and @refusal_id */
#define CRYOCTL_FREEZE_RESULT_SIZE_VER1 32
/** CRYOCTL_FREEZE_RESULT_SIZE_VER2 - with @nr_processes and @refusal_pid */
#define CRYOCTL_FREEZE_RESULT_SIZE_VER2 40
/** CRYOCTL_FREEZE_RESULT_SIZE_VER3 - with @max_deleted_data */
#define CRYOCTL_FREEZE_RESULT_SIZE_VER3 48

/**
 * cryoctl_freeze_ex() - cryoctl_freeze(), telling more about the outcome
 * @devfd: as for cryoctl_freeze()
 * @pid: as for cryoctl_freeze()
 * @flags: as for cryoctl_freeze()
 * @timeout_ms: as for cryoctl_freeze()
 * @out_fd: as for cryoctl_freeze()
 * @progress: as for cryoctl_freeze()
 * @arg: as for cryoctl_freeze()
 * @res: NULL, or filled in whatever the result (set @res->size first)
 *
 * Does exactly what cryoctl_freeze() does, and reports in @res the
 * threads parked, the bytes written and, when the module refuses the
 * freeze, why (@res->refusal) and which descriptor, thread or process the
 * refusal names (@res->refusal_id; a file's descriptor also in
 * @res->bad_fd).  The target is then resumed untouched; /proc/PID/fd/N
 * describes a descriptor.
 * Available since libcryoctl 1.2 (symbol version CRYOCTL_1.2).
 *
 * Return: as cryoctl_freeze(), plus -EOPNOTSUPP (state cryo cannot save:
 * see @res->refusal), -EACCES (an unlinked file the caller may not read),
 * -EPERM (see @res->refusal too) and -EIO (a thread could not save its
 * state) from the freeze, and -EINVAL
 * when @res->size is below %CRYOCTL_FREEZE_RESULT_SIZE_VER0 (nothing is
 * done then).
 */
int cryoctl_freeze_ex(int devfd, pid_t pid, unsigned int flags,
		      unsigned int timeout_ms, int out_fd,
		      cryoctl_progress_fn progress, void *arg,
		      struct cryoctl_freeze_result *res);

/**
 * cryoctl_commit() - tell the kernel the image is safely stored
 * @devfd: the descriptor the image was read from
 *
 * For callers that issue CRYO_IOC_FREEZE and read() the image themselves:
 * issues CRYO_IOC_COMMIT once the image has been read to EOF and stored.
 * With %CRYO_FREEZE_KILL the kernel then kills the target; otherwise it
 * resumes it at once.
 *
 * Return: 0, -ENOENT (no freeze on @devfd), -EAGAIN (the image has not
 * been read to EOF yet), or another -errno of the ioctl.
 */
int cryoctl_commit(int devfd);

/*
 * Thawing.
 *
 * cryoctl_thaw() drives the whole protocol of <linux/cryo.h> ("Thaw"):
 * CRYO_IOC_THAW reads and checks the image, the library creates the pipes
 * the module asks for and forks the process R that becomes the restored
 * one; R maps the stub region at the address the module chose and runs
 * the library's stub there, which creates the other threads, issues
 * CRYO_IOC_THAW_RESTORE and, in every thread, CRYO_IOC_THAW_FINISH.  The
 * outcome comes from CRYO_IOC_THAW_STATUS.
 */

/** CRYOCTL_THAW_SAME_PID - restore the original pid and tids (clone3 set_tid) */
#define CRYOCTL_THAW_SAME_PID	CRYO_THAW_SAME_PID
/**
 * CRYOCTL_THAW_NEW_PIDNS - restore in a new pid namespace, where every
 * process and thread has its original id (libcryoctl 1.6, module ABI 1.7)
 */
#define CRYOCTL_THAW_NEW_PIDNS	CRYO_THAW_NEW_PIDNS
/** CRYOCTL_THAW_WAIT - the restored process stays the caller's child */
#define CRYOCTL_THAW_WAIT	0x10000u
/**
 * CRYOCTL_THAW_SHELL_JOB - a job of a shell: the image's terminals become
 * the caller's controlling terminal (the first of its fds 0, 1, 2 open on
 * it), with the frozen termios and window size; the restored processes
 * stay in the caller's session, in a process group of their own (the
 * root's), which becomes the terminal's foreground group.  The caller
 * should wait for the root (%CRYOCTL_THAW_WAIT) and take the foreground
 * back after, as a shell does.  Since libcryoctl 1.11 (module ABI 1.12).
 */
#define CRYOCTL_THAW_SHELL_JOB	CRYO_THAW_SHELL_JOB

/**
 * struct cryoctl_thaw_result - what cryoctl_thaw() reports
 * @pid: the restored process's pid, in the caller's pid namespace (0 on
 *       failure); with %CRYOCTL_THAW_NEW_PIDNS the pid of the new
 *       namespace's init there (the restored root's parent, or the root
 *       itself when its image pid is 1)
 * @error: the positive errno of a failure, 0 on success
 * @message: on failure, a NUL-terminated human-readable reason: the
 *           module's (it names the record, fd or mapping at fault) or the
 *           library's; empty on success
 */
struct cryoctl_thaw_result {
	pid_t pid;
	int error;
	char message[CRYO_THAW_MSG_LEN];
};

/**
 * cryoctl_thaw() - turn an image into a running process
 * @devfd: a fresh session from cryoctl_open(), used for nothing else
 * @image_fd: the image, read from its current position; a file or a pipe
 * @flags: %CRYOCTL_THAW_SAME_PID, %CRYOCTL_THAW_NEW_PIDNS, %CRYOCTL_THAW_WAIT
 * @inherit: @nr_inherit entries: the image's fd &cryo_thaw_inherit.fd
 *           becomes the caller's &cryo_thaw_inherit.source_fd (for the
 *           fds the module cannot recreate: a pipe whose other end is not
 *           in the image, a lost file); NULL when @nr_inherit is 0
 * @nr_inherit: at most CRYO_THAW_INHERIT_MAX
 * @res: NULL, or filled in whatever the result
 *
 * The restored process is a new process, with the image's memory,
 * threads, registers, files and signal state.  Without
 * %CRYOCTL_THAW_WAIT it is detached: created by a short-lived child of
 * the caller (reaped before return), it becomes an orphan in a session
 * of its own.  With
 * %CRYOCTL_THAW_WAIT it is the caller's child: the caller must waitpid()
 * for it: in the caller's session and process group when it runs with
 * the caller's ids, else in a session of its own.  Either way it has no
 * controlling terminal (earlier versions left it the caller's with
 * %CRYOCTL_THAW_WAIT), which it could otherwise use to inject input.
 * %CRYOCTL_THAW_SAME_PID gives it the image's pid and its threads the
 * image's tids, which must be free in the caller's pid namespace and needs
 * CAP_CHECKPOINT_RESTORE.
 * %CRYOCTL_THAW_NEW_PIDNS (libcryoctl 1.6, module ABI 1.7) gives them in a
 * new pid namespace instead, where they are always free; it needs
 * CAP_SYS_ADMIN too.  The namespace's first process, its init, is what
 * the caller sees: detached, or with %CRYOCTL_THAW_WAIT the caller's
 * child; it makes the restored process, reaps the namespace's orphans
 * and exits with the restored process's status when that exits (128 + N
 * as an exit code when signal N killed it), which ends the namespace and
 * every process left in it.  The processes in it see the caller's /proc.
 *
 * The caller's signal mask is kept; for the fork its signals are blocked
 * for a moment, so that the new process never runs a handler of the
 * caller.  The caller may receive SIGCHLD for the children it had (the
 * short-lived one without %CRYOCTL_THAW_WAIT, or R when the thaw fails).
 * Whatever happens, no descriptor and, on failure, no process is left
 * behind: a process that was being restored is killed (and reaped when
 * it is the caller's child).  An image read from a pipe may have at most
 * 4096 threads (one in a file: any number), and no more FPU state per
 * thread than this CPU's XSAVE area (which is what the module reports on
 * this machine); a thaw is refused with -E2BIG otherwise, on any CPU the
 * same way, before anything is created.
 * The System V shared memory segments of the image (module ABI 1.7) are
 * made by the caller, with the image's key, owner, mode and size, before
 * the processes are: a key another segment has fails the thaw with
 * -EEXIST before anything runs, unless it is the image's own segment
 * still there (its key, id and size, nobody attached), which is taken
 * back.  A segment made anew gets a new id; the ones the
 * image says were removed (IPC_RMID) are removed again once the thaw
 * succeeded, and a failed thaw removes every one it made (since
 * libcryoctl 1.6.0).
 * Available since libcryoctl 1.3 (symbol version CRYOCTL_1.3).
 *
 * Return: 0 with @res->pid; or -errno, with @res->error and
 * @res->message: -EINVAL (@flags, @inherit: a negative fd, an fd given
 * twice, too many), -EBADF, -EOPNOTSUPP (the module cannot thaw),
 * -EPROTO (another module ABI, or an image of another version,
 * architecture or kernel), the errors of CRYO_IOC_THAW (-EBADMSG,
 * -ENODATA, -ESTALE, -ENXIO for an fd that needs @inherit ...) and of
 * CRYO_IOC_THAW_RESTORE (-EBUSY, -ESRCH, ...), the errno the module
 * reports for a failure after the point of no return, -EEXIST or -EPERM
 * (%CRYOCTL_THAW_SAME_PID: the pid is taken, or not allowed;
 * %CRYOCTL_THAW_NEW_PIDNS: no CAP_SYS_ADMIN; a System V segment's key is
 * taken, or its owner cannot be given), -EOPNOTSUPP (also
 * %CRYOCTL_THAW_NEW_PIDNS with a module before ABI 1.7), -E2BIG (see
 * above), -EIO (the process died before the end), -ETIMEDOUT (the module
 * never reported the outcome), -ENOMEM, -EMFILE.
 */
int cryoctl_thaw(int devfd, int image_fd, unsigned int flags,
		 const struct cryo_thaw_inherit *inherit, unsigned int nr_inherit,
		 struct cryoctl_thaw_result *res);

/**
 * cryoctl_thaw_tree() - cryoctl_thaw(), telling the processes of a tree
 * @devfd: as for cryoctl_thaw()
 * @image_fd: as for cryoctl_thaw()
 * @flags: as for cryoctl_thaw(); %CRYOCTL_THAW_SAME_PID applies to every
 *         member, %CRYOCTL_THAW_WAIT to the root
 * @inherit: as for cryoctl_thaw(): fds of the root
 * @nr_inherit: as for cryoctl_thaw()
 * @res: as for cryoctl_thaw(); @res->pid is the root's
 * @pids: NULL, or room for @pids_len pids: on success, the new pid of
 *        each member of the image's tree, in the order of its TREE record
 *        (with %CRYOCTL_THAW_NEW_PIDNS, as the new namespace sees them:
 *        the image's)
 *        (a zombie's may be reaped already by its restored parent)
 * @pids_len: entries of @pids
 * @nr_procs: NULL, or on success the members of the tree (1 for an image
 *            of one process), zombies included; 0 on failure
 *
 * An image of a process tree (format 2.2, a module of ABI 1.6) is
 * restored whole or not at all: every member's process is made by its
 * restored parent's (the root's by the caller, as for one process), gets
 * its session and process group back where these are the tree's, a
 * zombie exits again with its status for its parent to reap, and no
 * member runs before all are restored.  Members that shared an fd table
 * or an fs_struct (format 2.4, a module of ABI 1.8: clone() with
 * CLONE_FILES or CLONE_FS, &enum cryo_member_flags) share them again:
 * each sharer's process is made from its parent's with the same flag
 * (since libcryoctl 1.7.0; an older one fails such an image with
 * -EINVAL).  When one fails, every one is
 * killed and @res names the member.  cryoctl_thaw() does the same.
 * Available since libcryoctl 1.5 (symbol version CRYOCTL_1.5).
 *
 * Return: as cryoctl_thaw().
 */
int cryoctl_thaw_tree(int devfd, int image_fd, unsigned int flags,
		      const struct cryo_thaw_inherit *inherit, unsigned int nr_inherit,
		      struct cryoctl_thaw_result *res, pid_t *pids,
		      unsigned int pids_len, unsigned int *nr_procs);

/**
 * cryoctl_thaw_status() - how the thaw or remap on a session went
 * @devfd: the session
 * @st: filled in (CRYO_IOC_THAW_STATUS, without waiting); @st->message
 *      is NUL-terminated
 *
 * Available since libcryoctl 1.3.
 *
 * Return: 0, or -errno of the ioctl (-ENOTTY: not a cryo device, or a
 * module without thaw).
 */
int cryoctl_thaw_status(int devfd, struct cryo_thaw_status *st);

/**
 * cryoctl_remap() - CRYO_IOC_REMAP: reshape the caller to a layout
 * @devfd: a fresh session from cryoctl_open()
 * @image_fd: an image or a layout ("cryoctl layout")
 * @keep_start: a page-aligned range of the caller kept as it is, outside
 *              every VMA of the layout
 * @keep_len: its length
 *
 * A thin wrapper for callers that bring their own position-independent
 * code: on success every mapping of the caller outside the kept range is
 * gone, this library included, and the call returns into that range only
 * if the caller arranged for it.  See cryoctl_remap_maps() for a safe use.
 * Available since libcryoctl 1.3.
 *
 * Return: 0, or -errno of the ioctl (see &struct cryo_remap).
 */
int cryoctl_remap(int devfd, int image_fd, uint64_t keep_start, uint64_t keep_len);

/**
 * cryoctl_remap_maps() - what a process reshaped to a layout looks like
 * @devfd: a fresh session from cryoctl_open()
 * @image_fd: an image or a layout, read from its current position up to
 *            its first PAGES record
 * @buf: where the text goes, NUL-terminated
 * @len: bytes @buf has room for
 * @out_len: if not NULL, set to the length of the text (without the NUL),
 *           also when @buf is too small
 *
 * Forks a child that maps the library's stub in a range free in both the
 * caller and the layout, issues CRYO_IOC_REMAP from it with that range
 * kept, and sends back its /proc/self/maps; the stub region's own line is
 * removed.  A diagnostic of CRYO_IOC_REMAP: the child then exits.
 * Available since libcryoctl 1.3.
 *
 * Return: 0; -ERANGE when @len is not more than the text (*@out_len says
 * how long it is); -EOPNOTSUPP (the module cannot remap); the errors of
 * the image reader for @image_fd (-EPROTO, -EBADMSG, -ENODATA ...); the
 * errno of the remap (cryoctl_thaw_status() then has the module's
 * message); -EIO when the child died without one; -ENOMEM.
 */
int cryoctl_remap_maps(int devfd, int image_fd, char *buf, size_t len,
		       size_t *out_len);

/*
 * Reading images.
 *
 * A streaming reader for the record stream described in <linux/cryo.h>:
 * it never seeks, so it works on pipes, and it holds one record at a
 * time in a buffer that grows to the largest record read (at most
 * CRYO_REC_MAX_LEN bytes of payload), never the whole image.  Every
 * record's checksum and structure is checked before the record is
 * handed out; the trailer's counts are checked against what was read.
 *
 * Errors, the same from cryoctl_image_open() and cryoctl_image_next():
 *
 *  -EIO        read() of the descriptor failed (the message names why)
 *  -EBADMSG    a record's checksum does not match, or the trailer's
 *              counts disagree with the records read
 *  -EPROTO     not an image, or one this library cannot read: bad magic,
 *              another major version or architecture, first record not a
 *              HEADER, a length above CRYO_REC_MAX_LEN, a nonzero
 *              reserved field, a payload shorter (or, for an image of
 *              this library's minor version or older, longer) than its
 *              structure, records out of order or missing (the process
 *              records GROUPS, AUXV, FS, SIGNALS ... in an image with
 *              threads), addresses out of place, FILE ids that do not
 *              count up, file data that is not whole, an FD that refers
 *              to no FILE seen yet or whose number does not ascend,
 *              fields that contradict each other, an unknown record
 *              type, kind or flag in an image not newer than us
 *  -ENODATA    truncated: the stream ends before the trailer, or inside
 *              a record
 *  -EOVERFLOW  data follows the trailer
 *  -ENOMEM     out of memory
 *
 * Errors are final: once cryoctl_image_next() has returned 0 or an error,
 * it returns the same again.  cryoctl_image_error() tells which record,
 * where, and what is wrong with it.
 *
 * Payloads are handed out as stored: little-endian, in the layout of the
 * cryo_image_* structures of <linux/cryo.h>, not necessarily aligned for
 * more than 8 bytes.
 */

struct cryoctl_image;
struct cryo_image_header;
struct cryo_image_trailer;

/**
 * struct cryoctl_record - one record, as cryoctl_image_next() returns it
 * @type: &enum cryo_rec_type; may be a type this library does not know
 *        when the image's minor version is newer than the library's
 * @len: bytes of @payload
 * @payload: the payload; valid until the next call on the same image
 * @index: position of the record in the stream, from 0 for the HEADER
 * @offset: byte offset of the record's &struct cryo_rec in the stream
 */
struct cryoctl_record {
	uint32_t type;
	uint32_t len;
	const void *payload;
	uint64_t index;
	uint64_t offset;
};

/**
 * cryoctl_image_open() - start reading an image from a descriptor
 * @fd: where the image comes from, read from its current position; it is
 *      not closed by the library
 * @img: set to the new reader
 *
 * Reads and checks the HEADER record, so that cryoctl_image_header() is
 * available at once.  cryoctl_image_next() then returns every record in
 * stream order, the HEADER first.
 *
 * Whatever the result, call cryoctl_image_close(*@img) when done (it
 * accepts NULL): on failure *@img is normally a reader in the failed state
 * whose cryoctl_image_error() explains the failure, and NULL only when
 * @img is NULL (-EINVAL) or the reader could not be allocated (-ENOMEM).
 *
 * Return: 0, or an error from the table above.
 */
int cryoctl_image_open(int fd, struct cryoctl_image **img);

/**
 * cryoctl_image_next() - read the next record
 * @img: the reader
 * @rec: filled in with the record when 1 is returned
 *
 * Records of a type unknown to the library are returned (callers skip
 * them) only when the image's minor version is newer than the library's.
 * The TRAILER is not returned: it is checked, together with the absence
 * of any further data, and 0 is returned.
 *
 * Return: 1 with @rec filled in; 0 at the end of a complete, verified
 * image (cryoctl_image_trailer() then gives its trailer); or an error
 * from the table above (-EINVAL when @img or @rec is NULL).
 */
int cryoctl_image_next(struct cryoctl_image *img, struct cryoctl_record *rec);

/**
 * cryoctl_image_header() - the image's header
 * @img: the reader
 *
 * Return: the HEADER payload (as stored, little-endian), or NULL when
 * cryoctl_image_open() could not read a valid one.
 */
const struct cryo_image_header *cryoctl_image_header(const struct cryoctl_image *img);

/**
 * cryoctl_image_trailer() - the image's trailer, once verified
 * @img: the reader
 *
 * Return: the TRAILER payload (as stored, little-endian) after
 * cryoctl_image_next() has returned 0, else NULL.
 */
const struct cryo_image_trailer *cryoctl_image_trailer(const struct cryoctl_image *img);

/**
 * cryoctl_image_error() - what went wrong, and where
 * @img: the reader
 * @index: if not NULL, set to the index of the record at fault (for a
 *         stream that ends early, the index of the record that is missing;
 *         for data after the trailer, the trailer's index + 1)
 * @offset: if not NULL, set to the byte offset where that record starts
 *
 * Return: NULL if no error has happened, else a one-line description such
 * as "record 3 (THREAD) at byte 1234: checksum mismatch (stored
 * 0x12345678, computed 0x9abcdef0)", valid until @img is closed.
 */
const char *cryoctl_image_error(const struct cryoctl_image *img,
				uint64_t *index, uint64_t *offset);

/**
 * cryoctl_image_close() - free a reader
 * @img: the reader, or NULL
 *
 * Does not close the descriptor given to cryoctl_image_open().
 */
void cryoctl_image_close(struct cryoctl_image *img);

/*
 * Events, sessions and statistics.
 *
 * The module's generic netlink family (see "Generic netlink" in
 * <linux/cryo.h>) reports every freeze and thaw as it happens and answers
 * questions about the open sessions.  These functions speak it (through
 * libnl-3, which callers never see).  The family exists in the initial
 * network namespace only, and every pid it reports is in the initial pid
 * namespace.  Listing sessions and reading statistics need
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN; subscribing to events needs
 * CAP_SYS_ADMIN.  Available since libcryoctl 1.4 (symbol version
 * CRYOCTL_1.4), with a module of ABI 1.2 (%CRYO_FEATURE_NETLINK).
 *
 * Errors common to all of them: -ENOENT (the module is not loaded, is
 * older than ABI 1.2, or this network namespace does not see it), -EPERM
 * (the capability is missing), -ENOMEM, -EPROTO (an answer the library
 * cannot parse), or another -errno of a netlink socket.
 */

struct cryoctl_events;

/**
 * struct cryoctl_event - one event, as cryoctl_events_next() returns it
 * @size: in: sizeof(struct cryoctl_event) as the caller knows it, at least
 *        %CRYOCTL_EVENT_SIZE_VER0; fields past it are not written
 * @type: what happened: %CRYO_NL_CMD_FREEZE_BEGIN, %CRYO_NL_CMD_FREEZE_END,
 *        %CRYO_NL_CMD_FREEZE_ABORT, %CRYO_NL_CMD_FREEZE_COMMIT,
 *        %CRYO_NL_CMD_FREEZE_RELEASE, %CRYO_NL_CMD_THAW_BEGIN,
 *        %CRYO_NL_CMD_THAW_END, or a type of a newer module (returned with
 *        the attributes the library knows)
 * @session: the session it happened in (&enum cryo_nl_attr
 *           %CRYO_NL_A_SESSION_ID)
 * @time_ns: when, CLOCK_REALTIME in ns
 * @pid: a freeze's target or the process a thaw restored; 0 if none
 * @caller_pid: who issued the freeze or thaw (the BEGIN events); 0 if none
 * @image_pid: a thaw's image's pid (THAW_END); 0 if none
 * @flags: the freeze's or thaw's flags (the BEGIN events)
 * @target: &enum cryo_nl_target: how the target was left; 0 if none
 * @reason: &enum cryo_nl_reason (FREEZE_ABORT); 0 if none
 * @error: the positive errno of the END and ABORT events, 0 for success
 * @nr_threads: threads in the image (FREEZE_END)
 * @bytes: image bytes read (END, ABORT, COMMIT, RELEASE)
 * @pages: pages in the image (FREEZE_END)
 * @duration_ns: how long the freeze or thaw took so far
 * @message: why a thaw failed, NUL-terminated; empty if none
 * @nr_processes: processes in the image, zombies included (FREEZE_END,
 *	modules since ABI 1.6; THAW_END, since ABI 1.7, 0 if the image was
 *	not read as far as its TREE record); past %CRYOCTL_EVENT_SIZE_VER0
 *
 * The kernel documents which attribute each event carries; what an event
 * lacks is 0 here.
 */
struct cryoctl_event {
	uint32_t size;
	uint32_t type;
	uint64_t session;
	uint64_t time_ns;
	int32_t pid;
	int32_t caller_pid;
	int32_t image_pid;
	uint32_t flags;
	uint32_t target;
	uint32_t reason;
	int32_t error;
	uint32_t nr_threads;
	uint64_t bytes;
	uint64_t pages;
	uint64_t duration_ns;
	char message[CRYO_THAW_MSG_LEN];
	uint32_t nr_processes;
	uint32_t __reserved;
};

/** CRYOCTL_EVENT_SIZE_VER0 - first size of &struct cryoctl_event */
#define CRYOCTL_EVENT_SIZE_VER0	(80 + CRYO_THAW_MSG_LEN)
/** CRYOCTL_EVENT_SIZE_VER1 - with @nr_processes (libcryoctl 1.5) */
#define CRYOCTL_EVENT_SIZE_VER1	(88 + CRYO_THAW_MSG_LEN)

/**
 * cryoctl_events_open() - subscribe to the module's events
 * @ev: set to the new subscription
 *
 * Opens a netlink socket and joins the module's events group.  From then
 * on every event is queued on it until read with cryoctl_events_next();
 * a subscriber that falls behind loses events (-ENOBUFS).
 *
 * Return: 0, or -ENOENT, -EPERM (CAP_SYS_ADMIN is missing), -ENOMEM,
 * -EINVAL (@ev is NULL), another -errno.
 */
int cryoctl_events_open(struct cryoctl_events **ev);

/**
 * cryoctl_events_fd() - the descriptor to poll for events
 * @ev: the subscription
 *
 * The descriptor becomes readable (POLLIN) when an event is queued; read
 * it with cryoctl_events_next(), never directly.  It is non-blocking and
 * close-on-exec, and stays owned by @ev.
 *
 * Return: the descriptor, or -EINVAL when @ev is NULL.
 */
int cryoctl_events_fd(const struct cryoctl_events *ev);

/**
 * cryoctl_events_next() - the next event
 * @ev: the subscription
 * @e: filled in with the event when 1 is returned (set @e->size first)
 * @timeout_ms: how long to wait for one: 0 not at all, -1 forever
 *
 * Return: 1 with @e filled in; 0 when no event came within @timeout_ms;
 * -ENOBUFS when events were lost because they came faster than they were
 * read (the subscription goes on: call again); -EINTR when a signal
 * interrupted the wait; -EINVAL (@ev or @e is NULL, or @e->size is below
 * %CRYOCTL_EVENT_SIZE_VER0); another -errno of the socket.
 */
int cryoctl_events_next(struct cryoctl_events *ev, struct cryoctl_event *e,
			int timeout_ms);

/**
 * cryoctl_events_close() - end a subscription
 * @ev: the subscription, or NULL
 */
void cryoctl_events_close(struct cryoctl_events *ev);

/**
 * struct cryoctl_session - one open /dev/cryo session
 * @size: sizeof(struct cryoctl_session) as the library knows it; later
 *        versions append fields
 * @state: &enum cryo_nl_state
 * @id: the session's number (from 1, in the order of the opens)
 * @pid: a freeze's target, or the process a thaw restored; 0 if none
 * @image_pid: a thaw's image's pid; 0 if none
 * @caller_pid: who began the freeze or thaw; 0 for an idle session
 * @opener_pid: who opened the session
 * @flags: the freeze's or thaw's flags
 * @nr_processes: the processes of the freeze's tree, once
 *	%CRYO_IOC_FREEZE parked it, or of a thaw's image, zombies included,
 *	once %CRYO_IOC_THAW read it; 0 if not known (an idle session, a
 *	module older than ABI 1.7, a library older than the field, which
 *	was @__reserved and 0 there)
 * @bytes: image bytes read so far
 * @open_time_ns: when the session was opened, CLOCK_REALTIME in ns
 * @start_time_ns: when its freeze or thaw began; 0 for an idle session
 */
struct cryoctl_session {
	uint32_t size;
	uint32_t state;
	uint64_t id;
	int32_t pid;
	int32_t image_pid;
	int32_t caller_pid;
	int32_t opener_pid;
	uint32_t flags;
	uint32_t nr_processes;
	uint64_t bytes;
	uint64_t open_time_ns;
	uint64_t start_time_ns;
};

/**
 * typedef cryoctl_session_fn - called by cryoctl_sessions() per session
 * @s: the session; valid during the call only
 * @arg: the caller's cookie
 *
 * Return: 0 to go on; anything else stops the listing, and
 * cryoctl_sessions() returns it.
 */
typedef int (*cryoctl_session_fn)(const struct cryoctl_session *s, void *arg);

/**
 * cryoctl_sessions() - list the open sessions
 * @pid: 0 for every session, or only those whose &cryoctl_session.pid
 *       is this one
 * @fn: called for each session, in the order of their ids
 * @arg: passed to @fn
 *
 * A snapshot, taken by the module while it answers: sessions opened or
 * closed meanwhile may or may not be in it.
 *
 * Return: 0 when every session was listed; what @fn returned when it
 * stopped the listing; -EINVAL (@fn is NULL, @pid negative); or an error
 * common to these functions (-EPERM: CAP_CHECKPOINT_RESTORE or
 * CAP_SYS_ADMIN is missing).
 */
int cryoctl_sessions(pid_t pid, cryoctl_session_fn fn, void *arg);

/**
 * struct cryoctl_errno_count - how often one errno ended an operation
 * @error: the positive errno; 0 stands for all errnos above 255
 * @__reserved: 0
 * @count: how many times
 */
struct cryoctl_errno_count {
	int32_t error;
	uint32_t __reserved;
	uint64_t count;
};

/** CRYOCTL_STATS_MAX_ERRORS - errnos &struct cryoctl_stats holds per kind */
#define CRYOCTL_STATS_MAX_ERRORS	32

/**
 * struct cryoctl_stats - the module's counters, see cryoctl_stats()
 * @size: in: sizeof(struct cryoctl_stats) as the caller knows it, at least
 *        %CRYOCTL_STATS_SIZE_VER0; fields past it are not written
 * @nr_freeze_errors: out: entries used in @freeze_errors
 * @nr_thaw_errors: out: entries used in @thaw_errors
 * @__reserved: out: 0
 * @load_time_ns: when the module was loaded (CLOCK_REALTIME, ns); every
 *                counter counts from then
 * @sessions: sessions open now
 * @freezes: freezes begun
 * @freezes_done: freezes whose image was complete
 * @freezes_aborted: freezes aborted with the target let go
 * @freezes_refused: CRYO_IOC_FREEZE commands refused before anything was
 *                   done (no such process, no permission, ...)
 * @commits: targets let go by CRYO_IOC_COMMIT
 * @kills: of which killed (%CRYO_FREEZE_KILL)
 * @freeze_bytes: bytes of the complete images
 * @freeze_pages: pages in the complete images
 * @thaws: thaws begun
 * @thaws_done: thaws that restored their process
 * @thaws_failed: thaws that failed
 * @thaw_bytes: bytes of the images of successful thaws
 * @freeze_errors: the errnos of refused and aborted freezes, lowest first
 *                 (errno 0, the others, last); at most
 *                 %CRYOCTL_STATS_MAX_ERRORS
 * @thaw_errors: the same for failed thaws
 */
struct cryoctl_stats {
	uint32_t size;
	uint32_t nr_freeze_errors;
	uint32_t nr_thaw_errors;
	uint32_t __reserved;
	uint64_t load_time_ns;
	uint64_t sessions;
	uint64_t freezes;
	uint64_t freezes_done;
	uint64_t freezes_aborted;
	uint64_t freezes_refused;
	uint64_t commits;
	uint64_t kills;
	uint64_t freeze_bytes;
	uint64_t freeze_pages;
	uint64_t thaws;
	uint64_t thaws_done;
	uint64_t thaws_failed;
	uint64_t thaw_bytes;
	struct cryoctl_errno_count freeze_errors[CRYOCTL_STATS_MAX_ERRORS];
	struct cryoctl_errno_count thaw_errors[CRYOCTL_STATS_MAX_ERRORS];
};

/** CRYOCTL_STATS_SIZE_VER0 - first size of &struct cryoctl_stats */
#define CRYOCTL_STATS_SIZE_VER0	(128 + 2 * 16 * CRYOCTL_STATS_MAX_ERRORS)

/**
 * cryoctl_stats() - read the module's counters
 * @st: filled in (set @st->size first)
 *
 * Return: 0; -EINVAL (@st is NULL or @st->size is below
 * %CRYOCTL_STATS_SIZE_VER0); or an error common to these functions
 * (-EPERM: CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN is missing).
 */
int cryoctl_stats(struct cryoctl_stats *st);

/**
 * cryoctl_event_name() - a short name for an event type
 * @type: &cryoctl_event.type
 *
 * Return: "freeze-begin", "freeze-end", "freeze-abort", "freeze-commit",
 * "freeze-release", "thaw-begin", "thaw-end", or "unknown".
 */
const char *cryoctl_event_name(uint32_t type);

/**
 * cryoctl_state_name() - a short name for a session state
 * @state: &enum cryo_nl_state
 *
 * Return: "idle", "freezing", "frozen", "freeze-done", "freeze-failed",
 * "thawing", "thaw-done", "thaw-failed", or "unknown".
 */
const char *cryoctl_state_name(uint32_t state);

/**
 * cryoctl_target_name() - a short name for how a target was left
 * @target: &enum cryo_nl_target
 *
 * Return: "resumed", "held", "killed", "exited", or "" for 0 and unknown
 * values.
 */
const char *cryoctl_target_name(uint32_t target);

/**
 * cryoctl_reason_name() - a short name for why a freeze was aborted
 * @reason: &enum cryo_nl_reason
 *
 * Return: "reader-gone", "target-exited", "timeout", "error", or "" for 0
 * and unknown values.
 */
const char *cryoctl_reason_name(uint32_t reason);

#ifdef __cplusplus
}
#endif

#endif /* CRYOCTL_H */
