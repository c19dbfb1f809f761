// SPDX-License-Identifier: GPL-2.0-only
/*
 * The profile's tables (profile_tables.h) become the request's dictionary: every table
 * starts with its zero value, so a mapping, location or function is its position + 1, as in
 * pprof; strings keep their ids ("" is 0 in both). Stacks (a sample's locations, leaf
 * first) and attributes (key, then an int or a string) are interned here, in order of first
 * sight, and so are the samples' identities (stack and attributes), which gather the model's
 * samples of the same identity from different seconds.
 *
 * Everything the messages point to lives in the tables' arena; the request is packed once.
 */
#include "otlp_writer.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hash_table.h"
#include "pprof_internal.h"
#include "profile.h"
#include "profile_tables.h"
#include "profiles_service.pb-c.h"
#include "string_pool.h"

typedef Opentelemetry__Proto__Collector__Profiles__V1development__ExportProfilesServiceRequest
	otlp_request;
typedef Opentelemetry__Proto__Collector__Profiles__V1development__ExportProfilesServiceResponse
	otlp_response;
typedef Opentelemetry__Proto__Profiles__V1development__ProfilesDictionary otlp_dictionary;
typedef Opentelemetry__Proto__Profiles__V1development__ResourceProfiles otlp_resource_profiles;
typedef Opentelemetry__Proto__Profiles__V1development__ScopeProfiles otlp_scope_profiles;
typedef Opentelemetry__Proto__Profiles__V1development__Profile otlp_profile;
typedef Opentelemetry__Proto__Profiles__V1development__ValueType otlp_value_type;
typedef Opentelemetry__Proto__Profiles__V1development__Sample otlp_sample;
typedef Opentelemetry__Proto__Profiles__V1development__Mapping otlp_mapping;
typedef Opentelemetry__Proto__Profiles__V1development__Location otlp_location;
typedef Opentelemetry__Proto__Profiles__V1development__Line otlp_line;
typedef Opentelemetry__Proto__Profiles__V1development__Function otlp_function;
typedef Opentelemetry__Proto__Profiles__V1development__Stack otlp_stack;
typedef Opentelemetry__Proto__Profiles__V1development__Link otlp_link;
typedef Opentelemetry__Proto__Profiles__V1development__KeyValueAndUnit otlp_attribute;
typedef Opentelemetry__Proto__Resource__V1__Resource otlp_resource_msg;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope otlp_scope;
typedef Opentelemetry__Proto__Common__V1__KeyValue otlp_key_value;
typedef Opentelemetry__Proto__Common__V1__AnyValue otlp_any_value;

#define OTLP_SCOPE_NAME "bpfprof"
/* OpenTelemetry's semantic conventions (attribute registry: host, service, process, thread). */
#define ATTR_HOST_NAME "host.name"
#define ATTR_SERVICE_NAME "service.name"
#define ATTR_PID "process.pid"
#define ATTR_TID "thread.id"
#define ATTR_COMM "process.executable.name"
#define ATTR_THREAD "thread.name"
#define ATTR_BUILD_ID "process.executable.build_id.gnu"
#define ATTR_FRAME_TYPE "profile.frame.type"
/* Ours: the kind of a stack whose root frame is inlined (pprof's root_frame label). */
#define ATTR_ROOT_FRAME "bpfprof.root_frame"
#define MAX_SAMPLE_ATTRS 5 /* pid, tid, comm, thread, root frame */
#define MAX_INDEX INT32_MAX

struct ow_attr {
	uint32_t key; /* string id */
	bool is_int;
	int64_t value; /* the number, or the string id */
};

struct ow_stack {
	const uint32_t *locs; /* location indexes, leaf first; in the tables */
	uint32_t len;
};

struct ow_identity {
	uint32_t stack; /* stack index */
	uint32_t nattrs;
	uint32_t attrs[MAX_SAMPLE_ATTRS]; /* attribute indexes */
};

struct otlp_writer {
	struct profile_tables t;
	const struct otlp_resource *res;

	struct ow_attr *attrs; /* attrs[0] is the zero value */
	size_t nr_attrs, attrs_cap;
	struct hash_table *attr_index;

	struct ow_stack *stacks; /* stacks[0] is the empty stack */
	size_t nr_stacks, stacks_cap;
	struct hash_table *stack_index;

	struct ow_identity *identities; /* the request's samples */
	size_t nr_identities, identities_cap;
	struct hash_table *identity_index;
	uint32_t *sample_identity; /* model sample -> identity */
	bool timed;		   /* every model sample has its time */
};

