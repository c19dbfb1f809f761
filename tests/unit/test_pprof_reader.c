// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pprof reader on input we did not write: other producers' conventions (no comm labels,
 * other sample types, unsymbolized locations, multi-member gzip), and corrupt, truncated or
 * empty input, which must give an error with a reason, leave the profile unchanged and
 * never crash.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "pprof_reader.h"
#include "profile.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile pb_profile;

/* String indexes of the fixture. */
enum {
	S_EMPTY,
	S_SAMPLES,
	S_COUNT,
	S_CPU,
	S_NANOSECONDS,
	S_MAIN,
	S_WORK,
	S_PATH,
	S_COMM,
	S_APP,
	S_PID,
	S_FILE,
	NR_STRINGS
};

/*
 * A small valid profile as a producer other than us might write it, every part in fixed
 * storage so that a test can break one field and pack it.
 */
struct fixture {
	pb_profile msg;
	char *strings[NR_STRINGS];
	Perftools__Profiles__ValueType types[2], *type_ptrs[2], period_type;
	Perftools__Profiles__Mapping mapping, *mapping_ptrs[1];
	Perftools__Profiles__Function functions[2], *function_ptrs[2];
	Perftools__Profiles__Line lines[2], *line_ptrs[2];
	Perftools__Profiles__Location locations[2], *location_ptrs[2];
	Perftools__Profiles__Label labels[2], *label_ptrs[2];
	Perftools__Profiles__Sample sample, *sample_ptrs[1];
	uint64_t location_ids[2];
	int64_t values[2];
	int64_t comments[1];
};

static struct fixture *fixture__new(void)
{
	static const char *const strings[NR_STRINGS] = {
		[S_EMPTY] = "",
		[S_SAMPLES] = "samples",
		[S_COUNT] = "count",
		[S_CPU] = "cpu",
		[S_NANOSECONDS] = "nanoseconds",
		[S_MAIN] = "main",
		[S_WORK] = "work",
		[S_PATH] = "/usr/local/bin/server",
		[S_COMM] = "comm",
		[S_APP] = "app",
		[S_PID] = "pid",
		[S_FILE] = "server.go",
	};
	struct fixture *fx = calloc(1, sizeof(*fx));
	pb_profile *msg;
	size_t i;

	assert_non_null(fx);
	msg = &fx->msg;
	perftools__profiles__profile__init(msg);
	for (i = 0; i < NR_STRINGS; i++)
		fx->strings[i] = (char *)strings[i];
	msg->n_string_table = NR_STRINGS;
	msg->string_table = fx->strings;

	for (i = 0; i < 2; i++) {
		perftools__profiles__value_type__init(&fx->types[i]);
		fx->type_ptrs[i] = &fx->types[i];
	}
	fx->types[0].type = S_SAMPLES;
	fx->types[0].unit = S_COUNT;
	fx->types[1].type = S_CPU;
	fx->types[1].unit = S_NANOSECONDS;
	msg->n_sample_type = 2;
	msg->sample_type = fx->type_ptrs;
	perftools__profiles__value_type__init(&fx->period_type);
	fx->period_type.type = S_CPU;
	fx->period_type.unit = S_NANOSECONDS;
	msg->period_type = &fx->period_type;
	msg->period = 10000000;
	msg->time_nanos = 1600000000000000000;
	msg->duration_nanos = 2000000000;

	perftools__profiles__mapping__init(&fx->mapping);
	fx->mapping.id = 7;
	fx->mapping.memory_start = 0x400000;
	fx->mapping.memory_limit = 0x800000;
	fx->mapping.filename = S_PATH;
	fx->mapping_ptrs[0] = &fx->mapping;
	msg->n_mapping = 1;
	msg->mapping = fx->mapping_ptrs;

