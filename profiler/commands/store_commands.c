// SPDX-License-Identifier: GPL-2.0-only
#include "store_commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "log.h"
#include "pprof_reader.h"
#include "profile.h"
#include "store.h"
#include "time_spec.h"
#include "verbosity.h"

/*
 * Reads the store file @name of the folder @dir_fd into @prof. Returns 0 or -errno with a
 * short reason in @why.
 */
static int read_store_file(int dir_fd, const char *name, struct profile *prof, char *why,
			   size_t whylen)
{
	size_t raw_len;
	void *raw;
	int err;

	err = store__read(dir_fd, name, &raw, &raw_len, why, whylen);
	if (err)
		return err;
	err = pprof__read(raw, raw_len, prof, why, whylen);
	free(raw);
	return err;
}

/*
 * Where the interval entries[@i] can end at the latest, from the names alone: the next one's
 * start, as the agent starts each interval where the last ended. Unknown (UINT64_MAX) for the
 * newest, and where the next starts earlier (the wall clock went back in between).
 */
static uint64_t name_bound(const struct store_entry *entries, size_t n, size_t i)
{
	if (i + 1 == n || entries[i + 1].start_ns < entries[i].start_ns)
		return UINT64_MAX;
	return entries[i + 1].start_ns;
}

/* The end of an interval from @start: its recorded duration, else @bound. Never wraps. */
static uint64_t interval_end(uint64_t start, uint64_t duration_ns, uint64_t bound)
{
	if (!duration_ns)
		return bound;
	return duration_ns < UINT64_MAX - start ? start + duration_ns : UINT64_MAX;
}

/* Floor of @ns to its second. */
static uint64_t second_of(uint64_t ns)
{
	return ns - ns % NSEC_PER_SEC;
}

static bool pid_wanted(const struct store_window *w, uint32_t pid)
{
	if (!w->npids)
		return true;
	for (size_t i = 0; i < w->npids; i++)
		if (w->pids[i] == pid)
			return true;
	return false;
}

/* Scratch space reused across files: frame id map and one stack. */
struct merge_buf {
	int64_t *map; /* input frame id -> output frame id, -1 until interned */
	size_t map_cap;
	uint32_t *stack;
	size_t stack_cap;
};

/*
 * Copies the samples of @in that @w keeps into @out, timeless unless @w keeps times (then
 * samples of different seconds stay apart). @untimed_ok says whether
 * @in's interval overlaps the window. Adds the counts kept to @*kept. Returns 0 or -errno.
 */
static int merge_window(const struct store_window *w, const struct profile *in, bool untimed_ok,
			struct profile *out, struct merge_buf *buf, uint64_t *kept)
{
	size_t nframes = profile__frame_count(in);
	struct profile_labels labels;
	int err;

	if (array__reserve(&buf->map, &buf->map_cap, nframes, sizeof(*buf->map)))
		return -ENOMEM;
	for (size_t i = 0; i < nframes; i++)
		buf->map[i] = -1;
	for (size_t i = 0; i < profile__sample_count(in); i++) {
		const struct profile_sample *s = profile__sample(in, i);
		uint64_t t = s->labels.time_ns;

		if (t ? t < w->from_ns || t >= w->to_ns : !untimed_ok)
			continue;
		if (!pid_wanted(w, s->labels.pid) || (w->comm && strcmp(s->labels.comm, w->comm)))
			continue;
		if (array__reserve(&buf->stack, &buf->stack_cap, s->depth ? s->depth : 1,
				   sizeof(*buf->stack)))
			return -ENOMEM;
		for (size_t d = 0; d < s->depth; d++) {
			uint32_t id = s->frames[d];

			if (buf->map[id] < 0) {
				buf->map[id] = profile__intern_frame(out, profile__frame(in, id));
				if (buf->map[id] < 0)
					return buf->map[id];
			}
			buf->stack[d] = buf->map[id];
		}
		labels = s->labels;
		if (!w->keep_times)
			labels.time_ns = 0;
		err = profile__add_sample(out, buf->stack, s->depth, &labels, s->count);
		if (err)
			return err;
		*kept += s->count;
	}
	return 0;
}

