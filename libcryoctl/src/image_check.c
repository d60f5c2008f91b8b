// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The image reader's checks of each record, once image.c has read it.
 *
 * What is checked, in this order, for every record:
 *
 *  1. its &struct cryo_rec is complete, and @len <= CRYO_REC_MAX_LEN;
 *  2. the payload is complete;
 *  3. the checksum (cryoctl_record_crc());
 *  4. the reserved word is zero, the type is known (or the image is newer
 *     than us), the payload is as long as its structure says (for the
 *     records followed by names or paths: the structure plus the lengths
 *     it announces, exactly);
 *  5. its place.  The order is
 *
 *	HEADER [TREE SHM*] SECTION* TRAILER, each SECTION being
 *	PROCESS GROUPS AUXV FS SIGNALS (THREAD SLEEP?)* SIGINFO* POSIX_TIMER*
 *	[CPU_ITIMERS]
 *	(FILE FILE_DATA* FD FD*)* VMA* PAGES* SHM_PAGES*
 *
 *     HEADER first and once.  A 2.1 image has one section and no TREE.
 *     A 2.2 image whose header announces threads has a TREE right after
 *     the HEADER (one without threads is a layout, as in 2.1); then each
 *     PROCESS starts the section of the next member of the TREE that is
 *     not a zombie, in the TREE's order, with that member's pid, ppid,
 *     pgid and sid; the ranks start again there.  The TREE: as many
 *     members as the header's nr_processes (1 to
 *     CRYO_IMAGE_MAX_PROCESSES), pids positive and distinct, the root
 *     (index 0) with parent -1 and every other member's parent index
 *     below its own, its ppid the pid of that parent, which is no zombie;
 *     flags known; a zombie with no threads and a wait status (never the
 *     root), a living member with threads and exit code 0; the sharing
 *     flags (SHARES_FILES, SHARES_FS, format 2.4) only on a living member
 *     that is not the root; the threads
 *     add up to the header's nr_threads.  A section holds exactly its
 *     member's nr_threads THREAD records; every living member has one.
 *     The section of a member that shares its parent's fd table has no
 *     FILE, FILE_DATA or FD record; one that shares its parent's
 *     fs_struct has its parent's umask and working directory.
 *     In each section PROCESS, GROUPS, AUXV, FS and SIGNALS (the process
 *     block) at most once each and in that order.  The block is
 *     required when the header announces threads or the image has files;
 *     an image without threads (a layout: HEADER, VMA..., TRAILER) may
 *     lack it, but not hold a part of it.  At most nr_threads THREAD
 *     records, each with the header's fpu_size.
 *     Files: FILE ids are 1, 2, 3 ... in order of appearance; a FILE's
 *     FILE_DATA records follow it directly, carry its id, start at offset
 *     0, are contiguous, not empty, and total exactly its data_size (since
 *     2.8 an unlinked file's are its data extents: ascending, not
 *     overlapping, inside its size); the
 *     first record after them is an FD that refers to that FILE; every FD
 *     refers to a FILE already seen (a dup()ed descriptor may refer to an
 *     earlier one, a descriptor inherited across fork to one of an
 *     earlier section: ids count over the whole image), and fd numbers
 *     strictly ascend over a section.
 *     VMAs ascending and disjoint, page-aligned; PAGES ascending, each run
 *     inside one VMA that is not a [vdso], [vvar] or [vsyscall] and maps
 *     no shared memory object.
 *     Shared memory (format 2.3 on): SHM records right after the TREE,
 *     ids 1, 2, 3 ... in order, each owned by a living member; a VMA's
 *     shm names one of them, with the VMA kind of the object's kind (ANON
 *     for shared anonymous memory, FILE for a System V segment or a
 *     memfd), shared (a memfd's may be private), and for a segment inside
 *     it; a memfd FILE's (2.5) names a memfd; the first VMA or FILE of an
 *     object is in its owner's section; SHM_PAGES only in the owner's section,
 *     after its PAGES, by ascending object id and, for each, ascending
 *     page offset, inside the object;
 *  6. its contents: reserved fields zero; GROUPS a whole number of
 *     __u32 ids (at most NGROUPS_MAX); AUXV whole (type, value) pairs
 *     ending with the only AT_NULL; FS and FILE paths without NUL bytes;
 *     SIGKILL and SIGSTOP at SIG_DFL; fd numbers below 2^31; and, in an
 *     image not newer than us, enumerations and flags known and a FILE
 *     consistent with itself: the inode's type in @mode matches @kind,
 *     UNLINKED only for a regular file, data only for an unlinked regular
 *     file or a pipe or FIFO, a pipe_id only for pipes and FIFOs, kind
 *     OTHER only LOST, and LOST only in an image taken with
 *     CRYO_FREEZE_ACCEPT_LOSS; a SHM of a known kind and known flags,
 *     not empty (but a memfd) nor larger than an address space, a mode of
 *     permission bits only, no key for shared anonymous memory nor for a
 *     removed segment, a memfd's known seals and a name of at most 249
 *     bytes without NUL, no seals nor name for other kinds;
 *  7. for the TRAILER: exactly nr_threads THREAD records were seen, the
 *     last file is complete, every living member of the TREE had its
 *     section, the counts match, and nothing follows it.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/inotify.h>
#include <linux/audit.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "internal.h"
#include "image.h"

/* The kernel's NGROUPS_MAX. */
#define GROUPS_MAX	65536

/*
 * The payload must hold @need bytes; in an image not newer than us it
 * must hold exactly that, newer minors may append fields.
 */
static int check_len(struct cryoctl_image *img, uint64_t need)
{
	if (img->rec.len < need)
		return image_fail(img, -EPROTO, true,
				  "payload of %u bytes is shorter than the %llu it needs",
				  img->rec.len, (unsigned long long)need);
	if (img->minor <= CRYO_IMAGE_MINOR && img->rec.len != need)
		return image_fail(img, -EPROTO, true,
				  "payload of %u bytes, expected %llu", img->rec.len,
				  (unsigned long long)need);
	return 0;
}

/* The process block is whole, or absent from an image without threads. */
static int check_block(struct cryoctl_image *img, int rank)
{
	static const uint32_t types[] = {
		CRYO_REC_PROCESS, CRYO_REC_GROUPS, CRYO_REC_AUXV, CRYO_REC_FS,
		CRYO_REC_SIGNALS,
	};
	unsigned int i;

	img->block_checked = true;
	if (!img->block_seen && !img->nr_threads && rank != CRYO_RANK_FILES)
		return 0;
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		if (img->block_seen & (1U << (CRYO_RANK_PROCESS + i)))
			continue;
		if (img->section >= 0)
			return image_fail(img, -EPROTO, true,
					  "the section of pid %d has no %s record",
					  img->tree[img->section].pid,
					  cryo_rec_name(types[i]));
		return image_fail(img, -EPROTO, true,
					  "the image has no %s record%s",
					  cryo_rec_name(types[i]),
					  img->block_seen ? "" :
					  " (only an image without threads or files may lack the process records)");
	}
	return 0;
}

/* The last FILE is complete: all its data, and an FD referring to it. */
static int close_file(struct cryoctl_image *img, bool fd_follows,
		      uint32_t fd_file_id)
{
	if (!img->file_open)
		return 0;
	img->file_open = false;
	if (img->data_seen != img->data_size)
		return image_fail(img, -EPROTO, true,
				  "file %u has %llu of its %llu bytes of data",
				  img->nr_files, (unsigned long long)img->data_seen,
				  (unsigned long long)img->data_size);
	if (!fd_follows || fd_file_id != img->nr_files)
		return image_fail(img, -EPROTO, true,
				  "file %u is not followed by an FD that refers to it",
				  img->nr_files);
	return 0;
}

static int check_rank(struct cryoctl_image *img, int rank)
{
	int ret;

	if (rank < img->rank)
		return image_fail(img, -EPROTO, true, "out of order");
	if (rank > CRYO_RANK_SIGNALS && !img->block_checked) {
		ret = check_block(img, rank);
		if (ret)
			return ret;
	}
	if (rank > CRYO_RANK_FILES) {
		ret = close_file(img, false, 0);
		if (ret)
			return ret;
	}
	img->rank = rank;
	return 0;
}

