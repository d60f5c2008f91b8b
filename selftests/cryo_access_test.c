// SPDX-License-Identifier: GPL-2.0
/*
 * A freeze reads only what ptrace could read, and drops nothing silently.
 *
 * Each test performs the attack or the bad case and checks that it fails
 * safely (the errno, the named refusal, and the image: the secret is not
 * in it), then that the legitimate case still works.  The unprivileged
 * freezer is uid 1000 with no capability, holding a /dev/cryo opened
 * before it dropped root (as a member of group cryo would).
 */
#include <sched.h>
#include <stddef.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "kselftest_harness.h"
#include "cryo_test.h"

#define USER_ID		1000
#define SECRET_LEN	4096
#define IMG_MAX		(64UL << 20)

/* Bytes nobody but the writer of the file or pipe ever had in memory. */
static void secret(unsigned char *buf, size_t n, unsigned int seed)
{
	unsigned long x = seed * 2654435761UL + 12345;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		buf[i] = x >> 56;
	}
}

static int become_user(void)
{
	if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
	    setresuid(USER_ID, USER_ID, USER_ID))
		return -1;
	/* A change of uid made it non-dumpable, which ptrace would refuse. */
	return prctl(PR_SET_DUMPABLE, 1);
}

/*
 * A target: forked, set up by @setup (which may drop privileges; nonzero
 * exits), then parked in pause() until killed.  Returns its pid once it
 * is ready.
 */
static pid_t spawn_from(struct __test_metadata *_metadata,
			int (*setup)(void *), void *arg)
{
	int ready[2], rc;
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = cryo_target_fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(ready[0]);
		cryo_target_unshare();
		rc = setup ? setup(arg) : 0;
		if (rc)
			_exit(rc);
		c = 'r';
		if (write(ready[1], &c, 1) != 1)
			_exit(99);
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	rc = read(ready[0], &c, 1);
	close(ready[0]);
	if (rc != 1) {
		waitpid(pid, &rc, 0);
		return -1;
	}
	usleep(50000);
	return pid;
}
#define spawn(setup, arg) spawn_from(_metadata, setup, arg)

/* Kill a target and check it ended so (a test's body or teardown). */
#define reap(pid) EXPECT_TARGET_KILLED(pid)

/* What a freeze gave, shared with the (unprivileged) child that did it. */
struct outcome {
	int err;			/* 0 or errno of FREEZE or read() */
	char why[256];			/* how a target did not end as it should */
	struct cryo_freeze f;
	size_t len;
	unsigned char img[];
};

static struct outcome *outcome_new(void)
{
	struct outcome *o = mmap(NULL, sizeof(*o) + IMG_MAX,
				 PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return o == MAP_FAILED ? NULL : o;
}

static void outcome_free(struct outcome *o)
{
	if (o)
		munmap(o, sizeof(*o) + IMG_MAX);
}

/* Freeze @pid with @flags through @dev, reading the image into @o. */
static void do_freeze(int dev, pid_t pid, unsigned int flags,
		      struct outcome *o)
{
	ssize_t n = 0;

	memset(&o->f, 0, sizeof(o->f));
	o->f.size = sizeof(o->f);
	o->f.flags = flags;
	o->f.pid = pid;
	o->f.timeout_ms = 3000;
	o->len = 0;
	o->err = ioctl(dev, CRYO_IOC_FREEZE, &o->f) ? errno : 0;
	if (o->err)
		return;
	while (o->len < IMG_MAX &&
	       (n = read(dev, o->img + o->len, IMG_MAX - o->len)) > 0)
		o->len += n;
	if (n < 0)
		o->err = errno;
}

/*
 * Freeze @pid as root (@uid 0) or as @uid without capabilities, from a
 * child process, with a device opened as root.  Returns the child's exit
 * status (0: it ran; the freeze's result is in @o).
 */
static int freeze_as(uid_t uid, pid_t pid, unsigned int flags,
		     struct outcome *o)
{
	int dev, status;
	pid_t child;

	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		if (uid && become_user())
			_exit(2);
		do_freeze(dev, pid, flags, o);
		_exit(0);
	}
	close(dev);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* The image's FILE record for fd @fd, and the bytes of its FILE_DATA. */
struct file_seen {
	int found;
	struct cryo_image_file file;
	size_t data_len;
	int trailer;
};

/* What find_fd() collects from libcryoctl's reader. */
struct fd_walk {
	int fd;
	unsigned int nfiles, id;
	struct cryo_image_file files[256];
	size_t data_len[257];		/* FILE_DATA bytes, by file id */
	int trailer;
};

static int find_fd_rec(const struct cryoctl_record *rec, void *arg)
{
	const struct cryo_image_file_data *d = rec->payload;
	const struct cryo_image_fd *f = rec->payload;
	struct fd_walk *w = arg;

	switch (rec->type) {
	case CRYO_REC_FILE:
		if (w->nfiles < 256)
			memcpy(&w->files[w->nfiles++], rec->payload,
			       sizeof(w->files[0]));
		break;
	case CRYO_REC_FILE_DATA:
		if (d->id <= 256)
			w->data_len[d->id] += rec->len - sizeof(*d);
		break;
	case CRYO_REC_FD:
		if (f->fd == (unsigned int)w->fd)
			w->id = f->file_id;
		break;
	case CRYO_REC_TRAILER:
		w->trailer = 1;
		break;
	}
	return 0;
}

static void find_fd(const struct outcome *o, int fd, struct file_seen *s)
{
	struct fd_walk *w = calloc(1, sizeof(*w));

	memset(s, 0, sizeof(*s));
	if (!w)
		return;
	w->fd = fd;
	cryo_image_walk(o->img, o->len, find_fd_rec, w, NULL, 0);
	s->trailer = w->trailer;
	if (w->id && w->id <= w->nfiles) {
		s->found = 1;
		s->file = w->files[w->id - 1];
		s->data_len = w->data_len[w->id];
	}
	free(w);
}

static int image_has(const struct outcome *o, const unsigned char *b,
		     size_t n)
{
	return o->len >= n && memmem(o->img, o->len, b, n) != NULL;
}

#define NEEDS_ROOT_AND_DEV() do {					\
		if (access(CRYO_DEV, F_OK))				\
			SKIP(return, CRYO_DEV " missing");		\
		if (geteuid() != 0)					\
			SKIP(return, "needs root");			\
	} while (0)