int store_window__load(const struct store_window *w, struct profile *out,
		       struct store_window_stats *stats)
{
	struct merge_buf buf = { 0 };
	struct store_entry *entries = NULL;
	struct profile_meta meta = { 0 };
	uint64_t first_read = UINT64_MAX, last_end = 0;
	bool latest_read = false, overlaps;
	size_t n = 0, earliest = 0, latest = 0;
	char why[256];
	int dir_fd, err;

	memset(stats, 0, sizeof(*stats));
	/* A store of someone else's may be read: files are opened through this, never links. */
	dir_fd = store__open_dir(w->dir, false);
	if (dir_fd < 0)
		return dir_fd;
	err = store__list(dir_fd, &entries, &n, &stats->not_regular);
	if (err)
		goto out_close;
	stats->files = n;
	/* Files are in the store's order, which is not time order after a clock step. */
	for (size_t i = 0; i < n; i++) {
		if (entries[i].start_ns < entries[earliest].start_ns)
			earliest = i;
		if (entries[i].start_ns >= entries[latest].start_ns)
			latest = i;
	}
	if (n) {
		stats->store_first_ns = entries[earliest].start_ns;
		stats->store_last_ns = entries[latest].start_ns;
	}
	for (size_t i = 0; i < n && w->from_ns < w->to_ns; i++) {
		uint64_t start = entries[i].start_ns, bound = name_bound(entries, n, i);
		const struct profile_meta *in_meta;
		struct profile *in;
		uint64_t end;

		/* A file holds samples from its start (in that start's second) to its bound. */
		if (second_of(start) >= w->to_ns || bound <= w->from_ns)
			continue;
		in = profile__new();
		if (!in) {
			err = -ENOMEM;
			goto out_free;
		}
		err = read_store_file(dir_fd, entries[i].name, in, why, sizeof(why));
		if (err == -ENOMEM) {
			profile__free(in);
			goto out_free;
		}
		if (err) {
			pr_warn("store: skipped %s: %s\n", entries[i].name, why);
			stats->unreadable++;
			profile__free(in);
			continue;
		}
		in_meta = profile__meta(in);
		/* CPU samples and off-CPU nanoseconds do not add up: the first file's kind rules. */
		if (stats->read && in_meta->value != meta.value) {
			pr_warn("store: skipped %s: it holds another kind of profile (CPU samples, "
				"off-CPU or wall time) than the first file read\n",
				entries[i].name);
			stats->unreadable++;
			profile__free(in);
			continue;
		}
		meta.value = in_meta->value;
		if (!meta.host[0])
			memcpy(meta.host, in_meta->host, sizeof(meta.host));
		stats->read++;
		end = interval_end(start, in_meta->duration_ns,
				   bound != UINT64_MAX ? bound : w->to_ns);
		if (i == latest) {
			latest_read = true;
			if (in_meta->duration_ns)
				stats->store_last_ns = end;
		}
		if (!meta.period_ns && in_meta->period_ns)
			meta.period_ns = in_meta->period_ns;
		else if (in_meta->period_ns && in_meta->period_ns != meta.period_ns)
			pr_info("store: %s was sampled at another frequency; its samples count as "
				"the first file's\n",
				entries[i].name);
		overlaps = start < w->to_ns && end > w->from_ns;
		/* Losses are counted per interval: those of intervals the window touches. */
		if (overlaps && in_meta->lost_known) {
			meta.lost_known = true;
			for (int c = 0; c < PROFILE_LOST_CAUSES; c++)
				meta.lost[c] += in_meta->lost[c];
		}
		err = merge_window(w, in, overlaps, out, &buf, &stats->kept);
		profile__free(in);
		if (err)
			goto out_free;
		if (start < first_read)
			first_read = start;
		if (end > last_end)
			last_end = end;
	}
	if (!stats->kept) {
		/* Only for the message: what the store holds ends where its latest interval ends. */
		if (n && !latest_read) {
			struct profile *in = profile__new();

			if (in &&
			    !read_store_file(dir_fd, entries[latest].name, in, why, sizeof(why)))
				stats->store_last_ns = interval_end(entries[latest].start_ns,
								    profile__meta(in)->duration_ns,
								    entries[latest].start_ns);
			profile__free(in);
		}
		err = -ENODATA;
		goto out_free;
	}
	stats->start_ns = first_read > w->from_ns ? first_read : w->from_ns;
	stats->end_ns = last_end < w->to_ns ? last_end : w->to_ns;
	if (stats->end_ns < stats->start_ns)
		stats->end_ns = stats->start_ns;
	meta.time_ns = stats->start_ns;
	meta.duration_ns = stats->end_ns - stats->start_ns;
	profile__set_meta(out, &meta);
	err = 0;
out_free:
	free(buf.map);
	free(buf.stack);
	free(entries);
out_close:
	close(dir_fd);
	return err;
}

