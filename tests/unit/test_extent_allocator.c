// SPDX-License-Identifier: GPL-2.0-only
/* The allocator of unwind-table rows: first fit, freed ranges merged, the space bounded. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "extent_allocator.h"

static void test_first_fit_and_full(void **state)
{
	struct extent_allocator *a = extent_allocator__new(100);

	(void)state;
	assert_non_null(a);
	assert_int_equal(extent_allocator__alloc(a, 40), 0);
	assert_int_equal(extent_allocator__alloc(a, 40), 40);
	assert_int_equal(extent_allocator__alloc(a, 30), -ENOSPC);
	assert_int_equal(extent_allocator__alloc(a, 20), 80);
	assert_int_equal(extent_allocator__alloc(a, 1), -ENOSPC);
	extent_allocator__free(a);
}

static void test_freed_ranges_merge(void **state)
{
	struct extent_allocator *a = extent_allocator__new(90);

	(void)state;
	assert_int_equal(extent_allocator__alloc(a, 30), 0);
	assert_int_equal(extent_allocator__alloc(a, 30), 30);
	assert_int_equal(extent_allocator__alloc(a, 30), 60);
	/* Freed out of order: only once all three are merged does 90 fit again. */
	extent_allocator__free_range(a, 0, 30);
	extent_allocator__free_range(a, 60, 30);
	assert_int_equal(extent_allocator__alloc(a, 60), -ENOSPC);
	extent_allocator__free_range(a, 30, 30);
	assert_int_equal(extent_allocator__alloc(a, 90), 0);
	extent_allocator__free(a);
}

static void test_holes_are_reused(void **state)
{
	struct extent_allocator *a = extent_allocator__new(1000);
	int64_t starts[10];

	(void)state;
	for (int i = 0; i < 10; i++)
		starts[i] = extent_allocator__alloc(a, 100);
	extent_allocator__free_range(a, starts[3], 100);
	extent_allocator__free_range(a, starts[7], 100);
	assert_int_equal(extent_allocator__alloc(a, 50), 300);
	assert_int_equal(extent_allocator__alloc(a, 60), 700);
	assert_int_equal(extent_allocator__alloc(a, 50), 350);
	assert_int_equal(extent_allocator__alloc(a, 41), -ENOSPC);
	assert_int_equal(extent_allocator__alloc(a, 40), 760);
	extent_allocator__free(a);
	extent_allocator__free(NULL);
}

static void test_empty_space(void **state)
{
	struct extent_allocator *a = extent_allocator__new(0);

	(void)state;
	assert_non_null(a);
	assert_int_equal(extent_allocator__alloc(a, 1), -ENOSPC);
	extent_allocator__free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_fit_and_full),
		cmocka_unit_test(test_freed_ranges_merge),
		cmocka_unit_test(test_holes_are_reused),
		cmocka_unit_test(test_empty_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
