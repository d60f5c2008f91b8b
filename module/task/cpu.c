// SPDX-License-Identifier: GPL-2.0
/*
 * Registers, FPU state and the per-thread and per-process kernel state a
 * thaw gives back: checking them when the image is read, and writing them
 * into the new process.
 *
 * The general registers are written into task_pt_regs() by each thread
 * itself, in a task_work that runs after its last ioctl stored its return
 * value (see thaw.c), sanitised as ptrace's putreg() would: user segments,
 * user-settable flags only.  The FPU state is loaded by the thread's stub
 * with XRSTOR or FXRSTOR; here it is only checked, so that the load
 * cannot fault, and handed out.
 */
#include "cryo.h"

#include <linux/cred.h>
#include <linux/elf.h>
#include <linux/futex.h>
#include <linux/pid_namespace.h>
#include <linux/regset.h>
#include <linux/fs_struct.h>
#include <linux/sched/coredump.h>
#include <linux/hrtimer.h>
#include <linux/overflow.h>
#include <linux/personality.h>
#include <linux/rseq.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/segment.h>
#include <asm/cpufeature.h>

#include "freezing.h"
#include "thawing.h"
#include "image/record.h"
#include "task/task.h"

/*
 * The MXCSR bits this CPU accepts.  Exported, but declared only in the
 * kernel's private arch/x86/kernel/fpu/internal.h.
 */
extern unsigned int mxcsr_feature_mask;

/* The flags a user may set (ptrace's FLAG_MASK without TF and RF). */
#define CRYO_USER_EFLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_DF | \
				 X86_EFLAGS_OF | X86_EFLAGS_AC)

/* Offsets in the FXSAVE/XSAVE area (Intel SDM vol. 1, 10.5 and 13.4). */
#define FX_MXCSR	24
#define XS_HEADER	512
#define XS_HEADER_LEN	64

/*
 * Would XRSTOR/FXRSTOR of this area fault?  -EDOM if so.  -EOPNOTSUPP for
 * AMX tile data (a dynamically enabled feature): the stub's XRSTOR of it
 * traps (#NM) in a process without the permission ARCH_REQ_XCOMP_PERM
 * grants, and the kernel kills the process with SIGILL -- after the
 * point of no return.  A freeze refuses such a process (freeze.c); this
 * catches an image that holds the state anyway.
 */
static int cryo_check_fpu(struct cryo_thawing *t, const u8 *fpu)
{
	u32 mxcsr;
	u64 bv, comp;

	memcpy(&mxcsr, fpu + FX_MXCSR, sizeof(mxcsr));
	if (mxcsr & ~mxcsr_feature_mask)
		return -EDOM;
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return 0;
	memcpy(&bv, fpu + XS_HEADER, sizeof(bv));
	memcpy(&comp, fpu + XS_HEADER + 8, sizeof(comp));
	/* The standard format, features this CPU has enabled, no junk. */
	if (comp || (bv & ~xgetbv(XCR_XFEATURE_ENABLED_MASK)) ||
	    memchr_inv(fpu + XS_HEADER + 16, 0, XS_HEADER_LEN - 16))
		return -EDOM;
	if (bv & XFEATURE_MASK_USER_DYNAMIC)
		return -EOPNOTSUPP;
	return 0;
}

