// SPDX-License-Identifier: GPL-2.0-only
/*
 * --series-labels: the list read, and the upload body made from an agent-like pprof (written
 * by our writer) for each choice: series labels as strings, pid and tid kept as numbers
 * otherwise, comm as the root frame when it is no series label, thread left out.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pprof_labels.h"
#include "pprof_series.h"
#include "pprof_writer.h"
#include "profile.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile pb_profile;

static void parses_to(const char *list, unsigned int want)
{
	unsigned int set = 12345;
	char err[200] = "";

	if (pprof_series__parse(list, &set, err, sizeof(err)))
		fail_msg("'%s' refused: %s", list, err);
	assert_int_equal(set, want);
}

static void refused(const char *list, const char *why)
{
	unsigned int set = 12345;
	char err[200] = "";

	assert_int_equal(pprof_series__parse(list, &set, err, sizeof(err)), -EINVAL);
	assert_int_equal(set, 12345);
	if (!strstr(err, why))
		fail_msg("'%s': '%s' not in '%s'", list, why, err);
	assert_null(strchr(err, '\n'));
}

static void test_parse(void **state)
{
	char buf[64];

	(void)state;
	parses_to("comm", PPROF_SERIES_COMM);
	parses_to("comm,pid", PPROF_SERIES_COMM | PPROF_SERIES_PID);
	parses_to("thread,tid,comm,pid",
		  PPROF_SERIES_PID | PPROF_SERIES_TID | PPROF_SERIES_COMM | PPROF_SERIES_THREAD);
	parses_to("none", 0);
	refused("bogus", "'bogus' is not one of pid, tid, comm, thread (or none)");
	refused("comm,Pid", "'Pid' is not one of");
	refused("comm, pid", "' pid' is not one of");
	refused("root_frame", "'root_frame' is not one of");
	refused("comm,comm", "'comm' given twice");
	refused("", "an empty name in ''");
	refused("comm,", "an empty name in 'comm,'");
	refused(",pid", "an empty name");
	refused("none,pid", "'none' stands alone");
	refused("pid,none", "'none' stands alone");
	refused("co\nmm", "control characters");
	refused("x123456789012345678901234567890123456789",
		"'x1234567890123456789012345678901...'");

	pprof_series__format(PPROF_SERIES_DEFAULT, buf, sizeof(buf));
	assert_string_equal(buf, "comm");
	pprof_series__format(PPROF_SERIES_THREAD | PPROF_SERIES_PID, buf, sizeof(buf));
	assert_string_equal(buf, "pid,thread");
	pprof_series__format(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	pprof_series__format(PPROF_SERIES_PID | PPROF_SERIES_TID | PPROF_SERIES_COMM |
				     PPROF_SERIES_THREAD,
			     buf, sizeof(buf));
	parses_to(buf,
		  PPROF_SERIES_PID | PPROF_SERIES_TID | PPROF_SERIES_COMM | PPROF_SERIES_THREAD);
	pprof_series__format(PPROF_SERIES_PID | PPROF_SERIES_COMM, buf, 6);
	assert_string_equal(buf, "pid,c");
}

/*
 * As the agent writes them: two processes, one with two threads, the same stack; pid and tid
 * number labels, comm and thread strings, and the time of the sample's second.
 */
static void *agent_pprof(size_t *len)
{
	struct profile *prof = profile__new();
	struct profile_frame f_main = { .func = "main", .module = "/usr/bin/app", .addr = 0x1000 };
	struct profile_frame f_work = { .func = "work", .module = "/usr/bin/app", .addr = 0x1100 };
	struct profile_meta meta = { .time_ns = 1700000000000000000ull,
				     .duration_ns = 10000000000ull,
				     .period_ns = 52631578 };
	struct profile_labels l1 = { 100, 100, "app", "app", 1700000000000000000ull };
	struct profile_labels l2 = { 100, 101, "app", "worker-1", 1700000000000000000ull };
	struct profile_labels l3 = { 200, 200, "db", NULL, 1700000001000000000ull };
	uint32_t stack[2];
	void *raw;

	assert_non_null(prof);
	profile__set_meta(prof, &meta);
	stack[0] = (uint32_t)profile__intern_frame(prof, &f_main);
	stack[1] = (uint32_t)profile__intern_frame(prof, &f_work);
	assert_int_equal(profile__add_sample(prof, stack, 2, &l1, 3), 0);
	assert_int_equal(profile__add_sample(prof, stack, 2, &l2, 5), 0);
	assert_int_equal(profile__add_sample(prof, stack, 1, &l3, 7), 0);
	assert_int_equal(pprof__encode(prof, &raw, len), 0);
	profile__free(prof);
	return raw;
}

