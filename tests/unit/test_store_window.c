// SPDX-License-Identifier: GPL-2.0-only
/*
 * Windows over an agent's store: which files are read, which samples are kept, how they
 * merge, and what happens with corrupt, untimed or missing data. The stores are built here
 * with store__write() from profiles whose samples are timed to known seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "temp_dir.h"

#include "pprof_writer.h"
#include "profile.h"
#include "store.h"
#include "store_commands.h"

#define NS 1000000000ull
/* 2026-11-21T10:00:00Z */
#define T (1795255200ull * NS)
#define PERIOD (NS / 99)

struct timed_sample {
	uint64_t time_ns; /* 0: untimed */
	uint32_t pid;
	const char *comm;
	const char *leaf; /* stack: main;LEAF */
	uint64_t count;
};

struct fixture {
	char dir[64];
	struct store *store;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_opts opts = { 0 };

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/test_store_window.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	opts.dir = f->dir;
	if (store__open(&opts, &f->store))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store__close(f->store);
	temp_dir__remove(f->dir);
	free(f);
	return 0;
}

/* Stores an interval [start, start + duration) holding @samples[0..n). */
static void write_interval(struct fixture *f, uint64_t start, uint64_t duration,
			   const struct timed_sample *samples, size_t n)
{
	struct profile_meta meta = { .time_ns = start,
				     .duration_ns = duration,
				     .period_ns = PERIOD };
	struct profile *prof = profile__new();
	size_t len;
	void *raw;

	assert_non_null(prof);
	profile__set_meta(prof, &meta);
	for (size_t i = 0; i < n; i++) {
		struct profile_frame root = {
			.func = "main", .module = "/usr/bin/app", .addr = 0x1000, .kind = FRAME_USER
		};
		struct profile_frame leaf = { .func = samples[i].leaf,
					      .module = "/usr/bin/app",
					      .addr = 0x2000,
					      .file = "app.c",
					      .line = 7,
					      .kind = FRAME_USER };
		struct profile_labels labels = { .pid = samples[i].pid,
						 .tid = samples[i].pid,
						 .comm = samples[i].comm,
						 .time_ns = samples[i].time_ns };
		uint32_t stack[2];

		stack[0] = profile__intern_frame(prof, &root);
		stack[1] = profile__intern_frame(prof, &leaf);
		assert_int_equal(profile__add_sample(prof, stack, 2, &labels, samples[i].count), 0);
	}
	assert_int_equal(pprof__encode(prof, &raw, &len), 0);
	assert_int_equal(store__write(f->store, start, raw, len, NULL), 0);
	free(raw);
	profile__free(prof);
}

/* Three 10 s intervals from T, every sample timed. */
static void write_timed_store(struct fixture *f)
{
	static const struct timed_sample a[] = {
		{ T + 0 * NS, 100, "app", "a", 3 },
		{ T + 5 * NS, 200, "db", "b", 2 },
		{ T + 9 * NS, 100, "app", "a", 4 },
	};
	static const struct timed_sample b[] = {
		{ T + 10 * NS, 100, "app", "a", 1 },
		{ T + 15 * NS, 200, "db", "b", 7 },
		{ T + 19 * NS, 100, "app", "c", 5 },
	};
	static const struct timed_sample c[] = {
		{ T + 25 * NS, 100, "app", "a", 6 },
	};

	write_interval(f, T, 10 * NS, a, 3);
	write_interval(f, T + 10 * NS, 10 * NS, b, 3);
	write_interval(f, T + 20 * NS, 10 * NS, c, 1);
}

static void window_init(struct store_window *w, const struct fixture *f, uint64_t from, uint64_t to)
{
	/* "now" is well after the store. */
	store_window__init(w, T + 3600 * NS);
	w->dir = f->dir;
	if (from) {
		w->from_ns = from;
		w->from_set = true;
	}
	if (to) {
		w->to_ns = to;
		w->to_set = true;
	}
}

