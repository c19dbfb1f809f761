/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * printf's "%.1f" and "%.2f" without printf: a flame graph writes five such numbers per box,
 * and glibc's exact decimal conversion was a tenth of writing one.
 */
#ifndef PROF_FIXED_FORMAT_H
#define PROF_FIXED_FORMAT_H

#include <stddef.h>

/* Bytes of the buffer: DBL_MAX has 309 digits, then a sign, a point, decimals, a NUL. */
#define FIXED_FORMAT_MAX 320

/*
 * Writes @v with @decimals digits after the point into @buf (FIXED_FORMAT_MAX bytes), the
 * same characters as snprintf's "%.*f" in the default rounding mode (to nearest, ties to
 * even, on the exact binary value), and returns their number. Values it cannot do exactly
 * (negative, -0, NaN, 1e15 and above, more than 2 decimals, or a long double too narrow to
 * hold the scaled value exactly) go through snprintf.
 */
size_t fixed_format(char *buf, double v, unsigned int decimals);

#endif
