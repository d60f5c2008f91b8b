// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptions of memfds (memfd_create(2)).
 *
 * A memfd is a shared memory object of the tree (mm/shm.c): its name,
 * size, contents and seals are saved once, in a SHM record, whoever maps
 * it or holds it.  A description of it is a FILE record naming that
 * object, with its position and open flags; descriptors sharing it share
 * the FILE, as for any kind.  At the thaw each description is opened
 * anew on the object shm.c made, as an open of /proc/PID/fd/N would be.
 *
 * A memfd of hugetlbfs (MFD_HUGETLB) and memfd_secret(2)'s are of this
 * kind too, to be refused by name (or, with CRYO_FREEZE_ACCEPT_LOSS,
 * saved as lost).
 */
#include "cryo.h"

#include <linux/file.h>
#include <linux/fs.h>

#include "freezing.h"
#include "thawing.h"
#include "files/file.h"
#include "mm/mm.h"

static bool cryo_memfd_match(struct file *file)
{
	return cryo_shm_is_memfd(file) || cryo_shm_memfd_unsaveable(file);
}

static u32 cryo_memfd_refuse(struct file *file)
{
	return cryo_shm_memfd_unsaveable(file) ? CRYO_REFUSAL_MEMFD_FD :
						 CRYO_REFUSAL_NONE;
}

static int cryo_memfd_save(struct cryo_image *img, struct cryo_seen *seen,
			   struct file *file, struct cryo_file_out *out)
{
	if (cryo_shm_memfd_unsaveable(file)) {
		/* Refused at CRYO_IOC_FREEZE unless the loss was accepted. */
		if (!(img->flags & CRYO_FREEZE_ACCEPT_LOSS))
			return -EOPNOTSUPP;
		out->flags |= CRYO_FILE_LOST;
		return 0;
	}
	/* Every memfd a member holds was found but in a snapshot. */
	out->pipe_id = cryo_shm_memfd_id(img, file);
	if (out->pipe_id)
		return 0;
	if (!(img->flags & CRYO_FREEZE_ACCEPT_LOSS))
		return -EOPNOTSUPP;
	out->flags |= CRYO_FILE_LOST;
	return 0;
}

/* Its object: a memfd of the image, but for a lost one (none). */
static int cryo_memfd_load(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	bool lost = f->rec.flags & CRYO_FILE_LOST;

	if (lost ? f->rec.shm != 0 :
		   !cryo_shm_memfd_check(t->tree, f->rec.shm))
		return cryo_file_bad(t,
				     "FILE %u (%s): shared memory %llu is not a memfd of the image",
				     f->rec.id, f->name, f->rec.shm);
	return 0;
}

static int cryo_memfd_restore(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_thaw_file *f = &t->tree->files.files[idx];
	u32 fl = f->rec.open_flags;
	struct file *file;
	loff_t pos;

	file = cryo_shm_memfd_open(t, f->rec.shm, fl & O_PATH ? O_PATH :
				   (fl & CRYO_REOPEN_FLAGS) | O_LARGEFILE);
	if (IS_ERR(file))
		return PTR_ERR(file);
	f->file = file;
	if (fl & O_PATH)
		return 0;
	pos = vfs_llseek(file, f->rec.pos, SEEK_SET);
	if (pos < 0)
		return cryo_thaw_fail(t, pos, "memfd %s: cannot seek to %lld",
				      f->name, f->rec.pos);
	return 0;
}

const struct cryo_file_ops cryo_memfd_ops = {
	.kind		= CRYO_FILE_MEMFD,
	.name		= "memfd",
	.type		= S_IFREG,
	.match		= cryo_memfd_match,
	.refuse		= cryo_memfd_refuse,
	.save		= cryo_memfd_save,
	.load		= cryo_memfd_load,
	.restore	= cryo_memfd_restore,
};
