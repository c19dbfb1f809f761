// SPDX-License-Identifier: GPL-2.0-only
#include "agent.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_metrics.h"
#include "clock.h"
#include "interval.h"
#include "log.h"
#include "pprof_writer.h"
#include "profile.h"
#include "session.h"
#include "store.h"
#include "summary.h"
#include "upload.h"
#include "verbosity.h"

#define POLL_INTERVAL_MS 100
#define TIME_SLOT_NS NSEC_PER_SEC /* samples are timed to the second */
#define REPORT_EVERY_NS (3600 * NSEC_PER_SEC)
#define HOST_LABEL_MAX 300
/* Binaries of exited processes kept for the next run of the same: a little, for days. */
#define IDLE_CACHE_BYTES (8u << 20)
/*
 * The DWARF the binaries in use hold (libc's debug file alone is about 12 MiB): what goes
 * past it is freed and read again at the next lookup the address cache does not answer.
 */
#define DWARF_BUDGET (24u << 20)
/*
 * Blocks from this size up are mapped on their own and unmapped when freed: DWARF sections
 * come and go under the budget, and glibc would otherwise raise its threshold past them and
 * leave them in the heap, where the holes between live blocks are never given back.
 */
#define MMAP_THRESHOLD (128u << 10)
/* The folder of the off-CPU profiles' store, in the store's. */
#define OFF_CPU_STORE "off-cpu"

/* Set by signal handlers; the only state they may touch. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reopen_requested;

static void request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void request_reopen(int sig)
{
	(void)sig;
	reopen_requested = 1;
}

/* What the hourly log line and the last one say (of CPU profiles). */
struct agent_totals {
	uint64_t intervals, samples, lost, not_stored;
};

/*
 * Where one kind of interval profile goes: its store and the servers it is uploaded to. CPU
 * profiles are stored in --store-dir; off-CPU profiles (--off-cpu) in a store of their own,
 * its folder OFF_CPU_STORE inside, with the same limits and their own upload progress.
 */
struct agent_channel {
	const char *kind;		/* "CPU" or "off-CPU", for the log */
	char *store_dir;		/* owned; NULL without a store */
	struct store *store;		/* NULL without one */
	struct uploader *uploader;	/* --upload (Pyroscope) */
	struct uploader *otlp_uploader; /* --otlp-endpoint, beside it */
	bool store_paused;	 /* the last write failed (full disk, folder held elsewhere) */
	uint64_t store_reopened; /* store_stats.reopened the uploaders know of */
};

enum { CHANNEL_CPU, CHANNEL_OFF_CPU, CHANNELS };

struct agent {
	const struct agent_opts *opts;
	struct session *session;
	struct agent_channel channels[CHANNELS];
	size_t nchannels;	      /* CHANNEL_CPU, and CHANNEL_OFF_CPU with --off-cpu */
	struct agent_totals totals;   /* since the last hourly report */
	struct agent_totals lifetime; /* since the start */
	bool warned_losses;
	uint64_t interval_start_ns;	 /* CLOCK_REALTIME */
	uint64_t interval_start_mono_ns; /* the same moment in CLOCK_MONOTONIC */
	uint64_t last_report_ns;	 /* CLOCK_MONOTONIC */
	char host_label[HOST_LABEL_MAX];
	struct agent_metrics *metrics; /* NULL without --metrics-addr */
};

static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = request_stop };

	/* No SA_RESTART: a signal must wake the poll at once. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = request_reopen;
	sigaction(SIGHUP, &sa, NULL);
}

static void setup_logging(const struct agent_opts *opts)
{
	/* Under systemd, stderr goes to the journal, which wants priorities, not times. */
	bool journal = !opts->log_file && getenv("JOURNAL_STREAM");

	log__set_style(journal ? LOG_STYLE_JOURNAL : LOG_STYLE_TIMESTAMP);
}

