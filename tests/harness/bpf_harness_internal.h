/* SPDX-License-Identifier: GPL-2.0-only */
/* What libbpf_maps.c needs of the BPF harness (bpf_harness.h). */
#ifndef PROF_TEST_BPF_HARNESS_INTERNAL_H
#define PROF_TEST_BPF_HARNESS_INTERNAL_H

struct harness_map;

/* The loaded program's map behind the descriptor @fd (borrowed until unload), or NULL. */
struct harness_map *bpf_harness__map_of_fd(int fd);

#endif
