/* SPDX-License-Identifier: GPL-2.0-only */
/* The options of `bpfprof record`, parsed and checked for form (not against the system). */
#ifndef PROF_RECORD_OPTIONS_H
#define PROF_RECORD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flamegraph.h"
#include "output_format.h"
#include "sampling_options.h"

#define RECORD_MAX_OUTPUTS 16

struct record_output {
	const char *path; /* borrowed from argv; "-" is standard output */
	enum output_format format;
};

struct record_opts {
	double duration_s;     /* how long to sample */
	bool duration_set;     /* -d given (with a command, sampling ends at the earlier) */
	struct sampling_opts sampling; /* what to sample */
	struct record_output outputs[RECORD_MAX_OUTPUTS];
	size_t noutputs;
	bool quiet;
	int verbose;
	char **command;           /* borrowed from argv, NULL-terminated; NULL without one */
	const char *capture_path; /* borrowed; --debug-capture: raw user stacks go there */
	struct flamegraph_opts svg; /* for .svg outputs; strings borrowed from argv */
};

enum record_parse_result {
	RECORD_PARSE_OK,
	RECORD_PARSE_HELP,  /* --help was printed; exit 0 */
	RECORD_PARSE_ERROR, /* a reason is in err; exit 2 */
};

/*
 * Parses argv of `record` (argv[0] is "record"). Fills @opts with defaults first.
 * Allocations in @opts are released by record_opts__release(), whatever the result.
 */
enum record_parse_result record_opts__parse(struct record_opts *opts, int argc, char **argv,
					    char *err, size_t errlen);
void record_opts__release(struct record_opts *opts);
void record_opts__usage(FILE *out);

#endif
