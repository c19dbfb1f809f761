// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SVG flame graph writer against golden files: a small profile, a differential graph,
 * names that need escaping or are not UTF-8, the options, an icicle graph and an empty
 * profile; besides, the colour of each frame kind, a repeatable document and write errors.
 * The embedded script is the same in every graph: flamegraph_basic.svg holds it, the other
 * golden files hold a marker in its place, put there once the script is checked byte for byte.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "golden.h"

#include "flamegraph.h"
#include "folded_reader.h"
#include "profile.h"
#include "utf8.h"

#define SCRIPT_START "<script type=\"text/ecmascript\"><![CDATA[\n"
#define SCRIPT_END "]]></script>\n"
#define SCRIPT_MARKER "/* output/formats/flamegraph.js, checked by test_flamegraph.c */\n"

extern const char flamegraph_js[];

/* A profile of @folded ("comm;root;...;leaf COUNT" lines), owned by the caller. */
static struct profile *profile_of(const char *folded)
{
	struct profile *prof = profile__new();
	struct folded_read_stats stats;

	assert_non_null(prof);
	assert_int_equal(folded__read(folded, strlen(folded), prof, &stats), 0);
	assert_int_equal(stats.malformed, 0);
	return prof;
}

/* The writer's output as a NUL-terminated string, owned by the caller. */
static char *write_svg(const struct profile *prof, const struct flamegraph_opts *opts)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(flamegraph__write(prof, opts, out), 0);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

/*
 * Checks that the script element of @svg holds its settings line and then flamegraph.js to
 * the byte, and puts SCRIPT_MARKER in place of the script (in place: the marker is shorter).
 */
static void replace_script(char *svg)
{
	size_t js_len = strlen(flamegraph_js), marker_len = strlen(SCRIPT_MARKER);
	char *start = strstr(svg, SCRIPT_START), *js;

	assert_non_null(start);
	js = strchr(start + strlen(SCRIPT_START), '\n');
	assert_non_null(js);
	js++;
	assert_true(js_len > marker_len);
	assert_memory_equal(js, flamegraph_js, js_len);
	assert_memory_equal(js + js_len, SCRIPT_END, strlen(SCRIPT_END));
	memcpy(js, SCRIPT_MARKER, marker_len);
	memmove(js + marker_len, js + js_len, strlen(js + js_len) + 1);
}

/*
 * Writes @prof with @opts and compares it with the golden file @name, the script replaced
 * unless @whole. The graph is written twice first: a document that differs from one write
 * to the next (a time, a random id) fails here, before any golden file can hide it.
 * Returns the document, script included, owned by the caller.
 */
static char *check_golden(const char *name, const struct profile *prof,
			  const struct flamegraph_opts *opts, bool whole)
{
	char *svg = write_svg(prof, opts), *again = write_svg(prof, opts);

	assert_string_equal(svg, again);
	if (!whole)
		replace_script(again);
	golden__check(name, again);
	free(again);
	return svg;
}

/* The fill of the first frame whose title starts with @title ("NAME ("). */
static void fill_of(const char *svg, const char *title, int rgb[3])
{
	char key[512];
	const char *g, *fill;

	snprintf(key, sizeof(key), "<g><title>%s", title);
	g = strstr(svg, key);
	if (!g)
		fail_msg("no frame titled \"%s...\"", title);
	fill = strstr(g, "fill=\"rgb(");
	assert_non_null(fill);
	assert_int_equal(sscanf(fill, "fill=\"rgb(%d,%d,%d)", &rgb[0], &rgb[1], &rgb[2]), 3);
}

static bool within(int v, int lo, int hi)
{
	return v >= lo && v <= hi;
}

/*
 * One process of each kind of frame: user, inline, kernel, JIT, and one name as both a user
 * and a JIT frame (two boxes, side by side).
 */
