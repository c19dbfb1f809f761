// SPDX-License-Identifier: GPL-2.0-only
#include "process_usage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* /proc/self/stat is under 1 KiB; /proc/stat grows with the CPUs, btime comes after them. */
#define STAT_BYTES 4096
#define LINE_BYTES 256

/* Reads at most @size - 1 bytes of @path, NUL-terminated. Returns the length or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	if (n < 0)
		return -errno;
	buf[len] = '\0';
	return len;
}

/* The boot time, seconds since the epoch ("btime" of /proc/stat), or 0. */
static uint64_t boot_time(const char *proc_root)
{
	char path[256], line[LINE_BYTES];
	unsigned long long btime = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stat", proc_root);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	return btime;
}

static int read_stat(const char *proc_root, struct process_usage *u)
{
	unsigned long long utime, stime, starttime, vsize;
	long long rss;
	char path[256], buf[STAT_BYTES], *p;
	long ticks = sysconf(_SC_CLK_TCK);
	uint64_t btime;
	ssize_t len;

	snprintf(path, sizeof(path), "%s/self/stat", proc_root);
	len = read_small(path, buf, sizeof(buf));
	if (len < 0)
		return len;
	/* The name between parentheses may hold anything, ')' too: fields follow the last. */
	p = strrchr(buf, ')');
	if (!p || ticks <= 0)
		return -EINVAL;
	/* Fields 3 (state) on: utime and stime are 14 and 15, starttime 22, vsize and rss 23, 24. */
	if (sscanf(p + 1,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
		   "%*d %llu %llu %lld",
		   &utime, &stime, &starttime, &vsize, &rss) != 5)
		return -EINVAL;
	btime = boot_time(proc_root);
	u->cpu_seconds = (double)(utime + stime) / ticks;
	u->virtual_bytes = vsize;
	u->resident_bytes = rss > 0 ? (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
	u->start_time_s = btime ? btime + (double)starttime / ticks : 0;
	u->have_stat = btime != 0;
	return 0;
}

static int count_fds(const char *proc_root, struct process_usage *u)
{
	char path[256];
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/self/fd", proc_root);
	dir = opendir(path);
	if (!dir)
		return -errno;
	u->open_fds = 0;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			u->open_fds++;
	closedir(dir);
	/* The directory's own descriptor was one of them: client_golang counts it as well. */
	u->have_fds = true;
	return 0;
}

/* The soft limit of a line "Max open files   1024   4096   files", or false. */
static bool soft_limit(const char *line, const char *name, uint64_t *value)
{
	size_t n = strlen(name);
	const char *p = line + n;

	if (strncmp(line, name, n) || *p != ' ')
		return false;
	p += strspn(p, " ");
	if (!strncmp(p, "unlimited", 9)) {
		*value = PROCESS_USAGE_UNLIMITED;
		return true;
	}
	return sscanf(p, "%" SCNu64, value) == 1;
}

static int read_limits(const char *proc_root, struct process_usage *u)
{
	char path[256], line[LINE_BYTES];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/self/limits", proc_root);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		found += soft_limit(line, "Max open files", &u->max_fds);
		found += soft_limit(line, "Max address space", &u->max_virtual_bytes);
	}
	fclose(f);
	u->have_limits = found == 2;
	return u->have_limits ? 0 : -EINVAL;
}

int process_usage__read(const char *proc_root, struct process_usage *u)
{
	int err_stat, err_fds, err_limits;

	memset(u, 0, sizeof(*u));
	err_stat = read_stat(proc_root, u);
	err_fds = count_fds(proc_root, u);
	err_limits = read_limits(proc_root, u);
	if (u->have_stat || u->have_fds || u->have_limits)
		return 0;
	return err_stat ? err_stat : err_fds ? err_fds : err_limits;
}
