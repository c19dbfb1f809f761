// SPDX-License-Identifier: GPL-2.0-only
/*
 * The speedscope writer: golden output, which a small JSON checker reads back (RFC 8259's
 * grammar, strings' escapes and their UTF-8), processes, merging, units, hostile names and
 * write errors.
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

#include "output_format.h"
#include "profile.h"
#include "profile_io.h"
#include "speedscope_writer.h"
#include "utf8.h"

static int setup_profile(void **state)
{
	*state = profile__new();
	return *state ? 0 : -1;
}

static int teardown_profile(void **state)
{
	profile__free(*state);
	return 0;
}

static uint32_t frame(struct profile *prof, const char *func, enum frame_kind kind,
		      const char *file, unsigned int line, uint64_t addr)
{
	struct profile_frame f = {
		.func = func,
		.file = file,
		.module = kind == FRAME_KERNEL ? "[kernel.kallsyms]" : "/usr/bin/app",
		.addr = addr,
		.line = line,
		.kind = kind,
	};
	int64_t id = profile__intern_frame(prof, &f);

	assert_true(id >= 0);
	return id;
}

static void add(struct profile *prof, const char *comm, uint32_t pid, uint32_t tid,
		const uint32_t *stack, size_t depth, uint64_t count)
{
	struct profile_labels labels = { .pid = pid, .tid = tid, .comm = comm };

	assert_int_equal(profile__add_sample(prof, stack, depth, &labels, count), 0);
}

static char *write_to_string(const struct profile *prof, const char *name)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(speedscope__write(prof, name, out), 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* A JSON reader that only checks: returns the position after the value, or NULL. */
static const char *json_value(const char *p, int depth);

static const char *json_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	size_t n;

	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL; /* a raw control character, the end of the text included */
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 5;
			} else if (*p && strchr("\"\\/bfnrt", *p)) {
				p++;
			} else {
				return NULL;
			}
			continue;
		}
		n = utf8__char_len(p, strlen(p));
		if (!n)
			return NULL;
		p += n;
	}
	return p + 1;
}

static const char *json_number(const char *p)
{
	const char *start = p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else
		while (*p >= '0' && *p <= '9')
			p++;
	return p > start && p[-1] != '-' ? p : NULL;
}

