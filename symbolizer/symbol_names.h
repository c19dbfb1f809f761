/* SPDX-License-Identifier: GPL-2.0-only */
/* What the symbol-table loaders (kallsyms, ELF) share: a name buffer and the alias rule. */
#ifndef PROF_SYMBOL_NAMES_H
#define PROF_SYMBOL_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* NUL-terminated names back to back in one growable buffer, addressed by 32-bit offsets. */
struct name_buffer {
	char *data; /* owned; realloc'ed as names are added, so hold offsets, not pointers */
	size_t len;
	size_t cap;
};

/*
 * Appends the @len bytes at @name and a NUL; *@off receives the offset of the copy.
 * Returns 0, -E2BIG when the buffer would pass @limit bytes, or -ENOMEM.
 */
int name_buffer__add(struct name_buffer *nb, const char *name, size_t len, uint32_t limit,
		     uint32_t *off);

/*
 * Orders aliases of one address of equal binding: fewer leading underscores first
 * ("schedule" before "__schedule"), then bytewise, so the choice does not depend on the
 * order of the file. Returns <0, 0 or >0 as strcmp does.
 */
int symbol_name__cmp_alias(const char *a, const char *b);

#endif
