// SPDX-License-Identifier: GPL-2.0-only
#include "perf_map.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "symbol_names.h"
#include "number_scan.h"

/* Bytes read at once; with an unfinished line carried over, the most a read holds. */
#define PERF_MAP_READ_CHUNK (64 * 1024)
/*
 * No JIT emits a function this big; a bigger size is a corrupt line, and taking it would
 * shadow every other name in the process.
 */
#define PERF_MAP_MAX_SIZE (1ull << 32)
/*
 * The memory a kept line is charged: its name, and its range twice, as a later line may
 * cut it in two. The table is trimmed to no more after each read.
 */
#define LINE_COST(name_len) (2 * sizeof(struct perf_sym) + (name_len) + 1)

/* A named range; in the table they are disjoint and sorted by start. */
struct perf_sym {
	uint64_t start;
	uint64_t end;
	uint32_t name; /* offset in perf_map.names */
	uint32_t seq;  /* order of the line in the file: of two overlapping lines, later wins */
};

struct perf_map {
	struct perf_sym *syms;
	size_t nr_syms;
	size_t cap;
	struct name_buffer names; /* also holds names of lines overridden since */
	uint32_t next_seq;
	size_t lines;  /* lines kept */
	size_t memory; /* bytes charged for them (see LINE_COST) */
	size_t bad_lines;
	size_t dropped;
	struct perf_map_totals *totals; /* borrowed, or NULL */
	bool warned;
	/* The file behind the table; path is NULL for a table from perf_map__parse(). */
	char *path;
	uid_t owner;
	dev_t dev;
	ino_t ino;
	uint64_t consumed; /* bytes of complete lines read */
	uint64_t read_end; /* bytes read: the line from consumed on is unfinished there */
	bool skipping;	   /* that line is too long already: skipped up to its newline */
	bool truncated;	   /* the file is longer than PERF_MAP_MAX_FILE */
	bool warned_truncated;
	bool warned_dropped;
};

enum line_kind {
	LINE_EMPTY,
	LINE_GOOD,
	LINE_BAD,
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Skips at least one blank; false when there is none. */
static bool skip_blanks(const char **pp, const char *end)
{
	const char *p = *pp;

	while (p < end && is_blank(*p))
		p++;
	if (p == *pp)
		return false;
	*pp = p;
	return true;
}

static enum line_kind parse_line(const char *p, const char *end, uint64_t *start,
				 uint64_t *size, const char **name, size_t *name_len)
{
	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	if (p == end)
		return LINE_EMPTY;
	if (!scan_hex_0x(&p, end, start) || !skip_blanks(&p, end) || !scan_hex_0x(&p, end, size) ||
	    !skip_blanks(&p, end) || p == end)
		return LINE_BAD;
	/* A NUL would cut the name short where it is printed. */
	if (memchr(p, '\0', end - p))
		return LINE_BAD;
	if (*size > PERF_MAP_MAX_SIZE || *start + *size < *start)
		return LINE_BAD;
	*name = p;
	*name_len = end - p;
	return LINE_GOOD;
}

/*
 * Control characters would forge lines or terminal escapes where the name is printed:
 * a tab becomes a space, the others '?'.
 */
static void name__sanitize(char *name, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c == '\t')
			name[i] = ' ';
		else if (c < 0x20 || c == 0x7f)
			name[i] = '?';
	}
}

/* Whether a line whose name is @name_len bytes long is within the limits. */
static bool perf_map__fits(const struct perf_map *map, size_t name_len)
{
	const struct perf_map_totals *t = map->totals;
	size_t cost = LINE_COST(name_len);

	return map->lines < PERF_MAP_MAX_LINES && map->memory + cost <= PERF_MAP_MAX_MEMORY &&
	       (!t || !t->memory_limit || t->memory + cost <= t->memory_limit);
}

