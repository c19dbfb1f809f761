/* SPDX-License-Identifier: GPL-2.0-only */
/* What record and agent do alike to start sampling from their options. */
#ifndef PROF_SAMPLING_SETUP_H
#define PROF_SAMPLING_SETUP_H

#include <stddef.h>
#include <stdint.h>

#include "sampler.h"
#include "sampling_options.h"

struct proc_table;
struct symbolizer;
struct unwind_loader;

/*
 * What must hold before anything is opened: the privileges and BTF sampling needs, and the
 * processes of -p, whose ids (thread ids become their process's) go to @*tgids (malloc'ed,
 * owned by the caller also on failure, npids + 1 entries). Returns 0, or -EPERM / -ENOENT
 * / -ESRCH after logging why, or -ENOMEM.
 */
int sampling_setup__begin(const struct sampling_opts *opts, uint32_t **tgids);

/*
 * What names the samples: a symbolizer with the options' debug-info roots, keeping up to
 * @idle_cache_bytes of files no process maps any more (0: its default), and a process table
 * over it, both owned by the caller (also on failure: free them). Allows as many open files
 * as it may first: the symbolizer holds mapped files open until it reads them.
 * Returns 0 or -ENOMEM.
 */
int sampling_setup__naming(const struct sampling_opts *opts, size_t idle_cache_bytes,
			   struct symbolizer **sym, struct proc_table **procs);

/*
 * Fills the fields of @so that @opts decides, and sends process events to @procs; @tgids
 * and @procs are borrowed by @so.
 */
void sampling_setup__sampler_opts(const struct sampling_opts *opts, const uint32_t *tgids,
				  struct proc_table *procs, struct sampler_opts *so);

/*
 * Starts loading unwind tables into @sampler's maps as @procs reads processes (nothing with
 * --unwind fp: *@loader is then NULL), beginning with the -p processes @tgids[0..npids)
 * now, so that their first samples already unwind. *@loader is owned by the caller (free it
 * after @procs). Returns 0 or -ENOMEM.
 */
int sampling_setup__unwinding(const struct sampling_opts *opts, const uint32_t *tgids,
			      struct sampler *sampler, struct symbolizer *sym,
			      struct proc_table *procs, struct unwind_loader **loader);

/* This host's name into @host (PROFILE_HOST_MAX bytes); "unknown" when it has none. */
void sampling_setup__host_name(char *host);

#endif