/* An array (@close ']') or an object ('}'); @p is past the opening bracket. */
static const char *json_items(const char *p, char close, int depth)
{
	p = json_space(p);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			p = json_string(json_space(p));
			if (!p)
				return NULL;
			p = json_space(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p, depth + 1);
		if (!p)
			return NULL;
		p = json_space(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p, int depth)
{
	if (depth > 16)
		return NULL;
	p = json_space(p);
	switch (*p) {
	case '{':
		return json_items(p + 1, '}', depth);
	case '[':
		return json_items(p + 1, ']', depth);
	case '"':
		return json_string(p);
	default:
		return json_number(p);
	}
}

static void assert_json(const char *text)
{
	const char *end = json_value(text, 0);

	assert_non_null(end);
	assert_string_equal(json_space(end), "");
}

static void test_json_checker_rejects(void **state)
{
	(void)state;
	assert_null(json_value("\"a\nb\"", 0));
	assert_null(json_value("\"a\\x\"", 0));
	assert_null(json_value("\"\xff\"", 0));
	assert_null(json_value("[1,]", 0));
	assert_null(json_value("{\"a\" 1}", 0));
	assert_non_null(json_value("{\"a\":[1,\"\\u0001\"]}", 0));
}

static void test_golden(void **state)
{
	struct profile *prof = *state;
	uint32_t main1, main2, work, read, sched, py, jit, hostile, nameless;
	char *text;

	main1 = frame(prof, "main", FRAME_USER, "app.c", 12, 0x10);
	/* The same function at another address and line: one speedscope frame, line 9. */
	main2 = frame(prof, "main", FRAME_USER, "app.c", 9, 0x20);
	work = frame(prof, "do_work", FRAME_INLINE, "work.h", 3, 0x20);
	read = frame(prof, "read", FRAME_USER, NULL, 0, 0x30); /* file: the binary */
	sched = frame(prof, "schedule", FRAME_KERNEL, NULL, 0, 0xffffffff81000000);
	py = frame(prof, "handler", FRAME_PYTHON, "/srv/app.py", 40, 0);
	jit = frame(prof, "Interpreter", FRAME_JIT, NULL, 0, 0x7f0000000000);
	hostile = frame(prof, "q\"b\\s\x01\n\x7f\xff\xe2\x82", FRAME_USER, "a\"\tb", 1, 0x40);
	nameless = frame(prof, "", FRAME_USER, NULL, 0, 0x50);

	add(prof, "app", 20, 20, (uint32_t[]){ main1, work, sched }, 3, 3);
	add(prof, "app", 20, 21, (uint32_t[]){ main2, work, sched }, 3, 2); /* merged above */
	add(prof, "app", 20, 20, (uint32_t[]){ main1, read }, 2, 4);
	add(prof, "db\xff\"", 10, 10, (uint32_t[]){ main1, hostile }, 2, 1);
	add(prof, "python3", 30, 30, (uint32_t[]){ py, jit }, 2, 20);
	add(prof, "python3", 30, 30, (uint32_t[]){ nameless }, 1, 1);
	add(prof, "idle", 0, 0, NULL, 0, 2);

	text = write_to_string(prof, NULL);
	golden__check("speedscope_basic.speedscope.json", text);
	assert_json(text);
	/* What the golden file must say, so that a wrong golden file cannot pass. */
	assert_non_null(strstr(text, "{\"name\":\"main\",\"file\":\"app.c\",\"line\":9}"));
	assert_non_null(strstr(text, "{\"name\":\"do_work_[i]\",\"file\":\"work.h\",\"line\":3}"));
	assert_non_null(strstr(text, "{\"name\":\"read\",\"file\":\"/usr/bin/app\"}"));
	assert_non_null(strstr(text, "{\"name\":\"schedule_[k]\",\"file\":\"[kernel.kallsyms]\"}"));
	assert_non_null(
		strstr(text, "{\"name\":\"handler_[p]\",\"file\":\"/srv/app.py\",\"line\":40}"));
	assert_non_null(strstr(text, "\"name\":\"Interpreter_[j]\""));
	assert_non_null(strstr(
		text, "{\"name\":\"q\\\"b\\\\s\\u0001\\u000a\x7f" UTF8_REPLACEMENT UTF8_REPLACEMENT
			      UTF8_REPLACEMENT "\",\"file\":\"a\\\"\\u0009b\""));
	assert_non_null(strstr(text, "\"name\":\"[unknown]\""));
	/* By pid; an unknown pid (0) is left out of the name. */
	assert_non_null(strstr(text, "\"profiles\":[{\"type\":\"sampled\",\"name\":\"idle\","
				     "\"unit\":\"none\",\"startValue\":0,\"endValue\":2,\n"
				     "\"samples\":[\n[]],\n\"weights\":[2]},"));
	assert_non_null(strstr(text, "\"name\":\"db" UTF8_REPLACEMENT "\\\" (pid 10)\""));
	assert_non_null(strstr(text, "\"name\":\"app (pid 20)\",\"unit\":\"none\",\"startValue\":0,"
				     "\"endValue\":9,\n\"samples\":[\n[0,1,3],\n[0,2]],\n"
				     "\"weights\":[5,4]}"));
	assert_non_null(strstr(text, "\"name\":\"python3 (pid 30)\""));
	/* python3 is the busiest, the fourth by pid. */
	assert_non_null(strstr(text, "\"activeProfileIndex\":3}\n"));
	assert_non_null(strstr(text, "\"exporter\":\"bpfprof@"));
	assert_non_null(
		strstr(text, "\"$schema\":\"https://www.speedscope.app/file-format-schema.json\""));
	assert_int_equal(utf8__valid_len(text, strlen(text)), strlen(text));
	free(text);
}

/* Time off the CPU is in nanoseconds; the title says what and where, or is the caller's. */
static void test_units_and_title(void **state)
{
	struct profile *prof = *state;
	struct profile_meta meta = { .value = PROFILE_VALUE_OFF_CPU, .host = "host1" };
	uint32_t f = frame(prof, "futex_wait", FRAME_KERNEL, NULL, 0, 0x10);
	char *text;

	profile__set_meta(prof, &meta);
	add(prof, "app", 5, 5, &f, 1, 1500000000);
	text = write_to_string(prof, NULL);
	assert_json(text);
	assert_non_null(strstr(text, "\"name\":\"Off-CPU time on host1\""));
	assert_non_null(strstr(text, "\"unit\":\"nanoseconds\",\"startValue\":0,"
				     "\"endValue\":1500000000,"));
	free(text);

	meta.value = PROFILE_VALUE_WALL;
	profile__set_meta(prof, &meta);
	text = write_to_string(prof, "my \"title\"");
	assert_json(text);
	assert_non_null(strstr(text, "\"name\":\"my \\\"title\\\"\""));
	assert_non_null(strstr(text, "\"unit\":\"nanoseconds\""));
	free(text);
}

/* An exec'ed process keeps its pid and gets a new name: two profiles. Ties go to the first. */
static void test_processes(void **state)
{
	struct profile *prof = *state;
	uint32_t f = frame(prof, "main", FRAME_USER, NULL, 0, 0x10);
	char *text;

	add(prof, "sh", 7, 7, &f, 1, 4);
	add(prof, "ls", 7, 7, &f, 1, 4);
	text = write_to_string(prof, NULL);
	assert_json(text);
	assert_non_null(strstr(text, "\"name\":\"ls (pid 7)\",\"unit\":\"none\",\"startValue\":0,"
				     "\"endValue\":4,\n\"samples\":[\n[0]],\n\"weights\":[4]},\n"
				     "{\"type\":\"sampled\",\"name\":\"sh (pid 7)\""));
	assert_non_null(strstr(text, "\"activeProfileIndex\":0}"));
	free(text);
}

static void test_empty(void **state)
{
	struct profile *prof = *state;
	char *text = write_to_string(prof, NULL);

	assert_json(text);
	assert_non_null(strstr(text, "\"shared\":{\"frames\":[]},\n\"profiles\":[],\n"
				     "\"activeProfileIndex\":0}\n"));
	free(text);
}

/* The common switch picks it by name and by suffix, and the SVG title names the file. */
static void test_profile_io(void **state)
{
	struct profile *prof = *state;
	uint32_t f = frame(prof, "main", FRAME_USER, NULL, 0, 0x10);
	struct flamegraph_opts svg;
	struct profile_io_opts opts = { .svg = &svg };
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	assert_int_equal(output_format__from_path("x.speedscope.json"), OUTPUT_FORMAT_SPEEDSCOPE);
	assert_int_equal(output_format__from_path("x.json"), OUTPUT_FORMAT_NONE);
	assert_int_equal(output_format__from_name("speedscope"), OUTPUT_FORMAT_SPEEDSCOPE);
	assert_string_equal(output_format__name(OUTPUT_FORMAT_SPEEDSCOPE), "speedscope");

	add(prof, "app", 1, 1, &f, 1, 1);
	flamegraph_opts__init(&svg);
	svg.title = "From --title";
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(profile_io__write_stream(prof, out, OUTPUT_FORMAT_SPEEDSCOPE, &opts), 0);
	assert_int_equal(fclose(out), 0);
	assert_json(text);
	assert_non_null(strstr(text, "\"name\":\"From --title\""));
	free(text);
}

static void test_write_error(void **state)
{
	struct profile *prof = *state;
	uint32_t f = frame(prof, "main", FRAME_USER, NULL, 0, 0x10);
	FILE *out;

	add(prof, "app", 1, 1, &f, 1, 1);
	out = fopen("/dev/full", "w");
	assert_non_null(out);
	assert_int_equal(speedscope__write(prof, NULL, out), -EIO);
	fclose(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_checker_rejects),
		cmocka_unit_test_setup_teardown(test_golden, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_units_and_title, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_processes, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_empty, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_profile_io, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_write_error, setup_profile, teardown_profile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
