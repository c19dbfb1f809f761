/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Diagnostics for every layer: one line per message, gated by a level, written whole (however
 * long: the verifier's log is one message) under a lock, so that lines of different threads
 * never interleave. stderr by default; a long-running agent may log to a file instead (and
 * reopen it after rotation) and add timestamps, or speak journald's priority prefixes.
 */
#ifndef PROF_LOG_H
#define PROF_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

enum log_style {
	LOG_STYLE_PLAIN,     /* "bpfprof: message", for commands run by hand (default) */
	LOG_STYLE_TIMESTAMP, /* "2026-11-21T10:02:00.123Z warning: message" */
	LOG_STYLE_JOURNAL,   /* "<4>message": journald stores the level and adds the time */
};

/* Messages above @level are dropped. The default is LOG_WARN. */
void log__set_level(enum log_level level);
enum log_level log__level(void);
void log__set_style(enum log_style style);

/*
 * Logs to the file @path (appended, created 0640) instead of stderr; NULL goes back to
 * stderr. Returns 0 or -errno, and then logging goes on where it went.
 */
int log__set_file(const char *path);
/* Opens the log file again by its name (after logrotate moved it). Returns 0 or -errno. */
int log__reopen(void);

void log__printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log__vprintf(enum log_level level, const char *fmt, va_list ap);

#define pr_err(...) log__printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log__printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log__printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log__printf(LOG_DEBUG, __VA_ARGS__)

#endif
