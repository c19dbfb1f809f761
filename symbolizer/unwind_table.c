// SPDX-License-Identifier: GPL-2.0-only
/*
 * Call-frame information to unwind rows. The FDEs are listed by reading the section
 * ourselves (libdw has no iterator that decodes their addresses), and each FDE's rows come
 * from libdw: dwarf_cfi_addrframe() at its start gives the rule and where the rule ends,
 * and so on up to the FDE's end. Each rule is then reduced to what the BPF walker follows
 * (bpf/unwind_abi.h): CFA = rsp or rbp + offset, the return address at CFA - 8, and where
 * rbp was saved; anything else is marked so that the walker stops there and says why.
 */
#include "unwind_table.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "log.h"

/* x86-64 DWARF register numbers. */
#define X86_64_REG_RBP 6
#define X86_64_REG_RSP 7
#define X86_64_REG_RA 16

/* Where x86-64 calls leave the return address: just below the CFA. */
#define X86_64_RA_CFA_OFFSET (-8)

/*
 * The CFI of a real binary fits in far less; beyond this the section is garbage, and the
 * cost of reading it (libdw replays an FDE's instructions for each of its rows) is bounded.
 */
#define CFI_MAX_SECTION_SIZE (1ull << 30)

/* A CIE, as far as its FDEs need it. */
struct cie_entry {
	uint64_t offset; /* in the section */
	int fde_encoding; /* DW_EH_PE_* of FDE addresses, or -1: not understood */
};

/* An FDE's address range, and its place in the section to order FDEs that start together. */
struct fde_entry {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
	uint64_t insn_bytes; /* the size of its entry: bounds the rows it can have */
};

/* A row before it is made relative to the table's base. */
struct wide_row {
	uint64_t pc;
	uint8_t cfa_type;
	int8_t fp_offset;
	int16_t cfa_offset;
};

/* One CFI section being turned into rows. */
struct cfi_reader {
	Elf *elf;		/* borrowed: the file whose section is read */
	Elf_Data *data;		/* borrowed from @elf */
	uint64_t sh_addr;	/* the section's vaddr, for pc-relative addresses */
	bool eh_frame;		/* .eh_frame format (else .debug_frame) */
	Dwarf_CFI *cfi;		/* borrowed */
	const GElf_Phdr *segs;	/* executable PT_LOAD segments of the binary; borrowed */
	size_t nr_segs;

	struct cie_entry *cies;
	size_t nr_cies, cap_cies;
	struct fde_entry *fdes;
	size_t nr_fdes, cap_fdes;
	struct wide_row *rows;
	size_t nr_rows, cap_rows;
	struct unwind_table_stats stats;
};

/* Reads the DW_EH_PE_* value format of @enc at *@p (not past @end). Returns 0 or -EINVAL. */
static int read_encoded(const uint8_t **p, const uint8_t *end, int enc, uint64_t *out)
{
	const uint8_t *q = *p;
	uint64_t v = 0;
	unsigned int shift = 0, size = 0;
	int i;

	switch (enc & 0x0f) {
	case DW_EH_PE_absptr:
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		size = 8;
		break;
	case DW_EH_PE_udata4:
	case DW_EH_PE_sdata4:
		size = 4;
		break;
	case DW_EH_PE_udata2:
	case DW_EH_PE_sdata2:
		size = 2;
		break;
	case DW_EH_PE_uleb128:
	case DW_EH_PE_sleb128:
		for (i = 0; i < 10; i++) {
			if (q >= end)
				return -EINVAL;
			v |= (uint64_t)(*q & 0x7f) << shift;
			shift += 7;
			if (!(*q++ & 0x80))
				break;
		}
		if (i == 10)
			return -EINVAL;
		if ((enc & 0x0f) == DW_EH_PE_sleb128 && shift < 64 && (q[-1] & 0x40))
			v |= ~0ull << shift;
		*p = q;
		*out = v;
		return 0;
	default:
		return -EINVAL;
	}
	if ((size_t)(end - q) < size)
		return -EINVAL;
	/* Little-endian: build_fd and build check the file is. */
	for (i = size - 1; i >= 0; i--)
		v = v << 8 | q[i];
	if ((enc & 0x0f) == DW_EH_PE_sdata2)
		v = (uint64_t)(int64_t)(int16_t)v;
	else if ((enc & 0x0f) == DW_EH_PE_sdata4)
		v = (uint64_t)(int64_t)(int32_t)v;
	*p = q + size;
	*out = v;
	return 0;
}

