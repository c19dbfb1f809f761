/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The busy work and the clock of the unwinding test programs and of callgraph. The work is
 * a macro, not a function: expanded in the function that uses it, it adds no frame, not even
 * an inline one in the debug information, so each program's stacks stay as it writes them.
 */
#ifndef PROF_TEST_BURN_H
#define PROF_TEST_BURN_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* One step of a 64-bit linear congruential generator: work no compiler can fold away. */
#define BURN_STEP(x) (2862933555777941757ULL * (x) + 3037000493ULL)

/* @rounds steps on @x (a uint64_t lvalue), in the function that writes it. */
#define BURN(x, rounds)                                                                            \
	do {                                                                                       \
		for (uint64_t burn_i_ = 0; burn_i_ < (uint64_t)(rounds); burn_i_++)                \
			(x) = BURN_STEP(x);                                                        \
	} while (0)

/* Seconds on @clock: CLOCK_MONOTONIC for deadlines, a CPU-time clock for CPU budgets. */
static inline double now(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* The CLOCK_MONOTONIC time SECONDS (argv[1], else @seconds) from now: "PROGRAM [SECONDS]". */
static inline double deadline_from_args(int argc, char **argv, double seconds)
{
	return now(CLOCK_MONOTONIC) + (argc > 1 ? atof(argv[1]) : seconds);
}

#endif
