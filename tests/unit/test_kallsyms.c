// SPDX-License-Identifier: GPL-2.0-only
/* Kernel symbols: kallsyms parsing and lookup, directly and through the symbolizer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kallsyms.h"
#include "symbolizer.h"

/*
 * Unsorted on purpose, with several symbols at one address, module lines, data symbols
 * that end the text before them, the linker's end-of-text markers, zero addresses (as
 * per-cpu symbols read) and garbage.
 */
static const char fixture_text[] = "ffffffffc0002000 t other_func\t[other]\n"
				   "ffffffff81000100 t local_func\n"
				   "ffffffff81000000 T _text\n"
				   "ffffffff81000100 W weak_func\n"
				   "0000000000000000 A fixed_percpu_data\n"
				   "ffffffff81000200 T second_func\n"
				   "ffffffff81000100 T global_func\n"
				   "0000000000000000 t zero_text_func\n"
				   "ffffffffc0001080 T mod_func2\t[mymod]\n"
				   "ffffffff81000400 D some_data\n"
				   "ffffffff81000300 T third_func\n"
				   "ffffffffc0001000 t mod_func1\t[mymod]\n"
				   "ffffffff81000000 T _stext\n"
				   "ffffffff81000380 T _etext\n"
				   "this is not a kallsyms line\n"
				   "ffffffff81000600 t init_func\n"
				   "ffffffff81000680 t aaa_local\n"
				   "ffffffff81000680 W zzz_weak\n"
				   "ffffffff81000700 T __do_thing\n"
				   "ffffffff81000700 T do_thing\n"
				   "ffffffff81000780 T _einittext\n"
				   "ffffffff81000800 r rodata_sym\n"
				   "ffffffffc0001100 d mod_data\t[mymod]\n"
				   "ffffffff81000850 t no_newline_at_end_is_fine";

static const char zero_text[] = "0000000000000000 T _stext\n"
				"0000000000000000 T schedule\n"
				"0000000000000000 t helper\t[mod]\n";

struct kallsyms_state {
	char path[64];
	struct kallsyms *ks;
};

