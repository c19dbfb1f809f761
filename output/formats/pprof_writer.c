// SPDX-License-Identifier: GPL-2.0-only
/*
 * One pass over the samples interns locations (by the run of frame ids each stands for),
 * functions (by name, system name and file) and mappings (by file name) in order of first
 * sight; an id is a position + 1, so every id is nonzero and unique. The protobuf-c messages
 * are then built in an arena and packed straight into zlib: the encoded profile never sits
 * in memory whole.
 *
 * Addresses are the model's: ELF virtual addresses within the file (runtime addresses for the
 * kernel). So every mapping starts at 0 with file offset 0, and address - memory_start +
 * file_offset, the file address pprof's symbolizer computes, is the model's address again.
 * Build ids are empty: the model does not carry them.
 */
#include "pprof_writer.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "arena.h"
#include "array.h"
#include "hash_table.h"
#include "pprof_internal.h"
#include "profile.h"
#include "profile.pb-c.h"
#include "string_pool.h"
#include "utf8.h"

#define NO_MAPPING UINT32_MAX
#define MAX_LABELS 6			  /* pid, tid, comm, thread, root_frame, time */
#define GZIP_WINDOW_BITS (16 + MAX_WBITS) /* 16: a gzip header and trailer, not zlib's */

struct pw_mapping {
	uint32_t filename; /* string id */
	uint32_t build_id; /* string id; 0 ("") until a frame of the mapping brings one */
	uint64_t limit;	   /* highest address + 1 */
	uint64_t weight;   /* samples whose outermost user location is in this mapping */
	bool has_filenames;
	bool has_line_numbers;
	bool has_inline_frames;
};

struct pw_function {
	uint32_t name; /* string ids */
	uint32_t system_name;
	uint32_t filename;
};

struct pw_location {
	const uint32_t *frames; /* frame ids, the real function first; in the arena */
	uint32_t len;
	uint32_t mapping; /* index in mappings, or NO_MAPPING */
};

struct pw_sample {
	size_t first; /* its location indexes: sample_locs[first..first + len), leaf first */
	uint32_t len;
	bool root_inlined;
};

struct pprof_writer {
	const struct profile *prof;
	struct string_pool *strings; /* the string table: "" is id 0 */
	struct arena *arena;
	char *text; /* a string being made valid UTF-8 */
	size_t text_cap;

	struct pw_mapping *mappings;
	size_t nr_mappings;
	size_t mappings_cap;
	struct hash_table *mapping_index;

	struct pw_function *functions;
	size_t nr_functions;
	size_t functions_cap;
	struct hash_table *function_index;
	uint32_t *frame_functions; /* frame id -> function index + 1; 0 until first seen */

	struct pw_location *locations;
	size_t nr_locations;
	size_t locations_cap;
	struct hash_table *location_index;

	struct pw_sample *samples; /* as many as the profile has */
	uint32_t *sample_locs;
	size_t nr_sample_locs;
	size_t sample_locs_cap;
	uint32_t *runs; /* the sample being split: location indexes, root first */
	size_t runs_cap;
};

struct location_key {
	const uint32_t *frames;
	size_t len;
};

static bool pprof_writer__mapping_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct pprof_writer *w = ctx;

	return w->mappings[id].filename == *(const uint32_t *)key;
}

static bool pprof_writer__function_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct pprof_writer *w = ctx;
	const struct pw_function *a = &w->functions[id], *b = key;

	return a->name == b->name && a->system_name == b->system_name && a->filename == b->filename;
}

static bool pprof_writer__location_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct pprof_writer *w = ctx;
	const struct pw_location *loc = &w->locations[id];
	const struct location_key *k = key;

	return loc->len == k->len && !memcmp(loc->frames, k->frames, k->len * sizeof(*k->frames));
}

