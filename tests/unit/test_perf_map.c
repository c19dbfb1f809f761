// SPDX-License-Identifier: GPL-2.0-only
/*
 * Perf map files: the line format, bad lines, control characters, order, overlaps (the
 * later line wins), huge sizes, files that grow (read once, complete lines only), are
 * replaced, are huge or are not what they claim to be, and the limits on a table and on
 * all tables together.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "name_assert.h"

#include "perf_map.h"

static struct perf_map *parse(const char *text)
{
	struct perf_map *map = NULL;

	assert_int_equal(perf_map__parse(text, strlen(text), NULL, &map), 0);
	assert_non_null(map);
	return map;
}

static void assert_name(const struct perf_map *map, uint64_t addr, const char *want)
{
	assert_found_name(addr, perf_map__find(map, addr), want);
}

static void test_good_lines(void **state)
{
	struct perf_map *map;

	(void)state;
	map = parse("7f0000001000 40 LazyCompile:~main /app/index.js:1\n"
		    "0x7f0000002000 0x10 py::compute:/app/x.py\n"
		    "7F0000003000 8 Interpreter\r\n"
		    "  7f0000004000\t20\tname\twith\ttabs  \n"
		    "7f0000005000 10 last line without newline");
	assert_int_equal(perf_map__count(map), 5);
	assert_int_equal(perf_map__bad_lines(map), 0);
	assert_null(perf_map__path(map));
	assert_name(map, 0x7f0000001000, "LazyCompile:~main /app/index.js:1");
	assert_name(map, 0x7f000000103f, "LazyCompile:~main /app/index.js:1");
	assert_name(map, 0x7f0000001040, NULL);
	assert_name(map, 0x7f0000000fff, NULL);
	assert_name(map, 0x7f0000002008, "py::compute:/app/x.py");
	assert_name(map, 0x7f0000003007, "Interpreter");
	/* tabs inside the name are spaces */
	assert_name(map, 0x7f000000401f, "name with tabs");
	assert_name(map, 0x7f0000005000, "last line without newline");
	assert_name(map, 0, NULL);
	assert_name(map, UINT64_MAX, NULL);
	/* a table from text has no file behind it */
	assert_int_equal(perf_map__update(map), 0);
	perf_map__free(map);
	perf_map__free(NULL);
}

static void test_bad_lines(void **state)
{
	/* A NUL inside: parsed by length, as a file's bytes are. */
	static const char text[] = "\n"
				   "   \n"
				   "1000 10 good_one\n"
				   "garbage\n"
				   "2000 10\n"
				   "2000\n"
				   "3000 zz name\n"
				   "0x 10 name\n"
				   "12345678901234567 10 seventeen_digits\n"
				   "4000 10name\n"
				   "4000-10 name\n"
				   "5000 0 zero_size_is_not_bad\n"
				   "6000 10 good_two\n"
				   "ffffffffffffff00 200 wraps_around\n"
				   "7000 1000000000000 bigger_than_any_function\n"
				   "8000 10 nul\0byte\n"
				   "9000 10 \n"
				   "\n"
				   "a000 10";
	struct perf_map *map = NULL;

	(void)state;
	assert_int_equal(perf_map__parse(text, sizeof(text) - 1, NULL, &map), 0);
	assert_int_equal(perf_map__count(map), 2);
	/* every line but the good, empty and zero-size ones; a bad last line counts too */
	assert_int_equal(perf_map__bad_lines(map), 13);
	assert_name(map, 0x1008, "good_one");
	assert_name(map, 0x6000, "good_two");
	assert_name(map, 0x2000, NULL);
	assert_name(map, 0x5000, NULL);
	assert_name(map, 0x7000, NULL);
	assert_name(map, 0x8000, NULL);
	assert_name(map, 0xffffffffffffff80, NULL);
	perf_map__free(map);

	/* Nothing good at all is an empty table, not an error. */
	map = parse("no\ngood\nlines\n");
	assert_int_equal(perf_map__count(map), 0);
	assert_int_equal(perf_map__bad_lines(map), 3);
	assert_name(map, 0, NULL);
	perf_map__free(map);
	map = parse("");
	assert_int_equal(perf_map__count(map), 0);
	perf_map__free(map);
}

