// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the objects a thaw makes (thaw_objects.c): each kind made
 * with the state its struct cryo_thaw_object says, read back through the
 * object itself and /proc/self/fdinfo (what the module checks), and
 * malformed objects refused (EPROTO) with nothing made.
 */
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include "unit.h"

/* The number after "@key:" in /proc/self/fdinfo/@fd (@base), or ~0. */
static unsigned long long fdinfo_num(int fd, const char *key, int base)
{
	char path[64], line[256];
	unsigned long long v = ~0ULL;
	size_t n = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtoull(line + n + 1, NULL, base);
	fclose(f);
	return v;
}

static int nr_fds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static void test_eventfd(void)
{
	struct cryo_thaw_object o = {
		.file_id = 3, .kind = CRYO_FILE_EVENTFD,
		.flags = EFD_SEMAPHORE | EFD_NONBLOCK,
		.args = { 0xfedcba9876543210ULL },
	};
	uint64_t v = 0;
	int fd, i;

	fd = thaw_make_object(&o);
	CHECK(fd >= 0, "eventfd made: %d", fd);
	if (fd < 0)
		return;
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "eventfd close-on-exec");
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "eventfd O_NONBLOCK");
	CHECK(fdinfo_num(fd, "eventfd-count", 16) == 0xfedcba9876543210ULL,
	      "eventfd count as fdinfo shows it");
	for (i = 0; i < 2; i++)
		CHECK(read(fd, &v, sizeof(v)) == sizeof(v) && v == 1,
		      "semaphore read %d gives 1", i);
	close(fd);

	o.flags = 0;
	o.args[0] = 0;
	fd = thaw_make_object(&o);
	CHECK(fd >= 0 && fdinfo_num(fd, "eventfd-count", 16) == 0, "eventfd of count 0");
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK), "eventfd blocking");
	close(fd);
}

static void test_signalfd(void)
{
	struct cryo_thaw_object o = {
		.kind = CRYO_FILE_SIGNALFD, .flags = O_NONBLOCK,
		/* SIGUSR1, and 33, which the C library keeps for itself. */
		.args = { (1ULL << (SIGUSR1 - 1)) | (1ULL << 32) },
	};
	int fd = thaw_make_object(&o);

	CHECK(fd >= 0, "signalfd made: %d", fd);
	if (fd < 0)
		return;
	CHECK(fdinfo_num(fd, "sigmask", 16) == o.args[0], "signalfd mask 0x%llx",
	      fdinfo_num(fd, "sigmask", 16));
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "signalfd O_NONBLOCK");
	close(fd);
}

static void test_timerfd(void)
{
	struct cryo_thaw_object o = {
		.kind = CRYO_FILE_TIMERFD, .flags = TFD_NONBLOCK,
		/* Monotonic, relative, an hour left, every 2 s, 5 ticks. */
		.args = { CLOCK_MONOTONIC, 0, 3600000000000ULL, 2000000000ULL, 5 },
	};
	struct itimerspec its;
	struct timespec now;
	uint64_t v = 0;
	int fd = thaw_make_object(&o);

	CHECK(fd >= 0, "timerfd made: %d", fd);
	if (fd < 0)
		return;
	CHECK(fdinfo_num(fd, "clockid", 10) == CLOCK_MONOTONIC, "timerfd clock");
	CHECK(fdinfo_num(fd, "ticks", 10) == 5, "timerfd ticks");
	CHECK(!timerfd_gettime(fd, &its) && its.it_interval.tv_sec == 2 &&
	      its.it_value.tv_sec <= 3600 && its.it_value.tv_sec > 3500,
	      "timerfd armed: %ld s left, interval %ld s",
	      (long)its.it_value.tv_sec, (long)its.it_interval.tv_sec);
	CHECK(read(fd, &v, sizeof(v)) == sizeof(v) && v == 5, "timerfd read 5 ticks");
	close(fd);

	/* Expired unread, periodic: armed for one interval. */
	o.args[2] = 0;
	fd = thaw_make_object(&o);
	CHECK(fd >= 0 && !timerfd_gettime(fd, &its) && its.it_value.tv_sec <= 2 &&
	      (its.it_value.tv_sec || its.it_value.tv_nsec),
	      "periodic timerfd that had expired: one interval");
	close(fd);

	/* Absolute, on CLOCK_REALTIME: the same expiry. */
	clock_gettime(CLOCK_REALTIME, &now);
	o.args[0] = CLOCK_REALTIME;
	o.args[1] = TFD_TIMER_ABSTIME;
	o.args[2] = (uint64_t)(now.tv_sec + 100) * 1000000000ULL;
	o.args[3] = 0;
	o.args[4] = 0;
	fd = thaw_make_object(&o);
	CHECK(fd >= 0 && fdinfo_num(fd, "settime flags", 8) == TFD_TIMER_ABSTIME &&
	      !timerfd_gettime(fd, &its) && its.it_value.tv_sec <= 100 &&
	      its.it_value.tv_sec >= 98, "absolute timerfd");
	close(fd);

	/* Disarmed, no ticks: nothing armed. */
	memset(o.args, 0, sizeof(o.args));
	fd = thaw_make_object(&o);
	CHECK(fd >= 0 && !timerfd_gettime(fd, &its) && !its.it_value.tv_sec &&
	      !its.it_value.tv_nsec, "disarmed timerfd");
	close(fd);
}

static void test_bad(void)
{
	static const struct cryo_thaw_object bad[] = {
		{ .kind = 99 },
		{ .kind = CRYO_FILE_EVENTFD, .__reserved = 1 },
		{ .kind = CRYO_FILE_EVENTFD, .flags = EFD_CLOEXEC },
		{ .kind = CRYO_FILE_EVENTFD, .args = { ~0ULL } },
		{ .kind = CRYO_FILE_SIGNALFD, .flags = 1 },
		{ .kind = CRYO_FILE_TIMERFD, .flags = 1 },
		{ .kind = CRYO_FILE_TIMERFD, .args = { 0, 2 } },
		{ .kind = CRYO_FILE_TIMERFD, .args = { 1ULL << 40 } },
	};
	int before = nr_fds();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(thaw_make_object(&bad[i]) == -EPROTO, "bad object %zu refused", i);
	CHECK(nr_fds() == before, "no fd left by the refusals");
}

void test_thaw_objects(void)
{
	test_eventfd();
	test_signalfd();
	test_timerfd();
	test_bad();
}