	for (i = 0; i < 2; i++) {
		perftools__profiles__function__init(&fx->functions[i]);
		fx->function_ptrs[i] = &fx->functions[i];
		perftools__profiles__line__init(&fx->lines[i]);
		fx->line_ptrs[i] = &fx->lines[i];
		perftools__profiles__location__init(&fx->locations[i]);
		fx->location_ptrs[i] = &fx->locations[i];
	}
	/* Ids need not be dense or ordered. */
	fx->functions[0].id = 100;
	fx->functions[0].name = S_MAIN;
	fx->functions[0].system_name = S_MAIN;
	fx->functions[0].filename = S_FILE;
	fx->functions[1].id = 50;
	fx->functions[1].name = S_WORK;
	fx->functions[1].system_name = S_WORK;
	fx->functions[1].filename = S_FILE;
	msg->n_function = 2;
	msg->function = fx->function_ptrs;

	fx->lines[0].function_id = 100;
	fx->lines[0].line = 12;
	fx->lines[1].function_id = 50;
	fx->lines[1].line = 34;
	fx->locations[0].id = 9;
	fx->locations[0].mapping_id = 7;
	fx->locations[0].address = 0x401000;
	fx->locations[0].n_line = 1;
	fx->locations[0].line = &fx->line_ptrs[0];
	fx->locations[1].id = 3;
	fx->locations[1].mapping_id = 7;
	fx->locations[1].address = 0x402000;
	fx->locations[1].n_line = 1;
	fx->locations[1].line = &fx->line_ptrs[1];
	msg->n_location = 2;
	msg->location = fx->location_ptrs;

	/* work (leaf) called from main; no comm label, as Go writes it. */
	perftools__profiles__sample__init(&fx->sample);
	fx->location_ids[0] = 3;
	fx->location_ids[1] = 9;
	fx->sample.n_location_id = 2;
	fx->sample.location_id = fx->location_ids;
	fx->values[0] = 4;
	fx->values[1] = 40000000;
	fx->sample.n_value = 2;
	fx->sample.value = fx->values;
	for (i = 0; i < 2; i++) {
		perftools__profiles__label__init(&fx->labels[i]);
		fx->label_ptrs[i] = &fx->labels[i];
	}
	fx->labels[0].key = S_PID;
	fx->labels[0].num = 4242;
	fx->sample.n_label = 1;
	fx->sample.label = fx->label_ptrs;
	fx->sample_ptrs[0] = &fx->sample;
	msg->n_sample = 1;
	msg->sample = fx->sample_ptrs;
	return fx;
}

struct buffer {
	uint8_t *data;
	size_t len;
};

static void pack(const pb_profile *msg, struct buffer *out)
{
	out->len = perftools__profiles__profile__get_packed_size(msg);
	out->data = malloc(out->len + 1);
	assert_non_null(out->data);
	assert_int_equal(perftools__profiles__profile__pack(msg, out->data), out->len);
}

/* Appends @in as one gzip member to @out. */
static void gzip_append(const uint8_t *in, size_t len, struct buffer *out)
{
	z_stream zs = { 0 };
	size_t bound;

	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	bound = deflateBound(&zs, len) + 32;
	out->data = realloc(out->data, out->len + bound);
	assert_non_null(out->data);
	zs.next_in = (Bytef *)in;
	zs.avail_in = len;
	zs.next_out = out->data + out->len;
	zs.avail_out = bound;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	out->len += bound - zs.avail_out;
	deflateEnd(&zs);
}

static struct profile *read_ok(const void *data, size_t len)
{
	struct profile *prof = profile__new();
	char err[256];

	assert_non_null(prof);
	if (pprof__read(data, len, prof, err, sizeof(err)))
		fail_msg("pprof__read: %s", err);
	return prof;
}

