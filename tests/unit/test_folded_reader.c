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
		cmocka_unit_test(test_sniff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
