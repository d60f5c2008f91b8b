// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl events, cryoctl ps, cryoctl stats: what the module reports over
 * generic netlink.
 *
 * --json prints one JSON object per line.  Field names are stable: fields
 * are added, never renamed or removed (Documentation/cryoctl.rst lists
 * them).  Times are CLOCK_REALTIME in ns, durations ns, pids numbers in
 * the initial pid namespace; a field that does not apply to an event is
 * left out.
 *
 *   events   event, type, time_ns, session, then per event:
 *            freeze-begin    pid, caller_pid, flags
 *            freeze-end      pid, errno, bytes, pages, nr_threads,
 *                            nr_processes, duration_ns, target
 *            freeze-abort    pid, reason, errno, bytes, duration_ns, target
 *            freeze-commit   pid, bytes, duration_ns, target
 *            freeze-release  pid, bytes, duration_ns, target
 *            thaw-begin      caller_pid, flags
 *            thaw-end        errno, image_pid, pid, nr_processes, bytes,
 *                            duration_ns, message
 *            {"event":"lost"} when events were lost
 *   ps       session, state, pid, image_pid, caller_pid, opener_pid,
 *            flags, nr_processes, bytes, open_time_ns, start_time_ns
 *   stats    load_time_ns, sessions, freezes, freezes_done,
 *            freezes_aborted, freezes_refused, commits, kills,
 *            freeze_bytes, freeze_pages, thaws, thaws_done, thaws_failed,
 *            thaw_bytes, freeze_errors, thaw_errors (objects keyed by
 *            errno name: "EPIPE": 2; "other" for errnos above 255)
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_netlink.h>

#include "cryoctl.h"
#include "cli.h"
#include "json.h"

/* ---- output helpers ------------------------------------------------------ */