/* Returns 1 when a range was added, 0 for an empty range or one past the limits, -errno. */
static int perf_map__add(struct perf_map *map, uint64_t start, uint64_t size, const char *name,
			 size_t name_len)
{
	struct perf_sym *sym;
	int err;

	if (!size)
		return 0;
	if (!perf_map__fits(map, name_len)) {
		map->dropped++;
		return 0;
	}
	err = array__reserve(&map->syms, &map->cap, map->nr_syms + 1, sizeof(*map->syms));
	if (err)
		return err;
	sym = &map->syms[map->nr_syms];
	err = name_buffer__add(&map->names, name, name_len, UINT32_MAX, &sym->name);
	if (err)
		return err;
	name__sanitize(map->names.data + sym->name, name_len);
	sym->start = start;
	sym->end = start + size;
	sym->seq = map->next_seq++;
	map->nr_syms++;
	map->lines++;
	map->memory += LINE_COST(name_len);
	if (map->totals)
		map->totals->memory += LINE_COST(name_len);
	return 1;
}

/* Adds the line @line[0..@end) (without its newline). Returns 0 or -errno. */
static int perf_map__add_line(struct perf_map *map, const char *line, const char *end)
{
	const char *name;
	uint64_t start, size;
	size_t name_len;
	int ret;

	if (end - line > PERF_MAP_MAX_LINE) {
		map->bad_lines++;
		return 0;
	}
	switch (parse_line(line, end, &start, &size, &name, &name_len)) {
	case LINE_GOOD:
		ret = perf_map__add(map, start, size, name, name_len);
		return ret < 0 ? ret : 0;
	case LINE_BAD:
		map->bad_lines++;
		return 0;
	case LINE_EMPTY:
		return 0;
	}
	return 0;
}

/*
 * Adds the complete lines of @buf[0..@len). A line left too long by the last call
 * (map->skipping) ends at the first newline, one malformed line. Returns the bytes of the
 * complete lines (up to the last newline), or -errno.
 */
static ssize_t perf_map__add_lines(struct perf_map *map, const char *buf, size_t len)
{
	const char *line = buf, *end = buf + len, *nl;
	int err;

	for (; (nl = memchr(line, '\n', end - line)); line = nl + 1) {
		if (map->skipping) {
			map->skipping = false;
			map->bad_lines++;
			continue;
		}
		err = perf_map__add_line(map, line, nl);
		if (err)
			return err;
	}
	return line - buf;
}

