// SPDX-License-Identifier: GPL-2.0-only
#include "dso_cache.h"

#include <errno.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dso.h"
#include "dso_image.h"
#include "dso_internal.h"
#include "log.h"

#define DSO_MIN_BUCKETS 64
/*
 * Files no snapshot uses any more are kept a while, least recently used first out, so
 * that short-lived processes of one program do not read it again each time, and a bad
 * file is not counted again. Bounded by count (each may hold a descriptor) and bytes.
 */
#define DSO_IDLE_MAX_FILES 128
#define DSO_IDLE_MAX_BYTES (64 * 1024 * 1024)
/*
 * Files not read yet each hold a descriptor. A whole-host snapshot can map thousands of
 * files, more than RLIMIT_NOFILE allows, so past this many they are read at once instead.
 */
#define DSO_MAX_LAZY_FDS 256

enum dso_key_kind {
	DSO_KEY_MAPS, /* (dev, inode) as printed in /proc/PID/maps */
	DSO_KEY_FILE, /* (st_dev, st_ino) of the opened file; mtime checked on the dso */
};

/* One key under which the cache finds a dso; a dso has one or a few. */
struct dso_alias {
	struct dso_alias *next_in_bucket;
	struct dso_alias *next_of_dso;
	struct dso *dso;
	uint64_t dev;
	uint64_t ino;
	enum dso_key_kind kind;
};

struct dso_cache {
	struct dso_alias **buckets;
	size_t nr_buckets; /* power of two */
	size_t nr_aliases;
	size_t nr_dsos;	       /* in use and idle */
	struct dso *idle_head; /* most recently idle first */
	struct dso *idle_tail;
	size_t nr_idle;
	size_t idle_bytes;
	size_t idle_max_bytes;	  /* DSO_IDLE_MAX_BYTES unless set */
	struct dso_shared shared; /* with its dsos: the images, descriptor and bad file counts */
};

static void cache__evict_oldest(struct dso_cache *cache);

static size_t key__hash(enum dso_key_kind kind, uint64_t dev, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ULL ^ dev * 0xc2b2ae3d27d4eb4fULL ^ kind;

	return h ^ h >> 29;
}

struct dso_cache *dso_cache__new(void)
{
	struct dso_cache *cache;

	/* Harmless to repeat; libelf refuses to work until it was called once. */
	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = ENOTSUP;
		return NULL;
	}
	cache = calloc(1, sizeof(*cache));
	if (!cache)
		return NULL;
	cache->buckets = calloc(DSO_MIN_BUCKETS, sizeof(*cache->buckets));
	cache->shared.images = dso_images__new();
	if (!cache->buckets || !cache->shared.images) {
		dso_images__free(cache->shared.images);
		free(cache->buckets);
		free(cache);
		errno = ENOMEM;
		return NULL;
	}
	cache->nr_buckets = DSO_MIN_BUCKETS;
	cache->idle_max_bytes = DSO_IDLE_MAX_BYTES;
	return cache;
}

void dso_cache__set_idle_limit(struct dso_cache *cache, size_t bytes)
{
	cache->idle_max_bytes = bytes;
	while (cache->idle_bytes > cache->idle_max_bytes)
		cache__evict_oldest(cache);
}

void dso_cache__set_dwarf_limit(struct dso_cache *cache, size_t bytes)
{
	dso_images__set_lines_limit(cache->shared.images, bytes);
}

void dso_cache__set_dwarf_budget(struct dso_cache *cache, size_t bytes)
{
	dso_images__set_dwarf_budget(cache->shared.images, bytes);
}

void dso_cache__dwarf_stats(const struct dso_cache *cache, struct dso_dwarf_stats *stats)
{
	dso_images__dwarf_stats(cache->shared.images, stats);
}

void dso_cache__free(struct dso_cache *cache)
{
	if (!cache)
		return;
	while (cache->idle_tail)
		cache__evict_oldest(cache);
	if (cache->nr_dsos)
		pr_debug("dso cache freed with %zu files still referenced\n", cache->nr_dsos);
	dso_images__free(cache->shared.images);
	free(cache->buckets);
	free(cache);
}

void dso_cache__set_debuginfo(struct dso_cache *cache, struct debuginfo_finder *finder)
{
	dso_images__set_debuginfo(cache->shared.images, finder);
}

