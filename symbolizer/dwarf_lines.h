/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Source lines and inline chains from one file's DWARF (through libdw), by ELF virtual
 * address: what eu-addr2line -i and llvm-symbolizer print.
 *
 * Compile units are found through an index of their address ranges built here from each
 * unit's DIE (DW_AT_low_pc/high_pc or DW_AT_ranges), so files without .debug_aranges
 * (clang's default) resolve too. A unit's functions (subprograms and the inlined
 * subroutines in them) are read into a tree the first time an address falls in that unit;
 * its line table is read by libdw on first use too. DWARF 4 and 5 alike.
 *
 * Nothing in the DWARF is trusted: garbage gives fewer answers, not a crash (as far as
 * libdw's own checks go).
 */
#ifndef PROF_DWARF_LINES_H
#define PROF_DWARF_LINES_H

#include <elfutils/libdw.h>
#include <stddef.h>
#include <stdint.h>

struct dwarf_lines;

/* One function of an inline chain; strings are borrowed from the Dwarf (see find). */
struct dwarf_frame {
	const char *name;  /* linkage (mangled) name when there is one, else DW_AT_name; NULL
			   * when the address is in no function the DWARF describes */
	const char *file;  /* NULL when unknown */
	unsigned int line; /* 0 when unknown */
};

/*
 * Indexes the compile units of @dwarf, which stays owned by the caller and must outlive the
 * index. Returns 0 and an owned index in *@out (empty when no unit has addresses), or
 * -ENOMEM.
 */
int dwarf_lines__open(Dwarf *dwarf, struct dwarf_lines **out);
/* NULL-safe. */
void dwarf_lines__free(struct dwarf_lines *dl);

/*
 * Fills @out[0..cap) with the functions active at the ELF virtual address @addr, innermost
 * first: each inlined function, then the function it was inlined into, out to the
 * subprogram that holds the code. The first frame's line is the line table's line for
 * @addr; each other frame's file and line are the call site (DW_AT_call_file/line) of the
 * frame before it. A chain longer than @cap loses its innermost frames. Returns the number
 * of frames (0 when no unit covers @addr), or -EINVAL when @cap is 0. An address in a unit
 * but in no function gives one frame without a name (the line table's file and line).
 * Strings are borrowed, valid until the Dwarf is ended.
 */
int dwarf_lines__find(struct dwarf_lines *dl, uint64_t addr, struct dwarf_frame *out, size_t cap);

/* Compile units with addresses. */
size_t dwarf_lines__units(const struct dwarf_lines *dl);
/*
 * Damage seen so far: a unit header that ended the walk, units whose functions or line
 * table could not be read (units are read lazily, so this can grow with lookups).
 */
size_t dwarf_lines__errors(const struct dwarf_lines *dl);
/* Bytes held by the index and (estimated) the line tables libdw read for it. */
size_t dwarf_lines__size(const struct dwarf_lines *dl);

#endif
