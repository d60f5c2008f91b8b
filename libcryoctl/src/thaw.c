// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Thawing: CRYO_IOC_THAW, and the process R that becomes the restored
 * one.
 *
 * The library asks the module to plan the thaw (CRYO_IOC_THAW, with room
 * for a stub region: stub_region.c), creates R, which maps the region at
 * the address the module chose and runs the stub from it (stub.c), and
 * reads what R reports on a status pipe until it is over; then asks the
 * module how it went (CRYO_IOC_THAW_STATUS).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "internal.h"
#include "stub.h"
#include "thaw.h"

/* How long the module may take to report the outcome once R has let go. */
#define THAW_STATUS_WAIT_MS	10000

#ifndef P_PIDFD
#define P_PIDFD			3
#endif
#ifndef CLONE_NEWPID
#define CLONE_NEWPID		0x20000000
#endif
#ifndef SYS_close_range
#define SYS_close_range		436
#endif
__attribute__((format(printf, 3, 4))) int
thaw_fail(struct cryoctl_thaw_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	if (res) {
		res->pid = 0;
		res->error = -err;
		va_start(ap, fmt);
		vsnprintf(res->message, sizeof(res->message), fmt, ap);
		va_end(ap);
	}
	return err;
}

/* CRYO_IOC_THAW_STATUS with @flags (CRYO_THAW_STATUS_WAIT). */
static int thaw_status(int devfd, struct cryo_thaw_status *st, uint32_t flags)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->flags = flags;
	if (ioctl(devfd, CRYO_IOC_THAW_STATUS, st) < 0)
		return neg_errno();
	st->message[sizeof(st->message) - 1] = 0;
	return 0;
}

CRYOCTL_EXPORT int cryoctl_thaw_status(int devfd, struct cryo_thaw_status *st)
{
	if (!st)
		return -EINVAL;
	return thaw_status(devfd, st, 0);
}

static int check_inherit(const struct cryo_thaw_inherit *inherit,
			 unsigned int nr, struct cryoctl_thaw_result *res)
{
	unsigned int i, j;

	if (nr > CRYO_THAW_INHERIT_MAX)
		return thaw_fail(res, -EINVAL, "%u inherited fds, more than the %u allowed",
				 nr, CRYO_THAW_INHERIT_MAX);
	if (nr && !inherit)
		return thaw_fail(res, -EINVAL, "no inherited fds given");
	for (i = 0; i < nr; i++) {
		if (inherit[i].fd < 0 || inherit[i].source_fd < 0)
			return thaw_fail(res, -EINVAL, "inherited fd %d=%d: a negative fd",
					 inherit[i].fd, inherit[i].source_fd);
		for (j = 0; j < i; j++)
			if (inherit[j].fd == inherit[i].fd)
				return thaw_fail(res, -EINVAL, "fd %d is inherited twice",
						 inherit[i].fd);
	}
	return 0;
}

static void close_pipes(struct thaw_ctx *c)
{
	unsigned int i;

	for (i = 0; c->pipes && i < 2 * c->nr_pipes; i++) {
		if (c->pipes[i] >= 0)
			close(c->pipes[i]);
		c->pipes[i] = -1;
	}
	thaw_close_objects(c);
}

static void thaw_cleanup(struct thaw_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_member_pidfds; i++)
		close(c->member_pidfds[i]);
	free(c->member_pidfds);
	if (c->sh)
		munmap(c->sh, sizeof(*c->sh));
	free(c->procs);
	close_pipes(c);
	free(c->pipes);
	free(c->objs);
	free(c->obj_fds);
	if (c->status[0] >= 0)
		close(c->status[0]);
	if (c->status[1] >= 0)
		close(c->status[1]);
	if (c->pidfd >= 0)
		close(c->pidfd);
	free(c->tids);
	free(c->groups);
	free(c->init);
}

void thaw_send_msg(int fd, int type, int value)
{
	struct stub_msg m = { .type = type, .value = value };

	cryoctl_write_full(fd, &m, sizeof(m));
}

/*
 * A new process, as fork() but without the caller's atfork handlers; with
 * @pid > 0 it gets that pid (clone3 with set_tid, which needs
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN).  The child only makes
 * async-signal-safe calls.
 * Return: as fork(), with errno set on failure.
 */
pid_t thaw_spawn(pid_t pid)
{
	return thaw_clone(0, pid);
}

/*
 * thaw_spawn() with clone3 @flags: CLONE_NEWPID makes the child the first
 * process (pid 1) of a new pid namespace, which needs CAP_SYS_ADMIN.
 * Return: as fork(), with errno set on failure.
 */
pid_t thaw_clone(uint64_t flags, pid_t pid)
{
	struct stub_clone_args ca = { .flags = flags, .exit_signal = SIGCHLD };
	pid_t set_tid = pid;
	long ret;

	if (pid > 0) {
		ca.set_tid = (uintptr_t)&set_tid;
		ca.set_tid_size = 1;
	}
	ret = syscall(SYS_clone3, &ca, sizeof(ca));
	return ret;
}

/*
 * Away from the caller's controlling terminal, whether the caller waits
 * for us or not: the restored processes run the image's code, possibly as
 * another user (a root thaw of a user's job), and with a terminal of
 * root's as theirs they could inject its input (TIOCSTI) or read it.
 * Detached, or taking other ids, R leaves the caller's session too
 * (waiting needs only that it stays the caller's child); a thaw that
 * waits, as the caller, stays in its session and process group, as a
 * tree's root not leading its own expects, but without the terminal:
 * TIOCNOTTY from a process that is not the session's leader drops only
 * its own (and so its children's) tie to it, and /dev/tty opens no more.
 * A fresh process is never a group leader, so setsid() succeeds; should
 * it not, the terminal is given up alone.
 */
