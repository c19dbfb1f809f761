// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test driver for java_attach without a recording: asks JVMs to write their perf maps, as
 * `bpfprof record --java-perfmap` does for each JVM it meets.
 *
 *   java_perfmap [-t TIMEOUT_MS] PID...
 *
 * Prints one line per process:
 *   PID ok MS
 *   PID error ERRNO_NAME REASON
 * MS being the attach's wall-clock time in milliseconds. Exit status 0 when every attach
 * succeeded, 1 when some failed, 2 for bad usage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "java_attach.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "usage: java_perfmap [-t TIMEOUT_MS] PID...\n");
	return 2;
}

int main(int argc, char **argv)
{
	int timeout_ms = JAVA_ATTACH_TIMEOUT_MS, opt, status = 0;
	char why[256], *end;
	unsigned long pid;
	double start;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			return usage();
		timeout_ms = strtol(optarg, &end, 10);
		if (*end || timeout_ms <= 0)
			return usage();
	}
	if (optind == argc)
		return usage();
	for (int i = optind; i < argc; i++) {
		pid = strtoul(argv[i], &end, 10);
		if (*end || !pid || pid > UINT32_MAX)
			return usage();
		start = now_ms();
		int err = java_attach__perfmap(pid, timeout_ms, why, sizeof(why));
		if (err) {
			printf("%lu error %s %s\n", pid, strerrorname_np(-err) ?: "?", why);
			status = 1;
		} else {
			printf("%lu ok %.1f\n", pid, now_ms() - start);
		}
	}
	return status;
}
