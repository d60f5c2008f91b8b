// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The image reader on shared memory objects (format 2.3): SHM records,
 * the VMAs that map them (cryo_image_vma.shm) and SHM_PAGES, good and
 * bad; memfds (2.5), their names, seals and descriptions.  The images
 * are the reference tree (build_tree()) with objects added by edit().
 */
#include "unit.h"

/* Where the reference tree's members map the objects. */
#define SHM_A	(0x7f0000000000ULL + 16 * PAGE)	/* object 1, 2 pages */
#define SHM_B	(0x7f0000000000ULL + 32 * PAGE)	/* object 2, 3 pages */
#define SHM_C	(0x7f0000000000ULL + 48 * PAGE)	/* object 3, 1 page */

#define SHM_FLAGS	(CRYO_VMA_READ | CRYO_VMA_WRITE | CRYO_VMA_SHARED | CRYO_VMA_MAYSHARE)

static void insert_vma(struct img *m, int at, uint64_t start, uint64_t pages,
		       uint32_t kind, uint32_t shm, const char *name)
{
	struct cryo_image_vma v = {
		.start = start, .end = start + pages * PAGE, .flags = SHM_FLAGS,
		.kind = kind, .name_len = name ? strlen(name) : 0, .shm = shm,
	};
	unsigned char buf[sizeof(v) + 32];

	memcpy(buf, &v, sizeof(v));
	memcpy(buf + sizeof(v), name ? name : "", v.name_len);
	edit(m, at, 0, CRYO_REC_VMA, buf, sizeof(v) + v.name_len);
}

static void insert_shm_pages(struct img *m, int at, uint32_t shm, uint64_t pgoff,
			     uint64_t nr)
{
	struct cryo_image_shm_pages p = { .shm = shm, .pgoff = pgoff, .nr_pages = nr };
	size_t len = sizeof(p) + nr * PAGE;
	unsigned char *buf = calloc(1, len);

	if (!buf)
		abort();
	memcpy(buf, &p, sizeof(p));
	memset(buf + sizeof(p), 0x40 + shm, nr * PAGE);
	edit(m, at, 0, CRYO_REC_SHM_PAGES, buf, len);
	free(buf);
}

/*
 * The reference tree with three objects: 1, shared anonymous memory of
 * 2 pages owned by member 0 (pid 100), mapped by it and by 101; 2, a
 * System V segment of 10000 bytes (3 pages) and key 0x1234 owned by
 * member 1 (pid 101), mapped by it and by 103; 3, a removed segment of a
 * page owned and mapped by member 0.
 */
void build_shm(struct img *m)
{
	static const struct cryo_image_shm o[3] = {
		{ .id = 1, .kind = CRYO_SHM_ANON, .size = 2 * PAGE, .owner = 0 },
		{ .id = 2, .kind = CRYO_SHM_SYSV, .size = 10000, .owner = 1,
		  .key = 0x1234, .shmid = 7, .mode = 0640, .uid = 1000, .gid = 1000 },
		{ .id = 3, .kind = CRYO_SHM_SYSV, .size = 100, .owner = 0,
		  .flags = CRYO_SHM_REMOVED, .shmid = 8, .mode = 0600, .uid = 1000,
		  .gid = 1000 },
	};
	int i;

	build_tree(m);
	for (i = 0; i < 3; i++)
		edit(m, 2 + i, 0, CRYO_REC_SHM, &o[i], sizeof(o[i]));
	/* Each section has one PAGES; from the last, so indices hold. */
	i = find_rec(m, CRYO_REC_PAGES, 2);		/* pid 103 */
	insert_vma(m, i, SHM_B, 3, CRYO_VMA_FILE, 2, "/SYSV00001234");
	i = find_rec(m, CRYO_REC_PAGES, 1);		/* pid 101 */
	insert_shm_pages(m, i + 1, 2, 0, 2);
	insert_vma(m, i, SHM_B, 3, CRYO_VMA_FILE, 2, "/SYSV00001234");
	insert_vma(m, i, SHM_A, 2, CRYO_VMA_ANON, 1, NULL);
	i = find_rec(m, CRYO_REC_PAGES, 0);		/* pid 100 */
	insert_shm_pages(m, i + 1, 3, 0, 1);
	insert_shm_pages(m, i + 1, 1, 1, 1);
	insert_shm_pages(m, i + 1, 1, 0, 1);
	insert_vma(m, i, SHM_C, 1, CRYO_VMA_FILE, 3, "/SYSV00000000");
	insert_vma(m, i, SHM_A, 2, CRYO_VMA_ANON, 1, NULL);
}

