/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Keeps the BPF stack walker's maps in step with the processes it samples: for each
 * process read, the unwind table of every binary it maps executable (built from the
 * binary's .eh_frame, or read from the disk cache, once per binary: processes mapping the
 * same binary share it), and the process's list of executable mappings. A table is
 * unloaded when the last process mapping its binary is forgotten.
 */
#ifndef PROF_UNWIND_LOADER_H
#define PROF_UNWIND_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct captured_stack;
struct proc_maps;
struct prof_user_stack;
/* The maps user space fills for the stack walker (see unwind_abi.h); borrowed. */
struct unwind_maps {
	int procs_fd;  /* unwind_procs */
	int tables_fd; /* unwind_tables */
	uint32_t max_tables;
	int rows_fd; /* unwind_rows */
	uint32_t max_rows;
	uint32_t *generation; /* bumped after every change the walker may have cached */
};
struct unwind_loader;

struct unwind_loader_stats {
	uint64_t tables;	   /* binaries whose table is in the kernel now */
	uint64_t built;		   /* tables built from call-frame information */
	uint64_t from_cache;	   /* tables read from the disk cache */
	uint64_t without_table;	   /* binaries without usable call-frame information */
	uint64_t over_budget;	   /* tables left out: the rows budget was used up */
	uint64_t rows;		   /* rows in the kernel now */
	uint64_t max_rows;	   /* the rows budget */
	uint64_t peak_rows;	   /* most rows in the kernel at once */
	uint64_t processes;	   /* processes whose mappings the walker knows now */
	uint64_t mappings_dropped; /* executable mappings beyond PROF_UNWIND_MAX_MAPPINGS */
	uint64_t build_ns;	   /* time spent building and reading tables */
};

/*
 * @maps (borrowed: the sampler's, outliving the loader) are filled from now on. @cache_dir
 * (copied; NULL: none) keeps built tables across runs. Returns NULL with errno set.
 */
struct unwind_loader *unwind_loader__new(const struct unwind_maps *maps, const char *cache_dir);
/* NULL-safe. The maps keep what was loaded. */
void unwind_loader__free(struct unwind_loader *loader);

/*
 * Loads the tables of what @maps (a snapshot of process @tgid, taken while it ran) maps
 * executable, and gives the walker its mappings, replacing what it had for @tgid.
 * Returns 0 or -errno (-ENOMEM; the walker then falls back to frame pointers).
 */
int unwind_loader__add_process(struct unwind_loader *loader, uint32_t tgid,
			       const struct proc_maps *maps);

/* Forgets process @tgid (it exited) and unloads the tables no other process maps. */
void unwind_loader__remove_process(struct unwind_loader *loader, uint32_t tgid);

/*
 * Walks the captured stack @cs of a sample of process @tgid, whose executable mappings
 * @maps (NULL: unknown, frame pointers only) describe, into @out with the rules of the BPF
 * walker (deferred_walk()). The tables of the binaries mapped are loaded if they are not,
 * used for the walk and released after it: they stay loaded, idle, until their room is
 * wanted, like those of any process that exited. Everything is borrowed for the call. A
 * table that cannot be had leaves its mapping to frame pointers.
 */
void unwind_loader__walk(struct unwind_loader *loader, uint32_t tgid, const struct proc_maps *maps,
			 const struct captured_stack *cs, struct prof_user_stack *out);

void unwind_loader__stats(const struct unwind_loader *loader, struct unwind_loader_stats *stats);

#endif
