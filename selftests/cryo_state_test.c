// SPDX-License-Identifier: GPL-2.0
/*
 * What a freeze records of a process beyond its memory: open files and
 * descriptors, signal dispositions and itimers, auxv, exe/cwd/root,
 * supplementary groups and ids, registers and FPU state, and the restart
 * state of blocked system calls.  Every test sets the state up in a live
 * target, freezes it and checks the image against what the target really
 * has (as it reports itself, and as /proc, kcmp(2) and process_vm_readv(2)
 * show it), never only a return code.
 *
 * The target is progs/state_target, answering one-byte commands on a
 * pipe; a MAP_SHARED page of its own, which the test maps too through
 * /proc/PID/map_files, carries what it reports (fd numbers, addresses,
 * thread ids, results of blocked calls): progs/state_target.h.  /dev/cryo
 * is opened only after the target started, so it never holds the session.
 *
 * The image is walked by walk_image() with libcryoctl's reader (which
 * checks every record's checksum, length and reserved field), and the
 * order and trailer checked against uapi/linux/cryo_image.h, the files
 * section as Documentation/image-format.rst lays it out.  image_passes_libcryoctl
 * also runs the library's own reader over an image holding every record
 * type.
 *
 * Each test takes well under a second but restart, which waits out a
 * 1 s nanosleep.
 *
 * The harness's "EXPECT_*() TH_LOG()" is two statements: an if or a loop
 * around one keeps its braces.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include <asm/prctl.h>
#include <linux/futex.h>
#include <linux/kcmp.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"
#include "progs/state_target.h"

#define NS		1000000000ULL

_Static_assert(BIG_BYTES > 2 * CRYO_REC_MAX_LEN, "BIG_BYTES: FILE_DATA must be split");

/* ---- the image -------------------------------------------------------- */

struct img_thread {
	struct cryo_image_thread t;
	const unsigned char *fpu;	/* t.fpu_size bytes, inside the image */
};

struct img_file {
	struct cryo_image_file f;
	char name[PATH_MAX + 64];
	unsigned char *data;		/* the FILE_DATA bytes, concatenated */
	uint64_t data_got;
	int data_recs;
	int nfds;
};

struct img_fd {
	struct cryo_image_fd d;
	int file;			/* index in image.files */
};

#define MAX_THREADS	64
#define MAX_FILES	256
#define MAX_FDS		256

struct image {
	unsigned char *buf;
	size_t len;
	long nrec;
	int counts[256];
	struct cryo_image_header hdr;
	struct cryo_image_process proc;
	uint32_t groups[256];
	size_t ngroups;
	uint64_t auxv[512];
	size_t auxv_len;		/* bytes */
	struct cryo_image_fs fs;
	char exe[PATH_MAX], cwd[PATH_MAX], root[PATH_MAX];
	struct cryo_image_signals sig;
	struct img_thread thr[MAX_THREADS];
	int nthr;
	struct img_file files[MAX_FILES];
	int nfiles;
	int file_open;			/* the last FILE awaits its first FD */
	struct img_fd fds[MAX_FDS];
	int nfds;
	uint64_t npages;
	struct cryo_image_trailer trailer;
	size_t trailer_off;
	int rank;			/* of the last record walked */
	char err[512];
};

