// SPDX-License-Identifier: GPL-2.0
/*
 * thaw_target: the dynamically linked (glibc) targets of cryo_thaw_test.
 * argv[1] picks what it sets up before it is frozen; after the thaw the
 * test asks it, over the same protocol, whether everything is still as
 * it left it.  It checks its own state, and the test checks it from the
 * outside (/proc).
 *
 * Protocol: one-byte commands on fd 0 (the main thread sits in read() on
 * it, so every freeze catches it in a restartable system call), text
 * replies, one line each, on fd 1, diagnostics on fd 2.  At start it says
 * "ready ..."; 'p' answers "pid <getpid()> <getppid()>", 'q' <byte> exits
 * with that status.  The other commands are the mode's:
 *
 * vdso      two threads call clock_gettime() (the vdso) in a loop and
 *           keep __thread values; 'c': "vdso <loops> <mono_ns> <real_ns>
 *           <vdso_addr> <bad>", bad counting clock steps backwards and
 *           TLS values found changed.
 * threads N N workers and the main thread share a mutex and condition
 *           variables; each keeps __thread values.  'g': one round, every
 *           worker adds its number + 1 to a total: "round <gen> <total>";
 *           't': "tids <tid>..."; 'j': stop and pthread_join() them all:
 *           "joined <n> <good>", good counting workers whose TLS held.
 * regs      two threads spin in asm with known values in rax, rbx, rbp,
 *           r8-r15, xmm0-15, x87 st0, the x87 control word and MXCSR;
 *           's': stop them and compare: "regs ok <loops>" or "regs bad
 *           <thread> <what>".
 * avx       the same with ymm0-15 (upper halves included), if the CPU
 *           and kernel have AVX; "ready noavx" otherwise.
 * files DIR regular, dup'ed, O_APPEND, close-on-exec, unlinked, pipe,
 *           FIFO, /dev/null and directory fds at fixed numbers; 'x':
 *           "files ok" or "files bad <what> ...".
 * pipes     one pipe, five descriptions: fd 20 and 21 from pipe(2),
 *           fd 22 a second reading one and fd 23 an O_RDWR one (opened
 *           through /proc/self/fd), fd 24 a second writing one with
 *           O_NONBLOCK; 1000 bytes in it; 'x': "pipes ok" or "pipes bad
 *           <what>".
 * signals   handlers, a blocked mask with SIGUSR2 (thread) and SIGWINCH
 *           (process) pending, SIGTERM ignored, an altstack, ITIMER_REAL
 *           every 200 ms; 's': "sig <usr1> <usr2> <winch> <alrm> <blocked>
 *           <pending>"; 'u': unblock SIGUSR2 and SIGWINCH, then 's';
 *           'i': "itimer <interval_us> <value_us>"; 'a': "altstack <sp>
 *           <size> <flags>".
 * sec DIR  as uid and gid 1000 (groups 1000 1001): fd 10 O_PATH of
 *           DIR/secret (root's, mode 0600), fd 11 an unlinked file it made
 *           setuid, setgid and sticky, RLIMIT_NPROC 6, oom_score_adj 123
 *           (fd 1500 too, a dup of fd 10, if RLIMIT_NOFILE allows it);
 *           'o': "opath <is O_PATH> <errno of read>"; 'm': "unl <mode>
 *           <uid>"; 'n': fork until it fails: "nproc <forked> <errno>";
 *           'k': "keyring <description of @s>"; 'l': "lim <NOFILE cur>
 *           <NPROC cur> <oom_score_adj>".
 * syscalls  threads blocked in read() of fd 3 (a pipe from the test),
 *           FUTEX_WAIT, select() of an internal pipe; 'n' starts two more,
 *           in nanosleep(5 s) and FUTEX_WAIT with a 6 s timeout; 'w' wakes
 *           the futex, 'S' writes the select pipe; 'r': one line with each
 *           thread's "<state> <ret> <errno> <ms since it began>" and tid.
 * creds     drops to uid and gid 1000 with groups 1000 and 1001 (and so
 *           every capability), and makes itself dumpable again, as an
 *           ordinary process of that user; 'C': "creds <ruid> <euid>
 *           <suid> <fsuid> <rgid> <egid> <sgid> <fsgid> <dumpable> <n>
 *           <group>...".  "creds root" stays root and only adds
 *           group 1001 to group 0; "creds userns" then becomes root of a
 *           user namespace of its own (uid 0 there is 1000 outside).
 * thrsig    a second thread B blocks SIGUSR1 and has one pending, sent
 *           to it alone with tgkill(); the main thread does not block it.
 *           Each thread has its own altstack and the SA_ONSTACK handler
 *           notes which thread ran it, on which stack; "ready <pid>
 *           <tid of B>"; 'k': "thr <count> <tid> <where> <onstack>",
 *           where 1 for the main thread's altstack, 2 for B's, 0
 *           elsewhere, and onstack whether sigaltstack() said SS_ONSTACK
 *           in the handler; 'U': B unblocks SIGUSR1, then 'k'.
 * proc DIR  umask 027, DIR as working directory, "cryo-proc-name" as
 *           comm; 'P' creates "made" (mode 0666 before the umask) in its
 *           working directory: "proc <umask> <mode of made> <comm>
 *           <getcwd()>".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cpuid.h>
#include <linux/futex.h>
#include <grp.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <limits.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include "say.h"

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int get_cmd(void)
{
	unsigned char c;
	ssize_t n;

	do {
		n = read(0, &c, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? c : -1;
}

/* ---- vdso ----------------------------------------------------------------- */

static __thread char tls_tag[32] = "cryo-tls-initialised";
static __thread uint64_t tls_big[256];
static __thread uint64_t tls_loops;

struct vdso_state {
	volatile uint64_t loops;
	volatile uint64_t bad;
	volatile uint64_t mono, real;
	uint64_t *tls_addr;
};

static struct vdso_state vs[2];

static void *vdso_loop(void *arg)
{
	long k = (long)arg;
	struct vdso_state *s = &vs[k];
	uint64_t prev = 0, t, i;

	snprintf(tls_tag, sizeof(tls_tag), "cryo-tls-thread-%ld", k);
	for (i = 0; i < 256; i++)
		tls_big[i] = mix(i + k * 1000);
	s->tls_addr = &tls_loops;
	for (;;) {
		t = now_ns(CLOCK_MONOTONIC);
		if (t < prev)
			s->bad++;
		prev = t;
		s->mono = t;
		s->real = now_ns(CLOCK_REALTIME);
		tls_loops++;
		s->loops++;
		/* Checked now and then: TLS the same as the shared count. */
		if (!(tls_loops & 1023)) {
			char want[32];

			snprintf(want, sizeof(want), "cryo-tls-thread-%ld", k);
			if (tls_loops != s->loops || strcmp(tls_tag, want) ||
			    s->tls_addr != &tls_loops)
				s->bad += 1000000;
			for (i = 0; i < 256; i++)
				if (tls_big[i] != mix(i + k * 1000))
					s->bad += 1000000;
			usleep(200);
		}
	}
	return NULL;
}

