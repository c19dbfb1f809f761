/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HTTP side of uploads (upload_request.c), used by the queue and thread (upload.c): one
 * client holds the curl handle, the headers and the secrets; it is used by one thread at a
 * time.
 */
#ifndef PROF_UPLOAD_INTERNAL_H
#define PROF_UPLOAD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "upload.h"

#define UPLOAD_CONNECT_TIMEOUT_MS 5000
#define UPLOAD_REQUEST_TIMEOUT_MS 30000
/* spyName: the series label pyroscope_spy, how Pyroscope users tell which client sent it. */
#define UPLOAD_SPY_NAME "bpfprof"

struct upload_client;

enum upload_result {
	UPLOAD_OK,	/* 2xx */
	UPLOAD_RETRY,	/* no connection, timeout, cut at the deadline, 408, 429, 5xx */
	UPLOAD_REFUSED, /* any other reply: the same request would be refused again */
};

/*
 * Checks the URL, the name and labels, headers and tenant, and reads the secret files. Logs
 * one line for what is wrong. Returns 0 with a client owned by the caller, or -errno.
 */
int upload_client__new(const struct upload_opts *opts, struct upload_client **out);
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
 * Sends the gzip pprof @gz[0..len) for the interval [@from_s, @until_s] (Unix seconds), the
 * whole request limited to @timeout_ms (connecting to at most UPLOAD_CONNECT_TIMEOUT_MS of
 * it). @abort_at_ns, when not NULL and not 0 (CLOCK_MONOTONIC ns, read atomically), cuts the
 * request when reached even if set while it runs. Writes a one-line reason for failures to
 * @why (the curl error, or "HTTP 503: <start of the server's reply>"). @status gets the HTTP
 * status (0 without a reply).
 */
enum upload_result upload_client__send(struct upload_client *client, const void *gz, size_t len,
				       uint64_t from_s, uint64_t until_s, unsigned int timeout_ms,
				       const uint64_t *abort_at_ns, long *status, char *why,
				       size_t whylen);

/* CLOCK_MONOTONIC in ns. */
uint64_t upload__now_ns(void);

#endif
