// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl dispatch for /dev/cryo.
 *
 * One table maps each command to its handler, its argument structure's
 * kernel size, the first published size and the flags it accepts.  The
 * generic part enforces the ABI rules of uapi/linux/cryo.h once, so that
 * no handler can forget them:
 *
 *  - unknown command                          -> ENOTTY
 *  - size below the first published size      -> EINVAL
 *  - size above a page                        -> E2BIG
 *  - bytes beyond what we know must be zero   -> E2BIG (copy_struct_from_user)
 *  - flags outside the command's valid set    -> EINVAL
 *
 * Output is copied back only as far as the caller's structure reaches.
 */
#include "cryo.h"

#include <linux/cryo.h>
#include <linux/cryo_netlink.h>
#include <linux/kernel.h>
#include <linux/uaccess.h>

#include "freeze.h"
#include "ioctl.h"
#include "session.h"
#include "thaw.h"
#include "netlink.h"
#include "files/files.h"
#include "task/task.h"

/* The head every argument structure starts with (uapi rule). */
struct cryo_ioctl_hdr {
	u32 size;
	u32 flags;
};

/* Every command's argument, so one stack buffer serves them all. */
union cryo_ioctl_buf {
	struct cryo_ioctl_hdr hdr;
	struct cryo_version version;
	struct cryo_freeze freeze;
	struct cryo_commit commit;
	struct cryo_thaw thaw;
	struct cryo_thaw_restore thaw_restore;
	struct cryo_thaw_thread thaw_thread;
	struct cryo_thaw_finish thaw_finish;
	struct cryo_thaw_status thaw_status;
	struct cryo_remap remap;
	struct cryo_thaw_shm thaw_shm;
	struct cryo_thaw_epoll thaw_epoll;
	struct cryo_thaw_inotify thaw_inotify;
	struct cryo_thaw_timers thaw_timers;
};

struct cryo_ioctl_op {
	unsigned int cmd;
	unsigned int size;
	unsigned int min_size;
	u32 valid_flags;
	/* Does this error still fill in the output?  NULL: never. */
	bool (*out_on)(const union cryo_ioctl_buf *buf, int ret);
	/*
	 * Runs without the session lock: a thaw's threads wait in it while
	 * the leader holds the lock, and status must never block.
	 */
	bool unlocked;
	int (*execute)(struct cryo_session *s, union cryo_ioctl_buf *buf);
};

static int cryo_ioc_version(struct cryo_session *s, union cryo_ioctl_buf *buf)
{
	struct cryo_version *v = &buf->version;

	v->abi_major = CRYO_ABI_MAJOR;
	v->abi_minor = CRYO_ABI_MINOR;
	v->features = CRYO_FEATURE_ALL;
	return 0;
}

/* A refusal names what it refuses: the caller gets the structure back. */
static bool cryo_ioc_freeze_out(const union cryo_ioctl_buf *buf, int ret)
{
	return ret == -EOPNOTSUPP || buf->freeze.refusal != CRYO_REFUSAL_NONE;
}

static int cryo_ioc_freeze(struct cryo_session *s, union cryo_ioctl_buf *buf)
{
	int ret = cryo_freeze_start(s, &buf->freeze);

	cryo_nl_freeze_started(&s->nl, ret, s->img, buf->freeze.nr_processes);
	return ret;
}

static int cryo_ioc_commit(struct cryo_session *s, union cryo_ioctl_buf *buf)
{
	int ret = cryo_freeze_commit(s, &buf->commit);

	if (!ret)
		cryo_nl_freeze_commit(&s->nl);
	return ret;
}

static int cryo_ioc_thaw(struct cryo_session *s, union cryo_ioctl_buf *buf)
{
	s->nl.thaw_flags = buf->thaw.flags;	/* for THAW_BEGIN */
	return cryo_thaw_prepare(s, &buf->thaw);
}

static int cryo_ioc_thaw_restore(struct cryo_session *s,
				 union cryo_ioctl_buf *buf)
{
	return cryo_thaw_restore(s, &buf->thaw_restore);
}

static int cryo_ioc_thaw_thread(struct cryo_session *s,
				union cryo_ioctl_buf *buf)
{
	return cryo_thaw_thread(s, &buf->thaw_thread);
}

static int cryo_ioc_thaw_finish(struct cryo_session *s,
				union cryo_ioctl_buf *buf)
{
	return cryo_thaw_finish(s, &buf->thaw_finish);
}

