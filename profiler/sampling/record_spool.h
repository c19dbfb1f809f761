/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A first-in first-out queue of perf records (each starting with its perf_event_header), in
 * chunks allocated as records come and freed once read: where the mapping events' records
 * wait between the thread that empties the kernel's rings and the journal's reader, so a
 * reader busy for seconds (a large unwind table built, a starved CPU) loses nothing while
 * the queue has room. Not thread-safe: its owner locks.
 */
#ifndef PROF_RECORD_SPOOL_H
#define PROF_RECORD_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct record_spool;

/* A perf record's size is 16 bits. */
#define RECORD_SPOOL_MAX_RECORD 65535u

/* Returns an empty spool, or NULL with errno set. */
struct record_spool *record_spool__new(void);
/* NULL-safe. */
void record_spool__free(struct record_spool *spool);

/*
 * Appends a record of @size bytes (at most RECORD_SPOOL_MAX_RECORD), which @copy(@ctx, dst,
 * @size) writes in place: out of a ring, where it may wrap. Returns 0, -EINVAL for a size
 * of 0 or over the most, or -ENOMEM.
 */
int record_spool__push(struct record_spool *spool, size_t size,
		       void (*copy)(void *ctx, void *dst, size_t size), void *ctx);

/*
 * The oldest record (borrowed until the next pop or push), and its size in *@size; NULL
 * when the spool is empty.
 */
const void *record_spool__peek(const struct record_spool *spool, size_t *size);

/* Drops the oldest record. */
void record_spool__pop(struct record_spool *spool);

/* Bytes the records waiting take. */
size_t record_spool__bytes(const struct record_spool *spool);

#endif
