// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lines are built as sequences of name ids, not text: every frame's folded name ("func_[k]")
 * is interned once, a line is the comm's name id followed by the frames' name ids, and equal
 * sequences are merged in a hash table. Memory is 4 bytes per frame of each distinct line
 * rather than its text, and two stacks that differ only in addresses or line numbers meet in
 * one line, as their text does.
 */
#include "folded.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "array.h"
#include "hash_table.h"
#include "profile.h"
#include "string_pool.h"
#include "utf8.h"

#define FOLDED_UNKNOWN "[unknown]"
/* pprof's counts are int64, and readers (ours too) take at most 19 digits. */
#define FOLDED_MAX_COUNT INT64_MAX

struct folded_line {
	const uint32_t *names; /* name ids, comm first; in the writer's arena */
	uint32_t len;
	uint64_t count;
};

/* A name as the sort and the output read it: no calls into the pool in the hot loops. */
struct folded_name {
	const char *str;
	size_t len;
};

struct folded_writer {
	const struct profile *prof;
	struct string_pool *names;     /* sanitised, annotated names */
	struct folded_name *name_list; /* by name id, filled once every name is interned */
	uint32_t *frame_names;	       /* frame id -> name id */
	struct arena *arena;
	struct folded_line *lines;
	size_t nr_lines;
	size_t lines_cap;
	struct hash_table *line_index;
	uint32_t *ids; /* the line being looked up */
	size_t ids_cap;
	char *text; /* a name being sanitised, or a line being written */
	size_t text_cap;
	char *utf8; /* a name made valid UTF-8, before the rest of sanitising */
	size_t utf8_cap;
};

struct line_key {
	const uint32_t *names;
	size_t len;
};

static const char *const kind_suffix[FRAME_KIND_COUNT] = {
	[FRAME_USER] = "",	 [FRAME_KERNEL] = "_[k]", [FRAME_JIT] = "_[j]",
	[FRAME_INLINE] = "_[i]", [FRAME_PYTHON] = "_[p]",
};

const char *folded__kind_suffix(enum frame_kind kind)
{
	return kind_suffix[kind];
}

static bool folded__line_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct folded_writer *w = ctx;
	const struct folded_line *line = &w->lines[id];
	const struct line_key *k = key;

	return line->len == k->len &&
	       memcmp(line->names, k->names, k->len * sizeof(*k->names)) == 0;
}

/*
 * Interns @name as it appears in a folded line: bytes that are not UTF-8 (a process may
 * name itself anything) become U+FFFD, as in pprof and SVG; ';' would split the frame and
 * control characters (a newline above all) would split the line, so both become '_'; an empty name
 * becomes "[unknown]". A frame (@is_frame; not the process name) is kept from reading back
 * as another kind. Returns the name id or -errno.
 */
static int64_t folded__intern_name(struct folded_writer *w, const char *name, const char *suffix,
				   bool is_frame)
{
	size_t len = strlen(name), slen = strlen(suffix), i;
	unsigned char c;
	int64_t valid;
	int err;

	if (!len) {
		name = FOLDED_UNKNOWN;
		len = strlen(FOLDED_UNKNOWN);
	}
	if (utf8__valid_len(name, len) < len) {
		valid = utf8__sanitize(name, len, &w->utf8, &w->utf8_cap);
		if (valid < 0)
			return valid;
		name = w->utf8;
		len = valid;
	}
	err = array__reserve(&w->text, &w->text_cap, len + slen, 1);
	if (err)
		return err;
	for (i = 0; i < len; i++) {
		c = name[i];
		w->text[i] = (c == ';' || c < 0x20 || c == 0x7f) ? '_' : c;
	}
	/* Blanks before the count belong to the separator when read back: keep them inside. */
	for (i = len; i > 0 && w->text[i - 1] == ' '; i--)
		w->text[i - 1] = '_';
	/* A user frame must not end like an annotation, or it reads back as another kind. */
	if (is_frame && !slen && len >= 4 && !memcmp(w->text + len - 4, "_[", 2) &&
	    strchr("kijp", w->text[len - 2]) && w->text[len - 1] == ']')
		w->text[len - 4] = '-';
	memcpy(w->text + len, suffix, slen);
	return string_pool__intern(w->names, w->text, len + slen);
}

static int folded__name_frames(struct folded_writer *w)
{
	size_t nr = profile__frame_count(w->prof), i;
	const struct profile_frame *frame;
	int64_t id;

	if (!nr)
		return 0;
	w->frame_names = calloc(nr, sizeof(*w->frame_names));
	if (!w->frame_names)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		frame = profile__frame(w->prof, i);
		id = folded__intern_name(w, frame->func, kind_suffix[frame->kind], true);
		if (id < 0)
			return id;
		w->frame_names[i] = id;
	}
	return 0;
}

