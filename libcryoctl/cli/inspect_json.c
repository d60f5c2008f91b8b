// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl inspect --json: what inspect.c collected, for programs.
 *
 * JSON output: one object, written with json.c.  Field names are stable:
 * fields are added, never renamed or removed.  64-bit addresses, masks and capability sets are hex
 * strings ("0x..."), because JSON numbers lose precision above 2^53; counts,
 * sizes and ids are numbers.
 *
 *   header                  object
 *     major, minor          image format version (numbers)
 *     arch                  "x86_64"
 *     audit_arch            AUDIT_ARCH_* value (hex)
 *     page_size             bytes (number)
 *     freeze_flags          array of "kill", "leave_frozen", "accept_loss";
 *                           unknown bits as hex strings
 *     nr_threads            THREAD records announced, all processes (number)
 *     nr_processes          processes in the tree, zombies included; 1 for
 *                           an image older than 2.2 (number)
 *     fpu_size              bytes of FPU state per thread (number)
 *     xfeatures             XSAVE feature mask (hex)
 *     time_ns               CLOCK_REALTIME of the freeze, ns (number)
 *     time                  the same, "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"
 *     release               kernel release (string)
 *   The fields from process to vmas (files aside) describe the image's
 *   first process, the root of a tree; "processes" has every one's.
 *   process                 object, or null when the image has none
 *     pid, ppid, pgid, sid  numbers
 *     comm                  string
 *     uid, gid              objects {real, effective, saved, fs} (numbers)
 *     cap_effective, cap_permitted, cap_inheritable, cap_bset,
 *     cap_ambient           hex
 *     personality           hex
 *     umask                 octal string, "0022"
 *     mm                    object: start_code, end_code, start_data,
 *                           end_data, start_brk, brk, start_stack,
 *                           arg_start, arg_end, env_start, env_end (hex)
 *     rlimits               object keyed cpu, fsize, data, stack, core, rss,
 *                           nproc, nofile, memlock, as, locks, sigpending,
 *                           msgqueue, nice, rtprio, rttime; each
 *                           {cur, max}: a number, or null for unlimited
 *     pdeath_signal         the parent-death signal, 0 for none (number)
 *     child_subreaper       boolean
 *     thp_disable           boolean (PR_SET_THP_DISABLE, format 2.7)
 *     loginuid              the audit login uid (number), null for none
 *                           or an image older than 2.8
 *   groups                  array of supplementary group ids (numbers), or
 *                           null when the image has no GROUPS record
 *   auxv                    array of objects, every pair as stored, the
 *                           final AT_NULL included; null when absent
 *     type                  number
 *     name                  "AT_PHDR", "AT_ENTRY", ... or null if unknown
 *     value                 hex
 *   fs                      object, or null when absent
 *     exe, cwd, root        paths (strings)
 *   signals                 object, or null when absent
 *     real_value_ns         ITIMER_REAL time left, 0 if disarmed (number)
 *     real_interval_ns      its reload interval (number)
 *     actions               array of objects, only the signals whose
 *                           disposition is not all default (SIG_DFL, no
 *                           flags, restorer or mask), ascending
 *       signal              number, 1 to 64
 *       name                "SIGINT" ...; 32 and up "SIGRTMIN",
 *                           "SIGRTMIN+1" ... (the kernel's SIGRTMIN, 32)
 *       handler             hex: "0x0" SIG_DFL, "0x1" SIG_IGN, or an address
 *       flags               array of "SA_NOCLDSTOP", "SA_NOCLDWAIT",
 *                           "SA_SIGINFO", "SA_UNSUPPORTED",
 *                           "SA_EXPOSE_TAGBITS", "SA_RESTORER",
 *                           "SA_ONSTACK", "SA_RESTART", "SA_NODEFER",
 *                           "SA_RESETHAND"; unknown bits as hex strings
 *       restorer            hex
 *       mask                hex, bit n-1 = signal n
 *   threads                 array of objects
 *     tid                   number
 *     restart               "none", "syscall", "block" (else a number)
 *     sleep                 object, only for a thread with a SLEEP record
 *                           (format 2.9): the time its interrupted call
 *                           had left
 *       kind                "nanosleep", "clock_nanosleep", "poll",
 *                           "futex_wait" (else a number)
 *       remaining_ns        number
 *     regs                  object, struct user_regs_struct order: r15 r14
 *                           r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi
 *                           rdi orig_rax rip cs eflags rsp ss fs_base
 *                           gs_base ds es fs gs (hex)
 *     fs_base, gs_base      hex
 *     blocked, pending, shared_pending   signal masks, bit n-1 = signal n (hex)
 *     sigaltstack           {sp (hex), size (number), flags (hex)}
 *     fpu                   {format: "fxsave" | "xsave" (else a number),
 *                            size (number)}
 *     clear_child_tid       hex
 *     robust_list           {head (hex), len (number)}
 *     rseq                  {addr (hex), len (number), sig (hex)}
 *     sched                 object, null before format 2.7:
 *       policy              "other", "fifo", "rr", "batch", "idle" (else
 *                           a number)
 *       nice                number, -20 to 19
 *       priority            real-time priority, 0 for the others (number)
 *       reset_on_fork       boolean
 *       affinity            CPU list "0-3,8", or "all" when not narrowed
 *       timer_slack_ns, default_timer_slack_ns   numbers
 *       ioprio              the I/O priority as ioprio_get(2) gives it
 *                           (class << 13 | level), 0 for none (number,
 *                           format 2.8)
 *   files                   array of objects, the open file descriptions
 *                           in image order (id 1, 2, ...)
 *     id                    number; fds refer to it
 *     kind                  "reg", "dir", "chr", "pipe", "fifo", "other",
 *                           "memfd", "opath"
 *                           "memfd", "eventfd", "signalfd", "timerfd",
 *                           "epoll", "inotify" (2.9) (else a number)
 *     open_flags            array: the access mode "O_RDONLY", "O_WRONLY",
 *                           "O_RDWR" (or "0x3"), then "O_APPEND",
 *                           "O_NONBLOCK", "O_DIRECT", "O_LARGEFILE",
 *                           "O_PATH", ... as x86-64 names them; unknown
 *                           bits as hex strings
 *     mode                  the inode's type and permissions, octal string
 *                           "0100644"
 *     pos                   file position (number)
 *     dev                   "MM:mm" of the inode's device
 *     ino, size, mtime_ns   numbers
 *     rdev                  "MM:mm", of a device file
 *     pipe_id               hex, shared by both ends of a pipe; "0x0"
 *                           for other kinds
 *     shm                   a memfd's object (see "shm"), 0 for other
 *                           kinds (number)
 *     data_size             bytes saved with it: an unlinked file's
 *                           contents or a pipe's buffer (number)
 *     name                  path, or the kernel's description of a lost
 *                           file ("socket:[1234]"); null when absent
 *     unlinked              true: deleted, contents saved in the image
 *     lost                  true: not saved (taken with accept_loss)
 *     other_end_closed      true: a pipe end whose other end no
 *                           description held (format 2.9)
 *     state_flags, state_args   an eventfd's, signalfd's, timerfd's or
 *                           (2.9) inotify's FILE_STATE (format 2.8):
 *                           flags (number), and the six args as hex
 *                           strings; absent for other kinds
 *     watches               an inotify's watches (format 2.9), array of
 *                           objects: wd (number), mask (hex), dev
 *                           ("MM:mm"), ino (number), path
 *   fds                     array of objects, ascending
 *     fd                    number
 *     file_id               the id of its file (number)
 *     cloexec               boolean
 *   queued_signals          array of objects, the SIGINFO records (format
 *                           2.8) in image order: each thread's queue, then
 *                           the process's
 *     tid                   number, 0 for the process's shared queue
 *     signal                number
 *     name                  as in signals
 *     code                  si_code (number)
 *     code_name             "SI_USER", "SI_QUEUE", "SI_TIMER", "SI_MESGQ",
 *                           "SI_ASYNCIO", "SI_SIGIO", "SI_TKILL",
 *                           "SI_KERNEL", or null
 *     errno                 si_errno (number)
 *     pid, uid              si_pid and si_uid (numbers; for SI_TIMER the
 *                           timer id and the overrun count)
 *     value                 si_value (hex)
 *     fields                the 32 bytes after si_code, as four hex words
 *   epoll_items             array of objects, the interest lists of the
 *                           epolls whose FILE is in this section (2.9)
 *     epoll_id, target_id   file ids (numbers)
 *     tfd                   the fd number the item is keyed by (number)
 *     events, data          hex
 *   posix_timers            array of objects, the POSIX_TIMER records
 *                           (format 2.9), only when there are some
 *     id, clock, notify,    numbers (sigev_notify, sigev_signo)
 *     signal
 *     value                 sigev_value (hex)
 *     tid                   SIGEV_THREAD_ID's thread, else 0
 *     value_ns, interval_ns time left and period (numbers)
 *     overrun               the last overrun count (number)
 *   cpu_itimers             object, the CPU_ITIMERS record (format 2.9),
 *                           only when there is one: prof_value_ns,
 *                           prof_interval_ns, virt_value_ns,
 *                           virt_interval_ns (numbers)
 *   vmas                    array of objects, ascending
 *     start, end            hex
 *     perms                 "rwxp" as in /proc/PID/maps
 *     pgoff                 file offset in bytes (hex)
 *     dev                   "MM:mm" as in /proc/PID/maps
 *     ino                   number
 *     kind                  "anon", "file", "heap", "stack", "vdso", "vvar",
 *                           "vsyscall", "special" (else a number)
 *     flags                 array of "read", "write", "exec", "shared",
 *                           "growsdown", "locked", "dontdump", "hugepage",
 *                           "nohugepage", "dontfork", "wipeonfork",
 *                           "mayshare"; unknown bits as hex strings
 *     file_size, mtime_ns   numbers
 *     name                  path or name (string), or null
 *     pages                 pages of this VMA saved in the image (number)
 *     file_id               a deleted file's FILE (its VMA_FILE record,
 *                           since 2.9), 0 for none (number)
 *     shm                   the id of the shared memory object it maps
 *                           (see "shm"), 0 for none (number)
 *   tree                    array of objects, the image's TREE record in
 *                           its order (root first, parents before their
 *                           children); null in an image older than 2.2
 *     pid, ppid, pgid, sid  numbers
 *     parent                index of its parent in this array, -1 for the
 *                           root (number)
 *     comm                  string, from its PROCESS; null for a zombie
 *     nr_threads            number (0: a process that exited)
 *     zombie                boolean: it exited, not reaped yet
 *     wait_status           a zombie's status as waitpid() gives it
 *                           (number), else null
 *     status                the same as text: "exit 42", "killed by
 *                           SIGTERM", "killed by SIGSEGV (core dumped)";
 *                           null for a living process
 *     shares_files          boolean: it uses its parent's fd table
 *                           (clone() with CLONE_FILES; format 2.4)
 *     shares_fs             boolean: it uses its parent's fs_struct
 *                           (CLONE_FS; format 2.4)
 *     files_pid, fs_pid     the pid of the member whose section holds the
 *                           fd table it uses, and of the first member of
 *                           the fs_struct it uses (its own pid when it
 *                           shares none); null for a zombie
 *   processes               array of objects, one per process that is not a
 *                           zombie, in image order: process, groups, auxv,
 *                           fs, signals, threads, fds, vmas as above, and
 *     pages                 pages of its memory saved (number)
 *   shared                  array of objects: what more than one process of
 *                           the tree holds (empty for one process)
 *     kind                  "file": an open file description (one offset,
 *                           one set of flags: inherited across fork);
 *                           "pipe": the ends of one pipe or FIFO
 *     file_id               the description's id, with "file"
 *     pipe_id               hex, with "pipe"
 *     holders               array of {pid, fd, file_id}, ascending pid
 *   shm                     array of objects: the shared memory objects
 *                           (format 2.3), each saved once; empty before
 *     id                    number, as "shm" of a VMA
 *     kind                  "anonymous" (MAP_SHARED|MAP_ANONYMOUS), "SysV"
 *                           (a System V segment), "memfd" (format 2.5),
 *                           else a number
 *     size                  bytes (number)
 *     owner                 index in "tree" of the member whose section
 *                           holds its pages (number)
 *     owner_pid             that member's pid (number)
 *     key                   hex, a segment's; null for anonymous memory
 *     shmid, uid, gid       numbers, a segment's; null for anonymous
 *     mode                  octal string ("0640"), a segment's; null else
 *                           (a memfd's mode is in "text")
 *     removed               true: a segment removed (IPC_RMID) at the freeze
 *     name                  a memfd's name, without "memfd:"; null else
 *     seals                 hex, a memfd's F_SEAL_* bits; null else
 *     pages                 pages of its contents saved (number)
 *     mappers               array of {pid, start, end}: the members' VMAs
 *                           that map it, in image order
 *   totals                  object
 *     records               records before the trailer (number)
 *     processes             processes with a section (number)
 *     vmas                  number
 *     files                 open file descriptions (number)
 *     fds                   descriptors (number)
 *     pages                 pages saved (number)
 *     shm_pages             pages of shared memory objects saved (number)
 *     page_bytes            pages * page_size (number)
 *     mapped_bytes          sum of the VMAs' sizes (number)
 *     unknown_records       records of types this cryoctl does not know
 *     bytes                 bytes of the image before the trailer (number)
 *   status                  "ok": complete and verified; "error": damaged
 *   error                   what and where (string), only with "error"
 *
 * When not even the header can be read, the object holds only status and
 * error.
 *
 * Strings are escaped as JSON requires; bytes that are not valid UTF-8
 * become U+FFFD.
 */
#include <assert.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/audit.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "cli.h"
#include "inspect.h"
#include "json.h"

static const char *const vma_flag_names[] = {
	"read", "write", "exec", "shared", "growsdown", "locked", "dontdump",
	"hugepage", "nohugepage", "dontfork", "wipeonfork", "mayshare",
};

static const char *const vma_kind_names[] = {
	"anon", "file", "heap", "stack", "vdso", "vvar", "vsyscall", "special",
};

static const char *const id_names[4] = { "real", "effective", "saved", "fs" };

static const char *const file_kind_names[] = {
	NULL, "reg", "dir", "chr", "pipe", "fifo", "other", "memfd",
	[CRYO_FILE_OPATH] = "opath",
	"eventfd", "signalfd", "timerfd",
	[CRYO_FILE_EPOLL] = "epoll",
	[CRYO_FILE_INOTIFY] = "inotify",
};

static void j_rlimit(struct json *j, const char *key, uint64_t v)
{
	if (v == UINT64_MAX)
		j_lit(j, key, "null");
	else
		j_u64(j, key, v);
}

static void json_header(struct json *j, const struct cryo_image_header *h)
{
	char buf[64];

	j_open(j, "header", '{');
	j_u64(j, "major", h->major);
	j_u64(j, "minor", h->minor);
	j_str(j, "arch", h->arch == AUDIT_ARCH_X86_64 ? "x86_64" : "unknown", 16);
	j_hex(j, "audit_arch", h->arch);
	j_u64(j, "page_size", h->page_size);
	j_flags(j, "freeze_flags", h->freeze_flags, inspect_freeze_flag_names,
		ARRAY_SIZE(inspect_freeze_flag_names));
	j_u64(j, "nr_threads", h->nr_threads);
	j_u64(j, "nr_processes", h->minor >= 2 ? h->nr_processes : 1);
	j_u64(j, "fpu_size", h->fpu_size);
	j_hex(j, "xfeatures", h->xfeatures);
	j_u64(j, "time_ns", h->time_ns);
	inspect_format_time(h->time_ns, true, buf, sizeof(buf));
	j_str(j, "time", buf, sizeof(buf));
	j_str(j, "release", h->release, sizeof(h->release));
	j_close(j, '}');
}

static void json_ids(struct json *j, const char *key, const uint32_t ids[4])
{
	unsigned int i;

	j_open(j, key, '{');
	for (i = 0; i < 4; i++)
		j_u64(j, id_names[i], ids[i]);
	j_close(j, '}');
}

static void json_process(struct json *j, const struct cryo_image_process *p)
{
	uint64_t mm[ARRAY_SIZE(inspect_mm_names)];
	char umask[16];
	unsigned int i;

	inspect_mm_values(p, mm);
	j_open(j, "process", '{');
	j_s64(j, "pid", p->pid);
	j_s64(j, "ppid", p->ppid);
	j_s64(j, "pgid", p->pgid);
	j_s64(j, "sid", p->sid);
	j_str(j, "comm", p->comm, sizeof(p->comm));
	json_ids(j, "uid", p->uid);
	json_ids(j, "gid", p->gid);
	j_hex(j, "cap_effective", p->cap_effective);
	j_hex(j, "cap_permitted", p->cap_permitted);
	j_hex(j, "cap_inheritable", p->cap_inheritable);
	j_hex(j, "cap_bset", p->cap_bset);
	j_hex(j, "cap_ambient", p->cap_ambient);
	j_hex(j, "personality", p->personality);
	snprintf(umask, sizeof(umask), "%04o", p->umask);
	j_str(j, "umask", umask, sizeof(umask));
	j_open(j, "mm", '{');
	for (i = 0; i < ARRAY_SIZE(inspect_mm_names); i++)
		j_hex(j, inspect_mm_names[i], mm[i]);
	j_close(j, '}');
	j_open(j, "rlimits", '{');
	for (i = 0; i < ARRAY_SIZE(inspect_rlimit_names); i++) {
		j_open(j, inspect_rlimit_names[i], '{');
		j_rlimit(j, "cur", p->rlim[i][0]);
		j_rlimit(j, "max", p->rlim[i][1]);
		j_close(j, '}');
	}
	j_close(j, '}');
	j_u64(j, "pdeath_signal", p->pdeath_signal);
	j_bool(j, "child_subreaper", p->flags & CRYO_PROCESS_CHILD_SUBREAPER);
	j_bool(j, "thp_disable", p->flags & CRYO_PROCESS_THP_DISABLE);
	if (p->loginuid == CRYO_LOGINUID_UNSET)
		j_str_or_null(j, "loginuid", NULL);
	else
		j_u64(j, "loginuid", p->loginuid);
	j_close(j, '}');
}

static void json_posix_timer(struct json *j, const struct cryo_image_posix_timer *t)
{
	j_open(j, NULL, '{');
	j_s64(j, "id", t->id);
	j_s64(j, "clock", t->clock);
	j_s64(j, "notify", t->notify);
	j_s64(j, "signal", t->signo);
	j_hex(j, "value", t->value);
	j_s64(j, "tid", t->tid);
	j_u64(j, "value_ns", t->value_ns);
	j_u64(j, "interval_ns", t->interval_ns);
	j_s64(j, "overrun", t->overrun);
	j_close(j, '}');
}

static void json_siginfo(struct json *j, const struct cryo_image_siginfo *q)
{
	char name[16];
	unsigned int i;

	j_open(j, NULL, '{');
	j_s64(j, "tid", q->tid);
	j_s64(j, "signal", q->signo);
	inspect_sig_name(q->signo, name, sizeof(name));
	j_str(j, "name", name, SIZE_MAX);
	j_s64(j, "code", q->code);
	j_str_or_null(j, "code_name", inspect_si_code_name(q->code));
	j_s64(j, "errno", q->errnum);
	j_s64(j, "pid", (int32_t)q->fields[0]);
	j_u64(j, "uid", (uint32_t)(q->fields[0] >> 32));
	j_hex(j, "value", q->fields[1]);
	j_open(j, "fields", '[');
	for (i = 0; i < 4; i++)
		j_hex(j, NULL, q->fields[i]);
	j_close(j, ']');
	j_close(j, '}');
}

/* Unknown kinds by number, as the reader lets a newer minor version through. */
static void json_lock(struct json *j, const struct cryo_image_lock *l)
{
	const char *kind = inspect_lock_kind_name(l->kind);

	j_open(j, NULL, '{');
	j_u64(j, "file_id", l->file_id);
	if (kind)
		j_str(j, "kind", kind, SIZE_MAX);
	else
		j_u64(j, "kind", l->kind);
	j_str(j, "type", l->type == CRYO_LOCK_WRITE ? "write" : "read", SIZE_MAX);
	j_u64(j, "start", l->start);
	if (l->end == CRYO_LOCK_EOF)
		j_lit(j, "end", "null");
	else
		j_u64(j, "end", l->end);
	j_close(j, '}');
}

/* Scheduling, affinity and timer slack (format 2.7), else null. */
static void json_sched(struct json *j, const struct cryo_image_thread *t,
		       bool sched)
{
	const char *pol = t->sched_policy < ARRAY_SIZE(inspect_sched_names) ?
			  inspect_sched_names[t->sched_policy] : NULL;
	char cpus[512];

	if (!sched) {
		j_lit(j, "sched", "null");
		return;
	}
	j_open(j, "sched", '{');
	if (pol)
		j_str(j, "policy", pol, 8);
	else
		j_u64(j, "policy", t->sched_policy);
	j_s64(j, "nice", t->nice);
	j_u64(j, "priority", t->rt_priority);
	j_bool(j, "reset_on_fork", t->sched_flags & CRYO_THREAD_RESET_ON_FORK);
	inspect_cpulist(t, cpus, sizeof(cpus));
	j_str(j, "affinity", cpus, sizeof(cpus));
	j_u64(j, "timer_slack_ns", t->timer_slack_ns);
	j_u64(j, "default_timer_slack_ns", t->default_timer_slack_ns);
	j_u64(j, "ioprio", t->ioprio);
	j_close(j, '}');
}

static void json_thread(struct json *j, const struct cryo_image_thread *t,
			bool sched, const struct cryo_image_sleep *sl)
{
	unsigned int i;

	j_open(j, NULL, '{');
	j_s64(j, "tid", t->tid);
	j_enum(j, "restart", t->restart, inspect_restart_names, ARRAY_SIZE(inspect_restart_names));
	/* The time its interrupted sleep had left (2.9). */
	if (sl) {
		j_open(j, "sleep", '{');
		j_enum(j, "kind", sl->kind, inspect_sleep_names,
		       ARRAY_SIZE(inspect_sleep_names));
		j_u64(j, "remaining_ns", sl->remaining_ns);
		j_close(j, '}');
	}
	j_open(j, "regs", '{');
	for (i = 0; i < CRYO_NR_REGS; i++)
		j_hex(j, cryo_reg_name(i), t->regs[i]);
	j_close(j, '}');
	j_hex(j, "fs_base", t->fs_base);
	j_hex(j, "gs_base", t->gs_base);
	j_hex(j, "blocked", t->blocked);
	j_hex(j, "pending", t->pending);
	j_hex(j, "shared_pending", t->shared_pending);
	j_open(j, "sigaltstack", '{');
	j_hex(j, "sp", t->sas_sp);
	j_u64(j, "size", t->sas_size);
	j_hex(j, "flags", t->sas_flags);
	j_close(j, '}');
	j_open(j, "fpu", '{');
	if (t->fpu_format == CRYO_FPU_FXSAVE)
		j_str(j, "format", "fxsave", 8);
	else if (t->fpu_format == CRYO_FPU_XSAVE)
		j_str(j, "format", "xsave", 8);
	else
		j_u64(j, "format", t->fpu_format);
	j_u64(j, "size", t->fpu_size);
	j_close(j, '}');
	j_hex(j, "clear_child_tid", t->clear_child_tid);
	j_open(j, "robust_list", '{');
	j_hex(j, "head", t->robust_list);
	j_u64(j, "len", t->robust_list_len);
	j_close(j, '}');
	j_open(j, "rseq", '{');
	j_hex(j, "addr", t->rseq);
	j_u64(j, "len", t->rseq_len);
	j_hex(j, "sig", t->rseq_sig);
	j_close(j, '}');
	json_sched(j, t, sched);
	j_close(j, '}');
}

static void json_vma(struct json *j, const struct vma_info *vi)
{
	const struct cryo_image_vma *v = &vi->v;
	unsigned int maj, min;
	char buf[32];

	j_open(j, NULL, '{');
	j_hex(j, "start", v->start);
	j_hex(j, "end", v->end);
	cli_vma_perms(v, buf);
	j_str(j, "perms", buf, sizeof(buf));
	j_hex(j, "pgoff", v->pgoff);
	cli_dev_split(v->dev, &maj, &min);
	snprintf(buf, sizeof(buf), "%02x:%02x", maj, min);
	j_str(j, "dev", buf, sizeof(buf));
	j_u64(j, "ino", v->ino);
	j_enum(j, "kind", v->kind, vma_kind_names, ARRAY_SIZE(vma_kind_names));
	j_flags(j, "flags", v->flags, vma_flag_names, ARRAY_SIZE(vma_flag_names));
	j_u64(j, "file_size", v->file_size);
	j_s64(j, "mtime_ns", v->mtime_ns);
	if (vi->name)
		j_str(j, "name", vi->name, v->name_len);
	else
		j_lit(j, "name", "null");
	j_u64(j, "pages", vi->pages);
	j_u64(j, "file_id", vi->file_id);
	j_u64(j, "shm", v->shm);
	j_close(j, '}');
}

static void j_bits(struct json *j, const char *key, uint64_t v,
		   const struct flag_name *t, size_t n)
{
	const char *name;
	char tmp[24];

	j_open(j, key, '[');
	while ((name = inspect_next_flag(&v, t, n, tmp, sizeof(tmp))))
		j_str(j, NULL, name, SIZE_MAX);
	j_close(j, ']');
}

/* The access mode's name, then the other flags. */
static void j_open_flags(struct json *j, const char *key, uint32_t flags)
{
	uint64_t rest = flags & ~OPEN_ACCMODE;
	const char *name;
	char tmp[24];

	j_open(j, key, '[');
	j_str(j, NULL, inspect_accmode_names[flags & OPEN_ACCMODE], SIZE_MAX);
	while ((name = inspect_next_flag(&rest, inspect_open_flag_names,
					 ARRAY_SIZE(inspect_open_flag_names), tmp,
					 sizeof(tmp))))
		j_str(j, NULL, name, SIZE_MAX);
	j_close(j, ']');
}

static void json_process_more(struct json *j, const struct proc_info *s)
{
	const char *name;
	size_t i;

	if (s->have_groups) {
		j_open(j, "groups", '[');
		for (i = 0; i < s->nr_groups; i++)
			j_u64(j, NULL, s->groups[i]);
		j_close(j, ']');
	} else {
		j_lit(j, "groups", "null");
	}
	if (s->have_auxv) {
		j_open(j, "auxv", '[');
		for (i = 0; i < s->nr_auxv; i++) {
			j_open(j, NULL, '{');
			j_u64(j, "type", s->auxv[i][0]);
			name = inspect_auxv_name(s->auxv[i][0]);
			j_str_or_null(j, "name", name);
			j_hex(j, "value", s->auxv[i][1]);
			j_close(j, '}');
		}
		j_close(j, ']');
	} else {
		j_lit(j, "auxv", "null");
	}
	if (s->have_fs) {
		j_open(j, "fs", '{');
		j_str_or_null(j, "exe", s->fs[0]);
		j_str_or_null(j, "cwd", s->fs[1]);
		j_str_or_null(j, "root", s->fs[2]);
		j_close(j, '}');
	} else {
		j_lit(j, "fs", "null");
	}
}

static void json_signals(struct json *j, const struct proc_info *s)
{
	const struct cryo_image_sigaction *a;
	char name[24];
	unsigned int n;

	if (!s->have_signals) {
		j_lit(j, "signals", "null");
		return;
	}
	j_open(j, "signals", '{');
	j_u64(j, "real_value_ns", s->sig.real_value_ns);
	j_u64(j, "real_interval_ns", s->sig.real_interval_ns);
	j_open(j, "actions", '[');
	for (n = 1; n <= ARRAY_SIZE(s->sig.action); n++) {
		a = &s->sig.action[n - 1];
		if (inspect_sigaction_is_default(a))
			continue;
		j_open(j, NULL, '{');
		j_u64(j, "signal", n);
		inspect_sig_name(n, name, sizeof(name));
		j_str(j, "name", name, sizeof(name));
		j_hex(j, "handler", a->handler);
		j_bits(j, "flags", a->flags, inspect_sa_flag_names,
		       ARRAY_SIZE(inspect_sa_flag_names));
		j_hex(j, "restorer", a->restorer);
		j_hex(j, "mask", a->mask);
		j_close(j, '}');
	}
	j_close(j, ']');
	j_close(j, '}');
}

static void json_file(struct json *j, const struct file_info *fi)
{
	const struct cryo_image_file *f = &fi->f;
	unsigned int maj, min, i;
	char buf[32];

	j_open(j, NULL, '{');
	j_u64(j, "id", f->id);
	if (f->kind < ARRAY_SIZE(file_kind_names) && file_kind_names[f->kind])
		j_str(j, "kind", file_kind_names[f->kind], SIZE_MAX);
	else
		j_u64(j, "kind", f->kind);
	j_open_flags(j, "open_flags", f->open_flags);
	snprintf(buf, sizeof(buf), "%07o", f->mode);
	j_str(j, "mode", buf, sizeof(buf));
	j_s64(j, "pos", f->pos);
	cli_dev_split(f->dev, &maj, &min);
	snprintf(buf, sizeof(buf), "%02x:%02x", maj, min);
	j_str(j, "dev", buf, sizeof(buf));
	j_u64(j, "ino", f->ino);
	j_u64(j, "size", f->size);
	j_s64(j, "mtime_ns", f->mtime_ns);
	cli_dev_split(f->rdev, &maj, &min);
	snprintf(buf, sizeof(buf), "%02x:%02x", maj, min);
	j_str(j, "rdev", buf, sizeof(buf));
	/* A memfd's field is its object's id, not a pipe's. */
	j_hex(j, "pipe_id", f->kind == CRYO_FILE_MEMFD ? 0 : f->pipe_id);
	j_u64(j, "shm", f->kind == CRYO_FILE_MEMFD ? f->shm : 0);
	j_u64(j, "data_size", f->data_size);
	j_str_or_null(j, "name", fi->name);
	j_bool(j, "unlinked", f->flags & CRYO_FILE_UNLINKED);
	j_bool(j, "lost", f->flags & CRYO_FILE_LOST);
	j_bool(j, "other_end_closed", f->flags & CRYO_FILE_PIPE_ALONE);
	if (fi->has_state) {
		j_u64(j, "state_flags", fi->state.flags);
		j_open(j, "state_args", '[');
		for (i = 0; i < 6; i++)
			j_hex(j, NULL, fi->state.args[i]);
		j_close(j, ']');
	}
	if (f->kind == CRYO_FILE_INOTIFY && fi->has_state) {
		j_open(j, "watches", '[');
		for (i = 0; i < fi->nr_watches; i++) {
			const struct watch_info *w = &fi->watches[i];

			j_open(j, NULL, '{');
			j_s64(j, "wd", w->w.wd);
			j_hex(j, "mask", w->w.mask);
			cli_dev_split(w->w.dev, &maj, &min);
			snprintf(buf, sizeof(buf), "%02x:%02x", maj, min);
			j_str(j, "dev", buf, sizeof(buf));
			j_u64(j, "ino", w->w.ino);
			j_str(j, "path", w->path, SIZE_MAX);
			j_close(j, '}');
		}
		j_close(j, ']');
	}
	j_close(j, '}');
}

/*
 * One process's fields, as the top level has them for the first; there
 * (@files) with the image's files between its threads and its fds.
 */
static void json_proc(struct json *j, const struct summary *s,
		      const struct proc_info *p, bool files)
{
	size_t i;

	if (p->have_process)
		json_process(j, &p->proc);
	else
		j_lit(j, "process", "null");
	json_process_more(j, p);
	json_signals(j, p);
	j_open(j, "threads", '[');
	for (i = 0; i < p->nr_threads; i++)
		json_thread(j, &s->threads[p->first_thread + i], s->thread_sched,
			    inspect_sleep_of(s, s->threads[p->first_thread + i].tid));
	j_close(j, ']');
	if (files) {
		j_open(j, "files", '[');
		for (i = 0; i < s->nr_files; i++)
			json_file(j, &s->files[i]);
		j_close(j, ']');
	}
	j_open(j, "fds", '[');
	for (i = p->first_fd; i < p->first_fd + p->nr_fds; i++) {
		j_open(j, NULL, '{');
		j_u64(j, "fd", s->fds[i].fd);
		j_u64(j, "file_id", s->fds[i].file_id);
		j_bool(j, "cloexec", s->fds[i].flags & CRYO_FD_CLOEXEC);
		j_close(j, '}');
	}
	j_close(j, ']');
	j_open(j, "locks", '[');
	for (i = p->first_lock; i < p->first_lock + p->nr_locks; i++)
		json_lock(j, &s->locks[i]);
	j_close(j, ']');
	j_open(j, "queued_signals", '[');
	for (i = p->first_sigq; i < p->first_sigq + p->nr_sigq; i++)
		json_siginfo(j, &s->sigq[i]);
	j_close(j, ']');
	j_open(j, "epoll_items", '[');
	for (i = p->first_epoll; i < p->first_epoll + p->nr_epoll; i++) {
		j_open(j, NULL, '{');
		j_u64(j, "epoll_id", s->epoll[i].epoll_id);
		j_u64(j, "tfd", s->epoll[i].tfd);
		j_u64(j, "target_id", s->epoll[i].target_id);
		j_hex(j, "events", s->epoll[i].events);
		j_hex(j, "data", s->epoll[i].data);
		j_close(j, '}');
	}
	j_close(j, ']');
	if (p->nr_timers) {
		j_open(j, "posix_timers", '[');
		for (i = p->first_timer; i < p->first_timer + p->nr_timers; i++)
			json_posix_timer(j, &s->timers[i]);
		j_close(j, ']');
	}
	if (p->have_itimers) {
		j_open(j, "cpu_itimers", '{');
		j_u64(j, "prof_value_ns", p->itimers.prof_value_ns);
		j_u64(j, "prof_interval_ns", p->itimers.prof_interval_ns);
		j_u64(j, "virt_value_ns", p->itimers.virt_value_ns);
		j_u64(j, "virt_interval_ns", p->itimers.virt_interval_ns);
		j_close(j, '}');
	}
	j_open(j, "vmas", '[');
	for (i = p->first_vma; i < p->first_vma + p->nr_vmas; i++)
		json_vma(j, &s->vmas[i]);
	j_close(j, ']');
}

static void json_tree(struct json *j, const struct summary *s)
{
	const struct cryo_image_member *m;
	const struct proc_info *p;
	char status[48];
	size_t i;

	if (!s->tree) {
		j_lit(j, "tree", "null");
		return;
	}
	j_open(j, "tree", '[');
	for (i = 0; i < s->nr_members; i++) {
		m = &s->tree[i];
		p = inspect_member_proc(s, m);
		j_open(j, NULL, '{');
		j_s64(j, "pid", m->pid);
		j_s64(j, "ppid", m->ppid);
		j_s64(j, "pgid", m->pgid);
		j_s64(j, "sid", m->sid);
		j_s64(j, "parent", m->parent);
		if (p)
			j_str(j, "comm", p->proc.comm, sizeof(p->proc.comm));
		else
			j_lit(j, "comm", "null");
		j_u64(j, "nr_threads", m->nr_threads);
		j_bool(j, "zombie", m->flags & CRYO_MEMBER_ZOMBIE);
		if (m->flags & CRYO_MEMBER_ZOMBIE) {
			j_s64(j, "wait_status", m->exit_code);
			inspect_wait_status(m->exit_code, status, sizeof(status));
			j_str(j, "status", status, sizeof(status));
		} else {
			j_lit(j, "wait_status", "null");
			j_lit(j, "status", "null");
		}
		j_bool(j, "shares_files", m->flags & CRYO_MEMBER_SHARES_FILES);
		j_bool(j, "shares_fs", m->flags & CRYO_MEMBER_SHARES_FS);
		if (m->flags & CRYO_MEMBER_ZOMBIE) {
			j_lit(j, "files_pid", "null");
			j_lit(j, "fs_pid", "null");
		} else {
			size_t fo = inspect_member_owner(s, i, CRYO_MEMBER_SHARES_FILES);
			size_t so = inspect_member_owner(s, i, CRYO_MEMBER_SHARES_FS);

			j_s64(j, "files_pid", s->tree[fo].pid);
			j_s64(j, "fs_pid", s->tree[so].pid);
		}
		j_close(j, '}');
	}
	j_close(j, ']');
}

static void json_shared(struct json *j, const struct summary *s)
{
	const struct shared_obj *o;
	const struct holder *h;
	size_t i, k;

	j_open(j, "shared", '[');
	for (i = 0; i < s->nr_shared; i++) {
		o = &s->shared[i];
		j_open(j, NULL, '{');
		j_str(j, "kind", o->pipe ? "pipe" : "file", 8);
		if (o->pipe)
			j_hex(j, "pipe_id", o->id);
		else
			j_u64(j, "file_id", o->id);
		j_open(j, "holders", '[');
		for (k = 0; k < o->n; k++) {
			h = &s->holders[o->first + k];
			j_open(j, NULL, '{');
			j_s64(j, "pid", s->procs[h->proc].proc.pid);
			j_u64(j, "fd", s->fds[h->fd].fd);
			j_u64(j, "file_id", s->fds[h->fd].file_id);
			j_close(j, '}');
		}
		j_close(j, ']');
		j_close(j, '}');
	}
	j_close(j, ']');
}

/* The members' VMAs that map shared memory object @id. */
static void json_shm_mappers(struct json *j, const struct summary *s, uint32_t id)
{
	const struct proc_info *p;
	size_t i, k;

	j_open(j, "mappers", '[');
	for (i = 0; i < s->nr_procs; i++) {
		p = &s->procs[i];
		for (k = p->first_vma; k < p->first_vma + p->nr_vmas; k++) {
			if (s->vmas[k].v.shm != id)
				continue;
			j_open(j, NULL, '{');
			j_s64(j, "pid", p->proc.pid);
			j_hex(j, "start", s->vmas[k].v.start);
			j_hex(j, "end", s->vmas[k].v.end);
			j_close(j, '}');
		}
	}
	j_close(j, ']');
}

static void json_shm(struct json *j, const struct summary *s)
{
	const struct cryo_image_shm *o;
	const char *kind;
	char mode[8];
	size_t i;

	j_open(j, "shm", '[');
	for (i = 0; i < s->nr_shms; i++) {
		o = &s->shms[i].o;
		kind = inspect_shm_kind_name(o->kind);
		j_open(j, NULL, '{');
		j_u64(j, "id", o->id);
		if (kind)
			j_str(j, "kind", kind, SIZE_MAX);
		else
			j_u64(j, "kind", o->kind);
		j_u64(j, "size", o->size);
		j_u64(j, "owner", o->owner);
		if (o->owner < s->nr_members)
			j_s64(j, "owner_pid", s->tree[o->owner].pid);
		else
			j_lit(j, "owner_pid", "null");
		if (o->kind == CRYO_SHM_SYSV) {
			j_hex(j, "key", (uint32_t)o->key);
			j_s64(j, "shmid", o->shmid);
			snprintf(mode, sizeof(mode), "0%03o", o->mode & 07777);
			j_str(j, "mode", mode, sizeof(mode));
			j_u64(j, "uid", o->uid);
			j_u64(j, "gid", o->gid);
		} else {
			j_lit(j, "key", "null");
			j_lit(j, "shmid", "null");
			j_lit(j, "mode", "null");
			j_lit(j, "uid", "null");
			j_lit(j, "gid", "null");
		}
		j_bool(j, "removed", o->flags & CRYO_SHM_REMOVED);
		if (o->kind == CRYO_SHM_MEMFD) {
			j_str(j, "name", s->shms[i].name, SIZE_MAX);
			j_hex(j, "seals", o->seals);
		} else {
			j_lit(j, "name", "null");
			j_lit(j, "seals", "null");
		}
		j_u64(j, "pages", s->shms[i].pages);
		json_shm_mappers(j, s, o->id);
		j_close(j, '}');
	}
	j_close(j, ']');
}

void inspect_print_json(const struct summary *s)
{
	uint64_t mapped = 0;
	struct json j;
	size_t i;

	j_begin(&j, false);
	json_header(&j, &s->hdr);
	/* The first process's, as before trees; "processes" has them all. */
	json_proc(&j, s, &s->procs[0], true);
	json_tree(&j, s);
	j_open(&j, "processes", '[');
	for (i = 0; i < s->nr_procs; i++) {
		j_open(&j, NULL, '{');
		json_proc(&j, s, &s->procs[i], false);
		j_u64(&j, "pages", s->procs[i].pages);
		j_close(&j, '}');
	}
	j_close(&j, ']');
	json_shared(&j, s);
	json_shm(&j, s);
	for (i = 0; i < s->nr_vmas; i++)
		mapped += s->vmas[i].v.end - s->vmas[i].v.start;
	j_open(&j, "totals", '{');
	j_u64(&j, "records", s->records);
	j_u64(&j, "processes", s->nr_procs);
	j_u64(&j, "vmas", s->nr_vmas);
	j_u64(&j, "files", s->nr_files);
	j_u64(&j, "fds", s->nr_fds);
	j_u64(&j, "pages", s->pages);
	j_u64(&j, "shm_pages", s->shm_pages);
	j_u64(&j, "page_bytes", s->pages * s->hdr.page_size);
	j_u64(&j, "mapped_bytes", mapped);
	j_u64(&j, "unknown_records", s->unknown);
	j_u64(&j, "bytes", s->bytes);
	j_close(&j, '}');
	j_str(&j, "status", s->error ? "error" : "ok", 8);
	if (s->error)
		j_str(&j, "error", s->error, SIZE_MAX);
	j_end(&j);
}

/* Not even the header could be read: only status and error. */
void inspect_print_json_failure(const struct cryoctl_image *img, int err)
{
	const char *msg = cryoctl_image_error(img, NULL, NULL);
	struct json j;

	j_begin(&j, false);
	j_str(&j, "status", "error", 8);
	j_str(&j, "error", msg ? msg : strerror(-err), SIZE_MAX);
	j_end(&j);
	cli_flush_stdout("inspect");
}
