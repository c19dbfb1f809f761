/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the unwind loader needs to know of a mapped binary without the symbolizer's help:
 * its build id, which names its table, and its loadable segments, which place the table
 * in a process. Read through elf_image from the file a process maps (or our own vDSO).
 */
#ifndef PROF_UNWIND_BINARY_H
#define PROF_UNWIND_BINARY_H

#include <stddef.h>
#include <stdint.h>

#include "elf_image.h"

struct proc_map;

#define UNWIND_BINARY_MAX_SEGMENTS 8
/* hex of the longest build id we keep, and a NUL */
#define UNWIND_BINARY_ID_MAX (2 * ELF_IMAGE_BUILD_ID_MAX + 1)

struct unwind_binary {
	char build_id[UNWIND_BINARY_ID_MAX];			 /* lowercase hex; "" without one */
	struct elf_segment segments[UNWIND_BINARY_MAX_SEGMENTS]; /* the first PT_LOAD ones */
	size_t nr_segments;
	struct elf_image *image; /* open until unwind_binary__close(); its Elf for the table */
	int fd;			 /* -1 for a binary in memory */
};

/*
 * Opens the file process @tgid maps at @map, as the process sees it (proc_map__open()),
 * and reads its build id and segments. Returns 0 or -errno (-ENOEXEC: not an ELF
 * executable or shared object; -EINVAL: a truncated one).
 */
int unwind_binary__open(uint32_t tgid, const struct proc_map *map, struct unwind_binary *bin);
/* The same for our own vDSO, which every process of this kernel maps. */
int unwind_binary__open_vdso(struct unwind_binary *bin);
/* Frees what the open read and closes the file; @bin may be closed again. */
void unwind_binary__close(struct unwind_binary *bin);

#endif
