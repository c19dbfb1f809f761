/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF harness: bpf/profile.bpf.c, and the user-stack walker it includes, compiled
 * unchanged as user-space C (include/ holds stand-ins for the libbpf and kernel headers it
 * includes), so that unit tests run the walker without root or BPF: on registers and stack
 * bytes captured from real processes, through unwind maps filled by the profiler's own
 * unwind loader, in both of its ways (bpf_loop, and tail calls of walk_more).
 *
 * One program object at a time, like one loaded skeleton: bpf_harness__load() makes its
 * maps and sets its read-only tunables, bpf_harness__unload() frees them. The maps answer
 * the programs' helpers and, through their descriptors (bpf_harness__map_fd()), libbpf's
 * map calls of this whole process (libbpf_maps.c stands in for them). Single CPU, single
 * thread.
 */
#ifndef PROF_TEST_BPF_HARNESS_H
#define PROF_TEST_BPF_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile_abi.h"
#include "unwind_loader.h"

/* What the sampler sets before it loads the program. */
struct bpf_harness_opts {
	bool dwarf_unwind;     /* follow unwind tables, else frame pointers only */
	bool use_task_pt_regs; /* a thread sampled in the kernel: its user registers from
				* bpf_task_pt_regs(), else from its kernel stack */
	bool capture_stacks;   /* every sample also sends a prof_stack_capture to captures */
	uint32_t unwind_rows;  /* entries of unwind_rows: the unwind table budget */
};

/* Returns 0, -EBUSY when a program is loaded already, or -ENOMEM. */
int bpf_harness__load(const struct bpf_harness_opts *opts);
/* Frees the maps: nothing taken from them stays valid. Does nothing when none is loaded. */
void bpf_harness__unload(void);

/* The descriptor of the map the program calls @name, for libbpf's map calls; or -ENOENT. */
int bpf_harness__map_fd(const char *name);
/* The unwind maps, as sampler__unwind_maps() gives them: for unwind_loader__new(). */
void bpf_harness__unwind_maps(struct unwind_maps *maps);

/* A thread as a sample finds it. */
struct bpf_harness_thread {
	uint32_t tgid;
	uint32_t pid;
	uint64_t ip, sp, bp; /* its user registers */
	uint64_t ax;	     /* rax too, for glibc's clone (PROF_CFA_CLONE) */
	/* The only user memory the programs can read: @stack_len bytes at @stack_addr. */
	uint64_t stack_addr;
	const uint8_t *stack; /* borrowed for the sample */
	size_t stack_len;
	bool in_kernel; /* sampled in a system call: the perf registers are the kernel's */
	bool in_exec;	/* in execve, the old image released: the mm has no start_code yet */
};

enum bpf_harness_way {
	BPF_HARNESS_LOOP,	/* on_sample: the walk in bpf_loop */
	BPF_HARNESS_TAIL_CALLS, /* on_sample_tail: the walk in tail calls of walk_more */
};

/*
 * Empties the counts and user stacks of the active buffer, runs one sample of @thread
 * through the program of @way, and reads the user stack it counted back as user space does.
 * Returns 0 and the stack in *@out, or -ENOENT when the sample counted no user stack.
 */
int bpf_harness__sample(enum bpf_harness_way way, const struct bpf_harness_thread *thread,
			struct prof_user_stack *out);
/* Tail calls the last sample made. */
unsigned int bpf_harness__tail_calls(void);

/* The counters the samples since bpf_harness__load() added up. */
void bpf_harness__counters(struct prof_sample_counters *out);

/*
 * Records sent to the ring buffer @name ("events", "captures") since the load, and the
 * @i-th of them: borrowed until bpf_harness__unload(), or NULL.
 */
size_t bpf_harness__ringbuf_records(const char *name);
const void *bpf_harness__ringbuf_record(const char *name, size_t i);

#endif
