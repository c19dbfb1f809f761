// SPDX-License-Identifier: GPL-2.0-only
#include "profile_commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "options.h"
#include "output_format.h"
#include "profile.h"
#include "profile_io.h"
#include "store_commands.h"
#include "svg_options.h"
#include "time_spec.h"
#include "verbosity.h"

enum command_kind {
	COMMAND_FLAMEGRAPH,
	COMMAND_DIFF,
	COMMAND_CONVERT,
	COMMAND_REPORT,
};

struct command_opts {
	const char *output;
	enum output_format format;
	struct flamegraph_opts svg;
	struct store_window window; /* flamegraph/report --store; window.dir NULL without it */
	const char *base;	    /* report --base FILE */
	int verbose;
	char **inputs;
	int ninputs;
};

#define FLAMEGRAPH_SYNOPSIS "INPUT... -o OUT [OPTIONS]"
#define DIFF_SYNOPSIS "BASE NEW -o OUT.svg [OPTIONS]"
#define CONVERT_SYNOPSIS "INPUT -o OUTPUT [-f FORMAT]"
#define REPORT_SYNOPSIS "INPUT... -o OUT.html [--base FILE]"

/* -o and -f, which every one of these commands takes. */
// clang-format off
static const struct option_spec output_options[] = {
	{ .name = "output", .short_name = 'o', .arg = "FILE", .parse = option_table__set_string,
	  .offset = offsetof(struct command_opts, output),
	  .help = "where to write; format from the extension\n"
		  "(.svg, .folded/.txt, .pb.gz/.pprof, .html, .speedscope.json);\n"
		  "\"-\" is stdout; a link is followed, a device or FIFO\n"
		  "written in place" },
	{ .name = "format", .short_name = 'f', .arg = "FMT", .parse = options__parse_output_format,
	  .offset = offsetof(struct command_opts, format),
	  .help = "folded, pprof, svg, html or speedscope, for a name\n"
		  "without one of those" },
	OPTION_END,
};
// clang-format on

static const char flamegraph_usage[] =
	"usage: bpfprof flamegraph " FLAMEGRAPH_SYNOPSIS "\n"
	"   or: bpfprof flamegraph --store DIR [--from TIME] [--to TIME]\n"
	"                          [-p PID[,PID...]] [--comm NAME] -o OUT [OPTIONS]\n"
	"\n"
	"Merges folded or pprof profiles (told apart by their content), or\n"
	"the intervals of an agent's store within a time window, and writes\n"
	"them as a flame graph, or in the format OUT's extension names.\n"
	"\n";
/* The window rule, after the store's options. */
static const char flamegraph_window_notes[] =
	"  TIME: RFC 3339 (2026-11-21T10:02:00Z), 'YYYY-MM-DD HH:MM[:SS]' in local time,\n"
	"  unix seconds, relative (-15m, -2h, -30s, -1d) or now.\n"
	"  Samples are timed to the second they were taken in; a sample is kept when that\n"
	"  second starts in [FROM, TO). Samples without a time (older store files) are kept\n"
	"  when their interval overlaps the window.\n"
	"\n";

/* --store and the window, instead of INPUT files (flamegraph, report). */
// clang-format off
static const struct option_spec store_source_options[] = {
	OPTION_TEXT("\nFrom an agent's store (instead of INPUT...):\n"),
	OPTION_GROUP(store_window_options, offsetof(struct command_opts, window)),
	OPTION_GROUP(store_filter_options, offsetof(struct command_opts, window)),
	OPTION_TEXT(flamegraph_window_notes),
	OPTION_END,
};
// clang-format on

// clang-format off
static const struct option_spec flamegraph_options[] = {
	OPTION_TEXT(flamegraph_usage),
	OPTION_GROUP(output_options, 0),
	OPTION_GROUP(verbosity_options, offsetof(struct command_opts, verbose)),
	OPTION_HELP,
	OPTION_GROUP(store_source_options, 0),
	OPTION_GROUP(svg_options, offsetof(struct command_opts, svg)),
	OPTION_END,
};
// clang-format on

static int parse_no_normalize(const struct option_spec *opt, void *target, const char *arg,
			      char *err, size_t errlen)
{
	(void)opt, (void)arg, (void)err, (void)errlen;
	*(bool *)target = false;
	return 0;
}

// clang-format off
static const struct option_spec diff_options[] = {
	OPTION_TEXT("usage: bpfprof diff " DIFF_SYNOPSIS "\n"
		    "\n"
		    "A differential flame graph: widths from NEW; red frames grew, blue ones\n"
		    "shrank since BASE, the stronger the colour the larger the change.\n"
		    "\n"),
	OPTION_GROUP(output_options, 0),
	{ .name = "no-normalize", .parse = parse_no_normalize,
	  .offset = offsetof(struct command_opts, svg.normalize),
	  .help = "compare raw counts instead of shares" },
	OPTION_GROUP(verbosity_options, offsetof(struct command_opts, verbose)),
	OPTION_HELP,
	OPTION_GROUP(svg_options, offsetof(struct command_opts, svg)),
	OPTION_END,
};
// clang-format on

