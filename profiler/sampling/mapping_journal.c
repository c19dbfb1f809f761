// SPDX-License-Identifier: GPL-2.0-only
#include "mapping_journal.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "array.h"
#include "hash_table.h"
#include "log.h"
#include "proc_maps.h"
#include "string_pool.h"

#define DEFAULT_MAX_IMAGES (64 * 1024)
#define DEFAULT_MAX_MAPPINGS (512 * 1024)
#define DEFAULT_MAX_PATH_BYTES (16 << 20)
/* A mapping's path as the kernel writes it: d_path() into a page. */
#define MAX_PATH_BYTES 4096
#define DELETED_SUFFIX " (deleted)"
#define NO_END UINT64_MAX
/*
 * The kernel records a process's exit before its last moments (the rest of do_exit()), in
 * which it is still sampled: an exited image answers that long after.
 */
#define EXIT_SLACK_NS 100000000ull

/* The sample_id every record ends with (sample_id_all, sample_type TID | TIME). */
struct record_id {
	uint32_t pid, tid;
	uint64_t time;
};

struct journal_mapping {
	uint64_t start, end, pgoff, dev, ino, time_ns;
	uint32_t path; /* id in the journal's pool */
	bool deleted;
};

struct journal_image {
	struct mapping_journal *journal;
	struct journal_image *bucket_next; /* same bucket, newer images first */
	struct journal_image *parent;	   /* a reference: the image forked from, or NULL */
	uint64_t fork_ns;		   /* the parent's mappings up to then are this one's */
	uint64_t start_ns;
	uint64_t end_ns; /* NO_END while its process runs it */
	bool exited;	 /* ended by the process's exit, not by an exec */
	uint32_t tgid;
	uint32_t refs; /* the journal's while linked, callers', child images' */
	struct journal_mapping *maps;
	size_t nmaps, maps_cap;
};

struct mapping_journal {
	struct mapping_journal_limits limits;
	struct journal_image **buckets; /* by tgid; fixed count, a power of two */
	size_t nbuckets;
	size_t nimages, nmappings; /* alive */
	struct string_pool *paths;
	mapping_journal_read_fn read; /* NULL: none */
	void *read_ctx;
	struct mapping_journal_stats stats;
};

struct mapping_journal *mapping_journal__new(const struct mapping_journal_limits *limits)
{
	struct mapping_journal *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->limits.max_images = limits ? limits->max_images : DEFAULT_MAX_IMAGES;
	j->limits.max_mappings = limits ? limits->max_mappings : DEFAULT_MAX_MAPPINGS;
	j->limits.max_path_bytes = limits ? limits->max_path_bytes : DEFAULT_MAX_PATH_BYTES;
	j->nbuckets = 64;
	while (j->nbuckets < j->limits.max_images / 2)
		j->nbuckets *= 2;
	j->buckets = calloc(j->nbuckets, sizeof(*j->buckets));
	j->paths = string_pool__new();
	if (!j->buckets || !j->paths) {
		mapping_journal__free(j);
		errno = ENOMEM;
		return NULL;
	}
	return j;
}

void mapping_journal__set_reader(struct mapping_journal *j, mapping_journal_read_fn read, void *ctx)
{
	j->read = read;
	j->read_ctx = ctx;
}

static struct journal_image **bucket_of(struct mapping_journal *j, uint32_t tgid)
{
	return &j->buckets[hash__final(hash__u64(HASH_SEED, tgid)) & (j->nbuckets - 1)];
}

static void image_free(struct journal_image *img)
{
	while (img) {
		struct journal_image *parent = img->parent;

		img->journal->nimages--;
		img->journal->nmappings -= img->nmaps;
		free(img->maps);
		free(img);
		if (!parent || --parent->refs)
			return;
		img = parent;
	}
}

void journal_image__put(struct journal_image *img)
{
	if (img && !--img->refs)
		image_free(img);
}

void mapping_journal__free(struct mapping_journal *j)
{
	if (!j)
		return;
	for (size_t i = 0; j->buckets && i < j->nbuckets; i++) {
		struct journal_image *img = j->buckets[i], *next;

		for (; img; img = next) {
			next = img->bucket_next;
			journal_image__put(img);
		}
	}
	if (j->nimages)
		pr_debug("mapping journal freed with %zu images still referenced\n", j->nimages);
	string_pool__free(j->paths);
	free(j->buckets);
	free(j);
}

