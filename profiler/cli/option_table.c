// SPDX-License-Identifier: GPL-2.0-only
#include "option_table.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* Where option descriptions start in --help. */
#define HELP_COLUMN 27
/* getopt_long values of long options: past every short letter. */
#define LONG_OPTION_BASE 256

/* An option of a table with its groups expanded, and where its parser writes. */
struct flat_option {
	const struct option_spec *spec;
	void *target;
};

/* The table flattened, in getopt_long's terms. */
struct getopt_tables {
	struct flat_option *options;
	size_t count;
	struct option *longopts; /* count + 1 entries, the last zero */
	char *shortopts;
};

static size_t count_options(const struct option_spec *t)
{
	size_t n = 0;

	for (; t->kind != OPTION_KIND_END; t++) {
		if (t->kind == OPTION_KIND_GROUP)
			n += count_options(t->group);
		else if (t->kind != OPTION_KIND_TEXT)
			n++;
	}
	return n;
}

/* Appends the options of @t, whose struct is at @base, to @out from *@n on. */
static void flatten(const struct option_spec *t, char *base, struct flat_option *out, size_t *n)
{
	for (; t->kind != OPTION_KIND_END; t++) {
		if (t->kind == OPTION_KIND_GROUP) {
			flatten(t->group, base + t->offset, out, n);
		} else if (t->kind != OPTION_KIND_TEXT) {
			out[*n].spec = t;
			out[(*n)++].target = base + t->offset;
		}
	}
}

static void getopt_tables__release(struct getopt_tables *g)
{
	free(g->options);
	free(g->longopts);
	free(g->shortopts);
}

/* Builds getopt_long's arguments for @table over @opts. Returns 0 or -ENOMEM. */
static int getopt_tables__build(struct getopt_tables *g, const struct option_table *table,
				void *opts)
{
	size_t n = count_options(table->entries), len = 0;
	char *s;

	memset(g, 0, sizeof(*g));
	g->options = calloc(n ? n : 1, sizeof(*g->options));
	g->longopts = calloc(n + 1, sizeof(*g->longopts));
	/* "+:" and at most "x:" per option. */
	g->shortopts = s = malloc(2 * n + 3);
	if (!g->options || !g->longopts || !s) {
		getopt_tables__release(g);
		return -ENOMEM;
	}
	flatten(table->entries, opts, g->options, &g->count);
	if (table->in_order)
		s[len++] = '+';
	/* A leading ':' makes a missing value ':' rather than '?'. */
	s[len++] = ':';
	for (size_t i = 0; i < n; i++) {
		const struct option_spec *o = g->options[i].spec;

		g->longopts[i] = (struct option){ o->name, o->arg ? required_argument : no_argument,
						  NULL, LONG_OPTION_BASE + (int)i };
		if (!o->short_name)
			continue;
		s[len++] = o->short_name;
		if (o->arg)
			s[len++] = ':';
	}
	s[len] = '\0';
	return 0;
}

/* The option getopt_long returned as @c, or NULL for none of ours. */
static const struct flat_option *getopt_tables__find(const struct getopt_tables *g, int c)
{
	if (c >= LONG_OPTION_BASE && (size_t)(c - LONG_OPTION_BASE) < g->count)
		return &g->options[c - LONG_OPTION_BASE];
	for (size_t i = 0; i < g->count; i++)
		if (g->options[i].spec->short_name == c)
			return &g->options[i];
	return NULL;
}

enum options_result option_table__parse(const struct option_table *table, void *opts, int argc,
					char **argv, int *first_operand, char *err, size_t errlen)
{
	enum options_result result = OPTIONS_RUN;
	const struct flat_option *o;
	struct getopt_tables g;
	int c;

	err[0] = '\0';
	*first_operand = argc;
	if (getopt_tables__build(&g, table, opts)) {
		snprintf(err, errlen, "out of memory");
		return OPTIONS_ERROR;
	}
	/* 0, not 1: getopt starts afresh, with this table's ordering. */
	optind = 0;
	opterr = 0;
	while (result == OPTIONS_RUN &&
	       (c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		o = getopt_tables__find(&g, c);
		if (c == ':') {
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			result = OPTIONS_ERROR;
		} else if (!o) {
			snprintf(err, errlen, "unknown option '%s' (see bpfprof %s --help)",
				 argv[optind - 1], table->command);
			result = OPTIONS_ERROR;
		} else if (o->spec->kind == OPTION_KIND_HELP) {
			option_table__print_help(table, stdout);
			result = OPTIONS_HELP;
		} else if (o->spec->parse(o->spec, o->target, optarg, err, errlen)) {
			result = OPTIONS_ERROR;
		}
	}
	if (result == OPTIONS_RUN && table->no_operands && optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see bpfprof %s --help)",
			 argv[optind], table->command);
		result = OPTIONS_ERROR;
	}
	if (result == OPTIONS_RUN)
		*first_operand = optind;
	getopt_tables__release(&g);
	return result;
}

/* "  -F, --frequency HZ" then the description, its lines under one another. */
static void print_option(const struct option_spec *o, FILE *out)
{
	const char *line = o->help, *end;
	int len;

	if (o->short_name)
		len = fprintf(out, "  -%c, --%s", o->short_name, o->name);
	else
		len = fprintf(out, "      --%s", o->name);
	if (o->arg)
		len += fprintf(out, " %s", o->arg);
	/* A name past the column by a character or two keeps its description on its line. */
	if (len < HELP_COLUMN)
		fprintf(out, "%*s", HELP_COLUMN - len, "");
	else if (len <= HELP_COLUMN + 1)
		fputs("  ", out);
	else
		fprintf(out, "\n%*s", HELP_COLUMN, "");
	for (;;) {
		end = strchrnul(line, '\n');
		fprintf(out, "%.*s\n", (int)(end - line), line);
		if (!*end)
			break;
		line = end + 1;
		fprintf(out, "%*s", HELP_COLUMN, "");
	}
}

static void print_entries(const struct option_spec *t, FILE *out)
{
	for (; t->kind != OPTION_KIND_END; t++) {
		if (t->kind == OPTION_KIND_GROUP)
			print_entries(t->group, out);
		else if (t->kind == OPTION_KIND_TEXT)
			fputs(t->help, out);
		else
			print_option(t, out);
	}
}

void option_table__print_help(const struct option_table *table, FILE *out)
{
	print_entries(table->entries, out);
}

int option_table__exit_status(const struct option_table *table, enum options_result result,
			      const char *err)
{
	if (result == OPTIONS_HELP)
		return 0;
	fprintf(stderr, "bpfprof %s: %s\n", table->command, err);
	return EXIT_STATUS_USAGE;
}

int option_table__set_flag(const struct option_spec *opt, void *target, const char *arg, char *err,
			   size_t errlen)
{
	(void)opt, (void)arg, (void)err, (void)errlen;
	*(bool *)target = true;
	return 0;
}

int option_table__set_string(const struct option_spec *opt, void *target, const char *arg,
			     char *err, size_t errlen)
{
	(void)opt, (void)err, (void)errlen;
	*(const char **)target = arg;
	return 0;
}

int option_table__count(const struct option_spec *opt, void *target, const char *arg, char *err,
			size_t errlen)
{
	(void)opt, (void)arg, (void)err, (void)errlen;
	(*(int *)target)++;
	return 0;
}
