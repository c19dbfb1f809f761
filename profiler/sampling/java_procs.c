// SPDX-License-Identifier: GPL-2.0-only
#include "java_procs.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "clock.h"
#include "java_attach.h"
#include "log.h"
#include "proc_maps.h"

/* JVMs waiting for their attach, at most: more found at once are dropped (and counted). */
#define JAVA_QUEUE_MAX 64
/* A JVM that did not answer in time is asked again this much later (a busy start, a pause). */
#define JAVA_RETRY_DELAY_NS (5 * NSEC_PER_SEC)

struct java_request {
	uint32_t tgid;
	bool retry;		/* the second attempt */
	uint64_t not_before_ns; /* CLOCK_MONOTONIC */
};

struct java_procs {
	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* CLOCK_MONOTONIC: a request queued, or stop */
	/* Under lock: the queue, the attach under way, the counters. */
	struct java_request queue[JAVA_QUEUE_MAX];
	size_t nqueued;
	uint32_t current;  /* the tgid being attached to, 0 for none */
	bool current_gone; /* it exited meanwhile: not asked again */
	bool stop;
	bool warned; /* the first failure was logged as a warning */
	struct java_procs_stats stats;
	/* The session's thread only: the JVMs asked (queued, done or dropped), while they run. */
	uint32_t *asked;
	size_t nasked, asked_cap;
};

/* A JVM maps HotSpot's libjvm.so executable (what java_attach checks again). */
static bool is_jvm(const struct proc_maps *maps)
{
	static const char name[] = "/libjvm.so";
	size_t n = proc_maps__count(maps);

	for (size_t i = 0; i < n; i++) {
		const struct proc_map *m = proc_maps__get(maps, i);
		size_t len = strlen(m->path);

		if (m->kind == PROC_MAP_FILE && m->exec && len >= sizeof(name) - 1 &&
		    !strcmp(m->path + len - (sizeof(name) - 1), name))
			return true;
	}
	return false;
}

static void add_deadline(struct timespec *ts, uint64_t ns)
{
	ts->tv_sec = ns / NSEC_PER_SEC;
	ts->tv_nsec = ns % NSEC_PER_SEC;
}

/*
 * The first request whose time has come, taken out of the queue into @req; false when none
 * is ready (then *@wait_until_ns is the earliest, or 0 for an empty queue). Under lock.
 */
static bool take_ready(struct java_procs *jp, struct java_request *req, uint64_t *wait_until_ns)
{
	uint64_t now = monotonic_ns();

	*wait_until_ns = 0;
	for (size_t i = 0; i < jp->nqueued; i++) {
		const struct java_request *r = &jp->queue[i];

		if (r->not_before_ns <= now) {
			*req = *r;
			memmove(&jp->queue[i], &jp->queue[i + 1],
				(jp->nqueued - i - 1) * sizeof(jp->queue[0]));
			jp->nqueued--;
			return true;
		}
		if (!*wait_until_ns || r->not_before_ns < *wait_until_ns)
			*wait_until_ns = r->not_before_ns;
	}
	return false;
}

/* A failure: the first of the run warned about, the others for -v. Under lock. */
static void report_failure(struct java_procs *jp, uint32_t tgid, const char *why)
{
	if (!jp->warned) {
		jp->warned = true;
		pr_warn("java pid %u: %s\n", tgid, why);
	} else {
		pr_debug("java pid %u: %s\n", tgid, why);
	}
}

/* The outcome @err of the attach @req: counted, and a timeout queued again once. Under lock. */
static void account(struct java_procs *jp, const struct java_request *req, int err, const char *why,
		    uint64_t took_ns)
{
	switch (err) {
	case 0:
		jp->stats.written++;
		pr_debug("java pid %u: perf map written in %llu ms\n", req->tgid,
			 (unsigned long long)(took_ns / 1000000));
		return;
	case -ESRCH: /* it exited: nothing failed */
		pr_debug("java pid %u: %s\n", req->tgid, why);
		return;
	case -ETIMEDOUT:
		if (!req->retry && !jp->current_gone && !jp->stop && jp->nqueued < JAVA_QUEUE_MAX) {
			jp->queue[jp->nqueued++] = (struct java_request){
				.tgid = req->tgid,
				.retry = true,
				.not_before_ns = monotonic_ns() + JAVA_RETRY_DELAY_NS,
			};
			pr_debug("java pid %u: %s; asked again later\n", req->tgid, why);
			return;
		}
		jp->stats.timed_out++;
		break;
	case -EPERM:
		jp->stats.refused++;
		break;
	default:
		jp->stats.failed++;
		break;
	}
	report_failure(jp, req->tgid, why);
}

