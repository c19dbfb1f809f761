/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Profiles in and out of files, whatever their format: the one path that record, convert,
 * flamegraph and diff share. Errors are logged as one line naming the file.
 */
#ifndef PROF_PROFILE_IO_H
#define PROF_PROFILE_IO_H

#include "flamegraph.h"
#include "output_format.h"

struct profile;

/*
 * Reads the folded or pprof file @path ("-" for stdin; the format is told from the content)
 * and merges its samples into @prof. Malformed folded lines are skipped with a warning that
 * counts them. Returns 0 or -errno (-EINVAL for a file with nothing usable in it).
 */
int profile_io__read(const char *path, struct profile *prof);

/*
 * Writes @prof to @path in @format, atomically (a temporary file renamed when complete).
 * @svg is used for OUTPUT_FORMAT_SVG (its title also names a speedscope file) and may be NULL
 * for the defaults. Returns 0 or -errno.
 */
int profile_io__write(const struct profile *prof, const char *path, enum output_format format,
		      const struct flamegraph_opts *svg);

/* Writes @prof to an already opened stream; the formats' common switch. */
int profile_io__write_stream(const struct profile *prof, FILE *out, enum output_format format,
			     const struct flamegraph_opts *svg);

#endif
