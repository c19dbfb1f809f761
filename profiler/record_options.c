// SPDX-License-Identifier: GPL-2.0-only
#include "record_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "svg_options.h"

#define DEFAULT_DURATION_S 10.0
#define DEFAULT_FREQUENCY 99
#define MAX_FREQUENCY 100000
#define DEFAULT_STACK_MAP_SIZE 32768
#define DEFAULT_COUNTS_MAP_SIZE 65536
#define MAX_MAP_SIZE (1u << 24)
#define PID_LIMIT 0x7fffffffu /* existence is checked later, with a clearer message */
#define CPU_LIMIT 8192

enum {
	OPT_CGROUP = 256,
	OPT_USER_ONLY,
	OPT_KERNEL_ONLY,
	OPT_INCLUDE_IDLE,
	OPT_STACK_MAP_SIZE,
	OPT_COUNTS_MAP_SIZE,
	OPT_DEBUGINFO_PATH,
};

static const struct option long_options[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "frequency", required_argument, NULL, 'F' },
	{ "pid", required_argument, NULL, 'p' },
	{ "cpu", required_argument, NULL, 'C' },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "user-only", no_argument, NULL, OPT_USER_ONLY },
	{ "kernel-only", no_argument, NULL, OPT_KERNEL_ONLY },
	{ "include-idle", no_argument, NULL, OPT_INCLUDE_IDLE },
	{ "stack-map-size", required_argument, NULL, OPT_STACK_MAP_SIZE },
	{ "counts-map-size", required_argument, NULL, OPT_COUNTS_MAP_SIZE },
	{ "debuginfo-path", required_argument, NULL, OPT_DEBUGINFO_PATH },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	SVG_LONG_OPTIONS,
	{ 0 },
};

void record_opts__usage(FILE *out)
{
	fputs("usage: bpfprof record [OPTIONS] [-- COMMAND [ARGS...]]\n"
	      "\n"
	      "Samples kernel and user stacks of every process (or the selected ones) and writes\n"
	      "a profile. With COMMAND, profiles it and every process it starts until it exits.\n"
	      "\n"
	      "  -d, --duration SECS      how long to sample (default 10; with COMMAND: until it\n"
	      "                           exits, or SECS if given)\n"
	      "  -F, --frequency HZ       samples per second per CPU (default 99)\n"
	      "  -p, --pid PID[,PID...]   only these processes\n"
	      "  -C, --cpu LIST           only these CPUs, e.g. 0,2-3\n"
	      "      --cgroup PATH        only tasks in this cgroup v2 folder and below it\n"
	      "  -o, --output FILE        repeatable; format from the extension: .svg, .folded/.txt,\n"
	      "                           .pb.gz/.pprof; \"-\" writes folded stacks to stdout\n"
	      "                           (default profile.svg)\n"
	      "  -f, --format FMT         svg, folded or pprof, for outputs without a known extension\n"
	      "      --user-only          user stacks only\n"
	      "      --kernel-only        kernel stacks only\n"
	      "      --include-idle       keep samples of idle CPUs (the swapper task)\n"
	      "      --stack-map-size N   distinct stacks the kernel can hold (default 32768)\n"
	      "      --counts-map-size N  distinct (thread, stack) keys (default 65536)\n"
	      "      --debuginfo-path DIR[:DIR...]\n"
	      "                           roots of separate debug files (DIR/.build-id/xx/rest.debug),\n"
	      "                           searched before /usr/lib/debug; repeatable\n"
	      "  -q, --quiet              no progress line and no summary\n"
	      "  -v, --verbose            more messages (repeat for debug output)\n"
	      "  -h, --help               this help\n",
	      out);
	svg_options__usage(out);
	fputs("\nSIGINT or SIGTERM end the recording early; every output is still written.\n"
	      "Needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE).\n",
	      out);
}

/* Gives every output a format and rejects the ones this build cannot write. */
static int resolve_output_formats(struct record_opts *opts, enum output_format fallback,
				  char *err, size_t errlen)
{
	for (size_t i = 0; i < opts->noutputs; i++) {
		struct record_output *o = &opts->outputs[i];

		o->format = output_format__from_path(o->path);
		if (o->format == OUTPUT_FORMAT_NONE)
			o->format = fallback;
		if (o->format == OUTPUT_FORMAT_NONE) {
			snprintf(err, errlen,
				 "cannot tell the format of '%s': name it .svg, .folded or .pb.gz, "
				 "or give -f svg|folded|pprof",
				 o->path);
			return -EINVAL;
		}
	}
	return 0;
}

