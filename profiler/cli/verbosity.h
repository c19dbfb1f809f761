/* SPDX-License-Identifier: GPL-2.0-only */
/* -v, --verbose: how much every command logs, by one rule. */
#ifndef PROF_VERBOSITY_H
#define PROF_VERBOSITY_H

#include "log.h"
#include "option_table.h"

/* The -v option, counted into an int: include with OPTION_GROUP(verbosity_options, offset). */
extern const struct option_spec verbosity_options[];

/*
 * The log level for @verbose -v options: one adds info messages, two or more debug ones;
 * never quieter than @quietest (LOG_WARN for a command run by hand; a daemon logs info too).
 */
enum log_level verbosity__log_level(int verbose, enum log_level quietest);

/* Sets the log level as verbosity__log_level() says. */
void verbosity__apply(int verbose, enum log_level quietest);

#endif
