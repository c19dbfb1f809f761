// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory: a frame is a 48-byte struct profile_frame plus an index slot (8 bytes at 3/8..3/4
 * load, so 11-21 bytes); a distinct stack is 4 bytes per frame plus 12 and a slot; a sample
 * is a 48-byte struct profile_sample plus a slot. Strings are stored once whatever uses them.
 *
 * Speed: loading a large profile is bound by cache misses, so a frame is looked up by its
 * contents (hash of the strings' bytes, compared with the stored frame's strings) and its
 * strings are interned only when the frame is new; a hit costs the index slot, the frame and
 * its function name.
 */
#include "profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "array.h"
#include "hash_table.h"
#include "string_pool.h"

/* Frames live in fixed chunks so that their addresses never change as the profile grows. */
#define FRAME_CHUNK_SHIFT 10
#define FRAME_CHUNK_SIZE (1u << FRAME_CHUNK_SHIFT)

/* An interned stack; samples that share it share @frames. */
struct profile_stack {
	uint32_t depth;
	uint32_t frames[]; /* root first */
};

struct profile {
	struct profile_meta meta;
	struct string_pool *strings;
	struct arena *arena; /* stacks: they must not move */

	struct profile_frame **frame_chunks; /* frame id -> chunk [id >> SHIFT], slot [id & mask] */
	size_t nr_frame_chunks;
	size_t frame_chunks_cap;
	size_t nr_frames;
	struct hash_table *frame_index;

	const struct profile_stack **stacks;
	size_t nr_stacks;
	size_t stacks_cap;
	struct hash_table *stack_index;

	struct profile_sample *samples; /* may move on add: borrowed only until the next add */
	size_t nr_samples;
	size_t samples_cap;
	struct hash_table *sample_index;

	uint64_t total;
};

struct stack_key {
	const uint32_t *frames;
	size_t depth;
};

static struct profile_frame *profile__frame_slot(const struct profile *prof, uint32_t id)
{
	return &prof->frame_chunks[id >> FRAME_CHUNK_SHIFT][id & (FRAME_CHUNK_SIZE - 1)];
}

/* NULL equals only NULL. */
static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* @key is the caller's frame, whose strings are not interned (yet). */
static bool profile__frame_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct profile_frame *a = profile__frame_slot(ctx, id), *b = key;

	return a->addr == b->addr && a->line == b->line && a->kind == b->kind &&
	       str_eq(a->func, b->func) && str_eq(a->module, b->module) &&
	       str_eq(a->file, b->file) && str_eq(a->mangled, b->mangled) &&
	       str_eq(a->build_id, b->build_id);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	return s ? hash__bytes(h, s, strlen(s)) : hash__u64(h, UINT64_MAX);
}

static uint64_t profile__frame_hash(const struct profile_frame *frame)
{
	uint64_t h = hash__u64(HASH_SEED, frame->addr);

	h = hash__u64(h, (uint64_t)frame->line << 8 | frame->kind);
	h = hash_str(h, frame->func);
	h = hash_str(h, frame->module);
	h = hash_str(h, frame->file);
	h = hash_str(h, frame->build_id);
	return hash__final(hash_str(h, frame->mangled));
}

static bool profile__stack_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct profile *prof = ctx;
	const struct profile_stack *stack = prof->stacks[id];
	const struct stack_key *k = key;

	if (stack->depth != k->depth)
		return false;
	return !k->depth || memcmp(stack->frames, k->frames, k->depth * sizeof(*k->frames)) == 0;
}

/* Stacks and strings are interned: equal samples have equal pointers. */
static bool profile__sample_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct profile *prof = ctx;
	const struct profile_sample *a = &prof->samples[id], *b = key;

	return a->frames == b->frames && a->labels.pid == b->labels.pid &&
	       a->labels.tid == b->labels.tid && a->labels.comm == b->labels.comm &&
	       a->labels.thread == b->labels.thread && a->labels.time_ns == b->labels.time_ns;
}

struct profile *profile__new(void)
{
	struct profile *prof;

