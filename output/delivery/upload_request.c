// SPDX-License-Identifier: GPL-2.0-only
/*
 * One request through libcurl, and the checks of what goes into it. Two targets:
 *
 * OTLP (UPLOAD_TARGET_OTLP): POST BASE/v1development/profiles, the path the OpenTelemetry
 * Collector's OTLP receiver serves profiles on (open-telemetry/opentelemetry-collector
 * receiver/otlpreceiver/factory.go, defaultProfilesURLPath; otlp.go registers it whatever
 * the other paths are), Content-Type application/x-protobuf (otlphttp.go, readContentType:
 * anything else but JSON is 415) and Content-Encoding gzip (config/confighttp/compression.go,
 * httpContentDecompressor, which the receiver's server wraps around it). No query. Replies
 * are read by otlp_status() below.
 *
 * Pyroscope (UPLOAD_TARGET_PYROSCOPE):
 * The request is the one Pyroscope's handler reads as a pprof (grafana/pyroscope
 * pkg/ingester/pyroscope/ingest_handler.go): POST BASE/ingest?name=APP{k=v,...}&from=S&until=S
 * &format=pprof&spyName=bpfprof, the body one gzip pprof and nothing else. With format=pprof,
 * readInputRawDataFromRequest hands the whole body to the pprof parser
 * (pkg/og/convert/pprof/profile.go, handleRawData; pkg/pprof/pprof.go, RawFromBytesWithLimit,
 * which takes gzip or raw): a multipart body there is parsed as a pprof and refused (422).
 * The other form the server knows, multipart without a format, was not chosen: its field is
 * read only from a part with a file name (pkg/og/util/form/form.go, ReadField), anything
 * else in it is accepted with a 200 and stored nowhere, and the framing buys nothing.
 *
 * sampleRate, units and aggregationType are not sent: parseInputMetadataFromRequest reads
 * them, but the pprof path (ParseToPprof) takes the sample types, period and times from the
 * profile itself. spyName becomes the series label pyroscope_spy; "bpfprof" is none of the
 * names that make the server rewrite function names (pyspy, rbspy, scripting) or fix sample
 * types (dotnetspy).
 *
 * Secrets go into curl's header list or its user/password options only, never into a string
 * that could be logged, and are wiped when the client is freed. Redirects are not followed:
 * following one would hand the credentials to whatever host the reply names. The URL kept
 * for messages has no user or password either. A reply is quoted in the log only through
 * upload_reply__text(), with every secret this client sends cut out of it: a gateway that
 * echoes the request would otherwise put the token in the log.
 */
#include "upload_internal.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "otlp_writer.h"
#include "pprof_labels.h"
#include "pprof_series.h"
#include "utf8.h"

#define LABEL_KEY_SHOWN 64    /* bytes of a label key in a message */
#define SECRET_FILE_MAX 16384 /* a token is a few KiB at most: anything bigger is a wrong file */
/* Bytes of an error reply kept: the log shows less, what is left once secrets are cut out. */
#define REPLY_KEEP 4096

/* Strings, each malloc'ed. */
struct string_list {
	char **v;
	size_t n;
};

struct upload_client {
	enum upload_target target;
	bool partial_logged; /* OTLP: a partial success was reported */
	CURL *curl;
	struct curl_slist *headers;	   /* Authorization (a secret), tenant, extra headers */
	char *basic;			   /* "user:password" or NULL; a secret */
	char *ingest_url;		   /* BASE/PATH, as curl gets it (may hold user:password) */
	char *log_url;			   /* BASE/PATH without user or password */
	char *name;			   /* APP{k=v,...}, not yet escaped */
	struct string_list secrets;	   /* as sent, which a reply must not bring into the log */
	struct string_list secret_headers; /* names of the headers that carry them */
	const uint64_t *abort_at_ns; /* during a send: the caller's deadline, read atomically */
	size_t reply_len;
	bool reply_cut; /* the reply went on past REPLY_KEEP */
	char reply[REPLY_KEEP];
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void upload__curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool upload__valid_app_name(const char *name)
{
	const char *p;

	if (!name || !*name)
		return false;
	for (p = name; *p; p++)
		if (!is_alnum(*p) && *p != '_' && *p != '.' && *p != '/' && *p != '-')
			return false;
	return true;
}

static int label_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int label_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * @s[0..len) for a message into @buf (LABEL_KEY_SHOWN + 4 bytes), cut short, unless control
 * characters would break its line. Returns @buf or a constant.
 */
static const char *shown(const char *s, size_t len, char *buf)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return "(with control characters)";
	snprintf(buf, LABEL_KEY_SHOWN + 4, "%.*s%s",
		 (int)(len > LABEL_KEY_SHOWN ? LABEL_KEY_SHOWN : len), s,
		 len > LABEL_KEY_SHOWN ? "..." : "");
	return buf;
}

