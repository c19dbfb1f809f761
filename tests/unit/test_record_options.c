// SPDX-License-Identifier: GPL-2.0-only
/* Argument parsing of `bpfprof record` and the value parsers behind it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"
#include "record_options.h"

#define ARGV(...) ((char *[]){ "record", __VA_ARGS__, NULL })

struct parsed {
	struct record_opts opts;
	enum options_result result;
	char err[256];
};

/* Parses a NULL-terminated argv, as main() would hand it over. */
static void parse(struct parsed *p, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	p->result = record_opts__parse(&p->opts, argc, argv, p->err, sizeof(p->err));
}

static void test_defaults(void **state)
{
	char *argv[] = { "record", NULL };
	struct parsed p;

	(void)state;
	parse(&p, argv);
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_true(p.opts.duration_s == 10.0);
	assert_false(p.opts.duration_set);
	assert_int_equal(p.opts.sampling.frequency, 99);
	assert_int_equal(p.opts.sampling.npids, 0);
	assert_null(p.opts.sampling.cpus);
	assert_int_equal(p.opts.noutputs, 1);
	assert_string_equal(p.opts.outputs[0].path, "profile.svg");
	assert_int_equal(p.opts.outputs[0].format, OUTPUT_FORMAT_SVG);
	assert_null(p.opts.command);
	assert_false(p.opts.sampling.java_perfmap); /* attaching to JVMs is asked for */
	record_opts__release(&p.opts);
}

static void test_full_command_line(void **state)
{
	char **argv = ARGV("-d", "2.5", "-F", "199", "-p", "12,7,12", "-C", "0,2-3", "--cgroup",
			   "/sys/fs/cgroup/x", "-o", "a.folded", "-o", "-", "--include-idle",
			   "--user-only", "-q", "-v", "-v", "--stack-map-size", "64k",
			   "--java-perfmap");
	struct parsed p;

	(void)state;
	parse(&p, argv);
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_true(p.opts.duration_s == 2.5);
	assert_true(p.opts.duration_set);
	assert_int_equal(p.opts.sampling.frequency, 199);
	assert_int_equal(p.opts.sampling.npids, 2); /* duplicates dropped */
	assert_int_equal(p.opts.sampling.pids[0], 12);
	assert_int_equal(p.opts.sampling.pids[1], 7);
	assert_int_equal(p.opts.sampling.ncpus, 3);
	assert_int_equal(p.opts.sampling.cpus[2], 3);
	assert_string_equal(p.opts.sampling.cgroup, "/sys/fs/cgroup/x");
	assert_int_equal(p.opts.noutputs, 2);
	assert_string_equal(p.opts.outputs[1].path, "-");
	assert_true(p.opts.sampling.include_idle && p.opts.sampling.user_only && p.opts.quiet);
	assert_int_equal(p.opts.verbose, 2);
	assert_int_equal(p.opts.sampling.stack_map_size, 65536);
	assert_true(p.opts.sampling.java_perfmap);
	record_opts__release(&p.opts);
}

static void test_command_keeps_its_options(void **state)
{
	char **argv = ARGV("-F", "49", "--", "ls", "-l", "-d", "/");
	char **bare = ARGV("sleep", "-x");
	struct parsed p;

	(void)state;
	parse(&p, argv);
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_int_equal(p.opts.sampling.frequency, 49);
	assert_non_null(p.opts.command);
	assert_string_equal(p.opts.command[0], "ls");
	assert_string_equal(p.opts.command[2], "-d");
	assert_false(p.opts.duration_set);
	record_opts__release(&p.opts);

	parse(&p, bare);
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_string_equal(p.opts.command[0], "sleep");
	assert_string_equal(p.opts.command[1], "-x");
	record_opts__release(&p.opts);
}

