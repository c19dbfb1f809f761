// SPDX-License-Identifier: GPL-2.0-only
/* Whole-buffer gzip and zstd: round trips, bounds, and input that is not what it claims. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include <cmocka.h>

#include "compress.h"

#define BIG_LEN (3u << 20)

/* Deterministic, poorly compressible bytes (xorshift), so that failures reproduce. */
static void fill_random(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
}

static void fill_text(uint8_t *buf, size_t len)
{
	static const char words[] = "main;run;work;spin_loop;__libc_start_main 12\n";

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)words[i % (sizeof(words) - 1)];
}

static void assert_zstd_round_trip(const uint8_t *in, size_t len)
{
	void *z, *back;
	size_t zlen, blen;

	assert_int_equal(compress__zstd(in, len, &z, &zlen), 0);
	assert_true(compress__is_zstd(z, zlen));
	/* The frame says how large its content is: readers can size their buffer from it. */
	assert_int_equal(ZSTD_getFrameContentSize(z, zlen), len);
	/* And carries a checksum of it: Frame_Header_Descriptor bit 2. */
	assert_true(((uint8_t *)z)[4] & 0x04);
	assert_int_equal(compress__unzstd(z, zlen, len, &back, &blen), 0);
	assert_int_equal(blen, len);
	assert_non_null(back);
	assert_memory_equal(back, in, len);
	free(back);
	free(z);
}

static void test_zstd_round_trip(void **state)
{
	uint8_t *buf = malloc(BIG_LEN);

	(void)state;
	assert_non_null(buf);
	fill_text(buf, BIG_LEN);
	assert_zstd_round_trip(buf, 1);
	assert_zstd_round_trip(buf, 100);
	assert_zstd_round_trip(buf, BIG_LEN);
	fill_random(buf, BIG_LEN, 42);
	assert_zstd_round_trip(buf, 4096);
	assert_zstd_round_trip(buf, BIG_LEN);
	free(buf);
}

static void test_zstd_empty(void **state)
{
	void *z, *back;
	size_t zlen, blen = 1;

	(void)state;
	assert_int_equal(compress__zstd("", 0, &z, &zlen), 0);
	assert_true(compress__is_zstd(z, zlen));
	assert_int_equal(compress__unzstd(z, zlen, 0, &back, &blen), 0);
	assert_int_equal(blen, 0);
	assert_non_null(back);
	free(back);
	free(z);
	/* No frame at all is not an empty profile. */
	assert_int_equal(compress__unzstd("", 0, 100, &back, &blen), -EINVAL);
}

/* Frames written by a streaming compressor do not say their size: still read, and bounded. */
static void test_zstd_unknown_size(void **state)
{
	size_t len = BIG_LEN, cap = ZSTD_compressBound(len), blen;
	uint8_t *in = malloc(len), *z = malloc(cap);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	ZSTD_outBuffer out = { z, cap, 0 };
	ZSTD_inBuffer src = { in, len, 0 };
	void *back;

	(void)state;
	assert_non_null(in);
	assert_non_null(z);
	assert_non_null(cctx);
	fill_text(in, len);
	assert_int_equal(ZSTD_compressStream2(cctx, &out, &src, ZSTD_e_continue), 0);
	assert_int_equal(ZSTD_compressStream2(cctx, &out, &src, ZSTD_e_end), 0);
	assert_int_equal(ZSTD_getFrameContentSize(z, out.pos), ZSTD_CONTENTSIZE_UNKNOWN);
	assert_int_equal(compress__unzstd(z, out.pos, len, &back, &blen), 0);
	assert_int_equal(blen, len);
	assert_memory_equal(back, in, len);
	free(back);
	assert_int_equal(compress__unzstd(z, out.pos, len - 1, &back, &blen), -E2BIG);
	ZSTD_freeCCtx(cctx);
	free(z);
	free(in);
}

static void test_zstd_max(void **state)
{
	uint8_t in[1000];
	void *z, *back;
	size_t zlen, blen;

	(void)state;
	fill_text(in, sizeof(in));
	assert_int_equal(compress__zstd(in, sizeof(in), &z, &zlen), 0);
	assert_int_equal(compress__unzstd(z, zlen, sizeof(in), &back, &blen), 0);
	free(back);
	assert_int_equal(compress__unzstd(z, zlen, sizeof(in) - 1, &back, &blen), -E2BIG);
	assert_int_equal(compress__unzstd(z, zlen, 0, &back, &blen), -E2BIG);
	free(z);
}

