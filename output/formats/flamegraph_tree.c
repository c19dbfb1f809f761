// SPDX-License-Identifier: GPL-2.0-only
/*
 * Built without hashing a frame: every distinct (name, kind) gets a key, its rank in the
 * order boxes are laid out, and the tree is grown level by level by sorting a node's samples
 * on their key at the next level (a radix sort on small integers): each run of equal keys is
 * a child, already in layout order. Only names are hashed, once per model frame.
 *
 * Pruning keeps the work to what is drawn: a huge profile has millions of paths but a few
 * thousand boxes wide enough to see, and the samples under a box too narrow to draw are
 * never looked at again.
 */
#include "flamegraph_tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "key_sort.h"
#include "string_pool.h"

/* One profile's samples as the builder reads them: compact arrays, keys instead of frames. */
struct fg_paths {
	const uint32_t **stacks; /* borrowed from the profile */
	uint32_t *lens;		 /* path length: the process name and the frames */
	uint32_t *comm_keys;	 /* a name id until ranked, then a key */
	uint64_t *counts;
	uint32_t *frame_keys; /* model frame id -> key */
	size_t nr;
	bool reverse;
};

/* Where a (name, kind) pair's key goes once the pairs are ranked. */
struct fg_pair {
	uint32_t name;
	uint8_t kind;
	uint32_t *dest;
};

struct fg_ranking {
	struct fg_pair *pairs;
	size_t nr, cap;
	uint32_t *process_slot; /* name id -> its key as a process name; 0 until listed */
};

struct fg_work {
	uint32_t begin, end; /* range of the order array: the samples under node */
	uint32_t node;
};

static uint32_t fg_paths__key(const struct fg_paths *p, uint32_t s, uint32_t level)
{
	uint32_t depth = p->lens[s] - 1;

	if (!p->reverse)
		return level ? p->frame_keys[p->stacks[s][level - 1]] : p->comm_keys[s];
	/* Reversed, the leaf comes first and the process name last. */
	return level == depth ? p->comm_keys[s] : p->frame_keys[p->stacks[s][depth - 1 - level]];
}

static void fg_paths__free(struct fg_paths *p)
{
	free(p->stacks);
	free(p->lens);
	free(p->comm_keys);
	free(p->counts);
	free(p->frame_keys);
}

static int fg_ranking__add(struct fg_ranking *r, uint32_t name, uint8_t kind, uint32_t *dest)
{
	if (array__reserve(&r->pairs, &r->cap, r->nr + 1, sizeof(*r->pairs)))
		return -ENOMEM;
	r->pairs[r->nr++] = (struct fg_pair){ name, kind, dest };
	return 0;
}

/* Recent process names by pointer, to hash each once rather than once per sample. */
#define FG_COMM_CACHE 61

struct fg_comm_slot {
	const char *comm;
	uint32_t name;
};

/* Interns @prof's names into @t and lists the pairs to rank; keys are filled in later. */
static int fg_paths__init(struct fg_paths *p, struct fg_tree *t, struct fg_ranking *r,
			  const struct profile *prof, bool reverse)
{
	struct fg_comm_slot comm_cache[FG_COMM_CACHE] = { { NULL, 0 } };
	size_t nframes = profile__frame_count(prof), n = profile__sample_count(prof);
	int64_t name;
	int err;

	p->reverse = reverse;
	p->nr = n;
	p->stacks = malloc((n ? n : 1) * sizeof(*p->stacks));
	p->lens = malloc((n ? n : 1) * sizeof(*p->lens));
	p->comm_keys = malloc((n ? n : 1) * sizeof(*p->comm_keys));
	p->counts = malloc((n ? n : 1) * sizeof(*p->counts));
	p->frame_keys = malloc((nframes ? nframes : 1) * sizeof(*p->frame_keys));
	if (!p->stacks || !p->lens || !p->comm_keys || !p->counts || !p->frame_keys)
		return -ENOMEM;
	for (size_t f = 0; f < nframes; f++) {
		const struct profile_frame *frame = profile__frame(prof, f);

		name = string_pool__intern(t->names, frame->func, strlen(frame->func));
		if (name < 0)
			return name;
		err = fg_ranking__add(r, name, frame->kind, &p->frame_keys[f]);
		if (err)
			return err;
	}
	for (size_t s = 0; s < n; s++) {
		const struct profile_sample *sample = profile__sample(prof, s);

		const char *comm = sample->labels.comm;
		struct fg_comm_slot *slot = &comm_cache[((uintptr_t)comm >> 3) % FG_COMM_CACHE];

		if (sample->depth >= UINT32_MAX)
			return -E2BIG;
		/* The profile interns its strings: a process name is one pointer. */
		if (slot->comm != comm) {
			name = string_pool__intern(t->names, comm, strlen(comm));
			if (name < 0)
				return name;
			*slot = (struct fg_comm_slot){ comm, name };
		}
		name = slot->name;
		p->stacks[s] = sample->frames;
		p->lens[s] = sample->depth + 1;
		p->comm_keys[s] = name;
		p->counts[s] = sample->count;
	}
	return 0;
}