/* Label keys Pyroscope reads as the same: it turns '.' into '_' (see below). */
static bool label_keys_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (a[i] != b[i] && !(strchr("._", a[i]) && strchr("._", b[i])))
			return false;
	return true;
}

/*
 * Why the key @k[0..len) (well-formed) is not the user's to set, or NULL. Names starting with
 * "__" are the server's own: pkg/model/labels.go, IsLabelAllowedForIngestion drops them from
 * what is stored (__name__ holds the application name in the ingest name). In
 * pkg/og/convert/pprof/profile.go, createLabels, service_name stands for the application name
 * and pyroscope_spy comes from spyName (a second one is a duplicate, refused). Our profiles'
 * string sample labels become series labels only where the series has no label of that name
 * (pkg/model/pprofsplit/pprof_split.go, addSampleLabelsToLabelsBuilder): one set here would
 * stand for every sample's, so none of the samples' own names (pprof_series.h) may be set.
 */
static const char *label_key_reserved(const char *k, size_t len)
{
	static const struct {
		const char *name, *why;
	} reserved[] = {
		{ "service_name", "it is the application name" },
		{ "pyroscope_spy", "the server sets it" },
		{ PPROF_LABEL_PID, "each sample carries its own" },
		{ PPROF_LABEL_TID, "each sample carries its own" },
		{ PPROF_LABEL_COMM, "each sample carries its own" },
		{ PPROF_LABEL_THREAD, "each sample carries its own" },
		{ PPROF_LABEL_ROOT, "samples carry it" },
	};

	if (len >= 2 && strchr("._", k[0]) && strchr("._", k[1]))
		return "names starting with '__' are the server's own";
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (label_keys_equal(k, len, reserved[i].name, strlen(reserved[i].name)))
			return reserved[i].why;
	return NULL;
}

/*
 * The rules are the server's for the ingest name (grafana/pyroscope):
 * api/model/labelset/validate.go, ValidateLabelName: a key of [A-Za-z0-9_.]+;
 * api/model/labelset/labelset.go, Parse: ',' and '}' end a value, spaces around it are
 * trimmed; pkg/validation/validate.go, ValidateLabels: SanitizeLegacyLabelName refuses a key
 * that starts with a digit and turns '.' into '_', model.LabelValue.IsValid wants UTF-8,
 * and pkg/validation/limits.go bounds keys to 1024 bytes (-validation.max-length-label-name)
 * and values to 2048 (-validation.max-length-label-value). ';' would split the query
 * (Go's ParseQuery drops such a pair).
 */
int upload__check_label(const char *kv, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '='), *v, *p, *why, *key;
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv), vlen;
	char buf[LABEL_KEY_SHOWN + 4];

	key = shown(kv, klen, buf);
	if (!eq)
		return label_fail(err, errlen, "label '%s' is not KEY=VALUE", key);
	v = eq + 1;
	vlen = strlen(v);
	if (!klen)
		return label_fail(err, errlen, "label '=%s' has an empty key", shown(v, vlen, buf));
	for (p = kv; p < eq; p++)
		if (!is_alnum(*p) && *p != '_' && *p != '.')
			return label_fail(
				err, errlen,
				"label key '%s' may hold only letters, digits, '_' and '.'", key);
	if (*kv >= '0' && *kv <= '9')
		return label_fail(err, errlen, "label key '%s' may not start with a digit", key);
	if (klen > UPLOAD_LABEL_KEY_MAX)
		return label_fail(err, errlen, "label key '%s' is longer than %d bytes", key,
				  UPLOAD_LABEL_KEY_MAX);
	why = label_key_reserved(kv, klen);
	if (why)
		return label_fail(err, errlen, "label key '%s' is reserved: %s", key, why);
	if (!vlen)
		return label_fail(err, errlen, "label '%s' has an empty value", key);
	if (vlen > UPLOAD_LABEL_VALUE_MAX)
		return label_fail(err, errlen, "the value of label '%s' is longer than %d bytes",
				  key, UPLOAD_LABEL_VALUE_MAX);
	for (p = v; *p; p++)
		if (strchr(",{};", *p) || (unsigned char)*p < 0x20 || *p == 0x7f)
			return label_fail(err, errlen,
					  "the value of label '%s' may not hold ',', '{', '}', ';' "
					  "or control characters",
					  key);
	if (utf8__valid_len(v, vlen) != vlen)
		return label_fail(err, errlen, "the value of label '%s' is not UTF-8", key);
	if (isspace((unsigned char)v[0]) || isspace((unsigned char)v[vlen - 1]))
		return label_fail(err, errlen,
				  "the value of label '%s' may not start or end with a space (the "
				  "server would drop it)",
				  key);
	return 0;
}