/* The encoding of a CIE's FDE addresses (DW_EH_PE_*), or -1 when it cannot be told. */
static int cie__fde_encoding(const Dwarf_CIE *cie, bool eh_frame)
{
	const uint8_t *p = cie->augmentation_data;
	const uint8_t *end = p ? p + cie->augmentation_data_size : NULL;
	const char *aug = cie->augmentation;
	int enc = DW_EH_PE_absptr;
	uint64_t skip;

	if (!eh_frame || !aug || !*aug)
		return DW_EH_PE_absptr;
	/* Without 'z' the data's size is unknown; GCC has not written those in decades. */
	if (aug[0] != 'z' || !p)
		return -1;
	for (aug++; *aug; aug++) {
		switch (*aug) {
		case 'R':
			if (p >= end)
				return -1;
			enc = *p++;
			break;
		case 'L':
			if (p >= end)
				return -1;
			p++;
			break;
		case 'P':
			/* the personality routine: its encoding, then the pointer */
			if (p >= end)
				return -1;
			skip = *p++;
			if (read_encoded(&p, end, (int)skip, &skip))
				return -1;
			break;
		case 'S': /* signal frame: dwarf_frame_info says so */
		case 'B': /* AArch64 BTI, harmless */
		case 'G': /* MTE tagged frames, harmless */
			break;
		default:
			/* Unknown augmentation data would follow 'R' in an unknown order. */
			return enc == DW_EH_PE_absptr ? -1 : enc;
		}
	}
	/* Indirect, aligned or base-relative FDE addresses are not written for x86-64 code. */
	if ((enc & DW_EH_PE_indirect) || ((enc & 0x70) != DW_EH_PE_absptr &&
					  (enc & 0x70) != DW_EH_PE_pcrel))
		return -1;
	return enc;
}

