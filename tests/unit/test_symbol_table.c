// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sorted symbol table the ELF, kallsyms and perf map loaders share: which entry an
 * address gets among aliases, extents (sizes, up to the next entry, limits, the last entry,
 * cuts, 4 GiB and more), gaps, overlapping ranges where the later wins, sealing again,
 * dropping what was not sealed, and merging two tables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "name_assert.h"

#include "symbol_table.h"

static const struct symbol_table_opts aliases = {
	.rule = SYMBOL_TABLE_ALIASES,
	.last_extent = 0x100,
};
static const struct symbol_table_opts latest = { .rule = SYMBOL_TABLE_LATEST };

static struct symbol_table *new_table(const struct symbol_table_opts *opts)
{
	struct symbol_table *t = symbol_table__new(opts);

	assert_non_null(t);
	return t;
}

/* Appends @name (NULL: a gap) at @start, of @size bytes, ranked @rank. */
static void add(struct symbol_table *t, uint64_t start, uint64_t size, uint16_t rank,
		const char *name)
{
	struct symbol_spec spec = { .start = start, .size = size, .rank = rank };

	assert_int_equal(symbol_table__add(t, &spec, name, name ? strlen(name) : 0), 0);
}

/* Appends @name at @start without a size, but ending at @limit at the latest. */
static void add_limited(struct symbol_table *t, uint64_t start, uint64_t limit, uint16_t rank,
			const char *name)
{
	struct symbol_spec spec = { .start = start, .limit = limit, .rank = rank };

	assert_int_equal(symbol_table__add(t, &spec, name, strlen(name)), 0);
}

static void seal(struct symbol_table *t)
{
	assert_int_equal(symbol_table__seal(t), 0);
}

static void assert_name(const struct symbol_table *t, uint64_t addr, const char *want)
{
	assert_found_name(addr, symbol_table__find(t, addr, NULL, NULL), want);
}

/* One entry per address: lowest rank, fewer leading underscores, bytewise, first appended. */
static void test_aliases(void **state)
{
	struct symbol_table *t = new_table(&aliases), *kept;
	struct symbol_spec spec = { .start = 0x5000, .size = 0x10, .tag = 7 };
	uint64_t start = 0;
	uint16_t tag = 0;

	(void)state;
	add(t, 0x1000, 0x10, 2, "local");
	add(t, 0x1000, 0x10, 0, "zz_global");
	add(t, 0x1000, 0x10, 1, "weak");
	add(t, 0x2000, 0x10, 0, "__schedule");
	add(t, 0x2000, 0x10, 0, "schedule");
	add(t, 0x2000, 0x10, 0, "_schedule");
	add(t, 0x3000, 0x10, 0, "beta");
	add(t, 0x3000, 0x10, 0, "alpha");
	/* a gap loses to a name, whatever the order */
	add(t, 0x4000, 0, 0, NULL);
	add(t, 0x4000, 0x10, 0, "not_a_gap");
	/* the same name twice: the first appended is kept, with its tag */
	assert_int_equal(symbol_table__add(t, &spec, "twice", 5), 0);
	spec.tag = 9;
	assert_int_equal(symbol_table__add(t, &spec, "twice", 5), 0);
	/* nothing is found before sealing */
	assert_name(t, 0x1000, NULL);
	seal(t);

	assert_name(t, 0x1000, "zz_global");
	assert_name(t, 0x2000, "schedule");
	assert_name(t, 0x3000, "alpha");
	assert_name(t, 0x4000, "not_a_gap");
	assert_string_equal(symbol_table__find(t, 0x500f, &start, &tag), "twice");
	assert_int_equal(start, 0x5000);
	assert_int_equal(tag, 7);
	assert_int_equal(symbol_table__count(t), 5);
	/* the names of the entries not kept are not either */
	kept = new_table(&aliases);
	add(kept, 0x1000, 0x10, 0, "zz_global");
	add(kept, 0x2000, 0x10, 0, "schedule");
	add(kept, 0x3000, 0x10, 0, "alpha");
	add(kept, 0x4000, 0x10, 0, "not_a_gap");
	assert_int_equal(symbol_table__add(kept, &spec, "twice", 5), 0);
	seal(kept);
	assert_int_equal(symbol_table__size(t), symbol_table__size(kept));
	symbol_table__free(kept);
	/* sealed once */
	spec.start = 0x6000;
	assert_int_equal(symbol_table__add(t, &spec, "late", 4), -EINVAL);
	assert_int_equal(symbol_table__seal(t), 0);
	assert_int_equal(symbol_table__count(t), 5);
	symbol_table__free(t);
	symbol_table__free(NULL);
}

