/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Times and durations as people type them on the command line (--from, --to,
 * --store-max-age); the tools print times back with clock__format_utc() (output/base/clock.h).
 *
 * A TIME is one of:
 *   RFC 3339            2026-11-21T10:02:00Z, 2026-11-21T11:02:00.250+01:00
 *   local date and time 2026-11-21 10:02[:SS[.frac]] (also with T), or a date alone
 *                       (midnight); the local zone as TZ says, DST from the zone's rules;
 *                       a time the clocks skip or pass twice (DST) is refused
 *   unix seconds        1763719320, 1763719320.5
 *   relative to now     -15m, -2h, -30s, -1d, +10m, -1.5h (one number, unit s, m, h or d;
 *                       a number alone is seconds)
 *   now
 * A DURATION is a number with an optional unit s, m, h or d (seconds without one): 7d, 12h,
 * 30m, 90s, 1.5h.
 *
 * Results are ns since the Unix epoch (times) or ns (durations); times before 1970 or past
 * what 64 bits of ns hold (the year 2554) are refused.
 */
#ifndef PROF_TIME_SPEC_H
#define PROF_TIME_SPEC_H

#include <stddef.h>
#include <stdint.h>

/* One line naming the accepted TIME forms, for --help texts and error messages. */
#define TIME_SPEC_FORMS                                                                            \
	"RFC 3339 (2026-11-21T10:02:00Z), 'YYYY-MM-DD HH:MM[:SS]' in local time, unix seconds, "   \
	"-15m/-2h/-1d (relative) or now"

/*
 * Parses the TIME @s, with relative times and "now" taken from @now_ns, into @*out_ns.
 * Returns 0, or -EINVAL with a one-line reason that lists the accepted forms in @err (no
 * trailing newline, truncated to @errlen).
 */
int time_spec__parse(const char *s, uint64_t now_ns, uint64_t *out_ns, char *err, size_t errlen);

/*
 * Parses the DURATION @s into @*out_ns. Returns 0, or -EINVAL with a one-line reason in @err.
 */
int time_spec__parse_duration(const char *s, uint64_t *out_ns, char *err, size_t errlen);

#endif
