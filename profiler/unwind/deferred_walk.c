// SPDX-License-Identifier: GPL-2.0-only
#include "deferred_walk.h"

#include <stdbool.h>
#include <string.h>

#define WALKING 0xff

struct walk {
	const struct deferred_mapping *maps;
	size_t nmaps;
	const struct captured_stack *cs;
	uint64_t pc, sp, bp;
	uint64_t bx;	     /* 0: not known */
	uint64_t di;	     /* the sampled frame's; 0 above it */
	bool sampled_frame;  /* the walk is at the sampled frame still: cs->ax is its rax */
	bool return_address; /* pc was read from a frame: look it up at pc - 1 */
};

static bool read_u64(const struct walk *w, uint64_t addr, uint64_t *val)
{
	const struct captured_stack *cs = w->cs;

	if (addr < cs->sp || cs->size < 8 || addr - cs->sp > cs->size - 8)
		return false;
	memcpy(val, cs->bytes + (addr - cs->sp), sizeof(*val));
	return true;
}

/* The mapping holding @pc, or NULL. */
static const struct deferred_mapping *mapping_of(const struct walk *w, uint64_t pc)
{
	size_t lo = 0, hi = w->nmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->maps[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || pc >= w->maps[lo - 1].end)
		return NULL;
	return &w->maps[lo - 1];
}

const struct prof_unwind_row *deferred_walk__find_row(const struct prof_unwind_row *rows,
						      uint32_t nr_rows, uint64_t base,
						      uint64_t vaddr)
{
	uint64_t rel;
	size_t lo = 0, hi = nr_rows;

	if (!nr_rows || vaddr < base || vaddr - base > 0xffffffffull)
		return NULL;
	rel = vaddr - base;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rows[mid].pc <= rel)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &rows[lo - 1] : NULL;
}

/* The row of @m's table for the ELF address @vaddr (copied into @found by find_row), or NULL. */
static const struct prof_unwind_row *row_of(const struct deferred_mapping *m, uint64_t vaddr,
					    struct prof_unwind_row *found)
{
	if (!m->rows)
		return m->find_row(m->ctx, vaddr, found) ? found : NULL;
	return deferred_walk__find_row(m->rows, m->nr_rows, m->base, vaddr);
}

/* step_frame_pointer(), but for a read outside the capture: PROF_UNWIND_BAD_READ. */
static int step_frame_pointer(struct walk *w)
{
	uint64_t frame[2];

	if (w->bp == 0)
		return PROF_UNWIND_COMPLETE;
	if (w->bp < w->sp)
		return PROF_UNWIND_NO_TABLE;
	if (!read_u64(w, w->bp, &frame[0]) || !read_u64(w, w->bp + 8, &frame[1]))
		return PROF_UNWIND_BAD_READ;
	w->sp = w->bp + 16;
	w->bp = frame[0];
	w->bx = 0;
	w->di = 0;
	w->sampled_frame = false;
	w->pc = frame[1];
	w->return_address = true;
	return w->pc ? WALKING : PROF_UNWIND_COMPLETE;
}

/* caller_bx() of user_stack.bpf.h. */
static bool caller_bx(const struct walk *w, uint8_t cfa_type, uint64_t cfa, uint64_t *bx)
{
	unsigned int where = (cfa_type & PROF_CFA_BX_MASK) >> PROF_CFA_BX_SHIFT;

	*bx = where == PROF_BX_LOST ? 0 : w->bx;
	/* A slot below SP was popped already, as for rbp in step_row(). */
	if (where && where != PROF_BX_LOST && cfa - 8 * (where + 1) >= w->sp)
		return read_u64(w, cfa - 8 * (where + 1), bx);
	return true;
}