/* Interns @s (NULL: "") as valid UTF-8. Returns its string table index or -errno. */
static int64_t pprof_writer__str(struct pprof_writer *w, const char *s)
{
	size_t len;
	int64_t n;

	if (!s)
		s = "";
	len = strlen(s);
	if (utf8__valid_len(s, len) == len)
		return string_pool__intern(w->strings, s, len);
	n = utf8__sanitize(s, len, &w->text, &w->text_cap);
	if (n < 0)
		return n;
	return string_pool__intern(w->strings, w->text, n);
}

static int64_t pprof_writer__mapping(struct pprof_writer *w, const char *filename)
{
	struct pw_mapping *m;
	uint32_t key;
	uint64_t hash;
	int64_t id;
	int err;

	id = pprof_writer__str(w, filename);
	if (id < 0)
		return id;
	key = id;
	hash = hash__final(hash__u64(HASH_SEED, key));
	id = hash_table__find(w->mapping_index, hash, &key);
	if (id >= 0)
		return id;
	err = array__reserve(&w->mappings, &w->mappings_cap, w->nr_mappings + 1,
			     sizeof(*w->mappings));
	if (err)
		return err;
	m = &w->mappings[w->nr_mappings];
	memset(m, 0, sizeof(*m));
	m->filename = key;
	err = hash_table__insert(w->mapping_index, hash, w->nr_mappings);
	if (err)
		return err;
	return w->nr_mappings++;
}

/* The function index of frame @id, interned on first sight. Returns it or -errno. */
static int64_t pprof_writer__function(struct pprof_writer *w, uint32_t frame_id)
{
	const struct profile_frame *frame = profile__frame(w->prof, frame_id);
	struct pw_function key;
	uint64_t hash;
	int64_t id;
	int err;

	if (w->frame_functions[frame_id])
		return w->frame_functions[frame_id] - 1;
	id = pprof_writer__str(w, frame->func);
	if (id < 0)
		return id;
	key.name = id;
	/* pprof wants the system name even when it is the name itself, as Go writes it. */
	id = frame->mangled ? pprof_writer__str(w, frame->mangled) : key.name;
	if (id < 0)
		return id;
	key.system_name = id;
	id = pprof_writer__str(w, frame->file);
	if (id < 0)
		return id;
	key.filename = id;

	hash = hash__u64(HASH_SEED, (uint64_t)key.name << 32 | key.system_name);
	hash = hash__final(hash__u64(hash, key.filename));
	id = hash_table__find(w->function_index, hash, &key);
	if (id < 0) {
		err = array__reserve(&w->functions, &w->functions_cap, w->nr_functions + 1,
				     sizeof(*w->functions));
		if (err)
			return err;
		w->functions[w->nr_functions] = key;
		err = hash_table__insert(w->function_index, hash, w->nr_functions);
		if (err)
			return err;
		id = w->nr_functions++;
	}
	w->frame_functions[frame_id] = id + 1;
	return id;
}

/*
 * The mapping file name that carries @frame's kind (see pprof_internal.h), NULL for none.
 * Only the model's own module names are kept; a module that would read back as another kind
 * gives way to the kind.
 */
static const char *pprof_writer__mapping_name(const struct profile_frame *frame)
{
	const char *module = frame->module && *frame->module ? frame->module : NULL;

	switch (frame->kind) {
	case FRAME_KERNEL:
		return pprof__mapping_kind(module) == FRAME_KERNEL ? module : PPROF_KERNEL_MAPPING;
	case FRAME_JIT:
		return pprof__mapping_kind(module) == FRAME_JIT ? module : PPROF_JIT_MAPPING;
	case FRAME_USER:
		return pprof__mapping_kind(module) == FRAME_USER ? module : NULL;
	case FRAME_PYTHON:
		return PPROF_PYTHON_MAPPING;
	default:
		/* An inlined root: a sample label gives the kind, the mapping the module. */
		return module;
	}
}

/*
 * The location of @frames[0..len): a frame and the frames inlined into it. Returns its
 * index or -errno.
 */
