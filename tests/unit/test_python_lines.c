// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPython location tables: every code unit of real code objects compiled by 3.11, 3.12 and
 * 3.13 (tests/fixtures/python_lines_gen.py's output, kept, and its output now from the
 * Debian interpreters installed), each kind of entry written by hand, and tables that are
 * not what they claim: empty, cut short, varints running off the end or past 32 bits,
 * bytes out of place, lines past int, indexes past the end, random bytes. Tables are
 * copied into buffers of their exact size, so that a read past one is a sanitizer's error.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "python_lines.h"

/* A code object: its co_linetable, co_firstlineno, and its code units' lines. */
struct python_lines_fixture {
	const char *name;
	int first_line;
	const uint8_t *table;
	size_t len;
	const int *lines; /* co_positions()' first element, None as 0 */
	size_t units;
};

#include "../fixtures/python_lines_311.h"
#include "../fixtures/python_lines_312.h"
#include "../fixtures/python_lines_313.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define GENERATOR TEST_SOURCE_DIR "/fixtures/python_lines_gen.py"

/* @table[0..@len) in a buffer of its own exact size (NULL for 0 bytes); free() it. */
static uint8_t *exact_copy(const uint8_t *table, size_t len)
{
	uint8_t *copy;

	if (!len)
		return NULL;
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, table, len);
	return copy;
}

static int line_of(const uint8_t *table, size_t len, int first_line, uint32_t unit,
		   unsigned int minor)
{
	uint8_t *copy = exact_copy(table, len);
	int line = python_lines__line(copy, len, first_line, unit, minor);

	free(copy);
	return line;
}

/* Every unit of @fx has its line; the unit after the last none. */
static void check_fixture(const struct python_lines_fixture *fx, unsigned int minor)
{
	uint8_t *copy = exact_copy(fx->table, fx->len);
	int line;

	for (size_t unit = 0; unit < fx->units; unit++) {
		line = python_lines__line(copy, fx->len, fx->first_line, unit, minor);
		if (line != fx->lines[unit])
			fail_msg("3.%u %s: unit %zu has line %d, not %d", minor, fx->name, unit,
				 line, fx->lines[unit]);
	}
	assert_int_equal(python_lines__line(copy, fx->len, fx->first_line, fx->units, minor),
			 -ERANGE);
	assert_int_equal(python_lines__line(copy, fx->len, fx->first_line, UINT32_MAX, minor),
			 -ERANGE);
	free(copy);
}

static void check_fixtures(const struct python_lines_fixture *fx, size_t count, unsigned int minor,
			   const char *version)
{
	size_t units = 0;

	for (size_t i = 0; i < count; i++) {
		check_fixture(&fx[i], minor);
		units += fx[i].units;
	}
	print_message("Python %s: %zu code objects, %zu code units\n", version, count, units);
}

static void test_cpython_311(void **state)
{
	(void)state;
	check_fixtures(py311_fixtures, ARRAY_SIZE(py311_fixtures), 11, py311_version);
}

static void test_cpython_312(void **state)
{
	(void)state;
	check_fixtures(py312_fixtures, ARRAY_SIZE(py312_fixtures), 12, py312_version);
}

static void test_cpython_313(void **state)
{
	(void)state;
	check_fixtures(py313_fixtures, ARRAY_SIZE(py313_fixtures), 13, py313_version);
}

/* The generator's --text line @text: NAME FIRST_LINE TABLE_HEX LINE..., checked. */
static void check_text_line(char *text, unsigned int minor, size_t *units)
{
	char *save, *name, *first, *hex, *tok;
	uint8_t *table;
	size_t len, unit = 0;
	unsigned int byte;
	int line;

	name = strtok_r(text, " \n", &save);
	first = strtok_r(NULL, " \n", &save);
	hex = strtok_r(NULL, " \n", &save);
	assert_non_null(hex);
	len = strlen(hex) / 2;
	table = malloc(len);
	assert_non_null(table);
	for (size_t i = 0; i < len; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		table[i] = byte;
	}
	while ((tok = strtok_r(NULL, " \n", &save))) {
		line = python_lines__line(table, len, atoi(first), unit, minor);
		if (line != atoi(tok))
			fail_msg("3.%u now %s: unit %zu has line %d, not %s", minor, name, unit,
				 line, tok);
		unit++;
	}
	assert_int_equal(python_lines__line(table, len, atoi(first), unit, minor), -ERANGE);
	*units += unit;
	free(table);
}

