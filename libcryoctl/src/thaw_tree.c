// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Thawing a tree: the processes of the members other than the root.
 *
 * R (member 0) forks the process of each of its children in the TREE,
 * and each of those forks its own, so that every parent is the parent
 * again (with CRYO_THAW_SAME_PID each gets its image pid through clone3
 * set_tid).  Each sets its session and process group from the TREE: a
 * session leader calls setsid() before it forks its children, who must
 * inherit the session; then, once every process exists, group leaders
 * make their groups and the others join them, the groups of members only
 * (a group outside the tree is inherited).  A member that shares its
 * parent's fd table or fs_struct (CRYO_MEMBER_SHARES_FILES, _FS) is made
 * with CLONE_FILES or CLONE_FS, and shares it from then on: an fd one of
 * them closes is closed for all, so none closes an fd it did not open
 * itself, and none changes its directory or umask before its restore.
 * The module closes the library's fds of a shared table once, when no
 * sharer needs them.  A zombie exits as it did, and
 * its parent, once restored, reaps it.  Every other one asks the module
 * for its plan (CRYO_IOC_THAW_MEMBER, which waits for the members before
 * it) and goes on as R does: its pipes, its credentials, its stub.
 *
 * Everything here runs in processes forked from the caller, which may have
 * other threads: async-signal-safe calls only, no allocation.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "internal.h"
#include "stub.h"
#include "thaw.h"

/* How long the processes of a tree wait for each other to be made. */
#define TREE_WAIT_MS		10000

static void tree_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000 };

	nanosleep(&ts, NULL);
}

/* Count this process in @counter, and wait for all the tree's. */
static int tree_barrier(struct thaw_ctx *c, int *counter)
{
	int waited;

	__atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST);
	for (waited = 0; waited < TREE_WAIT_MS; waited++) {
		if (__atomic_load_n(counter, __ATOMIC_SEQ_CST) >= (int)c->nr_procs)
			return 0;
		tree_sleep_ms(1);
	}
	return -ETIMEDOUT;
}

/* The member whose image pid is @pid, or -1. */
static int tree_find(const struct thaw_ctx *c, pid_t pid)
{
	unsigned int i;

	for (i = 0; i < c->nr_procs; i++)
		if (c->procs[i].pid == pid)
			return (int)i;
	return -1;
}

/*
 * A zombie: end as the image says it ended, for its parent to reap.  The
 * module refuses a status that is no death (a stop signal, an ignored
 * one); this process is a fork of the caller (root's, for a scheduler),
 * so it never stops for one, and never dumps core (the image's core-dump
 * bit is not honoured).
 */
static __attribute__((noreturn)) void tree_die_as(int status)
{
	struct rlimit no_core = { 0, 0 };
	int sig = status & 0x7f;
	uint64_t mask;
	struct sigaction sa;

	if (!sig)
		_exit((status >> 8) & 0xff);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &no_core);
	switch (sig) {
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
	case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
		_exit(128 + sig);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	mask = ~(1ULL << (sig - 1));
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof(mask));
	kill(getpid(), sig);
	/* A signal whose default does not kill cannot have killed it. */
	_exit(128 + sig);
}

static __attribute__((noreturn)) void tree_member(struct thaw_ctx *c,
						   unsigned int k);

/* The clone3 flags that make member @m share what it shared with its parent. */
static uint64_t tree_clone_flags(const struct cryo_image_member *m)
{
	uint64_t flags = 0;

	if (m->flags & CRYO_MEMBER_SHARES_FILES)
		flags |= CLONE_FILES;
	if (m->flags & CRYO_MEMBER_SHARES_FS)
		flags |= CLONE_FS;
	return flags;
}

/*
 * This process is member @k's (R for 0): its session, its children, its
 * group.  Return: 0, or -errno.
 */