/* Applies --@name @value to @w through the window's option tables. Returns 0 or -EINVAL. */
static int window_option(struct store_window *w, const char *name, const char *value, char *err,
			 size_t errlen)
{
	// clang-format off
	static const struct option_spec entries[] = {
		OPTION_GROUP(store_window_options, 0),
		OPTION_GROUP(store_filter_options, 0),
		OPTION_END,
	};
	// clang-format on
	static const struct option_table table = { .command = "flamegraph", .entries = entries };
	char option[32], *argv[] = { "flamegraph", option, (char *)value, NULL };
	int first_operand;

	snprintf(option, sizeof(option), "--%s", name);
	if (option_table__parse(&table, w, 3, argv, &first_operand, err, errlen) != OPTIONS_RUN)
		return -EINVAL;
	return 0;
}

/* Runs @w into a new profile, checks the result code, returns the profile. */
static struct profile *load(const struct store_window *w, int expect,
			    struct store_window_stats *stats)
{
	struct profile *prof = profile__new();

	assert_non_null(prof);
	assert_int_equal(store_window__load(w, prof, stats), expect);
	return prof;
}

/* Count of samples of @comm whose leaf is @leaf; asserts that no sample has a time. */
static uint64_t count_of(const struct profile *prof, const char *comm, const char *leaf)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < profile__sample_count(prof); i++) {
		const struct profile_sample *s = profile__sample(prof, i);

		assert_int_equal(s->labels.time_ns, 0);
		assert_int_equal(s->depth, 2);
		assert_string_equal(profile__frame(prof, s->frames[0])->func, "main");
		if (!strcmp(s->labels.comm, comm) &&
		    !strcmp(profile__frame(prof, s->frames[1])->func, leaf))
			sum += s->count;
	}
	return sum;
}

static void test_whole_store(void **state)
{
	struct fixture *f = *state;
	struct store_window_stats stats;
	struct store_window w;
	struct profile *prof;
	const struct profile_meta *meta;

	write_timed_store(f);
	window_init(&w, f, 0, 0);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.files, 3);
	assert_int_equal(stats.read, 3);
	assert_int_equal(stats.unreadable, 0);
	assert_int_equal(stats.kept, 28);
	assert_int_equal(profile__total(prof), 28);
	/* Equal stacks of different seconds and files merged into one sample each. */
	assert_int_equal(profile__sample_count(prof), 3);
	assert_int_equal(count_of(prof, "app", "a"), 14);
	assert_int_equal(count_of(prof, "db", "b"), 9);
	assert_int_equal(count_of(prof, "app", "c"), 5);
	/* Frames were re-interned, not copied per file. */
	assert_int_equal(profile__frame_count(prof), 4);
	assert_string_equal(profile__frame(prof, 1)->file, "app.c");
	meta = profile__meta(prof);
	assert_true(meta->time_ns == T);
	assert_true(meta->duration_ns == 30 * NS);
	assert_true(meta->period_ns == PERIOD);
	assert_true(stats.store_first_ns == T);
	assert_true(stats.store_last_ns == T + 30 * NS);
	profile__free(prof);
	store_window__release(&w);
}

static void test_split_intervals(void **state)
{
	struct fixture *f = *state;
	struct store_window_stats stats;
	struct store_window w;
	struct profile *prof;

	write_timed_store(f);
	/* [T+5, T+16): the second half of the first file, the first part of the second. */
	window_init(&w, f, T + 5 * NS, T + 16 * NS);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.read, 2);
	assert_int_equal(stats.kept, 2 + 4 + 1 + 7);
	assert_int_equal(count_of(prof, "app", "a"), 5);
	assert_int_equal(count_of(prof, "db", "b"), 9);
	assert_int_equal(count_of(prof, "app", "c"), 0);
	assert_true(profile__meta(prof)->time_ns == T + 5 * NS);
	assert_true(profile__meta(prof)->duration_ns == 11 * NS);
	profile__free(prof);

	/* TO is not included: the second T+15 starts at TO. */
	window_init(&w, f, T + 10 * NS, T + 15 * NS);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.read, 1);
	assert_int_equal(stats.kept, 1);
	profile__free(prof);

	/* A window within a second keeps that second when it starts in the window. */
	window_init(&w, f, T + 15 * NS, T + 15 * NS + NS / 10);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.kept, 7);
	profile__free(prof);

	/* Only the last file: the ones before it are not read at all. */
	window_init(&w, f, T + 20 * NS, 0);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.read, 1);
	assert_int_equal(stats.kept, 6);
	profile__free(prof);
	store_window__release(&w);
}