static int vdso_cmd(int c)
{
	if (c != 'c')
		return -1;
	say("vdso %llu %llu %llu %#lx %llu",
	    (unsigned long long)(vs[0].loops + vs[1].loops),
	    (unsigned long long)now_ns(CLOCK_MONOTONIC),
	    (unsigned long long)now_ns(CLOCK_REALTIME),
	    getauxval(AT_SYSINFO_EHDR),
	    (unsigned long long)(vs[0].bad + vs[1].bad));
	return 0;
}

static int mode_vdso(void)
{
	pthread_t th;

	if (strcmp(tls_tag, "cryo-tls-initialised"))
		return 20;
	if (pthread_create(&th, NULL, vdso_loop, (void *)1L))
		return 21;
	/* The main thread's loop is the second one: it also reads commands. */
	if (pthread_create(&th, NULL, vdso_loop, (void *)0L))
		return 22;
	while (!vs[0].loops || !vs[1].loops)
		usleep(1000);
	say("ready %d %#lx", getpid(), getauxval(AT_SYSINFO_EHDR));
	return 0;
}

/* ---- threads --------------------------------------------------------------- */

#define MAX_WORKERS	64

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static unsigned long gen, done_count, total;
static int stop, nworkers;
static int worker_tid[MAX_WORKERS];

static __thread long tls_idx = -1;
static __thread uint64_t tls_magic;
static __thread uint64_t tls_work[64];
static __thread unsigned long tls_rounds;

static void *worker(void *arg)
{
	long i = (long)arg, k;
	unsigned long seen = 0;
	int good = 1;

	tls_idx = i;
	tls_magic = mix(i);
	for (k = 0; k < 64; k++)
		tls_work[k] = mix(i * 64 + k);
	worker_tid[i] = gettid();
	pthread_mutex_lock(&mtx);
	for (;;) {
		while (gen == seen && !stop)
			pthread_cond_wait(&go_cv, &mtx);
		if (stop)
			break;
		seen = gen;
		pthread_mutex_unlock(&mtx);
		/* Work on the thread's own data, outside the lock. */
		for (k = 0; k < 64; k++)
			tls_work[k] = mix(tls_work[k]);
		tls_rounds++;
		if (tls_idx != i || tls_magic != mix(i))
			good = 0;
		pthread_mutex_lock(&mtx);
		total += i + 1;
		if (++done_count == (unsigned long)nworkers)
			pthread_cond_signal(&done_cv);
	}
	pthread_mutex_unlock(&mtx);
	/* The work words went through tls_rounds rounds of mix(). */
	for (k = 0; k < 64; k++) {
		uint64_t w = mix(i * 64 + k);
		unsigned long r;

		for (r = 0; r < tls_rounds; r++)
			w = mix(w);
		if (w != tls_work[k])
			good = 0;
	}
	if (tls_idx != i || tls_magic != mix(i) || tls_rounds != gen)
		good = 0;
	return (void *)(long)good;
}

static pthread_t worker_th[MAX_WORKERS];

static int threads_cmd(int c)
{
	int n = nworkers, len, ret;
	struct timespec dl;
	char buf[2048];
	long i, good;
	void *rv;

	switch (c) {
	case 'g':
		pthread_mutex_lock(&mtx);
		gen++;
		done_count = 0;
		pthread_cond_broadcast(&go_cv);
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += 20;
		ret = 0;
		while (done_count < (unsigned long)n && !ret)
			ret = pthread_cond_timedwait(&done_cv, &mtx, &dl);
		say("round %lu %lu", gen, done_count < (unsigned long)n ?
		    0 : total);
		pthread_mutex_unlock(&mtx);
		break;
	case 't':
		len = snprintf(buf, sizeof(buf), "tids");
		for (i = 0; i < n; i++)
			len += snprintf(buf + len, sizeof(buf) - len, " %d",
					worker_tid[i]);
		say("%s", buf);
		break;
	case 'j':
		pthread_mutex_lock(&mtx);
		stop = 1;
		pthread_cond_broadcast(&go_cv);
		pthread_mutex_unlock(&mtx);
		good = 0;
		for (i = 0; i < n; i++) {
			if (pthread_join(worker_th[i], &rv))
				exit(32);
			good += (long)rv;
		}
		say("joined %d %ld", n, good);
		break;
	default:
		return -1;
	}
	return 0;
}

static int mode_threads(int n)
{
	long i;

	if (n < 1 || n > MAX_WORKERS)
		return 30;
	nworkers = n;
	for (i = 0; i < n; i++)
		if (pthread_create(&worker_th[i], NULL, worker, (void *)i))
			return 31;
	for (i = 0; i < n; i++)
		while (!__atomic_load_n(&worker_tid[i], __ATOMIC_ACQUIRE))
			usleep(1000);
	say("ready %d %d", getpid(), n);
	return 0;
}

/* ---- registers ------------------------------------------------------------- */

/*
 * The values a spinner holds, and where it stores what it finds when told
 * to stop.  Offsets are used by the asm below.
 */
struct regvals {
	uint64_t gpr[11];		/*   0: rax rbx rbp r8 ... r15 */
	uint64_t pad0;			/*  88 */
	unsigned char vec[16][32];	/*  96: xmm (16 bytes) or ymm (32) */
	uint32_t mxcsr;			/* 608 */
	uint16_t fcw;			/* 612 */
	uint16_t pad1;			/* 614 */
	unsigned char st0[16];		/* 616: 80-bit x87 value */
} __attribute__((aligned(64)));

_Static_assert(__builtin_offsetof(struct regvals, vec) == 96, "vec");
_Static_assert(__builtin_offsetof(struct regvals, mxcsr) == 608, "mxcsr");
_Static_assert(__builtin_offsetof(struct regvals, st0) == 616, "st0");

/*
 * regs_spin(in, out, counter, stop): load everything from @in, bump
 * *counter until *stop is nonzero, store everything into @out.  Only
 * rdi, rsi, rdx and rcx (the arguments) are not test values.
 */