/* PROCESS to SIGNALS: in order, and each at most once. */
static int check_once(struct cryoctl_image *img, int rank)
{
	char tmp[24];
	int ret;

	ret = check_rank(img, rank);
	if (ret)
		return ret;
	if (img->block_seen & (1U << rank))
		return image_fail(img, -EPROTO, true, "a second %s record",
				  image_type_name(img->rec.type, tmp, sizeof(tmp)));
	img->block_seen |= 1U << rank;
	return 0;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* The HEADER's size in an image of format 2.@minor. */
static size_t header_size(unsigned int minor)
{
	if (!minor)
		return CRYO_IMAGE_HEADER_SIZE_2_0;
	if (minor == 1)
		return CRYO_IMAGE_HEADER_SIZE_2_1;
	return sizeof(struct cryo_image_header);
}

static int check_header(struct cryoctl_image *img)
{
	const struct cryo_image_header *h = (const void *)img->buf;
	int ret;

	/* Each version's fields up to the boot id: 2.0's are the least. */
	if (img->rec.len < CRYO_IMAGE_HEADER_SIZE_2_0)
		return image_fail(img, -EPROTO, true,
				  "payload of %u bytes is shorter than the %u it needs",
				  img->rec.len, CRYO_IMAGE_HEADER_SIZE_2_0);
	if (memcmp(h->magic, CRYO_IMAGE_MAGIC, sizeof(h->magic)))
		return image_fail(img, -EPROTO, true, "not a cryo image: bad magic");
	if (le16toh(h->major) != CRYO_IMAGE_MAJOR)
		return image_fail(img, -EPROTO, true,
				  "image format %u.%u, this reader knows only %u.x",
				  le16toh(h->major), le16toh(h->minor),
				  CRYO_IMAGE_MAJOR);
	img->minor = le16toh(h->minor);
	/* The boot id came with format 2.1, nr_processes with 2.2. */
	ret = check_len(img, header_size(img->minor));
	if (ret)
		return ret;
	if (le32toh(h->arch) != AUDIT_ARCH_X86_64)
		return image_fail(img, -EPROTO, true,
				  "architecture 0x%08x, only x86-64 (0x%08x) is known",
				  le32toh(h->arch), AUDIT_ARCH_X86_64);
	img->page_size = le32toh(h->page_size);
	if (!is_pow2(img->page_size) || img->page_size < 4096 ||
	    img->page_size > CRYO_REC_MAX_LEN - sizeof(struct cryo_image_pages))
		return image_fail(img, -EPROTO, true, "bad page size %u",
				  img->page_size);
	img->fpu_size = le32toh(h->fpu_size);
	if (img->fpu_size > CRYO_REC_MAX_LEN - sizeof(struct cryo_image_thread))
		return image_fail(img, -EPROTO, true, "bad FPU state size %u",
				  img->fpu_size);
	img->nr_threads = le32toh(h->nr_threads);
	if (img->minor >= 2) {
		img->nr_processes = le32toh(h->nr_processes);
		if (img->nr_processes > CRYO_IMAGE_MAX_PROCESSES)
			return image_fail(img, -EPROTO, true,
					  "%u processes, at most %u are allowed",
					  img->nr_processes, CRYO_IMAGE_MAX_PROCESSES);
		if (img->nr_threads && !img->nr_processes)
			return image_fail(img, -EPROTO, true,
					  "%u threads in no process", img->nr_threads);
		if (img->minor <= CRYO_IMAGE_MINOR && h->__reserved)
			return image_fail(img, -EPROTO, true,
					  "reserved field is not 0");
	}
	memset(&img->hdr, 0, sizeof(img->hdr));
	memcpy(&img->hdr, h, img->rec.len < sizeof(img->hdr) ?
	       img->rec.len : sizeof(img->hdr));
	img->have_header = true;
	return 0;
}

/* One TREE member, @i, against those before it; @m in host byte order. */
static int check_member(struct cryoctl_image *img, uint32_t i,
			const struct cryo_image_member *m)
{
	const struct cryo_image_member *parent;
	bool zombie = m->flags & CRYO_MEMBER_ZOMBIE;
	uint32_t k;

	if (m->pid <= 0)
		return image_fail(img, -EPROTO, true, "member %u has pid %d", i,
				  m->pid);
	for (k = 0; k < i; k++)
		if (img->tree[k].pid == m->pid)
			return image_fail(img, -EPROTO, true,
					  "members %u and %u are both pid %d", k, i,
					  m->pid);
	if (!i && m->parent != -1)
		return image_fail(img, -EPROTO, true,
				  "the root (pid %d) has parent index %d, not -1",
				  m->pid, m->parent);
	if (i && (m->parent < 0 || (uint32_t)m->parent >= i))
		return image_fail(img, -EPROTO, true,
				  "member %u (pid %d) has parent index %d, not one below its own",
				  i, m->pid, m->parent);
	if (img->minor <= CRYO_IMAGE_MINOR && (m->flags & ~CRYO_MEMBER_ALL))
		return image_fail(img, -EPROTO, true,
				  "member %u (pid %d) has unknown flags 0x%x", i,
				  m->pid, m->flags);
	/* Only a living child shares its (living) parent's tables. */
	if ((m->flags & CRYO_MEMBER_SHARES) &&
	    (img->minor < 4 || !i || zombie))
		return image_fail(img, -EPROTO, true,
				  "member %u (pid %d) shares its parent's fd table or fs_struct, but %s",
				  i, m->pid, img->minor < 4 ? "the image is older than 2.4" :
				  i ? "is a zombie" : "is the root");
	if (i) {
		parent = &img->tree[m->parent];
		if (m->ppid != parent->pid)
			return image_fail(img, -EPROTO, true,
					  "member %u (pid %d) has ppid %d, but its parent (member %d) is pid %d",
					  i, m->pid, m->ppid, m->parent, parent->pid);
		if (parent->flags & CRYO_MEMBER_ZOMBIE)
			return image_fail(img, -EPROTO, true,
					  "member %u (pid %d) is the child of a zombie (pid %d)",
					  i, m->pid, parent->pid);
	}
	if (zombie && !i)
		return image_fail(img, -EPROTO, true,
				  "the root (pid %d) is a zombie", m->pid);
	if (zombie && m->nr_threads)
		return image_fail(img, -EPROTO, true,
				  "member %u (pid %d) is a zombie with %u threads",
				  i, m->pid, m->nr_threads);
	if (zombie && (m->exit_code & ~0xffff))
		return image_fail(img, -EPROTO, true,
				  "member %u (pid %d): 0x%x is not a wait status",
				  i, m->pid, m->exit_code);
	if (!zombie && !m->nr_threads)
		return image_fail(img, -EPROTO, true,
				  "member %u (pid %d) is no zombie, but has no threads",
				  i, m->pid);
	if (!zombie && m->exit_code)
		return image_fail(img, -EPROTO, true,
				  "member %u (pid %d) is no zombie, but has exit code %d",
				  i, m->pid, m->exit_code);
	return 0;
}

static int check_tree(struct cryoctl_image *img)
{
	const struct cryo_image_member *raw = (const void *)img->buf;
	struct cryo_image_member *m;
	uint64_t threads = 0;
	uint32_t i, n = img->nr_processes;
	int ret;

	if (img->minor < 2)
		return image_fail(img, -EPROTO, true,
				  "a TREE record in a format %u.%u image",
				  CRYO_IMAGE_MAJOR, img->minor);
	if (img->tree_seen)
		return image_fail(img, -EPROTO, true, "a second TREE");
	ret = check_rank(img, CRYO_RANK_TREE);
	if (ret)
		return ret;
	if (!n)
		return image_fail(img, -EPROTO, true,
				  "a TREE record, but the header announces no processes");
	if (img->rec.len != (uint64_t)n * sizeof(*raw))
		return image_fail(img, -EPROTO, true,
				  "%u bytes are not the %u members the header announces",
				  img->rec.len, n);
	img->tree = calloc(n, sizeof(*img->tree));
	img->fs_sums = calloc(n, sizeof(*img->fs_sums));
	if (!img->tree || !img->fs_sums)
		return image_fail(img, -ENOMEM, true, "out of memory");
	for (i = 0; i < n; i++) {
		m = &img->tree[i];
		m->pid = (int32_t)le32toh(raw[i].pid);
		m->ppid = (int32_t)le32toh(raw[i].ppid);
		m->pgid = (int32_t)le32toh(raw[i].pgid);
		m->sid = (int32_t)le32toh(raw[i].sid);
		m->parent = (int32_t)le32toh(raw[i].parent);
		m->flags = le32toh(raw[i].flags);
		m->nr_threads = le32toh(raw[i].nr_threads);
		m->exit_code = (int32_t)le32toh(raw[i].exit_code);
		ret = check_member(img, i, m);
		if (ret)
			return ret;
		threads += m->nr_threads;
	}
	if (threads != img->nr_threads)
		return image_fail(img, -EPROTO, true,
				  "the members have %llu threads, the header announces %u",
				  (unsigned long long)threads, img->nr_threads);
	img->tree_seen = true;
	return 0;
}

/*
 * A member that shares its parent's fs_struct: its umask and working
 * directory are its parent's (whose section came first).
 */
static int check_fs_shared(struct cryoctl_image *img)
{
	const struct cryo_image_member *m = &img->tree[img->section];
	const struct image_fs_sum *me = &img->fs_sums[img->section];
	const struct image_fs_sum *p;

	if (!(m->flags & CRYO_MEMBER_SHARES_FS))
		return 0;
	p = &img->fs_sums[m->parent];
	if (me->umask != p->umask || me->have_fs != p->have_fs ||
	    me->cwd_len != p->cwd_len || me->cwd_crc != p->cwd_crc)
		return image_fail(img, -EPROTO, true,
				  "pid %d shares the fs_struct of pid %d, but not its umask or working directory",
				  m->pid, img->tree[m->parent].pid);
	return 0;
}

/* A member that shares its parent's fd table has no files of its own. */
static int check_files_owner(struct cryoctl_image *img)
{
	const struct cryo_image_member *m;

	if (!img->tree_seen || img->section < 0)
		return 0;
	m = &img->tree[img->section];
	if (m->flags & CRYO_MEMBER_SHARES_FILES)
		return image_fail(img, -EPROTO, true,
				  "pid %d shares the fd table of pid %d: its section has no files",
				  m->pid, img->tree[m->parent].pid);
	return 0;
}

/* The section being read is complete: its block, its files, its threads. */
static int close_section(struct cryoctl_image *img)
{
	const struct cryo_image_member *m;
	int ret;

	if (img->section < 0)
		return 0;
	m = &img->tree[img->section];
	if (!img->block_checked) {
		ret = check_block(img, CRYO_RANK_VMA);
		if (ret)
			return ret;
	}
	ret = close_file(img, false, 0);
	if (!ret)
		ret = check_fs_shared(img);
	if (ret)
		return ret;
	if (img->section_threads != m->nr_threads)
		return image_fail(img, -EPROTO, true,
				  "the section of pid %d has %u THREAD records, the TREE says %u",
				  m->pid, img->section_threads, m->nr_threads);
	return 0;
}

/* A PROCESS in a tree: close the section before, start the next one. */
static int next_section(struct cryoctl_image *img)
{
	int ret = close_section(img);
	int i;

	if (ret)
		return ret;
	for (i = img->section + 1; i < (int)img->nr_processes; i++)
		if (!(img->tree[i].flags & CRYO_MEMBER_ZOMBIE))
			break;
	if (i == (int)img->nr_processes)
		return image_fail(img, -EPROTO, true,
				  "a section more than the TREE's %u living members",
				  img->nr_sections);
	img->section = i;
	img->nr_sections++;
	img->section_threads = 0;
	img->section_siginfo = 0;
	img->section_timers = 0;
	img->section_itimers = false;
	img->rank = CRYO_RANK_TREE;
	img->block_seen = 0;
	img->block_checked = false;
	img->last_fd = -1;
	img->nr_sec_files = 0;
	img->sec_locks = 0;
	img->sec_epoll = 0;
	img->nr_vmas = 0;
	img->vma_cursor = 0;
	img->pages_end = 0;
	img->shm_last = 0;
	return 0;
}

/*
 * PROCESS 2.0 ends before securebits, 2.1 before pdeath_signal, 2.2 to
 * 2.7 before loginuid.
 */
static size_t process_size(unsigned int minor)
{
	if (!minor)
		return CRYO_IMAGE_PROCESS_SIZE_2_0;
	if (minor == 1)
		return CRYO_IMAGE_PROCESS_SIZE_2_1;
	if (minor < 8)
		return CRYO_IMAGE_PROCESS_SIZE_2_7;
	return sizeof(struct cryo_image_process);
}

/* A section's PROCESS says what the TREE says of its member. */
static int check_process_ids(struct cryoctl_image *img,
			     const struct cryo_image_process *p)
{
	const struct cryo_image_member *m = &img->tree[img->section];
	int32_t pid = (int32_t)le32toh(p->pid), ppid = (int32_t)le32toh(p->ppid);
	int32_t pgid = (int32_t)le32toh(p->pgid), sid = (int32_t)le32toh(p->sid);

	if (pid != m->pid)
		return image_fail(img, -EPROTO, true,
				  "section %u is of pid %d, the TREE's member %d is pid %d",
				  img->nr_sections, pid, img->section, m->pid);
	if (ppid != m->ppid || pgid != m->pgid || sid != m->sid)
		return image_fail(img, -EPROTO, true,
				  "pid %d: ppid %d, pgid %d, sid %d; the TREE says %d, %d, %d",
				  pid, ppid, pgid, sid, m->ppid, m->pgid, m->sid);
	return 0;
}

static int check_process(struct cryoctl_image *img)
{
	const struct cryo_image_process *p = (const void *)img->buf;
	uint32_t flags;
	int ret;

	if (img->tree_seen) {
		ret = next_section(img);
		if (ret)
			return ret;
	}
	ret = check_once(img, CRYO_RANK_PROCESS);
	if (!ret)
		ret = check_len(img, process_size(img->minor));
	if (ret)
		return ret;
	if (img->tree_seen) {
		ret = check_process_ids(img, p);
		if (ret)
			return ret;
		img->fs_sums[img->section].umask = le32toh(p->umask);
	}
	if (img->minor < 2 || img->minor > CRYO_IMAGE_MINOR)
		return 0;
	flags = le32toh(p->flags);
	if (flags & ~(img->minor >= 7 ? CRYO_PROCESS_FLAGS_ALL :
		      CRYO_PROCESS_CHILD_SUBREAPER))
		return image_fail(img, -EPROTO, true, "unknown flags 0x%x", flags);
	if (le32toh(p->pdeath_signal) > 64)
		return image_fail(img, -EPROTO, true,
				  "parent-death signal %u is no signal",
				  le32toh(p->pdeath_signal));
	if (img->minor >= 8 && p->__reserved)
		return image_fail(img, -EPROTO, true, "reserved field is not 0");
	return 0;
}

static int check_groups(struct cryoctl_image *img)
{
	int ret = check_once(img, CRYO_RANK_GROUPS);

	if (ret)
		return ret;
	if (img->rec.len % sizeof(uint32_t) ||
	    img->rec.len > GROUPS_MAX * sizeof(uint32_t))
		return image_fail(img, -EPROTO, true,
				  "%u bytes are not a list of at most %u group ids",
				  img->rec.len, GROUPS_MAX);
	return 0;
}

static int check_auxv(struct cryoctl_image *img)
{
	const unsigned char *p = img->buf;
	uint32_t i, nr = img->rec.len / 16;
	uint64_t type = 0;
	int ret;

	ret = check_once(img, CRYO_RANK_AUXV);
	if (ret)
		return ret;
	if (!nr || img->rec.len % 16)
		return image_fail(img, -EPROTO, true,
				  "%u bytes are not a list of (type, value) pairs",
				  img->rec.len);
	for (i = 0; i < nr; i++) {
		memcpy(&type, p + 16 * i, sizeof(type));
		if (!le64toh(type) && i != nr - 1)
			return image_fail(img, -EPROTO, true,
					  "AT_NULL at pair %u of %u, not at the end",
					  i + 1, nr);
	}
	if (le64toh(type))
		return image_fail(img, -EPROTO, true,
				  "the last pair is of type %llu, not AT_NULL",
				  (unsigned long long)le64toh(type));
	return 0;
}

static int check_no_nul(struct cryoctl_image *img, const void *p, size_t len,
			const char *what)
{
	if (memchr(p, 0, len))
		return image_fail(img, -EPROTO, true, "the %s holds a NUL byte",
				  what);
	return 0;
}

static int check_fs(struct cryoctl_image *img)
{
	const struct cryo_image_fs *f = (const void *)img->buf;
	const unsigned char *path = img->buf + sizeof(*f);
	uint32_t exe, cwd, root;
	int ret;

	ret = check_once(img, CRYO_RANK_FS);
	if (ret)
		return ret;
	if (img->rec.len < sizeof(*f))
		return check_len(img, sizeof(*f));
	exe = le32toh(f->exe_len);
	cwd = le32toh(f->cwd_len);
	root = le32toh(f->root_len);
	ret = check_len(img, sizeof(*f) + (uint64_t)exe + cwd + root);
	if (ret)
		return ret;
	/* Since 2.8 a deleted working directory's mode; before, reserved. */
	if (f->cwd_mode &&
	    (img->minor < 8 || (le32toh(f->cwd_mode) & 0170000) != 0040000 ||
	     (le32toh(f->cwd_mode) & ~0170777U)))
		return image_fail(img, -EPROTO, true,
				  "cwd_mode 0%o is not a directory's mode (or before 2.8)",
				  le32toh(f->cwd_mode));
	ret = check_no_nul(img, path, exe, "exe path");
	if (!ret)
		ret = check_no_nul(img, path + exe, cwd, "working directory");
	if (!ret)
		ret = check_no_nul(img, path + exe + cwd, root, "root directory");
	if (!ret && img->tree_seen && img->section >= 0) {
		struct image_fs_sum *sum = &img->fs_sums[img->section];

		sum->have_fs = true;
		sum->cwd_len = cwd;
		sum->cwd_crc = cryoctl_crc32c(~0U, path + exe, cwd);
	}
	return ret;
}

static int check_signals(struct cryoctl_image *img)
{
	const struct cryo_image_signals *s = (const void *)img->buf;
	static const int fixed[] = { 9, 19 };	/* SIGKILL, SIGSTOP on x86 */
	unsigned int i;
	int ret;

	ret = check_once(img, CRYO_RANK_SIGNALS);
	if (!ret)
		ret = check_len(img, sizeof(*s));
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (s->action[fixed[i] - 1].handler)
			return image_fail(img, -EPROTO, true,
					  "signal %d has a handler, which the kernel never allows",
					  fixed[i]);
	return 0;
}

/* THREAD before 2.7 ends before sched_policy (its FPU state follows). */
static size_t thread_size(unsigned int minor)
{
	return minor >= 7 ? sizeof(struct cryo_image_thread) :
			    CRYO_IMAGE_THREAD_SIZE_2_0;
}

/* Scheduling fields a thread can have (format 2.7). */
static int check_thread_sched(struct cryoctl_image *img,
			      const struct cryo_image_thread *t)
{
	uint32_t policy = le32toh(t->sched_policy), flags = le32toh(t->sched_flags);
	uint32_t prio = le32toh(t->rt_priority);
	int32_t nice = (int32_t)le32toh(t->nice);
	bool rt = policy == 1 || policy == 2;
	uint64_t any = 0;
	unsigned int i;

	if (policy > 5 || policy == 4)
		return image_fail(img, -EPROTO, true,
				  "thread %d: scheduling policy %u",
				  (int32_t)le32toh(t->tid), policy);
	if (flags & ~CRYO_THREAD_SCHED_ALL)
		return image_fail(img, -EPROTO, true,
				  "thread %d: unknown scheduling flags 0x%x",
				  (int32_t)le32toh(t->tid), flags);
	if (nice < -20 || nice > 19)
		return image_fail(img, -EPROTO, true, "thread %d: nice %d",
				  (int32_t)le32toh(t->tid), nice);
	if (rt ? prio < 1 || prio > 99 : prio != 0)
		return image_fail(img, -EPROTO, true,
				  "thread %d: real-time priority %u under policy %u",
				  (int32_t)le32toh(t->tid), prio, policy);
	for (i = 0; i < CRYO_THREAD_MAX_CPUS / 64; i++)
		any |= t->affinity[i];
	if ((flags & CRYO_THREAD_AFFINITY_ALL) ? any != 0 : any == 0)
		return image_fail(img, -EPROTO, true,
				  "thread %d: %s CPU affinity",
				  (int32_t)le32toh(t->tid),
				  any ? "a narrowed and unnarrowed" : "an empty");
	return 0;
}

static int check_thread(struct cryoctl_image *img)
{
	const struct cryo_image_thread *t = (const void *)img->buf;
	uint32_t fpu_size, fmt, restart;
	int ret;

	ret = check_rank(img, CRYO_RANK_THREAD);
	if (ret)
		return ret;
	if (img->rec.len < CRYO_IMAGE_THREAD_SIZE_2_0)
		return check_len(img, CRYO_IMAGE_THREAD_SIZE_2_0);
	fpu_size = le32toh(t->fpu_size);
	if (fpu_size != img->fpu_size)
		return image_fail(img, -EPROTO, true,
				  "FPU state of %u bytes, the header says %u",
				  fpu_size, img->fpu_size);
	ret = check_len(img, thread_size(img->minor) + (uint64_t)fpu_size);
	if (ret)
		return ret;
	/* The I/O priority, since 2.8; the module checks its class and level. */
	if (img->minor < 8 ? t->ioprio != 0 : le32toh(t->ioprio) > 0xffff)
		return image_fail(img, -EPROTO, true, "I/O priority 0x%x",
				  le32toh(t->ioprio));
	if (++img->threads_seen > img->nr_threads)
		return image_fail(img, -EPROTO, true,
				  "more THREAD records than the header's %u",
				  img->nr_threads);
	if (img->section >= 0 &&
	    ++img->section_threads > img->tree[img->section].nr_threads)
		return image_fail(img, -EPROTO, true,
				  "more THREAD records than the %u of pid %d in the TREE",
				  img->tree[img->section].nr_threads,
				  img->tree[img->section].pid);
	if (img->minor > CRYO_IMAGE_MINOR)
		return 0;
	fmt = le32toh(t->fpu_format);
	if (fmt != CRYO_FPU_FXSAVE && fmt != CRYO_FPU_XSAVE)
		return image_fail(img, -EPROTO, true, "unknown FPU format %u", fmt);
	restart = le32toh(t->restart);
	if (restart > CRYO_RESTART_BLOCK)
		return image_fail(img, -EPROTO, true, "unknown restart state %u",
				  restart);
	/* Only such a thread may have a SLEEP record, right after (2.9). */
	if (restart == CRYO_RESTART_BLOCK) {
		img->sleep_after = img->index + 1;
		img->sleep_tid = (int32_t)le32toh(t->tid);
	}
	if (thread_size(img->minor) == sizeof(*t))
		return check_thread_sched(img, t);
	return 0;
}

/*
 * The head of a per-thread record that a format added: its rank, the
 * format since which it exists, and its length (longer from a newer
 * format, whose additions this reader skips).
 */
static int check_thread_rec(struct cryoctl_image *img, const char *name,
			    unsigned int since, size_t size)
{
	int ret = check_rank(img, CRYO_RANK_THREAD);

	if (ret)
		return ret;
	if (img->minor < since)
		return image_fail(img, -EPROTO, true,
				  "a %s record in a format %u.%u image", name,
				  CRYO_IMAGE_MAJOR, img->minor);
	return img->minor > CRYO_IMAGE_MINOR && img->rec.len > size ? 0 :
	       check_len(img, size);
}

/*
 * SLEEP (2.9): right after the THREAD record of its thread, which was
 * stopped in a call continuing through restart_syscall(2); a known kind,
 * a remaining time of at most 2^63 - 1 ns (INT_MAX ms for poll).  That
 * the kind matches the thread's call is checked by a thaw.
 */
static int check_sleep(struct cryoctl_image *img)
{
	const struct cryo_image_sleep *r = (const void *)img->buf;
	uint64_t left;
	uint32_t kind;
	int ret;

	ret = check_thread_rec(img, "SLEEP", 9, sizeof(*r));
	if (ret)
		return ret;
	if (img->sleep_after != img->index ||
	    (int32_t)le32toh(r->tid) != img->sleep_tid)
		return image_fail(img, -EPROTO, true,
				  "a SLEEP record for thread %d not right after its THREAD in a restartable call",
				  (int32_t)le32toh(r->tid));
	kind = le32toh(r->kind);
	left = le64toh(r->remaining_ns);
	if (kind < CRYO_SLEEP_NANOSLEEP || kind > CRYO_SLEEP_FUTEX_WAIT)
		return image_fail(img, -EPROTO, true, "unknown sleep kind %u",
				  kind);
	if (left > INT64_MAX ||
	    (kind == CRYO_SLEEP_POLL && left > (uint64_t)INT32_MAX * 1000000))
		return image_fail(img, -EPROTO, true,
				  "a remaining time of %llu ns",
				  (unsigned long long)left);
	return 0;
}

/*
 * SIGINFO (2.8): after a THREAD of its section, a signal 1 to 64 but
 * SIGKILL and SIGSTOP, reserved words 0, at most CRYO_IMAGE_MAX_SIGINFO
 * in a section.  Its tid is checked against the THREAD records by a thaw.
 */
static int check_siginfo(struct cryoctl_image *img)
{
	const struct cryo_image_siginfo *r = (const void *)img->buf;
	int32_t signo;
	int ret;

	ret = check_thread_rec(img, "SIGINFO", 8, sizeof(*r));
	if (ret)
		return ret;
	if (!img->section_threads)
		return image_fail(img, -EPROTO, true,
				  "a SIGINFO record before any THREAD");
	if (++img->section_siginfo > CRYO_IMAGE_MAX_SIGINFO)
		return image_fail(img, -EPROTO, true,
				  "more than %u SIGINFO records in a section",
				  CRYO_IMAGE_MAX_SIGINFO);
	if (r->__reserved || r->__pad)
		return image_fail(img, -EPROTO, true, "reserved field is not 0");
	signo = (int32_t)le32toh(r->signo);
	if (signo < 1 || signo > 64 || signo == 9 || signo == 19)
		return image_fail(img, -EPROTO, true, "signal %d", signo);
	if ((int32_t)le32toh(r->tid) < 0)
		return image_fail(img, -EPROTO, true, "thread id %d",
				  (int32_t)le32toh(r->tid));
	return 0;
}

/* Ten years, the most a timer of an image may be armed for. */
#define TIMER_MAX_NS	(10ULL * 365 * 86400 * 1000000000ULL)

/*
 * POSIX_TIMER (2.9): after a THREAD of its section and before its
 * CPU_ITIMERS, ids increasing and at most CRYO_IMAGE_MAX_POSIX_TIMER_ID,
 * at most CRYO_IMAGE_MAX_POSIX_TIMERS, a clock and notification a thaw
 * makes, times of at most ten years.  Its tid is checked against the
 * THREAD records by a thaw.
 */
static int check_posix_timer(struct cryoctl_image *img)
{
	const struct cryo_image_posix_timer *r = (const void *)img->buf;
	int32_t id, clock, notify, signo, tid;
	int ret;

	ret = check_thread_rec(img, "POSIX_TIMER", 9, sizeof(*r));
	if (ret)
		return ret;
	if (!img->section_threads || img->section_itimers)
		return image_fail(img, -EPROTO, true,
				  "a POSIX_TIMER record before any THREAD or after CPU_ITIMERS");
	if (++img->section_timers > CRYO_IMAGE_MAX_POSIX_TIMERS)
		return image_fail(img, -EPROTO, true,
				  "more than %u POSIX_TIMER records in a section",
				  CRYO_IMAGE_MAX_POSIX_TIMERS);
	id = (int32_t)le32toh(r->id);
	if (id < 0 || id > CRYO_IMAGE_MAX_POSIX_TIMER_ID ||
	    (img->section_timers > 1 && id <= img->last_timer_id))
		return image_fail(img, -EPROTO, true, "timer id %d", id);
	img->last_timer_id = id;
	if (r->__reserved)
		return image_fail(img, -EPROTO, true, "reserved field is not 0");
	clock = (int32_t)le32toh(r->clock);
	if (clock != 0 && clock != 1 && clock != 7 && clock != 11)
		return image_fail(img, -EPROTO, true, "timer %d: clock %d", id, clock);
	notify = (int32_t)le32toh(r->notify);
	if (notify != 0 && notify != 1 && notify != 2 && notify != 4)
		return image_fail(img, -EPROTO, true, "timer %d: sigev_notify %d",
				  id, notify);
	signo = (int32_t)le32toh(r->signo);
	if (signo < 0 || signo > 64 || (notify != 1 && !signo))
		return image_fail(img, -EPROTO, true, "timer %d: signal %d", id, signo);
	tid = (int32_t)le32toh(r->tid);
	if (notify == 4 ? tid <= 0 : tid != 0)
		return image_fail(img, -EPROTO, true, "timer %d: thread %d", id, tid);
	if (le64toh(r->value_ns) > TIMER_MAX_NS ||
	    le64toh(r->interval_ns) > TIMER_MAX_NS)
		return image_fail(img, -EPROTO, true, "timer %d: more than ten years",
				  id);
	return 0;
}

/* CPU_ITIMERS (2.9): once, after its section's THREADs; ten years at most. */
static int check_cpu_itimers(struct cryoctl_image *img)
{
	const struct cryo_image_cpu_itimers *r = (const void *)img->buf;
	int ret;

	ret = check_thread_rec(img, "CPU_ITIMERS", 9, sizeof(*r));
	if (ret)
		return ret;
	if (!img->section_threads || img->section_itimers)
		return image_fail(img, -EPROTO, true,
				  "a CPU_ITIMERS record before any THREAD, or a second one");
	img->section_itimers = true;
	if (le64toh(r->prof_value_ns) > TIMER_MAX_NS ||
	    le64toh(r->prof_interval_ns) > TIMER_MAX_NS ||
	    le64toh(r->virt_value_ns) > TIMER_MAX_NS ||
	    le64toh(r->virt_interval_ns) > TIMER_MAX_NS)
		return image_fail(img, -EPROTO, true, "an itimer of more than ten years");
	return 0;
}

#define FILE_KNOWN_FLAGS	(CRYO_FILE_UNLINKED | CRYO_FILE_LOST | \
				 CRYO_FILE_PIPE_ALONE)

