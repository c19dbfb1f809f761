/* SPDX-License-Identifier: GPL-2.0-only */
/* The end-of-recording summary: what was sampled, what was lost, where the time went. */
#ifndef PROF_SUMMARY_H
#define PROF_SUMMARY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"
#include "profile_builder.h"
#include "session.h"

struct record_summary {
	double duration_s;
	uint32_t frequency;
	struct session_stats session;
	struct profile_builder_stats build;
	const struct profile *prof; /* borrowed */
	const char *const *outputs; /* borrowed paths written */
	size_t noutputs;
	double finish_s; /* from the end of sampling to the profile built (stacks named) */
	double write_s;	 /* writing the outputs */
};

/* Samples lost in the kernel, for the summary and for tests. */
uint64_t summary__lost_samples(const struct prof_sample_counters *c);

/*
 * Lines of the summary, each printing nothing when its figures are all 0. The first two need
 * the kernel's counters in @s; the others do not.
 *   user_stacks: samples of user processes without a user stack, and taken inside execve;
 *   processes:   process events lost, the process table full, processes read late;
 *   unnamed:     addresses left unnamed, processes gone before they were read, bad files.
 */
void summary__print_user_stacks(FILE *out, const struct session_stats *s);
void summary__print_processes(FILE *out, const struct session_stats *s);
void summary__print_unnamed(FILE *out, const struct session_stats *s);

/* Prints how user stacks were unwound and how their walks ended (a line "unwinding: ..."). */
void summary__print_unwinding(FILE *out, const struct session_stats *s);

/*
 * The line "python: ...": interpreters found, how their Python walks ended, code objects
 * read; nothing when no interpreter was met.
 */
void summary__print_python(FILE *out, const struct session_stats *s);

/*
 * The line "java: ...": JVMs found (--java-perfmap), the perf maps they wrote at our request
 * and the attaches that failed; nothing when no JVM was found.
 */
void summary__print_java(FILE *out, const struct session_stats *s);

/* Prints what perf maps lost (a line "perf maps: ..."), or nothing when they lost nothing. */
/* The off-CPU line (--off-cpu): switches, waits counted, losses, the program's cost. */
void summary__print_off_cpu(FILE *out, const struct session_stats *s);
void summary__print_perf_maps(FILE *out, const struct symbolizer_stats *sym);
/*
 * The line "mapping journal: ...": records lost or malformed, images and mappings dropped,
 * files not found again; nothing when all are 0.
 */
void summary__print_journal(FILE *out, const struct session_stats *st);

/* Prints the summary with the @top functions by self samples. */
void summary__print(FILE *out, const struct record_summary *s, size_t top);

#endif
