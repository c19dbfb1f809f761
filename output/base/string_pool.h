/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interned strings: each distinct string is stored once, NUL-terminated, at an address that
 * never moves, and gets a dense id (0, 1, 2, ... in order of first sight). Equal strings
 * give equal ids and equal pointers, so interned strings compare by pointer.
 */
#ifndef PROF_STRING_POOL_H
#define PROF_STRING_POOL_H

#include <stddef.h>
#include <stdint.h>

struct string_pool;

/* Returns NULL with errno set on allocation failure. */
struct string_pool *string_pool__new(void);
/* NULL-safe. Invalidates every string borrowed from the pool. */
void string_pool__free(struct string_pool *pool);

/*
 * Interns @s[0..len) (which may hold NUL bytes; the copy gets a NUL after them). Returns the
 * string's id (>= 0), or -ENOMEM, or -E2BIG when @len or the number of strings does not fit
 * in 32 bits.
 */
int64_t string_pool__intern(struct string_pool *pool, const char *s, size_t len);

/* Borrowed until string_pool__free(); NULL for an unknown id. */
const char *string_pool__str(const struct string_pool *pool, uint32_t id);
/* The length of string @id, 0 for an unknown id. */
size_t string_pool__len(const struct string_pool *pool, uint32_t id);
size_t string_pool__count(const struct string_pool *pool);
/* Bytes allocated, for memory accounting. */
size_t string_pool__footprint(const struct string_pool *pool);

#endif
