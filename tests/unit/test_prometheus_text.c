// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Prometheus text format writer: escaping of label values and HELP text as
 * prometheus/common expfmt/text_create.go does it, UTF-8 made valid, names checked, numbers
 * as Go's writeFloat prints them, and a whole family as promtool reads it.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prometheus_text.h"

/* A stream into memory; text_of() closes it and returns what was written. */
struct text {
	char *buf;
	size_t len;
	FILE *f;
};

static void text_open(struct text *t)
{
	t->buf = NULL;
	t->f = open_memstream(&t->buf, &t->len);
	assert_non_null(t->f);
}

static char *text_of(struct text *t)
{
	assert_int_equal(fclose(t->f), 0);
	return t->buf;
}

static void assert_label_value(const char *value, const char *want)
{
	struct text t;
	char *got;

	text_open(&t);
	prom_text__write_label_value(t.f, value);
	got = text_of(&t);
	assert_string_equal(got, want);
	free(got);
}

static void test_label_value_escaping(void **state)
{
	(void)state;
	assert_label_value("plain", "plain");
	assert_label_value("back\\slash", "back\\\\slash");
	assert_label_value("a \"quoted\" name", "a \\\"quoted\\\" name");
	assert_label_value("two\nlines", "two\\nlines");
	/* Tabs and carriage returns stay as they are: the format escapes only those three. */
	assert_label_value("tab\tcr\r", "tab\tcr\r");
	/* A hostile process name: everything at once, with an escape already "escaped". */
	assert_label_value("x\\\"}\n{y=\"", "x\\\\\\\"}\\n{y=\\\"");
	assert_label_value("", "");
}

static void test_label_value_utf8(void **state)
{
	(void)state;
	/* Valid UTF-8 is kept whole, two to four bytes. */
	assert_label_value("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5",
			   "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5");
	/* Stray bytes, a cut sequence and an overlong '/' each become U+FFFD. */
	assert_label_value("a\xff"
			   "b",
			   "a\xef\xbf\xbd"
			   "b");
	assert_label_value("cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd");
	assert_label_value("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	/* An escape after a bad byte is still escaped. */
	assert_label_value("\x80\"", "\xef\xbf\xbd\\\"");
}

static void test_names(void **state)
{
	(void)state;
	assert_true(prom_text__valid_metric_name("bpfprof_samples_total"));
	assert_true(prom_text__valid_metric_name("job:rate5m"));
	assert_true(prom_text__valid_metric_name("_x9"));
	assert_false(prom_text__valid_metric_name(""));
	assert_false(prom_text__valid_metric_name("9lives"));
	assert_false(prom_text__valid_metric_name("has-dash"));
	assert_false(prom_text__valid_metric_name("has space"));
	assert_true(prom_text__valid_label_name("cause"));
	assert_false(prom_text__valid_label_name("__name__"));
	assert_false(prom_text__valid_label_name("a:b"));
	assert_false(prom_text__valid_label_name("1a"));
	assert_false(prom_text__valid_label_name(""));
}

static void test_bad_names_write_nothing(void **state)
{
	struct prom_label bad = { "bad-label", "v" };
	struct text t;
	char *got;

	(void)state;
	text_open(&t);
	assert_int_equal(prom_text__family(t.f, "bad name", PROM_GAUGE, "h"), -EINVAL);
	assert_int_equal(prom_text__sample(t.f, "1x", NULL, 0, 1), -EINVAL);
	assert_int_equal(prom_text__sample_u64(t.f, "ok", &bad, 1, 1), -EINVAL);
	got = text_of(&t);
	assert_string_equal(got, "");
	free(got);
}

static void assert_float(double value, const char *want)
{
	struct text t;
	char *got, line[64];

	text_open(&t);
	assert_int_equal(prom_text__sample(t.f, "m", NULL, 0, value), 0);
	got = text_of(&t);
	snprintf(line, sizeof(line), "m %s\n", want);
	assert_string_equal(got, line);
	free(got);
}

/* What Go's strconv.FormatFloat(v, 'g', -1, 64) prints, as expfmt's writeFloat. */
static void test_numbers(void **state)
{
	struct text t;
	char *got;

	(void)state;
	assert_float(0, "0");
	assert_float(1, "1");
	assert_float(-1, "-1");
	assert_float(0.5, "0.5");
	assert_float(0.1, "0.1");
	assert_float(1.0 / 3, "0.3333333333333333");
	assert_float(123456, "123456");
	assert_float(100000, "100000");
	assert_float(1234567, "1.234567e+06");
	assert_float(0.0001234, "0.0001234");
	assert_float(0.00001234, "1.234e-05");
	assert_float(-2.5, "-2.5");
	assert_float(1e6, "1e+06");
	assert_float(1.5e-7, "1.5e-07");
	assert_float(1746000000.25, "1.74600000025e+09");
	assert_float(NAN, "NaN");
	assert_float(INFINITY, "+Inf");
	assert_float(-INFINITY, "-Inf");
	/* Integers exactly, past what a double holds. */
	text_open(&t);
	prom_text__sample_u64(t.f, "c_total", NULL, 0, UINT64_MAX);
	prom_text__sample_u64(t.f, "c_total", NULL, 0, (1ull << 53) + 1);
	got = text_of(&t);
	assert_string_equal(got, "c_total 18446744073709551615\nc_total 9007199254740993\n");
	free(got);
}

/* A family with HELP escaping and labelled samples, line by line as the format wants. */
static void test_family(void **state)
{
	struct prom_label cause[] = { { "cause", "counts_map_full" } };
	struct prom_label two[] = { { "comm", "evil\"} 1\n# x" }, { "pid", "42" } };
	struct text t;
	char *got;

	(void)state;
	text_open(&t);
	assert_int_equal(prom_text__family(t.f, "bpfprof_samples_lost_total", PROM_COUNTER,
					   "Samples lost, by cause.\nA back\\slash."),
			 0);
	assert_int_equal(prom_text__sample_u64(t.f, "bpfprof_samples_lost_total", cause, 1, 7), 0);
	assert_int_equal(prom_text__sample_u64(t.f, "bpfprof_samples_lost_total", two, 2, 0), 0);
	assert_int_equal(
		prom_text__family(t.f, "bpfprof_processes", PROM_GAUGE, "\"Quotes\" stay."), 0);
	assert_int_equal(prom_text__sample(t.f, "bpfprof_processes", NULL, 0, 12), 0);
	got = text_of(&t);
	assert_string_equal(got,
			    "# HELP bpfprof_samples_lost_total Samples lost, by cause.\\nA "
			    "back\\\\slash.\n"
			    "# TYPE bpfprof_samples_lost_total counter\n"
			    "bpfprof_samples_lost_total{cause=\"counts_map_full\"} 7\n"
			    "bpfprof_samples_lost_total{comm=\"evil\\\"} 1\\n# x\",pid=\"42\"} 0\n"
			    "# HELP bpfprof_processes \"Quotes\" stay.\n"
			    "# TYPE bpfprof_processes gauge\n"
			    "bpfprof_processes 12\n");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_value_escaping),
		cmocka_unit_test(test_label_value_utf8),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bad_names_write_nothing),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