static int __attribute__((format(printf, 2, 3)))
img_fail(struct image *im, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(im->err, sizeof(im->err), "record %ld: ", im->nrec);
	va_start(ap, fmt);
	vsnprintf(im->err + n, sizeof(im->err) - n, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * The files section, as Documentation/image-format.rst has it: the fd
 * table is walked in ascending fd order; a description met for the first
 * time gets its FILE (ids 1, 2, 3 ... in order of appearance), then its
 * FILE_DATA (contiguous from 0, data_size bytes in all), then the FD that
 * met it; an fd of a description already in the image is a lone FD
 * record.  fd numbers strictly ascend over the whole section.
 */

/* The last FILE has all its FILE_DATA and the FD that met it. */
static int file_done(struct image *im)
{
	struct img_file *f;

	if (!im->file_open)
		return 0;
	f = &im->files[im->nfiles - 1];
	if (f->data_got != f->f.data_size)
		return img_fail(im, "FILE %u: %llu of %llu data bytes before the next record",
				f->f.id, (unsigned long long)f->data_got,
				(unsigned long long)f->f.data_size);
	return img_fail(im, "FILE %u is not followed by an FD record for it",
			f->f.id);
}

static int parse_file(struct image *im, const unsigned char *p, uint32_t len)
{
	struct img_file *f;

	if (file_done(im))
		return -1;
	if (im->nfiles == MAX_FILES)
		return img_fail(im, "too many FILE records");
	f = &im->files[im->nfiles];
	if (len < sizeof(f->f))
		return img_fail(im, "FILE of %u bytes", len);
	memcpy(&f->f, p, sizeof(f->f));
	if (len != sizeof(f->f) + f->f.name_len || f->f.name_len >= sizeof(f->name))
		return img_fail(im, "FILE of %u bytes with name_len %u", len,
				f->f.name_len);
	memcpy(f->name, p + sizeof(f->f), f->f.name_len);
	f->name[f->f.name_len] = '\0';
	if (memchr(f->name, '\0', f->f.name_len))
		return img_fail(im, "FILE %u: NUL in the name", f->f.id);
	if (f->f.id != (uint32_t)im->nfiles + 1)
		return img_fail(im, "FILE id %u, want %d (ids count up from 1)",
				f->f.id, im->nfiles + 1);
	if (f->f.kind < CRYO_FILE_REG || f->f.kind > CRYO_FILE_OTHER)
		return img_fail(im, "FILE %u: kind %u", f->f.id, f->f.kind);
	if (f->f.flags & ~(CRYO_FILE_UNLINKED | CRYO_FILE_LOST))
		return img_fail(im, "FILE %u: flags %#x", f->f.id, f->f.flags);
	if (f->f.data_size > (1ULL << 32))
		return img_fail(im, "FILE %u: data_size %llu", f->f.id,
				(unsigned long long)f->f.data_size);
	if (f->f.data_size) {
		f->data = malloc(f->f.data_size);
		if (!f->data)
			return img_fail(im, "out of memory");
	}
	im->nfiles++;
	im->file_open = 1;
	return 0;
}

static int parse_file_data(struct image *im, const unsigned char *p,
			   uint32_t len)
{
	struct cryo_image_file_data d;
	struct img_file *f;
	uint32_t n;

	if (!im->file_open)
		return img_fail(im, "FILE_DATA not right after a FILE and its data");
	f = &im->files[im->nfiles - 1];
	if (len <= sizeof(d))
		return img_fail(im, "FILE_DATA of %u bytes", len);
	memcpy(&d, p, sizeof(d));
	n = len - sizeof(d);
	if (d.id != f->f.id || d.__reserved)
		return img_fail(im, "FILE_DATA for id %u (reserved %u) after FILE %u",
				d.id, d.__reserved, f->f.id);
	if (d.offset != f->data_got || f->data_got + n > f->f.data_size)
		return img_fail(im, "FILE_DATA of FILE %u: %u bytes at %llu, %llu of %llu seen",
				f->f.id, n, (unsigned long long)d.offset,
				(unsigned long long)f->data_got,
				(unsigned long long)f->f.data_size);
	memcpy(f->data + f->data_got, p + sizeof(d), n);
	f->data_got += n;
	f->data_recs++;
	return 0;
}

static int parse_fd(struct image *im, const unsigned char *p, uint32_t len)
{
	struct img_fd *d;
	struct img_file *f;

	if (im->nfds == MAX_FDS)
		return img_fail(im, "too many FD records");
	d = &im->fds[im->nfds];
	if (len != sizeof(d->d))
		return img_fail(im, "FD of %u bytes", len);
	memcpy(&d->d, p, sizeof(d->d));
	if (!d->d.file_id || d->d.file_id > (uint32_t)im->nfiles)
		return img_fail(im, "FD %u refers to file %u, not in the image yet",
				d->d.fd, d->d.file_id);
	f = &im->files[d->d.file_id - 1];
	if (im->file_open) {
		struct img_file *cur = &im->files[im->nfiles - 1];

		if (d->d.file_id != cur->f.id)
			return img_fail(im, "FD %u refers to file %u right after FILE %u",
					d->d.fd, d->d.file_id, cur->f.id);
		if (cur->data_got != cur->f.data_size)
			return img_fail(im, "FD %u before all FILE_DATA of FILE %u",
					d->d.fd, cur->f.id);
		im->file_open = 0;
	}
	if (d->d.__reserved || (d->d.flags & ~CRYO_FD_CLOEXEC))
		return img_fail(im, "FD %u: flags %#x reserved %u", d->d.fd,
				d->d.flags, d->d.__reserved);
	if (im->nfds && d->d.fd <= im->fds[im->nfds - 1].d.fd)
		return img_fail(im, "FD %u after FD %u: not ascending",
				d->d.fd, im->fds[im->nfds - 1].d.fd);
	d->file = d->d.file_id - 1;
	f->nfds++;
	im->nfds++;
	return 0;
}

static int parse_fs(struct image *im, const unsigned char *p, uint32_t len)
{
	struct cryo_image_fs *fs = &im->fs;
	uint64_t need;

	if (len < sizeof(*fs))
		return img_fail(im, "FS of %u bytes", len);
	memcpy(fs, p, sizeof(*fs));
	need = sizeof(*fs) + (uint64_t)fs->exe_len + fs->cwd_len + fs->root_len;
	if (len != need || fs->cwd_mode || fs->exe_len >= PATH_MAX ||
	    fs->cwd_len >= PATH_MAX || fs->root_len >= PATH_MAX)
		return img_fail(im, "FS of %u bytes: %u + %u + %u, reserved %u",
				len, fs->exe_len, fs->cwd_len, fs->root_len,
				fs->cwd_mode);
	p += sizeof(*fs);
	memcpy(im->exe, p, fs->exe_len);
	im->exe[fs->exe_len] = '\0';
	p += fs->exe_len;
	memcpy(im->cwd, p, fs->cwd_len);
	im->cwd[fs->cwd_len] = '\0';
	p += fs->cwd_len;
	memcpy(im->root, p, fs->root_len);
	im->root[fs->root_len] = '\0';
	return 0;
}

static int parse_record(struct image *im, const struct cryoctl_record *r,
			const unsigned char *p)
{
	size_t i;

	switch (r->type) {
	case CRYO_REC_HEADER:
		if (r->len != sizeof(im->hdr))
			return img_fail(im, "HEADER of %u bytes", r->len);
		memcpy(&im->hdr, p, sizeof(im->hdr));
		if (memcmp(im->hdr.magic, CRYO_IMAGE_MAGIC, sizeof(im->hdr.magic)) ||
		    im->hdr.major != CRYO_IMAGE_MAJOR)
			return img_fail(im, "bad magic or major");
		return 0;
	case CRYO_REC_PROCESS:
		if (r->len != sizeof(im->proc))
			return img_fail(im, "PROCESS of %u bytes", r->len);
		memcpy(&im->proc, p, sizeof(im->proc));
		return 0;
	case CRYO_REC_GROUPS:
		if (r->len % 4 || r->len > sizeof(im->groups))
			return img_fail(im, "GROUPS of %u bytes", r->len);
		memcpy(im->groups, p, r->len);
		im->ngroups = r->len / 4;
		return 0;
	case CRYO_REC_AUXV:
		if (r->len % 16 || !r->len || r->len > sizeof(im->auxv))
			return img_fail(im, "AUXV of %u bytes", r->len);
		memcpy(im->auxv, p, r->len);
		im->auxv_len = r->len;
		for (i = 0; i < r->len / 8 - 2; i += 2)
			if (im->auxv[i] == AT_NULL)
				return img_fail(im, "AUXV: AT_NULL before the end");
		if (im->auxv[r->len / 8 - 2] != AT_NULL)
			return img_fail(im, "AUXV does not end in AT_NULL");
		return 0;
	case CRYO_REC_FS:
		return parse_fs(im, p, r->len);
	case CRYO_REC_SIGNALS:
		if (r->len != sizeof(im->sig))
			return img_fail(im, "SIGNALS of %u bytes, want %zu", r->len,
					sizeof(im->sig));
		memcpy(&im->sig, p, sizeof(im->sig));
		return 0;
	case CRYO_REC_THREAD: {
		struct img_thread *t = &im->thr[im->nthr];

		if (im->nthr == MAX_THREADS)
			return img_fail(im, "too many THREAD records");
		if (r->len < sizeof(t->t))
			return img_fail(im, "THREAD of %u bytes", r->len);
		memcpy(&t->t, p, sizeof(t->t));
		if (r->len != sizeof(t->t) + t->t.fpu_size ||
		    t->t.fpu_size != im->hdr.fpu_size)
			return img_fail(im, "THREAD of %u bytes, fpu_size %u (header %u)",
					r->len, t->t.fpu_size, im->hdr.fpu_size);
		/* Into im->buf: the reader's copy does not last. */
		t->fpu = im->buf + r->offset + sizeof(struct cryo_rec) + sizeof(t->t);
		im->nthr++;
		return 0;
	}
	case CRYO_REC_FILE:
		return parse_file(im, p, r->len);
	case CRYO_REC_FILE_DATA:
		return parse_file_data(im, p, r->len);
	case CRYO_REC_FD:
		return parse_fd(im, p, r->len);
	case CRYO_REC_PAGES: {
		struct cryo_image_pages pg;

		if (r->len < sizeof(pg))
			return img_fail(im, "PAGES of %u bytes", r->len);
		memcpy(&pg, p, sizeof(pg));
		im->npages += pg.nr_pages;
		return 0;
	}
	case CRYO_REC_SHM_PAGES: {
		struct cryo_image_shm_pages sp;

		/* The TRAILER counts a shared memory object's pages too (2.3). */
		if (r->len < sizeof(sp))
			return img_fail(im, "SHM_PAGES of %u bytes", r->len);
		memcpy(&sp, p, sizeof(sp));
		im->npages += sp.nr_pages;
		return 0;
	}
	case CRYO_REC_TRAILER:
		if (r->len != sizeof(im->trailer))
			return img_fail(im, "TRAILER of %u bytes", r->len);
		memcpy(&im->trailer, p, sizeof(im->trailer));
		return 0;
	}
	return 0;
}

/* The records an image has exactly one of. */
static const uint32_t once[] = {
	CRYO_REC_HEADER, CRYO_REC_PROCESS, CRYO_REC_AUXV, CRYO_REC_FS,
	CRYO_REC_SIGNALS, CRYO_REC_TRAILER,
};

/* One record from libcryoctl's reader: its place, then its contents. */
static int walk_rec(const struct cryoctl_record *r, void *arg)
{
	struct image *im = arg;
	int rk = cryo_rec_rank(r->type);
	unsigned int i;

	im->nrec = r->index;
	if (rk < 0)
		return img_fail(im, "unknown type %u", r->type);
	if (!im->nrec && r->type != CRYO_REC_HEADER)
		return img_fail(im, "the first record is type %u", r->type);
	if (rk < im->rank)
		return img_fail(im, "type %u out of order", r->type);
	if (im->rank == CRYO_RANK_FILES && rk != CRYO_RANK_FILES && file_done(im))
		return -1;
	if (r->type == CRYO_REC_GROUPS && im->counts[r->type])
		return img_fail(im, "a second GROUPS");
	for (i = 0; i < ARRAY_SIZE(once); i++)
		if (r->type == once[i] && im->counts[r->type])
			return img_fail(im, "a second record of type %u", r->type);
	im->rank = rk;
	if (parse_record(im, r, r->payload))
		return -1;
	im->counts[r->type & 0xff]++;
	if (r->type == CRYO_REC_TRAILER)
		im->trailer_off = r->offset;
	return 0;
}

/*
 * Check and index the whole image; im->err says what is wrong.  The
 * reader checks every record's checksum, length and reserved field, and
 * the stream's end; the order, the files section and the counts are
 * checked here again, against what the test itself reads.
 */
static int walk_image(struct image *im)
{
	char err[256];
	unsigned int i;
	long n;

	im->rank = -1;
	n = cryo_image_walk(im->buf, im->len, walk_rec, im, err, sizeof(err));
	if (n < 0 && err[0])
		return img_fail(im, "libcryoctl: %s", err);
	if (n < 0)
		return -1;
	im->nrec = n;
	if (!im->counts[CRYO_REC_TRAILER])
		return img_fail(im, "no TRAILER");
	if (im->trailer_off + sizeof(struct cryo_rec) + sizeof(im->trailer) != im->len)
		return img_fail(im, "%zu bytes after the TRAILER",
				im->len - im->trailer_off - sizeof(struct cryo_rec) -
				sizeof(im->trailer));
	for (i = 0; i < ARRAY_SIZE(once); i++)
		if (im->counts[once[i]] != 1)
			return img_fail(im, "%d records of type %u, want 1",
					im->counts[once[i]], once[i]);
	if (im->trailer.nr_records != (uint64_t)im->nrec - 1 ||
	    im->trailer.bytes != im->trailer_off || im->trailer.nr_pages != im->npages)
		return img_fail(im, "TRAILER counts %llu records, %llu bytes, %llu pages; read %ld, %zu, %llu",
				(unsigned long long)im->trailer.nr_records,
				(unsigned long long)im->trailer.bytes,
				(unsigned long long)im->trailer.nr_pages,
				im->nrec - 1, im->trailer_off,
				(unsigned long long)im->npages);
	if ((uint32_t)im->nthr != im->hdr.nr_threads)
		return img_fail(im, "%d THREAD records, the header says %u",
				im->nthr, im->hdr.nr_threads);
	return 0;
}

static void free_image(struct image *im)
{
	int i;

	for (i = 0; i < im->nfiles; i++)
		free(im->files[i].data);
	free(im->buf);
	memset(im, 0, sizeof(*im));
}

static const struct img_thread *find_thread(const struct image *im, int tid)
{
	int i;

	for (i = 0; i < im->nthr; i++)
		if (im->thr[i].t.tid == tid)
			return &im->thr[i];
	return NULL;
}

static const struct img_fd *find_fd(const struct image *im, int fd)
{
	int i;

	for (i = 0; i < im->nfds; i++)
		if ((int)im->fds[i].d.fd == fd)
			return &im->fds[i];
	return NULL;
}

static const struct img_file *fd_file(const struct image *im, int fd)
{
	const struct img_fd *d = find_fd(im, fd);

	return d ? &im->files[d->file] : NULL;
}

/* ---- /proc and friends ------------------------------------------------ */

/* A character device a thaw reopens (see image-format.rst). */
static int chr_reopenable(dev_t rdev)
{
	unsigned int ma = major(rdev), mi = minor(rdev);

	if (ma == 1)
		return mi == 3 || mi == 5 || mi == 7 || mi == 8 || mi == 9;
	return ma == 4 || ma == 5 || (ma >= 136 && ma < 144);
}

static int read_link(char *buf, size_t cap, const char *fmt, ...)
{
	char path[128];
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	n = readlink(path, buf, cap - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* A hex mask line of /proc/PID[/task/TID]/status, such as "SigBlk:". */
static uint64_t status_mask(int pid, int tid, const char *key)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
		return ~0ULL;
	p = strstr(buf, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : ~0ULL;
}

/* "Uid:" / "Gid:" of /proc/PID/status: real, effective, saved, fs. */
static int status_ids(int pid, const char *key, uint32_t ids[4])
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (cryo_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, key);
	if (!p || sscanf(p + strlen(key), "%u %u %u %u", &ids[0], &ids[1],
			 &ids[2], &ids[3]) != 4)
		return -1;
	return 0;
}

static long kcmp_files(int pid, int fd1, int fd2)
{
	return syscall(SYS_kcmp, pid, pid, KCMP_FILE, fd1, fd2);
}

static double ts_sec(const struct timespec *ts)
{
	return ts->tv_sec + ts->tv_nsec / 1e9;
}

/* ---- the fixture ------------------------------------------------------ */

/*
 * progs/state_target, started by cryo_thaw.h's harness (fds 0 and 1 its
 * command and reply pipes, 2 a log in the scratch directory), and what
 * the test keeps of it.
 */
struct st_tgt {
	struct tgt p;
	int dev;
	struct shared *sh;	/* the target's page, mapped here too */
	size_t sh_len;
	struct image *im;
};

/* The target's shared page, through /proc/PID/map_files. */
static struct shared *map_shared(pid_t pid, uint64_t addr, uint64_t len)
{
	struct shared *sh;
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", pid,
		 (unsigned long long)addr, (unsigned long long)(addr + len));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	sh = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return sh == MAP_FAILED ? NULL : sh;
}

static int tgt_start(struct st_tgt *t)
{
	const char *prog = cryo_prog("state_target");
	const char *const argv[] = { "state_target", NULL };
	uint64_t where[2];
	char h;

	t->dev = -1;
	t->im = calloc(1, sizeof(*t->im));
	if (!t->im || tgt_init(&t->p, "state") || tgt_spawn(&t->p, prog, argv, NULL, 0))
		return -1;
	if (read(t->p.rep, &h, 1) != 1 || h != 'h' ||
	    read(t->p.rep, where, sizeof(where)) != sizeof(where))
		return -1;
	t->sh = map_shared(t->p.pid, where[0], where[1]);
	if (!t->sh)
		return -1;
	t->sh_len = where[1];
	strcpy(t->sh->dir, t->p.dir);
	/* Only now: the target must not inherit the session. */
	t->dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	return t->dev < 0 ? -1 : 0;
}

/* Kill the target and check it died of that; free the rest. */
static int tgt_stop(struct st_tgt *t)
{
	int ret = tgt_fini(&t->p);

	if (t->dev >= 0)
		close(t->dev);
	if (t->im) {
		free_image(t->im);
		free(t->im);
	}
	if (t->sh)
		munmap(t->sh, t->sh_len);
	return ret;
}

static int tcmd(struct st_tgt *t, char c)
{
	char r;

	if (write(t->p.cmd, &c, 1) != 1 || read(t->p.rep, &r, 1) != 1)
		return -1;
	return r == 'k' ? 0 : -1;
}

/* CRYO_IOC_FREEZE; 0 or -errno, @f holds the out fields. */
/*
 * The target shares its report page with us and holds our command pipes:
 * both are refused as held outside the tree but with ACCEPT_LOSS, which
 * every freeze here passes (and the image then says).
 */
static int tfreeze(struct st_tgt *t, unsigned int flags, struct cryo_freeze *f)
{
	memset(f, 0, sizeof(*f));
	f->size = sizeof(*f);
	f->flags = flags | CRYO_FREEZE_ACCEPT_LOSS;
	f->pid = t->p.pid;
	/* unlinked_large's file is over the default limit (ABI 1.12). */
	f->max_deleted_data = 4 << 20;
	return ioctl(t->dev, CRYO_IOC_FREEZE, f) ? -errno : 0;
}

/* Read the image to EOF in odd-sized pieces into t->im; 0 or -errno. */
static int tread(struct st_tgt *t)
{
	unsigned char *buf;
	size_t len;

	errno = 0;
	len = cryo_read_stream(t->dev, &buf);
	if (!buf)
		return errno ? -errno : -ENOMEM;
	free_image(t->im);
	t->im->buf = buf;
	t->im->len = len;
	return 0;
}

/* Resume a LEAVE_FROZEN target: end the session, open a fresh one. */
static int tresume(struct st_tgt *t)
{
	close(t->dev);
	t->dev = open(CRYO_DEV, O_RDWR | O_CLOEXEC);
	return t->dev < 0 ? -1 : 0;
}

#define TCMD(c) \
	ASSERT_EQ(0, tcmd(&self->t, c)) TH_LOG("target: '%c': %s", c, self->t.sh->errmsg)

/* Freeze with @flags, expect @nthr threads, read and walk the image. */
#define FREEZE_AND_WALK(flags, nthr) do {					\
		struct cryo_freeze __f;						\
		int __r = tfreeze(&self->t, flags, &__f);			\
									\
		ASSERT_EQ(0, __r) TH_LOG("FREEZE: %s", strerror(-__r));	\
		EXPECT_EQ(nthr, __f.nr_threads);				\
		EXPECT_EQ(-1, __f.bad_fd);					\
		__r = tread(&self->t);					\
		ASSERT_EQ(0, __r) TH_LOG("read: %s", strerror(-__r));	\
		ASSERT_EQ(0, walk_image(self->t.im))			\
			TH_LOG("image: %s", self->t.im->err);		\
		EXPECT_EQ((flags) | CRYO_FREEZE_ACCEPT_LOSS,		\
			  self->t.im->hdr.freeze_flags);			\
		EXPECT_EQ(self->t.p.pid, self->t.im->thr[0].t.tid);		\
	} while (0)

/*
 * This harness runs the test body even after a SKIP() in the fixture's
 * setup: without a target, there is nothing to do.
 */
#define NEED_TARGET() do {						\
		if (!self->t.sh)					\
			return;						\
	} while (0)

