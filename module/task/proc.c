// SPDX-License-Identifier: GPL-2.0
/*
 * Process-wide state in the image: ids, credentials, limits and mm
 * bounds (PROCESS), supplementary groups, the auxiliary vector, the exe,
 * cwd and root paths (FS), and signal dispositions and ITIMER_REAL
 * (SIGNALS).  Read from the parked target, in the freezer's context.
 */
#include "cryo.h"

#include <linux/audit.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/oom.h>
#include <linux/securebits.h>
#include <linux/fs_struct.h>
#include <linux/hrtimer.h>
#include <linux/pid_namespace.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "freezing.h"
#include "thawing.h"
#include "image/record.h"
#include "image/stream.h"
#include "files/reopen.h"
#include "task/task.h"

/* /proc/PID/loginuid as the freezer would read it. */
static u32 cryo_proc_loginuid(struct task_struct *t, struct user_namespace *uns)
{
	kuid_t uid = audit_get_loginuid(t);

	return uid_valid(uid) ? from_kuid(uns, uid) : CRYO_LOGINUID_UNSET;
}

void cryo_proc_save(struct cryo_image *img)
{
	struct user_namespace *uns = current_user_ns();
	struct task_struct *t = img->m->leader;
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct cryo_image_process *p;
	struct mm_struct *mm = img->m->mm;
	const struct cred *cred;
	unsigned int i;

	p = cryo_record_start(img, CRYO_REC_PROCESS, sizeof(*p));
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
	/* Parked: neither changes but through prctl() of the process. */
	p->pdeath_signal = READ_ONCE(t->pdeath_signal);
	if (t->signal->is_child_subreaper)
		p->flags |= CRYO_PROCESS_CHILD_SUBREAPER;
	p->loginuid = cryo_proc_loginuid(t, uns);
	if (cryo_cpu_saves_sched())
		p->flags |= cryo_sched_save_thp(mm);

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
	cryo_record_finish(img);
}

