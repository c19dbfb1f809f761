// SPDX-License-Identifier: GPL-2.0-only
/*
 * Samples are merged into a tree keyed by (parent, name, kind): frames of one function at
 * different addresses or lines become one box. Children are laid out sorted by name, and a
 * subtree narrower than the minimum width is not written at all, which is what keeps the
 * output of a huge profile to a few megabytes.
 */
#include "flamegraph.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hash_table.h"
#include "profile.h"
#include "string_pool.h"
#include "utf8.h"

#define FG_DEFAULT_WIDTH 1200
#define FG_DEFAULT_MIN_WIDTH 0.1
#define FG_FRAME_HEIGHT 16
#define FG_FONT_SIZE 12
#define FG_XPAD 10
#define FG_TOP 62    /* title, subtitle and the search controls */
#define FG_BOTTOM 34 /* the details line */
#define FG_ROOT_NAME "all"
#define FG_NO_PARENT UINT32_MAX
/* The process name frames: not a frame kind of the model. */
#define FG_KIND_PROCESS FRAME_KIND_COUNT

extern const char flamegraph_js[];

struct fg_node {
	uint32_t name; /* id in fg_tree.names */
	uint32_t parent;
	uint32_t first_child; /* index in fg_tree.children, after fg_tree__link() */
	uint32_t nr_children;
	uint32_t depth;
	uint8_t kind;	/* enum frame_kind or FG_KIND_PROCESS */
	uint64_t total; /* samples here and above */
	uint64_t base;	/* diff: the base profile's samples here and above */
};

struct fg_tree {
	struct fg_node *nodes;
	size_t nr_nodes, nodes_cap;
	struct hash_table *index; /* (parent, name, kind) -> node */
	struct string_pool *names;
	uint32_t *children;  /* node ids grouped by parent, sorted by name */
	uint32_t *path;	     /* scratch: one stack as name ids */
	uint8_t *path_kinds; /* and their kinds */
	uint32_t *path_nodes; /* the nodes of the previous sample's path, reused for a shared prefix */
	size_t path_cap, path_kinds_cap, path_nodes_cap, nr_path_nodes;
	uint32_t *frame_names; /* model frame id -> name id, UINT32_MAX until first needed */
	size_t nr_frame_names;
	uint32_t max_depth;
};

struct fg_key {
	uint32_t parent, name;
	uint8_t kind;
};

static bool fg_node_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct fg_tree *t = ctx;
	const struct fg_node *n = &t->nodes[id];
	const struct fg_key *k = key;

	return n->parent == k->parent && n->name == k->name && n->kind == k->kind;
}

static uint64_t fg_key_hash(const struct fg_key *k)
{
	return hash__final(hash__u64(hash__u64(hash__u64(HASH_SEED, k->parent), k->name), k->kind));
}

static void fg_tree__free(struct fg_tree *t)
{
	hash_table__free(t->index);
	string_pool__free(t->names);
	free(t->nodes);
	free(t->children);
	free(t->path);
	free(t->path_kinds);
	free(t->path_nodes);
	free(t->frame_names);
}

static int fg_tree__init(struct fg_tree *t)
{
	memset(t, 0, sizeof(*t));
	t->index = hash_table__new(fg_node_eq, t);
	t->names = string_pool__new();
	if (!t->index || !t->names)
		return -ENOMEM;
	return 0;
}

/* The child of @parent named @name, created when @create. Returns its id or -errno. */
static int64_t fg_tree__child(struct fg_tree *t, uint32_t parent, uint32_t name, uint8_t kind,
			      bool create)
{
	struct fg_key key = { parent, name, kind };
	uint64_t hash = fg_key_hash(&key);
	int64_t id = hash_table__find(t->index, hash, &key);
	struct fg_node *n;
	int err;

	if (id >= 0 || !create)
		return id;
	if (array__reserve(&t->nodes, &t->nodes_cap, t->nr_nodes + 1, sizeof(*t->nodes)))
		return -ENOMEM;
	n = &t->nodes[t->nr_nodes];
	*n = (struct fg_node){ .name = name, .parent = parent, .kind = kind };
	n->depth = parent == FG_NO_PARENT ? 0 : t->nodes[parent].depth + 1;
	if (n->depth > t->max_depth)
		t->max_depth = n->depth;
	err = hash_table__insert(t->index, hash, t->nr_nodes);
	if (err)
		return err;
	return t->nr_nodes++;
}

