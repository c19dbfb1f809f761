// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parsing (finding lines, splitting frames, hashing names) is most of the work and runs in
 * parallel on parts of the input cut at line ends; giving names profile ids and adding the
 * lines stays serial, in input order, and touches each distinct name once per parser. The
 * two overlap: while threads parse a round of parts, the calling thread adds the lines of
 * the round before, so each round has a set of parsers of its own.
 */
#include "folded_reader.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "folded_parser.h"
#include "profile.h"

/* Smaller pieces are read by one thread: starting others costs more than it saves. */
#define FOLDED_PARALLEL_MIN (8u << 20)
/* Text one thread parses in a round: bounds the ids held at once. */
#define FOLDED_PART_MAX (16u << 20)
#define FOLDED_THREADS_MAX 4

struct folded_job {
	pthread_t thread;
	bool started; /* on a thread of its own, to be joined */
	struct folded_parser *parser;
	const char *data;
	size_t len;
};

/* A round: parts parsed at once, their lines added together afterwards. */
struct folded_round {
	struct folded_parser parsers[FOLDED_THREADS_MAX];
	unsigned int nr_parsers; /* initialised so far */
	struct folded_job jobs[FOLDED_THREADS_MAX];
	unsigned int nr_jobs; /* parsed or being parsed, not added yet */
};

struct folded_reader {
	struct profile *prof;
	struct folded_round rounds[2]; /* one being parsed while the other's lines are added */
	unsigned int next_round;
	unsigned int nr_threads; /* to use */
	int err;		 /* sticky: the first error */
	struct folded_read_stats stats;
	uint64_t text_lines; /* lines so far, empty ones included: for line numbers */
	char *name;	     /* a new frame's name, NUL-terminated */
	size_t name_cap;
};

/* CPUs this process may run on (a container's or taskset's limit included). */
static unsigned int usable_cpus(void)
{
	cpu_set_t set;
	long n;

	if (!sched_getaffinity(0, sizeof(set), &set))
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}

struct folded_reader *folded_reader__new(struct profile *prof)
{
	struct folded_reader *r = calloc(1, sizeof(*r));
	unsigned int cpus = usable_cpus();

	if (!r)
		return NULL;
	r->prof = prof;
	r->nr_threads = cpus < FOLDED_THREADS_MAX ? cpus : FOLDED_THREADS_MAX;
	if (!r->nr_threads)
		r->nr_threads = 1;
	return r;
}

void folded_reader__free(struct folded_reader *r)
{
	if (!r)
		return;
	for (unsigned int k = 0; k < 2; k++) {
		for (unsigned int i = 0; i < r->rounds[k].nr_parsers; i++)
			folded_parser__free(&r->rounds[k].parsers[i]);
	}
	free(r->name);
	free(r);
}

size_t folded__cut(const char *data, size_t len, size_t want)
{
	const char *nl;

	if (want >= len)
		return len;
	nl = memrchr(data, '\n', want);
	if (nl)
		return nl - data + 1;
	nl = memchr(data + want, '\n', len - want);
	return nl ? (size_t)(nl - data + 1) : len;
}

/* Gives the names the parser met since last time their profile ids. */
static int folded_reader__resolve(struct folded_reader *r, struct folded_parser *p)
{
	struct profile_frame frame = { 0 };
	int64_t id;

	if (array__reserve(&p->resolved, &p->resolved_cap, p->nr_names, sizeof(*p->resolved)))
		return -ENOMEM;
	for (; p->nr_resolved < p->nr_names; p->nr_resolved++) {
		struct folded_name *name = &p->names[p->nr_resolved];

		if (array__reserve(&r->name, &r->name_cap, (size_t)name->len + 1, 1))
			return -ENOMEM;
		memcpy(r->name, name->text, name->len);
		r->name[name->len] = '\0';
		if (name->kind == FOLDED_KIND_COMM) {
			if (array__reserve(&p->comms, &p->comms_cap, p->nr_comms + 1,
					   sizeof(*p->comms)))
				return -ENOMEM;
			p->comms[p->nr_comms] = strdup(r->name);
			if (!p->comms[p->nr_comms])
				return -ENOMEM;
			name->text = p->comms[p->nr_comms];
			p->resolved[p->nr_resolved] = p->nr_comms++;
			continue;
		}
		frame.func = r->name;
		frame.kind = name->kind;
		id = profile__intern_frame(r->prof, &frame);
		if (id < 0)
			return id;
		/* The part's text may go once read: point at the profile's copy instead. */
		name->text = profile__frame(r->prof, id)->func;
		p->resolved[p->nr_resolved] = id;
	}
	return 0;
}

