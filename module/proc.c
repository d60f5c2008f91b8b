// SPDX-License-Identifier: GPL-2.0
/*
 * Process-wide state in the image: ids, credentials, limits and mm
 * bounds (PROCESS), supplementary groups, the auxiliary vector, the exe,
 * cwd and root paths (FS), and signal dispositions and ITIMER_REAL
 * (SIGNALS).  Read from the parked target, in the freezer's context.
 */
#include "cryo.h"

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/hrtimer.h>
#include <linux/pid_namespace.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "image.h"

void cryo_emit_process(struct cryo_image *img)
{
	struct user_namespace *uns = current_user_ns();
	struct task_struct *t = img->leader;
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct cryo_image_process *p;
	struct mm_struct *mm = img->mm;
	const struct cred *cred;
	unsigned int i;

	p = cryo_rec_start(img, CRYO_REC_PROCESS, sizeof(*p));
	p->pid = task_tgid_nr_ns(t, ns);
	rcu_read_lock();
	p->ppid = task_tgid_nr_ns(rcu_dereference(t->real_parent), ns);
	rcu_read_unlock();
	p->pgid = task_pgrp_nr_ns(t, ns);
	p->sid = task_session_nr_ns(t, ns);
	__get_task_comm(p->comm, sizeof(p->comm), t);

	cred = get_task_cred(t);
	p->uid[0] = from_kuid_munged(uns, cred->uid);
	p->uid[1] = from_kuid_munged(uns, cred->euid);
	p->uid[2] = from_kuid_munged(uns, cred->suid);
	p->uid[3] = from_kuid_munged(uns, cred->fsuid);
	p->gid[0] = from_kgid_munged(uns, cred->gid);
	p->gid[1] = from_kgid_munged(uns, cred->egid);
	p->gid[2] = from_kgid_munged(uns, cred->sgid);
	p->gid[3] = from_kgid_munged(uns, cred->fsgid);
	/*
	 * Capabilities count in their own user namespace only: a process
	 * that is root in a namespace of its own has none in the freezer's,
	 * and a thaw, which restores into the caller's, must not make them
	 * count there.  The bounding set only ever restricts.
	 */
	if (cred->user_ns == uns) {
		p->cap_effective = cryo_cap_u64(cred->cap_effective);
		p->cap_permitted = cryo_cap_u64(cred->cap_permitted);
		p->cap_inheritable = cryo_cap_u64(cred->cap_inheritable);
		p->cap_ambient = cryo_cap_u64(cred->cap_ambient);
	}
	p->cap_bset = cryo_cap_u64(cred->cap_bset);
	p->securebits = cred->securebits;
	put_cred(cred);
	if (task_no_new_privs(t))
		p->sec_flags |= CRYO_PROCESS_NO_NEW_PRIVS;
	p->oom_score_adj = READ_ONCE(t->signal->oom_score_adj);
	p->dumpable = get_dumpable(mm);

	p->personality = t->personality;
	task_lock(t);
	p->umask = t->fs ? t->fs->umask : 0;
	for (i = 0; i < ARRAY_SIZE(p->rlim) && i < RLIM_NLIMITS; i++) {
		p->rlim[i][0] = t->signal->rlim[i].rlim_cur;
		p->rlim[i][1] = t->signal->rlim[i].rlim_max;
	}
	task_unlock(t);

	p->start_code = mm->start_code;
	p->end_code = mm->end_code;
	p->start_data = mm->start_data;
	p->end_data = mm->end_data;
	p->start_brk = mm->start_brk;
	p->brk = mm->brk;
	p->start_stack = mm->start_stack;
	p->arg_start = mm->arg_start;
	p->arg_end = mm->arg_end;
	p->env_start = mm->env_start;
	p->env_end = mm->env_end;
	cryo_rec_finish(img);
}

int cryo_emit_groups(struct cryo_image *img)
{
	struct user_namespace *uns = current_user_ns();
	const struct cred *cred = get_task_cred(img->leader);
	const struct group_info *gi = cred->group_info;
	size_t len = gi->ngroups * sizeof(u32);
	u32 *g;
	int i;

	/* NGROUPS_MAX is 65536: more than a staged record can hold. */
	if (sizeof(struct cryo_rec) + len > CRYO_STAGE_SIZE) {
		put_cred(cred);
		pr_info_ratelimited("pid %d: %d supplementary groups, at most %zu supported\n",
				    task_tgid_vnr(img->leader), gi->ngroups,
				    (CRYO_STAGE_SIZE - sizeof(struct cryo_rec)) / sizeof(u32));
		return -E2BIG;
	}
	g = cryo_rec_start(img, CRYO_REC_GROUPS, len);
	for (i = 0; i < gi->ngroups; i++)
		g[i] = from_kgid_munged(uns, gi->gid[i]);
	put_cred(cred);
	cryo_rec_finish(img);
	return 0;
}

