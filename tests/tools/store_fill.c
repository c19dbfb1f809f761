// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test driver: fills an agent's store with known samples, so that what reads the store (the
 * report, flamegraph --store) can be checked against exact counts.
 *
 *   store_fill DIR [INTERVAL_SECONDS] < LINES
 *
 * Each line is "UNIX_SECOND PID COMM;frame;...;frame_[k] COUNT" (a folded line after a time
 * and a pid; the frames' annotations as folded text has them). The samples are timed to their
 * second, as the agent's are, and grouped into intervals of INTERVAL_SECONDS (default 10)
 * counted from the first second, each stored as one pprof file the way the agent writes it
 * (19 Hz). Exit status 0, 1 when the store or a profile fails, 2 for bad usage or a bad line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folded_reader.h"
#include "pprof_writer.h"
#include "profile.h"
#include "store.h"

#define NS_PER_SEC 1000000000ull
#define PERIOD_NS (NS_PER_SEC / 19)

struct interval {
	struct profile *prof;
	uint64_t start; /* unix seconds */
};

static int store_interval(struct store *store, struct interval *iv, uint64_t seconds)
{
	struct profile_meta meta = { .time_ns = iv->start * NS_PER_SEC,
				     .duration_ns = seconds * NS_PER_SEC,
				     .period_ns = PERIOD_NS };
	size_t len;
	void *raw;
	int err;

	snprintf(meta.host, sizeof(meta.host), "store-fill");
	profile__set_meta(iv->prof, &meta);
	err = pprof__encode(iv->prof, &raw, &len);
	if (!err) {
		err = store__write(store, meta.time_ns, raw, len, NULL);
		free(raw);
	}
	profile__free(iv->prof);
	iv->prof = NULL;
	return err;
}

/* Adds the folded line @folded, at @second for @pid, to @to. */
static int add_line(struct profile *to, const char *folded, uint64_t second, uint32_t pid)
{
	struct profile *one = profile__new();
	struct folded_read_stats stats;
	int err;

	if (!one)
		return -ENOMEM;
	err = folded__read(folded, strlen(folded), one, &stats);
	for (size_t i = 0; !err && i < profile__sample_count(one); i++) {
		const struct profile_sample *s = profile__sample(one, i);
		struct profile_labels labels = s->labels;
		uint32_t frames[s->depth ? s->depth : 1];

		for (size_t d = 0; d < s->depth && !err; d++) {
			int64_t id = profile__intern_frame(to, profile__frame(one, s->frames[d]));

			err = id < 0 ? (int)id : 0;
			frames[d] = (uint32_t)id;
		}
		labels.pid = labels.tid = pid;
		labels.time_ns = second * NS_PER_SEC;
		err = err ?: profile__add_sample(to, frames, s->depth, &labels, s->count);
	}
	profile__free(one);
	return err;
}

int main(int argc, char **argv)
{
	struct store_opts opts = { 0 };
	struct interval iv = { 0 };
	uint64_t seconds = 10, first = 0, second;
	char *line = NULL, *folded;
	size_t line_cap = 0;
	struct store *store;
	unsigned int pid;
	int err = 0, lineno = 0, at;

	if (argc < 2 || argc > 3 || (argc == 3 && !(seconds = strtoull(argv[2], NULL, 10)))) {
		fprintf(stderr, "usage: store_fill DIR [INTERVAL_SECONDS] < LINES\n");
		return 2;
	}
	opts.dir = argv[1];
	if (store__open(&opts, &store))
		return 1; /* store__open() said why */
	/* Lines of deep stacks with long C++ names run to hundreds of KB: no limit here. */
	while (!err && getline(&line, &line_cap, stdin) > 0) {
		lineno++;
		if (sscanf(line, "%" SCNu64 " %u %n", &second, &pid, &at) != 2 || !line[at]) {
			fprintf(stderr, "store_fill: line %d: expected SECOND PID FOLDED\n",
				lineno);
			free(line);
			store__close(store);
			return 2;
		}
		folded = line + at;
		first = first ? first : second;
		if (second < first) {
			fprintf(stderr, "store_fill: line %d: seconds must not go back\n", lineno);
			free(line);
			store__close(store);
			return 2;
		}
		if (iv.prof && second >= iv.start + seconds)
			err = store_interval(store, &iv, seconds);
		if (!err && !iv.prof) {
			iv.prof = profile__new();
			iv.start = first + (second - first) / seconds * seconds;
			err = iv.prof ? 0 : -ENOMEM;
		}
		err = err ?: add_line(iv.prof, folded, second, pid);
	}
	if (!err && iv.prof)
		err = store_interval(store, &iv, seconds);
	profile__free(iv.prof);
	store__close(store);
	free(line);
	if (err)
		fprintf(stderr, "store_fill: %s\n", strerror(-err));
	return err ? 1 : 0;
}
