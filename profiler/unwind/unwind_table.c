// SPDX-License-Identifier: GPL-2.0-only
/*
 * Call-frame information to unwind rows. libdw's dwarf_next_cfi() splits the section into
 * CIEs and FDEs; each FDE's program then runs here, once, from its CIE's initial state,
 * emitting a row at each advance. Each state is reduced to what the BPF walker follows
 * (bpf/unwind_abi.h): CFA = rsp or rbp + offset, the return address at CFA - 8, and where
 * rbp was saved; anything else is marked so that the walker stops there and says why.
 *
 * Why not dwarf_cfi_addrframe() for each row: it replays the FDE from its start every time
 * (quadratic), finds the FDE through .eh_frame_hdr, which may name another FDE than the one
 * being read, and sizes each frame state by the largest register number it meets (up to
 * 2^28 registers: gigabytes from a few bytes of crafted CFI). The rules here are libdw's,
 * and the unit tests check the rows against it on real binaries.
 */
#include "unwind_table.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "log.h"

/* x86-64 DWARF register numbers. */
#define X86_64_REG_RBX 3
#define X86_64_REG_RDI 5
#define X86_64_REG_RBP 6
#define X86_64_REG_RSP 7
#define X86_64_REG_RA 16

/* Where x86-64 calls leave the return address: just below the CFA. */
#define X86_64_RA_CFA_OFFSET (-8)

/* The CFI of a real binary fits in far less; beyond this the section is garbage. */
#define CFI_MAX_SECTION_SIZE (1ull << 30)

/* DW_CFA_remember_state nesting; compilers nest once or twice. */
#define CFI_MAX_REMEMBER_DEPTH 16

/* Where the caller's value of a register is, for the registers the walker restores. */
enum reg_rule_kind {
	REG_SAME,      /* unchanged, or no rule: libdw's x86-64 default (see add_cie) */
	REG_UNDEFINED, /* cannot be recovered */
	REG_AT_CFA,    /* saved at CFA + offset */
	REG_IN_REG,    /* in the register numbered offset */
	REG_OTHER,     /* any other rule (value, expression) */
};

struct reg_rule {
	uint8_t kind; /* enum reg_rule_kind */
	int64_t offset;
};

enum cfa_rule_kind {
	CFA_INVALID, /* not defined, or an offset changed while CFA was an expression */
	CFA_REG_OFFSET,
	CFA_EXPRESSION,
};

/* One row of the CFI table, as far as the walker needs it. */
struct cfa_state {
	uint8_t cfa_kind; /* enum cfa_rule_kind */
	uint64_t cfa_reg;
	int64_t cfa_offset;
	const uint8_t *cfa_expr; /* in the section's data */
	uint64_t cfa_expr_len;
	struct reg_rule rbp;
	struct reg_rule rbx;
	struct reg_rule ra;
};

/* A CIE, as far as its FDEs need it. */
struct cie_entry {
	uint64_t offset;  /* in the section */
	int fde_encoding; /* DW_EH_PE_* of FDE addresses, or -1: FDEs are unusable */
	bool z;		  /* FDEs have augmentation data, sized */
	bool signal;	  /* 'S': FDEs describe signal trampolines */
	uint64_t code_align;
	int64_t data_align;
	struct cfa_state initial; /* after the initial instructions */
};

/* An FDE's address range, and its place in the section to order FDEs that start together. */
struct fde_entry {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
	uint32_t cie;	      /* index in cfi_reader.cies */
	const uint8_t *insns; /* its program, in the section's data */
	const uint8_t *insns_end;
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
	Elf *elf;	       /* borrowed: the file whose section is read */
	Elf_Data *data;	       /* borrowed from @elf */
	uint64_t sh_addr;      /* the section's vaddr, for pc-relative addresses */
	bool eh_frame;	       /* .eh_frame format (else .debug_frame) */
	const GElf_Phdr *segs; /* executable PT_LOAD segments of the binary; borrowed */
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
	unsigned int shift = 0, size = 0;
	uint64_t v = 0;
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
	/* Little-endian: check_elf made sure. */
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

static bool read_uleb(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	return !read_encoded(p, end, DW_EH_PE_uleb128, out);
}

static bool read_sleb(const uint8_t **p, const uint8_t *end, int64_t *out)
{
	uint64_t v;

	if (read_encoded(p, end, DW_EH_PE_sleb128, &v))
		return false;
	*out = (int64_t)v;
	return true;
}

/* The encoding of a CIE's FDE addresses (DW_EH_PE_*), or -1 when it cannot be told. */
static int cie__fde_encoding(const Dwarf_CIE *cie, bool eh_frame, bool *signal)
{
	const uint8_t *p = cie->augmentation_data;
	const uint8_t *end = p ? p + cie->augmentation_data_size : NULL;
	const char *aug = cie->augmentation;
	int enc = DW_EH_PE_absptr;
	uint64_t skip;

	*signal = false;
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
		case 'S':
			*signal = true;
			break;
		case 'B': /* AArch64 BTI, harmless */
		case 'G': /* MTE tagged frames, harmless */
			break;
		default:
			/* Unknown augmentation data would follow 'R' in an unknown order. */
			return enc == DW_EH_PE_absptr ? -1 : enc;
		}
	}
	/* Indirect, aligned or base-relative FDE addresses are not written for x86-64 code. */
	if ((enc & DW_EH_PE_indirect) ||
	    ((enc & 0x70) != DW_EH_PE_absptr && (enc & 0x70) != DW_EH_PE_pcrel))
		return -1;
	return enc;
}

