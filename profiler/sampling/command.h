/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command `record -- COMMAND` profiles: forked first and held before exec, so that
 * its pid is in the filter before it runs a single instruction of its own.
 */
#ifndef PROF_COMMAND_H
#define PROF_COMMAND_H

#include <stdbool.h>
#include <sys/types.h>

struct command;

/* Forks a child that waits; @argv is borrowed until command__release(). Returns 0 or -errno. */
int command__spawn(char *const *argv, struct command **out);
pid_t command__pid(const struct command *cmd);
/*
 * Lets the child exec. Returns 0 once it runs the command, or -errno when exec failed
 * (the child has then exited; the reason is logged).
 */
int command__release(struct command *cmd);
/* True once the child has exited; never blocks. Reaps it. */
bool command__exited(struct command *cmd);
/* The wait status of an exited child. */
int command__status(const struct command *cmd);
/* NULL-safe. A child never released is killed and reaped; a running one is left running. */
void command__free(struct command *cmd);

#endif
