/* SPDX-License-Identifier: GPL-2.0-only */
/* The flame graph options that record, flamegraph and diff share. */
#ifndef PROF_SVG_OPTIONS_H
#define PROF_SVG_OPTIONS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "flamegraph.h"

enum {
	SVG_OPT_TITLE = 512,
	SVG_OPT_SUBTITLE,
	SVG_OPT_WIDTH,
	SVG_OPT_MIN_WIDTH,
	SVG_OPT_INVERTED,
	SVG_OPT_REVERSE,
	SVG_OPT_COLORS,
};

/* Entries for a getopt_long table. */
#define SVG_LONG_OPTIONS                                                    \
	{ "title", required_argument, NULL, SVG_OPT_TITLE },               \
	{ "subtitle", required_argument, NULL, SVG_OPT_SUBTITLE },         \
	{ "width", required_argument, NULL, SVG_OPT_WIDTH },               \
	{ "min-width", required_argument, NULL, SVG_OPT_MIN_WIDTH },       \
	{ "inverted", no_argument, NULL, SVG_OPT_INVERTED },               \
	{ "reverse", no_argument, NULL, SVG_OPT_REVERSE },                 \
	{ "colors", required_argument, NULL, SVG_OPT_COLORS }

/*
 * Applies option @opt (a getopt_long result) with @arg to @svg. Returns 1 when it was a
 * flame graph option, 0 when it was not, -EINVAL with a reason in @err for a bad value.
 */
int svg_options__handle(int opt, const char *arg, struct flamegraph_opts *svg, char *err,
			size_t errlen);
void svg_options__usage(FILE *out);

#endif