/* The @nth VMA that maps an object. */
static int shm_vma(struct img *m, int nth)
{
	struct cryo_image_vma v;
	int i;

	for (i = 0; i < m->nr; i++) {
		if (m->type[i] != CRYO_REC_VMA)
			continue;
		get_payload(m, i, &v, sizeof(v));
		if (v.shm && !nth--)
			return i;
	}
	abort();
}

static void shm_set32(struct img *m, int i, size_t off, uint32_t v)
{
	poke32(payload(m, i), off, v);
	fix_crc(m->b.p, m->off[i]);
}

static void shm_set64(struct img *m, int i, size_t off, uint64_t v)
{
	memcpy((unsigned char *)payload(m, i) + off, &v, sizeof(v));
	fix_crc(m->b.p, m->off[i]);
}

/* Read @m: refused at record @index with @err and @what in the message. */
static void expect(struct img *m, int err, int index, const char *what, int line,
		   const char *label)
{
	struct result r;

	read_image(m->b.p, m->b.len, &r);
	if (!err)
		check(r.ret == 0, line, "%s: %d %s", label, r.ret, r.msg);
	else
		check(r.ret == err && r.index == (uint64_t)index && strstr(r.msg, what),
		      line, "%s: %d at %llu, %s", label, r.ret,
		      (unsigned long long)r.index, r.msg);
	free(m->b.p);
	memset(m, 0, sizeof(*m));
}

#define REFUSED(m, index, what, label) expect(m, -EPROTO, index, what, __LINE__, label)
#define SHM_OFF(f)	offsetof(struct cryo_image_shm, f)
#define SP_OFF(f)	offsetof(struct cryo_image_shm_pages, f)
#define VMA_OFF(f)	offsetof(struct cryo_image_vma, f)

