/* SPDX-License-Identifier: GPL-2.0-only */
/* The options that say what to sample, shared by record and agent. */
#ifndef PROF_SAMPLING_OPTIONS_H
#define PROF_SAMPLING_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "option_table.h"

struct sampling_opts {
	uint32_t frequency; /* samples per second per CPU */
	uint32_t *pids;	    /* owned; -p list */
	size_t npids;
	uint32_t *cpus; /* owned; -C list, NULL for every online CPU */
	size_t ncpus;
	const char *cgroup; /* borrowed; --cgroup path */
	bool user_only;
	bool kernel_only;
	bool include_idle;
	bool no_python;		  /* --no-python: interpreters' native frames only */
	bool java_perfmap;	  /* --java-perfmap: JVMs asked for their perf maps */
	uint32_t stack_map_size;  /* entries of a stack map */
	uint32_t counts_map_size; /* entries of a counts hash */
	/* owned; --debuginfo-path roots, repeated ones joined by ':'; NULL without any */
	char *debuginfo_path;
	bool frame_pointers_only;    /* --unwind fp */
	uint64_t unwind_table_bytes; /* kernel memory for unwind table rows */
	const char *unwind_cache;    /* borrowed; folder of cached tables, NULL for none */
	bool off_cpu;		     /* --off-cpu: time off the CPU by stack */
	uint64_t off_cpu_min_ns;     /* --off-cpu-min */
	double off_cpu_probability;  /* --off-cpu-probability, or SAMPLING_OFF_CPU_AUTO */
};

#define SAMPLING_DEFAULT_UNWIND_CACHE "/var/cache/bpfprof/unwind"
#define SAMPLING_OFF_CPU_MIN_NS 1000000ull /* --off-cpu-min's default: 1 ms */
/* --off-cpu-probability auto: set by the switch rate (the agent's default). */
#define SAMPLING_OFF_CPU_AUTO (-1.0)
/* The smallest --off-cpu-probability (bpf/profile_abi.h's PROF_OFF_CPU_MIN_PROBABILITY). */
#define SAMPLING_OFF_CPU_MIN_PROBABILITY 0.0001
/* Map sizes: a recording's, and an agent's (fewer distinct stacks per interval: half). */
#define SAMPLING_STACK_MAP_SIZE 32768
#define SAMPLING_COUNTS_MAP_SIZE 65536
#define AGENT_STACK_MAP_SIZE 16384
#define AGENT_COUNTS_MAP_SIZE 32768

/*
 * -p, -C, --cgroup and the rest but -F, into a struct sampling_opts: a command includes
 * them with OPTION_GROUP(sampling_options, offsetof(its struct, its sampling_opts)).
 */
extern const struct option_spec sampling_options[];

/*
 * -F, --frequency HZ, an entry of the table of struct @type whose struct sampling_opts is
 * @member: the default (@hz) is the command's own, and --help says it.
 */
// clang-format off
#define SAMPLING_FREQUENCY_OPTION(type, member, hz)                                          \
	{ .name = "frequency", .short_name = 'F', .arg = "HZ",                                \
	  .help = "samples per second per CPU (default " OPTION_STR(hz) ")",                  \
	  .parse = sampling_options__parse_frequency, .offset = offsetof(type, member.frequency) }
// clang-format on
option_parse_fn sampling_options__parse_frequency;

/* Defaults, with @frequency Hz. */
void sampling_opts__init(struct sampling_opts *opts, uint32_t frequency);
/* Frees what the options own; they may be parsed into again after sampling_opts__init(). */
void sampling_opts__release(struct sampling_opts *opts);

/* Checks the options together, once all are parsed. Returns 0 or -EINVAL with a reason. */
int sampling_options__check(const struct sampling_opts *opts, char *err, size_t errlen);

#endif
