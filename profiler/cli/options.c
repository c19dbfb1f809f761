// SPDX-License-Identifier: GPL-2.0-only
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output_format.h"

#define SECONDS_PER_YEAR (365.0 * 24 * 3600)

int options__parse_uint(const char *s, const char *what, uint64_t min, uint64_t max, uint64_t *out,
			char *err, size_t errlen)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!s || !isdigit((unsigned char)*s))
		goto out_bad;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto out_bad;
	*out = v;
	return 0;

out_bad:
	snprintf(err, errlen, "%s must be a whole number from %llu to %llu, not '%s'", what,
		 (unsigned long long)min, (unsigned long long)max, s ? s : "");
	return -EINVAL;
}

int options__parse_seconds(const char *s, const char *what, double *out, char *err, size_t errlen)
{
	double v;
	char *end;

	errno = 0;
	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		goto out_bad;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > SECONDS_PER_YEAR)
		goto out_bad;
	*out = v;
	return 0;

out_bad:
	snprintf(err, errlen, "%s must be a positive number of seconds, not '%s'", what,
		 s ? s : "");
	return -EINVAL;
}

static bool list_has(const uint32_t *list, size_t count, uint32_t v)
{
	for (size_t i = 0; i < count; i++)
		if (list[i] == v)
			return true;
	return false;
}

static int list_append(uint32_t **list, size_t *count, uint32_t v)
{
	uint32_t *grown;

	if (list_has(*list, *count, v))
		return 0;
	grown = realloc(*list, (*count + 1) * sizeof(**list));
	if (!grown)
		return -ENOMEM;
	grown[(*count)++] = v;
	*list = grown;
	return 0;
}

/* Reads one number of a list at *@p, advancing it. */
static int list_number(const char **p, uint32_t limit, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno || v >= limit)
		return -EINVAL;
	*p = end;
	*out = v;
	return 0;
}

int options__parse_number_list(const char *s, const char *what, uint32_t limit, uint32_t **list,
			       size_t *count, char *err, size_t errlen)
{
	const char *p = s;
	uint32_t lo, hi;
	int ret;

	if (!s || !*s)
		goto out_bad;
	for (;;) {
		if (list_number(&p, limit, &lo))
			goto out_bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (list_number(&p, limit, &hi) || hi < lo)
				goto out_bad;
		}
		for (uint64_t v = lo; v <= hi; v++) {
			ret = list_append(list, count, v);
			if (ret) {
				snprintf(err, errlen, "out of memory");
				return ret;
			}
		}
		if (!*p)
			return 0;
		if (*p++ != ',')
			goto out_bad;
	}

out_bad:
	snprintf(err, errlen, "%s must be a list like 0,2-3 of numbers below %u, not '%s'", what,
		 limit, s ? s : "");
	return -EINVAL;
}

int options__parse_size(const char *s, const char *what, uint64_t min, uint64_t max, uint64_t *out,
			char *err, size_t errlen)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	if (!s || !isdigit((unsigned char)*s))
		goto out_bad;
	v = strtoull(s, &end, 10);
	if (errno)
		goto out_bad;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	default:
		goto out_bad;
	}
	if (shift && end[1])
		goto out_bad;
	if (v > (max >> shift) || (v << shift) < min)
		goto out_bad;
	*out = v << shift;
	return 0;

out_bad:
	snprintf(err, errlen, "%s must be a size from %llu to %llu (k, m, g allowed), not '%s'",
		 what, (unsigned long long)min, (unsigned long long)max, s ? s : "");
	return -EINVAL;
}

int options__parse_output_format(const struct option_spec *opt, void *target, const char *arg,
				 char *err, size_t errlen)
{
	enum output_format *format = target;

	(void)opt;
	*format = output_format__from_name(arg);
	if (*format == OUTPUT_FORMAT_NONE) {
		snprintf(err, errlen,
			 "format (-f) must be folded, pprof, svg, html or speedscope, not '%s'",
			 arg);
		return -EINVAL;
	}
	return 0;
}