// clang-format off
static const struct option_spec convert_options[] = {
	OPTION_TEXT("usage: bpfprof convert " CONVERT_SYNOPSIS "\n"
		    "\n"
		    "Converts between folded and pprof (and to svg or speedscope),\n"
		    "exactly.\n"
		    "\n"),
	OPTION_GROUP(output_options, 0),
	OPTION_GROUP(verbosity_options, offsetof(struct command_opts, verbose)),
	OPTION_HELP,
	OPTION_END,
};
// clang-format on

// clang-format off
static const struct option_spec report_options[] = {
	OPTION_TEXT("usage: bpfprof report " REPORT_SYNOPSIS "\n"
		    "   or: bpfprof report --store DIR [--from TIME] [--to TIME]\n"
		    "                      [-p PID[,PID...]] [--comm NAME] -o OUT.html [--base FILE]\n"
		    "\n"
		    "Writes a postmortem report: one self-contained HTML page (no network)\n"
		    "with the samples per second stacked by process, and for any part of\n"
		    "the window chosen on it the flame graph, the table of functions, a\n"
		    "function's callers and callees, and a comparison with another part\n"
		    "or with the profile --base FILE.\n"
		    "\n"),
	OPTION_GROUP(output_options, 0),
	{ .name = "base", .arg = "FILE", .parse = option_table__set_string,
	  .offset = offsetof(struct command_opts, base),
	  .help = "a folded or pprof profile to compare with" },
	OPTION_GROUP(verbosity_options, offsetof(struct command_opts, verbose)),
	OPTION_HELP,
	OPTION_GROUP(store_source_options, 0),
	OPTION_END,
};
// clang-format on

struct command_spec {
	struct option_table table;
	const char *synopsis;
	int min_inputs, max_inputs; /* max 0: no limit */
	enum output_format default_format;
};

static const struct command_spec specs[] = {
	[COMMAND_FLAMEGRAPH] = { { "flamegraph", flamegraph_options },
				 FLAMEGRAPH_SYNOPSIS,
				 1,
				 0,
				 OUTPUT_FORMAT_SVG },
	[COMMAND_DIFF] = { { "diff", diff_options }, DIFF_SYNOPSIS, 2, 2, OUTPUT_FORMAT_SVG },
	[COMMAND_CONVERT] = { { "convert", convert_options },
			      CONVERT_SYNOPSIS,
			      1,
			      1,
			      OUTPUT_FORMAT_NONE },
	[COMMAND_REPORT] = { { "report", report_options },
			     REPORT_SYNOPSIS,
			     1,
			     0,
			     OUTPUT_FORMAT_HTML },
};

/* The inputs and the output, checked together once the options are parsed. */
static int check_files(enum command_kind kind, struct command_opts *o, char *err, size_t errlen)
{
	const struct command_spec *spec = &specs[kind];

	if (o->window.dir && o->ninputs) {
		snprintf(err, errlen, "give INPUT files or --store DIR, not both");
		return -EINVAL;
	}
	if (!o->window.dir && (o->ninputs < spec->min_inputs ||
			       (spec->max_inputs && o->ninputs > spec->max_inputs))) {
		snprintf(err, errlen, "expected %s%s", spec->synopsis,
			 kind == COMMAND_FLAMEGRAPH || kind == COMMAND_REPORT ?
				 " or --store DIR -o OUT" :
				 "");
		return -EINVAL;
	}
	if (!o->output) {
		snprintf(err, errlen, "say where to write with -o FILE (\"-\" for stdout)");
		return -EINVAL;
	}
	/* An explicit -f wins; then the extension; then the command's own default. */
	if (o->format == OUTPUT_FORMAT_NONE)
		o->format = output_format__from_path(o->output);
	if (o->format == OUTPUT_FORMAT_NONE || (!strcmp(o->output, "-") && kind != COMMAND_CONVERT))
		o->format = spec->default_format;
	if (o->format == OUTPUT_FORMAT_NONE) {
		snprintf(err, errlen,
			 "cannot tell the format of '%s': give -f folded|pprof|svg|html|speedscope",
			 o->output);
		return -EINVAL;
	}
	if (kind == COMMAND_DIFF && o->format != OUTPUT_FORMAT_SVG) {
		snprintf(err, errlen, "a differential graph is written as .svg, not as %s",
			 output_format__name(o->format));
		return -EINVAL;
	}
	if (kind == COMMAND_REPORT && o->format != OUTPUT_FORMAT_HTML) {
		snprintf(err, errlen, "a report is written as .html, not as %s",
			 output_format__name(o->format));
		return -EINVAL;
	}
	return 0;
}