static struct dso_alias **cache__slot(struct dso_cache *cache, enum dso_key_kind kind, uint64_t dev,
				      uint64_t ino)
{
	struct dso_alias **slot;

	slot = &cache->buckets[key__hash(kind, dev, ino) & (cache->nr_buckets - 1)];
	for (; *slot; slot = &(*slot)->next_in_bucket) {
		if ((*slot)->kind == kind && (*slot)->dev == dev && (*slot)->ino == ino)
			break;
	}
	return slot;
}

static void cache__grow(struct dso_cache *cache)
{
	size_t nr_buckets = cache->nr_buckets * 2, i;
	struct dso_alias **buckets, *alias, *next;

	/* Growing is an optimisation: without memory the chains just get longer. */
	buckets = calloc(nr_buckets, sizeof(*buckets));
	if (!buckets)
		return;
	for (i = 0; i < cache->nr_buckets; i++) {
		for (alias = cache->buckets[i]; alias; alias = next) {
			size_t b = key__hash(alias->kind, alias->dev, alias->ino);

			b &= nr_buckets - 1;
			next = alias->next_in_bucket;
			alias->next_in_bucket = buckets[b];
			buckets[b] = alias;
		}
	}
	free(cache->buckets);
	cache->buckets = buckets;
	cache->nr_buckets = nr_buckets;
}

static void alias__unlink_from_dso(struct dso_alias *alias)
{
	struct dso_alias **p;

	for (p = &alias->dso->aliases; *p; p = &(*p)->next_of_dso) {
		if (*p == alias) {
			*p = alias->next_of_dso;
			return;
		}
	}
}

/* Makes the key find @dso, taking it over from any older dso that had it. */
static int cache__index(struct dso_cache *cache, enum dso_key_kind kind, uint64_t dev, uint64_t ino,
			struct dso *dso)
{
	struct dso_alias **slot = cache__slot(cache, kind, dev, ino), *alias = *slot;

	if (alias) {
		if (alias->dso == dso)
			return 0;
		alias__unlink_from_dso(alias);
	} else {
		alias = calloc(1, sizeof(*alias));
		if (!alias)
			return -ENOMEM;
		alias->kind = kind;
		alias->dev = dev;
		alias->ino = ino;
		*slot = alias;
		cache->nr_aliases++;
	}
	alias->dso = dso;
	alias->next_of_dso = dso->aliases;
	dso->aliases = alias;
	if (cache->nr_aliases > cache->nr_buckets)
		cache__grow(cache);
	return 0;
}

static void cache__forget(struct dso_cache *cache, struct dso *dso)
{
	struct dso_alias *alias, *next;

	for (alias = dso->aliases; alias; alias = next) {
		struct dso_alias **slot = cache__slot(cache, alias->kind, alias->dev, alias->ino);

		next = alias->next_of_dso;
		if (*slot == alias)
			*slot = alias->next_in_bucket;
		cache->nr_aliases--;
		free(alias);
	}
	dso->aliases = NULL;
}

struct dso *dso_cache__find_mapped(struct dso_cache *cache, uint64_t dev, uint64_t ino)
{
	struct dso_alias *alias = *cache__slot(cache, DSO_KEY_MAPS, dev, ino);

	return alias ? dso__get(alias->dso) : NULL;
}

/* A new dso of @cache with one reference (see dso__new()), or NULL. */
static struct dso *cache__new_dso(struct dso_cache *cache, const char *path, int fd,
				  const struct stat *st)
{
	struct dso *dso = dso__new(&cache->shared, path, fd, st);

	if (!dso)
		return NULL;
	dso->cache = cache;
	dso->refcount = 1;
	cache->nr_dsos++;
	return dso;
}

int dso_cache__add_unreadable(struct dso_cache *cache, uint64_t map_dev, uint64_t map_ino,
			      const char *path, int err, struct dso **out)
{
	struct dso *dso;
	int ret;

	dso = cache__new_dso(cache, path, -1, NULL);
	if (!dso)
		return -ENOMEM;
	dso__mark_bad(dso, err, "cannot open");
	ret = cache__index(cache, DSO_KEY_MAPS, map_dev, map_ino, dso);
	if (ret) {
		dso__put(dso);
		return ret;
	}
	*out = dso;
	return 0;
}

