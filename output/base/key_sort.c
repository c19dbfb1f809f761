// SPDX-License-Identifier: GPL-2.0-only
#include "key_sort.h"

#include <string.h>

/* Below this many items insertion sort beats the passes' histograms. */
#define KEY_SORT_SMALL 48
#define KEY_SORT_DIGIT_BITS 8
#define KEY_SORT_BUCKETS (1u << KEY_SORT_DIGIT_BITS)

static void insertion_sort(uint64_t *items, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t v = items[i];
		size_t j = i;

		for (; j > 0 && items[j - 1] >> 32 > v >> 32; j--)
			items[j] = items[j - 1];
		items[j] = v;
	}
}

void key_sort(uint64_t *items, uint64_t *scratch, size_t n, unsigned int key_bits)
{
	uint64_t *from = items, *to = scratch, *swap;
	size_t counts[KEY_SORT_BUCKETS];

	if (n < KEY_SORT_SMALL) {
		insertion_sort(items, n);
		return;
	}
	/* Least significant digit first: each pass is stable, so the earlier ones hold. */
	for (unsigned int shift = 32; shift < 32 + key_bits; shift += KEY_SORT_DIGIT_BITS) {
		size_t sum = 0;

		memset(counts, 0, sizeof(counts));
		for (size_t i = 0; i < n; i++)
			counts[(from[i] >> shift) & (KEY_SORT_BUCKETS - 1)]++;
		/* A digit every item shares changes nothing: skip its pass. */
		if (counts[(from[0] >> shift) & (KEY_SORT_BUCKETS - 1)] == n)
			continue;
		for (size_t b = 0; b < KEY_SORT_BUCKETS; b++) {
			size_t c = counts[b];

			counts[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[counts[(from[i] >> shift) & (KEY_SORT_BUCKETS - 1)]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	if (from != items)
		memcpy(items, from, n * sizeof(*items));
}
