/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cache of mapped files (dsos, see dso.h), shared by every process that maps them.
 *
 * It finds a dso by two keys: the (device, inode) printed in /proc/PID/maps, so that a new
 * snapshot of a file already known needs no open(), and the (device, inode, mtime) of the
 * opened file, so that one file reached through different views (mount namespaces,
 * overlay) is read once. A dso lives while some snapshot uses it, and then on an idle list
 * bounded in files and bytes (least recently used goes first, its DWARF with it), so
 * memory is bounded by what live snapshots map plus that list. Files not read yet hold a
 * descriptor each, up to a bound past which they are read at once. The references to a
 * dso are counted here, since the last one going makes it idle. Not thread-safe.
 */
#ifndef PROF_DSO_CACHE_H
#define PROF_DSO_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct debuginfo_finder;
struct dso_cache;
struct dso_dwarf_stats;
struct dso;

/* Returns NULL with errno set. */
struct dso_cache *dso_cache__new(void);
/*
 * Files no process maps any more stay cached, the most recently used first, up to @bytes of
 * what they hold (64 MiB unless set); a long-running agent keeps less.
 */
void dso_cache__set_idle_limit(struct dso_cache *cache, size_t bytes);
/*
 * What libdw read of a binary's units (line tables, DIEs), beyond the bare index, is dropped
 * and read again past @bytes (16 MiB unless set), whether the binary is in use or idle.
 */
void dso_cache__set_dwarf_limit(struct dso_cache *cache, size_t bytes);
/*
 * The DWARF held by binaries in use and idle together is kept to about @bytes (none unless
 * set): the least recently used is freed and read again when needed (see
 * dso_images__set_dwarf_budget()).
 */
void dso_cache__set_dwarf_budget(struct dso_cache *cache, size_t bytes);
/* What that DWARF holds now and how often the budget freed it. */
void dso_cache__dwarf_stats(const struct dso_cache *cache, struct dso_dwarf_stats *stats);
/* NULL-safe. Every dso taken from @cache must have been put first; idle ones are freed. */
void dso_cache__free(struct dso_cache *cache);

/*
 * Makes the cache look for separate debug files through @finder (borrowed; it must outlive
 * the cache). Without one, only what the binaries hold themselves is read.
 */
void dso_cache__set_debuginfo(struct dso_cache *cache, struct debuginfo_finder *finder);

/*
 * Returns a new reference to the dso last registered for the (@dev, @ino) of a maps line,
 * or NULL. The caller should check with dso__same_file() that the file was not replaced.
 */
struct dso *dso_cache__find_mapped(struct dso_cache *cache, uint64_t dev, uint64_t ino);

/*
 * Takes ownership of @fd, opened on the file a maps line with (@map_dev, @map_ino) names as
 * @path (copied; only used in messages). Returns 0 and a new reference in *@out: an
 * existing dso for the same file (then @fd is closed) or a new one; or -errno (-ENOMEM).
 * A descriptor that is not a regular file gives a dso that names nothing (see
 * dso_cache__add_unreadable()).
 */
int dso_cache__open(struct dso_cache *cache, uint64_t map_dev, uint64_t map_ino, int fd,
		    const char *path, struct dso **out);

/*
 * Registers a file that could not be opened (@err, a -errno, is logged at debug level) so
 * that it counts once as a bad file and is not retried for every snapshot. Returns 0 and a
 * new reference in *@out, or -ENOMEM.
 */
int dso_cache__add_unreadable(struct dso_cache *cache, uint64_t map_dev, uint64_t map_ino,
			      const char *path, int err, struct dso **out);

/* Files that could not be opened or parsed, each counted once. */
uint64_t dso_cache__bad_files(const struct dso_cache *cache);
/*
 * Debug information that could not be used, each file counted once: malformed DWARF or
 * MiniDebugInfo, unreadable debug files, and candidates rejected for their build id or CRC.
 */
uint64_t dso_cache__bad_debuginfo(const struct dso_cache *cache);
/* Dsos alive now, in use or idle. */
size_t dso_cache__count(const struct dso_cache *cache);
/* The idle dsos now: how many, and the bytes they hold. */
void dso_cache__idle(const struct dso_cache *cache, size_t *count, size_t *bytes);

/* Returns @dso with one more reference (an idle dso is in use again). */
struct dso *dso__get(struct dso *dso);
/*
 * NULL-safe. On the last reference the dso becomes idle: its cache still finds it until
 * it is evicted, or frees it at once when no key finds it any more.
 */
void dso__put(struct dso *dso);

#endif
