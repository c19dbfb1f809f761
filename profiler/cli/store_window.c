// SPDX-License-Identifier: GPL-2.0-only
#include "store_window.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "time_spec.h"

/* Linux's PID_MAX_LIMIT: no pid is larger. */
#define PID_LIMIT 4194304

void store_window__init(struct store_window *w, uint64_t now_ns)
{
	memset(w, 0, sizeof(*w));
	w->to_ns = now_ns;
	w->now_ns = now_ns;
}

void store_window__release(struct store_window *w)
{
	if (!w)
		return;
	free(w->pids);
	w->pids = NULL;
	w->npids = 0;
}

/* Parses the TIME @arg, relative ones from @w's now, into *@ns and marks it given. */
static int parse_time(const struct store_window *w, const char *arg, uint64_t *ns, bool *set,
		      char *err, size_t errlen)
{
	if (time_spec__parse(arg, w->now_ns, ns, err, errlen))
		return -EINVAL;
	*set = true;
	return 0;
}

static int parse_from(const struct option_spec *opt, void *target, const char *arg, char *err,
		      size_t errlen)
{
	struct store_window *w = target;

	(void)opt;
	return parse_time(w, arg, &w->from_ns, &w->from_set, err, errlen);
}

static int parse_to(const struct option_spec *opt, void *target, const char *arg, char *err,
		    size_t errlen)
{
	struct store_window *w = target;

	(void)opt;
	return parse_time(w, arg, &w->to_ns, &w->to_set, err, errlen);
}

/* Appends the comma-separated pids in @arg to the window's list. */
static int parse_pids(const struct option_spec *opt, void *target, const char *arg, char *err,
		      size_t errlen)
{
	struct store_window *w = target;
	const char *p = arg;
	unsigned long v;
	uint32_t *pids;
	char *end;

	(void)opt;
	for (;;) {
		errno = 0;
		v = *p >= '0' && *p <= '9' ? strtoul(p, &end, 10) : 0;
		if (!v || errno || v > PID_LIMIT || (*end && *end != ',')) {
			snprintf(err, errlen,
				 "bad pid list '%s': give PID[,PID...], as in -p 1234,5678", arg);
			return -EINVAL;
		}
		/* A handful of pids on a command line: one realloc each is fine. */
		pids = realloc(w->pids, (w->npids + 1) * sizeof(*pids));
		if (!pids) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		w->pids = pids;
		w->pids[w->npids++] = v;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

// clang-format off
const struct option_spec store_window_options[] = {
	{ .name = "store", .arg = "DIR", .parse = option_table__set_string,
	  .offset = offsetof(struct store_window, dir),
	  .help = "the folder bpfprof agent keeps its intervals in" },
	{ .name = "from", .arg = "TIME", .parse = parse_from,
	  .help = "window start (default: the store's beginning)" },
	{ .name = "to", .arg = "TIME", .parse = parse_to,
	  .help = "window end, not included (default: now)" },
	OPTION_END,
};
// clang-format on

// clang-format off
const struct option_spec store_filter_options[] = {
	{ .name = "pid", .short_name = 'p', .arg = "PID[,PID...]", .parse = parse_pids,
	  .help = "only these processes" },
	{ .name = "comm", .arg = "NAME", .parse = option_table__set_string,
	  .offset = offsetof(struct store_window, comm), .help = "only processes of this name" },
	OPTION_END,
};
// clang-format on

int store_window__check(const struct store_window *w, char *err, size_t errlen)
{
	char a[CLOCK_FORMAT_MAX], b[CLOCK_FORMAT_MAX];

	if (!w->dir && (w->from_set || w->to_set || w->npids || w->comm)) {
		snprintf(err, errlen,
			 "--from, --to, -p and --comm choose samples from a store: "
			 "give --store DIR too");
		return -EINVAL;
	}
	if (w->dir && !*w->dir) {
		snprintf(err, errlen, "--store needs a folder, as in --store /var/lib/bpfprof");
		return -EINVAL;
	}
	/* With --to left to "now", a FROM still to come is an empty window, not a mistake. */
	if (w->from_set && w->to_set && w->from_ns >= w->to_ns) {
		snprintf(err, errlen, "the window is empty: --from (%s) must come before --to (%s)",
			 clock__format_utc(w->from_ns, a), clock__format_utc(w->to_ns, b));
		return -EINVAL;
	}
	return 0;
}
