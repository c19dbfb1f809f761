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

#endif