/* ---- item 7: unlinked files ------------------------------------------- */

struct unl {
	char path[64];
	int fd;
	int mode;	/* O_RDWR, O_WRONLY, O_PATH */
};

static int unl_setup(void *arg)
{
	struct unl *u = arg;
	int fd;

	/* No terminal: a thaw would ask for it before the lost file. */
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, 0) || dup2(fd, 1) != 1 || dup2(fd, 2) != 2)
		return 2;
	/* Opened as root: the target holds what its user could not open. */
	fd = open(u->path, u->mode);
	if (fd < 0 || dup2(fd, u->fd) != u->fd)
		return 3;
	close(fd);
	return become_user() ? 4 : 0;
}

/* The file is written by a process that exits: only the file holds it. */
static int write_secret_file(const char *path, unsigned int seed)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		unsigned char buf[SECRET_LEN];

		secret(buf, sizeof(buf), seed);
		_exit(cryo_write_file(path, buf, sizeof(buf)) ? 1 : 0);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status) ? 0 : -1;
}

/*
 * A root-only unlinked file held by a uid-1000 process: its user's
 * freezer gets EACCES naming the fd, or with ACCEPT_LOSS a LOST record
 * with no bytes; never the contents.  Root gets them.
 */
TEST(unlinked_root_file_not_read_for_user)
{
	struct unl u = { .path = "/tmp/cryo_access_secret", .fd = 7,
			 .mode = O_RDWR };
	unsigned char want[SECRET_LEN];
	struct file_seen s;
	char saved[16];
	struct outcome *o;
	int yama;
	pid_t pid;

	NEEDS_ROOT_AND_DEV();
	/* Yama's default (descendants only) is yama_scope_applies' test. */
	yama = cryo_yama_scope("0\n", saved, sizeof(saved));
	ASSERT_EQ(0, write_secret_file(u.path, 1));
	ASSERT_EQ(0, chmod(u.path, 0600));
	pid = spawn(unl_setup, &u);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, unlink(u.path));
	o = outcome_new();
	ASSERT_NE(NULL, o);
	secret(want, sizeof(want), 1);

	ASSERT_EQ(0, freeze_as(USER_ID, pid, 0, o));
	EXPECT_EQ(EACCES, o->err);
	EXPECT_EQ(CRYO_REFUSAL_UNREADABLE_FILE, o->f.refusal);
	EXPECT_EQ(u.fd, o->f.refusal_id);
	EXPECT_EQ(u.fd, o->f.bad_fd);
	EXPECT_EQ(0, o->len);

	ASSERT_EQ(0, freeze_as(USER_ID, pid, CRYO_FREEZE_ACCEPT_LOSS, o));
	ASSERT_EQ(0, o->err);
	find_fd(o, u.fd, &s);
	EXPECT_TRUE(s.trailer);
	ASSERT_TRUE(s.found);
	EXPECT_EQ(CRYO_FILE_UNLINKED | CRYO_FILE_LOST, s.file.flags);
	EXPECT_EQ(0, s.file.data_size);
	EXPECT_EQ(0, s.data_len);
	EXPECT_FALSE(image_has(o, want, 64));
	/*
	 * A valid image; its thaw neither makes the lost file up (empty) nor
	 * reopens its "(deleted)" name: it asks for --inherit-fd.
	 */
	if (!access(cryo_cryoctl_path(), X_OK)) {
		const char *img = "/tmp/cryo_access_lost.img";
		const char *const verify[] = { "cryoctl", "verify", img, NULL };
		const char *const thaw[] = { "cryoctl", "thaw", img, NULL };
		char out[4096];

		ASSERT_EQ(0, cryo_write_file(img, o->img, o->len));
		EXPECT_EQ(0, cryo_run_cli(out, sizeof(out), 0, verify))
			TH_LOG("%s", out);
		EXPECT_NE(0, cryo_run_cli(out, sizeof(out), 0, thaw));
		EXPECT_NE(NULL, strstr(out, "lost at the freeze")) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "--inherit-fd 7=")) TH_LOG("%s", out);
		unlink(img);
	}

	/* Root may read the file: its contents are in the image. */
	ASSERT_EQ(0, freeze_as(0, pid, 0, o));
	ASSERT_EQ(0, o->err);
	find_fd(o, u.fd, &s);
	ASSERT_TRUE(s.found);
	EXPECT_EQ(CRYO_FILE_UNLINKED, s.file.flags);
	EXPECT_EQ(SECRET_LEN, s.data_len);
	EXPECT_TRUE(image_has(o, want, SECRET_LEN));
	outcome_free(o);
	reap(pid);
	if (!yama)
		cryo_yama_scope(saved, NULL, 0);
}

