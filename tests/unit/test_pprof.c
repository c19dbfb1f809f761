// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pprof writer: the decoded structure (ids, string table, sample types, mappings,
 * inline line order, labels) against assertions and a golden dump, and round trips through
 * the reader: model -> pprof -> model, and folded -> pprof -> folded byte for byte.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "golden.h"

#include "folded.h"
#include "folded_reader.h"
#include "pprof_reader.h"
#include "pprof_writer.h"
#include "profile.h"
#include "profile.pb-c.h"
#include "utf8.h"

#define PERIOD 10101010ull /* 99 Hz */

typedef Perftools__Profiles__Profile pb_profile;

struct buffer {
	char *data;
	size_t len;
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

static uint32_t frame(struct profile *prof, const struct profile_frame *f)
{
	int64_t id = profile__intern_frame(prof, f);

	assert_true(id >= 0);
	return id;
}

static void add(struct profile *prof, const uint32_t *stack, size_t depth, uint32_t pid,
		uint32_t tid, const char *comm, const char *thread, uint64_t count)
{
	struct profile_labels labels = { .pid = pid, .tid = tid, .comm = comm, .thread = thread };

	assert_int_equal(profile__add_sample(prof, stack, depth, &labels, count), 0);
}

/*
 * A small whole-system profile: a user binary with an inline chain, a library, the kernel
 * and a kernel module, a second binary, JIT code, an unnamed frame and a sample without
 * labels beyond comm.
 */
static void build_profile(struct profile *prof)
{
	const struct profile_meta meta = {
		.time_ns = 1700000000123456789ull,
		.duration_ns = 5000000000ull,
		.period_ns = PERIOD,
		.host = "build-42.example",
	};
	struct profile_frame f_start = { .func = "_start",
					 .module = "/usr/bin/app",
					 .addr = 0x1040 };
	struct profile_frame f_main = { .func = "main",
					.file = "app.c",
					.line = 10,
					.module = "/usr/bin/app",
					.addr = 0x1180 };
	struct profile_frame f_work = { .func = "work()",
					.mangled = "_Z4workv",
					.file = "app.c",
					.line = 20,
					.module = "/usr/bin/app",
					.addr = 0x1234 };
	struct profile_frame f_helper = { .func = "helper",
					  .file = "util.h",
					  .line = 30,
					  .module = "/usr/bin/app",
					  .addr = 0x1234,
					  .kind = FRAME_INLINE };
	struct profile_frame f_leaf = { .func = "leaf",
					.file = "util.h",
					.line = 40,
					.module = "/usr/bin/app",
					.addr = 0x1234,
					.kind = FRAME_INLINE };
	struct profile_frame f_memcpy = { .func = "memcpy",
					  .module = "/lib/libc.so.6",
					  .addr = 0x9a000 };
	struct profile_frame f_entry = { .func = "entry_SYSCALL_64",
					 .module = "[kernel.kallsyms]",
					 .addr = 0xffffffff81000080ull,
					 .kind = FRAME_KERNEL };
	struct profile_frame f_ext4 = { .func = "ext4_file_read_iter",
					.module = "[ext4]",
					.addr = 0xffffffffc0a01000ull,
					.kind = FRAME_KERNEL };
	struct profile_frame f_other = { .func = "other_main",
					 .module = "/usr/bin/other",
					 .addr = 0x2000 };
	struct profile_frame f_js = { .func = "LazyCompile:*fib app.js:3",
				      .module = "/tmp/perf-42.map",
				      .addr = 0x7f0000001000ull,
				      .kind = FRAME_JIT };
	struct profile_frame f_unknown = { .func = "[unknown]" };
	uint32_t start, main_id, work, helper, leaf, memcpy_id, entry, ext4, other, js, unknown;

	start = frame(prof, &f_start);
	main_id = frame(prof, &f_main);
	work = frame(prof, &f_work);
	helper = frame(prof, &f_helper);
	leaf = frame(prof, &f_leaf);
	memcpy_id = frame(prof, &f_memcpy);
	entry = frame(prof, &f_entry);
	ext4 = frame(prof, &f_ext4);
	other = frame(prof, &f_other);
	js = frame(prof, &f_js);
	unknown = frame(prof, &f_unknown);

	/* The other binary comes first, but app has the most samples: app is the main one. */
	add(prof, (uint32_t[]){ other }, 1, 200, 200, "other", NULL, 1);
	add(prof, (uint32_t[]){ start, main_id, work, helper, leaf, memcpy_id }, 6, 100, 101, "app",
	    "worker", 5);
	add(prof, (uint32_t[]){ start, main_id, entry, ext4 }, 4, 100, 100, "app", NULL, 3);
	add(prof, (uint32_t[]){ unknown, js }, 2, 300, 300, "node", "V8 Worker", 2);
	add(prof, (uint32_t[]){ entry }, 1, 0, 0, "swapper/0", NULL, 4);
	profile__set_meta(prof, &meta);
}

static void write_pprof(const struct profile *prof, struct buffer *out)
{
	FILE *f;

	out->data = NULL;
	out->len = 0;
	f = open_memstream(&out->data, &out->len);
	assert_non_null(f);
	assert_int_equal(pprof__write(prof, f), 0);
	assert_int_equal(fclose(f), 0);
}

static void gunzip(const struct buffer *in, struct buffer *out)
{
	z_stream zs = { 0 };
	size_t cap = 1 << 16;
	int ret;

	/* gzip, as pprof requires on disk: the magic, then a stream zlib takes as gzip only. */
	assert_true(in->len > 18);
	assert_int_equal((unsigned char)in->data[0], 0x1f);
	assert_int_equal((unsigned char)in->data[1], 0x8b);
	assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	out->data = malloc(cap);
	out->len = 0;
	zs.next_in = (Bytef *)in->data;
	zs.avail_in = in->len;
	do {
		if (out->len == cap) {
			cap *= 2;
			out->data = realloc(out->data, cap);
			assert_non_null(out->data);
		}
		zs.next_out = (Bytef *)out->data + out->len;
		zs.avail_out = cap - out->len;
		ret = inflate(&zs, Z_NO_FLUSH);
		assert_true(ret == Z_OK || ret == Z_STREAM_END);
		out->len = cap - zs.avail_out;
	} while (ret != Z_STREAM_END);
	assert_int_equal(zs.avail_in, 0);
	inflateEnd(&zs);
}

static pb_profile *decode(const struct profile *prof)
{
	struct buffer gz, raw;
	pb_profile *msg;

	write_pprof(prof, &gz);
	gunzip(&gz, &raw);
	msg = perftools__profiles__profile__unpack(NULL, raw.len, (uint8_t *)raw.data);
	assert_non_null(msg);
	free(raw.data);
	free(gz.data);
	return msg;
}

static const char *str(const pb_profile *msg, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < msg->n_string_table);
	return msg->string_table[i];
}

