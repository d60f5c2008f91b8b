// SPDX-License-Identifier: GPL-2.0
/*
 * census_target: the target of cryo_census_test.  It sets up one kind of
 * state -- a kind of descriptor at fd 10, a kind of mapping, or a process
 * attribute -- and then only answers, so that everything /proc shows of
 * it can be compared before the freeze and after the thaw.
 *
 * argv[1] is the kind (see kinds[] below), argv[2] a scratch directory
 * it may create files in.  It talks through the FIFOs argv[2]/cmd and
 * argv[2]/rep, which it opens as its fds 0 and 1: a FIFO is state a
 * thaw restores, where a pipe to the test would refuse the freeze (or be
 * lost), and what is measured is the kind alone.  Protocol: one-byte
 * commands on fd 0, one-line
 * replies on fd 1.  At start "ready", or "skip <what> <errno>" when this
 * kernel or VM cannot make the kind; 'p' -> "alive"; 'q' <byte> exits
 * with that status.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include "say.h"

#define FD		10
/* Mappings go here, so that both /proc/PID/maps lines can be compared. */
#define MAP_AT		((void *)0x7e0000000000UL)
#define MAP_LEN		(4 * 4096UL)

static const char *dir;

static char *path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* A file of @len bytes of a pattern; its fd. */
static int make_file(const char *name, size_t len, int flags)
{
	char block[4096];
	size_t i;
	int fd = open(path(name), O_RDWR | O_CREAT | O_TRUNC | flags, 0640);

	if (fd < 0)
		return -1;
	for (i = 0; i < sizeof(block); i++)
		block[i] = 'a' + i % 26;
	for (i = 0; i < len; i += sizeof(block))
		if (write(fd, block, len - i < sizeof(block) ? len - i :
			  sizeof(block)) < 0)
			return -1;
	return fd;
}

static int map_fd(int fd, int prot, int flags)
{
	void *p = mmap(MAP_AT, MAP_LEN, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);

	if (p == MAP_FAILED)
		return -1;
	/* Touch it: a page that exists, and for a private one a copy. */
	if (prot & PROT_WRITE)
		((char *)p)[0] = 'W';
	return 0;
}

/* ---- descriptors: each returns the fd to place at FD, or -1 ---------- */

static int k_reg(void)
{
	int fd = make_file("reg", 10000, 0);

	return fd < 0 || lseek(fd, 1234, SEEK_SET) < 0 ? -1 : fd;
}

static int k_reg_append(void)
{
	int fd = make_file("app", 100, 0);

	close(fd);
	return open(path("app"), O_WRONLY | O_APPEND | O_CLOEXEC);
}

static int k_dir(void)
{
	return open(dir, O_RDONLY | O_DIRECTORY);
}

static int k_opath_file(void)
{
	close(make_file("opath", 10, 0));
	return open(path("opath"), O_PATH);
}

static int k_opath_dir(void)
{
	return open(dir, O_PATH | O_DIRECTORY);
}

static int k_opath_symlink(void)
{
	if (symlink("no-such-target", path("link")))
		return -1;
	return open(path("link"), O_PATH | O_NOFOLLOW);
}

static int k_pipe_read(void)
{
	int p[2];

	if (pipe(p) || write(p[1], "census", 6) != 6)
		return -1;
	/* The write end stays too: data a thaw must give back. */
	if (dup2(p[1], FD + 1) < 0)
		return -1;
	close(p[1]);
	return p[0];
}

/* A pipe whose writer is gone (the end of a pipeline): data, then EOF. */
static int k_pipe_widowed(void)
{
	int p[2];

	if (pipe(p) || write(p[1], "widowed", 7) != 7)
		return -1;
	close(p[1]);
	return p[0];
}

/* A pipe whose reader is gone: a write gets EPIPE. */
static int k_pipe_no_reader(void)
{
	int p[2];

	if (pipe(p))
		return -1;
	close(p[0]);
	return p[1];
}

static int k_fifo(void)
{
	int fd;

	if (mkfifo(path("fifo"), 0600))
		return -1;
	fd = open(path("fifo"), O_RDWR | O_NONBLOCK);
	if (fd >= 0 && write(fd, "fifo", 4) != 4)
		return -1;
	return fd;
}

