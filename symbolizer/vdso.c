// SPDX-License-Identifier: GPL-2.0-only
#include "vdso.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "elf_image.h"
#include "elf_symbols.h"
#include "log.h"

/* The image is a few pages; a bigger [vdso] line is not one we understand. */
#define VDSO_MAX_SIZE (1u << 20)

struct vdso {
	struct elf_symbols *symbols;
	size_t size;
	/* vaddr = offset + bias: the image's PT_LOAD segment, linked at 0 on current kernels. */
	uint64_t bias;
};

int vdso__from_image(const void *image, size_t size, struct vdso **out)
{
	struct elf_image *elf_image = NULL;
	struct vdso *vdso;
	int err;

	if (!size || size > VDSO_MAX_SIZE)
		return -ENOEXEC;
	vdso = calloc(1, sizeof(*vdso));
	if (!vdso)
		return -ENOMEM;
	vdso->size = size;
	err = elf_image__from_memory(image, size, &elf_image);
	if (err)
		goto out_free;
	/* The mapping starts at file offset 0: its link address gives the bias. */
	err = elf_image__vaddr(elf_image, 0, &vdso->bias);
	if (err)
		goto out_free;
	err = elf_symbols__read(elf_image__elf(elf_image), &vdso->symbols);
	if (err)
		goto out_free;
	if (!elf_symbols__count(vdso->symbols)) {
		err = -ENOEXEC;
		goto out_free;
	}
	elf_image__free(elf_image);
	*out = vdso;
	return 0;

out_free:
	elf_image__free(elf_image);
	vdso__free(vdso);
	/* Anything but a shortage of memory is an image we cannot use. */
	return err == -ENOMEM ? err : -ENOEXEC;
}

/* The size of the [vdso] mapping that starts at @start, from a maps file; 0 if none. */
static size_t maps__vdso_size(const char *self_maps, unsigned long start)
{
	unsigned long lo, hi;
	char line[512];
	size_t size = 0;
	FILE *f;

	f = fopen(self_maps, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, " [vdso]") || sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (lo == start && hi > lo)
			size = hi - lo;
		break;
	}
	fclose(f);
	return size;
}

int vdso__self_image(const char *self_maps, const void **image, size_t *size)
{
	unsigned long start = getauxval(AT_SYSINFO_EHDR);

	if (!start)
		return -ENOENT;
	*size = maps__vdso_size(self_maps, start);
	if (!*size) {
		pr_debug("no [vdso] line at %#lx in %s\n", start, self_maps);
		return -ENOENT;
	}
	*image = (const void *)start;
	return 0;
}

int vdso__read_self(const char *self_maps, struct vdso **out)
{
	const void *image;
	size_t size;
	int err;

	err = vdso__self_image(self_maps, &image, &size);
	if (err)
		return err;
	err = vdso__from_image(image, size, out);
	if (err)
		pr_debug("cannot read our vDSO: %s\n", strerror(-err));
	return err;
}

void vdso__free(struct vdso *vdso)
{
	if (!vdso)
		return;
	elf_symbols__free(vdso->symbols);
	free(vdso);
}

size_t vdso__size(const struct vdso *vdso)
{
	return vdso->size;
}

const char *vdso__find(const struct vdso *vdso, uint64_t off, uint64_t *vaddr)
{
	if (off >= vdso->size)
		return NULL;
	if (vaddr)
		*vaddr = off + vdso->bias;
	return elf_symbols__find(vdso->symbols, off + vdso->bias, NULL);
}
