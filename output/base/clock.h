/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Clocks in nanoseconds: CLOCK_MONOTONIC for intervals and deadlines (immune to clock steps),
 * CLOCK_REALTIME for the times written into profiles and store names.
 */
#ifndef PROF_CLOCK_H
#define PROF_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000ull

/* Now on @clock, in ns. */
uint64_t clock_ns(clockid_t clock);
/* Now on CLOCK_MONOTONIC and on CLOCK_REALTIME. */
uint64_t monotonic_ns(void);
uint64_t realtime_ns(void);

/* Room for clock__format_utc()'s longest output, NUL included. */
#define CLOCK_FORMAT_MAX 32

/*
 * Formats @ns (since the Unix epoch) as RFC 3339 in UTC: 2026-11-21T10:02:00Z, with
 * milliseconds (.250) only when there are any. @buf holds CLOCK_FORMAT_MAX bytes.
 * Returns @buf, for use in printf arguments.
 */
char *clock__format_utc(uint64_t ns, char *buf);

#endif
