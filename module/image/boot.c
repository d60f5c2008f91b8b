// SPDX-License-Identifier: GPL-2.0
/*
 * Which boot of which machine an image comes from: the HEADER records the
 * boot id of the freezing machine, and a thaw compares it with its own
 * (device and inode numbers name a file only within one boot).
 */
#include "cryo.h"

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/uuid.h>

#include "image/boot.h"

static u8 cryo_boot_id[16];

/* The boot id, read once when the module is loaded; zero if unknown. */
void cryo_boot_init(void)
{
	char buf[UUID_STRING_LEN + 2] = "";
	struct file *f;
	loff_t pos = 0;
	uuid_t id;
	ssize_t n;

	f = filp_open("/proc/sys/kernel/random/boot_id", O_RDONLY, 0);
	if (IS_ERR(f))
		goto unknown;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	fput(f);
	if (n < UUID_STRING_LEN)
		goto unknown;
	buf[UUID_STRING_LEN] = '\0';
	if (uuid_parse(buf, &id))
		goto unknown;
	memcpy(cryo_boot_id, &id, sizeof(cryo_boot_id));
	return;
unknown:
	pr_info("boot id unknown: files are matched by type, size and mtime only\n");
}

void cryo_boot_get(u8 id[16])
{
	memcpy(id, cryo_boot_id, sizeof(cryo_boot_id));
}

bool cryo_boot_same(const u8 id[16])
{
	return memchr_inv(cryo_boot_id, 0, sizeof(cryo_boot_id)) &&
	       !memcmp(id, cryo_boot_id, sizeof(cryo_boot_id));
}
