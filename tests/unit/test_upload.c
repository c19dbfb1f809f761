// SPDX-License-Identifier: GPL-2.0-only
/*
 * Uploads against tests/tools/ingest_receiver.py on a local port, which reads requests as
 * Pyroscope's ingest handler does: what a request holds (its query, a raw gzip pprof body,
 * authentication, headers) and what the server makes of it (series labels, profile types),
 * retries (5xx, 429) and refusals (400, 401, 413, 422), deadlines that are kept whatever the
 * server does, the bounded memory queue, the store's cursor and refused list (directly and
 * across restarts), and https with a CA made at test time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "temp_dir.h"

#include "log.h"
#include "pprof_series.h"
#include "pprof_writer.h"
#include "profile.h"
#include "profile.pb-c.h"
#include "store.h"
#include "upload.h"
#include "upload_internal.h"
#include "utf8.h"

#define NS_PER_MS 1000000ull
#define NS_PER_SEC 1000000000ull
/* 2023-11-14T22:13:20Z plus a half second: from/until must round outwards. */
#define T0_NS (1700000000ull * NS_PER_SEC + 500 * NS_PER_MS)
#define FAST_BACKOFF_MS 20
#define WAIT_MS 10000
/* Past the longest secret file read: 16 KiB. */
#define SECRET_TEST_BIG 16385

struct fixture {
	char dir[64];	/* the receiver's folder */
	char store[96]; /* dir/store */
	char path[160]; /* scratch: a secret file */
	char url[64];
	pid_t receiver;
	struct uploader *up;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/bpfprof-upload-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->store, sizeof(fx->store), "%s/store", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	uploader__free(fx->up);
	if (fx->receiver > 0) {
		kill(fx->receiver, SIGTERM);
		waitpid(fx->receiver, NULL, 0);
	}
	temp_dir__remove(fx->dir);
	free(fx);
	return 0;
}

/*
 * Starts the receiver with @args (NULL-terminated) and waits for its port. Profiles here are
 * from 2023: the server's window for old profiles is off unless @args set it again.
 */
