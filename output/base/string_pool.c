// SPDX-License-Identifier: GPL-2.0-only
#include "string_pool.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "array.h"
#include "hash_table.h"

struct pooled_string {
	const char *str; /* in the arena */
	uint32_t len;
};

struct string_pool {
	struct arena *arena;
	struct hash_table *index;   /* string -> id */
	struct pooled_string *strs; /* by id */
	size_t count;
	size_t cap;
};

struct string_key {
	const char *s;
	size_t len;
};

static bool string_pool__eq(const void *ctx, uint32_t id, const void *key)
{
	const struct string_pool *pool = ctx;
	const struct string_key *k = key;
	const struct pooled_string *ps = &pool->strs[id];

	return ps->len == k->len && memcmp(ps->str, k->s, k->len) == 0;
}

struct string_pool *string_pool__new(void)
{
	struct string_pool *pool;

	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->arena = arena__new();
	if (!pool->arena)
		goto out_free_pool;
	pool->index = hash_table__new(string_pool__eq, pool);
	if (!pool->index)
		goto out_free_arena;
	return pool;

out_free_arena:
	arena__free(pool->arena);
out_free_pool:
	free(pool);
	errno = ENOMEM;
	return NULL;
}

void string_pool__free(struct string_pool *pool)
{
	if (!pool)
		return;
	hash_table__free(pool->index);
	arena__free(pool->arena);
	free(pool->strs);
	free(pool);
}

int64_t string_pool__intern(struct string_pool *pool, const char *s, size_t len)
{
	struct string_key key = { .s = s, .len = len };
	uint64_t hash;
	int64_t id;
	char *copy;
	int err;

	if (len > UINT32_MAX - 1)
		return -E2BIG;
	hash = hash__final(hash__bytes(HASH_SEED, s, len));
	id = hash_table__find(pool->index, hash, &key);
	if (id >= 0)
		return id;
	if (pool->count > HASH_TABLE_MAX_VALUE)
		return -E2BIG;

	err = array__reserve(&pool->strs, &pool->cap, pool->count + 1, sizeof(*pool->strs));
	if (err)
		return err;
	copy = arena__alloc(pool->arena, len + 1, 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	pool->strs[pool->count].str = copy;
	pool->strs[pool->count].len = len;
	/* On failure the copy stays in the arena unused: harmless, and freed with the pool. */
	err = hash_table__insert(pool->index, hash, pool->count);
	if (err)
		return err;
	return pool->count++;
}

const char *string_pool__str(const struct string_pool *pool, uint32_t id)
{
	return id < pool->count ? pool->strs[id].str : NULL;
}

size_t string_pool__len(const struct string_pool *pool, uint32_t id)
{
	return id < pool->count ? pool->strs[id].len : 0;
}

size_t string_pool__count(const struct string_pool *pool)
{
	return pool->count;
}

size_t string_pool__footprint(const struct string_pool *pool)
{
	return arena__footprint(pool->arena) + hash_table__footprint(pool->index) +
	       pool->cap * sizeof(*pool->strs);
}
