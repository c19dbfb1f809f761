// SPDX-License-Identifier: GPL-2.0-only
/*
 * One pass over the samples interns locations (by the run of frame ids each stands for),
 * functions (by name, system name and file) and mappings (by file name) in order of first
 * sight.
 */
#include "profile_tables.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "array.h"
#include "hash_table.h"
#include "pprof_internal.h"
#include "string_pool.h"
#include "utf8.h"

struct location_key {
	const uint32_t *frames;
	size_t len;
};

static bool profile_tables__mapping_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct profile_tables *t = ctx;

	return t->mappings[id].filename == *(const uint32_t *)key;
}

static bool profile_tables__function_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct profile_tables *t = ctx;
	const struct pt_function *a = &t->functions[id], *b = key;

	return a->name == b->name && a->system_name == b->system_name && a->filename == b->filename;
}

static bool profile_tables__location_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct profile_tables *t = ctx;
	const struct pt_location *loc = &t->locations[id];
	const struct location_key *k = key;

	return loc->len == k->len && !memcmp(loc->frames, k->frames, k->len * sizeof(*k->frames));
}

/* Interns @s (NULL: "") as valid UTF-8. Returns its string table index or -errno. */
int64_t profile_tables__str(struct profile_tables *t, const char *s)
{
	size_t len;
	int64_t n;

	if (!s)
		s = "";
	len = strlen(s);
	if (utf8__valid_len(s, len) == len)
		return string_pool__intern(t->strings, s, len);
	n = utf8__sanitize(s, len, &t->text, &t->text_cap);
	if (n < 0)
		return n;
	return string_pool__intern(t->strings, t->text, n);
}

static int64_t profile_tables__mapping(struct profile_tables *t, const char *filename)
{
	struct pt_mapping *m;
	uint32_t key;
	uint64_t hash;
	int64_t id;
	int err;

	id = profile_tables__str(t, filename);
	if (id < 0)
		return id;
	key = id;
	hash = hash__final(hash__u64(HASH_SEED, key));
	id = hash_table__find(t->mapping_index, hash, &key);
	if (id >= 0)
		return id;
	err = array__reserve(&t->mappings, &t->mappings_cap, t->nr_mappings + 1,
			     sizeof(*t->mappings));
	if (err)
		return err;
	m = &t->mappings[t->nr_mappings];
	memset(m, 0, sizeof(*m));
	m->filename = key;
	err = hash_table__insert(t->mapping_index, hash, t->nr_mappings);
	if (err)
		return err;
	return t->nr_mappings++;
}

/* The function index of frame @id, interned on first sight. Returns it or -errno. */
static int64_t profile_tables__function(struct profile_tables *t, uint32_t frame_id)
{
	const struct profile_frame *frame = profile__frame(t->prof, frame_id);
	struct pt_function key;
	uint64_t hash;
	int64_t id;
	int err;

	if (t->frame_functions[frame_id])
		return t->frame_functions[frame_id] - 1;
	id = profile_tables__str(t, frame->func);
	if (id < 0)
		return id;
	key.name = id;
	/* pprof wants the system name even when it is the name itself, as Go writes it. */
	id = frame->mangled ? profile_tables__str(t, frame->mangled) : key.name;
	if (id < 0)
		return id;
	key.system_name = id;
	id = profile_tables__str(t, frame->file);
	if (id < 0)
		return id;
	key.filename = id;

	hash = hash__u64(HASH_SEED, (uint64_t)key.name << 32 | key.system_name);
	hash = hash__final(hash__u64(hash, key.filename));
	id = hash_table__find(t->function_index, hash, &key);
	if (id < 0) {
		err = array__reserve(&t->functions, &t->functions_cap, t->nr_functions + 1,
				     sizeof(*t->functions));
		if (err)
			return err;
		t->functions[t->nr_functions] = key;
		err = hash_table__insert(t->function_index, hash, t->nr_functions);
		if (err)
			return err;
		id = t->nr_functions++;
	}
	t->frame_functions[frame_id] = id + 1;
	return id;
}

/*
 * The mapping file name that carries @frame's kind (see pprof_internal.h), NULL for none.
 * Only the model's own module names are kept; a module that would read back as another kind
 * gives way to the kind.
 */
