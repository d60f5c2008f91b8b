// SPDX-License-Identifier: GPL-2.0
/*
 * workload: the target of `make bench` (selftests/bench/guest.sh).
 * Statically linked, so that cryo and CRIU see the same small process
 * whatever the libraries of the guest.
 *
 *   workload -m MIB [-t THREADS] [-s TOUCHED_MIB] -o LOG
 *
 * Maps MIB MiB of private anonymous memory and fills every page of it
 * with pseudo-random words (no page is zero, none is like another).
 * With -t, THREADS threads each map and fill MIB MiB of their own and
 * then wait on a condition variable; the main thread holds none.  With
 * -s, MIB MiB are mapped (MADV_NOHUGEPAGE, or the first touch of every
 * 2 MiB would fault in a whole huge page) and TOUCHED_MIB MiB of it are
 * filled, one 4 KiB page in every MIB / TOUCHED_MIB, spread over the
 * whole mapping: a sparse address space.
 *
 * The main thread then ticks every 10 ms (absolute deadlines on
 * CLOCK_MONOTONIC) and keeps the largest gap between two consecutive
 * wake-ups: a freeze that holds the process shows up as a gap as long as
 * the hold.
 *
 * It holds no file open (0, 1 and 2 should be /dev/null) so that both
 * checkpointers take it as it is, and it is its own session leader
 * (CRIU refuses a task whose session belongs to a task outside the
 * dump).  Each report is one line appended to LOG, which is opened and
 * closed for every line:
 *
 *   at start   "ready <pid> <fill ms>"
 *   SIGUSR1    check every filled word: "verify ok <ms>" or
 *              "verify bad <region> <page> <word> <got> <want>"
 *   SIGUSR2    "gap <largest gap in us> <ticks>" since the last SIGUSR2
 *              (or verify), then start over
 *
 * A verify takes the main thread away from its ticks; the gap is
 * measured from its end.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#define PAGE		4096UL
#define WORDS		(PAGE / 8)
#define TICK_NS		10000000LL
#define MAX_THREADS	256

struct region {
	uint64_t *base;
	unsigned long pages;	/* mapped */
	unsigned long stride;	/* every stride-th page is filled */
};

static struct region regions[MAX_THREADS];
static int nr_regions;
static unsigned long mib, touched_mib;
static int nr_threads;
static const char *log_path;

/* Set by the handler, taken by the main loop (sig_atomic_t, as C asks). */
static volatile sig_atomic_t want_verify, want_gap;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int filled;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void vreport(const char *fmt, va_list ap)
{
	char buf[256];
	int fd, n;

	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	buf[n++] = '\n';
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		_exit(90);
	if (write(fd, buf, n) != n)
		_exit(91);
	close(fd);
}

static void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
}

static void die(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_path)
		report("error %s", msg);
	_exit(2);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Page @pg of region @r: a xorshift64 stream from a seed of its own. */
static uint64_t page_seed(int r, unsigned long pg)
{
	return splitmix(((uint64_t)r << 40) ^ pg) | 1;
}

static void fill_page(uint64_t *p, uint64_t x)
{
	unsigned long i;

	for (i = 0; i < WORDS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
}

/* 0, or 1 with "verify bad ..." reported. */
static int check_page(int r, unsigned long pg, const uint64_t *p, uint64_t x)
{
	unsigned long i;

	for (i = 0; i < WORDS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (p[i] != x) {
			report("verify bad %d %lu %lu %#llx %#llx", r, pg, i,
			       (unsigned long long)p[i], (unsigned long long)x);
			return 1;
		}
	}
	return 0;
}

static void map_and_fill(int r, unsigned long bytes, unsigned long stride)
{
	struct region *rg = &regions[r];
	unsigned long pg;

	rg->base = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rg->base == MAP_FAILED)
		die("mmap %lu: %s", bytes, strerror(errno));
	if (stride > 1 && madvise(rg->base, bytes, MADV_NOHUGEPAGE))
		die("madvise: %s", strerror(errno));
	rg->pages = bytes / PAGE;
	rg->stride = stride;
	for (pg = 0; pg < rg->pages; pg += stride)
		fill_page(rg->base + pg * WORDS, page_seed(r, pg));
}

