/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hands out ranges of a fixed space of slots (the rows of the unwind tables map): first
 * fit, with freed ranges merged with their neighbours.
 */
#ifndef PROF_EXTENT_ALLOCATOR_H
#define PROF_EXTENT_ALLOCATOR_H

#include <stdint.h>

struct extent_allocator;

/* A space of @size slots, all free. Returns NULL with errno set. */
struct extent_allocator *extent_allocator__new(uint32_t size);
/* NULL-safe. */
void extent_allocator__free(struct extent_allocator *a);

/* The first slot of @n free consecutive slots, now used; -ENOSPC or -ENOMEM. */
int64_t extent_allocator__alloc(struct extent_allocator *a, uint32_t n);
/* Frees slots [@start, @start + @n), which alloc handed out. */
void extent_allocator__free_range(struct extent_allocator *a, uint32_t start, uint32_t n);

#endif