static void start_receiver(struct fixture *fx, const char *const *args)
{
	const char *argv[16] = { "python3", TEST_SOURCE_DIR "/tools/ingest_receiver.py", fx->dir,
				 "--reject-older-than", "0" };
	char port_path[128];
	size_t n = 5;
	uint64_t t0;
	FILE *f;
	int port = 0;

	while (args && *args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	fx->receiver = fork();
	assert_true(fx->receiver >= 0);
	if (!fx->receiver) {
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	snprintf(port_path, sizeof(port_path), "%s/port", fx->dir);
	unlink(port_path); /* a receiver started again writes it anew */
	for (t0 = now_ms(); now_ms() - t0 < WAIT_MS; sleep_ms(20)) {
		f = fopen(port_path, "r");
		if (f) {
			assert_int_equal(fscanf(f, "%d", &port), 1);
			fclose(f);
			break;
		}
	}
	assert_true(port > 0);
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%d", port);
}

/* A port nothing listens on: connections are refused at once. */
static void dead_url(struct fixture *fx)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%d", ntohs(sa.sin_port));
}

static struct upload_opts base_opts(const struct fixture *fx)
{
	return (struct upload_opts){
		.url = fx->url,
		.app_name = "test.app",
		.backoff_min_ms = FAST_BACKOFF_MS,
	};
}

/* The agent's period at 100 Hz. */
#define PERIOD_NS 10000000

/*
 * A small valid pprof shaped as the agent's: sample types samples/count and cpu/nanoseconds,
 * period type cpu/nanoseconds; @count samples of one stack, times as given. Malloc'ed.
 */
static void *make_pprof(int64_t count, uint64_t time_ns, uint64_t dur_ns, size_t *len)
{
	Perftools__Profiles__Profile msg = PERFTOOLS__PROFILES__PROFILE__INIT;
	Perftools__Profiles__ValueType vt[3] = { PERFTOOLS__PROFILES__VALUE_TYPE__INIT,
						 PERFTOOLS__PROFILES__VALUE_TYPE__INIT,
						 PERFTOOLS__PROFILES__VALUE_TYPE__INIT };
	Perftools__Profiles__Sample sample = PERFTOOLS__PROFILES__SAMPLE__INIT;
	Perftools__Profiles__ValueType *vts[2] = { &vt[0], &vt[1] };
	Perftools__Profiles__Sample *samples[1] = { &sample };
	char *strings[5] = { "", "samples", "count", "cpu", "nanoseconds" };
	int64_t values[2] = { count, count * PERIOD_NS };
	void *buf;

	vt[0].type = 1;
	vt[0].unit = 2;
	vt[1].type = vt[2].type = 3;
	vt[1].unit = vt[2].unit = 4;
	sample.n_value = 2;
	sample.value = values;
	msg.n_sample_type = 2;
	msg.sample_type = vts;
	msg.period_type = &vt[2];
	msg.period = PERIOD_NS;
	msg.n_sample = 1;
	msg.sample = samples;
	msg.n_string_table = 5;
	msg.string_table = strings;
	msg.time_nanos = (int64_t)time_ns;
	msg.duration_nanos = (int64_t)dur_ns;
	*len = perftools__profiles__profile__get_packed_size(&msg);
	buf = malloc(*len);
	assert_non_null(buf);
	perftools__profiles__profile__pack(&msg, buf);
	return buf;
}

/* Submits a profile of @count samples for the second from T0_NS: most tests' one interval. */
static void submit_first_second(struct fixture *fx, int64_t count)
{
	size_t len;
	void *raw = make_pprof(count, T0_NS, NS_PER_SEC, &len);

	uploader__submit(fx->up, raw, len, T0_NS, T0_NS + NS_PER_SEC);
	free(raw);
}

/* The lines of DIR/requests.jsonl, at least @n of them within WAIT_MS. Malloc'ed text. */
static char *wait_requests(const struct fixture *fx, size_t n, size_t *lines)
{
	char path[128], *text = NULL;
	size_t len = 0, i, count = 0;
	uint64_t t0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/requests.jsonl", fx->dir);
	for (t0 = now_ms();; sleep_ms(20)) {
		free(text);
		text = NULL;
		count = 0;
		f = fopen(path, "r");
		if (f) {
			assert_int_not_equal(getdelim(&text, &len, '\0', f), -1);
			fclose(f);
			for (i = 0; text[i]; i++)
				count += text[i] == '\n';
		}
		if (count >= n || now_ms() - t0 > WAIT_MS)
			break;
	}
	*lines = count;
	return text ? text : strdup("");
}

/* The @i-th line (from 0) of @text, in a static buffer. */
static const char *line_of(const char *text, size_t i)
{
	static char line[4096];
	const char *end;

	while (i-- && (text = strchr(text, '\n')))
		text++;
	assert_non_null(text);
	end = strchr(text, '\n');
	assert_non_null(end);
	snprintf(line, sizeof(line), "%.*s", (int)(end - text), text);
	return line;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not in '%s'", needle, hay);
}

enum stat_field { ST_UPLOADED, ST_FAILED, ST_REFUSED, ST_SKIPPED };

static uint64_t stat_of(const struct upload_stats *st, enum stat_field f)
{
	switch (f) {
	case ST_UPLOADED:
		return st->uploaded;
	case ST_FAILED:
		return st->attempts_failed;
	case ST_REFUSED:
		return st->refused;
	default:
		return st->skipped;
	}
}

/* Waits until counter @f reaches @n (WAIT_MS at most); returns the stats then. */
static struct upload_stats wait_stat(struct uploader *up, enum stat_field f, uint64_t n)
{
	struct upload_stats st;
	uint64_t t0 = now_ms();

	do {
		uploader__stats(up, &st);
		if (stat_of(&st, f) >= n)
			break;
		sleep_ms(10);
	} while (now_ms() - t0 < WAIT_MS);
	return st;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Gunzips DIR/NAME. Malloc'ed. */
static void *gunzip_file(const struct fixture *fx, const char *name, size_t *len)
{
	char path[160];
	unsigned char in[65536];
	unsigned char *out = malloc(1 << 20);
	z_stream zs = { 0 };
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(in, 1, sizeof(in), f);
	fclose(f);
	assert_non_null(out);
	assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	zs.next_in = in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = 1 << 20;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	*len = zs.total_out;
	inflateEnd(&zs);
	return out;
}

static void test_names_and_labels(void **state)
{
	char err[128];

	(void)state;
	assert_true(upload__valid_app_name("my-app.cpu/x_1"));
	assert_false(upload__valid_app_name(""));
	assert_false(upload__valid_app_name("a b"));
	assert_false(upload__valid_app_name("app{x=y}"));
	assert_int_equal(upload__check_label("host=web-1.example", err, sizeof(err)), 0);
	assert_int_equal(upload__check_label("k.1_x=v=w", err, sizeof(err)), 0);
	assert_int_equal(upload__check_label("novalue", err, sizeof(err)), -EINVAL);
	assert_contains(err, "KEY=VALUE");
	assert_int_equal(upload__check_label("=v", err, sizeof(err)), -EINVAL);
	assert_int_equal(upload__check_label("k-x=v", err, sizeof(err)), -EINVAL);
	assert_int_equal(upload__check_label("k=", err, sizeof(err)), -EINVAL);
	assert_int_equal(upload__check_label("k=a,b", err, sizeof(err)), -EINVAL);
	assert_int_equal(upload__check_label("k={b}", err, sizeof(err)), -EINVAL);
	assert_int_equal(upload__check_label("k=a;b", err, sizeof(err)), -EINVAL);
	assert_int_equal(upload__check_label("__name__=x", err, sizeof(err)), -EINVAL);
	assert_int_equal(upload__check_label("k=a\nb", NULL, 0), -EINVAL);
	/* The server's rules beyond the characters: */
	assert_int_equal(upload__check_label("9k=v", err, sizeof(err)), -EINVAL);
	assert_contains(err, "may not start with a digit");
	assert_int_equal(upload__check_label("_k9=v", err, sizeof(err)), 0);
	assert_int_equal(upload__check_label("__k=v", err, sizeof(err)), -EINVAL);
	assert_contains(err, "'__k' is reserved: names starting with '__' are the server's own");
	assert_int_equal(upload__check_label("._k=v", err, sizeof(err)), -EINVAL);
	assert_int_equal(upload__check_label("service_name=x", err, sizeof(err)), -EINVAL);
	assert_contains(err, "it is the application name");
	assert_int_equal(upload__check_label("root.frame=x", err, sizeof(err)), -EINVAL);
	/* The samples' own: one value here would stand for every sample's (--series-labels). */
	assert_int_equal(upload__check_label("pid=1", err, sizeof(err)), -EINVAL);
	assert_contains(err, "label key 'pid' is reserved: each sample carries its own");
	assert_int_equal(upload__check_label("tid=1", err, sizeof(err)), -EINVAL);
	assert_int_equal(upload__check_label("comm=x", err, sizeof(err)), -EINVAL);
	assert_int_equal(upload__check_label("k=v ", err, sizeof(err)), -EINVAL);
	assert_contains(err, "label 'k' may not start or end with a space");
	assert_int_equal(upload__check_label("k=caf\xc3", err, sizeof(err)), -EINVAL);
	assert_contains(err, "not UTF-8");
	assert_int_equal(upload__check_label("k=caf\xc3\xa9 au lait", err, sizeof(err)), 0);
	assert_int_equal(upload__check_label("k=a\nb", err, sizeof(err)), -EINVAL);
	assert_null(strchr(err, '\n'));
	assert_int_equal(upload__check_label("a\nb", err, sizeof(err)), -EINVAL);
	assert_null(strchr(err, '\n'));
}

/* Keys and values at the server's length limits, and past them. */
static void test_label_lengths(void **state)
{
	char kv[UPLOAD_LABEL_KEY_MAX + UPLOAD_LABEL_VALUE_MAX + 4], err[128];

	(void)state;
	memset(kv, 'k', UPLOAD_LABEL_KEY_MAX);
	kv[UPLOAD_LABEL_KEY_MAX] = '=';
	memset(kv + UPLOAD_LABEL_KEY_MAX + 1, 'v', UPLOAD_LABEL_VALUE_MAX);
	kv[UPLOAD_LABEL_KEY_MAX + 1 + UPLOAD_LABEL_VALUE_MAX] = '\0';
	assert_int_equal(upload__check_label(kv, err, sizeof(err)), 0);
	strcat(kv, "v");
	assert_int_equal(upload__check_label(kv, err, sizeof(err)), -EINVAL);
	assert_contains(err, "longer than 2048 bytes");
	memmove(kv + 1, kv, strlen(kv) + 1);
	assert_int_equal(upload__check_label(kv, err, sizeof(err)), -EINVAL);
	assert_contains(err, "longer than 1024 bytes");
}

/*
 * What of a reply reaches the log: secrets cut out (as sent, and after a header name that
 * carries one, to the end of its line, whatever its encoding there), control characters,
 * C1 controls and bytes that are not UTF-8 made harmless, the length bounded on a character
 * boundary, and a secret cut at the end of a reply cut short hidden too.
 */
static void test_reply_text(void **state)
{
	const char *secrets[] = { "tok3n", "user:pw", "dXNlcjpwdw==" };
	const char *names[] = { "Authorization", "X-Key" };
	char out[UPLOAD_REPLY_LOG_MAX + 8], big[1024];
	size_t i;

	(void)state;
#define REPLY_TEXT(s, cut)                                                                         \
	upload_reply__text(s, sizeof(s) - 1, cut, secrets, 3, names, 2, out, sizeof(out))
	REPLY_TEXT("{\"message\":\"bad token tok3n for user:pw\"}\r\n", false);
	assert_string_equal(out, "{\"message\":\"bad token [redacted] for [redacted]\"}");
	/* Echoed headers, as a gateway's text and as JSON, in other encodings too. */
	REPLY_TEXT("got:\r\nauthorization: Basic dXNlcjpwdw==\r\nx-key:  v@lue\r\nHost: h\r\n",
		   false);
	assert_string_equal(out, "got: authorization: [redacted] x-key: [redacted] Host: h");
	REPLY_TEXT("{\"headers\":{\"Authorization\" : \"Bearer tok\\/3n\",\"Host\":\"h\"}}", false);
	assert_string_equal(out, "{\"headers\":{\"Authorization\" : [redacted]");
	REPLY_TEXT("Authorization Required", false);
	assert_string_equal(out, "Authorization Required");
	/* Terminal escapes, a C1 CSI, bytes that are not UTF-8; valid UTF-8 stays. */
	REPLY_TEXT("\x1b[2J\x1b]0;owned\x07"
		   "a\xc2\x9b"
		   "31mb\xff\xc3-c \xc3\xa9\xe2\x82\xac\n\n",
		   false);
	assert_string_equal(out, "[2J ]0;owned a 31mb?"
				 "?-c \xc3\xa9\xe2\x82\xac");
	assert_int_equal(utf8__valid_len(out, strlen(out)), strlen(out));
	/* A reply cut short may end in the start of a secret: that end is not shown. */
	REPLY_TEXT("refused for tok3", true);
	assert_null(strstr(out, "tok"));
	assert_string_equal(out + strlen(out) - 3, "...");
	/* Bounded, cut between characters. */
	for (i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	upload_reply__text(big, strlen(big), false, secrets, 3, names, 2, out, sizeof(out));
	assert_true(strlen(out) <= UPLOAD_REPLY_LOG_MAX);
	assert_int_equal(utf8__valid_len(out, strlen(out)), strlen(out));
	assert_string_equal(out + strlen(out) - 3, "...");
	upload_reply__text(big, strlen(big), false, secrets, 3, names, 2, out, 4);
	assert_string_equal(out, "...");
	upload_reply__text(big, strlen(big), false, secrets, 3, names, 2, out, 1);
	assert_string_equal(out, "");
#undef REPLY_TEXT
}

static void test_bad_options(void **state)
{
	struct fixture *fx = *state;
	const char *bad_label[] = { "a=b", "a=c" };
	const char *dup_label[] = { "a.b=1", "a_b=2" };
	const char *bad_header[] = { "NoColon" };
	struct upload_opts o;
	struct uploader *up = NULL;

	snprintf(fx->url, sizeof(fx->url), "ftp://127.0.0.1:1");
	o = base_opts(fx);
	assert_int_equal(uploader__open(&o, &up), -EINVAL);
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:1/x?y=1");
	assert_int_equal(uploader__open(&o, &up), -EINVAL);
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:1");
	o.app_name = "bad name";
	assert_int_equal(uploader__open(&o, &up), -EINVAL);
	o = base_opts(fx);
	o.labels = bad_label;
	o.nlabels = 2;
	assert_int_equal(uploader__open(&o, &up), -EINVAL); /* a key twice */
	o.labels = dup_label;
	assert_int_equal(uploader__open(&o, &up), -EINVAL); /* the same to the server */
	o = base_opts(fx);
	o.headers = bad_header;
	o.nheaders = 1;
	assert_int_equal(uploader__open(&o, &up), -EINVAL);
	o = base_opts(fx);
	o.bearer_token_file = "/nonexistent/token";
	assert_int_equal(uploader__open(&o, &up), -ENOENT);
	snprintf(fx->path, sizeof(fx->path), "%s/empty", fx->dir);
	write_file(fx->path, "\n");
	o.bearer_token_file = fx->path;
	assert_int_equal(uploader__open(&o, &up), -EINVAL);
	write_file(fx->path, "two\nlines\n");
	assert_int_equal(uploader__open(&o, &up), -EINVAL);
	o = base_opts(fx);
	write_file(fx->path, "nocolon\n");
	o.basic_auth_file = fx->path;
	assert_int_equal(uploader__open(&o, &up), -EINVAL);
	assert_null(up);
}

/*
 * The request's query, exactly: the name with its labels escaped, the span, the format that
 * makes Pyroscope read the body as one pprof, and our client's name.
 */
static void test_query_form(void **state)
{
	struct fixture *fx = *state;
	const char *labels[] = { "host=h1", "env=ci" };
	struct upload_client *client;
	struct upload_opts o;
	char *query;

	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:1");
	o = base_opts(fx);
	o.labels = labels;
	o.nlabels = 2;
	assert_int_equal(upload_client__open(&o, &client), 0);
	assert_int_equal(upload_client__query(client, 1700000000, 1700000010, &query), 0);
	assert_string_equal(query, "name=test.app%7Bhost%3Dh1%2Cenv%3Dci%7D&from=1700000000"
				   "&until=1700000010&format=pprof&spyName=bpfprof");
	assert_string_equal(upload_client__url(client), "http://127.0.0.1:1/ingest");
	free(query);
	upload_client__free(client);
}

/*
 * One profile from memory, as the server sees it: the body is the gzip of the bytes, read as
 * one pprof (not multipart), and stored as process_cpu under the application's name, with
 * the CPU time profile type Pyroscope's UI shows; from/until are rounded outwards.
 */
static void test_memory_upload(void **state)
{
	struct fixture *fx = *state;
	const char *labels[] = { "host=h1", "env=ci" };
	struct upload_opts o;
	struct upload_stats st;
	size_t len, got_len, n;
	void *raw, *got;
	char *text;

	start_receiver(fx, NULL);
	o = base_opts(fx);
	o.labels = labels;
	o.nlabels = 2;
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	raw = make_pprof(7, T0_NS, 9 * NS_PER_SEC, &len);
	uploader__submit(fx->up, raw, len, T0_NS, T0_NS + 9 * NS_PER_SEC + 200 * NS_PER_MS);
	assert_int_equal(uploader__finish(fx->up, WAIT_MS), 0);
	uploader__stats(fx->up, &st);
	assert_int_equal(st.uploaded, 1);
	assert_int_equal(st.attempts_failed + st.refused + st.given_up + st.dropped + st.pending,
			 0);

	text = wait_requests(fx, 1, &n);
	assert_int_equal(n, 1);
	assert_contains(text, "\"status\": 200");
	assert_contains(text, "\"raw_query\": \"name=test.app%7Bhost%3Dh1%2Cenv%3Dci%7D&from="
			      "1700000000&until=1700000010&format=pprof&spyName=bpfprof\"");
	assert_contains(text, "\"name\": \"test.app{host=h1,env=ci}\"");
	assert_contains(text, "\"content_type\": \"application/octet-stream\"");
	assert_contains(text, "\"form\": \"pprof\"");
	assert_contains(text, "\"gzip\": true");
	assert_contains(text, "\"ingested\": true");
	assert_contains(text, "\"sample_total\": 7");
	assert_contains(text, "\"auth\": null");
	assert_contains(text, "\"labels\": {\"__delta__\": \"false\", \"__name__\": "
			      "\"process_cpu\", \"env\": \"ci\", \"host\": \"h1\", "
			      "\"pyroscope_spy\": \"bpfprof\", \"service_name\": \"test.app\"}");
	assert_contains(text, "\"profile_types\": [\"process_cpu:samples:count:cpu:nanoseconds\", "
			      "\"process_cpu:cpu:nanoseconds:cpu:nanoseconds\"]");
	got = gunzip_file(fx, "profile-00001.pb.gz", &got_len);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, raw, len);
	free(got);
	free(text);
	free(raw);
}

/*
 * An interval of two processes as the agent writes it (pid, tid, comm, thread and time
 * labels), uploaded with --series-labels @set; the request's record, in a static buffer.
 */
static const char *upload_labelled(struct fixture *fx, unsigned int set)
{
	struct profile *prof = profile__new();
	struct profile_frame f = { .func = "main", .module = "/usr/bin/app", .addr = 0x1000 };
	struct profile_meta meta = { .time_ns = T0_NS, .duration_ns = NS_PER_SEC };
	struct profile_labels app = { 100, 101, "app", "worker-1", T0_NS };
	struct profile_labels db = { 200, 200, "db", NULL, T0_NS };
	struct upload_opts o = base_opts(fx);
	static char line[4096];
	uint32_t stack;
	size_t len, n;
	char *text;
	void *raw;

	assert_non_null(prof);
	profile__set_meta(prof, &meta);
	stack = (uint32_t)profile__intern_frame(prof, &f);
	assert_int_equal(profile__add_sample(prof, &stack, 1, &app, 2), 0);
	assert_int_equal(profile__add_sample(prof, &stack, 1, &db, 3), 0);
	assert_int_equal(pprof__encode(prof, &raw, &len), 0);
	profile__free(prof);
	o.series_labels = set;
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	uploader__submit(fx->up, raw, len, T0_NS, T0_NS + NS_PER_SEC);
	free(raw);
	assert_int_equal(uploader__finish(fx->up, WAIT_MS), 0);
	uploader__free(fx->up);
	fx->up = NULL;
	text = wait_requests(fx, 1, &n);
	snprintf(line, sizeof(line), "%s", line_of(text, n - 1));
	free(text);
	assert_contains(line, "\"status\": 200");
	assert_contains(line, "\"sample_total\": 5");
	return line;
}

/*
 * What the server makes series of: the labels chosen, as strings; pid and tid otherwise as
 * number labels it drops; comm otherwise as the root of every stack; thread otherwise not
 * at all.
 */
static void test_series_labels(void **state)
{
	struct fixture *fx = *state;
	const char *line;

	start_receiver(fx, NULL);
	line = upload_labelled(fx, PPROF_SERIES_DEFAULT);
	assert_contains(line, "\"series\": 2,");
	assert_contains(line, "\"sample_series_labels\": {\"comm\": [\"app\", \"db\"]}");
	assert_contains(line, "\"dropped_sample_labels\": [\"pid\", \"tid\", \"time\"]");
	assert_contains(line, "\"root_functions\": [\"main\"]");

	line = upload_labelled(fx, PPROF_SERIES_PID | PPROF_SERIES_THREAD);
	assert_contains(line, "\"series\": 2,");
	assert_contains(line, "\"sample_series_labels\": {\"pid\": [\"100\", \"200\"], "
			      "\"thread\": [\"worker-1\"]}");
	assert_contains(line, "\"dropped_sample_labels\": [\"tid\", \"time\"]");
	assert_contains(line, "\"root_functions\": [\"app\", \"db\"]");

	line = upload_labelled(fx, 0);
	assert_contains(line, "\"series\": 1,");
	assert_contains(line, "\"sample_series_labels\": {}");
	assert_contains(line, "\"root_functions\": [\"app\", \"db\"]");
}

/* Submits one profile, waits for the first request, returns its log line (static buffer). */
static const char *upload_one(struct fixture *fx, const struct upload_opts *o)
{
	size_t n;
	char *text;
	static char line[4096];

	assert_int_equal(uploader__open(o, &fx->up), 0);
	submit_first_second(fx, 1);
	assert_int_equal(uploader__finish(fx->up, WAIT_MS), 0);
	text = wait_requests(fx, 1, &n);
	assert_true(n >= 1);
	snprintf(line, sizeof(line), "%s", line_of(text, 0));
	free(text);
	return line;
}

/* Sends stderr to DIR/stderr at debug level, so a test can read every log line. */
static int capture_log(const struct fixture *fx)
{
	char path[128];
	int saved = dup(STDERR_FILENO), fd;

	snprintf(path, sizeof(path), "%s/stderr", fx->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	log__set_level(LOG_DEBUG);
	return saved;
}

/* Restores stderr; fails if the log holds @secret, and wants @expect (debug lines) in it. */
static void check_log(const struct fixture *fx, int saved, const char *secret, const char *expect)
{
	char path[128], *text = NULL;
	size_t len = 0;
	FILE *f;

	log__set_level(LOG_WARN);
	dup2(saved, STDERR_FILENO);
	close(saved);
	snprintf(path, sizeof(path), "%s/stderr", fx->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	if (strstr(text, secret))
		fail_msg("the log shows a secret: %s", text);
	assert_contains(text, expect);
	free(text);
}

/*
 * upload_client__open() with @o in a child process: its result, or 1 when it had not returned
 * within 5 s (the child is then killed), so that a test of something that blocks fails.
 */
static int client_new_in_child(const struct upload_opts *o)
{
	struct upload_client *client = NULL;
	uint64_t t0 = now_ms();
	int status, err;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		err = upload_client__open(o, &client);
		upload_client__free(client);
		_exit(-err & 0xff);
	}
	while (!waitpid(pid, &status, WNOHANG)) {
		if (now_ms() - t0 > 5000) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 1;
		}
		sleep_ms(10);
	}
	assert_true(WIFEXITED(status));
	return -WEXITSTATUS(status);
}

/*
 * Credential files: a FIFO (directly or through a link), a folder or an oversized file is
 * refused at once with a one-line error, never waited on; a file that every user may read
 * or change is used with a warning that says how to close it, as is one another user owns;
 * links are followed, as Kubernetes mounts its secrets (FILE -> ..data/FILE, ..data -> the
 * current version), and a 0600 file there draws no warning.
 */
static void test_secret_files(void **state)
{
	struct fixture *fx = *state;
	char path[3][160], big[SECRET_TEST_BIG + 1];
	struct upload_client *client;
	struct upload_opts o;
	int saved;

	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:1");
	o = base_opts(fx);
	o.bearer_token_file = fx->path;

	snprintf(fx->path, sizeof(fx->path), "%s/fifo", fx->dir);
	assert_int_equal(mkfifo(fx->path, 0600), 0);
	assert_int_equal(client_new_in_child(&o), -EINVAL);
	snprintf(path[0], sizeof(path[0]), "%s/fifo", fx->dir);
	snprintf(fx->path, sizeof(fx->path), "%s/link-to-fifo", fx->dir);
	assert_int_equal(symlink(path[0], fx->path), 0);
	assert_int_equal(client_new_in_child(&o), -EINVAL);
	snprintf(fx->path, sizeof(fx->path), "%s", fx->dir);
	assert_int_equal(client_new_in_child(&o), -EINVAL);
	snprintf(fx->path, sizeof(fx->path), "%s/big", fx->dir);
	memset(big, 'x', SECRET_TEST_BIG);
	big[SECRET_TEST_BIG] = '\0';
	write_file(fx->path, big);
	assert_int_equal(client_new_in_child(&o), -EINVAL);

	/* A Kubernetes secret volume: token -> ..data/token, ..data -> ..2026_v1. */
	snprintf(path[0], sizeof(path[0]), "%s/..2026_v1", fx->dir);
	assert_int_equal(mkdir(path[0], 0700), 0);
	snprintf(path[1], sizeof(path[1]), "%s/..2026_v1/token", fx->dir);
	write_file(path[1], "t0ken-in-a-volume\n");
	assert_int_equal(chmod(path[1], 0600), 0);
	snprintf(path[2], sizeof(path[2]), "%s/..data", fx->dir);
	assert_int_equal(symlink("..2026_v1", path[2]), 0);
	snprintf(fx->path, sizeof(fx->path), "%s/token", fx->dir);
	assert_int_equal(symlink("..data/token", fx->path), 0);
	saved = capture_log(fx);
	assert_int_equal(upload_client__open(&o, &client), 0);
	upload_client__free(client);
	check_log(fx, saved, "every user", "");

	/* Its default mode, 0644: used, with a warning. */
	assert_int_equal(chmod(path[1], 0644), 0);
	saved = capture_log(fx);
	assert_int_equal(upload_client__open(&o, &client), 0);
	upload_client__free(client);
	snprintf(big, sizeof(big),
		 "the bearer token file '%s' can be read by every user (mode "
		 "0644): chmod 600 it",
		 fx->path);
	check_log(fx, saved, "t0ken", big);
	if (geteuid())
		return; /* handing the file to another user takes root */
	assert_int_equal(chmod(path[1], 0600), 0);
	assert_int_equal(chown(path[1], 65534, 65534), 0);
	saved = capture_log(fx);
	assert_int_equal(upload_client__open(&o, &client), 0);
	upload_client__free(client);
	check_log(fx, saved, "every user", "is owned by uid 65534, who can read and change it");
}

static void test_bearer(void **state)
{
	struct fixture *fx = *state;
	const char *args[] = { "--token", "s3cret-token", NULL };
	struct upload_opts o;
	struct upload_stats st;
	const char *line;
	int saved;

	start_receiver(fx, args);
	snprintf(fx->path, sizeof(fx->path), "%s/token", fx->dir);
	write_file(fx->path, "s3cret-token\n");
	o = base_opts(fx);
	o.bearer_token_file = fx->path;
	saved = capture_log(fx);
	line = upload_one(fx, &o);
	check_log(fx, saved, "s3cret", "upload: POST http://127.0.0.1:");
	assert_contains(line, "\"status\": 200");
	assert_contains(line, "\"auth\": \"Bearer\"");
	uploader__stats(fx->up, &st);
	assert_int_equal(st.uploaded, 1);
}

static void test_basic(void **state)
{
	struct fixture *fx = *state;
	const char *args[] = { "--basic", "user:pa:ss", NULL };
	struct upload_opts o;
	const char *line;
	int saved;

	start_receiver(fx, args);
	snprintf(fx->path, sizeof(fx->path), "%s/basic", fx->dir);
	write_file(fx->path, "user:pa:ss\r\n");
	o = base_opts(fx);
	o.basic_auth_file = fx->path;
	saved = capture_log(fx);
	line = upload_one(fx, &o);
	check_log(fx, saved, "pa:ss", "upload: POST http://127.0.0.1:");
	assert_contains(line, "\"status\": 200");
	assert_contains(line, "\"auth\": \"Basic\"");
}

/* Credentials in the URL work and stay out of the log; a trailing '/' is fine. */
static void test_url_credentials(void **state)
{
	struct fixture *fx = *state;
	const char *args[] = { "--basic", "u1:pw-in-url", NULL };
	struct upload_opts o;
	const char *line;
	int port, saved;

	start_receiver(fx, args);
	assert_int_equal(sscanf(fx->url, "http://127.0.0.1:%d", &port), 1);
	snprintf(fx->url, sizeof(fx->url), "http://u1:pw-in-url@127.0.0.1:%d/", port);
	o = base_opts(fx);
	saved = capture_log(fx);
	line = upload_one(fx, &o);
	check_log(fx, saved, "pw-in-url", "upload: POST http://127.0.0.1:");
	assert_contains(line, "\"status\": 200");
	assert_contains(line, "\"path\": \"/ingest\"");
}

static void test_tenant_and_headers(void **state)
{
	struct fixture *fx = *state;
	const char *args[] = { "--tenant", "team-7", "--header", "X-Extra: one two", NULL };
	const char *headers[] = { "X-Extra: one two" };
	struct upload_opts o;
	const char *line;

	start_receiver(fx, args);
	o = base_opts(fx);
	o.tenant = "team-7";
	o.headers = headers;
	o.nheaders = 1;
	line = upload_one(fx, &o);
	assert_contains(line, "\"status\": 200");
	assert_contains(line, "\"tenant\": \"team-7\"");
}

/* @status twice, then accepted: retried with backoff, uploaded once. */
static void check_retried(struct fixture *fx, const char *status)
{
	const char *args[] = { "--fail-first", "2", "--fail-status", status, NULL };
	struct upload_opts o;
	struct upload_stats st;
	char want[32];
	size_t n;
	char *text;

	start_receiver(fx, args);
	o = base_opts(fx);
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	submit_first_second(fx, 3);
	st = wait_stat(fx->up, ST_UPLOADED, 1);
	assert_int_equal(st.uploaded, 1);
	assert_int_equal(st.attempts_failed, 2);
	assert_int_equal(st.refused, 0);
	assert_int_equal(st.pending, 0);
	text = wait_requests(fx, 3, &n);
	assert_int_equal(n, 3);
	snprintf(want, sizeof(want), "\"status\": %s", status);
	assert_contains(line_of(text, 0), want);
	assert_contains(line_of(text, 1), want);
	assert_contains(line_of(text, 2), "\"status\": 200");
	free(text);
}

static void test_retry_503(void **state)
{
	check_retried(*state, "503");
}

/* The server's rate limit (ResourceExhausted). */
static void test_retry_429(void **state)
{
	check_retried(*state, "429");
}

/*
 * Memory mode: a refusal is final (nothing to send it from later): counted as refused and
 * given up, not retried, and the next interval goes on. The server's message is quoted.
 */
static void check_refused(struct fixture *fx, const char *const *args, int status,
			  const char *message)
{
	struct upload_opts o;
	struct upload_stats st;
	char want[32];
	size_t len, n;
	void *raw;
	char *text;
	int saved;

	start_receiver(fx, args);
	o = base_opts(fx);
	saved = capture_log(fx);
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	raw = make_pprof(3, T0_NS, NS_PER_SEC, &len);
	uploader__submit(fx->up, raw, len, T0_NS, T0_NS + NS_PER_SEC);
	st = wait_stat(fx->up, ST_REFUSED, 1);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.given_up, 1);
	assert_int_equal(st.refused_kept, 0);
	assert_int_equal(st.attempts_failed, 0);
	assert_int_equal(st.pending, 0);
	sleep_ms(5 * FAST_BACKOFF_MS);
	text = wait_requests(fx, 1, &n);
	assert_int_equal(n, 1);
	snprintf(want, sizeof(want), "\"status\": %d", status);
	assert_contains(text, want);
	assert_contains(text, message);
	free(text);
	if (status == 400) {
		uploader__submit(fx->up, raw, len, T0_NS + NS_PER_SEC, T0_NS + 2 * NS_PER_SEC);
		st = wait_stat(fx->up, ST_UPLOADED, 1);
		assert_int_equal(st.uploaded, 1);
		assert_int_equal(st.refused, 1);
	}
	free(raw);
	uploader__finish(fx->up, 0);
	snprintf(want, sizeof(want), "refused: HTTP %d", status);
	check_log(fx, saved, "no secret here", want);
}

static void test_refused_400(void **state)
{
	const char *args[] = { "--fail-first", "1", "--fail-status", "400", NULL };

	check_refused(*state, args, 400, "scripted failure");
}

/*
 * Refused for now: the server refuses this client (credentials, URL), not the profile. Counted
 * as a refusal and logged with @expect, but kept pending, not retried at once nor while
 * finishing: nothing reaches the server twice in a row.
 */
static void check_denied(struct fixture *fx, const char *const *args, const char *expect)
{
	struct upload_opts o;
	struct upload_stats st;
	size_t n;
	uint64_t t0;
	char *text;
	int saved;

	start_receiver(fx, args);
	o = base_opts(fx);
	saved = capture_log(fx);
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	submit_first_second(fx, 3);
	st = wait_stat(fx->up, ST_REFUSED, 1);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.given_up + st.attempts_failed + st.dropped, 0);
	assert_int_equal(st.pending, 1);
	sleep_ms(5 * FAST_BACKOFF_MS);
	t0 = now_ms();
	assert_int_equal(uploader__finish(fx->up, WAIT_MS), 1);
	assert_true(now_ms() - t0 < WAIT_MS / 2);
	text = wait_requests(fx, 2, &n);
	assert_int_equal(n, 1);
	free(text);
	check_log(fx, saved, "no secret here", expect);
}

