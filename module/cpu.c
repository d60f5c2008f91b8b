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

#include "thaw.h"

/* The flags a user may set (ptrace's FLAG_MASK without TF and RF). */
#define CRYO_USER_EFLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_DF | \
				 X86_EFLAGS_OF | X86_EFLAGS_AC)

#define CRYO_SA_KNOWN	(SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | \
			 SA_ONSTACK | SA_RESTART | SA_NODEFER | \
			 SA_RESETHAND | SA_RESTORER | SA_EXPOSE_TAGBITS)

#define CRYO_UNBLOCKABLE	(sigmask(SIGKILL) | sigmask(SIGSTOP))

/* Offsets in the FXSAVE/XSAVE area (Intel SDM vol. 1, 10.5 and 13.4). */
#define FX_MXCSR	24
#define XS_HEADER	512
#define XS_HEADER_LEN	64

static bool cryo_user_addr(u64 a)
{
	return a < TASK_SIZE_MAX;
}

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

int cryo_check_thread(struct cryo_thawing *t, struct cryo_thawing_thread *th)
{
	const struct cryo_image_thread *r = &th->rec;
	const u64 *g = r->regs;
	u32 want = boot_cpu_has(X86_FEATURE_XSAVE) ? CRYO_FPU_XSAVE :
						     CRYO_FPU_FXSAVE;
	long ax = (long)g[CRYO_REG_RAX];
	u64 sas_end;

	if (r->tid <= 0 || r->__reserved || r->fpu_format != want ||
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

	if (!IS_ALIGNED(cpu->fpu, 64) || !cpu->fpu)
		return cryo_thaw_fail(t, -EINVAL,
				      "thread %d: FPU buffer not 64-byte aligned",
				      th->rec.tid);
	if (copy_to_user(fpu, th->fpu, t->hdr.fpu_size))
		return cryo_thaw_fail(t, -EFAULT, "thread %d: bad FPU buffer",
				      th->rec.tid);
	cpu->fs_base = th->rec.fs_base;
	cpu->gs_base = th->rec.gs_base;
	cpu->fpu_format = th->rec.fpu_format;
	return 0;
}

/*
 * Runs in the thread itself, last thing before it leaves the kernel for
 * the image's registers.
 */
void cryo_thread_apply(struct cryo_thawing *t, struct cryo_thawing_thread *th)
{
	const struct cryo_image_thread *r = &th->rec;
	struct pt_regs *regs = task_pt_regs(current);
	const u64 *g = r->regs;
	sigset_t set;
	int sig;

	cryo_creds_apply(t);
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
	 * restart block does not survive: the call is made again.
	 */
	switch (r->restart) {
	case CRYO_RESTART_SYSCALL:
		regs->orig_ax = g[CRYO_REG_ORIG_RAX];
		regs->ax = g[CRYO_REG_RAX];
		break;
	case CRYO_RESTART_BLOCK:
		regs->orig_ax = g[CRYO_REG_ORIG_RAX];
		regs->ax = -ERESTARTNOHAND;
		break;
	default:
		regs->orig_ax = -1;
		regs->ax = g[CRYO_REG_RAX];
		break;
	}

	siginitset(&set, r->blocked & ~CRYO_UNBLOCKABLE);
	sigprocmask(SIG_SETMASK, &set, NULL);
	/* Thread-directed signals pending at the freeze (their siginfo is lost). */
	for (sig = 1; sig <= 64; sig++)
		if ((r->pending & ~CRYO_UNBLOCKABLE) & (1ULL << (sig - 1)))
			send_sig_info(sig, SEND_SIG_PRIV, current);
}

int cryo_check_signals(struct cryo_thawing *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->sig.action); i++) {
		const struct cryo_image_sigaction *a = &t->sig.action[i];
		int sig = i + 1;

		if ((sig == SIGKILL || sig == SIGSTOP) && a->handler)
			return -EINVAL;
		if (!cryo_user_addr(a->handler) || !cryo_user_addr(a->restorer) ||
		    (a->flags & ~(u64)CRYO_SA_KNOWN))
			return -EINVAL;
	}
	/* Ten years at most: nothing sane arms a timer for longer. */
	if (t->sig.real_value_ns > 10ULL * 365 * 86400 * NSEC_PER_SEC ||
	    t->sig.real_interval_ns > 10ULL * 365 * 86400 * NSEC_PER_SEC)
		return -EINVAL;
	return 0;
}

