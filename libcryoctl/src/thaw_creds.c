// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The process R that becomes the restored one takes the credentials and
 * limits CRYO_IOC_THAW planned for it, through the ordinary system calls,
 * before it issues CRYO_IOC_THAW_RESTORE: the kernel's own rules then
 * apply (the user's process accounting and RLIMIT_NPROC, LSM hooks, the
 * hard limits it may not raise), and the module only checks the result.
 *
 * Runs in R, a fork of a possibly multithreaded caller: raw system calls
 * only, no allocation, no lock (glibc's set*id() wrappers would signal
 * threads R does not have).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/cryo.h>

#include "internal.h"

#define NR_RLIMITS	16

struct rlim64 {
	uint64_t cur;
	uint64_t max;
};

static long sys_err(long ret)
{
	return ret < 0 ? -errno : ret;
}

/*
 * The image's limit, or as close as we may come: without
 * CAP_SYS_RESOURCE a hard limit is never raised, and the soft one stays
 * below the hard one.
 */
static void set_limit(unsigned int res, const __u64 lim[2])
{
	struct rlim64 want = { lim[0], lim[1] }, old;

	if (!sys_err(syscall(SYS_prlimit64, 0, res, &want, NULL)))
		return;
	if (sys_err(syscall(SYS_prlimit64, 0, res, NULL, &old)))
		return;
	want.max = old.max;
	if (want.cur > want.max)
		want.cur = want.max;
	syscall(SYS_prlimit64, 0, res, &want, NULL);
}

/* @u in decimal, ending just before @end: its first character. */
static char *decimal(char *end, uint32_t u)
{
	do {
		*--end = '0' + u % 10;
		u /= 10;
	} while (u);
	return end;
}

/* Where the kernel lets us: lowering it needs CAP_SYS_RESOURCE. */
static void set_oom_score_adj(int v)
{
	char buf[16], *p;
	int fd;

	p = decimal(buf + sizeof(buf), v < 0 ? -(unsigned int)v : (unsigned int)v);
	if (v < 0)
		*--p = '-';
	fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/oom_score_adj",
		     O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	syscall(SYS_write, fd, p, buf + sizeof(buf) - p);
	syscall(SYS_close, fd);
}

/*
 * The audit login uid, where the kernel lets us: CAP_AUDIT_CONTROL, or
 * a process that has none yet (and audit does not make it immutable).
 * Otherwise R keeps the thawing caller's: nobody may claim another's
 * login.  Written only when it differs: a write, even of the same value,
 * opens a new audit session.
 */
static void set_loginuid(uint32_t v)
{
	char buf[16], cur[16], *p = decimal(buf + sizeof(buf), v);
	long n;
	int fd;

	fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/loginuid",
		     O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	n = syscall(SYS_read, fd, cur, sizeof(cur));
	if (n != buf + sizeof(buf) - p || memcmp(cur, p, (size_t)n))
		syscall(SYS_pwrite64, fd, p, buf + sizeof(buf) - p, 0);
	syscall(SYS_close, fd);
}

/*
 * Keep of the permitted set only what @keep says (all of it with ~0),
 * effective as well.
 */
static int caps_keep(uint64_t keep)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { 0 };
	uint64_t perm;

	if (sys_err(syscall(SYS_capget, &h, d)))
		return -errno;
	perm = ((uint64_t)d[1].permitted << 32 | d[0].permitted) & keep;
	d[0].permitted = (uint32_t)perm;
	d[0].effective = d[0].permitted;
	d[1].permitted = (uint32_t)(perm >> 32);
	d[1].effective = d[1].permitted;
	d[0].inheritable = 0;
	d[1].inheritable = 0;
	return sys_err(syscall(SYS_capset, &h, d)) ? -errno : 0;
}

/*
 * The capabilities R needs until CRYO_IOC_THAW_FINISH drops them: to
 * create its threads with their ids (clone3 set_tid:
 * CAP_CHECKPOINT_RESTORE, or CAP_SYS_ADMIN where that is all the caller
 * has) and to set its exe (PR_SET_MM_EXE_FILE: CAP_SYS_RESOURCE).  Its
 * new owner cannot reach them meanwhile: ptrace, /proc/PID/mem and
 * pidfd_getfd() of a process with capabilities its user lacks are
 * refused (commoncap's capability subset rule), and R is not dumpable
 * (with the default fs.suid_dumpable 0).
 */
static int keep_restore_caps(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { 0 };
	uint64_t keep = (1ULL << CAP_CHECKPOINT_RESTORE) |
			(1ULL << CAP_SYS_RESOURCE);

	if (sys_err(syscall(SYS_capget, &h, d)))
		return -errno;
	if (!(d[CAP_TO_INDEX(CAP_CHECKPOINT_RESTORE)].permitted &
	      CAP_TO_MASK(CAP_CHECKPOINT_RESTORE)))
		keep |= 1ULL << CAP_SYS_ADMIN;
	return caps_keep(keep);
}

/**
 * thaw_set_creds() - R takes the restored process's ids and limits
 * @t: CRYO_IOC_THAW's answer (ABI 1.4 fields)
 * @groups: its supplementary groups, @t->nr_groups of them
 *
 * Return: 0, or a negative errno of the call that failed.
 */
int thaw_set_creds(const struct cryo_thaw *t, const uint32_t *groups)
{
	unsigned int i;
	long ret;

	/* Limits first: raising one may need what the new ids lack. */
	for (i = 0; i < NR_RLIMITS; i++)
		set_limit(i, t->rlim[i]);
	set_oom_score_adj(t->oom_score_adj);
	if (t->cred_flags & CRYO_THAW_CRED_LOGINUID)
		set_loginuid(t->loginuid);
	if (!(t->cred_flags & CRYO_THAW_CRED_SET_IDS))
		return 0;

	if (sys_err(syscall(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0)))
		return -errno;
	ret = syscall(SYS_setgroups, t->nr_groups, groups);
	if (!ret)
		ret = syscall(SYS_setresgid, t->gid[0], t->gid[1], t->gid[2]);
	if (!ret)
		ret = syscall(SYS_setresuid, t->uid[0], t->uid[1], t->uid[2]);
	if (ret)
		return -errno;
	/*
	 * setresuid() to another user cleared the effective set; the kept
	 * permitted one makes an fsuid or fsgid outside the three settable,
	 * as the image may have it.
	 */
	ret = caps_keep(~0ULL);
	if (ret)
		return ret;
	/* setfsuid() and setfsgid() return the old value: ask again. */
	syscall(SYS_setfsgid, t->gid[3]);
	syscall(SYS_setfsuid, t->uid[3]);
	if ((uint32_t)syscall(SYS_setfsgid, -1) != t->gid[3] ||
	    (uint32_t)syscall(SYS_setfsuid, -1) != t->uid[3])
		return -EPERM;
	return keep_restore_caps();
}
