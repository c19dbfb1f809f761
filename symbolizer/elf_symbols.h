/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The function symbols of one ELF file (.symtab and .dynsym), sorted by address, one per
 * address, with their extents, for binary search by ELF virtual address; and the merge of
 * two such tables (a binary's and its debug file's).
 */
#ifndef PROF_ELF_SYMBOLS_H
#define PROF_ELF_SYMBOLS_H

#include <libelf.h>
#include <stddef.h>
#include <stdint.h>

struct elf_symbols;

/*
 * Reads the defined STT_FUNC and STT_GNU_IFUNC symbols of @elf, which stays owned by the
 * caller and may be ended after this returns (names are copied). Returns 0 and an owned
 * table in *@out (empty when the file has no symbols), or -errno: -ENOMEM, -EINVAL when a
 * symbol section cannot be read. Every size and offset in the file is checked. Names lose
 * a symbol version ("mtx_init@@GLIBC_2.34" reads "mtx_init", as in .dynsym).
 */
int elf_symbols__read(Elf *elf, struct elf_symbols **out);
/*
 * Merges two tables (both stay the caller's) into a new one holding every address of
 * either, with @a's name and extent where both have a symbol: a debug file's .symtab
 * (@a) over the binary's .dynsym (@b). Returns 0 and an owned table in *@out, or -ENOMEM.
 */
int elf_symbols__merge(const struct elf_symbols *a, const struct elf_symbols *b,
		       struct elf_symbols **out);
/* NULL-safe. */
void elf_symbols__free(struct elf_symbols *syms);

/*
 * Returns the name of the function containing the virtual address @addr, borrowed and valid
 * until elf_symbols__free(), or NULL. A symbol with a size covers [value, value + size);
 * one without extends to the next symbol or the end of its section. *@start (may be NULL)
 * is set to the symbol's address.
 */
const char *elf_symbols__find(const struct elf_symbols *syms, uint64_t addr, uint64_t *start);

size_t elf_symbols__count(const struct elf_symbols *syms);
/* Bytes held, for memory accounting. */
size_t elf_symbols__size(const struct elf_symbols *syms);

#endif