static const char *profile_tables__mapping_name(const struct profile_frame *frame)
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
static int64_t profile_tables__location(struct profile_tables *t, const uint32_t *frames,
					size_t len)
{
	struct location_key key = { .frames = frames, .len = len };
	const struct profile_frame *outer = profile__frame(t->prof, frames[0]), *frame;
	const char *mapping_name;
	struct pt_location *loc;
	struct pt_mapping *m;
	uint32_t *copy;
	uint64_t hash;
	int64_t id;
	size_t i;
	int err;

	if (len == 1 && t->frame_locations[frames[0]])
		return t->frame_locations[frames[0]] - 1;
	hash = hash__final(hash__bytes(HASH_SEED, frames, len * sizeof(*frames)));
	id = len == 1 ? -ENOENT : hash_table__find(t->location_index, hash, &key);
	if (id >= 0)
		return id;

	for (i = 0; i < len; i++) {
		id = profile_tables__function(t, frames[i]);
		if (id < 0)
			return id;
	}
	err = array__reserve(&t->locations, &t->locations_cap, t->nr_locations + 1,
			     sizeof(*t->locations));
	if (err)
		return err;
	copy = arena__alloc(t->arena, len * sizeof(*copy), _Alignof(uint32_t));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, frames, len * sizeof(*copy));
	loc = &t->locations[t->nr_locations];
	loc->frames = copy;
	loc->len = len;
	loc->mapping = PROFILE_TABLES_NO_MAPPING;

	mapping_name = profile_tables__mapping_name(outer);
	if (mapping_name) {
		id = profile_tables__mapping(t, mapping_name);
		if (id < 0)
			return id;
		loc->mapping = id;
		m = &t->mappings[id];
		if (!m->build_id && outer->build_id) {
			id = profile_tables__str(t, outer->build_id);
			if (id < 0)
				return id;
			m->build_id = id;
		}
		if (outer->addr >= m->limit)
			m->limit = outer->addr == UINT64_MAX ? UINT64_MAX : outer->addr + 1;
		m->has_inline_frames |= len > 1;
		for (i = 0; i < len; i++) {
			frame = profile__frame(t->prof, frames[i]);
			m->has_filenames |= frame->file != NULL;
			m->has_line_numbers |= frame->line != 0;
		}
	}
	if (len == 1) {
		t->frame_locations[frames[0]] = t->nr_locations + 1;
	} else {
		err = hash_table__insert(t->location_index, hash, t->nr_locations);
		if (err)
			return err;
	}
	return t->nr_locations++;
}

/* Splits sample @i into locations and records them, leaf first. Returns 0 or -errno. */
static int profile_tables__add_sample(struct profile_tables *t, size_t i)
{
	const struct profile_sample *s = profile__sample(t->prof, i);
	struct pt_sample *ps = &t->samples[i];
	const struct pt_location *loc;
	size_t start = 0, end, nr_runs = 0, k;
	int64_t id;
	int err;

	err = array__reserve(&t->runs, &t->runs_cap, s->depth + 1, sizeof(*t->runs));
	if (err)
		return err;
	while (start < s->depth) {
		end = start + 1;
		while (end < s->depth &&
		       profile__frame(t->prof, s->frames[end])->kind == FRAME_INLINE)
			end++;
		id = profile_tables__location(t, s->frames + start, end - start);
		if (id < 0)
			return id;
		t->runs[nr_runs++] = id;
		start = end;
	}
	ps->root_inlined = s->depth && profile__frame(t->prof, s->frames[0])->kind == FRAME_INLINE;

	/* The main binary: where the outermost user code of the most samples lives. */
	for (k = 0; k < nr_runs; k++) {
		loc = &t->locations[t->runs[k]];
		if (profile__frame(t->prof, loc->frames[0])->kind == FRAME_USER &&
		    loc->mapping != PROFILE_TABLES_NO_MAPPING) {
			t->mappings[loc->mapping].weight += s->count;
			break;
		}
	}

	err = array__reserve(&t->sample_locs, &t->sample_locs_cap, t->nr_sample_locs + nr_runs,
			     sizeof(*t->sample_locs));
	if (err)
		return err;
	ps->first = t->nr_sample_locs;
	ps->len = nr_runs;
	for (k = nr_runs; k-- > 0;)
		t->sample_locs[t->nr_sample_locs++] = t->runs[k];
	return 0;
}

/* Arena memory for @n objects of @size bytes, aligned for any message; NULL on failure. */
void *profile_tables__alloc(struct profile_tables *t, size_t n, size_t size)
{
	if (n && size > SIZE_MAX / n)
		return NULL;
	return arena__alloc(t->arena, n ? n * size : 1, _Alignof(max_align_t));
}
int profile_tables__add_samples(struct profile_tables *t)
{
	size_t nr = profile__sample_count(t->prof), i;
	int err;

	t->frame_functions = calloc(profile__frame_count(t->prof) + 1, sizeof(*t->frame_functions));
	t->frame_locations = calloc(profile__frame_count(t->prof) + 1, sizeof(*t->frame_locations));
	t->samples = calloc(nr + 1, sizeof(*t->samples));
	if (!t->frame_functions || !t->frame_locations || !t->samples)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		err = profile_tables__add_sample(t, i);
		if (err)
			return err;
	}
	return 0;
}

int profile_tables__init(struct profile_tables *t, const struct profile *prof)
{
	memset(t, 0, sizeof(*t));
	t->prof = prof;
	t->strings = string_pool__new();
	t->arena = arena__new();
	t->mapping_index = hash_table__new(profile_tables__mapping_eq, t);
	t->function_index = hash_table__new(profile_tables__function_eq, t);
	t->location_index = hash_table__new(profile_tables__location_eq, t);
	if (!t->strings || !t->arena || !t->mapping_index || !t->function_index ||
	    !t->location_index)
		return -ENOMEM;
	/* Both formats require string 0 to be "". */
	if (string_pool__intern(t->strings, "", 0) != 0)
		return -ENOMEM;
	return 0;
}

void profile_tables__release(struct profile_tables *t)
{
	hash_table__free(t->location_index);
	hash_table__free(t->function_index);
	hash_table__free(t->mapping_index);
	free(t->runs);
	free(t->sample_locs);
	free(t->samples);
	free(t->locations);
	free(t->frame_functions);
	free(t->frame_locations);
	free(t->functions);
	free(t->mappings);
	free(t->text);
	arena__free(t->arena);
	string_pool__free(t->strings);
}
