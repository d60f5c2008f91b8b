// SPDX-License-Identifier: GPL-2.0
/*
 * File locks and leases the target holds.  cryo cannot save them yet, and
 * a program that took one relies on it (a database in exclusive mode
 * would let a second writer in after a thaw), so a freeze refuses them by
 * name unless CRYO_FREEZE_ACCEPT_LOSS.
 *
 * The inode's lock context lists every lock on the file.  The target's
 * are the POSIX record locks owned by its fd table, and the OFD locks,
 * flock locks and leases taken through one of its open file descriptions
 * (a description inherited from another process carries that process's
 * flock too: it is held through the description the target holds).
 */
#include "cryo.h"

#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/spinlock.h>

#include "freezing.h"
#include "files/files.h"

/**
 * cryo_locks_held() - does the target hold a lock or lease through @file?
 * @file: one of the target's open files, referenced
 * @files: the target's fd table, the owner of its POSIX locks
 *
 * Return: %CRYO_REFUSAL_LOCK_POSIX, _LOCK_OFD, _LOCK_FLOCK, _LEASE, or
 * %CRYO_REFUSAL_NONE.
 */
u32 cryo_locks_held(struct file *file, struct files_struct *files)
{
	struct file_lock_context *ctx;
	unsigned int flags;
	u32 code = CRYO_REFUSAL_NONE;

	/* Set once for the inode's life, as locks_inode_context() reads it. */
	ctx = smp_load_acquire(&file_inode(file)->i_flctx);
	if (!ctx)
		return CRYO_REFUSAL_NONE;
	spin_lock(&ctx->flc_lock);
	flags = cryo_flc_held(&ctx->flc_posix, file, files);
	if (flags)
		code = flags & FL_OFDLCK ? CRYO_REFUSAL_LOCK_OFD :
					   CRYO_REFUSAL_LOCK_POSIX;
	else if (cryo_flc_held(&ctx->flc_flock, file, files))
		code = CRYO_REFUSAL_LOCK_FLOCK;
	else if (cryo_flc_held(&ctx->flc_lease, file, files))
		code = CRYO_REFUSAL_LEASE;
	spin_unlock(&ctx->flc_lock);
	return code;
}
