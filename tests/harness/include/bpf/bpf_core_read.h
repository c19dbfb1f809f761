/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libbpf's CO-RE reads for profile.bpf.c built as user-space C in the BPF harness
 * (../../bpf_harness.h): the harness's kernel structures are ordinary memory, read directly.
 */
#ifndef PROF_TEST_HARNESS_BPF_CORE_READ_H
#define PROF_TEST_HARNESS_BPF_CORE_READ_H

#include <stdio.h>

#define HARNESS_CORE_READ_PICK(_1, _2, _3, n, ...) n
#define HARNESS_CORE_READ1(src, a) ((src)->a)
#define HARNESS_CORE_READ2(src, a, b) ((src)->a->b)
#define HARNESS_CORE_READ3(src, a, b, c) ((src)->a->b->c)

/* BPF_CORE_READ(src, a, b, ...) reads src->a->b...: up to three levels. */
#define BPF_CORE_READ(src, ...)                                                                    \
	HARNESS_CORE_READ_PICK(__VA_ARGS__, HARNESS_CORE_READ3, HARNESS_CORE_READ2,                \
			       HARNESS_CORE_READ1, _)                                              \
	(src, __VA_ARGS__)

/* The string src->a->b... into the array *dst, NUL-terminated and cut to fit. */
#define BPF_CORE_READ_STR_INTO(dst, src, ...)                                                      \
	((void)snprintf((char *)(dst), sizeof(*(dst)), "%s", BPF_CORE_READ(src, __VA_ARGS__)))

#define bpf_core_type_size(type) sizeof(type)
#define bpf_core_field_exists(field) 1
/* Flavours of kernel structures are plain structures here. */
#define PROF_CORE_FLAVOR

#endif