/* The channels: CPU profiles, and off-CPU ones with --off-cpu; their stores opened. */
static int open_channels(struct agent *a)
{
	const struct agent_opts *o = a->opts;
	struct store_opts so = {
		.max_size = o->store_max_size,
		.max_age_ns = o->store_max_age_ns,
	};
	int err;

	a->channels[CHANNEL_CPU].kind = "CPU";
	a->channels[CHANNEL_OFF_CPU].kind = "off-CPU";
	a->nchannels = o->sampling.off_cpu ? 2 : 1;
	for (size_t i = 0; i < a->nchannels && o->store_dir; i++) {
		struct agent_channel *ch = &a->channels[i];

		if (asprintf(&ch->store_dir, i == CHANNEL_CPU ? "%s" : "%s/" OFF_CPU_STORE,
			     o->store_dir) < 0) {
			ch->store_dir = NULL;
			return -ENOMEM;
		}
		so.dir = ch->store_dir;
		err = store__open(&so, &ch->store);
		if (err)
			return err;
	}
	return 0;
}

static void close_channels(struct agent *a)
{
	for (size_t i = 0; i < CHANNELS; i++) {
		uploader__free(a->channels[i].uploader);
		uploader__free(a->channels[i].otlp_uploader);
		store__close(a->channels[i].store);
		free(a->channels[i].store_dir);
	}
}

/* "hostname=NAME", unless the user gave a hostname label. */
static void make_host_label(struct agent *a)
{
	char host[PROFILE_HOST_MAX];

	for (size_t i = 0; i < a->opts->nlabels; i++)
		if (!strncmp(a->opts->labels[i], "hostname=", 9))
			return;
	snprintf(host, sizeof(host), "%s", session__host(a->session));
	/* A label value cannot hold these; a host name should not either. */
	for (char *c = host; *c; c++)
		if (strchr(",{}=; ", *c))
			*c = '_';
	snprintf(a->host_label, sizeof(a->host_label), "hostname=%s", host);
}

static int start_uploaders(struct agent *a, struct agent_channel *ch, uint64_t now_ns)
{
	const struct agent_opts *o = a->opts;
	const char *labels[AGENT_MAX_LABELS + 1];
	size_t n = 0;
	struct upload_opts uo = {
		.url = o->upload_url,
		.app_name = o->app_name,
		.labels = labels,
		.series_labels = o->series_labels,
		.tenant = o->tenant,
		.bearer_token_file = o->bearer_token_file,
		.basic_auth_file = o->basic_auth_file,
		.headers = o->headers,
		.nheaders = o->nheaders,
		.ca_file = o->ca_file,
		.store_dir = ch->store_dir,
		.since_ns = now_ns,
	};
	int err;

	if (o->otlp_url) {
		/* The host is the resource's host.name, from the profile: the user's labels only. */
		uo.target = UPLOAD_TARGET_OTLP;
		uo.url = o->otlp_url;
		uo.labels = o->labels;
		uo.nlabels = o->nlabels;
		err = uploader__open(&uo, &ch->otlp_uploader);
		if (err)
			return err;
		uo.target = UPLOAD_TARGET_PYROSCOPE;
		uo.url = o->upload_url;
		uo.labels = labels;
	}
	if (!o->upload_url)
		return 0;
	make_host_label(a);
	if (a->host_label[0])
		labels[n++] = a->host_label;
	for (size_t i = 0; i < o->nlabels; i++)
		labels[n++] = o->labels[i];
	uo.nlabels = n;
	return uploader__open(&uo, &ch->uploader);
}

static int start_sampling(struct agent *a)
{
	int err;

	err = session__load(a->session, NULL, NULL);
	if (!err)
		err = session__start(a->session);
	if (err)
		return err;
	a->interval_start_mono_ns = monotonic_ns();
	a->interval_start_ns = realtime_ns();
	return 0;
}

/*
 * Stores @raw; a full disk, or a folder replaced and held by another agent, pauses writing
 * (one warning) until a write succeeds again.
 */
static int store_interval(struct agent_channel *ch, const struct interval_result *r,
			  const void *raw, size_t len, char *name)
{
	int err = store__write(ch->store, r->start_ns, raw, len, name);
	struct store_stats ss;

	if (!err) {
		if (ch->store_paused)
			pr_warn("the store is writable again: intervals are stored again\n");
		ch->store_paused = false;
		/* The store took over a new folder: the uploader's progress goes there too. */
		store__stats(ch->store, &ss);
		if (ss.reopened != ch->store_reopened && ch->uploader)
			uploader__store_moved(ch->uploader);
		if (ss.reopened != ch->store_reopened && ch->otlp_uploader)
			uploader__store_moved(ch->otlp_uploader);
		ch->store_reopened = ss.reopened;
		return 0;
	}
	if (!ch->store_paused)
		pr_warn("cannot write to the store %s: %s; intervals are not stored until it "
			"can be written again%s\n",
			store__dir(ch->store), strerror(-err),
			err == -ENOSPC || err == -EDQUOT ? " (free some space)" : "");
	ch->store_paused = true;
	return err;
}

