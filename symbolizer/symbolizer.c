// SPDX-License-Identifier: GPL-2.0-only
#include "symbolizer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "debuginfo.h"
#include "demangle.h"
#include "dso.h"
#include "dso_cache.h"
#include "dso_image.h"
#include "hash_table.h"
#include "kallsyms.h"
#include "log.h"
#include "names.h"
#include "perf_map.h"
#include "proc_jit.h"
#include "proc_maps.h"
#include "string_pool.h"
#include "vdso.h"

/*
 * Distinct addresses of files kept named: at a few dozen bytes each, a few MiB. Past
 * this the cache starts again empty.
 */
#define ADDR_CACHE_MAX (1u << 17)
/* Inline chains deeper than this lose their innermost frames. */
#define MAX_CHAIN 64

/* One address of a file, named: its frames are addr_frames[first, first + nr). */
struct addr_entry {
	uint64_t dso_id;
	uint64_t vaddr;
	uint32_t first;
	uint32_t nr; /* 0: nothing names it */
};

/* What a frame of a file's address is, whatever the process (interned strings). */
struct addr_frame {
	const char *func; /* NULL: no name, only a line */
	const char *mangled;
	const char *file;
	unsigned int line;
};

struct symbolizer {
	char *proc_root;
	char *kallsyms_path;
	/* Loaded on the first kernel address; NULL after a failure, which is not retried. */
	struct kallsyms *kallsyms;
	bool kallsyms_tried;
	/*
	 * Every string a frame points at: names outlive the dsos they came from, which go
	 * away with the last snapshot that maps them.
	 */
	struct string_pool *names;
	struct dso_cache *dsos;
	struct proc_jits *jits;		 /* the perf maps of processes, shared by their snapshots */
	struct debuginfo_finder *finder; /* outlives dsos: their roots come from it */
	/* Addresses of files named so far, by (dso id, vaddr); emptied when full. */
	struct hash_table *addrs;
	struct addr_entry *addr_entries;
	size_t nr_addr_entries, addr_entries_cap;
	struct addr_frame *addr_frames;
	size_t nr_addr_frames, addr_frames_cap;
	/* The demangled form of each interned name, by pool id; NULL: not computed yet. */
	const char **demangled;
	size_t nr_demangled, demangled_cap;
	struct symbolizer_stats stats; /* bad_files is kept by the dso cache */
	/* Our own vDSO, read on the first [vdso] address; NULL after a failure. */
	struct vdso *vdso;
	bool vdso_tried;
	/* The file symbolizer__resolve_elf() names addresses of, kept for the next call. */
	struct dso *elf_dso;
	const char *elf_path; /* interned */
};

static bool addr_entry__eq(const void *ctx, uint32_t value, const void *key)
{
	const struct symbolizer *sym = ctx;
	const struct addr_entry *a = &sym->addr_entries[value], *b = key;

	return a->dso_id == b->dso_id && a->vaddr == b->vaddr;
}

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts)
{
	const char *proc_root = opts && opts->proc_root ? opts->proc_root : "/proc";
	const char *kallsyms = opts && opts->kallsyms ? opts->kallsyms : "/proc/kallsyms";
	struct symbolizer *sym;
	int err = ENOMEM;

	sym = calloc(1, sizeof(*sym));
	if (!sym)
		return NULL;
	sym->proc_root = strdup(proc_root);
	sym->kallsyms_path = strdup(kallsyms);
	if (!sym->proc_root || !sym->kallsyms_path)
		goto out_free;
	sym->names = string_pool__new();
	if (!sym->names)
		goto out_free;
	sym->dsos = dso_cache__new();
	if (sym->dsos && opts && opts->idle_cache_bytes)
		dso_cache__set_idle_limit(sym->dsos, opts->idle_cache_bytes);
	if (sym->dsos && opts && opts->dwarf_budget)
		dso_cache__set_dwarf_budget(sym->dsos, opts->dwarf_budget);
	if (!sym->dsos) {
		err = errno;
		goto out_free;
	}
	sym->finder = debuginfo_finder__new(opts ? opts->debuginfo_path : NULL);
	sym->addrs = hash_table__new(addr_entry__eq, sym);
	sym->jits = proc_jits__new(sym->proc_root, opts && opts->perf_map_memory ?
							   opts->perf_map_memory :
							   PERF_MAP_TOTAL_MEMORY);
	if (!sym->finder || !sym->addrs || !sym->jits)
		goto out_free;
	dso_cache__set_debuginfo(sym->dsos, sym->finder);
	return sym;

out_free:
	symbolizer__free(sym);
	errno = err;
	return NULL;
}

