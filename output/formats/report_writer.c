// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tables are interned as triples of 32-bit ids (a frame is (name, module, kind), a node
 * (parent + 1, frame, 0), a process (pid, comm, 0)); samples become rows (node, process,
 * second) merged and sorted, so that the page reads each selection in one pass over rows.
 */
#include "report_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "clock.h"
#include "hash_table.h"
#include "json.h"
#include "profile.h"
#include "string_pool.h"

#define NO_ID UINT32_MAX

extern const char report_js[];
extern const char report_css[];

struct triple {
	uint32_t v[3];
};

/* Triples interned to dense ids in order of first sight. */
struct triple_index {
	struct triple *keys;
	size_t n, cap;
	struct hash_table *table;
};

struct row {
	uint32_t node, process;
	int64_t second; /* -1: no time */
	uint64_t count;
};

struct rows {
	struct row *items;
	size_t n, cap;
	uint64_t total;
};

struct report {
	struct string_pool *strings;
	struct triple_index frames, nodes, processes;
	struct rows rows, base_rows;
	uint32_t *frame_map; /* scratch: the model's frame id -> ours, per profile */
	size_t frame_map_cap;
	bool *unnamed; /* per frame of ours */
	size_t unnamed_cap;
	int64_t t0;	  /* unix seconds of the timeline's second 0 */
	uint64_t seconds; /* 0: no timeline */
	uint64_t complete, unnamed_samples;
};

static bool triple_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct triple_index *ix = ctx;

	return !memcmp(&ix->keys[id], key, sizeof(struct triple));
}

static int triple_index__init(struct triple_index *ix)
{
	memset(ix, 0, sizeof(*ix));
	ix->table = hash_table__new(triple_eq, ix);
	return ix->table ? 0 : -ENOMEM;
}

static void triple_index__release(struct triple_index *ix)
{
	hash_table__free(ix->table);
	free(ix->keys);
}

/* The id of (a, b, c), interned; -ENOMEM. */
static int64_t triple_index__intern(struct triple_index *ix, uint32_t a, uint32_t b, uint32_t c)
{
	struct triple key = { { a, b, c } };
	uint64_t hash = hash__final(hash__u64(hash__u64(hash__u64(HASH_SEED, a), b), c));
	int64_t id = hash_table__find(ix->table, hash, &key);

	if (id >= 0)
		return id;
	if (array__reserve(&ix->keys, &ix->cap, ix->n + 1, sizeof(key)))
		return -ENOMEM;
	if (hash_table__insert(ix->table, hash, ix->n))
		return -ENOMEM;
	ix->keys[ix->n] = key;
	return ix->n++;
}

static int64_t intern_string(struct report *r, const char *s)
{
	return string_pool__intern(r->strings, s ? s : "", s ? strlen(s) : 0);
}

/* A frame without a name: "[unknown]", "[unknown python code]" or "module+0xOFF". */
static bool frame_unnamed(const struct profile_frame *f)
{
	const char *plus = strrchr(f->func, '+');

	if (!strncmp(f->func, "[unknown", 8))
		return true;
	if (!plus || plus == f->func || strncmp(plus, "+0x", 3) || !plus[3])
		return false;
	return strspn(plus + 3, "0123456789abcdef") == strlen(plus + 3);
}

/* A marker the sampler puts where a stack could not be read whole. */
static bool frame_marks_incomplete(const struct profile_frame *f)
{
	return !strcmp(f->func, "[lost stack]") || !strncmp(f->func, "[incomplete", 11);
}

/* Our frame of the model's frame @id of @prof, interned on first sight. */
static int64_t report_frame(struct report *r, const struct profile *prof, uint32_t id)
{
	const struct profile_frame *f;
	int64_t name, module, ours;

	if (r->frame_map[id] != NO_ID)
		return r->frame_map[id];
	f = profile__frame(prof, id);
	name = intern_string(r, f->func);
	module = intern_string(r, f->module);
	if (name < 0 || module < 0)
		return -ENOMEM;
	ours = triple_index__intern(&r->frames, name, module, f->kind);
	if (ours < 0)
		return ours;
	if (array__reserve(&r->unnamed, &r->unnamed_cap, ours + 1, sizeof(bool)))
		return -ENOMEM;
	r->unnamed[ours] = frame_unnamed(f);
	r->frame_map[id] = ours;
	return ours;
}