static int cie_entry__cmp(const void *a, const void *b)
{
	const struct cie_entry *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static const struct cie_entry *cfi_reader__find_cie(const struct cfi_reader *r, uint64_t offset)
{
	struct cie_entry key = { .offset = offset };

	return bsearch(&key, r->cies, r->nr_cies, sizeof(key), cie_entry__cmp);
}

/* Whether [start, end) lies in one executable segment: FDEs of discarded code do not. */
static bool cfi_reader__in_text(const struct cfi_reader *r, uint64_t start, uint64_t end)
{
	size_t i;

	if (!r->nr_segs)
		return true;
	for (i = 0; i < r->nr_segs; i++) {
		const GElf_Phdr *s = &r->segs[i];

		if (start >= s->p_vaddr && end <= s->p_vaddr + s->p_memsz)
			return true;
	}
	return false;
}

/* Decodes the address range of the FDE @fde at section offset @offset and records it. */
static int cfi_reader__add_fde(struct cfi_reader *r, const Dwarf_FDE *fde, uint64_t offset,
			       uint64_t next_offset)
{
	const uint8_t *buf = r->data->d_buf, *p = fde->start, *end = fde->end;
	const struct cie_entry *cie;
	uint64_t start, len;
	struct fde_entry *e;
	int err;

	cie = cfi_reader__find_cie(r, fde->CIE_pointer);
	if (!cie || cie->fde_encoding < 0 || p < buf || end > buf + r->data->d_size || p >= end)
		goto out_bad;
	if (read_encoded(&p, end, cie->fde_encoding, &start))
		goto out_bad;
	if ((cie->fde_encoding & 0x70) == DW_EH_PE_pcrel)
		start += r->sh_addr + (uint64_t)(fde->start - buf);
	/* The range has the same size but is never relative. */
	if (read_encoded(&p, end, cie->fde_encoding & 0x0f, &len))
		goto out_bad;
	if (!len || start + len < start || !cfi_reader__in_text(r, start, start + len)) {
		r->stats.outside++;
		return 0;
	}
	err = array__reserve(&r->fdes, &r->cap_fdes, r->nr_fdes + 1, sizeof(*r->fdes));
	if (err)
		return err;
	e = &r->fdes[r->nr_fdes++];
	e->start = start;
	e->end = start + len;
	e->offset = offset;
	e->insn_bytes = next_offset - offset;
	return 0;

out_bad:
	r->stats.bad_fdes++;
	return 0;
}

static int fde_entry__cmp(const void *a, const void *b)
{
	const struct fde_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * Lists the section's FDEs, sorted by start. Two passes, since an FDE may name a CIE that
 * comes after it. Entries that cannot be read are skipped when their length allows it.
 */
static int cfi_reader__list_fdes(struct cfi_reader *r)
{
	const unsigned char *ident = (const unsigned char *)elf_getident(r->elf, NULL);
	Dwarf_Off off, next;
	Dwarf_CFI_Entry entry;
	int pass, ret, err;

	if (!ident)
		return -EINVAL;
	for (pass = 0; pass < 2; pass++) {
		for (off = 0; off < r->data->d_size; off = next) {
			next = (Dwarf_Off)-1;
			ret = dwarf_next_cfi(ident, r->data, r->eh_frame, off, &next, &entry);
			if (ret > 0)
				break;
			/* Entries are never empty: a next that does not move on is garbage. */
			if (ret < 0) {
				if (pass == 1)
					r->stats.bad_fdes++;
				if (next == (Dwarf_Off)-1 || next <= off)
					break;
				continue;
			}
			if (next <= off)
				break;
			if (dwarf_cfi_cie_p(&entry)) {
				if (pass == 1)
					continue;
				err = array__reserve(&r->cies, &r->cap_cies, r->nr_cies + 1,
						     sizeof(*r->cies));
				if (err)
					return err;
				r->cies[r->nr_cies].offset = off;
				r->cies[r->nr_cies++].fde_encoding =
					cie__fde_encoding(&entry.cie, r->eh_frame);
				continue;
			}
			if (pass == 0)
				continue;
			r->stats.fdes++;
			err = cfi_reader__add_fde(r, &entry.fde, off, next);
			if (err)
				return err;
		}
		/* In section order, so sorted already, unless the section lies. */
		if (pass == 0)
			qsort(r->cies, r->nr_cies, sizeof(*r->cies), cie_entry__cmp);
	}
	qsort(r->fdes, r->nr_fdes, sizeof(*r->fdes), fde_entry__cmp);
	return 0;
}

static bool wide_row__same_rule(const struct wide_row *a, const struct wide_row *b)
{
	return a->cfa_type == b->cfa_type && a->fp_offset == b->fp_offset &&
	       a->cfa_offset == b->cfa_offset;
}

/* Appends a row at @row->pc, the last row so far being at or below it. */
static int cfi_reader__push(struct cfi_reader *r, const struct wide_row *row)
{
	struct wide_row *last = r->nr_rows ? &r->rows[r->nr_rows - 1] : NULL;
	int err;

	if (last && last->pc == row->pc) {
		/* A rule that holds for no byte: the new one replaces it. */
		r->nr_rows--;
		last = r->nr_rows ? &r->rows[r->nr_rows - 1] : NULL;
	}
	if (last && wide_row__same_rule(last, row))
		return 0;
	err = array__reserve(&r->rows, &r->cap_rows, r->nr_rows + 1, sizeof(*r->rows));
	if (err)
		return err;
	r->rows[r->nr_rows++] = *row;
	return 0;
}

/* Sets the CFA of @row from "@reg + @offset"; false when the walker cannot follow it. */
static bool row__set_cfa(struct wide_row *row, uint64_t reg, int64_t offset)
{
	if (reg == X86_64_REG_RSP)
		row->cfa_type = PROF_CFA_SP;
	else if (reg == X86_64_REG_RBP)
		row->cfa_type = PROF_CFA_FP;
	else
		return false;
	if (offset >= INT16_MIN && offset <= INT16_MAX) {
		row->cfa_offset = (int16_t)offset;
		return true;
	}
	if (offset % 8 || offset / 8 < INT16_MIN || offset / 8 > INT16_MAX)
		return false;
	row->cfa_type |= PROF_CFA_OFFSET_X8;
	row->cfa_offset = (int16_t)(offset / 8);
	return true;
}

/*
 * The PLT's CFA as the linkers write it: rsp + K, plus 8 once the stub has pushed its
 * relocation index, which is at (PC & 15) >= N:
 *   DW_OP_breg7 K; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_litN; DW_OP_ge;
 *   DW_OP_lit3; DW_OP_shl; DW_OP_plus
 */
static bool row__set_plt(struct wide_row *row, const Dwarf_Op *ops, size_t nops)
{
	int64_t k;

	if (nops != 9 || ops[0].atom != DW_OP_breg7 || ops[1].atom != DW_OP_breg16 ||
	    ops[1].number || ops[2].atom != DW_OP_lit15 || ops[3].atom != DW_OP_and ||
	    ops[4].atom < DW_OP_lit0 || ops[4].atom > DW_OP_lit15 || ops[5].atom != DW_OP_ge ||
	    ops[6].atom != DW_OP_lit3 || ops[7].atom != DW_OP_shl || ops[8].atom != DW_OP_plus)
		return false;
	k = (int64_t)ops[0].number;
	if (k < INT16_MIN || k > INT16_MAX)
		return false;
	row->cfa_type = PROF_CFA_PLT;
	row->cfa_offset = (int16_t)k;
	row->fp_offset = (int8_t)(ops[4].atom - DW_OP_lit0);
	return true;
}

/* The CFA rule of @frame into @row; false when the walker cannot follow it. */
static bool row__read_cfa(struct wide_row *row, Dwarf_Frame *frame)
{
	Dwarf_Op *ops;
	size_t nops;

	if (dwarf_frame_cfa(frame, &ops, &nops) || !nops)
		return false;
	/* "register + offset" comes as one DW_OP_bregx, an expression as itself. */
	if (nops == 1 && ops[0].atom == DW_OP_bregx)
		return row__set_cfa(row, ops[0].number, (int64_t)ops[0].number2);
	if (nops == 1 && ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31)
		return row__set_cfa(row, ops[0].atom - DW_OP_breg0, (int64_t)ops[0].number);
	return row__set_plt(row, ops, nops);
}

/*
 * Where the caller's register @regno is: 1 "at CFA + *@offset", 0 same value or undefined
 * (*@undefined says which), -1 any other rule.
 */
static int frame__saved_at(Dwarf_Frame *frame, int regno, int64_t *offset, bool *undefined)
{
	Dwarf_Op ops_mem[3], *ops;
	size_t nops;

	if (dwarf_frame_register(frame, regno, ops_mem, &ops, &nops))
		return -1;
	if (!nops) {
		*undefined = ops == ops_mem;
		return 0;
	}
	/* reg_offset: call_frame_cfa, plus_uconst N (N two's complement, omitted when 0). */
	if (ops[0].atom != DW_OP_call_frame_cfa)
		return -1;
	if (nops == 1) {
		*offset = 0;
		return 1;
	}
	if (nops == 2 && ops[1].atom == DW_OP_plus_uconst) {
		*offset = (int64_t)ops[1].number;
		return 1;
	}
	return -1;
}

/* The rule of @frame as the walker follows it. */
static void row__from_frame(struct wide_row *row, Dwarf_Frame *frame, bool signal)
{
	bool undefined = false;
	int64_t offset = 0;
	int ret;

	row->cfa_type = PROF_CFA_UNSUPPORTED;
	row->fp_offset = 0;
	row->cfa_offset = 0;
	/* The walker reads the interrupted registers from the ucontext, whatever the CFI says. */
	if (signal) {
		row->cfa_type = PROF_CFA_SIGNAL;
		return;
	}
	ret = frame__saved_at(frame, X86_64_REG_RA, &offset, &undefined);
	if (ret == 0 && undefined) {
		row->cfa_type = PROF_CFA_END;
		return;
	}
	if (ret != 1 || offset != X86_64_RA_CFA_OFFSET || !row__read_cfa(row, frame)) {
		row->cfa_type = PROF_CFA_UNSUPPORTED;
		row->cfa_offset = 0;
		row->fp_offset = 0;
		return;
	}
	if (row->cfa_type == PROF_CFA_PLT)
		return;
	ret = frame__saved_at(frame, X86_64_REG_RBP, &offset, &undefined);
	if (ret == 0)
		row->fp_offset = 0;
	/* Saved below the CFA, 8-aligned, within reach (-128 is PROF_FP_LOST). */
	else if (ret == 1 && offset < 0 && offset % 8 == 0 && offset / 8 > PROF_FP_LOST)
		row->fp_offset = (int8_t)(offset / 8);
	else
		row->fp_offset = PROF_FP_LOST;
}

/* Appends the rows of @fde, the rows so far ending at or before its start. */
static int cfi_reader__fde_rows(struct cfi_reader *r, const struct fde_entry *fde)
{
	struct wide_row row = { .pc = fde->start };
	uint64_t addr = fde->start, rows = 0;
	bool first = true;
	int err;

	/*
	 * libdw replays the FDE's instructions for each row, so rows cost their number times
	 * the FDE's size; an FDE has at most one row per byte of instructions.
	 */
	while (addr < fde->end) {
		Dwarf_Addr start, end;
		Dwarf_Frame *frame;
		const struct wide_row *last = r->nr_rows ? &r->rows[r->nr_rows - 1] : NULL;
		bool signal = false;

		if (rows++ > fde->insn_bytes || dwarf_cfi_addrframe(r->cfi, addr, &frame))
			goto out_bad;
		if (dwarf_frame_info(frame, &start, &end, &signal) < 0 || start > addr ||
		    end <= addr) {
			free(frame);
			goto out_bad;
		}
		row__from_frame(&row, frame, signal);
		free(frame);
		/*
		 * Return addresses are looked up at pc - 1, and the kernel's return address into
		 * a signal trampoline is its first instruction: the byte before must say signal
		 * too, unless another FDE has it.
		 */
		row.pc = addr;
		if (first && signal && addr && (!last || last->cfa_type == PROF_CFA_NONE))
			row.pc = addr - 1;
		err = cfi_reader__push(r, &row);
		if (err)
			return err;
		first = false;
		addr = end < fde->end ? end : fde->end;
	}
	return 0;

out_bad:
	/* What follows has no rule we can trust. */
	r->stats.bad_fdes++;
	row = (struct wide_row){ .pc = addr, .cfa_type = PROF_CFA_NONE };
	return cfi_reader__push(r, &row);
}

/*
 * All the rows, in address order: each FDE's, a NONE row where one ends and the next does
 * not start, and where FDEs overlap, the one that starts later (then the later in the
 * section) has its whole range and what the earlier one said past it is dropped.
 */
static int cfi_reader__rows(struct cfi_reader *r)
{
	struct wide_row none = { .cfa_type = PROF_CFA_NONE };
	uint64_t covered_end = 0;
	size_t i;
	int err;

	for (i = 0; i < r->nr_fdes; i++) {
		const struct fde_entry *fde = &r->fdes[i];

		if (r->nr_rows && fde->start < covered_end) {
			while (r->nr_rows && r->rows[r->nr_rows - 1].pc >= fde->start)
				r->nr_rows--;
		} else if (r->nr_rows && fde->start > covered_end) {
			none.pc = covered_end;
			err = cfi_reader__push(r, &none);
			if (err)
				return err;
		}
		err = cfi_reader__fde_rows(r, fde);
		if (err)
			return err;
		covered_end = fde->end;
	}
	if (r->nr_rows) {
		none.pc = covered_end;
		return cfi_reader__push(r, &none);
	}
	return 0;
}

static void table__count(struct unwind_table_stats *stats, const struct prof_unwind_row *rows,
			 uint32_t nr)
{
	uint32_t i;

	for (i = 0; i < nr; i++) {
		switch (rows[i].cfa_type & PROF_CFA_TYPE_MASK) {
		case PROF_CFA_UNSUPPORTED:
			stats->unsupported++;
			break;
		case PROF_CFA_PLT:
			stats->plt++;
			break;
		case PROF_CFA_SIGNAL:
			stats->signal++;
			break;
		case PROF_CFA_END:
			stats->end++;
			break;
		case PROF_CFA_SP:
		case PROF_CFA_FP:
			if (rows[i].fp_offset == PROF_FP_LOST)
				stats->fp_lost++;
			break;
		}
	}
}

/* The rows of @r as a table. Returns 0, -ENOENT (no rows), -EFBIG or -ENOMEM. */
static int cfi_reader__to_table(struct cfi_reader *r, const char *source,
				struct unwind_table **out)
{
	struct unwind_table *table;
	uint64_t base;
	size_t i;

	if (!r->nr_rows)
		return -ENOENT;
	base = r->rows[0].pc;
	if (r->rows[r->nr_rows - 1].pc - base > UINT32_MAX || r->nr_rows > UINT32_MAX)
		return -EFBIG;
	table = calloc(1, sizeof(*table));
	if (!table)
		return -ENOMEM;
	table->rows = malloc(r->nr_rows * sizeof(*table->rows));
	if (!table->rows) {
		free(table);
		return -ENOMEM;
	}
	for (i = 0; i < r->nr_rows; i++) {
		const struct wide_row *w = &r->rows[i];

		table->rows[i] = (struct prof_unwind_row){ .pc = (uint32_t)(w->pc - base),
							   .cfa_type = w->cfa_type,
							   .fp_offset = w->fp_offset,
							   .cfa_offset = w->cfa_offset };
	}
	table->base = base;
	table->nr_rows = (uint32_t)r->nr_rows;
	table->stats = r->stats;
	table__count(&table->stats, table->rows, table->nr_rows);
	table->source = source;
	*out = table;
	return 0;
}

static void cfi_reader__release(struct cfi_reader *r)
{
	free(r->cies);
	free(r->fdes);
	free(r->rows);
}

/* The section called @name with contents in @elf, or NULL. */
static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	const char *sname;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, shdr))
			continue;
		sname = elf_strptr(elf, shstrndx, shdr->sh_name);
		if (sname && !strcmp(sname, name))
			return shdr->sh_type == SHT_NOBITS || !shdr->sh_size ? NULL : scn;
	}
	return NULL;
}

