// SPDX-License-Identifier: GPL-2.0
/*
 * Pseudo-terminal pairs whose master is in the image (since 2.9): the
 * master (/dev/ptmx) and the slaves of the pair, their settings and the
 * bytes queued each way.
 *
 * Freeze.  A pty end is met as a terminal (chardev.c): a master, or a
 * slave whose master some member holds, is saved here as
 * %CRYO_FILE_PTY_MASTER or %CRYO_FILE_PTY_SLAVE; a slave without its
 * master stays a terminal of the caller (tty.c, --shell-job).  The first
 * FILE of the pair carries a struct cryo_image_pty in its FILE_DATA (both
 * ends' termios, the window size, packet mode and its pending status,
 * the lock) and the bytes queued: written to the master and not read by
 * the slave, written to the slave and not read by the master.  The other
 * FILEs of the pair name it in @pipe_id.
 *
 * The queued bytes live in the line discipline (n_tty) of the reading
 * end, already processed by it (echoed, CR turned to NL, lines cut).
 * n_tty has no way to look at them without taking them, and its buffer
 * is private to it; so they are read as a reader would, through a
 * non-blocking read, and put back at once into the same end's input, as
 * the other end's writes had put them.  That gives the same bytes only
 * when the reading end does nothing to its input: no canonical mode, no
 * echo, no signal characters, no input translation (raw mode, as
 * script(1), expect and terminal multiplexers keep the master, and a
 * full-screen program its slave).  A non-empty queue of an end that
 * processes its input is refused by name (CRYO_REFUSAL_PTY_QUEUE).
 * Only poll(2)'s view is available: a canonical line still being typed
 * (no newline yet) is seen by no interface, and is not saved.
 *
 * Thaw.  The first FILE of the pair needed makes a new pair, as the
 * restored process would: /dev/ptmx opened with its credentials (in the
 * caller's mount namespace and devpts), the pair unlocked, and each
 * slave FILE of the image opened as /dev/pts/N of the new pair (N is the
 * new pair's number, not the frozen one).  Then both termios, the window
 * size, packet mode, and the queued bytes written back into each end's
 * input; the lock last.  Nothing is opened that the restored user could
 * not open.
 */
#include "cryo.h"

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/major.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/tty_ldisc.h>

#include "freezing.h"
#include "thawing.h"
#include "files/file.h"
#include "files/files.h"
#include "files/reopen.h"

#define CRYO_PTY_KNOWN	(CRYO_PTY_PACKET | CRYO_PTY_LOCKED)

/* Input flags under which n_tty changes or drops what it receives. */
#define CRYO_PTY_IFLAGS	(IGNBRK | BRKINT | IGNPAR | PARMRK | ISTRIP | INLCR | \
			 IGNCR | ICRNL | IUCLC | IXON)
#define CRYO_PTY_LFLAGS	(ICANON | ECHO | ECHONL | ISIG | IEXTEN | EXTPROC)

/* Is @file an open end (not O_PATH) of a Unix 98 pty pair? */
bool cryo_pty_end(struct file *file)
{
	struct tty_struct *tty = cryo_tty_of(file);

	return tty && tty->driver->type == TTY_DRIVER_TYPE_PTY &&
	       (tty->driver->flags & TTY_DRIVER_DEVPTS_MEM) && tty->link;
}

/* The master of the pair @file is an end of. */
static struct tty_struct *cryo_pty_master(struct file *file)
{
	struct tty_struct *tty = cryo_tty_of(file);

	return cryo_tty_master(tty) ? tty : tty->link;
}

/* Does the reading end with termios @r take its input as it comes? */
static bool cryo_pty_raw(u32 iflag, u32 lflag)
{
	return !(iflag & CRYO_PTY_IFLAGS) && !(lflag & CRYO_PTY_LFLAGS);
}

static bool cryo_pty_tty_raw(struct tty_struct *tty)
{
	bool raw;

	down_read(&tty->termios_rwsem);
	raw = cryo_pty_raw(tty->termios.c_iflag, tty->termios.c_lflag);
	up_read(&tty->termios_rwsem);
	return raw;
}

/* Has @tty bytes to read?  @file: any open file, for n_tty's poll. */
static bool cryo_pty_queued(struct tty_struct *tty, struct file *file)
{
	struct tty_ldisc *ld = tty_ldisc_ref(tty);
	__poll_t mask = 0;

	if (!ld)
		return false;
	if (ld->ops->poll)
		mask = ld->ops->poll(tty, file, NULL);
	tty_ldisc_deref(ld);
	return mask & EPOLLIN;
}