static int cryo_ioc_thaw_status(struct cryo_session *s,
				union cryo_ioctl_buf *buf)
{
	return cryo_thaw_status(s, &buf->thaw_status);
}

/* Takes the session lock itself, once the members before it are read. */
static int cryo_ioc_thaw_member(struct cryo_session *s,
				union cryo_ioctl_buf *buf)
{
	return cryo_thaw_member(s, &buf->thaw);
}

static int cryo_ioc_thaw_shm(struct cryo_session *s, union cryo_ioctl_buf *buf)
{
	return cryo_thaw_shm(s, &buf->thaw_shm);
}

static int cryo_ioc_thaw_attach(struct cryo_session *s,
				union cryo_ioctl_buf *buf)
{
	return cryo_thaw_attach(s, &buf->thaw_restore);
}

static int cryo_ioc_thaw_epoll(struct cryo_session *s,
			       union cryo_ioctl_buf *buf)
{
	return cryo_thaw_epoll(s, &buf->thaw_epoll);
}

/* EBUSY tells where the session's fd must move to. */
static bool cryo_ioc_thaw_epoll_out(const union cryo_ioctl_buf *buf, int ret)
{
	return ret == -EBUSY;
}

static int cryo_ioc_thaw_inotify(struct cryo_session *s,
				 union cryo_ioctl_buf *buf)
{
	return cryo_inotify_thaw_watch(s, &buf->thaw_inotify);
}

static int cryo_ioc_thaw_timers(struct cryo_session *s,
				union cryo_ioctl_buf *buf)
{
	return cryo_thaw_timers(s, &buf->thaw_timers);
}

static int cryo_ioc_remap(struct cryo_session *s, union cryo_ioctl_buf *buf)
{
	return cryo_remap(s, &buf->remap);
}

/*
 * CRYO_OP(VERSION, version, ...) binds CRYO_IOC_VERSION to struct
 * cryo_version, whose first published size is CRYO_VERSION_SIZE_VER0.
 */