static bool otlp_writer__attr_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct otlp_writer *w = ctx;
	const struct ow_attr *a = &w->attrs[id], *b = key;

	return a->key == b->key && a->is_int == b->is_int && a->value == b->value;
}

static bool otlp_writer__stack_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct otlp_writer *w = ctx;
	const struct ow_stack *a = &w->stacks[id], *b = key;

	return a->len == b->len && !memcmp(a->locs, b->locs, a->len * sizeof(*a->locs));
}

static bool otlp_writer__identity_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct otlp_writer *w = ctx;
	const struct ow_identity *a = &w->identities[id], *b = key;

	return a->stack == b->stack && a->nattrs == b->nattrs &&
	       !memcmp(a->attrs, b->attrs, a->nattrs * sizeof(*a->attrs));
}

/* Interns (@key, @value): a number, or with @is_int false a string id. Index or -errno. */
static int64_t otlp_writer__attr_id(struct otlp_writer *w, const char *key, bool is_int,
				    int64_t value)
{
	struct ow_attr a = { .is_int = is_int, .value = value };
	uint64_t hash;
	int64_t id;
	int err;

	id = profile_tables__str(&w->t, key);
	if (id < 0)
		return id;
	a.key = id;
	hash = hash__u64(HASH_SEED, (uint64_t)a.key << 1 | a.is_int);
	hash = hash__final(hash__u64(hash, (uint64_t)a.value));
	id = hash_table__find(w->attr_index, hash, &a);
	if (id >= 0)
		return id;
	if (w->nr_attrs > MAX_INDEX)
		return -E2BIG;
	err = array__reserve(&w->attrs, &w->attrs_cap, w->nr_attrs + 1, sizeof(*w->attrs));
	if (!err)
		err = hash_table__insert(w->attr_index, hash, w->nr_attrs);
	if (err)
		return err;
	w->attrs[w->nr_attrs] = a;
	return w->nr_attrs++;
}

/* Interns (@key, @str) or, with @str NULL, (@key, @num). Returns the index or -errno. */
static int64_t otlp_writer__attr(struct otlp_writer *w, const char *key, const char *str,
				 int64_t num)
{
	int64_t id;

	if (!str)
		return otlp_writer__attr_id(w, key, true, num);
	id = profile_tables__str(&w->t, str);
	return id < 0 ? id : otlp_writer__attr_id(w, key, false, id);
}

static int64_t otlp_writer__stack(struct otlp_writer *w, const uint32_t *locs, uint32_t len)
{
	struct ow_stack s = { .locs = locs, .len = len };
	uint64_t hash = hash__final(hash__bytes(HASH_SEED, locs, len * sizeof(*locs)));
	int64_t id;
	int err;

	id = hash_table__find(w->stack_index, hash, &s);
	if (id >= 0)
		return id;
	if (w->nr_stacks > MAX_INDEX)
		return -E2BIG;
	err = array__reserve(&w->stacks, &w->stacks_cap, w->nr_stacks + 1, sizeof(*w->stacks));
	if (!err)
		err = hash_table__insert(w->stack_index, hash, w->nr_stacks);
	if (err)
		return err;
	w->stacks[w->nr_stacks] = s;
	return w->nr_stacks++;
}

/* Appends the attribute to @id's list unless @id is NULL-like (@skip). Returns 0 or -errno. */
static int otlp_writer__add_attr(struct otlp_writer *w, struct ow_identity *id, bool skip,
				 const char *key, const char *str, int64_t num)
{
	int64_t a;

	if (skip)
		return 0;
	a = otlp_writer__attr(w, key, str, num);
	if (a < 0)
		return a;
	id->attrs[id->nattrs++] = a;
	return 0;
}

