/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cryoctl(8): shared definitions of the command-line tool.
 */
#ifndef CRYOCTL_CLI_H
#define CRYOCTL_CLI_H

/*
 * Exit codes, documented in Documentation/cryoctl.rst.  Scripts rely on
 * them: never renumber, only add.
 */
enum {
	EXIT_OK		= 0,	/* done */
	EXIT_FAIL	= 1,	/* the operation failed */
	EXIT_USAGE	= 2,	/* bad command line */
	EXIT_NODEV	= 3,	/* module not loaded or /dev/cryo missing */
	EXIT_PERM	= 4,	/* no permission on /dev/cryo or the target */
	EXIT_ABI	= 5,	/* module speaks an incompatible ABI */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __printf(a, b) __attribute__((format(printf, a, b)))

struct cli_cmd {
	const char *name;
	const char *summary;
	const char *usage;	/* full help text for "cryoctl CMD --help" */
	int (*run)(int argc, char **argv);
};

extern const struct cli_cmd cmd_version;
extern const struct cli_cmd cmd_check;

/* Print "cryoctl: <msg>" to stderr. */
__printf(1, 2) void cli_err(const char *fmt, ...);

/*
 * Handle the options every command shares: -h/--help prints @cmd's usage
 * and returns 1 (the caller exits 0); an unknown option prints a hint and
 * returns -1 (the caller exits EXIT_USAGE).  0 means no such option.
 */
int cli_common_opts(const struct cli_cmd *cmd, int argc, char **argv);

/* Map a -errno from cryoctl_open() to an exit code. */
int cli_exit_for_open(int err);

#endif /* CRYOCTL_CLI_H */