/* Roots of debug files: one list, repeated options joined in their order. */
static void test_debuginfo_path(void **state)
{
	char **one = ARGV("--debuginfo-path", "/a:/b");
	char **two = ARGV("--debuginfo-path", "/a", "--debuginfo-path=/b:/c", "-d", "1");
	char **empty = ARGV("--debuginfo-path", "");
	char **colons = ARGV("--debuginfo-path", "::");
	char **missing = ARGV("--debuginfo-path");
	struct parsed p;

	(void)state;
	parse(&p, ARGV("-d", "1"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_null(p.opts.sampling.debuginfo_path);
	record_opts__release(&p.opts);

	parse(&p, one);
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_string_equal(p.opts.sampling.debuginfo_path, "/a:/b");
	record_opts__release(&p.opts);
	assert_null(p.opts.sampling.debuginfo_path);

	parse(&p, two);
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_string_equal(p.opts.sampling.debuginfo_path, "/a:/b:/c");
	assert_true(p.opts.duration_s == 1.0);
	record_opts__release(&p.opts);

	parse(&p, empty);
	assert_int_equal(p.result, OPTIONS_ERROR);
	assert_non_null(strstr(p.err, "--debuginfo-path needs a folder"));
	record_opts__release(&p.opts);
	parse(&p, colons);
	assert_int_equal(p.result, OPTIONS_ERROR);
	record_opts__release(&p.opts);
	parse(&p, missing);
	assert_int_equal(p.result, OPTIONS_ERROR);
	assert_non_null(strstr(p.err, "needs a value"));
	record_opts__release(&p.opts);
}

static void expect_error(char **argv, const char *reason)
{
	struct parsed p;

	parse(&p, argv);
	assert_int_equal(p.result, OPTIONS_ERROR);
	if (!strstr(p.err, reason))
		fail_msg("error '%s' does not mention '%s'", p.err, reason);
	record_opts__release(&p.opts);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error(ARGV("-F", "0"), "frequency (-F) must be a whole number from 1 to 100000");
	expect_error(ARGV("-F", "fast"), "not 'fast'");
	expect_error(ARGV("-F", "100001"), "frequency");
	expect_error(ARGV("-F", "-5"), "frequency");
	expect_error(ARGV("-d", "-3"), "duration (-d) must be a positive number of seconds");
	expect_error(ARGV("-d", "0"), "duration");
	expect_error(ARGV("-d", "nan"), "duration");
	expect_error(ARGV("-d", "1e9"), "duration");
	expect_error(ARGV("-p", "1,x"), "pid (-p)");
	expect_error(ARGV("-p", ""), "pid (-p)");
	expect_error(ARGV("-C", "2-1"), "cpu (-C)");
	expect_error(ARGV("-C", "0,"), "cpu (-C)");
	expect_error(ARGV("--bogus"), "unknown option '--bogus'");
	expect_error(ARGV("-o"), "needs a value");
	expect_error(ARGV("-o", "x.dat"), "cannot tell the format of 'x.dat'");
	expect_error(ARGV("-f", "json"), "format (-f)");
	expect_error(ARGV("--width", "20"), "--width must be a whole number from 100");
	expect_error(ARGV("--min-width", "-1"), "--min-width must be a number of pixels");
	expect_error(ARGV("--colors", "plaid"), "--colors must be kind, hot");
	expect_error(ARGV("--user-only", "--kernel-only"), "exclude each other");
	expect_error(ARGV("--java-perfmap", "--kernel-only"), "not with --kernel-only");
	expect_error(ARGV("-p", "1", "--", "ls"), "either -p or a command");
	expect_error(ARGV("--stack-map-size", "10"), "--stack-map-size must be a size");
}

static void test_outputs_and_flame_graph_options(void **state)
{
	char **argv = ARGV("-o", "a.svg", "-o", "b.pb.gz", "-o", "c.txt", "--title", "T",
			   "--subtitle", "S", "--width", "800", "--min-width", "0.5", "--inverted",
			   "--reverse", "--colors", "blue");
	struct parsed p;

	(void)state;
	parse(&p, argv);
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_int_equal(p.opts.noutputs, 3);
	assert_int_equal(p.opts.outputs[0].format, OUTPUT_FORMAT_SVG);
	assert_int_equal(p.opts.outputs[1].format, OUTPUT_FORMAT_PPROF);
	assert_int_equal(p.opts.outputs[2].format, OUTPUT_FORMAT_FOLDED);
	assert_string_equal(p.opts.svg.title, "T");
	assert_string_equal(p.opts.svg.subtitle, "S");
	assert_int_equal(p.opts.svg.width, 800);
	assert_true(p.opts.svg.min_width == 0.5);
	assert_true(p.opts.svg.inverted && p.opts.svg.reverse);
	assert_int_equal(p.opts.svg.colors, FLAMEGRAPH_COLORS_BLUE);
	record_opts__release(&p.opts);
}

static void test_unwind_options(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, ARGV("-d", "1"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_false(p.opts.sampling.frame_pointers_only);
	assert_int_equal(p.opts.sampling.unwind_table_bytes, 32u << 20);
	assert_string_equal(p.opts.sampling.unwind_cache, "/var/cache/bpfprof/unwind");
	assert_null(p.opts.capture_path);
	record_opts__release(&p.opts);

	parse(&p, ARGV("--unwind", "fp", "--unwind-table-size", "8M", "--unwind-cache", "none",
		       "--debug-capture", "cap.bin"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_true(p.opts.sampling.frame_pointers_only);
	assert_int_equal(p.opts.sampling.unwind_table_bytes, 8u << 20);
	assert_null(p.opts.sampling.unwind_cache);
	assert_string_equal(p.opts.capture_path, "cap.bin");
	record_opts__release(&p.opts);

	expect_error(ARGV("--unwind", "lbr"), "--unwind takes dwarf or fp, not 'lbr'");
	expect_error(ARGV("--unwind-table-size", "1K"), "--unwind-table-size");
	expect_error(ARGV("--unwind-table-size", "1G"), "--unwind-table-size");
}

static void test_format_option_applies_to_unknown_extensions(void **state)
{
	char **argv = ARGV("-f", "folded", "-o", "out.dat");
	struct parsed p;

	(void)state;
	parse(&p, argv);
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_int_equal(p.opts.outputs[0].format, OUTPUT_FORMAT_FOLDED);
	record_opts__release(&p.opts);
}

static void test_output_format_from_path(void **state)
{
	(void)state;
	assert_int_equal(output_format__from_path("a.folded"), OUTPUT_FORMAT_FOLDED);
	assert_int_equal(output_format__from_path("a.txt"), OUTPUT_FORMAT_FOLDED);
	assert_int_equal(output_format__from_path("-"), OUTPUT_FORMAT_FOLDED);
	assert_int_equal(output_format__from_path("dir/a.svg"), OUTPUT_FORMAT_SVG);
	assert_int_equal(output_format__from_path("a.pb.gz"), OUTPUT_FORMAT_PPROF);
	assert_int_equal(output_format__from_path("a.pprof"), OUTPUT_FORMAT_PPROF);
	assert_int_equal(output_format__from_path(".svg"), OUTPUT_FORMAT_NONE);
	assert_int_equal(output_format__from_name("pprof"), OUTPUT_FORMAT_PPROF);
	assert_int_equal(output_format__from_name("json"), OUTPUT_FORMAT_NONE);
	assert_int_equal(output_format__from_path("a.gz"), OUTPUT_FORMAT_NONE);
}

static void test_value_parsers(void **state)
{
	uint32_t *list = NULL;
	size_t count = 0;
	uint64_t v;
	double d;
	char err[128];

	(void)state;
	assert_int_equal(options__parse_uint("42", "x", 1, 100, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 42);
	assert_int_equal(options__parse_uint("42 ", "x", 1, 100, &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(options__parse_uint("18446744073709551616", "x", 1, UINT64_MAX, &v, err,
					     sizeof(err)),
			 -EINVAL);
	assert_int_equal(options__parse_seconds(".5", "d", &d, err, sizeof(err)), 0);
	assert_true(d == 0.5);
	assert_int_equal(options__parse_seconds("inf", "d", &d, err, sizeof(err)), -EINVAL);
	assert_int_equal(
		options__parse_number_list("5,1-3,2", "l", 10, &list, &count, err, sizeof(err)), 0);
	assert_int_equal(count, 4);
	assert_int_equal(list[0], 5);
	assert_int_equal(list[3], 3);
	assert_int_equal(options__parse_number_list("10", "l", 10, &list, &count, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(options__parse_number_list("1--2", "l", 10, &list, &count, err,
						    sizeof(err)),
			 -EINVAL);
	free(list);
	assert_int_equal(options__parse_size("4k", "s", 1, 1 << 20, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(options__parse_size("2m", "s", 1, 1 << 20, &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(options__parse_size("4kb", "s", 1, 1 << 20, &v, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(options__parse_size("1g", "s", 1, UINT64_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 1ull << 30);
}

static void test_off_cpu_options(void **state)
{
	struct parsed p;

	(void)state;
	/* Off by default; 1 ms and every switch when asked for. */
	parse(&p, ARGV("-o", "cpu.svg"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_false(p.opts.sampling.off_cpu);
	assert_int_equal(p.opts.sampling.off_cpu_min_ns, 1000000);
	assert_true(p.opts.sampling.off_cpu_probability == 1);
	record_opts__release(&p.opts);

	/* An off-CPU or wall output asks for it; each output says its view. */
	parse(&p, ARGV("-o", "cpu.svg", "--off-cpu-output", "off.pb.gz", "--wall-output",
		       "wall.folded", "--off-cpu-min", "500us", "--off-cpu-probability", "0.25"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_true(p.opts.sampling.off_cpu);
	assert_int_equal(p.opts.noutputs, 3);
	assert_int_equal(p.opts.outputs[0].view, RECORD_VIEW_CPU);
	assert_int_equal(p.opts.outputs[1].view, RECORD_VIEW_OFF_CPU);
	assert_int_equal(p.opts.outputs[1].format, OUTPUT_FORMAT_PPROF);
	assert_int_equal(p.opts.outputs[2].view, RECORD_VIEW_WALL);
	assert_int_equal(p.opts.outputs[2].format, OUTPUT_FORMAT_FOLDED);
	assert_int_equal(p.opts.sampling.off_cpu_min_ns, 500000);
	assert_true(p.opts.sampling.off_cpu_probability == 0.25);
	record_opts__release(&p.opts);

	parse(&p, ARGV("--off-cpu-probability", "auto", "--off-cpu-output", "o.folded"));
	assert_int_equal(p.result, OPTIONS_RUN);
	assert_true(p.opts.sampling.off_cpu_probability == SAMPLING_OFF_CPU_AUTO);
	record_opts__release(&p.opts);

	parse(&p, ARGV("--off-cpu-min", "2ms", "--off-cpu-output", "o.folded"));
	assert_int_equal(p.opts.sampling.off_cpu_min_ns, 2000000);
	record_opts__release(&p.opts);
	parse(&p, ARGV("--off-cpu-min", "1s", "--off-cpu-output", "o.folded"));
	assert_int_equal(p.opts.sampling.off_cpu_min_ns, 1000000000);
	record_opts__release(&p.opts);

	/* --off-cpu alone has nowhere to write. */
	parse(&p, ARGV("--off-cpu", "-o", "cpu.svg"));
	assert_int_equal(p.result, OPTIONS_ERROR);
	assert_non_null(strstr(p.err, "--off-cpu-output"));
	record_opts__release(&p.opts);

	const char *bad[][2] = { { "--off-cpu-probability", "0" },
				 { "--off-cpu-probability", "1.5" },
				 { "--off-cpu-probability", "0.00001" },
				 { "--off-cpu-probability", "x" },
				 { "--off-cpu-min", "5x" },
				 { "--off-cpu-min", "-1ms" },
				 { "--off-cpu-min", "2h" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(&p, ARGV((char *)bad[i][0], (char *)bad[i][1], "--off-cpu-output", "o.svg"));
		assert_int_equal(p.result, OPTIONS_ERROR);
		assert_non_null(strstr(p.err, bad[i][0]) ?: strstr(p.err, bad[i][1]));
		record_opts__release(&p.opts);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_command_line),
		cmocka_unit_test(test_command_keeps_its_options),
		cmocka_unit_test(test_debuginfo_path),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_outputs_and_flame_graph_options),
		cmocka_unit_test(test_unwind_options),
		cmocka_unit_test(test_format_option_applies_to_unknown_extensions),
		cmocka_unit_test(test_output_format_from_path),
		cmocka_unit_test(test_value_parsers),
		cmocka_unit_test(test_off_cpu_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
