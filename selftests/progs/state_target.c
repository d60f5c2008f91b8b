// SPDX-License-Identifier: GPL-2.0
/*
 * The target of cryo_state_test: sets up, one command at a time, the
 * state a freeze must record beyond memory (files and fds, signals,
 * identity, registers, blocked system calls), and reports what it did in
 * a page it shares with the test (progs/state_target.h).
 *
 * Commands are single bytes on fd 0; each gets one reply byte on fd 1.
 * Started by the test with fd 2 a log and nothing else open.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <linux/futex.h>
#include <linux/userfaultfd.h>
#include <sys/epoll.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "state_target.h"

static struct shared *sh;

/* ---- registers: a loop that keeps known values in registers ---------- */

/*
 * cryo_spin(r12, r13, r14, xmm0, xmm1, counter): load the values and spin
 * forever, bumping *counter, so that a parked thread is caught with all
 * of them live (and rdi, rsi, rdx, rcx, r8, r9 still holding the
 * arguments).
 */
void cryo_spin(uint64_t r12, uint64_t r13, uint64_t r14, uint64_t x0,
	       uint64_t x1, uint64_t *counter) __attribute__((noreturn));
extern const char cryo_spin_loop[], cryo_spin_end[];
asm(".text\n"
	".globl cryo_spin\n"
	".hidden cryo_spin\n"
	".type cryo_spin, @function\n"
	"cryo_spin:\n"
	"	movq %rdi, %r12\n"
	"	movq %rsi, %r13\n"
	"	movq %rdx, %r14\n"
	"	movq %rcx, %xmm0\n"
	"	movq %r8, %xmm1\n"
	".globl cryo_spin_loop\n"
	".hidden cryo_spin_loop\n"
	"cryo_spin_loop:\n"
	"	incq (%r9)\n"
	"	jmp cryo_spin_loop\n"
	".globl cryo_spin_end\n"
	".hidden cryo_spin_end\n"
	"cryo_spin_end:\n"
	"	ud2\n"
	".size cryo_spin, .-cryo_spin\n");


static int __attribute__((format(printf, 1, 2))) terr(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	vsnprintf(sh->errmsg, sizeof(sh->errmsg), fmt, ap);
	va_end(ap);
	snprintf(sh->errmsg + strlen(sh->errmsg),
		 sizeof(sh->errmsg) - strlen(sh->errmsg), ": %s", strerror(e));
	return -1;
}

static int write_pattern(int fd, size_t n, unsigned int seed)
{
	unsigned char *buf = malloc(n);
	ssize_t w;

	if (!buf)
		return -1;
	fill(buf, n, seed);
	w = write(fd, buf, n);
	free(buf);
	return w == (ssize_t)n ? 0 : -1;
}

static int open_in_dir(const char *name, int flags)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", sh->dir, name);
	return open(path, flags, 0640);
}

