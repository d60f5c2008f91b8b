// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the record checksum's hashes: CRC32C and XXH64.
 */
#include "unit.h"

/* ---- CRC ------------------------------------------------------------------ */

const unsigned char zeros[4096];

void test_crc(void)
{
	const char *v = "123456789";
	uint32_t a, b;
	struct cryo_rec r = { .type = 5, .len = 4 };
	uint32_t manual;

	CHECK(~cryoctl_crc32c(~0U, v, 9) == 0xE3069283,
	      "CRC32C(\"123456789\") = 0x%08x", ~cryoctl_crc32c(~0U, v, 9));
	a = cryoctl_crc32c(~0U, v, 4);
	b = cryoctl_crc32c(a, v + 4, 5);
	CHECK(~b == 0xE3069283, "CRC32C in two pieces");
	CHECK(cryoctl_crc32c(0x1234, v, 0) == 0x1234, "empty buffer changes nothing");
	/* 32 bytes of zeros: the iSCSI test vector of RFC 3720. */
	CHECK(~cryoctl_crc32c(~0U, zeros, 32) == 0x8A9136AA,
	      "CRC32C of 32 zero bytes");

	(void)manual;
	r.crc = 0xdeadbeef;	/* ignored */
	{
		struct cryo_rec h = r;
		struct cryo_xxh64 x;

		h.crc = 0;
		cryo_xxh64_init(&x, 0);
		cryo_xxh64_update(&x, &h, 16);
		cryo_xxh64_update(&x, "abcd", 4);
		CHECK(cryoctl_record_crc(&r, "abcd") == (uint32_t)cryo_xxh64_final(&x),
		      "cryoctl_record_crc = low 32 bits of XXH64(hdr with crc 0, payload)");
	}
}

/* XXH64 against the reference implementation's results (xxhsum -H1). */
void test_xxh64(void)
{
	static const struct { const char *s; uint64_t h; } v[] = {
		{ "", 0xef46db3751d8e999ULL },
		{ "a", 0xd24ec4f1a98c6e5bULL },
		{ "abc", 0x44bc2cf5ad770999ULL },
	};
	unsigned char buf[1000];
	struct cryo_xxh64 x;
	unsigned int i, cut;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		cryo_xxh64_init(&x, 0);
		cryo_xxh64_update(&x, v[i].s, strlen(v[i].s));
		CHECK(cryo_xxh64_final(&x) == v[i].h, "XXH64(\"%s\")", v[i].s);
	}
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	/* Whole, and cut anywhere: the stream must not care. */
	for (cut = 0; cut <= sizeof(buf); cut += 37) {
		cryo_xxh64_init(&x, 0);
		cryo_xxh64_update(&x, buf, cut);
		cryo_xxh64_update(&x, buf + cut, sizeof(buf) - cut);
		CHECK(cryo_xxh64_final(&x) == 0x5f235fa033f1a3fbULL,
		      "XXH64 of 1000 bytes cut at %u", cut);
	}
}
