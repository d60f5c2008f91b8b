// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a description's state through its ->show_fdinfo().
 *
 * eventfd, timerfd, signalfd, epoll and inotify keep their state in
 * structures defined inside their own fs/ source, and no exported function
 * reads it; what the kernel shows in /proc/PID/fdinfo is their only
 * stable, versioned view.  It is produced here into a private seq_file,
 * with the description referenced and nobody else able to see the text,
 * then parsed by key.  The text is taken whole or not at all: a buffer
 * that overflowed is grown and the description shown again, so a parser
 * never sees a line cut short.
 */
#include "cryo.h"

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "files/fdinfo.h"

/* An epoll of 10000 items is about 800 KiB of text. */
#define CRYO_FDINFO_MAX		(4UL << 20)

/**
 * cryo_fdinfo - what ->show_fdinfo() says of @file
 * @file: referenced by the caller
 * @len: out: bytes of text, not counting the NUL that ends it
 *
 * Return: the NUL-terminated text, to be kvfree()d; ERR_PTR(-EOPNOTSUPP)
 * for a file that shows nothing, -E2BIG over %CRYO_FDINFO_MAX, -ENOMEM.
 */
char *cryo_fdinfo(struct file *file, size_t *len)
{
	size_t size = PAGE_SIZE;
	struct seq_file m;

	if (!file->f_op->show_fdinfo)
		return ERR_PTR(-EOPNOTSUPP);
	for (;;) {
		memset(&m, 0, sizeof(m));
		m.buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
		if (!m.buf)
			return ERR_PTR(-ENOMEM);
		m.size = size;
		m.file = file;
		file->f_op->show_fdinfo(&m, file);
		/* seq_file marks an overflow by count == size. */
		if (m.count < m.size) {
			m.buf[m.count] = '\0';
			*len = m.count;
			return m.buf;
		}
		kvfree(m.buf);
		if (size >= CRYO_FDINFO_MAX)
			return ERR_PTR(-E2BIG);
		size *= 2;
	}
}

/**
 * cryo_fdinfo_find - the value of the line "@key:" in @text
 * @text: from cryo_fdinfo()
 * @key: the key without its colon, matched at the start of a line
 *
 * Return: the value, spaces and tabs after the colon skipped (it runs to
 * the end of the line), or NULL when no line has that key.
 */
const char *cryo_fdinfo_find(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (*line) {
		if (!strncmp(line, key, klen) && line[klen] == ':')
			return skip_spaces(line + klen + 1);
		line = strchrnul(line, '\n');
		if (*line)
			line++;
	}
	return NULL;
}

/**
 * cryo_fdinfo_u64 - the number on the line "@key:" of @text
 * @text: from cryo_fdinfo()
 * @key: as for cryo_fdinfo_find()
 * @base: 8, 10 or 16 as the kernel prints it (0: its prefix says)
 * @out: out: the value
 *
 * Return: 0, -ENOENT without such a line, -EINVAL if it does not hold
 * exactly one number (a version of the kernel that prints it otherwise).
 */
int cryo_fdinfo_u64(const char *text, const char *key, unsigned int base,
		    u64 *out)
{
	const char *v = cryo_fdinfo_find(text, key);
	char num[32];
	size_t n;

	if (!v)
		return -ENOENT;
	n = strcspn(v, " \t\n");
	if (!n || n >= sizeof(num) || (v[n] && v[n] != '\n'))
		return -EINVAL;
	memcpy(num, v, n);
	num[n] = '\0';
	return kstrtoull(num, base, out);
}

/**
 * cryo_fdinfo_anon - is @file an anonymous inode file named "[@name]"?
 * @file: referenced by the caller
 * @name: "eventfd", "timerfd", "signalfd", "eventpoll", "inotify" ...
 *
 * These kinds share one inode of anon_inodefs and differ only by the
 * name their dentry was given at creation, the name /proc shows as
 * "anon_inode:[eventfd]"; nothing a process can do renames it.
 */
bool cryo_fdinfo_anon(struct file *file, const char *name)
{
	const struct qstr *q = &file->f_path.dentry->d_name;
	size_t n = strlen(name);

	if (file_inode(file)->i_sb->s_magic != ANON_INODE_FS_MAGIC)
		return false;
	return q->len == n + 2 && q->name[0] == '[' &&
	       !memcmp(q->name + 1, name, n) && q->name[n + 1] == ']';
}
