/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `bpfprof agent`: samples until told to stop, one profile per interval, each stored
 * locally and uploaded. Errors are logged (one line that says what to do).
 */
#ifndef PROF_AGENT_H
#define PROF_AGENT_H

#include "agent_options.h"

/* Runs the agent until SIGTERM or SIGINT. Returns 0 or -errno (it could not start). */
int agent__run(const struct agent_opts *opts);

/* `bpfprof agent ...` (@argv[0] is "agent"): returns the exit status (0, 1 runtime, 2 usage). */
int cmd_agent(int argc, char **argv);

#endif