static const Perftools__Profiles__Mapping *mapping_by_id(const pb_profile *msg, uint64_t id)
{
	for (size_t i = 0; i < msg->n_mapping; i++) {
		if (msg->mapping[i]->id == id)
			return msg->mapping[i];
	}
	fail_msg("no mapping %" PRIu64, id);
	return NULL;
}

static const Perftools__Profiles__Location *location_by_id(const pb_profile *msg, uint64_t id)
{
	for (size_t i = 0; i < msg->n_location; i++) {
		if (msg->location[i]->id == id)
			return msg->location[i];
	}
	fail_msg("no location %" PRIu64, id);
	return NULL;
}

static const Perftools__Profiles__Function *function_by_id(const pb_profile *msg, uint64_t id)
{
	for (size_t i = 0; i < msg->n_function; i++) {
		if (msg->function[i]->id == id)
			return msg->function[i];
	}
	fail_msg("no function %" PRIu64, id);
	return NULL;
}

static const char *line_name(const pb_profile *msg, const Perftools__Profiles__Location *loc,
			     size_t k)
{
	assert_true(k < loc->n_line);
	return str(msg, function_by_id(msg, loc->line[k]->function_id)->name);
}

/* The sample whose leaf location's last line is the function @leaf. */
static const Perftools__Profiles__Sample *sample_by_leaf(const pb_profile *msg, const char *leaf)
{
	const Perftools__Profiles__Location *loc;

	for (size_t i = 0; i < msg->n_sample; i++) {
		if (!msg->sample[i]->n_location_id)
			continue;
		loc = location_by_id(msg, msg->sample[i]->location_id[0]);
		if (!strcmp(line_name(msg, loc, 0), leaf))
			return msg->sample[i];
	}
	fail_msg("no sample with leaf %s", leaf);
	return NULL;
}

