// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of cryoctl: the image commands (verify, inspect, maps,
 * layout) and the command-line checks of freeze and thaw.
 */
#include "unit.h"

/* ---- running cryoctl ------------------------------------------------------ */

const char *cryoctl_bin;

struct run {
	int status;		/* exit code, or 128 + signal */
	char out[1 << 20];
	char err[8192];
};

/* Read @fd from its start to EOF into @dst, NUL-terminated; close it. */
static void slurp(int fd, char *dst, size_t size)
{
	size_t done = 0;
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while (done < size - 1 && (n = read(fd, dst + done, size - 1 - done)) > 0)
		done += n;
	dst[done] = 0;
	close(fd);
}

/*
 * Run cryoctl with @argv (NULL-terminated, without argv[0]).  stdin
 * delivers @in (when @in_tty is -1), or is @in_tty; stdout goes to @out_fd
 * when >= 0, else into r->out.
 */
static void run_cli(struct run *r, const void *in, size_t in_len, int in_tty,
		    int out_fd, const char *const *argv)
{
	const char *args[16] = { "cryoctl" };
	int ofd = memfd_create("stdout", 0), efd = memfd_create("stderr", 0);
	int ifd, i, st;
	pid_t pid;

	for (i = 0; argv[i] && i < 14; i++)
		args[i + 1] = argv[i];
	ifd = in_tty >= 0 ? in_tty : feed(in ? in : "", in_len);
	pid = fork();
	if (!pid) {
		dup2(ifd, 0);
		dup2(out_fd >= 0 ? out_fd : ofd, 1);
		dup2(efd, 2);
		execv(cryoctl_bin, (char **)args);
		_exit(127);
	}
	if (in_tty < 0)
		close(ifd);
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	slurp(ofd, r->out, sizeof(r->out));
	slurp(efd, r->err, sizeof(r->err));
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static char *write_temp(const void *p, size_t len)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/cryoctl-unit.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, p, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

/* ---- a small JSON validator ----------------------------------------------- */

static const char *j_ws(const char *s)
{
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

static const char *j_value(const char *s, int depth);

static const char *j_string(const char *s)
{
	if (*s++ != '"')
		return NULL;
	while (*s != '"') {
		if ((unsigned char)*s < 0x20)
			return NULL;
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
						return NULL;
				s += 4;
			} else if (!strchr("\"\\/bfnrt", *s) || !*s) {
				return NULL;
			}
		}
		s++;
	}
	return s + 1;
}

static const char *j_value(const char *s, int depth)
{
	s = j_ws(s);
	if (depth > 32)
		return NULL;
	if (*s == '{' || *s == '[') {
		char close = *s == '{' ? '}' : ']';
		bool obj = *s == '{';

		s = j_ws(s + 1);
		if (*s == close)
			return s + 1;
		for (;;) {
			if (obj) {
				s = j_string(j_ws(s));
				if (!s)
					return NULL;
				s = j_ws(s);
				if (*s++ != ':')
					return NULL;
			}
			s = j_value(s, depth + 1);
			if (!s)
				return NULL;
			s = j_ws(s);
			if (*s == close)
				return s + 1;
			if (*s++ != ',')
				return NULL;
		}
	}
	if (*s == '"')
		return j_string(s);
	if (!strncmp(s, "true", 4) || !strncmp(s, "null", 4))
		return s + 4;
	if (!strncmp(s, "false", 5))
		return s + 5;
	if (*s == '-' || (*s >= '0' && *s <= '9')) {
		char *end;

		strtod(s, &end);
		return end;
	}
	return NULL;
}

static bool json_valid(const char *s)
{
	s = j_value(s, 0);
	return s && !*j_ws(s);
}

/* ---- the CLI tests -------------------------------------------------------- */

static char *maps_line(const char *prefix, const char *name)
{
	static char line[512];

	if (name)
		snprintf(line, sizeof(line), "%-72s %s\n", prefix, name);
	else
		snprintf(line, sizeof(line), "%s\n", prefix);
	return line;
}

/*
 * One piece: every image command run in turn on the same reference image
 * and its damaged copy, as a script of checks.
 */
