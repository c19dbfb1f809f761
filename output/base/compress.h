/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Whole-buffer compression: gzip for pprof as everybody reads it, zstd for the store's
 * files. Buffers are malloc'ed; the caller frees them.
 */
#ifndef PROF_COMPRESS_H
#define PROF_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Compresses @in[0..len) into a gzip member (no name, zero time): the same input gives the
 * same bytes. Returns 0 or -errno (-ENOMEM).
 */
int compress__gzip(const void *in, size_t len, void **out, size_t *out_len);

/*
 * Compresses @in[0..len) into one zstd frame that records its content size and a checksum
 * of the content. Returns 0 or -errno: -ENOMEM, -E2BIG past what zstd can take.
 */
int compress__zstd(const void *in, size_t len, void **out, size_t *out_len);

/* True when @data starts with the zstd frame magic. */
bool compress__is_zstd(const void *data, size_t len);

/*
 * Decompresses the zstd frames in @in[0..len) (their contents concatenated), with or without
 * a content size in their headers. Memory is bounded by @max: frames whose headers claim more
 * are refused before decoding, frames that claim nothing (or less than they hold) are cut
 * where they pass it, and no frame may ask for a window larger than @max needs. @*out is
 * malloc'ed (not NULL, even for empty content) and owned by the caller. Returns 0, -EINVAL
 * for corrupt or truncated input (no frame at all, len 0, included), -E2BIG when the content
 * would exceed @max bytes, or -ENOMEM; @*out is not set on error.
 */
int compress__unzstd(const void *in, size_t len, size_t max, void **out, size_t *out_len);

#endif
