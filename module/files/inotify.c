// SPDX-License-Identifier: GPL-2.0
/*
 * inotify instances.
 *
 * An inotify is its watches: for each, a watch descriptor, a mask and
 * the inode it watches.  They are read as /proc's fdinfo shows them
 * ("inotify wd:%x ino:%lx sdev:%x mask:%x ..."); the inode itself is
 * found among the group's marks by those numbers, and a path for it as
 * the freezer sees it: a name of the inode in the dentry cache under a
 * mount of its file system the freezer's /proc/self/mountinfo shows,
 * looked up again to be sure it leads back to that inode.  A watch
 * without one (an unlinked inode, a name evicted from the cache, a file
 * system mounted nowhere the freezer sees) is refused, naming the fd
 * (and the watch descriptor in the kernel log).  Events queued and not
 * yet read cannot be queued again: an inotify with some is refused.
 *
 * The FILE record is followed by a FILE_STATE (the number of watches)
 * and an INOTIFY_WATCH record per watch: descriptor, mask, inode and
 * path, ascending descriptors.
 *
 * At the thaw, each watch's path is looked up when the thaw is planned
 * (CRYO_IOC_THAW or CRYO_IOC_THAW_MEMBER), under the restored process's
 * credentials, which must be allowed to read the inode, as
 * inotify_add_watch(2) requires: a root thaw of a user's image gives the
 * process no watch its user could not add.  The library makes the
 * inotify (object.c), learns each watch through CRYO_IOC_THAW_INOTIFY and
 * adds it again with its descriptor; before the point of no return the
 * made inotify's watches, read back through fdinfo, must be exactly the
 * image's on the inodes looked up.
 */
#include "cryo.h"

#include <linux/bsearch.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/inotify.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "access.h"
#include "freezing.h"
#include "session.h"
#include "thawing.h"
#include "files/fdinfo.h"
#include "files/file.h"
#include "files/files.h"
#include "image/boot.h"
#include "image/record.h"
#include "task/task.h"

/* What a watch's mask may hold, as fdinfo shows it. */
#define CRYO_INOTIFY_MASK	(IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK)

/* The most text of /proc/self/mountinfo read. */
#define CRYO_MOUNTINFO_MAX	(4UL << 20)

/* A watch at the freeze: its record and its path. */
struct cryo_inotify_saved {
	struct cryo_image_inotify_watch rec;
	char *path;
};

/* A watch at the thaw (cryo_thaw_file.watches). */
struct cryo_inotify_watch {
	struct cryo_image_inotify_watch rec;
	char *name;
	struct path path;	/* looked up as the restored process, or none */
};

/* One "inotify wd:" line of fdinfo. */
struct cryo_inotify_mark {
	u32 wd;
	u32 mask;
	u32 sdev;
	unsigned long ino;
};

static bool cryo_inotify_match(struct file *file)
{
	const struct qstr *q = &file->f_path.dentry->d_name;

	/*
	 * inotify names its anonymous inode "inotify", without the brackets
	 * of the others; an O_PATH reopen of its /proc link is no group.
	 */
	return file_inode(file)->i_sb->s_magic == ANON_INODE_FS_MAGIC &&
	       !(file->f_mode & FMODE_PATH) && file->private_data &&
	       file->f_op->show_fdinfo && q->len == 7 &&
	       !memcmp(q->name, "inotify", 7);
}

/* The watches of @file as fdinfo shows them: 0, -E2BIG (too many), -errno. */
static int cryo_inotify_marks(struct file *file, struct cryo_inotify_mark **out,
			      unsigned int *nr)
{
	struct cryo_inotify_mark *m = NULL;
	unsigned int n = 0, i = 0;
	const char *line;
	size_t len;
	char *text = cryo_fdinfo(file, &len);
	int ret = 0;

	if (IS_ERR(text))
		return PTR_ERR(text);
	for (line = text; *line; ) {
		if (!strncmp(line, "inotify ", 8))
			n++;
		line = strchrnul(line, '\n');
		if (*line)
			line++;
	}
	if (n > CRYO_INOTIFY_WATCHES_MAX) {
		ret = -E2BIG;
		goto out;
	}
	m = kvmalloc_array(max(n, 1U), sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m) {
		ret = -ENOMEM;
		goto out;
	}
	for (line = text; *line && !ret; ) {
		unsigned int ign;

		if (!strncmp(line, "inotify ", 8) &&
		    (i == n ||
		     sscanf(line, "inotify wd:%x ino:%lx sdev:%x mask:%x ignored_mask:%x",
			    &m[i].wd, &m[i].ino, &m[i].sdev, &m[i].mask,
			    &ign) != 5))
			ret = -EIO;	/* a kernel that shows them otherwise */
		else if (!strncmp(line, "inotify ", 8))
			i++;
		line = strchrnul(line, '\n');
		if (*line)
			line++;
	}
	if (!ret && i != n)
		ret = -EIO;
out:
	kvfree(text);
	if (ret) {
		kvfree(m);
		return ret;
	}
	*out = m;
	*nr = n;
	return 0;
}

