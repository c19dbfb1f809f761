// SPDX-License-Identifier: GPL-2.0-only
#include "sampling_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "time_spec.h"

#define MAX_FREQUENCY 100000
#define MAX_MAP_SIZE (1u << 24)
#define PID_LIMIT 0x7fffffffu /* existence is checked later, with a clearer message */
#define CPU_LIMIT 8192
#define DEFAULT_UNWIND_TABLE_MIB 32
#define DEFAULT_UNWIND_TABLE_BYTES ((uint64_t)DEFAULT_UNWIND_TABLE_MIB << 20)
/* The walker's binary search covers 2^25 rows of a table. */
#define MAX_UNWIND_TABLE_BYTES (256ull << 20)
#define MIN_UNWIND_TABLE_BYTES (64ull << 10)

void sampling_opts__init(struct sampling_opts *opts, uint32_t frequency)
{
	memset(opts, 0, sizeof(*opts));
	opts->frequency = frequency;
	opts->stack_map_size = SAMPLING_STACK_MAP_SIZE;
	opts->counts_map_size = SAMPLING_COUNTS_MAP_SIZE;
	opts->unwind_table_bytes = DEFAULT_UNWIND_TABLE_BYTES;
	opts->unwind_cache = SAMPLING_DEFAULT_UNWIND_CACHE;
	opts->off_cpu_min_ns = SAMPLING_OFF_CPU_MIN_NS;
	opts->off_cpu_probability = 1;
}

void sampling_opts__release(struct sampling_opts *opts)
{
	free(opts->pids);
	free(opts->cpus);
	free(opts->debuginfo_path);
	opts->pids = NULL;
	opts->cpus = NULL;
	opts->debuginfo_path = NULL;
}

int sampling_options__parse_frequency(const struct option_spec *opt, void *target, const char *arg,
				      char *err, size_t errlen)
{
	uint64_t v;

	(void)opt;
	if (options__parse_uint(arg, "frequency (-F)", 1, MAX_FREQUENCY, &v, err, errlen))
		return -EINVAL;
	*(uint32_t *)target = v;
	return 0;
}

static int parse_pids(const struct option_spec *opt, void *target, const char *arg, char *err,
		      size_t errlen)
{
	struct sampling_opts *opts = target;

	(void)opt;
	return options__parse_number_list(arg, "pid (-p)", PID_LIMIT, &opts->pids, &opts->npids,
					  err, errlen);
}

static int parse_cpus(const struct option_spec *opt, void *target, const char *arg, char *err,
		      size_t errlen)
{
	struct sampling_opts *opts = target;

	(void)opt;
	return options__parse_number_list(arg, "cpu (-C)", CPU_LIMIT, &opts->cpus, &opts->ncpus,
					  err, errlen);
}

/* --stack-map-size, --counts-map-size: entries of a map, a uint32_t. */
static int parse_map_size(const struct option_spec *opt, void *target, const char *arg, char *err,
			  size_t errlen)
{
	char what[32];
	uint64_t v;

	snprintf(what, sizeof(what), "--%s", opt->name);
	if (options__parse_size(arg, what, 1024, MAX_MAP_SIZE, &v, err, errlen))
		return -EINVAL;
	*(uint32_t *)target = v;
	return 0;
}

static int parse_unwind_table_size(const struct option_spec *opt, void *target, const char *arg,
				   char *err, size_t errlen)
{
	(void)opt;
	return options__parse_size(arg, "--unwind-table-size", MIN_UNWIND_TABLE_BYTES,
				   MAX_UNWIND_TABLE_BYTES, target, err, errlen);
}

/* --unwind dwarf|fp, into frame_pointers_only. */
static int parse_unwind(const struct option_spec *opt, void *target, const char *arg, char *err,
			size_t errlen)
{
	(void)opt;
	if (strcmp(arg, "dwarf") && strcmp(arg, "fp")) {
		snprintf(err, errlen, "--unwind takes dwarf or fp, not '%s'", arg);
		return -EINVAL;
	}
	*(bool *)target = !strcmp(arg, "fp");
	return 0;
}