static const char *str(const pb_profile *p, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < p->n_string_table);
	return p->string_table[i];
}

/*
 * Sample @i's labels as "k=v" (strings) and "k:n" (numbers) joined by ' ', in order, and its
 * root function's name, into @labels and @root.
 */
static void sample_of(const pb_profile *p, size_t i, char *labels, size_t len, const char **root)
{
	const Perftools__Profiles__Sample *s = p->sample[i];
	const Perftools__Profiles__Location *loc = NULL;
	uint64_t root_id = s->location_id[s->n_location_id - 1], fn_id;
	size_t used = 0;

	labels[0] = '\0';
	for (size_t j = 0; j < s->n_label; j++) {
		const Perftools__Profiles__Label *l = s->label[j];

		if (l->str)
			used += snprintf(labels + used, len - used, "%s%s=%s", j ? " " : "",
					 str(p, l->key), str(p, l->str));
		else
			used += snprintf(labels + used, len - used, "%s%s:%lld", j ? " " : "",
					 str(p, l->key), (long long)l->num);
		assert_true(used < len);
	}
	for (size_t j = 0; j < p->n_location; j++)
		if (p->location[j]->id == root_id)
			loc = p->location[j];
	assert_non_null(loc);
	fn_id = loc->line[loc->n_line - 1]->function_id;
	*root = NULL;
	for (size_t j = 0; j < p->n_function; j++)
		if (p->function[j]->id == fn_id)
			*root = str(p, p->function[j]->name);
	assert_non_null(*root);
}

/* The body for @set, unpacked; the samples' labels and roots checked against @want (3 each). */
static void check_body(const void *raw, size_t len, unsigned int set, const char *const *want)
{
	void *out = NULL;
	size_t out_len = 0;
	char labels[256], got[512];
	const char *root;
	pb_profile *p;

	assert_int_equal(pprof_series__upload_body(raw, len, set, &out, &out_len), 0);
	assert_non_null(out);
	p = perftools__profiles__profile__unpack(NULL, out_len, out);
	assert_non_null(p);
	assert_int_equal(p->n_sample, 3);
	for (size_t i = 0; i < 3; i++) {
		sample_of(p, i, labels, sizeof(labels), &root);
		snprintf(got, sizeof(got), "%s | %s", labels, root);
		if (strcmp(got, want[i]))
			fail_msg("set %#x, sample %zu: '%s', want '%s'", set, i, got, want[i]);
		/* The values and the stack below the root are the sample's own. */
		assert_true(p->sample[i]->n_value == 2);
	}
	assert_int_equal(p->sample[0]->value[0] + p->sample[1]->value[0] + p->sample[2]->value[0],
			 15);
	perftools__profiles__profile__free_unpacked(p, NULL);
	free(out);
}

static void test_upload_body(void **state)
{
	static const char *const by_default[] = {
		"pid:100 tid:100 comm=app time:1700000000000000000 | main",
		"pid:100 tid:101 comm=app time:1700000000000000000 | main",
		"pid:200 tid:200 comm=db time:1700000001000000000 | main",
	};
	static const char *const by_pid_thread[] = {
		"pid=100 tid:100 thread=app time:1700000000000000000 | app",
		"pid=100 tid:101 thread=worker-1 time:1700000000000000000 | app",
		"pid=200 tid:200 time:1700000001000000000 | db",
	};
	static const char *const by_none[] = {
		"pid:100 tid:100 time:1700000000000000000 | app",
		"pid:100 tid:101 time:1700000000000000000 | app",
		"pid:200 tid:200 time:1700000001000000000 | db",
	};
	static const char *const by_all[] = {
		"pid=100 tid=100 comm=app thread=app time:1700000000000000000 | main",
		"pid=100 tid=101 comm=app thread=worker-1 time:1700000000000000000 | main",
		"pid=200 tid=200 comm=db time:1700000001000000000 | main",
	};
	size_t len;
	void *raw = agent_pprof(&len);

	(void)state;
	check_body(raw, len, PPROF_SERIES_DEFAULT, by_default);
	check_body(raw, len, PPROF_SERIES_PID | PPROF_SERIES_THREAD, by_pid_thread);
	check_body(raw, len, 0, by_none);
	check_body(raw, len,
		   PPROF_SERIES_PID | PPROF_SERIES_TID | PPROF_SERIES_COMM | PPROF_SERIES_THREAD,
		   by_all);
	free(raw);
}