/*
 * An unlinked file the target holds write-only (or O_PATH): not even
 * root reads it through the image; it is refused, or LOST.
 */
TEST(unlinked_write_only_not_read)
{
	struct unl u = { .path = "/tmp/cryo_access_wronly", .fd = 8,
			 .mode = O_WRONLY };
	unsigned char want[SECRET_LEN];
	struct file_seen s;
	struct outcome *o;
	pid_t pid;

	NEEDS_ROOT_AND_DEV();
	ASSERT_EQ(0, write_secret_file(u.path, 2));
	ASSERT_EQ(0, chmod(u.path, 0644));
	pid = spawn(unl_setup, &u);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, unlink(u.path));
	o = outcome_new();
	ASSERT_NE(NULL, o);
	secret(want, sizeof(want), 2);

	ASSERT_EQ(0, freeze_as(0, pid, 0, o));
	EXPECT_EQ(EACCES, o->err);
	EXPECT_EQ(CRYO_REFUSAL_UNREADABLE_FILE, o->f.refusal);
	EXPECT_EQ(u.fd, o->f.refusal_id);
	ASSERT_EQ(0, freeze_as(0, pid, CRYO_FREEZE_ACCEPT_LOSS, o));
	ASSERT_EQ(0, o->err);
	find_fd(o, u.fd, &s);
	ASSERT_TRUE(s.found);
	EXPECT_TRUE(s.file.flags & CRYO_FILE_LOST);
	EXPECT_EQ(0, s.data_len);
	EXPECT_FALSE(image_has(o, want, 64));
	outcome_free(o);
	reap(pid);
}

/* ---- item 8: pipe bytes ------------------------------------------------ */

struct pipe_ends {
	int p[2];
	int keep_read;
};

static int pipe_setup(void *arg)
{
	struct pipe_ends *pe = arg;

	if (!pe->keep_read)
		close(pe->p[0]);
	return 0;
}

/*
 * Bytes pending in a pipe the target only writes to (its reader is the
 * test) never go into the image, not even for root; with the reading end
 * in the target too, they do.
 */
TEST(pipe_bytes_only_with_a_reader)
{
	unsigned char want[SECRET_LEN];
	struct pipe_ends pe;
	struct file_seen s;
	struct outcome *o;
	int keep, flags;
	pid_t pid;

	NEEDS_ROOT_AND_DEV();
	o = outcome_new();
	ASSERT_NE(NULL, o);
	for (keep = 0; keep < 2; keep++) {
		ASSERT_EQ(0, pipe(pe.p));
		pe.keep_read = keep;
		pid = spawn(pipe_setup, &pe);
		ASSERT_LT(0, pid);
		/* Made after the fork: the target never had them. */
		secret(want, sizeof(want), 10 + keep);
		ASSERT_EQ(SECRET_LEN, write(pe.p[1], want, SECRET_LEN));
		close(pe.p[1]);
		/* Its reading end the target's alone: the pipe is all inside. */
		if (keep)
			close(pe.p[0]);
		for (flags = 0; flags <= CRYO_FREEZE_ACCEPT_LOSS;
		     flags += CRYO_FREEZE_ACCEPT_LOSS) {
			ASSERT_EQ(0, freeze_as(0, pid, flags, o));
			if (!keep && !flags) {
				/* We read it: refused, naming the target's end. */
				EXPECT_EQ(EOPNOTSUPP, o->err);
				EXPECT_EQ(CRYO_REFUSAL_PIPE_OUTSIDE, o->f.refusal);
				EXPECT_EQ(pe.p[1], o->f.refusal_id);
				EXPECT_EQ(pid, o->f.refusal_pid);
				continue;
			}
			ASSERT_EQ(0, o->err);
			/* The bytes go with the first end of the pipe. */
			find_fd(o, keep ? pe.p[0] : pe.p[1], &s);
			ASSERT_TRUE(s.found);
			EXPECT_EQ(CRYO_FILE_PIPE, s.file.kind);
			EXPECT_EQ(keep ? SECRET_LEN : 0, s.file.data_size);
			EXPECT_EQ(keep ? SECRET_LEN : 0, s.data_len);
			EXPECT_EQ(keep, image_has(o, want, SECRET_LEN))
				TH_LOG("reading end in the target: %d", keep);
			EXPECT_EQ(keep, image_has(o, want, 64));
		}
		/* Nothing was consumed. */
		if (!keep) {
			unsigned char got[SECRET_LEN];

			EXPECT_EQ(SECRET_LEN, read(pe.p[0], got, sizeof(got)));
			EXPECT_EQ(0, memcmp(got, want, SECRET_LEN));
		}
		if (!keep)
			close(pe.p[0]);
		reap(pid);
	}
	outcome_free(o);
}

