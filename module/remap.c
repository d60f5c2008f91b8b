// SPDX-License-Identifier: GPL-2.0
/*
 * CRYO_IOC_REMAP: the caller's own address space reshaped to a layout,
 * with no contents.  The VMA records are read and their files opened
 * and checked first (mm/vma.c), as for a thaw; only then is anything
 * unmapped.
 */
#include "cryo.h"

#include <linux/lockdep.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "session.h"
#include "thaw.h"
#include "thawing.h"
#include "mm/mm.h"
#include "files/files.h"
#include "image/stream.h"

int cryo_remap(struct cryo_session *s, struct cryo_remap *a)
{
	struct cryo_thawing *t;
	int ret;

	lockdep_assert_held(&s->lock);
	if (s->img || s->thaw)
		return -EALREADY;
	if (a->__reserved)
		return -EINVAL;
	if (!current->mm)
		return -EINVAL;
	t = cryo_thaw_new(s, true, 0);
	if (!t)
		return -ENOMEM;
	if (get_nr_threads(current) != 1)
		ret = cryo_thaw_fail(t, -EBUSY, "the caller has other threads");
	else
		ret = cryo_check_fresh(t);
	if (!ret)
		ret = cryo_stream_open(t, a->image_fd);
	if (!ret)
		ret = cryo_thaw_load(t);
	if (!ret)
		ret = cryo_vma_open_files(t);
	if (!ret)
		ret = cryo_stub_check(t, a->keep_start, a->keep_len);
	if (ret) {
		cryo_thaw_set_state(t, CRYO_THAW_FAILED);
		return ret;
	}

	/* ---- the point of no return ---- */
	t->leader = get_task_struct(current);
	t->leader_pid = get_pid(task_tgid(current));
	cryo_thaw_set_state(t, CRYO_THAW_RESTORING);
	cryo_forget_user_state();
	ret = cryo_vma_restore(t, a->keep_start, a->keep_len);
	if (ret)
		return cryo_thaw_kill(t, ret);
	cryo_thaw_set_state(t, CRYO_THAW_DONE);
	return 0;
}
