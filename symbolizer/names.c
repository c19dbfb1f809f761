// SPDX-License-Identifier: GPL-2.0-only
#include "names.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "string_pool.h"

const char *names__intern(struct string_pool *names, const char *str, size_t len)
{
	int64_t id = string_pool__intern(names, str, len);

	return id < 0 ? NULL : string_pool__str(names, id);
}

const char *names__printf(struct string_pool *names, const char *fmt, ...)
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
