/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The processes seen during a recording, one entry per process image generation (see
 * struct prof_proc_event): its pid, name and a snapshot of its mappings taken while it
 * was alive.
 */
#ifndef PROF_PROC_TABLE_H
#define PROF_PROC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile_abi.h"

struct mapping_journal;
struct proc_table;
struct symbolizer;
struct proc_maps;

struct proc_entry {
	uint32_t tgid;
	char comm[PROF_COMM_LEN];     /* process name */
	const struct proc_maps *maps; /* NULL when the process was gone before it was read */
};

struct proc_table_stats {
	uint64_t snapshots;    /* process images whose mappings were read */
	uint64_t vanished;     /* images gone before their mappings could be read */
	uint64_t late;	       /* images read at the end because their event was lost */
	uint64_t refreshed;    /* images read again after exec, once their libraries were mapped */
	uint64_t evicted;      /* images of exited processes forgotten (proc_table__evict) */
	uint64_t from_journal; /* images named from the mapping journal, not /proc */
	uint64_t replaced;     /* images ended by a newer one of their process (exec, pid reuse) */
	uint64_t gone;	       /* images of processes found gone without an exit event */
};

/*
 * Told of every snapshot of a live process and of every exit, to keep other views of the
 * processes (the stack walker's) in step. Callbacks run inside proc_table calls.
 */
struct proc_observer {
	void (*on_snapshot)(void *ctx, uint32_t tgid, const struct proc_maps *maps);
	void (*on_exit)(void *ctx, uint32_t tgid);
	void *ctx;
};

/* @sym is borrowed and must outlive the table. Returns NULL with errno set. */
struct proc_table *proc_table__new(struct symbolizer *sym);
/* NULL-safe; frees every snapshot. */
void proc_table__free(struct proc_table *table);
/* Sets the observer (copied; its ctx borrowed), or removes it (NULL). */
void proc_table__set_observer(struct proc_table *table, const struct proc_observer *observer);

/*
 * Names process images from @journal (borrowed; it must outlive the table; NULL: none)
 * where it knows them: an image the journal has at the event's time_ns gets its mappings
 * from the journal's records, built again when more are recorded (at proc_table__lookup()
 * and proc_table__refresh()), not from /proc, so it is named after its process exited.
 * The journal must have read the records up to each event before it is given.
 */
void proc_table__set_journal(struct proc_table *table, struct mapping_journal *journal);

/*
 * Records a process event at @now_ns (CLOCK_MONOTONIC): reads the mappings now for SEEN and
 * EXEC. At exec only the binary and the dynamic loader are mapped, so an EXEC also
 * schedules reading them again a little later (see proc_table__refresh()); UNKNOWN_PC
 * (code mapped since the last read) schedules one soon.
 */
void proc_table__on_event(struct proc_table *table, const struct prof_proc_event *event,
			  uint64_t now_ns);

/*
 * Reads again the images whose refresh is due at @now_ns (all of them when @all), if their
 * process still runs that image. Call it from the event loop and once at the end.
 */
void proc_table__refresh(struct proc_table *table, uint64_t now_ns, bool all);

/*
 * The entry of image (@gen, @tgid); when there is none (its event was lost, or @gen is 0)
 * the process @tgid is read now, if it still exists. Borrowed until proc_table__free().
 * Never NULL except on allocation failure.
 */
const struct proc_entry *proc_table__lookup(struct proc_table *table, uint32_t gen, uint32_t tgid);

/*
 * For a table that lives for days: call it after each interval's profile is built. Forgets
 * the images whose exit was seen before that interval began (their samples can be in no
 * later interval) and the processes read late; entries borrowed so far become invalid.
 */
void proc_table__evict(struct proc_table *table);
/* Images held now. */
size_t proc_table__count(const struct proc_table *table);

void proc_table__stats(const struct proc_table *table, struct proc_table_stats *stats);

#endif
