// SPDX-License-Identifier: GPL-2.0-only
/* Argument parsing of `bpfprof agent`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent_options.h"

#define ARGV(...) ((char *[]){ "agent", __VA_ARGS__, NULL })
#define NSEC_PER_SEC 1000000000ull

struct parsed {
	struct agent_opts opts;
	enum agent_parse_result result;
	char err[256];
};

static void parse(struct parsed *p, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	p->result = agent_opts__parse(&p->opts, argc, argv, p->err, sizeof(p->err));
}

static void test_defaults(void **state)
{
	char *argv[] = { "agent", NULL };
	struct parsed p;

	(void)state;
	parse(&p, argv);
	assert_int_equal(p.result, AGENT_PARSE_OK);
	assert_int_equal(p.opts.sampling.frequency, 19);
	assert_true(p.opts.interval_s == 10.0);
	assert_string_equal(p.opts.store_dir, "/var/lib/bpfprof");
	assert_true(p.opts.store_max_size == 1ull << 30);
	assert_true(p.opts.store_max_age_ns == 7 * 24 * 3600 * NSEC_PER_SEC);
	assert_null(p.opts.upload_url);
	assert_string_equal(p.opts.app_name, "bpfprof");
	agent_opts__release(&p.opts);
}

static void test_full_command_line(void **state)
{
	char **argv = ARGV("-F", "49", "--interval", "2", "--store", "/tmp/s", "--store-max-size",
			   "64k", "--store-max-age", "12h", "--upload", "https://p.example:4040",
			   "--app-name", "web.api", "--label", "env=test", "--label", "dc=eu-1",
			   "--tenant", "team", "--bearer-token-file", "/etc/token", "--header",
			   "X-Extra: 1", "--ca-file", "/etc/ca.pem", "-p", "1", "--user-only", "-v");
	struct parsed p;

	(void)state;
	parse(&p, argv);
	assert_int_equal(p.result, AGENT_PARSE_OK);
	assert_int_equal(p.opts.sampling.frequency, 49);
	assert_true(p.opts.interval_s == 2.0);
	assert_string_equal(p.opts.store_dir, "/tmp/s");
	assert_true(p.opts.store_max_size == 65536);
	assert_true(p.opts.store_max_age_ns == 12 * 3600 * NSEC_PER_SEC);
	assert_string_equal(p.opts.upload_url, "https://p.example:4040");
	assert_string_equal(p.opts.app_name, "web.api");
	assert_int_equal(p.opts.nlabels, 2);
	assert_string_equal(p.opts.labels[1], "dc=eu-1");
	assert_string_equal(p.opts.tenant, "team");
	assert_string_equal(p.opts.bearer_token_file, "/etc/token");
	assert_int_equal(p.opts.nheaders, 1);
	assert_string_equal(p.opts.ca_file, "/etc/ca.pem");
	assert_int_equal(p.opts.sampling.npids, 1);
	assert_true(p.opts.sampling.user_only);
	assert_int_equal(p.opts.verbose, 1);
	agent_opts__release(&p.opts);
}

static void test_no_store(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, ARGV("--no-store", "--upload", "http://127.0.0.1:4040"));
	assert_int_equal(p.result, AGENT_PARSE_OK);
	assert_null(p.opts.store_dir);
	agent_opts__release(&p.opts);
}

/* Each bad command line is refused with a reason that names the culprit. */
static void test_errors(void **state)
{
	static struct {
		char *argv[6];
		const char *says;
	} cases[] = {
		{ { "agent", "--interval", "0.5" }, "--interval" },
		{ { "agent", "--interval", "7200" }, "--interval" },
		{ { "agent", "--store-max-age", "a week" }, "a week" },
		{ { "agent", "--store-max-size", "lots" }, "--store-max-size" },
		{ { "agent", "--upload", "ftp://x" }, "http" },
		{ { "agent", "--app-name", "my app" }, "--app-name" },
		{ { "agent", "--label", "env" }, "env" },
		{ { "agent", "--label", "a,b=c" }, "a,b" },
		{ { "agent", "--header", "NoColon" }, "--header" },
		{ { "agent", "--tenant", "t" }, "--upload" },
		{ { "agent", "--upload", "http://x", "--bearer-token-file", "a" }, NULL },
		{ { "agent", "--user-only", "--kernel-only" }, "exclude" },
		{ { "agent", "-F", "0" }, "frequency" },
		{ { "agent", "--bogus" }, "--bogus" },
		{ { "agent", "stray" }, "stray" },
		{ { "agent", "--store" }, "needs a value" },
	};
	struct parsed p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int argc = 0;

		while (cases[i].argv[argc])
			argc++;
		p.result = agent_opts__parse(&p.opts, argc, cases[i].argv, p.err, sizeof(p.err));
		if (!cases[i].says) {
			/* The control case: valid. */
			assert_int_equal(p.result, AGENT_PARSE_OK);
		} else {
			if (p.result != AGENT_PARSE_ERROR || !strstr(p.err, cases[i].says))
				fail_msg("case %zu: result %d, '%s' lacks '%s'", i, p.result, p.err,
					 cases[i].says);
		}
		agent_opts__release(&p.opts);
	}
}

static void test_both_auth_files(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, ARGV("--upload", "http://x", "--bearer-token-file", "a", "--basic-auth-file",
		       "b"));
	assert_int_equal(p.result, AGENT_PARSE_ERROR);
	assert_non_null(strstr(p.err, "not both"));
	agent_opts__release(&p.opts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_command_line),
		cmocka_unit_test(test_no_store),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_both_auth_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
