/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the thaw selftests (cryo_thaw_test, cryo_badimage_test).
 * Include after kselftest_harness.h and cryo_test.h.
 *
 * A target is one of the programs under selftests/progs/ (built into
 * $BUILD/selftests/progs/, which the VM's initramfs carries along with the
 * tests), started with a clean fd table: fd 0 a command pipe from the
 * test, fd 1 a reply pipe to it, fd 2 a log file in the test's scratch
 * directory.  It is frozen with CRYO_FREEZE_KILL into an image file in
 * that directory (tmpfs in the VM), reaped, and thawed with two fresh
 * pipes handed over as fds 0 and 1 by inherit entries: the restored
 * process answers on them exactly as the original did.
 */
#ifndef CRYO_THAW_H
#define CRYO_THAW_H

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "cryoctl.h"


/* Seconds a target gets to answer one command. */
#define TGT_TIMEOUT	20

/* Path of a target program: <dir of this binary>/progs/<name>. */
static inline const char *cryo_prog(const char *name)
{
	static char path[4][PATH_MAX + 64];
	static int next;
	char self[PATH_MAX], *p = path[next++ % 4], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		n = 0;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(p, PATH_MAX + 64, "%s/progs/%s",
		 getenv("CRYO_PROGS") ? getenv("CRYO_PROGS") : self, name);
	return p;
}

static inline int cryo_rm_rf(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d)
		return unlink(path);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) <
		    (int)sizeof(sub))
			cryo_rm_rf(sub);
	}
	closedir(d);
	return rmdir(path);
}

/* The whole of a file, malloc()ed; NULL on error. */
static inline unsigned char *cryo_slurp(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !(buf = malloc(st.st_size + 1))) {
		close(fd);
		return NULL;
	}
	*len = 0;
	while (*len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + *len, st.st_size - *len);

		if (n <= 0)
			break;
		*len += n;
	}
	close(fd);
	return buf;
}

/* Copy @from to @to (mode 0755); 0 or -1. */
static inline int cryo_copy_file(const char *from, const char *to)
{
	size_t len;
	unsigned char *buf = cryo_slurp(from, &len);
	int ret;

	if (!buf)
		return -1;
	unlink(to);
	ret = cryo_write_file(to, buf, len);
	free(buf);
	return ret ? ret : chmod(to, 0755);
}

/*
 * Does record @r (its payload @pl) take a patch?  For cryo_image_patch().
 */
typedef bool (*cryo_patch_match_fn)(const struct cryo_rec *r,
				    const unsigned char *pl, const void *arg);

/*
 * The image @in with @width bytes of @val (little-endian) at @off in the
 * payload of the first record @match takes (@arg its own), its checksum
 * made right, written to @out: a malformed-record case.  0, or -1 when no
 * record takes it (or on error).
 */
static inline int cryo_image_patch(const char *in, const char *out,
				   cryo_patch_match_fn match, const void *arg,
				   size_t off, int width, uint64_t val)
{
	size_t len, pos = 0;
	unsigned char *img = cryo_slurp(in, &len);
	struct cryo_rec r;
	int ret = -1;

	if (!img)
		return -1;
	while (pos + sizeof(r) <= len && ret) {
		unsigned char *pl = img + pos + sizeof(r);

		memcpy(&r, img + pos, sizeof(r));
		if (r.len > len - pos - sizeof(r))
			break;
		if (r.len >= off + width && match(&r, pl, arg)) {
			memcpy(pl + off, &val, width);
			r.crc = cryoctl_record_crc(&r, pl);
			memcpy(img + pos, &r, sizeof(r));
			ret = cryo_write_file(out, img, len);
		}
		pos += sizeof(r) + r.len;
	}
	free(img);
	return ret;
}

/* One field of /proc/PID/stat after the comm: 0 is the state (as a char). */
static inline long cryo_stat_field(pid_t pid, int field)
{
	char path[64], buf[1024], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	p += 2;
	if (field == 0)
		return *p;
	for (i = 0; i < field; i++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	return strtol(p, NULL, 10);
}

/* ---- a target ----------------------------------------------------------- */

/* dup2(), also when @from is @to already: either way without O_CLOEXEC. */
static inline int cryo_move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to) == to ? 0 : -1;
}