static void leave_terminal(const struct thaw_ctx *c)
{
	int fd;

	/* A shell job keeps it: it is the job's (shell_job()). */
	if (c->flags & CRYOCTL_THAW_SHELL_JOB)
		return;
	if ((!(c->flags & CRYOCTL_THAW_WAIT) ||
	     (c->creds && (c->t.cred_flags & CRYO_THAW_CRED_SET_IDS))) &&
	    setsid() >= 0)
		return;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	ioctl(fd, TIOCNOTTY);
	close(fd);
}

/*
 * A shell job: R makes the job's process group (with the image's pgid
 * when R has the root's pid and the root led its group), which every
 * member made after inherits or joins, and makes it the terminal's
 * foreground group.  R blocks every signal, so the SIGTTOU a background
 * group's tcsetpgrp() would get is not sent.
 */
static int shell_job(const struct thaw_ctx *c)
{
	if (!(c->flags & CRYOCTL_THAW_SHELL_JOB))
		return 0;
	if (getpgrp() != getpid() && setpgid(0, 0))
		return -errno;
	if (tcsetpgrp(c->tty_fd, getpgrp()))
		return -errno;
	return 0;
}

/*
 * The process R: map the region at the address the module chose, copy
 * the stub and its arguments in and run it.  Only async-signal-safe
 * calls: the caller may have other threads.
 */
static __attribute__((noreturn)) void run_r(struct thaw_ctx *c)
{
	uint64_t all = ~0ULL;
	long ret;

	/* Every signal, the C library's internal ones too. */
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, sizeof(all));
	/* Before any member exists: they inherit R's session and terminal. */
	leave_terminal(c);
	ret = shell_job(c);
	if (ret) {
		thaw_send_msg(c->status[1], STUB_ST_TREE, (int)-ret);
		_exit(1);
	}
	/* In a new pid namespace its creator tells the pid the caller sees. */
	if (!(c->flags & CRYOCTL_THAW_NEW_PIDNS))
		thaw_send_msg(c->status[1], STUB_ST_PID, (int)getpid());
	/* The other members' processes: before R takes the user's ids. */
	if (c->nr_procs > 1) {
		ret = thaw_tree_spawn(c);
		if (ret) {
			thaw_send_msg(c->status[1], STUB_ST_TREE, (int)-ret);
			_exit(1);
		}
	}
	thaw_run_restore(c);
}

/*
 * R, or a member's process, once planned: take the planned credentials,
 * map the region, write the stub and its arguments (built beforehand,
 * or, in a member's process, which may not allocate, in place) and run
 * it.
 */
void thaw_run_restore(struct thaw_ctx *c)
{
	struct stub_args *args;
	stub_thaw_fn *thaw;
	void *p;
	long ret;

	ret = c->creds ? thaw_set_creds(&c->t, c->groups) : 0;
	if (ret) {
		thaw_send_msg(c->status[1], STUB_ST_CREDS, (int)-ret);
		_exit(1);
	}
	ret = region_map(c->t.stub_addr, c->stub_len, &p);
	if (ret) {
		thaw_send_msg(c->status[1], STUB_ST_MAP, (int)-ret);
		_exit(1);
	}
	if (c->init) {
		memcpy(p, c->init, c->r.init_len);
	} else {
		c->init = p;
		region_build_thaw(c);
	}
	args = (struct stub_args *)((char *)p + c->r.args);
	ret = thaw_fill_epolls(c, &args->restore);
	if (ret) {
		thaw_send_msg(c->status[1], STUB_ST_EPOLL, (int)-ret);
		_exit(1);
	}
	thaw = (stub_thaw_fn *)((char *)p + cryoctl_stub_thaw_off);
	ret = thaw(args);
	thaw_send_msg(c->status[1], STUB_ST_ERROR, ret < 0 ? (int)-ret : EPROTO);
	_exit(1);
}

/* Every descriptor of the caller's, as far as the kernel lets us. */
static void close_all_fds(void)
{
	int fd;

	if (!syscall(SYS_close_range, 0U, ~0U, 0U))
		return;
	for (fd = 0; fd < 4096; fd++)
		close(fd);
}

/*
 * The init of a new pid namespace (CRYOCTL_THAW_NEW_PIDNS), pid 1 there:
 * it makes R with the root's image pid, lets go of every descriptor,
 * reaps whatever is orphaned in the namespace and, when R ends, ends
 * with R's status (128 + N when a signal N killed R: an init cannot die
 * of a signal of its own).  Its end kills every process in the
 * namespace.  Every signal stays blocked: none is for it (only SIGKILL
 * from outside reaches it).  Async-signal-safe calls only.
 */