/* The inode type a FILE of @kind has, 0 when any. */
static uint32_t kind_ifmt(uint32_t kind)
{
	switch (kind) {
	case CRYO_FILE_REG:
	case CRYO_FILE_MEMFD:
		return S_IFREG;
	case CRYO_FILE_DIR:
		return S_IFDIR;
	case CRYO_FILE_CHR:
		return S_IFCHR;
	case CRYO_FILE_PIPE:
	case CRYO_FILE_FIFO:
		return S_IFIFO;
	default:
		return 0;
	}
}

/*
 * A memfd's description names a memfd of the image (a lost one none);
 * the first use of a memfd, a FILE or a VMA, is in its owner's section.
 */
static int check_file_memfd(struct cryoctl_image *img,
			    const struct cryo_image_file *f)
{
	uint64_t id = le64toh(f->shm);
	struct image_shm *o;

	if (le32toh(f->flags) & CRYO_FILE_LOST) {
		if (id)
			return image_fail(img, -EPROTO, true,
					  "a lost memfd names shared memory object %llu",
					  (unsigned long long)id);
		return 0;
	}
	if (!id || id > img->nr_shms ||
	    img->shms[id - 1].kind != CRYO_SHM_MEMFD)
		return image_fail(img, -EPROTO, true,
				  "a memfd's description names shared memory object %llu, which is no memfd of the image",
				  (unsigned long long)id);
	o = &img->shms[id - 1];
	if (!o->mapped && o->owner != (uint32_t)img->section)
		return image_fail(img, -EPROTO, true,
				  "the first use of memfd %llu is in the section of pid %d, but its owner is member %u (pid %d)",
				  (unsigned long long)id, img->tree[img->section].pid,
				  o->owner, img->tree[o->owner].pid);
	o->mapped = true;
	return 0;
}

