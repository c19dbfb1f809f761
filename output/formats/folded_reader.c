// SPDX-License-Identifier: GPL-2.0-only
/*
 * Files we write are sorted, so neighbouring lines share long prefixes: the reader keeps the
 * previous line's frames and interns only the frames after the shared prefix.
 */
#include "folded_reader.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "profile.h"

struct frame_text {
	const char *start;
	size_t len;
};

struct folded_reader {
	struct profile *prof;
	struct frame_text *prev; /* frames of the previous good line (comm excluded) */
	uint32_t *prev_ids;
	size_t nr_prev;
	struct frame_text *cur;
	uint32_t *ids;
	size_t cap; /* of each of prev, prev_ids, cur and ids */
	char *name; /* a frame name being copied out, NUL-terminated */
	size_t name_cap;
};

/* Grows the four frame arrays together, so that swapping them keeps one capacity. */
static int reserve_frames(struct folded_reader *r, size_t need)
{
	void **arrays[] = { (void **)&r->prev, (void **)&r->prev_ids, (void **)&r->cur,
			    (void **)&r->ids };
	size_t sizes[] = { sizeof(*r->prev), sizeof(*r->prev_ids), sizeof(*r->cur),
			   sizeof(*r->ids) };
	size_t cap = r->cap ? r->cap : 64;

	if (need <= r->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	for (size_t i = 0; i < 4; i++) {
		void *p = realloc(*arrays[i], cap * sizes[i]);

		if (!p)
			return -ENOMEM;
		*arrays[i] = p;
	}
	r->cap = cap;
	return 0;
}

static const struct {
	const char *suffix;
	enum frame_kind kind;
} annotations[] = {
	{ "_[k]", FRAME_KERNEL },
	{ "_[i]", FRAME_INLINE },
	{ "_[j]", FRAME_JIT },
	{ "_[p]", FRAME_PYTHON },
};

/* Parses the count at the end of @line; *@stack_len receives the length before it. */
static int parse_count(const char *line, size_t len, size_t *stack_len, uint64_t *count)
{
	size_t i = len;
	uint64_t v = 0;

	while (i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9')
		i--;
	if (i == len || i == 0 || (line[i - 1] != ' ' && line[i - 1] != '\t') || len - i > 19)
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

/* Splits @stack on ';' into r->cur; returns the number of parts or -EINVAL for an empty one. */
static int64_t split_frames(struct folded_reader *r, const char *stack, size_t len)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && stack[i] != ';')
			continue;
		if (i == start)
			return -EINVAL;
		if (reserve_frames(r, n + 1))
			return -ENOMEM;
		r->cur[n++] = (struct frame_text){ stack + start, i - start };
		start = i + 1;
	}
	return n;
}

static int64_t intern_frame(struct folded_reader *r, const struct frame_text *t)
{
	struct profile_frame frame = { .kind = FRAME_USER };
	size_t len = t->len;

	for (size_t i = 0; i < sizeof(annotations) / sizeof(annotations[0]); i++) {
		size_t n = strlen(annotations[i].suffix);

		if (len > n && !memcmp(t->start + len - n, annotations[i].suffix, n)) {
			frame.kind = annotations[i].kind;
			len -= n;
			break;
		}
	}
	if (array__reserve(&r->name, &r->name_cap, len + 1, 1))
		return -ENOMEM;
	memcpy(r->name, t->start, len);
	r->name[len] = '\0';
	frame.func = r->name;
	return profile__intern_frame(r->prof, &frame);
}

static bool same_text(const struct frame_text *a, const struct frame_text *b)
{
	return a->len == b->len && !memcmp(a->start, b->start, a->len);
}

/* Adds one line; -EINVAL when it is malformed. */
static int read_line(struct folded_reader *r, const char *line, size_t len, uint64_t *count)
{
	struct profile_labels labels = { 0 };
	size_t stack_len, depth, shared = 0;
	int64_t n, id;
	void *swap;
	int err;

	if (parse_count(line, len, &stack_len, count))
		return -EINVAL;
	n = split_frames(r, line, stack_len);
	if (n < 0)
		return n;
	depth = n - 1; /* the first part is the process name */
	while (shared < depth && shared < r->nr_prev &&
	       same_text(&r->cur[shared + 1], &r->prev[shared]))
		shared++;
	memcpy(r->ids, r->prev_ids, shared * sizeof(*r->ids));
	for (size_t i = shared; i < depth; i++) {
		id = intern_frame(r, &r->cur[i + 1]);
		if (id < 0)
			return id;
		r->ids[i] = id;
	}
	if (array__reserve(&r->name, &r->name_cap, r->cur[0].len + 1, 1))
		return -ENOMEM;
	memcpy(r->name, r->cur[0].start, r->cur[0].len);
	r->name[r->cur[0].len] = '\0';
	labels.comm = r->name;
	err = profile__add_sample(r->prof, r->ids, depth, &labels, *count);
	if (err)
		return err == -EINVAL ? -ENOMEM : err; /* the line was fine: the model failed */
	/* This line's frames become the prefix to compare the next one with. */
	memmove(r->cur, r->cur + 1, depth * sizeof(*r->cur));
	swap = r->prev;
	r->prev = r->cur;
	r->cur = swap;
	swap = r->prev_ids;
	r->prev_ids = r->ids;
	r->ids = swap;
	r->nr_prev = depth;
	return 0;
}

int folded__read(const char *data, size_t len, struct profile *prof,
		 struct folded_read_stats *stats)
{
	struct folded_reader r = { .prof = prof };
	const char *p = data, *end = data + len;
	uint64_t good = 0, count, lineno = 0;
	int err = 0;

	memset(stats, 0, sizeof(*stats));
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *next = nl ? nl + 1 : end;
		size_t n = (nl ? nl : end) - p;

		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n) {
			stats->lines++;
			err = read_line(&r, p, n, &count);
			if (err == -EINVAL) {
				stats->malformed++;
				if (!stats->first_bad)
					stats->first_bad = lineno;
				err = 0;
			} else if (err) {
				break;
			} else {
				good++;
				stats->samples += count;
			}
		}
		p = next;
	}
	free(r.prev);
	free(r.prev_ids);
	free(r.cur);
	free(r.ids);
	free(r.name);
	if (!err && !good)
		err = -EINVAL;
	return err;
}

int folded__sniff(const char *data, size_t len)
{
	size_t n = len < 4096 ? len : 4096;

	if (n >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b)
		return 0; /* gzip: pprof */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = data[i];

		/* Folded text is printable, apart from tabs, newlines and UTF-8. */
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
			return 0;
	}
	return n > 0;
}
