/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Turns what the sampler aggregated (keys of stack ids with counts) into the profile
 * model: stacks fetched from the stack map, addresses named by the symbolizer with the
 * mappings of the sampled process image, frames ordered root first (user, then kernel).
 */
#ifndef PROF_PROFILE_BUILDER_H
#define PROF_PROFILE_BUILDER_H

struct profile;
struct proc_table;
struct sampler;
struct symbolizer;

struct profile_builder_stats {
	unsigned long long keys;          /* entries of the counts hash */
	unsigned long long missing_stacks; /* stack ids no longer in the stack map */
};

/*
 * Reads every count of @s into @prof. Everything is borrowed for the call.
 * Returns 0 or -errno.
 */
int profile_builder__build(struct sampler *s, struct symbolizer *sym, struct proc_table *procs,
			   struct profile *prof, struct profile_builder_stats *stats);

#endif
