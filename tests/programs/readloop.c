// SPDX-License-Identifier: GPL-2.0-only
/*
 * Spends its time in the kernel: main -> read_block -> read(2) of /dev/zero.
 * Usage: readloop [SECONDS]   (default 5)
 * SECONDS are of CPU time (user and kernel), as in callgraph.c: a busy machine stretches the
 * run instead of thinning its samples.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 20];

static double cpu_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((noinline)) long read_block(int fd)
{
	long n = read(fd, buf, sizeof(buf));

	__asm__ volatile("" ::: "memory");
	return n;
}

int main(int argc, char **argv)
{
	double end = cpu_seconds() + (argc > 1 ? atof(argv[1]) : 5);
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0)
		return 1;
	/* The CPU-time clock is a system call too: read once every 32 reads. */
	for (unsigned int round = 0; round % 32 || cpu_seconds() < end; round++)
		read_block(fd);
	close(fd);
	return 0;
}