/*
 * A hand-made frame whose header claims 1 TiB but holds one raw block of 5 bytes: the claim
 * must neither be believed (no 1 TiB buffer) nor pass (the sizes disagree).
 */
static void test_zstd_lying_size(void **state)
{
	static const uint8_t frame[] = {
		0x28, 0xb5, 0x2f, 0xfd,		      /* magic */
		0xc0,				      /* 8-byte content size, windowed */
		0x00,				      /* window: 1 KiB */
		0,    0,    0,	  0,	0,   1, 0, 0, /* content size 1 << 40, little-endian */
		0x29, 0,    0,			      /* last block, raw, 5 bytes */
		'h',  'e',  'l',  'l',	'o',
	};
	uint8_t honest[sizeof(frame)];
	void *back;
	size_t blen;

	(void)state;
	assert_true(compress__is_zstd(frame, sizeof(frame)));
	assert_int_equal(compress__unzstd(frame, sizeof(frame), SIZE_MAX, &back, &blen), -EINVAL);
	/* The same frame saying 5 bytes decodes: the test frame itself is well formed. */
	memcpy(honest, frame, sizeof(frame));
	memset(honest + 6, 0, 8);
	honest[6] = 5;
	assert_int_equal(compress__unzstd(honest, sizeof(honest), SIZE_MAX, &back, &blen), 0);
	assert_int_equal(blen, 5);
	assert_memory_equal(back, "hello", 5);
	free(back);
}

/*
 * Bombs: what the headers claim past the bound is refused before any decoding (the lying frame
 * above gives -E2BIG, not the -EINVAL its body would), over all frames together; a frame that
 * claims nothing may not ask for a window past what the bound needs either.
 */
static void test_zstd_claims_past_max(void **state)
{
	static const uint8_t lying[] = {
		0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x00, 0,	 0,   0,   0,	0,
		1,    0,    0,	  0x29, 0,    0,    'h', 'e', 'l', 'l', 'o',
	};
	static const uint8_t wide[] = {
		0x28, 0xb5, 0x2f, 0xfd, /* magic */
		0x00,			/* no content size, windowed */
		0x88,			/* window: 2^27 bytes */
		0x29, 0,    0,		/* last block, raw, 5 bytes */
		'h',  'e',  'l',  'l',	'o',
	};
	uint8_t in[3000], *two;
	void *z, *back;
	size_t zlen, blen;

	(void)state;
	assert_int_equal(compress__unzstd(lying, sizeof(lying), 1 << 20, &back, &blen), -E2BIG);
	assert_int_equal(compress__unzstd(wide, sizeof(wide), 1 << 20, &back, &blen), -E2BIG);
	assert_int_equal(compress__unzstd(wide, sizeof(wide), SIZE_MAX, &back, &blen), 0);
	assert_int_equal(blen, 5);
	free(back);
	/* Two honest frames whose sizes add up past the bound; each alone is within it. */
	fill_text(in, sizeof(in));
	assert_int_equal(compress__zstd(in, sizeof(in), &z, &zlen), 0);
	two = malloc(2 * zlen + sizeof(lying));
	assert_non_null(two);
	memcpy(two, z, zlen);
	memcpy(two + zlen, z, zlen);
	assert_int_equal(compress__unzstd(two, 2 * zlen, 2 * sizeof(in) - 1, &back, &blen), -E2BIG);
	/* A lying frame after an honest one is caught by its header too. */
	memcpy(two + zlen, lying, sizeof(lying));
	assert_int_equal(compress__unzstd(two, zlen + sizeof(lying), 1 << 20, &back, &blen),
			 -E2BIG);
	free(two);
	free(z);
}

