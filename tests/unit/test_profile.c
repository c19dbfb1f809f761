// SPDX-License-Identifier: GPL-2.0-only
/* The profile model and the interning it is built on (string pool, hash table). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "profile.h"
#include "string_pool.h"

static const struct profile_frame base_frame = {
	.func = "do_work",
	.mangled = "_Z7do_workv",
	.file = "work.c",
	.module = "/usr/bin/worker",
	.addr = 0x1234,
	.line = 42,
	.kind = FRAME_USER,
};

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

static uint32_t intern(struct profile *prof, const struct profile_frame *frame)
{
	int64_t id = profile__intern_frame(prof, frame);

	assert_true(id >= 0);
	return id;
}

static void test_string_pool(void **state)
{
	struct string_pool *pool = string_pool__new();
	char buf[32];
	int64_t a, b, c, e;

	(void)state;
	assert_non_null(pool);
	strcpy(buf, "alpha");
	a = string_pool__intern(pool, buf, strlen(buf));
	strcpy(buf, "beta");
	b = string_pool__intern(pool, buf, strlen(buf));
	strcpy(buf, "alpha");
	c = string_pool__intern(pool, buf, strlen(buf));
	e = string_pool__intern(pool, "", 0);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(c, 0);
	assert_int_equal(e, 2);
	/* A prefix is a different string. */
	assert_int_equal(string_pool__intern(pool, "alph", 4), 3);
	/* Embedded NUL bytes count. */
	assert_int_equal(string_pool__intern(pool, "a\0b", 3), 4);
	assert_int_equal(string_pool__intern(pool, "a\0c", 3), 5);
	assert_int_equal(string_pool__count(pool), 6);
	assert_string_equal(string_pool__str(pool, 0), "alpha");
	assert_string_equal(string_pool__str(pool, 1), "beta");
	assert_string_equal(string_pool__str(pool, 2), "");
	assert_int_equal(string_pool__len(pool, 4), 3);
	assert_memory_equal(string_pool__str(pool, 4), "a\0b", 4);
	assert_null(string_pool__str(pool, 6));
	assert_int_equal(string_pool__len(pool, 6), 0);
	string_pool__free(pool);
	string_pool__free(NULL);
}

/* Enough strings to grow the table and the arena many times; every id must come back. */
static void test_string_pool_many(void **state)
{
	struct string_pool *pool = string_pool__new();
	char buf[32];
	int64_t id;
	int i, len;

	(void)state;
	assert_non_null(pool);
	for (i = 0; i < 100000; i++) {
		len = snprintf(buf, sizeof(buf), "s%d", i);
		assert_int_equal(string_pool__intern(pool, buf, len), i);
	}
	for (i = 99999; i >= 0; i--) {
		len = snprintf(buf, sizeof(buf), "s%d", i);
		id = string_pool__intern(pool, buf, len);
		assert_int_equal(id, i);
		assert_string_equal(string_pool__str(pool, id), buf);
	}
	assert_int_equal(string_pool__count(pool), 100000);
	string_pool__free(pool);
}

static void test_frame_intern_equal(void **state)
{
	struct profile *prof = *state;
	struct profile_frame copy = base_frame;
	char func[32], module[32];
	const struct profile_frame *f;
	uint32_t id;

	id = intern(prof, &base_frame);
	assert_int_equal(id, 0);
	/* Equal contents in other buffers: the same frame. */
	strcpy(func, base_frame.func);
	strcpy(module, base_frame.module);
	copy.func = func;
	copy.module = module;
	assert_int_equal(intern(prof, &copy), id);
	assert_int_equal(profile__frame_count(prof), 1);

	/* Strings are copied: changing the caller's buffer changes nothing. */
	strcpy(func, "changed");
	f = profile__frame(prof, id);
	assert_non_null(f);
	assert_string_equal(f->func, "do_work");
	assert_string_equal(f->mangled, "_Z7do_workv");
	assert_string_equal(f->file, "work.c");
	assert_string_equal(f->module, "/usr/bin/worker");
	assert_ptr_not_equal(f->func, base_frame.func);
	assert_int_equal(f->addr, 0x1234);
	assert_int_equal(f->line, 42);
	assert_int_equal(f->kind, FRAME_USER);
	assert_null(profile__frame(prof, 1));
}