/* SHM records: place, ids, owner, contents; and in an older image. */
static void test_shm_records(struct img *m)
{
	struct cryo_image_header h;
	struct cryo_image_shm o = { .id = 1, .size = PAGE };
	int i;

	build_shm(m);
	expect(m, 0, 0, NULL, __LINE__, "the reference tree with three objects");

	/* Format 2.2 knows none of them. */
	tree_minor = 2;
	build_shm(m);
	get_payload(m, 0, &h, sizeof(h));
	h.minor = 2;
	set_payload(m, 0, &h, sizeof(h));
	REFUSED(m, 2, "a SHM record in a format 2.2 image", "SHM in 2.2");
	build_tree(m);
	get_payload(m, 0, &h, sizeof(h));
	h.minor = 2;
	set_payload(m, 0, &h, sizeof(h));
	i = find_rec(m, CRYO_REC_PAGES, 0);
	insert_shm_pages(m, i + 1, 1, 0, 1);
	REFUSED(m, i + 1, "a SHM_PAGES record in a format 2.2 image", "SHM_PAGES in 2.2");
	build_tree(m);
	get_payload(m, 0, &h, sizeof(h));
	h.minor = 2;
	set_payload(m, 0, &h, sizeof(h));
	i = find_rec(m, CRYO_REC_VMA, 0);
	shm_set32(m, i, VMA_OFF(shm), 1);
	REFUSED(m, i, "reserved field is not 0", "VMA.shm in 2.2");
	tree_minor = CRYO_IMAGE_MINOR;

	/* Place: after the TREE, before the first PROCESS. */
	build_tree(m);
	edit(m, 1, 0, CRYO_REC_SHM, &o, sizeof(o));
	REFUSED(m, 1, "SHM records come after the TREE", "SHM before the TREE");
	build_shm(m);
	i = find_rec(m, CRYO_REC_PROCESS, 0);
	edit(m, i + 1, 0, CRYO_REC_SHM, &o, sizeof(o));
	REFUSED(m, i + 1, "SHM records come after the TREE", "SHM in a section");

	/* Ids. */
	build_shm(m);
	shm_set32(m, 2, SHM_OFF(id), 2);
	REFUSED(m, 2, "SHM id 2, expected 1", "SHM id 2 first");
	build_shm(m);
	shm_set32(m, 3, SHM_OFF(id), 3);
	REFUSED(m, 3, "SHM id 3, expected 2", "SHM ids 1, 3");

	/* Contents. */
	build_shm(m);
	shm_set32(m, 2, SHM_OFF(kind), 7);
	REFUSED(m, 2, "unknown kind 7", "SHM kind 7");
	build_shm(m);
	shm_set32(m, 3, SHM_OFF(flags), 2);
	REFUSED(m, 3, "unknown flags 0x2", "SHM flags 0x2");
	build_shm(m);
	shm_set32(m, 3, SHM_OFF(__reserved), 1);
	REFUSED(m, 3, "reserved field is not 0", "SHM reserved");
	build_shm(m);
	shm_set32(m, 3, SHM_OFF(owner), 4);
	REFUSED(m, 3, "owned by member 4, but the TREE has 4", "SHM owner 4");
	build_shm(m);
	shm_set32(m, 3, SHM_OFF(owner), 2);
	REFUSED(m, 3, "(pid 102), a zombie", "SHM owned by a zombie");
	build_shm(m);
	shm_set64(m, 2, SHM_OFF(size), 0);
	REFUSED(m, 2, "object 1 of 0 bytes", "SHM of 0 bytes");
	build_shm(m);
	shm_set64(m, 3, SHM_OFF(size), 1ULL << 48);
	REFUSED(m, 3, "object 2 of 281474976710656 bytes", "SHM of 2^48 bytes");
	build_shm(m);
	shm_set32(m, 3, SHM_OFF(mode), 01640);
	REFUSED(m, 3, "mode 01640, more than permission bits", "SHM mode 01640");
	build_shm(m);
	shm_set32(m, 2, SHM_OFF(key), 0x99);
	REFUSED(m, 2, "which only System V segments have", "shared anonymous memory with a key");
	build_shm(m);
	shm_set32(m, 4, SHM_OFF(key), 0x99);
	REFUSED(m, 4, "is removed but keeps key 0x00000099", "removed segment with a key");
	build_shm(m);
	shm_set64(m, 2, SHM_OFF(size), 10 * PAGE);
	expect(m, 0, 0, NULL, __LINE__, "anonymous memory larger than its mappings");

	/* An object no member maps. */
	build_shm(m);
	o.id = 4;
	edit(m, 5, 0, CRYO_REC_SHM, &o, sizeof(o));
	REFUSED(m, m->nr - 1, "shared memory object 4 is mapped by no member", "SHM unmapped");
}

/* VMAs that map objects. */
static void test_shm_vmas(struct img *m)
{
	int i;

	build_shm(m);
	i = shm_vma(m, 0);
	shm_set32(m, i, VMA_OFF(shm), 4);
	REFUSED(m, i, "maps shared memory object 4, but the objects are 1 to 3", "VMA.shm 4");
	build_shm(m);
	i = shm_vma(m, 0);
	shm_set32(m, i, VMA_OFF(kind), CRYO_VMA_FILE);
	REFUSED(m, i, "not a shared mapping of kind 0", "anonymous memory as a FILE VMA");
	build_shm(m);
	i = shm_vma(m, 3);
	shm_set32(m, i, VMA_OFF(kind), CRYO_VMA_ANON);
	REFUSED(m, i, "not a shared mapping of kind 1", "a segment as an ANON VMA");
	build_shm(m);
	i = shm_vma(m, 1);
	shm_set32(m, i, VMA_OFF(flags), CRYO_VMA_READ);
	REFUSED(m, i, "not a shared mapping", "a private mapping of a segment");
	build_shm(m);
	i = shm_vma(m, 3);
	shm_set64(m, i, VMA_OFF(pgoff), PAGE);
	REFUSED(m, i, "maps past the end of System V segment 2 (3 pages)",
		"a segment mapped past its end");
	/* The owner maps it first: 103 owns 2, 101 maps it before. */
	build_shm(m);
	shm_set32(m, 3, SHM_OFF(owner), 3);
	i = shm_vma(m, 3);
	REFUSED(m, i, "the first mapping of shared memory object 2 is in the section of pid 101",
		"an object first mapped by another member than its owner");
	/* PAGES of a mapping of an object. */
	build_shm(m);
	i = find_rec(m, CRYO_REC_PAGES, 0);
	edit(m, i, 1, 0, NULL, 0);
	i = find_rec(m, CRYO_REC_SHM_PAGES, 0);
	{
		struct cryo_image_pages p = { .addr = SHM_A, .nr_pages = 1 };
		unsigned char buf[sizeof(p) + PAGE] = { 0 };

		memcpy(buf, &p, sizeof(p));
		edit(m, i, 0, CRYO_REC_PAGES, buf, sizeof(buf));
	}
	REFUSED(m, i, "whose pages are its SHM_PAGES", "PAGES of a mapping of an object");
}

