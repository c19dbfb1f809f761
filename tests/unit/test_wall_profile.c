// SPDX-License-Identifier: GPL-2.0-only
/* The wall-time view: CPU samples as their period, off-CPU times under [off-CPU]. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "profile.h"
#include "wall_profile.h"

/* A profile of @value with one sample main;@leaf of @count, thread 7 of process 5. */
static struct profile *one_sample(enum profile_value value, uint64_t period_ns, const char *leaf,
				  uint64_t count)
{
	struct profile_meta meta = { .period_ns = period_ns, .value = value };
	struct profile_frame main_frame = { .func = "main", .module = "/bin/w" };
	struct profile_frame leaf_frame = { .func = leaf, .module = "/bin/w" };
	struct profile_labels labels = { .pid = 5, .tid = 7, .comm = "w" };
	struct profile *prof = profile__new();
	uint32_t stack[2];

	assert_non_null(prof);
	profile__set_meta(prof, &meta);
	stack[0] = profile__intern_frame(prof, &main_frame);
	stack[1] = profile__intern_frame(prof, &leaf_frame);
	assert_int_equal(profile__add_sample(prof, stack, 2, &labels, count), 0);
	return prof;
}

static void test_on_and_off_cpu_in_nanoseconds(void **state)
{
	struct profile *cpu = one_sample(PROFILE_VALUE_SAMPLES, 10000000, "spin", 3);
	struct profile *off = one_sample(PROFILE_VALUE_OFF_CPU, 0, "nap", 5000000);
	struct profile *wall = wall_profile__new(cpu, off);
	const struct profile_sample *s;

	(void)state;
	assert_non_null(wall);
	assert_int_equal(profile__meta(wall)->value, PROFILE_VALUE_WALL);
	assert_int_equal(profile__sample_count(wall), 2);
	assert_int_equal(profile__total(wall), 35000000);
	s = profile__sample(wall, 0);
	assert_int_equal(s->count, 30000000);
	assert_int_equal(s->depth, 2);
	assert_string_equal(profile__frame(wall, s->frames[1])->func, "spin");
	assert_int_equal(s->labels.tid, 7);
	s = profile__sample(wall, 1);
	assert_int_equal(s->count, 5000000);
	assert_int_equal(s->depth, 3);
	assert_string_equal(profile__frame(wall, s->frames[1])->func, "nap");
	assert_string_equal(profile__frame(wall, s->frames[2])->func, WALL_OFF_CPU_FRAME);
	profile__free(wall);

	/* The profiles must be what they say. */
	errno = 0;
	assert_null(wall_profile__new(off, cpu));
	assert_int_equal(errno, EINVAL);
	profile__free(cpu);
	profile__free(off);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_and_off_cpu_in_nanoseconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