#define SPIN_BODY(VLOAD, VSTORE)					\
	"	push %rbx\n	push %rbp\n	push %r12\n"		\
	"	push %r13\n	push %r14\n	push %r15\n"		\
	"	sub $16, %rsp\n"					\
	"	fnstcw (%rsp)\n	stmxcsr 4(%rsp)\n"			\
	"	fninit\n	fldt 616(%rdi)\n"			\
	"	fldcw 612(%rdi)\n	ldmxcsr 608(%rdi)\n"		\
	VLOAD								\
	"	mov 8(%rdi), %rbx\n	mov 16(%rdi), %rbp\n"		\
	"	mov 24(%rdi), %r8\n	mov 32(%rdi), %r9\n"		\
	"	mov 40(%rdi), %r10\n	mov 48(%rdi), %r11\n"		\
	"	mov 56(%rdi), %r12\n	mov 64(%rdi), %r13\n"		\
	"	mov 72(%rdi), %r14\n	mov 80(%rdi), %r15\n"		\
	"	mov 0(%rdi), %rax\n"					\
	"1:	incq (%rdx)\n"						\
	"	cmpl $0, (%rcx)\n"					\
	"	je 1b\n"						\
	"	mov %rax, 0(%rsi)\n	mov %rbx, 8(%rsi)\n"		\
	"	mov %rbp, 16(%rsi)\n	mov %r8, 24(%rsi)\n"		\
	"	mov %r9, 32(%rsi)\n	mov %r10, 40(%rsi)\n"		\
	"	mov %r11, 48(%rsi)\n	mov %r12, 56(%rsi)\n"		\
	"	mov %r13, 64(%rsi)\n	mov %r14, 72(%rsi)\n"		\
	"	mov %r15, 80(%rsi)\n"					\
	VSTORE								\
	"	stmxcsr 608(%rsi)\n	fnstcw 612(%rsi)\n"		\
	"	fstpt 616(%rsi)\n"					\
	"	fldcw (%rsp)\n	ldmxcsr 4(%rsp)\n"			\
	"	add $16, %rsp\n"					\
	"	pop %r15\n	pop %r14\n	pop %r13\n"		\
	"	pop %r12\n	pop %rbp\n	pop %rbx\n"		\
	"	ret\n"

#define X(op, n, off) "	" op " " #off "(%rdi), %xmm" #n "\n"
#define XS(op, n, off) "	" op " %xmm" #n ", " #off "(%rsi)\n"
#define Y(op, n, off) "	" op " " #off "(%rdi), %ymm" #n "\n"
#define YS(op, n, off) "	" op " %ymm" #n ", " #off "(%rsi)\n"
#define V16(M, op)							\
	M(op, 0, 96) M(op, 1, 128) M(op, 2, 160) M(op, 3, 192)		\
	M(op, 4, 224) M(op, 5, 256) M(op, 6, 288) M(op, 7, 320)		\
	M(op, 8, 352) M(op, 9, 384) M(op, 10, 416) M(op, 11, 448)	\
	M(op, 12, 480) M(op, 13, 512) M(op, 14, 544) M(op, 15, 576)

void regs_spin_sse(const struct regvals *in, struct regvals *out,
		   volatile uint64_t *counter, volatile uint32_t *stop);
void regs_spin_avx(const struct regvals *in, struct regvals *out,
		   volatile uint64_t *counter, volatile uint32_t *stop);

asm(".text\n"
	".globl regs_spin_sse\n.hidden regs_spin_sse\n"
	".type regs_spin_sse, @function\n"
	"regs_spin_sse:\n"
	SPIN_BODY(V16(X, "movdqu"), V16(XS, "movdqu"))
	".size regs_spin_sse, .-regs_spin_sse\n"
	".globl regs_spin_avx\n.hidden regs_spin_avx\n"
	".type regs_spin_avx, @function\n"
	"regs_spin_avx:\n"
	SPIN_BODY(V16(Y, "vmovdqu"), V16(YS, "vmovdqu") "	vzeroupper\n")
	".size regs_spin_avx, .-regs_spin_avx\n");

static int have_avx(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (!(c & bit_AVX) || !(c & bit_OSXSAVE))
		return 0;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

#define NR_SPIN	2

struct spinner {
	struct regvals in, out;
	volatile uint64_t counter;
	volatile uint32_t stop;
	int avx;
};

static struct spinner spin[NR_SPIN];

static void make_vals(struct regvals *v, int k, int avx)
{
	int i, j;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < 11; i++)
		v->gpr[i] = mix(k * 100 + i) | 1;
	for (i = 0; i < 16; i++)
		for (j = 0; j < (avx ? 32 : 16); j++)
			v->vec[i][j] = (unsigned char)mix(k * 1000 + i * 32 + j);
	/* Round toward zero, all exceptions masked, DAZ; x87 rounds down. */
	v->mxcsr = 0x1f80 | 0x6000 | 0x40;
	v->fcw = 0x037f | 0x0400;
	/* An 80-bit extended value: 64-bit mantissa, sign and exponent. */
	memcpy(v->st0, &v->gpr[k % 11], 8);
	v->st0[7] |= 0x80;		/* explicit integer bit: a normal number */
	v->st0[8] = 0x3f + k;
	v->st0[9] = 0x40;
}

static void *spinner(void *arg)
{
	struct spinner *s = arg;

	if (s->avx)
		regs_spin_avx(&s->in, &s->out, &s->counter, &s->stop);
	else
		regs_spin_sse(&s->in, &s->out, &s->counter, &s->stop);
	return NULL;
}

static const char *const gpr_name[11] = {
	"rax", "rbx", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
	"r15",
};

static int compare_regs(int k, const struct regvals *a, const struct regvals *b,
			int avx)
{
	int i;

	for (i = 0; i < 11; i++)
		if (a->gpr[i] != b->gpr[i]) {
			say("regs bad %d %s %#llx %#llx", k, gpr_name[i],
			    (unsigned long long)b->gpr[i],
			    (unsigned long long)a->gpr[i]);
			return -1;
		}
	for (i = 0; i < 16; i++)
		if (memcmp(a->vec[i], b->vec[i], avx ? 32 : 16)) {
			int lo = memcmp(a->vec[i], b->vec[i], 16);

			say("regs bad %d %smm%d%s", k, avx ? "y" : "x", i,
			    lo ? "" : " (upper half)");
			return -1;
		}
	if (a->mxcsr != b->mxcsr) {
		say("regs bad %d mxcsr %#x %#x", k, b->mxcsr, a->mxcsr);
		return -1;
	}
	if (a->fcw != b->fcw) {
		say("regs bad %d fcw %#x %#x", k, b->fcw, a->fcw);
		return -1;
	}
	if (memcmp(a->st0, b->st0, 10)) {
		say("regs bad %d st0", k);
		return -1;
	}
	return 0;
}

