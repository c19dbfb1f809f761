// SPDX-License-Identifier: GPL-2.0-only
/*
 * libchurn_plugin.so, built without frame pointers: the library churn_burn opens with dlopen
 * after it started, whose code then burns in plugin_run -> plugin_leaf.
 */
#include <stdint.h>

#include "../unwind/burn.h"

#define NOINLINE __attribute__((noinline, noclone))

static volatile uint64_t sink;

NOINLINE uint64_t plugin_leaf(uint64_t x)
{
	BURN(x, 20000);
	__asm__ volatile("" : "+r"(x));
	return x;
}

/* @ms milliseconds of the process's CPU time in plugin_leaf. */
NOINLINE void plugin_run(double ms)
{
	double end = now(CLOCK_PROCESS_CPUTIME_ID) + ms / 1000;
	uint64_t x = (uintptr_t)&x;

	do {
		x = plugin_leaf(x);
		sink = x;
	} while (now(CLOCK_PROCESS_CPUTIME_ID) < end);
}