/* A header line must not smuggle a second line in, nor be one curl treats as a deletion. */
static bool header_value_ok(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 && *v != '\t')
			return false;
	return true;
}

/* RFC 9110 token characters. */
static bool header_name_char(char c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Checks "Name: value". The value is not shown in messages: it may be a secret. */
static int check_header(const char *h)
{
	const char *colon = strchr(h, ':'), *p, *v;

	if (!colon || colon == h)
		return -EINVAL;
	for (p = h; p < colon; p++)
		if (!header_name_char(*p))
			return -EINVAL;
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	if (!*v || !header_value_ok(v))
		return -EINVAL;
	return 0;
}

/*
 * Warns, as ssh does for a private key, when users other than its owner and root may read or
 * change the secret file opened as @st: it is still used (a Kubernetes secret volume makes
 * its files 0644 unless told otherwise), but the message says how to close it.
 */
static void check_secret_access(const char *path, const char *what, const struct stat *st)
{
	const char *how = (st->st_mode & S_IROTH) ? "read" : "changed";

	if ((st->st_mode & S_IROTH) && (st->st_mode & S_IWOTH))
		how = "read and changed";
	if (st->st_mode & (S_IROTH | S_IWOTH))
		pr_warn("the %s file '%s' can be %s by every user (mode %04o): chmod 600 it\n",
			what, path, how, (unsigned int)(st->st_mode & 07777));
	if (st->st_uid && st->st_uid != geteuid())
		pr_warn("the %s file '%s' is owned by uid %u, who can read and change it: "
			"chown it\n",
			what, path, (unsigned int)st->st_uid);
}

static const char *file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "not a regular file";
}

/*
 * Reads a one-line secret file whole. A trailing newline (editors add one) is removed; more
 * lines than one mean a wrong file. Messages name the file, never its contents.
 *
 * Symbolic links are followed: Kubernetes mounts a secret as links through "..data" to the
 * current version. What they lead to must be a regular file: a FIFO would block the start
 * until someone writes to it (O_NONBLOCK keeps the open from waiting), a device could be
 * endless. The read stops past SECRET_FILE_MAX whatever the file says its size is.
 */
static int read_secret(const char *path, const char *what, char **out)
{
	struct stat st;
	ssize_t n;
	size_t len = 0;
	char *buf;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot open the %s file '%s': %s\n", what, path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		pr_err("cannot read the %s file '%s': %s\n", what, path, strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		pr_err("the %s file '%s' is %s: give the regular file that holds it\n", what, path,
		       file_kind(st.st_mode));
		err = -EINVAL;
		goto out_close;
	}
	check_secret_access(path, what, &st);
	buf = malloc(SECRET_FILE_MAX + 2);
	if (!buf) {
		err = -ENOMEM;
		goto out_close;
	}
	/* One byte more than allowed: a longer file is refused, not cut. */
	while (len <= SECRET_FILE_MAX &&
	       (n = read(fd, buf + len, SECRET_FILE_MAX + 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			pr_err("cannot read the %s file '%s': %s\n", what, path, strerror(errno));
			goto out_free;
		}
		len += (size_t)n;
	}
	if (len > SECRET_FILE_MAX) {
		pr_err("the %s file '%s' is larger than %d bytes: not the right file?\n", what,
		       path, SECRET_FILE_MAX);
		err = -EINVAL;
		goto out_free;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	if (!len || strlen(buf) != len || !header_value_ok(buf)) {
		pr_err("the %s file '%s' must hold one non-empty line\n", what, path);
		err = -EINVAL;
		goto out_free;
	}
	close(fd);
	*out = buf;
	return 0;

out_free:
	explicit_bzero(buf, SECRET_FILE_MAX + 2);
	free(buf);
out_close:
	close(fd);
	return err;
}

static void wipe_string(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
}

/* Appends a copy of @s[0..len) to @list. Returns 0 or -ENOMEM. */
static int string_list__add(struct string_list *list, const char *s, size_t len)
{
	char **grown, *copy;

	if (!len)
		return 0; /* an empty secret is in every reply, and tells nothing */
	grown = realloc(list->v, (list->n + 1) * sizeof(*list->v));
	if (!grown)
		return -ENOMEM;
	list->v = grown;
	copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	list->v[list->n++] = copy;
	return 0;
}

/* Wipes (they may be secrets) and frees the strings. */
static void string_list__free(struct string_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		wipe_string(list->v[i]);
		free(list->v[i]);
	}
	free(list->v);
}

