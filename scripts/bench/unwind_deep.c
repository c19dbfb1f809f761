// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPU-bound load of scripts/bench/unwind.sh, compiled by it at run time, once with
 * -fomit-frame-pointer (every frame must come from .eh_frame) and once with frame pointers.
 *   deep:  main -> deep_01 -> ... -> deep_30, the hot loop in deep_30: 30 frames below main
 *   qsort: main -> sort_loop -> qsort (libc, no frame pointers) -> msort_with_tmp ...
 *          -> by_weight -> weigh
 * Every function is noipa (no inlining, cloning or IPA-SRA renames) and does work after its
 * call, so no call becomes a tail call and every frame stays on the stack.
 * Usage: unwind_deep deep|qsort [SECONDS]   (default 60)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOIPA __attribute__((noipa))

static volatile uint64_t sink;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/*
 * The hot loop: ~1 ms per call, so samples outside it are rare. The volatile local gives it
 * a stack frame: gcc 12 leaves out the frame pointer of a leaf that uses no stack even with
 * -mno-omit-leaf-frame-pointer, and the frame-pointer walk would then skip deep_29.
 */
NOIPA uint64_t deep_30(uint64_t x)
{
	volatile uint64_t acc = 0;

	for (int i = 0; i < 400000; i++)
		x = x * 2862933555777941757ULL + 3037000493ULL;
	acc = x;
	sink = acc;
	return x;
}

/*
 * One level of the chain. The volatile array gives each frame its own size (and CFA offset)
 * and the write after the call keeps the call from being a tail call.
 */
#define DEEP(n, next)                                                                     \
	NOIPA uint64_t deep_##n(uint64_t x)                                               \
	{                                                                                 \
		volatile uint64_t pad[1 + (1##n % 4) * 2];                                \
                                                                                          \
		pad[0] = x;                                                               \
		x = deep_##next(x ^ 1##n);                                                \
		sink = pad[0];                                                            \
		return x + 1;                                                             \
	}

DEEP(29, 30)
DEEP(28, 29)
DEEP(27, 28)
DEEP(26, 27)
DEEP(25, 26)
DEEP(24, 25)
DEEP(23, 24)
DEEP(22, 23)
DEEP(21, 22)
DEEP(20, 21)
DEEP(19, 20)
DEEP(18, 19)
DEEP(17, 18)
DEEP(16, 17)
DEEP(15, 16)
DEEP(14, 15)
DEEP(13, 14)
DEEP(12, 13)
DEEP(11, 12)
DEEP(10, 11)
DEEP(09, 10)
DEEP(08, 09)
DEEP(07, 08)
DEEP(06, 07)
DEEP(05, 06)
DEEP(04, 05)
DEEP(03, 04)
DEEP(02, 03)
DEEP(01, 02)

NOIPA uint64_t weigh(uint64_t v)
{
	volatile uint64_t acc;

	for (int i = 0; i < 40; i++)
		v = v * 2862933555777941757ULL + 3037000493ULL;
	acc = v;
	sink = acc;
	return v;
}

NOIPA int by_weight(const void *a, const void *b)
{
	uint64_t x = weigh(*(const uint64_t *)a), y = weigh(*(const uint64_t *)b);

	sink = x ^ y;
	return x < y ? -1 : x > y;
}

/* The array lives on the heap: glibc's qsort then sorts with merge sort (msort_with_tmp). */
NOIPA void sort_loop(double deadline)
{
	size_t n = 4096;
	uint64_t *v = malloc(n * sizeof(*v));

	if (!v)
		return;
	while (now() < deadline) {
		for (size_t i = 0; i < n; i++)
			v[i] = (i * 2654435761u) ^ (uint64_t)now();
		qsort(v, n, sizeof(*v), by_weight);
		sink = v[0];
	}
	free(v);
}

int main(int argc, char **argv)
{
	double deadline = now() + (argc > 2 ? atof(argv[2]) : 60);
	uint64_t x = 1;

	if (argc > 1 && !strcmp(argv[1], "qsort")) {
		sort_loop(deadline);
	} else {
		while (now() < deadline)
			x = deep_01(x);
	}
	sink = x;
	return 0;
}
