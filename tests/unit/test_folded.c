// SPDX-License-Identifier: GPL-2.0-only
/* The folded writer: golden output, merging, sort order, sanitising and write errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "golden.h"

#include "folded.h"
#include "folded_reader.h"
#include "profile.h"

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

static uint32_t frame(struct profile *prof, const char *func, enum frame_kind kind, uint64_t addr)
{
	struct profile_frame f = {
		.func = func,
		.module = kind == FRAME_KERNEL ? "[kernel.kallsyms]" : "/bin/app",
		.addr = addr,
		.kind = kind,
	};
	int64_t id = profile__intern_frame(prof, &f);

	assert_true(id >= 0);
	return id;
}

static void add(struct profile *prof, const char *comm, uint32_t pid, const char *thread,
		const uint32_t *stack, size_t depth, uint64_t count)
{
	struct profile_labels labels = { .pid = pid, .tid = pid, .comm = comm, .thread = thread };

	assert_int_equal(profile__add_sample(prof, stack, depth, &labels, count), 0);
}

/* The writer's output as a NUL-terminated string, owned by the caller. */
static char *write_to_string(const struct profile *prof)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(folded__write(prof, out), 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void test_golden(void **state)
{
	struct profile *prof = *state;
	uint32_t main1, main2, work, sched, interp, weird, empty, bang, mainz, opnew, start, idle;
	uint32_t ctrl;
	char *text;

	main1 = frame(prof, "main", FRAME_USER, 0x10);
	main2 = frame(prof, "main", FRAME_USER, 0x20); /* same name: the same folded frame */
	work = frame(prof, "do_work", FRAME_INLINE, 0x30);
	sched = frame(prof, "schedule", FRAME_KERNEL, 0xffffffff81000000);
	interp = frame(prof, "Interpreter", FRAME_JIT, 0x7f0000000000);
	weird = frame(prof, "a;b\nc", FRAME_USER, 0x40);
	empty = frame(prof, "", FRAME_KERNEL, 0);
	bang = frame(prof, "main!", FRAME_USER, 0x50);
	mainz = frame(prof, "mainz", FRAME_USER, 0x60);
	opnew = frame(prof, "operator new", FRAME_USER, 0x70);
	start = frame(prof, "secondary_startup_64", FRAME_KERNEL, 0xffffffff81000100);
	idle = frame(prof, "cpu_idle", FRAME_KERNEL, 0xffffffff81000200);
	ctrl = frame(prof, "tab\there\x7f", FRAME_USER, 0x80);
	assert_int_equal(profile__frame_count(prof), 13);

	/* Added out of order: the output order comes from sorting, not from insertion. */
	add(prof, "we;ird\n", 5, NULL, (uint32_t[]){ ctrl }, 1, 1);
	add(prof, "swapper/0", 0, NULL, (uint32_t[]){ start, idle }, 2, 10);
	add(prof, "bash", 1, "bash", (uint32_t[]){ main1, work, sched }, 3, 3);
	add(prof, "bash", 1, "bash", (uint32_t[]){ mainz }, 1, 6);
	add(prof, "java", 3, "C2 thread", (uint32_t[]){ main1, interp, weird }, 3, 7);
	/* Another process, another address, same text: merged with the line above. */
	add(prof, "bash", 2, "t", (uint32_t[]){ main2, work, sched }, 3, 2);
	add(prof, "bash", 1, "bash", (uint32_t[]){ main1 }, 1, 1);
	add(prof, "bash", 1, "bash", (uint32_t[]){ bang }, 1, 4);
	add(prof, "", 4, NULL, (uint32_t[]){ empty }, 1, 1);
	add(prof, "bash", 1, "bash", (uint32_t[]){ main1, opnew }, 2, 2);
	add(prof, "bash", 7, NULL, NULL, 0, 2);
	assert_int_equal(profile__sample_count(prof), 11);

	text = write_to_string(prof);
	golden__check("folded_basic.folded", text);
	/* The golden file is checked for order too, so a wrong golden file cannot pass. */
	assert_non_null(strstr(text, "bash;main;do_work_[i];schedule_[k] 5\n"));
	free(text);
}

static void test_empty(void **state)
{
	struct profile *prof = *state;
	char *text;

	text = write_to_string(prof);
	assert_string_equal(text, "");
	free(text);

	/* Frames without samples write nothing either. */
	frame(prof, "main", FRAME_USER, 0);
	text = write_to_string(prof);
	assert_string_equal(text, "");
	free(text);
}

/*
 * A process may name itself any bytes: what is not UTF-8 becomes U+FFFD, as in pprof and SVG,
 * and a sequence cut short is replaced, never passed on half.
 */
static void test_invalid_utf8(void **state)
{
	struct profile *prof = *state;
	uint32_t f;
	char *text;

	f = frame(prof, "ok\xc3\xa9\xe2\x82", FRAME_USER, 0x10);
	add(prof, "!\xff<svg>", 1, NULL, (uint32_t[]){ f }, 1, 3);
	text = write_to_string(prof);
	assert_string_equal(text, "!\xef\xbf\xbd<svg>;ok\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd 3\n");
	free(text);
}

/* The writer must not depend on the profile: writing twice gives the same text. */
static void test_repeatable(void **state)
{
	struct profile *prof = *state;
	uint32_t a = frame(prof, "a", FRAME_USER, 0), b = frame(prof, "b", FRAME_KERNEL, 0);
	char *first, *second;

	add(prof, "p", 1, NULL, (uint32_t[]){ a, b }, 2, 3);
	add(prof, "p", 2, NULL, (uint32_t[]){ a }, 1, 18446744073709551615ull - 3);
	first = write_to_string(prof);
	second = write_to_string(prof);
	assert_string_equal(first, "p;a 9223372036854775807\np;a 9223372036854775805\n"
				   "p;a;b_[k] 3\n");
	assert_string_equal(first, second);
	free(first);
	free(second);
}

/* The naive writer the real one must agree with: build every line's text, sort, merge. */
struct ref_line {
	char *text;
	uint64_t count;
};

static void ref_append(char *buf, size_t *len, const char *name, const char *suffix)
{
	const char *p;

	if (!*name)
		name = "[unknown]";
	for (p = name; *p; p++)
		buf[(*len)++] = (*p == ';' || (unsigned char)*p < 0x20 || *p == 0x7f) ? '_' : *p;
	for (p = suffix; *p; p++)
		buf[(*len)++] = *p;
}

static int ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ref_line *)a)->text, ((const struct ref_line *)b)->text);
}

