// SPDX-License-Identifier: GPL-2.0
/*
 * Terminals: a job of a shell, frozen on one pseudo-terminal, killed and
 * thawed with "cryoctl thaw --shell-job" on another.
 *
 * Each test plays the shell: a process leads a session on a pty the test
 * made (its controlling terminal) and starts the job in a process group
 * of its own, in the terminal's foreground.  The job is frozen with
 * --kill; then cryoctl runs as the leader of a session on a NEW pty and
 * thaws it there.  The test reads the new pty's master: the job's screen
 * comes back (the SIGWINCH of the thaw makes it redraw), and keys typed on
 * it reach the job.  The job's termios (raw mode) and the window size go
 * with it.  CRYO_TTY_ONLY=name runs one test.
 */
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"

#define TTY_WAIT	25.0	/* seconds, for a screen to show (emulated VM) */
#define OUT_MAX		(1 << 20)

struct pty {
	int master;
	char slave[64];
	char *out;		/* everything read from the master */
	size_t len;
};

static int pty_open(struct pty *p, unsigned short rows, unsigned short cols)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };

	p->len = 0;
	p->out = calloc(1, OUT_MAX + 1);
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (!p->out || p->master < 0 || grantpt(p->master) ||
	    unlockpt(p->master) ||
	    ptsname_r(p->master, p->slave, sizeof(p->slave)) ||
	    ioctl(p->master, TIOCSWINSZ, &ws))
		return -1;
	return 0;
}

static void pty_close(struct pty *p)
{
	if (p->master >= 0)
		close(p->master);
	p->master = -1;
	free(p->out);
	p->out = NULL;
}

/* In a child: lead a session whose controlling terminal is @p's slave. */
static void pty_become(struct pty *p)
{
	int fd;

	if (setsid() < 0)
		_exit(120);
	fd = open(p->slave, O_RDWR);	/* no O_NOCTTY: it becomes ours */
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(121);
	if (fd > 2)
		close(fd);
	close(p->master);
}

/* Read @p's master until @needle was seen after @from; 0, or -1. */
static int pty_expect(struct pty *p, size_t from, const char *needle)
{
	double end = cryo_now() + TTY_WAIT;
	struct pollfd pfd = { .fd = p->master, .events = POLLIN };
	ssize_t n;

	for (;;) {
		if (p->len > from &&
		    memmem(p->out + from, p->len - from, needle, strlen(needle)))
			return 0;
		if (cryo_now() > end || p->len == OUT_MAX)
			return -1;
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = read(p->master, p->out + p->len, OUT_MAX - p->len);
		if (n <= 0)
			return -1;
		p->len += n;
	}
}

static int pty_type(struct pty *p, const char *keys)
{
	size_t n = strlen(keys);

	return write(p->master, keys, n) == (ssize_t)n ? 0 : -1;
}

typedef void (*job_fn)(void *arg);

/*
 * The shell: a session on @p, the job (@fn, which may exec) in a group
 * of its own in the foreground.  The job's pid through @pid_out; the
 * shell's returned.
 */
static pid_t shell_start(struct pty *p, job_fn fn, void *arg, pid_t *pid_out)
{
	int pfd[2];
	pid_t sh, job;

	if (pipe(pfd))
		return -1;
	sh = fork();
	if (sh < 0)
		return -1;
	if (!sh) {
		close(pfd[0]);
		pty_become(p);
		job = fork();
		if (job < 0)
			_exit(122);
		if (!job) {
			signal(SIGTTOU, SIG_IGN);
			setpgid(0, 0);
			if (tcsetpgrp(0, getpid()))
				_exit(123);
			signal(SIGTTOU, SIG_DFL);
			close(pfd[1]);
			fn(arg);
			_exit(124);
		}
		if (write(pfd[1], &job, sizeof(job)) != sizeof(job))
			_exit(125);
		waitpid(job, NULL, 0);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], pid_out, sizeof(*pid_out)) != sizeof(*pid_out))
		*pid_out = -1;
	close(pfd[0]);
	return sh;
}

static int freeze_kill(pid_t pid, const char *img)
{
	char pids[16];
	const char *const argv[] = { "cryoctl", "freeze", "--kill", pids, NULL };

	snprintf(pids, sizeof(pids), "%d", (int)pid);
	return cryo_cli_to(img, argv);
}

