// SPDX-License-Identifier: GPL-2.0
/*
 * The target of cryo_deleted_test: deleted files of several kinds, held
 * across a freeze -> kill -> thaw.  Each mode makes its state, writes
 * DIR/ready, waits for DIR/go (after the thaw), then checks the state it
 * has itself and exits 0 when it is as it was (the log on stderr says
 * what differs; exit codes 3 and up).
 *
 *   deleted_target sparse DIR      fd 3: a deleted 1 GiB file of 3 data
 *                                  extents (4 KiB at 0, 8 KiB at 256 MiB,
 *                                  4 KiB at 1 GiB - 4 KiB), holes between
 *   deleted_target big DIR KIB     fd 3: a deleted file of KIB KiB of data
 *   deleted_target attrs DIR       fd 3: a deleted file, mode 0640, mtime
 *                                  2001-09-09 01:46:40 UTC
 *   deleted_target fifo DIR        fd 3: a deleted FIFO open O_RDWR with
 *                                  1000 bytes in it
 *   deleted_target cwd DIR         its working directory, DIR/sub, deleted
 *   deleted_target dirfd DIR       fd 3: DIR/sub open O_DIRECTORY, deleted
 *   deleted_target zero DIR        a MAP_SHARED mapping of /dev/zero
 *                                  shared with a child; each writes, the
 *                                  other reads
 *   deleted_target map DIR         fd 3: a deleted file of 3 pages, also
 *                                  mapped shared and shared with a
 *                                  child; a second deleted file mapped
 *                                  privately only, one page copied
 *   deleted_target mapbig DIR KIB  a deleted file of KIB KiB mapped
 *                                  shared, no fd
 */
#include <stdint.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TARGET_NAME "deleted_target"
#include "target_util.h"

#define GIB		(1024LL * 1024 * 1024)
#define MTIME		1000000000LL

static const struct {
	off_t off;
	size_t len;
	char c;
} extents[] = {
	{ 0, 4096, 'A' },
	{ 256LL * 1024 * 1024, 8192, 'B' },
	{ GIB - 4096, 4096, 'C' },
};

static void fill(int fd, off_t off, size_t len, char c)
{
	char buf[4096];
	size_t n;

	memset(buf, c, sizeof(buf));
	while (len) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		if (pwrite(fd, buf, n, off) != (ssize_t)n)
			die(3, "pwrite: %s", strerror(errno));
		off += n;
		len -= n;
	}
}

static void expect(int fd, off_t off, size_t len, char c)
{
	char buf[4096];
	size_t n, i;

	while (len) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		if (pread(fd, buf, n, off) != (ssize_t)n)
			die(4, "pread at %lld: %s", (long long)off,
			    strerror(errno));
		for (i = 0; i < n; i++)
			if (buf[i] != c)
				die(5, "byte %lld is 0x%x, not 0x%x",
				    (long long)(off + i), buf[i], c);
		off += n;
		len -= n;
	}
}

/* A file in DIR, deleted at once; its fd is 3. */
static int deleted_file(const char *name, mode_t mode)
{
	char path[512];
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, mode);
	if (fd != 3)
		die(3, "open %s: fd %d: %s", path, fd, strerror(errno));
	if (unlink(path))
		die(3, "unlink: %s", strerror(errno));
	return fd;
}

static void ready_go(void)
{
	put("ready", "%d\n", (int)getpid());
	wait_file("go");
}

static void sparse(void)
{
	int fd = deleted_file("sparse", 0600);
	off_t pos = 0, data, hole;
	unsigned int i;
	struct stat st;

	if (ftruncate(fd, GIB))
		die(3, "ftruncate: %s", strerror(errno));
	for (i = 0; i < 3; i++)
		fill(fd, extents[i].off, extents[i].len, extents[i].c);
	ready_go();
	if (fstat(fd, &st) || st.st_size != GIB || st.st_nlink)
		die(6, "size %lld nlink %lu", (long long)st.st_size,
		    (unsigned long)st.st_nlink);
	for (i = 0; i < 3; i++) {
		data = lseek(fd, pos, SEEK_DATA);
		hole = lseek(fd, data, SEEK_HOLE);
		if (data != extents[i].off ||
		    hole != extents[i].off + (off_t)extents[i].len)
			die(7, "extent %u: data %lld hole %lld", i,
			    (long long)data, (long long)hole);
		expect(fd, data, extents[i].len, extents[i].c);
		pos = hole;
	}
	if (lseek(fd, pos, SEEK_DATA) != -1 || errno != ENXIO)
		die(8, "data after the last extent");
	/* A hole reads zeros. */
	expect(fd, 4096, 4096, 0);
}

