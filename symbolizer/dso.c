// SPDX-License-Identifier: GPL-2.0-only
#include "dso.h"

#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_symbols.h"
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

enum dso_state {
	DSO_OPEN,   /* fd held, nothing read yet */
	DSO_LOADED, /* segments and symbols read, fd closed */
	DSO_BAD,    /* could not be opened or parsed; names nothing */
};

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

struct dso_segment {
	uint64_t offset; /* p_offset */
	uint64_t filesz; /* p_filesz */
	uint64_t vaddr;	 /* p_vaddr */
};

struct dso {
	struct dso_cache *cache; /* borrowed; outlives every dso */
	unsigned int refcount;	 /* 0: idle, on the cache's idle list */
	struct dso *idle_prev;	 /* towards the most recently idle */
	struct dso *idle_next;
	size_t bytes; /* memory held once loaded */
	enum dso_state state;
	int fd; /* >= 0 only in DSO_OPEN */
	char *path;
	/* Identity of the opened file; has_stat is false for files that could not be opened. */
	bool has_stat;
	uint64_t st_dev;
	uint64_t st_ino;
	struct timespec mtime;
	off_t size;
	struct dso_alias *aliases;
	struct dso_segment *segments;
	size_t nr_segments;
	struct elf_symbols *symbols;
};

struct dso_cache {
	struct dso_alias **buckets;
	size_t nr_buckets; /* power of two */
	size_t nr_aliases;
	size_t nr_dsos; /* in use and idle */
	struct dso *idle_head; /* most recently idle first */
	struct dso *idle_tail;
	size_t nr_idle;
	size_t idle_bytes;
	size_t nr_fds; /* descriptors held by dsos not read yet */
	uint64_t bad_files;
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
	if (!cache->buckets) {
		free(cache);
		errno = ENOMEM;
		return NULL;
	}
	cache->nr_buckets = DSO_MIN_BUCKETS;
	return cache;
}

void dso_cache__free(struct dso_cache *cache)
{
	if (!cache)
		return;
	while (cache->idle_tail)
		cache__evict_oldest(cache);
	if (cache->nr_dsos)
		pr_debug("dso cache freed with %zu files still referenced\n", cache->nr_dsos);
	free(cache->buckets);
	free(cache);
}

static struct dso_alias **cache__slot(struct dso_cache *cache, enum dso_key_kind kind,
				      uint64_t dev, uint64_t ino)
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
static int cache__index(struct dso_cache *cache, enum dso_key_kind kind, uint64_t dev,
			uint64_t ino, struct dso *dso)
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

static struct dso *dso__new(struct dso_cache *cache, const char *path)
{
	struct dso *dso;

	dso = calloc(1, sizeof(*dso));
	if (!dso)
		return NULL;
	dso->path = strdup(path);
	if (!dso->path) {
		free(dso);
		return NULL;
	}
	dso->cache = cache;
	dso->refcount = 1;
	dso->fd = -1;
	dso->bytes = sizeof(*dso);
	cache->nr_dsos++;
	return dso;
}

static void dso__close(struct dso *dso)
{
	if (dso->fd < 0)
		return;
	close(dso->fd);
	dso->fd = -1;
	dso->cache->nr_fds--;
}

static void dso__mark_bad(struct dso *dso, int err, const char *what)
{
	dso->state = DSO_BAD;
	dso->cache->bad_files++;
	pr_debug("%s %s: %s\n", what, dso->path, strerror(-err));
}

int dso_cache__add_unreadable(struct dso_cache *cache, uint64_t map_dev, uint64_t map_ino,
			      const char *path, int err, struct dso **out)
{
	struct dso *dso;
	int ret;

	dso = dso__new(cache, path);
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

	dso = dso__new(cache, path);
	if (!dso) {
		close(fd);
		return -ENOMEM;
	}
	dso->fd = fd;
	cache->nr_fds++;
	dso->state = DSO_OPEN;
	dso->has_stat = true;
	dso->st_dev = st.st_dev;
	dso->st_ino = st.st_ino;
	dso->mtime = st.st_mtim;
	dso->size = st.st_size;
	err = cache__index(cache, DSO_KEY_FILE, st.st_dev, st.st_ino, dso);
	if (err)
		goto out_put;
	err = cache__index(cache, DSO_KEY_MAPS, map_dev, map_ino, dso);
	if (err)
		goto out_put;
	/* A failure here makes a bad dso, which is what a later lookup would find anyway. */
	if (cache->nr_fds > DSO_MAX_LAZY_FDS)
		dso__load(dso);
	*out = dso;
	return 0;

out_put:
	dso__put(dso);
	return err;
}

uint64_t dso_cache__bad_files(const struct dso_cache *cache)
{
	return cache->bad_files;
}

