// SPDX-License-Identifier: GPL-2.0-only
#include "proc_maps.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "dso.h"
#include "log.h"
#include "perf_map.h"
#include "symbolizer_internal.h"
#include "symbolizer.h"
#include "number_scan.h"

#define MAPS_READ_SIZE (64 * 1024)
#define DELETED_SUFFIX " (deleted)"

/*
 * The process's perf map and what looking at it again needs. Apart from the snapshot so
 * that lookups through a const snapshot may re-read the file.
 */
struct proc_jit {
	struct perf_map *map;	 /* NULL while no readable file was found */
	char *path;		 /* where the process writes it, as seen from here; owned */
	const char *proc_root;	 /* borrowed from the symbolizer */
	uint64_t *bad_lines;	 /* the symbolizer's counter, or NULL */
	uint64_t start_time;	 /* of the process, to tell it from a later one with its pid */
	uid_t owner;		 /* the process's fsuid, which owns the files it creates */
	bool final;		 /* the process is gone: the file will not change */
	struct timespec checked; /* last look at the file */
};

struct proc_maps {
	int pid;
	struct proc_map *maps;
	size_t nr_maps;
	struct proc_jit *jit; /* NULL for kernel threads, or without PROC/PID/status */
};

/* Reads a whole small procfs file. Returns its length, or -errno. */
static ssize_t read_file(int fd, char **out)
{
	size_t len = 0, cap = MAPS_READ_SIZE;
	char *buf, *p;
	ssize_t n;

	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			free(buf);
			return n;
		}
		if (!n)
			break;
		len += n;
	}
	*out = buf;
	return len;
}

static bool parse_dec(const char **pp, const char *end, uint64_t *val)
{
	const char *p = *pp;
	uint64_t v = 0;

	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (p == *pp)
		return false;
	*pp = p;
	*val = v;
	return true;
}

static bool skip_char(const char **pp, const char *end, char c)
{
	if (*pp >= end || **pp != c)
		return false;
	(*pp)++;
	return true;
}

/* "START-END PERMS OFFSET MAJOR:MINOR INODE [PATH]"; returns false on a malformed line. */
static bool parse_line(const char *p, const char *end, struct proc_map *map,
		       const char **path, size_t *path_len)
{
	uint64_t major, minor;

	if (!scan_hex(&p, end, &map->start) || !skip_char(&p, end, '-') ||
	    !scan_hex(&p, end, &map->end) || !skip_char(&p, end, ' '))
		return false;
	if (end - p < 5 || p[4] != ' ')
		return false;
	map->exec = p[2] == 'x';
	p += 5;
	if (!scan_hex(&p, end, &map->pgoff) || !skip_char(&p, end, ' ') ||
	    !scan_hex(&p, end, &major) || !skip_char(&p, end, ':') ||
	    !scan_hex(&p, end, &minor) || !skip_char(&p, end, ' ') ||
	    !parse_dec(&p, end, &map->ino))
		return false;
	if (map->end <= map->start || major > UINT32_MAX || minor > UINT32_MAX)
		return false;
	map->dev = makedev(major, minor);
	while (p < end && *p == ' ')
		p++;
	*path = p;
	*path_len = end - p;
	return true;
}

static enum proc_map_kind path__kind(const char *path, size_t len)
{
	if (!len)
		return PROC_MAP_ANON;
	if (path[0] == '/')
		return PROC_MAP_FILE;
	if (len == 6 && !memcmp(path, "[vdso]", 6))
		return PROC_MAP_VDSO;
	if (len == 10 && !memcmp(path, "[vsyscall]", 10))
		return PROC_MAP_VSYSCALL;
	return PROC_MAP_SPECIAL;
}

