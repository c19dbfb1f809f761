// SPDX-License-Identifier: GPL-2.0-only
#include "record_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "sampling_options.h"
#include "svg_options.h"

#define DEFAULT_DURATION_S 10.0
#define DEFAULT_FREQUENCY 99
/* Past the sampling and SVG option codes. */
#define RECORD_OPT_DEBUG_CAPTURE 1024

static const struct option long_options[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "debug-capture", required_argument, NULL, RECORD_OPT_DEBUG_CAPTURE },
	SAMPLING_LONG_OPTIONS,
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
	      "  -o, --output FILE        repeatable; format from the extension: .svg, .folded/.txt,\n"
	      "                           .pb.gz/.pprof; \"-\" writes folded stacks to stdout\n"
	      "                           (default profile.svg); a link is followed, a device or\n"
	      "                           FIFO written in place\n"
	      "  -f, --format FMT         svg, folded or pprof, for outputs without a known extension\n"
	      "  -q, --quiet              no progress line and no summary\n"
	      "  -v, --verbose            more messages (repeat for debug output)\n"
	      "  -h, --help               this help\n"
	      "      --debug-capture FILE every user stack's registers, stack bytes and walk, raw,\n"
	      "                           to check the unwinder against another one\n",
	      out);
	sampling_options__usage(out, DEFAULT_FREQUENCY);
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

static void set_defaults(struct record_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	flamegraph_opts__init(&opts->svg);
	sampling_opts__init(&opts->sampling, DEFAULT_FREQUENCY);
	opts->duration_s = DEFAULT_DURATION_S;
}

enum record_parse_result record_opts__parse(struct record_opts *opts, int argc, char **argv,
					    char *err, size_t errlen)
{
	enum output_format fallback = OUTPUT_FORMAT_NONE;
	int c;

	set_defaults(opts);
	err[0] = '\0';
	optind = 1;
	opterr = 0;
	/* '+': stop at the first non-option, so a command's own options stay its own. */
	while ((c = getopt_long(argc, argv, "+:d:o:f:qvh" SAMPLING_SHORT_OPTIONS, long_options,
				NULL)) != -1) {
		int handled = sampling_options__handle(c, optarg, &opts->sampling, err, errlen);

		if (!handled)
			handled = svg_options__handle(c, optarg, &opts->svg, err, errlen);
		if (handled < 0)
			return RECORD_PARSE_ERROR;
		if (handled)
			continue;
		switch (c) {
		case 'd':
			if (options__parse_seconds(optarg, "duration (-d)", &opts->duration_s, err,
						   errlen))
				return RECORD_PARSE_ERROR;
			opts->duration_set = true;
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
		case 'q':
			opts->quiet = true;
			break;
		case RECORD_OPT_DEBUG_CAPTURE:
			opts->capture_path = optarg;
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
	if (sampling_options__check(&opts->sampling, err, errlen))
		return RECORD_PARSE_ERROR;
	if (opts->command && opts->sampling.npids) {
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
	sampling_opts__release(&opts->sampling);
}
