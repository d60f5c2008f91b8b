// SPDX-License-Identifier: GPL-2.0
/*
 * Terminals: the settings a FILE of a terminal carries (its FILE_DATA,
 * a struct cryo_image_tty, since 2.8), and the thaw of a shell job.
 *
 * A terminal is not reopened by its name: /dev/pts/3 at the thaw is
 * another session's terminal, or none.  At the freeze its termios,
 * window size, session and foreground group are saved with its FILE; a
 * thaw with CRYO_THAW_SHELL_JOB opens each terminal of the image again
 * on the caller's own terminal (as the restored process, with the
 * image's flags), applies the frozen termios and window size to it, and
 * once a member is restored sends it a SIGWINCH when it is in the
 * terminal's foreground group, so that a full-screen program redraws
 * the screen it had on a terminal that is not the one it drew on.  Its
 * session, group and the foreground are the library's to make (the
 * members stay in the caller's session).  Without the flag an fd of a
 * terminal needs --inherit-fd, as before 2.8.
 *
 * A pseudo-terminal master (/dev/ptmx) is never reopened by its name
 * (opening ptmx makes a new pair): since 2.9 a master, and the slaves
 * of its pair, are saved and made again as a pair (pty.c).
 */
#include "cryo.h"

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/major.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>

#include "freezing.h"
#include "thawing.h"
#include "files/file.h"
#include "files/files.h"
#include "files/reopen.h"
#include "task/task.h"

#define CRYO_TTY_KNOWN	(CRYO_TTY_CTTY | CRYO_TTY_FOREGROUND)

/*
 * A shell job's terminal (the caller's) as it was before the thaw applied
 * the image's termios and window size to it: a thaw that fails before any
 * member runs the image's code gives them back (cryo_tty_shell_undo()),
 * so a shell is not left in the image's raw mode.
 */
struct cryo_tty_saved {
	struct mutex lock;		/* guards @applied and the application */
	struct ktermios termios;
	struct winsize ws;
	bool applied;			/* the image's settings are on it */
};

/* Is @rdev a terminal's device number (not a memory device)? */
bool cryo_tty_dev(dev_t rdev)
{
	unsigned int major = MAJOR(rdev);

	return major == TTY_MAJOR || major == TTYAUX_MAJOR ||
	       (major >= UNIX98_PTY_SLAVE_MAJOR &&
		major < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT);
}

/* The tty of @file, an open terminal; NULL when it is none (O_PATH). */
struct tty_struct *cryo_tty_of(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct tty_file_private *priv = file->private_data;

	if (!S_ISCHR(inode->i_mode) || !cryo_tty_dev(inode->i_rdev) ||
	    (file->f_mode & FMODE_PATH) || !priv)
		return NULL;
	return priv->tty;
}

bool cryo_tty_master(struct tty_struct *tty)
{
	return tty->driver->type == TTY_DRIVER_TYPE_PTY &&
	       tty->driver->subtype == PTY_TYPE_MASTER;
}

/* @tty's termios and window size into @r (the rest of @r untouched). */
void cryo_tty_settings(struct tty_struct *tty, struct cryo_image_tty *r)
{
	BUILD_BUG_ON(sizeof(r->cc) != NCCS);
	down_read(&tty->termios_rwsem);
	r->iflag = tty->termios.c_iflag;
	r->oflag = tty->termios.c_oflag;
	r->cflag = tty->termios.c_cflag;
	r->lflag = tty->termios.c_lflag;
	r->line = tty->termios.c_line;
	memcpy(r->cc, tty->termios.c_cc, sizeof(r->cc));
	r->ispeed = tty->termios.c_ispeed;
	r->ospeed = tty->termios.c_ospeed;
	up_read(&tty->termios_rwsem);
	mutex_lock(&tty->winsize_mutex);
	r->ws_row = tty->winsize.ws_row;
	r->ws_col = tty->winsize.ws_col;
	r->ws_xpixel = tty->winsize.ws_xpixel;
	r->ws_ypixel = tty->winsize.ws_ypixel;
	mutex_unlock(&tty->winsize_mutex);
}

/**
 * cryo_tty_save() - a terminal's settings, as FILE_DATA
 * @img: the image; its current member holds @file
 * @file: an open file of a tty major
 *
 * Return: 0 with the settings in img->fdt.data (none for an O_PATH
 * open), or -ENOMEM.
 */