static void test_denied_401(void **state)
{
	const char *args[] = { "--token", "wanted", NULL };

	check_denied(*state, args,
		     "refused: HTTP 401: {\"code\": \"unauthenticated\", "
		     "\"message\": \"bad or missing bearer token\"}; kept in the queue");
}

/* A redirect is not followed, and the log names where it pointed. */
static void test_denied_redirect(void **state)
{
	const char *args[] = { "--fail-first",
			       "1",
			       "--fail-status",
			       "308",
			       "--location",
			       "https://elsewhere.example/ingest",
			       NULL };

	check_denied(*state, args,
		     "HTTP 308: a redirect, not followed (it would take the "
		     "credentials along): give --upload the URL it names: "
		     "https://elsewhere.example/ingest; kept in the queue");
}

/*
 * A gateway that quotes the request's headers in its error replies: neither the token nor
 * an extra header's value reaches the log, and the rest of the reply does.
 */
static void test_echoed_secrets(void **state)
{
	struct fixture *fx = *state;
	const char *args[] = { "--fail-first", "1", "--fail-status", "400", "--echo-headers", NULL };
	const char *headers[] = { "X-Api-Key: s3cret-key" };
	struct upload_opts o;
	int saved;

	start_receiver(fx, args);
	snprintf(fx->path, sizeof(fx->path), "%s/token", fx->dir);
	write_file(fx->path, "s3cret-token\n");
	o = base_opts(fx);
	o.bearer_token_file = fx->path;
	o.headers = headers;
	o.nheaders = 1;
	saved = capture_log(fx);
	upload_one(fx, &o);
	check_log(fx, saved, "s3cret", "refused: HTTP 400: request headers: Host: 127.0.0.1:");
}

