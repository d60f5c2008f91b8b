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

#include <stdio.h>

#include <stdint.h>

struct option;
struct cryoctl_image;
struct cryo_image_vma;

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
extern const struct cli_cmd cmd_freeze;
extern const struct cli_cmd cmd_inspect;
extern const struct cli_cmd cmd_maps;
extern const struct cli_cmd cmd_layout;
extern const struct cli_cmd cmd_verify;
extern const struct cli_cmd cmd_thaw;
extern const struct cli_cmd cmd_remap;
extern const struct cli_cmd cmd_events;
extern const struct cli_cmd cmd_ps;
extern const struct cli_cmd cmd_stats;

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

/* What cli_getopt() returns besides an option's value. */
enum {
	CLI_OPT_END	= -1,	/* no more options: argv[optind] on are operands */
	CLI_OPT_HELP	= -2,	/* usage printed: exit EXIT_OK */
	CLI_OPT_BAD	= -3,	/* error printed: exit EXIT_USAGE */
};

/*
 * getopt_long() for @cmd, with its messages: -h/--help prints the usage;
 * an unknown option or a missing value is reported with a hint.  @shortopts
 * must start with ':' and contain 'h'; @longopts must contain "help".
 */
int cli_getopt(const struct cli_cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts);

/*
 * Open the image operand @path of @cmd for reading; NULL or "-" is stdin,
 * which is refused when it is a terminal.  Sets *@name to what messages
 * call it.  Return: a descriptor, or -1 after printing why (*@status is
 * then the exit code).
 */
int cli_open_input(const struct cli_cmd *cmd, const char *path,
		   const char **name, int *status);

/* Report a failed image read: "cryoctl: NAME: what and where". */
void cli_image_err(const char *name, const struct cryoctl_image *img, int err);

/*
 * Flush stdout and report a write error (a full disk, a closed pipe).
 * Return: EXIT_OK or EXIT_FAIL.
 */
int cli_flush_stdout(const char *what);

/* The "rwxp" column of /proc/PID/maps for @v. */
void cli_vma_perms(const struct cryo_image_vma *v, char perms[5]);

/* Major and minor of a new_encode_dev() value, as MAJOR()/MINOR(). */
void cli_dev_split(uint64_t dev, unsigned int *maj, unsigned int *min);

#endif /* CRYOCTL_CLI_H */
