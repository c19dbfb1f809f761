/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tables that the pprof and OTLP profiles writers both make of a profile: its strings,
 * mappings (one per module file name, as pprof_internal.h names them), functions (by name,
 * system name and file) and locations (a frame and the frames inlined into it), each in
 * order of first sight, and each sample as its locations, leaf first. The writers differ
 * only in how they number and pack them.
 *
 * The struct is open to the writers (output/formats), which read its arrays; everything in
 * it is owned by it and freed by profile_tables__release().
 */
#ifndef PROF_PROFILE_TABLES_H
#define PROF_PROFILE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define PROFILE_TABLES_NO_MAPPING UINT32_MAX

struct pt_mapping {
	uint32_t filename; /* string id */
	uint32_t build_id; /* string id; 0 ("") until a frame of the mapping brings one */
	uint64_t limit;	   /* highest address + 1 */
	uint64_t weight;   /* samples whose outermost user location is in this mapping */
	bool has_filenames;
	bool has_line_numbers;
	bool has_inline_frames;
};

struct pt_function {
	uint32_t name; /* string ids */
	uint32_t system_name;
	uint32_t filename;
};

struct pt_location {
	const uint32_t *frames; /* frame ids, the real function first; in the arena */
	uint32_t len;
	uint32_t mapping; /* index in mappings, or PROFILE_TABLES_NO_MAPPING */
};

struct pt_sample {
	size_t first; /* its location indexes: sample_locs[first..first + len), leaf first */
	uint32_t len;
	bool root_inlined;
};

struct profile_tables {
	const struct profile *prof;
	struct string_pool *strings; /* the string table: "" is id 0 */
	struct arena *arena;
	char *text; /* a string being made valid UTF-8 */
	size_t text_cap;

	struct pt_mapping *mappings;
	size_t nr_mappings;
	size_t mappings_cap;
	struct hash_table *mapping_index;

	struct pt_function *functions;
	size_t nr_functions;
	size_t functions_cap;
	struct hash_table *function_index;
	uint32_t *frame_functions; /* frame id -> function index + 1; 0 until first seen */
	uint32_t *frame_locations; /* frame id -> index + 1 of its location alone (no frame
				    * inlined into it); 0 until first seen. Most locations are
				    * one frame: they skip the hash. */

	struct pt_location *locations;
	size_t nr_locations;
	size_t locations_cap;
	struct hash_table *location_index;

	struct pt_sample *samples; /* as many as the profile has */
	uint32_t *sample_locs;
	size_t nr_sample_locs;
	size_t sample_locs_cap;
	uint32_t *runs; /* the sample being split: location indexes, root first */
	size_t runs_cap;
};

/*
 * Makes the empty tables of @prof (borrowed until profile_tables__release()), with "" as
 * string 0. Returns 0 or -ENOMEM; release @t whatever it returns.
 */
int profile_tables__init(struct profile_tables *t, const struct profile *prof);

/* Splits every sample of the profile into locations, interning all it needs. 0 or -errno. */
int profile_tables__add_samples(struct profile_tables *t);

/* Interns @s (NULL: "") as valid UTF-8. Returns its string index or -errno. */
int64_t profile_tables__str(struct profile_tables *t, const char *s);

/* Memory for @n objects of @size bytes in the tables' arena, aligned for any type; or NULL. */
void *profile_tables__alloc(struct profile_tables *t, size_t n, size_t size);

/* Frees what @t holds (not @t itself). */
void profile_tables__release(struct profile_tables *t);

#endif