static void test_unsorted(void **state)
{
	struct perf_map *map;

	(void)state;
	map = parse("5000 100 e\n"
		    "1000 100 a\n"
		    "3000 100 c\n"
		    "2000 100 b\n"
		    "4000 100 d\n");
	assert_int_equal(perf_map__count(map), 5);
	assert_name(map, 0x1050, "a");
	assert_name(map, 0x2050, "b");
	assert_name(map, 0x3050, "c");
	assert_name(map, 0x4050, "d");
	assert_name(map, 0x50ff, "e");
	assert_name(map, 0x1100, NULL);
	assert_name(map, 0x5100, NULL);
	perf_map__free(map);
}

/* Code memory is reused: of two lines covering an address, the later one is the code now. */
static void test_overlapping(void **state)
{
	struct perf_map *map;

	(void)state;
	map = parse("1000 1000 old_big\n"    /* [1000, 2000) */
		    "1400 100 new_inside\n"  /* [1400, 1500) over old_big */
		    "1800 1000 new_across\n" /* [1800, 2800) over old_big's end */
		    "1400 100 newest_same\n" /* the same range again */
		    "2400 10 later_inside\n" /* inside new_across */
		    "f00 200 over_start\n"   /* [f00, 1100) over old_big's start */
		    "3000 100 alone\n"
		    "3000 100 alone\n"); /* a duplicate line */
	assert_name(map, 0xeff, NULL);
	assert_name(map, 0xf00, "over_start");
	assert_name(map, 0x10ff, "over_start");
	assert_name(map, 0x1100, "old_big");
	assert_name(map, 0x13ff, "old_big");
	assert_name(map, 0x1400, "newest_same");
	assert_name(map, 0x14ff, "newest_same");
	assert_name(map, 0x1500, "old_big");
	assert_name(map, 0x17ff, "old_big");
	assert_name(map, 0x1800, "new_across");
	assert_name(map, 0x1fff, "new_across");
	assert_name(map, 0x2000, "new_across");
	assert_name(map, 0x2400, "later_inside");
	assert_name(map, 0x240f, "later_inside");
	assert_name(map, 0x2410, "new_across");
	assert_name(map, 0x27ff, "new_across");
	assert_name(map, 0x2800, NULL);
	assert_name(map, 0x3050, "alone");
	/*
	 * Disjoint pieces: over_start, old_big, newest_same, old_big, new_across,
	 * later_inside, new_across, alone.
	 */
	assert_int_equal(perf_map__count(map), 8);
	perf_map__free(map);

	/* An older, bigger line does not hide a newer small one, whatever the order. */
	map = parse("2000 10 small_new\n1000 10000 big_newer\n1500 10 newest\n");
	assert_name(map, 0x2000, "big_newer");
	assert_name(map, 0x1500, "newest");
	assert_name(map, 0x1510, "big_newer");
	perf_map__free(map);
}

/* Sizes that are large but possible are kept; sizes no function has are refused. */
static void test_huge_sizes(void **state)
{
	struct perf_map *map;

	(void)state;
	map = parse("10000000 ffffffff just_under_4g\n"
		    "0 100000000 exactly_4g_from_0\n"
		    "ffffffffffffffff 1 last_byte\n"
		    "ffffffffffffffff 2 past_the_end\n"
		    "1 ffffffffffffffff everything\n"
		    "8000000000000000 8000000000000000 half_the_space\n");
	assert_int_equal(perf_map__bad_lines(map), 4);
	assert_name(map, 0x10000000 + 0xfffffffeull, "just_under_4g");
	assert_name(map, 0x0, "exactly_4g_from_0");
	assert_name(map, 0xffffffff, "exactly_4g_from_0");
	assert_name(map, 0xfffffffffffffffe, NULL);
	perf_map__free(map);
	/* ffffffffffffffff + 1 wraps to 0: refused */
	map = parse("ffffffffffffffff 1 last_byte\n");
	assert_int_equal(perf_map__bad_lines(map), 1);
	perf_map__free(map);
}

