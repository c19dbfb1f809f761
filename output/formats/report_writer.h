/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HTML report: one self-contained page (no network, no external script) with a timeline
 * of samples per second, the flame graph, the table of functions, a sandwich and a compare
 * view of any sub-window. The page's script and stylesheet (output/formats/report/) are
 * embedded in the binary; the profile goes in as JSON data the script reads:
 *
 *   strings    interned, strings[0] = ""
 *   frames     (name, module, kind) triples of string ids: frames of one function at
 *              different addresses are one
 *   nodes      (parent, frame) pairs: a prefix tree of the stacks, root first, parent -1 at
 *              the root, a parent's id below its children's; a stack is its leaf node
 *   processes  (pid, comm) pairs
 *   samples    (node, process, second, count) quadruples sorted by second, process and node;
 *              second counts from "t0" (unix seconds), -1 for samples without a time
 *
 * with "meta" (title, host, source, value, period_ns, hz), "summary" (window, samples,
 * processes, losses by cause when the profile's meta has them, the share of samples with complete
 * stacks, unnamed frames) and, for a comparison with another profile, "base". docs/report.md
 * describes each member.
 */
#ifndef PROF_REPORT_WRITER_H
#define PROF_REPORT_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct profile;

/* What the profile alone does not say. Every member may be zero/NULL. */
struct report_facts {
	const char *source;	    /* "record", "store DIR", "files a.pb.gz b.folded" */
	const struct profile *base; /* a profile to compare with, borrowed */
	const char *base_label;	    /* its name, e.g. its file */
};

/*
 * Writes the report of @prof to @out. Samples are placed on the timeline by their time
 * label; the timeline spans the profile's meta window (time_ns, duration_ns) widened to
 * every timed sample. Returns 0, -ENOMEM, or -EIO when writing fails.
 */
int report__write(const struct profile *prof, const struct report_facts *facts, FILE *out);

/* The same, with the JSON data alone (tests, tools). */
int report__write_data(const struct profile *prof, const struct report_facts *facts, FILE *out);

#endif
