// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl inspect, the text report: what inspect.c collected, for people.
 * Nothing here is stable: scripts use --json (inspect_json.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/audit.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cli.h"
#include "inspect.h"

static const char *const file_kind_text[] = {
	NULL, "REG", "DIR", "CHR", "PIPE", "FIFO", "OTHER", "MEMFD",
	[CRYO_FILE_OPATH] = "OPATH",
	"EVENTFD", "SIGNALFD", "TIMERFD",
	[CRYO_FILE_EPOLL] = "EPOLL",
	[CRYO_FILE_INOTIFY] = "INOTIFY",
	[CRYO_FILE_PTY_MASTER] = "PTY_MASTER", [CRYO_FILE_PTY_SLAVE] = "PTY_SLAVE",
};

/* " count 5 semaphore", " mask 0x...", " clock 1 ..." of a FILE_STATE. */
static void text_file_state(const struct file_info *fi)
{
	const struct cryo_image_file_state *st = &fi->state;
	const unsigned long long *a = (const unsigned long long *)st->args;

	if (!fi->has_state)
		return;
	switch (fi->f.kind) {
	case CRYO_FILE_EVENTFD:
		printf(" count %llu%s", a[0],
		       st->flags & CRYO_EVENTFD_SEMAPHORE ? " semaphore" : "");
		break;
	case CRYO_FILE_SIGNALFD:
		printf(" mask 0x%llx", a[0]);
		break;
	case CRYO_FILE_TIMERFD:
		printf(" clock %llu%s %s %llu ns interval %llu ns ticks %llu",
		       a[0], a[1] & 1 ? " abstime" : "",
		       a[1] & 1 ? "expiry" : "left", a[2], a[3], a[4]);
		break;
	case CRYO_FILE_INOTIFY:
		printf(" watches %llu", a[0]);
		break;
	default:
		printf(" state flags 0x%x", st->flags);
	}
}

/* Auxv values that are counts or ids, printed in decimal as text. */
static bool auxv_decimal(uint64_t type)
{
	switch (type) {
	case 2: case 4: case 5: case 6: case 8: case 11: case 12: case 13:
	case 14: case 17: case 23: case 27: case 28: case 51:
		return true;
	default:
		return false;
	}
}

/* The FILE an FD refers to; the reader saw to it that it exists. */
static const struct file_info *fd_file(const struct summary *s,
				       const struct cryo_image_fd *fd)
{
	if (!fd->file_id || fd->file_id > s->nr_files)
		return NULL;
	return &s->files[fd->file_id - 1];
}

static void human_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = bytes;
	int i = -1;

	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[i]);
}

static void text_str(const char *label, const char *s, size_t max)
{
	size_t i;

	printf("%-16s", label);
	for (i = 0; i < max && s[i]; i++)
		putchar((unsigned char)s[i] >= 0x20 && s[i] != 0x7f ? s[i] : '?');
	putchar('\n');
}

static void text_flags(uint64_t flags, const char *const *names, size_t n)
{
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		if (!(flags & (1ULL << bit)))
			continue;
		if (bit < n)
			printf(" %s", names[bit]);
		else
			printf(" bit%u", bit);
	}
}

static void text_sigmask(const char *label, uint64_t mask)
{
	unsigned int sig;
	const char *name;

	printf("  %-16s0x%016llx", label, (unsigned long long)mask);
	for (sig = 1; sig <= 64; sig++) {
		if (!(mask & (1ULL << (sig - 1))))
			continue;
		name = sig < 32 ? sigabbrev_np(sig) : NULL;
		if (name)
			printf(" %s", name);
		else
			printf(" %u", sig);
	}
	putchar('\n');
}

static void text_rlimit(uint64_t v)
{
	if (v == UINT64_MAX)
		printf(" %20s", "unlimited");
	else
		printf(" %20llu", (unsigned long long)v);
}

static void text_header(const struct cryo_image_header *h)
{
	char buf[64];

	printf("%-16s%u.%u, %s, page size %u\n", "format", h->major, h->minor,
	       h->arch == AUDIT_ARCH_X86_64 ? "x86_64" : "unknown arch",
	       h->page_size);
	inspect_format_time(h->time_ns, false, buf, sizeof(buf));
	printf("%-16s%s\n", "frozen at", buf);
	text_str("kernel", h->release, sizeof(h->release));
	printf("%-16s0x%x", "freeze flags", h->freeze_flags);
	text_flags(h->freeze_flags, inspect_freeze_flag_names,
		   ARRAY_SIZE(inspect_freeze_flag_names));
	printf("\n%-16s%u\n", "threads", h->nr_threads);
	if (h->minor >= 2 && h->nr_processes)
		printf("%-16s%u\n", "processes", h->nr_processes);
	printf("%-16s0x%llx, FPU state %u bytes per thread\n", "xfeatures",
	       (unsigned long long)h->xfeatures, h->fpu_size);
}

