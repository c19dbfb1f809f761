/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interactive SVG flame graphs: one self-contained file, frames as
 * <g><title>NAME (N samples, P%)</title><rect/><text/></g>, with embedded JavaScript for
 * details on hover, click to zoom, and regex search. Frames narrower than a minimum width
 * are pruned so that huge profiles stay small. A differential graph takes its widths from
 * the new profile and colours each frame by the change of its share since the base.
 */
#ifndef PROF_FLAMEGRAPH_H
#define PROF_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdio.h>

struct profile;

enum flamegraph_colors {
	FLAMEGRAPH_COLORS_KIND, /* by frame kind: user red, kernel orange, JIT green, inline aqua,
				 * Python blue */
	FLAMEGRAPH_COLORS_HOT,
	FLAMEGRAPH_COLORS_MEM,
	FLAMEGRAPH_COLORS_IO,
	FLAMEGRAPH_COLORS_RED,
	FLAMEGRAPH_COLORS_GREEN,
	FLAMEGRAPH_COLORS_BLUE,
	FLAMEGRAPH_COLORS_AQUA,
	FLAMEGRAPH_COLORS_YELLOW,
	FLAMEGRAPH_COLORS_PURPLE,
	FLAMEGRAPH_COLORS_ORANGE,
};

struct flamegraph_opts {
	const char *title; /* NULL: "Flame Graph", "Icicle Graph" or "Differential Flame Graph" */
	const char *subtitle; /* NULL for none */
	unsigned int width;   /* pixels; 0 means 1200 */
	double min_width;     /* pixels; frames narrower are pruned; < 0 means 0.1 */
	bool inverted;	      /* icicle: the root at the top */
	bool reverse;	      /* stacks reversed: merged at the leaves */
	enum flamegraph_colors colors;
	const struct profile *base; /* borrowed; non-NULL makes a differential graph */
	bool normalize;		    /* diff: scale the base to the new total first */
};

/* Sets the defaults (all of the above zero but min_width -1 and normalize true). */
void flamegraph_opts__init(struct flamegraph_opts *opts);

/* Parses a --colors name; returns 0 or -EINVAL. */
int flamegraph__parse_colors(const char *name, enum flamegraph_colors *out);

/*
 * Writes the flame graph of @prof (the new profile of a diff) to @out. An empty profile
 * gives a graph that says so. Returns 0 or -errno (-EIO when writing fails).
 */
int flamegraph__write(const struct profile *prof, const struct flamegraph_opts *opts, FILE *out);

#endif