/* ---- the freeze: the census of the tree's pty ends -------------------- */

struct cryo_pty_fd {
	struct file *file;		/* referenced */
	struct tty_struct *master;
	bool is_master;
	s32 fd;
	s32 pid;
};

struct cryo_pty_census {
	struct cryo_pty_fd *fds;
	unsigned int nr;
	unsigned int max;
	s32 pid;
	struct tty_struct *want;	/* only the ends of this pair */
};

static int cryo_pty_census_fd(void *arg, struct file *file, unsigned int fd)
{
	struct cryo_pty_census *c = arg;
	struct tty_struct *m;

	if (!cryo_pty_end(file))
		return 0;
	m = cryo_pty_master(file);
	if (c->want && m != c->want)
		return 0;
	if (c->nr == c->max) {
		unsigned int max = c->max ? 2 * c->max : 16;
		struct cryo_pty_fd *n;

		n = kvrealloc_compat(c->fds, c->max * sizeof(*n),
				     max * sizeof(*n), GFP_KERNEL_ACCOUNT);
		if (!n)
			return -ENOMEM;
		c->fds = n;
		c->max = max;
	}
	c->fds[c->nr++] = (struct cryo_pty_fd) {
		.file = get_file(file), .master = m,
		.is_master = cryo_tty_master(cryo_tty_of(file)),
		.fd = fd, .pid = c->pid,
	};
	return 0;
}

static int cryo_pty_census_take(struct cryo_image *img,
				struct cryo_pty_census *c)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < img->nr_members; i++) {
		c->pid = img->members[i].rec.pid;
		ret = cryo_fdtable_walk(&img->members[i], cryo_pty_census_fd, c);
	}
	return ret;
}

static void cryo_pty_census_drop(struct cryo_pty_census *c)
{
	unsigned int i;

	for (i = 0; i < c->nr; i++)
		fput(c->fds[i].file);
	kvfree(c->fds);
	c->fds = NULL;
	c->nr = 0;
}

/* The census entry of @m's master, or NULL: the pair is not the image's. */
static struct cryo_pty_fd *cryo_pty_find_master(struct cryo_pty_census *c,
						struct tty_struct *m)
{
	unsigned int i;

	for (i = 0; i < c->nr; i++)
		if (c->fds[i].master == m && c->fds[i].is_master)
			return &c->fds[i];
	return NULL;
}

/* A slave file of @m's pair in the census (the lowest fd met first). */
static struct file *cryo_pty_find_slave(struct cryo_pty_census *c,
					struct tty_struct *m)
{
	unsigned int i;

	for (i = 0; i < c->nr; i++)
		if (c->fds[i].master == m && !c->fds[i].is_master)
			return c->fds[i].file;
	return NULL;
}

/* How many distinct slave descriptions of @m the tree holds. */
static unsigned int cryo_pty_slaves(struct cryo_pty_census *c,
				    struct tty_struct *m)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < c->nr; i++) {
		if (c->fds[i].master != m || c->fds[i].is_master)
			continue;
		for (j = 0; j < i; j++)
			if (c->fds[j].file == c->fds[i].file)
				break;
		n += j == i;
	}
	return n;
}

/* Why the pair of the master @e cannot be saved; or NONE. */
static u32 cryo_pty_pair_refusal(struct cryo_pty_census *c,
				 struct cryo_pty_fd *e)
{
	struct tty_struct *m = e->master, *s = m->link;
	struct file *sf = cryo_pty_find_slave(c, m);
	unsigned long irq;
	bool ctty;

	/* The slave's count holds one for its master (pty_common_install). */
	if (s->count - 1 > (int)cryo_pty_slaves(c, m))
		return CRYO_REFUSAL_PTY_OUTSIDE;
	spin_lock_irqsave(&s->ctrl.lock, irq);
	ctty = s->ctrl.session;
	spin_unlock_irqrestore(&s->ctrl.lock, irq);
	if (ctty)
		return CRYO_REFUSAL_PTY_CTTY;
	if (cryo_pty_queued(s, e->file) && (!sf || !cryo_pty_tty_raw(s)))
		return CRYO_REFUSAL_PTY_QUEUE;
	if (cryo_pty_queued(m, e->file) &&
	    (!cryo_pty_tty_raw(m) || !(e->file->f_mode & FMODE_READ)))
		return CRYO_REFUSAL_PTY_QUEUE;
	return CRYO_REFUSAL_NONE;
}