/* Logs that @w's window holds nothing, and what the store holds instead. */
static void report_empty(const struct store_window *w, const struct store_window_stats *stats)
{
	char from[CLOCK_FORMAT_MAX], to[CLOCK_FORMAT_MAX];
	char first[CLOCK_FORMAT_MAX], last[CLOCK_FORMAT_MAX];
	char window[96], filter[192] = "", skipped[64] = "";
	size_t len = 0;

	/* Name the window as it was given: an open end is "since" or "before", not a time. */
	clock__format_utc(w->from_ns, from);
	clock__format_utc(w->to_ns, to);
	if (w->from_set && w->to_set)
		snprintf(window, sizeof(window), " between %s and %s", from, to);
	else if (w->from_set)
		snprintf(window, sizeof(window), " since %s%s", from,
			 w->from_ns >= w->now_ns ? " (a time still to come)" : "");
	else if (w->to_set)
		snprintf(window, sizeof(window), " before %s", to);
	else
		window[0] = 0;

	/* Name the filters: they may be why nothing matched. */
	for (size_t i = 0; i < w->npids && len < sizeof(filter) - 16; i++)
		len += snprintf(filter + len, sizeof(filter) - len, "%s%u", i ? "," : " for pid ",
				w->pids[i]);
	if (w->npids && len >= sizeof(filter) - 16)
		len += snprintf(filter + len, sizeof(filter) - len, ",...");
	if (w->comm && len < sizeof(filter))
		snprintf(filter + len, sizeof(filter) - len, "%s comm '%s'",
			 w->npids ? " and" : " for", w->comm);
	if (stats->unreadable)
		snprintf(skipped, sizeof(skipped), "; %zu unreadable file%s skipped",
			 stats->unreadable, stats->unreadable == 1 ? "" : "s");
	if (!stats->files) {
		pr_err("no samples%s: the store '%s' holds no intervals yet\n", window, w->dir);
		return;
	}
	pr_err("no samples%s%s; the store holds %s .. %s (%zu interval%s)%s\n", window, filter,
	       clock__format_utc(stats->store_first_ns, first),
	       clock__format_utc(stats->store_last_ns, last), stats->files,
	       stats->files == 1 ? "" : "s", skipped);
}

/* Logs that the store folder @dir cannot be listed. */
static void report_list_error(const char *dir, int err)
{
	if (err == -ENOENT)
		pr_err("no store at '%s': give the folder bpfprof agent --store writes to\n", dir);
	else
		pr_err("cannot read the store '%s': %s\n", dir, strerror(-err));
}

struct profile *store_window__profile(const struct store_window *w)
{
	struct store_window_stats stats;
	struct profile *prof = profile__new();
	int err;

