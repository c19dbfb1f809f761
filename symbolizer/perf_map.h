/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Perf map files: the names JIT compilers and runtimes give the code they generate
 * (node --perf-basic-prof, python -X perf, JVM agents), one "START SIZE NAME" line per
 * function, hex numbers with or without 0x, NAME the rest of the line (spaces allowed).
 *
 * The file is appended to while the process runs, and code memory is reused: when two
 * lines cover one address the later line wins, as it describes the code there now. The
 * table keeps disjoint ranges sorted by address for binary search. Malformed lines are
 * skipped and counted, never fatal.
 *
 * The file is its writer's to fill, and the reader may be root's agent: a file is read in
 * bounded chunks, each byte once, only up to PERF_MAP_MAX_FILE; lines longer than
 * PERF_MAP_MAX_LINE are malformed; a table keeps at most PERF_MAP_MAX_LINES lines and
 * PERF_MAP_MAX_MEMORY bytes, and the tables charged to one struct perf_map_totals at most
 * its memory_limit together. Good lines past a limit are dropped and counted: the first
 * ones read are kept.
 */
#ifndef PROF_PERF_MAP_H
#define PROF_PERF_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct perf_map;

/* Longer lines are malformed: no function needs a name this long. */
#define PERF_MAP_MAX_LINE 4096
/* Lines one table keeps, and the memory they take: names, and ranges (a line may be cut). */
#define PERF_MAP_MAX_LINES (128u << 10)
#define PERF_MAP_MAX_MEMORY (8u << 20)
/* Bytes of a file read; the rest is never looked at. */
#define PERF_MAP_MAX_FILE (64u << 20)
/* What the tables of all processes may take together, unless told otherwise. */
#define PERF_MAP_TOTAL_MEMORY (64u << 20)

/*
 * What a group of tables holds and lost together: a symbolizer's, for every process on the
 * host. Set memory_limit (0: no limit) and zero the rest before the first table; the tables
 * charge and count as they read, and give back their memory when freed.
 */
struct perf_map_totals {
	size_t memory_limit; /* bytes the tables may take together */
	size_t memory;	     /* bytes they take now */
	uint64_t bad_lines;  /* malformed lines skipped */
	uint64_t dropped;    /* good lines not kept: past a table's limits or memory_limit */
	uint64_t truncated;  /* files read only up to PERF_MAP_MAX_FILE */
};

/*
 * Parses the perf map text @buf[0..@len) (no file behind it; perf_map__update() then does
 * nothing). A last line without a newline is parsed too. @totals (borrowed, may be NULL)
 * is charged and must outlive the table. Returns 0 and an owned table in *@out (empty when
 * no line is good), or -ENOMEM.
 */
int perf_map__parse(const char *buf, size_t len, struct perf_map_totals *totals,
		    struct perf_map **out);

/*
 * Reads the complete lines of the perf map file @path (copied), which must be a regular
 * file, not a symlink, owned by root or by @owner (the uid of the process it describes;
 * (uid_t)-1 accepts any owner) so that another user cannot plant names. It is opened
 * without blocking (a FIFO is refused, not waited on). @totals as for perf_map__parse().
 * Returns 0 and an owned table in *@out, or -errno: -ENOENT when there is no such file,
 * -EPERM for a foreign owner, -EINVAL for a symlink or something other than a regular
 * file, -ENOMEM.
 */
int perf_map__read(const char *path, uid_t owner, struct perf_map_totals *totals,
		   struct perf_map **out);

/*
 * Reads the lines completed since the last read, if the file grew; a file that shrank or
 * was replaced (another inode) is read again from its start, its old lines forgotten.
 * Returns the number of good lines added (0 when the file did not grow, or for a table
 * from perf_map__parse()), or -errno as perf_map__read(); on failure the table is as it
 * was, but for a replaced file, whose old lines are gone. Invalidates names returned before.
 */
int perf_map__update(struct perf_map *map);

/* NULL-safe. */
void perf_map__free(struct perf_map *map);

/*
 * The name of the code at @addr, borrowed and valid until the next perf_map__update() or
 * perf_map__free(), or NULL when no line covers @addr. Control characters in it are
 * replaced (a tab by a space, the others by '?'): names go to terminals and line formats.
 */
const char *perf_map__find(const struct perf_map *map, uint64_t addr);

/* Disjoint named ranges in the table. */
size_t perf_map__count(const struct perf_map *map);
/*
 * Malformed lines skipped (a line with size 0 is not malformed, only useless), and good
 * lines dropped past the limits, in the file as it is now.
 */
size_t perf_map__bad_lines(const struct perf_map *map);
size_t perf_map__dropped(const struct perf_map *map);
/* True when the file is longer than PERF_MAP_MAX_FILE: its end was not read. */
bool perf_map__truncated(const struct perf_map *map);
/* The path given to perf_map__read(), or NULL; borrowed until perf_map__free(). */
const char *perf_map__path(const struct perf_map *map);

#endif
