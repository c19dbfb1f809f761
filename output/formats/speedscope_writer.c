// SPDX-License-Identifier: GPL-2.0-only
/*
 * What speedscope does with the file (jlfwong/speedscope src/lib/file-format.ts,
 * importSpeedscopeProfiles/importSampledProfile): a frame's identity is its index in
 * shared.frames, each profile's samples[i] is a stack of indexes root first added with
 * weights[i], and the unit picks how values are shown (ns as time, "none" as plain numbers).
 *
 * Frames are merged as the SVG merges its boxes and as speedscope's own pprof importer keys
 * functions (src/import/pprof.ts: by name, file and start line, never by address): one entry
 * per (name, file), so a function
 * sampled at many addresses or lines is one row in the Sandwich view, one box per parent in
 * the flame chart. The name is the folded one, kind included ("vfs_read_[k]"), since
 * speedscope colours and searches by name; the file is the source file, or else the binary
 * (as its perf importer does, src/import/linux-tools-perf.ts); the line the smallest sampled,
 * nearest the function's start. Strings go out through json__write_string(): valid UTF-8,
 * escaped.
 *
 * Memory beyond the profile: the merged frames, the samples' order by process, and one
 * process's distinct stacks at a time; the JSON goes straight to the stream.
 */
#include "speedscope_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "array.h"
#include "folded.h"
#include "hash_table.h"
#include "json.h"
#include "profile.h"
#include "string_pool.h"

#ifndef BPFPROF_VERSION
#define BPFPROF_VERSION "unknown"
#endif

#define SPEEDSCOPE_SCHEMA "https://www.speedscope.app/file-format-schema.json"
/* The spec's recommended form, "name@version". */
#define SPEEDSCOPE_EXPORTER "bpfprof@" BPFPROF_VERSION
#define SPEEDSCOPE_UNKNOWN "[unknown]"
#define SPEEDSCOPE_NO_FILE UINT32_MAX

struct ss_frame {
	uint32_t name; /* ids in speedscope_writer.strings, valid UTF-8 */
	uint32_t file; /* SPEEDSCOPE_NO_FILE for none */
	unsigned int line;
};

struct ss_stack {
	const uint32_t *frames; /* ss_frame ids, root first; in the process's arena */
	uint32_t depth;
	uint64_t weight;
};

struct ss_key {
	const void *ids;
	size_t len;
};

struct speedscope_writer {
	const struct profile *prof;
	FILE *out;
	struct string_pool *strings;
	struct ss_frame *frames;
	size_t nr_frames, frames_cap;
	struct hash_table *frame_index; /* (name, file) -> ss_frame */
	uint32_t *frame_map;		/* model frame id -> ss_frame id */
	/* One process at a time. */
	struct ss_stack *stacks;
	size_t nr_stacks, stacks_cap;
	struct hash_table *stack_index;
	struct arena *arena;
	uint32_t *ids; /* the stack being looked up */
	size_t ids_cap;
	char *text; /* a name being built */
	size_t text_cap;
};

static bool ss_frame_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct speedscope_writer *w = ctx;
	const struct ss_frame *k = key;

	return w->frames[id].name == k->name && w->frames[id].file == k->file;
}

static bool ss_stack_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct speedscope_writer *w = ctx;
	const struct ss_stack *stack = &w->stacks[id];
	const struct ss_key *k = key;

	return stack->depth == k->len && !memcmp(stack->frames, k->ids, k->len * sizeof(uint32_t));
}

/* Interns @s followed by @suffix. Returns the id or -errno. */
static int64_t ss_intern(struct speedscope_writer *w, const char *s, const char *suffix)
{
	size_t len = strlen(s), slen = strlen(suffix);

	if (!slen)
		return string_pool__intern(w->strings, s, len);
	if (array__reserve(&w->text, &w->text_cap, len + slen, 1))
		return -ENOMEM;
	memcpy(w->text, s, len);
	memcpy(w->text + len, suffix, slen);
	return string_pool__intern(w->strings, w->text, len + slen);
}

/* Writes string @id as JSON: valid UTF-8 (U+FFFD for other bytes), escaped. */
static void ss_put_string(struct speedscope_writer *w, uint32_t id)
{
	json__write_string(w->out, string_pool__str(w->strings, id),
			   string_pool__len(w->strings, id));
}

static int64_t ss_add_frame(struct speedscope_writer *w, const struct profile_frame *frame)
{
	const char *file = frame->file ? frame->file : frame->module;
	struct ss_frame key = { .file = SPEEDSCOPE_NO_FILE };
	uint64_t hash;
	int64_t id;
	int err;

	id = ss_intern(w, frame->func[0] ? frame->func : SPEEDSCOPE_UNKNOWN,
		       folded__kind_suffix(frame->kind));
	if (id < 0)
		return id;
	key.name = id;
	if (file && file[0]) {
		id = ss_intern(w, file, "");
		if (id < 0)
			return id;
		key.file = id;
	}
	hash = hash__final(hash__u64(hash__u64(HASH_SEED, key.name), key.file));
	id = hash_table__find(w->frame_index, hash, &key);
	if (id >= 0) {
		struct ss_frame *f = &w->frames[id];

		if (frame->file && frame->line && (!f->line || frame->line < f->line))
			f->line = frame->line;
		return id;
	}
	err = array__reserve(&w->frames, &w->frames_cap, w->nr_frames + 1, sizeof(*w->frames));
	if (err)
		return err;
	key.line = frame->file ? frame->line : 0;
	w->frames[w->nr_frames] = key;
	err = hash_table__insert(w->frame_index, hash, w->nr_frames);
	if (err)
		return err;
	return w->nr_frames++;
}