/* Adds the lines of the part @p parsed, in order. */
static int folded_reader__merge(struct folded_reader *r, struct folded_parser *p)
{
	struct profile_labels labels = { 0 };
	int err = p->err;

	if (!err)
		err = folded_reader__resolve(r, p);
	for (size_t i = 0; !err && i < p->nr_lines; i++) {
		const struct folded_line *line = &p->lines[i];
		uint32_t *ids = p->ids + line->first;

		for (uint32_t j = 1; j <= line->depth; j++)
			ids[j] = p->resolved[ids[j]];
		labels.comm = p->comms[p->resolved[ids[0]]];
		err = profile__add_sample(r->prof, ids + 1, line->depth, &labels, line->count);
		if (err == -EINVAL)
			err = -ENOMEM; /* the line was fine: the model failed */
		if (!err)
			r->stats.samples += line->count;
	}
	if (err)
		return err;
	r->stats.lines += p->nonempty;
	r->stats.malformed += p->malformed;
	if (!r->stats.first_bad && p->first_bad)
		r->stats.first_bad = r->text_lines + p->first_bad;
	r->text_lines += p->text_lines;
	return 0;
}

static void *folded_job__run(void *arg)
{
	struct folded_job *job = arg;

	folded_parser__parse(job->parser, job->data, job->len);
	return NULL;
}

/* Waits for the round's parsers; a part whose thread did not start is parsed here. */
static void folded_round__join(struct folded_round *round)
{
	for (unsigned int i = 0; i < round->nr_jobs; i++) {
		if (round->jobs[i].started)
			pthread_join(round->jobs[i].thread, NULL);
		else
			folded_job__run(&round->jobs[i]);
		round->jobs[i].started = false;
	}
}

/* Adds the lines of the round parsed last, if any, in input order. */
static int folded_reader__drain(struct folded_reader *r)
{
	struct folded_round *round = &r->rounds[r->next_round ^ 1];
	int err = r->err;

	for (unsigned int i = 0; i < round->nr_jobs && !err; i++)
		err = folded_reader__merge(r, round->jobs[i].parser);
	round->nr_jobs = 0;
	r->err = err;
	return err;
}

/*
 * Cuts @data into up to nr_threads parts for the next round and starts parsing them, on
 * threads when there is more than one part or a round to add meanwhile. Returns the bytes
 * taken, or -ENOMEM.
 */
static int64_t folded_reader__start_round(struct folded_reader *r, const char *data, size_t len,
					  bool overlap)
{
	struct folded_round *round = &r->rounds[r->next_round];
	unsigned int threads = len > FOLDED_PARALLEL_MIN ? r->nr_threads : 1;
	size_t share = len / threads + 1, at = 0;
	unsigned int n = 0;

	/* Parts of equal size, each small enough to bound the ids held at once. */
	if (share > FOLDED_PART_MAX)
		share = FOLDED_PART_MAX;
	while (n < threads && at < len) {
		/* The last part takes what is left, so no sliver makes a round of its own. */
		size_t part = folded__cut(data + at, len - at,
					  n + 1 == threads ? FOLDED_PART_MAX : share);

		if (n == round->nr_parsers) {
			if (folded_parser__init(&round->parsers[n])) {
				folded_parser__free(&round->parsers[n]);
				if (!n)
					return -ENOMEM;
				break; /* fewer threads then */
			}
			round->nr_parsers++;
		}
		round->jobs[n] = (struct folded_job){ .parser = &round->parsers[n],
						      .data = data + at,
						      .len = part };
		at += part;
		n++;
	}
	round->nr_jobs = n;
	if (n > 1 || overlap) {
		for (unsigned int i = 0; i < n; i++)
			round->jobs[i].started = !pthread_create(&round->jobs[i].thread, NULL,
								 folded_job__run, &round->jobs[i]);
	}
	return at;
}

int folded_reader__add(struct folded_reader *r, const char *data, size_t len)
{
	while (len && !r->err) {
		bool pending = r->rounds[r->next_round ^ 1].nr_jobs > 0;
		int64_t n = folded_reader__start_round(r, data, len, pending);

		if (n < 0) {
			r->err = n;
			break;
		}
		/* The previous round's lines go in while this one is parsed. */
		folded_reader__drain(r);
		folded_round__join(&r->rounds[r->next_round]);
		r->next_round ^= 1;
		data += n;
		len -= n;
	}
	return r->err;
}

int folded_reader__finish(struct folded_reader *r, struct folded_read_stats *stats)
{
	int err = folded_reader__drain(r);

	*stats = r->stats;
	if (!err && stats->lines == stats->malformed)
		err = -EINVAL;
	return err;
}

int folded__read(const char *data, size_t len, struct profile *prof,
		 struct folded_read_stats *stats)
{
	struct folded_reader *r = folded_reader__new(prof);
	int err;

	memset(stats, 0, sizeof(*stats));
	if (!r)
		return -ENOMEM;
	folded_reader__add(r, data, len);
	err = folded_reader__finish(r, stats);
	folded_reader__free(r);
	return err;
}
int folded__sniff(const char *data, size_t len)
{
	size_t n = len < 4096 ? len : 4096;

	if (n >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b)
		return 0; /* gzip: pprof */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = data[i];

		/* Folded text is printable, apart from tabs, newlines and UTF-8. */
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
			return 0;
	}
	return n > 0;
}