static __attribute__((noreturn)) void run_init(struct thaw_ctx *c)
{
	struct sigaction sa;
	pid_t r, pid;
	int st = 0;

	/* An ignored SIGCHLD would reap R unseen. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	leave_terminal(c);
	r = thaw_spawn(c->tids[0]);
	if (!r)
		run_r(c);
	if (r < 0) {
		thaw_send_msg(c->status[1], STUB_ST_SPAWN, errno);
		_exit(1);
	}
	/* The session, the status pipe, the image: R's alone now. */
	close_all_fds();
	prctl(PR_SET_NAME, (unsigned long)"cryo-pidns-init", 0, 0, 0);
	for (;;) {
		pid = waitpid(-1, &st, __WALL);
		if (pid == r)
			break;
		if (pid < 0 && errno != EINTR)
			_exit(1);
	}
	if (WIFSIGNALED(st))
		_exit(128 + WTERMSIG(st));
	_exit(WEXITSTATUS(st));
}

/*
 * The process the caller's side sees: R, or with CRYOCTL_THAW_NEW_PIDNS
 * the first process of a new pid namespace, the init that makes R there
 * (R itself when the root's image pid is 1).
 */
static pid_t spawn_top(struct thaw_ctx *c)
{
	if (c->flags & CRYOCTL_THAW_NEW_PIDNS)
		return thaw_clone(CLONE_NEWPID, 0);
	return thaw_spawn(c->flags & CRYO_THAW_SAME_PID ? c->tids[0] : 0);
}

static __attribute__((noreturn)) void run_top(struct thaw_ctx *c)
{
	close(c->status[0]);
	if ((c->flags & CRYOCTL_THAW_NEW_PIDNS) && c->tids[0] != 1)
		run_init(c);
	run_r(c);
}

/*
 * Create R.  With CRYOCTL_THAW_WAIT it is our child; otherwise a child of
 * ours creates it and exits at once, and is reaped here.  With
 * CRYOCTL_THAW_NEW_PIDNS the same goes for the namespace's init.
 * Return: 0, or -errno with nothing left behind.
 */
static int start_r(struct thaw_ctx *c)
{
	bool newns = c->flags & CRYOCTL_THAW_NEW_PIDNS;
	sigset_t all, old;
	pid_t pid, r;
	int ret = 0, st, err;

	/* R must never run a handler of the caller's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (c->flags & CRYOCTL_THAW_WAIT) {
		pid = spawn_top(c);
		if (!pid)
			run_top(c);
		if (pid < 0) {
			ret = neg_errno();
		} else {
			c->rpid = pid;
			/* No STUB_ST_PID comes from inside a new namespace. */
			if (newns)
				c->pidfd = syscall(SYS_pidfd_open, pid, 0);
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return ret;
	}

	pid = thaw_spawn(0);
	if (!pid) {
		r = spawn_top(c);
		if (!r)
			run_top(c);
		err = errno;
		if (r < 0)
			thaw_send_msg(c->status[1], newns ? STUB_ST_PIDNS : STUB_ST_SPAWN,
				      err);
		else if (newns)
			thaw_send_msg(c->status[1], STUB_ST_PID, (int)r);
		_exit(r < 0);
	}
	if (pid < 0) {
		ret = neg_errno();
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

static const char *step_name(int type)
{
	switch (type) {
	case STUB_ST_TLS:
		return "set its FS/GS base (arch_prctl)";
	case STUB_ST_VDSO:
		return "map its vdso (arch_prctl ARCH_MAP_VDSO_64)";
	case STUB_ST_CWD:
		return "enter its working directory (fchdir)";
	case STUB_ST_FINISH:
		return "finish (CRYO_IOC_THAW_FINISH)";
	case STUB_ST_CLONE:
		return "create its threads (clone3)";
	case STUB_ST_TIMER:
		return "make or arm its POSIX timers or itimers";
	case STUB_ST_CREDS:
		return "take the image's uids, gids, groups and limits";
	case STUB_ST_MEMBER:
		return "be planned (CRYO_IOC_THAW_MEMBER)";
	case STUB_ST_TREE:
		return "make the processes of the tree";
	case STUB_ST_EPOLL:
		return "fill its epolls (CRYO_IOC_THAW_ATTACH, CRYO_IOC_THAW_EPOLL, epoll_ctl)";
	default:
		return "go on";
	}
}

/* R has exited (or, without pidfds, no longer exists). */
static bool r_gone(struct thaw_ctx *c)
{
	struct pollfd pfd = { .fd = c->pidfd, .events = POLLIN };
	int st;

	if (c->rpid <= 0 || c->reaped)
		return true;
	if (c->pidfd >= 0)
		return poll(&pfd, 1, 0) > 0;
	if (c->flags & CRYOCTL_THAW_WAIT) {
		c->reaped = waitpid(c->rpid, &st, WNOHANG) == c->rpid;
		return c->reaped;
	}
	return kill(c->rpid, 0) < 0 && errno == ESRCH;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* R could not be created: say why in the terms of the flags. */
static int spawn_fail(struct thaw_ctx *c, int err, struct cryoctl_thaw_result *res)
{
	if ((c->flags & CRYO_THAW_SAME_PID) && err == -EEXIST)
		return thaw_fail(res, err, "cannot restore pid %d: it is in use",
				 (int)c->tids[0]);
	if ((c->flags & CRYO_THAW_SAME_PID) && err == -EINVAL)
		return thaw_fail(res, err, "cannot restore pid %d: above pid_max",
				 (int)c->tids[0]);
	if ((c->flags & CRYO_THAW_SAME_PID) && err == -EPERM)
		return thaw_fail(res, err, "restoring the same pid %d needs CAP_CHECKPOINT_RESTORE",
				 (int)c->tids[0]);
	return thaw_fail(res, err, "cannot create the process to restore: %s",
			 strerror(-err));
}

/* The new pid namespace (CRYOCTL_THAW_NEW_PIDNS) could not be made. */
static int pidns_fail(int err, struct cryoctl_thaw_result *res)
{
	if (err == -EPERM)
		return thaw_fail(res, err,
				 "cannot create a new pid namespace: %s (it needs CAP_SYS_ADMIN, and CAP_CHECKPOINT_RESTORE for the image's pids in it)",
				 strerror(-err));
	return thaw_fail(res, err, "cannot create a new pid namespace: %s",
			 strerror(-err));
}

/*
 * A member's process reported its pid: a pidfd for it, to kill it if the
 * thaw fails (the module kills the members it knows of; this is for the
 * ones that never asked it).
 */
static void member_seen(struct thaw_ctx *c, pid_t pid)
{
	int fd, *p;

	if (pid <= 0)
		return;
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return;
	p = realloc(c->member_pidfds, (c->nr_member_pidfds + 1) * sizeof(*p));
	if (!p) {
		close(fd);
		return;
	}
	c->member_pidfds = p;
	c->member_pidfds[c->nr_member_pidfds++] = fd;
}

/* The thaw failed: no member's process may live on. */
static void end_members(struct thaw_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_member_pidfds; i++)
		syscall(SYS_pidfd_send_signal, c->member_pidfds[i], SIGKILL, NULL, 0);
}

/*
 * Once R is reaped: a caller that is a child subreaper got the members'
 * processes (killed, or a zombie of the image) when their parents died;
 * reap exactly those, parents first (their children come to us when
 * they are reaped).  ECHILD at once for the others: they went to init.
 */
static void reap_members(struct thaw_ctx *c)
{
	siginfo_t si;
	unsigned int i;

	for (i = 0; i < c->nr_member_pidfds; i++)
		while (waitid(P_PIDFD, c->member_pidfds[i], &si, WEXITED) < 0 &&
		       errno == EINTR)
			;
}

/* End R when a failed thaw leaves it alive; reap it when it is ours. */
static void end_r(struct thaw_ctx *c)
{
	siginfo_t si;
	int st;

	end_members(c);
	if (c->rpid <= 0 || c->reaped) {
		reap_members(c);
		return;
	}
	if (c->flags & CRYOCTL_THAW_WAIT) {
		kill(c->rpid, SIGKILL);
		while (waitpid(c->rpid, &st, 0) < 0 && errno == EINTR)
			;
		c->reaped = true;
	} else if (c->pidfd >= 0) {
		if (!r_gone(c))
			syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
		/*
		 * A caller that is a child subreaper got R when the
		 * intermediate child exited: reap exactly R then (ECHILD
		 * otherwise).
		 */
		while (waitid(P_PIDFD, c->pidfd, &si, WEXITED) < 0 && errno == EINTR)
			;
	}
	reap_members(c);
}

/* The first number in the file @path: 0, or -1. */
static int read_first_pid(const char *path, pid_t *pid)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*pid = (pid_t)atoi(buf);
	return *pid > 0 ? 0 : -1;
}