static int64_t pprof_writer__location(struct pprof_writer *w, const uint32_t *frames, size_t len)
{
	struct location_key key = { .frames = frames, .len = len };
	const struct profile_frame *outer = profile__frame(w->prof, frames[0]), *frame;
	const char *mapping_name;
	struct pw_location *loc;
	struct pw_mapping *m;
	uint32_t *copy;
	uint64_t hash;
	int64_t id;
	size_t i;
	int err;

	hash = hash__final(hash__bytes(HASH_SEED, frames, len * sizeof(*frames)));
	id = hash_table__find(w->location_index, hash, &key);
	if (id >= 0)
		return id;

	for (i = 0; i < len; i++) {
		id = pprof_writer__function(w, frames[i]);
		if (id < 0)
			return id;
	}
	err = array__reserve(&w->locations, &w->locations_cap, w->nr_locations + 1,
			     sizeof(*w->locations));
	if (err)
		return err;
	copy = arena__alloc(w->arena, len * sizeof(*copy), _Alignof(uint32_t));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, frames, len * sizeof(*copy));
	loc = &w->locations[w->nr_locations];
	loc->frames = copy;
	loc->len = len;
	loc->mapping = NO_MAPPING;

	mapping_name = pprof_writer__mapping_name(outer);
	if (mapping_name) {
		id = pprof_writer__mapping(w, mapping_name);
		if (id < 0)
			return id;
		loc->mapping = id;
		m = &w->mappings[id];
		if (!m->build_id && outer->build_id) {
			id = pprof_writer__str(w, outer->build_id);
			if (id < 0)
				return id;
			m->build_id = id;
		}
		if (outer->addr >= m->limit)
			m->limit = outer->addr == UINT64_MAX ? UINT64_MAX : outer->addr + 1;
		m->has_inline_frames |= len > 1;
		for (i = 0; i < len; i++) {
			frame = profile__frame(w->prof, frames[i]);
			m->has_filenames |= frame->file != NULL;
			m->has_line_numbers |= frame->line != 0;
		}
	}
	err = hash_table__insert(w->location_index, hash, w->nr_locations);
	if (err)
		return err;
	return w->nr_locations++;
}

/* Splits sample @i into locations and records them, leaf first. Returns 0 or -errno. */
static int pprof_writer__add_sample(struct pprof_writer *w, size_t i)
{
	const struct profile_sample *s = profile__sample(w->prof, i);
	struct pw_sample *ps = &w->samples[i];
	const struct pw_location *loc;
	size_t start = 0, end, nr_runs = 0, k;
	int64_t id;
	int err;

	err = array__reserve(&w->runs, &w->runs_cap, s->depth + 1, sizeof(*w->runs));
	if (err)
		return err;
	while (start < s->depth) {
		end = start + 1;
		while (end < s->depth &&
		       profile__frame(w->prof, s->frames[end])->kind == FRAME_INLINE)
			end++;
		id = pprof_writer__location(w, s->frames + start, end - start);
		if (id < 0)
			return id;
		w->runs[nr_runs++] = id;
		start = end;
	}
	ps->root_inlined = s->depth && profile__frame(w->prof, s->frames[0])->kind == FRAME_INLINE;

	/* The main binary: where the outermost user code of the most samples lives. */
	for (k = 0; k < nr_runs; k++) {
		loc = &w->locations[w->runs[k]];
		if (profile__frame(w->prof, loc->frames[0])->kind == FRAME_USER &&
		    loc->mapping != NO_MAPPING) {
			w->mappings[loc->mapping].weight += s->count;
			break;
		}
	}

	err = array__reserve(&w->sample_locs, &w->sample_locs_cap, w->nr_sample_locs + nr_runs,
			     sizeof(*w->sample_locs));
	if (err)
		return err;
	ps->first = w->nr_sample_locs;
	ps->len = nr_runs;
	for (k = nr_runs; k-- > 0;)
		w->sample_locs[w->nr_sample_locs++] = w->runs[k];
	return 0;
}