/* cryoctl thaw --shell-job @img, leading a session on @p; its pid. */
static pid_t thaw_on(struct pty *p, const char *img, bool shell_job)
{
	pid_t pid = fork();

	if (!pid) {
		pty_become(p);
		if (shell_job)
			execl(cryo_cryoctl_path(), "cryoctl", "thaw",
			      "--shell-job", img, (char *)NULL);
		else
			execl(cryo_cryoctl_path(), "cryoctl", "thaw", img,
			      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* ---- the jobs --------------------------------------------------------- */

static volatile sig_atomic_t winched;

static void on_winch(int sig)
{
	winched = 1;
}

/*
 * A raw-mode program: 'w' prints its window size and c_lflag, 'q' exits
 * 0; a SIGWINCH prints "WINCH".
 */
static void raw_job(void *arg)
{
	struct sigaction sa = { .sa_handler = on_winch };
	struct termios tio;
	struct winsize ws;
	char c;
	ssize_t n;

	sigaction(SIGWINCH, &sa, NULL);	/* no SA_RESTART: read() says EINTR */
	if (tcgetattr(0, &tio))
		_exit(10);
	cfmakeraw(&tio);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(0, TCSANOW, &tio))
		_exit(11);
	dprintf(1, "raw-ready\n");
	for (;;) {
		n = read(0, &c, 1);
		if (winched) {
			winched = 0;
			dprintf(1, "WINCH\n");
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1)
			_exit(12);
		if (c == 'w') {
			if (ioctl(0, TIOCGWINSZ, &ws) || tcgetattr(0, &tio))
				_exit(13);
			dprintf(1, "size %ux%u lflag %#x\n", ws.ws_row, ws.ws_col,
				(unsigned int)tio.c_lflag);
		}
		if (c == 'q')
			_exit(0);
	}
}

/*
 * The raw job runs in a fresh exec of this binary: a fork of the test
 * maps the harness's shared memory, which a freeze refuses.
 */
#define RAW_JOB_ENV	"CRYO_TTY_RAW_JOB"
#define PTMX_ENV	"CRYO_TTY_PTMX"

static void __attribute__((constructor)) raw_job_main(void)
{
	if (getenv(RAW_JOB_ENV)) {
		unsetenv(RAW_JOB_ENV);
		/* A pty pair of its own, saved with it (since 2.9). */
		if (getenv(PTMX_ENV) && open("/dev/ptmx", O_RDWR | O_NOCTTY) < 0)
			_exit(14);
		raw_job(NULL);
	}
}

static void raw_exec(void *arg)
{
	setenv(RAW_JOB_ENV, "1", 1);
	execl("/proc/self/exe", "cryo_tty_raw_job", (char *)NULL);
	_exit(126);
}

/* The raw job from @arg, a copy of this binary (so it can be changed). */
static void raw_exec_copy(void *arg)
{
	setenv(RAW_JOB_ENV, "1", 1);
	execl(arg, "cryo_tty_raw_job", (char *)NULL);
	_exit(126);
}

static void exec_job(void *arg)
{
	char *const *argv = arg;

	setenv("TERM", "xterm", 1);
	setenv("HOME", "/tmp", 1);
	execvp(argv[0], argv);
	_exit(126);
}

/* ---- the tests -------------------------------------------------------- */

FIXTURE(tty) {
	char dir[64];
	char img[96];
	struct pty a, b;
	pid_t shell, job, thaw;
};

FIXTURE_SETUP(tty)
{
	self->a.master = self->b.master = -1;
	self->shell = self->job = self->thaw = -1;
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	if (access(cryo_cryoctl_path(), X_OK))
		CRYO_SETUP_SKIP("cryoctl not found at %s", cryo_cryoctl_path());
	snprintf(self->dir, sizeof(self->dir), "/tmp/cryo_tty.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->img, sizeof(self->img), "%s/img", self->dir);
	/* The frozen terminal and the one the thaw runs on differ in size. */
	ASSERT_EQ(0, pty_open(&self->a, 37, 101));
	ASSERT_EQ(0, pty_open(&self->b, 24, 80));
}

FIXTURE_TEARDOWN(tty)
{
	char cmd[128];

	if (self->job > 0)
		kill(self->job, SIGKILL);
	if (self->thaw > 0) {
		kill(self->thaw, SIGKILL);
		waitpid(self->thaw, NULL, 0);
	}
	if (self->shell > 0) {
		kill(self->shell, SIGKILL);
		waitpid(self->shell, NULL, 0);
	}
	pty_close(&self->a);
	pty_close(&self->b);
	if (self->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
		if (system(cmd))
			TH_LOG("cannot remove %s", self->dir);
	}
}

/* CRYO_TTY_ONLY=name runs test "name" alone. */
#define TTY_ONLY() do {							\
		const char *__only = getenv("CRYO_TTY_ONLY");		\
									\
		if (__only && strcmp(__only, _metadata->name))		\
			SKIP(return, "CRYO_TTY_ONLY=%s", __only);	\
	} while (0)

/* The thaw's exit status, or -1 if it does not end. */
static int thaw_status(pid_t *pid)
{
	int st;

	if (wait_timeout(*pid, &st, TTY_WAIT) != *pid)
		return -1;
	*pid = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Freeze the job with --kill; the shell then ends. */
static int freeze_job(struct __test_metadata *_metadata,
		      FIXTURE_DATA(tty) *self)
{
	int st = freeze_kill(self->job, self->img);

	if (st) {
		TH_LOG("cryoctl freeze --kill: status %d", st);
		return -1;
	}
	self->job = -1;
	if (wait_timeout(self->shell, &st, TTY_WAIT) != self->shell) {
		TH_LOG("the shell did not end");
		return -1;
	}
	self->shell = -1;
	return 0;
}

/* Raw mode, the window size and a SIGWINCH, kept across the thaw. */
TEST_F_TIMEOUT(tty, raw_termios_winsize, 180)
{
	char want[64];
	const char *p, *q;
	size_t from;

	TTY_ONLY();

	self->shell = shell_start(&self->a, raw_exec, NULL, &self->job);
	ASSERT_LT(0, self->job);
	ASSERT_EQ(0, pty_expect(&self->a, 0, "raw-ready"));
	from = self->a.len;
	ASSERT_EQ(0, pty_type(&self->a, "w"));
	ASSERT_EQ(0, pty_expect(&self->a, from, "\n")) TH_LOG("no answer");
	p = memmem(self->a.out + from, self->a.len - from, "size ", 5);
	ASSERT_NE(NULL, p);
	q = strchr(p, '\n');
	ASSERT_NE(NULL, q);
	snprintf(want, sizeof(want), "%.*s", (int)(q - p), p);
	ASSERT_EQ(0, strncmp(want, "size 37x101 lflag ", 18)) TH_LOG("%s", want);
	ASSERT_EQ(0, freeze_job(_metadata, self));

	self->thaw = thaw_on(&self->b, self->img, true);
	ASSERT_LT(0, self->thaw);
	/* The thaw told it the window changed. */
	ASSERT_EQ(0, pty_expect(&self->b, 0, "WINCH"))
		TH_LOG("no SIGWINCH; read: %.*s", (int)self->b.len, self->b.out);
	from = self->b.len;
	ASSERT_EQ(0, pty_type(&self->b, "w"));
	/* The same size (the frozen one) and the same raw c_lflag. */
	EXPECT_EQ(0, pty_expect(&self->b, from, want))
		TH_LOG("want '%s', read: %.*s", want, (int)(self->b.len - from),
		       self->b.out + from);
	ASSERT_EQ(0, pty_type(&self->b, "q"));
	EXPECT_EQ(0, thaw_status(&self->thaw));
}

/*
 * vi: the text redrawn on the new terminal, and edited there.  BusyBox's
 * vi: Debian's vim arms a POSIX timer (timer_create), which an image
 * does not hold yet.
 */
TEST_F_TIMEOUT(tty, vi, 180)
{
	char file[128], buf[256];
	char *argv[] = { "busybox", "vi", file, NULL };
	ssize_t n;
	size_t from;

	TTY_ONLY();

	if (system("busybox vi --help > /dev/null 2>&1"))
		SKIP(return, "no vi in busybox");
	snprintf(file, sizeof(file), "%s/text", self->dir);
	ASSERT_EQ(0, cryo_write_file(file, "cryo-tty-line-one\n", 18));
	self->shell = shell_start(&self->a, exec_job, argv, &self->job);
	ASSERT_LT(0, self->job);
	ASSERT_EQ(0, pty_expect(&self->a, 0, "cryo-tty-line-one"));
	ASSERT_EQ(0, freeze_job(_metadata, self));

	self->thaw = thaw_on(&self->b, self->img, true);
	ASSERT_LT(0, self->thaw);
	ASSERT_EQ(0, pty_expect(&self->b, 0, "cryo-tty-line-one"))
		TH_LOG("not redrawn; read: %.*s", (int)self->b.len, self->b.out);
	from = self->b.len;
	ASSERT_EQ(0, pty_type(&self->b, "Oadded-after-thaw\x1b"));
	ASSERT_EQ(0, pty_expect(&self->b, from, "added-after-thaw"))
		TH_LOG("read: %.*s", (int)(self->b.len - from),
		       self->b.out + from);
	ASSERT_EQ(0, pty_type(&self->b, ":wq\r"));
	EXPECT_EQ(0, thaw_status(&self->thaw));
	n = cryo_read_file(file, buf, sizeof(buf));
	EXPECT_STREQ("added-after-thaw\ncryo-tty-line-one\n", n > 0 ? buf : "")
		TH_LOG("read %zd bytes", n);
}

/* top: its header redrawn, and 'q' ends it with status 0. */
TEST_F_TIMEOUT(tty, top, 180)
{
	char *argv[] = { "top", "-d", "1", NULL };

	TTY_ONLY();

	if (system("command -v top > /dev/null 2>&1"))
		SKIP(return, "no top");
	self->shell = shell_start(&self->a, exec_job, argv, &self->job);
	ASSERT_LT(0, self->job);
	ASSERT_EQ(0, pty_expect(&self->a, 0, "Tasks:"));
	ASSERT_EQ(0, freeze_job(_metadata, self));

	self->thaw = thaw_on(&self->b, self->img, true);
	ASSERT_LT(0, self->thaw);
	ASSERT_EQ(0, pty_expect(&self->b, 0, "Tasks:"))
		TH_LOG("not redrawn; read: %.*s", (int)self->b.len, self->b.out);
	ASSERT_EQ(0, pty_type(&self->b, "q"));
	EXPECT_EQ(0, thaw_status(&self->thaw));
}

/* Without --shell-job, and without a terminal: refused, naming why. */
TEST_F_TIMEOUT(tty, refused, 180)
{
	const char *const argv[] = { "cryoctl", "thaw", self->img, NULL };
	const char *const argv_j[] = { "cryoctl", "thaw", "--shell-job",
				       self->img, NULL };
	char out[4096];
	size_t from;

	TTY_ONLY();

	self->shell = shell_start(&self->a, raw_exec, NULL, &self->job);
	ASSERT_LT(0, self->job);
	ASSERT_EQ(0, pty_expect(&self->a, 0, "raw-ready"));
	ASSERT_EQ(0, freeze_job(_metadata, self));

	EXPECT_EQ(1, cryo_run_cli(out, sizeof(out), 0, argv));
	EXPECT_NE(NULL, strstr(out, "--shell-job")) TH_LOG("%s", out);
	EXPECT_EQ(1, cryo_run_cli(out, sizeof(out), 0, argv_j));
	EXPECT_NE(NULL, strstr(out, "controlling terminal")) TH_LOG("%s", out);

	/* On a terminal, but without the option: the same refusal. */
	self->thaw = thaw_on(&self->b, self->img, false);
	from = 0;
	EXPECT_EQ(0, pty_expect(&self->b, from, "--shell-job"));
	EXPECT_EQ(1, thaw_status(&self->thaw));
}

/*
 * --shell-job onto /dev/console, a node anyone may open that stands for
 * another terminal: refused (EINVAL) before anything is made, naming it.
 * The check that the restored user may open the terminal itself runs on
 * the same path (cryo_tty_shell_check()).
 */
TEST_F_TIMEOUT(tty, console_refused, 180)
{
	struct cryo_thaw_status st = { .size = sizeof(st) };
	struct cryo_thaw t = { .size = sizeof(t) };
	int dev, img, con;

	TTY_ONLY();
	self->shell = shell_start(&self->a, raw_exec, NULL, &self->job);
	ASSERT_LT(0, self->job);
	ASSERT_EQ(0, pty_expect(&self->a, 0, "raw-ready"));
	ASSERT_EQ(0, freeze_job(_metadata, self));
	con = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (con < 0)
		SKIP(return, "/dev/console: %s", strerror(errno));
	dev = cryoctl_open();
	ASSERT_LE(0, dev);
	img = open(self->img, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, img);
	t.flags = CRYO_THAW_SHELL_JOB;
	t.image_fd = img;
	t.tty_fd = con;
	EXPECT_EQ(-1, ioctl(dev, CRYO_IOC_THAW, &t));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(dev, CRYO_IOC_THAW_STATUS, &st));
	EXPECT_NE(NULL, strstr(st.message, "/dev/tty or /dev/console"))
		TH_LOG("%s", st.message);
	close(img);
	close(dev);
	close(con);
}

/*
 * A pty pair of the job's own (its master, the slave never opened):
 * since 2.9 saved with the job, no longer refused; the freeze --kill
 * ends the job (cryo_pty_test restores pairs).
 */
TEST_F_TIMEOUT(tty, ptmx_saved, 180)
{
	int st;

	TTY_ONLY();
	setenv(PTMX_ENV, "1", 1);
	self->shell = shell_start(&self->a, raw_exec, NULL, &self->job);
	unsetenv(PTMX_ENV);
	ASSERT_LT(0, self->job);
	ASSERT_EQ(0, pty_expect(&self->a, 0, "raw-ready"));
	EXPECT_EQ(0, freeze_kill(self->job, self->img));
	EXPECT_EQ(self->shell, wait_timeout(self->shell, &st, TTY_WAIT));
	self->shell = self->job = -1;
}

/* Termios and window size of @p's terminal, compared field by field. */
struct tty_settings {
	struct termios tio;
	struct winsize ws;
};

static int tty_settings_get(struct pty *p, struct tty_settings *s)
{
	memset(s, 0, sizeof(*s));
	/* On the master both act on the slave's, which the thaw sets. */
	if (tcgetattr(p->master, &s->tio) || ioctl(p->master, TIOCGWINSZ, &s->ws))
		return -1;
	return 0;
}

static bool tty_settings_same(const struct tty_settings *a,
			      const struct tty_settings *b)
{
	return a->tio.c_iflag == b->tio.c_iflag &&
	       a->tio.c_oflag == b->tio.c_oflag &&
	       a->tio.c_cflag == b->tio.c_cflag &&
	       a->tio.c_lflag == b->tio.c_lflag &&
	       !memcmp(a->tio.c_cc, b->tio.c_cc, sizeof(a->tio.c_cc)) &&
	       cfgetispeed(&a->tio) == cfgetispeed(&b->tio) &&
	       cfgetospeed(&a->tio) == cfgetospeed(&b->tio) &&
	       a->ws.ws_row == b->ws.ws_row && a->ws.ws_col == b->ws.ws_col &&
	       a->ws.ws_xpixel == b->ws.ws_xpixel &&
	       a->ws.ws_ypixel == b->ws.ws_ypixel;
}

/*
 * A shell-job thaw that fails after the image's raw mode and window size
 * were applied to the caller's terminal (its FILEs are opened before its
 * mappings: the job's program, changed since the freeze, fails the thaw
 * there) gives the terminal back as it was: a shell is not left in raw
 * mode.
 */
TEST_F_TIMEOUT(tty, failed_thaw_keeps_settings, 180)
{
	struct tty_settings before, after;
	char prog[128];
	int fd;

	TTY_ONLY();

	snprintf(prog, sizeof(prog), "%s/raw_job", self->dir);
	ASSERT_EQ(0, cryo_copy_file("/proc/self/exe", prog));
	self->shell = shell_start(&self->a, raw_exec_copy, prog, &self->job);
	ASSERT_LT(0, self->job);
	ASSERT_EQ(0, pty_expect(&self->a, 0, "raw-ready"));
	ASSERT_EQ(0, freeze_job(_metadata, self));
	/* Its size differs now: its mapping is not the file frozen. */
	fd = open(prog, O_WRONLY | O_APPEND);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "x", 1));
	close(fd);

	ASSERT_EQ(0, tty_settings_get(&self->b, &before));
	self->thaw = thaw_on(&self->b, self->img, true);
	ASSERT_LT(0, self->thaw);
	EXPECT_EQ(0, pty_expect(&self->b, 0, "changed since freeze"))
		TH_LOG("read: %.*s", (int)self->b.len, self->b.out);
	EXPECT_EQ(1, thaw_status(&self->thaw));
	ASSERT_EQ(0, tty_settings_get(&self->b, &after));
	EXPECT_TRUE(tty_settings_same(&before, &after))
		TH_LOG("lflag %#x -> %#x, size %ux%u -> %ux%u",
		       (unsigned int)before.tio.c_lflag,
		       (unsigned int)after.tio.c_lflag, before.ws.ws_row,
		       before.ws.ws_col, after.ws.ws_row, after.ws.ws_col);
	/* Still cooked: the frozen raw mode would have cleared ICANON. */
	EXPECT_TRUE(after.tio.c_lflag & ICANON);
	EXPECT_EQ(24, after.ws.ws_row);
}