static int ping(struct st_tgt *t)
{
	return tcmd(t, 'p');
}

FIXTURE(st) {
	struct st_tgt t;
};

FIXTURE_SETUP(st)
{
	self->t.dev = self->t.p.cmd = self->t.p.rep = -1;
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, tgt_start(&self->t)) TH_LOG("start: %s", strerror(errno));
}

FIXTURE_TEARDOWN(st)
{
	EXPECT_EQ(0, tgt_stop(&self->t)) TH_LOG("%s", self->t.p.end);
}

/*
 * Every fd of the image against /proc/PID/fd, fdinfo, stat() and kcmp():
 * the same numbers, cloexec, position, flags, kind, identity, name, and
 * two fds share a file id exactly when they share a description.
 */
static void check_fds_against_proc(struct __test_metadata *_metadata,
				   const struct image *im, int pid)
{
	char path[64], link[PATH_MAX];
	int proc_fds[MAX_FDS], nproc = 0, i, j;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d)) && nproc < MAX_FDS)
		if (de->d_name[0] != '.')
			proc_fds[nproc++] = atoi(de->d_name);
	closedir(d);

	EXPECT_EQ(nproc, im->nfds);
	for (i = 0; i < nproc; i++) {
		const struct img_fd *fd = find_fd(im, proc_fds[i]);
		const struct img_file *f;
		unsigned int flags;
		long long pos;
		struct stat st;
		unsigned int want_kind;

		EXPECT_NE(NULL, fd) TH_LOG("fd %d of /proc is not in the image",
					   proc_fds[i]);
		if (!fd)
			continue;
		f = &im->files[fd->file];
		ASSERT_EQ(0, cryo_fdinfo(pid, proc_fds[i], &pos, &flags));
		EXPECT_EQ(!!(flags & O_CLOEXEC), !!(fd->d.flags & CRYO_FD_CLOEXEC))
			TH_LOG("fd %d: cloexec", proc_fds[i]);
		EXPECT_EQ(flags & ~O_CLOEXEC, f->f.open_flags)
			TH_LOG("fd %d (%s): open_flags %#o, fdinfo says %#o",
			       proc_fds[i], f->name, f->f.open_flags,
			       flags & ~O_CLOEXEC);
		EXPECT_EQ(pos, f->f.pos) TH_LOG("fd %d (%s): pos", proc_fds[i],
						f->name);
		ASSERT_EQ(0, read_link(link, sizeof(link), "/proc/%d/fd/%d", pid,
				       proc_fds[i]));
		EXPECT_STREQ(link, f->name) TH_LOG("fd %d: name", proc_fds[i]);
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, proc_fds[i]);
		ASSERT_EQ(0, stat(path, &st));
		switch (st.st_mode & S_IFMT) {
		case S_IFREG:
			want_kind = CRYO_FILE_REG;
			break;
		case S_IFDIR:
			want_kind = CRYO_FILE_DIR;
			break;
		case S_IFCHR:
			/* The devices a reopen restores: see image-format.rst. */
			want_kind = chr_reopenable(st.st_rdev) ? CRYO_FILE_CHR :
								 CRYO_FILE_OTHER;
			break;
		case S_IFIFO:
			want_kind = strncmp(link, "pipe:[", 6) ? CRYO_FILE_FIFO :
								  CRYO_FILE_PIPE;
			break;
		default:
			want_kind = CRYO_FILE_OTHER;
		}
		EXPECT_EQ(want_kind, f->f.kind) TH_LOG("fd %d (%s): kind",
						       proc_fds[i], link);
		if (want_kind == CRYO_FILE_OTHER)
			continue;
		EXPECT_EQ(0, f->f.flags & CRYO_FILE_LOST);
		EXPECT_EQ(st.st_mode, f->f.mode) TH_LOG("fd %d: mode", proc_fds[i]);
		EXPECT_EQ(st.st_ino, f->f.ino) TH_LOG("fd %d: ino", proc_fds[i]);
		EXPECT_EQ(st.st_dev, f->f.dev) TH_LOG("fd %d: dev", proc_fds[i]);
		EXPECT_EQ(st.st_rdev, f->f.rdev) TH_LOG("fd %d: rdev", proc_fds[i]);
		if (want_kind == CRYO_FILE_REG) {
			EXPECT_EQ(st.st_size, f->f.size) TH_LOG("fd %d: size",
								proc_fds[i]);
			EXPECT_EQ(st.st_mtim.tv_sec * (long long)NS + st.st_mtim.tv_nsec,
				  f->f.mtime_ns) TH_LOG("fd %d: mtime", proc_fds[i]);
			EXPECT_EQ(!st.st_nlink, !!(f->f.flags & CRYO_FILE_UNLINKED))
				TH_LOG("fd %d: unlinked flag", proc_fds[i]);
		} else {
			EXPECT_EQ(0, f->f.flags & CRYO_FILE_UNLINKED);
		}
		if (want_kind == CRYO_FILE_PIPE || want_kind == CRYO_FILE_FIFO) {
			EXPECT_NE(0, f->f.pipe_id) TH_LOG("fd %d: pipe_id", proc_fds[i]);
		} else {
			EXPECT_EQ(0, f->f.pipe_id) TH_LOG("fd %d: pipe_id", proc_fds[i]);
		}
	}

	/* Shared ids exactly where the kernel shares the struct file. */
	for (i = 0; i < im->nfds; i++) {
		for (j = i + 1; j < im->nfds; j++) {
			long same = kcmp_files(pid, im->fds[i].d.fd, im->fds[j].d.fd);

			if (same < 0 && errno == ENOSYS)
				return;
			EXPECT_EQ(same == 0,
				  im->fds[i].d.file_id == im->fds[j].d.file_id)
				TH_LOG("fds %u and %u: kcmp %ld, ids %u %u",
				       im->fds[i].d.fd, im->fds[j].d.fd, same,
				       im->fds[i].d.file_id, im->fds[j].d.file_id);
		}
	}
}

