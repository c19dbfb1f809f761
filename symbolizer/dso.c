// SPDX-License-Identifier: GPL-2.0-only
#include "dso.h"

#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo.h"
#include "dwarf_lines.h"
#include "elf_image.h"
#include "elf_symbols.h"
#include "hash_table.h"
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
/* Images with a build id, found by it; the chains stay short with the idle bound above. */
#define DSO_IMAGE_BUCKETS 1024
/* MiniDebugInfo is a few hundred KiB compressed, a few MiB decompressed. */
#define DSO_MINIDEBUG_MAX_IN (64u << 20)
#define DSO_MINIDEBUG_MAX_OUT (512u << 20)

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

/*
 * What is read from one binary and its debug files: shared by the dsos with its build id
 * (a file without one has its own), freed with the last of them.
 */
struct dso_image {
	struct dso_image *next_in_bucket; /* in dso_cache.images, when it has a build id */
	struct dso_cache *cache;	  /* borrowed; outlives every image */
	unsigned int refcount;
	struct elf_image *file; /* segments, build id; its Elf only while libdw reads from it */
	struct elf_symbols *symbols;
	bool has_symtab; /* a .symtab (the binary's or, after the debug stage, another's) */
	char *debuglink; /* .gnu_debuglink name, NULL without one */
	uint32_t debuglink_crc;
	void *minidebug; /* the compressed .gnu_debugdata, kept until the debug stage */
	size_t minidebug_len;
	/* DWARF: of the binary (file) or of its debug file (debug.elf); fds closed. */
	struct debuginfo_file debug;
	Dwarf *dwarf;
	struct dwarf_lines *lines;
	size_t dwarf_bytes; /* DWARF sections held in memory */
	bool debug_done;    /* the debug file was looked for, MiniDebugInfo read */
	bool bad_counted;   /* counted once in bad_debuginfo */
};

struct dso {
	struct dso_cache *cache; /* borrowed; outlives every dso */
	unsigned int refcount;	 /* 0: idle, on the cache's idle list */
	struct dso *idle_prev;	 /* towards the most recently idle */
	struct dso *idle_next;
	size_t bytes; /* memory accounted while idle */
	enum dso_state state;
	int fd; /* >= 0 only in DSO_OPEN */
	char *path;
	uint64_t id;
	struct debuginfo_root *root; /* how its processes see the file system; NULL: as we do */
	/* Identity of the opened file; has_stat is false for files that could not be opened. */
	bool has_stat;
	uint64_t st_dev;
	uint64_t st_ino;
	struct timespec mtime;
	off_t size;
	struct dso_alias *aliases;
	struct dso_image *image; /* set in DSO_LOADED */
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
	size_t idle_max_bytes; /* DSO_IDLE_MAX_BYTES unless set */
	size_t nr_fds; /* descriptors held by dsos not read yet */
	uint64_t bad_files;
	uint64_t bad_debuginfo;
	uint64_t next_id;
	struct dso_image *images[DSO_IMAGE_BUCKETS];
	struct debuginfo_finder *finder; /* borrowed; NULL: no separate debug files */
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
	cache->idle_max_bytes = DSO_IDLE_MAX_BYTES;
	return cache;
}

