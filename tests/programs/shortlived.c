// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lives a few milliseconds: main -> shortlived_work -> shortlived_spin for MS milliseconds
 * of CPU time, then exits; run many times, its samples come from processes long gone when a
 * recording ends. Usage: shortlived [MS]   (default 5)
 */
#include <stdlib.h>
#include <time.h>

static double cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

__attribute__((noinline)) unsigned long shortlived_spin(unsigned long n)
{
	for (unsigned long i = 0; i < 100000; i++)
		n = n * 6364136223846793005ul + 1442695040888963407ul;
	__asm__ volatile("" ::: "memory");
	return n;
}

__attribute__((noinline)) unsigned long shortlived_work(double ms)
{
	double end = cpu_ms() + ms;
	unsigned long n = 1;

	while (cpu_ms() < end)
		n = shortlived_spin(n);
	return n;
}

int main(int argc, char **argv)
{
	return shortlived_work(argc > 1 ? atof(argv[1]) : 5) == 42;
}
