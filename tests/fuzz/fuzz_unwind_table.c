// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for unwind_table__build(): the input is the .eh_frame of a minimal
 * x86-64 ELF file (one executable segment over the addresses its FDEs are likely to name).
 * Any input must give a table or -errno, never a crash, a hang, a leak or undefined
 * behaviour, and a table must be what the BPF walker relies on: sorted distinct pcs, known
 * rule types, NONE last, and stats that count its rows.
 *
 * Seeds are the .eh_frame sections of small programs (objcopy -O binary), which were linked
 * with .eh_frame elsewhere: placing it at EH_FRAME_VADDR keeps the code their FDEs name, a
 * few pages below, inside the segment.
 */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/eh_frame_elf.h"
#include "unwind_table.h"

#define EH_FRAME_VADDR 0x100000
#define SEGMENT_SIZE 0x200000
#define MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The ELF file around @eh, malloc'ed; its size in *@len. */
static uint8_t *wrap_elf(const uint8_t *eh, size_t eh_len, size_t *len)
{
	const struct eh_frame_elf_layout layout = {
		.machine = EM_X86_64,
		.type = ET_DYN,
		.eh_offset = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr),
		.eh_vaddr = EH_FRAME_VADDR,
		.text_vaddr = 0x1000,
		.text_size = EH_FRAME_VADDR - 0x1000,
		.segment_size = SEGMENT_SIZE,
	};
	uint8_t *out;

	*len = eh_frame_elf__size(&layout, eh_len);
	out = calloc(1, *len);
	if (!out)
		abort();
	eh_frame_elf__write(out, &layout, eh, eh_len);
	return out;
}

static void check_table(const struct unwind_table *t)
{
	struct unwind_table_stats n = { 0 };
	uint32_t i;

	if (t->nr_rows < 2 || t->rows[0].pc || !t->source ||
	    t->rows[t->nr_rows - 1].cfa_type != PROF_CFA_NONE)
		abort();
	for (i = 0; i < t->nr_rows; i++) {
		const struct prof_unwind_row *r = &t->rows[i];
		int type = r->cfa_type & PROF_CFA_TYPE_MASK;

		if (type >= PROF_CFA_NR_TYPES || (i && r->pc <= t->rows[i - 1].pc))
			abort();
		/* the rule is the 4 bytes after pc: two neighbours must not share one */
		if (i && !memcmp((const char *)r + 4, (const char *)&t->rows[i - 1] + 4, 4))
			abort();
		n.unsupported += type == PROF_CFA_UNSUPPORTED;
		n.plt += type == PROF_CFA_PLT;
		n.signal += type == PROF_CFA_SIGNAL;
		n.end += type == PROF_CFA_END;
		n.fp_lost += (type == PROF_CFA_SP || type == PROF_CFA_FP) &&
			     r->fp_offset == PROF_FP_LOST;
	}
	if (n.unsupported != t->stats.unsupported || n.plt != t->stats.plt ||
	    n.signal != t->stats.signal || n.end != t->stats.end || n.fp_lost != t->stats.fp_lost)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unwind_table *table = NULL;
	uint8_t *image;
	size_t len;
	Elf *elf;
	int err;

	if (size > MAX_INPUT)
		return 0;
	if (elf_version(EV_CURRENT) == EV_NONE)
		abort();
	image = wrap_elf(data, size, &len);
	elf = elf_memory((char *)image, len);
	if (!elf)
		abort();
	err = unwind_table__build(elf, NULL, &table);
	if (err) {
		if (err > 0 || table)
			abort();
	} else {
		check_table(table);
		unwind_table__free(table);
	}
	elf_end(elf);
	free(image);
	return 0;
}
