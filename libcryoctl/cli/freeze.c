// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl freeze: park a process and write its image to stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/cryo.h>

#include "cryoctl.h"
#include "cli.h"

/* At most this often is the progress line redrawn. */
#define PROGRESS_INTERVAL_NS	250000000LL

struct progress {
	pid_t pid;
	bool tty;		/* redraw one line with '\r' */
	bool shown;		/* a line without its newline is on screen */
	bool snapshot;		/* --snapshot: ENOMEM is about it */
	long long start_ns;
	long long last_ns;
	uint64_t bytes;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void progress_print(struct progress *p, long long now, bool last)
{
	double secs = (now - p->start_ns) / 1e9;
	double mib = p->bytes / 1048576.0;
	double rate = secs > 0 ? mib / secs : 0;
	char size[32];

	if (p->bytes < 1048576)
		snprintf(size, sizeof(size), "%.1f KiB", p->bytes / 1024.0);
	else
		snprintf(size, sizeof(size), "%.1f MiB", mib);
	if (last)
		fprintf(stderr, "%scryoctl: PID %d: %s in %.2f s, %.1f MiB/s\n",
			p->tty ? "\r" : "", (int)p->pid, size, secs, rate);
	else if (p->tty)
		fprintf(stderr, "\rcryoctl: PID %d: %s, %.1f MiB/s      ",
			(int)p->pid, size, rate);
	else
		fprintf(stderr, "cryoctl: PID %d: %s, %.1f MiB/s\n",
			(int)p->pid, size, rate);
	p->shown = p->tty && !last;
	p->last_ns = now;
}

static int progress_cb(uint64_t bytes, void *arg)
{
	struct progress *p = arg;
	long long now = now_ns();

	p->bytes = bytes;
	if (now - p->last_ns >= PROGRESS_INTERVAL_NS)
		progress_print(p, now, false);
	return 0;
}

/* Strictly a positive decimal number that fits @max: no sign, no spaces. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

/* Bytes: a decimal number, with K, M or G for KiB, MiB, GiB. */
static bool parse_size(const char *s, uint64_t *out)
{
	char num[24];
	size_t len = strlen(s);
	unsigned int shift = 0;
	unsigned long v;

	if (len && strchr("KMG", s[len - 1])) {
		shift = s[len - 1] == 'K' ? 10 : s[len - 1] == 'M' ? 20 : 30;
		len--;
	}
	if (!len || len >= sizeof(num))
		return false;
	memcpy(num, s, len);
	num[len] = '\0';
	if (!parse_uint(num, ULONG_MAX >> shift, &v))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/* The path /proc/PID/fd/FD names, or "?" when it cannot be read. */
static const char *fd_path(pid_t pid, int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(path, buf, size - 1);
	if (n <= 0)
		return "?";
	buf[n] = 0;
	return buf;
}

/*
 * "fd 5 of PID 1234 is socket:[5678]", or "fd 5 of PID 1234" when its
 * /proc/PID/fd entry cannot be read (the target is gone, or not ours).
 */
static void describe_fd(pid_t pid, int fd, char *buf, size_t size)
{
	char target[256];

	if (fd_path(pid, fd, target, sizeof(target)) != target) {
		snprintf(buf, size, "fd %d of PID %d", fd, (int)pid);
		return;
	}
	snprintf(buf, size, "fd %d of PID %d is %s%s", fd, (int)pid, target,
		 strlen(target) == sizeof(target) - 1 ? "..." : "");
}

/* The file of mapping @idx (from 0) of @pid, as /proc/PID/maps names it. */
static const char *maps_line(pid_t pid, int idx, char *buf, size_t size)
{
	char path[64], *line = NULL, *name;
	size_t cap = 0;
	FILE *f;
	int i = 0;

	snprintf(buf, size, "mapping %d of /proc/%d/maps", idx, (int)pid);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return buf;
	while (getline(&line, &cap, f) > 0) {
		if (i++ != idx)
			continue;
		line[strcspn(line, "\n")] = '\0';
		name = strchr(line, '/');
		if (name)
			snprintf(buf, size, "%s", name);
		break;
	}
	free(line);
	fclose(f);
	return buf;
}

static const char *lock_kind(uint32_t refusal)
{
	switch (refusal) {
	case CRYO_REFUSAL_LOCK_POSIX:
		return "a POSIX record lock (fcntl F_SETLK)";
	case CRYO_REFUSAL_LOCK_OFD:
		return "an open file description lock (F_OFD_SETLK)";
	case CRYO_REFUSAL_LOCK_FLOCK:
		return "a flock() lock";
	default:
		return "a lease (F_SETLEASE)";
	}
}

/* Is @id a thread of process @pid (as opposed to another process)? */
static bool is_thread_of(pid_t pid, int id)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, id);
	return !access(path, F_OK);
}

