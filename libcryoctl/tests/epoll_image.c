// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The image reader on EPOLL_ITEM records (format 2.9), good and bad.  The
 * images are the reference tree (build_tree()) whose FILE 2 (fd 1 of the
 * first section) is made an epoll; its items are added after the first
 * section's FDs: fd 0 is file 1 (/dev/null).
 */
#include "unit.h"

/* The reference tree with FILE 2 an epoll. */
static void build_epoll(struct img *m)
{
	int f;

	build_tree(m);
	f = find_rec(m, CRYO_REC_FILE, 1);
	poke32(payload(m, f), offsetof(struct cryo_image_file, kind),
	       CRYO_FILE_EPOLL);
	poke32(payload(m, f), offsetof(struct cryo_image_file, pipe_id), 0);
	poke32(payload(m, f), offsetof(struct cryo_image_file, pipe_id) + 4, 0);
	fix_crc(m->b.p, m->off[f]);
}

static void insert_item(struct img *m, int at, uint32_t epoll_id,
			uint32_t target_id, uint32_t tfd, uint32_t events)
{
	struct cryo_image_epoll_item e = {
		.epoll_id = epoll_id, .target_id = target_id, .tfd = tfd,
		.events = events, .data = 0x1234567890ULL,
	};

	edit(m, at, 0, CRYO_REC_EPOLL_ITEM, &e, sizeof(e));
}

static int after_fds(struct img *m)
{
	return find_rec(m, CRYO_REC_FD, 1) + 1;
}

static void expect_item(struct img *m, int index, const char *what, int line,
			const char *label)
{
	struct result r;

	read_image(m->b.p, m->b.len, &r);
	if (!what)
		check(r.ret == 0, line, "%s: %d %s", label, r.ret, r.msg);
	else
		check(r.ret == -EPROTO && r.index == (uint64_t)index &&
		      strstr(r.msg, what), line, "%s: %d at %llu, %s", label,
		      r.ret, (unsigned long long)r.index, r.msg);
	free(m->b.p);
	memset(m, 0, sizeof(*m));
}

#define GOOD(m, label) expect_item(m, 0, NULL, __LINE__, label)
#define BAD(m, i, what, label) expect_item(m, i, what, __LINE__, label)

/* EPOLLIN | EPOLLERR | EPOLLHUP, and the private bits */
#define EV_IN		0x19u
#define EV_ET		0x80000000u
#define EV_ONESHOT	0x40000000u
#define EV_EXCL		0x10000000u

void test_epoll_image(void)
{
	struct img m;
	int i;

	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 2, 1, 0, EV_IN | EV_ET);
	GOOD(&m, "an edge-triggered item");
	build_epoll(&m);
	insert_item(&m, after_fds(&m), 2, 1, 0, EV_ONESHOT | EV_ET);
	GOOD(&m, "a ONESHOT item that fired");
	build_epoll(&m);
	insert_item(&m, after_fds(&m), 2, 1, 0, EV_IN | EV_EXCL);
	GOOD(&m, "an EXCLUSIVE item");

	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 1, 1, 0, EV_IN);
	BAD(&m, i, "file 1, which is no epoll", "the epoll is no epoll");
	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 9, 1, 0, EV_IN);
	BAD(&m, i, "file 9, which is no epoll", "epoll_id 9");
	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 2, 1, 1, EV_IN);
	BAD(&m, i, "fd 1 is not that file", "tfd of another file");
	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 2, 1, 7, EV_IN);
	BAD(&m, i, "fd 7 is not that file", "tfd not open");
	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 2, 2, 1, EV_IN);
	BAD(&m, i, "watches file 2", "an epoll watching itself");
	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 2, 1, 0, 0x1u);
	BAD(&m, i, "bad events 0x1", "no EPOLLERR, EPOLLHUP");
	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 2, 1, 0, EV_ET);
	BAD(&m, i, "bad events 0x80000000", "no event, not ONESHOT");
	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 2, 1, 0, EV_IN | 0x08000000u);
	BAD(&m, i, "bad events", "an unknown bit");
	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 2, 1, 0, EV_IN | EV_EXCL | EV_ONESHOT);
	BAD(&m, i, "bad events", "EXCLUSIVE with ONESHOT");

	/* In a later section: its epoll is no fd of that process. */
	build_epoll(&m);
	i = find_rec(&m, CRYO_REC_FD, 4) + 1;
	insert_item(&m, i, 2, 3, 3, EV_IN);
	GOOD(&m, "an inherited epoll's item in a later section");

	/* Order: after the FDs and the LOCKs. */
	build_epoll(&m);
	i = find_rec(&m, CRYO_REC_FILE, 1) + 1;
	insert_item(&m, i, 2, 1, 0, EV_IN);
	BAD(&m, i, "is not followed by an FD", "before the epoll's FD");
	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 2, 1, 0, EV_IN);
	{
		struct cryo_image_lock l = {
			.file_id = 1, .kind = CRYO_LOCK_OFD,
			.type = CRYO_LOCK_READ, .start = 0, .end = 1,
		};

		edit(&m, i + 1, 0, CRYO_REC_LOCK, &l, sizeof(l));
	}
	BAD(&m, i + 1, "a LOCK record after an EPOLL_ITEM record", "a LOCK after an item");

	build_epoll(&m);
	i = after_fds(&m);
	insert_item(&m, i, 2, 1, 0, EV_IN);
	edit(&m, i, 1, CRYO_REC_EPOLL_ITEM, "short", 5);
	BAD(&m, i, "", "a short record");
}
