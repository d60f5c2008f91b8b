// SPDX-License-Identifier: GPL-2.0
/*
 * Nothing silently lost (issue 13, item 7): for one kind of state at a
 * time -- a kind of descriptor, of mapping, a process attribute -- a
 * target (progs/census_target.c) sets it up; the test takes a census of
 * everything /proc shows of the process (its fds and their fdinfo, its
 * maps, the credentials, signal and capability lines of its status, its
 * POSIX timers, limits, name, personality, oom_score_adj, loginuid,
 * timer slack, cwd and root), then freezes it with --kill and no
 * --accept-loss.  Exactly one of two things must follow:
 *
 * - the freeze is refused, naming why (a refusal code), and the process
 *   runs on with the same census; or
 * - the freeze succeeds, the image thaws with the same pid, and the
 *   census of the restored process is the same.
 *
 * A freeze that succeeds but does not thaw, a thaw that loses or changes
 * something /proc shows, or a refusal without a reason fails.  What may
 * legitimately differ is normalized in one place, census_norm(), each
 * with its reason.  Each kind's verdict is logged as
 * "census: KIND restored" or "census: KIND refused (...)", the table
 * Documentation/state.rst reports.
 *
 * CRYO_CENSUS_ONLY="reg,epoll" runs only those kinds.
 */
#include <dirent.h>
#include <regex.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "cryo_tree.h"

#define CENSUS_MAX	(256 * 1024)

FIXTURE(census) {
	struct tgt t;
	char *before, *after;
};

FIXTURE_VARIANT(census) {
	const char *kind;
	bool saved;	/* must be restored, never refused */
};

#define KIND(k) FIXTURE_VARIANT_ADD(census, k) { .kind = #k }
/* A kind cryo saves: a refusal is a failure. */
#define KIND_SAVED(k) FIXTURE_VARIANT_ADD(census, k) { .kind = #k, .saved = true }
KIND(reg);
KIND(reg_append);
KIND(dir);
KIND(opath_file);
KIND(opath_dir);
KIND(opath_symlink);
KIND(pipe);
KIND(pipe_widowed);
KIND(pipe_no_reader);
KIND(fifo);
KIND(devnull);
KIND(urandom);
KIND(memfd);
KIND(deleted);
KIND(eventfd);
KIND(eventfd_sem);
KIND(timerfd);
KIND(signalfd);
KIND(epoll);
KIND_SAVED(inotify);	/* since image format 2.9 */
KIND(fanotify);
KIND(unix_pair);
KIND(unix_listen);
KIND(tcp_listen);
KIND(udp);
KIND(netlink);
KIND(pty);
KIND(pidfd);
KIND(mqueue);
KIND(flock);
KIND(posix_lock);
KIND(map_anon_shared);
KIND(map_file_shared);
KIND(map_file_private);
KIND(map_deleted_shared);
KIND(map_devzero_shared);
KIND(map_memfd_shared);
KIND(map_sysv_shm);
KIND(map_prot_none);
KIND(map_mlocked);
KIND(itimer_virtual);
KIND(posix_timer);
KIND(sigqueue);
KIND(misc);
KIND(chroot);
KIND(cwd);

FIXTURE_SETUP(census)
{
	self->t.cmd = self->t.rep = -1;
	self->before = self->after = NULL;
	if (!cryo_selected("CRYO_CENSUS_ONLY", variant->kind))
		CRYO_SETUP_SKIP("not in CRYO_CENSUS_ONLY");
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, tgt_init(&self->t, "census"));
	self->before = calloc(1, CENSUS_MAX);
	self->after = calloc(1, CENSUS_MAX);
	ASSERT_TRUE(self->before && self->after);
}

FIXTURE_TEARDOWN(census)
{
	EXPECT_EQ(0, tgt_fini(&self->t)) TH_LOG("%s", self->t.end);
	free(self->before);
	free(self->after);
}

