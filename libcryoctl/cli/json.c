// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cryoctl's JSON writer (json.h): the commas, indentation and string
 * escapes of every --json output, in one place.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

void j_begin(struct json *j, bool compact)
{
	memset(j, 0, sizeof(*j));
	j->compact = compact;
	j->depth = 1;
	putchar('{');
}

void j_end(struct json *j)
{
	j_close(j, '}');
	putchar('\n');
}

static void j_indent(struct json *j)
{
	if (j->compact)
		fputs(j->need_comma ? "," : "", stdout);
	else
		printf("%s\n%*s", j->need_comma ? "," : "", j->depth * 2, "");
	j->need_comma = true;
}

void j_key(struct json *j, const char *key)
{
	j_indent(j);
	if (key)
		printf(j->compact ? "\"%s\":" : "\"%s\": ", key);
}

void j_open(struct json *j, const char *key, char c)
{
	j_key(j, key);
	putchar(c);
	j->depth++;
	j->need_comma = false;
}

void j_close(struct json *j, char c)
{
	j->depth--;
	if (j->need_comma && !j->compact)
		printf("\n%*s", j->depth * 2, "");
	putchar(c);
	j->need_comma = true;
}

void j_u64(struct json *j, const char *key, uint64_t v)
{
	j_key(j, key);
	printf("%llu", (unsigned long long)v);
}

void j_s64(struct json *j, const char *key, int64_t v)
{
	j_key(j, key);
	printf("%lld", (long long)v);
}

void j_hex(struct json *j, const char *key, uint64_t v)
{
	j_key(j, key);
	printf("\"0x%llx\"", (unsigned long long)v);
}

void j_lit(struct json *j, const char *key, const char *lit)
{
	j_key(j, key);
	fputs(lit, stdout);
}

void j_bool(struct json *j, const char *key, bool v)
{
	j_lit(j, key, v ? "true" : "false");
}

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

void j_str(struct json *j, const char *key, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, n = strnlen(str, max), len;

	j_key(j, key);
	putchar('"');
	for (i = 0; i < n; i += len) {
		len = j->raw_bytes ? 1 : utf8_len(s + i, n - i);
		if (!len) {
			fputs("\\ufffd", stdout);
			len = 1;
		} else if (s[i] == '"' || s[i] == '\\') {
			printf("\\%c", s[i]);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			printf("\\u%04x", s[i]);
		} else {
			fwrite(s + i, 1, len, stdout);
		}
	}
	putchar('"');
}

void j_str_or_null(struct json *j, const char *key, const char *str)
{
	if (str)
		j_str(j, key, str, SIZE_MAX);
	else
		j_lit(j, key, "null");
}

void j_flags(struct json *j, const char *key, uint64_t flags,
	     const char *const *names, size_t n)
{
	unsigned int bit;
	char tmp[24];

	j_open(j, key, '[');
	for (bit = 0; bit < 64; bit++) {
		if (!(flags & (1ULL << bit)))
			continue;
		if (bit < n) {
			j_str(j, NULL, names[bit], SIZE_MAX);
		} else {
			snprintf(tmp, sizeof(tmp), "0x%llx", 1ULL << bit);
			j_str(j, NULL, tmp, sizeof(tmp));
		}
	}
	j_close(j, ']');
}

void j_enum(struct json *j, const char *key, uint32_t v,
	    const char *const *names, size_t n)
{
	if (v < n)
		j_str(j, key, names[v], SIZE_MAX);
	else
		j_u64(j, key, v);
}
