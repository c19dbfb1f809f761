// SPDX-License-Identifier: GPL-2.0-only
/*
 * Functions for `bpfprof symbolize` to name, compared with eu-addr2line: plain ones, and
 * ones with inline chains two and three deep, so that file:line and inline frames are
 * exercised once the symbolizer reads DWARF. Computes and prints a checksum.
 * Usage: inline_fixture [ROUNDS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NOINLINE __attribute__((noinline))
#define INLINE static inline __attribute__((always_inline))

static volatile uint64_t sink;

INLINE uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	return x ^ (x >> 27);
}

INLINE uint64_t mix_twice(uint64_t x)
{
	return mix(mix(x) + 0x9e3779b97f4a7c15ULL);
}

INLINE uint64_t rotate_mix(uint64_t x, int r)
{
	x = (x << r) | (x >> (64 - r));
	return mix_twice(x) ^ r;
}

NOINLINE uint64_t inline_fixture_plain(uint64_t n)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < n; i++)
		s = s * 31 + i;
	return s;
}

NOINLINE uint64_t inline_fixture_one_deep(uint64_t n)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < n; i++)
		s += mix(i);
	return s;
}

NOINLINE uint64_t inline_fixture_three_deep(uint64_t n)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < n; i++)
		s ^= rotate_mix(s + i, (int)(i % 63) + 1);
	return s;
}

static NOINLINE uint64_t inline_fixture_local(uint64_t n)
{
	return inline_fixture_plain(n) ^ inline_fixture_one_deep(n >> 1);
}

int main(int argc, char **argv)
{
	uint64_t rounds = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000;

	sink = inline_fixture_local(rounds) + inline_fixture_three_deep(rounds);
	printf("%llx\n", (unsigned long long)sink);
	return 0;
}
