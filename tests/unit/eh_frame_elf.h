/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal 64-bit ELF file around an .eh_frame, for the unwind table tests and fuzzing:
 * one executable PT_LOAD segment at address 0, an empty (NOBITS) .text where the FDEs'
 * code is, .eh_frame, .shstrtab. Header-only, for tests.
 */
#ifndef PROF_TEST_EH_FRAME_ELF_H
#define PROF_TEST_EH_FRAME_ELF_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct eh_frame_elf_layout {
	uint16_t machine;    /* e_machine */
	uint16_t type;	     /* e_type */
	uint64_t eh_offset;  /* file offset of .eh_frame, past the ELF and program headers */
	uint64_t eh_vaddr;   /* its address */
	uint64_t text_vaddr; /* .text's address, the entry point */
	uint64_t text_size;
	uint64_t segment_size; /* p_memsz of the segment */
};

static const char eh_frame_elf_strings[] = "\0.text\0.eh_frame\0.shstrtab";

static inline size_t eh_frame_elf__shoff(const struct eh_frame_elf_layout *l, size_t eh_len)
{
	return (l->eh_offset + eh_len + sizeof(eh_frame_elf_strings) + 7) & ~(size_t)7;
}

/* Bytes the file of @eh_len bytes of .eh_frame takes. */
static inline size_t eh_frame_elf__size(const struct eh_frame_elf_layout *l, size_t eh_len)
{
	return eh_frame_elf__shoff(l, eh_len) + 4 * sizeof(Elf64_Shdr);
}

/* Writes the file into @out, eh_frame_elf__size() bytes, zeroed. */
static inline void eh_frame_elf__write(uint8_t *out, const struct eh_frame_elf_layout *l,
				       const uint8_t *eh, size_t eh_len)
{
	size_t str_off = l->eh_offset + eh_len, shoff = eh_frame_elf__shoff(l, eh_len);
	Elf64_Ehdr *ehdr = (Elf64_Ehdr *)out;
	Elf64_Phdr *phdr = (Elf64_Phdr *)(out + sizeof(*ehdr));
	Elf64_Shdr *sh = (Elf64_Shdr *)(out + shoff);

	memcpy(ehdr->e_ident, ELFMAG, SELFMAG);
	ehdr->e_ident[EI_CLASS] = ELFCLASS64;
	ehdr->e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr->e_ident[EI_VERSION] = EV_CURRENT;
	ehdr->e_type = l->type;
	ehdr->e_machine = l->machine;
	ehdr->e_version = EV_CURRENT;
	ehdr->e_entry = l->text_vaddr;
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
	phdr->p_filesz = eh_frame_elf__size(l, eh_len);
	phdr->p_memsz = l->segment_size;
	phdr->p_align = 0x1000;
	memcpy(out + l->eh_offset, eh, eh_len);
	memcpy(out + str_off, eh_frame_elf_strings, sizeof(eh_frame_elf_strings));
	sh[1] = (Elf64_Shdr){ .sh_name = 1,
			      .sh_type = SHT_NOBITS,
			      .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
			      .sh_addr = l->text_vaddr,
			      .sh_offset = l->eh_offset,
			      .sh_size = l->text_size,
			      .sh_addralign = 16 };
	sh[2] = (Elf64_Shdr){ .sh_name = 7,
			      .sh_type = SHT_PROGBITS,
			      .sh_flags = SHF_ALLOC,
			      .sh_addr = l->eh_vaddr,
			      .sh_offset = l->eh_offset,
			      .sh_size = eh_len,
			      .sh_addralign = 8 };
	sh[3] = (Elf64_Shdr){ .sh_name = 17,
			      .sh_type = SHT_STRTAB,
			      .sh_offset = str_off,
			      .sh_size = sizeof(eh_frame_elf_strings),
			      .sh_addralign = 1 };
}

#endif