/* Is a FILE of @kind, not lost, followed by its FILE_STATE (2.8)? */
static bool file_has_state(uint32_t kind)
{
	return kind == CRYO_FILE_EVENTFD || kind == CRYO_FILE_SIGNALFD ||
	       kind == CRYO_FILE_TIMERFD || kind == CRYO_FILE_INOTIFY;
}

/*
 * Since 2.8 a terminal's FILE (a tty major, not O_PATH) carries its
 * settings, a struct cryo_image_tty, as its data.
 */
static bool check_file_tty(const struct cryoctl_image *img,
			   const struct cryo_image_file *f)
{
	uint64_t rdev = le64toh(f->rdev);
	unsigned int major = ((rdev & 0xfff00) >> 8);

	if (le32toh(f->kind) != CRYO_FILE_CHR || img->minor < 8 ||
	    (le32toh(f->open_flags) & O_PATH) ||
	    le64toh(f->data_size) != sizeof(struct cryo_image_tty))
		return false;
	return major == 4 || major == 5 || (major >= 136 && major < 144);
}

/* What a FILE of a known kind says about itself must agree. */
static int check_file_fields(struct cryoctl_image *img,
			     const struct cryo_image_file *f)
{
	uint32_t kind = le32toh(f->kind), flags = le32toh(f->flags);
	uint32_t mode = le32toh(f->mode);
	bool pipe = kind == CRYO_FILE_PIPE || kind == CRYO_FILE_FIFO;
	/* Since 2.9 the ends of a pty pair; the pair's first has its data. */
	bool pty = kind == CRYO_FILE_PTY_MASTER || kind == CRYO_FILE_PTY_SLAVE;

	if (kind < CRYO_FILE_REG ||
	    (kind > CRYO_FILE_TIMERFD && kind != CRYO_FILE_OPATH &&
	     kind != CRYO_FILE_EPOLL && kind != CRYO_FILE_INOTIFY && !pty) ||
	    (kind == CRYO_FILE_INOTIFY && img->minor < 9) ||
	    (pty && img->minor < 9) ||
	    (kind == CRYO_FILE_MEMFD && img->minor < 5) ||
	    (kind > CRYO_FILE_MEMFD && img->minor < 8) ||
	    (kind == CRYO_FILE_EPOLL && img->minor < 9))
		return image_fail(img, -EPROTO, true, "unknown kind %u", kind);
	if (flags & ~FILE_KNOWN_FLAGS)
		return image_fail(img, -EPROTO, true, "unknown flags 0x%x", flags);
	/* Since 2.9: one end of a pipe whose other end was closed. */
	if ((flags & CRYO_FILE_PIPE_ALONE) &&
	    (img->minor < 9 || kind != CRYO_FILE_PIPE ||
	     (le32toh(f->open_flags) & O_ACCMODE) == O_RDWR))
		return image_fail(img, -EPROTO, true,
				  "PIPE_ALONE on a kind %u file opened 0%o", kind,
				  le32toh(f->open_flags) & O_ACCMODE);
	if (kind_ifmt(kind) && (mode & S_IFMT) != kind_ifmt(kind))
		return image_fail(img, -EPROTO, true,
				  "mode 0%o is not of the inode type of kind %u",
				  mode, kind);
	/* Since 2.8 a deleted FIFO or directory is made again too. */
	if ((flags & CRYO_FILE_UNLINKED) && kind != CRYO_FILE_REG &&
	    (img->minor < 8 ||
	     (kind != CRYO_FILE_FIFO && kind != CRYO_FILE_DIR)))
		return image_fail(img, -EPROTO, true,
				  "UNLINKED on a file that is not regular (kind %u)",
				  kind);
	if (kind == CRYO_FILE_OTHER && !(flags & CRYO_FILE_LOST))
		return image_fail(img, -EPROTO, true,
				  "kind OTHER without the LOST flag");
	if ((flags & CRYO_FILE_LOST) &&
	    !(le32toh(img->hdr.freeze_flags) & CRYO_FREEZE_ACCEPT_LOSS))
		return image_fail(img, -EPROTO, true,
				  "a LOST file in an image taken without ACCEPT_LOSS");
	if (pty && (!f->pipe_id || le64toh(f->pipe_id) > le32toh(f->id) ||
		    (le64toh(f->pipe_id) == le32toh(f->id)) !=
		    (le64toh(f->data_size) >= sizeof(struct cryo_image_pty))))
		return image_fail(img, -EPROTO, true,
				  "a pseudo-terminal end of pair %llu with %llu bytes of data",
				  (unsigned long long)le64toh(f->pipe_id),
				  (unsigned long long)le64toh(f->data_size));
	if (f->data_size && !pipe && !pty && !check_file_tty(img, f) &&
	    (!(kind == CRYO_FILE_REG && (flags & CRYO_FILE_UNLINKED)) ||
	     (flags & CRYO_FILE_LOST)))
		return image_fail(img, -EPROTO, true,
				  "%llu bytes of data for a file that has none (kind %u, flags 0x%x)",
				  (unsigned long long)le64toh(f->data_size), kind,
				  flags);
	if (kind == CRYO_FILE_EPOLL && !(flags & CRYO_FILE_LOST)) {
		if (img->nr_epolls == img->epolls_size) {
			size_t size = img->epolls_size ? img->epolls_size * 2 : 16;
			uint32_t *p = realloc(img->epolls, size * sizeof(*p));

			if (!p)
				return image_fail(img, -ENOMEM, true, "out of memory");
			img->epolls = p;
			img->epolls_size = size;
		}
		img->epolls[img->nr_epolls++] = le32toh(f->id);
	}
	if (kind == CRYO_FILE_MEMFD)
		return check_file_memfd(img, f);
	if (kind == CRYO_FILE_OPATH && (!(S_ISLNK(mode) || S_ISSOCK(mode) ||
					  S_ISBLK(mode)) ||
					!(le32toh(f->open_flags) & O_PATH)))
		return image_fail(img, -EPROTO, true,
				  "an O_PATH file of mode 0%o, flags 0x%x",
				  mode, le32toh(f->open_flags));
	if (f->pipe_id && !pipe && !pty)
		return image_fail(img, -EPROTO, true,
				  "a pipe_id on a file that is not a pipe (kind %u)",
				  kind);
	return 0;
}