TEST_F(st, files_and_fds)
{
	const struct img_file *reg, *dup, *dup2, *app, *clo, *null, *pr, *pw, *unl;
	const struct img_file *fifo, *dir;
	const struct image *im = self->t.im;
	struct shared *s = self->t.sh;
	char path[PATH_MAX], link[PATH_MAX];
	int i, ncloexec = 0, status;

	NEED_TARGET();

	TCMD('F');
	FREEZE_AND_WALK(CRYO_FREEZE_LEAVE_FROZEN, 1);

	/* Still parked: the very state the image was taken from. */
	check_fds_against_proc(_metadata, im, self->t.p.pid);

	for (i = 0; i < 3; i++) {
		EXPECT_NE(NULL, find_fd(im, i)) TH_LOG("fd %d missing", i);
	}

	reg = fd_file(im, s->fd_reg);
	dup = fd_file(im, s->fd_dup);
	dup2 = fd_file(im, DUP_FD);
	app = fd_file(im, s->fd_app);
	clo = fd_file(im, s->fd_cloexec);
	null = fd_file(im, s->fd_null);
	pr = fd_file(im, s->fd_pr);
	pw = fd_file(im, s->fd_pw);
	unl = fd_file(im, s->fd_unl);
	fifo = fd_file(im, s->fd_fifo);
	dir = fd_file(im, s->fd_dir);
	ASSERT_NE(NULL, fifo);
	ASSERT_NE(NULL, dir);
	ASSERT_NE(NULL, reg);
	ASSERT_NE(NULL, dup);
	ASSERT_NE(NULL, dup2);
	ASSERT_NE(NULL, app);
	ASSERT_NE(NULL, clo);
	ASSERT_NE(NULL, null);
	ASSERT_NE(NULL, pr);
	ASSERT_NE(NULL, pw);
	ASSERT_NE(NULL, unl);

	/* The regular file, at REG_POS. */
	snprintf(path, sizeof(path), "%s/reg", s->dir);
	EXPECT_EQ(CRYO_FILE_REG, reg->f.kind);
	EXPECT_EQ(O_RDWR, reg->f.open_flags & O_ACCMODE);
	EXPECT_EQ(0, reg->f.open_flags & O_APPEND);
	EXPECT_EQ(REG_POS, reg->f.pos);
	EXPECT_EQ(REG_BYTES, reg->f.size);
	EXPECT_EQ(0, reg->f.flags);
	EXPECT_EQ(0, reg->f.data_size);
	EXPECT_STREQ(path, reg->name);

	/* dup2()ed far away: one description, one id, one offset. */
	snprintf(path, sizeof(path), "%s/dup", s->dir);
	EXPECT_EQ(dup, dup2);
	EXPECT_EQ(dup->f.id, find_fd(im, DUP_FD)->d.file_id);
	EXPECT_EQ(2, dup->nfds);
	EXPECT_EQ(DUP_POS, dup->f.pos);
	EXPECT_EQ(O_RDONLY, dup->f.open_flags & O_ACCMODE);
	EXPECT_STREQ(path, dup->name);
	/* Nobody else shares an id with anybody among ours. */
	EXPECT_NE(reg->f.id, app->f.id);
	EXPECT_NE(reg->f.id, dup->f.id);
	EXPECT_NE(clo->f.id, dup->f.id);
	EXPECT_NE(pr->f.id, pw->f.id);
	EXPECT_NE(unl->f.id, reg->f.id);
	EXPECT_EQ(1, reg->nfds);
	EXPECT_EQ(1, app->nfds);
	EXPECT_EQ(1, clo->nfds);
	EXPECT_EQ(1, null->nfds);
	EXPECT_EQ(1, pr->nfds);
	EXPECT_EQ(1, pw->nfds);
	EXPECT_EQ(1, unl->nfds);

	/* O_APPEND. */
	snprintf(path, sizeof(path), "%s/app", s->dir);
	EXPECT_EQ(CRYO_FILE_REG, app->f.kind);
	EXPECT_EQ(O_WRONLY | O_APPEND,
		  app->f.open_flags & (O_ACCMODE | O_APPEND));
	EXPECT_EQ(APP_BYTES, app->f.pos);
	EXPECT_STREQ(path, app->name);

	/* Close-on-exec on exactly that one fd. */
	for (i = 0; i < im->nfds; i++) {
		if (!(im->fds[i].d.flags & CRYO_FD_CLOEXEC))
			continue;
		ncloexec++;
		EXPECT_EQ(s->fd_cloexec, im->fds[i].d.fd)
			TH_LOG("fd %u has CRYO_FD_CLOEXEC", im->fds[i].d.fd);
	}
	EXPECT_EQ(1, ncloexec);
	EXPECT_EQ(0, clo->f.open_flags & O_CLOEXEC);

	/* /dev/null: a character device 1:3. */
	EXPECT_EQ(CRYO_FILE_CHR, null->f.kind);
	EXPECT_EQ(0x103, null->f.rdev);
	EXPECT_EQ(makedev(1, 3), null->f.rdev);
	EXPECT_TRUE(S_ISCHR(null->f.mode));
	EXPECT_EQ(O_RDWR, null->f.open_flags & O_ACCMODE);
	EXPECT_STREQ("/dev/null", null->name);

	/* The pipe: one identity, two ends, the bytes once with the first. */
	EXPECT_EQ(CRYO_FILE_PIPE, pr->f.kind);
	EXPECT_EQ(CRYO_FILE_PIPE, pw->f.kind);
	EXPECT_NE(0, pr->f.pipe_id);
	EXPECT_EQ(pr->f.pipe_id, pw->f.pipe_id);
	EXPECT_EQ(O_RDONLY, pr->f.open_flags & O_ACCMODE);
	EXPECT_EQ(O_WRONLY, pw->f.open_flags & O_ACCMODE);
	ASSERT_EQ(0, read_link(link, sizeof(link), "/proc/%d/fd/%d", self->t.p.pid,
			       s->fd_pr));
	EXPECT_STREQ(link, pr->name);
	EXPECT_STREQ(link, pw->name);
	/* The write end has the lower fd: it is met first and has the bytes. */
	ASSERT_LT(s->fd_pw, s->fd_pr);
	EXPECT_LT(pw->f.id, pr->f.id);
	EXPECT_EQ(PIPE_BYTES, pw->f.data_size);
	EXPECT_EQ(0, pr->f.data_size);
	EXPECT_EQ(0, pr->data_recs);
	if (pw->data_got == PIPE_BYTES) {
		EXPECT_TRUE(same_pattern(pw->data, PIPE_BYTES, 3))
			TH_LOG("the pipe's bytes differ from what was written");
	}
	/* No other pipe of the target shares that identity. */
	for (i = 0; i < im->nfiles; i++) {
		if (&im->files[i] != pr && &im->files[i] != pw) {
			EXPECT_NE(pr->f.pipe_id, im->files[i].f.pipe_id);
		}
	}

	/* The unlinked file: flagged, its contents in FILE_DATA. */
	EXPECT_EQ(CRYO_FILE_REG, unl->f.kind);
	EXPECT_EQ(CRYO_FILE_UNLINKED, unl->f.flags);
	EXPECT_EQ(UNL_BYTES, unl->f.size);
	EXPECT_EQ(UNL_BYTES, unl->f.pos);
	EXPECT_EQ(UNL_BYTES, unl->f.data_size);
	if (unl->data_got == UNL_BYTES) {
		EXPECT_TRUE(same_pattern(unl->data, UNL_BYTES, 4))
			TH_LOG("the unlinked file's contents differ");
	}
	ASSERT_EQ(0, read_link(link, sizeof(link), "/proc/%d/fd/%d", self->t.p.pid,
			       s->fd_unl));
	EXPECT_STREQ(link, unl->name);

	/* The FIFO: its path, its identity, its bytes. */
	snprintf(path, sizeof(path), "%s/fifo", s->dir);
	EXPECT_EQ(CRYO_FILE_FIFO, fifo->f.kind);
	EXPECT_TRUE(S_ISFIFO(fifo->f.mode));
	EXPECT_EQ(O_RDWR | O_NONBLOCK,
		  fifo->f.open_flags & (O_ACCMODE | O_NONBLOCK));
	EXPECT_NE(0, fifo->f.pipe_id);
	EXPECT_NE(pr->f.pipe_id, fifo->f.pipe_id);
	EXPECT_STREQ(path, fifo->name);
	EXPECT_EQ(FIFO_BYTES, fifo->f.data_size);
	if (fifo->data_got == FIFO_BYTES) {
		EXPECT_TRUE(same_pattern(fifo->data, FIFO_BYTES, 6))
			TH_LOG("the FIFO's bytes differ from what was written");
	}

	/* The directory. */
	EXPECT_EQ(CRYO_FILE_DIR, dir->f.kind);
	EXPECT_TRUE(S_ISDIR(dir->f.mode));
	EXPECT_EQ(O_DIRECTORY, dir->f.open_flags & O_DIRECTORY);
	EXPECT_STREQ(s->dir, dir->name);

	/* No FILE_DATA anywhere else but the pipes'. */
	for (i = 0; i < im->nfiles; i++) {
		if (&im->files[i] != unl && &im->files[i] != fifo &&
		    im->files[i].f.kind != CRYO_FILE_PIPE) {
			EXPECT_EQ(0, im->files[i].f.data_size)
				TH_LOG("%s has data", im->files[i].name);
		}
	}

	/* Resumed, everything is as the target left it. */
	ASSERT_EQ(0, tresume(&self->t));
	EXPECT_EQ(0, waitpid(self->t.p.pid, &status, WNOHANG | WUNTRACED));
	TCMD('X');
}

