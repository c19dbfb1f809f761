// SPDX-License-Identifier: GPL-2.0-only
#include "clock.h"

#include <stdio.h>

uint64_t clock_ns(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (uint64_t)t.tv_sec * NSEC_PER_SEC + t.tv_nsec;
}

uint64_t monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

char *clock__format_utc(uint64_t ns, char *buf)
{
	time_t secs = (time_t)(ns / NSEC_PER_SEC);
	unsigned int ms = (unsigned int)(ns % NSEC_PER_SEC / 1000000);
	struct tm tm;
	size_t len;

	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, CLOCK_FORMAT_MAX, "@%llu", (unsigned long long)(ns / NSEC_PER_SEC));
		return buf;
	}
	len = strftime(buf, CLOCK_FORMAT_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms)
		len += snprintf(buf + len, CLOCK_FORMAT_MAX - len, ".%03u", ms);
	snprintf(buf + len, CLOCK_FORMAT_MAX - len, "Z");
	return buf;
}