static int k_devnull(void)
{
	return open("/dev/null", O_RDWR);
}

static int k_urandom(void)
{
	return open("/dev/urandom", O_RDONLY);
}

static int k_memfd(void)
{
	int fd = memfd_create("census", MFD_ALLOW_SEALING);

	if (fd < 0 || write(fd, "memfd", 5) != 5 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK))
		return -1;
	return fd;
}

static int k_deleted(void)
{
	int fd = make_file("deleted", 5000, 0);

	if (fd < 0 || unlink(path("deleted")) || lseek(fd, 77, SEEK_SET) < 0)
		return -1;
	return fd;
}

static int k_eventfd(void)
{
	int fd = eventfd(5, EFD_NONBLOCK);

	return fd < 0 || eventfd_write(fd, 0x100000000ULL) ? -1 : fd;
}

static int k_eventfd_sem(void)
{
	return eventfd(3, EFD_SEMAPHORE | EFD_CLOEXEC);
}

static int k_timerfd(void)
{
	struct itimerspec its = {
		.it_value = { 1000, 0 }, .it_interval = { 500, 0 },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);

	return fd < 0 || timerfd_settime(fd, 0, &its, NULL) ? -1 : fd;
}

static int k_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 2);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int k_epoll(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = 42 };
	int ep = epoll_create1(0), p[2];

	/* Both ends held: a pipe with no writer is another kind of its own. */
	if (ep < 0 || pipe(p) || dup2(p[0], FD + 1) < 0 ||
	    dup2(p[1], FD + 2) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, FD + 1, &ev))
		return -1;
	close(p[0]);
	close(p[1]);
	return ep;
}

/*
 * Saved since 2.9, watches and all, when nothing is queued: a directory
 * of its own (the test writes the image into DIR) and a file, wd 1 and
 * 2 of an IN_NONBLOCK inotify.
 */
static int k_inotify(void)
{
	int fd = inotify_init1(IN_NONBLOCK), f;

	if (fd < 0 || mkdir(path("watched"), 0755) ||
	    inotify_add_watch(fd, path("watched"), IN_CREATE | IN_DELETE) != 1)
		return -1;
	f = make_file("watched.file", 10, 0);
	if (f < 0 || close(f) ||
	    inotify_add_watch(fd, path("watched.file"), IN_MODIFY | IN_ONESHOT) != 2)
		return -1;
	return fd;
}

static int k_fanotify(void)
{
	return syscall(SYS_fanotify_init, 0 /* FAN_CLASS_NOTIF */, O_RDONLY);
}

static int k_unix_pair(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
	    write(sv[1], "unix", 4) != 4 || dup2(sv[1], FD + 1) < 0)
		return -1;
	close(sv[1]);
	return sv[0];
}

static int k_unix_listen(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path("sock"));
	if (fd < 0 || bind(fd, (void *)&a, sizeof(a)) || listen(fd, 5))
		return -1;
	return fd;
}

static int k_tcp_listen(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (void *)&a, sizeof(a)) || listen(fd, 5))
		return -1;
	return fd;
}

static int k_udp(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	return fd < 0 || bind(fd, (void *)&a, sizeof(a)) ? -1 : fd;
}

static int k_netlink(void)
{
	return socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
}

static int k_pty(void)
{
	int m, s;

	if (openpty(&m, &s, NULL, NULL, NULL))
		return -1;
	if (dup2(s, FD + 1) < 0)
		return -1;
	close(s);
	return m;
}

static int k_pidfd(void)
{
	return syscall(SYS_pidfd_open, getpid(), 0);
}

static int k_mqueue(void)
{
	struct mq_attr at = { .mq_maxmsg = 4, .mq_msgsize = 64 };
	char name[64];

	snprintf(name, sizeof(name), "/census%d", (int)getpid());
	return mq_open(name, O_RDWR | O_CREAT, 0600, &at);
}

static int k_flock(void)
{
	int fd = make_file("flock", 10, 0);

	return fd < 0 || flock(fd, LOCK_EX) ? -1 : fd;
}