static int proc_maps__parse(const struct proc_maps_env *env, struct proc_maps *pm,
			    const char *buf, size_t len)
{
	const char *line = buf, *end = buf + len, *nl, *path;
	size_t cap = 0, path_len;
	struct proc_map map, *p;

	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', end - line);
		if (!nl)
			nl = end;
		memset(&map, 0, sizeof(map));
		if (!parse_line(line, nl, &map, &path, &path_len)) {
			pr_debug("pid %d: skipping malformed maps line\n", pm->pid);
			continue;
		}
		map.kind = path__kind(path, path_len);
		if (map.kind == PROC_MAP_FILE && path_len > strlen(DELETED_SUFFIX) &&
		    !memcmp(path + path_len - strlen(DELETED_SUFFIX), DELETED_SUFFIX,
			    strlen(DELETED_SUFFIX))) {
			map.deleted = true;
			path_len -= strlen(DELETED_SUFFIX);
		}
		map.path = names__intern(env->names, path, path_len);
		if (!map.path)
			return -ENOMEM;
		if (pm->nr_maps == cap) {
			cap = cap ? cap * 2 : 64;
			p = realloc(pm->maps, cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			pm->maps = p;
		}
		pm->maps[pm->nr_maps++] = map;
	}
	return 0;
}

static int proc_map__cmp(const void *a, const void *b)
{
	const struct proc_map *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* Whether /proc/PID/stat says the process is a zombie (or dead): its maps read empty. */
static bool proc__is_dead(const char *proc_root, int pid)
{
	char path[PATH_MAX], buf[512], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	/* "PID (COMM) STATE ...": COMM may hold spaces and parentheses. */
	paren = strrchr(buf, ')');
	return paren && (paren[1] == ' ') && (paren[2] == 'Z' || paren[2] == 'X');
}

int proc_map__open(const char *proc_root, int pid, const struct proc_map *map)
{
	const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	char path[PATH_MAX + 64];
	int fd, n;

	/*
	 * map_files reaches the very file mapped, even deleted or in another mount
	 * namespace, but needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE); root/ works for
	 * files still linked in the process's namespace; the plain path is the last resort.
	 */
	n = snprintf(path, sizeof(path), "%s/%d/map_files/%llx-%llx", proc_root, pid,
		     (unsigned long long)map->start, (unsigned long long)map->end);
	if (n > 0 && (size_t)n < sizeof(path)) {
		fd = open(path, flags);
		if (fd >= 0)
			return fd;
	}
	if (!map->deleted) {
		n = snprintf(path, sizeof(path), "%s/%d/root%s", proc_root, pid, map->path);
		if (n > 0 && (size_t)n < sizeof(path)) {
			fd = open(path, flags);
			if (fd >= 0)
				return fd;
		}
	}
	fd = open(map->path, flags);
	return fd >= 0 ? fd : -errno;
}

/* Whether the cached @dso is still the file mapped, when that can be checked. */
static bool proc_map__same_file(const struct proc_maps_env *env, int pid,
				const struct proc_map *map, const struct dso *dso)
{
	char path[PATH_MAX + 64];
	struct stat st;
	int n;

	n = snprintf(path, sizeof(path), "%s/%d/map_files/%llx-%llx", env->proc_root, pid,
		     (unsigned long long)map->start, (unsigned long long)map->end);
	/*
	 * Without access to map_files, trust (dev, inode): a stat through root/ could see a
	 * different file than the one mapped.
	 */
	if (n <= 0 || (size_t)n >= sizeof(path) || stat(path, &st))
		return true;
	return dso__same_file(dso, &st);
}

static int proc_map__get_dso(const struct proc_maps_env *env, int pid, struct proc_map *map)
{
	struct dso *dso;
	int fd;

	dso = dso_cache__find_mapped(env->dsos, map->dev, map->ino);
	if (dso) {
		if (proc_map__same_file(env, pid, map, dso)) {
			map->dso = dso;
			return 0;
		}
		/* Replaced in place or the inode was reused: read it again. */
		dso__put(dso);
	}
	fd = proc_map__open(env->proc_root, pid, map);
	if (fd < 0) {
		/*
		 * Out of descriptors, or the process exited while being read (its files are
		 * gone from map_files): the files are not bad, and a later process mapping
		 * them must not find a failure cached.
		 */
		if (fd == -EMFILE || fd == -ENFILE || proc__is_dead(env->proc_root, pid)) {
			pr_debug("pid %d: cannot open %s: %s\n", pid, map->path, strerror(-fd));
			return 0;
		}
		return dso_cache__add_unreadable(env->dsos, map->dev, map->ino, map->path, fd,
						 &map->dso);
	}
	return dso_cache__open(env->dsos, map->dev, map->ino, fd, map->path, &map->dso);
}

static int proc_maps__get_dsos(const struct proc_maps_env *env, struct proc_maps *pm)
{
	struct proc_map *map, *prev = NULL;
	size_t i;
	int err;

	/* Code runs only in executable mappings; data files are never opened. */
	for (i = 0; i < pm->nr_maps; i++) {
		map = &pm->maps[i];
		if (map->kind != PROC_MAP_FILE || !map->exec)
			continue;
		if (prev && prev->dev == map->dev && prev->ino == map->ino) {
			map->dso = prev->dso ? dso__get(prev->dso) : NULL;
			continue;
		}
		err = proc_map__get_dso(env, pm->pid, map);
		if (err)
			return err;
		prev = map;
	}
	/*
	 * The other mappings of those files share their dso, so that any address in an
	 * ELF file translates to its virtual address.
	 */
	for (i = 0; i < pm->nr_maps; i++) {
		map = &pm->maps[i];
		if (map->kind == PROC_MAP_FILE && !map->dso)
			map->dso = dso_cache__find_mapped(env->dsos, map->dev, map->ino);
	}
	return 0;
}

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

static void proc_jit__count_bad(struct proc_jit *jit, size_t n)
{
	if (jit->bad_lines)
		*jit->bad_lines += n;
}

static void proc_jit__free(struct proc_jit *jit)
{
	if (!jit)
		return;
	perf_map__free(jit->map);
	free(jit->path);
	free(jit);
}

/* Looks for the perf map file of process @pid. Returns 0 (found or not) or -ENOMEM. */
static int proc_jit__open(struct proc_jit *jit, int pid)
{
	char fallback[64];
	char *path;
	int err;

	err = perf_map__read(jit->path, jit->owner, &jit->map);
	/*
	 * Without access to the process's root (no CAP_SYS_PTRACE over it), the host's /tmp
	 * is the process's own for most processes. Not when the file is merely missing there:
	 * a /tmp/perf-PID.map of ours would then be another /tmp's, or a stale file of an
	 * earlier process with this pid. Pids are host pids only in the real /proc.
	 */
	if (err == -EACCES && !strcmp(jit->proc_root, "/proc")) {
		snprintf(fallback, sizeof(fallback), "/tmp/perf-%d.map", pid);
		err = perf_map__read(fallback, jit->owner, &jit->map);
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
		proc_jit__count_bad(jit, perf_map__bad_lines(jit->map));
		pr_debug("pid %d: %zu JIT symbols from %s\n", pid, perf_map__count(jit->map),
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
			err == -EPERM ? "owned by another user than the process's" :
			err == -EINVAL ? "not a regular file" : strerror(-err));
		jit->final = true;
		return 0;
	}
}

/* A snapshot's JIT state, with the perf map as it is now. Returns 0 or -ENOMEM. */
static int proc_jit__new(const struct proc_maps_env *env, int pid, struct proc_jit **out)
{
	char path[PATH_MAX];
	struct proc_jit *jit;
	int nspid, err;
	uid_t owner;

	*out = NULL;
	/* Gone already: the maps just read say whether that matters. */
	if (proc__status(env->proc_root, pid, &nspid, &owner))
		return 0;
	jit = calloc(1, sizeof(*jit));
	if (!jit)
		return -ENOMEM;
	jit->proc_root = env->proc_root;
	jit->bad_lines = env->bad_perf_map_lines;
	jit->owner = owner;
	if (proc__start_time(env->proc_root, pid, &jit->start_time))
		jit->final = true;
	clock_gettime(CLOCK_MONOTONIC, &jit->checked);
	/* The file name holds the pid the process knows itself by, in its /tmp. */
	snprintf(path, sizeof(path), "%s/%d/root/tmp/perf-%d.map", env->proc_root, pid, nspid);
	jit->path = strdup(path);
	if (!jit->path) {
		free(jit);
		return -ENOMEM;
	}
	err = proc_jit__open(jit, pid);
	if (err) {
		proc_jit__free(jit);
		return err;
	}
	*out = jit;
	return 0;
}

static int64_t elapsed_ms(const struct timespec *from, const struct timespec *to)
{
	return (to->tv_sec - from->tv_sec) * 1000 + (to->tv_nsec - from->tv_nsec) / 1000000;
}

/* Reads what the process added to its perf map since, if it is still alive. */
static void proc_jit__refresh(struct proc_jit *jit, int pid)
{
	uint64_t start_time;
	struct timespec now;
	size_t bad;
	int ret;

	if (jit->final)
		return;
	/* Each look costs a few system calls: bounded however many addresses miss. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (elapsed_ms(&jit->checked, &now) < PROC_MAPS_PERF_MAP_RECHECK_MS)
		return;
	jit->checked = now;
	if (proc__start_time(jit->proc_root, pid, &start_time) ||
	    start_time != jit->start_time) {
		/* Gone, or another process has its pid now: the file is no longer its. */
		jit->final = true;
		return;
	}
	if (!jit->map) {
		proc_jit__open(jit, pid);
		return;
	}
	bad = perf_map__bad_lines(jit->map);
	ret = perf_map__update(jit->map);
	if (ret < 0) {
		pr_debug("pid %d: cannot read %s again: %s\n", pid, jit->path, strerror(-ret));
		return;
	}
	/* A replaced file starts counting again. */
	if (perf_map__bad_lines(jit->map) >= bad)
		proc_jit__count_bad(jit, perf_map__bad_lines(jit->map) - bad);
	else
		proc_jit__count_bad(jit, perf_map__bad_lines(jit->map));
}