/*
 * Lists one pair per process name of @p, its key to land in r->process_slot[name] (sized for
 * every name by then), from where fg_paths__set_processes() copies it to the samples.
 */
static int fg_paths__add_processes(struct fg_paths *p, struct fg_ranking *r)
{
	for (size_t s = 0; s < p->nr; s++) {
		uint32_t name = p->comm_keys[s];

		if (r->process_slot[name])
			continue;
		if (fg_ranking__add(r, name, FG_KIND_PROCESS, &r->process_slot[name]))
			return -ENOMEM;
		r->process_slot[name] = UINT32_MAX;
	}
	return 0;
}

static void fg_paths__set_processes(struct fg_paths *p, const struct fg_ranking *r)
{
	for (size_t s = 0; s < p->nr; s++)
		p->comm_keys[s] = r->process_slot[p->comm_keys[s]];
}

static int fg_pair_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct fg_pair *a = pa, *b = pb;
	int c = 0;

	if (a->name != b->name)
		c = strcmp(string_pool__str(ctx, a->name), string_pool__str(ctx, b->name));
	return c ? c : (int)a->kind - (int)b->kind;
}

/* Gives every distinct pair its rank in layout order and writes it where it is wanted. */
static int fg_ranking__assign(struct fg_ranking *r, struct fg_tree *t)
{
	size_t n = r->nr;

	qsort_r(r->pairs, n, sizeof(*r->pairs), fg_pair_cmp, (void *)t->names);
	t->key_names = malloc((n ? n : 1) * sizeof(*t->key_names));
	t->key_kinds = malloc(n ? n : 1);
	if (!t->key_names || !t->key_kinds)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct fg_pair *pair = &r->pairs[i];

		if (!t->nr_keys || t->key_names[t->nr_keys - 1] != pair->name ||
		    t->key_kinds[t->nr_keys - 1] != pair->kind) {
			t->key_names[t->nr_keys] = pair->name;
			t->key_kinds[t->nr_keys++] = pair->kind;
		}
		*pair->dest = t->nr_keys - 1;
	}
	return 0;
}

static int64_t fg_tree__new_node(struct fg_tree *t, uint32_t key, uint32_t depth, uint64_t total)
{
	if (t->nr_nodes >= UINT32_MAX)
		return -E2BIG;
	if (array__reserve(&t->nodes, &t->nodes_cap, t->nr_nodes + 1, sizeof(*t->nodes)))
		return -ENOMEM;
	t->nodes[t->nr_nodes] = (struct fg_node){ .key = key, .depth = depth, .total = total };
	return t->nr_nodes++;
}

/* Bits that hold every key: the radix sort's passes. */
static unsigned int fg_tree__key_bits(const struct fg_tree *t)
{
	unsigned int bits = 1;

	while (bits < 32 && (t->nr_keys - 1) >> bits)
		bits++;
	return bits;
}

struct fg_work_stack {
	struct fg_work *items;
	size_t nr, cap;
};

static int fg_work_stack__push(struct fg_work_stack *ws, uint32_t begin, uint32_t end,
			       uint32_t node)
{
	if (array__reserve(&ws->items, &ws->cap, ws->nr + 1, sizeof(*ws->items)))
		return -ENOMEM;
	ws->items[ws->nr++] = (struct fg_work){ begin, end, node };
	return 0;
}

/*
 * Makes the children of @w->node from its samples, order[begin..end): sorted on their key at
 * the node's depth, one child per run, and each run pushed as the child's work. Samples
 * whose path ends at the node drop out.
 */
static int fg_tree__split(struct fg_tree *t, const struct fg_paths *p, uint32_t *order,
			  uint64_t *items, uint64_t *scratch, const struct fg_work *w,
			  struct fg_work_stack *ws)
{
	uint32_t level = t->nodes[w->node].depth, m = 0, run = 0;
	size_t first = t->nr_nodes;
	int64_t child = -1;
	int err;