static pthread_t spin_th[NR_SPIN];
static int spin_avx;

static int regs_cmd(int c)
{
	uint64_t loops = 0;
	int k;

	if (c != 's')
		return -1;
	for (k = 0; k < NR_SPIN; k++) {
		spin[k].stop = 1;
		pthread_join(spin_th[k], NULL);
		loops += spin[k].counter;
	}
	for (k = 0; k < NR_SPIN; k++)
		if (compare_regs(k, &spin[k].in, &spin[k].out, spin_avx))
			return 0;
	say("regs ok %llu", (unsigned long long)loops);
	return 0;
}

static int mode_regs(int avx)
{
	int k;

	if (avx && !have_avx()) {
		say("ready noavx");
		return 1;
	}
	for (k = 0; k < NR_SPIN; k++) {
		spin[k].avx = avx;
		make_vals(&spin[k].in, k + 1, avx);
		if (pthread_create(&spin_th[k], NULL, spinner, &spin[k]))
			return 40;
	}
	for (k = 0; k < NR_SPIN; k++)
		while (!spin[k].counter)
			usleep(1000);
	spin_avx = avx;
	say("ready %d %d", getpid(), avx);
	return 0;
}

/* ---- files ------------------------------------------------------------------ */

enum {
	F_REG = 10, F_DUPA = 11, F_APP = 13, F_CLOEX = 14, F_UNL = 15,
	F_PR = 16, F_PW = 17, F_NULL = 18, F_DIR = 19, F_DUPB = 20,
	F_FIFO = 21,
};

#define REG_SIZE	8192
#define REG_POS		1000
#define DUP_SIZE	4096
#define DUP_POS		300
#define UNL_SIZE	20000
#define UNL_POS		5000
#define PIPE_BYTES	3000
#define FIFO_BYTES	77

static unsigned char pat(unsigned int seed, size_t i)
{
	return (unsigned char)mix(seed * 1000003ULL + i);
}

static int put_pattern(int fd, size_t n, unsigned int seed)
{
	unsigned char buf[UNL_SIZE];
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = pat(seed, i);
	return write(fd, buf, n) == (ssize_t)n ? 0 : -1;
}

static int is_pattern(const unsigned char *p, size_t n, unsigned int seed,
		      size_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != pat(seed, off + i))
			return 0;
	return 1;
}

static int place(int fd, int want)
{
	if (fd < 0)
		return -1;
	if (fd == want)
		return 0;
	if (dup2(fd, want) != want)
		return -1;
	close(fd);
	return 0;
}

static const char *dir;

static int open_in(const char *name, int flags)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, flags, 0644);
}

