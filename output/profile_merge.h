/* SPDX-License-Identifier: GPL-2.0-only */
/* Adding one profile's samples to another's: the frames interned anew, labels kept. */
#ifndef PROF_PROFILE_MERGE_H
#define PROF_PROFILE_MERGE_H

#include <stdint.h>

#include "profile.h"

/* Stacks are at most this deep here; the profile builder's limit, with room for a leaf. */
#define PROFILE_MERGE_MAX_FRAMES 1024

/*
 * Adds the samples of @from to @to, each count times @scale, with the frame @leaf (an id in
 * @to, or -1 for none) on top. @to's meta is left as it is. Returns 0 or -errno (-ENOMEM,
 * -EOVERFLOW); on failure @to may hold part of @from.
 */
int profile__merge(struct profile *to, const struct profile *from, uint64_t scale, int64_t leaf);

#endif