static void test_filters(void **state)
{
	struct fixture *f = *state;
	struct store_window_stats stats;
	struct store_window w;
	struct profile *prof;
	char err[256];

	write_timed_store(f);
	window_init(&w, f, 0, 0);
	assert_int_equal(window_option(&w, "pid", "200", err, sizeof(err)), 0);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.kept, 9);
	assert_int_equal(count_of(prof, "db", "b"), 9);
	profile__free(prof);
	store_window__release(&w);

	/* A list, and a list over two -p options. */
	window_init(&w, f, 0, 0);
	assert_int_equal(window_option(&w, "pid", "999,100", err, sizeof(err)), 0);
	assert_int_equal(window_option(&w, "pid", "200", err, sizeof(err)), 0);
	assert_int_equal(w.npids, 3);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.kept, 28);
	profile__free(prof);
	store_window__release(&w);

	window_init(&w, f, 0, 0);
	assert_int_equal(window_option(&w, "comm", "app", err, sizeof(err)), 0);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.kept, 19);
	assert_int_equal(count_of(prof, "db", "b"), 0);
	profile__free(prof);

	/* Both must match. */
	assert_int_equal(window_option(&w, "pid", "200", err, sizeof(err)), 0);
	prof = load(&w, -ENODATA, &stats);
	assert_int_equal(stats.kept, 0);
	profile__free(prof);
	store_window__release(&w);
}

static void test_empty_window(void **state)
{
	struct fixture *f = *state;
	struct store_window_stats stats;
	struct store_window w;
	struct profile *prof;

	write_timed_store(f);
	/* The second file holds T+10 and T+15 only. */
	window_init(&w, f, T + 11 * NS, T + 15 * NS);
	prof = load(&w, -ENODATA, &stats);
	assert_int_equal(profile__sample_count(prof), 0);
	assert_int_equal(stats.files, 3);
	/* What the store holds, for the message: the last file's end, though it was not read. */
	assert_true(stats.store_first_ns == T);
	assert_true(stats.store_last_ns == T + 30 * NS);
	profile__free(prof);

	/* Before and after the store. */
	window_init(&w, f, T - 3600 * NS, T);
	prof = load(&w, -ENODATA, &stats);
	assert_int_equal(stats.read, 0);
	profile__free(prof);
	window_init(&w, f, T + 30 * NS, 0);
	prof = load(&w, -ENODATA, &stats);
	profile__free(prof);

	/* The profile command reports it and returns nothing. */
	assert_null(store_window__profile(&w));
	store_window__release(&w);
}

static void test_empty_and_missing_store(void **state)
{
	struct fixture *f = *state;
	struct store_window_stats stats;
	struct store_window w;
	struct profile *prof;
	char missing[128];

	window_init(&w, f, 0, 0);
	prof = load(&w, -ENODATA, &stats);
	assert_int_equal(stats.files, 0);
	profile__free(prof);

	snprintf(missing, sizeof(missing), "%s/nope", f->dir);
	w.dir = missing;
	prof = load(&w, -ENOENT, &stats);
	profile__free(prof);
	assert_null(store_window__profile(&w));
	store_window__release(&w);
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[256];
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(data, 1, len, out), len);
	fclose(out);
}

