// SPDX-License-Identifier: GPL-2.0
/*
 * opath_target DIR [fanotify]: O_PATH descriptors of every type, for
 * cryo_opath_test.  In DIR it makes a regular file "reg", a directory
 * "sub" holding "sub/inner", a FIFO "fifo", a unix socket bound at
 * "sock" (the socket itself closed: only its inode stays), a symbolic
 * link "link" -> "reg", a character device node "chr" and a block device
 * node "blk" (never opened for I/O), and holds each O_PATH at a fixed fd:
 *   10 reg (O_NOFOLLOW), 11 sub (no O_DIRECTORY), 12 fifo, 13 sock,
 *   14 link (O_NOFOLLOW), 15 chr (O_NOFOLLOW), 16 blk;
 * F_GETFL shows those flags, and must show them after the thaw too.
 * It writes what it sees through them into "before" and "ready"; on
 * "check" it writes the same into "after" (the test compares them),
 * then "checked"; on "stop" it exits 0.
 *
 * What it sees, one line per fd: "fd dev ino mode rdev getfl", each from
 * fstat(2) (and fstatat(AT_EMPTY_PATH), which must agree) and fcntl
 * F_GETFL; then the file "inner" read through openat() on fd 11, its
 * fstatat() size, and the link's target through readlinkat(14, "").
 *
 * With "fanotify" it holds a fanotify group at fd 17 too (for the
 * refusal test); with "fanotify-opath" only an O_PATH description of
 * that group's /proc/self/fd link, at fd 18.
 */
#define TARGET_NAME "opath_target"
#include <stdlib.h>
#include <sys/fanotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include "target_util.h"

static void make_all(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[512];
	int fd;

	path_of(path, sizeof(path), "reg");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "regular\n", 8) != 8 || close(fd))
		die(3, "reg: %s", strerror(errno));
	path_of(path, sizeof(path), "sub");
	if (mkdir(path, 0755))
		die(3, "mkdir: %s", strerror(errno));
	path_of(path, sizeof(path), "sub/inner");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "inner text\n", 11) != 11 || close(fd))
		die(3, "inner: %s", strerror(errno));
	path_of(path, sizeof(path), "fifo");
	if (mkfifo(path, 0644))
		die(3, "mkfifo: %s", strerror(errno));
	path_of(sa.sun_path, sizeof(sa.sun_path), "sock");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || close(fd))
		die(3, "socket: %s", strerror(errno));
	path_of(path, sizeof(path), "link");
	if (symlink("reg", path))
		die(3, "symlink: %s", strerror(errno));
	path_of(path, sizeof(path), "chr");
	if (mknod(path, S_IFCHR | 0600, makedev(10, 237)))
		die(3, "mknod chr: %s", strerror(errno));
	path_of(path, sizeof(path), "blk");
	if (mknod(path, S_IFBLK | 0600, makedev(7, 0)))
		die(3, "mknod blk: %s", strerror(errno));
}

static void hold(const char *name, int flags, int at)
{
	char path[512];
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_PATH | flags);
	if (fd < 0 || dup2(fd, at) != at)
		die(3, "open %s: %s", path, strerror(errno));
	close(fd);
}

/* What fds 10-16 show, into @out. */
static void report(const char *out)
{
	char text[1024], inner[64] = "", target[64] = "";
	struct stat st, st2, in;
	size_t len = 0;
	ssize_t n;
	int fd, f;

	for (fd = 10; fd <= 16; fd++) {
		if (fstat(fd, &st) || fstatat(fd, "", &st2, AT_EMPTY_PATH))
			die(4, "fstat %d: %s", fd, strerror(errno));
		if (st.st_ino != st2.st_ino || st.st_dev != st2.st_dev)
			die(4, "fd %d: fstat and fstatat differ", fd);
		len += snprintf(text + len, sizeof(text) - len,
				"%d %llu %llu %o %llu %x\n", fd,
				(unsigned long long)st.st_dev,
				(unsigned long long)st.st_ino, st.st_mode,
				(unsigned long long)st.st_rdev,
				fcntl(fd, F_GETFL));
	}
	f = openat(11, "inner", O_RDONLY | O_CLOEXEC);
	if (f < 0)
		die(4, "openat: %s", strerror(errno));
	n = read(f, inner, sizeof(inner) - 1);
	close(f);
	if (n < 0 || fstatat(11, "inner", &in, AT_SYMLINK_NOFOLLOW))
		die(4, "inner: %s", strerror(errno));
	inner[n] = 0;
	n = readlinkat(14, "", target, sizeof(target) - 1);
	if (n < 0)
		die(4, "readlinkat: %s", strerror(errno));
	target[n] = 0;
	snprintf(text + len, sizeof(text) - len, "inner %lld %slink %s\n",
		 (long long)in.st_size, inner, target);
	put(out, "%s", text);
}

int main(int argc, char **argv)
{
	int fan;

	if (argc < 2)
		die(2, "usage: opath_target DIR [fanotify]");
	dir = argv[1];
	make_all();
	hold("reg", O_NOFOLLOW, 10);
	hold("sub", 0, 11);
	hold("fifo", 0, 12);
	hold("sock", 0, 13);
	hold("link", O_NOFOLLOW, 14);
	hold("chr", O_NOFOLLOW, 15);
	hold("blk", 0, 16);
	if (argc > 2 && !strncmp(argv[2], "fanotify", 8)) {
		fan = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY);
		if (fan < 0 || dup2(fan, 17) != 17)
			die(3, "fanotify_init: %s", strerror(errno));
		close(fan);
	}
	/* Only an O_PATH reopen of the group's /proc link, at fd 18. */
	if (argc > 2 && !strcmp(argv[2], "fanotify-opath")) {
		fan = open("/proc/self/fd/17", O_PATH);
		if (fan < 0 || dup2(fan, 18) != 18)
			die(3, "open /proc/self/fd/17: %s", strerror(errno));
		close(fan);
		close(17);
	}
	report("before");
	put("ready", "%d\n", (int)getpid());
	wait_file("check");
	report("after");
	put("checked", "1\n");
	wait_file("stop");
	return 0;
}
