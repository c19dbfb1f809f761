/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bump allocator for many small objects that live as long as their owner (interned
 * strings, stacks, frames): one malloc per chunk instead of one per object, no per-object
 * header, and addresses that never move, so interned data can be handed out by pointer.
 */
#ifndef PROF_ARENA_H
#define PROF_ARENA_H

#include <stddef.h>

struct arena;

/* Returns NULL with errno set on allocation failure. */
struct arena *arena__new(void);
/* NULL-safe. Invalidates every pointer returned by arena__alloc(). */
void arena__free(struct arena *arena);

/*
 * Returns @size bytes aligned to @align (a power of two, at most 16), uninitialised, owned by
 * the arena and valid until arena__free(). Returns NULL with errno set to ENOMEM on failure.
 */
void *arena__alloc(struct arena *arena, size_t size, size_t align);

/* Bytes obtained from malloc so far, for memory accounting. */
size_t arena__footprint(const struct arena *arena);

#endif
