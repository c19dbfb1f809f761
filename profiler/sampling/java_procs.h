/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HotSpot JVMs of a session, each asked once for its perf map (java_attach.h) so that
 * the symbolizer names their JIT frames (proc_jit.h reads the file when it appears). A JVM
 * is a process that maps a file named libjvm.so executable. Attaches wait on the JVM (up to
 * JAVA_ATTACH_TIMEOUT_MS each), so they run one at a time on a thread of their own, from a
 * bounded queue: the session's loop only queues. A JVM that did not answer in time is asked
 * once more, later; one that refused or answered an error is not asked again. A process
 * forgotten (it exited) is asked again if its pid comes back as a JVM.
 *
 * The map is a snapshot: code the JVM compiles after it wrote the file stays unnamed (it is
 * not asked again while it runs).
 */
#ifndef PROF_JAVA_PROCS_H
#define PROF_JAVA_PROCS_H

#include <stdint.h>

struct java_procs;
struct proc_maps;

struct java_procs_stats {
	uint64_t found;	    /* JVMs found, since the start */
	uint64_t written;   /* perf maps written at their request */
	uint64_t refused;   /* attaches refused (-EPERM): not the JVM's, or it would not serve */
	uint64_t timed_out; /* JVMs that did not answer in time, twice */
	uint64_t failed;    /* other failures (an error answered, no map written, ...) */
	uint64_t dropped;   /* JVMs not asked: the queue was full */
	uint64_t pending;   /* JVMs queued or being asked now (a retry included) */
};

/*
 * Starts the thread that attaches (with every signal blocked: they stay the main thread's).
 * Returns NULL with errno set.
 */
struct java_procs *java_procs__new(void);
/*
 * NULL-safe. Stops the thread: an attach under way ends within its timeout, those queued
 * are not made.
 */
void java_procs__free(struct java_procs *jp);

/*
 * Process @tgid was read (@maps, borrowed for the call): queued for an attach when it is a
 * JVM not asked yet. Never waits on the JVM.
 */
void java_procs__add_process(struct java_procs *jp, uint32_t tgid, const struct proc_maps *maps);
/* Process @tgid exited: its attach, if still queued, is not made; a JVM of its pid is new. */
void java_procs__remove_process(struct java_procs *jp, uint32_t tgid);

void java_procs__stats(struct java_procs *jp, struct java_procs_stats *stats);

#endif