static int check_file(struct cryoctl_image *img)
{
	const struct cryo_image_file *f = (const void *)img->buf;
	uint32_t id, name_len;
	int ret;

	ret = check_rank(img, CRYO_RANK_FILES);
	if (!ret)
		ret = check_files_owner(img);
	if (!ret)
		ret = close_file(img, false, 0);
	if (ret)
		return ret;
	if (img->rec.len < sizeof(*f))
		return check_len(img, sizeof(*f));
	name_len = le32toh(f->name_len);
	ret = check_len(img, sizeof(*f) + (uint64_t)name_len);
	if (ret)
		return ret;
	id = le32toh(f->id);
	if (id != img->nr_files + 1)
		return image_fail(img, -EPROTO, true,
				  "FILE id %u, expected %u (ids count from 1 in order)",
				  id, img->nr_files + 1);
	ret = check_no_nul(img, img->buf + sizeof(*f), name_len, "path");
	if (ret)
		return ret;
	if (img->minor <= CRYO_IMAGE_MINOR) {
		ret = check_file_fields(img, f);
		if (ret)
			return ret;
	}
	img->nr_files = id;
	img->file_open = true;
	img->state_due = file_has_state(le32toh(f->kind)) &&
			 !(le32toh(f->flags) & CRYO_FILE_LOST);
	img->data_size = le64toh(f->data_size);
	img->data_seen = 0;
	img->data_sparse = img->minor >= 8 &&
			   le32toh(f->kind) == CRYO_FILE_REG &&
			   (le32toh(f->flags) & CRYO_FILE_UNLINKED);
	img->data_next = 0;
	img->file_size = le64toh(f->size);
	return 0;
}

static int check_file_data(struct cryoctl_image *img)
{
	const struct cryo_image_file_data *d = (const void *)img->buf;
	uint64_t offset, bytes;
	uint32_t id;
	int ret;

	ret = check_rank(img, CRYO_RANK_FILES);
	if (!ret)
		ret = check_files_owner(img);
	if (ret)
		return ret;
	if (img->rec.len < sizeof(*d))
		return check_len(img, sizeof(*d));
	if (d->__reserved)
		return image_fail(img, -EPROTO, true, "reserved field is not 0");
	id = le32toh(d->id);
	offset = le64toh(d->offset);
	bytes = img->rec.len - sizeof(*d);
	if (!img->file_open || id != img->nr_files)
		return image_fail(img, -EPROTO, true,
				  "data of file %u does not follow that FILE or its data",
				  id);
	if (img->data_sparse &&
	    (offset < img->data_next || offset > img->file_size ||
	     bytes > img->file_size - offset))
		return image_fail(img, -EPROTO, true,
				  "data of file %u at offset %llu (%llu bytes): before %llu or past its size %llu",
				  id, (unsigned long long)offset,
				  (unsigned long long)bytes,
				  (unsigned long long)img->data_next,
				  (unsigned long long)img->file_size);
	if (!img->data_sparse && offset != img->data_seen)
		return image_fail(img, -EPROTO, true,
				  "data of file %u at offset %llu, expected %llu",
				  id, (unsigned long long)offset,
				  (unsigned long long)img->data_seen);
	if (!bytes || bytes > img->data_size - img->data_seen)
		return image_fail(img, -EPROTO, true,
				  "%llu bytes of data at offset %llu of file %u, whose data_size is %llu",
				  (unsigned long long)bytes,
				  (unsigned long long)offset, id,
				  (unsigned long long)img->data_size);
	img->data_seen += bytes;
	img->data_next = offset + bytes;
	return 0;
}

static int check_fd(struct cryoctl_image *img)
{
	const struct cryo_image_fd *f = (const void *)img->buf;
	uint32_t fd, file_id, flags;
	int ret;

	ret = check_rank(img, CRYO_RANK_FILES);
	if (!ret)
		ret = check_files_owner(img);
	if (!ret)
		ret = check_len(img, sizeof(*f));
	if (ret)
		return ret;
	fd = le32toh(f->fd);
	file_id = le32toh(f->file_id);
	flags = le32toh(f->flags);
	ret = close_file(img, true, file_id);
	if (ret)
		return ret;
	if (f->__reserved)
		return image_fail(img, -EPROTO, true, "reserved field is not 0");
	if (img->minor <= CRYO_IMAGE_MINOR && (flags & ~CRYO_FD_CLOEXEC))
		return image_fail(img, -EPROTO, true, "unknown flags 0x%x", flags);
	if (!file_id || file_id > img->nr_files)
		return image_fail(img, -EPROTO, true,
				  "fd %u refers to file %u, but the files so far are 1 to %u",
				  fd, file_id, img->nr_files);
	if (fd > INT32_MAX)
		return image_fail(img, -EPROTO, true, "fd %u is not a descriptor", fd);
	if ((int64_t)fd <= img->last_fd)
		return image_fail(img, -EPROTO, true,
				  "fd %u does not ascend from the previous fd %lld",
				  fd, (long long)img->last_fd);
	if (img->sec_locks)
		return image_fail(img, -EPROTO, true,
				  "fd %u comes after a LOCK record", fd);
	if (img->sec_epoll)
		return image_fail(img, -EPROTO, true,
				  "fd %u comes after an EPOLL_ITEM record", fd);
	img->last_fd = fd;
	if (img->nr_sec_files == img->sec_files_size) {
		size_t size = img->sec_files_size ? img->sec_files_size * 2 : 64;
		uint32_t *p = realloc(img->sec_files, size * sizeof(*p));

		if (!p)
			return image_fail(img, -ENOMEM, true, "out of memory");
		img->sec_files = p;
		p = realloc(img->sec_fdnums, size * sizeof(*p));
		if (!p)
			return image_fail(img, -ENOMEM, true, "out of memory");
		img->sec_fdnums = p;
		img->sec_files_size = size;
	}
	img->sec_fdnums[img->nr_sec_files] = fd;
	img->sec_files[img->nr_sec_files++] = file_id;
	return 0;
}

/* A LOCK (2.6): after its section's FDs, on a description one of them has. */
/* A FILE_STATE (2.8): right after the FILE of its description. */
static int check_file_state(struct cryoctl_image *img)
{
	const struct cryo_image_file_state *s = (const void *)img->buf;
	uint32_t kind, flags;
	uint64_t a[6];
	unsigned int i;
	int ret;

	ret = check_rank(img, CRYO_RANK_FILES);
	if (ret)
		return ret;
	if (img->minor < 8)
		return image_fail(img, -EPROTO, true,
				  "a FILE_STATE record in a format 2.%u image", img->minor);
	ret = check_len(img, sizeof(*s));
	if (ret)
		return ret;
	kind = le32toh(s->kind);
	flags = le32toh(s->flags);
	for (i = 0; i < 6; i++)
		a[i] = le64toh(s->args[i]);
	if (!img->state_due || le32toh(s->id) != img->nr_files)
		return image_fail(img, -EPROTO, true,
				  "FILE_STATE %u does not follow the FILE of a description that has one",
				  le32toh(s->id));
	img->state_due = false;
	if (s->__reserved)
		return image_fail(img, -EPROTO, true, "reserved field not zero");
	if (img->minor > CRYO_IMAGE_MINOR)
		return 0;
	switch (kind) {
	case CRYO_FILE_EVENTFD:
		if ((flags & ~CRYO_EVENTFD_SEMAPHORE) || a[0] == UINT64_MAX ||
		    a[1] || a[2] || a[3] || a[4] || a[5])
			return image_fail(img, -EPROTO, true,
					  "eventfd %u: bad flags 0x%x or count %llu",
					  img->nr_files, flags, (unsigned long long)a[0]);
		break;
	case CRYO_FILE_SIGNALFD:
		/* Bits of SIGKILL (9) and SIGSTOP (19): a signalfd never has them. */
		if (flags || (a[0] & ((1ULL << 8) | (1ULL << 18))) || a[1] ||
		    a[2] || a[3] || a[4] || a[5])
			return image_fail(img, -EPROTO, true,
					  "signalfd %u: bad mask 0x%llx",
					  img->nr_files, (unsigned long long)a[0]);
		break;
	case CRYO_FILE_TIMERFD:
		/* CLOCK_REALTIME 0, CLOCK_MONOTONIC 1, CLOCK_BOOTTIME 7. */
		if (flags || (a[0] != 0 && a[0] != 1 && a[0] != 7) ||
		    (a[1] & ~1ULL) || a[2] > INT64_MAX || a[3] > INT64_MAX ||
		    a[5])
			return image_fail(img, -EPROTO, true,
					  "timerfd %u: bad clock %llu, flags 0x%llx or times",
					  img->nr_files, (unsigned long long)a[0],
					  (unsigned long long)a[1]);
		break;
	case CRYO_FILE_INOTIFY:
		if (flags || a[0] > CRYO_INOTIFY_WATCHES_MAX || a[1] || a[2] ||
		    a[3] || a[4] || a[5])
			return image_fail(img, -EPROTO, true,
					  "inotify %u: bad flags 0x%x or %llu watches",
					  img->nr_files, flags, (unsigned long long)a[0]);
		img->watches_due = a[0];
		img->last_wd = 0;
		break;
	default:
		return image_fail(img, -EPROTO, true,
				  "FILE_STATE %u of kind %u", img->nr_files, kind);
	}
	return 0;
}