/* 'F': the files of files_and_fds. */
static int t_files(void)
{
	char path[128];
	int fd, p[2];

	fd = open_in_dir("reg", O_RDWR | O_CREAT | O_TRUNC);
	if (fd < 0 || write_pattern(fd, REG_BYTES, 1) ||
	    lseek(fd, REG_POS, SEEK_SET) != REG_POS)
		return terr("reg");
	sh->fd_reg = fd;

	fd = open_in_dir("dup", O_RDONLY | O_CREAT | O_TRUNC);
	if (fd < 0 || lseek(fd, DUP_POS, SEEK_SET) != DUP_POS ||
	    dup2(fd, DUP_FD) != DUP_FD)
		return terr("dup");
	sh->fd_dup = fd;

	fd = open_in_dir("app", O_WRONLY | O_CREAT | O_APPEND);
	if (fd < 0 || write_pattern(fd, APP_BYTES, 2))
		return terr("append");
	sh->fd_app = fd;

	fd = open_in_dir("cloexec", O_RDONLY | O_CREAT | O_CLOEXEC);
	if (fd < 0)
		return terr("cloexec");
	sh->fd_cloexec = fd;

	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return terr("/dev/null");
	sh->fd_null = fd;

	/*
	 * Two writes, one buffer's worth of known bytes.  The read end moves
	 * above the write end: the bytes must come with the write end, the
	 * first one met.
	 */
	if (pipe(p) || write_pattern(p[1], 600, 3))
		return terr("pipe");
	{
		unsigned char buf[PIPE_BYTES];

		fill(buf, sizeof(buf), 3);
		if (write(p[1], buf + 600, PIPE_BYTES - 600) != PIPE_BYTES - 600)
			return terr("pipe write");
	}
	if (dup2(p[0], PIPE_RD_FD) != PIPE_RD_FD || close(p[0]))
		return terr("pipe dup2");
	sh->fd_pr = PIPE_RD_FD;
	sh->fd_pw = p[1];

	/* A named FIFO, both ends in one O_RDWR description, with data. */
	snprintf(path, sizeof(path), "%s/fifo", sh->dir);
	if (mkfifo(path, 0600))
		return terr("mkfifo");
	fd = open(path, O_RDWR | O_NONBLOCK);
	if (fd < 0 || write_pattern(fd, FIFO_BYTES, 6))
		return terr("fifo");
	sh->fd_fifo = fd;

	fd = open(sh->dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return terr("dir");
	sh->fd_dir = fd;

	snprintf(path, sizeof(path), "%s/unl", sh->dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write_pattern(fd, UNL_BYTES, 4) || unlink(path))
		return terr("unlinked");
	sh->fd_unl = fd;
	return 0;
}

/* 'X': after the freeze, everything of 'F' is still as it was. */
static int t_files_check(void)
{
	unsigned char buf[UNL_BYTES];

	if (lseek(sh->fd_reg, 0, SEEK_CUR) != REG_POS ||
	    lseek(DUP_FD, 0, SEEK_CUR) != DUP_POS ||
	    lseek(sh->fd_app, 0, SEEK_CUR) != APP_BYTES)
		return terr("an offset moved");
	if (fcntl(sh->fd_pr, F_SETFL, O_NONBLOCK))
		return terr("fcntl");
	if (read(sh->fd_pr, buf, sizeof(buf)) != PIPE_BYTES ||
	    !same_pattern(buf, PIPE_BYTES, 3))
		return terr("the pipe lost its bytes");
	if (read(sh->fd_fifo, buf, sizeof(buf)) != FIFO_BYTES ||
	    !same_pattern(buf, FIFO_BYTES, 6))
		return terr("the FIFO lost its bytes");
	if (pread(sh->fd_unl, buf, UNL_BYTES, 0) != UNL_BYTES ||
	    !same_pattern(buf, UNL_BYTES, 4))
		return terr("the unlinked file changed");
	return 0;
}

/* 'U': a big unlinked file, positioned at BIG_POS. */
static int t_big(void)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/big", sh->dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write_pattern(fd, BIG_BYTES, 5) || unlink(path) ||
	    lseek(fd, BIG_POS, SEEK_SET) != BIG_POS)
		return terr("big");
	sh->fd_big = fd;
	return 0;
}

/* 'L': a file cryo cannot save, at LOST_FD (and its peer at LOST_FD + 1). */
static int t_lost(void)
{
	int sv[2] = { -1, -1 };

	switch (sh->lost_kind) {
	case LOST_SOCKET:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			return terr("socketpair");
		break;
	case LOST_FANOTIFY:
		sv[0] = syscall(SYS_fanotify_init, 0 /* FAN_CLASS_NOTIF */,
				O_RDONLY);
		break;
	case LOST_UFFD:
		sv[0] = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
		break;
	case LOST_KMSG:
		/* A device whose open file has state: not reopenable. */
		sv[0] = open("/dev/kmsg", O_RDONLY);
		break;
	}
	if (sv[0] < 0 || dup2(sv[0], LOST_FD) != LOST_FD)
		return terr("lost fd");
	close(sv[0]);
	sh->fd_lost[0] = LOST_FD;
	sh->fd_lost[1] = -1;
	if (sv[1] >= 0) {
		if (dup2(sv[1], LOST_FD + 1) != LOST_FD + 1)
			return terr("dup2");
		close(sv[1]);
		sh->fd_lost[1] = LOST_FD + 1;
	}
	return 0;
}

/* 'l': the lost file still works after the freeze. */
static int t_lost_check(void)
{
	char c = 'x';

	switch (sh->lost_kind) {
	case LOST_SOCKET:
		if (write(LOST_FD, &c, 1) != 1 || read(LOST_FD + 1, &c, 1) != 1 ||
		    c != 'x')
			return terr("socket");
		break;
	case LOST_FANOTIFY:
	case LOST_UFFD:
	case LOST_KMSG:
		if (fcntl(LOST_FD, F_GETFD) < 0)
			return terr("lost fd gone");
		break;
	}
	return 0;
}

