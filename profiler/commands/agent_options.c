// SPDX-License-Identifier: GPL-2.0-only
#include "agent_options.h"

#include <errno.h>
#include <string.h>

#include "options.h"
#include "time_spec.h"
#include "upload.h"

#define DEFAULT_FREQUENCY 19 /* a prime: no lockstep with timers at round frequencies */
#define DEFAULT_INTERVAL_S 10.0
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
#define DEFAULT_UPLOAD_GRACE_S 5.0

enum {
	OPT_INTERVAL = 256,
	OPT_STORE,
	OPT_STORE_MAX_SIZE,
	OPT_STORE_MAX_AGE,
	OPT_NO_STORE,
	OPT_UPLOAD,
	OPT_APP_NAME,
	OPT_LABEL,
	OPT_TENANT,
	OPT_BEARER_TOKEN_FILE,
	OPT_BASIC_AUTH_FILE,
	OPT_HEADER,
	OPT_CA_FILE,
	OPT_UPLOAD_GRACE,
	OPT_LOG_FILE,
};

static const struct option long_options[] = {
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "store-max-size", required_argument, NULL, OPT_STORE_MAX_SIZE },
	{ "store-max-age", required_argument, NULL, OPT_STORE_MAX_AGE },
	{ "no-store", no_argument, NULL, OPT_NO_STORE },
	{ "upload", required_argument, NULL, OPT_UPLOAD },
	{ "app-name", required_argument, NULL, OPT_APP_NAME },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "tenant", required_argument, NULL, OPT_TENANT },
	{ "bearer-token-file", required_argument, NULL, OPT_BEARER_TOKEN_FILE },
	{ "basic-auth-file", required_argument, NULL, OPT_BASIC_AUTH_FILE },
	{ "header", required_argument, NULL, OPT_HEADER },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "upload-grace", required_argument, NULL, OPT_UPLOAD_GRACE },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	SAMPLING_LONG_OPTIONS,
	{ 0 },
};

void agent_opts__usage(FILE *out)
{
	fputs("usage: bpfprof agent [OPTIONS]\n"
	      "\n"
	      "Samples continuously and closes one profile per interval: each is kept in a local\n"
	      "store (zstd pprof, one file per interval) and, with --upload, sent to a Pyroscope\n"
	      "server. `bpfprof flamegraph --store DIR --from T --to T` draws any past window.\n"
	      "\n"
	      "      --interval SECS      one profile every SECS (default 10)\n"
	      "      --store DIR          the local store (default " DEFAULT_STORE_DIR ")\n"
	      "      --store-max-size SIZE  oldest intervals removed past SIZE (default 1G; k, m, g;\n"
	      "                           at least 32k; 0: no size limit, only the age limit)\n"
	      "      --store-max-age AGE  intervals older than AGE removed (default " DEFAULT_STORE_MAX_AGE
	      "; s, m, h, d;\n"
	      "                           at least the interval; 0: no age limit, only the size one)\n"
	      "      --no-store           keep no local history (uploads queue in memory)\n"
	      "      --upload URL         Pyroscope base URL: POST URL/ingest per interval\n"
	      "      --app-name NAME      application name of uploads (default " DEFAULT_APP_NAME ")\n"
	      "      --label K=V          label of uploads, repeatable (hostname is always sent)\n"
	      "      --tenant ID          X-Scope-OrgID header, for multi-tenant servers\n"
	      "      --bearer-token-file F  Authorization: Bearer <contents of F>\n"
	      "      --basic-auth-file F  basic authentication, F holds user:password\n"
	      "      --header 'NAME: VALUE'  extra request header, repeatable\n"
	      "      --ca-file F          trust this CA bundle too (TLS is always verified)\n"
	      "      --upload-grace SECS  at exit, try pending uploads this long (default 5)\n"
	      "      --log-file F         log there instead of stderr; SIGHUP reopens it\n"
	      "  -v, --verbose            more messages (repeat for debug output)\n"
	      "  -h, --help               this help\n",
	      out);
	sampling_options__usage(out, DEFAULT_FREQUENCY);
	fputs("\nSIGTERM or SIGINT close the current interval, store it, try pending uploads for\n"
	      "--upload-grace seconds and exit 0. Failed uploads are retried from the store with\n"
	      "exponential backoff (0.5 s up to 5 min), oldest first; intervals the server\n"
	      "refuses (4xx) stay in the store and are sent again at the next start.\n"
	      "Needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH).\n",
	      out);
}

