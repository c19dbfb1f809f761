/* SPDX-License-Identifier: GPL-2.0-only */
/* The ABI shared by profile.bpf.c and user space: map keys, values and events. */
#ifndef PROF_BPF_PROFILE_ABI_H
#define PROF_BPF_PROFILE_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "python_abi.h"
#include "unwind_abi.h"

#define PROF_COMM_LEN 16
#define PROF_MAX_STACK_DEPTH 127 /* the kernel's PERF_MAX_STACK_DEPTH */

/*
 * Key of the counts maps: one entry per distinct (thread, stacks, process image, time slot).
 * There are two counts maps and two stack maps, buffers 0 and 1: samples go to the pair
 * active_epoch & 1 names, so that user space can read and clear the other.
 */
struct prof_sample_key {
	__u32 tgid;	 /* process id */
	__u32 pid;	 /* thread id */
	__s32 kstack_id; /* id in the stacks map, or -1: no kernel stack */
	__u8 has_ustack; /* 1: ustack_hash keys a stack in the user stacks map */
	__u8 off_cpu;	 /* enum prof_off_cpu_kind: 0 for a CPU sample */
	/* 0: the stacks are in the key's buffer; else in that of the interval this many before,
	 * which user space kept (an off-CPU wait that outlasted its interval) */
	__u16 stacks_lag;
	__u64 ustack_hash; /* key in the user stacks map (ustacks0/1) */
	__u32 proc_gen;	   /* process image generation (see struct prof_proc_event), 0 if unknown */
	__u32 time_slot;   /* CLOCK_MONOTONIC / time_slot_ns when that is set, else 0 */
	char comm[PROF_COMM_LEN]; /* thread name */
};
_Static_assert(sizeof(struct prof_sample_key) == 48, "sample_key layout");

/*
 * Off-CPU keys: the stack a thread left the CPU in, whose count is the time (ns) until it
 * ran again, split by why it left.
 */
enum prof_off_cpu_kind {
	PROF_OFF_CPU_BLOCKED = 1,  /* it waited for something (sleep, I/O, a lock) */
	PROF_OFF_CPU_RUNNABLE = 2, /* it was preempted and waited for a CPU */
};

/* A thread that left the CPU: the key its time will be charged to, and when it left. */
struct prof_off_cpu_start {
	struct prof_sample_key key;
	__u64 start_ns; /* bpf_ktime_get_ns() */
	__u32 epoch;	/* the interval (active_epoch) whose buffer its stacks are in */
	__u32 scale;	/* its time counts this many 256ths: 256 / the probability it was kept */
};
_Static_assert(sizeof(struct prof_off_cpu_start) == 64, "off_cpu_start layout");

/*
 * How switches are followed, one word that user space may change at any time (auto): a
 * switch is kept when bpf_get_prandom_u32() <= the low half (the probability times
 * 2^32 - 1), and its time is scaled by the high half / 256.
 */
#define PROF_OFF_CPU_SAMPLING(keep, scale) ((__u64)(scale) << 32 | (keep))
#define PROF_OFF_CPU_SCALE_ONE 256

/* @time times @scale / PROF_OFF_CPU_SCALE_ONE, in two parts: a week (2^50 ns) times
 * 256 / 10^-4 (2^21) fits in 64 bits. For the program and the sampler alike. */
static inline __u64 prof_off_cpu_scaled(__u64 time, __u32 scale)
{
	return (time / PROF_OFF_CPU_SCALE_ONE) * scale +
	       (time % PROF_OFF_CPU_SCALE_ONE) * scale / PROF_OFF_CPU_SCALE_ONE;
}
/* The smallest probability: times are scaled by at most 10^4. */
#define PROF_OFF_CPU_MIN_PROBABILITY 0.0001

/* Waits longer than this many intervals are not charged (counted off_cpu_crossed). */
#define PROF_MAX_STACKS_LAG 0xffff

/* Entries of the counters map: CPU samples, and the off-CPU switches and their walks. */
#define PROF_COUNTERS_CPU 0
#define PROF_COUNTERS_OFF_CPU 1

/*
 * Why samples were not counted, and what was counted. Per CPU, summed by user space.
 * Every field is a count of samples (or events, for events_lost).
 */
