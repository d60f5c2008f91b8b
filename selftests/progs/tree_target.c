// SPDX-License-Identifier: GPL-2.0
/*
 * tree_target: a small process tree for cryo_tree_thaw_test.
 *
 * The parent P (argv[1] its scratch directory) opens DIR/shared at fd 5,
 * becomes a child subreaper and forks:
 *   - C, which puts itself in a process group of its own, sets its
 *     parent-death signal to SIGUSR2 and serves P over two pipes (P -> C
 *     commands, C -> P replies), at fds 6 and 7 of each;
 *   - Z, which exits with status 42 at once: P does not reap it (the test
 *     freezes it as a zombie) until asked.
 * fd 5 is one open file description shared by both: its offset is one.
 *
 * Protocol with the test as in thaw_target: one-byte commands on P's fd
 * 0, one reply line each on fd 1.  At start "ready <C's pid> <Z's pid>".
 *   'w'  P writes "P\n" at fd 5, then C writes "C\n" at its fd 5:
 *        "w <offset of fd 5 after both>"
 *   'g'  "g <P pid> <P ppid> <P pgid> <P sid> <P subreaper> <C pid>
 *        <C ppid> <C pgid> <C sid> <C pdeathsig>"
 *   'z'  P reaps the child that exited (Z): "z <pid> <exit status>", or
 *        "z 0 0" (none), "z -1 <errno>"
 *   't'  C makes two POSIX timers and deletes the first: timer 1,
 *        SIGUSR1 with value 9 every 20 ms: "t ok"
 *   'c'  C waits for two more of its signals (a minute at most):
 *        "c <came> <last value> <last timer id> <timer 1's interval ns>"
 *   'q'  <byte>: C is killed and reaped, P exits with that status.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int n_timer, timer_val, timer_id;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	timer_val = si->si_value.sival_int;
	timer_id = si->si_timerid;
	n_timer++;
}

/* C's timers: ids 0 (deleted) and 1, with the raw calls. */
static int c_timers(void)
{
	struct itimerspec its = { { 0, 20000000 }, { 0, 20000000 } };
	struct sigaction sa;
	struct sigevent sev;
	int a, b;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 9;
	if (sigaction(SIGUSR1, &sa, NULL) ||
	    syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &a) ||
	    syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &b) ||
	    syscall(SYS_timer_delete, a) ||
	    syscall(SYS_timer_settime, b, 0, &its, NULL))
		return -1;
	return b;
}

static void c_counts(char *out, size_t cap)
{
	int n = n_timer, i;
	struct itimerspec g;

	for (i = 0; i < 6000 && n_timer < n + 2; i++)
		usleep(10000);
	memset(&g, 0, sizeof(g));
	syscall(SYS_timer_gettime, 1, &g);
	snprintf(out, cap, "%d %d %d %lld\n", n_timer >= n + 2, timer_val,
		 timer_id, (long long)g.it_interval.tv_sec * 1000000000 +
		 g.it_interval.tv_nsec);
}

static void reply(int fd, const char *s)
{
	size_t len = strlen(s);

	if (write(fd, s, len) != (ssize_t)len)
		_exit(3);
}

static int getline_fd(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		if (read(fd, buf + n, 1) != 1)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

/* C: commands on fd 6, replies on fd 7. */
static void child(void)
{
	char c, out[256];
	int sig = 0;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGUSR2);
	for (;;) {
		if (read(6, &c, 1) != 1)
			_exit(0);
		switch (c) {
		case 'w':
			if (write(5, "C\n", 2) != 2)
				_exit(4);
			reply(7, "ok\n");
			break;
		case 't':
			reply(7, c_timers() == 1 ? "ok\n" : "failed\n");
			break;
		case 'c':
			c_counts(out, sizeof(out));
			reply(7, out);
			break;
		case 'g':
			prctl(PR_GET_PDEATHSIG, &sig);
			snprintf(out, sizeof(out), "%d %d %d %d %d\n", (int)getpid(),
				 (int)getppid(), (int)getpgid(0), (int)getsid(0), sig);
			reply(7, out);
			break;
		}
	}
}

int main(int argc, char **argv)
{
	int p2c[2], c2p[2], fd, st, sub = 0;
	char path[512], c, out[512], line[256];
	pid_t cpid, zpid;
	siginfo_t si;

	if (argc < 2)
		return 2;
	snprintf(path, sizeof(path), "%s/shared", argv[1]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || dup2(fd, 5) != 5 || pipe(p2c) || pipe(c2p))
		return 2;
	close(fd);
	/* Out of the way of 5, 6 and 7. */
	for (fd = 0; fd < 2; fd++) {
		p2c[fd] = fcntl(p2c[fd], F_DUPFD, 20);
		c2p[fd] = fcntl(c2p[fd], F_DUPFD, 20);
		if (p2c[fd] < 0 || c2p[fd] < 0)
			return 2;
	}
	for (fd = 6; fd < 20; fd++)
		close(fd);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	cpid = fork();
	if (cpid < 0)
		return 2;
	if (!cpid) {
		if (dup2(p2c[0], 6) != 6 || dup2(c2p[1], 7) != 7)
			_exit(2);
		close(p2c[0]);
		close(p2c[1]);
		close(c2p[0]);
		close(c2p[1]);
		child();
	}
	if (dup2(p2c[1], 6) != 6 || dup2(c2p[0], 7) != 7)
		return 2;
	close(p2c[0]);
	close(p2c[1]);
	close(c2p[0]);
	close(c2p[1]);
	zpid = fork();
	if (zpid < 0)
		return 2;
	if (!zpid)
		_exit(42);
	/* A zombie, not reaped: WNOWAIT. */
	if (waitid(P_PID, zpid, &si, WEXITED | WNOWAIT))
		return 2;
	snprintf(out, sizeof(out), "ready %d %d\n", (int)cpid, (int)zpid);
	reply(1, out);

	for (;;) {
		if (read(0, &c, 1) != 1)
			return 0;
		switch (c) {
		case 'w':
			if (write(5, "P\n", 2) != 2 || write(6, "w", 1) != 1 ||
			    getline_fd(7, line, sizeof(line))) {
				fprintf(stderr, "tree_target: 'w' failed: %s\n",
					strerror(errno));
				return 4;
			}
			snprintf(out, sizeof(out), "w %lld\n",
				 (long long)lseek(5, 0, SEEK_CUR));
			reply(1, out);
			break;
		case 'g':
			if (write(6, "g", 1) != 1 || getline_fd(7, line, sizeof(line)))
				return 4;
			prctl(PR_GET_CHILD_SUBREAPER, &sub);
			snprintf(out, sizeof(out), "g %d %d %d %d %d %s\n",
				 (int)getpid(), (int)getppid(), (int)getpgid(0),
				 (int)getsid(0), sub, line);
			reply(1, out);
			break;
		case 't':
		case 'c':
			if (write(6, &c, 1) != 1 || getline_fd(7, line, sizeof(line)))
				return 4;
			snprintf(out, sizeof(out), "%c %s\n", c, line);
			reply(1, out);
			break;
		case 'z': {
			/*
			 * The child that exited, whatever its pid (a thaw
			 * without --same-pid gives it another one).
			 */
			pid_t r = waitpid(-1, &st, WNOHANG);

			snprintf(out, sizeof(out), "z %d %d\n", (int)r,
				 r < 0 ? errno : st);
			reply(1, out);
			break;
		}
		case 'q':
			if (read(0, &c, 1) != 1)
				c = 0;
			kill(cpid, SIGKILL);
			waitpid(cpid, &st, 0);
			return (unsigned char)c;
		}
	}
}
