// SPDX-License-Identifier: GPL-2.0-only
#include "time_spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_PER_SEC 1000000000ull
/* The last second whose every ns fits a uint64_t of ns since the epoch. */
#define MAX_SECONDS (UINT64_MAX / NS_PER_SEC - 1)
/* Fraction digits past these are ignored: they are below a ns for every unit. */
#define MAX_FRACTION_DIGITS 18

#define DURATION_FORMS "a number with a unit s, m, h or d (7d, 12h, 30m, 90s; seconds without one)"

/* A non-negative decimal number as typed: whole part and a fraction num / den. */
struct decimal {
	uint64_t whole;
	uint64_t frac_num;
	uint64_t frac_den; /* a power of 10, 1 without a fraction */
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Reads ".DIGITS" at @*p into @d's fraction, advancing @*p. Returns 0 or -EINVAL. */
static int parse_fraction(const char **p, struct decimal *d)
{
	const char *s = *p;
	int digits = 0;

	if (*s != '.' || !isdigit((unsigned char)s[1]))
		return -EINVAL;
	for (s++; isdigit((unsigned char)*s); s++) {
		if (digits++ >= MAX_FRACTION_DIGITS)
			continue;
		d->frac_num = d->frac_num * 10 + (uint64_t)(*s - '0');
		d->frac_den *= 10;
	}
	*p = s;
	return 0;
}

/* Reads "DIGITS[.DIGITS]" at @*p, advancing it. Returns 0, -EINVAL or -ERANGE. */
static int parse_decimal(const char **p, struct decimal *d)
{
	const char *s = *p;

	d->whole = 0;
	d->frac_num = 0;
	d->frac_den = 1;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		if (__builtin_mul_overflow(d->whole, 10, &d->whole) ||
		    __builtin_add_overflow(d->whole, (uint64_t)(*s - '0'), &d->whole))
			return -ERANGE;
	}
	if (*s == '.' && parse_fraction(&s, d))
		return -EINVAL;
	*p = s;
	return 0;
}

/* @d times @unit_ns, rounded down to a ns. Returns 0 or -ERANGE. */
static int scale(const struct decimal *d, uint64_t unit_ns, uint64_t *out)
{
	unsigned __int128 frac = (unsigned __int128)d->frac_num * unit_ns / d->frac_den;
	uint64_t v;

	if (__builtin_mul_overflow(d->whole, unit_ns, &v) ||
	    __builtin_add_overflow(v, (uint64_t)frac, &v))
		return -ERANGE;
	*out = v;
	return 0;
}

/* The ns in unit @c (s, m, h, d), or 0 for no unit that is known. */
static uint64_t unit_ns(char c)
{
	switch (c) {
	case 's':
		return NS_PER_SEC;
	case 'm':
		return 60 * NS_PER_SEC;
	case 'h':
		return 3600 * NS_PER_SEC;
	case 'd':
		return 86400 * NS_PER_SEC;
	default:
		return 0;
	}
}

/* Reads "NUMBER[UNIT]" making up all of @s. Returns 0, -EINVAL (with @what set) or -ERANGE. */
static int parse_amount(const char *s, uint64_t *out, const char **what)
{
	struct decimal d;
	uint64_t unit = NS_PER_SEC;
	int err;

	err = parse_decimal(&s, &d);
	if (err) {
		*what = err == -ERANGE ? "too large" : "no number";
		return err;
	}
	if (*s) {
		unit = unit_ns(*s);
		if (!unit || s[1]) {
			*what = "unknown unit";
			return -EINVAL;
		}
	}
	err = scale(&d, unit, out);
	if (err)
		*what = "too large";
	return err;
}