static int verify(void)
{
	int r;

	for (r = 0; r < nr_regions; r++) {
		struct region *rg = &regions[r];
		unsigned long pg;

		for (pg = 0; pg < rg->pages; pg += rg->stride)
			if (check_page(r, pg, rg->base + pg * WORDS, page_seed(r, pg)))
				return 1;
	}
	return 0;
}

static void *worker(void *arg)
{
	int r = (int)(long)arg;

	map_and_fill(r, mib << 20, 1);
	pthread_mutex_lock(&lock);
	filled++;
	pthread_cond_broadcast(&cond);
	/* Idle for good, as a pool thread waiting for work would. */
	for (;;)
		pthread_cond_wait(&cond, &lock);
	return NULL;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_verify = 1;
	else
		want_gap = 1;
}

static unsigned long number(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !v)
		die("bad %s '%s'", what, s);
	return v;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t all, old;
	long long start, last, t, gap = 0, next;
	unsigned long ticks = 0;
	int c, i;

	while ((c = getopt(argc, argv, "m:t:s:o:")) != -1) {
		switch (c) {
		case 'm':
			mib = number(optarg, "-m");
			break;
		case 't':
			nr_threads = (int)number(optarg, "-t");
			break;
		case 's':
			touched_mib = number(optarg, "-s");
			break;
		case 'o':
			log_path = optarg;
			break;
		default:
			die("usage");
		}
	}
	if (!log_path || !mib || optind != argc)
		die("usage: workload -m MIB [-t THREADS] [-s TOUCHED_MIB] -o LOG");
	if (nr_threads > MAX_THREADS || (touched_mib && nr_threads) ||
	    touched_mib > mib)
		die("bad arguments");
	/* Already a group leader when started from a shell with job control. */
	setsid();

	start = now_ns();
	if (nr_threads) {
		/* Threads get no signal: SIGUSR1 and 2 go to the main thread. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		nr_regions = nr_threads;
		for (i = 0; i < nr_threads; i++) {
			pthread_t th;

			if (pthread_create(&th, NULL, worker, (void *)(long)i))
				die("pthread_create failed");
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_mutex_lock(&lock);
		while (filled < nr_threads)
			pthread_cond_wait(&cond, &lock);
		pthread_mutex_unlock(&lock);
	} else {
		nr_regions = 1;
		map_and_fill(0, mib << 20, touched_mib ? mib / touched_mib : 1);
	}

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGUSR2, &sa, NULL))
		die("sigaction: %s", strerror(errno));
	report("ready %d %lld", (int)getpid(), (now_ns() - start) / 1000000);

	last = now_ns();
	next = last + TICK_NS;
	for (;;) {
		struct timespec ts = {
			.tv_sec = next / 1000000000LL,
			.tv_nsec = next % 1000000000LL,
		};

		/* EINTR (a signal, or a checkpointer's stop) wakes us early. */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		t = now_ns();
		if (t - last > gap)
			gap = t - last;
		last = t;
		if (t >= next) {
			ticks++;
			next += TICK_NS;
			/* Late: no catching up with a burst of ticks. */
			if (next <= t)
				next = t + TICK_NS;
		}
		if (want_gap) {
			want_gap = 0;
			report("gap %lld %lu", gap / 1000, ticks);
			gap = 0;
			ticks = 0;
		}
		if (want_verify) {
			want_verify = 0;
			t = now_ns();
			if (!verify())
				report("verify ok %lld", (now_ns() - t) / 1000000);
			gap = 0;
			ticks = 0;
			last = now_ns();
			next = last + TICK_NS;
		}
	}
}
