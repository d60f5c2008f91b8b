// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl inspect: what an image holds, for people (text) or programs
 * (--json).
 *
 * The whole stream is read and verified into a struct summary; the report
 * is printed at the end, also when the image turns out damaged (then with
 * the error).  Only the metadata is kept in memory, never page contents.
 * This file holds the command, the collecting and the names both reports
 * give the fields; inspect_text.c and inspect_json.c print (the JSON
 * fields are documented there).
 */
#include <assert.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "cli.h"
#include "inspect.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	      "cryoctl reads image payloads in place: little-endian hosts only");

/* ---- names --------------------------------------------------------------- */

const char *const inspect_rlimit_names[16] = {
	"cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
	"memlock", "as", "locks", "sigpending", "msgqueue", "nice", "rtprio",
	"rttime",
};

const char *const inspect_freeze_flag_names[3] = {
	"kill", "leave_frozen", "accept_loss",
};

const char *const inspect_restart_names[3] = { "none", "syscall", "block" };
const char *const inspect_sleep_names[5] = {
	"none", "nanosleep", "clock_nanosleep", "poll", "futex_wait"
};

const char *const inspect_sched_names[6] = {
	"other", "fifo", "rr", "batch", NULL, "idle",
};

static bool cpu_set_in(const struct cryo_image_thread *t, unsigned int cpu)
{
	return cpu < CRYO_THREAD_MAX_CPUS &&
	       (t->affinity[cpu / 64] >> (cpu % 64)) & 1;
}

void inspect_cpulist(const struct cryo_image_thread *t, char *buf, size_t size)
{
	unsigned int cpu, end;
	size_t n = 0;

	buf[0] = '\0';
	if (t->sched_flags & CRYO_THREAD_AFFINITY_ALL) {
		snprintf(buf, size, "all");
		return;
	}
	for (cpu = 0; cpu < CRYO_THREAD_MAX_CPUS && n < size; cpu = end + 1) {
		if (!cpu_set_in(t, cpu)) {
			end = cpu;
			continue;
		}
		for (end = cpu; cpu_set_in(t, end + 1); end++)
			;
		n += snprintf(buf + n, size - n, end > cpu ? "%s%u-%u" : "%s%u",
			      n ? "," : "", cpu, end);
	}
}

const char *const inspect_mm_names[11] = {
	"start_code", "end_code", "start_data", "end_data", "start_brk", "brk",
	"start_stack", "arg_start", "arg_end", "env_start", "env_end",
};

void inspect_mm_values(const struct cryo_image_process *p, uint64_t mm[11])
{
	mm[0] = p->start_code;
	mm[1] = p->end_code;
	mm[2] = p->start_data;
	mm[3] = p->end_data;
	mm[4] = p->start_brk;
	mm[5] = p->brk;
	mm[6] = p->start_stack;
	mm[7] = p->arg_start;
	mm[8] = p->arg_end;
	mm[9] = p->env_start;
	mm[10] = p->env_end;
}

/* Signal names of x86-64, 1 to 31; 32 to 64 are SIGRTMIN+n (kernel's 32). */
static const char *const sig_names[32] = {
	NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
	"SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2",
	"SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
	"SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
	"SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
	"SIGSYS",
};

void inspect_sig_name(unsigned int sig, char *buf, size_t size)
{
	if (sig < ARRAY_SIZE(sig_names) && sig_names[sig])
		snprintf(buf, size, "%s", sig_names[sig]);
	else if (sig == 32)
		snprintf(buf, size, "SIGRTMIN");
	else
		snprintf(buf, size, "SIGRTMIN+%u", sig - 32);
}

bool inspect_sigaction_is_default(const struct cryo_image_sigaction *a)
{
	return !a->handler && !a->flags && !a->restorer && !a->mask;
}

/* The auxv types cryoctl names (<linux/auxvec.h>, x86-64). */
static const char *const auxv_names[] = {
	[0] = "AT_NULL", [1] = "AT_IGNORE", [2] = "AT_EXECFD",
	[3] = "AT_PHDR", [4] = "AT_PHENT", [5] = "AT_PHNUM",
	[6] = "AT_PAGESZ", [7] = "AT_BASE", [8] = "AT_FLAGS",
	[9] = "AT_ENTRY", [10] = "AT_NOTELF", [11] = "AT_UID",
	[12] = "AT_EUID", [13] = "AT_GID", [14] = "AT_EGID",
	[15] = "AT_PLATFORM", [16] = "AT_HWCAP", [17] = "AT_CLKTCK",
	[23] = "AT_SECURE", [24] = "AT_BASE_PLATFORM", [25] = "AT_RANDOM",
	[26] = "AT_HWCAP2", [27] = "AT_RSEQ_FEATURE_SIZE",
	[28] = "AT_RSEQ_ALIGN", [29] = "AT_HWCAP3", [30] = "AT_HWCAP4",
	[31] = "AT_EXECFN", [32] = "AT_SYSINFO", [33] = "AT_SYSINFO_EHDR",
	[51] = "AT_MINSIGSTKSZ",
};

