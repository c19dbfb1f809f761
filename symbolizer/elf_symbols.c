// SPDX-License-Identifier: GPL-2.0-only
#include "elf_symbols.h"

#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "symbol_table.h"

/* Preference among symbols at one address: lower wins. */
enum elf_sym_rank {
	ELF_SYM_GLOBAL,
	ELF_SYM_WEAK,
	ELF_SYM_LOCAL,
};

/*
 * How symbols become a table: one name per address, the best binding first; a symbol
 * without a size reaches the next one or the end of its section; a size is cut to 4 GiB;
 * the last symbol, of unknown section, covers its first byte.
 */
static const struct symbol_table_opts elf_symbols_opts = {
	.rule = SYMBOL_TABLE_ALIASES,
	.last_extent = 1,
	.max_extent = UINT32_MAX,
};

struct elf_symbols {
	struct symbol_table *table;
};

struct elf_symbols_loader {
	Elf *elf;
	struct symbol_table *table;
	/* The section of the previous symbol: symbols come grouped by section. */
	size_t last_shndx;
	uint64_t last_start, last_end;
	uint64_t entry;	    /* the ELF entry point, 0 for none */
	bool entry_covered; /* a function symbol starts at it or holds it */
};

/* The end of the allocated section @shndx if it holds @addr, else 0. */
static uint64_t loader__section_end(struct elf_symbols_loader *ld, size_t shndx, uint64_t addr)
{
	GElf_Shdr shdr;
	Elf_Scn *scn;

	if (shndx != ld->last_shndx) {
		ld->last_shndx = shndx;
		ld->last_start = ld->last_end = 0;
		scn = elf_getscn(ld->elf, shndx);
		if (scn && gelf_getshdr(scn, &shdr) && (shdr.sh_flags & SHF_ALLOC) &&
		    shdr.sh_addr + shdr.sh_size > shdr.sh_addr) {
			ld->last_start = shdr.sh_addr;
			ld->last_end = shdr.sh_addr + shdr.sh_size;
		}
	}
	if (addr >= ld->last_start && addr < ld->last_end)
		return ld->last_end;
	return 0;
}

static enum elf_sym_rank binding__rank(unsigned int bind)
{
	switch (bind) {
	case STB_GLOBAL:
	case STB_GNU_UNIQUE:
		return ELF_SYM_GLOBAL;
	case STB_WEAK:
		return ELF_SYM_WEAK;
	default:
		return ELF_SYM_LOCAL;
	}
}

/*
 * Bytes named "_start" from an entry point no symbol holds: x86-64 glibc's _start returns
 * from __libc_start_main at +0x25, the dynamic loader's from _dl_start at +8, and the next
 * function of a stripped binary begins at +0x30 at the earliest.
 */
#define ENTRY_NAME_BYTES 0x30

/*
 * Names the entry point "_start" when no function symbol holds it: the dynamic loader's
 * entry is in no symbol table Debian ships, and every process's first frames run under it.
 * Returns 0 or -errno.
 */