/**
 * cryo_pty_check() - refuse a pty pair the image cannot hold as it is
 * @img: the image, every member parked
 * @why: out: the refusal, naming the first member's lowest fd on the
 *	master of such a pair
 *
 * Return: 0, -EOPNOTSUPP with @why set, -ENOMEM, -EINTR.
 */
int cryo_pty_check(struct cryo_image *img, struct cryo_why *why)
{
	struct cryo_pty_census c = {};
	unsigned int i;
	u32 code;
	int ret;

	ret = cryo_pty_census_take(img, &c);
	for (i = 0; !ret && i < c.nr; i++) {
		if (!c.fds[i].is_master)
			continue;
		code = cryo_pty_pair_refusal(&c, &c.fds[i]);
		if (code != CRYO_REFUSAL_NONE) {
			why->pid = c.fds[i].pid;
			ret = cryo_refuse(why, code, c.fds[i].fd, -EOPNOTSUPP);
		}
	}
	cryo_pty_census_drop(&c);
	return ret;
}

/* Is the master of @file's pair held by a member? */
bool cryo_pty_master_in(struct cryo_image *img, struct file *file)
{
	struct cryo_pty_census c = { .want = cryo_pty_master(file) };
	bool in;

	if (cryo_pty_census_take(img, &c)) {
		cryo_pty_census_drop(&c);
		return false;
	}
	in = cryo_pty_find_master(&c, c.want);
	cryo_pty_census_drop(&c);
	return in;
}

/*
 * Read what @file's end has queued, without blocking, into @buf (room
 * for @max bytes); a master in packet mode gives a status byte first on
 * each read, dropped.  The bytes read are put back into @tty's input.
 */
static ssize_t cryo_pty_take(struct tty_struct *tty, struct file *file,
			     bool packet, u8 *buf, size_t max)
{
	size_t len = 0, n;
	ssize_t got;
	loff_t pos = 0;

	while (len < max) {
		got = kernel_read(file, buf + len, max - len, &pos);
		if (got == -EAGAIN || !got)
			break;
		if (got < 0)
			goto put_back;
		if (packet) {
			memmove(buf + len, buf + len + 1, got - 1);
			got--;
		}
		len += got;
	}
	got = len;
	if (len == max)
		got = -EFBIG;
put_back:
	n = len ? tty_insert_flip_string(tty->port, buf, len) : 0;
	if (len)
		tty_flip_buffer_push(tty->port);
	if (n != len)
		return -ENOMEM;
	return got;
}

/* The bytes queued for the slave: read through an open of our own. */
static ssize_t cryo_pty_take_slave(struct tty_struct *s, struct file *sf,
				   u8 *buf, size_t max)
{
	struct file *priv;
	ssize_t got;

	priv = dentry_open(&sf->f_path, O_RDONLY | O_NONBLOCK | O_NOCTTY,
			   sf->f_cred);
	if (IS_ERR(priv))
		return PTR_ERR(priv);
	if (cryo_tty_of(priv) != s) {
		fput(priv);
		return -ESTALE;
	}
	got = cryo_pty_take(s, priv, false, buf, max);
	fput(priv);
	return got;
}

/*
 * The bytes queued for the master, read through its own description made
 * non-blocking for the read (no other open of a master exists); every
 * holder of it is parked.  The packet status the reads take is put back.
 */
static ssize_t cryo_pty_take_master(struct tty_struct *m, struct file *mf,
				    u8 *buf, size_t max)
{
	unsigned int old;
	unsigned char status;
	unsigned long irq;
	bool packet;
	ssize_t got;

	spin_lock_irqsave(&m->ctrl.lock, irq);
	packet = m->ctrl.packet;
	spin_unlock_irqrestore(&m->ctrl.lock, irq);
	spin_lock_irqsave(&m->link->ctrl.lock, irq);
	status = m->link->ctrl.pktstatus;
	spin_unlock_irqrestore(&m->link->ctrl.lock, irq);
	spin_lock(&mf->f_lock);
	old = mf->f_flags;
	mf->f_flags |= O_NONBLOCK;
	spin_unlock(&mf->f_lock);
	got = cryo_pty_take(m, mf, packet, buf, max);
	spin_lock(&mf->f_lock);
	mf->f_flags = (mf->f_flags & ~O_NONBLOCK) | (old & O_NONBLOCK);
	spin_unlock(&mf->f_lock);
	spin_lock_irqsave(&m->link->ctrl.lock, irq);
	m->link->ctrl.pktstatus |= status;
	spin_unlock_irqrestore(&m->link->ctrl.lock, irq);
	return got;
}