void test_cli_image(void)
{
	static const char *const sigactions[] = {
		"\n  SIGINT (2)      handler 0x401234, flags SA_SIGINFO|SA_RESTORER|SA_RESTART, restorer 0x7f0000001000, mask 0x4000\n",
		"\n  SIGPIPE (13)    handler SIG_IGN, flags 0, restorer 0x0, mask 0x0\n",
		"\n  SIGCHLD (17)    handler SIG_DFL, flags SA_NOCLDSTOP|SA_NOCLDWAIT, restorer 0x0, mask 0x0\n",
		"\n  SIGRTMIN+2 (34) handler 0x401300, flags SA_RESTORER|SA_ONSTACK|SA_NODEFER|SA_RESETHAND, restorer 0x7f0000001000, mask 0x0\n",
	};
	static struct run r, r2;
	unsigned int i;
	char want[2048], *path;
	struct result res;
	struct img m, bad;
	int th, vma;

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	path = write_temp(m.b.p, m.b.len);
	th = find_rec(&m, CRYO_REC_THREAD, 0);
	vma = find_rec(&m, CRYO_REC_VMA, 0);

	/* verify */
	run_cli(&r, NULL, 0, -1, -1, ARGS("verify", path));
	snprintf(want, sizeof(want), "%s: ok, %d records, 2 pages, %zu bytes\n", path,
		 REF_RECORDS, m.off[REF_RECORDS]);
	CHECK(r.status == 0 && !strcmp(r.out, want), "verify: %d '%s' %s", r.status,
	      r.out, r.err);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("verify"));
	snprintf(want, sizeof(want), "stdin: ok, %d records", REF_RECORDS);
	CHECK(r.status == 0 && !strncmp(r.out, want, strlen(want)),
	      "verify stdin: %d %s", r.status, r.out);

	memcpy(&bad, &m, sizeof(bad));
	bad.b.p = malloc(m.b.len);
	memcpy(bad.b.p, m.b.p, m.b.len);
	bad.b.p[m.off[th] + 100] ^= 4;
	run_cli(&r, bad.b.p, bad.b.len, -1, -1, ARGS("verify", "-"));
	snprintf(want, sizeof(want), "stdin: record %d (THREAD) at byte %zu: checksum mismatch",
		 th, m.off[th]);
	CHECK(r.status == 1 && !strncmp(r.out, want, strlen(want)),
	      "verify damaged: %d '%s'", r.status, r.out);
	run_cli(&r, m.b.p, m.off[vma + 1] + 20, -1, -1, ARGS("verify"));
	snprintf(want, sizeof(want), "record %d (VMA)", vma + 1);
	CHECK(r.status == 1 && strstr(r.out, want) && strstr(r.out, "truncated"),
	      "verify truncated: %d '%s'", r.status, r.out);
	run_cli(&r, NULL, 0, -1, -1, ARGS("verify", path, "/nonexistent/img"));
	CHECK(r.status == 1 && strstr(r.out, ": ok,") && strstr(r.err, "/nonexistent/img"),
	      "verify good + missing: %d", r.status);

	/* inspect, text */
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect"));
	CHECK(r.status == 0, "inspect: %d %s", r.status, r.err);
	CHECK(strstr(r.out, "comm            testproc") &&
	      strstr(r.out, "pid 4242, ppid 1, pgid 4242, sid 4000") &&
	      strstr(r.out, "6.1.0-unit-test") &&
	      strstr(r.out, "2023-11-14 22:13:20.123456789 UTC") &&
	      strstr(r.out, "0x5 kill accept_loss") &&
	      strstr(r.out, "thread 4242") && strstr(r.out, "thread 4243") &&
	      strstr(r.out, "rip      0x0000000000401000") &&
	      strstr(r.out, "orig_rax 0x000000000000100f") &&
	      strstr(r.out, "gs       0x000000000000201a") &&
	      strstr(r.out, "restart         syscall") &&
	      strstr(r.out, "0x0000000000004002 INT TERM") &&
	      strstr(r.out, "xsave, 64 bytes") &&
	      strstr(r.out, "nofile                         1024                 4096") &&
	      strstr(r.out, "3 VMAs (1 file, 1 anonymous, 1 other)") &&
	      strstr(r.out, "2 pages saved (8.0 KiB)") &&
	      strstr(r.out, "verified"), "inspect text:\n%s", r.out);

	CHECK(strstr(r.out, "  exe             /usr/bin/testproc\n"
			 "  cwd             /home/test\n"
			 "  root            /\n") &&
	      strstr(r.out, "  groups          10 20 1000\n") &&
	      strstr(r.out, "\nauxv\n  AT_SYSINFO_EHDR     0x7ffc00001000\n"
			 "  AT_HWCAP            0x178bfbff\n"
			 "  AT_PAGESZ           4096\n") &&
	      strstr(r.out, "  AT_UID              1000\n"
			 "  AT_RANDOM           0x7ffc00020010\n"
			 "  77                  0x5\n\n") &&
	      strstr(r.out, "  itimer real     1.500000000 s left, interval 0.250000000 s\n") &&
	      !strstr(r.out, "SIGHUP") && !strstr(r.out, "SIGKILL"),
	      "inspect text, process records:\n%s", r.out);
	for (i = 0; i < ARRAY_SIZE(sigactions); i++)
		CHECK(strstr(r.out, sigactions[i]), "inspect text: %s", sigactions[i]);
	CHECK(strstr(r.out, "  sched           batch, nice 5\n"
			 "  affinity        0,2\n"
			 "  timer_slack     50000 ns (default 50000 ns)\n"),
	      "inspect text, scheduling:\n%s", r.out);
	CHECK(strstr(r.out, "files           6 open file descriptions (1 LOST), 8 descriptors\n"
			 "  fd 0 -> file 1 CHR rw- pos 0 flags O_RDWR path /dev/null rdev 1:3\n"
			 "  fd 1 -> file 2 PIPE -w- pos 0 flags O_WRONLY pipe:[66] pipe 0xabc00000042 [5 bytes buffered]\n"
			 "  fd 2 -> file 2 PIPE -w- pos 0 flags O_WRONLY pipe:[66] pipe 0xabc00000042 [5 bytes buffered]\n"
			 "  fd 3 -> file 3 REG rw- pos 4096 flags O_RDWR|O_APPEND path /tmp/x [unlinked, 123 bytes saved] cloexec\n"
			 "  fd 4 -> file 1 CHR rw- pos 0 flags O_RDWR path /dev/null rdev 1:3\n"
			 "  fd 5 -> file 4 PIPE r-- pos 0 flags O_RDONLY|O_NONBLOCK pipe:[66] pipe 0xabc00000042\n"
			 "  fd 7 -> file 5 OTHER rw- pos 0 flags O_RDWR socket:[5678] [LOST] cloexec\n"
			 "  fd 8 -> file 6 DIR r-- pos 0 flags O_RDONLY|O_DIRECTORY path /home/test\n"
			 "\nmemory "),
	      "inspect text, files:\n%s", r.out);

	/* inspect --json */
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect", "--json"));
	CHECK(r.status == 0 && json_valid(r.out), "inspect --json valid: %d\n%s",
	      r.status, r.out);
	CHECK(strstr(r.out, "\"comm\": \"testproc\"") &&
	      strstr(r.out, "\"freeze_flags\": [\n      \"kill\",\n      \"accept_loss\"\n    ]") &&
	      strstr(r.out, "\"time\": \"2023-11-14T22:13:20.123456789Z\"") &&
	      strstr(r.out, "\"rip\": \"0x401000\"") &&
	      strstr(r.out, "\"nofile\": {\n        \"cur\": 1024,\n        \"max\": 4096") &&
	      strstr(r.out, "\"cpu\": {\n        \"cur\": null") &&
	      strstr(r.out, "\"umask\": \"0022\"") &&
	      strstr(r.out, "\"name\": \"/usr/bin/testproc\"") &&
	      strstr(r.out, "\"dev\": \"fe:01\"") &&
	      strstr(r.out, "\"pages\": 2") &&
	      strstr(r.out, "\"status\": \"ok\""), "inspect --json fields:\n%s", r.out);
	CHECK(strstr(r.out, "\"groups\": [\n    10,\n    20,\n    1000\n  ]") &&
	      strstr(r.out, "\"type\": 25,\n      \"name\": \"AT_RANDOM\",\n"
			 "      \"value\": \"0x7ffc00020010\"") &&
	      strstr(r.out, "\"type\": 77,\n      \"name\": null,") &&
	      strstr(r.out, "\"type\": 0,\n      \"name\": \"AT_NULL\",") &&
	      strstr(r.out, "\"fs\": {\n    \"exe\": \"/usr/bin/testproc\",\n"
			 "    \"cwd\": \"/home/test\",\n    \"root\": \"/\"\n  }") &&
	      strstr(r.out, "\"real_value_ns\": 1500000000,\n"
			 "    \"real_interval_ns\": 250000000,") &&
	      strstr(r.out, "\"signal\": 2,\n        \"name\": \"SIGINT\",\n"
			 "        \"handler\": \"0x401234\",\n        \"flags\": [\n"
			 "          \"SA_SIGINFO\",\n          \"SA_RESTORER\",\n"
			 "          \"SA_RESTART\"\n        ],\n"
			 "        \"restorer\": \"0x7f0000001000\",\n"
			 "        \"mask\": \"0x4000\"") &&
	      strstr(r.out, "\"name\": \"SIGRTMIN+2\"") &&
	      !strstr(r.out, "\"name\": \"SIGHUP\""),
	      "inspect --json, process records:\n%s", r.out);
	CHECK(strstr(r.out, "\"sched\": {\n        \"policy\": \"batch\",\n"
			 "        \"nice\": 5,\n        \"priority\": 0,\n"
			 "        \"reset_on_fork\": false,\n"
			 "        \"affinity\": \"0,2\",\n"
			 "        \"timer_slack_ns\": 50000,") &&
	      strstr(r.out, "\"thp_disable\": false"),
	      "inspect --json, scheduling:\n%s", r.out);
	CHECK(strstr(r.out, "\"id\": 3,\n      \"kind\": \"reg\",\n"
			 "      \"open_flags\": [\n        \"O_RDWR\",\n        \"O_APPEND\"\n      ],\n"
			 "      \"mode\": \"0100644\",\n      \"pos\": 4096,\n"
			 "      \"dev\": \"00:05\",\n      \"ino\": 1003,\n"
			 "      \"size\": 123,\n      \"mtime_ns\": 1234567,\n"
			 "      \"rdev\": \"00:00\",\n      \"pipe_id\": \"0x0\",\n"
			 "      \"shm\": 0,\n      \"data_size\": 123,\n      \"name\": \"/tmp/x\",\n"
			 "      \"unlinked\": true,\n      \"lost\": false,\n"
			 "      \"other_end_closed\": false\n") &&
	      strstr(r.out, "\"kind\": \"pipe\"") &&
	      strstr(r.out, "\"pipe_id\": \"0xabc00000042\",\n      \"shm\": 0,\n"
			 "      \"data_size\": 5,") &&
	      strstr(r.out, "\"name\": \"socket:[5678]\",\n      \"unlinked\": false,\n"
			 "      \"lost\": true") &&
	      strstr(r.out, "\"fd\": 7,\n      \"file_id\": 5,\n      \"cloexec\": true") &&
	      strstr(r.out, "\"fd\": 4,\n      \"file_id\": 1,\n      \"cloexec\": false") &&
	      strstr(r.out, "\"files\": 6,\n    \"fds\": 8,"),
	      "inspect --json, files:\n%s", r.out);
	run_cli(&r, bad.b.p, bad.b.len, -1, -1, ARGS("inspect", "--json"));
	snprintf(want, sizeof(want), "record %d (THREAD)", th);
	CHECK(r.status == 1 && json_valid(r.out) && strstr(r.out, "\"status\": \"error\"") &&
	      strstr(r.out, "checksum mismatch") && strstr(r.err, want),
	      "inspect --json damaged: %d\n%s", r.status, r.out);
	run_cli(&r, "garbage garbage garbage", 23, -1, -1, ARGS("inspect", "--json"));
	CHECK(r.status == 1 && json_valid(r.out) && strstr(r.out, "not a cryo image"),
	      "inspect --json not an image: %d\n%s", r.status, r.out);

	/* maps */
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("maps"));
	want[0] = 0;
	strcat(want, maps_line("00400000-00401000 r-xp 00000000 fe:01 1234",
			       "/usr/bin/testproc"));
	strcat(want, maps_line("7f0000000000-7f0000004000 rw-p 00000000 00:00 0 ", NULL));
	strcat(want, maps_line("7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0", "[stack]"));
	CHECK(r.status == 0 && !strcmp(r.out, want), "maps:\n%s---- want:\n%s", r.out, want);
	run_cli(&r2, bad.b.p, bad.b.len, -1, -1, ARGS("maps"));
	CHECK(r2.status == 1 && strstr(r2.err, "checksum mismatch"), "maps damaged: %d",
	      r2.status);

	/* layout: HEADER, VMAs, TRAILER; the same maps */
	run_cli(&r2, m.b.p, m.b.len, -1, -1, ARGS("layout"));
	CHECK(r2.status == 0, "layout: %d %s", r2.status, r2.err);
	{
		size_t len = m.off[vma + 3] - m.off[vma] + m.off[1] + 16 + 24;
		struct cryo_image_header h;
		char *layout = malloc(len);

		memcpy(&h, r2.out + 16, sizeof(h));
		memcpy(layout, r2.out, len);

		read_image(r2.out, len, &res);
		CHECK(res.ret == 0 && res.nr == 4 && res.type[0] == CRYO_REC_HEADER &&
		      res.type[1] == CRYO_REC_VMA && res.type[3] == CRYO_REC_VMA &&
		      h.nr_threads == 0, "layout is a valid image: %d %s", res.ret,
		      res.msg);
		run_cli(&r2, r2.out, len, -1, -1, ARGS("maps"));
		CHECK(r2.status == 0 && !strcmp(r2.out, r.out), "maps of the layout");
		run_cli(&r2, layout, len, -1, -1, ARGS("inspect"));
		CHECK(r2.status == 0 && !strstr(r2.out, "process") &&
		      !strstr(r2.out, "files") && !strstr(r2.out, "signals") &&
		      strstr(r2.out, "3 VMAs"), "inspect of the layout: %d\n%s",
		      r2.status, r2.out);
		run_cli(&r2, layout, len, -1, -1, ARGS("inspect", "--json"));
		CHECK(r2.status == 0 && json_valid(r2.out) &&
		      strstr(r2.out, "\"process\": null,\n  \"groups\": null,\n"
				 "  \"auxv\": null,\n  \"fs\": null,\n"
				 "  \"signals\": null,\n  \"threads\": [],\n"
				 "  \"files\": [],\n  \"fds\": [],\n"),
		      "inspect --json of the layout: %d\n%s", r2.status, r2.out);
		free(layout);
	}
	run_cli(&r2, bad.b.p, bad.b.len, -1, -1, ARGS("layout"));
	CHECK(r2.status == 1 && strstr(r2.err, "checksum mismatch"), "layout damaged: %d",
	      r2.status);

	/* An O_PATH block device node (2.8): its kind and rdev. */
	{
		size_t k = offsetof(struct cryo_image_file, kind);
		size_t md = offsetof(struct cryo_image_file, mode);
		size_t fl = offsetof(struct cryo_image_file, open_flags);
		struct img o;
		int f1;

		build_image(&o, 0, CRYO_IMAGE_MINOR);
		f1 = find_rec(&o, CRYO_REC_FILE, 0);
		poke32(payload(&o, f1), k, CRYO_FILE_OPATH);
		poke32(payload(&o, f1), md, S_IFBLK | 0600);
		poke32(payload(&o, f1), fl, O_PATH);
		fix_crc(o.b.p, o.off[f1]);
		run_cli(&r, o.b.p, o.b.len, -1, -1, ARGS("inspect"));
		CHECK(r.status == 0 &&
		      strstr(r.out, "fd 0 -> file 1 OPATH --p pos 0 flags O_RDONLY|O_PATH path") &&
		      strstr(r.out, "O_PATH path /dev/null rdev 1:3\n"),
		      "inspect text, O_PATH:\n%s", r.out);
		run_cli(&r, o.b.p, o.b.len, -1, -1, ARGS("inspect", "--json"));
		CHECK(r.status == 0 && json_valid(r.out) &&
		      strstr(r.out, "\"kind\": \"opath\""),
		      "inspect --json, O_PATH:\n%s", r.out);
		free(o.b.p);
	}

	unlink(path);
	free(bad.b.p);
	free(m.b.p);
}