	if (!prof) {
		pr_err("out of memory\n");
		return NULL;
	}
	err = store_window__load(w, prof, &stats);
	if (err == -ENODATA)
		report_empty(w, &stats);
	else if (err == -ENOMEM || err == -EOVERFLOW)
		pr_err("cannot merge the store's samples: %s\n", strerror(-err));
	else if (err)
		report_list_error(w->dir, err);
	if (err) {
		profile__free(prof);
		return NULL;
	}
	if (stats.unreadable)
		pr_warn("store: %zu of %zu files in the window were unreadable and skipped\n",
			stats.unreadable, stats.read + stats.unreadable);
	if (stats.not_regular)
		pr_warn("store: skipped %zu entries named as intervals that are no regular files "
			"(links, folders, ...)\n",
			stats.not_regular);
	return prof;
}

/* Prints one line per interval overlapping @w, then the totals. Returns 0 or -errno. */
static int store_ls(const struct store_window *w, FILE *out)
{
	char start[CLOCK_FORMAT_MAX], last[CLOCK_FORMAT_MAX], why[256];
	uint64_t samples = 0, bytes = 0, first_ns = UINT64_MAX, last_ns = 0;
	size_t n = 0, listed = 0, unreadable = 0, not_regular = 0;
	struct store_entry *entries = NULL;
	int dir_fd, err;

	dir_fd = store__open_dir(w->dir, false);
	err = dir_fd < 0 ? dir_fd : store__list(dir_fd, &entries, &n, &not_regular);
	if (err) {
		report_list_error(w->dir, err);
		goto out_free;
	}
	/* In the store's order: after a clock step, not time order; each file is asked. */
	for (size_t i = 0; i < n; i++) {
		const struct store_entry *e = &entries[i];
		uint64_t bound = name_bound(entries, n, i);
		const struct profile_meta *meta = NULL;
		struct profile *prof;
		uint64_t total = 0, end;
		int rerr;

		if (e->start_ns >= w->to_ns || bound <= w->from_ns)
			continue;
		prof = profile__new();
		if (!prof) {
			err = -ENOMEM;
			pr_err("out of memory\n");
			goto out_free;
		}
		rerr = read_store_file(dir_fd, e->name, prof, why, sizeof(why));
		if (!rerr)
			meta = profile__meta(prof);
		/*
		 * The interval ends where its profile says, else at its bound; where neither
		 * is known (unreadable, the newest), it is listed only when it starts in the window.
		 */
		end = interval_end(e->start_ns, meta ? meta->duration_ns : 0,
				   bound != UINT64_MAX ? bound : e->start_ns + 1);
		if (end <= w->from_ns) {
			profile__free(prof);
			continue;
		}
		listed++;
		bytes += e->size;
		if (e->start_ns < first_ns)
			first_ns = e->start_ns;
		end = meta && meta->duration_ns ? end : e->start_ns;
		if (end > last_ns)
			last_ns = end;
		clock__format_utc(e->start_ns, start);
		if (rerr) {
			unreadable++;
			fprintf(out, "%-24s  %10s  %14s  %12llu B  %s  unreadable: %s\n", start,
				"? s", "? samples", (unsigned long long)e->size, e->name, why);
			profile__free(prof);
			continue;
		}
		total = profile__total(prof);
		samples += total;
		fprintf(out, "%-24s  %8.3f s  %6llu samples  %12llu B  %s\n", start,
			meta->duration_ns / 1e9, (unsigned long long)total,
			(unsigned long long)e->size, e->name);
		profile__free(prof);
	}
	err = 0;
	if (!listed)
		fprintf(out, "0 intervals (the store holds %zu)", n);
	else
		fprintf(out, "%zu interval%s, %s .. %s, %llu samples, %llu B", listed,
			listed == 1 ? "" : "s", clock__format_utc(first_ns, start),
			clock__format_utc(last_ns, last), (unsigned long long)samples,
			(unsigned long long)bytes);
	if (unreadable)
		fprintf(out, "; %zu unreadable", unreadable);
	if (not_regular)
		fprintf(out, "; %zu not regular files skipped", not_regular);
	fputc('\n', out);
out_free:
	free(entries);
	if (dir_fd >= 0)
		close(dir_fd);
	if (!err && (fflush(out) || ferror(out))) {
		pr_err("cannot write the listing: %s\n", strerror(errno));
		err = -EIO;
	}
	return err;
}

