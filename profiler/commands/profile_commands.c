// SPDX-License-Identifier: GPL-2.0-only
#include "profile_commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "output_format.h"
#include "profile.h"
#include "profile_io.h"
#include "store_commands.h"
#include "svg_options.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

enum command_kind {
	COMMAND_FLAMEGRAPH,
	COMMAND_DIFF,
	COMMAND_CONVERT,
};

struct command_spec {
	const char *name;
	const char *synopsis;
	const char *description;
	int min_inputs, max_inputs; /* max 0: no limit */
	enum output_format default_format;
};

static const struct command_spec specs[] = {
	[COMMAND_FLAMEGRAPH] = { "flamegraph", "INPUT... -o OUT [OPTIONS]",
				 "Merges folded or pprof profiles (told apart by their content), or\n"
				 "the intervals of an agent's store within a time window, and writes\n"
				 "them as a flame graph, or in the format OUT's extension names.\n",
				 1, 0, OUTPUT_FORMAT_SVG },
	[COMMAND_DIFF] = { "diff", "BASE NEW -o OUT.svg [OPTIONS]",
			   "A differential flame graph: widths from NEW; red frames grew, blue ones\n"
			   "shrank since BASE, the stronger the colour the larger the change.\n",
			   2, 2, OUTPUT_FORMAT_SVG },
	[COMMAND_CONVERT] = { "convert", "INPUT -o OUTPUT [-f FORMAT]",
			      "Converts between folded and pprof (and to svg), exactly.\n", 1, 1,
			      OUTPUT_FORMAT_NONE },
};

struct command_opts {
	const char *output;
	enum output_format format;
	struct flamegraph_opts svg;
	char **inputs;
	int ninputs;
	struct store_window window; /* flamegraph --store; window.dir NULL without it */
};

enum {
	OPT_NO_NORMALIZE = 256,
};