struct fifo_end {
	const char *path;
	int rw;		/* the test's reading end: not the target's */
};

static int fifo_setup(void *arg)
{
	struct fifo_end *fe = arg;
	int fd;

	close(fe->rw);
	fd = open(fe->path, O_WRONLY);
	return fd < 0 || dup2(fd, 6) != 6 ? 3 : 0;
}

/* The same for a FIFO the target holds write-only. */
TEST(fifo_bytes_only_with_a_reader)
{
	const char *path = "/tmp/cryo_access_fifo";
	unsigned char want[SECRET_LEN];
	struct fifo_end fe;
	struct file_seen s;
	struct outcome *o;
	pid_t pid;
	int rw;

	NEEDS_ROOT_AND_DEV();
	unlink(path);
	ASSERT_EQ(0, mkfifo(path, 0600));
	rw = open(path, O_RDWR);	/* a reader, so that O_WRONLY opens */
	ASSERT_LE(0, rw);
	fe.path = path;
	fe.rw = rw;
	pid = spawn(fifo_setup, &fe);
	ASSERT_LT(0, pid);
	secret(want, sizeof(want), 20);
	ASSERT_EQ(SECRET_LEN, write(rw, want, SECRET_LEN));
	o = outcome_new();
	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, freeze_as(0, pid, 0, o));
	ASSERT_EQ(0, o->err);
	find_fd(o, 6, &s);
	ASSERT_TRUE(s.found);
	EXPECT_EQ(CRYO_FILE_FIFO, s.file.kind);
	EXPECT_EQ(0, s.file.data_size);
	EXPECT_EQ(0, s.data_len);
	EXPECT_FALSE(image_has(o, want, 64));
	outcome_free(o);
	reap(pid);
	close(rw);
	unlink(path);
}

/* ---- item 9: the ptrace attach rule ------------------------------------ */

static int caps_setup(void *arg)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {};
	int cap = *(int *)arg;

	if (prctl(PR_SET_KEEPCAPS, 1) || become_user())
		return 3;
	if (cap >= 0)
		d[cap / 32].permitted = 1U << (cap % 32);
	if (syscall(SYS_capset, &h, d))
		return 4;
	return prctl(PR_SET_DUMPABLE, 1) ? 5 : 0;
}

/*
 * Same uid, but CAP_DAC_READ_SEARCH in the target's permitted set: the
 * capless freezer of that uid is refused, as ptrace and /proc/PID/mem
 * refuse it.  Without the capability it may freeze; root always.
 */
TEST(more_capable_same_uid_refused)
{
	int cap = CAP_DAC_READ_SEARCH, none = -1, yama;
	struct outcome *o;
	char saved[16];
	pid_t pid;

	NEEDS_ROOT_AND_DEV();
	yama = cryo_yama_scope("0\n", saved, sizeof(saved));
	o = outcome_new();
	ASSERT_NE(NULL, o);
	pid = spawn(caps_setup, &cap);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, freeze_as(USER_ID, pid, 0, o));
	EXPECT_EQ(EPERM, o->err);
	EXPECT_EQ(CRYO_REFUSAL_CAPS, o->f.refusal);
	EXPECT_EQ(pid, o->f.refusal_id);
	EXPECT_EQ(0, o->len);
	ASSERT_EQ(0, freeze_as(0, pid, 0, o));
	EXPECT_EQ(0, o->err);
	EXPECT_LT(0, o->len);
	reap(pid);

	pid = spawn(caps_setup, &none);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, freeze_as(USER_ID, pid, 0, o));
	EXPECT_EQ(0, o->err) TH_LOG("refusal %u", o->f.refusal);
	EXPECT_LT(0, o->len);
	reap(pid);
	outcome_free(o);
	if (!yama)
		cryo_yama_scope(saved, NULL, 0);
}

