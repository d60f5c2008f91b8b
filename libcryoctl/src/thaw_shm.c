// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Thawing System V shared memory segments (ABI 1.7).
 *
 * A module cannot make a System V segment: only shmget(2) in a process
 * can.  So once CRYO_IOC_THAW has planned the thaw, and before R is made,
 * the caller makes each segment of the image, attaches it and tells the
 * module where (CRYO_IOC_THAW_SHM); the module keeps a reference to it,
 * maps it into the members that map it and fills its contents.  R and the
 * members are forked after the attaches and inherit them; the restore
 * unmaps everything of theirs anyway.
 *
 * Once the thaw's outcome is known the caller detaches every segment, and
 * removes those the image says were removed (the members' mappings keep
 * them alive) or, when the thaw failed, every one it made: nothing is
 * left behind.  Shared anonymous memory needs none of this: the module
 * makes it itself.
 *
 * This runs in the caller, before any fork: ordinary calls are fine.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <linux/cryo.h>

#include "cryoctl.h"
#include "internal.h"
#include "thaw.h"

/* CRYO_IOC_THAW_SHM for segment @index: learn it (@addr 0) or give it. */
static int thaw_shm_ioctl(int devfd, uint32_t index, uint64_t addr,
			  struct cryo_thaw_shm *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->index = index;
	s->addr = addr;
	return ioctl(devfd, CRYO_IOC_THAW_SHM, s) < 0 ? neg_errno() : 0;
}

/* Whether the module may have System V segments to give: ABI 1.7 on. */
static bool module_has_thaw_shm(int devfd)
{
	struct cryoctl_version v = { 0 };

	if (cryoctl_version(devfd, &v))
		return false;
	return v.abi_major == CRYO_ABI_MAJOR && v.abi_minor >= 7;
}

/* The module's message for a failed CRYO_IOC_THAW_SHM, or strerror(). */
static const char *module_msg(int devfd, int err, struct cryo_thaw_status *st)
{
	if (cryoctl_thaw_status(devfd, st) || !st->message[0])
		return strerror(-err);
	return st->message;
}

/*
 * Give the segment the image's owner and mode, which shmget() may not
 * have: the owner is the caller, and the creation mode has the owner's
 * rw bits for the attach.
 */
static int shm_set_perm(int shmid, const struct cryo_thaw_shm *s)
{
	struct shmid_ds ds;

	if (shmctl(shmid, IPC_STAT, &ds) < 0)
		return neg_errno();
	if (ds.shm_perm.uid == s->uid && ds.shm_perm.gid == s->gid &&
	    (ds.shm_perm.mode & 0777) == (s->mode & 0777))
		return 0;
	ds.shm_perm.uid = s->uid;
	ds.shm_perm.gid = s->gid;
	ds.shm_perm.mode = s->mode & 0777;
	return shmctl(shmid, IPC_SET, &ds) < 0 ? neg_errno() : 0;
}

/*
 * The image's own segment, still there: a freeze that killed its
 * processes leaves a segment, as any exit does, and a thaw on the same
 * machine finds it under its key, with its id, its size, its owner and
 * mode and nobody attached.  Another segment that took the key since is
 * not it, nor one whose owner or mode changed since: key, id and size are
 * anyone's to read in /proc/sysvipc/shm, and an image naming another
 * user's segment must not have a root thaw hand it (or its ownership,
 * IPC_SET) to the image's processes.  It is taken as it is (never
 * IPC_SET), and the module still checks that each member may attach it.
 * A removed segment has no key any more: none is taken back.
 * Return: its id, or -1.
 */
static int shm_survivor(const struct cryo_thaw_shm *s)
{
	struct shmid_ds ds;
	int id;

	if (!s->key || (s->shm_flags & CRYO_SHM_REMOVED))
		return -1;
	id = shmget(s->key, 0, 0);
	if (id < 0 || id != s->shmid || shmctl(id, IPC_STAT, &ds) < 0 ||
	    ds.shm_segsz != s->seg_size || ds.shm_nattch ||
	    ds.shm_perm.uid != s->uid || ds.shm_perm.gid != s->gid ||
	    (ds.shm_perm.mode & 0777) != (s->mode & 0777) ||
	    (ds.shm_perm.mode & SHM_DEST))
		return -1;
	return id;
}

