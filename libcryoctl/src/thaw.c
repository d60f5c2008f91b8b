// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Thawing: CRYO_IOC_THAW, the process R that becomes the restored one, and
 * the stub region R runs from; CRYO_IOC_REMAP and its diagnostic.
 *
 * The stub region is one anonymous RWX mapping:
 *
 *	code (the stub, cryoctl_stub_code)
 *	struct stub_args
 *	struct stub_thread [nr_threads]	threads[0] is the leader's
 *	__s32 tids[nr_threads]
 *	__s32 pipes[2 * nr_pipes]
 *	FPU buffers [nr_threads]	64-byte aligned, fpu_size each
 *	stacks [nr_threads]		page aligned, stack_size each
 *	maps buffer			remap only
 *
 * Everything up to the FPU buffers is written by the library into a
 * buffer of its own before R is forked, so that R only maps the region
 * and copies that buffer into it: nothing in R calls malloc() or takes a
 * lock the caller's other threads might hold.
 *
 * The region's size goes into CRYO_IOC_THAW before the image says how
 * many threads it has and how big their FPU state is.  An image in a
 * regular file is asked first (its HEADER, read with pread(), is not
 * consumed); for one on a pipe the region is sized for
 * THAW_PIPE_THREADS threads and the largest XSAVE area of this CPU.  A
 * thaw whose image has more threads, or more FPU state per thread, than
 * the region was sized for fails cleanly before R is created, whatever
 * the two sizes are: the limits are the estimate's own numbers, never
 * what happens to fit in the region (which depends on the CPU).
 */
#include <assert.h>
#include <cpuid.h>
#include <endian.h>
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
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "internal.h"
#include "stub.h"

/* Threads a region is sized for when the image's HEADER cannot be read first. */
#define THAW_PIPE_THREADS	4096
/* Room for thread ids in CRYO_IOC_THAW (the module tells how many there are). */
#define THAW_TIDS_MAX		65536
/* Pipes a region has room for. */
#define THAW_PIPES_MAX		4096
/* How long the module may take to report the outcome once R has let go. */
#define THAW_STATUS_WAIT_MS	10000

#ifndef P_PIDFD
#define P_PIDFD			3
#endif
#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ		51
#endif
/* A signal frame beyond its FPU state: siginfo, ucontext, alignment. */
#define THAW_SIGFRAME_EXTRA	2048

#define PAGE_ALIGN(x)		(((x) + 4095UL) & ~4095UL)
#define ALIGN64(x)		(((x) + 63UL) & ~63UL)

/* Tests only: the XSAVE size cpu_fpu_size() reports instead of CPUID's. */
size_t cryoctl_thaw_fake_cpu_fpu_size;

/*
 * The stack a stub thread gets.  The stub itself needs little, and every
 * signal is blocked in R, so the kernel has no reason to build a signal
 * frame there; but whoever unblocks one (a debugger) must not make the
 * kernel write past it: room for two frames of this thread's FPU state,
 * or of what the kernel says a frame needs (AT_MINSIGSTKSZ, which grows
 * with the XSAVE area: AVX-512 and AMX make it several KiB).
 */
static size_t stub_stack_size(size_t fpu_size)
{
	size_t frame = fpu_size + THAW_SIGFRAME_EXTRA;
	size_t kernel = getauxval(AT_MINSIGSTKSZ);
	size_t size = STUB_STACK_MIN / 2;

	if (kernel > frame)
		frame = kernel;
	size += 2 * PAGE_ALIGN(frame);
	return size > STUB_STACK_MIN ? size : STUB_STACK_MIN;
}

/*
 * Where everything goes in a region for @nr_threads threads with
 * @fpu_size bytes of FPU state each.  Every offset and the length grow
 * with each argument, so a region laid out for more threads, more pipes
 * or more FPU state holds one for fewer.
 */
void cryoctl_region_layout(struct cryoctl_region *r, size_t nr_threads,
			   size_t nr_pipes, size_t fpu_size, size_t buf_len)
{
	r->args = ALIGN64(cryoctl_stub_code_len);
	r->threads = ALIGN64(r->args + sizeof(struct stub_args));
	r->tids = r->threads + nr_threads * sizeof(struct stub_thread);
	r->pipes = r->tids + nr_threads * sizeof(__s32);
	r->init_len = r->pipes + 2 * nr_pipes * sizeof(__s32);
	r->fpu = ALIGN64(r->init_len);
	r->fpu_slot = ALIGN64(fpu_size);
	r->stacks = PAGE_ALIGN(r->fpu + nr_threads * r->fpu_slot);
	r->stack_size = stub_stack_size(fpu_size);
	r->buf = r->stacks + nr_threads * r->stack_size;
	r->buf_len = buf_len;
	r->len = PAGE_ALIGN(r->buf + buf_len);
}

