// SPDX-License-Identifier: GPL-2.0-only
#include "proc_jit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "log.h"
#include "perf_map.h"

struct proc_jit {
	struct proc_jits *jits; /* the set it came from */
	unsigned int refs;
	bool shared;		/* in jits->items: another snapshot of the process finds it */
	uint64_t idle_since_ns; /* CLOCK_MONOTONIC, when the last reference went; 0: held */
	int pid;
	uint64_t start_time;   /* of the process, to tell it from a later one with its pid */
	uid_t owner;	       /* the process's fsuid, which owns the files it creates */
	struct perf_map *map;  /* NULL while no readable file was found */
	char *path;	       /* where the process writes it, as seen from here; owned */
	bool final;	       /* the process is gone, or its file refused: no more looks */
	uint64_t next_look_ns; /* CLOCK_MONOTONIC: no look at the file before */
};

struct proc_jits {
	const char *proc_root;
	struct proc_jit **items; /* the shared ones, by (pid, start_time, owner) */
	size_t nr_items, items_cap;
	uint64_t next_evict_ns;	       /* CLOCK_MONOTONIC: no look for idle states before */
	struct perf_map_totals totals; /* of every perf map read */
};

/*
 * The start time of process @pid (field 22 of PROC/PID/stat, clock ticks since boot; 0 in
 * a test's copy too short to hold it). Returns 0, or -ESRCH when it is gone or a zombie.
 */
static int proc__start_time(const char *proc_root, int pid, uint64_t *start_time)
{
	char path[PATH_MAX], buf[1024], *p;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* "PID (COMM) STATE ...": COMM may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return -ESRCH;
	p += 2;
	*start_time = 0;
	for (field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	*start_time = strtoull(p, NULL, 10);
	return 0;
}

/*
 * The pid of process @pid in its own (innermost) pid namespace and its fsuid, from
 * PROC/PID/status. Returns 0, or -ESRCH when the file cannot be read.
 */
static int proc__status(const char *proc_root, int pid, int *nspid, uid_t *fsuid)
{
	unsigned int ruid, euid, suid, fs;
	char path[PATH_MAX], line[512];
	bool have_uid = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/status", proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	*nspid = pid;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Uid:", 4) &&
		    sscanf(line + 4, "%u %u %u %u", &ruid, &euid, &suid, &fs) == 4) {
			*fsuid = fs;
			have_uid = true;
		} else if (!strncmp(line, "NSpid:", 6)) {
			/* One pid per nested namespace, outermost first: the last is its own. */
			char *p = line + 6, *end;
			long v;

			for (;;) {
				v = strtol(p, &end, 10);
				if (end == p)
					break;
				if (v > 0 && v <= INT_MAX)
					*nspid = v;
				p = end;
			}
		}
	}
	fclose(f);
	return have_uid ? 0 : -ESRCH;
}

struct proc_jits *proc_jits__new(const char *proc_root, size_t memory_limit)
{
	struct proc_jits *jits = calloc(1, sizeof(*jits));

	if (!jits)
		return NULL;
	jits->proc_root = proc_root;
	jits->totals.memory_limit = memory_limit;
	return jits;
}

static void proc_jit__free(struct proc_jit *jit)
{
	perf_map__free(jit->map);
	free(jit->path);
	free(jit);
}

void proc_jits__free(struct proc_jits *jits)
{
	if (!jits)
		return;
	/* Idle ones: every reference was put. */
	for (size_t i = 0; i < jits->nr_items; i++)
		proc_jit__free(jits->items[i]);
	free(jits->items);
	free(jits);
}

static int proc_jit__cmp(const struct proc_jit *a, int pid, uint64_t start_time, uid_t owner)
{
	if (a->pid != pid)
		return a->pid < pid ? -1 : 1;
	if (a->start_time != start_time)
		return a->start_time < start_time ? -1 : 1;
	if (a->owner != owner)
		return a->owner < owner ? -1 : 1;
	return 0;
}