/*
 * Reads the CFI section @name of @elf (the binary, or its debug file for .debug_frame) into
 * a table. @segs are the binary's executable segments. Returns 0, -ENOENT when the section
 * is absent or yields no rows, or an error.
 */
static int table__from_section(Elf *elf, const char *name, const GElf_Phdr *segs,
			       size_t nr_segs, struct unwind_table **out)
{
	struct cfi_reader r = { .elf = elf, .segs = segs, .nr_segs = nr_segs };
	Dwarf *dwarf = NULL;
	GElf_Shdr shdr;
	Elf_Scn *scn;
	int err;

	r.eh_frame = !strcmp(name, ".eh_frame");
	if (!find_section(elf, name, &shdr))
		return -ENOENT;
	if (r.eh_frame) {
		r.cfi = dwarf_getcfi_elf(elf);
	} else {
		/* libdw decompresses .debug_frame in place, so open it before reading it. */
		dwarf = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
		r.cfi = dwarf ? dwarf_getcfi(dwarf) : NULL;
	}
	if (!r.cfi) {
		pr_debug("unwind table: %s: %s\n", name, dwarf_errmsg(-1));
		err = -ENOENT;
		goto out_end;
	}
	scn = find_section(elf, name, &shdr);
	r.data = scn ? elf_getdata(scn, NULL) : NULL;
	if (!r.data || !r.data->d_buf || !r.data->d_size || r.data->d_size > CFI_MAX_SECTION_SIZE ||
	    (shdr.sh_flags & SHF_COMPRESSED)) {
		err = -ENOENT;
		goto out_end;
	}
	r.sh_addr = shdr.sh_addr;
	err = cfi_reader__list_fdes(&r);
	if (!err)
		err = cfi_reader__rows(&r);
	if (!err)
		err = cfi_reader__to_table(&r, r.eh_frame ? ".eh_frame" : ".debug_frame", out);
	cfi_reader__release(&r);
out_end:
	if (r.eh_frame && r.cfi)
		dwarf_cfi_end(r.cfi);
	if (dwarf)
		dwarf_end(dwarf);
	return err;
}