static int k_posix_lock(void)
{
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			   .l_start = 2, .l_len = 5 };
	int fd = make_file("plock", 10, 0);

	return fd < 0 || fcntl(fd, F_SETLK, &l) ? -1 : fd;
}

/* ---- mappings: each returns -2 (no fd) or -1 ---------------------------- */

static int m_anon_shared(void)
{
	return map_fd(-1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS) ?: -2;
}

static int m_file_shared(void)
{
	int fd = make_file("mapshared", MAP_LEN, 0);

	return fd < 0 || map_fd(fd, PROT_READ | PROT_WRITE, MAP_SHARED) ? -1 :
	       (close(fd), -2);
}

static int m_file_private(void)
{
	int fd = make_file("mapprivate", MAP_LEN, 0);

	return fd < 0 || map_fd(fd, PROT_READ | PROT_WRITE, MAP_PRIVATE) ? -1 :
	       (close(fd), -2);
}

static int m_deleted_shared(void)
{
	int fd = make_file("mapdel", MAP_LEN, 0);

	if (fd < 0 || map_fd(fd, PROT_READ | PROT_WRITE, MAP_SHARED) ||
	    unlink(path("mapdel")))
		return -1;
	close(fd);
	return -2;
}

static int m_devzero_shared(void)
{
	int fd = open("/dev/zero", O_RDWR);

	return fd < 0 || map_fd(fd, PROT_READ | PROT_WRITE, MAP_SHARED) ? -1 :
	       (close(fd), -2);
}

static int m_memfd_shared(void)
{
	int fd = memfd_create("censusmap", 0);

	if (fd < 0 || ftruncate(fd, MAP_LEN) ||
	    map_fd(fd, PROT_READ | PROT_WRITE, MAP_SHARED))
		return -1;
	close(fd);
	return -2;
}

static int m_sysv_shm(void)
{
	int id = shmget(IPC_PRIVATE, MAP_LEN, IPC_CREAT | 0600);
	char *p;

	if (id < 0)
		return -1;
	p = shmat(id, MAP_AT, 0);
	if (p == (void *)-1)
		return -1;
	p[0] = 'S';
	shmctl(id, IPC_RMID, NULL);
	return -2;
}

static int m_prot_none(void)
{
	return map_fd(-1, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS) ?: -2;
}

static int m_mlocked(void)
{
	if (map_fd(-1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS) ||
	    mlock(MAP_AT, MAP_LEN))
		return -1;
	return -2;
}

/* ---- process attributes: -2 or -1 --------------------------------------- */

static int a_itimer_virtual(void)
{
	struct itimerval v = { { 100, 0 }, { 200, 0 } };

	signal(SIGVTALRM, SIG_IGN);
	return setitimer(ITIMER_VIRTUAL, &v, NULL) ? -1 : -2;
}

static int a_posix_timer(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR2,
				.sigev_value.sival_int = 7 };
	struct itimerspec its = { { 300, 0 }, { 600, 0 } };
	timer_t t;

	signal(SIGUSR2, SIG_IGN);
	return timer_create(CLOCK_MONOTONIC, &sev, &t) ||
	       timer_settime(t, 0, &its, NULL) ? -1 : -2;
}

static int a_sigqueue(void)
{
	union sigval v = { .sival_int = 42 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) ||
	    sigqueue(getpid(), SIGRTMIN + 1, v) ||
	    sigqueue(getpid(), SIGRTMIN + 1, v))
		return -1;
	return -2;
}

/* A chroot: refused, a thaw could not give it back (nor give more). */
static int a_chroot(void)
{
	if (mkdir(path("jail"), 0755) || chroot(path("jail")) || chdir("/"))
		return -1;
	return -2;
}

static int a_misc(void)
{
	/* A name, a personality flag, no_new_privs, a umask, a limit. */
	struct rlimit r = { 100, 200 };

	umask(027);
	if (prctl(PR_SET_NAME, "census-misc", 0, 0, 0) ||
	    personality(PER_LINUX | ADDR_NO_RANDOMIZE) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    setrlimit(RLIMIT_NOFILE, &r))
		return -1;
	return -2;
}