/* The leaf node of @s's stack; *@unnamed and *@incomplete say what its frames hold. */
static int64_t stack_node(struct report *r, const struct profile *prof,
			  const struct profile_sample *s, bool *unnamed, bool *incomplete)
{
	int64_t node = -1;

	*unnamed = *incomplete = false;
	for (size_t i = 0; i < s->depth; i++) {
		int64_t frame = report_frame(r, prof, s->frames[i]);

		if (frame < 0)
			return frame;
		*unnamed |= r->unnamed[frame];
		*incomplete |= frame_marks_incomplete(profile__frame(prof, s->frames[i]));
		node = triple_index__intern(&r->nodes, (uint32_t)(node + 1), frame, 0);
		if (node < 0)
			return node;
	}
	/* An empty stack (none is written by our readers) is the process alone. */
	return node;
}

static int64_t sample_second(const struct profile_sample *s)
{
	return s->labels.time_ns ? (int64_t)(s->labels.time_ns / NSEC_PER_SEC) : -1;
}

/* Turns every sample of @prof into a row of @rows; @timed places them on the timeline. */
static int add_rows(struct report *r, const struct profile *prof, struct rows *rows, bool timed)
{
	size_t nframes = profile__frame_count(prof);

	if (array__reserve(&r->frame_map, &r->frame_map_cap, nframes ? nframes : 1,
			   sizeof(uint32_t)))
		return -ENOMEM;
	memset(r->frame_map, 0xff, nframes * sizeof(uint32_t));
	for (size_t i = 0; i < profile__sample_count(prof); i++) {
		const struct profile_sample *s = profile__sample(prof, i);
		int64_t comm = intern_string(r, s->labels.comm), process, node, second;
		bool unnamed, incomplete;

		if (comm < 0)
			return -ENOMEM;
		process = triple_index__intern(&r->processes, s->labels.pid, comm, 0);
		node = stack_node(r, prof, s, &unnamed, &incomplete);
		if (process < 0 || node < -1)
			return -ENOMEM;
		if (node < 0)
			continue;
		second = timed ? sample_second(s) : -1;
		if (array__reserve(&rows->items, &rows->cap, rows->n + 1, sizeof(struct row)))
			return -ENOMEM;
		rows->items[rows->n++] = (struct row){ node, process, second >= 0 ? second : -1,
						       s->count };
		rows->total += s->count;
		if (timed) {
			r->complete += incomplete ? 0 : s->count;
			r->unnamed_samples += unnamed ? s->count : 0;
		}
	}
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->second != y->second)
		return x->second < y->second ? -1 : 1;
	if (x->process != y->process)
		return x->process < y->process ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* Sorts @rows and merges equal ones; seconds become offsets from r->t0. */
static void rows__settle(struct report *r, struct rows *rows)
{
	size_t n = 0;

	for (size_t i = 0; i < rows->n; i++)
		if (rows->items[i].second >= 0)
			rows->items[i].second -= r->t0;
	qsort(rows->items, rows->n, sizeof(struct row), row_cmp);
	for (size_t i = 0; i < rows->n; i++) {
		struct row *last = n ? &rows->items[n - 1] : NULL;

		if (last && !row_cmp(last, &rows->items[i]))
			last->count += rows->items[i].count;
		else
			rows->items[n++] = rows->items[i];
	}
	rows->n = n;
}