/* The label @key of @s as text ("123" for numbers), or NULL. */
static const char *label(const pb_profile *msg, const Perftools__Profiles__Sample *s,
			 const char *key, char *buf, size_t len)
{
	for (size_t i = 0; i < s->n_label; i++) {
		if (strcmp(str(msg, s->label[i]->key), key))
			continue;
		if (s->label[i]->str)
			return str(msg, s->label[i]->str);
		snprintf(buf, len, "%" PRId64, s->label[i]->num);
		return buf;
	}
	return NULL;
}

/* Ids of one kind: nonzero and unique. */
static void check_ids(const uint64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_true(ids[i] != 0);
		for (size_t j = 0; j < i; j++)
			assert_true(ids[i] != ids[j]);
	}
}

static void test_structure(void **state)
{
	struct profile *prof = *state;
	const Perftools__Profiles__Sample *s;
	const Perftools__Profiles__Location *loc;
	const Perftools__Profiles__Function *fn;
	const Perftools__Profiles__Mapping *m;
	uint64_t ids[64];
	pb_profile *msg;
	char buf[32];
	size_t i;

	build_profile(prof);
	msg = decode(prof);

	assert_true(msg->n_string_table > 0);
	assert_string_equal(msg->string_table[0], "");
	for (i = 0; i < msg->n_string_table; i++) {
		size_t len = strlen(msg->string_table[i]);

		assert_int_equal(utf8__valid_len(msg->string_table[i], len), len);
	}

	assert_int_equal(msg->n_sample_type, 2);
	assert_string_equal(str(msg, msg->sample_type[0]->type), "samples");
	assert_string_equal(str(msg, msg->sample_type[0]->unit), "count");
	assert_string_equal(str(msg, msg->sample_type[1]->type), "cpu");
	assert_string_equal(str(msg, msg->sample_type[1]->unit), "nanoseconds");
	assert_non_null(msg->period_type);
	assert_string_equal(str(msg, msg->period_type->type), "cpu");
	assert_string_equal(str(msg, msg->period_type->unit), "nanoseconds");
	assert_int_equal(msg->period, PERIOD);
	assert_int_equal(msg->time_nanos, 1700000000123456789ll);
	assert_int_equal(msg->duration_nanos, 5000000000ll);

	assert_true(msg->n_mapping <= 64 && msg->n_location <= 64 && msg->n_function <= 64);
	for (i = 0; i < msg->n_mapping; i++)
		ids[i] = msg->mapping[i]->id;
	check_ids(ids, msg->n_mapping);
	for (i = 0; i < msg->n_location; i++)
		ids[i] = msg->location[i]->id;
	check_ids(ids, msg->n_location);
	for (i = 0; i < msg->n_function; i++)
		ids[i] = msg->function[i]->id;
	check_ids(ids, msg->n_function);

	/* One mapping per module, the main binary first. */
	assert_int_equal(msg->n_mapping, 6);
	assert_string_equal(str(msg, msg->mapping[0]->filename), "/usr/bin/app");
	assert_true(msg->mapping[0]->has_functions && msg->mapping[0]->has_filenames &&
		    msg->mapping[0]->has_line_numbers && msg->mapping[0]->has_inline_frames);

	/* app's inline chain: one location, the innermost callee first. */
	s = sample_by_leaf(msg, "memcpy");
	assert_int_equal(s->n_location_id, 4);
	assert_int_equal(s->n_value, 2);
	assert_int_equal(s->value[0], 5);
	assert_int_equal(s->value[1], 5 * PERIOD);
	loc = location_by_id(msg, s->location_id[0]);
	assert_string_equal(str(msg, mapping_by_id(msg, loc->mapping_id)->filename),
			    "/lib/libc.so.6");
	loc = location_by_id(msg, s->location_id[1]);
	assert_int_equal(loc->address, 0x1234);
	assert_int_equal(loc->n_line, 3);
	assert_string_equal(line_name(msg, loc, 0), "leaf");
	assert_int_equal(loc->line[0]->line, 40);
	assert_string_equal(line_name(msg, loc, 1), "helper");
	assert_int_equal(loc->line[1]->line, 30);
	assert_string_equal(line_name(msg, loc, 2), "work()");
	assert_int_equal(loc->line[2]->line, 20);
	fn = function_by_id(msg, loc->line[2]->function_id);
	assert_string_equal(str(msg, fn->system_name), "_Z4workv");
	assert_string_equal(str(msg, fn->filename), "app.c");
	fn = function_by_id(msg, loc->line[0]->function_id);
	assert_string_equal(str(msg, fn->system_name), "leaf");
	assert_string_equal(str(msg, fn->filename), "util.h");
	m = mapping_by_id(msg, loc->mapping_id);
	assert_ptr_equal(m, msg->mapping[0]);
	assert_string_equal(line_name(msg, location_by_id(msg, s->location_id[2]), 0), "main");
	assert_string_equal(line_name(msg, location_by_id(msg, s->location_id[3]), 0), "_start");
	assert_string_equal(label(msg, s, "pid", buf, sizeof(buf)), "100");
	assert_string_equal(label(msg, s, "tid", buf, sizeof(buf)), "101");
	assert_string_equal(label(msg, s, "comm", buf, sizeof(buf)), "app");
	assert_string_equal(label(msg, s, "thread", buf, sizeof(buf)), "worker");
	assert_null(label(msg, s, "root_frame", buf, sizeof(buf)));

	/* Kernel frames: the kernel's mapping and the module's, runtime addresses. */
	s = sample_by_leaf(msg, "ext4_file_read_iter");
	loc = location_by_id(msg, s->location_id[0]);
	assert_string_equal(str(msg, mapping_by_id(msg, loc->mapping_id)->filename), "[ext4]");
	assert_int_equal(loc->address, 0xffffffffc0a01000ull);
	loc = location_by_id(msg, s->location_id[1]);
	assert_string_equal(str(msg, mapping_by_id(msg, loc->mapping_id)->filename),
			    "[kernel.kallsyms]");
	assert_null(label(msg, s, "thread", buf, sizeof(buf)));

	/* No module, no mapping. */
	s = sample_by_leaf(msg, "LazyCompile:*fib app.js:3");
	loc = location_by_id(msg, s->location_id[1]);
	assert_string_equal(line_name(msg, loc, 0), "[unknown]");
	assert_int_equal(loc->mapping_id, 0);
	assert_string_equal(label(msg, s, "thread", buf, sizeof(buf)), "V8 Worker");

	/* pid 0 is not written: absent reads back as 0. */
	s = sample_by_leaf(msg, "entry_SYSCALL_64");
	assert_null(label(msg, s, "pid", buf, sizeof(buf)));
	assert_string_equal(label(msg, s, "comm", buf, sizeof(buf)), "swapper/0");

	perftools__profiles__profile__free_unpacked(msg, NULL);
}