static void test_foreign_profile(void **state)
{
	struct fixture *fx = fixture__new();
	const struct profile_sample *s;
	const struct profile_frame *f;
	struct profile *prof;
	struct buffer raw;

	(void)state;
	pack(&fx->msg, &raw);
	prof = read_ok(raw.data, raw.len);

	assert_int_equal(profile__sample_count(prof), 1);
	s = profile__sample(prof, 0);
	assert_int_equal(s->count, 4);
	assert_int_equal(s->labels.pid, 4242);
	assert_int_equal(s->labels.tid, 0);
	/* No comm label: the main binary's name. */
	assert_string_equal(s->labels.comm, "server");
	assert_null(s->labels.thread);
	assert_int_equal(s->depth, 2);
	f = profile__frame(prof, s->frames[0]);
	assert_string_equal(f->func, "main");
	assert_null(f->mangled);
	assert_string_equal(f->file, "server.go");
	assert_int_equal(f->line, 12);
	assert_string_equal(f->module, "/usr/local/bin/server");
	assert_int_equal(f->addr, 0x401000);
	assert_int_equal(f->kind, FRAME_USER);
	f = profile__frame(prof, s->frames[1]);
	assert_string_equal(f->func, "work");
	assert_int_equal(f->line, 34);

	assert_int_equal(profile__meta(prof)->period_ns, 10000000);
	assert_int_equal(profile__meta(prof)->time_ns, 1600000000000000000ull);
	assert_int_equal(profile__meta(prof)->duration_ns, 2000000000ull);
	profile__free(prof);
	free(raw.data);
	free(fx);
}

/* Two gzip members, as concatenating gzip files gives: one stream to gzip and to Go. */
static void test_gzip_members(void **state)
{
	struct fixture *fx = fixture__new();
	struct buffer raw, gz = { 0 };
	struct profile *prof;

	(void)state;
	pack(&fx->msg, &raw);
	gzip_append(raw.data, raw.len / 2, &gz);
	gzip_append(raw.data + raw.len / 2, raw.len - raw.len / 2, &gz);
	prof = read_ok(gz.data, gz.len);
	assert_int_equal(profile__total(prof), 4);
	profile__free(prof);
	free(gz.data);
	free(raw.data);
	free(fx);
}

static const char *read_comm(struct fixture *fx)
{
	static char comm[64];
	struct profile *prof;
	struct buffer raw;

	pack(&fx->msg, &raw);
	prof = read_ok(raw.data, raw.len);
	snprintf(comm, sizeof(comm), "%s", profile__sample(prof, 0)->labels.comm);
	profile__free(prof);
	free(raw.data);
	return comm;
}

static void test_default_comm(void **state)
{
	struct fixture *fx = fixture__new();

	(void)state;
	assert_string_equal(read_comm(fx), "server");
	fx->strings[S_PATH] = "[vdso]";
	assert_string_equal(read_comm(fx), "[unknown]");
	fx->strings[S_PATH] = "";
	assert_string_equal(read_comm(fx), "[unknown]");
	fx->strings[S_PATH] = "/x/server";
	fx->msg.n_mapping = 0;
	fx->locations[0].mapping_id = 0;
	fx->locations[1].mapping_id = 0;
	assert_string_equal(read_comm(fx), "[unknown]");
	/* A comm label wins. */
	fx->labels[1].key = S_COMM;
	fx->labels[1].str = S_APP;
	fx->sample.n_label = 2;
	assert_string_equal(read_comm(fx), "app");
	free(fx);
}

static uint64_t read_total(struct fixture *fx)
{
	struct profile *prof;
	struct buffer raw;
	uint64_t total;

	pack(&fx->msg, &raw);
	prof = read_ok(raw.data, raw.len);
	total = profile__total(prof);
	profile__free(prof);
	free(raw.data);
	return total;
}

/* samples/count wherever it is, else the first value; samples without a count skipped. */
static void test_count_value(void **state)
{
	struct fixture *fx = fixture__new();

	(void)state;
	assert_int_equal(read_total(fx), 4);
	/* cpu/nanoseconds, samples/count: still the count. */
	fx->types[0].type = S_CPU;
	fx->types[0].unit = S_NANOSECONDS;
	fx->types[1].type = S_SAMPLES;
	fx->types[1].unit = S_COUNT;
	fx->values[0] = 40000000;
	fx->values[1] = 4;
	assert_int_equal(read_total(fx), 4);
	/* No count among them (a heap profile, say): the first value. */
	fx->types[1].type = S_WORK;
	assert_int_equal(read_total(fx), 40000000);
	fx->values[0] = 0;
	assert_int_equal(read_total(fx), 0);
	fx->values[0] = -5;
	assert_int_equal(read_total(fx), 0);
	free(fx);
}

