// SPDX-License-Identifier: GPL-2.0-only
#include "stack_keeper.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash_table.h"

struct kept_stack {
	uint32_t epoch;
	enum kept_stack_kind kind;
	uint64_t id;
	void *data;
	size_t len;
};

struct stack_keeper {
	struct kept_stack *stacks;
	size_t n, cap;
	size_t bytes, max_bytes;
	struct hash_table *index; /* (epoch, kind, id) -> index in stacks */
};

/* The key a lookup compares with. */
struct kept_key {
	uint32_t epoch;
	enum kept_stack_kind kind;
	uint64_t id;
};

static bool kept_eq(const void *ctx, uint32_t value, const void *key)
{
	const struct stack_keeper *k = ctx;
	const struct kept_stack *s = &k->stacks[value];
	const struct kept_key *want = key;

	return s->epoch == want->epoch && s->kind == want->kind && s->id == want->id;
}

static uint64_t kept_hash(const struct kept_key *key)
{
	uint64_t h = hash__u64(HASH_SEED, key->epoch);

	h = hash__u64(h, key->kind);
	return hash__final(hash__u64(h, key->id));
}

struct stack_keeper *stack_keeper__new(size_t max_bytes)
{
	struct stack_keeper *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->max_bytes = max_bytes;
	k->index = hash_table__new(kept_eq, k);
	if (!k->index) {
		free(k);
		return NULL;
	}
	return k;
}

void stack_keeper__free(struct stack_keeper *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++)
		free(k->stacks[i].data);
	free(k->stacks);
	hash_table__free(k->index);
	free(k);
}

int stack_keeper__add(struct stack_keeper *k, uint32_t epoch, enum kept_stack_kind kind,
		      uint64_t id, const void *data, size_t len)
{
	struct kept_key key = { .epoch = epoch, .kind = kind, .id = id };
	uint64_t hash = kept_hash(&key);
	struct kept_stack *s;
	int err;

	if (hash_table__find(k->index, hash, &key) >= 0)
		return 0;
	if (len > k->max_bytes - k->bytes || k->n >= HASH_TABLE_MAX_VALUE)
		return -ENOSPC;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		struct kept_stack *grown = realloc(k->stacks, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		k->stacks = grown;
		k->cap = cap;
	}
	s = &k->stacks[k->n];
	s->data = malloc(len ? len : 1);
	if (!s->data)
		return -ENOMEM;
	memcpy(s->data, data, len);
	s->epoch = epoch;
	s->kind = kind;
	s->id = id;
	s->len = len;
	err = hash_table__insert(k->index, hash, k->n);
	if (err) {
		free(s->data);
		return err;
	}
	k->n++;
	k->bytes += len;
	return 0;
}

const void *stack_keeper__find(const struct stack_keeper *k, uint32_t epoch,
			       enum kept_stack_kind kind, uint64_t id, size_t *len)
{
	struct kept_key key = { .epoch = epoch, .kind = kind, .id = id };
	int64_t i = hash_table__find(k->index, kept_hash(&key), &key);

	if (i < 0)
		return NULL;
	*len = k->stacks[i].len;
	return k->stacks[i].data;
}

size_t stack_keeper__count(const struct stack_keeper *k)
{
	return k->n;
}

size_t stack_keeper__bytes(const struct stack_keeper *k)
{
	return k->bytes;
}