/* The decoded message as text: one line per object, in file order. */
static char *dump(const pb_profile *msg)
{
	char *text = NULL;
	size_t len = 0, i, k;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	for (i = 0; i < msg->n_sample_type; i++)
		fprintf(f, "sample_type %s/%s\n", str(msg, msg->sample_type[i]->type),
			str(msg, msg->sample_type[i]->unit));
	if (msg->period_type)
		fprintf(f, "period_type %s/%s\n", str(msg, msg->period_type->type),
			str(msg, msg->period_type->unit));
	fprintf(f, "period %" PRId64 " time_nanos %" PRId64 " duration_nanos %" PRId64 "\n",
		msg->period, msg->time_nanos, msg->duration_nanos);
	for (i = 0; i < msg->n_mapping; i++) {
		const Perftools__Profiles__Mapping *m = msg->mapping[i];

		fprintf(f,
			"mapping %" PRIu64 " %s start 0x%" PRIx64 " limit 0x%" PRIx64
			" offset 0x%" PRIx64 " build_id '%s'%s%s%s%s\n",
			m->id, str(msg, m->filename), m->memory_start, m->memory_limit,
			m->file_offset, str(msg, m->build_id), m->has_functions ? " functions" : "",
			m->has_filenames ? " filenames" : "", m->has_line_numbers ? " lines" : "",
			m->has_inline_frames ? " inline" : "");
	}
	for (i = 0; i < msg->n_location; i++) {
		const Perftools__Profiles__Location *loc = msg->location[i];

		fprintf(f, "location %" PRIu64 " mapping %" PRIu64 " address 0x%" PRIx64 "\n",
			loc->id, loc->mapping_id, loc->address);
		for (k = 0; k < loc->n_line; k++)
			fprintf(f, "\tline function %" PRIu64 " line %" PRId64 "\n",
				loc->line[k]->function_id, loc->line[k]->line);
	}
	for (i = 0; i < msg->n_function; i++) {
		const Perftools__Profiles__Function *fn = msg->function[i];

		fprintf(f, "function %" PRIu64 " name '%s' system_name '%s' filename '%s'\n",
			fn->id, str(msg, fn->name), str(msg, fn->system_name),
			str(msg, fn->filename));
	}
	for (i = 0; i < msg->n_sample; i++) {
		const Perftools__Profiles__Sample *s = msg->sample[i];

		fprintf(f, "sample");
		for (k = 0; k < s->n_value; k++)
			fprintf(f, " %" PRId64, s->value[k]);
		fprintf(f, " :");
		for (k = 0; k < s->n_location_id; k++)
			fprintf(f, " %" PRIu64, s->location_id[k]);
		for (k = 0; k < s->n_label; k++) {
			const Perftools__Profiles__Label *l = s->label[k];

			if (l->str)
				fprintf(f, " %s='%s'", str(msg, l->key), str(msg, l->str));
			else
				fprintf(f, " %s=%" PRId64, str(msg, l->key), l->num);
		}
		fprintf(f, "\n");
	}
	assert_int_equal(fclose(f), 0);
	return text;
}