/* A CFA program to run: a CIE's initial instructions, or an FDE's. */
struct cfa_program {
	const struct cie_entry *cie;	 /* the CIE, or the FDE's CIE */
	const struct cfa_state *initial; /* the CIE's initial state; NULL for the CIE itself */
	uint64_t section_vaddr;		 /* of the section's first byte, for DW_CFA_set_loc */
	const uint8_t *section;
	uint64_t start, end; /* the FDE's range */
	/* Called for each row [loc, next loc) starting inside [start, end); 0 or -errno. */
	int (*emit)(void *ctx, uint64_t loc, const struct cfa_state *s);
	void *ctx;
};

/* Records a register's rule when it is one the walker restores. */
static void reg_rule__set(struct cfa_state *s, uint64_t reg, uint8_t kind, int64_t offset)
{
	struct reg_rule *rule;

	if (reg == X86_64_REG_RBP)
		rule = &s->rbp;
	else if (reg == X86_64_REG_RBX)
		rule = &s->rbx;
	else if (reg == X86_64_REG_RA)
		rule = &s->ra;
	else
		return;
	rule->kind = kind;
	rule->offset = offset;
}

/* Multiplies by a data alignment factor in two's complement, as libdw does. */
static int64_t factored(uint64_t v, int64_t factor)
{
	return (int64_t)(v * (uint64_t)factor);
}

/* A CFA program being run: where it is, the row it builds and the states it remembers. */
struct cfa_run {
	const struct cfa_program *prog;
	const uint8_t *p, *end; /* the next instruction, the program's end */
	struct cfa_state *s;	/* the row being built */
	uint64_t loc;		/* where that row starts */
	unsigned int depth;	/* states remembered in saved[] */
	struct cfa_state saved[CFI_MAX_REMEMBER_DEPTH];
};

static bool cfa_run__uleb(struct cfa_run *run, uint64_t *out)
{
	return read_uleb(&run->p, run->end, out);
}

/* A CFA offset operand: a ULEB as it is, or for the _sf opcodes a SLEB times the factor. */
static bool cfa_run__cfa_offset(struct cfa_run *run, bool sf, int64_t *out)
{
	uint64_t v;
	int64_t sv;

	if (!sf) {
		if (!cfa_run__uleb(run, &v))
			return false;
		*out = (int64_t)v;
		return true;
	}
	if (!read_sleb(&run->p, run->end, &sv))
		return false;
	*out = factored((uint64_t)sv, run->prog->cie->data_align);
	return true;
}

/* Skips a block operand (a ULEB length, then its bytes); its start to *@block. */
static bool cfa_run__block(struct cfa_run *run, const uint8_t **block, uint64_t *len)
{
	if (!cfa_run__uleb(run, len) || *len > (uint64_t)(run->end - run->p))
		return false;
	*block = run->p;
	run->p += *len;
	return true;
}

/* Whether @op ends the row being built: the advances and DW_CFA_set_loc. */
static bool cfa_op__ends_row(uint8_t op)
{
	return (op & 0xc0) == DW_CFA_advance_loc || op == DW_CFA_set_loc ||
	       op == DW_CFA_advance_loc1 || op == DW_CFA_advance_loc2 ||
	       op == DW_CFA_advance_loc4 || op == DW_CFA_MIPS_advance_loc8;
}

/* Reads the operand of @op, which ends a row, into where the next row starts, *@next. */
static int cfa_run__next_loc(struct cfa_run *run, uint8_t op, uint64_t *next)
{
	const struct cie_entry *cie = run->prog->cie;
	uint64_t delta, pc;
	int enc;

	if ((op & 0xc0) == DW_CFA_advance_loc) {
		delta = op & 0x3f;
	} else if (op == DW_CFA_set_loc) {
		pc = run->prog->section_vaddr + (uint64_t)(run->p - run->prog->section);
		if (read_encoded(&run->p, run->end, cie->fde_encoding, next))
			return -EINVAL;
		if ((cie->fde_encoding & 0x70) == DW_EH_PE_pcrel)
			*next += pc;
		/* The program runs forwards. */
		return *next < run->loc ? -EINVAL : 0;
	} else if (op == DW_CFA_advance_loc1) {
		if (run->p >= run->end)
			return -EINVAL;
		delta = *run->p++;
	} else {
		enc = op == DW_CFA_advance_loc2 ? DW_EH_PE_udata2 :
		      op == DW_CFA_advance_loc4 ? DW_EH_PE_udata4 :
						  DW_EH_PE_udata8;
		if (read_encoded(&run->p, run->end, enc, &delta))
			return -EINVAL;
	}
	if (cie->code_align && delta > (UINT64_MAX - run->loc) / cie->code_align)
		return -EINVAL;
	*next = run->loc + delta * cie->code_align;
	return 0;
}

