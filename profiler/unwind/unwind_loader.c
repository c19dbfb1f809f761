// SPDX-License-Identifier: GPL-2.0-only
#include "unwind_loader.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "array.h"
#include "clock.h"
#include "deferred_walk.h"
#include "extent_allocator.h"
#include "log.h"
#include "proc_maps.h"
#include "unwind_binary.h"
#include "unwind_table.h"

#define ROW_BATCH 65536 /* rows written to the kernel at a time */
/*
 * Entries no process maps, kept at most (those with a table are bounded by the table ids too):
 * a host that builds and runs new binaries all day (tests, CI) meets new files without end.
 */
#define IDLE_MAX 1024u
/*
 * Walks in user space (deferred samples) find rows in the kernel's array, not in a copy: a
 * copy of every table would double the rows' memory. Each table keeps the pc of every
 * BLOCK_ROWS-th row (1.9 KiB for a compiler's 480,000 rows), and the loader the BLOCKS_CACHED
 * blocks read last (2 KiB each, direct-mapped): a frame costs at most one system call, not
 * the twenty of a binary search in the kernel's map, nor the copy of a whole table.
 */
#define BLOCK_ROWS 256u
#define BLOCKS_CACHED 64u

/* Rows BLOCK_ROWS * block on of table table_id, as read from the kernel. */
struct row_block {
	uint32_t table_id; /* PROF_NO_TABLE: none yet */
	uint32_t block;
	uint32_t nr_rows;
	struct prof_unwind_row rows[BLOCK_ROWS];
};

/*
 * A binary the walker may need: its table in the kernel, or the fact that it has none.
 * Entries keep their index while used (processes hold indexes). One that no process maps
 * stays until its rows or its id are wanted for another, the idle longest first (at most
 * IDLE_MAX of them): hosts run the same short programs again and again, and the rows of the
 * kernel's array cost the same memory used or not, so reading a table again would be waste.
 */
struct loaded_table {
	bool in_use;		/* false: a free entry */
	uint32_t users;		/* processes mapping it */
	uint64_t idle_since_ns; /* when its last user went */
	uint64_t dev;		/* the file it was first read from, as /proc/PID/maps says */
	uint64_t ino;
	bool vdso;
	char build_id[UNWIND_BINARY_ID_MAX]; /* "" without one */
	struct elf_segment segments[UNWIND_BINARY_MAX_SEGMENTS];
	size_t nr_segments;
	uint32_t id; /* index in unwind_tables; PROF_NO_TABLE when it has none */
	uint32_t first_row;
	uint32_t nr_rows;
	uint64_t base;	     /* the table's (struct prof_unwind_table) */
	uint32_t *block_pcs; /* its blocks' first pcs; NULL without memory for them */
};

/* A mapping of the walk in progress: the table its rows are found in. */
struct walk_table {
	struct unwind_loader *loader;
	long index; /* in tables, -1 for none */
};

/* What a process was given, to release when it is read again or forgotten. */
struct loaded_proc {
	uint32_t tgid;
	uint32_t ntables;
	uint32_t *tables; /* indexes in loader->tables, one per use */
};

struct unwind_loader {
	struct unwind_maps maps;
	char *cache_dir;
	struct extent_allocator *rows;
	uint32_t *free_ids; /* table ids not in use */
	uint32_t nfree_ids;
	struct loaded_table *tables;
	size_t ntables, tables_cap;
	size_t nidle; /* entries in use without users */
	struct loaded_proc *procs;
	size_t nprocs, procs_cap;
	struct prof_unwind_proc *scratch; /* the value being written */
	bool warned_budget;
	struct row_block *blocks; /* BLOCKS_CACHED, by (table id + block) % BLOCKS_CACHED */
	struct deferred_mapping *walk_maps; /* PROF_UNWIND_MAX_MAPPINGS, for unwind_loader__walk */
	struct walk_table *walk_tables;	    /* theirs */
	struct unwind_loader_stats stats;
};

