// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fixed call chain for unwinding tests: main -> run -> a -> b -> c -> leaf, nearly all the
 * time in leaf's loop. Built without frame pointers (unwind_nofp) and with frame pointers
 * but frameless leaves (unwind_fpleaf), so that only unwind tables give complete stacks.
 * Usage: unwind_nofp|unwind_fpleaf [SECONDS]   (default 5)
 */
#include <stdint.h>

#include "burn.h"

/* noclone keeps gcc from renaming a function to name.constprop.0 or name.isra.0. */
#define NOINLINE __attribute__((noinline, noclone))

static volatile uint64_t sink;

NOINLINE uint64_t leaf(uint64_t x)
{
	BURN(x, 2000000);
	__asm__ volatile("" : "+r"(x));
	return x;
}

/* The store after each call keeps it from becoming a tail call (a jump leaves no frame). */
NOINLINE uint64_t c(uint64_t x)
{
	x = leaf(x);
	sink = x;
	return x + 1;
}

NOINLINE uint64_t b(uint64_t x)
{
	x = c(x);
	sink = x;
	return x + 1;
}

NOINLINE uint64_t a(uint64_t x)
{
	x = b(x);
	sink = x;
	return x + 1;
}

NOINLINE uint64_t run(uint64_t x)
{
	x = a(x);
	sink = x;
	return x + 1;
}

int main(int argc, char **argv)
{
	double end = deadline_from_args(argc, argv, 5);
	uint64_t x = 1;

	while (now(CLOCK_MONOTONIC) < end)
		x = run(x);
	sink = x;
	return 0;
}