static void set_defaults(struct agent_opts *opts)
{
	char unused[64];

	memset(opts, 0, sizeof(*opts));
	sampling_opts__init(&opts->sampling, DEFAULT_FREQUENCY);
	/* Fewer distinct stacks per interval than per recording: smaller maps, twice over. */
	opts->sampling.stack_map_size = 16384;
	opts->sampling.counts_map_size = 32768;
	opts->interval_s = DEFAULT_INTERVAL_S;
	opts->store_dir = DEFAULT_STORE_DIR;
	opts->store_max_size = DEFAULT_STORE_MAX_SIZE;
	time_spec__parse_duration(DEFAULT_STORE_MAX_AGE, &opts->store_max_age_ns, unused,
				  sizeof(unused));
	opts->app_name = DEFAULT_APP_NAME;
	opts->upload_grace_s = DEFAULT_UPLOAD_GRACE_S;
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

static int check_header(const char *h, char *err, size_t errlen)
{
	const char *colon = strchr(h, ':');

	if (!colon || colon == h || strpbrk(h, "\r\n") || strcspn(h, " \t") < (size_t)(colon - h)) {
		snprintf(err, errlen, "--header wants 'Name: value', not '%s'", h);
		return -EINVAL;
	}
	return 0;
}

/* Options of the agent's own; returns 1 when handled, 0 when not, or -errno. */
static int handle_agent_option(int c, const char *arg, struct agent_opts *opts, char *err,
			       size_t errlen)
{
	switch (c) {
	case OPT_INTERVAL:
		if (options__parse_seconds(arg, "--interval", &opts->interval_s, err, errlen))
			return -EINVAL;
		if (opts->interval_s < 1 || opts->interval_s > MAX_INTERVAL_S) {
			snprintf(err, errlen, "--interval must be 1 to %.0f seconds, not '%s'",
				 MAX_INTERVAL_S, arg);
			return -EINVAL;
		}
		return 1;
	case OPT_STORE:
		opts->store_dir = arg;
		return 1;
	case OPT_STORE_MAX_SIZE:
		if (options__parse_size(arg, "--store-max-size", 0, UINT64_MAX,
					&opts->store_max_size, err, errlen))
			return -EINVAL;
		if (opts->store_max_size && opts->store_max_size < MIN_STORE_MAX_SIZE) {
			snprintf(err, errlen,
				 "--store-max-size must be at least 32k (an interval takes tens of "
				 "KiB), or 0 for no size limit, not '%s'",
				 arg);
			return -EINVAL;
		}
		return 1;
	case OPT_STORE_MAX_AGE:
		return time_spec__parse_duration(arg, &opts->store_max_age_ns, err, errlen) ?
			       -EINVAL : 1;
	case OPT_NO_STORE:
		opts->store_dir = NULL;
		return 1;
	case OPT_UPLOAD:
		if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8)) {
			snprintf(err, errlen, "--upload wants an http:// or https:// URL, not '%s'",
				 arg);
			return -EINVAL;
		}
		opts->upload_url = arg;
		return 1;
	case OPT_APP_NAME:
		if (!upload__valid_app_name(arg)) {
			snprintf(err, errlen,
				 "--app-name may hold letters, digits and _ . / - only, not '%s'", arg);
			return -EINVAL;
		}
		opts->app_name = arg;
		return 1;
	case OPT_LABEL:
		if (upload__check_label(arg, err, errlen))
			return -EINVAL;
		return append(opts->labels, &opts->nlabels, AGENT_MAX_LABELS, arg, "labels", err,
			      errlen) ?: 1;
	case OPT_TENANT:
		opts->tenant = arg;
		return 1;
	case OPT_BEARER_TOKEN_FILE:
		opts->bearer_token_file = arg;
		return 1;
	case OPT_BASIC_AUTH_FILE:
		opts->basic_auth_file = arg;
		return 1;
	case OPT_HEADER:
		if (check_header(arg, err, errlen))
			return -EINVAL;
		return append(opts->headers, &opts->nheaders, AGENT_MAX_HEADERS, arg, "headers",
			      err, errlen) ?: 1;
	case OPT_CA_FILE:
		opts->ca_file = arg;
		return 1;
	case OPT_UPLOAD_GRACE:
		return options__parse_seconds(arg, "--upload-grace", &opts->upload_grace_s, err,
					      errlen) ? -EINVAL : 1;
	case OPT_LOG_FILE:
		opts->log_file = arg;
		return 1;
	default:
		return 0;
	}
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
		snprintf(err, errlen,
			 "--store-max-size 0 and --store-max-age 0 leave the store without a limit: "
			 "give one of them");
		return -EINVAL;
	}
	if (opts->bearer_token_file && opts->basic_auth_file) {
		snprintf(err, errlen, "give --bearer-token-file or --basic-auth-file, not both");
		return -EINVAL;
	}
	if (!opts->upload_url && (opts->tenant || opts->bearer_token_file ||
				  opts->basic_auth_file || opts->nheaders || opts->ca_file)) {
		snprintf(err, errlen, "upload options need --upload URL");
		return -EINVAL;
	}
	return 0;
}

enum agent_parse_result agent_opts__parse(struct agent_opts *opts, int argc, char **argv,
					  char *err, size_t errlen)
{
	int c, handled;

	set_defaults(opts);
	err[0] = '\0';
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh" SAMPLING_SHORT_OPTIONS, long_options, NULL)) !=
	       -1) {
		handled = sampling_options__handle(c, optarg, &opts->sampling, err, errlen);
		if (!handled)
			handled = handle_agent_option(c, optarg, opts, err, errlen);
		if (handled < 0)
			return AGENT_PARSE_ERROR;
		if (handled)
			continue;
		switch (c) {
		case 'v':
			opts->verbose++;
			break;
		case 'h':
			agent_opts__usage(stdout);
			return AGENT_PARSE_HELP;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return AGENT_PARSE_ERROR;
		default:
			snprintf(err, errlen, "unknown option '%s' (see bpfprof agent --help)",
				 argv[optind - 1]);
			return AGENT_PARSE_ERROR;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see bpfprof agent --help)",
			 argv[optind]);
		return AGENT_PARSE_ERROR;
	}
	return check_together(opts, err, errlen) ? AGENT_PARSE_ERROR : AGENT_PARSE_OK;
}

void agent_opts__release(struct agent_opts *opts)
{
	sampling_opts__release(&opts->sampling);
}
