// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CRYO_IOC_REMAP, and cryoctl_remap_maps(): what the maps of a process
 * would be once reshaped to an image's layout, found by doing it in a
 * forked child that runs the stub from a region of its own.
 *
 * The child's region must be where neither the caller's mappings nor the
 * layout's are; the layout is copied into a memfd as "cryoctl layout"
 * writes it (HEADER, VMAs, TRAILER), the child remaps to it and sends
 * its /proc/self/maps back, less the region's own line.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/cryo.h>
#include <linux/cryo_image.h>

#include "cryoctl.h"
#include "internal.h"
#include "stub.h"
#include "thaw.h"

CRYOCTL_EXPORT int cryoctl_remap(int devfd, int image_fd, uint64_t keep_start,
				 uint64_t keep_len)
{
	struct cryo_remap r = {
		.size = sizeof(r),
		.image_fd = image_fd,
		.keep_start = keep_start,
		.keep_len = keep_len,
	};

	return ioctl(devfd, CRYO_IOC_REMAP, &r) < 0 ? neg_errno() : 0;
}

struct span {
	uint64_t start;
	uint64_t end;
};

struct spans {
	struct span *v;
	size_t nr;
	size_t size;
};

static int spans_add(struct spans *s, uint64_t start, uint64_t end)
{
	struct span *v;

	if (s->nr == s->size) {
		s->size = s->size ? 2 * s->size : 64;
		v = realloc(s->v, s->size * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
	}
	s->v[s->nr].start = start;
	s->v[s->nr++].end = end;
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The caller's own mappings, which the forked child shares. */
static int own_spans(struct spans *s)
{
	unsigned long long start, end;
	char line[8192];
	FILE *f;
	int ret = 0;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return neg_errno();
	while (!ret && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &start, &end) == 2)
			ret = spans_add(s, start, end);
	fclose(f);
	return ret;
}

/* Lowest and highest addresses a kept range may take, and its distance to others. */
#define REMAP_LOW	0x100000ULL
#define REMAP_HIGH	0x7ffffffff000ULL
#define REMAP_GAP	0x100000ULL

/*
 * The highest range of @len bytes at least REMAP_GAP away from every span
 * (the gap keeps it off a stack's guard gap).  Return: its start, or 0.
 */
static uint64_t find_hole(struct spans *s, uint64_t len)
{
	uint64_t lo = REMAP_LOW, hi, start, best = 0;
	size_t i;

	qsort(s->v, s->nr, sizeof(*s->v), span_cmp);
	for (i = 0; i <= s->nr; i++) {
		hi = i < s->nr ? s->v[i].start : REMAP_HIGH;
		if (hi > REMAP_HIGH)
			hi = REMAP_HIGH;
		if (hi >= lo + len + 2 * REMAP_GAP) {
			start = (hi - REMAP_GAP - len) & ~4095ULL;
			if (start >= lo + REMAP_GAP && start > best)
				best = start;
		}
		if (i < s->nr && s->v[i].end > lo)
			lo = s->v[i].end;
	}
	return best;
}

struct layout_writer {
	int fd;
	uint64_t records;
	uint64_t bytes;
};

static int put_record(struct layout_writer *w, uint32_t type, const void *payload,
		      uint32_t len)
{
	struct cryo_rec rec = { .type = htole32(type), .len = htole32(len) };
	int ret;

	rec.crc = htole32(cryoctl_record_crc(&rec, payload));
	ret = cryoctl_write_full(w->fd, &rec, sizeof(rec));
	if (!ret && len)
		ret = cryoctl_write_full(w->fd, payload, len);
	w->records++;
	w->bytes += sizeof(rec) + len;
	return ret;
}

/*
 * Copy the layout of the image on @image_fd (HEADER announcing no
 * threads, VMAs, a new TRAILER, as "cryoctl layout" writes it) into a
 * memfd; note every VMA in @s and a bound of the maps text in @text.
 * Return: the memfd, or -errno.
 */
static int copy_layout(int image_fd, struct spans *s, size_t *text)
{
	struct layout_writer w = { .fd = -1 };
	struct cryoctl_image *img = NULL;
	struct cryo_image_trailer t;
	struct cryo_image_header *h;
	struct cryo_image_vma v;
	struct cryoctl_record rec;
	int ret;

	w.fd = memfd_create("cryoctl-layout", MFD_CLOEXEC);
	if (w.fd < 0)
		return neg_errno();
	*text = 64 * 1024;
	ret = cryoctl_image_open(image_fd, &img);
	while (!ret && (ret = cryoctl_image_next(img, &rec)) > 0) {
		if (rec.type == CRYO_REC_PAGES) {
			ret = 0;
			break;
		}
		if (rec.type == CRYO_REC_HEADER) {
			h = malloc(rec.len);
			if (!h) {
				ret = -ENOMEM;
				break;
			}
			memcpy(h, rec.payload, rec.len);
			h->nr_threads = htole32(0);
			ret = put_record(&w, rec.type, h, rec.len);
			free(h);
		} else if (rec.type == CRYO_REC_VMA) {
			memcpy(&v, rec.payload, sizeof(v));
			ret = spans_add(s, le64toh(v.start), le64toh(v.end));
			if (!ret)
				ret = put_record(&w, rec.type, rec.payload, rec.len);
			/* /proc escapes a newline as 4 bytes */
			*text += 160 + 4 * (size_t)le32toh(v.name_len);
		} else {
			ret = 0;
		}
	}
	cryoctl_image_close(img);
	if (!ret) {
		t.nr_records = htole64(w.records);
		t.nr_pages = 0;
		t.bytes = htole64(w.bytes);
		ret = put_record(&w, CRYO_REC_TRAILER, &t, sizeof(t));
	}
	if (!ret && lseek(w.fd, 0, SEEK_SET) < 0)
		ret = neg_errno();
	if (ret) {
		close(w.fd);
		return ret;
	}
	return w.fd;
}

/* The child: map the region, copy the stub in, remap.  Never returns. */
static __attribute__((noreturn)) void run_remap_child(uint64_t base, size_t len,
						      const unsigned char *init,
						      size_t init_len, size_t args,
						      int result_fd)
{
	stub_remap_fn *remap;
	uint64_t all = ~0ULL;
	void *p;
	int err;

	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, sizeof(all));
	err = -region_map(base, len, &p);
	if (err) {
		cryoctl_write_full(result_fd, &err, sizeof(err));
		_exit(5);
	}
	memcpy(p, init, init_len);
	remap = (stub_remap_fn *)((char *)p + cryoctl_stub_remap_off);
	remap((struct stub_args *)((char *)p + args));
	_exit(4);
}

