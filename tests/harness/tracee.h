/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A test program run under ptrace as a child of the test (no privilege needed beyond
 * tracing one's own child): stopped at functions of its executable, stepped an instruction
 * at a time, interrupted by a signal at a chosen instruction, and captured as a sample of
 * it would find it: registers and the top of its stack. x86-64 only.
 */
#ifndef PROF_TEST_TRACEE_H
#define PROF_TEST_TRACEE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TRACEE_PAGE_SIZE 4096
#define TRACEE_STACK_BYTES 32768 /* captured from sp up (less at the stack's top) */

/* Registers and stack bytes: from the start of sp's page up to TRACEE_STACK_BYTES past sp. */
struct tracee_capture {
	uint64_t ip, sp, bp;
	uint64_t stack_addr; /* the address of stack[0]: sp's page */
	size_t stack_len;
	uint8_t stack[TRACEE_PAGE_SIZE + TRACEE_STACK_BYTES];
};

struct tracee;

/*
 * Runs @path with the one argument @arg (NULL for none), stopped before its first
 * instruction. Returns 0 and an owned tracee, or -errno: -EPERM when this process may not
 * trace its children (a sandbox), -ENOEXEC when the program could not be started.
 */
int tracee__start(const char *path, const char *arg, struct tracee **out);
/* Kills the program. NULL-safe. */
void tracee__free(struct tracee *t);

pid_t tracee__pid(const struct tracee *t);

/*
 * The address in the running program of @function, a function symbol of its executable
 * (its .symtab). Returns 0, or -ENOENT (no such symbol, or its code is not mapped), -EIO.
 */
int tracee__address(const struct tracee *t, const char *function, uint64_t *addr);

/*
 * Resumes the program until it is about to run the instruction at @addr (a breakpoint,
 * removed on the way back). Signals it receives meanwhile are discarded, except the one
 * tracee__signal() asked for. Returns 0, or -ESRCH when the program ended first.
 */
int tracee__run_to(struct tracee *t, uint64_t addr);
/* Runs one instruction, discarding signals. Returns 0 or -ESRCH. */
int tracee__step(struct tracee *t);

/* Delivers @sig when the program resumes next: its handler interrupts the current pc. */
void tracee__signal(struct tracee *t, int sig);

/* The registers and stack now. Returns 0 or -errno. */
int tracee__capture(const struct tracee *t, struct tracee_capture *out);

#endif