/* The image @tgid ran at @time_ns, borrowed, or NULL. */
static struct journal_image *image_at(struct mapping_journal *j, uint32_t tgid, uint64_t time_ns)
{
	for (struct journal_image *img = *bucket_of(j, tgid); img; img = img->bucket_next)
		if (img->tgid == tgid && img->start_ns <= time_ns)
			return time_ns <= img->end_ns || (img->exited &&
							  time_ns - img->end_ns <= EXIT_SLACK_NS) ?
				       img :
				       NULL;
	return NULL;
}

struct journal_image *mapping_journal__image_at(struct mapping_journal *j, uint32_t tgid,
						uint64_t time_ns)
{
	struct journal_image *img = image_at(j, tgid, time_ns);

	if (img)
		img->refs++;
	return img;
}

/*
 * Begins an image of @tgid at @time_ns, forked from @parent (NULL at exec), ending the one
 * it follows. Records of one CPU come in order, not those of all: the image is placed by time.
 */
static int image_begin(struct mapping_journal *j, uint32_t tgid, uint64_t time_ns,
		       struct journal_image *parent)
{
	struct journal_image **link = bucket_of(j, tgid), *img, *newer = NULL;

	/* The bucket is ordered newest first: find where @time_ns goes among @tgid's. */
	for (; *link; link = &(*link)->bucket_next) {
		if ((*link)->start_ns <= time_ns)
			break;
		if ((*link)->tgid == tgid)
			newer = *link;
	}
	for (struct journal_image *p = *link; p; p = p->bucket_next) {
		if (p->tgid != tgid)
			continue;
		if (p->start_ns == time_ns)
			return 0; /* the same record twice */
		if (p->end_ns > time_ns) {
			p->end_ns = time_ns;
			p->exited = false;
		}
		break;
	}
	if (j->nimages >= j->limits.max_images) {
		j->stats.images_dropped++;
		return 0;
	}
	img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	*img = (struct journal_image){ .journal = j,
				       .bucket_next = *link,
				       .parent = parent,
				       .fork_ns = time_ns,
				       .start_ns = time_ns,
				       .end_ns = newer ? newer->start_ns : NO_END,
				       .tgid = tgid,
				       .refs = 1 };
	if (parent)
		parent->refs++;
	*link = img;
	j->nimages++;
	j->stats.images++;
	return 0;
}

static void image_end(struct mapping_journal *j, uint32_t tgid, uint64_t time_ns)
{
	struct journal_image *img = image_at(j, tgid, time_ns);

	if (img && img->end_ns == NO_END) {
		img->end_ns = time_ns;
		img->exited = true;
	}
}

/* Splits " (deleted)" off @path. Returns the length kept. */
static size_t path_len(const char *path, bool *deleted)
{
	size_t len = strlen(path), suffix = strlen(DELETED_SUFFIX);

	*deleted = path[0] == '/' && len > suffix &&
		   !memcmp(path + len - suffix, DELETED_SUFFIX, suffix);
	return *deleted ? len - suffix : len;
}

static int image_add(struct mapping_journal *j, struct journal_image *img,
		     const struct journal_mapping *map, const char *path)
{
	size_t len;
	int64_t id;

	/* Paths are kept to the end (interned): a host mapping ever new names fills them. */
	if (j->nmappings >= j->limits.max_mappings ||
	    string_pool__footprint(j->paths) >= j->limits.max_path_bytes) {
		j->stats.mappings_dropped++;
		return 0;
	}
	if (array__reserve(&img->maps, &img->maps_cap, img->nmaps + 1, sizeof(*img->maps)))
		return -ENOMEM;
	img->maps[img->nmaps] = *map;
	/* perf names anonymous memory "//anon"; proc_maps "". */
	if (!strcmp(path, "//anon"))
		path = "";
	len = path_len(path, &img->maps[img->nmaps].deleted);
	id = string_pool__intern(j->paths, path, len);
	if (id < 0)
		return (int)id;
	img->maps[img->nmaps++].path = (uint32_t)id;
	j->nmappings++;
	return 0;
}

/* A record's sample_id: its last 16 bytes, once the size is checked. */
static struct record_id record_id(const void *record, size_t size)
{
	struct record_id id;

	memcpy(&id, (const char *)record + size - sizeof(id), sizeof(id));
	return id;
}

/* Whether the string in [@s, @s + @len) ends within it. */
static bool bounded_string(const char *s, size_t len)
{
	return len && memchr(s, '\0', len) != NULL;
}