void cryo_proc_save_auxv(struct cryo_image *img)
{
	const unsigned long *auxv = img->m->mm->saved_auxv;
	unsigned int n = 0, i;
	u64 *p;

	/* (type, value) pairs up to and including AT_NULL. */
	while (n + 2 <= AT_VECTOR_SIZE && auxv[n] != AT_NULL)
		n += 2;
	n = min_t(unsigned int, n + 2, AT_VECTOR_SIZE);
	p = cryo_record_start(img, CRYO_REC_AUXV, n * sizeof(u64));
	for (i = 0; i < n; i++)
		p[i] = auxv[i];
	if (n >= 2) {
		p[n - 2] = AT_NULL;	/* even if saved_auxv was full */
		p[n - 1] = 0;
	}
	cryo_record_finish(img);
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

int cryo_proc_save_fs(struct cryo_image *img)
{
	struct task_struct *t = img->m->leader;
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
	exe_file = rcu_dereference(img->m->mm->exe_file);
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

	fs = cryo_record_start(img, CRYO_REC_FS,
			       sizeof(*fs) + exe_len + cwd_len + root_len);
	fs->exe_len = exe_len;
	fs->cwd_len = cwd_len;
	fs->root_len = root_len;
	/* A deleted one is made again at the thaw, with its mode (2.8). */
	if (pwd.dentry && d_unlinked(pwd.dentry))
		fs->cwd_mode = d_inode(pwd.dentry)->i_mode &
			       (S_IFMT | 0777);
	p = (char *)(fs + 1);
	memcpy(p, exe, exe_len);
	memcpy(p + exe_len, cwd, cwd_len);
	memcpy(p + exe_len + cwd_len, root, root_len);
	cryo_record_finish(img);

	if (pwd.dentry)
		path_put(&pwd);
	if (rootp.dentry)
		path_put(&rootp);
	kfree(buf);
	return 0;
}

/* The PROCESS record's length in each minor version, 2.0 on. */
static const size_t process_sizes[] = {
	CRYO_IMAGE_PROCESS_SIZE_2_0, CRYO_IMAGE_PROCESS_SIZE_2_1,
	CRYO_IMAGE_PROCESS_SIZE_2_7, CRYO_IMAGE_PROCESS_SIZE_2_7,
	CRYO_IMAGE_PROCESS_SIZE_2_7, CRYO_IMAGE_PROCESS_SIZE_2_7,
	CRYO_IMAGE_PROCESS_SIZE_2_7, CRYO_IMAGE_PROCESS_SIZE_2_7,
	sizeof(struct cryo_image_process),
	sizeof(struct cryo_image_process),
};

static_assert(ARRAY_SIZE(process_sizes) == CRYO_IMAGE_MINOR + 1);

int cryo_proc_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_process *p = t->in->buf;
	const struct cryo_thaw_tree *tree = t->tree;
	u64 top = TASK_SIZE_MAX;
	int ret;

	ret = cryo_stream_grown(t, rec, t->hdr.minor, process_sizes,
				ARRAY_SIZE(process_sizes));
	if (ret)
		return ret;
	if (p->start_code > p->end_code || p->end_code > top ||
	    p->start_data > p->end_data || p->end_data > top ||
	    p->start_brk > p->brk || p->brk > top || p->start_stack > top ||
	    p->arg_start > p->arg_end || p->arg_end > top ||
	    p->env_start > p->env_end || p->env_end > top)
		return cryo_bad(t, rec, "memory bounds out of order or range");
	if (p->umask & ~0777)
		return cryo_bad(t, rec, "umask %#o", p->umask);
	/* A 64-bit Linux process: the personality's base must be PER_LINUX. */
	if ((p->personality & PER_MASK) != PER_LINUX ||
	    (p->personality & ~(PER_MASK | ADDR_NO_RANDOMIZE | ADDR_COMPAT_LAYOUT |
				ADDR_LIMIT_3GB | MMAP_PAGE_ZERO |
				READ_IMPLIES_EXEC | SHORT_INODE |
				WHOLE_SECONDS | STICKY_TIMEOUTS |
				UNAME26 | FDPIC_FUNCPTRS | ADDR_LIMIT_32BIT)))
		return cryo_bad(t, rec, "personality %#x", p->personality);
	if (p->pid <= 0 || strnlen(p->comm, sizeof(p->comm)) == sizeof(p->comm))
		return cryo_bad(t, rec, "pid %d or command name", p->pid);
	if ((p->securebits & ~(SECURE_ALL_BITS | SECURE_ALL_LOCKS)) ||
	    (p->sec_flags & ~CRYO_PROCESS_SEC_ALL) ||
	    p->oom_score_adj < OOM_SCORE_ADJ_MIN ||
	    p->oom_score_adj > OOM_SCORE_ADJ_MAX ||
	    p->dumpable > SUID_DUMP_ROOT)
		return cryo_bad(t, rec, "securebits, flags, oom_score_adj or dumpable");
	if (!valid_signal(p->pdeath_signal) || p->__reserved ||
	    (p->flags & ~CRYO_PROCESS_FLAGS_ALL))
		return cryo_bad(t, rec, "parent-death signal %u or flags %#x",
				p->pdeath_signal, p->flags);
	/* In a tree, the section of the member whose turn it is. */
	if (tree->procs && p->pid != tree->procs[t->idx].pid)
		return cryo_bad(t, rec, "pid %d, member %u of the TREE is %d",
				p->pid, t->idx, tree->procs[t->idx].pid);
	t->proc_ext = rec->len >= CRYO_IMAGE_PROCESS_SIZE_2_1;
	t->proc_loginuid = rec->len >= sizeof(*p);
	t->proc = *p;
	t->have_proc = true;
	return 0;
}

int cryo_proc_load_auxv(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	const u64 *v = t->in->buf;
	unsigned int n = rec->len / sizeof(u64);
	struct mm_struct *mm = current->mm;

	if (rec->len % (2 * sizeof(u64)) || rec->len < 2 * sizeof(u64) ||
	    rec->len > sizeof(t->auxv) || !mm ||
	    rec->len > sizeof(mm->saved_auxv))
		return cryo_bad(t, rec, "length %u", rec->len);
	if (v[n - 2] != AT_NULL)
		return cryo_bad(t, rec, "not terminated by AT_NULL");
	memcpy(t->auxv, v, rec->len);
	t->auxv_len = rec->len;
	return 0;
}