	for (uint32_t i = w->begin; i < w->end; i++) {
		uint32_t s = order[i];

		if (p->lens[s] > level)
			items[m++] = key_sort__item(fg_paths__key(p, s, level), s);
	}
	key_sort(items, scratch, m, fg_tree__key_bits(t));
	for (uint32_t i = 0; i <= m; i++) {
		uint32_t key = i < m ? items[i] >> 32 : 0;

		if (child >= 0 && (i == m || t->nodes[child].key != key)) {
			err = fg_work_stack__push(ws, w->begin + run, w->begin + i, child);
			if (err)
				return err;
			run = i;
		}
		if (i == m)
			break;
		if (child < 0 || t->nodes[child].key != key) {
			child = fg_tree__new_node(t, key, level + 1, 0);
			if (child < 0)
				return child;
		}
		order[w->begin + i] = (uint32_t)items[i];
		t->nodes[child].total += p->counts[(uint32_t)items[i]];
	}
	t->nodes[w->node].first_child = first;
	t->nodes[w->node].nr_children = t->nr_nodes - first;
	return 0;
}

static int fg_tree__grow(struct fg_tree *t, const struct fg_paths *p, const struct fg_prune *prune)
{
	uint32_t *order = malloc((p->nr ? p->nr : 1) * sizeof(*order));
	uint64_t *items = malloc((p->nr ? p->nr : 1) * sizeof(*items));
	uint64_t *scratch = malloc((p->nr ? p->nr : 1) * sizeof(*scratch));
	struct fg_work_stack ws = { 0 };
	int err = -ENOMEM;

	if (!order || !items || !scratch)
		goto out_free;
	for (size_t s = 0; s < p->nr; s++)
		order[s] = s;
	err = fg_work_stack__push(&ws, 0, p->nr, 0);
	while (!err && ws.nr) {
		struct fg_work w = ws.items[--ws.nr];

		if (prune->enabled && !fg_prune__drawn(prune, t->nodes[w.node].total))
			continue;
		err = fg_tree__split(t, p, order, items, scratch, &w, &ws);
	}
out_free:
	free(ws.items);
	free(scratch);
	free(items);
	free(order);
	return err;
}

/* The child of @node with @key, or -1: children are sorted by key. */
static int64_t fg_tree__find_child(const struct fg_tree *t, uint32_t node, uint32_t key)
{
	uint32_t lo = t->nodes[node].first_child, end = lo + t->nodes[node].nr_children, hi = end;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->nodes[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == end || t->nodes[lo].key != key)
		return -1;
	return lo;
}

/* Counts the base's samples into the nodes on their paths that the new profile has. */
static void fg_tree__add_base(struct fg_tree *t, const struct fg_paths *b)
{
	for (size_t s = 0; s < b->nr; s++) {
		uint32_t node = 0;

		t->nodes[0].base += b->counts[s];
		for (uint32_t level = 0; level < b->lens[s]; level++) {
			int64_t child = fg_tree__find_child(t, node, fg_paths__key(b, s, level));

			if (child < 0)
				break;
			node = child;
			t->nodes[node].base += b->counts[s];
		}
	}
}

int fg_tree__build(struct fg_tree *t, const struct profile *prof, const struct profile *base,
		   bool reverse, const struct fg_prune *prune)
{
	struct fg_paths paths, base_paths;
	struct fg_ranking ranking = { 0 };
	int err;

	memset(t, 0, sizeof(*t));
	memset(&paths, 0, sizeof(paths));
	memset(&base_paths, 0, sizeof(base_paths));
	t->names = string_pool__new();
	err = t->names ? 0 : -ENOMEM;
	if (!err)
		err = fg_paths__init(&paths, t, &ranking, prof, reverse);
	if (!err && base)
		err = fg_paths__init(&base_paths, t, &ranking, base, reverse);
	if (!err) {
		ranking.process_slot = calloc(string_pool__count(t->names) + 1,
					      sizeof(*ranking.process_slot));
		err = ranking.process_slot ? 0 : -ENOMEM;
	}
	if (!err)
		err = fg_paths__add_processes(&paths, &ranking);
	if (!err && base)
		err = fg_paths__add_processes(&base_paths, &ranking);
	if (!err)
		err = fg_ranking__assign(&ranking, t);
	if (err)
		goto out_free;
	fg_paths__set_processes(&paths, &ranking);
	if (base)
		fg_paths__set_processes(&base_paths, &ranking);

	err = fg_tree__new_node(t, UINT32_MAX, 0, profile__total(prof));
	if (!err)
		err = fg_tree__grow(t, &paths, prune);
	if (!err && base)
		fg_tree__add_base(t, &base_paths);
out_free:
	free(ranking.pairs);
	free(ranking.process_slot);
	fg_paths__free(&base_paths);
	fg_paths__free(&paths);
	return err < 0 ? err : 0;
}

void fg_tree__free(struct fg_tree *t)
{
	string_pool__free(t->names);
	free(t->nodes);
	free(t->key_names);
	free(t->key_kinds);
}

const char *fg_tree__name(const struct fg_tree *t, const struct fg_node *n)
{
	return string_pool__str(t->names, t->key_names[n->key]);
}

uint8_t fg_tree__kind(const struct fg_tree *t, const struct fg_node *n)
{
	return t->key_kinds[n->key];
}
