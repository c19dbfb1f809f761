// SPDX-License-Identifier: GPL-2.0-only
/*
 * record_spool: records come out in the order they went in, whole, across chunks (records
 * of every size up to the most, one larger than a chunk), and the spool counts the bytes
 * waiting; sizes of 0 or over the most are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record_spool.h"

/* A record of @size bytes, each its index plus @seed. */
static void fill(void *ctx, void *dst, size_t size)
{
	unsigned int seed = *(const unsigned int *)ctx;

	for (size_t i = 0; i < size; i++)
		((unsigned char *)dst)[i] = (unsigned char)(i + seed);
}

static void push(struct record_spool *spool, size_t size, unsigned int seed)
{
	assert_int_equal(record_spool__push(spool, size, fill, &seed), 0);
}

static void expect_pop(struct record_spool *spool, size_t size, unsigned int seed)
{
	const unsigned char *r;
	size_t got;

	r = record_spool__peek(spool, &got);
	assert_non_null(r);
	assert_int_equal(got, size);
	for (size_t i = 0; i < size; i++)
		assert_int_equal(r[i], (unsigned char)(i + seed));
	record_spool__pop(spool);
}

static void test_order_and_bytes(void **state)
{
	struct record_spool *spool = record_spool__new();
	size_t got;

	(void)state;
	assert_non_null(spool);
	assert_null(record_spool__peek(spool, &got));
	push(spool, 24, 1);
	push(spool, 100, 2);
	assert_int_equal(record_spool__bytes(spool), 124);
	expect_pop(spool, 24, 1);
	push(spool, 8, 3);
	expect_pop(spool, 100, 2);
	expect_pop(spool, 8, 3);
	assert_null(record_spool__peek(spool, &got));
	assert_int_equal(record_spool__bytes(spool), 0);
	record_spool__pop(spool); /* empty: nothing happens */
	push(spool, 16, 4);
	expect_pop(spool, 16, 4);
	record_spool__free(spool);
}

/* 20 MiB of records of every size, read while written: they cross many chunks. */
static void test_across_chunks(void **state)
{
	struct record_spool *spool = record_spool__new();
	size_t pushed = 0, popped = 0, sizes = 0;

	(void)state;
	for (size_t size = 8; sizes < (20u << 20); size = size * 7 % RECORD_SPOOL_MAX_RECORD + 8) {
		push(spool, size, (unsigned int)pushed++);
		sizes += size;
		/* Read one for every two written, so that chunks are freed on the way. */
		if (pushed % 2 == 0) {
			size_t got;

			assert_non_null(record_spool__peek(spool, &got));
			record_spool__pop(spool);
			popped++;
		}
	}
	while (popped < pushed) {
		size_t got;

		assert_non_null(record_spool__peek(spool, &got));
		record_spool__pop(spool);
		popped++;
	}
	assert_int_equal(record_spool__bytes(spool), 0);
	record_spool__free(spool);
}

/* Records checked byte for byte across chunk ends, the largest included. */
static void test_contents(void **state)
{
	static const size_t sizes[] = { 65535, 8, 65535, 65535, 65535, 40, 65535, 65535, 16 };
	struct record_spool *spool = record_spool__new();

	(void)state;
	for (size_t round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			push(spool, sizes[i], (unsigned int)(i + round));
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			expect_pop(spool, sizes[i], (unsigned int)(i + round));
	}
	record_spool__free(spool);
}

static void test_refused(void **state)
{
	struct record_spool *spool = record_spool__new();
	unsigned int seed = 0;

	(void)state;
	assert_int_equal(record_spool__push(spool, 0, fill, &seed), -EINVAL);
	assert_int_equal(record_spool__push(spool, RECORD_SPOOL_MAX_RECORD + 1, fill, &seed),
			 -EINVAL);
	assert_int_equal(record_spool__bytes(spool), 0);
	record_spool__free(spool);
	record_spool__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_bytes),
		cmocka_unit_test(test_across_chunks),
		cmocka_unit_test(test_contents),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
