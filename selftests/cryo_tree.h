/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the selftests of process trees (cryo_tree_test,
 * cryo_tree_thaw_test, cryo_shm_test).  Include after cryo_thaw.h.
 *
 * A tree's test is a child subreaper with a scratch directory DIR: the
 * members talk to it through files there, DIR/log.err is their stderr,
 * and DIR/image the image of a freeze.  The root of the tree is the
 * test's child, the original and then the restored one.
 */
#ifndef CRYO_TREE_H
#define CRYO_TREE_H

#include <dirent.h>
#include <stdbool.h>

/* Most descendants tree_kill_descendants() kills in one round. */
#define TREE_KILL_MAX	1024

/*
 * @env="a,b" (6.1's harness has no -t) runs only the tests a and b:
 * is test @name one of them (or @env unset or empty)?
 */
static inline bool cryo_selected(const char *env, const char *name)
{
	const char *only = getenv(env);
	char list[512], pat[128];

	if (!only || !*only)
		return true;
	snprintf(list, sizeof(list), ",%s,", only);
	snprintf(pat, sizeof(pat), ",%s,", name);
	return strstr(list, pat);
}

/* Our descendants, @root first: their number (at most @max), or -1. */
static inline int tree_descendants(pid_t root, pid_t *out, int max)
{
	static pid_t pid[8192], ppid[8192];
	struct dirent *de;
	int n = 0, nr = 0, i, k;
	DIR *d = opendir("/proc");

	if (!d)
		return -1;
	while ((de = readdir(d)) && n < 8192) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid[n] = atoi(de->d_name);
		ppid[n] = cryo_stat_field(pid[n], 1);
		n++;
	}
	closedir(d);
	if (max < 1)
		return 0;
	out[nr++] = root;
	for (i = 0; i < nr; i++)
		for (k = 0; k < n; k++)
			if (ppid[k] == out[i] && pid[k] != root && nr < max)
				out[nr++] = pid[k];
	return nr;
}