/*
 * Build an image from this process's own /proc/self/maps and check that
 * cryoctl maps gives it back byte for byte, including a path with a
 * newline, which /proc shows as "\012".
 */
/* verify and inspect of the reference tree. */
void test_cli_tree(void)
{
	struct cryo_image_member mem[TREE_MEMBERS];
	static struct run r;
	char want[256];
	struct img m;

	build_tree(&m);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("verify"));
	snprintf(want, sizeof(want), "stdin: ok, %d records, 3 pages, %zu bytes\n",
		 m.nr - 1, m.off[m.nr - 1]);
	CHECK(r.status == 0 && !strcmp(r.out, want), "verify tree: %d '%s'", r.status,
	      r.out);

	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect"));
	if (getenv("UNIT_SHOW"))
		fprintf(stderr, "%s", r.out);
	CHECK(r.status == 0 &&
	      strstr(r.out, "\ntree            4 processes (1 zombie), 4 threads\n"
			 "  PID      PPID     PGID     SID      THREADS  COMM\n"
			 "  100      1        100      90       1        member100\n"
			 "  101      100      100      90       2          member101\n"
			 "  102      100      100      90       0          (zombie, exit 42)\n"
			 "  103      101      103      90       1            member103\n") &&
	      strstr(r.out, "\nshared          3 objects held by more than one process\n"
			 "  file 1 CHR /dev/null: pid 100 fd 0, pid 101 fd 0, pid 103 fd 0\n"
			 "  file 2 PIPE pipe:[66]: pid 100 fd 1, pid 101 fd 1, pid 103 fd 1\n") &&
	      strstr(r.out, "  pipe 0xabc00000042: pid 100 fd 1 (file 2 -w-), pid 101 fd 1") &&
	      strstr(r.out, "pid 101 fd 3 (file 3 r--), pid 103 fd 1 (file 2 -w-), pid 103 fd 3") &&
	      strstr(r.out, "thread 1101") && strstr(r.out, "pid 103, ppid 101, pgid 103"),
	      "inspect tree: %d\n%s", r.status, r.out);

	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect", "--json"));
	if (getenv("UNIT_SHOW"))
		fprintf(stderr, "%s", r.out);
	CHECK(r.status == 0 && json_valid(r.out) &&
	      strstr(r.out, "\"nr_processes\": 4,") &&
	      strstr(r.out, "\"pid\": 102,\n      \"ppid\": 100,\n      \"pgid\": 100,\n"
			 "      \"sid\": 90,\n      \"parent\": 0,\n      \"comm\": null,\n"
			 "      \"nr_threads\": 0,\n      \"zombie\": true,\n"
			 "      \"wait_status\": 10752,\n      \"status\": \"exit 42\"") &&
	      strstr(r.out, "\"kind\": \"pipe\",\n      \"pipe_id\": \"0xabc00000042\",") &&
	      strstr(r.out, "\"processes\": 3,"),
	      "inspect --json tree: %d\n%s", r.status, r.out);
	free(m.b.p);

	/* Members sharing an fs_struct: each names the first of the chain. */
	tree_members(mem);
	mem[1].flags = CRYO_MEMBER_SHARES_FS;
	mem[3].flags = CRYO_MEMBER_SHARES_FS;
	build_tree_from(&m, mem, TREE_MEMBERS, -1);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect"));
	CHECK(r.status == 0 &&
	      strstr(r.out, "       2          member101 [fs of 100]\n") &&
	      strstr(r.out, "       1            member103 [fs of 100]\n") &&
	      strstr(r.out, "  100      1        100      90       1        member100\n"),
	      "inspect tree with sharers: %d\n%s", r.status, r.out);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect", "--json"));
	CHECK(r.status == 0 && json_valid(r.out) &&
	      strstr(r.out, "\"status\": null,\n      \"shares_files\": false,\n"
			 "      \"shares_fs\": true,\n      \"files_pid\": 103,\n"
			 "      \"fs_pid\": 100\n") &&
	      strstr(r.out, "\"shares_fs\": false,\n      \"files_pid\": 100,\n"
			 "      \"fs_pid\": 100\n"),
	      "inspect --json tree with sharers: %d\n%s", r.status, r.out);
	free(m.b.p);

	/* A bad tree: the record is named. */
	tree_members(mem);
	mem[3].ppid = 100;
	build_tree_from(&m, mem, TREE_MEMBERS, -1);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("verify"));
	CHECK(r.status == 1 && strstr(r.out, "stdin: record 1 (TREE) at byte ") &&
	      strstr(r.out, "member 3 (pid 103) has ppid 100"),
	      "verify bad tree: %d '%s'", r.status, r.out);
	free(m.b.p);
}

