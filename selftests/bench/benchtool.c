// SPDX-License-Identifier: GPL-2.0
/*
 * benchtool: the small static helper `make bench` runs in the guest
 * (selftests/bench/guest.sh) next to cryoctl and criu.
 *
 *   benchtool time OUT CMD [ARG...]
 *       Run CMD with stdout on OUT (opened before the clock starts; "-"
 *       keeps ours) and print "<wall ns> <status>", status being the exit
 *       code, or 128 + the signal that killed it.
 *   benchtool ref KIB DIR
 *       The VM's own copy limits for KIB KiB, in the chunks cryoctl uses
 *       (1 MiB): prints "memcpy <ns> write <ns> read <ns> glibc <ns>
 *       movsq <ns>".
 *         memcpy  from KIB KiB of touched memory into a touched 1 MiB
 *                 buffer, chunk by chunk, as a freeze to /dev/null does:
 *                 the faster of glibc's memcpy() ("glibc") and "rep
 *                 movsq" ("movsq", the kernel's copy_to_user() on a CPU
 *                 without ERMS, as QEMU's qemu64).  Under TCG the two
 *                 differ a lot: SSE moves are emulated one by one, a
 *                 string move is one helper;
 *         write   the same memory into a new file DIR/ref.bin with
 *                 write(), then fsync() and close() (what `cryoctl freeze
 *                 --kill > file` does after its last write);
 *         read    that file back with read() into fresh, never touched
 *                 anonymous memory, as a thaw fills a new process.
 *       The source is freed before the read (the data read back is
 *       checked against the generator), and the file removed at the end:
 *       at most twice KIB is in use at a time.
 *   benchtool size PATH
 *       Bytes in PATH: a file's size, or the sum over a directory's files.
 *   benchtool meminfo
 *       "<Slab kB> <VmallocUsed kB>" from /proc/meminfo.
 *   benchtool lines FILE N SECS
 *       Wait until FILE has more than N lines (at most SECS seconds),
 *       then print the last one.  Exit 1 on timeout.
 *   benchtool stall READY
 *       Read the first MiB of stdin, write "stalled <bytes>" to the new
 *       file READY, wait until READY is removed, then read stdin to its end and print the number
 *       of bytes: a reader that holds a freeze in the middle of its
 *       stream.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define CHUNK	(1024 * 1024UL)

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("benchtool: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmd_time(int argc, char **argv)
{
	long long t0, t1;
	int status, fd = -1;
	pid_t pid;

	if (argc < 3)
		die("usage: time OUT CMD [ARG...]");
	if (strcmp(argv[1], "-")) {
		fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			die("%s: %s", argv[1], strerror(errno));
	}
	fflush(stdout);
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		if (fd >= 0 && (dup2(fd, 1) < 0 || close(fd)))
			_exit(126);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "benchtool: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid: %s", strerror(errno));
	t1 = now_ns();
	printf("%lld %d\n", t1 - t0,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

static void *map_anon(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu: %s", bytes, strerror(errno));
	return p;
}

static int cmd_ref(int argc, char **argv)
{
	const uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned long kib, i;
	size_t bytes, off, n;
	uint64_t *src, *back, x;
	char *dst, path[4096];
	long long t0, t_memcpy, t_glibc, t_movsq, t_write, t_read;
	ssize_t r;
	int fd;

	if (argc != 3)
		die("usage: ref KIB DIR");
	kib = strtoul(argv[1], NULL, 10);
	if (!kib)
		die("bad size %s", argv[1]);
	bytes = kib * 1024;
	snprintf(path, sizeof(path), "%s/ref.bin", argv[2]);

	src = map_anon(bytes);
	x = seed;
	for (i = 0; i < bytes / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		src[i] = x;
	}
	dst = map_anon(CHUNK);
	memset(dst, 1, CHUNK);

	t0 = now_ns();
	for (off = 0; off < bytes; off += n) {
		n = bytes - off < CHUNK ? bytes - off : CHUNK;
		memcpy(dst, (char *)src + off, n);
		/* The copy must happen, though nothing reads it. */
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	t_glibc = now_ns() - t0;

	t0 = now_ns();
	for (off = 0; off < bytes; off += n) {
		void *d = dst, *sp = (char *)src + off;
		size_t q;

		n = bytes - off < CHUNK ? bytes - off : CHUNK;
		q = n / 8;	/* KIB KiB: a multiple of 8 bytes */
		__asm__ volatile("rep movsq"
				 : "+D"(d), "+S"(sp), "+c"(q) : : "memory");
	}
	t_movsq = now_ns() - t0;
	t_memcpy = t_glibc < t_movsq ? t_glibc : t_movsq;

	t0 = now_ns();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	for (off = 0; off < bytes; off += r) {
		n = bytes - off < CHUNK ? bytes - off : CHUNK;
		r = write(fd, (char *)src + off, n);
		if (r <= 0)
			die("write %s: %s", path, r ? strerror(errno) : "short");
	}
	if (fsync(fd) || close(fd))
		die("%s: %s", path, strerror(errno));
	t_write = now_ns() - t0;

	munmap(dst, CHUNK);
	munmap(src, bytes);
	back = map_anon(bytes);
	t0 = now_ns();
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	for (off = 0; off < bytes; off += r) {
		n = bytes - off < CHUNK ? bytes - off : CHUNK;
		r = read(fd, (char *)back + off, n);
		if (r <= 0)
			die("read %s: %s", path, r ? strerror(errno) : "short");
	}
	close(fd);
	t_read = now_ns() - t0;
	x = seed;
	for (i = 0; i < bytes / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (back[i] != x)
			die("%s: read back differs at word %lu", path, i);
	}
	unlink(path);
	printf("memcpy %lld write %lld read %lld glibc %lld movsq %lld\n",
	       t_memcpy, t_write, t_read, t_glibc, t_movsq);
	return 0;
}

