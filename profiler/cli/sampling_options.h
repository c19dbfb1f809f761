/* SPDX-License-Identifier: GPL-2.0-only */
/* The options that say what to sample, shared by record and agent. */
#ifndef PROF_SAMPLING_OPTIONS_H
#define PROF_SAMPLING_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sampling_opts {
	uint32_t frequency;	  /* samples per second per CPU */
	uint32_t *pids;		  /* owned; -p list */
	size_t npids;
	uint32_t *cpus;		  /* owned; -C list, NULL for every online CPU */
	size_t ncpus;
	const char *cgroup;	  /* borrowed; --cgroup path */
	bool user_only;
	bool kernel_only;
	bool include_idle;
	uint32_t stack_map_size;  /* entries of a stack map */
	uint32_t counts_map_size; /* entries of a counts hash */
	/* owned; --debuginfo-path roots, repeated ones joined by ':'; NULL without any */
	char *debuginfo_path;
	bool frame_pointers_only; /* --unwind fp */
	uint64_t unwind_table_bytes; /* kernel memory for unwind table rows */
	const char *unwind_cache;    /* borrowed; folder of cached tables, NULL for none */
};

enum {
	SAMPLING_OPT_CGROUP = 768,
	SAMPLING_OPT_USER_ONLY,
	SAMPLING_OPT_KERNEL_ONLY,
	SAMPLING_OPT_INCLUDE_IDLE,
	SAMPLING_OPT_STACK_MAP_SIZE,
	SAMPLING_OPT_COUNTS_MAP_SIZE,
	SAMPLING_OPT_DEBUGINFO_PATH,
	SAMPLING_OPT_UNWIND,
	SAMPLING_OPT_UNWIND_TABLE_SIZE,
	SAMPLING_OPT_UNWIND_CACHE,
};

#define SAMPLING_DEFAULT_UNWIND_CACHE "/var/cache/bpfprof/unwind"

/* Short options for a getopt string, and entries for a getopt_long table. */
#define SAMPLING_SHORT_OPTIONS "F:p:C:"
#define SAMPLING_LONG_OPTIONS                                                               \
	{ "frequency", required_argument, NULL, 'F' },                                     \
	{ "pid", required_argument, NULL, 'p' },                                           \
	{ "cpu", required_argument, NULL, 'C' },                                           \
	{ "cgroup", required_argument, NULL, SAMPLING_OPT_CGROUP },                         \
	{ "user-only", no_argument, NULL, SAMPLING_OPT_USER_ONLY },                        \
	{ "kernel-only", no_argument, NULL, SAMPLING_OPT_KERNEL_ONLY },                    \
	{ "include-idle", no_argument, NULL, SAMPLING_OPT_INCLUDE_IDLE },                  \
	{ "stack-map-size", required_argument, NULL, SAMPLING_OPT_STACK_MAP_SIZE },        \
	{ "counts-map-size", required_argument, NULL, SAMPLING_OPT_COUNTS_MAP_SIZE },      \
	{ "debuginfo-path", required_argument, NULL, SAMPLING_OPT_DEBUGINFO_PATH },        \
	{ "unwind", required_argument, NULL, SAMPLING_OPT_UNWIND },                        \
	{ "unwind-table-size", required_argument, NULL, SAMPLING_OPT_UNWIND_TABLE_SIZE },  \
	{ "unwind-cache", required_argument, NULL, SAMPLING_OPT_UNWIND_CACHE }

/* Defaults, with @frequency Hz. */
void sampling_opts__init(struct sampling_opts *opts, uint32_t frequency);
/* Frees what the options own; they may be parsed into again after sampling_opts__init(). */
void sampling_opts__release(struct sampling_opts *opts);

/*
 * Applies option @opt (a getopt_long result) with @arg to @opts. Returns 1 when it was a
 * sampling option, 0 when it was not, -EINVAL (or -ENOMEM) with a reason in @err.
 */
int sampling_options__handle(int opt, const char *arg, struct sampling_opts *opts, char *err,
			     size_t errlen);
/* Checks the options together, once all are parsed. Returns 0 or -EINVAL with a reason. */
int sampling_options__check(const struct sampling_opts *opts, char *err, size_t errlen);
void sampling_options__usage(FILE *out, uint32_t default_frequency);

#endif