/* Reads exactly @n digits at @*p as a number, advancing it. */
static bool fixed_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* Seconds @secs plus @frac_ns as ns since the epoch, refusing what 64 bits cannot hold. */
static int to_ns(const char *s, int64_t secs, uint64_t frac_ns, uint64_t *out, char *err,
		 size_t errlen)
{
	if (secs < 0)
		return fail(err, errlen, "'%s' is before 1970", s);
	if ((uint64_t)secs > MAX_SECONDS)
		return fail(err, errlen, "'%s' is too far in the future", s);
	*out = (uint64_t)secs * NS_PER_SEC + frac_ns;
	return 0;
}

/* "+HH:MM" for a UTC offset in seconds. @buf holds 8 bytes. */
static const char *format_offset(long off, char *buf)
{
	long a = off < 0 ? -off : off;

	snprintf(buf, 8, "%c%02ld:%02ld", off < 0 ? '-' : '+', a / 3600 % 100, a / 60 % 60);
	return buf;
}

/*
 * The local time @tm (in TZ's zone) as Unix seconds. A time the zone skips (the clocks go
 * forward) or passes twice (they go back) is refused, as GNU date refuses the first: either
 * reading could be an hour off, and a window an hour off shows another incident. Each UTC
 * offset the zone uses within a day of @tm is tried; the instants that read back as @tm are
 * the answers, none or two for those.
 */
static int local_to_secs(const char *s, const struct tm *in, int64_t *out, char *err, size_t errlen)
{
	struct tm tm = *in, lt;
	long offs[3], found_off[3];
	int64_t as_utc, found[3];
	char a[8], b[8];
	int noffs = 0, nfound = 0, i, j;
	time_t t;

	as_utc = (int64_t)timegm(&tm);
	for (i = -1; i <= 1; i++) {
		t = (time_t)(as_utc + i * 86400);
		if (!localtime_r(&t, &lt))
			return fail(err, errlen, "'%s' is not a local time this system can convert",
				    s);
		for (j = 0; j < noffs && offs[j] != lt.tm_gmtoff; j++)
			;
		if (j == noffs)
			offs[noffs++] = lt.tm_gmtoff;
	}
	for (i = 0; i < noffs; i++) {
		t = (time_t)(as_utc - offs[i]);
		if (localtime_r(&t, &lt) && lt.tm_gmtoff == offs[i]) {
			found_off[nfound] = offs[i];
			found[nfound++] = as_utc - offs[i];
		}
	}
	if (nfound == 1) {
		*out = found[0];
		return 0;
	}
	if (!nfound)
		return fail(err, errlen,
			    "'%s' does not exist in local time: the clocks skip it (daylight "
			    "saving); give a UTC offset (+HH:MM) or Z for UTC",
			    s);
	return fail(err, errlen,
		    "'%s' is ambiguous in local time: it happens twice as the clocks go back "
		    "(daylight saving); give its UTC offset, %s the first time, %s the second, "
		    "or Z for UTC",
		    s, format_offset(found_off[0] > found_off[1] ? found_off[0] : found_off[1], a),
		    format_offset(found_off[0] > found_off[1] ? found_off[1] : found_off[0], b));
}

/*
 * YYYY-MM-DD[(T|t| )HH:MM[:SS[.frac]][(Z|z|+HH:MM|-HH:MM)]]: UTC with a zone, local time
 * without one.
 */
