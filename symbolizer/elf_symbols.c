// SPDX-License-Identifier: GPL-2.0-only
#include "elf_symbols.h"

#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "symbol_names.h"

/* Preference among symbols at one address: lower wins. */
enum elf_sym_rank {
	ELF_SYM_GLOBAL,
	ELF_SYM_WEAK,
	ELF_SYM_LOCAL,
};

/* One symbol as read, before sorting and choosing one per address. */
struct raw_sym {
	uint64_t addr;
	uint64_t size;
	uint64_t section_end; /* end of the section holding it; 0 when unknown */
	uint32_t name;	      /* offset in the loader's name buffer */
	uint32_t rank;	      /* enum elf_sym_rank */
};

/* 16 bytes a symbol: large binaries have hundreds of thousands. */
struct elf_sym {
	uint64_t addr;
	uint32_t size; /* extent of the symbol, never 0; a bigger one is cut to 4 GiB */
	uint32_t name; /* offset in elf_symbols.names */
};

struct elf_symbols {
	struct elf_sym *syms;
	size_t nr_syms;
	char *names;
	size_t names_len;
};

struct elf_symbols_loader {
	Elf *elf;
	struct raw_sym *raw;
	size_t nr_raw;
	size_t raw_cap;
	struct name_buffer names; /* names of raw[], by offset */
	/* The section of the previous symbol: symbols come grouped by section. */
	size_t last_shndx;
	uint64_t last_start, last_end;
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
		unsigned int type;
		const char *name;
		struct raw_sym *raw;

		if (!gelf_getsym(data, i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF)
			continue;
		/* elf_strptr checks the offset and the terminating NUL. */
		name = elf_strptr(ld->elf, shdr->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		err = array__reserve(&ld->raw, &ld->raw_cap, ld->nr_raw + 1, sizeof(*ld->raw));
		if (err)
			return err;
		raw = &ld->raw[ld->nr_raw];
		/*
		 * A .symtab of a versioned library spells "mtx_init@@GLIBC_2.34" where .dynsym
		 * says "mtx_init" (versions live in .gnu.version): names drop the version.
		 */
		err = name_buffer__add(&ld->names, name, strcspn(name + 1, "@") + 1, UINT32_MAX,
				       &raw->name);
		if (err)
			return err;
		raw->addr = sym.st_value;
		raw->size = sym.st_size;
		raw->rank = binding__rank(GELF_ST_BIND(sym.st_info));
		raw->section_end = 0;
		if (sym.st_shndx < SHN_LORESERVE)
			raw->section_end = loader__section_end(ld, sym.st_shndx, sym.st_value);
		ld->nr_raw++;
	}
	return 0;
}

/*
 * By address; at one address the best name first: global before weak before local, fewer
 * leading underscores, then by name so the choice does not depend on the order of the file.
 */
static int raw_sym__cmp(const void *a, const void *b, void *names_ptr)
{
	const struct raw_sym *x = a, *y = b;
	const char *names = names_ptr;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return symbol_name__cmp_alias(names + x->name, names + y->name);
}

/* Keeps one symbol per address, computes extents and copies only the kept names. */
static int loader__finish(struct elf_symbols_loader *ld, struct elf_symbols *syms)
{
	size_t i, j, n = 0, names_len = 0;

	/* A file without symbols has no array at all, which qsort_r must not be given. */
	if (ld->nr_raw)
		qsort_r(ld->raw, ld->nr_raw, sizeof(*ld->raw), raw_sym__cmp, ld->names.data);
	for (i = 0; i < ld->nr_raw; i = j) {
		struct raw_sym best = ld->raw[i];

		/* The best name wins, but a size or section from another alias still helps. */
		for (j = i + 1; j < ld->nr_raw && ld->raw[j].addr == best.addr; j++) {
			if (!best.size)
				best.size = ld->raw[j].size;
			if (!best.section_end)
				best.section_end = ld->raw[j].section_end;
		}
		ld->raw[n++] = best;
		names_len += strlen(ld->names.data + best.name) + 1;
	}

	syms->syms = malloc((n ? n : 1) * sizeof(*syms->syms));
	syms->names = malloc(names_len ? names_len : 1);
	if (!syms->syms || !syms->names)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct raw_sym *raw = &ld->raw[i];
		struct elf_sym *sym = &syms->syms[i];
		const char *name = ld->names.data + raw->name;
		size_t len = strlen(name) + 1;
		uint64_t end;

		if (raw->size) {
			end = raw->addr + raw->size;
			if (end < raw->addr)
				end = UINT64_MAX;
		} else {
			/* No size: up to the next symbol, within the section when it is known. */
			end = i + 1 < n ? ld->raw[i + 1].addr : raw->addr + 1;
			if (raw->section_end > raw->addr && (i + 1 == n || raw->section_end < end))
				end = raw->section_end;
		}
		sym->addr = raw->addr;
		sym->size = end - raw->addr > UINT32_MAX ? UINT32_MAX : end - raw->addr;
		if (!sym->size)
			sym->size = 1;
		sym->name = syms->names_len;
		memcpy(syms->names + syms->names_len, name, len);
		syms->names_len += len;
	}
	syms->nr_syms = n;
	return 0;
}