/* @len bytes of @p, control characters shown as '?'. */
static void text_bytes(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && p[i]; i++)
		putchar((unsigned char)p[i] >= 0x20 && p[i] != 0x7f ? p[i] : '?');
}

/* An inotify's watches, a line each under its fd's. */
static void text_watches(const struct file_info *fi)
{
	unsigned int maj, min;
	size_t i;

	for (i = 0; i < fi->nr_watches; i++) {
		const struct watch_info *w = &fi->watches[i];

		cli_dev_split(w->w.dev, &maj, &min);
		printf("      watch wd %d mask 0x%x dev %u:%u ino %llu path ",
		       w->w.wd, w->w.mask, maj, min,
		       (unsigned long long)w->w.ino);
		text_bytes(w->path, SIZE_MAX);
		putchar('\n');
	}
}

static void text_bits(uint64_t v, const struct flag_name *t, size_t n)
{
	const char *name;
	char tmp[24];
	bool first = true;

	while ((name = inspect_next_flag(&v, t, n, tmp, sizeof(tmp)))) {
		printf("%s%s", first ? "" : "|", name);
		first = false;
	}
	if (first)
		putchar('0');
}

static void text_groups(const struct proc_info *s)
{
	size_t k;

	if (!s->have_groups)
		return;
	printf("  %-16s", "groups");
	for (k = 0; k < s->nr_groups; k++)
		printf("%s%u", k ? " " : "", s->groups[k]);
	printf("%s\n", s->nr_groups ? "" : "(none)");
}

static void text_fs(const struct proc_info *s)
{
	static const char *const fs_names[3] = { "exe", "cwd", "root" };
	unsigned int i;

	if (!s->have_fs)
		return;
	for (i = 0; i < ARRAY_SIZE(fs_names); i++) {
		printf("  %-16s", fs_names[i]);
		text_bytes(s->fs[i], SIZE_MAX);
		putchar('\n');
	}
}

/* PROCESS, with the groups and the paths of GROUPS and FS. */
static void text_process(const struct proc_info *s, bool tree)
{
	const struct cryo_image_process *p = &s->proc;
	uint64_t mm[ARRAY_SIZE(inspect_mm_names)];
	unsigned int i;
	char sig[24];

	if (tree && s->have_process)
		printf("\nprocess %d\n", s->proc.pid);
	else
		printf("\nprocess\n");
	if (!s->have_process) {
		/* A damaged image may hold the records after it. */
		text_groups(s);
		text_fs(s);
		return;
	}
	inspect_mm_values(p, mm);
	printf("  %-16spid %d, ppid %d, pgid %d, sid %d\n", "ids", p->pid,
	       p->ppid, p->pgid, p->sid);
	printf("  ");
	text_str("comm", p->comm, sizeof(p->comm));
	text_fs(s);
	printf("  %-16s%u %u %u %u (real effective saved fs)\n", "uid",
	       p->uid[0], p->uid[1], p->uid[2], p->uid[3]);
	printf("  %-16s%u %u %u %u (real effective saved fs)\n", "gid",
	       p->gid[0], p->gid[1], p->gid[2], p->gid[3]);
	text_groups(s);
	printf("  %-16s0x%016llx\n", "cap_effective",
	       (unsigned long long)p->cap_effective);
	printf("  %-16s0x%016llx\n", "cap_permitted",
	       (unsigned long long)p->cap_permitted);
	printf("  %-16s0x%016llx\n", "cap_inheritable",
	       (unsigned long long)p->cap_inheritable);
	printf("  %-16s0x%016llx\n", "cap_bset", (unsigned long long)p->cap_bset);
	printf("  %-16s0x%016llx\n", "cap_ambient",
	       (unsigned long long)p->cap_ambient);
	printf("  %-16s0x%08x\n", "personality", p->personality);
	printf("  %-16s%04o\n", "umask", p->umask);
	for (i = 0; i < ARRAY_SIZE(inspect_mm_names); i++)
		printf("  %-16s0x%016llx\n", inspect_mm_names[i], (unsigned long long)mm[i]);
	printf("  %-16s%20s %20s\n", "rlimit", "soft", "hard");
	for (i = 0; i < ARRAY_SIZE(inspect_rlimit_names); i++) {
		printf("    %-14s", inspect_rlimit_names[i]);
		text_rlimit(p->rlim[i][0]);
		text_rlimit(p->rlim[i][1]);
		putchar('\n');
	}
	if (p->pdeath_signal) {
		inspect_sig_name(p->pdeath_signal, sig, sizeof(sig));
		printf("  %-16s%s\n", "pdeath_signal", sig);
	}
	if (p->flags & CRYO_PROCESS_CHILD_SUBREAPER)
		printf("  %-16syes\n", "child_subreaper");
	if (p->flags & CRYO_PROCESS_THP_DISABLE)
		printf("  %-16syes\n", "thp_disable");
	if (p->loginuid != CRYO_LOGINUID_UNSET)
		printf("  %-16s%u\n", "loginuid", p->loginuid);
}