/*
 * A thread of a group on its way out must have SIGKILL pending: that is
 * what ends its killable waits and, on its way to user mode, takes it to
 * do_exit().  The group exit put it there, but a flush may have taken it
 * away again, and a new SIGKILL is refused while the group exits.  Not
 * for a thread already in do_exit(), which dequeued it on purpose.
 */
void cryo_keep_sigkill(void)
{
	/* Our own sighand only changes in our own exec. */
	struct sighand_struct *sighand =
		rcu_dereference_protected(current->sighand, 1);

	if (current->flags & PF_EXITING)
		return;
	spin_lock_irq(&sighand->siglock);
	if (cryo_group_exiting(current)) {
		sigaddset(&current->pending.signal, SIGKILL);
		set_tsk_thread_flag(current, TIF_SIGPENDING);
	}
	spin_unlock_irq(&sighand->siglock);
}

/*
 * Drop the signals R had pending: they were sent to the thawing program,
 * not to the image's process.  A SIGKILL stays: a group exit that began
 * during the restore has already taken the other threads down, and the
 * leader must go too, or it waits for them for ever.  flush_signals()
 * and the group exit both run under the siglock: a SIGKILL it discarded
 * is seen here as the group exiting.
 */
static void cryo_flush_signals(void)
{
	flush_signals(current);
	cryo_keep_sigkill();
}

/* The leader, after the mappings: mm fields, dispositions, and the rest. */
void cryo_process_apply(struct cryo_thawing *t)
{
	const struct cryo_image_process *p = &t->proc;
	struct mm_struct *mm = current->mm;
	/* Our own sighand only changes in our own exec. */
	struct sighand_struct *sighand =
		rcu_dereference_protected(current->sighand, 1);
	unsigned int i;

	mmap_write_lock(mm);
	mm->start_code = p->start_code;
	mm->end_code = p->end_code;
	mm->start_data = p->start_data;
	mm->end_data = p->end_data;
	mm->start_brk = p->start_brk;
	mm->brk = p->brk;
	mm->start_stack = p->start_stack;
	spin_lock(&mm->arg_lock);
	mm->arg_start = p->arg_start;
	mm->arg_end = p->arg_end;
	mm->env_start = p->env_start;
	mm->env_end = p->env_end;
	spin_unlock(&mm->arg_lock);
	memset(mm->saved_auxv, 0, sizeof(mm->saved_auxv));
	memcpy(mm->saved_auxv, t->auxv, t->auxv_len);
	mmap_write_unlock(mm);

	/* Whatever the caller had pending or set up is not the image's. */
	cryo_flush_signals();
	spin_lock_irq(&sighand->siglock);
	for (i = 0; i < ARRAY_SIZE(t->sig.action); i++) {
		const struct cryo_image_sigaction *a = &t->sig.action[i];
		struct k_sigaction *k = &sighand->action[i];

		k->sa.sa_handler = (__sighandler_t)u64_to_user_ptr(a->handler);
		k->sa.sa_flags = a->flags;
		k->sa.sa_restorer = (__sigrestore_t)u64_to_user_ptr(a->restorer);
		siginitset(&k->sa.sa_mask, a->mask & ~CRYO_UNBLOCKABLE);
	}
	spin_unlock_irq(&sighand->siglock);

	current->fs->umask = p->umask;
}

/* The last thread, once the fds are in: the timer and shared signals. */
void cryo_signals_final(struct cryo_thawing *t)
{
	struct signal_struct *sig = current->signal;
	struct sighand_struct *sighand =
		rcu_dereference_protected(current->sighand, 1);
	u64 pending = t->threads[0].rec.shared_pending & ~CRYO_UNBLOCKABLE;
	int s;

	if (t->sig.real_value_ns) {
		spin_lock_irq(&sighand->siglock);
		sig->it_real_incr = ns_to_ktime(t->sig.real_interval_ns);
		hrtimer_start(&sig->real_timer,
			      ns_to_ktime(t->sig.real_value_ns),
			      HRTIMER_MODE_REL);
		spin_unlock_irq(&sighand->siglock);
	}
	for (s = 1; s <= 64; s++)
		if (pending & (1ULL << (s - 1)))
			kill_pid(task_tgid(current), s, 1);
}
