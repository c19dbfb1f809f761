// SPDX-License-Identifier: GPL-2.0-only
#include "python_codes.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hash_table.h"
#include "proc_mem.h"
#include "python_lines.h"

/* A code object of a process, as the walker's stacks name it. */
struct code_key {
	uint32_t tgid;
	uint32_t check;
	uint64_t code;
};

struct code_entry {
	struct code_key key;
	struct python_code names; /* strings and table in one allocation: names.qualname */
};

struct python_codes {
	struct hash_table *index; /* into entries */
	struct code_entry *entries;
	size_t nentries, cap;
	size_t bytes, budget;
	struct python_codes_stats stats;
};

static bool entry_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct python_codes *pc = ctx;
	const struct code_key *e = &pc->entries[id].key, *k = key;

	return e->tgid == k->tgid && e->code == k->code && e->check == k->check;
}

static uint64_t key_hash(const struct code_key *k)
{
	return hash__final(
		hash__u64(hash__u64(HASH_SEED, k->code), (uint64_t)k->tgid << 32 | k->check));
}

struct python_codes *python_codes__new(size_t budget)
{
	struct python_codes *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return NULL;
	pc->budget = budget ? budget : PYTHON_CODES_BUDGET;
	pc->index = hash_table__new(entry_eq, pc);
	if (!pc->index) {
		free(pc);
		return NULL;
	}
	return pc;
}

static void free_entries(struct python_codes *pc)
{
	for (size_t i = 0; i < pc->nentries; i++)
		free((void *)pc->entries[i].names.qualname);
	pc->nentries = 0;
	pc->bytes = 0;
}

void python_codes__free(struct python_codes *pc)
{
	if (!pc)
		return;
	free_entries(pc);
	free(pc->entries);
	hash_table__free(pc->index);
	free(pc);
}

static bool read_word(uint32_t pid, uint64_t addr, uint64_t *val)
{
	return proc_mem__read(pid, addr, val, sizeof(*val));
}