static int ss_map_frames(struct speedscope_writer *w)
{
	size_t nr = profile__frame_count(w->prof), i;
	int64_t id;

	w->frame_map = calloc(nr ? nr : 1, sizeof(*w->frame_map));
	if (!w->frame_map)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		id = ss_add_frame(w, profile__frame(w->prof, i));
		if (id < 0)
			return id;
		w->frame_map[i] = id;
	}
	return 0;
}

static void ss_write_frames(struct speedscope_writer *w)
{
	const struct ss_frame *f;

	fputs("\"shared\":{\"frames\":[", w->out);
	for (size_t i = 0; i < w->nr_frames; i++) {
		f = &w->frames[i];
		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", w->out);
		ss_put_string(w, f->name);
		if (f->file != SPEEDSCOPE_NO_FILE) {
			fputs(",\"file\":", w->out);
			ss_put_string(w, f->file);
		}
		if (f->line)
			fprintf(w->out, ",\"line\":%u", f->line);
		fputc('}', w->out);
	}
	fputs("]},\n", w->out);
}

/* Samples in order of pid, then process name, then first sight. */
static int ss_process_cmp(const void *a, const void *b, void *ctx)
{
	const struct profile_sample *x = profile__sample(ctx, *(const size_t *)a);
	const struct profile_sample *y = profile__sample(ctx, *(const size_t *)b);
	int c;

	if (x->labels.pid != y->labels.pid)
		return x->labels.pid < y->labels.pid ? -1 : 1;
	c = strcmp(x->labels.comm, y->labels.comm);
	if (c)
		return c;
	return (*(const size_t *)a > *(const size_t *)b) -
	       (*(const size_t *)a < *(const size_t *)b);
}

static bool ss_same_process(const struct profile_sample *x, const struct profile_sample *y)
{
	return x->labels.pid == y->labels.pid && !strcmp(x->labels.comm, y->labels.comm);
}

static void ss_reset_process(struct speedscope_writer *w)
{
	hash_table__free(w->stack_index);
	arena__free(w->arena);
	w->stack_index = NULL;
	w->arena = NULL;
	w->nr_stacks = 0;
}

static int ss_add_stack(struct speedscope_writer *w, const struct profile_sample *sample)
{
	struct ss_key key = { w->ids, sample->depth };
	struct ss_stack *stack;
	uint32_t *frames;
	uint64_t hash;
	int64_t id;
	int err;

	if (sample->depth >= UINT32_MAX)
		return -E2BIG;
	err = array__reserve(&w->ids, &w->ids_cap, sample->depth + 1, sizeof(*w->ids));
	if (err)
		return err;
	for (size_t i = 0; i < sample->depth; i++)
		w->ids[i] = w->frame_map[sample->frames[i]];
	hash = hash__final(hash__bytes(HASH_SEED, w->ids, key.len * sizeof(*w->ids)));
	id = hash_table__find(w->stack_index, hash, &key);
	if (id >= 0) {
		/* No overflow: the profile's total fits. */
		w->stacks[id].weight += sample->count;
		return 0;
	}
	if (w->nr_stacks > HASH_TABLE_MAX_VALUE)
		return -E2BIG;
	err = array__reserve(&w->stacks, &w->stacks_cap, w->nr_stacks + 1, sizeof(*w->stacks));
	if (err)
		return err;
	frames = arena__alloc(w->arena, (key.len ? key.len : 1) * sizeof(*frames),
			      _Alignof(uint32_t));
	if (!frames)
		return -ENOMEM;
	memcpy(frames, w->ids, key.len * sizeof(*frames));
	stack = &w->stacks[w->nr_stacks];
	stack->frames = frames;
	stack->depth = key.len;
	stack->weight = sample->count;
	err = hash_table__insert(w->stack_index, hash, w->nr_stacks);
	if (err)
		return err;
	w->nr_stacks++;
	return 0;
}

static const char *ss_unit(const struct profile *prof)
{
	return profile__meta(prof)->value == PROFILE_VALUE_SAMPLES ? "none" : "nanoseconds";
}