struct unwind_loader *unwind_loader__new(const struct unwind_maps *maps, const char *cache_dir)
{
	struct unwind_loader *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->maps = *maps;
	l->stats.max_rows = maps->max_rows;
	l->rows = extent_allocator__new(maps->max_rows);
	l->free_ids = calloc(maps->max_tables, sizeof(*l->free_ids));
	l->scratch = calloc(1, sizeof(*l->scratch));
	l->walk_maps = calloc(PROF_UNWIND_MAX_MAPPINGS, sizeof(*l->walk_maps));
	l->walk_tables = calloc(PROF_UNWIND_MAX_MAPPINGS, sizeof(*l->walk_tables));
	l->blocks = malloc(BLOCKS_CACHED * sizeof(*l->blocks));
	for (uint32_t i = 0; l->blocks && i < BLOCKS_CACHED; i++)
		l->blocks[i].table_id = PROF_NO_TABLE;
	l->cache_dir = cache_dir ? strdup(cache_dir) : NULL;
	if (!l->rows || !l->free_ids || !l->scratch || !l->walk_maps || !l->walk_tables ||
	    !l->blocks || (cache_dir && !l->cache_dir)) {
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
	for (size_t i = 0; i < l->ntables; i++)
		free(l->tables[i].block_pcs);
	free(l->blocks);
	free(l->tables);
	free(l->walk_maps);
	free(l->walk_tables);
	free(l->scratch);
	free(l->free_ids);
	extent_allocator__free(l->rows);
	free(l->cache_dir);
	free(l);
}

/* Reads the table of @bin from the disk cache, else builds it (and caches it). */
static int get_table(struct unwind_loader *l, struct unwind_binary *bin, const char *path,
		     struct unwind_table **out)
{
	bool cache = l->cache_dir && bin->build_id[0] && bin->fd >= 0;
	uint64_t start = monotonic_ns();
	int err = 0;

