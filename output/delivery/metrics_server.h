/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's /metrics endpoint: a small HTTP server (libmicrohttpd) on a thread of its own,
 * for Prometheus to scrape.
 *
 * GET (and HEAD) /metrics answer the page the render callback makes; any other path is 404,
 * another method on /metrics 405. Connections are bounded in number, in time and in the
 * memory their requests may take, so that a client that connects and says nothing, or a
 * flood of them, costs a bounded amount and never reaches the sampling.
 */
#ifndef PROF_METRICS_SERVER_H
#define PROF_METRICS_SERVER_H

#include <stddef.h>

/* At most this many connections at once; more wait in the listen queue. */
#define METRICS_SERVER_MAX_CONNECTIONS 8
/* A connection idle this long is closed. */
#define METRICS_SERVER_TIMEOUT_S 10
/* What one connection's request (line and headers) may take. */
#define METRICS_SERVER_REQUEST_BYTES (16u << 10)

struct metrics_server;

/*
 * Makes the page, on the server's thread: returns 0 with the text in *@text (malloc'ed,
 * transferred to the server) and its length in *@len, or -errno (the client gets a 500).
 */
typedef int metrics_render_fn(void *ctx, char **text, size_t *len);

struct metrics_server_opts {
	const char *addr;	   /* "HOST:PORT", "[V6]:PORT" or ":PORT" (every address) */
	const char *content_type;  /* of the page */
	metrics_render_fn *render; /* called with @ctx, borrowed until metrics_server__free() */
	void *ctx;
};

/*
 * Checks that @addr reads as metrics_server_opts.addr says (a port from 1 to 65535), without
 * resolving it. Returns 0, or -EINVAL with the reason in @err (@errlen bytes).
 */
int metrics_server__check_addr(const char *addr, char *err, size_t errlen);

/*
 * Listens on @opts->addr and starts serving. Fails with one line logged (an address in use, a
 * host that does not resolve, a port not allowed) and -errno.
 */
int metrics_server__open(const struct metrics_server_opts *opts, struct metrics_server **out);

/* Stops the thread and closes the connections; NULL-safe. */
void metrics_server__free(struct metrics_server *server);

#endif