static __attribute__((format(printf, 3, 4))) int
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

CRYOCTL_EXPORT int cryoctl_remap(int devfd, int image_fd, uint64_t keep_start,
				 uint64_t keep_len)
{
	struct cryo_remap r = {
		.size = sizeof(r),
		.image_fd = image_fd,
		.keep_start = keep_start,
		.keep_len = keep_len,
	};

	return ioctl(devfd, CRYO_IOC_REMAP, &r) < 0 ? neg_errno() : 0;
}

/*
 * -EOPNOTSUPP unless the module on @devfd has @feature; -EPROTO for
 * another ABI major.  @what names the operation in the message.
 */
static int need_feature(int devfd, uint64_t feature, const char *what,
			char *msg, size_t size)
{
	struct cryoctl_version v;
	int ret;

	ret = cryoctl_version(devfd, &v);
	if (ret == -EPROTO) {
		snprintf(msg, size, "the module speaks ABI %u.%u, libcryoctl %u.x",
			 v.abi_major, v.abi_minor, v.lib_abi_major);
		return ret;
	}
	if (ret) {
		snprintf(msg, size, "not a cryo device: %s", strerror(-ret));
		return ret;
	}
	if (!(v.features & feature)) {
		snprintf(msg, size, "the loaded cryo module cannot %s (module ABI %u.%u)",
			 what, v.abi_major, v.abi_minor);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * The largest XSAVE area this CPU may need (512, the FXSAVE area, without
 * XSAVE): CPUID leaf 0xD's size for the features enabled in XCR0 (EBX,
 * what the kernel's XSTATE regset and so the module report; AMX's tile
 * data included where the kernel enabled it) or for every feature the
 * CPU has (ECX), whichever is larger.
 */
static size_t cpu_fpu_size(void)
{
	unsigned int a, b, c, d;
	size_t size = 512;

	if (cryoctl_thaw_fake_cpu_fpu_size)
		return cryoctl_thaw_fake_cpu_fpu_size;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_XSAVE) &&
	    __get_cpuid_count(0xd, 0, &a, &b, &c, &d)) {
		if (b > size)
			size = b;
		if (c > size)
			size = c;
	}
	return size;
}

/*
 * What the region must hold, before CRYO_IOC_THAW says it: the image's
 * HEADER when the image is a file we can pread() without moving it,
 * else the defaults.
 */
