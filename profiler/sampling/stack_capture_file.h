/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The file record --debug-capture writes: "BPFPCAP1", the record size as a little-endian
 * u32 and a zero u32, then struct prof_stack_capture records as the sampler delivers them.
 * For checking the BPF stack walker against another unwinder on the same bytes.
 */
#ifndef PROF_STACK_CAPTURE_FILE_H
#define PROF_STACK_CAPTURE_FILE_H

#include "unwind_abi.h"

#define PROF_CAPTURE_MAGIC "BPFPCAP1"

struct stack_capture_file;

/*
 * Opens @path as output_file__open_private() does (a new file is 0600: it holds other
 * processes' stack memory) and writes the header; the file appears complete on close.
 * Returns 0 and an owned file in *@out, or -errno (reported).
 */
int stack_capture_file__open(const char *path, struct stack_capture_file **out);
/* Appends @capture; a sampler_capture_fn, @file being the stack_capture_file. */
void stack_capture_file__write_fn(const struct prof_stack_capture *capture, void *file);
/*
 * Commits the file, or removes it when a write failed. NULL-safe. Returns 0, or -errno
 * when a write failed (logged once).
 */
int stack_capture_file__close(struct stack_capture_file *file);

#endif