/*
 * The installed interpreters compile the fixtures' source now: the kept headers may be of
 * another patch release than the one installed, which may compile otherwise.
 */
static void test_installed_interpreters(void **state)
{
	char cmd[4096], *text = NULL;
	size_t cap = 0, objects, units;
	unsigned int checked = 0;
	FILE *out;

	(void)state;
	for (unsigned int minor = 11; minor <= 13; minor++) {
		snprintf(cmd, sizeof(cmd), "/usr/bin/python3.%u", minor);
		if (access(cmd, X_OK))
			continue;
		assert_true(snprintf(cmd, sizeof(cmd), "/usr/bin/python3.%u %s --text", minor,
				     GENERATOR) < (int)sizeof(cmd));
		out = popen(cmd, "r");
		assert_non_null(out);
		objects = units = 0;
		while (getline(&text, &cap, out) > 0) {
			check_text_line(text, minor, &units);
			objects++;
		}
		assert_int_equal(pclose(out), 0);
		assert_true(objects >= 20);
		print_message("/usr/bin/python3.%u: %zu code objects, %zu code units\n", minor,
			      objects, units);
		checked++;
	}
	free(text);
	if (!checked) {
		print_message("skipping: no /usr/bin/python3.11, 3.12 or 3.13\n");
		skip();
	}
}

/* Each kind of entry, written by hand, and what the lines after it start from. */
static void test_entry_kinds(void **state)
{
	// clang-format off
	static const uint8_t table[] = {
		0x80 | 0 << 3 | 0, 0x12,                  /* short form, column group 0: line 10 */
		0x80 | 9 << 3 | 1, 0x7f,                  /* short form, group 9, 2 units: 10 */
		0x80 | 10 << 3 | 0, 0x05, 0x7f,           /* one-line form, +0: 10 */
		0x80 | 11 << 3 | 0, 0x00, 0x01,           /* +1: 11 */
		0x80 | 12 << 3 | 2, 0x00, 0x01,           /* +2, 3 units: 13 */
		0x80 | 13 << 3 | 0, 0x07,                 /* no columns, -3: 10 */
		0x80 | 15 << 3 | 7,                       /* no location, 8 units */
		0x80 | 13 << 3 | 0, 0x48, 0x03,           /* no columns, +100 (200): 110 */
		0x80 | 14 << 3 | 0, 0x03, 0x00, 0x01, 0x01, /* long form, -1: 109 */
		0x80 | 15 << 3 | 0,                       /* no location */
		0x80 | 14 << 3 | 7, 0x40, 0x01,           /* long form, +32, 8 units: 141 */
		0x05, 0x50, 0x02, 0x7f, 0x01,             /* its 2-chunk columns */
		0x80 | 13 << 3 | 0, 0x00,                 /* no columns, +0: 141 */
	};
	/* The line of each code unit. */
	static const int lines[] = {
		10, 10, 10, 10, 11, 13, 13, 13, 10,
		0, 0, 0, 0, 0, 0, 0, 0,
		110, 109, 0,
		141, 141, 141, 141, 141, 141, 141, 141,
		141,
	};
	// clang-format on

	(void)state;
	for (uint32_t unit = 0; unit < ARRAY_SIZE(lines); unit++) {
		for (unsigned int minor = 11; minor <= 13; minor++)
			assert_int_equal(line_of(table, sizeof(table), 10, unit, minor),
					 lines[unit]);
	}
	assert_int_equal(line_of(table, sizeof(table), 10, ARRAY_SIZE(lines), 12), -ERANGE);
}