/* Append to @out (NUL-terminated, CENSUS_MAX bytes). */
static void __attribute__((format(printf, 2, 3)))
add(char *out, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out + n, CENSUS_MAX - n, fmt, ap);
	va_end(ap);
}

/* Replace every match of @re in @s (in place) by @with. */
static void subst(char *s, const char *re, const char *with)
{
	char tmp[4096];
	regmatch_t m;
	regex_t r;
	size_t off = 0;

	if (regcomp(&r, re, REG_EXTENDED))
		return;
	while (strlen(s) < sizeof(tmp) &&
	       !regexec(&r, s + off, 1, &m, off ? REG_NOTBOL : 0)) {
		snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)(off + m.rm_so), s,
			 with, s + off + m.rm_eo);
		off += m.rm_so + strlen(with);
		strcpy(s, tmp);
		if (m.rm_eo == m.rm_so)
			break;
	}
	regfree(&r);
}

/*
 * What may differ between the frozen process and the restored one, and
 * why.  @line is one line of the census, "<source>: <text>".
 */
static void census_norm(char *line, const char *link)
{
	/*
	 * A recreated object is a new inode: a pipe, a socket, a memfd, an
	 * unlinked file, a pseudo-terminal.  Its contents and settings are
	 * compared, not its number.
	 */
	bool fresh = link && (strstr(link, "pipe:[") || strstr(link, "socket:[") ||
			      strstr(link, "/memfd:") || strstr(link, "(deleted)") ||
			      strstr(link, "/dev/pts/") || strstr(link, "/dev/ptmx") ||
			      strstr(link, "anon_inode:"));

	/*
	 * A shared memory object (anonymous shared memory, a memfd, a System
	 * V segment) or an unlinked file behind a mapping is made again: a
	 * new inode, its contents and place compared.
	 */
	if (!strncmp(line, "maps: ", 6) &&
	    (strstr(line, "(deleted)") || strstr(line, "/memfd:")))
		subst(line, " [0-9a-f]+:[0-9a-f]+ +[0-9]+ +", " *:* * ");
	subst(line, "pipe:\\[[0-9]+\\]", "pipe:[*]");
	subst(line, "socket:\\[[0-9]+\\]", "socket:[*]");
	subst(line, "/dev/pts/[0-9]+", "/dev/pts/*");
	if (fresh)
		subst(line, "ino:[ \t]*[0-9a-f]+", "ino:*");
	/* The ida number of an eventfd, the pty's index: the kernel's pick. */
	subst(line, "eventfd-id:.*", "eventfd-id:*");
	subst(line, "tty-index:.*", "tty-index:*");
	/* Time passes: a timer's remaining time and the ticks it counts. */
	subst(line, "it_value: .*", "it_value:*");
	subst(line, "ticks:.*", "ticks:*");
	/* An epoll's or lock's target: the inode of a recreated pipe. */
	subst(line, "sdev:[0-9a-f]+", "sdev:*");
	if (strstr(line, "tfd:"))
		subst(line, "ino:[0-9a-f]+", "ino:*");
}

/*
 * /proc/PID/maps, with neighbours merged that differ only by where the
 * kernel split them: contiguous, same protection, same file and
 * contiguous offsets.  Whether two such VMAs are one is the kernel's
 * choice (a private mapping whose pages were copied has an anon_vma the
 * other lacks, and the kernel does not merge them); a thaw that maps
 * them afresh may get one VMA.  Nothing a program set differs.
 */
static void merge_maps(char *buf)
{
	unsigned long long s0 = 0, e0 = 0, o0 = 0, s, e, o;
	char rest0[512] = "", perm0[8] = "", rest[512], perm[8];
	char *in = strdup(buf), *line, *save;

	if (!in)
		return;
	buf[0] = '\0';
	for (line = strtok_r(in, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int n = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %n", &s, &e, perm, &o, &n) < 4 ||
		    !n)
			continue;
		snprintf(rest, sizeof(rest), "%s", line + n);
		if (e0 && s == e0 && !strcmp(perm, perm0) && !strcmp(rest, rest0) &&
		    o == o0 + (e0 - s0)) {
			e0 = e;
			continue;
		}
		if (e0)
			sprintf(buf + strlen(buf), "%llx-%llx %s %08llx %s\n",
				s0, e0, perm0, o0, rest0);
		s0 = s;
		e0 = e;
		o0 = o;
		snprintf(perm0, sizeof(perm0), "%s", perm);
		snprintf(rest0, sizeof(rest0), "%s", rest);
	}
	if (e0)
		sprintf(buf + strlen(buf), "%llx-%llx %s %08llx %s\n", s0, e0,
			perm0, o0, rest0);
	free(in);
}

