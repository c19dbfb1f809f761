/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NUL-terminated names back to back in one growable buffer, addressed by 32-bit offsets:
 * the names of a symbol table, kallsyms' module names.
 */
#ifndef PROF_NAME_BUFFER_H
#define PROF_NAME_BUFFER_H

#include <stddef.h>
#include <stdint.h>

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

/* Gives back what growing took beyond the names; nothing when that fails. */
void name_buffer__trim(struct name_buffer *nb);

#endif
