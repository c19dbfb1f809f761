// SPDX-License-Identifier: GPL-2.0-only
#include "metrics_server.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define METRICS_PATH "/metrics"
#define LISTEN_BACKLOG 16

struct metrics_server {
	struct MHD_Daemon *daemon;
	int listen_fd; /* ours until the daemon runs, closed by it then */
	char *content_type;
	metrics_render_fn *render;
	void *ctx;
};

/* Splits @addr into @host (NULL for every address) and @port; -EINVAL with a reason. */
static int split_addr(const char *addr, char *host, size_t host_size, char *port, char *err,
		      size_t errlen)
{
	const char *colon = addr ? strrchr(addr, ':') : NULL, *h = addr;
	size_t hlen = colon ? (size_t)(colon - addr) : 0;
	char *end;
	long n;

	if (!colon) {
		snprintf(err, errlen, "want HOST:PORT, [IPV6]:PORT or :PORT");
		return -EINVAL;
	}
	if (hlen && addr[0] == '[') {
		if (addr[hlen - 1] != ']') {
			snprintf(err, errlen, "an IPv6 address goes between [ and ]");
			return -EINVAL;
		}
		h++;
		hlen -= 2;
	}
	if (memchr(h, '[', hlen) || memchr(h, ']', hlen) || memchr(h, ':', hlen)) {
		snprintf(err, errlen, "an IPv6 address goes between [ and ]: [ADDRESS]:PORT");
		return -EINVAL;
	}
	if (hlen >= host_size) {
		snprintf(err, errlen, "host name too long");
		return -EINVAL;
	}
	errno = 0;
	n = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || n < 1 || n > 65535 || colon[1] == '+' ||
	    colon[1] == '-' || colon[1] == ' ') {
		snprintf(err, errlen, "the port must be a number from 1 to 65535");
		return -EINVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, 6, "%ld", n);
	return 0;
}

int metrics_server__check_addr(const char *addr, char *err, size_t errlen)
{
	char host[NI_MAXHOST], port[6];

	return split_addr(addr, host, sizeof(host), port, err, errlen);
}

/* A listening socket on @addr, or -errno after logging why. */
static int listen_on(const char *addr)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	char host[NI_MAXHOST], port[6], why[128];
	struct addrinfo *res;
	int fd, err, one = 1;

	err = split_addr(addr, host, sizeof(host), port, why, sizeof(why));
	if (err) {
		pr_err("bad metrics address %s: %s\n", addr, why);
		return err;
	}
	err = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (err) {
		pr_err("cannot resolve the metrics address %s: %s\n", addr, gai_strerror(err));
		return -EINVAL;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		goto out_log;
	}
	/* A restarted agent must not wait out the TIME_WAIT of its previous connections. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, LISTEN_BACKLOG)) {
		err = -errno;
		close(fd);
		goto out_log;
	}
	freeaddrinfo(res);
	return fd;

out_log:
	freeaddrinfo(res);
	pr_err("cannot serve metrics on %s: %s%s\n", addr, strerror(-err),
	       err == -EADDRINUSE ? " (another program listens there: choose another port)" : "");
	return err;
}

static enum MHD_Result queue_text(struct MHD_Connection *conn, unsigned int status,
				  const char *type, char *text, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result queue_message(struct MHD_Connection *conn, unsigned int status,
				     const char *message)
{
	char *text = strdup(message);

	if (!text)
		return MHD_NO;
	return queue_text(conn, status, "text/plain; charset=utf-8", text, strlen(text));
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **request_ctx)
{
	struct metrics_server *server = cls;
	char *text = NULL;
	size_t len = 0;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)request_ctx;
	if (strcmp(url, METRICS_PATH))
		return queue_message(conn, MHD_HTTP_NOT_FOUND,
				     "404 page not found: try /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return queue_message(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "405 method not allowed\n");
	if (server->render(server->ctx, &text, &len))
		return queue_message(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "500 the metrics could not be gathered\n");
	return queue_text(conn, MHD_HTTP_OK, server->content_type, text, len);
}

/* libmicrohttpd's own complaints (a malformed request, a connection reset) are debug lines. */
static void log_daemon_message(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	log__vprintf(LOG_DEBUG, fmt, ap);
}

int metrics_server__open(const struct metrics_server_opts *opts, struct metrics_server **out)
{
	struct metrics_server *server;
	int err = -ENOMEM;

	server = calloc(1, sizeof(*server));
	if (!server)
		return -ENOMEM;
	server->render = opts->render;
	server->ctx = opts->ctx;
	server->content_type = strdup(opts->content_type);
	if (!server->content_type)
		goto out_free;
	server->listen_fd = listen_on(opts->addr);
	if (server->listen_fd < 0) {
		err = server->listen_fd;
		goto out_free;
	}
	server->daemon = MHD_start_daemon(
		MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle_request,
		server, MHD_OPTION_EXTERNAL_LOGGER, log_daemon_message, NULL,
		MHD_OPTION_LISTEN_SOCKET, server->listen_fd, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)METRICS_SERVER_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)METRICS_SERVER_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)METRICS_SERVER_REQUEST_BYTES, MHD_OPTION_END);
	if (!server->daemon) {
		err = -EIO;
		pr_err("cannot start serving metrics on %s\n", opts->addr);
		close(server->listen_fd);
		goto out_free;
	}
	*out = server;
	return 0;

out_free:
	free(server->content_type);
	free(server);
	return err;
}

void metrics_server__free(struct metrics_server *server)
{
	if (!server)
		return;
	MHD_stop_daemon(server->daemon);
	free(server->content_type);
	free(server);
}
