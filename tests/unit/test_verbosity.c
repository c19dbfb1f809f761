// SPDX-License-Identifier: GPL-2.0-only
/* The one rule from -v options to the log level. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "verbosity.h"

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(verbosity__log_level(0, LOG_WARN), LOG_WARN);
	assert_int_equal(verbosity__log_level(1, LOG_WARN), LOG_INFO);
	assert_int_equal(verbosity__log_level(2, LOG_WARN), LOG_DEBUG);
	assert_int_equal(verbosity__log_level(5, LOG_WARN), LOG_DEBUG);
	/* A daemon logs info lines anyway; -v adds nothing until debug. */
	assert_int_equal(verbosity__log_level(0, LOG_INFO), LOG_INFO);
	assert_int_equal(verbosity__log_level(1, LOG_INFO), LOG_INFO);
	assert_int_equal(verbosity__log_level(2, LOG_INFO), LOG_DEBUG);
}

static void test_apply(void **state)
{
	(void)state;
	verbosity__apply(1, LOG_WARN);
	assert_int_equal(log__level(), LOG_INFO);
	verbosity__apply(0, LOG_INFO);
	assert_int_equal(log__level(), LOG_INFO);
	verbosity__apply(0, LOG_WARN);
	assert_int_equal(log__level(), LOG_WARN);
}

/* -v is counted, in short clusters and long forms alike. */
static void test_option(void **state)
{
	// clang-format off
	static const struct option_spec entries[] = {
		OPTION_GROUP(verbosity_options, 0),
		OPTION_END,
	};
	// clang-format on
	static const struct option_table table = { .command = "demo", .entries = entries };
	char *argv[] = { "demo", "-vv", "--verbose", "--verb", NULL };
	char err[128];
	int verbose = 0, first_operand;

	(void)state;
	assert_int_equal(option_table__parse(&table, &verbose, 4, argv, &first_operand, err,
					     sizeof(err)),
			 OPTIONS_RUN);
	assert_int_equal(verbose, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
