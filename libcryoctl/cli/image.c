// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl maps, layout, verify: the commands that walk an image's records.
 */
#include <assert.h>
#include <endian.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "cli.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	      "cryoctl reads image payloads in place: little-endian hosts only");

/* /proc/PID/maps pads the prefix to this width, then adds a space. */
#define MAPS_PAD	(25 + 8 * 6 - 1)

void cli_vma_perms(const struct cryo_image_vma *v, char perms[5])
{
	perms[0] = v->flags & CRYO_VMA_READ ? 'r' : '-';
	perms[1] = v->flags & CRYO_VMA_WRITE ? 'w' : '-';
	perms[2] = v->flags & CRYO_VMA_EXEC ? 'x' : '-';
	perms[3] = v->flags & CRYO_VMA_MAYSHARE ? 's' : 'p';
	perms[4] = 0;
}

void cli_dev_split(uint64_t dev, unsigned int *maj, unsigned int *min)
{
	*maj = (dev & 0xfff00) >> 8;
	*min = (dev & 0xff) | ((dev >> 12) & 0xfff00);
}

/* The name /proc/PID/maps shows for @v, or NULL for none. */
static const char *vma_name(const struct cryo_image_vma *v, const char *raw,
			    size_t *len)
{
	static const char *const fixed[] = {
		[CRYO_VMA_HEAP]		= "[heap]",
		[CRYO_VMA_STACK]	= "[stack]",
		[CRYO_VMA_VDSO]		= "[vdso]",
		[CRYO_VMA_VVAR]		= "[vvar]",
		[CRYO_VMA_VSYSCALL]	= "[vsyscall]",
	};

	if (v->kind < ARRAY_SIZE(fixed) && fixed[v->kind]) {
		*len = strlen(fixed[v->kind]);
		return fixed[v->kind];
	}
	*len = v->name_len;
	return v->name_len ? raw : NULL;
}

/*
 * One line exactly as fs/proc/task_mmu.c show_map_vma() prints it: the
 * prefix, then for a named mapping spaces up to column MAPS_PAD, one more
 * space and the name, with '\n' escaped as seq_file_path() does.
 */
static void print_map_line(const struct cryo_image_vma *v, const char *raw)
{
	unsigned int maj, min;
	const char *name;
	char perms[5];
	size_t len, i;
	int n;

	cli_vma_perms(v, perms);
	cli_dev_split(v->dev, &maj, &min);
	n = printf("%08llx-%08llx %s %08llx %02x:%02x %llu ",
		   (unsigned long long)v->start, (unsigned long long)v->end,
		   perms, (unsigned long long)v->pgoff, maj, min,
		   (unsigned long long)v->ino);
	name = vma_name(v, raw, &len);
	if (name) {
		printf("%*s", n < MAPS_PAD ? MAPS_PAD - n : 0, "");
		putchar(' ');
		for (i = 0; i < len; i++) {
			if (name[i] == '\n')
				fputs("\\012", stdout);
			else
				putchar(name[i]);
		}
	}
	putchar('\n');
}