static int cryo_cpu_check(struct cryo_thawing *t, struct cryo_thawing_thread *th)
{
	const struct cryo_image_thread *r = &th->rec;
	const u64 *g = r->regs;
	u32 want = boot_cpu_has(X86_FEATURE_XSAVE) ? CRYO_FPU_XSAVE :
						     CRYO_FPU_FXSAVE;
	long ax = (long)g[CRYO_REG_RAX];
	u64 sas_end;

	if (r->tid <= 0 || r->fpu_format != want ||
	    r->fpu_size != t->hdr.fpu_size)
		return -EINVAL;
	if (g[CRYO_REG_CS] != __USER_CS || g[CRYO_REG_SS] != __USER_DS ||
	    !cryo_user_addr(g[CRYO_REG_RIP]) || !cryo_user_addr(g[CRYO_REG_RSP]) ||
	    !cryo_user_addr(r->fs_base) || !cryo_user_addr(r->gs_base))
		return -EINVAL;
	switch (r->restart) {
	case CRYO_RESTART_NONE:
		break;
	case CRYO_RESTART_SYSCALL:
		if (ax != -ERESTARTSYS && ax != -ERESTARTNOINTR &&
		    ax != -ERESTARTNOHAND)
			return -EINVAL;
		fallthrough;
	case CRYO_RESTART_BLOCK:
		if (g[CRYO_REG_ORIG_RAX] >= 1024 ||
		    (r->restart == CRYO_RESTART_BLOCK &&
		     ax != -ERESTART_RESTARTBLOCK))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	/* The whole altstack in user space: its end must not wrap around. */
	if (r->sas_flags != SS_DISABLE &&
	    ((r->sas_flags & ~SS_FLAG_BITS) || r->sas_size > TASK_SIZE_MAX ||
	     check_add_overflow(r->sas_sp, r->sas_size, &sas_end) ||
	     !cryo_user_addr(r->sas_sp) || sas_end > TASK_SIZE_MAX))
		return -EINVAL;
	if (!cryo_user_addr(r->clear_child_tid) ||
	    !cryo_user_addr(r->robust_list) ||
	    (r->robust_list && r->robust_list_len != 3 * sizeof(u64)))
		return -EINVAL;
	if (r->rseq && (!cryo_user_addr(r->rseq) || !IS_ALIGNED(r->rseq, 32) ||
			r->rseq_len < 32 || r->rseq_len > PAGE_SIZE ||
			(!CRYO_SINCE(6, 3) && r->rseq_len != 32)))
		return -EINVAL;
	return cryo_check_fpu(t, th->fpu);
}

/* What a thread's stub loads itself: FS/GS base and the FPU state. */
int cryo_cpu_out(struct cryo_thawing *t, struct cryo_thawing_thread *th,
		 struct cryo_thaw_cpu *cpu)
{
	void __user *fpu = u64_to_user_ptr(cpu->fpu);
	int ret;

	if (!IS_ALIGNED(cpu->fpu, 64) || !cpu->fpu)
		return cryo_thaw_fail(t, -EINVAL,
				      "thread %d: FPU buffer not 64-byte aligned",
				      th->rec.tid);
	if (copy_to_user(fpu, th->fpu, t->hdr.fpu_size))
		return cryo_thaw_fail(t, -EFAULT, "thread %d: bad FPU buffer",
				      th->rec.tid);
	/* The memory is back: the remaining timeout can be written. */
	ret = cryo_sleep_out(t, th);
	if (ret)
		return ret;
	cpu->fs_base = th->rec.fs_base;
	cpu->gs_base = th->rec.gs_base;
	cpu->fpu_format = th->rec.fpu_format;
	return 0;
}

/*
 * Runs in the thread itself, last thing before it leaves the kernel for
 * the image's registers.
 */
void cryo_cpu_restore(struct cryo_thawing *t, struct cryo_thawing_thread *th)
{
	const struct cryo_image_thread *r = &th->rec;
	struct pt_regs *regs = task_pt_regs(current);
	const u64 *g = r->regs;

	cryo_creds_apply(t);
	cryo_sched_restore(th);
	if (th == t->threads)
		cryo_proc_restore_leader(t);
	/* Per thread in the kernel; the image has the process's only. */
	current->personality = t->proc.personality;
	task_lock(current);
	strscpy_pad(current->comm, t->proc.comm, sizeof(current->comm));
	task_unlock(current);
	current->sas_ss_sp = r->sas_flags == SS_DISABLE ? 0 : r->sas_sp;
	current->sas_ss_size = r->sas_flags == SS_DISABLE ? 0 : r->sas_size;
	current->sas_ss_flags = r->sas_flags == SS_DISABLE ? SS_DISABLE :
							     r->sas_flags;
	current->clear_child_tid = u64_to_user_ptr(r->clear_child_tid);
#ifdef CONFIG_FUTEX
	current->robust_list = u64_to_user_ptr(r->robust_list);
#endif
#ifdef CONFIG_RSEQ
	if (r->rseq) {
		current->rseq = u64_to_user_ptr(r->rseq);
		current->rseq_sig = r->rseq_sig;
#if CRYO_SINCE(6, 3)
		current->rseq_len = r->rseq_len;
#endif
		/* The kernel fills in cpu_id before user space runs. */
		rseq_set_notify_resume(current);
	}
#endif

	regs->r15 = g[CRYO_REG_R15];
	regs->r14 = g[CRYO_REG_R14];
	regs->r13 = g[CRYO_REG_R13];
	regs->r12 = g[CRYO_REG_R12];
	regs->bp = g[CRYO_REG_RBP];
	regs->bx = g[CRYO_REG_RBX];
	regs->r11 = g[CRYO_REG_R11];
	regs->r10 = g[CRYO_REG_R10];
	regs->r9 = g[CRYO_REG_R9];
	regs->r8 = g[CRYO_REG_R8];
	regs->cx = g[CRYO_REG_RCX];
	regs->dx = g[CRYO_REG_RDX];
	regs->si = g[CRYO_REG_RSI];
	regs->di = g[CRYO_REG_RDI];
	regs->ip = g[CRYO_REG_RIP];
	regs->sp = g[CRYO_REG_RSP];
	regs->flags = (regs->flags & ~CRYO_USER_EFLAGS) |
		      (g[CRYO_REG_EFLAGS] & CRYO_USER_EFLAGS);
	/*
	 * The signal code on our way out restarts the interrupted call from
	 * orig_ax and the -ERESTART* code in ax, as for any thread.  A
	 * restart block does not survive: the call is made again, with the
	 * time it had left when the image has it (task/sleep.c).
	 */
	switch (r->restart) {
	case CRYO_RESTART_SYSCALL:
		regs->orig_ax = g[CRYO_REG_ORIG_RAX];
		regs->ax = g[CRYO_REG_RAX];
		break;
	case CRYO_RESTART_BLOCK:
		regs->orig_ax = g[CRYO_REG_ORIG_RAX];
		regs->ax = -ERESTARTNOHAND;
		cryo_sleep_restore(th, regs);
		break;
	default:
		regs->orig_ax = -1;
		regs->ax = g[CRYO_REG_RAX];
		break;
	}

	cryo_signals_restore_thread(th);
}

/*
 * The THREAD record's length before its FPU state, in each minor version,
 * 2.0 on.  A freeze writes this module's minor version's: a field is
 * saved only once its version is.
 */
static const size_t thread_sizes[] = {
	CRYO_IMAGE_THREAD_SIZE_2_0, CRYO_IMAGE_THREAD_SIZE_2_0,
	CRYO_IMAGE_THREAD_SIZE_2_0, CRYO_IMAGE_THREAD_SIZE_2_0,
	CRYO_IMAGE_THREAD_SIZE_2_0, CRYO_IMAGE_THREAD_SIZE_2_0,
	CRYO_IMAGE_THREAD_SIZE_2_0, sizeof(struct cryo_image_thread),
	sizeof(struct cryo_image_thread),
	sizeof(struct cryo_image_thread),
};

static_assert(ARRAY_SIZE(thread_sizes) == CRYO_IMAGE_MINOR + 1);

/* Does this module's image hold the 2.7 scheduling fields? */
bool cryo_cpu_saves_sched(void)
{
	return thread_sizes[CRYO_IMAGE_MINOR] == sizeof(struct cryo_image_thread);
}

/* Emit the next thread that parked; false when there is none left. */
bool cryo_cpu_save(struct cryo_image *img)
{
	struct cryo_park *park = img->m->park;
	struct cryo_image_thread *r;

	/* A thread's SLEEP record follows its THREAD record. */
	if (img->sleep_due) {
		struct cryo_thread *th = park->threads[img->thread_idx - 1];

		img->sleep_due = false;
		if (cryo_sleep_save(img, th,
				    task_pid_nr_ns(th->task,
						   task_active_pid_ns(current))))
			return true;
	}
	while (img->thread_idx < park->nr_threads) {
		struct cryo_thread *th = park->threads[img->thread_idx++];

		if (!cryo_thread_imaged(th))
			continue;
		size_t len = thread_sizes[CRYO_IMAGE_MINOR];

		r = cryo_record_start(img, CRYO_REC_THREAD,
				      len + park->fpu_size);
		memcpy(r, &th->rec, len);
		/* In the freezer's pid namespace, as the PROCESS record. */
		r->tid = task_pid_nr_ns(th->task, task_active_pid_ns(current));
		memcpy((u8 *)r + len, th->fpu, park->fpu_size);
		cryo_record_finish(img);
		img->sleep_due = th->sleep.kind;
		return true;
	}
	return false;
}

int cryo_cpu_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	size_t want = thread_sizes[min_t(unsigned int, t->hdr.minor,
					 CRYO_IMAGE_MINOR)] + t->hdr.fpu_size;
	struct cryo_thawing_thread *th;
	size_t len;
	unsigned int i;
	int ret;

	if (t->nr_threads >= t->hdr.nr_threads)
		return cryo_bad(t, rec, "more threads than the header's %u",
				t->hdr.nr_threads);
	/* A newer minor version may have grown it: the FPU state is last. */
	if (t->hdr.minor <= CRYO_IMAGE_MINOR ? rec->len != want : rec->len < want)
		return cryo_bad(t, rec, "length %u, expected %zu", rec->len, want);
	len = rec->len - t->hdr.fpu_size;
	th = &t->threads[t->nr_threads];
	memcpy(&th->rec, t->in->buf, min(len, sizeof(th->rec)));
	th->sched_ext = len >= sizeof(th->rec);
	/* Reserved, and 0, before 2.8. */
	th->ioprio_ext = th->sched_ext && t->hdr.minor >= 8;
	th->fpu = kvmalloc(t->hdr.fpu_size, GFP_KERNEL_ACCOUNT);
	if (!th->fpu)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	memcpy(th->fpu, t->in->buf + len, t->hdr.fpu_size);
	/* Count it now so that it is freed whatever happens next. */
	t->nr_threads++;
	for (i = 0; i + 1 < t->nr_threads; i++)
		if (t->threads[i].rec.tid == th->rec.tid)
			return cryo_bad(t, rec, "thread id %d twice",
					th->rec.tid);
	ret = cryo_cpu_check(t, th);
	if (ret == -EOPNOTSUPP)
		return cryo_thaw_fail(t, ret,
				      "thread %d: AMX tile state, which cryo cannot restore",
				      th->rec.tid);
	if (ret)
		return cryo_bad(t, rec, "thread %d: invalid %s", th->rec.tid,
				ret == -EDOM ? "FPU state" : "registers or state");
	if (cryo_sched_load(th))
		return cryo_bad(t, rec,
				"thread %d: policy %u, flags %#x, nice %d, priority %u or affinity",
				th->rec.tid, th->rec.sched_policy,
				th->rec.sched_flags, th->rec.nice,
				th->rec.rt_priority);
	return 0;
}