/* Extents: sizes, up to the next entry, limits, the last entry, cuts, the address space. */
static void test_alias_extents(void **state)
{
	struct symbol_table_opts opts = aliases;
	struct symbol_table *t;

	(void)state;
	opts.max_extent = 0x1000;
	t = new_table(&opts);
	add(t, 0x1000, 0x10, 0, "sized");
	add(t, 0x1100, 0, 0, "to_next");
	/* without a size: a size of an alias, the best one that has one */
	add(t, 0x1200, 0, 0, "borrows");
	add(t, 0x1200, 0x30, 2, "lends_local");
	add(t, 0x1200, 0x20, 1, "lends_weak");
	/* a limit before the next entry ends it there */
	add_limited(t, 0x1400, 0x1480, 0, "limited");
	/* ...and a limit of an alias, the best one that has one */
	add(t, 0x1800, 0, 0, "borrows_limit");
	add_limited(t, 0x1800, 0x1840, 2, "lends_local");
	add_limited(t, 0x1800, 0x1820, 1, "lends_weak");
	/* a size passing the next entry: the next entry starts where it says */
	add(t, 0x1500, 0x200, 0, "long");
	add(t, 0x1600, 0x10, 0, "inside");
	/* cut to max_extent */
	add(t, 0x10000, 0, 0, "huge_gap");
	add(t, 0x20000, 0, 0, "last");
	seal(t);

	assert_name(t, 0xfff, NULL);
	assert_name(t, 0x100f, "sized");
	assert_name(t, 0x1010, NULL);
	assert_name(t, 0x11ff, "to_next");
	assert_name(t, 0x121f, "borrows");
	assert_name(t, 0x1220, NULL);
	assert_name(t, 0x147f, "limited");
	assert_name(t, 0x1480, NULL);
	assert_name(t, 0x181f, "borrows_limit");
	assert_name(t, 0x1820, NULL);
	assert_name(t, 0x15ff, "long");
	assert_name(t, 0x160f, "inside");
	assert_name(t, 0x1610, NULL);
	assert_name(t, 0x10fff, "huge_gap");
	assert_name(t, 0x11000, NULL);
	/* the last entry without a size covers last_extent */
	assert_name(t, 0x200ff, "last");
	assert_name(t, 0x20100, NULL);
	symbol_table__free(t);

	/* A size past the end of the address space stops before its last byte. */
	t = new_table(&aliases);
	add(t, UINT64_MAX - 0xff, 0x200, 0, "wraps");
	seal(t);
	assert_name(t, UINT64_MAX - 1, "wraps");
	assert_name(t, UINT64_MAX, NULL);
	symbol_table__free(t);
	/* ...but an entry covers one byte at least */
	t = new_table(&aliases);
	add(t, UINT64_MAX, 0x10, 0, "last_byte");
	seal(t);
	assert_name(t, UINT64_MAX, "last_byte");
	symbol_table__free(t);
	opts.last_extent = 0;
	t = new_table(&opts);
	add(t, 0x1000, 0, 0, "one_byte");
	seal(t);
	assert_name(t, 0x1000, "one_byte");
	assert_name(t, 0x1001, NULL);
	symbol_table__free(t);
}