static const char base64_digits[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Adds "user:password" at @s (the password from its first ':'): the pair, the password, and
 * the pair as basic authentication sends it, in base64. Returns 0 or -ENOMEM.
 */
static int client__add_user_password(struct upload_client *client, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i, o = 0;
	const char *colon = strchr(s, ':');
	char *b64;
	int err;

	err = string_list__add(&client->secrets, s, len);
	if (!err && colon)
		err = string_list__add(&client->secrets, colon + 1, strlen(colon + 1));
	if (err)
		return err;
	b64 = malloc((len + 2) / 3 * 4 + 1);
	if (!b64)
		return -ENOMEM;
	for (i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < len ? p[i + 2] : 0);

		b64[o++] = base64_digits[v >> 18 & 63];
		b64[o++] = base64_digits[v >> 12 & 63];
		b64[o++] = i + 1 < len ? base64_digits[v >> 6 & 63] : '=';
		b64[o++] = i + 2 < len ? base64_digits[v & 63] : '=';
	}
	err = string_list__add(&client->secrets, b64, o);
	explicit_bzero(b64, o);
	free(b64);
	return err;
}

/* Appends a header line built from @fmt to the client's list; the text may be a secret. */
static int add_header(struct upload_client *client, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int add_header(struct upload_client *client, const char *fmt, ...)
{
	struct curl_slist *list;
	char *line;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	list = curl_slist_append(client->headers, line);
	wipe_string(line);
	free(line);
	if (!list)
		return -ENOMEM;
	client->headers = list;
	return 0;
}

/*
 * An extra "Name: value" header: sent, and its value taken for a secret (it may be a key),
 * unless it is too short to be one ("1", "on"): those would be cut out of every word of a
 * reply. An echo of the header is cut out by its name anyway.
 */
static int client__add_extra_header(struct upload_client *client, const char *h)
{
	size_t name_len = strcspn(h, ":");
	const char *v = h + name_len + 1;
	int err;

	v += strspn(v, " \t");
	err = add_header(client, "%s", h);
	if (!err && strlen(v) >= 4)
		err = string_list__add(&client->secrets, v, strlen(v));
	if (!err)
		err = string_list__add(&client->secret_headers, h, name_len);
	return err;
}

/* APP{k=v,...}: the application name with its labels, as Pyroscope's "name" parameter. */
static int build_name(const struct upload_opts *opts, char **out)
{
	size_t i, j, len, cap;
	char err[256], *name;

	if (!upload__valid_app_name(opts->app_name)) {
		pr_err("application name '%s' may hold only letters, digits, '_', '.', '/' and "
		       "'-'\n",
		       opts->app_name ? opts->app_name : "");
		return -EINVAL;
	}
	cap = strlen(opts->app_name) + 3;
	for (i = 0; i < opts->nlabels; i++) {
		if (upload__check_label(opts->labels[i], err, sizeof(err))) {
			pr_err("%s\n", err);
			return -EINVAL;
		}
		len = strcspn(opts->labels[i], "=");
		for (j = 0; j < i; j++) {
			if (label_keys_equal(opts->labels[i], len, opts->labels[j],
					     strcspn(opts->labels[j], "="))) {
				pr_err("label '%.*s' given twice (the server reads '.' as '_')\n",
				       (int)len, opts->labels[i]);
				return -EINVAL;
			}
		}
		cap += strlen(opts->labels[i]) + 1;
	}
	name = malloc(cap);
	if (!name)
		return -ENOMEM;
	strcpy(name, opts->app_name);
	if (opts->nlabels) {
		strcat(name, "{");
		for (i = 0; i < opts->nlabels; i++) {
			if (i)
				strcat(name, ",");
			strcat(name, opts->labels[i]);
		}
		strcat(name, "}");
	}
	*out = name;
	return 0;
}

/*
 * Checks the base URL (http or https, no query or fragment) and makes BASE@suffix for curl
 * and the same without user and password for messages.
 */
static int build_urls(struct upload_client *client, const char *url, const char *suffix)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	char *frag = NULL, *full = NULL, *newpath = NULL, *user = NULL, *password = NULL;
	char *pair = NULL;
	CURLUcode rc;
	size_t plen;
	CURLU *u;
	int err = -EINVAL;

	if (!url || !*url) {
		pr_err("no upload URL given\n");
		return -EINVAL;
	}
	u = curl_url();
	if (!u)
		return -ENOMEM;
	/* The URL itself is not shown: it may carry a password. */
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc) {
		pr_err("the upload URL is not valid: %s\n", curl_url_strerror(rc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))) {
		pr_err("the upload URL must start with http:// or https://\n");
		goto out;
	}
	if (!curl_url_get(u, CURLUPART_QUERY, &query, 0) ||
	    !curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0)) {
		pr_err("the upload URL must not have a query or fragment: give the server's base "
		       "URL\n");
		goto out;
	}
	err = -ENOMEM;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) || curl_url_get(u, CURLUPART_PATH, &path, 0))
		goto out;
	curl_url_get(u, CURLUPART_PORT, &port, 0); /* only when given */
	/* curl sends them as basic authentication: a reply may echo them. */
	if (!curl_url_get(u, CURLUPART_PASSWORD, &password, CURLU_URLDECODE)) {
		curl_url_get(u, CURLUPART_USER, &user, CURLU_URLDECODE);
		if (asprintf(&pair, "%s:%s", user ? user : "", password) < 0) {
			pair = NULL;
			goto out;
		}
		if (client__add_user_password(client, pair))
			goto out;
	}
	plen = strlen(path);
	while (plen && path[plen - 1] == '/')
		plen--;
	if (asprintf(&newpath, "%.*s%s", (int)plen, path, suffix) < 0) {
		newpath = NULL;
		goto out;
	}
	if (curl_url_set(u, CURLUPART_PATH, newpath, 0) || curl_url_get(u, CURLUPART_URL, &full, 0))
		goto out;
	client->ingest_url = strdup(full);
	if (!client->ingest_url || asprintf(&client->log_url, "%s://%s%s%s%s", scheme, host,
					    port ? ":" : "", port ? port : "", newpath) < 0) {
		client->log_url = NULL;
		goto out;
	}
	err = 0;
