/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF walker's rules (bpf/user_stack.bpf.h: step_row, step_frame_pointer) run in user
 * space over a sample's captured stack bytes: the unwinding of deferred samples, whose
 * process the walker did not know yet when they were taken.
 */
#ifndef PROF_DEFERRED_WALK_H
#define PROF_DEFERRED_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "unwind_abi.h"

/*
 * The row for the ELF address @vaddr of a mapping's table, found by its owner (@ctx is the
 * mapping's): copied into @row, returning 1; 0 when no row holds it.
 */
typedef int (*deferred_find_row_fn)(void *ctx, uint64_t vaddr, struct prof_unwind_row *row);

/*
 * An executable mapping, as prof_unwind_mapping, with its table: the rows, or a function
 * that finds them (asked only for the mappings a walk goes through); all borrowed.
 */
struct deferred_mapping {
	uint64_t start; /* [start, end): ELF vaddr + bias */
	uint64_t end;
	uint64_t bias;
	uint64_t base;			    /* the table's: row pcs are relative to it */
	const struct prof_unwind_row *rows; /* sorted by pc; NULL: see find_row */
	uint32_t nr_rows;
	deferred_find_row_fn find_row; /* without rows; NULL too: no table (frame pointers) */
	void *ctx;
};

/* A sample's user registers and the stack bytes [sp, sp + size) read with it; borrowed. */
struct captured_stack {
	uint64_t ip;
	uint64_t sp;
	uint64_t bp;
	uint64_t bx;
	uint64_t di;
	uint64_t ax;
	const uint8_t *bytes;
	size_t size;
};

/*
 * The last of @nr_rows @rows (sorted by pc, pcs relative to @base) at or below the ELF
 * address @vaddr, or NULL: find_row() of user_stack.bpf.h, over rows in memory.
 */
const struct prof_unwind_row *deferred_walk__find_row(const struct prof_unwind_row *rows,
						      uint32_t nr_rows, uint64_t base,
						      uint64_t vaddr);

/*
 * Walks @cs through @maps (@nmaps, sorted by start, not overlapping) into @out, frames
 * innermost first and how the walk ended, as the BPF walker would have. A read outside the
 * captured bytes ends it with PROF_UNWIND_BAD_READ. Cannot fail.
 */
void deferred_walk(const struct deferred_mapping *maps, size_t nmaps,
		   const struct captured_stack *cs, struct prof_user_stack *out);

#endif
