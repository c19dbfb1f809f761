// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Most lines fit on the stack; longer ones are allocated. */
#define LINE_BYTES 1024

/* The logger's process-wide state: set up by main(), used by every thread. */
static enum log_level current_level = LOG_WARN;
static enum log_style current_style = LOG_STYLE_PLAIN;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = STDERR_FILENO;
static char *log_path; /* NULL: stderr */

static const char *const level_names[] = { "error", "warning", "info", "debug" };
/* syslog priorities: err, warning, info, debug. */
static const char journal_priority[] = { '3', '4', '6', '7' };

void log__set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log__level(void)
{
	return current_level;
}

void log__set_style(enum log_style style)
{
	current_style = style;
}

static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	return fd < 0 ? -errno : fd;
}

int log__set_file(const char *path)
{
	char *copy = NULL;
	int fd = STDERR_FILENO;

	if (path) {
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
		fd = open_log(path);
		if (fd < 0) {
			free(copy);
			return fd;
		}
	}
	pthread_mutex_lock(&log_lock);
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	free(log_path);
	log_path = copy;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

int log__reopen(void)
{
	int fd, err = 0;

	pthread_mutex_lock(&log_lock);
	if (log_path) {
		fd = open_log(log_path);
		if (fd >= 0) {
			close(log_fd);
			log_fd = fd;
		} else {
			err = fd;
		}
	}
	pthread_mutex_unlock(&log_lock);
	return err;
}

/* write(2) until all of @buf is written. Returns 0 or -errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Writes the line's prefix into @buf; returns its length. */
static int format_prefix(enum log_level level, char *buf, size_t size)
{
	struct timespec now;
	struct tm tm;
	char stamp[32];

	switch (current_style) {
	case LOG_STYLE_JOURNAL:
		return snprintf(buf, size, "<%c>", journal_priority[level]);
	case LOG_STYLE_TIMESTAMP:
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		return snprintf(buf, size, "%s.%03ldZ %s: ", stamp, now.tv_nsec / 1000000,
				level_names[level]);
	default:
		return snprintf(buf, size, "bpfprof: ");
	}
}

void log__vprintf(enum log_level level, const char *fmt, va_list ap)
{
	char line[LINE_BYTES], *buf = line;
	int len, n;
	va_list again;

	if (level > current_level)
		return;
	len = format_prefix(level, line, sizeof(line));
	va_copy(again, ap);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	/*
	 * Longer messages (libbpf hands over the verifier's whole log as one) are written
	 * whole: a log cut short loses its end, where the error is.
	 */
	if (n >= (int)sizeof(line) - len) {
		buf = malloc((size_t)len + n + 1);
		if (buf) {
			memcpy(buf, line, len);
			n = vsnprintf(buf + len, (size_t)n + 1, fmt, again);
		} else {
			buf = line;
			n = sizeof(line) - len - 1;
			line[sizeof(line) - 2] = '\n';
		}
	}
	va_end(again);
	if (n < 0)
		goto out_free;
	len += n;
	pthread_mutex_lock(&log_lock);
	/* Nowhere to report a failed write to the log. */
	if (write_all(log_fd, buf, len) < 0)
		(void)0;
	pthread_mutex_unlock(&log_lock);
out_free:
	if (buf != line)
		free(buf);
}

void log__printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log__vprintf(level, fmt, ap);
	va_end(ap);
}
