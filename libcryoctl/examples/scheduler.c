// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * scheduler: how a cluster scheduler drives cryo through libcryoctl.
 *
 * It runs one job, subscribes to the cryo module's events, and takes
 * requests on stdin, one per line:
 *
 *   freeze   freeze the job into DIR/job.img and kill it once the image
 *            is stored (CRYO_FREEZE_KILL: the kernel kills the job only
 *            after the image was read to the end, fsync()ed and
 *            committed; if anything fails the job goes on running)
 *   thaw     thaw DIR/job.img: the job runs again, as our child
 *   status   say where the job stands
 *   quit     kill the job and exit (so does the end of stdin)
 *
 * Everything happens in one poll() loop over stdin and the events
 * descriptor, as in a real scheduler's event loop.  Every event is
 * printed as "event NAME key=value ...", and what the scheduler makes of
 * it on lines of its own ("frozen ...", "thawed ...", "job ...").
 *
 * The job is the command given after "--", with stdin from /dev/null and
 * stdout and stderr appended to DIR/job.log (files cryo can save and
 * reopen); without a command it is this program itself, counting ticks
 * into the log every 100 ms.
 *
 * Build: cc scheduler.c $(pkg-config --cflags --libs libcryoctl)
 * Run as root (freezing another user's process, listening to events and
 * restoring needs privileges; see Documentation/scheduler.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cryoctl.h>

struct sched {
	const char *dir;
	char img[PATH_MAX];
	char log[PATH_MAX];
	char **cmd;		/* the job's command, or NULL for ours */
	pid_t job;		/* running job, 0 if none */
	bool frozen;		/* DIR/job.img holds the job */
	struct cryoctl_events *ev;
	uint64_t thaw_session;	/* the thaw whose end we wait for */
	int thaw_error;		/* its outcome, once THAW_END came */
	bool thaw_ended;
};

/* The job without a command: tick into stdout (the log) forever. */
static __attribute__((noreturn)) void run_builtin_job(void)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	unsigned long n = 0;

	for (;;) {
		printf("tick %lu pid %d\n", ++n, (int)getpid());
		fflush(stdout);
		nanosleep(&ts, NULL);
	}
}

static pid_t start_job(struct sched *s)
{
	pid_t pid;
	int fd;

	pid = fork();
	if (pid)
		return pid;
	/* Only what cryo can save and thaw: /dev/null and a log file. */
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		_exit(127);
	fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(127);
	/* Nothing else: not our netlink socket, not our stdin pipe. */
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	setpgid(0, 0);
	if (s->cmd) {
		execvp(s->cmd[0], s->cmd);
		_exit(127);
	}
	execl("/proc/self/exe", "scheduler", "--job", (char *)NULL);
	_exit(127);
}

static void print_event(const struct cryoctl_event *e)
{
	printf("event %s session=%llu", cryoctl_event_name(e->type),
	       (unsigned long long)e->session);
	if (e->pid)
		printf(" pid=%d", e->pid);
	if (e->caller_pid)
		printf(" caller=%d", e->caller_pid);
	if (e->image_pid)
		printf(" image_pid=%d", e->image_pid);
	if (e->type == CRYO_NL_CMD_FREEZE_END ||
	    e->type == CRYO_NL_CMD_FREEZE_ABORT ||
	    e->type == CRYO_NL_CMD_THAW_END)
		printf(" errno=%d", e->error);
	if (e->type != CRYO_NL_CMD_FREEZE_BEGIN &&
	    e->type != CRYO_NL_CMD_THAW_BEGIN)
		printf(" bytes=%llu ms=%llu", (unsigned long long)e->bytes,
		       (unsigned long long)(e->duration_ns / 1000000));
	if (e->target)
		printf(" target=%s", cryoctl_target_name(e->target));
	if (e->reason)
		printf(" reason=%s", cryoctl_reason_name(e->reason));
	if (e->message[0])
		printf(" message=\"%s\"", e->message);
	printf("\n");
}

/* Print every event queued now; note the end of the thaw we wait for. */
static int drain_events(struct sched *s, int timeout_ms)
{
	struct cryoctl_event e = { .size = sizeof(e) };
	int ret;

	while ((ret = cryoctl_events_next(s->ev, &e, timeout_ms)) != 0) {
		if (ret == -ENOBUFS) {
			printf("events lost\n");
			continue;
		}
		if (ret < 0)
			return ret;
		print_event(&e);
		/* Ours: the one thaw this process began. */
		if (e.type == CRYO_NL_CMD_THAW_BEGIN && e.caller_pid == getpid())
			s->thaw_session = e.session;
		if (e.type == CRYO_NL_CMD_THAW_END && e.session == s->thaw_session) {
			s->thaw_ended = true;
			s->thaw_error = e.error;
		}
		timeout_ms = 0;
	}
	fflush(stdout);
	return 0;
}