/*
 * Stores the encoded profile @raw of interval @r in @ch's store and hands it to its
 * uploaders: by name once stored, else (no store, or a full disk) in their memory queues.
 * Returns whether it was stored.
 */
static bool deliver(struct agent_channel *ch, const struct interval_result *r, const void *raw,
		    size_t len)
{
	char name[STORE_NAME_MAX];
	bool stored = ch->store && !store_interval(ch, r, raw, len, name);
	struct uploader *ups[] = { ch->uploader, ch->otlp_uploader };

	for (size_t i = 0; i < 2; i++) {
		if (!ups[i])
			continue;
		if (stored)
			uploader__submit_stored(ups[i], name);
		else
			uploader__submit(ups[i], raw, len, r->start_ns, r->end_ns);
	}
	return stored;
}

/* The off-CPU profile of interval @r, if it has any time, to its channel. */
static void deliver_off_cpu(struct agent *a, const struct interval_result *r)
{
	void *raw = NULL;
	size_t len = 0;
	int err;

	if (a->nchannels <= CHANNEL_OFF_CPU || !r->snap.off_cpu_prof ||
	    !profile__total(r->snap.off_cpu_prof))
		return;
	err = pprof__encode(r->snap.off_cpu_prof, &raw, &len);
	if (err)
		pr_warn("cannot encode the interval's off-CPU profile: %s\n", strerror(-err));
	else
		deliver(&a->channels[CHANNEL_OFF_CPU], r, raw, len);
	free(raw);
}

/* Samples the interval lost: per interval in debug output, and the first time as a warning. */
static uint64_t report_losses(struct agent *a, const struct interval_result *r)
{
	const struct prof_sample_counters *l = &r->snap.counters;
	uint64_t stacks = l->kstack_collision + l->ustack_collision + l->stack_errors;

	if (!stacks && !l->counts_full && !l->events_lost)
		return 0;
	log__printf(a->warned_losses ? LOG_DEBUG : LOG_WARN,
		    "interval lost samples: %llu to stack map collisions or errors (raise "
		    "--stack-map-size), %llu to a full counts map (raise --counts-map-size), "
		    "%llu process events%s\n",
		    (unsigned long long)stacks, (unsigned long long)l->counts_full,
		    (unsigned long long)l->events_lost,
		    a->warned_losses ? "" : "; hourly totals follow at the info level");
	a->warned_losses = true;
	return summary__lost_samples(l);
}

static void add_totals(struct agent *a, uint64_t samples, uint64_t lost, bool stored)
{
	struct agent_totals *sets[] = { &a->totals, &a->lifetime };

	for (size_t i = 0; i < 2; i++) {
		sets[i]->intervals++;
		sets[i]->samples += samples;
		sets[i]->lost += lost;
		sets[i]->not_stored += !stored;
	}
}

