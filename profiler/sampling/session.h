/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One sampling session, as record and agent run it: the BPF sampler, the symbolizer that
 * names its samples, the table of the processes they come from and the loader of their
 * unwind tables, set up from the sampling options and read into profiles.
 *
 * Life: session__open() -> session__load() -> (session__add_pid()) -> session__start() ->
 * session__poll() ... session__snapshot() ... -> session__stop() -> session__free().
 */
#ifndef PROF_SESSION_H
#define PROF_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "java_procs.h"
#include "mapping_journal.h"
#include "proc_table.h"
#include "profile.h"
#include "profile_builder.h"
#include "python_procs.h"
#include "sampler.h"
#include "sampling_options.h"
#include "symbolizer.h"
#include "unwind_loader.h"

struct profile;
struct session;

struct session_opts {
	const struct sampling_opts *sampling; /* borrowed until session__free() */
	size_t idle_cache_bytes; /* binaries no process maps any more kept; 0: the default */
	size_t dwarf_budget;	 /* DWARF held, all binaries' (symbolizer_opts); 0: no bound */
	/*
	 * Nonzero: sampled in intervals, each closed by a session__snapshot() while samples go
	 * to a second buffer; samples are timed to slots of this width. 0: one buffer, read
	 * once at the end.
	 */
	uint64_t time_slot_ns;
	bool follow_forks; /* sample only -p and session__add_pid() processes, and their children */
};

/* What a session did so far, for summaries and logs. */
struct session_stats {
	size_t ncpus;			      /* CPUs sampled */
	struct prof_sample_counters counters; /* the sampler's, since the start */
	struct symbolizer_stats sym;
	struct proc_table_stats procs;
	bool journal_open;		      /* the mapping journal records */
	struct mapping_journal_stats journal; /* when journal_open */
	bool dwarf_unwind;		      /* unwind tables in use (else frame pointers) */
	struct unwind_loader_stats unwind;    /* when dwarf_unwind */
	struct python_procs_stats python;     /* the Python interpreters followed */
	struct java_procs_stats java;	      /* the JVMs asked for perf maps (--java-perfmap) */
	uint64_t deferred_walked; /* deferred samples unwound in user space (in unwind_ends) */
	uint64_t deferred_lost;	  /* deferred samples lost: the queue was full */
	bool off_cpu;		  /* --off-cpu: off_cpu holds what it did */
	struct sampler_off_cpu_stats off_cpu_stats;
};

/* One session__snapshot(): a profile and what went into it. */
struct session_snapshot {
	struct profile *prof;		      /* owned by the caller: profile__free() */
	struct profile *off_cpu_prof;	      /* with --off-cpu, else NULL; the caller's too */
	struct prof_sample_counters counters; /* the sampler's since the previous snapshot */
	struct profile_builder_stats build;
};

/*
 * Checks what must hold before anything is opened (the privileges and BTF sampling needs,
 * the processes of -p, whose thread ids become their process's), then makes what names
 * samples: a symbolizer with the debug-info roots and a process table over it; nothing is
 * loaded yet. @opts is copied (its sampling options borrowed). Allows as many open files as
 * it may: the symbolizer holds mapped files open until it reads them.
 * Returns 0 and an owned session in *@out, or -EPERM / -ENOENT / -ESRCH after logging why,
 * or -ENOMEM.
 */
int session__open(const struct session_opts *opts, struct session **out);

/*
 * Loads the BPF program (nothing is sampled yet) and starts loading unwind tables as the
 * process table reads processes (not with --unwind fp), the -p processes' now so that their
 * first samples already unwind. @on_capture (NULL: none) receives every user stack raw,
 * from session__poll() and session__snapshot(), with @capture_ctx (borrowed while they are
 * called). Returns 0 or -errno (BPF errors logged).
 */
int session__load(struct session *s, sampler_capture_fn on_capture, void *capture_ctx);

/* Adds a process to sample (with follow_forks), after session__load(). Returns 0 or -errno. */
int session__add_pid(struct session *s, uint32_t tgid);

/*
 * Sampling starts (after session__load()), and the mapping journal records (when the kernel
 * allows its events; else a warning, and processes are read from /proc only).
 * Returns 0 or -errno (logged).
 */
int session__start(struct session *s);

/*
 * Delivers the process events that come within @timeout_ms and reads the mappings of the
 * processes whose turn has come. Returns the events delivered or -errno.
 */
int session__poll(struct session *s, int timeout_ms);

/* No sample is taken after it returns; what was sampled stays readable. */
void session__stop(struct session *s);

/*
 * The counts and stacks sampled so far into a profile of [@start_ns, + @duration_ns)
 * (CLOCK_REALTIME) with the host's name and the sampling period, in *@out. With time slots
 * it closes an interval: the samples since the previous snapshot, the buffer emptied
 * afterwards and exited processes forgotten (even on failure, so the next starts clean);
 * without, call it once after session__stop(), when every process still running is read
 * again (images exec'd in the last moments). Returns 0, or -errno with out->prof NULL.
 */
int session__snapshot(struct session *s, uint64_t start_ns, uint64_t duration_ns,
		      struct session_snapshot *out);

/*
 * Fills @stats (after session__load()). Returns 0, or -errno when the sampler's counters
 * could not be read (they are then zero; the rest is filled all the same).
 */
int session__stats(struct session *s, struct session_stats *stats);

/* Process images held now. */
size_t session__process_count(const struct session *s);

/* The BPF program's maps and their memory (sampler__map_memory()), after session__load(). */
size_t session__map_memory(struct session *s, struct sampler_map_memory *out, size_t cap);

/* The sampler's losses by cause, from its counters @c, into @meta. */
void session__set_lost(const struct prof_sample_counters *c, struct profile_meta *meta);

/* This host's name ("unknown" when it has none), borrowed until session__free(). */
const char *session__host(const struct session *s);

/* NULL-safe; stops sampling. */
void session__free(struct session *s);

#endif