/* verify and inspect of an inotify's watches (format 2.9). */
void test_cli_inotify(void)
{
	static struct run r;
	struct img m;

	build_inotify(&m);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("verify"));
	CHECK(r.status == 0 && strstr(r.out, "stdin: ok"), "verify inotify: %d '%s'",
	      r.status, r.out);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect"));
	CHECK(r.status == 0 && strstr(r.out, " INOTIFY ") &&
	      strstr(r.out, " watches 2") &&
	      strstr(r.out, "\n      watch wd 1 mask 0x2 dev 0:33 ino 100 path /tmp/f\n"
			 "      watch wd 3 mask 0x80000100 dev 0:33 ino 101 path /tmp/d\n"),
	      "inspect inotify: %d\n%s", r.status, r.out);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect", "--json"));
	CHECK(r.status == 0 && strstr(r.out, "\"kind\": \"inotify\"") &&
	      strstr(r.out, "\"watches\": [") && strstr(r.out, "\"wd\": 3") &&
	      strstr(r.out, "\"path\": \"/tmp/d\""),
	      "inspect --json inotify: %d\n%s", r.status, r.out);
	free(m.b.p);
}

/* verify and inspect of the reference tree with shared memory. */
void test_cli_shm(void)
{
	static struct run r;
	struct img m;

	build_shm(&m);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("verify"));
	CHECK(r.status == 0 && strstr(r.out, "stdin: ok"), "verify shm: %d '%s'", r.status,
	      r.out);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect"));
	if (getenv("UNIT_SHOW"))
		fprintf(stderr, "%s", r.out);
	CHECK(r.status == 0 &&
	      strstr(r.out, "\nshared memory   3 objects, 5 pages saved\n"
			 "  shm 1 anonymous 8.0 KiB, owner pid 100, 2 pages saved: ") &&
	      strstr(r.out, ": pid 100 0x7f0000010000-0x7f0000012000, pid 101 0x7f0000010000-") &&
	      strstr(r.out, "\n  shm 2 SysV key 0x00001234 shmid 7 mode 0640 uid 1000 gid 1000 ") &&
	      strstr(r.out, " 9.8 KiB, owner pid 101, 2 pages saved: pid 101 0x7f0000020000-") &&
	      strstr(r.out, ", pid 103 0x7f0000020000-0x7f0000023000\n") &&
	      strstr(r.out, "\n  shm 3 SysV key 0x00000000 shmid 8 mode 0600 uid 1000 gid 1000 ") &&
	      strstr(r.out, " removed 100 bytes, owner pid 100, 1 pages saved: pid 100 0x7f00000"),
	      "inspect shm: %d\n%s", r.status, r.out);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect", "--json"));
	if (getenv("UNIT_SHOW"))
		fprintf(stderr, "%s", r.out);
	CHECK(r.status == 0 && json_valid(r.out) &&
	      strstr(r.out, "\"id\": 2,\n      \"kind\": \"SysV\",\n      \"size\": 10000,\n"
			 "      \"owner\": 1,\n      \"owner_pid\": 101,\n"
			 "      \"key\": \"0x1234\",\n      \"shmid\": 7,\n"
			 "      \"mode\": \"0640\",") &&
	      strstr(r.out, "\"removed\": true,") && strstr(r.out, "\"shm_pages\": 5,") &&
	      strstr(r.out, "\"shm\": 3\n"),
	      "inspect --json shm: %d\n%s", r.status, r.out);
	free(m.b.p);

	/* A memfd (2.5): its name, mode and seals; its description's object. */
	build_memfd(&m);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect"));
	if (getenv("UNIT_SHOW"))
		fprintf(stderr, "%s", r.out);
	CHECK(r.status == 0 &&
	      strstr(r.out, "\nshared memory   4 objects, 6 pages saved\n") &&
	      strstr(r.out, "\n  shm 4 memfd \"ring\" mode 0777 seals shrink,grow 12.0 KiB,") &&
	      strstr(r.out, " owner pid 103, 1 pages saved: pid 103 0x7f0000040000-") &&
	      strstr(r.out, "fd 4 -> file 5 MEMFD rw- pos 5 ") &&
	      strstr(r.out, " shm 4"),
	      "inspect memfd: %d\n%s", r.status, r.out);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect", "--json"));
	if (getenv("UNIT_SHOW"))
		fprintf(stderr, "%s", r.out);
	CHECK(r.status == 0 && json_valid(r.out) &&
	      strstr(r.out, "\"kind\": \"memfd\",\n      \"size\": 12288,") &&
	      strstr(r.out, "\"name\": \"ring\",\n      \"seals\": \"0x6\",") &&
	      strstr(r.out, "\"pipe_id\": \"0x0\",\n      \"shm\": 4,"),
	      "inspect --json memfd: %d\n%s", r.status, r.out);
	free(m.b.p);
}