static void estimate(int image_fd, size_t *nr_threads, size_t *fpu_size)
{
	struct {
		struct cryo_rec rec;
		struct cryo_image_header h;
	} __attribute__((packed)) hd;
	off_t pos;

	*nr_threads = THAW_PIPE_THREADS;
	*fpu_size = cpu_fpu_size();
	pos = lseek(image_fd, 0, SEEK_CUR);
	if (pos < 0 || pread(image_fd, &hd, sizeof(hd), pos) != sizeof(hd))
		return;
	if (le32toh(hd.rec.type) != CRYO_REC_HEADER ||
	    memcmp(hd.h.magic, CRYO_IMAGE_MAGIC, sizeof(hd.h.magic)))
		return;
	/* A bogus header is the module's to refuse; it must only fit. */
	if (le32toh(hd.h.nr_threads) >= 1 && le32toh(hd.h.nr_threads) <= THAW_TIDS_MAX)
		*nr_threads = le32toh(hd.h.nr_threads);
	if (le32toh(hd.h.fpu_size) > *fpu_size &&
	    le32toh(hd.h.fpu_size) <= 1024 * 1024)
		*fpu_size = le32toh(hd.h.fpu_size);
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

/* Everything a thaw holds, released by thaw_cleanup(). */
struct thaw_ctx {
	int devfd;
	unsigned int flags;
	struct cryo_thaw t;
	__s32 *tids;
	uint32_t *groups;	/* CRYO_THAW_GROUPS_MAX, filled by the module */
	bool creds;		/* the module planned R's credentials (ABI 1.4) */
	int *pipes;		/* 2 * nr_pipes, -1 when closed */
	unsigned int nr_pipes;
	int status[2];
	struct cryoctl_region r;
	size_t stub_len;	/* what CRYO_IOC_THAW was given */
	unsigned char *init;	/* the region's first r.init_len bytes */
	pid_t rpid;		/* R, once known */
	int pidfd;		/* R's, when the kernel has pidfd_open() */
	bool reaped;		/* R was waited for (CRYOCTL_THAW_WAIT) */
};

static void close_pipes(struct thaw_ctx *c)
{
	unsigned int i;

	for (i = 0; c->pipes && i < 2 * c->nr_pipes; i++) {
		if (c->pipes[i] >= 0)
			close(c->pipes[i]);
		c->pipes[i] = -1;
	}
}

static void thaw_cleanup(struct thaw_ctx *c)
{
	close_pipes(c);
	free(c->pipes);
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

/* Fill in the part of the region the library writes, for address @base. */
static void build_region(struct thaw_ctx *c)
{
	const struct cryoctl_region *r = &c->r;
	uint64_t base = c->t.stub_addr;
	struct stub_args *a = (void *)(c->init + r->args);
	struct stub_thread *th = (void *)(c->init + r->threads);
	unsigned int i, n = c->t.nr_threads;

	memcpy(c->init, cryoctl_stub_code, cryoctl_stub_code_len);
	a->devfd = c->devfd;
	a->status_fd = c->status[1];
	a->nr_threads = n;
	a->stack_top = base + r->stacks + r->stack_size;
	a->threads = base + r->threads;
	a->restore.size = sizeof(a->restore);
	a->restore.stub_start = base;
	a->restore.stub_len = c->stub_len;
	a->restore.pipes = base + r->pipes;
	a->restore.nr_pipes = c->nr_pipes;
	a->restore.cpu.fpu = base + r->fpu;
	a->restore.exe_fd = -1;		/* out fields: none until the module says */
	a->restore.cwd_fd = -1;

	for (i = 0; i < n; i++) {
		th[i].finish.size = sizeof(th[i].finish);
		th[i].devfd = c->devfd;
		th[i].status_fd = c->status[1];
		if (!i)
			continue;
		th[i].clone.flags = CLONE_VM | CLONE_FS | CLONE_FILES |
				    CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
				    CLONE_CHILD_CLEARTID;
		th[i].clone.child_tid = base + r->threads +
					i * sizeof(*th) + offsetof(struct stub_thread, ctid);
		th[i].clone.stack = base + r->stacks + (uint64_t)i * r->stack_size;
		th[i].clone.stack_size = r->stack_size;
		if (c->flags & CRYO_THAW_SAME_PID) {
			th[i].clone.set_tid = base + r->tids + i * sizeof(__s32);
			th[i].clone.set_tid_size = 1;
		}
		th[i].thread.size = sizeof(th[i].thread);
		th[i].thread.index = i;
		th[i].thread.cpu.fpu = base + r->fpu + i * r->fpu_slot;
		th[i].ctid = 1;
	}
	memcpy(c->init + r->tids, c->tids, n * sizeof(__s32));
	memcpy(c->init + r->pipes, c->pipes, 2 * c->nr_pipes * sizeof(__s32));
}

static void send_msg(int fd, int type, int value)
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
static pid_t spawn(pid_t pid)
{
	struct stub_clone_args ca = { .exit_signal = SIGCHLD };
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
 * The process R: map the region at the address the module chose, copy
 * the stub and its arguments in and run it.  Only async-signal-safe
 * calls: the caller may have other threads.
 */
static __attribute__((noreturn)) void run_r(struct thaw_ctx *c)
{
	stub_thaw_fn *thaw;
	uint64_t all = ~0ULL;
	void *p;
	long ret;

	/* Every signal, the C library's internal ones too. */
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, sizeof(all));
	if (!(c->flags & CRYOCTL_THAW_WAIT))
		setsid();
	send_msg(c->status[1], STUB_ST_PID, (int)getpid());
	ret = c->creds ? thaw_set_creds(&c->t, c->groups) : 0;
	if (ret) {
		send_msg(c->status[1], STUB_ST_CREDS, (int)-ret);
		_exit(1);
	}
	p = mmap((void *)(uintptr_t)c->t.stub_addr, c->stub_len,
		 PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED) {
		send_msg(c->status[1], STUB_ST_MAP, errno);
		_exit(1);
	}
	if ((uintptr_t)p != c->t.stub_addr) {
		/* A kernel without MAP_FIXED_NOREPLACE took it as a hint. */
		send_msg(c->status[1], STUB_ST_MAP, EEXIST);
		_exit(1);
	}
	memcpy(p, c->init, c->r.init_len);
	thaw = (stub_thaw_fn *)((char *)p + cryoctl_stub_thaw_off);
	ret = thaw((struct stub_args *)((char *)p + c->r.args));
	send_msg(c->status[1], STUB_ST_ERROR, ret < 0 ? (int)-ret : EPROTO);
	_exit(1);
}

/*
 * Create R.  With CRYOCTL_THAW_WAIT it is our child; otherwise a child of
 * ours creates it and exits at once, and is reaped here.
 * Return: 0, or -errno with nothing left behind.
 */
static int start_r(struct thaw_ctx *c)
{
	pid_t pid0 = c->flags & CRYO_THAW_SAME_PID ? c->tids[0] : 0;
	sigset_t all, old;
	pid_t pid, r;
	int ret = 0, st, err;

	/* R must never run a handler of the caller's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (c->flags & CRYOCTL_THAW_WAIT) {
		pid = spawn(pid0);
		if (!pid) {
			close(c->status[0]);
			run_r(c);
		}
		if (pid < 0)
			ret = neg_errno();
		else
			c->rpid = pid;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return ret;
	}

	pid = spawn(0);
	if (!pid) {
		close(c->status[0]);
		r = spawn(pid0);
		if (!r)
			run_r(c);
		err = errno;
		if (r < 0)
			send_msg(c->status[1], STUB_ST_SPAWN, err);
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
	case STUB_ST_CREDS:
		return "take the image's uids, gids, groups and limits";
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

/* End R when a failed thaw leaves it alive; reap it when it is ours. */
static void end_r(struct thaw_ctx *c)
{
	siginfo_t si;
	int st;

	if (c->rpid <= 0 || c->reaped)
		return;
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
}

/*
 * Read R's reports until EOF (R finished, and the module closed the
 * descriptor, or R died), then ask the module how it went.
 */
/*
 * R stopped (SIGSTOP, SIGTSTP ...): once it has taken the user's ids, the
 * user may stop it, and the thaw would wait for it forever.
 */
static bool r_stopped(struct thaw_ctx *c)
{
	char path[32], buf[512], *p;
	ssize_t n;
	int fd;

	if (c->rpid <= 0 || c->reaped)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)c->rpid);
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
	}
}

