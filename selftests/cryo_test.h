/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the cryo selftests.  Include after kselftest_harness.h.
 */
#ifndef CRYO_TEST_H
#define CRYO_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>
#include <linux/cryo_netlink.h>

#include "cryoctl.h"

#define CRYO_DEV "/dev/" CRYO_DEVICE_NAME

/* The call must fail with -1 and set errno to @e. */
#define EXPECT_ERRNO(e, call) do {					\
		long __ret;						\
		errno = 0;						\
		__ret = (call);						\
		EXPECT_EQ(-1, __ret);					\
		EXPECT_EQ(e, errno) {					\
			TH_LOG("%s: errno %d (%s), want %d (%s)", #call,	\
			       errno, strerror(errno), e, strerror(e));	\
		}							\
	} while (0)

/*
 * SKIP() for fixture setups.  The harness runs the test body even after a
 * SKIP() in setup; clearing "passed" makes it stop after setup, and the
 * skip is still reported as a skip.
 */
#define CRYO_SETUP_SKIP(fmt, ...) do {					\
		SKIP(, fmt, ##__VA_ARGS__);				\
		_metadata->passed = 0;					\
		return;							\
	} while (0)

/* Open /dev/cryo or skip the test when the module is not there. */
#define CRYO_OPEN_OR_SKIP(fd) do {					\
		(fd) = open(CRYO_DEV, O_RDWR | O_CLOEXEC);		\
		if ((fd) < 0 && errno == ENOENT)			\
			CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded"); \
		ASSERT_LE(0, (fd)) TH_LOG("open " CRYO_DEV ": %s", strerror(errno)); \
	} while (0)

/* Drop every privilege: become nobody/nogroup with no capabilities. */
static inline int cryo_become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -1;
	return 0;
}

/* Path of cryoctl next to the test binaries: <dir>/../bin/cryoctl. */
static inline const char *cryo_cryoctl_path(void)
{
	static char path[PATH_MAX + 32];
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (getenv("CRYOCTL"))
		return getenv("CRYOCTL");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return "cryoctl";
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/../bin/cryoctl", self);
	return path;
}

/*
 * Run @prog (found by PATH when it has no slash) with @argv, its stdout
 * and stderr into @out (NUL-terminated), as nobody when @as_nobody.  Its
 * wait status, or -1.
 */
static inline int cryo_run_capture(char *out, size_t outsz, int as_nobody,
				   const char *prog, const char *const argv[])
{
	int pipefd[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		if (as_nobody && cryo_become_nobody())
			_exit(126);
		execvp(prog, (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (len + 1 < outsz &&
	       (n = read(pipefd[0], out + len, outsz - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/*
 * Run "cryoctl ARGS..." (optionally as nobody), capture its stdout and
 * stderr into @out, and return its exit status (or -1 if it did not exit).
 */
static inline int cryo_run_cli(char *out, size_t outsz, int as_nobody,
			       const char *const argv[])
{
	int status = cryo_run_capture(out, outsz, as_nobody,
				      cryo_cryoctl_path(), argv);

	if (status < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static inline double cryo_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* waitpid() with a timeout; returns the pid, 0 on timeout, -1 on error. */
static inline pid_t wait_timeout(pid_t pid, int *status, double sec)
{
	double end = cryo_now() + sec;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r != 0 || cryo_now() > end)
			return r;
		usleep(2000);
	}
}

/* Poll @cond every millisecond for up to @sec seconds; its final value. */
#define WAIT_FOR(cond, sec) ({						\
		double __end = cryo_now() + (sec);			\
		while (!(cond) && cryo_now() < __end)			\
			usleep(1000);					\
		(cond);							\
	})

/* ---- targets -------------------------------------------------------------
 *
 * A target is a child the test freezes (or refuses to freeze).  Every one
 * is started by cryo_target_fork(), which ties its life to the test's
 * (PR_SET_PDEATHSIG), and ended by cryo_target_end(), which checks how it
 * ended and that nothing of it is left.
 */

/* The exit status of a forked target that found its parent gone. */
#define CRYO_TARGET_ORPHANED	124

/*
 * fork() a target: in the child (0 returned) PR_SET_PDEATHSIG is SIGKILL,
 * so that a test that dies leaves no target behind.  The child's pid in
 * the parent, -1 on error.  The child drops the harness's page of results
 * (MAP_SHARED, mapped by every test): memory shared with a process
 * outside the tree is refused by a freeze (CRYO_REFUSAL_SHARED_MEMORY),
 * and a target has no results of the harness's to give.
 */
static inline pid_t cryo_target_fork_from(struct __test_metadata *md)
{
	pid_t parent = getpid(), pid;

	pid = fork();
	if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) ||
			 getppid() != parent))
		_exit(CRYO_TARGET_ORPHANED);
	if (pid == 0 && md && md->results)
		munmap(md->results, sizeof(*md->results));
	return pid;
}
#define cryo_target_fork() cryo_target_fork_from(_metadata)

/*
 * In a target: unmap the shared anonymous memory it inherited from the
 * test (the "/dev/zero (deleted)" lines of its maps), which a freeze
 * refuses as shared with a process outside the tree.  For targets forked
 * after the test mapped such memory for itself.
 */
static inline void cryo_target_unshare(void)
{
	unsigned long start, end;
	char line[512], perms[8];
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 &&
		    perms[3] == 's' && strstr(line, "/dev/zero (deleted)"))
			munmap((void *)start, end - start);
	}
	fclose(f);
}