/* Kernel-internal restart codes, see include/linux/errno.h. */
static u32 cryo_restart_state(struct pt_regs *regs)
{
	if ((long)regs->orig_ax < 0)
		return CRYO_RESTART_NONE;
	switch (regs->ax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		return CRYO_RESTART_SYSCALL;
	case -ERESTART_RESTARTBLOCK:
		return CRYO_RESTART_BLOCK;
	default:
		return CRYO_RESTART_NONE;
	}
}

static const struct user_regset *cryo_regset(unsigned int note)
{
	const struct user_regset_view *view = task_user_regset_view(current);
	unsigned int i;

	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == note)
			return &view->regsets[i];
	return NULL;
}

/*
 * The FPU state this machine saves per thread: the XSAVE area in the
 * ptrace layout where the CPU has XSAVE, the FXSAVE area otherwise.
 */
int cryo_cpu_fpu_layout(unsigned int *note, unsigned int *size)
{
	const struct user_regset *rs;

	*note = boot_cpu_has(X86_FEATURE_XSAVE) ? NT_X86_XSTATE : NT_PRFPREG;
	rs = cryo_regset(*note);
	if (!rs)
		return -ENODEV;
	*size = rs->n * rs->size;
	return 0;
}

/*
 * Does the thread group of @leader have permission for a dynamically
 * enabled XSAVE feature (AMX's tile data, arch_prctl(ARCH_REQ_XCOMP_PERM))?
 * A thaw could not give it back: the restored process would get SIGILL
 * at its next AMX instruction, or at the stub's XRSTOR of its tile
 * state.  The permission lives in the group leader's fpu; the kernel's
 * own quick checks (xstate_get_group_perm()) read it unlocked, as here.
 * With the group parked nobody can change it.
 */
