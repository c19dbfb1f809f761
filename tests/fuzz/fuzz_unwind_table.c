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

#include "unwind_table.h"

#define EH_FRAME_VADDR 0x100000
#define SEGMENT_SIZE 0x200000
#define MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The ELF file around @eh, malloc'ed; its size in *@len. */
static uint8_t *wrap_elf(const uint8_t *eh, size_t eh_len, size_t *len)
{
	static const char shstrtab[] = "\0.text\0.eh_frame\0.shstrtab";
	size_t eh_off = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
	size_t str_off = eh_off + eh_len;
	size_t shoff = (str_off + sizeof(shstrtab) + 7) & ~(size_t)7;
	size_t total = shoff + 4 * sizeof(Elf64_Shdr);
	Elf64_Ehdr *ehdr;
	Elf64_Phdr *phdr;
	Elf64_Shdr *sh;
	uint8_t *out;

	out = calloc(1, total);
	if (!out)
		abort();
	ehdr = (Elf64_Ehdr *)out;
	phdr = (Elf64_Phdr *)(out + sizeof(*ehdr));
	sh = (Elf64_Shdr *)(out + shoff);
	memcpy(ehdr->e_ident, ELFMAG, SELFMAG);
	ehdr->e_ident[EI_CLASS] = ELFCLASS64;
	ehdr->e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr->e_ident[EI_VERSION] = EV_CURRENT;
	ehdr->e_type = ET_DYN;
	ehdr->e_machine = EM_X86_64;
	ehdr->e_version = EV_CURRENT;
	ehdr->e_phoff = sizeof(*ehdr);
	ehdr->e_shoff = shoff;
	ehdr->e_ehsize = sizeof(*ehdr);
	ehdr->e_phentsize = sizeof(*phdr);
	ehdr->e_phnum = 1;
	ehdr->e_shentsize = sizeof(*sh);
	ehdr->e_shnum = 4;
	ehdr->e_shstrndx = 3;
	phdr->p_type = PT_LOAD;
	phdr->p_flags = PF_R | PF_X;
	phdr->p_filesz = total;
	phdr->p_memsz = SEGMENT_SIZE;
	phdr->p_align = 0x1000;
	memcpy(out + eh_off, eh, eh_len);
	memcpy(out + str_off, shstrtab, sizeof(shstrtab));
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_NOBITS,
			      .sh_flags = SHF_ALLOC | SHF_EXECINSTR, .sh_addr = 0x1000,
			      .sh_offset = eh_off, .sh_size = EH_FRAME_VADDR - 0x1000,
			      .sh_addralign = 16 };
	sh[2] = (Elf64_Shdr){ .sh_name = 7, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
			      .sh_addr = EH_FRAME_VADDR, .sh_offset = eh_off, .sh_size = eh_len,
			      .sh_addralign = 8 };
	sh[3] = (Elf64_Shdr){ .sh_name = 17, .sh_type = SHT_STRTAB, .sh_offset = str_off,
			      .sh_size = sizeof(shstrtab), .sh_addralign = 1 };
	*len = total;
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

		if (type > PROF_CFA_UNSUPPORTED || (i && r->pc <= t->rows[i - 1].pc))
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
