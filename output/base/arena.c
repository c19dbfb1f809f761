// SPDX-License-Identifier: GPL-2.0-only
#include "arena.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

/* Large enough that malloc overhead vanishes, small enough not to matter for tiny profiles. */
#define ARENA_CHUNK_SIZE (64 * 1024)
#define ARENA_MAX_ALIGN 16

struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	size_t size;
	alignas(ARENA_MAX_ALIGN) unsigned char mem[];
};

struct arena {
	struct arena_chunk *head; /* the chunk being filled; older chunks follow */
	size_t footprint;
};

struct arena *arena__new(void)
{
	return calloc(1, sizeof(struct arena));
}

void arena__free(struct arena *arena)
{
	struct arena_chunk *chunk, *next;

	if (!arena)
		return;
	for (chunk = arena->head; chunk; chunk = next) {
		next = chunk->next;
		free(chunk);
	}
	free(arena);
}

static struct arena_chunk *arena__new_chunk(struct arena *arena, size_t size)
{
	struct arena_chunk *chunk;

	if (size > SIZE_MAX - sizeof(*chunk)) {
		errno = ENOMEM;
		return NULL;
	}
	chunk = malloc(sizeof(*chunk) + size);
	if (!chunk)
		return NULL;
	chunk->next = NULL;
	chunk->used = 0;
	chunk->size = size;
	arena->footprint += sizeof(*chunk) + size;
	return chunk;
}

void *arena__alloc(struct arena *arena, size_t size, size_t align)
{
	struct arena_chunk *chunk = arena->head;
	size_t start;

	if (chunk) {
		start = (chunk->used + align - 1) & ~(align - 1);
		if (start <= chunk->size && size <= chunk->size - start) {
			chunk->used = start + size;
			return chunk->mem + start;
		}
	}

	/*
	 * A big object gets a chunk of its own, linked behind the current one, so the space
	 * left in the current chunk is not thrown away.
	 */
	if (size > ARENA_CHUNK_SIZE / 4) {
		chunk = arena__new_chunk(arena, size);
		if (!chunk)
			return NULL;
		chunk->used = size;
		if (arena->head) {
			chunk->next = arena->head->next;
			arena->head->next = chunk;
		} else {
			arena->head = chunk;
		}
		return chunk->mem;
	}

	chunk = arena__new_chunk(arena, ARENA_CHUNK_SIZE);
	if (!chunk)
		return NULL;
	chunk->next = arena->head;
	arena->head = chunk;
	chunk->used = size;
	return chunk->mem;
}

size_t arena__footprint(const struct arena *arena)
{
	return arena->footprint;
}