/* An INOTIFY_WATCH (2.9): after its inotify's FILE_STATE, ascending. */
static int check_inotify_watch(struct cryoctl_image *img)
{
	const struct cryo_image_inotify_watch *w = (const void *)img->buf;
	const uint32_t masks = IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK;
	uint32_t name_len, mask;
	int32_t wd;
	int ret;

	ret = check_rank(img, CRYO_RANK_FILES);
	if (ret)
		return ret;
	if (img->minor < 9)
		return image_fail(img, -EPROTO, true,
				  "an INOTIFY_WATCH record in a format 2.%u image", img->minor);
	if (img->rec.len < sizeof(*w))
		return image_fail(img, -EPROTO, true, "bad length %u", img->rec.len);
	name_len = le32toh(w->name_len);
	if (!name_len || name_len >= 4096 || img->rec.len != sizeof(*w) + name_len)
		return image_fail(img, -EPROTO, true, "bad length %u (path of %u bytes)",
				  img->rec.len, name_len);
	if (!img->watches_due || le32toh(w->id) != img->nr_files)
		return image_fail(img, -EPROTO, true,
				  "INOTIFY_WATCH %u is not one of the inotify before it",
				  le32toh(w->id));
	img->watches_due--;
	wd = (int32_t)le32toh(w->wd);
	mask = le32toh(w->mask);
	if (w->__reserved || w->__reserved2)
		return image_fail(img, -EPROTO, true, "reserved field not zero");
	if (wd <= img->last_wd || wd > CRYO_INOTIFY_WD_MAX || (mask & ~masks))
		return image_fail(img, -EPROTO, true,
				  "inotify %u: watch %d (mask 0x%x): bad descriptor or mask",
				  img->nr_files, wd, mask);
	img->last_wd = wd;
	if (memchr(w + 1, '\0', name_len) || ((const char *)(w + 1))[0] != '/')
		return image_fail(img, -EPROTO, true,
				  "inotify %u: watch %d: not an absolute path",
				  img->nr_files, wd);
	return 0;
}

static int check_lock(struct cryoctl_image *img)
{
	const struct cryo_image_lock *l = (const void *)img->buf;
	uint32_t file_id, kind, type;
	uint64_t start, end;
	size_t i;
	int ret;

	if (img->minor < 6)
		return image_fail(img, -EPROTO, true,
				  "a LOCK record in a format 2.%u image", img->minor);
	ret = check_rank(img, CRYO_RANK_FILES);
	if (!ret)
		ret = check_len(img, sizeof(*l));
	if (!ret)
		ret = close_file(img, false, 0);
	if (ret)
		return ret;
	file_id = le32toh(l->file_id);
	kind = le32toh(l->kind);
	type = le32toh(l->type);
	start = le64toh(l->start);
	end = le64toh(l->end);
	if (l->__reserved)
		return image_fail(img, -EPROTO, true, "reserved field is not 0");
	if (kind < CRYO_LOCK_POSIX || kind > CRYO_LOCK_FLOCK)
		return image_fail(img, -EPROTO, true, "unknown lock kind %u", kind);
	if (type != CRYO_LOCK_READ && type != CRYO_LOCK_WRITE)
		return image_fail(img, -EPROTO, true, "unknown lock type %u", type);
	if (start > end || end > CRYO_LOCK_EOF ||
	    (kind == CRYO_LOCK_FLOCK && (start || end != CRYO_LOCK_EOF)))
		return image_fail(img, -EPROTO, true,
				  "bad lock range %llu-%llu",
				  (unsigned long long)start,
				  (unsigned long long)end);
	for (i = 0; i < img->nr_sec_files; i++)
		if (img->sec_files[i] == file_id)
			break;
	if (i == img->nr_sec_files)
		return image_fail(img, -EPROTO, true,
				  "a lock on file %u, which no fd of this process has",
				  file_id);
	if (img->sec_epoll)
		return image_fail(img, -EPROTO, true,
				  "a LOCK record after an EPOLL_ITEM record");
	if (++img->sec_locks > 4096)
		return image_fail(img, -EPROTO, true, "more than 4096 locks");
	return 0;
}

/* The epoll_ctl(2) bits an EPOLL_ITEM may hold (fs/eventpoll.c). */
#define EPOLL_ERRHUP	0x18u
#define EPOLL_PRIVATE	0xf0000000u	/* EXCLUSIVE, WAKEUP, ONESHOT, ET */
#define EPOLL_EXCL	0x10000000u
#define EPOLL_ONESHOT	0x40000000u
#define EPOLL_EXCL_OK	(0x1du | 0xb0000000u)	/* IN OUT ERR HUP, WAKEUP ET EXCLUSIVE */

/* The section's fd @fd names FILE @id? */
static bool sec_fd_is(const struct cryoctl_image *img, uint32_t fd, uint32_t id)
{
	size_t i;

	for (i = 0; i < img->nr_sec_files; i++)
		if (img->sec_fdnums[i] == fd)
			return img->sec_files[i] == id;
	return false;
}

/* An EPOLL_ITEM (2.9): an epoll and its target at fds of the section. */
static int check_epoll_item(struct cryoctl_image *img)
{
	const struct cryo_image_epoll_item *e = (const void *)img->buf;
	uint32_t epoll_id, target_id, tfd, events;
	size_t i;
	int ret;

	if (img->minor < 9)
		return image_fail(img, -EPROTO, true,
				  "an EPOLL_ITEM record in a format 2.%u image",
				  img->minor);
	ret = check_rank(img, CRYO_RANK_FILES);
	if (!ret)
		ret = check_files_owner(img);
	if (!ret)
		ret = check_len(img, sizeof(*e));
	if (!ret)
		ret = close_file(img, false, 0);
	if (ret)
		return ret;
	epoll_id = le32toh(e->epoll_id);
	target_id = le32toh(e->target_id);
	tfd = le32toh(e->tfd);
	events = le32toh(e->events);
	for (i = 0; i < img->nr_epolls; i++)
		if (img->epolls[i] == epoll_id)
			break;
	if (i == img->nr_epolls)
		return image_fail(img, -EPROTO, true,
				  "an item of file %u, which is no epoll of the image",
				  epoll_id);
	for (i = 0; i < img->nr_sec_files; i++)
		if (img->sec_files[i] == epoll_id)
			break;
	if (i == img->nr_sec_files)
		return image_fail(img, -EPROTO, true,
				  "an item of epoll %u, which no fd of this process has",
				  epoll_id);
	if (target_id == epoll_id || !sec_fd_is(img, tfd, target_id))
		return image_fail(img, -EPROTO, true,
				  "epoll %u watches file %u at fd %u, but this process's fd %u is not that file",
				  epoll_id, target_id, tfd, tfd);
	if ((events & ~CRYO_EPOLL_EVENTS) ||
	    ((events & EPOLL_EXCL) && (events & ~EPOLL_EXCL_OK)) ||
	    ((events & ~EPOLL_PRIVATE) ?
	     (events & EPOLL_ERRHUP) != EPOLL_ERRHUP : !(events & EPOLL_ONESHOT)))
		return image_fail(img, -EPROTO, true,
				  "epoll %u: bad events 0x%x for fd %u",
				  epoll_id, events, tfd);
	img->sec_epoll++;
	return 0;
}

static int add_vma(struct cryoctl_image *img, uint64_t start, uint64_t end,
		   uint32_t kind, uint32_t shm)
{
	struct vma_span *p;
	size_t size;

	if (img->nr_vmas == img->vmas_size) {
		size = img->vmas_size ? img->vmas_size * 2 : 64;
		p = realloc(img->vmas, size * sizeof(*p));
		if (!p)
			return image_fail(img, -ENOMEM, true, "out of memory");
		img->vmas = p;
		img->vmas_size = size;
	}
	img->vmas[img->nr_vmas].start = start;
	img->vmas[img->nr_vmas].end = end;
	img->vmas[img->nr_vmas].kind = kind;
	img->vmas[img->nr_vmas].shm = shm;
	img->nr_vmas++;
	return 0;
}

#define VMA_KNOWN_FLAGS	(((uint32_t)CRYO_VMA_MAYSHARE << 1) - 1)

/* The VMA kind the mappings of a shared memory object of @kind have. */
static uint32_t shm_vma_kind(uint32_t kind)
{
	return kind == CRYO_SHM_ANON ? CRYO_VMA_ANON : CRYO_VMA_FILE;
}