/* Room for one more segment in c->shms. */
static int shm_grow(struct thaw_ctx *c)
{
	struct thaw_shm *p;

	p = realloc(c->shms, (c->nr_shms + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->shms = p;
	return 0;
}

/* Make, attach and give the module segment @index, learnt in @s. */
static int make_one(struct thaw_ctx *c, uint32_t index, struct cryo_thaw_shm *s,
		    struct cryoctl_thaw_result *res)
{
	struct cryo_thaw_shm given;
	struct cryo_thaw_status st;
	struct thaw_shm *m;
	key_t key = s->key ? s->key : IPC_PRIVATE;
	bool made;
	void *addr;
	int id, ret;

	if (!s->seg_size || (s->shm_flags & ~CRYO_SHM_ALL))
		return thaw_fail(res, -EPROTO,
				 "the module's System V segment %u makes no sense (%llu bytes, flags 0x%x)",
				 index, (unsigned long long)s->seg_size, s->shm_flags);
	if (shm_grow(c))
		return thaw_fail(res, -ENOMEM, "out of memory");
	/* Owner rw for the attach below; shm_set_perm() sets the image's. */
	id = shmget(key, s->seg_size, IPC_CREAT | IPC_EXCL | 0600 | (s->mode & 0777));
	made = id >= 0;
	if (id < 0 && errno == EEXIST) {
		id = shm_survivor(s);
		if (id < 0)
			return thaw_fail(res, -EEXIST,
					 "System V segment key 0x%08x exists: the image's segment (id %d at the freeze) cannot be made again while another has its key (ipcrm -M 0x%08x, if it may go)",
					 (unsigned int)s->key, s->shmid, (unsigned int)s->key);
	}
	if (id < 0) {
		ret = neg_errno();
		return thaw_fail(res, ret,
				 "cannot make System V segment key 0x%08x of %llu bytes: %s",
				 (unsigned int)s->key, (unsigned long long)s->seg_size,
				 strerror(-ret));
	}
	m = &c->shms[c->nr_shms++];
	m->shmid = id;
	m->addr = NULL;
	m->flags = s->shm_flags;
	m->made = made;

	addr = shmat(id, NULL, 0);
	if (addr == (void *)-1) {
		ret = neg_errno();
		return thaw_fail(res, ret, "cannot attach System V segment key 0x%08x (id %d): %s",
				 (unsigned int)s->key, id, strerror(-ret));
	}
	m->addr = addr;
	ret = made ? shm_set_perm(id, s) : 0;
	if (ret)
		return thaw_fail(res, ret,
				 "cannot give System V segment key 0x%08x (id %d) the image's owner %u:%u and mode 0%o: %s",
				 (unsigned int)s->key, id, s->uid, s->gid,
				 s->mode & 0777, strerror(-ret));
	ret = thaw_shm_ioctl(c->devfd, index, (uintptr_t)addr, &given);
	if (ret)
		return thaw_fail(res, ret, "System V segment key 0x%08x (id %d): %s",
				 (unsigned int)s->key, id,
				 module_msg(c->devfd, ret, &st));
	return 0;
}

int thaw_shm_make(struct thaw_ctx *c, struct cryoctl_thaw_result *res)
{
	struct cryo_thaw_status st;
	struct cryo_thaw_shm s;
	uint32_t index;
	int ret;

	if (!module_has_thaw_shm(c->devfd))
		return 0;
	for (index = 0;; index++) {
		ret = thaw_shm_ioctl(c->devfd, index, 0, &s);
		if (ret == -ENOENT)
			return 0;
		/* A module that does not know the call has no segments. */
		if (!index && (ret == -ENOTTY || ret == -EINVAL))
			return 0;
		if (ret)
			return thaw_fail(res, ret,
					 "cannot learn the image's System V segment %u: %s",
					 index, module_msg(c->devfd, ret, &st));
		ret = make_one(c, index, &s, res);
		if (ret)
			return ret;
	}
}

void thaw_shm_end(struct thaw_ctx *c, bool ok)
{
	unsigned int i;

	/*
	 * Only what this thaw made is removed: a segment taken back is never
	 * marked removed (shm_survivor()), and must outlive a failure.
	 */
	for (i = 0; i < c->nr_shms; i++) {
		if (c->shms[i].addr)
			shmdt(c->shms[i].addr);
		if (c->shms[i].made &&
		    (!ok || (c->shms[i].flags & CRYO_SHM_REMOVED)))
			shmctl(c->shms[i].shmid, IPC_RMID, NULL);
	}
	free(c->shms);
	c->shms = NULL;
	c->nr_shms = 0;
}
