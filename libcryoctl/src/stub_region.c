// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The stub region: where the stub runs from in a thaw's process R, and in
 * remap's child.  Its layout, its size, what the library writes into it,
 * mapping it.
 *
 * The stub region is one anonymous RWX mapping:
 *
 *	code (the stub, cryoctl_stub_code)
 *	struct stub_args
 *	struct stub_thread [nr_threads]	threads[0] is the leader's
 *	__s32 tids[nr_threads]
 *	__s32 pipes[2 * nr_pipes]
 *	__s32 objects[nr_objects]	the objects' fds (thaw_objects.c)
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
#include <cpuid.h>
#include <endian.h>
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "internal.h"
#include "stub.h"
#include "thaw.h"

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ		51
#endif
/* A signal frame beyond its FPU state: siginfo, ucontext, alignment. */
#define THAW_SIGFRAME_EXTRA	2048

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

int image_peek_header(int image_fd, struct cryo_image_header *h)
{
	struct {
		struct cryo_rec rec;
		struct cryo_image_header h;
	} __attribute__((packed)) hd;
	off_t pos;

	pos = lseek(image_fd, 0, SEEK_CUR);
	if (pos < 0 || pread(image_fd, &hd, sizeof(hd), pos) != sizeof(hd))
		return -1;
	if (le32toh(hd.rec.type) != CRYO_REC_HEADER ||
	    memcmp(hd.h.magic, CRYO_IMAGE_MAGIC, sizeof(hd.h.magic)))
		return -1;
	memcpy(h, &hd.h, sizeof(*h));
	return 0;
}

/*
 * The image's HEADER when the image is a file we can pread() without
 * moving it, else the defaults.
 */
void region_estimate(int image_fd, size_t *nr_threads, size_t *fpu_size)
{
	struct cryo_image_header h;

	*nr_threads = THAW_PIPE_THREADS;
	*fpu_size = cpu_fpu_size();
	if (image_peek_header(image_fd, &h))
		return;
	/* A bogus header is the module's to refuse; it must only fit. */
	if (le32toh(h.nr_threads) >= 1 && le32toh(h.nr_threads) <= THAW_TIDS_MAX)
		*nr_threads = le32toh(h.nr_threads);
	if (le32toh(h.fpu_size) > *fpu_size &&
	    le32toh(h.fpu_size) <= 1024 * 1024)
		*fpu_size = le32toh(h.fpu_size);
}

/* @ns as struct timespec's two longs (sec, nsec). */
static void ts_of(__s64 *ts, uint64_t ns)
{
	ts[0] = (int64_t)(ns / 1000000000ULL);
	ts[1] = (int64_t)(ns % 1000000000ULL);
}

/* @ns as struct timeval's (sec, usec), rounded up: never disarm by it. */
static void tv_of(__s64 *tv, uint64_t ns)
{
	ns = (ns + 999) / 1000 * 1000;
	tv[0] = (int64_t)(ns / 1000000000ULL);
	tv[1] = (int64_t)(ns % 1000000000ULL / 1000);
}

/*
 * The member's POSIX timers and CPU itimers (CRYO_IOC_THAW_TIMERS), as
 * the stub makes and arms them.  A module before ABI 1.13 has none to
 * give (it refused them at the freeze): ENOTTY leaves none.  Any other
 * failure leaves none too, and the module's check in
 * CRYO_IOC_THAW_RESTORE then fails the thaw, naming what is missing.
 * Called in a member's process too: nothing allocated.
 */
static void region_timers(struct thaw_ctx *c, struct stub_args *a)
{
	struct cryo_thaw_timer tm[CRYO_IMAGE_MAX_POSIX_TIMERS];
	struct cryo_thaw_timers q = {
		.size = sizeof(q),
		.member = c->t.member,
		.timers = (uintptr_t)tm,
		.timers_len = CRYO_IMAGE_MAX_POSIX_TIMERS,
	};
	unsigned int i;

	a->nr_timers = 0;
	if (ioctl(c->devfd, CRYO_IOC_THAW_TIMERS, &q) < 0 ||
	    q.nr_timers > CRYO_IMAGE_MAX_POSIX_TIMERS)
		return;
	for (i = 0; i < q.nr_timers; i++) {
		struct stub_timer *w = &a->timers[i];

		memset(w, 0, sizeof(*w));
		w->id = tm[i].id;
		w->clock = tm[i].clock;
		w->thread = tm[i].thread < c->t.nr_threads ? tm[i].thread : 0;
		ts_of(&w->it[0], tm[i].interval_ns);
		ts_of(&w->it[2], tm[i].value_ns);
		w->sev.value = tm[i].value;
		w->sev.signo = tm[i].signo;
		w->sev.notify = tm[i].notify;
	}
	a->nr_timers = q.nr_timers;
	tv_of(&a->prof[0], q.prof_interval_ns);
	tv_of(&a->prof[2], q.prof_value_ns);
	tv_of(&a->virt[0], q.virt_interval_ns);
	tv_of(&a->virt[2], q.virt_value_ns);
}

/* A thaw's region, for the address the module chose, c->t.stub_addr. */
void region_build_thaw(struct thaw_ctx *c)
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
	/* None for a module before ABI 1.12, which must see zeros here. */
	if (c->nr_objects) {
		a->restore.objects = base + r->pipes +
				     2 * c->nr_pipes * sizeof(__s32);
		a->restore.nr_objects = c->nr_objects;
	}
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
	if (c->nr_objects)
		memcpy(c->init + r->pipes + 2 * c->nr_pipes * sizeof(__s32),
		       c->obj_fds, c->nr_objects * sizeof(__s32));
	region_timers(c, a);
}

int region_map(uint64_t base, size_t len, void **p)
{
	*p = mmap((void *)(uintptr_t)base, len, PROT_READ | PROT_WRITE | PROT_EXEC,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE,
		  -1, 0);
	if (*p == MAP_FAILED)
		return -errno;
	/* A kernel without MAP_FIXED_NOREPLACE took it as a hint. */
	if ((uintptr_t)*p != base)
		return -EEXIST;
	return 0;
}

unsigned char *region_build_remap(const struct cryoctl_region *r, uint64_t base,
				  int devfd, int layout_fd, int result_fd)
{
	unsigned char *init = calloc(1, r->init_len);
	struct stub_args *a;

	if (!init)
		return NULL;
	memcpy(init, cryoctl_stub_code, cryoctl_stub_code_len);
	a = (struct stub_args *)(init + r->args);
	a->devfd = devfd;
	a->status_fd = -1;
	a->stack_top = base + r->stacks + r->stack_size;
	a->remap.size = sizeof(a->remap);
	a->remap.image_fd = layout_fd;
	a->remap.keep_start = base;
	a->remap.keep_len = r->len;
	a->buf = base + r->buf;
	a->buf_len = r->buf_len;
	snprintf(a->maps_path, sizeof(a->maps_path), "/proc/self/maps");
	a->result_fd = result_fd;
	return init;
}