/* Scheduling, affinity and timer slack (format 2.7). */
static void text_sched(const struct cryo_image_thread *t)
{
	const char *pol = t->sched_policy < ARRAY_SIZE(inspect_sched_names) ?
			  inspect_sched_names[t->sched_policy] : NULL;
	char cpus[512];

	if (pol)
		printf("  %-16s%s, nice %d", "sched", pol, t->nice);
	else
		printf("  %-16spolicy %u, nice %d", "sched", t->sched_policy, t->nice);
	if (t->rt_priority)
		printf(", priority %u", t->rt_priority);
	if (t->sched_flags & CRYO_THREAD_RESET_ON_FORK)
		printf(", reset on fork");
	putchar('\n');
	inspect_cpulist(t, cpus, sizeof(cpus));
	printf("  %-16s%s\n", "affinity", cpus);
	printf("  %-16s%llu ns (default %llu ns)\n", "timer_slack",
	       (unsigned long long)t->timer_slack_ns,
	       (unsigned long long)t->default_timer_slack_ns);
	/* Format 2.8; none (0) is the I/O priority that follows nice. */
	if (t->ioprio) {
		static const char *const io[] = { "none", "real-time",
						   "best-effort", "idle" };
		unsigned int class = t->ioprio >> 13;

		printf("  %-16s%s %u\n", "io_priority",
		       class < 4 ? io[class] : "class?", t->ioprio & 7);
	}
}

static void text_thread(const struct cryo_image_thread *t, bool sched,
			const struct cryo_image_sleep *sl)
{
	unsigned int i;

	printf("\nthread %d\n", t->tid);
	printf("  %-16s%s\n", "restart",
	       t->restart < ARRAY_SIZE(inspect_restart_names) ?
	       inspect_restart_names[t->restart] : "?");
	/* The time its interrupted sleep had left (2.9). */
	if (sl)
		printf("  %-16s%s, %llu.%09llu s left\n", "sleep",
		       sl->kind < ARRAY_SIZE(inspect_sleep_names) ?
		       inspect_sleep_names[sl->kind] : "?",
		       (unsigned long long)(sl->remaining_ns / 1000000000),
		       (unsigned long long)(sl->remaining_ns % 1000000000));
	for (i = 0; i < CRYO_NR_REGS; i++)
		printf("  %-8s 0x%016llx%s", cryo_reg_name(i),
		       (unsigned long long)t->regs[i],
		       i % 3 == 2 || i == CRYO_NR_REGS - 1 ? "\n" : "");
	printf("  %-16s0x%016llx\n", "fs_base", (unsigned long long)t->fs_base);
	printf("  %-16s0x%016llx\n", "gs_base", (unsigned long long)t->gs_base);
	text_sigmask("blocked", t->blocked);
	text_sigmask("pending", t->pending);
	text_sigmask("shared_pending", t->shared_pending);
	printf("  %-16ssp 0x%llx, size %llu, flags 0x%x\n", "sigaltstack",
	       (unsigned long long)t->sas_sp, (unsigned long long)t->sas_size,
	       t->sas_flags);
	printf("  %-16s0x%llx, len %llu\n", "robust_list",
	       (unsigned long long)t->robust_list,
	       (unsigned long long)t->robust_list_len);
	printf("  %-16s0x%llx, len %u, sig 0x%08x\n", "rseq",
	       (unsigned long long)t->rseq, t->rseq_len, t->rseq_sig);
	printf("  %-16s0x%llx\n", "clear_child_tid",
	       (unsigned long long)t->clear_child_tid);
	printf("  %-16s%s, %u bytes\n", "fpu",
	       t->fpu_format == CRYO_FPU_FXSAVE ? "fxsave" :
	       t->fpu_format == CRYO_FPU_XSAVE ? "xsave" : "unknown format",
	       t->fpu_size);
	if (sched)
		text_sched(t);
}