/* The first FILE of the pair: its state and bytes into fs->data. */
static int cryo_pty_save_pair(struct cryo_image *img, struct tty_struct *m)
{
	struct cryo_pty_census c = { .want = m };
	struct cryo_files_save *fs = &img->fdt;
	struct tty_struct *s = m->link;
	struct cryo_pty_fd *e;
	struct cryo_image_pty *r;
	struct file *sf;
	unsigned long irq;
	size_t size = sizeof(*r) + 2 * CRYO_PTY_QUEUE_MAX + 1;
	ssize_t n;
	u8 *data;
	int ret;

	data = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!data)
		return -ENOMEM;
	r = (struct cryo_image_pty *)data;
	ret = cryo_pty_census_take(img, &c);
	if (ret)
		goto out;
	e = cryo_pty_find_master(&c, m);
	sf = cryo_pty_find_slave(&c, m);
	ret = -ESTALE;
	if (!e)
		goto out;
	cryo_tty_settings(s, &r->slave);
	cryo_tty_settings(m, &r->master);
	r->master.ws_row = 0;
	r->master.ws_col = 0;
	r->master.ws_xpixel = 0;
	r->master.ws_ypixel = 0;
	r->index = m->index;
	spin_lock_irqsave(&m->ctrl.lock, irq);
	if (m->ctrl.packet)
		r->flags |= CRYO_PTY_PACKET;
	spin_unlock_irqrestore(&m->ctrl.lock, irq);
	if (test_bit(TTY_PTY_LOCK, &m->flags))
		r->flags |= CRYO_PTY_LOCKED;
	/*
	 * Under CRYO_FREEZE_ACCEPT_LOSS a queue that cannot be read as it
	 * is stays out of the image (cryo_pty_check() refuses it otherwise).
	 */
	n = 0;
	if (sf && cryo_pty_tty_raw(s) && cryo_pty_queued(s, e->file))
		n = cryo_pty_take_slave(s, sf, data + sizeof(*r),
					CRYO_PTY_QUEUE_MAX + 1);
	if (n < 0) {
		ret = n;
		goto out;
	}
	r->to_slave = n;
	n = 0;
	if (cryo_pty_tty_raw(m) && (e->file->f_mode & FMODE_READ) &&
	    cryo_pty_queued(m, e->file))
		n = cryo_pty_take_master(m, e->file,
					 data + sizeof(*r) + r->to_slave,
					 CRYO_PTY_QUEUE_MAX + 1);
	if (n < 0) {
		ret = n;
		goto out;
	}
	r->to_master = n;
	/* After the reads: one of them may have set a packet status. */
	spin_lock_irqsave(&s->ctrl.lock, irq);
	r->pktstatus = s->ctrl.pktstatus;
	spin_unlock_irqrestore(&s->ctrl.lock, irq);
	fs->data = data;
	fs->data_size = sizeof(*r) + r->to_slave + r->to_master;
	data = NULL;
	ret = 0;
out:
	cryo_pty_census_drop(&c);
	kvfree(data);
	return ret;
}

/**
 * cryo_pty_save() - an end of a pair in the image, met by the fd table
 * @img: the image
 * @seen: @file's entry
 * @file: the end
 * @out: its kind and the pair's first FILE
 *
 * Return: 0, or -errno (-EFBIG: more than CRYO_PTY_QUEUE_MAX bytes queued
 * one way; -ESTALE: the pair changed since the check).
 */
int cryo_pty_save(struct cryo_image *img, struct cryo_seen *seen,
		  struct file *file, struct cryo_file_out *out)
{
	struct cryo_files_save *fs = &img->fdt;
	struct tty_struct *m = cryo_pty_master(file);
	unsigned int i;