/* Arena memory for @n objects of @size bytes, aligned for any message; NULL on failure. */
static void *pprof_writer__alloc(struct pprof_writer *w, size_t n, size_t size)
{
	if (n && size > SIZE_MAX / n)
		return NULL;
	return arena__alloc(w->arena, n ? n * size : 1, _Alignof(max_align_t));
}

static int pprof_writer__build_mappings(struct pprof_writer *w, Perftools__Profiles__Profile *msg,
					uint64_t *mapping_ids)
{
	Perftools__Profiles__Mapping *maps, **ptrs;
	const struct pw_mapping *m;
	size_t primary = 0, pos, i;

	maps = pprof_writer__alloc(w, w->nr_mappings, sizeof(*maps));
	ptrs = pprof_writer__alloc(w, w->nr_mappings, sizeof(*ptrs));
	if (!maps || !ptrs)
		return -ENOMEM;
	for (i = 1; i < w->nr_mappings; i++) {
		if (w->mappings[i].weight > w->mappings[primary].weight)
			primary = i;
	}
	/* The main binary first, then the others in order of first sight. */
	for (i = 0; i < w->nr_mappings; i++)
		mapping_ids[i] = i < primary ? i + 2 : i + 1;
	if (w->nr_mappings)
		mapping_ids[primary] = 1;

	for (i = 0; i < w->nr_mappings; i++) {
		m = &w->mappings[i];
		pos = mapping_ids[i] - 1;
		perftools__profiles__mapping__init(&maps[pos]);
		maps[pos].id = mapping_ids[i];
		maps[pos].memory_limit = m->limit;
		maps[pos].filename = m->filename;
		maps[pos].build_id = m->build_id;
		/* Every frame has a name: tools need not symbolize anything again. */
		maps[pos].has_functions = true;
		maps[pos].has_filenames = m->has_filenames;
		maps[pos].has_line_numbers = m->has_line_numbers;
		maps[pos].has_inline_frames = m->has_inline_frames;
		ptrs[pos] = &maps[pos];
	}
	msg->n_mapping = w->nr_mappings;
	msg->mapping = ptrs;
	return 0;
}

static int pprof_writer__build_locations(struct pprof_writer *w, Perftools__Profiles__Profile *msg,
					 const uint64_t *mapping_ids)
{
	Perftools__Profiles__Location *locs, **ptrs;
	Perftools__Profiles__Line *lines, **line_ptrs;
	const struct pw_location *loc;
	const struct profile_frame *frame;
	size_t i, k;

	locs = pprof_writer__alloc(w, w->nr_locations, sizeof(*locs));
	ptrs = pprof_writer__alloc(w, w->nr_locations, sizeof(*ptrs));
	if (!locs || !ptrs)
		return -ENOMEM;
	for (i = 0; i < w->nr_locations; i++) {
		loc = &w->locations[i];
		lines = pprof_writer__alloc(w, loc->len, sizeof(*lines));
		line_ptrs = pprof_writer__alloc(w, loc->len, sizeof(*line_ptrs));
		if (!lines || !line_ptrs)
			return -ENOMEM;
		/* The innermost inlined callee first; the real function last. */
		for (k = 0; k < loc->len; k++) {
			frame = profile__frame(w->prof, loc->frames[loc->len - 1 - k]);
			perftools__profiles__line__init(&lines[k]);
			lines[k].function_id = w->frame_functions[loc->frames[loc->len - 1 - k]];
			lines[k].line = frame->line;
			line_ptrs[k] = &lines[k];
		}
		perftools__profiles__location__init(&locs[i]);
		locs[i].id = i + 1;
		locs[i].mapping_id = loc->mapping == NO_MAPPING ? 0 : mapping_ids[loc->mapping];
		locs[i].address = profile__frame(w->prof, loc->frames[0])->addr;
		locs[i].n_line = loc->len;
		locs[i].line = line_ptrs;
		ptrs[i] = &locs[i];
	}
	msg->n_location = w->nr_locations;
	msg->location = ptrs;
	return 0;
}

