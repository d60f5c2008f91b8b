/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cryoctl inspect, inside: what inspect.c collects from an image (struct
 * summary) and the names both outputs give its fields, for the text
 * (inspect_text.c) and JSON (inspect_json.c) reports.
 */
#ifndef CRYOCTL_CLI_INSPECT_H
#define CRYOCTL_CLI_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/cryo_image.h>

struct cryoctl_image;

struct vma_info {
	struct cryo_image_vma v;
	char *name;			/* NUL-terminated copy, or NULL */
	uint64_t pages;
	uint32_t file_id;		/* a deleted file's FILE (VMA_FILE) */
};

/* One watch of an inotify (2.9). */
struct watch_info {
	struct cryo_image_inotify_watch w;
	char *path;			/* NUL-terminated copy */
};

struct file_info {
	struct cryo_image_file f;
	char *name;			/* NUL-terminated copy, or NULL */
	struct cryo_image_file_state state;	/* its FILE_STATE (2.8) */
	bool has_state;
	struct watch_info *watches;	/* an inotify's INOTIFY_WATCHes */
	size_t nr_watches;
};

/*
 * One process of the image: the records of its section (format 2.2; the
 * whole image before), the threads, descriptors and mappings being
 * ranges of the summary's arrays.
 */
struct proc_info {
	bool have_process;
	struct cryo_image_process proc;
	bool have_groups;
	uint32_t *groups;
	size_t nr_groups;
	bool have_auxv;
	uint64_t (*auxv)[2];
	size_t nr_auxv;
	bool have_fs;
	char *fs[3];			/* exe, cwd, root */
	bool have_signals;
	struct cryo_image_signals sig;
	size_t first_thread, nr_threads;
	size_t first_fd, nr_fds;
	size_t first_lock, nr_locks;	/* its LOCK records (2.6) */
	size_t first_sigq, nr_sigq;	/* its SIGINFO records (2.8) */
	size_t first_epoll, nr_epoll;	/* its EPOLL_ITEM records (2.9) */
	size_t first_timer, nr_timers;	/* its POSIX_TIMER records (2.9) */
	bool have_itimers;		/* its CPU_ITIMERS record (2.9) */
	struct cryo_image_cpu_itimers itimers;
	size_t first_vma, nr_vmas;
	uint64_t pages;
};

/* An object more than one member holds: its holders are descriptors. */
struct shared_obj {
	bool pipe;			/* a pipe by its pipe_id, else a FILE by id */
	uint64_t id;
	size_t first, n;		/* in summary.holders */
};

/* A shared memory object (format 2.3), and its pages saved. */
struct shm_info {
	struct cryo_image_shm o;	/* a 2.3 or 2.4 one ends in zeroes */
	uint64_t pages;			/* in its SHM_PAGES records */
	char name[CRYO_MEMFD_NAME_MAX + 1];	/* a memfd's (2.5) */
};

struct holder {
	size_t proc;			/* index in summary.procs */
	size_t fd;			/* index in summary.fds */
};

/* Everything inspect reports, page contents aside. */
struct summary {
	struct cryo_image_header hdr;
	struct cryo_image_member *tree;	/* the TREE record, or NULL (2.1) */
	size_t nr_members;
	struct proc_info *procs;	/* at least one once collected */
	size_t nr_procs;
	size_t procs_size;
	struct file_info *files;
	size_t nr_files;
	size_t files_size;
	struct cryo_image_fd *fds;
	size_t nr_fds;
	size_t fds_size;
	struct cryo_image_lock *locks;
	size_t nr_locks;
	size_t locks_size;
	struct cryo_image_siginfo *sigq;
	size_t nr_sigq;
	size_t sigq_size;
	struct cryo_image_epoll_item *epoll;
	size_t nr_epoll;
	size_t epoll_size;
	struct cryo_image_sleep *sleeps;	/* SLEEP records (2.9) */
	size_t nr_sleeps;
	size_t sleeps_size;
	struct cryo_image_posix_timer *timers;
	size_t nr_timers;
	size_t timers_size;
	struct cryo_image_thread *threads;
	bool thread_sched;		/* THREAD records have the 2.7 fields */
	size_t nr_threads;
	size_t threads_size;
	struct vma_info *vmas;
	size_t nr_vmas;
	size_t vmas_size;
	size_t vma_cursor;
	struct shared_obj *shared;
	size_t nr_shared;
	size_t shared_size;
	struct holder *holders;
	size_t nr_holders;
	struct shm_info *shms;		/* by id - 1 */
	size_t nr_shms;
	size_t shms_size;
	uint64_t shm_pages;
	uint64_t records;
	uint64_t pages;
	uint64_t unknown;
	uint64_t bytes;
	const char *error;		/* NULL when complete and verified */
};

