/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A sorted table of named address ranges, the one lookup structure of the ELF symbols, the
 * kernel's (kallsyms) and a perf map's: entries are appended in any order, then sealed
 * (sorted, settled by the table's rule) and looked up by binary search.
 *
 * A sealed entry takes 16 bytes and its name (large binaries have hundreds of thousands).
 * A gap, an entry without a name, ends the entry before it and is never found.
 */
#ifndef PROF_SYMBOL_TABLE_H
#define PROF_SYMBOL_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct symbol_table;

/* Bytes a sealed entry takes besides its name, for callers that bound their memory. */
#define SYMBOL_TABLE_ENTRY_SIZE 16

/* How sealing settles entries that share an address or overlap. */
enum symbol_table_rule {
	/*
	 * Symbol files (ELF, kallsyms): one entry is kept per address, of the lowest rank,
	 * then the name with fewer leading underscores ("schedule" over "__schedule"), then
	 * the bytewise lesser name, then the one appended first; named before gaps. Kept
	 * without a size, it takes the size of the best other entry there that has one, and
	 * likewise a limit. An entry without a size reaches the next entry, or its limit when
	 * that comes first; the last one without a limit covers last_extent bytes. A gap
	 * first, or after another gap, ends nothing and is dropped. Sealed once.
	 */
	SYMBOL_TABLE_ALIASES,
	/*
	 * Perf maps: entries are ranges that must have a size; where they overlap, the one
	 * appended later wins, so they are cut in disjoint pieces. Sealed again after more
	 * entries are appended, which win over those sealed before.
	 */
	SYMBOL_TABLE_LATEST,
};

struct symbol_table_opts {
	enum symbol_table_rule rule;
	/* SYMBOL_TABLE_ALIASES: bytes the last entry without a size or limit covers (< 4 GiB) */
	uint64_t last_extent;
	/* SYMBOL_TABLE_ALIASES: longer extents are cut to this; 0 for no limit */
	uint64_t max_extent;
};

/* An entry to append; fields a rule does not use are ignored. */
struct symbol_spec {
	uint64_t start;
	uint64_t size;	/* bytes covered; 0 when unknown (SYMBOL_TABLE_ALIASES) */
	uint64_t limit; /* an entry without a size ends there at the latest; 0 when unknown */
	uint16_t rank;	/* SYMBOL_TABLE_ALIASES: lower is kept at one address */
	uint16_t tag;	/* the caller's, given back by symbol_table__find() */
};

/* Returns an empty table, or NULL with errno set. @opts is copied. */
struct symbol_table *symbol_table__new(const struct symbol_table_opts *opts);
/* NULL-safe. */
void symbol_table__free(struct symbol_table *t);

/*
 * Appends @spec named @name[0..@len) (copied; @name NULL appends a gap, without a tag).
 * It is found once sealed. Returns 0, or -ENOMEM, -E2BIG when the names would take 4 GiB,
 * -EINVAL to a sealed SYMBOL_TABLE_ALIASES table, or to a SYMBOL_TABLE_LATEST one for a
 * gap or an entry without a size or past the end of the address space.
 */
int symbol_table__add(struct symbol_table *t, const struct symbol_spec *spec, const char *name,
		      size_t len);

/*
 * Sorts the entries appended since the last seal into the table and settles them by its
 * rule. Returns 0 or -errno (-ENOMEM); on failure those entries are dropped and the table
 * is as it was. Invalidates names returned before.
 */
int symbol_table__seal(struct symbol_table *t);
/* Drops the entries appended since the last seal. */
void symbol_table__discard(struct symbol_table *t);
/* Drops every entry: the table is as new. Invalidates names returned before. */
void symbol_table__clear(struct symbol_table *t);

/*
 * Merges two sealed SYMBOL_TABLE_ALIASES tables (both stay the caller's) into a new sealed
 * one, with @a's options, holding every entry of @a and those of @b at addresses @a has
 * none at, each with its extent: a debug file's .symtab (@a) over a binary's .dynsym (@b).
 * When the names of both would take 4 GiB, @b is left out. Returns 0 and an owned table in
 * *@out, or -ENOMEM.
 */
int symbol_table__merge(const struct symbol_table *a, const struct symbol_table *b,
			struct symbol_table **out);

/*
 * The name of the sealed entry covering @addr, borrowed until the table is sealed again,
 * cleared or freed, or NULL. *@start and *@tag (either may be NULL) receive its address
 * and tag.
 */
const char *symbol_table__find(const struct symbol_table *t, uint64_t addr, uint64_t *start,
			       uint16_t *tag);

/* Named entries sealed; gaps do not count. */
size_t symbol_table__count(const struct symbol_table *t);
/* Bytes the sealed entries and their names hold, for memory accounting. */
size_t symbol_table__size(const struct symbol_table *t);

#endif
