/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CPython processes the walker follows into their Python frames. When a process is
 * read, its interpreter is looked for: a mapped python3.N or libpython3.N.so whose .dynsym
 * has _PyRuntime and Py_Version; the version read from the process picks the layout
 * (python_layout.h), and the walker gets the address of _PyRuntime and the offsets
 * (python_procs map, bpf/python_abi.h). The code objects the walker meets are named here
 * too (python_codes.h), when it reports them and, failing that, when their samples are.
 */
#ifndef PROF_PYTHON_PROCS_H
#define PROF_PYTHON_PROCS_H

#include <stdint.h>

#include "python_codes.h"

struct proc_maps;
struct prof_python_code_event;
struct python_procs;

struct python_procs_stats {
	uint64_t processes;   /* processes with an interpreter the walker follows now */
	uint64_t found;	      /* interpreters found, since the start */
	uint64_t unsupported; /* interpreters of a version without a layout */
	struct python_codes_stats codes;
};

/* @procs_fd: the python_procs map (borrowed). Returns NULL with errno set. */
struct python_procs *python_procs__new(int procs_fd);
void python_procs__free(struct python_procs *py);

/*
 * Looks for an interpreter in process @tgid, whose mappings @maps are (a snapshot taken
 * while it ran), and tells the walker about it, or that there is none now.
 */
void python_procs__add_process(struct python_procs *py, uint32_t tgid,
			       const struct proc_maps *maps);
/* Forgets process @tgid (it exited); the names of its code objects stay. */
void python_procs__remove_process(struct python_procs *py, uint32_t tgid);

/* The walker met a code object for the first time (@event): named now. */
void python_procs__code_seen(struct python_procs *py, const struct prof_python_code_event *event);

/*
 * The names of code object @code of @tgid known by @check (as the stack has them): read
 * now if not yet and the process still runs it. NULL when they cannot be had.
 */
const struct python_code *python_procs__code(struct python_procs *py, uint32_t tgid, uint64_t code,
					     uint32_t check);

void python_procs__stats(const struct python_procs *py, struct python_procs_stats *stats);

#endif
