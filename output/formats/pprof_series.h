/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which of our sample labels (pprof_labels.h) a Pyroscope upload makes series labels, and the
 * pprof body that does it.
 *
 * What Pyroscope does with a pprof's sample labels (grafana/pyroscope):
 * - pkg/distributor/distributor.go, pushSeries, calls pkg/pprof/pprof.go, Normalize, which
 *   removes every label whose str is 0 ("Non-string labels are not supported"): number labels
 *   are dropped before anything is stored, and samples that then differ in nothing else are
 *   summed into one;
 * - pkg/model/pprofsplit/pprof_split.go, VisitSampleSeries (the distributor for ingesters and
 *   pkg/segmentwriter/segment.go alike), groups samples by their string labels (but trace_id
 *   and span_id) and makes each group a series of its own: addSampleLabelsToLabelsBuilder adds
 *   each string label as a series label unless the series has one of that name already;
 * - pkg/ingester/limiter.go counts the series of a tenant active in the last 10 minutes
 *   against -ingester.max-global-series-per-tenant (5000 by default,
 *   pkg/validation/limits.go) and refuses new ones past it.
 * So the server keeps no per-sample label outside the series: a label is either a series label
 * or dropped. The upload body therefore has:
 * - a label chosen as a series label as a string label (pid and tid written as decimals);
 * - pid and tid not chosen as number labels, as the store keeps them: they never make series;
 * - comm not chosen as the root frame of every stack instead (a location of a function named
 *   after it, without a mapping: sanitizeProfile in pprof.go gives it a stub), as Grafana
 *   Alloy's pyroscope.ebpf does with comm = "stackframe"
 *   (internal/component/pyroscope/ebpf/reporter/pprof.go): the flame graph keeps the
 *   processes apart at no cost in series;
 * - thread not chosen left out: a string it would make a series of, a number it is not;
 * - root_frame left out always: our reader's hint, a series label to the server.
 */
#ifndef PROF_PPROF_SERIES_H
#define PROF_PPROF_SERIES_H

#include <stddef.h>

/* The sample labels that may become series labels: a set of these bits. */
enum pprof_series_label {
	PPROF_SERIES_PID = 1u << 0,
	PPROF_SERIES_TID = 1u << 1,
	PPROF_SERIES_COMM = 1u << 2,
	PPROF_SERIES_THREAD = 1u << 3,
};

/*
 * By default a series per process name: a host runs a few dozen to a few hundred distinct
 * programs and they last, while pids and thread ids churn with every process and thread
 * started (each a new series for the server's active-series limit), and thread names repeat
 * numbered pools ("worker-17"). Alloy's pyroscope.ebpf sends pid only on request
 * (pid_label, default false) and never a thread.
 */
#define PPROF_SERIES_DEFAULT PPROF_SERIES_COMM
#define PPROF_SERIES_NAMES "pid, tid, comm, thread"

/*
 * Parses @list: names of PPROF_SERIES_NAMES separated by ',' (each at most once), or "none"
 * for the empty set, into @set. Returns 0, or -EINVAL with a one-line reason in @err
 * (@errlen bytes).
 */
int pprof_series__parse(const char *list, unsigned int *set, char *err, size_t errlen);

/* @set as pprof_series__parse() reads it, "none" for the empty set, into @buf. */
void pprof_series__format(unsigned int set, char *buf, size_t len);

/*
 * The upload body of the uncompressed pprof @raw[0..len) when the labels of @set become
 * series labels and the others do not (see above). Returns 0 with a malloc'ed pprof in @out
 * and @out_len, or 0 with @out NULL when @raw is that body already; -EINVAL when @raw is not
 * a pprof, -ENOMEM.
 */
int pprof_series__upload_body(const void *raw, size_t len, unsigned int set, void **out,
			      size_t *out_len);

#endif
