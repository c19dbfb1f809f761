// SPDX-License-Identifier: GPL-2.0-only
/*
 * ELF symbol tables and mapped files: a fixture program whose function addresses are known
 * from the loader, a hand-made ELF file with every corner of symbol choice, .dynsym-only
 * files, and truncated, corrupted and garbage files that must name nothing and not crash.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "name_assert.h"

#include "dso.h"
#include "dso_cache.h"
#include "elf_symbols.h"

#define FIXTURE TEST_PROGRAM_DIR "/sym_fixture"
#define MAX_FUNCS 16

struct fixture_func {
	char name[64];
	uint64_t runtime;
	uint64_t vaddr;
};

/* Runs the fixture and reads the functions it reports. Returns how many. */
static size_t fixture__functions(struct fixture_func *funcs)
{
	char line[256];
	size_t n = 0;
	FILE *f;

	f = popen(FIXTURE " print", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && n < MAX_FUNCS) {
		unsigned long long rt, va;

		if (!strncmp(line, "data ", 5) ||
		    sscanf(line, "%63s %llx %llx", funcs[n].name, &rt, &va) != 3)
			continue;
		funcs[n].runtime = rt;
		funcs[n].vaddr = va;
		n++;
	}
	assert_int_equal(pclose(f), 0);
	assert_int_equal(n, 6);
	return n;
}

/* The ELF entry point of the file at @path. */
static uint64_t entry_point(const char *path)
{
	GElf_Ehdr ehdr;
	Elf *elf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_non_null(gelf_getehdr(elf, &ehdr));
	elf_end(elf);
	close(fd);
	return ehdr.e_entry;
}

static struct elf_symbols *load_path(const char *path)
{
	struct elf_symbols *syms = NULL;
	Elf *elf;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_symbols__read(elf, &syms), 0);
	elf_end(elf);
	close(fd);
	return syms;
}

static int setup_libelf(void **state)
{
	(void)state;
	return elf_version(EV_CURRENT) == EV_NONE ? -1 : 0;
}

static void test_fixture_symbols(void **state)
{
	struct fixture_func funcs[MAX_FUNCS];
	struct elf_symbols *syms;
	size_t n, i;

	(void)state;
	n = fixture__functions(funcs);
	syms = load_path(FIXTURE);
	/* the fixture's six, plus crt and libc-support functions */
	assert_true(elf_symbols__count(syms) >= n);
	for (i = 0; i < n; i++) {
		uint64_t start = 0;
		const char *name;

		name = elf_symbols__find(syms, funcs[i].vaddr, &start);
		assert_non_null(name);
		assert_string_equal(name, funcs[i].name);
		assert_int_equal(start, funcs[i].vaddr);
		name = elf_symbols__find(syms, funcs[i].vaddr + 1, NULL);
		assert_non_null(name);
		assert_string_equal(name, funcs[i].name);
		/* the byte before a function belongs to something else */
		name = elf_symbols__find(syms, funcs[i].vaddr - 1, NULL);
		assert_true(!name || strcmp(name, funcs[i].name));
	}
	assert_null(elf_symbols__find(syms, 0, NULL));
	assert_true(elf_symbols__size(syms) > elf_symbols__count(syms) * 16);
	elf_symbols__free(syms);
}

/* A stripped copy keeps only .dynsym, where an executable's own functions are not. */
static void test_stripped_fixture(void **state)
{
	struct fixture_func funcs[MAX_FUNCS];
	char path[] = "/tmp/sym_fixture_stripped.XXXXXX", cmd[256];
	struct elf_symbols *syms;
	uint64_t entry;
	size_t n, i;
	int fd;

	(void)state;
	n = fixture__functions(funcs);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "strip -o %s %s", path, FIXTURE);
	if (system(cmd)) {
		unlink(path);
		skip();
	}
	syms = load_path(path);
	for (i = 0; i < n; i++)
		assert_null(elf_symbols__find(syms, funcs[i].vaddr, NULL));
	/* The entry point alone keeps a name: _start, up to the return from its call. */
	entry = entry_point(path);
	assert_string_equal(elf_symbols__find(syms, entry + 0x25, NULL), "_start");
	assert_null(elf_symbols__find(syms, entry + 0x30, NULL));
	elf_symbols__free(syms);
	unlink(path);
}

