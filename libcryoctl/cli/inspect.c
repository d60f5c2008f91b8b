// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl inspect: what an image holds, for people (text) or programs
 * (--json).
 *
 * The whole stream is read and verified; the report is printed at the end,
 * also when the image turns out damaged (then with the error).  Only the
 * metadata is kept in memory, never page contents.
 *
 * JSON output: one object.  Field names are stable: fields are added, never
 * renamed or removed.  64-bit addresses, masks and capability sets are hex
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
 *     nr_threads            THREAD records announced (number)
 *     fpu_size              bytes of FPU state per thread (number)
 *     xfeatures             XSAVE feature mask (hex)
 *     time_ns               CLOCK_REALTIME of the freeze, ns (number)
 *     time                  the same, "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"
 *     release               kernel release (string)
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
 *   threads                 array of objects
 *     tid                   number
 *     restart               "none", "syscall", "block" (else a number)
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
 *   totals                  object
 *     records               records before the trailer (number)
 *     vmas                  number
 *     pages                 pages saved (number)
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>

#include <linux/cryo.h>

#include "cryoctl.h"
#include "cli.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	      "cryoctl reads image payloads in place: little-endian hosts only");

static const char *const reg_names[27] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
	"rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

static const char *const rlimit_names[16] = {
	"cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
	"memlock", "as", "locks", "sigpending", "msgqueue", "nice", "rtprio",
	"rttime",
};

static const char *const freeze_flag_names[] = {
	"kill", "leave_frozen", "accept_loss",
};

static const char *const vma_flag_names[] = {
	"read", "write", "exec", "shared", "growsdown", "locked", "dontdump",
	"hugepage", "nohugepage", "dontfork", "wipeonfork", "mayshare",
};

static const char *const vma_kind_names[] = {
	"anon", "file", "heap", "stack", "vdso", "vvar", "vsyscall", "special",
};

static const char *const restart_names[] = { "none", "syscall", "block" };

static const char *const mm_names[11] = {
	"start_code", "end_code", "start_data", "end_data", "start_brk", "brk",
	"start_stack", "arg_start", "arg_end", "env_start", "env_end",
};

/* The mm bounds of @p, in the order of mm_names[]. */
static void mm_values(const struct cryo_image_process *p, uint64_t mm[11])
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

static const char *const id_names[4] = { "real", "effective", "saved", "fs" };

struct vma_info {
	struct cryo_image_vma v;
	char *name;			/* NUL-terminated copy, or NULL */
	uint64_t pages;
};

struct summary {
	struct cryo_image_header hdr;
	bool have_process;
	struct cryo_image_process proc;
	struct cryo_image_thread *threads;
	size_t nr_threads;
	size_t threads_size;
	struct vma_info *vmas;
	size_t nr_vmas;
	size_t vmas_size;
	size_t vma_cursor;
	uint64_t records;
	uint64_t pages;
	uint64_t unknown;
	uint64_t bytes;
	const char *error;		/* NULL when complete and verified */
};

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

static int add_thread(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_thread *t;

	t = grow(s->threads, &s->threads_size, s->nr_threads, sizeof(*t));
	if (!t)
		return -1;
	s->threads = t;
	memcpy(&t[s->nr_threads++], rec->payload, sizeof(*t));
	return 0;
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
	return 0;
}