static int parse_unwind_cache(const struct option_spec *opt, void *target, const char *arg,
			      char *err, size_t errlen)
{
	(void)opt, (void)err, (void)errlen;
	*(const char **)target = strcmp(arg, "none") ? arg : NULL;
	return 0;
}

/* --off-cpu-min DURATION: 0 to 1 hour; in ns, us or ms too ("500us", "2ms"). */
static int parse_off_cpu_min(const struct option_spec *opt, void *target, const char *arg,
			     char *err, size_t errlen)
{
	static const struct {
		const char *unit;
		double ns;
	} small[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 } };
	uint64_t ns;
	char *end;
	double v;

	(void)opt;
	errno = 0;
	v = strtod(arg, &end);
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		if (end == arg || errno || strcmp(end, small[i].unit))
			continue;
		if (!(v >= 0 && v * small[i].ns <= 3600e9))
			break;
		*(uint64_t *)target = (uint64_t)(v * small[i].ns + 0.5);
		return 0;
	}
	if (time_spec__parse_duration(arg, &ns, err, errlen))
		return -EINVAL;
	if (ns > 3600 * 1000000000ull) {
		snprintf(err, errlen, "--off-cpu-min must be at most an hour, not '%s'", arg);
		return -EINVAL;
	}
	*(uint64_t *)target = ns;
	return 0;
}

/* --off-cpu-probability P: in (0, 1], or auto. */
static int parse_off_cpu_probability(const struct option_spec *opt, void *target, const char *arg,
				     char *err, size_t errlen)
{
	char *end;
	double p;

	(void)opt;
	if (!strcmp(arg, "auto")) {
		*(double *)target = SAMPLING_OFF_CPU_AUTO;
		return 0;
	}
	errno = 0;
	p = strtod(arg, &end);
	if (errno || end == arg || *end || !(p >= SAMPLING_OFF_CPU_MIN_PROBABILITY && p <= 1)) {
		snprintf(err, errlen,
			 "--off-cpu-probability takes auto or a number from 0.0001 to 1, not '%s'",
			 arg);
		return -EINVAL;
	}
	*(double *)target = p;
	return 0;
}

/* Appends the roots @arg to the debuginfo path at @target (a char *, owned). */
static int parse_debuginfo_path(const struct option_spec *opt, void *target, const char *arg,
				char *err, size_t errlen)
{
	char **debuginfo_path = target;
	size_t old = *debuginfo_path ? strlen(*debuginfo_path) : 0;
	size_t len = strlen(arg);
	char *path;

	(void)opt;
	if (!len || strspn(arg, ":") == len) {
		snprintf(err, errlen,
			 "--debuginfo-path needs a folder, as in --debuginfo-path DIR");
		return -EINVAL;
	}
	path = realloc(*debuginfo_path, old + len + 2);
	if (!path) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (old)
		path[old++] = ':';
	memcpy(path + old, arg, len + 1);
	*debuginfo_path = path;
	return 0;
}

