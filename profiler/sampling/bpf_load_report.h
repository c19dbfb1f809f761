/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What libbpf says while the BPF program loads: every message goes to our log (whole, at
 * -vv), and the gist of a failure (the program refused and the verifier's last message) is
 * kept, so that a failed load is told in one line a user can act on, without -vv.
 * libbpf's print callback has no context pointer: the gist is this file's own state, used
 * from the thread that loads programs.
 */
#ifndef PROF_BPF_LOAD_REPORT_H
#define PROF_BPF_LOAD_REPORT_H

#include <stdarg.h>
#include <stdbool.h>

#include <bpf/libbpf.h>

/* Routes libbpf's messages into our log (libbpf_set_print) and forgets any earlier failure. */
void bpf_load_report__start(void);

/* The print callback itself, for tests: logs, and keeps the gist of a failure. */
int bpf_load_report__print(enum libbpf_print_level level, const char *fmt, va_list ap);

/*
 * Logs one error line for a failed load (@err: -errno from libbpf): the kernel's release,
 * the program the verifier refused and its last message, and what to try (@hint_fp: suggest
 * --unwind fp).
 */
void bpf_load_report__failed(int err, bool hint_fp);

/*
 * The gist of the last failure, for tests: the program's name ("" if none was named) and
 * the verifier's (or libbpf's) last message ("" if none). Borrowed until the next call of
 * bpf_load_report__start() or __print().
 */
const char *bpf_load_report__program(void);
const char *bpf_load_report__message(void);

#endif