static int wait_outcome(struct thaw_ctx *c, struct cryoctl_thaw_result *res)
{
	int r_err = 0, step = 0, step_err = 0, ret, waited;
	struct cryo_thaw_status st;
	struct stub_msg m;

	while ((ret = next_msg(c, &m)) > 0) {
		if (m.type == STUB_ST_PID) {
			if (c->rpid <= 0)
				c->rpid = m.value;
			if (c->pidfd < 0)
				c->pidfd = syscall(SYS_pidfd_open, c->rpid, 0);
		} else if (m.type == STUB_ST_ERROR) {
			r_err = m.value;
		} else if (!step) {
			step = m.type;
			step_err = m.value > 0 ? m.value : EIO;
		}
	}

	if (ret < 0) {
		if (!(c->flags & CRYOCTL_THAW_WAIT) && c->pidfd < 0)
			kill(c->rpid, SIGKILL);
		end_r(c);
		return thaw_fail(res, ret,
				 "the process being restored was stopped (by a signal of its user's?) before the thaw completed; killed");
	}

	/*
	 * EOF: the module closed R's fds just before DONE, or R is gone.  A
	 * restore under way is waited out in the module; a module without
	 * CRYO_THAW_STATUS_WAIT (EINVAL) is polled.
	 */
	do {
		ret = thaw_status(c->devfd, &st, CRYO_THAW_STATUS_WAIT);
	} while (ret == -EINTR);
	for (waited = 0;; waited += 2) {
		if (waited || ret == -EINVAL)
			ret = thaw_status(c->devfd, &st, 0);
		if (ret) {
			end_r(c);
			return thaw_fail(res, ret, "cannot read the thaw's status: %s",
					 strerror(-ret));
		}
		if (st.state == CRYO_THAW_DONE || st.state == CRYO_THAW_FAILED)
			break;
		if (r_gone(c) || waited >= THAW_STATUS_WAIT_MS)
			break;
		sleep_ms(2);
	}

	if (st.state == CRYO_THAW_DONE) {
		if (res) {
			res->pid = st.pid;
			res->error = 0;
			res->message[0] = 0;
		}
		return 0;
	}

	if (!r_gone(c) && !step && !r_err && st.state != CRYO_THAW_FAILED) {
		end_r(c);
		return thaw_fail(res, -ETIMEDOUT,
				 "the module did not report the outcome within %d s",
				 THAW_STATUS_WAIT_MS / 1000);
	}
	end_r(c);

	switch (step) {
	case 0:
		break;
	case STUB_ST_SPAWN:
		return spawn_fail(c, -step_err, res);
	case STUB_ST_MAP:
		return thaw_fail(res, -step_err, "cannot map the stub region at 0x%llx: %s",
				 (unsigned long long)c->t.stub_addr, strerror(step_err));
	default:
		if (step == STUB_ST_CLONE && (c->flags & CRYO_THAW_SAME_PID) &&
		    step_err == EEXIST)
			return thaw_fail(res, -step_err,
					 "cannot restore the image's thread ids: one is in use");
		return thaw_fail(res, -step_err, "the process being restored could not %s: %s",
				 step_name(step), strerror(step_err));
	}
	if (st.state == CRYO_THAW_FAILED && st.error)
		return thaw_fail(res, -(int)st.error, "%s",
				 st.message[0] ? st.message : strerror(st.error));
	if (r_err)
		return thaw_fail(res, -r_err, "%s", st.message[0] ? st.message :
				 strerror(r_err));
	return thaw_fail(res, -EIO, "the process being restored died before the thaw completed");
}

