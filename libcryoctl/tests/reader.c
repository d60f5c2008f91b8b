// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the image reader on good images: the reference image
 * record by record, every bit flipped, every cut, unknown record types,
 * the largest record.
 */
#include "unit.h"

/* ---- the reader ----------------------------------------------------------- */

void test_good(void)
{
	static const uint32_t order[] = {
		CRYO_REC_HEADER, CRYO_REC_TREE, CRYO_REC_PROCESS, CRYO_REC_GROUPS, CRYO_REC_AUXV,
		CRYO_REC_FS, CRYO_REC_SIGNALS, CRYO_REC_THREAD, CRYO_REC_THREAD,
		CRYO_REC_FILE, CRYO_REC_FD, CRYO_REC_FILE, CRYO_REC_FILE_DATA,
		CRYO_REC_FD, CRYO_REC_FD, CRYO_REC_FILE, CRYO_REC_FILE_DATA,
		CRYO_REC_FILE_DATA, CRYO_REC_FD, CRYO_REC_FD, CRYO_REC_FILE,
		CRYO_REC_FD, CRYO_REC_FILE, CRYO_REC_FD, CRYO_REC_FILE, CRYO_REC_FD,
		CRYO_REC_VMA, CRYO_REC_VMA, CRYO_REC_VMA, CRYO_REC_PAGES,
		CRYO_REC_TRAILER,
	};
	struct cryoctl_image *img = NULL;
	const struct cryo_image_header *h;
	const struct cryo_image_trailer *t;
	struct cryoctl_record rec;
	struct img m;
	int fd, ret, i;

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	CHECK(m.nr == REF_RECORDS + 1 && !memcmp(m.type, order, sizeof(order)),
	      "the reference image has the documented order (%d records)", m.nr);
	fd = feed(m.b.p, m.b.len);
	ret = cryoctl_image_open(fd, &img);
	CHECK(ret == 0, "open: %d", ret);
	h = cryoctl_image_header(img);
	CHECK(h && h->nr_threads == 2 && h->page_size == PAGE &&
	      !strcmp(h->release, "6.1.0-unit-test"), "header available after open");
	CHECK(!cryoctl_image_trailer(img), "no trailer before the end");
	for (i = 0; i < REF_RECORDS; i++) {
		ret = cryoctl_image_next(img, &rec);
		if (!CHECK(ret == 1, "record %d: next = %d (%s)", i, ret,
			   cryoctl_image_error(img, NULL, NULL)))
			break;
		CHECK(rec.type == m.type[i] && rec.index == (uint64_t)i &&
		      rec.offset == m.off[i] &&
		      rec.len == peek32(m.b.p, m.off[i] + 4) &&
		      !memcmp(rec.payload, m.b.p + m.off[i] + 16, rec.len),
		      "record %d: type %u index %llu offset %llu", i, rec.type,
		      (unsigned long long)rec.index, (unsigned long long)rec.offset);
	}
	ret = cryoctl_image_next(img, &rec);
	CHECK(ret == 0, "end of a good image: %d (%s)", ret,
	      cryoctl_image_error(img, NULL, NULL));
	t = cryoctl_image_trailer(img);
	CHECK(t && t->nr_records == REF_RECORDS && t->nr_pages == 2 &&
	      t->bytes == m.off[REF_RECORDS], "trailer counts");
	CHECK(!cryoctl_image_error(img, NULL, NULL), "no error message");
	CHECK(cryoctl_image_next(img, &rec) == 0, "0 again after the end");
	cryoctl_image_close(img);
	close(fd);

	CHECK(cryoctl_image_open(0, NULL) == -EINVAL, "open(NULL) is -EINVAL");
	cryoctl_image_close(NULL);
	free(m.b.p);
}

