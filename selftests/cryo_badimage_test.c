// SPDX-License-Identifier: GPL-2.0
/*
 * Thaw of bad images: each must fail with its precise errno (struct
 * cryo_thaw and struct cryo_thaw_restore in uapi/linux/cryo.h), with the
 * caller intact, and CRYO_IOC_THAW_STATUS telling the same errno and the
 * record at fault.  Before the point of no return (every record before
 * the first PAGES) no process is made (status pid 0); after it (page
 * data, the trailer) the half-restored process is killed and reaped, and
 * cryoctl_thaw() returns the error.
 *
 * One image serves every test: counter_static (a copy of it, so that the
 * binary can be touched) holding pipes to the test on fds 0 and 1, a log
 * file on fd 2, a pipe with buffered bytes, an unlinked file, /dev/null
 * and fd 200.  It is frozen once, by whichever test runs first, into
 * /tmp/cryo_badimage/base.img; the tests edit copies of it.  Edited
 * records get a correct CRC (cryoctl_record_crc()), so that the module's
 * semantic checks are what refuses them, not the checksum.
 */
#include <sched.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "cryo_test.h"
#include "cryo_thaw.h"

#define BASE_DIR	"/tmp/cryo_badimage"
#define BASE_IMG	BASE_DIR "/base.img"
#define BASE_PROG	BASE_DIR "/prog"
#define BASE_LOG	BASE_DIR "/log"
#define MAX_RECS	4096
#define HIGH_FD		200	/* counter_static "files" holds it */

#ifndef AUDIT_ARCH_X86_64
#define AUDIT_ARCH_X86_64	0xc000003eU
#endif
#define AUDIT_ARCH_I386		0x40000003U

struct rec {
	size_t off;		/* of its struct cryo_rec */
	uint32_t type, len;
};

struct base {
	unsigned char *img;	/* the pristine image */
	size_t len;
	struct rec r[MAX_RECS];
	int nrec;
	int first_pages;	/* index of the first PAGES record */
	int trailer;		/* index of the TRAILER */
};

/*
 * Run @prog "files" with the log at @log, freeze it with KILL into @img.
 * 0 or a negative errno.
 */
static int make_image(const char *prog, const char *img, const char *log)
{
	const char *const argv[] = { "prog", "files", NULL };
	struct tgt t;
	int ret;

	memset(&t, 0, sizeof(t));
	t.cmd = t.rep = -1;
	snprintf(t.img, sizeof(t.img), "%s.tmp", img);
	snprintf(t.log, sizeof(t.log), "%s", log);
	if (tgt_spawn(&t, prog, argv, NULL, 0))
		return -errno;
	if (tgt_line(&t, TGT_TIMEOUT) || strncmp(t.line, "ready", 5) ||
	    tgt_cmd(&t, 'c')) {
		tgt_fini(&t);
		return -EIO;
	}
	ret = tgt_freeze_kill(&t);
	if (ret) {
		tgt_fini(&t);
		return ret;
	}
	return rename(t.img, img) ? -errno : 0;
}

/* One record of the pristine image into b->r[]: from libcryoctl's reader. */
static int index_rec(const struct cryoctl_record *rec, void *arg)
{
	struct base *b = arg;

	if (b->nrec == MAX_RECS)
		return -E2BIG;
	b->r[b->nrec].off = rec->offset;
	b->r[b->nrec].type = rec->type;
	b->r[b->nrec].len = rec->len;
	if (rec->type == CRYO_REC_PAGES && b->first_pages < 0)
		b->first_pages = b->nrec;
	if (rec->type == CRYO_REC_TRAILER)
		b->trailer = b->nrec;
	b->nrec++;
	return 0;
}

static int index_image(struct base *b)
{
	const struct rec *t;

	b->nrec = 0;
	b->first_pages = b->trailer = -1;
	if (cryo_image_walk(b->img, b->len, index_rec, b, NULL, 0) != b->nrec)
		return -1;
	t = &b->r[b->trailer];
	return b->first_pages > 0 && b->trailer == b->nrec - 1 &&
	       t->off + sizeof(struct cryo_rec) + t->len == b->len ? 0 : -1;
}

/* The shared image: made by the first test that needs it. */
static int base_get(struct base *b)
{
	int ret;

	if (access(BASE_IMG, R_OK)) {
		mkdir(BASE_DIR, 0755);
		if (cryo_copy_file(cryo_prog("counter_static"), BASE_PROG))
			return -errno;
		ret = make_image(BASE_PROG, BASE_IMG, BASE_LOG);
		if (ret)
			return ret;
	}
	b->img = cryo_slurp(BASE_IMG, &b->len);
	if (!b->img)
		return -errno;
	return index_image(b) ? -EBADMSG : 0;
}

static int find_rec(const struct base *b, uint32_t type, int nth)
{
	int i;

	for (i = 0; i < b->nrec; i++)
		if (b->r[i].type == type && nth-- == 0)
			return i;
	return -1;
}

/* ---- the fixture ------------------------------------------------------------ */

static uint64_t sig_mask(void)
{
	uint64_t m = 0;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigprocmask(SIG_BLOCK, NULL, &set);
	for (sig = 1; sig <= 64; sig++)
		if (sigismember(&set, sig) == 1)
			m |= 1ULL << (sig - 1);
	return m;
}

FIXTURE(bad) {
	struct base b;
	unsigned char *buf;	/* a copy to edit: len + room to grow */
	int in[2], out[2];	/* what fds 0 and 1 inherit */
	struct cryo_thaw_inherit inh[2];
	char maps[65536];	/* the caller's file mappings before */
	char fds[1024];		/* and its fds */
	uint64_t mask;		/* its signal mask */
	char mut[64];		/* where edited images go */
};

/* The caller's mappings that are not anonymous memory (which malloc moves). */
static void file_maps(char *out, size_t cap)
{
	static char all[65536];
	char *line, *save = NULL;
	size_t len = 0;

	out[0] = '\0';
	if (cryo_maps(getpid(), all, sizeof(all)) < 0)
		return;
	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long ino = 0;

		if (sscanf(line, "%*x-%*x %*s %*x %*s %lu", &ino) != 1)
			continue;
		if (!ino && !strstr(line, "[stack]") && !strstr(line, "[vdso]") &&
		    !strstr(line, "[vvar"))
			continue;
		/* The stack grows as it likes: only its top counts. */
		if (strstr(line, "[stack]"))
			line = strchr(line, '-') + 1;
		len += snprintf(out + len, cap - len, "%s\n", line);
		if (len >= cap)
			break;
	}
}