const char *inspect_auxv_name(uint64_t type)
{
	return type < ARRAY_SIZE(auxv_names) ? auxv_names[type] : NULL;
}

/* struct sigaction sa_flags of x86-64. */
const struct flag_name inspect_sa_flag_names[10] = {
	{ 0x00000001, "SA_NOCLDSTOP" },
	{ 0x00000002, "SA_NOCLDWAIT" },
	{ 0x00000004, "SA_SIGINFO" },
	{ 0x00000400, "SA_UNSUPPORTED" },
	{ 0x00000800, "SA_EXPOSE_TAGBITS" },
	{ 0x04000000, "SA_RESTORER" },
	{ 0x08000000, "SA_ONSTACK" },
	{ 0x10000000, "SA_RESTART" },
	{ 0x40000000, "SA_NODEFER" },
	{ 0x80000000, "SA_RESETHAND" },
};

/*
 * File status flags of x86-64 (octal, <asm-generic/fcntl.h>), beside the
 * access mode; O_SYNC and O_TMPFILE span two bits and come first.
 */
const struct flag_name inspect_open_flag_names[17] = {
	{ 04010000, "O_SYNC" },
	{ 020200000, "O_TMPFILE" },
	{ 0100, "O_CREAT" },
	{ 0200, "O_EXCL" },
	{ 0400, "O_NOCTTY" },
	{ 01000, "O_TRUNC" },
	{ 02000, "O_APPEND" },
	{ 04000, "O_NONBLOCK" },
	{ 010000, "O_DSYNC" },
	{ 020000, "O_ASYNC" },
	{ 040000, "O_DIRECT" },
	{ 0100000, "O_LARGEFILE" },
	{ 0200000, "O_DIRECTORY" },
	{ 0400000, "O_NOFOLLOW" },
	{ 01000000, "O_NOATIME" },
	{ 02000000, "O_CLOEXEC" },
	{ OPEN_PATH, "O_PATH" },
};

const char *inspect_lock_kind_name(uint32_t kind)
{
	switch (kind) {
	case CRYO_LOCK_POSIX:
		return "POSIX";
	case CRYO_LOCK_OFD:
		return "OFD";
	case CRYO_LOCK_FLOCK:
		return "flock";
	}
	return NULL;
}

const char *const inspect_accmode_names[4] = {
	"O_RDONLY", "O_WRONLY", "O_RDWR", "0x3",
};

const char *inspect_next_flag(uint64_t *rest, const struct flag_name *t,
			      size_t n, char *tmp, size_t size)
{
	uint64_t bit;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((*rest & t[i].value) == t[i].value) {
			*rest &= ~t[i].value;
			return t[i].name;
		}
	}
	if (!*rest)
		return NULL;
	bit = *rest & -*rest;
	*rest &= ~bit;
	snprintf(tmp, size, "0x%llx", (unsigned long long)bit);
	return tmp;
}

/* ---- collecting ---------------------------------------------------------- */

static void *grow(void *p, size_t *size, size_t n, size_t elem)
{
	size_t want;

	if (n < *size)
		return p;
	want = *size ? *size * 2 : 16;
	p = realloc(p, want * elem);
	if (p)
		*size = want;
	return p;
}

/* ---- what members share -------------------------------------------------- */

static const struct summary *sort_summary;

/* The pipe_id of the description fd @i refers to, 0 for none. */
static uint64_t fd_pipe_id(const struct summary *s, size_t i)
{
	uint32_t id = s->fds[i].file_id;

	if (!id || id > s->nr_files)
		return 0;
	return s->files[id - 1].f.pipe_id;
}

