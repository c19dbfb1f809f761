/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A snapshot of one process's mappings (/proc/PID/maps), with the mapped ELF files held
 * open through the dso cache so they can be read after the process is gone, and the names
 * of its JIT code from its perf map, read at the same time for the same reason.
 */
#ifndef PROF_PROC_MAPS_H
#define PROF_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dso;
struct dso_cache;
struct proc_jits;
struct proc_maps;
struct string_pool;

enum proc_map_kind {
	PROC_MAP_FILE,	   /* a file; dso set when the file was opened */
	PROC_MAP_ANON,	   /* no name: anonymous memory (JIT code lives here) */
	PROC_MAP_VDSO,	   /* [vdso] */
	PROC_MAP_VSYSCALL, /* [vsyscall] */
	PROC_MAP_SPECIAL,  /* any other [name]: [heap], [stack], [vvar], [anon:...] */
};

struct proc_map {
	uint64_t start;
	uint64_t end;
	uint64_t pgoff; /* offset in the file of start, in bytes */
	uint64_t dev;	/* makedev(major, minor) as printed in maps */
	uint64_t ino;
	const char *path; /* interned, never NULL: file path without " (deleted)", or the
			   * "[name]"; "" for anonymous memory */
	struct dso *dso;  /* one reference, or NULL (not executable, or not a file) */
	enum proc_map_kind kind;
	bool deleted; /* the maps line said " (deleted)" */
	bool exec;
};

/* What reading a snapshot needs from the symbolizer that owns it; all borrowed. */
struct proc_maps_env {
	const char *proc_root;	   /* "/proc" or a test's copy */
	struct dso_cache *dsos;	   /* outlives the snapshot */
	struct string_pool *names; /* interns paths; outlives the snapshot */
	uint64_t *vanished;	   /* counter of processes gone before they were read */
	uint64_t *unverified;	   /* counter of recorded file mappings whose file was not
				     * found again (proc_maps__from_mappings) */
	struct proc_jits *jits;	   /* the processes' perf maps, or NULL for none; outlives
				     * the snapshot */
};

/*
 * Reads /proc/@pid/maps under env->proc_root and gets a dso for each executable file
 * mapping (and for the other mappings of the same files): found in the cache by the maps
 * (dev, inode) and checked by mtime, or opened through PROC/PID/map_files/START-END, then
 * PROC/PID/root/PATH, then PATH. Files that cannot be opened become bad dsos, so they
 * count once. Also takes the process's perf map from env->jits (see proc_jit.h), read now
 * unless another snapshot of the process has it.
 * Returns 0 and an owned snapshot in *@out (empty for kernel threads), or -errno: -ESRCH
 * when the process does not exist or exits while being read (counted in *env->vanished),
 * -ENOMEM.
 */
int proc_maps__read(const struct proc_maps_env *env, int pid, struct proc_maps **out);
/*
 * A snapshot of process @pid (alive or not) from mappings known otherwise (the kernel's
 * records): @maps (@n entries, borrowed for the call; start, end, pgoff, dev, ino, path,
 * deleted and exec used; the kind follows from the path) are copied, their paths interned.
 * Each executable file mapping gets the dso the cache holds for its (dev, inode), else the
 * mapping's own file through PROC/PID/map_files while the process lives (taken as it is:
 * overlayfs reports the layer's inode there and the overlay's to fstat()), else the file
 * opened by path as proc_map__open() does, kept only when fstat() gives that dev and inode;
 * otherwise it has no dso (counted in *env->unverified). The perf map is taken as in
 * proc_maps__read(). Returns 0 and an owned snapshot in *@out, or -ENOMEM.
 */
int proc_maps__from_mappings(const struct proc_maps_env *env, int pid, const struct proc_map *maps,
			     size_t n, struct proc_maps **out);
/* NULL-safe. Files no other snapshot maps stay cached a while (bounded), then are closed. */
void proc_maps__free(struct proc_maps *maps);

/*
 * Opens the file of @map (of process @pid under @proc_root) as the process sees it: through
 * PROC/PID/map_files, else PROC/PID/root/PATH, else PATH. Returns an fd or -errno.
 */
int proc_map__open(const char *proc_root, int pid, const struct proc_map *map);

/* The mapping containing @addr, borrowed from @maps, or NULL. */
const struct proc_map *proc_maps__find(const struct proc_maps *maps, uint64_t addr);

/* Number of mappings, and the @i-th one (borrowed from @maps), in address order. */
size_t proc_maps__count(const struct proc_maps *maps);
const struct proc_map *proc_maps__get(const struct proc_maps *maps, size_t i);

int proc_maps__pid(const struct proc_maps *maps);

/*
 * The name the process's perf map gives the code at @addr, or NULL. When no line covers
 * @addr and the process is still alive (the same process: its start time is checked),
 * the file is read again for what was appended, or looked for again if there was none, at
 * most every PROC_JIT_RECHECK_MS: JIT code is named after it is written. The name is
 * borrowed until the next call on any snapshot of the process or proc_maps__free().
 */
const char *proc_maps__jit_name(const struct proc_maps *maps, uint64_t addr);

#endif