/* Past the server's body limit: 413. */
static void test_refused_413(void **state)
{
	const char *args[] = { "--body-limit", "16", NULL };

	check_refused(*state, args, 413, "request body too large");
}

/* Past its limit of a decompressed profile: 422. */
static void test_refused_422_size(void **state)
{
	const char *args[] = { "--max-profile-size", "16", NULL };

	check_refused(*state, args, 422, "decompressed size exceeds maximum allowed size of 16");
}

/* Older than the server's window (an hour by default): 422. */
static void test_refused_422_old(void **state)
{
	const char *args[] = { "--reject-older-than", "3600", NULL };

	check_refused(*state, args, 422, "outside of ingestion window");
}

/* Nothing listens: finish() gives up at its deadline and reports what is left. */
static void test_dead_port(void **state)
{
	struct fixture *fx = *state;
	struct upload_opts o;
	struct upload_stats st;
	uint64_t t0;

	dead_url(fx);
	o = base_opts(fx);
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	submit_first_second(fx, 3);
	st = wait_stat(fx->up, ST_FAILED, 1);
	assert_true(st.attempts_failed >= 1);
	t0 = now_ms();
	assert_int_equal(uploader__finish(fx->up, 300), 1);
	assert_true(now_ms() - t0 < 5000); /* not hung on the refused connection */
	uploader__stats(fx->up, &st);
	assert_int_equal(st.pending, 1);
	assert_int_equal(st.uploaded, 0);
	/* Later calls return at once with the same count. */
	assert_int_equal(uploader__finish(fx->up, 10000), 1);
}

