// SPDX-License-Identifier: GPL-2.0
/*
 * cryo: process checkpoint/restore in the kernel.
 *
 * This file only wires the parts together: an init ladder, and an exit
 * that undoes it in exactly the reverse order.
 */
#include "cryo.h"

#include <linux/init.h>
#include <linux/module.h>
#include <linux/cryo.h>

#include "device.h"
#include "netlink.h"
#include "thaw.h"
#include "image/boot.h"

static int __init cryo_init(void)
{
	int ret;

	cryo_boot_init();
	ret = cryo_netlink_init(cryo_thaw_view);
	if (ret)
		return ret;
	ret = cryo_device_init();
	if (ret)
		goto out_netlink;

	pr_info("ABI %d.%d loaded\n", CRYO_ABI_MAJOR, CRYO_ABI_MINOR);
	return 0;

out_netlink:
	cryo_netlink_uninit();
	return ret;
}

static void __exit cryo_exit(void)
{
	cryo_device_uninit();
	/*
	 * A parked or thawed thread's task_work drops its module reference
	 * just before returning through our code: let every such return
	 * finish.
	 */
	synchronize_rcu_tasks();
	cryo_netlink_uninit();
}

module_init(cryo_init);
module_exit(cryo_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The cryo developers");
MODULE_DESCRIPTION("Process checkpoint/restore in the kernel");
MODULE_VERSION("1.0");