/* The index of the first shared state not below the key. */
static size_t proc_jits__lower_bound(const struct proc_jits *jits, int pid, uint64_t start_time,
				     uid_t owner)
{
	size_t lo = 0, hi = jits->nr_items;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (proc_jit__cmp(jits->items[mid], pid, start_time, owner) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether the process is still alive: not gone, and not another one with its pid. */
static bool proc_jit__alive(const struct proc_jit *jit)
{
	uint64_t start_time;

	return !proc__start_time(jit->jits->proc_root, jit->pid, &start_time) &&
	       start_time == jit->start_time;
}

/*
 * Frees the states no snapshot has held for PROC_JIT_IDLE_MS, or whose process is gone
 * (no snapshot of it can come), looking once a second.
 */
static void proc_jits__evict(struct proc_jits *jits)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	size_t i, kept = 0;

	if (now < jits->next_evict_ns)
		return;
	jits->next_evict_ns = now + 1000000000;
	for (i = 0; i < jits->nr_items; i++) {
		struct proc_jit *jit = jits->items[i];

		if (jit->refs || (now - jit->idle_since_ns < PROC_JIT_IDLE_MS * 1000000ull &&
				  proc_jit__alive(jit)))
			jits->items[kept++] = jit;
		else
			proc_jit__free(jit);
	}
	jits->nr_items = kept;
}

/* Looks for the perf map file of the process. Returns 0 (found or not) or -ENOMEM. */
static int proc_jit__open(struct proc_jit *jit)
{
	struct proc_jits *jits = jit->jits;
	char fallback[64];
	char *path;
	int err;

	err = perf_map__read(jit->path, jit->owner, &jits->totals, &jit->map);
	/*
	 * Without access to the process's root (no CAP_SYS_PTRACE over it), the host's /tmp
	 * is the process's own for most processes. Not when the file is merely missing there:
	 * a /tmp/perf-PID.map of ours would then be another /tmp's, or a stale file of an
	 * earlier process with this pid. Pids are host pids only in the real /proc.
	 */
	if (err == -EACCES && !strcmp(jits->proc_root, "/proc")) {
		snprintf(fallback, sizeof(fallback), "/tmp/perf-%d.map", jit->pid);
		err = perf_map__read(fallback, jit->owner, &jits->totals, &jit->map);
		if (!err) {
			path = strdup(fallback);
			if (path) {
				free(jit->path);
				jit->path = path;
			}
		}
	}
	switch (err) {
	case 0:
		pr_debug("pid %d: %zu JIT symbols from %s\n", jit->pid, perf_map__count(jit->map),
			 perf_map__path(jit->map));
		return 0;
	case -ENOMEM:
		return err;
	case -ENOENT:
	case -EACCES:
	case -ESRCH:
		return 0;
	default:
		/* Refused (a foreign owner, not a regular file): once, then never looked at. */
		pr_warn("perf map %s ignored: %s\n", jit->path,
			err == -EPERM  ? "owned by another user than the process's" :
			err == -EINVAL ? "not a regular file" :
					 strerror(-err));
		jit->final = true;
		return 0;
	}
}

/* Opens or reads again the file, and spaces the next look by what this one cost. */
static int proc_jit__look(struct proc_jit *jit)
{
	uint64_t cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID), wait;
	int ret;

	if (!jit->map) {
		ret = proc_jit__open(jit);
	} else {
		ret = perf_map__update(jit->map);
		if (ret < 0)
			pr_debug("pid %d: cannot read %s again: %s\n", jit->pid, jit->path,
				 strerror(-ret));
	}
	/* A file costly to read is read seldom: at most one part in PROC_JIT_DUTY of a CPU. */
	wait = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu) * PROC_JIT_DUTY;
	if (wait < PROC_JIT_RECHECK_MS * 1000000ull)
		wait = PROC_JIT_RECHECK_MS * 1000000ull;
	jit->next_look_ns = clock_ns(CLOCK_MONOTONIC) + wait;
	return ret == -ENOMEM ? ret : 0;
}

int proc_jits__get(struct proc_jits *jits, int pid, struct proc_jit **out)
{
	char path[PATH_MAX];
	struct proc_jit *jit;
	uint64_t start_time = 0;
	uid_t owner = 0;
	bool gone;
	int nspid, err;
	size_t i;

	*out = NULL;
	proc_jits__evict(jits);
	/* Gone already: the maps just read say whether that matters. */
	if (proc__status(jits->proc_root, pid, &nspid, &owner))
		return 0;
	/* Gone since: its file, left behind, may still name what it ran. */
	gone = proc__start_time(jits->proc_root, pid, &start_time) != 0;
	i = proc_jits__lower_bound(jits, pid, start_time, owner);
	if (!gone && i < jits->nr_items && !proc_jit__cmp(jits->items[i], pid, start_time, owner)) {
		jit = jits->items[i];
		jit->refs++;
		jit->idle_since_ns = 0;
		*out = jit;
		return 0;
	}
	if (!gone && array__reserve(&jits->items, &jits->items_cap, jits->nr_items + 1,
				    sizeof(*jits->items)))
		return -ENOMEM;
	jit = calloc(1, sizeof(*jit));
	if (!jit)
		return -ENOMEM;
	jit->jits = jits;
	jit->refs = 1;
	jit->pid = pid;
	jit->start_time = start_time;
	jit->owner = owner;
	jit->final = gone;
	/* The file name holds the pid the process knows itself by, in its /tmp. */
	snprintf(path, sizeof(path), "%s/%d/root/tmp/perf-%d.map", jits->proc_root, pid, nspid);
	jit->path = strdup(path);
	if (!jit->path) {
		free(jit);
		return -ENOMEM;
	}
	err = proc_jit__look(jit);
	if (err) {
		proc_jit__put(jit);
		return err;
	}
	if (!gone) {
		memmove(&jits->items[i + 1], &jits->items[i],
			(jits->nr_items - i) * sizeof(*jits->items));
		jits->items[i] = jit;
		jits->nr_items++;
		jit->shared = true;
	}
	*out = jit;
	return 0;
}

void proc_jit__put(struct proc_jit *jit)
{
	if (!jit || --jit->refs)
		return;
	/* The next snapshot may come soon (one is taken and dropped before sampling). */
	if (jit->shared)
		jit->idle_since_ns = clock_ns(CLOCK_MONOTONIC);
	else
		proc_jit__free(jit);
}

const char *proc_jit__name(struct proc_jit *jit, uint64_t addr)
{
	const char *name;

	if (jit->map) {
		name = perf_map__find(jit->map, addr);
		if (name)
			return name;
	}
	/* Each look costs a few system calls, or a read: bounded however many addresses miss. */
	if (jit->final || clock_ns(CLOCK_MONOTONIC) < jit->next_look_ns)
		return NULL;
	/* The file is no longer the process's: gone, or another has its pid now. */
	if (!proc_jit__alive(jit)) {
		jit->final = true;
		return NULL;
	}
	/* Out of memory: the table is as it was, and the next look may do better. */
	proc_jit__look(jit);
	return jit->map ? perf_map__find(jit->map, addr) : NULL;
}

const struct perf_map_totals *proc_jits__totals(const struct proc_jits *jits)
{
	return &jits->totals;
}
