// SPDX-License-Identifier: GPL-2.0
/*
 * signals_target: the target of cryo_signals_test.  It sets up queued
 * signals the test then adds to (sigqueue(3) from the test, so that
 * si_pid is the test's), is frozen and thawed, and reports what its
 * SA_SIGINFO handlers saw once it unblocks them.
 *
 * Protocol as thaw_target's: one-byte commands on fd 0 (the main thread
 * sits in read() on it), one reply line each on fd 1.  At start it says
 * "ready <tid of thread B>".  Every real-time signal the test uses and
 * SIGUSR1 are blocked in the main thread; thread B blocks SIGRTMIN+3
 * only (the main thread does not: a thread-directed SIGRTMIN+3 that
 * became the process's would run in the main thread at once).  Before
 * "ready", a one-shot POSIX timer (CLOCK_MONOTONIC, SIGRTMIN+4, sigev
 * value 7) has expired once: its signal is pending.
 *
 *   'l'  "log <n> <sig>:<code>:<pid>:<value>:<tid> ..." what the handlers
 *        saw, in order (for SI_TIMER <pid> is the timer id).
 *   'u'  the main thread unblocks SIGUSR1 and SIGRTMIN+1, +2 and +4
 *        (every pending one runs before sigprocmask() returns), then 'l'.
 *   'U'  thread B unblocks SIGRTMIN+3 and waits for its handler, then 'l'.
 *   'P'  deletes the POSIX timer (its queued signal stays) and arms
 *        ITIMER_PROF for an hour: "prof".
 *   'p'  "pid <pid>"; 'q' <byte>: exit with that status.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>

#define MAX_LOG	64

struct entry {
	int sig, code, pid, value, tid;
};

static struct entry log_[MAX_LOG];
static volatile int nlog;
static volatile int b_go, b_done;
static volatile pid_t b_tid;
static timer_t tm;

static void handler(int sig, siginfo_t *si, void *uc)
{
	int i = __atomic_fetch_add(&nlog, 1, __ATOMIC_SEQ_CST);

	(void)uc;
	if (i >= MAX_LOG)
		return;
	log_[i].sig = sig;
	log_[i].code = si->si_code;
	log_[i].pid = si->si_code == SI_TIMER ? si->si_timerid : si->si_pid;
	log_[i].value = si->si_value.sival_int;
	log_[i].tid = (int)syscall(SYS_gettid);
}

static void die(const char *what)
{
	fprintf(stderr, "signals_target: %s: %s\n", what, strerror(errno));
	_exit(2);
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	if (write(1, buf, n) != n)
		_exit(3);
}

static void report(void)
{
	char buf[4000];
	int i, total = nlog, n = total, off = 0;

	if (n > MAX_LOG)
		n = MAX_LOG;
	for (i = 0; i < n && off < (int)sizeof(buf) - 64; i++)
		off += snprintf(buf + off, sizeof(buf) - off, " %d:%d:%d:%d:%d",
				log_[i].sig, log_[i].code, log_[i].pid,
				log_[i].value, log_[i].tid);
	buf[off] = '\0';
	reply("log %d%s", total, buf);
}

static void *thread_b(void *arg)
{
	sigset_t set;

	(void)arg;
	b_tid = (pid_t)syscall(SYS_gettid);
	while (!__atomic_load_n(&b_go, __ATOMIC_ACQUIRE))
		usleep(1000);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 3);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	__atomic_store_n(&b_done, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	struct sigevent sev;
	struct itimerspec its;
	sigset_t set, pend;
	pthread_t b;
	int sig;
	char c;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	for (sig = SIGRTMIN + 1; sig <= SIGRTMIN + 4; sig++)
		if (sigaction(sig, &sa, NULL))
			die("sigaction");
	if (sigaction(SIGUSR1, &sa, NULL))
		die("sigaction");

	/* B inherits every one blocked, then lets all go but +3. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (sig = SIGRTMIN + 1; sig <= SIGRTMIN + 4; sig++)
		sigaddset(&set, sig);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die("sigprocmask");
	if (pthread_create(&b, NULL, thread_b, NULL))
		die("pthread_create");
	while (!b_tid)
		usleep(1000);
	/* The main thread takes +3 whenever it comes to it. */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 3);
	if (sigprocmask(SIG_UNBLOCK, &set, NULL))
		die("sigprocmask");

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN + 4;
	sev.sigev_value.sival_int = 7;
	if (timer_create(CLOCK_MONOTONIC, &sev, &tm))
		die("timer_create");
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 1000000;
	if (timer_settime(tm, 0, &its, NULL))
		die("timer_settime");
	do {
		usleep(1000);
		sigpending(&pend);
	} while (!sigismember(&pend, SIGRTMIN + 4));

	reply("ready %d", (int)b_tid);
	for (;;) {
		ssize_t n = read(0, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		switch (c) {
		case 'l':
			report();
			break;
		case 'u':
			sigemptyset(&set);
			sigaddset(&set, SIGUSR1);
			sigaddset(&set, SIGRTMIN + 1);
			sigaddset(&set, SIGRTMIN + 2);
			sigaddset(&set, SIGRTMIN + 4);
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			report();
			break;
		case 'U':
			__atomic_store_n(&b_go, 1, __ATOMIC_RELEASE);
			while (!__atomic_load_n(&b_done, __ATOMIC_ACQUIRE))
				usleep(1000);
			report();
			break;
		case 'P':
			if (timer_delete(tm))
				die("timer_delete");
			memset(&its, 0, sizeof(its));
			its.it_value.tv_sec = 3600;
			if (setitimer(ITIMER_PROF, (struct itimerval *)&(struct itimerval){
					.it_value = { .tv_sec = 3600 } }, NULL))
				die("setitimer");
			reply("prof");
			break;
		case 'p':
			reply("pid %d", (int)getpid());
			break;
		case 'q':
			if (read(0, &c, 1) != 1)
				c = 1;
			_exit((unsigned char)c);
		}
	}
}