/* The identity of model sample @i: its stack and attributes. Returns 0 or -errno. */
static int otlp_writer__identify(struct otlp_writer *w, size_t i)
{
	const struct profile_sample *s = profile__sample(w->t.prof, i);
	const struct pt_sample *ps = &w->t.samples[i];
	struct ow_identity key = { 0 };
	uint64_t hash;
	int64_t id;
	int err;

	id = otlp_writer__stack(w, w->t.sample_locs + ps->first, ps->len);
	if (id < 0)
		return id;
	key.stack = id;
	/* As pprof's labels: a zero pid or tid is unknown. */
	err = otlp_writer__add_attr(w, &key, !s->labels.pid, ATTR_PID, NULL, s->labels.pid);
	if (!err)
		err = otlp_writer__add_attr(w, &key, !s->labels.tid, ATTR_TID, NULL, s->labels.tid);
	if (!err)
		err = otlp_writer__add_attr(w, &key, false, ATTR_COMM, s->labels.comm, 0);
	if (!err)
		err = otlp_writer__add_attr(w, &key, !s->labels.thread, ATTR_THREAD,
					    s->labels.thread, 0);
	if (!err)
		err = otlp_writer__add_attr(w, &key, !ps->root_inlined, ATTR_ROOT_FRAME,
					    PPROF_ROOT_INLINED, 0);
	if (err)
		return err;
	w->timed &= s->labels.time_ns != 0;

	hash = hash__final(hash__bytes(hash__u64(HASH_SEED, key.stack), key.attrs,
				       key.nattrs * sizeof(*key.attrs)));
	id = hash_table__find(w->identity_index, hash, &key);
	if (id < 0) {
		if (w->nr_identities > MAX_INDEX)
			return -E2BIG;
		err = array__reserve(&w->identities, &w->identities_cap, w->nr_identities + 1,
				     sizeof(*w->identities));
		if (!err)
			err = hash_table__insert(w->identity_index, hash, w->nr_identities);
		if (err)
			return err;
		w->identities[w->nr_identities] = key;
		id = w->nr_identities++;
	}
	w->sample_identity[i] = id;
	return 0;
}

/* An AnyValue of the string @s, in the arena. NULL on failure. */
static otlp_any_value *otlp_writer__string_value(struct otlp_writer *w, const char *s)
{
	otlp_any_value *v = profile_tables__alloc(&w->t, 1, sizeof(*v));

	if (!v)
		return NULL;
	opentelemetry__proto__common__v1__any_value__init(v);
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	v->string_value = (char *)s;
	return v;
}

static int otlp_writer__build_attrs(struct otlp_writer *w, otlp_dictionary *d)
{
	otlp_attribute *attrs = profile_tables__alloc(&w->t, w->nr_attrs, sizeof(*attrs));
	otlp_attribute **ptrs = profile_tables__alloc(&w->t, w->nr_attrs, sizeof(*ptrs));
	otlp_any_value *values = profile_tables__alloc(&w->t, w->nr_attrs, sizeof(*values));
	const struct ow_attr *a;
	size_t i;

	if (!attrs || !ptrs || !values)
		return -ENOMEM;
	for (i = 0; i < w->nr_attrs; i++) {
		a = &w->attrs[i];
		opentelemetry__proto__profiles__v1development__key_value_and_unit__init(&attrs[i]);
		ptrs[i] = &attrs[i];
		if (!i)
			continue; /* the zero value: no key, no value */
		opentelemetry__proto__common__v1__any_value__init(&values[i]);
		attrs[i].key_strindex = a->key;
		attrs[i].value = &values[i];
		if (a->is_int) {
			values[i].value_case =
				OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
			values[i].int_value = a->value;
		} else {
			values[i].value_case =
				OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
			values[i].string_value = (char *)string_pool__str(w->t.strings, a->value);
		}
	}
	d->n_attribute_table = w->nr_attrs;
	d->attribute_table = ptrs;
	return 0;
}

