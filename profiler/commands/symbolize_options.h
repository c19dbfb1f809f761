/* SPDX-License-Identifier: GPL-2.0-only */
/* The options of `bpfprof symbolize`, parsed and checked for form (not against the system). */
#ifndef PROF_SYMBOLIZE_OPTIONS_H
#define PROF_SYMBOLIZE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "option_table.h"

enum symbolize_target {
	SYMBOLIZE_NONE,
	SYMBOLIZE_PID,	  /* runtime addresses of a live process */
	SYMBOLIZE_ELF,	  /* ELF virtual addresses of a file, as addr2line -e takes them */
	SYMBOLIZE_KERNEL, /* kernel addresses, named from kallsyms */
};

struct symbolize_opts {
	enum symbolize_target target;
	uint32_t pid;	 /* --pid */
	const char *elf; /* --elf, borrowed from argv */
	uint64_t *addrs; /* owned; from the arguments; none: read standard input */
	size_t naddrs;
	bool print_address; /* -a: each answer starts with its address, as in eu-addr2line -a */
	bool basenames;	    /* -s: file names without their folders */
	bool no_demangle;   /* --no-demangle: names as the files spell them */
	int verbose;
};

/* The options of symbolize, and its --help. */
extern const struct option_table symbolize_option_table;

/*
 * Parses argv of `symbolize` (argv[0] is "symbolize"). Exactly one of --pid, --elf and
 * --kernel is needed. Allocations in @opts are released by symbolize_opts__release(),
 * whatever the result. On OPTIONS_ERROR a one-line reason is in @err (@errlen bytes).
 */
enum options_result symbolize_opts__parse(struct symbolize_opts *opts, int argc, char **argv,
					  char *err, size_t errlen);
void symbolize_opts__release(struct symbolize_opts *opts);

/*
 * An address: 1 to 16 hex digits, with or without 0x; blanks around it are ignored.
 * Returns 0, or -EINVAL.
 */
int symbolize_address__parse(const char *s, uint64_t *out);

#endif