TEST_F(st, unlinked_large)
{
	const struct image *im = self->t.im;
	const struct img_file *big;
	char link[PATH_MAX];

	NEED_TARGET();

	TCMD('U');
	FREEZE_AND_WALK(CRYO_FREEZE_LEAVE_FROZEN, 1);
	big = fd_file(im, self->t.sh->fd_big);
	ASSERT_NE(NULL, big);
	EXPECT_EQ(CRYO_FILE_REG, big->f.kind);
	EXPECT_EQ(CRYO_FILE_UNLINKED, big->f.flags);
	EXPECT_EQ(BIG_BYTES, big->f.size);
	EXPECT_EQ(BIG_POS, big->f.pos);
	EXPECT_EQ(BIG_BYTES, big->f.data_size);
	/* Records are at most CRYO_REC_MAX_LEN: three or more of them. */
	EXPECT_LE(3, big->data_recs);
	ASSERT_EQ(BIG_BYTES, big->data_got);
	EXPECT_TRUE(same_pattern(big->data, BIG_BYTES, 5));
	ASSERT_EQ(0, read_link(link, sizeof(link), "/proc/%d/fd/%d", self->t.p.pid,
			       self->t.sh->fd_big));
	EXPECT_STREQ(link, big->name);
	ASSERT_EQ(0, tresume(&self->t));
	EXPECT_EQ(0, ping(&self->t));
}

