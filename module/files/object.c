// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptions the library makes: eventfds, signalfds, timerfds, and
 * any kind whose constructor a module cannot call.
 *
 * At the freeze such a description gets, after its FILE record, a
 * FILE_STATE record with what its kind needs to make it again (the
 * kind's ->state()).  At the thaw the record is checked by the kind
 * (->check_state()), and each description some fd of a member needs is
 * an "object": CRYO_IOC_THAW (or CRYO_IOC_THAW_MEMBER) tells the library
 * which to make and how (struct cryo_thaw_object, cryo_object_out()), as
 * it tells how many pipes; the library makes each with the ordinary
 * system call and its own credentials, sets its state, and hands the
 * fds to CRYO_IOC_THAW_RESTORE, where, before the point of no return,
 * the kind checks each against the image (->adopt(): its kind, and its
 * state read back as /proc's fdinfo shows it).  A description is one
 * object whatever number of fds and members share it: the member whose
 * section needs it first has it made, later members take it from there,
 * as they take pipes.
 */
#include "cryo.h"

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "thawing.h"
#include "files/file.h"
#include "files/files.h"

/**
 * cryo_file_state_load() - a FILE_STATE record, for the last FILE
 * @t: the thaw
 * @rec: the record, its payload in t->in->buf
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_file_state_load(struct cryo_thawing *t, const struct cryo_rec *rec)
{
	struct cryo_files_shared *ft = &t->tree->files;
	struct cryo_image_file_state *s = t->in->buf;
	const struct cryo_file_ops *ops;
	struct cryo_thaw_file *f;

	if (t->hdr.minor < 8)
		return cryo_file_bad(t, "FILE_STATE: in a format 2.%u image",
				     t->hdr.minor);
	if (rec->len != sizeof(*s))
		return cryo_file_bad(t, "FILE_STATE: bad length %u", rec->len);
	if (!ft->nr_files || s->id != ft->nr_files)
		return cryo_file_bad(t, "FILE_STATE %u: not for the last FILE",
				     s->id);
	f = &ft->files[ft->nr_files - 1];
	ops = cryo_file_ops_of(f->rec.kind);
	if (f->has_state || s->kind != f->rec.kind || s->__reserved ||
	    (f->rec.flags & CRYO_FILE_LOST) || !ops->check_state)
		return cryo_file_bad(t, "FILE_STATE %u: not one its FILE (kind %u) has",
				     s->id, f->rec.kind);
	f->state = *s;
	f->has_state = true;
	return ops->check_state(t, f);
}

/**
 * cryo_object_restore() - ->restore() of a kind the library makes
 * @t: the member
 * @idx: the description, which some fd of this member needs
 *
 * Counted as one of this member's objects, unless an earlier member's
 * it is.
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_object_restore(struct cryo_thawing *t, unsigned int idx)
{
	struct cryo_files_shared *ft = &t->tree->files;
	struct cryo_thaw_file *f = &ft->files[idx];

	if (f->object >= 0)
		return 0;
	if (t->fdt.nr_objects >= CRYO_THAW_OBJECTS_MAX)
		return cryo_thaw_fail(t, -EFBIG,
				      "more than %u descriptions to make (eventfds, timerfds ...)",
				      CRYO_THAW_OBJECTS_MAX);
	if (!t->fdt.nr_objects)
		t->fdt.first_object = ft->nr_objects;
	f->object = ft->nr_objects++;
	t->fdt.nr_objects++;
	return 0;
}

/* Is @f one of this member's objects? */
static bool cryo_object_own(const struct cryo_thawing *t,
			    const struct cryo_thaw_file *f)
{
	return f->object >= (int)t->fdt.first_object &&
	       f->object < (int)(t->fdt.first_object + t->fdt.nr_objects);
}

/**
 * cryo_object_out() - the objects of a member, for the library
 * @t: the member, planned
 * @arg: the CRYO_IOC_THAW or CRYO_IOC_THAW_MEMBER call
 *
 * Return: 0, or -errno with the thaw failed: a caller that cannot make
 * them (an older struct cryo_thaw) or has no room for them.
 */
int cryo_object_out(struct cryo_thawing *t, struct cryo_thaw *arg)
{
	struct cryo_thaw_object __user *u = u64_to_user_ptr(arg->objects);
	struct cryo_files_shared *ft = &t->tree->files;
	unsigned int n = t->fdt.nr_objects, i;

	arg->nr_objects = n;
	if (!n)
		return 0;
	if (arg->size < CRYO_THAW_SIZE_VER3)
		return cryo_thaw_fail(t, -EOPNOTSUPP,
				      "the image needs %u eventfds, signalfds or timerfds; this caller (struct cryo_thaw of %u bytes) cannot make them",
				      n, arg->size);
	if (arg->objects_len < n)
		return cryo_thaw_fail(t, -ENOSPC,
				      "the image needs %u descriptions made, the caller has room for %u",
				      n, arg->objects_len);
	for (i = 0; i < ft->nr_files; i++) {
		const struct cryo_thaw_file *f = &ft->files[i];
		const struct cryo_file_ops *ops = cryo_file_ops_of(f->rec.kind);
		struct cryo_thaw_object o = {
			.file_id = i + 1, .kind = f->rec.kind,
		};

		if (!cryo_object_own(t, f))
			continue;
		if (ops->object) {
			ops->object(f, &o);
		} else {
			o.flags = f->state.flags | (f->rec.open_flags & O_NONBLOCK);
			memcpy(o.args, f->state.args, sizeof(o.args));
		}
		if (copy_to_user(u + (f->object - t->fdt.first_object), &o,
				 sizeof(o)))
			return cryo_thaw_fail(t, -EFAULT, "bad objects buffer");
	}
	return 0;
}

/**
 * cryo_object_attach() - the library's objects become the image's
 * @t: the member, in CRYO_IOC_THAW_RESTORE before the point of no return
 * @a: the call: an fd per object, in the order cryo_object_out() gave
 *
 * Return: 0, or -errno with the thaw failed.
 */
int cryo_object_attach(struct cryo_thawing *t, struct cryo_thaw_restore *a)
{
	struct cryo_files_shared *ft = &t->tree->files;
	unsigned int n = t->fdt.nr_objects, i;
	s32 *fds;
	int ret = 0;

	if (a->__reserved2)
		return cryo_thaw_fail(t, -EINVAL, "reserved fields not zero");
	if (a->nr_objects != n)
		return cryo_thaw_fail(t, -EINVAL, "%u objects given, %u needed",
				      a->nr_objects, n);
	if (!n)
		return 0;
	fds = memdup_user(u64_to_user_ptr(a->objects), n * sizeof(s32));
	if (IS_ERR(fds))
		return cryo_thaw_fail(t, PTR_ERR(fds), "bad objects array");
	for (i = 0; !ret && i < ft->nr_files; i++) {
		struct cryo_thaw_file *f = &ft->files[i];
		const struct cryo_file_ops *ops = cryo_file_ops_of(f->rec.kind);
		s32 fd;
		struct file *file;

		if (!cryo_object_own(t, f) || f->file)
			continue;
		fd = fds[f->object - t->fdt.first_object];
		file = fget(fd);
		if (!file) {
			ret = cryo_thaw_fail(t, -EINVAL,
					     "FILE %u (%s): fd %d of the caller is no open file",
					     i + 1, f->name, fd);
			break;
		}
		ret = ops->adopt(t, f, file);
		if (ret) {
			fput(file);
			break;
		}
		/* Its status flags are the image's, as for a pipe. */
		spin_lock(&file->f_lock);
		file->f_flags = (file->f_flags & ~O_NONBLOCK) |
				(f->rec.open_flags & O_NONBLOCK);
		spin_unlock(&file->f_lock);
		f->file = file;
	}
	kfree(fds);
	return ret;
}
