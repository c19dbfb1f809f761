/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The profile model: the one in-memory form every reader and writer speaks.
 *
 * A profile is a set of samples, each a stack of interned frame ids (root first) with a
 * count and labels (pid, tid, process name, thread name). Frames and strings are interned:
 * adding the same frame twice returns the same id, and adding a sample whose stack and
 * labels equal an earlier one adds to its count.
 */
#ifndef PROF_PROFILE_H
#define PROF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum frame_kind {
	FRAME_USER,
	FRAME_KERNEL,
	FRAME_JIT,
	FRAME_INLINE, /* a function inlined into the frame below it (towards the leaf: above) */
	FRAME_PYTHON, /* a Python function: file is its source, module PROFILE_PYTHON_MODULE */
	FRAME_KIND_COUNT,
};

/* The module of Python frames: one for every interpreter. */
#define PROFILE_PYTHON_MODULE "[python]"

struct profile_frame {
	const char *func;     /* never NULL: demangled name, or "module+0xOFF" / "[unknown]" */
	const char *mangled;  /* system name when it differs from func, else NULL */
	const char *file;     /* source file, NULL without line info */
	const char *module;   /* path of the binary, "[kernel.kallsyms]", or NULL when unknown */
	const char *build_id; /* the module's build id in hex, NULL when it has none or unknown */
	uint64_t addr;	      /* address within the module (ELF virtual address), 0 if unknown */
	unsigned int line;    /* 0 without line info */
	enum frame_kind kind;
};

struct profile_labels {
	uint32_t pid;	    /* process id (tgid) */
	uint32_t tid;	    /* thread id */
	const char *comm;   /* process name, never NULL */
	const char *thread; /* thread name, NULL when unknown */
	uint64_t time_ns;   /* start of the second the samples were taken in (ns since the Unix
			     * epoch), 0 when unknown; the agent's profiles have it */
};

struct profile_sample {
	const uint32_t *frames; /* frame ids, root first; borrowed from the profile */
	size_t depth;
	struct profile_labels labels; /* strings borrowed from the profile */
	uint64_t count;
};

#define PROFILE_HOST_MAX 65 /* HOST_NAME_MAX and its terminator */

/* What a sample's count is. */
enum profile_value {
	PROFILE_VALUE_SAMPLES, /* CPU samples, each period_ns of CPU time */
	PROFILE_VALUE_OFF_CPU, /* nanoseconds off the CPU (blocked, or waiting for one) */
	PROFILE_VALUE_WALL,    /* nanoseconds on and off the CPU */
};

/* Why samples were lost before they reached the profile (the sampler's counters). */
enum profile_lost {
	PROFILE_LOST_KERNEL_STACK_COLLISION, /* its kernel stack's map bucket held another */
	PROFILE_LOST_USER_STACK_MAP_FULL,
	PROFILE_LOST_COUNTS_MAP_FULL,
	PROFILE_LOST_STACK_WALK_ERROR,
	PROFILE_LOST_CAUSES,
};

/* "kernel_stack_map_collision", ...: the causes' names in files. */
extern const char *const profile_lost_names[PROFILE_LOST_CAUSES];

/* Whole-profile facts that pprof and the summary carry. */
struct profile_meta {
	uint64_t time_ns;		    /* start, ns since the Unix epoch; 0 if unknown */
	uint64_t duration_ns;		    /* 0 if unknown */
	uint64_t period_ns;		    /* ns of CPU time one sample stands for; 0 if unknown */
	char host[PROFILE_HOST_MAX];	    /* the host sampled, "" if unknown */
	enum profile_value value;	    /* what the counts are */
	bool lost_known;		    /* the sampler's losses below are known */
	uint64_t lost[PROFILE_LOST_CAUSES]; /* samples lost, by cause */
};

struct profile;

/* Returns NULL with errno set on allocation failure. */
struct profile *profile__new(void);
/* NULL-safe. Invalidates every pointer borrowed from the profile. */
void profile__free(struct profile *prof);

/* Copies @meta. */
void profile__set_meta(struct profile *prof, const struct profile_meta *meta);
/* Borrowed until profile__free(). All zero until set. */
const struct profile_meta *profile__meta(const struct profile *prof);

/*
 * Interns a frame; its strings are copied. Returns the frame id (>= 0) or -errno: -EINVAL
 * for a NULL func or an unknown kind, -E2BIG past 2^32 - 1 frames, -ENOMEM. Two frames are
 * the same when every field is equal (a NULL string differs from ""). Ids are dense from 0
 * in order of first sight.
 */
int64_t profile__intern_frame(struct profile *prof, const struct profile_frame *frame);

/*
 * Adds @count samples of the stack @frames[0..depth) (root first, ids from
 * profile__intern_frame) with @labels (strings copied). Merges with the sample whose stack,
 * pid, tid, comm, thread and time are equal. Returns 0 or -errno: -EINVAL for an unknown frame id,
 * a zero count or a NULL comm; -EOVERFLOW when the total would wrap; -ENOMEM. On failure
 * the samples are unchanged.
 */
int profile__add_sample(struct profile *prof, const uint32_t *frames, size_t depth,
			const struct profile_labels *labels, uint64_t count);

size_t profile__frame_count(const struct profile *prof);
/* Borrowed until profile__free(); NULL for an unknown id. */
const struct profile_frame *profile__frame(const struct profile *prof, uint32_t id);

size_t profile__sample_count(const struct profile *prof);
/*
 * Samples are numbered in order of first sight. Borrowed until the next
 * profile__add_sample() or profile__free(); NULL when @i >= profile__sample_count().
 */
const struct profile_sample *profile__sample(const struct profile *prof, size_t i);

/* Sum of all sample counts. */
uint64_t profile__total(const struct profile *prof);

#endif