/* Appends the roots @dirs to opts->debuginfo_path. */
static int add_debuginfo_path(struct record_opts *opts, const char *dirs, char *err,
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

static void set_defaults(struct record_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	flamegraph_opts__init(&opts->svg);
	opts->duration_s = DEFAULT_DURATION_S;
	opts->frequency = DEFAULT_FREQUENCY;
	opts->stack_map_size = DEFAULT_STACK_MAP_SIZE;
	opts->counts_map_size = DEFAULT_COUNTS_MAP_SIZE;
}

enum record_parse_result record_opts__parse(struct record_opts *opts, int argc, char **argv,
					    char *err, size_t errlen)
{
	enum output_format fallback = OUTPUT_FORMAT_NONE;
	uint64_t v;
	int c;

	set_defaults(opts);
	err[0] = '\0';
	optind = 1;
	opterr = 0;
	/* '+': stop at the first non-option, so a command's own options stay its own. */
	while ((c = getopt_long(argc, argv, "+:d:F:p:C:o:f:qvh", long_options, NULL)) != -1) {
		int svg = svg_options__handle(c, optarg, &opts->svg, err, errlen);

		if (svg < 0)
			return RECORD_PARSE_ERROR;
		if (svg)
			continue;
		switch (c) {
		case 'd':
			if (parse_seconds(optarg, "duration (-d)", &opts->duration_s, err, errlen))
				return RECORD_PARSE_ERROR;
			opts->duration_set = true;
			break;
		case 'F':
			if (parse_uint(optarg, "frequency (-F)", 1, MAX_FREQUENCY, &v, err, errlen))
				return RECORD_PARSE_ERROR;
			opts->frequency = v;
			break;
		case 'p':
			if (parse_number_list(optarg, "pid (-p)", PID_LIMIT, &opts->pids,
					      &opts->npids, err, errlen))
				return RECORD_PARSE_ERROR;
			break;
		case 'C':
			if (parse_number_list(optarg, "cpu (-C)", CPU_LIMIT, &opts->cpus,
					      &opts->ncpus, err, errlen))
				return RECORD_PARSE_ERROR;
			break;
		case OPT_CGROUP:
			opts->cgroup = optarg;
			break;
		case 'o':
			if (opts->noutputs == RECORD_MAX_OUTPUTS) {
				snprintf(err, errlen, "at most %d outputs (-o)", RECORD_MAX_OUTPUTS);
				return RECORD_PARSE_ERROR;
			}
			opts->outputs[opts->noutputs++].path = optarg;
			break;
		case 'f':
			fallback = output_format__from_name(optarg);
			if (fallback == OUTPUT_FORMAT_NONE) {
				snprintf(err, errlen, "format (-f) must be folded, pprof or svg, not '%s'",
					 optarg);
				return RECORD_PARSE_ERROR;
			}
			break;
		case OPT_USER_ONLY:
			opts->user_only = true;
			break;
		case OPT_KERNEL_ONLY:
			opts->kernel_only = true;
			break;
		case OPT_INCLUDE_IDLE:
			opts->include_idle = true;
			break;
		case OPT_STACK_MAP_SIZE:
		case OPT_COUNTS_MAP_SIZE:
			if (parse_size(optarg, c == OPT_STACK_MAP_SIZE ? "--stack-map-size" :
					       "--counts-map-size", 1024, MAX_MAP_SIZE, &v, err, errlen))
				return RECORD_PARSE_ERROR;
			if (c == OPT_STACK_MAP_SIZE)
				opts->stack_map_size = v;
			else
				opts->counts_map_size = v;
			break;
		case OPT_DEBUGINFO_PATH:
			if (add_debuginfo_path(opts, optarg, err, errlen))
				return RECORD_PARSE_ERROR;
			break;
		case 'q':
			opts->quiet = true;
			break;
		case 'v':
			opts->verbose++;
			break;
		case 'h':
			record_opts__usage(stdout);
			return RECORD_PARSE_HELP;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return RECORD_PARSE_ERROR;
		default:
			snprintf(err, errlen, "unknown option '%s' (see bpfprof record --help)",
				 argv[optind - 1]);
			return RECORD_PARSE_ERROR;
		}
	}
	if (optind < argc)
		opts->command = &argv[optind];
	if (opts->user_only && opts->kernel_only) {
		snprintf(err, errlen, "--user-only and --kernel-only exclude each other");
		return RECORD_PARSE_ERROR;
	}
	if (opts->command && opts->npids) {
		snprintf(err, errlen, "give either -p or a command, not both");
		return RECORD_PARSE_ERROR;
	}
	if (opts->noutputs == 0)
		opts->outputs[opts->noutputs++].path = "profile.svg";
	if (resolve_output_formats(opts, fallback, err, errlen))
		return RECORD_PARSE_ERROR;
	return RECORD_PARSE_OK;
}

void record_opts__release(struct record_opts *opts)
{
	free(opts->pids);
	free(opts->cpus);
	free(opts->debuginfo_path);
	opts->pids = NULL;
	opts->cpus = NULL;
	opts->debuginfo_path = NULL;
}