/*
 * R stopped (SIGSTOP, SIGTSTP ...): once it has taken the user's ids, the
 * user may stop it, and the thaw would wait for it forever.
 */
static bool r_stopped(struct thaw_ctx *c)
{
	char path[64], buf[512], *p;
	pid_t pid = c->rpid;
	ssize_t n;
	int fd;

	if (c->rpid <= 0 || c->reaped)
		return false;
	/* In a new namespace R is its init's one child (or the init itself). */
	if ((c->flags & CRYOCTL_THAW_NEW_PIDNS) && c->tids[0] != 1) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
			 (int)c->rpid, (int)c->rpid);
		if (read_first_pid(path, &pid))
			return false;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'T' || p[2] == 't');
}

/* The next message of R or its stub: 1, 0 at EOF, -EINTR if R stopped. */
static int next_msg(struct thaw_ctx *c, struct stub_msg *m)
{
	struct pollfd pfd = { .fd = c->status[0], .events = POLLIN };
	int n;

	for (;;) {
		n = poll(&pfd, 1, 1000);
		if (n > 0)
			return cryoctl_read_full(c->status[0], m, sizeof(*m)) ==
			       sizeof(*m);
		if (n < 0 && errno != EINTR)
			return 0;
		if (!n && r_stopped(c))
			return -EINTR;
		/*
		 * R gone before the status pipe closed: the tree failed (its
		 * image runs only once every member closed the pipe), and a
		 * member's process that never asked the module (stopped, say)
		 * may hold the pipe: read no more, the module's status says why.
		 */
		if (!n && c->nr_procs > 1 && c->rpid > 0 && r_gone(c))
			return 0;
	}
}

/* What R and its stub reported until EOF: the first failed step, R's error. */
struct r_report {
	int step;		/* STUB_ST_*, 0 when no step failed */
	int step_err;
	int r_err;		/* STUB_ST_ERROR's errno */
	int tree_pid;		/* STUB_ST_TREE_PID: a member not made */
};

/*
 * Read R's reports until EOF (R finished, and the module closed the
 * descriptor, or R died).  Return: 0, or -EINTR if R was stopped.
 */