size_t dso_cache__count(const struct dso_cache *cache)
{
	return cache->nr_dsos;
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
static void dso__destroy(struct dso *dso)
{
	struct dso_cache *cache = dso->cache;

	cache__forget(cache, dso);
	cache->nr_dsos--;
	dso__close(dso);
	elf_symbols__free(dso->symbols);
	free(dso->segments);
	free(dso->path);
	free(dso);
}

static void cache__evict_oldest(struct dso_cache *cache)
{
	struct dso *dso = cache->idle_tail;

	cache__unlink_idle(cache, dso);
	dso__destroy(dso);
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
		dso__destroy(dso);
		return;
	}
	dso->idle_prev = NULL;
	dso->idle_next = cache->idle_head;
	if (cache->idle_head)
		cache->idle_head->idle_prev = dso;
	else
		cache->idle_tail = dso;
	cache->idle_head = dso;
	cache->nr_idle++;
	cache->idle_bytes += dso->bytes;
	while (cache->nr_idle > DSO_IDLE_MAX_FILES || cache->idle_bytes > DSO_IDLE_MAX_BYTES)
		cache__evict_oldest(cache);
}

bool dso__same_file(const struct dso *dso, const struct stat *st)
{
	if (!dso->has_stat)
		return true;
	return dso->mtime.tv_sec == st->st_mtim.tv_sec &&
	       dso->mtime.tv_nsec == st->st_mtim.tv_nsec && dso->size == st->st_size;
}

const char *dso__path(const struct dso *dso)
{
	return dso->path;
}

static int dso__read_segments(struct dso *dso, Elf *elf)
{
	size_t phnum, i, n = 0;
	GElf_Phdr phdr;

	if (elf_getphdrnum(elf, &phnum))
		return -ENOEXEC;
	/* phnum was checked by libelf against the file size, so this is bounded. */
	dso->segments = calloc(phnum ? phnum : 1, sizeof(*dso->segments));
	if (!dso->segments)
		return -ENOMEM;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, i, &phdr) || phdr.p_type != PT_LOAD)
			continue;
		dso->segments[n].offset = phdr.p_offset;
		dso->segments[n].filesz = phdr.p_filesz;
		dso->segments[n].vaddr = phdr.p_vaddr;
		n++;
	}
	dso->nr_segments = n;
	return n ? 0 : -ENOEXEC;
}

int dso__load(struct dso *dso)
{
	GElf_Ehdr ehdr;
	size_t shnum;
	Elf *elf;
	int err;

	if (dso->state == DSO_LOADED)
		return 0;
	if (dso->state == DSO_BAD)
		return -ENOEXEC;

	/*
	 * ELF_C_READ rather than an mmap: a file truncated under us must give read errors,
	 * not SIGBUS. libelf then reads only the headers and the sections asked for.
	 */
	elf = elf_begin(dso->fd, ELF_C_READ, NULL);
	if (!elf) {
		err = -ENOEXEC;
		goto out_bad;
	}
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr) ||
	    (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN)) {
		err = -ENOEXEC;
		goto out_end;
	}
	/*
	 * libelf shows a section header table that lies past the end of the file as no
	 * sections at all; that is a truncated file, not one without symbols.
	 */
	if (ehdr.e_shoff && (elf_getshdrnum(elf, &shnum) || !shnum)) {
		err = -EINVAL;
		goto out_end;
	}
	err = dso__read_segments(dso, elf);
	if (err)
		goto out_end;
	err = elf_symbols__read(elf, &dso->symbols);
	if (err)
		goto out_end;
	elf_end(elf);
	dso__close(dso);
	dso->state = DSO_LOADED;
	dso->bytes = sizeof(*dso) + elf_symbols__size(dso->symbols) +
		     dso->nr_segments * sizeof(*dso->segments);
	return 0;

out_end:
	elf_end(elf);
out_bad:
	dso__close(dso);
	free(dso->segments);
	dso->segments = NULL;
	dso->nr_segments = 0;
	dso__mark_bad(dso, err, "cannot read ELF file");
	return err;
}

int dso__vaddr(struct dso *dso, uint64_t off, uint64_t *vaddr)
{
	size_t i;
	int err;

	err = dso__load(dso);
	if (err)
		return err;
	for (i = 0; i < dso->nr_segments; i++) {
		const struct dso_segment *seg = &dso->segments[i];

		if (off >= seg->offset && off - seg->offset < seg->filesz) {
			*vaddr = off - seg->offset + seg->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

const char *dso__find_symbol(struct dso *dso, uint64_t vaddr, uint64_t *start)
{
	if (dso__load(dso))
		return NULL;
	return elf_symbols__find(dso->symbols, vaddr, start);
}
