// SPDX-License-Identifier: GPL-2.0-only
/*
 * C++ exceptions in flight: main -> throw_round -> descend x DEPTH, which throws from the
 * bottom; a Guard in every frame does work in its destructor while the exception passes,
 * and throw_round catches it. Nearly all the time goes to libgcc_s's unwinder
 * (_Unwind_RaiseException, _Unwind_Resume, the personality routine) and to cleanup_work in
 * the destructors, all without frame pointers.
 * Usage: unwind_except [SECONDS]   (default 5)
 */
#include <cstdint>

#include "burn.h"

#define NOINLINE __attribute__((noinline, noclone))
#define DEPTH 40

static volatile uint64_t sink;

struct boom {
	int depth;
};

/* C linkage only to keep the names in folded stacks plain; these still throw and unwind. */
extern "C" NOINLINE void cleanup_work(int depth)
{
	uint64_t x = sink + depth;

	BURN(x, 1000);
	sink = x;
}

struct guard {
	int depth;
	~guard() { cleanup_work(depth); }
};

extern "C" NOINLINE void descend(int n)
{
	guard g{ n };

	if (n <= 1)
		throw boom{ n };
	descend(n - 1);
	sink = n;
}

extern "C" NOINLINE int throw_round(void)
{
	try {
		descend(DEPTH);
	} catch (const boom &e) {
		return e.depth;
	}
	return -1;
}

int main(int argc, char **argv)
{
	double end = deadline_from_args(argc, argv, 5);
	int caught = 0;

	while (now(CLOCK_MONOTONIC) < end)
		caught += throw_round();
	sink = caught;
	return 0;
}
