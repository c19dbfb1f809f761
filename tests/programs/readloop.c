// SPDX-License-Identifier: GPL-2.0-only
/*
 * Spends its time in the kernel: main -> read_block -> read(2) of /dev/zero.
 * Usage: readloop [SECONDS]   (default 5)
 */
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 20];

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
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
	double end = now() + (argc > 1 ? atof(argv[1]) : 5);
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0)
		return 1;
	while (now() < end)
		read_block(fd);
	close(fd);
	return 0;
}
