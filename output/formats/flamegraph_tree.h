/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tree a flame graph draws: samples merged by path, a box per (parent, name, kind), so
 * frames of one function at different addresses or lines become one box. Children are
 * stored together, in the order the graph lays them out (by name, then kind).
 */
#ifndef PROF_FLAMEGRAPH_TREE_H
#define PROF_FLAMEGRAPH_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* The process name frames: not a frame kind of the model. */
#define FG_KIND_PROCESS FRAME_KIND_COUNT

struct fg_node {
	uint32_t key;	      /* (name, kind) as a rank in layout order; unused for the root */
	uint32_t depth;	      /* the root is 0, the process names 1 */
	uint32_t first_child; /* node id; the children are nodes [first_child, +nr_children) */
	uint32_t nr_children;
	uint64_t total; /* samples here and above */
	uint64_t base;	/* diff: the base profile's samples here and above */
};

struct fg_tree {
	struct fg_node *nodes; /* node 0 is the root */
	size_t nr_nodes, nodes_cap;
	struct string_pool *names;
	uint32_t *key_names; /* key -> name id in names */
	uint8_t *key_kinds;  /* key -> enum frame_kind or FG_KIND_PROCESS */
	size_t nr_keys;
};

/* Which boxes are worth building: a flame graph never draws a box narrower than min_width. */
struct fg_prune {
	bool enabled;
	double px_per_sample;
	double min_width;
};

/* True when a box of @total samples is drawn, and so its children matter. */
static inline bool fg_prune__drawn(const struct fg_prune *p, uint64_t total)
{
	return total && !(total * p->px_per_sample < p->min_width);
}

/*
 * Builds the tree of @prof (paths reversed, leaf first, when @reverse) into @t, which needs
 * no initialising. With @base, also counts the base profile's samples into the nodes that
 * exist (a differential graph); with @prune enabled, the children of a box that is not drawn
 * are left out (the box itself is kept: its width still places its siblings). Returns 0 or
 * -errno (-ENOMEM, -E2BIG past 2^32 - 1 nodes). fg_tree__free() must follow either way.
 */
int fg_tree__build(struct fg_tree *t, const struct profile *prof, const struct profile *base,
		   bool reverse, const struct fg_prune *prune);
void fg_tree__free(struct fg_tree *t);

/* The name of a node; borrowed until fg_tree__free(). */
const char *fg_tree__name(const struct fg_tree *t, const struct fg_node *n);
uint8_t fg_tree__kind(const struct fg_tree *t, const struct fg_node *n);

#endif
