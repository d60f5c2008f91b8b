// SPDX-License-Identifier: GPL-2.0
/*
 * lock_target DIR: a parent and a child holding file locks of every kind
 * cryo saves, for cryo_locks_test.  In DIR:
 *   - the parent holds, on DIR/data, a POSIX write lock on bytes 0-99
 *     and a POSIX read lock from byte 1000 to the end of the file (fd 5),
 *     and an OFD write lock on bytes 100-149 through its own description
 *     (fd 6);
 *   - the child holds a POSIX read lock on bytes 300-310 of DIR/data
 *     (through the fd 5 it inherited: its own lock, its own fd table);
 *   - a flock(LOCK_EX) on DIR/flockfile is held by the description of fd
 *     7, which both share (inherited across fork).
 * Then "child.ready" and "ready" appear.  On "release" the parent drops
 * the POSIX write lock, the OFD lock and the flock (not the read lock
 * from 1000) and writes "released"; on "stop" both exit 0 (the parent
 * with the child's status when not 0).
 */
#define TARGET_NAME "lock_target"
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "target_util.h"

static void lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET,
		.l_start = start, .l_len = len,
	};

	if (fcntl(fd, cmd, &fl))
		die(3, "fcntl(%d, %d, type %d, %lld+%lld): %s", fd, cmd, type,
		    (long long)start, (long long)len, strerror(errno));
}

static int open_at(const char *name, int fd)
{
	char path[512];
	int f;

	path_of(path, sizeof(path), name);
	f = open(path, O_RDWR | O_CREAT, 0644);
	if (f < 0 || dup2(f, fd) != fd)
		die(3, "open %s: %s", path, strerror(errno));
	close(f);
	return fd;
}

int main(int argc, char **argv)
{
	int status;
	pid_t child;

	if (argc != 2)
		die(2, "usage: lock_target DIR");
	dir = argv[1];
	open_at("data", 5);
	open_at("data", 6);
	open_at("flockfile", 7);
	lock(5, F_SETLK, F_WRLCK, 0, 100);
	lock(5, F_SETLK, F_RDLCK, 1000, 0);
	lock(6, F_OFD_SETLK, F_WRLCK, 100, 50);
	if (flock(7, LOCK_EX | LOCK_NB))
		die(3, "flock: %s", strerror(errno));
	child = fork();
	if (child < 0)
		die(3, "fork: %s", strerror(errno));
	if (!child) {
		lock(5, F_SETLK, F_RDLCK, 300, 11);
		put("child.ready", "%d\n", (int)getpid());
		wait_file("stop");
		_exit(0);
	}
	wait_file("child.ready");
	put("ready", "%d\n", (int)getpid());
	wait_file("release");
	lock(5, F_SETLK, F_UNLCK, 0, 100);
	lock(6, F_OFD_SETLK, F_UNLCK, 100, 50);
	if (flock(7, LOCK_UN))
		die(3, "flock(LOCK_UN): %s", strerror(errno));
	put("released", "1\n");
	wait_file("stop");
	if (waitpid(child, &status, 0) != child)
		die(3, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die(4, "child ended with status 0x%x", status);
	return 0;
}