FIXTURE_SETUP(bad)
{
	int ret;

	self->buf = NULL;
	self->in[0] = self->in[1] = self->out[0] = self->out[1] = -1;
	if (access(CRYO_DEV, F_OK))
		CRYO_SETUP_SKIP(CRYO_DEV " missing: module not loaded");
	ret = base_get(&self->b);
	ASSERT_EQ(0, ret) TH_LOG("the base image: %s; log: %s", strerror(-ret),
				 tgt_log(&(struct tgt){ .log = BASE_LOG }));
	self->buf = malloc(self->b.len + 65536);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, pipe2(self->in, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->out, O_CLOEXEC));
	self->inh[0].fd = 0;
	self->inh[0].source_fd = self->in[0];
	self->inh[1].fd = 1;
	self->inh[1].source_fd = self->out[1];
	snprintf(self->mut, sizeof(self->mut), BASE_DIR "/mut.%d.img", getpid());
	file_maps(self->maps, sizeof(self->maps));
	cryo_fd_list(getpid(), self->fds, sizeof(self->fds));
	self->mask = sig_mask();
}

FIXTURE_TEARDOWN(bad)
{
	int status;

	while (waitpid(-1, &status, WNOHANG) > 0)
		;
	unlink(self->mut);
	free(self->b.img);
	free(self->buf);
	if (self->in[0] >= 0) {
		close(self->in[0]);
		close(self->in[1]);
		close(self->out[0]);
		close(self->out[1]);
	}
}

struct outcome {
	size_t pages_off;	/* where the image's first PAGES record starts */
	long pid0, pid1;	/* ns_last_pid before and after */
	int ret;
	struct cryoctl_thaw_result res;
	struct cryo_thaw_status st;
	int st_ret;
};

/* Thaw @len bytes of @img (written to a file) with @flags; no checks. */
static void thaw_bytes(FIXTURE_DATA(bad) *self, const unsigned char *img,
		       size_t len, unsigned int flags,
		       const struct cryo_thaw_inherit *inh, int ninh,
		       struct outcome *o)
{
	int dev, fd;

	memset(o, 0, sizeof(*o));
	o->pages_off = cryo_frame_find(img, len, CRYO_REC_PAGES);
	o->ret = -EIO;
	if (cryo_write_file(self->mut, img, len))
		return;
	fd = open(self->mut, O_RDONLY | O_CLOEXEC);
	dev = cryoctl_open();
	if (fd >= 0 && dev >= 0) {
		o->pid0 = cryo_last_pid();
		o->ret = cryoctl_thaw(dev, fd, flags, inh, ninh, &o->res);
		o->pid1 = cryo_last_pid();
		o->st.size = sizeof(o->st);
		o->st_ret = cryoctl_thaw_status(dev, &o->st);
	}
	if (fd >= 0)
		close(fd);
	if (dev >= 0)
		close(dev);
	if (!o->ret && o->res.pid > 0) {
		int status;

		/* It should not have worked: do not leave it running. */
		kill(o->res.pid, SIGKILL);
		if (flags & CRYOCTL_THAW_WAIT)
			waitpid(o->res.pid, &status, 0);
	}
}

#define PRE	0	/* refused before the point of no return */
#define PONR	1	/* after it: the process was made, and killed */
#define ANY_REC	(-1)

/*
 * The outcome must be -@err, reported alike by the library and by
 * THAW_STATUS (which names record @rec unless ANY_REC), with a process
 * made and gone for PONR, none for PRE; the caller as it was.
 */
static void expect_fail(struct __test_metadata *_metadata,
			FIXTURE_DATA(bad) *self, const struct outcome *o,
			int err, int ponr, int rec, const char *what)
{
	char maps[sizeof(self->maps)], fds[sizeof(self->fds)];
	int status;
	long p;

	EXPECT_EQ(-err, o->ret) TH_LOG("%s: %s (%d), want %s; \"%s\"", what,
				       strerror(-o->ret), o->ret, strerror(err),
				       o->res.message);
	EXPECT_EQ(err, o->res.error) TH_LOG("%s", what);
	EXPECT_EQ(0, o->res.pid) TH_LOG("%s", what);
	EXPECT_NE(0, o->res.message[0]) TH_LOG("%s: no message", what);
	ASSERT_EQ(0, o->st_ret) TH_LOG("%s: THAW_STATUS: %s", what, strerror(-o->st_ret));
	EXPECT_EQ(CRYO_THAW_FAILED, o->st.state) TH_LOG("%s: state %u", what, o->st.state);
	EXPECT_EQ(err, o->st.error) TH_LOG("%s: status error %u (%s)", what,
					    o->st.error, strerror(o->st.error));
	EXPECT_NE(0, o->st.message[0]) TH_LOG("%s: no status message", what);
	if (rec != ANY_REC) {
		EXPECT_EQ(rec, o->st.record) TH_LOG("%s: record %llu, want %d (\"%s\")",
						    what, (unsigned long long)o->st.record,
						    rec, o->st.message);
	}
	/*
	 * After the point of no return the module has read the first PAGES
	 * record's header (status bytes count whole reads), a process was
	 * made (the pid counter moved) and it is gone: killed, and reaped by
	 * the library (WAIT).  The status cannot show its pid: that reads 0
	 * once it is reaped.  Before it, nothing past that header was read,
	 * and no process was made.
	 */
	if (ponr) {
		EXPECT_LE(o->pages_off + sizeof(struct cryo_rec), o->st.bytes)
			TH_LOG("%s: failed after %llu bytes, before the pages",
			       what, (unsigned long long)o->st.bytes);
		EXPECT_LT(o->pid0, o->pid1) TH_LOG("%s: no process was made", what);
		for (p = o->pid0 + 1; p <= o->pid1 && p > 0; p++) {
			/* Kernel threads (children of kthreadd) may come and go. */
			if (cryo_stat_field(p, 3) == 2)
				continue;
			EXPECT_TRUE(WAIT_FOR(kill(p, 0) && errno == ESRCH, 5))
				TH_LOG("%s: process %ld still there (state %c)", what,
				       p, (int)cryo_stat_field(p, 0));
		}
	} else {
		EXPECT_GE(o->pages_off + sizeof(struct cryo_rec), o->st.bytes)
			TH_LOG("%s: failed after %llu bytes, past the first PAGES",
			       what, (unsigned long long)o->st.bytes);
		EXPECT_EQ(0, o->st.pid) TH_LOG("%s: a process %d was made", what,
					       o->st.pid);
	}
	/* The caller is intact: no child left, its files, maps and mask. */
	errno = 0;
	EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG)) TH_LOG("%s: a child left", what);
	file_maps(maps, sizeof(maps));
	EXPECT_STREQ(self->maps, maps) TH_LOG("%s: the caller's mappings changed", what);
	cryo_fd_list(getpid(), fds, sizeof(fds));
	EXPECT_STREQ(self->fds, fds) TH_LOG("%s: the caller's fds changed", what);
	EXPECT_EQ(self->mask, sig_mask()) TH_LOG("%s: the caller's signal mask changed",
						  what);
}

/* Fresh copy of the base image in self->buf. */
static unsigned char *fresh(FIXTURE_DATA(bad) *self)
{
	memcpy(self->buf, self->b.img, self->b.len);
	return self->buf;
}

/* Payload of record @i in self->buf. */
static void *payload(FIXTURE_DATA(bad) *self, int i)
{
	return self->buf + self->b.r[i].off + sizeof(struct cryo_rec);
}