void symbolizer__free(struct symbolizer *sym)
{
	if (!sym)
		return;
	dso__put(sym->elf_dso);
	vdso__free(sym->vdso);
	dso_cache__free(sym->dsos);
	proc_jits__free(sym->jits);
	debuginfo_finder__free(sym->finder);
	hash_table__free(sym->addrs);
	free(sym->addr_entries);
	free(sym->addr_frames);
	free(sym->demangled);
	string_pool__free(sym->names);
	kallsyms__free(sym->kallsyms);
	free(sym->kallsyms_path);
	free(sym->proc_root);
	free(sym);
}

static void symbolizer__proc_env(struct symbolizer *sym, struct proc_maps_env *env)
{
	*env = (struct proc_maps_env){
		.proc_root = sym->proc_root,
		.dsos = sym->dsos,
		.names = sym->names,
		.vanished = &sym->stats.vanished,
		.unverified = &sym->stats.unverified_files,
		.jits = sym->jits,
	};
}

/*
 * A process in another root (a container) sees its files under other paths: debug files
 * beside a binary are looked for in its root, reachable after it exits.
 */
static void symbolizer__set_root(struct symbolizer *sym, int pid, struct proc_maps *maps)
{
	struct debuginfo_root *root = NULL;

	if (debuginfo_finder__process_root(sym->finder, sym->proc_root, pid, &root) || !root)
		return;
	for (size_t i = 0; i < proc_maps__count(maps); i++) {
		const struct proc_map *map = proc_maps__get(maps, i);

		if (map->dso)
			dso__set_root(map->dso, root);
	}
	debuginfo_root__put(root);
}

int symbolizer__snapshot(struct symbolizer *sym, int pid, struct proc_maps **out)
{
	struct proc_maps_env env;
	int err;

	symbolizer__proc_env(sym, &env);
	err = proc_maps__read(&env, pid, out);
	if (!err)
		symbolizer__set_root(sym, pid, *out);
	return err;
}

int symbolizer__snapshot_of(struct symbolizer *sym, int pid, const struct proc_map *maps, size_t n,
			    struct proc_maps **out)
{
	struct proc_maps_env env;
	int err;

	symbolizer__proc_env(sym, &env);
	err = proc_maps__from_mappings(&env, pid, maps, n, out);
	if (!err)
		symbolizer__set_root(sym, pid, *out);
	return err;
}

bool symbolizer__process_exists(const struct symbolizer *sym, int pid)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%d", sym->proc_root, pid);

	if (n < 0 || (size_t)n >= sizeof(path))
		return true;
	return faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

static const char *path__basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * Interns the name @raw as a frame shows it: *@func demangled (or @raw itself), *@mangled
 * @raw when that differs, else NULL. Each name is demangled once.
 */
static int symbolizer__demangle(struct symbolizer *sym, const char *raw, const char **func,
				const char **mangled)
{
	int64_t id = string_pool__intern(sym->names, raw, strlen(raw));
	const char *interned, *readable;
	char *demangled;
	int err;

	if (id < 0)
		return id;
	interned = string_pool__str(sym->names, id);
	if ((size_t)id >= sym->nr_demangled) {
		err = array__reserve(&sym->demangled, &sym->demangled_cap, id + 1,
				     sizeof(*sym->demangled));
		if (err)
			return err;
		memset(sym->demangled + sym->nr_demangled, 0,
		       (id + 1 - sym->nr_demangled) * sizeof(*sym->demangled));
		sym->nr_demangled = id + 1;
	}
	if (!sym->demangled[id]) {
		readable = interned;
		demangled = demangle__name(raw);
		if (demangled) {
			readable = names__intern(sym->names, demangled, strlen(demangled));
			free(demangled);
			if (!readable)
				return -ENOMEM;
		}
		sym->demangled[id] = readable;
	}
	*func = sym->demangled[id];
	*mangled = *func == interned ? NULL : interned;
	return 0;
}

/* Empties the address cache: past its bound, or when it cannot grow. */
static void symbolizer__clear_addrs(struct symbolizer *sym)
{
	struct hash_table *table = hash_table__new(addr_entry__eq, sym);

	if (!table)
		return;
	hash_table__free(sym->addrs);
	sym->addrs = table;
	sym->nr_addr_entries = 0;
	sym->nr_addr_frames = 0;
}

/*
 * The frames of the ELF virtual address @vaddr of @dso, from the cache or named now.
 * Returns 0 and the entry in *@out (borrowed until the next call), or -ENOMEM.
 */