int elf_symbols__read(Elf *elf, struct elf_symbols **out)
{
	struct elf_symbols_loader ld = { .elf = elf, .last_shndx = SIZE_MAX };
	size_t nr_tables = 0, nr_bad = 0;
	struct elf_symbols *syms;
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	int err;

	syms = calloc(1, sizeof(*syms));
	if (!syms)
		return -ENOMEM;
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
	err = loader__finish(&ld, syms);
	if (err)
		goto out_free;
	free(ld.raw);
	free(ld.names.data);
	*out = syms;
	return 0;

out_free:
	free(ld.raw);
	free(ld.names.data);
	elf_symbols__free(syms);
	return err;
}

/* Appends @sym of @from to @to, whose arrays are big enough. */
static void table__append(struct elf_symbols *to, const struct elf_symbols *from,
			  const struct elf_sym *sym)
{
	const char *name = from->names + sym->name;
	size_t len = strlen(name) + 1;

	to->syms[to->nr_syms] = *sym;
	to->syms[to->nr_syms].name = to->names_len;
	to->nr_syms++;
	memcpy(to->names + to->names_len, name, len);
	to->names_len += len;
}

int elf_symbols__merge(const struct elf_symbols *a, const struct elf_symbols *b,
		       struct elf_symbols **out)
{
	size_t i = 0, j = 0, nr = a->nr_syms + b->nr_syms;
	static const struct elf_symbols empty;
	struct elf_symbols *syms;

	/* Names of both fit in 32-bit offsets only if the sum does; else keep @a alone. */
	if (a->names_len + b->names_len > UINT32_MAX) {
		b = &empty;
		nr = a->nr_syms;
	}
	syms = calloc(1, sizeof(*syms));
	if (!syms)
		return -ENOMEM;
	syms->syms = malloc((nr ? nr : 1) * sizeof(*syms->syms));
	syms->names = malloc(a->names_len + b->names_len + 1);
	if (!syms->syms || !syms->names) {
		elf_symbols__free(syms);
		return -ENOMEM;
	}
	while (i < a->nr_syms || j < b->nr_syms) {
		if (j == b->nr_syms || (i < a->nr_syms && a->syms[i].addr <= b->syms[j].addr)) {
			if (j < b->nr_syms && a->syms[i].addr == b->syms[j].addr)
				j++;
			table__append(syms, a, &a->syms[i++]);
		} else {
			table__append(syms, b, &b->syms[j++]);
		}
	}
	*out = syms;
	return 0;
}

void elf_symbols__free(struct elf_symbols *syms)
{
	if (!syms)
		return;
	free(syms->syms);
	free(syms->names);
	free(syms);
}

const char *elf_symbols__find(const struct elf_symbols *syms, uint64_t addr, uint64_t *start)
{
	size_t lo = 0, hi = syms->nr_syms;
	const struct elf_sym *sym;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	sym = &syms->syms[lo - 1];
	if (addr - sym->addr >= sym->size)
		return NULL;
	if (start)
		*start = sym->addr;
	return syms->names + sym->name;
}

size_t elf_symbols__count(const struct elf_symbols *syms)
{
	return syms->nr_syms;
}

size_t elf_symbols__size(const struct elf_symbols *syms)
{
	return sizeof(*syms) + syms->nr_syms * sizeof(*syms->syms) + syms->names_len;
}