/* Recompute the CRC of the record at @off of @buf. */
static void fix_crc(unsigned char *buf, size_t off)
{
	struct cryo_rec r;

	memcpy(&r, buf + off, sizeof(r));
	r.crc = cryoctl_record_crc(&r, buf + off + sizeof(r));
	memcpy(buf + off, &r, sizeof(r));
}

static void fix(FIXTURE_DATA(bad) *self, int i)
{
	fix_crc(self->buf, self->b.r[i].off);
}

/* Thaw self->buf (@len bytes, the base's by default) with WAIT. */
#define TRY(n_, o_) thaw_bytes(self, self->buf, (n_) ? (n_) : self->b.len, \
			       CRYOCTL_THAW_WAIT, self->inh, 2, o_)

#define EXPECT_FAIL(o, err, ponr, rec, ...) do {			\
		char __what[160];					\
									\
		snprintf(__what, sizeof(__what), __VA_ARGS__);		\
		expect_fail(_metadata, self, o, err, ponr, rec, __what); \
	} while (0)

/* The message (library's and module's) names the file at fault. */
#define NAMES(o, path) do {						\
		EXPECT_NE(NULL, strstr((o)->st.message, path))		\
			TH_LOG("status message \"%s\" does not name %s",	\
			       (o)->st.message, path);			\
		EXPECT_NE(NULL, strstr((o)->res.message, path))		\
			TH_LOG("message \"%s\" does not name %s",	\
			       (o)->res.message, path);			\
	} while (0)

/* A record type's name in messages; "?" for one the format does not know. */
static const char *type_name(uint32_t t)
{
	return cryo_rec_name(t) ? cryo_rec_name(t) : "?";
}

/* ---- the tests -------------------------------------------------------------- */

/* The base image itself thaws, and the restored process works. */
TEST_F_TIMEOUT(bad, control, 120)
{
	struct tgt t;
	struct cryoctl_thaw_result res;
	int ret, status;

	memset(&t, 0, sizeof(t));
	t.cmd = t.rep = -1;
	snprintf(t.img, sizeof(t.img), "%s", BASE_IMG);
	ret = tgt_thaw(&t, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", strerror(-ret), res.message);
	EXPECT_EQ(0, tgt_cmd(&t, 'v'));
	EXPECT_EQ(0, strncmp(t.line, "ok ", 3)) TH_LOG("%s", t.line);
	ASSERT_EQ(0, tgt_quit(&t, 5));
	ASSERT_EQ(t.pid, wait_timeout(t.pid, &status, TGT_TIMEOUT));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 5);
	close(t.cmd);
	close(t.rep);
}

/* Cut at every record boundary, and inside a few records. */
TEST_F_TIMEOUT(bad, truncated, 240)
{
	struct outcome o;
	int k;

	for (k = 0; k < self->b.nrec; k++) {
		fresh(self);
		thaw_bytes(self, self->buf, self->b.r[k].off, CRYOCTL_THAW_WAIT,
			   self->inh, 2, &o);
		EXPECT_FAIL(&o, ENODATA, k > self->b.first_pages, k,
			    "cut before record %d (%s) at byte %zu", k,
			    type_name(self->b.r[k].type), self->b.r[k].off);
	}
	/* Inside: a header half there, a payload half there. */
	{
		static const uint32_t types[] = {
			CRYO_REC_HEADER, CRYO_REC_THREAD, CRYO_REC_VMA,
			CRYO_REC_PAGES, CRYO_REC_TRAILER,
		};
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(types); i++) {
			int r = find_rec(&self->b, types[i], 0);
			size_t off;

			ASSERT_LE(0, r);
			off = self->b.r[r].off + 8;
			thaw_bytes(self, fresh(self), off, CRYOCTL_THAW_WAIT,
				   self->inh, 2, &o);
			EXPECT_FAIL(&o, ENODATA, r > self->b.first_pages, r,
				    "cut inside the header of %s", type_name(types[i]));
			off = self->b.r[r].off + sizeof(struct cryo_rec) +
			      self->b.r[r].len / 2;
			thaw_bytes(self, fresh(self), off, CRYOCTL_THAW_WAIT,
				   self->inh, 2, &o);
			EXPECT_FAIL(&o, ENODATA, r >= self->b.first_pages, r,
				    "cut inside the payload of %s", type_name(types[i]));
		}
	}
}

/* One flipped bit in one record of each type: the checksum catches it. */
TEST_F_TIMEOUT(bad, flipped_bit, 180)
{
	static const uint32_t types[] = {
		CRYO_REC_HEADER, CRYO_REC_PROCESS, CRYO_REC_GROUPS, CRYO_REC_AUXV,
		CRYO_REC_FS, CRYO_REC_SIGNALS, CRYO_REC_THREAD, CRYO_REC_FILE,
		CRYO_REC_FILE_DATA, CRYO_REC_FD, CRYO_REC_VMA, CRYO_REC_PAGES,
		CRYO_REC_TRAILER,
	};
	struct outcome o;
	unsigned int i;
	int pass;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		for (pass = 0; pass < 2; pass++) {
			/* The first record of the type, and the last PAGES. */
			int r = find_rec(&self->b, types[i], 0);
			unsigned char *p;

			if (pass && types[i] != CRYO_REC_PAGES)
				continue;
			if (pass)
				r = self->b.trailer - 1;
			ASSERT_LE(0, r) TH_LOG("no %s record in the image",
					       type_name(types[i]));
			p = fresh(self) + self->b.r[r].off;
			if (self->b.r[r].len)
				p[sizeof(struct cryo_rec) + self->b.r[r].len / 2] ^= 0x10;
			else
				p[8] ^= 0x01;	/* no payload: the crc itself */
			TRY(0, &o);
			EXPECT_FAIL(&o, EBADMSG, r >= self->b.first_pages, r,
				    "bit flipped in record %d (%s)", r,
				    type_name(types[i]));
		}
	}
}

