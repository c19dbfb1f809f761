// SPDX-License-Identifier: GPL-2.0-only
#include "compress.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define GZIP_WINDOW_BITS (16 + MAX_WBITS) /* 16: a gzip header and trailer, not zlib's */
#define GZIP_MEM_LEVEL 8
/* Level 3 (zstd's default): near the best ratio for pprof at a small CPU cost per interval. */
#define ZSTD_LEVEL 3
/*
 * A frame's content size is the writer's word, not a fact: the first output buffer is never
 * larger than this many times the input (or ZSTD_MIN_GUESS), and grows as data arrives.
 */
#define ZSTD_MAX_GUESS_RATIO 64
#define ZSTD_MIN_GUESS (1u << 20)
/* zstd's smallest window and the largest its decoder takes by default (2^10, 2^27 bytes). */
#define ZSTD_WINDOW_LOG_MIN 10
#define ZSTD_WINDOW_LOG_MAX 27

int compress__gzip(const void *in, size_t len, void **out, size_t *out_len)
{
	z_stream zs = { 0 };
	size_t cap, left, room;
	uint8_t *buf, *shrunk;
	int ret, err;

	/* Zero time and no name: zlib writes that header unless given deflateSetHeader(). */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, GZIP_MEM_LEVEL,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&zs, len);
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto out_end;
	}
	zs.next_in = (Bytef *)in;
	zs.next_out = buf;
	/* avail_in and avail_out are 32 bits wide: feed larger buffers in pieces. */
	do {
		left = len - (size_t)((const uint8_t *)zs.next_in - (const uint8_t *)in);
		zs.avail_in = left > UINT_MAX ? UINT_MAX : left;
		room = cap - (size_t)(zs.next_out - buf);
		zs.avail_out = room > UINT_MAX ? UINT_MAX : room;
		ret = deflate(&zs, left <= UINT_MAX ? Z_FINISH : Z_NO_FLUSH);
	} while (ret == Z_OK);
	if (ret != Z_STREAM_END) {
		/* deflateBound() is a promise: running out of room means a zlib bug. */
		err = -EIO;
		goto out_free;
	}
	*out_len = zs.total_out;
	shrunk = realloc(buf, *out_len ? *out_len : 1);
	*out = shrunk ? shrunk : buf;
	deflateEnd(&zs);
	return 0;

out_free:
	free(buf);
out_end:
	deflateEnd(&zs);
	return err;
}

static int zstd__errno(size_t ret)
{
	switch (ZSTD_getErrorCode(ret)) {
	case ZSTD_error_memory_allocation:
		return -ENOMEM;
	case ZSTD_error_frameParameter_windowTooLarge:
		/* A window beyond what the bound needs: the content claims to be larger still. */
		return -E2BIG;
	default:
		return -EINVAL;
	}
}

int compress__zstd(const void *in, size_t len, void **out, size_t *out_len)
{
	size_t cap = ZSTD_compressBound(len), n;
	void *buf, *shrunk;
	ZSTD_CCtx *cctx;
	int err;

	if (ZSTD_isError(cap))
		return -E2BIG;
	cctx = ZSTD_createCCtx();
	if (!cctx)
		return -ENOMEM;
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto out_free_cctx;
	}
	/*
	 * The content size goes into the frame header (a one-shot compression's default). The
	 * checksum (4 bytes) makes a damaged store file fail to decompress instead of decoding
	 * into other bytes that the pprof reader may or may not notice.
	 */
	n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	if (!ZSTD_isError(n))
		n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	if (!ZSTD_isError(n))
		n = ZSTD_compress2(cctx, buf, cap, in, len);
	if (ZSTD_isError(n)) {
		err = zstd__errno(n);
		goto out_free_buf;
	}
	ZSTD_freeCCtx(cctx);
	shrunk = realloc(buf, n);
	*out = shrunk ? shrunk : buf;
	*out_len = n;
	return 0;

out_free_buf:
	free(buf);
out_free_cctx:
	ZSTD_freeCCtx(cctx);
	return err;
}

bool compress__is_zstd(const void *data, size_t len)
{
	const uint8_t *p = data;

	/* The magic is a little-endian u32, whatever the host's byte order. */
	return len >= 4 && ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			    (uint32_t)p[3] << 24) == ZSTD_MAGICNUMBER;
}

