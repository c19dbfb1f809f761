/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reads pprof into the profile model: a perftools.profiles.Profile, gzip-compressed or raw,
 * from any producer (bpfprof, Go's runtime/pprof, perf_to_profile, ...). What pprof__write()
 * wrote reads back as the profile it was written from (pprof_writer.h lists the exceptions).
 *
 * A sample's locations (leaf first in pprof) and their lines (innermost inlined callee
 * first) become model frames root first; all lines but a location's last are FRAME_INLINE,
 * and the last line's kind follows its mapping's name (pprof_internal.h). Labels pid, tid,
 * comm and thread become the sample's labels; a profile without comm labels (Go's, for one)
 * is named after its main binary: the base name of mapping[0]'s file when that is a real
 * path, else "[unknown]". The count is the samples/count value when there is one, else the
 * first value; samples whose count is not positive are skipped.
 */
#ifndef PROF_PPROF_READER_H
#define PROF_PPROF_READER_H

#include <stddef.h>
#include <stdint.h>

struct profile;

/* Larger inputs are refused, whatever they would decompress to. */
#define PPROF_MAX_DECODED_BYTES (1ull << 30)

/* What a profile says of itself, beside its samples. */
struct pprof_summary {
	uint64_t time_ns;     /* time_nanos: the start, Unix ns; 0 when absent or negative */
	uint64_t duration_ns; /* duration_nanos in ns; 0 when absent or negative */
};

/*
 * Adds the profile in @data[0..len) to @prof (merging with what it holds) and sets the meta
 * fields the input has (time, duration, and the period when its unit is nanoseconds).
 * Every size, index and id in the input is checked before anything is added: corrupt,
 * truncated or empty input returns -EINVAL and leaves @prof as it was. Other errors:
 * -E2BIG for input past PPROF_MAX_DECODED_BYTES (decompressed) or that would expand into far
 * more frames or memory than its size justifies, -EOVERFLOW when the counts add up past
 * 2^64, -ENOMEM; after those @prof may hold part of the input. On any error a one-line
 * reason (no trailing newline) is written to @err[0..errlen) when @err is not NULL.
 */
int pprof__read(const void *data, size_t len, struct profile *prof, char *err, size_t errlen);

/*
 * Reads the summary of the uncompressed Profile message @data[0..len) (the bytes
 * pprof__encode() makes; gzip is not one) into @out, without converting its samples. The
 * message is decoded within pprof__read()'s memory bounds, but its references are not
 * checked. Returns 0, -EINVAL for empty input or bytes that do not decode as a Profile,
 * -E2BIG past PPROF_MAX_DECODED_BYTES or the decoding's memory bound, -ENOMEM.
 */
int pprof__read_summary(const void *data, size_t len, struct pprof_summary *out);

#endif