static int perf_sym__cmp(const void *a, const void *b)
{
	const struct perf_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int u64__cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A max-heap of indices into syms, by seq: the latest line covering the sweep point on top. */
struct seq_heap {
	const struct perf_sym *syms;
	size_t *items;
	size_t len;
};

static void heap__push(struct seq_heap *h, size_t idx)
{
	size_t i = h->len++, parent;

	while (i && h->syms[h->items[parent = (i - 1) / 2]].seq < h->syms[idx].seq) {
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i] = idx;
}

static void heap__pop(struct seq_heap *h)
{
	size_t last = h->items[--h->len], i = 0, child;

	while ((child = 2 * i + 1) < h->len) {
		if (child + 1 < h->len &&
		    h->syms[h->items[child + 1]].seq > h->syms[h->items[child]].seq)
			child++;
		if (h->syms[h->items[child]].seq <= h->syms[last].seq)
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	if (h->len)
		h->items[i] = last;
}

/*
 * Cuts overlapping ranges (sorted by start) into disjoint ones, each piece of the address
 * space going to the latest line that covers it: a sweep over every range boundary with
 * the covering lines in a heap. Each line cuts at most one piece in two besides adding
 * its own, so the pieces of m disjoint ones and k new ones are at most @max = m + 2k.
 */
static int perf_map__sweep(struct perf_map *map, size_t max)
{
	size_t n = map->nr_syms, nb = 0, i, k, next = 0, nout = 0;
	struct seq_heap heap = { .syms = map->syms };
	struct perf_sym *out = NULL, *last;
	uint64_t *bounds;
	int err = -ENOMEM;

	bounds = malloc(2 * n * sizeof(*bounds));
	heap.items = malloc(n * sizeof(*heap.items));
	out = malloc(max * sizeof(*out));
	if (!bounds || !heap.items || !out)
		goto out_free;
	for (i = 0; i < n; i++) {
		bounds[nb++] = map->syms[i].start;
		bounds[nb++] = map->syms[i].end;
	}
	qsort(bounds, nb, sizeof(*bounds), u64__cmp);
	for (i = k = 0; i < nb; i++)
		if (!k || bounds[k - 1] != bounds[i])
			bounds[k++] = bounds[i];
	nb = k;

	for (k = 0; k + 1 < nb; k++) {
		uint64_t x = bounds[k];
		const struct perf_sym *top;

		while (next < n && map->syms[next].start <= x)
			heap__push(&heap, next++);
		while (heap.len && map->syms[heap.items[0]].end <= x)
			heap__pop(&heap);
		if (!heap.len)
			continue;
		top = &map->syms[heap.items[0]];
		last = nout ? &out[nout - 1] : NULL;
		if (last && last->end == x && last->seq == top->seq) {
			last->end = bounds[k + 1];
			continue;
		}
		if (nout == max) {
			err = -EOVERFLOW;
			goto out_free;
		}
		out[nout] = *top;
		out[nout].start = x;
		out[nout].end = bounds[k + 1];
		nout++;
	}
	free(map->syms);
	map->syms = out;
	map->nr_syms = nout;
	map->cap = max;
	out = NULL;
	err = 0;

out_free:
	free(out);
	free(heap.items);
	free(bounds);
	return err;
}

/*
 * Sorts the ranges added from @first on into the ones before (sorted and disjoint), and
 * makes them all disjoint. On failure, ranges of lines from @first_seq on are dropped,
 * which leaves the table as it was before they were added.
 */
static int perf_map__normalize(struct perf_map *map, size_t first, uint32_t first_seq)
{
	size_t n = map->nr_syms, k = n - first, i, j, w;
	struct perf_sym *added;
	uint64_t max_end = 0;
	int err;

	if (!k)
		return 0;
	/* Only the new ranges are sorted: a table read again and again is merged, not sorted. */
	qsort(map->syms + first, k, sizeof(*map->syms), perf_sym__cmp);
	if (first && perf_sym__cmp(&map->syms[first - 1], &map->syms[first]) > 0) {
		added = malloc(k * sizeof(*added));
		if (!added) {
			err = -ENOMEM;
			goto out_drop;
		}
		memcpy(added, map->syms + first, k * sizeof(*added));
		/* From the back: every slot is read before it is written. */
		for (i = first, j = k, w = n; j;) {
			if (i && perf_sym__cmp(&map->syms[i - 1], &added[j - 1]) > 0)
				map->syms[--w] = map->syms[--i];
			else
				map->syms[--w] = added[--j];
		}
		free(added);
	}
	for (i = 0; i < n; i++) {
		if (i && map->syms[i].start < max_end)
			break;
		if (map->syms[i].end > max_end)
			max_end = map->syms[i].end;
	}
	if (i == n)
		return 0;
	err = perf_map__sweep(map, first + 2 * k);
	if (!err)
		return 0;

out_drop:
	for (i = j = 0; i < map->nr_syms; i++)
		if (map->syms[i].seq < first_seq)
			map->syms[j++] = map->syms[i];
	map->nr_syms = j;
	return err;
}

/* Gives back what growing took beyond the table: it holds no more than it was charged. */
static void perf_map__trim(struct perf_map *map)
{
	struct perf_sym *syms;
	char *names;

	if (map->nr_syms && map->cap > map->nr_syms) {
		syms = realloc(map->syms, map->nr_syms * sizeof(*syms));
		if (syms) {
			map->syms = syms;
			map->cap = map->nr_syms;
		}
	}
	if (map->names.len && map->names.cap > map->names.len) {
		names = realloc(map->names.data, map->names.len);
		if (names) {
			map->names.data = names;
			map->names.cap = map->names.len;
		}
	}
}

/* Counts what a read since @before found in the totals. */
static void perf_map__commit(struct perf_map *map, const struct perf_map *before)
{
	struct perf_map_totals *t = map->totals;

	perf_map__trim(map);
	if (!t)
		return;
	t->bad_lines += map->bad_lines - before->bad_lines;
	t->dropped += map->dropped - before->dropped;
	t->truncated += map->truncated && !before->truncated;
}

/* Takes back a failed read: the table as it was @before. */
static void perf_map__undo(struct perf_map *map, const struct perf_map *before)
{
	if (map->totals)
		map->totals->memory -= map->memory - before->memory;
	/* Before normalize the new ranges are the last ones; after a failed one, gone. */
	if (map->nr_syms > before->nr_syms)
		map->nr_syms = before->nr_syms;
	map->names.len = before->names.len;
	map->next_seq = before->next_seq;
	map->lines = before->lines;
	map->memory = before->memory;
	map->bad_lines = before->bad_lines;
	map->dropped = before->dropped;
	map->consumed = before->consumed;
	map->read_end = before->read_end;
	map->skipping = before->skipping;
}

int perf_map__parse(const char *buf, size_t len, struct perf_map_totals *totals,
		    struct perf_map **out)
{
	struct perf_map *map;
	ssize_t complete;
	int err;

	map = calloc(1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	map->totals = totals;
	complete = perf_map__add_lines(map, buf, len);
	if (complete < 0) {
		err = complete;
		goto out_free;
	}
	/* Nothing will be appended: the last line is complete too. */
	if ((size_t)complete < len) {
		err = perf_map__add_line(map, buf + complete, buf + len);
		if (err)
			goto out_free;
	}
	err = perf_map__normalize(map, 0, 0);
	if (err)
		goto out_free;
	perf_map__commit(map, &(const struct perf_map){ 0 });
	*out = map;
	return 0;

out_free:
	perf_map__free(map);
	return err;
}

/* Opens @path as perf_map__read() accepts it. Returns an fd or -errno; fills @st. */
static int perf_map__open(const char *path, uid_t owner, struct stat *st)
{
	int fd;

	/* No symlinks: the file must be the one the process wrote, not one it points at. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return errno == ELOOP ? -EINVAL : -errno;
	if (fstat(fd, st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if (owner != (uid_t)-1 && st->st_uid != 0 && st->st_uid != owner) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/*
 * Adds the lines of @fd completed since the last read, reading on from there up to @size
 * (the file's size now) or PERF_MAP_MAX_FILE, a chunk at a time: memory does not grow
 * with the file. Returns 0 or -errno.
 */
static int perf_map__read_lines(struct perf_map *map, int fd, uint64_t size)
{
	uint64_t end = size < PERF_MAP_MAX_FILE ? size : PERF_MAP_MAX_FILE;
	/* An unfinished line is read again, unless it is being skipped. */
	uint64_t off = map->skipping ? map->read_end : map->consumed;
	size_t carry = 0, len, want;
	ssize_t n, done;
	char *buf;
	int err = 0;

	/* buf[0..carry) is the unfinished line, at offset off - carry in the file. */
	buf = malloc(PERF_MAP_READ_CHUNK + PERF_MAP_MAX_LINE);
	if (!buf)
		return -ENOMEM;
	while (off < end) {
		want = end - off < PERF_MAP_READ_CHUNK ? end - off : PERF_MAP_READ_CHUNK;
		n = pread(fd, buf + carry, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		/* Cut short since it was measured. */
		if (!n)
			break;
		off += n;
		len = carry + n;
		done = perf_map__add_lines(map, buf, len);
		if (done < 0) {
			err = done;
			break;
		}
		if (done)
			map->consumed = off - len + done;
		carry = len - done;
		if (map->skipping || carry > PERF_MAP_MAX_LINE) {
			map->skipping = true;
			carry = 0;
		} else {
			memmove(buf, buf + done, carry);
		}
	}
	map->read_end = off;
	free(buf);
	return err;
}

/* Warns once per table of each limit, whatever the writer does next (replacing the file). */
static void perf_map__report(struct perf_map *map, size_t bad_before)
{
	if (map->truncated && !map->warned_truncated) {
		pr_warn("perf map %s: only the first %u MiB are read\n", map->path,
			PERF_MAP_MAX_FILE >> 20);
		map->warned_truncated = true;
	}
	if (map->dropped && !map->warned_dropped) {
		pr_warn("perf map %s: lines past the limits dropped (%u lines or %u MiB a map, "
			"%zu MiB in all)\n", map->path, PERF_MAP_MAX_LINES, PERF_MAP_MAX_MEMORY >> 20,
			map->totals ? map->totals->memory_limit >> 20 : 0);
		map->warned_dropped = true;
	}
	if (map->bad_lines == bad_before)
		return;
	/* Once per file at warning level: a writer that keeps writing bad lines is one problem. */
	if (!map->warned)
		pr_warn("perf map %s: %zu malformed lines skipped\n", map->path, map->bad_lines);
	else
		pr_debug("perf map %s: %zu malformed lines skipped\n", map->path,
			 map->bad_lines - bad_before);
	map->warned = true;
}

/*
 * Adds the lines of @fd, of @size bytes now, completed since the last read. Returns the
 * lines added or -errno; on failure the table is as it was.
 */
static int perf_map__load(struct perf_map *map, int fd, uint64_t size)
{
	const struct perf_map before = *map;
	int err;

	err = perf_map__read_lines(map, fd, size);
	if (!err)
		err = perf_map__normalize(map, before.nr_syms, before.next_seq);
	if (err) {
		perf_map__undo(map, &before);
		return err;
	}
	map->truncated = size > PERF_MAP_MAX_FILE && map->read_end == PERF_MAP_MAX_FILE;
	perf_map__commit(map, &before);
	perf_map__report(map, before.bad_lines);
	return map->next_seq - before.next_seq;
}

static struct perf_map *perf_map__new_file(const char *path, uid_t owner,
					   struct perf_map_totals *totals, const struct stat *st)
{
	struct perf_map *map = calloc(1, sizeof(*map));

	if (!map)
		return NULL;
	map->path = strdup(path);
	if (!map->path) {
		free(map);
		return NULL;
	}
	map->totals = totals;
	map->owner = owner;
	map->dev = st->st_dev;
	map->ino = st->st_ino;
	return map;
}

int perf_map__read(const char *path, uid_t owner, struct perf_map_totals *totals,
		   struct perf_map **out)
{
	struct perf_map *map;
	struct stat st;
	int fd, err;

	fd = perf_map__open(path, owner, &st);
	if (fd < 0)
		return fd;
	map = perf_map__new_file(path, owner, totals, &st);
	if (!map) {
		err = -ENOMEM;
		goto out_close;
	}
	err = perf_map__load(map, fd, st.st_size);
	if (err < 0)
		goto out_free;
	close(fd);
	*out = map;
	return 0;

out_free:
	perf_map__free(map);
out_close:
	close(fd);
	return err;
}

/* Frees the lines of the file, replaced by the one of @st. */
static void perf_map__reset(struct perf_map *map, const struct stat *st)
{
	if (map->totals)
		map->totals->memory -= map->memory;
	free(map->syms);
	free(map->names.data);
	map->syms = NULL;
	map->nr_syms = map->cap = 0;
	memset(&map->names, 0, sizeof(map->names));
	map->lines = map->memory = 0;
	map->bad_lines = map->dropped = 0;
	map->dev = st->st_dev;
	map->ino = st->st_ino;
	map->consumed = 0;
	map->read_end = 0;
	map->skipping = false;
	map->truncated = false;
}

int perf_map__update(struct perf_map *map)
{
	struct stat st;
	int fd, ret = 0;

	if (!map->path)
		return 0;
	fd = perf_map__open(map->path, map->owner, &st);
	if (fd < 0)
		return fd;
	/* Shrunk or replaced: the old lines describe code that may be gone. */
	if (st.st_dev != map->dev || st.st_ino != map->ino ||
	    (uint64_t)st.st_size < map->read_end)
		perf_map__reset(map, &st);
	/* Grown since: an unchanged file costs no read, a file past the limit none either. */
	if ((uint64_t)st.st_size > map->read_end && map->read_end < PERF_MAP_MAX_FILE)
		ret = perf_map__load(map, fd, st.st_size);
	close(fd);
	return ret;
}

void perf_map__free(struct perf_map *map)
{
	if (!map)
		return;
	if (map->totals)
		map->totals->memory -= map->memory;
	free(map->syms);
	free(map->names.data);
	free(map->path);
	free(map);
}

const char *perf_map__find(const struct perf_map *map, uint64_t addr)
{
	size_t lo = 0, hi = map->nr_syms;
	const struct perf_sym *sym;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	sym = &map->syms[lo - 1];
	return addr < sym->end ? map->names.data + sym->name : NULL;
}

size_t perf_map__count(const struct perf_map *map)
{
	return map->nr_syms;
}

size_t perf_map__bad_lines(const struct perf_map *map)
{
	return map->bad_lines;
}

size_t perf_map__dropped(const struct perf_map *map)
{
	return map->dropped;
}

bool perf_map__truncated(const struct perf_map *map)
{
	return map->truncated;
}

const char *perf_map__path(const struct perf_map *map)
{
	return map->path;
}
