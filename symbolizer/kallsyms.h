/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's text symbols from a kallsyms file (/proc/kallsyms), in a symbol table sorted
 * by address for binary search, each tagged with its module.
 */
#ifndef PROF_KALLSYMS_H
#define PROF_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

struct kallsyms;

/* The module name of symbols of the core kernel image. */
#define KALLSYMS_KERNEL_MODULE "[kernel.kallsyms]"

/*
 * Reads the kallsyms file @path. Returns 0 and an owned table in *@out, or -errno:
 * -EACCES when the file lists addresses but all of them are zero (kernel.kptr_restrict
 * hides them from this user), -ENODATA when it holds no text symbol at all.
 */
int kallsyms__load(const char *path, struct kallsyms **out);
/* NULL-safe. */
void kallsyms__free(struct kallsyms *ks);

/*
 * Finds the text symbol containing @addr: the one with the greatest address <= @addr,
 * unless @addr lies past its end (the next symbol of any type, or a page past the last
 * symbol of the file). Returns 0 and sets *@name and *@module (borrowed, valid until
 * kallsyms__free(); @module is "[modname]" or KALLSYMS_KERNEL_MODULE) and *@start, or
 * -ENOENT. @start may be NULL.
 */
int kallsyms__find(const struct kallsyms *ks, uint64_t addr, const char **name, const char **module,
		   uint64_t *start);

/* Number of text symbols kept. */
size_t kallsyms__count(const struct kallsyms *ks);

#endif
