// SPDX-License-Identifier: GPL-2.0-only
/*
 * Off-CPU workload with a known split of its time: each round spins 5 ms, sleeps 3 ms and
 * waits 2 ms on a pipe for a child that answers after sleeping. It measures how long it
 * spent in each phase itself and writes "spin S\nsleep S\npipe S\n" (seconds) to argv[2]
 * at the end, so that a test compares a profile with what really happened even on a busy
 * machine. Usage: offcpu_phases SECONDS REPORT_FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
	struct timespec t = { 0, ms * 1000000 };

	nanosleep(&t, NULL);
}

__attribute__((noinline)) void phase_spin(double secs)
{
	double end = now() + secs;

	while (now() < end)
		;
}

__attribute__((noinline)) void phase_sleep(void)
{
	pause_ms(3);
}

__attribute__((noinline)) void phase_pipe(int ask, int answer)
{
	char c = 'q';

	if (write(ask, &c, 1) != 1 || read(answer, &c, 1) != 1)
		exit(1);
}

/* The child: answers each question after 2 ms, until the parent closes its end. */
__attribute__((noinline)) void child_loop(int questions, int answers)
{
	char c;

	while (read(questions, &c, 1) == 1) {
		pause_ms(2);
		if (write(answers, &c, 1) != 1)
			break;
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5, spent[3] = { 0 }, end, t0, t1, t2, t3;
	int ask[2], answer[2];
	FILE *report;

	if (argc < 3 || pipe(ask) || pipe(answer))
		return 2;
	if (!fork()) {
		close(ask[1]);
		close(answer[0]);
		child_loop(ask[0], answer[1]);
	}
	close(ask[0]);
	close(answer[1]);
	end = now() + secs;
	while ((t0 = now()) < end) {
		phase_spin(0.005);
		t1 = now();
		phase_sleep();
		t2 = now();
		phase_pipe(ask[1], answer[0]);
		t3 = now();
		spent[0] += t1 - t0;
		spent[1] += t2 - t1;
		spent[2] += t3 - t2;
	}
	close(ask[1]);
	report = fopen(argv[2], "w");
	if (!report)
		return 1;
	fprintf(report, "spin %.6f\nsleep %.6f\npipe %.6f\n", spent[0], spent[1], spent[2]);
	return fclose(report) ? 1 : 0;
}