/* A thread interrupted in a sleep (2.9): inspect shows the time left. */
void test_cli_sleep(void)
{
	static struct run r;
	struct cryo_image_sleep s = {
		.tid = 4242, .kind = CRYO_SLEEP_FUTEX_WAIT,
		.remaining_ns = 5998312004ULL,
	};
	uint32_t head[2];
	struct img m;
	int i;

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_THREAD, 0);
	get_payload(&m, i, head, sizeof(head));
	head[1] = CRYO_RESTART_BLOCK;
	set_payload(&m, i, head, sizeof(head));
	edit(&m, i + 1, 0, CRYO_REC_SLEEP, &s, sizeof(s));
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect"));
	if (getenv("UNIT_SHOW"))
		fprintf(stderr, "%s", r.out);
	CHECK(r.status == 0 &&
	      strstr(r.out, "\nthread 4242\n  restart         block\n"
			 "  sleep           futex_wait, 5.998312004 s left\n") &&
	      !strstr(strstr(r.out, "\nthread 4243\n"), "sleep"),
	      "inspect sleep: %d\n%s", r.status, r.out);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect", "--json"));
	if (getenv("UNIT_SHOW"))
		fprintf(stderr, "%s", r.out);
	CHECK(r.status == 0 && json_valid(r.out) &&
	      strstr(r.out, "\"restart\": \"block\",\n      \"sleep\": {\n"
			 "        \"kind\": \"futex_wait\",\n"
			 "        \"remaining_ns\": 5998312004\n      },"),
	      "inspect --json sleep: %d\n%s", r.status, r.out);
	free(m.b.p);
}