out:
	if (full)
		wipe_string(full);
	curl_free(full);
	wipe_string(password);
	curl_free(password);
	curl_free(user);
	wipe_string(pair);
	free(pair);
	free(newpath);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return err;
}

static size_t client__keep_reply(char *data, size_t size, size_t nmemb, void *arg)
{
	struct upload_client *client = arg;
	size_t n = size * nmemb, room = REPLY_KEEP - client->reply_len;

	if (n > room)
		client->reply_cut = true;
	if (n < room)
		room = n;
	memcpy(client->reply + client->reply_len, data, room);
	client->reply_len += room;
	return n;
}

/* Called by curl about once a second, and more often while data moves. */
static int client__progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			    curl_off_t ulnow)
{
	struct upload_client *client = arg;
	uint64_t abort_at;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (!client->abort_at_ns)
		return 0;
	abort_at = __atomic_load_n(client->abort_at_ns, __ATOMIC_ACQUIRE);
	return abort_at && monotonic_ns() >= abort_at;
}

static int client__setup(struct upload_client *client, const struct upload_opts *opts)
{
	CURL *c = client->curl;
	int bad = 0;

	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "bpfprof");
	bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, client->errbuf);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, client__keep_reply);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, client);
	bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, client__progress);
	bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, client);
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, client->headers);
	if (opts->ca_file)
		bad |= curl_easy_setopt(c, CURLOPT_CAINFO, opts->ca_file);
	if (client->basic) {
		bad |= curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		bad |= curl_easy_setopt(c, CURLOPT_USERPWD, client->basic);
	}
	if (bad) {
		pr_err("libcurl lacks an option uploads need (HTTP or TLS support?)\n");
		return -ENOTSUP;
	}
	return 0;
}

