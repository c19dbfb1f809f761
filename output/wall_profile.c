// SPDX-License-Identifier: GPL-2.0-only
#include "wall_profile.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* Stacks are at most this deep here; the profile builder's limit, with room for the leaf. */
#define WALL_MAX_FRAMES 1024

/*
 * Adds the samples of @from to @to, each count times @scale, with the frame @leaf (an id in
 * @to, or -1 for none) on top. Frame ids are mapped through @ids (from's id -> to's).
 */
static int add_samples(struct profile *to, const struct profile *from, uint64_t scale, int64_t leaf)
{
	size_t nframes = profile__frame_count(from);
	uint32_t *ids = malloc((nframes + 1) * sizeof(*ids));
	uint32_t stack[WALL_MAX_FRAMES + 1];
	int err = 0;

	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < nframes && !err; i++) {
		int64_t id = profile__intern_frame(to, profile__frame(from, i));

		if (id < 0)
			err = id;
		else
			ids[i] = id;
	}
	for (size_t i = 0; i < profile__sample_count(from) && !err; i++) {
		const struct profile_sample *s = profile__sample(from, i);
		size_t depth = s->depth < WALL_MAX_FRAMES ? s->depth : WALL_MAX_FRAMES;

		if (s->count > UINT64_MAX / scale) {
			err = -EOVERFLOW;
			break;
		}
		for (size_t j = 0; j < depth; j++)
			stack[j] = ids[s->frames[j]];
		if (leaf >= 0)
			stack[depth++] = leaf;
		err = profile__add_sample(to, stack, depth, &s->labels, s->count * scale);
	}
	free(ids);
	return err;
}

struct profile *wall_profile__new(const struct profile *cpu, const struct profile *off_cpu)
{
	const struct profile_frame marker = { .func = WALL_OFF_CPU_FRAME, .kind = FRAME_KERNEL };
	struct profile_meta meta = *profile__meta(cpu);
	struct profile *wall;
	int64_t leaf;
	int err;

	if (meta.value != PROFILE_VALUE_SAMPLES || !meta.period_ns ||
	    profile__meta(off_cpu)->value != PROFILE_VALUE_OFF_CPU) {
		errno = EINVAL;
		return NULL;
	}
	wall = profile__new();
	if (!wall)
		return NULL;
	meta.value = PROFILE_VALUE_WALL;
	meta.period_ns = 0;
	profile__set_meta(wall, &meta);
	leaf = profile__intern_frame(wall, &marker);
	err = leaf < 0 ? (int)leaf : add_samples(wall, cpu, profile__meta(cpu)->period_ns, -1);
	err = err ?: add_samples(wall, off_cpu, 1, leaf);
	if (err) {
		profile__free(wall);
		errno = -err;
		return NULL;
	}
	return wall;
}
