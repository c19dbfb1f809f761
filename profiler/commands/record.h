/* SPDX-License-Identifier: GPL-2.0-only */
/* `bpfprof record`: samples for a while (or while a command runs) and writes profiles. */
#ifndef PROF_RECORD_H
#define PROF_RECORD_H

#include "record_options.h"

/*
 * Runs a recording as @opts says. Errors are logged (one line that says what to do).
 * Returns 0 or -errno.
 */
int record__run(const struct record_opts *opts);

/* `bpfprof record ...` (@argv[0] is "record"): returns the exit status (0, 1 runtime, 2 usage). */
int cmd_record(int argc, char **argv);

#endif