void test_cli_maps_proc(void)
{
	static struct run r;
	static char maps[1 << 20];
	char path[] = "/tmp/cryoctl unit\nmap.XXXXXX";
	char *line, *save, *p;
	struct img m;
	void *map;
	int fd;

	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 8192))
		abort();
	map = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	fd = open("/proc/self/maps", O_RDONLY);
	slurp(fd, maps, sizeof(maps));
	munmap(map, 8192);
	unlink(path);

	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	p = strdup(maps);
	for (line = strtok_r(p, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long start, end, pgoff, ino;
		unsigned int maj, min, kind = CRYO_VMA_ANON, flags = 0;
		char perms[5], name[4096], *o, *n;
		int off = 0;

		if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, perms,
			   &pgoff, &maj, &min, &ino, &off) < 7)
			abort();
		/* The name, unescaping "\012" as the kernel's path has it raw. */
		for (o = name, n = line + off; *n; )
			if (!strncmp(n, "\\012", 4)) {
				*o++ = '\n';
				n += 4;
			} else {
				*o++ = *n++;
			}
		*o = 0;
		flags |= perms[0] == 'r' ? CRYO_VMA_READ : 0;
		flags |= perms[1] == 'w' ? CRYO_VMA_WRITE : 0;
		flags |= perms[2] == 'x' ? CRYO_VMA_EXEC : 0;
		flags |= perms[3] == 's' ? CRYO_VMA_MAYSHARE | CRYO_VMA_SHARED : 0;
		if (name[0] == '/')
			kind = CRYO_VMA_FILE;
		else if (!strcmp(name, "[heap]"))
			kind = CRYO_VMA_HEAP;
		else if (!strcmp(name, "[stack]"))
			kind = CRYO_VMA_STACK;
		else if (!strcmp(name, "[vdso]"))
			kind = CRYO_VMA_VDSO;
		else if (!strcmp(name, "[vvar]"))
			kind = CRYO_VMA_VVAR;
		else if (!strcmp(name, "[vsyscall]"))
			kind = CRYO_VMA_VSYSCALL;
		else if (name[0])
			kind = CRYO_VMA_SPECIAL;
		put_vma(&m, start, end, flags, kind, pgoff, encode_dev(maj, min), ino,
			kind == CRYO_VMA_FILE || kind == CRYO_VMA_SPECIAL ? name : NULL);
	}
	put_trailer(&m);
	free(p);

	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("maps"));
	CHECK(r.status == 0 && !strcmp(r.out, maps),
	      "maps equals /proc/self/maps:\n%s---- /proc/self/maps:\n%s", r.out, maps);
	CHECK(strstr(maps, "cryoctl unit\\012map."), "the test path shows as \\012");
	free(m.b.p);
}

