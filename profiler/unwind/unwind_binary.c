// SPDX-License-Identifier: GPL-2.0-only
#include "unwind_binary.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dso.h"
#include "proc_maps.h"
#include "vdso.h"

/* Keeps what the loader keeps of bin->image: its build id and first segments. */
static void keep_identity(struct unwind_binary *bin)
{
	const struct elf_segment *segs;
	size_t nr;

	segs = elf_image__segments(bin->image, &nr);
	bin->nr_segments = nr < UNWIND_BINARY_MAX_SEGMENTS ? nr : UNWIND_BINARY_MAX_SEGMENTS;
	memcpy(bin->segments, segs, bin->nr_segments * sizeof(*segs));
	strcpy(bin->build_id, elf_image__build_id_hex(bin->image));
}

int unwind_binary__open(uint32_t tgid, const struct proc_map *map, struct unwind_binary *bin)
{
	int err;

	memset(bin, 0, sizeof(*bin));
	/* The file the snapshot found (by device and inode) and holds, if it still does. */
	bin->fd = map->dso ? dso__dup_fd(map->dso) : -EBADF;
	if (bin->fd < 0)
		bin->fd = proc_map__open("/proc", tgid, map);
	if (bin->fd < 0)
		return bin->fd;
	err = elf_image__open(bin->fd, &bin->image);
	if (err) {
		unwind_binary__close(bin);
		return err;
	}
	keep_identity(bin);
	return 0;
}

int unwind_binary__open_vdso(struct unwind_binary *bin)
{
	const void *image;
	size_t size;
	int err;

	memset(bin, 0, sizeof(*bin));
	bin->fd = -1;
	err = vdso__self_image("/proc/self/maps", &image, &size);
	if (!err)
		err = elf_image__from_memory(image, size, &bin->image);
	if (err)
		return err;
	keep_identity(bin);
	return 0;
}

void unwind_binary__close(struct unwind_binary *bin)
{
	elf_image__free(bin->image);
	bin->image = NULL;
	if (bin->fd >= 0)
		close(bin->fd);
	bin->fd = -1;
}
