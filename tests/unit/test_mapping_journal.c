// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mapping journal fed with perf records built by hand: images begin at exec and fork
 * (a child shares its parent's mappings up to the fork), end at exit and exec, are found by
 * time, stay within their limits, and malformed records are refused and counted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mapping_journal.h"
#include "perf_records.h"
#include "proc_maps.h"

/* A pid no process has: pid_max is at most 2^22. */
#define PID 5000001u
#define PARENT 5000002u

static int feed(struct mapping_journal *j, const struct record *r)
{
	return mapping_journal__feed(j, r->bytes, r->size);
}

static void exec_at(struct mapping_journal *j, uint32_t pid, uint64_t time)
{
	struct record r;

	record_comm_exec(&r, pid, time);
	assert_int_equal(feed(j, &r), 0);
}

static void task_at(struct mapping_journal *j, uint32_t type, uint32_t pid, uint32_t ppid,
		    uint32_t tid, uint64_t time)
{
	struct record r;

	record_task(&r, type, pid, ppid, tid, time);
	assert_int_equal(feed(j, &r), 0);
}

static void mmap2(struct record *r, uint32_t pid, uint64_t start, uint64_t len, uint32_t prot,
		  uint64_t ino, const char *path, uint64_t time)
{
	record_mmap2(r, pid, start, len, prot, makedev(8, 1), ino, path, time);
}

static void map_at(struct mapping_journal *j, uint32_t pid, uint64_t start, uint64_t len,
		   uint64_t ino, const char *path, uint64_t time)
{
	struct record r;

	mmap2(&r, pid, start, len, PROT_READ | PROT_EXEC, ino, path, time);
	assert_int_equal(feed(j, &r), 0);
}

/* The image @pid ran at @time: its mappings' inodes, in address order, into @inos. */
static size_t inodes_at(struct mapping_journal *j, uint32_t pid, uint64_t time, uint64_t *inos)
{
	struct journal_image *img = mapping_journal__image_at(j, pid, time);
	struct proc_map *maps;
	size_t n;

	if (!img)
		return SIZE_MAX;
	assert_int_equal(journal_image__mappings(img, &maps, &n), 0);
	for (size_t i = 0; i < n; i++)
		inos[i] = maps[i].ino;
	/* Pieces come newest first: order them by address for the checks. */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && maps[k - 1].start > maps[k].start; k--) {
			struct proc_map t = maps[k];
			uint64_t ino = inos[k];

			maps[k] = maps[k - 1];
			maps[k - 1] = t;
			inos[k] = inos[k - 1];
			inos[k - 1] = ino;
		}
	free(maps);
	journal_image__put(img);
	return n;
}

