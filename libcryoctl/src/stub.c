// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The stub: freestanding, position-independent x86-64 code that the
 * library copies into the stub region of the process being restored (or
 * remapped) and runs there.  Once CRYO_IOC_THAW_RESTORE or CRYO_IOC_REMAP
 * has rebuilt the address space, nothing but the region is left: no C
 * library, no library code, no stack but the ones in the region.  So this
 * file uses only its own code, the argument block (struct stub_args) and
 * raw system calls; it has no data, no string literals, no calls outside
 * itself.  The build checks that the object has no relocation and nothing
 * allocated but .text, and embeds that .text in the library.
 *
 * It is built with -mgeneral-regs-only: once a thread's FPU state is
 * loaded nothing may touch the vector registers before the kernel takes
 * over in CRYO_IOC_THAW_FINISH.
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/futex.h>
#include <linux/prctl.h>
#include <linux/sched.h>
#include <asm/prctl.h>
#include <asm/unistd.h>

#include "stub.h"

#define STUB_NORETURN	__attribute__((noreturn))

/* ---- raw system calls ----------------------------------------------------- */

static inline long sys6(long nr, long a1, long a2, long a3, long a4, long a5,
			long a6)
{
	register long r10 asm("r10") = a4;
	register long r8 asm("r8") = a5;
	register long r9 asm("r9") = a6;
	long ret;

	asm volatile ("syscall"
		      : "=a" (ret)
		      : "a" (nr), "D" (a1), "S" (a2), "d" (a3), "r" (r10),
			"r" (r8), "r" (r9)
		      : "rcx", "r11", "memory", "cc");
	return ret;
}

static inline long sys3(long nr, long a1, long a2, long a3)
{
	return sys6(nr, a1, a2, a3, 0, 0, 0);
}

static inline long sys2(long nr, long a1, long a2)
{
	return sys6(nr, a1, a2, 0, 0, 0, 0);
}

static inline long sys1(long nr, long a1)
{
	return sys6(nr, a1, 0, 0, 0, 0, 0);
}

static STUB_NORETURN void stub_exit_group(int code)
{
	for (;;)
		sys1(__NR_exit_group, code);
}

static STUB_NORETURN void stub_exit_thread(int code)
{
	for (;;)
		sys1(__NR_exit, code);
}

static long stub_ioctl(long fd, unsigned long req, void *arg)
{
	return sys3(__NR_ioctl, fd, (long)req, (long)arg);
}

