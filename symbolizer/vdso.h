/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vDSO's function names. The kernel maps one image per ABI into every process, so the
 * copy in our own memory names the vDSO of every process of our ABI: it is read once, from
 * our memory, instead of from each process. A process whose [vdso] mapping differs in size
 * (another ABI, such as a 32-bit process) is not named from it.
 */
#ifndef PROF_VDSO_H
#define PROF_VDSO_H

#include <stddef.h>
#include <stdint.h>

struct vdso;

/*
 * Where this process's vDSO image is (getauxval(AT_SYSINFO_EHDR)) and its size, from the
 * [vdso] line of @self_maps. *@image is borrowed for the life of the process. Returns 0 or
 * -ENOENT.
 */
int vdso__self_image(const char *self_maps, const void **image, size_t *size);

/*
 * Reads the vDSO of this process: its address from getauxval(AT_SYSINFO_EHDR), its size
 * from the [vdso] line of @self_maps (normally "/proc/self/maps"). Returns 0 and an owned
 * table in *@out, or -errno: -ENOENT without a vDSO, -ENOEXEC when the image is not ELF
 * with symbols, -ENOMEM.
 */
int vdso__read_self(const char *self_maps, struct vdso **out);

/*
 * Reads the vDSO image @image[0..@size) (copied; tests pass broken ones). Returns 0 and an
 * owned table in *@out, or -ENOEXEC for an image that is not a usable ELF file, -ENOMEM.
 * Every offset and size in the image is checked against @size.
 */
int vdso__from_image(const void *image, size_t size, struct vdso **out);

/* NULL-safe. */
void vdso__free(struct vdso *vdso);

/* Bytes of the image: a process's [vdso] mapping of another size holds another image. */
size_t vdso__size(const struct vdso *vdso);

/*
 * The function at @off bytes from the start of the mapping, borrowed until vdso__free(),
 * or NULL. *@vaddr (may be NULL) is set to the ELF virtual address of @off in the image.
 */
const char *vdso__find(const struct vdso *vdso, uint64_t off, uint64_t *vaddr);

#endif
