/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The strings frames and mappings point at (function names, paths, placeholders), interned
 * in a string pool (output/base's, whose strings never move): they outlive the dso or the
 * perf map they were read from.
 */
#ifndef PROF_NAMES_H
#define PROF_NAMES_H

#include <stddef.h>

struct string_pool;

/*
 * Interns @str[0..@len) in @names and returns the pool's copy, borrowed until
 * string_pool__free(), or NULL without memory.
 */
const char *names__intern(struct string_pool *names, const char *str, size_t len);

/* Same for a printf-formatted string; longer than 4095 characters is cut. */
__attribute__((format(printf, 2, 3))) const char *names__printf(struct string_pool *names,
								const char *fmt, ...);

#endif
