// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The traced thaw test: the real stub past the point of no return, with
 * this process playing the module under ptrace.
 */
#include "unit.h"

/*
 * ---- the stub's way past the point of no return, with a traced fake ----
 *
 * A worker process runs cryoctl_thaw() and cryoctl_remap_maps() under a
 * seccomp filter that stops it (SECCOMP_RET_TRACE) at every
 * CRYO_IOC_THAW_THREAD, _RESTORE, _FINISH and CRYO_IOC_REMAP.  This
 * process traces the worker and what it creates, and plays the module:
 * at THREAD and RESTORE it writes each thread's CPU state (FS and GS
 * base, an FPU image with a pattern in the XMM registers, in XSAVE or
 * FXSAVE format) into the stub's structures and lets the call return 0;
 * at FINISH it checks, with every thread stopped there, that each one
 * runs on its stack in the stub region with the FS and GS base and XMM
 * registers it was given, then makes FINISH fail with EXDEV, which the
 * library must report.  At REMAP it checks the layout the library
 * passed, and the stub then sends its /proc/self/maps.
 */

#define TR_MAX		8
#define TR_THREADS	5
/* The fake module's FPU state size: AMX's 11008 and a little more. */
#define TR_FPU_SIZE	12352

struct tr_thread {
	pid_t tid;
	unsigned int index;
	uint64_t rsp;
	bool finishing;
};

struct tracer {
	unsigned int fpu_size;
	bool xsave;
	unsigned char *fpu;		/* our own XSAVE image, a template */
	struct tr_thread th[TR_MAX];
	unsigned int nr;
	unsigned int finishing;
	uint64_t stub_start, stub_len;
	int fails;
	int remaps;
	bool layout_ok;
};

#define TR_CHECK(tr, cond, ...) \
	do { if (!CHECK(cond, __VA_ARGS__)) (tr)->fails++; } while (0)

static bool tr_mem(pid_t pid, uint64_t addr, void *buf, size_t len, bool write)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = write ? pwrite(fd, buf, len, addr) : pread(fd, buf, len, addr);
	close(fd);
	return n == (ssize_t)len;
}

static uint64_t tr_fs(unsigned int index)
{
	return 0x10000000ULL + index * 0x1000;
}

static uint64_t tr_gs(unsigned int index)
{
	return 0x20000000ULL + index * 0x2000;
}

/* XMM register bytes of thread @index: 16 registers of 16 bytes. */
static void tr_xmm(unsigned int index, unsigned char xmm[256])
{
	unsigned int i;

	for (i = 0; i < 256; i++)
		xmm[i] = (unsigned char)(index * 37 + i);
}

/* Odd threads get FXSAVE, the others XSAVE (when the CPU has it). */
static bool tr_uses_xsave(struct tracer *tr, unsigned int index)
{
	return tr->xsave && !(index & 1);
}

/* Fill in @cpu (in the tracee at @cpu_addr) for thread @index. */
static void tr_give_cpu(struct tracer *tr, pid_t pid, uint64_t cpu_addr,
			unsigned int index)
{
	struct cryo_thaw_cpu cpu;
	unsigned char *img = malloc(tr->fpu_size);
	uint64_t bv;

	TR_CHECK(tr, img && tr_mem(pid, cpu_addr, &cpu, sizeof(cpu), false),
		 "traced: read the cpu of thread %u", index);
	TR_CHECK(tr, cpu.fpu && !(cpu.fpu & 63) && !cpu.__reserved,
		 "traced: thread %u's FPU buffer 0x%llx", index,
		 (unsigned long long)cpu.fpu);
	memcpy(img, tr->fpu, tr->fpu_size);
	tr_xmm(index, img + 160);
	if (tr->xsave) {
		memcpy(&bv, img + 512, sizeof(bv));
		bv |= 2;	/* SSE state comes from the buffer */
		memcpy(img + 512, &bv, sizeof(bv));
	}
	cpu.fs_base = tr_fs(index);
	cpu.gs_base = tr_gs(index);
	cpu.fpu_format = tr_uses_xsave(tr, index) ? CRYO_FPU_XSAVE : CRYO_FPU_FXSAVE;
	TR_CHECK(tr, tr_mem(pid, cpu.fpu, img, tr->fpu_size, true) &&
		 tr_mem(pid, cpu_addr, &cpu, sizeof(cpu), true),
		 "traced: write the cpu of thread %u", index);
	free(img);
}

