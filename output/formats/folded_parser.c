// SPDX-License-Identifier: GPL-2.0-only
/*
 * A name is hashed only where it is not the same as the previous line's frame at that
 * depth: files we write are sorted, so neighbouring lines share long prefixes.
 */
#include "folded_parser.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "folded.h"
#include "hash_table.h"

/* Longest count: 19 digits always fit in 64 bits. */
#define FOLDED_COUNT_DIGITS_MAX 19

static bool folded_name__eq_text(const struct folded_name *a, const char *text, size_t len,
				 uint8_t kind)
{
	return a->len == len && a->kind == kind && !memcmp(a->text, text, len);
}

static bool folded_parser__name_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct folded_parser *p = ctx;
	const struct folded_name *k = key;

	return folded_name__eq_text(&p->names[id], k->text, k->len, k->kind);
}

int folded_parser__init(struct folded_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->index = hash_table__new(folded_parser__name_eq, p);
	return p->index ? 0 : -ENOMEM;
}

void folded_parser__free(struct folded_parser *p)
{
	for (size_t i = 0; i < p->nr_comms; i++)
		free(p->comms[i]);
	free(p->comms);
	free(p->names);
	free(p->resolved);
	hash_table__free(p->index);
	free(p->ids);
	free(p->lines);
	free(p->cur);
	free(p->prev);
	free(p->prev_ids);
}

/* Grows the three per-frame scratch arrays together. */
static int folded_parser__reserve_frames(struct folded_parser *p, size_t need)
{
	size_t cap = p->frames_cap;

	if (need <= cap)
		return 0;
	if (array__reserve(&p->cur, &cap, need, sizeof(*p->cur)))
		return -ENOMEM;
	cap = p->frames_cap;
	if (array__reserve(&p->prev, &cap, need, sizeof(*p->prev)))
		return -ENOMEM;
	cap = p->frames_cap;
	if (array__reserve(&p->prev_ids, &cap, need, sizeof(*p->prev_ids)))
		return -ENOMEM;
	p->frames_cap = cap;
	return 0;
}

