/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record checksum (&cryo_rec.crc): the low 32 bits of XXH64, seed 0,
 * of the record header with its crc field 0, followed by the payload.
 *
 * XXH64 rather than a CRC: it reads eight bytes per step with no table
 * lookups, so it costs a fraction of a copy even where the CPU has no
 * CRC instruction (a CRC32C by table took three quarters of a freeze's
 * time in the test VM).
 */
#ifndef _CRYO_CSUM_H
#define _CRYO_CSUM_H

#include <linux/cryo.h>
#include <linux/cryo_image.h>
#include <linux/xxhash.h>

static inline void cryo_csum_start(struct xxh64_state *st,
				   const struct cryo_rec *rec)
{
	struct cryo_rec h = *rec;

	h.crc = 0;
	xxh64_reset(st, 0);
	xxh64_update(st, &h, sizeof(h));
}

static inline void cryo_csum_add(struct xxh64_state *st, const void *p,
				 size_t len)
{
	if (len)
		xxh64_update(st, p, len);
}

static inline u32 cryo_csum_end(struct xxh64_state *st)
{
	return (u32)xxh64_digest(st);
}

#endif /* _CRYO_CSUM_H */
