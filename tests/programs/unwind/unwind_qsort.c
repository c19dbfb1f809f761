// SPDX-License-Identifier: GPL-2.0-only
/*
 * A callback from a library without frame pointers: main -> sort_round -> qsort (libc) ->
 * compare_items, nearly all the time in compare_items. Unwinding from the callback has to
 * pass libc's sort frames, which only their unwind tables describe.
 * Usage: unwind_qsort [SECONDS]   (default 5)
 */
#include <stdint.h>
#include <stdlib.h>

#include "burn.h"

#define NOINLINE __attribute__((noinline, noclone))
#define ITEMS 1000

static volatile uint64_t sink;
static uint64_t items[ITEMS];

/* Orders items by a slow hash, so that the comparisons, not the sorting, take the time. */
NOINLINE int compare_items(const void *pa, const void *pb)
{
	uint64_t x = *(const uint64_t *)pa, y = *(const uint64_t *)pb;

	for (int i = 0; i < 1000; i++) {
		x = BURN_STEP(x);
		y = BURN_STEP(y);
	}
	__asm__ volatile("" : "+r"(x), "+r"(y));
	return x < y ? -1 : x > y;
}

NOINLINE void sort_round(uint64_t seed)
{
	for (int i = 0; i < ITEMS; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		items[i] = seed;
	}
	qsort(items, ITEMS, sizeof(items[0]), compare_items);
	sink = items[0];
}

int main(int argc, char **argv)
{
	double end = deadline_from_args(argc, argv, 5);
	uint64_t seed = 1;

	while (now(CLOCK_MONOTONIC) < end)
		sort_round(seed++);
	return 0;
}
