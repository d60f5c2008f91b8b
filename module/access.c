// SPDX-License-Identifier: GPL-2.0
/*
 * Who may freeze whom: exactly whom the caller could ptrace-attach to
 * (ptrace_may_access() with PTRACE_MODE_ATTACH_REALCREDS), since a freeze
 * reads everything ptrace could and no more must be had through cryo.
 *
 * Neither ptrace_may_access() nor the LSM hooks are exported, so the rule
 * is checked in two halves, and both must agree:
 *
 * - cryo_may_freeze(): the rule of __ptrace_may_access() and of commoncap's
 *   cap_ptrace_access_check(), rebuilt from exported helpers with the
 *   caller's real ids and permitted set, for the credentials of every
 *   thread (a thread may have changed its own with a raw setresuid()).
 *   CAP_SYS_PTRACE over the thread's user namespace stands in for the id
 *   match and for the capability subset, and CAP_SYS_PTRACE over the
 *   namespace of the target's memory for dumpability.  Nothing else does:
 *   CAP_CHECKPOINT_RESTORE and CAP_SYS_ADMIN do not let the kernel's own
 *   ptrace attach, so they do not let cryo freeze.
 *
 * - cryo_kernel_may_attach(): the kernel's own check, LSM hooks (Yama's
 *   ptrace_scope, AppArmor, SELinux, Landlock's ptrace scoping) included:
 *   the target's /proc/PID/mem is opened for reading on the caller's
 *   behalf, and that open runs mm_access() -> ptrace_may_access() with
 *   PTRACE_MODE_ATTACH_FSCREDS, after the permission check of the file
 *   itself.  The procfs instance is a private one of the caller's active
 *   pid namespace, so that PID names the target whatever the caller's
 *   mount namespace has (or has not) mounted on /proc, and the opened file
 *   is checked to be the target's memory before its verdict is taken.
 */
#include "cryo.h"

#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/user_namespace.h>
#include <linux/pid_namespace.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "access.h"
#include "freezing.h"
#include "thawing.h"

static bool cryo_same_ids(const struct cred *c, const struct cred *tc)
{
	return uid_eq(c->uid, tc->euid) && uid_eq(c->uid, tc->suid) &&
	       uid_eq(c->uid, tc->uid) && gid_eq(c->gid, tc->egid) &&
	       gid_eq(c->gid, tc->sgid) && gid_eq(c->gid, tc->gid);
}

static bool cryo_ptrace_capable(struct user_namespace *ns)
{
	return ns_capable_noaudit(ns, CAP_SYS_PTRACE);
}

/*
 * May the caller (@c) attach to a thread running with @t?  Called under
 * rcu_read_lock(), as __ptrace_may_access() does it.
 */
static u32 cryo_cred_refusal(const struct cred *c, const struct cred *tc)
{
	if (!cryo_same_ids(c, tc) && !cryo_ptrace_capable(tc->user_ns))
		return CRYO_REFUSAL_ACCESS;
	/* cap_ptrace_access_check(), with the permitted set (REALCREDS). */
	if ((c->user_ns != tc->user_ns ||
	     !cap_issubset(tc->cap_permitted, c->cap_permitted)) &&
	    !cryo_ptrace_capable(tc->user_ns))
		return CRYO_REFUSAL_CAPS;
	return CRYO_REFUSAL_NONE;
}

/*
 * As ptrace's dumpability rule: a non-dumpable mm (set-user-ID, or
 * PR_SET_DUMPABLE 0) needs CAP_SYS_PTRACE over the mm's own user
 * namespace, which the capability over a child namespace does not give.
 */
static bool cryo_dumpable(struct task_struct *task)
{
	struct mm_struct *mm;
	bool ret;

	task_lock(task);
	mm = task->mm;
	ret = mm && (get_dumpable(mm) == SUID_DUMP_USER ||
		     cryo_ptrace_capable(mm->user_ns));
	task_unlock(task);
	return ret;
}

/**
 * cryo_may_freeze() - may current freeze @task, by the ptrace attach rule?
 * @task: the target's thread-group leader, referenced by the caller
 * @why: out: the refusal and the thread it names, for EPERM
 *
 * Return: 0, -EPERM (kernel thread, own thread group, the initial init,
 * or no permission), or -ESRCH (exiting or zombie).
 */
