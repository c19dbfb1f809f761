/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading another process's memory (process_vm_readv): a running interpreter's structures.
 * The process may exit or unmap what is read at any time: a read is whole or it failed.
 */
#ifndef PROF_PROC_MEM_H
#define PROF_PROC_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads @len bytes at @addr of process @pid into @buf. True when all of them were read. */
bool proc_mem__read(uint32_t pid, uint64_t addr, void *buf, size_t len);

#endif