static int tree_setup(struct thaw_ctx *c, unsigned int k)
{
	const struct cryo_image_member *m = &c->procs[k];
	struct thaw_tree_shared *sh = c->sh;
	unsigned int j;
	int ret, g;

	sh->newpid[k] = getpid();
	/* Its children are in its session: it must exist first. */
	if (k && m->sid == m->pid && setsid() < 0)
		return -errno;
	for (j = k + 1; j < c->nr_procs; j++) {
		pid_t pid;

		if (c->procs[j].parent != (int)k)
			continue;
		pid = thaw_clone(tree_clone_flags(&c->procs[j]),
				 c->flags & CRYO_THAW_SAME_PID ? c->procs[j].pid : 0);
		if (!pid)
			tree_member(c, j);
		if (pid < 0) {
			ret = -errno;
			thaw_send_msg(c->status[1], STUB_ST_TREE_PID, c->procs[j].pid);
			return ret;
		}
	}
	ret = tree_barrier(c, &sh->created);
	if (ret)
		return ret;
	/* The root's group and session stay as a thaw of one process has them. */
	if (k && m->pgid == m->pid && m->sid != m->pid)
		setpgid(0, 0);
	ret = tree_barrier(c, &sh->leaders);
	if (ret)
		return ret;
	g = k && m->pgid != m->pid ? tree_find(c, m->pgid) : -1;
	/* A group of a member made elsewhere in the tree; else inherited. */
	if (g >= 0 && sh->newpid[g] > 0)
		setpgid(0, sh->newpid[g]);
	return tree_barrier(c, &sh->joined);
}

/* CRYO_IOC_THAW_MEMBER, and member @k's pipes.  Return: 0 or -errno. */
static int tree_plan(struct thaw_ctx *c, unsigned int k)
{
	unsigned int i;
	int ret;

	c->t = (struct cryo_thaw){
		.size = sizeof(c->t),
		.flags = c->flags & CRYO_THAW_ALL,
		.tids = (uintptr_t)c->tids,
		.tids_len = THAW_TIDS_MAX,
		.stub_size = c->stub_len,
		.groups = (uintptr_t)c->groups,
		.groups_len = CRYO_THAW_GROUPS_MAX,
		.member = k,
		.objects = (uintptr_t)c->objs,
		.objects_len = THAW_OBJECTS_MAX,
	};
	if (ioctl(c->devfd, CRYO_IOC_THAW_MEMBER, &c->t) < 0)
		return -errno;
	c->creds = true;
	ret = thaw_plan_fits(c);
	if (ret)
		return ret;
	c->nr_pipes = c->t.nr_pipes;
	for (i = 0; i < c->nr_pipes; i++)
		if (pipe2(c->pipes + 2 * i, O_CLOEXEC))
			return -errno;
	/* The room for them was made before the fork (prepare_r()). */
	c->nr_objects = c->t.nr_objects;
	ret = thaw_make_objects(c, &i);
	if (ret)
		return ret;
	/* Built in the region itself, once it is mapped: no allocation here. */
	c->init = NULL;
	return 0;
}

static __attribute__((noreturn)) void tree_member(struct thaw_ctx *c,
						   unsigned int k)
{
	int ret;

	c->member = k;
	c->rpid = 0;
	thaw_send_msg(c->status[1], STUB_ST_MEMBER_PID, (int)getpid());
	ret = tree_setup(c, k);
	if (ret) {
		thaw_send_msg(c->status[1], STUB_ST_TREE, -ret);
		_exit(1);
	}
	if (c->procs[k].flags & CRYO_MEMBER_ZOMBIE)
		tree_die_as(c->procs[k].exit_code);
	ret = tree_plan(c, k);
	if (ret) {
		thaw_send_msg(c->status[1], STUB_ST_MEMBER, -ret);
		_exit(1);
	}
	thaw_run_restore(c);
}

int thaw_tree_spawn(struct thaw_ctx *c)
{
	struct sigaction sa;

	/* A parent that ignores SIGCHLD would never see its zombies. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	return tree_setup(c, 0);
}
