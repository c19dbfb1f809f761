/* SPDX-License-Identifier: GPL-2.0-only */
/* Definitions shared by the files of the symbolizer, not part of its interface. */
#ifndef PROF_SYMBOLIZER_INTERNAL_H
#define PROF_SYMBOLIZER_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "string_pool.h"

/*
 * Interns @str[0..@len) in @names (output/'s string pool, whose strings never move) and
 * returns the pool's copy, borrowed until string_pool__free(), or NULL without memory.
 * Frames point at these copies: they outlive the dso a name was read from.
 */
static inline const char *names__intern(struct string_pool *names, const char *str, size_t len)
{
	int64_t id = string_pool__intern(names, str, len);

	return id < 0 ? NULL : string_pool__str(names, id);
}

/* Same for a printf-formatted string; longer than 4095 characters is cut. */
static inline __attribute__((format(printf, 2, 3))) const char *
names__printf(struct string_pool *names, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return NULL;
	if ((size_t)len >= sizeof(buf))
		len = sizeof(buf) - 1;
	return names__intern(names, buf, len);
}

#endif
