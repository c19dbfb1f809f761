/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An executable or shared object as every reader of mapped binaries first reads it: the ELF
 * handle, the PT_LOAD segments that place file offsets at virtual addresses, and the GNU
 * build id that names the file whatever its path. The dsos, the vDSO and the unwind loader
 * open their binaries here; what each reads next (symbols, DWARF, .eh_frame) goes through
 * elf_image__elf().
 *
 * Files are read, never mapped: a file truncated under us gives read errors, not SIGBUS.
 * Counts and offsets come through libelf, which checks them against the file's size; a
 * section header table past the end of the file is refused as a truncated file.
 */
#ifndef PROF_ELF_IMAGE_H
#define PROF_ELF_IMAGE_H

#include <libelf.h>
#include <stddef.h>
#include <stdint.h>

/* Build ids are 20 bytes (SHA-1) or 16 (MD5, UUID) in practice; longer ones count as none. */
#define ELF_IMAGE_BUILD_ID_MAX 64

/* A PT_LOAD segment: the file's bytes [offset, offset + filesz) are mapped at vaddr. */
struct elf_segment {
	uint64_t offset; /* p_offset */
	uint64_t filesz; /* p_filesz */
	uint64_t vaddr;	 /* p_vaddr */
};

struct elf_image;

/*
 * Reads the headers of the file on @fd, which stays the caller's and must stay open while
 * the Elf reads from it. Returns 0 and an owned image in *@out, or -errno: -ENOEXEC for a
 * file that is not an ELF executable or shared object with a loadable segment, -EINVAL
 * for a truncated one, -ENOMEM.
 */
int elf_image__open(int fd, struct elf_image **out);

/*
 * The same for the image in memory @buf[0..@size), copied first: libelf may write into
 * what it reads, and the vDSO is read-only.
 */
int elf_image__from_memory(const void *buf, size_t size, struct elf_image **out);

/* NULL-safe. */
void elf_image__free(struct elf_image *image);

/* The ELF handle, borrowed until elf_image__end_elf() or elf_image__free(); then NULL. */
Elf *elf_image__elf(const struct elf_image *image);

/*
 * Ends the Elf and frees what libelf read through it (an in-memory copy too), for a reader
 * that keeps only the segments and the build id. Does not touch the descriptor.
 */
void elf_image__end_elf(struct elf_image *image);

/* The build id's bytes, borrowed until elf_image__free(); NULL (*@len 0) without one. */
const uint8_t *elf_image__build_id(const struct elf_image *image, size_t *len);

/* The build id in lowercase hex, "" without one; borrowed until elf_image__free(). */
const char *elf_image__build_id_hex(const struct elf_image *image);

/* The PT_LOAD segments (at least one) in header order, borrowed until elf_image__free(). */
const struct elf_segment *elf_image__segments(const struct elf_image *image, size_t *nr);

/* Bytes the image holds beside the Elf, for memory accounting. */
size_t elf_image__bytes(const struct elf_image *image);

/*
 * The virtual address of the file offset @off, through the segment whose file bytes hold
 * it. Returns 0, or -ENOENT when no segment does.
 */
int elf_image__vaddr(const struct elf_image *image, uint64_t off, uint64_t *vaddr);

/*
 * The bias (address minus virtual address) of a mapping at @start of the file offset
 * @pgoff, through the segment of @segs that holds @pgoff, else one that starts inside the
 * mapping's first page (mappings start on a page, segments need not). Returns 0 or -ENOENT.
 */
int elf_segments__bias(const struct elf_segment *segs, size_t nr, uint64_t start, uint64_t pgoff,
		       uint64_t *bias);

#endif
