/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mapped files ("dynamic shared objects", executables included), shared by every process
 * that maps them: what names the addresses of one binary. Dsos come from a dso cache
 * (dso_cache.h), which finds them again, holds their references and bounds how many stay.
 *
 * A dso holds its file open from the moment a snapshot finds it, so it can be read after
 * the process exited or the file was deleted or replaced. The binary is read on first use
 * and the descriptor closed; what is read (dso_image.h) is shared by the dsos of one build
 * id, and the separate debug file is looked for at the first lookup that needs it, never
 * while snapshots are taken. Not thread-safe.
 */
#ifndef PROF_DSO_H
#define PROF_DSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct debuginfo_root;
struct dso;

/* One function of an inline chain; strings borrowed from the dso (see dso__find_frames). */
struct dso_frame {
	const char *name;  /* raw (mangled) symbol or DWARF name; NULL when unknown */
	const char *file;  /* source file, NULL when unknown */
	unsigned int line; /* 0 when unknown */
};

/*
 * Whether @st (a stat() of the file a maps line names) describes the file @dso was opened
 * on, by modification time and size. A dso that could not be opened matches anything:
 * it is not retried, so that it counts once as a bad file.
 */
bool dso__same_file(const struct dso *dso, const struct stat *st);

/*
 * A new descriptor (O_CLOEXEC) of the file @dso holds open, for another reader of the same
 * file (its unwind table): until dso__load() closes it, even once the process exited or the
 * file was deleted. Returns it, or -EBADF when the dso holds none, or -errno.
 */
int dso__dup_fd(const struct dso *dso);
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
 * @vaddr, or -EINVAL when @cap is 0. Strings are borrowed, valid until the next call on any
 * dso (a file's DWARF may then be read again from the start, see dso_image.c) while the
 * caller holds its reference on @dso.
 */
int dso__find_frames(struct dso *dso, uint64_t vaddr, struct dso_frame *out, size_t cap);

#endif