/* The header: magic, version, architecture, kernel release. */
TEST_F_TIMEOUT(bad, header, 120)
{
	struct cryo_image_header *h;
	struct outcome o;

	h = (void *)(fresh(self) + sizeof(struct cryo_rec));
	h->magic[0] = 'X';
	fix(self, 0);
	TRY(0, &o);
	/*
	 * Not an image at all: malformed (the module's choice; the uapi lists
	 * EPROTO only for another version, architecture or kernel).
	 */
	EXPECT_FAIL(&o, EBADMSG, PRE, 0, "magic");

	h = (void *)(fresh(self) + sizeof(struct cryo_rec));
	h->major = CRYO_IMAGE_MAJOR + 1;
	fix(self, 0);
	TRY(0, &o);
	EXPECT_FAIL(&o, EPROTO, PRE, 0, "major version %d", CRYO_IMAGE_MAJOR + 1);

	h = (void *)(fresh(self) + sizeof(struct cryo_rec));
	h->major = 0;
	fix(self, 0);
	TRY(0, &o);
	EXPECT_FAIL(&o, EPROTO, PRE, 0, "major version 0");

	h = (void *)(fresh(self) + sizeof(struct cryo_rec));
	ASSERT_EQ(AUDIT_ARCH_X86_64, h->arch);
	h->arch = AUDIT_ARCH_I386;
	fix(self, 0);
	TRY(0, &o);
	EXPECT_FAIL(&o, EPROTO, PRE, 0, "architecture i386");

	h = (void *)(fresh(self) + sizeof(struct cryo_rec));
	h->release[0] ^= 1;
	fix(self, 0);
	TRY(0, &o);
	EXPECT_FAIL(&o, EPROTO, PRE, 0, "another kernel release");

	/* A thread count the THREAD records do not match. */
	h = (void *)(fresh(self) + sizeof(struct cryo_rec));
	h->nr_threads = 2;
	fix(self, 0);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, ANY_REC, "nr_threads 2, one THREAD");
}

/* Record framing: lengths, reserved fields, types, order. */
TEST_F_TIMEOUT(bad, framing, 120)
{
	/* PROCESS, after HEADER and TREE, then GROUPS. */
	const int P = find_rec(&self->b, CRYO_REC_PROCESS, 0);
	struct cryo_rec *r;
	struct outcome o;
	size_t off;

	/* A length beyond CRYO_REC_MAX_LEN, and a huge one. */
	r = (void *)(fresh(self) + self->b.r[P].off);
	r->len = CRYO_REC_MAX_LEN + 1;
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, P, "PROCESS of CRYO_REC_MAX_LEN + 1 bytes");
	r = (void *)(fresh(self) + self->b.r[P].off);
	r->len = 0xffffffff;
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, P, "PROCESS of 4 GiB");

	/* The HEADER payload one field short (CRC right). */
	r = (void *)fresh(self);
	r->len -= 8;
	memmove(self->buf + sizeof(*r) + r->len, self->buf + sizeof(*r) + r->len + 8,
		self->b.len - sizeof(*r) - r->len - 8);
	fix_crc(self->buf, 0);
	TRY(self->b.len - 8, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, 0, "HEADER 8 bytes short");

	/* A nonzero reserved field in a record header. */
	r = (void *)(fresh(self) + self->b.r[P].off);
	r->__reserved = 1;
	fix(self, P);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, P, "reserved field of PROCESS");

	/* An unknown record type in an image of the module's own minor. */
	r = (void *)(fresh(self) + self->b.r[P].off);
	r->type = 0x70;
	fix(self, P);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, P, "unknown type 0x70 in place of PROCESS");

	/* Out of order: PROCESS and GROUPS swapped (all CRCs right). */
	{
		int g = find_rec(&self->b, CRYO_REC_GROUPS, 0);
		size_t lp = sizeof(*r) + self->b.r[P].len;
		size_t lg;

		ASSERT_EQ(P + 1, g);
		lg = sizeof(*r) + self->b.r[P + 1].len;
		fresh(self);
		memcpy(self->buf + self->b.r[P].off, self->b.img + self->b.r[P + 1].off, lg);
		memcpy(self->buf + self->b.r[P].off + lg, self->b.img + self->b.r[P].off, lp);
		TRY(0, &o);
		/* Refused at GROUPS or at the PROCESS after it. */
		EXPECT_FAIL(&o, EBADMSG, PRE, ANY_REC, "GROUPS before PROCESS");
		EXPECT_TRUE(o.st.record == P || o.st.record == P + 1);
	}

	/* PROCESS twice, in an image of one process. */
	{
		size_t lp = sizeof(*r) + self->b.r[P].len;
		unsigned char *two = malloc(self->b.len + lp);

		ASSERT_NE(NULL, two);
		off = self->b.r[P + 1].off;
		memcpy(two, self->b.img, off);
		memcpy(two + off, self->b.img + self->b.r[P].off, lp);
		memcpy(two + off + lp, self->b.img + off, self->b.len - off);
		thaw_bytes(self, two, self->b.len + lp, CRYOCTL_THAW_WAIT,
			   self->inh, 2, &o);
		free(two);
		EXPECT_FAIL(&o, EBADMSG, PRE, P + 1, "a second PROCESS");
	}
}

/* struct cryo_image_vma of record @i, in self->buf. */
static struct cryo_image_vma *vma(FIXTURE_DATA(bad) *self, int i)
{
	return payload(self, i);
}

/* The VMA records: ranges, kinds, flags, files. */
TEST_F_TIMEOUT(bad, vmas, 120)
{
	int first = find_rec(&self->b, CRYO_REC_VMA, 0), last = self->b.first_pages - 1;
	int anon = -1, file = -1, i;
	struct cryo_image_vma *v;
	struct outcome o;

	ASSERT_LE(0, first);
	fresh(self);
	for (i = first; i <= last; i++) {
		v = vma(self, i);
		if (anon < 0 && i > first && (v->kind == CRYO_VMA_ANON ||
					      v->kind == CRYO_VMA_HEAP))
			anon = i;
		if (file < 0 && v->kind == CRYO_VMA_FILE)
			file = i;
	}
	ASSERT_LT(0, anon) TH_LOG("no anonymous VMA after the first");
	ASSERT_LE(0, file) TH_LOG("no file VMA");

	/* Overlapping the one before. */
	fresh(self);
	vma(self, anon)->start = vma(self, anon - 1)->end - 4096;
	fix(self, anon);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, anon, "VMA %d overlaps VMA %d", anon, anon - 1);

	/* Not page aligned. */
	fresh(self);
	vma(self, anon)->start += 1;
	fix(self, anon);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, anon, "VMA start unaligned");
	fresh(self);
	vma(self, anon)->end -= 8;
	fix(self, anon);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, anon, "VMA end unaligned");
	fresh(self);
	vma(self, file)->pgoff += 16;
	fix(self, file);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, file, "file VMA offset unaligned");

	/* Empty, and backwards. */
	fresh(self);
	vma(self, anon)->end = vma(self, anon)->start;
	fix(self, anon);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, anon, "empty VMA");

	/* In kernel space: the last VMA, moved to the top of the address space. */
	fresh(self);
	v = vma(self, last);
	v->start = 0xffffffffff000000ULL;
	v->end = 0xffffffffff001000ULL;
	fix(self, last);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, last, "VMA in kernel space");
	fresh(self);
	v = vma(self, last);
	v->start = 0x7ffffffff000ULL;
	v->end = 0x800000001000ULL;
	fix(self, last);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, last, "VMA across TASK_SIZE");

	/* Unknown kind, unknown flag. */
	fresh(self);
	vma(self, anon)->kind = 99;
	fix(self, anon);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, anon, "VMA kind 99");
	fresh(self);
	vma(self, anon)->flags |= 1U << 30;
	fix(self, anon);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, anon, "VMA flag 1 << 30");

	/* The mapped file: another inode, another mtime, a name that is not there. */
	fresh(self);
	vma(self, file)->ino ^= 1;
	fix(self, file);
	TRY(0, &o);
	EXPECT_FAIL(&o, ESTALE, PRE, ANY_REC, "file VMA with another inode");
	NAMES(&o, BASE_PROG);
	fresh(self);
	vma(self, file)->mtime_ns += 1000000000;
	fix(self, file);
	TRY(0, &o);
	EXPECT_FAIL(&o, ESTALE, PRE, ANY_REC, "file VMA with another mtime");
	NAMES(&o, BASE_PROG);
	fresh(self);
	v = vma(self, file);
	ASSERT_LT(0, v->name_len);
	((char *)(v + 1))[v->name_len - 1] ^= 0x20;
	fix(self, file);
	TRY(0, &o);
	EXPECT_FAIL(&o, ENOENT, PRE, ANY_REC, "file VMA naming a file that does not exist");
	NAMES(&o, BASE_DIR "/pro");
}