static int a_chroot_cwd(void)
{
	if (mkdir(path("sub"), 0755) || chdir(path("sub")))
		return -1;
	return -2;
}

static const struct {
	const char *name;
	int (*make)(void);
} kinds[] = {
	{ "reg", k_reg }, { "reg_append", k_reg_append }, { "dir", k_dir },
	{ "opath_file", k_opath_file }, { "opath_dir", k_opath_dir },
	{ "opath_symlink", k_opath_symlink }, { "pipe", k_pipe_read },
	{ "pipe_widowed", k_pipe_widowed }, { "pipe_no_reader", k_pipe_no_reader },
	{ "fifo", k_fifo }, { "devnull", k_devnull }, { "urandom", k_urandom },
	{ "memfd", k_memfd }, { "deleted", k_deleted },
	{ "eventfd", k_eventfd }, { "eventfd_sem", k_eventfd_sem },
	{ "timerfd", k_timerfd }, { "signalfd", k_signalfd },
	{ "epoll", k_epoll }, { "inotify", k_inotify },
	{ "fanotify", k_fanotify }, { "unix_pair", k_unix_pair },
	{ "unix_listen", k_unix_listen }, { "tcp_listen", k_tcp_listen },
	{ "udp", k_udp }, { "netlink", k_netlink }, { "pty", k_pty },
	{ "pidfd", k_pidfd }, { "mqueue", k_mqueue }, { "flock", k_flock },
	{ "posix_lock", k_posix_lock },
	{ "map_anon_shared", m_anon_shared }, { "map_file_shared", m_file_shared },
	{ "map_file_private", m_file_private },
	{ "map_deleted_shared", m_deleted_shared },
	{ "map_devzero_shared", m_devzero_shared },
	{ "map_memfd_shared", m_memfd_shared }, { "map_sysv_shm", m_sysv_shm },
	{ "map_prot_none", m_prot_none }, { "map_mlocked", m_mlocked },
	{ "itimer_virtual", a_itimer_virtual }, { "posix_timer", a_posix_timer },
	{ "sigqueue", a_sigqueue }, { "misc", a_misc },
	{ "chroot", a_chroot },
	{ "cwd", a_chroot_cwd },
};

static int get_byte(char *c)
{
	ssize_t n;

	do
		n = read(0, c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned int i;
	int fd;
	char c;

	if (argc < 3) {
		say("usage");
		return 2;
	}
	dir = argv[2];
	fd = open(path("cmd"), O_RDWR);
	if (fd < 0 || dup2(fd, 0) < 0)
		return 5;
	close(fd);
	fd = open(path("rep"), O_RDWR);
	if (fd < 0 || dup2(fd, 1) < 0)
		return 5;
	close(fd);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, argv[1]))
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0])) {
		say("skip unknown-kind 0");
		return 2;
	}
	errno = 0;
	fd = kinds[i].make();
	if (fd == -1) {
		say("skip %s %d", argv[1], errno);
		return 3;
	}
	if (fd >= 0 && fd != FD) {
		if (dup2(fd, FD) < 0) {
			say("skip dup2 %d", errno);
			return 3;
		}
		close(fd);
	}
	say("ready");
	for (;;) {
		if (get_byte(&c))
			return 4;
		switch (c) {
		case 'p':
			say("alive");
			break;
		case 'r': {
			/* What the kind's fd reads now (non-blocking). */
			char buf[64];
			ssize_t n;

			fcntl(FD, F_SETFL, fcntl(FD, F_GETFL) | O_NONBLOCK);
			n = read(FD, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = 0;
			say("read %d %s", n < 0 ? -errno : (int)n, buf);
			break;
		}
		case 'w':
			/* Whether the kind's fd takes a byte (EPIPE: no reader). */
			signal(SIGPIPE, SIG_IGN);
			say("write %d", write(FD, "w", 1) < 0 ? -errno : 1);
			break;
		case 'q':
			if (get_byte(&c))
				return 4;
			return (unsigned char)c;
		default:
			say("unknown %c", c);
			break;
		}
	}
}