struct prof_sample_counters {
	__u64 samples;		/* perf samples that passed the filters */
	__u64 kstack_collision; /* kernel stack dropped: its stack-map bucket held another stack */
	__u64 ustack_collision; /* user stack dropped: the user stacks map was full */
	__u64 stack_errors;	/* bpf_get_stackid failed otherwise (e.g. -ENOMEM) */
	__u64 counts_full;	/* the counts hash had no room for a new key */
	__u64 procs_full;	/* the process table had no room: proc_gen 0 */
	__u64 events_lost;	/* process events (or captures) dropped: ring buffer full */
	__u64 user_missing;	/* user process sampled without user registers */
	__u64 unwind_ends[PROF_UNWIND_NR_ENDS]; /* user stacks by how they ended */
	__u64 unwind_fp_frames;	     /* frames walked by frame pointer for lack of a table */
	__u64 unwind_table_frames;   /* frames walked through an unwind table row */
	__u64 deferred;		     /* samples sent to the deferred ring, not counted here */
	__u64 deferred_refused_rate; /* samples to defer counted as walked: rate limit */
	__u64 deferred_refused_full; /* samples to defer counted as walked: ring full */
	__u64 user_in_exec; /* sampled in execve once the old image was released: no user stack */
	__u64 python_ends[PROF_PYTHON_NR_ENDS]; /* Python walks by how they ended */
	__u64 python_frames;			/* Python frames walked */
	/* Off-CPU (entry PROF_COUNTERS_OFF_CPU; samples: switches that passed the filters). */
	__u64 off_cpu_walked;	   /* switches kept (the probability) whose stack was taken */
	__u64 off_cpu_charged;	   /* blocks charged: at least off_cpu_min_ns */
	__u64 off_cpu_short;	   /* blocks shorter than off_cpu_min_ns: not charged */
	__u64 off_cpu_ns;	   /* time charged */
	__u64 off_cpu_starts_full; /* switches lost: the table of blocked threads was full */
	__u64 off_cpu_crossed;	   /* blocks lost: longer than PROF_MAX_STACKS_LAG intervals */
};
_Static_assert(sizeof(struct prof_sample_counters) ==
		       8 * (21 + PROF_UNWIND_NR_ENDS + PROF_PYTHON_NR_ENDS),
	       "sample_counters layout");

enum prof_proc_event_type {
	PROF_PROC_SEEN = 1,	  /* first sample of a process not in the table */
	PROF_PROC_EXEC = 2,	  /* the process replaced its image */
	PROF_PROC_EXIT = 3,	  /* the last thread of a process in the table exited */
	PROF_PROC_UNKNOWN_PC = 4, /* a user PC outside the mappings known to the walker */
};

/*
 * A process image is identified by its process id and a generation number, assigned on
 * first sight and on every exec, so that samples taken before and after an exec, or of a
 * reused pid, are named with the right mappings. Each CPU hands out generations of its own
 * (no shared counter: kernels before 5.12 have no atomic fetch-and-add); they wrap after
 * 2^32, and the pair (tgid, generation) stays unique.
 */
struct prof_proc_event {
	__u32 type;	/* enum prof_proc_event_type */
	__u32 tgid;	/* process id */
	__u32 proc_gen; /* generation the event starts (SEEN, EXEC) or ends (EXIT) */
	__u32 pad;
	__u64 time_ns;		  /* CLOCK_MONOTONIC when it happened (bpf_ktime_get_ns) */
	char comm[PROF_COMM_LEN]; /* process (thread group leader) name */
};
_Static_assert(sizeof(struct prof_proc_event) == 40, "proc_event layout");

/*
 * A deferred sample: one whose walk met code the walker had no mappings for yet (a process
 * user space has not read, or code mapped since). Instead of its frame-pointer guess, the
 * sample goes whole to the deferred ring, for user space to unwind once it has the tables;
 * sent with only the stack bytes read (stack_bytes), so records vary in size.
 */
/* 64 KiB, perf's most: compilers recurse deeper than 16 KiB. */
#define PROF_DEFERRED_STACK_BYTES 65536

struct prof_deferred_sample {
	struct prof_sample_key key; /* as it would have been counted; has_ustack 0 */
	__u64 time_ns;		    /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the sample */
	__u64 ip;		    /* the user registers the walk starts from */
	__u64 sp;
	__u64 bp;
	__u64 bx; /* for PROF_CFA_BX and PROF_CFA_RA_DI rows (bpf/unwind_abi.h) */
	__u64 di;
	__u64 ax;	   /* for PROF_CFA_CLONE rows */
	__u32 buffer;	   /* the buffer (0 or 1) key.kstack_id is in */
	__u32 stack_bytes; /* bytes of stack read from sp (to a page boundary, then pages) */
	__u8 stack[PROF_DEFERRED_STACK_BYTES];
};
_Static_assert(sizeof(struct prof_deferred_sample) == 112 + PROF_DEFERRED_STACK_BYTES,
	       "deferred_sample layout");

/* Value of the procs map. */
struct prof_proc_state {
	__u32 proc_gen;
	__u32 pad;
};
_Static_assert(sizeof(struct prof_proc_state) == 8, "proc_state layout");

#endif