/* One /proc file, each line prefixed with @tag, into @out. */
static void add_file(char *out, const char *tag, const char *path,
		     const char *link)
{
	char *buf = malloc(65536), *line, *save;
	ssize_t n;

	if (!buf)
		return;
	n = cryo_read_file(path, buf, 65536);
	if (n < 0) {
		add(out, "%s: <unreadable %d>\n", tag, errno);
		free(buf);
		return;
	}
	if (!strcmp(tag, "maps"))
		merge_maps(buf);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char l[4096];

		snprintf(l, sizeof(l), "%s: %s", tag, line);
		census_norm(l, link);
		add(out, "%s\n", l);
	}
	free(buf);
}

static void add_link(char *out, const char *tag, const char *path,
		     char *link, size_t size)
{
	ssize_t n = readlink(path, link, size - 1);

	link[n < 0 ? 0 : n] = '\0';
	{
		char l[4096];

		snprintf(l, sizeof(l), "%s: %s", tag, n < 0 ? "<none>" : link);
		census_norm(l, link);
		add(out, "%s\n", l);
	}
}

/* The status lines that describe state a thaw must keep. */
static const char *const status_keys[] = {
	"Name:", "Umask:", "Uid:", "Gid:", "Groups:", "NoNewPrivs:",
	"Seccomp:", "SigQ:", "SigPnd:", "ShdPnd:", "SigBlk:", "SigIgn:",
	"SigCgt:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:",
	"Cpus_allowed_list:", "VmLck:", "Threads:", "CoreDumping:",
	"THP_enabled:",
};

static void add_status(char *out, pid_t pid)
{
	char path[64], *buf = malloc(16384), *line, *save;
	unsigned int i;

	if (!buf)
		return;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (cryo_read_file(path, buf, 16384) < 0) {
		add(out, "status: <unreadable>\n");
		free(buf);
		return;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		for (i = 0; i < ARRAY_SIZE(status_keys); i++)
			if (!strncmp(line, status_keys[i], strlen(status_keys[i])))
				add(out, "status: %s\n", line);
	free(buf);
}

/*
 * Everything /proc shows of @pid that a thaw must give back.  The fds 0
 * to 2 are the test's pipes and log, handed over afresh by the thaw.
 */
static void census(char *out, pid_t pid)
{
	static const char *const files[] = {
		"maps", "timers", "limits", "personality", "oom_score_adj",
		"loginuid", "timerslack_ns", "comm",
	};
	char path[128], tag[64], link[4096];
	struct dirent *e;
	unsigned int i;
	DIR *d;

	out[0] = '\0';
	add_status(out, pid);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i]);
		add_file(out, files[i], path, NULL);
	}
	snprintf(path, sizeof(path), "/proc/%d/cwd", pid);
	add_link(out, "cwd", path, link, sizeof(link));
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	add_link(out, "root", path, link, sizeof(link));
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d) {
		add(out, "fd: <unreadable>\n");
		return;
	}
	/* readdir order is the fd table's: ascending. */
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd <= 2)
			continue;
		snprintf(tag, sizeof(tag), "fd %d", fd);
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		add_link(out, tag, path, link, sizeof(link));
		snprintf(tag, sizeof(tag), "fdinfo %d", fd);
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
		add_file(out, tag, path, link);
	}
	closedir(d);
}

/*
 * Talk to the target through the FIFOs it opens as its fds 0 and 1
 * instead of the pipes tgt_spawn() gave it.
 */
