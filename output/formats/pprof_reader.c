// SPDX-License-Identifier: GPL-2.0-only
/*
 * Three steps: gunzip (bounded), protobuf-c decoding (bounded by an allocator with a budget),
 * then a check of every string index and id reference before the first frame is interned,
 * so that the conversion itself can trust the message and bad input changes nothing.
 *
 * Memory bounds. A 1 KiB gzip member can inflate to about 1 MiB, and protobuf-c allocates a
 * struct of 50 to 100 bytes for a message that can be 2 bytes on the wire, so both steps are
 * limited in proportion to what they are given. Expanding samples into frames is limited the
 * same way: one location id (a byte) may stand for a deep inline chain, but not for more
 * frames in total than FRAME_BUDGET_FACTOR per byte of input.
 */
#include "pprof_reader.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "arena.h"
#include "array.h"
#include "hash_table.h"
#include "log.h"
#include "pprof_internal.h"
#include "profile.h"
#include "profile.pb-c.h"
#include "utf8.h"

#define GZIP_WINDOW_BITS (16 + MAX_WBITS) /* 16: gzip only, not zlib or raw deflate */
/* Real profiles decode to 6 to 10 times their size (small messages cost the most). */
#define DECODE_BUDGET_FACTOR 24 /* bytes protobuf-c may allocate per input byte */
#define DECODE_BUDGET_BASE (16u << 20)
#define FRAME_BUDGET_FACTOR 64 /* frames a sample may expand to, per input byte */
#define FRAME_BUDGET_BASE (1u << 20)
#define UNKNOWN_COMM "[unknown]"

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__Location pb_location;
typedef Perftools__Profiles__Sample pb_sample;

/* Objects of one kind by id. Most producers number them 1..n in order: then no table. */
struct id_index {
	struct hash_table *table; /* NULL when dense */
	size_t n;
	bool dense;
};

/* Frames of one location, ready to be copied into stacks. */
struct pr_location {
	uint32_t *frames; /* model frame ids, the real function first; in the arena */
	uint32_t len;
};

struct pprof_reader {
	struct profile *prof;
	char *err;
	size_t errlen;
	const pb_profile *msg;
	const char **strings; /* the string table as valid UTF-8 (originals or arena copies) */
	struct arena *arena;
	char *text; /* a string being made valid UTF-8, or a placeholder name */
	size_t text_cap;
	struct id_index mappings; /* id -> index in msg */
	struct id_index functions;
	struct id_index locations_by_id;
	struct pr_location *locations; /* by index in msg */
	uint32_t *stack;
	size_t stack_cap;
	uint64_t frames_left;
	size_t count_value;	  /* which value is the count */
	enum profile_value value; /* what it counts */
	const char *default_comm;
};

/*
 * A protobuf-c allocator that refuses to go past a budget. Objects come from an arena and go
 * with it at once: a large profile decodes to millions of small objects, and malloc and free
 * for each were a third of reading it.
 */
struct budget_allocator {
	ProtobufCAllocator base;
	struct arena *arena;
	size_t left;
	bool exhausted; /* the budget, not malloc, ran out */
	bool failed;	/* malloc failed */
};

static void *budget_allocator__alloc(void *data, size_t size)
{
	struct budget_allocator *b = data;
	void *p;

	if (size > b->left) {
		b->exhausted = true;
		return NULL;
	}
	/* protobuf-c's messages hold nothing aligned wider than 8 bytes. */
	p = arena__alloc(b->arena, size ? size : 1, 8);
	if (!p) {
		b->failed = true;
		return NULL;
	}
	b->left -= size;
	return p;
}

static void budget_allocator__free(void *data, void *p)
{
	/* Freed with the arena. */
	(void)data;
	(void)p;
}

/* Frees everything decoded through @b. */
static void budget_allocator__release(struct budget_allocator *b)
{
	arena__free(b->arena);
	b->arena = NULL;
}