static int pprof_writer__build_functions(struct pprof_writer *w, Perftools__Profiles__Profile *msg)
{
	Perftools__Profiles__Function *funcs, **ptrs;
	size_t i;

	funcs = pprof_writer__alloc(w, w->nr_functions, sizeof(*funcs));
	ptrs = pprof_writer__alloc(w, w->nr_functions, sizeof(*ptrs));
	if (!funcs || !ptrs)
		return -ENOMEM;
	for (i = 0; i < w->nr_functions; i++) {
		perftools__profiles__function__init(&funcs[i]);
		funcs[i].id = i + 1;
		funcs[i].name = w->functions[i].name;
		funcs[i].system_name = w->functions[i].system_name;
		funcs[i].filename = w->functions[i].filename;
		ptrs[i] = &funcs[i];
	}
	msg->n_function = w->nr_functions;
	msg->function = ptrs;
	return 0;
}

/* Appends a label to @labels[*n]; @str < 0 makes it a number label. Returns 0 or -errno. */
static int pprof_writer__label(struct pprof_writer *w, Perftools__Profiles__Label *labels,
			       size_t *n, const char *key, const char *str, int64_t num)
{
	Perftools__Profiles__Label *label = &labels[(*n)++];
	int64_t id;

	perftools__profiles__label__init(label);
	id = pprof_writer__str(w, key);
	if (id < 0)
		return id;
	label->key = id;
	if (!str) {
		label->num = num;
		return 0;
	}
	id = pprof_writer__str(w, str);
	if (id < 0)
		return id;
	label->str = id;
	return 0;
}

/* Appends the number label of a sample's time, in nanoseconds. Returns 0 or -errno. */
static int pprof_writer__time_label(struct pprof_writer *w, Perftools__Profiles__Label *labels,
				    size_t *n, uint64_t time_ns)
{
	int64_t unit;
	int err;

	if (time_ns > INT64_MAX)
		return -EOVERFLOW;
	err = pprof_writer__label(w, labels, n, PPROF_LABEL_TIME, NULL, time_ns);
	if (err)
		return err;
	unit = pprof_writer__str(w, PPROF_TIME_LABEL_UNIT);
	if (unit < 0)
		return unit;
	labels[*n - 1].num_unit = unit;
	return 0;
}