	prof = calloc(1, sizeof(*prof));
	if (!prof)
		return NULL;
	prof->strings = string_pool__new();
	prof->arena = arena__new();
	prof->frame_index = hash_table__new(profile__frame_eq, prof);
	prof->stack_index = hash_table__new(profile__stack_eq, prof);
	prof->sample_index = hash_table__new(profile__sample_eq, prof);
	if (!prof->strings || !prof->arena || !prof->frame_index || !prof->stack_index ||
	    !prof->sample_index) {
		profile__free(prof);
		errno = ENOMEM;
		return NULL;
	}
	return prof;
}

void profile__free(struct profile *prof)
{
	if (!prof)
		return;
	hash_table__free(prof->sample_index);
	hash_table__free(prof->stack_index);
	hash_table__free(prof->frame_index);
	free(prof->samples);
	free(prof->stacks);
	for (size_t i = 0; i < prof->nr_frame_chunks; i++)
		free(prof->frame_chunks[i]);
	free(prof->frame_chunks);
	arena__free(prof->arena);
	string_pool__free(prof->strings);
	free(prof);
}

const char *const profile_lost_names[PROFILE_LOST_CAUSES] = {
	[PROFILE_LOST_KERNEL_STACK_COLLISION] = "kernel_stack_map_collision",
	[PROFILE_LOST_USER_STACK_MAP_FULL] = "user_stack_map_full",
	[PROFILE_LOST_COUNTS_MAP_FULL] = "counts_map_full",
	[PROFILE_LOST_STACK_WALK_ERROR] = "stack_walk_error",
};

void profile__set_meta(struct profile *prof, const struct profile_meta *meta)
{
	prof->meta = *meta;
}

const struct profile_meta *profile__meta(const struct profile *prof)
{
	return &prof->meta;
}

/* Interns @s (NULL stays NULL). Returns 0 or -errno; *@out is borrowed from the pool. */
static int profile__intern_str(struct profile *prof, const char *s, const char **out)
{
	int64_t id;

	*out = NULL;
	if (!s)
		return 0;
	id = string_pool__intern(prof->strings, s, strlen(s));
	if (id < 0)
		return id;
	*out = string_pool__str(prof->strings, id);
	return 0;
}

int64_t profile__intern_frame(struct profile *prof, const struct profile_frame *frame)
{
	struct profile_frame copy, **chunk;
	uint64_t hash;
	int64_t id;
	int err;

	if (!frame || !frame->func || (unsigned int)frame->kind >= FRAME_KIND_COUNT)
		return -EINVAL;
	hash = profile__frame_hash(frame);
	id = hash_table__find(prof->frame_index, hash, frame);
	if (id >= 0)
		return id;

	/* Frame ids travel as uint32_t in stacks. */
	if (prof->nr_frames > HASH_TABLE_MAX_VALUE)
		return -E2BIG;
	copy = *frame;
	err = profile__intern_str(prof, frame->func, &copy.func);
	if (!err)
		err = profile__intern_str(prof, frame->mangled, &copy.mangled);
	if (!err)
		err = profile__intern_str(prof, frame->file, &copy.file);
	if (!err)
		err = profile__intern_str(prof, frame->module, &copy.module);
	if (!err)
		err = profile__intern_str(prof, frame->build_id, &copy.build_id);
	if (err)
		return err;

	/* Compared with the chunk count, so a chunk left by a failed call is used next time. */
	if (prof->nr_frames >> FRAME_CHUNK_SHIFT == prof->nr_frame_chunks) {
		err = array__reserve(&prof->frame_chunks, &prof->frame_chunks_cap,
				     prof->nr_frame_chunks + 1, sizeof(*prof->frame_chunks));
		if (err)
			return err;
		chunk = &prof->frame_chunks[prof->nr_frame_chunks];
		*chunk = malloc(FRAME_CHUNK_SIZE * sizeof(**chunk));
		if (!*chunk)
			return -ENOMEM;
		prof->nr_frame_chunks++;
	}
	*profile__frame_slot(prof, prof->nr_frames) = copy;
	err = hash_table__insert(prof->frame_index, hash, prof->nr_frames);
	if (err)
		return err;
	return prof->nr_frames++;
}