/*
 * Runs @op, which ends a row (cfa_op__ends_row()): emits the row when it starts inside the
 * FDE and starts the next. Returns 0, 1 when the next row starts past the FDE's end (the
 * rest describes nothing), -EINVAL, or emit's error.
 */
static int cfa_run__advance(struct cfa_run *run, uint8_t op)
{
	uint64_t next;
	int err;

	/* A CIE's program has no rows. */
	if (!run->prog->initial)
		return -EINVAL;
	err = cfa_run__next_loc(run, op, &next);
	if (err || next == run->loc)
		return err;
	if (run->loc < run->prog->end) {
		err = run->prog->emit(run->prog->ctx, run->loc, run->s);
		if (err)
			return err;
	}
	run->loc = next;
	return run->loc >= run->prog->end;
}

/* Back to the CIE's rule for @reg; in the CIE itself there is none yet. */
static int cfa_run__restore(struct cfa_run *run, uint64_t reg)
{
	if (!run->prog->initial)
		return -EINVAL;
	if (reg == X86_64_REG_RBP)
		run->s->rbp = run->prog->initial->rbp;
	else if (reg == X86_64_REG_RBX)
		run->s->rbx = run->prog->initial->rbx;
	else if (reg == X86_64_REG_RA)
		run->s->ra = run->prog->initial->ra;
	return 0;
}

/* Runs @op when it gives a register a rule; any other opcode is malformed (-EINVAL). */
static int cfa_run__reg_rule(struct cfa_run *run, uint8_t op)
{
	int64_t align = run->prog->cie->data_align, sv;
	const uint8_t *block;
	uint64_t reg, v;

	/* Two of the three opcodes with an operand in their low 6 bits. */
	if ((op & 0xc0) == DW_CFA_offset) {
		if (!cfa_run__uleb(run, &v))
			return -EINVAL;
		reg_rule__set(run->s, op & 0x3f, REG_AT_CFA, factored(v, align));
		return 0;
	}
	if ((op & 0xc0) == DW_CFA_restore)
		return cfa_run__restore(run, op & 0x3f);
	/* The others: a register first. */
	if (!cfa_run__uleb(run, &reg))
		return -EINVAL;
	switch (op) {
	case DW_CFA_restore_extended:
		return cfa_run__restore(run, reg);
	case DW_CFA_undefined:
	case DW_CFA_same_value:
		reg_rule__set(run->s, reg, op == DW_CFA_undefined ? REG_UNDEFINED : REG_SAME, 0);
		return 0;
	case DW_CFA_offset_extended:
	case DW_CFA_val_offset:
	case DW_CFA_GNU_negative_offset_extended:
		if (!cfa_run__uleb(run, &v))
			return -EINVAL;
		if (op == DW_CFA_GNU_negative_offset_extended)
			v = -v;
		reg_rule__set(run->s, reg, op == DW_CFA_val_offset ? REG_OTHER : REG_AT_CFA,
			      factored(v, align));
		return 0;
	case DW_CFA_offset_extended_sf:
	case DW_CFA_val_offset_sf:
		if (!read_sleb(&run->p, run->end, &sv))
			return -EINVAL;
		reg_rule__set(run->s, reg, op == DW_CFA_val_offset_sf ? REG_OTHER : REG_AT_CFA,
			      factored((uint64_t)sv, align));
		return 0;
	case DW_CFA_register:
		if (!cfa_run__uleb(run, &v))
			return -EINVAL;
		reg_rule__set(run->s, reg, REG_IN_REG, (int64_t)v);
		return 0;
	case DW_CFA_expression:
	case DW_CFA_val_expression:
		if (!cfa_run__block(run, &block, &v))
			return -EINVAL;
		reg_rule__set(run->s, reg, REG_OTHER, 0);
		return 0;
	default:
		return -EINVAL;
	}
}

/* Runs @op when it defines the CFA, else as a register's rule. Returns 0 or -EINVAL. */
static int cfa_run__cfa_rule(struct cfa_run *run, uint8_t op)
{
	struct cfa_state *s = run->s;
	uint64_t reg, len;
	int64_t offset;

	switch (op) {
	case DW_CFA_def_cfa:
	case DW_CFA_def_cfa_sf:
		if (!cfa_run__uleb(run, &reg) ||
		    !cfa_run__cfa_offset(run, op == DW_CFA_def_cfa_sf, &offset))
			return -EINVAL;
		s->cfa_kind = CFA_REG_OFFSET;
		s->cfa_reg = reg;
		s->cfa_offset = offset;
		return 0;
	case DW_CFA_def_cfa_register:
		if (!cfa_run__uleb(run, &reg))
			return -EINVAL;
		if (s->cfa_kind != CFA_REG_OFFSET)
			s->cfa_kind = CFA_INVALID;
		s->cfa_reg = reg;
		return 0;
	case DW_CFA_def_cfa_offset:
	case DW_CFA_def_cfa_offset_sf:
		if (!cfa_run__cfa_offset(run, op == DW_CFA_def_cfa_offset_sf, &offset))
			return -EINVAL;
		if (s->cfa_kind != CFA_REG_OFFSET)
			s->cfa_kind = CFA_INVALID;
		s->cfa_offset = offset;
		return 0;
	case DW_CFA_def_cfa_expression:
		if (!cfa_run__block(run, &s->cfa_expr, &len))
			return -EINVAL;
		s->cfa_kind = CFA_EXPRESSION;
		s->cfa_expr_len = len;
		return 0;
	default:
		return cfa_run__reg_rule(run, op);
	}
}