static int use_fifos(struct tgt *t)
{
	char p[128];
	int cmd, rep;

	snprintf(p, sizeof(p), "%s/rep", t->dir);
	rep = open(p, O_RDONLY | O_CLOEXEC);	/* until the target opens it */
	snprintf(p, sizeof(p), "%s/cmd", t->dir);
	cmd = open(p, O_WRONLY | O_CLOEXEC);
	if (cmd < 0 || rep < 0)
		return -1;
	close(t->cmd);
	close(t->rep);
	t->cmd = cmd;
	t->rep = rep;
	t->buflen = 0;
	return 0;
}

/* Tell the target to exit 0 and reap it. */
static int end_target(struct tgt *t)
{
	int status;

	if (tgt_quit(t, 0) || wait_timeout(t->pid, &status, 10) != t->pid)
		return -1;
	t->pid = 0;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* The first line where @a and @b differ, for the log. */
static void first_diff(const char *a, const char *b, char *why, size_t size)
{
	const char *la = a, *lb = b;

	while (*la && *lb) {
		const char *ea = strchrnul(la, '\n'), *eb = strchrnul(lb, '\n');

		if (ea - la != eb - lb || memcmp(la, lb, ea - la)) {
			snprintf(why, size, "before \"%.*s\", after \"%.*s\"",
				 (int)(ea - la), la, (int)(eb - lb), lb);
			return;
		}
		la = *ea ? ea + 1 : ea;
		lb = *eb ? eb + 1 : eb;
	}
	snprintf(why, size, "before \"%.200s\", after \"%.200s\"", la, lb);
}

TEST_F_TIMEOUT(census, kind, 300)
{
	const char *const argv[] = { "census_target", variant->kind,
				     self->t.dir, NULL };
	struct cryoctl_freeze_result fr = { .size = sizeof(fr) };
	struct cryoctl_thaw_result res;
	const char *prog = cryo_prog("census_target");
	char why[900];
	int dev, out, r;

	ASSERT_EQ(0, access(prog, X_OK)) TH_LOG("%s: %s", prog, strerror(errno));
	snprintf(why, sizeof(why), "%s/cmd", self->t.dir);
	ASSERT_EQ(0, mkfifo(why, 0600));
	snprintf(why, sizeof(why), "%s/rep", self->t.dir);
	ASSERT_EQ(0, mkfifo(why, 0600));
	ASSERT_EQ(0, tgt_spawn(&self->t, prog, argv, NULL, 0));
	ASSERT_EQ(0, use_fifos(&self->t));
	ASSERT_EQ(0, tgt_line(&self->t, TGT_TIMEOUT))
		TH_LOG("no start; log: %s", tgt_log(&self->t));
	if (!strncmp(self->t.line, "skip ", 5)) {
		TH_LOG("census: %s not made here (%.100s)", variant->kind,
		       self->t.line);
		SKIP(return, "%s cannot be made here: %.100s", variant->kind,
		     self->t.line);
	}
	ASSERT_STREQ("ready", self->t.line) TH_LOG("log: %s", tgt_log(&self->t));
	census(self->before, self->t.pid);

	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	out = open(self->t.img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, out);
	r = cryoctl_freeze_ex(dev, self->t.pid, CRYO_FREEZE_KILL, 0, out, NULL,
			      NULL, &fr);
	close(out);
	close(dev);

	if (r) {
		/* Refused: named, and the process untouched. */
		EXPECT_FALSE(variant->saved)
			TH_LOG("%s: a kind cryo saves was refused (%s, refusal %u)",
			       variant->kind, strerror(-r), fr.refusal);
		EXPECT_NE(CRYO_REFUSAL_NONE, fr.refusal)
			TH_LOG("%s: freeze failed with %s and no refusal code",
			       variant->kind, strerror(-r));
		/* Not the test's own fds 0 to 2: the kind is what is refused. */
		EXPECT_TRUE(fr.bad_fd < 0 || fr.bad_fd >= 10)
			TH_LOG("%s: refused for fd %d (refusal %u)", variant->kind,
			       fr.bad_fd, fr.refusal);
		ASSERT_EQ(0, tgt_cmd(&self->t, 'p'))
			TH_LOG("%s: the refused process does not answer",
			       variant->kind);
		census(self->after, self->t.pid);
		first_diff(self->before, self->after, why, sizeof(why));
		EXPECT_EQ(0, strcmp(self->before, self->after))
			TH_LOG("%s: refused, yet changed: %s", variant->kind, why);
		TH_LOG("census: %s refused (%s, refusal %u, fd %d)", variant->kind,
		       strerror(-r), fr.refusal, fr.bad_fd);
		/* A chroot is not given up for more: its image does not thaw. */
		if (!strcmp(variant->kind, "chroot")) {
			struct cryoctl_thaw_result res;

			EXPECT_EQ(CRYO_REFUSAL_CHROOT, fr.refusal);
			dev = cryoctl_open();
			out = open(self->t.img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
				   0600);
			ASSERT_LE(0, dev);
			ASSERT_LE(0, out);
			EXPECT_EQ(0, cryoctl_freeze_ex(dev, self->t.pid, CRYO_FREEZE_ACCEPT_LOSS,
						       0, out, NULL, NULL, &fr));
			ASSERT_EQ(0, lseek(out, 0, SEEK_SET));
			/* A session freezes or thaws once: a new one. */
			close(dev);
			dev = cryoctl_open();
			ASSERT_LE(0, dev);
			memset(&res, 0, sizeof(res));
			EXPECT_EQ(-EPERM, cryoctl_thaw(dev, out, CRYOCTL_THAW_WAIT, NULL, 0,
						       &res))
				TH_LOG("%s", res.message);
			EXPECT_NE(NULL, strstr(res.message, "root directory"));
			close(out);
			close(dev);
		}
		EXPECT_EQ(0, end_target(&self->t));
		return;
	}
	ASSERT_EQ(self->t.pid, wait_timeout(self->t.pid, NULL, 10));
	self->t.pid = 0;
	self->t.child = 0;

	/* Its fds 0 and 1 are the FIFOs, reopened; the test's ends stay. */
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	out = open(self->t.img, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, out);
	memset(&res, 0, sizeof(res));
	r = cryoctl_thaw(dev, out, CRYOCTL_THAW_SAME_PID | CRYOCTL_THAW_WAIT,
			 NULL, 0, &res);
	close(out);
	close(dev);
	ASSERT_EQ(0, r) TH_LOG("%s: frozen but not thawed: %s: %s",
			       variant->kind, strerror(-r), res.message);
	self->t.pid = res.pid;
	self->t.child = 1;
	ASSERT_EQ(0, tgt_cmd(&self->t, 'p')) TH_LOG("%s: restored process silent",
						     variant->kind);
	census(self->after, self->t.pid);
	first_diff(self->before, self->after, why, sizeof(why));
	EXPECT_EQ(0, strcmp(self->before, self->after))
		TH_LOG("%s: the thaw lost or changed %s", variant->kind, why);
	TH_LOG("census: %s restored", variant->kind);
	/* A pipe whose other end was closed behaves so still. */
	if (!strcmp(variant->kind, "pipe_widowed")) {
		ASSERT_EQ(0, tgt_cmd(&self->t, 'r'));
		EXPECT_STREQ("read 7 widowed", self->t.line);
		ASSERT_EQ(0, tgt_cmd(&self->t, 'r'));
		EXPECT_EQ(0, strncmp("read 0", self->t.line, 6))
			TH_LOG("no end of file: %s", self->t.line);
	}
	if (!strcmp(variant->kind, "pipe_no_reader")) {
		ASSERT_EQ(0, tgt_cmd(&self->t, 'w'));
		EXPECT_STREQ("write -32", self->t.line);
	}
	EXPECT_EQ(0, end_target(&self->t));
}

TEST_HARNESS_MAIN
