// SPDX-License-Identifier: GPL-2.0-only
/* An interval's wall-clock span when the wall clock steps during it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "interval.h"

#define NS 1000000000ull
/* 2026-11-21T10:02:00Z, and a monotonic clock counting from boot. */
#define T0 (1795255320ull * NS)
#define M0 (5000 * NS)

/* The clocks agree, or disagree by a slew of less than a second: the start stays. */
static void test_no_step(void **state)
{
	(void)state;
	assert_int_equal(interval__start(T0, M0, T0 + 10 * NS, M0 + 10 * NS), T0);
	assert_int_equal(interval__start(T0, M0, T0 + 10 * NS + NS / 2, M0 + 10 * NS), T0);
	assert_int_equal(interval__start(T0, M0, T0 + 10 * NS - NS / 2, M0 + 10 * NS), T0);
}

/*
 * Stepped back a minute, or forward an hour, 10 s into the interval: it is the 10 s before
 * the new clock's reading, never a span that ends before it starts or lasts an hour.
 */
static void test_steps(void **state)
{
	uint64_t end;

	(void)state;
	end = T0 + 10 * NS - 60 * NS;
	assert_int_equal(interval__start(T0, M0, end, M0 + 10 * NS), end - 10 * NS);
	end = T0 + 10 * NS + 3600 * NS;
	assert_int_equal(interval__start(T0, M0, end, M0 + 10 * NS), end - 10 * NS);
	/* A clock set to 1970 gives no start before the epoch. */
	assert_int_equal(interval__start(T0, M0, 5 * NS, M0 + 10 * NS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_step),
		cmocka_unit_test(test_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