CRYOCTL_EXPORT int cryoctl_thaw(int devfd, int image_fd, unsigned int flags,
				const struct cryo_thaw_inherit *inherit,
				unsigned int nr_inherit,
				struct cryoctl_thaw_result *res)
{
	struct thaw_ctx c = {
		.devfd = devfd, .flags = flags, .status = { -1, -1 }, .pidfd = -1,
	};
	struct cryo_thaw_status st;
	struct cryoctl_region est;
	size_t est_threads, est_fpu;
	char msg[CRYO_THAW_MSG_LEN];
	unsigned int i;
	int ret;

	if (res)
		memset(res, 0, sizeof(*res));
	static_assert(!(CRYOCTL_THAW_WAIT & CRYO_THAW_ALL), "CRYOCTL_THAW_WAIT");

	if (flags & ~(CRYOCTL_THAW_SAME_PID | CRYOCTL_THAW_WAIT))
		return thaw_fail(res, -EINVAL, "unknown flags 0x%x",
				 flags & ~(CRYOCTL_THAW_SAME_PID | CRYOCTL_THAW_WAIT));
	if (devfd < 0 || image_fd < 0)
		return thaw_fail(res, -EBADF, "%s descriptor %d",
				 devfd < 0 ? "device" : "image",
				 devfd < 0 ? devfd : image_fd);
	ret = check_inherit(inherit, nr_inherit, res);
	if (ret)
		return ret;
	ret = need_feature(devfd, CRYO_FEATURE_THAW, "thaw", msg, sizeof(msg));
	if (ret)
		return thaw_fail(res, ret, "%s", msg);

	estimate(image_fd, &est_threads, &est_fpu);
	cryoctl_region_layout(&est, est_threads, THAW_PIPES_MAX, est_fpu, 0);
	c.stub_len = est.len;
	/* &cryo_thaw.stub_size is 32 bits wide. */
	if (c.stub_len > UINT32_MAX)
		return thaw_fail(res, -E2BIG,
				 "%zu threads with %zu bytes of FPU state each need a stub region of %zu bytes, more than the 4 GiB a thaw can have",
				 est_threads, est_fpu, c.stub_len);

	c.tids = calloc(THAW_TIDS_MAX, sizeof(*c.tids));
	c.groups = calloc(CRYO_THAW_GROUPS_MAX, sizeof(*c.groups));
	if (!c.tids || !c.groups)
		return thaw_fail(res, -ENOMEM, "out of memory");
	c.t = (struct cryo_thaw){
		.size = sizeof(c.t),
		.flags = flags & CRYO_THAW_ALL,
		.image_fd = image_fd,
		.nr_inherit = nr_inherit,
		.inherit = (uintptr_t)inherit,
		.tids = (uintptr_t)c.tids,
		.tids_len = THAW_TIDS_MAX,
		.stub_size = c.stub_len,
		.groups = (uintptr_t)c.groups,
		.groups_len = CRYO_THAW_GROUPS_MAX,
	};
	ret = ioctl(devfd, CRYO_IOC_THAW, &c.t);
	if (ret < 0 && errno == E2BIG) {
		/* A module before ABI 1.4 plans no credentials. */
		c.t.size = CRYO_THAW_SIZE_VER0;
		c.t.groups = 0;
		c.t.groups_len = 0;
		ret = ioctl(devfd, CRYO_IOC_THAW, &c.t);
	}
	c.creds = ret == 0 && c.t.size >= CRYO_THAW_SIZE_VER1;
	if (ret < 0) {
		ret = neg_errno();
		if (cryoctl_thaw_status(devfd, &st) || !st.message[0])
			snprintf(st.message, sizeof(st.message), "%s", strerror(-ret));
		thaw_fail(res, ret, "%s", st.message);
		goto out;
	}

