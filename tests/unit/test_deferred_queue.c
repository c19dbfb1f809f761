// SPDX-License-Identifier: GPL-2.0-only
/* The deferred queue: samples walked early keep only their frames; takes go by buffer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deferred_queue.h"

#define HEAD offsetof(struct prof_deferred_sample, stack)

static struct prof_deferred_sample sample;
static unsigned int walks;

/* A walk: frames ip, sp, bp of the sample, ended COMPLETE. */
static void fake_walk(void *ctx, const struct prof_deferred_sample *d, struct prof_user_stack *s)
{
	(void)ctx;
	walks++;
	s->nr = 3;
	s->end = PROF_UNWIND_COMPLETE;
	s->ips[0] = d->ip;
	s->ips[1] = d->sp;
	s->ips[2] = d->bp;
}

static void push(struct deferred_queue *q, uint32_t tgid, uint32_t buffer, uint64_t time_ns,
		 uint32_t stack_bytes, int want)
{
	memset(&sample, 0, sizeof(sample));
	sample.key.tgid = tgid;
	sample.buffer = buffer;
	sample.time_ns = time_ns;
	sample.ip = tgid * 10 + 1;
	sample.sp = tgid * 10 + 2;
	sample.bp = tgid * 10 + 3;
	sample.stack_bytes = stack_bytes;
	assert_int_equal(deferred_queue__push(q, &sample, HEAD + stack_bytes), want);
}

static void test_walk_early_then_take_by_buffer(void **state)
{
	/* Room for three samples with their stacks, and some walked ones. */
	struct deferred_queue *q = deferred_queue__new(3 * (HEAD + 16384) + 1024);
	struct deferred_walked **out;
	long n;

	(void)state;
	walks = 0;
	push(q, 1, 0, 100, 16384, 0);
	push(q, 2, 1, 200, 16384, 0);
	push(q, 3, 0, 300, 16384, 0);
	/* Full: the fourth is lost, and counted. */
	push(q, 4, 0, 400, 16384, -ENOSPC);
	assert_int_equal(deferred_queue__lost(q), 1);
	/* Only those taken before 250 are walked; their bytes are given back. */
	deferred_queue__walk(q, 250, fake_walk, NULL);
	assert_int_equal(walks, 2);
	push(q, 5, 0, 500, 16384, 0);
	push(q, 6, 0, 600, 16384, 0);
	/* Buffer 0: samples 1 (walked), 3, 5 and 6 (walked now), in the order received. */
	n = deferred_queue__take(q, 0, fake_walk, NULL, &out);
	assert_int_equal(n, 4);
	assert_int_equal(walks, 5);
	assert_int_equal(out[0]->key.tgid, 1);
	assert_int_equal(out[1]->key.tgid, 3);
	assert_int_equal(out[3]->key.tgid, 6);
	assert_int_equal(out[1]->nr, 3);
	assert_int_equal(out[1]->ips[0], 31);
	assert_int_equal(out[1]->ips[2], 33);
	assert_int_equal(out[1]->end, PROF_UNWIND_COMPLETE);
	for (long i = 0; i < n; i++)
		free(out[i]);
	free(out);
	/* Buffer 1: sample 2, walked already, not again. */
	n = deferred_queue__take(q, 1, fake_walk, NULL, &out);
	assert_int_equal(n, 1);
	assert_int_equal(walks, 5);
	assert_int_equal(out[0]->key.tgid, 2);
	assert_int_equal(out[0]->buffer, 1);
	free(out[0]);
	free(out);
	n = deferred_queue__take(q, 0, fake_walk, NULL, &out);
	assert_int_equal(n, 0);
	free(out);
	/* Everything given back: a full queue's worth fits again. */
	push(q, 7, 0, 700, 16384, 0);
	push(q, 8, 0, 800, 16384, 0);
	push(q, 9, 0, 900, 16384, 0);
	deferred_queue__free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_early_then_take_by_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
