/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mapped files ("dynamic shared objects", executables included), shared by every process
 * that maps them, and the cache that finds them again.
 *
 * A dso holds its file open from the moment a snapshot finds it, so it can be read after
 * the process exited or the file was deleted or replaced; the ELF headers, symbols and
 * DWARF sections are read on first use, after which the descriptor is closed. A dso lives
 * while some snapshot uses it, and then on an idle list bounded in files and bytes (least
 * recently used goes first, its DWARF with it), so memory is bounded by what live
 * snapshots map plus that list.
 *
 * What is read from a file (segments, symbols, DWARF, the separate debug file) is shared
 * by every dso with the same build id, so copies of one library in several containers are
 * read once; a file without a build id has its own. The separate debug file is looked for
 * (see debuginfo.h) at the first lookup that needs it, never while snapshots are taken.
 * Symbols come from the binary's .symtab, else the debug file's, else MiniDebugInfo,
 * merged over the binary's .dynsym; DWARF from the binary, else the debug file.
 *
 * The cache finds a dso by two keys: the (device, inode) printed in /proc/PID/maps, so that
 * a new snapshot of a file already known needs no open(), and the (device, inode, mtime)
 * of the opened file, so that one file reached through different views (mount namespaces,
 * overlay) is read once. Not thread-safe.
 */
#ifndef PROF_DSO_H
#define PROF_DSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct debuginfo_finder;
struct debuginfo_root;
struct dso_cache;
struct dso;

/* One function of an inline chain; strings borrowed from the dso (see dso__find_frames). */
struct dso_frame {
	const char *name;  /* raw (mangled) symbol or DWARF name; NULL when unknown */
	const char *file;  /* source file, NULL when unknown */
	unsigned int line; /* 0 when unknown */
};

/* Returns NULL with errno set. */
struct dso_cache *dso_cache__new(void);
/*
 * Files no process maps any more stay cached, the most recently used first, up to @bytes of
 * what they hold (64 MiB unless set); a long-running agent keeps less.
 */
void dso_cache__set_idle_limit(struct dso_cache *cache, size_t bytes);
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

/* Returns @dso with one more reference (an idle dso is in use again). */
struct dso *dso__get(struct dso *dso);
/*
 * NULL-safe. On the last reference the dso becomes idle: the cache still finds it until
 * it is evicted, or frees it at once when no key finds it any more.
 */
void dso__put(struct dso *dso);

/*
 * Whether @st (a stat() of the file a maps line names) describes the file @dso was opened
 * on, by modification time and size. A dso that could not be opened matches anything:
 * it is not retried, so that it counts once as a bad file.
 */
bool dso__same_file(const struct dso *dso, const struct stat *st);

/* Path given when the dso was created; borrowed, valid until the dso is freed. */
const char *dso__path(const struct dso *dso);

/*
 * The build id of a loaded dso in lowercase hex, NULL without one (or before dso__load()).
 * Borrowed: valid while the dso is.
 */
const char *dso__build_id(const struct dso *dso);

/* A number naming @dso alone for the life of its cache: never reused, even after a free. */
uint64_t dso__id(const struct dso *dso);

/*
 * Records that the processes mapping @dso see it under @root (a new reference is taken;
 * NULL: our own root), for the paths beside the binary where its debug file may be. The
 * first root given stays.
 */
void dso__set_root(struct dso *dso, struct debuginfo_root *root);

/*
 * Reads the ELF headers, the symbols and the DWARF sections of the file if not done yet
 * (or takes them from a dso of the same build id), and closes its descriptor. The debug
 * file is not looked for here. Returns 0, or -errno when the file is not a usable ELF file
 * (then counted as bad once; later calls fail the same way).
 */
int dso__load(struct dso *dso);

/*
 * Translates the offset @off in the file to an ELF virtual address through the PT_LOAD
 * segment whose file bytes hold it. Loads the dso. Returns 0, -ENOENT when no segment
 * holds @off, or dso__load()'s error.
 */
int dso__vaddr(struct dso *dso, uint64_t off, uint64_t *vaddr);

/*
 * Returns the name of the function at the ELF virtual address @vaddr, borrowed and valid
 * while the caller holds its reference on @dso, or NULL. Loads the dso and its debug file.
 * *@start (may be NULL) is set to the function's address.
 */
const char *dso__find_symbol(struct dso *dso, uint64_t vaddr, uint64_t *start);

/*
 * Names the ELF virtual address @vaddr: fills @out[0..cap) innermost first with the inline
 * chain from DWARF (each inlined function, then the one it is inlined into; see
 * dwarf_lines.h for the lines), the outermost named after the ELF symbol when there is one;
 * or with the ELF symbol alone, without a line, when no DWARF covers @vaddr. Loads the dso
 * and its debug file on first use. Returns the number of frames, 0 when nothing names
 * @vaddr, or -EINVAL when @cap is 0. Strings are borrowed, valid while the caller holds its
 * reference on @dso.
 */
int dso__find_frames(struct dso *dso, uint64_t vaddr, struct dso_frame *out, size_t cap);

#endif