/* SHM_PAGES: place, order, bounds, length, checksum. */
static void test_shm_pages(struct img *m)
{
	int i;

	build_shm(m);
	i = find_rec(m, CRYO_REC_SHM_PAGES, 3);		/* object 2, in 101's section */
	shm_set32(m, i, SP_OFF(shm), 1);
	REFUSED(m, i, "in the section of pid 101, but its owner is member 0 (pid 100)",
		"SHM_PAGES in another member's section");
	build_shm(m);
	i = find_rec(m, CRYO_REC_SHM_PAGES, 0);
	shm_set32(m, i, SP_OFF(shm), 9);
	REFUSED(m, i, "object 9, but the objects are 1 to 3", "SHM_PAGES of object 9");
	build_shm(m);
	i = find_rec(m, CRYO_REC_SHM_PAGES, 0);
	shm_set32(m, i, SP_OFF(shm), 3);
	REFUSED(m, i + 1, "object 1 after those of object 3", "SHM_PAGES objects descending");
	build_shm(m);
	i = find_rec(m, CRYO_REC_SHM_PAGES, 1);
	shm_set64(m, i, SP_OFF(pgoff), 0);
	REFUSED(m, i, "at page 0 overlap or precede", "SHM_PAGES page 0 twice");
	build_shm(m);
	i = find_rec(m, CRYO_REC_SHM_PAGES, 1);
	shm_set64(m, i, SP_OFF(pgoff), 2);
	REFUSED(m, i, "pages 2-2 of shared memory object 1 are past its end (2 pages)",
		"SHM_PAGES past the end");
	build_shm(m);
	i = find_rec(m, CRYO_REC_SHM_PAGES, 3);
	shm_set64(m, i, SP_OFF(nr_pages), 3);
	REFUSED(m, i, "3 pages do not fit in", "SHM_PAGES longer than its record");
	build_shm(m);
	i = find_rec(m, CRYO_REC_SHM_PAGES, 3);
	shm_set64(m, i, SP_OFF(nr_pages), 1);
	REFUSED(m, i, "payload of 8216 bytes, expected 4120", "SHM_PAGES shorter than its record");
	build_shm(m);
	i = find_rec(m, CRYO_REC_SHM_PAGES, 0);
	shm_set32(m, i, SP_OFF(__reserved), 1);
	REFUSED(m, i, "reserved field is not 0", "SHM_PAGES reserved");
	/* After PAGES: one before them is out of order at the PAGES. */
	build_shm(m);
	i = find_rec(m, CRYO_REC_PAGES, 0);
	insert_shm_pages(m, i, 1, 0, 1);
	REFUSED(m, i + 1, "PAGES after the section's SHM_PAGES", "SHM_PAGES before PAGES");
	/* Outside any section. */
	build_shm(m);
	insert_shm_pages(m, 5, 1, 0, 1);
	REFUSED(m, 5, "outside a member's section", "SHM_PAGES before the first PROCESS");
	/* A page changed, the checksum not: as for PAGES. */
	build_shm(m);
	i = find_rec(m, CRYO_REC_SHM_PAGES, 2);
	((unsigned char *)payload(m, i))[sizeof(struct cryo_image_shm_pages) + 100] ^= 1;
	expect(m, -EBADMSG, i, "checksum mismatch", __LINE__, "a flipped bit in SHM_PAGES");
}

/* ---- memfds (format 2.5) ---- */

