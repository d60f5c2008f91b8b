// SPDX-License-Identifier: GPL-2.0
/*
 * inotify_target DIR [unlinked|queue|user]: an inotify, for
 * cryo_inotify_test.  Without a mode, fd 10 is an inotify made with
 * IN_NONBLOCK holding:
 *   wd 1  DIR/file   IN_MODIFY | IN_ATTRIB
 *   wd 3  DIR/sub    IN_CREATE | IN_DELETE | IN_EXCL_UNLINK (wd 2 was
 *                    added on it and removed: its IN_IGNORED read away)
 *   wd 4  DIR/other  IN_OPEN | IN_ONESHOT
 * then "ready".  On "go" it writes "queued" (the bytes fd 10 has queued,
 * FIONREAD); on "check" it reads events (poll, no timeout) until it has
 * one of wd 1, the IN_CREATE of "new" on wd 3 and the IN_IGNORED that
 * ends the one-shot wd 4, and writes them to "result", "ev WD MASK NAME"
 * a line, then "fl O_NONBLOCK"; on "stop" it exits 0.
 *
 * "user" first becomes nobody (65534), then does the same.  "unlinked"
 * watches DIR/gone (IN_MODIFY), held open at fd 11, then removes it;
 * "queue" watches DIR/file (IN_ATTRIB) and changes its mode, leaving the
 * event unread.  Both then write "ready" and wait for "stop".
 */
#define TARGET_NAME "inotify_target"
#include <grp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "target_util.h"

#define IFD	10

static int add(const char *name, uint32_t mask, int want)
{
	char p[512];
	int wd;

	path_of(p, sizeof(p), name);
	wd = inotify_add_watch(IFD, p, mask);
	if (wd != want)
		die(3, "watch %s: %d, not %d (%s)", name, wd, want,
		    strerror(errno));
	return wd;
}

/* Read away whatever is queued (fd 10 is non-blocking). */
static void drain(void)
{
	char buf[4096];

	while (read(IFD, buf, sizeof(buf)) > 0)
		;
}

static void check(void)
{
	char buf[4096] __attribute__((aligned(8))), res[1000];
	bool got1 = false, got3 = false, got4 = false;
	size_t len = 0;

	while (!got1 || !got3 || !got4) {
		struct pollfd p = { .fd = IFD, .events = POLLIN };
		ssize_t n;
		char *q;

		if (poll(&p, 1, -1) < 0)
			die(3, "poll: %s", strerror(errno));
		n = read(IFD, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			die(3, "read: %s", strerror(errno));
		for (q = buf; q < buf + n; ) {
			struct inotify_event *e = (struct inotify_event *)q;

			len += snprintf(res + len, sizeof(res) - len,
					"ev %d 0x%x %s\n", e->wd, e->mask,
					e->len ? e->name : "-");
			if (len >= sizeof(res))
				die(3, "too many events");
			got1 |= e->wd == 1;
			got3 |= e->wd == 3 && (e->mask & IN_CREATE) && e->len &&
				!strcmp(e->name, "new");
			got4 |= e->wd == 4 && (e->mask & IN_IGNORED);
			q += sizeof(*e) + e->len;
		}
	}
	len += snprintf(res + len, sizeof(res) - len, "fl %d\n",
			!!(fcntl(IFD, F_GETFL) & O_NONBLOCK));
	put("result", "%s", res);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[2] : "";
	char p[512];
	int fd, queued = -1;

	if (argc < 2)
		die(2, "usage: inotify_target DIR [unlinked|queue|user]");
	dir = argv[1];
	if (!strcmp(mode, "user") &&
	    (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	     setresuid(65534, 65534, 65534)))
		die(3, "nobody: %s", strerror(errno));
	fd = inotify_init1(IN_NONBLOCK);
	if (fd < 0 || dup2(fd, IFD) != IFD || close(fd))
		die(3, "inotify: %s", strerror(errno));
	if (!strcmp(mode, "unlinked")) {
		path_of(p, sizeof(p), "gone");
		fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 11) != 11 || close(fd))
			die(3, "gone: %s", strerror(errno));
		add("gone", IN_MODIFY, 1);
		if (unlink(p))
			die(3, "unlink: %s", strerror(errno));
		put("ready", "%d\n", (int)getpid());
		wait_file("stop");
		return 0;
	}
	if (!strcmp(mode, "queue")) {
		add("file", IN_ATTRIB, 1);
		path_of(p, sizeof(p), "file");
		if (chmod(p, 0640))
			die(3, "chmod: %s", strerror(errno));
		put("ready", "%d\n", (int)getpid());
		wait_file("stop");
		return 0;
	}
	add("file", IN_MODIFY | IN_ATTRIB, 1);
	add("sub", IN_CREATE, 2);
	if (inotify_rm_watch(IFD, 2))
		die(3, "rm 2: %s", strerror(errno));
	drain();
	add("sub", IN_CREATE | IN_DELETE | IN_EXCL_UNLINK | IN_ONLYDIR, 3);
	add("other", IN_OPEN | IN_ONESHOT, 4);
	put("ready", "%d\n", (int)getpid());
	wait_file("go");
	if (ioctl(IFD, FIONREAD, &queued))
		die(3, "FIONREAD: %s", strerror(errno));
	put("queued", "%d\n", queued);
	wait_file("check");
	check();
	wait_file("stop");
	return 0;
}
