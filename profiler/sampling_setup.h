/* SPDX-License-Identifier: GPL-2.0-only */
/* What record and agent do alike to start sampling from their options. */
#ifndef PROF_SAMPLING_SETUP_H
#define PROF_SAMPLING_SETUP_H

#include <stdint.h>

#include "sampler.h"
#include "sampling_options.h"

/*
 * The process ids of -p (thread ids become their process's) into @tgids (npids entries).
 * Returns 0, or -ESRCH after logging the pid that does not exist.
 */
int sampling_setup__resolve_pids(const struct sampling_opts *opts, uint32_t *tgids);

/* Fills the fields of @so that @opts decides; @tgids are borrowed by @so. */
void sampling_setup__sampler_opts(const struct sampling_opts *opts, const uint32_t *tgids,
				  struct sampler_opts *so);

/* The symbolizer holds mapped files open until it reads them: allows as many as it may. */
void sampling_setup__raise_file_limit(void);

/* Now, in ns, on CLOCK_MONOTONIC and on CLOCK_REALTIME. */
uint64_t monotonic_ns(void);
uint64_t realtime_ns(void);

#endif