/* The attribute list [@index] in the arena, or none for index 0. -errno on failure. */
static int otlp_writer__one_attr(struct otlp_writer *w, int64_t index, size_t *n, int32_t **out)
{
	if (index < 0)
		return index;
	*n = 0;
	if (!index)
		return 0;
	*out = profile_tables__alloc(&w->t, 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	**out = index;
	*n = 1;
	return 0;
}

static int otlp_writer__build_mappings(struct otlp_writer *w, otlp_dictionary *d)
{
	size_t n = w->t.nr_mappings + 1, i;
	otlp_mapping *maps = profile_tables__alloc(&w->t, n, sizeof(*maps));
	otlp_mapping **ptrs = profile_tables__alloc(&w->t, n, sizeof(*ptrs));
	const struct pt_mapping *m;
	int err;

	if (!maps || !ptrs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		opentelemetry__proto__profiles__v1development__mapping__init(&maps[i]);
		ptrs[i] = &maps[i];
		if (!i)
			continue;
		m = &w->t.mappings[i - 1];
		/* As pprof's: the model's addresses are file addresses, the mapping starts at 0. */
		maps[i].memory_limit = m->limit;
		maps[i].filename_strindex = m->filename;
		err = otlp_writer__one_attr(
			w,
			m->build_id ? otlp_writer__attr_id(w, ATTR_BUILD_ID, false, m->build_id) :
				      0,
			&maps[i].n_attribute_indices, &maps[i].attribute_indices);
		if (err)
			return err;
	}
	d->n_mapping_table = n;
	d->mapping_table = ptrs;
	return 0;
}

/* profile.frame.type of a location whose real function is of @kind; NULL: none fits. */
static const char *frame_type(enum frame_kind kind)
{
	switch (kind) {
	case FRAME_KERNEL:
		return "kernel";
	case FRAME_USER:
		return "native";
	case FRAME_PYTHON:
		return "cpython";
	default:
		return NULL; /* JIT: the runtime is not known; an inlined root: no kind */
	}
}

static int otlp_writer__build_locations(struct otlp_writer *w, otlp_dictionary *d)
{
	size_t n = w->t.nr_locations + 1, i, k;
	otlp_location *locs = profile_tables__alloc(&w->t, n, sizeof(*locs));
	otlp_location **ptrs = profile_tables__alloc(&w->t, n, sizeof(*ptrs));
	const struct profile_frame *frame;
	const struct pt_location *loc;
	otlp_line *lines, **line_ptrs;
	const char *type;
	int err;

	if (!locs || !ptrs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		opentelemetry__proto__profiles__v1development__location__init(&locs[i]);
		ptrs[i] = &locs[i];
		if (!i)
			continue;
		loc = &w->t.locations[i - 1];
		lines = profile_tables__alloc(&w->t, loc->len, sizeof(*lines));
		line_ptrs = profile_tables__alloc(&w->t, loc->len, sizeof(*line_ptrs));
		if (!lines || !line_ptrs)
			return -ENOMEM;
		/* The innermost inlined callee first; the real function last. */
		for (k = 0; k < loc->len; k++) {
			frame = profile__frame(w->t.prof, loc->frames[loc->len - 1 - k]);
			opentelemetry__proto__profiles__v1development__line__init(&lines[k]);
			lines[k].function_index =
				w->t.frame_functions[loc->frames[loc->len - 1 - k]];
			lines[k].line = frame->line;
			line_ptrs[k] = &lines[k];
		}
		frame = profile__frame(w->t.prof, loc->frames[0]);
		locs[i].mapping_index = loc->mapping == PROFILE_TABLES_NO_MAPPING ?
						0 :
						loc->mapping + 1;
		locs[i].address = frame->addr;
		locs[i].n_lines = loc->len;
		locs[i].lines = line_ptrs;
		type = frame_type(frame->kind);
		err = otlp_writer__one_attr(
			w, type ? otlp_writer__attr(w, ATTR_FRAME_TYPE, type, 0) : 0,
			&locs[i].n_attribute_indices, &locs[i].attribute_indices);
		if (err)
			return err;
	}
	d->n_location_table = n;
	d->location_table = ptrs;
	return 0;
}

static int otlp_writer__build_functions(struct otlp_writer *w, otlp_dictionary *d)
{
	size_t n = w->t.nr_functions + 1, i;
	otlp_function *funcs = profile_tables__alloc(&w->t, n, sizeof(*funcs));
	otlp_function **ptrs = profile_tables__alloc(&w->t, n, sizeof(*ptrs));

	if (!funcs || !ptrs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		opentelemetry__proto__profiles__v1development__function__init(&funcs[i]);
		ptrs[i] = &funcs[i];
		if (!i)
			continue;
		funcs[i].name_strindex = w->t.functions[i - 1].name;
		funcs[i].system_name_strindex = w->t.functions[i - 1].system_name;
		funcs[i].filename_strindex = w->t.functions[i - 1].filename;
	}
	d->n_function_table = n;
	d->function_table = ptrs;
	return 0;
}

static int otlp_writer__build_stacks(struct otlp_writer *w, otlp_dictionary *d)
{
	otlp_stack *stacks = profile_tables__alloc(&w->t, w->nr_stacks, sizeof(*stacks));
	otlp_stack **ptrs = profile_tables__alloc(&w->t, w->nr_stacks, sizeof(*ptrs));
	int32_t *locs;
	size_t i, k;

	if (!stacks || !ptrs)
		return -ENOMEM;
	for (i = 0; i < w->nr_stacks; i++) {
		opentelemetry__proto__profiles__v1development__stack__init(&stacks[i]);
		ptrs[i] = &stacks[i];
		locs = profile_tables__alloc(&w->t, w->stacks[i].len, sizeof(*locs));
		if (!locs)
			return -ENOMEM;
		for (k = 0; k < w->stacks[i].len; k++)
			locs[k] = w->stacks[i].locs[k] + 1;
		stacks[i].n_location_indices = w->stacks[i].len;
		stacks[i].location_indices = locs;
	}
	d->n_stack_table = w->nr_stacks;
	d->stack_table = ptrs;
	return 0;
}

/* The dictionary's fixed parts: string and link tables. Returns 0 or -ENOMEM. */
static int otlp_writer__build_strings(struct otlp_writer *w, otlp_dictionary *d)
{
	otlp_link *link = profile_tables__alloc(&w->t, 1, sizeof(*link));
	otlp_link **links = profile_tables__alloc(&w->t, 1, sizeof(*links));
	uint8_t *zeros = profile_tables__alloc(&w->t, 16, 1);
	size_t i;

	if (!link || !links || !zeros)
		return -ENOMEM;
	/* link_table[0], with the lengths of ids, as the proto asks for strict codecs. */
	opentelemetry__proto__profiles__v1development__link__init(link);
	memset(zeros, 0, 16);
	link->trace_id = (ProtobufCBinaryData){ .len = 16, .data = zeros };
	link->span_id = (ProtobufCBinaryData){ .len = 8, .data = zeros };
	links[0] = link;
	d->n_link_table = 1;
	d->link_table = links;

	d->n_string_table = string_pool__count(w->t.strings);
	d->string_table = profile_tables__alloc(&w->t, d->n_string_table, sizeof(char *));
	if (!d->string_table)
		return -ENOMEM;
	for (i = 0; i < d->n_string_table; i++)
		d->string_table[i] = (char *)string_pool__str(w->t.strings, i);
	return 0;
}

/*
 * The samples of the profile of one sample type: with @period 0 counts, else CPU time
 * (count times @period). @first/@order hold, per identity, where its model samples start in
 * @order (model sample indexes grouped by identity).
 */
static int otlp_writer__build_samples(struct otlp_writer *w, otlp_profile *p, uint64_t period,
				      const size_t *first, const uint32_t *order)
{
	size_t n = w->nr_identities, i, k, len;
	otlp_sample *samples = profile_tables__alloc(&w->t, n, sizeof(*samples));
	otlp_sample **ptrs = profile_tables__alloc(&w->t, n, sizeof(*ptrs));
	const struct profile_sample *s;
	const struct ow_identity *id;
	uint64_t *times, value;
	int64_t *values;

	if (!samples || !ptrs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		id = &w->identities[i];
		len = first[i + 1] - first[i];
		opentelemetry__proto__profiles__v1development__sample__init(&samples[i]);
		ptrs[i] = &samples[i];
		samples[i].stack_index = id->stack;
		samples[i].n_attribute_indices = id->nattrs;
		samples[i].attribute_indices = (int32_t *)id->attrs;
		values = profile_tables__alloc(&w->t, w->timed ? len : 1, sizeof(*values));
		times = profile_tables__alloc(&w->t, len, sizeof(*times));
		if (!values || !times)
			return -ENOMEM;
		values[0] = 0;
		for (k = 0; k < len; k++) {
			s = profile__sample(w->t.prof, order[first[i] + k]);
			if (s->count > INT64_MAX || (period && s->count > INT64_MAX / period))
				return -EOVERFLOW;
			value = period ? s->count * period : s->count;
			if (w->timed) {
				if (s->labels.time_ns > INT64_MAX)
					return -EOVERFLOW;
				values[k] = value;
				times[k] = s->labels.time_ns;
			} else if (value > (uint64_t)(INT64_MAX - values[0])) {
				return -EOVERFLOW;
			} else {
				values[0] += value;
			}
		}
		samples[i].n_values = w->timed ? len : 1;
		samples[i].values = values;
		samples[i].n_timestamps_unix_nano = w->timed ? len : 0;
		samples[i].timestamps_unix_nano = times;
	}
	p->n_samples = n;
	p->samples = ptrs;
	return 0;
}

/* A ValueType of two interned strings, in the arena. NULL on failure. */
static otlp_value_type *otlp_writer__value_type(struct otlp_writer *w, const char *type,
						const char *unit)
{
	otlp_value_type *vt = profile_tables__alloc(&w->t, 1, sizeof(*vt));
	int64_t t = profile_tables__str(&w->t, type), u = profile_tables__str(&w->t, unit);

	if (!vt || t < 0 || u < 0)
		return NULL;
	opentelemetry__proto__profiles__v1development__value_type__init(vt);
	vt->type_strindex = t;
	vt->unit_strindex = u;
	return vt;
}

/*
 * 16 bytes from the host, service, time and @type: the same interval and sample type give
 * the same id whenever it is sent, different ones another. Never all zero.
 */
static int otlp_writer__profile_id(struct otlp_writer *w, ProtobufCBinaryData *id, const char *type)
{
	const struct profile_meta *meta = profile__meta(w->t.prof);
	const char *service = w->res->service_name ? w->res->service_name : "";
	uint64_t h[2], seed;
	uint8_t *bytes = profile_tables__alloc(&w->t, 16, 1);

	if (!bytes)
		return -ENOMEM;
	for (int half = 0; half < 2; half++) {
		seed = hash__u64(HASH_SEED, half);
		seed = hash__bytes(seed, meta->host, strlen(meta->host) + 1);
		seed = hash__bytes(seed, service, strlen(service) + 1);
		seed = hash__bytes(seed, type, strlen(type) + 1);
		h[half] = hash__final(hash__u64(seed, meta->time_ns));
	}
	if (!h[0] && !h[1])
		h[0] = 1;
	memcpy(bytes, h, 16);
	*id = (ProtobufCBinaryData){ .len = 16, .data = bytes };
	return 0;
}

/* Groups the model's samples by identity: @first[n + 1] and @order. Returns 0 or -ENOMEM. */
static int otlp_writer__group(struct otlp_writer *w, size_t **first, uint32_t **order)
{
	size_t nr = profile__sample_count(w->t.prof), n = w->nr_identities, i;
	size_t *f = profile_tables__alloc(&w->t, n + 1, sizeof(*f));
	size_t *fill = profile_tables__alloc(&w->t, n + 1, sizeof(*fill));
	uint32_t *o = profile_tables__alloc(&w->t, nr, sizeof(*o));

	if (!f || !fill || !o)
		return -ENOMEM;
	memset(f, 0, (n + 1) * sizeof(*f));
	for (i = 0; i < nr; i++)
		f[w->sample_identity[i] + 1]++;
	for (i = 0; i < n; i++)
		f[i + 1] += f[i];
	memcpy(fill, f, (n + 1) * sizeof(*fill));
	/* In order of first sight within each identity: the seconds in the order they came. */
	for (i = 0; i < nr; i++)
		o[fill[w->sample_identity[i]]++] = i;
	*first = f;
	*order = o;
	return 0;
}

/* The profiles of @scope, one per sample type. Returns 0 or -errno. */
static int otlp_writer__build_profiles(struct otlp_writer *w, otlp_scope_profiles *scope)
{
	const struct profile_meta *meta = profile__meta(w->t.prof);
	static const char *const cpu_types[2][2] = {
		{ PPROF_COUNT_TYPE, PPROF_COUNT_UNIT },
		{ PPROF_TIME_TYPE, PPROF_TIME_UNIT },
	};
	static const char *const time_types[2][2] = {
		{ PPROF_OFF_CPU_TYPE, PPROF_TIME_UNIT },
		{ PPROF_WALL_TYPE, PPROF_TIME_UNIT },
	};
	bool samples = meta->value == PROFILE_VALUE_SAMPLES;
	const char *const(*types)[2] = samples ? cpu_types :
						 time_types + (meta->value == PROFILE_VALUE_WALL);
	/* Without a period, CPU time would be all zeros: better not claimed at all (as pprof). */
	size_t n = samples && meta->period_ns ? 2 : 1, i;
	otlp_profile *profiles = profile_tables__alloc(&w->t, n, sizeof(*profiles));
	otlp_profile **ptrs = profile_tables__alloc(&w->t, n, sizeof(*ptrs));
	otlp_value_type *period_type = NULL;
	uint32_t *order;
	size_t *first;
	int err;

	if (!profiles || !ptrs)
		return -ENOMEM;
	if (meta->time_ns > INT64_MAX || meta->duration_ns > INT64_MAX ||
	    meta->period_ns > INT64_MAX)
		return -EOVERFLOW;
	/* Time off (or on and off) the CPU counts nanoseconds, as pprof says: period 1. */
	if (!samples || meta->period_ns) {
		period_type = otlp_writer__value_type(w, samples ? PPROF_TIME_TYPE : types[0][0],
						      PPROF_TIME_UNIT);
		if (!period_type)
			return -ENOMEM;
	}
	err = otlp_writer__group(w, &first, &order);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		opentelemetry__proto__profiles__v1development__profile__init(&profiles[i]);
		ptrs[i] = &profiles[i];
		profiles[i].sample_type = otlp_writer__value_type(w, types[i][0], types[i][1]);
		if (!profiles[i].sample_type)
			return -ENOMEM;
		profiles[i].time_unix_nano = meta->time_ns;
		profiles[i].duration_nano = meta->duration_ns;
		profiles[i].period_type = period_type;
		profiles[i].period = samples ? meta->period_ns : 1;
		err = otlp_writer__profile_id(w, &profiles[i].profile_id, types[i][0]);
		if (!err)
			err = otlp_writer__build_samples(w, &profiles[i], i ? meta->period_ns : 0,
							 first, order);
		if (err)
			return err;
	}
	scope->n_profiles = n;
	scope->profiles = ptrs;
	return 0;
}

