// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl thaw: turn an image back into a running process.
 * cryoctl remap: what a process reshaped to a layout looks like.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <linux/cryo.h>

#include "cryoctl.h"
#include "cli.h"

/* Room for the maps text of a remap: pages are only touched as written. */
#define REMAP_TEXT_MAX	(64 << 20)

/* A decimal number from 0 to INT_MAX: no sign, no spaces, not empty. */
static bool parse_fd(const char *s, const char *end, int *out)
{
	long v = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return false;
	}
	*out = (int)v;
	return true;
}

/*
 * One --inherit-fd N=FD: N the fd in the image, FD one of ours.
 * Return: EXIT_OK, or EXIT_USAGE after saying why.
 */
static int add_inherit(const char *arg, struct cryo_thaw_inherit *inh,
		       unsigned int *nr)
{
	const char *eq = strchr(arg, '=');
	struct cryo_thaw_inherit e;
	unsigned int i;

	if (!eq || !parse_fd(arg, eq, &e.fd) ||
	    !parse_fd(eq + 1, eq + strlen(eq), &e.source_fd)) {
		cli_err("thaw: --inherit-fd '%s': give N=FD, N the descriptor's number in the image and FD one of cryoctl's open descriptors (decimal numbers)",
			arg);
		return EXIT_USAGE;
	}
	for (i = 0; i < *nr; i++) {
		if (inh[i].fd == e.fd) {
			cli_err("thaw: --inherit-fd: fd %d of the image is given twice (%d=%d and %s)",
				e.fd, inh[i].fd, inh[i].source_fd, arg);
			return EXIT_USAGE;
		}
	}
	if (*nr == CRYO_THAW_INHERIT_MAX) {
		cli_err("thaw: --inherit-fd: at most %d", CRYO_THAW_INHERIT_MAX);
		return EXIT_USAGE;
	}
	if (fcntl(e.source_fd, F_GETFD) < 0) {
		cli_err("thaw: --inherit-fd %s: cryoctl has no descriptor %d open (open it in the shell, e.g. '%d<file')",
			arg, e.source_fd, e.source_fd);
		return EXIT_USAGE;
	}
	inh[(*nr)++] = e;
	return EXIT_OK;
}

/* The fd number a module message names ("... fd 5 ..."), or -1. */
static int fd_in_message(const char *msg)
{
	const char *p = msg, *end;
	int fd;

	while ((p = strstr(p, "fd "))) {
		if (p == msg || p[-1] == ' ' || p[-1] == '(') {
			for (end = p + 3; *end >= '0' && *end <= '9'; end++)
				;
			if (parse_fd(p + 3, end, &fd))
				return fd;
		}
		p += 3;
	}
	return -1;
}

static void report_thaw_error(int err, const struct cryoctl_thaw_result *res)
{
	const char *msg = res->message[0] ? res->message : strerror(-err);
	int fd;

	/* The module's own message may already say what to do. */
	if (err != -ENXIO || strstr(msg, "--inherit-fd")) {
		cli_err("thaw: %s (%s)", msg, strerror(-err));
		return;
	}
	fd = fd_in_message(msg);
	if (fd >= 0)
		cli_err("thaw: %s (%s): fd %d cannot be recreated; pass --inherit-fd %d=<fd> to give it one of cryoctl's descriptors",
			msg, strerror(-err), fd, fd);
	else
		cli_err("thaw: %s (%s): pass --inherit-fd N=<fd> to give the descriptor N the message names one of cryoctl's",
			msg, strerror(-err));
}

/*
 * Open the device and check that the module can do @feature.
 * Return: the descriptor, or -1 with *@status the exit code.
 */
static int open_device(const char *cmd, uint64_t feature, const char *what,
		       int *status)
{
	struct cryoctl_version v;
	int fd, ret;

	fd = cryoctl_open();
	if (fd < 0) {
		cli_err("%s: cannot open the cryo device: %s%s", cmd, strerror(-fd),
			fd == -ENOENT ? " (is the module loaded? try 'cryoctl check')" : "");
		*status = cli_exit_for_open(fd);
		return -1;
	}
	ret = cryoctl_version(fd, &v);
	if (ret == -EPROTO) {
		cli_err("%s: the module speaks ABI %u.%u, cryoctl speaks %u.x", cmd,
			v.abi_major, v.abi_minor, v.lib_abi_major);
		*status = EXIT_ABI;
	} else if (ret) {
		cli_err("%s: not a cryo device: %s", cmd, strerror(-ret));
		*status = EXIT_FAIL;
	} else if (!(v.features & feature)) {
		cli_err("%s: the loaded cryo module cannot %s (module ABI %u.%u); it is too old",
			cmd, what, v.abi_major, v.abi_minor);
		*status = EXIT_FAIL;
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

/* Wait for the restored process (our child) and exit as it did. */
static int wait_restored(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno == EINTR)
			continue;
		cli_err("thaw: waiting for PID %d: %s", (int)pid, strerror(errno));
		return EXIT_FAIL;
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/*
 * A shell job is over: its terminal's foreground is ours again, as a
 * shell takes it back from a job that ended (we are in the background
 * now: SIGTTOU would stop us).
 */
static void take_foreground(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN }, old;
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (isatty(fd) && tcgetsid(fd) == getsid(0))
			break;
	if (fd == 3)
		return;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTTOU, &sa, &old);
	tcsetpgrp(fd, getpgrp());
	sigaction(SIGTTOU, &old, NULL);
}