/* Kinds follow the mapping's name (pprof_internal.h). */
static void test_kinds(void **state)
{
	static const struct {
		const char *filename;
		enum frame_kind kind;
	} cases[] = {
		{ "[kernel.kallsyms]", FRAME_KERNEL }, { "[kernel.kallsyms]_text", FRAME_KERNEL },
		{ "[nf_tables]", FRAME_KERNEL },       { "[vdso]", FRAME_USER },
		{ "[anon:libc_malloc]", FRAME_USER },  { "[jit]", FRAME_JIT },
		{ "/tmp/perf-1234.map", FRAME_JIT },   { "/tmp/perf-x.map", FRAME_USER },
		{ "/usr/lib/libc.so.6", FRAME_USER },
	};
	struct fixture *fx = fixture__new();
	const struct profile_sample *s;
	struct profile *prof;
	struct buffer raw;

	(void)state;
	/* Two lines: work inlined into main. */
	fx->locations[0].n_line = 2;
	fx->line_ptrs[0] = &fx->lines[1];
	fx->line_ptrs[1] = &fx->lines[0];
	fx->sample.n_location_id = 1;
	fx->location_ids[0] = 9;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx->strings[S_PATH] = (char *)cases[i].filename;
		pack(&fx->msg, &raw);
		prof = read_ok(raw.data, raw.len);
		s = profile__sample(prof, 0);
		assert_int_equal(s->depth, 2);
		assert_string_equal(profile__frame(prof, s->frames[0])->func, "main");
		assert_int_equal(profile__frame(prof, s->frames[0])->kind, cases[i].kind);
		assert_string_equal(profile__frame(prof, s->frames[1])->func, "work");
		assert_int_equal(profile__frame(prof, s->frames[1])->kind, FRAME_INLINE);
		profile__free(prof);
		free(raw.data);
	}
	free(fx);
}

/* Unsymbolized locations are named as the symbolizer names what it cannot. */
static void test_unsymbolized(void **state)
{
	struct fixture *fx = fixture__new();
	const struct profile_sample *s;
	struct profile *prof;
	struct buffer raw;

	(void)state;
	fx->locations[0].n_line = 0;
	fx->locations[1].n_line = 0;
	fx->locations[1].mapping_id = 0;
	pack(&fx->msg, &raw);
	prof = read_ok(raw.data, raw.len);
	s = profile__sample(prof, 0);
	assert_string_equal(profile__frame(prof, s->frames[0])->func, "server+0x401000");
	assert_string_equal(profile__frame(prof, s->frames[1])->func, "0x402000");
	assert_null(profile__frame(prof, s->frames[1])->module);
	profile__free(prof);
	free(raw.data);
	free(fx);
}

