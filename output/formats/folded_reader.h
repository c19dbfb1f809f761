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
 * A reader fed in pieces, for input too large to want in memory at once. Large pieces are
 * parsed by several threads, each on its own run of lines; the profile gets the lines in
 * the order of the input whatever the threads, so the result equals a serial read's.
 */
struct folded_reader;

/* @prof is borrowed until folded_reader__free(). Returns NULL with errno set. */
struct folded_reader *folded_reader__new(struct profile *prof);
/* NULL-safe. */
void folded_reader__free(struct folded_reader *r);

/*
 * Adds the lines in @data[0..len), which ends at a line end (or the input's end). Lines are
 * parsed now and added to the profile during the next call or folded_reader__finish(), so
 * @data must stay readable until then. Malformed lines are skipped and counted. Returns 0
 * or -errno from the model (then sticky; the profile may hold some of the lines).
 */
int folded_reader__add(struct folded_reader *r, const char *data, size_t len);

/*
 * Adds what is left and reports what the reader has seen. Returns 0, -EINVAL when no line
 * was well formed, or the error that stopped the reader.
 */
int folded_reader__finish(struct folded_reader *r, struct folded_read_stats *stats);

/*
 * The length of the longest start of @data[0..len) of at most @want bytes that ends at a
 * line end; when the first line is longer, that line: a place to cut the input.
 */
size_t folded__cut(const char *data, size_t len, size_t want);

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