static void test_zstd_truncated_corrupt(void **state)
{
	uint8_t in[20000];
	uint8_t *z;
	void *zv, *back;
	size_t zlen, blen, cut;
	int err;

	(void)state;
	fill_random(in, sizeof(in), 7);
	memcpy(in + 10000, in, 10000); /* a match to copy, so there are sequences to corrupt */
	assert_int_equal(compress__zstd(in, sizeof(in), &zv, &zlen), 0);
	z = zv;
	/* Every proper prefix is truncated input, never success or a crash. */
	for (cut = 0; cut < zlen; cut += cut < 64 ? 1 : 97)
		assert_int_equal(compress__unzstd(z, cut, sizeof(in), &back, &blen), -EINVAL);
	assert_int_equal(compress__unzstd(z, zlen - 1, sizeof(in), &back, &blen), -EINVAL);
	/* Trailing bytes that are no frame. */
	{
		uint8_t *longer = malloc(zlen + 3);

		assert_non_null(longer);
		memcpy(longer, z, zlen);
		memcpy(longer + zlen, "abc", 3);
		assert_int_equal(compress__unzstd(longer, zlen + 3, sizeof(in), &back, &blen),
				 -EINVAL);
		free(longer);
	}
	/* Not zstd at all. */
	assert_false(compress__is_zstd("hello world", 11));
	assert_false(compress__is_zstd(z, 3));
	assert_int_equal(compress__unzstd("hello world", 11, 100, &back, &blen), -EINVAL);
	/*
	 * Flipped bits: an error, never other bytes (the frame has a checksum). A header bit
	 * that only, say, widens the window may still decode to the same content.
	 */
	for (size_t i = 4; i < zlen; i++) {
		z[i] ^= 1u << (i % 8);
		err = compress__unzstd(z, zlen, sizeof(in), &back, &blen);
		if (!err) {
			assert_int_equal(blen, sizeof(in));
			assert_memory_equal(back, in, blen);
			free(back);
		} else {
			assert_true(err == -EINVAL || err == -E2BIG);
		}
		z[i] ^= 1u << (i % 8);
	}
	/* Two frames back to back are one stream: their contents concatenated. */
	{
		uint8_t *two = malloc(2 * zlen);

		assert_non_null(two);
		memcpy(two, z, zlen);
		memcpy(two + zlen, z, zlen);
		assert_int_equal(compress__unzstd(two, 2 * zlen, 2 * sizeof(in), &back, &blen), 0);
		assert_int_equal(blen, 2 * sizeof(in));
		assert_memory_equal(back, in, sizeof(in));
		assert_memory_equal((uint8_t *)back + sizeof(in), in, sizeof(in));
		free(back);
		assert_int_equal(compress__unzstd(two, 2 * zlen, 2 * sizeof(in) - 1, &back, &blen),
				 -E2BIG);
		free(two);
	}
	free(z);
}

/* What compress__gzip() writes, as any gzip reader (zlib's inflate) sees it. */
static void assert_gzip_round_trip(const uint8_t *in, size_t len)
{
	uint8_t *back = malloc(len + 1);
	z_stream zs = { 0 };
	gz_header head = { 0 };
	uint8_t name[16];
	size_t glen;
	void *gz;

	assert_non_null(back);
	assert_int_equal(compress__gzip(in, len, &gz, &glen), 0);
	assert_true(glen >= 18);
	assert_int_equal(((uint8_t *)gz)[0], 0x1f);
	assert_int_equal(((uint8_t *)gz)[1], 0x8b);
	assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	head.name = name;
	head.name_max = sizeof(name);
	assert_int_equal(inflateGetHeader(&zs, &head), Z_OK);
	zs.next_in = gz;
	zs.avail_in = glen;
	zs.next_out = back;
	zs.avail_out = len + 1;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(zs.total_out, len);
	assert_int_equal(zs.avail_in, 0);
	assert_memory_equal(back, in, len);
	/* Deterministic output: no time, no name. */
	assert_int_equal(head.time, 0);
	assert_int_equal(head.done, 1);
	assert_int_equal(head.name_max, sizeof(name));
	assert_int_equal(((uint8_t *)gz)[3] & 0x08, 0); /* FNAME */
	inflateEnd(&zs);
	free(gz);
	free(back);
}

static void test_gzip(void **state)
{
	uint8_t *buf = malloc(BIG_LEN);
	void *a, *b;
	size_t alen, blen;

	(void)state;
	assert_non_null(buf);
	assert_gzip_round_trip((const uint8_t *)"", 0);
	fill_text(buf, BIG_LEN);
	assert_gzip_round_trip(buf, 1);
	assert_gzip_round_trip(buf, BIG_LEN);
	fill_random(buf, BIG_LEN, 9);
	assert_gzip_round_trip(buf, BIG_LEN);
	/* Same input, same bytes. */
	assert_int_equal(compress__gzip(buf, 5000, &a, &alen), 0);
	assert_int_equal(compress__gzip(buf, 5000, &b, &blen), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zstd_round_trip),
		cmocka_unit_test(test_zstd_empty),
		cmocka_unit_test(test_zstd_unknown_size),
		cmocka_unit_test(test_zstd_max),
		cmocka_unit_test(test_zstd_lying_size),
		cmocka_unit_test(test_zstd_claims_past_max),
		cmocka_unit_test(test_zstd_truncated_corrupt),
		cmocka_unit_test(test_gzip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
