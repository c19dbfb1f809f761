// SPDX-License-Identifier: GPL-2.0-only
#include "perf_map.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "number_scan.h"
#include "symbol_table.h"

/* Bytes read at once; with an unfinished line carried over, the most a read holds. */
#define PERF_MAP_READ_CHUNK (64 * 1024)
/*
 * No JIT emits a function this big; a bigger size is a corrupt line, and taking it would
 * shadow every other name in the process.
 */
#define PERF_MAP_MAX_SIZE (1ull << 32)
/*
 * The memory a kept line is charged: its name, and three entries of the table: its own,
 * the second half of one it cuts in two, and a gap after it when it is 4 GiB long. The
 * table holds no more after each read.
 */
#define LINE_COST(name_len) (3 * SYMBOL_TABLE_ENTRY_SIZE + (name_len) + 1)

/* Of two lines covering an address, the later one names it. */
static const struct symbol_table_opts perf_map_opts = { .rule = SYMBOL_TABLE_LATEST };

struct perf_map {
	struct symbol_table *table; /* also holds the names of lines overridden since */
	size_t lines;		    /* lines kept */
	size_t memory;		    /* bytes charged for them (see LINE_COST) */
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

static enum line_kind parse_line(const char *p, const char *end, uint64_t *start, uint64_t *size,
				 const char **name, size_t *name_len)
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

/*
 * Returns 1 when a range was added, 0 for an empty range or one past the limits, -errno.
 * @name_len is at most PERF_MAP_MAX_LINE.
 */
static int perf_map__add(struct perf_map *map, uint64_t start, uint64_t size, const char *name,
			 size_t name_len)
{
	struct symbol_spec spec = { .start = start, .size = size };
	char clean[PERF_MAP_MAX_LINE];
	int err;

	if (!size)
		return 0;
	if (!perf_map__fits(map, name_len)) {
		map->dropped++;
		return 0;
	}
	memcpy(clean, name, name_len);
	name__sanitize(clean, name_len);
	err = symbol_table__add(map->table, &spec, clean, name_len);
	if (err)
		return err;
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

/* Counts what a read since @before found in the totals. */
static void perf_map__commit(struct perf_map *map, const struct perf_map *before)
{
	struct perf_map_totals *t = map->totals;

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
	symbol_table__discard(map->table);
	map->lines = before->lines;
	map->memory = before->memory;
	map->bad_lines = before->bad_lines;
	map->dropped = before->dropped;
	map->consumed = before->consumed;
	map->read_end = before->read_end;
	map->skipping = before->skipping;
}

/* An empty table charged to @totals (may be NULL), or NULL without memory. */
static struct perf_map *perf_map__new(struct perf_map_totals *totals)
{
	struct perf_map *map = calloc(1, sizeof(*map));

	if (!map)
		return NULL;
	map->table = symbol_table__new(&perf_map_opts);
	if (!map->table) {
		free(map);
		return NULL;
	}
	map->totals = totals;
	return map;
}

int perf_map__parse(const char *buf, size_t len, struct perf_map_totals *totals,
		    struct perf_map **out)
{
	struct perf_map *map;
	ssize_t complete;
	int err;

	map = perf_map__new(totals);
	if (!map)
		return -ENOMEM;
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
	err = symbol_table__seal(map->table);
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
			"%zu MiB in all)\n",
			map->path, PERF_MAP_MAX_LINES, PERF_MAP_MAX_MEMORY >> 20,
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
		err = symbol_table__seal(map->table);
	if (err) {
		perf_map__undo(map, &before);
		return err;
	}
	map->truncated = size > PERF_MAP_MAX_FILE && map->read_end == PERF_MAP_MAX_FILE;
	perf_map__commit(map, &before);
	perf_map__report(map, before.bad_lines);
	return map->lines - before.lines;
}

static struct perf_map *perf_map__new_file(const char *path, uid_t owner,
					   struct perf_map_totals *totals, const struct stat *st)
{
	struct perf_map *map = perf_map__new(totals);

	if (!map)
		return NULL;
	map->path = strdup(path);
	if (!map->path) {
		perf_map__free(map);
		return NULL;
	}
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
	symbol_table__clear(map->table);
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
	if (st.st_dev != map->dev || st.st_ino != map->ino || (uint64_t)st.st_size < map->read_end)
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
	symbol_table__free(map->table);
	free(map->path);
	free(map);
}

const char *perf_map__find(const struct perf_map *map, uint64_t addr)
{
	return symbol_table__find(map->table, addr, NULL, NULL);
}

size_t perf_map__count(const struct perf_map *map)
{
	return symbol_table__count(map->table);
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