/* FPU state in a THREAD record the CPU would refuse to load. */
TEST_F_TIMEOUT(bad, fpu, 120)
{
	int t = find_rec(&self->b, CRYO_REC_THREAD, 0);
	struct cryo_image_thread *th;
	unsigned char *fpu;
	struct outcome o;
	uint32_t mxcsr;

	ASSERT_LT(0, t);
	fresh(self);
	th = payload(self, t);
	ASSERT_LE(512, th->fpu_size);
	/* MXCSR with reserved bits set (bits 16 and up; 0x7f80 is the mask). */
	fpu = (unsigned char *)(th + 1);
	memcpy(&mxcsr, fpu + 24, 4);
	mxcsr |= 0xffff0000;
	memcpy(fpu + 24, &mxcsr, 4);
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, t, "mxcsr %#x", mxcsr);

	fresh(self);
	th = payload(self, t);
	th->fpu_format = 7;
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, t, "fpu_format 7");

	fresh(self);
	th = payload(self, t);
	if (th->fpu_size < 576 || th->fpu_format != CRYO_FPU_XSAVE) {
		TH_LOG("FXSAVE format (no XSAVE on this CPU): no XSAVE header to break");
		return;
	}
	/* XSAVE header: compacted format (xcomp_bv bit 63), reserved bytes. */
	fresh(self);
	th = payload(self, t);
	fpu = (unsigned char *)(th + 1);
	fpu[512 + 15] |= 0x80;
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, t, "XSAVE header xcomp_bv with the compacted bit");
	fresh(self);
	th = payload(self, t);
	fpu = (unsigned char *)(th + 1);
	fpu[512 + 40] = 1;
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, t, "XSAVE header reserved byte");
}

/* The file records, and the fds the thawing caller must or can give. */
TEST_F_TIMEOUT(bad, files, 120)
{
	int i, logf = -1, logfd_rec = -1, unl = -1, data = -1;
	struct cryo_thaw_inherit inh[2];
	struct cryo_image_file *f;
	struct cryo_image_process *proc;
	struct outcome o;

	fresh(self);
	for (i = 0; i < self->b.first_pages; i++) {
		if (self->b.r[i].type == CRYO_REC_FILE) {
			f = payload(self, i);
			if (f->kind == CRYO_FILE_REG && !(f->flags & CRYO_FILE_UNLINKED) &&
			    f->name_len == strlen(BASE_LOG) &&
			    !memcmp(f + 1, BASE_LOG, f->name_len))
				logf = i;
			if (f->flags & CRYO_FILE_UNLINKED)
				unl = i;
		}
		if (self->b.r[i].type == CRYO_REC_FILE_DATA && data < 0)
			data = i;
		if (self->b.r[i].type == CRYO_REC_FD &&
		    ((struct cryo_image_fd *)payload(self, i))->fd == HIGH_FD)
			logfd_rec = i;
	}
	ASSERT_LT(0, logf) TH_LOG("no FILE for " BASE_LOG);
	ASSERT_LT(0, unl);
	ASSERT_LT(0, data);
	ASSERT_LT(0, logfd_rec) TH_LOG("no FD %d", HIGH_FD);

	/* A regular file that changed, or went. */
	fresh(self);
	((struct cryo_image_file *)payload(self, logf))->ino ^= 1;
	fix(self, logf);
	TRY(0, &o);
	EXPECT_FAIL(&o, ESTALE, PRE, ANY_REC, "log FILE with another inode");
	NAMES(&o, BASE_LOG);
	fresh(self);
	((struct cryo_image_file *)payload(self, logf))->size += 1;
	fix(self, logf);
	TRY(0, &o);
	EXPECT_FAIL(&o, ESTALE, PRE, ANY_REC, "log FILE with another size");
	NAMES(&o, BASE_LOG);
	fresh(self);
	((struct cryo_image_file *)payload(self, logf))->mtime_ns += 1000000000;
	fix(self, logf);
	TRY(0, &o);
	EXPECT_FAIL(&o, ESTALE, PRE, ANY_REC, "log FILE with another mtime");
	NAMES(&o, BASE_LOG);
	fresh(self);
	f = payload(self, logf);
	((char *)(f + 1))[f->name_len - 1] ^= 0x20;
	fix(self, logf);
	TRY(0, &o);
	EXPECT_FAIL(&o, ENOENT, PRE, ANY_REC, "log FILE naming a file that does not exist");
	NAMES(&o, BASE_DIR "/lo");

	/* Malformed: an unknown kind, data at the wrong offset, a dangling FD. */
	fresh(self);
	((struct cryo_image_file *)payload(self, logf))->kind = 99;
	fix(self, logf);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, logf, "FILE kind 99");
	fresh(self);
	((struct cryo_image_file_data *)payload(self, data))->offset += 1;
	fix(self, data);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, data, "FILE_DATA at the wrong offset");
	fresh(self);
	((struct cryo_image_fd *)payload(self, logfd_rec))->file_id = 999;
	fix(self, logfd_rec);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, logfd_rec, "FD naming FILE 999");

	/*
	 * fd 200 at or above the image's RLIMIT_NOFILE: the process could
	 * not have had it.  (The caller's own limit does not matter: the
	 * restored process gets the image's, see thaw.credentials.)
	 */
	fresh(self);
	proc = payload(self, find_rec(&self->b, CRYO_REC_PROCESS, 0));
	proc->rlim[RLIMIT_NOFILE][0] = HIGH_FD;
	fix(self, find_rec(&self->b, CRYO_REC_PROCESS, 0));
	TRY(0, &o);
	EXPECT_FAIL(&o, EMFILE, PRE, logfd_rec, "fd %d with RLIMIT_NOFILE %d", HIGH_FD,
		    HIGH_FD);

	/* The pipes to the test: only the caller can give them. */
	thaw_bytes(self, self->b.img, self->b.len, CRYOCTL_THAW_WAIT, NULL, 0, &o);
	EXPECT_FAIL(&o, ENXIO, PRE, ANY_REC, "no inherit for fds 0 and 1");
	thaw_bytes(self, self->b.img, self->b.len, CRYOCTL_THAW_WAIT, self->inh, 1, &o);
	EXPECT_FAIL(&o, ENXIO, PRE, ANY_REC, "no inherit for fd 1");
	inh[0] = self->inh[0];
	inh[1].fd = 1;
	inh[1].source_fd = 1000;	/* not open */
	thaw_bytes(self, self->b.img, self->b.len, CRYOCTL_THAW_WAIT, inh, 2, &o);
	EXPECT_FAIL(&o, EBADF, PRE, ANY_REC, "inherit from a closed fd");

	/* The library refuses a bad inherit list itself. */
	inh[1] = self->inh[0];
	thaw_bytes(self, self->b.img, self->b.len, CRYOCTL_THAW_WAIT, inh, 2, &o);
	EXPECT_EQ(-EINVAL, o.ret) TH_LOG("fd 0 inherited twice: %s", strerror(-o.ret));
	EXPECT_EQ(0, o.res.pid);
}

