// SPDX-License-Identifier: GPL-2.0-only
#include "record_spool.h"

#include <errno.h>
#include <stdlib.h>

/* Records are appended to the last chunk while they fit; a chunk is freed once read. */
#define CHUNK_BYTES (256u * 1024)

/* Each record: its size, then its bytes, padded to 8. */
struct slot {
	uint32_t size;
	uint32_t pad;
	unsigned char bytes[];
};

struct chunk {
	struct chunk *next;
	size_t used; /* bytes of slots written */
	size_t read; /* bytes of slots read (popped) */
	size_t cap;
	_Alignas(8) unsigned char data[];
};

struct record_spool {
	struct chunk *first, *last;
	size_t bytes; /* of the records waiting */
};

static size_t slot_bytes(size_t size)
{
	return (sizeof(struct slot) + size + 7) & ~(size_t)7;
}

struct record_spool *record_spool__new(void)
{
	return calloc(1, sizeof(struct record_spool));
}

void record_spool__free(struct record_spool *spool)
{
	if (!spool)
		return;
	for (struct chunk *c = spool->first, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(spool);
}

int record_spool__push(struct record_spool *spool, size_t size,
		       void (*copy)(void *ctx, void *dst, size_t size), void *ctx)
{
	size_t need = slot_bytes(size);
	struct chunk *c = spool->last;
	struct slot *slot;

	if (!size || size > RECORD_SPOOL_MAX_RECORD)
		return -EINVAL;
	if (!c || c->cap - c->used < need) {
		size_t cap = need > CHUNK_BYTES ? need : CHUNK_BYTES;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return -ENOMEM;
		*c = (struct chunk){ .cap = cap };
		if (spool->last)
			spool->last->next = c;
		else
			spool->first = c;
		spool->last = c;
	}
	slot = (struct slot *)(c->data + c->used);
	slot->size = (uint32_t)size;
	slot->pad = 0;
	copy(ctx, slot->bytes, size);
	c->used += need;
	spool->bytes += size;
	return 0;
}

const void *record_spool__peek(const struct record_spool *spool, size_t *size)
{
	const struct chunk *c = spool->first;
	const struct slot *slot;

	if (!c || c->read == c->used)
		return NULL;
	slot = (const struct slot *)(c->data + c->read);
	*size = slot->size;
	return slot->bytes;
}

void record_spool__pop(struct record_spool *spool)
{
	struct chunk *c = spool->first;
	const struct slot *slot;

	if (!c || c->read == c->used)
		return;
	slot = (const struct slot *)(c->data + c->read);
	spool->bytes -= slot->size;
	c->read += slot_bytes(slot->size);
	if (c->read < c->used)
		return;
	/* Read to its end: the last chunk is kept for the next push, but emptied. */
	if (c == spool->last) {
		c->read = c->used = 0;
		return;
	}
	spool->first = c->next;
	free(c);
}

size_t record_spool__bytes(const struct record_spool *spool)
{
	return spool->bytes;
}
