// SPDX-License-Identifier: GPL-2.0-only
#include "deferred_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

struct deferred_queue {
	struct prof_deferred_sample **samples; /* owned, each malloc'ed at its size */
	size_t *sizes;
	size_t n, cap, sizes_cap;
	size_t bytes, max_bytes;
	uint64_t lost;
};

struct deferred_queue *deferred_queue__new(size_t max_bytes)
{
	struct deferred_queue *q = calloc(1, sizeof(*q));

	if (q)
		q->max_bytes = max_bytes;
	return q;
}

void deferred_queue__free(struct deferred_queue *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++)
		free(q->samples[i]);
	free(q->samples);
	free(q->sizes);
	free(q);
}

int deferred_queue__push(struct deferred_queue *q, const struct prof_deferred_sample *sample,
			 size_t size)
{
	struct prof_deferred_sample *copy;

	if (size > q->max_bytes - q->bytes) {
		q->lost++;
		return -ENOSPC;
	}
	if (array__reserve(&q->samples, &q->cap, q->n + 1, sizeof(*q->samples)) ||
	    array__reserve(&q->sizes, &q->sizes_cap, q->n + 1, sizeof(*q->sizes)))
		goto out_lost;
	copy = malloc(size); /* the head and stack_bytes of stack (checked by the sampler) */
	if (!copy)
		goto out_lost;
	memcpy(copy, sample, size);
	q->samples[q->n] = copy;
	q->sizes[q->n++] = size;
	q->bytes += size;
	return 0;

out_lost:
	q->lost++;
	return -ENOMEM;
}

long deferred_queue__take(struct deferred_queue *q, uint32_t buffer,
			  struct prof_deferred_sample ***out)
{
	struct prof_deferred_sample **taken = malloc((q->n ? q->n : 1) * sizeof(*taken));
	size_t n = 0, kept = 0;

	if (!taken)
		return -ENOMEM;
	for (size_t i = 0; i < q->n; i++) {
		if (q->samples[i]->buffer == buffer) {
			taken[n++] = q->samples[i];
			q->bytes -= q->sizes[i];
			continue;
		}
		q->samples[kept] = q->samples[i];
		q->sizes[kept++] = q->sizes[i];
	}
	q->n = kept;
	*out = taken;
	return n;
}

uint64_t deferred_queue__lost(const struct deferred_queue *q)
{
	return q->lost;
}
