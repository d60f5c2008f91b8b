// SPDX-License-Identifier: GPL-2.0
/*
 * Credentials of a restored process: what it runs as, what its files are
 * opened as, and what it keeps.
 *
 * A thaw never gives a process more than it had, whoever runs it.  The
 * rule, decided once when the PROCESS and GROUPS records are read
 * (cryo_creds_plan()):
 *
 *  - ids: the image's uids, gids and groups when the caller may set ids
 *    (CAP_SETUID and CAP_SETGID in its user namespace: a root scheduler
 *    gives a user's job back to that user), otherwise the caller's own;
 *  - capabilities: the image's, within the caller's (dropping needs no
 *    privilege);
 *  - every file is opened under exactly these (t->cred.open_cred), so a root
 *    thaw of a user's image opens nothing the user could not.
 *
 * The ids are not written into the restored process's cred by the module:
 * the kernel's own set*id() paths also move the process to the user's
 * accounting (cred->user, ucounts: RLIMIT_NPROC applies) and run the LSM
 * hooks, and none of that is exported.  The library's process R sets them
 * on itself with setgroups(2), setresgid(2), setresuid(2) before
 * CRYO_IOC_THAW_RESTORE, which refuses an R whose ids are not the plan's
 * (cryo_runs_as_planned()).  The module then only narrows: each thread's last
 * step drops capabilities to the plan's, drops the keyrings of the caller
 * when the ids changed, and restores securebits, no_new_privs and
 * dumpability as frozen (cryo_creds_apply()).
 */
#include "cryo.h"

#include <linux/cred.h>
#include <linux/key.h>
#include <linux/pid_namespace.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/securebits.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "access.h"
#include "freezing.h"
#include "thawing.h"
#include "image/record.h"
#include "task/task.h"

/* The image's supplementary groups, mapped into the caller's namespace. */
static struct group_info *cryo_image_groups(struct cryo_thawing *t)
{
	struct user_namespace *ns = current_user_ns();
	struct group_info *gi = groups_alloc(t->cred.nr_groups);
	unsigned int i;

	if (!gi)
		return ERR_PTR(cryo_thaw_fail(t, -ENOMEM, "out of memory"));
	for (i = 0; i < t->cred.nr_groups; i++) {
		kgid_t g = make_kgid(ns, t->cred.groups[i]);

		if (!gid_valid(g)) {
			put_group_info(gi);
			return ERR_PTR(cryo_thaw_fail(t, -EINVAL,
						      "record 2 (GROUPS): group %u has no mapping here",
						      t->cred.groups[i]));
		}
		gi->gid[i] = g;
	}
	groups_sort(gi);
	return gi;
}

/* The image's capability sets within @c's own. */
static void cryo_caps_narrow(struct cred *c, const struct cryo_image_process *p)
{
	c->cap_permitted = cap_intersect(c->cap_permitted,
					 cryo_cap_from_u64(p->cap_permitted));
	c->cap_effective = cap_intersect(c->cap_permitted,
					 cap_intersect(c->cap_effective,
						       cryo_cap_from_u64(p->cap_effective)));
	c->cap_inheritable = cap_intersect(c->cap_inheritable,
					   cryo_cap_from_u64(p->cap_inheritable));
	c->cap_bset = cap_intersect(c->cap_bset, cryo_cap_from_u64(p->cap_bset));
	c->cap_ambient = cap_intersect(cap_intersect(c->cap_ambient,
						     c->cap_permitted),
				       cap_intersect(c->cap_inheritable,
						     cryo_cap_from_u64(p->cap_ambient)));
}

/*
 * The ids and groups the restored process runs with: the image's when the
 * caller may set them (sets t->cred.set_ids if they differ from its own), else
 * the caller's.  Returns the groups, referenced, or an ERR_PTR with the
 * thaw failed.
 */