int upload_client__open(const struct upload_opts *opts, struct upload_client **out)
{
	struct upload_client *client;
	char *token = NULL, series[64];
	size_t i;
	int err;

	pthread_once(&curl_once, upload__curl_init);
	if (curl_init_rc) {
		pr_err("cannot initialize libcurl: %s\n", curl_easy_strerror(curl_init_rc));
		return -EIO;
	}
	client = calloc(1, sizeof(*client));
	if (!client)
		return -ENOMEM;
	client->target = opts->target;
	err = build_urls(client, opts->url,
			 opts->target == UPLOAD_TARGET_OTLP ? OTLP_PROFILES_PATH : "/ingest");
	if (err)
		goto out_free;
	err = build_name(opts, &client->name);
	if (err)
		goto out_free;
	if (opts->target == UPLOAD_TARGET_PYROSCOPE) {
		pprof_series__format(opts->series_labels, series, sizeof(series));
		pr_info("uploads: series labels from the samples: %s\n", series);
	}
	err = -EINVAL;
	if (opts->bearer_token_file && opts->basic_auth_file) {
		pr_err("give a bearer token or basic authentication, not both\n");
		goto out_free;
	}
	if (opts->ca_file && access(opts->ca_file, R_OK)) {
		pr_err("cannot read the CA file '%s': %s\n", opts->ca_file, strerror(errno));
		goto out_free;
	}
	if (opts->tenant && (!*opts->tenant || !header_value_ok(opts->tenant))) {
		pr_err("the tenant id must be a non-empty line\n");
		goto out_free;
	}
	for (i = 0; i < opts->nheaders; i++) {
		if (check_header(opts->headers[i])) {
			/* Only the name: the value may be a secret. */
			pr_err("header '%.*s...' is not 'Name: value'\n",
			       (int)strcspn(opts->headers[i], ":"), opts->headers[i]);
			goto out_free;
		}
	}
	if (opts->bearer_token_file) {
		err = read_secret(opts->bearer_token_file, "bearer token", &token);
		if (err)
			goto out_free;
		err = add_header(client, "Authorization: Bearer %s", token);
		if (!err)
			err = string_list__add(&client->secrets, token, strlen(token));
		wipe_string(token);
		free(token);
		if (err)
			goto out_free;
	}
	if (opts->basic_auth_file) {
		err = read_secret(opts->basic_auth_file, "basic authentication", &client->basic);
		if (err)
			goto out_free;
		if (!strchr(client->basic, ':')) {
			pr_err("the basic authentication file '%s' must hold user:password\n",
			       opts->basic_auth_file);
			err = -EINVAL;
			goto out_free;
		}
		err = client__add_user_password(client, client->basic);
		if (err)
			goto out_free;
	}
	/* "Proxy-Authorization:" holds it too. */
	err = string_list__add(&client->secret_headers, "Authorization", strlen("Authorization"));
	if (!err && opts->tenant)
		err = add_header(client, "X-Scope-OrgID: %s", opts->tenant);
	for (i = 0; !err && i < opts->nheaders; i++)
		err = client__add_extra_header(client, opts->headers[i]);
	/* No "Expect: 100-continue": a second's wait on servers that do not answer it. */
	if (!err)
		err = add_header(client, "Expect:");
	/*
	 * Without it curl says application/x-www-form-urlencoded. Pyroscope's switch tests two
	 * content types (binary/octet-stream+trie and +tree) before format=pprof: this is neither.
	 */
	if (!err && opts->target == UPLOAD_TARGET_PYROSCOPE)
		err = add_header(client, "Content-Type: application/octet-stream");
	if (!err && opts->target == UPLOAD_TARGET_OTLP)
		err = add_header(client, "Content-Type: " OTLP_CONTENT_TYPE);
	if (!err && opts->target == UPLOAD_TARGET_OTLP)
		err = add_header(client, "Content-Encoding: gzip");
	if (err)
		goto out_free;

	client->curl = curl_easy_init();
	if (!client->curl) {
		err = -ENOMEM;
		goto out_free;
	}
	err = client__setup(client, opts);
	if (err)
		goto out_free;
	*out = client;
	return 0;

out_free:
	upload_client__free(client);
	return err;
}