static struct tr_thread *tr_thread(struct tracer *tr, pid_t tid)
{
	unsigned int i;

	for (i = 0; i < tr->nr; i++)
		if (tr->th[i].tid == tid)
			return &tr->th[i];
	if (tr->nr == TR_MAX)
		abort();
	tr->th[tr->nr].tid = tid;
	return &tr->th[tr->nr++];
}

/* Every thread waits in FINISH: check each, then let FINISH fail. */
static void tr_check_finish(struct tracer *tr)
{
	struct user_regs_struct regs;
	unsigned char *xs = malloc(tr->fpu_size), xmm[256];
	struct user_fpregs_struct fp;
	struct iovec iov = { xs, tr->fpu_size };
	struct cryo_thaw_finish fin;
	char path[64], dev[64];
	struct tr_thread *t;
	unsigned int i;
	ssize_t n;

	for (i = 0; i < tr->nr; i++) {
		t = &tr->th[i];
		if (!t->finishing)
			continue;
		TR_CHECK(tr, !ptrace(PTRACE_GETREGS, t->tid, NULL, &regs),
			 "traced: thread %u's registers", t->index);
		TR_CHECK(tr, regs.fs_base == tr_fs(t->index) &&
			 regs.gs_base == tr_gs(t->index),
			 "traced: thread %u's FS/GS base 0x%llx/0x%llx", t->index,
			 regs.fs_base, regs.gs_base);
		TR_CHECK(tr, regs.rsp > tr->stub_start &&
			 regs.rsp < tr->stub_start + tr->stub_len &&
			 t->rsp > tr->stub_start && t->rsp < tr->stub_start + tr->stub_len,
			 "traced: thread %u runs on a stack in the stub region", t->index);
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)t->tid, (int)regs.rdi);
		n = readlink(path, dev, sizeof(dev) - 1);
		dev[n > 0 ? n : 0] = 0;
		TR_CHECK(tr, !strcmp(dev, "/dev/null") && regs.rsi == CRYO_IOC_THAW_FINISH &&
			 tr_mem(t->tid, regs.rdx, &fin, sizeof(fin), false) &&
			 fin.size == sizeof(fin) && !fin.flags,
			 "traced: thread %u's FINISH argument", t->index);
		tr_xmm(t->index, xmm);
		if (tr_uses_xsave(tr, t->index)) {
			TR_CHECK(tr, !ptrace(PTRACE_GETREGSET, t->tid, NT_X86_XSTATE, &iov) &&
				 !memcmp(xs + 160, xmm, sizeof(xmm)),
				 "traced: thread %u's XMM registers (XRSTOR)", t->index);
		} else {
			TR_CHECK(tr, !ptrace(PTRACE_GETFPREGS, t->tid, NULL, &fp) &&
				 !memcmp(fp.xmm_space, xmm, sizeof(xmm)),
				 "traced: thread %u's XMM registers (FXRSTOR)", t->index);
		}
		regs.rax = -EXDEV;
		ptrace(PTRACE_SETREGS, t->tid, NULL, &regs);
	}
	/* The first to go on ends them all (exit_group). */
	for (i = 0; i < tr->nr; i++) {
		if (tr->th[i].finishing)
			ptrace(PTRACE_CONT, tr->th[i].tid, NULL, NULL);
		tr->th[i].finishing = false;
	}
	free(xs);
}

