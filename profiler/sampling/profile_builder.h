/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Turns what the sampler aggregated (keys of stack ids with counts) into the profile
 * model: stacks fetched from the stack map, addresses named by the symbolizer with the
 * mappings of the sampled process image, frames ordered root first (user, then kernel).
 */
#ifndef PROF_PROFILE_BUILDER_H
#define PROF_PROFILE_BUILDER_H

struct prof_sample_key;
struct prof_user_stack;
struct profile;
struct proc_table;
struct python_procs;
struct sampler;
struct symbolizer;

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the time slots of keys (see sampler_opts.time_slot_ns) become times of samples. */
struct sample_clock {
	uint64_t slot_ns;	    /* width of a slot */
	int64_t realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC when the buffer was read */
};

struct profile_builder_stats {
	unsigned long long keys;	      /* entries of the counts hash */
	unsigned long long missing_stacks;    /* stack ids no longer in the stack map */
	unsigned long long incomplete_stacks; /* distinct user stacks whose walk ended early */
	unsigned long long python_unnamed;    /* Python frames whose code object was not read */
};

/*
 * Samples counted once each with a user stack walked in user space (deferred samples):
 * get() fills sample @i's key and stack, or returns nonzero to leave it out.
 */
struct walked_samples {
	size_t n;
	int (*get)(void *ctx, size_t i, struct prof_sample_key *key, struct prof_user_stack *stack);
	void *ctx;
};

/*
 * Reads every CPU sample of @s's read buffer into @prof, or with @off_cpu every off-CPU key
 * (its time in nanoseconds, scaled by the program) instead; with @clock (NULL: none) samples
 * get the time their slot started at; then the @walked samples (NULL: none; CPU samples),
 * their kernel stacks from the read buffer too. Python frames are named through @python (NULL: none).
 * Everything is borrowed for the call. Returns 0 or -errno.
 */
int profile_builder__build(struct sampler *s, struct symbolizer *sym, struct proc_table *procs,
			   struct python_procs *python, const struct sample_clock *clock,
			   const struct walked_samples *walked, struct profile *prof, bool off_cpu,
			   struct profile_builder_stats *stats);

#endif