int cryo_may_freeze(struct task_struct *task, struct cryo_why *why)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	const struct cred *cred = current_cred();
	struct task_struct *t;
	u32 code = CRYO_REFUSAL_NONE;
	s32 id = 0;

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
	for_each_thread(task, t) {
		code = cryo_cred_refusal(cred, __task_cred(t));
		if (code != CRYO_REFUSAL_NONE) {
			id = task_pid_nr_ns(t, ns);
			break;
		}
	}
	rcu_read_unlock();
	if (code != CRYO_REFUSAL_NONE)
		return cryo_refuse(why, code, id, -EPERM);
	if (!cryo_dumpable(task)) {
		/*
		 * No mm: the task exited since the test above (an exec from
		 * another thread releases the old leader), which says nothing
		 * of permission.
		 */
		if (!READ_ONCE(task->mm))
			return -ESRCH;
		return cryo_refuse(why, CRYO_REFUSAL_ACCESS,
				   task_tgid_nr_ns(task, ns), -EPERM);
	}
	return 0;
}

/* Is @file the /proc/PID/mem of the process whose memory is @mm? */
static bool cryo_is_mem_of(struct file *file, struct mm_struct *mm)
{
	return file_inode(file)->i_sb->s_magic == PROC_SUPER_MAGIC &&
	       !strcmp(file->f_path.dentry->d_name.name, "mem") &&
	       file->private_data == mm;
}

/* Open @name (a mem file) under @mnt as a debugger would; 0 or -errno. */
static int cryo_open_mem(struct vfsmount *mnt, const char *name,
			 struct mm_struct *mm, pid_t id, struct cryo_why *why)
{
	struct file *file;
	int ret;

	file = file_open_root_mnt(mnt, name,
				  O_RDONLY | O_LARGEFILE | O_NOFOLLOW |
				  O_NOCTTY | O_CLOEXEC, 0);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		if (ret == -EACCES || ret == -EPERM)
			ret = cryo_refuse(why, CRYO_REFUSAL_PTRACE, id, -EPERM);
		else if (ret == -ENOENT)
			ret = -ESRCH;
		return ret;
	}
	/* The pid may have gone to another process meanwhile. */
	ret = cryo_is_mem_of(file, mm) ? 0 : -ESRCH;
	fput(file);
	return ret;
}

/**
 * cryo_access_mount() - a procfs of the caller's pid namespace for
 * cryo_kernel_may_attach()
 *
 * A kernel-internal mount (SB_KERNMOUNT): attached nowhere, seen by
 * nobody, gone at cryo_access_umount().  One per freeze: making one is
 * slow, and a tree has many processes to check.
 *
 * Return: the mount, or ERR_PTR.
 */
struct vfsmount *cryo_access_mount(void)
{
	/* Built in: get_fs_type() takes no module reference to put back. */
	struct file_system_type *proc = get_fs_type("proc");

	if (!proc)
		return ERR_PTR(-EOPNOTSUPP);
	return vfs_kern_mount(proc, SB_KERNMOUNT, "proc", NULL);
}

void cryo_access_umount(struct vfsmount *mnt)
{
	if (!IS_ERR_OR_NULL(mnt))
		mntput(mnt);
}

/**
 * cryo_kernel_may_attach() - the kernel's own ptrace attach check
 * @mnt: from cryo_access_mount() (an ERR_PTR is returned as the error)
 * @task: the target's thread-group leader, referenced
 * @mm: its memory, referenced
 * @threads: every thread's mem file, not only the leader's: once parked
 *	(an open is slow, and a tree may have thousands of threads)
 * @why: out: %CRYO_REFUSAL_PTRACE for EPERM
 *
 * Opens the target's mem file in a private procfs instance of the
 * caller's pid namespace, with the caller's credentials, as a debugger
 * would.  Nothing is read through it.
 *
 * Return: 0; -EPERM when the open is refused (by ptrace's rule, an LSM,
 * or the file's own permission); -ESRCH when the target is gone or is not
 * visible in the caller's pid namespace; -ENOMEM and the like.
 */
