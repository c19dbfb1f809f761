// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unwind tables: programs gcc builds now with and without frame pointers (their functions'
 * rows, _start's outermost row, the PLT's), libc's signal trampoline, a hand-made .eh_frame
 * with one FDE per rule the walker knows or refuses, .debug_frame in the binary or its debug
 * file, every rule checked against libdw's reading of the same CFI, the disk cache and its
 * damaged files, and truncated, garbage and scrambled files that must give a table or an
 * error, never a crash.
 */
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
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

#include "eh_frame_elf.h"
#include "temp_dir.h"

#include "unwind_table.h"

#define PATH_LEN 512

/* The fixture: a function with a frame gcc keeps, and a call through the PLT. */
static const char fixture_source[] = "#include <stdio.h>\n"
				     "__attribute__((noinline)) int unwind_work(int n)\n"
				     "{\n"
				     "	volatile char buf[256];\n"
				     "	int i, s = 0;\n"
				     "\n"
				     "	for (i = 0; i < n; i++) {\n"
				     "		buf[i & 255] = (char)i;\n"
				     "		s += buf[(i * 7) & 255];\n"
				     "	}\n"
				     "	printf(\"%d\\n\", s);\n"
				     "	return s;\n"
				     "}\n"
				     "\n"
				     "int main(int argc, char **argv)\n"
				     "{\n"
				     "	(void)argv;\n"
				     "	return unwind_work(argc * 1000) & 1;\n"
				     "}\n";

/* Made once for all the tests; have_gcc false when gcc could not build the fixtures. */
static struct {
	char dir[64];
	char nofp[PATH_LEN]; /* -O2 -fomit-frame-pointer */
	char fp[PATH_LEN];   /* -O2 -fno-omit-frame-pointer */
	char dbg[PATH_LEN];  /* -O2 -g without .eh_frame */
	bool have_gcc;
} fx;

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4 * PATH_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int setup_fixtures(void **state)
{
	char src[PATH_LEN];
	FILE *f;

	(void)state;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	strcpy(fx.dir, "/tmp/bpfprof-unwind-XXXXXX");
	if (!mkdtemp(fx.dir))
		return -1;
	snprintf(src, sizeof(src), "%s/fixture.c", fx.dir);
	snprintf(fx.nofp, sizeof(fx.nofp), "%s/nofp", fx.dir);
	snprintf(fx.fp, sizeof(fx.fp), "%s/fp", fx.dir);
	snprintf(fx.dbg, sizeof(fx.dbg), "%s/dbg", fx.dir);
	f = fopen(src, "w");
	if (!f)
		return -1;
	fputs(fixture_source, f);
	fclose(f);
	fx.have_gcc = !run("gcc -O2 -fomit-frame-pointer -o %s %s 2>/dev/null", fx.nofp, src) &&
		      !run("gcc -O2 -fno-omit-frame-pointer -o %s %s", fx.fp, src) &&
		      !run("gcc -O2 -g -fno-asynchronous-unwind-tables -fno-unwind-tables -o %s %s",
			   fx.dbg, src);
	if (!fx.have_gcc)
		print_message("gcc cannot build the fixtures: their tests skip\n");
	return 0;
}

static int teardown_fixtures(void **state)
{
	(void)state;
	temp_dir__remove(fx.dir);
	return 0;
}

static void need_gcc(void)
{
	if (!fx.have_gcc)
		skip();
}

static struct unwind_table *build_path(const char *path)
{
	struct unwind_table *table = NULL;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(unwind_table__build_fd(fd, &table), 0);
	close(fd);
	assert_non_null(table);
	return table;
}