static void test_corrupt_files_skipped(void **state)
{
	static const unsigned char zstd_garbage[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x04,
						      0x00, 0xff, 0xff, 0x13, 0x37 };
	struct fixture *f = *state;
	struct store_window_stats stats;
	struct store_window w;
	struct profile *prof;
	char name[STORE_NAME_MAX];

	write_timed_store(f);
	/* Garbage, a zstd frame cut short, and an empty file, each named as an interval. */
	store__format_name(4, T + 30 * NS, name);
	write_file(f->dir, name, "this is not a profile", 21);
	store__format_name(5, T + 40 * NS, name);
	write_file(f->dir, name, zstd_garbage, sizeof(zstd_garbage));
	store__format_name(6, T + 50 * NS, name);
	write_file(f->dir, name, "", 0);

	window_init(&w, f, 0, 0);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.files, 6);
	assert_int_equal(stats.read, 3);
	assert_int_equal(stats.unreadable, 3);
	assert_int_equal(stats.kept, 28);
	profile__free(prof);

	/* A window over the unreadable files only is empty, not a failure of the run. */
	window_init(&w, f, T + 30 * NS, 0);
	prof = load(&w, -ENODATA, &stats);
	assert_int_equal(stats.unreadable, 3);
	profile__free(prof);
	store_window__release(&w);
}

static void test_untimed_samples(void **state)
{
	static const struct timed_sample old[] = {
		{ 0, 300, "old", "x", 11 },
		{ 0, 300, "old", "y", 2 },
	};
	static const struct timed_sample mixed[] = {
		{ 0, 300, "old", "x", 1 },
		{ T + 15 * NS, 300, "old", "x", 4 },
	};
	struct fixture *f = *state;
	struct store_window_stats stats;
	struct store_window w;
	struct profile *prof;

	write_interval(f, T, 10 * NS, old, 2);
	write_interval(f, T + 10 * NS, 10 * NS, mixed, 2);

	/* Overlapping the first interval by one second keeps all of its untimed samples. */
	window_init(&w, f, T + 5 * NS, T + 6 * NS);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.kept, 13);
	assert_int_equal(count_of(prof, "old", "x"), 11);
	profile__free(prof);

	/* Touching an interval's start or end is no overlap. */
	window_init(&w, f, T - 5 * NS, T);
	prof = load(&w, -ENODATA, &stats);
	profile__free(prof);
	window_init(&w, f, T + 20 * NS, T + 25 * NS);
	prof = load(&w, -ENODATA, &stats);
	assert_int_equal(stats.read, 1);
	profile__free(prof);

	/* In the mixed file, untimed samples follow the overlap, timed ones their second. */
	window_init(&w, f, T + 10 * NS, T + 12 * NS);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.kept, 1);
	profile__free(prof);
	window_init(&w, f, T + 15 * NS, T + 16 * NS);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.kept, 5);
	assert_int_equal(profile__sample_count(prof), 1);
	profile__free(prof);
	store_window__release(&w);
}

static void test_mid_second_start(void **state)
{
	/* An interval starting mid-second holds samples of the second it started in. */
	static const struct timed_sample a[] = { { T + 100 * NS, 100, "app", "a", 3 } };
	struct fixture *f = *state;
	struct store_window_stats stats;
	struct store_window w;
	struct profile *prof;

	write_interval(f, T + 100 * NS + NS / 2, 10 * NS, a, 1);
	window_init(&w, f, T + 100 * NS, T + 100 * NS + NS / 4);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.kept, 3);
	profile__free(prof);
	store_window__release(&w);
}

/*
 * The wall clock went back by a minute between two intervals: the store keeps them in the
 * order they were taken, and windows still go by the times they recorded.
 */
static void test_clock_step(void **state)
{
	static const struct timed_sample a[] = { { T + 105 * NS, 100, "app", "a", 3 } };
	static const struct timed_sample b[] = { { T + 115 * NS, 100, "app", "b", 4 } };
	static const struct timed_sample c[] = { { T + 65 * NS, 100, "app", "c", 5 } };
	static const struct timed_sample d[] = { { T + 75 * NS, 100, "app", "d", 6 } };
	struct fixture *f = *state;
	struct store_window_stats stats;
	struct store_window w;
	struct profile *prof;

	write_interval(f, T + 100 * NS, 10 * NS, a, 1);
	write_interval(f, T + 110 * NS, 10 * NS, b, 1);
	write_interval(f, T + 60 * NS, 10 * NS, c, 1);
	write_interval(f, T + 70 * NS, 10 * NS, d, 1);
	/* b is followed by an interval that starts earlier: that says nothing about b's end. */
	window_init(&w, f, T + 112 * NS, T + 118 * NS);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.kept, 4);
	assert_int_equal(count_of(prof, "app", "b"), 4);
	profile__free(prof);
	window_init(&w, f, T + 62 * NS, T + 68 * NS);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.kept, 5);
	assert_int_equal(count_of(prof, "app", "c"), 5);
	assert_true(stats.store_first_ns == T + 60 * NS);
	assert_true(stats.store_last_ns == T + 110 * NS); /* b, not read: its start */
	profile__free(prof);
	window_init(&w, f, 0, 0);
	prof = load(&w, 0, &stats);
	assert_int_equal(stats.kept, 18);
	profile__free(prof);
	store_window__release(&w);
}

