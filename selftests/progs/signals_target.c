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
 *   'T'  makes POSIX timers 1 to 4 and deletes 3 (an id gap): 1
 *        SIGEV_NONE, every 10 s from an hour; 2 SIGUSR2 value 7, every
 *        20 ms; 4 SIGEV_THREAD_ID to thread B, SIGRTMIN+5 value 11,
 *        every 20 ms (CLOCK_BOOTTIME); and ITIMER_PROF and ITIMER_VIRTUAL
 *        every 10 ms: "timers <id> <id> <id>".
 *   'c'  spins until each of those signals came twice more (a minute
 *        at most), then "counts" with: whether each came (usr2 rt5 prof
 *        virt), the last SIGUSR2's value and timer id, the last
 *        SIGRTMIN+5's value, how many SIGRTMIN+5 ran outside thread B,
 *        timer 2's and 1's interval (ns), whether 1 has time left, the
 *        errno of timer_gettime(3), ITIMER_PROF's and ITIMER_VIRTUAL's
 *        interval (us).
 *   'K'  makes a timer on CLOCK_PROCESS_CPUTIME_ID: "cpu <id>"; 'k'
 *        deletes it and makes timers (deleting each) until one has id
 *        1024, which it keeps: "far <id>".
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
static pthread_t b_thread;
static volatile int n_usr2, usr2_val, usr2_id, n_rt5, rt5_val, rt5_wrong;
static volatile int n_prof, n_virt;

/* The timers' signals, counted apart from the log. */
static void counter(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGUSR2) {
		usr2_val = si->si_value.sival_int;
		usr2_id = si->si_timerid;
		n_usr2++;
	} else if (sig == SIGRTMIN + 5) {
		rt5_val = si->si_value.sival_int;
		if (!pthread_equal(pthread_self(), b_thread))
			rt5_wrong++;
		n_rt5++;
	} else if (sig == SIGPROF) {
		n_prof++;
	} else if (sig == SIGVTALRM) {
		n_virt++;
	}
}

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

/* A timer made with the raw call: its kernel id. */
static int mk_timer(int clock, int notify, int signo, int value, pid_t tid)
{
	struct sigevent sev;
	int id;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = notify;
	sev.sigev_signo = signo;
	sev.sigev_value.sival_int = value;
	sev._sigev_un._tid = tid;
	if (syscall(SYS_timer_create, clock, &sev, &id))
		die("timer_create");
	return id;
}

static void arm_timer(int id, long iv_ms, long val_ms)
{
	struct itimerspec its = {
		.it_interval = { iv_ms / 1000, iv_ms % 1000 * 1000000 },
		.it_value = { val_ms / 1000, val_ms % 1000 * 1000000 },
	};

	if (syscall(SYS_timer_settime, id, 0, &its, NULL))
		die("timer_settime");
}

static void make_timers(void)
{
	struct itimerval iv = { { 0, 10000 }, { 0, 10000 } };
	struct sigaction sa;
	int a, b, c, d;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = counter;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(SIGUSR2, &sa, NULL) || sigaction(SIGRTMIN + 5, &sa, NULL) ||
	    sigaction(SIGPROF, &sa, NULL) || sigaction(SIGVTALRM, &sa, NULL))
		die("sigaction");
	a = mk_timer(CLOCK_MONOTONIC, SIGEV_NONE, SIGUSR2, 1, 0);
	arm_timer(a, 10000, 3600000);
	b = mk_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR2, 7, 0);
	c = mk_timer(CLOCK_REALTIME, SIGEV_SIGNAL, SIGUSR2, 3, 0);
	d = mk_timer(CLOCK_BOOTTIME, SIGEV_THREAD_ID, SIGRTMIN + 5, 11, b_tid);
	if (syscall(SYS_timer_delete, c))
		die("timer_delete");
	arm_timer(b, 20, 20);
	arm_timer(d, 20, 20);
	if (setitimer(ITIMER_PROF, &iv, NULL) || setitimer(ITIMER_VIRTUAL, &iv, NULL))
		die("setitimer");
	reply("timers %d %d %d", a, b, d);
}

static void counts(void)
{
	int u = n_usr2, r = n_rt5, p = n_prof, v = n_virt, gap = 0;
	time_t end = time(NULL) + 60;
	struct itimerspec g1, g2, g3;
	struct itimerval ip, iv;

	while ((n_usr2 < u + 2 || n_rt5 < r + 2 || n_prof < p + 2 ||
		n_virt < v + 2) && time(NULL) < end)
		;
	memset(&g1, 0, sizeof(g1));
	memset(&g2, 0, sizeof(g2));
	if (syscall(SYS_timer_gettime, 1, &g1) || syscall(SYS_timer_gettime, 2, &g2))
		die("timer_gettime");
	if (syscall(SYS_timer_gettime, 3, &g3))
		gap = errno;
	getitimer(ITIMER_PROF, &ip);
	getitimer(ITIMER_VIRTUAL, &iv);
	reply("counts %d %d %d %d %d %d %d %d %lld %lld %d %d %ld %ld",
	      n_usr2 >= u + 2, n_rt5 >= r + 2, n_prof >= p + 2, n_virt >= v + 2,
	      usr2_val, usr2_id, rt5_val, rt5_wrong,
	      (long long)g2.it_interval.tv_sec * 1000000000 + g2.it_interval.tv_nsec,
	      (long long)g1.it_interval.tv_sec * 1000000000 + g1.it_interval.tv_nsec,
	      g1.it_value.tv_sec || g1.it_value.tv_nsec, gap,
	      (long)ip.it_interval.tv_usec, (long)iv.it_interval.tv_usec);
}

int main(void)
{
	struct sigaction sa;
	struct sigevent sev;
	struct itimerspec its;
	sigset_t set, pend;
	pthread_t b;
	int sig, cpu_id = -1;
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
	b_thread = b;
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
		case 'T':
			make_timers();
			break;
		case 'c':
			counts();
			break;
		case 'K':
			cpu_id = mk_timer(CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL,
					  SIGUSR2, 5, 0);
			reply("cpu %d", cpu_id);
			break;
		case 'k': {
			int id;

			if (syscall(SYS_timer_delete, cpu_id))
				die("timer_delete");
			while ((id = mk_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0,
					      0)) < 1024)
				if (syscall(SYS_timer_delete, id))
					die("timer_delete");
			reply("far %d", id);
			break;
		}
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
