/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unwind tables: a binary's call-frame information (.eh_frame, else .debug_frame) turned
 * into the compact rows the BPF walker follows (see bpf/unwind_abi.h), and a cache of
 * them on disk keyed by build id, so that each binary is read once across runs.
 */
#ifndef PROF_UNWIND_TABLE_H
#define PROF_UNWIND_TABLE_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

#include "unwind_abi.h"

/* What building a table found; each a count of rows unless said otherwise. */
struct unwind_table_stats {
	uint32_t fdes;	      /* FDEs read */
	uint32_t bad_fdes;    /* FDEs skipped or cut short: unreadable entries, unknown
			       * augmentations, malformed instructions */
	uint32_t outside;     /* FDEs skipped: empty, or outside every executable segment
			       * (the leftovers of code the linker discarded) */
	uint32_t unsupported; /* rows of PROF_CFA_UNSUPPORTED (expressions, odd RA rules) */
	uint32_t plt;	      /* rows of PROF_CFA_PLT */
	uint32_t signal;      /* rows of PROF_CFA_SIGNAL */
	uint32_t end;	      /* rows of PROF_CFA_END */
	uint32_t fp_lost;     /* rows whose saved rbp cannot be found */
};

/*
 * Rows hold from their pc up to the next row's; the last is always PROF_CFA_NONE (where the
 * last FDE ends), and no two neighbours have the same rule. Where FDEs overlap, the one that
 * starts later has its range (then NONE up to the next FDE).
 */
struct unwind_table {
	uint64_t base; /* ELF vaddr that row pcs are relative to: the lowest FDE's start (a byte
			* before it when that is a signal trampoline's) */
	uint32_t nr_rows;
	struct prof_unwind_row *rows; /* sorted by pc, distinct pcs; owned */
	struct unwind_table_stats stats;
	const char *source; /* ".eh_frame" or ".debug_frame" (static) */
};

/*
 * Builds the table of the ELF file @elf (ET_EXEC or ET_DYN, x86-64): from .eh_frame, or
 * from .debug_frame when there is no .eh_frame. @debug_elf, when not NULL, is the binary's
 * separate debug file, whose .debug_frame is used when the binary has neither. Returns 0
 * and an owned table, or -ENOENT (no call-frame information), -ENOEXEC (not an x86-64 ELF
 * file), -EINVAL (malformed beyond use), -EFBIG (more than 2^32 bytes of text), -ENOMEM.
 */
int unwind_table__build(Elf *elf, Elf *debug_elf, struct unwind_table **out);

/*
 * Opens the file on @fd (not closed; read with pread, so its offset does not move) with
 * libelf and builds its table; a file truncated while it is read gives an error, not SIGBUS.
 */
int unwind_table__build_fd(int fd, struct unwind_table **out);

/* NULL-safe. */
void unwind_table__free(struct unwind_table *table);

/* Bytes the rows take (8 per row). */
size_t unwind_table__bytes(const struct unwind_table *table);

/*
 * The disk cache: DIR/BUILD_ID.unwind, written with a temporary file and a rename, and
 * checked when read (magic, version, sizes, a checksum): a damaged file is removed and
 * reads as absent. Both return 0 or -errno; load returns -ENOENT when absent.
 */
int unwind_cache__load(const char *dir, const char *build_id_hex, struct unwind_table **out);
int unwind_cache__store(const char *dir, const char *build_id_hex,
			const struct unwind_table *table);

#endif