/* A VMA that maps shared memory object v->shm (format 2.3). */
static int check_vma_shm(struct cryoctl_image *img, const struct cryo_image_vma *v,
			 uint32_t kind, uint32_t flags)
{
	uint32_t id = le32toh(v->shm);
	uint64_t len = le64toh(v->end) - le64toh(v->start);
	uint64_t pgoff = le64toh(v->pgoff);
	struct image_shm *o;

	if (!id || id > img->nr_shms)
		return image_fail(img, -EPROTO, true,
				  "0x%llx-0x%llx maps shared memory object %u, but the objects are 1 to %u",
				  (unsigned long long)le64toh(v->start),
				  (unsigned long long)le64toh(v->end), id, img->nr_shms);
	o = &img->shms[id - 1];
	/* Its owner is the first member that maps it: its pages follow. */
	if (!o->mapped && o->owner != (uint32_t)img->section)
		return image_fail(img, -EPROTO, true,
				  "the first mapping of shared memory object %u is in the section of pid %d, but its owner is member %u (pid %d)",
				  id, img->tree[img->section].pid, o->owner,
				  img->tree[o->owner].pid);
	o->mapped = true;
	if (img->minor > CRYO_IMAGE_MINOR || o->kind > CRYO_SHM_MEMFD)
		return 0;
	/* A memfd may be mapped privately: its pages are the object's. */
	if (kind != shm_vma_kind(o->kind) ||
	    (o->kind != CRYO_SHM_MEMFD &&
	     !(flags & (CRYO_VMA_SHARED | CRYO_VMA_MAYSHARE))))
		return image_fail(img, -EPROTO, true,
				  "0x%llx-0x%llx (kind %u, flags 0x%x) maps shared memory object %u of kind %u: not a shared mapping of kind %u",
				  (unsigned long long)le64toh(v->start),
				  (unsigned long long)le64toh(v->end), kind, flags, id,
				  o->kind, shm_vma_kind(o->kind));
	/*
	 * shmat() maps a whole segment, and only munmap() makes a part of
	 * it: a mapping never reaches past its end.  (Shared anonymous
	 * memory may: mremap() grows the mapping, not the object.)
	 */
	if (o->kind == CRYO_SHM_SYSV &&
	    (pgoff / img->page_size > o->nr_pages ||
	     len / img->page_size > o->nr_pages - pgoff / img->page_size))
		return image_fail(img, -EPROTO, true,
				  "0x%llx-0x%llx at offset %llu maps past the end of System V segment %u (%llu pages)",
				  (unsigned long long)le64toh(v->start),
				  (unsigned long long)le64toh(v->end),
				  (unsigned long long)pgoff, id,
				  (unsigned long long)o->nr_pages);
	return 0;
}

/*
 * VMA_FILE (2.9): right after a VMA of a file, naming a FILE already
 * read.  The module checks that FILE's kind and identity.
 */
static int check_vma_file(struct cryoctl_image *img)
{
	const struct cryo_image_vma_file *r = (const void *)img->buf;
	int ret;

	ret = check_rank(img, CRYO_RANK_VMA);
	if (!ret)
		ret = check_len(img, sizeof(*r));
	if (ret)
		return ret;
	if (img->minor < 9 || r->__reserved)
		return image_fail(img, -EPROTO, true,
				  "VMA_FILE in a format %u.%u image, or reserved field not 0",
				  CRYO_IMAGE_MAJOR, img->minor);
	if (!img->nr_vmas ||
	    img->vmas[img->nr_vmas - 1].start != le64toh(r->start) ||
	    img->vmas[img->nr_vmas - 1].kind != CRYO_VMA_FILE)
		return image_fail(img, -EPROTO, true,
				  "VMA_FILE 0x%llx: not right after its file mapping",
				  (unsigned long long)le64toh(r->start));
	if (!r->file_id || le32toh(r->file_id) > img->nr_files)
		return image_fail(img, -EPROTO, true,
				  "VMA_FILE 0x%llx names FILE %u, but the files are 1 to %u",
				  (unsigned long long)le64toh(r->start),
				  le32toh(r->file_id), img->nr_files);
	return 0;
}

static int check_vma(struct cryoctl_image *img)
{
	const struct cryo_image_vma *v = (const void *)img->buf;
	uint64_t start, end, mask = img->page_size - 1;
	uint32_t kind, flags;
	int ret;

	ret = check_rank(img, CRYO_RANK_VMA);
	if (ret)
		return ret;
	if (img->rec.len < sizeof(*v))
		return check_len(img, sizeof(*v));
	ret = check_len(img, sizeof(*v) + (uint64_t)le32toh(v->name_len));
	if (ret)
		return ret;
	start = le64toh(v->start);
	end = le64toh(v->end);
	if (start >= end || (start & mask) || (end & mask))
		return image_fail(img, -EPROTO, true,
				  "bad bounds 0x%llx-0x%llx", (unsigned long long)start,
				  (unsigned long long)end);
	if (img->nr_vmas && start < img->vmas[img->nr_vmas - 1].end)
		return image_fail(img, -EPROTO, true,
				  "0x%llx-0x%llx overlaps or precedes the previous VMA",
				  (unsigned long long)start, (unsigned long long)end);
	if (img->minor < 3 && v->shm)
		return image_fail(img, -EPROTO, true, "reserved field is not 0");
	kind = le32toh(v->kind);
	flags = le32toh(v->flags);
	if (img->minor <= CRYO_IMAGE_MINOR &&
	    (kind > CRYO_VMA_SPECIAL || (flags & ~VMA_KNOWN_FLAGS)))
		return image_fail(img, -EPROTO, true,
				  "unknown kind %u or flags 0x%x", kind, flags);
	if (v->shm) {
		ret = check_vma_shm(img, v, kind, flags);
		if (ret)
			return ret;
	}
	return add_vma(img, start, end, kind, le32toh(v->shm));
}

/*
 * A PAGES or SHM_PAGES record: @nr pages follow its @hdr bytes, whole,
 * and nothing else (in an image not newer than us).
 */
static int check_page_run(struct cryoctl_image *img, size_t hdr, uint64_t nr)
{
	uint64_t room = (img->rec.len - hdr) / img->page_size;

	if (!nr || nr > room)
		return image_fail(img, -EPROTO, true,
				  "%llu pages do not fit in %u bytes",
				  (unsigned long long)nr, img->rec.len);
	return check_len(img, hdr + nr * img->page_size);
}

static int check_pages(struct cryoctl_image *img)
{
	const struct cryo_image_pages *p = (const void *)img->buf;
	uint64_t addr, nr, end;
	const struct vma_span *v;
	int ret;

	ret = check_rank(img, CRYO_RANK_PAGES);
	if (ret)
		return ret;
	if (img->shm_last)
		return image_fail(img, -EPROTO, true,
				  "out of order: PAGES after the section's SHM_PAGES");
	if (img->rec.len < sizeof(*p))
		return check_len(img, sizeof(*p));
	addr = le64toh(p->addr);
	nr = le64toh(p->nr_pages);
	ret = check_page_run(img, sizeof(*p), nr);
	if (ret)
		return ret;
	end = addr + nr * img->page_size;
	if ((addr & (img->page_size - 1)) || end < addr)
		return image_fail(img, -EPROTO, true, "bad address 0x%llx",
				  (unsigned long long)addr);
	if (addr < img->pages_end)
		return image_fail(img, -EPROTO, true,
				  "pages at 0x%llx overlap or precede the previous PAGES",
				  (unsigned long long)addr);
	while (img->vma_cursor < img->nr_vmas &&
	       img->vmas[img->vma_cursor].end <= addr)
		img->vma_cursor++;
	v = img->vma_cursor < img->nr_vmas ? &img->vmas[img->vma_cursor] : NULL;
	if (!v || addr < v->start || end > v->end)
		return image_fail(img, -EPROTO, true,
				  "pages 0x%llx-0x%llx are not inside one VMA",
				  (unsigned long long)addr, (unsigned long long)end);
	if (v->kind == CRYO_VMA_VDSO || v->kind == CRYO_VMA_VVAR ||
	    v->kind == CRYO_VMA_VSYSCALL)
		return image_fail(img, -EPROTO, true,
				  "pages 0x%llx-0x%llx of a [vdso], [vvar] or [vsyscall], which are never saved",
				  (unsigned long long)addr, (unsigned long long)end);
	if (v->shm)
		return image_fail(img, -EPROTO, true,
				  "pages 0x%llx-0x%llx of a mapping of shared memory object %u, whose pages are its SHM_PAGES",
				  (unsigned long long)addr, (unsigned long long)end, v->shm);
	img->pages_end = end;
	img->nr_pages += nr;
	return 0;
}

/*
 * No object is larger than x86-64's user address space, which maps it;
 * but a memfd, whose size ftruncate(2) sets, up to MAX_LFS_FILESIZE.
 */
#define SHM_SIZE_MAX	0x800000000000ULL
#define MEMFD_SIZE_MAX	0x7fffffffffffffffULL

/* What a SHM of an image not newer than us says about itself must agree. */
static int check_shm_fields(struct cryoctl_image *img, const struct cryo_image_shm *o,
			    uint32_t id)
{
	uint32_t kind = le32toh(o->kind), flags = le32toh(o->flags);
	uint32_t mode = le32toh(o->mode), seals = le32toh(o->seals);
	uint32_t name_len = le32toh(o->name_len);
	int32_t key = (int32_t)le32toh(o->key);

	if (kind > CRYO_SHM_MEMFD || (kind == CRYO_SHM_MEMFD && img->minor < 5))
		return image_fail(img, -EPROTO, true, "unknown kind %u", kind);
	if (flags & ~CRYO_SHM_ALL)
		return image_fail(img, -EPROTO, true, "unknown flags 0x%x", flags);
	if (o->__reserved)
		return image_fail(img, -EPROTO, true, "reserved field is not 0");
	if (mode & ~0777U)
		return image_fail(img, -EPROTO, true,
				  "shared memory object %u has mode 0%o, more than permission bits",
				  id, mode);
	if (kind == CRYO_SHM_ANON && (key || flags))
		return image_fail(img, -EPROTO, true,
				  "shared anonymous memory %u has key 0x%08x or flags 0x%x, which only System V segments have",
				  id, (uint32_t)key, flags);
	/* IPC_RMID makes a segment's key IPC_PRIVATE. */
	if ((flags & CRYO_SHM_REMOVED) && key)
		return image_fail(img, -EPROTO, true,
				  "System V segment %u is removed but keeps key 0x%08x",
				  id, (uint32_t)key);
	if (kind != CRYO_SHM_MEMFD && (seals || name_len))
		return image_fail(img, -EPROTO, true,
				  "shared memory object %u of kind %u has seals 0x%x or a name, which only memfds have",
				  id, kind, seals);
	if (kind != CRYO_SHM_MEMFD)
		return 0;
	if (key || flags || o->shmid || o->uid || o->gid)
		return image_fail(img, -EPROTO, true,
				  "memfd %u has a key, flags, id or owner, which only System V segments have",
				  id);
	if (seals & ~(uint32_t)CRYO_SEAL_ALL)
		return image_fail(img, -EPROTO, true,
				  "memfd %u has unknown seals 0x%x", id, seals);
	if (name_len > CRYO_MEMFD_NAME_MAX)
		return image_fail(img, -EPROTO, true,
				  "memfd %u has a name of %u bytes, more than %u", id,
				  name_len, CRYO_MEMFD_NAME_MAX);
	/* Only in a 2.5 record, after the whole structure. */
	return check_no_nul(img, img->buf + sizeof(*o), name_len, "memfd name");
}