int cryo_kernel_may_attach(struct vfsmount *mnt, struct task_struct *task,
			   struct mm_struct *mm, bool threads,
			   struct cryo_why *why)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	unsigned int nr = 0, max, i;
	struct task_struct *t;
	char name[40];
	pid_t pid, *tids;
	int ret = 0;

	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	pid = task_tgid_nr_ns(task, ns);
	if (!pid)
		return -ESRCH;
	/*
	 * Every thread's own mem file: an LSM label (AppArmor change_hat,
	 * SELinux setcon) may differ from thread to thread.  Once parked,
	 * the threads stay.  Before, only the leader's (its ids are checked
	 * for every thread by cryo_may_freeze()): a thread the LSM refuses
	 * is found once parked, and the whole tree resumes untouched.
	 */
	max = get_nr_threads(task) + 1;
	tids = kmalloc_array(max, sizeof(*tids), GFP_KERNEL);
	if (!tids)
		return -ENOMEM;
	rcu_read_lock();
	for_each_thread(task, t) {
		if (nr == max)
			break;
		tids[nr++] = task_pid_nr_ns(t, ns);
	}
	rcu_read_unlock();

	snprintf(name, sizeof(name), "%d/mem", pid);
	ret = cryo_open_mem(mnt, name, mm, pid, why);
	for (i = 0; !ret && threads && i < nr; i++) {
		if (!tids[i] || tids[i] == pid)
			continue;
		snprintf(name, sizeof(name), "%d/task/%d/mem", pid, tids[i]);
		ret = cryo_open_mem(mnt, name, mm, tids[i], why);
		if (ret == -ESRCH)	/* that thread exited meanwhile */
			ret = 0;
	}
	kfree(tids);
	return ret;
}

/**
 * cryo_may_query_sessions() - may the sender of @skb see every session?
 * @skb: a CRYO_NL_CMD_GET_SESSION or GET_STATS request
 *
 * Both commands show what every session does: only to the privileged, in
 * the initial user namespace (the family lives in the initial network
 * namespace only).
 */
bool cryo_may_query_sessions(const struct sk_buff *skb)
{
	return netlink_capable(skb, CAP_CHECKPOINT_RESTORE) ||
	       netlink_capable(skb, CAP_SYS_ADMIN);
}

/* ---- the thaw ------------------------------------------------------------ */

/* May the caller give the restored process the image's ids and groups? */
bool cryo_may_set_ids(struct user_namespace *ns)
{
	return ns_capable(ns, CAP_SETUID) && ns_capable(ns, CAP_SETGID);
}

/* May it set securebits (prctl(PR_SET_SECUREBITS) needs CAP_SETPCAP)? */
bool cryo_may_set_securebits(struct user_namespace *ns)
{
	return ns_capable(ns, CAP_SETPCAP);
}

/* May it raise its hard RLIMIT_NOFILE to @max, as setrlimit(2) decides? */
bool cryo_may_raise_nofile(u64 max)
{
	return max <= rlimit_max(RLIMIT_NOFILE) || capable(CAP_SYS_RESOURCE);
}

/* Are @a and @b the same supplementary groups, in the same order? */
bool cryo_groups_equal(const struct group_info *a, const struct group_info *b)
{
	int i;

	if (a->ngroups != b->ngroups)
		return false;
	for (i = 0; i < a->ngroups; i++)
		if (!gid_eq(a->gid[i], b->gid[i]))
			return false;
	return true;
}

/*
 * Is current in the pid namespace @t's process must run in?  Its
 * planner's (the caller of CRYO_IOC_THAW for the root, the member's own
 * process for the others), except that with CRYO_THAW_NEW_PIDNS the
 * root's is a new one, a child of its caller's.
 */
static bool cryo_in_planned_pid_ns(const struct cryo_thawing *t)
{
	struct pid_namespace *ns = task_active_pid_ns(current);

	if (t->idx || !(t->flags & CRYO_THAW_NEW_PIDNS))
		return ns == t->cred.pid_ns;
	return ns->parent == t->cred.pid_ns;
}

/**
 * cryo_member_pid_ns_ok() - may current's process be a member of @tree?
 * @tree: the tree, its root planned
 *
 * A member's process runs in the pid namespace of the caller of
 * CRYO_IOC_THAW, or with CRYO_THAW_NEW_PIDNS in a child of it, as the
 * root's.  Its own plan then holds it there (cryo_runs_as_planned()).
 */
bool cryo_member_pid_ns_ok(const struct cryo_thaw_tree *tree)
{
	const struct cryo_thawing *root = tree->members[0];
	struct pid_namespace *ns = task_active_pid_ns(current);

	if (!root || !root->cred.pid_ns)
		return false;
	if (tree->flags & CRYO_THAW_NEW_PIDNS)
		return ns->parent == root->cred.pid_ns;
	return ns == root->cred.pid_ns;
}

/**
 * cryo_runs_as_planned() - does current run as the thaw planned?
 * @t: the thaw, planned
 *
 * For the process being restored and each of its threads: the same user
 * namespace as the caller of CRYO_IOC_THAW, the pid namespace
 * cryo_in_planned_pid_ns() says, and exactly the planned uids, gids and
 * groups.  Takes no lock and fails nothing.
 */