/* Closes the current interval: its profiles go to the stores and the uploaders. */
static void close_interval(struct agent *a)
{
	struct agent_channel *cpu = &a->channels[CHANNEL_CPU];
	struct session_stats stats = { 0 };
	struct interval_result r;
	void *raw = NULL;
	size_t len = 0;
	uint64_t total, lost;
	bool stored;
	int err;

	err = interval__close(a->session, a->interval_start_ns, a->interval_start_mono_ns, &r);
	a->interval_start_ns = r.end_ns;
	a->interval_start_mono_ns = r.end_mono_ns;
	lost = report_losses(a, &r);
	if (err) {
		pr_warn("cannot build the interval's profile: %s\n", strerror(-err));
		add_totals(a, 0, lost, !cpu->store);
		return;
	}
	deliver_off_cpu(a, &r);
	total = profile__total(r.snap.prof);
	/* An empty interval says nothing: neither stored nor sent. */
	if (!total) {
		add_totals(a, 0, lost, true);
		goto out_free;
	}
	err = pprof__encode(r.snap.prof, &raw, &len);
	if (err) {
		pr_warn("cannot encode the interval's profile: %s\n", strerror(-err));
		add_totals(a, total, lost, false);
		goto out_free;
	}
	/* The counters may fail to read; the process table's figures are there all the same. */
	if (log__level() >= LOG_DEBUG)
		session__stats(a->session, &stats);
	pr_debug("interval of %.1f s: %llu samples, %llu keys, %zu processes held; images "
		 "evicted so far %llu (%llu left by exec, %llu gone without an exit event)\n",
		 (r.end_ns - r.start_ns) * 1e-9, (unsigned long long)total,
		 (unsigned long long)r.snap.build.keys, session__process_count(a->session),
		 (unsigned long long)stats.procs.evicted, (unsigned long long)stats.procs.replaced,
		 (unsigned long long)stats.procs.gone);
	stored = deliver(cpu, &r, raw, len);
	add_totals(a, total, lost, stored || !cpu->store);
out_free:
	free(raw);
	profile__free(r.snap.prof);
	profile__free(r.snap.off_cpu_prof);
	/* What the interval freed goes back to the system: RSS stays flat between intervals. */
	malloc_trim(0);
}

typedef void summary_print_fn(FILE *out, const struct session_stats *stats);

static void print_perf_maps(FILE *out, const struct session_stats *stats)
{
	summary__print_perf_maps(out, &stats->sym);
}

/* Logs what @print writes of @stats (a line of the record summary), if anything. */
static void log_summary_line(summary_print_fn *print, const struct session_stats *stats)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&line, &len);
	if (!f)
		return;
	print(f, stats);
	if (!fclose(f) && len)
		pr_info("%s", line);
	free(line);
}

/*
 * Logs the record summary's lines on stacks, processes and names that have anything to say;
 * those from the kernel's counters only when @counters_err says they were read.
 */
static void log_session_lines(const struct session_stats *stats, int counters_err)
{
	if (!counters_err) {
		log_summary_line(summary__print_user_stacks, stats);
		log_summary_line(summary__print_unwinding, stats);
		log_summary_line(summary__print_python, stats);
		log_summary_line(summary__print_off_cpu, stats);
		log_summary_line(summary__print_processes, stats);
	}
	log_summary_line(summary__print_java, stats);
	log_summary_line(summary__print_journal, stats);
	log_summary_line(summary__print_unnamed, stats);
	log_summary_line(print_perf_maps, stats);
}

/* The counters of every channel's uploaders, added up. */
static void upload_totals(struct agent *a, struct upload_stats *us)
{
	struct upload_stats one;

	memset(us, 0, sizeof(*us));
	for (size_t i = 0; i < 2 * a->nchannels; i++) {
		struct agent_channel *ch = &a->channels[i / 2];
		struct uploader *up = i % 2 ? ch->otlp_uploader : ch->uploader;

		if (!up)
			continue;
		uploader__stats(up, &one);
		us->uploaded += one.uploaded;
		us->attempts_failed += one.attempts_failed;
		us->refused += one.refused;
		us->refused_kept += one.refused_kept;
		us->given_up += one.given_up;
		us->pending += one.pending;
	}
}

static void report_totals(struct agent *a, uint64_t now)
{
	struct upload_stats us = { 0 };
	struct store_stats ss = { 0 };
	struct session_stats stats;
	int counters_err;

	upload_totals(a, &us);
	for (size_t i = 0; i < a->nchannels; i++) {
		struct store_stats one = { 0 };

		if (a->channels[i].store)
			store__stats(a->channels[i].store, &one);
		ss.files += one.files;
		ss.bytes += one.bytes;
	}
	/* Upload counters are since the start, like the store's: one line shows the backlog. */
	pr_info("last hour: %llu intervals, %llu samples, %llu lost, %llu not stored; store "
		"%llu files, %llu bytes; uploads %llu done, %llu failed attempts, %llu "
		"refused (%llu kept for the next start, %llu given up), %llu pending; %zu "
		"processes held\n",
		(unsigned long long)a->totals.intervals, (unsigned long long)a->totals.samples,
		(unsigned long long)a->totals.lost, (unsigned long long)a->totals.not_stored,
		(unsigned long long)ss.files, (unsigned long long)ss.bytes,
		(unsigned long long)us.uploaded, (unsigned long long)us.attempts_failed,
		(unsigned long long)us.refused, (unsigned long long)us.refused_kept,
		(unsigned long long)us.given_up, (unsigned long long)us.pending,
		session__process_count(a->session));
	counters_err = session__stats(a->session, &stats);
	log_session_lines(&stats, counters_err);
	pr_info("DWARF of binaries: %.1f MiB held of a %.1f MiB budget (peak %.1f); freed for "
		"it %llu times, read again %llu\n",
		stats.sym.dwarf_bytes / 1048576.0, DWARF_BUDGET / 1048576.0,
		stats.sym.dwarf_peak_bytes / 1048576.0, (unsigned long long)stats.sym.dwarf_dropped,
		(unsigned long long)stats.sym.dwarf_reread);
	memset(&a->totals, 0, sizeof(a->totals));
	a->last_report_ns = now;
}

