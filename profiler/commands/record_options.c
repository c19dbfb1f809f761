// SPDX-License-Identifier: GPL-2.0-only
#include "record_options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "svg_options.h"
#include "verbosity.h"

#define DEFAULT_DURATION_S 10
#define DEFAULT_FREQUENCY 99

/* -d SECS: the duration, and that it was given. */
static int parse_duration(const struct option_spec *opt, void *target, const char *arg, char *err,
			  size_t errlen)
{
	struct record_opts *opts = target;

	(void)opt;
	if (options__parse_seconds(arg, "duration (-d)", &opts->duration_s, err, errlen))
		return -EINVAL;
	opts->duration_set = true;
	return 0;
}

/* -o FILE, --off-cpu-output FILE, --wall-output FILE: repeatable. */
static int parse_output(const struct option_spec *opt, void *target, const char *arg, char *err,
			size_t errlen)
{
	struct record_opts *opts = target;
	enum record_view view = !strcmp(opt->name, "off-cpu-output") ? RECORD_VIEW_OFF_CPU :
				!strcmp(opt->name, "wall-output")    ? RECORD_VIEW_WALL :
								       RECORD_VIEW_CPU;

	if (opts->noutputs == RECORD_MAX_OUTPUTS) {
		snprintf(err, errlen, "at most %d outputs (-o, --off-cpu-output, --wall-output)",
			 RECORD_MAX_OUTPUTS);
		return -E2BIG;
	}
	opts->outputs[opts->noutputs].path = arg;
	opts->outputs[opts->noutputs++].view = view;
	if (view != RECORD_VIEW_CPU)
		opts->sampling.off_cpu = true;
	return 0;
}

/* --help before the options, and after them. */
static const char usage[] =
	"usage: bpfprof record [OPTIONS] [-- COMMAND [ARGS...]]\n"
	"\n"
	"Samples kernel and user stacks of every process (or the selected ones) and writes\n"
	"a profile. With COMMAND, profiles it and every process it starts until it exits.\n"
	"\n";
static const char notes[] =
	"\n"
	"SIGINT or SIGTERM end the recording early; every output is still written.\n"
	"Needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE).\n";

// clang-format off
static const struct option_spec record_options[] = {
	OPTION_TEXT(usage),
	{ .name = "duration", .short_name = 'd', .arg = "SECS", .parse = parse_duration,
	  .help = "how long to sample (default " OPTION_STR(DEFAULT_DURATION_S)
		  "; with COMMAND: until it\n"
		  "exits, or SECS if given)" },
	{ .name = "output", .short_name = 'o', .arg = "FILE", .parse = parse_output,
	  .help = "repeatable; format from the extension: .svg, .folded/.txt,\n"
		  ".pb.gz/.pprof, .html (the report: timeline, flame graph,\n"
		  "table, compare), .speedscope.json; \"-\" writes folded\n"
		  "stacks to stdout (default profile.svg); a link is followed,\n"
		  "a device or FIFO written in place" },
	{ .name = "off-cpu-output", .arg = "FILE", .parse = parse_output,
	  .help = "repeatable; the time threads spent off the CPU (--off-cpu),\n"
		  "by the stacks they waited in, in nanoseconds; formats as -o" },
	{ .name = "wall-output", .arg = "FILE", .parse = parse_output,
	  .help = "repeatable; time on and off the CPU (wall time) per thread,\n"
		  "off-CPU time under a leaf [off-CPU] (implies --off-cpu)" },
	{ .name = "format", .short_name = 'f', .arg = "FMT", .parse = options__parse_output_format,
	  .offset = offsetof(struct record_opts, format),
	  .help = "svg, folded, pprof or speedscope, for outputs without a\n"
		  "known extension" },
	{ .name = "quiet", .short_name = 'q', .parse = option_table__set_flag,
	  .offset = offsetof(struct record_opts, quiet),
	  .help = "no progress line and no summary" },
	OPTION_GROUP(verbosity_options, offsetof(struct record_opts, verbose)),
	OPTION_HELP,
	{ .name = "debug-capture", .arg = "FILE", .parse = option_table__set_string,
	  .offset = offsetof(struct record_opts, capture_path),
	  .help = "every user stack's registers, stack bytes and walk, raw,\n"
		  "to check the unwinder against another one" },
	SAMPLING_FREQUENCY_OPTION(struct record_opts, sampling, DEFAULT_FREQUENCY),
	OPTION_GROUP(sampling_options, offsetof(struct record_opts, sampling)),
	OPTION_GROUP(svg_options, offsetof(struct record_opts, svg)),
	OPTION_TEXT(notes),
	OPTION_END,
};
// clang-format on

/* Options stop at the first operand: a command's own options stay its own. */
const struct option_table record_option_table = {
	.command = "record",
	.entries = record_options,
	.in_order = true,
};

/* Gives every output a format and rejects the ones this build cannot write. */
static int resolve_output_formats(struct record_opts *opts, char *err, size_t errlen)
{
	for (size_t i = 0; i < opts->noutputs; i++) {
		struct record_output *o = &opts->outputs[i];

		o->format = output_format__from_path(o->path);
		if (o->format == OUTPUT_FORMAT_NONE)
			o->format = opts->format;
		if (o->format == OUTPUT_FORMAT_NONE) {
			snprintf(err, errlen,
				 "cannot tell the format of '%s': name it .svg, .folded, .pb.gz or "
				 ".speedscope.json, or give -f svg|folded|pprof|speedscope",
				 o->path);
			return -EINVAL;
		}
	}
	return 0;
}

bool record_opts__has_view(const struct record_opts *opts, enum record_view view)
{
	for (size_t i = 0; i < opts->noutputs; i++)
		if (opts->outputs[i].view == view)
			return true;
	return false;
}

static void set_defaults(struct record_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	flamegraph_opts__init(&opts->svg);
	sampling_opts__init(&opts->sampling, DEFAULT_FREQUENCY);
	opts->duration_s = DEFAULT_DURATION_S;
}

enum options_result record_opts__parse(struct record_opts *opts, int argc, char **argv, char *err,
				       size_t errlen)
{
	enum options_result result;
	int first_operand;

	set_defaults(opts);
	result = option_table__parse(&record_option_table, opts, argc, argv, &first_operand, err,
				     errlen);
	if (result != OPTIONS_RUN)
		return result;
	if (first_operand < argc)
		opts->command = &argv[first_operand];
	if (sampling_options__check(&opts->sampling, err, errlen))
		return OPTIONS_ERROR;
	if (opts->command && opts->sampling.npids) {
		snprintf(err, errlen, "give either -p or a command, not both");
		return OPTIONS_ERROR;
	}
	if (opts->noutputs == 0)
		opts->outputs[opts->noutputs++].path = "profile.svg";
	if (opts->sampling.off_cpu && !record_opts__has_view(opts, RECORD_VIEW_OFF_CPU) &&
	    !record_opts__has_view(opts, RECORD_VIEW_WALL)) {
		snprintf(err, errlen,
			 "--off-cpu needs an output for it: --off-cpu-output FILE or "
			 "--wall-output FILE");
		return OPTIONS_ERROR;
	}
	if (resolve_output_formats(opts, err, errlen))
		return OPTIONS_ERROR;
	return OPTIONS_RUN;
}

void record_opts__release(struct record_opts *opts)
{
	sampling_opts__release(&opts->sampling);
}