static char *reference_folded(const struct profile *prof)
{
	static const char *const suffix[FRAME_KIND_COUNT] = {
		[FRAME_USER] = "",	 [FRAME_KERNEL] = "_[k]", [FRAME_JIT] = "_[j]",
		[FRAME_INLINE] = "_[i]", [FRAME_PYTHON] = "_[p]",
	};
	size_t nr = profile__sample_count(prof), i, j, len, out_len = 0;
	struct ref_line *lines = calloc(nr, sizeof(*lines));
	const struct profile_sample *s;
	const struct profile_frame *f;
	char buf[4096], *out = NULL;
	uint64_t count;
	FILE *stream;

	assert_true(nr == 0 || lines);
	for (i = 0; i < nr; i++) {
		s = profile__sample(prof, i);
		len = 0;
		ref_append(buf, &len, s->labels.comm, "");
		for (j = 0; j < s->depth; j++) {
			f = profile__frame(prof, s->frames[j]);
			buf[len++] = ';';
			ref_append(buf, &len, f->func, suffix[f->kind]);
		}
		buf[len] = '\0';
		lines[i].text = strdup(buf);
		lines[i].count = s->count;
	}
	qsort(lines, nr, sizeof(*lines), ref_cmp);
	stream = open_memstream(&out, &out_len);
	assert_non_null(stream);
	for (i = 0; i < nr; i = j) {
		count = 0;
		for (j = i; j < nr && strcmp(lines[j].text, lines[i].text) == 0; j++)
			count += lines[j].count;
		fprintf(stream, "%s %llu\n", lines[i].text, (unsigned long long)count);
	}
	fclose(stream);
	for (i = 0; i < nr; i++)
		free(lines[i].text);
	free(lines);
	return out;
}

/*
 * Names chosen so that sorting by name alone would go wrong: prefixes of each other, and
 * characters on both sides of ';' (0x3b) and ' ' (0x20), and bytes above 0x7f.
 */
