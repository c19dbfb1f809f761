// SPDX-License-Identifier: GPL-2.0-only
#include "agent_metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "metrics_server.h"
#include "process_usage.h"
#include "prometheus_text.h"
#include "session.h"
#include "store.h"
#include "upload.h"

/* How long a scrape waits for the loop's snapshot; it polls at least every 100 ms. */
#define FRESH_WAIT_NS (1 * NSEC_PER_SEC)

/* One publication of the loop's figures. */
struct metrics_snapshot {
	bool valid;		/* published at least once */
	uint64_t taken_mono_ns; /* when */
	struct session_stats session;
	bool counters_read; /* session.counters were read */
	size_t processes;
	struct sampler_map_memory maps[SAMPLER_MAX_MAPS];
	size_t nmaps;
	struct agent_metrics_counts counts;
	struct store_stats store;
	struct upload_stats upload;
};

struct agent_metrics {
	struct metrics_server *server;
	pthread_mutex_t lock;
	pthread_cond_t published; /* CLOCK_MONOTONIC */
	/* Under lock: */
	bool wanted;	  /* a scrape waits; also read by the loop without the lock */
	bool closing;	  /* no scrape waits any more */
	uint64_t version; /* publications so far */
	struct metrics_snapshot snap;
	/* Outside the lock, each of one thread: */
	struct metrics_snapshot next;	 /* the loop's, being read */
	struct metrics_snapshot serving; /* the server's, being rendered */
};

bool agent_metrics__wanted(struct agent_metrics *m)
{
	return __atomic_load_n(&m->wanted, __ATOMIC_RELAXED);
}

void agent_metrics__update(struct agent_metrics *m, struct session *s, const struct store *store,
			   struct uploader *up, const struct agent_metrics_counts *counts)
{
	struct metrics_snapshot *next = &m->next;

	/* Read outside the lock: a scrape copying the last snapshot never waits for it. */
	memset(next, 0, sizeof(*next));
	next->valid = true;
	next->counters_read = !session__stats(s, &next->session);
	next->processes = session__process_count(s);
	next->nmaps = session__map_memory(s, next->maps, SAMPLER_MAX_MAPS);
	next->counts = *counts;
	if (store)
		store__stats(store, &next->store);
	if (up)
		uploader__stats(up, &next->upload);
	next->taken_mono_ns = monotonic_ns();
	pthread_mutex_lock(&m->lock);
	m->snap = *next;
	m->version++;
	__atomic_store_n(&m->wanted, false, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&m->published);
	pthread_mutex_unlock(&m->lock);
}

/* Asks the loop for a snapshot and copies it to @out: a fresh one, or the last one in time. */
static void take_snapshot(struct agent_metrics *m, struct metrics_snapshot *out)
{
	uint64_t deadline = monotonic_ns() + FRESH_WAIT_NS, version;
	struct timespec ts = { .tv_sec = deadline / NSEC_PER_SEC,
			       .tv_nsec = deadline % NSEC_PER_SEC };

	pthread_mutex_lock(&m->lock);
	version = m->version;
	__atomic_store_n(&m->wanted, true, __ATOMIC_RELAXED);
	while (m->version == version && !m->closing)
		if (pthread_cond_timedwait(&m->published, &m->lock, &ts) == ETIMEDOUT)
			break;
	*out = m->snap;
	pthread_mutex_unlock(&m->lock);
}

static void counter(FILE *f, const char *name, const char *help, uint64_t value)
{
	prom_text__family(f, name, PROM_COUNTER, help);
	prom_text__sample_u64(f, name, NULL, 0, value);
}

static void gauge(FILE *f, const char *name, const char *help, uint64_t value)
{
	prom_text__family(f, name, PROM_GAUGE, help);
	prom_text__sample_u64(f, name, NULL, 0, value);
}

/* One sample of a family with one label. */
static void labelled(FILE *f, const char *name, const char *label, const char *value,
		     uint64_t count)
{
	struct prom_label l = { label, value };

	prom_text__sample_u64(f, name, &l, 1, count);
}