/* PAGES come in ascending order, and the reader checked each is in a VMA. */
static void add_pages(struct summary *s, const struct cryoctl_record *rec)
{
	struct cryo_image_pages p;

	memcpy(&p, rec->payload, sizeof(p));
	while (s->vma_cursor < s->nr_vmas &&
	       s->vmas[s->vma_cursor].v.end <= p.addr)
		s->vma_cursor++;
	if (s->vma_cursor < s->nr_vmas)
		s->vmas[s->vma_cursor].pages += p.nr_pages;
	s->pages += p.nr_pages;
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
	while ((ret = cryoctl_image_next(img, &rec)) > 0) {
		s->records++;
		s->bytes = rec.offset + sizeof(struct cryo_rec) + rec.len;
		switch (rec.type) {
		case CRYO_REC_HEADER:
			break;
		case CRYO_REC_PROCESS:
			memcpy(&s->proc, rec.payload, sizeof(s->proc));
			s->have_process = true;
			break;
		case CRYO_REC_THREAD:
			if (add_thread(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_VMA:
			if (add_vma(s, &rec))
				goto out_nomem;
			break;
		case CRYO_REC_PAGES:
			add_pages(s, &rec);
			break;
		default:
			s->unknown++;
			break;
		}
	}
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
	size_t i;

	for (i = 0; i < s->nr_vmas; i++)
		free(s->vmas[i].name);
	free(s->vmas);
	free(s->threads);
}

/* "2024-05-01 12:34:56.123456789" (@iso: "2024-05-01T12:34:56.123456789Z") */
static void format_time(uint64_t ns, bool iso, char *buf, size_t size)
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

/* ---- text ---------------------------------------------------------------- */

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
	format_time(h->time_ns, false, buf, sizeof(buf));
	printf("%-16s%s\n", "frozen at", buf);
	text_str("kernel", h->release, sizeof(h->release));
	printf("%-16s0x%x", "freeze flags", h->freeze_flags);
	text_flags(h->freeze_flags, freeze_flag_names, ARRAY_SIZE(freeze_flag_names));
	printf("\n%-16s%u\n", "threads", h->nr_threads);
	printf("%-16s0x%llx, FPU state %u bytes per thread\n", "xfeatures",
	       (unsigned long long)h->xfeatures, h->fpu_size);
}

static void text_process(const struct cryo_image_process *p)
{
	uint64_t mm[ARRAY_SIZE(mm_names)];
	unsigned int i;

	mm_values(p, mm);
	printf("\nprocess\n");
	printf("  %-16spid %d, ppid %d, pgid %d, sid %d\n", "ids", p->pid,
	       p->ppid, p->pgid, p->sid);
	printf("  ");
	text_str("comm", p->comm, sizeof(p->comm));
	printf("  %-16s%u %u %u %u (real effective saved fs)\n", "uid",
	       p->uid[0], p->uid[1], p->uid[2], p->uid[3]);
	printf("  %-16s%u %u %u %u (real effective saved fs)\n", "gid",
	       p->gid[0], p->gid[1], p->gid[2], p->gid[3]);
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
	for (i = 0; i < ARRAY_SIZE(mm_names); i++)
		printf("  %-16s0x%016llx\n", mm_names[i], (unsigned long long)mm[i]);
	printf("  %-16s%20s %20s\n", "rlimit", "soft", "hard");
	for (i = 0; i < ARRAY_SIZE(rlimit_names); i++) {
		printf("    %-14s", rlimit_names[i]);
		text_rlimit(p->rlim[i][0]);
		text_rlimit(p->rlim[i][1]);
		putchar('\n');
	}
}

static void text_thread(const struct cryo_image_thread *t)
{
	unsigned int i;

	printf("\nthread %d\n", t->tid);
	printf("  %-16s%s\n", "restart",
	       t->restart < ARRAY_SIZE(restart_names) ? restart_names[t->restart] : "?");
	for (i = 0; i < ARRAY_SIZE(reg_names); i++)
		printf("  %-8s 0x%016llx%s", reg_names[i],
		       (unsigned long long)t->regs[i],
		       i % 3 == 2 || i == ARRAY_SIZE(reg_names) - 1 ? "\n" : "");
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
}

static void text_totals(const struct summary *s)
{
	uint64_t mapped = 0, nr_file = 0, nr_anon = 0;
	char a[32], b[32];
	size_t i;

	for (i = 0; i < s->nr_vmas; i++) {
		mapped += s->vmas[i].v.end - s->vmas[i].v.start;
		if (s->vmas[i].v.kind == CRYO_VMA_FILE)
			nr_file++;
		else if (s->vmas[i].v.kind == CRYO_VMA_ANON)
			nr_anon++;
	}
	human_size(mapped, a, sizeof(a));
	human_size(s->pages * s->hdr.page_size, b, sizeof(b));
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

static void print_text(const struct summary *s)
{
	size_t i;

	text_header(&s->hdr);
	if (s->have_process)
		text_process(&s->proc);
	for (i = 0; i < s->nr_threads; i++)
		text_thread(&s->threads[i]);
	text_totals(s);
}

/* ---- JSON ---------------------------------------------------------------- */

struct json {
	int depth;
	bool need_comma;
};

static void j_indent(struct json *j)
{
	printf("%s\n%*s", j->need_comma ? "," : "", j->depth * 2, "");
	j->need_comma = true;
}

static void j_key(struct json *j, const char *key)
{
	j_indent(j);
	if (key)
		printf("\"%s\": ", key);
}

static void j_open(struct json *j, const char *key, char c)
{
	j_key(j, key);
	putchar(c);
	j->depth++;
	j->need_comma = false;
}

static void j_close(struct json *j, char c)
{
	j->depth--;
	if (j->need_comma)
		printf("\n%*s", j->depth * 2, "");
	putchar(c);
	j->need_comma = true;
}

static void j_u64(struct json *j, const char *key, uint64_t v)
{
	j_key(j, key);
	printf("%llu", (unsigned long long)v);
}

static void j_s64(struct json *j, const char *key, int64_t v)
{
	j_key(j, key);
	printf("%lld", (long long)v);
}

static void j_hex(struct json *j, const char *key, uint64_t v)
{
	j_key(j, key);
	printf("\"0x%llx\"", (unsigned long long)v);
}

static void j_lit(struct json *j, const char *key, const char *lit)
{
	j_key(j, key);
	fputs(lit, stdout);
}

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string of at most @max bytes of @str, stopping at a NUL. */
static void j_str(struct json *j, const char *key, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, n = strnlen(str, max), len;

	j_key(j, key);
	putchar('"');
	for (i = 0; i < n; i += len) {
		len = utf8_len(s + i, n - i);
		if (!len) {
			fputs("\\ufffd", stdout);
			len = 1;
		} else if (s[i] == '"' || s[i] == '\\') {
			printf("\\%c", s[i]);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			printf("\\u%04x", s[i]);
		} else {
			fwrite(s + i, 1, len, stdout);
		}
	}
	putchar('"');
}

static void j_flags(struct json *j, const char *key, uint64_t flags,
		    const char *const *names, size_t n)
{
	unsigned int bit;
	char tmp[24];

	j_open(j, key, '[');
	for (bit = 0; bit < 64; bit++) {
		if (!(flags & (1ULL << bit)))
			continue;
		if (bit < n) {
			j_str(j, NULL, names[bit], SIZE_MAX);
		} else {
			snprintf(tmp, sizeof(tmp), "0x%llx", 1ULL << bit);
			j_str(j, NULL, tmp, sizeof(tmp));
		}
	}
	j_close(j, ']');
}

static void j_enum(struct json *j, const char *key, uint32_t v,
		   const char *const *names, size_t n)
{
	if (v < n)
		j_str(j, key, names[v], SIZE_MAX);
	else
		j_u64(j, key, v);
}

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
	j_flags(j, "freeze_flags", h->freeze_flags, freeze_flag_names,
		ARRAY_SIZE(freeze_flag_names));
	j_u64(j, "nr_threads", h->nr_threads);
	j_u64(j, "fpu_size", h->fpu_size);
	j_hex(j, "xfeatures", h->xfeatures);
	j_u64(j, "time_ns", h->time_ns);
	format_time(h->time_ns, true, buf, sizeof(buf));
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
	uint64_t mm[ARRAY_SIZE(mm_names)];
	char umask[16];
	unsigned int i;

	mm_values(p, mm);
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
	for (i = 0; i < ARRAY_SIZE(mm_names); i++)
		j_hex(j, mm_names[i], mm[i]);
	j_close(j, '}');
	j_open(j, "rlimits", '{');
	for (i = 0; i < ARRAY_SIZE(rlimit_names); i++) {
		j_open(j, rlimit_names[i], '{');
		j_rlimit(j, "cur", p->rlim[i][0]);
		j_rlimit(j, "max", p->rlim[i][1]);
		j_close(j, '}');
	}
	j_close(j, '}');
	j_close(j, '}');
}

static void json_thread(struct json *j, const struct cryo_image_thread *t)
{
	unsigned int i;

	j_open(j, NULL, '{');
	j_s64(j, "tid", t->tid);
	j_enum(j, "restart", t->restart, restart_names, ARRAY_SIZE(restart_names));
	j_open(j, "regs", '{');
	for (i = 0; i < ARRAY_SIZE(reg_names); i++)
		j_hex(j, reg_names[i], t->regs[i]);
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
	j_close(j, '}');
}

static void print_json(const struct summary *s)
{
	struct json j = { .depth = 1 };
	uint64_t mapped = 0;
	size_t i;

	putchar('{');
	json_header(&j, &s->hdr);
	if (s->have_process)
		json_process(&j, &s->proc);
	else
		j_lit(&j, "process", "null");
	j_open(&j, "threads", '[');
	for (i = 0; i < s->nr_threads; i++)
		json_thread(&j, &s->threads[i]);
	j_close(&j, ']');
	j_open(&j, "vmas", '[');
	for (i = 0; i < s->nr_vmas; i++) {
		json_vma(&j, &s->vmas[i]);
		mapped += s->vmas[i].v.end - s->vmas[i].v.start;
	}
	j_close(&j, ']');
	j_open(&j, "totals", '{');
	j_u64(&j, "records", s->records);
	j_u64(&j, "vmas", s->nr_vmas);
	j_u64(&j, "pages", s->pages);
	j_u64(&j, "page_bytes", s->pages * s->hdr.page_size);
	j_u64(&j, "mapped_bytes", mapped);
	j_u64(&j, "unknown_records", s->unknown);
	j_u64(&j, "bytes", s->bytes);
	j_close(&j, '}');
	j_str(&j, "status", s->error ? "error" : "ok", 8);
	if (s->error)
		j_str(&j, "error", s->error, SIZE_MAX);
	j_close(&j, '}');
	putchar('\n');
}

/* Not even the header could be read: only status and error. */
static void print_json_failure(const struct cryoctl_image *img, int err)
{
	const char *msg = cryoctl_image_error(img, NULL, NULL);
	struct json j = { .depth = 1 };

	putchar('{');
	j_str(&j, "status", "error", 8);
	j_str(&j, "error", msg ? msg : strerror(-err), SIZE_MAX);
	j_close(&j, '}');
	putchar('\n');
	cli_flush_stdout("inspect");
}

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
			print_json_failure(img, ret);
		cli_image_err(name, img, ret);
		status = EXIT_FAIL;
		goto out_close;
	}
	status = collect(img, &s);
	if (json)
		print_json(&s);
	else
		print_text(&s);
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
	"features), the process (ids, command name, credentials, capability\n"
	"sets, personality, umask, memory layout bounds, resource limits), every\n"
	"thread (restart state, all general registers, FS/GS base, signal masks,\n"
	"sigaltstack, robust list, rseq, FPU state format and size), and the\n"
	"memory: number of mappings and pages saved.  'cryoctl maps' lists the\n"
	"mappings themselves.\n"
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