struct tgt {
	pid_t pid;		/* the running process: original, then restored */
	pid_t orig_pid;		/* the original's pid */
	int child;		/* pid is our child (spawned, or thawed with WAIT) */
	int cmd, rep;		/* our ends of its fds 0 and 1 */
	char dir[64];		/* scratch directory */
	char img[96];		/* the image */
	char log[96];		/* its fd 2 */
	char buf[8192];		/* replies read but not yet taken */
	size_t buflen;
	char line[8192];	/* the last reply */
	char end[256];		/* how it did not end as it should */
};

/* Make the scratch directory; returns 0 or -1. */
static inline int tgt_init(struct tgt *t, const char *name)
{
	memset(t, 0, sizeof(*t));
	t->cmd = t->rep = -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/cryo_%s.XXXXXX", name);
	if (!mkdtemp(t->dir) || chmod(t->dir, 0755))
		return -1;
	snprintf(t->img, sizeof(t->img), "%s/image", t->dir);
	snprintf(t->log, sizeof(t->log), "%s/log", t->dir);
	return 0;
}

/*
 * Kill what runs, reap what is ours, remove the scratch directory.  0, or
 * -1 when our child did not end by that SIGKILL (t->end says how).
 */
static inline int tgt_fini(struct tgt *t)
{
	int status, ret = 0;

	t->end[0] = '\0';
	if (t->pid > 0) {
		if (t->child)
			ret = cryo_target_end(t->pid, SIGKILL, CRYO_KILLED(SIGKILL),
					      10, t->end, sizeof(t->end));
		else
			kill(t->pid, SIGKILL);
		t->pid = 0;
	}
	if (t->cmd >= 0)
		close(t->cmd);
	if (t->rep >= 0)
		close(t->rep);
	t->cmd = t->rep = -1;
	/* Whatever else a thaw left us (it must not leave anything). */
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
	if (t->dir[0])
		cryo_rm_rf(t->dir);
	t->dir[0] = '\0';
	return ret;
}

/* The target's log, for TH_LOG on failure. */
static inline const char *tgt_log(struct tgt *t)
{
	static char buf[2048];

	if (cryo_read_file(t->log, buf, sizeof(buf)) < 0)
		return "(no log)";
	return buf;
}

/*
 * Start @prog with @argv (argv[0] included, NULL-terminated).  @extra:
 * @nextra pairs { fd in the target, our fd } for more fds than 0, 1, 2.
 * Waits for its "ready" line (in t->line).  0 or -1.
 */
static inline int tgt_spawn(struct tgt *t, const char *prog,
			    const char *const argv[], const int (*extra)[2],
			    int nextra)
{
	int c[2], r[2], i, fd, log;

	if (pipe2(c, O_CLOEXEC) || pipe2(r, O_CLOEXEC))
		return -1;
	t->pid = cryo_target_fork_from(NULL);
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		log = open(t->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log < 0 || cryo_move_fd(c[0], 0) || cryo_move_fd(r[1], 1) ||
		    cryo_move_fd(log, 2))
			_exit(125);
		for (i = 0; i < nextra; i++)
			if (cryo_move_fd(extra[i][1], extra[i][0]))
				_exit(125);
		for (fd = 3; fd < 1024; fd++) {
			for (i = 0; i < nextra && extra[i][0] != fd; i++)
				;
			if (i == nextra)
				close(fd);
		}
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	t->child = 1;
	t->orig_pid = t->pid;
	close(c[0]);
	close(r[1]);
	t->cmd = c[1];
	t->rep = r[0];
	t->buflen = 0;
	return 0;
}

/* Next reply line into t->line, waiting up to @sec seconds.  0 or -1. */
static inline int tgt_line(struct tgt *t, double sec)
{
	double end = cryo_now() + sec;
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(t->buf, '\n', t->buflen);
		if (nl) {
			size_t len = nl - t->buf;

			memcpy(t->line, t->buf, len);
			t->line[len] = '\0';
			t->buflen -= len + 1;
			memmove(t->buf, nl + 1, t->buflen);
			return 0;
		}
		if (t->buflen == sizeof(t->buf))
			return -1;
		{
			struct pollfd pfd = { .fd = t->rep, .events = POLLIN };
			int ms = (end - cryo_now()) * 1000;

			if (ms <= 0 || poll(&pfd, 1, ms) <= 0) {
				snprintf(t->line, sizeof(t->line), "(no reply)");
				return -1;
			}
		}
		n = read(t->rep, t->buf + t->buflen, sizeof(t->buf) - t->buflen);
		if (n <= 0) {
			snprintf(t->line, sizeof(t->line), "(EOF)");
			return -1;
		}
		t->buflen += n;
	}
}

