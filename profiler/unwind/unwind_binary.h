/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the unwind loader needs to know of a mapped binary without the symbolizer's help:
 * its build id, which names its table, and its loadable segments, which place the table
 * in a process. Read straight from the file a process maps (or from our own vDSO).
 */
#ifndef PROF_UNWIND_BINARY_H
#define PROF_UNWIND_BINARY_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

struct proc_map;

#define UNWIND_BINARY_MAX_SEGMENTS 8
#define UNWIND_BINARY_ID_MAX 129 /* hex of the longest build id we keep, and a NUL */

struct unwind_binary_segment {
	uint64_t offset; /* p_offset */
	uint64_t filesz; /* p_filesz */
	uint64_t vaddr;	 /* p_vaddr */
};

struct unwind_binary {
	char build_id[UNWIND_BINARY_ID_MAX]; /* lowercase hex; "" without one */
	struct unwind_binary_segment segments[UNWIND_BINARY_MAX_SEGMENTS]; /* PT_LOAD */
	size_t nr_segments;
	Elf *elf;   /* open until unwind_binary__close() */
	int fd;	    /* -1 for a binary in memory */
	void *copy; /* the vDSO's copy, or NULL */
};

/*
 * Opens the file process @tgid maps at @map, as the process sees it (proc_map__open()),
 * and reads its build id and segments. Returns 0 or -errno
 * (-ENOEXEC: not an ELF file).
 */
int unwind_binary__open(uint32_t tgid, const struct proc_map *map, struct unwind_binary *bin);
/* The same for our own vDSO, which every process of this kernel maps. */
int unwind_binary__open_vdso(struct unwind_binary *bin);
void unwind_binary__close(struct unwind_binary *bin);

/*
 * The bias (address minus ELF virtual address) of a mapping at @start of the file offset
 * @pgoff, through the segment that holds @pgoff. Returns 0 or -ENOENT.
 */
int unwind_binary__bias(const struct unwind_binary_segment *segments, size_t nr_segments,
			uint64_t start, uint64_t pgoff, uint64_t *bias);

#endif
