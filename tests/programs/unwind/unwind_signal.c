// SPDX-License-Identifier: GPL-2.0-only
/*
 * Samples inside a signal handler: a SIGPROF timer interrupts main -> run -> interrupted_fn
 * every 10 ms of CPU time and in_handler spins for about 4 ms of it. Unwinding from the
 * handler passes the kernel's signal frame (returning to libc's __restore_rt) and then the
 * interrupted function at the instruction it was stopped at, not after a call.
 * Usage: unwind_signal [SECONDS]   (default 5)
 */
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>

#include "burn.h"

#define NOINLINE __attribute__((noinline, noclone))

static volatile uint64_t sink;
static uint64_t spins_per_ms;

NOINLINE void in_handler(int sig)
{
	uint64_t x = sink + (uint64_t)sig, n = 4 * spins_per_ms;

	BURN(x, n);
	sink = x;
}

NOINLINE uint64_t interrupted_fn(uint64_t x)
{
	uint64_t n = 20 * spins_per_ms;

	BURN(x, n);
	__asm__ volatile("" : "+r"(x));
	return x;
}

NOINLINE uint64_t run(uint64_t x)
{
	x = interrupted_fn(x);
	sink = x;
	return x + 1;
}

/*
 * Loop iterations per millisecond of CPU time on this machine, so that the split holds on
 * any CPU; CPU time, as the timer counts it, so that a busy machine does not skew it.
 */
static uint64_t calibrate(void)
{
	uint64_t x = sink, n = 1 << 22;
	double t0 = now(CLOCK_THREAD_CPUTIME_ID), t;

	BURN(x, n);
	sink = x;
	t = now(CLOCK_THREAD_CPUTIME_ID) - t0;
	return t > 0 ? (uint64_t)(n / (t * 1e3)) + 1 : n;
}

int main(int argc, char **argv)
{
	double end = deadline_from_args(argc, argv, 5);
	struct itimerval every_10ms = { { 0, 10000 }, { 0, 10000 } };
	struct sigaction sa = { .sa_handler = in_handler, .sa_flags = SA_RESTART };
	uint64_t x = 1;

	spins_per_ms = calibrate();
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, NULL) || setitimer(ITIMER_PROF, &every_10ms, NULL))
		return 1;
	while (now(CLOCK_MONOTONIC) < end)
		x = run(x);
	sink = x;
	return 0;
}
