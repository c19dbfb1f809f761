// SPDX-License-Identifier: GPL-2.0-only
/* TIME and DURATION arguments: every accepted form, the zones, and the refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "time_spec.h"

#define NS 1000000000ull
/* 2026-11-21T10:02:00Z */
#define T0 1795255320ull
/* A fixed "now" for the relative forms: 2026-11-21T12:00:00.5Z. */
#define NOW (1795262400ull * NS + NS / 2)

static void set_zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static uint64_t parse_ok(const char *s)
{
	char err[256] = "";
	uint64_t ns = 0;

	if (time_spec__parse(s, NOW, &ns, err, sizeof(err)))
		fail_msg("'%s' refused: %s", s, err);
	return ns;
}

/* Refused with a message that names the input and contains @needle. */
static void parse_bad(const char *s, const char *needle)
{
	char err[512] = "";
	uint64_t ns = 12345;

	assert_int_equal(time_spec__parse(s, NOW, &ns, err, sizeof(err)), -EINVAL);
	assert_int_equal(ns, 12345);
	if (!strstr(err, needle))
		fail_msg("'%s': message '%s' lacks '%s'", s, err, needle);
	assert_null(strchr(err, '\n'));
}

static void test_rfc3339(void **state)
{
	(void)state;
	set_zone("UTC");
	assert_true(parse_ok("2026-11-21T10:02:00Z") == T0 * NS);
	assert_true(parse_ok("2026-11-21t10:02:00z") == T0 * NS);
	assert_true(parse_ok("2026-11-21 10:02:00Z") == T0 * NS);
	assert_true(parse_ok("2026-11-21T11:02:00+01:00") == T0 * NS);
	assert_true(parse_ok("2026-11-21T11:02:00+0100") == T0 * NS);
	assert_true(parse_ok("2026-11-21T04:32:00-05:30") == T0 * NS);
	assert_true(parse_ok("2026-11-21T10:02:00.25Z") == T0 * NS + NS / 4);
	assert_true(parse_ok("2026-11-21T10:02:00.000000001Z") == T0 * NS + 1);
	/* Digits past a ns are ignored, not rounded. */
	assert_true(parse_ok("2026-11-21T10:02:00.9999999999999999999999Z") == T0 * NS + NS - 1);
	assert_true(parse_ok("1970-01-01T00:00:00Z") == 0);
	/* A zone applies whatever TZ says. */
	set_zone("Asia/Tokyo");
	assert_true(parse_ok("2026-11-21T10:02:00Z") == T0 * NS);
	set_zone("UTC");
	/* Leap day and leap second. */
	assert_true(parse_ok("2028-02-29T00:00:00Z") == 1835395200ull * NS);
	assert_true(parse_ok("2026-11-21T10:01:60Z") == T0 * NS);
}

static void test_local_time(void **state)
{
	(void)state;
	set_zone("UTC");
	assert_true(parse_ok("2026-11-21 10:02:00") == T0 * NS);
	assert_true(parse_ok("2026-11-21 10:02") == T0 * NS);
	assert_true(parse_ok("2026-11-21T10:02") == T0 * NS);
	assert_true(parse_ok("2026-11-21 10:02:00.5") == T0 * NS + NS / 2);
	assert_true(parse_ok("2026-11-21") == (T0 - 10 * 3600 - 120) * NS);

	if (access("/usr/share/zoneinfo/Europe/Berlin", R_OK)) {
		print_message("no Europe/Berlin in /usr/share/zoneinfo: zone cases skipped\n");
		return;
	}
	set_zone("Europe/Berlin");
	/* Winter: UTC+1. */
	assert_true(parse_ok("2026-11-21 11:02:00") == T0 * NS);
	/* Summer: UTC+2, chosen by the zone's rules (tm_isdst = -1). */
	assert_true(parse_ok("2026-07-01 12:00") == parse_ok("2026-07-01T10:00:00Z"));
	/* The day DST ends: 01:30 is UTC+2, 04:00 UTC+1. */
	assert_true(parse_ok("2026-10-25 01:30") == parse_ok("2026-10-24T23:30:00Z"));
	assert_true(parse_ok("2026-10-25 04:00") == parse_ok("2026-10-25T03:00:00Z"));
	/* An explicit zone ignores TZ. */
	assert_true(parse_ok("2026-11-21T10:02:00Z") == T0 * NS);
	set_zone("UTC");
}

