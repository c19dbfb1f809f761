// SPDX-License-Identifier: GPL-2.0-only
/*
 * Time in the kernel under a libc wrapper: main -> pump -> read(2) of /dev/zero with a large
 * buffer. The user part of each sample starts inside libc's read, which keeps no frame
 * pointer, so pump is found only through unwind tables.
 * Usage: unwind_syscall [SECONDS]   (default 5)
 */
#include <fcntl.h>
#include <unistd.h>

#include "burn.h"

#define NOINLINE __attribute__((noinline, noclone))

static volatile long sink;
static char buf[1 << 20];

NOINLINE long pump(int fd)
{
	long got = 0;

	for (int i = 0; i < 16; i++)
		got += read(fd, buf, sizeof(buf));
	sink = got;
	return got;
}

int main(int argc, char **argv)
{
	double end = deadline_from_args(argc, argv, 5);
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0)
		return 1;
	while (now(CLOCK_MONOTONIC) < end)
		pump(fd);
	close(fd);
	return 0;
}