/* Runs @op, an opcode that does not end a row. Returns 0 or -EINVAL. */
static int cfa_run__op(struct cfa_run *run, uint8_t op)
{
	uint64_t v;

	if (op & 0xc0) /* DW_CFA_offset or DW_CFA_restore: advance_loc ends a row */
		return cfa_run__reg_rule(run, op);
	/* The padding and the state stack here; the rules in their own functions. */
	switch (op) {
	case DW_CFA_nop:
	case DW_CFA_GNU_window_save: /* SPARC's shorthand; not rbp, not rip */
		return 0;
	case DW_CFA_GNU_args_size:
		return cfa_run__uleb(run, &v) ? 0 : -EINVAL;
	case DW_CFA_remember_state:
		if (run->depth == CFI_MAX_REMEMBER_DEPTH)
			return -EINVAL;
		run->saved[run->depth++] = *run->s;
		return 0;
	case DW_CFA_restore_state:
		if (!run->depth)
			return -EINVAL;
		*run->s = run->saved[--run->depth];
		return 0;
	default:
		return cfa_run__cfa_rule(run, op);
	}
}

/*
 * Runs the program [@p, @end) of @prog from the state *@s, which it leaves as the last row's.
 * Returns 0, -EINVAL for a malformed program, or emit's error; *@reached is where the row
 * being read when it stopped starts.
 */
static int cfa_program__run(const struct cfa_program *prog, const uint8_t *p, const uint8_t *end,
			    struct cfa_state *s, uint64_t *reached)
{
	struct cfa_run run = { .prog = prog, .p = p, .end = end, .s = s, .loc = prog->start };
	uint8_t op;
	int err = 0;

	while (run.p < end && !err) {
		op = *run.p++;
		err = cfa_op__ends_row(op) ? cfa_run__advance(&run, op) : cfa_run__op(&run, op);
	}
	*reached = run.loc;
	if (err)
		return err > 0 ? 0 : err;
	if (prog->initial && run.loc < prog->end)
		return prog->emit(prog->ctx, run.loc, s);
	return 0;
}

static int cie_entry__cmp(const void *a, const void *b)
{
	const struct cie_entry *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static const struct cie_entry *cfi_reader__find_cie(const struct cfi_reader *r, uint64_t offset)
{
	struct cie_entry key = { .offset = offset };

	if (!r->nr_cies)
		return NULL;
	return bsearch(&key, r->cies, r->nr_cies, sizeof(key), cie_entry__cmp);
}

/* Records the CIE @entry at section offset @offset; an unusable one makes its FDEs bad. */
static int cfi_reader__add_cie(struct cfi_reader *r, const Dwarf_CIE *entry, uint64_t offset)
{
	struct cfa_program prog = { .end = 0 };
	struct cie_entry *cie;
	uint64_t reached;
	int err;

	err = array__reserve(&r->cies, &r->cap_cies, r->nr_cies + 1, sizeof(*r->cies));
	if (err)
		return err;
	cie = &r->cies[r->nr_cies++];
	memset(cie, 0, sizeof(*cie));
	cie->offset = offset;
	cie->fde_encoding = cie__fde_encoding(entry, r->eh_frame, &cie->signal);
	cie->z = r->eh_frame && entry->augmentation && entry->augmentation[0] == 'z';
	cie->code_align = entry->code_alignment_factor;
	cie->data_align = entry->data_alignment_factor;
	/* x86-64 code always returns through rip; another column is not code we know. */
	if (entry->return_address_register != X86_64_REG_RA)
		cie->fde_encoding = -1;
	/*
	 * Before the initial instructions, libdw's x86-64 ABI defaults: callee-saved registers,
	 * the return address among them, keep their value. Only an explicit DW_CFA_undefined
	 * marks the outermost frame.
	 */
	cie->initial.rbp.kind = REG_SAME;
	cie->initial.rbx.kind = REG_SAME;
	cie->initial.ra.kind = REG_SAME;
	prog.cie = cie;
	if (cfa_program__run(&prog, entry->initial_instructions, entry->initial_instructions_end,
			     &cie->initial, &reached))
		cie->fde_encoding = -1;
	return 0;
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

/* Decodes the address range and program of the FDE @fde at section offset @offset. */
static int cfi_reader__add_fde(struct cfi_reader *r, const Dwarf_FDE *fde, uint64_t offset)
{
	const uint8_t *buf = r->data->d_buf, *p = fde->start, *end = fde->end;
	const struct cie_entry *cie;
	uint64_t start, len, aug_len;
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
	if (cie->z && (!read_uleb(&p, end, &aug_len) || aug_len > (uint64_t)(end - p)))
		goto out_bad;
	if (cie->z)
		p += aug_len;
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
	e->cie = (uint32_t)(cie - r->cies);
	e->insns = p;
	e->insns_end = end;
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
				if (pass == 0) {
					err = cfi_reader__add_cie(r, &entry.cie, off);
					if (err)
						return err;
				}
				continue;
			}
			if (pass == 0)
				continue;
			r->stats.fdes++;
			err = cfi_reader__add_fde(r, &entry.fde, off);
			if (err)
				return err;
		}
		/* In section order, so sorted already, unless the section lies. */
		if (pass == 0 && r->nr_cies)
			qsort(r->cies, r->nr_cies, sizeof(*r->cies), cie_entry__cmp);
	}
	if (r->nr_fdes)
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
	else if (reg == X86_64_REG_RBX)
		row->cfa_type = PROF_CFA_BX;
	else
		return false;
	if (offset >= INT16_MIN && offset <= INT16_MAX) {
		row->cfa_offset = (int16_t)offset;
		return true;
	}
	if (row->cfa_type == PROF_CFA_BX)
		return false;
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
static bool row__set_plt(struct wide_row *row, const uint8_t *p, uint64_t len)
{
	static const uint8_t tail[] = { DW_OP_ge, DW_OP_lit3, DW_OP_shl, DW_OP_plus };
	const uint8_t *end = p + len;
	int64_t k, zero;
	uint8_t n;

	if (p >= end || *p++ != DW_OP_breg7 || !read_sleb(&p, end, &k) || p >= end ||
	    *p++ != DW_OP_breg16 || !read_sleb(&p, end, &zero) || zero ||
	    end - p != 3 + (ptrdiff_t)sizeof(tail) || p[0] != DW_OP_lit15 || p[1] != DW_OP_and ||
	    p[2] < DW_OP_lit0 || p[2] > DW_OP_lit15 || memcmp(p + 3, tail, sizeof(tail)))
		return false;
	n = p[2] - DW_OP_lit0;
	if (k < INT16_MIN || k > INT16_MAX)
		return false;
	row->cfa_type = PROF_CFA_PLT;
	row->cfa_offset = (int16_t)k;
	row->fp_offset = (int8_t)n;
	return true;
}

