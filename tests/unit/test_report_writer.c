// SPDX-License-Identifier: GPL-2.0-only
/*
 * The HTML report's writer: the data embedded for a small profile against a golden file
 * (tables, rows per second, summary, a base), names that would end the page's <script>
 * early, and where the timeline begins and ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "golden.h"
#include "profile.h"
#include "report_writer.h"

#define T0_NS 1796464800000000000ull /* 2026-12-05T10:00:00Z */
#define SEC 1000000000ull

static uint32_t frame(struct profile *prof, const char *func, const char *module,
		      enum frame_kind kind)
{
	struct profile_frame f = { .func = func, .module = module, .kind = kind };
	int64_t id = profile__intern_frame(prof, &f);

	assert_true(id >= 0);
	return (uint32_t)id;
}

static void add(struct profile *prof, const uint32_t *stack, size_t depth, uint32_t pid,
		uint32_t tid, const char *comm, uint64_t time_ns, uint64_t count)
{
	struct profile_labels labels = { .pid = pid, .tid = tid, .comm = comm, .time_ns = time_ns };

	assert_int_equal(profile__add_sample(prof, stack, depth, &labels, count), 0);
}

static struct profile *new_profile(uint64_t time_ns, uint64_t duration_ns)
{
	struct profile_meta meta = { .time_ns = time_ns,
				     .duration_ns = duration_ns,
				     .period_ns = SEC / 19,
				     .host = "web-1" };
	struct profile *prof = profile__new();

	assert_non_null(prof);
	profile__set_meta(prof, &meta);
	return prof;
}

/* Three seconds of two processes, with every frame kind, an unnamed frame and a marker. */
static struct profile *small_profile(void)
{
	struct profile *prof = new_profile(T0_NS, 3 * SEC);
	uint32_t main_ = frame(prof, "main", "/usr/bin/web", FRAME_USER);
	uint32_t serve = frame(prof, "serve", "/usr/bin/web", FRAME_USER);
	uint32_t parse = frame(prof, "parse", "/usr/bin/web", FRAME_INLINE);
	uint32_t read_ = frame(prof, "ksys_read", "[kernel.kallsyms]", FRAME_KERNEL);
	uint32_t hole = frame(prof, "libx.so+0x1a2b", "/usr/lib/libx.so", FRAME_USER);
	uint32_t lost = frame(prof, "[incomplete: no unwind row]", NULL, FRAME_USER);
	uint32_t mod = frame(prof, "<module>", "[python]", FRAME_PYTHON);
	uint32_t work = frame(prof, "work", "[python]", FRAME_PYTHON);
	/* The same function at another address is one frame of the report. */
	struct profile_frame serve2 = { .func = "serve", .module = "/usr/bin/web", .addr = 0x40 };
	uint32_t serve_b = (uint32_t)profile__intern_frame(prof, &serve2);

	add(prof, (uint32_t[]){ main_, serve, parse }, 3, 100, 100, "web", T0_NS, 5);
	add(prof, (uint32_t[]){ main_, serve_b, parse }, 3, 100, 101, "web", T0_NS, 2);
	add(prof, (uint32_t[]){ main_, serve, read_ }, 3, 100, 100, "web", T0_NS + SEC, 3);
	add(prof, (uint32_t[]){ hole, main_ }, 2, 100, 100, "web", T0_NS + 2 * SEC, 1);
	add(prof, (uint32_t[]){ lost, work }, 2, 200, 200, "py", T0_NS + 2 * SEC, 4);
	add(prof, (uint32_t[]){ mod, work }, 2, 200, 200, "py", T0_NS + SEC, 6);
	add(prof, (uint32_t[]){ mod }, 1, 200, 200, "py", 0, 1);
	return prof;
}

static char *write_data(const struct profile *prof, const struct report_facts *facts)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(report__write_data(prof, facts, out), 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void test_data_of_a_small_profile(void **state)
{
	struct profile *prof = small_profile(), *base = new_profile(0, 0);
	struct report_facts facts = { .source = "store /var/lib/bpfprof",
				      .base = base,
				      .base_label = "before.pb.gz" };
	struct profile_meta meta = *profile__meta(prof);
	uint32_t stack[2] = { frame(base, "main", "/usr/bin/web", FRAME_USER),
			      frame(base, "gone", "/usr/bin/web", FRAME_USER) };
	char *text;

	(void)state;
	add(base, stack, 2, 100, 100, "web", T0_NS - 3600 * SEC, 9);
	meta.lost_known = true;
	meta.lost[PROFILE_LOST_COUNTS_MAP_FULL] = 2;
	profile__set_meta(prof, &meta);
	text = write_data(prof, &facts);
	golden__check("report_basic.json", text);
	free(text);
	profile__free(prof);
	profile__free(base);
}

/* Names are the processes': none may end the page's <script> or a JavaScript string. */
static void test_hostile_names_stay_inside_the_data(void **state)
{
	struct profile *prof = new_profile(T0_NS, SEC);
	uint32_t f = frame(prof, "</script><img src=x onerror=alert(1)>\"\\\xff\xe2\x80\xa8\n",
			   NULL, FRAME_USER);
	char *page = NULL, *data;
	size_t len = 0;
	FILE *out;

	(void)state;
	add(prof, &f, 1, 1, 1, "<!--</SCRIPT", T0_NS, 1);
	out = open_memstream(&page, &len);
	assert_non_null(out);
	assert_int_equal(report__write(prof, NULL, out), 0);
	assert_int_equal(fclose(out), 0);
	data = strstr(page, "<script type=\"application/json\" id=\"bpfprof-data\">");
	assert_non_null(data);
	/* The data's element ends at the first "</script", which must be its own. */
	data = strstr(data, ">") + 1;
	assert_non_null(strstr(data, "</script>"));
	*strstr(data, "</script>") = '\0';
	assert_null(strchr(data, '<'));
	assert_null(strstr(data, "\xe2\x80\xa8"));
	assert_null(strchr(data, '\n'));
	assert_non_null(strstr(data, "\"\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)"
				     "\\u003e\\\"\\\\\xef\xbf\xbd\\u2028\\u000a\""));
	free(page);
	profile__free(prof);
}

/* The timeline spans the profile's window, widened to samples outside it. */
static void test_timeline_covers_window_and_samples(void **state)
{
	struct profile *prof = new_profile(T0_NS + SEC / 2, 2 * SEC);
	uint32_t f;
	char *text;

	(void)state;
	f = frame(prof, "main", NULL, FRAME_USER);
	add(prof, &f, 1, 1, 1, "a", T0_NS + 5 * SEC, 1);
	text = write_data(prof, NULL);
	/* 10:00:00.5 .. 10:00:02.5 is seconds 0..2; the sample at 5 widens it to 6 seconds. */
	assert_non_null(strstr(text, "\"t0\":1796464800,\"seconds\":6,"));
	assert_non_null(strstr(text, "\"samples\":[0,0,5,1]"));
	free(text);
	profile__free(prof);

	/* No sample with a time: no timeline. */
	prof = new_profile(0, 0);
	f = frame(prof, "main", NULL, FRAME_USER);
	add(prof, &f, 1, 1, 1, "a", 0, 7);
	text = write_data(prof, NULL);
	assert_non_null(strstr(text, "\"seconds\":0,"));
	assert_non_null(strstr(text, "\"samples\":[0,0,-1,7]"));
	assert_null(strstr(text, "\"losses\""));
	free(text);
	profile__free(prof);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_of_a_small_profile),
		cmocka_unit_test(test_hostile_names_stay_inside_the_data),
		cmocka_unit_test(test_timeline_covers_window_and_samples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
