// SPDX-License-Identifier: GPL-2.0-only
#include "profile_merge.h"

#include <errno.h>
#include <stdlib.h>

int profile__merge(struct profile *to, const struct profile *from, uint64_t scale, int64_t leaf)
{
	size_t nframes = profile__frame_count(from);
	uint32_t *ids = malloc((nframes + 1) * sizeof(*ids));
	uint32_t stack[PROFILE_MERGE_MAX_FRAMES + 1];
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
		size_t depth = s->depth < PROFILE_MERGE_MAX_FRAMES ? s->depth :
								     PROFILE_MERGE_MAX_FRAMES;

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
