/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libbpf's bpf_helpers.h for profile.bpf.c built as user-space C in the BPF harness
 * (../../bpf_harness.h): map definitions become plain objects whose members' types carry
 * the map's shape, as in BTF, and each helper a static function of bpf_programs.c.
 */
#ifndef PROF_TEST_HARNESS_BPF_HELPERS_H
#define PROF_TEST_HARNESS_BPF_HELPERS_H

#include <linux/types.h>

struct task_struct;

/* Sections mean nothing here: a map's shape is in its members' types, read by the harness. */
#define SEC(name)
#define __uint(name, val) int(*name)[val]
#define __type(name, val) typeof(val) *name
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __noinline __attribute__((noinline))

static void *bpf_map_lookup_elem(void *map, const void *key);
static long bpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags);
static long bpf_map_delete_elem(void *map, const void *key);
static long bpf_probe_read_user(void *dst, __u32 size, const void *unsafe_ptr);
static long bpf_probe_read_kernel(void *dst, __u32 size, const void *unsafe_ptr);
static long bpf_loop(__u32 nr_loops, long (*callback_fn)(__u32 index, void *ctx),
		     void *callback_ctx, __u64 flags);
static long bpf_tail_call(void *ctx, void *prog_array_map, __u32 index);
static void *bpf_ringbuf_reserve(void *ringbuf, __u64 size, __u64 flags);
static void bpf_ringbuf_submit(void *data, __u64 flags);
static long bpf_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags);
static __u64 bpf_get_current_pid_tgid(void);
static __u64 bpf_get_current_task(void);
static struct task_struct *bpf_get_current_task_btf(void);
static long bpf_task_pt_regs(struct task_struct *task);
static long bpf_get_current_comm(void *buf, __u32 size_of_buf);
static long bpf_get_stackid(void *ctx, void *map, __u64 flags);
static long bpf_current_task_under_cgroup(void *map, __u32 index);
static __u64 bpf_ktime_get_ns(void);
static __u32 bpf_get_smp_processor_id(void);
static __u32 bpf_get_prandom_u32(void);

#endif
