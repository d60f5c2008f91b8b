// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the image reader on malformed images: the stream as a
 * whole (table-driven), the process records, the files.
 */
#include "unit.h"

/*
 * The stream as a whole: malformed images, one per row of bad_images[].
 * Each builder makes its image and returns the index of the record the
 * error must name, or -1 when the row does not check it.
 */

/* The reference image; its header. */
static struct cryo_image_header *ref_header(struct img *m)
{
	build_image(m, 0, CRYO_IMAGE_MINOR);
	return (void *)(m->b.p + 16);
}

static int bad_magic_bad_crc(struct img *m)
{
	ref_header(m)->magic[0] = 'X';
	return -1;
}

static int bad_magic(struct img *m)
{
	ref_header(m)->magic[0] = 'X';
	fix_crc(m->b.p, 0);
	return -1;
}

static int wrong_major(struct img *m)
{
	ref_header(m)->major = CRYO_IMAGE_MAJOR + 1;
	fix_crc(m->b.p, 0);
	return -1;
}

static int wrong_arch(struct img *m)
{
	ref_header(m)->arch = AUDIT_ARCH_AARCH64;
	fix_crc(m->b.p, 0);
	return -1;
}

static int text_file(struct img *m)
{
	memset(m, 0, sizeof(*m));
	buf_put(&m->b, "hello, world, this is text and not an image\n", 44);
	return -1;
}

static int empty_stream(struct img *m)
{
	memset(m, 0, sizeof(*m));
	return -1;
}

static int first_not_header(struct img *m)
{
	memset(m, 0, sizeof(*m));
	put_rec(m, CRYO_REC_PROCESS, "x", 1, NULL, 0);
	return -1;
}