static const char basic_folded[] = "app;main;compute;hash_step_[i] 40\n"
				   "app;main;compute 10\n"
				   "app;main;read_input;__x64_sys_read_[k];vfs_read_[k] 20\n"
				   "app;main;read_input;read 5\n"
				   "java;main;Interpreter_[j] 10\n"
				   "java;main;Interpreter 5\n"
				   "swapper/0;secondary_startup_64_[k];cpu_idle_[k] 10\n";

static void test_basic(void **state)
{
	struct profile *prof = profile_of(basic_folded);
	struct flamegraph_opts opts;
	char *svg;

	(void)state;
	flamegraph_opts__init(&opts);
	svg = check_golden("flamegraph_basic.svg", prof, &opts, true);
	/* The golden file is checked too, so that a wrong one cannot pass. */
	assert_non_null(strstr(svg, "<text id=\"title\" x=\"600\" y=\"24\">Flame Graph</text>"));
	assert_non_null(strstr(svg, "<g><title>all (100 samples, 100.00%)</title>"));
	assert_non_null(strstr(svg, "<g><title>compute (50 samples, 50.00%)</title>"));
	assert_non_null(strstr(svg, "<g><title>Interpreter (10 samples, 10.00%)</title>"));
	assert_non_null(strstr(svg, "<g><title>Interpreter (5 samples, 5.00%)</title>"));
	free(svg);
	profile__free(prof);
}

/* Each kind has its palette: user red, kernel orange, JIT green, inline aqua, process yellow. */
static void test_kind_colors(void **state)
{
	struct profile *prof = profile_of(basic_folded);
	struct flamegraph_opts opts;
	int rgb[3];
	char *svg;

	(void)state;
	flamegraph_opts__init(&opts);
	svg = write_svg(prof, &opts);
	fill_of(svg, "all (", rgb);
	assert_true(rgb[0] == 250 && rgb[1] == 250 && rgb[2] == 220);
	fill_of(svg, "compute (", rgb);
	assert_true(within(rgb[0], 200, 255) && within(rgb[1], 50, 130) && rgb[2] == rgb[1]);
	fill_of(svg, "vfs_read (", rgb);
	assert_true(within(rgb[0], 190, 255) && within(rgb[1], 90, 155) && rgb[2] == 0);
	fill_of(svg, "Interpreter (10 ", rgb);
	assert_true(within(rgb[0], 50, 110) && within(rgb[1], 200, 255) && rgb[2] == rgb[0]);
	fill_of(svg, "hash_step (", rgb);
	assert_true(within(rgb[0], 50, 110) && within(rgb[1], 165, 220) && rgb[2] == rgb[1]);
	fill_of(svg, "app (", rgb);
	assert_true(within(rgb[0], 175, 230) && rgb[1] == rgb[0] && within(rgb[2], 50, 70));
	free(svg);
	profile__free(prof);
}

/*
 * The new profile has twice the base's samples: normalised, "same" keeps its share (white),
 * "grow" and "added" grew (red), "shrink" shrank (blue), and "gone", only in the base, has
 * no box.
 */
static void test_diff(void **state)
{
	struct profile *base = profile_of("app;main;grow 10\n"
					  "app;main;shrink 30\n"
					  "app;main;same 20\n"
					  "app;main;gone 40\n");
	struct profile *prof = profile_of("app;main;grow 80\n"
					  "app;main;shrink 20\n"
					  "app;main;same 40\n"
					  "app;main;added 60\n");
	struct flamegraph_opts opts;
	int rgb[3];
	char *svg;

	(void)state;
	flamegraph_opts__init(&opts);
	opts.base = base;
	svg = check_golden("flamegraph_diff.svg", prof, &opts, false);
	assert_non_null(strstr(svg, ">Differential Flame Graph</text>"));
	assert_non_null(strstr(svg, "<title>grow (80 samples, 40.00%; base 10 samples, 10.00%; "
				    "+30.00%)</title>"));
	assert_null(strstr(svg, "<title>gone"));
	fill_of(svg, "same (", rgb);
	assert_true(rgb[0] == 255 && rgb[1] == 255 && rgb[2] == 255);
	fill_of(svg, "grow (", rgb);
	assert_true(rgb[0] == 255 && rgb[1] == 45 && rgb[2] == 45);
	fill_of(svg, "shrink (", rgb);
	assert_true(rgb[0] == 115 && rgb[1] == 115 && rgb[2] == 255);
	free(svg);

	/* Not normalised, the doubled "same" grew. */
	opts.normalize = false;
	svg = write_svg(prof, &opts);
	fill_of(svg, "same (", rgb);
	assert_true(rgb[0] == 255 && rgb[1] < 255 && rgb[2] == rgb[1]);
	free(svg);
	profile__free(prof);
	profile__free(base);
}