/* What /metrics shows, published when a scrape asks for it. */
static void publish_metrics(struct agent *a)
{
	struct agent_metrics_counts c = {
		.intervals = a->lifetime.intervals,
		.samples_kept = a->lifetime.samples,
		.intervals_not_stored = a->lifetime.not_stored,
	};

	agent_metrics__update(a->metrics, a->session, a->channels[CHANNEL_CPU].store,
			      a->channels[CHANNEL_CPU].uploader, &c);
}

static void run_loop(struct agent *a)
{
	uint64_t interval_ns = a->opts->interval_s * NSEC_PER_SEC;
	uint64_t next_close = monotonic_ns() + interval_ns, now;
	int timeout;

	a->last_report_ns = monotonic_ns();
	while (!stop_requested) {
		now = monotonic_ns();
		timeout = next_close > now ? (next_close - now) / 1000000 + 1 : 0;
		session__poll(a->session, timeout < POLL_INTERVAL_MS ? timeout : POLL_INTERVAL_MS);
		if (a->metrics && agent_metrics__wanted(a->metrics))
			publish_metrics(a);
		now = monotonic_ns();
		if (reopen_requested) {
			reopen_requested = 0;
			if (log__reopen())
				pr_warn("cannot reopen the log file %s\n", a->opts->log_file);
		}
		if (now >= next_close) {
			close_interval(a);
			/* After a stall (a suspended VM), start afresh rather than catch up. */
			next_close = next_close + interval_ns > now ? next_close + interval_ns :
								      now + interval_ns;
		}
		if (now - a->last_report_ns >= REPORT_EVERY_NS)
			report_totals(a, now);
	}
}

/* Pending uploads of @up get a bounded time; what is left is said. */
static void finish_uploads(struct agent *a, struct agent_channel *ch, struct uploader *up,
			   const char *what)
{
	struct upload_stats us;
	size_t pending;

	pending = uploader__finish(up, a->opts->upload_grace_s * 1000);
	uploader__stats(up, &us);
	pr_info("%s%s: %llu done, %llu failed attempts, %llu refused (%llu kept for the next "
		"start, %llu given up), %zu pending\n",
		ch == &a->channels[CHANNEL_CPU] ? "" : "off-CPU ", what,
		(unsigned long long)us.uploaded, (unsigned long long)us.attempts_failed,
		(unsigned long long)us.refused, (unsigned long long)us.refused_kept,
		(unsigned long long)us.given_up, pending);
	if (pending)
		pr_warn("%zu interval%s not uploaded yet%s\n", pending, pending == 1 ? "" : "s",
			ch->store ? ": they stay in the store for the next start" : ": dropped");
	if (us.refused_kept)
		pr_warn("%llu interval%s refused by the server stay%s in the store: fix what the "
			"refusal said and restart to send %s\n",
			(unsigned long long)us.refused_kept, us.refused_kept == 1 ? "" : "s",
			us.refused_kept == 1 ? "s" : "", us.refused_kept == 1 ? "it" : "them");
}

