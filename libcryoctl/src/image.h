/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the image reader: image.c reads the stream record by record
 * (steps 1-3 of the checks), image_check.c checks each record's contents
 * and place (steps 4-7).  What the two share is the reader's state.
 */
#ifndef CRYOCTL_IMAGE_H
#define CRYOCTL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/cryo_image.h>

struct vma_span {
	uint64_t start;
	uint64_t end;
	uint32_t kind;
	uint32_t shm;		/* the shared memory object it maps, 0 for none */
};

/* A shared memory object (format 2.3), for its mappings and its pages. */
struct image_shm {
	uint32_t kind;
	uint32_t owner;		/* TREE index of the member with its pages */
	uint64_t nr_pages;	/* its size in pages, rounded up */
	uint64_t pages_end;	/* past its last SHM_PAGES so far */
	bool mapped;		/* a VMA maps it (the owner's first) */
};

/*
 * What a member's section says of its fs_struct (format 2.4): a member
 * that shares its parent's (CRYO_MEMBER_SHARES_FS) must say the same.
 */
struct image_fs_sum {
	uint32_t umask;
	uint32_t cwd_len;
	uint32_t cwd_crc;	/* cryoctl_crc32c() of the working directory */
	bool have_fs;
};

enum image_state {
	IMAGE_OPEN,		/* more records to come */
	IMAGE_DONE,		/* trailer verified, EOF seen */
	IMAGE_FAILED,		/* @err says why */
};

struct cryoctl_image {
	int fd;
	enum image_state state;
	int err;

	/* The record being handed out; @buf grows to the largest record. */
	unsigned char *buf;
	size_t buf_size;
	struct cryo_rec rec;		/* host byte order */
	uint64_t rec_offset;
	bool header_pending;		/* next() still owes the HEADER */

	struct cryo_image_header hdr;	/* as stored */
	bool have_header;
	unsigned int minor;		/* host byte order copies */
	uint32_t page_size;
	uint32_t nr_threads;
	uint32_t fpu_size;
	uint32_t nr_processes;		/* 0 in a 2.1 image */

	/*
	 * The tree (format 2.2): its members in host byte order, and the
	 * section being read (one per member that is not a zombie).
	 */
	struct cryo_image_member *tree;
	struct image_fs_sum *fs_sums;	/* by TREE index, for the fs sharers */
	bool tree_seen;
	int section;			/* its member's index, -1 before the first */
	uint32_t nr_sections;		/* sections started */
	uint32_t section_threads;	/* THREAD records of the current one */
	uint32_t section_siginfo;	/* its SIGINFO records (2.8) */
	/* 1 + the index of the last THREAD in CRYO_RESTART_BLOCK, its tid */
	uint64_t sleep_after;
	int32_t sleep_tid;
	uint32_t section_timers;	/* its POSIX_TIMER records (2.9) */
	int32_t last_timer_id;		/* the id of the last of them */
	bool section_itimers;		/* its CPU_ITIMERS record (2.9) */

	/* Counts of what has been read, for the trailer. */
	uint64_t offset;		/* bytes consumed */
	uint64_t index;			/* records consumed */
	uint64_t nr_pages;
	uint64_t threads_seen;
	int rank;
	unsigned int block_seen;	/* 1 << CRYO_RANK_* of each block record */
	bool block_checked;

	/* Files: ids so far, the last FILE and its data, fd numbers. */
	uint32_t nr_files;		/* highest FILE id seen */
	bool file_open;			/* only its FILE_DATA since the FILE */
	bool state_due;			/* its FILE_STATE comes next (2.8) */
	uint64_t watches_due;		/* an inotify's INOTIFY_WATCHes to come (2.9) */
	int32_t last_wd;		/* the last one's watch descriptor */
	uint64_t data_size;		/* of the last FILE */
	uint64_t data_seen;
	bool data_sparse;		/* an unlinked file's extents (2.8) */
	uint64_t data_next;		/* where its next extent may start */
	uint64_t file_size;		/* its size */
	int64_t last_fd;		/* -1 before the first FD */
	uint32_t *sec_files;		/* FILE ids of the section's FDs */
	size_t nr_sec_files;
	size_t sec_files_size;
	uint32_t sec_locks;		/* LOCK records of the section (2.6) */
	uint32_t *sec_fdnums;		/* the fd numbers of sec_files (2.9) */
	uint32_t *epolls;		/* FILE ids of the epolls, not lost (2.9) */
	size_t nr_epolls;
	size_t epolls_size;
	uint32_t sec_epoll;		/* EPOLL_ITEM records of the section */

	/* Shared memory objects (2.3): SHM ids so far, their pages. */
	struct image_shm *shms;
	uint32_t nr_shms;
	uint32_t shm_last;		/* object of the section's last SHM_PAGES */
	struct cryo_image_shm shm_rec;	/* the SHM being checked, 2.5's size */

	/* VMA bounds, for the PAGES placement check. */
	struct vma_span *vmas;
	size_t nr_vmas;
	size_t vmas_size;
	size_t vma_cursor;
	uint64_t pages_end;

	struct cryo_image_trailer trailer;	/* as stored */

	uint64_t err_index;
	uint64_t err_offset;
	char errmsg[256];
};

/*
 * Fail the reader: remember the error and describe it.  The message is
 * "record N (TYPE) at byte X: what", or "at byte X: what" when no record
 * header was read (@with_type false).  Return: @err.
 */
int __attribute__((format(printf, 4, 5)))
image_fail(struct cryoctl_image *img, int err, bool with_type, const char *fmt, ...);

/* "THREAD", or "type 0x42" in @tmp for a type this reader does not know. */
const char *image_type_name(uint32_t type, char *tmp, size_t size);

/* strerror() for a -errno, without strerror()'s shared buffer. */
const char *image_errstr(ssize_t err);

/* image_check.c: steps 4-7 for a record read by image.c. */
int image_check_record(struct cryoctl_image *img);

#endif /* CRYOCTL_IMAGE_H */
