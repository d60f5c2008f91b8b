// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The image reader on LOCK records (format 2.6), good and bad.  The
 * images are the reference tree (build_tree()) with locks added by
 * edit(): in its first section fd 0 is file 1 and fd 1 file 2; in the
 * others fd 0 and 1 share those and fd 3 is a file of their own.
 */
#include "unit.h"

static void insert_lock(struct img *m, int at, uint32_t file_id, uint32_t kind,
			uint32_t type, uint64_t start, uint64_t end)
{
	struct cryo_image_lock l = {
		.file_id = file_id, .kind = kind, .type = type,
		.start = start, .end = end,
	};

	edit(m, at, 0, CRYO_REC_LOCK, &l, sizeof(l));
}

/* After section @sec's last FD (fd 1 in the first section, fd 3 after). */
static int after_fds(struct img *m, int sec)
{
	return find_rec(m, CRYO_REC_FD, sec ? 2 + 3 * (sec - 1) + 2 : 1) + 1;
}

static void expect_lock(struct img *m, int index, const char *what, int line,
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

#define GOOD(m, label) expect_lock(m, 0, NULL, __LINE__, label)
#define BAD(m, i, what, label) expect_lock(m, i, what, __LINE__, label)

void test_lock_image(void)
{
	struct img m;
	int i;

	build_tree(&m);
	i = after_fds(&m, 0);
	insert_lock(&m, i, 1, CRYO_LOCK_POSIX, CRYO_LOCK_WRITE, 0, 99);
	insert_lock(&m, i + 1, 1, CRYO_LOCK_POSIX, CRYO_LOCK_READ, 1000, CRYO_LOCK_EOF);
	insert_lock(&m, i + 2, 2, CRYO_LOCK_FLOCK, CRYO_LOCK_WRITE, 0, CRYO_LOCK_EOF);
	insert_lock(&m, i + 3, 2, CRYO_LOCK_OFD, CRYO_LOCK_READ, 5, 5);
	GOOD(&m, "four locks of the first section");

	/* A later section's lock on a description the first one gave. */
	build_tree(&m);
	insert_lock(&m, after_fds(&m, 1), 1, CRYO_LOCK_OFD, CRYO_LOCK_WRITE, 0, 0);
	GOOD(&m, "a lock on an inherited description");

	build_tree(&m);
	i = after_fds(&m, 0);
	insert_lock(&m, i, 1, 9, CRYO_LOCK_WRITE, 0, 99);
	BAD(&m, i, "unknown lock kind 9", "kind 9");
	build_tree(&m);
	i = after_fds(&m, 0);
	insert_lock(&m, i, 1, 0, CRYO_LOCK_WRITE, 0, 99);
	BAD(&m, i, "unknown lock kind 0", "kind 0");
	build_tree(&m);
	i = after_fds(&m, 0);
	insert_lock(&m, i, 1, CRYO_LOCK_POSIX, 3, 0, 99);
	BAD(&m, i, "unknown lock type 3", "type 3");
	build_tree(&m);
	i = after_fds(&m, 0);
	insert_lock(&m, i, 1, CRYO_LOCK_POSIX, CRYO_LOCK_READ, 100, 99);
	BAD(&m, i, "bad lock range 100-99", "start after end");
	build_tree(&m);
	i = after_fds(&m, 0);
	insert_lock(&m, i, 1, CRYO_LOCK_POSIX, CRYO_LOCK_READ, 0, CRYO_LOCK_EOF + 1);
	BAD(&m, i, "bad lock range", "end past EOF");
	build_tree(&m);
	i = after_fds(&m, 0);
	insert_lock(&m, i, 1, CRYO_LOCK_FLOCK, CRYO_LOCK_READ, 0, 99);
	BAD(&m, i, "bad lock range 0-99", "a partial flock");

	/* The description: one of the section's fds has it. */
	build_tree(&m);
	i = after_fds(&m, 0);
	insert_lock(&m, i, 3, CRYO_LOCK_POSIX, CRYO_LOCK_READ, 0, 1);
	BAD(&m, i, "a lock on file 3, which no fd of this process has", "file 3 in section 0");
	build_tree(&m);
	i = after_fds(&m, 0);
	insert_lock(&m, i, 0, CRYO_LOCK_POSIX, CRYO_LOCK_READ, 0, 1);
	BAD(&m, i, "a lock on file 0", "file 0");

	/* After the section's FDs, none between them. */
	build_tree(&m);
	i = find_rec(&m, CRYO_REC_FD, 0) + 1;
	insert_lock(&m, i, 1, CRYO_LOCK_POSIX, CRYO_LOCK_READ, 0, 1);
	/* Then FILE 2, then its FD. */
	BAD(&m, i + 2, "fd 1 comes after a LOCK record", "an FD after a LOCK");

	build_tree(&m);
	i = after_fds(&m, 0);
	insert_lock(&m, i, 1, CRYO_LOCK_POSIX, CRYO_LOCK_READ, 0, 1);
	poke32(payload(&m, i), offsetof(struct cryo_image_lock, __reserved), 1);
	fix_crc(m.b.p, m.off[i]);
	BAD(&m, i, "reserved field is not 0", "reserved");
}