static int loader__name_entry(struct elf_symbols_loader *ld)
{
	struct symbol_spec spec = { .start = ld->entry,
				    .size = ENTRY_NAME_BYTES,
				    .rank = ELF_SYM_LOCAL };
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	if (!ld->entry || ld->entry_covered)
		return 0;
	while ((scn = elf_nextscn(ld->elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || !(shdr.sh_flags & SHF_EXECINSTR) ||
		    ld->entry < shdr.sh_addr || ld->entry - shdr.sh_addr >= shdr.sh_size)
			continue;
		spec.limit = shdr.sh_addr + shdr.sh_size;
		return symbol_table__add(ld->table, &spec, "_start", strlen("_start"));
	}
	return 0;
}

/* Returns 0, or -EINVAL when the section cannot be read at all. */
static int loader__read_section(struct elf_symbols_loader *ld, Elf_Scn *scn, GElf_Shdr *shdr)
{
	size_t entsize, count, i;
	Elf_Data *data;
	GElf_Sym sym;
	int err;

	entsize = gelf_fsize(ld->elf, ELF_T_SYM, 1, EV_CURRENT);
	data = elf_getdata(scn, NULL);
	if (!entsize || !data || !data->d_buf)
		return -EINVAL;
	/* libelf checked d_size against the file; gelf_getsym checks the index again. */
	count = data->d_size / entsize;
	for (i = 1; i < count; i++) {
		struct symbol_spec spec = { 0 };
		unsigned int type;
		const char *name;

		if (!gelf_getsym(data, i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF)
			continue;
		/* elf_strptr checks the offset and the terminating NUL. */
		name = elf_strptr(ld->elf, shdr->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		spec.start = sym.st_value;
		spec.size = sym.st_size;
		if (ld->entry >= spec.start && ld->entry - spec.start < (spec.size ?: 1))
			ld->entry_covered = true;
		spec.rank = binding__rank(GELF_ST_BIND(sym.st_info));
		if (sym.st_shndx < SHN_LORESERVE)
			spec.limit = loader__section_end(ld, sym.st_shndx, sym.st_value);
		/*
		 * A .symtab of a versioned library spells "mtx_init@@GLIBC_2.34" where .dynsym
		 * says "mtx_init" (versions live in .gnu.version): names drop the version.
		 */
		err = symbol_table__add(ld->table, &spec, name, strcspn(name + 1, "@") + 1);
		if (err)
			return err;
	}
	return 0;
}

int elf_symbols__read(Elf *elf, struct elf_symbols **out)
{
	struct elf_symbols_loader ld = { .elf = elf, .last_shndx = SIZE_MAX };
	GElf_Ehdr ehdr;
	size_t nr_tables = 0, nr_bad = 0;
	struct elf_symbols *syms;
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	int err;

	syms = calloc(1, sizeof(*syms));
	if (!syms)
		return -ENOMEM;
	if (gelf_getehdr(elf, &ehdr) && (ehdr.e_type == ET_EXEC || ehdr.e_type == ET_DYN))
		ld.entry = ehdr.e_entry;
	syms->table = ld.table = symbol_table__new(&elf_symbols_opts);
	if (!syms->table) {
		err = -ENOMEM;
		goto out_free;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &shdr))
			continue;
		if (shdr.sh_type != SHT_SYMTAB && shdr.sh_type != SHT_DYNSYM)
			continue;
		nr_tables++;
		err = loader__read_section(&ld, scn, &shdr);
		if (err == -EINVAL) {
			nr_bad++;
			continue;
		}
		if (err)
			goto out_free;
	}
	/* A broken table next to a good one still gives names; only broken ones do not. */
	if (nr_tables && nr_bad == nr_tables) {
		err = -EINVAL;
		goto out_free;
	}
	err = loader__name_entry(&ld);
	if (!err)
		err = symbol_table__seal(syms->table);
	if (err)
		goto out_free;
	*out = syms;
	return 0;

out_free:
	elf_symbols__free(syms);
	return err;
}

int elf_symbols__merge(const struct elf_symbols *a, const struct elf_symbols *b,
		       struct elf_symbols **out)
{
	struct elf_symbols *syms;
	int err;

	syms = calloc(1, sizeof(*syms));
	if (!syms)
		return -ENOMEM;
	err = symbol_table__merge(a->table, b->table, &syms->table);
	if (err) {
		free(syms);
		return err;
	}
	*out = syms;
	return 0;
}

void elf_symbols__free(struct elf_symbols *syms)
{
	if (!syms)
		return;
	symbol_table__free(syms->table);
	free(syms);
}

const char *elf_symbols__find(const struct elf_symbols *syms, uint64_t addr, uint64_t *start)
{
	return symbol_table__find(syms->table, addr, start, NULL);
}

size_t elf_symbols__count(const struct elf_symbols *syms)
{
	return symbol_table__count(syms->table);
}

size_t elf_symbols__size(const struct elf_symbols *syms)
{
	return sizeof(*syms) + symbol_table__size(syms->table);
}
