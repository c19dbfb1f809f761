// SPDX-License-Identifier: GPL-2.0-only
#include "record.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "clock.h"
#include "command.h"
#include "log.h"
#include "output_file.h"
#include "profile.h"
#include "profile_io.h"
#include "profile_merge.h"
#include "progress.h"
#include "session.h"
#include "stack_capture_file.h"
#include "summary.h"
#include "verbosity.h"
#include "wall_profile.h"

#define POLL_INTERVAL_MS 100
/*
 * A recording for a report is timed to the second (its timeline); its counts are then
 * collected this often, so that the kernel's counts map holds a few seconds' keys, not all.
 */
#define TIMED_COLLECT_S 5.0
#define TOP_FUNCTIONS 10

/* Set by SIGINT/SIGTERM; the only state a signal handler may touch. */
static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct recording {
	const struct record_opts *opts;
	struct output_file *outputs[RECORD_MAX_OUTPUTS];
	struct session *session;
	struct stack_capture_file *capture;
	struct command *cmd;
	struct profile *prof;
	struct profile *off_cpu_prof; /* with --off-cpu */
	struct profile *wall_prof;    /* with --wall-output */
	struct record_summary summary;
	bool timed;	     /* samples carry the second they were taken in */
	double collected;    /* seconds after the start up to which samples are in r->prof */
	double started;	     /* CLOCK_MONOTONIC seconds */
	uint64_t started_ns; /* CLOCK_REALTIME */
};

static int open_outputs(struct recording *r)
{
	for (size_t i = 0; i < r->opts->noutputs; i++) {
		const char *path = r->opts->outputs[i].path;

		r->outputs[i] = output_file__open(path);
		if (!r->outputs[i]) {
			int err = -errno;

			output_file__report_open_error(path, err);
			return err;
		}
	}
	return 0;
}

static int write_outputs(struct recording *r)
{
	struct report_facts facts = { .source = "record" };
	struct profile_io_opts io = { .svg = &r->opts->svg, .report = &facts };
	int err = 0, ret;

	for (size_t i = 0; i < r->opts->noutputs; i++) {
		const struct record_output *o = &r->opts->outputs[i];

		const struct profile *prof = o->view == RECORD_VIEW_OFF_CPU ? r->off_cpu_prof :
					     o->view == RECORD_VIEW_WALL    ? r->wall_prof :
									      r->prof;

		ret = profile_io__write_stream(prof, output_file__stream(r->outputs[i]), o->format,
					       &io);
		if (!ret) {
			ret = output_file__commit(r->outputs[i]);
		} else {
			/* A writer sees only that stdio failed; the file knows why. */
			ret = output_file__error(r->outputs[i]) ?: ret;
			output_file__abort(r->outputs[i]);
		}
		r->outputs[i] = NULL;
		if (ret) {
			pr_err("cannot write '%s': %s\n", o->path, strerror(-ret));
			err = err ?: ret;
		}
	}
	return err;
}

static int start_sampling(struct recording *r)
{
	const struct record_opts *o = r->opts;
	int err;

	if (o->capture_path) {
		err = stack_capture_file__open(o->capture_path, &r->capture);
		if (err)
			return err;
	}
	err = session__load(r->session, r->capture ? stack_capture_file__write_fn : NULL,
			    r->capture);
	if (err)
		return err;
	if (o->command) {
		err = command__spawn(o->command, &r->cmd);
		if (err) {
			pr_err("cannot start '%s': %s\n", o->command[0], strerror(-err));
			return err;
		}
		err = session__add_pid(r->session, command__pid(r->cmd));
		if (err)
			return err;
	}
	err = session__start(r->session);
	if (err)
		return err;
	r->started = (monotonic_ns() * 1e-9);
	r->started_ns = realtime_ns();
	if (r->cmd)
		return command__release(r->cmd);
	return 0;
}

static bool should_stop(struct recording *r, double elapsed)
{
	if (stop_requested)
		return true;
	if (r->cmd && command__exited(r->cmd))
		return true;
	return (!r->cmd || r->opts->duration_set) && elapsed >= r->opts->duration_s;
}

/*
 * Moves the samples taken since the last collection, up to @elapsed seconds after the start,
 * into r->prof (and r->off_cpu_prof). Returns 0 or -errno.
 */
static int collect(struct recording *r, double elapsed)
{
	struct session_snapshot snap;
	int err;

	err = session__snapshot(r->session, r->started_ns + (uint64_t)(r->collected * NSEC_PER_SEC),
				(uint64_t)((elapsed - r->collected) * NSEC_PER_SEC), &snap);
	if (err)
		return err;
	r->collected = elapsed;
	if (!r->prof) {
		r->prof = snap.prof;
		r->off_cpu_prof = snap.off_cpu_prof;
		r->summary.build = snap.build;
		return 0;
	}
	err = profile__merge(r->prof, snap.prof, 1, -1);
	if (!err && snap.off_cpu_prof)
		err = profile__merge(r->off_cpu_prof, snap.off_cpu_prof, 1, -1);
	r->summary.build.keys += snap.build.keys;
	r->summary.build.missing_stacks += snap.build.missing_stacks;
	r->summary.build.incomplete_stacks += snap.build.incomplete_stacks;
	r->summary.build.python_unnamed += snap.build.python_unnamed;
	profile__free(snap.prof);
	profile__free(snap.off_cpu_prof);
	return err;
}

