/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Postmortems from an agent's local store (output/delivery/store.h):
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

#include <stddef.h>
#include <stdint.h>

#include "store_window.h"

struct profile;

/* What store_window__load() saw. */
struct store_window_stats {
	size_t files;		 /* interval files in the store */
	size_t read;		 /* files read (those that may overlap the window) */
	size_t unreadable;	 /* of those, skipped: corrupt, truncated or vanished */
	size_t not_regular;	 /* entries named as intervals that are no regular file, skipped */
	uint64_t kept;		 /* samples (counts) kept */
	uint64_t store_first_ns; /* the first interval's start; 0 for an empty store */
	uint64_t store_last_ns;	 /* the latest interval's end when it was read, else its start */
	uint64_t start_ns, end_ns; /* the window clipped to the intervals read */
};

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

/* `bpfprof store SUBCOMMAND ...`: returns the exit status (0, 1 runtime, 2 usage). */
int cmd_store(int argc, char **argv);

#endif