	out->kind = cryo_tty_master(cryo_tty_of(file)) ?
		    CRYO_FILE_PTY_MASTER : CRYO_FILE_PTY_SLAVE;
	for (i = 0; i + 1 < fs->nr_seen; i++) {
		struct file *g = fs->seen[i].file;

		if (&fs->seen[i] != seen && cryo_pty_end(g) &&
		    cryo_pty_master(g) == m) {
			out->pipe_id = fs->seen[i].id;
			return 0;
		}
	}
	out->pipe_id = seen->id;
	return cryo_pty_save_pair(img, m);
}

/* ---- the thaw ---------------------------------------------------------- */

/* Thaw: the FILE_DATA a pty FILE @r may have: the pair's, on its first. */
static u64 cryo_pty_max_data(const struct cryo_image_file *r)
{
	if (r->pipe_id != r->id)
		return 0;
	return sizeof(struct cryo_image_pty) + 2ULL * CRYO_PTY_QUEUE_MAX;
}

/* Thaw: a pty FILE checked: its pair's first FILE, its device. */
static int cryo_pty_load(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	struct cryo_files_shared *ft = &t->tree->files;
	const struct cryo_image_file *r = &f->rec;
	dev_t rdev = new_decode_dev(r->rdev);
	bool master = r->kind == CRYO_FILE_PTY_MASTER;
	unsigned int i;

	if (t->hdr.minor < 9)
		return cryo_file_bad(t, "FILE %u: a pseudo-terminal in a format 2.%u image",
				     r->id, t->hdr.minor);
	if ((r->open_flags & O_PATH) || r->flags ||
	    (master && rdev != MKDEV(TTYAUX_MAJOR, 2)) ||
	    (!master && (MAJOR(rdev) < UNIX98_PTY_SLAVE_MAJOR ||
			 MAJOR(rdev) >= UNIX98_PTY_SLAVE_MAJOR +
					UNIX98_PTY_MAJOR_COUNT)))
		return cryo_file_bad(t, "FILE %u: pseudo-terminal of device %u:%u, flags 0x%x",
				     r->id, MAJOR(rdev), MINOR(rdev), r->flags);
	if (r->pipe_id == r->id) {
		if (r->data_size < sizeof(struct cryo_image_pty))
			return cryo_file_bad(t, "FILE %u: %llu bytes of pseudo-terminal state",
					     r->id, r->data_size);
		f->data = kvzalloc(r->data_size, GFP_KERNEL_ACCOUNT);
		if (!f->data)
			return cryo_thaw_fail(t, -ENOMEM, "out of memory");
		return 0;
	}
	if (!r->pipe_id || r->pipe_id > r->id)
		return cryo_file_bad(t, "FILE %u: pseudo-terminal pair %llu",
				     r->id, r->pipe_id);
	i = r->pipe_id - 1;
	if ((ft->files[i].rec.kind != CRYO_FILE_PTY_MASTER &&
	     ft->files[i].rec.kind != CRYO_FILE_PTY_SLAVE) ||
	    ft->files[i].rec.pipe_id != r->pipe_id ||
	    (master && ft->files[i].rec.kind == CRYO_FILE_PTY_MASTER))
		return cryo_file_bad(t,
				     "FILE %u: pseudo-terminal pair %llu is no pair's first FILE",
				     r->id, r->pipe_id);
	for (i = r->pipe_id; master && i + 1 < r->id; i++)
		if (ft->files[i].rec.kind == CRYO_FILE_PTY_MASTER &&
		    ft->files[i].rec.pipe_id == r->pipe_id)
			return cryo_file_bad(t, "FILE %u: a second master of pair %llu",
					     r->id, r->pipe_id);
	return 0;
}

/* One end's termios from the image, checked; EBADMSG names it. */
static int cryo_pty_check_tty(struct cryo_thawing *t, u32 id, const char *end,
			      const struct cryo_image_tty *r, u32 queued)
{
	if (r->flags || r->sid || r->fg_pgid || r->__reserved ||
	    r->line != N_TTY)
		return cryo_file_bad(t,
				     "FILE %u: pseudo-terminal %s: flags 0x%x, session %d, group %d, line %u",
				     id, end, r->flags, r->sid, r->fg_pgid,
				     r->line);
	if (queued && !cryo_pty_raw(r->iflag, r->lflag))
		return cryo_file_bad(t,
				     "FILE %u: pseudo-terminal %s: %u bytes queued for an end that processes its input",
				     id, end, queued);
	return 0;
}