/* ---- names both outputs use (inspect.c) ---------------------------------- */

extern const char *const inspect_rlimit_names[16];
extern const char *const inspect_freeze_flag_names[3];
extern const char *const inspect_restart_names[3];
/* "none", "nanosleep", "clock_nanosleep", "poll", "futex_wait" by CRYO_SLEEP_* */
extern const char *const inspect_sleep_names[5];
/* The SLEEP record (2.9) of thread @tid, NULL when it has none. */
const struct cryo_image_sleep *inspect_sleep_of(const struct summary *s,
						int32_t tid);
/* "other", "fifo", "rr", "batch", NULL, "idle", by SCHED_* number. */
extern const char *const inspect_sched_names[6];
/* A THREAD's affinity as a CPU list ("0-3,8"), "all" when not narrowed. */
void inspect_cpulist(const struct cryo_image_thread *t, char *buf, size_t size);
extern const char *const inspect_mm_names[11];

/* The mm bounds of @p, in the order of inspect_mm_names[]. */
void inspect_mm_values(const struct cryo_image_process *p, uint64_t mm[11]);

/* "SIGINT", "SIGRTMIN", "SIGRTMIN+3" */
void inspect_sig_name(unsigned int sig, char *buf, size_t size);

/* "AT_PHDR" ..., NULL for a type cryoctl does not name. */
const char *inspect_auxv_name(uint64_t type);

/* "SI_USER", "SI_QUEUE", "SI_TIMER" ..., NULL for another si_code. */
const char *inspect_si_code_name(int32_t code);

/* "POSIX", "OFD", "flock", or NULL for a kind cryoctl does not name. */
const char *inspect_lock_kind_name(uint32_t kind);

/* "anonymous", "SysV", or NULL for a kind cryoctl does not name. */
const char *inspect_shm_kind_name(uint32_t kind);

/* The section of the TREE member @m, or NULL (a zombie, or none read). */
const struct proc_info *inspect_member_proc(const struct summary *s,
					    const struct cryo_image_member *m);

/*
 * A wait status as "exit 42", "killed by SIGTERM", "killed by SIGSEGV
 * (core dumped)".
 */
void inspect_wait_status(int32_t status, char *buf, size_t size);
/*
 * The member whose fd table (@flag CRYO_MEMBER_SHARES_FILES) or fs_struct
 * (CRYO_MEMBER_SHARES_FS) member @i uses: up the chain of sharers.
 */
size_t inspect_member_owner(const struct summary *s, size_t i, uint32_t flag);

/* Whether a signal's disposition is all default: neither output shows it. */
bool inspect_sigaction_is_default(const struct cryo_image_sigaction *a);

struct flag_name {
	uint64_t value;		/* one or more bits, all required */
	const char *name;
};

extern const struct flag_name inspect_sa_flag_names[10];

/* The access mode bits of open flags, and O_PATH, on x86-64. */
#define OPEN_ACCMODE	03
#define OPEN_PATH	010000000
extern const struct flag_name inspect_open_flag_names[17];
extern const char *const inspect_accmode_names[4];

/*
 * Take the next flag out of *@rest: a name of @t, or the lowest bit left
 * as hex in @tmp.  Return: NULL when nothing is left.
 */
const char *inspect_next_flag(uint64_t *rest, const struct flag_name *t,
			      size_t n, char *tmp, size_t size);

/* "2024-05-01 12:34:56.123456789" (@iso: "2024-05-01T12:34:56.123456789Z") */
void inspect_format_time(uint64_t ns, bool iso, char *buf, size_t size);

/* ---- the reports --------------------------------------------------------- */

/* inspect_text.c */
void inspect_print_text(const struct summary *s);

/* inspect_json.c */
void inspect_print_json(const struct summary *s);
/* Not even the header could be read: only status and error. */
void inspect_print_json_failure(const struct cryoctl_image *img, int err);

#endif /* CRYOCTL_CLI_INSPECT_H */