void cryo_emit_auxv(struct cryo_image *img)
{
	const unsigned long *auxv = img->mm->saved_auxv;
	unsigned int n = 0, i;
	u64 *p;

	/* (type, value) pairs up to and including AT_NULL. */
	while (n + 2 <= AT_VECTOR_SIZE && auxv[n] != AT_NULL)
		n += 2;
	n = min_t(unsigned int, n + 2, AT_VECTOR_SIZE);
	p = cryo_rec_start(img, CRYO_REC_AUXV, n * sizeof(u64));
	for (i = 0; i < n; i++)
		p[i] = auxv[i];
	if (n >= 2) {
		p[n - 2] = AT_NULL;	/* even if saved_auxv was full */
		p[n - 1] = 0;
	}
	cryo_rec_finish(img);
}

/* d_path() of @path into @buf; the length, 0 when it has no name. */
static size_t cryo_path(const struct path *path, char *buf, size_t size,
			const char **name)
{
	*name = d_path(path, buf, size);
	if (IS_ERR(*name)) {
		*name = NULL;
		return 0;
	}
	return strlen(*name);
}

int cryo_emit_fs(struct cryo_image *img)
{
	struct task_struct *t = img->leader;
	const char *exe = NULL, *cwd = NULL, *root = NULL;
	size_t exe_len = 0, cwd_len = 0, root_len = 0;
	struct path pwd = {}, rootp = {};
	struct cryo_image_fs *fs;
	struct file *exe_file;
	char *buf;
	char *p;

	buf = kmalloc(3 * PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	/* The parked target cannot change its exe file under us. */
	rcu_read_lock();
	exe_file = rcu_dereference(img->mm->exe_file);
	if (exe_file)
		exe_len = cryo_path(&exe_file->f_path, buf, PATH_MAX, &exe);
	rcu_read_unlock();

	task_lock(t);
	if (t->fs) {
		get_fs_pwd(t->fs, &pwd);
		get_fs_root(t->fs, &rootp);
	}
	task_unlock(t);
	if (pwd.dentry)
		cwd_len = cryo_path(&pwd, buf + PATH_MAX, PATH_MAX, &cwd);
	if (rootp.dentry)
		root_len = cryo_path(&rootp, buf + 2 * PATH_MAX, PATH_MAX, &root);

	fs = cryo_rec_start(img, CRYO_REC_FS,
			    sizeof(*fs) + exe_len + cwd_len + root_len);
	fs->exe_len = exe_len;
	fs->cwd_len = cwd_len;
	fs->root_len = root_len;
	p = (char *)(fs + 1);
	memcpy(p, exe, exe_len);
	memcpy(p + exe_len, cwd, cwd_len);
	memcpy(p + exe_len + cwd_len, root, root_len);
	cryo_rec_finish(img);

	if (pwd.dentry)
		path_put(&pwd);
	if (rootp.dentry)
		path_put(&rootp);
	kfree(buf);
	return 0;
}

int cryo_emit_signals(struct cryo_image *img)
{
	struct task_struct *t = img->leader;
	struct signal_struct *sig = t->signal;
	struct cryo_image_signals *s;
	struct sighand_struct *sh;
	unsigned int i;

	/*
	 * lock_task_sighand() is not exported.  The parked target's sighand
	 * only goes away if it dies: then we see NULL or another one.
	 */
	rcu_read_lock();
	sh = rcu_dereference(t->sighand);
	if (!sh) {
		rcu_read_unlock();
		return -ESRCH;
	}
	spin_lock_irq(&sh->siglock);
	if (sh != rcu_access_pointer(t->sighand)) {
		spin_unlock_irq(&sh->siglock);
		rcu_read_unlock();
		return -ESRCH;
	}
	s = cryo_rec_start(img, CRYO_REC_SIGNALS, sizeof(*s));
	for (i = 0; i < _NSIG && i < ARRAY_SIZE(s->action); i++) {
		const struct sigaction *sa = &sh->action[i].sa;

		s->action[i].handler = (unsigned long)sa->sa_handler;
		s->action[i].flags = sa->sa_flags;
#ifdef __ARCH_HAS_SA_RESTORER
		s->action[i].restorer = (unsigned long)sa->sa_restorer;
#endif
		s->action[i].mask = sa->sa_mask.sig[0];
	}
	/* As do_getitimer(ITIMER_REAL) reads it. */
	if (hrtimer_active(&sig->real_timer)) {
		ktime_t left = __hrtimer_get_remaining(&sig->real_timer, false);

		/* About to fire: report the smallest time still armed. */
		s->real_value_ns = left > 0 ? ktime_to_ns(left) : NSEC_PER_USEC;
	}
	s->real_interval_ns = ktime_to_ns(sig->it_real_incr);
	spin_unlock_irq(&sh->siglock);
	rcu_read_unlock();
	cryo_rec_finish(img);
	return 0;
}