static void usage(const struct command_spec *spec, enum command_kind kind, FILE *out)
{
	fprintf(out, "usage: bpfprof %s %s\n", spec->name, spec->synopsis);
	if (kind == COMMAND_FLAMEGRAPH)
		fputs("   or: bpfprof flamegraph --store DIR [--from TIME] [--to TIME]\n"
		      "                          [-p PID[,PID...]] [--comm NAME] -o OUT [OPTIONS]\n",
		      out);
	fprintf(out, "\n%s\n", spec->description);
	fputs("  -o, --output FILE        where to write; format from the extension\n"
	      "                           (.svg, .folded/.txt, .pb.gz/.pprof); \"-\" is stdout;\n"
	      "                           a link is followed, a device or FIFO written in place\n"
	      "  -f, --format FMT         folded, pprof or svg, for a name without one of those\n",
	      out);
	if (kind == COMMAND_DIFF)
		fputs("      --no-normalize       compare raw counts instead of shares\n", out);
	fputs("  -v, --verbose            more messages\n"
	      "  -h, --help               this help\n",
	      out);
	if (kind == COMMAND_FLAMEGRAPH)
		store_window__usage(out);
	if (kind != COMMAND_CONVERT)
		svg_options__usage(out);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Returns -1 to go on, or the exit status. */
static int parse(enum command_kind kind, int argc, char **argv, struct command_opts *o)
{
	const struct command_spec *spec = &specs[kind];
#define COMMON_LONG_OPTIONS                                              \
	{ "output", required_argument, NULL, 'o' },                      \
	{ "format", required_argument, NULL, 'f' },                      \
	{ "no-normalize", no_argument, NULL, OPT_NO_NORMALIZE },         \
	{ "verbose", no_argument, NULL, 'v' },                           \
	{ "help", no_argument, NULL, 'h' },                              \
	SVG_LONG_OPTIONS
	static const struct option long_options[] = { COMMON_LONG_OPTIONS, { 0 } };
	/* The store window is the flamegraph command's alone. */
	static const struct option flamegraph_long_options[] = {
		COMMON_LONG_OPTIONS,
		STORE_WINDOW_LONG_OPTIONS,
		{ 0 },
	};
#undef COMMON_LONG_OPTIONS
	bool flamegraph = kind == COMMAND_FLAMEGRAPH;
	char err[256] = "";
	int c, handled;

	memset(o, 0, sizeof(*o));
	flamegraph_opts__init(&o->svg);
	store_window__init(&o->window, now_ns());
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, flamegraph ? ":o:f:p:vh" : ":o:f:vh",
				flamegraph ? flamegraph_long_options : long_options, NULL)) != -1) {
		handled = kind == COMMAND_CONVERT ? 0 : svg_options__handle(c, optarg, &o->svg, err,
									     sizeof(err));
		if (!handled && flamegraph)
			handled = store_window__handle(&o->window, c, optarg, err, sizeof(err));
		if (handled < 0)
			goto out_usage;
		if (handled)
			continue;
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'f':
			o->format = output_format__from_name(optarg);
			if (o->format == OUTPUT_FORMAT_NONE) {
				snprintf(err, sizeof(err),
					 "format (-f) must be folded, pprof or svg, not '%s'", optarg);
				goto out_usage;
			}
			break;
		case OPT_NO_NORMALIZE:
			if (kind != COMMAND_DIFF)
				goto out_unknown;
			o->svg.normalize = false;
			break;
		case 'v':
			log__set_level(log__level() < LOG_INFO ? LOG_INFO : LOG_DEBUG);
			break;
		case 'h':
			usage(spec, kind, stdout);
			return 0;
		case ':':
			snprintf(err, sizeof(err), "option '%s' needs a value", argv[optind - 1]);
			goto out_usage;
		default:
			goto out_unknown;
		}
	}
	o->inputs = argv + optind;
	o->ninputs = argc - optind;
	if (store_window__check(&o->window, err, sizeof(err)))
		goto out_usage;
	if (o->window.dir && o->ninputs) {
		snprintf(err, sizeof(err), "give INPUT files or --store DIR, not both");
		goto out_usage;
	}
	if (!o->window.dir && (o->ninputs < spec->min_inputs ||
			       (spec->max_inputs && o->ninputs > spec->max_inputs))) {
		snprintf(err, sizeof(err), "expected %s%s", spec->synopsis,
			 kind == COMMAND_FLAMEGRAPH ? " or --store DIR -o OUT" : "");
		goto out_usage;
	}
	if (!o->output) {
		snprintf(err, sizeof(err), "say where to write with -o FILE (\"-\" for stdout)");
		goto out_usage;
	}
	/* An explicit -f wins; then the extension; then the command's own default. */
	if (o->format == OUTPUT_FORMAT_NONE)
		o->format = output_format__from_path(o->output);
	if (o->format == OUTPUT_FORMAT_NONE || (!strcmp(o->output, "-") && kind != COMMAND_CONVERT))
		o->format = spec->default_format;
	if (o->format == OUTPUT_FORMAT_NONE) {
		snprintf(err, sizeof(err), "cannot tell the format of '%s': give -f folded|pprof|svg",
			 o->output);
		goto out_usage;
	}
	if (kind == COMMAND_DIFF && o->format != OUTPUT_FORMAT_SVG) {
		snprintf(err, sizeof(err), "a differential graph is written as .svg, not as %s",
			 output_format__name(o->format));
		goto out_usage;
	}
	return -1;

out_unknown:
	snprintf(err, sizeof(err), "unknown option '%s' (see bpfprof %s --help)", argv[optind - 1],
		 spec->name);
out_usage:
	fprintf(stderr, "bpfprof %s: %s\n", spec->name, err);
	return EXIT_USAGE;
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

static int run(enum command_kind kind, int argc, char **argv)
{
	struct profile *prof, *base = NULL;
	char window[2 * TIME_SPEC_FORMAT_MAX + 8], a[TIME_SPEC_FORMAT_MAX], b[TIME_SPEC_FORMAT_MAX];
	const struct profile_meta *meta;
	struct command_opts o;
	int status, err;

	status = parse(kind, argc, argv, &o);
	if (status >= 0)
		goto out_release;
	if (o.window.dir) {
		prof = store_window__profile(&o.window);
		/* A postmortem graph says which window it shows. */
		if (prof && !o.svg.subtitle) {
			meta = profile__meta(prof);
			snprintf(window, sizeof(window), "%s .. %s", time_spec__format(meta->time_ns, a),
				 time_spec__format(meta->time_ns + meta->duration_ns, b));
			o.svg.subtitle = window;
		}
	} else if (kind == COMMAND_DIFF) {
		base = load(o.inputs, 1);
		if (!base)
			return EXIT_RUNTIME;
		o.svg.base = base;
		prof = load(o.inputs + 1, 1);
	} else {
		prof = load(o.inputs, o.ninputs);
	}
	err = prof ? profile_io__write(prof, o.output, o.format, &o.svg) : -EINVAL;
	profile__free(prof);
	profile__free(base);
	status = err ? EXIT_RUNTIME : 0;
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
