// SPDX-License-Identifier: GPL-2.0-only
#include "elf_image.h"

#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debuginfo.h"

/* A debug file is checked against the binary's build id: both must keep ids of one length. */
_Static_assert(ELF_IMAGE_BUILD_ID_MAX == DEBUGINFO_BUILD_ID_MAX, "build id lengths differ");

struct elf_image {
	Elf *elf;   /* NULL after elf_image__end_elf() */
	void *copy; /* what elf_memory() reads, or NULL */
	struct elf_segment *segments;
	size_t nr_segments;
	uint8_t build_id[ELF_IMAGE_BUILD_ID_MAX];
	size_t build_id_len;
	char build_id_hex[2 * ELF_IMAGE_BUILD_ID_MAX + 1];
};

static int image__read_segments(struct elf_image *image)
{
	size_t phnum, i, n = 0;
	GElf_Phdr phdr;

	if (elf_getphdrnum(image->elf, &phnum))
		return -ENOEXEC;
	/* phnum was checked by libelf against the file size, so this is bounded. */
	image->segments = calloc(phnum ? phnum : 1, sizeof(*image->segments));
	if (!image->segments)
		return -ENOMEM;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(image->elf, i, &phdr) || phdr.p_type != PT_LOAD)
			continue;
		image->segments[n++] = (struct elf_segment){ .offset = phdr.p_offset,
							     .filesz = phdr.p_filesz,
							     .vaddr = phdr.p_vaddr };
	}
	image->nr_segments = n;
	return n ? 0 : -ENOEXEC;
}

static void image__read_build_id(struct elf_image *image)
{
	image->build_id_len = debuginfo__build_id(image->elf, image->build_id,
						  sizeof(image->build_id));
	for (size_t i = 0; i < image->build_id_len; i++)
		sprintf(image->build_id_hex + 2 * i, "%02x", image->build_id[i]);
}

/* Checks the headers of image->elf and reads what every reader needs of them. */
static int image__read(struct elf_image *image)
{
	GElf_Ehdr ehdr;
	size_t shnum;

	if (elf_kind(image->elf) != ELF_K_ELF || !gelf_getehdr(image->elf, &ehdr) ||
	    (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN))
		return -ENOEXEC;
	/*
	 * libelf shows a section header table that lies past the end of the file as no
	 * sections at all; that is a truncated file, not one without symbols.
	 */
	if (ehdr.e_shoff && (elf_getshdrnum(image->elf, &shnum) || !shnum))
		return -EINVAL;
	image__read_build_id(image);
	return image__read_segments(image);
}

/* Takes over @copy (may be NULL) and reads the headers of @elf (may be NULL). */
static int image__new(Elf *elf, void *copy, struct elf_image **out)
{
	struct elf_image *image;
	int err;

	if (!elf) {
		free(copy);
		return -ENOEXEC;
	}
	image = calloc(1, sizeof(*image));
	if (!image) {
		elf_end(elf);
		free(copy);
		return -ENOMEM;
	}
	image->elf = elf;
	image->copy = copy;
	err = image__read(image);
	if (err) {
		elf_image__free(image);
		return err;
	}
	*out = image;
	return 0;
}

int elf_image__open(int fd, struct elf_image **out)
{
	/* Harmless to repeat; libelf refuses to work until it was called once. */
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	/*
	 * ELF_C_READ rather than an mmap: a file truncated under us must give read errors,
	 * not SIGBUS. libelf then reads only the headers and the sections asked for.
	 */
	return image__new(elf_begin(fd, ELF_C_READ, NULL), NULL, out);
}

int elf_image__from_memory(const void *buf, size_t size, struct elf_image **out)
{
	void *copy;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	copy = malloc(size ? size : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, size);
	return image__new(elf_memory(copy, size), copy, out);
}

void elf_image__end_elf(struct elf_image *image)
{
	if (image->elf)
		elf_end(image->elf);
	image->elf = NULL;
	free(image->copy);
	image->copy = NULL;
}

void elf_image__free(struct elf_image *image)
{
	if (!image)
		return;
	elf_image__end_elf(image);
	free(image->segments);
	free(image);
}

Elf *elf_image__elf(const struct elf_image *image)
{
	return image->elf;
}

const uint8_t *elf_image__build_id(const struct elf_image *image, size_t *len)
{
	*len = image->build_id_len;
	return image->build_id_len ? image->build_id : NULL;
}

const char *elf_image__build_id_hex(const struct elf_image *image)
{
	return image->build_id_hex;
}

const struct elf_segment *elf_image__segments(const struct elf_image *image, size_t *nr)
{
	*nr = image->nr_segments;
	return image->segments;
}

size_t elf_image__bytes(const struct elf_image *image)
{
	return sizeof(*image) + image->nr_segments * sizeof(*image->segments);
}

/*
 * The segment whose file bytes hold @off, or with @same_page one that starts later in the
 * page of @off; NULL if none. No sums: a hostile header must not make them wrap.
 */
static const struct elf_segment *segments__holding(const struct elf_segment *segs, size_t nr,
						   uint64_t off, bool same_page)
{
	for (size_t i = 0; i < nr; i++) {
		uint64_t from = same_page ? segs[i].offset & ~4095ull : segs[i].offset;

		if (off >= from && (off < segs[i].offset || off - segs[i].offset < segs[i].filesz))
			return &segs[i];
	}
	return NULL;
}

int elf_image__vaddr(const struct elf_image *image, uint64_t off, uint64_t *vaddr)
{
	const struct elf_segment *seg;

	seg = segments__holding(image->segments, image->nr_segments, off, false);
	if (!seg)
		return -ENOENT;
	*vaddr = off - seg->offset + seg->vaddr;
	return 0;
}

int elf_segments__bias(const struct elf_segment *segs, size_t nr, uint64_t start, uint64_t pgoff,
		       uint64_t *bias)
{
	const struct elf_segment *seg = segments__holding(segs, nr, pgoff, false);

	if (!seg)
		seg = segments__holding(segs, nr, pgoff, true);
	if (!seg)
		return -ENOENT;
	*bias = start - (pgoff - seg->offset + seg->vaddr);
	return 0;
}
