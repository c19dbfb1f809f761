/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the queue and thread (upload.c) use: the HTTP side (upload_request.c), where one client
 * holds the curl handle, the headers and the secrets and is used by one thread at a time; and
 * the progress kept in the store (upload_state.c), owned by that thread.
 */
#ifndef PROF_UPLOAD_INTERNAL_H
#define PROF_UPLOAD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "upload.h"

#define UPLOAD_CONNECT_TIMEOUT_MS 5000
#define UPLOAD_REQUEST_TIMEOUT_MS 30000
/* Pyroscope's -validation.max-length-label-name and -value defaults (pkg/validation/limits.go). */
#define UPLOAD_LABEL_KEY_MAX 1024
#define UPLOAD_LABEL_VALUE_MAX 2048
/* spyName: the series label pyroscope_spy, how Pyroscope users tell which client sent it. */
#define UPLOAD_SPY_NAME "bpfprof"

struct upload_client;
struct upload_body;

enum upload_result {
	UPLOAD_OK,	/* 2xx */
	UPLOAD_RETRY,	/* no connection, timeout, cut at the deadline, 408, 429, 5xx */
	UPLOAD_REFUSED, /* any other reply: the same request would be refused again */
	/*
	 * Refused for now: 3xx (not followed), 401, 403, 407. The server or a gateway refuses
	 * this client (its credentials, its URL), not the profile: every interval meets the
	 * same until the configuration or the server changes, so none is given up for it.
	 */
	UPLOAD_DENIED,
};

/*
 * How a target's request body is made from an interval's pprof (upload_body.c): Pyroscope
 * takes the pprof with its sample labels series labels or not as @opts->series_labels says
 * (pprof_series__upload_body()), OTLP a request made from it. Copies what @opts says of the
 * body (series labels, the application name, the labels). Returns 0 with a body maker owned by the
 * caller, or -errno (logged).
 */
int upload_body__open(const struct upload_opts *opts, struct upload_body **out);
/* NULL-safe. */
void upload_body__free(struct upload_body *body);

/*
 * Makes the gzip body of the uncompressed pprof @raw[0..len) into @*gz (malloc'ed, owned by
 * the caller) and @*gz_len. Returns 0, -ENOMEM, or -EINVAL for a profile the target cannot
 * take (with the reason in @why).
 */
int upload_body__make(const struct upload_body *body, const void *raw, size_t len, void **gz,
		      size_t *gz_len, char *why, size_t whylen);

/* The most of a server's reply quoted in a log line, in bytes. */
#define UPLOAD_REPLY_LOG_MAX 200

/*
 * Checks the URL, the name and labels, headers and tenant, and reads the secret files. Logs
 * one line for what is wrong. Returns 0 with a client owned by the caller, or -errno.
 */
int upload_client__open(const struct upload_opts *opts, struct upload_client **out);
/* NULL-safe; wipes the secrets from memory. */
void upload_client__free(struct upload_client *client);

/* The URL for messages: scheme, host, port and path, never user or password. Borrowed. */
const char *upload_client__url(const struct upload_client *client);

/*
 * The query string of the request for [@from_s, @until_s] (Unix seconds), escaped and without
 * the "?", into @query (malloc'ed, owned by the caller). Returns 0 or -ENOMEM.
 */
int upload_client__query(const struct upload_client *client, uint64_t from_s, uint64_t until_s,
			 char **query);

/*
 * Sends the gzip body @gz[0..len) (upload_body__make()) for the interval [@from_s, @until_s]
 * (Unix seconds), the whole request limited to @timeout_ms (connecting to at most
 * UPLOAD_CONNECT_TIMEOUT_MS of it). @abort_at_ns, when not NULL and not 0 (CLOCK_MONOTONIC ns, read atomically), cuts the
 * request when reached even if set while it runs. Writes a one-line reason for failures to
 * @why (the curl error, or "HTTP 503: <start of the server's reply>"). @status gets the HTTP
 * status (0 without a reply).
 */
enum upload_result upload_client__send(struct upload_client *client, const void *gz, size_t len,
				       uint64_t from_s, uint64_t until_s, unsigned int timeout_ms,
				       const uint64_t *abort_at_ns, long *status, char *why,
				       size_t whylen);

/*
 * Writes @reply[0..len), a server's reply, as one line for a log message into @out (@outlen
 * bytes, at most UPLOAD_REPLY_LOG_MAX of text and "..."): each of @secrets[0..nsecrets)
 * (matched as bytes) becomes "[redacted]", and so does whatever follows a header name of
 * @names[0..nnames) (any case, then ':' or '=') to the end of its line; control characters
 * become a space (a run of them one), bytes that are not UTF-8 '?'. "..." ends a line cut
 * short, or one whose reply was (@cut: @reply holds only the start of a longer reply).
 */
void upload_reply__text(const char *reply, size_t len, bool cut, const char *const *secrets,
			size_t nsecrets, const char *const *names, size_t nnames, char *out,
			size_t outlen);

/*
 * Store mode's progress: STORE_DIR/.upload-cursor and STORE_DIR/.upload-refused, or their
 * -otlp twins for an OTLP target.
 */
struct upload_state;

struct upload_refused {
	char name[STORE_NAME_MAX]; /* the interval's store file */
	unsigned int starts;	   /* starts that saw it refused, 1..UPLOAD_REFUSED_TRIES-1 */
};

/*
 * Opens the store folder @dir as its writer does (store__open_dir()) and reads the cursor and
 * the refused list; files that do not parse are ignored with a warning (as if absent).
 * Returns 0 with the state in @out (owned by the caller), or -errno (logged) when the folder
 * cannot be opened or is refused.
 */
int upload_state__open(const char *dir, enum upload_target target, struct upload_state **out);
/* NULL-safe. */
void upload_state__free(struct upload_state *st);

/* The store folder's descriptor, to read interval files through. Borrowed from @st. */
int upload_state__dir_fd(const struct upload_state *st);

/* The newest interval done (uploaded, refused or skipped), "" for none. Borrowed. */
const char *upload_state__cursor(const struct upload_state *st);

/* Moves the cursor to @name when it is newer, and writes it. Returns 0 or -errno (logged). */
int upload_state__advance(struct upload_state *st, const char *name);

/*
 * Records that the server refused @name. Listed already (sent again at this start), it counts
 * one more start, and is given up at UPLOAD_REFUSED_TRIES; new, it is listed, pushing the
 * oldest out of a full list (its name to @pushed_out, STORE_NAME_MAX bytes, else ""). Writes
 * the list. Returns true when @name stays listed, false when it is given up.
 */
bool upload_state__refuse(struct upload_state *st, const char *name, char *pushed_out);

/* Takes @name off the list (accepted, or gone) and writes it. False if it was not listed. */
bool upload_state__forget(struct upload_state *st, const char *name);

/*
 * At start: keeps on the list only the names the store holds (@entries[0..n), sorted) at or
 * before the cursor (those after it are pending anyway). Returns how many were gone.
 */
size_t upload_state__prune(struct upload_state *st, const struct store_entry *entries, size_t n);

/* The refused list, oldest first, @n entries. Borrowed until the next change. */
const struct upload_refused *upload_state__refused(const struct upload_state *st, size_t *n);

/* Writes the list again if a write failed since. Returns 0 or -errno (logged once). */
int upload_state__flush(struct upload_state *st);

#endif