int cryo_tty_save(struct cryo_image *img, struct file *file)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct cryo_files_save *fs = &img->fdt;
	struct tty_struct *tty = cryo_tty_of(file);
	struct task_struct *leader = img->m->leader;
	struct cryo_image_tty *r;
	struct pid *sess, *pgrp;
	unsigned long irq;

	if (!tty)
		return 0;
	r = kvzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	cryo_tty_settings(tty, r);

	spin_lock_irqsave(&tty->ctrl.lock, irq);
	sess = get_pid(tty->ctrl.session);
	pgrp = get_pid(tty->ctrl.pgrp);
	spin_unlock_irqrestore(&tty->ctrl.lock, irq);
	r->sid = sess ? pid_nr_ns(sess, ns) : 0;
	r->fg_pgid = pgrp ? pid_nr_ns(pgrp, ns) : 0;
	/* As the member whose fd met it first sees it. */
	rcu_read_lock();
	if (sess && task_session(leader) == sess)
		r->flags |= CRYO_TTY_CTTY;
	if (pgrp && task_pgrp(leader) == pgrp)
		r->flags |= CRYO_TTY_FOREGROUND;
	rcu_read_unlock();
	put_pid(sess);
	put_pid(pgrp);

	fs->data = (u8 *)r;
	fs->data_size = sizeof(*r);
	return 0;
}

/* Thaw: the FILE_DATA a terminal's FILE @r may have. */
u64 cryo_tty_max_data(const struct cryo_image_file *r)
{
	if (!cryo_tty_dev(new_decode_dev(r->rdev)) || (r->open_flags & O_PATH))
		return 0;
	return sizeof(struct cryo_image_tty);
}

/* Thaw: the FILE record of a terminal @f checked; room for its settings. */
int cryo_tty_load(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	if (!f->rec.data_size)
		return 0;
	if (f->rec.data_size != sizeof(struct cryo_image_tty) ||
	    t->hdr.minor < 8)
		return cryo_file_bad(t, "FILE %u: %llu bytes of terminal settings",
				     f->rec.id, f->rec.data_size);
	f->data = kvzalloc(f->rec.data_size, GFP_KERNEL_ACCOUNT);
	if (!f->data)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	return 0;
}

/**
 * cryo_tty_shell() - CRYO_THAW_SHELL_JOB: the caller's terminal
 * @t: the thaw, in CRYO_IOC_THAW
 * @fd: the caller's fd on it
 *
 * Return: 0 with it kept in the tree, or -errno with the thaw failed.
 */
int cryo_tty_shell(struct cryo_thawing *t, int fd)
{
	struct file *file = fget(fd);
	struct cryo_tty_saved *saved;
	struct tty_struct *tty;

	if (!file)
		return cryo_thaw_fail(t, -EBADF,
				      "--shell-job: fd %d is not open", fd);
	tty = cryo_tty_of(file);
	if (!tty || cryo_tty_master(tty)) {
		fput(file);
		return cryo_thaw_fail(t, -ENOTTY,
				      "--shell-job: fd %d is not a terminal", fd);
	}
	saved = kzalloc(sizeof(*saved), GFP_KERNEL_ACCOUNT);
	if (!saved) {
		fput(file);
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	}
	mutex_init(&saved->lock);
	down_read(&tty->termios_rwsem);
	saved->termios = tty->termios;
	up_read(&tty->termios_rwsem);
	mutex_lock(&tty->winsize_mutex);
	saved->ws = tty->winsize;
	mutex_unlock(&tty->winsize_mutex);
	t->tree->files.shell_saved = saved;
	t->tree->files.shell_tty = file;
	return 0;
}

/**
 * cryo_tty_shell_undo() - a shell job's thaw failed: the caller's terminal
 * gets back the termios and window size it had before the thaw
 * @tree: the thaw, failed (or let go) before any member ran the image's
 *        code
 *
 * Whatever failed, the module or the library after CRYO_IOC_THAW (then
 * when the thaw is let go, cryo_files_release()).  Only when the image's
 * settings were applied; once.
 */
void cryo_tty_shell_undo(struct cryo_thaw_tree *tree)
{
	struct cryo_tty_saved *saved = tree->files.shell_saved;
	struct tty_struct *tty;
	int ret = 0;

	if (!saved || !tree->files.shell_tty)
		return;
	tty = cryo_tty_of(tree->files.shell_tty);
	mutex_lock(&saved->lock);
	if (saved->applied) {
		ret = tty_set_termios(tty, &saved->termios);
		if (!ret)
			ret = tty_do_resize(tty, &saved->ws);
		saved->applied = false;
	}
	mutex_unlock(&saved->lock);
	if (ret)
		pr_notice_ratelimited("a failed shell job's thaw could not give the terminal its settings back (error %d)\n",
				      -ret);
}