static const struct option plain_opts[] = {
	{ "help",	no_argument,	NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * The options and operand of a command that takes at most one image:
 * open it.  Return: the descriptor, or -1 with *@status the exit code.
 */
static int one_image_arg(const struct cli_cmd *cmd, int argc, char **argv,
			 const char **name, int *status)
{
	int c;

	while ((c = cli_getopt(cmd, argc, argv, ":h", plain_opts)) != CLI_OPT_END) {
		*status = c == CLI_OPT_HELP ? EXIT_OK : EXIT_USAGE;
		return -1;
	}
	if (argc - optind > 1) {
		cli_err("%s: give at most one image (try 'cryoctl %s --help')",
			cmd->name, cmd->name);
		*status = EXIT_USAGE;
		return -1;
	}
	return cli_open_input(cmd, argv[optind], name, status);
}

static void close_input(int fd)
{
	if (fd != STDIN_FILENO)
		close(fd);
}

/* ---- maps ---------------------------------------------------------------- */

static int run_maps(int argc, char **argv)
{
	struct cryoctl_image *img = NULL;
	struct cryoctl_record rec;
	struct cryo_image_vma v;
	unsigned int sections = 0;
	const char *name;
	int fd, ret, status;

	fd = one_image_arg(&cmd_maps, argc, argv, &name, &status);
	if (fd < 0)
		return status;
	ret = cryoctl_image_open(fd, &img);
	while (!ret && (ret = cryoctl_image_next(img, &rec)) > 0) {
		if (rec.type == CRYO_REC_PROCESS)
			sections++;
		if (rec.type == CRYO_REC_VMA && sections <= 1) {
			memcpy(&v, rec.payload, sizeof(v));
			print_map_line(&v, (const char *)rec.payload + sizeof(v));
		}
		ret = 0;
	}
	status = cli_flush_stdout("maps");
	if (ret < 0) {
		cli_image_err(name, img, ret);
		status = EXIT_FAIL;
	}
	cryoctl_image_close(img);
	close_input(fd);
	return status;
}

const struct cli_cmd cmd_maps = {
	.name = "maps",
	.summary = "list an image's memory mappings as /proc/PID/maps does",
	.usage =
	"Usage: cryoctl maps [IMG]\n"
	"\n"
	"Print the memory mappings of the frozen process in the image IMG (stdin\n"
	"when IMG is absent or '-') in the format of /proc/PID/maps, so that\n"
	"the output equals what /proc/PID/maps showed at the freeze, line for\n"
	"line:\n"
	"\n"
	"  START-END PERMS OFFSET MAJOR:MINOR INODE   NAME\n"
	"\n"
	"PERMS is r, w, x and s (shared) or p (private); anonymous mappings\n"
	"have 00:00 0 and no name, special ones [heap], [stack], [vdso],\n"
	"[vvar] or [vsyscall].  The whole image is read and verified: lines\n"
	"already printed stand, but a damaged image ends with an error.  Of an\n"
	"image of a process tree, the mappings of its root (the first\n"
	"process; 'cryoctl inspect --json' lists every member's).\n"
	"\n"
	"Exit status: 0 the image is complete and verified; 1 it is damaged,\n"
	"truncated or unreadable, or the output could not be written; 2 usage\n"
	"error (also: stdin is a terminal).\n",
	.run = run_maps,
};

/* ---- layout -------------------------------------------------------------- */

struct writer {
	uint64_t records;
	uint64_t bytes;
};

static int put_record(struct writer *w, uint32_t type, const void *payload,
		      uint32_t len)
{
	struct cryo_rec rec = {
		.type = htole32(type),
		.len = htole32(len),
	};

	rec.crc = htole32(cryoctl_record_crc(&rec, payload));
	if (fwrite(&rec, sizeof(rec), 1, stdout) != 1 ||
	    (len && fwrite(payload, len, 1, stdout) != 1))
		return -1;
	w->records++;
	w->bytes += sizeof(rec) + len;
	return 0;
}

/*
 * The HEADER as read, announcing no threads and (2.2) no processes since
 * none are copied (which also lets the layout go without TREE, PROCESS,
 * GROUPS, AUXV, FS and SIGNALS);
 * any fields a newer minor version appends are kept.
 */
static int put_header(struct writer *w, const struct cryoctl_record *rec)
{
	struct cryo_image_header *h;
	int ret;

	h = malloc(rec->len);
	if (!h)
		return -1;
	memcpy(h, rec->payload, rec->len);
	h->nr_threads = htole32(0);
	if (le16toh(h->minor) >= 2)
		h->nr_processes = htole32(0);
	ret = put_record(w, CRYO_REC_HEADER, h, rec->len);
	free(h);
	return ret;
}

static int run_layout(int argc, char **argv)
{
	struct cryoctl_image *img = NULL;
	struct cryo_image_trailer t;
	struct cryoctl_record rec;
	struct writer w = { 0 };
	unsigned int sections = 0;
	const char *name;
	int fd, ret, status;

	fd = one_image_arg(&cmd_layout, argc, argv, &name, &status);
	if (fd < 0)
		return status;
	if (isatty(STDOUT_FILENO)) {
		cli_err("layout: refusing to write an image to a terminal; redirect stdout");
		close_input(fd);
		return EXIT_USAGE;
	}
	ret = cryoctl_image_open(fd, &img);
	while (!ret && (ret = cryoctl_image_next(img, &rec)) > 0) {
		if (rec.type == CRYO_REC_PROCESS)
			sections++;
		if (rec.type == CRYO_REC_HEADER)
			ret = put_header(&w, &rec);
		else if (rec.type == CRYO_REC_VMA && sections <= 1)
			ret = put_record(&w, rec.type, rec.payload, rec.len);
		else
			ret = 0;
		if (ret)
			goto out_write;
	}
	if (ret < 0) {
		/* No trailer: what was written reads as truncated. */
		cli_flush_stdout("layout");
		cli_image_err(name, img, ret);
		status = EXIT_FAIL;
		goto out_close;
	}
	t.nr_records = htole64(w.records);
	t.nr_pages = htole64(0);
	t.bytes = htole64(w.bytes);
	if (put_record(&w, CRYO_REC_TRAILER, &t, sizeof(t)))
		goto out_write;
	status = cli_flush_stdout("layout");
	goto out_close;

out_write:
	cli_flush_stdout("layout");
	status = EXIT_FAIL;
out_close:
	cryoctl_image_close(img);
	close_input(fd);
	return status;
}

const struct cli_cmd cmd_layout = {
	.name = "layout",
	.summary = "extract an image's memory layout as a small image",
	.usage =
	"Usage: cryoctl layout [IMG] > LAYOUT\n"
	"\n"
	"Read the image IMG (stdin when IMG is absent or '-'), verify it, and\n"
	"write to stdout a valid image holding only its HEADER, its VMA records\n"
	"and a new TRAILER: the memory layout without contents, process,\n"
	"threads or files.  The header is copied except for nr_threads and\n"
	"nr_processes, which become 0 (an image without threads is the only\n"
	"kind that may lack the process records); the trailer's counts and\n"
	"every checksum are computed afresh.  Of an image of a process tree,\n"
	"the layout of its root (the first process).\n"
	"'cryoctl maps LAYOUT' shows the same mappings as 'cryoctl maps IMG'.\n"
	"\n"
	"Nothing is written that has not been read and verified, and the\n"
	"trailer only once the whole input is verified: when IMG is damaged,\n"
	"the output has no trailer and reads as truncated.\n"
	"\n"
	"Exit status: 0 done; 1 the input is damaged, truncated or unreadable,\n"
	"or the output could not be written; 2 usage error (also: stdout or\n"
	"stdin is a terminal).\n",
	.run = run_layout,
};

/* ---- verify -------------------------------------------------------------- */

/* Return: true if the image at @fd is complete and sound. */
static bool verify_one(int fd, const char *name)
{
	const struct cryo_image_trailer *t;
	struct cryoctl_image *img = NULL;
	struct cryoctl_record rec;
	int ret;

	ret = cryoctl_image_open(fd, &img);
	while (!ret && (ret = cryoctl_image_next(img, &rec)) > 0)
		ret = 0;
	if (ret < 0) {
		const char *msg = cryoctl_image_error(img, NULL, NULL);

		printf("%s: %s\n", name, msg ? msg : strerror(-ret));
		cryoctl_image_close(img);
		return false;
	}
	t = cryoctl_image_trailer(img);
	printf("%s: ok, %llu records, %llu pages, %llu bytes\n", name,
	       (unsigned long long)le64toh(t->nr_records),
	       (unsigned long long)le64toh(t->nr_pages),
	       (unsigned long long)le64toh(t->bytes));
	cryoctl_image_close(img);
	return true;
}

static int run_verify(int argc, char **argv)
{
	const char *name;
	bool ok = true;
	int c, i, fd, status;

	while ((c = cli_getopt(&cmd_verify, argc, argv, ":h", plain_opts)) != CLI_OPT_END)
		return c == CLI_OPT_HELP ? EXIT_OK : EXIT_USAGE;

	i = optind;
	do {
		fd = cli_open_input(&cmd_verify, i < argc ? argv[i] : NULL,
				    &name, &status);
		if (fd < 0) {
			if (status == EXIT_USAGE)
				return status;
			ok = false;
			continue;
		}
		if (!verify_one(fd, name))
			ok = false;
		close_input(fd);
	} while (++i < argc);

	status = cli_flush_stdout("verify");
	return ok ? status : EXIT_FAIL;
}

const struct cli_cmd cmd_verify = {
	.name = "verify",
	.summary = "check that an image is complete and undamaged",
	.usage =
	"Usage: cryoctl verify [IMG...]\n"
	"\n"
	"Read each image IMG (stdin when none is given, or for '-') to its end\n"
	"and check every record's checksum and structure, the order of the\n"
	"records, and the trailer's counts.  One line per image:\n"
	"\n"
	"  IMG: ok, N records, M pages, B bytes\n"
	"\n"
	"with the trailer's counts (all verified): N records and B bytes before\n"
	"the trailer, M pages saved.  Otherwise the line says what is wrong\n"
	"and where, for example:\n"
	"\n"
	"  IMG: record 3 (THREAD) at byte 1234: checksum mismatch (stored\n"
	"       0x..., computed 0x...)\n"
	"  IMG: record 9 at byte 16384: truncated: the stream ends after 9\n"
	"       records, without a trailer\n"
	"\n"
	"Exit status: 0 every image is whole; 1 one or more are damaged,\n"
	"truncated, not cryo images, of an unsupported version, or unreadable;\n"
	"2 usage error (also: stdin is a terminal).\n",
	.run = run_verify,
};
