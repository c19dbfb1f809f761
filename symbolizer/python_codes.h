/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The names of CPython code objects: qualified name, file and line table, read from the
 * memory of the process that runs them (process_vm_readv) when the walker first meets them,
 * so that they are known still when the process has exited by the time its samples are
 * named. Kept by (process, code object address, co_firstlineno): a code object freed and
 * its memory reused for another is told apart by its first line (the walker reads it with
 * every frame), and checked again when it is read.
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

#define PYTHON_NAME_MAX 1024		/* bytes of a name or file kept */
#define PYTHON_LINETABLE_MAX (1u << 20) /* a longer line table is not read: no lines */
#define PYTHON_CODES_BUDGET (16u << 20) /* bytes the names may take, by default */

struct python_code {
	const char *qualname; /* never NULL */
	const char *filename; /* never NULL */
	const uint8_t *linetable;
	size_t linetable_len;
	int first_line;
	const struct python_layout *layout;
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

/*
 * The names of code object @code (whose co_firstlineno the walker read as @first_line) of
 * process @tgid: from the cache, else read now when @layout (the process's interpreter) is
 * given. Returns NULL when they cannot be had. Borrowed until the next call.
 */
const struct python_code *python_codes__get(struct python_codes *codes, uint32_t tgid,
					    uint64_t code, uint32_t first_line,
					    const struct python_layout *layout);

/*
 * The source line of the instruction at byte offset @offset from the code object (as the
 * walker gives it), 0 when unknown.
 */
unsigned int python_code__line(const struct python_code *code, uint32_t offset);

void python_codes__stats(const struct python_codes *codes, struct python_codes_stats *stats);

#endif
