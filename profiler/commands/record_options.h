/* SPDX-License-Identifier: GPL-2.0-only */
/* The options of `bpfprof record`, parsed and checked for form (not against the system). */
#ifndef PROF_RECORD_OPTIONS_H
#define PROF_RECORD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flamegraph.h"
#include "option_table.h"
#include "output_format.h"
#include "sampling_options.h"

#define RECORD_MAX_OUTPUTS 16

/* Which profile an output gets. */
enum record_view {
	RECORD_VIEW_CPU,     /* -o: CPU samples */
	RECORD_VIEW_OFF_CPU, /* --off-cpu-output: time off the CPU */
	RECORD_VIEW_WALL,    /* --wall-output: time on and off the CPU */
};

struct record_output {
	const char *path; /* borrowed from argv; "-" is standard output */
	enum output_format format;
	enum record_view view;
};

struct record_opts {
	double duration_s;	       /* how long to sample */
	bool duration_set;	       /* -d given (with a command, sampling ends at the earlier) */
	struct sampling_opts sampling; /* what to sample */
	struct record_output outputs[RECORD_MAX_OUTPUTS];
	size_t noutputs;
	enum output_format format; /* -f: of outputs without a known extension; NONE without */
	bool quiet;
	int verbose;
	char **command;		    /* borrowed from argv, NULL-terminated; NULL without one */
	const char *capture_path;   /* borrowed; --debug-capture: raw user stacks go there */
	struct flamegraph_opts svg; /* for .svg outputs; strings borrowed from argv */
};

/* The options of record, and its --help. */
extern const struct option_table record_option_table;

/*
 * Parses argv of `record` (argv[0] is "record"). Fills @opts with defaults first.
 * Allocations in @opts are released by record_opts__release(), whatever the result.
 * On OPTIONS_ERROR a one-line reason is in @err (@errlen bytes).
 */
enum options_result record_opts__parse(struct record_opts *opts, int argc, char **argv, char *err,
				       size_t errlen);
void record_opts__release(struct record_opts *opts);
/* Whether an output gets the profile @view. */
bool record_opts__has_view(const struct record_opts *opts, enum record_view view);

#endif