/* The address and size of the function or object @name in @path's .symtab or .dynsym. */
static bool find_symbol(const char *path, const char *name, uint64_t *addr, uint64_t *size)
{
	Elf_Scn *scn = NULL;
	bool found = false;
	GElf_Shdr shdr;
	Elf *elf;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	while (!found && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		size_t i;

		if (!gelf_getshdr(scn, &shdr) ||
		    (shdr.sh_type != SHT_SYMTAB && shdr.sh_type != SHT_DYNSYM) || !shdr.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; data && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			s = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (s && !strcmp(s, name)) {
				*addr = sym.st_value;
				if (size)
					*size = sym.st_size;
				found = true;
				break;
			}
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

/* The address, size and file offset of the section @name, false without one. */
static bool find_section(const char *path, const char *name, GElf_Shdr *out)
{
	Elf_Scn *scn = NULL;
	bool found = false;
	size_t shstrndx;
	Elf *elf;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while (!found && (scn = elf_nextscn(elf, scn))) {
		const char *s;

		if (!gelf_getshdr(scn, out))
			continue;
		s = elf_strptr(elf, shstrndx, out->sh_name);
		found = s && !strcmp(s, name);
	}
	elf_end(elf);
	close(fd);
	return found;
}

/* The row in force at @vaddr, or NULL before the first. */
static const struct prof_unwind_row *row_at(const struct unwind_table *t, uint64_t vaddr)
{
	uint32_t lo = 0, hi = t->nr_rows;

	if (vaddr < t->base || vaddr - t->base > UINT32_MAX)
		return NULL;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->rows[mid].pc <= vaddr - t->base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &t->rows[lo - 1] : NULL;
}

static void assert_row(const struct unwind_table *t, uint64_t vaddr, int type, int cfa_offset,
		       int fp_offset)
{
	const struct prof_unwind_row *row = row_at(t, vaddr);

	if (!row)
		fail_msg("0x%llx: no row", (unsigned long long)vaddr);
	if (row->cfa_type != type || row->cfa_offset != cfa_offset || row->fp_offset != fp_offset)
		fail_msg("0x%llx: want type 0x%x cfa %d fp %d, got type 0x%x cfa %d fp %d",
			 (unsigned long long)vaddr, type, cfa_offset, fp_offset, row->cfa_type,
			 row->cfa_offset, row->fp_offset);
}

/* What every table must be: sorted distinct pcs, no repeated rule, NONE last, true stats. */
static void check_invariants(const struct unwind_table *t)
{
	struct unwind_table_stats counted = { 0 };
	uint32_t i;

	assert_true(t->nr_rows >= 2);
	assert_non_null(t->source);
	assert_int_equal(unwind_table__bytes(t), (size_t)t->nr_rows * 8);
	assert_int_equal(t->rows[0].pc, 0);
	for (i = 0; i < t->nr_rows; i++) {
		const struct prof_unwind_row *r = &t->rows[i];
		int type = r->cfa_type & PROF_CFA_TYPE_MASK;

		assert_true(type < PROF_CFA_NR_TYPES);
		if (i) {
			const struct prof_unwind_row *p = &t->rows[i - 1];

			assert_true(r->pc > p->pc);
			assert_false(r->cfa_type == p->cfa_type && r->cfa_offset == p->cfa_offset &&
				     r->fp_offset == p->fp_offset);
		}
		if (type == PROF_CFA_UNSUPPORTED)
			counted.unsupported++;
		else if (type == PROF_CFA_PLT)
			counted.plt++;
		else if (type == PROF_CFA_SIGNAL)
			counted.signal++;
		else if (type == PROF_CFA_END)
			counted.end++;
		else if ((type == PROF_CFA_SP || type == PROF_CFA_FP) &&
			 r->fp_offset == PROF_FP_LOST)
			counted.fp_lost++;
		if (type != PROF_CFA_SP && type != PROF_CFA_FP)
			assert_false(r->cfa_type & PROF_CFA_OFFSET_X8);
	}
	assert_int_equal(t->rows[t->nr_rows - 1].cfa_type, PROF_CFA_NONE);
	assert_int_equal(t->stats.unsupported, counted.unsupported);
	assert_int_equal(t->stats.plt, counted.plt);
	assert_int_equal(t->stats.signal, counted.signal);
	assert_int_equal(t->stats.end, counted.end);
	assert_int_equal(t->stats.fp_lost, counted.fp_lost);
}

/* Without frame pointers: rsp-based all through, rbp never saved. */
static void test_no_frame_pointer(void **state)
{
	struct unwind_table *t;
	uint64_t addr, size, a;
	bool grew = false;

	(void)state;
	need_gcc();
	t = build_path(fx.nofp);
	check_invariants(t);
	assert_string_equal(t->source, ".eh_frame");
	assert_true(find_symbol(fx.nofp, "unwind_work", &addr, &size));
	assert_true(size > 1);
	assert_row(t, addr, PROF_CFA_SP, 8, 0);
	for (a = addr; a < addr + size; a++) {
		const struct prof_unwind_row *row = row_at(t, a);

		assert_int_equal(row->cfa_type & PROF_CFA_TYPE_MASK, PROF_CFA_SP);
		assert_int_equal(row->fp_offset, 0);
		grew |= row->cfa_offset > 256;
	}
	/* the 256-byte buffer is on the stack somewhere in the body */
	assert_true(grew);
	assert_int_equal(t->stats.bad_fdes, 0);
	unwind_table__free(t);
}

/* With frame pointers: CFA = rbp + 16 in the body, the caller's rbp at CFA - 16. */
static void test_frame_pointer(void **state)
{
	struct unwind_table *t;
	uint64_t addr, size, a;
	bool fp_body = false;

	(void)state;
	need_gcc();
	t = build_path(fx.fp);
	check_invariants(t);
	assert_true(find_symbol(fx.fp, "unwind_work", &addr, &size));
	assert_row(t, addr, PROF_CFA_SP, 8, 0);
	/* after push %rbp */
	assert_row(t, addr + 1, PROF_CFA_SP, 16, -2);
	for (a = addr; a < addr + size; a++) {
		const struct prof_unwind_row *row = row_at(t, a);

		if (row->cfa_type == PROF_CFA_FP && row->cfa_offset == 16 && row->fp_offset == -2)
			fp_body = true;
	}
	assert_true(fp_body);
	unwind_table__free(t);
}

/* glibc's start.S says cfi_undefined (rip) in _start: the outermost frame. */
static void test_start_is_end(void **state)
{
	const char *paths[] = { fx.nofp, fx.fp };
	struct unwind_table *t;
	uint64_t addr, size;
	size_t i;

	(void)state;
	need_gcc();
	for (i = 0; i < 2; i++) {
		t = build_path(paths[i]);
		assert_true(find_symbol(paths[i], "_start", &addr, &size));
		assert_row(t, addr, PROF_CFA_END, 0, 0);
		assert_row(t, addr + size - 1, PROF_CFA_END, 0, 0);
		assert_true(t->stats.end >= 1);
		unwind_table__free(t);
	}
}

/*
 * The dynamic loader's entry point is assembly without CFI, and every process begins there:
 * the table makes it the outermost frame, up to the first FDE after it.
 */
static void test_entry_without_cfi_is_end(void **state)
{
	const char *path = "/lib64/ld-linux-x86-64.so.2";
	struct unwind_table *t;
	GElf_Ehdr ehdr;
	Elf *elf;
	int fd;

	(void)state;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		skip();
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_non_null(gelf_getehdr(elf, &ehdr));
	elf_end(elf);
	close(fd);
	t = build_path(path);
	assert_row(t, ehdr.e_entry, PROF_CFA_END, 0, 0);
	/* The return address of its call to _dl_start. */
	assert_row(t, ehdr.e_entry + 8, PROF_CFA_END, 0, 0);
	check_invariants(t);
	unwind_table__free(t);
}

/* The value of the dynamic tag @tag in @path, 0 without one. */
static uint64_t dynamic_tag(const char *path, int64_t tag)
{
	Elf_Scn *scn = NULL;
	uint64_t value = 0;
	GElf_Shdr shdr;
	GElf_Dyn dyn;
	Elf *elf;
	int fd, i;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data = elf_getdata(scn, NULL);

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_DYNAMIC)
			continue;
		for (i = 0; data && gelf_getdyn(data, i, &dyn) && dyn.d_tag != DT_NULL; i++)
			if (dyn.d_tag == tag)
				value = dyn.d_un.d_ptr;
	}
	elf_end(elf);
	close(fd);
	return value;
}

/*
 * crti's .init and .fini have no CFI; at their first instruction (DT_INIT, DT_FINI), where
 * a library's first run page-faults, the return address is at rsp. From the next on, no row:
 * the prologue moves rsp.
 */
static void test_init_fini_first_instruction(void **state)
{
	const int64_t tags[] = { DT_INIT, DT_FINI };
	struct unwind_table *t;
	uint64_t addr;
	size_t i;

	(void)state;
	need_gcc();
	t = build_path(fx.nofp);
	check_invariants(t);
	for (i = 0; i < 2; i++) {
		addr = dynamic_tag(fx.nofp, tags[i]);
		assert_true(addr != 0);
		assert_row(t, addr, PROF_CFA_SP, 8, 0);
		assert_row(t, addr + 1, PROF_CFA_NONE, 0, 0);
	}
	unwind_table__free(t);
}

/*
 * glibc's clone and clone3 end their FDE at their syscall, thread_start's begins after the
 * test of its result: from the syscall on, PROF_CFA_CLONE rows. Checked on the libc this
 * test runs with, whose code is read where it is mapped.
 */
static void test_clone_gap(void **state)
{
	static const uint8_t code[] = { 0x0f, 0x05, 0x48, 0x85, 0xc0 };
	struct unwind_table *t;
	uint64_t clone_addr;
	int found = 0, in_clone = 0;
	Dl_info dl;
	uint32_t i;

	(void)state;
	assert_true(dladdr((void *)clone, &dl));
	clone_addr = (uint64_t)((uintptr_t)(void *)clone - (uintptr_t)dl.dli_fbase);
	t = build_path(dl.dli_fname);
	check_invariants(t);
	for (i = 1; i + 1 < t->nr_rows; i++) {
		const struct prof_unwind_row *row = &t->rows[i], *prev = &t->rows[i - 1];
		uint64_t addr = t->base + row->pc;

		if (row->cfa_type != PROF_CFA_CLONE)
			continue;
		found++;
		assert_int_equal(row->cfa_offset, 8);
		assert_memory_equal((const uint8_t *)dl.dli_fbase + addr, code, sizeof(code));
		/* clone's FDE before, CFA = rsp + 8; thread_start's, the outermost frame, after */
		assert_int_equal(prev->cfa_type, PROF_CFA_SP);
		assert_int_equal(prev->cfa_offset, 8);
		assert_int_equal(t->rows[i + 1].cfa_type, PROF_CFA_END);
		assert_true(t->rows[i + 1].pc - row->pc <= 10);
		in_clone += addr > clone_addr && addr < clone_addr + 0x80;
	}
	/* clone, and clone3 from glibc 2.34 on */
	assert_in_range(found, 1, 2);
	assert_int_equal(in_clone, 1);
	unwind_table__free(t);
}

/* The lazy-binding PLT: its first entry pushes twice, the stubs once, past PC & 15 >= 11. */
static void test_plt(void **state)
{
	const struct prof_unwind_row *row;
	struct unwind_table *t;
	GElf_Shdr plt;

	(void)state;
	need_gcc();
	if (!find_section(fx.nofp, ".plt", &plt) || plt.sh_size < 32)
		skip();
	t = build_path(fx.nofp);
	assert_row(t, plt.sh_addr, PROF_CFA_SP, 16, 0);
	row = row_at(t, plt.sh_addr + 16);
	assert_non_null(row);
	assert_int_equal(row->cfa_type, PROF_CFA_PLT);
	assert_int_equal(row->cfa_offset, 8);
	assert_true(row->fp_offset > 0 && row->fp_offset < 16);
	assert_int_equal(t->stats.plt, 1);
	unwind_table__free(t);
}

struct object_base {
	const char *name;
	uint64_t bias;
	bool found;
};

static int find_object(struct dl_phdr_info *info, size_t size, void *ctx)
{
	struct object_base *obj = ctx;

	(void)size;
	if (strcmp(info->dlpi_name, obj->name))
		return 0;
	obj->bias = info->dlpi_addr;
	obj->found = true;
	return 1;
}

static void handler(int sig)
{
	(void)sig;
}

/*
 * libc's __restore_rt, a local symbol of a stripped library, found where the kernel learns
 * it: the sa_restorer glibc gives every handler, which sigaction() reports back.
 */
static void test_signal_trampoline(void **state)
{
	struct sigaction sa = { .sa_handler = handler }, old;
	struct object_base obj = { 0 };
	struct unwind_table *t;
	uint64_t vaddr;
	Dl_info dl;

	(void)state;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR2, &sa, NULL), 0);
	assert_int_equal(sigaction(SIGUSR2, NULL, &old), 0);
	signal(SIGUSR2, SIG_DFL);
	if (!old.sa_restorer)
		skip();
	assert_true(dladdr((void *)old.sa_restorer, &dl));
	obj.name = dl.dli_fname;
	assert_true(dl_iterate_phdr(find_object, &obj));
	vaddr = (uintptr_t)old.sa_restorer - obj.bias;

	t = build_path(dl.dli_fname);
	check_invariants(t);
	assert_row(t, vaddr, PROF_CFA_SIGNAL, 0, 0);
	/* return addresses are looked up at pc - 1 */
	assert_row(t, vaddr - 1, PROF_CFA_SIGNAL, 0, 0);
	assert_true(t->stats.signal >= 1);
	assert_true(t->nr_rows > 1000);
	unwind_table__free(t);
}