/* Control characters in a name would forge output lines or terminal escapes. */
static void test_control_characters(void **state)
{
	struct perf_map *map;

	(void)state;
	map = parse("1000 10 \x1b[2J\x1b]0;title\acr\rdel\x7f end\r\n"
		    "2000 10 caf\xc3\xa9\n");
	assert_int_equal(perf_map__count(map), 2);
	assert_name(map, 0x1000, "?[2J?]0;title?cr?del? end");
	/* not control characters: bytes of UTF-8 */
	assert_name(map, 0x2000, "caf\xc3\xa9");
	perf_map__free(map);
}

/* Many lines: sorted and searched, not scanned. */
static void test_many_lines(void **state)
{
	const size_t n = 100000;
	struct perf_map *map;
	char *text, *p;
	size_t i;

	(void)state;
	text = malloc(n * 48);
	assert_non_null(text);
	p = text;
	/* in reverse order, with every tenth line overriding half of the one before */
	for (i = n; i-- > 0;)
		p += sprintf(p, "%zx 40 f%zu\n", 0x10000 + i * 0x40, i);
	for (i = 0; i < n; i += 10)
		p += sprintf(p, "%zx 20 g%zu\n", 0x10000 + i * 0x40 + 0x20, i);
	assert_int_equal(perf_map__parse(text, p - text, NULL, &map), 0);
	assert_int_equal(perf_map__count(map), n + n / 10);
	assert_string_equal(perf_map__find(map, 0x10000 + 12345 * 0x40 + 0x3f), "f12345");
	assert_string_equal(perf_map__find(map, 0x10000 + 12340 * 0x40 + 0x3f), "g12340");
	assert_string_equal(perf_map__find(map, 0x10000 + 12340 * 0x40 + 0x1f), "f12340");
	assert_null(perf_map__find(map, 0x10000 + n * 0x40));
	perf_map__free(map);
	free(text);
}

static void write_file(const char *path, const char *text, const char *mode)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Overwrites @text at @off in @path, the file's size unchanged when it fits. */
static void write_at(const char *path, off_t off, const char *text)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, text, strlen(text), off), (ssize_t)strlen(text));
	close(fd);
}

static char *temp_file(char *path)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	return path;
}