/* The partial interval is closed and stored; pending uploads get a bounded time. */
static void shut_down(struct agent *a)
{
	struct session_stats stats;
	int counters_err;

	/* Stop first: every sample taken is then in the interval closed last. */
	session__stop(a->session);
	close_interval(a);
	counters_err = session__stats(a->session, &stats);
	pr_info("stopped after %llu intervals: %llu samples in profiles of the %llu taken, %llu "
		"lost, %llu intervals not stored\n",
		(unsigned long long)a->lifetime.intervals, (unsigned long long)a->lifetime.samples,
		(unsigned long long)stats.counters.samples, (unsigned long long)a->lifetime.lost,
		(unsigned long long)a->lifetime.not_stored);
	log_session_lines(&stats, counters_err);
	for (size_t i = 0; i < a->nchannels; i++) {
		struct agent_channel *ch = &a->channels[i];

		if (ch->uploader)
			finish_uploads(a, ch, ch->uploader, "uploads");
		if (ch->otlp_uploader)
			finish_uploads(a, ch, ch->otlp_uploader, "OTLP uploads");
	}
}

/* @url without the user and password it may carry, for the log. */
static void url_for_log(const char *url, char *out, size_t size)
{
	const char *host = strstr(url, "://");
	const char *at = host ? strchr(host + 3, '@') : NULL;
	size_t scheme = host ? (size_t)(host - url) + 3 : 0;

	if (at && at < host + 3 + strcspn(host + 3, "/?#"))
		snprintf(out, size, "%.*s%s", (int)scheme, url, at + 1);
	else
		snprintf(out, size, "%s", url);
}

static void log_start(struct agent *a)
{
	const struct agent_opts *o = a->opts;
	struct session_stats stats;
	char url[512] = "none", otlp[512] = "none";

	if (o->upload_url)
		url_for_log(o->upload_url, url, sizeof(url));
	if (o->otlp_url)
		url_for_log(o->otlp_url, otlp, sizeof(otlp));
	session__stats(a->session, &stats);
	pr_info("sampling %zu CPUs at %u Hz, one profile every %g s; store: %s%s; upload: %s; "
		"OTLP: %s\n",
		stats.ncpus, o->sampling.frequency, o->interval_s,
		o->store_dir ? o->store_dir : "none",
		o->sampling.off_cpu ? (o->store_dir ? " (off-CPU time in " OFF_CPU_STORE "/)" :
						      " (and off-CPU time)") :
				      "",
		url, otlp);
}

int agent__run(const struct agent_opts *opts)
{
	struct session_opts so = {
		.sampling = &opts->sampling,
		.idle_cache_bytes = IDLE_CACHE_BYTES,
		.dwarf_budget = DWARF_BUDGET,
		.time_slot_ns = TIME_SLOT_NS,
	};
	struct agent a = { .opts = opts };
	int err;

	setup_logging(opts);
	mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
	if (opts->log_file && (err = log__set_file(opts->log_file))) {
		pr_err("cannot open the log file %s: %s\n", opts->log_file, strerror(-err));
		return err;
	}
	/* Before the BPF program loads: a port in use fails the start at once. */
	if (opts->metrics_addr && (err = agent_metrics__open(opts->metrics_addr, &a.metrics)))
		return err;
	err = session__open(&so, &a.session);
	if (err)
		goto out_free;
	err = open_channels(&a);
	for (size_t i = 0; !err && i < a.nchannels; i++)
		err = start_uploaders(&a, &a.channels[i], realtime_ns());
	if (err)
		goto out_free;
	stop_requested = 0;
	install_signal_handlers();
	err = start_sampling(&a);
	if (err)
		goto out_free;
	log_start(&a);
	if (a.metrics)
		publish_metrics(&a);
	run_loop(&a);
	shut_down(&a);

out_free:
	agent_metrics__free(a.metrics);
	close_channels(&a);
	session__free(a.session);
	return err;
}

int cmd_agent(int argc, char **argv)
{
	struct agent_opts opts;
	enum options_result result;
	char err[OPTIONS_ERR_MAX];
	int status;

	result = agent_opts__parse(&opts, argc, argv, err, sizeof(err));
	if (result == OPTIONS_RUN) {
		/* A daemon's log says what it does: info lines without -v. */
		verbosity__apply(opts.verbose, LOG_INFO);
		status = agent__run(&opts) ? EXIT_STATUS_RUNTIME : 0;
	} else {
		status = option_table__exit_status(&agent_option_table, result, err);
	}
	agent_opts__release(&opts);
	return status;
}
