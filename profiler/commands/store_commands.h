/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Postmortems from an agent's local store (output/store.h):
 *   bpfprof flamegraph --store DIR [--from T] [--to T] [-p PID,...] [--comm NAME] -o OUT
 *   bpfprof store ls --store DIR [--from T] [--to T]
 *
 * A window [FROM, TO) picks samples out of the store's interval files. Samples are timed to
 * the second they were taken in (labels.time_ns); a sample is kept when that second starts
 * in [FROM, TO). Samples without a time (files written before samples had one) are kept
 * when their file's interval overlaps the window. Which files can hold kept samples is told
 * from their names alone (a file ends at most where the next in the store's order starts,
 * unless the wall clock went back in between), so a long history costs a directory listing,
 * not a read of every file. A file that cannot be read is skipped with a warning and counted.
 */
#ifndef PROF_STORE_COMMANDS_H
#define PROF_STORE_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "time_spec.h"

struct profile;

enum {
	STORE_OPT_STORE = 768,
	STORE_OPT_FROM,
	STORE_OPT_TO,
	STORE_OPT_COMM,
};

/* Entries for a getopt_long table; -p/--pid is 'p' ("p:" in the short options). */
#define STORE_WINDOW_LONG_OPTIONS                                  \
	{ "store", required_argument, NULL, STORE_OPT_STORE },     \
	{ "from", required_argument, NULL, STORE_OPT_FROM },       \
	{ "to", required_argument, NULL, STORE_OPT_TO },           \
	{ "pid", required_argument, NULL, 'p' },                   \
	{ "comm", required_argument, NULL, STORE_OPT_COMM }

/* What to take out of a store. */
struct store_window {
	const char *dir;   /* borrowed; the store folder, NULL when --store was not given */
	uint64_t from_ns;  /* window start, inclusive, ns since the epoch; 0: the beginning */
	uint64_t to_ns;    /* window end, exclusive; defaults to now_ns */
	bool from_set, to_set;
	uint32_t *pids;    /* owned; only samples of these processes (tgid); none: all */
	size_t npids;
	const char *comm;  /* borrowed; only samples of this process name; NULL: all */
	uint64_t now_ns;   /* what "now" and relative times mean */
};

/* What store_window__load() saw. */
struct store_window_stats {
	size_t files;        /* interval files in the store */
	size_t read;         /* files read (those that may overlap the window) */
	size_t unreadable;   /* of those, skipped: corrupt, truncated or vanished */
	size_t not_regular;  /* entries named as intervals that are no regular file, skipped */
	uint64_t kept;       /* samples (counts) kept */
	uint64_t store_first_ns; /* the first interval's start; 0 for an empty store */
	uint64_t store_last_ns;  /* the latest interval's end when it was read, else its start */
	uint64_t start_ns, end_ns; /* the window clipped to the intervals read */
};

/* Sets the defaults: no store, the whole history up to @now_ns, every process. */
void store_window__init(struct store_window *w, uint64_t now_ns);
/* NULL-safe; frees the pid list. */
void store_window__release(struct store_window *w);

/*
 * Applies option @opt (a getopt_long result: STORE_OPT_* or 'p') with @arg to @w; strings
 * are borrowed from @arg. Returns 1 when it was a window option, 0 when it was not, -EINVAL
 * (bad TIME or pid list) or -ENOMEM with a one-line reason in @err.
 */
int store_window__handle(struct store_window *w, int opt, const char *arg, char *err,
			 size_t errlen);

/*
 * Checks the options together: --from/--to/-p/--comm need --store, FROM must come before TO.
 * Returns 0 or -EINVAL with a one-line reason in @err.
 */
int store_window__check(const struct store_window *w, char *err, size_t errlen);

/*
 * Merges the samples of @w's window into @out (labels.time_ns cleared, so that equal stacks
 * merge) and sets @out's meta: time and duration of the window clipped to the intervals
 * read, the period of the inputs. Unreadable files are skipped with a one-line warning.
 * Fills @stats. Returns 0; -ENODATA when no sample is in the window (stats say what the
 * store holds); -ENOENT/-ENOTDIR/-EACCES/... when the store folder cannot be listed;
 * -ENOMEM; -EOVERFLOW. Only -ENOMEM and -EOVERFLOW leave @out partly filled.
 */
int store_window__load(const struct store_window *w, struct profile *out,
		       struct store_window_stats *stats);

/*
 * store_window__load() into a new profile for the flamegraph command; every failure is
 * reported as one line (an empty window names the window and what the store holds).
 * Returns the profile (owned by the caller) or NULL.
 */
struct profile *store_window__profile(const struct store_window *w);

/* --help lines of the window options, for the flamegraph command. */
void store_window__usage(FILE *out);

/* `bpfprof store SUBCOMMAND ...`: returns the exit status (0, 1 runtime, 2 usage). */
int cmd_store(int argc, char **argv);

#endif
