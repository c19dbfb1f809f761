// SPDX-License-Identifier: GPL-2.0-only
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "clock.h"
#include "deferred_queue.h"
#include "deferred_walk.h"
#include "log.h"
#include "mapping_events.h"
#include "mapping_journal.h"
#include "privileges.h"
#include "profile.h"

/* Deferred samples waiting for a snapshot, at most (bytes), and per second per CPU. */
#define DEFERRED_QUEUE_BYTES (32u << 20)
#define DEFERRED_PER_SEC 1000

struct session {
	struct session_opts opts;
	uint32_t *tgids; /* the -p processes', npids + 1 entries */
	struct symbolizer *sym;
	struct proc_table *procs;
	struct sampler *sampler;
	struct unwind_loader *unwinder;	 /* NULL with --unwind fp */
	struct python_procs *python;	 /* NULL with --kernel-only or --no-python */
	struct java_procs *java;	 /* NULL without --java-perfmap */
	struct mapping_journal *journal; /* NULL when the kernel refused its events */
	struct mapping_events *journal_events;
	uint64_t journal_reaped_ns; /* CLOCK_MONOTONIC of the last mapping_journal__reap() */
	struct prof_sample_counters counters; /* the sampler's at the previous snapshot */
	struct deferred_queue *deferred;      /* NULL with --unwind fp */
	/* How the walks of deferred samples ended: since the start, and at the last snapshot. */
	uint64_t deferred_ends[PROF_UNWIND_NR_ENDS];
	uint64_t deferred_ends_then[PROF_UNWIND_NR_ENDS];
	struct deferred_walked **walking; /* the deferred samples of the snapshot being built */

	char host[PROFILE_HOST_MAX];
};

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

