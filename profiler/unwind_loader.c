// SPDX-License-Identifier: GPL-2.0-only
#include "unwind_loader.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "array.h"
#include "dso.h"
#include "extent_allocator.h"
#include "log.h"
#include "proc_maps.h"
#include "sampler.h"
#include "unwind_table.h"
#include "vdso.h"

#define VDSO_KEY "[vdso]"
#define KEY_MAX 80

/*
 * A binary the walker may need: its table in the kernel, or the fact that it has none.
 * Entries keep their index while used (processes hold indexes); a free one has no key.
 */
struct loaded_table {
	char key[KEY_MAX];  /* build id in hex, else "DEV:INODE" of the mapped file */
	uint32_t users;	    /* processes mapping it */
	uint32_t id;	    /* index in unwind_tables; PROF_NO_TABLE when it has none */
	uint32_t first_row;
	uint32_t nr_rows;
	uint64_t base;
};

/* What a process was given, to release when it is read again or forgotten. */
struct loaded_proc {
	uint32_t tgid;
	uint32_t ntables;
	uint32_t *tables; /* indexes in loader->tables, one per use */
};

struct unwind_loader {
	struct sampler_unwind_maps maps;
	char *cache_dir;
	struct extent_allocator *rows;
	uint32_t *free_ids; /* table ids not in use */
	uint32_t nfree_ids;
	struct loaded_table *tables;
	size_t ntables, tables_cap;
	struct loaded_proc *procs;
	size_t nprocs, procs_cap;
	struct prof_unwind_proc *scratch; /* the value being written */
	bool warned_budget;
	struct unwind_loader_stats stats;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

struct unwind_loader *unwind_loader__new(const struct sampler_unwind_maps *maps,
					 const char *cache_dir)
{
	struct unwind_loader *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->maps = *maps;
	l->stats.max_rows = maps->max_rows;
	l->rows = extent_allocator__new(maps->max_rows);
	l->free_ids = calloc(maps->max_tables, sizeof(*l->free_ids));
	l->scratch = calloc(1, sizeof(*l->scratch));
	l->cache_dir = cache_dir ? strdup(cache_dir) : NULL;
	if (!l->rows || !l->free_ids || !l->scratch || (cache_dir && !l->cache_dir)) {
		unwind_loader__free(l);
		errno = ENOMEM;
		return NULL;
	}
	/* Handed out from the end: table 0 first. */
	for (uint32_t i = 0; i < maps->max_tables; i++)
		l->free_ids[l->nfree_ids++] = maps->max_tables - 1 - i;
	return l;
}

void unwind_loader__free(struct unwind_loader *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nprocs; i++)
		free(l->procs[i].tables);
	free(l->procs);
	free(l->tables);
	free(l->scratch);
	free(l->free_ids);
	extent_allocator__free(l->rows);
	free(l->cache_dir);
	free(l);
}

/* Builds the table of our own vDSO: every process of this kernel maps the same one. */
static int build_vdso_table(struct unwind_table **out)
{
	const void *image;
	size_t size;
	char *copy;
	Elf *elf;
	int err;

	err = vdso__self_image("/proc/self/maps", &image, &size);
	if (err)
		return err;
	/* libelf may write into what elf_memory() is given; the vDSO is read-only. */
	copy = malloc(size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, image, size);
	elf = elf_memory(copy, size);
	err = elf ? unwind_table__build(elf, NULL, out) : -ENOEXEC;
	elf_end(elf);
	free(copy);
	return err;
}

/* Opens the file mapped at @map in process @tgid, as the process sees it. */
static int open_mapped_file(uint32_t tgid, const struct proc_map *map)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/map_files/%llx-%llx", tgid,
		 (unsigned long long)map->start, (unsigned long long)map->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/%u/root%s", tgid, map->path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

/* Builds (or reads from the cache) the table of the binary @map maps. Returns 0 or -errno. */
static int get_table(struct unwind_loader *l, uint32_t tgid, const struct proc_map *map,
		     const char *build_id, struct unwind_table **out)
{
	uint64_t start = now_ns();
	bool cached = false;
	int fd, err;

	if (map->kind == PROC_MAP_VDSO) {
		err = build_vdso_table(out);
		goto out;
	}
	if (build_id && l->cache_dir && !unwind_cache__load(l->cache_dir, build_id, out)) {
		cached = true;
		err = 0;
		goto out;
	}
	fd = open_mapped_file(tgid, map);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	err = unwind_table__build_fd(fd, out);
	close(fd);
	if (!err && build_id && l->cache_dir) {
		int cerr = unwind_cache__store(l->cache_dir, build_id, *out);

		if (cerr)
			pr_debug("cannot cache the unwind table of %s in %s: %s\n", map->path,
				 l->cache_dir, strerror(-cerr));
	}
out:
	if (!err && cached)
		l->stats.from_cache++;
	else if (!err)
		l->stats.built++;
	l->stats.build_ns += now_ns() - start;
	return err;
}