/* Appends the resource attribute @key=@value[0..len) to @r. Returns 0 or -ENOMEM. */
static int otlp_writer__resource_attr(struct otlp_writer *w, otlp_resource_msg *r, const char *key,
				      size_t keylen, const char *value)
{
	otlp_key_value *kv = profile_tables__alloc(&w->t, 1, sizeof(*kv));
	char *k = profile_tables__alloc(&w->t, keylen + 1, 1);

	if (!kv || !k)
		return -ENOMEM;
	memcpy(k, key, keylen);
	k[keylen] = '\0';
	opentelemetry__proto__common__v1__key_value__init(kv);
	kv->key = k;
	kv->value = otlp_writer__string_value(w, value);
	if (!kv->value)
		return -ENOMEM;
	r->attributes[r->n_attributes++] = kv;
	return 0;
}

static int otlp_writer__build_resource(struct otlp_writer *w, otlp_resource_profiles *rp)
{
	const struct otlp_resource *res = w->res;
	const char *host = profile__meta(w->t.prof)->host, *eq;
	otlp_resource_msg *r = profile_tables__alloc(&w->t, 1, sizeof(*r));
	int err = 0;

	if (!r)
		return -ENOMEM;
	opentelemetry__proto__resource__v1__resource__init(r);
	r->attributes = profile_tables__alloc(&w->t, res->nattributes + 2, sizeof(*r->attributes));
	if (!r->attributes)
		return -ENOMEM;
	if (host[0])
		err = otlp_writer__resource_attr(w, r, ATTR_HOST_NAME, strlen(ATTR_HOST_NAME),
						 host);
	if (!err && res->service_name)
		err = otlp_writer__resource_attr(w, r, ATTR_SERVICE_NAME, strlen(ATTR_SERVICE_NAME),
						 res->service_name);
	for (size_t i = 0; !err && i < res->nattributes; i++) {
		eq = strchr(res->attributes[i], '=');
		if (!eq)
			return -EINVAL;
		err = otlp_writer__resource_attr(w, r, res->attributes[i],
						 (size_t)(eq - res->attributes[i]), eq + 1);
	}
	rp->resource = r;
	return err;
}