static void *sleep_thread(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/*
 * The leader runs as the user, a second thread stays root (a raw
 * setresuid() changes one thread's credentials): the user's freezer is
 * refused naming that thread; root may freeze it.
 */
static int mixed_setup(void *arg)
{
	pthread_t th;

	if (pthread_create(&th, NULL, sleep_thread, NULL))
		return 3;
	usleep(10000);
	if (syscall(SYS_setresgid, USER_ID, USER_ID, USER_ID) ||
	    syscall(SYS_setresuid, USER_ID, USER_ID, USER_ID))
		return 4;
	return prctl(PR_SET_DUMPABLE, 1) ? 5 : 0;
}

/* The one thread of @pid that is not the leader. */
static pid_t other_thread(pid_t pid)
{
	char path[64], buf[256];
	pid_t t;

	for (t = pid + 1; t < pid + 64; t++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, t);
		if (cryo_read_file(path, buf, sizeof(buf)) > 0)
			return t;
	}
	return 0;
}

TEST(every_thread_credentials_checked)
{
	struct outcome *o;
	pid_t pid, tid;

	NEEDS_ROOT_AND_DEV();
	o = outcome_new();
	ASSERT_NE(NULL, o);
	pid = spawn(mixed_setup, NULL);
	ASSERT_LT(0, pid);
	tid = other_thread(pid);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, freeze_as(USER_ID, pid, 0, o));
	EXPECT_EQ(EPERM, o->err);
	EXPECT_EQ(CRYO_REFUSAL_ACCESS, o->f.refusal);
	EXPECT_EQ(tid, o->f.refusal_id);
	EXPECT_EQ(0, o->len);
	ASSERT_EQ(0, freeze_as(0, pid, 0, o));
	EXPECT_EQ(0, o->err);
	EXPECT_EQ(2, o->f.nr_threads);
	outcome_free(o);
	reap(pid);
}

static int user_setup(void *arg)
{
	return become_user() ? 3 : 0;
}

/* The freezer's own child must not hold the freezer's session. */
static int close_setup(void *arg)
{
	return close(*(int *)arg) ? 3 : 0;
}

/*
 * With Yama's ptrace_scope 1, a same-uid process that is not the
 * freezer's descendant is refused (the kernel's own check, LSM hooks
 * included); a descendant is not; root is not.
 */
TEST(yama_scope_applies)
{
	char saved[16] = "";
	struct outcome *o;
	int status, dev;
	pid_t pid, freezer;

	NEEDS_ROOT_AND_DEV();
	if (cryo_yama_scope("1\n", saved, sizeof(saved)))
		SKIP(return, "no Yama in this kernel");
	o = outcome_new();
	ASSERT_NE(NULL, o);

	pid = spawn(user_setup, NULL);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, freeze_as(USER_ID, pid, 0, o));
	EXPECT_EQ(EPERM, o->err);
	EXPECT_EQ(CRYO_REFUSAL_PTRACE, o->f.refusal);
	EXPECT_EQ(pid, o->f.refusal_id);
	ASSERT_EQ(0, freeze_as(0, pid, 0, o));
	EXPECT_EQ(0, o->err);
	EXPECT_LT(0, o->len);
	reap(pid);

	/* The user freezing a child of its own: allowed. */
	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	freezer = fork();
	ASSERT_LE(0, freezer);
	if (freezer == 0) {
		pid_t child;

		if (become_user())
			_exit(2);
		child = spawn(close_setup, &dev);
		if (child <= 0)
			_exit(3);
		do_freeze(dev, child, 0, o);
		_exit(cryo_target_end(child, SIGKILL, CRYO_KILLED(SIGKILL), 10,
				      o->why, sizeof(o->why)) ? 4 : 0);
	}
	close(dev);
	ASSERT_EQ(freezer, waitpid(freezer, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s", o->why);
	EXPECT_EQ(0, o->err) TH_LOG("refusal %u", o->f.refusal);
	EXPECT_LT(0, o->len);
	outcome_free(o);
	EXPECT_EQ(0, cryo_yama_scope(saved, NULL, 0));
}

static int other_user_setup(void *arg)
{
	if (setgroups(0, NULL) || setresgid(USER_ID + 1, USER_ID + 1, USER_ID + 1) ||
	    setresuid(USER_ID + 1, USER_ID + 1, USER_ID + 1))
		return 3;
	return prctl(PR_SET_DUMPABLE, 1) ? 4 : 0;
}

/* Become uid 1000 keeping exactly @caps (a bit mask below 64). */
static int become_user_with(unsigned long long caps)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {};

	if (prctl(PR_SET_KEEPCAPS, 1) || become_user())
		return -1;
	d[0].permitted = d[0].effective = (unsigned int)caps;
	d[1].permitted = d[1].effective = (unsigned int)(caps >> 32);
	return syscall(SYS_capset, &h, d);
}

/*
 * CAP_CHECKPOINT_RESTORE and CAP_SYS_ADMIN do not let a freezer read
 * another user's process, as they do not let ptrace; CAP_SYS_PTRACE
 * (with CAP_DAC_OVERRIDE for the target's /proc/PID/mem) does.
 */
