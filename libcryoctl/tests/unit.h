/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the unit tests of libcryoctl and cryoctl (libcryoctl/tests/)
 * share: CHECK(), the image writer the reader tests build their images
 * with, the fake device's knobs, and each file's tests for main().
 */
#ifndef CRYOCTL_UNIT_H
#define CRYOCTL_UNIT_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cpuid.h>
#include <elf.h>
#include <malloc.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "internal.h"
#include "thaw.h"
#include "stub.h"

/* ---- main.c: the checks ------------------------------------------------------- */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The counts main() prints; check() adds to them. */
extern int passed, failed;

#define CHECK(cond, ...) check(!!(cond), __LINE__, __VA_ARGS__)

bool __attribute__((format(printf, 3, 4)))
check(bool ok, int line, const char *fmt, ...);

/* ---- image_build.c: writing and editing images -------------------------------- */

struct buf {
	unsigned char *p;
	size_t len;
	size_t size;
};

void buf_put(struct buf *b, const void *data, size_t len);
struct img {
	struct buf b;
	size_t off[4096];	/* offset of each record */
	uint32_t type[4096];
	int nr;
	uint64_t pages;
};

void put_rec(struct img *m, uint32_t type, const void *a, size_t alen,
	     const void *c, size_t clen);

void put_trailer(struct img *m);
uint32_t peek32(const unsigned char *p, size_t off);
void poke32(unsigned char *p, size_t off, uint32_t v);
void fix_crc(unsigned char *p, size_t off);
uint64_t encode_dev(unsigned int maj, unsigned int min);
#define PAGE		4096

#define FPU_SIZE	64

void put_header(struct img *m, uint32_t nr_threads, uint16_t minor);
void put_header_as(struct img *m, struct cryo_image_header *h,
		   uint32_t nr_processes);
size_t process_size(uint16_t minor);
size_t thread_size(uint16_t minor);
#define REF_UNLINKED	123

void put_block(struct img *m);
void put_files(struct img *m);
void put_vma(struct img *m, uint64_t start, uint64_t end, uint32_t flags,
	     uint32_t kind, uint64_t pgoff, uint64_t dev, uint64_t ino,
	     const char *name);

void put_pages(struct img *m, uint64_t addr, uint64_t nr);
void build_image(struct img *m, uint32_t extra_type, uint16_t minor);
/*
 * The reference tree: root 100 (1 thread); its child 101 (2 threads);
 * its child 102, a zombie (exit status 42); 101's child 103 (1 thread).
 * The root's section opens file 1 (/dev/null, fd 0) and file 2 (a pipe's
 * write end, fd 1); each other section has fds 0 and 1 on those (fork)
 * and fd 3 on a new FILE, the pipe's read end.
 */
#define TREE_MEMBERS	4
void tree_members(struct cryo_image_member mem[TREE_MEMBERS]);
void build_tree_from(struct img *m, const struct cryo_image_member *mem,
		     uint32_t n, int64_t hdr_procs);
void build_tree(struct img *m);
extern uint16_t tree_minor;
int find_rec(const struct img *m, uint32_t type, int nth);
void *payload(struct img *m, int i);
void get_payload(struct img *m, int i, void *dst, size_t size);
void set_payload(struct img *m, int i, const void *src, size_t size);
void edit(struct img *m, int at, int del, uint32_t type,
	  const void *p, size_t len);

void replace(struct img *m, int i, uint32_t type, const void *p, size_t len);
int feed(const void *p, size_t len);
struct result {
	int ret;		/* 0 complete, or the -errno */
	int nr;			/* records returned */
	uint32_t type[64];
	uint64_t index;		/* of the error */
	uint64_t offset;
	char msg[256];
};

void read_image(const void *p, size_t len, struct result *r);

/* ---- checksum.c --------------------------------------------------------------- */

extern const unsigned char zeros[4096];
void test_crc(void);
void test_xxh64(void);

/* ---- reader.c ----------------------------------------------------------------- */

/* Records of the reference image before its trailer. */
#define REF_RECORDS	30

void test_good(void);
void test_bitflips(void);
void test_truncation(void);
void test_unknown_types(void);
void test_big_record(void);

/* ---- malformed.c -------------------------------------------------------------- */

void test_malformed(void);
void test_process_block(void);
void test_siginfo(void);
void test_sleep(void);
void test_timers(void);
void test_cli_timers(void);
void test_files(void);

/* ---- shm_image.c -------------------------------------------------------------- */

/*
 * The reference tree with three shared memory objects: 1, anonymous, 2
 * pages, owner pid 100, mapped by 100 and 101; 2, a System V segment of
 * key 0x1234, 10000 bytes, owner 101, mapped by 101 and 103; 3, a removed
 * segment of 100 bytes, owner and mapper 100.
 */
void build_shm(struct img *m);
void build_memfd(struct img *m);
void test_shm_image(void);
void test_lock_image(void);
void test_epoll_image(void);

/* ---- inotify_image.c ---------------------------------------------------------- */

void test_inotify_image(void);
/*
 * The reference tree, its last section with fd 4 on FILE 5, an inotify
 * of wd 1 (IN_MODIFY, /tmp/f, ino 100) and wd 3 (IN_CREATE | IN_ONESHOT,
 * /tmp/d, ino 101), both on device 0:33.
 */
void build_inotify(struct img *m);

/* ---- fake_device.c ------------------------------------------------------------ */

extern int fake_dev;
extern int fake_freeze_errno;
extern int fake_bad_fd;
extern uint32_t fake_refusal;
extern struct cryo_freeze fake_freeze_seen;
extern int fake_commits;
extern bool fake_commit_at_eof;
extern uint64_t fake_features;
extern uint32_t fake_abi_major;
extern int fake_thaw_errno;
extern int fake_thaw_calls;
extern struct cryo_thaw fake_thaw_seen;
extern struct cryo_thaw_inherit fake_inherit_seen[4];
extern unsigned int fake_thaw_threads;
extern unsigned int fake_thaw_pipes;
extern unsigned int fake_fpu_size;
extern uint32_t fake_abi_minor;
extern struct cryo_thaw_shm fake_shm[4];
extern unsigned int fake_nr_shm;
extern uint64_t fake_shm_addr[4];
extern int fake_shm_errno;
extern void (*fake_shm_given)(unsigned int index);
extern __s32 fake_tid0;
extern struct cryo_thaw_status fake_status;
extern bool fake_status_wait;
extern int fake_status_waits;

/* ---- freeze.c ----------------------------------------------------------------- */

void test_freeze(void);

/* ---- thaw.c ------------------------------------------------------------------- */

bool no_children(void);
void reset_fake_thaw(void);
void test_thaw(void);

/* ---- thaw_shm.c ---------------------------------------------------------------- */

void test_thaw_shm(void);
void test_thaw_objects(void);

/* ---- thaw_traced.c ------------------------------------------------------------ */

void test_thaw_traced(void);

/* ---- cli.c -------------------------------------------------------------------- */

extern const char *cryoctl_bin;
void test_cli_image(void);
void test_cli_tree(void);
void test_cli_shm(void);
void test_cli_inotify(void);
void test_cli_sleep(void);
void test_cli_maps_proc(void);
void test_cli_usage(void);

#endif /* CRYOCTL_UNIT_H */