/* The inode a watch of @group is on, by its numbers; referenced, or NULL. */
static struct inode *cryo_inotify_inode(struct fsnotify_group *group,
					unsigned long ino, u32 sdev)
{
	struct fsnotify_mark *mark;
	struct inode *found = NULL;

	/* As fdinfo walks them: the group's marks, under its mark lock. */
	fsnotify_group_lock(group);
	list_for_each_entry(mark, &group->marks_list, g_list) {
		struct inode *inode;

		if (!mark->connector ||
		    mark->connector->type != FSNOTIFY_OBJ_TYPE_INODE)
			continue;
		inode = cryo_fsnotify_conn_inode(mark->connector);
		if (inode->i_ino == ino && inode->i_sb->s_dev == sdev) {
			found = igrab(inode);
			break;
		}
	}
	fsnotify_group_unlock(group);
	return found;
}

/* The freezer's mounts, the text of its /proc/self/mountinfo. */
static char *cryo_inotify_mountinfo(void)
{
	size_t size = 4 * PAGE_SIZE, len;
	struct file *f;
	char *buf;
	loff_t pos;
	ssize_t n;

	f = filp_open("/proc/self/mountinfo", O_RDONLY, 0);
	if (IS_ERR(f))
		return ERR_CAST(f);
	for (;;) {
		buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
		if (!buf) {
			buf = ERR_PTR(-ENOMEM);
			break;
		}
		pos = 0;
		len = 0;
		while (len < size - 1 &&
		       (n = kernel_read(f, buf + len, size - 1 - len, &pos)) > 0)
			len += n;
		if (len < size - 1) {
			buf[len] = '\0';
			break;
		}
		/* Full: read it all again into twice the room. */
		kvfree(buf);
		if (size >= CRYO_MOUNTINFO_MAX) {
			buf = ERR_PTR(-E2BIG);
			break;
		}
		size *= 2;
	}
	fput(f);
	return buf;
}

/*
 * The next space-separated field of @*p, its \ooo escapes undone, into
 * @out (PATH_MAX); false at the end of the line or when it does not fit.
 */
static bool cryo_mountinfo_field(const char **p, char *out)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ')
		s++;
	if (!*s || *s == '\n')
		return false;
	while (*s && *s != ' ' && *s != '\n') {
		if (n == PATH_MAX - 1)
			return false;
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			out[n++] = ((s[1] - '0') << 6) | ((s[2] - '0') << 3) |
				   (s[3] - '0');
			s += 4;
		} else {
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	*p = s;
	return true;
}

/* Does @path (as the freezer resolves it, last component unfollowed) lead to @inode? */
static bool cryo_inotify_leads_to(const char *path, struct inode *inode)
{
	struct path p;
	bool same;

	if (kern_path(path, 0, &p))
		return false;
	same = d_inode(p.dentry) == inode;
	path_put(&p);
	return same;
}

/*
 * A path of @inode as the freezer sees it, kmalloc()ed; NULL when it has
 * none.  @rel, @root and @mnt are PATH_MAX buffers.
 */