/* A path of the FS record, opened as the restored process would. */
static struct file *cryo_proc_open_path(struct cryo_thawing *t, const char *what,
					const char *path, int flags, umode_t type)
{
	char *name = kasprintf(GFP_KERNEL, "%s %s", what, path);
	struct file *f;

	if (!name)
		return ERR_PTR(cryo_thaw_fail(t, -ENOMEM, "out of memory"));
	f = cryo_reopen(t, name, path, flags, type);
	kfree(name);
	return f;
}

/*
 * A deleted working directory: made again, empty, in its parent and
 * removed (reopen.c).  The members that were in it share it: those of
 * one fs_struct (CLONE_FS) must, and a fork's child was in the same one
 * (the image names it by its path only).
 */
static struct file *cryo_proc_make_cwd(struct cryo_thawing *t,
				       const char *cwd, u32 mode)
{
	struct cryo_thaw_tree *tree = t->tree;
	struct file *f = NULL;
	char *what, *buf;
	unsigned int i;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(cryo_thaw_fail(t, -ENOMEM, "out of memory"));
	for (i = 0; tree->members && i < tree->nr_procs && !f; i++) {
		struct cryo_thawing *m = tree->members[i];
		const char *name;

		if (!m || m == t || !m->cwd_made || !m->cwd)
			continue;
		/* Made under its old name, it reads as the image says. */
		name = d_path(&m->cwd->f_path, buf, PATH_MAX);
		if (!IS_ERR(name) && !strcmp(name, cwd))
			f = get_file(m->cwd);
	}
	kfree(buf);
	if (f)
		return f;
	what = kasprintf(GFP_KERNEL, "working directory %s", cwd);
	if (!what)
		return ERR_PTR(cryo_thaw_fail(t, -ENOMEM, "out of memory"));
	f = cryo_reopen_deleted(t, what, cwd, O_PATH | O_DIRECTORY,
				S_IFDIR | (mode & 0777));
	kfree(what);
	return f;
}

int cryo_proc_load_fs(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_image_fs *fs = t->in->buf;
	char *exe, *cwd, *p;
	struct file *f;
	int ret = 0;

	if (rec->len < sizeof(*fs) ||
	    (fs->cwd_mode && (t->hdr.minor < 8 || !S_ISDIR(fs->cwd_mode) ||
			      (fs->cwd_mode & ~(S_IFMT | 0777)))) ||
	    fs->exe_len > PATH_MAX || fs->cwd_len > PATH_MAX ||
	    fs->root_len > PATH_MAX ||
	    rec->len != sizeof(*fs) + fs->exe_len + fs->cwd_len + fs->root_len)
		return cryo_bad(t, rec, "bad lengths");
	p = (char *)(fs + 1);
	/*
	 * A process that ran chrooted (CRYO_REFUSAL_CHROOT, an image made
	 * with --accept-loss) would reach more at the caller's root.
	 */
	if (fs->root_len && (fs->root_len != 1 || p[fs->exe_len + fs->cwd_len] != '/'))
		return cryo_thaw_fail(t, -EPERM,
				      "the process ran with another root directory (%.*s); cryo cannot chroot it again, and at the caller's root it would reach more than it could",
				      (int)min_t(u32, fs->root_len, 256),
				      p + fs->exe_len + fs->cwd_len);
	exe = kmemdup_nul(p, fs->exe_len, GFP_KERNEL);
	cwd = kmemdup_nul(p + fs->exe_len, fs->cwd_len, GFP_KERNEL);
	if (!exe || !cwd) {
		ret = cryo_thaw_fail(t, -ENOMEM, "out of memory");
		goto out;
	}
	if (strlen(exe) != fs->exe_len || strlen(cwd) != fs->cwd_len) {
		ret = cryo_bad(t, rec, "NUL in a path");
		goto out;
	}
	if (cwd[0] == '/' && fs->cwd_mode) {
		f = cryo_proc_make_cwd(t, cwd, fs->cwd_mode);
		if (IS_ERR(f)) {
			ret = PTR_ERR(f);
			goto out;
		}
		t->cwd = f;
		t->cwd_made = true;
	} else if (cwd[0] == '/') {
		f = cryo_proc_open_path(t, "working directory", cwd,
					O_PATH | O_DIRECTORY, S_IFDIR);
		if (IS_ERR(f)) {
			ret = PTR_ERR(f);
			goto out;
		}
		t->cwd = f;
	}
	/* A deleted executable cannot be named again: keep the caller's. */
	if (exe[0] == '/' && !strstr(exe, " (deleted)")) {
		f = cryo_proc_open_path(t, "executable", exe, O_RDONLY, S_IFREG);
		if (IS_ERR(f)) {
			ret = PTR_ERR(f);
			goto out;
		}
		t->exe = f;
	}
out:
	kfree(exe);
	kfree(cwd);
	return ret;
}

