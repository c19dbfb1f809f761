// SPDX-License-Identifier: GPL-2.0-only
/*
 * The local store: interval names, the lock, leftovers of a crash, what list sees, the size
 * and age limits, and failed writes that leave the store as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "temp_dir.h"

#include "compress.h"
#include "log.h"
#include "store.h"

#define NS_PER_MS 1000000ull
#define NS_PER_SEC 1000000000ull
#define HOUR_NS (3600 * NS_PER_SEC)
#define PATH_LEN 1024
/* 2026-11-21T10:02:00.123Z */
#define SOME_START (1795255320ull * NS_PER_SEC + 123 * NS_PER_MS)

struct fixture {
	char dir[64];	 /* made fresh for each test, removed after */
	char store[128]; /* dir/store: absent at the start */
	mode_t old_umask;
};

static int setup_dir(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/bpfprof-store-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->store, sizeof(fx->store), "%s/store", fx->dir);
	fx->old_umask = umask(022);
	*state = fx;
	return 0;
}

static int teardown_dir(void **state)
{
	struct fixture *fx = *state;

	umask(fx->old_umask);
	temp_dir__remove(fx->dir);
	free(fx);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void fill_random(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
}

/* @dir/@name into @out (PATH_LEN). */
static void join_path(char *out, const char *dir, const char *name)
{
	assert_true(snprintf(out, PATH_LEN, "%s/%s", dir, name) < PATH_LEN);
}

static void touch(const char *dir, const char *name, const char *content)
{
	char path[PATH_LEN];
	FILE *f;

	join_path(path, dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static int exists(const char *dir, const char *name)
{
	char path[PATH_LEN];

	join_path(path, dir, name);
	return access(path, F_OK) == 0;
}

static int count_temp_files(const char *dir)
{
	char cmd[PATH_LEN];
	int n = 0;
	FILE *p;

	n = snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -c '^\\..*\\.tmp$'", dir);
	assert_true(n < (int)sizeof(cmd));
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

/* store__read() of @dir/@name, as a reader opens it; the reason to @why (256 bytes). */
static int read_file(const char *dir, const char *name, void **raw, size_t *len, char *why)
{
	int fd = store__open_dir(dir, false), err;

	if (fd < 0)
		return fd;
	err = store__read(fd, name, raw, len, why, 256);
	close(fd);
	return err;
}

/* store__list() of the folder @dir, as a reader opens it. */
static int list(const char *dir, struct store_entry **entries, size_t *n)
{
	int fd = store__open_dir(dir, false), err;

	if (fd < 0)
		return fd;
	err = store__list(fd, entries, n, NULL);
	close(fd);
	return err;
}

static struct store *open_store(const char *dir, uint64_t max_size, uint64_t max_age_ns)
{
	struct store_opts opts = { .dir = dir, .max_size = max_size, .max_age_ns = max_age_ns };
	struct store *store = NULL;

	assert_int_equal(store__open(&opts, &store), 0);
	assert_non_null(store);
	return store;
}

static void test_names(void **state)
{
	static const char *const bad[] = {
		"",
		"20261121T100200.123Z.pb.zs",
		"20261121T100200.123Z.pb.zst.tmp",
		".20261121T100200.123Z.pb.zst.tmp",
		"20261121T100200.123Z.pb.gz",
		"20261121t100200.123Z.pb.zst",
		"20261121T100200.123z.pb.zst",
		"20261121T100200,123Z.pb.zst",
		"20261121T100200.12Z.pb.zst",
		"20261121T100200.1234Z.pb.zst",
		"2026112T1100200.123Z.pb.zst",
		" 20261121T100200.123Z.pb.zs",
		"+2026121T100200.123Z.pb.zst",
		"2026-1121T00200.123Z.pb.zst",
		"20261321T100200.123Z.pb.zst", /* month 13 */
		"20261100T100200.123Z.pb.zst", /* day 0 */
		"20261131T100200.123Z.pb.zst", /* 31 November */
		"20230229T100200.123Z.pb.zst", /* not a leap year */
		"21000229T100200.123Z.pb.zst", /* nor is 2100 */
		"20261121T240000.000Z.pb.zst",
		"20261121T236000.000Z.pb.zst",
		"20261121T235960.000Z.pb.zst", /* leap seconds are never written */
		"19691231T235959.999Z.pb.zst", /* before the epoch */
		"99991231T235959.999Z.pb.zst", /* past uint64_t nanoseconds */
		"25540721T233433.710Z.pb.zst", /* by one millisecond */
		"notes.txt",
		".lock",
		"000000000000-20261121T100200.123Z.pb.zst", /* sequence 0 is never written */
		"00000000001-20261121T100200.123Z.pb.zst",
		"0000000000001-20261121T100200.123Z.pb.zst",
		"000000000001_20261121T100200.123Z.pb.zst",
		"00000000000x-20261121T100200.123Z.pb.zst",
		"000000000001-20261121T100200.123Z.pb.zs",
		"000000000001-20261321T100200.123Z.pb.zst",
		"000000000001-20261121T100200.123Z.pb.zst.tmp",
	};
	char name[STORE_NAME_MAX];
	uint64_t seq, start,
		cases[] = { 0, 1, 999999, NS_PER_MS, SOME_START, SOME_START + 876 * NS_PER_MS,
			    /* 2024-02-29T23:59:59.999Z */
			    1709251199999ull * NS_PER_MS,
			    /* 2554-07-21T23:34:33.709Z: the last ms that fits */
			    UINT64_MAX / NS_PER_MS * NS_PER_MS };

	(void)state;
	store__format_name(42, SOME_START + 456789, name);
	assert_string_equal(name, "000000000042-20261121T100200.123Z.pb.zst");
	assert_int_equal(store__parse_name(name, &seq, &start), 0);
	assert_int_equal(seq, 42);
	assert_int_equal(start, SOME_START);
	store__format_name(999999999999ull, 0, name);
	assert_string_equal(name, "999999999999-19700101T000000.000Z.pb.zst");
	assert_int_equal(store__parse_name(name, &seq, NULL), 0);
	assert_int_equal(seq, 999999999999ull);

	/* Sequence 0: the names written before sequences, still read. */
	store__format_name(0, SOME_START + 456789, name);
	assert_string_equal(name, "20261121T100200.123Z.pb.zst");
	assert_int_equal(store__parse_name(name, &seq, &start), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(start, SOME_START);
	store__format_name(0, 0, name);
	assert_string_equal(name, "19700101T000000.000Z.pb.zst");
	store__format_name(0, 1709251199999ull * NS_PER_MS, name);
	assert_string_equal(name, "20240229T235959.999Z.pb.zst");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store__format_name(0, cases[i], name);
		assert_int_equal(strlen(name), 27);
		assert_int_equal(store__parse_name(name, NULL, &start), 0);
		/* Names keep milliseconds: what is below them is dropped. */
		assert_int_equal(start, cases[i] / NS_PER_MS * NS_PER_MS);
		store__format_name(i + 1, cases[i], name);
		assert_int_equal(strlen(name), 40);
		assert_int_equal(store__parse_name(name, &seq, &start), 0);
		assert_int_equal(seq, i + 1);
		assert_int_equal(start, cases[i] / NS_PER_MS * NS_PER_MS);
	}
	assert_int_equal(store__parse_name("20000229T000000.000Z.pb.zst", NULL, &start), 0);
	assert_int_equal(start, 951782400ull * NS_PER_SEC);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start = 42;
		if (store__parse_name(bad[i], NULL, &start) != -EINVAL)
			fail_msg("'%s' parsed as an interval name", bad[i]);
		assert_int_equal(start, 42);
	}

	/* The store's order: nothing, old names by time, then by sequence whatever the time. */
	{
		static const char *const order[] = {
			"",
			"20261121T100200.123Z.pb.zst",
			"20261121T100300.000Z.pb.zst",
			"000000000001-20261121T100400.000Z.pb.zst",
			"000000000002-20261121T090000.000Z.pb.zst",
			"000000000010-19700101T000000.000Z.pb.zst",
		};
		size_t n = sizeof(order) / sizeof(order[0]);

		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				assert_int_equal(store__name_cmp(order[i], order[j]) < 0, i < j);
	}
}

static void test_open_creates(void **state)
{
	struct fixture *fx = *state;
	struct store_stats stats;
	struct store *store;
	char deep[PATH_LEN];
	struct stat st;

	join_path(deep, fx->store, "a/b/c");
	store = open_store(deep, 0, 0);
	assert_string_equal(store__dir(store), deep);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	/* The folder itself is locked: nothing but intervals in it. */
	assert_false(exists(deep, ".lock"));
	store__stats(store, &stats);
	assert_int_equal(stats.files, 0);
	assert_int_equal(stats.bytes, 0);
	store__close(store);
	store__close(NULL);

	/* A file where the folder should be. */
	touch(fx->dir, "file", "x");
	{
		struct store_opts opts = { 0 };
		char path[PATH_LEN];

		join_path(path, fx->dir, "file/sub");
		opts.dir = path;
		store = NULL;
		assert_int_equal(store__open(&opts, &store), -ENOTDIR);
		assert_null(store);
	}
}

static void test_lock(void **state)
{
	struct fixture *fx = *state;
	struct store_opts opts = { .dir = fx->store };
	struct store *first, *second = NULL;

	first = open_store(fx->store, 0, 0);
	assert_int_equal(store__open(&opts, &second), -EBUSY);
	assert_null(second);
	store__close(first);
	/* Closing releases the lock. */
	second = open_store(fx->store, 0, 0);
	store__close(second);
}

static void test_leftovers(void **state)
{
	struct fixture *fx = *state;
	struct store_entry *entries;
	struct store_stats stats;
	struct store *store;
	size_t n;

	assert_int_equal(mkdir(fx->store, 0750), 0);
	touch(fx->store, ".20261121T100200.123Z.pb.zst.tmp", "half a file");
	touch(fx->store, ".other.tmp", "x");
	touch(fx->store, "20261121T100200.123Z.pb.zst", "a whole file");
	touch(fx->store, "notes.tmp", "not ours: no leading dot");
	touch(fx->store, ".hidden", "not ours: no .tmp");
	store = open_store(fx->store, 0, 0);
	store__stats(store, &stats);
	assert_int_equal(stats.leftovers, 2);
	assert_int_equal(stats.files, 1);
	assert_int_equal(stats.bytes, strlen("a whole file"));
	assert_false(exists(fx->store, ".20261121T100200.123Z.pb.zst.tmp"));
	assert_false(exists(fx->store, ".other.tmp"));
	assert_true(exists(fx->store, "20261121T100200.123Z.pb.zst"));
	assert_true(exists(fx->store, "notes.tmp"));
	assert_true(exists(fx->store, ".hidden"));
	store__close(store);

	/* A reader lists without removing anything. */
	touch(fx->store, ".20261121T100200.124Z.pb.zst.tmp", "being written");
	assert_int_equal(list(fx->store, &entries, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(entries[0].name, "20261121T100200.123Z.pb.zst");
	free(entries);
	assert_true(exists(fx->store, ".20261121T100200.124Z.pb.zst.tmp"));
}

static void test_write_list(void **state)
{
	struct fixture *fx = *state;
	uint64_t starts[] = { SOME_START + 2 * HOUR_NS, SOME_START, SOME_START + HOUR_NS };
	char names[3][STORE_NAME_MAX], path[PATH_LEN];
	uint8_t raw[3][5000];
	struct store_entry *entries;
	struct store_stats stats;
	struct store *store;
	struct stat st;
	size_t n, len;
	void *back;

	store = open_store(fx->store, 0, 0);
	/* Out of time order on purpose: the list is in the order of the writes all the same. */
	for (int i = 0; i < 3; i++) {
		memset(raw[i], 'a' + i, sizeof(raw[i]));
		fill_random(raw[i], sizeof(raw[i]) / 2, i + 1);
		assert_int_equal(store__write(store, starts[i], raw[i], sizeof(raw[i]), names[i]),
				 0);
		store__format_name(i + 1, starts[i], path);
		assert_string_equal(names[i], path);
	}
	store__stats(store, &stats);
	assert_int_equal(stats.written, 3);
	assert_int_equal(stats.files, 3);
	assert_int_equal(count_temp_files(fx->store), 0);

	assert_int_equal(list(fx->store, &entries, &n), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		size_t src = i;
		char *buf;

		assert_string_equal(entries[i].name, names[i]);
		assert_int_equal(entries[i].seq, i + 1);
		assert_int_equal(entries[i].start_ns, starts[i]);
		FILE *f;

		join_path(path, fx->store, entries[i].name);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0640);
		assert_int_equal(entries[i].size, (uint64_t)st.st_size);
		buf = malloc(st.st_size);
		f = fopen(path, "rb");
		assert_non_null(f);
		assert_int_equal(fread(buf, 1, st.st_size, f), (size_t)st.st_size);
		fclose(f);
		assert_true(compress__is_zstd(buf, st.st_size));
		assert_int_equal(compress__unzstd(buf, st.st_size, 1 << 20, &back, &len), 0);
		assert_int_equal(len, sizeof(raw[src]));
		assert_memory_equal(back, raw[src], len);
		free(back);
		free(buf);
	}
	assert_int_equal(stats.bytes, entries[0].size + entries[1].size + entries[2].size);
	free(entries);
	/* Name is optional. */
	assert_int_equal(store__write(store, SOME_START + 3 * HOUR_NS, "x", 1, NULL), 0);
	store__close(store);

	/* Reopened: the same files, counted. */
	store = open_store(fx->store, 0, 0);
	store__stats(store, &stats);
	assert_int_equal(stats.files, 4);
	assert_int_equal(stats.written, 0);
	store__close(store);

	assert_int_equal(list("/nonexistent/bpfprof-store", &entries, &n), -ENOENT);
}

static void test_stray_files(void **state)
{
	struct fixture *fx = *state;
	struct store_entry *entries;
	struct store *store;
	char path[PATH_LEN];
	size_t n;

	store = open_store(fx->store, 0, 0);
	assert_int_equal(store__write(store, SOME_START, "abc", 3, NULL), 0);
	touch(fx->store, "notes.txt", "x");
	touch(fx->store, "20261121T100200.123Z.pb.zst.bak", "x");
	touch(fx->store, "20261121T100200.123Z.pb.gz", "x");
	join_path(path, fx->store, "20261121T100300.000Z.pb.zst");
	assert_int_equal(mkdir(path, 0700), 0); /* a folder with an interval's name */
	join_path(path, fx->store, "20261121T100400.000Z.pb.zst");
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(list(fx->store, &entries, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(entries[0].name, "000000000001-20261121T100200.123Z.pb.zst");
	free(entries);
	store__close(store);
}

static void test_same_ms(void **state)
{
	struct fixture *fx = *state;
	char a[STORE_NAME_MAX], b[STORE_NAME_MAX], c[STORE_NAME_MAX];
	struct store_entry *entries;
	struct store *store;
	size_t n;

	/* Starts in the same millisecond: the sequence tells the files apart. */
	store = open_store(fx->store, 0, 0);
	assert_int_equal(store__write(store, SOME_START, "one", 3, a), 0);
	assert_int_equal(store__write(store, SOME_START + 500, "two", 3, b), 0);
	assert_int_equal(store__write(store, SOME_START, "three", 5, c), 0);
	assert_string_equal(a, "000000000001-20261121T100200.123Z.pb.zst");
	assert_string_equal(b, "000000000002-20261121T100200.123Z.pb.zst");
	assert_string_equal(c, "000000000003-20261121T100200.123Z.pb.zst");
	/* A file someone else put there under the next name is not overwritten either. */
	touch(fx->store, "000000000004-20261121T100300.000Z.pb.zst", "theirs");
	assert_int_equal(store__write(store, 1795255380ull * NS_PER_SEC, "ours", 4, a), 0);
	assert_string_equal(a, "000000000005-20261121T100300.000Z.pb.zst");
	assert_int_equal(list(fx->store, &entries, &n), 0);
	assert_int_equal(n, 5);
	free(entries);
	store__close(store);
	/* Reopened, the sequence goes on from the highest in the folder. */
	store = open_store(fx->store, 0, 0);
	assert_int_equal(store__write(store, SOME_START, "four", 4, a), 0);
	assert_string_equal(a, "000000000006-20261121T100200.123Z.pb.zst");
	store__close(store);
}

static void test_limit_size(void **state)
{
	struct fixture *fx = *state;
	char names[8][STORE_NAME_MAX], big[STORE_NAME_MAX];
	struct store_entry *entries;
	struct store_stats stats;
	uint8_t raw[20000];
	struct store *store;
	uint64_t limit, start;
	size_t n;

	/* Random bytes do not compress: each file is a little over 1000 bytes. */
	store = open_store(fx->store, 3500, 0);
	for (int i = 0; i < 8; i++) {
		fill_random(raw, 1000, i + 1);
		start = SOME_START + i * NS_PER_SEC;
		assert_int_equal(store__write(store, start, raw, 1000, names[i]), 0);
		store__stats(store, &stats);
		assert_true(stats.bytes <= 3500);
	}
	assert_int_equal(stats.files, 3);
	assert_int_equal(stats.removed_size, 5);
	assert_int_equal(stats.removed_age, 0);
	assert_int_equal(list(fx->store, &entries, &n), 0);
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(entries[i].name, names[5 + i]);
	free(entries);

	/* Larger than the limit alone: everything else goes, never the file just written. */
	fill_random(raw, sizeof(raw), 99);
	assert_int_equal(store__write(store, SOME_START + 10 * NS_PER_SEC, raw, sizeof(raw), big),
			 0);
	store__stats(store, &stats);
	assert_int_equal(stats.files, 1);
	assert_true(stats.bytes > 3500);
	assert_int_equal(stats.removed_size, 8);
	assert_int_equal(list(fx->store, &entries, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(entries[0].name, big);
	free(entries);
	/* The next one pushes it out. */
	assert_int_equal(store__write(store, SOME_START + 11 * NS_PER_SEC, raw, 1000, NULL), 0);
	assert_false(exists(fx->store, big));
	store__stats(store, &stats);
	limit = stats.bytes + 5;
	store__close(store);

	/* Reopened with a smaller limit: applied at open, oldest first. */
	for (int i = 0; i < 4; i++)
		touch(fx->store, names[i], "0123456789");
	store = open_store(fx->store, limit, 0);
	store__stats(store, &stats);
	assert_true(stats.bytes <= limit);
	assert_int_equal(stats.files, 1);
	assert_int_equal(stats.removed_size, 4);
	store__close(store);
}

static void test_limit_age(void **state)
{
	struct fixture *fx = *state;
	char old[STORE_NAME_MAX], older[STORE_NAME_MAX], young[STORE_NAME_MAX];
	struct store_stats stats;
	struct store *store;
	uint64_t now = now_ns();

	store = open_store(fx->store, 0, HOUR_NS);
	assert_int_equal(store__write(store, now - 3 * HOUR_NS, "older", 5, older), 0);
	/* Just written: stays until the next write, though already too old. */
	assert_true(exists(fx->store, older));
	assert_int_equal(store__write(store, now - 2 * HOUR_NS, "old", 3, old), 0);
	assert_false(exists(fx->store, older));
	assert_int_equal(store__write(store, now - HOUR_NS / 2, "young", 5, young), 0);
	assert_false(exists(fx->store, old));
	assert_true(exists(fx->store, young));
	store__stats(store, &stats);
	assert_int_equal(stats.removed_age, 2);
	assert_int_equal(stats.removed_size, 0);
	assert_int_equal(stats.files, 1);
	store__close(store);

	/* Old files found at open go at once (here one named as before sequences)... */
	store__format_name(0, now - 5 * HOUR_NS, old);
	touch(fx->store, old, "stale");
	store = open_store(fx->store, 0, HOUR_NS);
	store__stats(store, &stats);
	assert_int_equal(stats.removed_age, 1);
	assert_int_equal(stats.files, 1);
	assert_false(exists(fx->store, old));
	assert_true(exists(fx->store, young));
	store__close(store);
	/* ...but the newest, too old as well, stays: the sequence goes on from it. */
	store = open_store(fx->store, 0, HOUR_NS / 4);
	store__stats(store, &stats);
	assert_int_equal(stats.removed_age, 0);
	assert_true(exists(fx->store, young));
	assert_int_equal(store__write(store, now, "now", 3, old), 0);
	assert_int_equal(strncmp(old, "000000000004-", 13), 0);
	assert_false(exists(fx->store, young));
	store__close(store);
}

/* The text of the file @dir/@name, malloc'ed ("" when there is none). */
static char *slurp(const char *dir, const char *name)
{
	char path[PATH_LEN], *text = NULL;
	size_t len = 0;
	FILE *f;

	join_path(path, dir, name);
	f = fopen(path, "r");
	if (!f || getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	if (f)
		fclose(f);
	return text;
}

/* How many times @needle occurs in @text. */
static size_t count_in(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/*
 * The wall clock steps back by 70 s: the files keep the order they were written in, so the
 * size limit removes the oldest written, not the newest whose names look older; the step is
 * logged once.
 */
static void test_limit_clock_step(void **state)
{
	struct fixture *fx = *state;
	static const int starts[] = { 100, 110, 120, 50, 60, 70 };
	char names[6][STORE_NAME_MAX], log[PATH_LEN];
	struct store_entry *entries;
	struct store_stats stats;
	uint8_t raw[1000];
	struct store *store;
	size_t n, found, all;
	char *text;

	join_path(log, fx->dir, "log");
	assert_int_equal(log__set_file(log), 0);
	store = open_store(fx->store, 2500, 0);
	for (int i = 0; i < 6; i++) {
		fill_random(raw, sizeof(raw), i + 1);
		assert_int_equal(store__write(store, SOME_START + starts[i] * NS_PER_SEC, raw,
					      sizeof(raw), names[i]),
				 0);
	}
	log__set_file(NULL);
	store__stats(store, &stats);
	assert_int_equal(stats.removed_size, 4);
	assert_int_equal(stats.files, 2);
	assert_int_equal(list(fx->store, &entries, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(entries[0].name, names[4]);
	assert_string_equal(entries[1].name, names[5]);
	free(entries);
	store__close(store);
	text = slurp(fx->dir, "log");
	found = count_in(text, "the wall clock went back by at least 70.000 s (an interval starts "
			       "at 20261121T100250.123Z, the one before it at "
			       "20261121T100400.123Z)");
	all = count_in(text, "went back");
	free(text);
	assert_int_equal(found, 1);
	assert_int_equal(all, 1);
}

/*
 * The sequence goes on from the highest in the folder, the upload cursor's included: with
 * every file removed by hand, the next one still comes after what the uploader has done.
 */
static void test_sequence_after_removal(void **state)
{
	struct fixture *fx = *state;
	char name[STORE_NAME_MAX], path[PATH_LEN];
	struct store *store;

	store = open_store(fx->store, 0, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(store__write(store, SOME_START + i * NS_PER_SEC, "x", 1, name), 0);
	store__close(store);
	assert_string_equal(name, "000000000003-20261121T100202.123Z.pb.zst");
	touch(fx->store, ".upload-cursor", "000000000003-20261121T100202.123Z.pb.zst\n");
	for (int i = 0; i < 3; i++) {
		store__format_name(i + 1, SOME_START + i * NS_PER_SEC, name);
		join_path(path, fx->store, name);
		assert_int_equal(unlink(path), 0);
	}
	store = open_store(fx->store, 0, 0);
	assert_int_equal(store__write(store, SOME_START, "y", 1, name), 0);
	assert_string_equal(name, "000000000004-20261121T100200.123Z.pb.zst");
	store__close(store);
}

/*
 * The folder removed, or replaced, while the store is open: the next write takes over the
 * folder at the path (made again when missing), locks it and goes on numbering; one held by
 * another writer is not written to, said once, and taken over when it is free.
 */
static void test_folder_replaced(void **state)
{
	struct fixture *fx = *state;
	struct store_opts opts = { .dir = fx->store };
	char name[STORE_NAME_MAX], moved[PATH_LEN], log[PATH_LEN];
	struct store *store, *other = NULL;
	struct store_stats stats;
	uint64_t start;
	size_t found;
	char *text;

	store = open_store(fx->store, 0, 0);
	assert_int_equal(store__write(store, SOME_START, "one", 3, name), 0);
	/* Removed: made again. */
	temp_dir__remove(fx->store);
	assert_int_equal(store__write(store, SOME_START + NS_PER_SEC, "two", 3, name), 0);
	assert_string_equal(name, "000000000002-20261121T100201.123Z.pb.zst");
	assert_true(exists(fx->store, name));
	assert_int_equal(store__open(&opts, &other), -EBUSY); /* locked again */
	store__stats(store, &stats);
	assert_int_equal(stats.reopened, 1);
	assert_int_equal(stats.files, 1);

	/* Moved away and replaced by a folder another writer holds. */
	join_path(moved, fx->dir, "moved");
	assert_int_equal(rename(fx->store, moved), 0);
	other = open_store(fx->store, 0, 0);
	join_path(log, fx->dir, "log");
	assert_int_equal(log__set_file(log), 0);
	for (int i = 0; i < 3; i++) {
		start = SOME_START + (2 + i) * NS_PER_SEC;
		assert_int_equal(store__write(store, start, "x", 1, NULL), -EBUSY);
	}
	log__set_file(NULL);
	text = slurp(fx->dir, "log");
	found = count_in(text, "in use by another agent");
	free(text);
	assert_int_equal(found, 1);
	assert_true(exists(moved, name)); /* nothing written to the old one either */
	store__close(other);
	assert_int_equal(store__write(store, SOME_START + 5 * NS_PER_SEC, "three", 5, name), 0);
	assert_string_equal(name, "000000000003-20261121T100205.123Z.pb.zst");
	assert_true(exists(fx->store, name));
	store__stats(store, &stats);
	assert_int_equal(stats.reopened, 2);
	assert_int_equal(stats.write_failures, 3);
	store__close(store);
}

/* Files removed behind the store's back leave its list quietly. */
static void test_vanished(void **state)
{
	struct fixture *fx = *state;
	char names[3][STORE_NAME_MAX], path[PATH_LEN];
	struct store_stats stats;
	uint8_t raw[1000];
	struct store *store;
	uint64_t start;

	store = open_store(fx->store, 2500, 0);
	for (int i = 0; i < 2; i++) {
		fill_random(raw, sizeof(raw), i + 1);
		start = SOME_START + i * NS_PER_SEC;
		assert_int_equal(store__write(store, start, raw, sizeof(raw), names[i]), 0);
	}
	join_path(path, fx->store, names[0]);
	assert_int_equal(unlink(path), 0);
	fill_random(raw, sizeof(raw), 3);
	start = SOME_START + 2 * NS_PER_SEC;
	assert_int_equal(store__write(store, start, raw, sizeof(raw), names[2]), 0);
	store__stats(store, &stats);
	assert_int_equal(stats.removed_size, 0);
	assert_int_equal(stats.files, 2);
	assert_true(exists(fx->store, names[1]));
	store__close(store);
}

/*
 * A write that fails half way (here: the file size limit, which bites root too, where a
 * read-only folder would not) leaves no file and the store as it was.
 */
static void test_write_failure(void **state)
{
	struct fixture *fx = *state;
	struct store_entry *entries;
	struct store_stats stats;
	struct rlimit old, small;
	uint8_t raw[100000];
	struct store *store;
	size_t n;
	int err;

	store = open_store(fx->store, 0, 0);
	assert_int_equal(store__write(store, SOME_START, "kept", 4, NULL), 0);
	fill_random(raw, sizeof(raw), 5);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 4096;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	err = store__write(store, SOME_START + NS_PER_SEC, raw, sizeof(raw), NULL);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(err, -EFBIG);
	store__stats(store, &stats);
	assert_int_equal(stats.write_failures, 1);
	assert_int_equal(stats.written, 1);
	assert_int_equal(stats.files, 1);
	assert_int_equal(count_temp_files(fx->store), 0);
	assert_int_equal(list(fx->store, &entries, &n), 0);
	assert_int_equal(n, 1);
	free(entries);
	/* And the next write works. */
	assert_int_equal(store__write(store, SOME_START + NS_PER_SEC, raw, sizeof(raw), NULL), 0);
	store__stats(store, &stats);
	assert_int_equal(stats.files, 2);
	store__close(store);
}

/* Many writes with a limit: the list stays right as retention moves through it. */
static void test_many(void **state)
{
	struct fixture *fx = *state;
	struct store_entry *entries;
	struct store_stats stats;
	uint8_t raw[200];
	struct store *store;
	uint64_t start;
	size_t n;

	store = open_store(fx->store, 20 * 250, 0);
	for (int i = 0; i < 300; i++) {
		fill_random(raw, sizeof(raw), i + 1);
		start = SOME_START + i * NS_PER_SEC;
		assert_int_equal(store__write(store, start, raw, sizeof(raw), NULL), 0);
	}
	store__stats(store, &stats);
	assert_int_equal(list(fx->store, &entries, &n), 0);
	assert_int_equal(n, stats.files);
	assert_int_equal(stats.files + stats.removed_size, 300);
	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(entries[i].start_ns, SOME_START + (300 - n + i) * NS_PER_SEC);
	free(entries);
	store__close(store);
}

/*
 * A zstd bomb: @total zero bytes as RLE blocks of 128 KiB, 4 bytes each, so that a few KiB
 * decompress to @total; with @say_size the frame header says how much.
 */
static void write_bomb(const char *dir, const char *name, uint64_t total, bool say_size)
{
	uint32_t block = 128 << 10, head;
	char path[PATH_LEN];
	uint8_t hdr[14] = { 0x28, 0xb5, 0x2f, 0xfd };
	size_t hlen = 4;
	FILE *f;

	hdr[hlen++] = say_size ? 0xc0 : 0x00; /* 8-byte content size or none; windowed */
	hdr[hlen++] = 0x38;		      /* window: 128 KiB */
	for (int i = 0; say_size && i < 8; i++)
		hdr[hlen++] = (uint8_t)(total >> (8 * i));
	join_path(path, dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(hdr, 1, hlen, f), hlen);
	for (uint64_t left = total; left; left -= block) {
		/* Last-block bit, type 1 (RLE), the size it regenerates; then the byte. */
		head = (left == block) | 1u << 1 | block << 3;
		uint8_t b[4] = { (uint8_t)head, (uint8_t)(head >> 8), (uint8_t)(head >> 16), 0 };

		assert_int_equal(fwrite(b, 1, 4, f), 4);
	}
	assert_int_equal(fclose(f), 0);
}

/*
 * Files that decompress past STORE_MAX_PROFILE are refused: told from the header when it says
 * a size, cut while streaming when it does not; either way with a reason naming the bound.
 * The store never writes what its readers would refuse.
 */
static void test_zstd_bomb(void **state)
{
	struct fixture *fx = *state;
	uint64_t big = (uint64_t)STORE_MAX_PROFILE + (1u << 20);
	struct store_entry *entries;
	struct store *store;
	char why[256];
	size_t n, len;
	void *raw;

	store = open_store(fx->store, 0, 0);
	assert_int_equal(store__write(store, SOME_START, "fine", 4, NULL), 0);
	write_bomb(fx->store, "20261121T100300.000Z.pb.zst", big, false);
	write_bomb(fx->store, "20261121T100400.000Z.pb.zst", 1ull << 30, true);
	assert_int_equal(list(fx->store, &entries, &n), 0);
	assert_int_equal(n, 3);
	/* Named as before sequences: the bombs come first. */
	for (size_t i = 0; i < 2; i++) {
		assert_true(entries[i].size < 64 << 10);
		raw = NULL;
		assert_int_equal(read_file(fx->store, entries[i].name, &raw, &len, why), -E2BIG);
		assert_null(raw);
		assert_non_null(strstr(why, "more than 64 MiB"));
	}
	free(entries);
	raw = calloc(1, STORE_MAX_PROFILE + 1);
	assert_non_null(raw);
	assert_int_equal(store__write(store, SOME_START + HOUR_NS, raw, STORE_MAX_PROFILE + 1,
				      NULL),
			 -EFBIG);
	free(raw);
	store__close(store);
}

/*
 * A writer refuses a folder it does not own or that its group or others may write: their
 * owners could plant links where it writes. A reader takes any folder.
 */
static void test_refused_folders(void **state)
{
	struct fixture *fx = *state;
	struct store_opts opts = { .dir = fx->store };
	struct store *store = NULL;
	int fd;

	assert_int_equal(mkdir(fx->store, 0750), 0);
	assert_int_equal(chmod(fx->store, 0770), 0);
	assert_int_equal(store__open(&opts, &store), -EPERM);
	assert_null(store);
	assert_int_equal(store__open_dir(fx->store, true), -EPERM);
	assert_int_equal(chmod(fx->store, 01777), 0);
	assert_int_equal(store__open(&opts, &store), -EPERM);
	fd = store__open_dir(fx->store, false);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(fx->store, 0755), 0);
	store = open_store(fx->store, 0, 0);
	store__close(store);
	store = NULL;
	/* Another user's: root can make one; anyone else finds one in "/". */
	if (geteuid() == 0) {
		assert_int_equal(chown(fx->store, 65534, 65534), 0);
	} else {
		opts.dir = "/";
	}
	assert_int_equal(store__open(&opts, &store), -EPERM);
	assert_null(store);
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("reading a store entry hangs");
}

/*
 * Entries named as intervals that are no regular file: listed by none, counted, and refused
 * when read by name (a link is not followed, a FIFO not waited on).
 */
static void test_foreign_entries(void **state)
{
	struct fixture *fx = *state;
	char other[PATH_LEN], target[PATH_LEN], path[PATH_LEN], why[256], name[STORE_NAME_MAX];
	struct store_entry *entries;
	struct store_stats stats;
	struct store *store;
	size_t n, len;
	void *raw = NULL;

	join_path(other, fx->dir, "other");
	store = open_store(other, 0, 0);
	assert_int_equal(store__write(store, SOME_START, "secret", 6, name), 0);
	store__close(store);
	store = open_store(fx->store, 0, 0);
	assert_int_equal(store__write(store, SOME_START, "ours", 4, NULL), 0);
	store__close(store);
	join_path(target, other, name);
	join_path(path, fx->store, "20261121T100300.000Z.pb.zst");
	assert_int_equal(symlink(target, path), 0);
	join_path(path, fx->store, "20261121T100400.000Z.pb.zst");
	assert_int_equal(mkfifo(path, 0600), 0);

	assert_int_equal(list(fx->store, &entries, &n), 0);
	assert_int_equal(n, 1);
	free(entries);
	store = open_store(fx->store, 0, 0);
	store__stats(store, &stats);
	assert_int_equal(stats.files, 1);
	assert_int_equal(stats.not_regular, 2);
	store__close(store);

	signal(SIGALRM, on_alarm);
	alarm(10);
	assert_int_equal(read_file(fx->store, "20261121T100300.000Z.pb.zst", &raw, &len, why),
			 -ELOOP);
	assert_string_equal(why, "a link, not followed");
	assert_int_equal(read_file(fx->store, "20261121T100400.000Z.pb.zst", &raw, &len, why),
			 -EINVAL);
	assert_string_equal(why, "not a regular file");
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	assert_null(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_open_creates, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_lock, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_leftovers, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_list, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_stray_files, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_same_ms, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_limit_size, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_limit_age, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_limit_clock_step, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_sequence_after_removal, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_folder_replaced, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_vanished, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_failure, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_many, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_zstd_bomb, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_refused_folders, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_foreign_entries, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