TEST(checkpoint_restore_is_not_ptrace)
{
	const unsigned long long cr = (1ULL << CAP_CHECKPOINT_RESTORE) |
				      (1ULL << CAP_SYS_ADMIN);
	const unsigned long long pt = (1ULL << CAP_SYS_PTRACE) |
				      (1ULL << CAP_DAC_OVERRIDE);
	unsigned long long caps[2] = { cr, pt };
	int i, dev, status;
	struct outcome *o;
	pid_t pid, child;

	NEEDS_ROOT_AND_DEV();
	o = outcome_new();
	ASSERT_NE(NULL, o);
	pid = spawn(other_user_setup, NULL);
	ASSERT_LT(0, pid);
	for (i = 0; i < 2; i++) {
		dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, dev);
		child = fork();
		ASSERT_LE(0, child);
		if (child == 0) {
			if (become_user_with(caps[i]))
				_exit(2);
			do_freeze(dev, pid, 0, o);
			_exit(0);
		}
		close(dev);
		ASSERT_EQ(child, waitpid(child, &status, 0));
		ASSERT_EQ(0, WEXITSTATUS(status));
		if (i == 0) {
			EXPECT_EQ(EPERM, o->err);
			EXPECT_EQ(CRYO_REFUSAL_ACCESS, o->f.refusal);
			EXPECT_EQ(pid, o->f.refusal_id);
			EXPECT_EQ(0, o->len);
		} else {
			EXPECT_EQ(0, o->err) TH_LOG("refusal %u", o->f.refusal);
			EXPECT_LT(0, o->len);
		}
	}
	outcome_free(o);
	reap(pid);
}

/*
 * The kernel's check goes through a procfs of the module's own: a
 * freezer whose mount namespace has nothing on /proc freezes as well.
 */
TEST(no_proc_mounted)
{
	struct outcome *o;
	int dev, status;
	pid_t pid, child;

	NEEDS_ROOT_AND_DEV();
	o = outcome_new();
	ASSERT_NE(NULL, o);
	pid = spawn(NULL, NULL);
	ASSERT_LT(0, pid);
	dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    umount2("/proc", MNT_DETACH) || !access("/proc/self", F_OK))
			_exit(2);
		do_freeze(dev, pid, 0, o);
		_exit(0);
	}
	close(dev);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, o->err) TH_LOG("refusal %u", o->f.refusal);
	EXPECT_LT(0, o->len);
	outcome_free(o);
	reap(pid);
}

/* ---- item 10: seccomp -------------------------------------------------- */

static int seccomp_setup(void *arg)
{
	struct sock_filter allow[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 1, .filter = allow };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return 3;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) ? 4 : 0;
}

TEST(seccomp_filter_refused)
{
	struct outcome *o;
	pid_t pid;

	NEEDS_ROOT_AND_DEV();
	o = outcome_new();
	ASSERT_NE(NULL, o);
	pid = spawn(seccomp_setup, NULL);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, freeze_as(0, pid, 0, o));
	EXPECT_EQ(EOPNOTSUPP, o->err);
	EXPECT_EQ(CRYO_REFUSAL_SECCOMP, o->f.refusal);
	EXPECT_EQ(pid, o->f.refusal_id);
	EXPECT_EQ(-1, o->f.bad_fd);
	ASSERT_EQ(0, freeze_as(0, pid, CRYO_FREEZE_ACCEPT_LOSS, o));
	EXPECT_EQ(0, o->err);
	EXPECT_LT(0, o->len);
	outcome_free(o);
	reap(pid);
}

/* ---- item 14: leases and children --------------------------------------- */

/* Locks are saved (cryo_locks_test); a lease is refused. */
FIXTURE(lock) {
	pid_t pid;
	struct outcome *o;
};

#define LOCK_FD	9

static int take_lease(void *arg)
{
	int fd;

	fd = open("/tmp/cryo_access_lock", O_CREAT | O_RDONLY, 0600);
	if (fd < 0 || dup2(fd, LOCK_FD) != LOCK_FD)
		return 3;
	close(fd);
	return fcntl(LOCK_FD, F_SETLEASE, F_RDLCK) ? 4 : 0;
}

FIXTURE_SETUP(lock)
{
	if (access(CRYO_DEV, F_OK) || geteuid())
		CRYO_SETUP_SKIP("needs root and " CRYO_DEV);
	unlink("/tmp/cryo_access_lock");
	self->pid = spawn(take_lease, NULL);
	ASSERT_LT(0, self->pid);
	self->o = outcome_new();
	ASSERT_NE(NULL, self->o);
}

FIXTURE_TEARDOWN(lock)
{
	reap(self->pid);
	outcome_free(self->o);
	unlink("/tmp/cryo_access_lock");
}