void dso_cache__set_idle_limit(struct dso_cache *cache, size_t bytes)
{
	cache->idle_max_bytes = bytes;
	while (cache->idle_bytes > cache->idle_max_bytes)
		cache__evict_oldest(cache);
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

void dso_cache__set_debuginfo(struct dso_cache *cache, struct debuginfo_finder *finder)
{
	cache->finder = finder;
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
	dso->id = ++cache->next_id;
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

uint64_t dso_cache__bad_debuginfo(const struct dso_cache *cache)
{
	uint64_t rejected = cache->finder ? debuginfo_finder__rejected(cache->finder) : 0;

	return cache->bad_debuginfo + rejected;
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

static size_t image__hash(const uint8_t *build_id, size_t len)
{
	return hash__final(hash__bytes(HASH_SEED, build_id, len)) & (DSO_IMAGE_BUCKETS - 1);
}

static struct dso_image *cache__find_image(struct dso_cache *cache, const uint8_t *build_id,
					   size_t len)
{
	struct dso_image *image = cache->images[image__hash(build_id, len)];
	const uint8_t *id;
	size_t id_len;

	for (; image; image = image->next_in_bucket) {
		id = elf_image__build_id(image->file, &id_len);
		if (id_len == len && !memcmp(id, build_id, len))
			return image;
	}
	return NULL;
}

static void image__free_dwarf(struct dso_image *image)
{
	dwarf_lines__free(image->lines);
	image->lines = NULL;
	if (image->dwarf)
		dwarf_end(image->dwarf);
	image->dwarf = NULL;
	image->dwarf_bytes = 0;
}

static void image__put(struct dso_image *image)
{
	const uint8_t *build_id;
	struct dso_image **p;
	size_t len;

	if (!image || --image->refcount)
		return;
	build_id = elf_image__build_id(image->file, &len);
	if (build_id) {
		p = &image->cache->images[image__hash(build_id, len)];
		for (; *p; p = &(*p)->next_in_bucket) {
			if (*p == image) {
				*p = image->next_in_bucket;
				break;
			}
		}
	}
	image__free_dwarf(image);
	elf_image__free(image->file);
	debuginfo_file__close(&image->debug);
	elf_symbols__free(image->symbols);
	free(image->debuglink);
	free(image->minidebug);
	free(image);
}

static size_t image__bytes(const struct dso_image *image)
{
	return sizeof(*image) + elf_image__bytes(image->file) + elf_symbols__size(image->symbols) +
	       image->minidebug_len + image->dwarf_bytes +
	       (image->lines ? dwarf_lines__size(image->lines) : 0);
}

/* Frees @dso, which is on no idle list. */
static void dso__destroy(struct dso *dso)
{
	struct dso_cache *cache = dso->cache;

	cache__forget(cache, dso);
	cache->nr_dsos--;
	dso__close(dso);
	image__put(dso->image);
	debuginfo_root__put(dso->root);
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
	/* What it holds now, DWARF read since it was loaded included; fixed while idle. */
	dso->bytes = sizeof(*dso) + (dso->image ? image__bytes(dso->image) : 0);
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

const char *dso__build_id(const struct dso *dso)
{
	const char *hex;

	if (dso->state != DSO_LOADED)
		return NULL;
	hex = elf_image__build_id_hex(dso->image->file);
	return hex[0] ? hex : NULL;
}

uint64_t dso__id(const struct dso *dso)
{
	return dso->id;
}

void dso__set_root(struct dso *dso, struct debuginfo_root *root)
{
	if (!dso->root && root)
		dso->root = debuginfo_root__get(root);
}

static bool elf__has_symtab(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_SYMTAB && shdr.sh_size)
			return true;
	}
	return false;
}

static bool elf__has_dwarf(Elf *elf)
{
	GElf_Shdr shdr;
	Elf_Scn *scn;

	scn = debuginfo__section(elf, ".debug_info", NULL);
	if (!scn)
		scn = debuginfo__section(elf, ".zdebug_info", NULL);
	return scn && gelf_getshdr(scn, &shdr) && shdr.sh_type != SHT_NOBITS && shdr.sh_size;
}

/* Bytes of the DWARF sections libdw read from @elf (decompressed ones at their new size). */
static size_t elf__dwarf_bytes(Elf *elf)
{
	Elf_Scn *scn = NULL;
	const char *name;
	GElf_Shdr shdr;
	size_t shstrndx, bytes = 0;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (name && (!strncmp(name, ".debug_", 7) || !strncmp(name, ".zdebug_", 8)))
			bytes += shdr.sh_size;
	}
	return bytes;
}

/*
 * Whether the DWARF string sections of @elf (as libdw read them, decompressed) end with a
 * NUL: libdw reads their strings with strlen(), so a last string without one would be
 * read past the section.
 */
static bool elf__strings_terminated(Elf *elf)
{
	static const char *const names[] = { ".debug_str", ".debug_line_str", ".zdebug_str",
					     ".zdebug_line_str" };
	Elf_Data *data;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (debuginfo__section(elf, names[i], &data) && data && data->d_size &&
		    ((const char *)data->d_buf)[data->d_size - 1] != '\0')
			return false;
	}
	return true;
}

static void image__count_bad(struct dso_image *image, const char *path, const char *what)
{
	if (image->bad_counted)
		return;
	image->bad_counted = true;
	image->cache->bad_debuginfo++;
	pr_warn("%s: %s; its frames may lack names or lines\n", path, what);
}

/*
 * Reads the DWARF sections of @elf, which must still have its descriptor, into memory
 * (libdw reads every debug section when it starts, decompressing as needed), so the
 * descriptor can be closed after. Returns true when there is DWARF to use.
 */
static bool image__begin_dwarf(struct dso_image *image, Elf *elf, const char *path)
{
	image->dwarf = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!image->dwarf || !elf__strings_terminated(elf)) {
		if (image->dwarf)
			dwarf_end(image->dwarf);
		image->dwarf = NULL;
		image__count_bad(image, path, "malformed DWARF");
		return false;
	}
	image->dwarf_bytes = elf__dwarf_bytes(elf);
	/* Nothing more is read from the file: libelf must not touch the descriptor again. */
	elf_cntl(elf, ELF_C_FDDONE);
	return true;
}