#define CRYO_OP(_NAME, _name, _flags, _fn)				\
	[CRYO_CMD_##_NAME] = {						\
		.cmd = CRYO_IOC_##_NAME,				\
		.size = sizeof(struct cryo_##_name),			\
		.min_size = CRYO_##_NAME##_SIZE_VER0,			\
		.valid_flags = _flags,					\
		.execute = _fn,						\
	}

#define CRYO_OP_UNLOCKED(_NAME, _name, _fn)				\
	[CRYO_CMD_##_NAME] = {						\
		.cmd = CRYO_IOC_##_NAME,				\
		.size = sizeof(struct cryo_##_name),			\
		.min_size = CRYO_##_NAME##_SIZE_VER0,			\
		.execute = _fn,						\
		.unlocked = true,					\
	}

static const struct cryo_ioctl_op cryo_ioctl_ops[] = {
	CRYO_OP(VERSION, version, 0, cryo_ioc_version),
	[CRYO_CMD_FREEZE] = {
		.cmd = CRYO_IOC_FREEZE,
		.size = sizeof(struct cryo_freeze),
		.min_size = CRYO_FREEZE_SIZE_VER0,
		.valid_flags = CRYO_FREEZE_ALL,
		.out_on = cryo_ioc_freeze_out,
		.execute = cryo_ioc_freeze,
	},
	CRYO_OP(COMMIT, commit, 0, cryo_ioc_commit),
	CRYO_OP(THAW, thaw, CRYO_THAW_ALL, cryo_ioc_thaw),
	CRYO_OP(THAW_RESTORE, thaw_restore, 0, cryo_ioc_thaw_restore),
	CRYO_OP_UNLOCKED(THAW_THREAD, thaw_thread, cryo_ioc_thaw_thread),
	CRYO_OP_UNLOCKED(THAW_FINISH, thaw_finish, cryo_ioc_thaw_finish),
	[CRYO_CMD_THAW_STATUS] = {
		.cmd = CRYO_IOC_THAW_STATUS,
		.size = sizeof(struct cryo_thaw_status),
		.min_size = CRYO_THAW_STATUS_SIZE_VER0,
		.valid_flags = CRYO_THAW_STATUS_ALL,
		.execute = cryo_ioc_thaw_status,
		.unlocked = true,
	},
	CRYO_OP(REMAP, remap, 0, cryo_ioc_remap),
	[CRYO_CMD_THAW_MEMBER] = {
		.cmd = CRYO_IOC_THAW_MEMBER,
		.size = sizeof(struct cryo_thaw),
		.min_size = CRYO_THAW_SIZE_VER2,
		.valid_flags = CRYO_THAW_ALL,
		.execute = cryo_ioc_thaw_member,
		.unlocked = true,
	},
	CRYO_OP(THAW_SHM, thaw_shm, 0, cryo_ioc_thaw_shm),
	[CRYO_CMD_THAW_ATTACH] = {
		.cmd = CRYO_IOC_THAW_ATTACH,
		.size = sizeof(struct cryo_thaw_restore),
		.min_size = CRYO_THAW_RESTORE_SIZE_VER1,
		.execute = cryo_ioc_thaw_attach,
	},
	[CRYO_CMD_THAW_EPOLL] = {
		.cmd = CRYO_IOC_THAW_EPOLL,
		.size = sizeof(struct cryo_thaw_epoll),
		.min_size = CRYO_THAW_EPOLL_SIZE_VER0,
		.out_on = cryo_ioc_thaw_epoll_out,
		.execute = cryo_ioc_thaw_epoll,
	},
	CRYO_OP(THAW_INOTIFY, thaw_inotify, 0, cryo_ioc_thaw_inotify),
	CRYO_OP(THAW_TIMERS, thaw_timers, 0, cryo_ioc_thaw_timers),
};

/* A structure may only grow past its first published size. */
static_assert(sizeof(struct cryo_version) >= CRYO_VERSION_SIZE_VER0);
static_assert(sizeof(struct cryo_freeze) >= CRYO_FREEZE_SIZE_VER0);
static_assert(sizeof(struct cryo_commit) >= CRYO_COMMIT_SIZE_VER0);
static_assert(sizeof(struct cryo_thaw) >= CRYO_THAW_SIZE_VER0);
static_assert(sizeof(struct cryo_thaw_restore) >= CRYO_THAW_RESTORE_SIZE_VER0);
static_assert(sizeof(struct cryo_thaw_thread) >= CRYO_THAW_THREAD_SIZE_VER0);
static_assert(sizeof(struct cryo_thaw_finish) >= CRYO_THAW_FINISH_SIZE_VER0);
static_assert(sizeof(struct cryo_thaw_status) >= CRYO_THAW_STATUS_SIZE_VER0);
static_assert(sizeof(struct cryo_remap) >= CRYO_REMAP_SIZE_VER0);
static_assert(sizeof(struct cryo_thaw_shm) >= CRYO_THAW_SHM_SIZE_VER0);
static_assert(sizeof(struct cryo_thaw_epoll) >= CRYO_THAW_EPOLL_SIZE_VER0);
static_assert(sizeof(struct cryo_thaw_inotify) >= CRYO_THAW_INOTIFY_SIZE_VER0);
static_assert(sizeof(struct cryo_thaw_timers) >= CRYO_THAW_TIMERS_SIZE_VER0);

long cryo_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct cryo_session *s = filp->private_data;
	void __user *uarg = (void __user *)arg;
	const struct cryo_ioctl_op *op;
	union cryo_ioctl_buf buf;
	u32 usize;
	long ret;

	if (_IOC_NR(cmd) >= ARRAY_SIZE(cryo_ioctl_ops))
		return -ENOTTY;
	op = &cryo_ioctl_ops[_IOC_NR(cmd)];
	if (!op->execute || op->cmd != cmd)
		return -ENOTTY;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < op->min_size)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&buf, op->size, uarg, usize);
	if (ret)
		return ret;

	if (buf.hdr.flags & ~op->valid_flags)
		return -EINVAL;

	/*
	 * Make sure the result can be written back before doing anything:
	 * a freeze that succeeded must not report EFAULT.
	 */
	if (put_user(usize, (u32 __user *)uarg))
		return -EFAULT;

	if (op->unlocked) {
		ret = op->execute(s, &buf);
	} else {
		ret = mutex_lock_killable(&s->lock);
		if (ret)
			return ret;
		ret = op->execute(s, &buf);
		mutex_unlock(&s->lock);
	}
	if (ret && (!op->out_on || !op->out_on(&buf, ret)))
		return ret;

	if (copy_to_user(uarg, &buf, min_t(size_t, usize, op->size)))
		return -EFAULT;
	return ret;
}