/* The timeline: the profile's window widened to every timed sample; none without times. */
static void place_timeline(struct report *r, const struct profile *prof)
{
	const struct profile_meta *meta = profile__meta(prof);
	int64_t first = INT64_MAX, last = INT64_MIN;

	for (size_t i = 0; i < r->rows.n; i++) {
		int64_t s = r->rows.items[i].second;

		if (s >= 0) {
			first = s < first ? s : first;
			last = s > last ? s : last;
		}
	}
	if (first == INT64_MAX) {
		r->t0 = (int64_t)(meta->time_ns / NSEC_PER_SEC);
		r->seconds = 0;
		return;
	}
	if (meta->time_ns) {
		int64_t from = (int64_t)(meta->time_ns / NSEC_PER_SEC);
		int64_t to = (int64_t)((meta->time_ns + meta->duration_ns + NSEC_PER_SEC - 1) /
				       NSEC_PER_SEC);

		first = from < first ? from : first;
		last = to - 1 > last ? to - 1 : last;
	}
	r->t0 = first;
	r->seconds = (uint64_t)(last - first + 1);
}

static void write_str(FILE *out, const char *s)
{
	json__write_string(out, s, strlen(s));
}

static const char *value_name(enum profile_value v)
{
	return v == PROFILE_VALUE_OFF_CPU ? "off_cpu" :
	       v == PROFILE_VALUE_WALL	  ? "wall" :
					    "samples";
}

static void write_meta(const struct report *r, const struct profile *prof,
		       const struct report_facts *facts, FILE *out)
{
	const struct profile_meta *m = profile__meta(prof);
	char title[2 * CLOCK_FORMAT_MAX + PROFILE_HOST_MAX + 32], a[CLOCK_FORMAT_MAX],
		b[CLOCK_FORMAT_MAX];
	uint64_t from = m->time_ns, to = m->time_ns + m->duration_ns;

	if (!from && r->seconds)
		from = (uint64_t)r->t0 * NSEC_PER_SEC, to = from + r->seconds * NSEC_PER_SEC;
	if (from)
		snprintf(title, sizeof(title), "bpfprof report %s%s%s .. %s", m->host,
			 m->host[0] ? " " : "", clock__format_utc(from, a),
			 clock__format_utc(to, b));
	else
		snprintf(title, sizeof(title), "bpfprof report%s%s", m->host[0] ? " " : "",
			 m->host);
	fputs("\"meta\":{\"title\":", out);
	write_str(out, title);
	fputs(",\"host\":", out);
	write_str(out, m->host);
	fputs(",\"source\":", out);
	write_str(out, facts->source ? facts->source : "");
	fprintf(out, ",\"value\":\"%s\",\"period_ns\":%" PRIu64 ",\"hz\":%" PRIu64 "},",
		value_name(m->value), m->period_ns,
		m->period_ns ? (uint64_t)((NSEC_PER_SEC + m->period_ns / 2) / m->period_ns) : 0);
	fputs("\"summary\":{", out);
	if (from) {
		fprintf(out, "\"start\":\"%s\",\"end\":\"%s\",", clock__format_utc(from, a),
			clock__format_utc(to, b));
		fprintf(out, "\"duration_s\":%.3f,", (double)(to - from) / NSEC_PER_SEC);
	}
	fprintf(out, "\"samples\":%" PRIu64 ",\"processes\":%zu,", r->rows.total, r->processes.n);
	if (m->lost_known) {
		fputs("\"losses\":{", out);
		for (int i = 0; i < PROFILE_LOST_CAUSES; i++)
			fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "", profile_lost_names[i],
				m->lost[i]);
		fputs("},", out);
	}
	size_t unnamed = 0;
	for (size_t i = 0; i < r->frames.n; i++)
		unnamed += r->unnamed[i];
	fprintf(out,
		"\"stacks_complete\":%.4f,\"unnamed_frames\":%zu,\"unnamed_samples\":%" PRIu64 "},",
		r->rows.total ? (double)r->complete / r->rows.total : 1.0, unnamed,
		r->unnamed_samples);
}

static void write_triples(FILE *out, const char *name, const struct triple_index *ix, int width,
			  bool parent)
{
	fprintf(out, "\"%s\":[", name);
	for (size_t i = 0; i < ix->n; i++) {
		const uint32_t *v = ix->keys[i].v;

		if (parent) /* stored as parent + 1 */
			fprintf(out, "%s%" PRId64 ",%" PRIu32, i ? "," : "", (int64_t)v[0] - 1,
				v[1]);
		else if (width == 2)
			fprintf(out, "%s%" PRIu32 ",%" PRIu32, i ? "," : "", v[0], v[1]);
		else
			fprintf(out, "%s%" PRIu32 ",%" PRIu32 ",%" PRIu32, i ? "," : "", v[0], v[1],
				v[2]);
	}
	fputs("],", out);
}