static struct group_info *cryo_creds_ids(struct cryo_thawing *t,
					 kuid_t uid[4], kgid_t gid[4])
{
	struct user_namespace *ns = current_user_ns();
	const struct cred *cred = current_cred();
	const struct cryo_image_process *p = &t->proc;
	struct group_info *gi;
	unsigned int i;

	if (!cryo_may_set_ids(ns)) {
		/* It runs as the caller, who gains nothing by it. */
		uid[0] = cred->uid;
		uid[1] = cred->euid;
		uid[2] = cred->suid;
		uid[3] = cred->fsuid;
		gid[0] = cred->gid;
		gid[1] = cred->egid;
		gid[2] = cred->sgid;
		gid[3] = cred->fsgid;
		return get_group_info(cred->group_info);
	}
	for (i = 0; i < 4; i++) {
		uid[i] = make_kuid(ns, p->uid[i]);
		gid[i] = make_kgid(ns, p->gid[i]);
		if (!uid_valid(uid[i]) || !gid_valid(gid[i]))
			return ERR_PTR(cryo_thaw_fail(t, -EINVAL,
						      "record 1 (PROCESS): uid %u or gid %u has no mapping here",
						      p->uid[i], p->gid[i]));
	}
	gi = cryo_image_groups(t);
	if (IS_ERR(gi))
		return gi;
	t->cred.set_ids = !uid_eq(uid[0], cred->uid) || !uid_eq(uid[1], cred->euid) ||
		     !uid_eq(uid[2], cred->suid) || !uid_eq(uid[3], cred->fsuid) ||
		     !gid_eq(gid[0], cred->gid) || !gid_eq(gid[1], cred->egid) ||
		     !gid_eq(gid[2], cred->sgid) || !gid_eq(gid[3], cred->fsgid) ||
		     !cryo_groups_equal(gi, cred->group_info);
	return gi;
}

/*
 * Opens may look up keys (fscrypt, CIFS and NFS credentials): in an
 * empty session keyring of the user's, never in the caller's keyrings,
 * nor in the user keyrings of the caller's user_struct that a cred
 * without a session keyring falls back to.
 */
static int cryo_creds_keyring(struct cryo_thawing *t, struct cred *oc)
{
#ifdef CONFIG_KEYS
	struct key *kr;

	if (!t->cred.set_ids)
		return 0;
	key_put(oc->thread_keyring);
	oc->thread_keyring = NULL;
	key_put(oc->process_keyring);
	oc->process_keyring = NULL;
	kr = keyring_alloc("_cryo_thaw", oc->uid, oc->gid, oc,
			   KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ |
			   KEY_USR_SEARCH, KEY_ALLOC_NOT_IN_QUOTA, NULL, NULL);
	if (IS_ERR(kr))
		return cryo_thaw_fail(t, PTR_ERR(kr),
				      "cannot make a keyring for the restored process's opens (error %ld)",
				      -PTR_ERR(kr));
	key_put(oc->session_keyring);
	oc->session_keyring = kr;
#endif
	return 0;
}

/**
 * cryo_creds_plan() - decide the restored process's credentials
 * @t: the thaw, its PROCESS (and GROUPS, if any) record read
 *
 * Called before the first file is opened, and again (doing nothing) once
 * the metadata is read.  Runs in the caller of CRYO_IOC_THAW.
 *
 * Return: 0 or a negative errno, the thaw failed with a message.
 */
int cryo_creds_plan(struct cryo_thawing *t)
{
	struct user_namespace *ns = current_user_ns();
	struct group_info *gi;
	kuid_t uid[4];
	kgid_t gid[4];
	struct cred *oc;
	int ret;

	if (t->cred.open_cred)
		return 0;
	if (!t->have_proc)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu: a file before the PROCESS record",
				      t->in->record);
	/* prctl(PR_SET_SECUREBITS) needs it; without it they only tighten. */
	t->cred.may_secbits = cryo_may_set_securebits(ns);
	gi = cryo_creds_ids(t, uid, gid);
	if (IS_ERR(gi))
		return PTR_ERR(gi);

	oc = prepare_creds();
	if (!oc) {
		put_group_info(gi);
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	}
	oc->uid = uid[0];
	oc->euid = uid[1];
	oc->suid = uid[2];
	oc->fsuid = uid[3];
	oc->gid = gid[0];
	oc->egid = gid[1];
	oc->sgid = gid[2];
	oc->fsgid = gid[3];
	set_groups(oc, gi);
	put_group_info(gi);
	cryo_caps_narrow(oc, &t->proc);
	ret = cryo_creds_keyring(t, oc);
	if (ret) {
		abort_creds(oc);
		return ret;
	}
	t->cred.open_cred = oc;
	t->cred.user_ns = get_user_ns(ns);
	t->cred.pid_ns = get_pid_ns(task_active_pid_ns(current));
	return 0;
}

/**
 * cryo_creds_open_cred() - the credentials files are opened with
 * @t: the thaw or remap
 *
 * A remap opens as its caller, which is the process being reshaped.
 *
 * Return: the credentials, or an ERR_PTR with the thaw failed.
 */