/* Copies @t into the kernel: rows, then the table entry. Returns 0 or -errno. */
static int load_table(struct unwind_loader *l, struct loaded_table *lt,
		      const struct unwind_table *t, const char *path)
{
	struct prof_unwind_table value;
	int64_t first;

	if (!t->nr_rows || !l->nfree_ids)
		return -ENOSPC;
	first = extent_allocator__alloc(l->rows, t->nr_rows);
	if (first < 0) {
		l->stats.over_budget++;
		if (!l->warned_budget)
			pr_warn("unwind tables fill their budget (%u rows); stacks through %s and "
				"other binaries left out follow frame pointers only "
				"(raise --unwind-table-size)\n", l->maps.max_rows, path);
		l->warned_budget = true;
		return -ENOSPC;
	}
	memcpy(l->maps.rows + first, t->rows, t->nr_rows * sizeof(*t->rows));
	lt->id = l->free_ids[--l->nfree_ids];
	lt->first_row = first;
	lt->nr_rows = t->nr_rows;
	lt->base = t->base;
	value = (struct prof_unwind_table){ .base = t->base, .first_row = first,
					    .nr_rows = t->nr_rows };
	/* A syscall, so the rows written above are visible before the table is. */
	if (bpf_map_update_elem(l->maps.tables_fd, &lt->id, &value, BPF_ANY)) {
		int err = -errno;

		extent_allocator__free_range(l->rows, first, t->nr_rows);
		l->free_ids[l->nfree_ids++] = lt->id;
		lt->id = PROF_NO_TABLE;
		return err;
	}
	l->stats.tables++;
	l->stats.rows += t->nr_rows;
	if (l->stats.rows > l->stats.peak_rows)
		l->stats.peak_rows = l->stats.rows;
	return 0;
}

static void unload_table(struct unwind_loader *l, struct loaded_table *lt)
{
	struct prof_unwind_table empty = { 0 };

	if (lt->id == PROF_NO_TABLE)
		return;
	bpf_map_update_elem(l->maps.tables_fd, &lt->id, &empty, BPF_ANY);
	extent_allocator__free_range(l->rows, lt->first_row, lt->nr_rows);
	l->free_ids[l->nfree_ids++] = lt->id;
	l->stats.tables--;
	l->stats.rows -= lt->nr_rows;
	lt->id = PROF_NO_TABLE;
}

/* The key naming the binary of @map: its build id, else the file's device and inode. */
static void table_key(const struct proc_map *map, const char *build_id, char *key)
{
	if (map->kind == PROC_MAP_VDSO)
		snprintf(key, KEY_MAX, "%s", VDSO_KEY);
	else if (build_id)
		snprintf(key, KEY_MAX, "%s", build_id);
	else
		snprintf(key, KEY_MAX, "%llx:%llx", (unsigned long long)map->dev,
			 (unsigned long long)map->ino);
}

/*
 * The index in l->tables of the binary @map maps, loading it on first use, with one more
 * user. Returns the index or -errno.
 */
static long use_table(struct unwind_loader *l, uint32_t tgid, const struct proc_map *map)
{
	const char *build_id = NULL;
	struct unwind_table *t = NULL;
	struct loaded_table *lt;
	size_t index = l->ntables;
	char key[KEY_MAX];
	int err;

	if (map->dso && !dso__load(map->dso))
		build_id = dso__build_id(map->dso);
	table_key(map, build_id, key);
	for (size_t i = 0; i < l->ntables; i++) {
		if (!strcmp(l->tables[i].key, key)) {
			l->tables[i].users++;
			return i;
		}
		if (!l->tables[i].key[0] && index == l->ntables)
			index = i;
	}
	if (index == l->ntables) {
		if (array__reserve(&l->tables, &l->tables_cap, l->ntables + 1,
				   sizeof(*l->tables)))
			return -ENOMEM;
		l->ntables++;
	}
	lt = &l->tables[index];
	*lt = (struct loaded_table){ .users = 1, .id = PROF_NO_TABLE };
	memcpy(lt->key, key, sizeof(key));
	err = get_table(l, tgid, map, build_id, &t);
	if (err) {
		pr_debug("no unwind table for %s: %s\n", map->path, strerror(-err));
		l->stats.without_table++;
	} else if (load_table(l, lt, t, map->path)) {
		pr_debug("unwind table of %s not loaded\n", map->path);
	}
	unwind_table__free(t);
	return index;
}

