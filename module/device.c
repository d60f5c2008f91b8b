// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/cryo misc device: one session per open file.
 *
 * The file_operations carry THIS_MODULE as owner, so every open file
 * holds a module reference and the module cannot be unloaded under it.
 */
#include "cryo.h"

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/cryo.h>
#include <linux/cryo_netlink.h>

#include "device.h"
#include "freeze.h"
#include "ioctl.h"
#include "netlink.h"
#include "session.h"
#include "thaw.h"

static int cryo_open(struct inode *inode, struct file *filp)
{
	struct cryo_session *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	cryo_nl_session_open(&s->nl);
	filp->private_data = s;
	/* The image is a stream: no seeking, no pread. */
	return stream_open(inode, filp);
}

static ssize_t cryo_read(struct file *filp, char __user *buf, size_t count,
			 loff_t *ppos)
{
	struct cryo_session *s = filp->private_data;
	ssize_t ret;

	if (mutex_lock_killable(&s->lock))
		return -EINTR;
	ret = cryo_freeze_read(s, buf, count);
	cryo_freeze_report_read(s, ret);
	mutex_unlock(&s->lock);
	return ret;
}

static int cryo_release(struct inode *inode, struct file *filp)
{
	struct cryo_session *s = filp->private_data;
	bool gone, held = cryo_freeze_held(s, &gone);

	/* The last close: nobody else can hold the lock. */
	cryo_nl_session_close(&s->nl, held, gone);
	if (s->thaw)
		cryo_thaw_report(s->thaw, true);
	cryo_freeze_end(s);
	cryo_thaw_end(s);
	cryo_nl_session_free(&s->nl);
	mutex_destroy(&s->lock);
	kfree(s);
	return 0;
}

const struct file_operations cryo_fops = {
	.owner		= THIS_MODULE,
	.open		= cryo_open,
	.release	= cryo_release,
	.read		= cryo_read,
	.splice_read	= cryo_splice_read,
	.unlocked_ioctl	= cryo_ioctl,
};

static struct miscdevice cryo_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= CRYO_DEVICE_NAME,
	.fops	= &cryo_fops,
	/* Root only by default; packaging grants a group through udev. */
	.mode	= 0600,
};

int cryo_device_init(void)
{
	return misc_register(&cryo_miscdev);
}

void cryo_device_uninit(void)
{
	misc_deregister(&cryo_miscdev);
}