static int find_object(struct dl_phdr_info *info, size_t size, void *ctx)
{
	Dl_info *want = ctx;

	(void)size;
	if (!strcmp(info->dlpi_name, want->dli_fname)) {
		want->dli_fbase = (void *)info->dlpi_addr;
		return 1;
	}
	return 0;
}

/* libc as Debian ships it has only .dynsym. */
static void test_dynsym_only(void **state)
{
	void *addr = dlsym(RTLD_DEFAULT, "getpid");
	struct elf_symbols *syms;
	const char *name;
	Dl_info dl;

	(void)state;
	assert_non_null(addr);
	assert_true(dladdr(addr, &dl));
	assert_true(dl_iterate_phdr(find_object, &dl));
	syms = load_path(dl.dli_fname);
	assert_true(elf_symbols__count(syms) > 1000);
	name = elf_symbols__find(syms, (uintptr_t)addr - (uintptr_t)dl.dli_fbase, NULL);
	assert_non_null(name);
	/* GLOBAL __getpid is preferred to its WEAK alias getpid */
	assert_true(!strcmp(name, "__getpid") || !strcmp(name, "getpid"));
	elf_symbols__free(syms);
}

/* A hand-made ELF file. */

#define TEXT_VADDR 0x401000
#define TEXT_SIZE 0x1000

struct strtab {
	char buf[512];
	size_t len;
};

static uint32_t strtab__add(struct strtab *t, const char *s)
{
	uint32_t off = t->len;

	if (!t->len)
		t->buf[t->len++] = '\0', off = 1;
	strcpy(t->buf + t->len, s);
	t->len += strlen(s) + 1;
	return off;
}

struct sym_spec {
	const char *name; /* NULL: a name offset past the end of the string table */
	uint64_t value;
	uint64_t size;
	int bind;
	int type;
	bool undef;
};

static const struct sym_spec symtab_specs[] = {
	{ "local_c", 0x401020, 0x20, STB_LOCAL, STT_FUNC, false },
	{ "local_d", 0x401040, 0x10, STB_LOCAL, STT_FUNC, false },
	{ NULL, 0x401300, 0x10, STB_LOCAL, STT_FUNC, false },
	{ "func_sized_a", 0x401000, 0x10, STB_GLOBAL, STT_FUNC, false },
	{ "weak_c", 0x401020, 0x20, STB_WEAK, STT_FUNC, false },
	{ "global_c", 0x401020, 0x20, STB_GLOBAL, STT_FUNC, false },
	{ "weak_d", 0x401040, 0, STB_WEAK, STT_FUNC, false },
	{ "nosize_e", 0x401080, 0, STB_GLOBAL, STT_FUNC, false },
	/* .symtab of a versioned library: the version is not part of the name */
	{ "ifunc_f@@VERS_1.0", 0x4010c0, 0x10, STB_GLOBAL, STT_GNU_IFUNC, false },
	{ "data_obj", 0x401100, 0x10, STB_GLOBAL, STT_OBJECT, false },
	{ "undef_g", 0, 0, STB_GLOBAL, STT_FUNC, true },
	{ "last_nosize", 0x401f00, 0, STB_GLOBAL, STT_FUNC, false },
};

static const struct sym_spec dynsym_specs[] = {
	{ "dyn_only", 0x401200, 0x10, STB_GLOBAL, STT_FUNC, false },
	{ "func_sized_a", 0x401000, 0x10, STB_GLOBAL, STT_FUNC, false },
};

static Elf_Scn *add_section(Elf *e, struct strtab *shstr, const char *name, uint32_t type,
			    uint64_t flags, void *buf, size_t size, Elf_Type dtype)
{
	Elf_Scn *scn = elf_newscn(e);
	Elf_Data *data = elf_newdata(scn);
	GElf_Shdr shdr;

	assert_non_null(data);
	data->d_buf = buf;
	data->d_size = size;
	data->d_type = dtype;
	data->d_align = 8;
	data->d_version = EV_CURRENT;
	assert_non_null(gelf_getshdr(scn, &shdr));
	shdr.sh_name = strtab__add(shstr, name);
	shdr.sh_type = type;
	shdr.sh_flags = flags;
	assert_true(gelf_update_shdr(scn, &shdr));
	return scn;
}