/* What must hold before anything is opened. */
static int check_sampling(struct session *s)
{
	const struct sampling_opts *opts = s->opts.sampling;
	char why[256];
	int err;

	err = privileges__check_sampling(why, sizeof(why));
	if (err) {
		pr_err("%s\n", why);
		return err;
	}
	s->tgids = calloc(opts->npids + 1, sizeof(*s->tgids));
	if (!s->tgids)
		return -ENOMEM;
	for (size_t i = 0; i < opts->npids; i++) {
		if (pid_to_tgid(opts->pids[i], &s->tgids[i])) {
			pr_err("no such process: %u\n", opts->pids[i]);
			return -ESRCH;
		}
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

static void host_name(char *host)
{
	if (gethostname(host, PROFILE_HOST_MAX - 1) || !host[0])
		strcpy(host, "unknown");
	host[PROFILE_HOST_MAX - 1] = '\0';
}

int session__open(const struct session_opts *opts, struct session **out)
{
	struct session *s;
	int err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->opts = *opts;
	host_name(s->host);
	err = check_sampling(s);
	if (err)
		goto out_free;
	raise_file_limit();
	s->sym = symbolizer__new(&(struct symbolizer_opts){
		.debuginfo_path = opts->sampling->debuginfo_path,
		.idle_cache_bytes = opts->idle_cache_bytes,
		.dwarf_budget = opts->dwarf_budget,
	});
	s->procs = s->sym ? proc_table__new(s->sym) : NULL;
	if (!s->procs) {
		err = -ENOMEM;
		goto out_free;
	}
	*out = s;
	return 0;

out_free:
	session__free(s);
	return err;
}

/*
 * Deferred samples are walked this long after they were taken: their process's mappings
 * and its binaries' tables are loaded by then (the dynamic loader maps libraries after
 * exec; a table is built on the first sample of its binary).
 */
#define DEFERRED_WALK_DELAY_NS 200000000ull

/* Exited images kept this long after their exit, for the events still on their way. */
#define JOURNAL_REAP_DELAY_NS 2000000000ull

static void read_journal(struct session *s)
{
	if (s->journal_events)
		mapping_events__read(s->journal_events);
}

static void on_proc_event(const struct prof_proc_event *event, void *ctx)
{
	struct session *s = ctx;

	/* The records of the image the event names were written before it: read them first. */
	read_journal(s);
	proc_table__on_event(s->procs, event, monotonic_ns());
}

static void on_python_code(const struct prof_python_code_event *code, void *ctx)
{
	struct session *s = ctx;

	if (s->python)
		python_procs__code_seen(s->python, code);
}

static void on_deferred(const struct prof_deferred_sample *sample, size_t size, void *queue)
{
	deferred_queue__push(queue, sample, size);
}

static void sampler_opts_of(struct session *s, struct sampler_opts *so)
{
	const struct sampling_opts *opts = s->opts.sampling;

	*so = (struct sampler_opts){
		.frequency = opts->frequency,
		.cpus = opts->cpus,
		.ncpus = opts->ncpus,
		.pids = s->tgids,
		.npids = opts->npids,
		.filter_pids = opts->npids > 0 || s->opts.follow_forks,
		.follow_forks = s->opts.follow_forks,
		.cgroup = opts->cgroup,
		.include_idle = opts->include_idle,
		.kernel_stacks = !opts->user_only,
		.user_stacks = !opts->kernel_only,
		.stack_map_size = opts->stack_map_size,
		.counts_map_size = opts->counts_map_size,
		.double_buffer = s->opts.time_slot_ns != 0,
		.time_slot_ns = s->opts.time_slot_ns,
		.dwarf_unwind = !opts->frame_pointers_only,
		.unwind_rows = opts->unwind_table_bytes / sizeof(struct prof_unwind_row),
		/* How kernels without bpf_loop and bpf_task_pt_regs sample, on one with them. */
		.fallback_paths = getenv("BPFPROF_FALLBACK_PATHS") != NULL,
		.on_event = on_proc_event,
		.event_ctx = s,
		.on_deferred = s->deferred ? on_deferred : NULL,
		.deferred_ctx = s->deferred,
		.deferred_per_sec = DEFERRED_PER_SEC,
		.on_python_code = on_python_code,
		.python_code_ctx = s,
		.off_cpu = opts->off_cpu,
		.off_cpu_min_ns = opts->off_cpu_min_ns,
		.off_cpu_probability = opts->off_cpu_probability == SAMPLING_OFF_CPU_AUTO ?
					       SAMPLER_OFF_CPU_AUTO :
					       opts->off_cpu_probability,
	};
}

static void load_process(void *ctx, uint32_t tgid, const struct proc_maps *maps)
{
	struct session *s = ctx;

	if (s->unwinder)
		unwind_loader__add_process(s->unwinder, tgid, maps);
	if (s->python)
		python_procs__add_process(s->python, tgid, maps);
	if (s->java)
		java_procs__add_process(s->java, tgid, maps);
}

static void forget_process(void *ctx, uint32_t tgid)
{
	struct session *s = ctx;

	if (s->unwinder)
		unwind_loader__remove_process(s->unwinder, tgid);
	if (s->python)
		python_procs__remove_process(s->python, tgid);
	if (s->java)
		java_procs__remove_process(s->java, tgid);
	/* A sample after the exit event made the process known again: it is gone for good. */
	sampler__forget_process(s->sampler, tgid);
}

/*
 * The unwind tables, the Python interpreters and the JVMs asked for perf maps follow the
 * process table, beginning with the -p processes now.
 */
static int start_unwinding(struct session *s)
{
	const struct sampling_opts *opts = s->opts.sampling;
	struct unwind_maps maps;
	struct proc_maps *snapshot;

	if (!opts->kernel_only && !opts->no_python) {
		s->python = python_procs__new(sampler__python_procs_fd(s->sampler));
		if (!s->python)
			return -ENOMEM;
	}
	if (opts->java_perfmap && !opts->kernel_only) {
		s->java = java_procs__new();
		if (!s->java)
			return -errno;
	}
	if (!opts->frame_pointers_only) {
		sampler__unwind_maps(s->sampler, &maps);
		s->unwinder = unwind_loader__new(&maps, opts->unwind_cache);
		if (!s->unwinder)
			return -ENOMEM;
	}
	for (size_t i = 0; i < opts->npids; i++) {
		/* A process gone already is reported when sampling finds nothing of it. */
		if (symbolizer__snapshot(s->sym, s->tgids[i], &snapshot))
			continue;
		load_process(s, s->tgids[i], snapshot);
		proc_maps__free(snapshot);
	}
	return 0;
}

int session__load(struct session *s, sampler_capture_fn on_capture, void *capture_ctx)
{
	struct sampler_opts so;
	int err;

	if (!s->opts.sampling->frame_pointers_only) {
		s->deferred = deferred_queue__new(DEFERRED_QUEUE_BYTES);
		if (!s->deferred)
			return -ENOMEM;
	}
	sampler_opts_of(s, &so);
	so.on_capture = on_capture;
	so.capture_ctx = capture_ctx;
	err = sampler__open(&so, &s->sampler);
	if (err)
		return err;
	proc_table__set_observer(s->procs, &(struct proc_observer){ .on_snapshot = load_process,
								    .on_exit = forget_process,
								    .ctx = s });
	return start_unwinding(s);
}

int session__add_pid(struct session *s, uint32_t tgid)
{
	return sampler__add_pid(s->sampler, tgid);
}

/* The journal's reader of processes older than it (mapping_journal_read_fn). */
static int read_older_process(void *sym, uint32_t tgid, struct proc_map **out, size_t *n)
{
	struct proc_maps *snapshot;
	int err = symbolizer__snapshot(sym, tgid, &snapshot);

	if (err)
		return err;
	*n = proc_maps__count(snapshot);
	*out = calloc(*n ? *n : 1, sizeof(**out));
	/* The paths stay: the symbolizer interned them. The dsos are not the journal's. */
	for (size_t i = 0; *out && i < *n; i++) {
		(*out)[i] = *proc_maps__get(snapshot, i);
		(*out)[i].dso = NULL;
	}
	proc_maps__free(snapshot);
	return *out ? 0 : -ENOMEM;
}

/*
 * The processes running as the journal starts, read now as perf does at its start (only
 * those of -p, when given): one sampled and gone before its first sample is read would go
 * unnamed. Those that exec'd or forked since are known from the records, fed first.
 */
static void read_older_processes(struct session *s)
{
	const struct sampling_opts *opts = s->opts.sampling;
	struct dirent *e;
	DIR *proc;

	mapping_events__read(s->journal_events);
	if (opts->npids) {
		for (size_t i = 0; i < opts->npids; i++)
			mapping_journal__read_older(s->journal, opts->pids[i]);
		return;
	}
	proc = opendir("/proc");
	if (!proc)
		return; /* then each is read at its first sample, as without the journal */
	while ((e = readdir(proc))) {
		char *end;
		unsigned long tgid = strtoul(e->d_name, &end, 10);

		if (*end || !tgid || tgid > UINT32_MAX)
			continue;
		mapping_journal__read_older(s->journal, (uint32_t)tgid);
	}
	closedir(proc);
}

/*
 * The mapping journal names the processes started from now on, even once they exited;
 * without it (a kernel that refuses its events) they are read from /proc as before.
 * Returns 0 or -errno (then the session goes on without the journal).
 */
static int start_journal(struct session *s)
{
	int err = -ENOMEM;

	s->journal = mapping_journal__new(NULL);
	if (s->journal) {
		mapping_journal__set_reader(s->journal, read_older_process, s->sym);
		err = mapping_events__open(sampler__cpus(s->sampler),
					   sampler__cpu_count(s->sampler), s->journal,
					   &s->journal_events);
	}
	if (err) {
		mapping_journal__free(s->journal);
		s->journal = NULL;
		return err;
	}
	proc_table__set_journal(s->procs, s->journal);
	read_older_processes(s);
	s->journal_reaped_ns = monotonic_ns();
	return 0;
}

int session__start(struct session *s)
{
	/* Before sampling, so that no process started since goes unrecorded. */
	int journal = start_journal(s), err = sampler__start(s->sampler);

	/* Where sampling failed too (privileges), its own error says why. */
	if (journal && !err)
		pr_warn("cannot record the processes' mappings (%s): processes that exit "
			"quickly may go unnamed\n",
			strerror(-journal));
	return err;
}

/* deferred_walk_fn: @d's user stack, through the mappings of its process image. */
static void walk_deferred(void *ctx, const struct prof_deferred_sample *d,
			  struct prof_user_stack *stack)
{
	struct session *s = ctx;
	const struct proc_entry *proc = proc_table__lookup(s->procs, d->key.proc_gen, d->key.tgid);
	struct captured_stack cs = { .ip = d->ip,
				     .sp = d->sp,
				     .bp = d->bp,
				     .bx = d->bx,
				     .di = d->di,
				     .ax = d->ax,
				     .bytes = d->stack,
				     .size = d->stack_bytes };

	unwind_loader__walk(s->unwinder, d->key.tgid, proc ? proc->maps : NULL, &cs, stack);
	s->deferred_ends[stack->end < PROF_UNWIND_NR_ENDS ? stack->end : PROF_UNWIND_DEPTH]++;
}

int session__poll(struct session *s, int timeout_ms)
{
	int ret = sampler__poll(s->sampler, timeout_ms);
	uint64_t now = monotonic_ns();

	read_journal(s);
	proc_table__refresh(s->procs, now, false);
	/* Walked while their processes likely run, then kept as frames (not stack bytes). */
	if (s->deferred && s->unwinder)
		deferred_queue__walk(s->deferred, now - DEFERRED_WALK_DELAY_NS, walk_deferred, s);
	/* Reaping walks every image: once a second is enough. */
	if (s->journal && now - s->journal_reaped_ns > NSEC_PER_SEC) {
		mapping_journal__reap(s->journal, now - JOURNAL_REAP_DELAY_NS);
		s->journal_reaped_ns = now;
	}
	return ret;
}

void session__stop(struct session *s)
{
	sampler__stop(s->sampler);
}

/* @now minus @before, field by field: the counters are cumulative. */
static void counters_delta(const struct prof_sample_counters *now,
			   const struct prof_sample_counters *before,
			   struct prof_sample_counters *delta)
{
	const __u64 *a = (const __u64 *)now, *b = (const __u64 *)before;
	__u64 *d = (__u64 *)delta;

	for (size_t i = 0; i < sizeof(*now) / sizeof(__u64); i++)
		d[i] = a[i] - b[i];
}

/* walked_samples.get: deferred sample @i of the snapshot, walked. */
static int get_deferred(void *ctx, size_t i, struct prof_sample_key *key,
			struct prof_user_stack *stack)
{
	struct session *s = ctx;
	const struct deferred_walked *w = s->walking[i];

	*key = w->key;
	stack->nr = w->nr;
	stack->end = w->end;
	/* Walked in user space: native frames only (the Python walk is the kernel's). */
	stack->python_end = 0;
	stack->native_nr = w->nr;
	memcpy(stack->ips, w->ips, w->nr * sizeof(w->ips[0]));
	return 0;
}

void session__set_lost(const struct prof_sample_counters *c, struct profile_meta *meta)
{
	meta->lost_known = true;
	meta->lost[PROFILE_LOST_KERNEL_STACK_COLLISION] = c->kstack_collision;
	meta->lost[PROFILE_LOST_USER_STACK_MAP_FULL] = c->ustack_collision;
	meta->lost[PROFILE_LOST_COUNTS_MAP_FULL] = c->counts_full;
	meta->lost[PROFILE_LOST_STACK_WALK_ERROR] = c->stack_errors;
}

/* The off-CPU profile of the read buffer. */
static int build_off_cpu_profile(struct session *s, const struct profile_meta *cpu_meta,
				 const struct sample_clock *clock, struct session_snapshot *out)
{
	struct profile_meta meta = *cpu_meta;
	struct profile_builder_stats build;

	out->off_cpu_prof = profile__new();
	if (!out->off_cpu_prof)
		return -ENOMEM;
	meta.period_ns = 0;
	meta.value = PROFILE_VALUE_OFF_CPU;
	/* The losses counted are CPU samples'; the summary's off-CPU line has its own. */
	meta.lost_known = false;
	memset(meta.lost, 0, sizeof(meta.lost));
	profile__set_meta(out->off_cpu_prof, &meta);
	return profile_builder__build(s->sampler, s->sym, s->procs, s->python,
				      s->opts.time_slot_ns ? clock : NULL, NULL, out->off_cpu_prof,
				      true, &build);
}

/* The read buffer's counts and stacks into out->prof, timed when samples carry slots. */
static int build_profile(struct session *s, uint64_t start_ns, uint64_t duration_ns,
			 struct session_snapshot *out)
{
	struct profile_meta meta = {
		.time_ns = start_ns,
		.duration_ns = duration_ns,
		.period_ns = NSEC_PER_SEC / s->opts.sampling->frequency,
	};
	struct walked_samples walked = { .get = get_deferred, .ctx = s };
	struct sample_clock clock;
	long n = 0;
	int err;

	if (s->deferred && s->unwinder) {
		n = deferred_queue__take(s->deferred, sampler__read_buffer(s->sampler),
					 walk_deferred, s, &s->walking);
		if (n < 0)
			return n;
		walked.n = n;
	}
	out->prof = profile__new();
	if (!out->prof)
		return -ENOMEM;
	snprintf(meta.host, sizeof(meta.host), "%s", s->host);
	session__set_lost(&out->counters, &meta);
	profile__set_meta(out->prof, &meta);
	clock.slot_ns = s->opts.time_slot_ns;
	clock.realtime_offset_ns = (int64_t)(realtime_ns() - monotonic_ns());
	err = profile_builder__build(s->sampler, s->sym, s->procs, s->python,
				     s->opts.time_slot_ns ? &clock : NULL, &walked, out->prof,
				     false, &out->build);
	if (!err && s->opts.sampling->off_cpu)
		err = build_off_cpu_profile(s, &meta, &clock, out);
	for (long i = 0; i < n; i++)
		free(s->walking[i]);
	free(s->walking);
	s->walking = NULL;
	if (err) {
		profile__free(out->prof);
		profile__free(out->off_cpu_prof);
		out->prof = NULL;
		out->off_cpu_prof = NULL;
	}
	return err;
}

int session__snapshot(struct session *s, uint64_t start_ns, uint64_t duration_ns,
		      struct session_snapshot *out)
{
	bool intervals = s->opts.time_slot_ns != 0;
	struct prof_sample_counters now;
	int err, cleared;

	memset(out, 0, sizeof(*out));
	if (intervals) {
		err = sampler__switch_buffer(s->sampler);
		if (err)
			return err;
	}
	/* Process events up to the switch or the stop, so that every sample's image is known. */
	read_journal(s);
	while (sampler__poll(s->sampler, 0) > 0)
		;
	/* At the end, images exec'd in the last second: read again those still running. */
	proc_table__refresh(s->procs, monotonic_ns(), !intervals);
	if (!sampler__counters(s->sampler, &now)) {
		counters_delta(&now, &s->counters, &out->counters);
		s->counters = now;
	}
	err = build_profile(s, start_ns, duration_ns, out);
	/* The ends of deferred walks join the kernel's. */
	for (int i = 0; i < PROF_UNWIND_NR_ENDS; i++) {
		out->counters.unwind_ends[i] += s->deferred_ends[i] - s->deferred_ends_then[i];
		s->deferred_ends_then[i] = s->deferred_ends[i];
	}
	if (!intervals)
		return err;
	cleared = sampler__clear_read_buffer(s->sampler);
	if (cleared) {
		pr_warn("cannot empty the sample maps: %s\n", strerror(-cleared));
		profile__free(out->prof);
		out->prof = NULL;
	}
	proc_table__evict(s->procs);
	return err ?: cleared;
}

int session__stats(struct session *s, struct session_stats *stats)
{
	int err;

	memset(stats, 0, sizeof(*stats));
	stats->ncpus = sampler__cpu_count(s->sampler);
	symbolizer__stats(s->sym, &stats->sym);
	proc_table__stats(s->procs, &stats->procs);
	stats->journal_open = s->journal != NULL;
	if (s->journal)
		mapping_journal__stats(s->journal, &stats->journal);
	stats->dwarf_unwind = s->unwinder != NULL;
	if (s->unwinder)
		unwind_loader__stats(s->unwinder, &stats->unwind);
	if (s->python)
		python_procs__stats(s->python, &stats->python);
	if (s->java)
		java_procs__stats(s->java, &stats->java);
	stats->deferred_lost = s->deferred ? deferred_queue__lost(s->deferred) : 0;
	err = sampler__counters(s->sampler, &stats->counters);
	stats->off_cpu = s->opts.sampling->off_cpu;
	if (!err && stats->off_cpu)
		err = sampler__off_cpu_stats(s->sampler, &stats->off_cpu_stats);
	for (int i = 0; i < PROF_UNWIND_NR_ENDS; i++) {
		stats->deferred_walked += s->deferred_ends[i];
		stats->counters.unwind_ends[i] += s->deferred_ends[i];
	}
	return err;
}

size_t session__process_count(const struct session *s)
{
	return proc_table__count(s->procs);
}

size_t session__map_memory(struct session *s, struct sampler_map_memory *out, size_t cap)
{
	return s->sampler ? sampler__map_memory(s->sampler, out, cap) : 0;
}

const char *session__host(const struct session *s)
{
	return s->host;
}

void session__free(struct session *s)
{
	if (!s)
		return;
	/* The sampler feeds the process table, which tells the unwind loader: in that order. */
	sampler__free(s->sampler);
	mapping_events__free(s->journal_events);
	proc_table__free(s->procs);
	mapping_journal__free(s->journal); /* after the table: it holds images */
	unwind_loader__free(s->unwinder);
	python_procs__free(s->python);
	java_procs__free(s->java); /* an attach under way ends within its timeout */
	deferred_queue__free(s->deferred);
	symbolizer__free(s->sym);
	free(s->tgids);
	free(s);
}
