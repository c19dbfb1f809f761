/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The wall-time view: where each thread spent its time, on the CPU and off it, in one
 * profile of nanoseconds. CPU samples count their period each; off-CPU times (the stacks a
 * thread waited in) end in a frame WALL_OFF_CPU_FRAME, so that the two stay apart at a leaf.
 */
#ifndef PROF_WALL_PROFILE_H
#define PROF_WALL_PROFILE_H

#include "profile.h"

#define WALL_OFF_CPU_FRAME "[off-CPU]"

/*
 * A new profile (PROFILE_VALUE_WALL) of @cpu (PROFILE_VALUE_SAMPLES with a period) and
 * @off_cpu (PROFILE_VALUE_OFF_CPU); both borrowed for the call. Returns NULL with errno set:
 * EINVAL for profiles of other values or without a period, ENOMEM, EOVERFLOW.
 */
struct profile *wall_profile__new(const struct profile *cpu, const struct profile *off_cpu);

#endif
