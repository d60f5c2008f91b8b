/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the thaw's files: thaw.c (CRYO_IOC_THAW and the process R
 * that becomes the restored one), stub_region.c (the region the stub runs
 * from: its layout, its size, what the library writes into it, mapping it)
 * and remap.c (CRYO_IOC_REMAP's diagnostic, which runs the stub too).
 */
#ifndef CRYOCTL_THAW_H
#define CRYOCTL_THAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/cryo.h>

/* Threads a region is sized for when the image's HEADER cannot be read first. */
#define THAW_PIPE_THREADS	4096
/* Room for thread ids in CRYO_IOC_THAW (the module tells how many there are). */
#define THAW_TIDS_MAX		65536
/* Pipes a region has room for (an object's fd takes half a pipe's room). */
#define THAW_PIPES_MAX		4096
/* Objects (eventfds, timerfds ...) one member may need. */
#define THAW_OBJECTS_MAX	CRYO_THAW_OBJECTS_MAX
/* The room of a region's fd slots, in pipes, for pipes and objects. */
#define THAW_FD_PAIRS(pipes, objects)	((pipes) + ((objects) + 1) / 2)

#define PAGE_ALIGN(x)		(((x) + 4095UL) & ~4095UL)

/* ---- stub_region.c --------------------------------------------------------- */

/*
 * The stub region of a thaw or remap: offsets from its start.  Up to
 * @init_len it is written by the library; the rest starts zero.
 */
struct cryoctl_region {
	size_t args;		/* struct stub_args */
	size_t threads;		/* struct stub_thread [nr_threads] */
	size_t tids;
	size_t pipes;		/* the pipes' fds, then the objects' */
	size_t init_len;
	size_t fpu;		/* FPU buffers, @fpu_slot bytes each */
	size_t fpu_slot;
	size_t stacks;		/* stacks, @stack_size bytes each */
	size_t stack_size;
	size_t buf;		/* remap: the maps text */
	size_t buf_len;
	size_t len;		/* page aligned */
};

void cryoctl_region_layout(struct cryoctl_region *r, size_t nr_threads,
			   size_t nr_pipes, size_t fpu_size, size_t buf_len);

/*
 * For the unit tests only: when nonzero, the XSAVE area size the region
 * is sized for instead of CPUID's, so that the sizing can be tested for
 * any CPU (AVX-512, AMX) on any host.
 */
extern size_t cryoctl_thaw_fake_cpu_fpu_size;

/*
 * The HEADER of an image that is a file, read at its position without
 * moving it (pread()): 0, or -1 when it is no file or no image.
 */
int image_peek_header(int image_fd, struct cryo_image_header *h);

/*
 * What the region of a thaw from @image_fd must hold, before
 * CRYO_IOC_THAW says it: threads and FPU state per thread.
 */
void region_estimate(int image_fd, size_t *nr_threads, size_t *fpu_size);

/*
 * Map @len bytes of region at @base, exactly there, in the calling
 * process (R or remap's child: async-signal-safe).  Return: 0, or -errno
 * (-EEXIST when something is in the way).
 */
int region_map(uint64_t base, size_t len, void **p);

/*
 * A remap's region at @base: the stub, then its arguments.  Return: the
 * region's first @r->init_len bytes, malloc()ed, or NULL.
 */
unsigned char *region_build_remap(const struct cryoctl_region *r, uint64_t base,
				  int devfd, int layout_fd, int result_fd);

/* ---- thaw.c ------------------------------------------------------------------ */

/*
 * What the processes made for the members of a tree share (a MAP_SHARED
 * mapping the caller makes before it forks R): the pid each got, and
 * three counters by which they wait for each other while they set up
 * their sessions and groups (thaw_tree.c).
 */
struct thaw_tree_shared {
	int created;		/* processes made, zombies included */
	int leaders;		/* group leaders made leaders */
	int joined;		/* the others in their groups */
	pid_t newpid[CRYO_THAW_PROCS_MAX];	/* by member index, 0 until made */
};

/* A System V segment the caller made for a thaw (thaw_shm.c). */
struct thaw_shm {
	int shmid;
	void *addr;		/* where the caller attached it, NULL if not */
	uint32_t flags;		/* &enum cryo_shm_flags */
	bool made;		/* by this thaw (else the image's, left) */
};

/* Everything a thaw holds, released by thaw_cleanup(). */
struct thaw_ctx {
	int devfd;
	unsigned int flags;
	struct cryo_thaw t;
	__s32 *tids;
	uint32_t *groups;	/* CRYO_THAW_GROUPS_MAX, filled by the module */
	bool creds;		/* the module planned R's credentials (ABI 1.4) */
	int *pipes;		/* 2 * nr_pipes, -1 when closed */
	unsigned int nr_pipes;
	struct cryo_thaw_object *objs;	/* THAW_OBJECTS_MAX, from the module */
	int *obj_fds;		/* nr_objects, -1 when closed */
	unsigned int nr_objects;
	int status[2];
	struct cryoctl_region r;
	size_t stub_len;	/* what CRYO_IOC_THAW was given */
	unsigned char *init;	/* the region's first r.init_len bytes */
	/* A tree (ABI 1.6): R forks the processes of the other members. */
	struct cryo_image_member *procs;	/* CRYO_THAW_PROCS_MAX entries */
	unsigned int nr_procs;	/* 1 for an image of one process */
	unsigned int member;	/* which member this process becomes */
	struct thaw_tree_shared *sh;	/* MAP_SHARED, for a tree */
	size_t est_threads;	/* what the region was sized for */
	size_t est_fpu;
	int *member_pidfds;	/* of what the members reported, for the kill */
	unsigned int nr_member_pidfds;
	/*
	 * R, once known, in the caller's pid namespace; with
	 * CRYOCTL_THAW_NEW_PIDNS the namespace's init (R itself when the
	 * root's image pid is 1), whose end ends every process in it.
	 */
	pid_t rpid;
	int pidfd;		/* @rpid's, when the kernel has pidfd_open() */
	bool reaped;		/* R was waited for (CRYOCTL_THAW_WAIT) */
	struct thaw_shm *shms;	/* the System V segments made (ABI 1.7) */
	unsigned int nr_shms;
	int tty_fd;		/* CRYOCTL_THAW_SHELL_JOB: the terminal */
};

struct cryoctl_thaw_result;

/* thaw.c: fail with -@err and a message in @res (when not NULL).  Return: @err. */
__attribute__((format(printf, 3, 4))) int
thaw_fail(struct cryoctl_thaw_result *res, int err, const char *fmt, ...);

/*
 * thaw_shm.c, in the caller once the thaw is planned and before R is
 * made: make, attach and give the module each System V segment of the
 * image (CRYO_IOC_THAW_SHM).  Return: 0, or -errno with the reason in
 * @res (the segments made so far are in c->shms, for thaw_shm_end()).
 */
int thaw_shm_make(struct thaw_ctx *c, struct cryoctl_thaw_result *res);
/*
 * thaw_shm.c, once the thaw's outcome is known (@ok: it succeeded):
 * detach every segment made; remove the removed ones, or all on failure.
 */
void thaw_shm_end(struct thaw_ctx *c, bool ok);

/* stub_region.c: fill in c->init, the part of the region the library writes. */
void region_build_thaw(struct thaw_ctx *c);

/* ---- thaw_objects.c ---------------------------------------------------------- */

/* Make object @o with its state: its fd (close-on-exec), or -errno. */
int thaw_make_object(const struct cryo_thaw_object *o);
/* c->objs' objects into c->obj_fds: 0, or -errno with *bad the failed one. */
int thaw_make_objects(struct thaw_ctx *c, unsigned int *bad);
void thaw_close_objects(struct thaw_ctx *c);

/*
 * thaw_epoll.c, in R or a member's process before its stub: hand the
 * pipes and objects of @r to the module and fill the epolls among them.
 * Return: 0 (nothing to do, or done), or -errno.
 */
int thaw_fill_epolls(struct thaw_ctx *c, struct cryo_thaw_restore *r);

/* thaw.c: a status message, from R or a member's process. */
void thaw_send_msg(int fd, int type, int value);
/* thaw.c: whether the plan fits the region, for a member's process (0 or -E2BIG). */
int thaw_plan_fits(struct thaw_ctx *c);

/*
 * thaw_tree.c, in R (member 0) before it takes its credentials: make the
 * processes of the other members (each forks its own children), set their
 * sessions and groups, let the zombies exit.  Return: 0, or -errno (R
 * then reports it and exits; the processes made are killed by the module
 * or the caller).  Never returns in the processes it makes.
 */
int thaw_tree_spawn(struct thaw_ctx *c);

/* thaw.c: fork(), or clone3 with set_tid = @pid when @pid > 0. */
pid_t thaw_spawn(pid_t pid);
/* thaw.c: as thaw_spawn(), with clone3 @flags (CLONE_NEWPID). */
pid_t thaw_clone(uint64_t flags, pid_t pid);
/* thaw.c: the end of R, or of a member's process: credentials, region, stub. */
__attribute__((noreturn)) void thaw_run_restore(struct thaw_ctx *c);

#endif /* CRYOCTL_THAW_H */
