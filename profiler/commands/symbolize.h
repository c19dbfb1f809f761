/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `bpfprof symbolize`: names addresses the way a recording does, and prints them the way
 * eu-addr2line -f -i does, for debugging the symbolizer and for its benchmark.
 */
#ifndef PROF_SYMBOLIZE_H
#define PROF_SYMBOLIZE_H

#include <stdio.h>

#include "symbolize_options.h"

/*
 * Names opts->addrs, or when there are none each line read from @in_fd (one address per
 * line; @out is flushed before each read that could block, so a caller can converse
 * through pipes). Writes to @out. Returns 0, or -errno after logging why: -ESRCH for a
 * process that does not exist, the open() error for an unreadable --elf file, -EINVAL when
 * some input line was not an address (it is answered with "??" and "??:0" and the rest is
 * still named), -EIO when @out cannot be written.
 */
int symbolize__run(const struct symbolize_opts *opts, int in_fd, FILE *out);

/*
 * `bpfprof symbolize ...` (@argv[0] is "symbolize"), on standard input and output: returns
 * the exit status (0, 1 runtime, 2 usage).
 */
int cmd_symbolize(int argc, char **argv);

#endif