/* .debug_frame: in the binary when it has no .eh_frame, else in its debug file. */
static void test_debug_frame(void **state)
{
	char bin[PATH_LEN], dbg[PATH_LEN], stripped[PATH_LEN];
	struct unwind_table *t;
	uint64_t addr, size;
	Elf *elf, *debug_elf;
	int fd, dfd;

	(void)state;
	need_gcc();
	snprintf(bin, sizeof(bin), "%s/dbg_only", fx.dir);
	snprintf(dbg, sizeof(dbg), "%s/dbg.debug", fx.dir);
	snprintf(stripped, sizeof(stripped), "%s/dbg_stripped", fx.dir);
	if (run("objcopy --remove-section .eh_frame --remove-section .eh_frame_hdr %s %s", fx.dbg,
		bin) ||
	    run("objcopy --only-keep-debug %s %s", fx.dbg, dbg))
		skip();
	assert_true(find_symbol(fx.dbg, "unwind_work", &addr, &size));

	t = build_path(bin);
	check_invariants(t);
	assert_string_equal(t->source, ".debug_frame");
	assert_row(t, addr, PROF_CFA_SP, 8, 0);
	/* compressed (SHF_COMPRESSED), the same rows */
	if (!run("objcopy --compress-debug-sections=zlib %s %s", bin, stripped)) {
		struct unwind_table *z = build_path(stripped);

		assert_int_equal(z->nr_rows, t->nr_rows);
		assert_memory_equal(z->rows, t->rows, unwind_table__bytes(t));
		unwind_table__free(z);
	}
	unwind_table__free(t);

	/* Nothing in the binary any more: without its debug file, nothing at all. */
	assert_int_equal(run("objcopy --strip-debug --remove-section .eh_frame"
			     " --remove-section .eh_frame_hdr %s %s",
			     fx.dbg, stripped),
			 0);
	fd = open(stripped, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(unwind_table__build_fd(fd, &t), -ENOENT);
	assert_null(t);
	dfd = open(dbg, O_RDONLY);
	assert_true(dfd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	debug_elf = elf_begin(dfd, ELF_C_READ, NULL);
	assert_int_equal(unwind_table__build(elf, debug_elf, &t), 0);
	check_invariants(t);
	assert_string_equal(t->source, ".debug_frame");
	assert_row(t, addr, PROF_CFA_SP, 8, 0);
	unwind_table__free(t);
	elf_end(debug_elf);
	elf_end(elf);
	close(dfd);
	close(fd);
}

/* A hand-made ELF file: one executable segment, .text at CRAFT_TEXT and a given .eh_frame. */

#define CRAFT_EH_ADDR 0x100 /* vaddr and file offset of .eh_frame */
#define CRAFT_TEXT 0x10000
#define CRAFT_SEGMENT_SIZE 0x40000
#define CRAFT_MAX 8192

struct cfi_buf {
	uint8_t b[4096];
	size_t len;
};

static void cfi_u8(struct cfi_buf *c, uint8_t v)
{
	assert_true(c->len < sizeof(c->b));
	c->b[c->len++] = v;
}

static void cfi_u32_at(struct cfi_buf *c, size_t off, uint32_t v)
{
	memcpy(c->b + off, &v, 4);
}

static void cfi_u32(struct cfi_buf *c, uint32_t v)
{
	assert_true(c->len + 4 <= sizeof(c->b));
	cfi_u32_at(c, c->len, v);
	c->len += 4;
}

static void cfi_uleb(struct cfi_buf *c, uint64_t v)
{
	do {
		cfi_u8(c, (v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

static void cfi_sleb(struct cfi_buf *c, int64_t v)
{
	bool more = true;

	while (more) {
		uint8_t byte = v & 0x7f;

		v >>= 7;
		more = !((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40)));
		cfi_u8(c, byte | (more ? 0x80 : 0));
	}
}

/* A CIE: code factor 1, data factor -8, return address column 16, pc-relative sdata4. */
static size_t cie_begin(struct cfi_buf *c, const char *aug)
{
	size_t start = c->len;

	cfi_u32(c, 0); /* length, patched by entry_end */
	cfi_u32(c, 0); /* CIE id */
	cfi_u8(c, 1);
	for (; *aug; aug++)
		cfi_u8(c, (uint8_t)*aug);
	cfi_u8(c, 0);
	cfi_uleb(c, 1);
	cfi_sleb(c, -8);
	cfi_uleb(c, 16);
	cfi_uleb(c, 1);
	cfi_u8(c, DW_EH_PE_pcrel | DW_EH_PE_sdata4);
	return start;
}

/* The CIE of x86-64 code: CFA = rsp + 8, return address at CFA - 8. */
static size_t cie_standard(struct cfi_buf *c, const char *aug)
{
	size_t start = cie_begin(c, aug);

	cfi_u8(c, DW_CFA_def_cfa);
	cfi_uleb(c, 7);
	cfi_uleb(c, 8);
	cfi_u8(c, DW_CFA_offset | 16);
	cfi_uleb(c, 1);
	return start;
}

static void entry_end(struct cfi_buf *c, size_t start)
{
	while ((c->len - start) % 8)
		cfi_u8(c, DW_CFA_nop);
	cfi_u32_at(c, start, (uint32_t)(c->len - start - 4));
}

static size_t fde_begin(struct cfi_buf *c, size_t cie, uint64_t pc, uint32_t len)
{
	size_t start = c->len;

	cfi_u32(c, 0);
	cfi_u32(c, (uint32_t)(c->len - cie));
	cfi_u32(c, (uint32_t)(pc - (CRAFT_EH_ADDR + c->len)));
	cfi_u32(c, len);
	cfi_uleb(c, 0); /* no augmentation data */
	return start;
}

static void advance(struct cfi_buf *c, unsigned int delta)
{
	assert_true(delta < 64);
	cfi_u8(c, DW_CFA_advance_loc | delta);
}

static void def_cfa_offset(struct cfi_buf *c, uint64_t offset)
{
	cfi_u8(c, DW_CFA_def_cfa_offset);
	cfi_uleb(c, offset);
}

static void def_cfa(struct cfi_buf *c, unsigned int reg, uint64_t offset)
{
	cfi_u8(c, DW_CFA_def_cfa);
	cfi_uleb(c, reg);
	cfi_uleb(c, offset);
}

static void def_cfa_expression(struct cfi_buf *c, const uint8_t *expr, size_t len)
{
	size_t i;

	cfi_u8(c, DW_CFA_def_cfa_expression);
	cfi_uleb(c, len);
	for (i = 0; i < len; i++)
		cfi_u8(c, expr[i]);
}

/*
 * An ELF file of @machine and @type holding @eh as its .eh_frame, into @out. Returns its
 * size.
 */
static size_t craft_elf(uint8_t *out, uint16_t machine, uint16_t type, const uint8_t *eh,
			size_t eh_len)
{
	const struct eh_frame_elf_layout layout = {
		.machine = machine,
		.type = type,
		.eh_offset = CRAFT_EH_ADDR,
		.eh_vaddr = CRAFT_EH_ADDR,
		.text_vaddr = CRAFT_TEXT,
		.text_size = 0x1000,
		.segment_size = CRAFT_SEGMENT_SIZE,
	};
	size_t size = eh_frame_elf__size(&layout, eh_len);

	assert_true(size <= CRAFT_MAX);
	memset(out, 0, size);
	eh_frame_elf__write(out, &layout, eh, eh_len);
	return size;
}

/* Builds the table of the bytes @buf through a file, as build_fd sees files. */
static int build_bytes(const void *buf, size_t len, struct unwind_table **out)
{
	char path[] = "/tmp/test_unwind_crafted.XXXXXX";
	int fd = mkstemp(path), err;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	err = unwind_table__build_fd(fd, out);
	close(fd);
	return err;
}

struct want_row {
	uint32_t pc; /* from CRAFT_TEXT */
	uint8_t type;
	int16_t cfa_offset;
	int8_t fp_offset;
};

/* One FDE for each rule, gaps and neighbours between them, and FDEs to skip. */
static void write_crafted_cfi(struct cfi_buf *c)
{
	static const uint8_t deref_rsp[] = { DW_OP_breg7, 8, DW_OP_deref };
	static const uint8_t sigframe[] = { DW_OP_breg7, 0xa0, 0x01, DW_OP_deref };
	static const uint8_t plt[] = { DW_OP_breg7, 8,	       DW_OP_breg16, 0,
				       DW_OP_lit15, DW_OP_and, DW_OP_lit11,  DW_OP_ge,
				       DW_OP_lit3,  DW_OP_shl, DW_OP_plus };
	size_t cie, sig_cie, end_cie, no_ra_cie, e, prev;
	const uint64_t t = CRAFT_TEXT;

	cie = cie_standard(c, "zR");
	entry_end(c, cie);
	sig_cie = cie_standard(c, "zRS");
	entry_end(c, sig_cie);
	end_cie = cie_begin(c, "zR");
	def_cfa(c, 7, 8);
	cfi_u8(c, DW_CFA_undefined);
	cfi_uleb(c, 16);
	entry_end(c, end_cie);
	/* no rule for the return address: libdw's default keeps it, which the walker cannot */
	no_ra_cie = cie_begin(c, "zR");
	def_cfa(c, 7, 8);
	entry_end(c, no_ra_cie);

	/* 0x00: push %rbp; mov %rsp,%rbp; ...; pop %rbp */
	e = fde_begin(c, cie, t, 0x10);
	advance(c, 1);
	def_cfa_offset(c, 16);
	cfi_u8(c, DW_CFA_offset | 6);
	cfi_uleb(c, 2);
	advance(c, 3);
	cfi_u8(c, DW_CFA_def_cfa_register);
	cfi_uleb(c, 6);
	advance(c, 8);
	def_cfa(c, 7, 8);
	entry_end(c, e);
	/* 0x20: no instructions; 0x30 starts where it ends */
	e = fde_begin(c, cie, t + 0x20, 0x10);
	entry_end(c, e);
	e = fde_begin(c, cie, t + 0x30, 0x10);
	def_cfa_offset(c, 40000); /* in units of 8 */
	advance(c, 4);
	def_cfa_offset(c, 40004); /* too large, not a multiple of 8 */
	advance(c, 4);
	def_cfa_offset(c, 16);
	cfi_u8(c, DW_CFA_register); /* rbp saved in rbx: lost to the walker */
	cfi_uleb(c, 6);
	cfi_uleb(c, 3);
	advance(c, 4);
	cfi_u8(c, DW_CFA_restore | 6);
	entry_end(c, e);
	/* 0x40: rules the walker does not follow */
	e = fde_begin(c, cie, t + 0x40, 0x10);
	def_cfa_expression(c, deref_rsp, sizeof(deref_rsp));
	advance(c, 4);
	def_cfa(c, 10, 0); /* CFA in r10 */
	advance(c, 4);
	def_cfa(c, 7, 8);
	cfi_u8(c, DW_CFA_offset | 16); /* return address at CFA - 16 */
	cfi_uleb(c, 2);
	advance(c, 4);
	cfi_u8(c, DW_CFA_offset | 16);
	cfi_uleb(c, 1);
	entry_end(c, e);
	/* 0x61: a signal trampoline, its row from the byte before */
	e = fde_begin(c, sig_cie, t + 0x61, 0xf);
	def_cfa_expression(c, sigframe, sizeof(sigframe));
	entry_end(c, e);
	/*
	 * 0x70: glibc's _dl_runtime_resolve (push %rbx; mov %rsp,%rbx; and $-64,%rsp: CFA in rbx),
	 * rbx saved out of the walker's reach, then __vfork (pop %rdi: the return address in rdi)
	 */
	e = fde_begin(c, cie, t + 0x70, 0x10);
	advance(c, 1);
	def_cfa_offset(c, 32);
	cfi_u8(c, DW_CFA_offset | 3);
	cfi_uleb(c, 4);
	advance(c, 3);
	cfi_u8(c, DW_CFA_def_cfa_register);
	cfi_uleb(c, 3);
	advance(c, 4);
	def_cfa(c, 7, 8);
	cfi_u8(c, DW_CFA_offset | 3);
	cfi_uleb(c, 9);
	advance(c, 4);
	cfi_u8(c, DW_CFA_restore | 3);
	def_cfa_offset(c, 0);
	cfi_u8(c, DW_CFA_register);
	cfi_uleb(c, 16);
	cfi_uleb(c, 5);
	entry_end(c, e);
	/* 0x80: PLT0 and its stubs */
	e = fde_begin(c, cie, t + 0x80, 0x20);
	def_cfa_offset(c, 16);
	advance(c, 6);
	def_cfa_offset(c, 24);
	advance(c, 10);
	def_cfa_expression(c, plt, sizeof(plt));
	entry_end(c, e);
	/* 0xb0: the outermost frame */
	e = fde_begin(c, end_cie, t + 0xb0, 0x10);
	entry_end(c, e);
	e = fde_begin(c, no_ra_cie, t + 0xc0, 0x8);
	entry_end(c, e);
	/* 0xd0: an FDE with one inside it; the inner one has its range */
	e = fde_begin(c, cie, t + 0xd0, 0x20);
	advance(c, 0x10);
	def_cfa_offset(c, 16);
	entry_end(c, e);
	e = fde_begin(c, cie, t + 0xd8, 0x8);
	entry_end(c, e);
	/* skipped: outside the segment, empty */
	e = fde_begin(c, cie, CRAFT_SEGMENT_SIZE + 0x1000, 0x10);
	entry_end(c, e);
	prev = fde_begin(c, cie, t + 0x200, 0);
	entry_end(c, prev);
	/* skipped: its CIE pointer names the FDE before */
	e = fde_begin(c, cie, t + 0x300, 0x10);
	cfi_u32_at(c, e + 4, (uint32_t)(e + 4 - prev));
	entry_end(c, e);
	cfi_u32(c, 0); /* terminator */
}

static void test_crafted_rules(void **state)
{
	static const struct want_row want[] = {
		{ 0x00, PROF_CFA_SP, 8, 0 },
		{ 0x01, PROF_CFA_SP, 16, -2 },
		{ 0x04, PROF_CFA_FP, 16, -2 },
		{ 0x0c, PROF_CFA_SP, 8, -2 },
		{ 0x10, PROF_CFA_NONE, 0, 0 },
		{ 0x20, PROF_CFA_SP, 8, 0 },
		{ 0x30, PROF_CFA_SP | PROF_CFA_OFFSET_X8, 5000, 0 },
		{ 0x34, PROF_CFA_UNSUPPORTED, 0, 0 },
		{ 0x38, PROF_CFA_SP, 16, PROF_FP_LOST },
		{ 0x3c, PROF_CFA_SP, 16, 0 },
		{ 0x40, PROF_CFA_UNSUPPORTED, 0, 0 },
		{ 0x4c, PROF_CFA_SP, 8, 0 },
		{ 0x50, PROF_CFA_NONE, 0, 0 },
		{ 0x60, PROF_CFA_SIGNAL, 0, 0 },
		{ 0x70, PROF_CFA_SP, 8, 0 },
		{ 0x71, PROF_CFA_SP | 3 << PROF_CFA_BX_SHIFT, 32, 0 },
		{ 0x74, PROF_CFA_BX | 3 << PROF_CFA_BX_SHIFT, 32, 0 },
		{ 0x78, PROF_CFA_SP | PROF_BX_LOST << PROF_CFA_BX_SHIFT, 8, 0 },
		{ 0x7c, PROF_CFA_RA_DI, 0, 0 },
		{ 0x80, PROF_CFA_SP, 16, 0 },
		{ 0x86, PROF_CFA_SP, 24, 0 },
		{ 0x90, PROF_CFA_PLT, 8, 11 },
		{ 0xa0, PROF_CFA_NONE, 0, 0 },
		{ 0xb0, PROF_CFA_END, 0, 0 },
		{ 0xc0, PROF_CFA_UNSUPPORTED, 0, 0 },
		{ 0xc8, PROF_CFA_NONE, 0, 0 },
		{ 0xd0, PROF_CFA_SP, 8, 0 },
	};
	static uint8_t elf[CRAFT_MAX];
	struct cfi_buf cfi = { .len = 0 };
	struct unwind_table *t;
	size_t i, len;

	(void)state;
	write_crafted_cfi(&cfi);
	len = craft_elf(elf, EM_X86_64, ET_DYN, cfi.b, cfi.len);
	assert_int_equal(build_bytes(elf, len, &t), 0);
	check_invariants(t);
	assert_int_equal(t->base, CRAFT_TEXT);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (t->rows[i].pc != want[i].pc)
			fail_msg("row %zu: want pc 0x%x, got 0x%x", i, want[i].pc, t->rows[i].pc);
		assert_row(t, CRAFT_TEXT + want[i].pc, want[i].type, want[i].cfa_offset,
			   want[i].fp_offset);
	}
	/* the inner FDE's range ends the outer one's: whatever covers 0xd8, 0xe0 is nothing */
	assert_row(t, CRAFT_TEXT + 0xe0, PROF_CFA_NONE, 0, 0);
	assert_row(t, CRAFT_TEXT + 0x10f, PROF_CFA_NONE, 0, 0);
	assert_true(t->rows[t->nr_rows - 1].pc <= 0xe0);
	assert_int_equal(t->stats.fdes, 14);
	assert_int_equal(t->stats.outside, 2);
	assert_int_equal(t->stats.bad_fdes, 1);
	assert_int_equal(t->stats.plt, 1);
	assert_int_equal(t->stats.signal, 1);
	assert_int_equal(t->stats.end, 1);
	assert_int_equal(t->stats.unsupported, 3);
	assert_int_equal(t->stats.fp_lost, 1);
	unwind_table__free(t);

	/* The same bytes in another architecture's file, or in an object file. */
	len = craft_elf(elf, EM_AARCH64, ET_DYN, cfi.b, cfi.len);
	assert_int_equal(build_bytes(elf, len, &t), -ENOEXEC);
	assert_null(t);
	len = craft_elf(elf, EM_X86_64, ET_REL, cfi.b, cfi.len);
	assert_int_equal(build_bytes(elf, len, &t), -ENOEXEC);
	/* No FDE: no table. */
	len = craft_elf(elf, EM_X86_64, ET_EXEC, cfi.b, 24);
	assert_int_equal(build_bytes(elf, len, &t), -ENOENT);
	assert_null(t);
}

static void test_not_elf(void **state)
{
	static const char text[] = "#!/bin/sh\necho not an ELF file\n";
	struct unwind_table *t = (struct unwind_table *)1;
	uint8_t garbage[4096];
	size_t i;

	(void)state;
	assert_int_equal(build_bytes("", 0, &t), -ENOEXEC);
	assert_null(t);
	assert_int_equal(build_bytes(text, sizeof(text), &t), -ENOEXEC);
	for (i = 0; i < sizeof(garbage); i++)
		garbage[i] = (uint8_t)(i * 2654435761u >> 13);
	assert_int_equal(build_bytes(garbage, sizeof(garbage), &t), -ENOEXEC);
	assert_int_equal(build_bytes(ELFMAG, SELFMAG, &t), -ENOEXEC);
	unwind_table__free(NULL);
}

/*
 * libdw as the oracle: the rule it gives for every one of its rows inside each of ours,
 * reduced the way the walker needs it (what unwind_table.c did with dwarf_cfi_addrframe()
 * before it ran the programs itself).
 */

/* 1: "at CFA + *@offset"; 0: same value or undefined (*@undefined says which); -1: other. */
static int oracle_saved_at(Dwarf_Frame *frame, int regno, int64_t *offset, bool *undefined)
{
	Dwarf_Op ops_mem[3], *ops;
	size_t nops;

	if (dwarf_frame_register(frame, regno, ops_mem, &ops, &nops))
		return -1;
	if (!nops) {
		*undefined = ops == ops_mem;
		return 0;
	}
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

static bool oracle_cfa(struct prof_unwind_row *row, Dwarf_Frame *frame)
{
	uint64_t reg;
	int64_t off;
	Dwarf_Op *ops;
	size_t nops;

	if (dwarf_frame_cfa(frame, &ops, &nops) || !nops)
		return false;
	if (nops == 9 && ops[0].atom == DW_OP_breg7 && ops[1].atom == DW_OP_breg16 &&
	    !ops[1].number && ops[2].atom == DW_OP_lit15 && ops[3].atom == DW_OP_and &&
	    ops[4].atom >= DW_OP_lit0 && ops[4].atom <= DW_OP_lit15 && ops[5].atom == DW_OP_ge &&
	    ops[6].atom == DW_OP_lit3 && ops[7].atom == DW_OP_shl && ops[8].atom == DW_OP_plus &&
	    (int64_t)ops[0].number >= INT16_MIN && (int64_t)ops[0].number <= INT16_MAX) {
		row->cfa_type = PROF_CFA_PLT;
		row->cfa_offset = (int16_t)ops[0].number;
		row->fp_offset = (int8_t)(ops[4].atom - DW_OP_lit0);
		return true;
	}
	if (nops != 1 || ops[0].atom != DW_OP_bregx)
		return false;
	reg = ops[0].number;
	off = (int64_t)ops[0].number2;
	if (reg != 3 && reg != 6 && reg != 7)
		return false;
	row->cfa_type = reg == 7 ? PROF_CFA_SP : reg == 6 ? PROF_CFA_FP : PROF_CFA_BX;
	if (off >= INT16_MIN && off <= INT16_MAX) {
		row->cfa_offset = (int16_t)off;
		return true;
	}
	if (reg == 3 || off % 8 || off / 8 < INT16_MIN || off / 8 > INT16_MAX)
		return false;
	row->cfa_type |= PROF_CFA_OFFSET_X8;
	row->cfa_offset = (int16_t)(off / 8);
	return true;
}

/* Whether the return address is in rdi and CFA = rsp + N (N >= 0): __vfork's rule. */
static bool oracle_ra_in_di(struct prof_unwind_row *row, Dwarf_Frame *frame)
{
	Dwarf_Op ops_mem[3], *ops;
	size_t nops;

	if (dwarf_frame_register(frame, 16, ops_mem, &ops, &nops) || nops != 1 ||
	    ops[0].atom != DW_OP_regx || ops[0].number != 5)
		return false;
	if (!oracle_cfa(row, frame) || row->cfa_type != PROF_CFA_SP || row->cfa_offset < 0)
		return false;
	row->cfa_type = PROF_CFA_RA_DI;
	return true;
}

/* Bits 4-6 of cfa_type for the frame's rbx rule. */
static uint8_t oracle_rbx_bits(Dwarf_Frame *frame)
{
	bool undefined;
	int64_t offset = 0;
	int ret = oracle_saved_at(frame, 3, &offset, &undefined);

	if (ret == 0)
		return 0;
	if (ret == 1 && offset % 8 == 0 && -offset / 8 - 1 >= 1 && -offset / 8 - 1 < PROF_BX_LOST)
		return (uint8_t)((-offset / 8 - 1) << PROF_CFA_BX_SHIFT);
	return PROF_BX_LOST << PROF_CFA_BX_SHIFT;
}

static struct prof_unwind_row oracle_rule(Dwarf_Frame *frame, bool signal)
{
	struct prof_unwind_row row = { .cfa_type = PROF_CFA_UNSUPPORTED };
	bool undefined = false;
	int64_t offset = 0;
	int ret;

	if (signal) {
		row.cfa_type = PROF_CFA_SIGNAL;
		return row;
	}
	ret = oracle_saved_at(frame, 16, &offset, &undefined);
	if (ret == 0 && undefined) {
		row.cfa_type = PROF_CFA_END;
		return row;
	}
	if ((ret != 1 || offset != -8 || !oracle_cfa(&row, frame)) && !oracle_ra_in_di(&row, frame))
		return (struct prof_unwind_row){ .cfa_type = PROF_CFA_UNSUPPORTED };
	if (row.cfa_type == PROF_CFA_PLT)
		return row;
	row.cfa_type |= oracle_rbx_bits(frame);
	ret = oracle_saved_at(frame, 6, &offset, &undefined);
	if (ret == 0)
		row.fp_offset = 0;
	else if (ret == 1 && offset < 0 && offset % 8 == 0 && offset / 8 > PROF_FP_LOST)
		row.fp_offset = (int8_t)(offset / 8);
	else
		row.fp_offset = PROF_FP_LOST;
	return row;
}

/*
 * Every libdw row below @limit agrees with ours, and libdw has none where we say NONE. Where
 * libdw has none, we may have the rule of DT_INIT's or DT_FINI's first instruction, or of
 * glibc's clone after its syscall (test_clone_gap checks those).
 */
static void compare_with_libdw(const char *path, const struct unwind_table *t, uint64_t limit)
{
	uint64_t init = dynamic_tag(path, DT_INIT), fini = dynamic_tag(path, DT_FINI);
	Dwarf_CFI *cfi;
	Elf *elf;
	uint32_t i;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	cfi = dwarf_getcfi_elf(elf);
	assert_non_null(cfi);
	for (i = 0; i + 1 < t->nr_rows && t->base + t->rows[i].pc < limit; i++) {
		const struct prof_unwind_row *ours = &t->rows[i];
		uint64_t addr = t->base + ours->pc, end = t->base + t->rows[i + 1].pc;
		Dwarf_Frame *frame;

		if (ours->cfa_type == PROF_CFA_NONE) {
			if (!dwarf_cfi_addrframe(cfi, addr, &frame))
				fail_msg("%s 0x%llx: we have no rule, libdw has", path,
					 (unsigned long long)addr);
			continue;
		}
		while (addr < end) {
			struct prof_unwind_row want;
			Dwarf_Addr start, next;
			bool signal = false;

			if (dwarf_cfi_addrframe(cfi, addr, &frame)) {
				/* the byte before a signal trampoline, which we give its rule */
				bool sig = ours->cfa_type == PROF_CFA_SIGNAL;
				bool known = (addr == init || addr == fini) &&
					     ours->cfa_type == PROF_CFA_SP && ours->cfa_offset == 8;

				if (ours->cfa_type == PROF_CFA_CLONE) {
					addr++;
					continue;
				}
				if ((!sig && !known) || addr != t->base + ours->pc)
					fail_msg("%s 0x%llx: libdw has no rule", path,
						 (unsigned long long)addr);
				addr++;
				continue;
			}
			assert_true(dwarf_frame_info(frame, &start, &next, &signal) >= 0);
			want = oracle_rule(frame, signal);
			free(frame);
			/* the rule: the 4 bytes after pc (bpf/unwind_abi.h pins them) */
			if (memcmp((char *)&want + 4, (const char *)ours + 4, 4))
				fail_msg("%s 0x%llx: libdw says type 0x%x cfa %d fp %d, we say "
					 "type 0x%x cfa %d fp %d",
					 path, (unsigned long long)addr, want.cfa_type,
					 want.cfa_offset, want.fp_offset, ours->cfa_type,
					 ours->cfa_offset, ours->fp_offset);
			assert_true(next > addr);
			addr = next;
		}
	}
	dwarf_cfi_end(cfi);
	elf_end(elf);
	close(fd);
}

static void test_libdw_agrees(void **state)
{
	static uint8_t elf[CRAFT_MAX];
	char crafted[] = "/tmp/test_unwind_crafted.XXXXXX";
	struct cfi_buf cfi = { .len = 0 };
	struct unwind_table *t;
	Dl_info dl;
	size_t len;
	int fd;

	(void)state;
	/* libc: plenty of hand-written assembly, a signal trampoline, thread roots */
	assert_true(dladdr((void *)printf, &dl));
	t = build_path(dl.dli_fname);
	compare_with_libdw(dl.dli_fname, t, UINT64_MAX);
	unwind_table__free(t);

	/* every rule of the hand-made file, up to its overlapping FDEs */
	write_crafted_cfi(&cfi);
	len = craft_elf(elf, EM_X86_64, ET_DYN, cfi.b, cfi.len);
	fd = mkstemp(crafted);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, elf, len), (ssize_t)len);
	close(fd);
	t = build_path(crafted);
	compare_with_libdw(crafted, t, CRAFT_TEXT + 0xd0);
	unwind_table__free(t);
	unlink(crafted);

	if (!fx.have_gcc)
		return;
	t = build_path(fx.nofp);
	compare_with_libdw(fx.nofp, t, UINT64_MAX);
	unwind_table__free(t);
	t = build_path(fx.fp);
	compare_with_libdw(fx.fp, t, UINT64_MAX);
	unwind_table__free(t);
}

/* The cache. */

static void assert_tables_equal(const struct unwind_table *a, const struct unwind_table *b)
{
	assert_int_equal(a->base, b->base);
	assert_int_equal(a->nr_rows, b->nr_rows);
	assert_memory_equal(a->rows, b->rows, unwind_table__bytes(a));
	assert_memory_equal(&a->stats, &b->stats, sizeof(a->stats));
	assert_string_equal(a->source, b->source);
}

static struct unwind_table *crafted_table(void)
{
	static uint8_t elf[CRAFT_MAX];
	struct cfi_buf cfi = { .len = 0 };
	struct unwind_table *t;
	size_t len;

	write_crafted_cfi(&cfi);
	len = craft_elf(elf, EM_X86_64, ET_DYN, cfi.b, cfi.len);
	assert_int_equal(build_bytes(elf, len, &t), 0);
	return t;
}

#define SOME_ID "93ac61ec5a8eb1396f9fbd350e3169a558528a40"

static void cache_paths(char *dir, char *file)
{
	strcpy(dir, "/tmp/bpfprof-unwind-cache-XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* the cache makes the folders below */
	strcat(dir, "/a/b");
	sprintf(file, "%s/%s.unwind", dir, SOME_ID);
}

static void cache_dir_remove(char *dir)
{
	dir[strlen(dir) - strlen("/a/b")] = '\0';
	temp_dir__remove(dir);
}

static void test_cache_round_trip(void **state)
{
	char dir[PATH_LEN], file[PATH_LEN];
	struct unwind_table *t, *loaded;
	struct stat st;

	(void)state;
	cache_paths(dir, file);
	t = crafted_table();
	assert_int_equal(unwind_cache__load(dir, SOME_ID, &loaded), -ENOENT);
	assert_int_equal(unwind_cache__store(dir, SOME_ID, t), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(unwind_cache__load(dir, SOME_ID, &loaded), 0);
	assert_tables_equal(t, loaded);
	unwind_table__free(loaded);
	/* stored again over the old file */
	assert_int_equal(unwind_cache__store(dir, SOME_ID, t), 0);
	assert_int_equal(unwind_cache__load(dir, SOME_ID, &loaded), 0);
	assert_tables_equal(t, loaded);
	unwind_table__free(loaded);
	/* the same for a real program's table */
	if (fx.have_gcc) {
		unwind_table__free(t);
		t = build_path(fx.fp);
		assert_int_equal(unwind_cache__store(dir, "ABCDEF01", t), 0);
		assert_int_equal(unwind_cache__load(dir, "ABCDEF01", &loaded), 0);
		assert_tables_equal(t, loaded);
		unwind_table__free(loaded);
	}
	unwind_table__free(t);
	cache_dir_remove(dir);
}

static void flip_byte(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	uint8_t b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0x10;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

static void assert_damaged(const char *dir, const char *file)
{
	struct unwind_table *loaded = (struct unwind_table *)1;

	assert_int_equal(unwind_cache__load(dir, SOME_ID, &loaded), -ENOENT);
	assert_null(loaded);
	assert_int_equal(access(file, F_OK), -1);
}

static void test_cache_damaged(void **state)
{
	char dir[PATH_LEN], file[PATH_LEN];
	struct unwind_table *t, *loaded;
	struct stat st;
	off_t off;
	int fd;

	(void)state;
	cache_paths(dir, file);
	t = crafted_table();
	assert_int_equal(unwind_cache__store(dir, SOME_ID, t), 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_size, 72 + unwind_table__bytes(t));
	/* any byte: magic, version, sizes, base, stats, checksum, rows */
	for (off = 0; off < st.st_size; off += 5) {
		assert_int_equal(unwind_cache__store(dir, SOME_ID, t), 0);
		flip_byte(file, off);
		assert_damaged(dir, file);
	}
	/* cut short, cut to nothing, one byte too many */
	assert_int_equal(unwind_cache__store(dir, SOME_ID, t), 0);
	assert_int_equal(truncate(file, st.st_size - 8), 0);
	assert_damaged(dir, file);
	assert_int_equal(unwind_cache__store(dir, SOME_ID, t), 0);
	assert_int_equal(truncate(file, 0), 0);
	assert_damaged(dir, file);
	assert_int_equal(unwind_cache__store(dir, SOME_ID, t), 0);
	fd = open(file, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_damaged(dir, file);
	/* a folder where the file should be is not removed, and reads as absent */
	assert_int_equal(mkdir(file, 0700), 0);
	assert_int_equal(unwind_cache__load(dir, SOME_ID, &loaded), -ENOENT);
	assert_null(loaded);
	assert_int_equal(rmdir(file), 0);
	unwind_table__free(t);
	cache_dir_remove(dir);
}

static void test_cache_bad_ids(void **state)
{
	static const char *const bad[] = { "",	    "../../etc/passwd", "abc/def", "abcdefg",
					   "ab cd", ".unwind",		"-1" };
	char dir[PATH_LEN], file[PATH_LEN], longid[200];
	struct unwind_table *t, *loaded;
	size_t i;

	(void)state;
	cache_paths(dir, file);
	t = crafted_table();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(unwind_cache__store(dir, bad[i], t), -EINVAL);
		assert_int_equal(unwind_cache__load(dir, bad[i], &loaded), -EINVAL);
	}
	assert_int_equal(unwind_cache__store(dir, NULL, t), -EINVAL);
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(unwind_cache__store(dir, longid, t), -EINVAL);
	/* nothing was made */
	assert_int_equal(access(dir, F_OK), -1);
	unwind_table__free(t);
	cache_dir_remove(dir);
}

/* Malformed files. */

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void copy_file(const char *from, const char *to, uint8_t **buf, size_t *len)
{
	struct stat st;
	int in, out;

	in = open(from, O_RDONLY);
	assert_true(in >= 0);
	assert_int_equal(fstat(in, &st), 0);
	*len = st.st_size;
	*buf = malloc(*len);
	assert_non_null(*buf);
	assert_int_equal(read(in, *buf, *len), (ssize_t)*len);
	close(in);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(out >= 0);
	assert_int_equal(write(out, *buf, *len), (ssize_t)*len);
	close(out);
}

/* Builds @path: a table that holds together, or an error; never anything else. */
static void build_any(const char *path)
{
	struct unwind_table *t = NULL;
	int fd = open(path, O_RDONLY), err;

	assert_true(fd >= 0);
	err = unwind_table__build_fd(fd, &t);
	close(fd);
	if (err) {
		assert_true(err < 0);
		assert_null(t);
		return;
	}
	check_invariants(t);
	unwind_table__free(t);
}

static void test_truncated(void **state)
{
	char path[PATH_LEN];
	uint8_t *buf;
	size_t len, cut;
	int fd;

	(void)state;
	need_gcc();
	snprintf(path, sizeof(path), "%s/truncated", fx.dir);
	copy_file(fx.fp, path, &buf, &len);
	for (cut = 0; cut < len; cut += cut < 256 ? 7 : 61) {
		fd = open(path, O_WRONLY | O_TRUNC);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, buf, cut), (ssize_t)cut);
		close(fd);
		build_any(path);
	}
	free(buf);
}

/*
 * Copies of a real binary with its .eh_frame (and .eh_frame_hdr) scrambled: a few bytes
 * flipped, or all of it random.
 */
static void scramble(const char *src, const char *path, unsigned int seeds, bool whole)
{
	GElf_Shdr eh, hdr;
	uint64_t lo, hi, s;
	uint8_t *buf;
	size_t len, i;
	unsigned int seed;
	int fd;

	assert_true(find_section(src, ".eh_frame", &eh));
	lo = eh.sh_offset;
	hi = eh.sh_offset + eh.sh_size;
	if (find_section(src, ".eh_frame_hdr", &hdr) && hdr.sh_offset < lo)
		lo = hdr.sh_offset;
	copy_file(src, path, &buf, &len);
	assert_true(hi <= len);
	for (seed = 1; seed <= seeds; seed++) {
		uint8_t *copy = malloc(len);

		assert_non_null(copy);
		memcpy(copy, buf, len);
		s = seed * 0x9e3779b97f4a7c15ull;
		if (whole) {
			for (i = eh.sh_offset; i < hi; i++)
				copy[i] = (uint8_t)xorshift(&s);
		} else {
			unsigned int n = 1 + xorshift(&s) % 8;

			for (i = 0; i < n; i++) {
				uint64_t at = lo + xorshift(&s) % (hi - lo);

				copy[at] ^= (uint8_t)(1 + xorshift(&s) % 255);
			}
		}
		fd = open(path, O_WRONLY | O_TRUNC);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, copy, len), (ssize_t)len);
		close(fd);
		free(copy);
		build_any(path);
	}
	free(buf);
}

static void test_scrambled_eh_frame(void **state)
{
	char path[PATH_LEN];

	(void)state;
	need_gcc();
	snprintf(path, sizeof(path), "%s/scrambled", fx.dir);
	scramble(fx.nofp, path, 300, false);
	scramble(fx.nofp, path, 100, true);
	scramble(fx.fp, path, 300, false);
}

/* libc's CFI is large and varied: fewer seeds, each costs a whole build. */
static void test_scrambled_libc(void **state)
{
	char path[PATH_LEN];
	Dl_info dl;

	(void)state;
	need_gcc();
	assert_true(dladdr((void *)printf, &dl));
	snprintf(path, sizeof(path), "%s/libc_scrambled", fx.dir);
	scramble(dl.dli_fname, path, 24, false);
	scramble(dl.dli_fname, path, 4, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_frame_pointer),
		cmocka_unit_test(test_frame_pointer),
		cmocka_unit_test(test_start_is_end),
		cmocka_unit_test(test_entry_without_cfi_is_end),
		cmocka_unit_test(test_init_fini_first_instruction),
		cmocka_unit_test(test_clone_gap),
		cmocka_unit_test(test_plt),
		cmocka_unit_test(test_signal_trampoline),
		cmocka_unit_test(test_debug_frame),
		cmocka_unit_test(test_crafted_rules),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_libdw_agrees),
		cmocka_unit_test(test_cache_round_trip),
		cmocka_unit_test(test_cache_damaged),
		cmocka_unit_test(test_cache_bad_ids),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_scrambled_eh_frame),
		cmocka_unit_test(test_scrambled_libc),
	};

	return cmocka_run_group_tests(tests, setup_fixtures, teardown_fixtures);
}