/* Checks @elf is a little-endian 64-bit x86-64 executable or shared object. */
static int check_elf(Elf *elf, GElf_Ehdr *ehdr)
{
	const char *ident;

	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, ehdr))
		return -ENOEXEC;
	ident = elf_getident(elf, NULL);
	if (!ident || ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB ||
	    ehdr->e_machine != EM_X86_64 || (ehdr->e_type != ET_EXEC && ehdr->e_type != ET_DYN))
		return -ENOEXEC;
	return 0;
}

/* The executable PT_LOAD segments of @elf, malloc'ed into *@out (NULL when none). */
static int exec_segments(Elf *elf, GElf_Phdr **out, size_t *nr)
{
	GElf_Phdr *segs = NULL, phdr;
	size_t phnum, i, n = 0;

	*out = NULL;
	*nr = 0;
	if (elf_getphdrnum(elf, &phnum) || !phnum)
		return 0;
	segs = calloc(phnum, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	for (i = 0; i < phnum; i++) {
		if (gelf_getphdr(elf, (int)i, &phdr) && phdr.p_type == PT_LOAD &&
		    (phdr.p_flags & PF_X) && phdr.p_vaddr + phdr.p_memsz >= phdr.p_vaddr)
			segs[n++] = phdr;
	}
	*out = segs;
	*nr = n;
	return 0;
}

int unwind_table__build(Elf *elf, Elf *debug_elf, struct unwind_table **out)
{
	GElf_Phdr *segs;
	GElf_Ehdr ehdr;
	size_t nr_segs;
	int err;

	*out = NULL;
	err = check_elf(elf, &ehdr);
	if (err)
		return err;
	err = exec_segments(elf, &segs, &nr_segs);
	if (err)
		return err;
	/* A binary that maps nothing executable has nothing to unwind. */
	if (!nr_segs && segs) {
		err = -ENOENT;
		goto out_free;
	}
	/* .eh_frame is what the program itself unwinds with; .debug_frame is a fallback. */
	err = table__from_section(elf, ".eh_frame", segs, nr_segs, out);
	if (err == -ENOENT)
		err = table__from_section(elf, ".debug_frame", segs, nr_segs, out);
	if (err == -ENOENT && debug_elf) {
		GElf_Ehdr debug_ehdr;

		if (!check_elf(debug_elf, &debug_ehdr))
			err = table__from_section(debug_elf, ".debug_frame", segs, nr_segs, out);
	}
out_free:
	free(segs);
	return err;
}

int unwind_table__build_fd(int fd, struct unwind_table **out)
{
	Elf *elf;
	int err;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	/* Read, not mapped: a file truncated under us must fail, not raise SIGBUS. */
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return -ENOEXEC;
	err = unwind_table__build(elf, NULL, out);
	elf_end(elf);
	return err;
}

void unwind_table__free(struct unwind_table *table)
{
	if (!table)
		return;
	free(table->rows);
	free(table);
}

size_t unwind_table__bytes(const struct unwind_table *table)
{
	return (size_t)table->nr_rows * sizeof(struct prof_unwind_row);
}
