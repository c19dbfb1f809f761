// SPDX-License-Identifier: GPL-2.0-only
/*
 * The load of scripts/bench/offcpu.sh, compiled by it at run time: context switches at a set
 * rate, with waits whose length the program measures itself.
 *
 * PAIRS pairs of threads ping-pong over two pipes: the pinger sleeps until its next tick
 * (wait_tick, clock_nanosleep to an absolute time), writes a byte and waits for the answer
 * (wait_reply, a pipe read); the ponger waits for the byte (wait_request, a pipe read) and
 * answers. Every PERIOD the main thread reads the host's context switches (/proc/stat ctxt)
 * and stretches or shortens the ticks' period so that the whole host switches TARGET times
 * a second (what vmstat's "cs" shows, and how often a sched_switch program runs).
 *
 * Each wait is timed from before its system call to after it: blocked, then waiting for a
 * CPU, as an off-CPU profiler charges it. At the end the program writes to REPORT, per kind,
 * the waits and their total time, all of them and those of at least MIN_US microseconds
 * (those a profiler with that threshold counts), then the rates it ran at. It then stays
 * (pause) until killed, so that a profiler can still read its symbols.
 * Usage: offcpu_load TARGET_PER_S SECONDS MIN_US REPORT [PAIRS]   (PAIRS default 16)
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define NOIPA __attribute__((noipa))
#define MAX_PAIRS 256
#define MIN_PERIOD_NS 200000LL	  /* 0.2 ms */
#define MAX_PERIOD_NS 200000000LL /* 200 ms */

enum wait_kind { WAIT_TICK, WAIT_REQUEST, WAIT_REPLY, NKINDS };
static const char *const kind_names[NKINDS] = { "wait_tick", "wait_request", "wait_reply" };

/* Totals of one kind of wait, added by every thread. */
struct wait_totals {
	atomic_llong n, ns;	      /* every wait */
	atomic_llong long_n, long_ns; /* waits of at least min_ns */
};

static struct wait_totals totals[NKINDS];
static long long min_ns;
static atomic_llong period_ns = 5000000;
static atomic_int stopping;

struct pair {
	int request[2]; /* pinger -> ponger */
	int reply[2];	/* ponger -> pinger */
	pthread_t ping, pong;
};

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void count_wait(enum wait_kind kind, long long ns)
{
	atomic_fetch_add(&totals[kind].n, 1);
	atomic_fetch_add(&totals[kind].ns, ns);
	if (ns >= min_ns) {
		atomic_fetch_add(&totals[kind].long_n, 1);
		atomic_fetch_add(&totals[kind].long_ns, ns);
	}
}

/* Sleeps until @deadline_ns (CLOCK_MONOTONIC). */
static NOIPA void wait_tick(long long deadline_ns)
{
	struct timespec t = { deadline_ns / 1000000000LL, deadline_ns % 1000000000LL };
	long long start = now_ns();

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
	count_wait(WAIT_TICK, now_ns() - start);
}

/* One byte from @fd; false at its end. Inlined, so that its callers' frames are the waits'. */
static inline __attribute__((always_inline)) int read_byte(int fd, enum wait_kind kind)
{
	long long start = now_ns();
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	count_wait(kind, now_ns() - start);
	return n == 1;
}

static NOIPA int wait_request(int fd)
{
	return read_byte(fd, WAIT_REQUEST);
}

static NOIPA int wait_reply(int fd)
{
	return read_byte(fd, WAIT_REPLY);
}

static void *pinger(void *arg)
{
	struct pair *p = arg;
	long long deadline = now_ns();

	while (!atomic_load(&stopping)) {
		long long period = atomic_load(&period_ns), now;

		deadline += period;
		now = now_ns();
		/* Behind by more than a period (a busy host): start again from now, no burst. */
		if (deadline < now - period)
			deadline = now;
		wait_tick(deadline);
		if (write(p->request[1], "x", 1) != 1 || !wait_reply(p->reply[0]))
			break;
	}
	close(p->request[1]);
	return NULL;
}

static void *ponger(void *arg)
{
	struct pair *p = arg;

	while (wait_request(p->request[0]))
		if (write(p->reply[1], "x", 1) != 1)
			break;
	close(p->reply[1]);
	return NULL;
}