/* How a target must end, for cryo_target_end(): a wait status. */
#define CRYO_KILLED(sig)	W_EXITCODE(0, (sig))
#define CRYO_EXITED(code)	W_EXITCODE((code), 0)

/* A wait status in words, into @buf. */
static inline const char *cryo_status_str(int status, char *buf, size_t n)
{
	if (WIFEXITED(status))
		snprintf(buf, n, "exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, n, "wait status %#x", status);
	return buf;
}

/*
 * End target @pid, our child: send it @sig unless @sig is 0 (then it must
 * end by itself), reap it within @sec seconds, and check that it ended as
 * @want (CRYO_KILLED(sig) or CRYO_EXITED(code)) and that nothing is left
 * of it.  A target that does not end is killed and reaped all the same.
 * 0, or -1 with @why (@n bytes) saying what went wrong.
 */
static inline int cryo_target_end(pid_t pid, int sig, int want, double sec,
				  char *why, size_t n)
{
	char got[64], exp[64];
	int status;
	pid_t r;

	why[0] = '\0';
	if (pid <= 0)
		return 0;
	if (sig && kill(pid, sig) && errno != ESRCH) {
		snprintf(why, n, "kill(%d, %d): %s", pid, sig, strerror(errno));
		sig = 0;
	}
	r = wait_timeout(pid, &status, sec);
	if (r != pid) {
		if (!why[0])
			snprintf(why, n, "target %d not ended after %.1f s (%s)",
				 pid, sec, r ? strerror(errno) : "timeout");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	if ((status & ~0x80) != want) {
		snprintf(why, n, "target %d %s, want %s", pid,
			 cryo_status_str(status, got, sizeof(got)),
			 cryo_status_str(want, exp, sizeof(exp)));
		return -1;
	}
	if (!kill(pid, 0) || errno != ESRCH) {
		snprintf(why, n, "target %d still there after it was reaped", pid);
		return -1;
	}
	return why[0] ? -1 : 0;
}

/*
 * cryo_target_end() as a test check; @pid (an lvalue) is 0 afterwards.
 * Usable in FIXTURE_TEARDOWN().
 */
#define EXPECT_TARGET_END(pid, sig, want) do {				\
		char __why[256];					\
									\
		EXPECT_EQ(0, cryo_target_end((pid), (sig), (want), 10,	\
					     __why, sizeof(__why)))	\
			TH_LOG("%s", __why);				\
		(pid) = 0;						\
	} while (0)

/* The usual end: killed by SIGKILL, by us or by a freeze. */
#define EXPECT_TARGET_KILLED(pid) \
	EXPECT_TARGET_END(pid, SIGKILL, CRYO_KILLED(SIGKILL))

/*
 * Run cryoctl with @argv (argv[0] included); its stdout to @out_path (or
 * /dev/null when NULL).  Exit status, or -1.
 */
static inline int cryo_cli_to(const char *out_path, const char *const argv[])
{
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = out_path ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600) :
				open("/dev/null", O_WRONLY);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		execv(cryo_cryoctl_path(), (char *const *)argv);
		_exit(127);
	}
	if (wait_timeout(pid, &status, 60) != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * An image stream (a /dev/cryo session, a pipe) read to EOF in odd-sized
 * pieces into *@out (malloc'ed); its length, or 0 with *@out NULL when a
 * read or an allocation fails.
 */
static inline size_t cryo_read_stream(int fd, unsigned char **out)
{
	size_t cap = 1 << 20, len = 0;
	unsigned char *buf = malloc(cap), *nb;
	ssize_t n = -1;

	while (buf) {
		if (cap - len < 70000) {
			nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, 65537);
		if (n <= 0)
			break;
		len += n;
	}
	if (n < 0) {
		free(buf);
		buf = NULL;
		len = 0;
	}
	*out = buf;
	return len;
}

/* ---- images ---------------------------------------------------------------
 *
 * Images are read with libcryoctl's reader, which checks every record's
 * checksum, the framing, the order of the records and the trailer's
 * counts.  cryo_image_walk() runs it over an image in memory.
 */

/*
 * Called for every record of an image, the TRAILER last (which the
 * library checks and does not hand out: it is given here with its payload
 * and its place in the stream).  Nonzero stops the walk.
 */
typedef int (*cryo_rec_fn)(const struct cryoctl_record *rec, void *arg);

/*
 * Walk the @len bytes of @img with libcryoctl's reader, @fn (may be NULL)
 * for every record.  The number of records (the TRAILER included);
 * -errno from the reader, with its message in @err (@errsz bytes, may be
 * NULL); or what @fn returned (with @err empty), when not 0.
 */
static inline long cryo_image_walk(const void *img, size_t len, cryo_rec_fn fn,
				   void *arg, char *err, size_t errsz)
{
	struct cryoctl_image *ci = NULL;
	struct cryoctl_record rec, last = { 0 };
	size_t done = 0;
	long ret, n = 0;
	ssize_t w;
	int fd;

	if (err && errsz)
		err[0] = '\0';
	fd = memfd_create("cryo_image", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < len && (w = write(fd, (const char *)img + done,
					len - done)) > 0)
		done += w;
	if (done != len || lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return -EIO;
	}
	ret = cryoctl_image_open(fd, &ci);
	while (!ret && (ret = cryoctl_image_next(ci, &rec)) == 1) {
		n++;
		last = rec;
		ret = fn ? fn(&rec, arg) : 0;
		if (ret)
			goto out;
	}
	if (!ret) {
		/* The TRAILER: right after the last record handed out. */
		rec.type = CRYO_REC_TRAILER;
		rec.payload = cryoctl_image_trailer(ci);
		rec.len = sizeof(struct cryo_image_trailer);
		rec.index = n;
		rec.offset = last.offset + sizeof(struct cryo_rec) + last.len;
		n++;
		ret = fn ? fn(&rec, arg) : 0;
		if (!ret)
			ret = n;
	} else if (ret < 0 && err && errsz) {
		snprintf(err, errsz, "%s", ci ? cryoctl_image_error(ci, NULL, NULL) :
			 strerror(-ret));
	}
out:
	cryoctl_image_close(ci);
	close(fd);
	return ret;
}

/*
 * The one framing walker, for images the reader would refuse (a test's
 * damaged copies): follows the record lengths without checking anything
 * else.  Offset of the first record of @type in @img, or of the first
 * length above CRYO_REC_MAX_LEN; @len if neither is met.
 */
static inline size_t cryo_frame_find(const unsigned char *img, size_t len,
				     uint32_t type)
{
	size_t off = 0;

	while (off + sizeof(struct cryo_rec) <= len) {
		struct cryo_rec r;

		memcpy(&r, img + off, sizeof(r));
		if (r.type == type || r.len > CRYO_REC_MAX_LEN)
			return off;
		off += sizeof(r) + r.len;
	}
	return len;
}

/* A text file into @buf (NUL-terminated); its length, -1 on error. */
static inline ssize_t cryo_read_file(const char *path, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

/* The last pid handed out in our pid namespace: did anything fork? */
static inline long cryo_last_pid(void)
{
	char buf[32];

	if (cryo_read_file("/proc/sys/kernel/ns_last_pid", buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static inline int cryo_write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t done = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (done < len && (n = write(fd, (const char *)buf + done, len - done)) > 0)
		done += n;
	close(fd);
	return done == len ? 0 : -1;
}

/* "pos" and "flags" of /proc/PID/fdinfo/FD. */
static inline int cryo_fdinfo(pid_t pid, int fd, long long *pos,
			      unsigned int *flags)
{
	char path[64], buf[1024], *p, *q;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "pos:");
	q = strstr(buf, "flags:");
	if (!p || !q)
		return -1;
	*pos = strtoll(p + 4, NULL, 10);
	*flags = strtoul(q + 6, NULL, 8);
	return 0;
}

/*
 * Yama's ptrace_scope, set to @val ("0\n" ...) with the old value kept in
 * @saved (give it back with the same call).  A freeze is refused where
 * ptrace is, and the kernel's default with Yama is 1: only descendants.
 * Returns 0, or -1 when the kernel has no Yama (nothing to relax then).
 */
#define CRYO_YAMA_KNOB "/proc/sys/kernel/yama/ptrace_scope"
static inline int cryo_yama_scope(const char *val, char *saved, size_t size)
{
	if (saved && cryo_read_file(CRYO_YAMA_KNOB, saved, size) <= 0)
		return -1;
	return cryo_write_file(CRYO_YAMA_KNOB, val, strlen(val));
}

#endif /* CRYO_TEST_H */