const struct cred *cryo_creds_open_cred(struct cryo_thawing *t)
{
	int ret;

	if (t->remap_only)
		return current_cred();
	ret = cryo_creds_plan(t);
	return ret ? ERR_PTR(ret) : t->cred.open_cred;
}

/**
 * cryo_creds_out() - tell the caller of CRYO_IOC_THAW what R must be
 * @t: the thaw, planned
 * @arg: the ioctl's structure; the ABI 1.4 fields are filled
 *
 * Return: 0, or -EFAULT / -ENOSPC (@arg->groups too small), the thaw
 * failed.
 */
int cryo_creds_out(struct cryo_thawing *t, struct cryo_thaw *arg)
{
	struct user_namespace *ns = current_user_ns();
	const struct cred *oc = t->cred.open_cred;
	u32 __user *groups = u64_to_user_ptr(arg->groups);
	int i;

	arg->cred_flags = t->cred.set_ids ? CRYO_THAW_CRED_SET_IDS : 0;
	arg->uid[0] = from_kuid_munged(ns, oc->uid);
	arg->uid[1] = from_kuid_munged(ns, oc->euid);
	arg->uid[2] = from_kuid_munged(ns, oc->suid);
	arg->uid[3] = from_kuid_munged(ns, oc->fsuid);
	arg->gid[0] = from_kgid_munged(ns, oc->gid);
	arg->gid[1] = from_kgid_munged(ns, oc->egid);
	arg->gid[2] = from_kgid_munged(ns, oc->sgid);
	arg->gid[3] = from_kgid_munged(ns, oc->fsgid);
	arg->nr_groups = oc->group_info->ngroups;
	arg->oom_score_adj = t->proc_ext ? t->proc.oom_score_adj :
			     READ_ONCE(current->signal->oom_score_adj);
	arg->loginuid = CRYO_LOGINUID_UNSET;
	if (t->proc_loginuid) {
		arg->cred_flags |= CRYO_THAW_CRED_LOGINUID;
		arg->loginuid = t->proc.loginuid;
	}
	memcpy(arg->rlim, t->proc.rlim, sizeof(arg->rlim));
	if (!arg->groups_len)
		return 0;
	if (arg->groups_len < arg->nr_groups)
		return cryo_thaw_fail(t, -ENOSPC,
				      "%u supplementary groups, room for %u",
				      arg->nr_groups, arg->groups_len);
	for (i = 0; i < oc->group_info->ngroups; i++)
		if (put_user(from_kgid_munged(ns, oc->group_info->gid[i]),
			     groups + i))
			return cryo_thaw_fail(t, -EFAULT, "bad groups buffer");
	return 0;
}

/**
 * cryo_creds_nofile() - the RLIMIT_NOFILE the restored process will have
 * @t: the thaw, its PROCESS record read
 *
 * The image's, as far as the caller may raise its own (R sets it with
 * setrlimit(2) before any fd is installed).
 */
unsigned long cryo_creds_nofile(struct cryo_thawing *t)
{
	u64 cur = t->proc.rlim[RLIMIT_NOFILE][0];
	u64 max = t->proc.rlim[RLIMIT_NOFILE][1];

	if (!cryo_may_raise_nofile(max))
		max = rlimit_max(RLIMIT_NOFILE);
	return min(cur, max);
}

/*
 * Securebits as frozen, except those the caller has locked: a lock
 * (SECBIT_*_LOCKED) keeps its bit as the caller has it.  A caller
 * without CAP_SETPCAP, who may not change them, only adds the image's
 * restricting bits and locks to its own.
 */
static unsigned int cryo_securebits(struct cryo_thawing *t,
				    const struct cred *old, u32 image)
{
	unsigned int locks = old->securebits & SECURE_ALL_LOCKS;
	unsigned int fixed = locks | (locks >> 1);

	if (!t->cred.may_secbits)
		return (old->securebits & (fixed |
					   ~issecure_mask(SECURE_KEEP_CAPS))) |
		       (image & (issecure_mask(SECURE_NOROOT) |
				 issecure_mask(SECURE_NO_SETUID_FIXUP) |
				 issecure_mask(SECURE_NO_CAP_AMBIENT_RAISE) |
				 SECURE_ALL_LOCKS));
	return (image & ~fixed) | (old->securebits & fixed);
}

