/* SPDX-License-Identifier: GPL-2.0-only */
/* The flame graph options that record, flamegraph and diff share. */
#ifndef PROF_SVG_OPTIONS_H
#define PROF_SVG_OPTIONS_H

#include "flamegraph.h"
#include "option_table.h"

/*
 * --title, --width, --colors and the rest, under their --help heading, into a struct
 * flamegraph_opts (strings borrowed from argv): a command includes them with
 * OPTION_GROUP(svg_options, offsetof(its struct, its flamegraph_opts)).
 */
extern const struct option_spec svg_options[];

#endif