/* The vector without its AT_NULL end. */
static void text_auxv(const struct proc_info *s)
{
	const char *name;
	char num[24];
	size_t i;

	printf("\nauxv\n");
	for (i = 0; i < s->nr_auxv && s->auxv[i][0]; i++) {
		name = inspect_auxv_name(s->auxv[i][0]);
		if (!name) {
			snprintf(num, sizeof(num), "%llu",
				 (unsigned long long)s->auxv[i][0]);
			name = num;
		}
		if (auxv_decimal(s->auxv[i][0]))
			printf("  %-20s%llu\n", name,
			       (unsigned long long)s->auxv[i][1]);
		else
			printf("  %-20s0x%llx\n", name,
			       (unsigned long long)s->auxv[i][1]);
	}
}

static void text_signals(const struct cryo_image_signals *sig)
{
	const struct cryo_image_sigaction *a;
	unsigned int n, shown = 0;
	char name[24], label[32];

	printf("\nsignals\n");
	if (sig->real_value_ns || sig->real_interval_ns)
		printf("  %-16s%llu.%09llu s left, interval %llu.%09llu s\n",
		       "itimer real",
		       (unsigned long long)(sig->real_value_ns / 1000000000ULL),
		       (unsigned long long)(sig->real_value_ns % 1000000000ULL),
		       (unsigned long long)(sig->real_interval_ns / 1000000000ULL),
		       (unsigned long long)(sig->real_interval_ns % 1000000000ULL));
	else
		printf("  %-16sdisarmed\n", "itimer real");
	for (n = 1; n <= ARRAY_SIZE(sig->action); n++) {
		a = &sig->action[n - 1];
		if (inspect_sigaction_is_default(a))
			continue;
		shown++;
		inspect_sig_name(n, name, sizeof(name));
		snprintf(label, sizeof(label), "%s (%u)", name, n);
		printf("  %-16s", label);
		if (a->handler == 0)
			printf("handler SIG_DFL");
		else if (a->handler == 1)
			printf("handler SIG_IGN");
		else
			printf("handler 0x%llx", (unsigned long long)a->handler);
		printf(", flags ");
		text_bits(a->flags, inspect_sa_flag_names, ARRAY_SIZE(inspect_sa_flag_names));
		printf(", restorer 0x%llx, mask 0x%llx\n",
		       (unsigned long long)a->restorer,
		       (unsigned long long)a->mask);
	}
	if (!shown)
		printf("  %-16sall default\n", "actions");
}

/* "rw-": readable, writable, O_PATH (neither, just a handle). */
static void file_access(uint32_t open_flags, char acc[4])
{
	uint32_t mode = open_flags & OPEN_ACCMODE;
	bool path = open_flags & OPEN_PATH;

	acc[0] = !path && (mode == 0 || mode == 2) ? 'r' : '-';
	acc[1] = !path && (mode == 1 || mode == 2) ? 'w' : '-';
	acc[2] = path ? 'p' : '-';
	acc[3] = 0;
}

static void text_open_flags(uint32_t open_flags)
{
	printf("%s", inspect_accmode_names[open_flags & OPEN_ACCMODE]);
	if (open_flags & ~OPEN_ACCMODE) {
		putchar('|');
		text_bits(open_flags & ~OPEN_ACCMODE, inspect_open_flag_names,
			  ARRAY_SIZE(inspect_open_flag_names));
	}
}

/* fd 3 -> file 2 REG rw- pos 4096 flags O_RDWR|O_APPEND path /tmp/x ... */
static void text_fd(const struct summary *s, const struct cryo_image_fd *fd)
{
	const struct file_info *fi = fd_file(s, fd);
	const struct cryo_image_file *f;
	unsigned int maj, min;
	char acc[4];

	printf("  fd %u -> file %u", fd->fd, fd->file_id);
	if (!fi) {
		printf(" (unknown)\n");
		return;
	}
	f = &fi->f;
	if (f->kind < ARRAY_SIZE(file_kind_text) && file_kind_text[f->kind])
		printf(" %s", file_kind_text[f->kind]);
	else
		printf(" kind %u", f->kind);
	file_access(f->open_flags, acc);
	printf(" %s pos %lld flags ", acc, (long long)f->pos);
	text_open_flags(f->open_flags);
	if (fi->name) {
		if (f->kind == CRYO_FILE_PIPE || f->kind == CRYO_FILE_OTHER)
			putchar(' ');
		else
			printf(" path ");
		text_bytes(fi->name, SIZE_MAX);
	}
	if (f->kind == CRYO_FILE_CHR ||
	    (f->kind == CRYO_FILE_OPATH && S_ISBLK(f->mode))) {
		cli_dev_split(f->rdev, &maj, &min);
		printf(" rdev %u:%u", maj, min);
		/* Since 2.8: a terminal's termios and window size. */
		if (f->data_size)
			printf(" [terminal settings saved]");
	}
	if (f->kind == CRYO_FILE_PIPE || f->kind == CRYO_FILE_FIFO) {
		printf(" pipe 0x%llx", (unsigned long long)f->pipe_id);
		if (f->data_size)
			printf(" [%llu bytes buffered]",
			       (unsigned long long)f->data_size);
	}
	if (f->kind == CRYO_FILE_MEMFD && !(f->flags & CRYO_FILE_LOST))
		printf(" shm %llu", (unsigned long long)f->shm);
	text_file_state(fi);
	if (f->flags & CRYO_FILE_UNLINKED)
		printf(" [unlinked, %llu bytes saved]",
		       (unsigned long long)f->data_size);
	if (f->flags & CRYO_FILE_LOST)
		printf(" [LOST]");
	if (f->flags & CRYO_FILE_PIPE_ALONE)
		printf(" [other end closed]");
	if (fd->flags & CRYO_FD_CLOEXEC)
		printf(" cloexec");
	putchar('\n');
	text_watches(fi);
}