/* Kill everything below us and reap it (we are a subreaper). */
static inline void tree_kill_descendants(void)
{
	static pid_t pids[TREE_KILL_MAX];
	int i, n, round;

	for (round = 0; round < 500; round++) {
		n = tree_descendants(getpid(), pids, TREE_KILL_MAX);
		for (i = 1; i < n; i++)
			kill(pids[i], SIGKILL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (n <= 1)
			return;
		usleep(10000);
	}
}

/* @dir/@name (one of four static buffers, used in turn). */
static inline const char *tree_path(const char *dir, const char *name)
{
	static char path[4][160];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

/* The text of @dir/@name into @buf ("" when absent). */
static inline const char *tree_text(const char *dir, const char *name,
				    char *buf, size_t size)
{
	if (cryo_read_file(tree_path(dir, name), buf, size) < 0)
		buf[0] = 0;
	return buf;
}

static inline bool tree_has(const char *dir, const char *name)
{
	return !access(tree_path(dir, name), F_OK);
}

/*
 * Start the root of a tree: @argv in @dir, fds 0 and 1 /dev/null, 2 the
 * file @log, and fd 3 @fd3 when not -1; every other fd closed.  Its pid,
 * or -1.
 */
static inline pid_t tree_spawn(const char *dir, const char *log,
			       const char *const argv[], int fd3)
{
	int fd, null, lfd;
	pid_t pid;

	/*
	 * As cryo_target_fork(): tied to our life.  The exec drops what the
	 * harness maps shared (memory shared with us would be refused).
	 */
	pid = fork();
	if (pid)
		return pid;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
		_exit(CRYO_TARGET_ORPHANED);
	null = open("/dev/null", O_RDWR);
	lfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (null < 0 || lfd < 0 || chdir(dir) ||
	    (fd3 >= 0 && cryo_move_fd(fd3, 3)) || cryo_move_fd(null, 0) ||
	    cryo_move_fd(null, 1) || cryo_move_fd(lfd, 2))
		_exit(125);
	for (fd = fd3 >= 0 ? 4 : 3; fd < 1024; fd++)
		close(fd);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/*
 * Freeze the tree of @root with @flags and @timeout_ms (0: the default)
 * into the file @img; @res filled in.  cryoctl_freeze_ex()'s result.
 */
static inline int tree_freeze(const char *img, pid_t root, unsigned int flags,
			      unsigned int timeout_ms,
			      struct cryoctl_freeze_result *res)
{
	int dev, fd, ret;

	memset(res, 0, sizeof(*res));
	res->size = sizeof(*res);
	dev = cryoctl_open();
	if (dev < 0)
		return dev;
	fd = open(img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		close(dev);
		return ret;
	}
	ret = cryoctl_freeze_ex(dev, root, flags, timeout_ms, fd, NULL, NULL,
				res);
	close(fd);
	close(dev);
	return ret;
}

/*
 * After a freeze with CRYO_FREEZE_KILL: the root *@root (our child) died
 * of SIGKILL (*@root is 0 once reaped), and every one of @pids[@n] is
 * gone (reaped by us, the subreaper, if it came to us).  0, or -1 with
 * @why.
 */
static inline int tree_reap_killed(pid_t *root, const pid_t *pids, int n,
				   char *why, size_t size)
{
	double end = cryo_now() + 30;
	int status, i, left;

	why[0] = 0;
	if (wait_timeout(*root, &status, 10) != *root) {
		snprintf(why, size, "root %d not ended", *root);
		return -1;
	}
	*root = 0;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		snprintf(why, size, "root ended with status 0x%x, not SIGKILL",
			 status);
		return -1;
	}
	do {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		for (i = 0, left = 0; i < n; i++)
			left += !kill(pids[i], 0) || errno != ESRCH;
		if (!left)
			return 0;
		usleep(2000);
	} while (cryo_now() < end);
	snprintf(why, size, "%d members still there after the kill", left);
	return -1;
}

/*
 * Thaw the file @img with @flags | CRYOCTL_THAW_WAIT: the root is our
 * child, its pid in *@root on success.  @res filled in.
 */
static inline int tree_thaw_wait(const char *img, pid_t *root,
				 unsigned int flags,
				 struct cryoctl_thaw_result *res)
{
	int dev, fd, ret;

	memset(res, 0, sizeof(*res));
	dev = cryoctl_open();
	fd = open(img, O_RDONLY | O_CLOEXEC);
	if (dev < 0 || fd < 0)
		ret = dev < 0 ? dev : -errno;
	else
		ret = cryoctl_thaw(dev, fd, flags | CRYOCTL_THAW_WAIT, NULL, 0,
				   res);
	if (fd >= 0)
		close(fd);
	if (dev >= 0)
		close(dev);
	if (!ret)
		*root = res->pid;
	return ret;
}

/* tree_thaw_wait() of @img with @flags as a test check: @root restored. */
#define ASSERT_TREE_THAW(img, root, flags) do {				\
		struct cryoctl_thaw_result __res;			\
		int __r = tree_thaw_wait((img), &(root), (flags), &__res); \
									\
		ASSERT_EQ(0, __r) TH_LOG("thaw: %s: %s", strerror(-__r),	\
					 __res.message);		\
		ASSERT_LT(0, (root));					\
	} while (0)

/*
 * The root @root (an lvalue, 0 afterwards) ends by itself within @sec
 * seconds, as @want; @dir/log.err is logged when not.
 */
#define EXPECT_TREE_ROOT_END(root, dir, want, sec) do {			\
		char __why[256];					\
									\
		EXPECT_EQ(0, cryo_target_end((root), 0, (want), (sec),	\
					     __why, sizeof(__why)))	\
			TH_LOG("%s; log: %s", __why, tree_text((dir), "log.err", \
				(char[2048]){ 0 }, 2048));		\
		(root) = 0;						\
	} while (0)

#endif /* CRYO_TREE_H */
