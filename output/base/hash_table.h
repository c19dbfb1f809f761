/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An index from keys to dense 32-bit ids, for interning. The table stores only (hash, id)
 * pairs, 8 bytes a slot; the keys live with the caller (usually in an array indexed by the
 * id), and the caller's equality function compares a candidate id against the key being
 * looked up. Open addressing with linear probing, at most 3/4 full, so a lookup allocates
 * nothing and touches one or two cache lines.
 *
 * Also the hash functions the interning tables share.
 */
#ifndef PROF_HASH_TABLE_H
#define PROF_HASH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The largest id a table holds; UINT32_MAX marks an empty slot. */
#define HASH_TABLE_MAX_VALUE (UINT32_MAX - 1)

/* True when the key of @value (as the caller stores it) equals @key. */
typedef bool (*hash_table_eq_fn)(const void *ctx, uint32_t value, const void *key);

struct hash_table;

/*
 * @eq is called with @ctx for every slot whose hash matches. Returns NULL with errno set on
 * allocation failure.
 */
struct hash_table *hash_table__new(hash_table_eq_fn eq, const void *ctx);
/* NULL-safe. */
void hash_table__free(struct hash_table *table);

/* Returns the id stored for a key equal to @key under @hash, or -ENOENT. */
int64_t hash_table__find(const struct hash_table *table, uint64_t hash, const void *key);

/*
 * Stores @value under @hash. The caller has checked with hash_table__find() that no equal
 * key is present: the table does not look. Returns 0, -EINVAL for a value above
 * HASH_TABLE_MAX_VALUE, or -ENOMEM (the table is then unchanged).
 */
int hash_table__insert(struct hash_table *table, uint64_t hash, uint32_t value);

size_t hash_table__count(const struct hash_table *table);
/* Bytes of slots allocated, for memory accounting. */
size_t hash_table__footprint(const struct hash_table *table);

/*
 * Hashing: start from HASH_SEED, feed words with hash__u64() and byte strings with
 * hash__bytes(), and pass the result through hash__final() before using it. Not
 * cryptographic, so keys from untrusted input can be made to collide; that costs time, not
 * correctness.
 */
#define HASH_SEED 0x243f6a8885a308d3ULL

static inline uint64_t hash__u64(uint64_t h, uint64_t v)
{
	h ^= v * 0x9e3779b97f4a7c15ULL;
	h = (h << 31) | (h >> 33);
	return h * 0xbf58476d1ce4e5b9ULL;
}

static inline uint64_t hash__bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t w = 0;

	h = hash__u64(h, len);
	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = hash__u64(h, w);
	}
	if (len) {
		w = 0;
		memcpy(&w, s, len);
		h = hash__u64(h, w);
	}
	return h;
}

/* The murmur3 finaliser: every input bit affects every output bit, low bits included. */
static inline uint64_t hash__final(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

#endif