/* Writes the reason for @err to r->err and returns @err. */
static int pprof_reader__fail(struct pprof_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int pprof_reader__fail(struct pprof_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (r->err && r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/*
 * Inflates the gzip stream (one or more members) @data[0..len) into *@out (owned by the
 * caller). Returns 0 or -errno with the reason in r->err.
 */
static int pprof_reader__gunzip(struct pprof_reader *r, const unsigned char *data, size_t len,
				unsigned char **out, size_t *out_len)
{
	unsigned char *buf = NULL;
	size_t cap = 0, used = 0;
	z_stream zs = { 0 };
	int ret, err;

	/* Anything this big would inflate past the limit anyway; and avail_in is 32 bits. */
	if (len > PPROF_MAX_DECODED_BYTES || len > UINT_MAX)
		return pprof_reader__fail(r, -E2BIG, "compressed profile larger than %llu MiB",
					  PPROF_MAX_DECODED_BYTES >> 20);
	if (inflateInit2(&zs, GZIP_WINDOW_BITS) != Z_OK)
		return pprof_reader__fail(r, -ENOMEM, "out of memory");
	zs.next_in = (Bytef *)data;
	zs.avail_in = len;
	for (;;) {
		if (used == cap) {
			if (cap >= PPROF_MAX_DECODED_BYTES) {
				err = pprof_reader__fail(
					r, -E2BIG, "profile larger than %llu MiB decompressed",
					PPROF_MAX_DECODED_BYTES >> 20);
				goto out_inflate_end;
			}
			/* A guess from the usual ratio, then doubling. */
			err = array__reserve(&buf, &cap, cap ? cap * 2 : len * 4 + 4096, 1);
			if (err) {
				err = pprof_reader__fail(r, err, "out of memory");
				goto out_inflate_end;
			}
			if (cap > PPROF_MAX_DECODED_BYTES)
				cap = PPROF_MAX_DECODED_BYTES;
		}
		zs.next_out = buf + used;
		zs.avail_out = cap - used > UINT_MAX ? UINT_MAX : cap - used;
		ret = inflate(&zs, Z_NO_FLUSH);
		used = zs.next_out - buf;
		if (ret == Z_STREAM_END) {
			if (!zs.avail_in)
				break;
			/* Another member may follow (gzip and Go allow it); nothing else may. */
			if (zs.avail_in < 2 || zs.next_in[0] != 0x1f || zs.next_in[1] != 0x8b) {
				err = pprof_reader__fail(
					r, -EINVAL,
					"corrupt gzip data: %u bytes of garbage after the end",
					zs.avail_in);
				goto out_inflate_end;
			}
			inflateReset(&zs);
			continue;
		}
		if (ret == Z_OK)
			continue;
		if (ret == Z_MEM_ERROR) {
			err = pprof_reader__fail(r, -ENOMEM, "out of memory");
			goto out_inflate_end;
		}
		/* Z_BUF_ERROR with room to write: the input ended inside the stream. */
		if (ret == Z_BUF_ERROR)
			err = pprof_reader__fail(r, -EINVAL, "truncated gzip data");
		else
			err = pprof_reader__fail(r, -EINVAL, "corrupt gzip data: %s",
						 zs.msg ? zs.msg : "bad stream");
		goto out_inflate_end;
	}
	inflateEnd(&zs);
	*out = buf;
	*out_len = used;
	return 0;

out_inflate_end:
	inflateEnd(&zs);
	free(buf);
	return err;
}

static bool pprof_reader__str_ok(const struct pprof_reader *r, int64_t idx)
{
	return idx >= 0 && (uint64_t)idx < r->msg->n_string_table;
}

static int pprof_reader__bad_str(struct pprof_reader *r, const char *what, size_t i, int64_t idx)
{
	return pprof_reader__fail(r, -EINVAL,
				  "%s %zu refers to string %" PRId64 ", past the table of %zu",
				  what, i, idx, r->msg->n_string_table);
}

static uint64_t id_hash(uint64_t id)
{
	return hash__final(hash__u64(HASH_SEED, id));
}

static bool pprof_reader__mapping_eq(const void *ctx, uint32_t i, const void *key)
{
	return ((const pb_profile *)ctx)->mapping[i]->id == *(const uint64_t *)key;
}

static bool pprof_reader__function_eq(const void *ctx, uint32_t i, const void *key)
{
	return ((const pb_profile *)ctx)->function[i]->id == *(const uint64_t *)key;
}

static bool pprof_reader__location_eq(const void *ctx, uint32_t i, const void *key)
{
	return ((const pb_profile *)ctx)->location[i]->id == *(const uint64_t *)key;
}

/* Index in msg of the object with id @id, or -1 (id 0 included: it is never valid). */
static int64_t pprof_reader__find(const struct id_index *index, uint64_t id)
{
	int64_t i;

	if (index->dense)
		return id && id <= index->n ? (int64_t)(id - 1) : -1;
	i = id && index->table ? hash_table__find(index->table, id_hash(id), &id) : -ENOENT;
	return i < 0 ? -1 : i;
}

/* Indexes @n objects by id: each id must be nonzero and unique. */
static int pprof_reader__index(struct pprof_reader *r, struct id_index *index, size_t n,
			       uint64_t (*id_of)(const pb_profile *, size_t), hash_table_eq_fn eq,
			       const char *what)
{
	uint64_t id;
	size_t i;
	int err;

	if (n > HASH_TABLE_MAX_VALUE)
		return pprof_reader__fail(r, -E2BIG, "more than %u %ss", HASH_TABLE_MAX_VALUE,
					  what);
	index->n = n;
	for (i = 0; i < n && id_of(r->msg, i) == i + 1; i++)
		;
	index->dense = i == n;
	if (index->dense)
		return 0;

	index->table = hash_table__new(eq, r->msg);
	if (!index->table)
		return pprof_reader__fail(r, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		id = id_of(r->msg, i);
		if (!id)
			return pprof_reader__fail(r, -EINVAL, "%s %zu has id 0", what, i);
		if (pprof_reader__find(index, id) >= 0)
			return pprof_reader__fail(r, -EINVAL, "%s id %" PRIu64 " is used twice",
						  what, id);
		err = hash_table__insert(index->table, id_hash(id), i);
		if (err)
			return pprof_reader__fail(r, err, "out of memory");
	}
	return 0;
}

static uint64_t mapping_id(const pb_profile *msg, size_t i)
{
	return msg->mapping[i]->id;
}

static uint64_t function_id(const pb_profile *msg, size_t i)
{
	return msg->function[i]->id;
}

static uint64_t location_id(const pb_profile *msg, size_t i)
{
	return msg->location[i]->id;
}

static int pprof_reader__check_header(struct pprof_reader *r)
{
	const pb_profile *msg = r->msg;
	size_t i;

	if (!msg->n_string_table)
		return pprof_reader__fail(r, -EINVAL, "not a pprof profile: no string table");
	if (msg->string_table[0][0])
		return pprof_reader__fail(r, -EINVAL, "not a pprof profile: string 0 is not empty");
	for (i = 0; i < msg->n_sample_type; i++) {
		if (!pprof_reader__str_ok(r, msg->sample_type[i]->type))
			return pprof_reader__bad_str(r, "sample type", i,
						     msg->sample_type[i]->type);
		if (!pprof_reader__str_ok(r, msg->sample_type[i]->unit))
			return pprof_reader__bad_str(r, "sample type", i,
						     msg->sample_type[i]->unit);
	}
	if (msg->period_type && (!pprof_reader__str_ok(r, msg->period_type->type) ||
				 !pprof_reader__str_ok(r, msg->period_type->unit)))
		return pprof_reader__fail(r, -EINVAL, "the period type refers to a missing string");
	for (i = 0; i < msg->n_comment; i++) {
		if (!pprof_reader__str_ok(r, msg->comment[i]))
			return pprof_reader__bad_str(r, "comment", i, msg->comment[i]);
	}
	if (!pprof_reader__str_ok(r, msg->drop_frames) ||
	    !pprof_reader__str_ok(r, msg->keep_frames) ||
	    !pprof_reader__str_ok(r, msg->default_sample_type))
		return pprof_reader__fail(
			r, -EINVAL,
			"drop_frames, keep_frames or default_sample_type: no such string");
	if (msg->n_sample && !msg->n_sample_type)
		return pprof_reader__fail(r, -EINVAL, "samples but no sample types");
	return 0;
}

static int pprof_reader__check_objects(struct pprof_reader *r)
{
	const pb_profile *msg = r->msg;
	const Perftools__Profiles__Mapping *m;
	const Perftools__Profiles__Function *f;
	const pb_location *loc;
	size_t i, k;
	int err;

	err = pprof_reader__index(r, &r->mappings, msg->n_mapping, mapping_id,
				  pprof_reader__mapping_eq, "mapping");
	if (!err)
		err = pprof_reader__index(r, &r->functions, msg->n_function, function_id,
					  pprof_reader__function_eq, "function");
	if (!err)
		err = pprof_reader__index(r, &r->locations_by_id, msg->n_location, location_id,
					  pprof_reader__location_eq, "location");
	if (err)
		return err;

	for (i = 0; i < msg->n_mapping; i++) {
		m = msg->mapping[i];
		if (!pprof_reader__str_ok(r, m->filename))
			return pprof_reader__bad_str(r, "mapping", i, m->filename);
		if (!pprof_reader__str_ok(r, m->build_id))
			return pprof_reader__bad_str(r, "mapping", i, m->build_id);
	}
	for (i = 0; i < msg->n_function; i++) {
		f = msg->function[i];
		if (!pprof_reader__str_ok(r, f->name))
			return pprof_reader__bad_str(r, "function", i, f->name);
		if (!pprof_reader__str_ok(r, f->system_name))
			return pprof_reader__bad_str(r, "function", i, f->system_name);
		if (!pprof_reader__str_ok(r, f->filename))
			return pprof_reader__bad_str(r, "function", i, f->filename);
	}
	for (i = 0; i < msg->n_location; i++) {
		loc = msg->location[i];
		if (loc->mapping_id && pprof_reader__find(&r->mappings, loc->mapping_id) < 0)
			return pprof_reader__fail(r, -EINVAL,
						  "location %" PRIu64 " refers to mapping %" PRIu64
						  ", which does not exist",
						  loc->id, loc->mapping_id);
		if (loc->n_line > UINT32_MAX)
			return pprof_reader__fail(
				r, -E2BIG, "location %" PRIu64 " has too many lines", loc->id);
		for (k = 0; k < loc->n_line; k++) {
			if (pprof_reader__find(&r->functions, loc->line[k]->function_id) < 0)
				return pprof_reader__fail(r, -EINVAL,
							  "location %" PRIu64
							  " line %zu refers to function %" PRIu64
							  ", which does not exist",
							  loc->id, k, loc->line[k]->function_id);
		}
	}
	return 0;
}

static int pprof_reader__check_samples(struct pprof_reader *r)
{
	const pb_profile *msg = r->msg;
	const Perftools__Profiles__Label *label;
	const pb_sample *s;
	size_t i, k;

	for (i = 0; i < msg->n_sample; i++) {
		s = msg->sample[i];
		if (s->n_value != msg->n_sample_type)
			return pprof_reader__fail(r, -EINVAL,
						  "sample %zu has %zu values for %zu sample types",
						  i, s->n_value, msg->n_sample_type);
		for (k = 0; k < s->n_location_id; k++) {
			if (pprof_reader__find(&r->locations_by_id, s->location_id[k]) < 0)
				return pprof_reader__fail(r, -EINVAL,
							  "sample %zu refers to location %" PRIu64
							  ", which does not exist",
							  i, s->location_id[k]);
		}
		for (k = 0; k < s->n_label; k++) {
			label = s->label[k];
			if (!pprof_reader__str_ok(r, label->key))
				return pprof_reader__bad_str(r, "a label of sample", i, label->key);
			if (!pprof_reader__str_ok(r, label->str))
				return pprof_reader__bad_str(r, "a label of sample", i, label->str);
			if (!pprof_reader__str_ok(r, label->num_unit))
				return pprof_reader__bad_str(r, "a label of sample", i,
							     label->num_unit);
		}
	}
	return 0;
}

/* Makes every string valid UTF-8, as the model's users (and protobuf) expect. */
static int pprof_reader__load_strings(struct pprof_reader *r)
{
	const pb_profile *msg = r->msg;
	size_t i, len;
	int64_t n;
	char *copy;

	r->strings = calloc(msg->n_string_table, sizeof(*r->strings));
	if (!r->strings)
		return pprof_reader__fail(r, -ENOMEM, "out of memory");
	for (i = 0; i < msg->n_string_table; i++) {
		len = strlen(msg->string_table[i]);
		if (utf8__valid_len(msg->string_table[i], len) == len) {
			r->strings[i] = msg->string_table[i];
			continue;
		}
		n = utf8__sanitize(msg->string_table[i], len, &r->text, &r->text_cap);
		copy = n < 0 ? NULL : arena__alloc(r->arena, n + 1, 1);
		if (!copy)
			return pprof_reader__fail(r, -ENOMEM, "out of memory");
		memcpy(copy, r->text, n + 1);
		r->strings[i] = copy;
	}
	return 0;
}

/*
 * The value that is the count: samples/count where present, else the first; a profile whose
 * only value is off_cpu or wall nanoseconds is one of those.
 */
static void pprof_reader__pick_count(struct pprof_reader *r)
{
	const pb_profile *msg = r->msg;
	const char *type, *unit;
	size_t i;

	r->count_value = 0;
	r->value = PROFILE_VALUE_SAMPLES;
	if (msg->n_sample_type == 1) {
		type = r->strings[msg->sample_type[0]->type];
		unit = r->strings[msg->sample_type[0]->unit];
		if (!strcmp(unit, PPROF_TIME_UNIT) && !strcmp(type, PPROF_OFF_CPU_TYPE))
			r->value = PROFILE_VALUE_OFF_CPU;
		else if (!strcmp(unit, PPROF_TIME_UNIT) && !strcmp(type, PPROF_WALL_TYPE))
			r->value = PROFILE_VALUE_WALL;
	}
	for (i = 0; i < msg->n_sample_type; i++) {
		if (!strcmp(r->strings[msg->sample_type[i]->type], PPROF_COUNT_TYPE) &&
		    !strcmp(r->strings[msg->sample_type[i]->unit], PPROF_COUNT_UNIT)) {
			r->count_value = i;
			return;
		}
	}
}

/* The process name of samples without a comm label: the main binary's base name. */
static void pprof_reader__pick_default_comm(struct pprof_reader *r)
{
	const char *path, *base;

	r->default_comm = UNKNOWN_COMM;
	if (!r->msg->n_mapping)
		return;
	path = r->strings[r->msg->mapping[0]->filename];
	if (!*path || *path == '[')
		return;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (*base)
		r->default_comm = base;
}

/* The file name (or, with @build_id, the build id) of @loc's mapping; NULL when empty. */
static const char *pprof_reader__mapping_str(const struct pprof_reader *r, const pb_location *loc,
					     bool build_id)
{
	const Perftools__Profiles__Mapping *m;
	const char *name;

	if (!loc->mapping_id)
		return NULL;
	m = r->msg->mapping[pprof_reader__find(&r->mappings, loc->mapping_id)];
	name = r->strings[build_id ? m->build_id : m->filename];
	return *name ? name : NULL;
}

/* Interns the frames of location @i, the real function first. Returns 0 or -errno. */
static int pprof_reader__load_location(struct pprof_reader *r, size_t i)
{
	const pb_location *loc = r->msg->location[i];
	const Perftools__Profiles__Function *fn;
	const Perftools__Profiles__Line *line;
	struct pr_location *out = &r->locations[i];
	struct profile_frame frame = { 0 };
	const char *base;
	size_t n, k;
	int64_t id;
	int err;

	frame.module = pprof_reader__mapping_str(r, loc, false);
	frame.build_id = pprof_reader__mapping_str(r, loc, true);
	frame.addr = loc->address;
	n = loc->n_line ? loc->n_line : 1;
	out->frames = arena__alloc(r->arena, n * sizeof(*out->frames), _Alignof(uint32_t));
	if (!out->frames)
		return -ENOMEM;
	out->len = n;

	if (!loc->n_line) {
		/* Not symbolized: named as the symbolizer names what it cannot. */
		err = array__reserve(&r->text, &r->text_cap,
				     32 + (frame.module ? strlen(frame.module) : 0), 1);
		if (err)
			return err;
		base = frame.module ? strrchr(frame.module, '/') : NULL;
		base = base ? base + 1 : frame.module;
		if (base)
			sprintf(r->text, "%s+0x%" PRIx64, base, loc->address);
		else
			sprintf(r->text, "0x%" PRIx64, loc->address);
		frame.func = r->text;
		frame.kind = pprof__mapping_kind(frame.module);
		id = profile__intern_frame(r->prof, &frame);
		if (id < 0)
			return id;
		out->frames[0] = id;
		return 0;
	}

	/* pprof lists the innermost callee first; the model wants the real function first. */
	for (k = 0; k < n; k++) {
		line = loc->line[n - 1 - k];
		fn = r->msg->function[pprof_reader__find(&r->functions, line->function_id)];
		frame.func = r->strings[fn->name];
		frame.mangled = r->strings[fn->system_name];
		if (!*frame.mangled || !strcmp(frame.mangled, frame.func))
			frame.mangled = NULL;
		frame.file = *r->strings[fn->filename] ? r->strings[fn->filename] : NULL;
		frame.line = line->line < 0 ? 0 : line->line > UINT_MAX ? UINT_MAX : line->line;
		frame.kind = k ? FRAME_INLINE : pprof__mapping_kind(frame.module);
		id = profile__intern_frame(r->prof, &frame);
		if (id < 0)
			return id;
		out->frames[k] = id;
	}
	return 0;
}

/* Reads the labels the model knows into @labels; returns whether the root is inlined. */
static bool pprof_reader__labels(const struct pprof_reader *r, const pb_sample *s,
				 struct profile_labels *labels)
{
	const Perftools__Profiles__Label *label;
	bool root_inlined = false;
	const char *key;
	size_t k;

	labels->comm = r->default_comm;
	for (k = 0; k < s->n_label; k++) {
		label = s->label[k];
		key = r->strings[label->key];
		if (!strcmp(key, PPROF_LABEL_PID) && label->num >= 0 && label->num <= UINT32_MAX)
			labels->pid = label->num;
		else if (!strcmp(key, PPROF_LABEL_TID) && label->num >= 0 &&
			 label->num <= UINT32_MAX)
			labels->tid = label->num;
		else if (!strcmp(key, PPROF_LABEL_TIME) && label->num > 0)
			labels->time_ns = label->num;
		else if (!strcmp(key, PPROF_LABEL_COMM))
			labels->comm = r->strings[label->str];
		else if (!strcmp(key, PPROF_LABEL_THREAD))
			labels->thread = r->strings[label->str];
		else if (!strcmp(key, PPROF_LABEL_ROOT))
			root_inlined = !strcmp(r->strings[label->str], PPROF_ROOT_INLINED);
	}
	return root_inlined;
}

/* Adds sample @i to the profile. Returns 0 or -errno with the reason in r->err. */
static int pprof_reader__add_sample(struct pprof_reader *r, size_t i, uint64_t *skipped)
{
	const pb_sample *s = r->msg->sample[i];
	struct profile_labels labels = { 0 };
	struct profile_frame root;
	const struct pr_location *loc;
	size_t depth = 0, k;
	int64_t id;
	int err;

	if (s->value[r->count_value] <= 0) {
		(*skipped)++;
		return 0;
	}
	for (k = 0; k < s->n_location_id; k++) {
		loc = &r->locations[pprof_reader__find(&r->locations_by_id, s->location_id[k])];
		if (loc->len > r->frames_left)
			return pprof_reader__fail(
				r, -E2BIG,
				"samples expand to too many frames for the size of the profile");
		r->frames_left -= loc->len;
		depth += loc->len;
	}
	err = array__reserve(&r->stack, &r->stack_cap, depth + 1, sizeof(*r->stack));
	if (err)
		return pprof_reader__fail(r, err, "out of memory");
	depth = 0;
	for (k = s->n_location_id; k-- > 0;) {
		loc = &r->locations[pprof_reader__find(&r->locations_by_id, s->location_id[k])];
		memcpy(r->stack + depth, loc->frames, loc->len * sizeof(*loc->frames));
		depth += loc->len;
	}

	if (pprof_reader__labels(r, s, &labels) && depth) {
		root = *profile__frame(r->prof, r->stack[0]);
		root.kind = FRAME_INLINE;
		id = profile__intern_frame(r->prof, &root);
		if (id < 0)
			return pprof_reader__fail(r, id, "cannot add a frame: %s", strerror(-id));
		r->stack[0] = id;
	}
	err = profile__add_sample(r->prof, r->stack, depth, &labels, s->value[r->count_value]);
	if (err == -EOVERFLOW)
		return pprof_reader__fail(r, err, "the sample counts add up to more than 2^64");
	if (err)
		return pprof_reader__fail(r, err, "cannot add a sample: %s", strerror(-err));
	return 0;
}

/* Reads "CAUSE=N CAUSE=N ..." (PPROF_LOST_COMMENT's text) into @meta; unknown causes ignored. */
static void pprof_reader__lost(const char *text, struct profile_meta *meta)
{
	meta->lost_known = true;
	while (*text) {
		size_t len = strcspn(text, "=");

		for (int i = 0; i < PROFILE_LOST_CAUSES && text[len]; i++)
			if (strlen(profile_lost_names[i]) == len &&
			    !strncmp(text, profile_lost_names[i], len))
				meta->lost[i] = strtoull(text + len + 1, NULL, 10);
		text += strcspn(text, " ");
		text += strspn(text, " ");
	}
}

static int pprof_reader__convert(struct pprof_reader *r)
{
	const pb_profile *msg = r->msg;
	struct profile_meta meta = *profile__meta(r->prof);
	uint64_t skipped = 0;
	size_t i;
	int err;

	pprof_reader__pick_count(r);
	pprof_reader__pick_default_comm(r);
	r->locations = calloc(msg->n_location + 1, sizeof(*r->locations));
	if (!r->locations)
		return pprof_reader__fail(r, -ENOMEM, "out of memory");
	for (i = 0; i < msg->n_location; i++) {
		err = pprof_reader__load_location(r, i);
		if (err)
			return pprof_reader__fail(r, err, "cannot add a frame: %s", strerror(-err));
	}
	for (i = 0; i < msg->n_sample; i++) {
		err = pprof_reader__add_sample(r, i, &skipped);
		if (err)
			return err;
	}
	if (skipped)
		pr_debug("pprof: %" PRIu64 " samples without a positive count skipped\n", skipped);

	for (i = 0; i < msg->n_comment; i++) {
		const char *c = r->strings[msg->comment[i]];

		if (!strncmp(c, PPROF_HOST_COMMENT, strlen(PPROF_HOST_COMMENT)))
			snprintf(meta.host, sizeof(meta.host), "%s",
				 c + strlen(PPROF_HOST_COMMENT));
		if (!strncmp(c, PPROF_LOST_COMMENT, strlen(PPROF_LOST_COMMENT)))
			pprof_reader__lost(c + strlen(PPROF_LOST_COMMENT), &meta);
	}
	if (msg->time_nanos > 0)
		meta.time_ns = msg->time_nanos;
	if (msg->duration_nanos > 0)
		meta.duration_ns = msg->duration_nanos;
	meta.value = r->value;
	if (r->value == PROFILE_VALUE_SAMPLES && msg->period > 0 && msg->period_type &&
	    !strcmp(r->strings[msg->period_type->unit], PPROF_TIME_UNIT))
		meta.period_ns = msg->period;
	profile__set_meta(r->prof, &meta);
	return 0;
}

/*
 * Decodes the Profile message @raw[0..raw_len) into *@msg, allocating within a budget in
 * proportion to its size from @budget (budget_allocator__release() frees the message).
 * Returns 0 or -errno with the reason in r->err.
 */
static int pprof_reader__decode(struct pprof_reader *r, struct budget_allocator *budget,
				const unsigned char *raw, size_t raw_len, pb_profile **msg)
{
	if (!raw_len)
		return pprof_reader__fail(r, -EINVAL, "not a pprof profile: empty");
	if (raw_len > PPROF_MAX_DECODED_BYTES)
		return pprof_reader__fail(r, -E2BIG, "profile larger than %llu MiB",
					  PPROF_MAX_DECODED_BYTES >> 20);
	*budget = (struct budget_allocator){
		.base = { budget_allocator__alloc, budget_allocator__free, budget },
		.arena = arena__new(),
		.left = DECODE_BUDGET_BASE + DECODE_BUDGET_FACTOR * raw_len,
	};
	if (!budget->arena)
		return pprof_reader__fail(r, -ENOMEM, "out of memory");
	*msg = perftools__profiles__profile__unpack(&budget->base, raw_len, raw);
	if (*msg)
		return 0;
	budget_allocator__release(budget);
	if (budget->failed)
		return pprof_reader__fail(r, -ENOMEM, "out of memory");
	if (budget->exhausted)
		return pprof_reader__fail(
			r, -E2BIG, "decoding needs more memory than a profile of this size should");
	return pprof_reader__fail(
		r, -EINVAL, "not a pprof profile: protobuf decoding failed (corrupt or truncated)");
}

/* Checks and converts the decoded message. Returns 0 or -errno with the reason in r->err. */
static int pprof_reader__run(struct pprof_reader *r, const unsigned char *raw, size_t raw_len)
{
	struct budget_allocator budget;
	pb_profile *msg;
	int err;

	err = pprof_reader__decode(r, &budget, raw, raw_len, &msg);
	if (err)
		return err;
	r->frames_left = FRAME_BUDGET_BASE + FRAME_BUDGET_FACTOR * (uint64_t)raw_len;
	r->msg = msg;
	r->arena = arena__new();
	if (!r->arena) {
		err = pprof_reader__fail(r, -ENOMEM, "out of memory");
		goto out_release;
	}

	err = pprof_reader__check_header(r);
	if (!err)
		err = pprof_reader__check_objects(r);
	if (!err)
		err = pprof_reader__check_samples(r);
	if (!err)
		err = pprof_reader__load_strings(r);
	if (!err)
		err = pprof_reader__convert(r);

out_release:
	free(r->stack);
	free(r->locations);
	free(r->strings);
	free(r->text);
	hash_table__free(r->locations_by_id.table);
	hash_table__free(r->functions.table);
	hash_table__free(r->mappings.table);
	arena__free(r->arena);
	budget_allocator__release(&budget);
	return err;
}

int pprof__read(const void *data, size_t len, struct profile *prof, char *err, size_t errlen)
{
	struct pprof_reader r = { .prof = prof, .err = err, .errlen = errlen };
	const unsigned char *bytes = data;
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!len)
		return pprof_reader__fail(&r, -EINVAL, "not a pprof profile: empty");
	/* gzip's magic; a raw Profile cannot start so (0x1f is field 3 with wire type 7). */
	if (len >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
		ret = pprof_reader__gunzip(&r, bytes, len, &raw, &raw_len);
		if (ret)
			return ret;
		ret = pprof_reader__run(&r, raw, raw_len);
		free(raw);
		return ret;
	}
	return pprof_reader__run(&r, bytes, len);
}

int pprof__read_summary(const void *data, size_t len, struct pprof_summary *out)
{
	struct pprof_reader r = { 0 }; /* no reason asked */
	struct budget_allocator budget;
	pb_profile *msg;
	int err;

	err = pprof_reader__decode(&r, &budget, data, len, &msg);
	if (err)
		return err;
	out->time_ns = msg->time_nanos > 0 ? (uint64_t)msg->time_nanos : 0;
	out->duration_ns = msg->duration_nanos > 0 ? (uint64_t)msg->duration_nanos : 0;
	budget_allocator__release(&budget);
	return 0;
}
