/* SPDX-License-Identifier: GPL-2.0-only */
/* The one-line progress display of a recording, shown only when stderr is a terminal. */
#ifndef PROF_PROGRESS_H
#define PROF_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool enabled;
	double last_shown; /* elapsed seconds at the last update */
};

/* Enables the display when @wanted and stderr is a terminal. */
void progress__init(struct progress *p, bool wanted);
/* Redraws about once a second. @total_s is 0 when the end is not known. */
void progress__update(struct progress *p, double elapsed_s, double total_s, uint64_t samples);
/* Erases the line. */
void progress__clear(struct progress *p);

#endif