TEST_F(st, image_passes_libcryoctl)
{
	struct cryoctl_image *img = NULL;
	struct cryoctl_record rec;
	long n = 0;
	int fd, ret;

	NEED_TARGET();

	TCMD('F');
	TCMD('S');
	FREEZE_AND_WALK(0, 1);
	fd = memfd_create("img", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(self->t.im->len, write(fd, self->t.im->buf, self->t.im->len));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ret = cryoctl_image_open(fd, &img);
	EXPECT_EQ(0, ret) TH_LOG("%s", cryoctl_image_error(img, NULL, NULL));
	if (!ret) {
		while ((ret = cryoctl_image_next(img, &rec)) == 1)
			n++;
	}
	EXPECT_EQ(0, ret) TH_LOG("libcryoctl: %s",
				 cryoctl_image_error(img, NULL, NULL));
	EXPECT_EQ(self->t.im->nrec - 1, n);
	cryoctl_image_close(img);
	close(fd);
}

TEST_F(st, signals)
{
	const struct cryo_image_signals *sg = &self->t.im->sig;
	const struct cryo_image_sigaction *a;
	const struct img_thread *main_thr;
	struct shared *s = self->t.sh;
	uint64_t ign, cgt, bit;
	int sig;

	NEED_TARGET();

	TCMD('S');
	/* Process-directed, blocked: stays shared-pending. */
	ASSERT_EQ(0, kill(self->t.p.pid, SIGTERM));
	FREEZE_AND_WALK(CRYO_FREEZE_LEAVE_FROZEN, 1);

	/* SIGUSR1: our handler, flags, restorer and mask, as the kernel has them. */
	a = &sg->action[SIGUSR1 - 1];
	EXPECT_EQ(s->handler, a->handler);
	EXPECT_EQ(s->kact.handler, a->handler);
	EXPECT_EQ(SA_RESTART | SA_SIGINFO, a->flags & (SA_RESTART | SA_SIGINFO));
	EXPECT_EQ(s->kact.flags, a->flags);
	EXPECT_EQ(s->kact.restorer, a->restorer);
	EXPECT_NE(0, a->mask & (1ULL << (SIGUSR2 - 1)));
	EXPECT_EQ(s->kact.mask, a->mask);
	EXPECT_EQ((uintptr_t)SIG_IGN, sg->action[SIGPIPE - 1].handler);
	EXPECT_EQ((uintptr_t)SIG_DFL, sg->action[SIGKILL - 1].handler);
	EXPECT_EQ((uintptr_t)SIG_DFL, sg->action[SIGTERM - 1].handler);

	/* Every disposition against /proc's SigIgn and SigCgt. */
	ign = status_mask(self->t.p.pid, self->t.p.pid, "SigIgn:");
	cgt = status_mask(self->t.p.pid, self->t.p.pid, "SigCgt:");
	for (sig = 1; sig <= 64; sig++) {
		bit = 1ULL << (sig - 1);
		EXPECT_EQ(!!(ign & bit), sg->action[sig - 1].handler == 1)
			TH_LOG("signal %d: handler %#llx, SigIgn %#llx", sig,
			       (unsigned long long)sg->action[sig - 1].handler,
			       (unsigned long long)ign);
		EXPECT_EQ(!!(cgt & bit), sg->action[sig - 1].handler > 1)
			TH_LOG("signal %d: handler %#llx, SigCgt %#llx", sig,
			       (unsigned long long)sg->action[sig - 1].handler,
			       (unsigned long long)cgt);
	}

	/* ITIMER_REAL: 10 s armed a moment ago, 2 s interval. */
	EXPECT_LT(8 * NS, sg->real_value_ns);
	EXPECT_GE(10 * NS, sg->real_value_ns);
	EXPECT_EQ(2 * NS, sg->real_interval_ns);

	/* The main thread: masks and pending sets, also against /proc. */
	main_thr = find_thread(self->t.im, self->t.p.pid);
	ASSERT_NE(NULL, main_thr);
	EXPECT_NE(0, main_thr->t.blocked & (1ULL << (SIGTERM - 1)));
	EXPECT_NE(0, main_thr->t.blocked & (1ULL << (SIGUSR2 - 1)));
	EXPECT_NE(0, (main_thr->t.pending | main_thr->t.shared_pending) &
		     (1ULL << (SIGUSR2 - 1)));
	EXPECT_NE(0, main_thr->t.pending & (1ULL << (SIGUSR2 - 1)));
	EXPECT_NE(0, main_thr->t.shared_pending & (1ULL << (SIGTERM - 1)));
	EXPECT_EQ(status_mask(self->t.p.pid, self->t.p.pid, "SigBlk:"),
		  main_thr->t.blocked);
	EXPECT_EQ(status_mask(self->t.p.pid, self->t.p.pid, "SigPnd:"),
		  main_thr->t.pending);
	EXPECT_EQ(status_mask(self->t.p.pid, self->t.p.pid, "ShdPnd:"),
		  main_thr->t.shared_pending);
	/* The alternate stack. */
	EXPECT_EQ(s->altstack, main_thr->t.sas_sp);
	EXPECT_EQ(65536, main_thr->t.sas_size);
	EXPECT_EQ(SS_AUTODISARM, main_thr->t.sas_flags);

	/* Resumed: nothing was delivered or lost. */
	ASSERT_EQ(0, tresume(&self->t));
	TCMD('P');
}

TEST_F(st, auxv)
{
	unsigned char proc[sizeof(self->t.im->auxv)];
	char path[64];
	ssize_t n;

	NEED_TARGET();

	FREEZE_AND_WALK(CRYO_FREEZE_LEAVE_FROZEN, 1);
	snprintf(path, sizeof(path), "/proc/%d/auxv", self->t.p.pid);
	n = cryo_read_file(path, (char *)proc, sizeof(proc));
	ASSERT_LT(16, n);
	EXPECT_EQ(n, self->t.im->auxv_len);
	EXPECT_EQ(0, memcmp(proc, self->t.im->auxv, n < self->t.im->auxv_len ?
						     n : self->t.im->auxv_len));
	/* Some entries every x86-64 process has. */
	EXPECT_EQ(4096, getauxval(AT_PAGESZ));
	{
		size_t i;
		int seen = 0;

		for (i = 0; i < self->t.im->auxv_len / 8; i += 2)
			if (self->t.im->auxv[i] == AT_PAGESZ)
				seen = self->t.im->auxv[i + 1] == 4096;
		EXPECT_TRUE(seen);
	}
}

TEST_F(st, fs_paths)
{
	char link[PATH_MAX];

	NEED_TARGET();

	if (geteuid())
		SKIP(return, "needs root to set groups and ids");
	TCMD('I');
	FREEZE_AND_WALK(CRYO_FREEZE_LEAVE_FROZEN, 1);
	ASSERT_EQ(0, read_link(link, sizeof(link), "/proc/%d/exe", self->t.p.pid));
	EXPECT_STREQ(link, self->t.im->exe);
	ASSERT_EQ(0, read_link(link, sizeof(link), "/proc/%d/cwd", self->t.p.pid));
	EXPECT_STREQ(link, self->t.im->cwd);
	EXPECT_STREQ(self->t.sh->cwd, self->t.im->cwd);
	EXPECT_EQ(0, strncmp(self->t.im->cwd, self->t.p.dir, strlen(self->t.p.dir)));
	ASSERT_EQ(0, read_link(link, sizeof(link), "/proc/%d/root", self->t.p.pid));
	EXPECT_STREQ(link, self->t.im->root);
	EXPECT_STREQ("/", self->t.im->root);
}

TEST_F(st, process_and_groups)
{
	const struct cryo_image_process *p = &self->t.im->proc;
	struct shared *s = self->t.sh;
	uint32_t ids[4];
	int i;

	NEED_TARGET();

	if (geteuid())
		SKIP(return, "needs root to set groups and ids");
	TCMD('I');
	FREEZE_AND_WALK(CRYO_FREEZE_LEAVE_FROZEN, 1);

	EXPECT_EQ(1, self->t.im->counts[CRYO_REC_GROUPS]);
	ASSERT_EQ(3, s->ngroups);
	EXPECT_EQ(s->ngroups, self->t.im->ngroups);
	for (i = 0; i < s->ngroups && i < (int)self->t.im->ngroups; i++) {
		EXPECT_EQ(s->groups[i], self->t.im->groups[i]) TH_LOG("group %d", i);
	}

	EXPECT_EQ(self->t.p.pid, p->pid);
	EXPECT_EQ(s->pid, p->pid);
	EXPECT_EQ(getpid(), p->ppid);
	EXPECT_EQ(s->ppid, p->ppid);
	EXPECT_EQ(s->pgid, p->pgid);
	EXPECT_EQ(self->t.p.pid, p->pgid);
	EXPECT_EQ(s->sid, p->sid);
	EXPECT_EQ(getsid(0), p->sid);
	EXPECT_STREQ("cryo-ident", p->comm);
	EXPECT_STREQ(s->comm, p->comm);
	EXPECT_EQ(027, p->umask);
	EXPECT_EQ(s->umask, p->umask);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(s->uid[i], p->uid[i]) TH_LOG("uid[%d]", i);
		EXPECT_EQ(s->gid[i], p->gid[i]) TH_LOG("gid[%d]", i);
	}
	EXPECT_EQ(1001, p->uid[0]);
	EXPECT_EQ(1002, p->uid[1]);
	EXPECT_EQ(1003, p->uid[2]);
	EXPECT_EQ(1002, p->uid[3]);
	EXPECT_EQ(2002, p->gid[3]);
	ASSERT_EQ(0, status_ids(self->t.p.pid, "Uid:", ids));
	EXPECT_EQ(0, memcmp(ids, p->uid, sizeof(ids)));
	ASSERT_EQ(0, status_ids(self->t.p.pid, "Gid:", ids));
	EXPECT_EQ(0, memcmp(ids, p->gid, sizeof(ids)));
}