/* The first output buffer's size: the frame's content size when it says one, within reason. */
static size_t zstd__first_guess(const void *in, size_t len, size_t limit)
{
	unsigned long long said = ZSTD_getFrameContentSize(in, len);
	size_t guess, reasonable;

	reasonable = len > ZSTD_MIN_GUESS / ZSTD_MAX_GUESS_RATIO ? len * ZSTD_MAX_GUESS_RATIO :
								   ZSTD_MIN_GUESS;
	if (len > SIZE_MAX / ZSTD_MAX_GUESS_RATIO)
		reasonable = SIZE_MAX;
	if (said == ZSTD_CONTENTSIZE_UNKNOWN || said == ZSTD_CONTENTSIZE_ERROR)
		guess = len < SIZE_MAX / 4 ? len * 4 : len;
	else
		guess = said < reasonable ? (size_t)said : reasonable;
	if (guess < 64)
		guess = 64;
	return guess < limit ? guess : limit;
}

/*
 * True when the frame headers say the content holds more than @max: refused before any memory
 * is spent on it. Frames that say nothing (or lie low) are bounded while they stream.
 */
static bool zstd__claims_more(const void *in, size_t len, size_t max)
{
	const char *p = in;
	unsigned long long said, total = 0;
	size_t frame;

	while (len) {
		said = ZSTD_getFrameContentSize(p, len);
		if (said == ZSTD_CONTENTSIZE_UNKNOWN || said == ZSTD_CONTENTSIZE_ERROR)
			return false;
		/* total <= max here: no overflow, whatever @max is. */
		if (said > max - total)
			return true;
		total += said;
		frame = ZSTD_findFrameCompressedSize(p, len);
		if (ZSTD_isError(frame))
			return false;
		p += frame;
		len -= frame;
	}
	return false;
}

/* The largest window a frame may ask for: what @max bytes of content need, within zstd's limit. */
static int zstd__window_log_max(size_t max)
{
	int log = ZSTD_WINDOW_LOG_MIN;

	while (log < ZSTD_WINDOW_LOG_MAX && ((size_t)1 << log) < max)
		log++;
	return log;
}

int compress__unzstd(const void *in, size_t len, size_t max, void **out, size_t *out_len)
{
	/* One byte past @max is room enough to tell "exactly max" from "more than max". */
	size_t limit = max < SIZE_MAX ? max + 1 : SIZE_MAX;
	ZSTD_inBuffer src = { in, len, 0 };
	ZSTD_outBuffer dst = { NULL, 0, 0 };
	ZSTD_DCtx *dctx;
	size_t ret, cap;
	void *grown;
	int err;

	/* No frame at all is not an empty profile: a zero-length file is a truncated one. */
	if (!len)
		return -EINVAL;
	if (zstd__claims_more(in, len, max))
		return -E2BIG;
	dctx = ZSTD_createDCtx();
	if (!dctx)
		return -ENOMEM;
	/* The decoder's own buffer follows the frame's window: a frame must not size it at will. */
	ret = ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, zstd__window_log_max(max));
	if (ZSTD_isError(ret)) {
		err = zstd__errno(ret);
		goto out_free_dctx;
	}
	cap = zstd__first_guess(in, len, limit);
	dst.dst = malloc(cap);
	if (!dst.dst) {
		err = -ENOMEM;
		goto out_free_dctx;
	}
	dst.size = cap;
	for (;;) {
		if (dst.pos == dst.size) {
			if (dst.size >= limit) {
				err = -E2BIG;
				goto out_free_buf;
			}
			cap = dst.size < limit / 2 ? dst.size * 2 : limit;
			grown = realloc(dst.dst, cap);
			if (!grown) {
				err = -ENOMEM;
				goto out_free_buf;
			}
			dst.dst = grown;
			dst.size = cap;
		}
		ret = ZSTD_decompressStream(dctx, &dst, &src);
		if (ZSTD_isError(ret)) {
			err = zstd__errno(ret);
			goto out_free_buf;
		}
		if (dst.pos > max) {
			err = -E2BIG;
			goto out_free_buf;
		}
		/* 0: a frame ended; the input may hold more frames, decoded one after another. */
		if (!ret && src.pos == src.size)
			break;
		/* All input taken, room to spare, frame unfinished: the input was cut short. */
		if (src.pos == src.size && dst.pos < dst.size) {
			err = -EINVAL;
			goto out_free_buf;
		}
	}
	ZSTD_freeDCtx(dctx);
	*out_len = dst.pos;
	grown = realloc(dst.dst, dst.pos ? dst.pos : 1);
	*out = grown ? grown : dst.dst;
	return 0;

out_free_buf:
	free(dst.dst);
out_free_dctx:
	ZSTD_freeDCtx(dctx);
	return err;
}
