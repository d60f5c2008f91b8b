/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cryoctl's JSON writer, to stdout.
 *
 * One writer for every --json of cryoctl: 'inspect --json' prints one
 * indented object, the netlink commands (events, ps, stats) one compact
 * object per line.  The writer puts the commas, newlines and indentation;
 * its callers say what goes where.  Keys are written as given: they are
 * cryoctl's own names and need no escaping.
 */
#ifndef CRYOCTL_CLI_JSON_H
#define CRYOCTL_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * struct json - where the writer is
 * @depth: how many objects and arrays are open.
 * @need_comma: a value came before at this depth.
 * @compact: all on one line, "key":value, no spaces (the netlink commands).
 * @raw_bytes: strings' bytes go out as they are; otherwise a byte that is
 *	not part of valid UTF-8 becomes U+FFFD.  The netlink commands always
 *	printed the module's text as it came.
 */
struct json {
	int depth;
	bool need_comma;
	bool compact;
	bool raw_bytes;
};

/* Start the top-level object: "{". */
void j_begin(struct json *j, bool compact);
/* Close the top-level object and end the line. */
void j_end(struct json *j);

/* Open an object (@c '{') or an array ('['), a member of the enclosing
 * object when @key is not NULL, an element of the enclosing array if it is.
 */
void j_open(struct json *j, const char *key, char c);
void j_close(struct json *j, char c);

/* What the value functions below do first: the comma, indentation, key. */
void j_key(struct json *j, const char *key);

void j_u64(struct json *j, const char *key, uint64_t v);
void j_s64(struct json *j, const char *key, int64_t v);
/* "0x1f": 64-bit values, which JSON numbers do not hold exactly. */
void j_hex(struct json *j, const char *key, uint64_t v);
/* A literal as is: "null", "true", "false". */
void j_lit(struct json *j, const char *key, const char *lit);
void j_bool(struct json *j, const char *key, bool v);
/* A string of at most @max bytes of @str, stopping at a NUL. */
void j_str(struct json *j, const char *key, const char *str, size_t max);
/* A string, or null when @str is NULL. */
void j_str_or_null(struct json *j, const char *key, const char *str);
/*
 * An array of the names of the bits set in @flags: @names[bit] for the
 * first @n bits, "0x..." for the others.
 */
void j_flags(struct json *j, const char *key, uint64_t flags,
	     const char *const *names, size_t n);
/* @names[@v] as a string, or @v as a number from @n on. */
void j_enum(struct json *j, const char *key, uint32_t v,
	    const char *const *names, size_t n);

#endif /* CRYOCTL_CLI_JSON_H */
