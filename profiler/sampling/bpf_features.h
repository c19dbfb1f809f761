/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the running kernel's BPF allows perf-event programs, asked of the kernel itself (a
 * probe program per feature), never read from its version: distributions backport.
 */
#ifndef PROF_BPF_FEATURES_H
#define PROF_BPF_FEATURES_H

#include <stdbool.h>

struct bpf_features {
	bool loop;	   /* bpf_loop() (Linux 5.17) */
	bool task_pt_regs; /* bpf_task_pt_regs() (5.15) */
	bool dynamic_hash; /* hash maps without preallocation (BPF_F_NO_PREALLOC, 6.1) */
};

/*
 * Probes the kernel. A probe that cannot run (no privileges, say) reports the feature as
 * present: loading the real program then fails with the reason.
 */
void bpf_features__probe(struct bpf_features *features);

#endif