/* client_golang's process collector, names and help texts as it has them. */
static void render_process(FILE *f)
{
	struct process_usage u;

	process_usage__read("/proc", &u);
	if (u.have_stat) {
		prom_text__family(f, "process_cpu_seconds_total", PROM_COUNTER,
				  "Total user and system CPU time spent in seconds.");
		prom_text__sample(f, "process_cpu_seconds_total", NULL, 0, u.cpu_seconds);
		gauge(f, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
		      u.virtual_bytes);
		gauge(f, "process_resident_memory_bytes", "Resident memory size in bytes.",
		      u.resident_bytes);
		prom_text__family(f, "process_start_time_seconds", PROM_GAUGE,
				  "Start time of the process since unix epoch in seconds.");
		prom_text__sample(f, "process_start_time_seconds", NULL, 0, u.start_time_s);
	}
	if (u.have_fds)
		gauge(f, "process_open_fds", "Number of open file descriptors.", u.open_fds);
	if (u.have_limits) {
		gauge(f, "process_max_fds", "Maximum number of open file descriptors.", u.max_fds);
		gauge(f, "process_virtual_memory_max_bytes",
		      "Maximum amount of virtual memory available in bytes.", u.max_virtual_bytes);
	}
}

static void render_samples(FILE *f, const struct metrics_snapshot *s)
{
	const struct prof_sample_counters *c = &s->session.counters;

	counter(f, "bpfprof_samples_total",
		"Samples taken: CPU-clock events that passed the filters, on every CPU.",
		c->samples);
	counter(f, "bpfprof_samples_kept_total",
		"Samples in the profiles of the intervals closed so far.", s->counts.samples_kept);
	prom_text__family(f, "bpfprof_samples_lost_total", PROM_COUNTER,
			  "Samples lost, by cause: kernel stack map collisions, the user stack "
			  "map full, other stack errors, the counts map full, the deferred "
			  "queue full.");
	labelled(f, "bpfprof_samples_lost_total", "cause", "kernel_stack_collision",
		 c->kstack_collision);
	labelled(f, "bpfprof_samples_lost_total", "cause", "user_stack_map_full",
		 c->ustack_collision);
	labelled(f, "bpfprof_samples_lost_total", "cause", "stack_error", c->stack_errors);
	labelled(f, "bpfprof_samples_lost_total", "cause", "counts_map_full", c->counts_full);
	labelled(f, "bpfprof_samples_lost_total", "cause", "deferred_queue_full",
		 s->session.deferred_lost);
	counter(f, "bpfprof_process_events_lost_total",
		"Process events (first sight, exec, exit) lost: their ring buffer was full.",
		c->events_lost);
	gauge(f, "bpfprof_processes", "Process images held to name samples.", s->processes);
}

/* With --off-cpu: context switches, waits charged and lost, the switch program's cost. */
static void render_off_cpu(FILE *f, const struct metrics_snapshot *s)
{
	const struct sampler_off_cpu_stats *o = &s->session.off_cpu_stats;
	const struct prof_sample_counters *c = &o->counters;

	if (!s->session.off_cpu)
		return;
	counter(f, "bpfprof_off_cpu_switches_total",
		"Context switches away from selected user threads (--off-cpu).", c->samples);
	counter(f, "bpfprof_off_cpu_followed_total",
		"Switches followed (--off-cpu-probability): their stacks taken.",
		c->off_cpu_walked);
	counter(f, "bpfprof_off_cpu_waits_total",
		"Waits charged to their stacks: at least --off-cpu-min long.", c->off_cpu_charged);
	counter(f, "bpfprof_off_cpu_short_waits_total",
		"Waits shorter than --off-cpu-min, not charged.", c->off_cpu_short);
	prom_text__family(f, "bpfprof_off_cpu_seconds_total", PROM_COUNTER,
			  "Time off the CPU charged, before scaling by 1/probability.");
	prom_text__sample(f, "bpfprof_off_cpu_seconds_total", NULL, 0, c->off_cpu_ns * 1e-9);
	prom_text__family(f, "bpfprof_off_cpu_lost_total", PROM_COUNTER,
			  "Off-CPU waits lost, by cause: the table of waiting threads full, "
			  "waits longer than the intervals followed, the counts map full, "
			  "stacks the keeper had no room for.");
	labelled(f, "bpfprof_off_cpu_lost_total", "cause", "threads_table_full",
		 c->off_cpu_starts_full);
	labelled(f, "bpfprof_off_cpu_lost_total", "cause", "too_long", c->off_cpu_crossed);
	labelled(f, "bpfprof_off_cpu_lost_total", "cause", "counts_map_full", c->counts_full);
	labelled(f, "bpfprof_off_cpu_lost_total", "cause", "stacks_not_kept", o->stacks_not_kept);
	gauge(f, "bpfprof_off_cpu_kept_stack_bytes",
	      "Stacks of waits that outlast their interval, held in memory.", o->stacks_kept_bytes);
	if (o->cost_known) {
		prom_text__family(f, "bpfprof_off_cpu_program_seconds_total", PROM_COUNTER,
				  "Time the switch program ran, on every CPU (the kernel's BPF "
				  "statistics).");
		prom_text__sample(f, "bpfprof_off_cpu_program_seconds_total", NULL, 0,
				  o->run_ns * 1e-9);
		counter(f, "bpfprof_off_cpu_program_runs_total",
			"Times the switch program ran (every context switch).", o->runs);
	}
}

