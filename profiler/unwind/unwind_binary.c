// SPDX-License-Identifier: GPL-2.0-only
#include "unwind_binary.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo.h"
#include "proc_maps.h"
#include "vdso.h"

/* Reads the build id and the PT_LOAD segments of bin->elf. */
static int read_identity(struct unwind_binary *bin)
{
	uint8_t id[(UNWIND_BINARY_ID_MAX - 1) / 2];
	size_t len, phnum;
	GElf_Ehdr ehdr;
	GElf_Phdr phdr;

	if (elf_kind(bin->elf) != ELF_K_ELF || !gelf_getehdr(bin->elf, &ehdr) ||
	    elf_getphdrnum(bin->elf, &phnum))
		return -ENOEXEC;
	for (size_t i = 0; i < phnum && bin->nr_segments < UNWIND_BINARY_MAX_SEGMENTS; i++) {
		if (!gelf_getphdr(bin->elf, i, &phdr) || phdr.p_type != PT_LOAD)
			continue;
		bin->segments[bin->nr_segments++] = (struct unwind_binary_segment){
			.offset = phdr.p_offset, .filesz = phdr.p_filesz, .vaddr = phdr.p_vaddr
		};
	}
	len = debuginfo__build_id(bin->elf, id, sizeof(id));
	for (size_t i = 0; i < len; i++)
		snprintf(bin->build_id + 2 * i, 3, "%02x", id[i]);
	bin->build_id[2 * len] = '\0';
	return 0;
}

int unwind_binary__open(uint32_t tgid, const struct proc_map *map, struct unwind_binary *bin)
{
	int err;

	memset(bin, 0, sizeof(*bin));
	bin->fd = proc_map__open("/proc", tgid, map);
	if (bin->fd < 0)
		return bin->fd;
	if (elf_version(EV_CURRENT) == EV_NONE)
		err = -ENOEXEC;
	/* Read, not mapped: a file truncated under us gives errors, not SIGBUS. */
	else if (!(bin->elf = elf_begin(bin->fd, ELF_C_READ, NULL)))
		err = -ENOEXEC;
	else
		err = read_identity(bin);
	if (err)
		unwind_binary__close(bin);
	return err;
}

int unwind_binary__open_vdso(struct unwind_binary *bin)
{
	const void *image;
	size_t size;
	int err;

	memset(bin, 0, sizeof(*bin));
	bin->fd = -1;
	err = vdso__self_image("/proc/self/maps", &image, &size);
	if (err)
		return err;
	/* libelf may write into what elf_memory() is given; the vDSO is read-only. */
	bin->copy = malloc(size);
	if (!bin->copy)
		return -ENOMEM;
	memcpy(bin->copy, image, size);
	bin->elf = elf_version(EV_CURRENT) == EV_NONE ? NULL : elf_memory(bin->copy, size);
	err = bin->elf ? read_identity(bin) : -ENOEXEC;
	if (err)
		unwind_binary__close(bin);
	return err;
}

void unwind_binary__close(struct unwind_binary *bin)
{
	elf_end(bin->elf);
	bin->elf = NULL;
	if (bin->fd >= 0)
		close(bin->fd);
	bin->fd = -1;
	free(bin->copy);
	bin->copy = NULL;
}

int unwind_binary__bias(const struct unwind_binary_segment *segments, size_t nr_segments,
			uint64_t start, uint64_t pgoff, uint64_t *bias)
{
	/* A segment holding pgoff, else one starting inside the mapping's first page. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nr_segments; i++) {
			const struct unwind_binary_segment *seg = &segments[i];
			uint64_t from = pass ? seg->offset & ~4095ull : seg->offset;

			if (pgoff >= from && pgoff < seg->offset + seg->filesz) {
				*bias = start - (pgoff + seg->vaddr - seg->offset);
				return 0;
			}
		}
	}
	return -ENOENT;
}