static int pprof_writer__build_samples(struct pprof_writer *w, Perftools__Profiles__Profile *msg,
				       uint64_t period)
{
	size_t nr = profile__sample_count(w->prof), nr_values = msg->n_sample_type, i, k;
	Perftools__Profiles__Sample *samples, **ptrs;
	Perftools__Profiles__Label *labels, **label_ptrs;
	const struct profile_sample *s;
	const struct pw_sample *ps;
	uint64_t *loc_ids;
	int64_t *values;
	size_t n;
	int err;

	samples = pprof_writer__alloc(w, nr, sizeof(*samples));
	ptrs = pprof_writer__alloc(w, nr, sizeof(*ptrs));
	loc_ids = pprof_writer__alloc(w, w->nr_sample_locs, sizeof(*loc_ids));
	if (!samples || !ptrs || !loc_ids)
		return -ENOMEM;
	for (i = 0; i < w->nr_sample_locs; i++)
		loc_ids[i] = (uint64_t)w->sample_locs[i] + 1;

	for (i = 0; i < nr; i++) {
		s = profile__sample(w->prof, i);
		ps = &w->samples[i];
		values = pprof_writer__alloc(w, nr_values, sizeof(*values));
		labels = pprof_writer__alloc(w, MAX_LABELS, sizeof(*labels));
		label_ptrs = pprof_writer__alloc(w, MAX_LABELS, sizeof(*label_ptrs));
		if (!values || !labels || !label_ptrs)
			return -ENOMEM;
		if (s->count > INT64_MAX || (period && s->count > INT64_MAX / period))
			return -EOVERFLOW;
		values[0] = s->count;
		if (nr_values > 1)
			values[1] = s->count * period;

		/* A zero pid or tid is left out: "unknown" reads back as 0 anyway. */
		n = 0;
		err = 0;
		if (s->labels.pid)
			err = pprof_writer__label(w, labels, &n, PPROF_LABEL_PID, NULL,
						  s->labels.pid);
		if (!err && s->labels.tid)
			err = pprof_writer__label(w, labels, &n, PPROF_LABEL_TID, NULL,
						  s->labels.tid);
		if (!err)
			err = pprof_writer__label(w, labels, &n, PPROF_LABEL_COMM, s->labels.comm,
						  0);
		if (!err && s->labels.thread)
			err = pprof_writer__label(w, labels, &n, PPROF_LABEL_THREAD,
						  s->labels.thread, 0);
		if (!err && ps->root_inlined)
			err = pprof_writer__label(w, labels, &n, PPROF_LABEL_ROOT,
						  PPROF_ROOT_INLINED, 0);
		if (!err && s->labels.time_ns)
			err = pprof_writer__time_label(w, labels, &n, s->labels.time_ns);
		if (err)
			return err;
		for (k = 0; k < n; k++)
			label_ptrs[k] = &labels[k];

		perftools__profiles__sample__init(&samples[i]);
		samples[i].n_location_id = ps->len;
		samples[i].location_id = loc_ids + ps->first;
		samples[i].n_value = nr_values;
		samples[i].value = values;
		samples[i].n_label = n;
		samples[i].label = label_ptrs;
		ptrs[i] = &samples[i];
	}
	msg->n_sample = nr;
	msg->sample = ptrs;
	return 0;
}

static int pprof_writer__value_type(struct pprof_writer *w, Perftools__Profiles__ValueType *vt,
				    const char *type, const char *unit)
{
	int64_t id;

	perftools__profiles__value_type__init(vt);
	id = pprof_writer__str(w, type);
	if (id < 0)
		return id;
	vt->type = id;
	id = pprof_writer__str(w, unit);
	if (id < 0)
		return id;
	vt->unit = id;
	return 0;
}

/* Fills @msg, whose parts live in the writer's arena. Returns 0 or -errno. */
/* The host goes in a comment: pprof has no profile-level labels. Returns 0 or -errno. */
static int pprof_writer__host_comment(struct pprof_writer *w, Perftools__Profiles__Profile *msg,
				      const char *host)
{
	char text[sizeof(PPROF_HOST_COMMENT) + PROFILE_HOST_MAX];
	int64_t *comments = pprof_writer__alloc(w, 1, sizeof(*comments));

	if (!comments)
		return -ENOMEM;
	snprintf(text, sizeof(text), PPROF_HOST_COMMENT "%s", host);
	comments[0] = pprof_writer__str(w, text);
	if (comments[0] < 0)
		return comments[0];
	msg->comment = comments;
	msg->n_comment = 1;
	return 0;
}