static void write_file(char *path, const char *text)
{
	int fd = mkstemp(path);
	size_t len = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static int setup_fixture(void **state)
{
	struct kallsyms_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	strcpy(st->path, "/tmp/test_kallsyms.XXXXXX");
	write_file(st->path, fixture_text);
	if (kallsyms__load(st->path, &st->ks)) {
		unlink(st->path);
		free(st);
		return -1;
	}
	*state = st;
	return 0;
}

static int teardown_fixture(void **state)
{
	struct kallsyms_state *st = *state;

	kallsyms__free(st->ks);
	unlink(st->path);
	free(st);
	return 0;
}

static void assert_found(struct kallsyms *ks, uint64_t addr, const char *name, const char *module,
			 uint64_t start)
{
	const char *n = NULL, *m = NULL;
	uint64_t s = 0;

	assert_int_equal(kallsyms__find(ks, addr, &n, &m, &s), 0);
	assert_string_equal(n, name);
	assert_string_equal(m, module);
	assert_int_equal(s, start);
}

static void assert_missing(struct kallsyms *ks, uint64_t addr)
{
	const char *n = NULL, *m = NULL;

	assert_int_equal(kallsyms__find(ks, addr, &n, &m, NULL), -ENOENT);
}

static void test_count(void **state)
{
	struct kallsyms_state *st = *state;

	/*
	 * _stext, global_func, second_func, third_func, init_func, zzz_weak, do_thing,
	 * no_newline..., mod_func1, mod_func2, other_func.
	 */
	assert_int_equal(kallsyms__count(st->ks), 11);
}

static void test_core_lookups(void **state)
{
	struct kallsyms *ks = ((struct kallsyms_state *)*state)->ks;
	const char *k = KALLSYMS_KERNEL_MODULE;

	assert_found(ks, 0xffffffff81000000, "_stext", k, 0xffffffff81000000);
	assert_found(ks, 0xffffffff810000ff, "_stext", k, 0xffffffff81000000);
	/* global over weak over local at one address */
	assert_found(ks, 0xffffffff81000100, "global_func", k, 0xffffffff81000100);
	assert_found(ks, 0xffffffff810001ff, "global_func", k, 0xffffffff81000100);
	assert_found(ks, 0xffffffff81000200, "second_func", k, 0xffffffff81000200);
	assert_found(ks, 0xffffffff8100037f, "third_func", k, 0xffffffff81000300);
	assert_found(ks, 0xffffffff81000600, "init_func", k, 0xffffffff81000600);
	/* weak over local even when the local name sorts first */
	assert_found(ks, 0xffffffff810006a0, "zzz_weak", k, 0xffffffff81000680);
	/* fewer leading underscores win between equals */
	assert_found(ks, 0xffffffff81000700, "do_thing", k, 0xffffffff81000700);
	assert_found(ks, 0xffffffff8100077f, "do_thing", k, 0xffffffff81000700);
	assert_found(ks, 0xffffffff81000850, "no_newline_at_end_is_fine", k, 0xffffffff81000850);
}

static void test_module_lookups(void **state)
{
	struct kallsyms *ks = ((struct kallsyms_state *)*state)->ks;

	assert_found(ks, 0xffffffffc0001000, "mod_func1", "[mymod]", 0xffffffffc0001000);
	assert_found(ks, 0xffffffffc000107f, "mod_func1", "[mymod]", 0xffffffffc0001000);
	assert_found(ks, 0xffffffffc0001080, "mod_func2", "[mymod]", 0xffffffffc0001080);
	assert_found(ks, 0xffffffffc00010ff, "mod_func2", "[mymod]", 0xffffffffc0001080);
	assert_found(ks, 0xffffffffc0002000, "other_func", "[other]", 0xffffffffc0002000);
	/* the last symbol of the file extends a page, no more */
	assert_found(ks, 0xffffffffc0002fff, "other_func", "[other]", 0xffffffffc0002000);
	assert_missing(ks, 0xffffffffc0003000);
	assert_missing(ks, UINT64_MAX);
}

static void test_boundaries(void **state)
{
	struct kallsyms *ks = ((struct kallsyms_state *)*state)->ks;

	assert_missing(ks, 0);
	assert_missing(ks, 0x10);
	assert_missing(ks, 0xffffffff80ffffff);
	/* _etext and _einittext end text; data symbols end the function before them */
	assert_missing(ks, 0xffffffff81000380);
	assert_missing(ks, 0xffffffff810003ff);
	assert_missing(ks, 0xffffffff81000400);
	assert_missing(ks, 0xffffffff810005ff);
	assert_missing(ks, 0xffffffff81000780);
	assert_missing(ks, 0xffffffff81000800);
	assert_missing(ks, 0xffffffff8100084f);
	assert_missing(ks, 0xffffffffc0001100);
	assert_missing(ks, 0xffffffffc0001fff);
}

static void test_zero_addresses(void **state)
{
	char path[] = "/tmp/test_kallsyms.XXXXXX";
	struct kallsyms *ks = NULL;

	(void)state;
	write_file(path, zero_text);
	assert_int_equal(kallsyms__load(path, &ks), -EACCES);
	assert_null(ks);
	unlink(path);
}

static void test_empty_and_missing(void **state)
{
	char path[] = "/tmp/test_kallsyms.XXXXXX";
	struct kallsyms *ks = NULL;

	(void)state;
	write_file(path, "garbage\n\n\n");
	assert_int_equal(kallsyms__load(path, &ks), -ENODATA);
	unlink(path);
	assert_int_equal(kallsyms__load("/nonexistent/kallsyms", &ks), -ENOENT);
	assert_null(ks);
}

static struct symbolizer *new_symbolizer(const char *kallsyms)
{
	struct symbolizer_opts opts = { .kallsyms = kallsyms };
	struct symbolizer *sym = symbolizer__new(&opts);

	assert_non_null(sym);
	return sym;
}

static void test_resolve_kernel(void **state)
{
	struct kallsyms_state *st = *state;
	struct symbolizer *sym = new_symbolizer(st->path);
	struct symbolizer_stats stats;
	struct sym_frame f[4];

	assert_int_equal(symbolizer__resolve_kernel(sym, 0xffffffff81000250, false, f, 4), 1);
	assert_string_equal(f[0].func, "second_func");
	assert_string_equal(f[0].module, "[kernel.kallsyms]");
	assert_int_equal(f[0].addr, 0xffffffff81000250);
	assert_true(f[0].named);
	assert_false(f[0].inlined);
	assert_null(f[0].file);
	assert_int_equal(f[0].line, 0);

	/* A return address at the start of a function names the caller that ends before it. */
	assert_int_equal(symbolizer__resolve_kernel(sym, 0xffffffff81000200, true, f, 4), 1);
	assert_string_equal(f[0].func, "global_func");
	assert_int_equal(f[0].addr, 0xffffffff81000200);
	assert_int_equal(symbolizer__resolve_kernel(sym, 0xffffffff81000200, false, f, 4), 1);
	assert_string_equal(f[0].func, "second_func");
	assert_int_equal(symbolizer__resolve_kernel(sym, 0xffffffffc0001080, true, f, 1), 1);
	assert_string_equal(f[0].func, "mod_func1");
	assert_string_equal(f[0].module, "[mymod]");
	/* ...and one just past a function's first byte still names that function */
	assert_int_equal(symbolizer__resolve_kernel(sym, 0xffffffffc0001081, true, f, 1), 1);
	assert_string_equal(f[0].func, "mod_func2");

	/* Placeholders: the absolute address, never ip - 1. */
	assert_int_equal(symbolizer__resolve_kernel(sym, 0xffffffff81000400, false, f, 4), 1);
	assert_string_equal(f[0].func, "0xffffffff81000400");
	assert_false(f[0].named);
	assert_int_equal(symbolizer__resolve_kernel(sym, 0xffffffff81000381, true, f, 4), 1);
	assert_string_equal(f[0].func, "0xffffffff81000381");
	assert_false(f[0].named);
	assert_int_equal(symbolizer__resolve_kernel(sym, 0xffffffff80000000, false, f, 4), 1);
	assert_string_equal(f[0].func, "0xffffffff80000000");

	assert_int_equal(symbolizer__resolve_kernel(sym, 0xffffffff81000100, false, f, 0), -EINVAL);

	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.unnamed_kernel, 3);
	assert_int_equal(stats.unnamed_user, 0);
	symbolizer__free(sym);
}