/*
 * Local times the clocks skip (spring forward) or pass twice (fall back) are refused with a
 * message naming the time and what to give instead, never resolved to a guess an hour off;
 * the minutes around each change and explicit offsets still work.
 */
static void test_local_time_dst(void **state)
{
	(void)state;
	if (access("/usr/share/zoneinfo/Europe/Berlin", R_OK) ||
	    access("/usr/share/zoneinfo/America/New_York", R_OK))
		fail_msg("tzdata lacks Europe/Berlin or America/New_York");
	set_zone("Europe/Berlin");
	/* 2026-03-29: 02:00 CET becomes 03:00 CEST. */
	parse_bad("2026-03-29 02:30", "'2026-03-29 02:30' does not exist in local time");
	parse_bad("2026-03-29 02:00", "give a UTC offset (+HH:MM) or Z for UTC");
	assert_true(parse_ok("2026-03-29 01:59:59") == parse_ok("2026-03-29T00:59:59Z"));
	assert_true(parse_ok("2026-03-29 03:00") == parse_ok("2026-03-29T01:00:00Z"));
	/* 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:00 to 02:59 happen twice. */
	parse_bad("2026-10-25 02:30", "'2026-10-25 02:30' is ambiguous in local time");
	parse_bad("2026-10-25 02:00:00", "+02:00 the first time, +01:00 the second, or Z");
	assert_true(parse_ok("2026-10-25 01:59:59") == parse_ok("2026-10-24T23:59:59Z"));
	assert_true(parse_ok("2026-10-25 03:00") == parse_ok("2026-10-25T02:00:00Z"));
	assert_true(parse_ok("2026-10-25T02:30+02:00") == parse_ok("2026-10-25T00:30:00Z"));
	assert_true(parse_ok("2026-10-25T02:30+01:00") == parse_ok("2026-10-25T01:30:00Z"));

	set_zone("America/New_York");
	parse_bad("2026-03-08 02:15", "does not exist");
	parse_bad("2026-11-01 01:30", "-04:00 the first time, -05:00 the second");
	assert_true(parse_ok("2026-11-01 02:30") == parse_ok("2026-11-01T07:30:00Z"));
	/* Berlin's change days are ordinary days there. */
	assert_true(parse_ok("2026-10-25 02:30") == parse_ok("2026-10-25T06:30:00Z"));
	set_zone("UTC");
}

static void test_unix_and_now(void **state)
{
	(void)state;
	assert_true(parse_ok("1795255320") == T0 * NS);
	assert_true(parse_ok("1795255320.5") == T0 * NS + NS / 2);
	assert_true(parse_ok("0") == 0);
	assert_true(parse_ok("now") == NOW);
}

static void test_relative(void **state)
{
	(void)state;
	assert_true(parse_ok("-15m") == NOW - 15 * 60 * NS);
	assert_true(parse_ok("-2h") == NOW - 2 * 3600 * NS);
	assert_true(parse_ok("-30s") == NOW - 30 * NS);
	assert_true(parse_ok("-1d") == NOW - 86400 * NS);
	assert_true(parse_ok("-1.5h") == NOW - 5400 * NS);
	assert_true(parse_ok("-90") == NOW - 90 * NS);
	assert_true(parse_ok("+10m") == NOW + 600 * NS);
	assert_true(parse_ok("-0s") == NOW);
}