/**
 * cryo_tty_shell_check() - may the restored process have the caller's
 * terminal?
 * @t: the thaw, in CRYO_IOC_THAW, its PROCESS read
 *
 * --shell-job makes the caller's terminal the restored process's
 * controlling terminal, in the foreground, whether or not the image has
 * a terminal fd: a root thaw of a user's image would let the user read
 * what root types and push input into root's shell.  So the restored
 * credentials must be able to open the terminal's own device node for
 * reading and writing, as the user would need to; and it must be the
 * terminal itself, not /dev/tty or /dev/console, whose nodes anyone
 * may open.
 *
 * Return: 0, or -EPERM / -EINVAL with the thaw failed.
 */
int cryo_tty_shell_check(struct cryo_thawing *t)
{
	struct file *file = t->tree->files.shell_tty;
	const struct cred *cred, *old;
	dev_t rdev;
	int ret;

	if (!file)
		return 0;
	rdev = file_inode(file)->i_rdev;
	if (MAJOR(rdev) == TTYAUX_MAJOR && MINOR(rdev) <= 1)
		return cryo_thaw_fail(t, -EINVAL,
				      "--shell-job: the caller's terminal is open as /dev/tty or /dev/console; give an fd of the terminal itself");
	cred = cryo_creds_open_cred(t);
	if (IS_ERR(cred))
		return PTR_ERR(cred);
	old = override_creds(cred);
	ret = inode_permission(cryo_mnt_map(file->f_path.mnt),
			       file_inode(file), MAY_READ | MAY_WRITE);
	revert_creds(old);
	if (ret)
		return cryo_thaw_fail(t, -EPERM,
				      "--shell-job: the restored process's user may not read and write the caller's terminal (error %d): it would get a terminal it cannot open",
				      -ret);
	return 0;
}

/* The frozen settings @r, checked; EBADMSG names the field. */
static int cryo_tty_check(struct cryo_thawing *t, struct cryo_thaw_file *f,
			  const struct cryo_image_tty *r)
{
	if (r->__reserved)
		return cryo_file_bad(t, "FILE %u: terminal: reserved field not 0",
				     f->rec.id);
	if (r->flags & ~CRYO_TTY_KNOWN)
		return cryo_file_bad(t, "FILE %u: terminal: unknown flags 0x%x",
				     f->rec.id, r->flags);
	if (r->sid < 0 || r->fg_pgid < 0)
		return cryo_file_bad(t, "FILE %u: terminal: session %d, foreground group %d",
				     f->rec.id, r->sid, r->fg_pgid);
	if (((r->flags & CRYO_TTY_CTTY) && !r->sid) ||
	    ((r->flags & CRYO_TTY_FOREGROUND) && !r->fg_pgid))
		return cryo_file_bad(t, "FILE %u: terminal: flags 0x%x without a session or group",
				     f->rec.id, r->flags);
	if (r->line != N_TTY)
		return cryo_file_bad(t, "FILE %u: terminal: line discipline %u",
				     f->rec.id, r->line);
	return 0;
}

/* Set @tty's termios to @r's (its line discipline checked to be N_TTY). */
int cryo_tty_set_termios(struct tty_struct *tty, const struct cryo_image_tty *r)
{
	struct ktermios kt;

	down_read(&tty->termios_rwsem);
	kt = tty->termios;
	up_read(&tty->termios_rwsem);
	kt.c_iflag = r->iflag;
	kt.c_oflag = r->oflag;
	kt.c_cflag = r->cflag;
	kt.c_lflag = r->lflag;
	memcpy(kt.c_cc, r->cc, sizeof(kt.c_cc));
	kt.c_ispeed = r->ispeed;
	kt.c_ospeed = r->ospeed;
	return tty_set_termios(tty, &kt);
}