bool cryo_runs_as_planned(struct cryo_thawing *t)
{
	const struct cred *c = current_cred(), *oc = t->cred.open_cred;

	return oc && c->user_ns == t->cred.user_ns &&
	       cryo_in_planned_pid_ns(t) &&
	       uid_eq(c->uid, oc->uid) && uid_eq(c->euid, oc->euid) &&
	       uid_eq(c->suid, oc->suid) && uid_eq(c->fsuid, oc->fsuid) &&
	       gid_eq(c->gid, oc->gid) && gid_eq(c->egid, oc->egid) &&
	       gid_eq(c->sgid, oc->sgid) && gid_eq(c->fsgid, oc->fsgid) &&
	       cryo_groups_equal(c->group_info, oc->group_info);
}

/**
 * cryo_claimer_differs() - is current the same subject as the caller of
 * CRYO_IOC_THAW, credentials-wise?
 * @thawer: that caller's credentials, taken at CRYO_IOC_THAW
 * @planned_ids: current already took ids the plan chose for it (an R or
 *	member process past its set*id(), CRYO_THAW_CRED_SET_IDS): its ids
 *	are the plan's, checked by cryo_runs_as_planned(), not the caller's
 *
 * A member's process plans with its own credentials and receives what
 * earlier members opened with theirs (shared descriptions, the root's
 * --inherit-fd files): so whoever holds the session fd may claim only as
 * the caller of CRYO_IOC_THAW, never as someone else to whom the fd was
 * passed.  Same user namespace; the same effective and filesystem ids
 * and groups (unless @planned_ids); capabilities: the same effective set
 * (the plan's decisions use it) and a permitted set within the caller's
 * (the plan narrows to it), where @planned_ids leaves only the latter
 * (R keeps just what it still needs once it changed ids).
 *
 * Return: NULL, or what differs, for a message.
 */
const char *cryo_claimer_differs(const struct cred *thawer, bool planned_ids)
{
	const struct cred *c = current_cred();

	if (c->user_ns != thawer->user_ns)
		return "user namespace";
	if (!cap_issubset(c->cap_permitted, thawer->cap_permitted))
		return "permitted capabilities";
	if (planned_ids)
		return NULL;
	if (!uid_eq(c->euid, thawer->euid) || !uid_eq(c->fsuid, thawer->fsuid))
		return "effective or filesystem uid";
	if (!gid_eq(c->egid, thawer->egid) || !gid_eq(c->fsgid, thawer->fsgid) ||
	    !cryo_groups_equal(c->group_info, thawer->group_info))
		return "effective or filesystem gid, or groups";
	if (!cap_issubset(c->cap_effective, thawer->cap_effective) ||
	    !cap_issubset(thawer->cap_effective, c->cap_effective))
		return "effective capabilities";
	return NULL;
}

/**
 * cryo_may_restore() - may current drive the restore of @t?
 * @t: the thaw, prepared
 *
 * Only the leader of the process the thaw planned: running with the
 * planned ids (a remap changes no ids), in the caller's namespaces, with
 * the credentials of the caller of CRYO_IOC_THAW as far as the plan left
 * them (cryo_claimer_differs()).
 *
 * Return: 0, or -EPERM with the thaw failed.
 */
int cryo_may_restore(struct cryo_thawing *t)
{
	const char *why;

	if (!t->remap_only && !cryo_runs_as_planned(t))
		return cryo_thaw_fail(t, -EPERM,
				      "the restoring process does not run with the ids planned for it (uid %u, gid %u and their groups; libcryoctl 1.4 sets them) or is in another namespace",
				      from_kuid_munged(current_user_ns(), t->cred.open_cred->uid),
				      from_kgid_munged(current_user_ns(), t->cred.open_cred->gid));
	if (!thread_group_leader(current))
		return cryo_thaw_fail(t, -EPERM,
				      "RESTORE must come from the leader");
	why = t->remap_only ? NULL :
	      cryo_claimer_differs(t->tree->cred, t->cred.set_ids);
	if (why)
		return cryo_thaw_fail(t, -EPERM,
				      "the restoring process's credentials are not those of the caller of CRYO_IOC_THAW (%s)",
				      why);
	return 0;
}

/* May current wait in CRYO_IOC_THAW_THREAD, as a thread of @t's process? */
bool cryo_may_join_restore(struct cryo_thawing *t)
{
	return cryo_runs_as_planned(t) && !thread_group_leader(current);
}
