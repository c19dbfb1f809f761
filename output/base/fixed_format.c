// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exact because the scaling is: a double has 53 significant bits and 100 takes 7, so v * 100
 * fits a long double's 64 (x86) or 113 (arm64) bits with nothing rounded away; the fraction
 * left below the last digit is then exact too, and ties are seen as ties.
 */
#include "fixed_format.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define FIXED_FORMAT_LIMIT 1e15 /* times 100 stays far below 2^64 */

size_t fixed_format(char *buf, double v, unsigned int decimals)
{
	static const unsigned int scales[] = { 1, 10, 100 };
	char digits[24]; /* the whole part: below 1e15 */
	long double scaled, frac;
	uint64_t whole, ip;
	size_t n = 0, len = 0;

	if (LDBL_MANT_DIG < 53 + 7 || decimals > 2 || !(v >= 0) || signbit(v) ||
	    v >= FIXED_FORMAT_LIMIT)
		return snprintf(buf, FIXED_FORMAT_MAX, "%.*f", (int)decimals, v);
	scaled = (long double)v * scales[decimals];
	ip = (uint64_t)scaled;
	frac = scaled - ip;
	if (frac > 0.5L || (frac == 0.5L && (ip & 1)))
		ip++;
	whole = ip / scales[decimals];
	do {
		digits[n++] = '0' + whole % 10;
		whole /= 10;
	} while (whole);
	while (n)
		buf[len++] = digits[--n];
	if (decimals) {
		unsigned int rest = ip % scales[decimals];

		buf[len++] = '.';
		if (decimals == 2)
			buf[len++] = '0' + rest / 10;
		buf[len++] = '0' + rest % 10;
	}
	buf[len] = '\0';
	return len;
}
