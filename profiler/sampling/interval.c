// SPDX-License-Identifier: GPL-2.0-only
#include "interval.h"

#include <string.h>

#include "clock.h"

uint64_t interval__start(uint64_t start_ns, uint64_t start_mono_ns, uint64_t end_ns,
			 uint64_t end_mono_ns)
{
	uint64_t passed = end_mono_ns - start_mono_ns;
	int64_t step = (int64_t)(end_ns - start_ns - passed);

	if (step >= -(int64_t)NSEC_PER_SEC && step <= (int64_t)NSEC_PER_SEC)
		return start_ns;
	return end_ns > passed ? end_ns - passed : 0;
}

int interval__close(struct session *s, uint64_t start_ns, uint64_t start_mono_ns,
		    struct interval_result *out)
{
	memset(out, 0, sizeof(*out));
	out->end_mono_ns = monotonic_ns();
	out->end_ns = realtime_ns();
	out->start_ns = interval__start(start_ns, start_mono_ns, out->end_ns, out->end_mono_ns);
	return session__snapshot(s, out->start_ns, out->end_ns - out->start_ns, &out->snap);
}
