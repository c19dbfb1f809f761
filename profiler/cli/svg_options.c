// SPDX-License-Identifier: GPL-2.0-only
#include "svg_options.h"

#include <errno.h>
#include <stdlib.h>

#include "options.h"

#define MAX_SVG_WIDTH 100000

static int parse_width(const struct option_spec *opt, void *target, const char *arg, char *err,
		       size_t errlen)
{
	uint64_t v;

	(void)opt;
	if (options__parse_uint(arg, "--width", 100, MAX_SVG_WIDTH, &v, err, errlen))
		return -EINVAL;
	*(unsigned int *)target = v;
	return 0;
}

static int parse_min_width(const struct option_spec *opt, void *target, const char *arg, char *err,
			   size_t errlen)
{
	double *min_width = target;
	char *end;

	(void)opt;
	*min_width = strtod(arg, &end);
	if (*end || end == arg || !(*min_width >= 0 && *min_width <= 1000)) {
		snprintf(err, errlen,
			 "--min-width must be a number of pixels from 0 to 1000, "
			 "not '%s'",
			 arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_colors(const struct option_spec *opt, void *target, const char *arg, char *err,
			size_t errlen)
{
	(void)opt;
	if (flamegraph__parse_colors(arg, target)) {
		snprintf(err, errlen,
			 "--colors must be kind, hot, mem, io, red, green, blue, "
			 "aqua, yellow, purple or orange, not '%s'",
			 arg);
		return -EINVAL;
	}
	return 0;
}

// clang-format off
const struct option_spec svg_options[] = {
	OPTION_TEXT("flame graph options (.svg outputs):\n"),
	{ .name = "title", .arg = "TEXT", .parse = option_table__set_string,
	  .offset = offsetof(struct flamegraph_opts, title),
	  .help = "title (default \"Flame Graph\")" },
	{ .name = "subtitle", .arg = "TEXT", .parse = option_table__set_string,
	  .offset = offsetof(struct flamegraph_opts, subtitle),
	  .help = "a second line under the title" },
	{ .name = "width", .arg = "PX", .parse = parse_width,
	  .offset = offsetof(struct flamegraph_opts, width), .help = "image width (default 1200)" },
	{ .name = "min-width", .arg = "PX", .parse = parse_min_width,
	  .offset = offsetof(struct flamegraph_opts, min_width),
	  .help = "leave out frames narrower than this (default 0.1)" },
	{ .name = "inverted", .parse = option_table__set_flag,
	  .offset = offsetof(struct flamegraph_opts, inverted),
	  .help = "icicle graph: the root at the top" },
	{ .name = "reverse", .parse = option_table__set_flag,
	  .offset = offsetof(struct flamegraph_opts, reverse),
	  .help = "reverse the stacks: merge them at the leaves" },
	{ .name = "colors", .arg = "PALETTE", .parse = parse_colors,
	  .offset = offsetof(struct flamegraph_opts, colors),
	  .help = "kind (default: user red, kernel orange, JIT green,\n"
		  "inline aqua), hot, mem, io, red, green, blue, aqua,\n"
		  "yellow, purple, orange" },
	OPTION_END,
};
// clang-format on