/* Parses argv of the command @kind into @o; the caller releases @o's window in any case. */
static enum options_result command_opts__parse(enum command_kind kind, struct command_opts *o,
					       int argc, char **argv, char *err, size_t errlen)
{
	enum options_result result;
	int first_operand;

	memset(o, 0, sizeof(*o));
	flamegraph_opts__init(&o->svg);
	store_window__init(&o->window, realtime_ns());
	result = option_table__parse(&specs[kind].table, o, argc, argv, &first_operand, err,
				     errlen);
	if (result != OPTIONS_RUN)
		return result;
	o->inputs = argv + first_operand;
	o->ninputs = argc - first_operand;
	if (store_window__check(&o->window, err, errlen) || check_files(kind, o, err, errlen))
		return OPTIONS_ERROR;
	return OPTIONS_RUN;
}

/* Reads the @count files at @inputs, merged, into a new profile; NULL after a logged error. */
static struct profile *load(char **inputs, int count)
{
	struct profile *prof = profile__new();

	if (!prof) {
		pr_err("out of memory\n");
		return NULL;
	}
	for (int i = 0; i < count; i++) {
		if (profile_io__read(inputs[i], prof)) {
			profile__free(prof);
			return NULL;
		}
	}
	return prof;
}

/* "store DIR" or "files A, B, ..." into @buf: where a report's samples came from. */
static const char *describe_source(const struct command_opts *o, char *buf, size_t len)
{
	size_t used;

	if (o->window.dir) {
		snprintf(buf, len, "store %s", o->window.dir);
		return buf;
	}
	used = (size_t)snprintf(buf, len, "file%s ", o->ninputs > 1 ? "s" : "");
	for (int i = 0; i < o->ninputs && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 o->inputs[i]);
	return buf;
}

static int run(enum command_kind kind, int argc, char **argv)
{
	struct profile *prof = NULL, *base = NULL;
	struct report_facts facts = { 0 };
	struct profile_io_opts io;
	char source[512];
	char window[2 * CLOCK_FORMAT_MAX + 8], a[CLOCK_FORMAT_MAX], b[CLOCK_FORMAT_MAX];
	const struct profile_meta *meta;
	enum options_result result;
	char reason[OPTIONS_ERR_MAX];
	struct command_opts o;
	int status, err;

	result = command_opts__parse(kind, &o, argc, argv, reason, sizeof(reason));
	if (result != OPTIONS_RUN) {
		status = option_table__exit_status(&specs[kind].table, result, reason);
		goto out_release;
	}
	verbosity__apply(o.verbose, LOG_WARN);
	if (o.base) {
		base = load((char **)&o.base, 1);
		if (!base) {
			status = EXIT_STATUS_RUNTIME;
			goto out_release;
		}
		facts.base = base;
		facts.base_label = o.base;
	}
	if (o.window.dir) {
		o.window.keep_times = kind == COMMAND_REPORT;
		prof = store_window__profile(&o.window);
		/* A postmortem graph says which window it shows. */
		if (prof && !o.svg.subtitle) {
			meta = profile__meta(prof);
			snprintf(window, sizeof(window), "%s .. %s",
				 clock__format_utc(meta->time_ns, a),
				 clock__format_utc(meta->time_ns + meta->duration_ns, b));
			o.svg.subtitle = window;
		}
	} else if (kind == COMMAND_DIFF) {
		base = load(o.inputs, 1);
		if (!base) {
			status = EXIT_STATUS_RUNTIME;
			goto out_release;
		}
		o.svg.base = base;
		prof = load(o.inputs + 1, 1);
	} else {
		prof = load(o.inputs, o.ninputs);
	}
	facts.source = describe_source(&o, source, sizeof(source));
	io = (struct profile_io_opts){ .svg = &o.svg, .report = &facts };
	err = prof ? profile_io__write(prof, o.output, o.format, &io) : -EINVAL;
	profile__free(prof);
	profile__free(base);
	status = err ? EXIT_STATUS_RUNTIME : 0;
out_release:
	store_window__release(&o.window);
	return status;
}

int cmd_flamegraph(int argc, char **argv)
{
	return run(COMMAND_FLAMEGRAPH, argc, argv);
}

int cmd_diff(int argc, char **argv)
{
	return run(COMMAND_DIFF, argc, argv);
}

int cmd_convert(int argc, char **argv)
{
	return run(COMMAND_CONVERT, argc, argv);
}

int cmd_report(int argc, char **argv)
{
	return run(COMMAND_REPORT, argc, argv);
}
