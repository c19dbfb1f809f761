// SPDX-License-Identifier: GPL-2.0-only
/* The folded reader: what folded__write() wrote reads back the same; bad lines are counted. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "golden.h"

#include "folded.h"
#include "folded_reader.h"
#include "profile.h"

#define GOLDEN GOLDEN_DIR "/folded_basic.folded"

/* Writes @prof as folded text into a malloc'ed string. */
static char *write_folded(const struct profile *prof)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(folded__write(prof, f), 0);
	fclose(f);
	return text;
}

static struct profile *read_text(const char *text, struct folded_read_stats *stats, int want)
{
	struct profile *prof = profile__new();

	assert_non_null(prof);
	assert_int_equal(folded__read(text, strlen(text), prof, stats), want);
	return prof;
}

static void test_golden_round_trip(void **state)
{
	struct folded_read_stats stats;
	struct profile *prof;
	size_t len;
	char *golden = golden__read(GOLDEN, &len), *again;

	(void)state;
	prof = profile__new();
	assert_int_equal(folded__read(golden, len, prof, &stats), 0);
	assert_int_equal(stats.malformed, 0);
	assert_true(stats.lines > 3);
	again = write_folded(prof);
	assert_string_equal(again, golden);
	free(again);
	free(golden);
	profile__free(prof);
}

static void test_kinds_and_labels(void **state)
{
	struct folded_read_stats stats;
	struct profile *prof = read_text("app;main;work;memcpy_[i];sys_read_[k] 7\n"
					 "app;main;jitted_[j] 2\n"
					 "app;main;handle_[p] 1\n",
					 &stats, 0);
	const struct profile_sample *s;
	const struct profile_frame *f;

	(void)state;
	assert_int_equal(profile__sample_count(prof), 3);
	s = profile__sample(prof, 0);
	assert_int_equal(s->count, 7);
	assert_int_equal(s->depth, 4);
	assert_string_equal(s->labels.comm, "app");
	f = profile__frame(prof, s->frames[0]);
	assert_string_equal(f->func, "main");
	assert_int_equal(f->kind, FRAME_USER);
	f = profile__frame(prof, s->frames[2]);
	assert_string_equal(f->func, "memcpy");
	assert_int_equal(f->kind, FRAME_INLINE);
	f = profile__frame(prof, s->frames[3]);
	assert_string_equal(f->func, "sys_read");
	assert_int_equal(f->kind, FRAME_KERNEL);
	f = profile__frame(prof, profile__sample(prof, 1)->frames[1]);
	assert_string_equal(f->func, "jitted");
	assert_int_equal(f->kind, FRAME_JIT);
	f = profile__frame(prof, profile__sample(prof, 2)->frames[1]);
	assert_string_equal(f->func, "handle");
	assert_int_equal(f->kind, FRAME_PYTHON);
	assert_int_equal(stats.samples, 10);
	profile__free(prof);
}

static void test_malformed_lines_are_counted(void **state)
{
	struct folded_read_stats stats;
	struct profile *prof = read_text("a;b 3\n"
					 "a;b\n"		      /* no count */
					 "a;b x\n"		      /* bad count */
					 "a;;b 2\n"		      /* empty frame */
					 ";b 2\n"		      /* empty comm */
					 "a;b 0\n"		      /* zero */
					 "a;b 99999999999999999999\n" /* overflow */
					 "a;b -4\n"
					 "\n"
					 "a;c  5\r\n" /* CRLF, two blanks */
					 "a 1",	      /* only the process, no newline */
					 &stats, 0);
	char *text;

	(void)state;
	assert_int_equal(stats.lines, 10);
	assert_int_equal(stats.malformed, 7);
	assert_int_equal(stats.first_bad, 2);
	assert_int_equal(profile__total(prof), 9);
	text = write_folded(prof);
	assert_string_equal(text, "a 1\na;b 3\na;c 5\n");
	free(text);
	profile__free(prof);
}

static void test_no_valid_line_is_an_error(void **state)
{
	struct folded_read_stats stats;
	struct profile *prof;

	(void)state;
	profile__free(read_text("", &stats, -EINVAL));
	profile__free(read_text("\n\n", &stats, -EINVAL));
	prof = read_text("garbage\nmore garbage\n", &stats, -EINVAL);
	assert_int_equal(stats.malformed, 2);
	profile__free(prof);
}

static void test_merges_equal_lines(void **state)
{
	struct folded_read_stats stats;
	struct profile *prof = read_text("a;x;y 1\na;x;z 2\na;x;y 3\nb;x;y 4\n", &stats, 0);
	char *text = write_folded(prof);

	(void)state;
	assert_string_equal(text, "a;x;y 4\na;x;z 2\nb;x;y 4\n");
	free(text);
	profile__free(prof);
}

/* A name ending in a blank would lose it to the separator: the writer makes it '_'. */
static void test_trailing_blank_is_kept_inside_the_name(void **state)
{
	struct profile *prof = profile__new(), *again;
	struct profile_labels labels = { .comm = "app" };
	struct profile_frame frame = { .func = "tail " };
	struct folded_read_stats stats;
	uint32_t id;
	char *text, *text2;

	(void)state;
	assert_non_null(prof);
	id = profile__intern_frame(prof, &frame);
	assert_int_equal(profile__add_sample(prof, &id, 1, &labels, 2), 0);
	text = write_folded(prof);
	assert_string_equal(text, "app;tail_ 2\n");
	again = read_text(text, &stats, 0);
	text2 = write_folded(again);
	assert_string_equal(text2, text);
	free(text);
	free(text2);
	profile__free(prof);
	profile__free(again);
}

