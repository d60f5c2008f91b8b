// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fake /dev/cryo of the unit tests: the library is compiled in, so
 * this ioctl() replaces the C library's for it.
 */
#include "unit.h"

/* ---- cryoctl_freeze() against a fake device ----------------------------- */

int fake_dev = -1;
int fake_freeze_errno;
int fake_bad_fd = -1;
uint32_t fake_refusal;
struct cryo_freeze fake_freeze_seen;
int fake_commits;
bool fake_commit_at_eof;

/*
 * The thaw side of the fake device: VERSION, THAW, THAW_SHM and
 * THAW_STATUS.  The stub in the process being restored issues its ioctls
 * with raw system calls, so they reach the kernel: on /dev/null as the
 * fake device they fail with ENOTTY, as a module would refuse them.
 */
uint64_t fake_features = CRYO_FEATURE_ALL;
uint32_t fake_abi_major = CRYO_ABI_MAJOR;
int fake_thaw_errno;
int fake_thaw_calls;
struct cryo_thaw fake_thaw_seen;
struct cryo_thaw_inherit fake_inherit_seen[4];
unsigned int fake_thaw_threads = 3;
unsigned int fake_thaw_pipes = 2;
unsigned int fake_fpu_size = 832;

/* What a 1.4 module plans for an image of the caller's own: no change. */
static void fake_thaw_creds(struct cryo_thaw *t)
{
	uid_t u[3];
	gid_t g[3];
	struct rlimit rl;
	unsigned int i;
	int n;

	getresuid(&u[0], &u[1], &u[2]);
	getresgid(&g[0], &g[1], &g[2]);
	for (i = 0; i < 3; i++) {
		t->uid[i] = u[i];
		t->gid[i] = g[i];
	}
	t->uid[3] = u[1];
	t->gid[3] = g[1];
	n = getgroups(t->groups_len, (gid_t *)(uintptr_t)t->groups);
	t->nr_groups = n > 0 ? n : 0;
	for (i = 0; i < 16; i++) {
		getrlimit(i, &rl);
		t->rlim[i][0] = rl.rlim_cur;
		t->rlim[i][1] = rl.rlim_max;
	}
	t->oom_score_adj = 0;
	t->cred_flags = 0;
}

/*
 * ABI 1.7: the System V segments CRYO_IOC_THAW_SHM gives, the address
 * the caller attached each at (0 until given), and an errno for the call
 * that gives one.
 */
uint32_t fake_abi_minor = 1;
struct cryo_thaw_shm fake_shm[4];
unsigned int fake_nr_shm;
uint64_t fake_shm_addr[4];
int fake_shm_errno;
void (*fake_shm_given)(unsigned int index);	/* looks at it, once given */

static int fake_thaw_shm(struct cryo_thaw_shm *s)
{
	if (s->size < CRYO_THAW_SHM_SIZE_VER0) {
		errno = EINVAL;
		return -1;
	}
	if (s->index >= fake_nr_shm) {
		errno = ENOENT;
		return -1;
	}
	if (s->addr && fake_shm_errno) {
		errno = fake_shm_errno;
		return -1;
	}
	if (s->addr && fake_shm_addr[s->index]) {
		errno = EALREADY;
		return -1;
	}
	fake_shm_addr[s->index] = s->addr;
	if (s->addr && fake_shm_given)
		fake_shm_given(s->index);
	memcpy(s, &fake_shm[s->index], sizeof(*s));
	return 0;
}

__s32 fake_tid0;
struct cryo_thaw_status fake_status;
bool fake_status_wait = true;	/* knows CRYO_THAW_STATUS_WAIT */
int fake_status_waits;

static int fake_thaw_ioctl(unsigned long req, void *arg)
{
	if (req == CRYO_IOC_VERSION) {
		struct cryo_version *v = arg;

		v->abi_major = fake_abi_major;
		v->abi_minor = fake_abi_minor;
		v->features = fake_features;
		return 0;
	}
	if (req == CRYO_IOC_THAW) {
		struct cryo_thaw *t = arg;
		__s32 *tids = (__s32 *)(uintptr_t)t->tids;
		unsigned int i;
		void *p;

		fake_thaw_calls++;
		memcpy(&fake_thaw_seen, t, sizeof(*t));
		if (t->nr_inherit && t->nr_inherit <= ARRAY_SIZE(fake_inherit_seen))
			memcpy(fake_inherit_seen, (void *)(uintptr_t)t->inherit,
			       t->nr_inherit * sizeof(*fake_inherit_seen));
		if (fake_thaw_errno) {
			errno = fake_thaw_errno;
			return -1;
		}
		/* A free range: free in every process forked from us too. */
		p = mmap(NULL, t->stub_size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			abort();
		munmap(p, t->stub_size);
		t->stub_addr = (uintptr_t)p;
		t->pid = 4242;
		t->nr_threads = fake_thaw_threads;
		t->nr_pipes = fake_thaw_pipes;
		t->fpu_size = fake_fpu_size;
		for (i = 0; i < fake_thaw_threads && i < t->tids_len; i++)
			tids[i] = (fake_tid0 ? fake_tid0 : 4242) + i;
		if (t->size >= CRYO_THAW_SIZE_VER1)
			fake_thaw_creds(t);
		return 0;
	}
	if (req == CRYO_IOC_THAW_SHM && fake_abi_minor >= 7)
		return fake_thaw_shm(arg);
	if (req == CRYO_IOC_THAW_STATUS) {
		struct cryo_thaw_status *st = arg;

		if (st->size < CRYO_THAW_STATUS_SIZE_VER0 ||
		    (st->flags & ~(fake_status_wait ? CRYO_THAW_STATUS_WAIT : 0))) {
			errno = EINVAL;
			return -1;
		}
		fake_status_waits += !!st->flags;
		memcpy(st, &fake_status, sizeof(*st));
		st->size = sizeof(*st);
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	char c;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fake_dev || fd < 0)
		return syscall(SYS_ioctl, fd, req, arg);
	if (req == CRYO_IOC_FREEZE) {
		struct cryo_freeze *f = arg;

		memcpy(&fake_freeze_seen, arg, sizeof(fake_freeze_seen));
		/* As the module: bad_fd is -1 unless the freeze fails for one. */
		f->bad_fd = fake_freeze_errno == EOPNOTSUPP ? fake_bad_fd : -1;
		/* ABI 1.4: a refusal is named, and so is what it is about. */
		if (f->size >= CRYO_FREEZE_SIZE_VER1 && fake_refusal) {
			f->refusal = fake_refusal;
			f->refusal_id = 4321;
		}
		/* ABI 1.6: the member it is about. */
		if (f->size >= CRYO_FREEZE_SIZE_VER2 && fake_refusal)
			f->refusal_pid = 4322;
		if (f->size >= CRYO_FREEZE_SIZE_VER2 && !fake_freeze_errno)
			f->nr_processes = 2;
		if (fake_freeze_errno) {
			errno = fake_freeze_errno;
			return -1;
		}
		f->nr_threads = 3;
		return 0;
	}
	if (req == CRYO_IOC_COMMIT) {
		fake_commits++;
		fake_commit_at_eof = read(fd, &c, 1) == 0;
		return 0;
	}
	return fake_thaw_ioctl(req, arg);
}