static const char *const sigev_names[] = {
	"SIGEV_SIGNAL", "SIGEV_NONE", "SIGEV_THREAD", "3", "SIGEV_THREAD_ID",
};

/*
 * "  timer 2: clock 1, SIGEV_SIGNAL SIGUSR2 value 0x7, left 0.020000000 s,
 * every 0.020000000 s, overrun 0"
 */
static void text_posix_timer(const struct cryo_image_posix_timer *t)
{
	char sig[16];

	inspect_sig_name(t->signo, sig, sizeof(sig));
	printf("  timer %d: clock %d, ", t->id, t->clock);
	if (t->notify >= 0 && t->notify < 5)
		printf("%s", sigev_names[t->notify]);
	else
		printf("notify %d", t->notify);
	if (t->tid)
		printf(" to thread %d", t->tid);
	printf(" %s value 0x%llx, left %llu.%09llu s, every %llu.%09llu s, overrun %lld\n",
	       sig, (unsigned long long)t->value,
	       (unsigned long long)(t->value_ns / 1000000000),
	       (unsigned long long)(t->value_ns % 1000000000),
	       (unsigned long long)(t->interval_ns / 1000000000),
	       (unsigned long long)(t->interval_ns % 1000000000),
	       (long long)t->overrun);
}

static void text_itimer(const char *name, uint64_t value, uint64_t interval)
{
	printf("%-16sleft %llu.%09llu s, every %llu.%09llu s\n", name,
	       (unsigned long long)(value / 1000000000),
	       (unsigned long long)(value % 1000000000),
	       (unsigned long long)(interval / 1000000000),
	       (unsigned long long)(interval % 1000000000));
}

static void text_itimers(const struct cryo_image_cpu_itimers *it)
{
	putchar('\n');
	text_itimer("ITIMER_PROF", it->prof_value_ns, it->prof_interval_ns);
	text_itimer("ITIMER_VIRTUAL", it->virt_value_ns, it->virt_interval_ns);
}

/*
 * "  queued SIGRTMIN+2 to thread 12: SI_QUEUE pid 10 uid 0 value 0x2a",
 * "  queued SIGALRM to the process: SI_TIMER timer 0 overrun 0 value 0x7"
 */
static void text_siginfo(const struct cryo_image_siginfo *q)
{
	const char *code = inspect_si_code_name(q->code);
	uint32_t lo = (uint32_t)q->fields[0], hi = (uint32_t)(q->fields[0] >> 32);
	char sig[16];

	inspect_sig_name(q->signo, sig, sizeof(sig));
	printf("  queued %s to ", sig);
	if (q->tid)
		printf("thread %d: ", q->tid);
	else
		printf("the process: ");
	if (code)
		printf("%s", code);
	else
		printf("code %d", q->code);
	if (q->code == -2)
		printf(" timer %d overrun %d value 0x%llx", (int32_t)lo,
		       (int32_t)hi, (unsigned long long)q->fields[1]);
	else if (q->code <= 0)
		printf(" pid %d uid %u value 0x%llx", (int32_t)lo, hi,
		       (unsigned long long)q->fields[1]);
	else
		printf(" fields 0x%llx 0x%llx", (unsigned long long)q->fields[0],
		       (unsigned long long)q->fields[1]);
	if (q->errnum)
		printf(" errno %d", q->errnum);
	putchar('\n');
}