/* A seccomp stop: the worker or its offspring issues a cryo ioctl. */
static void tr_ioctl(struct tracer *tr, pid_t pid)
{
	struct user_regs_struct regs;
	struct tr_thread *t = tr_thread(tr, pid);
	struct cryo_thaw_thread tt;
	struct cryo_thaw_restore r;
	struct cryo_remap rm;

	ptrace(PTRACE_GETREGS, pid, NULL, &regs);
	regs.orig_rax = -1;	/* skip the call: rax is the result */
	regs.rax = 0;
	t->rsp = regs.rsp;
	switch (regs.rsi) {
	case CRYO_IOC_THAW_THREAD:
		TR_CHECK(tr, tr_mem(pid, regs.rdx, &tt, sizeof(tt), false) &&
			 tt.size == sizeof(tt) && tt.index && tt.index < TR_THREADS,
			 "traced: THREAD argument, index %u", tt.index);
		t->index = tt.index;
		tr_give_cpu(tr, pid, regs.rdx + offsetof(struct cryo_thaw_thread, cpu),
			    tt.index);
		break;
	case CRYO_IOC_THAW_RESTORE:
		TR_CHECK(tr, tr_mem(pid, regs.rdx, &r, sizeof(r), false) &&
			 r.size == sizeof(r) && r.nr_pipes == fake_thaw_pipes &&
			 !(r.stub_start & 4095) && r.stub_len && !(r.stub_len & 4095) &&
			 r.exe_fd == -1 && r.cwd_fd == -1,
			 "traced: RESTORE argument");
		tr->stub_start = r.stub_start;
		tr->stub_len = r.stub_len;
		t->index = 0;
		tr_give_cpu(tr, pid, regs.rdx + offsetof(struct cryo_thaw_restore, cpu), 0);
		break;
	case CRYO_IOC_THAW_FINISH:
		t->finishing = true;
		ptrace(PTRACE_SETREGS, pid, NULL, &regs);
		if (++tr->finishing == TR_THREADS)
			tr_check_finish(tr);
		return;		/* stays stopped until all are there */
	case CRYO_IOC_REMAP: {
		struct cryoctl_image *img = NULL;
		struct cryoctl_record rec;
		char path[64];
		int fd, n = 0, ret;

		tr->remaps++;
		TR_CHECK(tr, tr_mem(pid, regs.rdx, &rm, sizeof(rm), false) &&
			 rm.size == sizeof(rm) && !(rm.keep_start & 4095) &&
			 regs.rsp > rm.keep_start && regs.rsp < rm.keep_start + rm.keep_len,
			 "traced: REMAP argument, on the stub's stack");
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, rm.image_fd);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ret = cryoctl_image_open(fd, &img);
		while (!ret && (ret = cryoctl_image_next(img, &rec)) > 0) {
			n += rec.type == CRYO_REC_VMA;
			ret = 0;
		}
		tr->layout_ok = !ret && n == 1 && !cryoctl_image_header(img)->nr_threads;
		cryoctl_image_close(img);
		if (fd >= 0)
			close(fd);
		break;
	}
	default:
		TR_CHECK(tr, 0, "traced: unexpected ioctl 0x%llx", regs.rsi);
		regs.rax = -ENOTTY;
	}
	ptrace(PTRACE_SETREGS, pid, NULL, &regs);
	ptrace(PTRACE_CONT, pid, NULL, NULL);
}

/* The worker: the library under the filter. */
static void __attribute__((noreturn)) tr_worker(struct tracer *tr)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 6),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CRYO_IOC_THAW_THREAD, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CRYO_IOC_THAW_RESTORE, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CRYO_IOC_THAW_FINISH, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CRYO_IOC_REMAP, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { ARRAY_SIZE(f), f };
	struct cryoctl_thaw_result res;
	char *maps = malloc(1 << 20), want[32];
	struct img m = { 0 };
	size_t len = 0, want_len = 0;
	int img, ret;

	failed = 0;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) || raise(SIGSTOP) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		_exit(100);

	reset_fake_thaw();
	fake_dev = open("/dev/null", O_RDWR | O_CLOEXEC);
	fake_thaw_threads = TR_THREADS;
	fake_fpu_size = tr->fpu_size;
	cryoctl_thaw_fake_cpu_fpu_size = tr->fpu_size;
	img = feed("x", 1);
	ret = cryoctl_thaw(fake_dev, img, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	CHECK(ret == -EXDEV && strstr(res.message, "could not finish") &&
	      strstr(res.message, strerror(EXDEV)),
	      "traced: the stub reports FINISH's error: %d '%s'", ret, res.message);
	CHECK(no_children(), "traced: nothing left");
	close(img);

	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x10000000, 0x10004000, CRYO_VMA_READ | CRYO_VMA_WRITE,
		CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_trailer(&m);
	/*
	 * The maps text is this process's, as it is when the library forks:
	 * the two calls below must see one address space.  malloc()'s
	 * dynamic mmap threshold would let the history of earlier tests
	 * (how large a buffer was last freed: it grows with the region,
	 * with the XSAVE size) decide whether the library's buffers come
	 * from the heap, and the heap would grow between the calls.  Fixed
	 * thresholds, and a first call that lets the heap settle, keep it
	 * still.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	img = feed(m.b.p, m.b.len);
	ret = cryoctl_remap_maps(fake_dev, img, maps, 1 << 20, &len);
	CHECK(ret == 0, "traced: a first remap: %d", ret);
	close(img);
	img = feed(m.b.p, m.b.len);
	ret = cryoctl_remap_maps(fake_dev, img, maps, 1 << 20, &len);
	CHECK(ret == 0 && len == strlen(maps) && strstr(maps, "[stack]") &&
	      maps[len - 1] == '\n', "traced: remap sends the maps: %d", ret);
	close(img);
	img = feed(m.b.p, m.b.len);
	ret = cryoctl_remap_maps(fake_dev, img, maps + (1 << 19), 10, &want_len);
	CHECK(ret == -ERANGE && want_len == len, "traced: remap into 10 bytes: %d, %zu",
	      ret, want_len);
	close(img);
	/* The stub region's line is left out: no rwx anonymous mapping. */
	snprintf(want, sizeof(want), " rwxp 00000000 00:00 0 ");
	CHECK(!strstr(maps, want), "traced: the stub's line is left out:\n%s", maps);
	_exit(failed > 99 ? 99 : failed);
}