TEST_F(st, registers)
{
	struct shared *s = self->t.sh;
	const struct image *im = self->t.im;
	uint64_t before[NR_REG_THREADS];
	int i, status;

	NEED_TARGET();

	TCMD('R');
	for (i = 0; i < NR_REG_THREADS; i++) {
		ASSERT_TRUE(WAIT_FOR(__atomic_load_n(&s->rt[i].counter,
						     __ATOMIC_RELAXED), 10))
			TH_LOG("thread %d does not spin", i);
	}
	FREEZE_AND_WALK(CRYO_FREEZE_LEAVE_FROZEN, 1 + NR_REG_THREADS);

	/* Parked means parked: no counter moves. */
	for (i = 0; i < NR_REG_THREADS; i++)
		before[i] = __atomic_load_n(&s->rt[i].counter, __ATOMIC_RELAXED);
	usleep(50000);
	for (i = 0; i < NR_REG_THREADS; i++) {
		EXPECT_EQ(before[i], __atomic_load_n(&s->rt[i].counter,
						     __ATOMIC_RELAXED))
			TH_LOG("thread %d ran while parked", i);
	}

	for (i = 0; i < NR_REG_THREADS; i++) {
		const struct img_thread *th = find_thread(im, s->rt[i].tid);
		const __u64 *r;
		uint64_t x[4];

		ASSERT_NE(NULL, th) TH_LOG("no THREAD for tid %d", s->rt[i].tid);
		r = th->t.regs;
		EXPECT_EQ(R14(i), r[CRYO_REG_R14]);
		EXPECT_EQ(R13(i), r[CRYO_REG_R13]);
		EXPECT_EQ(R12(i), r[CRYO_REG_R12]);
		/* &s->rt[i].counter, in the target. */
		EXPECT_EQ(s->at + offsetof(struct shared, rt[i].counter),
			  r[CRYO_REG_R9]);
		EXPECT_EQ(XMM1(i), r[CRYO_REG_R8]);
		EXPECT_EQ(XMM0(i), r[CRYO_REG_RCX]);
		EXPECT_EQ(R14(i), r[CRYO_REG_RDX]);
		EXPECT_EQ(R13(i), r[CRYO_REG_RSI]);
		EXPECT_EQ(R12(i), r[CRYO_REG_RDI]);
		EXPECT_EQ(~0ULL, r[CRYO_REG_ORIG_RAX]);		/* not in a syscall */
		EXPECT_EQ(CRYO_RESTART_NONE, th->t.restart);
		EXPECT_LE(s->spin_loop, r[CRYO_REG_RIP]);
		EXPECT_GT(s->spin_end, r[CRYO_REG_RIP]);
		EXPECT_EQ(0x33, r[CRYO_REG_CS]);
		EXPECT_EQ(0x2b, r[CRYO_REG_SS]);
		EXPECT_EQ(s->rt[i].fs_base, r[CRYO_REG_FS_BASE]);
		EXPECT_EQ(s->rt[i].fs_base, th->t.fs_base);
		EXPECT_EQ(r[CRYO_REG_GS_BASE], th->t.gs_base);

		ASSERT_LE(512, th->t.fpu_size);
		EXPECT_TRUE(th->t.fpu_format == CRYO_FPU_FXSAVE ||
			    th->t.fpu_format == CRYO_FPU_XSAVE);
		memcpy(x, th->fpu + 160, sizeof(x));
		EXPECT_EQ(XMM0(i), x[0]);
		EXPECT_EQ(0, x[1]);
		EXPECT_EQ(XMM1(i), x[2]);
		EXPECT_EQ(0, x[3]);
		if (th->t.fpu_format == CRYO_FPU_XSAVE) {
			uint64_t xstate_bv;

			ASSERT_LE(576, th->t.fpu_size);
			memcpy(&xstate_bv, th->fpu + 512, 8);
			EXPECT_NE(0, xstate_bv & 2) TH_LOG("SSE state not in XSTATE_BV");
			EXPECT_NE(0, im->hdr.xfeatures);
		} else {
			EXPECT_EQ(0, im->hdr.xfeatures);
		}
	}

	/* Released, they spin on. */
	ASSERT_EQ(0, tresume(&self->t));
	for (i = 0; i < NR_REG_THREADS; i++) {
		EXPECT_TRUE(WAIT_FOR(__atomic_load_n(&s->rt[i].counter,
						     __ATOMIC_RELAXED) != before[i], 10))
			TH_LOG("thread %d does not run on", i);
	}
	EXPECT_EQ(0, waitpid(self->t.p.pid, &status, WNOHANG | WUNTRACED));
}

/* rip points right after a syscall instruction of the target. */
static int after_syscall_insn(pid_t pid, uint64_t rip)
{
	unsigned char insn[2];
	struct iovec local = { insn, 2 };
	struct iovec remote = { (void *)(uintptr_t)(rip - 2), 2 };

	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != 2)
		return 0;
	return insn[0] == 0x0f && insn[1] == 0x05;
}

static int bt_state(struct shared *s, int k)
{
	return __atomic_load_n(&s->bt[k].state, __ATOMIC_ACQUIRE);
}

