/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What this process uses (CPU time, memory, descriptors) and when it started, read from
 * procfs as Prometheus' client_golang reads it for its process_* metrics
 * (prometheus/process_collector_procfsenabled.go, through prometheus/procfs proc_stat.go
 * and proc_limits.go), so that dashboards made for Go exporters work as they are.
 */
#ifndef PROF_PROCESS_USAGE_H
#define PROF_PROCESS_USAGE_H

#include <stdbool.h>
#include <stdint.h>

/* What procfs says "unlimited" as (procfs' parseUint). */
#define PROCESS_USAGE_UNLIMITED UINT64_MAX

struct process_usage {
	bool have_stat;		    /* the next four were read */
	double cpu_seconds;	    /* user and system time */
	uint64_t virtual_bytes;	    /* vsize */
	uint64_t resident_bytes;    /* rss pages times the page size */
	double start_time_s;	    /* since the Unix epoch: boot time plus starttime */
	bool have_fds;		    /* open_fds was read */
	uint64_t open_fds;	    /* entries of fd/ */
	bool have_limits;	    /* the next two were read */
	uint64_t max_fds;	    /* soft RLIMIT_NOFILE */
	uint64_t max_virtual_bytes; /* soft RLIMIT_AS */
};

/*
 * Reads @proc_root/self's figures (@proc_root: "/proc" but in tests) into @u; what cannot be
 * read (bounded reads, malformed content) is left out with its have_ flag false. Returns 0,
 * or -errno when nothing could be read.
 */
int process_usage__read(const char *proc_root, struct process_usage *u);

#endif