	if (cache && !unwind_cache__load(l->cache_dir, bin->build_id, out)) {
		l->stats.from_cache++;
		goto out;
	}
	err = unwind_table__build(elf_image__elf(bin->image), NULL, out);
	if (err)
		goto out;
	l->stats.built++;
	if (cache) {
		int cerr = unwind_cache__store(l->cache_dir, bin->build_id, *out);

		if (cerr)
			pr_debug("cannot cache the unwind table of %s in %s: %s\n", path,
				 l->cache_dir, strerror(-cerr));
	}
out:
	l->stats.build_ns += monotonic_ns() - start;
	return err;
}

/* Makes the walker forget the rows it cached: mappings or tables changed. */
static void bump_generation(struct unwind_loader *l)
{
	__atomic_add_fetch(l->maps.generation, 1, __ATOMIC_SEQ_CST);
}

static void unload_table(struct unwind_loader *l, struct loaded_table *lt)
{
	struct prof_unwind_table empty = { 0 };

	free(lt->block_pcs);
	lt->block_pcs = NULL;
	if (lt->id == PROF_NO_TABLE)
		return;
	for (uint32_t i = 0; i < BLOCKS_CACHED; i++)
		if (l->blocks[i].table_id == lt->id)
			l->blocks[i].table_id = PROF_NO_TABLE;
	bpf_map_update_elem(l->maps.tables_fd, &lt->id, &empty, BPF_ANY);
	extent_allocator__free_range(l->rows, lt->first_row, lt->nr_rows);
	l->free_ids[l->nfree_ids++] = lt->id;
	bump_generation(l);
	l->stats.tables--;
	l->stats.rows -= lt->nr_rows;
	lt->id = PROF_NO_TABLE;
}

/*
 * Unloads and forgets the entry idle longest; with @with_table, of those holding a table.
 * Returns false when there is none.
 */
static bool expire_oldest_idle(struct unwind_loader *l, bool with_table)
{
	struct loaded_table *oldest = NULL;

	for (size_t i = 0; i < l->ntables; i++) {
		struct loaded_table *lt = &l->tables[i];

		if (!lt->in_use || lt->users || (with_table && lt->id == PROF_NO_TABLE))
			continue;
		if (!oldest || lt->idle_since_ns < oldest->idle_since_ns)
			oldest = lt;
	}
	if (!oldest)
		return false;
	unload_table(l, oldest);
	oldest->in_use = false;
	l->nidle--;
	return true;
}

/*
 * Writes @rows[0..n) to unwind_rows from index @first, in batches. (The array is not
 * mapped into our memory: a mapping would count the whole budget in our RSS.)
 */
static int write_rows(struct unwind_loader *l, uint32_t first, const struct prof_unwind_row *rows,
		      uint32_t n)
{
	uint32_t *keys = malloc(ROW_BATCH * sizeof(*keys));
	int err = keys ? 0 : -ENOMEM;

	for (uint32_t done = 0; !err && done < n;) {
		__u32 count = n - done < ROW_BATCH ? n - done : ROW_BATCH;

		for (uint32_t i = 0; i < count; i++)
			keys[i] = first + done + i;
		err = bpf_map_update_batch(l->maps.rows_fd, keys, rows + done, &count, NULL);
		done += count;
	}
	free(keys);
	return err;
}

/*
 * For walks in user space: the first pc of each block of the rows of @t, as it is loaded.
 * Without memory for it the kernel's rows are searched a row at a time.
 */
static void index_blocks(struct loaded_table *lt, const struct unwind_table *t)
{
	uint32_t n = (t->nr_rows + BLOCK_ROWS - 1) / BLOCK_ROWS;

	lt->block_pcs = malloc(n * sizeof(*lt->block_pcs));
	for (uint32_t i = 0; lt->block_pcs && i < n; i++)
		lt->block_pcs[i] = t->rows[i * BLOCK_ROWS].pc;
}

/* Copies @t into the kernel: rows, then the table entry. Returns 0 or -errno. */
static int load_table(struct unwind_loader *l, struct loaded_table *lt,
		      const struct unwind_table *t, const char *path)
{
	struct prof_unwind_table value;
	int64_t first;
	int err;

	if (!t->nr_rows)
		return -ENOSPC;
	/* Idle tables make room for one in use, the idle longest first. */
	while (!l->nfree_ids)
		if (!expire_oldest_idle(l, true))
			return -ENOSPC;
	first = extent_allocator__alloc(l->rows, t->nr_rows);
	while (first < 0 && expire_oldest_idle(l, true))
		first = extent_allocator__alloc(l->rows, t->nr_rows);
	if (first < 0) {
		l->stats.over_budget++;
		if (!l->warned_budget)
			pr_warn("unwind tables fill their budget (%u rows); stacks through %s and "
				"other binaries left out follow frame pointers only "
				"(raise --unwind-table-size)\n",
				l->maps.max_rows, path);
		l->warned_budget = true;
		return -ENOSPC;
	}
	err = write_rows(l, first, t->rows, t->nr_rows);
	if (err) {
		extent_allocator__free_range(l->rows, first, t->nr_rows);
		return err;
	}
	lt->id = l->free_ids[--l->nfree_ids];
	lt->first_row = first;
	lt->nr_rows = t->nr_rows;
	lt->base = t->base;
	index_blocks(lt, t);
	value = (struct prof_unwind_table){ .base = t->base,
					    .first_row = first,
					    .nr_rows = t->nr_rows };
	/* After the rows: a walker that finds the table finds its rows. */
	if (bpf_map_update_elem(l->maps.tables_fd, &lt->id, &value, BPF_ANY)) {
		err = -errno;
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

/*
 * A used entry naming the binary @map maps: with @build_id, the entry of that build id;
 * without, the entry read from the same file (or the vDSO's).
 */
static long find_table(struct unwind_loader *l, const struct proc_map *map, const char *build_id)
{
	bool vdso = map->kind == PROC_MAP_VDSO;

	for (size_t i = 0; i < l->ntables; i++) {
		const struct loaded_table *lt = &l->tables[i];

		if (!lt->in_use || lt->vdso != vdso)
			continue;
		if (vdso || (build_id ? build_id[0] && !strcmp(lt->build_id, build_id) :
					lt->dev == map->dev && lt->ino == map->ino))
			return i;
	}
	return -1;
}

/* A free entry of l->tables, or -ENOMEM. */
static long new_table_entry(struct unwind_loader *l)
{
	for (size_t i = 0; i < l->ntables; i++)
		if (!l->tables[i].in_use)
			return i;
	if (array__reserve(&l->tables, &l->tables_cap, l->ntables + 1, sizeof(*l->tables)))
		return -ENOMEM;
	return l->ntables++;
}

/* Reads the binary @bin and loads its table into the free entry @index. */
static void add_table(struct unwind_loader *l, long index, const struct proc_map *map,
		      struct unwind_binary *bin)
{
	struct loaded_table *lt = &l->tables[index];
	struct unwind_table *t = NULL;
	int err;

	*lt = (struct loaded_table){ .in_use = true,
				     .users = 1,
				     .dev = map->dev,
				     .ino = map->ino,
				     .vdso = map->kind == PROC_MAP_VDSO,
				     .nr_segments = bin->nr_segments,
				     .id = PROF_NO_TABLE };
	memcpy(lt->build_id, bin->build_id, sizeof(lt->build_id));
	memcpy(lt->segments, bin->segments, sizeof(lt->segments));
	err = get_table(l, bin, map->path, &t);
	if (err) {
		pr_debug("no unwind table for %s: %s\n", map->path, strerror(-err));
		l->stats.without_table++;
	} else if (load_table(l, lt, t, map->path)) {
		pr_debug("unwind table of %s not loaded\n", map->path);
	}
	unwind_table__free(t);
}

/* One more use of table @index, which stops being idle if it was. */
static void hold_table(struct unwind_loader *l, uint32_t index)
{
	if (!l->tables[index].users++)
		l->nidle--;
}

/*
 * The index in l->tables of the binary @map maps, read and loaded on first use, with one
 * more user; the mapping's bias into *@bias. Returns the index or -errno: -ENOENT for code
 * in no file (JIT code: frame pointers).
 */
static long use_table(struct unwind_loader *l, uint32_t tgid, const struct proc_map *map,
		      uint64_t *bias)
{
	struct unwind_binary bin;
	struct loaded_table *lt;
	long index;
	int err;

	if (map->kind != PROC_MAP_FILE && map->kind != PROC_MAP_VDSO)
		return -ENOENT;
	/* A file known already needs no open(): the common case, libc in every process. */
	index = find_table(l, map, NULL);
	if (index < 0) {
		err = map->kind == PROC_MAP_VDSO ? unwind_binary__open_vdso(&bin) :
						   unwind_binary__open(tgid, map, &bin);
		if (err)
			return err;
		/* A copy of a binary known already (another container's) shares its table. */
		index = find_table(l, map, bin.build_id);
		if (index < 0) {
			index = new_table_entry(l);
			if (index >= 0)
				add_table(l, index, map, &bin); /* with its first user */
		} else {
			hold_table(l, index);
		}
		unwind_binary__close(&bin);
		if (index < 0)
			return index;
	} else {
		hold_table(l, index);
	}
	lt = &l->tables[index];
	if (elf_segments__bias(lt->segments, lt->nr_segments, map->start, lt->vdso ? 0 : map->pgoff,
			       bias))
		*bias = map->start;
	return index;
}

/* Drops one use of table @index; without users it becomes idle. */
static void put_table(struct unwind_loader *l, uint32_t index)
{
	struct loaded_table *lt = &l->tables[index];

	if (--lt->users)
		return;
	lt->idle_since_ns = monotonic_ns();
	if (++l->nidle > IDLE_MAX)
		expire_oldest_idle(l, false);
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

int unwind_loader__add_process(struct unwind_loader *l, uint32_t tgid, const struct proc_maps *maps)
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
		uint64_t bias;
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
		index = use_table(l, tgid, map, &bias);
		if (index < 0)
			continue;
		m->bias = bias;
		fresh.tables[fresh.ntables++] = index;
		m->table_id = l->tables[index].id;
	}
	if (bpf_map_update_elem(l->maps.procs_fd, &tgid, value, BPF_ANY))
		err = -errno;
	bump_generation(l);

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
	bump_generation(l);
	release_proc(l, p);
	*p = l->procs[--l->nprocs];
	l->stats.processes = l->nprocs;
}

void unwind_loader__stats(const struct unwind_loader *l, struct unwind_loader_stats *stats)
{
	*stats = l->stats;
}

/*
 * Reads @n rows of @lt from its row @from into @out: in one batch, or a row at a time
 * (kernels before 5.6). Returns 0 or -1.
 */
static int read_rows(const struct unwind_loader *l, const struct loaded_table *lt, uint32_t from,
		     uint32_t n, struct prof_unwind_row *out)
{
	__u32 keys[BLOCK_ROWS], count = n, prev = lt->first_row + from - 1;

	if (n <= BLOCK_ROWS &&
	    !bpf_map_lookup_batch(l->maps.rows_fd, lt->first_row + from ? &prev : NULL, &prev, keys,
				  out, &count, NULL) &&
	    count == n && keys[0] == lt->first_row + from)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		__u32 key = lt->first_row + from + i;

		if (bpf_map_lookup_elem(l->maps.rows_fd, &key, &out[i]))
			return -1;
	}
	return 0;
}

/* The block of @lt's rows that holds the last row at or below @rel, read or cached; or NULL. */
static const struct row_block *block_of(struct unwind_loader *l, const struct loaded_table *lt,
					uint32_t rel)
{
	uint32_t lo = 0, hi = (lt->nr_rows + BLOCK_ROWS - 1) / BLOCK_ROWS, block;
	struct row_block *b;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (lt->block_pcs[mid] <= rel)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	block = lo - 1;
	b = &l->blocks[(lt->id + block) % BLOCKS_CACHED];
	if (b->table_id == lt->id && b->block == block)
		return b;
	b->nr_rows = lt->nr_rows - block * BLOCK_ROWS < BLOCK_ROWS ?
			     lt->nr_rows - block * BLOCK_ROWS :
			     BLOCK_ROWS;
	b->table_id = PROF_NO_TABLE;
	if (read_rows(l, lt, block * BLOCK_ROWS, b->nr_rows, b->rows))
		return NULL;
	b->table_id = lt->id;
	b->block = block;
	return b;
}

/* The last row at or below @rel in the kernel's rows of @lt, a row at a time. */
static int kernel_row_search(const struct unwind_loader *l, const struct loaded_table *lt,
			     uint32_t rel, struct prof_unwind_row *row)
{
	uint32_t lo = 0, hi = lt->nr_rows, key;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		key = lt->first_row + mid;
		if (bpf_map_lookup_elem(l->maps.rows_fd, &key, row))
			return 0;
		if (row->pc <= rel)
			lo = mid + 1;
		else
			hi = mid;
	}
	key = lt->first_row + lo - 1;
	return lo && !bpf_map_lookup_elem(l->maps.rows_fd, &key, row);
}