/* A user frame that ends like an annotation must not read back as a kernel frame. */
static void test_annotation_lookalike_stays_a_user_frame(void **state)
{
	struct folded_read_stats stats;
	struct profile *prof = read_text("app;odd\x7f[k];leaf 1\n", &stats, 0), *again;
	char *text = write_folded(prof), *text2;

	(void)state;
	assert_string_equal(text, "app;odd-[k];leaf 1\n");
	again = read_text(text, &stats, 0);
	assert_int_equal(profile__frame(again, profile__sample(again, 0)->frames[0])->kind,
			 FRAME_USER);
	text2 = write_folded(again);
	assert_string_equal(text2, text);
	free(text);
	free(text2);
	profile__free(prof);
	profile__free(again);
}

/* Generated text of about @size bytes: shared prefixes, kinds, and a malformed line now and then. */
static char *large_text(size_t size)
{
	static const char *const bad[] = { "a;b", "a;;b 2", ";b 2", "a;b 0", "", "a;b x" };
	char *text = malloc(size + 512);
	size_t len = 0;
	uint64_t seed = 1;

	assert_non_null(text);
	while (len < size) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		if ((seed >> 33) % 97 == 0) {
			len += sprintf(text + len, "%s\n", bad[(seed >> 40) % 6]);
			continue;
		}
		len += sprintf(text + len, "proc-%u", (unsigned int)(seed >> 60));
		for (unsigned int d = 0, depth = 2 + (seed >> 20) % 40; d < depth; d++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			len += sprintf(text + len, ";ns::Class%u::method%u%s", d,
				       (unsigned int)((seed >> 35) % (d < 4 ? 3 : 50)),
				       (seed >> 50) % 7 == 0 ? "_[k]" : "");
		}
		len += sprintf(text + len, " %u%s\n", (unsigned int)((seed >> 20) % 900) + 1,
			       (seed >> 45) % 13 == 0 ? "\r" : "");
	}
	text[len] = '\0';
	return text;
}

/* The same profile, frame ids and line numbers whether read at once (in parallel) or a line at a time. */
static void test_large_input_reads_as_serial(void **state)
{
	struct profile *whole = profile__new(), *piecewise = profile__new();
	struct folded_reader *r = folded_reader__new(piecewise);
	struct folded_read_stats a, b;
	char *text = large_text(12u << 20), *a_text, *b_text;
	size_t len = strlen(text), at = 0;

	(void)state;
	assert_non_null(r);
	assert_int_equal(folded__read(text, len, whole, &a), 0);
	while (at < len) {
		size_t n = folded__cut(text + at, len - at, 1);

		assert_int_equal(folded_reader__add(r, text + at, n), 0);
		at += n;
	}
	assert_int_equal(folded_reader__finish(r, &b), 0);
	folded_reader__free(r);
	assert_true(a.malformed > 100);
	assert_int_equal(a.lines, b.lines);
	assert_int_equal(a.malformed, b.malformed);
	assert_int_equal(a.first_bad, b.first_bad);
	assert_int_equal(a.samples, b.samples);
	assert_int_equal(profile__frame_count(whole), profile__frame_count(piecewise));
	for (size_t i = 0; i < profile__frame_count(whole); i++) {
		assert_string_equal(profile__frame(whole, i)->func,
				    profile__frame(piecewise, i)->func);
		assert_int_equal(profile__frame(whole, i)->kind,
				 profile__frame(piecewise, i)->kind);
	}
	assert_int_equal(profile__sample_count(whole), profile__sample_count(piecewise));
	for (size_t i = 0; i < profile__sample_count(whole); i++) {
		const struct profile_sample *x = profile__sample(whole, i);
		const struct profile_sample *y = profile__sample(piecewise, i);

		assert_int_equal(x->depth, y->depth);
		assert_int_equal(x->count, y->count);
		assert_memory_equal(x->frames, y->frames, x->depth * sizeof(*x->frames));
		assert_string_equal(x->labels.comm, y->labels.comm);
	}
	a_text = write_folded(whole);
	b_text = write_folded(piecewise);
	assert_string_equal(a_text, b_text);
	free(a_text);
	free(b_text);
	free(text);
	profile__free(whole);
	profile__free(piecewise);
}

static void test_cut_at_line_ends(void **state)
{
	(void)state;
	assert_int_equal(folded__cut("a 1\nb 2\n", 8, 6), 4);
	assert_int_equal(folded__cut("a 1\nb 2\n", 8, 100), 8);
	assert_int_equal(folded__cut("abcdef 1\nb 2\n", 13, 3), 9); /* a long first line */
	assert_int_equal(folded__cut("abcdef 1", 8, 3), 8);
}

static void test_sniff(void **state)
{
	(void)state;
	assert_true(folded__sniff("a;b 1\n", 6));
	assert_false(folded__sniff("\x1f\x8b\x08\x00", 4));
	assert_false(folded__sniff("\x0a\x04\x08\x01\x10\x02", 6)); /* raw protobuf */
	assert_false(folded__sniff("\x12\x00\x01", 3));
	assert_false(folded__sniff("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_round_trip),
		cmocka_unit_test(test_kinds_and_labels),
		cmocka_unit_test(test_malformed_lines_are_counted),
		cmocka_unit_test(test_no_valid_line_is_an_error),
		cmocka_unit_test(test_merges_equal_lines),
		cmocka_unit_test(test_trailing_blank_is_kept_inside_the_name),
		cmocka_unit_test(test_annotation_lookalike_stays_a_user_frame),
		cmocka_unit_test(test_large_input_reads_as_serial),
		cmocka_unit_test(test_cut_at_line_ends),
		cmocka_unit_test(test_sniff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