static void test_frame_intern_each_field(void **state)
{
	struct profile *prof = *state;
	struct profile_frame v[12];
	const struct profile_frame *f;
	int n = 0, i;

	for (i = 0; i < 12; i++)
		v[i] = base_frame;
	v[n++].func = "do_work2";
	v[n++].func = "";
	v[n++].mangled = NULL;
	v[n++].mangled = "_Z7do_workv_";
	v[n++].file = NULL;
	v[n++].file = "other.c";
	v[n++].module = NULL;
	v[n++].module = "[kernel.kallsyms]";
	v[n++].addr = 0x1235;
	v[n++].line = 43;
	v[n++].kind = FRAME_INLINE;
	v[n++].kind = FRAME_KERNEL;

	assert_int_equal(intern(prof, &base_frame), 0);
	/* Each differs from the base in one field: a new, dense id each time. */
	for (i = 0; i < n; i++)
		assert_int_equal(intern(prof, &v[i]), i + 1);
	for (i = 0; i < n; i++)
		assert_int_equal(intern(prof, &v[i]), i + 1);
	assert_int_equal(profile__frame_count(prof), n + 1);

	f = profile__frame(prof, 3);
	assert_null(f->mangled);
	assert_string_equal(f->func, "do_work");
	f = profile__frame(prof, 11);
	assert_int_equal(f->kind, FRAME_INLINE);
	f = profile__frame(prof, 2);
	assert_string_equal(f->func, "");
}

static void test_frame_intern_invalid(void **state)
{
	struct profile *prof = *state;
	struct profile_frame f = base_frame;

	f.func = NULL;
	assert_int_equal(profile__intern_frame(prof, &f), -EINVAL);
	f = base_frame;
	f.kind = FRAME_KIND_COUNT;
	assert_int_equal(profile__intern_frame(prof, &f), -EINVAL);
	f.kind = (enum frame_kind) - 1;
	assert_int_equal(profile__intern_frame(prof, &f), -EINVAL);
	assert_int_equal(profile__intern_frame(prof, NULL), -EINVAL);
	assert_int_equal(profile__frame_count(prof), 0);
}

/* Interns frames named f0..f(n-1) into @ids. */
static void intern_named(struct profile *prof, uint32_t *ids, int n)
{
	struct profile_frame f = base_frame;
	char name[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		f.func = name;
		ids[i] = intern(prof, &f);
	}
}

static void test_sample_merge(void **state)
{
	struct profile *prof = *state;
	struct profile_labels labels = { .pid = 10, .tid = 11, .comm = "worker", .thread = "w-1" };
	struct profile_labels other;
	const struct profile_sample *s;
	char comm[16], thread[16];
	uint32_t ids[3], stack[3];

	intern_named(prof, ids, 3);
	stack[0] = ids[0];
	stack[1] = ids[1];
	stack[2] = ids[2];
	assert_int_equal(profile__add_sample(prof, stack, 3, &labels, 5), 0);

	/* Equal stack and labels (from other buffers): merged. */
	strcpy(comm, "worker");
	strcpy(thread, "w-1");
	other = labels;
	other.comm = comm;
	other.thread = thread;
	assert_int_equal(profile__add_sample(prof, stack, 3, &other, 7), 0);
	assert_int_equal(profile__sample_count(prof), 1);
	s = profile__sample(prof, 0);
	assert_int_equal(s->count, 12);
	assert_int_equal(s->depth, 3);
	assert_int_equal(s->frames[0], ids[0]);
	assert_int_equal(s->frames[2], ids[2]);
	assert_int_equal(s->labels.pid, 10);
	assert_int_equal(s->labels.tid, 11);
	assert_string_equal(s->labels.comm, "worker");
	assert_string_equal(s->labels.thread, "w-1");
	assert_ptr_not_equal(s->labels.comm, comm);
	assert_ptr_not_equal(s->frames, stack);

	/* Any difference in labels or stack: a separate sample. */
	other = labels;
	other.pid = 12;
	assert_int_equal(profile__add_sample(prof, stack, 3, &other, 1), 0);
	other = labels;
	other.tid = 12;
	assert_int_equal(profile__add_sample(prof, stack, 3, &other, 1), 0);
	other = labels;
	other.comm = "worker2";
	assert_int_equal(profile__add_sample(prof, stack, 3, &other, 1), 0);
	other = labels;
	other.thread = NULL;
	assert_int_equal(profile__add_sample(prof, stack, 3, &other, 1), 0);
	other.thread = "";
	assert_int_equal(profile__add_sample(prof, stack, 3, &other, 1), 0);
	assert_int_equal(profile__add_sample(prof, stack, 2, &labels, 1), 0);
	stack[2] = ids[1];
	assert_int_equal(profile__add_sample(prof, stack, 3, &labels, 1), 0);
	assert_int_equal(profile__add_sample(prof, stack, 0, &labels, 1), 0);
	assert_int_equal(profile__sample_count(prof), 9);

	/* Each of those merges with itself again. */
	assert_int_equal(profile__add_sample(prof, NULL, 0, &labels, 2), 0);
	assert_int_equal(profile__sample_count(prof), 9);
	s = profile__sample(prof, 8);
	assert_int_equal(s->depth, 0);
	assert_int_equal(s->count, 3);
	s = profile__sample(prof, 4);
	assert_null(s->labels.thread);
	s = profile__sample(prof, 5);
	assert_string_equal(s->labels.thread, "");
	assert_null(profile__sample(prof, 9));
	assert_int_equal(profile__total(prof), 12 + 7 + 3);
}