static int parse_date_time(const char *s, uint64_t *out_ns, char *err, size_t errlen)
{
	struct tm tm = { 0 };
	struct decimal frac = { 0, 0, 1 };
	int year, month, day, hour = 0, min = 0, sec = 0, off_h, off_m;
	const char *p = s;
	bool has_zone = false;
	int64_t offset = 0, secs = 0;
	uint64_t frac_ns = 0;

	if (!fixed_digits(&p, 4, &year) || *p++ != '-' || !fixed_digits(&p, 2, &month) ||
	    *p++ != '-' || !fixed_digits(&p, 2, &day))
		goto out_form;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			goto out_form;
		p++;
		if (!fixed_digits(&p, 2, &hour) || *p++ != ':' || !fixed_digits(&p, 2, &min))
			goto out_form;
		if (*p == ':') {
			p++;
			if (!fixed_digits(&p, 2, &sec))
				goto out_form;
			if (*p == '.') {
				if (parse_fraction(&p, &frac))
					goto out_form;
				scale(&frac, NS_PER_SEC, &frac_ns);
			}
		}
		if (*p == 'Z' || *p == 'z') {
			has_zone = true;
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1;

			if (!fixed_digits(&p, 2, &off_h))
				goto out_form;
			if (*p == ':')
				p++;
			if (!fixed_digits(&p, 2, &off_m))
				goto out_form;
			if (off_h > 23 || off_m > 59)
				return fail(err, errlen, "'%s': the UTC offset is out of range", s);
			has_zone = true;
			offset = sign * (off_h * 3600 + off_m * 60);
		}
		if (*p)
			goto out_form;
	}
	if (month < 1 || month > 12)
		return fail(err, errlen, "'%s': month %d is out of range", s, month);
	if (day < 1 || day > days_in_month(year, month))
		return fail(err, errlen, "'%s': day %d is out of range", s, day);
	/* 60 is a leap second; it normalizes to the next minute's first second. */
	if (hour > 23 || min > 59 || sec > 60)
		return fail(err, errlen, "'%s': the time of day is out of range", s);

	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	if (has_zone)
		secs = (int64_t)timegm(&tm) - offset;
	else if (local_to_secs(s, &tm, &secs, err, errlen))
		return -EINVAL;
	return to_ns(s, secs, frac_ns, out_ns, err, errlen);

out_form:
	return fail(err, errlen, "'%s' is not a time: use " TIME_SPEC_FORMS, s);
}

int time_spec__parse(const char *s, uint64_t now_ns, uint64_t *out_ns, char *err, size_t errlen)
{
	const char *what = NULL, *p;
	struct decimal d;
	uint64_t delta;
	int ret;

	if (!s || !*s)
		return fail(err, errlen, "an empty time: use " TIME_SPEC_FORMS);
	if (!strcmp(s, "now")) {
		*out_ns = now_ns;
		return 0;
	}
	if (*s == '-' || *s == '+') {
		ret = parse_amount(s + 1, &delta, &what);
		if (ret == -ERANGE)
			return fail(err, errlen, "'%s' is too far from now", s);
		if (ret)
			return fail(err, errlen,
				    "'%s' is not a relative time (%s): use a number and a unit "
				    "s, m, h or d, as in -15m, -2h, -1d; or " TIME_SPEC_FORMS,
				    s, what);
		if (*s == '-' ? now_ns < delta : __builtin_add_overflow(now_ns, delta, out_ns))
			return fail(err, errlen, "'%s' is too far from now", s);
		if (*s == '-')
			*out_ns = now_ns - delta;
		return 0;
	}
	if (strlen(s) >= 5 && isdigit((unsigned char)s[0]) && s[4] == '-')
		return parse_date_time(s, out_ns, err, errlen);
	p = s;
	ret = parse_decimal(&p, &d);
	if (!ret && !*p) {
		if (d.whole > MAX_SECONDS)
			return fail(err, errlen, "'%s' is too far in the future (unix seconds)", s);
		scale(&d, NS_PER_SEC, out_ns);
		return 0;
	}
	return fail(err, errlen, "'%s' is not a time: use " TIME_SPEC_FORMS, s);
}

int time_spec__parse_duration(const char *s, uint64_t *out_ns, char *err, size_t errlen)
{
	const char *what = NULL;
	int ret;

	if (!s || !*s)
		return fail(err, errlen, "an empty duration: use " DURATION_FORMS);
	ret = parse_amount(s, out_ns, &what);
	if (ret == -ERANGE)
		return fail(err, errlen, "duration '%s' is too long", s);
	if (ret)
		return fail(err, errlen, "'%s' is not a duration (%s): use " DURATION_FORMS, s,
			    what);
	return 0;
}
