// SPDX-License-Identifier: GPL-2.0-only
/*
 * C++ names for the symbolizer tests: a member function of a class template in nested
 * namespaces, with another member inlined into it. Prints and waits as dbg_fixture.c does.
 * Usage: dbg_fixture_cpp [print|wait]
 */
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <link.h>
#include <unistd.h>

static uintptr_t probe_addr;
static volatile uint64_t sink;

extern "C" __attribute__((noinline)) void dbg_probe(void)
{
	probe_addr = (uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

namespace orchard {
namespace grove {

template <typename T> struct Basket {
	static inline __attribute__((always_inline)) void fill(T x)
	{
		sink += x;
		dbg_probe(); /* LINE:fill */
		sink -= 1;
	}

	__attribute__((noinline)) T carry(T x)
	{
		fill(x); /* LINE:carry */
		return x + 1;
	}
};

} // namespace grove
} // namespace orchard

static uintptr_t load_bias;

static int find_main_program(struct dl_phdr_info *info, size_t, void *)
{
	load_bias = info->dlpi_addr;
	return 1;
}

int main(int argc, char **argv)
{
	orchard::grove::Basket<int> basket;
	char buf[64];

	dl_iterate_phdr(find_main_program, nullptr);
	sink = basket.carry(argc);
	std::printf("probe fill %lx %lx\nend\n", (unsigned long)probe_addr,
		    (unsigned long)(probe_addr - load_bias));
	std::fflush(stdout);
	if (argc > 1 && !std::strcmp(argv[1], "wait")) {
		while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
			;
	}
	return 0;
}