static void write_rows(FILE *out, const struct rows *rows)
{
	fputs("\"samples\":[", out);
	for (size_t i = 0; i < rows->n; i++) {
		const struct row *w = &rows->items[i];

		fprintf(out, "%s%" PRIu32 ",%" PRIu32 ",%" PRId64 ",%" PRIu64, i ? "," : "",
			w->node, w->process, w->second, w->count);
	}
	fputc(']', out);
}

static void write_data(const struct report *r, const struct profile *prof,
		       const struct report_facts *facts, FILE *out)
{
	fputs("{\"format\":\"bpfprof-report\",\"version\":1,", out);
	write_meta(r, prof, facts, out);
	fprintf(out, "\"t0\":%" PRId64 ",\"seconds\":%" PRIu64 ",\"strings\":[", r->t0, r->seconds);
	for (size_t i = 0; i < string_pool__count(r->strings); i++) {
		fputs(i ? "," : "", out);
		json__write_string(out, string_pool__str(r->strings, i),
				   string_pool__len(r->strings, i));
	}
	fputs("],", out);
	write_triples(out, "frames", &r->frames, 3, false);
	write_triples(out, "nodes", &r->nodes, 2, true);
	write_triples(out, "processes", &r->processes, 2, false);
	write_rows(out, &r->rows);
	if (facts->base) {
		fputs(",\"base\":{\"label\":", out);
		write_str(out, facts->base_label ? facts->base_label : "base");
		fprintf(out, ",\"total\":%" PRIu64 ",", r->base_rows.total);
		write_rows(out, &r->base_rows);
		fputc('}', out);
	}
	fputs("}", out);
}

static void report__release(struct report *r)
{
	string_pool__free(r->strings);
	triple_index__release(&r->frames);
	triple_index__release(&r->nodes);
	triple_index__release(&r->processes);
	free(r->rows.items);
	free(r->base_rows.items);
	free(r->frame_map);
	free(r->unnamed);
}

/* Builds the tables of @prof (and the facts' base) into @r; released by the caller. */
static int report__build(struct report *r, const struct profile *prof,
			 const struct report_facts *facts)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->strings = string_pool__new();
	if (!r->strings || triple_index__init(&r->frames) || triple_index__init(&r->nodes) ||
	    triple_index__init(&r->processes) || intern_string(r, "") != 0)
		return -ENOMEM;
	err = add_rows(r, prof, &r->rows, true);
	if (!err && facts->base)
		err = add_rows(r, facts->base, &r->base_rows, false);
	if (err)
		return err;
	place_timeline(r, prof);
	rows__settle(r, &r->rows);
	rows__settle(r, &r->base_rows);
	return 0;
}

static int write_with(const struct profile *prof, const struct report_facts *facts, FILE *out,
		      bool page)
{
	static const struct report_facts none;
	struct report r;
	int err;

	facts = facts ? facts : &none;
	err = report__build(&r, prof, facts);
	if (!err) {
		if (page)
			fprintf(out,
				"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
				"<meta name=\"viewport\" content=\"width=device-width\">"
				"<title>bpfprof report</title>\n<style>\n%s</style></head>\n<body>\n"
				"<script type=\"application/json\" id=\"bpfprof-data\">",
				report_css);
		write_data(&r, prof, facts, out);
		if (page)
			fprintf(out, "</script>\n<script>\n%s</script>\n</body></html>\n",
				report_js);
		else
			fputc('\n', out);
		err = ferror(out) ? -EIO : 0;
	}
	report__release(&r);
	return err;
}

int report__write(const struct profile *prof, const struct report_facts *facts, FILE *out)
{
	return write_with(prof, facts, out, true);
}

int report__write_data(const struct profile *prof, const struct report_facts *facts, FILE *out)
{
	return write_with(prof, facts, out, false);
}