static void render_unwinding(FILE *f, const struct metrics_snapshot *s)
{
	static const char *const reason[PROF_UNWIND_NR_ENDS] = {
		[PROF_UNWIND_COMPLETE] = "complete",
		[PROF_UNWIND_NO_TABLE] = "no_table",
		[PROF_UNWIND_NO_ROW] = "no_row",
		[PROF_UNWIND_BAD_READ] = "bad_read",
		[PROF_UNWIND_DEPTH] = "depth_limit",
		[PROF_UNWIND_UNSUPPORTED] = "unsupported_rule",
		[PROF_UNWIND_BAD_FRAME] = "bad_frame",
	};
	const struct prof_sample_counters *c = &s->session.counters;
	const struct unwind_loader_stats *u = &s->session.unwind;

	_Static_assert(PROF_UNWIND_NR_ENDS == 7, "a reason for every end of a walk");
	prom_text__family(f, "bpfprof_user_stacks_total", PROM_COUNTER,
			  "User stacks walked, by how the walk ended: complete (to the "
			  "outermost frame) or the reason it stopped early.");
	for (int i = 0; i < PROF_UNWIND_NR_ENDS; i++)
		labelled(f, "bpfprof_user_stacks_total", "reason", reason[i], c->unwind_ends[i]);
	prom_text__family(f, "bpfprof_user_stacks_missing_total", PROM_COUNTER,
			  "Samples of user processes without a user stack, by reason.");
	labelled(f, "bpfprof_user_stacks_missing_total", "reason", "no_user_registers",
		 c->user_missing);
	labelled(f, "bpfprof_user_stacks_missing_total", "reason", "in_execve", c->user_in_exec);
	prom_text__family(f, "bpfprof_unwind_frames_total", PROM_COUNTER,
			  "User frames walked, by method: unwind table rows or frame pointers.");
	labelled(f, "bpfprof_unwind_frames_total", "method", "table", c->unwind_table_frames);
	labelled(f, "bpfprof_unwind_frames_total", "method", "frame_pointer", c->unwind_fp_frames);
	gauge(f, "bpfprof_unwind_tables", "Binaries whose unwind table is in the kernel.",
	      u->tables);
	/* A row is 8 bytes (bpf/unwind_abi.h), as the log's summary counts them. */
	gauge(f, "bpfprof_unwind_table_bytes", "Bytes of unwind table rows in the kernel.",
	      u->rows * 8);
	gauge(f, "bpfprof_unwind_table_max_bytes",
	      "The budget of unwind table rows (--unwind-table-size).", u->max_rows * 8);
}

static void render_memory(FILE *f, const struct metrics_snapshot *s)
{
	const struct symbolizer_stats *y = &s->session.sym;
	const char *name = "bpfprof_bpf_map_memory_bytes";

	prom_text__family(f, name, PROM_GAUGE,
			  "Memory the kernel accounts to each BPF map of the sampler (memlock "
			  "of its fdinfo).");
	for (size_t i = 0; i < s->nmaps; i++)
		labelled(f, name, "map", s->maps[i].name, s->maps[i].bytes);
	name = "bpfprof_symbolizer_cache_entries";
	prom_text__family(f, name, PROM_GAUGE,
			  "Entries of the symbolizer's caches: mapped files (in use and idle), "
			  "idle files, addresses named, interned names.");
	labelled(f, name, "cache", "files", y->files);
	labelled(f, name, "cache", "idle_files", y->idle_files);
	labelled(f, name, "cache", "addresses", y->addr_entries);
	labelled(f, name, "cache", "names", y->names);
	name = "bpfprof_symbolizer_cache_bytes";
	prom_text__family(f, name, PROM_GAUGE,
			  "Bytes the symbolizer's caches hold: DWARF of every binary, idle "
			  "files (their DWARF included), addresses named, interned names.");
	labelled(f, name, "cache", "dwarf", y->dwarf_bytes);
	labelled(f, name, "cache", "idle_files", y->idle_file_bytes);
	labelled(f, name, "cache", "addresses", y->addr_bytes);
	labelled(f, name, "cache", "names", y->name_bytes);
}