static int cryo_pty_check_state(struct cryo_thawing *t,
				struct cryo_thaw_file *c)
{
	const struct cryo_image_pty *r = (void *)c->data;
	u32 id = c->rec.id;
	int ret;

	if (r->flags & ~CRYO_PTY_KNOWN || r->__reserved ||
	    r->pktstatus > 0xff || r->to_slave > CRYO_PTY_QUEUE_MAX ||
	    r->to_master > CRYO_PTY_QUEUE_MAX ||
	    c->rec.data_size != sizeof(*r) + (u64)r->to_slave + r->to_master ||
	    r->master.ws_row || r->master.ws_col || r->master.ws_xpixel ||
	    r->master.ws_ypixel)
		return cryo_file_bad(t,
				     "FILE %u: pseudo-terminal pair: flags 0x%x, status 0x%x, %u and %u bytes queued in %llu",
				     id, r->flags, r->pktstatus, r->to_slave,
				     r->to_master, c->rec.data_size);
	ret = cryo_pty_check_tty(t, id, "slave", &r->slave, r->to_slave);
	if (!ret)
		ret = cryo_pty_check_tty(t, id, "master", &r->master,
					 r->to_master);
	return ret;
}

/* Open /dev/pts/N of the new pair for slave FILE @g. */
static int cryo_pty_open_slave(struct cryo_thawing *t,
			       struct cryo_thaw_file *g, struct tty_struct *s)
{
	struct file *file;
	char *path, *what;

	path = kasprintf(GFP_KERNEL, "/dev/pts/%d", s->index);
	what = kasprintf(GFP_KERNEL, "pseudo-terminal %s (frozen as %s)",
			 path ?: "", g->name);
	if (!path || !what) {
		kfree(path);
		kfree(what);
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	}
	file = cryo_reopen(t, what, path, g->rec.open_flags & CRYO_REOPEN_FLAGS,
			   S_IFCHR);
	kfree(path);
	if (IS_ERR(file)) {
		kfree(what);
		return PTR_ERR(file);
	}
	g->file = file;
	if (cryo_tty_of(file) != s) {
		int ret = cryo_thaw_fail(t, -ESTALE,
					 "%s: another terminal was opened", what);

		kfree(what);
		return ret;
	}
	kfree(what);
	return 0;
}

/* The image's status flags on a new end (opened O_NONBLOCK, O_LARGEFILE). */
static void cryo_pty_flags(struct cryo_thaw_file *g)
{
	const unsigned int mask = O_NONBLOCK | O_LARGEFILE;
	struct file *file = g->file;

	spin_lock(&file->f_lock);
	file->f_flags = (file->f_flags & ~mask) | (g->rec.open_flags & mask);
	spin_unlock(&file->f_lock);
}

/* Put @len bytes back into @tty's input, as its other end wrote them. */
static int cryo_pty_feed(struct cryo_thawing *t, struct tty_struct *tty,
			 const u8 *buf, u32 len)
{
	if (!len)
		return 0;
	if (tty_insert_flip_string(tty->port, buf, len) != len)
		return cryo_thaw_fail(t, -ENOMEM,
				      "pseudo-terminal: no room for %u bytes queued",
				      len);
	tty_flip_buffer_push(tty->port);
	return 0;
}

/* The pair's settings, bytes and lock, on the new pair @m. */
static int cryo_pty_apply(struct cryo_thawing *t, struct cryo_thaw_file *c,
			  struct tty_struct *m)
{
	const struct cryo_image_pty *r = (void *)c->data;
	const u8 *bytes = c->data + sizeof(*r);
	struct tty_struct *s = m->link;
	struct winsize ws = {
		.ws_row = r->slave.ws_row, .ws_col = r->slave.ws_col,
		.ws_xpixel = r->slave.ws_xpixel,
		.ws_ypixel = r->slave.ws_ypixel,
	};
	int ret;

	/*
	 * A master's termios is the driver's own: its ioctls set the
	 * slave's (tty_set_termios() warns on a master).
	 */
	ret = cryo_tty_set_termios(s, &r->slave);
	if (!ret)
		ret = tty_do_resize(s, &ws);
	if (ret)
		return cryo_thaw_fail(t, ret,
				      "pseudo-terminal: its settings cannot be applied (error %d)",
				      -ret);
	spin_lock_irq(&m->ctrl.lock);
	m->ctrl.packet = r->flags & CRYO_PTY_PACKET;
	spin_unlock_irq(&m->ctrl.lock);
	spin_lock_irq(&s->ctrl.lock);
	s->ctrl.pktstatus = r->pktstatus;
	spin_unlock_irq(&s->ctrl.lock);
	ret = cryo_pty_feed(t, s, bytes, r->to_slave);
	if (!ret)
		ret = cryo_pty_feed(t, m, bytes + r->to_slave, r->to_master);
	if (!ret && (r->flags & CRYO_PTY_LOCKED))
		set_bit(TTY_PTY_LOCK, &m->flags);
	return ret;
}

