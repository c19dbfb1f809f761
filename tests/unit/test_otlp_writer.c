// SPDX-License-Identifier: GPL-2.0-only
/*
 * The OTLP writer: the decoded request against what otlp_writer.h promises: zero entries at
 * index 0 of every table, one profile per sample type, inlined lines callee first, attributes
 * interned once, the model's seconds of one identity as paired values and timestamps (or one
 * aggregated value when a sample has no time), a stable profile id, and partial-success
 * replies read back.
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

#include "otlp_writer.h"
#include "profile.h"
#include "profiles_service.pb-c.h"

#define PERIOD 52631578ull
#define T0 1700000000000000000ull
#define SECOND 1000000000ull

typedef Opentelemetry__Proto__Collector__Profiles__V1development__ExportProfilesServiceRequest
	request;
typedef Opentelemetry__Proto__Profiles__V1development__ProfilesDictionary dictionary;
typedef Opentelemetry__Proto__Profiles__V1development__Profile otlp_profile;

static uint32_t frame(struct profile *prof, const char *func, const char *module,
		      enum frame_kind kind)
{
	struct profile_frame f = { .func = func, .module = module, .kind = kind, .addr = 0x10 };
	int64_t id = profile__intern_frame(prof, &f);

	assert_true(id >= 0);
	return id;
}

/* main -> work (with helper inlined into it), in two seconds, and a kernel stack. */
static struct profile *make_profile(bool timed)
{
	struct profile *prof = profile__new();
	struct profile_meta meta = { .time_ns = T0,
				     .duration_ns = 10 * SECOND,
				     .period_ns = PERIOD };
	struct profile_labels l = { .pid = 42, .tid = 43, .comm = "app", .thread = "worker" };
	uint32_t user[3], kernel[2];

	assert_non_null(prof);
	strcpy(meta.host, "box");
	profile__set_meta(prof, &meta);
	user[0] = frame(prof, "main", "/bin/app", FRAME_USER);
	user[1] = frame(prof, "work", "/bin/app", FRAME_USER);
	user[2] = frame(prof, "helper", "/bin/app", FRAME_INLINE);
	kernel[0] = user[0];
	kernel[1] = frame(prof, "do_syscall_64", "[kernel.kallsyms]", FRAME_KERNEL);
	l.time_ns = timed ? T0 : 0;
	assert_int_equal(profile__add_sample(prof, user, 3, &l, 3), 0);
	l.time_ns = timed ? T0 + SECOND : 0;
	assert_int_equal(profile__add_sample(prof, user, 3, &l, 2), 0);
	l.thread = NULL;
	assert_int_equal(profile__add_sample(prof, kernel, 2, &l, 1), 0);
	return prof;
}

static request *encode(struct profile *prof, const char *const *attrs, size_t nattrs)
{
	struct otlp_resource res = { .service_name = "svc",
				     .attributes = attrs,
				     .nattributes = nattrs };
	void *raw = NULL;
	size_t len = 0;
	request *req;

	assert_int_equal(otlp__encode(prof, &res, &raw, &len), 0);
	req = opentelemetry__proto__collector__profiles__v1development__export_profiles_service_request__unpack(
		NULL, len, raw);
	free(raw);
	assert_non_null(req);
	return req;
}

static void free_request(request *req)
{
	opentelemetry__proto__collector__profiles__v1development__export_profiles_service_request__free_unpacked(
		req, NULL);
}

static const char *str(const dictionary *d, int32_t i)
{
	assert_true(i >= 0 && (size_t)i < d->n_string_table);
	return d->string_table[i];
}

/* The value of attribute @i as text ("42" for numbers). */
static void attr_text(const dictionary *d, int32_t i, char *key, char *value)
{
	const Opentelemetry__Proto__Profiles__V1development__KeyValueAndUnit *a =
		d->attribute_table[i];

	strcpy(key, str(d, a->key_strindex));
	if (a->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE)
		sprintf(value, "%lld", (long long)a->value->int_value);
	else
		strcpy(value, a->value->string_value);
}

static void test_tables(void **state)
{
	const char *labels[] = { "env=ci" };
	struct profile *prof = make_profile(true);
	request *req = encode(prof, labels, 1);
	const dictionary *d = req->dictionary;
	const Opentelemetry__Proto__Profiles__V1development__Location *work = NULL;
	const Opentelemetry__Proto__Common__V1__KeyValue *kv;
	char key[64], value[64];
	size_t i;

	(void)state;
	/* Entry 0 of each table is the zero value. */
	assert_string_equal(str(d, 0), "");
	assert_true(d->n_mapping_table == 3 && d->mapping_table[0]->filename_strindex == 0);
	assert_int_equal(d->location_table[0]->n_lines, 0);
	assert_int_equal(d->function_table[0]->name_strindex, 0);
	assert_int_equal(d->stack_table[0]->n_location_indices, 0);
	assert_null(d->attribute_table[0]->value);
	assert_true(d->n_link_table == 1 && d->link_table[0]->trace_id.len == 16);
	/* work with helper inlined: one location, the callee's line first. */
	for (i = 1; i < d->n_location_table; i++)
		if (d->location_table[i]->n_lines == 2)
			work = d->location_table[i];
	assert_non_null(work);
	assert_string_equal(
		str(d, d->function_table[work->lines[0]->function_index]->name_strindex), "helper");
	assert_string_equal(
		str(d, d->function_table[work->lines[1]->function_index]->name_strindex), "work");
	assert_string_equal(str(d, d->mapping_table[work->mapping_index]->filename_strindex),
			    "/bin/app");
	attr_text(d, work->attribute_indices[0], key, value);
	assert_string_equal(key, "profile.frame.type");
	assert_string_equal(value, "native");
	/* The resource and scope. */
	assert_int_equal(req->n_resource_profiles, 1);
	assert_int_equal(req->resource_profiles[0]->resource->n_attributes, 3);
	kv = req->resource_profiles[0]->resource->attributes[0];
	assert_string_equal(kv->key, "host.name");
	assert_string_equal(kv->value->string_value, "box");
	assert_string_equal(req->resource_profiles[0]->resource->attributes[1]->value->string_value,
			    "svc");
	assert_string_equal(req->resource_profiles[0]->resource->attributes[2]->key, "env");
	assert_string_equal(req->resource_profiles[0]->scope_profiles[0]->scope->name, "bpfprof");
	free_request(req);
	profile__free(prof);
}