#define SHM_D	(0x7f0000000000ULL + 64 * PAGE)	/* object 4, a memfd */
#define MEMFD_NAME	"/memfd:ring (deleted)"

static void insert_memfd(struct img *m, int at, uint32_t owner, uint32_t seals,
			 const char *name)
{
	struct cryo_image_shm o = {
		.id = 4, .kind = CRYO_SHM_MEMFD, .size = 3 * PAGE, .owner = owner,
		.mode = 0777, .seals = seals, .name_len = strlen(name),
	};
	unsigned char buf[sizeof(o) + 300];

	memcpy(buf, &o, sizeof(o));
	memcpy(buf + sizeof(o), name, o.name_len);
	edit(m, at, 0, CRYO_REC_SHM, buf, sizeof(o) + o.name_len);
}

/* A description of memfd @shm, file 5 at fd 4, before record @at. */
static void insert_memfd_file(struct img *m, int at, uint64_t shm)
{
	struct cryo_image_file f = {
		.id = 5, .kind = CRYO_FILE_MEMFD, .open_flags = O_RDWR | O_LARGEFILE,
		.mode = S_IFREG | 0777, .pos = 5, .size = 3 * PAGE, .shm = shm,
		.name_len = strlen(MEMFD_NAME),
	};
	struct cryo_image_fd fd = { .fd = 4, .file_id = 5 };
	unsigned char buf[sizeof(f) + sizeof(MEMFD_NAME)];

	memcpy(buf, &f, sizeof(f));
	memcpy(buf + sizeof(f), MEMFD_NAME, f.name_len);
	edit(m, at, 0, CRYO_REC_FD, &fd, sizeof(fd));
	edit(m, at, 0, CRYO_REC_FILE, buf, sizeof(f) + f.name_len);
}

/*
 * build_shm() and a memfd, object 4, of 3 pages sealed against growing
 * and shrinking, owned by member 3 (pid 103): held there as fd 4 (file
 * 5), mapped privately, its second page saved.
 */
static void build_memfd_as(struct img *m, uint32_t owner, uint32_t seals,
			   const char *name, uint64_t file_shm)
{
	struct cryo_image_vma v = {
		.start = SHM_D, .end = SHM_D + 2 * PAGE,
		.flags = CRYO_VMA_READ | CRYO_VMA_WRITE, .kind = CRYO_VMA_FILE,
		.name_len = strlen(MEMFD_NAME), .shm = 4,
	};
	unsigned char buf[sizeof(v) + sizeof(MEMFD_NAME)];
	int i;

	build_shm(m);
	insert_memfd(m, 5, owner, seals, name);
	i = find_rec(m, CRYO_REC_FILE, 3);		/* pid 103's own */
	insert_memfd_file(m, i + 2, file_shm);
	i = find_rec(m, CRYO_REC_PAGES, 2);		/* pid 103 */
	insert_shm_pages(m, i + 1, 4, 1, 1);
	memcpy(buf, &v, sizeof(v));
	memcpy(buf + sizeof(v), MEMFD_NAME, v.name_len);
	edit(m, i, 0, CRYO_REC_VMA, buf, sizeof(v) + v.name_len);
}

void build_memfd(struct img *m)
{
	build_memfd_as(m, 3, CRYO_SEAL_GROW | CRYO_SEAL_SHRINK, "ring", 4);
}

/* The records of a 2.4 image: SHM records of 2.3's size, and no memfd. */
static void make_2_4(struct img *m)
{
	struct cryo_image_header h;
	struct cryo_image_shm o;
	int i;

	get_payload(m, 0, &h, sizeof(h));
	h.minor = 4;
	set_payload(m, 0, &h, sizeof(h));
	for (i = 0; i < m->nr; i++) {
		if (m->type[i] != CRYO_REC_SHM)
			continue;
		get_payload(m, i, &o, sizeof(o));
		edit(m, i, 1, 0, NULL, 0);
		edit(m, i, 0, CRYO_REC_SHM, &o, CRYO_IMAGE_SHM_SIZE_2_3);
	}
}

