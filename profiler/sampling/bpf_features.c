// SPDX-License-Identifier: GPL-2.0-only
#include "bpf_features.h"

#include <errno.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

static bool has_helper(enum bpf_func_id id)
{
	int ret = libbpf_probe_bpf_helper(BPF_PROG_TYPE_PERF_EVENT, id, NULL);

	return ret != 0; /* 1: yes; < 0: the probe could not tell */
}

/*
 * Before 6.1 the verifier refuses a perf-event program that uses a hash map created with
 * BPF_F_NO_PREALLOC ("perf_event programs can only use preallocated hash map"): a program
 * that looks a key up in one tells.
 */
static bool has_dynamic_hash(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, map_opts, .map_flags = BPF_F_NO_PREALLOC);
	int map_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "probe_hash", sizeof(__u32), sizeof(__u32),
				    1, &map_opts);
	struct bpf_insn insns[] = {
		/* *(u32 *)(r10 - 4) = 0; r2 = r10 - 4 */
		{ .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = BPF_REG_10, .off = -4 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -4 },
		/* r1 = the map; bpf_map_lookup_elem(r1, r2) */
		{ .code = BPF_LD | BPF_DW | BPF_IMM,
		  .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD,
		  .imm = map_fd },
		{ 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem },
		/* return 0 */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog_fd;

	if (map_fd < 0)
		return true;
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_PERF_EVENT, "probe_hash", "GPL", insns,
				sizeof(insns) / sizeof(insns[0]), NULL);
	close(map_fd);
	if (prog_fd >= 0) {
		close(prog_fd);
		return true;
	}
	return prog_fd != -EINVAL;
}

void bpf_features__probe(struct bpf_features *features)
{
	features->loop = has_helper(BPF_FUNC_loop);
	features->task_pt_regs = has_helper(BPF_FUNC_task_pt_regs);
	features->dynamic_hash = has_dynamic_hash();
}