/* The symbolic name of an errno, "EPIPE", or its number. */
static const char *errno_name(int err, char buf[16])
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
		{ E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { ECHILD, "ECHILD" },
		{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
		{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
		{ EINVAL, "EINVAL" }, { EMFILE, "EMFILE" }, { EFBIG, "EFBIG" },
		{ ENOSPC, "ENOSPC" }, { EPIPE, "EPIPE" }, { ERANGE, "ERANGE" },
		{ ENODATA, "ENODATA" }, { EPROTO, "EPROTO" },
		{ EBADMSG, "EBADMSG" }, { EOVERFLOW, "EOVERFLOW" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ EALREADY, "EALREADY" }, { ESTALE, "ESTALE" },
		{ ECANCELED, "ECANCELED" }, { ENOTTY, "ENOTTY" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].err == err)
			return names[i].name;
	if (!err)
		return "other";
	snprintf(buf, 16, "%d", err);
	return buf;
}

/*
 * One line of "key=value" pairs (text) or one compact JSON object (json.c's
 * writer, the module's text passed as it came).
 */
struct line {
	bool json;
	bool first;
	struct json j;
};

static void l_start(struct line *l, bool json)
{
	l->json = json;
	l->first = true;
	if (json) {
		j_begin(&l->j, true);
		l->j.raw_bytes = true;
	}
}

static void l_key(struct line *l, const char *key)
{
	if (l->json)
		j_key(&l->j, key);
	else
		printf("%s%s=", l->first ? "" : " ", key);
	l->first = false;
}

static void l_u64(struct line *l, const char *key, uint64_t v)
{
	if (l->json) {
		j_u64(&l->j, key, v);
		return;
	}
	l_key(l, key);
	printf("%llu", (unsigned long long)v);
}

static void l_s64(struct line *l, const char *key, int64_t v)
{
	if (l->json) {
		j_s64(&l->j, key, v);
		return;
	}
	l_key(l, key);
	printf("%lld", (long long)v);
}

/* A word: a JSON string, or as is in text. */
static void l_word(struct line *l, const char *key, const char *v)
{
	if (l->json) {
		j_str(&l->j, key, v, SIZE_MAX);
		return;
	}
	l_key(l, key);
	fputs(v, stdout);
}

/* Free text: a JSON string, or quoted in text. */
static void l_text(struct line *l, const char *key, const char *v)
{
	if (l->json) {
		j_str(&l->j, key, v, SIZE_MAX);
		return;
	}
	l_key(l, key);
	putchar('"');
	for (; *v; v++)
		putchar(*v == '"' || (unsigned char)*v < 0x20 ? '?' : *v);
	putchar('"');
}

static void l_end(struct line *l)
{
	if (l->json)
		j_end(&l->j);
	else
		putchar('\n');
}

/* "2024-05-01T12:00:00.123Z" */
static void fmt_time(uint64_t ns, char *buf, size_t len)
{
	time_t secs = ns / 1000000000ULL;
	struct tm tm;

	if (!ns || !gmtime_r(&secs, &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03lluZ",
		 (unsigned long long)(ns % 1000000000ULL / 1000000));
}

/* The flags of a freeze ("kill,leave-frozen") or thaw ("same-pid"). */
static void fmt_flags(uint32_t type_is_thaw, uint32_t flags, char *buf,
		      size_t len)
{
	static const char *const freeze[] = { "kill", "leave-frozen", "accept-loss",
						      "snapshot" };
	static const char *const thaw[] = { "same-pid" };
	const char *const *names = type_is_thaw ? thaw : freeze;
	size_t n = type_is_thaw ? ARRAY_SIZE(thaw) : ARRAY_SIZE(freeze);
	size_t used = 0;
	unsigned int bit;

	buf[0] = 0;
	for (bit = 0; bit < 32 && used < len; bit++) {
		if (!(flags & (1U << bit)))
			continue;
		if (bit < n)
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? "," : "", names[bit]);
		else
			used += snprintf(buf + used, len - used, "%s0x%x",
					 used ? "," : "", 1U << bit);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

/* What cryoctl says when the family cannot be reached; the exit code. */
static int report(const char *cmd, int err)
{
	switch (err) {
	case -ENOENT:
		cli_err("%s: the cryo netlink family is not there: the module is not loaded, is older than ABI 1.2, or this network namespace does not see it",
			cmd);
		return EXIT_NODEV;
	case -EPERM:
	case -EACCES:
		cli_err("%s: %s (needs %s)", cmd, strerror(-err),
			strcmp(cmd, "events") ? "CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN" :
			"CAP_SYS_ADMIN");
		return EXIT_PERM;
	default:
		cli_err("%s: %s", cmd, strerror(-err));
		return EXIT_FAIL;
	}
}

/* ---- cryoctl events ------------------------------------------------------ */

static void print_event(const struct cryoctl_event *e, bool json)
{
	bool thaw = e->type == CRYO_NL_CMD_THAW_BEGIN ||
		    e->type == CRYO_NL_CMD_THAW_END;
	char tbuf[40], fbuf[128];
	struct line l;

	l_start(&l, json);
	if (json) {
		l_word(&l, "event", cryoctl_event_name(e->type));
		l_u64(&l, "type", e->type);
		l_u64(&l, "time_ns", e->time_ns);
	} else {
		fmt_time(e->time_ns, tbuf, sizeof(tbuf));
		printf("%s %s", tbuf, cryoctl_event_name(e->type));
		l.first = false;
	}
	l_u64(&l, "session", e->session);
	switch (e->type) {
	case CRYO_NL_CMD_FREEZE_BEGIN:
	case CRYO_NL_CMD_THAW_BEGIN:
		if (e->type == CRYO_NL_CMD_FREEZE_BEGIN)
			l_s64(&l, "pid", e->pid);
		l_s64(&l, "caller_pid", e->caller_pid);
		if (json) {
			l_u64(&l, "flags", e->flags);
		} else {
			fmt_flags(thaw, e->flags, fbuf, sizeof(fbuf));
			l_word(&l, "flags", fbuf);
		}
		break;
	case CRYO_NL_CMD_FREEZE_END:
	case CRYO_NL_CMD_FREEZE_ABORT:
	case CRYO_NL_CMD_FREEZE_COMMIT:
	case CRYO_NL_CMD_FREEZE_RELEASE:
		l_s64(&l, "pid", e->pid);
		if (e->type == CRYO_NL_CMD_FREEZE_ABORT)
			l_word(&l, "reason", cryoctl_reason_name(e->reason));
		if (e->type == CRYO_NL_CMD_FREEZE_END ||
		    e->type == CRYO_NL_CMD_FREEZE_ABORT)
			l_s64(&l, "errno", e->error);
		l_u64(&l, "bytes", e->bytes);
		if (e->type == CRYO_NL_CMD_FREEZE_END) {
			l_u64(&l, "pages", e->pages);
			l_u64(&l, "nr_threads", e->nr_threads);
			l_u64(&l, "nr_processes", e->nr_processes);
		}
		l_u64(&l, "duration_ns", e->duration_ns);
		l_word(&l, "target", cryoctl_target_name(e->target));
		break;
	case CRYO_NL_CMD_THAW_END:
		l_s64(&l, "errno", e->error);
		if (e->image_pid)
			l_s64(&l, "image_pid", e->image_pid);
		if (e->pid)
			l_s64(&l, "pid", e->pid);
		if (e->nr_processes)
			l_u64(&l, "nr_processes", e->nr_processes);
		l_u64(&l, "bytes", e->bytes);
		l_u64(&l, "duration_ns", e->duration_ns);
		if (e->message[0])
			l_text(&l, "message", e->message);
		break;
	default:
		if (e->pid)
			l_s64(&l, "pid", e->pid);
		break;
	}
	l_end(&l);
}

/* {"event":"lost"}, or "lost" in text. */
static void print_lost(bool json)
{
	struct line l;

	if (!json) {
		puts("lost");
		return;
	}
	l_start(&l, true);
	l_word(&l, "event", "lost");
	l_end(&l);
}

/*
 * One piece: option parsing, then the poll loop over the signal and event
 * descriptors that the single exit path closes.
 */
static int run_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cryoctl_event e = { .size = sizeof(e) };
	struct cryoctl_events *ev;
	unsigned long count = 0, seen = 0;
	struct pollfd pfd[2];
	bool json = false, stop = false;
	sigset_t stops;
	char *end;
	int c, ret;

	while ((c = cli_getopt(&cmd_events, argc, argv, ":hjn:", opts)) != CLI_OPT_END) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'n':
			errno = 0;
			count = strtoul(optarg, &end, 10);
			if (errno || !*optarg || *end || optarg[0] == '-' || !count) {
				cli_err("events: --count wants a positive number, not '%s'",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case CLI_OPT_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_err("events: unexpected argument '%s' (try 'cryoctl events --help')",
			argv[optind]);
		return EXIT_USAGE;
	}

	ret = cryoctl_events_open(&ev);
	if (ret)
		return report("events", ret);

	/* The signals that end the listing come through a descriptor too. */
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_BLOCK, &stops, NULL);
	pfd[0].fd = signalfd(-1, &stops, SFD_CLOEXEC);
	pfd[0].events = POLLIN;
	pfd[1].fd = cryoctl_events_fd(ev);
	pfd[1].events = POLLIN;
	if (pfd[0].fd < 0) {
		ret = report("events", -errno);
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);

	ret = EXIT_OK;
	while (!stop && (!count || seen < count)) {
		int n;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
			ret = report("events", -errno);
			break;
		}
		if (pfd[0].revents & POLLIN)
			break;
		n = cryoctl_events_next(ev, &e, 0);
		if (!n)
			continue;
		if (n < 0 && n != -ENOBUFS) {
			ret = report("events", n);
			break;
		}
		if (n == -ENOBUFS) {
			cli_err("events: some events were lost (they came faster than they were read)");
			print_lost(json);
		} else {
			print_event(&e, json);
			seen++;
		}
		/* One line per event, as it happens, also into a pipe. */
		if (fflush(stdout) || ferror(stdout)) {
			if (errno != EPIPE)
				ret = cli_flush_stdout("events");
			stop = true;
		}
	}
	close(pfd[0].fd);
out:
	cryoctl_events_close(ev);
	return ret;
}

const struct cli_cmd cmd_events = {
	.name = "events",
	.summary = "print the module's events as they happen",
	.usage =
	"Usage: cryoctl events [--json] [--count N]\n"
	"\n"
	"Subscribe to the cryo module's events and print one line per event\n"
	"until interrupted (SIGINT, SIGTERM, SIGHUP), or until N events with\n"
	"--count: every freeze begun, ended, aborted, committed or released,\n"
	"and every thaw begun and ended, on this machine; freeze-end and\n"
	"thaw-end tell how many processes the image holds (nr_processes).\n"
	"Pids are in the initial pid namespace.  --json prints one JSON object\n"
	"per line.\n"
	"\n"
	"Needs CAP_SYS_ADMIN.  Exit status: 0 when interrupted, 3 if the\n"
	"module is not there, 4 without the capability, 1 on other errors.\n",
	.run = run_events,
};

/* ---- cryoctl ps ---------------------------------------------------------- */

struct ps_ctx {
	bool json;
	bool all;
	unsigned int shown;
	uint64_t now_ns;
};

static void fmt_age(uint64_t now, uint64_t then, char *buf, size_t len)
{
	uint64_t s = then && now > then ? (now - then) / 1000000000ULL : 0;

	if (!then)
		snprintf(buf, len, "-");
	else if (s < 120)
		snprintf(buf, len, "%llus", (unsigned long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%llum", (unsigned long long)s / 60);
	else
		snprintf(buf, len, "%lluh", (unsigned long long)s / 3600);
}

static int ps_one(const struct cryoctl_session *s, void *arg)
{
	bool thaw = s->state >= CRYO_NL_STATE_THAWING;
	struct ps_ctx *ctx = arg;
	char age[32], flags[128];
	struct line l;

	if (!ctx->all && s->state == CRYO_NL_STATE_IDLE)
		return 0;
	if (ctx->json) {
		l_start(&l, true);
		l_u64(&l, "session", s->id);
		l_word(&l, "state", cryoctl_state_name(s->state));
		l_s64(&l, "pid", s->pid);
		l_s64(&l, "image_pid", s->image_pid);
		l_s64(&l, "caller_pid", s->caller_pid);
		l_s64(&l, "opener_pid", s->opener_pid);
		l_u64(&l, "flags", s->flags);
		l_u64(&l, "nr_processes", s->nr_processes);
		l_u64(&l, "bytes", s->bytes);
		l_u64(&l, "open_time_ns", s->open_time_ns);
		l_u64(&l, "start_time_ns", s->start_time_ns);
		l_end(&l);
	} else {
		fmt_age(ctx->now_ns, s->start_time_ns ?: s->open_time_ns, age,
			sizeof(age));
		if (s->state == CRYO_NL_STATE_IDLE)
			snprintf(flags, sizeof(flags), "-");
		else
			fmt_flags(thaw, s->flags, flags, sizeof(flags));
		printf("%7llu  %-13s %7d %7d %7d %5u %12llu %6s  %s\n",
		       (unsigned long long)s->id, cryoctl_state_name(s->state),
		       s->pid, s->image_pid, s->caller_pid, s->nr_processes,
		       (unsigned long long)s->bytes, age, flags);
	}
	ctx->shown++;
	return 0;
}

static int run_ps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ps_ctx ctx = { 0 };
	struct timespec ts;
	long pid = 0;
	char *end;
	int c, ret;

	while ((c = cli_getopt(&cmd_ps, argc, argv, ":hjap:", opts)) != CLI_OPT_END) {
		switch (c) {
		case 'j':
			ctx.json = true;
			break;
		case 'a':
			ctx.all = true;
			break;
		case 'p':
			errno = 0;
			pid = strtol(optarg, &end, 10);
			if (errno || !*optarg || *end || pid <= 0 || pid > INT32_MAX) {
				cli_err("ps: --pid wants a process id, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case CLI_OPT_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_err("ps: unexpected argument '%s' (try 'cryoctl ps --help')",
			argv[optind]);
		return EXIT_USAGE;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ctx.now_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (!ctx.json)
		printf("%7s  %-13s %7s %7s %7s %5s %12s %6s  %s\n", "SESSION",
		       "STATE", "PID", "IMAGE", "CALLER", "PROCS", "BYTES", "AGE",
		       "FLAGS");
	ret = cryoctl_sessions((pid_t)pid, ps_one, &ctx);
	if (ret)
		return report("ps", ret);
	return cli_flush_stdout("ps");
}

const struct cli_cmd cmd_ps = {
	.name = "ps",
	.summary = "list the freezes and thaws under way",
	.usage =
	"Usage: cryoctl ps [--all] [--pid PID] [--json]\n"
	"\n"
	"List the open /dev/cryo sessions that froze or thaw something: session\n"
	"id, state (freezing, frozen, freeze-done, freeze-failed, thawing,\n"
	"thaw-done, thaw-failed), the target or restored process, the image's\n"
	"pid, who began it, its number of processes (PROCS: the frozen tree's\n"
	"or the thawed image's; 0 until known), image bytes so far, how long\n"
	"ago it began, and its flags.  --all adds the idle sessions; --pid only\n"
	"those of that process.\n"
	"--json prints one JSON object per session and line.  Pids are in the\n"
	"initial pid namespace.\n"
	"\n"
	"Needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN.  Exit status: 0, 3 if\n"
	"the module is not there, 4 without the capability, 1 on other errors.\n",
	.run = run_ps,
};

/* ---- cryoctl stats ------------------------------------------------------- */

/* EPIPE:2,... (or -) in text. */
static void stats_errors_text(const struct cryoctl_errno_count *e, unsigned int n)
{
	char buf[16];
	unsigned int i;

	for (i = 0; i < n; i++)
		printf("%s%s:%llu", i ? "," : "", errno_name(e[i].error, buf),
		       (unsigned long long)e[i].count);
	if (!n)
		putchar('-');
}

/* "key":{"EPIPE":2,...} */
static void stats_errors_json(struct json *j, const char *key,
			      const struct cryoctl_errno_count *e, unsigned int n)
{
	char buf[16];
	unsigned int i;

	j_open(j, key, '{');
	for (i = 0; i < n; i++)
		j_u64(j, errno_name(e[i].error, buf), e[i].count);
	j_close(j, '}');
}

static int run_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cryoctl_stats st = { .size = sizeof(st) };
	const struct {
		const char *name;
		const uint64_t *v;
	} fields[] = {
		{ "load_time_ns", &st.load_time_ns },
		{ "sessions", &st.sessions },
		{ "freezes", &st.freezes },
		{ "freezes_done", &st.freezes_done },
		{ "freezes_aborted", &st.freezes_aborted },
		{ "freezes_refused", &st.freezes_refused },
		{ "commits", &st.commits },
		{ "kills", &st.kills },
		{ "freeze_bytes", &st.freeze_bytes },
		{ "freeze_pages", &st.freeze_pages },
		{ "thaws", &st.thaws },
		{ "thaws_done", &st.thaws_done },
		{ "thaws_failed", &st.thaws_failed },
		{ "thaw_bytes", &st.thaw_bytes },
	};
	bool json = false;
	struct line l;
	size_t i;
	int c, ret;

	while ((c = cli_getopt(&cmd_stats, argc, argv, ":hj", opts)) != CLI_OPT_END) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case CLI_OPT_HELP:
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_err("stats: unexpected argument '%s' (try 'cryoctl stats --help')",
			argv[optind]);
		return EXIT_USAGE;
	}
	ret = cryoctl_stats(&st);
	if (ret)
		return report("stats", ret);

	if (json) {
		l_start(&l, true);
		for (i = 0; i < ARRAY_SIZE(fields); i++)
			l_u64(&l, fields[i].name, *fields[i].v);
		stats_errors_json(&l.j, "freeze_errors", st.freeze_errors,
				  st.nr_freeze_errors);
		stats_errors_json(&l.j, "thaw_errors", st.thaw_errors, st.nr_thaw_errors);
		l_end(&l);
	} else {
		char tbuf[40];

		fmt_time(st.load_time_ns, tbuf, sizeof(tbuf));
		printf("%-16s %s\n", "loaded", tbuf);
		for (i = 1; i < ARRAY_SIZE(fields); i++)
			printf("%-16s %llu\n", fields[i].name,
			       (unsigned long long)*fields[i].v);
		printf("%-16s ", "freeze_errors");
		stats_errors_text(st.freeze_errors, st.nr_freeze_errors);
		printf("\n%-16s ", "thaw_errors");
		stats_errors_text(st.thaw_errors, st.nr_thaw_errors);
		putchar('\n');
	}
	return cli_flush_stdout("stats");
}

const struct cli_cmd cmd_stats = {
	.name = "stats",
	.summary = "print the module's counters since it was loaded",
	.usage =
	"Usage: cryoctl stats [--json]\n"
	"\n"
	"Print what the cryo module counted since it was loaded: freezes begun,\n"
	"completed, aborted and refused, commits and kills, bytes and pages of\n"
	"the complete images, thaws begun, done and failed, bytes thawed, and\n"
	"the errnos that ended freezes and thaws.  --json prints one JSON\n"
	"object on one line.\n"
	"\n"
	"Needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN.  Exit status: 0, 3 if\n"
	"the module is not there, 4 without the capability, 1 on other errors.\n",
	.run = run_stats,
};