static int files_setup(void)
{
	char path[512];
	int p[2], fd;

	fd = open_in("reg", O_RDWR | O_CREAT | O_TRUNC);
	if (place(fd, F_REG) || put_pattern(F_REG, REG_SIZE, 1) ||
	    lseek(F_REG, REG_POS, SEEK_SET) != REG_POS)
		return 1;
	fd = open_in("dup", O_RDWR | O_CREAT | O_TRUNC);
	if (place(fd, F_DUPA) || put_pattern(F_DUPA, DUP_SIZE, 2) ||
	    lseek(F_DUPA, DUP_POS, SEEK_SET) != DUP_POS ||
	    dup2(F_DUPA, F_DUPB) != F_DUPB)
		return 2;
	fd = open_in("app", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
	if (place(fd, F_APP) || write(F_APP, "0123456789", 10) != 10 ||
	    lseek(F_APP, 2, SEEK_SET) != 2)
		return 3;
	fd = open_in("cloexec", O_RDONLY | O_CREAT | O_CLOEXEC);
	if (fd < 0 || (fd != F_CLOEX && dup3(fd, F_CLOEX, O_CLOEXEC) < 0))
		return 4;
	if (fd != F_CLOEX)
		close(fd);
	snprintf(path, sizeof(path), "%s/unl", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (place(fd, F_UNL) || put_pattern(F_UNL, UNL_SIZE, 3) ||
	    unlink(path) || lseek(F_UNL, UNL_POS, SEEK_SET) != UNL_POS)
		return 5;
	if (pipe(p) || place(p[0], F_PR) || place(p[1], F_PW) ||
	    put_pattern(F_PW, PIPE_BYTES, 4))
		return 6;
	if (place(open("/dev/null", O_WRONLY), F_NULL))
		return 7;
	if (place(open(dir, O_RDONLY | O_DIRECTORY), F_DIR))
		return 8;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (mkfifo(path, 0600))
		return 9;
	fd = open(path, O_RDWR | O_NONBLOCK);
	if (place(fd, F_FIFO) || put_pattern(F_FIFO, FIFO_BYTES, 5))
		return 10;
	return 0;
}

/* Unless @cond, say "<what> bad ..." and return from the check. */
#define CHECK_OR_SAY(what, cond, ...) do {				\
		if (!(cond)) {						\
			say(what " bad " __VA_ARGS__);			\
			return;						\
		}							\
	} while (0)
#define FCHECK(cond, ...)	CHECK_OR_SAY("files", cond, __VA_ARGS__)

static void files_check(void)
{
	static unsigned char buf[UNL_SIZE + 1];
	char link[512], want[512];
	struct stat st, st2;
	ssize_t n;
	off_t pos;

	/* Regular file: position, access mode, contents at the position. */
	pos = lseek(F_REG, 0, SEEK_CUR);
	FCHECK(pos == REG_POS, "reg pos %lld", (long long)pos);
	FCHECK((fcntl(F_REG, F_GETFL) & O_ACCMODE) == O_RDWR, "reg mode %#x",
	       fcntl(F_REG, F_GETFL));
	n = read(F_REG, buf, 100);
	FCHECK(n == 100 && is_pattern(buf, 100, 1, REG_POS), "reg read %zd", n);

	/* dup(): one description, so one offset. */
	pos = lseek(F_DUPB, 0, SEEK_CUR);
	FCHECK(pos == DUP_POS, "dup pos %lld", (long long)pos);
	n = read(F_DUPA, buf, 50);
	FCHECK(n == 50 && is_pattern(buf, 50, 2, DUP_POS), "dup read %zd", n);
	pos = lseek(F_DUPB, 0, SEEK_CUR);
	FCHECK(pos == DUP_POS + 50, "dup offset not shared: %lld after reading the other fd",
	       (long long)pos);
	FCHECK(syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, F_DUPA,
		       F_DUPB) == 0, "dup kcmp: two descriptions");

	/* O_APPEND: a write lands at the end whatever the position. */
	FCHECK(fcntl(F_APP, F_GETFL) & O_APPEND, "app flags %#x",
	       fcntl(F_APP, F_GETFL));
	pos = lseek(F_APP, 0, SEEK_CUR);
	FCHECK(pos == 2, "app pos %lld", (long long)pos);
	FCHECK(write(F_APP, "ABC", 3) == 3, "app write");
	pos = lseek(F_APP, 0, SEEK_CUR);
	FCHECK(pos == 13, "app pos after write %lld", (long long)pos);

	/* Close-on-exec: on the one fd, and only there. */
	FCHECK(fcntl(F_CLOEX, F_GETFD) == FD_CLOEXEC, "cloexec lost (%d)",
	       fcntl(F_CLOEX, F_GETFD));
	FCHECK(fcntl(F_REG, F_GETFD) == 0, "cloexec gained on reg (%d)",
	       fcntl(F_REG, F_GETFD));

	/* The unlinked file: no name, the same contents and position. */
	FCHECK(!fstat(F_UNL, &st) && st.st_nlink == 0 && st.st_size == UNL_SIZE,
	       "unl nlink %lu size %lld", (unsigned long)st.st_nlink,
	       (long long)st.st_size);
	pos = lseek(F_UNL, 0, SEEK_CUR);
	FCHECK(pos == UNL_POS, "unl pos %lld", (long long)pos);
	n = pread(F_UNL, buf, sizeof(buf), 0);
	FCHECK(n == UNL_SIZE && is_pattern(buf, UNL_SIZE, 3, 0), "unl contents (%zd)", n);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", F_UNL);
	n = readlink(want, link, sizeof(link) - 1);
	FCHECK(n > 0, "unl readlink");
	link[n] = 0;
	/* Made anew (O_TMPFILE) it has another name, in the same directory. */
	snprintf(want, sizeof(want), "%s/", dir);
	FCHECK(!strncmp(link, want, strlen(want)) &&
	       !strchr(link + strlen(want), '/') && strstr(link, " (deleted)"),
	       "unl link \"%s\"", link);

	/* The pipe: its buffered bytes, then it still works. */
	FCHECK(!fstat(F_PR, &st) && S_ISFIFO(st.st_mode) && !fstat(F_PW, &st2) &&
	       st.st_ino == st2.st_ino, "pipe ends not one pipe");
	FCHECK((fcntl(F_PR, F_GETFL) & O_ACCMODE) == O_RDONLY &&
	       (fcntl(F_PW, F_GETFL) & O_ACCMODE) == O_WRONLY, "pipe modes");
	fcntl(F_PR, F_SETFL, O_NONBLOCK);
	n = read(F_PR, buf, sizeof(buf));
	FCHECK(n == PIPE_BYTES && is_pattern(buf, PIPE_BYTES, 4, 0),
	       "pipe held %zd bytes, want %d", n, PIPE_BYTES);
	FCHECK(write(F_PW, "xy", 2) == 2 && read(F_PR, buf, 10) == 2 &&
	       !memcmp(buf, "xy", 2), "pipe does not work");

	/* The FIFO (one O_RDWR description): its bytes. */
	n = read(F_FIFO, buf, sizeof(buf));
	FCHECK(n == FIFO_BYTES && is_pattern(buf, FIFO_BYTES, 5, 0),
	       "fifo held %zd bytes, want %d", n, FIFO_BYTES);

	/* /dev/null and the directory. */
	FCHECK(write(F_NULL, "x", 1) == 1, "null write");
	FCHECK(!fstat(F_NULL, &st) && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(1, 3), "null is not /dev/null");
	FCHECK(!fstat(F_DIR, &st) && S_ISDIR(st.st_mode) && !stat(dir, &st2) &&
	       st.st_ino == st2.st_ino, "dir fd");
	say("files ok");
}

static int files_cmd(int c)
{
	if (c != 'x')
		return -1;
	files_check();
	return 0;
}

static int mode_files(void)
{
	int r;

	if (!dir)
		return 50;
	r = files_setup();
	if (r) {
		say("setup failed %d %s", r, strerror(errno));
		return 50 + r;
	}
	say("ready %d", getpid());
	return 0;
}

/* ---- pipes ---------------------------------------------------------------- */

enum { P_R = 20, P_W, P_R2, P_RW, P_W2 };
#define PIPES_BYTES	1000

static int reopen_fd(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags);
}

#define PCHECK(cond, ...)	CHECK_OR_SAY("pipes", cond, __VA_ARGS__)

static void pipes_check(void)
{
	static const int fds[] = { P_R, P_W, P_R2, P_RW, P_W2 };
	static const int acc[] = { O_RDONLY, O_WRONLY, O_RDONLY, O_RDWR,
				   O_WRONLY };
	unsigned char buf[PIPES_BYTES + 1];
	struct stat st0, st;
	unsigned int i;
	ssize_t n;

	PCHECK(!fstat(P_R, &st0) && S_ISFIFO(st0.st_mode), "fd 20 not a pipe");
	for (i = 0; i < 5; i++) {
		PCHECK(!fstat(fds[i], &st) && st.st_ino == st0.st_ino,
		       "fd %d not the same pipe", fds[i]);
		PCHECK((fcntl(fds[i], F_GETFL) & O_ACCMODE) == acc[i],
		       "fd %d mode %#x", fds[i], fcntl(fds[i], F_GETFL));
	}
	/* Five descriptions: none shares another's status flags. */
	PCHECK(syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, P_R,
		       P_R2) != 0, "fd 20 and 22 are one description");
	PCHECK(fcntl(P_W2, F_GETFL) & O_NONBLOCK, "fd 24 lost O_NONBLOCK");
	PCHECK(!(fcntl(P_W, F_GETFL) & O_NONBLOCK), "fd 21 gained O_NONBLOCK");
	/* The bytes it held, once, through any reading end. */
	fcntl(P_R2, F_SETFL, O_NONBLOCK);
	n = read(P_R2, buf, sizeof(buf));
	PCHECK(n == PIPES_BYTES && is_pattern(buf, PIPES_BYTES, 6, 0),
	       "held %zd bytes, want %d", n, PIPES_BYTES);
	/* And it is still one pipe: in at one end, out at another. */
	PCHECK(write(P_W2, "ab", 2) == 2 && read(P_RW, buf, 10) == 2 &&
	       !memcmp(buf, "ab", 2), "fd 24 to fd 23");
	PCHECK(write(P_RW, "cd", 2) == 2 && read(P_R, buf, 10) == 2 &&
	       !memcmp(buf, "cd", 2), "fd 23 to fd 20");
	say("pipes ok");
}