static void *attach_loop(void *arg)
{
	struct java_procs *jp = arg;
	struct java_request req;
	uint64_t until, start;
	struct timespec ts;
	char why[256];
	int err;

	pthread_mutex_lock(&jp->lock);
	while (!jp->stop) {
		if (!take_ready(jp, &req, &until)) {
			if (!until) {
				pthread_cond_wait(&jp->wake, &jp->lock);
			} else {
				add_deadline(&ts, until);
				pthread_cond_timedwait(&jp->wake, &jp->lock, &ts);
			}
			continue;
		}
		jp->current = req.tgid;
		jp->current_gone = false;
		pthread_mutex_unlock(&jp->lock);

		start = monotonic_ns();
		err = java_attach__perfmap(req.tgid, JAVA_ATTACH_TIMEOUT_MS, why, sizeof(why));

		pthread_mutex_lock(&jp->lock);
		account(jp, &req, err, why, monotonic_ns() - start);
		jp->current = 0;
	}
	pthread_mutex_unlock(&jp->lock);
	return NULL;
}

/* Starts the worker with every signal blocked: they are the main thread's to handle. */
static int start_worker(struct java_procs *jp)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&jp->worker, NULL, attach_loop, jp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

struct java_procs *java_procs__new(void)
{
	struct java_procs *jp = calloc(1, sizeof(*jp));
	pthread_condattr_t attr;
	int err;

	if (!jp)
		return NULL;
	err = -pthread_mutex_init(&jp->lock, NULL);
	if (err)
		goto out_free;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	err = -pthread_cond_init(&jp->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (err)
		goto out_destroy_lock;
	err = start_worker(jp);
	if (err)
		goto out_destroy_cond;
	return jp;

out_destroy_cond:
	pthread_cond_destroy(&jp->wake);
out_destroy_lock:
	pthread_mutex_destroy(&jp->lock);
out_free:
	free(jp);
	errno = -err;
	return NULL;
}

void java_procs__free(struct java_procs *jp)
{
	if (!jp)
		return;
	pthread_mutex_lock(&jp->lock);
	jp->stop = true;
	pthread_cond_broadcast(&jp->wake);
	pthread_mutex_unlock(&jp->lock);
	pthread_join(jp->worker, NULL);
	pthread_cond_destroy(&jp->wake);
	pthread_mutex_destroy(&jp->lock);
	free(jp->asked);
	free(jp);
}

static bool was_asked(const struct java_procs *jp, uint32_t tgid, size_t *at)
{
	for (size_t i = 0; i < jp->nasked; i++)
		if (jp->asked[i] == tgid) {
			*at = i;
			return true;
		}
	return false;
}

void java_procs__add_process(struct java_procs *jp, uint32_t tgid, const struct proc_maps *maps)
{
	size_t at;

	if (!tgid || was_asked(jp, tgid, &at) || !is_jvm(maps))
		return;
	/* Without room to remember it, it is not asked: asking at every snapshot would be worse. */
	if (array__reserve(&jp->asked, &jp->asked_cap, jp->nasked + 1, sizeof(*jp->asked)))
		return;
	jp->asked[jp->nasked++] = tgid;
	pthread_mutex_lock(&jp->lock);
	jp->stats.found++;
	if (jp->nqueued < JAVA_QUEUE_MAX) {
		jp->queue[jp->nqueued++] = (struct java_request){ .tgid = tgid };
		pthread_cond_signal(&jp->wake);
	} else {
		jp->stats.dropped++;
	}
	pthread_mutex_unlock(&jp->lock);
}

void java_procs__remove_process(struct java_procs *jp, uint32_t tgid)
{
	size_t at, kept = 0;

	if (!was_asked(jp, tgid, &at))
		return;
	jp->asked[at] = jp->asked[--jp->nasked];
	pthread_mutex_lock(&jp->lock);
	for (size_t i = 0; i < jp->nqueued; i++)
		if (jp->queue[i].tgid != tgid)
			jp->queue[kept++] = jp->queue[i];
	jp->nqueued = kept;
	if (jp->current == tgid)
		jp->current_gone = true;
	pthread_mutex_unlock(&jp->lock);
}

void java_procs__stats(struct java_procs *jp, struct java_procs_stats *stats)
{
	pthread_mutex_lock(&jp->lock);
	*stats = jp->stats;
	stats->pending = jp->nqueued + (jp->current != 0);
	pthread_mutex_unlock(&jp->lock);
}
