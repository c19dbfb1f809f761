/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The deferred samples received and not yet in a profile, bounded in bytes: a sample that
 * does not fit is lost, and counted. A sample arrives with its stack bytes; once walked
 * (deferred_queue__walk(), soon after it arrived, while its process is likely alive) only
 * its key and frames are kept, so a long recording holds frames, not stacks.
 */
#ifndef PROF_DEFERRED_QUEUE_H
#define PROF_DEFERRED_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "profile_abi.h"

struct deferred_queue;

/* A sample of the queue once walked: its key and user stack (nr frames of ips). */
struct deferred_walked {
	struct prof_sample_key key;
	uint32_t buffer; /* the buffer (0 or 1) key.kstack_id is in */
	uint16_t nr;
	uint8_t end; /* enum prof_unwind_end */
	uint64_t ips[];
};

/* Walks @sample's user stack into @stack. */
typedef void (*deferred_walk_fn)(void *ctx, const struct prof_deferred_sample *sample,
				 struct prof_user_stack *stack);

/* A queue of at most @max_bytes of samples. Returns NULL with errno set. */
struct deferred_queue *deferred_queue__new(size_t max_bytes);
/* NULL-safe. */
void deferred_queue__free(struct deferred_queue *q);

/* Copies @sample (@size bytes). Returns 0, or -ENOSPC / -ENOMEM (the sample counted lost). */
int deferred_queue__push(struct deferred_queue *q, const struct prof_deferred_sample *sample,
			 size_t size);

/*
 * Walks, with @fn, the samples not walked yet, in the order received up to the first taken
 * at or after @before_ns (CLOCK_MONOTONIC; UINT64_MAX: all), and keeps only their key and
 * frames. A sample whose smaller copy cannot be allocated keeps its stack bytes and is
 * walked again later; so is one received behind a later one (another CPU's), on a later call.
 */
void deferred_queue__walk(struct deferred_queue *q, uint64_t before_ns, deferred_walk_fn fn,
			  void *ctx);

/*
 * Moves the samples of buffer @buffer out of the queue, walking those not walked yet with
 * @fn, in the order received: *@out (owned by the caller, free() each and the array) gets
 * @return entries. Returns a count or -ENOMEM.
 */
long deferred_queue__take(struct deferred_queue *q, uint32_t buffer, deferred_walk_fn fn, void *ctx,
			  struct deferred_walked ***out);

/* Samples lost so far: the queue was full. */
uint64_t deferred_queue__lost(const struct deferred_queue *q);

#endif
