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
#include <unistd.h>

#include "dso.h"
#include "dso_cache.h"
#include "log.h"
#include "names.h"
#include "number_scan.h"
#include "proc_jit.h"

#define MAPS_READ_SIZE (64 * 1024)
#define DELETED_SUFFIX " (deleted)"

struct proc_maps {
	int pid;
	struct proc_map *maps;
	size_t nr_maps;
	struct proc_jit *jit; /* a reference; NULL for kernel threads, or without perf maps */
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
static bool parse_line(const char *p, const char *end, struct proc_map *map, const char **path,
		       size_t *path_len)
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
	    !scan_hex(&p, end, &major) || !skip_char(&p, end, ':') || !scan_hex(&p, end, &minor) ||
	    !skip_char(&p, end, ' ') || !parse_dec(&p, end, &map->ino))
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

static int proc_maps__parse(const struct proc_maps_env *env, struct proc_maps *pm, const char *buf,
			    size_t len)
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

#define PROC_MAP_OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

/*
 * The very file of @map through PROC/PID/map_files (even deleted or in another mount
 * namespace; needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE). Returns an fd or -errno.
 */
static int proc_map__open_mapped(const char *proc_root, int pid, const struct proc_map *map)
{
	char path[PATH_MAX + 64];
	int fd, n;

	n = snprintf(path, sizeof(path), "%s/%d/map_files/%llx-%llx", proc_root, pid,
		     (unsigned long long)map->start, (unsigned long long)map->end);
	if (n <= 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, PROC_MAP_OPEN_FLAGS);
	return fd >= 0 ? fd : -errno;
}

int proc_map__open(const char *proc_root, int pid, const struct proc_map *map)
{
	const int flags = PROC_MAP_OPEN_FLAGS;
	char path[PATH_MAX + 64];
	int fd, n;

	/*
	 * map_files reaches the very file mapped; root/ works for files still linked in the
	 * process's namespace; the plain path is the last resort.
	 */
	fd = proc_map__open_mapped(proc_root, pid, map);
	if (fd >= 0)
		return fd;
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

/*
 * For a mapping known from a record, not read from the process: the file as the dso cache
 * knows it by (dev, inode), else opened by path and kept only if it is still that file (a
 * path reused by another file, or meaning another file outside the process's mount
 * namespace, must not name its frames).
 */
static int proc_map__get_recorded_dso(const struct proc_maps_env *env, int pid,
				      struct proc_map *map)
{
	struct stat st;
	int fd;

	map->dso = dso_cache__find_mapped(env->dsos, map->dev, map->ino);
	if (map->dso)
		return 0;
	/*
	 * The mapping's own file is taken as it is: on overlayfs (containers) the kernel
	 * reports the inode of the layer, and fstat() gives the overlay's.
	 */
	fd = proc_map__open_mapped(env->proc_root, pid, map);
	if (fd >= 0)
		return dso_cache__open(env->dsos, map->dev, map->ino, fd, map->path, &map->dso);
	fd = proc_map__open(env->proc_root, pid, map);
	if (fd >= 0 && (fstat(fd, &st) || st.st_dev != map->dev || st.st_ino != map->ino)) {
		close(fd);
		fd = -ESTALE;
	}
	if (fd < 0) {
		pr_debug("pid %d: %s not found with its device and inode: %s\n", pid, map->path,
			 strerror(-fd));
		(*env->unverified)++;
		return 0;
	}
	return dso_cache__open(env->dsos, map->dev, map->ino, fd, map->path, &map->dso);
}

static int proc_maps__get_dsos(const struct proc_maps_env *env, struct proc_maps *pm, bool recorded)
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
		err = recorded ? proc_map__get_recorded_dso(env, pm->pid, map) :
				 proc_map__get_dso(env, pm->pid, map);
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

const char *proc_maps__jit_name(const struct proc_maps *maps, uint64_t addr)
{
	return maps->jit ? proc_jit__name(maps->jit, addr) : NULL;
}

/*
 * Whether @pm maps code that no ELF file describes: anonymous memory (named or not, shared:
 * /dev/zero, /anon_hugepage), a memfd, a file that could not be opened. JIT code lives there,
 * and a perf map names only such code (perf's rule too); the processes without any, nearly
 * all, have no perf map to look for.
 * Code a runtime maps later makes a new snapshot (a record of the journal, or the walker's
 * request to read a process again), which looks again.
 */
static bool proc_maps__may_hold_jit_code(const struct proc_maps *pm)
{
	for (size_t i = 0; i < pm->nr_maps; i++) {
		const struct proc_map *map = &pm->maps[i];

		if (!map->exec)
			continue;
		if (map->kind == PROC_MAP_ANON || map->kind == PROC_MAP_SPECIAL ||
		    (map->kind == PROC_MAP_FILE &&
		     (!map->dso || !strncmp(map->path, "/dev/zero", 9) ||
		      !strncmp(map->path, "/anon_hugepage", 14) ||
		      !strncmp(map->path, "/memfd:", 7))))
			return true;
	}
	return false;
}

/* Sorts @pm's mappings, gets their dsos and the process's perf map. Returns 0 or -errno. */
static int proc_maps__finish(const struct proc_maps_env *env, struct proc_maps *pm, bool recorded)
{
	int err;

	/* The kernel prints maps in order; a test's copy, or records, might not be. */
	for (size_t i = 1; i < pm->nr_maps; i++) {
		if (pm->maps[i - 1].start > pm->maps[i].start) {
			qsort(pm->maps, pm->nr_maps, sizeof(*pm->maps), proc_map__cmp);
			break;
		}
	}
	err = proc_maps__get_dsos(env, pm, recorded);
	if (err || !env->jits || !proc_maps__may_hold_jit_code(pm))
		return err;
	return proc_jits__get(env->jits, pm->pid, &pm->jit);
}

int proc_maps__from_mappings(const struct proc_maps_env *env, int pid, const struct proc_map *maps,
			     size_t n, struct proc_maps **out)
{
	struct proc_maps *pm;
	int err = -ENOMEM;

	*out = NULL;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pm->pid = pid;
	pm->maps = calloc(n ? n : 1, sizeof(*pm->maps));
	if (!pm->maps)
		goto out_free;
	for (size_t i = 0; i < n; i++) {
		struct proc_map *map = &pm->maps[pm->nr_maps];

		if (maps[i].end <= maps[i].start)
			continue;
		*map = maps[i];
		map->dso = NULL;
		map->kind = path__kind(maps[i].path, strlen(maps[i].path));
		map->path = names__intern(env->names, maps[i].path, strlen(maps[i].path));
		if (!map->path)
			goto out_free;
		pm->nr_maps++;
	}
	err = proc_maps__finish(env, pm, true);
	if (err)
		goto out_free;
	*out = pm;
	return 0;

out_free:
	proc_maps__free(pm);
	return err;
}

int proc_maps__read(const struct proc_maps_env *env, int pid, struct proc_maps **out)
{
	struct proc_maps *pm;
	char path[PATH_MAX];
	char *buf = NULL;
	ssize_t len;
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
	err = proc_maps__finish(env, pm, false);
	if (err)
		goto out_free;
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
	proc_jit__put(maps->jit);
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