/*
 * XML's special characters, bytes that are not UTF-8 (a stray byte, a cut sequence), control
 * characters and U+FFFE, which XML forbids, in frame and process names, the title and the
 * subtitle; labels cut to their boxes without splitting a character.
 */
static void test_escaping(void **state)
{
	struct profile *prof = profile_of(
		"!\xff<svg>;a<b>&\"c\" 30\n"
		"!\xff<svg>;operator<<(std::ostream&, T const&) 20\n"
		"!\xff<svg>;bad\xfe\xffpair\xe2\x82 10\n"
		"!\xff<svg>;ctrl\x01\x1f\x7f;nonchar\xef\xbf\xbe 10\n"
		"!\xff<svg>;caf\xc3\xa9_\xf0\x9f\x94\xa5_\xf0\x9f\x94\xa5_\xf0\x9f\x94\xa5_long_name 30\n");
	struct flamegraph_opts opts;
	char *svg;

	(void)state;
	flamegraph_opts__init(&opts);
	opts.title = "<Title> & \"more\"";
	opts.subtitle = "sub\xc0title";
	opts.width = 300;
	svg = check_golden("flamegraph_escaping.svg", prof, &opts, false);
	assert_int_equal(utf8__valid_len(svg, strlen(svg)), strlen(svg));
	assert_null(strstr(svg, "<b>"));
	assert_null(strstr(svg, "\x01"));
	assert_non_null(strstr(svg, ">&lt;Title&gt; &amp; &quot;more&quot;</text>"));
	assert_non_null(strstr(svg, "<title>a&lt;b&gt;&amp;&quot;c&quot; (30 samples"));
	assert_non_null(strstr(svg, "<title>!\xef\xbf\xbd&lt;svg&gt; (100 samples"));
	assert_non_null(strstr(svg, "<title>nonchar\xef\xbf\xbd (10 samples"));
	free(svg);
	profile__free(prof);
}

/* Title, subtitle, width, a minimum width that prunes, and a palette other than kinds. */
static void test_options(void **state)
{
	struct profile *prof = profile_of("app;main;big;leaf 300\n"
					  "app;main;small 2\n"
					  "app;main;tiny;under_tiny 1\n"
					  "app;idle_[k] 97\n");
	struct flamegraph_opts opts;
	char *svg;

	(void)state;
	flamegraph_opts__init(&opts);
	opts.title = "CPU";
	opts.subtitle = "host-1, 99 Hz";
	opts.width = 420;
	opts.min_width = 1.5; /* 400 px for 400 samples: "small" stays, "tiny" goes */
	assert_int_equal(flamegraph__parse_colors("hot", &opts.colors), 0);
	svg = check_golden("flamegraph_options.svg", prof, &opts, false);
	assert_non_null(strstr(svg, "<svg version=\"1.1\" width=\"420\" height=\""));
	assert_non_null(
		strstr(svg, "<text id=\"subtitle\" x=\"210\" y=\"42\">host-1, 99 Hz</text>"));
	assert_non_null(strstr(svg, "<title>small (2 samples"));
	assert_null(strstr(svg, "<title>tiny"));
	assert_null(strstr(svg, "<title>under_tiny"));
	free(svg);
	profile__free(prof);
}