/* Interns @frames[0..depth); *@out is the copy, borrowed from the profile. Returns 0 or -errno. */
static int profile__intern_stack(struct profile *prof, const uint32_t *frames, size_t depth,
				 const uint32_t **out)
{
	struct stack_key key = { .frames = frames, .depth = depth };
	struct profile_stack *stack;
	uint64_t hash;
	int64_t id;
	int err;

	hash = hash__final(hash__bytes(HASH_SEED, frames, depth * sizeof(*frames)));
	id = hash_table__find(prof->stack_index, hash, &key);
	if (id >= 0) {
		*out = prof->stacks[id]->frames;
		return 0;
	}

	if (prof->nr_stacks > HASH_TABLE_MAX_VALUE)
		return -E2BIG;
	err = array__reserve(&prof->stacks, &prof->stacks_cap, prof->nr_stacks + 1,
			     sizeof(*prof->stacks));
	if (err)
		return err;
	stack = arena__alloc(prof->arena, sizeof(*stack) + depth * sizeof(*frames),
			     _Alignof(struct profile_stack));
	if (!stack)
		return -ENOMEM;
	stack->depth = depth;
	if (depth)
		memcpy(stack->frames, frames, depth * sizeof(*frames));
	prof->stacks[prof->nr_stacks] = stack;
	err = hash_table__insert(prof->stack_index, hash, prof->nr_stacks);
	if (err)
		return err;
	prof->nr_stacks++;
	*out = stack->frames;
	return 0;
}

int profile__add_sample(struct profile *prof, const uint32_t *frames, size_t depth,
			const struct profile_labels *labels, uint64_t count)
{
	struct profile_sample key = { 0 }, *sample;
	uint64_t hash;
	int64_t id;
	size_t i;
	int err;

	if (!count || !labels || !labels->comm || (depth && !frames))
		return -EINVAL;
	/* Stacks store their depth in 32 bits; no real stack comes near this anyway. */
	if (depth > UINT32_MAX / sizeof(*frames))
		return -E2BIG;
	for (i = 0; i < depth; i++) {
		if (frames[i] >= prof->nr_frames)
			return -EINVAL;
	}
	if (prof->total > UINT64_MAX - count)
		return -EOVERFLOW;

	err = profile__intern_stack(prof, frames, depth, &key.frames);
	if (err)
		return err;
	key.depth = depth;
	key.labels.pid = labels->pid;
	key.labels.tid = labels->tid;
	key.labels.time_ns = labels->time_ns;
	err = profile__intern_str(prof, labels->comm, &key.labels.comm);
	if (!err)
		err = profile__intern_str(prof, labels->thread, &key.labels.thread);
	if (err)
		return err;
	key.count = count;

	hash = hash__u64(HASH_SEED, (uintptr_t)key.frames);
	hash = hash__u64(hash, (uint64_t)key.labels.pid << 32 | key.labels.tid);
	hash = hash__u64(hash, (uintptr_t)key.labels.comm);
	hash = hash__u64(hash, key.labels.time_ns);
	hash = hash__final(hash__u64(hash, (uintptr_t)key.labels.thread));
	id = hash_table__find(prof->sample_index, hash, &key);
	if (id >= 0) {
		/* A single sample cannot exceed the total, which was checked above. */
		prof->samples[id].count += count;
		prof->total += count;
		return 0;
	}

	if (prof->nr_samples > HASH_TABLE_MAX_VALUE)
		return -E2BIG;
	err = array__reserve(&prof->samples, &prof->samples_cap, prof->nr_samples + 1,
			     sizeof(*prof->samples));
	if (err)
		return err;
	sample = &prof->samples[prof->nr_samples];
	*sample = key;
	err = hash_table__insert(prof->sample_index, hash, prof->nr_samples);
	if (err)
		return err;
	prof->nr_samples++;
	prof->total += count;
	return 0;
}

size_t profile__frame_count(const struct profile *prof)
{
	return prof->nr_frames;
}

const struct profile_frame *profile__frame(const struct profile *prof, uint32_t id)
{
	return id < prof->nr_frames ? profile__frame_slot(prof, id) : NULL;
}

size_t profile__sample_count(const struct profile *prof)
{
	return prof->nr_samples;
}

const struct profile_sample *profile__sample(const struct profile *prof, size_t i)
{
	return i < prof->nr_samples ? &prof->samples[i] : NULL;
}

uint64_t profile__total(const struct profile *prof)
{
	return prof->total;
}