/* The options of store ls. */
struct store_ls_opts {
	struct store_window window;
	int verbose;
};

/* --help before the options, and after them. */
static const char store_ls_usage[] =
	"usage: bpfprof store ls --store DIR [--from TIME] [--to TIME]\n"
	"\n"
	"Lists the intervals an agent's store holds (those overlapping the window), one a\n"
	"line: UTC start, duration, samples, file size, file name; then the totals. Files\n"
	"that cannot be read are listed as unreadable, with the reason (an unreadable last\n"
	"interval, whose end is unknown, only when it starts in the window).\n"
	"\n";
static const char store_ls_notes[] =
	"\n"
	"TIME: RFC 3339 (2026-11-21T10:02:00Z), 'YYYY-MM-DD HH:MM[:SS]' in local time, unix\n"
	"seconds, relative (-15m, -2h, -30s, -1d) or now.\n"
	"\n"
	"Flame graph of a window: bpfprof flamegraph --store DIR --from T --to T -o OUT\n";

// clang-format off
static const struct option_spec store_ls_options[] = {
	OPTION_TEXT(store_ls_usage),
	OPTION_GROUP(store_window_options, offsetof(struct store_ls_opts, window)),
	OPTION_GROUP(verbosity_options, offsetof(struct store_ls_opts, verbose)),
	OPTION_HELP,
	OPTION_TEXT(store_ls_notes),
	OPTION_END,
};
// clang-format on

/* Errors of every store subcommand name "store", as its help is the one of ls. */
static const struct option_table store_ls_table = {
	.command = "store",
	.entries = store_ls_options,
	.no_operands = true,
};

/* Parses the options of `store ls` (@argv[0] is "ls") and checks them together. */
static enum options_result store_ls_opts__parse(struct store_ls_opts *opts, int argc, char **argv,
						char *err, size_t errlen)
{
	enum options_result result;
	int first_operand;

	memset(opts, 0, sizeof(*opts));
	store_window__init(&opts->window, realtime_ns());
	result = option_table__parse(&store_ls_table, opts, argc, argv, &first_operand, err,
				     errlen);
	if (result != OPTIONS_RUN)
		return result;
	if (!opts->window.dir) {
		snprintf(err, errlen, "say which store with --store DIR");
		return OPTIONS_ERROR;
	}
	return store_window__check(&opts->window, err, errlen) ? OPTIONS_ERROR : OPTIONS_RUN;
}

int cmd_store(int argc, char **argv)
{
	struct store_ls_opts opts;
	enum options_result result;
	char err[OPTIONS_ERR_MAX];
	int status;

	if (argc < 2) {
		snprintf(err, sizeof(err),
			 "say what to do: bpfprof store ls --store DIR (see "
			 "bpfprof store --help)");
		return option_table__exit_status(&store_ls_table, OPTIONS_ERROR, err);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		option_table__print_help(&store_ls_table, stdout);
		return 0;
	}
	if (strcmp(argv[1], "ls")) {
		snprintf(err, sizeof(err),
			 "unknown subcommand '%s' (the one there is: ls; see "
			 "bpfprof store --help)",
			 argv[1]);
		return option_table__exit_status(&store_ls_table, OPTIONS_ERROR, err);
	}
	result = store_ls_opts__parse(&opts, argc - 1, argv + 1, err, sizeof(err));
	if (result == OPTIONS_RUN) {
		verbosity__apply(opts.verbose, LOG_WARN);
		status = store_ls(&opts.window, stdout) ? EXIT_STATUS_RUNTIME : 0;
	} else {
		status = option_table__exit_status(&store_ls_table, result, err);
	}
	store_window__release(&opts.window);
	return status;
}
