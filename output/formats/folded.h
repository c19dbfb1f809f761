/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Folded stacks: "comm;root;...;leaf COUNT", one line per distinct stack, the format
 * flamegraph.pl and Pyroscope read. Kernel frames carry the suffix "_[k]", inlined frames
 * "_[i]", JIT frames "_[j]" (the stackcollapse-perf.pl annotations), Python frames "_[p]".
 */
#ifndef PROF_FOLDED_H
#define PROF_FOLDED_H

#include <stdio.h>

#include "profile.h"

/*
 * Writes @prof to @out: samples with the same folded line are merged, lines are sorted
 * bytewise so output is deterministic. ';', control characters and trailing blanks in names
 * become '_', and a user frame ending like an annotation ("x_[k]") gets a '-' ("x-[k]").
 * A count above INT64_MAX (pprof's limit, and the readers') is split over several lines
 * of the same stack, which read back as the one sample. Returns 0 or -errno (-EIO when
 * writing fails).
 */
int folded__write(const struct profile *prof, FILE *out);

/* What follows the name of a frame of @kind in a folded line ("" for user frames, "_[k]"...). */
const char *folded__kind_suffix(enum frame_kind kind);

#endif
