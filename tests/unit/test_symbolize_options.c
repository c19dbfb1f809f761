// SPDX-License-Identifier: GPL-2.0-only
/* Argument parsing of `bpfprof symbolize` and its address parser. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "symbolize_options.h"

#define ARGV(...) ((char *[]){ "symbolize", __VA_ARGS__, NULL })

struct parsed {
	struct symbolize_opts opts;
	enum options_result result;
	char err[256];
};

static void parse(struct parsed *p, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	p->result = symbolize_opts__parse(&p->opts, argc, argv, p->err, sizeof(p->err));
}

/* Parses @argv, expects an error whose reason holds @reason, and releases. */
static void assert_error(char **argv, const char *reason)
{
	struct parsed p;

	parse(&p, argv);
	assert_int_equal(p.result, OPTIONS_ERROR);
	if (!strstr(p.err, reason))
		fail_msg("reason '%s' does not mention '%s'", p.err, reason);
	symbolize_opts__release(&p.opts);
}

static void test_targets(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, ARGV("--pid", "1234", "0x7f0000001000", "401000"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_int_equal(p.opts.target, SYMBOLIZE_PID);
	assert_int_equal(p.opts.pid, 1234);
	assert_int_equal(p.opts.naddrs, 2);
	assert_int_equal(p.opts.addrs[0], 0x7f0000001000);
	assert_int_equal(p.opts.addrs[1], 0x401000);
	assert_false(p.opts.print_address);
	assert_false(p.opts.no_demangle);
	symbolize_opts__release(&p.opts);
	assert_null(p.opts.addrs);

	parse(&p, ARGV("-e", "/bin/true", "-a", "-s", "--no-demangle", "1000"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_int_equal(p.opts.target, SYMBOLIZE_ELF);
	assert_string_equal(p.opts.elf, "/bin/true");
	assert_true(p.opts.print_address);
	assert_true(p.opts.basenames);
	assert_true(p.opts.no_demangle);
	assert_int_equal(p.opts.naddrs, 1);
	symbolize_opts__release(&p.opts);

	/* No addresses: they come on standard input. */
	parse(&p, ARGV("--kernel", "-v", "-v"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_int_equal(p.opts.target, SYMBOLIZE_KERNEL);
	assert_int_equal(p.opts.naddrs, 0);
	assert_null(p.opts.addrs);
	assert_int_equal(p.opts.verbose, 2);
	symbolize_opts__release(&p.opts);

	/* Options after the addresses, and long forms with '='. */
	parse(&p, ARGV("ffffffff81000000", "--elf=/x", "--addresses"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_string_equal(p.opts.elf, "/x");
	assert_int_equal(p.opts.addrs[0], 0xffffffff81000000);
	symbolize_opts__release(&p.opts);
}

static void test_errors(void **state)
{
	(void)state;
	assert_error(ARGV("0x1000"), "--pid PID, --elf FILE or --kernel");
	assert_error(ARGV("--pid", "1", "--kernel"), "not several");
	assert_error(ARGV("--elf", "a", "--elf", "b"), "not several");
	assert_error(ARGV("--pid", "0"), "pid");
	assert_error(ARGV("--pid", "x"), "pid");
	assert_error(ARGV("--pid", "99999999999"), "pid");
	assert_error(ARGV("--elf", ""), "file name");
	assert_error(ARGV("--kernel", "0xg"), "'0xg' is not an address");
	assert_error(ARGV("--kernel", "1", "main"), "'main' is not an address");
	assert_error(ARGV("--kernel", "12345678901234567"), "not an address");
	assert_error(ARGV("--kernel", "--frobnicate"), "unknown option '--frobnicate'");
	assert_error(ARGV("--kernel", "-z"), "unknown option");
	assert_error(ARGV("--pid"), "needs a value");
}

static void test_help(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, ARGV("--kernel", "--help"));
	assert_int_equal(p.result, OPTIONS_HELP);
	symbolize_opts__release(&p.opts);
}

static void test_address(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(symbolize_address__parse("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(symbolize_address__parse("0x0", &v), 0);
	assert_int_equal(symbolize_address__parse("0X7FFF12", &v), 0);
	assert_int_equal(v, 0x7fff12);
	assert_int_equal(symbolize_address__parse("  deadBEEF\r\n", &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	assert_int_equal(symbolize_address__parse("ffffffffffffffff", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(symbolize_address__parse("0x0000000000001000", &v), 0);
	assert_int_equal(v, 0x1000);

	assert_int_equal(symbolize_address__parse("", &v), -EINVAL);
	assert_int_equal(symbolize_address__parse("0x", &v), -EINVAL);
	assert_int_equal(symbolize_address__parse(" ", &v), -EINVAL);
	assert_int_equal(symbolize_address__parse("1 2", &v), -EINVAL);
	assert_int_equal(symbolize_address__parse("-1", &v), -EINVAL);
	assert_int_equal(symbolize_address__parse("1ffffffffffffffff", &v), -EINVAL);
	assert_int_equal(symbolize_address__parse("0x1g", &v), -EINVAL);
	assert_int_equal(symbolize_address__parse("0xx1", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
