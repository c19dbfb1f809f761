// SPDX-License-Identifier: GPL-2.0-only
/*
 * The short-lived processes of test_churn_*.sh, built without frame pointers: each burns a
 * given CPU time in a known call chain, so that a sample of it is complete only when the
 * walker knew the process (or the sample was unwound later from its copied stack).
 * Usage (the comm is the name it is run under; the tests run copies under several names):
 *   churn_burn run MS                  main -> churn_run -> churn_step -> churn_leaf
 *   churn_burn fork COUNT MS           COUNT children, two at a time, without exec:
 *                                      main -> fork_children -> child_main -> churn_run...
 *   churn_burn dlopen LIB MS1 MS2      churn_run MS1, then LIB (libchurn_plugin.so) opened
 *                                      and main -> run_plugin -> plugin_run -> plugin_leaf
 *                                      (not in the static build, CHURN_STATIC)
 * MS are milliseconds of the process's CPU time (fractions allowed), not of the clock.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unwind/burn.h"

/* noclone keeps gcc from renaming a function to name.constprop.0 or name.isra.0. */
#define NOINLINE __attribute__((noinline, noclone))

static volatile uint64_t sink;

NOINLINE uint64_t churn_leaf(uint64_t x)
{
	/* About 20 us: short enough for 0.2 ms processes, long next to the clock's syscall. */
	BURN(x, 20000);
	__asm__ volatile("" : "+r"(x));
	return x;
}

/* The store after each call keeps it from becoming a tail call (a jump leaves no frame). */
NOINLINE uint64_t churn_step(uint64_t x)
{
	x = churn_leaf(x);
	sink = x;
	return x + 1;
}

NOINLINE void churn_run(double ms)
{
	double end = now(CLOCK_PROCESS_CPUTIME_ID) + ms / 1000;
	uint64_t x = (uintptr_t)&x;

	do
		x = churn_step(x);
	while (now(CLOCK_PROCESS_CPUTIME_ID) < end);
	sink = x;
}

NOINLINE int child_main(double ms)
{
	churn_run(ms);
	sink++;
	return 0;
}

/* Keeps two children alive at a time, each a copy of this process that never execs. */
NOINLINE int fork_children(int count, double ms)
{
	int running = 0, failed = 0, status;

	for (int i = 0; i < count || running; i++) {
		if (i < count) {
			pid_t pid = fork();

			if (pid < 0)
				return 1;
			if (pid == 0)
				_exit(child_main(ms));
			running++;
		}
		if (running == 2 || i >= count) {
			if (wait(&status) < 0)
				return 1;
			failed |= !WIFEXITED(status) || WEXITSTATUS(status);
			running--;
		}
	}
	sink++;
	return failed;
}

#ifndef CHURN_STATIC
NOINLINE int run_plugin(const char *lib, double ms)
{
	void (*plugin_run)(double);
	void *h = dlopen(lib, RTLD_NOW);

	if (!h)
		return 1;
	plugin_run = (void (*)(double))dlsym(h, "plugin_run");
	if (!plugin_run)
		return 1;
	plugin_run(ms);
	sink++;
	return 0;
}
#endif

int main(int argc, char **argv)
{
	int err = 2;

	if (argc == 3 && !strcmp(argv[1], "run")) {
		churn_run(atof(argv[2]));
		err = 0;
	} else if (argc == 4 && !strcmp(argv[1], "fork")) {
		err = fork_children(atoi(argv[2]), atof(argv[3]));
#ifndef CHURN_STATIC
	} else if (argc == 5 && !strcmp(argv[1], "dlopen")) {
		churn_run(atof(argv[3]));
		err = run_plugin(argv[2], atof(argv[4]));
#endif
	}
	/* After the calls: none of them is a tail call, each keeps main on the stack. */
	sink++;
	return err;
}