/* Keeps a copy of .gnu_debugdata for the debug stage, when the binary has no .symtab. */
static int image__keep_minidebug(struct dso_image *image, Elf *elf)
{
	Elf_Data *data;

	if (!debuginfo__section(elf, ".gnu_debugdata", &data) || !data || !data->d_size ||
	    data->d_size > DSO_MINIDEBUG_MAX_IN)
		return 0;
	image->minidebug = malloc(data->d_size);
	if (!image->minidebug)
		return -ENOMEM;
	memcpy(image->minidebug, data->d_buf, data->d_size);
	image->minidebug_len = data->d_size;
	return 0;
}

/*
 * Reads what the binary holds into @image, and ends its Elf unless libdw reads from it.
 * Returns 0 or -errno.
 */
static int image__read(struct dso_image *image, const char *path)
{
	Elf *elf = elf_image__elf(image->file);
	char link[256];
	int err;

	err = elf_symbols__read(elf, &image->symbols);
	if (err)
		return err;
	image->has_symtab = elf__has_symtab(elf);
	if (!debuginfo__debuglink(elf, link, sizeof(link), &image->debuglink_crc)) {
		image->debuglink = strdup(link);
		if (!image->debuglink)
			return -ENOMEM;
	}
	if (!image->has_symtab) {
		err = image__keep_minidebug(image, elf);
		if (err)
			return err;
	}
	/* The image keeps the Elf (without its descriptor) while libdw reads from it. */
	if (!elf__has_dwarf(elf) || !image__begin_dwarf(image, elf, path))
		elf_image__end_elf(image->file);
	return 0;
}

/*
 * Reads the binary @file (taken over) into a new image, found by its build id from now
 * on. Returns 0 and the image's first reference in *@out, or -errno.
 */
static int image__new(struct dso_cache *cache, struct elf_image *file, const char *path,
		      struct dso_image **out)
{
	struct dso_image *image;
	const uint8_t *build_id;
	size_t len, b;
	int err;

	image = calloc(1, sizeof(*image));
	if (!image) {
		elf_image__free(file);
		return -ENOMEM;
	}
	image->cache = cache;
	image->refcount = 1;
	image->file = file;
	image->debug.fd = -1;
	err = image__read(image, path);
	if (err) {
		image__put(image);
		return err;
	}
	build_id = elf_image__build_id(file, &len);
	if (build_id) {
		b = image__hash(build_id, len);
		image->next_in_bucket = cache->images[b];
		cache->images[b] = image;
	}
	*out = image;
	return 0;
}

int dso__load(struct dso *dso)
{
	struct dso_image *image = NULL;
	const uint8_t *build_id;
	struct elf_image *file;
	size_t len;
	int err;

	if (dso->state == DSO_LOADED)
		return 0;
	if (dso->state == DSO_BAD)
		return -ENOEXEC;
	err = elf_image__open(dso->fd, &file);
	if (err)
		goto out_bad;
	/* A copy of a file already read (another container's, say) shares what was read. */
	build_id = elf_image__build_id(file, &len);
	if (build_id)
		image = cache__find_image(dso->cache, build_id, len);
	if (image) {
		image->refcount++;
		elf_image__free(file);
	} else {
		err = image__new(dso->cache, file, dso->path, &image);
		if (err)
			goto out_bad;
	}
	dso__close(dso);
	dso->image = image;
	dso->state = DSO_LOADED;
	return 0;

out_bad:
	dso__close(dso);
	dso__mark_bad(dso, err, "cannot read ELF file");
	return err;
}

/* Puts the symbols of @elf (a debug file's, or MiniDebugInfo) over the binary's. */
static int image__add_symbols(struct dso_image *image, Elf *elf, const char *path)
{
	struct elf_symbols *syms, *merged;
	int err;

	if (!elf__has_symtab(elf))
		return 0;
	err = elf_symbols__read(elf, &syms);
	if (err) {
		if (err == -EINVAL)
			image__count_bad(image, path, "unreadable symbol table");
		return err == -EINVAL ? 0 : err;
	}
	err = elf_symbols__merge(syms, image->symbols, &merged);
	elf_symbols__free(syms);
	if (err)
		return err;
	elf_symbols__free(image->symbols);
	image->symbols = merged;
	image->has_symtab = true;
	return 0;
}