static int pprof_writer__build(struct pprof_writer *w, Perftools__Profiles__Profile *msg)
{
	const struct profile_meta *meta = profile__meta(w->prof);
	Perftools__Profiles__ValueType *types, **type_ptrs, *period_type;
	size_t nr = profile__sample_count(w->prof), i;
	uint64_t *mapping_ids;
	int err;

	if (meta->time_ns > INT64_MAX || meta->duration_ns > INT64_MAX ||
	    meta->period_ns > INT64_MAX)
		return -EOVERFLOW;
	perftools__profiles__profile__init(msg);
	types = pprof_writer__alloc(w, 2, sizeof(*types));
	type_ptrs = pprof_writer__alloc(w, 2, sizeof(*type_ptrs));
	period_type = pprof_writer__alloc(w, 1, sizeof(*period_type));
	if (!types || !type_ptrs || !period_type)
		return -ENOMEM;
	if (meta->value != PROFILE_VALUE_SAMPLES) {
		/* Time off (or on and off) the CPU: the count is nanoseconds, one value. */
		err = pprof_writer__value_type(
			w, &types[0],
			meta->value == PROFILE_VALUE_WALL ? PPROF_WALL_TYPE : PPROF_OFF_CPU_TYPE,
			PPROF_TIME_UNIT);
		if (err)
			return err;
		type_ptrs[0] = &types[0];
		msg->n_sample_type = 1;
		*period_type = types[0];
		msg->period_type = period_type;
		msg->period = 1;
		goto types_done;
	}
	/* First, so that the string table starts with the same few strings in every profile. */
	err = pprof_writer__value_type(w, &types[0], PPROF_COUNT_TYPE, PPROF_COUNT_UNIT);
	if (err)
		return err;
	type_ptrs[0] = &types[0];
	msg->n_sample_type = 1;
	/* Without a period, CPU time would be all zeros: better not claimed at all. */
	if (meta->period_ns) {
		err = pprof_writer__value_type(w, &types[1], PPROF_TIME_TYPE, PPROF_TIME_UNIT);
		if (err)
			return err;
		type_ptrs[1] = &types[1];
		msg->n_sample_type = 2;
		*period_type = types[1];
		msg->period_type = period_type;
		msg->period = meta->period_ns;
	}
types_done:
	msg->sample_type = type_ptrs;
	msg->time_nanos = meta->time_ns;
	msg->duration_nanos = meta->duration_ns;
	if (meta->host[0]) {
		err = pprof_writer__host_comment(w, msg, meta->host);
		if (err)
			return err;
	}

	w->frame_functions = calloc(profile__frame_count(w->prof) + 1, sizeof(*w->frame_functions));
	w->samples = calloc(nr + 1, sizeof(*w->samples));
	if (!w->frame_functions || !w->samples)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		err = pprof_writer__add_sample(w, i);
		if (err)
			return err;
	}

	mapping_ids = pprof_writer__alloc(w, w->nr_mappings, sizeof(*mapping_ids));
	if (!mapping_ids)
		return -ENOMEM;
	err = pprof_writer__build_mappings(w, msg, mapping_ids);
	if (!err)
		err = pprof_writer__build_locations(w, msg, mapping_ids);
	if (!err)
		err = pprof_writer__build_functions(w, msg);
	if (!err)
		err = pprof_writer__build_samples(w, msg, meta->period_ns);
	if (err)
		return err;

	/* Last: every string is interned by now. */
	msg->n_string_table = string_pool__count(w->strings);
	msg->string_table = pprof_writer__alloc(w, msg->n_string_table, sizeof(char *));
	if (!msg->string_table)
		return -ENOMEM;
	for (i = 0; i < msg->n_string_table; i++)
		msg->string_table[i] = (char *)string_pool__str(w->strings, i);
	return 0;
}

/* A protobuf-c output buffer that compresses what it is given and writes it to a file. */
struct gzip_sink {
	ProtobufCBuffer base; /* first: protobuf-c hands back a pointer to it */
	z_stream zs;
	FILE *out;
	int err;
	unsigned char chunk[1 << 16];
};

static int gzip_sink__deflate(struct gzip_sink *sink, const uint8_t *data, size_t len, int flush)
{
	size_t piece, have;
	int ret;

	do {
		/* avail_in is an unsigned int. */
		piece = len > UINT_MAX ? UINT_MAX : len;
		sink->zs.next_in = (Bytef *)data;
		sink->zs.avail_in = piece;
		/* data is NULL when only finishing, and NULL + 0 is undefined. */
		if (piece)
			data += piece;
		len -= piece;
		do {
			sink->zs.next_out = sink->chunk;
			sink->zs.avail_out = sizeof(sink->chunk);
			ret = deflate(&sink->zs, len ? Z_NO_FLUSH : flush);
			if (ret == Z_STREAM_ERROR)
				return -EINVAL;
			have = sizeof(sink->chunk) - sink->zs.avail_out;
			if (have && fwrite(sink->chunk, 1, have, sink->out) != have)
				return -EIO;
		} while (sink->zs.avail_out == 0);
	} while (len);
	return 0;
}