/* A line below 1 is no line (a module's first instruction is at line 0). */
static void test_lines_below_one(void **state)
{
	static const uint8_t module_start[] = { 0x80 | 13 << 3 | 0, 0x03, 0x80 | 13 << 3, 0x02 };

	(void)state;
	assert_int_equal(line_of(module_start, sizeof(module_start), 1, 0, 11), 0);
	assert_int_equal(line_of(module_start, sizeof(module_start), 1, 1, 11), 1);
	assert_int_equal(line_of(module_start, sizeof(module_start), -5, 0, 11), 0);
	assert_int_equal(line_of(module_start, sizeof(module_start), -5, 1, 11), 0);
}

static void test_versions(void **state)
{
	static const uint8_t table[] = { 0x80, 0x00 };
	static const unsigned int others[] = { 0, 6, 9, 10, 14, 15, UINT_MAX };

	(void)state;
	for (unsigned int minor = 11; minor <= 13; minor++)
		assert_int_equal(line_of(table, sizeof(table), 4, 0, minor), 4);
	for (size_t i = 0; i < ARRAY_SIZE(others); i++)
		assert_int_equal(line_of(table, sizeof(table), 4, 0, others[i]), -EOPNOTSUPP);
	assert_int_equal(python_lines__line(NULL, 0, 4, 0, 10), -EOPNOTSUPP);
}

struct bad_table {
	const char *what;
	uint8_t bytes[16];
	size_t len;
	int first_line;
	uint32_t unit;
	int want;
};

static void test_malformed(void **state)
{
	// clang-format off
	static const struct bad_table bad[] = {
		{ "no entry starts at the first byte", { 0x00, 0x80, 0x00 }, 3, 1, 0, -EINVAL },
		{ "a short form without its column byte", { 0x80 }, 1, 1, 0, -EINVAL },
		{ "a short form whose column byte starts an entry", { 0x80, 0x80, 0x00 }, 3, 1,
		  0, -EINVAL },
		{ "a one-line form cut short", { 0xd0, 0x01 }, 2, 1, 0, -EINVAL },
		{ "a varint running off the end", { 0xe8, 0x41 }, 2, 1, 0, -EINVAL },
		{ "a varint running into the next entry", { 0xe8, 0x41, 0x80, 0x00 }, 4, 1, 0,
		  -EINVAL },
		{ "a varint of 7 chunks", { 0xe8, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x00 }, 8,
		  1, 0, -EINVAL },
		{ "a varint past 32 bits", { 0xe8, 0x40, 0x40, 0x40, 0x40, 0x40, 0x04 }, 7, 1, 0,
		  -EINVAL },
		{ "a long form without its columns", { 0xf0, 0x02, 0x00 }, 3, 1, 0, -EINVAL },
		{ "a long form without its last column", { 0xf0, 0x02, 0x00, 0x01 }, 4, 1, 0,
		  -EINVAL },
		{ "a byte too many after an entry", { 0x80, 0x00, 0x00 }, 3, 1, 0, -EINVAL },
		{ "a byte after a no-location entry", { 0xf8, 0x00 }, 2, 1, 0, -EINVAL },
		{ "a line past INT_MAX", { 0xd8, 0x00, 0x00 }, 3, INT_MAX, 0, -EINVAL },
		{ "a line below INT_MIN", { 0xe8, 0x03 }, 2, INT_MIN, 0, -EINVAL },
		{ "lines adding up past INT_MAX",
		  { 0xe8, 0x7e, 0x7f, 0x7f, 0x7f, 0x7f, 0x03, 0xe8, 0x7e, 0x7f, 0x7f, 0x7f, 0x7f,
		    0x03 },
		  14, 0, 1, -EINVAL },
		{ "a malformed entry before the unit", { 0x80, 0x00, 0x00, 0x80, 0x00 }, 5, 1, 1,
		  -EINVAL },
		{ "a unit past the end", { 0x87, 0x00 }, 2, 1, 8, -ERANGE },
		{ "a unit far past the end", { 0x87, 0x00 }, 2, 1, UINT32_MAX, -ERANGE },
		/* The largest varint there is: 6 chunks, 32 bits. */
		{ "a line of INT_MAX", { 0xe8, 0x7c, 0x7f, 0x7f, 0x7f, 0x7f, 0x03 }, 7, 1, 0,
		  INT_MAX },
		/* Damage after the unit's entry is not read. */
		{ "a malformed entry after the unit", { 0x80, 0x00, 0xe8, 0x41 }, 4, 3, 0, 3 },
	};
	// clang-format on

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int got = line_of(bad[i].bytes, bad[i].len, bad[i].first_line, bad[i].unit, 11);

		if (got != bad[i].want)
			fail_msg("%s: %d, not %d", bad[i].what, got, bad[i].want);
	}
	assert_int_equal(python_lines__line(NULL, 0, 1, 0, 11), -ERANGE);
	assert_int_equal(python_lines__line((const uint8_t *)"", 0, 1, 0, 11), -ERANGE);
}

