/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reads folded stacks ("comm;root;...;leaf COUNT" per line) into the profile model. The
 * annotations "_[k]", "_[i]" and "_[j]" become the kernel, inline and JIT frame kinds, so
 * what folded__write() wrote reads back the same.
 */
#ifndef PROF_FOLDED_READER_H
#define PROF_FOLDED_READER_H

#include <stddef.h>
#include <stdint.h>

struct profile;

struct folded_read_stats {
	uint64_t lines;	    /* non-empty lines seen */
	uint64_t malformed; /* lines skipped: no count, a bad count, or an empty frame */
	uint64_t samples;   /* sum of the counts read */
	uint64_t first_bad; /* line number of the first malformed line, 0 if none */
};

/*
 * Adds every well-formed line of @data[0..len) to @prof (merging with what it holds). A
 * count is a positive whole number; empty lines are ignored. Returns 0, -EINVAL when no line
 * was well formed (an empty input included), or -errno from the model.
 */
int folded__read(const char *data, size_t len, struct profile *prof,
		 struct folded_read_stats *stats);

/* True when @data looks like folded text rather than pprof (gzip or protobuf bytes). */
int folded__sniff(const char *data, size_t len);

#endif