static long long host_switches(void)
{
	char line[256];
	long long ctxt = -1;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ctxt %lld", &ctxt) == 1)
			break;
	fclose(f);
	return ctxt;
}

static long long own_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* The period's factor for a host switching @ratio times the target: halfway there, bounded. */
static double damped(double ratio)
{
	if (ratio > 2)
		return 1.4;
	if (ratio < 0.5)
		return 0.7;
	return (1 + ratio) / 2;
}

int main(int argc, char **argv)
{
	static struct pair pairs[MAX_PAIRS];
	long long target, secs, start, end, ctxt0, ctxt, own0, last, last_ctxt;
	int npairs = argc > 5 ? atoi(argv[5]) : 16;
	char tmp[4096];
	FILE *report;

	if (argc < 5 || (target = atoll(argv[1])) <= 0 || (secs = atoll(argv[2])) <= 0 ||
	    atoll(argv[3]) < 0 || npairs < 1 || npairs > MAX_PAIRS) {
		fprintf(stderr, "usage: offcpu_load TARGET_PER_S SECONDS MIN_US REPORT [PAIRS]\n");
		return 2;
	}
	min_ns = atoll(argv[3]) * 1000;
	/* A first guess, about 4 host switches a tick: the control loop finds the rest. */
	atomic_store(&period_ns, 4LL * npairs * 1000000000LL / target);
	ctxt0 = last_ctxt = host_switches();
	if (ctxt0 < 0) {
		perror("offcpu_load: /proc/stat");
		return 1;
	}
	own0 = own_switches();
	start = last = now_ns();
	for (int i = 0; i < npairs; i++) {
		if (pipe(pairs[i].request) || pipe(pairs[i].reply) ||
		    pthread_create(&pairs[i].pong, NULL, ponger, &pairs[i]) ||
		    pthread_create(&pairs[i].ping, NULL, pinger, &pairs[i])) {
			perror("offcpu_load: pair");
			return 1;
		}
	}
	/*
	 * Every 0.5 s, the period scaled by the host's rate over the target (damped). Waiting in
	 * poll(), not a sleep: the ticks are the only nanosleeps, for profilers that tell waits
	 * apart by kernel functions alone.
	 */
	for (end = start + secs * 1000000000LL; now_ns() < end;) {
		long long t, period;
		double ratio;

		poll(NULL, 0, 500);
		t = now_ns();
		ctxt = host_switches();
		ratio = (double)(ctxt - last_ctxt) * 1e9 / (t - last) / target;
		last = t;
		last_ctxt = ctxt;
		if (ratio <= 0)
			continue;
		period = (long long)(atomic_load(&period_ns) * damped(ratio));
		if (period < MIN_PERIOD_NS)
			period = MIN_PERIOD_NS;
		if (period > MAX_PERIOD_NS)
			period = MAX_PERIOD_NS;
		atomic_store(&period_ns, period);
	}
	atomic_store(&stopping, 1);
	for (int i = 0; i < npairs; i++) {
		pthread_join(pairs[i].ping, NULL);
		pthread_join(pairs[i].pong, NULL);
	}
	end = now_ns();
	ctxt = host_switches();
	/* Written aside and renamed: whoever waits for the report reads it whole. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[4]);
	report = fopen(tmp, "w");
	if (!report) {
		perror("offcpu_load: report");
		return 1;
	}
	for (int k = 0; k < NKINDS; k++)
		fprintf(report, "%s %lld %.6f %lld %.6f\n", kind_names[k],
			atomic_load(&totals[k].n), atomic_load(&totals[k].ns) / 1e9,
			atomic_load(&totals[k].long_n), atomic_load(&totals[k].long_ns) / 1e9);
	fprintf(report,
		"seconds %.3f\nhost_switches_per_s %.0f\nown_switches_per_s %.0f\n"
		"period_ms %.3f\n",
		(end - start) / 1e9, (ctxt - ctxt0) * 1e9 / (end - start),
		(own_switches() - own0) * 1e9 / (end - start), atomic_load(&period_ns) / 1e6);
	if (fclose(report) || rename(tmp, argv[4])) {
		perror("offcpu_load: report");
		return 1;
	}
	/* Stay until killed: a profiler may still read this process's symbols. */
	signal(SIGTERM, SIG_DFL);
	for (;;)
		pause();
}
