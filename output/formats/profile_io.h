/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Profiles in and out of files, whatever their format: the one path that record, convert,
 * flamegraph and diff share. Errors are logged as one line naming the file.
 */
#ifndef PROF_PROFILE_IO_H
#define PROF_PROFILE_IO_H

#include "flamegraph.h"
#include "output_format.h"
#include "report_writer.h"

struct profile;

/*
 * Reads the folded or pprof file @path ("-" for stdin; the format is told from the content)
 * and merges its samples into @prof. Malformed folded lines are skipped with a warning that
 * counts them. Returns 0 or -errno (-EINVAL for a file with nothing usable in it).
 */
int profile_io__read(const char *path, struct profile *prof);

/* The options of the formats that take some; NULL (or a NULL member) means the defaults. */
struct profile_io_opts {
	const struct flamegraph_opts *svg; /* OUTPUT_FORMAT_SVG; its title names a speedscope file */
	const struct report_facts *report; /* OUTPUT_FORMAT_HTML */
};

/*
 * Writes @prof to @path in @format, atomically (a temporary file renamed when complete).
 * Returns 0 or -errno.
 */
int profile_io__write(const struct profile *prof, const char *path, enum output_format format,
		      const struct profile_io_opts *opts);

/* Writes @prof to an already opened stream; the formats' common switch. */
int profile_io__write_stream(const struct profile *prof, FILE *out, enum output_format format,
			     const struct profile_io_opts *opts);

#endif