/* The name id of model frame @id, interned on first use for every sample that has it. */
static int64_t fg_tree__frame_name(struct fg_tree *t, const struct profile *prof, uint32_t id)
{
	const char *func;
	int64_t name;

	if (t->frame_names[id] != UINT32_MAX)
		return t->frame_names[id];
	func = profile__frame(prof, id)->func;
	name = string_pool__intern(t->names, func, strlen(func));
	if (name >= 0)
		t->frame_names[id] = name;
	return name;
}

/* Name ids of one sample's path below the root: the process, then its frames. */
static int fg_tree__path(struct fg_tree *t, const struct profile *prof,
			 const struct profile_sample *s, bool reverse, size_t *len)
{
	size_t n = s->depth + 1;
	int64_t id;

	if (array__reserve(&t->path, &t->path_cap, n, sizeof(*t->path)) ||
	    array__reserve(&t->path_kinds, &t->path_kinds_cap, n, sizeof(*t->path_kinds)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* Reversed, the leaf comes first and the process name last. */
		size_t at = reverse ? n - 1 - i : i;

		if (i == 0) {
			id = string_pool__intern(t->names, s->labels.comm, strlen(s->labels.comm));
			t->path_kinds[at] = FG_KIND_PROCESS;
		} else {
			id = fg_tree__frame_name(t, prof, s->frames[i - 1]);
			t->path_kinds[at] = profile__frame(prof, s->frames[i - 1])->kind;
		}
		if (id < 0)
			return id;
		t->path[at] = id;
	}
	*len = n;
	return 0;
}

/*
 * Adds @prof's samples: to the totals, or to the base counts of a differential graph, where
 * only the base's frames that also exist in the new profile matter for colour and so no
 * node is created.
 */
static int fg_tree__add(struct fg_tree *t, const struct profile *prof, bool reverse, bool as_base)
{
	int64_t root = fg_tree__child(t, FG_NO_PARENT, 0, FG_KIND_PROCESS, !as_base);
	size_t nframes = profile__frame_count(prof), len = 0;
	int err;

	if (root < 0)
		return as_base ? 0 : root;
	free(t->frame_names);
	t->frame_names = malloc((nframes ? nframes : 1) * sizeof(*t->frame_names));
	if (!t->frame_names)
		return -ENOMEM;
	memset(t->frame_names, 0xff, nframes * sizeof(*t->frame_names));
	t->nr_path_nodes = 0;
	for (size_t i = 0; i < profile__sample_count(prof); i++) {
		const struct profile_sample *s = profile__sample(prof, i);
		int64_t node = root;
		size_t j = 0;

		err = fg_tree__path(t, prof, s, reverse, &len);
		if (err)
			return err;
		if (array__reserve(&t->path_nodes, &t->path_nodes_cap, len, sizeof(*t->path_nodes)))
			return -ENOMEM;
		/* Samples come in the order they were read, so neighbours share prefixes. */
		while (j < len && j < t->nr_path_nodes &&
		       t->nodes[t->path_nodes[j]].name == t->path[j] &&
		       t->nodes[t->path_nodes[j]].kind == t->path_kinds[j])
			node = t->path_nodes[j++];
		for (; j < len; j++) {
			node = fg_tree__child(t, node, t->path[j], t->path_kinds[j], !as_base);
			if (node == -ENOENT)
				break;
			if (node < 0)
				return node;
			t->path_nodes[j] = node;
		}
		t->nr_path_nodes = j;
		if (as_base)
			t->nodes[root].base += s->count;
		else
			t->nodes[root].total += s->count;
		for (size_t k = 0; k < j; k++) {
			if (as_base)
				t->nodes[t->path_nodes[k]].base += s->count;
			else
				t->nodes[t->path_nodes[k]].total += s->count;
		}
	}
	return 0;
}

static int fg_child_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct fg_tree *t = ctx;
	const struct fg_node *a = &t->nodes[*(const uint32_t *)pa];
	const struct fg_node *b = &t->nodes[*(const uint32_t *)pb];
	int c;

	if (a->parent != b->parent)
		return a->parent < b->parent ? -1 : 1;
	c = strcmp(string_pool__str(t->names, a->name), string_pool__str(t->names, b->name));
	return c ? c : (int)a->kind - (int)b->kind;
}