static char *cryo_inotify_path(struct inode *inode, const char *mountinfo,
			       char *rel, char *root, char *mnt)
{
	struct dentry *dentry = d_find_alias(inode);
	const char *line, *in, *p;
	size_t rlen;

	if (!dentry)
		return NULL;
	/* Its path from the root of its file system. */
	in = dentry_path_raw(dentry, rel, PATH_MAX);
	dput(dentry);
	if (IS_ERR(in))
		return NULL;
	for (line = mountinfo; *line; line = *p ? p + 1 : p) {
		unsigned int major, minor;
		char *path;

		p = strchrnul(line, '\n');
		/* "ID PARENT MAJOR:MINOR ROOT MOUNTPOINT ..." */
		if (sscanf(line, "%*u %*u %u:%u ", &major, &minor) != 2 ||
		    MKDEV(major, minor) != inode->i_sb->s_dev)
			continue;
		line = strchr(line, ':');
		line = strchr(line, ' ');
		if (!line || line > p || !cryo_mountinfo_field(&line, root) ||
		    !cryo_mountinfo_field(&line, mnt))
			continue;
		rlen = strcmp(root, "/") ? strlen(root) : 0;
		if (strncmp(in, root, rlen) || (in[rlen] && in[rlen] != '/'))
			continue;
		path = kasprintf(GFP_KERNEL, "%s%s",
				 strcmp(mnt, "/") || !in[rlen] ? mnt : "",
				 in + rlen);
		if (!path)
			return NULL;
		if (strlen(path) < PATH_MAX && cryo_inotify_leads_to(path, inode))
			return path;
		kfree(path);
	}
	return NULL;
}

static int cryo_inotify_cmp(const void *a, const void *b)
{
	const struct cryo_inotify_saved *x = a, *y = b;

	return x->rec.wd < y->rec.wd ? -1 : x->rec.wd > y->rec.wd;
}

static void cryo_inotify_free_saved(struct cryo_inotify_saved *w,
				    unsigned int n)
{
	unsigned int i;

	for (i = 0; w && i < n; i++)
		kfree(w[i].path);
	kvfree(w);
}

/*
 * The watches of @file, each with its path, ascending descriptors; or the
 * reason it cannot be saved in *@why (-EOPNOTSUPP).
 */