/* Fills @req and its parts in the arena. Returns 0 or -errno. */
static int otlp_writer__build(struct otlp_writer *w, otlp_request *req)
{
	size_t nr = profile__sample_count(w->t.prof), i;
	otlp_dictionary *d = profile_tables__alloc(&w->t, 1, sizeof(*d));
	otlp_resource_profiles *rp = profile_tables__alloc(&w->t, 1, sizeof(*rp));
	otlp_resource_profiles **rps = profile_tables__alloc(&w->t, 1, sizeof(*rps));
	otlp_scope_profiles *sp = profile_tables__alloc(&w->t, 1, sizeof(*sp));
	otlp_scope_profiles **sps = profile_tables__alloc(&w->t, 1, sizeof(*sps));
	otlp_scope *scope = profile_tables__alloc(&w->t, 1, sizeof(*scope));
	int err;

	if (!d || !rp || !rps || !sp || !sps || !scope)
		return -ENOMEM;
	opentelemetry__proto__collector__profiles__v1development__export_profiles_service_request__init(
		req);
	opentelemetry__proto__profiles__v1development__profiles_dictionary__init(d);
	opentelemetry__proto__profiles__v1development__resource_profiles__init(rp);
	opentelemetry__proto__profiles__v1development__scope_profiles__init(sp);
	opentelemetry__proto__common__v1__instrumentation_scope__init(scope);

	err = profile_tables__add_samples(&w->t);
	if (err)
		return err;
	w->sample_identity = profile_tables__alloc(&w->t, nr, sizeof(*w->sample_identity));
	if (!w->sample_identity)
		return -ENOMEM;
	w->timed = true;
	for (i = 0; i < nr && !err; i++)
		err = otlp_writer__identify(w, i);
	if (!err)
		err = otlp_writer__build_profiles(w, sp);
	if (!err)
		err = otlp_writer__build_mappings(w, d);
	if (!err)
		err = otlp_writer__build_locations(w, d);
	if (!err)
		err = otlp_writer__build_functions(w, d);
	if (!err)
		err = otlp_writer__build_stacks(w, d);
	if (!err)
		err = otlp_writer__build_resource(w, rp);
	/* Last: every attribute and string is interned by now, and their storage stays put. */
	if (!err)
		err = otlp_writer__build_attrs(w, d);
	if (!err)
		err = otlp_writer__build_strings(w, d);
	if (err)
		return err;
	if (string_pool__count(w->t.strings) > MAX_INDEX || w->t.nr_locations >= MAX_INDEX ||
	    w->t.nr_functions >= MAX_INDEX || w->t.nr_mappings >= MAX_INDEX)
		return -E2BIG;

	scope->name = OTLP_SCOPE_NAME;
	sp->scope = scope;
	sps[0] = sp;
	rp->n_scope_profiles = 1;
	rp->scope_profiles = sps;
	rps[0] = rp;
	req->n_resource_profiles = 1;
	req->resource_profiles = rps;
	req->dictionary = d;
	return 0;
}

