/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF sampler: loads profile.bpf.c, opens one cpu-clock perf event per selected CPU,
 * reports process events, and hands out the aggregated counts and stacks.
 * Errors are logged with pr_err (one line that says what to do) and returned as -errno.
 */
#ifndef PROF_SAMPLER_H
#define PROF_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile_abi.h"
#include "unwind_loader.h"

struct sampler;

typedef void (*sampler_event_fn)(const struct prof_proc_event *event, void *ctx);
typedef int (*sampler_count_fn)(const struct prof_sample_key *key, uint64_t count, void *ctx);
typedef void (*sampler_capture_fn)(const struct prof_stack_capture *capture, void *ctx);
/* A deferred sample of @size bytes (its stack_bytes checked against it); borrowed. */
typedef void (*sampler_deferred_fn)(const struct prof_deferred_sample *sample, size_t size,
				    void *ctx);
/* A code object the Python walker met for the first time in a process; borrowed. */
typedef void (*sampler_python_code_fn)(const struct prof_python_code_event *code, void *ctx);

struct sampler_opts {
	uint32_t frequency;   /* Hz per CPU */
	const uint32_t *cpus; /* borrowed; NULL: every online CPU */
	size_t ncpus;
	const uint32_t *pids; /* borrowed; tgids to keep (see filter_pids) */
	size_t npids;
	bool filter_pids;   /* keep only pids (and those added later) */
	bool follow_forks;  /* children of kept processes are kept too */
	const char *cgroup; /* borrowed; cgroup v2 folder, NULL for none */
	bool include_idle;
	bool kernel_stacks;
	bool user_stacks;
	uint32_t stack_map_size;
	uint32_t counts_map_size;
	bool double_buffer;	   /* two pairs of maps, for sampler__switch_buffer() */
	uint64_t time_slot_ns;	   /* keys carry CLOCK_MONOTONIC / this; 0: no time */
	bool dwarf_unwind;	   /* follow unwind tables (else frame pointers only) */
	uint32_t unwind_rows;	   /* rows the unwind tables may take in the kernel */
	bool fallback_paths;	   /* take the ways of kernels without bpf_loop and
				     bpf_task_pt_regs everywhere (for tests) */
	sampler_event_fn on_event; /* called from sampler__poll(); may be NULL */
	void *event_ctx;
	sampler_capture_fn on_capture; /* with it, every user stack is captured raw */
	void *capture_ctx;
	/* With it and dwarf_unwind, samples the walker cannot unwind yet come here. */
	sampler_deferred_fn on_deferred;
	void *deferred_ctx;
	uint32_t deferred_per_sec;	       /* per CPU, at most */
	sampler_python_code_fn on_python_code; /* called from sampler__poll(); may be NULL */
	void *python_code_ctx;
	bool off_cpu;		    /* charge time off the CPU to the stacks threads left it in */
	uint64_t off_cpu_min_ns;    /* shorter times off the CPU are not charged */
	double off_cpu_probability; /* of a switch being followed, in (0, 1], or
				     * SAMPLER_OFF_CPU_AUTO */
};

/* --off-cpu-probability auto: follow about this many switches a second, whatever the rate. */
#define SAMPLER_OFF_CPU_AUTO (-1.0)
#define SAMPLER_OFF_CPU_AUTO_RATE 500.0

/* What --off-cpu did. */
struct sampler_off_cpu_stats {
	struct prof_sample_counters counters; /* PROF_COUNTERS_OFF_CPU's; off_cpu_charged and
					       * off_cpu_ns with pending_charged's */
	double seconds;			      /* sampled so far (until the stop) */
	double probability;		      /* of a switch being followed, now */
	bool probability_auto;		      /* set by the switch rate */
	uint64_t pending_charged; /* threads still off the CPU when sampling stopped, charged */
	uint64_t stacks_kept;	  /* stacks of waits that outlast their interval, kept now */
	uint64_t stacks_kept_bytes;
	uint64_t stacks_not_kept; /* such stacks there was no room for (their waits unnamed) */
	uint64_t runs;		  /* switches the switch program ran for */
	uint64_t run_ns;	  /* its run time, when cost_known (kernel statistics, 5.8) */
	bool cost_known;
};