static void big(const char *kib)
{
	int fd = deleted_file("big", 0600);
	size_t len = strtoul(kib, NULL, 10) * 1024;

	fill(fd, 0, len, 'x');
	ready_go();
	expect(fd, 0, len, 'x');
	if (lseek(fd, 0, SEEK_END) != (off_t)len)
		die(6, "size");
}

static void attrs(void)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { MTIME, 0 } };
	int fd = deleted_file("attrs", 0600);
	struct stat before, st;

	fill(fd, 0, 100, 'm');
	if (fchmod(fd, 0640) || futimens(fd, ts) || fstat(fd, &before))
		die(3, "fchmod/futimens: %s", strerror(errno));
	if (lseek(fd, 17, SEEK_SET) != 17)
		die(3, "lseek");
	ready_go();
	if (fstat(fd, &st))
		die(3, "fstat: %s", strerror(errno));
	if ((st.st_mode & 07777) != 0640 || st.st_uid != before.st_uid ||
	    st.st_gid != before.st_gid || st.st_mtime != MTIME ||
	    st.st_size != 100 || st.st_nlink)
		die(6, "mode 0%o uid %u gid %u mtime %lld size %lld nlink %lu",
		    st.st_mode & 07777, st.st_uid, st.st_gid,
		    (long long)st.st_mtime, (long long)st.st_size,
		    (unsigned long)st.st_nlink);
	if (lseek(fd, 0, SEEK_CUR) != 17)
		die(7, "position");
	expect(fd, 0, 100, 'm');
}

static void fifo(void)
{
	char path[512], buf[2000];
	unsigned int i;
	struct stat st;
	int fd;

	path_of(path, sizeof(path), "fifo");
	if (mkfifo(path, 0620))
		die(3, "mkfifo: %s", strerror(errno));
	fd = open(path, O_RDWR | O_NONBLOCK);
	/* Its mode, whatever our umask. */
	if (fd != 3 || fchmod(fd, 0620) || unlink(path))
		die(3, "open %s: %s", path, strerror(errno));
	for (i = 0; i < 1000; i++)
		buf[i] = (char)(i * 7 + 1);
	if (write(fd, buf, 1000) != 1000)
		die(3, "write: %s", strerror(errno));
	ready_go();
	if (fstat(fd, &st) || !S_ISFIFO(st.st_mode) || st.st_nlink ||
	    (st.st_mode & 07777) != 0620)
		die(6, "fstat: mode 0%o nlink %lu", st.st_mode,
		    (unsigned long)st.st_nlink);
	memset(buf, 0, sizeof(buf));
	if (read(fd, buf, sizeof(buf)) != 1000)
		die(7, "read: not 1000 bytes");
	for (i = 0; i < 1000; i++)
		if (buf[i] != (char)(i * 7 + 1))
			die(8, "byte %u", i);
	/* Both ends: a write comes back. */
	if (write(fd, "z", 1) != 1 || read(fd, buf, 2) != 1 || buf[0] != 'z')
		die(9, "not both ends");
}

static void subdir(char *path, size_t size)
{
	path_of(path, size, "sub");
	if (mkdir(path, 0750) || chmod(path, 0750))
		die(3, "mkdir %s: %s", path, strerror(errno));
}

/* As a deleted directory behaves: what getcwd, fstat and a create say. */
static void deleted_dir_state(int dfd, char *out, size_t size)
{
	char cwd[512];
	struct stat st;
	int fd, cwd_err, create_err;

	cwd_err = getcwd(cwd, sizeof(cwd)) ? 0 : errno;
	if (fstatat(dfd, ".", &st, 0))
		die(3, "fstat: %s", strerror(errno));
	fd = openat(dfd, "x", O_WRONLY | O_CREAT | O_EXCL, 0600);
	create_err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	snprintf(out, size, "getcwd %d mode 0%o nlink %lu create %d",
		 cwd_err, st.st_mode, (unsigned long)st.st_nlink, create_err);
}

static void cwd(void)
{
	char path[512], before[128], after[128];

	subdir(path, sizeof(path));
	if (chdir(path) || rmdir(path))
		die(3, "chdir/rmdir: %s", strerror(errno));
	deleted_dir_state(AT_FDCWD, before, sizeof(before));
	ready_go();
	deleted_dir_state(AT_FDCWD, after, sizeof(after));
	if (strcmp(before, after))
		die(6, "before: %s; after: %s", before, after);
}

static void dirfd_mode(void)
{
	char path[512], before[128], after[128];
	int fd;

	subdir(path, sizeof(path));
	fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd != 3 || rmdir(path))
		die(3, "open/rmdir: %s", strerror(errno));
	deleted_dir_state(fd, before, sizeof(before));
	ready_go();
	deleted_dir_state(fd, after, sizeof(after));
	if (strcmp(before, after))
		die(6, "before: %s; after: %s", before, after);
}