static void test_memfd(struct img *m)
{
	char name[CRYO_MEMFD_NAME_MAX + 2];
	int i;

	build_memfd(m);
	expect(m, 0, 0, NULL, __LINE__, "a memfd held and mapped privately");
	build_memfd_as(m, 3, CRYO_SEAL_ALL, "", 4);
	expect(m, 0, 0, NULL, __LINE__, "a memfd with every seal and no name");
	memset(name, 'n', CRYO_MEMFD_NAME_MAX);
	name[CRYO_MEMFD_NAME_MAX] = '\0';
	build_memfd_as(m, 3, 0, name, 4);
	expect(m, 0, 0, NULL, __LINE__, "a memfd of the longest name");
	/* Its THREAD records too are of their minor's size. */
	tree_minor = 4;
	build_shm(m);
	tree_minor = CRYO_IMAGE_MINOR;
	make_2_4(m);
	expect(m, 0, 0, NULL, __LINE__, "a 2.4 image's SHM records");

	/* The SHM record. */
	build_memfd_as(m, 3, 0x40, "ring", 4);
	REFUSED(m, 5, "memfd 4 has unknown seals 0x40", "memfd seals 0x40");
	name[CRYO_MEMFD_NAME_MAX] = 'n';
	name[CRYO_MEMFD_NAME_MAX + 1] = '\0';
	build_memfd_as(m, 3, 0, name, 4);
	REFUSED(m, 5, "a name of 250 bytes, more than 249", "memfd name of 250 bytes");
	build_memfd_as(m, 3, 0, "ri\001g", 4);
	((char *)payload(m, 5))[sizeof(struct cryo_image_shm) + 2] = '\0';
	fix_crc(m->b.p, m->off[5]);
	REFUSED(m, 5, "the memfd name holds a NUL byte", "NUL in a memfd's name");
	build_memfd(m);
	shm_set32(m, 5, SHM_OFF(key), 7);
	REFUSED(m, 5, "memfd 4 has a key", "memfd with a key");
	build_memfd(m);
	shm_set32(m, 5, SHM_OFF(name_len), 3);
	REFUSED(m, 5, "payload of 60 bytes, expected 59", "memfd name_len short");
	build_shm(m);
	shm_set32(m, 2, SHM_OFF(seals), CRYO_SEAL_GROW);
	REFUSED(m, 2, "seals 0x4 or a name, which only memfds have", "anonymous memory sealed");
	build_memfd(m);
	shm_set64(m, 5, SHM_OFF(size), 0);
	i = find_rec(m, CRYO_REC_SHM_PAGES, 4);		/* object 4's */
	edit(m, i, 1, 0, NULL, 0);
	expect(m, 0, 0, NULL, __LINE__, "an empty memfd");
	build_memfd(m);
	shm_set64(m, 5, SHM_OFF(size), 1ULL << 62);
	expect(m, 0, 0, NULL, __LINE__, "a memfd of 2^62 bytes");
	build_memfd(m);
	shm_set64(m, 5, SHM_OFF(size), 1ULL << 63);
	REFUSED(m, 5, "object 4 of 9223372036854775808 bytes", "a memfd of 2^63 bytes");
	build_shm(m);
	make_2_4(m);
	shm_set32(m, 2, SHM_OFF(kind), CRYO_SHM_MEMFD);
	REFUSED(m, 2, "unknown kind 2", "a memfd in a 2.4 image");

	/* Its description. */
	build_memfd_as(m, 3, 0, "ring", 1);
	REFUSED(m, find_rec(m, CRYO_REC_FILE, 4), "names shared memory object 1, which is no memfd",
		"a memfd's FILE naming anonymous memory");
	build_memfd_as(m, 3, 0, "ring", 9);
	REFUSED(m, find_rec(m, CRYO_REC_FILE, 4), "names shared memory object 9",
		"a memfd's FILE naming no object");
	build_memfd_as(m, 0, 0, "ring", 4);
	REFUSED(m, find_rec(m, CRYO_REC_FILE, 4),
		"the first use of memfd 4 is in the section of pid 103, but its owner is member 0",
		"a memfd first used outside its owner");
}

void test_shm_image(void)
{
	struct img *m = calloc(1, sizeof(*m));

	if (!m)
		abort();
	test_shm_records(m);
	test_shm_vmas(m);
	test_shm_pages(m);
	test_memfd(m);
	free(m);
}
