/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What is read from one mapped binary and its debug files, for the dsos (dso.h): its
 * segments and build id (elf_image.h), its function symbols and its DWARF line index.
 *
 * An image is shared by every dso with its build id, so copies of one library in several
 * containers are read once; a file without a build id has its own. The binary is read
 * when a dso is loaded. Its separate debug file is looked for (see debuginfo.h) in the
 * debug stage, at the first lookup that needs it, never while snapshots are taken.
 * Symbols come from the binary's .symtab, else the debug file's, else MiniDebugInfo,
 * merged over the binary's .dynsym; DWARF from the binary, else the debug file.
 *
 * The images of one dso cache are held by a dso_images, which finds them by build id and
 * counts the debug information that could not be used. Not thread-safe.
 */
#ifndef PROF_DSO_IMAGE_H
#define PROF_DSO_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct debuginfo_finder;
struct debuginfo_root;
struct dwarf_frame;
struct dso_image;
struct dso_images;

/* Returns NULL with errno set. */
struct dso_images *dso_images__new(void);
/* NULL-safe. Images still referenced must not be used after this. */
void dso_images__free(struct dso_images *images);

/*
 * Makes the debug stage look for separate debug files through @finder (borrowed; it must
 * outlive @images). Without one, only what the binaries hold themselves is read.
 */
void dso_images__set_debuginfo(struct dso_images *images, struct debuginfo_finder *finder);
/* Bytes of units a binary's DWARF may hold before it is read again (see dso_image.c). */
void dso_images__set_lines_limit(struct dso_images *images, size_t bytes);

/* The DWARF the images hold that the budget bounds (see dso_images__set_dwarf_budget()). */
struct dso_dwarf_stats {
	size_t bytes;	   /* held now: sections and units read */
	size_t peak_bytes; /* most held at once */
	size_t max_bytes;  /* the budget; SIZE_MAX: none */
	uint64_t dropped;  /* times an image's was freed for the budget */
	uint64_t reread;   /* times one was read again (debug file or binary) */
};

/*
 * Bounds the DWARF the images hold to about @bytes together (none unless set): past it, the
 * least recently used is freed, and read again at its next lookup from its debug file, or
 * from the binary itself, found again by its path and checked by its build id; the one
 * image being read keeps its own. DWARF in a binary without a build id, or without a
 * debuginfo finder (dso_images__set_debuginfo()), is not counted and stays while the
 * binary is in use; only its units are bounded (dso_images__set_lines_limit()).
 */
void dso_images__set_dwarf_budget(struct dso_images *images, size_t bytes);
/* Copies the budget's figures into @stats. */
void dso_images__dwarf_stats(const struct dso_images *images, struct dso_dwarf_stats *stats);

/*
 * Debug information that could not be used, each file counted once: malformed DWARF or
 * MiniDebugInfo, unreadable debug files, and candidates rejected for their build id or CRC.
 */
uint64_t dso_images__bad_debuginfo(const struct dso_images *images);

/*
 * Reads the binary on @fd (borrowed; nothing reads it after this returns, so it may be
 * closed), @path naming it in messages. Returns 0 and a new reference in *@out, to an
 * image of the same build id read before or to a new one, or -errno: elf_image__open()'s
 * errors, -EINVAL for an unreadable symbol table, -ENOMEM.
 */
int dso_images__read(struct dso_images *images, int fd, const char *path, struct dso_image **out);

/* NULL-safe. The last reference frees the image. */
void dso_image__put(struct dso_image *image);

/* Bytes the image holds now (the debug stage adds to them), for the idle list's bound. */
size_t dso_image__bytes(const struct dso_image *image);

/* The build id in lowercase hex, NULL without one; borrowed while the image is. */
const char *dso_image__build_id(const struct dso_image *image);

/*
 * Translates the offset @off in the binary to an ELF virtual address (elf_image__vaddr()).
 * Returns 0 or -ENOENT.
 */
int dso_image__vaddr(const struct dso_image *image, uint64_t off, uint64_t *vaddr);

/*
 * The debug stage, done once: reads what the binary lacks (symbols, DWARF) from its debug
 * file, looked for from @path under @root (how its processes see the file system; NULL:
 * as we do), then symbols from MiniDebugInfo, then indexes the DWARF lines; and again for
 * DWARF freed for the budget since. Returns 0 or -errno (logged at debug level); what was
 * read before a failure stays in use.
 */
int dso_image__load_debug(struct dso_image *image, const char *path, struct debuginfo_root *root);

/*
 * The function at the ELF virtual address @vaddr (elf_symbols__find()): borrowed while
 * the image is, or NULL. *@start (may be NULL) is set to its address.
 */
const char *dso_image__find_symbol(const struct dso_image *image, uint64_t vaddr, uint64_t *start);

/*
 * The DWARF inline chain at @vaddr into @out[0..@cap), innermost first (dwarf_lines.h;
 * strings borrowed until the next call: past a bound, what libdw read of the units is
 * dropped and read again). Returns the number of frames, 0 without DWARF for @vaddr. Malformed DWARF is counted once, under @path when it is the binary's.
 */
int dso_image__find_lines(struct dso_image *image, const char *path, uint64_t vaddr,
			  struct dwarf_frame *out, size_t cap);

#endif
