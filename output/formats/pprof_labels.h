/* SPDX-License-Identifier: GPL-2.0-only */
/* The sample labels our pprof files carry: the reader's, the writer's and the uploader's. */
#ifndef PROF_PPROF_LABELS_H
#define PROF_PPROF_LABELS_H

/*
 * Sample labels, read into the model and written from it (pprof_writer.h). Pyroscope makes
 * the string ones series labels and drops the numbers: an upload writes them as
 * --series-labels chooses (pprof_series.h).
 */
#define PPROF_LABEL_PID "pid"	      /* number: process id (tgid) */
#define PPROF_LABEL_TID "tid"	      /* number: thread id */
#define PPROF_LABEL_COMM "comm"	      /* string: process name */
#define PPROF_LABEL_THREAD "thread"   /* string: thread name */
#define PPROF_LABEL_ROOT "root_frame" /* string PPROF_ROOT_INLINED, or absent */
#define PPROF_LABEL_TIME "time"	      /* number, unit nanoseconds: start of the sample's second */
#define PPROF_TIME_LABEL_UNIT "nanoseconds"
#define PPROF_ROOT_INLINED "inlined"

#endif