/* Write all @len bytes; the descriptors here are pipes. */
static long stub_write(int fd, const char *p, unsigned long len)
{
	long n;

	while (len) {
		n = sys3(__NR_write, fd, (long)p, (long)len);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			return n ? n : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

/* Tell the library what failed where it cannot be returned (8 bytes). */
static void stub_report(int fd, int type, long err)
{
	struct stub_msg m;

	m.type = type;
	m.value = (int)-err;
	stub_write(fd, (const char *)&m, sizeof(m));
}

/* ---- every thread's last steps -------------------------------------------- */

/*
 * Load the FPU state and, with nothing in between that touches FPU state,
 * issue CRYO_IOC_THAW_FINISH, which does not return on success.  Any
 * fpu_format but XSAVE and FXSAVE loads nothing.
 *
 * Return: the ioctl's -errno.
 */
static long fpu_finish(long devfd, const struct cryo_thaw_cpu *cpu,
		       struct cryo_thaw_finish *finish)
{
	register long rdi asm("rdi") = devfd;
	register long rsi asm("rsi") = CRYO_IOC_THAW_FINISH;
	register long r8 asm("r8") = (long)cpu->fpu;
	register long r9 asm("r9") = cpu->fpu_format;
	register long r10 asm("r10") = (long)finish;
	long ret;

	asm volatile ("cmp %[xsave], %%r9\n\t"
		      "jne 1f\n\t"
		      "mov $-1, %%eax\n\t"
		      "mov $-1, %%edx\n\t"
		      "xrstor64 (%%r8)\n\t"
		      "jmp 2f\n"
		      "1:\n\t"
		      "cmp %[fxsave], %%r9\n\t"
		      "jne 2f\n\t"
		      "fxrstor64 (%%r8)\n"
		      "2:\n\t"
		      "mov %%r10, %%rdx\n\t"
		      "mov %[nr], %%eax\n\t"
		      "syscall"
		      : "=a" (ret), "+D" (rdi), "+S" (rsi), "+r" (r10)
		      : "r" (r8), "r" (r9), [xsave] "i" (CRYO_FPU_XSAVE),
			[fxsave] "i" (CRYO_FPU_FXSAVE), [nr] "i" (__NR_ioctl)
		      : "rdx", "rcx", "r11", "memory", "cc");
	return ret;
}

/* Every thread's last steps: FS and GS base, FPU state, FINISH. */
static STUB_NORETURN void stub_tail(long devfd, int status_fd,
				    const struct cryo_thaw_cpu *cpu,
				    struct cryo_thaw_finish *finish)
{
	long ret;

	ret = sys2(__NR_arch_prctl, ARCH_SET_FS, (long)cpu->fs_base);
	if (!ret)
		ret = sys2(__NR_arch_prctl, ARCH_SET_GS, (long)cpu->gs_base);
	if (ret) {
		stub_report(status_fd, STUB_ST_TLS, ret);
		stub_exit_group(127);
	}
	ret = fpu_finish(devfd, cpu, finish);
	stub_report(status_fd, STUB_ST_FINISH, ret);
	stub_exit_group(127);
}

/* ---- the other threads ---------------------------------------------------- */

/* A created thread starts here, on its own stack in the region. */
static STUB_NORETURN void thread_main(struct stub_thread *t)
{
	long ret;

	ret = stub_ioctl(t->devfd, CRYO_IOC_THAW_THREAD, &t->thread);
	if (ret < 0)
		stub_exit_thread(1);
	stub_tail(t->devfd, t->status_fd, &t->thread.cpu, &t->finish);
}

/*
 * clone3(&t->clone); the child calls thread_main(t) on the stack the
 * kernel gave it (the stack pointer is stack + stack_size, 16-byte
 * aligned: the call leaves it as a function entry expects).  Every
 * register but rax, rcx and r11 is the same in the child, so t and the
 * function travel in r12 and r13.
 */
static long stub_clone3(struct stub_thread *t)
{
	register long rax asm("rax") = __NR_clone3;
	register long rdi asm("rdi") = (long)&t->clone;
	register long rsi asm("rsi") = sizeof(t->clone);
	register long r12 asm("r12") = (long)t;
	register long r13 asm("r13") = (long)thread_main;

	asm volatile ("syscall\n\t"
		      "test %%rax, %%rax\n\t"
		      "jnz 1f\n\t"
		      "mov %%r12, %%rdi\n\t"
		      "call *%%r13\n\t"
		      "ud2\n"
		      "1:"
		      : "+r" (rax)
		      : "r" (rdi), "r" (rsi), "r" (r12), "r" (r13)
		      : "rcx", "r11", "memory", "cc");
	return rax;
}

/* Wait until every created thread is gone (its clear-tid word is 0). */
static void wait_threads(struct stub_thread *t, unsigned int n)
{
	unsigned int i;
	__u32 v;

	for (i = 1; i < n; i++)
		while ((v = __atomic_load_n(&t[i].ctid, __ATOMIC_ACQUIRE)))
			sys6(__NR_futex, (long)&t[i].ctid, FUTEX_WAIT, v, 0, 0, 0);
}

/* ---- POSIX timers and itimers (see "POSIX timers" in thaw.rst) ----------- */

/*
 * Make the image's timers, in increasing id order: a fresh process's ids
 * come from a counter that starts at 0 and only goes up, so a timer made
 * and deleted again skips an id.  Once the threads exist: a timer that
 * signals one thread names its new tid.
 */
static long make_timers(struct stub_args *a, struct stub_thread *t)
{
	unsigned int i;
	long ret;
	int id;

	for (i = 0; i < a->nr_timers; i++) {
		struct stub_timer *w = &a->timers[i];

		if (w->sev.notify == 4 /* SIGEV_THREAD_ID */)
			w->sev.tid = t[w->thread].tid;
		for (;;) {
			ret = sys3(__NR_timer_create, w->clock, (long)&w->sev,
				   (long)&id);
			if (ret < 0)
				return ret;
			if (id == w->id)
				break;
			sys1(__NR_timer_delete, id);
			if (id > w->id)
				return -EEXIST;
		}
	}
	return 0;
}

/* Arm them, and ITIMER_PROF and ITIMER_VIRTUAL, once memory is back. */
static long arm_timers(struct stub_args *a)
{
	unsigned int i;
	long ret;

	for (i = 0; i < a->nr_timers; i++) {
		struct stub_timer *w = &a->timers[i];

		if (!w->it[2] && !w->it[3])
			continue;
		ret = sys6(__NR_timer_settime, w->id, 0, (long)w->it, 0, 0, 0);
		if (ret < 0)
			return ret;
	}
	if (a->prof[2] || a->prof[3]) {
		ret = sys3(__NR_setitimer, 2 /* ITIMER_PROF */, (long)a->prof, 0);
		if (ret < 0)
			return ret;
	}
	if (a->virt[2] || a->virt[3]) {
		ret = sys3(__NR_setitimer, 1 /* ITIMER_VIRTUAL */, (long)a->virt, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- the leader ------------------------------------------------------------ */

static long thaw_main(struct stub_args *a)
{
	struct stub_thread *t = (struct stub_thread *)a->threads;
	struct cryo_thaw_restore *r = &a->restore;
	unsigned int i;
	long ret = 0, err;

	t[0].tid = sys1(__NR_gettid, 0);
	for (i = 1; i < a->nr_threads; i++) {
		__atomic_store_n(&t[i].ctid, 1, __ATOMIC_RELEASE);
		ret = stub_clone3(&t[i]);
		if (ret < 0) {
			t[i].ctid = 0;
			stub_report(a->status_fd, STUB_ST_CLONE, ret);
			break;
		}
		t[i].tid = ret;
		ret = 0;
	}
	/*
	 * The threads wait in CRYO_IOC_THAW_THREAD: if the timers cannot be
	 * made, our caller's exit takes them (their wait is killable).
	 */
	if (!ret && a->nr_timers) {
		ret = make_timers(a, t);
		if (ret < 0) {
			stub_report(a->status_fd, STUB_ST_TIMER, ret);
			return ret;
		}
	}
	/*
	 * If a thread could not be made, the restore still runs when some
	 * were: it fails (not every thread arrives) and cancels them.
	 */
	err = ret;
	if (!err || i > 1)
		ret = stub_ioctl(a->devfd, CRYO_IOC_THAW_RESTORE, r);
	if (err || ret < 0) {
		wait_threads(t, i);
		return err ? err : ret;
	}

	/* Past the point of no return: only the region is left. */
	ret = arm_timers(a);
	if (ret < 0) {
		stub_report(a->status_fd, STUB_ST_TIMER, ret);
		stub_exit_group(127);
	}
	if (r->vdso) {
		ret = sys2(__NR_arch_prctl, ARCH_MAP_VDSO_64, (long)r->vdso);
		if (ret < 0) {
			stub_report(a->status_fd, STUB_ST_VDSO, ret);
			stub_exit_group(127);
		}
	}
	if (r->cwd_fd >= 0) {
		ret = sys1(__NR_fchdir, r->cwd_fd);
		if (ret < 0) {
			stub_report(a->status_fd, STUB_ST_CWD, ret);
			stub_exit_group(127);
		}
	}
	if (r->exe_fd >= 0)
		sys6(__NR_prctl, PR_SET_MM, PR_SET_MM_EXE_FILE, r->exe_fd, 0, 0, 0);
	stub_tail(a->devfd, a->status_fd, &r->cpu, &t[0].finish);
}

/*
 * Call @fn(@a) on the stack at @top and come back to the caller's stack:
 * the caller's stack is not in the region and disappears with the rest of
 * the address space.
 */
static long on_stack(long (*fn)(struct stub_args *), struct stub_args *a,
		     __u64 top)
{
	register long rdi asm("rdi") = (long)a;
	long ret;

	asm volatile ("mov %%rsp, %%rbx\n\t"
		      "mov %[top], %%rsp\n\t"
		      "call *%[fn]\n\t"
		      "mov %%rbx, %%rsp"
		      : "=a" (ret), "+r" (rdi)
		      : [top] "r" (top), [fn] "r" (fn)
		      : "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11",
			"memory", "cc");
	return ret;
}

/**
 * stub_thaw() - entry of the process being restored
 * @a: the argument block, in the region
 *
 * Creates the other threads, issues CRYO_IOC_THAW_RESTORE and, when that
 * succeeds, never returns: every thread ends in CRYO_IOC_THAW_FINISH.
 *
 * Return: -errno of the first clone3() or of the restore, once every
 * created thread has exited.
 */
long stub_thaw(struct stub_args *a)
{
	return on_stack(thaw_main, a, a->stack_top);
}

/* ---- remap --------------------------------------------------------------------- */

static long remap_main(struct stub_args *a)
{
	char *buf = (char *)a->buf;
	unsigned long len = 0;
	long fd, n;

	n = stub_ioctl(a->devfd, CRYO_IOC_REMAP, &a->remap);
	if (n < 0) {
		stub_write(a->result_fd, (const char *)&(int){ (int)-n }, 4);
		stub_exit_group(1);
	}
	fd = sys6(__NR_openat, AT_FDCWD, (long)a->maps_path, O_RDONLY | O_CLOEXEC,
		  0, 0, 0);
	n = fd;
	while (fd >= 0 && len < a->buf_len) {
		n = sys3(__NR_read, fd, (long)(buf + len), a->buf_len - len);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	if (len == a->buf_len)
		n = -EFBIG;
	if (n < 0) {
		stub_write(a->result_fd, (const char *)&(int){ (int)-n }, 4);
		stub_exit_group(2);
	}
	if (stub_write(a->result_fd, buf, len))
		stub_exit_group(3);
	stub_exit_group(0);
}

/**
 * stub_remap() - entry of a child reshaped by CRYO_IOC_REMAP
 * @a: the argument block, in the region
 *
 * Never returns.  Exit status 0: the remap worked and /proc/self/maps was
 * written to &stub_args.result_fd.  1: the remap failed, its errno (4
 * bytes) was written there.  2: /proc/self/maps could not be read (its
 * errno was written, EFBIG when the buffer is too small).  3: writing the
 * result failed.
 */
STUB_NORETURN void stub_remap(struct stub_args *a)
{
	on_stack(remap_main, a, a->stack_top);
	stub_exit_group(4);
}
