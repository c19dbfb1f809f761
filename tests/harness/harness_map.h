/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One BPF map in user memory, for the BPF harness: arrays (per-CPU ones with a single CPU),
 * program arrays, hash maps and ring buffers, with the kernel's answers to lookups, updates
 * and deletes (flags, full maps, keys out of range). Values stay where they are until they
 * are deleted, as in the kernel: a program may keep the pointer a lookup gave it.
 * Hash maps search their entries in order: the harness's maps hold a few entries, not
 * the hundreds of thousands a profiler's do.
 */
#ifndef PROF_TEST_HARNESS_MAP_H
#define PROF_TEST_HARNESS_MAP_H

#include <stddef.h>
#include <stdint.h>

struct harness_map;

/*
 * @type is a BPF_MAP_TYPE_* the harness knows (else NULL with errno EINVAL); @key_size
 * and @value_size in bytes (0 for a ring buffer, whose @max_entries is its size in bytes).
 * Returns NULL with errno set.
 */
struct harness_map *harness_map__new(uint32_t type, uint32_t key_size, uint32_t value_size,
				     uint32_t max_entries);
/* NULL-safe. */
void harness_map__free(struct harness_map *map);

uint32_t harness_map__key_size(const struct harness_map *map);
uint32_t harness_map__value_size(const struct harness_map *map);

/* The value under @key, owned by @map until it is deleted, or NULL. */
void *harness_map__lookup(struct harness_map *map, const void *key);

/*
 * Copies @value under @key. @flags is BPF_ANY, BPF_NOEXIST or BPF_EXIST. Returns 0, or
 * -EEXIST, -ENOENT (flags not met), -E2BIG (index out of range, or a full hash map),
 * -EINVAL (bad flags), -ENOMEM.
 */
int harness_map__update(struct harness_map *map, const void *key, const void *value,
			uint64_t flags);

/* Returns 0, -ENOENT (no such key), or -EINVAL (an array's entries cannot be deleted). */
int harness_map__delete(struct harness_map *map, const void *key);

/* The key of a hash map's @i-th entry (borrowed, as its value is), or NULL past the end. */
const void *harness_map__key_at(const struct harness_map *map, size_t i);

/* Empties a hash map or ring buffer, zeroes an array's values. */
void harness_map__clear(struct harness_map *map);

/* A ring buffer record of @size bytes (zeroed; owned by @map), or NULL when it is full. */
void *harness_map__reserve(struct harness_map *map, uint64_t size);
/* Records reserved and not discarded, and the @i-th of them (borrowed), or NULL. */
size_t harness_map__records(const struct harness_map *map);
const void *harness_map__record(const struct harness_map *map, size_t i);

#endif