/* Drop the line of the range at @start from the maps text @t. */
static size_t drop_line(char *t, size_t len, uint64_t start)
{
	char prefix[32], *line, *end;
	size_t plen;

	plen = snprintf(prefix, sizeof(prefix), "%08llx-", (unsigned long long)start);
	for (line = t; line < t + len; line = end) {
		end = memchr(line, '\n', t + len - line);
		end = end ? end + 1 : t + len;
		if ((size_t)(end - line) > plen && !memcmp(line, prefix, plen)) {
			memmove(line, end, t + len - end);
			return len - (end - line);
		}
	}
	return len;
}

/*
 * Read everything the child @pid sends on @fd (its maps text, or an errno)
 * into *@text, growing it; reap the child into *@st.  Return: 0 or -errno.
 */
static int read_child(pid_t pid, int fd, char **text, size_t *text_len, int *st)
{
	size_t text_size = 0;
	int ret = 0;
	ssize_t n;
	char *p;

	for (;;) {
		if (text_size - *text_len < 65536) {
			text_size = text_size ? 2 * text_size : 1 << 20;
			p = realloc(*text, text_size);
			if (!p) {
				ret = -ENOMEM;
				kill(pid, SIGKILL);
				break;
			}
			*text = p;
		}
		n = cryoctl_read_full(fd, *text + *text_len, text_size - *text_len);
		if (n < 0) {
			ret = n;
			kill(pid, SIGKILL);
			break;
		}
		*text_len += n;
		if (*text_len < text_size)
			break;
	}
	while (waitpid(pid, st, 0) < 0 && errno == EINTR)
		;
	return ret;
}

/*
 * What the child's exit status @st and what it sent say: the maps text,
 * less the region's line at @base, copied into @buf; or why not.
 */
static int remap_outcome(int devfd, int st, uint64_t base, char *text, size_t text_len,
			 char *buf, size_t len, size_t *out_len)
{
	struct cryo_thaw_status ts;
	int err, ret;

	if (WIFEXITED(st) && !WEXITSTATUS(st)) {
		text_len = drop_line(text, text_len, base);
		if (out_len)
			*out_len = text_len;
		if (len <= text_len)
			return -ERANGE;
		memcpy(buf, text, text_len);
		buf[text_len] = 0;
		return 0;
	}
	if (WIFEXITED(st) && text_len == sizeof(err)) {
		memcpy(&err, text, sizeof(err));
		return err > 0 ? -err : -EIO;
	}
	/* Killed, after the point of no return: the module knows why. */
	ret = -EIO;
	if (!cryoctl_thaw_status(devfd, &ts) && ts.error)
		ret = -(int)ts.error;
	return ret;
}

CRYOCTL_EXPORT int cryoctl_remap_maps(int devfd, int image_fd, char *buf,
				      size_t len, size_t *out_len)
{
	struct spans s = { 0 };
	struct cryoctl_region r;
	unsigned char *init = NULL;
	char msg[CRYO_THAW_MSG_LEN], *text = NULL;
	size_t text_bound = 0, text_len = 0;
	int layout_fd = -1, res[2] = { -1, -1 }, ret, st;
	uint64_t base;
	pid_t pid;

	if ((!buf && len) || devfd < 0 || image_fd < 0)
		return devfd < 0 || image_fd < 0 ? -EBADF : -EINVAL;
	ret = cryoctl_need_feature(devfd, CRYO_FEATURE_REMAP, "remap", msg, sizeof(msg));
	if (ret)
		return ret;

	layout_fd = copy_layout(image_fd, &s, &text_bound);
	if (layout_fd < 0) {
		ret = layout_fd;
		goto out;
	}
	cryoctl_region_layout(&r, 1, 0, 0, PAGE_ALIGN(text_bound));
	ret = own_spans(&s);
	if (ret)
		goto out;
	base = find_hole(&s, r.len);
	if (!base) {
		ret = -ENOMEM;
		goto out;
	}
	if (pipe2(res, O_CLOEXEC)) {
		ret = neg_errno();
		goto out;
	}
	init = region_build_remap(&r, base, devfd, layout_fd, res[1]);
	if (!init) {
		ret = -ENOMEM;
		goto out;
	}
	pid = fork();
	if (!pid) {
		close(res[0]);
		run_remap_child(base, r.len, init, r.init_len, r.args, res[1]);
	}
	if (pid < 0) {
		ret = neg_errno();
		goto out;
	}
	close(res[1]);
	res[1] = -1;

	ret = read_child(pid, res[0], &text, &text_len, &st);
	if (!ret)
		ret = remap_outcome(devfd, st, base, text, text_len, buf, len, out_len);
out:
	if (res[0] >= 0)
		close(res[0]);
	if (res[1] >= 0)
		close(res[1]);
	if (layout_fd >= 0)
		close(layout_fd);
	free(text);
	free(init);
	free(s.v);
	return ret;
}