/* Inverted and reversed: the root at the top, stacks merged at their leaves. */
static void test_icicle(void **state)
{
	struct profile *prof = profile_of("app;main;parse;memcpy 30\n"
					  "app;main;render;memcpy 20\n"
					  "app;main;render 10\n");
	struct flamegraph_opts opts;
	char *svg;

	(void)state;
	flamegraph_opts__init(&opts);
	opts.inverted = true;
	opts.reverse = true;
	svg = check_golden("flamegraph_icicle.svg", prof, &opts, false);
	assert_non_null(strstr(svg, ">Icicle Graph</text>"));
	assert_non_null(strstr(svg, "var fg_xpad = 10, fg_width = 1200, fg_inverted = true,"));
	assert_non_null(strstr(svg, "<title>memcpy (50 samples, 83.33%)</title>"));
	free(svg);
	profile__free(prof);
}

static void test_empty(void **state)
{
	struct profile *prof = profile__new();
	struct flamegraph_opts opts;
	char *svg;

	(void)state;
	assert_non_null(prof);
	flamegraph_opts__init(&opts);
	svg = check_golden("flamegraph_empty.svg", prof, &opts, false);
	assert_non_null(strstr(svg, ">no samples</text>"));
	assert_null(strstr(svg, "<g><title>"));
	free(svg);
	profile__free(prof);
}

/*
 * The document depends on the samples only: not on their order, the processes' ids, the
 * threads, or the profile's time and host.
 */
static void test_repeatable(void **state)
{
	static const char *const lines[] = {
		"app;main;compute;hash_step_[i] 40\n",
		"app;main;read_input;__x64_sys_read_[k];vfs_read_[k] 20\n",
		"java;main;Interpreter_[j] 10\n",
	};
	struct profile_meta meta = { .time_ns = 1700000000123456789ull, .period_ns = 10101010 };
	struct profile *forward = profile__new(), *backward = profile__new();
	struct folded_read_stats stats;
	struct flamegraph_opts opts;
	char *a, *b;

	(void)state;
	assert_non_null(forward);
	assert_non_null(backward);
	for (size_t i = 0; i < 3; i++) {
		const char *f = lines[i], *r = lines[2 - i];

		assert_int_equal(folded__read(f, strlen(f), forward, &stats), 0);
		assert_int_equal(folded__read(r, strlen(r), backward, &stats), 0);
	}
	strcpy(meta.host, "elsewhere");
	profile__set_meta(backward, &meta);
	flamegraph_opts__init(&opts);
	a = write_svg(forward, &opts);
	b = write_svg(backward, &opts);
	assert_string_equal(a, b);
	free(a);
	free(b);
	profile__free(forward);
	profile__free(backward);
}

static void test_parse_colors(void **state)
{
	enum flamegraph_colors colors = FLAMEGRAPH_COLORS_HOT;

	(void)state;
	assert_int_equal(flamegraph__parse_colors("kind", &colors), 0);
	assert_int_equal(colors, FLAMEGRAPH_COLORS_KIND);
	assert_int_equal(flamegraph__parse_colors("orange", &colors), 0);
	assert_int_equal(colors, FLAMEGRAPH_COLORS_ORANGE);
	assert_int_equal(flamegraph__parse_colors("Orange", &colors), -EINVAL);
	assert_int_equal(flamegraph__parse_colors("", &colors), -EINVAL);
	assert_int_equal(colors, FLAMEGRAPH_COLORS_ORANGE);
}

static void test_write_error(void **state)
{
	struct profile *prof = profile_of(basic_folded);
	struct flamegraph_opts opts;
	FILE *out;

	(void)state;
	flamegraph_opts__init(&opts);
	out = fopen("/dev/full", "w");
	if (!out) {
		profile__free(prof);
		skip();
	}
	assert_int_equal(flamegraph__write(prof, &opts, out), -EIO);
	fclose(out);
	profile__free(prof);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),	     cmocka_unit_test(test_kind_colors),
		cmocka_unit_test(test_diff),	     cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_options),	     cmocka_unit_test(test_icicle),
		cmocka_unit_test(test_empty),	     cmocka_unit_test(test_repeatable),
		cmocka_unit_test(test_parse_colors), cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