/* Send command @c and wait for one reply line. */
static inline int tgt_cmd(struct tgt *t, char c)
{
	if (write(t->cmd, &c, 1) != 1)
		return -1;
	return tgt_line(t, TGT_TIMEOUT);
}

/* Tell the target to exit with @code (no reply). */
static inline int tgt_quit(struct tgt *t, unsigned char code)
{
	char q[2] = { 'q', (char)code };

	return write(t->cmd, q, 2) == 2 ? 0 : -1;
}

/*
 * Freeze with CRYO_FREEZE_KILL into t->img and reap the original, which
 * must die of SIGKILL.  0 or -errno (-ECHILD: it did not die so).
 */
static inline int tgt_freeze_kill(struct tgt *t)
{
	int dev, fd, ret, status;

	dev = cryoctl_open();
	if (dev < 0)
		return dev;
	fd = open(t->img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		close(dev);
		return ret;
	}
	ret = cryoctl_freeze(dev, t->pid, CRYO_FREEZE_KILL | CRYO_FREEZE_ACCEPT_LOSS,
				     0, fd, NULL, NULL);
	close(fd);
	close(dev);
	if (ret)
		return ret;
	if (wait_timeout(t->pid, &status, 10) != t->pid ||
	    !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		return -ECHILD;
	t->pid = 0;
	t->child = 0;
	close(t->cmd);
	close(t->rep);
	t->cmd = t->rep = -1;
	t->buflen = 0;
	return 0;
}

/*
 * Thaw t->img with @flags; fds 0 and 1 of the image get fresh pipes (our
 * ends become t->cmd, t->rep), @extra: @nextra more inherit entries.
 * Returns cryoctl_thaw()'s result; @res filled in.
 */
static inline int tgt_thaw(struct tgt *t, unsigned int flags,
			   const struct cryo_thaw_inherit *extra, int nextra,
			   struct cryoctl_thaw_result *res)
{
	struct cryo_thaw_inherit inh[16];
	int c[2], r[2], dev, img, ret, i;

	memset(res, 0, sizeof(*res));
	if (nextra > 14 || pipe2(c, O_CLOEXEC) || pipe2(r, O_CLOEXEC))
		return -EMFILE;
	inh[0].fd = 0;
	inh[0].source_fd = c[0];
	inh[1].fd = 1;
	inh[1].source_fd = r[1];
	for (i = 0; i < nextra; i++)
		inh[2 + i] = extra[i];
	dev = cryoctl_open();
	img = open(t->img, O_RDONLY | O_CLOEXEC);
	if (dev < 0 || img < 0) {
		ret = dev < 0 ? dev : -errno;
	} else {
		ret = cryoctl_thaw(dev, img, flags, inh, 2 + nextra, res);
	}
	if (img >= 0)
		close(img);
	if (dev >= 0)
		close(dev);
	close(c[0]);
	close(r[1]);
	if (ret) {
		close(c[1]);
		close(r[0]);
		return ret;
	}
	t->pid = res->pid;
	t->child = !!(flags & CRYOCTL_THAW_WAIT);
	t->cmd = c[1];
	t->rep = r[0];
	t->buflen = 0;
	return 0;
}

/* ---- /proc ------------------------------------------------------------------ */

/* /proc/PID/maps without the [vsyscall] line (not a VMA of the process). */
static inline ssize_t cryo_maps(pid_t pid, char *buf, size_t cap)
{
	char path[64], *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	n = cryo_read_file(path, buf, cap);
	if (n < 0)
		return n;
	p = strstr(buf, "[vsyscall]\n");
	if (p) {
		char *start = p;

		while (start > buf && start[-1] != '\n')
			start--;
		memmove(start, p + strlen("[vsyscall]\n"), strlen(p + strlen("[vsyscall]\n")) + 1);
	}
	return strlen(buf);
}

/*
 * Maps text as a thaw can reproduce it: adjacent lines that are one
 * mapping in all but name (same permissions, same file and contiguous
 * offsets, or both anonymous and unnamed) are joined.  The kernel merges
 * such neighbours when they are mapped afresh; in the original they may
 * stay apart (a RELRO part made read-only after its pages were
 * copied-on-write).  Done in place; returns the new length.
 */
static inline size_t cryo_maps_join(char *text)
{
	char *out = text, *line = text, *nl;
	unsigned long ps = 0, pe = 0, po = 0, pino = 0;
	char pperm[8] = "", pdev[16] = "", pname[PATH_MAX] = "";
	char *pstart = NULL;

	for (; *line; line = nl + 1) {
		unsigned long s, e, o, ino;
		char perm[8], dev[16], name[PATH_MAX];
		int used;

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		name[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu%n", &s, &e, perm, &o, dev,
			   &ino, &used) != 6)
			used = -1;
		if (used > 0) {
			char *n = line + used;
			size_t len;

			while (*n == ' ')
				n++;
			len = nl - n;
			if (len >= sizeof(name))
				len = sizeof(name) - 1;
			memcpy(name, n, len);
			name[len] = '\0';
		}
		if (used > 0 && pstart && s == pe && !strcmp(perm, pperm) &&
		    !strcmp(dev, pdev) && ino == pino && !strcmp(name, pname) &&
		    (ino ? o == po + (pe - ps) : !name[0])) {
			/* Extend the previous line: rewrite it with the new end. */
			char head[64];
			int hl = snprintf(head, sizeof(head), "%08lx-%08lx", ps, e);
			int old = strchr(pstart, ' ') - pstart;

			memmove(pstart + hl, pstart + old, out - (pstart + old));
			out += hl - old;
			memcpy(pstart, head, hl);
			pe = e;
			continue;
		}
		pstart = out;
		memmove(out, line, nl + 1 - line);
		out += nl + 1 - line;
		if (used > 0) {
			ps = s;
			pe = e;
			po = o;
			pino = ino;
			snprintf(pperm, sizeof(pperm), "%s", perm);
			snprintf(pdev, sizeof(pdev), "%s", dev);
			memcpy(pname, name, sizeof(pname));
		} else {
			pstart = NULL;
		}
		if (!nl[1])
			break;
	}
	*out = '\0';
	return out - text;
}