/**
 * cryo_proc_check_shared() - a member that shares its parent member's
 * fs_struct has its parent's umask and working directory
 * @t: the member, its section read; its parent's read before
 *
 * Each member of a shared fs_struct sets its working directory (the
 * stub's fchdir) and umask in its own restore, into the one fs_struct:
 * the last one in wins, and all must say the same.  A working directory
 * that could not be named (not absolute) is left alone by every one.
 *
 * Return: 0, or -EBADMSG with the thaw failed.
 */
int cryo_proc_check_shared(struct cryo_thawing *t)
{
	const struct cryo_thaw_tree *tree = t->tree;
	const struct cryo_thawing *p;
	bool same;

	if (!tree->procs || !(tree->procs[t->idx].flags & CRYO_MEMBER_SHARES_FS))
		return 0;
	/* Its parent is no zombie (the TREE was checked), and came first. */
	p = tree->members[tree->procs[t->idx].parent];
	same = p && p->proc.umask == t->proc.umask && !p->cwd == !t->cwd &&
	       (!p->cwd || path_equal(&p->cwd->f_path, &t->cwd->f_path));
	if (!same)
		return cryo_thaw_fail(t, -EBADMSG,
				      "record %llu: its umask or working directory is not its parent's, whose fs_struct it shares",
				      t->in->record);
	return 0;
}

static void cryo_proc_restore_subreaper(struct cryo_thawing *t);

/* The leader, after the mappings: mm bounds, auxv, umask, subreaper. */
void cryo_proc_restore(struct cryo_thawing *t)
{
	const struct cryo_image_process *p = &t->proc;
	struct mm_struct *mm = current->mm;

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
	cryo_sched_restore_thp(t, mm);
	mmap_write_unlock(mm);
	current->fs->umask = p->umask;
	cryo_proc_restore_subreaper(t);
}

/*
 * PR_SET_CHILD_SUBREAPER, as prctl() sets it, and the mark every process
 * below a subreaper carries (prctl() walks the tree with
 * walk_process_tree(), not exported; fork copies it).  The blank
 * processes of the members were forked before any of this was set: each
 * member looks up its ancestors in the TREE instead.
 */
static void cryo_proc_restore_subreaper(struct cryo_thawing *t)
{
	const struct cryo_thaw_tree *tree = t->tree;
	struct signal_struct *sig = current->signal;
	int i;

	if (t->proc.flags & CRYO_PROCESS_CHILD_SUBREAPER)
		sig->is_child_subreaper = 1;
	if (!tree->procs)
		return;
	for (i = tree->procs[t->idx].parent; i >= 0; i = tree->procs[i].parent)
		if (tree->members[i] &&
		    (tree->members[i]->proc.flags & CRYO_PROCESS_CHILD_SUBREAPER))
			sig->has_child_subreaper = 1;
}

/*
 * The leader's last step, after its credentials: a change of them clears
 * the parent-death signal (commit_creds()).
 */
void cryo_proc_restore_leader(struct cryo_thawing *t)
{
	current->pdeath_signal = t->proc.pdeath_signal;
}

/* The thaw is over: the exe and cwd it opened. */
void cryo_proc_release(struct cryo_thawing *t)
{
	if (t->exe)
		fput(t->exe);
	if (t->cwd)
		fput(t->cwd);
}
