// SPDX-License-Identifier: GPL-2.0
/*
 * Who may freeze whom: the ptrace attach rule, rebuilt in one place from
 * exported helpers because ptrace_may_access() is not exported.
 *
 * The caller needs the same uid as every uid of the target and the same
 * gid as every gid of it, or CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN over
 * the target's user namespace; and the target must be dumpable (not
 * setuid, not PR_SET_DUMPABLE 0) unless the caller has that capability
 * over the namespace the target's mm belongs to -- as __ptrace_may_access()
 * decides.  LSM hooks such as Yama's
 * ptrace_scope are not consulted: their entry points are not exported.
 */
#include "cryo.h"

#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/user_namespace.h>
#include <linux/pid_namespace.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

#include "access.h"

static bool cryo_same_ids(const struct cred *c, const struct cred *t)
{
	return uid_eq(c->uid, t->euid) && uid_eq(c->uid, t->suid) &&
	       uid_eq(c->uid, t->uid) && gid_eq(c->gid, t->egid) &&
	       gid_eq(c->gid, t->sgid) && gid_eq(c->gid, t->gid);
}

static bool cryo_capable(struct user_namespace *ns)
{
	return ns_capable_noaudit(ns, CAP_CHECKPOINT_RESTORE) ||
	       ns_capable_noaudit(ns, CAP_SYS_ADMIN);
}

/*
 * As ptrace's task_still_dumpable(): a non-dumpable mm (setuid, or
 * PR_SET_DUMPABLE 0) also needs the capability over the mm's own user
 * namespace, which a capability over a child namespace does not give.
 */
static bool cryo_dumpable(struct task_struct *task)
{
	struct mm_struct *mm;
	bool ret;

	task_lock(task);
	mm = task->mm;
	ret = mm && (get_dumpable(mm) == SUID_DUMP_USER ||
		     cryo_capable(mm->user_ns));
	task_unlock(task);
	return ret;
}

/**
 * cryo_may_freeze() - may current freeze @task?
 * @task: the target's thread-group leader, referenced by the caller
 *
 * Return: 0, -EPERM (kernel thread, own thread group, the initial init,
 * or no permission), or -ESRCH (exiting or zombie).
 */
int cryo_may_freeze(struct task_struct *task)
{
	const struct cred *tcred;
	struct user_namespace *ns;
	bool ok;

	if (task->flags & PF_KTHREAD)
		return -EPERM;
	if (same_thread_group(task, current))
		return -EPERM;
	if (task_tgid_nr_ns(task, &init_pid_ns) == 1)
		return -EPERM;
	if (task->flags & PF_EXITING || task->exit_state ||
	    (task->signal->flags & SIGNAL_GROUP_EXIT))
		return -ESRCH;

	rcu_read_lock();
	tcred = __task_cred(task);
	ns = get_user_ns(tcred->user_ns);
	ok = cryo_same_ids(current_cred(), tcred);
	rcu_read_unlock();

	/* The capability stands in for the id match, not for dumpability. */
	if (!ok)
		ok = cryo_capable(ns);
	put_user_ns(ns);
	if (ok)
		ok = cryo_dumpable(task);
	/*
	 * No mm: the task exited since the test above (an exec from another
	 * thread releases the old leader), which says nothing of permission.
	 */
	if (!ok && !READ_ONCE(task->mm))
		return -ESRCH;
	return ok ? 0 : -EPERM;
}
