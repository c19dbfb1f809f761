// SPDX-License-Identifier: GPL-2.0-only
/*
 * The location table as CPython's Objects/locations.md describes it, read as
 * advance_with_locations(), get_line_delta() and scan_varint() in Objects/codeobject.c
 * (3.11 to 3.13 alike) read it, and as write_location_info_entry() in the compiler
 * (Python/compile.c; Python/assemble.c from 3.12) writes it:
 *
 *   an entry's first byte: bit 7 set, bits 3-6 its kind, bits 0-2 its length in code units - 1
 *   kinds 0-9    short form: same line; one byte of columns
 *   kinds 10-12  one-line form: line + (kind - 10); two bytes of columns
 *   kind 13      no columns: line + svarint
 *   kind 14      long form: line + svarint; end line, start and end columns (varints)
 *   kind 15      no location: no line, the next entry's delta is from the line before
 *
 * A varint is 6-bit chunks, least significant first, bit 6 set on all but the last; an
 * svarint is a varint v meaning -(v >> 1) when v & 1, else v >> 1. The compiler writes
 * columns below 128 in the short and one-line forms, so every byte after an entry's first
 * has bit 7 clear. CPython itself trusts the table; here a byte out of place ends the walk.
 */
#include "python_lines.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>

#define ENTRY_START 0x80u
/* _PyCodeLocationInfoKind */
#define KIND_SHORT_LAST 9
#define KIND_ONE_LINE0 10
#define KIND_ONE_LINE2 12
#define KIND_NO_COLUMNS 13
#define KIND_LONG 14
#define KIND_NONE 15
/* Chunks of a varint that fit 32 bits; CPython reads them into an unsigned int. */
#define VARINT_MAX_CHUNKS 6

/* The bytes of the table not read yet. */
struct table_cursor {
	const uint8_t *pos;
	const uint8_t *end;
};

/* A byte of an entry after its first: false when the table ends or the byte starts one. */
static bool read_byte(struct table_cursor *c, uint8_t *out)
{
	if (c->pos == c->end || (*c->pos & ENTRY_START))
		return false;
	*out = *c->pos++;
	return true;
}

static bool skip_bytes(struct table_cursor *c, unsigned int n)
{
	uint8_t byte;

	while (n--) {
		if (!read_byte(c, &byte))
			return false;
	}
	return true;
}

static bool read_varint(struct table_cursor *c, uint32_t *out)
{
	uint64_t val = 0;
	uint8_t byte;

	for (unsigned int i = 0; i < VARINT_MAX_CHUNKS; i++) {
		if (!read_byte(c, &byte))
			return false;
		val |= (uint64_t)(byte & 63) << (6 * i);
		if (!(byte & 64)) {
			if (val > UINT32_MAX)
				return false;
			*out = val;
			return true;
		}
	}
	return false;
}

static bool read_svarint(struct table_cursor *c, int64_t *out)
{
	uint32_t val;

	if (!read_varint(c, &val))
		return false;
	*out = val & 1 ? -(int64_t)(val >> 1) : (int64_t)(val >> 1);
	return true;
}

/*
 * Reads the rest of an entry of @kind: its line delta into *@delta (0 without one). False
 * when the entry is cut short or malformed.
 */
static bool read_entry(struct table_cursor *c, unsigned int kind, int64_t *delta)
{
	uint32_t ignored;

	*delta = 0;
	if (kind <= KIND_SHORT_LAST)
		return skip_bytes(c, 1);
	if (kind <= KIND_ONE_LINE2) {
		*delta = kind - KIND_ONE_LINE0;
		return skip_bytes(c, 2);
	}
	if (kind == KIND_NO_COLUMNS)
		return read_svarint(c, delta);
	if (kind == KIND_LONG)
		return read_svarint(c, delta) && read_varint(c, &ignored) &&
		       read_varint(c, &ignored) && read_varint(c, &ignored);
	return true; /* KIND_NONE */
}

int python_lines__line(const uint8_t *table, size_t len, int first_line, uint32_t code_unit,
		       unsigned int version_minor)
{
	struct table_cursor c;
	int64_t line = first_line, delta;
	uint64_t start = 0; /* the first code unit of the entry read */
	unsigned int kind, units;
	uint8_t first;

	if (version_minor < 11 || version_minor > 13)
		return -EOPNOTSUPP;
	if (!len)
		return -ERANGE;
	c.pos = table;
	c.end = table + len;
	/* Each turn reads at least one byte. */
	while (c.pos < c.end) {
		first = *c.pos++;
		if (!(first & ENTRY_START))
			return -EINVAL;
		kind = (first >> 3) & 15;
		units = (first & 7) + 1;
		if (!read_entry(&c, kind, &delta))
			return -EINVAL;
		line += delta;
		if (line < INT_MIN || line > INT_MAX)
			return -EINVAL;
		/* An entry is whole when the next one starts right after it. */
		if (c.pos < c.end && !(*c.pos & ENTRY_START))
			return -EINVAL;
		if (code_unit < start + units) {
			if (kind == KIND_NONE || line < 1)
				return 0;
			return line;
		}
		start += units;
	}
	return -ERANGE;
}