static void test_bad_times(void **state)
{
	(void)state;
	set_zone("UTC");
	parse_bad("", "RFC 3339");
	parse_bad("yesterday", "RFC 3339");
	parse_bad("yesterday", "'yesterday'");
	parse_bad("2026-11-21X10:02", "RFC 3339");
	parse_bad("2026-11-21T10", "RFC 3339");
	parse_bad("2026-11-21T10:02:00Zjunk", "RFC 3339");
	parse_bad("2026-11-21T10:02:00.Z", "RFC 3339");
	parse_bad("2026-1-21", "RFC 3339");
	parse_bad("2026-13-01", "month 13");
	parse_bad("2026-02-29", "day 29");
	parse_bad("2026-04-31 10:00", "day 31");
	parse_bad("2026-11-21 24:00", "time of day");
	parse_bad("2026-11-21 10:60", "time of day");
	parse_bad("2026-11-21T10:02:00+24:00", "offset");
	parse_bad("1969-12-31T23:59:59Z", "before 1970");
	parse_bad("2600-01-01T00:00:00Z", "future");
	parse_bad("99999999999", "future");
	parse_bad("1795255320x", "RFC 3339");
	parse_bad("-15x", "unit");
	parse_bad("-15mm", "unit");
	parse_bad("-m", "-15m");
	parse_bad("-", "-15m");
	parse_bad("-1h30m", "unit");
	parse_bad("-100000d", "too far");
	parse_bad("-99999999999999999999s", "too far");
	parse_bad("+999999d", "too far");
	parse_bad("NOW", "RFC 3339");
}

static void test_durations(void **state)
{
	char err[256];
	uint64_t ns;

	(void)state;
	assert_int_equal(time_spec__parse_duration("7d", &ns, err, sizeof(err)), 0);
	assert_true(ns == 7 * 86400 * NS);
	assert_int_equal(time_spec__parse_duration("12h", &ns, err, sizeof(err)), 0);
	assert_true(ns == 12 * 3600 * NS);
	assert_int_equal(time_spec__parse_duration("30m", &ns, err, sizeof(err)), 0);
	assert_true(ns == 1800 * NS);
	assert_int_equal(time_spec__parse_duration("90s", &ns, err, sizeof(err)), 0);
	assert_true(ns == 90 * NS);
	assert_int_equal(time_spec__parse_duration("90", &ns, err, sizeof(err)), 0);
	assert_true(ns == 90 * NS);
	assert_int_equal(time_spec__parse_duration("1.5h", &ns, err, sizeof(err)), 0);
	assert_true(ns == 5400 * NS);
	assert_int_equal(time_spec__parse_duration("0", &ns, err, sizeof(err)), 0);
	assert_true(ns == 0);

	assert_int_equal(time_spec__parse_duration("", &ns, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "7d"));
	assert_int_equal(time_spec__parse_duration("7w", &ns, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'7w'"));
	assert_non_null(strstr(err, "unit s, m, h or d"));
	assert_int_equal(time_spec__parse_duration("-7d", &ns, err, sizeof(err)), -EINVAL);
	assert_int_equal(time_spec__parse_duration("d", &ns, err, sizeof(err)), -EINVAL);
	assert_int_equal(time_spec__parse_duration("1 d", &ns, err, sizeof(err)), -EINVAL);
	assert_int_equal(time_spec__parse_duration("999999999999d", &ns, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "too long"));
	/* A small buffer truncates; none at all is allowed. */
	assert_int_equal(time_spec__parse_duration("x", &ns, err, 4), -EINVAL);
	assert_int_equal(strlen(err), 3);
	assert_int_equal(time_spec__parse_duration("x", &ns, NULL, 0), -EINVAL);
}

static void test_format(void **state)
{
	char buf[CLOCK_FORMAT_MAX];

	(void)state;
	set_zone("Europe/Berlin");
	assert_string_equal(clock__format_utc(T0 * NS, buf), "2026-11-21T10:02:00Z");
	assert_string_equal(clock__format_utc(T0 * NS + 250000000, buf),
			    "2026-11-21T10:02:00.250Z");
	/* Below a millisecond is not shown. */
	assert_string_equal(clock__format_utc(T0 * NS + 999, buf), "2026-11-21T10:02:00Z");
	assert_string_equal(clock__format_utc(0, buf), "1970-01-01T00:00:00Z");
	assert_string_equal(clock__format_utc(UINT64_MAX, buf), "2554-07-21T23:34:33.709Z");
	/* What it prints parses back. */
	assert_true(parse_ok(clock__format_utc(T0 * NS + 250000000, buf)) == T0 * NS + 250000000);
	set_zone("UTC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339),	       cmocka_unit_test(test_local_time),
		cmocka_unit_test(test_local_time_dst), cmocka_unit_test(test_unix_and_now),
		cmocka_unit_test(test_relative),       cmocka_unit_test(test_bad_times),
		cmocka_unit_test(test_durations),      cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