/* The binary: deleted before the thaw, or replaced, or touched. */
TEST_F_TIMEOUT(bad, binary, 120)
{
	char prog2[] = BASE_DIR "/prog2", img2[] = BASE_DIR "/prog2.img";
	struct timespec times[2];
	unsigned char *img;
	struct outcome o;
	struct stat st;
	size_t len;
	int ret;

	/* Touched: another mtime. */
	ASSERT_EQ(0, stat(BASE_PROG, &st));
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	times[1].tv_sec += 10;
	ASSERT_EQ(0, utimensat(AT_FDCWD, BASE_PROG, times, 0));
	thaw_bytes(self, self->b.img, self->b.len, CRYOCTL_THAW_WAIT, self->inh, 2, &o);
	times[1] = st.st_mtim;
	ASSERT_EQ(0, utimensat(AT_FDCWD, BASE_PROG, times, 0));
	EXPECT_FAIL(&o, ESTALE, PRE, ANY_REC, "the binary's mtime changed");
	NAMES(&o, BASE_PROG);

	/* A copy of the binary, frozen, then deleted. */
	ASSERT_EQ(0, cryo_copy_file(cryo_prog("counter_static"), prog2));
	ret = make_image(prog2, img2, BASE_DIR "/log2");
	ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
	img = cryo_slurp(img2, &len);
	ASSERT_NE(NULL, img);
	ASSERT_EQ(0, unlink(prog2));
	thaw_bytes(self, img, len, CRYOCTL_THAW_WAIT, self->inh, 2, &o);
	EXPECT_FAIL(&o, ENOENT, PRE, ANY_REC, "the binary was deleted");
	NAMES(&o, prog2);
	/* Put back as a new file: another inode. */
	ASSERT_EQ(0, cryo_copy_file(cryo_prog("counter_static"), prog2));
	thaw_bytes(self, img, len, CRYOCTL_THAW_WAIT, self->inh, 2, &o);
	EXPECT_FAIL(&o, ESTALE, PRE, ANY_REC, "the binary was replaced");
	NAMES(&o, prog2);
	free(img);
	unlink(prog2);
	unlink(img2);
}

/* Past the point of no return: page data and the trailer that do not fit. */
TEST_F_TIMEOUT(bad, pages_and_trailer, 120)
{
	int p = self->b.first_pages, t = self->b.trailer;
	struct cryo_image_trailer *tr;
	struct cryo_image_pages *pg;
	struct outcome o;

	fresh(self);
	pg = payload(self, p);
	pg->addr += 1;
	fix(self, p);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PONR, p, "PAGES address unaligned");

	fresh(self);
	pg = payload(self, p);
	pg->addr = 0x1000;	/* below every VMA */
	fix(self, p);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PONR, p, "PAGES outside every VMA");

	fresh(self);
	pg = payload(self, p);
	pg->nr_pages += 1;
	fix(self, p);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PONR, p, "PAGES nr_pages beyond its length");

	fresh(self);
	tr = payload(self, t);
	tr->nr_pages += 1;
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PONR, t, "TRAILER nr_pages off by one");

	fresh(self);
	tr = payload(self, t);
	tr->nr_records -= 1;
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PONR, t, "TRAILER nr_records off by one");

	fresh(self);
	tr = payload(self, t);
	tr->bytes += 16;
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PONR, t, "TRAILER bytes off");
}

/*
 * SAME_PID: the image's pid once it is free, -EEXIST while it is taken
 * (by the first restored copy), and nothing left behind by the refusal.
 */
TEST_F_TIMEOUT(bad, same_pid_taken, 120)
{
	const struct cryo_image_process *p;
	struct tgt t;
	struct cryoctl_thaw_result res;
	struct outcome o;
	int ret, status;

	const int P = find_rec(&self->b, CRYO_REC_PROCESS, 0);

	p = (const void *)(self->b.img + self->b.r[P].off + sizeof(struct cryo_rec));
	ASSERT_EQ(CRYO_REC_PROCESS, self->b.r[P].type);
	memset(&t, 0, sizeof(t));
	t.cmd = t.rep = -1;
	snprintf(t.img, sizeof(t.img), "%s", BASE_IMG);
	ret = tgt_thaw(&t, CRYOCTL_THAW_SAME_PID | CRYOCTL_THAW_WAIT, NULL, 0, &res);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", strerror(-ret), res.message);
	EXPECT_EQ(p->pid, t.pid);
	EXPECT_EQ(0, tgt_cmd(&t, 'p'));
	EXPECT_EQ(p->pid, atoi(t.line + 4)) TH_LOG("%s", t.line);

	thaw_bytes(self, self->b.img, self->b.len,
		   CRYOCTL_THAW_SAME_PID | CRYOCTL_THAW_WAIT, self->inh, 2, &o);
	EXPECT_EQ(-EEXIST, o.ret) TH_LOG("SAME_PID with the pid taken: %s; \"%s\"",
					 strerror(-o.ret), o.res.message);
	EXPECT_EQ(EEXIST, o.res.error);
	EXPECT_EQ(0, o.res.pid);
	/* The first one is still there, and still answers. */
	EXPECT_EQ(0, tgt_cmd(&t, 'v'));
	EXPECT_EQ(0, strncmp(t.line, "ok ", 3)) TH_LOG("%s", t.line);
	ASSERT_EQ(0, tgt_quit(&t, 9));
	ASSERT_EQ(t.pid, wait_timeout(t.pid, &status, TGT_TIMEOUT));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 9);
	close(t.cmd);
	close(t.rep);
	EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG));
}

/* Remap of @l (@len bytes); its result, status in @st. */
static int remap(FIXTURE_DATA(bad) *self, const unsigned char *l, size_t len,
		 struct cryo_thaw_status *st)
{
	static char text[65536];
	size_t out;
	int dev, fd, ret;

