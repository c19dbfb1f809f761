// SPDX-License-Identifier: GPL-2.0-only
#include "agent_options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "metrics_server.h"
#include "options.h"
#include "pprof_series.h"
#include "time_spec.h"
#include "upload.h"
#include "verbosity.h"

#define DEFAULT_FREQUENCY 19 /* a prime: no lockstep with timers at round frequencies */
#define DEFAULT_INTERVAL_S 10
#define MAX_INTERVAL_S 3600.0
#define DEFAULT_STORE_DIR "/var/lib/bpfprof"
#define DEFAULT_STORE_MAX_SIZE (1ull << 30)
/*
 * Below this a store keeps an interval or none: an interval's file is a few KiB on an idle
 * host, tens on a busy one. Uploads from the store would find their intervals gone.
 */
#define MIN_STORE_MAX_SIZE (32ull << 10)
#define DEFAULT_STORE_MAX_AGE "7d"
#define DEFAULT_APP_NAME "bpfprof"
#define DEFAULT_UPLOAD_GRACE_S 5

static int parse_interval(const struct option_spec *opt, void *target, const char *arg, char *err,
			  size_t errlen)
{
	double *interval_s = target;

	(void)opt;
	if (options__parse_seconds(arg, "--interval", interval_s, err, errlen))
		return -EINVAL;
	if (*interval_s < 1 || *interval_s > MAX_INTERVAL_S) {
		snprintf(err, errlen, "--interval must be 1 to %.0f seconds, not '%s'",
			 MAX_INTERVAL_S, arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_store_max_size(const struct option_spec *opt, void *target, const char *arg,
				char *err, size_t errlen)
{
	uint64_t *max_size = target;

	(void)opt;
	if (options__parse_size(arg, "--store-max-size", 0, UINT64_MAX, max_size, err, errlen))
		return -EINVAL;
	if (*max_size && *max_size < MIN_STORE_MAX_SIZE) {
		snprintf(err, errlen,
			 "--store-max-size must be at least 32k (an interval takes tens of "
			 "KiB), or 0 for no size limit, not '%s'",
			 arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_store_max_age(const struct option_spec *opt, void *target, const char *arg,
			       char *err, size_t errlen)
{
	(void)opt;
	return time_spec__parse_duration(arg, target, err, errlen);
}

/* --no-store: no store folder. */
static int parse_no_store(const struct option_spec *opt, void *target, const char *arg, char *err,
			  size_t errlen)
{
	(void)opt, (void)arg, (void)err, (void)errlen;
	*(const char **)target = NULL;
	return 0;
}

static int parse_upload(const struct option_spec *opt, void *target, const char *arg, char *err,
			size_t errlen)
{
	(void)opt;
	if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8)) {
		snprintf(err, errlen, "--upload wants an http:// or https:// URL, not '%s'", arg);
		return -EINVAL;
	}
	*(const char **)target = arg;
	return 0;
}

static int parse_otlp_endpoint(const struct option_spec *opt, void *target, const char *arg,
			       char *err, size_t errlen)
{
	(void)opt;
	if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8)) {
		snprintf(err, errlen, "--otlp-endpoint wants an http:// or https:// URL, not '%s'",
			 arg);
		return -EINVAL;
	}
	*(const char **)target = arg;
	return 0;
}

static int parse_app_name(const struct option_spec *opt, void *target, const char *arg, char *err,
			  size_t errlen)
{
	(void)opt;
	if (!upload__valid_app_name(arg)) {
		snprintf(err, errlen,
			 "--app-name may hold letters, digits and _ . / - only, not '%s'", arg);
		return -EINVAL;
	}
	*(const char **)target = arg;
	return 0;
}

/* Appends @value to @list (of @max); returns 0 or -E2BIG with a reason. */
static int append(const char **list, size_t *n, size_t max, const char *value, const char *what,
		  char *err, size_t errlen)
{
	if (*n == max) {
		snprintf(err, errlen, "at most %zu %s", max, what);
		return -E2BIG;
	}
	list[(*n)++] = value;
	return 0;
}

static int parse_label(const struct option_spec *opt, void *target, const char *arg, char *err,
		       size_t errlen)
{
	struct agent_opts *opts = target;

	(void)opt;
	if (upload__check_label(arg, err, errlen))
		return -EINVAL;
	return append(opts->labels, &opts->nlabels, AGENT_MAX_LABELS, arg, "labels", err, errlen);
}

static int parse_series_labels(const struct option_spec *opt, void *target, const char *arg,
			       char *err, size_t errlen)
{
	char why[160];

	(void)opt;
	if (!pprof_series__parse(arg, target, why, sizeof(why)))
		return 0;
	snprintf(err, errlen, "--series-labels: %s", why);
	return -EINVAL;
}

static int parse_header(const struct option_spec *opt, void *target, const char *arg, char *err,
			size_t errlen)
{
	struct agent_opts *opts = target;
	const char *colon = strchr(arg, ':');

	(void)opt;
	if (!colon || colon == arg || strpbrk(arg, "\r\n") ||
	    strcspn(arg, " \t") < (size_t)(colon - arg)) {
		snprintf(err, errlen, "--header wants 'Name: value', not '%s'", arg);
		return -EINVAL;
	}
	return append(opts->headers, &opts->nheaders, AGENT_MAX_HEADERS, arg, "headers", err,
		      errlen);
}

static int parse_upload_grace(const struct option_spec *opt, void *target, const char *arg,
			      char *err, size_t errlen)
{
	(void)opt;
	return options__parse_seconds(arg, "--upload-grace", target, err, errlen);
}

static int parse_metrics_addr(const struct option_spec *opt, void *target, const char *arg,
			      char *err, size_t errlen)
{
	char why[96];

	(void)opt;
	if (metrics_server__check_addr(arg, why, sizeof(why))) {
		snprintf(err, errlen, "--metrics-addr '%s': %s", arg, why);
		return -EINVAL;
	}
	*(const char **)target = arg;
	return 0;
}

/* --help before the options, and after them. */
static const char usage[] =
	"usage: bpfprof agent [OPTIONS]\n"
	"\n"
	"Samples continuously and closes one profile per interval: each is kept in a local\n"
	"store (zstd pprof, one file per interval) and, with --upload, sent to a Pyroscope\n"
	"server, with --otlp-endpoint to an OpenTelemetry Collector (or Pyroscope) as OTLP\n"
	"profiles; both may be given. `bpfprof flamegraph --store DIR --from T --to T` draws\n"
	"any past window.\n"
	"\n";
static const char notes[] =
	"\n"
	"SIGTERM or SIGINT close the current interval, store it, try pending uploads for\n"
	"--upload-grace seconds and exit 0. Failed uploads are retried from the store with\n"
	"exponential backoff (0.5 s up to 5 min), oldest first; intervals the server\n"
	"refuses (4xx) stay in the store and are sent again at the next start.\n"
	"Needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH).\n";

// clang-format off
static const struct option_spec agent_options[] = {
	OPTION_TEXT(usage),
	{ .name = "interval", .arg = "SECS", .parse = parse_interval,
	  .offset = offsetof(struct agent_opts, interval_s),
	  .help = "one profile every SECS (default " OPTION_STR(DEFAULT_INTERVAL_S) ")" },
	{ .name = "store", .arg = "DIR", .parse = option_table__set_string,
	  .offset = offsetof(struct agent_opts, store_dir),
	  .help = "the local store (default " DEFAULT_STORE_DIR ")" },
	{ .name = "store-max-size", .arg = "SIZE", .parse = parse_store_max_size,
	  .offset = offsetof(struct agent_opts, store_max_size),
	  .help = "oldest intervals removed past SIZE (default 1G; k, m, g;\n"
		  "at least 32k; 0: no size limit, only the age limit)" },
	{ .name = "store-max-age", .arg = "AGE", .parse = parse_store_max_age,
	  .offset = offsetof(struct agent_opts, store_max_age_ns),
	  .help = "intervals older than AGE removed (default " DEFAULT_STORE_MAX_AGE
		  "; s, m, h, d;\n"
		  "at least the interval; 0: no age limit, only the size one)" },
	{ .name = "no-store", .parse = parse_no_store,
	  .offset = offsetof(struct agent_opts, store_dir),
	  .help = "keep no local history (uploads queue in memory)" },
	{ .name = "upload", .arg = "URL", .parse = parse_upload,
	  .offset = offsetof(struct agent_opts, upload_url),
	  .help = "Pyroscope base URL: POST URL/ingest per interval" },
	{ .name = "otlp-endpoint", .arg = "URL", .parse = parse_otlp_endpoint,
	  .offset = offsetof(struct agent_opts, otlp_url),
	  .help = "OTLP/HTTP base URL (a Collector's :4318, or Pyroscope):\n"
		  "POST URL/v1development/profiles per interval" },
	{ .name = "app-name", .arg = "NAME", .parse = parse_app_name,
	  .offset = offsetof(struct agent_opts, app_name),
	  .help = "application name of uploads, OTLP's service.name (default "
		  DEFAULT_APP_NAME ")" },
	{ .name = "label", .arg = "K=V", .parse = parse_label,
	  .help = "label of uploads, repeatable (hostname is always sent)" },
	{ .name = "series-labels", .arg = "LIST", .parse = parse_series_labels,
	  .offset = offsetof(struct agent_opts, series_labels),
	  .help = "sample labels made Pyroscope series labels: some of\n"
		  PPROF_SERIES_NAMES ", or none (default comm;\n"
		  "README: what each costs)" },
	{ .name = "tenant", .arg = "ID", .parse = option_table__set_string,
	  .offset = offsetof(struct agent_opts, tenant),
	  .help = "X-Scope-OrgID header, for multi-tenant servers" },
	{ .name = "bearer-token-file", .arg = "F", .parse = option_table__set_string,
	  .offset = offsetof(struct agent_opts, bearer_token_file),
	  .help = "Authorization: Bearer <contents of F>" },
	{ .name = "basic-auth-file", .arg = "F", .parse = option_table__set_string,
	  .offset = offsetof(struct agent_opts, basic_auth_file),
	  .help = "basic authentication, F holds user:password" },
	{ .name = "header", .arg = "'NAME: VALUE'", .parse = parse_header,
	  .help = "extra request header, repeatable" },
	{ .name = "ca-file", .arg = "F", .parse = option_table__set_string,
	  .offset = offsetof(struct agent_opts, ca_file),
	  .help = "trust this CA bundle too (TLS is always verified)" },
	{ .name = "upload-grace", .arg = "SECS", .parse = parse_upload_grace,
	  .offset = offsetof(struct agent_opts, upload_grace_s),
	  .help = "at exit, try pending uploads this long (default "
		  OPTION_STR(DEFAULT_UPLOAD_GRACE_S) ")" },
	{ .name = "log-file", .arg = "F", .parse = option_table__set_string,
	  .offset = offsetof(struct agent_opts, log_file),
	  .help = "log there instead of stderr; SIGHUP reopens it" },
	{ .name = "metrics-addr", .arg = "ADDR:PORT", .parse = parse_metrics_addr,
	  .offset = offsetof(struct agent_opts, metrics_addr),
	  .help = "serve Prometheus metrics at http://ADDR:PORT/metrics\n"
		  "(127.0.0.1:9464, [::1]:9464; :9464 on every address)" },
	OPTION_GROUP(verbosity_options, offsetof(struct agent_opts, verbose)),
	OPTION_HELP,
	SAMPLING_FREQUENCY_OPTION(struct agent_opts, sampling, DEFAULT_FREQUENCY),
	OPTION_GROUP(sampling_options, offsetof(struct agent_opts, sampling)),
	OPTION_TEXT(notes),
	OPTION_END,
};
// clang-format on

const struct option_table agent_option_table = {
	.command = "agent",
	.entries = agent_options,
	.no_operands = true,
};

static void set_defaults(struct agent_opts *opts)
{
	char unused[64];

	memset(opts, 0, sizeof(*opts));
	sampling_opts__init(&opts->sampling, DEFAULT_FREQUENCY);
	/* A daemon on hosts of any switch rate: its off-CPU cost bounded by default. */
	opts->sampling.off_cpu_probability = SAMPLING_OFF_CPU_AUTO;
	opts->sampling.stack_map_size = AGENT_STACK_MAP_SIZE;
	opts->sampling.counts_map_size = AGENT_COUNTS_MAP_SIZE;
	opts->interval_s = DEFAULT_INTERVAL_S;
	opts->store_dir = DEFAULT_STORE_DIR;
	opts->store_max_size = DEFAULT_STORE_MAX_SIZE;
	time_spec__parse_duration(DEFAULT_STORE_MAX_AGE, &opts->store_max_age_ns, unused,
				  sizeof(unused));
	opts->app_name = DEFAULT_APP_NAME;
	opts->series_labels = PPROF_SERIES_DEFAULT;
	opts->upload_grace_s = DEFAULT_UPLOAD_GRACE_S;
}

static int check_together(const struct agent_opts *opts, char *err, size_t errlen)
{
	if (sampling_options__check(&opts->sampling, err, errlen))
		return -EINVAL;
	/* Each interval would be removed as the next one is written. */
	if (opts->store_max_age_ns && opts->store_max_age_ns < opts->interval_s * 1e9) {
		snprintf(err, errlen,
			 "--store-max-age must be at least the interval (%g s), or 0 for no age "
			 "limit",
			 opts->interval_s);
		return -EINVAL;
	}
	if (opts->store_dir && !opts->store_max_size && !opts->store_max_age_ns) {
		snprintf(
			err, errlen,
			"--store-max-size 0 and --store-max-age 0 leave the store without a limit: "
			"give one of them");
		return -EINVAL;
	}
	if (opts->bearer_token_file && opts->basic_auth_file) {
		snprintf(err, errlen, "give --bearer-token-file or --basic-auth-file, not both");
		return -EINVAL;
	}
	if (!opts->upload_url && !opts->otlp_url &&
	    (opts->tenant || opts->bearer_token_file || opts->basic_auth_file || opts->nheaders ||
	     opts->ca_file)) {
		snprintf(err, errlen, "upload options need --upload URL or --otlp-endpoint URL");
		return -EINVAL;
	}
	return 0;
}

enum options_result agent_opts__parse(struct agent_opts *opts, int argc, char **argv, char *err,
				      size_t errlen)
{
	enum options_result result;
	int first_operand;

	set_defaults(opts);
	result = option_table__parse(&agent_option_table, opts, argc, argv, &first_operand, err,
				     errlen);
	if (result != OPTIONS_RUN)
		return result;
	return check_together(opts, err, errlen) ? OPTIONS_ERROR : OPTIONS_RUN;
}

void agent_opts__release(struct agent_opts *opts)
{
	sampling_opts__release(&opts->sampling);
}
