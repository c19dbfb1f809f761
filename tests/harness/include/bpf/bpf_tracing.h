/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libbpf's BPF_PROG for profile.bpf.c built as user-space C in the BPF harness
 * (../../bpf_harness.h): a tracing program becomes a function of its context and arguments,
 * prefixed so that its name cannot clash with libc's (on_exit).
 */
#ifndef PROF_TEST_HARNESS_BPF_TRACING_H
#define PROF_TEST_HARNESS_BPF_TRACING_H

#define BPF_PROG(name, args...) bpf_prog_##name(void *ctx, ##args)

#endif
