// SPDX-License-Identifier: GPL-2.0
/*
 * Character devices whose open file holds no state a reopen would lose:
 * null, zero, full, random, urandom, and terminals.  Any other device
 * (/dev/fuse, /dev/net/tun, /dev/kmsg, a GPU ...) is not of this kind,
 * so it is refused (or lost, if the freeze accepts losses), unless it is
 * opened O_PATH: that open never reaches the driver, nor does its reopen.
 *
 * At the thaw the memory devices are reopened by their path; a terminal
 * is not (it would be another session's, or none): an fd on one must be
 * given with --inherit-fd, or a thaw with --shell-job opens it on the
 * caller's terminal (tty.c, which also saves its settings).  An end of
 * a pseudo-terminal pair whose master is in the image is saved with its
 * pair, as a kind of its own (pty.c).
 */
#include "cryo.h"

#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/major.h>

#include "thawing.h"
#include "files/file.h"

static bool cryo_chardev_match(struct file *file)
{
	struct inode *inode = file_inode(file);
	unsigned int major = MAJOR(inode->i_rdev), minor = MINOR(inode->i_rdev);

	if (!S_ISCHR(inode->i_mode))
		return false;
	/* An O_PATH open, and its reopen, do nothing to any device. */
	if (file->f_mode & FMODE_PATH)
		return true;
	if (major == MEM_MAJOR)
		return minor == 3 || minor == 5 || minor == 7 || minor == 8 ||
		       minor == 9;
	/* Virtual consoles and serial ports; /dev/tty, console, ptmx. */
	if (major == TTY_MAJOR || major == TTYAUX_MAJOR)
		return true;
	/* /dev/pts/N */
	return major >= UNIX98_PTY_SLAVE_MAJOR &&
	       major < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT;
}

static int cryo_chardev_restore(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_thaw_file *f = &t->tree->files.files[idx];
	bool opath = f->rec.open_flags & O_PATH;

	/* An O_PATH open does nothing to the device. */
	if (!opath && MAJOR(new_decode_dev(f->rec.rdev)) != MEM_MAJOR)
		return cryo_tty_restore(t, idx);
	return cryo_file_reopen_alone(t, f, f->rec.open_flags &
				      (opath ? CRYO_OPATH_FLAGS :
					       CRYO_REOPEN_FLAGS));
}

static int cryo_chardev_save(struct cryo_image *img, struct cryo_seen *seen,
			     struct file *file, struct cryo_file_out *out)
{
	/* An end of a pty pair whose master is in the image: the pair. */
	if (cryo_pty_end(file) && cryo_tty_master(cryo_tty_of(file)))
		return cryo_pty_save(img, seen, file, out);
	if (cryo_pty_end(file) && cryo_pty_master_in(img, file))
		return cryo_pty_save(img, seen, file, out);
	return cryo_tty_save(img, file);
}

const struct cryo_file_ops cryo_chardev_ops = {
	.kind		= CRYO_FILE_CHR,
	.name		= "device",
	.type		= S_IFCHR,
	.holds_data	= true,
	.match		= cryo_chardev_match,
	.save		= cryo_chardev_save,
	.max_data	= cryo_tty_max_data,
	.load		= cryo_tty_load,
	.restore	= cryo_chardev_restore,
};
