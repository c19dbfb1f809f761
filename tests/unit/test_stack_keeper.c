// SPDX-License-Identifier: GPL-2.0-only
/* The stack keeper: stacks found by interval, kind and id; copies; a bound on its bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stack_keeper.h"

static void test_found_by_epoch_kind_and_id(void **state)
{
	struct stack_keeper *k = stack_keeper__new(1 << 20);
	uint64_t kernel[3] = { 0xffffffff81000010, 0xffffffff81000020, 0xffffffff81000030 };
	uint64_t user[2] = { 0x401000, 0x402000 };
	const uint64_t *found;
	size_t len;

	(void)state;
	assert_non_null(k);
	assert_int_equal(stack_keeper__add(k, 7, KEPT_KERNEL_STACK, 42, kernel, sizeof(kernel)), 0);
	assert_int_equal(stack_keeper__add(k, 7, KEPT_USER_STACK, 42, user, sizeof(user)), 0);
	assert_int_equal(stack_keeper__add(k, 8, KEPT_KERNEL_STACK, 42, user, sizeof(user)), 0);
	/* Kept already: nothing changes. */
	assert_int_equal(stack_keeper__add(k, 7, KEPT_KERNEL_STACK, 42, user, sizeof(user)), 0);
	assert_int_equal(stack_keeper__count(k), 3);
	assert_int_equal(stack_keeper__bytes(k), sizeof(kernel) + 2 * sizeof(user));
	/* A copy: the caller's buffer may change. */
	kernel[0] = 0;
	found = stack_keeper__find(k, 7, KEPT_KERNEL_STACK, 42, &len);
	assert_non_null(found);
	assert_int_equal(len, sizeof(kernel));
	assert_true(found[0] == 0xffffffff81000010 && found[2] == 0xffffffff81000030);
	found = stack_keeper__find(k, 7, KEPT_USER_STACK, 42, &len);
	assert_non_null(found);
	assert_true(len == sizeof(user) && found[1] == 0x402000);
	found = stack_keeper__find(k, 8, KEPT_KERNEL_STACK, 42, &len);
	assert_true(found && len == sizeof(user) && found[0] == 0x401000);
	assert_null(stack_keeper__find(k, 6, KEPT_KERNEL_STACK, 42, &len));
	assert_null(stack_keeper__find(k, 7, KEPT_KERNEL_STACK, 43, &len));
	stack_keeper__free(k);
}

static void test_many_and_the_bound(void **state)
{
	struct stack_keeper *k = stack_keeper__new(1000 * 16);
	uint64_t words[2];
	const uint64_t *found;
	size_t len;

	(void)state;
	assert_non_null(k);
	for (uint64_t i = 0; i < 1000; i++) {
		words[0] = i;
		words[1] = ~i;
		assert_int_equal(stack_keeper__add(k, (uint32_t)(i % 3), KEPT_USER_STACK, i, words,
						   sizeof(words)),
				 0);
	}
	/* Full: one more is refused, and nothing is lost. */
	assert_int_equal(stack_keeper__add(k, 0, KEPT_USER_STACK, 5000, words, 8), -ENOSPC);
	assert_int_equal(stack_keeper__count(k), 1000);
	for (uint64_t i = 0; i < 1000; i++) {
		found = stack_keeper__find(k, (uint32_t)(i % 3), KEPT_USER_STACK, i, &len);
		assert_non_null(found);
		assert_true(len == 16 && found[0] == i && found[1] == ~i);
	}
	stack_keeper__free(k);
	stack_keeper__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_by_epoch_kind_and_id),
		cmocka_unit_test(test_many_and_the_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
