// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl(8): command dispatch and help.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cryoctl.h"
#include "cli.h"

static const struct cli_cmd *const commands[] = {
	&cmd_freeze,
	&cmd_thaw,
	&cmd_inspect,
	&cmd_maps,
	&cmd_layout,
	&cmd_verify,
	&cmd_remap,
	&cmd_events,
	&cmd_ps,
	&cmd_stats,
	&cmd_check,
	&cmd_version,
};

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("cryoctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_common_opts(const struct cli_cmd *cmd, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd->usage, stdout);
			return 1;
		}
		if (argv[i][0] == '-') {
			cli_err("%s: unknown option '%s' (try 'cryoctl %s --help')",
				cmd->name, argv[i], cmd->name);
			return -1;
		}
		cli_err("%s: unexpected argument '%s' (try 'cryoctl %s --help')",
			cmd->name, argv[i], cmd->name);
		return -1;
	}
	return 0;
}

int cli_exit_for_open(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return EXIT_NODEV;
	case -EACCES:
	case -EPERM:
		return EXIT_PERM;
	default:
		return EXIT_FAIL;
	}
}

int cli_getopt(const struct cli_cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts)
{
	const char *opt;
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	switch (c) {
	case -1:
		return CLI_OPT_END;
	case 'h':
		fputs(cmd->usage, stdout);
		return CLI_OPT_HELP;
	case ':':
	case '?':
		opt = argv[optind - 1];
		if (optopt && optopt < 256 && strncmp(opt, "--", 2))
			cli_err("%s: option '-%c' %s (try 'cryoctl %s --help')",
				cmd->name, optopt,
				c == ':' ? "needs a value" : "is unknown", cmd->name);
		else
			cli_err("%s: option '%s' %s (try 'cryoctl %s --help')",
				cmd->name, opt,
				c == ':' ? "needs a value" : "is unknown", cmd->name);
		return CLI_OPT_BAD;
	default:
		return c;
	}
}

int cli_open_input(const struct cli_cmd *cmd, const char *path,
		   const char **name, int *status)
{
	int fd;

	if (!path || !strcmp(path, "-")) {
		*name = "stdin";
		if (isatty(STDIN_FILENO)) {
			cli_err("%s: stdin is a terminal; give an image file or redirect one (try 'cryoctl %s --help')",
				cmd->name, cmd->name);
			*status = EXIT_USAGE;
			return -1;
		}
		return STDIN_FILENO;
	}
	*name = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cli_err("%s: %s", path, strerror(errno));
		*status = EXIT_FAIL;
	}
	return fd;
}

void cli_image_err(const char *name, const struct cryoctl_image *img, int err)
{
	const char *msg = cryoctl_image_error(img, NULL, NULL);

	cli_err("%s: %s", name, msg ? msg : strerror(-err));
}

int cli_flush_stdout(const char *what)
{
	if (fflush(stdout) || ferror(stdout)) {
		cli_err("%s: writing the output: %s", what, strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static void print_usage(FILE *f)
{
	size_t i;

	fputs("Usage: cryoctl COMMAND [OPTIONS]\n"
	      "       cryoctl COMMAND --help\n"
	      "\n"
	      "Freeze running processes into images and thaw them back, with the\n"
	      "cryo kernel module.\n"
	      "\n"
	      "Commands:\n", f);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\n"
	      "Exit status: 0 success, 1 failure, 2 usage error, 3 module not loaded,\n"
	      "4 permission denied, 5 incompatible module ABI.\n", f);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		argv[1] = "version";

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->run(argc - 1, argv + 1);

	cli_err("unknown command '%s' (try 'cryoctl --help')", argv[1]);
	return EXIT_USAGE;
}