// clang-format off
const struct option_spec sampling_options[] = {
	{ .name = "pid", .short_name = 'p', .arg = "PID[,PID...]", .parse = parse_pids,
	  .help = "only these processes" },
	{ .name = "cpu", .short_name = 'C', .arg = "LIST", .parse = parse_cpus,
	  .help = "only these CPUs, e.g. 0,2-3" },
	{ .name = "cgroup", .arg = "PATH", .parse = option_table__set_string,
	  .offset = offsetof(struct sampling_opts, cgroup),
	  .help = "only tasks in this cgroup v2 folder and below it" },
	{ .name = "user-only", .parse = option_table__set_flag,
	  .offset = offsetof(struct sampling_opts, user_only), .help = "user stacks only" },
	{ .name = "kernel-only", .parse = option_table__set_flag,
	  .offset = offsetof(struct sampling_opts, kernel_only), .help = "kernel stacks only" },
	{ .name = "no-python", .parse = option_table__set_flag,
	  .offset = offsetof(struct sampling_opts, no_python),
	  .help = "leave out Python frames: CPython's native frames only" },
	{ .name = "java-perfmap", .parse = option_table__set_flag,
	  .offset = offsetof(struct sampling_opts, java_perfmap),
	  .help = "ask each JVM (JDK 17+) for its perf map, as jcmd PID\n"
		  "Compiler.perfmap does, to name JIT frames" },
	{ .name = "off-cpu", .parse = option_table__set_flag,
	  .offset = offsetof(struct sampling_opts, off_cpu),
	  .help = "also time off the CPU: how long threads wait (sleep, I/O,\n"
		  "locks, a CPU), charged to the stacks they left the CPU in" },
	{ .name = "off-cpu-min", .arg = "DURATION", .parse = parse_off_cpu_min,
	  .offset = offsetof(struct sampling_opts, off_cpu_min_ns),
	  .help = "shorter waits are not counted (default 1ms)" },
	{ .name = "off-cpu-probability", .arg = "P|auto", .parse = parse_off_cpu_probability,
	  .offset = offsetof(struct sampling_opts, off_cpu_probability),
	  .help = "follow this share of context switches, to bound the cost\n"
		  "on busy hosts; times are scaled by 1/P; auto: about\n"
		  "500 a second, whatever the rate (default 1; agent: auto)" },
	{ .name = "include-idle", .parse = option_table__set_flag,
	  .offset = offsetof(struct sampling_opts, include_idle),
	  .help = "keep samples of idle CPUs (the swapper task)" },
	{ .name = "stack-map-size", .arg = "N", .parse = parse_map_size,
	  .offset = offsetof(struct sampling_opts, stack_map_size),
	  .help = "distinct stacks the kernel can hold (default "
		  OPTION_STR(SAMPLING_STACK_MAP_SIZE) ", agent " OPTION_STR(AGENT_STACK_MAP_SIZE) ")" },
	{ .name = "counts-map-size", .arg = "N", .parse = parse_map_size,
	  .offset = offsetof(struct sampling_opts, counts_map_size),
	  .help = "distinct (thread, stack) keys (default " OPTION_STR(SAMPLING_COUNTS_MAP_SIZE)
		  ", agent " OPTION_STR(AGENT_COUNTS_MAP_SIZE) ")" },
	{ .name = "debuginfo-path", .arg = "DIR[:DIR...]", .parse = parse_debuginfo_path,
	  .offset = offsetof(struct sampling_opts, debuginfo_path),
	  .help = "roots of separate debug files (DIR/.build-id/xx/rest.debug),\n"
		  "searched before /usr/lib/debug; repeatable" },
	{ .name = "unwind", .arg = "dwarf|fp", .parse = parse_unwind,
	  .offset = offsetof(struct sampling_opts, frame_pointers_only),
	  .help = "user stacks through unwind tables built from .eh_frame,\n"
		  "frame pointers where there are none (dwarf, the default),\n"
		  "or through frame pointers only (fp)" },
	{ .name = "unwind-table-size", .arg = "SIZE", .parse = parse_unwind_table_size,
	  .offset = offsetof(struct sampling_opts, unwind_table_bytes),
	  .help = "kernel memory for unwind tables, 8 bytes a row (default "
		  OPTION_STR(DEFAULT_UNWIND_TABLE_MIB) "M)" },
	{ .name = "unwind-cache", .arg = "DIR|none", .parse = parse_unwind_cache,
	  .offset = offsetof(struct sampling_opts, unwind_cache),
	  .help = "where built tables are kept across runs (default "
		  SAMPLING_DEFAULT_UNWIND_CACHE ")" },
	OPTION_END,
};
// clang-format on

int sampling_options__check(const struct sampling_opts *opts, char *err, size_t errlen)
{
	if (opts->user_only && opts->kernel_only) {
		snprintf(err, errlen, "--user-only and --kernel-only exclude each other");
		return -EINVAL;
	}
	if (opts->java_perfmap && opts->kernel_only) {
		snprintf(err, errlen, "--java-perfmap names user frames: not with --kernel-only");
		return -EINVAL;
	}
	return 0;
}