static void gzip_sink__append(ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
	struct gzip_sink *sink = (struct gzip_sink *)buffer;

	if (!sink->err)
		sink->err = gzip_sink__deflate(sink, data, len, Z_NO_FLUSH);
}

static int pprof_writer__emit(const Perftools__Profiles__Profile *msg, FILE *out)
{
	struct gzip_sink *sink;
	int err;

	/* The chunk is too big for the stack of a thread that may not be the main one. */
	sink = calloc(1, sizeof(*sink));
	if (!sink)
		return -ENOMEM;
	sink->base.append = gzip_sink__append;
	sink->out = out;
	/* No file name and a zero time in the header: the same profile gives the same bytes. */
	if (deflateInit2(&sink->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		err = -ENOMEM;
		goto out_free_sink;
	}
	protobuf_c_message_pack_to_buffer(&msg->base, &sink->base);
	err = sink->err;
	if (!err)
		err = gzip_sink__deflate(sink, NULL, 0, Z_FINISH);
	deflateEnd(&sink->zs);
out_free_sink:
	free(sink);
	return err;
}

static void pprof_writer__release(struct pprof_writer *w)
{
	hash_table__free(w->location_index);
	hash_table__free(w->function_index);
	hash_table__free(w->mapping_index);
	free(w->runs);
	free(w->sample_locs);
	free(w->samples);
	free(w->locations);
	free(w->frame_functions);
	free(w->functions);
	free(w->mappings);
	free(w->text);
	arena__free(w->arena);
	string_pool__free(w->strings);
}

/* Builds the message of @w->prof; release @w afterwards whatever it returns. */
static int pprof_writer__prepare(struct pprof_writer *w, Perftools__Profiles__Profile *msg)
{
	w->strings = string_pool__new();
	w->arena = arena__new();
	w->mapping_index = hash_table__new(pprof_writer__mapping_eq, w);
	w->function_index = hash_table__new(pprof_writer__function_eq, w);
	w->location_index = hash_table__new(pprof_writer__location_eq, w);
	if (!w->strings || !w->arena || !w->mapping_index || !w->function_index ||
	    !w->location_index)
		return -ENOMEM;
	/* pprof requires string 0 to be "". */
	if (string_pool__intern(w->strings, "", 0) != 0)
		return -ENOMEM;
	return pprof_writer__build(w, msg);
}

int pprof__write(const struct profile *prof, FILE *out)
{
	struct pprof_writer w = { .prof = prof };
	Perftools__Profiles__Profile msg;
	int err;

	err = pprof_writer__prepare(&w, &msg);
	if (!err)
		err = pprof_writer__emit(&msg, out);
	/* Also catches errors from writes stdio buffered before we were called. */
	if (fflush(out) == EOF || ferror(out))
		err = err ?: -EIO;
	pprof_writer__release(&w);
	return err;
}

int pprof__encode(const struct profile *prof, void **raw, size_t *len)
{
	struct pprof_writer w = { .prof = prof };
	Perftools__Profiles__Profile msg;
	uint8_t *buf = NULL;
	size_t size;
	int err;

	err = pprof_writer__prepare(&w, &msg);
	if (!err) {
		size = protobuf_c_message_get_packed_size(&msg.base);
		/* One more byte: malloc(0) may return NULL for an empty message. */
		buf = malloc(size + 1);
		if (buf) {
			*len = protobuf_c_message_pack(&msg.base, buf);
			*raw = buf;
		} else {
			err = -ENOMEM;
		}
	}
	pprof_writer__release(&w);
	return err;
}