static int read_reports(struct thaw_ctx *c, struct r_report *rep)
{
	bool ended = false;
	struct stub_msg m;
	int ret;

	while ((ret = next_msg(c, &m)) > 0) {
		if (m.type == STUB_ST_PID) {
			if (c->rpid <= 0)
				c->rpid = m.value;
			if (c->pidfd < 0)
				c->pidfd = syscall(SYS_pidfd_open, c->rpid, 0);
		} else if (m.type == STUB_ST_MEMBER_PID) {
			/*
			 * A pid in the new namespace means nothing here;
			 * the end of its init kills them all.
			 */
			if (!(c->flags & CRYOCTL_THAW_NEW_PIDNS))
				member_seen(c, m.value);
			/* Reported after the failure: ended too. */
			if (ended)
				end_members(c);
		} else if (m.type == STUB_ST_TREE_PID) {
			if (!rep->tree_pid)
				rep->tree_pid = m.value;
		} else if (m.type == STUB_ST_ERROR) {
			rep->r_err = m.value;
		} else if (!rep->step) {
			rep->step = m.type;
			rep->step_err = m.value > 0 ? m.value : EIO;
		}
		/*
		 * In a tree, a process that gave up may leave others waiting
		 * for it (in CRYO_IOC_THAW_MEMBER, before the module knows
		 * it): end them all now, or the status pipe never closes.
		 */
		if (c->nr_procs > 1 && !ended && (rep->step || rep->r_err)) {
			ended = true;
			end_members(c);
			if (c->pidfd >= 0)
				syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
		}
	}
	return ret < 0 ? ret : 0;
}

/*
 * EOF: the module closed R's fds just before DONE, or R is gone.  A
 * restore under way is waited out in the module; a module without
 * CRYO_THAW_STATUS_WAIT (EINVAL) is polled.  Return: 0 or -errno.
 */
static int wait_status(struct thaw_ctx *c, struct cryo_thaw_status *st)
{
	int ret, waited;

	do {
		ret = thaw_status(c->devfd, st, CRYO_THAW_STATUS_WAIT);
	} while (ret == -EINTR);
	for (waited = 0;; waited += 2) {
		if (waited || ret == -EINVAL)
			ret = thaw_status(c->devfd, st, 0);
		if (ret)
			return ret;
		if (st->state == CRYO_THAW_DONE || st->state == CRYO_THAW_FAILED)
			return 0;
		if (r_gone(c) || waited >= THAW_STATUS_WAIT_MS)
			return 0;
		sleep_ms(2);
	}
}

/* The thaw failed, R is ended: say why, from R's reports or the module's. */
static int explain_failure(struct thaw_ctx *c, const struct r_report *rep,
			   const struct cryo_thaw_status *st,
			   struct cryoctl_thaw_result *res)
{
	switch (rep->step) {
	case 0:
		break;
	case STUB_ST_SPAWN:
		return spawn_fail(c, -rep->step_err, res);
	case STUB_ST_PIDNS:
		return pidns_fail(-rep->step_err, res);
	case STUB_ST_MAP:
		return thaw_fail(res, -rep->step_err, "cannot map the stub region at 0x%llx: %s",
				 (unsigned long long)c->t.stub_addr, strerror(rep->step_err));
	default:
		/*
		 * A member told that the tree had failed (ECANCELED) is not
		 * why: the module's status has the first failure.
		 */
		if (rep->step_err == ECANCELED && st->state == CRYO_THAW_FAILED &&
		    st->error)
			break;
		if (rep->step == STUB_ST_TREE && (c->flags & CRYO_THAW_SAME_PID) &&
		    rep->step_err == EEXIST)
			return thaw_fail(res, -rep->step_err,
					 "cannot restore pid %d of the tree: it is in use",
					 rep->tree_pid);
		if (rep->step == STUB_ST_TREE && rep->tree_pid)
			return thaw_fail(res, -rep->step_err,
					 "cannot create the process of the tree's pid %d: %s",
					 rep->tree_pid, strerror(rep->step_err));
		if (rep->step == STUB_ST_CLONE && (c->flags & CRYO_THAW_SAME_PID) &&
		    rep->step_err == EEXIST)
			return thaw_fail(res, -rep->step_err,
					 "cannot restore the image's thread ids: one is in use");
		return thaw_fail(res, -rep->step_err,
				 "the process being restored could not %s: %s",
				 step_name(rep->step), strerror(rep->step_err));
	}
	if (st->state == CRYO_THAW_FAILED && st->error)
		return thaw_fail(res, -(int)st->error, "%s",
				 st->message[0] ? st->message : strerror(st->error));
	if (rep->r_err)
		return thaw_fail(res, -rep->r_err, "%s", st->message[0] ? st->message :
				 strerror(rep->r_err));
	return thaw_fail(res, -EIO, "the process being restored died before the thaw completed");
}

/* R is running: how did it go? */
static int wait_outcome(struct thaw_ctx *c, struct cryoctl_thaw_result *res)
{
	struct r_report rep = { 0 };
	struct cryo_thaw_status st;
	int ret;

	ret = read_reports(c, &rep);
	if (ret < 0) {
		if (!(c->flags & CRYOCTL_THAW_WAIT) && c->pidfd < 0)
			kill(c->rpid, SIGKILL);
		end_r(c);
		return thaw_fail(res, ret,
				 "the process being restored was stopped (by a signal of its user's?) before the thaw completed; killed");
	}
	ret = wait_status(c, &st);
	if (ret) {
		end_r(c);
		return thaw_fail(res, ret, "cannot read the thaw's status: %s",
				 strerror(-ret));
	}
	if (st.state == CRYO_THAW_DONE) {
		if (res) {
			/* In a new namespace: its init, the one to wait for. */
			res->pid = c->flags & CRYOCTL_THAW_NEW_PIDNS ? c->rpid : st.pid;
			res->error = 0;
			res->message[0] = 0;
		}
		return 0;
	}
	if (!r_gone(c) && !rep.step && !rep.r_err && st.state != CRYO_THAW_FAILED) {
		end_r(c);
		return thaw_fail(res, -ETIMEDOUT,
				 "the module did not report the outcome within %d s",
				 THAW_STATUS_WAIT_MS / 1000);
	}
	end_r(c);
	return explain_failure(c, &rep, &st, res);
}