/* Groups children by parent, each group sorted by name, and points parents at them. */
static int fg_tree__link(struct fg_tree *t)
{
	size_t n = t->nr_nodes;

	t->children = malloc((n ? n : 1) * sizeof(*t->children));
	if (!t->children)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		t->children[i] = i;
	/* The root has no parent: FG_NO_PARENT sorts it last, out of every group. */
	qsort_r(t->children, n, sizeof(*t->children), fg_child_cmp, t);
	for (size_t i = 0; i < n; i++) {
		struct fg_node *child = &t->nodes[t->children[i]];

		if (child->parent == FG_NO_PARENT)
			continue;
		if (!t->nodes[child->parent].nr_children++)
			t->nodes[child->parent].first_child = i;
	}
	return 0;
}

struct fg_writer {
	const struct fg_tree *tree;
	const struct flamegraph_opts *opts;
	FILE *out;
	unsigned int width;
	double min_width;
	double px_per_sample;
	unsigned int height;
	uint32_t drawn_depth;	  /* deepest level with a frame wide enough to draw */
	double base_scale;	  /* diff: base samples to new samples (1 without --normalize) */
	double max_delta;	  /* diff: the largest change, in new samples, for saturation */
	enum profile_value value; /* of the profile: samples, or time off (and on) the CPU */
	bool time_counts;	  /* the counts are nanoseconds */
};

/* The change of a frame between the base and the new profile, in new samples. */
static double fg_delta(const struct fg_writer *w, const struct fg_node *n)
{
	return n->total - n->base * w->base_scale;
}

/*
 * Writes @s[0..len) as XML character data. Names are bytes as the system gave them, and one
 * that is not UTF-8, or holds a character XML 1.0 forbids (controls, U+FFFE, U+FFFF), makes
 * the whole document fail to parse: each such byte or character becomes U+FFFD.
 */
static void xml_text(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = utf8__char_len(s + i, len - i);
		if (n > 1) {
			if (n == 3 && p[i] == 0xef && p[i + 1] == 0xbf && p[i + 2] >= 0xbe)
				fputs(UTF8_REPLACEMENT, out);
			else
				fwrite(s + i, 1, n, out);
			continue;
		}
		n = 1;
		switch (p[i]) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if (p[i] < 0x20 || p[i] >= 0x80)
				fputs(UTF8_REPLACEMENT, out);
			else
				fputc(p[i], out);
		}
	}
}

static void xml_escaped(FILE *out, const char *s)
{
	xml_text(out, s, strlen(s));
}

/* Three numbers in [0, 1) from a name: stable colours, the same in every graph. */
static void name_hash(const char *name, double v[3])
{
	uint64_t h = hash__final(hash__bytes(HASH_SEED, name, strlen(name)));

	for (int i = 0; i < 3; i++, h >>= 21)
		v[i] = (double)(h & 0x1fffff) / 0x200000;
}

static enum flamegraph_colors palette_of_kind(uint8_t kind)
{
	switch (kind) {
	case FRAME_KERNEL:
		return FLAMEGRAPH_COLORS_ORANGE;
	case FRAME_JIT:
		return FLAMEGRAPH_COLORS_GREEN;
	case FRAME_INLINE:
		return FLAMEGRAPH_COLORS_AQUA;
	case FRAME_PYTHON:
		return FLAMEGRAPH_COLORS_BLUE;
	case FG_KIND_PROCESS:
		return FLAMEGRAPH_COLORS_YELLOW;
	default: /* red, not "hot", whose yellows and oranges would pass for kernel frames */
		return FLAMEGRAPH_COLORS_RED;
	}
}

static void palette_color(enum flamegraph_colors palette, const char *name, int rgb[3])
{
	double v[3];

	name_hash(name, v);
	switch (palette) {
	case FLAMEGRAPH_COLORS_MEM:
		rgb[0] = 0, rgb[1] = 190 + 50 * v[1], rgb[2] = 0 + 210 * v[0];
		break;
	case FLAMEGRAPH_COLORS_IO:
		rgb[0] = 80 + 60 * v[0], rgb[1] = rgb[0], rgb[2] = 190 + 55 * v[1];
		break;
	case FLAMEGRAPH_COLORS_RED:
		rgb[0] = 200 + 55 * v[0], rgb[1] = 50 + 80 * v[0], rgb[2] = rgb[1];
		break;
	case FLAMEGRAPH_COLORS_GREEN:
		rgb[0] = 50 + 60 * v[0], rgb[1] = 200 + 55 * v[0], rgb[2] = rgb[0];
		break;
	case FLAMEGRAPH_COLORS_BLUE:
		rgb[0] = 80 + 60 * v[0], rgb[1] = rgb[0], rgb[2] = 205 + 50 * v[0];
		break;
	case FLAMEGRAPH_COLORS_AQUA:
		rgb[0] = 50 + 60 * v[0], rgb[1] = 165 + 55 * v[0], rgb[2] = rgb[1];
		break;
	case FLAMEGRAPH_COLORS_YELLOW:
		rgb[0] = 175 + 55 * v[0], rgb[1] = rgb[0], rgb[2] = 50 + 20 * v[0];
		break;
	case FLAMEGRAPH_COLORS_PURPLE:
		rgb[0] = 190 + 65 * v[0], rgb[1] = 80 + 60 * v[0], rgb[2] = rgb[0];
		break;
	case FLAMEGRAPH_COLORS_ORANGE:
		rgb[0] = 190 + 65 * v[0], rgb[1] = 90 + 65 * v[0], rgb[2] = 0;
		break;
	default: /* hot */
		rgb[0] = 205 + 50 * v[2], rgb[1] = 230 * v[0], rgb[2] = 55 * v[1];
		break;
	}
}