static int pipes_cmd(int c)
{
	if (c != 'x')
		return -1;
	pipes_check();
	return 0;
}

static int mode_pipes(void)
{
	int p[2];

	if (pipe(p) || place(p[0], P_R) || place(p[1], P_W) ||
	    put_pattern(P_W, PIPES_BYTES, 6) ||
	    place(reopen_fd(P_R, O_RDONLY), P_R2) ||
	    place(reopen_fd(P_W, O_RDWR), P_RW) ||
	    place(reopen_fd(P_W, O_WRONLY | O_NONBLOCK), P_W2)) {
		say("setup failed %s", strerror(errno));
		return 60;
	}
	say("ready %d", getpid());
	return 0;
}

/* ---- signals --------------------------------------------------------------- */

static volatile sig_atomic_t n_usr1, n_usr2, n_winch, n_alrm;
static volatile pid_t usr1_from;
static char altstack[65536];

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	n_usr1++;
	usr1_from = si->si_pid;
}

static void on_sig(int sig)
{
	if (sig == SIGUSR2)
		n_usr2++;
	else if (sig == SIGWINCH)
		n_winch++;
	else if (sig == SIGALRM)
		n_alrm++;
}

static unsigned long long set_bits(const sigset_t *set)
{
	unsigned long long m = 0;
	int s;

	for (s = 1; s <= 64; s++)
		if (sigismember(set, s) == 1)
			m |= 1ULL << (s - 1);
	return m;
}

static void sig_report(void)
{
	sigset_t blk, pnd;

	sigprocmask(SIG_BLOCK, NULL, &blk);
	sigpending(&pnd);
	say("sig %d %d %d %d %#llx %#llx", n_usr1, n_usr2, n_winch, n_alrm,
	    set_bits(&blk), set_bits(&pnd));
}

static sigset_t usr2_winch;

static int signals_cmd(int c)
{
	struct itimerval it;
	stack_t ss;

	switch (c) {
	case 's':
		sig_report();
		break;
	case 'u':
		if (sigprocmask(SIG_UNBLOCK, &usr2_winch, NULL))
			exit(66);
		sig_report();
		break;
	case 'f':
		say("from %d", usr1_from);
		break;
	case 'i':
		if (getitimer(ITIMER_REAL, &it))
			exit(67);
		say("itimer %ld %ld",
		    it.it_interval.tv_sec * 1000000L + it.it_interval.tv_usec,
		    it.it_value.tv_sec * 1000000L + it.it_value.tv_usec);
		break;
	case 'a':
		if (sigaltstack(NULL, &ss))
			exit(68);
		say("altstack %p %zu %d", ss.ss_sp, ss.ss_size, ss.ss_flags);
		break;
	default:
		return -1;
	}
	return 0;
}

static int mode_signals(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr1,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	struct itimerval it = { { 0, 200000 }, { 0, 200000 } };
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	sigset_t *set = &usr2_winch;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return 60;
	sa.sa_handler = on_sig;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR2, &sa, NULL) || sigaction(SIGWINCH, &sa, NULL) ||
	    sigaction(SIGALRM, &sa, NULL) || signal(SIGTERM, SIG_IGN) == SIG_ERR)
		return 61;
	sigemptyset(set);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, set, NULL))
		return 62;
	/* Thread-directed and process-directed, both pending. */
	if (raise(SIGUSR2) || kill(getpid(), SIGWINCH))
		return 63;
	if (sigaltstack(&ss, NULL))
		return 64;
	if (setitimer(ITIMER_REAL, &it, NULL))
		return 65;
	say("ready %d %p", getpid(), (void *)altstack);
	return 0;
}

/* ---- system calls in progress ---------------------------------------------- */

enum { B_READ, B_FUTEX, B_SELECT, B_NANO, B_FUTEX_TO, NR_B };

static const char *const b_name[NR_B] = {
	"read", "futex", "select", "nanosleep", "futex_timeout",
};

struct blocked {
	volatile int state;	/* 1 blocked (about to), 2 returned */
	int tid;
	long ret;
	int err;
	uint64_t t0, t1;	/* CLOCK_MONOTONIC */
};

static struct blocked bl[NR_B];
static uint32_t futex_word, futex_to_word;
static int sel_pipe[2];
static unsigned char byte_read;

static void *blocked_thread(void *arg)
{
	long k = (long)arg;
	struct blocked *b = &bl[k];
	struct timespec ts = { 5, 0 }, to = { 6, 0 };
	fd_set rfds;
	long ret = -1;

	b->tid = gettid();
	b->t0 = now_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&b->state, 1, __ATOMIC_RELEASE);
	/* Raw system calls: the test reads their numbers in /proc. */
	switch (k) {
	case B_READ:
		ret = syscall(SYS_read, 3, &byte_read, 1);
		break;
	case B_FUTEX:
		ret = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL,
			      NULL, 0);
		break;
	case B_SELECT:
		FD_ZERO(&rfds);
		FD_SET(sel_pipe[0], &rfds);
		{
			struct timeval tv = { 60, 0 };

			ret = syscall(SYS_select, sel_pipe[0] + 1, &rfds, NULL,
				      NULL, &tv);
		}
		break;
	case B_NANO:
		ret = syscall(SYS_nanosleep, &ts, NULL);
		break;
	case B_FUTEX_TO:
		ret = syscall(SYS_futex, &futex_to_word, FUTEX_WAIT_PRIVATE, 0,
			      &to, NULL, 0);
		break;
	}
	b->err = ret < 0 ? errno : 0;
	b->ret = ret;
	b->t1 = now_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&b->state, 2, __ATOMIC_RELEASE);
	return NULL;
}

static int start_blocked(long k)
{
	pthread_t th;

	if (pthread_create(&th, NULL, blocked_thread, (void *)k))
		return -1;
	while (!__atomic_load_n(&bl[k].state, __ATOMIC_ACQUIRE))
		usleep(1000);
	return 0;
}