/* Set the frozen termios and window size on the caller's terminal. */
static int cryo_tty_set(struct cryo_thawing *t, struct tty_struct *tty,
			const struct cryo_image_tty *r)
{
	struct winsize ws = {
		.ws_row = r->ws_row, .ws_col = r->ws_col,
		.ws_xpixel = r->ws_xpixel, .ws_ypixel = r->ws_ypixel,
	};
	int ret;

	ret = cryo_tty_set_termios(tty, r);
	if (ret)
		return cryo_thaw_fail(t, ret,
				      "--shell-job: the terminal's settings cannot be applied (error %d)",
				      -ret);
	/* A terminal never sized keeps the size the caller's has. */
	if (!ws.ws_row && !ws.ws_col)
		return 0;
	ret = tty_do_resize(tty, &ws);
	if (ret)
		return cryo_thaw_fail(t, ret,
				      "--shell-job: the terminal cannot be resized (error %d)",
				      -ret);
	return 0;
}

/*
 * Apply the frozen termios and window size to the caller's terminal,
 * noting that a failed thaw must give it its own back.
 */
static int cryo_tty_apply(struct cryo_thawing *t, struct tty_struct *tty,
			  const struct cryo_image_tty *r)
{
	struct cryo_tty_saved *saved = t->tree->files.shell_saved;
	int ret;

	mutex_lock(&saved->lock);
	saved->applied = true;
	ret = cryo_tty_set(t, tty, r);
	mutex_unlock(&saved->lock);
	return ret;
}

/**
 * cryo_tty_restore() - the description of terminal @idx
 * @t: the thaw
 * @idx: its FILE, not opened O_PATH
 *
 * Return: 0 with f->file open on the caller's terminal, or -errno with
 * the thaw failed (-ENXIO without CRYO_THAW_SHELL_JOB).
 */
int cryo_tty_restore(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_thaw_file *f = &t->tree->files.files[idx];
	struct file *shell = t->tree->files.shell_tty;
	const struct cryo_image_tty *r = (void *)f->data;
	int fd = cryo_fdtable_fd_of(t, idx);
	struct file *file;
	char *buf, *what;
	const char *path;
	int ret;

	if (r) {
		ret = cryo_tty_check(t, f, r);
		if (ret)
			return ret;
	}
	if (new_decode_dev(f->rec.rdev) == MKDEV(TTYAUX_MAJOR, 2))
		return cryo_file_need_inherit(t, idx,
					      "a pseudo-terminal master is not reopened (ptmx would make a new pair)");
	if (!shell)
		return cryo_thaw_fail(t, -ENXIO,
				      "fd %d (%s): a terminal is not reopened by name; thaw with --shell-job to give it cryoctl's terminal, or give it a file with --inherit-fd %d=FD",
				      fd, f->name, fd);

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	path = d_path(&shell->f_path, buf, PATH_MAX);
	if (IS_ERR(path)) {
		kfree(buf);
		return cryo_thaw_fail(t, PTR_ERR(path),
				      "--shell-job: the terminal has no path");
	}
	what = kasprintf(GFP_KERNEL, "terminal %s (fd %d's %s)", path, fd,
			 f->name);
	if (!what) {
		kfree(buf);
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	}
	file = cryo_reopen(t, what, path, f->rec.open_flags & CRYO_REOPEN_FLAGS,
			   S_IFCHR);
	kfree(buf);
	if (IS_ERR(file)) {
		kfree(what);
		return PTR_ERR(file);
	}
	f->file = file;
	if (cryo_tty_of(file) != cryo_tty_of(shell)) {
		ret = cryo_thaw_fail(t, -ESTALE,
				     "%s: replaced while it was being opened",
				     what);
		kfree(what);
		return ret;
	}
	kfree(what);
	return r ? cryo_tty_apply(t, cryo_tty_of(shell), r) : 0;
}

/*
 * The last thread of a member, restored: on a shell job's terminal, in
 * its foreground group, it is told the window changed (the screen it
 * drew is not on this terminal).
 */
void cryo_tty_final(struct cryo_thawing *t)
{
	struct file *shell = t->tree->files.shell_tty;
	struct tty_struct *ctty;
	struct pid *pgrp;
	bool fg;

	if (!shell)
		return;
	ctty = get_current_tty();
	if (!ctty)
		return;
	if (ctty == cryo_tty_of(shell)) {
		pgrp = tty_get_pgrp(ctty);
		rcu_read_lock();
		fg = pgrp && pgrp == task_pgrp(current);
		rcu_read_unlock();
		put_pid(pgrp);
		if (fg)
			kill_pid(task_tgid(current), SIGWINCH, 1);
	}
	tty_kref_put(ctty);
}