/* "  lock POSIX write 0-EOF on file 3" */
static void text_lock(const struct cryo_image_lock *l)
{
	const char *kind = inspect_lock_kind_name(l->kind);

	printf("  lock ");
	if (kind)
		printf("%s", kind);
	else
		printf("kind %u", l->kind);
	printf(" %s %llu-", l->type == CRYO_LOCK_WRITE ? "write" : "read",
	       (unsigned long long)l->start);
	if (l->end == CRYO_LOCK_EOF)
		printf("EOF");
	else
		printf("%llu", (unsigned long long)l->end);
	printf(" on file %u\n", l->file_id);
}

/* "  epoll file 4 watches fd 3 (file 2) events 0x80000019 data 0x7" */
static void text_epoll(const struct cryo_image_epoll_item *e)
{
	printf("  epoll file %u watches fd %u (file %u) events 0x%x data 0x%llx\n",
	       e->epoll_id, e->tfd, e->target_id, e->events,
	       (unsigned long long)e->data);
}

/* The descriptors of @p; the descriptions' count when the image has one process. */
static void text_files(const struct summary *s, const struct proc_info *p)
{
	size_t i, lost = 0;

	if (s->nr_procs > 1) {
		printf("\n%-16s%zu descriptors\n", "files", p->nr_fds);
	} else {
		for (i = 0; i < s->nr_files; i++)
			if (s->files[i].f.flags & CRYO_FILE_LOST)
				lost++;
		printf("\n%-16s%zu open file descriptions", "files", s->nr_files);
		if (lost)
			printf(" (%zu LOST)", lost);
		printf(", %zu descriptors\n", s->nr_fds);
	}
	for (i = 0; i < p->nr_fds; i++)
		text_fd(s, &s->fds[p->first_fd + i]);
	for (i = 0; i < p->nr_locks; i++)
		text_lock(&s->locks[p->first_lock + i]);
	for (i = 0; i < p->nr_epoll; i++)
		text_epoll(&s->epoll[p->first_epoll + i]);
}

/* How deep member @i is in the tree (the root 0). */
static unsigned int member_depth(const struct summary *s, size_t i)
{
	unsigned int depth = 0;

	while (s->tree[i].parent >= 0 && (size_t)s->tree[i].parent < i &&
	       depth < 64) {
		i = s->tree[i].parent;
		depth++;
	}
	return depth;
}

/*
 * The tree, one line per member, children indented under their parent;
 * a member that shares an fd table or fs_struct (clone() with CLONE_FILES
 * or CLONE_FS) names the member whose section holds it:
 *
 *   PID      PPID     PGID     SID      THREADS  COMM
 *   100      1        100      90       1        sh
 *   101      100      100      90       1          worker [fd table of 100, fs of 100]
 *   102      100      100      90       0          (zombie, exit 42)
 */
static void text_member_shares(const struct summary *s, size_t i)
{
	size_t fo = inspect_member_owner(s, i, CRYO_MEMBER_SHARES_FILES);
	size_t so = inspect_member_owner(s, i, CRYO_MEMBER_SHARES_FS);
	uint32_t f = s->tree[i].flags;

	if (!(f & CRYO_MEMBER_SHARES))
		return;
	printf(" [");
	if (f & CRYO_MEMBER_SHARES_FILES)
		printf("fd table of %d", s->tree[fo].pid);
	if ((f & CRYO_MEMBER_SHARES) == CRYO_MEMBER_SHARES)
		printf(", ");
	if (f & CRYO_MEMBER_SHARES_FS)
		printf("fs of %d", s->tree[so].pid);
	printf("]");
}

static void text_tree(const struct summary *s)
{
	const struct cryo_image_member *m;
	const struct proc_info *p;
	size_t i, zombies = 0;
	char status[48];

	for (i = 0; i < s->nr_members; i++)
		if (s->tree[i].flags & CRYO_MEMBER_ZOMBIE)
			zombies++;
	printf("\n%-16s%zu processes", "tree", s->nr_members);
	if (zombies)
		printf(" (%zu zombie%s)", zombies, zombies == 1 ? "" : "s");
	printf(", %u threads\n", s->hdr.nr_threads);
	printf("  %-8s %-8s %-8s %-8s %-8s %s\n", "PID", "PPID", "PGID", "SID",
	       "THREADS", "COMM");
	for (i = 0; i < s->nr_members; i++) {
		m = &s->tree[i];
		printf("  %-8d %-8d %-8d %-8d %-8u %*s", m->pid, m->ppid, m->pgid,
		       m->sid, m->nr_threads, 2 * member_depth(s, i), "");
		p = inspect_member_proc(s, m);
		if (m->flags & CRYO_MEMBER_ZOMBIE) {
			inspect_wait_status(m->exit_code, status, sizeof(status));
			printf("(zombie, %s)", status);
		} else if (p) {
			text_bytes(p->proc.comm, sizeof(p->proc.comm));
		} else {
			printf("?");
		}
		text_member_shares(s, i);
		putchar('\n');
	}
}