static int syscalls_cmd(int c)
{
	char buf[1024];
	uint64_t now;
	int k, len;

	switch (c) {
	case 'n':
		if (start_blocked(B_NANO) || start_blocked(B_FUTEX_TO))
			exit(72);
		say("started");
		break;
	case 'w':
		__atomic_store_n(&futex_word, 1, __ATOMIC_RELEASE);
		say("woke %ld", syscall(SYS_futex, &futex_word,
					FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
		break;
	case 'S':
		say("wrote %zd", write(sel_pipe[1], "s", 1));
		break;
	case 'r':
		now = now_ns(CLOCK_MONOTONIC);
		len = 0;
		for (k = 0; k < NR_B; k++) {
			struct blocked *b = &bl[k];
			int st = __atomic_load_n(&b->state, __ATOMIC_ACQUIRE);
			uint64_t end = st == 2 ? b->t1 : now;
			unsigned long long ms = st ? (end - b->t0) / 1000000 : 0;

			len += snprintf(buf + len, sizeof(buf) - len,
					"%s%s %d %ld %d %llu %d", k ? " " : "",
					b_name[k], st, st == 2 ? b->ret : 0,
					st == 2 ? b->err : 0, ms, b->tid);
		}
		say("%s byte %c", buf, byte_read ? byte_read : '-');
		break;
	default:
		return -1;
	}
	return 0;
}

static int mode_syscalls(void)
{
	if (fcntl(3, F_GETFD) < 0 || pipe(sel_pipe))
		return 70;
	if (start_blocked(B_READ) || start_blocked(B_FUTEX) ||
	    start_blocked(B_SELECT))
		return 71;
	say("ready %d", getpid());
	return 0;
}

/* ---- credentials ------------------------------------------------------------ */

static int creds_cmd(int c)
{
	char buf[512];
	uid_t u[3];
	gid_t g[3], groups[32];
	int n, i, len;

	if (c != 'C')
		return -1;
	n = getgroups(32, groups);
	if (getresuid(&u[0], &u[1], &u[2]) || getresgid(&g[0], &g[1], &g[2]) ||
	    n < 0)
		exit(82);
	/* setfsuid() and setfsgid() return the current value. */
	len = snprintf(buf, sizeof(buf), "creds %u %u %u %d %u %u %u %d %d %d",
		       u[0], u[1], u[2], setfsuid(-1), g[0], g[1], g[2],
		       setfsgid(-1), prctl(PR_GET_DUMPABLE), n);
	for (i = 0; i < n; i++)
		len += snprintf(buf + len, sizeof(buf) - len, " %u", groups[i]);
	say("%s", buf);
	return 0;
}

static int mode_creds(void)
{
	static const gid_t groups[2] = { 1000, 1001 };

	if (setgroups(2, groups) || setresgid(1000, 1000, 1000) ||
	    setresuid(1000, 1000, 1000))
		return 80;
	/* The id change made it non-dumpable, unlike a process of its user. */
	if (prctl(PR_SET_DUMPABLE, 1))
		return 81;
	say("ready %d", getpid());
	return 0;
}

/* ---- what a thaw must not give (sec) ------------------------------------- */

static int sec_cmd(int c)
{
	char buf[256];
	struct stat st;
	long key;
	int n, fd, err;

	switch (c) {
	case 'o':
		n = read(10, buf, 1);
		say("opath %d %d", !!(fcntl(10, F_GETFL) & O_PATH),
		    n < 0 ? errno : 0);
		return 0;
	case 'm':
		if (fstat(11, &st))
			exit(83);
		say("unl %o %u", st.st_mode & 07777, st.st_uid);
		return 0;
	case 'n': {
		pid_t kids[64];

		for (n = 0, err = 0; n < 64; n++) {
			kids[n] = fork();
			if (!kids[n]) {
				pause();
				_exit(0);
			}
			if (kids[n] < 0) {
				err = errno;
				break;
			}
		}
		for (c = 0; c < n; c++) {
			kill(kids[c], SIGKILL);
			waitpid(kids[c], NULL, 0);
		}
		say("nproc %d %d", n, err);
		return 0;
	}
	case 'k':
		key = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */,
			      -3 /* KEY_SPEC_SESSION_KEYRING */, 0);
		n = key < 0 ? -1 : syscall(SYS_keyctl, 6 /* KEYCTL_DESCRIBE */,
					   key, buf, sizeof(buf) - 1);
		say("keyring %s", n > 0 ? buf : "none");
		return 0;
	case 'l': {
		struct rlimit nofile, nproc;

		fd = open("/proc/self/oom_score_adj", O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n - 1 : 0] = '\0';
		if (fd >= 0)
			close(fd);
		getrlimit(RLIMIT_NOFILE, &nofile);
		getrlimit(RLIMIT_NPROC, &nproc);
		say("lim %llu %llu %s", (unsigned long long)nofile.rlim_cur,
		    (unsigned long long)nproc.rlim_cur, buf);
		return 0;
	}
	}
	return -1;
}

static int setup_sec(const char *arg)
{
	static const gid_t groups[2] = { 1000, 1001 };
	struct rlimit nproc = { 6, 6 }, nofile;
	char path[PATH_MAX];
	int fd;

	if (!arg)
		return 90;
	fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd < 0 || write(fd, "123", 3) != 3)
		return 94;
	close(fd);
	snprintf(path, sizeof(path), "%s/secret", arg);
	if (setrlimit(RLIMIT_NPROC, &nproc) || setgroups(2, groups) ||
	    setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return 91;
	fd = open(path, O_PATH);
	if (fd < 0 || dup2(fd, 10) != 10)
		return 92;
	/* Started with a high RLIMIT_NOFILE: one fd above the usual 1024. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur > 1500 &&
	    dup2(fd, 1500) != 1500)
		return 96;
	close(fd);
	snprintf(path, sizeof(path), "%s/mine", arg);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, "#!", 2) != 2 || fchmod(fd, 07755) ||
	    unlink(path) || dup2(fd, 11) != 11)
		return 93;
	close(fd);
	if (prctl(PR_SET_DUMPABLE, 1))
		return 95;
	say("ready %d", getpid());
	return 0;
}

/* ---- per-thread signal state ---------------------------------------------- */

static char alt_main[65536], alt_b[65536];
static volatile sig_atomic_t thr_count, thr_tid, thr_where, thr_onstack;
static int b_wake[2], b_done[2];
static int b_tid;

static void on_usr1_alt(int sig)
{
	/* The handler's own frame: on an altstack, or not. */
	const char *p = __builtin_frame_address(0);
	stack_t ss;

	thr_tid = gettid();
	thr_where = p >= alt_main && p < alt_main + sizeof(alt_main) ? 1 :
		    p >= alt_b && p < alt_b + sizeof(alt_b) ? 2 : 0;
	thr_onstack = !sigaltstack(NULL, &ss) && (ss.ss_flags & SS_ONSTACK);
	thr_count++;
}

static void *thread_b(void *arg)
{
	stack_t ss = { .ss_sp = alt_b, .ss_size = sizeof(alt_b) };
	sigset_t set;
	char c;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) || sigaltstack(&ss, NULL))
		exit(91);
	__atomic_store_n(&b_tid, gettid(), __ATOMIC_RELEASE);
	/* Frozen here, with SIGUSR1 pending; told to go on by 'U'. */
	while (read(b_wake[0], &c, 1) != 1)
		if (errno != EINTR)
			exit(92);
	/* The pending SIGUSR1 is delivered here, to this thread. */
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	if (write(b_done[1], "u", 1) != 1)
		exit(93);
	for (;;)
		pause();
	return NULL;
}