/* The image's FILE_DATA of a terminal: its offset in @img, or 0. */
static size_t tty_data(const unsigned char *img, size_t len)
{
	size_t off = 0;
	bool tty = false;

	while (off + sizeof(struct cryo_rec) <= len) {
		struct cryo_rec r;
		struct cryo_image_file f;

		memcpy(&r, img + off, sizeof(r));
		if (r.type == CRYO_REC_FILE && r.len >= sizeof(f)) {
			memcpy(&f, img + off + sizeof(r), sizeof(f));
			tty = f.kind == CRYO_FILE_CHR &&
			      f.data_size == sizeof(struct cryo_image_tty);
		} else if (r.type == CRYO_REC_FILE_DATA && tty) {
			return off;
		}
		off += sizeof(r) + r.len;
	}
	return 0;
}

static void fix_crc(unsigned char *buf, size_t off)
{
	struct cryo_rec r;

	memcpy(&r, buf + off, sizeof(r));
	r.crc = cryoctl_record_crc(&r, buf + off + sizeof(r));
	memcpy(buf + off, &r, sizeof(r));
}

/* Every field of the terminal's settings checked: EBADMSG, named. */
TEST_F_TIMEOUT(tty, malformed, 300)
{
	static const struct {
		const char *what;
		size_t field;
		uint32_t value;
	} bad[] = {
		{ "reserved", offsetof(struct cryo_image_tty, __reserved), 1 },
		{ "unknown flags", offsetof(struct cryo_image_tty, flags), 0x100 },
		{ "session", offsetof(struct cryo_image_tty, sid), 0x80000000u },
		{ "session", offsetof(struct cryo_image_tty, fg_pgid), 0xffffffffu },
		{ "line discipline", offsetof(struct cryo_image_tty, line), 3 },
	};
	unsigned char *img = NULL, *copy;
	char path[128];
	size_t len, off, i;
	int fd;

	TTY_ONLY();

	self->shell = shell_start(&self->a, raw_exec, NULL, &self->job);
	ASSERT_LT(0, self->job);
	ASSERT_EQ(0, pty_expect(&self->a, 0, "raw-ready"));
	ASSERT_EQ(0, freeze_job(_metadata, self));
	fd = open(self->img, O_RDONLY);
	ASSERT_LE(0, fd);
	len = cryo_read_stream(fd, &img);
	close(fd);
	ASSERT_LT(0, len);
	off = tty_data(img, len);
	ASSERT_LT(0, off) TH_LOG("no terminal settings in the image");
	copy = malloc(len);
	ASSERT_NE(NULL, copy);
	snprintf(path, sizeof(path), "%s/bad", self->dir);
	for (i = 0; i < ARRAY_SIZE(bad) + 1; i++) {
		size_t at = off + sizeof(struct cryo_rec) +
			    sizeof(struct cryo_image_file_data);
		struct pty *p = &self->b;

		memcpy(copy, img, len);
		if (i < ARRAY_SIZE(bad)) {
			if (bad[i].field == offsetof(struct cryo_image_tty, line))
				copy[at + bad[i].field] = bad[i].value;
			else
				memcpy(copy + at + bad[i].field, &bad[i].value, 4);
		} else {
			/* CTTY without a session. */
			uint32_t fl = CRYO_TTY_CTTY, zero = 0;

			memcpy(copy + at + offsetof(struct cryo_image_tty, flags), &fl, 4);
			memcpy(copy + at + offsetof(struct cryo_image_tty, sid), &zero, 4);
		}
		fix_crc(copy, off);
		ASSERT_EQ(0, cryo_write_file(path, copy, len));
		pty_close(p);
		ASSERT_EQ(0, pty_open(p, 24, 80));
		self->thaw = thaw_on(p, path, true);
		EXPECT_EQ(0, pty_expect(p, 0, "terminal:"))
			TH_LOG("case %zu (%s): read: %.*s", i,
			       i < ARRAY_SIZE(bad) ? bad[i].what : "ctty",
			       (int)p->len, p->out);
		EXPECT_EQ(1, thaw_status(&self->thaw)) TH_LOG("case %zu", i);
	}
	free(copy);
	free(img);
}

TEST_HARNESS_MAIN