static void test_sort_matches_text_order(void **state)
{
	static const char *const names[] = {
		"a", "ab", "a!", "a b",	     "a;x", "a:", "a<",
		"",  "A",  "~",	 "\xc3\xa9", "a\n", "b",  "a_x",
	};
	static const char *const comms[] = { "a", "a!", "ab", "" };
	const size_t nr_names = sizeof(names) / sizeof(names[0]);
	struct profile *prof = *state;
	uint32_t ids[sizeof(names) / sizeof(names[0]) * FRAME_KIND_COUNT], stack[5];
	unsigned int seed = 12345;
	size_t i, k, depth, n, kind;
	char *text, *expected;

	for (i = 0; i < nr_names; i++)
		for (k = 0; k < FRAME_KIND_COUNT; k++)
			ids[i * FRAME_KIND_COUNT + k] = frame(prof, names[i], k, 0);
	for (i = 0; i < 5000; i++) {
		depth = rand_r(&seed) % 6;
		for (k = 0; k < depth; k++) {
			/* Mostly user frames, so that long equal prefixes occur. */
			n = rand_r(&seed) % nr_names;
			kind = rand_r(&seed) % 4 ? FRAME_USER : rand_r(&seed) % FRAME_KIND_COUNT;

			stack[k] = ids[n * FRAME_KIND_COUNT + kind];
		}
		add(prof, comms[rand_r(&seed) % 4], rand_r(&seed) % 50, NULL, stack, depth,
		    rand_r(&seed) % 3 + 1);
	}

	text = write_to_string(prof);
	expected = reference_folded(prof);
	assert_true(strlen(expected) > 1000);
	assert_string_equal(text, expected);
	free(text);
	free(expected);
}

/*
 * Samples merged past INT64_MAX: written as lines the readers take (19 digits at most),
 * which read back to the same total.
 */
static void test_count_above_int64(void **state)
{
	struct profile *prof = *state, *again = profile__new();
	uint32_t a = frame(prof, "a", FRAME_USER, 0);
	struct folded_read_stats stats;
	char *text;

	assert_non_null(again);
	/* Two processes of one name: one line of folded text. */
	add(prof, "p", 1, NULL, &a, 1, 9000000000000000000ull);
	add(prof, "p", 2, NULL, &a, 1, 9000000000000000000ull);
	text = write_to_string(prof);
	assert_string_equal(text, "p;a 9223372036854775807\np;a 8776627963145224193\n");
	assert_int_equal(folded__read(text, strlen(text), again, &stats), 0);
	assert_int_equal(stats.malformed, 0);
	assert_int_equal(profile__total(again), 18000000000000000000ull);
	free(text);
	profile__free(again);

	/* The largest total there can be: three lines. */
	prof = profile__new();
	assert_non_null(prof);
	a = frame(prof, "a", FRAME_USER, 0);
	add(prof, "p", 1, NULL, &a, 1, UINT64_MAX);
	text = write_to_string(prof);
	assert_string_equal(text, "p;a 9223372036854775807\np;a 9223372036854775807\np;a 1\n");
	free(text);
	profile__free(prof);
}

static void add_one_line(struct profile *prof)
{
	uint32_t a = frame(prof, "main", FRAME_USER, 0);

	add(prof, "p", 1, NULL, &a, 1, 1);
}

static void test_write_error_full(void **state)
{
	struct profile *prof = *state;
	FILE *out;

	add_one_line(prof);
	out = fopen("/dev/full", "w");
	if (!out)
		skip();
	assert_int_equal(folded__write(prof, out), -EIO);
	fclose(out);
}

static void test_write_error_read_only(void **state)
{
	struct profile *prof = *state;
	char path[] = "/tmp/bpfprof-folded-XXXXXX";
	FILE *out;
	int fd;

	add_one_line(prof);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	out = fopen(path, "r");
	assert_non_null(out);
	assert_int_equal(folded__write(prof, out), -EIO);
	fclose(out);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_golden, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_empty, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_invalid_utf8, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_repeatable, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_sort_matches_text_order, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_count_above_int64, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_write_error_full, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_write_error_read_only, setup_profile,
						teardown_profile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
