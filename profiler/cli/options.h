/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parsers for command-line values. Each returns 0, or -EINVAL and a one-line reason in
 * @err (a buffer of @errlen bytes) that names the value and what would be accepted.
 */
#ifndef PROF_OPTIONS_H
#define PROF_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "option_table.h"

/* A whole number in [min, max]; @what names it in the reason ("frequency"). */
int options__parse_uint(const char *s, const char *what, uint64_t min, uint64_t max, uint64_t *out,
			char *err, size_t errlen);

/* Seconds, a positive decimal number ("10", "2.5"), at most a year. */
int options__parse_seconds(const char *s, const char *what, double *out, char *err, size_t errlen);

/*
 * A list like "0,2-3" of numbers below @limit. Appends to *@list (realloc'ed; owned by the
 * caller) and *@count, skipping duplicates.
 */
int options__parse_number_list(const char *s, const char *what, uint32_t limit, uint32_t **list,
			       size_t *count, char *err, size_t errlen);

/* A size such as "65536" or "64k" (binary multiples k, m, g), in [min, max]. */
int options__parse_size(const char *s, const char *what, uint64_t min, uint64_t max, uint64_t *out,
			char *err, size_t errlen);

/* -f, --format FMT: folded, pprof, svg or speedscope into an enum output_format. */
option_parse_fn options__parse_output_format;

#endif
