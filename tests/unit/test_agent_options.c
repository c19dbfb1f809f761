// SPDX-License-Identifier: GPL-2.0-only
/* Argument parsing of `bpfprof agent`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent_options.h"
#include "pprof_series.h"

#define ARGV(...) ((char *[]){ "agent", __VA_ARGS__, NULL })
#define NSEC_PER_SEC 1000000000ull

struct parsed {
	struct agent_opts opts;
	enum options_result result;
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
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_int_equal(p.opts.sampling.frequency, 19);
	assert_true(p.opts.interval_s == 10.0);
	assert_string_equal(p.opts.store_dir, "/var/lib/bpfprof");
	assert_true(p.opts.store_max_size == 1ull << 30);
	assert_true(p.opts.store_max_age_ns == 7 * 24 * 3600 * NSEC_PER_SEC);
	assert_null(p.opts.upload_url);
	assert_string_equal(p.opts.app_name, "bpfprof");
	assert_int_equal(p.opts.series_labels, PPROF_SERIES_COMM);
	/* Off-CPU time is asked for; when it is, its cost follows the switch rate. */
	assert_false(p.opts.sampling.off_cpu);
	assert_true(p.opts.sampling.off_cpu_probability == SAMPLING_OFF_CPU_AUTO);
	agent_opts__release(&p.opts);
}

/* --series-labels: a list of our sample labels, none, or a one-line usage error. */
static void test_series_labels(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, ARGV("--series-labels", "pid,thread"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_int_equal(p.opts.series_labels, PPROF_SERIES_PID | PPROF_SERIES_THREAD);
	agent_opts__release(&p.opts);
	parse(&p, ARGV("--series-labels", "none"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_int_equal(p.opts.series_labels, 0);
	agent_opts__release(&p.opts);
	parse(&p, ARGV("--series-labels", "comm,hostname"));
	assert_int_equal(p.result, OPTIONS_ERROR);
	assert_string_equal(p.err, "--series-labels: 'hostname' is not one of pid, tid, comm, "
				   "thread (or none)");
	agent_opts__release(&p.opts);
}

static void test_full_command_line(void **state)
{
	char **argv = ARGV("-F", "49", "--interval", "2", "--store", "/tmp/s", "--store-max-size",
			   "64k", "--store-max-age", "12h", "--upload", "https://p.example:4040",
			   "--app-name", "web.api", "--label", "env=test", "--label", "dc=eu-1",
			   "--tenant", "team", "--bearer-token-file", "/etc/token", "--header",
			   "X-Extra: 1", "--ca-file", "/etc/ca.pem", "-p", "1", "--user-only",
			   "-v");
	struct parsed p;

	(void)state;
	parse(&p, argv);
	assert_int_equal(p.result, OPTIONS_RUN);
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
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_null(p.opts.store_dir);
	agent_opts__release(&p.opts);
}

/* Each bad command line is refused with a reason that names the culprit. */
static void test_errors(void **state)
{
	static struct {
		char *argv[8];
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
		/* Store limits: nonsense refused, 0 (no limit) only where the other one holds. */
		{ { "agent", "--store-max-size", "1" }, "--store-max-size must be at least 32k" },
		{ { "agent", "--store-max-size", "31k" }, "or 0 for no size limit, not '31k'" },
		{ { "agent", "--store-max-size", "32k" }, NULL },
		{ { "agent", "--store-max-size", "0" }, NULL },
		{ { "agent", "--store-max-age", "0" }, NULL },
		{ { "agent", "--store-max-size", "0", "--store-max-age", "0" }, "without a limit" },
		{ { "agent", "--store-max-age", "5s" }, "at least the interval (10 s)" },
		{ { "agent", "--store-max-age", "5s", "--interval", "5" }, NULL },
		{ { "agent", "--no-store", "--store-max-size", "0", "--store-max-age", "0" },
		  NULL },
		/* Labels as Pyroscope takes them. */
		{ { "agent", "--label", "hostname=" }, "label 'hostname' has an empty value" },
		{ { "agent", "--label", "0abc=x" }, "may not start with a digit" },
		{ { "agent", "--label", "__meta=x" }, "'__meta' is reserved" },
		{ { "agent", "--label", "service.name=x" }, "'service.name' is reserved" },
		{ { "agent", "--label", "pyroscope_spy=x" }, "reserved: the server sets it" },
		{ { "agent", "--label", "comm=x" }, "'comm' is reserved" },
		{ { "agent", "--label", "thread=x" }, "'thread' is reserved" },
		{ { "agent", "--label", "k= x" }, "may not start or end with a space" },
		{ { "agent", "--label", "k=\xff" }, "is not UTF-8" },
		{ { "agent", "--label", "k=a\nb" }, "control characters" },
		{ { "agent", "--label", "hostname=web-1", "--label", "k.v=\xc3\xa9" }, NULL },
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
			assert_int_equal(p.result, OPTIONS_RUN);
		} else {
			if (p.result != OPTIONS_ERROR || !strstr(p.err, cases[i].says))
				fail_msg("case %zu: result %d, '%s' lacks '%s'", i, p.result, p.err,
					 cases[i].says);
		}
		agent_opts__release(&p.opts);
	}
}

/* No more labels than a Pyroscope series holds beside its own 9 at most. */
static void test_too_many_labels(void **state)
{
	char *argv[2 + 2 * (AGENT_MAX_LABELS + 1)] = { "agent" };
	char labels[AGENT_MAX_LABELS + 1][16];
	struct parsed p;
	int i;

	(void)state;
	assert_int_equal(AGENT_MAX_LABELS, 30 - 9);
	for (i = 0; i <= AGENT_MAX_LABELS; i++) {
		snprintf(labels[i], sizeof(labels[i]), "k%d=v", i);
		argv[1 + 2 * i] = "--label";
		argv[2 + 2 * i] = labels[i];
	}
	argv[1 + 2 * i] = NULL;
	parse(&p, argv);
	assert_int_equal(p.result, OPTIONS_ERROR);
	assert_non_null(strstr(p.err, "at most 21 labels"));
	agent_opts__release(&p.opts);
	argv[1 + 2 * AGENT_MAX_LABELS] = NULL;
	parse(&p, argv);
	assert_int_equal(p.result, OPTIONS_RUN);
	agent_opts__release(&p.opts);
}

static void test_both_auth_files(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p,
	      ARGV("--upload", "http://x", "--bearer-token-file", "a", "--basic-auth-file", "b"));
	assert_int_equal(p.result, OPTIONS_ERROR);
	assert_non_null(strstr(p.err, "not both"));
	agent_opts__release(&p.opts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),	cmocka_unit_test(test_full_command_line),
		cmocka_unit_test(test_no_store),	cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_many_labels), cmocka_unit_test(test_series_labels),
		cmocka_unit_test(test_both_auth_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