TEST_F(st, restart)
{
	static const long nr[NR_BT] = {
		[BT_NANO_LONG] = SYS_nanosleep, [BT_READ] = SYS_read,
		[BT_FUTEX] = SYS_futex, [BT_SELECT] = SYS_select,
		[BT_NANO_1S] = SYS_nanosleep,
	};
	static const char *const name[NR_BT] = {
		"nanosleep(1000s)", "read", "futex", "select", "nanosleep(1s)",
	};
	struct shared *s = self->t.sh;
	const struct image *im = self->t.im;
	const struct img_thread *main_thr;
	double t_eof, t0;
	int k, status;

	NEED_TARGET();

	TCMD('B');
	for (k = 0; k < BT_NANO_1S; k++) {
		ASSERT_TRUE(WAIT_FOR(bt_state(s, k) == 1, 5));
		ASSERT_TRUE(WAIT_FOR(cryo_proc_syscall(self->t.p.pid, s->bt[k].tid) == nr[k], 5))
			TH_LOG("%s: not blocked in it", name[k]);
	}
	TCMD('N');
	ASSERT_TRUE(WAIT_FOR(bt_state(s, BT_NANO_1S) == 1, 5));
	ASSERT_TRUE(WAIT_FOR(cryo_proc_syscall(self->t.p.pid, s->bt[BT_NANO_1S].tid) ==
			     SYS_nanosleep, 5));
	/* Freeze 0.3 s into the 1 s sleep. */
	t0 = ts_sec(&s->bt[BT_NANO_1S].t0);
	if (cryo_now() < t0 + 0.3)
		usleep((t0 + 0.3 - cryo_now()) * 1e6);
	FREEZE_AND_WALK(0, 1 + NR_BT);
	t_eof = cryo_now();

	for (k = 0; k < NR_BT; k++) {
		const struct img_thread *th = find_thread(im, s->bt[k].tid);
		long ax;

		ASSERT_NE(NULL, th) TH_LOG("%s: no THREAD record", name[k]);
		ax = (long)th->t.regs[CRYO_REG_RAX];
		EXPECT_EQ(nr[k], (long)th->t.regs[CRYO_REG_ORIG_RAX])
			TH_LOG("%s: orig_rax", name[k]);
		EXPECT_NE(CRYO_RESTART_NONE, th->t.restart) TH_LOG("%s", name[k]);
		EXPECT_TRUE(after_syscall_insn(self->t.p.pid, th->t.regs[CRYO_REG_RIP]))
			TH_LOG("%s: rip %#llx", name[k],
			       (unsigned long long)th->t.regs[CRYO_REG_RIP]);
		switch (k) {
		case BT_NANO_LONG:
		case BT_NANO_1S:
			EXPECT_EQ(CRYO_RESTART_BLOCK, th->t.restart)
				TH_LOG("%s", name[k]);
			EXPECT_EQ(-516, ax) TH_LOG("%s: ax", name[k]);	/* -ERESTART_RESTARTBLOCK */
			break;
		case BT_READ:
		case BT_FUTEX:
			EXPECT_EQ(CRYO_RESTART_SYSCALL, th->t.restart)
				TH_LOG("%s", name[k]);
			EXPECT_EQ(-512, ax) TH_LOG("%s: ax", name[k]);	/* -ERESTARTSYS */
			break;
		case BT_SELECT:
			/* -ERESTARTNOHAND, with the timeval updated */
			EXPECT_TRUE(ax == -514 || ax == -516) TH_LOG("select: ax %ld", ax);
			EXPECT_EQ(ax == -516 ? CRYO_RESTART_BLOCK : CRYO_RESTART_SYSCALL,
				  th->t.restart);
			break;
		}
	}
	/* The main thread sits in read() of the command pipe. */
	main_thr = find_thread(im, self->t.p.pid);
	ASSERT_NE(NULL, main_thr);
	EXPECT_EQ(SYS_read, (long)main_thr->t.regs[CRYO_REG_ORIG_RAX]);
	EXPECT_EQ(CRYO_RESTART_SYSCALL, main_thr->t.restart);

	/* A checkpoint: resumed, nothing seen by the parent, nothing returned early. */
	EXPECT_EQ(0, waitpid(self->t.p.pid, &status, WNOHANG | WUNTRACED));
	EXPECT_EQ(0, ping(&self->t));
	usleep(50000);
	for (k = 0; k < BT_NANO_1S; k++) {
		EXPECT_EQ(1, bt_state(s, k)) TH_LOG("%s returned %ld (%s) after the freeze",
						    name[k], s->bt[k].ret,
						    strerror(s->bt[k].err));
	}

	/* Each continues correctly. */
	TCMD('r');
	EXPECT_TRUE(WAIT_FOR(bt_state(s, BT_READ) == 2, 5));
	EXPECT_EQ(1, s->bt[BT_READ].ret);
	EXPECT_EQ('z', s->byte_read);
	TCMD('W');
	EXPECT_TRUE(WAIT_FOR(bt_state(s, BT_FUTEX) == 2, 5));
	EXPECT_EQ(0, s->bt[BT_FUTEX].ret) TH_LOG("futex: %s",
						 strerror(s->bt[BT_FUTEX].err));
	TCMD('s');
	EXPECT_TRUE(WAIT_FOR(bt_state(s, BT_SELECT) == 2, 5));
	EXPECT_EQ(1, s->bt[BT_SELECT].ret) TH_LOG("select: %s",
						  strerror(s->bt[BT_SELECT].err));

	ASSERT_TRUE(WAIT_FOR(bt_state(s, BT_NANO_1S) == 2, 5));
	EXPECT_EQ(0, s->bt[BT_NANO_1S].ret) TH_LOG("nanosleep: %s",
						   strerror(s->bt[BT_NANO_1S].err));
	EXPECT_LE(1.0, ts_sec(&s->bt[BT_NANO_1S].t1) - t0)
		TH_LOG("slept %.3f s", ts_sec(&s->bt[BT_NANO_1S].t1) - t0);
	/*
	 * restart_syscall() keeps the deadline: the sleep does not start
	 * over at the resume (which would end it >= 1 s after t_eof).
	 */
	EXPECT_GT(t_eof + 0.85, ts_sec(&s->bt[BT_NANO_1S].t1))
		TH_LOG("image read %.3f s, woke %.3f s after the sleep began",
		       t_eof - t0, ts_sec(&s->bt[BT_NANO_1S].t1) - t0);
	EXPECT_EQ(1, bt_state(s, BT_NANO_LONG));
	EXPECT_EQ(0, waitpid(self->t.p.pid, &status, WNOHANG | WUNTRACED));
}

/* ---- state cryo cannot save -------------------------------------------- */

FIXTURE(lost) {
	struct st_tgt t;
};

FIXTURE_VARIANT(lost) {
	int kind;
	const char *prefix;	/* of the FILE's name */
};

FIXTURE_VARIANT_ADD(lost, socketpair) {
	.kind = LOST_SOCKET, .prefix = "socket:[",
};

/*
 * An eventfd was the example until format 2.8 saved it, inotify until
 * 2.9; a fanotify group is not saved.
 */
FIXTURE_VARIANT_ADD(lost, fanotify) {
	.kind = LOST_FANOTIFY, .prefix = "anon_inode:[fanotify]",
};

/* An epoll was the example until format 2.9 saved it. */
FIXTURE_VARIANT_ADD(lost, userfaultfd) {
	.kind = LOST_UFFD, .prefix = "anon_inode:[userfaultfd]",
};

FIXTURE_VARIANT_ADD(lost, kmsg) {
	.kind = LOST_KMSG, .prefix = "/dev/kmsg",
};

FIXTURE_SETUP(lost)
{
	self->t.dev = self->t.p.cmd = self->t.p.rep = -1;
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ASSERT_EQ(0, tgt_start(&self->t)) TH_LOG("start: %s", strerror(errno));
	self->t.sh->lost_kind = variant->kind;
	TCMD('L');
}

FIXTURE_TEARDOWN(lost)
{
	EXPECT_EQ(0, tgt_stop(&self->t)) TH_LOG("%s", self->t.p.end);
}

TEST_F(lost, refused_then_accepted)
{
	const struct image *im = self->t.im;
	struct cryo_freeze f;
	char link[PATH_MAX], b;
	int status, i, k;

	NEED_TARGET();

	/* Refused: the first fd cryo cannot save is named. */
	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	f.pid = self->t.p.pid;
	f.bad_fd = 12345;	/* ignored on input */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->t.dev, CRYO_IOC_FREEZE, &f));
	EXPECT_EQ(EOPNOTSUPP, errno) TH_LOG("errno %d (%s)", errno, strerror(errno));
	EXPECT_EQ(LOST_FD, f.bad_fd);
	/* Nothing frozen: no image, the target answers, the parent saw nothing. */
	EXPECT_ERRNO(ENOENT, read(self->t.dev, &b, 1));
	EXPECT_EQ(0, waitpid(self->t.p.pid, &status, WNOHANG | WUNTRACED));
	EXPECT_EQ(0, ping(&self->t));

	/* Accepted as a loss; the session froze nothing, so it may try again. */
	FREEZE_AND_WALK(CRYO_FREEZE_ACCEPT_LOSS | CRYO_FREEZE_LEAVE_FROZEN, 1);
	for (k = 0; k < 2; k++) {
		const struct img_file *fl;
		int fd = self->t.sh->fd_lost[k];

		if (fd < 0)
			continue;
		fl = fd_file(im, fd);
		ASSERT_NE(NULL, fl) TH_LOG("fd %d not in the image", fd);
		EXPECT_EQ(CRYO_FILE_OTHER, fl->f.kind);
		EXPECT_EQ(CRYO_FILE_LOST, fl->f.flags & CRYO_FILE_LOST);
		EXPECT_EQ(0, fl->f.data_size);
		EXPECT_EQ(0, strncmp(fl->name, variant->prefix,
				     strlen(variant->prefix)))
			TH_LOG("name \"%s\"", fl->name);
		ASSERT_EQ(0, read_link(link, sizeof(link), "/proc/%d/fd/%d",
				       self->t.p.pid, fd));
		EXPECT_STREQ(link, fl->name);
		EXPECT_EQ(0, find_fd(im, fd)->d.flags);
	}
	if (self->t.sh->fd_lost[1] >= 0) {
		EXPECT_NE(fd_file(im, LOST_FD)->f.id, fd_file(im, LOST_FD + 1)->f.id);
	}
	/* Only those are lost; everything else is saved. */
	for (i = 0; i < im->nfds; i++) {
		int fd = im->fds[i].d.fd;
		const struct img_file *fl = &im->files[im->fds[i].file];
		int ours = fd == LOST_FD || fd == self->t.sh->fd_lost[1];

		EXPECT_EQ(ours, !!(fl->f.flags & CRYO_FILE_LOST)) TH_LOG("fd %d", fd);
		EXPECT_EQ(ours, fl->f.kind == CRYO_FILE_OTHER) TH_LOG("fd %d", fd);
	}
	check_fds_against_proc(_metadata, im, self->t.p.pid);

	/* Resumed, the lost file still works in the target. */
	ASSERT_EQ(0, tresume(&self->t));
	TCMD('l');
	EXPECT_EQ(0, waitpid(self->t.p.pid, &status, WNOHANG | WUNTRACED));
}

TEST_HARNESS_MAIN
