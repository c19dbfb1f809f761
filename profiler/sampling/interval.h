/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Closing one interval of continuous sampling: the span of wall-clock time it covers, and
 * its profile, from a session snapshot (see session__snapshot()).
 */
#ifndef PROF_INTERVAL_H
#define PROF_INTERVAL_H

#include <stdint.h>

#include "session.h"

struct interval_result {
	uint64_t start_ns, end_ns;    /* CLOCK_REALTIME */
	uint64_t end_mono_ns;	      /* CLOCK_MONOTONIC at end_ns: the next start */
	struct session_snapshot snap; /* its profile owned by the caller; its counters
					   those of this interval (samples, losses) */
};

/*
 * Closes the interval of @s (a session with time slots) that began at @start_ns
 * (CLOCK_REALTIME), @start_mono_ns (CLOCK_MONOTONIC), now. Returns 0 or -errno (out->snap.prof
 * NULL; the buffer is emptied all the same, so the next interval starts clean).
 */
int interval__close(struct session *s, uint64_t start_ns, uint64_t start_mono_ns,
		    struct interval_result *out);

/*
 * The wall-clock span of an interval that began at @start_ns (CLOCK_REALTIME) and
 * @start_mono_ns (CLOCK_MONOTONIC) and ends at @end_ns and @end_mono_ns. When the wall clock
 * stepped in between (NTP, a VM restored from a snapshot) by more than a second, the interval
 * is placed where the clock says it ends, as long as the time that passed, so its samples
 * (timed by the clock at the close) fall inside it. Returns the start to use.
 */
uint64_t interval__start(uint64_t start_ns, uint64_t start_mono_ns, uint64_t end_ns,
			 uint64_t end_mono_ns);

#endif