static int image__read_minidebug(struct dso_image *image, const char *path)
{
	size_t len;
	void *buf;
	Elf *elf;
	int err;

	err = debuginfo__xz_decode(image->minidebug, image->minidebug_len,
				   DSO_MINIDEBUG_MAX_OUT, &buf, &len);
	if (err == -ENOTSUP) {
		pr_debug("%s: MiniDebugInfo needs liblzma, which this build lacks\n", path);
		return 0;
	}
	if (err) {
		if (err != -ENOMEM)
			image__count_bad(image, path, "malformed MiniDebugInfo (.gnu_debugdata)");
		return err == -ENOMEM ? err : 0;
	}
	elf = elf_memory(buf, len);
	if (elf && elf_kind(elf) == ELF_K_ELF)
		err = image__add_symbols(image, elf, path);
	else
		image__count_bad(image, path, "malformed MiniDebugInfo (.gnu_debugdata)");
	if (elf)
		elf_end(elf);
	free(buf);
	return err;
}

/* Finds the debug file and reads what the binary lacked from it. */
static int image__read_debug_file(struct dso_image *image, struct dso *dso)
{
	struct debuginfo_query query = {
		.path = dso->path,
		.root = dso->root,
		.debuglink = image->debuglink,
		.debuglink_crc = image->debuglink_crc,
	};
	int err;

	query.build_id = elf_image__build_id(image->file, &query.build_id_len);
	err = debuginfo_finder__open(dso->cache->finder, &query, &image->debug);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (!image->has_symtab) {
		err = image__add_symbols(image, image->debug.elf, image->debug.path);
		if (err)
			return err;
	}
	if (!image->dwarf && elf__has_dwarf(image->debug.elf) &&
	    image__begin_dwarf(image, image->debug.elf, image->debug.path)) {
		/* Keep the Elf for libdw, not the descriptor. */
		close(image->debug.fd);
		image->debug.fd = -1;
		return 0;
	}
	debuginfo_file__close(&image->debug);
	return 0;
}

/*
 * The debug stage, once per image, at the first lookup: what the binary lacks (symbols,
 * DWARF) from its debug file, then symbols from MiniDebugInfo; then the DWARF index.
 */
static int image__load_debug(struct dso_image *image, struct dso *dso)
{
	int err = 0;

	if (image->debug_done)
		return 0;
	image->debug_done = true;
	if ((!image->has_symtab || !image->dwarf) && dso->cache->finder)
		err = image__read_debug_file(image, dso);
	if (!err && !image->has_symtab && image->minidebug)
		err = image__read_minidebug(image, dso->path);
	free(image->minidebug);
	image->minidebug = NULL;
	image->minidebug_len = 0;
	if (!err && image->dwarf) {
		err = dwarf_lines__new(image->dwarf, &image->lines);
		if (!err &&
		    (!dwarf_lines__units(image->lines) || dwarf_lines__errors(image->lines)))
			image__count_bad(image, image->debug.path ? image->debug.path : dso->path,
					 "malformed DWARF");
	}
	if (err)
		pr_debug("%s: cannot read its debug information: %s\n", dso->path,
			 strerror(-err));
	return err;
}

int dso__vaddr(struct dso *dso, uint64_t off, uint64_t *vaddr)
{
	int err;

	err = dso__load(dso);
	if (err)
		return err;
	return elf_image__vaddr(dso->image->file, off, vaddr);
}

const char *dso__find_symbol(struct dso *dso, uint64_t vaddr, uint64_t *start)
{
	if (dso__load(dso))
		return NULL;
	/* Without memory for the debug file, the binary's own symbols still answer. */
	image__load_debug(dso->image, dso);
	return elf_symbols__find(dso->image->symbols, vaddr, start);
}

int dso__find_frames(struct dso *dso, uint64_t vaddr, struct dso_frame *out, size_t cap)
{
	struct dwarf_frame frames[64];
	struct dso_image *image;
	const char *symbol;
	int n = 0;

	if (!cap)
		return -EINVAL;
	if (dso__load(dso))
		return 0;
	image = dso->image;
	image__load_debug(image, dso);
	symbol = elf_symbols__find(image->symbols, vaddr, NULL);
	if (image->lines) {
		n = dwarf_lines__find(image->lines, vaddr, frames,
				      cap < sizeof(frames) / sizeof(frames[0]) ?
					      cap : sizeof(frames) / sizeof(frames[0]));
		if (n < 0)
			n = 0;
		if (dwarf_lines__errors(image->lines))
			image__count_bad(image, image->debug.path ? image->debug.path : dso->path,
					 "malformed DWARF");
	}
	if (!n) {
		if (!symbol)
			return 0;
		out[0] = (struct dso_frame){ .name = symbol };
		return 1;
	}
	for (int i = 0; i < n; i++) {
		out[i].name = frames[i].name;
		out[i].file = frames[i].file;
		out[i].line = frames[i].line;
	}
	/*
	 * The function holding the code is named by its symbol, as when there is no DWARF:
	 * that name has the linker's suffixes (.cold, .isra.0) and is the one other tools show.
	 */
	if (symbol)
		out[n - 1].name = symbol;
	return n;
}