/* The last row at or below @rel in the kernel's rows of @lt: by block, else a row at a time. */
static int kernel_row(struct unwind_loader *l, const struct loaded_table *lt, uint32_t rel,
		      struct prof_unwind_row *row)
{
	const struct prof_unwind_row *found;
	const struct row_block *b;

	if (!lt->block_pcs)
		return kernel_row_search(l, lt, rel, row);
	b = block_of(l, lt, rel);
	found = b ? deferred_walk__find_row(b->rows, b->nr_rows, 0, rel) : NULL;
	if (found)
		*row = *found;
	return found != NULL;
}

/* deferred_find_row_fn: through the kernel's rows. */
static int walk_table__find_row(void *ctx, uint64_t vaddr, struct prof_unwind_row *row)
{
	const struct walk_table *wt = ctx;
	const struct loaded_table *lt = &wt->loader->tables[wt->index];

	if (!lt->nr_rows || vaddr < lt->base || vaddr - lt->base > UINT32_MAX)
		return 0;
	return kernel_row(wt->loader, lt, (uint32_t)(vaddr - lt->base), row);
}

void unwind_loader__walk(struct unwind_loader *l, uint32_t tgid, const struct proc_maps *maps,
			 const struct captured_stack *cs, struct prof_user_stack *out)
{
	size_t n = maps ? proc_maps__count(maps) : 0, nmaps = 0;

	for (size_t i = 0; i < n && nmaps < PROF_UNWIND_MAX_MAPPINGS; i++) {
		const struct proc_map *map = proc_maps__get(maps, i);
		struct deferred_mapping *m = &l->walk_maps[nmaps];
		struct walk_table *wt = &l->walk_tables[nmaps];
		uint64_t bias = 0;

		if (!walker_wants(map))
			continue;
		*m = (struct deferred_mapping){ .start = map->start, .end = map->end };
		*wt = (struct walk_table){ .loader = l, .index = use_table(l, tgid, map, &bias) };
		nmaps++;
		if (wt->index < 0 || l->tables[wt->index].id == PROF_NO_TABLE)
			continue;
		m->bias = bias;
		m->base = l->tables[wt->index].base;
		m->find_row = walk_table__find_row;
		m->ctx = wt;
	}
	deferred_walk(l->walk_maps, nmaps, cs, out);
	/* Tables loaded for this walk stay, idle, for the next sample of the binary. */
	for (size_t i = 0; i < nmaps; i++) {
		if (l->walk_tables[i].index >= 0)
			put_table(l, l->walk_tables[i].index);
	}
}