static int symbolizer__lookup(struct symbolizer *sym, struct dso *dso, uint64_t vaddr,
			      const struct addr_entry **out)
{
	struct addr_entry key = { .dso_id = dso__id(dso), .vaddr = vaddr }, *entry;
	uint64_t hash = hash__final(hash__u64(hash__u64(HASH_SEED, key.dso_id), vaddr));
	struct dso_frame frames[MAX_CHAIN];
	int64_t found;
	int n, err;

	found = hash_table__find(sym->addrs, hash, &key);
	if (found >= 0) {
		*out = &sym->addr_entries[found];
		return 0;
	}
	if (sym->nr_addr_entries >= ADDR_CACHE_MAX)
		symbolizer__clear_addrs(sym);
	n = dso__find_frames(dso, vaddr, frames, MAX_CHAIN);
	if (n < 0)
		return n;
	if (array__reserve(&sym->addr_entries, &sym->addr_entries_cap, sym->nr_addr_entries + 1,
			   sizeof(*sym->addr_entries)) ||
	    array__reserve(&sym->addr_frames, &sym->addr_frames_cap, sym->nr_addr_frames + n,
			   sizeof(*sym->addr_frames)))
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct addr_frame *f = &sym->addr_frames[sym->nr_addr_frames + i];

		memset(f, 0, sizeof(*f));
		if (frames[i].name) {
			err = symbolizer__demangle(sym, frames[i].name, &f->func, &f->mangled);
			if (err)
				return err;
		}
		if (frames[i].file) {
			f->file = names__intern(sym->names, frames[i].file, strlen(frames[i].file));
			if (!f->file)
				return -ENOMEM;
		}
		f->line = frames[i].line;
	}
	entry = &sym->addr_entries[sym->nr_addr_entries];
	*entry = key;
	entry->first = sym->nr_addr_frames;
	entry->nr = n;
	err = hash_table__insert(sym->addrs, hash, sym->nr_addr_entries);
	if (err)
		return err;
	sym->nr_addr_entries++;
	sym->nr_addr_frames += n;
	*out = entry;
	return 0;
}

/*
 * Fills @out[0..cap) with the cached chain @entry (NULL: nothing known) of address @addr in
 * the file @module (@dso, NULL when it could not be read), innermost frame first; a frame
 * without a name becomes "BASENAME+0xADDR". Returns the number of frames or -ENOMEM.
 */
static int symbolizer__fill_frames(struct symbolizer *sym, struct dso *dso,
				   const struct addr_entry *entry, uint64_t addr,
				   const char *module, struct sym_frame *out, size_t cap)
{
	size_t n = entry ? (entry->nr < cap ? entry->nr : cap) : 0;
	/* A chain longer than @cap loses its innermost frames: the caller stays connected. */
	size_t skip = entry ? entry->nr - n : 0;
	const char *placeholder = NULL, *build_id = dso ? dso__build_id(dso) : NULL;

	if (build_id) {
		build_id = names__intern(sym->names, build_id, strlen(build_id));
		if (!build_id)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct addr_frame *f = &sym->addr_frames[entry->first + skip + i];

		memset(&out[i], 0, sizeof(out[i]));
		out[i].func = f->func;
		out[i].mangled = f->mangled;
		out[i].file = f->file;
		out[i].line = f->line;
		out[i].named = f->func != NULL;
		out[i].inlined = i + 1 < n;
	}
	if (!n) {
		memset(&out[0], 0, sizeof(out[0]));
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		out[i].addr = addr;
		out[i].module = module;
		out[i].build_id = build_id;
		if (out[i].func)
			continue;
		if (!placeholder)
			placeholder = names__printf(sym->names, "%s+0x%llx", path__basename(module),
						    (unsigned long long)addr);
		if (!placeholder)
			return -ENOMEM;
		out[i].func = placeholder;
	}
	return n;
}

/*
 * A mapped file: the inline chain or symbol at the ELF virtual address, or
 * "BASENAME+0xVADDR". When the offset is in no PT_LOAD segment (or the file is not ELF)
 * the placeholder carries the file offset instead. Fills @out[0..cap) (out[0] is zeroed
 * already); returns the number of frames or -ENOMEM.
 */