const char *proc_maps__jit_name(const struct proc_maps *maps, uint64_t addr)
{
	struct proc_jit *jit = maps->jit;
	const char *name;

	if (!jit)
		return NULL;
	if (jit->map) {
		name = perf_map__find(jit->map, addr);
		if (name)
			return name;
	}
	proc_jit__refresh(jit, maps->pid);
	return jit->map ? perf_map__find(jit->map, addr) : NULL;
}

int proc_maps__read(const struct proc_maps_env *env, int pid, struct proc_maps **out)
{
	struct proc_maps *pm;
	char path[PATH_MAX];
	char *buf = NULL;
	ssize_t len;
	size_t i;
	int fd, err;

	if (pid <= 0)
		return -ESRCH;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pm->pid = pid;

	snprintf(path, sizeof(path), "%s/%d/maps", env->proc_root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno == ENOENT ? -ESRCH : -errno;
		goto out_free;
	}
	len = read_file(fd, &buf);
	close(fd);
	if (len < 0) {
		err = (int)len;
		goto out_free;
	}
	if (!len && proc__is_dead(env->proc_root, pid)) {
		err = -ESRCH;
		goto out_free_buf;
	}
	err = proc_maps__parse(env, pm, buf, len);
	if (err)
		goto out_free_buf;
	free(buf);
	buf = NULL;

	/* The kernel prints maps in order; a test's copy might not. */
	for (i = 1; i < pm->nr_maps; i++) {
		if (pm->maps[i - 1].start > pm->maps[i].start) {
			qsort(pm->maps, pm->nr_maps, sizeof(*pm->maps), proc_map__cmp);
			break;
		}
	}
	err = proc_maps__get_dsos(env, pm);
	if (err)
		goto out_free;
	if (pm->nr_maps) {
		err = proc_jit__new(env, pid, &pm->jit);
		if (err)
			goto out_free;
	}
	*out = pm;
	return 0;

out_free_buf:
	free(buf);
out_free:
	if (err == -ESRCH)
		(*env->vanished)++;
	proc_maps__free(pm);
	return err;
}

void proc_maps__free(struct proc_maps *maps)
{
	size_t i;

	if (!maps)
		return;
	for (i = 0; i < maps->nr_maps; i++)
		dso__put(maps->maps[i].dso);
	proc_jit__free(maps->jit);
	free(maps->maps);
	free(maps);
}

const struct proc_map *proc_maps__find(const struct proc_maps *maps, uint64_t addr)
{
	size_t lo = 0, hi = maps->nr_maps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (maps->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= maps->maps[lo - 1].end)
		return NULL;
	return &maps->maps[lo - 1];
}

size_t proc_maps__count(const struct proc_maps *maps)
{
	return maps->nr_maps;
}

const struct proc_map *proc_maps__get(const struct proc_maps *maps, size_t i)
{
	return i < maps->nr_maps ? &maps->maps[i] : NULL;
}

int proc_maps__pid(const struct proc_maps *maps)
{
	return maps->pid;
}