/* A server that does not answer: the request in flight is cut at finish()'s deadline. */
static void test_slow_server(void **state)
{
	struct fixture *fx = *state;
	const char *args[] = { "--delay", "20", NULL };
	struct upload_opts o;
	size_t n;
	uint64_t t0;
	char *text;

	start_receiver(fx, args);
	o = base_opts(fx);
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	submit_first_second(fx, 3);
	sleep_ms(300); /* the request is in flight */
	t0 = now_ms();
	assert_int_equal(uploader__finish(fx->up, 500), 1);
	assert_true(now_ms() - t0 < 5000); /* not the receiver's 20 s */
	text = wait_requests(fx, 0, &n);
	assert_int_equal(n, 0);
	free(text);
}

/* A full queue drops its oldest profiles and counts them. */
static void test_queue_overflow(void **state)
{
	struct fixture *fx = *state;
	struct upload_opts o;
	struct upload_stats st;
	size_t len;
	void *raw;
	int i;

	dead_url(fx);
	o = base_opts(fx);
	o.queue_max = 3;
	o.backoff_min_ms = 60000; /* one attempt, then a long wait */
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	raw = make_pprof(3, T0_NS, NS_PER_SEC, &len);
	uploader__submit(fx->up, raw, len, T0_NS, T0_NS + NS_PER_SEC);
	st = wait_stat(fx->up, ST_FAILED, 1);
	assert_int_equal(st.attempts_failed, 1);
	for (i = 1; i < 5; i++)
		uploader__submit(fx->up, raw, len, T0_NS + i * NS_PER_SEC,
				 T0_NS + (i + 1) * NS_PER_SEC);
	free(raw);
	uploader__stats(fx->up, &st);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.pending, 3);
	assert_int_equal(uploader__finish(fx->up, 0), 3);
}

/* Writes intervals with @count samples each at T0 + i s into the store. Names to @names. */
static void fill_store(struct fixture *fx, int first, int n, char names[][STORE_NAME_MAX])
{
	struct store_opts so = { .dir = fx->store };
	struct store *store;
	uint64_t start;
	size_t len;
	void *raw;
	int i;

	assert_int_equal(store__open(&so, &store), 0);
	for (i = first; i < first + n; i++) {
		start = T0_NS + (uint64_t)i * 10 * NS_PER_SEC;
		raw = make_pprof(100 + i, start, 10 * NS_PER_SEC, &len);
		assert_int_equal(store__write(store, start, raw, len, names[i]), 0);
		free(raw);
	}
	store__close(store);
}