void test_thaw_traced(void)
{
	struct tracer tr = { 0 };
	unsigned int a, b, c, d;
	int st, ev;
	pid_t w, pid;

	/*
	 * The fake module reports an AMX-sized FPU state (more if this CPU
	 * saves more): the buffers are that large, the CPU's own state
	 * fills their start.
	 */
	tr.fpu_size = TR_FPU_SIZE;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) &&
	    __get_cpuid_count(0xd, 0, &a, &b, &c, &d)) {
		tr.xsave = true;
		if (b > tr.fpu_size)
			tr.fpu_size = b;
	}
	tr.fpu = aligned_alloc(64, (tr.fpu_size + 63) & ~63U);
	memset(tr.fpu, 0, tr.fpu_size);
	/*
	 * Everything but AMX's tile data, which the kernel keeps disabled
	 * (XFD) in a process that did not ask for it: the template must
	 * not depend on how XSAVE treats such a component.
	 */
	if (tr.xsave)
		asm volatile ("xsave64 (%0)" : : "r" (tr.fpu), "a" (~(1U << 18)), "d" (-1)
			      : "memory");
	else
		asm volatile ("fxsave64 (%0)" : : "r" (tr.fpu) : "memory");

	w = fork();
	if (!w)
		tr_worker(&tr);
	if (waitpid(w, &st, 0) != w || !WIFSTOPPED(st) ||
	    ptrace(PTRACE_SETOPTIONS, w, NULL, PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK |
		   PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL)) {
		fprintf(stderr, "SKIP traced stub test: cannot trace a child here\n");
		kill(w, SIGKILL);
		waitpid(w, NULL, 0);
		free(tr.fpu);
		return;
	}
	ptrace(PTRACE_CONT, w, NULL, NULL);
	for (;;) {
		pid = waitpid(-1, &st, __WALL);
		if (pid < 0)
			break;
		if (pid == w && (WIFEXITED(st) || WIFSIGNALED(st)))
			break;
		if (!WIFSTOPPED(st))
			continue;
		ev = st >> 16;
		if (ev == PTRACE_EVENT_SECCOMP)
			tr_ioctl(&tr, pid);
		else if (ev || WSTOPSIG(st) == SIGSTOP)
			ptrace(PTRACE_CONT, pid, NULL, NULL);
		else
			ptrace(PTRACE_CONT, pid, NULL, (void *)(long)WSTOPSIG(st));
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 100) {
		fprintf(stderr, "SKIP traced stub test: no ptrace or seccomp here\n");
		free(tr.fpu);
		return;
	}
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "traced: the worker's checks: status 0x%x", st);
	CHECK(tr.nr >= TR_THREADS && !tr.fails, "traced: %u threads seen, %d failures",
	      tr.nr, tr.fails);
	CHECK(tr.remaps == 3 && tr.layout_ok, "traced: %d remaps, layout ok %d", tr.remaps,
	      tr.layout_ok);
	free(tr.fpu);
}