static void usr1_handler(int sig, siginfo_t *si, void *uc)
{
}

/* 'S': dispositions, masks, a pending signal, an itimer, an altstack. */
static int t_signals(void)
{
	struct itimerval it = { { 2, 0 }, { 10, 0 } };
	struct sigaction sa = { .sa_sigaction = usr1_handler,
				.sa_flags = SA_RESTART | SA_SIGINFO };
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack),
		       .ss_flags = SS_AUTODISARM };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	if (sigaction(SIGUSR1, &sa, NULL) || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return terr("sigaction");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || raise(SIGUSR2))
		return terr("sigprocmask");
	if (sigaltstack(&ss, NULL))
		return terr("sigaltstack");
	if (setitimer(ITIMER_REAL, &it, NULL))
		return terr("setitimer");
	/* The kernel's own view: { handler, flags, restorer, mask }. */
	if (syscall(SYS_rt_sigaction, SIGUSR1, NULL, &sh->kact, 8))
		return terr("rt_sigaction");
	sh->handler = (uintptr_t)usr1_handler;
	sh->altstack = (uintptr_t)altstack;
	return 0;
}

/* 'P': the pending signals and the itimer survived the freeze. */
static int t_signals_check(void)
{
	struct itimerval it;
	sigset_t set;

	if (sigpending(&set) || !sigismember(&set, SIGUSR2) ||
	    !sigismember(&set, SIGTERM))
		return terr("pending signals lost");
	if (getitimer(ITIMER_REAL, &it) || it.it_interval.tv_sec != 2 ||
	    (!it.it_value.tv_sec && !it.it_value.tv_usec))
		return terr("itimer lost");
	return 0;
}