/* Gaps end the entry before them and are never found, nor counted. */
static void test_gaps(void **state)
{
	struct symbol_table *t = new_table(&aliases), *needed = new_table(&aliases);

	(void)state;
	/* A gap first or after another ends nothing: it is not kept. */
	add(needed, 0x1000, 0, 0, "text");
	add(needed, 0x1080, 0, 3, NULL);
	add(needed, 0x1100, 0, 0, "more_text");
	add(needed, 0x1140, 0, 3, NULL);
	seal(needed);
	add(t, 0x500, 0, 0, NULL);
	add(t, 0x1000, 0, 0, "text");
	add(t, 0x1080, 0, 3, NULL);
	add(t, 0x10c0, 0, 3, NULL);
	add(t, 0x1100, 0, 0, "more_text");
	add(t, 0x1140, 0, 3, NULL);
	seal(t);
	assert_int_equal(symbol_table__count(t), 2);
	assert_name(t, 0x500, NULL);
	assert_name(t, 0x107f, "text");
	assert_name(t, 0x1080, NULL);
	assert_name(t, 0x10ff, NULL);
	assert_name(t, 0x113f, "more_text");
	assert_name(t, 0x1140, NULL);
	assert_name(t, UINT64_MAX, NULL);
	assert_int_equal(symbol_table__size(t), symbol_table__size(needed));
	symbol_table__free(needed);
	symbol_table__free(t);
}

/* Extents of 4 GiB and more, up to the next entry or not. */
static void test_long_extents(void **state)
{
	struct symbol_table *t = new_table(&aliases);

	(void)state;
	/* kallsyms: up to the next entry, however far */
	add(t, 0x1000, 0, 0, "far_from_next");
	add(t, 0x1000 + (5ull << 32), 0, 0, "next");
	add(t, 0x1000 + (6ull << 32), 0, 3, NULL);
	/* a size of 4 GiB or more, ending before the next entry */
	add(t, 0x10ull << 32, 1ull << 32, 0, "four_gib");
	add(t, 0x12ull << 32, 0x10, 0, "after");
	seal(t);
	assert_name(t, 0x1000 + (5ull << 32) - 1, "far_from_next");
	assert_name(t, 0x1000 + (6ull << 32) - 1, "next");
	assert_name(t, (0x11ull << 32) - 1, "four_gib");
	assert_name(t, 0x11ull << 32, NULL);
	assert_name(t, 0x12ull << 32, "after");
	assert_int_equal(symbol_table__count(t), 4);
	symbol_table__free(t);

	t = new_table(&latest);
	add(t, 0, 1ull << 32, 0, "four_gib_last");
	seal(t);
	assert_name(t, 0xffffffff, "four_gib_last");
	assert_name(t, 1ull << 32, NULL);
	assert_int_equal(symbol_table__count(t), 1);
	symbol_table__free(t);
}

/* Many entries, a sorted run then an unsorted tail, as kallsyms lists them. */
static void test_many_entries(void **state)
{
	struct symbol_table *t = new_table(&aliases);
	const size_t n = 50000;
	char name[32];
	size_t i;

	(void)state;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "sorted_%zu", i);
		add(t, 0x100000 + i * 0x10, 0, 0, name);
	}
	for (i = n; i-- > 0;) {
		snprintf(name, sizeof(name), "tail_%zu", i);
		add(t, 0x80000 + i * 0x2, 0, 0, name);
	}
	seal(t);
	assert_int_equal(symbol_table__count(t), 2 * n);
	assert_name(t, 0x80000 + 1234 * 2 + 1, "tail_1234");
	assert_name(t, 0x100000 + 4321 * 0x10 + 0xf, "sorted_4321");
	/* the last one covers last_extent */
	assert_name(t, 0x100000 + (n - 1) * 0x10 + 0xff, "sorted_49999");
	assert_name(t, 0x100000 + (n - 1) * 0x10 + 0x100, NULL);
	assert_true(symbol_table__size(t) > 2 * n * SYMBOL_TABLE_ENTRY_SIZE);
	symbol_table__free(t);
}

