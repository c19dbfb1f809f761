// SPDX-License-Identifier: GPL-2.0-only
#include "svg_options.h"

#include <errno.h>
#include <stdlib.h>

#include "options.h"

#define MAX_SVG_WIDTH 100000

int svg_options__handle(int opt, const char *arg, struct flamegraph_opts *svg, char *err,
			size_t errlen)
{
	uint64_t v;
	char *end;

	switch (opt) {
	case SVG_OPT_TITLE:
		svg->title = arg;
		return 1;
	case SVG_OPT_SUBTITLE:
		svg->subtitle = arg;
		return 1;
	case SVG_OPT_WIDTH:
		if (options__parse_uint(arg, "--width", 100, MAX_SVG_WIDTH, &v, err, errlen))
			return -EINVAL;
		svg->width = v;
		return 1;
	case SVG_OPT_MIN_WIDTH:
		svg->min_width = strtod(arg, &end);
		if (*end || end == arg || !(svg->min_width >= 0 && svg->min_width <= 1000)) {
			snprintf(err, errlen, "--min-width must be a number of pixels from 0 to 1000, "
				 "not '%s'", arg);
			return -EINVAL;
		}
		return 1;
	case SVG_OPT_INVERTED:
		svg->inverted = true;
		return 1;
	case SVG_OPT_REVERSE:
		svg->reverse = true;
		return 1;
	case SVG_OPT_COLORS:
		if (flamegraph__parse_colors(arg, &svg->colors)) {
			snprintf(err, errlen, "--colors must be kind, hot, mem, io, red, green, blue, "
				 "aqua, yellow, purple or orange, not '%s'", arg);
			return -EINVAL;
		}
		return 1;
	default:
		return 0;
	}
}

void svg_options__usage(FILE *out)
{
	fputs("flame graph options (.svg outputs):\n"
	      "      --title TEXT         title (default \"Flame Graph\")\n"
	      "      --subtitle TEXT      a second line under the title\n"
	      "      --width PX           image width (default 1200)\n"
	      "      --min-width PX       leave out frames narrower than this (default 0.1)\n"
	      "      --inverted           icicle graph: the root at the top\n"
	      "      --reverse            reverse the stacks: merge them at the leaves\n"
	      "      --colors PALETTE     kind (default: user red, kernel orange, JIT green,\n"
	      "                           inline aqua), hot, mem, io, red, green, blue, aqua,\n"
	      "                           yellow, purple, orange\n",
	      out);
}