static void do_freeze(struct sched *s)
{
	struct cryoctl_freeze_result res = { .size = sizeof(res) };
	int devfd, imgfd, ret, status;

	if (!s->job) {
		printf("error: no job running\n");
		return;
	}
	devfd = cryoctl_open();
	if (devfd < 0) {
		printf("error: /dev/cryo: %s\n", strerror(-devfd));
		return;
	}
	imgfd = open(s->img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (imgfd < 0) {
		printf("error: %s: %s\n", s->img, strerror(errno));
		close(devfd);
		return;
	}
	ret = cryoctl_freeze_ex(devfd, s->job, CRYO_FREEZE_KILL, 0, imgfd, NULL,
				NULL, &res);
	close(imgfd);
	/* Closing the session ends it: a failed freeze resumes the job. */
	close(devfd);
	drain_events(s, 0);
	if (ret) {
		printf("error: freeze of pid %d: %s\n", (int)s->job, strerror(-ret));
		return;
	}
	/* Killed by the kernel after the commit: reap it. */
	waitpid(s->job, &status, 0);
	printf("frozen job pid %d to %s bytes %llu threads %u\n", (int)s->job,
	       s->img, (unsigned long long)res.bytes, res.nr_threads);
	s->job = 0;
	s->frozen = true;
}

static void do_thaw(struct sched *s)
{
	struct cryoctl_thaw_result res;
	int devfd, imgfd, ret;

	if (!s->frozen) {
		printf("error: no frozen job\n");
		return;
	}
	devfd = cryoctl_open();
	if (devfd < 0) {
		printf("error: /dev/cryo: %s\n", strerror(-devfd));
		return;
	}
	imgfd = open(s->img, O_RDONLY | O_CLOEXEC);
	if (imgfd < 0) {
		printf("error: %s: %s\n", s->img, strerror(errno));
		close(devfd);
		return;
	}
	s->thaw_session = 0;
	s->thaw_ended = false;
	/* WAIT: the job is our child again, reaped by our loop. */
	ret = cryoctl_thaw(devfd, imgfd, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	close(imgfd);
	close(devfd);
	/* The module's word on it: THAW_END of our session (5 s at most). */
	drain_events(s, 0);
	if (!s->thaw_ended)
		drain_events(s, 5000);
	if (ret) {
		printf("error: thaw: %s (%s)\n", res.message, strerror(-ret));
		return;
	}
	s->job = res.pid;
	s->frozen = false;
	printf("thawed job as pid %d%s\n", (int)res.pid,
	       s->thaw_ended ? "" : " (no thaw-end event seen)");
}

static void reap(struct sched *s)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != s->job)
			continue;
		if (WIFSIGNALED(status))
			printf("job pid %d killed by signal %d\n", (int)pid,
			       WTERMSIG(status));
		else
			printf("job pid %d exited with %d\n", (int)pid,
			       WEXITSTATUS(status));
		s->job = 0;
		fflush(stdout);
	}
}

static bool handle_line(struct sched *s, const char *line)
{
	if (!strcmp(line, "freeze")) {
		do_freeze(s);
	} else if (!strcmp(line, "thaw")) {
		do_thaw(s);
	} else if (!strcmp(line, "status")) {
		if (s->job)
			printf("job running pid %d\n", (int)s->job);
		else if (s->frozen)
			printf("job frozen in %s\n", s->img);
		else
			printf("no job\n");
	} else if (!strcmp(line, "quit")) {
		return false;
	} else if (line[0]) {
		printf("error: unknown request '%s' (freeze, thaw, status, quit)\n",
		       line);
	}
	fflush(stdout);
	return true;
}

static int usage_error(void)
{
	fprintf(stderr, "usage: scheduler [-d DIR] [-- CMD [ARG...]]\n"
		"requests on stdin: freeze, thaw, status, quit\n");
	return 2;
}

/*
 * One piece: an example meant to be read top to bottom, setup then the
 * request loop.
 */
int main(int argc, char **argv)
{
	struct sched s = { .dir = "." };
	char line[256];
	size_t len = 0;
	bool go = true;
	int i, ret;

	if (argc == 2 && !strcmp(argv[1], "--job"))
		run_builtin_job();
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			s.dir = argv[++i];
			continue;
		}
		if (strcmp(argv[i], "--"))
			return usage_error();
		if (i + 1 < argc)
			s.cmd = argv + i + 1;
		break;
	}
	snprintf(s.img, sizeof(s.img), "%s/job.img", s.dir);
	snprintf(s.log, sizeof(s.log), "%s/job.log", s.dir);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	/* Subscribe first: nothing the job goes through is missed. */
	ret = cryoctl_events_open(&s.ev);
	if (ret) {
		fprintf(stderr, "scheduler: events: %s\n", strerror(-ret));
		return 1;
	}
	s.job = start_job(&s);
	if (s.job < 0) {
		fprintf(stderr, "scheduler: fork: %s\n", strerror(errno));
		return 1;
	}
	printf("job started pid %d log %s\n", (int)s.job, s.log);

	while (go) {
		struct pollfd pfd[2] = {
			{ .fd = 0, .events = POLLIN },
			{ .fd = cryoctl_events_fd(s.ev), .events = POLLIN },
		};
		ssize_t n;

		if (poll(pfd, 2, 100) < 0 && errno != EINTR)
			break;
		reap(&s);
		if (pfd[1].revents & POLLIN)
			drain_events(&s, 0);
		if (!(pfd[0].revents & (POLLIN | POLLHUP)))
			continue;
		n = read(0, line + len, sizeof(line) - 1 - len);
		if (n <= 0)
			break;		/* end of requests */
		len += n;
		line[len] = 0;
		for (;;) {
			char *nl = strchr(line, '\n');

			if (!nl)
				break;
			*nl = 0;
			go = handle_line(&s, line);
			len -= nl + 1 - line;
			memmove(line, nl + 1, len + 1);
			if (!go)
				break;
		}
		if (len == sizeof(line) - 1)
			len = 0;	/* an overlong line: drop it */
	}
	if (s.job) {
		kill(s.job, SIGKILL);
		waitpid(s.job, NULL, 0);
		printf("job pid %d killed\n", (int)s.job);
	}
	drain_events(&s, 0);
	cryoctl_events_close(s.ev);
	return 0;
}
