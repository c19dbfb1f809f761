// SPDX-License-Identifier: GPL-2.0-only
/*
 * A CPU-bound program for checking user-stack unwinding without frame pointers (built with
 * -fomit-frame-pointer): every frame must be found from .eh_frame. Two threads:
 *   main:   main -> run_chain -> descend (recursive, frames of varying size)
 *                 -> with_vla (a frame whose CFA is rbp-based) -> mix_leaf
 *   sorter: sorter -> qsort (libc, without frame pointers) -> by_weight -> weigh
 * Usage: unwind_compare_load [SECONDS]   (default 10)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "burn.h"

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;
static double deadline;

NOINLINE uint64_t mix_leaf(uint64_t x, int rounds)
{
	BURN(x, rounds);
	__asm__ volatile("" : "+r"(x));
	return x;
}

/* A variable-length array makes gcc keep rbp as the frame base, even without -fno-omit. */
NOINLINE uint64_t with_vla(uint64_t x, int n)
{
	volatile uint64_t buf[n];

	for (int i = 0; i < n; i++)
		buf[i] = x + i;
	x = mix_leaf(buf[n - 1], 20000);
	__asm__ volatile("" : "+r"(x));
	return x + buf[0];
}

/* Recursion whose frames differ by depth: the local array's size changes the CFA offset. */
NOINLINE uint64_t descend(uint64_t x, int depth)
{
	volatile uint64_t pad[4 + (depth & 3) * 8];

	pad[0] = x;
	if (depth == 0)
		return with_vla(x, 16 + (int)(x & 31));
	if (depth % 3 == 0)
		x = mix_leaf(x, 5000);
	x = descend(x + pad[0], depth - 1);
	__asm__ volatile("" : "+r"(x));
	return x;
}

NOINLINE uint64_t run_chain(uint64_t x)
{
	for (int d = 4; d < 12; d++)
		x = descend(x, d);
	__asm__ volatile("" : "+r"(x));
	return x;
}

NOINLINE uint64_t weigh(uint64_t v)
{
	return mix_leaf(v, 40);
}

static int by_weight(const void *a, const void *b)
{
	uint64_t x = weigh(*(const uint64_t *)a), y = weigh(*(const uint64_t *)b);

	return x < y ? -1 : x > y;
}

static void *sorter(void *arg)
{
	uint64_t v[1024];

	(void)arg;
	while (now(CLOCK_MONOTONIC) < deadline) {
		for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
			v[i] = mix_leaf(i + (uint64_t)now(CLOCK_MONOTONIC), 3);
		qsort(v, sizeof(v) / sizeof(v[0]), sizeof(v[0]), by_weight);
		sink += v[0];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t x = 1;
	pthread_t t;

	deadline = deadline_from_args(argc, argv, 10);
	if (pthread_create(&t, NULL, sorter, NULL))
		return 1;
	while (now(CLOCK_MONOTONIC) < deadline)
		x = run_chain(x);
	pthread_join(t, NULL);
	sink = x;
	return 0;
}