/*
 * __vfork's rule around its syscall: the return address popped into rdi, CFA = rsp + N.
 * Only the sampled frame has rdi; the walker refuses the rule in any other.
 */
static bool row__set_ra_in_di(struct wide_row *row, const struct cfa_state *s)
{
	if (s->ra.kind != REG_IN_REG || s->ra.offset != X86_64_REG_RDI ||
	    s->cfa_kind != CFA_REG_OFFSET || s->cfa_reg != X86_64_REG_RSP || s->cfa_offset < 0 ||
	    s->cfa_offset > INT16_MAX)
		return false;
	row->cfa_type = PROF_CFA_RA_DI;
	row->cfa_offset = (int16_t)s->cfa_offset;
	return true;
}

/* Bits 4-6 of cfa_type: where the caller's rbx is (see PROF_CFA_BX_SHIFT). */
static uint8_t rbx_bits(const struct reg_rule *rbx)
{
	int64_t n = -rbx->offset / 8 - 1;

	/* Undefined as rbp is: libdw says so of a register no rule names. */
	if (rbx->kind == REG_SAME || rbx->kind == REG_UNDEFINED)
		return 0;
	if (rbx->kind != REG_AT_CFA || rbx->offset % 8 || n < 1 || n >= PROF_BX_LOST)
		return PROF_BX_LOST << PROF_CFA_BX_SHIFT;
	return (uint8_t)(n << PROF_CFA_BX_SHIFT);
}

/* The rule of the CFI state @s as the walker follows it. */
static void row__from_state(struct wide_row *row, const struct cfa_state *s, bool signal)
{
	bool ok;

	row->cfa_type = PROF_CFA_UNSUPPORTED;
	row->fp_offset = 0;
	row->cfa_offset = 0;
	/* The walker reads the interrupted registers from the ucontext, whatever the CFI says. */
	if (signal) {
		row->cfa_type = PROF_CFA_SIGNAL;
		return;
	}
	if (s->ra.kind == REG_UNDEFINED) {
		row->cfa_type = PROF_CFA_END;
		return;
	}
	ok = s->ra.kind == REG_AT_CFA && s->ra.offset == X86_64_RA_CFA_OFFSET;
	if (!ok)
		ok = row__set_ra_in_di(row, s);
	else if (s->cfa_kind == CFA_REG_OFFSET)
		ok = row__set_cfa(row, s->cfa_reg, s->cfa_offset);
	else if (s->cfa_kind == CFA_EXPRESSION)
		ok = row__set_plt(row, s->cfa_expr, s->cfa_expr_len);
	else
		ok = false;
	if (!ok) {
		row->cfa_type = PROF_CFA_UNSUPPORTED;
		row->cfa_offset = 0;
		row->fp_offset = 0;
		return;
	}
	if (row->cfa_type == PROF_CFA_PLT)
		return;
	row->cfa_type |= rbx_bits(&s->rbx);
	/* Saved below the CFA, 8-aligned, within reach (-128 is PROF_FP_LOST). */
	if (s->rbp.kind == REG_SAME || s->rbp.kind == REG_UNDEFINED)
		row->fp_offset = 0;
	else if (s->rbp.kind == REG_AT_CFA && s->rbp.offset < 0 && s->rbp.offset % 8 == 0 &&
		 s->rbp.offset / 8 > PROF_FP_LOST)
		row->fp_offset = (int8_t)(s->rbp.offset / 8);
	else
		row->fp_offset = PROF_FP_LOST;
}

