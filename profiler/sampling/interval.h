/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Closing one interval of continuous sampling: switches the sampler's buffers so that the
 * next interval's samples go elsewhere, names the processes the closed buffer's samples
 * belong to, builds its profile, then empties the buffer and forgets exited processes.
 */
#ifndef PROF_INTERVAL_H
#define PROF_INTERVAL_H

#include <stdint.h>

#include "profile_abi.h"
#include "profile_builder.h"

struct proc_table;
struct profile;
struct sampler;
struct symbolizer;

struct interval_source {
	struct sampler *sampler; /* created with double_buffer and time_slot_ns */
	struct symbolizer *sym;
	struct proc_table *procs;
	uint64_t slot_ns;     /* the sampler's time_slot_ns */
	uint32_t frequency;   /* Hz, for the period */
	const char *host;     /* the host's name, for the profiles' meta */
};

struct interval_result {
	struct profile *prof;		     /* owned by the caller: profile__free() */
	uint64_t start_ns, end_ns;	     /* CLOCK_REALTIME */
	uint64_t end_mono_ns;		     /* CLOCK_MONOTONIC at end_ns: the next start */
	struct prof_sample_counters lost;    /* what went wrong in this interval (deltas) */
	struct profile_builder_stats build;
};

/*
 * Closes the interval that began at @start_ns (CLOCK_REALTIME), @start_mono_ns
 * (CLOCK_MONOTONIC), now. @counters holds the sampler's counters as of the previous close
 * and is updated. Returns 0 or -errno (the buffer is emptied all the same, so the next
 * interval starts clean).
 */
int interval__close(const struct interval_source *src, uint64_t start_ns, uint64_t start_mono_ns,
		    struct prof_sample_counters *counters, struct interval_result *out);

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
