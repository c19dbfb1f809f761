/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A command's options as one table: each entry names an option (long name, short letter,
 * the value's name), says what --help prints for it and how its value is parsed. The
 * command line is parsed (getopt_long underneath) and --help is printed from the same
 * table, so the two cannot drift apart.
 *
 * An entry's parser writes into the options struct the table describes, at the entry's
 * offset. Shared groups of options (sampling, flame graph, store window, verbosity) are
 * tables of their own, included by OPTION_GROUP with the offset of their struct in the
 * command's.
 */
#ifndef PROF_OPTION_TABLE_H
#define PROF_OPTION_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses of every command. */
#define EXIT_STATUS_RUNTIME 1 /* the command ran and failed */
#define EXIT_STATUS_USAGE 2   /* the command line was wrong */

/* Room for a parse error's reason, NUL included. */
#define OPTIONS_ERR_MAX 512

/* The decimal text of a numeric macro, for --help lines: OPTION_STR(99) is "99". */
#define OPTION_STR(x) OPTION_STR_(x)
#define OPTION_STR_(x) #x

enum options_result {
	OPTIONS_RUN,   /* parsed: run the command */
	OPTIONS_HELP,  /* --help was printed on stdout: exit 0 */
	OPTIONS_ERROR, /* a one-line reason is in the error buffer: exit 2 */
};

enum option_kind {
	OPTION_KIND_VALUE, /* an option; parse() applies it */
	OPTION_KIND_HELP,  /* -h, --help: prints the table's help */
	OPTION_KIND_TEXT,  /* help text only: a usage line, a heading, a note */
	OPTION_KIND_GROUP, /* the entries of another table, its struct at offset */
	OPTION_KIND_END,   /* ends a table */
};

struct option_spec;

/*
 * Applies @arg (NULL for an option without a value) to @target, the options struct of @opt's
 * table plus @opt's offset. Returns 0, or -EINVAL (-ENOMEM, -E2BIG) with a one-line reason
 * in @err (@errlen bytes) that names the option and what it accepts.
 */
typedef int option_parse_fn(const struct option_spec *opt, void *target, const char *arg, char *err,
			    size_t errlen);

struct option_spec {
	enum option_kind kind;
	const char *name; /* long name without "--" */
	char short_name;  /* 0 for none */
	const char *arg;  /* the value's name in --help; NULL: the option takes none */
	/*
	 * What --help says: for an option, its description, lines after the first indented
	 * under the first; for OPTION_KIND_TEXT, text printed as it is.
	 */
	const char *help;
	option_parse_fn *parse;
	size_t offset;			 /* of the target (or a group's struct) in the struct */
	const struct option_spec *group; /* OPTION_KIND_GROUP: the included table */
};

// clang-format off
#define OPTION_TEXT(text) { .kind = OPTION_KIND_TEXT, .help = (text) }
#define OPTION_GROUP(table, off) { .kind = OPTION_KIND_GROUP, .group = (table), .offset = (off) }
#define OPTION_HELP { .kind = OPTION_KIND_HELP, .name = "help", .short_name = 'h', \
		      .help = "this help" }
#define OPTION_END { .kind = OPTION_KIND_END }
// clang-format on

/* A command's table and how its operands (the arguments that are no options) are taken. */
struct option_table {
	const char *command; /* "record": named in errors, "see bpfprof record --help" */
	const struct option_spec *entries;
	bool in_order;	  /* options end at the first operand: the rest is a command's own */
	bool no_operands; /* an operand is an error */
};

/*
 * Parses @argv (@argv[0] is the command's name) into @opts, the struct @table describes,
 * which the caller has filled with its defaults. On OPTIONS_RUN, *@first_operand is the
 * index in @argv of the first operand (@argc when there is none). On OPTIONS_HELP the help
 * was printed on stdout. On OPTIONS_ERROR a one-line reason is in @err: an unknown option,
 * a missing or bad value, an unexpected operand. Values parsed before an error stay in
 * @opts, to be released as after a success.
 */
enum options_result option_table__parse(const struct option_table *table, void *opts, int argc,
					char **argv, int *first_operand, char *err, size_t errlen);

/* Prints @table's help, entries in their order, option descriptions aligned. */
void option_table__print_help(const struct option_table *table, FILE *out);

/*
 * The exit status of a command whose parse gave @result other than OPTIONS_RUN: 0 after
 * --help; after an error EXIT_STATUS_USAGE, with "bpfprof COMMAND: @err" printed on stderr.
 */
int option_table__exit_status(const struct option_table *table, enum options_result result,
			      const char *err);

/* Parsers for the simplest options: a bool set true, a borrowed string, an int counted up. */
option_parse_fn option_table__set_flag;
option_parse_fn option_table__set_string;
option_parse_fn option_table__count;

#endif