static int folded__add_sample(struct folded_writer *w, const struct profile_sample *sample)
{
	struct line_key key;
	struct folded_line *line;
	uint32_t *names;
	uint64_t hash;
	int64_t id;
	size_t i;
	int err;

	if (sample->depth >= UINT32_MAX)
		return -E2BIG;
	err = array__reserve(&w->ids, &w->ids_cap, sample->depth + 1, sizeof(*w->ids));
	if (err)
		return err;
	id = folded__intern_name(w, sample->labels.comm, "", false);
	if (id < 0)
		return id;
	w->ids[0] = id;
	for (i = 0; i < sample->depth; i++)
		w->ids[i + 1] = w->frame_names[sample->frames[i]];

	key.names = w->ids;
	key.len = sample->depth + 1;
	hash = hash__final(hash__bytes(HASH_SEED, key.names, key.len * sizeof(*key.names)));
	id = hash_table__find(w->line_index, hash, &key);
	if (id >= 0) {
		w->lines[id].count += sample->count;
		return 0;
	}

	err = array__reserve(&w->lines, &w->lines_cap, w->nr_lines + 1, sizeof(*w->lines));
	if (err)
		return err;
	names = arena__alloc(w->arena, key.len * sizeof(*names), _Alignof(uint32_t));
	if (!names)
		return -ENOMEM;
	memcpy(names, key.names, key.len * sizeof(*names));
	line = &w->lines[w->nr_lines];
	line->names = names;
	line->len = key.len;
	line->count = sample->count;
	err = hash_table__insert(w->line_index, hash, w->nr_lines);
	if (err)
		return err;
	w->nr_lines++;
	return 0;
}

static int folded__list_names(struct folded_writer *w)
{
	size_t nr = string_pool__count(w->names), i;

	if (!nr)
		return 0;
	w->name_list = malloc(nr * sizeof(*w->name_list));
	if (!w->name_list)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		w->name_list[i].str = string_pool__str(w->names, i);
		w->name_list[i].len = string_pool__len(w->names, i);
	}
	return 0;
}

/*
 * Orders lines as their text "a;b;c" would sort bytewise, without building the text. Up to
 * the first differing name id the texts are equal (ids are interned names); there the names
 * differ, and if one is a prefix of the other, its next character (';' or the end of the
 * line) is what meets the longer name's next character. Names never contain ';'.
 */
static int folded__line_cmp(const void *a, const void *b, void *ctx)
{
	const struct folded_line *x = a, *y = b;
	const struct folded_name *names = ctx;
	size_t n = x->len < y->len ? x->len : y->len, i, lx, ly;
	const char *sx, *sy;
	int cx, cy, c;

	for (i = 0; i < n && x->names[i] == y->names[i]; i++)
		;
	if (i == n)
		return (x->len > y->len) - (x->len < y->len);

	sx = names[x->names[i]].str;
	sy = names[y->names[i]].str;
	lx = names[x->names[i]].len;
	ly = names[y->names[i]].len;
	c = memcmp(sx, sy, lx < ly ? lx : ly);
	if (c)
		return c;
	/* -1: the end of the line, which sorts before any character. */
	if (lx < ly) {
		cx = i + 1 < x->len ? ';' : -1;
		cy = (unsigned char)sy[lx];
	} else {
		cx = (unsigned char)sx[ly];
		cy = i + 1 < y->len ? ';' : -1;
	}
	return (cx > cy) - (cx < cy);
}

static int folded__write_line(struct folded_writer *w, const struct folded_line *line,
			      uint64_t count, FILE *out)
{
	const struct folded_name *name;
	size_t len = 0, need, clen, i;
	char count_text[24];
	int err;

	clen = snprintf(count_text, sizeof(count_text), " %" PRIu64 "\n", count);
	need = clen;
	for (i = 0; i < line->len; i++)
		need += w->name_list[line->names[i]].len + 1;
	err = array__reserve(&w->text, &w->text_cap, need, 1);
	if (err)
		return err;
	for (i = 0; i < line->len; i++) {
		if (i)
			w->text[len++] = ';';
		name = &w->name_list[line->names[i]];
		memcpy(w->text + len, name->str, name->len);
		len += name->len;
	}
	memcpy(w->text + len, count_text, clen);
	len += clen;
	if (fwrite(w->text, 1, len, out) != len)
		return -EIO;
	return 0;
}

static void folded__writer_release(struct folded_writer *w)
{
	hash_table__free(w->line_index);
	arena__free(w->arena);
	string_pool__free(w->names);
	free(w->frame_names);
	free(w->name_list);
	free(w->lines);
	free(w->ids);
	free(w->text);
	free(w->utf8);
}

int folded__write(const struct profile *prof, FILE *out)
{
	struct folded_writer w = { .prof = prof };
	size_t nr = profile__sample_count(prof), i;
	int err = -ENOMEM;

	w.names = string_pool__new();
	w.arena = arena__new();
	w.line_index = hash_table__new(folded__line_eq, &w);
	if (!w.names || !w.arena || !w.line_index)
		goto out_release;

	err = folded__name_frames(&w);
	for (i = 0; !err && i < nr; i++)
		err = folded__add_sample(&w, profile__sample(prof, i));
	if (err)
		goto out_release;

	err = folded__list_names(&w);
	if (err)
		goto out_release;
	if (w.nr_lines)
		qsort_r(w.lines, w.nr_lines, sizeof(*w.lines), folded__line_cmp, w.name_list);
	for (i = 0; !err && i < w.nr_lines; i++) {
		/* A larger count (merged samples) goes as several lines, which readers add up. */
		uint64_t left = w.lines[i].count, part;

		do {
			part = left < FOLDED_MAX_COUNT ? left : FOLDED_MAX_COUNT;
			err = folded__write_line(&w, &w.lines[i], part, out);
			left -= part;
		} while (!err && left);
	}
	/* Also catches errors from writes stdio buffered before we were called. */
	if (fflush(out) == EOF || ferror(out))
		err = -EIO;

out_release:
	folded__writer_release(&w);
	return err;
}