static int thrsig_cmd(int c)
{
	char b;

	if (c != 'U' && c != 'k')
		return -1;
	if (c == 'U' &&
	    (write(b_wake[1], "w", 1) != 1 || read(b_done[0], &b, 1) != 1))
		exit(94);
	say("thr %d %d %d %d", (int)thr_count, (int)thr_tid, (int)thr_where,
	    (int)thr_onstack);
	return 0;
}

static int mode_thrsig(void)
{
	struct sigaction sa = { .sa_handler = on_usr1_alt,
				.sa_flags = SA_ONSTACK | SA_RESTART };
	stack_t ss = { .ss_sp = alt_main, .ss_size = sizeof(alt_main) };
	pthread_t th;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) || sigaltstack(&ss, NULL))
		return 95;
	if (pipe(b_wake) || pipe(b_done) ||
	    pthread_create(&th, NULL, thread_b, NULL))
		return 96;
	while (!__atomic_load_n(&b_tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	/* Directed at B, which blocks it: pending on B alone. */
	if (syscall(SYS_tgkill, getpid(), b_tid, SIGUSR1))
		return 97;
	say("ready %d %d", getpid(), b_tid);
	return 0;
}

/* ---- umask, working directory, comm ----------------------------------------- */

static int proc_cmd(int c)
{
	char cwd[512], comm[17] = "";
	struct stat st;
	mode_t mask;
	int fd;

	if (c != 'P')
		return -1;
	mask = umask(0);
	umask(mask);
	if (!getcwd(cwd, sizeof(cwd)) || prctl(PR_GET_NAME, comm))
		exit(100);
	/* Relative to the working directory, through the umask. */
	fd = open("made", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 || fstat(fd, &st))
		exit(101);
	close(fd);
	say("proc %04o %04o %s %s", (unsigned int)mask,
	    (unsigned int)(st.st_mode & 07777), comm, cwd);
	return 0;
}

static int mode_proc(const char *arg)
{
	if (!arg || chdir(arg))
		return 102;
	umask(027);
	if (prctl(PR_SET_NAME, "cryo-proc-name"))
		return 103;
	say("ready %d", getpid());
	return 0;
}

/* ---- main ------------------------------------------------------------------ */

static int setup_vdso(const char *arg)
{
	return mode_vdso();
}

static int setup_threads(const char *arg)
{
	return mode_threads(arg ? atoi(arg) : 8);
}

static int setup_regs(const char *arg)
{
	return mode_regs(0);
}

static int setup_avx(const char *arg)
{
	return mode_regs(1);
}

static int setup_files(const char *arg)
{
	dir = arg;
	return mode_files();
}

static int setup_pipes(const char *arg)
{
	return mode_pipes();
}

static int setup_signals(const char *arg)
{
	return mode_signals();
}

static int setup_syscalls(const char *arg)
{
	return mode_syscalls();
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static int setup_creds(const char *arg)
{
	static const gid_t extra[2] = { 0, 1001 };

	/*
	 * "userns": as uid 1000, root of a user namespace of its own (and
	 * so with every capability there, none outside).
	 */
	if (arg && !strcmp(arg, "userns")) {
		if (setgroups(1, extra + 1) || setresgid(1000, 1000, 1000) ||
		    setresuid(1000, 1000, 1000) || prctl(PR_SET_DUMPABLE, 1) ||
		    unshare(CLONE_NEWUSER) ||
		    write_file("/proc/self/uid_map", "0 1000 1") ||
		    write_file("/proc/self/setgroups", "deny") ||
		    write_file("/proc/self/gid_map", "0 1000 1"))
			return 84;
		say("ready %d", getpid());
		return 0;
	}
	/* "root": stay root, with one more supplementary group. */
	if (arg && !strcmp(arg, "root")) {
		if (setgroups(2, extra))
			return 80;
		say("ready %d", getpid());
		return 0;
	}
	return mode_creds();
}

static int setup_thrsig(const char *arg)
{
	return mode_thrsig();
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*setup)(const char *arg);
		int (*cmd)(int c);
	} modes[] = {
		{ "vdso", setup_vdso, vdso_cmd },
		{ "threads", setup_threads, threads_cmd },
		{ "regs", setup_regs, regs_cmd },
		{ "avx", setup_avx, regs_cmd },
		{ "files", setup_files, files_cmd },
		{ "pipes", setup_pipes, pipes_cmd },
		{ "signals", setup_signals, signals_cmd },
		{ "syscalls", setup_syscalls, syscalls_cmd },
		{ "creds", setup_creds, creds_cmd },
		{ "sec", setup_sec, sec_cmd },
		{ "thrsig", setup_thrsig, thrsig_cmd },
		{ "proc", mode_proc, proc_cmd },
	};
	const unsigned int nmodes = sizeof(modes) / sizeof(modes[0]);
	unsigned int m;
	int c, ret;

	for (m = 0; argc > 1 && m < nmodes; m++)
		if (!strcmp(argv[1], modes[m].name))
			break;
	if (argc < 2 || m == nmodes) {
		/* The modes and their arguments are in the comment on top. */
		fprintf(stderr, "usage: %s MODE [ARG], MODE one of:", argv[0]);
		for (m = 0; m < nmodes; m++)
			fprintf(stderr, " %s", modes[m].name);
		fputc('\n', stderr);
		return 2;
	}
	ret = modes[m].setup(argc > 2 ? argv[2] : NULL);
	if (ret) {
		fprintf(stderr, "%s %s: setup failed: %d\n", argv[0], argv[1], ret);
		return ret;
	}
	/* The main thread waits here, in read(), whenever it is frozen. */
	while ((c = get_cmd()) >= 0) {
		if (c == 'p') {
			say("pid %ld %ld", syscall(SYS_getpid), syscall(SYS_getppid));
		} else if (c == 'q') {
			c = get_cmd();
			exit(c < 0 ? 98 : c);
		} else if (modes[m].cmd(c)) {
			say("unknown %c", c);
		}
	}
	return 0;
}
