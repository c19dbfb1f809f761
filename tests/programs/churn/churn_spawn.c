// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starts a program many times, as a build host does: the churn of test_churn_*.sh and
 * scripts/bench/churn.sh. Prints "started N processes in S s (R/s), F failed".
 * Usage: churn_spawn [-n COUNT] [-j PARALLEL] [-r RATE] [-t SECONDS] [-u DIR] PROGRAM [ARG...]
 *   -n  runs (default 100)          -j  at most this many running at once (default 1)
 *   -r  at most RATE starts a second (default: as fast as they end)
 *   -t  no start after SECONDS of the clock (default: none)
 *   -u  each run from a fresh copy DIR/I/NAME of PROGRAM, deleted right after its exec
 * Exits 0 when every run exited 0, 1 otherwise, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double clock_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Copies @src to a new file @dst (mode 0755); 0 or -1. */
static int copy_file(const char *src, const char *dst)
{
	char buf[65536];
	int in, out, err = -1;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out < 0)
		goto out_in;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			goto out_out;
	err = n < 0 ? -1 : 0;
out_out:
	if (close(out))
		err = -1;
out_in:
	close(in);
	return err;
}

/*
 * Starts one run; with @dir, from a copy that is deleted once posix_spawn has returned,
 * which it does only after the child's exec. Returns 0 or -1.
 */
static int start(char **argv, const char *dir, int i)
{
	char sub[PATH_MAX], path[PATH_MAX];
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	char *prog = argv[0];
	pid_t pid;
	int err;

	if (dir) {
		snprintf(sub, sizeof(sub), "%s/%d", dir, i);
		snprintf(path, sizeof(path), "%s/%s", sub, name);
		if (mkdir(sub, 0755) || copy_file(argv[0], path))
			return -1;
		argv[0] = path;
	}
	err = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	argv[0] = prog;
	if (dir) {
		unlink(path);
		rmdir(sub);
	}
	return err ? -1 : 0;
}

int main(int argc, char **argv)
{
	int count = 100, parallel = 1, running = 0, started = 0, failed = 0, status, opt;
	double rate = 0, limit = 0, t0, t;
	const char *dir = NULL;

	while ((opt = getopt(argc, argv, "+n:j:r:t:u:")) != -1) {
		switch (opt) {
		case 'n':
			count = atoi(optarg);
			break;
		case 'j':
			parallel = atoi(optarg);
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 't':
			limit = atof(optarg);
			break;
		case 'u':
			dir = optarg;
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc || count < 1 || parallel < 1 || rate < 0 || limit < 0)
		return 2;
	t0 = clock_now();
	while (started < count || running) {
		t = clock_now();
		if (limit && t - t0 >= limit)
			count = started;
		if (started < count && running < parallel) {
			/* Runs behind the rate start at once: the rate is a ceiling. */
			double due = t0 + started / (rate ? rate : 1e300);

			if (rate && due > t) {
				struct timespec d = { 0, (long)((due - t) * 1e9) };

				nanosleep(&d, NULL);
			}
			if (start(argv + optind, dir, started))
				failed++;
			else
				running++;
			started++;
			continue;
		}
		/* Full, or all started: wait for one. */
		if (waitpid(-1, &status, 0) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		running--;
		failed += !WIFEXITED(status) || WEXITSTATUS(status);
	}
	t = clock_now() - t0;
	printf("started %d processes in %.1f s (%.0f/s), %d failed\n", started, t,
	       t > 0 ? started / t : 0, failed);
	return failed ? 1 : 0;
}
