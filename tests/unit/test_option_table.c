// SPDX-License-Identifier: GPL-2.0-only
/* Option tables: parsing through getopt_long, and --help from the same table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "option_table.h"

#define ARGV(...) ((char *[]){ "demo", __VA_ARGS__, NULL })

struct inner {
	bool deep;
	const char *label;
};

struct demo {
	bool flag;
	const char *name;
	int verbose;
	int level;
	struct inner inner;
};

static int parse_level(const struct option_spec *opt, void *target, const char *arg, char *err,
		       size_t errlen)
{
	if (strcmp(arg, "1") && strcmp(arg, "2")) {
		snprintf(err, errlen, "--%s takes 1 or 2, not '%s'", opt->name, arg);
		return -EINVAL;
	}
	*(int *)target = atoi(arg);
	return 0;
}

// clang-format off
static const struct option_spec inner_options[] = {
	OPTION_TEXT("inner:\n"),
	{ .name = "deep", .short_name = 'D', .parse = option_table__set_flag,
	  .offset = offsetof(struct inner, deep), .help = "a flag of the group" },
	{ .name = "label-of-the-group", .arg = "L", .parse = option_table__set_string,
	  .offset = offsetof(struct inner, label), .help = "28 wide: two spaces" },
	{ .name = "label-of-the-groups", .arg = "L", .parse = option_table__set_string,
	  .offset = offsetof(struct inner, label), .help = "29 wide: the next line" },
	OPTION_END,
};
// clang-format on

// clang-format off
static const struct option_spec demo_options[] = {
	OPTION_TEXT("usage: demo [OPTIONS] ARG...\n\n"),
	{ .name = "flag", .short_name = 'f', .parse = option_table__set_flag,
	  .offset = offsetof(struct demo, flag), .help = "a flag" },
	{ .name = "name", .short_name = 'n', .arg = "NAME", .parse = option_table__set_string,
	  .offset = offsetof(struct demo, name), .help = "a name,\nover two lines" },
	{ .name = "level-number", .arg = "LEVEL", .parse = parse_level,
	  .offset = offsetof(struct demo, level), .help = "26 wide: padded" },
	{ .name = "level-numbers", .arg = "LEVEL", .parse = parse_level,
	  .offset = offsetof(struct demo, level), .help = "27 wide: two spaces" },
	{ .name = "verbose", .short_name = 'v', .parse = option_table__count,
	  .offset = offsetof(struct demo, verbose), .help = "more messages" },
	OPTION_HELP,
	OPTION_GROUP(inner_options, offsetof(struct demo, inner)),
	OPTION_TEXT("\nnotes\n"),
	OPTION_END,
};
// clang-format on

static const char demo_help[] = "usage: demo [OPTIONS] ARG...\n"
				"\n"
				"  -f, --flag               a flag\n"
				"  -n, --name NAME          a name,\n"
				"                           over two lines\n"
				"      --level-number LEVEL 26 wide: padded\n"
				"      --level-numbers LEVEL  27 wide: two spaces\n"
				"  -v, --verbose            more messages\n"
				"  -h, --help               this help\n"
				"inner:\n"
				"  -D, --deep               a flag of the group\n"
				"      --label-of-the-group L  28 wide: two spaces\n"
				"      --label-of-the-groups L\n"
				"                           29 wide: the next line\n"
				"\n"
				"notes\n";

static const struct option_table demo_table = { .command = "demo", .entries = demo_options };

struct parsed {
	struct demo opts;
	enum options_result result;
	int first_operand;
	char err[256];
};

static void parse_with(struct parsed *p, const struct option_table *table, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(&p->opts, 0, sizeof(p->opts));
	p->result = option_table__parse(table, &p->opts, argc, argv, &p->first_operand, p->err,
					sizeof(p->err));
}

static void parse(struct parsed *p, char **argv)
{
	parse_with(p, &demo_table, argv);
}

static void expect_error(char **argv, const char *reason)
{
	struct parsed p;

	parse(&p, argv);
	assert_int_equal(p.result, OPTIONS_ERROR);
	assert_string_equal(p.err, reason);
}

static void test_values_land_in_their_fields(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, ARGV("a", "-vfv", "--name=x", "--level-number", "2", "-D",
		       "--label-of-the-groups", "g", "b", "--verbose"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_true(p.opts.flag);
	assert_string_equal(p.opts.name, "x");
	assert_int_equal(p.opts.level, 2);
	assert_int_equal(p.opts.verbose, 3);
	assert_true(p.opts.inner.deep);
	assert_string_equal(p.opts.inner.label, "g");
	/* Operands are moved behind the options. */
	assert_int_equal(p.first_operand, 9);

	parse(&p, ARGV("-n", "y", "--fl"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_string_equal(p.opts.name, "y");
	assert_true(p.opts.flag);
	assert_int_equal(p.first_operand, 4);
}

static void test_operands(void **state)
{
	static const struct option_table in_order = { .command = "demo",
						      .entries = demo_options,
						      .in_order = true };
	static const struct option_table none = { .command = "demo",
						  .entries = demo_options,
						  .no_operands = true };
	char **argv = ARGV("-f", "cmd", "-n", "x");
	struct parsed p;

	(void)state;
	/* In order: the operand and all after it are a command's own. */
	parse_with(&p, &in_order, argv);
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_int_equal(p.first_operand, 2);
	assert_string_equal(argv[2], "cmd");
	assert_null(p.opts.name);

	parse_with(&p, &none, ARGV("-f", "stray"));
	assert_int_equal(p.result, OPTIONS_ERROR);
	assert_string_equal(p.err, "unexpected argument 'stray' (see bpfprof demo --help)");
	parse_with(&p, &none, ARGV("-f", "--", "-n"));
	assert_int_equal(p.result, OPTIONS_ERROR);
	assert_string_equal(p.err, "unexpected argument '-n' (see bpfprof demo --help)");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error(ARGV("--bogus"), "unknown option '--bogus' (see bpfprof demo --help)");
	expect_error(ARGV("-x"), "unknown option '-x' (see bpfprof demo --help)");
	expect_error(ARGV("--flag=1"), "unknown option '--flag=1' (see bpfprof demo --help)");
	expect_error(ARGV("-n"), "option '-n' needs a value");
	expect_error(ARGV("--label-of-the-group"), "option '--label-of-the-group' needs a value");
	/* An abbreviation of two options is neither. */
	expect_error(ARGV("--label", "x"), "unknown option '--label' (see bpfprof demo --help)");
	expect_error(ARGV("--level-number", "3"), "--level-number takes 1 or 2, not '3'");
	/* The first error ends the parse. */
	expect_error(ARGV("--level-numbers=0", "--bogus"), "--level-numbers takes 1 or 2, not '0'");
}

/* Reads what option_table__print_help() writes. */
static char *help_text(const struct option_table *table)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	option_table__print_help(table, out);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void test_help(void **state)
{
	char *text = help_text(&demo_table);
	struct parsed p;

	(void)state;
	assert_string_equal(text, demo_help);
	free(text);
	parse(&p, ARGV("-f", "--help", "--bogus"));
	assert_int_equal(p.result, OPTIONS_HELP);
	assert_int_equal(option_table__exit_status(&demo_table, p.result, p.err), 0);
	parse(&p, ARGV("--bogus"));
	assert_int_equal(option_table__exit_status(&demo_table, p.result, p.err),
			 EXIT_STATUS_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_land_in_their_fields),
		cmocka_unit_test(test_operands),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