static int feed_mmap2(struct mapping_journal *j, const void *record, size_t size)
{
	struct {
		struct perf_event_header header;
		uint32_t pid, tid;
		uint64_t addr, len, pgoff;
		uint32_t maj, min;
		uint64_t ino, ino_generation;
		uint32_t prot, flags;
	} r;
	const char *path = (const char *)record + sizeof(r);
	struct record_id id = record_id(record, size);
	struct journal_image *img;

	if (size < sizeof(r) + sizeof(id))
		return -EINVAL;
	memcpy(&r, record, sizeof(r));
	if (r.header.misc & PERF_RECORD_MISC_MMAP_BUILD_ID)
		return -EINVAL; /* not asked for: no device and inode */
	if (!bounded_string(path, size - sizeof(r) - sizeof(id)) || !r.len ||
	    r.addr + r.len < r.addr)
		return -EINVAL;
	if (!(r.prot & PROT_EXEC))
		return 0;
	img = image_at(j, r.pid, id.time);
	if (!img)
		return 0; /* a process older than the journal */
	return image_add(j, img,
			 &(struct journal_mapping){ .start = r.addr,
						    .end = r.addr + r.len,
						    .pgoff = r.pgoff,
						    .dev = makedev(r.maj, r.min),
						    .ino = r.ino,
						    .time_ns = id.time },
			 path);
}

static int feed_comm(struct mapping_journal *j, const void *record, size_t size)
{
	const struct perf_event_header *h = record;
	const size_t fixed = sizeof(*h) + 2 * sizeof(uint32_t);
	struct record_id id = record_id(record, size);
	uint32_t pid;

	if (size < fixed + sizeof(id) ||
	    !bounded_string((const char *)record + fixed, size - fixed - sizeof(id)))
		return -EINVAL;
	if (!(h->misc & PERF_RECORD_MISC_COMM_EXEC))
		return 0; /* a rename (prctl): the image stays */
	memcpy(&pid, (const char *)record + sizeof(*h), sizeof(pid));
	return image_begin(j, pid, id.time, NULL);
}

/*
 * An image for @tgid, a process older than the journal (no record began one), read from the
 * process now: it has not changed since it forked, but for what it mapped since, which is in
 * the records. Returns it (borrowed), or NULL.
 */
static struct journal_image *older_image(struct mapping_journal *j, uint32_t tgid)
{
	struct journal_image *img;
	struct proc_map *maps;
	size_t n;
	int err;

	if (!j->read || j->read(j->read_ctx, tgid, &maps, &n))
		return NULL;
	/* From the beginning of time: every record of the process is later. */
	err = image_begin(j, tgid, 0, NULL);
	img = err ? NULL : image_at(j, tgid, 0);
	for (size_t i = 0; img && i < n; i++) {
		struct journal_mapping m = { .start = maps[i].start,
					     .end = maps[i].end,
					     .pgoff = maps[i].pgoff,
					     .dev = maps[i].dev,
					     .ino = maps[i].ino };

		if (!maps[i].exec || maps[i].end <= maps[i].start)
			continue;
		if (image_add(j, img, &m, maps[i].path))
			break;
		img->maps[img->nmaps - 1].deleted = maps[i].deleted;
	}
	free(maps);
	if (img)
		j->stats.older++;
	return img;
}

int mapping_journal__read_older(struct mapping_journal *j, uint32_t tgid)
{
	for (struct journal_image *img = *bucket_of(j, tgid); img; img = img->bucket_next)
		if (img->tgid == tgid)
			return 0;
	return older_image(j, tgid) ? 0 : -ESRCH;
}

static int feed_task(struct mapping_journal *j, const void *record, size_t size)
{
	struct {
		struct perf_event_header header;
		uint32_t pid, ppid, tid, ptid;
		uint64_t time;
	} r;
	struct journal_image *parent;

	if (size < sizeof(r) + sizeof(struct record_id))
		return -EINVAL;
	memcpy(&r, record, sizeof(r));
	if (r.header.type == PERF_RECORD_EXIT) {
		/* A thread's exit ends nothing; the process's last is its leader's (or reaps it). */
		if (r.pid == r.tid)
			image_end(j, r.pid, r.time);
		return 0;
	}
	if (r.pid == r.ppid)
		return 0; /* a new thread */
	parent = image_at(j, r.ppid, r.time);
	if (!parent)
		parent = older_image(j, r.ppid);
	/* A child of a process older than the journal, not read: its mappings are not known. */
	if (!parent)
		return 0;
	return image_begin(j, r.pid, r.time, parent);
}

