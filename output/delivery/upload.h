/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Uploads interval profiles to a profiling server, in a thread of its own. Two kinds of
 * target, each its own uploader with the same queue, retries and progress (a store-mode
 * agent may run one of each; each delivers every interval once):
 * - Pyroscope's ingest API: each interval is one POST
 *   URL/ingest?name=APP{k=v,...}&from=S&until=S&format=pprof&spyName=bpfprof whose body is
 *   the gzip pprof (upload_request.c says why this form). Pyroscope takes the sample types
 *   and the period from the pprof itself: our samples/count and cpu/nanoseconds make the
 *   series process_cpu, which its UI shows as CPU time.
 * - OTLP profiles (UPLOAD_TARGET_OTLP): each interval is one POST URL/v1development/profiles
 *   of an ExportProfilesServiceRequest (otlp_writer.h) made from the interval's pprof,
 *   application/x-protobuf, gzip (Content-Encoding), as an OpenTelemetry Collector's OTLP
 *   receiver takes it. The application name is service.name, the labels resource
 *   attributes. Replies as upload_request.c says (429, 502, 503, 504 retried; 404 denies).
 *
 * Failures that may go away (no connection, timeouts; for Pyroscope HTTP 408, 429 and 5xx) are
 * retried, oldest interval first, with exponential backoff from 0.5 s doubling up to 5 min, with
 * jitter. Redirects (not followed) and 401, 403 and 407 deny the client rather than the interval:
 * it stays pending, tried again every 5 minutes and at the next start, so fixing the credentials or
 * the URL delivers it. Other replies (400, 413, 422, ...) refuse the interval: the same request
 * would be refused again, so it is not retried in this run. The first failure of an outage is
 * logged once, and the recovery once; so is the first refusal of a run of them.
 *
 * Two sources of intervals:
 * - store mode (@store_dir set): intervals are files of the local store (store.h). Progress is
 *   STORE_DIR/.upload-cursor (.upload-cursor-otlp for OTLP), the name of the newest interval
 *   uploaded, refused or skipped; as uploads go oldest first, every interval after it is pending,
 *   and a restarted agent picks them up. Old and new go by the store's sequence
 *   (store__name_cmp()), never by the wall clock: after it steps back, uploads go on at once. An
 *   outage loses nothing the store still holds. Refused intervals stay in the store, listed in
 *   STORE_DIR/.upload-refused (.upload-refused-otlp) (name and the number of starts that saw it
 *   refused, at most UPLOAD_REFUSED_MAX names): the next start sends them again first, so that
 *   fixing the configuration (a token, a size limit) and restarting delivers them. One accepted
 *   leaves the list; one refused at UPLOAD_REFUSED_TRIES starts, pushed out of a full list or gone
 *   from the store is given up. Each file is written whole (a temporary name, fsync, rename) after
 *   the reply and before the next request, so an interval is sent again after an acceptance only if
 *   the agent dies between the two.
 * - memory mode: a bounded queue of gzip profiles; when full, the oldest is dropped (counted).
 *   A refused profile is given up. A store-mode uploader has the queue too, for intervals the
 *   store could not take (a full disk); stored intervals go first.
 *
 * Secrets (token and basic-auth files, headers) are read once at start and never logged.
 */
#ifndef PROF_UPLOAD_H
#define PROF_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UPLOAD_QUEUE_DEFAULT 64
/* Refused intervals kept: more than an hour of 10 s intervals, Pyroscope's default window. */
#define UPLOAD_REFUSED_MAX 512
/* Starts that may see an interval refused (the first included) before it is given up. */
#define UPLOAD_REFUSED_TRIES 4

struct uploader;

enum upload_target {
	UPLOAD_TARGET_PYROSCOPE, /* POST URL/ingest, the gzip pprof */
	UPLOAD_TARGET_OTLP,	 /* POST URL/v1development/profiles, an OTLP profiles request */
};