static int otlp_writer__init(struct otlp_writer *w, const struct profile *prof,
			     const struct otlp_resource *res)
{
	int err = profile_tables__init(&w->t, prof);

	w->res = res;
	if (err)
		return err;
	w->attr_index = hash_table__new(otlp_writer__attr_eq, w);
	w->stack_index = hash_table__new(otlp_writer__stack_eq, w);
	w->identity_index = hash_table__new(otlp_writer__identity_eq, w);
	if (!w->attr_index || !w->stack_index || !w->identity_index)
		return -ENOMEM;
	/* Entry 0 of each table is its zero value, which no sample refers to. */
	err = array__reserve(&w->attrs, &w->attrs_cap, 1, sizeof(*w->attrs));
	if (!err)
		err = array__reserve(&w->stacks, &w->stacks_cap, 1, sizeof(*w->stacks));
	if (err)
		return err;
	memset(&w->attrs[0], 0, sizeof(w->attrs[0]));
	memset(&w->stacks[0], 0, sizeof(w->stacks[0]));
	w->nr_attrs = w->nr_stacks = 1;
	return 0;
}

static void otlp_writer__release(struct otlp_writer *w)
{
	hash_table__free(w->identity_index);
	hash_table__free(w->stack_index);
	hash_table__free(w->attr_index);
	free(w->identities);
	free(w->stacks);
	free(w->attrs);
	profile_tables__release(&w->t);
}