bool cryo_cpu_fpu_dynamic(struct task_struct *leader)
{
	return READ_ONCE(leader->thread.fpu.perm.__state_perm) &
	       XFEATURE_MASK_USER_DYNAMIC;
}

/* The user-visible XSAVE features of this CPU, as the image header has. */
u64 cryo_cpu_xfeatures(void)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return 0;
	return cpuid_eax(0xd) | ((u64)cpuid_edx(0xd) << 32);
}

/* Runs in the target thread: save what a thaw needs of it. */
int cryo_cpu_capture(struct cryo_thread *th)
{
	struct cryo_image_thread *r = &th->rec;
	const struct user_regset *rs;
	struct pt_regs *regs = task_pt_regs(current);
	int ret;

	/*
	 * The image format describes 64-bit threads only.  Asked here, of
	 * current: the view reads the user registers on the task's stack,
	 * and the freezer's leader may have exited meanwhile (an exec from
	 * another thread releases it), its stack freed.
	 */
	if (!(current->flags & (PF_IO_WORKER | CRYO_PF_USER_WORKER)) &&
	    task_user_regset_view(current)->e_machine != EM_X86_64)
		return -EOPNOTSUPP;
	r->restart = cryo_restart_state(regs);

	rs = cryo_regset(NT_PRSTATUS);
	if (!rs)
		return -ENODEV;
	ret = regset_get(current, rs, sizeof(r->regs), r->regs);
	if (ret < 0)
		return ret;
	/* struct user_regs_struct: fs_base and gs_base are words 21, 22. */
	r->fs_base = r->regs[CRYO_REG_FS_BASE];
	r->gs_base = r->regs[CRYO_REG_GS_BASE];

	rs = cryo_regset(th->park->fpu_note);
	if (!rs)
		return -ENODEV;
	ret = regset_get(current, rs, th->park->fpu_size, th->fpu);
	if (ret < 0)
		return ret;
	r->fpu_format = th->park->fpu_note == NT_X86_XSTATE ?
			CRYO_FPU_XSAVE : CRYO_FPU_FXSAVE;
	r->fpu_size = th->park->fpu_size;

	cryo_signals_capture(r);
	r->sas_sp = current->sas_ss_sp;
	r->sas_size = current->sas_ss_size;
	r->sas_flags = current->sas_ss_size ? current->sas_ss_flags : SS_DISABLE;
	r->clear_child_tid = (unsigned long)current->clear_child_tid;
#ifdef CONFIG_FUTEX
	r->robust_list = (unsigned long)current->robust_list;
	r->robust_list_len = current->robust_list ?
			     sizeof(struct robust_list_head) : 0;
#endif
#ifdef CONFIG_RSEQ
	r->rseq = (unsigned long)current->rseq;
	r->rseq_sig = current->rseq_sig;
#endif
	r->rseq_len = cryo_rseq_len(current);
	cryo_sched_capture(r);
	cryo_sleep_capture(th);
	return 0;
}