/**
 * cryo_creds_apply() - a thread's last step: narrow what it keeps
 * @t: the thaw
 *
 * Runs in each thread of the restored process, which already has the
 * plan's ids (cryo_runs_as_planned()).  Only ever removes privilege, except
 * dumpability, which comes back as it was frozen.  A thread whose
 * privileges cannot be narrowed never runs: it is killed.
 */
void cryo_creds_apply(struct cryo_thawing *t)
{
	const struct cryo_image_process *p = &t->proc;
	struct mm_struct *mm = current->mm;
	struct cred *new;

	new = prepare_creds();
	if (!new) {
		force_sig(SIGKILL);
	} else {
		cryo_caps_narrow(new, p);
		/* Within the caller's, too: R cannot have gained any. */
		new->cap_permitted = cap_intersect(new->cap_permitted,
						   t->cred.open_cred->cap_permitted);
		new->cap_effective = cap_intersect(new->cap_effective,
						   new->cap_permitted);
		new->cap_ambient = cap_intersect(new->cap_ambient,
						 new->cap_permitted);
		/* R's PR_SET_KEEPCAPS is not the image's. */
		new->securebits = cryo_securebits(t, new, t->proc_ext ?
						  p->securebits :
						  new->securebits &
						  ~issecure_mask(SECURE_KEEP_CAPS));
#ifdef CONFIG_KEYS
		/* The caller's keyrings are not the user's. */
		if (t->cred.set_ids) {
			key_put(new->session_keyring);
			new->session_keyring = NULL;
			key_put(new->process_keyring);
			new->process_keyring = NULL;
			key_put(new->thread_keyring);
			new->thread_keyring = NULL;
		}
#endif
		commit_creds(new);
	}
	if (t->proc_ext && (p->sec_flags & CRYO_PROCESS_NO_NEW_PRIVS))
		task_set_no_new_privs(current);
	/*
	 * As frozen: set*id() in R made the mm non-dumpable, as after a
	 * setuid exec, which the frozen process was not.  A 2.0 image did
	 * not record it: its owner could freeze it, so it was dumpable.
	 */
	if (mm) {
		unsigned long old, want;
		u32 d = t->proc_ext ? p->dumpable : SUID_DUMP_USER;

		do {
			old = READ_ONCE(mm->flags);
			want = (old & ~MMF_DUMPABLE_MASK) | d;
		} while (cmpxchg(&mm->flags, old, want) != old);
	}
}

void cryo_creds_release(struct cryo_thawing *t)
{
	kvfree(t->cred.groups);
	if (t->cred.open_cred)
		put_cred(t->cred.open_cred);
	if (t->cred.user_ns)
		put_user_ns(t->cred.user_ns);
	if (t->cred.pid_ns)
		put_pid_ns(t->cred.pid_ns);
}

int cryo_creds_save_groups(struct cryo_image *img)
{
	struct user_namespace *uns = current_user_ns();
	const struct cred *cred = get_task_cred(img->m->leader);
	const struct group_info *gi = cred->group_info;
	size_t len = gi->ngroups * sizeof(u32);
	u32 *g;
	int i;

	/* NGROUPS_MAX is 65536: more than a staged record can hold. */
	if (sizeof(struct cryo_rec) + len > CRYO_STAGE_SIZE) {
		put_cred(cred);
		pr_info_ratelimited("pid %d: %d supplementary groups, at most %zu supported\n",
				    task_tgid_vnr(img->m->leader), gi->ngroups,
				    (CRYO_STAGE_SIZE - sizeof(struct cryo_rec)) / sizeof(u32));
		return -E2BIG;
	}
	g = cryo_record_start(img, CRYO_REC_GROUPS, len);
	for (i = 0; i < gi->ngroups; i++)
		g[i] = from_kgid_munged(uns, gi->gid[i]);
	put_cred(cred);
	cryo_record_finish(img);
	return 0;
}

/* GROUPS: the supplementary groups, as the freezer saw them. */
int cryo_creds_load_groups(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	if (rec->len % sizeof(u32) || rec->len > NGROUPS_MAX * sizeof(u32))
		return cryo_thaw_badrec(t, rec->type, "length %u", rec->len);
	t->cred.groups = kvmalloc(rec->len ?: 1, GFP_KERNEL_ACCOUNT);
	if (!t->cred.groups)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	memcpy(t->cred.groups, t->in->buf, rec->len);
	t->cred.nr_groups = rec->len / sizeof(u32);
	return 0;
}