/* Appends code point @cp as UTF-8 (U+FFFD for a surrogate or one past U+10FFFF). */
static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = 0xc0 | cp >> 6;
		out[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if ((cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x10000) {
		out[0] = 0xe0 | cp >> 12;
		out[1] = 0x80 | ((cp >> 6) & 0x3f);
		out[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | cp >> 18;
	out[1] = 0x80 | ((cp >> 12) & 0x3f);
	out[2] = 0x80 | ((cp >> 6) & 0x3f);
	out[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/*
 * Reads the str object at @addr into @out (PYTHON_NAME_MAX bytes and a NUL) as UTF-8, at most
 * PYTHON_NAME_MAX bytes of it. Only compact strings (every identifier and file name the
 * compiler makes): anything else is refused. Returns the length or -1.
 */
static int read_str(uint32_t pid, const struct python_layout *l, uint64_t addr, char *out)
{
	uint8_t raw[PYTHON_NAME_MAX * 4];
	uint64_t length;
	uint32_t state, kind, cp;
	size_t n = 0, chars, data;

	if (!addr || !read_word(pid, addr + l->str_length, &length) ||
	    !proc_mem__read(pid, addr + l->str_state, &state, sizeof(state)))
		return -1;
	kind = PYTHON_STR_KIND(state);
	if (!PYTHON_STR_COMPACT(state) || (kind != 1 && kind != 2 && kind != 4))
		return -1;
	chars = length < PYTHON_NAME_MAX / 4 ? length : PYTHON_NAME_MAX / 4;
	if (PYTHON_STR_ASCII(state))
		chars = length < PYTHON_NAME_MAX ? length : PYTHON_NAME_MAX;
	data = PYTHON_STR_ASCII(state) ? l->str_ascii_data : l->str_compact_data;
	if (!proc_mem__read(pid, addr + data, raw, chars * kind))
		return -1;
	for (size_t i = 0; i < chars; i++) {
		cp = kind == 1 ? raw[i] : kind == 2 ? ((uint16_t *)raw)[i] : ((uint32_t *)raw)[i];
		/* ASCII strings hold nothing else; anything else says this is not a str. */
		if (PYTHON_STR_ASCII(state) && cp >= 0x80)
			return -1;
		n += put_utf8(out + n, cp);
	}
	out[n] = '\0';
	return n;
}

/* Reads the line table (a bytes object at @addr) into a malloc'ed copy; NULL for none. */
static uint8_t *read_linetable(uint32_t pid, const struct python_layout *l, uint64_t addr,
			       size_t *len)
{
	uint64_t size;
	uint8_t *table;

	*len = 0;
	if (!addr || !read_word(pid, addr + l->bytes_size, &size) || size > PYTHON_LINETABLE_MAX)
		return NULL;
	table = malloc(size ? size : 1);
	if (!table)
		return NULL;
	if (!proc_mem__read(pid, addr + l->bytes_data, table, size)) {
		free(table);
		return NULL;
	}
	*len = size;
	return table;
}

int python_codes__read_ref(uint32_t tgid, uint64_t code, const struct python_layout *l,
			   struct python_code_ref *ref)
{
	ref->code = code;
	if (!proc_mem__read(tgid, code + l->code_first_line, &ref->first_line,
			    sizeof(ref->first_line)) ||
	    !read_word(tgid, code + l->code_filename, &ref->filename) ||
	    !read_word(tgid, code + l->code_qualname, &ref->qualname) ||
	    !read_word(tgid, code + l->code_linetable, &ref->linetable))
		return -ESRCH;
	return 0;
}

/* Reads the names @ref points at in @tgid into @e. Returns their size or -errno. */
static int read_names(uint32_t tgid, const struct python_code_ref *ref,
		      const struct python_layout *l, struct code_entry *e)
{
	char qualname[PYTHON_NAME_MAX * 4 + 1], filename[PYTHON_NAME_MAX * 4 + 1];
	int qlen = read_str(tgid, l, ref->qualname, qualname);
	int flen = read_str(tgid, l, ref->filename, filename);
	uint8_t *table;
	size_t tlen;
	char *mem;

	if (qlen < 0 || flen < 0)
		return -EINVAL;
	table = read_linetable(tgid, l, ref->linetable, &tlen);
	mem = malloc(qlen + 1 + flen + 1 + tlen);
	if (!mem) {
		free(table);
		return -ENOMEM;
	}
	memcpy(mem, qualname, qlen + 1);
	memcpy(mem + qlen + 1, filename, flen + 1);
	if (table)
		memcpy(mem + qlen + flen + 2, table, tlen);
	free(table);
	e->names = (struct python_code){
		.qualname = mem,
		.filename = mem + qlen + 1,
		.linetable = table ? (const uint8_t *)mem + qlen + flen + 2 : NULL,
		.linetable_len = tlen,
		.first_line = ref->first_line,
		.layout = l,
	};
	return qlen + flen + 2 + tlen;
}

/* Empties the cache, keeping its arrays. */
static int reset(struct python_codes *pc)
{
	struct hash_table *index = hash_table__new(entry_eq, pc);

	if (!index)
		return -ENOMEM;
	hash_table__free(pc->index);
	pc->index = index;
	free_entries(pc);
	pc->stats.resets++;
	return 0;
}

const struct python_code *python_codes__find(struct python_codes *pc, uint32_t tgid, uint64_t code,
					     uint32_t check)
{
	struct code_key k = { .tgid = tgid, .check = check, .code = code };
	int64_t id = hash_table__find(pc->index, key_hash(&k), &k);

	return id >= 0 ? &pc->entries[id].names : NULL;
}

const struct python_code *python_codes__add(struct python_codes *pc, uint32_t tgid, uint32_t check,
					    const struct python_code_ref *ref,
					    const struct python_layout *layout)
{
	struct code_key k = { .tgid = tgid, .check = check, .code = ref->code };
	uint64_t hash = key_hash(&k);
	int64_t id = hash_table__find(pc->index, hash, &k);
	struct code_entry e = { .key = k };
	int size;

	if (id >= 0)
		return &pc->entries[id].names;
	size = read_names(tgid, ref, layout, &e);
	if (size < 0) {
		pc->stats.failed++;
		return NULL;
	}
	pc->stats.read++;
	if ((pc->bytes + size > pc->budget && reset(pc)) ||
	    array__reserve(&pc->entries, &pc->cap, pc->nentries + 1, sizeof(*pc->entries)) ||
	    hash_table__insert(pc->index, hash, pc->nentries)) {
		free((void *)e.names.qualname);
		return NULL;
	}
	pc->entries[pc->nentries] = e;
	pc->bytes += size;
	return &pc->entries[pc->nentries++].names;
}

unsigned int python_code__line(const struct python_code *code, uint32_t offset)
{
	const struct python_layout *l = code->layout;
	uint32_t unit;
	int line;

	if (!code->linetable || offset == UINT32_MAX)
		return 0;
	/* A 3.11 or 3.12 frame that has not started points one unit before its code. */
	if (offset < l->code_adaptive)
		return code->first_line > 0 ? code->first_line : 0;
	unit = (offset - l->code_adaptive) / 2;
	line = python_lines__line(code->linetable, code->linetable_len, code->first_line, unit,
				  l->minor);
	return line > 0 ? line : 0;
}

void python_codes__stats(const struct python_codes *pc, struct python_codes_stats *stats)
{
	*stats = pc->stats;
	stats->bytes = pc->bytes;
}
