// SPDX-License-Identifier: GPL-2.0-only
/*
 * A deep stack: main -> recurse x DEPTH -> deep_leaf, nearly all the time in deep_leaf. With
 * the entry frames it is DEPTH + 5 user frames, within the 512 the walker follows.
 * Usage: unwind_recurse [SECONDS]   (default 5)
 */
#include <stdint.h>

#include "burn.h"

#define NOINLINE __attribute__((noinline, noclone))
#define DEPTH 300

static volatile uint64_t sink;

NOINLINE uint64_t deep_leaf(uint64_t x)
{
	BURN(x, 2000000);
	__asm__ volatile("" : "+r"(x));
	return x;
}

/* recurse(n) is n frames deep; the store after the call keeps it from being a tail call. */
NOINLINE uint64_t recurse(int n, uint64_t x)
{
	if (n <= 1)
		x = deep_leaf(x);
	else
		x = recurse(n - 1, x);
	sink = x;
	return x + 1;
}

int main(int argc, char **argv)
{
	double end = deadline_from_args(argc, argv, 5);
	uint64_t x = 1;

	while (now(CLOCK_MONOTONIC) < end)
		x = recurse(DEPTH, x);
	sink = x;
	return 0;
}