/* A hex mask line of /proc/PID/status, such as "SigBlk:"; ~0 if none. */
static inline uint64_t cryo_status_mask(pid_t pid, const char *key)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
		return ~0ULL;
	p = strstr(buf, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : ~0ULL;
}

/* The thread ids of @pid, sorted; their number, or -1. */
static inline int cryo_tids(pid_t pid, int *tids, int max)
{
	char path[64];
	struct dirent *de;
	int n = 0, i, j;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && n < max)
			tids[n++] = atoi(de->d_name);
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && tids[j - 1] > tids[j]; j--) {
			int x = tids[j];

			tids[j] = tids[j - 1];
			tids[j - 1] = x;
		}
	return n;
}

/* The fds of @pid, ascending, as one string "0 1 2 10 ..." */
static inline int cryo_fd_list(pid_t pid, char *out, size_t cap)
{
	int fds[256], n = 0, i, j;
	size_t len = 0;
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && n < 256)
			fds[n++] = atoi(de->d_name);
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int x = fds[j];

			fds[j] = fds[j - 1];
			fds[j - 1] = x;
		}
	out[0] = '\0';
	for (i = 0; i < n; i++)
		len += snprintf(out + len, cap - len, "%s%d", i ? " " : "", fds[i]);
	return n;
}

static inline int cryo_fd_link(pid_t pid, int fd, char *buf, size_t cap)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, buf, cap - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The system call a thread is blocked in, from /proc; -2 if unknown. */
static inline long cryo_proc_syscall(pid_t pid, int tid)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	if (cryo_read_file(path, buf, sizeof(buf)) <= 0 || buf[0] == 'r')
		return -2;
	return strtol(buf, NULL, 10);
}

#endif /* CRYO_THAW_H */
