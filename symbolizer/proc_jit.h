/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The names of the JIT code of processes, from their perf maps: one state per process
 * (pid, start time and user), shared by every snapshot of it. A process is snapshotted
 * again after exec and whenever it runs code mapped since; each snapshot reading the whole
 * file again would let a process have its perf map read at will.
 *
 * The file is PROC/PID/root/tmp/perf-NSPID.map, NSPID being the process's pid in its own
 * pid namespace (the NSpid line of PROC/PID/status), or /tmp/perf-PID.map when the
 * process's root cannot be entered; it must be owned by root or the process's fsuid. While
 * the process lives, a miss reads what was added, or looks for a file not found yet, at
 * most every PROC_JIT_RECHECK_MS, and less often when reading it is costly.
 */
#ifndef PROF_PROC_JIT_H
#define PROF_PROC_JIT_H

#include <stddef.h>
#include <stdint.h>

struct perf_map_totals;
struct proc_jits;
struct proc_jit;

#define PROC_JIT_RECHECK_MS 100
/*
 * A state no snapshot holds is kept this long (ms) for the next snapshot of the process,
 * while the process lives.
 */
#define PROC_JIT_IDLE_MS 10000
/* CPU time spent reading a process's perf map: at most one part in this many. */
#define PROC_JIT_DUTY 20

/*
 * @proc_root is borrowed and must outlive the set. The perf maps of all processes take at
 * most @memory_limit bytes together (0: no limit). Returns NULL with errno set.
 */
struct proc_jits *proc_jits__new(const char *proc_root, size_t memory_limit);
/* NULL-safe. Every proc_jit taken from @jits must be put first. */
void proc_jits__free(struct proc_jits *jits);

/*
 * The JIT state of the process @pid, with its perf map read now unless the set holds it
 * already (for another snapshot, or one dropped less than PROC_JIT_IDLE_MS ago). Returns 0
 * and a reference in *@out (NULL when the process is gone), or -ENOMEM.
 */
int proc_jits__get(struct proc_jits *jits, int pid, struct proc_jit **out);
/* Drops a reference from proc_jits__get(). NULL-safe. */
void proc_jit__put(struct proc_jit *jit);

/*
 * The name the perf map gives the code at @addr, or NULL. On a miss, the file is read
 * again as the header says. The name is borrowed until the next call on @jit or its last
 * proc_jit__put().
 */
const char *proc_jit__name(struct proc_jit *jit, uint64_t addr);

/* What the perf maps hold, and lost, together; borrowed until proc_jits__free(). */
const struct perf_map_totals *proc_jits__totals(const struct proc_jits *jits);

#endif