/* Writes the process of @order[0..n) (one pid and name); @*total gets its weight. */
static int ss_write_process(struct speedscope_writer *w, const size_t *order, size_t n,
			    uint64_t *total)
{
	const struct profile_sample *first = profile__sample(w->prof, order[0]);
	char pid[32] = "";
	size_t i, j, len;
	const char *comm;
	int err;

	w->arena = arena__new();
	w->stack_index = hash_table__new(ss_stack_eq, w);
	if (!w->arena || !w->stack_index)
		return -ENOMEM;
	*total = 0;
	for (i = 0; i < n; i++) {
		const struct profile_sample *s = profile__sample(w->prof, order[i]);

		err = ss_add_stack(w, s);
		if (err)
			return err;
		*total += s->count;
	}

	if (first->labels.pid)
		snprintf(pid, sizeof(pid), " (pid %" PRIu32 ")", first->labels.pid);
	/* "comm (pid N)": one JSON string. */
	comm = first->labels.comm[0] ? first->labels.comm : SPEEDSCOPE_UNKNOWN;
	err = array__reserve(&w->text, &w->text_cap, strlen(comm) + sizeof(pid), 1);
	if (err)
		return err;
	len = snprintf(w->text, w->text_cap, "%s%s", comm, pid);
	fputs("{\"type\":\"sampled\",\"name\":", w->out);
	json__write_string(w->out, w->text, len);
	fprintf(w->out,
		",\"unit\":\"%s\",\"startValue\":0,\"endValue\":%" PRIu64 ",\n\"samples\":[",
		ss_unit(w->prof), *total);
	for (i = 0; i < w->nr_stacks; i++) {
		fputs(i ? ",\n[" : "\n[", w->out);
		for (j = 0; j < w->stacks[i].depth; j++)
			fprintf(w->out, j ? ",%" PRIu32 : "%" PRIu32, w->stacks[i].frames[j]);
		fputc(']', w->out);
	}
	fputs("],\n\"weights\":[", w->out);
	for (i = 0; i < w->nr_stacks; i++)
		fprintf(w->out, i ? ",%" PRIu64 : "%" PRIu64, w->stacks[i].weight);
	fputs("]}", w->out);
	ss_reset_process(w);
	return ferror(w->out) ? -EIO : 0;
}

static int ss_write_profiles(struct speedscope_writer *w, size_t *busiest)
{
	size_t nr = profile__sample_count(w->prof), i, start, index = 0;
	uint64_t total, most = 0;
	size_t *order;
	int err = 0;

	*busiest = 0;
	fputs("\"profiles\":[", w->out);
	order = malloc((nr ? nr : 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		order[i] = i;
	qsort_r(order, nr, sizeof(*order), ss_process_cmp, (void *)w->prof);
	for (start = 0; !err && start < nr; start = i, index++) {
		const struct profile_sample *first = profile__sample(w->prof, order[start]);

		for (i = start + 1;
		     i < nr && ss_same_process(first, profile__sample(w->prof, order[i])); i++)
			;
		if (index)
			fputs(",\n", w->out);
		err = ss_write_process(w, order + start, i - start, &total);
		if (!err && total > most) {
			most = total;
			*busiest = index;
		}
	}
	free(order);
	fputs("],\n", w->out);
	return err;
}

/* "CPU samples on HOST", "Off-CPU time", ...: what speedscope shows as the file's title. */
static void ss_write_name(struct speedscope_writer *w, const char *name)
{
	const struct profile_meta *meta = profile__meta(w->prof);
	static const char *const what[] = {
		[PROFILE_VALUE_SAMPLES] = "CPU samples",
		[PROFILE_VALUE_OFF_CPU] = "Off-CPU time",
		[PROFILE_VALUE_WALL] = "Wall time",
	};
	char title[sizeof(" on ") + PROFILE_HOST_MAX + 32];

	if (!name) {
		snprintf(title, sizeof(title), "%s%s%s",
			 meta->value <= PROFILE_VALUE_WALL ? what[meta->value] : "Samples",
			 meta->host[0] ? " on " : "", meta->host);
		name = title;
	}
	fputs("\"name\":", w->out);
	json__write_string(w->out, name, strlen(name));
}

static void ss_writer_release(struct speedscope_writer *w)
{
	ss_reset_process(w);
	string_pool__free(w->strings);
	hash_table__free(w->frame_index);
	free(w->frames);
	free(w->frame_map);
	free(w->stacks);
	free(w->ids);
	free(w->text);
}

int speedscope__write(const struct profile *prof, const char *name, FILE *out)
{
	struct speedscope_writer w = { .prof = prof, .out = out };
	size_t busiest = 0;
	int err = -ENOMEM;

	w.strings = string_pool__new();
	w.frame_index = hash_table__new(ss_frame_eq, &w);
	if (!w.strings || !w.frame_index)
		goto out_release;
	err = ss_map_frames(&w);
	if (err)
		goto out_release;

	fputs("{\"$schema\":\"" SPEEDSCOPE_SCHEMA "\",\n\"exporter\":\"" SPEEDSCOPE_EXPORTER
	      "\",\n",
	      out);
	ss_write_name(&w, name);
	fputs(",\n", out);
	ss_write_frames(&w);
	err = ss_write_profiles(&w, &busiest);
	if (err)
		goto out_release;
	/* Last: only now is the busiest process known. */
	fprintf(out, "\"activeProfileIndex\":%zu}\n", busiest);
	/* Also catches errors from writes stdio buffered before we were called. */
	if (fflush(out) == EOF || ferror(out))
		err = -EIO;

out_release:
	ss_writer_release(&w);
	return err;
}