static const struct option thaw_opts[] = {
	{ "wait",		no_argument,		NULL, 'w' },
	{ "same-pid",		no_argument,		NULL, 's' },
	{ "new-pidns",		no_argument,		NULL, 'n' },
	{ "inherit-fd",		required_argument,	NULL, 'i' },
	{ "shell-job",		no_argument,		NULL, 'j' },
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int run_thaw(int argc, char **argv)
{
	struct cryoctl_thaw_result res;
	struct cryo_thaw_inherit *inh;
	unsigned int flags = 0, nr = 0;
	const char *name;
	int c, devfd, fd, ret, status = EXIT_USAGE;

	inh = calloc(CRYO_THAW_INHERIT_MAX, sizeof(*inh));
	if (!inh) {
		cli_err("thaw: out of memory");
		return EXIT_FAIL;
	}
	while ((c = cli_getopt(&cmd_thaw, argc, argv, ":h", thaw_opts)) != CLI_OPT_END) {
		switch (c) {
		case CLI_OPT_HELP:
			status = EXIT_OK;
			goto out_free;
		case CLI_OPT_BAD:
			goto out_free;
		case 'w':
			flags |= CRYOCTL_THAW_WAIT;
			break;
		case 's':
			flags |= CRYOCTL_THAW_SAME_PID;
			break;
		case 'n':
			flags |= CRYOCTL_THAW_NEW_PIDNS;
			break;
		case 'i':
			if (add_inherit(optarg, inh, &nr))
				goto out_free;
			break;
		case 'j':
			flags |= CRYOCTL_THAW_SHELL_JOB | CRYOCTL_THAW_WAIT;
			break;
		}
	}
	if (argc - optind > 1) {
		cli_err("thaw: give at most one image (try 'cryoctl thaw --help')");
		goto out_free;
	}

	fd = cli_open_input(&cmd_thaw, optind < argc ? argv[optind] : NULL, &name,
			    &status);
	if (fd < 0)
		goto out_free;
	devfd = open_device("thaw", CRYO_FEATURE_THAW, "thaw", &status);
	if (devfd < 0)
		goto out_close;

	ret = cryoctl_thaw(devfd, fd, flags, inh, nr, &res);
	close(devfd);
	if (ret) {
		report_thaw_error(ret, &res);
		status = EXIT_FAIL;
		goto out_close;
	}
	/* A shell job's screen is the terminal's: nothing of ours on it. */
	if (!(flags & CRYOCTL_THAW_SHELL_JOB)) {
		printf("%d\n", (int)res.pid);
		status = cli_flush_stdout("thaw");
	}
	if (flags & CRYOCTL_THAW_WAIT) {
		if (fd > STDIN_FILENO)
			close(fd);
		free(inh);
		status = wait_restored(res.pid);
		if (flags & CRYOCTL_THAW_SHELL_JOB)
			take_foreground();
		return status;
	}
out_close:
	if (fd > STDIN_FILENO)
		close(fd);
out_free:
	free(inh);
	return status;
}

const struct cli_cmd cmd_thaw = {
	.name = "thaw",
	.summary = "restore an image as a running process",
	.usage =
	"Usage: cryoctl thaw [--wait] [--same-pid | --new-pidns] [--inherit-fd N=FD]...\n"
	"                    [--shell-job] [IMG]\n"
	"\n"
	"Turn the image IMG (stdin when IMG is absent or '-') into a running\n"
	"process with the image's memory, threads, registers, open files and\n"
	"signal state, and print its PID on stdout.  Files are reopened by path\n"
	"with cryoctl's credentials and must be the ones frozen.  Nothing is\n"
	"left behind when the thaw fails.\n"
	"\n"
	"Options:\n"
	"  --wait             the restored process is cryoctl's child: cryoctl\n"
	"                     prints its PID, waits for it and exits with its\n"
	"                     exit status (128+N when killed by signal N).\n"
	"                     Without --wait it is detached, in a session of its\n"
	"                     own, and cryoctl exits at once.  Either way it\n"
	"                     has no controlling terminal (but with --shell-job).\n"
	"  --same-pid         give it the image's PID and its threads the image's\n"
	"                     thread ids; they must be free (needs\n"
	"                     CAP_CHECKPOINT_RESTORE)\n"
	"  --new-pidns        restore in a new pid namespace, where every process\n"
	"                     and thread has the image's id, whoever holds them\n"
	"                     here (needs CAP_SYS_ADMIN).  Its init, which makes\n"
	"                     the root and ends with it (killing the rest), is\n"
	"                     the process whose PID (in cryoctl's namespace) is\n"
	"                     printed and waited for; the root killed by signal N\n"
	"                     makes it exit with 128+N.  /proc stays cryoctl's.\n"
	"  --inherit-fd N=FD  the image's descriptor N becomes cryoctl's open\n"
	"                     descriptor FD: for what cannot be recreated, such\n"
	"                     as a pipe whose other end was not frozen with the\n"
	"                     process, or a file lost at the freeze.  Repeat for\n"
	"                     several descriptors; e.g. '--inherit-fd 1=1' hands\n"
	"                     it cryoctl's stdout.\n"
	"  --shell-job        a job frozen on a terminal runs on cryoctl's: each\n"
	"                     descriptor of a terminal in the image is opened on\n"
	"                     the controlling terminal cryoctl runs on (its fd\n"
	"                     0, 1 or 2), which gets the frozen termios and\n"
	"                     window size; the processes join cryoctl's session,\n"
	"                     in a process group of their own that becomes the\n"
	"                     terminal's foreground, and redraw (SIGWINCH).\n"
	"                     Implies --wait (the PID is not printed); the\n"
	"                     terminal comes back to cryoctl when the job ends.\n"
	"                     Without it an image holding a terminal is refused\n"
	"                     unless each such fd is given with --inherit-fd.\n"
	"  -h, --help         this text\n"
	"\n"
	"Exit status: 0 the process runs (with --wait: its exit status); 1 the\n"
	"thaw failed (the message names the record, file or descriptor at\n"
	"fault); 2 usage error, including stdin on a terminal; 3 module not\n"
	"loaded; 4 no permission on /dev/cryo; 5 incompatible module ABI.\n",
	.run = run_thaw,
};

/* ---- remap ------------------------------------------------------------------ */

static const struct option remap_opts[] = {
	{ "help",		no_argument,		NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int run_remap(int argc, char **argv)
{
	struct cryo_thaw_status st;
	size_t len = 0;
	const char *name;
	int c, devfd, fd, ret, status = EXIT_USAGE;
	char *buf;

	c = cli_getopt(&cmd_remap, argc, argv, ":h", remap_opts);
	if (c != CLI_OPT_END)
		return c == CLI_OPT_HELP ? EXIT_OK : EXIT_USAGE;
	if (argc - optind > 1) {
		cli_err("remap: give at most one layout (try 'cryoctl remap --help')");
		return EXIT_USAGE;
	}
	fd = cli_open_input(&cmd_remap, optind < argc ? argv[optind] : NULL, &name,
			    &status);
	if (fd < 0)
		return status;
	devfd = open_device("remap", CRYO_FEATURE_REMAP, "remap", &status);
	if (devfd < 0)
		goto out_close;
	buf = malloc(REMAP_TEXT_MAX);
	if (!buf) {
		cli_err("remap: out of memory");
		status = EXIT_FAIL;
		goto out_dev;
	}

	ret = cryoctl_remap_maps(devfd, fd, buf, REMAP_TEXT_MAX, &len);
	status = EXIT_FAIL;
	if (!ret) {
		fwrite(buf, 1, len, stdout);
		status = cli_flush_stdout("remap");
	} else if (!cryoctl_thaw_status(devfd, &st) && st.state != CRYO_THAW_NONE &&
		   st.message[0]) {
		/* The module got as far as the remap: its words. */
		cli_err("remap: %s (%s)", st.message, strerror(-ret));
	} else if (ret == -EPROTO || ret == -EBADMSG || ret == -ENODATA ||
		   ret == -EOVERFLOW) {
		cli_err("remap: %s: not a valid image or layout: %s (try 'cryoctl verify')",
			name, strerror(-ret));
	} else if (ret == -ERANGE) {
		cli_err("remap: the maps text is too long (%zu bytes)", len);
	} else {
		cli_err("remap: %s: %s", name, strerror(-ret));
	}
	free(buf);
out_dev:
	close(devfd);
out_close:
	if (fd > STDIN_FILENO)
		close(fd);
	return status;
}

const struct cli_cmd cmd_remap = {
	.name = "remap",
	.summary = "show the maps of a process reshaped to a layout",
	.usage =
	"Usage: cryoctl remap [LAYOUT]\n"
	"\n"
	"A diagnostic of the module's CRYO_IOC_REMAP: fork a child, reshape its\n"
	"address space to LAYOUT (an image, or the output of 'cryoctl layout';\n"
	"stdin when absent or '-') and print the child's /proc/self/maps.  It\n"
	"should match 'cryoctl maps LAYOUT' but for [vdso] and [vvar] (a remap\n"
	"does not map them), [heap] and [stack] (unnamed: a remap does not set\n"
	"the mm's bounds) and neighbouring mappings shown merged.  The child\n"
	"then exits.  Mapped files are reopened by path and must be the ones\n"
	"recorded.\n"
	"\n"
	"Options:\n"
	"  -h, --help   this text\n"
	"\n"
	"Exit status: 0 the maps are printed; 1 the remap failed (the message\n"
	"says why); 2 usage error; 3 module not loaded; 4 no permission on\n"
	"/dev/cryo; 5 incompatible module ABI.\n",
	.run = run_remap,
};
