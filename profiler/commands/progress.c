// SPDX-License-Identifier: GPL-2.0-only
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

void progress__init(struct progress *p, bool wanted)
{
	p->enabled = wanted && isatty(STDERR_FILENO);
	p->last_shown = -1;
}

void progress__update(struct progress *p, double elapsed_s, double total_s, uint64_t samples)
{
	if (!p->enabled || (p->last_shown >= 0 && elapsed_s - p->last_shown < 1.0))
		return;
	p->last_shown = elapsed_s;
	if (total_s > 0)
		fprintf(stderr, "\r\033[Krecording %.0f/%.0f s, %llu samples", elapsed_s, total_s,
			(unsigned long long)samples);
	else
		fprintf(stderr, "\r\033[Krecording %.0f s, %llu samples", elapsed_s,
			(unsigned long long)samples);
	fflush(stderr);
}

void progress__clear(struct progress *p)
{
	if (p->enabled && p->last_shown >= 0)
		fputs("\r\033[K", stderr);
}