/* One piece: a flat list of command lines and what cryoctl must answer. */
void test_cli_usage(void)
{
	static const char *const cmds[] = {
		"freeze", "inspect", "maps", "layout", "verify", "thaw", "remap",
		"ps", "events", "stats",
	};
	static const char *const bad_inherit[] = {
		"1", "=1", "1=", "-1=2", "1=-2", "1=2x", "x=1", "1=2=3", " 1=2",
		"2147483648=1", "1=99999999999", "",
	};
	static const char *const bad_pids[] = {
		"abc", "0", "-1", "+5", " 5", "5 ", "2147483648", "99999999999999999999",
		"", "0x10",
	};
	static struct run r;
	char want[64];
	unsigned int i;
	int master, slave;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		run_cli(&r, NULL, 0, -1, -1, ARGS(cmds[i], "--help"));
		snprintf(want, sizeof(want), "Usage: cryoctl %s", cmds[i]);
		CHECK(r.status == 0 && !strncmp(r.out, want, strlen(want)) &&
		      strstr(r.out, "Exit status:"), "%s --help: %d", cmds[i], r.status);
		run_cli(&r, NULL, 0, -1, -1, ARGS(cmds[i], "--no-such-option"));
		CHECK(r.status == 2 && strstr(r.err, "--no-such-option"),
		      "%s --no-such-option: %d", cmds[i], r.status);
	}
	run_cli(&r, NULL, 0, -1, -1, ARGS("ps", "--help"));
	CHECK(strstr(r.out, "number of processes (PROCS"), "ps --help tells PROCS");
	run_cli(&r, NULL, 0, -1, -1, ARGS("events", "--help"));
	CHECK(strstr(r.out, "thaw-end tell how many processes"),
	      "events --help tells thaw-end's count");
	run_cli(&r, NULL, 0, -1, -1, ARGS("--help"));
	CHECK(r.status == 0 && strstr(r.out, "  freeze") && strstr(r.out, "  inspect") &&
	      strstr(r.out, "  thaw") && strstr(r.out, "  remap") &&
	      strstr(r.out, "  maps") && strstr(r.out, "  layout") &&
	      strstr(r.out, "  verify"), "cryoctl --help lists the commands");

	setenv("CRYOCTL_DEVICE", "/nonexistent/cryo", 1);
	for (i = 0; i < ARRAY_SIZE(bad_pids); i++) {
		run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--", bad_pids[i]));
		CHECK(r.status == 2 && strstr(r.err, "is not a process id"),
		      "freeze '%s': %d %s", bad_pids[i], r.status, r.err);
	}
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze"));
	CHECK(r.status == 2, "freeze without PID: %d", r.status);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "1", "2"));
	CHECK(r.status == 2, "freeze with two PIDs: %d", r.status);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--kill", "--leave-frozen", "1"));
	CHECK(r.status == 2 && strstr(r.err, "exclude"), "--kill --leave-frozen: %d",
	      r.status);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--snapshot", "--kill", "1"));
	CHECK(r.status == 2 && strstr(r.err, "--snapshot is for a checkpoint"),
	      "--snapshot --kill: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--leave-frozen", "--snapshot", "1"));
	CHECK(r.status == 2 && strstr(r.err, "--snapshot is for a checkpoint"),
	      "--leave-frozen --snapshot: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--timeout", "60001", "1"));
	CHECK(r.status == 2 && strstr(r.err, "--timeout"), "--timeout 60001: %d", r.status);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--timeout", "60000", "1"));
	CHECK(r.status == 3 && strstr(r.err, "module loaded"),
	      "no device: exit 3: %d %s", r.status, r.err);
	{
		static const char *const bad_size[] = { "", "0", "M", "1T", "-1",
							"1.5M", "99999999999999999999" };

		for (i = 0; i < ARRAY_SIZE(bad_size); i++) {
			run_cli(&r, NULL, 0, -1, -1,
				ARGS("freeze", "--max-deleted-data", bad_size[i], "1"));
			CHECK(r.status == 2 && strstr(r.err, "--max-deleted-data"),
			      "--max-deleted-data '%s': %d %s", bad_size[i], r.status,
			      r.err);
		}
	}
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "--max-deleted-data", "64M", "1"));
	CHECK(r.status == 3 && strstr(r.err, "module loaded"),
	      "--max-deleted-data 64M: exit 3: %d %s", r.status, r.err);

	/* thaw: --inherit-fd N=FD, checked before anything is opened. */
	for (i = 0; i < ARRAY_SIZE(bad_inherit); i++) {
		run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "--inherit-fd", bad_inherit[i]));
		CHECK(r.status == 2 && strstr(r.err, "give N=FD"),
		      "thaw --inherit-fd '%s': %d %s", bad_inherit[i], r.status, r.err);
	}
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "--inherit-fd", "1=1", "--inherit-fd",
					  "2=2", "--inherit-fd=1=2"));
	CHECK(r.status == 2 && strstr(r.err, "fd 1 of the image is given twice (1=1 and 1=2)"),
	      "thaw --inherit-fd twice: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "--inherit-fd", "3=977"));
	CHECK(r.status == 2 && strstr(r.err, "no descriptor 977 open"),
	      "thaw --inherit-fd of a closed fd: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "--inherit-fd"));
	CHECK(r.status == 2 && strstr(r.err, "needs a value"),
	      "thaw --inherit-fd without a value: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "a", "b"));
	CHECK(r.status == 2 && strstr(r.err, "at most one image"),
	      "thaw with two images: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("remap", "a", "b"));
	CHECK(r.status == 2, "remap with two layouts: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "--wait", "--same-pid",
					  "--inherit-fd", "0=2", "/dev/null"));
	CHECK(r.status == 3 && strstr(r.err, "thaw: cannot open the cryo device") &&
	      !r.out[0], "thaw without a device: exit 3: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "/nonexistent/img"));
	CHECK(r.status == 1 && strstr(r.err, "/nonexistent/img"),
	      "thaw of a missing image: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("remap", "/dev/null"));
	CHECK(r.status == 3 && strstr(r.err, "remap: cannot open the cryo device"),
	      "remap without a device: exit 3: %d %s", r.status, r.err);
	setenv("CRYOCTL_DEVICE", "/dev/null", 1);
	run_cli(&r, NULL, 0, -1, -1, ARGS("freeze", "1"));
	CHECK(r.status == 1 && strstr(r.err, "not a cryo device"),
	      "/dev/null as device: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("thaw", "-"));
	CHECK(r.status == 1 && strstr(r.err, "thaw: not a cryo device"),
	      "thaw on /dev/null as device: %d %s", r.status, r.err);
	run_cli(&r, NULL, 0, -1, -1, ARGS("remap"));
	CHECK(r.status == 1 && strstr(r.err, "remap: not a cryo device"),
	      "remap on /dev/null as device: %d %s", r.status, r.err);
	unsetenv("CRYOCTL_DEVICE");

	/* Terminals: no image is written to one or read from one. */
	master = posix_openpt(O_RDWR | O_NOCTTY);
	slave = -1;
	if (master >= 0 && !grantpt(master) && !unlockpt(master))
		slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave < 0) {
		CHECK(0, "cannot get a pseudo-terminal: %s", strerror(errno));
		return;
	}
	run_cli(&r, NULL, 0, -1, slave, ARGS("freeze", "1"));
	CHECK(r.status == 2 && strstr(r.err, "terminal"), "freeze to a tty: %d %s",
	      r.status, r.err);
	run_cli(&r, NULL, 0, -1, slave, ARGS("layout", "/dev/null"));
	CHECK(r.status == 2 && strstr(r.err, "terminal"), "layout to a tty: %d %s",
	      r.status, r.err);
	run_cli(&r, NULL, 0, slave, -1, ARGS("inspect"));
	CHECK(r.status == 2 && strstr(r.err, "terminal"), "inspect from a tty: %d %s",
	      r.status, r.err);
	run_cli(&r, NULL, 0, slave, -1, ARGS("thaw", "--wait"));
	CHECK(r.status == 2 && strstr(r.err, "terminal"), "thaw from a tty: %d %s",
	      r.status, r.err);
	close(slave);
	close(master);
}

/* POSIX_TIMER and CPU_ITIMERS (2.9) in inspect's text and JSON. */
void test_cli_timers(void)
{
	struct cryo_image_posix_timer t = {
		.id = 2, .clock = 1, .signo = 12, .value = 7,
		.value_ns = 20000000, .interval_ns = 1500000000, .overrun = 3,
	};
	struct cryo_image_cpu_itimers it = {
		.prof_value_ns = 10000000, .prof_interval_ns = 10000000,
	};
	static struct run r;
	struct img m;
	int i;

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_THREAD, 1) + 1;
	edit(&m, i, 0, CRYO_REC_POSIX_TIMER, &t, sizeof(t));
	t.id = 4;
	t.notify = 4;
	t.tid = 4243;
	edit(&m, i + 1, 0, CRYO_REC_POSIX_TIMER, &t, sizeof(t));
	edit(&m, i + 2, 0, CRYO_REC_CPU_ITIMERS, &it, sizeof(it));
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect"));
	if (getenv("UNIT_SHOW"))
		fprintf(stderr, "%s", r.out);
	CHECK(r.status == 0 &&
	      strstr(r.out, "\nPOSIX timers    2\n"
			 "  timer 2: clock 1, SIGEV_SIGNAL SIGUSR2 value 0x7, left 0.020000000 s, every 1.500000000 s, overrun 3\n"
			 "  timer 4: clock 1, SIGEV_THREAD_ID to thread 4243 SIGUSR2 value 0x7,") &&
	      strstr(r.out, "\nITIMER_PROF     left 0.010000000 s, every 0.010000000 s\n"
			 "ITIMER_VIRTUAL  left 0.000000000 s, every 0.000000000 s\n"),
	      "inspect timers: %d\n%s", r.status, r.out);
	run_cli(&r, m.b.p, m.b.len, -1, -1, ARGS("inspect", "--json"));
	if (getenv("UNIT_SHOW"))
		fprintf(stderr, "%s", r.out);
	CHECK(r.status == 0 && json_valid(r.out) &&
	      strstr(r.out, "\"posix_timers\": [") &&
	      strstr(r.out, "\"id\": 4,") && strstr(r.out, "\"tid\": 4243,") &&
	      strstr(r.out, "\"interval_ns\": 1500000000,") &&
	      strstr(r.out, "\"cpu_itimers\": {") &&
	      strstr(r.out, "\"prof_value_ns\": 10000000,"),
	      "inspect --json timers: %d\n%s", r.status, r.out);
	free(m.b.p);
}
