// SPDX-License-Identifier: GPL-2.0-only
/*
 * Functions with known names and bindings for the symbolizer tests. Prints one line per
 * function, "NAME RUNTIME_ADDRESS ELF_VADDR" (hex), then "data RUNTIME_ADDRESS ELF_VADDR"
 * for a variable and "end", all computed from the load bias that the
 * dynamic loader reports, so the tests do not read the ELF file the way the code under
 * test does. Then, with "wait", blocks until stdin is closed, so a test can snapshot it
 * while it is alive and name its addresses after it has exited.
 * Usage: sym_fixture [print|wait]
 */
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;

NOINLINE uint64_t sym_fixture_alpha(uint64_t x)
{
	for (int i = 0; i < 1000; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
	return x;
}

NOINLINE uint64_t sym_fixture_beta(uint64_t x)
{
	x = sym_fixture_alpha(x) ^ 0x5bd1e995;
	sink = x;
	return x;
}

NOINLINE uint64_t sym_fixture_gamma(uint64_t x)
{
	x = sym_fixture_beta(x) + sym_fixture_alpha(x >> 3);
	sink = x;
	return x;
}

/* A local (STB_LOCAL) function: .symtab only. */
static NOINLINE uint64_t sym_fixture_local(uint64_t x)
{
	for (int i = 0; i < 10; i++)
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	sink = x;
	return x;
}

/* A weak (STB_WEAK) function. */
__attribute__((weak)) NOINLINE uint64_t sym_fixture_weak(uint64_t x)
{
	sink = x + 7;
	return sink * 3;
}

/* Initialised data: its file offset and virtual address differ in the usual layout. */
volatile uint64_t sym_fixture_data = 42;

static uintptr_t load_bias;

static int find_main_program(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	(void)ctx;
	/* The first object is the program itself. */
	load_bias = info->dlpi_addr;
	return 1;
}

static void print_function(const char *name, void *addr)
{
	uintptr_t a = (uintptr_t)addr;

	printf("%s %lx %lx\n", name, (unsigned long)a, (unsigned long)(a - load_bias));
}

int main(int argc, char **argv)
{
	uint64_t (*volatile local)(uint64_t) = sym_fixture_local;
	char buf[64];

	dl_iterate_phdr(find_main_program, NULL);
	print_function("sym_fixture_alpha", (void *)sym_fixture_alpha);
	print_function("sym_fixture_beta", (void *)sym_fixture_beta);
	print_function("sym_fixture_gamma", (void *)sym_fixture_gamma);
	print_function("sym_fixture_local", (void *)local);
	print_function("sym_fixture_weak", (void *)sym_fixture_weak);
	print_function("main", (void *)main);
	printf("data %lx %lx\n", (unsigned long)&sym_fixture_data,
	       (unsigned long)((uintptr_t)&sym_fixture_data - load_bias));
	printf("end\n");
	fflush(stdout);
	sink = sym_fixture_gamma(argc) + local(argc) + sym_fixture_weak(argc);

	if (argc > 1 && !strcmp(argv[1], "wait")) {
		while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
			;
	}
	return 0;
}