	memset(st, 0, sizeof(*st));
	if (cryo_write_file(self->mut, l, len))
		return -EIO;
	dev = cryoctl_open();
	fd = open(self->mut, O_RDONLY | O_CLOEXEC);
	if (dev < 0 || fd < 0)
		return -EIO;
	ret = cryoctl_remap_maps(dev, fd, text, sizeof(text), &out);
	st->size = sizeof(*st);
	if (cryoctl_thaw_status(dev, st))
		st->state = 99;
	close(fd);
	close(dev);
	return ret;
}

/*
 * Remap refuses a layout whose file is not the one recorded, before
 * anything changes, and one with overlapping VMAs.
 */
TEST_F_TIMEOUT(bad, remap_layout, 120)
{
	char layout[] = BASE_DIR "/base.layout";
	struct cryo_thaw_status st;
	struct cryo_image_vma *a, *b;
	char maps[sizeof(self->maps)];
	unsigned char *l;
	struct base lb;
	int v, file = -1, ret, status, i;
	size_t len;

	if (access(cryo_cryoctl_path(), X_OK))
		SKIP(return, "cryoctl not found");
	{
		const char *const argv[] = { "cryoctl", "layout", BASE_IMG, NULL };

		ASSERT_EQ(0, cryo_cli_to(layout, argv));
	}
	l = cryo_slurp(layout, &len);
	ASSERT_NE(NULL, l);
	memset(&lb, 0, sizeof(lb));
	/* No PAGES in a layout: index it by hand. */
	{
		size_t off = 0;

		while (off + sizeof(struct cryo_rec) <= len && lb.nrec < MAX_RECS) {
			struct cryo_rec r;

			memcpy(&r, l + off, sizeof(r));
			lb.r[lb.nrec].off = off;
			lb.r[lb.nrec].type = r.type;
			lb.r[lb.nrec].len = r.len;
			lb.nrec++;
			off += sizeof(r) + r.len;
		}
		ASSERT_EQ(len, off);
	}
	for (i = 0; i < lb.nrec && file < 0; i++)
		if (lb.r[i].type == CRYO_REC_VMA &&
		    ((struct cryo_image_vma *)(l + lb.r[i].off + 16))->kind == CRYO_VMA_FILE)
			file = i;
	ASSERT_LT(0, file);

	/* The mapped file with another inode: the module's check. */
	a = (void *)(l + lb.r[file].off + sizeof(struct cryo_rec));
	a->ino ^= 1;
	fix_crc(l, lb.r[file].off);
	ret = remap(self, l, len, &st);
	EXPECT_EQ(-ESTALE, ret) TH_LOG("remap, file VMA with another inode: %s",
				       strerror(-ret));
	EXPECT_EQ(CRYO_THAW_FAILED, st.state);
	EXPECT_EQ(ESTALE, st.error);
	/* Files are checked once every VMA is read: the message names it. */
	EXPECT_NE(NULL, strstr(st.message, BASE_PROG)) TH_LOG("\"%s\"", st.message);
	a->ino ^= 1;
	fix_crc(l, lb.r[file].off);

	/* Overlapping VMAs (the library's reader may refuse them first). */
	v = find_rec(&lb, CRYO_REC_VMA, 2);
	ASSERT_LT(0, v);
	a = (void *)(l + lb.r[v].off + sizeof(struct cryo_rec));
	b = (void *)(l + lb.r[v - 1].off + sizeof(struct cryo_rec));
	a->start = b->end - 4096;
	fix_crc(l, lb.r[v].off);
	ret = remap(self, l, len, &st);
	EXPECT_TRUE(ret == -EBADMSG || ret == -EPROTO)
		TH_LOG("remap of overlapping VMAs: %s", strerror(-ret));

	file_maps(maps, sizeof(maps));
	EXPECT_STREQ(self->maps, maps);
	EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG));
	free(l);
	unlink(layout);
}

/*
 * Scheduling fields (format 2.7) no thread can have: a policy 99,
 * SCHED_DEADLINE, nice 40, a real-time priority under SCHED_OTHER, an
 * empty affinity, an unknown flag.
 */
TEST_F_TIMEOUT(bad, thread_sched, 300)
{
	static const struct {
		size_t off;
		uint32_t v;
		const char *what;
	} cases[] = {
		{ offsetof(struct cryo_image_thread, sched_policy), 99, "policy 99" },
		{ offsetof(struct cryo_image_thread, sched_policy), 6, "SCHED_DEADLINE" },
		{ offsetof(struct cryo_image_thread, nice), 40, "nice 40" },
		{ offsetof(struct cryo_image_thread, nice), (uint32_t)-21, "nice -21" },
		{ offsetof(struct cryo_image_thread, rt_priority), 10,
		  "priority 10 under SCHED_OTHER" },
		{ offsetof(struct cryo_image_thread, sched_flags), 4, "flag 4" },
		/* The I/O priority, format 2.8. */
		{ offsetof(struct cryo_image_thread, ioprio), 5 << 13,
		  "I/O class 5" },
		{ offsetof(struct cryo_image_thread, ioprio), 7,
		  "I/O class NONE with level 7" },
		{ offsetof(struct cryo_image_thread, ioprio), 0x10000,
		  "I/O priority past 16 bits" },
	};
	int t = find_rec(&self->b, CRYO_REC_THREAD, 0);
	struct cryo_image_thread *th;
	struct outcome o;
	unsigned int i;

	ASSERT_LT(0, t);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fresh(self);
		th = payload(self, t);
		ASSERT_EQ(SCHED_OTHER, th->sched_policy);
		memcpy((char *)th + cases[i].off, &cases[i].v, sizeof(cases[i].v));
		fix(self, t);
		TRY(0, &o);
		EXPECT_FAIL(&o, EBADMSG, PRE, t, "THREAD %s", cases[i].what);
	}
	/* An affinity of no CPU, and one of every CPU that names some. */
	fresh(self);
	th = payload(self, t);
	th->sched_flags &= ~CRYO_THREAD_AFFINITY_ALL;
	memset(th->affinity, 0, sizeof(th->affinity));
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, t, "THREAD with no CPU");
	fresh(self);
	th = payload(self, t);
	th->sched_flags |= CRYO_THREAD_AFFINITY_ALL;
	th->affinity[0] = 1;
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, t, "THREAD with all CPUs and CPU 0");
	/* PROCESS: the reserved word after the login uid (2.8). */
	fresh(self);
	t = find_rec(&self->b, CRYO_REC_PROCESS, 0);
	((struct cryo_image_process *)payload(self, t))->__reserved = 1;
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, t, "PROCESS reserved word");
}

/* An altstack whose end wraps around the top of the address space. */
TEST_F_TIMEOUT(bad, altstack_wraps, 120)
{
	int t = find_rec(&self->b, CRYO_REC_THREAD, 0);
	struct cryo_image_thread *th;
	struct outcome o;

	ASSERT_LT(0, t);
	fresh(self);
	th = payload(self, t);
	th->sas_sp = 0xfffffffffffff000ULL;	/* + 8 KiB is 0x1000 */
	th->sas_size = 0x2000;
	th->sas_flags = 0;
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, t, "altstack 0x%llx + 0x%llx wraps",
		    (unsigned long long)th->sas_sp, (unsigned long long)th->sas_size);

	fresh(self);
	th = payload(self, t);
	th->sas_sp = 0x7ffffffff000ULL;		/* ends past user space */
	th->sas_size = 0x2000;
	th->sas_flags = 0;
	fix(self, t);
	TRY(0, &o);
	EXPECT_FAIL(&o, EBADMSG, PRE, t, "altstack past the top of user space");
}

