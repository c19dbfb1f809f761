/* SPDX-License-Identifier: GPL-2.0-only */
/* Numbers in /proc/PID/maps lines, perf map lines and typed addresses, read without copying. */
#ifndef PROF_NUMBER_SCAN_H
#define PROF_NUMBER_SCAN_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Reads hex digits at *@pp (before @end) into *@val and advances *@pp past them. False when
 * there is no digit or more than 16 (the value would not fit).
 */
static inline bool scan_hex(const char **pp, const char *end, uint64_t *val)
{
	const char *p = *pp;
	uint64_t v = 0;
	int digits = 0;

	for (; p < end; p++, digits++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (digits == 16)
			return false;
		v = v << 4 | d;
	}
	*pp = p;
	*val = v;
	return digits > 0;
}

/* The same with an optional "0x" or "0X" before the digits, as people and perf maps write. */
static inline bool scan_hex_0x(const char **pp, const char *end, uint64_t *val)
{
	if (end - *pp > 2 && (*pp)[0] == '0' && ((*pp)[1] == 'x' || (*pp)[1] == 'X'))
		*pp += 2;
	return scan_hex(pp, end, val);
}

#endif