/* "pid 100 fd 1" for holder @h. */
static void text_holder(const struct summary *s, const struct holder *h,
			bool with_file)
{
	const struct cryo_image_fd *fd = &s->fds[h->fd];
	const struct file_info *fi = fd_file(s, fd);
	char acc[4];

	printf("pid %d fd %u", s->procs[h->proc].proc.pid, fd->fd);
	if (!with_file || !fi)
		return;
	file_access(fi->f.open_flags, acc);
	printf(" (file %u %s)", fd->file_id, acc);
}

/*
 * What members share:
 *
 *   file 2 PIPE pipe:[66]: pid 100 fd 1, pid 101 fd 1, pid 103 fd 1
 *   pipe 0xabc00000042: pid 100 fd 1 (file 2 -w-), pid 101 fd 3 (file 3 r--)
 */
static void text_shared(const struct summary *s)
{
	const struct shared_obj *o;
	const struct file_info *fi;
	size_t i, k;

	printf("\n%-16s%zu objects held by more than one process\n", "shared",
	       s->nr_shared);
	for (i = 0; i < s->nr_shared; i++) {
		o = &s->shared[i];
		if (o->pipe) {
			printf("  pipe 0x%llx:", (unsigned long long)o->id);
		} else {
			printf("  file %llu", (unsigned long long)o->id);
			fi = o->id && o->id <= s->nr_files ? &s->files[o->id - 1] : NULL;
			if (fi && fi->f.kind < ARRAY_SIZE(file_kind_text) &&
			    file_kind_text[fi->f.kind])
				printf(" %s", file_kind_text[fi->f.kind]);
			if (fi && fi->name) {
				putchar(' ');
				text_bytes(fi->name, SIZE_MAX);
			}
			putchar(':');
		}
		for (k = 0; k < o->n; k++) {
			printf("%s", k ? ", " : " ");
			text_holder(s, &s->holders[o->first + k], o->pipe);
		}
		putchar('\n');
	}
}

/* The mappings of shared memory object @id: "pid 100 0x7f00-0x7f02". */
static void text_shm_mappers(const struct summary *s, uint32_t id)
{
	const struct proc_info *p;
	const struct vma_info *v;
	size_t i, k, n = 0;

	for (i = 0; i < s->nr_procs; i++) {
		p = &s->procs[i];
		for (k = p->first_vma; k < p->first_vma + p->nr_vmas; k++) {
			v = &s->vmas[k];
			if (v->v.shm != id)
				continue;
			printf("%s pid %d 0x%llx-0x%llx", n++ ? "," : ":", p->proc.pid,
			       (unsigned long long)v->v.start,
			       (unsigned long long)v->v.end);
		}
	}
	if (!n)
		printf(": mapped by none");
}

/*
 * The shared memory objects (format 2.3), saved once each, and the
 * members that map them:
 *
 *   shm 1 anonymous 8.0 KiB, owner pid 100, 2 pages saved: pid 100 0x7f...
 *   shm 2 SysV key 0x00001234 shmid 7 mode 0640 uid 1000 gid 1000 removed
 *     9.8 KiB, owner pid 101, 2 pages saved: pid 101 0x..., pid 103 0x...
 *   shm 3 memfd "ring" mode 0777 seals grow,shrink 3.0 MiB, owner pid 100,
 *     9 pages saved: pid 100 0x...
 *
 * (A memfd's descriptions are in the files of each process: kind memfd.)
 */
/* The seals of a memfd, by name: "grow,shrink", or "none". */
static void text_seals(uint32_t seals)
{
	static const char *const names[] = {
		"seal", "shrink", "grow", "write", "future-write", "exec",
	};
	bool any = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(seals & (1U << i)))
			continue;
		printf("%s%s", any ? "," : "", names[i]);
		any = true;
	}
	if (seals & ~(uint32_t)CRYO_SEAL_ALL)
		printf("%s0x%x", any ? "," : "", seals & ~(uint32_t)CRYO_SEAL_ALL);
	else if (!any)
		printf("none");
}

static void text_memfd(const struct shm_info *m)
{
	printf(" \"");
	text_bytes(m->name, strlen(m->name));
	printf("\" mode 0%03o seals ", m->o.mode);
	text_seals(m->o.seals);
}

