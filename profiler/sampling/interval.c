// SPDX-License-Identifier: GPL-2.0-only
#include "interval.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "proc_table.h"
#include "profile.h"
#include "sampler.h"
#include "sampling_setup.h"

/* @now minus @before, field by field: the counters are cumulative. */
static void counters_delta(const struct prof_sample_counters *now,
			   const struct prof_sample_counters *before,
			   struct prof_sample_counters *delta)
{
	const __u64 *a = (const __u64 *)now, *b = (const __u64 *)before;
	__u64 *d = (__u64 *)delta;

	for (size_t i = 0; i < sizeof(*now) / sizeof(__u64); i++)
		d[i] = a[i] - b[i];
}

uint64_t interval__start(uint64_t start_ns, uint64_t start_mono_ns, uint64_t end_ns,
			 uint64_t end_mono_ns)
{
	uint64_t passed = end_mono_ns - start_mono_ns;
	int64_t step = (int64_t)(end_ns - start_ns - passed);

	if (step >= -(int64_t)NSEC_PER_SEC && step <= (int64_t)NSEC_PER_SEC)
		return start_ns;
	return end_ns > passed ? end_ns - passed : 0;
}

int interval__close(const struct interval_source *src, uint64_t start_ns, uint64_t start_mono_ns,
		    struct prof_sample_counters *counters, struct interval_result *out)
{
	struct prof_sample_counters now;
	struct sample_clock clock;
	struct profile_meta meta;
	int err, cleared;

	memset(out, 0, sizeof(*out));
	out->end_mono_ns = monotonic_ns();
	out->end_ns = realtime_ns();
	out->start_ns = interval__start(start_ns, start_mono_ns, out->end_ns, out->end_mono_ns);
	err = sampler__switch_buffer(src->sampler);
	if (err)
		return err;
	/* Process events up to the switch, so that every sample's image is known. */
	while (sampler__poll(src->sampler, 0) > 0)
		;
	proc_table__refresh(src->procs, monotonic_ns(), false);
	if (!sampler__counters(src->sampler, &now)) {
		counters_delta(&now, counters, &out->lost);
		*counters = now;
	}

	out->prof = profile__new();
	if (!out->prof) {
		err = -ENOMEM;
		goto out_clear;
	}
	meta = (struct profile_meta){
		.time_ns = out->start_ns,
		.duration_ns = out->end_ns - out->start_ns,
		.period_ns = NSEC_PER_SEC / src->frequency,
	};
	snprintf(meta.host, sizeof(meta.host), "%s", src->host);
	profile__set_meta(out->prof, &meta);
	clock.slot_ns = src->slot_ns;
	clock.realtime_offset_ns = (int64_t)(realtime_ns() - monotonic_ns());
	err = profile_builder__build(src->sampler, src->sym, src->procs, &clock, out->prof,
				     &out->build);
out_clear:
	cleared = sampler__clear_read_buffer(src->sampler);
	if (cleared)
		pr_warn("cannot empty the sample maps: %s\n", strerror(-cleared));
	proc_table__evict(src->procs);
	if (err) {
		profile__free(out->prof);
		out->prof = NULL;
	}
	return err ?: cleared;
}