static void fill_symbols(Elf64_Sym *out, const struct sym_spec *specs, size_t n, struct strtab *str,
			 size_t text_index)
{
	size_t i;

	memset(out, 0, sizeof(*out) * (n + 1));
	for (i = 0; i < n; i++) {
		Elf64_Sym *s = &out[i + 1];

		s->st_name = specs[i].name ? strtab__add(str, specs[i].name) : 0xffff;
		s->st_value = specs[i].value;
		s->st_size = specs[i].size;
		s->st_info = ELF64_ST_INFO(specs[i].bind, specs[i].type);
		s->st_shndx = specs[i].undef ? SHN_UNDEF : text_index;
	}
}

static void link_symbols(Elf_Scn *symscn, Elf_Scn *strscn)
{
	GElf_Shdr shdr;

	assert_non_null(gelf_getshdr(symscn, &shdr));
	shdr.sh_link = elf_ndxscn(strscn);
	shdr.sh_entsize = sizeof(Elf64_Sym);
	shdr.sh_info = 1;
	assert_true(gelf_update_shdr(symscn, &shdr));
}

/* Writes the hand-made ELF file to @path; returns the file offset of .text. */
static uint64_t write_crafted_elf(const char *path)
{
	static char text[TEXT_SIZE];
	struct strtab shstr = { 0 }, str = { 0 }, dynstr = { 0 };
	Elf64_Sym symtab[sizeof(symtab_specs) / sizeof(symtab_specs[0]) + 1];
	Elf64_Sym dynsym[sizeof(dynsym_specs) / sizeof(dynsym_specs[0]) + 1];
	Elf_Scn *text_scn, *sym_scn, *str_scn, *dyn_scn, *dynstr_scn, *shstr_scn;
	Elf64_Ehdr *ehdr;
	Elf64_Phdr *phdr;
	GElf_Shdr shdr;
	Elf *e;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	assert_non_null(e);
	ehdr = elf64_newehdr(e);
	assert_non_null(ehdr);
	ehdr->e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr->e_machine = EM_X86_64;
	ehdr->e_type = ET_EXEC;
	ehdr->e_version = EV_CURRENT;
	phdr = elf64_newphdr(e, 1);
	assert_non_null(phdr);

	strtab__add(&shstr, ".shstrtab");
	text_scn = add_section(e, &shstr, ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text,
			       sizeof(text), ELF_T_BYTE);
	fill_symbols(symtab, symtab_specs, sizeof(symtab_specs) / sizeof(symtab_specs[0]), &str,
		     elf_ndxscn(text_scn));
	fill_symbols(dynsym, dynsym_specs, sizeof(dynsym_specs) / sizeof(dynsym_specs[0]), &dynstr,
		     elf_ndxscn(text_scn));
	sym_scn = add_section(e, &shstr, ".symtab", SHT_SYMTAB, 0, symtab, sizeof(symtab),
			      ELF_T_SYM);
	str_scn = add_section(e, &shstr, ".strtab", SHT_STRTAB, 0, str.buf, str.len, ELF_T_BYTE);
	dyn_scn = add_section(e, &shstr, ".dynsym", SHT_DYNSYM, SHF_ALLOC, dynsym, sizeof(dynsym),
			      ELF_T_SYM);
	dynstr_scn = add_section(e, &shstr, ".dynstr", SHT_STRTAB, SHF_ALLOC, dynstr.buf,
				 dynstr.len, ELF_T_BYTE);
	shstr_scn = add_section(e, &shstr, ".shstrtab", SHT_STRTAB, 0, shstr.buf, sizeof(shstr.buf),
				ELF_T_BYTE);
	link_symbols(sym_scn, str_scn);
	link_symbols(dyn_scn, dynstr_scn);
	ehdr->e_shstrndx = elf_ndxscn(shstr_scn);

	assert_non_null(gelf_getshdr(text_scn, &shdr));
	shdr.sh_addr = TEXT_VADDR;
	assert_true(gelf_update_shdr(text_scn, &shdr));
	/* Lay the file out, then point the segment at where .text landed. */
	assert_true(elf_update(e, ELF_C_NULL) > 0);
	assert_non_null(gelf_getshdr(text_scn, &shdr));
	phdr->p_type = PT_LOAD;
	phdr->p_flags = PF_R | PF_X;
	phdr->p_offset = shdr.sh_offset;
	phdr->p_vaddr = phdr->p_paddr = TEXT_VADDR;
	phdr->p_filesz = TEXT_SIZE;
	phdr->p_memsz = TEXT_SIZE;
	phdr->p_align = 16;
	elf_flagphdr(e, ELF_C_SET, ELF_F_DIRTY);
	assert_true(elf_update(e, ELF_C_WRITE) > 0);
	elf_end(e);
	close(fd);
	return shdr.sh_offset;
}