/* A SHM: between the TREE and the first section, ids in order. */
static int check_shm(struct cryoctl_image *img)
{
	/* A 2.3 or 2.4 record ends before the seals: zeroes. */
	struct cryo_image_shm *o = &img->shm_rec;
	uint32_t id, owner, kind;
	struct image_shm *p;
	uint64_t size, len;
	int ret;

	if (img->minor < 3)
		return image_fail(img, -EPROTO, true,
				  "a SHM record in a format %u.%u image",
				  CRYO_IMAGE_MAJOR, img->minor);
	if (!img->tree_seen || img->section >= 0)
		return image_fail(img, -EPROTO, true,
				  "out of order: SHM records come after the TREE, before the first PROCESS");
	len = img->minor < 5 ? CRYO_IMAGE_SHM_SIZE_2_3 : sizeof(*o);
	if (img->rec.len < len)
		return check_len(img, len);
	memset(o, 0, sizeof(*o));
	memcpy(o, img->buf, len);
	ret = check_len(img, len + (img->minor < 5 ? 0 : le32toh(o->name_len)));
	if (ret)
		return ret;
	id = le32toh(o->id);
	owner = le32toh(o->owner);
	size = le64toh(o->size);
	kind = le32toh(o->kind);
	if (id != img->nr_shms + 1)
		return image_fail(img, -EPROTO, true,
				  "SHM id %u, expected %u (ids count from 1 in order)",
				  id, img->nr_shms + 1);
	if (owner >= img->nr_processes)
		return image_fail(img, -EPROTO, true,
				  "shared memory object %u is owned by member %u, but the TREE has %u",
				  id, owner, img->nr_processes);
	if (img->tree[owner].flags & CRYO_MEMBER_ZOMBIE)
		return image_fail(img, -EPROTO, true,
				  "shared memory object %u is owned by member %u (pid %d), a zombie",
				  id, owner, img->tree[owner].pid);
	if ((!size && kind != CRYO_SHM_MEMFD) ||
	    size > (kind == CRYO_SHM_MEMFD ? MEMFD_SIZE_MAX : SHM_SIZE_MAX))
		return image_fail(img, -EPROTO, true,
				  "shared memory object %u of %llu bytes", id,
				  (unsigned long long)size);
	if (img->minor <= CRYO_IMAGE_MINOR) {
		ret = check_shm_fields(img, o, id);
		if (ret)
			return ret;
	}
	p = realloc(img->shms, (img->nr_shms + 1) * sizeof(*p));
	if (!p)
		return image_fail(img, -ENOMEM, true, "out of memory");
	img->shms = p;
	img->shms[img->nr_shms++] = (struct image_shm){
		.kind = le32toh(o->kind),
		.owner = owner,
		.nr_pages = (size + img->page_size - 1) / img->page_size,
	};
	return 0;
}

/*
 * A SHM_PAGES: in its object's owner's section, after its PAGES; by
 * ascending object, and page offset within each, inside the object.
 */
static int check_shm_pages(struct cryoctl_image *img)
{
	const struct cryo_image_shm_pages *p = (const void *)img->buf;
	const struct cryo_image_member *owner;
	uint64_t pgoff, nr;
	struct image_shm *o;
	uint32_t id;
	int ret;

	if (img->minor < 3)
		return image_fail(img, -EPROTO, true,
				  "a SHM_PAGES record in a format %u.%u image",
				  CRYO_IMAGE_MAJOR, img->minor);
	if (img->section < 0)
		return image_fail(img, -EPROTO, true,
				  "out of order: a SHM_PAGES record outside a member's section");
	ret = check_rank(img, CRYO_RANK_PAGES);
	if (ret)
		return ret;
	if (img->rec.len < sizeof(*p))
		return check_len(img, sizeof(*p));
	nr = le64toh(p->nr_pages);
	ret = check_page_run(img, sizeof(*p), nr);
	if (ret)
		return ret;
	if (p->__reserved)
		return image_fail(img, -EPROTO, true, "reserved field is not 0");
	id = le32toh(p->shm);
	pgoff = le64toh(p->pgoff);
	if (!id || id > img->nr_shms)
		return image_fail(img, -EPROTO, true,
				  "pages of shared memory object %u, but the objects are 1 to %u",
				  id, img->nr_shms);
	o = &img->shms[id - 1];
	owner = &img->tree[o->owner];
	if (o->owner != (uint32_t)img->section)
		return image_fail(img, -EPROTO, true,
				  "pages of shared memory object %u in the section of pid %d, but its owner is member %u (pid %d)",
				  id, img->tree[img->section].pid, o->owner, owner->pid);
	if (id < img->shm_last)
		return image_fail(img, -EPROTO, true,
				  "pages of shared memory object %u after those of object %u (ids ascend)",
				  id, img->shm_last);
	if (pgoff < o->pages_end)
		return image_fail(img, -EPROTO, true,
				  "pages of shared memory object %u at page %llu overlap or precede the previous SHM_PAGES",
				  id, (unsigned long long)pgoff);
	if (pgoff > o->nr_pages || nr > o->nr_pages - pgoff)
		return image_fail(img, -EPROTO, true,
				  "pages %llu-%llu of shared memory object %u are past its end (%llu pages)",
				  (unsigned long long)pgoff,
				  (unsigned long long)(pgoff + nr - 1), id,
				  (unsigned long long)o->nr_pages);
	o->pages_end = pgoff + nr;
	img->shm_last = id;
	/* The TRAILER counts them with the PAGES records' pages. */
	img->nr_pages += nr;
	return 0;
}

/* At the TRAILER of a tree: the last section is complete, none is missing. */
static int check_sections(struct cryoctl_image *img)
{
	uint32_t i, living = 0;
	int ret;

	ret = close_section(img);
	if (ret)
		return ret;
	for (i = 0; i < img->nr_processes; i++)
		if (!(img->tree[i].flags & CRYO_MEMBER_ZOMBIE))
			living++;
	if (img->nr_sections != living)
		return image_fail(img, -EPROTO, true,
				  "the TREE has %u living members, the image holds %u sections",
				  living, img->nr_sections);
	for (i = 0; i < img->nr_shms; i++)
		if (!img->shms[i].mapped)
			return image_fail(img, -EPROTO, true,
					  "shared memory object %u is mapped by no member", i + 1);
	return 0;
}

static int check_trailer(struct cryoctl_image *img)
{
	const struct cryo_image_trailer *t = (const void *)img->buf;
	unsigned char extra;
	ssize_t n;
	int ret;

	ret = check_len(img, sizeof(*t));
	if (!ret && img->tree_seen)
		ret = check_sections(img);
	if (ret)
		return ret;
	if (img->threads_seen != img->nr_threads)
		return image_fail(img, -EPROTO, true,
				  "the header announces %u threads, the image holds %llu",
				  img->nr_threads,
				  (unsigned long long)img->threads_seen);
	ret = check_rank(img, CRYO_RANK_TRAILER);
	if (ret)
		return ret;
	if (le64toh(t->nr_records) != img->index)
		return image_fail(img, -EBADMSG, true,
				  "trailer counts %llu records, %llu were read",
				  (unsigned long long)le64toh(t->nr_records),
				  (unsigned long long)img->index);
	if (le64toh(t->nr_pages) != img->nr_pages)
		return image_fail(img, -EBADMSG, true,
				  "trailer counts %llu pages, %llu were read",
				  (unsigned long long)le64toh(t->nr_pages),
				  (unsigned long long)img->nr_pages);
	if (le64toh(t->bytes) != img->rec_offset)
		return image_fail(img, -EBADMSG, true,
				  "trailer counts %llu bytes, %llu were read",
				  (unsigned long long)le64toh(t->bytes),
				  (unsigned long long)img->rec_offset);
	memcpy(&img->trailer, t, sizeof(*t));

	img->index++;
	img->rec_offset = img->offset;
	n = cryoctl_read_full(img->fd, &extra, 1);
	if (n < 0)
		return image_fail(img, -EIO, false, "read error after the trailer: %s",
				  image_errstr(n));
	if (n)
		return image_fail(img, -EOVERFLOW, false,
				  "data follows the trailer");
	img->state = IMAGE_DONE;
	return 0;
}

/*
 * A 2.2 image with threads has its TREE before any section: a known
 * record past the TREE's rank comes after it.
 */
static int check_tree_first(struct cryoctl_image *img)
{
	int rank = cryo_rec_rank(img->rec.type);

	if (img->minor < 2 || !img->nr_threads || img->tree_seen ||
	    rank <= CRYO_RANK_TREE)
		return 0;
	return image_fail(img, -EPROTO, true,
			  "the header announces %u processes, but no TREE record precedes this one",
			  img->nr_processes);
}

int image_check_record(struct cryoctl_image *img)
{
	int ret;

	if (img->index) {
		ret = check_tree_first(img);
		if (ret)
			return ret;
	}
	if (img->state_due && img->rec.type != CRYO_REC_FILE_STATE)
		return image_fail(img, -EPROTO, true,
				  "FILE %u has no FILE_STATE record after it",
				  img->nr_files);
	if (img->watches_due && img->rec.type != CRYO_REC_INOTIFY_WATCH)
		return image_fail(img, -EPROTO, true,
				  "inotify %u: %llu INOTIFY_WATCH records missing",
				  img->nr_files, (unsigned long long)img->watches_due);
	switch (img->rec.type) {
	case CRYO_REC_HEADER:
		if (img->index)
			return image_fail(img, -EPROTO, true, "a second HEADER");
		return check_header(img);
	case CRYO_REC_TREE:
		return check_tree(img);
	case CRYO_REC_PROCESS:
		return check_process(img);
	case CRYO_REC_GROUPS:
		return check_groups(img);
	case CRYO_REC_AUXV:
		return check_auxv(img);
	case CRYO_REC_FS:
		return check_fs(img);
	case CRYO_REC_SIGNALS:
		return check_signals(img);
	case CRYO_REC_THREAD:
		return check_thread(img);
	case CRYO_REC_SIGINFO:
		return check_siginfo(img);
	case CRYO_REC_SLEEP:
		return check_sleep(img);
	case CRYO_REC_POSIX_TIMER:
		return check_posix_timer(img);
	case CRYO_REC_CPU_ITIMERS:
		return check_cpu_itimers(img);
	case CRYO_REC_FILE:
		return check_file(img);
	case CRYO_REC_FILE_DATA:
		return check_file_data(img);
	case CRYO_REC_FD:
		return check_fd(img);
	case CRYO_REC_LOCK:
		return check_lock(img);
	case CRYO_REC_EPOLL_ITEM:
		return check_epoll_item(img);
	case CRYO_REC_FILE_STATE:
		return check_file_state(img);
	case CRYO_REC_INOTIFY_WATCH:
		return check_inotify_watch(img);
	case CRYO_REC_VMA:
		return check_vma(img);
	case CRYO_REC_VMA_FILE:
		return check_vma_file(img);
	case CRYO_REC_PAGES:
		return check_pages(img);
	case CRYO_REC_SHM:
		return check_shm(img);
	case CRYO_REC_SHM_PAGES:
		return check_shm_pages(img);
	case CRYO_REC_TRAILER:
		return check_trailer(img);
	default:
		if (img->minor > CRYO_IMAGE_MINOR)
			return 0;
		return image_fail(img, -EPROTO, true,
				  "unknown record type in a format %u.%u image",
				  CRYO_IMAGE_MAJOR, img->minor);
	}
}

