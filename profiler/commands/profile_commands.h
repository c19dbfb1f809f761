/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The commands that turn profile files into profile files or pictures:
 *   bpfprof flamegraph INPUT... -o OUT    inputs merged; any output format
 *   bpfprof diff BASE NEW -o OUT.svg      differential flame graph
 *   bpfprof convert INPUT -o OUTPUT       folded <-> pprof
 * Each returns the process exit status: 0, 1 (runtime failure) or 2 (usage).
 */
#ifndef PROF_PROFILE_COMMANDS_H
#define PROF_PROFILE_COMMANDS_H

int cmd_flamegraph(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