static void assert_name(struct elf_symbols *syms, uint64_t addr, const char *want)
{
	assert_found_name(addr, elf_symbols__find(syms, addr, NULL), want);
}

static void check_crafted_symbols(struct elf_symbols *syms)
{
	assert_int_equal(elf_symbols__count(syms), 7);
	assert_name(syms, 0, NULL);
	assert_name(syms, 0x400fff, NULL);
	assert_name(syms, 0x401000, "func_sized_a");
	assert_name(syms, 0x40100f, "func_sized_a");
	/* a sized symbol ends where its size says */
	assert_name(syms, 0x401010, NULL);
	assert_name(syms, 0x40101f, NULL);
	/* one name per address: global, then weak, then local */
	assert_name(syms, 0x401020, "global_c");
	assert_name(syms, 0x40103f, "global_c");
	assert_name(syms, 0x401040, "weak_d");
	/* weak_d has no size: its local alias lends it one */
	assert_name(syms, 0x40104f, "weak_d");
	assert_name(syms, 0x401050, NULL);
	/* no size: up to the next symbol */
	assert_name(syms, 0x401080, "nosize_e");
	assert_name(syms, 0x4010bf, "nosize_e");
	assert_name(syms, 0x4010c0, "ifunc_f");
	assert_name(syms, 0x4010cf, "ifunc_f");
	assert_name(syms, 0x4010d0, NULL);
	/* objects are not functions */
	assert_name(syms, 0x401100, NULL);
	/* .dynsym is read too */
	assert_name(syms, 0x401200, "dyn_only");
	assert_name(syms, 0x40120f, "dyn_only");
	assert_name(syms, 0x401210, NULL);
	/* a name outside the string table drops the symbol */
	assert_name(syms, 0x401300, NULL);
	/* no size and nothing after it: up to the end of its section */
	assert_name(syms, 0x401f00, "last_nosize");
	assert_name(syms, 0x401fff, "last_nosize");
	assert_name(syms, 0x402000, NULL);
	assert_name(syms, UINT64_MAX, NULL);
}

static void test_crafted_symbols(void **state)
{
	char path[] = "/tmp/test_elf_crafted.XXXXXX";
	struct elf_symbols *syms;

	(void)state;
	close(mkstemp(path));
	write_crafted_elf(path);
	syms = load_path(path);
	check_crafted_symbols(syms);
	elf_symbols__free(syms);
	unlink(path);
}

static int open_dso(struct dso_cache *cache, const char *path, uint64_t ino, struct dso **dso)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	return dso_cache__open(cache, 1, ino, fd, path, dso);
}