static int symbolizer__resolve_file(struct symbolizer *sym, const struct proc_map *map, uint64_t ip,
				    uint64_t lookup, struct sym_frame *out, size_t cap)
{
	uint64_t off = lookup - map->start + map->pgoff, vaddr, addr;
	const struct addr_entry *entry = NULL;
	int err;

	if (map->dso && !dso__vaddr(map->dso, off, &vaddr)) {
		err = symbolizer__lookup(sym, map->dso, vaddr, &entry);
		if (err)
			return err;
		addr = vaddr + (ip - lookup);
	} else {
		addr = off + (ip - lookup);
	}
	return symbolizer__fill_frames(sym, map->dso, entry, addr, map->path, out, cap);
}

/*
 * The vDSO, named from our own copy when the mapping has its size. Returns whether it
 * named @frame.
 */
static bool symbolizer__name_vdso(struct symbolizer *sym, const struct proc_map *map, uint64_t ip,
				  uint64_t lookup, struct sym_frame *frame)
{
	const char *name;

	if (!sym->vdso_tried) {
		sym->vdso_tried = true;
		/* Our own maps, wherever the profiled processes' procfs is. */
		vdso__read_self("/proc/self/maps", &sym->vdso);
	}
	if (!sym->vdso || map->end - map->start != vdso__size(sym->vdso))
		return false;
	name = vdso__find(sym->vdso, lookup - map->start, NULL);
	if (!name)
		return false;
	frame->func = name; /* owned by sym->vdso, which lives as long as @sym */
	frame->module = map->path;
	frame->addr = ip - map->start;
	frame->named = true;
	return true;
}

/* JIT code the process's perf map names; @frame keeps its placeholder otherwise. */
static int symbolizer__name_jit(struct symbolizer *sym, const struct proc_maps *maps, uint64_t ip,
				uint64_t lookup, struct sym_frame *frame)
{
	const char *name = proc_maps__jit_name(maps, lookup);

	if (!name)
		return 0;
	/* The perf map's names move when it is read again: frames need a stable copy. */
	name = names__intern(sym->names, name, strlen(name));
	if (!name)
		return -ENOMEM;
	frame->func = name;
	frame->module = SYMBOLIZER_JIT_MODULE;
	frame->addr = ip;
	frame->named = true;
	frame->jit = true;
	return 0;
}

int symbolizer__resolve_user(struct symbolizer *sym, const struct proc_maps *maps, uint64_t ip,
			     bool return_addr, struct sym_frame *out, size_t cap)
{
	uint64_t lookup = return_addr && ip ? ip - 1 : ip;
	const struct proc_map *map = NULL;
	struct sym_frame *frame = out;
	int err = 0, n = 1;

	if (!out || !cap)
		return -EINVAL;
	memset(frame, 0, sizeof(*frame));
	frame->addr = ip;
	if (maps)
		map = proc_maps__find(maps, lookup);

	switch (map ? map->kind : PROC_MAP_ANON) {
	case PROC_MAP_FILE:
		n = symbolizer__resolve_file(sym, map, ip, lookup, out, cap);
		err = n < 0 ? n : 0;
		break;
	case PROC_MAP_VDSO:
	case PROC_MAP_VSYSCALL:
		if (map->kind == PROC_MAP_VDSO &&
		    symbolizer__name_vdso(sym, map, ip, lookup, frame))
			break;
		/* Not a file we can open; naming it needs a copy of the process's memory. */
		frame->addr = ip - map->start;
		frame->module = map->path;
		frame->func = names__printf(sym->names, "%s+0x%llx", map->path,
					    (unsigned long long)frame->addr);
		err = frame->func ? 0 : -ENOMEM;
		break;
	default:
		/* Anonymous memory (JIT code without a perf map), heap, stack, or nothing. */
		frame->func = "[unknown]";
		break;
	}
	/* Code a runtime generated: anonymous memory, or memory mapped after the snapshot. */
	if (!err && n == 1 && !frame->named && maps &&
	    (!map || (map->kind != PROC_MAP_VDSO && map->kind != PROC_MAP_VSYSCALL)))
		err = symbolizer__name_jit(sym, maps, ip, lookup, frame);
	if (err)
		return err;
	if (!frame->named)
		sym->stats.unnamed_user++;
	return n;
}

