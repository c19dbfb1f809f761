/* SPDX-License-Identifier: GPL-2.0-only */
/* The options of `bpfprof agent`, parsed and checked for form (not against the system). */
#ifndef PROF_AGENT_OPTIONS_H
#define PROF_AGENT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "option_table.h"
#include "sampling_options.h"

/*
 * Pyroscope refuses a series of more than 30 labels (-validation.max-label-names-per-series,
 * pkg/validation/limits.go); every series of ours has up to 9 besides: __name__, __delta__,
 * pyroscope_spy, service_name, hostname, and the samples' pid, tid, comm and thread when
 * --series-labels makes them series labels.
 */
#define AGENT_MAX_LABELS 21
#define AGENT_MAX_HEADERS 16

struct agent_opts {
	struct sampling_opts sampling; /* what to sample */
	double interval_s;	       /* one profile per interval */
	const char *store_dir;	       /* borrowed; NULL with --no-store */
	uint64_t store_max_size;       /* bytes, 0 (no limit) or at least 32 KiB */
	uint64_t store_max_age_ns;     /* 0 (no limit) or at least the interval */
	const char *upload_url;	       /* borrowed; NULL: no upload */
	const char *otlp_url;	       /* borrowed; NULL: no OTLP export */
	const char *app_name;
	const char *labels[AGENT_MAX_LABELS]; /* borrowed "k=v" */
	size_t nlabels;
	unsigned int series_labels; /* PPROF_SERIES_* (pprof_series.h) */
	const char *tenant;
	const char *bearer_token_file;
	const char *basic_auth_file;
	const char *headers[AGENT_MAX_HEADERS]; /* borrowed "Name: value" */
	size_t nheaders;
	const char *ca_file;
	double upload_grace_s; /* at exit, how long to try pending uploads */
	const char *log_file;  /* borrowed; NULL: stderr */
	int verbose;
	const char *metrics_addr; /* borrowed "HOST:PORT" of /metrics; NULL: none */
};

/* The options of agent, and its --help. */
extern const struct option_table agent_option_table;

/*
 * Parses argv of `agent` (argv[0] is "agent"). Fills @opts with defaults first. Allocations
 * in @opts are released by agent_opts__release(), whatever the result. On OPTIONS_ERROR a
 * one-line reason is in @err (@errlen bytes).
 */
enum options_result agent_opts__parse(struct agent_opts *opts, int argc, char **argv, char *err,
				      size_t errlen);
void agent_opts__release(struct agent_opts *opts);

#endif