/* File offsets to virtual addresses through PT_LOAD, in a file where they differ. */
static void test_dso_translation(void **state)
{
	char path[] = "/tmp/test_elf_crafted.XXXXXX";
	struct dso_cache *cache;
	struct dso *dso, *again;
	uint64_t text_off, vaddr = 0, start = 0;

	(void)state;
	close(mkstemp(path));
	text_off = write_crafted_elf(path);
	assert_true(text_off != TEXT_VADDR);
	cache = dso_cache__new();
	assert_non_null(cache);
	assert_int_equal(open_dso(cache, path, 100, &dso), 0);
	assert_string_equal(dso__path(dso), path);

	/* The file is held open: deleting it changes nothing. */
	unlink(path);
	assert_int_equal(dso__vaddr(dso, text_off + 0x20, &vaddr), 0);
	assert_int_equal(vaddr, 0x401020);
	assert_string_equal(dso__find_symbol(dso, vaddr, &start), "global_c");
	assert_int_equal(start, 0x401020);
	assert_int_equal(dso__vaddr(dso, text_off + TEXT_SIZE - 1, &vaddr), 0);
	assert_int_equal(vaddr, TEXT_VADDR + TEXT_SIZE - 1);
	assert_int_equal(dso__vaddr(dso, text_off + TEXT_SIZE, &vaddr), -ENOENT);
	assert_int_equal(dso__vaddr(dso, text_off - 1, &vaddr), -ENOENT);

	/* Found again by its maps key without opening anything. */
	again = dso_cache__find_mapped(cache, 1, 100);
	assert_ptr_equal(again, dso);
	assert_null(dso_cache__find_mapped(cache, 1, 101));
	assert_null(dso_cache__find_mapped(cache, 2, 100));
	assert_int_equal(dso_cache__count(cache), 1);
	dso__put(again);
	dso__put(dso);
	/* The last reference gone, the cache still knows the file, already read. */
	assert_int_equal(dso_cache__count(cache), 1);
	again = dso_cache__find_mapped(cache, 1, 100);
	assert_ptr_equal(again, dso);
	assert_string_equal(dso__find_symbol(again, 0x401000, NULL), "func_sized_a");
	dso__put(again);
	assert_int_equal(dso_cache__bad_files(cache), 0);
	/* and frees it with the cache (valgrind checks) */
	dso_cache__free(cache);
}

/* One file reached under two maps keys (two mount namespaces) is read once. */
static void test_dso_same_file(void **state)
{
	struct dso_cache *cache;
	struct dso *a, *b;
	struct stat st;

	(void)state;
	cache = dso_cache__new();
	assert_non_null(cache);
	assert_int_equal(open_dso(cache, FIXTURE, 7, &a), 0);
	assert_int_equal(open_dso(cache, FIXTURE, 8, &b), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(dso_cache__count(cache), 1);
	assert_int_equal(stat(FIXTURE, &st), 0);
	assert_true(dso__same_file(a, &st));
	st.st_mtim.tv_sec++;
	assert_false(dso__same_file(a, &st));
	dso__put(a);
	dso__put(b);
	dso_cache__free(cache);
}

/* Patches the section header of type @type in the 64-bit ELF file @path. */
static void corrupt_section(const char *path, uint32_t type, bool bad_size, bool bad_link)
{
	Elf64_Ehdr ehdr;
	Elf64_Shdr shdr;
	int fd, i;

	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &ehdr, sizeof(ehdr), 0), sizeof(ehdr));
	for (i = 0; i < ehdr.e_shnum; i++) {
		off_t off = ehdr.e_shoff + (off_t)i * ehdr.e_shentsize;

		assert_int_equal(pread(fd, &shdr, sizeof(shdr), off), sizeof(shdr));
		if (shdr.sh_type != type)
			continue;
		if (bad_size)
			shdr.sh_size = 0xffffffffff;
		if (bad_link)
			shdr.sh_link = 9999;
		assert_int_equal(pwrite(fd, &shdr, sizeof(shdr), off), sizeof(shdr));
	}
	close(fd);
}

static int load_elf_file(const char *path, struct elf_symbols **syms)
{
	int fd = open(path, O_RDONLY), err = -ENOEXEC;
	Elf *elf;

	assert_true(fd >= 0);
	*syms = NULL;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF)
		err = elf_symbols__read(elf, syms);
	elf_end(elf);
	close(fd);
	return err;
}