/* Parses the count at the end of @line; *@stack_len receives the length before it. */
static int parse_count(const char *line, size_t len, size_t *stack_len, uint64_t *count)
{
	size_t i = len;
	uint64_t v = 0;

	while (i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9')
		i--;
	if (i == len || i == 0 || (line[i - 1] != ' ' && line[i - 1] != '\t') ||
	    len - i > FOLDED_COUNT_DIGITS_MAX)
		return -EINVAL;
	for (size_t j = i; j < len; j++)
		v = v * 10 + (line[j] - '0');
	if (!v)
		return -EINVAL;
	*count = v;
	/* The stack ends before the blanks that precede the count. */
	while (i > 0 && (line[i - 1] == ' ' || line[i - 1] == '\t'))
		i--;
	*stack_len = i;
	return 0;
}

/*
 * Splits @stack on ';' into p->cur; returns the number of parts, -EINVAL for an empty one,
 * -E2BIG past what a profile holds.
 */
static int64_t split_frames(struct folded_parser *p, const char *stack, size_t len)
{
	const char *at = stack, *end = stack + len;
	size_t n = 0;

	for (;;) {
		const char *semi = memchr(at, ';', end - at);
		const char *stop = semi ? semi : end;

		if (stop == at)
			return -EINVAL;
		/* Names and stacks are sized in 32 bits, as the profile's are. */
		if ((size_t)(stop - at) > UINT32_MAX - 1 || n >= UINT32_MAX / sizeof(uint32_t))
			return -E2BIG;
		if (folded_parser__reserve_frames(p, n + 1))
			return -ENOMEM;
		p->cur[n++] = (struct folded_name){ at, stop - at, FRAME_USER };
		if (!semi)
			return n;
		at = semi + 1;
	}
}

/* The annotations folded__write() gives frame kinds: "name_[k]" and the like. */
static void strip_annotation(struct folded_name *f)
{
	/* Most names have none: one byte tells. */
	if (!f->len || f->text[f->len - 1] != ']')
		return;
	for (int kind = 0; kind < FRAME_KIND_COUNT; kind++) {
		const char *suffix = folded__kind_suffix(kind);
		size_t n = strlen(suffix);

		if (n && f->len > n && !memcmp(f->text + f->len - n, suffix, n)) {
			f->kind = kind;
			f->len -= n;
			return;
		}
	}
}

/* The local id of @name, added when new. Returns it or -errno. */
static int64_t folded_parser__intern(struct folded_parser *p, const struct folded_name *name)
{
	uint64_t hash = hash__final(hash__bytes(HASH_SEED + name->kind, name->text, name->len));
	int64_t id = hash_table__find(p->index, hash, name);
	int err;

	if (id >= 0)
		return id;
	if (p->nr_names > HASH_TABLE_MAX_VALUE)
		return -E2BIG;
	if (array__reserve(&p->names, &p->names_cap, p->nr_names + 1, sizeof(*p->names)))
		return -ENOMEM;
	p->names[p->nr_names] = *name;
	err = hash_table__insert(p->index, hash, p->nr_names);
	if (err)
		return err;
	return p->nr_names++;
}

/* Adds one line to the part; -EINVAL when it is malformed, and nothing is kept of it. */
static int folded_parser__line(struct folded_parser *p, const char *line, size_t len)
{
	struct folded_line *out;
	size_t stack_len, depth, shared = 0, first;
	uint64_t count;
	int64_t n, id;

	if (parse_count(line, len, &stack_len, &count))
		return -EINVAL;
	n = split_frames(p, line, stack_len);
	if (n < 0)
		return n;
	depth = n - 1; /* the first part is the process name */
	if (array__reserve(&p->lines, &p->lines_cap, p->nr_lines + 1, sizeof(*p->lines)) ||
	    array__reserve(&p->ids, &p->ids_cap, p->nr_ids + n, sizeof(*p->ids)))
		return -ENOMEM;
	first = p->nr_ids;
	p->cur[0].kind = FOLDED_KIND_COMM;
	id = folded_parser__intern(p, &p->cur[0]);
	if (id < 0)
		return id;
	p->ids[first] = id;
	while (shared < depth && shared < p->nr_prev &&
	       p->cur[shared + 1].len == p->prev[shared].len &&
	       !memcmp(p->cur[shared + 1].text, p->prev[shared].text, p->prev[shared].len))
		shared++;
	memcpy(p->ids + first + 1, p->prev_ids, shared * sizeof(*p->ids));
	for (size_t i = shared; i < depth; i++) {
		struct folded_name name = p->cur[i + 1];

		strip_annotation(&name);
		id = folded_parser__intern(p, &name);
		if (id < 0)
			return id;
		p->ids[first + 1 + i] = id;
	}
	p->nr_ids += n;
	out = &p->lines[p->nr_lines++];
	*out = (struct folded_line){ .first = first, .depth = depth, .count = count };
	/* This line's frames (as written) become the prefix to compare the next one with. */
	memcpy(p->prev, p->cur + 1, depth * sizeof(*p->prev));
	memcpy(p->prev_ids, p->ids + first + 1, depth * sizeof(*p->prev_ids));
	p->nr_prev = depth;
	return 0;
}

void folded_parser__parse(struct folded_parser *p, const char *data, size_t len)
{
	const char *at = data, *end = data + len;
	int err;

	p->nr_ids = p->nr_lines = 0;
	p->text_lines = p->nonempty = p->malformed = p->first_bad = 0;
	p->nr_prev = 0;
	p->err = 0;
	while (at < end) {
		const char *nl = memchr(at, '\n', end - at);
		const char *next = nl ? nl + 1 : end;
		size_t n = (nl ? nl : end) - at;

		p->text_lines++;
		if (n && at[n - 1] == '\r')
			n--;
		if (n) {
			p->nonempty++;
			err = folded_parser__line(p, at, n);
			if (err == -EINVAL) {
				p->malformed++;
				if (!p->first_bad)
					p->first_bad = p->text_lines;
			} else if (err) {
				p->err = err;
				return;
			}
		}
		at = next;
	}
}
