// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starts PROGRAM ARG as a child COUNT times, one after another, and waits for each:
 * the processes a command starts must be profiled with it.
 * Usage: forker COUNT PROGRAM ARG
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	for (int i = 0; i < atoi(argv[1]); i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			execl(argv[2], argv[2], argv[3], (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	return 0;
}
