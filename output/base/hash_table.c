// SPDX-License-Identifier: GPL-2.0-only
#include "hash_table.h"

#include <errno.h>
#include <stdlib.h>

#define HASH_TABLE_EMPTY UINT32_MAX
#define HASH_TABLE_MIN_SLOTS 16

struct hash_slot {
	uint32_t hash;	/* low half of the key's hash: probe start, and a filter before eq */
	uint32_t value; /* HASH_TABLE_EMPTY when free */
};

struct hash_table {
	struct hash_slot *slots;
	size_t mask; /* slot count - 1; the slot count is a power of two */
	size_t count;
	hash_table_eq_fn eq;
	const void *ctx;
};

static struct hash_slot *hash_table__alloc_slots(size_t nr)
{
	struct hash_slot *slots;
	size_t i;

	if (nr > SIZE_MAX / sizeof(*slots))
		return NULL;
	slots = malloc(nr * sizeof(*slots));
	if (!slots)
		return NULL;
	for (i = 0; i < nr; i++)
		slots[i].value = HASH_TABLE_EMPTY;
	return slots;
}

struct hash_table *hash_table__new(hash_table_eq_fn eq, const void *ctx)
{
	struct hash_table *table;

	table = calloc(1, sizeof(*table));
	if (!table)
		return NULL;
	table->slots = hash_table__alloc_slots(HASH_TABLE_MIN_SLOTS);
	if (!table->slots) {
		free(table);
		errno = ENOMEM;
		return NULL;
	}
	table->mask = HASH_TABLE_MIN_SLOTS - 1;
	table->eq = eq;
	table->ctx = ctx;
	return table;
}

void hash_table__free(struct hash_table *table)
{
	if (!table)
		return;
	free(table->slots);
	free(table);
}

int64_t hash_table__find(const struct hash_table *table, uint64_t hash, const void *key)
{
	uint32_t h = (uint32_t)hash;
	size_t i = h & table->mask;
	const struct hash_slot *slot;

	/* Never full (at most 3/4), so the probe always reaches an empty slot. */
	for (;; i = (i + 1) & table->mask) {
		slot = &table->slots[i];
		if (slot->value == HASH_TABLE_EMPTY)
			return -ENOENT;
		if (slot->hash == h && table->eq(table->ctx, slot->value, key))
			return slot->value;
	}
}

static void hash_table__place(struct hash_slot *slots, size_t mask, uint32_t hash, uint32_t value)
{
	size_t i = hash & mask;

	while (slots[i].value != HASH_TABLE_EMPTY)
		i = (i + 1) & mask;
	slots[i].hash = hash;
	slots[i].value = value;
}

static int hash_table__grow(struct hash_table *table)
{
	size_t nr = table->mask + 1, new_mask, i;
	struct hash_slot *slots;

	/* Slots are found from 32 bits of hash: more than 2^32 slots would go unused. */
	if (nr > SIZE_MAX / 2 || nr * 2 > (size_t)UINT32_MAX + 1)
		return -ENOMEM;
	slots = hash_table__alloc_slots(nr * 2);
	if (!slots)
		return -ENOMEM;
	new_mask = nr * 2 - 1;
	for (i = 0; i < nr; i++) {
		if (table->slots[i].value != HASH_TABLE_EMPTY)
			hash_table__place(slots, new_mask, table->slots[i].hash,
					  table->slots[i].value);
	}
	free(table->slots);
	table->slots = slots;
	table->mask = new_mask;
	return 0;
}

int hash_table__insert(struct hash_table *table, uint64_t hash, uint32_t value)
{
	int err;

	if (value > HASH_TABLE_MAX_VALUE)
		return -EINVAL;
	if ((table->count + 1) * 4 > (table->mask + 1) * 3) {
		err = hash_table__grow(table);
		if (err)
			return err;
	}
	hash_table__place(table->slots, table->mask, (uint32_t)hash, value);
	table->count++;
	return 0;
}

size_t hash_table__count(const struct hash_table *table)
{
	return table->count;
}

size_t hash_table__footprint(const struct hash_table *table)
{
	return (table->mask + 1) * sizeof(struct hash_slot);
}