TEST_F(lock, refused_by_fd_and_kind)
{
	struct file_seen s;

	ASSERT_EQ(0, freeze_as(0, self->pid, 0, self->o));
	EXPECT_EQ(EOPNOTSUPP, self->o->err);
	EXPECT_EQ(CRYO_REFUSAL_LEASE, self->o->f.refusal);
	EXPECT_EQ(LOCK_FD, self->o->f.refusal_id);
	EXPECT_EQ(LOCK_FD, self->o->f.bad_fd);
	EXPECT_EQ(0, self->o->len);
	/* Accepted loss: frozen, the file in the image, the lease not. */
	ASSERT_EQ(0, freeze_as(0, self->pid, CRYO_FREEZE_ACCEPT_LOSS, self->o));
	ASSERT_EQ(0, self->o->err);
	find_fd(self->o, LOCK_FD, &s);
	EXPECT_TRUE(s.trailer);
	ASSERT_TRUE(s.found);
	EXPECT_EQ(CRYO_FILE_REG, s.file.kind);
}

/* A caller of the first structure size still learns the fd, no more. */
TEST_F(lock, old_struct_size_gets_bad_fd)
{
	struct {
		struct cryo_freeze f;
		unsigned char guard[8];
	} b;
	int dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, dev);
	/* Beyond the size the caller gives: never read, never written. */
	memset(&b, 0x5a, sizeof(b));
	memset(&b.f, 0, CRYO_FREEZE_SIZE_VER0);
	b.f.size = CRYO_FREEZE_SIZE_VER0;
	b.f.pid = self->pid;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(dev, CRYO_IOC_FREEZE, &b.f));
	EXPECT_EQ(LOCK_FD, b.f.bad_fd);
	EXPECT_EQ(0x5a5a5a5a, b.f.refusal);
	EXPECT_EQ(0x5a, b.guard[0]);
	close(dev);
}

/* cryoctl names the PID, the fd, the lease and the path. */
TEST_F(lock, cryoctl_says_which)
{
	const char *const argv[] = { "cryoctl", "freeze", NULL, NULL };
	char out[4096], pidstr[16];

	if (access(cryo_cryoctl_path(), X_OK))
		SKIP(return, "cryoctl not found");
	snprintf(pidstr, sizeof(pidstr), "%d", self->pid);
	((const char **)argv)[2] = pidstr;
	EXPECT_EQ(1, cryo_run_cli(out, sizeof(out), 0, argv)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "fd 9 holds")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "/tmp/cryo_access_lock")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "--accept-loss")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "lease")) TH_LOG("%s", out);
}

/* A POSIX lock of the parent on a description the target inherited. */
TEST(parents_posix_lock_is_not_the_targets)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct outcome *o;
	pid_t pid;
	int fd;

	NEEDS_ROOT_AND_DEV();
	fd = open("/tmp/cryo_access_plock", O_CREAT | O_RDWR, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fcntl(fd, F_SETLK, &fl));
	pid = spawn(NULL, NULL);
	ASSERT_LT(0, pid);
	o = outcome_new();
	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, freeze_as(0, pid, 0, o));
	EXPECT_EQ(0, o->err) TH_LOG("refusal %u id %d", o->f.refusal,
				    o->f.refusal_id);
	outcome_free(o);
	reap(pid);
	close(fd);
	unlink("/tmp/cryo_access_plock");
}

static int child_setup(void *arg)
{
	pid_t child = fork();

	if (child < 0)
		return 3;
	if (child == 0) {
		for (;;)
			pause();
	}
	return 0;
}

static int zombie_setup(void *arg)
{
	pid_t child = fork();

	if (child < 0)
		return 3;
	if (child == 0)
		_exit(42);
	usleep(20000);	/* a zombie: never waited for */
	return 0;
}

/* The target's only child process: its pid, from /proc. */
static pid_t child_of(pid_t pid)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	return atoi(buf);
}

/* The TREE record of an image, for children_are_members. */
struct tree_seen {
	struct cryo_image_member m[4];
	int n;
};

static int tree_rec(const struct cryoctl_record *rec, void *arg)
{
	struct tree_seen *t = arg;

	if (rec->type != CRYO_REC_TREE)
		return 0;
	t->n = rec->len / sizeof(t->m[0]);
	memcpy(t->m, rec->payload,
	       (t->n < 4 ? t->n : 4) * sizeof(t->m[0]));
	return 0;
}

/*
 * A child, running or a zombie, is a member of the tree: frozen with its
 * parent, without asking; a zombie with the status its parent will reap.
 */
