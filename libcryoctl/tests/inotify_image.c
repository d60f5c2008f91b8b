// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The image reader on an inotify (format 2.9): its FILE, FILE_STATE and
 * INOTIFY_WATCH records, good and bad.  The images are the reference
 * tree (build_tree()) with, after the last section's last FD, FILE 5 of
 * kind INOTIFY, its FILE_STATE of two watches, the two INOTIFY_WATCH
 * records (wd 1 and 3) and fd 4 on it.
 */
#include <sys/inotify.h>

#include "unit.h"

struct ino_opts {
	uint64_t nr;		/* FILE_STATE args[0] */
	uint32_t flags;		/* FILE_STATE flags */
	int32_t wd[2];
	uint32_t mask[2];
	uint32_t id[2];
	uint32_t reserved;	/* of the first watch */
	const char *path[2];
	int watches;		/* records written */
	bool no_state;
};

static const struct ino_opts ino_good = {
	.nr = 2, .wd = { 1, 3 }, .mask = { IN_MODIFY, IN_CREATE | IN_ONESHOT },
	.id = { 5, 5 }, .path = { "/tmp/f", "/tmp/d" }, .watches = 2,
};

/* The reference tree and the inotify of @o; the index of its FILE. */
static int build_ino(struct img *m, const struct ino_opts *o)
{
	struct cryo_image_file f = {
		.id = 5, .kind = CRYO_FILE_INOTIFY, .open_flags = O_RDONLY | O_NONBLOCK,
		.mode = 0600,
	};
	struct cryo_image_file_state s = {
		.id = 5, .kind = CRYO_FILE_INOTIFY, .flags = o->flags,
		.args = { o->nr },
	};
	struct cryo_image_fd fd = { .fd = 4, .file_id = 5 };
	const char *name = "anon_inode:inotify";
	unsigned char rec[256];
	int at, i, n = 0;

	build_tree(m);
	at = find_rec(m, CRYO_REC_FD, 7) + 1;
	f.name_len = strlen(name);
	memcpy(rec, &f, sizeof(f));
	memcpy(rec + sizeof(f), name, f.name_len);
	edit(m, at + n++, 0, CRYO_REC_FILE, rec, sizeof(f) + f.name_len);
	if (!o->no_state)
		edit(m, at + n++, 0, CRYO_REC_FILE_STATE, &s, sizeof(s));
	for (i = 0; i < o->watches; i++) {
		struct cryo_image_inotify_watch w = {
			.id = o->id[i], .wd = o->wd[i], .mask = o->mask[i],
			.__reserved = i ? 0 : o->reserved,
			.dev = encode_dev(0, 33), .ino = 100 + i,
			.name_len = strlen(o->path[i]),
		};

		memcpy(rec, &w, sizeof(w));
		memcpy(rec + sizeof(w), o->path[i], w.name_len);
		edit(m, at + n++, 0, CRYO_REC_INOTIFY_WATCH, rec,
		     sizeof(w) + w.name_len);
	}
	edit(m, at + n, 0, CRYO_REC_FD, &fd, sizeof(fd));
	return at;
}

static void expect(struct img *m, int index, const char *what, int line,
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

/* The reference tree with the good inotify, for the cli tests. */
void build_inotify(struct img *m)
{
	build_ino(m, &ino_good);
}

#define GOOD(m, label) expect(m, 0, NULL, __LINE__, label)
#define BAD(m, i, what, label) expect(m, i, what, __LINE__, label)

void test_inotify_image(void)
{
	struct ino_opts o;
	struct img m;
	int at;

	build_ino(&m, &ino_good);
	GOOD(&m, "an inotify of two watches");

	o = ino_good;
	o.nr = 0;
	o.watches = 0;
	build_ino(&m, &o);
	GOOD(&m, "an inotify of no watch");

	o = ino_good;
	o.no_state = true;
	o.watches = 0;
	at = build_ino(&m, &o);
	BAD(&m, at + 1, "no FILE_STATE", "no FILE_STATE");

	o = ino_good;
	o.flags = 1;
	at = build_ino(&m, &o);
	BAD(&m, at + 1, "bad flags", "FILE_STATE flags");

	o = ino_good;
	o.nr = CRYO_INOTIFY_WATCHES_MAX + 1;
	at = build_ino(&m, &o);
	BAD(&m, at + 1, "watches", "too many watches");

	o = ino_good;
	o.nr = 3;
	at = build_ino(&m, &o);
	BAD(&m, at + 4, "INOTIFY_WATCH records missing", "one watch missing");

	o = ino_good;
	o.nr = 1;
	at = build_ino(&m, &o);
	BAD(&m, at + 3, "is not one of the inotify", "one watch too many");

	o = ino_good;
	o.wd[1] = 1;
	at = build_ino(&m, &o);
	BAD(&m, at + 3, "bad descriptor or mask", "descriptors not ascending");

	o = ino_good;
	o.wd[0] = 0;
	at = build_ino(&m, &o);
	BAD(&m, at + 2, "bad descriptor or mask", "descriptor 0");

	o = ino_good;
	o.wd[1] = CRYO_INOTIFY_WD_MAX + 1;
	at = build_ino(&m, &o);
	BAD(&m, at + 3, "bad descriptor or mask", "descriptor over the limit");

	o = ino_good;
	o.mask[0] = IN_MODIFY | IN_ISDIR;
	at = build_ino(&m, &o);
	BAD(&m, at + 2, "bad descriptor or mask", "IN_ISDIR in a mask");

	o = ino_good;
	o.reserved = 1;
	at = build_ino(&m, &o);
	BAD(&m, at + 2, "reserved field not zero", "reserved");

	o = ino_good;
	o.id[0] = 4;
	at = build_ino(&m, &o);
	BAD(&m, at + 2, "is not one of the inotify", "another FILE's id");

	o = ino_good;
	o.path[1] = "tmp/d";
	at = build_ino(&m, &o);
	BAD(&m, at + 3, "not an absolute path", "relative path");

	/* A watch after another kind's FILE. */
	o = ino_good;
	o.no_state = true;
	o.nr = 0;
	o.watches = 1;
	at = build_ino(&m, &o);
	BAD(&m, at + 1, "no FILE_STATE", "a watch instead of the FILE_STATE");

	/* Before 2.9 there is no inotify kind. */
	tree_minor = 8;
	build_ino(&m, &ino_good);
	tree_minor = CRYO_IMAGE_MINOR;
	at = find_rec(&m, CRYO_REC_FD, 7) + 1;
	BAD(&m, at, "unknown kind 12", "inotify in a 2.8 image");
}
