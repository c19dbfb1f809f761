// SPDX-License-Identifier: GPL-2.0-only
#include "wall_profile.h"

#include <errno.h>

#include "profile_merge.h"

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
	err = leaf < 0 ? (int)leaf : profile__merge(wall, cpu, profile__meta(cpu)->period_ns, -1);
	err = err ?: profile__merge(wall, off_cpu, 1, leaf);
	if (err) {
		profile__free(wall);
		errno = -err;
		return NULL;
	}
	return wall;
}
