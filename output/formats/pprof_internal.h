/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the pprof writer and reader agree on beyond profile.proto: the names of sample types
 * (those of labels are public, in pprof_reader.h), and how a frame's kind travels in a
 * format that has no such field.
 *
 * Kinds. pprof has functions, lines and mappings, no frame kinds, so the kind of a
 * location's outermost (real) function is told by its mapping's file name, which tools show
 * and keep when they rewrite a profile:
 * - kernel: "[kernel.kallsyms]" (perf's "[kernel.kallsyms]_text" too) or "[NAME]" with NAME
 *   a kernel module name (letters, digits, '_', '-') that is none of the user pseudo-files
 *   ([vdso], [heap], ...); kernel frames without such a module get "[kernel.kallsyms]";
 * - JIT: "[jit]" or a perf map ".../perf-PID.map"; JIT frames without one get "[jit]";
 * - Python: "[python]" for every Python frame (the function's filename is its source);
 * - user: anything else, or no mapping at all (a frame without a module).
 * Every line of a location but the last is FRAME_INLINE: that is what pprof's lines mean.
 * A stack whose root frame is itself inlined (its caller unknown: only foreign folded input
 * does this) carries the sample label root_frame="inlined".
 */
#ifndef PROF_PPROF_INTERNAL_H
#define PROF_PPROF_INTERNAL_H

#include "pprof_labels.h"
#include "profile.h"

#define PPROF_KERNEL_MAPPING "[kernel.kallsyms]"
#define PPROF_JIT_MAPPING "[jit]"
#define PPROF_PYTHON_MAPPING PROFILE_PYTHON_MODULE

/* Sample types: the count always, then CPU time when the period is known. */
#define PPROF_COUNT_TYPE "samples"
#define PPROF_COUNT_UNIT "count"
#define PPROF_TIME_TYPE "cpu"
#define PPROF_TIME_UNIT "nanoseconds"
/* The only value of an off-CPU or a wall-time profile, in PPROF_TIME_UNIT. */
#define PPROF_OFF_CPU_TYPE "off_cpu"
#define PPROF_WALL_TYPE "wall"

/* A comment (profile-level note) that names the host sampled: "hostname=NAME". */
#define PPROF_HOST_COMMENT "hostname="
/* The samples lost before the profile: "bpfprof_lost=" then "CAUSE=N" for each, spaced. */
#define PPROF_LOST_COMMENT "bpfprof_lost="

/*
 * The kind (FRAME_USER, FRAME_KERNEL, FRAME_JIT or FRAME_PYTHON) of a location's real function in a
 * mapping named @filename (NULL or "" for no mapping: FRAME_USER).
 */
enum frame_kind pprof__mapping_kind(const char *filename);

#endif