/*
 * Every table cut short at every byte: each unit has its line, or no answer (-EINVAL when
 * its entry or the one after is cut, -ERANGE when the table ends before it).
 */
static void test_truncated(void **state)
{
	const struct python_lines_fixture *fx;
	size_t stride;
	uint8_t *copy;
	int line;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(py311_fixtures); i++) {
		fx = &py311_fixtures[i];
		stride = fx->units / 40 + 1;
		for (size_t len = 0; len < fx->len; len++) {
			copy = exact_copy(fx->table, len);
			for (size_t unit = 0; unit < fx->units; unit += stride) {
				line = python_lines__line(copy, len, fx->first_line, unit, 11);
				if (line != fx->lines[unit] && line != -EINVAL && line != -ERANGE)
					fail_msg("%s cut at %zu: unit %zu gives %d", fx->name, len,
						 unit, line);
			}
			line = python_lines__line(copy, len, fx->first_line, fx->units - 1, 11);
			assert_true(line == -EINVAL || line == -ERANGE);
			free(copy);
		}
	}
}

static bool is_answer(int line)
{
	return line >= 0 || line == -EINVAL || line == -ERANGE;
}

/* Random bytes, and real tables with bytes changed: an answer each time, no crash. */
static void test_random_tables(void **state)
{
	const struct python_lines_fixture *fx;
	uint8_t bytes[64], *copy;
	size_t len;

	(void)state;
	srandom(626);
	for (int round = 0; round < 20000; round++) {
		len = random() % (sizeof(bytes) + 1);
		for (size_t i = 0; i < len; i++)
			bytes[i] = random() % 256;
		/* Mostly entry starts, to get past the first entry. */
		if (len && round % 2)
			bytes[0] |= 0x80;
		copy = exact_copy(bytes, len);
		for (uint32_t unit = 0; unit < len * 8 + 2; unit += 3)
			assert_true(is_answer(python_lines__line(copy, len, random() % 1000, unit,
								 11 + round % 3)));
		free(copy);
	}
	for (int round = 0; round < 2000; round++) {
		fx = &py312_fixtures[round % ARRAY_SIZE(py312_fixtures)];
		copy = exact_copy(fx->table, fx->len);
		for (int flips = 1 + round % 3; flips; flips--)
			copy[random() % fx->len] ^= 1u << (random() % 8);
		for (uint32_t unit = 0; unit < fx->units + 2; unit += 5)
			assert_true(is_answer(
				python_lines__line(copy, fx->len, fx->first_line, unit, 12)));
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpython_311), cmocka_unit_test(test_cpython_312),
		cmocka_unit_test(test_cpython_313), cmocka_unit_test(test_installed_interpreters),
		cmocka_unit_test(test_entry_kinds), cmocka_unit_test(test_lines_below_one),
		cmocka_unit_test(test_versions),    cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),   cmocka_unit_test(test_random_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
