/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json; the types
 * in jlfwong/speedscope src/lib/file-format-spec.ts, read by src/lib/file-format.ts):
 *
 *   {"$schema": ..., "exporter": "bpfprof@VERSION", "name": ...,
 *    "shared": {"frames": [{"name", "file"?, "line"?}, ...]},
 *    "profiles": [{"type": "sampled", "name": "comm (pid PID)", "unit", "startValue": 0,
 *                  "endValue": TOTAL, "samples": [[frame, ...], ...], "weights": [...]}],
 *    "activeProfileIndex": BUSIEST}
 *
 * One sampled profile per process (pid and process name; "comm" alone when the pid is
 * unknown, as in folded input), in order of pid then name. Stacks are root first; a
 * process's samples with the same stack are one entry whose weight is their count. The unit
 * is "none" for CPU samples and "nanoseconds" for time off the CPU or wall time.
 */
#ifndef PROF_SPEEDSCOPE_WRITER_H
#define PROF_SPEEDSCOPE_WRITER_H

#include <stdio.h>

struct profile;

/*
 * Writes @prof to @out as speedscope JSON, streamed one process at a time. @name is the
 * file's "name" (speedscope's title), NULL for one that says what the counts are and on
 * which host. Returns 0 or -errno (-ENOMEM, -E2BIG for a process with 2^32 distinct stacks,
 * -EIO when writing fails).
 */
int speedscope__write(const struct profile *prof, const char *name, FILE *out);

#endif