static void test_invalid_utf8(void **state)
{
	struct fixture *fx = fixture__new();
	const struct profile_sample *s;
	struct profile *prof;
	struct buffer raw;

	(void)state;
	fx->strings[S_WORK] = "w\xc3\x28rk\xf4\x90\x80\x80";
	pack(&fx->msg, &raw);
	prof = read_ok(raw.data, raw.len);
	s = profile__sample(prof, 0);
	assert_string_equal(profile__frame(prof, s->frames[1])->func,
			    "w\xef\xbf\xbd(rk\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	profile__free(prof);
	free(raw.data);
	free(fx);
}

/*
 * Reads @data, which must fail with @want and a reason matching @reason, leaving a profile
 * that already holds a sample as it was.
 */
static void expect_error(const void *data, size_t len, int want, const char *reason)
{
	struct profile *prof = profile__new();
	struct profile_frame f = { .func = "before" };
	struct profile_labels labels = { .comm = "x" };
	uint32_t id;
	char err[256];
	int ret;

	assert_non_null(prof);
	id = profile__intern_frame(prof, &f);
	assert_int_equal(profile__add_sample(prof, &id, 1, &labels, 1), 0);
	ret = pprof__read(data, len, prof, err, sizeof(err));
	if (ret != want || !strstr(err, reason))
		fail_msg("want %d '%s', got %d '%s'", want, reason, ret, err);
	if (want == -EINVAL) {
		assert_int_equal(profile__frame_count(prof), 1);
		assert_int_equal(profile__sample_count(prof), 1);
		assert_int_equal(profile__total(prof), 1);
	}
	/* No room for a reason: still an error, and nothing written past the buffer. */
	assert_int_equal(pprof__read(data, len, prof, NULL, 0), want);
	profile__free(prof);
}

static void expect_fixture_error(struct fixture *fx, const char *reason)
{
	struct buffer raw, gz = { 0 };

	pack(&fx->msg, &raw);
	expect_error(raw.data, raw.len, -EINVAL, reason);
	gzip_append(raw.data, raw.len, &gz);
	expect_error(gz.data, gz.len, -EINVAL, reason);
	free(gz.data);
	free(raw.data);
	free(fx);
}

static void test_bad_references(void **state)
{
	struct fixture *fx;

	(void)state;
	fx = fixture__new();
	fx->msg.n_string_table = 0;
	expect_fixture_error(fx, "no string table");

	fx = fixture__new();
	fx->strings[0] = "x";
	expect_fixture_error(fx, "string 0 is not empty");

	fx = fixture__new();
	fx->types[1].unit = NR_STRINGS;
	expect_fixture_error(fx, "sample type 1 refers to string");

	fx = fixture__new();
	fx->period_type.type = -1;
	expect_fixture_error(fx, "period type");

	fx = fixture__new();
	fx->comments[0] = 1000;
	fx->msg.n_comment = 1;
	fx->msg.comment = fx->comments;
	expect_fixture_error(fx, "comment 0 refers to string 1000");

	fx = fixture__new();
	fx->msg.drop_frames = NR_STRINGS;
	expect_fixture_error(fx, "drop_frames");

	fx = fixture__new();
	fx->mapping.id = 0;
	expect_fixture_error(fx, "mapping 0 has id 0");

	fx = fixture__new();
	fx->mapping.filename = INT64_MAX;
	expect_fixture_error(fx, "mapping 0 refers to string");

	fx = fixture__new();
	fx->mapping.build_id = -3;
	expect_fixture_error(fx, "mapping 0 refers to string -3");

	fx = fixture__new();
	fx->functions[1].id = 100;
	expect_fixture_error(fx, "function id 100 is used twice");

	fx = fixture__new();
	fx->functions[0].system_name = NR_STRINGS + 5;
	expect_fixture_error(fx, "function 0 refers to string");

	fx = fixture__new();
	fx->locations[1].id = 0;
	expect_fixture_error(fx, "location 1 has id 0");

	fx = fixture__new();
	fx->locations[1].id = 9;
	expect_fixture_error(fx, "location id 9 is used twice");

	fx = fixture__new();
	fx->locations[0].mapping_id = 8;
	expect_fixture_error(fx, "location 9 refers to mapping 8");

	fx = fixture__new();
	fx->lines[1].function_id = 51;
	expect_fixture_error(fx, "location 3 line 0 refers to function 51");

	fx = fixture__new();
	fx->lines[1].function_id = 0;
	expect_fixture_error(fx, "refers to function 0");

	fx = fixture__new();
	fx->location_ids[1] = 0;
	expect_fixture_error(fx, "sample 0 refers to location 0");

	fx = fixture__new();
	fx->location_ids[0] = 4;
	expect_fixture_error(fx, "sample 0 refers to location 4");

	fx = fixture__new();
	fx->sample.n_value = 1;
	expect_fixture_error(fx, "sample 0 has 1 values for 2 sample types");

	fx = fixture__new();
	fx->labels[0].key = NR_STRINGS;
	expect_fixture_error(fx, "a label of sample 0 refers to string");

	fx = fixture__new();
	fx->labels[0].num_unit = -1;
	expect_fixture_error(fx, "a label of sample 0 refers to string -1");

	fx = fixture__new();
	fx->msg.n_sample_type = 0;
	fx->sample.n_value = 0;
	expect_fixture_error(fx, "samples but no sample types");
}

static void test_bad_bytes(void **state)
{
	/* Field 9 (time_nanos) as a varint of 11 bytes: longer than any varint may be. */
	static const uint8_t bad_varint[] = { 0x48, 0xff, 0xff, 0xff, 0xff, 0xff,
					      0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	/* A string of 2^34 bytes, with 2 there. */
	static const uint8_t huge_length[] = { 0x32, 0x80, 0x80, 0x80, 0x80, 0x40, 'a', 'b' };
	/* A sample (field 2) whose length runs past the end. */
	static const uint8_t long_message[] = { 0x12, 0x7f, 0x08, 0x01 };
	/* Wire type 7 does not exist. */
	static const uint8_t bad_wire_type[] = { 0x0f, 0x00 };
	/* gzip's magic and then nothing valid. */
	static const uint8_t gzip_header_only[] = { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3 };
	static const char text[] = "main;work 12\n";
	struct fixture *fx = fixture__new();
	struct buffer raw, gz = { 0 }, bad;

	(void)state;
	expect_error("", 0, -EINVAL, "empty");
	expect_error(text, strlen(text), -EINVAL, "not a pprof profile");
	expect_error(bad_varint, sizeof(bad_varint), -EINVAL, "protobuf decoding failed");
	expect_error(huge_length, sizeof(huge_length), -EINVAL, "protobuf decoding failed");
	expect_error(long_message, sizeof(long_message), -EINVAL, "protobuf decoding failed");
	expect_error(bad_wire_type, sizeof(bad_wire_type), -EINVAL, "protobuf decoding failed");
	expect_error(gzip_header_only, sizeof(gzip_header_only), -EINVAL, "truncated gzip");
	expect_error(gzip_header_only, 1, -EINVAL, "not a pprof profile");

	pack(&fx->msg, &raw);
	gzip_append(raw.data, raw.len, &gz);
	/* Truncated anywhere: raw protobuf, or gzip (inside the data or its trailer). */
	for (size_t cut = 1; cut < raw.len; cut++) {
		struct profile *prof = profile__new();
		char err[256];
		int ret;

		/* A cut between two fields may leave a valid profile: only the end is missing. */
		assert_non_null(prof);
		ret = pprof__read(raw.data, cut, prof, err, sizeof(err));
		assert_true(ret == 0 || ret == -EINVAL);
		profile__free(prof);
	}
	for (size_t cut = 2; cut < gz.len; cut++)
		expect_error(gz.data, cut, -EINVAL, "truncated gzip data");

	/* A flipped bit in the CRC, in the data, and garbage after the end. */
	bad.data = malloc(gz.len + 3);
	assert_non_null(bad.data);
	memcpy(bad.data, gz.data, gz.len);
	bad.data[gz.len - 6] ^= 0x10;
	expect_error(bad.data, gz.len, -EINVAL, "corrupt gzip data: incorrect data check");
	memcpy(bad.data, gz.data, gz.len);
	bad.data[12] ^= 0xff;
	expect_error(bad.data, gz.len, -EINVAL, "corrupt gzip data");
	memcpy(bad.data, gz.data, gz.len);
	memcpy(bad.data + gz.len, "xyz", 3);
	expect_error(bad.data, gz.len + 3, -EINVAL, "garbage after the end");
	free(bad.data);

	/* A gzip of nothing is an empty profile. */
	free(gz.data);
	gz.data = NULL;
	gz.len = 0;
	gzip_append((const uint8_t *)"", 0, &gz);
	expect_error(gz.data, gz.len, -EINVAL, "empty");

	free(gz.data);
	free(raw.data);
	free(fx);
}

/* One location of 20000 lines, referenced 20000 times: 4e8 frames from 100 KB. */
static void test_frame_budget(void **state)
{
	enum { N = 20000 };
	struct fixture *fx = fixture__new();
	Perftools__Profiles__Line **lines = calloc(N, sizeof(*lines));
	uint64_t *ids = calloc(N, sizeof(*ids));
	struct buffer raw;

	(void)state;
	assert_non_null(lines);
	assert_non_null(ids);
	for (size_t i = 0; i < N; i++) {
		lines[i] = &fx->lines[0];
		ids[i] = 9;
	}
	fx->locations[0].n_line = N;
	fx->locations[0].line = lines;
	fx->sample.n_location_id = N;
	fx->sample.location_id = ids;
	pack(&fx->msg, &raw);
	expect_error(raw.data, raw.len, -E2BIG, "too many frames");
	free(raw.data);
	free(ids);
	free(lines);
	free(fx);
}

/* A million empty samples: 2 bytes each on the wire, 80 bytes each decoded. */
static void test_decode_budget(void **state)
{
	const size_t n = 1u << 20;
	uint8_t *data = malloc(2 * n);

	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < n; i++) {
		data[2 * i] = 0x12;
		data[2 * i + 1] = 0;
	}
	expect_error(data, 2 * n, -E2BIG, "more memory");
	free(data);
}

/* The summary: the profile's times, read without its samples being checked or converted. */
static void test_summary(void **state)
{
	static const uint8_t bad_wire_type[] = { 0x0f, 0x00 };
	struct fixture *fx = fixture__new();
	struct pprof_summary sum;
	struct buffer raw, gz = { 0 };
	const size_t n = 1u << 20;
	uint8_t *empty_samples = calloc(n, 2);

	(void)state;
	assert_non_null(empty_samples);
	/* A reference to no location: pprof__read() refuses it, the summary does not look. */
	fx->location_ids[0] = 999;
	pack(&fx->msg, &raw);
	assert_int_equal(pprof__read_summary(raw.data, raw.len, &sum), 0);
	assert_int_equal(sum.time_ns, 1600000000000000000ull);
	assert_int_equal(sum.duration_ns, 2000000000ull);
	free(raw.data);

	fx->msg.time_nanos = -1;
	fx->msg.duration_nanos = 0;
	pack(&fx->msg, &raw);
	memset(&sum, 0xff, sizeof(sum));
	assert_int_equal(pprof__read_summary(raw.data, raw.len, &sum), 0);
	assert_int_equal(sum.time_ns, 0);
	assert_int_equal(sum.duration_ns, 0);

	/* Only the message itself: gzip bytes are none. */
	gzip_append(raw.data, raw.len, &gz);
	assert_int_equal(pprof__read_summary(gz.data, gz.len, &sum), -EINVAL);
	assert_int_equal(pprof__read_summary("", 0, &sum), -EINVAL);
	assert_int_equal(pprof__read_summary(bad_wire_type, sizeof(bad_wire_type), &sum), -EINVAL);
	/* Within the reader's memory bound (see test_decode_budget). */
	for (size_t i = 0; i < n; i++)
		empty_samples[2 * i] = 0x12;
	assert_int_equal(pprof__read_summary(empty_samples, 2 * n, &sum), -E2BIG);

	free(empty_samples);
	free(gz.data);
	free(raw.data);
	free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_foreign_profile), cmocka_unit_test(test_gzip_members),
		cmocka_unit_test(test_default_comm),	cmocka_unit_test(test_count_value),
		cmocka_unit_test(test_kinds),		cmocka_unit_test(test_unsymbolized),
		cmocka_unit_test(test_invalid_utf8),	cmocka_unit_test(test_bad_references),
		cmocka_unit_test(test_bad_bytes),	cmocka_unit_test(test_frame_budget),
		cmocka_unit_test(test_decode_budget),	cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