static void test_samples(void **state)
{
	struct profile *prof = make_profile(true);
	request *req = encode(prof, NULL, 0);
	const dictionary *d = req->dictionary;
	const Opentelemetry__Proto__Profiles__V1development__ScopeProfiles *sp =
		req->resource_profiles[0]->scope_profiles[0];
	const Opentelemetry__Proto__Profiles__V1development__Sample *s;
	const otlp_profile *count, *cpu;
	char key[64], value[64];

	(void)state;
	assert_int_equal(sp->n_profiles, 2);
	count = sp->profiles[0];
	cpu = sp->profiles[1];
	assert_string_equal(str(d, count->sample_type->type_strindex), "samples");
	assert_string_equal(str(d, cpu->sample_type->unit_strindex), "nanoseconds");
	assert_string_equal(str(d, count->period_type->type_strindex), "cpu");
	assert_true(count->period == PERIOD && count->time_unix_nano == T0 &&
		    count->duration_nano == 10 * SECOND);
	assert_int_equal(count->profile_id.len, 16);
	assert_memory_not_equal(count->profile_id.data, cpu->profile_id.data, 16);
	/* The two seconds of the user stack are one sample: values and timestamps paired. */
	assert_int_equal(count->n_samples, 2);
	s = count->samples[0];
	assert_true(s->n_values == 2 && s->n_timestamps_unix_nano == 2);
	assert_true(s->values[0] == 3 && s->values[1] == 2);
	assert_true(s->timestamps_unix_nano[0] == T0 && s->timestamps_unix_nano[1] == T0 + SECOND);
	assert_true(cpu->samples[0]->values[0] == 3 * (int64_t)PERIOD);
	assert_int_equal(d->stack_table[s->stack_index]->n_location_indices, 2);
	assert_int_equal(s->n_attribute_indices, 4);
	attr_text(d, s->attribute_indices[0], key, value);
	assert_string_equal(key, "process.pid");
	assert_string_equal(value, "42");
	attr_text(d, s->attribute_indices[2], key, value);
	assert_string_equal(key, "process.executable.name");
	assert_string_equal(value, "app");
	/* No thread name: no thread.name; the pid attribute is the same entry. */
	s = count->samples[1];
	assert_int_equal(s->n_attribute_indices, 3);
	assert_int_equal(s->attribute_indices[0], count->samples[0]->attribute_indices[0]);
	free_request(req);
	profile__free(prof);
}

static void test_untimed(void **state)
{
	struct profile *prof = make_profile(false);
	request *req = encode(prof, NULL, 0);
	const otlp_profile *count = req->resource_profiles[0]->scope_profiles[0]->profiles[0];

	(void)state;
	/* Without times the model's samples of one identity were merged already: one value. */
	assert_int_equal(count->n_samples, 2);
	assert_true(count->samples[0]->n_values == 1 && count->samples[0]->values[0] == 5);
	assert_int_equal(count->samples[0]->n_timestamps_unix_nano, 0);
	free_request(req);
	profile__free(prof);
}

static void test_stable_id(void **state)
{
	struct profile *a = make_profile(true), *b = make_profile(true);
	request *ra = encode(a, NULL, 0), *rb = encode(b, NULL, 0);

	(void)state;
	assert_memory_equal(
		ra->resource_profiles[0]->scope_profiles[0]->profiles[1]->profile_id.data,
		rb->resource_profiles[0]->scope_profiles[0]->profiles[1]->profile_id.data, 16);
	free_request(ra);
	free_request(rb);
	profile__free(a);
	profile__free(b);
}

static void test_reply(void **state)
{
	Opentelemetry__Proto__Collector__Profiles__V1development__ExportProfilesServiceResponse r;
	Opentelemetry__Proto__Collector__Profiles__V1development__ExportProfilesPartialSuccess ps;
	uint8_t buf[128];
	char msg[32];
	int64_t rejected;
	size_t len;

	(void)state;
	assert_int_equal(otlp__read_reply("", 0, &rejected, msg, sizeof(msg)), 0);
	assert_true(rejected == 0 && !msg[0]);
	opentelemetry__proto__collector__profiles__v1development__export_profiles_service_response__init(
		&r);
	opentelemetry__proto__collector__profiles__v1development__export_profiles_partial_success__init(
		&ps);
	ps.rejected_profiles = 2;
	ps.error_message = "too old";
	r.partial_success = &ps;
	len = opentelemetry__proto__collector__profiles__v1development__export_profiles_service_response__pack(
		&r, buf);
	assert_int_equal(otlp__read_reply(buf, len, &rejected, msg, sizeof(msg)), 0);
	assert_int_equal(rejected, 2);
	assert_string_equal(msg, "too old");
	assert_int_equal(otlp__read_reply("\xff\xff\xff", 3, &rejected, msg, sizeof(msg)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),	cmocka_unit_test(test_samples),
		cmocka_unit_test(test_untimed), cmocka_unit_test(test_stable_id),
		cmocka_unit_test(test_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