/* A growing file is read on from where it was left; a line is used once it is complete. */
static void test_file_grows(void **state)
{
	char path[] = "/tmp/perf_map_test.XXXXXX";
	struct perf_map *map;

	(void)state;
	temp_file(path);
	assert_int_equal(perf_map__read(path, (uid_t)-1, NULL, &map), 0);
	assert_int_equal(perf_map__count(map), 0);
	assert_string_equal(perf_map__path(map), path);

	write_file(path, "1000 10 first\nbad line\n2000 10 half_wri", "a");
	assert_int_equal(perf_map__update(map), 1);
	assert_int_equal(perf_map__bad_lines(map), 1);
	assert_name(map, 0x1000, "first");
	/* the writer may be in the middle of the line */
	assert_name(map, 0x2000, NULL);
	/* nothing new: nothing read */
	assert_int_equal(perf_map__update(map), 0);

	write_file(path, "tten\n3000 10 third\n", "a");
	assert_int_equal(perf_map__update(map), 2);
	assert_name(map, 0x2000, "half_written");
	assert_name(map, 0x3000, "third");
	assert_int_equal(perf_map__bad_lines(map), 1);
	assert_int_equal(perf_map__count(map), 3);

	/* Cut to a shorter file in place: read from the start, old lines gone. */
	write_file(path, "4000 10 new\n", "w");
	assert_int_equal(perf_map__update(map), 1);
	assert_name(map, 0x4000, "new");
	assert_name(map, 0x1000, NULL);
	assert_int_equal(perf_map__bad_lines(map), 0);

	/* Gone: the table stays as it was. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(perf_map__update(map), -ENOENT);
	assert_name(map, 0x4000, "new");
	perf_map__free(map);
}

/* A file replaced by another (a new inode), even a longer one, is read from its start. */
static void test_file_replaced(void **state)
{
	char path[] = "/tmp/perf_map_test.XXXXXX", other[] = "/tmp/perf_map_new.XXXXXX";
	struct perf_map *map;

	(void)state;
	temp_file(path);
	temp_file(other);
	write_file(path, "1000 10 old\n", "w");
	assert_int_equal(perf_map__read(path, (uid_t)-1, NULL, &map), 0);
	assert_name(map, 0x1000, "old");
	write_file(other, "1000 10 new_first\n2000 10 new_second\nbad\n", "w");
	assert_int_equal(rename(other, path), 0);
	assert_int_equal(perf_map__update(map), 2);
	assert_name(map, 0x1000, "new_first");
	assert_name(map, 0x2000, "new_second");
	assert_int_equal(perf_map__count(map), 2);
	assert_int_equal(perf_map__bad_lines(map), 1);
	perf_map__free(map);
	unlink(path);
}

/*
 * Bytes read once are not read again: what is rewritten in place behind the point reached
 * is not seen, a file that did not grow is not read, and a line too long is skipped to its
 * end, however slowly it grows.
 */
static void test_file_not_read_again(void **state)
{
	char path[] = "/tmp/perf_map_test.XXXXXX", *text;
	size_t i, long_len = 3 * PERF_MAP_MAX_LINE;
	struct perf_map *map;

	(void)state;
	temp_file(path);
	write_file(path, "1000 10 first\n2000 10 unfinish", "w");
	assert_int_equal(perf_map__read(path, (uid_t)-1, NULL, &map), 0);
	assert_int_equal(perf_map__count(map), 1);
	/* Same size: a rewrite of what was read stays unseen. */
	write_at(path, 0, "3000 10 sneak\n");
	assert_int_equal(perf_map__update(map), 0);
	assert_name(map, 0x3000, NULL);
	assert_name(map, 0x1000, "first");

	/* A line longer than any allowed, written a little at a time, without its newline. */
	write_file(path, "ed\n", "a");
	assert_int_equal(perf_map__update(map), 1);
	assert_name(map, 0x2000, "unfinished");
	text = malloc(long_len + 1);
	assert_non_null(text);
	for (i = 0; i < long_len; i++)
		text[i] = 'x';
	text[long_len] = '\0';
	for (i = 0; i < 3; i++) {
		text[(i + 1) * PERF_MAP_MAX_LINE] = '\0';
		write_file(path, text + i * PERF_MAP_MAX_LINE, "a");
		text[(i + 1) * PERF_MAP_MAX_LINE] = 'x';
		assert_int_equal(perf_map__update(map), 0);
	}
	/* Good lines planted in the skipped part are not read: it is not read again. */
	write_at(path, 40, "\n5000 10 planted\n");
	write_file(path, "xx\n6000 10 after\n", "a");
	assert_int_equal(perf_map__update(map), 1);
	assert_name(map, 0x5000, NULL);
	assert_name(map, 0x6000, "after");
	/* the long line, once */
	assert_int_equal(perf_map__bad_lines(map), 1);
	assert_false(perf_map__truncated(map));
	perf_map__free(map);
	free(text);
	unlink(path);
}

/* Lines up to PERF_MAP_MAX_LINE bytes are read; longer ones are malformed. */
static void test_long_lines(void **state)
{
	size_t len = 2 * PERF_MAP_MAX_LINE + 100, n;
	char *text = malloc(len), *p = text;
	struct perf_map *map;

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "1000 10 ");
	n = PERF_MAP_MAX_LINE - (p - text);
	memset(p, 'a', n);
	p += n;
	*p++ = '\n';
	p += sprintf(p, "2000 10 ");
	memset(p, 'b', n + 1);
	p += n + 1;
	p += sprintf(p, "\n3000 10 short\n");
	assert_int_equal(perf_map__parse(text, p - text, NULL, &map), 0);
	assert_int_equal(strlen(perf_map__find(map, 0x1000)), PERF_MAP_MAX_LINE - 8);
	assert_name(map, 0x2000, NULL);
	assert_name(map, 0x3000, "short");
	assert_int_equal(perf_map__bad_lines(map), 1);
	perf_map__free(map);
	free(text);
}