void upload_client__free(struct upload_client *client)
{
	struct curl_slist *h;

	if (!client)
		return;
	if (client->curl)
		curl_easy_cleanup(client->curl);
	for (h = client->headers; h; h = h->next)
		wipe_string(h->data);
	curl_slist_free_all(client->headers);
	wipe_string(client->basic);
	free(client->basic);
	string_list__free(&client->secrets);
	string_list__free(&client->secret_headers);
	wipe_string(client->ingest_url);
	free(client->ingest_url);
	free(client->log_url);
	free(client->name);
	free(client);
}

const char *upload_client__url(const struct upload_client *client)
{
	return client->log_url;
}

/* @text (a reply, or a part of one) as a log line may show it. */
static void client__log_text(const struct upload_client *client, const char *text, size_t len,
			     bool cut, char *out, size_t outlen)
{
	upload_reply__text(text, len, cut, (const char *const *)client->secrets.v,
			   client->secrets.n, (const char *const *)client->secret_headers.v,
			   client->secret_headers.n, out, outlen);
}

/*
 * What a Pyroscope reply's status means for the interval. The server's own answers
 * (ingest_handler.go, ServeHTTP): 400 for a name it cannot parse, 413 past its body limit
 * (pkg/util/body/limit.go), 422 for a profile it cannot parse or refuses
 * (pkg/validation/validate.go, ValidateProfile: too big, too old, ...): sending the same again
 * gets the same. 401 from its authentication middleware, or 401, 403 and 407 from a gateway
 * before it refuse the client, whatever it sends: refused for now. 408 (its body could not be
 * read), 429 (ResourceExhausted: rate and ingest limits) and 5xx (proxies, gateways, a server
 * starting) pass.
 */
static enum upload_result pyroscope_status(long status)
{
	if (status == 401 || status == 403 || status == 407)
		return UPLOAD_DENIED;
	if (status == 408 || status == 429 || status >= 500)
		return UPLOAD_RETRY;
	return UPLOAD_REFUSED;
}

/*
 * What an OTLP receiver's status means. The collector's (open-telemetry/opentelemetry-collector
 * receiver/otlpreceiver/internal/errors/errors.go, GetHTTPStatusCodeFromStatus, after
 * GetStatusFromError): a pipeline's temporary failure is Unavailable, 503, and
 * ResourceExhausted (a memory limiter, a full queue) 429, the two it calls retryable; a
 * permanent one is Internal, 500, not retryable, like 400 (a request that does not parse,
 * otlphttp.go), 413 (max_request_body_size, config/confighttp/server.go) and 415. 502 and 504
 * come from a proxy in front, retryable as OTLP's specification says. 401, 403 and 407 refuse
 * the client. So does 404 here (Unimplemented, or a server or path that takes no profiles):
 * every interval would meet the same until the URL or the server changes, so none is given
 * up for it.
 */
static enum upload_result otlp_status(long status)
{
	if (status == 401 || status == 403 || status == 404 || status == 407)
		return UPLOAD_DENIED;
	if (status == 429 || status == 502 || status == 503 || status == 504)
		return UPLOAD_RETRY;
	return UPLOAD_REFUSED;
}

/*
 * An OTLP 2xx reply may say that the server dropped part of the request
 * (ExportProfilesPartialSuccess): accepted all the same, as sending it again would not help
 * (OTLP's specification), but said in the log, the first time as a warning.
 */
static void client__check_partial(struct upload_client *client)
{
	char msg[UPLOAD_REPLY_LOG_MAX + 1], shown[UPLOAD_REPLY_LOG_MAX + 4];
	int64_t rejected;

	if (client->reply_cut ||
	    otlp__read_reply(client->reply, client->reply_len, &rejected, msg, sizeof(msg)))
		return;
	if (rejected <= 0 && !msg[0])
		return;
	client__log_text(client, msg, strlen(msg), false, shown, sizeof(shown));
	log__printf(client->partial_logged ? LOG_DEBUG : LOG_WARN,
		    "upload to %s: the server dropped %lld profiles of the request: %s\n",
		    client->log_url, (long long)rejected, shown[0] ? shown : "(no reason given)");
	client->partial_logged = true;
}

