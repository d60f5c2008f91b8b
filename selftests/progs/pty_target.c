// SPDX-License-Identifier: GPL-2.0
/*
 * pty_target DIR [cooked]: a pseudo-terminal pair with both ends in the
 * process tree, for cryo_pty_test.
 *
 * The parent opens a pair (master fd 10, slave fd 11), puts the slave in
 * raw mode with custom characters and a 9600 baud speed, sizes it 40x120,
 * puts the master in packet mode, then queues bytes both ways: TO_SLAVE
 * written to the master, TO_MASTER written to the slave, none read.  Its
 * child keeps the slave (fd 11, the same description) and plays the
 * program on the terminal.  With "cooked" the slave stays in canonical
 * mode with a whole line queued, which the freeze refuses
 * (CRYO_REFUSAL_PTY_QUEUE).
 *
 * After the thaw, on DIR/check: the child reads the slave until it has
 * len(TO_SLAVE) bytes and says whether they are TO_SLAVE, then echoes
 * what it reads back as "E:" + bytes; the parent reads the master (one
 * packet: TIOCPKT_DATA then TO_MASTER), compares the termios, window
 * size and packet mode, sends "ping" and waits for "E:ping".  Lines of
 * DIR/result: "NAME ok" or "NAME bad ...".
 */
#define TARGET_NAME "pty_target"
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

#include "target_util.h"

#define TO_SLAVE	"keys\r\n\x03\x7f\xff typed before the freeze"
#define TO_MASTER	"screen\n\x1b[2J drawn before the freeze\x00!"

static void at(int fd, int want)
{
	if (fd < 0)
		die(3, "fd %d: %s", want, strerror(errno));
	if (fd != want && (dup2(fd, want) != want || close(fd)))
		die(3, "dup2 %d: %s", want, strerror(errno));
}

/* Read @fd until @n bytes are in @buf (or 20 s of nothing); the count. */
static size_t get(int fd, char *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t r;

	while (len < n && poll(&p, 1, 20000) == 1) {
		r = read(fd, buf + len, n - len);
		if (r <= 0)
			break;
		len += r;
	}
	return len;
}

static void settings(struct termios *tio)
{
	memset(tio, 0, sizeof(*tio));
	cfmakeraw(tio);
	tio->c_cc[VMIN] = 1;
	tio->c_cc[VTIME] = 0;
	tio->c_cc[VINTR] = 0x1d;
	tio->c_cc[VKILL] = 0x0b;
	tio->c_oflag |= OPOST;
	cfsetispeed(tio, B9600);
	cfsetospeed(tio, B9600);
}

static void child_run(void)
{
	char buf[256];
	size_t n = sizeof(TO_SLAVE) - 1;
	ssize_t r;

	close(10);
	put("child.ready", "%d\n", (int)getpid());
	wait_file("check");
	if (get(11, buf, n) == n && !memcmp(buf, TO_SLAVE, n))
		put("child.result", "to_slave ok\n");
	else
		put("child.result", "to_slave bad\n");
	for (;;) {
		r = read(11, buf + 2, sizeof(buf) - 2);
		if (r <= 0)
			_exit(0);
		buf[0] = 'E';
		buf[1] = ':';
		if (write(11, buf, r + 2) != r + 2)
			_exit(1);
	}
}

int main(int argc, char **argv)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 120 }, ws2;
	struct termios want, got;
	char res[1024], buf[256], pts[64];
	size_t len = 0, n;
	int one = 1, m, cooked = 0;
	pid_t child;

	if (argc < 2)
		die(2, "usage: pty_target DIR [cooked]");
	dir = argv[1];
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, pts, sizeof(pts)))
		die(3, "posix_openpt: %s", strerror(errno));
	at(m, 10);
	at(open(pts, O_RDWR | O_NOCTTY), 11);
	settings(&want);
	if (argc > 2 && !strcmp(argv[2], "cooked")) {
		if (tcgetattr(11, &want))
			die(3, "tcgetattr: %s", strerror(errno));
		cooked = 1;
	}
	if (tcsetattr(11, TCSANOW, &want) || ioctl(10, TIOCSWINSZ, &ws) ||
	    ioctl(10, TIOCPKT, &one))
		die(3, "settings: %s", strerror(errno));
	if (tcgetattr(11, &want))
		die(3, "tcgetattr: %s", strerror(errno));
	child = fork();
	if (child < 0)
		die(3, "fork: %s", strerror(errno));
	if (!child)
		child_run();
	wait_file("child.ready");
	if (write(10, TO_SLAVE, sizeof(TO_SLAVE) - 1) != sizeof(TO_SLAVE) - 1 ||
	    write(11, TO_MASTER, sizeof(TO_MASTER) - 1) != sizeof(TO_MASTER) - 1)
		die(3, "write: %s", strerror(errno));
	/* After TO_SLAVE's ^C, which flushes a cooked line: one poll() sees. */
	if (cooked && write(10, "line\n", 5) != 5)
		die(3, "write: %s", strerror(errno));
	put("ready", "%d\n", (int)getpid());
	wait_file("check");

#define OUT(...) (len += snprintf(res + len, sizeof(res) - len, __VA_ARGS__))
	n = sizeof(TO_MASTER);	/* the packet byte first */
	if (get(10, buf, n) == n && buf[0] == TIOCPKT_DATA &&
	    !memcmp(buf + 1, TO_MASTER, n - 1))
		OUT("to_master ok\n");
	else
		OUT("to_master bad\n");
	if (tcgetattr(11, &got))
		OUT("termios bad %s\n", strerror(errno));
	else if (got.c_iflag != want.c_iflag || got.c_oflag != want.c_oflag ||
		 got.c_cflag != want.c_cflag || got.c_lflag != want.c_lflag ||
		 memcmp(got.c_cc, want.c_cc, sizeof(got.c_cc)) ||
		 cfgetispeed(&got) != B9600 || cfgetospeed(&got) != B9600)
		OUT("termios bad %x %x %x %x\n", got.c_iflag, got.c_oflag,
		    got.c_cflag, got.c_lflag);
	else
		OUT("termios ok\n");
	if (ioctl(11, TIOCGWINSZ, &ws2) || ws2.ws_row != 40 || ws2.ws_col != 120)
		OUT("winsize bad %u %u\n", ws2.ws_row, ws2.ws_col);
	else
		OUT("winsize ok\n");
	one = 0;
	if (ioctl(10, TIOCGPKT, &one) || one != 1)
		OUT("packet bad %d\n", one);
	else
		OUT("packet ok\n");
	wait_file("child.result");
	if (write(10, "ping", 4) != 4)
		OUT("echo bad write %s\n", strerror(errno));
	else if (get(10, buf, 7) == 7 && !memcmp(buf, "\0E:ping", 7))
		OUT("echo ok\n");
	else
		OUT("echo bad\n");
	put("result", "%s", res);
	wait_file("stop");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}
