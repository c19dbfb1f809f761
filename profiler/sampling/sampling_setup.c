// SPDX-License-Identifier: GPL-2.0-only
#include "sampling_setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "privileges.h"
#include "proc_table.h"
#include "profile.h"
#include "symbolizer.h"
#include "unwind_loader.h"

/* -p takes thread ids too, as perf does: the filter works on their process. */
static int pid_to_tgid(uint32_t pid, uint32_t *tgid)
{
	char path[64], line[256];
	FILE *f;
	int ret = -ESRCH;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %u", tgid) == 1) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

int sampling_setup__begin(const struct sampling_opts *opts, uint32_t **tgids)
{
	char why[256];
	int err;

	*tgids = NULL;
	err = privileges__check_sampling(why, sizeof(why));
	if (err) {
		pr_err("%s\n", why);
		return err;
	}
	*tgids = calloc(opts->npids + 1, sizeof(**tgids));
	if (!*tgids)
		return -ENOMEM;
	for (size_t i = 0; i < opts->npids; i++) {
		if (pid_to_tgid(opts->pids[i], &(*tgids)[i])) {
			pr_err("no such process: %u\n", opts->pids[i]);
			return -ESRCH;
		}
	}
	return 0;
}

static void on_proc_event(const struct prof_proc_event *event, void *procs)
{
	proc_table__on_event(procs, event, monotonic_ns());
}

void sampling_setup__sampler_opts(const struct sampling_opts *opts, const uint32_t *tgids,
				  struct proc_table *procs, struct sampler_opts *so)
{
	so->frequency = opts->frequency;
	so->cpus = opts->cpus;
	so->ncpus = opts->ncpus;
	so->pids = tgids;
	so->npids = opts->npids;
	so->filter_pids = opts->npids > 0;
	so->cgroup = opts->cgroup;
	so->include_idle = opts->include_idle;
	so->kernel_stacks = !opts->user_only;
	so->user_stacks = !opts->kernel_only;
	so->stack_map_size = opts->stack_map_size;
	so->counts_map_size = opts->counts_map_size;
	so->dwarf_unwind = !opts->frame_pointers_only;
	so->unwind_rows = opts->unwind_table_bytes / sizeof(struct prof_unwind_row);
	/* How kernels without bpf_loop and bpf_task_pt_regs sample, tried on one that has them. */
	so->fallback_paths = getenv("BPFPROF_FALLBACK_PATHS") != NULL;
	so->on_event = on_proc_event;
	so->event_ctx = procs;
}

static void load_process(void *loader, uint32_t tgid, const struct proc_maps *maps)
{
	unwind_loader__add_process(loader, tgid, maps);
}

static void forget_process(void *loader, uint32_t tgid)
{
	unwind_loader__remove_process(loader, tgid);
}

int sampling_setup__unwinding(const struct sampling_opts *opts, const uint32_t *tgids,
			      struct sampler *sampler, struct symbolizer *sym,
			      struct proc_table *procs, struct unwind_loader **loader)
{
	struct unwind_maps maps;
	struct proc_maps *snapshot;

	*loader = NULL;
	if (opts->frame_pointers_only)
		return 0;
	sampler__unwind_maps(sampler, &maps);
	*loader = unwind_loader__new(&maps, opts->unwind_cache);
	if (!*loader)
		return -ENOMEM;
	proc_table__set_observer(procs, &(struct proc_observer){
		.on_snapshot = load_process, .on_exit = forget_process, .ctx = *loader });
	for (size_t i = 0; i < opts->npids; i++) {
		/* A process gone already is reported when sampling finds nothing of it. */
		if (symbolizer__snapshot(sym, tgids[i], &snapshot))
			continue;
		unwind_loader__add_process(*loader, tgids[i], snapshot);
		proc_maps__free(snapshot);
	}
	return 0;
}

static void raise_file_limit(void)
{
	struct rlimit lim;

	if (!getrlimit(RLIMIT_NOFILE, &lim) && lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
}

int sampling_setup__naming(const struct sampling_opts *opts, size_t idle_cache_bytes,
			   struct symbolizer **sym, struct proc_table **procs)
{
	raise_file_limit();
	*sym = symbolizer__new(&(struct symbolizer_opts){
		.debuginfo_path = opts->debuginfo_path,
		.idle_cache_bytes = idle_cache_bytes,
	});
	*procs = *sym ? proc_table__new(*sym) : NULL;
	return *procs ? 0 : -ENOMEM;
}

void sampling_setup__host_name(char *host)
{
	if (gethostname(host, PROFILE_HOST_MAX - 1) || !host[0])
		strcpy(host, "unknown");
	host[PROFILE_HOST_MAX - 1] = '\0';
}