static void read_cursor(const struct fixture *fx, char *name)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" UPLOAD_CURSOR_FILE, fx->store);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%63s", name), 1);
	fclose(f);
}

/*
 * Store mode: what follows the cursor is sent at start, new intervals as they come; files
 * gone or corrupt are skipped; the cursor follows.
 */
static void test_store_cursor(void **state)
{
	struct fixture *fx = *state;
	char names[8][STORE_NAME_MAX], cursor[STORE_NAME_MAX], path[256];
	struct upload_opts o;
	struct upload_stats st;
	size_t n;
	char *text;

	start_receiver(fx, NULL);
	fill_store(fx, 0, 3, names);
	snprintf(path, sizeof(path), "%s/" UPLOAD_CURSOR_FILE, fx->store);
	write_file(path, names[0]);
	o = base_opts(fx);
	o.store_dir = fx->store;
	o.since_ns = UINT64_MAX; /* a cursor overrides it */
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	st = wait_stat(fx->up, ST_UPLOADED, 2);
	assert_int_equal(st.uploaded, 2);
	text = wait_requests(fx, 2, &n);
	assert_int_equal(n, 2);
	/* Oldest first, the span from the pprof: T0 + 10 s, 10 s long. */
	assert_contains(line_of(text, 0), "\"from\": \"1700000010\"");
	assert_contains(line_of(text, 0), "\"until\": \"1700000021\"");
	assert_contains(line_of(text, 0), "\"sample_total\": 101");
	assert_contains(line_of(text, 1), "\"sample_total\": 102");
	free(text);
	read_cursor(fx, cursor);
	assert_string_equal(cursor, names[2]);

	/* New intervals: one vanishes, one is corrupt, one is fine. */
	fill_store(fx, 3, 3, names);
	snprintf(path, sizeof(path), "%s/%s", fx->store, names[3]);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/%s", fx->store, names[4]);
	write_file(path, "not zstd");
	uploader__submit_stored(fx->up, names[3]);
	uploader__submit_stored(fx->up, names[4]);
	uploader__submit_stored(fx->up, names[5]);
	uploader__submit_stored(fx->up, names[1]); /* old: ignored */
	st = wait_stat(fx->up, ST_UPLOADED, 3);
	assert_int_equal(st.uploaded, 3);
	assert_int_equal(st.skipped, 2);
	assert_int_equal(uploader__finish(fx->up, WAIT_MS), 0);
	read_cursor(fx, cursor);
	assert_string_equal(cursor, names[5]);
	text = wait_requests(fx, 3, &n);
	assert_int_equal(n, 3);
	assert_contains(line_of(text, 2), "\"sample_total\": 105");
	free(text);

	/* A restart has nothing to send. */
	uploader__free(fx->up);
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	uploader__stats(fx->up, &st);
	assert_int_equal(st.pending, 0);
}

/*
 * Store mode: the span is the stored profile's, or starts at its file's name when the profile
 * has no time of its own; a file that holds no pprof is skipped.
 */
static void test_store_span(void **state)
{
	struct fixture *fx = *state;
	static const char not_pprof[] = "main;work 12\n";
	struct store_opts so = { .dir = fx->store };
	char names[3][STORE_NAME_MAX];
	struct upload_stats st;
	struct upload_opts o;
	struct store *store;
	size_t n, len;
	char *text;
	void *raw;

	start_receiver(fx, NULL);
	assert_int_equal(store__open(&so, &store), 0);
	raw = make_pprof(7, 0, 3 * NS_PER_SEC, &len);
	assert_int_equal(store__write(store, T0_NS, raw, len, names[0]), 0);
	free(raw);
	assert_int_equal(store__write(store, T0_NS + 10 * NS_PER_SEC, not_pprof, strlen(not_pprof),
				      names[1]),
			 0);
	raw = make_pprof(9, T0_NS + 20 * NS_PER_SEC, 2 * NS_PER_SEC, &len);
	assert_int_equal(store__write(store, T0_NS + 21 * NS_PER_SEC, raw, len, names[2]), 0);
	free(raw);
	store__close(store);

	o = base_opts(fx);
	o.store_dir = fx->store;
	o.since_ns = T0_NS;
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	assert_int_equal(uploader__finish(fx->up, WAIT_MS), 0);
	uploader__stats(fx->up, &st);
	assert_int_equal(st.uploaded, 2);
	assert_int_equal(st.skipped, 1);
	text = wait_requests(fx, 2, &n);
	assert_int_equal(n, 2);
	/* T0 + 0.5 s to T0 + 3.5 s, from the name's start and the profile's duration. */
	assert_contains(line_of(text, 0), "\"from\": \"1700000000\"");
	assert_contains(line_of(text, 0), "\"until\": \"1700000004\"");
	assert_contains(line_of(text, 0), "\"sample_total\": 7");
	/* The profile's own time wins over its name's: T0 + 20.5 s to T0 + 22.5 s. */
	assert_contains(line_of(text, 1), "\"from\": \"1700000020\"");
	assert_contains(line_of(text, 1), "\"until\": \"1700000023\"");
	assert_contains(line_of(text, 1), "\"sample_total\": 9");
	free(text);
}

/* No cursor: only intervals from since_ns; the older ones are marked done at once. */
static void test_store_since(void **state)
{
	struct fixture *fx = *state;
	char names[4][STORE_NAME_MAX], cursor[STORE_NAME_MAX];
	struct upload_opts o;
	struct upload_stats st;
	size_t n;
	char *text;

	dead_url(fx);
	fill_store(fx, 0, 4, names);
	o = base_opts(fx);
	o.store_dir = fx->store;
	o.since_ns = T0_NS + 20 * NS_PER_SEC; /* names[2] on */
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	read_cursor(fx, cursor);
	assert_string_equal(cursor, names[1]);
	/* An outage loses nothing: pending stays in the store for the next start. */
	assert_int_equal(uploader__finish(fx->up, 100), 2);
	uploader__free(fx->up);
	fx->up = NULL;

	start_receiver(fx, NULL);
	o = base_opts(fx);
	o.store_dir = fx->store;
	o.since_ns = UINT64_MAX;
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	assert_int_equal(uploader__finish(fx->up, WAIT_MS), 0);
	uploader__stats(fx->up, &st);
	assert_int_equal(st.uploaded, 2);
	text = wait_requests(fx, 2, &n);
	assert_int_equal(n, 2);
	assert_contains(line_of(text, 0), "\"sample_total\": 102");
	assert_contains(line_of(text, 1), "\"sample_total\": 103");
	free(text);
	read_cursor(fx, cursor);
	assert_string_equal(cursor, names[3]);
}

/*
 * A first start on an empty store that uploads nothing (the server is away) still writes
 * down where its uploads begin: the next start sends what the first one stored instead of
 * taking it for history that was there before.
 */
static void test_store_first_start(void **state)
{
	struct fixture *fx = *state;
	char names[2][STORE_NAME_MAX];
	struct upload_opts o;
	struct upload_stats st;
	int i;

	dead_url(fx);
	assert_int_equal(mkdir(fx->store, 0700), 0); /* the agent opens the store first */
	o = base_opts(fx);
	o.store_dir = fx->store;
	o.since_ns = T0_NS;
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	fill_store(fx, 0, 2, names);
	for (i = 0; i < 2; i++)
		uploader__submit_stored(fx->up, names[i]);
	assert_int_equal(uploader__finish(fx->up, 100), 2);
	uploader__free(fx->up);
	fx->up = NULL;

	start_receiver(fx, NULL);
	o = base_opts(fx);
	o.store_dir = fx->store;
	o.since_ns = UINT64_MAX; /* a later start */
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	assert_int_equal(uploader__finish(fx->up, WAIT_MS), 0);
	uploader__stats(fx->up, &st);
	assert_int_equal(st.uploaded, 2);
}

/*
 * The wall clock steps back by a minute between two intervals: those stored after the step
 * are sent at once, in the order they were stored, and so is one a restart finds.
 */
