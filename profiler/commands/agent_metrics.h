/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's Prometheus metrics: the figures of its hourly log lines (samples, losses,
 * unwinding, caches, intervals, store, uploads) and its own CPU and memory, served at
 * /metrics (metrics_server) and listed in README.md's "Metrics".
 *
 * The figures belong to the agent's loop, which alone may read the session. A scrape, on the
 * server's thread, asks for them and waits (a bounded time) for the loop to publish a
 * snapshot between two polls; the loop never waits for the server. A loop busy for longer
 * (closing an interval) leaves the previous snapshot served, bpfprof_stats_age_seconds
 * telling how old it is.
 */
#ifndef PROF_AGENT_METRICS_H
#define PROF_AGENT_METRICS_H

#include <stdbool.h>
#include <stdint.h>

struct agent_metrics;
struct session;
struct store;
struct uploader;

/* What the agent's loop counts itself, since the start. */
struct agent_metrics_counts {
	uint64_t intervals;	       /* closed */
	uint64_t samples_kept;	       /* in the profiles of closed intervals */
	uint64_t intervals_not_stored; /* with samples, but not written to the store */
};

/*
 * Serves the metrics on @addr (metrics_server__open(): a failure is logged as one line).
 * Returns 0 and an owned agent_metrics in *@out, or -errno.
 */
int agent_metrics__open(const char *addr, struct agent_metrics **out);

/* Whether a scrape waits for agent_metrics__update(); cheap, for the agent's loop. */
bool agent_metrics__wanted(struct agent_metrics *m);

/*
 * Reads the figures of @s, @store and @up (either may be NULL: not in use) with @counts
 * (all borrowed for the call) and publishes them. On the agent's loop only.
 */
void agent_metrics__update(struct agent_metrics *m, struct session *s, const struct store *store,
			   struct uploader *up, const struct agent_metrics_counts *counts);

/* Stops serving; NULL-safe. */
void agent_metrics__free(struct agent_metrics *m);

#endif
