/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel types profile.bpf.c reads, for its build as user-space C in the BPF harness
 * (../bpf_harness.h): only the fields it reads, under the kernel's names; pt_regs has
 * x86-64's layout, since the programs read it at its offsets.
 */
#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#include <linux/bpf.h> /* map types and update flags */
#include <linux/types.h>
#include <stdbool.h>

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

typedef struct pt_regs bpf_user_pt_regs_t;

struct bpf_perf_event_data {
	bpf_user_pt_regs_t regs;
	__u64 sample_period;
	__u64 addr;
};

typedef struct {
	int counter;
} atomic_t;

struct signal_struct {
	atomic_t live; /* threads alive */
};

struct mm_struct {
	unsigned long start_code; /* 0 while execve maps the new image */
};

struct task_struct {
	unsigned int __state;
	unsigned int flags;
	struct mm_struct *mm;
	int pid;
	int tgid;
	char comm[16];
	struct task_struct *group_leader;
	struct signal_struct *signal;
	void *stack;		       /* the kernel stack, with the user registers at its top */
	unsigned long long start_time; /* CLOCK_MONOTONIC of the fork */
};

#endif
