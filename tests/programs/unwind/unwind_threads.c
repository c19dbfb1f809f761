// SPDX-License-Identifier: GPL-2.0-only
/*
 * Busy threads: THREADS pthreads each run worker -> spin while main waits in pthread_join.
 * Their stacks start at glibc's thread entry (clone3 -> start_thread), not at main.
 * Usage: unwind_threads [SECONDS]   (default 5)
 */
#include <pthread.h>
#include <stdint.h>

#include "burn.h"

#define NOINLINE __attribute__((noinline, noclone))
#define THREADS 2

static volatile uint64_t sink;

NOINLINE uint64_t spin(uint64_t x)
{
	BURN(x, 2000000);
	__asm__ volatile("" : "+r"(x));
	return x;
}

NOINLINE void *worker(void *arg)
{
	double end = *(const double *)arg;
	uint64_t x = (uintptr_t)&x;

	while (now(CLOCK_MONOTONIC) < end)
		x = spin(x);
	sink = x;
	return NULL;
}

int main(int argc, char **argv)
{
	double end = deadline_from_args(argc, argv, 5);
	pthread_t threads[THREADS];
	int started = 0;

	while (started < THREADS && !pthread_create(&threads[started], NULL, worker, &end))
		started++;
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	return started == THREADS ? 0 : 1;
}