/* A huge length, checksum made to match. */
static int huge_len(struct img *m)
{
	int i;

	build_image(m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(m, CRYO_REC_THREAD, 0);
	poke32(m->b.p, m->off[i] + 4, CRYO_REC_MAX_LEN + 1);
	return i;
}

static int len_all_ones(struct img *m)
{
	int i;

	build_image(m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(m, CRYO_REC_THREAD, 0);
	poke32(m->b.p, m->off[i] + 4, 0xffffffff);
	return i;
}

static int reserved_word(struct img *m)
{
	int i;

	build_image(m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(m, CRYO_REC_VMA, 0);
	poke32(m->b.p, m->off[i] + 12, 1);
	fix_crc(m->b.p, m->off[i]);
	return i;
}

static int after_trailer(struct img *m)
{
	build_image(m, 0, CRYO_IMAGE_MINOR);
	buf_put(&m->b, "X", 1);
	return REF_RECORDS + 1;
}

/* Trailer counts that disagree, checksum made to match. */
static void trailer_edit(struct img *m, uint64_t records, uint64_t pages, uint64_t more_bytes)
{
	struct cryo_image_trailer t;

	build_image(m, 0, CRYO_IMAGE_MINOR);
	get_payload(m, REF_RECORDS, &t, sizeof(t));
	t.nr_records = records;
	t.nr_pages = pages;
	t.bytes += more_bytes;
	set_payload(m, REF_RECORDS, &t, sizeof(t));
}

static int trailer_pages(struct img *m)
{
	trailer_edit(m, REF_RECORDS, 3, 0);
	return REF_RECORDS;
}

static int trailer_records(struct img *m)
{
	trailer_edit(m, REF_RECORDS - 1, 2, 0);
	return -1;
}

static int trailer_bytes(struct img *m)
{
	trailer_edit(m, REF_RECORDS, 2, 16);
	return -1;
}

/* Payload shorter than its structure. */
static int short_process(struct img *m)
{
	memset(m, 0, sizeof(*m));
	put_header(m, 0, CRYO_IMAGE_MINOR);
	put_rec(m, CRYO_REC_PROCESS, "short", 5, NULL, 0);
	put_trailer(m);
	return 1;
}

static int process_after_vma(struct img *m)
{
	memset(m, 0, sizeof(*m));
	put_header(m, 0, CRYO_IMAGE_MINOR);
	put_vma(m, 0x1000, 0x2000, CRYO_VMA_READ, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_rec(m, CRYO_REC_PROCESS, zeros, sizeof(struct cryo_image_process), NULL, 0);
	put_trailer(m);
	return 2;
}

/* One VMA, 0x1000-0x3000, of @kind. */
static void one_vma(struct img *m, uint32_t kind)
{
	memset(m, 0, sizeof(*m));
	put_header(m, 0, CRYO_IMAGE_MINOR);
	put_vma(m, 0x1000, 0x3000, CRYO_VMA_READ, kind, 0, 0, 0, NULL);
}

static int pages_past_vma(struct img *m)
{
	one_vma(m, CRYO_VMA_ANON);
	put_pages(m, 0x2000, 2);
	put_trailer(m);
	return 2;
}

static int overlapping_vmas(struct img *m)
{
	one_vma(m, CRYO_VMA_ANON);
	put_vma(m, 0x2000, 0x4000, CRYO_VMA_READ, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_trailer(m);
	return 2;
}

/* Contents of a [vdso] are never saved. */
static int vdso_pages(struct img *m)
{
	one_vma(m, CRYO_VMA_VDSO);
	put_pages(m, 0x1000, 1);
	put_trailer(m);
	return 2;
}

/* Fewer THREAD records than the header announces (2.1: no TREE). */
static int missing_thread(struct img *m)
{
	memset(m, 0, sizeof(*m));
	put_header(m, 1, 1);
	put_trailer(m);
	return -1;
}

/* A header-only image with no threads is whole (a layout has that). */
static int header_trailer(struct img *m)
{
	memset(m, 0, sizeof(*m));
	put_header(m, 0, CRYO_IMAGE_MINOR);
	put_trailer(m);
	return -1;
}

/* ---- trees (format 2.2) -------------------------------------------------- */

static int tree_good(struct img *m)
{
	build_tree(m);
	return -1;
}

static int image_2_1(struct img *m)
{
	build_image(m, 0, 1);
	return -1;
}

/* A 2.1 image knows no TREE. */
static int tree_in_2_1(struct img *m)
{
	struct cryo_image_member root = {
		.pid = 4242, .ppid = 1, .pgid = 4242, .sid = 4000, .parent = -1,
		.nr_threads = 2,
	};

	build_image(m, 0, 1);
	edit(m, 1, 0, CRYO_REC_TREE, &root, sizeof(root));
	return 1;
}

static int tree_missing(struct img *m)
{
	build_tree(m);
	edit(m, 1, 1, 0, NULL, 0);
	return 1;
}

static int tree_twice(struct img *m)
{
	struct cryo_image_member mem[TREE_MEMBERS];

	tree_members(mem);
	build_tree(m);
	edit(m, 2, 0, CRYO_REC_TREE, mem, sizeof(mem));
	return 2;
}

static int tree_header_reserved(struct img *m)
{
	struct cryo_image_header h;

	build_tree(m);
	get_payload(m, 0, &h, sizeof(h));
	h.__reserved = 1;
	set_payload(m, 0, &h, sizeof(h));
	return 0;
}

static int tree_too_many(struct img *m)
{
	struct cryo_image_member mem[TREE_MEMBERS];

	tree_members(mem);
	build_tree_from(m, mem, TREE_MEMBERS, CRYO_IMAGE_MAX_PROCESSES + 1);
	return 0;
}

static int tree_count(struct img *m)
{
	struct cryo_image_member mem[TREE_MEMBERS];

	tree_members(mem);
	build_tree_from(m, mem, TREE_MEMBERS, TREE_MEMBERS - 1);
	return 1;
}

/* The header announces a thread more than the members have. */
static int tree_thread_sum(struct img *m)
{
	struct cryo_image_header h;

	build_tree(m);
	get_payload(m, 0, &h, sizeof(h));
	h.nr_threads++;
	set_payload(m, 0, &h, sizeof(h));
	return 1;
}

#define PROC_OFF(field)	offsetof(struct cryo_image_process, field)

/* The second section's PROCESS (pid 101) with @field set to @v. */
static int tree_section_field(struct img *m, size_t off, uint32_t v)
{
	int i;

	build_tree(m);
	i = find_rec(m, CRYO_REC_PROCESS, 1);
	poke32(payload(m, i), off, v);
	fix_crc(m->b.p, m->off[i]);
	return i;
}

static int tree_section_pid(struct img *m)
{
	return tree_section_field(m, PROC_OFF(pid), 103);
}

static int tree_section_sid(struct img *m)
{
	return tree_section_field(m, PROC_OFF(sid), 91);
}

static int tree_process_flags(struct img *m)
{
	return tree_section_field(m, PROC_OFF(flags), 4);
}

static int tree_pdeath_signal(struct img *m)
{
	return tree_section_field(m, PROC_OFF(pdeath_signal), 65);
}

/* Pid 101's second THREAD dropped: found at the next section. */
static int tree_fewer_threads(struct img *m)
{
	build_tree(m);
	edit(m, find_rec(m, CRYO_REC_THREAD, 2), 1, 0, NULL, 0);
	return find_rec(m, CRYO_REC_PROCESS, 2);
}

#define THREAD_OFF(field)	offsetof(struct cryo_image_thread, field)

/* The reference image's first THREAD with @field set to @v. */
static int thread_field(struct img *m, size_t off, uint32_t v)
{
	int i;

	build_image(m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(m, CRYO_REC_THREAD, 0);
	poke32(payload(m, i), off, v);
	fix_crc(m->b.p, m->off[i]);
	return i;
}

static int thread_policy(struct img *m)
{
	return thread_field(m, THREAD_OFF(sched_policy), 99);
}

static int thread_deadline(struct img *m)
{
	return thread_field(m, THREAD_OFF(sched_policy), 6);
}

static int thread_nice(struct img *m)
{
	return thread_field(m, THREAD_OFF(nice), 40);
}

static int thread_rt_prio(struct img *m)
{
	return thread_field(m, THREAD_OFF(rt_priority), 10);
}

static int thread_sched_flags(struct img *m)
{
	return thread_field(m, THREAD_OFF(sched_flags), 4);
}

static int thread_no_cpu(struct img *m)
{
	return thread_field(m, THREAD_OFF(affinity), 0);
}

static int thread_all_and_cpus(struct img *m)
{
	return thread_field(m, THREAD_OFF(sched_flags), CRYO_THREAD_AFFINITY_ALL);
}

/* A second THREAD in the root's section, where the TREE says one. */
static int tree_more_threads(struct img *m)
{
	int i;

	build_tree(m);
	i = find_rec(m, CRYO_REC_THREAD, 0);
	edit(m, i + 1, 0, CRYO_REC_THREAD, payload(m, i),
	     peek32(m->b.p, m->off[i] + 4));
	return i + 1;
}

/* Pid 103's section left out. */
static int tree_missing_section(struct img *m)
{
	int i;

	build_tree(m);
	i = find_rec(m, CRYO_REC_PROCESS, 2);
	edit(m, i, m->nr - 1 - i, 0, NULL, 0);
	return i;
}

/* The TREE says pid 103 is a zombie (its threads off the header's). */
static int tree_extra_section(struct img *m)
{
	struct cryo_image_member mem[TREE_MEMBERS];
	struct cryo_image_header h;

	build_tree(m);
	tree_members(mem);
	mem[3].flags = CRYO_MEMBER_ZOMBIE;
	mem[3].nr_threads = 0;
	set_payload(m, 1, mem, sizeof(mem));
	get_payload(m, 0, &h, sizeof(h));
	h.nr_threads--;
	set_payload(m, 0, &h, sizeof(h));
	return find_rec(m, CRYO_REC_PROCESS, 2);
}

/* Pid 101's section without its AUXV: found at its first THREAD. */
static int tree_section_block(struct img *m)
{
	build_tree(m);
	edit(m, find_rec(m, CRYO_REC_AUXV, 1), 1, 0, NULL, 0);
	return find_rec(m, CRYO_REC_THREAD, 1);
}

/* An FD of pid 101 refers to the FILE of pid 103's section, after it. */
static int tree_fd_later_file(struct img *m)
{
	int i;

	build_tree(m);
	i = find_rec(m, CRYO_REC_FD, 2);
	poke32(payload(m, i), offsetof(struct cryo_image_fd, file_id), 4);
	fix_crc(m->b.p, m->off[i]);
	return i;
}

/* The reference tree with member @k's flags set to @flags. */
static void build_tree_flags(struct img *m, int k, uint32_t flags)
{
	struct cryo_image_member mem[TREE_MEMBERS];

	tree_members(mem);
	mem[k].flags = flags;
	build_tree_from(m, mem, TREE_MEMBERS, -1);
}

/* Pid 101 shares the root's fs_struct (same umask, same FS record). */
static int tree_shares_fs(struct img *m)
{
	build_tree_flags(m, 1, CRYO_MEMBER_SHARES_FS);
	return -1;
}

/* Pid 101 shares the root's fd table, but its section has fds. */
static int tree_sharer_fds(struct img *m)
{
	build_tree_flags(m, 1, CRYO_MEMBER_SHARES_FILES);
	return find_rec(m, CRYO_REC_FD, 2);
}

/* Pid 103 shares pid 101's fs_struct, but has another umask. */
static int tree_sharer_umask(struct img *m)
{
	int i;

	build_tree_flags(m, 3, CRYO_MEMBER_SHARES_FS);
	i = find_rec(m, CRYO_REC_PROCESS, 2);
	poke32(payload(m, i), offsetof(struct cryo_image_process, umask), 077);
	fix_crc(m->b.p, m->off[i]);
	return -1;
}

/* A 2.3 image cannot say that a member shares. */
static int tree_shares_2_3(struct img *m)
{
	struct cryo_image_header h;

	build_tree_flags(m, 1, CRYO_MEMBER_SHARES_FS);
	get_payload(m, 0, &h, sizeof(h));
	h.minor = 3;
	set_payload(m, 0, &h, sizeof(h));
	return 1;
}

static const struct bad_image {
	const char *what;
	int (*build)(struct img *m);
	int ret;		/* what reading it gives */
	const char *msg;	/* in the message, or NULL */
	int nr;			/* records read before the error, or -1 */
	bool at_end;		/* the error is at the image's last byte */
} bad_images[] = {
	{ "bad magic, bad crc", bad_magic_bad_crc, -EPROTO, "not a cryo image", -1, false },
	{ "bad magic", bad_magic, -EPROTO, "bad magic", -1, false },
	{ "wrong major", wrong_major, -EPROTO, "format 3.", -1, false },
	{ "wrong arch", wrong_arch, -EPROTO, "architecture", -1, false },
	{ "text file", text_file, -EPROTO, "not a cryo image", -1, false },
	{ "empty stream", empty_stream, -ENODATA, NULL, -1, false },
	{ "first record PROCESS", first_not_header, -EPROTO, "not a HEADER", -1, false },
	{ "huge len", huge_len, -EPROTO, "exceeds the maximum", -1, false },
	{ "len ~0", len_all_ones, -EPROTO, NULL, -1, false },
	{ "reserved nonzero", reserved_word, -EPROTO, "reserved", -1, false },
	{ "garbage after the trailer", after_trailer, -EOVERFLOW, NULL, REF_RECORDS, true },
	{ "trailer page count", trailer_pages, -EBADMSG, "trailer counts 3 pages", -1, false },
	{ "trailer record count", trailer_records, -EBADMSG, "records", -1, false },
	{ "trailer byte count", trailer_bytes, -EBADMSG, "bytes", -1, false },
	{ "short PROCESS", short_process, -EPROTO, "shorter", -1, false },
	{ "PROCESS after VMA", process_after_vma, -EPROTO, "out of order", -1, false },
	{ "PAGES past the VMA's end", pages_past_vma, -EPROTO, "not inside one VMA", -1, false },
	{ "overlapping VMAs", overlapping_vmas, -EPROTO, "overlaps", -1, false },
	{ "PAGES of the vdso", vdso_pages, -EPROTO, "never saved", -1, false },
	{ "missing THREAD", missing_thread, -EPROTO, "announces 1 threads", -1, false },
	{ "HEADER + TRAILER", header_trailer, 0, NULL, 1, false },
	{ "tree: good", tree_good, 0, NULL, -1, false },
	{ "2.1 image without TREE", image_2_1, 0, NULL, REF_RECORDS - 1, false },
	{ "tree: TREE in a 2.1 image",
	  tree_in_2_1, -EPROTO, "a TREE record in a format 2.1", -1, false },
	{ "tree: no TREE",
	  tree_missing, -EPROTO, "announces 4 processes, but no TREE record", -1, false },
	{ "tree: a second TREE", tree_twice, -EPROTO, "a second TREE", -1, false },
	{ "tree: header reserved", tree_header_reserved, -EPROTO, "reserved field", -1, false },
	{ "tree: 4097 processes",
	  tree_too_many, -EPROTO, "4097 processes, at most 4096", -1, false },
	{ "tree: 4 members, 3 announced",
	  tree_count, -EPROTO, "128 bytes are not the 3 members", -1, false },
	{ "tree: threads do not add up",
	  tree_thread_sum, -EPROTO, "members have 4 threads, the header announces 5", -1, false },
	{ "tree: section of another pid",
	  tree_section_pid, -EPROTO,
	  "section 2 is of pid 103, the TREE's member 1 is pid 101", -1, false },
	{ "tree: section's sid",
	  tree_section_sid, -EPROTO,
	  "pid 101: ppid 100, pgid 100, sid 91; the TREE says 100, 100, 90", -1, false },
	{ "tree: PROCESS flags", tree_process_flags, -EPROTO, "unknown flags 0x4", -1, false },
	{ "THREAD policy 99", thread_policy, -EPROTO, "scheduling policy 99", -1, false },
	{ "THREAD SCHED_DEADLINE", thread_deadline, -EPROTO, "scheduling policy 6", -1, false },
	{ "THREAD nice 40", thread_nice, -EPROTO, "nice 40", -1, false },
	{ "THREAD priority under SCHED_BATCH",
	  thread_rt_prio, -EPROTO, "real-time priority 10 under policy 3", -1, false },
	{ "THREAD sched flags", thread_sched_flags, -EPROTO,
	  "unknown scheduling flags 0x4", -1, false },
	{ "THREAD no CPU", thread_no_cpu, -EPROTO, "an empty CPU affinity", -1, false },
	{ "THREAD all CPUs and some", thread_all_and_cpus, -EPROTO,
	  "a narrowed and unnarrowed CPU affinity", -1, false },
	{ "tree: PROCESS pdeath_signal",
	  tree_pdeath_signal, -EPROTO, "parent-death signal 65", -1, false },
	{ "tree: a THREAD short",
	  tree_fewer_threads, -EPROTO,
	  "section of pid 101 has 1 THREAD records, the TREE says 2", -1, false },
	{ "tree: a THREAD more",
	  tree_more_threads, -EPROTO, "more THREAD records than the 1 of pid 100", -1, false },
	{ "tree: a section missing",
	  tree_missing_section, -EPROTO,
	  "TREE has 3 living members, the image holds 2 sections", -1, false },
	{ "tree: a section more",
	  tree_extra_section, -EPROTO,
	  "a section more than the TREE's 2 living members", -1, false },
	{ "tree: section without AUXV",
	  tree_section_block, -EPROTO, "the section of pid 101 has no AUXV record", -1, false },
	{ "tree: good, pid 101 shares the root's fs_struct",
	  tree_shares_fs, 0, NULL, -1, false },
	{ "tree: a sharer of the fd table with fds",
	  tree_sharer_fds, -EPROTO,
	  "pid 101 shares the fd table of pid 100: its section has no files", -1, false },
	{ "tree: a sharer of the fs_struct with another umask",
	  tree_sharer_umask, -EPROTO,
	  "pid 103 shares the fs_struct of pid 101, but not its umask", -1, false },
	{ "tree: sharing in a 2.3 image",
	  tree_shares_2_3, -EPROTO, "but the image is older than 2.4", -1, false },
	{ "tree: FD of a later section's FILE",
	  tree_fd_later_file, -EPROTO,
	  "fd 0 refers to file 4, but the files so far are 1 to 2", -1, false },
};

/*
 * The TREE's members: the reference tree with one or two fields of a
 * member changed, one row each; the TREE (record 1) is named.
 */
#define MEM_OFF(field)	offsetof(struct cryo_image_member, field)

static const struct bad_member {
	const char *what;
	int member;
	size_t off[2];
	int32_t value[2];	/* a second field only with off[1] */
	const char *msg;
} bad_members[] = {
	{ "root's parent 0", 0, { MEM_OFF(parent) }, { 0 },
	  "the root (pid 100) has parent index 0, not -1" },
	{ "parent index = own", 3, { MEM_OFF(parent) }, { 3 },
	  "member 3 (pid 103) has parent index 3, not one below its own" },
	{ "parent index -1 below the root", 3, { MEM_OFF(parent) }, { -1 },
	  "member 3 (pid 103) has parent index -1" },
	{ "ppid not the parent's pid", 3, { MEM_OFF(ppid) }, { 100 },
	  "member 3 (pid 103) has ppid 100, but its parent (member 1) is pid 101" },
	{ "unknown member flags", 1, { MEM_OFF(flags) }, { 8 },
	  "member 1 (pid 101) has unknown flags 0x8" },
	{ "the root shares", 0, { MEM_OFF(flags) }, { CRYO_MEMBER_SHARES_FILES },
	  "member 0 (pid 100) shares its parent's fd table or fs_struct, but is the root" },
	{ "a zombie shares", 2, { MEM_OFF(flags) },
	  { CRYO_MEMBER_ZOMBIE | CRYO_MEMBER_SHARES_FS },
	  "member 2 (pid 102) shares its parent's fd table or fs_struct, but is a zombie" },
	{ "zombie with threads", 2, { MEM_OFF(nr_threads) }, { 1 },
	  "member 2 (pid 102) is a zombie with 1 threads" },
	{ "zombie root", 0, { MEM_OFF(flags), MEM_OFF(nr_threads) },
	  { CRYO_MEMBER_ZOMBIE, 0 }, "the root (pid 100) is a zombie" },
	{ "child of a zombie", 3, { MEM_OFF(parent), MEM_OFF(ppid) }, { 2, 102 },
	  "member 3 (pid 103) is the child of a zombie (pid 102)" },
	{ "living member without threads", 1, { MEM_OFF(nr_threads) }, { 0 },
	  "member 1 (pid 101) is no zombie, but has no threads" },
	{ "living member's exit code", 1, { MEM_OFF(exit_code) }, { 1 },
	  "member 1 (pid 101) is no zombie, but has exit code 1" },
	{ "zombie's wait status", 2, { MEM_OFF(exit_code) }, { 0x10000 },
	  "member 2 (pid 102): 0x10000 is not a wait status" },
	{ "two members of one pid", 3, { MEM_OFF(pid) }, { 100 },
	  "members 0 and 3 are both pid 100" },
	{ "pid 0", 3, { MEM_OFF(pid) }, { 0 }, "member 3 has pid 0" },
	{ "negative pid", 1, { MEM_OFF(pid) }, { -5 }, "member 1 has pid -5" },
};

static void test_bad_members(void)
{
	struct cryo_image_member mem[TREE_MEMBERS];
	const struct bad_member *t;
	struct result r;
	struct img m;

	for (t = bad_members; t < bad_members + ARRAY_SIZE(bad_members); t++) {
		tree_members(mem);
		memcpy((char *)&mem[t->member] + t->off[0], &t->value[0], 4);
		if (t->off[1])
			memcpy((char *)&mem[t->member] + t->off[1], &t->value[1], 4);
		build_tree_from(&m, mem, TREE_MEMBERS, -1);
		read_image(m.b.p, m.b.len, &r);
		CHECK(r.ret == -EPROTO && r.index == 1 && strstr(r.msg, t->msg),
		      "tree: %s: %d at %llu, %s", t->what, r.ret,
		      (unsigned long long)r.index, r.msg);
		free(m.b.p);
	}
}

void test_malformed(void)
{
	const struct bad_image *t;
	struct result r;
	struct img m;
	int index;

	for (t = bad_images; t < bad_images + ARRAY_SIZE(bad_images); t++) {
		index = t->build(&m);
		read_image(m.b.p ? (const void *)m.b.p : "", m.b.len, &r);
		CHECK(r.ret == t->ret && (index < 0 || r.index == (uint64_t)index) &&
		      (!t->msg || strstr(r.msg, t->msg)) && (t->nr < 0 || r.nr == t->nr) &&
		      (!t->at_end || r.offset == m.b.len - 1),
		      "%s: %d at %llu, %s", t->what, r.ret, (unsigned long long)r.index,
		      r.msg);
		free(m.b.p);
	}
	test_bad_members();
}

/*
 * Read @m and expect -EPROTO at record @index with @what in the message.
 * Frees @m.
 */
#define REFUSED(m, index, what, ...) \
	refused(m, index, what, __LINE__, __VA_ARGS__)

static void __attribute__((format(printf, 5, 6)))
refused(struct img *m, int index, const char *what, int line, const char *fmt, ...)
{
	struct result r;
	char label[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(label, sizeof(label), fmt, ap);
	va_end(ap);
	read_image(m->b.p, m->b.len, &r);
	check(r.ret == -EPROTO && r.index == (uint64_t)index && strstr(r.msg, what),
	      line, "%s: %d at %llu, %s", label, r.ret,
	      (unsigned long long)r.index, r.msg);
	free(m->b.p);
}

static void accepted(struct img *m, int line, const char *label)
{
	struct result r;

	read_image(m->b.p, m->b.len, &r);
	check(r.ret == 0, line, "%s: %d %s", label, r.ret, r.msg);
	free(m->b.p);
}

#define ACCEPTED(m, label) accepted(m, __LINE__, label)

/* The reference image with @q as a SIGINFO record after its THREADs. */
static int with_siginfo(struct img *m, const struct cryo_image_siginfo *q,
			uint16_t minor)
{
	int i;

	build_image(m, 0, minor);
	for (i = m->nr - 1; i > 0 && m->type[i] != CRYO_REC_THREAD; i--)
		;
	i++;
	edit(m, i, 0, CRYO_REC_SIGINFO, q, sizeof(*q));
	return i;
}

/* SIGINFO (2.8): its place, size, signal and reserved words. */
void test_siginfo(void)
{
	struct cryo_image_siginfo q = { .signo = 34, .code = -1 };
	struct cryo_image_siginfo bad;
	struct img m;
	int i;

	with_siginfo(&m, &q, CRYO_IMAGE_MINOR);
	ACCEPTED(&m, "SIGINFO");
	i = with_siginfo(&m, &q, 7);
	REFUSED(&m, i, "a SIGINFO record in a format 2.7 image", "SIGINFO in 2.7");
	bad = q;
	bad.signo = 9;
	i = with_siginfo(&m, &bad, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "signal 9", "SIGINFO of SIGKILL");
	bad.signo = 65;
	i = with_siginfo(&m, &bad, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "signal 65", "SIGINFO of signal 65");
	bad = q;
	bad.__reserved = 1;
	i = with_siginfo(&m, &bad, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "reserved field is not 0", "SIGINFO reserved");
	bad = q;
	bad.__pad = 1;
	i = with_siginfo(&m, &bad, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "reserved field is not 0", "SIGINFO pad");
	bad = q;
	bad.tid = -5;
	i = with_siginfo(&m, &bad, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "thread id -5", "SIGINFO tid -5");
	/* One byte short. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_THREAD, 0) + 1;
	edit(&m, i, 0, CRYO_REC_SIGINFO, &q, sizeof(q) - 1);
	REFUSED(&m, i, "shorter than the 56", "SIGINFO of 55 bytes");
	/* Before any THREAD. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_THREAD, 0);
	edit(&m, i, 0, CRYO_REC_SIGINFO, &q, sizeof(q));
	REFUSED(&m, i, "a SIGINFO record before any THREAD", "SIGINFO first");
}

/* The reference image with @n records of @type (@len bytes each) after its THREADs. */
static int with_timers(struct img *m, uint32_t type, const void *q,
		       size_t len, int n, uint16_t minor)
{
	int i, k;

	build_image(m, 0, minor);
	for (i = m->nr - 1; i > 0 && m->type[i] != CRYO_REC_THREAD; i--)
		;
	i++;
	for (k = 0; k < n; k++)
		edit(m, i + k, 0, type, q, len);
	return i + n - 1;
}

/* POSIX_TIMER and CPU_ITIMERS (2.9): place, size, fields. */
void test_timers(void)
{
	struct cryo_image_posix_timer t = {
		.id = 2, .clock = 1, .signo = 12, .value = 7,
		.value_ns = 20000000, .interval_ns = 20000000,
	};
	struct cryo_image_cpu_itimers it = { .prof_value_ns = 10000000 };
	struct cryo_image_posix_timer bad;
	struct img m;
	int i;

	with_timers(&m, CRYO_REC_POSIX_TIMER, &t, sizeof(t), 1, CRYO_IMAGE_MINOR);
	ACCEPTED(&m, "POSIX_TIMER");
	with_timers(&m, CRYO_REC_CPU_ITIMERS, &it, sizeof(it), 1, CRYO_IMAGE_MINOR);
	ACCEPTED(&m, "CPU_ITIMERS");
	i = with_timers(&m, CRYO_REC_POSIX_TIMER, &t, sizeof(t), 1, 8);
	REFUSED(&m, i, "a POSIX_TIMER record in a format 2.8 image", "POSIX_TIMER in 2.8");
	i = with_timers(&m, CRYO_REC_POSIX_TIMER, &t, sizeof(t), 2, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "timer id 2", "two POSIX_TIMERs of id 2");
	i = with_timers(&m, CRYO_REC_CPU_ITIMERS, &it, sizeof(it), 2, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "or a second one", "two CPU_ITIMERS");
	bad = t;
	bad.id = CRYO_IMAGE_MAX_POSIX_TIMER_ID + 1;
	i = with_timers(&m, CRYO_REC_POSIX_TIMER, &bad, sizeof(bad), 1, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "timer id 1024", "POSIX_TIMER id 1024");
	bad = t;
	bad.clock = 2;
	i = with_timers(&m, CRYO_REC_POSIX_TIMER, &bad, sizeof(bad), 1, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "clock 2", "POSIX_TIMER on a CPU clock");
	bad = t;
	bad.notify = 3;
	i = with_timers(&m, CRYO_REC_POSIX_TIMER, &bad, sizeof(bad), 1, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "sigev_notify 3", "POSIX_TIMER notify 3");
	bad = t;
	bad.signo = 0;
	i = with_timers(&m, CRYO_REC_POSIX_TIMER, &bad, sizeof(bad), 1, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "signal 0", "POSIX_TIMER signal 0");
	bad = t;
	bad.tid = 5;
	i = with_timers(&m, CRYO_REC_POSIX_TIMER, &bad, sizeof(bad), 1, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "thread 5", "POSIX_TIMER tid without SIGEV_THREAD_ID");
	bad = t;
	bad.__reserved = 1;
	i = with_timers(&m, CRYO_REC_POSIX_TIMER, &bad, sizeof(bad), 1, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "reserved field is not 0", "POSIX_TIMER reserved");
	bad = t;
	bad.interval_ns = 1ULL << 62;
	i = with_timers(&m, CRYO_REC_POSIX_TIMER, &bad, sizeof(bad), 1, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "more than ten years", "POSIX_TIMER of centuries");
	i = with_timers(&m, CRYO_REC_POSIX_TIMER, &t, sizeof(t) - 1, 1, CRYO_IMAGE_MINOR);
	REFUSED(&m, i, "shorter than the 56", "POSIX_TIMER of 55 bytes");
	/* After CPU_ITIMERS. */
	i = with_timers(&m, CRYO_REC_CPU_ITIMERS, &it, sizeof(it), 1, CRYO_IMAGE_MINOR);
	edit(&m, i + 1, 0, CRYO_REC_POSIX_TIMER, &t, sizeof(t));
	REFUSED(&m, i + 1, "after CPU_ITIMERS", "POSIX_TIMER after CPU_ITIMERS");
}

/*
 * The reference image of format 2.@minor, its first thread in a
 * restartable sleep, with @s as a SLEEP record at index @at (0: right
 * after that THREAD).  Returns the SLEEP's index.
 */
static int with_sleep(struct img *m, const struct cryo_image_sleep *s,
		      size_t len, uint16_t minor, int at)
{
	uint32_t head[2];
	int i;

	build_image(m, 0, minor);
	i = find_rec(m, CRYO_REC_THREAD, 0);
	get_payload(m, i, head, sizeof(head));
	head[1] = CRYO_RESTART_BLOCK;
	set_payload(m, i, head, sizeof(head));
	at = at ? at : i + 1;
	edit(m, at, 0, CRYO_REC_SLEEP, s, len);
	return at;
}

/* SLEEP (2.9): its place, size, kind and time. */
void test_sleep(void)
{
	struct cryo_image_sleep s = {
		.tid = 4242, .kind = CRYO_SLEEP_NANOSLEEP,
		.remaining_ns = 6000000000ULL,
	};
	struct cryo_image_sleep bad;
	struct img m;
	int i;

	with_sleep(&m, &s, sizeof(s), CRYO_IMAGE_MINOR, 0);
	ACCEPTED(&m, "SLEEP");
	bad = s;
	bad.kind = CRYO_SLEEP_POLL;
	bad.remaining_ns = (uint64_t)INT32_MAX * 1000000;
	with_sleep(&m, &bad, sizeof(bad), CRYO_IMAGE_MINOR, 0);
	ACCEPTED(&m, "SLEEP of poll, INT_MAX ms");
	i = with_sleep(&m, &s, sizeof(s), 8, 0);
	REFUSED(&m, i, "a SLEEP record in a format 2.8 image", "SLEEP in 2.8");
	bad.remaining_ns += 1;
	i = with_sleep(&m, &bad, sizeof(bad), CRYO_IMAGE_MINOR, 0);
	REFUSED(&m, i, "a remaining time of", "SLEEP of poll, INT_MAX ms + 1 ns");
	bad = s;
	bad.remaining_ns = 1ULL << 63;
	i = with_sleep(&m, &bad, sizeof(bad), CRYO_IMAGE_MINOR, 0);
	REFUSED(&m, i, "a remaining time of", "SLEEP of 2^63 ns");
	bad = s;
	bad.kind = 0;
	i = with_sleep(&m, &bad, sizeof(bad), CRYO_IMAGE_MINOR, 0);
	REFUSED(&m, i, "unknown sleep kind 0", "SLEEP of kind 0");
	bad.kind = 5;
	i = with_sleep(&m, &bad, sizeof(bad), CRYO_IMAGE_MINOR, 0);
	REFUSED(&m, i, "unknown sleep kind 5", "SLEEP of kind 5");
	bad = s;
	bad.tid = 4243;
	i = with_sleep(&m, &bad, sizeof(bad), CRYO_IMAGE_MINOR, 0);
	REFUSED(&m, i, "not right after its THREAD", "SLEEP of another thread");
	/* After the second THREAD, which is in no restartable call. */
	i = find_rec(&m, CRYO_REC_THREAD, 0);
	i = with_sleep(&m, &bad, sizeof(bad), CRYO_IMAGE_MINOR, i + 2);
	REFUSED(&m, i, "not right after its THREAD", "SLEEP of a thread not asleep");
	i = with_sleep(&m, &s, sizeof(s) - 1, CRYO_IMAGE_MINOR, 0);
	REFUSED(&m, i, "shorter than the 16", "SLEEP of 15 bytes");
}

/*
 * GROUPS, AUXV, FS, SIGNALS: contents, order, presence.
 * One piece: a flat list of edits of the reference image, one check each.
 */
void test_process_block(void)
{
	struct cryo_image_signals sig;
	struct cryo_image_fs fs;
	uint64_t pair[2];
	unsigned char *p;
	struct img m;
	int i, len;

	/* Duplicates and order. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_GROUPS, 0);
	edit(&m, i + 1, 0, CRYO_REC_GROUPS, "\1\0\0\0", 4);
	REFUSED(&m, i + 1, "a second GROUPS", "duplicate GROUPS");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_SIGNALS, 0);
	get_payload(&m, i, &sig, sizeof(sig));
	edit(&m, i + 1, 0, CRYO_REC_SIGNALS, &sig, sizeof(sig));
	REFUSED(&m, i + 1, "a second SIGNALS", "duplicate SIGNALS");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_AUXV, 0);
	edit(&m, i + 1, 0, CRYO_REC_GROUPS, "", 0);
	REFUSED(&m, i + 1, "out of order", "GROUPS after AUXV");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_THREAD, 0);
	edit(&m, i + 1, 0, CRYO_REC_FS, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	REFUSED(&m, i + 1, "out of order", "FS between THREADs");

	/* Each is required in an image with threads. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_GROUPS, 0);
	edit(&m, i, 1, 0, NULL, 0);
	REFUSED(&m, find_rec(&m, CRYO_REC_THREAD, 0), "has no GROUPS record",
		"no GROUPS");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_SIGNALS, 0);
	edit(&m, i, 1, 0, NULL, 0);
	REFUSED(&m, i, "has no SIGNALS record", "no SIGNALS");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, 2, 5, 0, NULL, 0);
	REFUSED(&m, 2, "has no PROCESS record (only an image without threads",
		"no process records at all, with threads");

	/* GROUPS: whole ids; none is fine. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_GROUPS, 0);
	replace(&m, i, CRYO_REC_GROUPS, "\1\0\0\0\2\0", 6);
	REFUSED(&m, i, "not a list of at most 65536 group ids", "GROUPS of 6 bytes");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	replace(&m, i, CRYO_REC_GROUPS, "", 0);
	ACCEPTED(&m, "GROUPS without ids");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	p = calloc(65537, 4);
	replace(&m, i, CRYO_REC_GROUPS, p, 65537 * 4);
	free(p);
	REFUSED(&m, i, "at most 65536", "65537 groups");

	/* AUXV: whole pairs, AT_NULL last and only last. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_AUXV, 0);
	len = peek32(m.b.p, m.off[i] + 4);
	p = malloc(len);
	get_payload(&m, i, p, len);
	replace(&m, i, CRYO_REC_AUXV, p, len - 8);
	REFUSED(&m, i, "not a list of (type, value) pairs", "AUXV of %d bytes", len - 8);
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	replace(&m, i, CRYO_REC_AUXV, p, len - 16);
	REFUSED(&m, i, "not AT_NULL", "AUXV without its AT_NULL");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	replace(&m, i, CRYO_REC_AUXV, "", 0);
	REFUSED(&m, i, "not a list of (type, value) pairs", "empty AUXV");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	memset(pair, 0, sizeof(pair));
	memcpy(p + 16, pair, sizeof(pair));
	replace(&m, i, CRYO_REC_AUXV, p, len);
	REFUSED(&m, i, "AT_NULL at pair 2 of 9", "AT_NULL inside AUXV");
	free(p);

	/* FS: the lengths add up, no NULs, reserved zero. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_FS, 0);
	get_payload(&m, i, &fs, sizeof(fs));
	fs.cwd_len++;
	set_payload(&m, i, &fs, sizeof(fs));
	REFUSED(&m, i, "shorter than", "FS lengths too long");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	fs.cwd_len -= 2;
	set_payload(&m, i, &fs, sizeof(fs));
	REFUSED(&m, i, "expected", "FS lengths too short");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	fs.cwd_len++;
	fs.cwd_mode = 1;
	set_payload(&m, i, &fs, sizeof(fs));
	REFUSED(&m, i, "cwd_mode 01 is not a directory's mode", "FS cwd_mode");
	build_image(&m, 0, 7);
	get_payload(&m, i, &fs, sizeof(fs));
	fs.cwd_mode = 040700;
	set_payload(&m, i, &fs, sizeof(fs));
	REFUSED(&m, i, "or before 2.8", "FS cwd_mode in a 2.7 image");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	get_payload(&m, i, &fs, sizeof(fs));
	fs.cwd_mode = 044700;
	set_payload(&m, i, &fs, sizeof(fs));
	REFUSED(&m, i, "is not a directory's mode", "FS cwd_mode of a setgid");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	p = payload(&m, i);
	p[sizeof(fs) + 3] = 0;
	fix_crc(m.b.p, m.off[i]);
	REFUSED(&m, i, "exe path holds a NUL", "NUL in the exe path");

	/* SIGNALS: its exact size; SIGKILL never has a handler. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	i = find_rec(&m, CRYO_REC_SIGNALS, 0);
	get_payload(&m, i, &sig, sizeof(sig));
	replace(&m, i, CRYO_REC_SIGNALS, &sig, sizeof(sig) - 8);
	REFUSED(&m, i, "shorter than", "SIGNALS too short");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	p = calloc(1, sizeof(sig) + 8);
	memcpy(p, &sig, sizeof(sig));
	replace(&m, i, CRYO_REC_SIGNALS, p, sizeof(sig) + 8);
	free(p);
	REFUSED(&m, i, "expected 2064", "SIGNALS too long");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	sig.action[SIGKILL - 1].handler = 0x401000;
	set_payload(&m, i, &sig, sizeof(sig));
	REFUSED(&m, i, "signal 9 has a handler", "SIGKILL caught");

	/* Without threads, the block may be absent, but not in part. */
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x1000, 0x2000, CRYO_VMA_READ, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_trailer(&m);
	ACCEPTED(&m, "no threads, no process records (a layout)");
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_rec(&m, CRYO_REC_PROCESS, zeros, sizeof(struct cryo_image_process), NULL, 0);
	put_block(&m);
	put_files(&m);
	put_trailer(&m);
	ACCEPTED(&m, "no threads, with the process records and files");
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_rec(&m, CRYO_REC_PROCESS, zeros, sizeof(struct cryo_image_process), NULL, 0);
	put_vma(&m, 0x1000, 0x2000, CRYO_VMA_READ, CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_trailer(&m);
	REFUSED(&m, 2, "has no GROUPS record", "no threads, PROCESS alone");
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_rec(&m, CRYO_REC_PROCESS, zeros, sizeof(struct cryo_image_process), NULL, 0);
	put_rec(&m, CRYO_REC_GROUPS, NULL, 0, NULL, 0);
	put_trailer(&m);
	REFUSED(&m, 3, "has no AUXV record", "no threads, PROCESS and GROUPS, then TRAILER");
	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_files(&m);
	put_trailer(&m);
	REFUSED(&m, 1, "has no PROCESS record", "files without the process records");
}

/* Change a field of record @i's payload, at @off; a new checksum. */
static void set32(struct img *m, int i, size_t off, uint32_t v)
{
	poke32(payload(m, i), off, v);
	fix_crc(m->b.p, m->off[i]);
}

static void set64(struct img *m, int i, size_t off, uint64_t v)
{
	memcpy((unsigned char *)payload(m, i) + off, &v, sizeof(v));
	fix_crc(m->b.p, m->off[i]);
}

#define FILE_OFF(field)	offsetof(struct cryo_image_file, field)
#define FD_OFF(field)	offsetof(struct cryo_image_fd, field)
#define DATA_OFF(field)	offsetof(struct cryo_image_file_data, field)

/*
 * FILE, FILE_DATA and FD: ids, data, references, fd order, contents.
 * One piece: a flat list of edits of the reference image, one check each.
 */
void test_files(void)
{
	struct cryo_image_header h;
	struct cryo_image_file_data d = { .id = 3, .offset = REF_UNLINKED };
	struct img m;
	int file[6], f2, f3, fd0, fd4, data, i;

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	for (i = 0; i < 6; i++)
		file[i] = find_rec(&m, CRYO_REC_FILE, i);
	f2 = file[1];
	f3 = file[2];
	fd0 = find_rec(&m, CRYO_REC_FD, 0);
	fd4 = find_rec(&m, CRYO_REC_FD, 4);
	data = find_rec(&m, CRYO_REC_FILE_DATA, 1);	/* file 3, offset 0 */
	free(m.b.p);

	/* FD references. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(file_id), 4);
	REFUSED(&m, fd4, "refers to file 4, but the files so far are 1 to 3",
		"FD of a file not seen yet");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(file_id), 0);
	REFUSED(&m, fd4, "refers to file 0", "FD of file 0");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(file_id), 77);
	REFUSED(&m, fd4, "refers to file 77", "FD of file 77");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, f2 + 2, FD_OFF(file_id), 1);
	REFUSED(&m, f2 + 2, "file 2 is not followed by an FD that refers to it",
		"the FD after FILE 2 refers to file 1");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, fd0, 1, 0, NULL, 0);
	REFUSED(&m, fd0, "file 1 is not followed by an FD", "FILE 1 without its FD");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, find_rec(&m, CRYO_REC_VMA, 0) - 1, 1, 0, NULL, 0);
	REFUSED(&m, find_rec(&m, CRYO_REC_VMA, 0), "file 6 is not followed by an FD",
		"the last FILE without its FD");

	/* fd numbers ascend strictly. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(fd), 3);
	REFUSED(&m, fd4, "fd 3 does not ascend from the previous fd 3", "fd 3 twice");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(fd), 1);
	REFUSED(&m, fd4, "fd 1 does not ascend", "fd 1 after fd 3");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd0, FD_OFF(fd), 0x80000000U);
	REFUSED(&m, fd0, "is not a descriptor", "fd 2^31");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(__reserved), 1);
	REFUSED(&m, fd4, "reserved field", "FD reserved");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, fd4, FD_OFF(flags), 2);
	REFUSED(&m, fd4, "unknown flags 0x2", "FD flags");

	/* FILE ids count from 1. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[2], FILE_OFF(id), 4);
	REFUSED(&m, f3, "FILE id 4, expected 3", "FILE id skips one");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[2], FILE_OFF(id), 2);
	REFUSED(&m, f3, "FILE id 2, expected 3", "FILE id repeated");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[0], FILE_OFF(id), 0);
	REFUSED(&m, fd0 - 1, "FILE id 0, expected 1", "FILE id 0");

	/* FILE_DATA: its file's id, contiguous, exactly data_size. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, data, DATA_OFF(id), 2);
	REFUSED(&m, data, "data of file 2 does not follow", "FILE_DATA of another file");
	build_image(&m, 0, 7);
	set64(&m, data + 1, DATA_OFF(offset), 101);
	REFUSED(&m, data + 1, "at offset 101, expected 100", "FILE_DATA with a gap");
	build_image(&m, 0, 7);
	set64(&m, data, DATA_OFF(offset), 1);
	REFUSED(&m, data, "at offset 1, expected 0", "FILE_DATA not from 0");
	/* Since 2.8 an unlinked file's extents: ascending, inside its size. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, data + 1, DATA_OFF(offset), 99);
	REFUSED(&m, data + 1, "before 100", "FILE_DATA extents overlapping");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, data + 1, DATA_OFF(offset), 101);
	REFUSED(&m, data + 1, "past its size 123", "FILE_DATA extent past the size");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, data + 1, DATA_OFF(offset), ~0ULL - 5);
	REFUSED(&m, data + 1, "past its size 123", "FILE_DATA extent wrapping");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, data + 1, DATA_OFF(__reserved), 1);
	REFUSED(&m, data + 1, "reserved field", "FILE_DATA reserved");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, file[2], FILE_OFF(data_size), 110);
	REFUSED(&m, data + 1, "whose data_size is 110", "FILE_DATA beyond data_size");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, file[2], FILE_OFF(data_size), 130);
	REFUSED(&m, data + 2, "file 3 has 123 of its 130 bytes of data",
		"FILE_DATA short of data_size");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, data, 2, 0, NULL, 0);
	REFUSED(&m, data, "file 3 has 0 of its 123 bytes", "FILE_DATA missing");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, data + 2, 0, CRYO_REC_FILE_DATA, &d, sizeof(d));
	REFUSED(&m, data + 2, "0 bytes of data at offset 123", "empty FILE_DATA");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	{
		unsigned char buf[sizeof(d) + 1] = { 0 };

		memcpy(buf, &d, sizeof(d));
		edit(&m, data + 3, 0, CRYO_REC_FILE_DATA, buf, sizeof(buf));
	}
	REFUSED(&m, data + 3, "data of file 3 does not follow that FILE",
		"FILE_DATA after the FD");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, f2 + 1, 0, CRYO_REC_FILE_DATA, "\2\0\0\0\0\0\0\0\5\0\0\0\0\0\0\0!", 17);
	REFUSED(&m, f2 + 1, "data of file 2 at offset 5, expected 0", "FILE_DATA out of order");

	/* FILE contents. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[1], FILE_OFF(kind), 99);
	REFUSED(&m, f2, "unknown kind 99", "FILE kind 99");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[1], FILE_OFF(flags), 8);
	REFUSED(&m, f2, "flags 0x8", "FILE flags 8");
	/* Since 2.9 on one end of a pipe only, not on both. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[1], FILE_OFF(flags), CRYO_FILE_PIPE_ALONE);
	set32(&m, file[1], FILE_OFF(open_flags), O_RDWR);
	REFUSED(&m, f2, "PIPE_ALONE on a kind", "FILE PIPE_ALONE on both ends");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[1], FILE_OFF(kind), 99);
	set32(&m, file[1], FILE_OFF(flags), 4);
	{
		struct cryo_image_header *hp = payload(&m, 0);

		hp->minor = CRYO_IMAGE_MINOR + 1;
		fix_crc(m.b.p, 0);
	}
	ACCEPTED(&m, "unknown FILE kind and flags in a newer image");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[2], FILE_OFF(mode), S_IFDIR | 0644);
	REFUSED(&m, f3, "is not of the inode type of kind 1", "REG with a directory's mode");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[1], FILE_OFF(flags), CRYO_FILE_UNLINKED);
	REFUSED(&m, f2, "UNLINKED on a file that is not regular", "unlinked pipe");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, file[0], FILE_OFF(data_size), 1);
	REFUSED(&m, fd0 - 1, "1 bytes of data for a file that has none", "data for a CHR");
	/* Since 2.8 a terminal's FILE carries its settings. */
	{
		struct cryo_image_file_data d = { .id = 1 };
		struct cryo_image_tty t = { .ws_row = 24, .ws_col = 80 };
		unsigned char tty[sizeof(d) + sizeof(t)];
		uint16_t minor;

		memcpy(tty, &d, sizeof(d));
		memcpy(tty + sizeof(d), &t, sizeof(t));

		for (minor = 7; minor <= CRYO_IMAGE_MINOR; minor++) {
			build_image(&m, 0, minor);
			set64(&m, file[0], FILE_OFF(rdev), encode_dev(136, 2));
			set64(&m, file[0], FILE_OFF(data_size), sizeof(t));
			edit(&m, file[0] + 1, 0, CRYO_REC_FILE_DATA, &tty, sizeof(tty));
			if (minor < 8) {
				REFUSED(&m, file[0], "68 bytes of data for a file that has none",
					"terminal settings in a 2.7 image");
			} else {
				ACCEPTED(&m, "terminal settings");
			}
		}
		build_image(&m, 0, CRYO_IMAGE_MINOR);
		set64(&m, file[0], FILE_OFF(data_size), sizeof(t));
		edit(&m, file[0] + 1, 0, CRYO_REC_FILE_DATA, &tty, sizeof(tty));
		REFUSED(&m, file[0], "68 bytes of data for a file that has none",
			"terminal settings for /dev/null");
	}
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set64(&m, file[0], FILE_OFF(pipe_id), 5);
	REFUSED(&m, fd0 - 1, "a pipe_id on a file that is not a pipe", "pipe_id on a CHR");
	/* Since 2.9 a pty end names its pair's first FILE; that one has the pair. */
	{
		struct cryo_image_file_data d = { .id = 1 };
		struct cryo_image_pty t = { .to_slave = 0 };
		unsigned char pty[sizeof(d) + sizeof(t)];
		uint16_t minor;

		memcpy(pty, &d, sizeof(d));
		memcpy(pty + sizeof(d), &t, sizeof(t));
		for (minor = 8; minor <= CRYO_IMAGE_MINOR; minor++) {
			build_image(&m, 0, minor);
			set32(&m, file[0], FILE_OFF(kind), CRYO_FILE_PTY_SLAVE);
			set64(&m, file[0], FILE_OFF(rdev), encode_dev(136, 2));
			set64(&m, file[0], FILE_OFF(pipe_id), 1);
			set64(&m, file[0], FILE_OFF(data_size), sizeof(t));
			edit(&m, file[0] + 1, 0, CRYO_REC_FILE_DATA, &pty, sizeof(pty));
			if (minor < 9) {
				REFUSED(&m, file[0], "unknown kind 14",
					"pty slave in a 2.8 image");
			} else {
				ACCEPTED(&m, "a pty pair's first FILE");
			}
		}
		build_image(&m, 0, CRYO_IMAGE_MINOR);
		set32(&m, file[0], FILE_OFF(kind), CRYO_FILE_PTY_SLAVE);
		set64(&m, file[0], FILE_OFF(pipe_id), 2);
		REFUSED(&m, fd0 - 1, "a pseudo-terminal end of pair 2", "pty pair after it");
		build_image(&m, 0, CRYO_IMAGE_MINOR);
		set32(&m, file[0], FILE_OFF(kind), CRYO_FILE_PTY_MASTER);
		set64(&m, file[0], FILE_OFF(pipe_id), 1);
		REFUSED(&m, fd0 - 1, "a pseudo-terminal end of pair 1 with 0 bytes",
			"pty pair's first FILE without its state");
	}
	/* O_PATH (2.8): a link, socket or block device, opened O_PATH. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[0], FILE_OFF(kind), CRYO_FILE_OPATH);
	set32(&m, file[0], FILE_OFF(mode), S_IFLNK | 0777);
	set32(&m, file[0], FILE_OFF(open_flags), O_PATH | O_NOFOLLOW);
	ACCEPTED(&m, "an O_PATH symbolic link");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[0], FILE_OFF(kind), CRYO_FILE_OPATH);
	set32(&m, file[0], FILE_OFF(open_flags), O_PATH);
	REFUSED(&m, fd0 - 1, "an O_PATH file of mode 020", "O_PATH kind of a CHR");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[0], FILE_OFF(kind), CRYO_FILE_OPATH);
	set32(&m, file[0], FILE_OFF(mode), S_IFSOCK | 0755);
	REFUSED(&m, fd0 - 1, "an O_PATH file of mode 0140755", "O_PATH kind without O_PATH");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[0], FILE_OFF(kind), CRYO_FILE_OPATH);
	set32(&m, file[0], FILE_OFF(mode), S_IFBLK | 0600);
	set32(&m, file[0], FILE_OFF(open_flags), O_PATH);
	set64(&m, file[0], FILE_OFF(pipe_id), 5);
	REFUSED(&m, fd0 - 1, "a pipe_id on a file that is not a pipe", "pipe_id on an O_PATH");
	build_image(&m, 0, 7);
	set32(&m, file[0], FILE_OFF(kind), CRYO_FILE_OPATH);
	set32(&m, file[0], FILE_OFF(mode), S_IFLNK | 0777);
	set32(&m, file[0], FILE_OFF(open_flags), O_PATH);
	REFUSED(&m, fd0 - 1, "unknown kind 15", "O_PATH kind in a 2.7 image");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[4], FILE_OFF(flags), 0);
	REFUSED(&m, find_rec(&m, CRYO_REC_FILE, 4), "kind OTHER without the LOST flag",
		"OTHER not LOST");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	get_payload(&m, 0, &h, sizeof(h));
	h.freeze_flags = CRYO_FREEZE_KILL;
	set_payload(&m, 0, &h, sizeof(h));
	REFUSED(&m, file[4], "LOST file in an image taken without ACCEPT_LOSS",
		"LOST without ACCEPT_LOSS");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	((unsigned char *)payload(&m, f3))[sizeof(struct cryo_image_file) + 2] = 0;
	fix_crc(m.b.p, m.off[f3]);
	REFUSED(&m, f3, "the path holds a NUL byte", "NUL in a FILE path");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[2], FILE_OFF(name_len), 7);
	REFUSED(&m, f3, "shorter than", "FILE name_len too long");
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	set32(&m, file[2], FILE_OFF(name_len), 5);
	REFUSED(&m, f3, "expected", "FILE name_len too short");

	/* Files come after the threads and before the VMAs. */
	build_image(&m, 0, CRYO_IMAGE_MINOR);
	edit(&m, find_rec(&m, CRYO_REC_VMA, 0) + 1, 0, CRYO_REC_FD,
	     "\x09\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0", 16);
	REFUSED(&m, find_rec(&m, CRYO_REC_VMA, 0) + 1, "out of order", "FD among the VMAs");
}

/* A record of the largest size, fed by a writer process. */