/* step_row() of user_stack.bpf.h. */
static int step_row(struct walk *w, const struct prof_unwind_row *row)
{
	int64_t offset = row->cfa_offset;
	uint64_t cfa, ra = 0, bp = w->bp, bx;

	if (row->cfa_type & PROF_CFA_OFFSET_X8)
		offset *= 8;
	switch (row->cfa_type & PROF_CFA_TYPE_MASK) {
	case PROF_CFA_SP:
		cfa = w->sp + offset;
		break;
	case PROF_CFA_FP:
		if (w->bp == 0)
			return PROF_UNWIND_BAD_READ;
		cfa = w->bp + offset;
		break;
	case PROF_CFA_PLT:
		cfa = w->sp + offset + ((w->pc & 15) >= (uint64_t)(int64_t)row->fp_offset ? 8 : 0);
		break;
	case PROF_CFA_BX:
		if (w->bx == 0)
			return PROF_UNWIND_BAD_READ;
		cfa = w->bx + offset;
		break;
	case PROF_CFA_RA_DI:
		if (w->di == 0)
			return PROF_UNWIND_UNSUPPORTED;
		cfa = w->sp + offset;
		ra = w->di;
		break;
	case PROF_CFA_CLONE:
		if (!w->sampled_frame)
			return PROF_UNWIND_UNSUPPORTED;
		if (w->cs->ax == 0)
			return PROF_UNWIND_COMPLETE;
		cfa = w->sp + offset;
		break;
	case PROF_CFA_SIGNAL:
		if (!read_u64(w, w->sp + PROF_SIGFRAME_RIP, &w->pc) ||
		    !read_u64(w, w->sp + PROF_SIGFRAME_RBP, &w->bp) ||
		    !read_u64(w, w->sp + PROF_SIGFRAME_RBX, &w->bx) ||
		    !read_u64(w, w->sp + PROF_SIGFRAME_RSP, &cfa))
			return PROF_UNWIND_BAD_READ;
		w->sp = cfa;
		w->di = 0;
		w->sampled_frame = false;
		w->return_address = false;
		return WALKING;
	case PROF_CFA_END:
		return PROF_UNWIND_COMPLETE;
	case PROF_CFA_UNSUPPORTED:
		return PROF_UNWIND_UNSUPPORTED;
	default:
		return PROF_UNWIND_NO_ROW;
	}
	if (cfa < w->sp || (cfa == w->sp && !ra))
		return PROF_UNWIND_BAD_FRAME;
	if (!ra && !read_u64(w, cfa - 8, &ra))
		return PROF_UNWIND_BAD_READ;
	/*
	 * A save slot below SP was popped already: compilers leave the rule as it was in
	 * epilogues, and the register holds the caller's value again. Memory below SP is not
	 * captured (the walker in the kernel reads the same value there).
	 */
	if (row->fp_offset == PROF_FP_LOST)
		bp = 0;
	else if (row->fp_offset < 0 && cfa + row->fp_offset * 8 >= w->sp &&
		 !read_u64(w, cfa + row->fp_offset * 8, &bp))
		return PROF_UNWIND_BAD_READ;
	if (!caller_bx(w, row->cfa_type, cfa, &bx))
		return PROF_UNWIND_BAD_READ;
	w->sp = cfa;
	w->bp = bp;
	w->bx = bx;
	w->di = 0;
	w->sampled_frame = false;
	w->pc = ra;
	w->return_address = true;
	return ra ? WALKING : PROF_UNWIND_COMPLETE;
}

/* step_frame(): through the row of the pc, frame pointers where there is no table. */
static int step_frame(struct walk *w)
{
	const struct deferred_mapping *m = mapping_of(w, w->pc);
	const struct prof_unwind_row *row;
	struct prof_unwind_row found;

	if (!m || (!m->rows && !m->find_row))
		return step_frame_pointer(w);
	row = row_of(m, w->pc - (w->return_address ? 1 : 0) - m->bias, &found);
	return row ? step_row(w, row) : PROF_UNWIND_NO_ROW;
}

void deferred_walk(const struct deferred_mapping *maps, size_t nmaps,
		   const struct captured_stack *cs, struct prof_user_stack *out)
{
	struct walk w = {
		.maps = maps,
		.nmaps = nmaps,
		.cs = cs,
		.pc = cs->ip,
		.sp = cs->sp,
		.bp = cs->bp,
		.bx = cs->bx,
		.di = cs->di,
		.sampled_frame = true,
	};
	int end = WALKING;

	out->nr = 0;
	out->python_end = 0;
	out->pad = 0;
	while (end == WALKING) {
		if (out->nr >= PROF_MAX_USER_DEPTH) {
			end = PROF_UNWIND_DEPTH;
			break;
		}
		out->ips[out->nr++] = w.pc;
		end = step_frame(&w);
	}
	out->end = end;
	out->native_nr = out->nr;
}
