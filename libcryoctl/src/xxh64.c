// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * XXH64, the hash behind every image record's checksum (see
 * cryoctl_record_crc()), written from the published specification
 * (xxhash.com, "xxHash fast digest algorithm", XXH64).  Streaming, so
 * that a record's header and payload can be fed separately.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <endian.h>

#include "internal.h"

#define P1	0x9E3779B185EBCA87ULL
#define P2	0xC2B2AE3D27D4EB4FULL
#define P3	0x165667B19E3779F9ULL
#define P4	0x85EBCA77C2B2AE63ULL
#define P5	0x27D4EB2F165667C5ULL

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t round64(uint64_t acc, uint64_t lane)
{
	acc += lane * P2;
	acc = rotl(acc, 31);
	return acc * P1;
}

static uint64_t merge64(uint64_t acc, uint64_t v)
{
	acc ^= round64(0, v);
	return acc * P1 + P4;
}

void cryo_xxh64_init(struct cryo_xxh64 *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->v[0] = seed + P1 + P2;
	s->v[1] = seed + P2;
	s->v[2] = seed;
	s->v[3] = seed - P1;
	s->seed = seed;
}

static void stripe(struct cryo_xxh64 *s, const unsigned char *p)
{
	int i;

	for (i = 0; i < 4; i++)
		s->v[i] = round64(s->v[i], get64(p + 8 * i));
}

void cryo_xxh64_update(struct cryo_xxh64 *s, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t n;

	s->total += len;
	if (s->fill) {
		n = 32 - s->fill;
		if (n > len)
			n = len;
		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill < 32)
			return;
		stripe(s, s->buf);
		s->fill = 0;
	}
	for (; len >= 32; p += 32, len -= 32)
		stripe(s, p);
	memcpy(s->buf, p, len);
	s->fill = len;
}

uint64_t cryo_xxh64_final(const struct cryo_xxh64 *s)
{
	const unsigned char *p = s->buf;
	size_t len = s->fill;
	uint64_t h;

	if (s->total >= 32) {
		h = rotl(s->v[0], 1) + rotl(s->v[1], 7) + rotl(s->v[2], 12) +
		    rotl(s->v[3], 18);
		h = merge64(h, s->v[0]);
		h = merge64(h, s->v[1]);
		h = merge64(h, s->v[2]);
		h = merge64(h, s->v[3]);
	} else {
		h = s->seed + P5;
	}
	h += s->total;
	for (; len >= 8; p += 8, len -= 8) {
		h ^= round64(0, get64(p));
		h = rotl(h, 27) * P1 + P4;
	}
	if (len >= 4) {
		h ^= (uint64_t)get32(p) * P1;
		h = rotl(h, 23) * P2 + P3;
		p += 4;
		len -= 4;
	}
	for (; len; p++, len--) {
		h ^= *p * P5;
		h = rotl(h, 11) * P1;
	}
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}