/*
 * Bytes after the TRAILER: image-format.rst calls them an error, and so
 * does the thaw, which reads one byte more after the TRAILER.  That is
 * past the point of no return: the process is killed.
 */
TEST_F_TIMEOUT(bad, after_trailer, 120)
{
	static const size_t extra[] = { 1, 16, 4096 };
	struct outcome o;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(extra); i++) {
		fresh(self);
		memset(self->buf + self->b.len, 0, extra[i]);
		TRY(self->b.len + extra[i], &o);
		EXPECT_FAIL(&o, EBADMSG, PONR, self->b.trailer,
			    "%zu bytes after the TRAILER", extra[i]);
		EXPECT_NE(NULL, strstr(o.res.message, "after it"))
			TH_LOG("\"%s\"", o.res.message);
	}
	/* A second copy of the whole TRAILER record, checksum and all. */
	fresh(self);
	memcpy(self->buf + self->b.len, self->b.img + self->b.r[self->b.trailer].off,
	       self->b.len - self->b.r[self->b.trailer].off);
	TRY(self->b.len + self->b.len - self->b.r[self->b.trailer].off, &o);
	EXPECT_FAIL(&o, EBADMSG, PONR, self->b.trailer, "a TRAILER after the TRAILER");
}

/* The module's reference count: one per open /dev/cryo, per queued work. */
static long module_refcnt(void)
{
	char buf[32];

	if (cryo_read_file("/sys/module/cryo/refcnt", buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * A /dev/cryo session is no image: as the image of a thaw or a remap
 * (even the very session that thaws), or as an inherited fd, EINVAL
 * with a message, before anything is done.  Reading its own session
 * would wait for the lock the thaw holds; holding any would keep the
 * session, and the module, alive for ever.
 */
TEST_F_TIMEOUT(bad, session_fd, 120)
{
	struct cryo_thaw_inherit inh[3];
	struct outcome o;
	int dev, dev2, ret;
	long before = module_refcnt();

	/* Another session as the image, then the thawing session itself. */
	for (ret = 0; ret < 2; ret++) {
		memset(&o, 0, sizeof(o));
		dev = cryoctl_open();
		dev2 = ret ? dup(dev) : cryoctl_open();
		ASSERT_LE(0, dev);
		ASSERT_LE(0, dev2);
		o.pid0 = cryo_last_pid();
		o.ret = cryoctl_thaw(dev, dev2, CRYOCTL_THAW_WAIT, self->inh, 2,
				     &o.res);
		o.pid1 = cryo_last_pid();
		o.st.size = sizeof(o.st);
		o.st_ret = cryoctl_thaw_status(dev, &o.st);
		close(dev2);
		close(dev);
		EXPECT_FAIL(&o, EINVAL, PRE, ANY_REC, "%s session as the image",
			    ret ? "its own" : "another");
		EXPECT_NE(NULL, strstr(o.res.message, "/dev/cryo"))
			TH_LOG("\"%s\"", o.res.message);
	}

	/* An inherited fd. */
	dev2 = cryoctl_open();
	ASSERT_LE(0, dev2);
	memcpy(inh, self->inh, sizeof(self->inh));
	inh[2].fd = 7;
	inh[2].source_fd = dev2;
	thaw_bytes(self, self->b.img, self->b.len, CRYOCTL_THAW_WAIT, inh, 3, &o);
	close(dev2);
	EXPECT_FAIL(&o, EINVAL, PRE, ANY_REC, "a session as --inherit-fd 7");
	EXPECT_NE(NULL, strstr(o.res.message, "/dev/cryo"))
		TH_LOG("\"%s\"", o.res.message);

	/* The image of a remap: refused before the caller is touched. */
	dev = cryoctl_open();
	dev2 = cryoctl_open();
	ASSERT_LE(0, dev);
	ASSERT_LE(0, dev2);
	ret = cryoctl_remap(dev, dev2, 0, 0);
	EXPECT_EQ(-EINVAL, ret) TH_LOG("remap of a session: %s", strerror(-ret));
	memset(&o.st, 0, sizeof(o.st));
	o.st.size = sizeof(o.st);
	ASSERT_EQ(0, cryoctl_thaw_status(dev, &o.st));
	EXPECT_EQ(CRYO_THAW_FAILED, o.st.state);
	EXPECT_EQ(EINVAL, o.st.error);
	EXPECT_NE(NULL, strstr(o.st.message, "/dev/cryo")) TH_LOG("\"%s\"", o.st.message);
	close(dev2);
	close(dev);
	/* No session was kept alive by another (or by itself). */
	EXPECT_TRUE(WAIT_FOR(module_refcnt() == before, 10))
		TH_LOG("module refcount %ld, was %ld", module_refcnt(), before);
}

/*
 * A path from the image with a newline and a control character in it:
 * the thaw fails to open it, and the kernel log line that says so has
 * them escaped, so that it cannot forge a line of its own.
 */
TEST_F_TIMEOUT(bad, log_escapes, 120)
{
	int f = find_rec(&self->b, CRYO_REC_FS, 0);
	static char klog[1 << 20];
	struct cryo_image_fs *fs;
	struct outcome o;
	char *exe, *p;
	int n;

	ASSERT_LT(0, f);
	fresh(self);
	fs = payload(self, f);
	exe = (char *)(fs + 1);
	p = memmem(exe, fs->exe_len, "/prog", 5);
	ASSERT_NE(NULL, p) TH_LOG("exe %.*s", (int)fs->exe_len, exe);
	p[2] = '\001';		/* "/p\001\ng" */
	p[3] = '\n';
	fix(self, f);
	/* The log line is rate limited: let the tests before this one's burst pass. */
	sleep(6);
	TRY(0, &o);
	EXPECT_FAIL(&o, ENOENT, PRE, f, "exe with a newline");
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, klog, sizeof(klog) - 1);
	ASSERT_LT(0, n) TH_LOG("klogctl: %s", strerror(errno));
	klog[n] = '\0';
	EXPECT_NE(NULL, strstr(klog, BASE_DIR "/p\\001\\ng"))
		TH_LOG("no escaped line in the kernel log");
	EXPECT_EQ(NULL, strstr(klog, BASE_DIR "/p\001\ng"))
		TH_LOG("the raw path reached the kernel log");
}

/* Last (TEST_F run in their order, after the TESTs): the shared image goes. */
TEST_F(bad, zz_cleanup)
{
	cryo_rm_rf(BASE_DIR);
}

TEST_HARNESS_MAIN