int mapping_journal__feed(struct mapping_journal *j, const void *record, size_t size)
{
	struct perf_event_header h;
	uint64_t lost[2];
	int err;

	if (size < sizeof(h) + sizeof(struct record_id) || size > sizeof(h) + 256 + MAX_PATH_BYTES)
		goto malformed;
	memcpy(&h, record, sizeof(h));
	if (h.size != size)
		goto malformed;
	j->stats.records++;
	switch (h.type) {
	case PERF_RECORD_MMAP2:
		err = feed_mmap2(j, record, size);
		break;
	case PERF_RECORD_COMM:
		err = feed_comm(j, record, size);
		break;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		err = feed_task(j, record, size);
		break;
	case PERF_RECORD_LOST:
		if (size < sizeof(h) + sizeof(lost) + sizeof(struct record_id))
			goto malformed;
		memcpy(lost, (const char *)record + sizeof(h), sizeof(lost));
		j->stats.lost += lost[1];
		return 0;
	default:
		return 0;
	}
	if (err == -EINVAL)
		goto malformed;
	return err;

malformed:
	j->stats.malformed++;
	return -EINVAL;
}

void mapping_journal__reap(struct mapping_journal *j, uint64_t before_ns)
{
	for (size_t i = 0; i < j->nbuckets; i++) {
		struct journal_image **link = &j->buckets[i], *img;

		while ((img = *link)) {
			/*
			 * Ended by exit or by exec: a fork's image ended by its exec is as
			 * gone as an exited one, and holds its parent's image besides.
			 */
			if (img->end_ns != NO_END && img->end_ns < before_ns && img->refs == 1) {
				*link = img->bucket_next;
				journal_image__put(img);
				j->stats.reaped++;
				continue;
			}
			link = &img->bucket_next;
		}
	}
}

void mapping_journal__stats(const struct mapping_journal *j, struct mapping_journal_stats *stats)
{
	*stats = j->stats;
}

size_t journal_image__count(const struct journal_image *img)
{
	size_t n = 0;

	for (uint64_t until = NO_END; img; until = img->fork_ns, img = img->parent)
		for (size_t i = 0; i < img->nmaps; i++)
			n += img->maps[i].time_ns <= until;
	return n;
}

/* Newest first: a later mapping replaces what it overlaps. */
static int mapping_cmp_time(const void *a, const void *b)
{
	const struct journal_mapping *x = *(const struct journal_mapping *const *)a;
	const struct journal_mapping *y = *(const struct journal_mapping *const *)b;

	if (x->time_ns != y->time_ns)
		return x->time_ns > y->time_ns ? -1 : 1;
	return 0;
}

struct uncovered {
	const struct mapping_journal *j;
	struct proc_map *out;
	size_t n, cap;
};

/* Appends the parts of [@start, @end) of @m that no mapping in u->out[@from..@n0) covers. */
static void add_uncovered(struct uncovered *u, const struct journal_mapping *m, uint64_t start,
			  uint64_t end, size_t from, size_t n0)
{
	struct proc_map *out = u->out;

	for (size_t i = from; i < n0; i++) {
		if (out[i].end <= start || out[i].start >= end)
			continue;
		if (start < out[i].start)
			add_uncovered(u, m, start, out[i].start, i + 1, n0);
		if (out[i].end < end)
			add_uncovered(u, m, out[i].end, end, i + 1, n0);
		return;
	}
	if (u->n == u->cap)
		return; /* pieces of a pathological overlap, past what was allocated */
	out[u->n++] = (struct proc_map){
		.start = start,
		.end = end,
		.pgoff = m->pgoff + (start - m->start),
		.dev = m->dev,
		.ino = m->ino,
		.path = string_pool__str(u->j->paths, m->path),
		.deleted = m->deleted,
		.exec = true,
	};
}

int journal_image__mappings(const struct journal_image *img, struct proc_map **out, size_t *n)
{
	size_t total = journal_image__count(img), k = 0;
	struct uncovered u = { .j = img->journal };
	const struct journal_mapping **all;

	*out = NULL;
	*n = 0;
	if (!total)
		return 0;
	all = calloc(total, sizeof(*all));
	/* Each mapping splits at most in two around each newer one: bounded by 2 * total. */
	u.cap = 2 * total;
	u.out = calloc(u.cap, sizeof(*u.out));
	if (!all || !u.out) {
		free(all);
		free(u.out);
		return -ENOMEM;
	}
	for (uint64_t until = NO_END; img; until = img->fork_ns, img = img->parent)
		for (size_t i = 0; i < img->nmaps; i++)
			if (img->maps[i].time_ns <= until)
				all[k++] = &img->maps[i];
	qsort(all, total, sizeof(*all), mapping_cmp_time);
	for (size_t i = 0; i < total; i++)
		add_uncovered(&u, all[i], all[i]->start, all[i]->end, 0, u.n);
	free(all);
	*out = u.out;
	*n = u.n;
	return 0;
}