TEST(children_are_members)
{
	struct tree_seen t;
	struct outcome *o;
	pid_t pid, child;
	int zombie;

	NEEDS_ROOT_AND_DEV();
	o = outcome_new();
	ASSERT_NE(NULL, o);
	for (zombie = 0; zombie < 2; zombie++) {
		pid = spawn(zombie ? zombie_setup : child_setup, NULL);
		ASSERT_LT(0, pid);
		child = child_of(pid);
		ASSERT_LT(0, child);
		ASSERT_EQ(0, freeze_as(0, pid, 0, o));
		ASSERT_EQ(0, o->err) TH_LOG("refusal %u id %d pid %d",
					    o->f.refusal, o->f.refusal_id,
					    o->f.refusal_pid);
		EXPECT_EQ(2, o->f.nr_processes);
		EXPECT_EQ(1 + !zombie, o->f.nr_threads);
		memset(&t, 0, sizeof(t));
		ASSERT_LT(0, cryo_image_walk(o->img, o->len, tree_rec, &t,
					     NULL, 0));
		ASSERT_EQ(2, t.n);
		EXPECT_EQ(pid, t.m[0].pid);
		EXPECT_EQ(-1, t.m[0].parent);
		EXPECT_EQ(child, t.m[1].pid);
		EXPECT_EQ(pid, t.m[1].ppid);
		EXPECT_EQ(0, t.m[1].parent);
		EXPECT_EQ(zombie ? CRYO_MEMBER_ZOMBIE : 0, t.m[1].flags);
		EXPECT_EQ(zombie ? 42 << 8 : 0, t.m[1].exit_code);
		EXPECT_EQ(zombie ? 0 : 1, t.m[1].nr_threads);
		reap(pid);
		if (!zombie)
			kill(child, SIGKILL);
	}
	outcome_free(o);
}

/* ---- item 12: sharing with a process outside --------------------------- */

FIXTURE(share) {
	pid_t pid;
	pid_t sharer;
	struct outcome *o;
};

FIXTURE_VARIANT(share) {
	int flags;
	unsigned int refusal;
};

FIXTURE_VARIANT_ADD(share, vm) {
	.flags = CLONE_VM, .refusal = CRYO_REFUSAL_SHARED_MM,
};
FIXTURE_VARIANT_ADD(share, files) {
	.flags = CLONE_FILES, .refusal = CRYO_REFUSAL_SHARED_FILES,
};
FIXTURE_VARIANT_ADD(share, fs) {
	.flags = CLONE_FS, .refusal = CRYO_REFUSAL_SHARED_FS,
};

static int sharer_fn(void *arg)
{
	for (;;)
		pause();
	return 0;
}

static int clone_sharer(void *arg)
{
	int flags = *(int *)arg;
	char *stack = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (stack == MAP_FAILED)
		return 3;
	return clone(sharer_fn, stack + (1 << 16), flags | SIGCHLD, NULL) < 0 ?
	       4 : 0;
}

FIXTURE_SETUP(share)
{
	int flags = variant->flags;

	if (access(CRYO_DEV, F_OK) || geteuid())
		CRYO_SETUP_SKIP("needs root and " CRYO_DEV);
	self->pid = spawn(clone_sharer, &flags);
	ASSERT_LT(0, self->pid);
	self->sharer = child_of(self->pid);
	ASSERT_LT(0, self->sharer);
	self->o = outcome_new();
	ASSERT_NE(NULL, self->o);
}

FIXTURE_TEARDOWN(share)
{
	if (self->sharer > 0)
		kill(self->sharer, SIGKILL);
	reap(self->pid);
	outcome_free(self->o);
}

/*
 * Either side, with or without ACCEPT_LOSS: refused, naming the other.
 * But for the memory: since ABI 1.8 the sharer, a child, is a member of
 * its parent's tree that shares its parent's fd table or fs_struct as
 * clone() made it, and the tree is frozen (with ACCEPT_LOSS: whatever
 * else the harness's fds hold); from the child's side the parent is
 * outside.
 */
TEST_F(share, refused_naming_the_other)
{
	unsigned int flags;

	for (flags = 0; flags <= CRYO_FREEZE_ACCEPT_LOSS;
	     flags += CRYO_FREEZE_ACCEPT_LOSS) {
		ASSERT_EQ(0, freeze_as(0, self->pid, flags, self->o));
		if (variant->flags != CLONE_VM) {
			EXPECT_NE(variant->refusal, self->o->f.refusal);
			if (flags) {
				EXPECT_EQ(0, self->o->err)
					TH_LOG("refusal %u id %d", self->o->f.refusal,
					       self->o->f.refusal_id);
				EXPECT_LT(0, self->o->len);
			}
		} else {
			EXPECT_EQ(EOPNOTSUPP, self->o->err);
			EXPECT_EQ(variant->refusal, self->o->f.refusal);
			EXPECT_EQ(self->sharer, self->o->f.refusal_id);
			EXPECT_EQ(0, self->o->len);
		}

		ASSERT_EQ(0, freeze_as(0, self->sharer, flags, self->o));
		EXPECT_EQ(EOPNOTSUPP, self->o->err);
		EXPECT_EQ(variant->refusal, self->o->f.refusal);
		EXPECT_EQ(self->pid, self->o->f.refusal_id);
	}
	/* Once the sharer is gone, the target alone may be frozen. */
	kill(self->sharer, SIGKILL);
	usleep(100000);
	self->sharer = 0;
	ASSERT_EQ(0, freeze_as(0, self->pid, CRYO_FREEZE_ACCEPT_LOSS, self->o));
	EXPECT_EQ(0, self->o->err) TH_LOG("refusal %u id %d",
					  self->o->f.refusal,
					  self->o->f.refusal_id);
	EXPECT_LT(0, self->o->len);
}

TEST_HARNESS_MAIN
