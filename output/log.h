/* SPDX-License-Identifier: GPL-2.0-only */
/* Diagnostics for every layer: one line per message on stderr, gated by a level. */
#ifndef PROF_LOG_H
#define PROF_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* Messages above @level are dropped. The default is LOG_WARN. */
void log__set_level(enum log_level level);
enum log_level log__level(void);

void log__printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log__vprintf(enum log_level level, const char *fmt, va_list ap);

#define pr_err(...) log__printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log__printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log__printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log__printf(LOG_DEBUG, __VA_ARGS__)

#endif