/* Flip each bit of each record: the reader names that record. */
void test_bitflips(void)
{
	struct result r;
	struct img m;
	size_t pos, start, end, rel, cmp;
	int rec, bit, bad;
	char want[64];

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	for (rec = 0; rec < m.nr; rec++) {
		start = m.off[rec];
		end = rec < m.nr - 1 ? m.off[rec + 1] : m.b.len;
		snprintf(want, sizeof(want), "record %d (%s) at byte %zu: ", rec,
			 cryo_rec_name(m.type[rec]), start);
		bad = 0;
		for (pos = start; pos < end; pos++) {
			rel = pos - start;
			for (bit = 0; bit < 8; bit++) {
				int expect = -EBADMSG;

				/* A damaged length may also read as truncated or too long. */
				if (rel >= 4 && rel < 8)
					expect = 0;
				/*
				 * The first record must look like an image at
				 * all, of this major (named before the checksum).
				 */
				if (rec == 0 && (rel < 4 || (rel >= 16 && rel < 26)))
					expect = -EPROTO;
				m.b.p[pos] ^= 1 << bit;
				read_image(m.b.p, m.b.len, &r);
				m.b.p[pos] ^= 1 << bit;
				/*
				 * The message names the type as read: with a
				 * damaged type field only "record N (" is sure.
				 */
				cmp = rel < 4 ? strcspn(want, "(") + 1 : strlen(want);
				if ((expect && r.ret != expect) || r.ret >= 0 ||
				    r.index != (uint64_t)rec || r.offset != start ||
				    strncmp(r.msg, want, cmp)) {
					if (!bad++)
						fprintf(stderr, "  byte %zu bit %d: ret %d, %s\n",
							pos, bit, r.ret, r.msg);
				}
			}
		}
		CHECK(!bad, "every bit flip in record %d (%s) gives an error naming it (%d wrong)",
		      rec, cryo_rec_name(m.type[rec]), bad);
	}
	/* The message, for one. */
	rec = find_rec(&m, CRYO_REC_THREAD, 0);
	m.b.p[m.off[rec] + 40] ^= 1;
	read_image(m.b.p, m.b.len, &r);
	snprintf(want, sizeof(want), "record %d (THREAD) at byte", rec);
	CHECK(r.ret == -EBADMSG && strstr(r.msg, want) &&
	      strstr(r.msg, "checksum mismatch (stored 0x"), "message: %s", r.msg);
	free(m.b.p);
}

/* Cut the stream at every byte: always -ENODATA, at the right record. */
void test_truncation(void)
{
	struct result r;
	struct img m;
	size_t len;
	int rec, last, bad_boundary = 0, bad_mid = 0;

	build_image(&m, 0, CRYO_IMAGE_MINOR);
	last = m.nr - 1;
	for (len = 0; len < m.b.len; len++) {
		for (rec = 0; rec < last && m.off[rec + 1] <= len; rec++)
			;
		read_image(m.b.p, len, &r);
		if (len == m.off[rec]) {
			if (r.ret != -ENODATA || r.index != (uint64_t)rec ||
			    r.offset != len || (rec && !strstr(r.msg, "without a trailer"))) {
				if (!bad_boundary++)
					fprintf(stderr, "  cut at %zu: ret %d, %s\n", len,
						r.ret, r.msg);
			}
		} else if (r.ret != -ENODATA || r.index != (uint64_t)rec ||
			   r.offset != m.off[rec] || !strstr(r.msg, "truncated")) {
			if (!bad_mid++)
				fprintf(stderr, "  cut at %zu: ret %d, %s\n", len, r.ret,
					r.msg);
		}
	}
	CHECK(!bad_boundary, "truncation at every record boundary is -ENODATA (%d wrong)",
	      bad_boundary);
	CHECK(!bad_mid, "truncation inside every record is -ENODATA (%d wrong)", bad_mid);
	free(m.b.p);
}

void test_unknown_types(void)
{
	struct result r;
	struct img m;
	int i;

	build_image(&m, 0x40, CRYO_IMAGE_MINOR);
	i = find_rec(&m, 0x40, 0);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == -EPROTO && r.index == (uint64_t)i &&
	      strstr(r.msg, "unknown record type"),
	      "unknown type in an image of our minor: %d %s", r.ret, r.msg);
	free(m.b.p);

	build_image(&m, 0x40, CRYO_IMAGE_MINOR + 1);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == 0 && r.nr == REF_RECORDS + 1 && r.type[i] == 0x40,
	      "unknown type in a newer image is handed out: %d %s", r.ret, r.msg);
	free(m.b.p);
}

void test_big_record(void)
{
	const uint64_t nr = (CRYO_REC_MAX_LEN - sizeof(struct cryo_image_pages)) / PAGE;
	struct result r;
	struct img m;

	memset(&m, 0, sizeof(m));
	put_header(&m, 0, CRYO_IMAGE_MINOR);
	put_vma(&m, 0x100000, 0x100000 + 2 * nr * PAGE, CRYO_VMA_READ | CRYO_VMA_WRITE,
		CRYO_VMA_ANON, 0, 0, 0, NULL);
	put_pages(&m, 0x100000, nr);
	put_pages(&m, 0x100000 + nr * PAGE, nr);
	put_trailer(&m);
	read_image(m.b.p, m.b.len, &r);
	CHECK(r.ret == 0 && r.nr == 4, "two %llu-page records through a pipe: %d %s",
	      (unsigned long long)nr, r.ret, r.msg);
	free(m.b.p);
}