/*
 * A sparse file of 10 GB: read only up to PERF_MAP_MAX_FILE, in chunks (memory does not
 * grow with it), and not again when it grows further.
 */
static void test_sparse_file(void **state)
{
	char path[] = "/tmp/perf_map_test.XXXXXX";
	struct rusage before, after;
	struct perf_map *map;
	int fd;

	(void)state;
	temp_file(path);
	write_file(path, "1000 10 before_the_hole\n", "w");
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 10ll << 30), 0);
	assert_int_equal(getrusage(RUSAGE_SELF, &before), 0);
	assert_int_equal(perf_map__read(path, (uid_t)-1, NULL, &map), 0);
	assert_int_equal(getrusage(RUSAGE_SELF, &after), 0);
	/* peak RSS, KiB: a chunk, not the file */
	if (after.ru_maxrss - before.ru_maxrss > 4096)
		fail_msg("reading the file took %ld KiB", after.ru_maxrss - before.ru_maxrss);
	assert_name(map, 0x1000, "before_the_hole");
	assert_true(perf_map__truncated(map));
	/* NULs without a newline: one line being written, not a bad one yet */
	assert_int_equal(perf_map__bad_lines(map), 0);
	assert_int_equal(ftruncate(fd, 20ll << 30), 0);
	assert_int_equal(perf_map__update(map), 0);
	assert_true(perf_map__truncated(map));
	assert_int_equal(perf_map__count(map), 1);
	close(fd);
	perf_map__free(map);
	unlink(path);
}

/* @n lines "ADDR 10 NAME" with names of @name_len bytes; the caller frees it. */
static char *many_lines(size_t n, size_t name_len, size_t *len)
{
	char *text = malloc(n * (name_len + 32)), *p = text;
	size_t i;

	assert_non_null(text);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%zx 10 %0*zu\n", 0x10000 + i * 0x10, (int)name_len, i);
	*len = p - text;
	return text;
}

/* A table keeps PERF_MAP_MAX_LINES lines and PERF_MAP_MAX_MEMORY bytes: the first ones. */
static void test_table_limits(void **state)
{
	struct perf_map_totals totals = { 0 };
	size_t n = PERF_MAP_MAX_LINES + 1000, len, kept;
	struct perf_map *map;
	char *text;

	(void)state;
	text = many_lines(n, 8, &len);
	assert_int_equal(perf_map__parse(text, len, &totals, &map), 0);
	free(text);
	assert_int_equal(perf_map__count(map), PERF_MAP_MAX_LINES);
	assert_int_equal(perf_map__dropped(map), 1000);
	assert_int_equal(totals.dropped, 1000);
	assert_name(map, 0x10000, "00000000");
	assert_name(map, 0x10000 + (PERF_MAP_MAX_LINES - 1) * 0x10, "00131071");
	assert_name(map, 0x10000 + PERF_MAP_MAX_LINES * 0x10, NULL);
	assert_true(totals.memory <= PERF_MAP_MAX_MEMORY);
	perf_map__free(map);
	assert_int_equal(totals.memory, 0);

	/* Long names: the memory is the limit. */
	n = 2 * PERF_MAP_MAX_MEMORY / 4000;
	text = many_lines(n, 4000, &len);
	assert_int_equal(perf_map__parse(text, len, &totals, &map), 0);
	free(text);
	kept = perf_map__count(map);
	assert_true(kept > n / 3 && kept < n / 2 + 1);
	assert_int_equal(perf_map__dropped(map), n - kept);
	assert_true(totals.memory <= PERF_MAP_MAX_MEMORY);
	assert_true(totals.memory > PERF_MAP_MAX_MEMORY - 8192);
	perf_map__free(map);
	assert_int_equal(totals.memory, 0);
}