/* An FDE being turned into rows: what cfa_program's emit needs. */
struct fde_rows {
	struct cfi_reader *r;
	const struct fde_entry *fde;
	bool signal;
	bool first;
};

static int fde_rows__emit(void *ctx, uint64_t loc, const struct cfa_state *s)
{
	struct fde_rows *f = ctx;
	struct cfi_reader *r = f->r;
	const struct wide_row *last = r->nr_rows ? &r->rows[r->nr_rows - 1] : NULL;
	struct wide_row row;

	row__from_state(&row, s, f->signal);
	/*
	 * Return addresses are looked up at pc - 1, and the kernel's return address into a
	 * signal trampoline is its first instruction: the byte before must say signal too,
	 * unless another FDE has it.
	 */
	row.pc = loc;
	if (f->first && f->signal && loc && (!last || last->cfa_type == PROF_CFA_NONE))
		row.pc = loc - 1;
	f->first = false;
	return cfi_reader__push(r, &row);
}

/* Appends the rows of @fde, the rows so far ending at or before its start. */
static int cfi_reader__fde_rows(struct cfi_reader *r, const struct fde_entry *fde)
{
	const struct cie_entry *cie = &r->cies[fde->cie];
	struct fde_rows f = { .r = r, .fde = fde, .signal = cie->signal, .first = true };
	struct cfa_program prog = {
		.cie = cie,
		.initial = &cie->initial,
		.section_vaddr = r->sh_addr,
		.section = r->data->d_buf,
		.start = fde->start,
		.end = fde->end,
		.emit = fde_rows__emit,
		.ctx = &f,
	};
	struct cfa_state s = cie->initial;
	struct wide_row none = { .cfa_type = PROF_CFA_NONE };
	uint64_t reached;
	int err;

	err = cfa_program__run(&prog, fde->insns, fde->insns_end, &s, &reached);
	if (err != -EINVAL)
		return err;
	/* The rows before the one that could not be read stand; from it on, nothing. */
	r->stats.bad_fdes++;
	none.pc = reached;
	return reached < fde->end ? cfi_reader__push(r, &none) : 0;
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

/* Bytes from the entry point an END row covers when no FDE does (see cfi_reader__mark_known). */
#define ENTRY_END_BYTES 64

/*
 * Code without CFI whose rule the table states: the ELF entry point, DT_INIT, DT_FINI, and
 * glibc's clone and clone3 after their syscall, found by their code in the binary @elf.
 */
struct known_code {
	uint64_t entry;
	uint64_t init;
	uint64_t fini;
	Elf *elf; /* borrowed: the binary, whose segments' code is read */
};

/*
 * Gives [@row->pc, @row->pc + @len) @row's rule where no FDE covers its first byte, up to the
 * next FDE. Returns 0 or -ENOMEM.
 */
static int cfi_reader__fill_gap(struct cfi_reader *r, const struct wide_row *row, uint64_t len)
{
	uint64_t pc = row->pc;
	struct wide_row add[2];
	size_t i = 0, n = 0;
	int err;

	if (!pc || !r->nr_rows || pc + len < pc || !cfi_reader__in_text(r, pc, pc + 1))
		return 0;
	while (i < r->nr_rows && r->rows[i].pc <= pc)
		i++;
	/* Covered: the row at or below @pc has a rule. */
	if (i > 0 && r->rows[i - 1].cfa_type != PROF_CFA_NONE)
		return 0;
	if (i > 0 && r->rows[i - 1].pc == pc)
		r->rows[i - 1] = *row; /* the gap began at @pc */
	else
		add[n++] = *row;
	/* The next row, when it comes soon enough, ends @row's range. */
	if (i == r->nr_rows || r->rows[i].pc > pc + len)
		add[n++] = (struct wide_row){ .pc = pc + len, .cfa_type = PROF_CFA_NONE };
	err = array__reserve(&r->rows, &r->cap_rows, r->nr_rows + n, sizeof(*r->rows));
	if (err)
		return err;
	memmove(&r->rows[i + n], &r->rows[i], (r->nr_rows - i) * sizeof(*r->rows));
	memcpy(&r->rows[i], add, n * sizeof(*add));
	r->nr_rows += n;
	/* Neighbours with one rule (the END beside another, a NONE before a NONE) become one. */
	for (i = n = 1; i < r->nr_rows; i++)
		if (!wide_row__same_rule(&r->rows[n - 1], &r->rows[i]))
			r->rows[n++] = r->rows[i];
	r->nr_rows = n;
	return 0;
}

/* syscall; test %rax,%rax: glibc's clone and clone3 just past their last FDE. */
static const uint8_t clone_code[] = { 0x0f, 0x05, 0x48, 0x85, 0xc0 };
/* syscall, test, jl, je, ret: the parent returns, the child jumps to its own FDE. */
#define CLONE_GAP_BYTES 10

/* Whether the binary's code at @vaddr is clone_code. */
static bool cfi_reader__is_clone_code(const struct cfi_reader *r, const struct known_code *known,
				      uint64_t vaddr)
{
	const uint64_t len = sizeof(clone_code);
	Elf_Data *data;
	size_t i;

	for (i = 0; known->elf && i < r->nr_segs; i++) {
		const GElf_Phdr *seg = &r->segs[i];

		if (vaddr < seg->p_vaddr || vaddr - seg->p_vaddr > seg->p_filesz ||
		    seg->p_filesz - (vaddr - seg->p_vaddr) < len)
			continue;
		data = elf_getdata_rawchunk(known->elf,
					    (int64_t)(seg->p_offset + vaddr - seg->p_vaddr), len,
					    ELF_T_BYTE);
		return data && data->d_size == len && !memcmp(data->d_buf, clone_code, len);
	}
	return false;
}

/* Whether an FDE ends at @pc. */
static bool cfi_reader__fde_ends_at(const struct cfi_reader *r, uint64_t pc)
{
	size_t lo = 0, hi = r->nr_fdes;

	/* The last FDE starting before @pc: FDEs are sorted by start. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->fdes[mid].start < pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && r->fdes[lo - 1].end == pc;
}

/*
 * glibc's clone and clone3 end their FDE at their syscall and start thread_start's, the
 * outermost frame, after the test of its result, for the child runs these addresses on its
 * new stack while the parent's return address is at rsp. A gap of at most CLONE_GAP_BYTES
 * between an FDE that ends with CFA = rsp + 8 and one that starts as the outermost frame,
 * whose code is clone_code, gets the PROF_CFA_CLONE rule, which tells the two by rax. The
 * rows narrow the search: code is read for a few gaps (_start's). Returns 0 or -ENOMEM.
 */
static int cfi_reader__mark_clone(struct cfi_reader *r, const struct known_code *known)
{
	struct wide_row clone = { .cfa_type = PROF_CFA_CLONE, .cfa_offset = 8 };
	size_t k;
	int err;

	for (k = 1; k + 1 < r->nr_rows; k++) {
		const struct wide_row *prev = &r->rows[k - 1], *next = &r->rows[k + 1];

		if (r->rows[k].cfa_type != PROF_CFA_NONE || prev->cfa_type != PROF_CFA_SP ||
		    prev->cfa_offset != 8 || prev->fp_offset || next->cfa_type != PROF_CFA_END ||
		    next->pc - r->rows[k].pc > CLONE_GAP_BYTES ||
		    !cfi_reader__fde_ends_at(r, r->rows[k].pc) ||
		    !cfi_reader__is_clone_code(r, known, r->rows[k].pc))
			continue;
		clone.pc = r->rows[k].pc;
		err = cfi_reader__fill_gap(r, &clone, CLONE_GAP_BYTES);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Rules for code that has no FDE but whose frame is known. The program's entry point is the
 * outermost frame: the dynamic loader's _start is assembly without CFI, and every process
 * begins there, so the stacks of its first milliseconds would end one frame short of their
 * root; its END row holds up to the next FDE or ENTRY_END_BYTES on. DT_INIT and DT_FINI
 * (crti's .init and .fini, which have no CFI) are called: at their first instruction, where
 * the page faults of a library's first run land, CFA = rsp + 8. Only that instruction: the
 * prologue after it moves rsp. And glibc's clone gaps (cfi_reader__mark_clone). Returns 0 or
 * -ENOMEM.
 */
static int cfi_reader__mark_known(struct cfi_reader *r, const struct known_code *known)
{
	struct wide_row entry = { .pc = known->entry, .cfa_type = PROF_CFA_END };
	struct wide_row init = { .pc = known->init, .cfa_type = PROF_CFA_SP, .cfa_offset = 8 };
	struct wide_row fini = { .pc = known->fini, .cfa_type = PROF_CFA_SP, .cfa_offset = 8 };
	int err;

	err = cfi_reader__fill_gap(r, &entry, ENTRY_END_BYTES);
	if (!err)
		err = cfi_reader__fill_gap(r, &init, 1);
	if (!err)
		err = cfi_reader__fill_gap(r, &fini, 1);
	if (!err)
		err = cfi_reader__mark_clone(r, known);
	return err;
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
static int cfi_reader__to_table(struct cfi_reader *r, const char *source, struct unwind_table **out)
{
	const struct wide_row *rows = r->rows;
	struct unwind_table *table;
	size_t i, nr = r->nr_rows;
	uint64_t base;

	/* FDEs that could not be read leave NONE rows: those before the first rule say nothing. */
	while (nr && rows[0].cfa_type == PROF_CFA_NONE) {
		rows++;
		nr--;
	}
	if (!nr)
		return -ENOENT;
	base = rows[0].pc;
	if (rows[nr - 1].pc - base > UINT32_MAX || nr > UINT32_MAX)
		return -EFBIG;
	table = calloc(1, sizeof(*table));
	if (!table)
		return -ENOMEM;
	table->rows = malloc(nr * sizeof(*table->rows));
	if (!table->rows) {
		free(table);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		const struct wide_row *w = &rows[i];

		table->rows[i] = (struct prof_unwind_row){ .pc = (uint32_t)(w->pc - base),
							   .cfa_type = w->cfa_type,
							   .fp_offset = w->fp_offset,
							   .cfa_offset = w->cfa_offset };
	}
	table->base = base;
	table->nr_rows = (uint32_t)nr;
	table->stats = r->stats;
	table__count(&table->stats, table->rows, table->nr_rows);
	table->source = source;
	*out = table;
	return 0;
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
 * a table. @segs are the binary's executable segments, @known its code without CFI. Returns 0,
 * -ENOENT when the section is absent or yields no rows, or an error.
 */
static int table__from_section(Elf *elf, const char *name, const GElf_Phdr *segs, size_t nr_segs,
			       const struct known_code *known, struct unwind_table **out)
{
	struct cfi_reader r = { .elf = elf, .segs = segs, .nr_segs = nr_segs };
	GElf_Shdr shdr;
	Elf_Scn *scn;
	int err;

	r.eh_frame = !strcmp(name, ".eh_frame");
	scn = find_section(elf, name, &shdr);
	if (!scn)
		return -ENOENT;
	/* Debug files compress .debug_frame; libdw inflates it in place the same way. */
	if ((shdr.sh_flags & SHF_COMPRESSED) &&
	    (elf_compress(scn, 0, 0) < 0 || !gelf_getshdr(scn, &shdr))) {
		pr_debug("unwind table: %s: %s\n", name, elf_errmsg(-1));
		return -ENOENT;
	}
	r.data = elf_getdata(scn, NULL);
	if (!r.data || !r.data->d_buf || !r.data->d_size || r.data->d_size > CFI_MAX_SECTION_SIZE)
		return -ENOENT;
	r.sh_addr = shdr.sh_addr;
	err = cfi_reader__list_fdes(&r);
	if (!err)
		err = cfi_reader__rows(&r);
	if (!err)
		err = cfi_reader__mark_known(&r, known);
	if (!err)
		err = cfi_reader__to_table(&r, r.eh_frame ? ".eh_frame" : ".debug_frame", out);
	free(r.cies);
	free(r.fdes);
	free(r.rows);
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

/* The executable PT_LOAD segments of @elf, malloc'ed into *@out (NULL without phdrs). */
static int exec_segments(Elf *elf, GElf_Phdr **out, size_t *nr)
{
	GElf_Phdr *segs, phdr;
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

/* The entry point, DT_INIT and DT_FINI of @elf (0 when absent): code that has no FDE. */
static void known_code__read(Elf *elf, const GElf_Ehdr *ehdr, struct known_code *known)
{
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr shdr;
	GElf_Dyn dyn;
	size_t i;

	*known = (struct known_code){ .entry = ehdr->e_entry, .elf = elf };
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_DYNAMIC)
			break;
	data = scn ? elf_getdata(scn, NULL) : NULL;
	/* gelf_getdyn() checks each index against the data's size. */
	for (i = 0; data && gelf_getdyn(data, (int)i, &dyn) && dyn.d_tag != DT_NULL; i++) {
		if (dyn.d_tag == DT_INIT)
			known->init = dyn.d_un.d_ptr;
		else if (dyn.d_tag == DT_FINI)
			known->fini = dyn.d_un.d_ptr;
	}
}

int unwind_table__build(Elf *elf, Elf *debug_elf, struct unwind_table **out)
{
	struct known_code known;
	GElf_Phdr *segs;
	GElf_Ehdr ehdr;
	size_t nr_segs;
	int err;

	*out = NULL;
	err = check_elf(elf, &ehdr);
	if (err)
		return err;
	known_code__read(elf, &ehdr, &known);
	err = exec_segments(elf, &segs, &nr_segs);
	if (err)
		return err;
	/* A binary that maps nothing executable has nothing to unwind. */
	if (!nr_segs && segs) {
		err = -ENOENT;
		goto out_free;
	}
	/* .eh_frame is what the program itself unwinds with; .debug_frame is a fallback. */
	err = table__from_section(elf, ".eh_frame", segs, nr_segs, &known, out);
	if (err == -ENOENT)
		err = table__from_section(elf, ".debug_frame", segs, nr_segs, &known, out);
	if (err == -ENOENT && debug_elf) {
		GElf_Ehdr debug_ehdr;

		if (!check_elf(debug_elf, &debug_ehdr))
			err = table__from_section(debug_elf, ".debug_frame", segs, nr_segs, &known,
						  out);
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
