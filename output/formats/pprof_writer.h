/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writes the profile model as pprof: a gzip-compressed perftools.profiles.Profile, the format
 * go tool pprof, Pyroscope and most profilers read.
 *
 * Sample types are samples/count, then cpu/nanoseconds (count times the period) when the
 * period is known; period type cpu/nanoseconds. A stack becomes locations, leaf first: a
 * frame together with the FRAME_INLINE frames that follow it (towards the leaf) is one
 * location whose lines list the innermost inlined callee first. Each distinct module is one
 * mapping; the main binary, first, is the module of the outermost user frame of the most
 * samples. Labels pid and tid (numbers, left out when 0), comm and thread (strings, thread
 * left out when unknown) go on every sample. pprof_internal.h says how frame kinds travel.
 *
 * pprof__read() gives back the profile written, but for what pprof cannot say the same way:
 * - strings that are not valid UTF-8 have U+FFFD for each bad byte, as protobuf requires;
 * - a kernel frame whose module is no kernel module name reads back from
 *   "[kernel.kallsyms]", a JIT frame without a perf map or "[jit]" module from "[jit]", and
 *   a user frame whose module would read as either, or is "", without a module;
 * - inlined frames have the module and address of the frame they are inlined into;
 * - a system (mangled) name equal to the name reads back as none;
 * - build ids are empty: the model does not carry them.
 */
#ifndef PROF_PPROF_WRITER_H
#define PROF_PPROF_WRITER_H

#include <stdio.h>

struct profile;

/*
 * Writes @prof to @out (gzip, deterministic bytes for a given profile and zlib). Strings
 * that are not valid UTF-8 get U+FFFD for each bad byte, as protobuf requires. Returns 0 or
 * -errno: -EOVERFLOW when a count, count times period, or a time does not fit pprof's int64,
 * -ENOMEM, -EIO when writing fails. @out is flushed, not closed.
 */
int pprof__write(const struct profile *prof, FILE *out);

/*
 * Encodes @prof as an uncompressed pprof message (the bytes pprof__write() compresses) into
 * @*raw (malloc'ed, owned by the caller) and @*len. Returns 0 or -errno as pprof__write().
 */
int pprof__encode(const struct profile *prof, void **raw, size_t *len);

#endif