/* Drops one use of table @index; unloads and forgets it with its last user. */
static void put_table(struct unwind_loader *l, uint32_t index)
{
	struct loaded_table *lt = &l->tables[index];

	if (--lt->users)
		return;
	unload_table(l, lt);
	lt->key[0] = '\0';
}

static struct loaded_proc *find_proc(struct unwind_loader *l, uint32_t tgid)
{
	for (size_t i = 0; i < l->nprocs; i++)
		if (l->procs[i].tgid == tgid)
			return &l->procs[i];
	return NULL;
}

static void release_proc(struct unwind_loader *l, struct loaded_proc *p)
{
	for (uint32_t i = 0; i < p->ntables; i++)
		put_table(l, p->tables[i]);
	free(p->tables);
	p->tables = NULL;
	p->ntables = 0;
}

/* Whether the walker wants @map: code, whether or not a table describes it. */
static bool walker_wants(const struct proc_map *map)
{
	return map->exec && map->end > map->start;
}

/* The bias that turns @map's ELF virtual addresses into addresses: start - vaddr(pgoff). */
static uint64_t map_bias(const struct proc_map *map)
{
	uint64_t vaddr;

	if (map->kind == PROC_MAP_FILE && map->dso && !dso__vaddr(map->dso, map->pgoff, &vaddr))
		return map->start - vaddr;
	return map->start; /* the vDSO is linked at 0 */
}

int unwind_loader__add_process(struct unwind_loader *l, uint32_t tgid,
			       const struct proc_maps *maps)
{
	struct prof_unwind_proc *value = l->scratch;
	struct loaded_proc fresh = { .tgid = tgid }, *p;
	size_t n = proc_maps__count(maps);
	int err = 0;

	fresh.tables = calloc(n ? n : 1, sizeof(*fresh.tables));
	if (!fresh.tables)
		return -ENOMEM;
	memset(value, 0, sizeof(*value));
	for (size_t i = 0; i < n; i++) {
		const struct proc_map *map = proc_maps__get(maps, i);
		struct prof_unwind_mapping *m;
		long index;

		if (!walker_wants(map))
			continue;
		if (value->nr_mappings == PROF_UNWIND_MAX_MAPPINGS) {
			l->stats.mappings_dropped++;
			continue;
		}
		m = &value->mappings[value->nr_mappings++];
		m->start = map->start;
		m->end = map->end;
		m->table_id = PROF_NO_TABLE;
		if (map->kind != PROC_MAP_FILE && map->kind != PROC_MAP_VDSO)
			continue; /* JIT code and the like: frame pointers */
		index = use_table(l, tgid, map);
		if (index < 0)
			continue;
		fresh.tables[fresh.ntables++] = index;
		m->table_id = l->tables[index].id;
		m->bias = map_bias(map);
	}
	if (bpf_map_update_elem(l->maps.procs_fd, &tgid, value, BPF_ANY))
		err = -errno;

	/* Release what the process had only now, so that tables it still maps stay loaded. */
	p = find_proc(l, tgid);
	if (p) {
		release_proc(l, p);
	} else if (array__reserve(&l->procs, &l->procs_cap, l->nprocs + 1, sizeof(*l->procs))) {
		for (uint32_t i = 0; i < fresh.ntables; i++)
			put_table(l, fresh.tables[i]);
		free(fresh.tables);
		bpf_map_delete_elem(l->maps.procs_fd, &tgid);
		return -ENOMEM;
	} else {
		p = &l->procs[l->nprocs++];
	}
	*p = fresh;
	l->stats.processes = l->nprocs;
	if (err)
		pr_debug("cannot give the walker the mappings of pid %u: %s\n", tgid,
			 strerror(-err));
	return err;
}

void unwind_loader__remove_process(struct unwind_loader *l, uint32_t tgid)
{
	struct loaded_proc *p = find_proc(l, tgid);

	if (!p)
		return;
	bpf_map_delete_elem(l->maps.procs_fd, &tgid);
	release_proc(l, p);
	*p = l->procs[--l->nprocs];
	l->stats.processes = l->nprocs;
}

void unwind_loader__stats(const struct unwind_loader *l, struct unwind_loader_stats *stats)
{
	*stats = l->stats;
}