/* Is process @id @root or one of its descendants (by /proc ppids)? */
static bool in_tree_of(pid_t root, int id)
{
	char path[64], buf[512], *p;
	int depth, ppid;
	size_t n;
	FILE *f;

	for (depth = 0; id > 0 && depth < 4096; depth++) {
		if (id == (int)root)
			return true;
		snprintf(path, sizeof(path), "/proc/%d/stat", id);
		f = fopen(path, "re");
		if (!f)
			return false;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* After the command name, which may hold anything: state, ppid. */
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
			return false;
		id = ppid;
	}
	return false;
}

/*
 * A refusal the module named (ABI 1.4): say what, which fd, thread or
 * process, and what to do.  Returns the exit status, or -1 for a reason
 * this cryoctl does not know (the generic message follows then).
 */
static int report_refusal(pid_t pid, const struct cryoctl_freeze_result *res)
{
	int id = (int)pid, rid = res->refusal_id;
	char path[256];

	/*
	 * Of a tree (ABI 1.6), an fd, thread or mapping is a member's: name
	 * that member.  Before, it is PID's own.
	 */
	if (res->refusal_pid > 0) {
		id = res->refusal_pid;
		pid = res->refusal_pid;
	}

	switch (res->refusal) {
	case CRYO_REFUSAL_ACCESS:
		cli_err("freeze: not permitted to freeze PID %d: %s %d runs with uids or gids other than your real uid and gid, or PID %d is not dumpable (set-user-ID, PR_SET_DUMPABLE 0); that needs CAP_SYS_PTRACE",
			id, rid == id ? "PID" : "its thread", rid, id);
		return EXIT_PERM;
	case CRYO_REFUSAL_CAPS:
		cli_err("freeze: not permitted to freeze PID %d: %s %d holds capabilities you do not have (or runs in another user namespace); that needs CAP_SYS_PTRACE",
			id, rid == id ? "PID" : "its thread", rid);
		return EXIT_PERM;
	case CRYO_REFUSAL_PTRACE:
		cli_err("freeze: not permitted to freeze PID %d: the kernel's ptrace check refused (Yama's ptrace_scope, AppArmor, SELinux ...): cryo freezes only what you could ptrace",
			id);
		return EXIT_PERM;
	case CRYO_REFUSAL_UNREADABLE_FILE:
		cli_err("freeze: PID %d fd %d is the deleted file %s, which you may not read or which it opened without read access; pass --accept-loss to freeze without its contents",
			id, rid, fd_path(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_LOCK_POSIX:
	case CRYO_REFUSAL_LOCK_OFD:
	case CRYO_REFUSAL_LOCK_FLOCK:
	case CRYO_REFUSAL_LEASE:
		cli_err("freeze: PID %d fd %d holds %s on %s; cryo cannot save file locks and leases yet; pass --accept-loss to freeze without them (they are lost)",
			id, rid, lock_kind(res->refusal),
			fd_path(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_CHILD:
		cli_err("freeze: PID %d has a child process, PID %d, which would not be in the image; pass --accept-loss to freeze PID %d alone",
			id, rid, id);
		return EXIT_FAIL;
	case CRYO_REFUSAL_AMX:
		cli_err("freeze: PID %d has enabled AMX (arch_prctl(ARCH_REQ_XCOMP_PERM)), whose tile state cryo cannot save; it keeps running",
			id);
		return EXIT_FAIL;
	case CRYO_REFUSAL_SQPOLL:
		cli_err("freeze: PID %d: thread %d polls an io_uring submission queue (IORING_SETUP_SQPOLL), which cryo cannot freeze; it keeps running",
			id, rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_MAPPING:
		cli_err("freeze: PID %d maps %s, a file a thaw could not map again (deleted since it was mapped, or not a regular file): the image would never thaw; it keeps running (--accept-loss makes the image anyway, for forensics)",
			id, maps_line(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_SECCOMP:
		cli_err("freeze: PID %d: thread %d runs under a seccomp filter, which cryo cannot restore; pass --accept-loss to freeze without it (a thaw runs unfiltered)",
			id, rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_DELETED_TOO_BIG:
		cli_err("freeze: PID %d fd %d (%s): the contents of the deleted files the tree holds would exceed %llu bytes; it keeps running (--max-deleted-data SIZE raises the limit, --accept-loss freezes without their contents: a thaw then needs --inherit-fd)",
			id, rid, fd_path(pid, rid, path, sizeof(path)),
			(unsigned long long)(res->max_deleted_data ?
					     res->max_deleted_data :
					     CRYO_DELETED_DATA_DEFAULT));
		return EXIT_FAIL;
	case CRYO_REFUSAL_DELETED_MAPPING_TOO_BIG:
		cli_err("freeze: PID %d maps %s, a deleted file: the contents of the deleted files the tree maps or holds would exceed %llu bytes; it keeps running (--max-deleted-data SIZE raises the limit)",
			id, maps_line(pid, rid, path, sizeof(path)),
			(unsigned long long)(res->max_deleted_data ?
					     res->max_deleted_data :
					     CRYO_DELETED_DATA_DEFAULT));
		return EXIT_FAIL;
	case CRYO_REFUSAL_DELETED_MAPPING_UNREADABLE:
		cli_err("freeze: PID %d maps %s, a deleted file you may not read: its contents could not be saved; it keeps running",
			id, maps_line(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_DELETED_MAPPING_SHARED_FILES:
		cli_err("freeze: PID %d maps %s, a deleted file, and shares its parent's fd table (CLONE_FILES): cryo cannot save that file yet; it keeps running",
			id, maps_line(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_PTY_MASTER:
		cli_err("freeze: PID %d fd %d is the master side of a pseudo-terminal (%s), which cryo cannot save yet; it keeps running (--accept-loss makes the image anyway: a thaw then needs --inherit-fd %d=FD)",
			id, rid, fd_path(pid, rid, path, sizeof(path)), rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_EPOLL_TARGET:
		cli_err("freeze: PID %d: the epoll at fd %d watches a file through fd %d, which no longer holds that file (closed or replaced while another fd keeps it): a thaw could not give the item back at its number; it keeps running (--accept-loss saves the epoll as lost)",
			id, rid, res->bad_fd);
		return EXIT_FAIL;
	case CRYO_REFUSAL_EPOLL_TOO_MANY:
		cli_err("freeze: PID %d: the epoll at fd %d watches more files than an image holds; it keeps running (--accept-loss saves the epoll as lost)",
			id, rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_PTY_QUEUE:
		cli_err("freeze: PID %d fd %d (%s) is the master of a pseudo-terminal with bytes queued for an end that processes its input (canonical mode, echo, signals) or for a slave no process of the tree holds: they cannot be put back as they were; it keeps running (--accept-loss makes the image without them)",
			id, rid, fd_path(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_PTY_OUTSIDE:
		cli_err("freeze: PID %d fd %d (%s) is the master of a pseudo-terminal whose slave a process outside the tree holds open; a thaw would leave that process on the old pair; it keeps running (--accept-loss makes the image anyway)",
			id, rid, fd_path(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_PTY_CTTY:
		cli_err("freeze: PID %d fd %d (%s) is the master of a pseudo-terminal whose slave is a session's controlling terminal, which cryo does not make again on a new pair yet; it keeps running (--accept-loss makes the image anyway)",
			id, rid, fd_path(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_CHROOT:
		cli_err("freeze: PID %d runs with another root directory (a chroot, or another mount namespace): a thaw could not put it back there, and at the thawing root it would reach more than it could; it keeps running (--accept-loss makes an image for forensics, which does not thaw)",
			rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_SCHED_DEADLINE:
		cli_err("freeze: PID %d: thread %d runs under SCHED_DEADLINE, which cryo cannot restore; it keeps running (--accept-loss freezes it, a thaw giving it SCHED_OTHER)",
			id, rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_SHARED_MM:
	case CRYO_REFUSAL_SHARED_FILES:
	case CRYO_REFUSAL_SHARED_FS: {
		const char *what = res->refusal == CRYO_REFUSAL_SHARED_MM ?
				   "its memory (CLONE_VM)" :
				   res->refusal == CRYO_REFUSAL_SHARED_FILES ?
				   "its fd table (CLONE_FILES)" :
				   "its root, cwd and umask (CLONE_FS)";

		if (rid && res->refusal != CRYO_REFUSAL_SHARED_MM &&
		    is_thread_of(id, rid))
			cli_err("freeze: PID %d: its thread %d does not share %s with the others; cryo cannot freeze it",
				id, rid, what);
		else if (rid && res->refusal != CRYO_REFUSAL_SHARED_MM &&
			 in_tree_of(pid, rid))
			cli_err("freeze: PID %d of the tree shares %s with PID %d, but not as clone() makes it (each sharer a child of another); a thaw could not share it again, cryo cannot freeze it",
				rid, what, id);
		else if (rid)
			cli_err("freeze: PID %d shares %s with PID %d, which is not being frozen; cryo cannot freeze it",
				id, what, rid);
		else
			cli_err("freeze: PID %d shares %s with a process outside your pid namespace; cryo cannot freeze it",
				id, what);
		return EXIT_FAIL;
	}
	case CRYO_REFUSAL_PIPE_OUTSIDE:
		cli_err("freeze: PID %d fd %d (%s): a pipe whose other end is held outside the tree; the image could not hold what goes through it, so it would not thaw; the tree keeps running (--accept-loss makes the image anyway; its thaw then needs --inherit-fd %d=FD)",
			id, rid, fd_path(pid, rid, path, sizeof(path)), rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_SHARED_MEMORY:
		cli_err("freeze: PID %d maps shared memory (%s) that a process outside the tree maps too; after a thaw what that process writes would no longer reach the tree; the tree keeps running (freeze the process that shares it with the tree, or --accept-loss to make the image anyway, the tree keeping the memory to itself)",
			id, maps_line(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_MEMFD_FD:
		cli_err("freeze: PID %d fd %d (%s) is a memfd of huge pages (MFD_HUGETLB) or secret memory (memfd_secret), whose contents cryo cannot save; it keeps running (--accept-loss freezes without it: a thaw then needs --inherit-fd %d=FD)",
			id, rid, fd_path(pid, rid, path, sizeof(path)), rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_EVENTFD_FLAGS:
		cli_err("freeze: PID %d fd %d (%s) is an eventfd whose EFD_SEMAPHORE flag this kernel does not show where cryo can read it soundly; it keeps running (--accept-loss freezes without it: a thaw then needs --inherit-fd %d=FD)",
			id, rid, fd_path(pid, rid, path, sizeof(path)), rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_TIMERFD_ALARM:
		cli_err("freeze: PID %d fd %d (%s) is a timerfd on an alarm clock, which only CAP_WAKE_ALARM makes again; it keeps running (--accept-loss freezes without it: a thaw then needs --inherit-fd %d=FD)",
			id, rid, fd_path(pid, rid, path, sizeof(path)), rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_TIMERFD_CANCEL:
		cli_err("freeze: PID %d fd %d (%s) is a timerfd armed with TFD_TIMER_CANCEL_ON_SET, whose cancelled state cryo cannot read; it keeps running (--accept-loss freezes without it: a thaw then needs --inherit-fd %d=FD)",
			id, rid, fd_path(pid, rid, path, sizeof(path)), rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_MEMFD_OUTSIDE:
		cli_err("freeze: PID %d fd %d (%s) is a memfd that a process outside the tree holds too; after a thaw the tree would have a memfd of its own, and what one writes would no longer reach the other; the tree keeps running (--accept-loss makes the image anyway)",
			id, rid, fd_path(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_MEMFD_MAPPING:
		cli_err("freeze: PID %d maps %s, a memfd of huge pages (MFD_HUGETLB) or secret memory (memfd_secret), whose contents cryo cannot save; it keeps running (--accept-loss makes the image anyway, for forensics)",
			id, maps_line(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_FANOTIFY:
		cli_err("freeze: PID %d fd %d is a fanotify group, whose marks and pending events cryo cannot save; it keeps running (--accept-loss freezes without it: a thaw then needs --inherit-fd %d=FD)",
			id, rid, rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_INOTIFY_PATH:
		cli_err("freeze: PID %d fd %d is an inotify watching an inode that has no path a thaw could watch it by again (unlinked, or on no mount cryoctl sees; the kernel log names the watch); it keeps running (--accept-loss freezes without it: a thaw then needs --inherit-fd %d=FD)",
			id, rid, rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_INOTIFY_QUEUE:
		cli_err("freeze: PID %d fd %d is an inotify with events it has not read yet, which cryo cannot queue again; it keeps running (try again once it has read them, or --accept-loss freezes without it: a thaw then needs --inherit-fd %d=FD)",
			id, rid, rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_INOTIFY_WD:
		cli_err("freeze: PID %d fd %d is an inotify with a watch descriptor above %d or more than %d watches; it keeps running (--accept-loss freezes without it: a thaw then needs --inherit-fd %d=FD)",
			id, rid, CRYO_INOTIFY_WD_MAX, CRYO_INOTIFY_WATCHES_MAX, rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_OPATH_UNLINKED:
		cli_err("freeze: PID %d fd %d (%s) is an O_PATH descriptor of a symbolic link, socket or block device that has been deleted; a thaw could not open it again; it keeps running (--accept-loss freezes without it)",
			id, rid, fd_path(pid, rid, path, sizeof(path)));
		return EXIT_FAIL;
	case CRYO_REFUSAL_POSIX_TIMER_LIMIT:
		cli_err("freeze: PID %d: POSIX timer %d is past what an image holds (ids up to 1023, 32 timers); it keeps running (--accept-loss freezes without it)",
			id, rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_POSIX_TIMER_CLOCK:
		cli_err("freeze: PID %d: POSIX timer %d counts a CPU-time or alarm clock, which cryo cannot restore; it keeps running (--accept-loss freezes without it)",
			id, rid);
		return EXIT_FAIL;
	case CRYO_REFUSAL_POSIX_TIMER_NOTIFY:
		cli_err("freeze: PID %d: POSIX timer %d signals a thread the image does not hold; it keeps running (--accept-loss freezes without it)",
			id, rid);
		return EXIT_FAIL;
	default:
		return -1;
	}
}

/*
 * One piece: a single switch from each errno of a freeze to its message
 * and exit code, read as a table.
 */
static int report_error(int err, pid_t pid, const struct progress *p,
			unsigned int timeout_ms,
			const struct cryoctl_freeze_result *res)
{
	int bad_fd = res->bad_fd;
	char what[384];
	int id = (int)pid, ret;

	if (p->shown)
		fputc('\n', stderr);
	if (res->refusal != CRYO_REFUSAL_NONE) {
		ret = report_refusal(pid, res);
		if (ret >= 0)
			return ret;
	}
	switch (err) {
	case -ESRCH:
		cli_err("freeze: no such process: %d (or a zombie, exiting, or a kernel thread)",
			id);
		return EXIT_FAIL;
	case -EPERM:
	case -EACCES:
		cli_err("freeze: not permitted to freeze PID %d (the rules of ptrace attach apply; cryoctl itself and init are never frozen)",
			id);
		return EXIT_PERM;
	case -EBUSY:
		cli_err("freeze: PID %d is held by another freeze or a thread could not be parked within %u ms; it keeps running untouched",
			id, timeout_ms ? timeout_ms : CRYO_FREEZE_TIMEOUT_DEFAULT_MS);
		return EXIT_FAIL;
	case -EINVAL:
		cli_err("freeze: the module refused the request (flags or timeout not supported)");
		return EXIT_FAIL;
	case -ENOTTY:
		cli_err("freeze: the device does not support freeze (an older cryo module?)");
		return EXIT_FAIL;
	case -EINTR:
		cli_err("freeze: interrupted; PID %d keeps running", id);
		return EXIT_FAIL;
	case -EOPNOTSUPP:
		if (bad_fd < 0) {
			cli_err("freeze: PID %d holds state cryo cannot save (the kernel log says what: an open file, which --accept-loss would leave behind, or AMX enabled with arch_prctl, which cannot be); it keeps running",
				id);
			return EXIT_FAIL;
		}
		describe_fd(res->refusal_pid > 0 ? res->refusal_pid : pid, bad_fd,
			    what, sizeof(what));
		cli_err("freeze: %s, which cryo cannot save; pass --accept-loss to freeze without it",
			what);
		return EXIT_FAIL;
	case -ENOMEM:
		cli_err("freeze: out of memory%s; PID %d keeps running",
			p->snapshot ?
			" for the snapshot of its pages (try without --snapshot)" : "",
			id);
		return EXIT_FAIL;
	case -EIO:
		cli_err("freeze: a thread of PID %d could not save its state; it keeps running",
			id);
		return EXIT_FAIL;
	case -EPIPE:
		cli_err("freeze: the image's reader went away (broken pipe); PID %d keeps running",
			id);
		return EXIT_FAIL;
	case -ENOSPC:
	case -EDQUOT:
	case -EFBIG:
		cli_err("freeze: writing the image: %s; PID %d keeps running",
			strerror(-err), id);
		return EXIT_FAIL;
	case -EAGAIN:
	case -ENOENT:
		if (err == -EAGAIN && !res->nr_threads) {
			cli_err("freeze: the tree of PID %d kept changing (processes forking or exiting as it was parked), or a thread stayed inside a system call that cannot be left for a freeze (an io_uring wait, an exec) for %u ms; it keeps running untouched, try again",
				id, timeout_ms ? timeout_ms : CRYO_FREEZE_TIMEOUT_DEFAULT_MS);
			return EXIT_FAIL;
		}
		cli_err("freeze: the image is written but the kernel refused COMMIT (%s); PID %d keeps running",
			strerror(-err), id);
		return EXIT_FAIL;
	default:
		cli_err("freeze: PID %d: %s; it keeps running", id, strerror(-err));
		return EXIT_FAIL;
	}
}

/* --leave-frozen: hold the device open until told to let go. */
static void hold_until_signalled(pid_t pid)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	cli_err("PID %d held frozen; interrupt (Ctrl-C) or send SIGTERM to release",
		(int)pid);
	sigwait(&set, &sig);
}

static const struct option freeze_opts[] = {
	{ "kill",		no_argument,		NULL, 'k' },
	{ "leave-frozen",	no_argument,		NULL, 'l' },
	{ "accept-loss",	no_argument,		NULL, 'a' },
	{ "snapshot",		no_argument,		NULL, 's' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "max-deleted-data",	required_argument,	NULL, 'm' },
	{ "progress",		no_argument,		NULL, 'p' },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * One piece: the option parsing, then the freeze and its outcome in the
 * order the user sees them; the steps share the parsed options and the
 * descriptors that the single exit path closes.
 */
static int run_freeze(int argc, char **argv)
{
	struct cryoctl_freeze_result res = { .size = sizeof(res) };
	struct progress prog = { 0 };
	bool want_progress = false;
	unsigned int flags = 0, timeout_ms = 0;
	struct cryoctl_version v;
	unsigned long val;
	pid_t pid;
	int c, fd, ret;

	while ((c = cli_getopt(&cmd_freeze, argc, argv, ":h", freeze_opts)) != CLI_OPT_END) {
		switch (c) {
		case CLI_OPT_HELP:
			return EXIT_OK;
		case CLI_OPT_BAD:
			return EXIT_USAGE;
		case 'k':
			flags |= CRYO_FREEZE_KILL;
			break;
		case 'l':
			flags |= CRYO_FREEZE_LEAVE_FROZEN;
			break;
		case 'a':
			flags |= CRYO_FREEZE_ACCEPT_LOSS;
			break;
		case 's':
			flags |= CRYO_FREEZE_SNAPSHOT;
			break;
		case 'p':
			want_progress = true;
			break;
		case 't':
			if (!parse_uint(optarg, CRYO_FREEZE_TIMEOUT_MAX_MS, &val)) {
				cli_err("freeze: --timeout '%s': give milliseconds, 0 (the default, %u) to %u",
					optarg, CRYO_FREEZE_TIMEOUT_DEFAULT_MS,
					CRYO_FREEZE_TIMEOUT_MAX_MS);
				return EXIT_USAGE;
			}
			timeout_ms = val;
			break;
		case 'm':
			if (!parse_size(optarg, &res.max_deleted_data) ||
			    !res.max_deleted_data) {
				cli_err("freeze: --max-deleted-data '%s': give bytes, with K, M or G for KiB, MiB, GiB (not 0)",
					optarg);
				return EXIT_USAGE;
			}
			break;
		}
	}
	if ((flags & CRYO_FREEZE_KILL) && (flags & CRYO_FREEZE_LEAVE_FROZEN)) {
		cli_err("freeze: --kill and --leave-frozen exclude each other");
		return EXIT_USAGE;
	}
	if ((flags & CRYO_FREEZE_SNAPSHOT) &&
	    (flags & (CRYO_FREEZE_KILL | CRYO_FREEZE_LEAVE_FROZEN))) {
		cli_err("freeze: --snapshot is for a checkpoint; --kill and --leave-frozen hold the process anyway");
		return EXIT_USAGE;
	}
	if (optind != argc - 1) {
		cli_err("freeze: give exactly one PID (try 'cryoctl freeze --help')");
		return EXIT_USAGE;
	}
	if (!parse_uint(argv[optind], INT_MAX, &val) || !val) {
		cli_err("freeze: '%s' is not a process id (a decimal number from 1 to %d)",
			argv[optind], INT_MAX);
		return EXIT_USAGE;
	}
	pid = (pid_t)val;
	if (isatty(STDOUT_FILENO)) {
		cli_err("freeze: refusing to write an image to a terminal; redirect stdout to a file or a pipe");
		return EXIT_USAGE;
	}

	/* A reader that goes away is reported as EPIPE, not a silent death. */
	signal(SIGPIPE, SIG_IGN);

	fd = cryoctl_open();
	if (fd < 0) {
		cli_err("freeze: cannot open the cryo device: %s%s", strerror(-fd),
			fd == -ENOENT ? " (is the module loaded? try 'cryoctl check')" : "");
		return cli_exit_for_open(fd);
	}
	ret = cryoctl_version(fd, &v);
	if (ret == -EPROTO) {
		cli_err("freeze: the module speaks ABI %u.%u, cryoctl speaks %u.x",
			v.abi_major, v.abi_minor, v.lib_abi_major);
		close(fd);
		return EXIT_ABI;
	}
	if (ret) {
		cli_err("freeze: not a cryo device: %s", strerror(-ret));
		close(fd);
		return EXIT_FAIL;
	}
	if (!(v.features & CRYO_FEATURE_FREEZE)) {
		cli_err("freeze: the loaded cryo module cannot freeze (module ABI %u.%u)",
			v.abi_major, v.abi_minor);
		close(fd);
		return EXIT_FAIL;
	}

	if ((flags & CRYO_FREEZE_SNAPSHOT) &&
	    (v.abi_major == 1 && v.abi_minor < 3)) {
		cli_err("freeze: --snapshot needs module ABI 1.3 (loaded: %u.%u)",
			v.abi_major, v.abi_minor);
		close(fd);
		return EXIT_FAIL;
	}

	prog.pid = pid;
	prog.snapshot = flags & CRYO_FREEZE_SNAPSHOT;
	prog.tty = isatty(STDERR_FILENO);
	prog.start_ns = now_ns();
	prog.last_ns = prog.start_ns;
	want_progress = want_progress || prog.tty;

	ret = cryoctl_freeze_ex(fd, pid, flags, timeout_ms, STDOUT_FILENO,
				want_progress ? progress_cb : NULL, &prog, &res);
	if (ret) {
		close(fd);
		return report_error(ret, pid, &prog, timeout_ms, &res);
	}
	if (want_progress)
		progress_print(&prog, now_ns(), true);
	if (res.nr_processes)
		fprintf(stderr, "cryoctl: PID %d: %u process%s (%u threads) %s\n",
			(int)pid, res.nr_processes,
			res.nr_processes == 1 ? "" : "es", res.nr_threads,
			flags & CRYO_FREEZE_KILL ? "frozen and killed" :
			flags & CRYO_FREEZE_LEAVE_FROZEN ? "frozen" :
			"frozen and resumed");

	if (flags & CRYO_FREEZE_LEAVE_FROZEN) {
		/* Let a pipe's reader see EOF while the target stays parked. */
		close(STDOUT_FILENO);
		hold_until_signalled(pid);
	}
	close(fd);
	return EXIT_OK;
}

const struct cli_cmd cmd_freeze = {
	.name = "freeze",
	.summary = "freeze a process and write its image to stdout",
	.usage =
	"Usage: cryoctl freeze [--kill | --leave-frozen | --snapshot] [--accept-loss]\n"
	"                      [--timeout MS] [--max-deleted-data SIZE] [--progress]\n"
	"                      PID > IMG\n"
	"\n"
	"Park every thread of process PID and of all its descendants (the tree\n"
	"of PID, zombies included) in the kernel, as one moment, and write its\n"
	"image to stdout, which must be a file or a pipe, not a terminal.  Check\n"
	"it with 'cryoctl verify IMG'.  On success cryoctl says on stderr how\n"
	"many processes and threads it froze:\n"
	"\n"
	"  cryoctl: PID 100: 4 processes (7 threads) frozen and killed\n"
	"\n"
	"(with a module before ABI 1.6, which freezes PID alone, it says\n"
	"nothing).\n"
	"\n"
	"What becomes of PID:\n"
	"  (default)        it resumes as soon as the whole image is written: a\n"
	"                   checkpoint.\n"
	"  --kill           it is killed once the whole image is written (and\n"
	"                   synced, when stdout is a regular file).  With a pipe,\n"
	"                   that is once the last byte is in the pipe: storing it\n"
	"                   is then the reader's business.\n"
	"  --snapshot       a checkpoint that holds it for less: once everything\n"
	"                   but its memory is written, the kernel copies the pages\n"
	"                   to save (and the rest of a tree), resumes the tree,\n"
	"                   and writes the rest from the copy: one moment.\n"
	"                   Costs as much memory as those pages, charged\n"
	"                   to cryoctl's cgroup; without it, cryoctl fails and\n"
	"                   PID keeps running.\n"
	"  --leave-frozen   it stays parked after the image is written, for as long\n"
	"                   as cryoctl runs: cryoctl closes stdout, says so on\n"
	"                   stderr, and waits for SIGINT (Ctrl-C), SIGTERM or\n"
	"                   SIGHUP; then PID resumes.\n"
	"If anything fails or cryoctl is killed before the end, PID resumes\n"
	"untouched: an interrupted freeze never kills it.\n"
	"\n"
	"Options:\n"
	"  --accept-loss    do not refuse a process holding state cryo cannot\n"
	"                   save (an open socket, eventfd, epoll, timerfd ...,\n"
	"                   a deleted file you may not read, a file lock or\n"
	"                   lease, a seccomp filter, a pipe whose other end a\n"
	"                   process outside the tree holds, anonymous memory\n"
	"                   shared with another process); freeze without it\n"
	"                   ('cryoctl inspect' marks lost files LOST; locks\n"
	"                   and filters are not in the image at all; a thaw\n"
	"                   needs --inherit-fd for such a pipe, and gives each\n"
	"                   process its own copy of such memory).  Never lifts a\n"
	"                   refusal of access, or of an mm, fd table or fs\n"
	"                   shared with a process outside the tree.\n"
	"  --timeout MS     how long each thread may take to park, 0 (default:\n"
	"                   5000) to 60000 milliseconds\n"
	"  --max-deleted-data SIZE\n"
	"                   the most bytes of deleted files' contents (their data,\n"
	"                   not their holes) the image may carry, all together;\n"
	"                   K, M, G for KiB, MiB, GiB (default: 1M).  Above it\n"
	"                   the freeze is refused, naming the descriptor\n"
	"  --progress       show bytes written and MiB/s on stderr (the default\n"
	"                   when stderr is a terminal)\n"
	"  -h, --help       this text\n"
	"\n"
	"Without --accept-loss, such a tree is not frozen: cryoctl names the\n"
	"process and its descriptor, thread or mapping, for example\n"
	"\n"
	"  freeze: PID 123 fd 5 (pipe:[4567]): a pipe whose other end is held\n"
	"  outside the tree; ...\n"
	"\n"
	"and the tree keeps running: nothing is killed that could not thaw.\n"
	"\n"
	"Exit status: 0 the image is complete; 1 the freeze failed (no such\n"
	"process, busy, a file cryo cannot save, output error, ...; PID keeps\n"
	"running); 2 usage error, including stdout on a terminal; 3 module not\n"
	"loaded; 4 no permission on /dev/cryo or to freeze PID; 5 incompatible\n"
	"module ABI.\n",
	.run = run_freeze,
};