static unsigned long long tree_size(const char *path)
{
	unsigned long long total = 0;
	struct dirent *de;
	struct stat st;
	char sub[4096];
	DIR *d;

	if (lstat(path, &st))
		die("%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? (unsigned long long)st.st_size : 0;
	d = opendir(path);
	if (!d)
		die("%s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		total += tree_size(sub);
	}
	closedir(d);
	return total;
}

static int cmd_meminfo(void)
{
	char line[256];
	long slab = -1, vmalloc = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Slab:", 5))
			slab = strtol(line + 5, NULL, 10);
		else if (!strncmp(line, "VmallocUsed:", 12))
			vmalloc = strtol(line + 12, NULL, 10);
	}
	fclose(f);
	if (slab < 0 || vmalloc < 0)
		die("no Slab or VmallocUsed in /proc/meminfo");
	printf("%ld %ld\n", slab, vmalloc);
	return 0;
}

/* The last line of @path if it has more than @n lines. */
static int last_line(const char *path, unsigned long n, char *out, size_t size)
{
	char buf[65536];
	unsigned long lines = 0;
	size_t len = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	/* Logs are short: keep the last line in @out as we go. */
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] == '\n') {
				lines++;
				out[len] = 0;
				len = 0;
				continue;
			}
			if (len < size - 1)
				out[len++] = buf[i];
		}
	}
	close(fd);
	return lines > n;
}

static int cmd_lines(int argc, char **argv)
{
	char line[1024], last[1024] = "";
	long long deadline;
	unsigned long n;

	if (argc != 4)
		die("usage: lines FILE N SECS");
	n = strtoul(argv[2], NULL, 10);
	deadline = now_ns() + strtoll(argv[3], NULL, 10) * 1000000000LL;
	for (;;) {
		/* out is only complete once a newline ends it */
		if (last_line(argv[1], n, line, sizeof(line))) {
			strcpy(last, line);
			break;
		}
		if (now_ns() > deadline)
			return 1;
		usleep(5000);
	}
	puts(last);
	return 0;
}

static int cmd_stall(int argc, char **argv)
{
	static char buf[CHUNK];
	unsigned long long total = 0;
	struct stat st;
	ssize_t r;
	int fd;

	if (argc != 2)
		die("usage: stall READY");
	while (total < CHUNK) {
		r = read(0, buf, CHUNK - total);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		total += r;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || dprintf(fd, "stalled %llu\n", total) < 0 || close(fd))
		die("%s: %s", argv[1], strerror(errno));
	while (!stat(argv[1], &st))
		usleep(5000);
	while ((r = read(0, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read: %s", strerror(errno));
		total += r;
	}
	printf("%llu\n", total);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: benchtool time|ref|size|meminfo|lines|stall ...");
	argc--;
	argv++;
	if (!strcmp(argv[0], "time"))
		return cmd_time(argc, argv);
	if (!strcmp(argv[0], "ref"))
		return cmd_ref(argc, argv);
	if (!strcmp(argv[0], "size") && argc == 2) {
		printf("%llu\n", tree_size(argv[1]));
		return 0;
	}
	if (!strcmp(argv[0], "meminfo"))
		return cmd_meminfo();
	if (!strcmp(argv[0], "lines"))
		return cmd_lines(argc, argv);
	if (!strcmp(argv[0], "stall"))
		return cmd_stall(argc, argv);
	die("unknown command %s", argv[0]);
}