#define THAW_FLAGS	(CRYOCTL_THAW_SAME_PID | CRYOCTL_THAW_NEW_PIDNS | CRYOCTL_THAW_WAIT | \
			 CRYOCTL_THAW_SHELL_JOB)

/* The HEADER's minor version of a file image, or -1. */
static int image_minor(int image_fd)
{
	struct cryo_image_header h;

	return image_peek_header(image_fd, &h) ? -1 : le16toh(h.minor);
}

/* Does the module speak ABI 1.@minor at least, for @what? */
static int need_abi(int devfd, unsigned int minor, const char *what,
		    struct cryoctl_thaw_result *res)
{
	struct cryoctl_version v = { 0 };

	if (cryoctl_version(devfd, &v) || v.abi_minor >= minor)
		return 0;
	return thaw_fail(res, -EOPNOTSUPP,
			 "the loaded cryo module cannot %s (module ABI %u.%u, needs %u.%u)",
			 what, v.abi_major, v.abi_minor, CRYO_ABI_MAJOR, minor);
}

/* The first of fds 0, 1, 2 open on the caller's controlling terminal, or -1. */
static int shell_terminal(void)
{
	pid_t sid = getsid(0);
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (isatty(fd) && tcgetsid(fd) == sid)
			return fd;
	return -1;
}

/* The arguments of cryoctl_thaw(), and whether the module can thaw. */
static int check_args(int devfd, int image_fd, unsigned int flags,
		      const struct cryo_thaw_inherit *inherit, unsigned int nr_inherit,
		      struct cryoctl_thaw_result *res)
{
	char msg[CRYO_THAW_MSG_LEN];
	int ret;

	static_assert(!(CRYOCTL_THAW_WAIT & CRYO_THAW_ALL), "CRYOCTL_THAW_WAIT");
	if (flags & ~THAW_FLAGS)
		return thaw_fail(res, -EINVAL, "unknown flags 0x%x", flags & ~THAW_FLAGS);
	if (devfd < 0 || image_fd < 0)
		return thaw_fail(res, -EBADF, "%s descriptor %d",
				 devfd < 0 ? "device" : "image",
				 devfd < 0 ? devfd : image_fd);
	ret = check_inherit(inherit, nr_inherit, res);
	if (ret)
		return ret;
	ret = cryoctl_need_feature(devfd, CRYO_FEATURE_THAW, "thaw", msg, sizeof(msg));
	if (ret)
		return thaw_fail(res, ret, "%s", msg);
	if (flags & CRYOCTL_THAW_NEW_PIDNS) {
		ret = need_abi(devfd, 7, "thaw into a new pid namespace", res);
		if (ret)
			return ret;
	}
	if (flags & CRYOCTL_THAW_SHELL_JOB) {
		ret = need_abi(devfd, 12, "thaw a shell job", res);
		if (ret)
			return ret;
	}
	/*
	 * A module before ABI 1.10 skips the records of a newer format than
	 * its own: it would thaw a 2.6 image without its file locks.  Only
	 * an image that can be read in place is looked at (a pipe's bytes
	 * are the module's to read).
	 */
	if (image_minor(image_fd) >= 6)
		return need_abi(devfd, 10,
				"thaw an image of format 2.6 or newer without losing its file locks",
				res);
	return 0;
}

/*
 * CRYO_IOC_THAW: the module reads the image up to the threads and plans
 * the thaw in c->t, for a stub region of c->stub_len bytes.
 */
static int plan_thaw(struct thaw_ctx *c, int image_fd,
		     const struct cryo_thaw_inherit *inherit, unsigned int nr_inherit,
		     struct cryoctl_thaw_result *res)
{
	struct cryo_thaw_status st;
	int ret;