/*
 * Root frames: one function and location per process name, shared by its samples, with ids
 * past the profile's own; the stack below is the sample's own; pid strings are interned once.
 */
static void test_root_frames_and_strings(void **state)
{
	size_t len, out_len, n_strings = 0;
	void *raw = agent_pprof(&len), *out;
	pb_profile *in, *p;

	(void)state;
	in = perftools__profiles__profile__unpack(NULL, len, raw);
	assert_non_null(in);
	assert_int_equal(pprof_series__upload_body(raw, len, PPROF_SERIES_PID, &out, &out_len), 0);
	p = perftools__profiles__profile__unpack(NULL, out_len, out);
	assert_non_null(p);
	assert_int_equal(p->n_function, in->n_function + 2);
	assert_int_equal(p->n_location, in->n_location + 2);
	for (size_t i = 0; i < p->n_string_table; i++)
		n_strings += !strcmp(p->string_table[i], "100");
	assert_int_equal(n_strings, 1);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(p->sample[i]->n_location_id, in->sample[i]->n_location_id + 1);
		assert_memory_equal(p->sample[i]->location_id, in->sample[i]->location_id,
				    in->sample[i]->n_location_id * sizeof(uint64_t));
		for (size_t j = 0; j < in->n_location; j++)
			assert_true(p->sample[i]->location_id[p->sample[i]->n_location_id - 1] >
				    in->location[j]->id);
	}
	/* The two samples of "app" share their root. */
	assert_int_equal(p->sample[0]->location_id[p->sample[0]->n_location_id - 1],
			 p->sample[1]->location_id[p->sample[1]->n_location_id - 1]);
	assert_int_not_equal(p->sample[0]->location_id[p->sample[0]->n_location_id - 1],
			     p->sample[2]->location_id[p->sample[2]->n_location_id - 1]);
	/* The mapping, times and sample types are the profile's own. */
	assert_int_equal(p->n_mapping, in->n_mapping);
	assert_int_equal(p->time_nanos, in->time_nanos);
	assert_int_equal(p->duration_nanos, in->duration_nanos);
	assert_int_equal(p->n_sample_type, in->n_sample_type);
	perftools__profiles__profile__free_unpacked(p, NULL);
	perftools__profiles__profile__free_unpacked(in, NULL);
	free(out);
	free(raw);
}

/* A profile that is its upload body already is sent as it is; garbage is refused. */
static void test_unchanged_and_bad(void **state)
{
	Perftools__Profiles__Profile msg = PERFTOOLS__PROFILES__PROFILE__INIT;
	Perftools__Profiles__Label label = PERFTOOLS__PROFILES__LABEL__INIT;
	Perftools__Profiles__Label *labels[1] = { &label };
	Perftools__Profiles__Sample sample = PERFTOOLS__PROFILES__SAMPLE__INIT;
	Perftools__Profiles__Sample *samples[1] = { &sample };
	char *strings[3] = { "", PPROF_LABEL_COMM, "app" };
	uint8_t buf[256];
	static const uint8_t garbage[] = { 0x0a, 0xff, 0xff, 0xff };
	void *out = (void *)1;
	size_t len, out_len = 1;

	(void)state;
	label.key = 1;
	label.str = 2;
	sample.n_label = 1;
	sample.label = labels;
	msg.n_sample = 1;
	msg.sample = samples;
	msg.n_string_table = 3;
	msg.string_table = strings;
	len = perftools__profiles__profile__pack(&msg, buf);
	assert_int_equal(pprof_series__upload_body(buf, len, PPROF_SERIES_COMM, &out, &out_len), 0);
	assert_null(out);
	assert_int_equal(out_len, 0);

	/* A label whose value is past the string table. */
	label.str = 3;
	len = perftools__profiles__profile__pack(&msg, buf);
	assert_int_equal(pprof_series__upload_body(buf, len, 0, &out, &out_len), -EINVAL);
	assert_null(out);
	assert_int_equal(pprof_series__upload_body(garbage, sizeof(garbage), 0, &out, &out_len),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_upload_body),
		cmocka_unit_test(test_root_frames_and_strings),
		cmocka_unit_test(test_unchanged_and_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