static int by_file(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;
	uint32_t fx = sort_summary->fds[x->fd].file_id;
	uint32_t fy = sort_summary->fds[y->fd].file_id;

	if (fx != fy)
		return fx < fy ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

static int by_pipe(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;
	uint64_t px = fd_pipe_id(sort_summary, x->fd);
	uint64_t py = fd_pipe_id(sort_summary, y->fd);

	if (px != py)
		return px < py ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

/*
 * Note each run of @h[0 .. @n) (sorted, all of one object when @key
 * says so) that more than one process holds, as a shared object.
 */
static int note_shared(struct summary *s, struct holder *h, size_t n, bool pipe)
{
	struct shared_obj *o;
	size_t i, end, k;
	uint64_t key;
	bool many;

	for (i = 0; i < n; i = end) {
		key = pipe ? fd_pipe_id(s, h[i].fd) : s->fds[h[i].fd].file_id;
		many = false;
		for (end = i + 1; end < n; end++) {
			if ((pipe ? fd_pipe_id(s, h[end].fd) :
			     s->fds[h[end].fd].file_id) != key)
				break;
			if (h[end].proc != h[i].proc)
				many = true;
		}
		if (!many || (pipe && !key))
			continue;
		o = grow(s->shared, &s->shared_size, s->nr_shared, sizeof(*o));
		if (!o)
			return -1;
		s->shared = o;
		o = &o[s->nr_shared++];
		o->pipe = pipe;
		o->id = key;
		o->first = s->nr_holders;
		o->n = end - i;
		for (k = i; k < end; k++)
			s->holders[s->nr_holders++] = h[k];
	}
	return 0;
}

/*
 * The open file descriptions (same FILE id) and the pipes (same
 * pipe_id) whose descriptors more than one process holds.
 */
static int find_shared(struct summary *s)
{
	struct holder *h;
	size_t i, k, n = 0;
	int ret;

	if (s->nr_procs < 2 || !s->nr_fds)
		return 0;
	h = calloc(s->nr_fds, sizeof(*h));
	s->holders = calloc(2 * s->nr_fds, sizeof(*s->holders));
	if (!h || !s->holders) {
		free(h);
		return -1;
	}
	for (i = 0; i < s->nr_procs; i++)
		for (k = 0; k < s->procs[i].nr_fds; k++) {
			h[n].proc = i;
			h[n++].fd = s->procs[i].first_fd + k;
		}
	sort_summary = s;
	qsort(h, n, sizeof(*h), by_file);
	ret = note_shared(s, h, n, false);
	if (!ret) {
		qsort(h, n, sizeof(*h), by_pipe);
		ret = note_shared(s, h, n, true);
	}
	free(h);
	return ret;
}

const char *inspect_shm_kind_name(uint32_t kind)
{
	switch (kind) {
	case CRYO_SHM_ANON:
		return "anonymous";
	case CRYO_SHM_SYSV:
		return "SysV";
	case CRYO_SHM_MEMFD:
		return "memfd";
	default:
		return NULL;
	}
}

/* A SHM: the reader checked its id is the next one. */
static int add_shm(struct summary *s, const struct cryoctl_record *rec)
{
	struct shm_info *o;
	size_t len, name_len;

	o = grow(s->shms, &s->shms_size, s->nr_shms, sizeof(*o));
	if (!o)
		return -1;
	s->shms = o;
	o = &o[s->nr_shms++];
	memset(o, 0, sizeof(*o));
	len = s->hdr.minor < 5 ? CRYO_IMAGE_SHM_SIZE_2_3 : sizeof(o->o);
	memcpy(&o->o, rec->payload, len);
	/* The reader checked the length (of a newer minor: at least it). */
	if (o->o.kind == CRYO_SHM_MEMFD && s->hdr.minor >= 5) {
		name_len = o->o.name_len;
		if (name_len > CRYO_MEMFD_NAME_MAX ||
		    name_len > rec->len - sizeof(o->o))
			name_len = 0;
		memcpy(o->name, (const char *)rec->payload + sizeof(o->o),
		       name_len);
	}
	return 0;
}

/* A SHM_PAGES: the object's pages, not its mappers' (they map them). */
static void add_shm_pages(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_shm_pages pg;

	memcpy(&pg, rec->payload, sizeof(pg));
	if (pg.shm && pg.shm <= s->nr_shms)
		s->shms[pg.shm - 1].pages += pg.nr_pages;
	s->shm_pages += pg.nr_pages;
}

const struct proc_info *inspect_member_proc(const struct summary *s,
					    const struct cryo_image_member *m)
{
	size_t i;

	if (m->flags & CRYO_MEMBER_ZOMBIE)
		return NULL;
	for (i = 0; i < s->nr_procs; i++)
		if (s->procs[i].have_process && s->procs[i].proc.pid == m->pid)
			return &s->procs[i];
	return NULL;
}

size_t inspect_member_owner(const struct summary *s, size_t i, uint32_t flag)
{
	/* The reader checked the TREE: parents come first. */
	while ((s->tree[i].flags & flag) && s->tree[i].parent >= 0 &&
	       (size_t)s->tree[i].parent < i)
		i = s->tree[i].parent;
	return i;
}

void inspect_wait_status(int32_t status, char *buf, size_t size)
{
	char sig[24];

	if (!(status & 0x7f)) {
		snprintf(buf, size, "exit %d", (status >> 8) & 0xff);
		return;
	}
	inspect_sig_name(status & 0x7f, sig, sizeof(sig));
	snprintf(buf, size, "killed by %s%s", sig,
		 status & 0x80 ? " (core dumped)" : "");
}

/* The process whose section is being read. */
static struct proc_info *cur_proc(struct summary *s)
{
	return &s->procs[s->nr_procs - 1];
}

/*
 * A PROCESS starts the next process's section, unless nothing of the
 * current one was read yet (the first).  Return: 0, or -1 (no memory).
 */
static int new_proc(struct summary *s)
{
	struct proc_info *p;

	if (s->nr_procs) {
		p = cur_proc(s);
		if (!p->have_process && !p->have_groups && !p->have_auxv &&
		    !p->have_fs && !p->have_signals && !p->nr_threads &&
		    !p->nr_fds && !p->nr_vmas)
			return 0;
	}
	p = grow(s->procs, &s->procs_size, s->nr_procs, sizeof(*p));
	if (!p)
		return -1;
	s->procs = p;
	p = &p[s->nr_procs++];
	memset(p, 0, sizeof(*p));
	p->first_thread = s->nr_threads;
	p->first_fd = s->nr_fds;
	p->first_lock = s->nr_locks;
	p->first_sigq = s->nr_sigq;
	p->first_epoll = s->nr_epoll;
	p->first_timer = s->nr_timers;
	p->first_vma = s->nr_vmas;
	s->vma_cursor = s->nr_vmas;
	return 0;
}

static int add_tree(struct summary *s, const struct cryoctl_record *rec)
{
	s->nr_members = rec->len / sizeof(*s->tree);
	s->tree = malloc(rec->len ? rec->len : 1);
	if (!s->tree)
		return -1;
	memcpy(s->tree, rec->payload, rec->len);
	return 0;
}

static int add_thread(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_thread *t;
	/* The FPU state is last; an image before 2.7 ends the fields early. */
	size_t len = rec->len > s->hdr.fpu_size ? rec->len - s->hdr.fpu_size : 0;

	t = grow(s->threads, &s->threads_size, s->nr_threads, sizeof(*t));
	if (!t)
		return -1;
	s->threads = t;
	t = &t[s->nr_threads++];
	memset(t, 0, sizeof(*t));
	memcpy(t, rec->payload, len < sizeof(*t) ? len : sizeof(*t));
	s->thread_sched = len >= sizeof(*t);
	cur_proc(s)->nr_threads++;
	return 0;
}

static int add_sleep(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_sleep *q;

	q = grow(s->sleeps, &s->sleeps_size, s->nr_sleeps, sizeof(*q));
	if (!q)
		return -1;
	s->sleeps = q;
	q = &q[s->nr_sleeps++];
	memset(q, 0, sizeof(*q));
	memcpy(q, rec->payload, rec->len < sizeof(*q) ? rec->len : sizeof(*q));
	return 0;
}

const struct cryo_image_sleep *inspect_sleep_of(const struct summary *s,
						int32_t tid)
{
	size_t i;

	for (i = 0; i < s->nr_sleeps; i++)
		if (s->sleeps[i].tid == tid)
			return &s->sleeps[i];
	return NULL;
}

static int add_siginfo(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_siginfo *q;

	q = grow(s->sigq, &s->sigq_size, s->nr_sigq, sizeof(*q));
	if (!q)
		return -1;
	s->sigq = q;
	q = &q[s->nr_sigq++];
	memset(q, 0, sizeof(*q));
	memcpy(q, rec->payload, rec->len < sizeof(*q) ? rec->len : sizeof(*q));
	cur_proc(s)->nr_sigq++;
	return 0;
}

static int add_posix_timer(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_posix_timer *q;

	q = grow(s->timers, &s->timers_size, s->nr_timers, sizeof(*q));
	if (!q)
		return -1;
	s->timers = q;
	q = &q[s->nr_timers++];
	memset(q, 0, sizeof(*q));
	memcpy(q, rec->payload, rec->len < sizeof(*q) ? rec->len : sizeof(*q));
	cur_proc(s)->nr_timers++;
	return 0;
}

static int add_cpu_itimers(struct summary *s, const struct cryoctl_record *rec)
{
	struct proc_info *p = cur_proc(s);

	memcpy(&p->itimers, rec->payload,
	       rec->len < sizeof(p->itimers) ? rec->len : sizeof(p->itimers));
	p->have_itimers = true;
	return 0;
}

const char *inspect_si_code_name(int32_t code)
{
	switch (code) {
	case 0:
		return "SI_USER";
	case -1:
		return "SI_QUEUE";
	case -2:
		return "SI_TIMER";
	case -3:
		return "SI_MESGQ";
	case -4:
		return "SI_ASYNCIO";
	case -5:
		return "SI_SIGIO";
	case -6:
		return "SI_TKILL";
	case 0x80:
		return "SI_KERNEL";
	default:
		return NULL;
	}
}

static int add_vma(struct summary *s, const struct cryoctl_record *rec)
{
	struct vma_info *v;
	const char *name = (const char *)rec->payload + sizeof(v->v);

	v = grow(s->vmas, &s->vmas_size, s->nr_vmas, sizeof(*v));
	if (!v)
		return -1;
	s->vmas = v;
	v = &v[s->nr_vmas];
	memset(v, 0, sizeof(*v));
	memcpy(&v->v, rec->payload, sizeof(v->v));
	if (v->v.name_len) {
		v->name = strndup(name, v->v.name_len);
		if (!v->name)
			return -1;
	}
	s->nr_vmas++;
	cur_proc(s)->nr_vmas++;
	return 0;
}

/* A copy of @len bytes at @p as a string (paths hold no NUL). */
static int dup_name(const void *p, size_t len, char **out)
{
	*out = strndup(p, len);
	return *out ? 0 : -1;
}

static int add_groups(struct proc_info *p, const struct cryoctl_record *rec)
{
	p->have_groups = true;
	p->nr_groups = rec->len / sizeof(uint32_t);
	if (!rec->len)
		return 0;
	p->groups = malloc(rec->len);
	if (!p->groups)
		return -1;
	memcpy(p->groups, rec->payload, rec->len);
	return 0;
}

static int add_auxv(struct proc_info *p, const struct cryoctl_record *rec)
{
	p->have_auxv = true;
	p->nr_auxv = rec->len / 16;
	p->auxv = malloc(rec->len);
	if (!p->auxv)
		return -1;
	memcpy(p->auxv, rec->payload, rec->len);
	return 0;
}

static int add_fs(struct proc_info *pi, const struct cryoctl_record *rec)
{
	const char *p = (const char *)rec->payload + sizeof(struct cryo_image_fs);
	struct cryo_image_fs f;
	uint32_t len[3];
	unsigned int i;

	memcpy(&f, rec->payload, sizeof(f));
	len[0] = f.exe_len;
	len[1] = f.cwd_len;
	len[2] = f.root_len;
	pi->have_fs = true;
	for (i = 0; i < 3; i++) {
		if (dup_name(p, len[i], &pi->fs[i]))
			return -1;
		p += len[i];
	}
	return 0;
}

static int add_file(struct summary *s, const struct cryoctl_record *rec)
{
	struct file_info *f;
	const char *name = (const char *)rec->payload + sizeof(f->f);

	f = grow(s->files, &s->files_size, s->nr_files, sizeof(*f));
	if (!f)
		return -1;
	s->files = f;
	f = &f[s->nr_files];
	memset(f, 0, sizeof(*f));
	memcpy(&f->f, rec->payload, sizeof(f->f));
	s->nr_files++;
	if (f->f.name_len && dup_name(name, f->f.name_len, &f->name))
		return -1;
	return 0;
}

/* A FILE_STATE goes with the FILE before it. */
static void add_file_state(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_file_state st;
	struct file_info *f;

	if (!s->nr_files || rec->len != sizeof(st))
		return;
	memcpy(&st, rec->payload, sizeof(st));
	f = &s->files[s->nr_files - 1];
	if (st.id != f->f.id)
		return;
	f->state = st;
	f->has_state = true;
}

/* An INOTIFY_WATCH goes with the inotify before it. */
static int add_watch(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_inotify_watch w;
	struct watch_info *wi;
	struct file_info *f;

	if (!s->nr_files || rec->len < sizeof(w))
		return 0;
	memcpy(&w, rec->payload, sizeof(w));
	f = &s->files[s->nr_files - 1];
	if (w.id != f->f.id || rec->len != sizeof(w) + (uint64_t)w.name_len)
		return 0;
	wi = realloc(f->watches, (f->nr_watches + 1) * sizeof(*wi));
	if (!wi)
		return -1;
	f->watches = wi;
	wi = &wi[f->nr_watches];
	wi->w = w;
	wi->path = NULL;
	if (dup_name((const char *)rec->payload + sizeof(w), w.name_len,
		     &wi->path))
		return -1;
	f->nr_watches++;
	return 0;
}

static int add_fd(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_fd *fd;

	fd = grow(s->fds, &s->fds_size, s->nr_fds, sizeof(*fd));
	if (!fd)
		return -1;
	s->fds = fd;
	memcpy(&fd[s->nr_fds++], rec->payload, sizeof(*fd));
	cur_proc(s)->nr_fds++;
	return 0;
}

static int add_lock(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_lock *l;

	l = grow(s->locks, &s->locks_size, s->nr_locks, sizeof(*l));
	if (!l)
		return -1;
	s->locks = l;
	memcpy(&l[s->nr_locks++], rec->payload, sizeof(*l));
	cur_proc(s)->nr_locks++;
	return 0;
}

static int add_epoll(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_epoll_item *e;

	e = grow(s->epoll, &s->epoll_size, s->nr_epoll, sizeof(*e));
	if (!e)
		return -1;
	s->epoll = e;
	memcpy(&e[s->nr_epoll++], rec->payload, sizeof(*e));
	cur_proc(s)->nr_epoll++;
	return 0;
}

/*
 * PAGES come in ascending order within a section, and the reader checked
 * each is in a VMA of it.
 */
static void add_pages(struct summary *s, const struct cryoctl_record *rec)
{
	struct proc_info *p = cur_proc(s);
	size_t end = p->first_vma + p->nr_vmas;
	struct cryo_image_pages pg;

	memcpy(&pg, rec->payload, sizeof(pg));
	while (s->vma_cursor < end && s->vmas[s->vma_cursor].v.end <= pg.addr)
		s->vma_cursor++;
	if (s->vma_cursor < end)
		s->vmas[s->vma_cursor].pages += pg.nr_pages;
	p->pages += pg.nr_pages;
	s->pages += pg.nr_pages;
}

/* The records of a process's section. */
static int add_proc_record(struct summary *s, const struct cryoctl_record *rec)
{
	struct proc_info *p = cur_proc(s);

	switch (rec->type) {
	case CRYO_REC_PROCESS:
		/*
		 * An older image's is shorter: the rest reads as 0, but for
		 * the login uid, which it did not record (2.8).
		 */
		p->proc.loginuid = CRYO_LOGINUID_UNSET;
		memcpy(&p->proc, rec->payload, rec->len < sizeof(p->proc) ?
		       rec->len : sizeof(p->proc));
		p->have_process = true;
		return 0;
	case CRYO_REC_GROUPS:
		return add_groups(p, rec);
	case CRYO_REC_AUXV:
		return add_auxv(p, rec);
	case CRYO_REC_FS:
		return add_fs(p, rec);
	case CRYO_REC_SIGNALS:
		memcpy(&p->sig, rec->payload, sizeof(p->sig));
		p->have_signals = true;
		return 0;
	case CRYO_REC_THREAD:
		return add_thread(s, rec);
	case CRYO_REC_SIGINFO:
		return add_siginfo(s, rec);
	case CRYO_REC_SLEEP:
		return add_sleep(s, rec);
	case CRYO_REC_POSIX_TIMER:
		return add_posix_timer(s, rec);
	case CRYO_REC_CPU_ITIMERS:
		return add_cpu_itimers(s, rec);
	case CRYO_REC_FD:
		return add_fd(s, rec);
	case CRYO_REC_LOCK:
		return add_lock(s, rec);
	case CRYO_REC_EPOLL_ITEM:
		return add_epoll(s, rec);
	case CRYO_REC_VMA:
		return add_vma(s, rec);
	case CRYO_REC_PAGES:
		add_pages(s, rec);
		return 0;
	default:
		return 0;
	}
}

/*
 * Read the whole image into @s.  Return: EXIT_OK, or EXIT_FAIL with
 * s->error set (the image is damaged) or an error printed (no memory).
 */
static int collect(struct cryoctl_image *img, struct summary *s)
{
	const struct cryo_image_trailer *t;
	struct cryoctl_record rec;
	int ret;

	memcpy(&s->hdr, cryoctl_image_header(img), sizeof(s->hdr));
	if (new_proc(s))
		goto out_nomem;
	while ((ret = cryoctl_image_next(img, &rec)) > 0) {
		s->records++;
		s->bytes = rec.offset + sizeof(struct cryo_rec) + rec.len;
		switch (rec.type) {
		case CRYO_REC_HEADER:
		case CRYO_REC_FILE_DATA:
			break;
		case CRYO_REC_TREE:
			if (add_tree(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_SHM:
			if (add_shm(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_SHM_PAGES:
			add_shm_pages(s, &rec);
			break;
		case CRYO_REC_FILE:
			if (add_file(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_FILE_STATE:
			add_file_state(s, &rec);
			break;
		case CRYO_REC_INOTIFY_WATCH:
			if (add_watch(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_VMA_FILE:
			/* The deleted file behind the VMA just read (2.9). */
			if (s->nr_vmas && rec.len >= sizeof(struct cryo_image_vma_file))
				s->vmas[s->nr_vmas - 1].file_id =
					((const struct cryo_image_vma_file *)
					 rec.payload)->file_id;
			break;
		case CRYO_REC_PROCESS:
			/* Starts a process's section: never fails (no memory). */
			if (new_proc(s))
				goto out_nomem;
			add_proc_record(s, &rec);
			break;
		case CRYO_REC_GROUPS:
		case CRYO_REC_AUXV:
		case CRYO_REC_FS:
		case CRYO_REC_SIGNALS:
		case CRYO_REC_THREAD:
		case CRYO_REC_SIGINFO:
		case CRYO_REC_SLEEP:
		case CRYO_REC_POSIX_TIMER:
		case CRYO_REC_CPU_ITIMERS:
		case CRYO_REC_FD:
		case CRYO_REC_LOCK:
		case CRYO_REC_EPOLL_ITEM:
		case CRYO_REC_VMA:
		case CRYO_REC_PAGES:
			if (add_proc_record(s, &rec))
				goto out_nomem;
			break;
		default:
			s->unknown++;
			break;
		}
	}
	if (find_shared(s))
		goto out_nomem;
	if (ret == 0) {
		t = cryoctl_image_trailer(img);
		s->records = t->nr_records;
		s->bytes = t->bytes;
		return EXIT_OK;
	}
	s->error = cryoctl_image_error(img, NULL, NULL);
	if (!s->error)
		s->error = "read failed";
	return EXIT_FAIL;

out_nomem:
	cli_err("inspect: out of memory");
	s->error = "out of memory";
	return EXIT_FAIL;
}

static void free_summary(struct summary *s)
{
	struct proc_info *p;
	size_t i, k;

	for (i = 0; i < s->nr_vmas; i++)
		free(s->vmas[i].name);
	free(s->vmas);
	free(s->threads);
	for (i = 0; i < s->nr_files; i++) {
		free(s->files[i].name);
		for (k = 0; k < s->files[i].nr_watches; k++)
			free(s->files[i].watches[k].path);
		free(s->files[i].watches);
	}
	free(s->files);
	free(s->fds);
	free(s->locks);
	free(s->sigq);
	free(s->epoll);
	free(s->sleeps);
	free(s->timers);
	for (i = 0; i < s->nr_procs; i++) {
		p = &s->procs[i];
		for (k = 0; k < ARRAY_SIZE(p->fs); k++)
			free(p->fs[k]);
		free(p->auxv);
		free(p->groups);
	}
	free(s->procs);
	free(s->tree);
	free(s->shared);
	free(s->holders);
	free(s->shms);
}

void inspect_format_time(uint64_t ns, bool iso, char *buf, size_t size)
{
	time_t secs = ns / 1000000000ULL;
	char date[48];
	struct tm tm;

	if (!gmtime_r(&secs, &tm) ||
	    !strftime(date, sizeof(date), iso ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(date, sizeof(date), "@%lld", (long long)secs);
	snprintf(buf, size, "%s.%09llu%s", date,
		 (unsigned long long)(ns % 1000000000ULL), iso ? "Z" : " UTC");
}

/* ---- the command --------------------------------------------------------- */

static const struct option inspect_opts[] = {
	{ "json",	no_argument,	NULL, 'j' },
	{ "help",	no_argument,	NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int run_inspect(int argc, char **argv)
{
	struct cryoctl_image *img = NULL;
	struct summary s = { 0 };
	bool json = false;
	const char *name;
	int c, fd, ret, status;

	while ((c = cli_getopt(&cmd_inspect, argc, argv, ":h", inspect_opts)) != CLI_OPT_END) {
		if (c == CLI_OPT_HELP)
			return EXIT_OK;
		if (c == CLI_OPT_BAD)
			return EXIT_USAGE;
		json = true;
	}
	if (argc - optind > 1) {
		cli_err("inspect: give at most one image (try 'cryoctl inspect --help')");
		return EXIT_USAGE;
	}
	fd = cli_open_input(&cmd_inspect, argv[optind], &name, &status);
	if (fd < 0)
		return status;

	ret = cryoctl_image_open(fd, &img);
	if (ret) {
		if (json)
			inspect_print_json_failure(img, ret);
		cli_image_err(name, img, ret);
		status = EXIT_FAIL;
		goto out_close;
	}
	status = collect(img, &s);
	if (json)
		inspect_print_json(&s);
	else
		inspect_print_text(&s);
	if (cli_flush_stdout("inspect"))
		status = EXIT_FAIL;
	if (s.error)
		cli_err("%s: %s", name, s.error);
	free_summary(&s);
out_close:
	cryoctl_image_close(img);
	if (fd != STDIN_FILENO)
		close(fd);
	return status;
}

const struct cli_cmd cmd_inspect = {
	.name = "inspect",
	.summary = "describe what an image holds",
	.usage =
	"Usage: cryoctl inspect [--json] [IMG]\n"
	"\n"
	"Read the image IMG (stdin when IMG is absent or '-') to its end, check\n"
	"it as 'cryoctl verify' does, and describe it: the header (format,\n"
	"architecture, kernel, page size, time of the freeze, flags, XSAVE\n"
	"features), the process (ids, command name, credentials, supplementary\n"
	"groups, capability sets, personality, umask, memory layout bounds,\n"
	"resource limits, executable, working and root directories), the\n"
	"auxiliary vector, the ITIMER_REAL timer and every signal disposition\n"
	"that is not the default, every thread (restart state, all general\n"
	"registers, FS/GS base, signal masks, sigaltstack, robust list, rseq,\n"
	"FPU state format and size), the open files, and the memory: number of\n"
	"mappings and pages saved.  'cryoctl maps' lists the mappings themselves.\n"
	"\n"
	"An image of a process tree (format 2.2) starts with the tree, one line\n"
	"per process, children indented under their parent:\n"
	"\n"
	"  PID      PPID     PGID     SID      THREADS  COMM\n"
	"  100      1        100      90       1        sh\n"
	"  102      100      100      90       0          (zombie, exit 42)\n"
	"\n"
	"then what members share: an open file description several hold (the\n"
	"same file N, inherited across fork: one offset) and the ends of one\n"
	"pipe held by several:\n"
	"\n"
	"  file 2 PIPE pipe:[66]: pid 100 fd 1, pid 101 fd 1\n"
	"  pipe 0xabc: pid 100 fd 1 (file 2 -w-), pid 101 fd 3 (file 3 r--)\n"
	"\n"
	"and then each process as above, in the tree's order.\n"
	"\n"
	"Open files are listed one line per descriptor:\n"
	"\n"
	"  fd 3 -> file 2 REG rw- pos 4096 flags O_RDWR|O_APPEND path /tmp/x\n"
	"      [unlinked, 123 bytes saved] cloexec\n"
	"\n"
	"with the file description it shares with other descriptors (file N),\n"
	"its kind (REG, DIR, CHR, PIPE, FIFO, OTHER), access (r readable, w\n"
	"writable, p O_PATH), position and status flags, then its path (or a\n"
	"pipe's or lost file's name), a device's rdev, a pipe's identity and\n"
	"bytes buffered, [unlinked, N bytes saved] for a deleted file whose\n"
	"contents the image holds, [other end closed] for a pipe end whose\n"
	"other end nobody held, and [LOST] for a file cryo could not save\n"
	"(an image taken with --accept-loss).\n"
	"\n"
	"A damaged image is described as far as it could be read, followed by\n"
	"what is wrong on stderr.\n"
	"\n"
	"Options:\n"
	"  --json       one JSON object instead of text; field names are stable\n"
	"               (see Documentation/cryoctl.rst); it ends with \"status\":\n"
	"               \"ok\", or \"error\" and the message in \"error\"\n"
	"  -h, --help   this text\n"
	"\n"
	"Exit status: 0 the image is complete and verified; 1 it is damaged,\n"
	"truncated or unreadable, or the output could not be written; 2 usage\n"
	"error (also: stdin is a terminal).\n",
	.run = run_inspect,
};