static void test_store_clock_step(void **state)
{
	struct fixture *fx = *state;
	static const int starts[] = { 100, 110, 120, 60, 70, 80 };
	struct store_opts so = { .dir = fx->store };
	char names[6][STORE_NAME_MAX], cursor[STORE_NAME_MAX], want[64];
	struct upload_stats st;
	struct upload_opts o;
	struct store *store;
	uint64_t start;
	size_t n, len;
	char *text;
	void *raw;
	int i;

	start_receiver(fx, NULL);
	o = base_opts(fx);
	o.store_dir = fx->store;
	assert_int_equal(store__open(&so, &store), 0);
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	for (i = 0; i < 6; i++) {
		start = T0_NS + (uint64_t)starts[i] * NS_PER_SEC;
		raw = make_pprof(100 + i, start, 10 * NS_PER_SEC, &len);
		assert_int_equal(store__write(store, start, raw, len, names[i]), 0);
		free(raw);
		/* The last one is stored while no uploader runs. */
		if (i == 5)
			break;
		uploader__submit_stored(fx->up, names[i]);
		if (i == 4) {
			st = wait_stat(fx->up, ST_UPLOADED, 5);
			assert_int_equal(st.uploaded, 5);
			assert_int_equal(uploader__finish(fx->up, WAIT_MS), 0);
			uploader__free(fx->up);
			fx->up = NULL;
			read_cursor(fx, cursor);
			assert_string_equal(cursor, names[4]);
		}
	}
	store__close(store);
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	assert_int_equal(uploader__finish(fx->up, WAIT_MS), 0);
	uploader__stats(fx->up, &st);
	assert_int_equal(st.uploaded, 1);
	text = wait_requests(fx, 6, &n);
	assert_int_equal(n, 6);
	for (i = 0; i < 6; i++) {
		snprintf(want, sizeof(want), "\"sample_total\": %d", 100 + i);
		assert_contains(line_of(text, (size_t)i), want);
	}
	free(text);
}

/*
 * The store's folder removed while the uploader runs: the store makes it again, and told so,
 * the uploader keeps its progress in the new one and sends what is stored there.
 */
static void test_store_moved(void **state)
{
	struct fixture *fx = *state;
	struct store_opts so = { .dir = fx->store };
	char names[2][STORE_NAME_MAX], cursor[STORE_NAME_MAX];
	struct store_stats sst;
	struct upload_stats st;
	struct upload_opts o;
	struct store *store;
	size_t len;
	void *raw;

	start_receiver(fx, NULL);
	o = base_opts(fx);
	o.store_dir = fx->store;
	assert_int_equal(store__open(&so, &store), 0);
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	raw = make_pprof(100, T0_NS, 10 * NS_PER_SEC, &len);
	assert_int_equal(store__write(store, T0_NS, raw, len, names[0]), 0);
	uploader__submit_stored(fx->up, names[0]);
	st = wait_stat(fx->up, ST_UPLOADED, 1);
	assert_int_equal(st.uploaded, 1);
	temp_dir__remove(fx->store);
	assert_int_equal(store__write(store, T0_NS + 10 * NS_PER_SEC, raw, len, names[1]), 0);
	free(raw);
	store__stats(store, &sst);
	assert_int_equal(sst.reopened, 1);
	uploader__store_moved(fx->up);
	uploader__submit_stored(fx->up, names[1]);
	st = wait_stat(fx->up, ST_UPLOADED, 2);
	assert_int_equal(st.uploaded, 2);
	assert_int_equal(uploader__finish(fx->up, WAIT_MS), 0);
	read_cursor(fx, cursor);
	assert_string_equal(cursor, names[1]);
	store__close(store);
}

/* The text of STORE/@file, or "" when it does not exist. Malloc'ed. */
static char *read_state_file(const struct fixture *fx, const char *file)
{
	char path[160], *text = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fx->store, file);
	f = fopen(path, "r");
	if (!f)
		return strdup("");
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	return text;
}

/* Runs a store-mode uploader to the end of what it has to send; returns its stats. */
static struct upload_stats store_run(struct fixture *fx, const char *token_file)
{
	struct upload_opts o = base_opts(fx);
	struct upload_stats st;

	o.store_dir = fx->store;
	o.bearer_token_file = token_file;
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	uploader__finish(fx->up, WAIT_MS);
	uploader__stats(fx->up, &st);
	uploader__free(fx->up);
	fx->up = NULL;
	return st;
}

/*
 * Store mode: intervals refused for a wrong token are refused for now, not for what they
 * hold: they stay pending in the store, neither listed nor passed by the cursor, at as many
 * starts as it takes (more than UPLOAD_REFUSED_TRIES), one request each. A restart with the
 * right token sends them all, oldest first; the next restart sends nothing: no interval
 * reaches the server twice.
 */
static void test_store_refused(void **state)
{
	struct fixture *fx = *state;
	const char *args[] = { "--token", "good-token", NULL };
	char names[3][STORE_NAME_MAX], cursor[STORE_NAME_MAX], want[256], bad[160];
	struct upload_stats st;
	size_t n;
	char *text;
	int i, start;

	start_receiver(fx, args);
	fill_store(fx, 0, 3, names);
	snprintf(fx->path, sizeof(fx->path), "%s/good", fx->dir);
	write_file(fx->path, "good-token\n");
	snprintf(bad, sizeof(bad), "%s/bad", fx->dir);
	write_file(bad, "bad-token\n");

	for (start = 0; start <= UPLOAD_REFUSED_TRIES; start++) {
		st = store_run(fx, bad);
		assert_int_equal(st.refused, 1);
		assert_int_equal(st.pending, 3);
		assert_int_equal(st.refused_kept + st.given_up + st.uploaded, 0);
		text = read_state_file(fx, UPLOAD_REFUSED_FILE);
		assert_string_equal(text, "");
		free(text);
		text = read_state_file(fx, UPLOAD_CURSOR_FILE);
		assert_string_equal(text, "");
		free(text);
	}

	st = store_run(fx, fx->path);
	assert_int_equal(st.uploaded, 3);
	assert_int_equal(st.refused + st.refused_kept + st.pending, 0);
	read_cursor(fx, cursor);
	assert_string_equal(cursor, names[2]);

	st = store_run(fx, fx->path);
	assert_int_equal(st.uploaded + st.refused + st.pending, 0);
	text = wait_requests(fx, UPLOAD_REFUSED_TRIES + 4, &n);
	assert_int_equal(n, UPLOAD_REFUSED_TRIES + 4);
	for (i = 0; i <= UPLOAD_REFUSED_TRIES; i++) {
		assert_contains(line_of(text, (size_t)i), "\"status\": 401");
		assert_contains(line_of(text, (size_t)i), "&from=1700000000&"); /* the oldest */
	}
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "\"sample_total\": %d", 100 + i);
		assert_contains(line_of(text, UPLOAD_REFUSED_TRIES + 1 + (size_t)i), want);
		assert_contains(line_of(text, UPLOAD_REFUSED_TRIES + 1 + (size_t)i),
				"\"status\": 200");
	}
	free(text);
}

/*
 * A refusal that lasts: counted per start in the list, given up at the UPLOAD_REFUSED_TRIES-th
 * start; one whose file the store lost meanwhile is dropped without a request.
 */
static void test_store_refused_tries(void **state)
{
	struct fixture *fx = *state;
	const char *args[] = { "--max-profile-size", "16", NULL };
	char names[2][STORE_NAME_MAX], want[256], path[256];
	struct upload_stats st;
	size_t n;
	char *text;
	int start;

	start_receiver(fx, args);
	fill_store(fx, 0, 2, names);
	for (start = 1; start < UPLOAD_REFUSED_TRIES; start++) {
		st = store_run(fx, NULL);
		assert_int_equal(st.refused, 2);
		assert_int_equal(st.refused_kept, 2);
		assert_int_equal(st.given_up, 0);
		text = read_state_file(fx, UPLOAD_REFUSED_FILE);
		snprintf(want, sizeof(want), "%s %d\n%s %d\n", names[0], start, names[1], start);
		assert_string_equal(text, want);
		free(text);
	}
	/* The store lost one (its limits): not sent, not listed. */
	snprintf(path, sizeof(path), "%s/%s", fx->store, names[1]);
	assert_int_equal(unlink(path), 0);
	st = store_run(fx, NULL);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.given_up, 1);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(st.refused_kept, 0);
	text = read_state_file(fx, UPLOAD_REFUSED_FILE);
	assert_string_equal(text, "");
	free(text);
	/* Given up: the next start sends nothing. */
	st = store_run(fx, NULL);
	assert_int_equal(st.refused + st.pending, 0);
	text = wait_requests(fx, 2 * UPLOAD_REFUSED_TRIES - 1, &n);
	assert_int_equal(n, 2 * UPLOAD_REFUSED_TRIES - 1);
	assert_contains(line_of(text, n - 1), "\"status\": 422");
	free(text);
}

/* Fails if the store folder holds a temporary file. */
static void ls_no_temp(const struct fixture *fx)
{
	struct dirent *de;
	DIR *d = opendir(fx->store);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".tmp"))
			fail_msg("temporary file '%s' left in the store", de->d_name);
	closedir(d);
}