	if (c.t.nr_threads < 1 || c.t.nr_threads > THAW_TIDS_MAX ||
	    c.t.nr_pipes > THAW_PIPES_MAX || !c.t.stub_addr ||
	    c.t.stub_addr & 4095) {
		ret = thaw_fail(res, -EPROTO,
				"the module's answer makes no sense (%u threads, %u pipes, stub at 0x%llx)",
				c.t.nr_threads, c.t.nr_pipes,
				(unsigned long long)c.t.stub_addr);
		goto out;
	}
	/*
	 * The region was laid out for est_threads threads of est_fpu bytes
	 * of FPU state: it holds the image's if neither is more (the layout
	 * grows with both).  The last test only guards that reasoning.
	 */
	cryoctl_region_layout(&c.r, c.t.nr_threads, c.t.nr_pipes, c.t.fpu_size, 0);
	if (c.t.nr_threads > est_threads || c.r.len > c.stub_len) {
		ret = thaw_fail(res, -E2BIG,
				"the image has %u threads with %u bytes of FPU state each, more than a stub region sized for %zu threads holds%s",
				c.t.nr_threads, c.t.fpu_size, est_threads,
				est_threads == THAW_PIPE_THREADS ?
				" (an image read from a pipe: thaw it from a file)" : "");
		goto out;
	}
	if (c.t.fpu_size > est_fpu) {
		ret = thaw_fail(res, -E2BIG,
				"the image's threads have %u bytes of FPU state each, more than the %zu of this CPU's XSAVE area the stub region was sized for",
				c.t.fpu_size, est_fpu);
		goto out;
	}