/* Runs "bpfprof store ls --store DIR ARGS..." and returns what it printed (malloc'ed). */
static char *store_ls(const struct fixture *f, const char *from, const char *to)
{
	char *argv[8] = { "store", "ls", "--store", (char *)f->dir }, path[96], *text = NULL;
	int argc = 4, saved, fd;
	size_t len = 0;
	FILE *in;

	if (from) {
		argv[argc++] = "--from";
		argv[argc++] = (char *)from;
	}
	if (to) {
		argv[argc++] = "--to";
		argv[argc++] = (char *)to;
	}
	snprintf(path, sizeof(path), "%s.ls", f->dir);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	assert_int_equal(cmd_store(argc, argv), 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	in = fopen(path, "r");
	assert_non_null(in);
	if (getdelim(&text, &len, '\0', in) < 0)
		text = strdup("");
	fclose(in);
	unlink(path);
	return text;
}

/* store ls lists the intervals that overlap the window, by their recorded ends too. */
static void test_ls_window(void **state)
{
	struct fixture *f = *state;
	char *text;

	write_timed_store(f);
	/* T + 40 s on: after the last interval's end (T + 30 s). */
	text = store_ls(f, "1795255240", "1795255300");
	assert_string_equal(text, "0 intervals (the store holds 3)\n");
	free(text);
	text = store_ls(f, "1795255240", NULL);
	assert_string_equal(text, "0 intervals (the store holds 3)\n");
	free(text);
	/* T + 25 s .. T + 35 s: the last one only. */
	text = store_ls(f, "1795255225", "1795255235");
	assert_non_null(strstr(text, "\n1 interval, 2026-11-21T10:00:20Z .. 2026-11-21T10:00:30Z"));
	free(text);
	/* T + 10 s .. T + 20 s: the second one only, not the third that starts at its end. */
	text = store_ls(f, "1795255210", "1795255220");
	assert_non_null(strstr(text, "\n1 interval, 2026-11-21T10:00:10Z .. 2026-11-21T10:00:20Z"));
	free(text);
}

static void test_options(void **state)
{
	struct store_window w;
	char err[512];

	(void)state;
	store_window__init(&w, T);
	assert_int_equal(store_window__check(&w, err, sizeof(err)), 0);
	assert_int_equal(window_option(&w, "from", "-15m", err, sizeof(err)), 0);
	assert_true(w.from_ns == T - 900 * NS);
	/* --from without --store. */
	assert_int_equal(store_window__check(&w, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--store"));
	assert_int_equal(window_option(&w, "store", "/tmp", err, sizeof(err)), 0);
	assert_int_equal(store_window__check(&w, err, sizeof(err)), 0);
	assert_int_equal(window_option(&w, "to", "2026-11-21T09:00:00Z", err, sizeof(err)), 0);
	assert_int_equal(store_window__check(&w, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "before --to"));
	assert_int_equal(window_option(&w, "to", "soon", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "RFC 3339"));
	assert_int_equal(window_option(&w, "pid", "12,x", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "PID[,PID...]"));
	assert_int_equal(window_option(&w, "pid", "0", err, sizeof(err)), -EINVAL);
	assert_int_equal(window_option(&w, "pid", "1,", err, sizeof(err)), -EINVAL);
	assert_int_equal(window_option(&w, "pid", "99999999", err, sizeof(err)), -EINVAL);
	store_window__release(&w);
	store_window__release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_whole_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_intervals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_missing_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_files_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untimed_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mid_second_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ls_window, setup, teardown),
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