static void render_delivery(FILE *f, const struct metrics_snapshot *s)
{
	const struct upload_stats *u = &s->upload;

	counter(f, "bpfprof_intervals_total", "Intervals closed.", s->counts.intervals);
	counter(f, "bpfprof_intervals_stored_total", "Intervals written to the store.",
		s->store.written);
	counter(f, "bpfprof_intervals_not_stored_total",
		"Intervals with samples not written to the store (full disk, encoding "
		"failures).",
		s->counts.intervals_not_stored);
	gauge(f, "bpfprof_store_intervals", "Interval files the store holds.", s->store.files);
	gauge(f, "bpfprof_store_size_bytes", "Bytes of interval files the store holds.",
	      s->store.bytes);
	prom_text__family(f, "bpfprof_store_removed_total", PROM_COUNTER,
			  "Interval files removed to keep the store's limits, by limit.");
	labelled(f, "bpfprof_store_removed_total", "limit", "size", s->store.removed_size);
	labelled(f, "bpfprof_store_removed_total", "limit", "age", s->store.removed_age);
	counter(f, "bpfprof_intervals_uploaded_total", "Intervals the server accepted.",
		u->uploaded);
	counter(f, "bpfprof_upload_errors_total",
		"Upload attempts that failed and will be retried (no connection, timeouts, "
		"HTTP 408, 429, 5xx).",
		u->attempts_failed);
	counter(f, "bpfprof_uploads_refused_total",
		"Uploads the server refused (other 3xx and 4xx): not retried in this run.",
		u->refused);
	counter(f, "bpfprof_uploads_given_up_total",
		"Refused intervals that will not be sent again.", u->given_up);
	counter(f, "bpfprof_uploads_dropped_total",
		"Intervals dropped from the full memory queue before upload.", u->dropped);
	gauge(f, "bpfprof_upload_pending_intervals",
	      "Intervals waiting for upload, one being sent included.", u->pending);
	gauge(f, "bpfprof_upload_refused_kept_intervals",
	      "Refused intervals the store keeps for the next start.", u->refused_kept);
}

static int render(void *ctx, char **text, size_t *len)
{
	struct agent_metrics *m = ctx;
	struct metrics_snapshot *snap = &m->serving;
	FILE *f;

	*text = NULL;
	f = open_memstream(text, len);
	if (!f)
		return -ENOMEM;
	take_snapshot(m, snap);
	render_process(f);
	if (snap->valid) {
		prom_text__family(f, "bpfprof_stats_age_seconds", PROM_GAUGE,
				  "How long ago the agent's figures below were read (more than "
				  "a fraction of a second while an interval is being closed).");
		prom_text__sample(f, "bpfprof_stats_age_seconds", NULL, 0,
				  (monotonic_ns() - snap->taken_mono_ns) * 1e-9);
		render_samples(f, snap);
		render_unwinding(f, snap);
		render_off_cpu(f, snap);
		render_memory(f, snap);
		render_delivery(f, snap);
	}
	if (fclose(f)) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

int agent_metrics__open(const char *addr, struct agent_metrics **out)
{
	struct metrics_server_opts so = {
		.addr = addr,
		.content_type = PROM_TEXT_CONTENT_TYPE,
		.render = render,
	};
	pthread_condattr_t attr;
	struct agent_metrics *m;
	int err;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&m->published, &attr);
	pthread_condattr_destroy(&attr);
	so.ctx = m;
	err = metrics_server__open(&so, &m->server);
	if (err) {
		agent_metrics__free(m);
		return err;
	}
	*out = m;
	return 0;
}

void agent_metrics__free(struct agent_metrics *m)
{
	if (!m)
		return;
	/* A scrape waiting for the loop, which publishes no more, ends at once. */
	pthread_mutex_lock(&m->lock);
	m->closing = true;
	pthread_cond_broadcast(&m->published);
	pthread_mutex_unlock(&m->lock);
	metrics_server__free(m->server);
	pthread_cond_destroy(&m->published);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
