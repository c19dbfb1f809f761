/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The names of CPython code objects: qualified name, file and line table, read from the
 * memory of the process that runs them (process_vm_readv) when the walker first meets them,
 * so that they are known still when the process has exited by the time its samples are
 * named. Kept by (process, code object address, check): the check, which the caller makes
 * of the code object's first line and the addresses of its names, tells apart two code
 * objects that had the same address one after the other.
 *
 * Everything read is the process's: lengths are bounded, strings made valid UTF-8, and the
 * cache is bounded in bytes (over the budget it starts again empty; names of live
 * processes are read again on use).
 */
#ifndef PROF_PYTHON_CODES_H
#define PROF_PYTHON_CODES_H

#include <stddef.h>
#include <stdint.h>

#include "python_layout.h"

#define PYTHON_NAME_MAX 1024		  /* bytes of a name or file kept */
#define PYTHON_LINETABLE_MAX (256u << 10) /* a longer line table is not read: no lines */
#define PYTHON_CODES_BUDGET (4u << 20)	  /* bytes the names may take, by default */

struct python_code {
	const char *qualname; /* never NULL */
	const char *filename; /* never NULL */
	const uint8_t *linetable;
	size_t linetable_len;
	int first_line;
	const struct python_layout *layout;
};

/* Where a code object's names are: its fields, read from it or as the walker saw them. */
struct python_code_ref {
	uint64_t code; /* the code object's address */
	int32_t first_line;
	uint64_t filename;  /* the str of co_filename */
	uint64_t qualname;  /* the str of co_qualname */
	uint64_t linetable; /* the bytes of co_linetable */
};

struct python_codes_stats {
	uint64_t read;	 /* code objects read */
	uint64_t failed; /* reads that failed (process gone, memory unreadable, not code) */
	uint64_t resets; /* times the cache was emptied for the budget */
	uint64_t bytes;	 /* bytes the names take now */
};

struct python_codes;

/* @budget: bytes of names kept, 0 for PYTHON_CODES_BUDGET. Returns NULL with errno set. */
struct python_codes *python_codes__new(size_t budget);
void python_codes__free(struct python_codes *codes);

/* Reads the fields of code object @code of process @tgid into @ref. Returns 0 or -errno. */
int python_codes__read_ref(uint32_t tgid, uint64_t code, const struct python_layout *layout,
			   struct python_code_ref *ref);

/*
 * Names code object @ref->code of process @tgid, known by @check, from the objects @ref
 * points at (of an interpreter of @layout), and keeps the names. Returns them, or NULL
 * when they cannot be read (counted). Borrowed until the next call.
 */
const struct python_code *python_codes__add(struct python_codes *codes, uint32_t tgid,
					    uint32_t check, const struct python_code_ref *ref,
					    const struct python_layout *layout);

/* The names kept of code object @code of @tgid known by @check, or NULL. As above. */
const struct python_code *python_codes__find(struct python_codes *codes, uint32_t tgid,
					     uint64_t code, uint32_t check);

/*
 * The source line of the instruction at byte offset @offset from the code object (as the
 * walker gives it), 0 when unknown.
 */
unsigned int python_code__line(const struct python_code *code, uint32_t offset);

void python_codes__stats(const struct python_codes *codes, struct python_codes_stats *stats);

#endif