static void text_shm(const struct summary *s)
{
	const struct cryo_image_shm *o;
	const char *kind;
	char size[32];
	size_t i;

	printf("\n%-16s%zu objects, %llu pages saved\n", "shared memory",
	       s->nr_shms, (unsigned long long)s->shm_pages);
	for (i = 0; i < s->nr_shms; i++) {
		o = &s->shms[i].o;
		kind = inspect_shm_kind_name(o->kind);
		printf("  shm %u ", o->id);
		if (kind)
			printf("%s", kind);
		else
			printf("kind %u", o->kind);
		if (o->kind == CRYO_SHM_SYSV)
			printf(" key 0x%08x shmid %d mode 0%03o uid %u gid %u%s",
			       (uint32_t)o->key, o->shmid, o->mode, o->uid, o->gid,
			       o->flags & CRYO_SHM_REMOVED ? " removed" : "");
		if (o->kind == CRYO_SHM_MEMFD)
			text_memfd(&s->shms[i]);
		human_size(o->size, size, sizeof(size));
		printf(" %s, owner", size);
		if (o->owner < s->nr_members)
			printf(" pid %d", s->tree[o->owner].pid);
		else
			printf(" member %u", o->owner);
		printf(", %llu pages saved", (unsigned long long)s->shms[i].pages);
		text_shm_mappers(s, o->id);
		putchar('\n');
	}
}

static void text_totals(const struct summary *s)
{
	uint64_t mapped = 0, nr_file = 0, nr_anon = 0;
	char a[32], b[32];
	size_t i, lost = 0;

	for (i = 0; i < s->nr_vmas; i++) {
		mapped += s->vmas[i].v.end - s->vmas[i].v.start;
		if (s->vmas[i].v.kind == CRYO_VMA_FILE)
			nr_file++;
		else if (s->vmas[i].v.kind == CRYO_VMA_ANON)
			nr_anon++;
	}
	human_size(mapped, a, sizeof(a));
	human_size(s->pages * s->hdr.page_size, b, sizeof(b));
	if (s->nr_procs > 1) {
		for (i = 0; i < s->nr_files; i++)
			if (s->files[i].f.flags & CRYO_FILE_LOST)
				lost++;
		printf("\n%-16s%zu open file descriptions", "all files",
		       s->nr_files);
		if (lost)
			printf(" (%zu LOST)", lost);
		printf(", %zu descriptors in %zu processes\n", s->nr_fds,
		       s->nr_procs);
	}
	printf("\n%-16s%zu VMAs (%llu file, %llu anonymous, %llu other), %s mapped\n",
	       "memory", s->nr_vmas, (unsigned long long)nr_file,
	       (unsigned long long)nr_anon,
	       (unsigned long long)(s->nr_vmas - nr_file - nr_anon), a);
	printf("%-16s%llu pages saved (%s)\n", "", (unsigned long long)s->pages, b);
	printf("%-16s%llu records, %llu bytes before the trailer", "image",
	       (unsigned long long)s->records, (unsigned long long)s->bytes);
	if (s->unknown)
		printf(", %llu of unknown types", (unsigned long long)s->unknown);
	printf(s->error ? ", DAMAGED\n" : ", verified\n");
}

/* One process: its records, threads and descriptors. */
static void text_proc(const struct summary *s, const struct proc_info *p)
{
	size_t i;

	if (p->have_process || p->have_groups || p->have_fs)
		text_process(p, s->nr_procs > 1);
	if (p->have_auxv)
		text_auxv(p);
	if (p->have_signals)
		text_signals(&p->sig);
	for (i = 0; i < p->nr_threads; i++)
		text_thread(&s->threads[p->first_thread + i], s->thread_sched,
			    inspect_sleep_of(s, s->threads[p->first_thread + i].tid));
	if (p->nr_sigq)
		printf("\n%-16s%zu\n", "queued signals", p->nr_sigq);
	for (i = 0; i < p->nr_sigq; i++)
		text_siginfo(&s->sigq[p->first_sigq + i]);
	if (p->nr_timers)
		printf("\n%-16s%zu\n", "POSIX timers", p->nr_timers);
	for (i = 0; i < p->nr_timers; i++)
		text_posix_timer(&s->timers[p->first_timer + i]);
	if (p->have_itimers)
		text_itimers(&p->itimers);
	if (p->have_process || p->nr_fds || (s->nr_procs == 1 && s->nr_files))
		text_files(s, p);
}

void inspect_print_text(const struct summary *s)
{
	size_t i;

	text_header(&s->hdr);
	if (s->tree) {
		text_tree(s);
		if (s->nr_procs > 1)
			text_shared(s);
		if (s->nr_shms)
			text_shm(s);
	}
	for (i = 0; i < s->nr_procs; i++)
		text_proc(s, &s->procs[i]);
	text_totals(s);
}