int otlp__encode(const struct profile *prof, const struct otlp_resource *res, void **raw,
		 size_t *len)
{
	struct otlp_writer w = { 0 };
	otlp_request req;
	uint8_t *buf;
	size_t size;
	int err;

	err = otlp_writer__init(&w, prof, res);
	if (!err)
		err = otlp_writer__build(&w, &req);
	if (!err) {
		size = protobuf_c_message_get_packed_size(&req.base);
		/* One more byte: malloc(0) may return NULL for an empty message. */
		buf = malloc(size + 1);
		if (buf) {
			*len = protobuf_c_message_pack(&req.base, buf);
			*raw = buf;
		} else {
			err = -ENOMEM;
		}
	}
	otlp_writer__release(&w);
	return err;
}

int otlp__read_reply(const void *buf, size_t len, int64_t *rejected, char *msg, size_t msglen)
{
	otlp_response *reply;

	*rejected = 0;
	if (msglen)
		msg[0] = '\0';
	reply = opentelemetry__proto__collector__profiles__v1development__export_profiles_service_response__unpack(
		NULL, len, buf);
	if (!reply)
		return -EINVAL;
	if (reply->partial_success) {
		*rejected = reply->partial_success->rejected_profiles;
		if (msglen && reply->partial_success->error_message)
			snprintf(msg, msglen, "%s", reply->partial_success->error_message);
	}
	opentelemetry__proto__collector__profiles__v1development__export_profiles_service_response__free_unpacked(
		reply, NULL);
	return 0;
}
