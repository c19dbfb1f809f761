/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What dso.c and the cache (dso_cache.c) share: the dso itself, whose first fields only
 * the cache touches, what the dsos of one cache share, and how the cache makes and frees
 * a dso. The cache knows the dso; the dso knows nothing of the cache.
 */
#ifndef PROF_DSO_INTERNAL_H
#define PROF_DSO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

struct debuginfo_root;
struct dso_alias;
struct dso_cache;
struct dso_image;
struct dso_images;

/* What the dsos of one cache share; the cache's, kept up to date by the dsos. */
struct dso_shared {
	struct dso_images *images; /* what the dsos read, shared by build id */
	size_t open_fds;	   /* descriptors held by dsos not read yet */
	uint64_t bad_files;	   /* files that could not be opened or read, each once */
	uint64_t last_id;	   /* the number of the newest dso */
};

enum dso_state {
	DSO_OPEN,   /* fd held, nothing read yet */
	DSO_LOADED, /* image read, fd closed */
	DSO_BAD,    /* could not be opened or parsed; names nothing */
};

struct dso {
	/* The cache's: references, the keys that find the dso, its place on the idle list. */
	struct dso_cache *cache; /* borrowed; outlives every dso */
	unsigned int refcount;	 /* 0: idle, on the cache's idle list */
	struct dso_alias *aliases;
	struct dso *idle_prev; /* towards the most recently idle */
	struct dso *idle_next;
	size_t bytes; /* memory accounted while idle */
	/* The file's. */
	struct dso_shared *shared; /* borrowed; outlives every dso */
	enum dso_state state;
	int fd; /* >= 0 only in DSO_OPEN */
	char *path;
	uint64_t id;
	struct debuginfo_root *root; /* how its processes see the file system; NULL: as we do */
	/* Identity of the opened file; has_stat is false for files that could not be opened. */
	bool has_stat;
	struct timespec mtime;
	off_t size;
	struct dso_image *image; /* set in DSO_LOADED */
};

/*
 * A new dso of @path (copied), numbered and counted in @shared, opened on @fd (taken over
 * on success) whose fstat() is @st; or, with @fd -1 and @st NULL, of a file that could not
 * be opened, for dso__mark_bad(). The cache's fields are left to the cache. Returns NULL
 * when out of memory.
 */
struct dso *dso__new(struct dso_shared *shared, const char *path, int fd, const struct stat *st);
/* Frees what @dso holds, and @dso: its cache has forgotten it. */
void dso__free(struct dso *dso);
/* Makes @dso name nothing from now on, a bad file counted once; @err logged at debug level. */
void dso__mark_bad(struct dso *dso, int err, const char *what);
/* Bytes @dso holds now, what it read included. */
size_t dso__bytes(const struct dso *dso);

#endif
