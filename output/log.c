// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <stdio.h>

/* The only process-wide state of the logger; set once by main(). */
static enum log_level current_level = LOG_WARN;

void log__set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log__level(void)
{
	return current_level;
}

void log__vprintf(enum log_level level, const char *fmt, va_list ap)
{
	if (level > current_level)
		return;
	fputs("bpfprof: ", stderr);
	vfprintf(stderr, fmt, ap);
}

void log__printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log__vprintf(level, fmt, ap);
	va_end(ap);
}