/*
 * After the HEADER: its FPU format must be this CPU's, or the threads'
 * states could not be loaded; room for the THREAD records to come.
 */
int cryo_cpu_load_header(struct cryo_thawing *t)
{
	const struct cryo_image_header *h = &t->hdr;
	unsigned int note, fpu_size;
	int ret;

	ret = cryo_cpu_fpu_layout(&note, &fpu_size);
	if (ret)
		return cryo_thaw_fail(t, ret, "no FPU register set");
	if (h->fpu_size != fpu_size || (h->xfeatures & ~cryo_cpu_xfeatures()))
		return cryo_thaw_fail(t, -EPROTO,
				      "record 0 (HEADER): FPU state of %u bytes, features %#llx; this CPU has %u bytes, %#llx",
				      h->fpu_size, h->xfeatures, fpu_size,
				      cryo_cpu_xfeatures());
	t->threads = kvcalloc(h->nr_threads, sizeof(*t->threads),
			      GFP_KERNEL_ACCOUNT);
	if (!t->threads)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	return 0;
}

/* The thaw is over: the THREAD records and the threads they were for. */
void cryo_cpu_release(struct cryo_thawing *t)
{
	unsigned int i;

	for (i = 0; t->threads && i < t->hdr.nr_threads; i++) {
		if (t->threads[i].task)
			put_task_struct(t->threads[i].task);
		kvfree(t->threads[i].fpu);
		cryo_sched_release(&t->threads[i]);
	}
	kvfree(t->threads);
}