static void zero(void)
{
	volatile uint32_t *p;
	int fd = open("/dev/zero", O_RDWR), status;
	pid_t child;

	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fd < 0 || p == MAP_FAILED)
		die(3, "mmap /dev/zero: %s", strerror(errno));
	close(fd);
	p[0] = 0x1234;
	child = fork();
	if (child < 0)
		die(3, "fork: %s", strerror(errno));
	if (!child) {
		wait_file("go");
		/* The parent's value, then ours for it. */
		while (p[1] != 1)
			usleep(1000);
		if (p[0] != 0x1234 || p[1024] != 0x5678)
			_exit(6);
		p[2] = 2;
		_exit(0);
	}
	p[1024] = 0x5678;
	ready_go();
	p[1] = 1;
	while (p[2] != 2)
		usleep(1000);
	if (waitpid(child, &status, 0) != child || status)
		die(6, "child: status 0x%x", status);
}

/* A deleted file of @len bytes of @c, mapped with @flags; its fd. */
static char *map_deleted(const char *name, size_t len, char c, int flags,
			 int *fdp)
{
	char path[512], *p;
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		die(3, "open %s: %s", path, strerror(errno));
	fill(fd, 0, len, c);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED || unlink(path))
		die(3, "mmap/unlink %s: %s", path, strerror(errno));
	*fdp = fd;
	return p;
}

static void map(void)
{
	int fd, pfd, status;
	char *s, *pv, c;
	pid_t child;

	s = map_deleted("mapped", 3 * 4096, 'A', MAP_SHARED, &fd);
	if (fd != 3)
		die(3, "fd %d, not 3", fd);
	s[4096] = 'B';
	pv = map_deleted("private", 2 * 4096, 'a', MAP_PRIVATE, &pfd);
	close(pfd);
	/* Its own copy of page 1; page 0 stays the file's. */
	pv[4096] = 'P';
	child = fork();
	if (child < 0)
		die(3, "fork: %s", strerror(errno));
	if (!child) {
		wait_file("go");
		/* The parent's write, then ours for it, through the mapping. */
		while (s[2 * 4096 + 1] != 'x')
			usleep(1000);
		s[2 * 4096 + 2] = 'y';
		_exit(0);
	}
	ready_go();
	/* The mapping and the fd are one file: each sees the other's writes. */
	if (s[0] != 'A' || s[4096] != 'B' || s[2 * 4096] != 'A')
		die(6, "mapping holds %c %c %c", s[0], s[4096], s[2 * 4096]);
	s[1] = 'm';
	if (pread(3, &c, 1, 1) != 1 || c != 'm')
		die(6, "a write through the mapping not seen by read()");
	if (pwrite(3, "w", 1, 2) != 1 || s[2] != 'w')
		die(6, "a write to the fd not seen in the mapping");
	if (lseek(3, 0, SEEK_END) != 3 * 4096)
		die(6, "size %lld", (long long)lseek(3, 0, SEEK_END));
	/* The child maps the same file. */
	s[2 * 4096 + 1] = 'x';
	if (waitpid(child, &status, 0) != child || status)
		die(6, "child: status 0x%x", status);
	if (pread(3, &c, 1, 2 * 4096 + 2) != 1 || c != 'y')
		die(6, "the child's write not in the file");
	if (pv[0] != 'a' || pv[4096] != 'P')
		die(6, "private mapping holds %c %c", pv[0], pv[4096]);
}

static void mapbig(const char *kib)
{
	int fd;

	map_deleted("big", (size_t)atoi(kib) * 1024, 'D', MAP_SHARED, &fd);
	close(fd);
	ready_go();
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die(2, "usage: deleted_target MODE DIR [ARG]");
	dir = argv[2];
	if (!strcmp(argv[1], "sparse"))
		sparse();
	else if (!strcmp(argv[1], "big") && argc > 3)
		big(argv[3]);
	else if (!strcmp(argv[1], "attrs"))
		attrs();
	else if (!strcmp(argv[1], "fifo"))
		fifo();
	else if (!strcmp(argv[1], "cwd"))
		cwd();
	else if (!strcmp(argv[1], "dirfd"))
		dirfd_mode();
	else if (!strcmp(argv[1], "zero"))
		zero();
	else if (!strcmp(argv[1], "map"))
		map();
	else if (!strcmp(argv[1], "mapbig") && argc > 3)
		mapbig(argv[3]);
	else
		die(2, "unknown mode %s", argv[1]);
	return 0;
}
