/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One thread's share of reading folded text: lines parsed into stacks of names local to the
 * parser, touching no profile, so that several parsers can run at once on parts of a file.
 * The reader then gives the new names profile ids and adds the lines, in file order.
 */
#ifndef PROF_FOLDED_PARSER_H
#define PROF_FOLDED_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* The kind of a process name: not a frame. */
#define FOLDED_KIND_COMM FRAME_KIND_COUNT

struct folded_name {
	const char *text; /* not NUL-terminated; in the part parsed until resolved, then stable */
	uint32_t len;
	uint8_t kind; /* enum frame_kind, or FOLDED_KIND_COMM */
};

/* A well-formed line: ids[first] is the process name, then depth frames, root first. */
struct folded_line {
	size_t first;
	uint32_t depth;
	uint64_t count;
};

struct folded_parser {
	struct folded_name *names; /* by local id, in order of first sight */
	size_t nr_names, names_cap;
	size_t nr_resolved; /* names below this have a profile id in resolved[] */
	uint32_t *resolved; /* frames: the profile's frame id; comms: index in comms */
	size_t resolved_cap;
	char **comms; /* NUL-terminated process names, owned */
	size_t nr_comms, comms_cap;
	struct hash_table *index; /* (text, kind) -> local id */

	/* What the last part held. */
	uint32_t *ids;
	size_t nr_ids, ids_cap;
	struct folded_line *lines;
	size_t nr_lines, lines_cap;
	uint64_t text_lines; /* lines, empty ones included, for line numbers */
	uint64_t nonempty;   /* non-empty lines */
	uint64_t malformed;  /* of those, skipped */
	uint64_t first_bad;  /* line number of the first skipped line in the part, 0 if none */
	int err;	     /* -ENOMEM or -E2BIG: the part is not usable */

	/* Scratch: one line's frames, and the previous line's for the shared prefix. */
	struct folded_name *cur, *prev;
	uint32_t *prev_ids;
	size_t nr_prev, frames_cap;
};

/* Returns 0 or -ENOMEM; folded_parser__free() must follow either way. */
int folded_parser__init(struct folded_parser *p);
void folded_parser__free(struct folded_parser *p);

/*
 * Parses the lines in @data[0..len) (the last may lack its newline), replacing what the
 * previous part held. Malformed lines are counted, not kept. @data must stay as it is until
 * the new names are resolved. Sets p->err rather than returning it, for use from a thread.
 */
void folded_parser__parse(struct folded_parser *p, const char *data, size_t len);

#endif