static int cryo_inotify_read(struct file *file,
			     struct cryo_inotify_saved **out,
			     unsigned int *nr, u32 *why)
{
	struct fsnotify_group *group = file->private_data;
	struct cryo_inotify_saved *w = NULL;
	struct cryo_inotify_mark *m = NULL;
	char *mountinfo = NULL, *bufs = NULL;
	unsigned int n = 0, i;
	unsigned int queued;
	int ret;

	*why = CRYO_REFUSAL_NONE;
	spin_lock(&group->notification_lock);
	queued = group->q_len;
	spin_unlock(&group->notification_lock);
	if (queued) {
		*why = CRYO_REFUSAL_INOTIFY_QUEUE;
		return -EOPNOTSUPP;
	}
	ret = cryo_inotify_marks(file, &m, &n);
	if (ret == -E2BIG)
		*why = CRYO_REFUSAL_INOTIFY_WD;
	if (ret)
		return ret == -E2BIG ? -EOPNOTSUPP : ret;
	for (i = 0; i < n; i++)
		if (!m[i].wd || m[i].wd > CRYO_INOTIFY_WD_MAX ||
		    (m[i].mask & ~CRYO_INOTIFY_MASK)) {
			pr_info("inotify watch %u (mask %#x): descriptor above %u, or a mask not known\n",
				m[i].wd, m[i].mask, CRYO_INOTIFY_WD_MAX);
			*why = CRYO_REFUSAL_INOTIFY_WD;
			ret = -EOPNOTSUPP;
			goto out;
		}
	w = kvcalloc(max(n, 1U), sizeof(*w), GFP_KERNEL_ACCOUNT);
	bufs = kmalloc(3 * PATH_MAX, GFP_KERNEL);
	if (!w || !bufs) {
		ret = -ENOMEM;
		goto out;
	}
	if (n) {
		mountinfo = cryo_inotify_mountinfo();
		if (IS_ERR(mountinfo)) {
			ret = PTR_ERR(mountinfo);
			mountinfo = NULL;
			pr_info("inotify: /proc/self/mountinfo cannot be read (error %d): no watch has a path\n",
				-ret);
			*why = CRYO_REFUSAL_INOTIFY_PATH;
			ret = -EOPNOTSUPP;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		struct inode *inode = cryo_inotify_inode(group, m[i].ino,
							 m[i].sdev);

		w[i].rec.wd = m[i].wd;
		w[i].rec.mask = m[i].mask;
		w[i].rec.ino = m[i].ino;
		w[i].rec.dev = new_encode_dev(m[i].sdev);
		if (inode) {
			w[i].path = cryo_inotify_path(inode, mountinfo, bufs,
						      bufs + PATH_MAX,
						      bufs + 2 * PATH_MAX);
			iput(inode);
		}
		if (!w[i].path) {
			pr_info("inotify watch %u (inode %lu): no path the freezer can reach it by\n",
				m[i].wd, m[i].ino);
			*why = CRYO_REFUSAL_INOTIFY_PATH;
			ret = -EOPNOTSUPP;
			goto out;
		}
		w[i].rec.name_len = strlen(w[i].path);
	}
	sort(w, n, sizeof(*w), cryo_inotify_cmp, NULL);
out:
	kfree(bufs);
	kvfree(mountinfo);
	kvfree(m);
	if (ret) {
		cryo_inotify_free_saved(w, n);
		return ret;
	}
	*out = w;
	*nr = n;
	return 0;
}

/* ---- the freeze ---------------------------------------------------------- */

static u32 cryo_inotify_refuse(struct file *file)
{
	struct cryo_inotify_saved *w;
	unsigned int n;
	u32 why;

	/* Other errors (ENOMEM) come back when the record is made. */
	if (!cryo_inotify_read(file, &w, &n, &why))
		cryo_inotify_free_saved(w, n);
	return why;
}

static int cryo_inotify_state(struct file *file,
			      struct cryo_image_file_state *s)
{
	/* args[0], the number of watches, is filled by ->save(). */
	s->flags = 0;
	return 0;
}

static int cryo_inotify_save(struct cryo_image *img, struct cryo_seen *seen,
			     struct file *file, struct cryo_file_out *out)
{
	struct cryo_files_save *fs = &img->fdt;
	u32 why;
	int ret;

	if (out->flags & CRYO_FILE_LOST)
		return 0;
	ret = cryo_inotify_read(file, &fs->watches, &fs->nr_watches, &why);
	/* Refused before the freeze went on; changed since: give up. */
	if (ret == -EOPNOTSUPP)
		return -ESTALE;
	if (ret)
		return ret;
	fs->next_watch = 0;
	fs->state.args[0] = fs->nr_watches;
	return 0;
}

/**
 * cryo_inotify_save_watch() - stage the next INOTIFY_WATCH record
 * @img: the image, its current description an inotify with watches left
 *
 * Return: true while more are left to stage.
 */
bool cryo_inotify_save_watch(struct cryo_image *img)
{
	struct cryo_files_save *fs = &img->fdt;
	struct cryo_inotify_saved *w = &fs->watches[fs->next_watch++];
	struct cryo_image_inotify_watch *r;

	r = cryo_record_start(img, CRYO_REC_INOTIFY_WATCH,
			      sizeof(*r) + w->rec.name_len);
	*r = w->rec;
	r->id = fs->cur_id;
	memcpy(r + 1, w->path, w->rec.name_len);
	cryo_record_finish(img);
	if (fs->next_watch < fs->nr_watches)
		return true;
	cryo_inotify_save_end(fs);
	return false;
}

/* The current description's watches are out, or given up. */
void cryo_inotify_save_end(struct cryo_files_save *fs)
{
	cryo_inotify_free_saved(fs->watches, fs->nr_watches);
	fs->watches = NULL;
	fs->nr_watches = 0;
	fs->next_watch = 0;
}

/* ---- the thaw ------------------------------------------------------------ */

static int cryo_inotify_check_state(struct cryo_thawing *t,
				    struct cryo_thaw_file *f)
{
	const struct cryo_image_file_state *s = &f->state;
	int ret;

	if (s->flags || s->args[0] > CRYO_INOTIFY_WATCHES_MAX || s->args[1] ||
	    s->args[2] || s->args[3] || s->args[4] || s->args[5])
		return cryo_file_bad(t, "FILE_STATE %u: bad inotify flags or number of watches",
				     s->id);
	if (!s->args[0])
		return 0;
	ret = cryo_thaw_hold(t, s->args[0] * sizeof(*f->watches));
	if (ret)
		return ret;
	f->watches = kvcalloc(s->args[0], sizeof(*f->watches),
			      GFP_KERNEL_ACCOUNT);
	if (!f->watches)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	return 0;
}

/**
 * cryo_inotify_watch_load() - an INOTIFY_WATCH record, for the last FILE
 * @t: the thaw
 * @rec: the record, its payload in t->in->buf
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_inotify_watch_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_files_shared *ft = &t->tree->files;
	const struct cryo_image_inotify_watch *r = t->in->buf;
	struct cryo_inotify_watch *w;
	struct cryo_thaw_file *f;
	int ret;

	if (t->hdr.minor < 9)
		return cryo_file_bad(t, "INOTIFY_WATCH: in a format 2.%u image",
				     t->hdr.minor);
	if (rec->len < sizeof(*r) || !r->name_len || r->name_len >= PATH_MAX ||
	    rec->len != sizeof(*r) + r->name_len)
		return cryo_file_bad(t, "INOTIFY_WATCH: bad length %u", rec->len);
	if (!ft->nr_files || r->id != ft->nr_files)
		return cryo_file_bad(t, "INOTIFY_WATCH %u: not for the last FILE",
				     r->id);
	f = &ft->files[ft->nr_files - 1];
	if (f->rec.kind != CRYO_FILE_INOTIFY || !f->has_state ||
	    f->nr_watches >= f->state.args[0])
		return cryo_file_bad(t, "INOTIFY_WATCH %u: one its FILE (kind %u) does not have",
				     r->id, f->rec.kind);
	if (r->__reserved || r->__reserved2 || r->wd < 1 ||
	    r->wd > CRYO_INOTIFY_WD_MAX || (r->mask & ~CRYO_INOTIFY_MASK) ||
	    (f->nr_watches && r->wd <= f->watches[f->nr_watches - 1].rec.wd))
		return cryo_file_bad(t,
				     "INOTIFY_WATCH %u: bad descriptor %d, mask %#x or reserved field",
				     r->id, r->wd, r->mask);
	ret = cryo_thaw_hold(t, r->name_len + 1);
	if (ret)
		return ret;
	w = &f->watches[f->nr_watches];
	w->name = kmemdup_nul((const char *)(r + 1), r->name_len, GFP_KERNEL);
	if (!w->name)
		return cryo_thaw_fail(t, -ENOMEM, "out of memory");
	w->rec = *r;
	f->nr_watches++;
	if (strlen(w->name) != r->name_len || w->name[0] != '/')
		return cryo_file_bad(t, "INOTIFY_WATCH %u: watch %d: not an absolute path",
				     r->id, r->wd);
	return 0;
}

/**
 * cryo_inotify_complete() - has inotify @f all its INOTIFY_WATCH records?
 * @t: the thaw, the section read up to its pages
 * @f: a description of the image
 *
 * Return: 0, or -EBADMSG with the thaw failed.
 */
int cryo_inotify_complete(struct cryo_thawing *t, struct cryo_thaw_file *f)
{
	if (f->rec.kind != CRYO_FILE_INOTIFY || !f->has_state ||
	    f->nr_watches == f->state.args[0])
		return 0;
	return cryo_file_bad(t, "FILE %u: %u of %llu INOTIFY_WATCH records",
			     f->rec.id, f->nr_watches, f->state.args[0]);
}

/*
 * Planned: every watch's inode looked up by its path under the restored
 * process's credentials, which must be allowed to read it, as
 * inotify_add_watch(2) requires.  The library adds the watches with its
 * own; the inodes held here are the ones its watches must be on.
 */
static int cryo_inotify_restore(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_thaw_file *f = &t->tree->files.files[idx];
	const struct cred *cred = cryo_creds_open_cred(t), *old;
	unsigned int i;
	int ret = 0;

	if (IS_ERR(cred))
		return PTR_ERR(cred);
	old = override_creds(cred);
	for (i = 0; !ret && i < f->nr_watches; i++) {
		struct cryo_inotify_watch *w = &f->watches[i];
		struct inode *inode;

		ret = kern_path(w->name, 0, &w->path);
		if (ret) {
			w->path.dentry = NULL;
			ret = cryo_thaw_fail(t, ret,
					     "FILE %u (inotify): watch %d on %s: cannot look it up (error %d)",
					     idx + 1, w->rec.wd, w->name, -ret);
			break;
		}
		inode = d_inode(w->path.dentry);
		if (cryo_boot_same(t->hdr.boot_id) &&
		    (new_encode_dev(inode->i_sb->s_dev) != w->rec.dev ||
		     inode->i_ino != w->rec.ino)) {
			ret = cryo_thaw_fail(t, -ESTALE,
					     "FILE %u (inotify): watch %d on %s: not the file watched (another inode)",
					     idx + 1, w->rec.wd, w->name);
			break;
		}
		ret = inode_permission(cryo_mnt_map(w->path.mnt), inode,
				       MAY_READ);
		if (ret)
			ret = cryo_thaw_fail(t, ret,
					     "FILE %u (inotify): watch %d on %s: the restored process may not read it (error %d)",
					     idx + 1, w->rec.wd, w->name, -ret);
	}
	revert_creds(old);
	return ret ?: cryo_object_restore(t, idx);
}

static int cryo_inotify_wd_cmp(const void *key, const void *elt)
{
	u32 wd = *(const u32 *)key;
	const struct cryo_inotify_watch *w = elt;

	return wd < (u32)w->rec.wd ? -1 : wd > (u32)w->rec.wd;
}

/* The library's inotify must have exactly the image's watches. */
static int cryo_inotify_adopt(struct cryo_thawing *t, struct cryo_thaw_file *f,
			      struct file *file)
{
	struct cryo_inotify_mark *m;
	unsigned int n, i;
	int ret;

	if (!cryo_inotify_match(file))
		return cryo_thaw_fail(t, -EINVAL, "FILE %u: the caller's object is not an inotify",
				      f->rec.id);
	ret = cryo_inotify_marks(file, &m, &n);
	if (ret)
		return cryo_thaw_fail(t, ret == -E2BIG || ret == -EIO ? -EINVAL : ret,
				      "FILE %u: the caller's inotify cannot be read (error %d)",
				      f->rec.id, -ret);
	if (n != f->nr_watches) {
		ret = cryo_thaw_fail(t, -EINVAL,
				     "FILE %u: the caller's inotify has %u watches, the image %u",
				     f->rec.id, n, f->nr_watches);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct cryo_inotify_watch *w;
		struct inode *inode;

		w = bsearch(&m[i].wd, f->watches, f->nr_watches,
			    sizeof(*w), cryo_inotify_wd_cmp);
		inode = w && w->path.dentry ? d_inode(w->path.dentry) : NULL;
		if (!inode || m[i].mask != w->rec.mask ||
		    m[i].ino != inode->i_ino || m[i].sdev != inode->i_sb->s_dev) {
			ret = cryo_thaw_fail(t, -EINVAL,
					     "FILE %u: the caller's inotify watch %u (inode %lu, mask %#x) is not the image's",
					     f->rec.id, m[i].wd, m[i].ino,
					     m[i].mask);
			goto out;
		}
	}
out:
	kvfree(m);
	return ret;
}

/* The thaw is over: the watches of @f are let go. */
void cryo_inotify_release(struct cryo_thaw_file *f)
{
	unsigned int i;

	for (i = 0; f->watches && i < f->nr_watches; i++) {
		if (f->watches[i].path.dentry)
			path_put(&f->watches[i].path);
		kfree(f->watches[i].name);
	}
	kvfree(f->watches);
	f->watches = NULL;
	f->nr_watches = 0;
}

/**
 * cryo_inotify_thaw_watch() - CRYO_IOC_THAW_INOTIFY: a watch of an
 * inotify the caller makes
 * @s: the session
 * @arg: the call
 *
 * Return: 0, -ENOENT (no such inotify object or watch), -EPERM (not the
 * caller of CRYO_IOC_THAW), -ENAMETOOLONG, -EFAULT.
 */
int cryo_inotify_thaw_watch(struct cryo_session *s, struct cryo_thaw_inotify *arg)
{
	struct cryo_thaw_tree *tree = s->thaw;
	const struct cryo_inotify_watch *w;
	struct cryo_files_shared *ft;
	struct cryo_thaw_file *f;

	lockdep_assert_held(&s->lock);
	if (!tree || tree->remap_only)
		return -ENOENT;
	if (cryo_claimer_differs(tree->cred, false))
		return -EPERM;
	ft = &tree->files;
	if (!arg->file_id || arg->file_id > ft->nr_files)
		return -ENOENT;
	f = &ft->files[arg->file_id - 1];
	if (f->rec.kind != CRYO_FILE_INOTIFY || f->object < 0 ||
	    arg->index >= f->nr_watches)
		return -ENOENT;
	w = &f->watches[arg->index];
	if (arg->path_len <= w->rec.name_len)
		return -ENAMETOOLONG;
	if (copy_to_user(u64_to_user_ptr(arg->path), w->name,
			 w->rec.name_len + 1))
		return -EFAULT;
	arg->wd = w->rec.wd;
	arg->mask = w->rec.mask;
	arg->name_len = w->rec.name_len;
	return 0;
}

const struct cryo_file_ops cryo_inotify_ops = {
	.kind		= CRYO_FILE_INOTIFY,
	.name		= "inotify",
	.match		= cryo_inotify_match,
	.refuse		= cryo_inotify_refuse,
	.save		= cryo_inotify_save,
	.restore	= cryo_inotify_restore,
	.state		= cryo_inotify_state,
	.check_state	= cryo_inotify_check_state,
	.adopt		= cryo_inotify_adopt,
};