/* Opens and loads the BPF program (nothing is sampled yet). Returns 0 or -errno. */
int sampler__open(const struct sampler_opts *opts, struct sampler **out);
/* NULL-safe; stops sampling. */
void sampler__free(struct sampler *s);

/* Adds a process to the pid filter (filter_pids must be set). Returns 0 or -errno. */
int sampler__add_pid(struct sampler *s, uint32_t tgid);
/*
 * Forgets process @tgid in the BPF process table (it is gone): its next sample, if the pid
 * is used again, starts a new image. Without it, an entry a sample made after the process's
 * exit event would stay for good.
 */
void sampler__forget_process(struct sampler *s, uint32_t tgid);
/* Attaches the tracepoints and opens the perf events: sampling starts. */
int sampler__start(struct sampler *s);
/*
 * Closes the perf events and detaches the switch program: no sample is taken after it returns.
 * Threads still off the CPU are charged their time so far. Maps stay readable.
 */
void sampler__stop(struct sampler *s);
/*
 * Delivers pending process events and deferred samples; waits up to @timeout_ms. Returns
 * events or -errno.
 */
int sampler__poll(struct sampler *s, int timeout_ms);

/* The unwind maps, valid until sampler__free(). */
void sampler__unwind_maps(struct sampler *s, struct unwind_maps *maps);
/* The python_procs map (bpf/python_abi.h), valid until sampler__free(). */
int sampler__python_procs_fd(struct sampler *s);

/* CPUs sampled. */
size_t sampler__cpu_count(const struct sampler *s);

/* Room for every map of the program, its data sections' included. */
#define SAMPLER_MAX_MAPS 48
#define SAMPLER_MAP_NAME_MAX 48 /* the object's names, longer than the kernel's 16 */

/* One map of the BPF program and the memory the kernel charges it. */
struct sampler_map_memory {
	char name[SAMPLER_MAP_NAME_MAX];
	uint64_t bytes; /* "memlock" of the map's fdinfo: its accounted memory */
};

/*
 * Fills @out[0..cap) with the loaded program's maps and their memory. Returns how many (maps
 * whose fdinfo could not be read are left out).
 */
size_t sampler__map_memory(struct sampler *s, struct sampler_map_memory *out, size_t cap);
/* Their numbers, sampler__cpu_count() of them, borrowed until sampler__free(). */
const uint32_t *sampler__cpus(const struct sampler *s);
/* Sums the per-CPU counters. */
int sampler__counters(struct sampler *s, struct prof_sample_counters *sum);
/* Sums the off-CPU counters and reads the switch program's cost. Returns 0 or -errno. */
int sampler__off_cpu_stats(struct sampler *s, struct sampler_off_cpu_stats *stats);
/*
 * The counts and stacks are read from the "read buffer": the maps samples go to, until
 * sampler__switch_buffer() (needs double_buffer) sends samples to the other pair and makes
 * the pair they went to so far the read buffer. It returns once no sample can still be
 * adding to that pair, so an interval's counts are read whole and no sample counts twice.
 * Returns 0 or -errno.
 */
int sampler__switch_buffer(struct sampler *s);
/* The read buffer (0 or 1): that of the deferred samples whose turn it is. */
uint32_t sampler__read_buffer(const struct sampler *s);
/*
 * Empties the read buffer's counts and stacks, for reuse after the next switch; with off_cpu,
 * keeps the stacks that waits not charged yet refer to first.
 */
int sampler__clear_read_buffer(struct sampler *s);

/* Calls @fn for every entry of the read buffer's counts; stops at and returns its first nonzero. */
int sampler__for_each_count(struct sampler *s, sampler_count_fn fn, void *ctx);
/*
 * Copies kernel stack @id (innermost address first) into @ips (PROF_MAX_STACK_DEPTH entries),
 * of the read buffer, or with @lag (a key's stacks_lag) of the interval @lag before it.
 * Returns the depth, or -errno (-ENOENT for an id not in the map).
 */
int sampler__stack(struct sampler *s, uint16_t lag, int32_t id, uint64_t *ips);
/* Copies the user stack of key @hash as sampler__stack(). Returns 0 or -ENOENT. */
int sampler__user_stack(struct sampler *s, uint16_t lag, uint64_t hash,
			struct prof_user_stack *stack);

#endif
