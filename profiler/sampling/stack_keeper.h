/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stacks kept past their interval, for off-CPU waits that outlast it. A thread's stacks go to
 * the buffer of the interval it left the CPU in, which is read and emptied at the interval's
 * end; its wait is charged later, in another interval's buffer, under a key that names the
 * first interval (prof_sample_key.stacks_lag). Before a buffer is emptied, the sampler copies
 * the stacks that waits still pending (or charged but not read yet) refer to here, keyed by
 * the interval's epoch, the kind of stack and its id in the buffer.
 */
#ifndef PROF_STACK_KEEPER_H
#define PROF_STACK_KEEPER_H

#include <stddef.h>
#include <stdint.h>

enum kept_stack_kind {
	KEPT_KERNEL_STACK, /* id: the kernel stack id; data: addresses, innermost first */
	KEPT_USER_STACK,   /* id: the user stack hash; data: a struct prof_user_stack, cut */
};

struct stack_keeper;

/* A keeper holding at most @max_bytes of stacks. NULL with errno set on failure. */
struct stack_keeper *stack_keeper__new(size_t max_bytes);
/* NULL-safe. */
void stack_keeper__free(struct stack_keeper *k);

/*
 * Copies @data[0..len) as the stack @id of @kind of interval @epoch. Returns 0 (also when it
 * is there already), -ENOSPC past the keeper's bytes, or -ENOMEM.
 */
int stack_keeper__add(struct stack_keeper *k, uint32_t epoch, enum kept_stack_kind kind,
		      uint64_t id, const void *data, size_t len);

/* The stack, borrowed until the keeper is freed, its length in @len; NULL when not kept. */
const void *stack_keeper__find(const struct stack_keeper *k, uint32_t epoch,
			       enum kept_stack_kind kind, uint64_t id, size_t *len);

/* Stacks kept, and their bytes. */
size_t stack_keeper__count(const struct stack_keeper *k);
size_t stack_keeper__bytes(const struct stack_keeper *k);

#endif