int dso_cache__open(struct dso_cache *cache, uint64_t map_dev, uint64_t map_ino, int fd,
		    const char *path, struct dso **out)
{
	struct dso_alias *alias;
	struct dso *dso;
	struct stat st;
	int err;

	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return dso_cache__add_unreadable(cache, map_dev, map_ino, path, err, out);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return dso_cache__add_unreadable(cache, map_dev, map_ino, path, -EINVAL, out);
	}

	alias = *cache__slot(cache, DSO_KEY_FILE, st.st_dev, st.st_ino);
	if (alias && dso__same_file(alias->dso, &st)) {
		/* Known through another view of the same file: remember this view too. */
		close(fd);
		dso = dso__get(alias->dso);
		err = cache__index(cache, DSO_KEY_MAPS, map_dev, map_ino, dso);
		if (err)
			goto out_put;
		*out = dso;
		return 0;
	}

	dso = cache__new_dso(cache, path, fd, &st);
	if (!dso) {
		close(fd);
		return -ENOMEM;
	}
	err = cache__index(cache, DSO_KEY_FILE, st.st_dev, st.st_ino, dso);
	if (err)
		goto out_put;
	err = cache__index(cache, DSO_KEY_MAPS, map_dev, map_ino, dso);
	if (err)
		goto out_put;
	/* A failure here makes a bad dso, which is what a later lookup would find anyway. */
	if (cache->shared.open_fds > DSO_MAX_LAZY_FDS)
		dso__load(dso);
	*out = dso;
	return 0;

out_put:
	dso__put(dso);
	return err;
}

uint64_t dso_cache__bad_files(const struct dso_cache *cache)
{
	return cache->shared.bad_files;
}

uint64_t dso_cache__bad_debuginfo(const struct dso_cache *cache)
{
	return dso_images__bad_debuginfo(cache->shared.images);
}

size_t dso_cache__count(const struct dso_cache *cache)
{
	return cache->nr_dsos;
}

void dso_cache__idle(const struct dso_cache *cache, size_t *count, size_t *bytes)
{
	*count = cache->nr_idle;
	*bytes = cache->idle_bytes;
}

static void cache__unlink_idle(struct dso_cache *cache, struct dso *dso)
{
	if (dso->idle_prev)
		dso->idle_prev->idle_next = dso->idle_next;
	else
		cache->idle_head = dso->idle_next;
	if (dso->idle_next)
		dso->idle_next->idle_prev = dso->idle_prev;
	else
		cache->idle_tail = dso->idle_prev;
	dso->idle_prev = dso->idle_next = NULL;
	cache->nr_idle--;
	cache->idle_bytes -= dso->bytes;
}

/* Frees @dso, which is on no idle list. */
static void cache__destroy(struct dso_cache *cache, struct dso *dso)
{
	cache__forget(cache, dso);
	cache->nr_dsos--;
	dso__free(dso);
}

static void cache__evict_oldest(struct dso_cache *cache)
{
	struct dso *dso = cache->idle_tail;

	cache__unlink_idle(cache, dso);
	cache__destroy(cache, dso);
}

struct dso *dso__get(struct dso *dso)
{
	if (!dso->refcount++)
		cache__unlink_idle(dso->cache, dso);
	return dso;
}

void dso__put(struct dso *dso)
{
	struct dso_cache *cache;

	if (!dso || --dso->refcount)
		return;
	cache = dso->cache;
	/* A dso whose keys were all taken over by a newer one can never be found again. */
	if (!dso->aliases) {
		cache__destroy(cache, dso);
		return;
	}
	/* What it holds now, DWARF read since it was loaded included; fixed while idle. */
	dso->bytes = dso__bytes(dso);
	dso->idle_prev = NULL;
	dso->idle_next = cache->idle_head;
	if (cache->idle_head)
		cache->idle_head->idle_prev = dso;
	else
		cache->idle_tail = dso;
	cache->idle_head = dso;
	cache->nr_idle++;
	cache->idle_bytes += dso->bytes;
	while (cache->nr_idle > DSO_IDLE_MAX_FILES || cache->idle_bytes > cache->idle_max_bytes)
		cache__evict_oldest(cache);
}