/*
 * Make the new pair of FILE @c (the pair's first): every FILE of the
 * pair gets its end, and is restored.
 */
static int cryo_pty_make(struct cryo_thawing *t, struct cryo_thaw_file *c)
{
	struct cryo_files_shared *ft = &t->tree->files;
	struct tty_struct *m;
	struct file *master;
	int flags = O_RDWR;
	unsigned int i;
	int ret;

	ret = cryo_pty_check_state(t, c);
	if (ret)
		return ret;
	/* The master FILE's access mode (a pair may have none in the image). */
	for (i = c->rec.id - 1; i < ft->nr_files; i++)
		if (ft->files[i].rec.kind == CRYO_FILE_PTY_MASTER &&
		    ft->files[i].rec.pipe_id == c->rec.id)
			flags = ft->files[i].rec.open_flags & O_ACCMODE;
	master = cryo_reopen(t, "pseudo-terminal master /dev/ptmx", "/dev/ptmx",
			     flags, S_IFCHR);
	if (IS_ERR(master))
		return PTR_ERR(master);
	if (!cryo_pty_end(master) || !cryo_tty_master(cryo_tty_of(master))) {
		fput(master);
		return cryo_thaw_fail(t, -ESTALE,
				      "/dev/ptmx: not a pseudo-terminal multiplexer");
	}
	m = cryo_tty_of(master);
	clear_bit(TTY_PTY_LOCK, &m->flags);
	ret = 0;
	for (i = c->rec.id - 1; !ret && i < ft->nr_files; i++) {
		struct cryo_thaw_file *g = &ft->files[i];

		if ((g->rec.kind != CRYO_FILE_PTY_MASTER &&
		     g->rec.kind != CRYO_FILE_PTY_SLAVE) ||
		    g->rec.pipe_id != c->rec.id)
			continue;
		if (g->rec.kind == CRYO_FILE_PTY_MASTER)
			g->file = get_file(master);
		else
			ret = cryo_pty_open_slave(t, g, m->link);
		if (!ret) {
			cryo_pty_flags(g);
			g->restored = true;
		}
	}
	if (!ret)
		ret = cryo_pty_apply(t, c, m);
	fput(master);
	return ret;
}

static int cryo_pty_restore(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_files_shared *ft = &t->tree->files;
	struct cryo_thaw_file *f = &ft->files[idx];

	if (f->file)
		return 0;
	/*
	 * The pair was made for an earlier section's FILEs: this end, which a
	 * later member opened itself, is not made on a second pair.
	 */
	if (ft->files[f->rec.pipe_id - 1].file)
		return cryo_thaw_fail(t, -EOPNOTSUPP,
				      "FILE %u: an end of pseudo-terminal pair %llu opened by another member; cryo restores a pair within the files of the member that holds its first end",
				      f->rec.id, f->rec.pipe_id);
	return cryo_pty_make(t, &ft->files[f->rec.pipe_id - 1]);
}

/* Found through chardev.c's terminals, never by their own match. */
static bool cryo_pty_match(struct file *file)
{
	return false;
}

const struct cryo_file_ops cryo_pty_master_ops = {
	.kind		= CRYO_FILE_PTY_MASTER,
	.name		= "pseudo-terminal master",
	.type		= S_IFCHR,
	.holds_data	= true,
	.match		= cryo_pty_match,
	.max_data	= cryo_pty_max_data,
	.load		= cryo_pty_load,
	.restore	= cryo_pty_restore,
};

const struct cryo_file_ops cryo_pty_slave_ops = {
	.kind		= CRYO_FILE_PTY_SLAVE,
	.name		= "pseudo-terminal",
	.type		= S_IFCHR,
	.holds_data	= true,
	.match		= cryo_pty_match,
	.max_data	= cryo_pty_max_data,
	.load		= cryo_pty_load,
	.restore	= cryo_pty_restore,
};
