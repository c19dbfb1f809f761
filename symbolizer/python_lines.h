/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Source lines of CPython 3.11 to 3.13 bytecode, from a code object's location table
 * (co_linetable, PEP 626 and 657): the line co_positions() gives an instruction.
 *
 * The table is a sequence of entries, each covering 1 to 8 code units (2-byte units of
 * co_code, inline CACHE entries and EXTENDED_ARG prefixes included: they share their
 * instruction's entry) and giving its start line as a delta from the entry before (from
 * co_firstlineno for the first); "no location" entries leave the line as it was. The three
 * versions write and read the table alike (CPython's Objects/locations.md).
 *
 * The table is read from another process's memory and is trusted in nothing: each byte is
 * read once and within bounds, every entry is checked to be whole, and the walk ends with
 * the table.
 */
#ifndef PROF_PYTHON_LINES_H
#define PROF_PYTHON_LINES_H

#include <stddef.h>
#include <stdint.h>

/*
 * The source line of the instruction at @code_unit (its byte offset in co_code / 2) of a
 * code object whose co_linetable is @table[0..@len) (borrowed, read only during the call;
 * may be NULL when @len is 0) and whose co_firstlineno is @first_line, compiled by CPython
 * 3.@version_minor. The index an interpreter frame gives, (prev_instr (3.11, 3.12) or
 * instr_ptr (3.13) - co_code_adaptive) / 2, is taken as it is: a unit inside an
 * instruction (its inline caches, where 3.11 and 3.12 leave prev_instr while it calls a
 * Python function) has the instruction's line. 3.11 and 3.12 frames that have not started
 * have prev_instr one unit before co_code_adaptive, which no index here names: CPython
 * gives them co_firstlineno.
 *
 * Returns the line (> 0), 0 when the instruction has no line (a "no location" entry, or
 * a line below 1: CPython gives a module's first instruction line 0), -EOPNOTSUPP for a
 * version other than 3.11 to 3.13, -EINVAL for a malformed table (an entry cut short or
 * whose bytes are not an entry's, a varint over 32 bits, a line outside int) up to the
 * entry of @code_unit, -ERANGE when the table ends before @code_unit.
 * Walks the table from its start: O(@len).
 */
int python_lines__line(const uint8_t *table, size_t len, int first_line, uint32_t code_unit,
		       unsigned int version_minor);

#endif
