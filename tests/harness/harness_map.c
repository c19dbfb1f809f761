// SPDX-License-Identifier: GPL-2.0-only
#include "harness_map.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

#define RINGBUF_HEADER 8 /* the kernel's record header, which the size limit counts */

struct harness_map {
	uint32_t type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint8_t *values; /* arrays: max_entries values */
	/* Hash maps: one allocation per entry, the key then the value at value_offset, so
	 * that values do not move while others come and go. Ring buffers: the records. */
	void **entries;
	size_t nentries, entries_cap;
	size_t value_offset;
	uint64_t ring_used; /* bytes of ring buffer records, with their headers */
};

static bool is_array(const struct harness_map *map)
{
	return map->type == BPF_MAP_TYPE_ARRAY || map->type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       map->type == BPF_MAP_TYPE_PROG_ARRAY || map->type == BPF_MAP_TYPE_CGROUP_ARRAY;
}

static bool is_hash(const struct harness_map *map)
{
	return map->type == BPF_MAP_TYPE_HASH || map->type == BPF_MAP_TYPE_LRU_HASH ||
	       map->type == BPF_MAP_TYPE_STACK_TRACE;
}

struct harness_map *harness_map__new(uint32_t type, uint32_t key_size, uint32_t value_size,
				     uint32_t max_entries)
{
	struct harness_map *map = calloc(1, sizeof(*map));

	if (!map)
		return NULL;
	*map = (struct harness_map){ .type = type,
				     .key_size = key_size,
				     .value_size = value_size,
				     .max_entries = max_entries,
				     .value_offset = (key_size + 7) & ~(size_t)7 };
	if (!is_array(map) && !is_hash(map) && type != BPF_MAP_TYPE_RINGBUF) {
		free(map);
		errno = EINVAL;
		return NULL;
	}
	if (is_array(map)) {
		map->values = calloc(max_entries, value_size);
		if (!map->values) {
			free(map);
			errno = ENOMEM;
			return NULL;
		}
	}
	return map;
}

void harness_map__free(struct harness_map *map)
{
	if (!map)
		return;
	harness_map__clear(map);
	free(map->entries);
	free(map->values);
	free(map);
}

uint32_t harness_map__key_size(const struct harness_map *map)
{
	return map->key_size;
}

uint32_t harness_map__value_size(const struct harness_map *map)
{
	return map->value_size;
}

/* The index of @key among a hash map's entries, or -1. */
static long find_entry(const struct harness_map *map, const void *key)
{
	for (size_t i = 0; i < map->nentries; i++)
		if (!memcmp(map->entries[i], key, map->key_size))
			return i;
	return -1;
}

void *harness_map__lookup(struct harness_map *map, const void *key)
{
	uint32_t index;
	long i;

	if (is_array(map)) {
		memcpy(&index, key, sizeof(index));
		return index < map->max_entries ? map->values + (size_t)index * map->value_size :
						  NULL;
	}
	if (!is_hash(map))
		return NULL;
	i = find_entry(map, key);
	return i < 0 ? NULL : (uint8_t *)map->entries[i] + map->value_offset;
}

int harness_map__update(struct harness_map *map, const void *key, const void *value, uint64_t flags)
{
	void *entry, *old;

	if (flags > BPF_EXIST)
		return -EINVAL;
	if (!is_array(map) && !is_hash(map))
		return -EINVAL;
	old = harness_map__lookup(map, key);
	if (is_array(map) && !old)
		return -E2BIG;
	if (old && flags == BPF_NOEXIST)
		return -EEXIST;
	if (!old && flags == BPF_EXIST)
		return -ENOENT;
	if (old) {
		memcpy(old, value, map->value_size);
		return 0;
	}
	if (map->nentries >= map->max_entries)
		return -E2BIG;
	if (array__reserve(&map->entries, &map->entries_cap, map->nentries + 1,
			   sizeof(*map->entries)))
		return -ENOMEM;
	entry = malloc(map->value_offset + map->value_size);
	if (!entry)
		return -ENOMEM;
	memcpy(entry, key, map->key_size);
	memcpy((uint8_t *)entry + map->value_offset, value, map->value_size);
	map->entries[map->nentries++] = entry;
	return 0;
}

int harness_map__delete(struct harness_map *map, const void *key)
{
	long i;

	if (!is_hash(map))
		return -EINVAL;
	i = find_entry(map, key);
	if (i < 0)
		return -ENOENT;
	free(map->entries[i]);
	map->entries[i] = map->entries[--map->nentries];
	return 0;
}

const void *harness_map__key_at(const struct harness_map *map, size_t i)
{
	return is_hash(map) && i < map->nentries ? map->entries[i] : NULL;
}

void harness_map__clear(struct harness_map *map)
{
	if (is_array(map)) {
		memset(map->values, 0, (size_t)map->max_entries * map->value_size);
		return;
	}
	for (size_t i = 0; i < map->nentries; i++)
		free(map->entries[i]);
	map->nentries = 0;
	map->ring_used = 0;
}

void *harness_map__reserve(struct harness_map *map, uint64_t size)
{
	uint64_t need = (size + RINGBUF_HEADER + 7) & ~7ull;
	void *record;

	if (map->type != BPF_MAP_TYPE_RINGBUF || need > map->max_entries - map->ring_used)
		return NULL;
	if (array__reserve(&map->entries, &map->entries_cap, map->nentries + 1,
			   sizeof(*map->entries)))
		return NULL;
	record = calloc(1, size);
	if (!record)
		return NULL;
	map->ring_used += need;
	map->entries[map->nentries++] = record;
	return record;
}

size_t harness_map__records(const struct harness_map *map)
{
	return map->type == BPF_MAP_TYPE_RINGBUF ? map->nentries : 0;
}

const void *harness_map__record(const struct harness_map *map, size_t i)
{
	return i < harness_map__records(map) ? map->entries[i] : NULL;
}
