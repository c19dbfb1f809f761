// SPDX-License-Identifier: GPL-2.0-only
#include "deferred_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

/* A sample as received (raw, its stack bytes) or once walked. */
struct deferred_entry {
	struct prof_deferred_sample *raw; /* owned, or NULL once walked */
	struct deferred_walked *walked;	  /* owned, once walked */
	size_t bytes;			  /* what the entry holds now */
};

struct deferred_queue {
	struct deferred_entry *entries;
	size_t n, cap;
	size_t next_walk; /* entries before it are walked: samples arrive about in time order */
	size_t bytes, max_bytes;
	uint64_t lost;
	struct prof_user_stack stack; /* scratch for walks */
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
	for (size_t i = 0; i < q->n; i++) {
		free(q->entries[i].raw);
		free(q->entries[i].walked);
	}
	free(q->entries);
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
	if (array__reserve(&q->entries, &q->cap, q->n + 1, sizeof(*q->entries)))
		goto out_lost;
	copy = malloc(size); /* the head and stack_bytes of stack (checked by the sampler) */
	if (!copy)
		goto out_lost;
	memcpy(copy, sample, size);
	q->entries[q->n++] = (struct deferred_entry){ .raw = copy, .bytes = size };
	q->bytes += size;
	return 0;

out_lost:
	q->lost++;
	return -ENOMEM;
}

/* Walks @e's raw sample and keeps its frames instead. Returns 0 or -ENOMEM (e unchanged). */
static int entry__walk(struct deferred_queue *q, struct deferred_entry *e, deferred_walk_fn fn,
		       void *ctx)
{
	struct prof_user_stack *stack = &q->stack;
	struct deferred_walked *w;
	size_t size;

	fn(ctx, e->raw, stack);
	if (stack->nr > PROF_MAX_USER_DEPTH)
		stack->nr = PROF_MAX_USER_DEPTH;
	size = sizeof(*w) + stack->nr * sizeof(w->ips[0]);
	w = malloc(size);
	if (!w)
		return -ENOMEM;
	w->key = e->raw->key;
	w->buffer = e->raw->buffer;
	w->nr = stack->nr;
	w->end = stack->end;
	memcpy(w->ips, stack->ips, stack->nr * sizeof(w->ips[0]));
	free(e->raw);
	e->raw = NULL;
	e->walked = w;
	q->bytes -= e->bytes;
	e->bytes = size;
	q->bytes += size;
	return 0;
}

void deferred_queue__walk(struct deferred_queue *q, uint64_t before_ns, deferred_walk_fn fn,
			  void *ctx)
{
	for (; q->next_walk < q->n; q->next_walk++) {
		struct deferred_entry *e = &q->entries[q->next_walk];

		if (e->raw && e->raw->time_ns >= before_ns)
			break;
		if (e->raw && entry__walk(q, e, fn, ctx))
			break; /* no memory for its frames: again on the next call */
	}
}

/* The buffer of @e's sample. */
static uint32_t entry__buffer(const struct deferred_entry *e)
{
	return e->raw ? e->raw->buffer : e->walked->buffer;
}

long deferred_queue__take(struct deferred_queue *q, uint32_t buffer, deferred_walk_fn fn, void *ctx,
			  struct deferred_walked ***out)
{
	struct deferred_walked **taken = malloc((q->n ? q->n : 1) * sizeof(*taken));
	size_t n = 0, kept = 0;

	if (!taken)
		return -ENOMEM;
	for (size_t i = 0; i < q->n; i++) {
		struct deferred_entry *e = &q->entries[i];

		if (entry__buffer(e) == buffer && (!e->raw || !entry__walk(q, e, fn, ctx))) {
			taken[n++] = e->walked;
			q->bytes -= e->bytes;
			continue;
		}
		q->entries[kept++] = *e;
	}
	q->n = kept;
	q->next_walk = 0;
	*out = taken;
	return n;
}

uint64_t deferred_queue__lost(const struct deferred_queue *q)
{
	return q->lost;
}
