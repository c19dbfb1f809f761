/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What to take out of an agent's store, as the command line says it: the store, a time
 * window [FROM, TO) and which processes. Reading it is store_window__load()'s
 * (store_commands.h).
 */
#ifndef PROF_STORE_WINDOW_H
#define PROF_STORE_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "option_table.h"

struct store_window {
	const char *dir;  /* borrowed; the store folder, NULL when --store was not given */
	uint64_t from_ns; /* window start, inclusive, ns since the epoch; 0: the beginning */
	uint64_t to_ns;	  /* window end, exclusive; defaults to now_ns */
	bool from_set, to_set;
	uint32_t *pids; /* owned; only samples of these processes (tgid); none: all */
	size_t npids;
	const char *comm; /* borrowed; only samples of this process name; NULL: all */
	uint64_t now_ns;  /* what "now" and relative times mean */
	bool keep_times;  /* samples keep the second they were taken in (the report's timeline) */
};

/*
 * --store DIR, --from TIME, --to TIME into a struct store_window (strings borrowed from
 * argv): include with OPTION_GROUP(store_window_options, offsetof(its struct, the window)).
 */
extern const struct option_spec store_window_options[];
/* -p PID[,PID...] and --comm NAME, the samples' filters, into the same struct. */
extern const struct option_spec store_filter_options[];

/* Sets the defaults: no store, the whole history up to @now_ns, every process. */
void store_window__init(struct store_window *w, uint64_t now_ns);
/* NULL-safe; frees the pid list. */
void store_window__release(struct store_window *w);

/*
 * Checks the options together: --from/--to/-p/--comm need --store, FROM must come before TO.
 * Returns 0 or -EINVAL with a one-line reason in @err.
 */
int store_window__check(const struct store_window *w, char *err, size_t errlen);

#endif