	c->tids = calloc(THAW_TIDS_MAX, sizeof(*c->tids));
	c->groups = calloc(CRYO_THAW_GROUPS_MAX, sizeof(*c->groups));
	c->procs = calloc(CRYO_THAW_PROCS_MAX, sizeof(*c->procs));
	c->objs = calloc(THAW_OBJECTS_MAX, sizeof(*c->objs));
	if (!c->tids || !c->groups || !c->procs || !c->objs)
		return thaw_fail(res, -ENOMEM, "out of memory");
	c->t = (struct cryo_thaw){
		.size = sizeof(c->t),
		.flags = c->flags & CRYO_THAW_ALL,
		.image_fd = image_fd,
		.nr_inherit = nr_inherit,
		.inherit = (uintptr_t)inherit,
		.tids = (uintptr_t)c->tids,
		.tids_len = THAW_TIDS_MAX,
		.stub_size = c->stub_len,
		.groups = (uintptr_t)c->groups,
		.groups_len = CRYO_THAW_GROUPS_MAX,
		.procs = (uintptr_t)c->procs,
		.procs_len = CRYO_THAW_PROCS_MAX,
		.objects = (uintptr_t)c->objs,
		.objects_len = THAW_OBJECTS_MAX,
		.tty_fd = c->flags & CRYOCTL_THAW_SHELL_JOB ? c->tty_fd : 0,
	};
	ret = ioctl(c->devfd, CRYO_IOC_THAW, &c->t);
	if (ret < 0 && errno == E2BIG) {
		/* A module before ABI 1.12 makes every kind it saves itself. */
		c->t.size = CRYO_THAW_SIZE_VER2;
		c->t.objects = 0;
		c->t.objects_len = 0;
		ret = ioctl(c->devfd, CRYO_IOC_THAW, &c->t);
	}
	if (ret < 0 && errno == E2BIG) {
		/* A module before ABI 1.6 knows no trees (nor their images). */
		c->t.size = CRYO_THAW_SIZE_VER1;
		c->t.procs = 0;
		c->t.procs_len = 0;
		ret = ioctl(c->devfd, CRYO_IOC_THAW, &c->t);
	}
	if (ret < 0 && errno == E2BIG) {
		/* A module before ABI 1.4 plans no credentials. */
		c->t.size = CRYO_THAW_SIZE_VER0;
		c->t.groups = 0;
		c->t.groups_len = 0;
		ret = ioctl(c->devfd, CRYO_IOC_THAW, &c->t);
	}
	c->creds = ret == 0 && c->t.size >= CRYO_THAW_SIZE_VER1;
	c->nr_procs = ret == 0 && c->t.size >= CRYO_THAW_SIZE_VER2 && c->t.nr_procs ?
		      c->t.nr_procs : 1;
	if (ret == 0 && c->t.size < CRYO_THAW_SIZE_VER3)
		c->t.nr_objects = 0;
	if (ret < 0) {
		ret = neg_errno();
		if (cryoctl_thaw_status(c->devfd, &st) || !st.message[0])
			snprintf(st.message, sizeof(st.message), "%s", strerror(-ret));
		return thaw_fail(res, ret, "%s", st.message);
	}
	return 0;
}

/*
 * Whether the module's plan fits the region sized for @est_threads threads
 * of @est_fpu bytes of FPU state; lay it out in c->r.
 */
static int check_plan(struct thaw_ctx *c, size_t est_threads, size_t est_fpu,
		      struct cryoctl_thaw_result *res)
{
	if (c->nr_procs < 1 || c->nr_procs > CRYO_THAW_PROCS_MAX ||
	    (c->nr_procs > 1 && c->procs[0].parent != -1))
		return thaw_fail(res, -EPROTO, "the module's answer makes no sense (%u processes)",
				 c->nr_procs);
	if (c->t.nr_threads < 1 || c->t.nr_threads > THAW_TIDS_MAX ||
	    c->t.nr_pipes > THAW_PIPES_MAX || !c->t.stub_addr ||
	    c->t.nr_objects > THAW_OBJECTS_MAX ||
	    THAW_FD_PAIRS(c->t.nr_pipes, c->t.nr_objects) > THAW_PIPES_MAX ||
	    c->t.stub_addr & 4095)
		return thaw_fail(res, -EPROTO,
				 "the module's answer makes no sense (%u threads, %u pipes, %u objects, stub at 0x%llx)",
				 c->t.nr_threads, c->t.nr_pipes, c->t.nr_objects,
				 (unsigned long long)c->t.stub_addr);
	/*
	 * The region was laid out for est_threads threads of est_fpu bytes
	 * of FPU state: it holds the image's if neither is more (the layout
	 * grows with both).  The last test only guards that reasoning.
	 */
	cryoctl_region_layout(&c->r, c->t.nr_threads,
			      THAW_FD_PAIRS(c->t.nr_pipes, c->t.nr_objects),
			      c->t.fpu_size, 0);
	if (c->t.nr_threads > est_threads || c->r.len > c->stub_len)
		return thaw_fail(res, -E2BIG,
				 "the image has %u threads with %u bytes of FPU state each, more than a stub region sized for %zu threads holds%s",
				 c->t.nr_threads, c->t.fpu_size, est_threads,
				 est_threads == THAW_PIPE_THREADS ?
				 " (an image read from a pipe: thaw it from a file)" : "");
	if (c->t.fpu_size > est_fpu)
		return thaw_fail(res, -E2BIG,
				 "the image's threads have %u bytes of FPU state each, more than the %zu of this CPU's XSAVE area the stub region was sized for",
				 c->t.fpu_size, est_fpu);
	return 0;
}

/* A member's plan, in its process: does it fit the region?  0 or -errno. */
int thaw_plan_fits(struct thaw_ctx *c)
{
	return check_plan(c, c->est_threads, c->est_fpu, NULL);
}

/*
 * The pipes the image's files need, R's status pipe, the region's
 * contents; for a tree, what the members' processes share, and room for
 * the pipes of any member (they may not allocate).
 */