static void test_corrupted_tables(void **state)
{
	char path[] = "/tmp/test_elf_crafted.XXXXXX";
	struct elf_symbols *syms;

	(void)state;
	close(mkstemp(path));

	/* .symtab claims a terabyte: skipped, .dynsym still names its two */
	write_crafted_elf(path);
	corrupt_section(path, SHT_SYMTAB, true, false);
	assert_int_equal(load_elf_file(path, &syms), 0);
	assert_int_equal(elf_symbols__count(syms), 2);
	assert_name(syms, 0x401200, "dyn_only");
	assert_name(syms, 0x401020, NULL);
	elf_symbols__free(syms);

	/* .symtab's strings in a section that does not exist: its names are dropped */
	write_crafted_elf(path);
	corrupt_section(path, SHT_SYMTAB, false, true);
	assert_int_equal(load_elf_file(path, &syms), 0);
	assert_int_equal(elf_symbols__count(syms), 2);
	elf_symbols__free(syms);

	/* both tables unreadable: the file is bad */
	write_crafted_elf(path);
	corrupt_section(path, SHT_SYMTAB, true, false);
	corrupt_section(path, SHT_DYNSYM, true, false);
	assert_int_equal(load_elf_file(path, &syms), -EINVAL);
	assert_null(syms);
	unlink(path);
}

static void write_prefix(const char *path, const char *src, size_t len)
{
	char *buf = malloc(len ? len : 1);
	int in, out;

	assert_non_null(buf);
	in = open(src, O_RDONLY);
	assert_true(in >= 0);
	assert_int_equal(pread(in, buf, len, 0), (ssize_t)len);
	close(in);
	out = open(path, O_WRONLY | O_TRUNC);
	assert_true(out >= 0);
	assert_int_equal(write(out, buf, len), (ssize_t)len);
	close(out);
	free(buf);
}

/*
 * Every prefix of @src (every @step bytes, and the ones in @lengths) through the dso
 * cache: may load or fail, must not crash, and bad files count once each.
 */
static void truncate_and_load(const char *src, size_t step, const size_t *lengths,
			      size_t nr_lengths)
{
	char path[] = "/tmp/test_elf_truncated.XXXXXX";
	uint64_t failures = 0, ino = 1000;
	struct dso_cache *cache;
	struct stat st;
	size_t len, i;

	close(mkstemp(path));
	assert_int_equal(stat(src, &st), 0);
	cache = dso_cache__new();
	assert_non_null(cache);
	for (i = 0, len = 0; len < (size_t)st.st_size; i++) {
		struct elf_symbols *syms;
		struct dso *dso;
		uint64_t vaddr;
		int err;

		if (step)
			len = i * step;
		else if (i < nr_lengths)
			len = lengths[i];
		else
			break;
		if (len >= (size_t)st.st_size)
			break;
		write_prefix(path, src, len);

		err = load_elf_file(path, &syms);
		if (!err) {
			elf_symbols__find(syms, 0x401020, NULL);
			elf_symbols__free(syms);
		}

		assert_int_equal(open_dso(cache, path, ino++, &dso), 0);
		err = dso__load(dso);
		if (err) {
			failures++;
			/* the ELF header alone is 64 bytes */
		} else {
			assert_true(len >= 64);
		}
		/* a second look neither crashes nor counts again */
		dso__vaddr(dso, 0x1020, &vaddr);
		dso__find_symbol(dso, 0x401020, NULL);
		dso__put(dso);
		assert_int_equal(dso_cache__bad_files(cache), failures);
	}
	assert_true(failures > 0);
	dso_cache__free(cache);
	unlink(path);
}

static void test_truncated_crafted(void **state)
{
	char path[] = "/tmp/test_elf_crafted.XXXXXX";

	(void)state;
	close(mkstemp(path));
	write_crafted_elf(path);
	truncate_and_load(path, 13, NULL, 0);
	unlink(path);
}

static void test_truncated_fixture(void **state)
{
	static const size_t lengths[] = { 0, 1, 4, 16, 52, 63, 64, 65, 200, 1000, 4096, 8192 };
	struct stat st;
	size_t more[sizeof(lengths) / sizeof(lengths[0]) + 3];

	(void)state;
	assert_int_equal(stat(FIXTURE, &st), 0);
	memcpy(more, lengths, sizeof(lengths));
	more[sizeof(lengths) / sizeof(lengths[0])] = st.st_size / 2;
	more[sizeof(lengths) / sizeof(lengths[0]) + 1] = st.st_size - 100;
	more[sizeof(lengths) / sizeof(lengths[0]) + 2] = st.st_size - 1;
	truncate_and_load(FIXTURE, 0, more, sizeof(more) / sizeof(more[0]));
}