static void test_golden(void **state)
{
	struct profile *prof = *state;
	pb_profile *msg;
	char *text;

	build_profile(prof);
	msg = decode(prof);
	text = dump(msg);
	golden__check("pprof_basic.txt", text);
	free(text);
	perftools__profiles__profile__free_unpacked(msg, NULL);
}

/* Same profile, same bytes: no time stamp or file name in the gzip header. */
static void test_deterministic(void **state)
{
	struct profile *prof = *state;
	struct buffer a, b;

	build_profile(prof);
	write_pprof(prof, &a);
	write_pprof(prof, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	free(a.data);
	free(b.data);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dump_str(FILE *f, const char *s)
{
	fprintf(f, s ? "'%s'" : "NULL", s);
}

/* Every sample with every field of its frames and labels, in a canonical order. */
static char *dump_model(const struct profile *prof)
{
	size_t nr = profile__sample_count(prof), i, k, len = 0, total = 0;
	char **lines = calloc(nr + 1, sizeof(*lines));
	const struct profile_meta *meta = profile__meta(prof);
	char *text = NULL;
	FILE *f;

	assert_non_null(lines);
	for (i = 0; i < nr; i++) {
		const struct profile_sample *s = profile__sample(prof, i);
		size_t line_len = 0;

		f = open_memstream(&lines[i], &line_len);
		assert_non_null(f);
		fprintf(f, "%u %u ", s->labels.pid, s->labels.tid);
		dump_str(f, s->labels.comm);
		fputc(' ', f);
		dump_str(f, s->labels.thread);
		fprintf(f, " %" PRIu64 ":", s->count);
		for (k = 0; k < s->depth; k++) {
			const struct profile_frame *fr = profile__frame(prof, s->frames[k]);

			fprintf(f, " [");
			dump_str(f, fr->func);
			fputc(' ', f);
			dump_str(f, fr->mangled);
			fputc(' ', f);
			dump_str(f, fr->file);
			fprintf(f, ":%u ", fr->line);
			dump_str(f, fr->module);
			fprintf(f, " 0x%" PRIx64 " kind %d]", fr->addr, fr->kind);
		}
		assert_int_equal(fclose(f), 0);
	}
	qsort(lines, nr, sizeof(*lines), cmp_str);
	f = open_memstream(&text, &total);
	assert_non_null(f);
	fprintf(f, "time %" PRIu64 " duration %" PRIu64 " period %" PRIu64 " host %s\n",
		meta->time_ns, meta->duration_ns, meta->period_ns, meta->host);
	for (i = 0; i < nr; i++) {
		fprintf(f, "%s\n", lines[i]);
		free(lines[i]);
	}
	assert_int_equal(fclose(f), 0);
	free(lines);
	(void)len;
	return text;
}

/* @prof written as pprof and read back into a new profile, owned by the caller. */
static struct profile *round_trip(const struct profile *prof)
{
	struct profile *back = profile__new();
	struct buffer gz;
	char err[256];

	assert_non_null(back);
	write_pprof(prof, &gz);
	if (pprof__read(gz.data, gz.len, back, err, sizeof(err)))
		fail_msg("our own pprof does not read back: %s", err);
	free(gz.data);
	return back;
}

static void test_model_round_trip(void **state)
{
	struct profile *prof = *state, *back;
	char *before, *after;

	build_profile(prof);
	back = round_trip(prof);
	before = dump_model(prof);
	after = dump_model(back);
	assert_string_equal(after, before);
	free(before);
	free(after);
	profile__free(back);
}

/* The sampler's losses travel in a comment; a profile without them reads back without. */
static void test_losses_round_trip(void **state)
{
	struct profile *prof = *state, *back;
	struct profile_meta meta;

	build_profile(prof);
	back = round_trip(prof);
	assert_false(profile__meta(back)->lost_known);
	profile__free(back);
	meta = *profile__meta(prof);
	meta.lost_known = true;
	meta.lost[PROFILE_LOST_KERNEL_STACK_COLLISION] = 3;
	meta.lost[PROFILE_LOST_COUNTS_MAP_FULL] = 18446744073709551615ull;
	profile__set_meta(prof, &meta);
	back = round_trip(prof);
	assert_true(profile__meta(back)->lost_known);
	assert_memory_equal(profile__meta(back)->lost, meta.lost, sizeof(meta.lost));
	assert_string_equal(profile__meta(back)->host, "build-42.example");
	profile__free(back);
}

/* Build ids travel on the mappings and come back on every frame of the module. */
static void test_build_id_round_trip(void **state)
{
	struct profile *prof = *state, *back;
	struct profile_labels labels = { .pid = 1, .comm = "app" };
	struct profile_frame frame = { .func = "main",
				       .module = "/usr/bin/app",
				       .build_id = "0123456789abcdef",
				       .addr = 0x1000 };
	const struct profile_frame *f;
	uint32_t ids[2];
	int64_t id;

	id = profile__intern_frame(prof, &frame);
	assert_true(id >= 0);
	ids[0] = id;
	frame.func = "work";
	frame.addr = 0x1100;
	id = profile__intern_frame(prof, &frame);
	assert_true(id >= 0);
	ids[1] = id;
	assert_int_equal(profile__add_sample(prof, ids, 2, &labels, 3), 0);
	back = round_trip(prof);
	assert_int_equal(profile__sample_count(back), 1);
	for (size_t i = 0; i < 2; i++) {
		f = profile__frame(back, profile__sample(back, 0)->frames[i]);
		assert_string_equal(f->module, "/usr/bin/app");
		assert_non_null(f->build_id);
		assert_string_equal(f->build_id, "0123456789abcdef");
	}
	profile__free(back);
}

/*
 * What pprof cannot say the same way reads back as documented in pprof_internal.h and
 * pprof_writer.h; the kind is kept in every case.
 */
static void test_documented_changes(void **state)
{
	struct profile *prof = *state, *back;
	struct profile_frame kernel = { .func = "[lost stack]", .kind = FRAME_KERNEL };
	struct profile_frame jit = { .func = "jitted", .kind = FRAME_JIT };
	struct profile_frame user = { .func = "odd", .module = "[kernel.kallsyms]" };
	struct profile_frame same = { .func = "f", .mangled = "f", .module = "/bin/x" };
	struct profile_frame bad = { .func = "bad\xff", .module = "/bin/x" };
	struct profile_frame python = {
		.func = "Handler.get", .file = "/srv/app.py", .line = 12, .kind = FRAME_PYTHON
	};
	const struct profile_frame *got;
	const struct profile_sample *s;
	uint32_t stack[6];

	stack[0] = frame(prof, &kernel);
	stack[1] = frame(prof, &jit);
	stack[2] = frame(prof, &user);
	stack[3] = frame(prof, &same);
	stack[4] = frame(prof, &bad);
	stack[5] = frame(prof, &python);
	add(prof, stack, 6, 1, 1, "comm\xfe", NULL, 1);
	back = round_trip(prof);

	assert_int_equal(profile__sample_count(back), 1);
	s = profile__sample(back, 0);
	assert_int_equal(s->depth, 6);
	assert_string_equal(s->labels.comm, "comm\xef\xbf\xbd");
	got = profile__frame(back, s->frames[0]);
	assert_int_equal(got->kind, FRAME_KERNEL);
	assert_string_equal(got->module, "[kernel.kallsyms]");
	got = profile__frame(back, s->frames[1]);
	assert_int_equal(got->kind, FRAME_JIT);
	assert_string_equal(got->module, "[jit]");
	got = profile__frame(back, s->frames[2]);
	assert_int_equal(got->kind, FRAME_USER);
	assert_null(got->module);
	got = profile__frame(back, s->frames[3]);
	assert_null(got->mangled);
	got = profile__frame(back, s->frames[4]);
	assert_string_equal(got->func, "bad\xef\xbf\xbd");
	/* A Python frame: its kind in the mapping, its source file and line kept. */
	got = profile__frame(back, s->frames[5]);
	assert_int_equal(got->kind, FRAME_PYTHON);
	assert_string_equal(got->module, "[python]");
	assert_string_equal(got->func, "Handler.get");
	assert_string_equal(got->file, "/srv/app.py");
	assert_int_equal(got->line, 12);
	profile__free(back);
}

/* folded -> model -> pprof -> model -> folded gives the folded text back, byte for byte. */
static void check_folded_round_trip(const char *path)
{
	struct folded_read_stats stats;
	struct profile *prof, *back;
	char *text, *again = NULL;
	size_t len = 0;
	FILE *f;

	text = golden__read(path, NULL);
	prof = profile__new();
	assert_non_null(prof);
	assert_int_equal(folded__read(text, strlen(text), prof, &stats), 0);
	assert_int_equal(stats.malformed, 0);
	back = round_trip(prof);
	f = open_memstream(&again, &len);
	assert_non_null(f);
	assert_int_equal(folded__write(back, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(again, text);
	free(again);
	free(text);
	profile__free(back);
	profile__free(prof);
}

static void test_folded_round_trip(void **state)
{
	(void)state;
	check_folded_round_trip(TEST_SOURCE_DIR "/fixtures/pprof_stacks.folded");
	check_folded_round_trip(GOLDEN_DIR "/folded_basic.folded");
}

/* A stack whose root frame is inlined into an unknown caller says so in a label. */
static void test_inlined_root(void **state)
{
	struct profile *prof = *state, *back;
	struct profile_frame inl = { .func = "inlined", .kind = FRAME_INLINE };
	struct profile_frame callee = { .func = "callee" };
	const struct profile_sample *s;
	uint32_t stack[2];
	pb_profile *msg;
	char buf[32];

	stack[0] = frame(prof, &inl);
	stack[1] = frame(prof, &callee);
	add(prof, stack, 2, 1, 1, "a", NULL, 1);
	add(prof, stack + 1, 1, 1, 1, "a", NULL, 2);

	msg = decode(prof);
	assert_string_equal(label(msg, sample_by_leaf(msg, "callee"), "root_frame", buf,
				  sizeof(buf)),
			    "inlined");
	perftools__profiles__profile__free_unpacked(msg, NULL);

	back = round_trip(prof);
	assert_int_equal(profile__sample_count(back), 2);
	for (size_t i = 0; i < 2; i++) {
		s = profile__sample(back, i);
		if (s->depth == 2) {
			assert_int_equal(profile__frame(back, s->frames[0])->kind, FRAME_INLINE);
			assert_int_equal(profile__frame(back, s->frames[1])->kind, FRAME_USER);
		} else {
			assert_int_equal(profile__frame(back, s->frames[0])->kind, FRAME_USER);
		}
	}
	profile__free(back);
}

/* Without a period there is no CPU time to claim: the count alone. */
static void test_no_period(void **state)
{
	struct profile *prof = *state;
	struct profile_frame f = { .func = "f" };
	uint32_t id = frame(prof, &f);
	pb_profile *msg;

	add(prof, &id, 1, 1, 1, "a", NULL, 7);
	msg = decode(prof);
	assert_int_equal(msg->n_sample_type, 1);
	assert_null(msg->period_type);
	assert_int_equal(msg->period, 0);
	assert_int_equal(msg->sample[0]->n_value, 1);
	assert_int_equal(msg->sample[0]->value[0], 7);
	perftools__profiles__profile__free_unpacked(msg, NULL);
}

static void test_empty_profile(void **state)
{
	struct profile *prof = *state, *back;
	pb_profile *msg;

	msg = decode(prof);
	assert_int_equal(msg->n_sample, 0);
	assert_int_equal(msg->n_mapping, 0);
	assert_string_equal(msg->string_table[0], "");
	perftools__profiles__profile__free_unpacked(msg, NULL);
	back = round_trip(prof);
	assert_int_equal(profile__sample_count(back), 0);
	profile__free(back);
}

static int write_to(const struct profile *prof, const char *path)
{
	FILE *f = fopen(path, "w");
	int err;

	assert_non_null(f);
	err = pprof__write(prof, f);
	fclose(f);
	return err;
}

static void test_overflow(void **state)
{
	struct profile *prof = *state;
	struct profile_meta meta = { .period_ns = 1000 };
	struct profile_frame f = { .func = "f" };
	uint32_t id = frame(prof, &f);

	/* count x period does not fit int64. */
	add(prof, &id, 1, 1, 1, "a", NULL, INT64_MAX / 1000 + 1);
	profile__set_meta(prof, &meta);
	assert_int_equal(write_to(prof, "/dev/null"), -EOVERFLOW);
	/* Nor does the count itself. */
	meta.period_ns = 0;
	profile__set_meta(prof, &meta);
	add(prof, &id, 1, 2, 2, "a", NULL, (uint64_t)INT64_MAX + 1);
	assert_int_equal(write_to(prof, "/dev/null"), -EOVERFLOW);
}

static void test_write_error(void **state)
{
	struct profile *prof = *state;

	build_profile(prof);
	assert_int_equal(write_to(prof, "/dev/full"), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_structure, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_golden, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_deterministic, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_losses_round_trip, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_model_round_trip, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_documented_changes, setup_profile,
						teardown_profile),
		cmocka_unit_test(test_folded_round_trip),
		cmocka_unit_test_setup_teardown(test_build_id_round_trip, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_inlined_root, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_no_period, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_empty_profile, setup_profile,
						teardown_profile),
		cmocka_unit_test_setup_teardown(test_overflow, setup_profile, teardown_profile),
		cmocka_unit_test_setup_teardown(test_write_error, setup_profile, teardown_profile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