/* Everything is borrowed for the uploader__open() call only: the uploader keeps copies. */
struct upload_opts {
	enum upload_target target;
	const char *url;	   /* http(s) base URL; the target's path is appended */
	const char *app_name;	   /* upload__valid_app_name(); OTLP: service.name */
	const char *const *labels; /* "k=v" (upload__check_label()), sent in this order;
				      OTLP: resource attributes */
	size_t nlabels;
	unsigned int series_labels;    /* the sample labels that become series labels: a set of
					  PPROF_SERIES_* (pprof_series.h), 0 for none */
	const char *tenant;	       /* X-Scope-OrgID; NULL for none */
	const char *bearer_token_file; /* "Authorization: Bearer TOKEN"; NULL for none */
	const char *basic_auth_file;   /* "user:password"; NULL for none */
	const char *const *headers;    /* extra "Name: value" headers */
	size_t nheaders;
	const char *ca_file;	     /* CA bundle (CURLOPT_CAINFO); the CA path (Debian:
					     /etc/ssl/certs) stays trusted; NULL: the system's */
	const char *store_dir;	     /* the store's folder; NULL: memory mode */
	size_t queue_max;	     /* memory mode: profiles held; 0: UPLOAD_QUEUE_DEFAULT */
	uint64_t since_ns;	     /* store mode, no cursor: only intervals from here */
	unsigned int backoff_min_ms; /* first retry delay; 0: 500 (tests use less) */
};

struct upload_stats {
	uint64_t uploaded;	  /* intervals the server accepted */
	uint64_t attempts_failed; /* attempts that will be retried (no connection, 5xx, ...) */
	uint64_t refused;	  /* refusals (3xx, 4xx but 408 and 429): not retried in this run */
	uint64_t refused_kept;	  /* now: refused intervals the store keeps for the next start */
	uint64_t given_up;	  /* refused intervals that will not be sent again */
	uint64_t skipped;	  /* store files gone (retention) or corrupt before upload */
	uint64_t dropped;	  /* memory mode: oldest profiles dropped from a full queue */
	uint64_t pending;	  /* intervals waiting, including one being sent */
};

/*
 * True when @name is a name Pyroscope accepts for an application: [A-Za-z0-9_./-]+.
 */
bool upload__valid_app_name(const char *name);

/*
 * Checks one "key=value" label as Pyroscope accepts it: key [A-Za-z0-9_.]+ (not a reserved
 * "__name__"), value non-empty, printable, without ',', '{', '}', ';'. Returns 0, or -EINVAL
 * with the reason written to @err (@errlen bytes, may be 0).
 */
int upload__check_label(const char *kv, char *err, size_t errlen);

/*
 * Checks @opts, reads the secret files, and in store mode reads the cursor and the refused
 * list and lists the store to queue what is pending (refused intervals first); then starts
 * the upload thread. Problems are logged as one line
 * each (bad URL or scheme, unreadable token file, bad label, ...). Returns 0 with an
 * uploader owned by the caller in @out, or -errno (-EINVAL for bad options).
 */
int uploader__open(const struct upload_opts *opts, struct uploader **out);

/*
 * Store mode: the interval just stored under the file name @store_name (copied) is pending.
 * Names not newer (store__name_cmp()) than what is already queued or done are ignored.
 */
void uploader__submit_stored(struct uploader *up, const char *store_name);

/*
 * Store mode: the store took over a new folder at its path (store_stats.reopened): the
 * progress is kept there from now on. Call it before submitting the first name stored there.
 */
void uploader__store_moved(struct uploader *up);

/*
 * Memory mode, or an interval the store could not take: queues @raw[0..len) (an
 * uncompressed pprof, made into the target's gzip body, for Pyroscope with the series labels
 * chosen) as the interval [@start_ns, @end_ns) (ns since the Unix epoch). A full queue drops
 * its oldest profile. The body is made on the caller's thread; nothing else waits for the
 * network.
 */
void uploader__submit(struct uploader *up, const void *raw, size_t len, uint64_t start_ns,
		      uint64_t end_ns);

/*
 * Tries everything pending now, without the backoff waits (a failure still ends that round;
 * the next starts after the shortest backoff), until nothing is pending or @timeout_ms have
 * passed; a request in flight is cut at the deadline. Then stops the thread: later submits
 * are ignored (in store mode they stay pending in the store for the next start). Returns the
 * number of intervals still pending. Calling it again returns that number at once.
 */
size_t uploader__finish(struct uploader *up, unsigned int timeout_ms);

/* A consistent snapshot of the counters; callable from any thread. */
void uploader__stats(struct uploader *up, struct upload_stats *stats);

/* Finishes with timeout 0 if uploader__finish() was not called, and frees. NULL-safe. */
void uploader__free(struct uploader *up);

#endif