/* What a reply means for the interval: transport failures and redirects, then the target's. */
static enum upload_result client__classify(struct upload_client *client, CURLcode rc, long status,
					   char *why, size_t whylen)
{
	const char *location = NULL;
	size_t n;
	long os_errno = 0;

	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(why, whylen, "cut at the shutdown deadline");
		return UPLOAD_RETRY;
	}
	if (rc != CURLE_OK) {
		curl_easy_getinfo(client->curl, CURLINFO_OS_ERRNO, &os_errno);
		if (rc == CURLE_COULDNT_CONNECT && os_errno)
			snprintf(why, whylen, "%s", strerror((int)os_errno));
		else
			snprintf(why, whylen, "%s",
				 client->errbuf[0] ? client->errbuf : curl_easy_strerror(rc));
		return UPLOAD_RETRY;
	}
	if (status >= 200 && status < 300) {
		if (client->target == UPLOAD_TARGET_OTLP)
			client__check_partial(client);
		return UPLOAD_OK;
	}
	/* The server's words last, cut to the room left: they are the longest part. */
	if (status >= 300 && status < 400) {
		curl_easy_getinfo(client->curl, CURLINFO_REDIRECT_URL, &location);
		n = (size_t)snprintf(why, whylen,
				     "HTTP %ld: a redirect, not followed (it would take the "
				     "credentials along): give --upload the URL it names: ",
				     status);
		if (!location)
			location = "(no Location)";
		if (n < whylen)
			client__log_text(client, location, strlen(location), false, why + n,
					 whylen - n);
		return UPLOAD_DENIED;
	}
	n = (size_t)snprintf(why, whylen, "HTTP %ld: ", status);
	if (n < whylen)
		client__log_text(client, client->reply, client->reply_len, client->reply_cut,
				 why + n, whylen - n);
	if (n < whylen && !why[n])
		why[n - 2] = '\0'; /* no reply text: no ": " */
	return client->target == UPLOAD_TARGET_OTLP ? otlp_status(status) :
						      pyroscope_status(status);
}

int upload_client__query(const struct upload_client *client, uint64_t from_s, uint64_t until_s,
			 char **query)
{
	char *escaped = curl_easy_escape(client->curl, client->name, 0);
	int n;

	if (!escaped)
		return -ENOMEM;
	n = asprintf(query, "name=%s&from=%llu&until=%llu&format=pprof&spyName=" UPLOAD_SPY_NAME,
		     escaped, (unsigned long long)from_s, (unsigned long long)until_s);
	curl_free(escaped);
	if (n < 0) {
		*query = NULL;
		return -ENOMEM;
	}
	return 0;
}

enum upload_result upload_client__send(struct upload_client *client, const void *gz, size_t len,
				       uint64_t from_s, uint64_t until_s, unsigned int timeout_ms,
				       const uint64_t *abort_at_ns, long *status, char *why,
				       size_t whylen)
{
	enum upload_result res = UPLOAD_RETRY;
	char *query = NULL, *url = NULL;
	CURL *c = client->curl;
	uint64_t t0;
	CURLcode rc;
	int bad = 0;

	*status = 0;
	snprintf(why, whylen, "out of memory");
	/* OTLP's request holds its times itself; Pyroscope's span and name are in the query. */
	if (client->target == UPLOAD_TARGET_OTLP) {
		url = strdup(client->ingest_url);
		if (!url)
			goto out;
	} else if (upload_client__query(client, from_s, until_s, &query) ||
		   asprintf(&url, "%s?%s", client->ingest_url, query) < 0) {
		url = NULL;
		goto out;
	}
	if (!timeout_ms)
		timeout_ms = 1; /* 0 would mean no limit */
	bad |= curl_easy_setopt(c, CURLOPT_URL, url);
	/* The body is the gzip pprof itself: borrowed, it outlives the request. */
	bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, gz);
	bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
				(long)(timeout_ms < UPLOAD_CONNECT_TIMEOUT_MS ?
					       timeout_ms :
					       UPLOAD_CONNECT_TIMEOUT_MS));
	if (bad)
		goto out;
	client->errbuf[0] = '\0';
	client->reply_len = 0;
	client->reply_cut = false;
	client->abort_at_ns = abort_at_ns;
	t0 = monotonic_ns();
	rc = curl_easy_perform(c);
	client->abort_at_ns = NULL;
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	res = client__classify(client, rc, *status, why, whylen);
	pr_debug("upload: POST %s%s%s (%zu bytes): %s in %llu ms\n", client->log_url,
		 query ? "?" : "", query ? query : "", len, res == UPLOAD_OK ? "ok" : why,
		 (unsigned long long)((monotonic_ns() - t0) / 1000000));
out:
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	if (url)
		wipe_string(url);
	free(url);
	free(query);
	return res;
}