/*
 * The state files directly: the list survives a reopen, in order, with its counts; lines that
 * name no interval are ignored; a full list pushes its oldest out; a link in place of the
 * file is replaced, never written through; a crash's temporary file does not block writing.
 */
static void test_state_files(void **state)
{
	struct fixture *fx = *state;
	char names[3][STORE_NAME_MAX], pushed[STORE_NAME_MAX], path[256], target[160];
	const struct upload_refused *r;
	struct upload_state *st;
	struct stat sb;
	size_t n, i;
	FILE *f;
	char *text;

	assert_int_equal(mkdir(fx->store, 0700), 0);
	for (i = 0; i < 3; i++)
		store__format_name(i + 1, T0_NS + i * NS_PER_SEC, names[i]);
	/* A link planted where the list goes, and a leftover temporary file. */
	snprintf(target, sizeof(target), "%s/target", fx->dir);
	write_file(target, "untouched\n");
	snprintf(path, sizeof(path), "%s/" UPLOAD_REFUSED_FILE, fx->store);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/" UPLOAD_REFUSED_FILE ".tmp", fx->store);
	write_file(path, "leftover");

	assert_int_equal(upload_state__open(fx->store, UPLOAD_TARGET_PYROSCOPE, &st), 0);
	assert_string_equal(upload_state__cursor(st), "");
	upload_state__refused(st, &n);
	assert_int_equal(n, 0);
	assert_true(upload_state__refuse(st, names[2], pushed));
	assert_true(upload_state__refuse(st, names[0], pushed));
	assert_string_equal(pushed, "");
	assert_int_equal(upload_state__advance(st, names[2]), 0);
	assert_int_equal(upload_state__advance(st, names[1]), 0); /* older: kept as it was */
	assert_true(upload_state__refuse(st, names[0], pushed));  /* sent again, refused again */
	upload_state__free(st);
	f = fopen(target, "r");
	assert_non_null(f);
	assert_non_null(fgets(path, sizeof(path), f));
	fclose(f);
	assert_string_equal(path, "untouched\n");
	snprintf(path, sizeof(path), "%s/" UPLOAD_REFUSED_FILE, fx->store);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));

	/* Reopened: the same list, oldest first; a junk line and a name twice are ignored. */
	f = fopen(path, "a");
	assert_non_null(f);
	fprintf(f, "junk 1\n%s 1\n%s 9\n", names[2], names[1]);
	fclose(f);
	assert_int_equal(upload_state__open(fx->store, UPLOAD_TARGET_PYROSCOPE, &st), 0);
	assert_string_equal(upload_state__cursor(st), names[2]);
	r = upload_state__refused(st, &n);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].name, names[0]);
	assert_int_equal(r[0].starts, 2);
	assert_string_equal(r[1].name, names[2]);
	assert_int_equal(r[1].starts, 1);
	assert_true(upload_state__forget(st, names[2]));
	assert_false(upload_state__forget(st, names[2]));
	upload_state__free(st);
	text = read_state_file(fx, UPLOAD_REFUSED_FILE);
	snprintf(target, sizeof(target), "%s 2\n", names[0]);
	assert_string_equal(text, target);
	free(text);

	/* A full list: the next refusal pushes the oldest out. */
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < UPLOAD_REFUSED_MAX; i++) {
		store__format_name(10 + i, T0_NS + 10 * NS_PER_SEC + i * NS_PER_MS, target);
		fprintf(f, "%s 1\n", target);
	}
	fclose(f);
	assert_int_equal(upload_state__open(fx->store, UPLOAD_TARGET_PYROSCOPE, &st), 0);
	upload_state__refused(st, &n);
	assert_int_equal(n, UPLOAD_REFUSED_MAX);
	store__format_name(10 + UPLOAD_REFUSED_MAX, T0_NS + 20 * NS_PER_SEC, target);
	assert_true(upload_state__refuse(st, target, pushed));
	store__format_name(10, T0_NS + 10 * NS_PER_SEC, target);
	assert_string_equal(pushed, target);
	r = upload_state__refused(st, &n);
	assert_int_equal(n, UPLOAD_REFUSED_MAX);
	store__format_name(11, T0_NS + 10 * NS_PER_SEC + NS_PER_MS, target);
	assert_string_equal(r[0].name, target);
	upload_state__free(st);
	ls_no_temp(fx);
}

/* Runs "openssl ARGS" (printf-style) in DIR; fails with its output if it fails. */
static void run_openssl(const struct fixture *fx, const char *fmt, ...)
{
	char args[512], cmd[768], path[128], *text = NULL;
	size_t len = 0;
	va_list ap;
	FILE *f;
	int rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd '%s' && openssl %s >openssl.log 2>&1", fx->dir, args);
	rc = system(cmd);
	if (!rc)
		return;
	snprintf(path, sizeof(path), "%s/openssl.log", fx->dir);
	f = fopen(path, "r");
	if (f && getdelim(&text, &len, '\0', f) >= 0)
		print_error("%s", text);
	if (f)
		fclose(f);
	free(text);
	fail_msg("'openssl %s' failed (status %d)", args, rc);
}

/*
 * A throwaway CA (DIR/ca.pem) and a certificate for 127.0.0.1 (an IP SAN, what curl checks
 * for an address) signed by it (DIR/server.pem, key DIR/server.key). P-256 keys: fast to
 * make, and 2 days so that a clock crossing midnight does not matter.
 */
static void make_tls_files(const struct fixture *fx)
{
	char path[128];

	run_openssl(fx, "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
			"-keyout ca.key -out ca.pem -days 2 -subj /CN=bpfprof-test-ca "
			"-addext basicConstraints=critical,CA:TRUE "
			"-addext keyUsage=critical,keyCertSign");
	run_openssl(fx, "req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
			"-keyout server.key -out server.csr -subj /CN=127.0.0.1");
	snprintf(path, sizeof(path), "%s/server.ext", fx->dir);
	write_file(path, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
			 "extendedKeyUsage=serverAuth\n");
	run_openssl(fx, "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2 "
			"-extfile server.ext -out server.pem");
}

/*
 * https: with the test CA as ca_file the upload goes through; without it the certificate is
 * refused (verification is always on), the interval stays pending and the receiver sees no
 * request, and the log says why.
 */
static void test_https(void **state)
{
	struct fixture *fx = *state;
	char cert[128], key[128], ca[128];
	const char *args[] = { "--tls-cert", cert, "--tls-key", key, NULL };
	struct upload_opts o;
	struct upload_stats st;
	const char *line;
	size_t n;
	int port, saved;
	char *text;

	if (system("command -v openssl >/dev/null 2>&1")) {
		print_message("skipped: no openssl command to make the test certificates\n");
		skip();
	}
	make_tls_files(fx);
	snprintf(cert, sizeof(cert), "%s/server.pem", fx->dir);
	snprintf(key, sizeof(key), "%s/server.key", fx->dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", fx->dir);
	start_receiver(fx, args);
	assert_int_equal(sscanf(fx->url, "http://127.0.0.1:%d", &port), 1);
	snprintf(fx->url, sizeof(fx->url), "https://127.0.0.1:%d", port);

	o = base_opts(fx);
	o.ca_file = ca;
	line = upload_one(fx, &o);
	assert_contains(line, "\"status\": 200");
	uploader__stats(fx->up, &st);
	assert_int_equal(st.uploaded, 1);
	uploader__free(fx->up);
	fx->up = NULL;

	/* The system's CAs only: the handshake fails, retried until finish()'s deadline. */
	o = base_opts(fx);
	saved = capture_log(fx);
	assert_int_equal(uploader__open(&o, &fx->up), 0);
	submit_first_second(fx, 1);
	assert_int_equal(uploader__finish(fx->up, 1500), 1);
	check_log(fx, saved, "PRIVATE KEY", "certificate");
	uploader__stats(fx->up, &st);
	assert_int_equal(st.uploaded, 0);
	assert_int_equal(st.refused, 0);
	assert_int_equal(st.pending, 1);
	assert_true(st.attempts_failed >= 1);
	text = wait_requests(fx, 1, &n);
	assert_int_equal(n, 1); /* the first upload's, nothing since */
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_labels),
		cmocka_unit_test(test_label_lengths),
		cmocka_unit_test(test_reply_text),
		cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_upload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bearer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenant_and_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_503, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_429, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_400, setup, teardown),
		cmocka_unit_test_setup_teardown(test_denied_401, setup, teardown),
		cmocka_unit_test_setup_teardown(test_denied_redirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echoed_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_413, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_422_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_422_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_cursor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_span, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_since, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_first_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_clock_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_moved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_refused_tries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_https, setup, teardown),
	};

	/* The receiver's death must not kill us through a write to its socket. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
