// SPDX-License-Identifier: GPL-2.0-only
/*
 * Samples are merged into a tree keyed by (parent, name, kind) (flamegraph_tree.c): frames
 * of one function at different addresses or lines become one box. Children are laid out
 * sorted by name, and a subtree narrower than the minimum width is not written at all (nor
 * built), which is what keeps the output of a huge profile to a few megabytes.
 */
#include "flamegraph.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fixed_format.h"
#include "flamegraph_tree.h"
#include "hash_table.h"
#include "profile.h"
#include "utf8.h"

#define FG_DEFAULT_WIDTH 1200
#define FG_DEFAULT_MIN_WIDTH 0.1
#define FG_FRAME_HEIGHT 16
#define FG_FONT_SIZE 12
#define FG_XPAD 10
#define FG_TOP 62    /* title, subtitle and the search controls */
#define FG_BOTTOM 34 /* the details line */
#define FG_ROOT_NAME "all"

extern const char flamegraph_js[];

struct fg_writer {
	const struct fg_tree *tree;
	const struct flamegraph_opts *opts;
	FILE *out;
	unsigned int width;
	struct fg_prune prune; /* px_per_sample and min_width: what is drawn */
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
	size_t i, n, run = 0; /* s[run..i) passes through as it is */

	/* Runs are written whole: a stdio call per byte costs a lock each once threads ran. */
	for (i = 0; i < len; i += n) {
		const char *escape = NULL;

		n = utf8__char_len(s + i, len - i);
		if (n > 1) {
			if (n == 3 && p[i] == 0xef && p[i + 1] == 0xbf && p[i + 2] >= 0xbe)
				escape = UTF8_REPLACEMENT;
		} else {
			n = 1;
			switch (p[i]) {
			case '<':
				escape = "&lt;";
				break;
			case '>':
				escape = "&gt;";
				break;
			case '&':
				escape = "&amp;";
				break;
			case '"':
				escape = "&quot;";
				break;
			default:
				if (p[i] < 0x20 || p[i] >= 0x80)
					escape = UTF8_REPLACEMENT;
			}
		}
		if (!escape)
			continue;
		fwrite(s + run, 1, i - run, out);
		fputs(escape, out);
		run = i + n;
	}
	fwrite(s + run, 1, len - run, out);
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
	char pct_text[FIXED_FORMAT_MAX];

	fixed_format(pct_text, pct, 2);
	xml_escaped(w->out, name);
	if (w->time_counts) {
		/* Off-CPU and wall-time graphs: widths are time. */
		fputs(" (", w->out);
		write_time(w->out, n->total);
		fprintf(w->out, ", %s%%", pct_text);
	} else {
		fprintf(w->out, " (%" PRIu64 " sample%s, %s%%", n->total, n->total == 1 ? "" : "s",
			pct_text);
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
	bool root = n == w->tree->nodes;
	const char *name = root ? FG_ROOT_NAME : fg_tree__name(w->tree, n);
	double y = frame_y(w, n->depth);
	char width_text[FIXED_FORMAT_MAX], x_text[FIXED_FORMAT_MAX], y_text[FIXED_FORMAT_MAX];
	char label_x[FIXED_FORMAT_MAX], label_y[FIXED_FORMAT_MAX];
	int rgb[3];

	/* The script cuts labels from the width as written: so does write_label. */
	fixed_format(width_text, width, 1);
	width = strtod(width_text, NULL);
	if (w->opts->base)
		diff_color(w, n, rgb);
	else if (root)
		rgb[0] = 250, rgb[1] = 250, rgb[2] = 220;
	else
		palette_color(w->opts->colors == FLAMEGRAPH_COLORS_KIND ?
				      palette_of_kind(fg_tree__kind(w->tree, n)) :
				      w->opts->colors,
			      name, rgb);
	fputs("<g><title>", w->out);
	write_title(w, n, name);
	fixed_format(x_text, x, 1);
	fixed_format(y_text, y, 1);
	fixed_format(label_x, x + 3, 1);
	fixed_format(label_y, y + FG_FRAME_HEIGHT - 5.0, 1);
	fprintf(w->out,
		"</title><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%d\" "
		"fill=\"rgb(%d,%d,%d)\" rx=\"2\" ry=\"2\"/><text x=\"%s\" y=\"%s\">",
		x_text, y_text, width_text, FG_FRAME_HEIGHT - 1, rgb[0], rgb[1], rgb[2], label_x,
		label_y);
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
		double width = n->total * w->prune.px_per_sample;

		if (!fg_prune__drawn(&w->prune, n->total))
			continue;
		if (draw)
			write_frame(w, n, x, width);
		else if (n->depth > w->drawn_depth)
			w->drawn_depth = n->depth;
		/* Pushed in reverse so that they come off in name order, left to right. */
		double cx = x + width;
		for (uint32_t i = n->nr_children; i-- > 0;) {
			uint32_t child = n->first_child + i;

			cx -= t->nodes[child].total * w->prune.px_per_sample;
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
	uint64_t total = profile__total(prof);
	struct fg_tree tree;
	int err;

	w.value = profile__meta(prof)->value;
	w.time_counts = w.value != PROFILE_VALUE_SAMPLES;
	w.width = opts->width ? opts->width : FG_DEFAULT_WIDTH;
	w.prune.px_per_sample = total ? (w.width - 2.0 * FG_XPAD) / total : 0;
	w.prune.min_width = opts->min_width < 0 ? FG_DEFAULT_MIN_WIDTH : opts->min_width;
	/* A diff's colours scale with the largest change anywhere, drawn or not. */
	w.prune.enabled = !opts->base;
	w.base_scale = 1;
	if (opts->base) {
		uint64_t base_total = profile__total(opts->base);

		if (opts->normalize && base_total)
			w.base_scale = (double)total / base_total;
	}
	err = fg_tree__build(&tree, prof, opts->base, opts->reverse, &w.prune);
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