/* 'I': cwd, umask, groups, ids, process group, comm. */
static int t_identity(void)
{
	static const gid_t groups[] = { 1, 2, 3 };
	uid_t r, e, s;
	gid_t gr, ge, gs, gl[64];
	char path[128];
	int i, n;

	snprintf(path, sizeof(path), "%s/cwd", sh->dir);
	if (mkdir(path, 0755) || chdir(path))
		return terr("chdir");
	if (!getcwd(sh->cwd, sizeof(sh->cwd)))
		return terr("getcwd");
	umask(027);
	if (setgroups(3, groups))
		return terr("setgroups");
	if (setresgid(2001, 2002, 2003) || setresuid(1001, 1002, 1003))
		return terr("setresuid");
	/* A credential change cleared it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (setpgid(0, 0) || prctl(PR_SET_NAME, "cryo-ident"))
		return terr("setpgid");
	sh->pid = getpid();
	sh->ppid = getppid();
	sh->pgid = getpgid(0);
	sh->sid = getsid(0);
	prctl(PR_GET_NAME, sh->comm);
	getresuid(&r, &e, &s);
	sh->uid[0] = r;
	sh->uid[1] = e;
	sh->uid[2] = s;
	sh->uid[3] = setfsuid(-1);
	getresgid(&gr, &ge, &gs);
	sh->gid[0] = gr;
	sh->gid[1] = ge;
	sh->gid[2] = gs;
	sh->gid[3] = setfsgid(-1);
	sh->umask = umask(027);
	n = getgroups(64, gl);
	if (n < 0)
		return terr("getgroups");
	for (i = 0; i < n; i++)
		sh->groups[i] = gl[i];
	sh->ngroups = n;
	return 0;
}

static void *reg_thread(void *arg)
{
	long i = (long)arg;
	struct rthread *rt = &sh->rt[i];
	uint64_t fs = 0;

	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
	rt->fs_base = fs;
	__atomic_store_n(&rt->tid, gettid(), __ATOMIC_RELEASE);
	cryo_spin(R12(i), R13(i), R14(i), XMM0(i), XMM1(i), &rt->counter);
}

/* 'R': NR_REG_THREADS spinning threads. */
static int t_reg_threads(void)
{
	pthread_t th;
	long i;

	for (i = 0; i < NR_REG_THREADS; i++)
		if (pthread_create(&th, NULL, reg_thread, (void *)i))
			return terr("pthread_create");
	return 0;
}

static void *blocked_thread(void *arg)
{
	long k = (long)arg;
	struct bthread *b = &sh->bt[k];
	struct timespec ts = { 1000, 0 };
	struct timeval tv = { 30, 0 };
	fd_set rfds;
	long ret = -1;

	b->tid = gettid();
	clock_gettime(CLOCK_MONOTONIC, &b->t0);
	__atomic_store_n(&b->state, 1, __ATOMIC_RELEASE);
	/* Raw system calls: the numbers are what the test expects. */
	switch (k) {
	case BT_NANO_LONG:
		ret = syscall(SYS_nanosleep, &ts, NULL);
		break;
	case BT_NANO_1S:
		ts.tv_sec = 1;
		ret = syscall(SYS_nanosleep, &ts, NULL);
		break;
	case BT_READ:
		ret = syscall(SYS_read, sh->rd_pipe[0], &sh->byte_read, 1);
		break;
	case BT_FUTEX:
		ret = syscall(SYS_futex, &sh->futex_word, FUTEX_WAIT_PRIVATE, 0,
			      NULL, NULL, 0);
		break;
	case BT_SELECT:
		FD_ZERO(&rfds);
		FD_SET(sh->sel_pipe[0], &rfds);
		ret = syscall(SYS_select, sh->sel_pipe[0] + 1, &rfds, NULL,
			      NULL, &tv);
		break;
	}
	b->err = ret < 0 ? errno : 0;
	b->ret = ret;
	clock_gettime(CLOCK_MONOTONIC, &b->t1);
	__atomic_store_n(&b->state, 2, __ATOMIC_RELEASE);
	return NULL;
}

static int start_blocked(long k)
{
	pthread_t th;

	if (pthread_create(&th, NULL, blocked_thread, (void *)k))
		return terr("pthread_create");
	return 0;
}

/* 'B': the threads that block in read, futex, select and a long nanosleep. */
static int t_blocked(void)
{
	if (pipe(sh->rd_pipe) || pipe(sh->sel_pipe))
		return terr("pipe");
	if (start_blocked(BT_NANO_LONG) || start_blocked(BT_READ) ||
	    start_blocked(BT_FUTEX) || start_blocked(BT_SELECT))
		return -1;
	return 0;
}

static int run_cmd(char c)
{
	char z = 'z';

	switch (c) {
	case 'p':
		return 0;
	case 'F':
		return t_files();
	case 'X':
		return t_files_check();
	case 'U':
		return t_big();
	case 'L':
		return t_lost();
	case 'l':
		return t_lost_check();
	case 'S':
		return t_signals();
	case 'P':
		return t_signals_check();
	case 'I':
		return t_identity();
	case 'R':
		return t_reg_threads();
	case 'B':
		return t_blocked();
	case 'N':
		return start_blocked(BT_NANO_1S);
	case 'r':	/* feed the reader */
		return write(sh->rd_pipe[1], &z, 1) == 1 ? 0 : terr("write");
	case 's':	/* wake the selecter */
		return write(sh->sel_pipe[1], &z, 1) == 1 ? 0 : terr("write");
	case 'W':	/* wake the futex waiter */
		__atomic_store_n(&sh->futex_word, 1, __ATOMIC_RELEASE);
		return syscall(SYS_futex, &sh->futex_word, FUTEX_WAKE_PRIVATE, 1,
			       NULL, NULL, 0) == 1 ? 0 : terr("FUTEX_WAKE");
	}
	errno = EINVAL;
	return terr("unknown command %c", c);
}

/*
 * The shared page first, its address and length to the test (after 'h');
 * then one reply byte per command byte: 'k' done, 'E' failed (the reason
 * in the shared page's errmsg).  'q' exits.
 */
int main(void)
{
	size_t len = (sizeof(*sh) + 4095) & ~4095UL;
	uint64_t where[2];
	char c, r = 'h';

	sh = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	if (sh == MAP_FAILED)
		_exit(1);
	sh->at = (uintptr_t)sh;
	sh->spin_loop = (uintptr_t)cryo_spin_loop;
	sh->spin_end = (uintptr_t)cryo_spin_end;
	where[0] = (uintptr_t)sh;
	where[1] = len;
	if (write(1, &r, 1) != 1 || write(1, where, sizeof(where)) != sizeof(where))
		_exit(2);
	while (read(0, &c, 1) == 1) {
		if (c == 'q')
			_exit(0);
		r = run_cmd(c) ? 'E' : 'k';
		if (write(1, &r, 1) != 1)
			_exit(3);
	}
	_exit(4);
}