static int prepare_r(struct thaw_ctx *c, struct cryoctl_thaw_result *res)
{
	size_t room;
	unsigned int i;
	int ret;

	c->nr_pipes = c->t.nr_pipes;
	room = c->nr_procs > 1 ? THAW_PIPES_MAX : c->nr_pipes;
	c->pipes = malloc((2 * room + 1) * sizeof(*c->pipes));
	c->init = calloc(1, c->r.init_len);
	room = c->nr_procs > 1 ? THAW_OBJECTS_MAX : c->t.nr_objects;
	c->obj_fds = malloc((room + 1) * sizeof(*c->obj_fds));
	if (!c->pipes || !c->init || !c->obj_fds)
		return thaw_fail(res, -ENOMEM, "out of memory");
	for (i = 0; i < 2 * c->nr_pipes; i++)
		c->pipes[i] = -1;
	c->nr_objects = c->t.nr_objects;
	for (i = 0; i < c->nr_objects; i++)
		c->obj_fds[i] = -1;
	if (c->nr_procs > 1) {
		c->sh = mmap(NULL, sizeof(*c->sh), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (c->sh == MAP_FAILED) {
			c->sh = NULL;
			return thaw_fail(res, -ENOMEM, "out of memory");
		}
	}
	for (i = 0; i < c->nr_pipes; i++) {
		if (pipe2(c->pipes + 2 * i, O_CLOEXEC)) {
			ret = neg_errno();
			return thaw_fail(res, ret, "cannot create the %u pipes the image needs: %s",
					 c->nr_pipes, strerror(-ret));
		}
	}
	ret = thaw_make_objects(c, &i);
	if (ret)
		return thaw_fail(res, ret, "cannot make FILE %u of the image (kind %u): %s",
				 c->objs[i].file_id, c->objs[i].kind, strerror(-ret));
	if (pipe2(c->status, O_CLOEXEC)) {
		ret = neg_errno();
		return thaw_fail(res, ret, "cannot create a pipe: %s", strerror(-ret));
	}
	region_build_thaw(c);
	return 0;
}

/* The members' new pids, by TREE index, for cryoctl_thaw_tree(). */
static void tree_result(const struct thaw_ctx *c, pid_t *pids, unsigned int pids_len,
			unsigned int *nr_procs, pid_t root)
{
	unsigned int i;

	if (nr_procs)
		*nr_procs = c->nr_procs;
	for (i = 0; pids && i < pids_len && i < c->nr_procs; i++)
		pids[i] = c->sh ? c->sh->newpid[i] : root;
}

CRYOCTL_EXPORT int cryoctl_thaw(int devfd, int image_fd, unsigned int flags,
				const struct cryo_thaw_inherit *inherit,
				unsigned int nr_inherit,
				struct cryoctl_thaw_result *res)
{
	return cryoctl_thaw_tree(devfd, image_fd, flags, inherit, nr_inherit,
				 res, NULL, 0, NULL);
}

CRYOCTL_EXPORT int cryoctl_thaw_tree(int devfd, int image_fd, unsigned int flags,
				     const struct cryo_thaw_inherit *inherit,
				     unsigned int nr_inherit,
				     struct cryoctl_thaw_result *res,
				     pid_t *pids, unsigned int pids_len,
				     unsigned int *nr_procs)
{
	struct thaw_ctx c = {
		.devfd = devfd, .flags = flags, .status = { -1, -1 }, .pidfd = -1,
	};
	struct cryoctl_region est;
	size_t est_threads, est_fpu;
	int ret;

	if (res)
		memset(res, 0, sizeof(*res));
	ret = check_args(devfd, image_fd, flags, inherit, nr_inherit, res);
	if (ret)
		return ret;
	if (flags & CRYOCTL_THAW_SHELL_JOB) {
		c.tty_fd = shell_terminal();
		if (c.tty_fd < 0)
			return thaw_fail(res, -ENOTTY,
					 "a shell job needs the caller's controlling terminal open on fd 0, 1 or 2");
	}
	/* In a new pid namespace every id is the image's. */
	if (flags & CRYOCTL_THAW_NEW_PIDNS)
		c.flags |= CRYO_THAW_SAME_PID;

	if (nr_procs)
		*nr_procs = 0;
	region_estimate(image_fd, &est_threads, &est_fpu);
	c.est_threads = est_threads;
	c.est_fpu = est_fpu;
	cryoctl_region_layout(&est, est_threads, THAW_PIPES_MAX, est_fpu, 0);
	c.stub_len = est.len;
	/* &cryo_thaw.stub_size is 32 bits wide. */
	if (c.stub_len > UINT32_MAX)
		return thaw_fail(res, -E2BIG,
				 "%zu threads with %zu bytes of FPU state each need a stub region of %zu bytes, more than the 4 GiB a thaw can have",
				 est_threads, est_fpu, c.stub_len);

	ret = plan_thaw(&c, image_fd, inherit, nr_inherit, res);
	if (!ret)
		ret = check_plan(&c, est_threads, est_fpu, res);
	if (!ret)
		ret = prepare_r(&c, res);
	if (!ret)
		ret = thaw_shm_make(&c, res);
	if (ret)
		goto out;

	ret = start_r(&c);
	close(c.status[1]);
	c.status[1] = -1;
	close_pipes(&c);
	if (ret) {
		/* With a new namespace, that is what could not be made. */
		if (flags & CRYOCTL_THAW_NEW_PIDNS)
			pidns_fail(ret, res);
		else
			spawn_fail(&c, ret, res);
		goto out;
	}
	ret = wait_outcome(&c, res);
	if (!ret)
		tree_result(&c, pids, pids_len, nr_procs, res ? res->pid : 0);
out:
	thaw_shm_end(&c, !ret);
	thaw_cleanup(&c);
	return ret;
}
