// SPDX-License-Identifier: GPL-2.0-only
/* key_sort: ascending keys, every item kept, for the small and the radix paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "key_sort.h"

static uint64_t next_random(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 16;
}

/* Sorts @n random items of @bits-bit keys and checks order and contents. */
static void check_sort(size_t n, unsigned int bits, uint64_t seed)
{
	uint64_t *items = malloc((n + 1) * sizeof(*items));
	uint64_t *scratch = malloc((n + 1) * sizeof(*scratch));
	uint32_t *seen = calloc(n + 1, sizeof(*seen));
	uint64_t mask = bits == 32 ? UINT32_MAX : (1ull << bits) - 1;

	assert_non_null(items);
	assert_non_null(scratch);
	assert_non_null(seen);
	for (size_t i = 0; i < n; i++)
		items[i] = key_sort__item(next_random(&seed) & mask, i);
	key_sort(items, scratch, n, bits);
	for (size_t i = 0; i < n; i++) {
		uint32_t payload = (uint32_t)items[i];

		if (i)
			assert_true(items[i - 1] >> 32 <= items[i] >> 32);
		assert_true(payload < n);
		seen[payload]++;
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
	free(items);
	free(scratch);
	free(seen);
}

static void test_sizes_and_key_widths(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 47, 48, 49, 255, 1000, 70000 };
	static const unsigned int widths[] = { 1, 3, 8, 9, 16, 17, 24, 31, 32 };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t j = 0; j < sizeof(widths) / sizeof(widths[0]); j++)
			check_sort(sizes[i], widths[j], i * 31 + j + 1);
	}
}

/* Equal keys, and keys equal in their low digits only: the skipped passes. */
static void test_shared_digits(void **state)
{
	uint64_t items[200], scratch[200];

	(void)state;
	for (size_t i = 0; i < 200; i++)
		items[i] = key_sort__item(i % 2 ? 0x300 : 0x100, i);
	key_sort(items, scratch, 200, 16);
	for (size_t i = 0; i < 200; i++)
		assert_int_equal(items[i] >> 32, i < 100 ? 0x100 : 0x300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_and_key_widths),
		cmocka_unit_test(test_shared_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