static void test_sample_invalid(void **state)
{
	struct profile *prof = *state;
	struct profile_labels labels = { .pid = 1, .tid = 1, .comm = "x" };
	uint32_t ids[2], stack[2];

	intern_named(prof, ids, 2);
	stack[0] = ids[0];
	stack[1] = ids[1];
	assert_int_equal(profile__add_sample(prof, stack, 2, &labels, 4), 0);

	stack[1] = 2;
	assert_int_equal(profile__add_sample(prof, stack, 2, &labels, 1), -EINVAL);
	stack[1] = UINT32_MAX;
	assert_int_equal(profile__add_sample(prof, stack, 2, &labels, 1), -EINVAL);
	stack[1] = ids[1];
	assert_int_equal(profile__add_sample(prof, stack, 2, &labels, 0), -EINVAL);
	assert_int_equal(profile__add_sample(prof, NULL, 2, &labels, 1), -EINVAL);
	assert_int_equal(profile__add_sample(prof, stack, 2, NULL, 1), -EINVAL);
	labels.comm = NULL;
	assert_int_equal(profile__add_sample(prof, stack, 2, &labels, 1), -EINVAL);
	labels.comm = "x";
	assert_int_equal(profile__add_sample(prof, stack, 2, &labels, UINT64_MAX), -EOVERFLOW);

	/* Nothing of the failed calls stuck. */
	assert_int_equal(profile__sample_count(prof), 1);
	assert_int_equal(profile__sample(prof, 0)->count, 4);
	assert_int_equal(profile__total(prof), 4);
}

static void test_meta(void **state)
{
	struct profile *prof = *state;
	struct profile_meta meta = { .time_ns = 1, .duration_ns = 2, .period_ns = 10101010 };

	assert_int_equal(profile__meta(prof)->time_ns, 0);
	assert_int_equal(profile__meta(prof)->period_ns, 0);
	profile__set_meta(prof, &meta);
	meta.time_ns = 99;
	assert_int_equal(profile__meta(prof)->time_ns, 1);
	assert_int_equal(profile__meta(prof)->duration_ns, 2);
	assert_int_equal(profile__meta(prof)->period_ns, 10101010);
}

#define SCALE_FRAMES 200000
#define SCALE_SAMPLES 200000

/* The stack of scale sample @i into @stack; returns its depth. */
static size_t scale_stack(int i, uint32_t *stack)
{
	stack[0] = 0;
	stack[1] = (i / 1000) % SCALE_FRAMES;
	stack[2] = (uint32_t)(i * 7919u) % SCALE_FRAMES;
	stack[3] = i % SCALE_FRAMES;
	return 1 + i % 4;
}

/* A whole-host sized profile: every sample must keep its own count through all the growth. */
static void test_scale(void **state)
{
	struct profile *prof = *state;
	struct profile_labels labels = { .comm = "app" };
	const struct profile_sample *s;
	uint32_t *ids, stack[4];
	uint64_t total = 0;
	char comm[16];
	size_t depth;
	int i;

	ids = malloc(SCALE_FRAMES * sizeof(*ids));
	assert_non_null(ids);
	intern_named(prof, ids, SCALE_FRAMES);
	assert_int_equal(profile__frame_count(prof), SCALE_FRAMES);
	for (i = 0; i < SCALE_FRAMES; i++)
		assert_int_equal(ids[i], i);
	/* Interning them again finds them all. */
	intern_named(prof, ids, SCALE_FRAMES);
	assert_int_equal(profile__frame_count(prof), SCALE_FRAMES);

	/* Two passes: the first creates every sample, the second merges into each one. */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < SCALE_SAMPLES; i++) {
			depth = scale_stack(i, stack);
			/* Many samples share a stack and differ in labels only. */
			labels.pid = i % 97;
			labels.tid = i;
			snprintf(comm, sizeof(comm), "app%d", i % 13);
			labels.comm = comm;
			assert_int_equal(profile__add_sample(prof, stack, depth, &labels,
							     pass ? 1 : i % 5 + 1),
					 0);
			total += pass ? 1 : i % 5 + 1;
		}
	}
	assert_int_equal(profile__sample_count(prof), SCALE_SAMPLES);
	assert_int_equal(profile__total(prof), total);
	for (i = 0; i < SCALE_SAMPLES; i++) {
		s = profile__sample(prof, i);
		assert_int_equal(s->count, i % 5 + 2);
		assert_int_equal(s->labels.tid, i);
		depth = scale_stack(i, stack);
		assert_int_equal(s->depth, depth);
		assert_memory_equal(s->frames, stack, depth * sizeof(*stack));
		snprintf(comm, sizeof(comm), "app%d", i % 13);
		assert_string_equal(s->labels.comm, comm);
	}
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_pool),
		cmocka_unit_test(test_string_pool_many),
		cmocka_unit_test_setup_teardown(test_frame_intern_equal, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_frame_intern_each_field, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_frame_intern_invalid, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_sample_merge, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_sample_invalid, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_meta, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_scale, setup_profile, teardown_profile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