/* Diff colour: red for a frame whose share grew, blue for one that shrank, white for none. */
static void diff_color(const struct fg_writer *w, const struct fg_node *n, int rgb[3])
{
	double delta = fg_delta(w, n);
	double strength = w->max_delta > 0 ? delta / w->max_delta : 0;
	int fade = 255 - (int)(210 * (strength < 0 ? -strength : strength));

	if (strength >= 0)
		rgb[0] = 255, rgb[1] = fade, rgb[2] = fade;
	else
		rgb[0] = fade, rgb[1] = fade, rgb[2] = 255;
}

/* A time in nanoseconds as people read it: "850 us", "12.4 ms", "3.02 s". */
static void write_time(FILE *out, uint64_t ns)
{
	if (ns < 1000)
		fprintf(out, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		fprintf(out, "%.3g us", ns / 1e3);
	else if (ns < 1000000000)
		fprintf(out, "%.3g ms", ns / 1e6);
	else
		fprintf(out, "%.3g s", ns / 1e9);
}

static void write_title(const struct fg_writer *w, const struct fg_node *n, const char *name)
{
	uint64_t root_total = w->tree->nodes[0].total;
	double pct = root_total ? 100.0 * n->total / root_total : 0;

	xml_escaped(w->out, name);
	if (w->time_counts) {
		/* Off-CPU and wall-time graphs: widths are time. */
		fputs(" (", w->out);
		write_time(w->out, n->total);
		fprintf(w->out, ", %.2f%%", pct);
	} else {
		fprintf(w->out, " (%" PRIu64 " sample%s, %.2f%%", n->total,
			n->total == 1 ? "" : "s", pct);
	}
	if (w->opts->base) {
		uint64_t base_root = w->tree->nodes[0].base;
		double base_pct = base_root ? 100.0 * n->base / base_root : 0;

		fprintf(w->out, "; base %" PRIu64 " samples, %.2f%%; %+.2f%%", n->base, base_pct,
			pct - base_pct);
	}
	fputc(')', w->out);
}

/*
 * Writes the label that fits @width pixels, cut with ".." as the script cuts it on zoom.
 * Lengths are the script's: UTF-16 units of the text as xml_text writes it. A cut never
 * splits a character.
 */
static void write_label(FILE *out, const char *name, double width)
{
	long fit = (long)((width - 6) / (FG_FONT_SIZE * 0.59));
	size_t len = strlen(name), units = 0, cut = 0, i, n;

	if (fit < 3)
		return;
	for (i = 0; i < len; i += n) {
		n = utf8__char_len(name + i, len - i) ?: 1;
		units += n == 4 ? 2 : 1;
		if (units > (size_t)fit) {
			xml_text(out, name, cut);
			fputs("..", out);
			return;
		}
		if (units <= (size_t)fit - 2)
			cut = i + n;
	}
	xml_text(out, name, len);
}

static double frame_y(const struct fg_writer *w, uint32_t depth)
{
	if (w->opts->inverted)
		return FG_TOP + (double)depth * FG_FRAME_HEIGHT;
	return w->height - FG_BOTTOM - (double)(depth + 1) * FG_FRAME_HEIGHT;
}

static void write_frame(const struct fg_writer *w, const struct fg_node *n, double x, double width)
{
	const char *name = n->parent == FG_NO_PARENT ? FG_ROOT_NAME :
						       string_pool__str(w->tree->names, n->name);
	double y = frame_y(w, n->depth);
	char width_text[32];
	int rgb[3];

	/* The script cuts labels from the width as written: so does write_label. */
	snprintf(width_text, sizeof(width_text), "%.1f", width);
	width = strtod(width_text, NULL);
	if (w->opts->base)
		diff_color(w, n, rgb);
	else if (n->parent == FG_NO_PARENT)
		rgb[0] = 250, rgb[1] = 250, rgb[2] = 220;
	else
		palette_color(w->opts->colors == FLAMEGRAPH_COLORS_KIND ? palette_of_kind(n->kind) :
									  w->opts->colors,
			      name, rgb);
	fputs("<g><title>", w->out);
	write_title(w, n, name);
	fprintf(w->out,
		"</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%s\" height=\"%d\" "
		"fill=\"rgb(%d,%d,%d)\" rx=\"2\" ry=\"2\"/><text x=\"%.1f\" y=\"%.1f\">",
		x, y, width_text, FG_FRAME_HEIGHT - 1, rgb[0], rgb[1], rgb[2], x + 3,
		y + FG_FRAME_HEIGHT - 5.0);
	write_label(w->out, name, width);
	fputs("</text></g>\n", w->out);
}

/* Walks the tree depth first with an explicit stack: profiles can be thousands deep. */
static int for_each_drawn(struct fg_writer *w, bool draw)
{
	const struct fg_tree *t = w->tree;
	struct drawn_node {
		uint32_t node;
		double x;
	};
	struct drawn_node *stack;
	size_t top = 0;

	stack = malloc((t->nr_nodes + 1) * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	stack[top].node = 0;
	stack[top++].x = FG_XPAD;
	while (top) {
		uint32_t id = stack[--top].node;
		double x = stack[top].x;
		const struct fg_node *n = &t->nodes[id];
		double width = n->total * w->px_per_sample;

		if (width < w->min_width || !n->total)
			continue;
		if (draw)
			write_frame(w, n, x, width);
		else if (n->depth > w->drawn_depth)
			w->drawn_depth = n->depth;
		/* Pushed in reverse so that they come off in name order, left to right. */
		double cx = x + width;
		for (uint32_t i = n->nr_children; i-- > 0;) {
			uint32_t child = t->children[n->first_child + i];

			cx -= t->nodes[child].total * w->px_per_sample;
			stack[top].node = child;
			stack[top++].x = cx;
		}
	}
	free(stack);
	return 0;
}

static void write_header(const struct fg_writer *w)
{
	const struct flamegraph_opts *o = w->opts;
	const char *title = o->title			      ? o->title :
			    o->base			      ? "Differential Flame Graph" :
			    w->value == PROFILE_VALUE_OFF_CPU ? "Off-CPU Time Flame Graph" :
			    w->value == PROFILE_VALUE_WALL    ? "Wall Time Flame Graph" :
			    o->inverted			      ? "Icicle Graph" :
								"Flame Graph";

	fprintf(w->out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
		"onload=\"fg_init()\" xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<style type=\"text/css\">\n"
		"text { font-family: Verdana, sans-serif; font-size: %dpx; fill: rgb(0,0,0); }\n"
		"#title { text-anchor: middle; font-size: 17px; }\n"
		"#subtitle { text-anchor: middle; fill: rgb(80,80,80); }\n"
		"#frames > g { cursor: pointer; }\n"
		"#frames > g:hover > rect { stroke: rgb(0,0,0); stroke-width: 0.5; }\n"
		"#frames > g > text { pointer-events: none; }\n"
		".hide { display: none; }\n"
		".parent { opacity: 0.5; }\n"
		"#search, #ignorecase, #unzoom { cursor: pointer; opacity: 0.3; }\n"
		"#search:hover, #ignorecase:hover, #unzoom:hover, #search.show, #ignorecase.show "
		"{ opacity: 1; }\n"
		"#unzoom { opacity: 1; }\n"
		"</style>\n"
		"<script type=\"text/ecmascript\"><![CDATA[\n"
		"var fg_xpad = %d, fg_width = %u, fg_inverted = %s, fg_fontsize = %d;\n%s"
		"]]></script>\n"
		"<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"rgb(248,248,248)\"/>\n"
		"<text id=\"title\" x=\"%u\" y=\"24\">",
		w->width, w->height, w->width, w->height, FG_FONT_SIZE, FG_XPAD, w->width,
		o->inverted ? "true" : "false", FG_FONT_SIZE, flamegraph_js, w->width, w->height,
		w->width / 2);
	xml_escaped(w->out, title);
	fprintf(w->out, "</text>\n<text id=\"subtitle\" x=\"%u\" y=\"42\">", w->width / 2);
	if (o->subtitle)
		xml_escaped(w->out, o->subtitle);
	fprintf(w->out,
		"</text>\n"
		"<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"24\">Reset Zoom</text>\n"
		"<text id=\"search\" x=\"%u\" y=\"24\">Search</text>\n"
		"<text id=\"ignorecase\" x=\"%u\" y=\"24\">ic</text>\n"
		"<text id=\"matched\" class=\"hide\" x=\"%u\" y=\"%u\"> </text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n"
		"<g id=\"frames\">\n",
		FG_XPAD, w->width - FG_XPAD - 100, w->width - FG_XPAD - 16,
		w->width - FG_XPAD - 100, w->height - 12, FG_XPAD, w->height - 12);
}

static double max_abs_delta(const struct fg_writer *w)
{
	double max = 0;

	for (size_t i = 0; i < w->tree->nr_nodes; i++) {
		double d = fg_delta(w, &w->tree->nodes[i]);

		if (d < 0)
			d = -d;
		if (d > max)
			max = d;
	}
	return max;
}

static int write_svg(struct fg_writer *w)
{
	const struct fg_tree *t = w->tree;
	uint64_t total = t->nodes[0].total;
	int err;

	w->px_per_sample = total ? (w->width - 2.0 * FG_XPAD) / total : 0;
	err = for_each_drawn(w, false);
	if (err)
		return err;
	w->height = FG_TOP + FG_BOTTOM + (w->drawn_depth + 1) * FG_FRAME_HEIGHT;
	if (w->opts->base)
		w->max_delta = max_abs_delta(w);
	write_header(w);
	if (total)
		err = for_each_drawn(w, true);
	fputs("</g>\n", w->out);
	if (!total)
		fprintf(w->out,
			"<text x=\"%u\" y=\"%d\" style=\"text-anchor: middle\">no samples</text>\n",
			w->width / 2, FG_TOP + FG_FRAME_HEIGHT);
	fputs("</svg>\n", w->out);
	return err;
}

void flamegraph_opts__init(struct flamegraph_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->min_width = -1;
	opts->normalize = true;
}

int flamegraph__parse_colors(const char *name, enum flamegraph_colors *out)
{
	static const char *const names[] = {
		[FLAMEGRAPH_COLORS_KIND] = "kind",     [FLAMEGRAPH_COLORS_HOT] = "hot",
		[FLAMEGRAPH_COLORS_MEM] = "mem",       [FLAMEGRAPH_COLORS_IO] = "io",
		[FLAMEGRAPH_COLORS_RED] = "red",       [FLAMEGRAPH_COLORS_GREEN] = "green",
		[FLAMEGRAPH_COLORS_BLUE] = "blue",     [FLAMEGRAPH_COLORS_AQUA] = "aqua",
		[FLAMEGRAPH_COLORS_YELLOW] = "yellow", [FLAMEGRAPH_COLORS_PURPLE] = "purple",
		[FLAMEGRAPH_COLORS_ORANGE] = "orange",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

int flamegraph__write(const struct profile *prof, const struct flamegraph_opts *opts, FILE *out)
{
	struct fg_writer w = { .opts = opts, .out = out };
	struct fg_tree tree;
	int err;

	w.value = profile__meta(prof)->value;
	w.time_counts = w.value != PROFILE_VALUE_SAMPLES;
	w.width = opts->width ? opts->width : FG_DEFAULT_WIDTH;
	w.min_width = opts->min_width < 0 ? FG_DEFAULT_MIN_WIDTH : opts->min_width;
	err = fg_tree__init(&tree);
	if (err)
		goto out_free;
	err = fg_tree__add(&tree, prof, opts->reverse, false);
	if (err)
		goto out_free;
	w.base_scale = 1;
	if (opts->base) {
		uint64_t base_total = profile__total(opts->base);

		if (opts->normalize && base_total)
			w.base_scale = (double)profile__total(prof) / base_total;
		err = fg_tree__add(&tree, opts->base, opts->reverse, true);
		if (err)
			goto out_free;
	}
	err = fg_tree__link(&tree);
	if (err)
		goto out_free;
	w.tree = &tree;
	err = write_svg(&w);
	if (!err && (fflush(out) || ferror(out)))
		err = -EIO;
out_free:
	fg_tree__free(&tree);
	return err;
}