/*
 * Tables charged to one struct perf_map_totals take no more than its memory_limit
 * together; what one gives back (freed, or its file replaced) the others may take.
 */
static void test_totals(void **state)
{
	struct perf_map_totals totals = { .memory_limit = 1 << 20 };
	char path[] = "/tmp/perf_map_test.XXXXXX", other[] = "/tmp/perf_map_new.XXXXXX";
	struct perf_map *first, *second;
	size_t len, n = 10000;
	char *text;

	(void)state;
	/* 10000 lines charged about 70 bytes each: 700 KiB, twice more than 1 MiB */
	text = many_lines(n, 20, &len);
	temp_file(path);
	temp_file(other);
	write_file(path, text, "w");
	assert_int_equal(perf_map__read(path, (uid_t)-1, &totals, &first), 0);
	assert_int_equal(perf_map__count(first), n);
	assert_int_equal(perf_map__parse(text, len, &totals, &second), 0);
	assert_true(perf_map__count(second) < n * 6 / 10);
	assert_true(totals.memory <= totals.memory_limit);
	assert_int_equal(totals.dropped, n - perf_map__count(second));

	/* Its file replaced by a short one, the first gives back what it held. */
	write_file(other, "1000 10 short\n", "w");
	assert_int_equal(rename(other, path), 0);
	assert_int_equal(perf_map__update(first), 1);
	assert_true(totals.memory < 4096 + (1 << 20) / 2);
	perf_map__free(second);
	assert_int_equal(perf_map__parse(text, len, &totals, &second), 0);
	assert_int_equal(perf_map__count(second), n);
	perf_map__free(second);
	perf_map__free(first);
	assert_int_equal(totals.memory, 0);
	free(text);
	unlink(path);
}

/* Only regular files, not through a symlink, owned by root or the process's user. */
static void test_file_refused(void **state)
{
	char dir[] = "/tmp/perf_map_dir.XXXXXX", path[256], link[256], fifo[256];
	struct perf_map *map = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/perf-1.map", dir);
	snprintf(link, sizeof(link), "%s/perf-2.map", dir);
	snprintf(fifo, sizeof(fifo), "%s/perf-3.map", dir);

	assert_int_equal(perf_map__read(path, (uid_t)-1, NULL, &map), -ENOENT);
	write_file(path, "1000 10 f\n", "w");
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(perf_map__read(link, (uid_t)-1, NULL, &map), -EINVAL);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(perf_map__read(fifo, (uid_t)-1, NULL, &map), -EINVAL);
	assert_int_equal(perf_map__read(dir, (uid_t)-1, NULL, &map), -EINVAL);
	assert_null(map);

	/* Owned by us: fine for us as the owner, and for root-owned files anyone. */
	assert_int_equal(perf_map__read(path, geteuid(), NULL, &map), 0);
	perf_map__free(map);
	if (geteuid() == 0) {
		assert_int_equal(perf_map__read(path, 4242, NULL, &map), 0);
		perf_map__free(map);
		/* another user's file is not the process's */
		assert_int_equal(chown(path, 4343, 4343), 0);
		assert_int_equal(perf_map__read(path, 4242, NULL, &map), -EPERM);
		assert_int_equal(perf_map__read(path, 4343, NULL, &map), 0);
		perf_map__free(map);
	} else {
		assert_int_equal(perf_map__read(path, geteuid() + 1, NULL, &map), -EPERM);
	}

	unlink(path);
	unlink(link);
	unlink(fifo);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_lines),    cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_unsorted),      cmocka_unit_test(test_overlapping),
		cmocka_unit_test(test_huge_sizes),    cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_many_lines),    cmocka_unit_test(test_file_grows),
		cmocka_unit_test(test_file_replaced), cmocka_unit_test(test_file_not_read_again),
		cmocka_unit_test(test_long_lines),    cmocka_unit_test(test_sparse_file),
		cmocka_unit_test(test_table_limits),  cmocka_unit_test(test_totals),
		cmocka_unit_test(test_file_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