/* The whole recording's window, and its losses, in the meta of @prof (NULL-safe). */
static void set_window(const struct recording *r, struct profile *prof, double duration)
{
	struct profile_meta meta;

	if (!prof)
		return;
	meta = *profile__meta(prof);
	meta.time_ns = r->started_ns;
	meta.duration_ns = (uint64_t)(duration * NSEC_PER_SEC);
	if (meta.lost_known)
		session__set_lost(&r->summary.session.counters, &meta);
	profile__set_meta(prof, &meta);
}

static int sample_until_done(struct recording *r)
{
	struct session_stats stats;
	struct progress progress;
	double elapsed = 0, total;
	int err;

	total = r->cmd && !r->opts->duration_set ? 0 : r->opts->duration_s;
	progress__init(&progress, !r->opts->quiet);
	while (!should_stop(r, elapsed)) {
		double left_ms = (total > 0 ? total - elapsed : 1) * 1000;
		int timeout = left_ms < POLL_INTERVAL_MS ? (int)left_ms + 1 : POLL_INTERVAL_MS;

		session__poll(r->session, timeout);
		elapsed = (monotonic_ns() * 1e-9) - r->started;
		if (r->timed && elapsed - r->collected >= TIMED_COLLECT_S) {
			err = collect(r, elapsed);
			if (err) {
				progress__clear(&progress);
				pr_err("cannot collect the samples: %s\n", strerror(-err));
				return err;
			}
		}
		if (progress.enabled && !session__stats(r->session, &stats))
			progress__update(&progress, elapsed, total, stats.counters.samples);
	}
	progress__clear(&progress);
	return 0;
}

static void report_command_status(struct recording *r)
{
	int status;

	if (!r->cmd || !command__exited(r->cmd))
		return;
	status = command__status(r->cmd);
	if (WIFEXITED(status) && WEXITSTATUS(status))
		pr_warn("'%s' exited with status %d\n", r->opts->command[0], WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		pr_warn("'%s' was killed by signal %d\n", r->opts->command[0], WTERMSIG(status));
}

/* Stops sampling and turns what was sampled into r->prof. */
static int finish_sampling(struct recording *r)
{
	double duration, stopped;
	int err;

	session__stop(r->session);
	stopped = monotonic_ns() * 1e-9;
	duration = stopped - r->started;
	err = collect(r, duration);
	if (err)
		return err;
	session__stats(r->session, &r->summary.session);
	set_window(r, r->prof, duration);
	set_window(r, r->off_cpu_prof, duration);
	r->summary.finish_s = monotonic_ns() * 1e-9 - stopped;
	if (record_opts__has_view(r->opts, RECORD_VIEW_WALL)) {
		r->wall_prof = wall_profile__new(r->prof, r->off_cpu_prof);
		if (!r->wall_prof)
			return -errno;
	}
	r->summary.duration_s = duration;
	r->summary.frequency = r->opts->sampling.frequency;
	return 0;
}

static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = request_stop };

	/* No SA_RESTART: a signal must wake the poll at once. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int record__run(const struct record_opts *opts)
{
	struct session_opts so = {
		.sampling = &opts->sampling,
		.follow_forks = opts->command != NULL,
	};
	struct recording r = { .opts = opts };
	bool timed = false;
	double written;
	int loop_err;
	const char *paths[RECORD_MAX_OUTPUTS];
	int err;

	/* A report's timeline needs the samples' seconds. */
	for (size_t i = 0; i < opts->noutputs; i++)
		timed |= opts->outputs[i].format == OUTPUT_FORMAT_HTML;
	so.time_slot_ns = timed ? NSEC_PER_SEC : 0;
	r.timed = timed;
	err = session__open(&so, &r.session);
	if (err)
		goto out_free;
	err = open_outputs(&r);
	if (err)
		goto out_free;
	stop_requested = 0;
	install_signal_handlers();
	err = start_sampling(&r);
	if (err)
		goto out_free;
	/* What was collected before a failure is still written. */
	loop_err = sample_until_done(&r);
	err = finish_sampling(&r);
	if (err)
		goto out_free;
	report_command_status(&r);
	written = monotonic_ns() * 1e-9;
	err = write_outputs(&r) ?: loop_err;
	r.summary.write_s = monotonic_ns() * 1e-9 - written;
	if (r.capture) {
		int cerr = stack_capture_file__close(r.capture);

		r.capture = NULL;
		err = err ?: cerr;
	}
	if (!opts->quiet) {
		for (size_t i = 0; i < opts->noutputs; i++)
			paths[i] = opts->outputs[i].path;
		r.summary.prof = r.prof;
		r.summary.outputs = paths;
		r.summary.noutputs = err ? 0 : opts->noutputs;
		summary__print(stderr, &r.summary, TOP_FUNCTIONS);
	}

out_free:
	for (size_t i = 0; i < opts->noutputs; i++)
		output_file__abort(r.outputs[i]);
	command__free(r.cmd);
	stack_capture_file__close(r.capture);
	session__free(r.session);
	profile__free(r.prof);
	profile__free(r.off_cpu_prof);
	profile__free(r.wall_prof);
	return err;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts opts;
	enum options_result result;
	char err[OPTIONS_ERR_MAX];
	int status;

	result = record_opts__parse(&opts, argc, argv, err, sizeof(err));
	if (result == OPTIONS_RUN) {
		verbosity__apply(opts.verbose, LOG_WARN);
		status = record__run(&opts) ? EXIT_STATUS_RUNTIME : 0;
	} else {
		status = option_table__exit_status(&record_option_table, result, err);
	}
	record_opts__release(&opts);
	return status;
}