/* Ranges where the later wins, cut into disjoint pieces. */
static void test_latest(void **state)
{
	struct symbol_table *t = new_table(&latest);

	(void)state;
	add(t, 0x1000, 0x1000, 0, "old_big");
	add(t, 0x1400, 0x100, 0, "inside");
	add(t, 0x1800, 0x1000, 0, "across");
	add(t, 0xf00, 0x200, 0, "over_start");
	add(t, 0x3000, 0x100, 0, "alone");
	seal(t);
	assert_name(t, 0xeff, NULL);
	assert_name(t, 0x10ff, "over_start");
	assert_name(t, 0x1100, "old_big");
	assert_name(t, 0x14ff, "inside");
	assert_name(t, 0x1500, "old_big");
	assert_name(t, 0x27ff, "across");
	assert_name(t, 0x2800, NULL);
	/* over_start, old_big, inside, old_big, across, alone */
	assert_int_equal(symbol_table__count(t), 6);

	/* Sealed again: the new entries win over the sealed ones. */
	add(t, 0x1480, 0x200, 0, "newer");
	add(t, 0x2800, 0x900, 0, "fills");
	seal(t);
	assert_name(t, 0x147f, "inside");
	assert_name(t, 0x1480, "newer");
	assert_name(t, 0x167f, "newer");
	assert_name(t, 0x1680, "old_big");
	assert_name(t, 0x2800, "fills");
	assert_name(t, 0x30ff, "fills");
	assert_name(t, 0x3100, NULL);
	assert_int_equal(symbol_table__count(t), 7);

	/* Dropped before sealing: the table is as it was. */
	add(t, 0x1000, 0x10000, 0, "dropped");
	symbol_table__discard(t);
	add(t, 0x5000, 0x10, 0, "kept");
	seal(t);
	assert_name(t, 0x1100, "old_big");
	assert_name(t, 0x3200, NULL);
	assert_name(t, 0x5000, "kept");
	assert_int_equal(symbol_table__count(t), 8);

	symbol_table__clear(t);
	assert_name(t, 0x1000, NULL);
	assert_int_equal(symbol_table__count(t), 0);
	add(t, 0x1000, 0x10, 0, "again");
	seal(t);
	assert_name(t, 0x1000, "again");
	symbol_table__free(t);
}

/* What a table of ranges refuses. */
static void test_latest_refused(void **state)
{
	struct symbol_table *t = new_table(&latest);
	struct symbol_spec spec = { .start = 0x1000 };

	(void)state;
	assert_int_equal(symbol_table__add(t, &spec, "no_size", 7), -EINVAL);
	spec.size = 0x10;
	assert_int_equal(symbol_table__add(t, &spec, NULL, 0), -EINVAL);
	spec.start = UINT64_MAX - 0xf;
	assert_int_equal(symbol_table__add(t, &spec, "wraps", 5), -EINVAL);
	spec.size = 0xf;
	assert_int_equal(symbol_table__add(t, &spec, "ends_in_time", 12), 0);
	seal(t);
	assert_name(t, UINT64_MAX - 1, "ends_in_time");
	assert_name(t, UINT64_MAX, NULL);
	symbol_table__free(t);
}

/* A debug file's table over a binary's: every address of either, @a's where both. */
static void test_merge(void **state)
{
	struct symbol_table_opts opts = aliases;
	struct symbol_table *a, *b, *m;

	(void)state;
	opts.max_extent = UINT32_MAX;
	a = new_table(&opts);
	b = new_table(&opts);
	add(a, 0x1000, 0x100, 0, "a_first");
	add(a, 0x2000, 0, 0, "a_to_next");
	add(a, 0x3000, 0x10, 0, "a_last");
	add(b, 0x1000, 0x10, 0, "b_same_address");
	add(b, 0x1080, 0x10, 0, "b_inside_a");
	add(b, 0x2800, 0x10, 0, "b_between");
	add(b, 0x4000, 0, 0, "b_last");
	seal(a);
	seal(b);
	assert_int_equal(symbol_table__merge(a, b, &m), 0);
	symbol_table__free(b);
	assert_int_equal(symbol_table__count(m), 6);
	assert_name(m, 0x107f, "a_first");
	assert_name(m, 0x1080, "b_inside_a");
	assert_name(m, 0x108f, "b_inside_a");
	/* the entries keep their extents: b's took over a's from its start */
	assert_name(m, 0x1090, NULL);
	assert_name(m, 0x27ff, "a_to_next");
	assert_name(m, 0x280f, "b_between");
	assert_name(m, 0x2810, NULL);
	assert_name(m, 0x300f, "a_last");
	assert_name(m, 0x3010, NULL);
	assert_name(m, 0x40ff, "b_last");
	assert_name(m, 0x4100, NULL);
	symbol_table__free(m);
	symbol_table__free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aliases),	       cmocka_unit_test(test_alias_extents),
		cmocka_unit_test(test_gaps),	       cmocka_unit_test(test_long_extents),
		cmocka_unit_test(test_many_entries),   cmocka_unit_test(test_latest),
		cmocka_unit_test(test_latest_refused), cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
