// SPDX-License-Identifier: GPL-2.0-only
/*
 * A CPU-bound program with a known call graph and time split, for profiling tests:
 *   main -> spin -> heavy -> heavy_leaf   75% of the work
 *                -> light -> light_leaf   25%
 * Usage: callgraph [SECONDS]   (default 5)
 * SECONDS are of CPU time, not of the clock: on a busy machine the program runs longer rather
 * than giving a recording fewer samples than the tests count on.
 */
#include <stdint.h>
#include <stdlib.h>

#include "unwind/burn.h"

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;

NOINLINE uint64_t heavy_leaf(uint64_t x)
{
	BURN(x, 100000);
	__asm__ volatile("" : "+r"(x));
	return x;
}

NOINLINE uint64_t light_leaf(uint64_t x)
{
	BURN(x, 100000);
	__asm__ volatile("" : "+r"(x));
	return x;
}

NOINLINE uint64_t heavy(uint64_t x)
{
	x = heavy_leaf(x);
	__asm__ volatile("" : "+r"(x));
	return x;
}

NOINLINE uint64_t light(uint64_t x)
{
	x = light_leaf(x);
	__asm__ volatile("" : "+r"(x));
	return x;
}

NOINLINE uint64_t spin(uint64_t x)
{
	for (int i = 0; i < 3; i++)
		x = heavy(x);
	x = light(x);
	__asm__ volatile("" : "+r"(x));
	return x;
}

int main(int argc, char **argv)
{
	double end = now(CLOCK_PROCESS_CPUTIME_ID) + (argc > 1 ? atof(argv[1]) : 5);
	uint64_t x = 1;

	/*
	 * The CPU-time clock is a system call (no vDSO): read once every 32 rounds (a few ms),
	 * so that its share of the samples stays far below the tests' 5% margin, also where
	 * system calls are slow (an emulated machine).
	 */
	for (unsigned int round = 0; round % 32 || now(CLOCK_PROCESS_CPUTIME_ID) < end; round++)
		x = spin(x);
	sink = x;
	return 0;
}
