/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The deferred samples received and not yet in a profile, bounded in bytes: a sample that
 * does not fit is lost, and counted.
 */
#ifndef PROF_DEFERRED_QUEUE_H
#define PROF_DEFERRED_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "profile_abi.h"

struct deferred_queue;

/* A queue of at most @max_bytes of samples. Returns NULL with errno set. */
struct deferred_queue *deferred_queue__new(size_t max_bytes);
/* NULL-safe. */
void deferred_queue__free(struct deferred_queue *q);

/* Copies @sample (@size bytes). Returns 0, or -ENOSPC / -ENOMEM (the sample counted lost). */
int deferred_queue__push(struct deferred_queue *q, const struct prof_deferred_sample *sample,
			 size_t size);

/*
 * Moves the samples of buffer @buffer out of the queue, in the order received: *@out (owned
 * by the caller, free() each and the array) gets @return entries. Returns a count or -ENOMEM.
 */
long deferred_queue__take(struct deferred_queue *q, uint32_t buffer,
			  struct prof_deferred_sample ***out);

/* Samples lost so far: the queue was full. */
uint64_t deferred_queue__lost(const struct deferred_queue *q);

#endif