/* Runs @sym's kernel lookups with stderr sent to a file; returns how often @needle shows. */
static int count_in_stderr(struct symbolizer *sym, const char *needle)
{
	char path[] = "/tmp/test_kallsyms_err.XXXXXX", text[4096];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO), count = 0;
	struct sym_frame f;
	const char *p;
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	for (int i = 0; i < 3; i++) {
		uint64_t ip = 0xffffffff81000100 + i;

		assert_int_equal(symbolizer__resolve_kernel(sym, ip, false, &f, 1), 1);
		assert_false(f.named);
		assert_string_equal(f.module, "[kernel.kallsyms]");
	}
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n >= 0);
	text[n] = '\0';
	for (p = text; (p = strstr(p, needle)); p++)
		count++;
	return count;
}

static void test_resolve_kernel_restricted(void **state)
{
	char path[] = "/tmp/test_kallsyms.XXXXXX";
	struct symbolizer_stats stats;
	struct symbolizer *sym;
	struct sym_frame f;

	(void)state;
	write_file(path, zero_text);
	sym = new_symbolizer(path);
	/* Said once, not for every address. */
	assert_int_equal(count_in_stderr(sym, "are all zero"), 1);
	assert_int_equal(symbolizer__resolve_kernel(sym, 0xffffffff81abcdef, true, &f, 1), 1);
	assert_string_equal(f.func, "0xffffffff81abcdef");
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.unnamed_kernel, 4);
	symbolizer__free(sym);
	unlink(path);

	sym = new_symbolizer("/nonexistent/kallsyms");
	assert_int_equal(count_in_stderr(sym, "cannot read kernel symbols"), 1);
	symbolizer__free(sym);
}

/* The host's own table, when this user may read it: a known function by its address. */
static void test_host_kallsyms(void **state)
{
	unsigned long long addr = 0;
	char line[1024], name[512], type;
	struct kallsyms *ks = NULL;
	const char *n, *m;
	FILE *f;
	int err;

	(void)state;
	err = kallsyms__load("/proc/kallsyms", &ks);
	if (err == -EACCES || err == -ENOENT)
		skip();
	assert_int_equal(err, 0);
	assert_true(kallsyms__count(ks) > 1000);

	f = fopen("/proc/kallsyms", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %511s", &addr, &type, name) == 3 && type == 'T' &&
		    !strcmp(name, "schedule"))
			break;
		addr = 0;
	}
	fclose(f);
	if (!addr) {
		kallsyms__free(ks);
		skip();
	}
	assert_int_equal(kallsyms__find(ks, addr + 1, &n, &m, NULL), 0);
	assert_string_equal(n, "schedule");
	assert_string_equal(m, "[kernel.kallsyms]");
	kallsyms__free(ks);
}

int main(void)
{
#define FIXTURE_TEST(f) cmocka_unit_test_setup_teardown(f, setup_fixture, teardown_fixture)
	const struct CMUnitTest tests[] = {
		FIXTURE_TEST(test_count),
		FIXTURE_TEST(test_core_lookups),
		FIXTURE_TEST(test_module_lookups),
		FIXTURE_TEST(test_boundaries),
		FIXTURE_TEST(test_resolve_kernel),
		cmocka_unit_test(test_zero_addresses),
		cmocka_unit_test(test_empty_and_missing),
		cmocka_unit_test(test_resolve_kernel_restricted),
		cmocka_unit_test(test_host_kallsyms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