static void symbolizer__load_kallsyms(struct symbolizer *sym)
{
	struct timespec t0, t1;
	int err;

	sym->kallsyms_tried = true;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = kallsyms__load(sym->kallsyms_path, &sym->kallsyms);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err == -EACCES) {
		pr_warn("kernel symbol addresses in %s are all zero (kernel.kptr_restrict): "
			"kernel frames stay unnamed; run as root or set kernel.kptr_restrict=0\n",
			sym->kallsyms_path);
	} else if (err) {
		pr_warn("cannot read kernel symbols from %s: %s; kernel frames stay unnamed\n",
			sym->kallsyms_path, strerror(-err));
	} else {
		pr_debug("%zu kernel symbols from %s in %.1f ms\n", kallsyms__count(sym->kallsyms),
			 sym->kallsyms_path,
			 (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
}

int symbolizer__resolve_kernel(struct symbolizer *sym, uint64_t ip, bool return_addr,
			       struct sym_frame *out, size_t cap)
{
	uint64_t lookup = return_addr && ip ? ip - 1 : ip;
	const char *name, *module;

	if (!out || !cap)
		return -EINVAL;
	if (!sym->kallsyms_tried)
		symbolizer__load_kallsyms(sym);
	memset(out, 0, sizeof(*out));
	out->addr = ip;
	if (sym->kallsyms && !kallsyms__find(sym->kallsyms, lookup, &name, &module, NULL)) {
		out->func = name;
		out->module = module;
		out->named = true;
		return 1;
	}
	out->func = names__printf(sym->names, "0x%llx", (unsigned long long)ip);
	if (!out->func)
		return -ENOMEM;
	out->module = KALLSYMS_KERNEL_MODULE;
	sym->stats.unnamed_kernel++;
	return 1;
}

/* Makes @path the file symbolizer__resolve_elf() names. Returns 0 or -errno. */
static int symbolizer__open_elf(struct symbolizer *sym, const char *path)
{
	const char *interned;
	struct dso *dso;
	struct stat st;
	int fd, err;

	interned = names__intern(sym->names, path, strlen(path));
	if (!interned)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = fstat(fd, &st) ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : 0;
	if (err) {
		close(fd);
		return err;
	}
	/* The file's own (dev, inode) stands in for the maps key: the cache finds it again. */
	err = dso_cache__open(sym->dsos, st.st_dev, st.st_ino, fd, path, &dso);
	if (err)
		return err;
	dso__put(sym->elf_dso);
	sym->elf_dso = dso;
	sym->elf_path = interned;
	return 0;
}

int symbolizer__resolve_elf(struct symbolizer *sym, const char *path, uint64_t vaddr,
			    bool return_addr, struct sym_frame *out, size_t cap)
{
	uint64_t lookup = return_addr && vaddr ? vaddr - 1 : vaddr;
	const struct addr_entry *entry;
	int n, err;

	if (!out || !cap)
		return -EINVAL;
	if (!sym->elf_dso || strcmp(sym->elf_path, path)) {
		err = symbolizer__open_elf(sym, path);
		if (err)
			return err;
	}
	/* The same cached chains as addresses of mapped files. */
	err = symbolizer__lookup(sym, sym->elf_dso, lookup, &entry);
	if (err)
		return err;
	n = symbolizer__fill_frames(sym, sym->elf_dso, entry, vaddr, sym->elf_path, out, cap);
	if (n > 0 && !out[0].named)
		sym->stats.unnamed_user++;
	return n;
}

void symbolizer__stats(const struct symbolizer *sym, struct symbolizer_stats *stats)
{
	const struct perf_map_totals *perf_maps;
	struct dso_dwarf_stats dwarf;

	*stats = sym->stats;
	dso_cache__dwarf_stats(sym->dsos, &dwarf);
	stats->dwarf_bytes = dwarf.bytes;
	stats->dwarf_peak_bytes = dwarf.peak_bytes;
	stats->dwarf_dropped = dwarf.dropped;
	stats->dwarf_reread = dwarf.reread;
	stats->bad_files = dso_cache__bad_files(sym->dsos);
	stats->bad_debuginfo = dso_cache__bad_debuginfo(sym->dsos);
	stats->files = dso_cache__count(sym->dsos);
	dso_cache__idle(sym->dsos, &stats->idle_files, &stats->idle_file_bytes);
	stats->addr_entries = sym->nr_addr_entries;
	stats->addr_bytes = sym->addr_entries_cap * sizeof(*sym->addr_entries) +
			    sym->addr_frames_cap * sizeof(*sym->addr_frames) +
			    hash_table__footprint(sym->addrs);
	stats->names = string_pool__count(sym->names);
	stats->name_bytes = string_pool__footprint(sym->names);
	perf_maps = proc_jits__totals(sym->jits);
	stats->bad_perf_map_lines = perf_maps->bad_lines;
	stats->dropped_perf_map_lines = perf_maps->dropped;
	stats->truncated_perf_maps = perf_maps->truncated;
}