	c.nr_pipes = c.t.nr_pipes;
	c.pipes = malloc((2 * c.nr_pipes + 1) * sizeof(*c.pipes));
	c.init = calloc(1, c.r.init_len);
	if (!c.pipes || !c.init) {
		ret = thaw_fail(res, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < 2 * c.nr_pipes; i++)
		c.pipes[i] = -1;
	for (i = 0; i < c.nr_pipes; i++) {
		if (pipe2(c.pipes + 2 * i, O_CLOEXEC)) {
			ret = neg_errno();
			thaw_fail(res, ret, "cannot create the %u pipes the image needs: %s",
				  c.nr_pipes, strerror(-ret));
			goto out;
		}
	}
	if (pipe2(c.status, O_CLOEXEC)) {
		ret = neg_errno();
		thaw_fail(res, ret, "cannot create a pipe: %s", strerror(-ret));
		goto out;
	}
	build_region(&c);

	ret = start_r(&c);
	close(c.status[1]);
	c.status[1] = -1;
	close_pipes(&c);
	if (ret) {
		spawn_fail(&c, ret, res);
		goto out;
	}
	ret = wait_outcome(&c, res);
out:
	thaw_cleanup(&c);
	return ret;
}

/* ---- remap ------------------------------------------------------------------ */

struct span {
	uint64_t start;
	uint64_t end;
};

struct spans {
	struct span *v;
	size_t nr;
	size_t size;
};

static int spans_add(struct spans *s, uint64_t start, uint64_t end)
{
	struct span *v;

	if (s->nr == s->size) {
		s->size = s->size ? 2 * s->size : 64;
		v = realloc(s->v, s->size * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
	}
	s->v[s->nr].start = start;
	s->v[s->nr++].end = end;
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The caller's own mappings, which the forked child shares. */
static int own_spans(struct spans *s)
{
	unsigned long long start, end;
	char line[8192];
	FILE *f;
	int ret = 0;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return neg_errno();
	while (!ret && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &start, &end) == 2)
			ret = spans_add(s, start, end);
	fclose(f);
	return ret;
}

/* Lowest and highest addresses a kept range may take, and its distance to others. */
#define REMAP_LOW	0x100000ULL
#define REMAP_HIGH	0x7ffffffff000ULL
#define REMAP_GAP	0x100000ULL

/*
 * The highest range of @len bytes at least REMAP_GAP away from every span
 * (the gap keeps it off a stack's guard gap).  Return: its start, or 0.
 */
static uint64_t find_hole(struct spans *s, uint64_t len)
{
	uint64_t lo = REMAP_LOW, hi, start, best = 0;
	size_t i;

	qsort(s->v, s->nr, sizeof(*s->v), span_cmp);
	for (i = 0; i <= s->nr; i++) {
		hi = i < s->nr ? s->v[i].start : REMAP_HIGH;
		if (hi > REMAP_HIGH)
			hi = REMAP_HIGH;
		if (hi >= lo + len + 2 * REMAP_GAP) {
			start = (hi - REMAP_GAP - len) & ~4095ULL;
			if (start >= lo + REMAP_GAP && start > best)
				best = start;
		}
		if (i < s->nr && s->v[i].end > lo)
			lo = s->v[i].end;
	}
	return best;
}

struct layout_writer {
	int fd;
	uint64_t records;
	uint64_t bytes;
};

static int put_record(struct layout_writer *w, uint32_t type, const void *payload,
		      uint32_t len)
{
	struct cryo_rec rec = { .type = htole32(type), .len = htole32(len) };
	int ret;

	rec.crc = htole32(cryoctl_record_crc(&rec, payload));
	ret = cryoctl_write_full(w->fd, &rec, sizeof(rec));
	if (!ret && len)
		ret = cryoctl_write_full(w->fd, payload, len);
	w->records++;
	w->bytes += sizeof(rec) + len;
	return ret;
}

/*
 * Copy the layout of the image on @image_fd (HEADER announcing no
 * threads, VMAs, a new TRAILER, as "cryoctl layout" writes it) into a
 * memfd; note every VMA in @s and a bound of the maps text in @text.
 * Return: the memfd, or -errno.
 */
static int copy_layout(int image_fd, struct spans *s, size_t *text)
{
	struct layout_writer w = { .fd = -1 };
	struct cryoctl_image *img = NULL;
	struct cryo_image_trailer t;
	struct cryo_image_header *h;
	struct cryo_image_vma v;
	struct cryoctl_record rec;
	int ret;

	w.fd = memfd_create("cryoctl-layout", MFD_CLOEXEC);
	if (w.fd < 0)
		return neg_errno();
	*text = 64 * 1024;
	ret = cryoctl_image_open(image_fd, &img);
	while (!ret && (ret = cryoctl_image_next(img, &rec)) > 0) {
		if (rec.type == CRYO_REC_PAGES) {
			ret = 0;
			break;
		}
		if (rec.type == CRYO_REC_HEADER) {
			h = malloc(rec.len);
			if (!h) {
				ret = -ENOMEM;
				break;
			}
			memcpy(h, rec.payload, rec.len);
			h->nr_threads = htole32(0);
			ret = put_record(&w, rec.type, h, rec.len);
			free(h);
		} else if (rec.type == CRYO_REC_VMA) {
			memcpy(&v, rec.payload, sizeof(v));
			ret = spans_add(s, le64toh(v.start), le64toh(v.end));
			if (!ret)
				ret = put_record(&w, rec.type, rec.payload, rec.len);
			/* /proc escapes a newline as 4 bytes */
			*text += 160 + 4 * (size_t)le32toh(v.name_len);
		} else {
			ret = 0;
		}
	}
	cryoctl_image_close(img);
	if (!ret) {
		t.nr_records = htole64(w.records);
		t.nr_pages = 0;
		t.bytes = htole64(w.bytes);
		ret = put_record(&w, CRYO_REC_TRAILER, &t, sizeof(t));
	}
	if (!ret && lseek(w.fd, 0, SEEK_SET) < 0)
		ret = neg_errno();
	if (ret) {
		close(w.fd);
		return ret;
	}
	return w.fd;
}

/* The child: map the region, copy the stub in, remap.  Never returns. */
static __attribute__((noreturn)) void run_remap_child(uint64_t base, size_t len,
						      const unsigned char *init,
						      size_t init_len, size_t args,
						      int result_fd)
{
	stub_remap_fn *remap;
	uint64_t all = ~0ULL;
	void *p;
	int err;

	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, sizeof(all));
	p = mmap((void *)(uintptr_t)base, len, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED || (uintptr_t)p != base) {
		err = p == MAP_FAILED ? errno : EEXIST;
		cryoctl_write_full(result_fd, &err, sizeof(err));
		_exit(5);
	}
	memcpy(p, init, init_len);
	remap = (stub_remap_fn *)((char *)p + cryoctl_stub_remap_off);
	remap((struct stub_args *)((char *)p + args));
	_exit(4);
}

/* Drop the line of the range at @start from the maps text @t. */
static size_t drop_line(char *t, size_t len, uint64_t start)
{
	char prefix[32], *line, *end;
	size_t plen;

	plen = snprintf(prefix, sizeof(prefix), "%08llx-", (unsigned long long)start);
	for (line = t; line < t + len; line = end) {
		end = memchr(line, '\n', t + len - line);
		end = end ? end + 1 : t + len;
		if ((size_t)(end - line) > plen && !memcmp(line, prefix, plen)) {
			memmove(line, end, t + len - end);
			return len - (end - line);
		}
	}
	return len;
}

CRYOCTL_EXPORT int cryoctl_remap_maps(int devfd, int image_fd, char *buf,
				      size_t len, size_t *out_len)
{
	struct spans s = { 0 };
	struct cryoctl_region r;
	struct stub_args *a;
	unsigned char *init = NULL;
	char msg[CRYO_THAW_MSG_LEN], *text = NULL, *p;
	size_t text_bound = 0, text_len = 0, text_size = 0;
	int layout_fd = -1, res[2] = { -1, -1 }, ret, st, err;
	uint64_t base;
	pid_t pid;
	ssize_t n;

	if ((!buf && len) || devfd < 0 || image_fd < 0)
		return devfd < 0 || image_fd < 0 ? -EBADF : -EINVAL;
	ret = need_feature(devfd, CRYO_FEATURE_REMAP, "remap", msg, sizeof(msg));
	if (ret)
		return ret;

	layout_fd = copy_layout(image_fd, &s, &text_bound);
	if (layout_fd < 0) {
		ret = layout_fd;
		goto out;
	}
	cryoctl_region_layout(&r, 1, 0, 0, PAGE_ALIGN(text_bound));
	ret = own_spans(&s);
	if (ret)
		goto out;
	base = find_hole(&s, r.len);
	if (!base) {
		ret = -ENOMEM;
		goto out;
	}

	init = calloc(1, r.init_len);
	if (!init) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(init, cryoctl_stub_code, cryoctl_stub_code_len);
	a = (struct stub_args *)(init + r.args);
	a->devfd = devfd;
	a->status_fd = -1;
	a->stack_top = base + r.stacks + r.stack_size;
	a->remap.size = sizeof(a->remap);
	a->remap.image_fd = layout_fd;
	a->remap.keep_start = base;
	a->remap.keep_len = r.len;
	a->buf = base + r.buf;
	a->buf_len = r.buf_len;
	snprintf(a->maps_path, sizeof(a->maps_path), "/proc/self/maps");

	if (pipe2(res, O_CLOEXEC)) {
		ret = neg_errno();
		goto out;
	}
	a->result_fd = res[1];
	pid = fork();
	if (!pid) {
		close(res[0]);
		run_remap_child(base, r.len, init, r.init_len, r.args, res[1]);
	}
	if (pid < 0) {
		ret = neg_errno();
		goto out;
	}
	close(res[1]);
	res[1] = -1;

	for (ret = 0;;) {
		if (text_size - text_len < 65536) {
			text_size = text_size ? 2 * text_size : 1 << 20;
			p = realloc(text, text_size);
			if (!p) {
				ret = -ENOMEM;
				kill(pid, SIGKILL);
				break;
			}
			text = p;
		}
		n = cryoctl_read_full(res[0], text + text_len, text_size - text_len);
		if (n < 0) {
			ret = n;
			kill(pid, SIGKILL);
			break;
		}
		text_len += n;
		if (text_len < text_size)
			break;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (ret)
		goto out;

	if (WIFEXITED(st) && !WEXITSTATUS(st)) {
		text_len = drop_line(text, text_len, base);
		if (out_len)
			*out_len = text_len;
		if (len <= text_len) {
			ret = -ERANGE;
			goto out;
		}
		memcpy(buf, text, text_len);
		buf[text_len] = 0;
		ret = 0;
	} else if (WIFEXITED(st) && text_len == sizeof(err)) {
		memcpy(&err, text, sizeof(err));
		ret = err > 0 ? -err : -EIO;
	} else {
		struct cryo_thaw_status ts;

		/* Killed, after the point of no return: the module knows why. */
		ret = -EIO;
		if (!cryoctl_thaw_status(devfd, &ts) && ts.error)
			ret = -(int)ts.error;
	}
out:
	if (res[0] >= 0)
		close(res[0]);
	if (res[1] >= 0)
		close(res[1]);
	if (layout_fd >= 0)
		close(layout_fd);
	free(text);
	free(init);
	free(s.v);
	return ret;
}