static void test_exec_mappings(void **state)
{
	struct mapping_journal *j = mapping_journal__new(NULL);
	struct journal_image *img;
	struct proc_map *maps;
	struct record r;
	size_t n;

	(void)state;
	exec_at(j, PID, 100);
	map_at(j, PID, 0x400000, 0x1000, 1, "/usr/bin/prog (deleted)", 110);
	map_at(j, PID, 0x7000000, 0x2000, 2, "//anon", 120);
	mmap2(&r, PID, 0x500000, 0x1000, PROT_READ | PROT_WRITE, 3, "/data", 130);
	assert_int_equal(feed(j, &r), 0); /* kept out: not executable */
	/* Before the exec the journal knows nothing of the process. */
	assert_null(mapping_journal__image_at(j, PID, 99));
	img = mapping_journal__image_at(j, PID, 105);
	assert_non_null(img);
	/* The image holds what it maps after the time it is looked up at. */
	assert_int_equal(journal_image__count(img), 2);
	assert_int_equal(journal_image__mappings(img, &maps, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(maps[1].start, 0x400000);
	assert_int_equal(maps[1].end, 0x401000);
	assert_int_equal(maps[1].pgoff, 0x1000);
	assert_int_equal(maps[1].dev, makedev(8, 1));
	assert_string_equal(maps[1].path, "/usr/bin/prog");
	assert_true(maps[1].deleted);
	assert_string_equal(maps[0].path, "");
	free(maps);
	journal_image__put(img);
	mapping_journal__free(j);
}

static void test_fork_shares_exec_replaces(void **state)
{
	struct mapping_journal *j = mapping_journal__new(NULL);
	uint64_t inos[8];

	(void)state;
	exec_at(j, PARENT, 100);
	map_at(j, PARENT, 0x1000, 0x1000, 1, "/a", 110);
	task_at(j, PERF_RECORD_FORK, PID, PARENT, PID, 200);
	map_at(j, PARENT, 0x2000, 0x1000, 2, "/b", 210); /* the parent's, after the fork */
	map_at(j, PID, 0x3000, 0x1000, 3, "/c", 220);	 /* the child's own */
	/* A new thread is no new image. */
	task_at(j, PERF_RECORD_FORK, PID, PID, PID + 1, 230);

	assert_int_equal(inodes_at(j, PID, 250, inos), 2);
	assert_int_equal(inos[0], 1);
	assert_int_equal(inos[1], 3);
	assert_int_equal(inodes_at(j, PARENT, 250, inos), 2);
	assert_int_equal(inos[0], 1);
	assert_int_equal(inos[1], 2);

	/* The child execs: a fresh image; the forked one still answers for its time. */
	exec_at(j, PID, 300);
	map_at(j, PID, 0x5000, 0x1000, 5, "/e", 310);
	assert_int_equal(inodes_at(j, PID, 320, inos), 1);
	assert_int_equal(inos[0], 5);
	assert_int_equal(inodes_at(j, PID, 250, inos), 2);

	/* A thread's exit ends nothing; the leader's ends the image. */
	task_at(j, PERF_RECORD_EXIT, PID, PID, PID + 1, 390);
	assert_int_equal(inodes_at(j, PID, 395, inos), 1);
	task_at(j, PERF_RECORD_EXIT, PID, PARENT, PID, 400);
	assert_int_equal(inodes_at(j, PID, 399, inos), 1);
	assert_int_equal(inodes_at(j, PID, 400 + 200000000, inos), SIZE_MAX);
	mapping_journal__free(j);
}

static void test_out_of_order_and_older_processes(void **state)
{
	struct mapping_journal *j = mapping_journal__new(NULL);
	struct mapping_journal_stats st;
	uint64_t inos[8];

	(void)state;
	/* From two CPUs: the child's exec is read before its fork. */
	exec_at(j, PARENT, 100);
	map_at(j, PARENT, 0x1000, 0x1000, 1, "/a", 110);
	exec_at(j, PID, 300);
	task_at(j, PERF_RECORD_FORK, PID, PARENT, PID, 200);
	assert_int_equal(inodes_at(j, PID, 250, inos), 1);
	assert_int_equal(inos[0], 1);
	assert_int_equal(inodes_at(j, PID, 350, inos), 0);

	/* A process older than the journal, and its child: not known, so read from /proc. */
	map_at(j, PARENT + 1, 0x1000, 0x1000, 1, "/a", 110);
	task_at(j, PERF_RECORD_FORK, PID + 5, PARENT + 1, PID + 5, 200);
	assert_null(mapping_journal__image_at(j, PARENT + 1, 300));
	assert_null(mapping_journal__image_at(j, PID + 5, 300));
	mapping_journal__stats(j, &st);
	assert_int_equal(st.images, 3);
	mapping_journal__free(j);
}

static int read_older(void *ctx, uint32_t tgid, struct proc_map **maps, size_t *n)
{
	(*(int *)ctx)++;
	if (tgid != PARENT + 1)
		return -ESRCH;
	*maps = calloc(2, sizeof(**maps));
	(*maps)[0] = (struct proc_map){
		.start = 0x1000, .end = 0x2000, .ino = 7, .path = "/o", .exec = true
	};
	(*maps)[1] = (struct proc_map){ .start = 0x8000, .end = 0x9000, .ino = 8, .path = "/d" };
	*n = 2;
	return 0;
}

/* A process older than the journal that forks is read once; its children share it. */
static void test_older_process_read_at_fork(void **state)
{
	struct mapping_journal *j = mapping_journal__new(NULL);
	uint64_t inos[8];
	int reads = 0;

	(void)state;
	mapping_journal__set_reader(j, read_older, &reads);
	task_at(j, PERF_RECORD_FORK, PID, PARENT + 1, PID, 200);
	task_at(j, PERF_RECORD_FORK, PID + 1, PARENT + 1, PID + 1, 210);
	map_at(j, PID + 1, 0x3000, 0x1000, 3, "/c", 220);
	assert_int_equal(reads, 1);
	assert_int_equal(inodes_at(j, PID, 250, inos), 1); /* the data mapping left out */
	assert_int_equal(inos[0], 7);
	assert_int_equal(inodes_at(j, PID + 1, 250, inos), 2);
	/* One that cannot be read (gone): its children stay unknown. */
	task_at(j, PERF_RECORD_FORK, PID + 10, PARENT + 10, PID + 10, 230);
	assert_null(mapping_journal__image_at(j, PID + 10, 250));
	mapping_journal__free(j);
}

/*
 * The processes running as the journal starts are read once, unless records made them
 * known already; their images hold from the beginning of time, and their children share
 * them.
 */
static void test_older_process_read_at_start(void **state)
{
	struct mapping_journal *j = mapping_journal__new(NULL);
	uint64_t inos[8];
	int reads = 0;

	(void)state;
	mapping_journal__set_reader(j, read_older, &reads);
	assert_int_equal(mapping_journal__read_older(j, PARENT + 1), 0);
	assert_int_equal(mapping_journal__read_older(j, PARENT + 1), 0);
	assert_int_equal(reads, 1);
	assert_int_equal(inodes_at(j, PARENT + 1, 0, inos), 1);
	assert_int_equal(inos[0], 7);
	task_at(j, PERF_RECORD_FORK, PID, PARENT + 1, PID, 200);
	assert_int_equal(reads, 1);
	assert_int_equal(inodes_at(j, PID, 250, inos), 1);
	/* Known from its exec record: not read. */
	exec_at(j, PID + 1, 100);
	assert_int_equal(mapping_journal__read_older(j, PID + 1), 0);
	assert_int_equal(reads, 1);
	/* Gone, or no reader. */
	assert_int_equal(mapping_journal__read_older(j, PARENT + 10), -ESRCH);
	mapping_journal__set_reader(j, NULL, NULL);
	assert_int_equal(mapping_journal__read_older(j, PARENT + 2), -ESRCH);
	mapping_journal__free(j);
}

/* Samples of an exiting process come a little after its exit record. */
static void test_exit_slack(void **state)
{
	struct mapping_journal *j = mapping_journal__new(NULL);
	uint64_t inos[8];

	(void)state;
	exec_at(j, PID, 100);
	task_at(j, PERF_RECORD_EXIT, PID, 1, PID, 1000);
	assert_int_equal(inodes_at(j, PID, 1000 + 1000000, inos), 0);
	assert_int_equal(inodes_at(j, PID, 1000 + 1000000000, inos), SIZE_MAX);
	mapping_journal__free(j);
}

static void test_later_mapping_hides_earlier(void **state)
{
	struct mapping_journal *j = mapping_journal__new(NULL);
	struct journal_image *img;
	struct proc_map *maps;
	size_t n;

	(void)state;
	exec_at(j, PID, 100);
	map_at(j, PID, 0x10000, 0x4000, 1, "/a", 110);
	map_at(j, PID, 0x11000, 0x1000, 2, "/b", 120);
	img = mapping_journal__image_at(j, PID, 130);
	assert_int_equal(journal_image__mappings(img, &maps, &n), 0);
	assert_int_equal(n, 3);
	/* Newest first, then the pieces of /a around it, their file offsets moved along. */
	assert_int_equal(maps[0].ino, 2);
	assert_int_equal(maps[1].start, 0x10000);
	assert_int_equal(maps[1].end, 0x11000);
	assert_int_equal(maps[1].pgoff, 0x1000);
	assert_int_equal(maps[2].start, 0x12000);
	assert_int_equal(maps[2].end, 0x14000);
	assert_int_equal(maps[2].pgoff, 0x3000);
	free(maps);
	journal_image__put(img);
	mapping_journal__free(j);
}

/*
 * The image a fork ran until its exec goes like an exited one, and then the parent's image
 * it held: a shell's fork and exec of every command leaves nothing behind.
 */
static void test_reaping_after_exec(void **state)
{
	struct mapping_journal *j = mapping_journal__new(NULL);
	struct mapping_journal_stats st;

	(void)state;
	exec_at(j, PID, 100);
	map_at(j, PID, 0x1000, 0x1000, 1, "/bin/sh", 110);
	task_at(j, PERF_RECORD_FORK, PID + 1, PID, PID + 1, 120);
	exec_at(j, PID + 1, 130);
	task_at(j, PERF_RECORD_EXIT, PID + 1, PID, PID + 1, 140);
	task_at(j, PERF_RECORD_EXIT, PID, 1, PID, 150);
	mapping_journal__reap(j, 300);
	mapping_journal__reap(j, 300); /* the parent's, once its child's no longer holds it */
	mapping_journal__stats(j, &st);
	assert_int_equal(st.images, 3);
	assert_int_equal(st.reaped, 3);
	mapping_journal__free(j);
}

static void test_limits_and_reaping(void **state)
{
	struct mapping_journal_limits limits = { .max_images = 2,
						 .max_mappings = 1,
						 .max_path_bytes = 1 << 20 };
	struct mapping_journal *j = mapping_journal__new(&limits);
	struct mapping_journal_stats st;
	struct journal_image *held;

	(void)state;
	exec_at(j, PID, 100);
	exec_at(j, PID + 1, 100);
	exec_at(j, PID + 2, 100); /* past max_images */
	map_at(j, PID, 0x1000, 0x1000, 1, "/a", 110);
	map_at(j, PID, 0x2000, 0x1000, 2, "/b", 120); /* past max_mappings */
	mapping_journal__stats(j, &st);
	assert_int_equal(st.images_dropped, 1);
	assert_int_equal(st.mappings_dropped, 1);
	assert_null(mapping_journal__image_at(j, PID + 2, 150));

	/* Exited images go once nothing can ask for them; one held stays until put. */
	task_at(j, PERF_RECORD_EXIT, PID, 1, PID, 200);
	task_at(j, PERF_RECORD_EXIT, PID + 1, 1, PID + 1, 200);
	held = mapping_journal__image_at(j, PID, 150);
	mapping_journal__reap(j, 200); /* not before their exit */
	mapping_journal__reap(j, 300);
	mapping_journal__stats(j, &st);
	assert_int_equal(st.reaped, 1);
	assert_int_equal(journal_image__count(held), 1);
	/* Room again: a new image is kept. */
	exec_at(j, PID + 2, 400);
	mapping_journal__stats(j, &st);
	assert_int_equal(st.images_dropped, 1);
	journal_image__put(held);
	mapping_journal__free(j);

	/* The paths' bytes are bounded too. */
	limits = (struct mapping_journal_limits){ .max_images = 8, .max_mappings = 8 };
	j = mapping_journal__new(&limits);
	exec_at(j, PID, 100);
	map_at(j, PID, 0x1000, 0x1000, 1, "/a", 110);
	mapping_journal__stats(j, &st);
	assert_int_equal(st.mappings_dropped, 1);
	mapping_journal__free(j);
}

static void test_malformed_records(void **state)
{
	struct mapping_journal *j = mapping_journal__new(NULL);
	struct mapping_journal_stats st;
	struct journal_image *img;
	struct record r;
	uint64_t lost[2] = { 1, 42 };

	(void)state;
	exec_at(j, PID, 100);
	/* A header whose size is not the record's. */
	mmap2(&r, PID, 0x1000, 0x1000, PROT_EXEC, 1, "/a", 110);
	assert_int_equal(mapping_journal__feed(j, r.bytes, r.size - 8), -EINVAL);
	/* A path with no NUL before the trailer. */
	memset(r.bytes + r.size - 16 - 8, 'x', 8);
	assert_int_equal(feed(j, &r), -EINVAL);
	/* Too short for its type. */
	record_begin(&r, PERF_RECORD_FORK, 0);
	record_end(&r, PID, 120);
	assert_int_equal(feed(j, &r), -EINVAL);
	/* A mapping that wraps around the address space. */
	mmap2(&r, PID, UINT64_MAX - 0xfff, 0x2000, PROT_EXEC, 1, "/a", 130);
	assert_int_equal(feed(j, &r), -EINVAL);
	assert_int_equal(mapping_journal__feed(j, r.bytes, 0), -EINVAL);
	record_begin(&r, PERF_RECORD_LOST, 0);
	record_put(&r, lost, sizeof(lost));
	record_end(&r, 0, 140);
	assert_int_equal(feed(j, &r), 0);
	mapping_journal__stats(j, &st);
	assert_int_equal(st.malformed, 5);
	assert_int_equal(st.lost, 42);
	img = mapping_journal__image_at(j, PID, 150);
	assert_int_equal(journal_image__count(img), 0);
	journal_image__put(img);
	mapping_journal__free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_mappings),
		cmocka_unit_test(test_fork_shares_exec_replaces),
		cmocka_unit_test(test_out_of_order_and_older_processes),
		cmocka_unit_test(test_older_process_read_at_fork),
		cmocka_unit_test(test_older_process_read_at_start),
		cmocka_unit_test(test_exit_slack),
		cmocka_unit_test(test_later_mapping_hides_earlier),
		cmocka_unit_test(test_limits_and_reaping),
		cmocka_unit_test(test_reaping_after_exec),
		cmocka_unit_test(test_malformed_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
