// SPDX-License-Identifier: GPL-2.0-only
#include "sampling_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define MAX_FREQUENCY 100000
#define DEFAULT_STACK_MAP_SIZE 32768
#define DEFAULT_COUNTS_MAP_SIZE 65536
#define MAX_MAP_SIZE (1u << 24)
#define PID_LIMIT 0x7fffffffu /* existence is checked later, with a clearer message */
#define CPU_LIMIT 8192
#define DEFAULT_UNWIND_TABLE_BYTES (32ull << 20)
/* The walker's binary search covers 2^25 rows of a table. */
#define MAX_UNWIND_TABLE_BYTES (256ull << 20)
#define MIN_UNWIND_TABLE_BYTES (64ull << 10)

void sampling_opts__init(struct sampling_opts *opts, uint32_t frequency)
{
	memset(opts, 0, sizeof(*opts));
	opts->frequency = frequency;
	opts->stack_map_size = DEFAULT_STACK_MAP_SIZE;
	opts->counts_map_size = DEFAULT_COUNTS_MAP_SIZE;
	opts->unwind_table_bytes = DEFAULT_UNWIND_TABLE_BYTES;
	opts->unwind_cache = SAMPLING_DEFAULT_UNWIND_CACHE;
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

/* Appends the roots @dirs to opts->debuginfo_path. */
static int add_debuginfo_path(struct sampling_opts *opts, const char *dirs, char *err,
			      size_t errlen)
{
	size_t old = opts->debuginfo_path ? strlen(opts->debuginfo_path) : 0;
	size_t len = strlen(dirs);
	char *path;

	if (!len || strspn(dirs, ":") == len) {
		snprintf(err, errlen, "--debuginfo-path needs a folder, as in --debuginfo-path DIR");
		return -EINVAL;
	}
	path = realloc(opts->debuginfo_path, old + len + 2);
	if (!path) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (old)
		path[old++] = ':';
	memcpy(path + old, dirs, len + 1);
	opts->debuginfo_path = path;
	return 0;
}

static int handle_value(int opt, const char *arg, struct sampling_opts *opts, char *err,
			size_t errlen)
{
	uint64_t v;
	int ret;

	switch (opt) {
	case 'F':
		ret = options__parse_uint(arg, "frequency (-F)", 1, MAX_FREQUENCY, &v, err, errlen);
		if (!ret)
			opts->frequency = v;
		return ret;
	case 'p':
		return options__parse_number_list(arg, "pid (-p)", PID_LIMIT, &opts->pids,
						  &opts->npids, err, errlen);
	case 'C':
		return options__parse_number_list(arg, "cpu (-C)", CPU_LIMIT, &opts->cpus,
						  &opts->ncpus, err, errlen);
	case SAMPLING_OPT_STACK_MAP_SIZE:
		ret = options__parse_size(arg, "--stack-map-size", 1024, MAX_MAP_SIZE, &v, err,
					  errlen);
		if (!ret)
			opts->stack_map_size = v;
		return ret;
	case SAMPLING_OPT_COUNTS_MAP_SIZE:
		ret = options__parse_size(arg, "--counts-map-size", 1024, MAX_MAP_SIZE, &v, err,
					  errlen);
		if (!ret)
			opts->counts_map_size = v;
		return ret;
	case SAMPLING_OPT_UNWIND_TABLE_SIZE:
		return options__parse_size(arg, "--unwind-table-size", MIN_UNWIND_TABLE_BYTES,
				  MAX_UNWIND_TABLE_BYTES, &opts->unwind_table_bytes, err, errlen);
	case SAMPLING_OPT_UNWIND:
		if (strcmp(arg, "dwarf") && strcmp(arg, "fp")) {
			snprintf(err, errlen, "--unwind takes dwarf or fp, not '%s'", arg);
			return -EINVAL;
		}
		opts->frame_pointers_only = !strcmp(arg, "fp");
		return 0;
	default: /* SAMPLING_OPT_DEBUGINFO_PATH */
		return add_debuginfo_path(opts, arg, err, errlen);
	}
}

int sampling_options__handle(int opt, const char *arg, struct sampling_opts *opts, char *err,
			     size_t errlen)
{
	int ret;

	switch (opt) {
	case SAMPLING_OPT_CGROUP:
		opts->cgroup = arg;
		return 1;
	case SAMPLING_OPT_USER_ONLY:
		opts->user_only = true;
		return 1;
	case SAMPLING_OPT_KERNEL_ONLY:
		opts->kernel_only = true;
		return 1;
	case SAMPLING_OPT_INCLUDE_IDLE:
		opts->include_idle = true;
		return 1;
	case SAMPLING_OPT_UNWIND_CACHE:
		opts->unwind_cache = strcmp(arg, "none") ? arg : NULL;
		return 1;
	case 'F':
	case 'p':
	case 'C':
	case SAMPLING_OPT_STACK_MAP_SIZE:
	case SAMPLING_OPT_COUNTS_MAP_SIZE:
	case SAMPLING_OPT_DEBUGINFO_PATH:
	case SAMPLING_OPT_UNWIND:
	case SAMPLING_OPT_UNWIND_TABLE_SIZE:
		ret = handle_value(opt, arg, opts, err, errlen);
		return ret ? ret : 1;
	default:
		return 0;
	}
}

int sampling_options__check(const struct sampling_opts *opts, char *err, size_t errlen)
{
	if (opts->user_only && opts->kernel_only) {
		snprintf(err, errlen, "--user-only and --kernel-only exclude each other");
		return -EINVAL;
	}
	return 0;
}

void sampling_options__usage(FILE *out, uint32_t default_frequency)
{
	fprintf(out,
		"  -F, --frequency HZ       samples per second per CPU (default %u)\n"
		"  -p, --pid PID[,PID...]   only these processes\n"
		"  -C, --cpu LIST           only these CPUs, e.g. 0,2-3\n"
		"      --cgroup PATH        only tasks in this cgroup v2 folder and below it\n"
		"      --user-only          user stacks only\n"
		"      --kernel-only        kernel stacks only\n"
		"      --include-idle       keep samples of idle CPUs (the swapper task)\n"
		"      --stack-map-size N   distinct stacks the kernel can hold (default %u)\n"
		"      --counts-map-size N  distinct (thread, stack) keys (default %u)\n"
		"      --debuginfo-path DIR[:DIR...]\n"
		"                           roots of separate debug files (DIR/.build-id/xx/rest.debug),\n"
		"                           searched before /usr/lib/debug; repeatable\n"
		"      --unwind dwarf|fp    user stacks through unwind tables built from .eh_frame,\n"
		"                           frame pointers where there are none (dwarf, the default),\n"
		"                           or through frame pointers only (fp)\n"
		"      --unwind-table-size SIZE\n"
		"                           kernel memory for unwind tables, 8 bytes a row (default %lluM)\n"
		"      --unwind-cache DIR|none\n"
		"                           where built tables are kept across runs (default %s)\n",
		default_frequency, DEFAULT_STACK_MAP_SIZE, DEFAULT_COUNTS_MAP_SIZE,
		DEFAULT_UNWIND_TABLE_BYTES >> 20, SAMPLING_DEFAULT_UNWIND_CACHE);
}
