/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sorts 64-bit items by their upper 32 bits (a key; the lower half rides along, usually an
 * index): a radix sort over only as many key bits as are used, for the many small and few
 * large groups that building a tree level by level sorts.
 */
#ifndef PROF_KEY_SORT_H
#define PROF_KEY_SORT_H

#include <stddef.h>
#include <stdint.h>

/* The item for @key and @payload. */
static inline uint64_t key_sort__item(uint32_t key, uint32_t payload)
{
	return (uint64_t)key << 32 | payload;
}

/*
 * Sorts @items[0..n) by key (ascending; the order among equal keys is unspecified). Every key
 * is below 2^@key_bits (1..32). @scratch has room for @n items and is clobbered.
 */
void key_sort(uint64_t *items, uint64_t *scratch, size_t n, unsigned int key_bits);

#endif