static void test_garbage_files(void **state)
{
	char path[] = "/tmp/test_elf_garbage.XXXXXX";
	unsigned char buf[8192];
	struct dso_cache *cache;
	struct dso *dso;
	uint64_t vaddr;
	size_t i;
	int fd;

	(void)state;
	cache = dso_cache__new();
	assert_non_null(cache);
	srand(42);
	for (int round = 0; round < 2; round++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = rand();
		/* the second round looks like ELF at first sight */
		if (round)
			memcpy(buf, "\177ELF\2\1\1", 7);
		fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(dso_cache__open(cache, 1, round, fd, path, &dso), 0);
		assert_true(dso__load(dso) < 0);
		assert_true(dso__vaddr(dso, 0, &vaddr) < 0);
		assert_null(dso__find_symbol(dso, 0, NULL));
		dso__put(dso);
		unlink(path);
		strcpy(path, "/tmp/test_elf_garbage.XXXXXX");
	}
	assert_int_equal(dso_cache__bad_files(cache), 2);

	/* not a regular file, and not openable at all */
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(dso_cache__open(cache, 1, 10, fd, "/dev/null", &dso), 0);
	assert_true(dso__load(dso) < 0);
	dso__put(dso);
	assert_int_equal(dso_cache__add_unreadable(cache, 1, 11, "/gone", -ENOENT, &dso), 0);
	assert_true(dso__load(dso) < 0);
	assert_ptr_equal(dso_cache__find_mapped(cache, 1, 11), dso);
	dso__put(dso);
	dso__put(dso);
	assert_int_equal(dso_cache__bad_files(cache), 4);
	dso_cache__free(cache);
}

/*
 * Descriptors open in this process, read in the process itself: a child that lists
 * /proc/PID/fd (popen) races with popen's own pipe, whose write end the parent closes only
 * after the child has started, so on a busy machine the child sometimes counts it.
 */
static size_t count_fds(void)
{
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	assert_non_null(dir);
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	/* the directory's own descriptor is not one of ours */
	return n - 1;
}

/* Many files not read yet do not hold a descriptor each, and all still name. */
static void test_descriptor_bound(void **state)
{
	enum { NR_FILES = 400 };
	char path[] = "/tmp/test_elf_crafted.XXXXXX", copy[64];
	static struct dso *dsos[NR_FILES];
	struct dso_cache *cache;
	size_t before, i;
	char buf[16384];
	ssize_t len;
	int fd;

	(void)state;
	close(mkstemp(path));
	write_crafted_elf(path);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	len = read(fd, buf, sizeof(buf));
	assert_true(len > 0 && len < (ssize_t)sizeof(buf));
	close(fd);
	unlink(path);

	cache = dso_cache__new();
	assert_non_null(cache);
	before = count_fds();
	for (i = 0; i < NR_FILES; i++) {
		/* distinct files: one inode each */
		snprintf(copy, sizeof(copy), "/tmp/test_elf_fds.%d.%zu", getpid(), i);
		fd = open(copy, O_RDWR | O_CREAT | O_TRUNC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, buf, len), len);
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(dso_cache__open(cache, 1, i, fd, copy, &dsos[i]), 0);
		unlink(copy);
	}
	assert_int_equal(dso_cache__count(cache), NR_FILES);
	assert_true(count_fds() <= before + 257);
	for (i = 0; i < NR_FILES; i++) {
		assert_string_equal(dso__find_symbol(dsos[i], 0x401020, NULL), "global_c");
		dso__put(dsos[i]);
	}
	assert_int_equal(count_fds(), before);
	assert_int_equal(dso_cache__bad_files(cache), 0);
	dso_cache__free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_symbols),	  cmocka_unit_test(test_stripped_fixture),
		cmocka_unit_test(test_dynsym_only),	  cmocka_unit_test(test_crafted_symbols),
		cmocka_unit_test(test_dso_translation),	  cmocka_unit_test(test_dso_same_file),
		cmocka_unit_test(test_corrupted_tables),  cmocka_unit_test(test_truncated_crafted),
		cmocka_unit_test(test_truncated_fixture), cmocka_unit_test(test_garbage_files),
		cmocka_unit_test(test_descriptor_bound),
	};

	return cmocka_run_group_tests(tests, setup_libelf, NULL);
}
