// SPDX-License-Identifier: GPL-2.0-only
/*
 * The process table over a long run: images of exited processes are kept for the interval
 * their exit was seen in and the next, then forgotten, so the table does not grow with
 * process churn; running processes stay. Uses this test's own process as the image.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mapping_journal.h"
#include "perf_records.h"
#include "proc_table.h"
#include "symbolizer.h"

/* A pid no process has: pid_max is at most 2^22. */
#define PID 5000001u

struct fixture {
	struct symbolizer *sym;
	struct proc_table *table;
};

static int setup(void **state)
{
	static struct fixture fx;

	fx.sym = symbolizer__new(&(struct symbolizer_opts){ 0 });
	fx.table = fx.sym ? proc_table__new(fx.sym) : NULL;
	*state = &fx;
	return fx.table ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	proc_table__free(fx->table);
	symbolizer__free(fx->sym);
	return 0;
}

static void event(struct proc_table *table, uint32_t type, uint32_t gen)
{
	struct prof_proc_event e = { .type = type, .tgid = getpid(), .proc_gen = gen };

	strcpy(e.comm, "test");
	proc_table__on_event(table, &e, 0);
}

static void test_exited_images_are_evicted(void **state)
{
	struct fixture *fx = *state;
	const struct proc_entry *entry;

	event(fx->table, PROF_PROC_SEEN, 2);
	assert_int_equal(proc_table__count(fx->table), 1);
	entry = proc_table__lookup(fx->table, 2, getpid());
	assert_non_null(entry);
	assert_string_equal(entry->comm, "test");
	assert_non_null(entry->maps);

	event(fx->table, PROF_PROC_EXIT, 2);
	/* The interval that saw the exit is built after it: the image must still be there. */
	proc_table__evict(fx->table);
	assert_int_equal(proc_table__count(fx->table), 1);
	assert_string_equal(proc_table__lookup(fx->table, 2, getpid())->comm, "test");
	/* Late samples may be in the next interval too; after that it goes. */
	proc_table__evict(fx->table);
	assert_int_equal(proc_table__count(fx->table), 0);
	/* A running process stays. */
	event(fx->table, PROF_PROC_SEEN, 3);
	for (int i = 0; i < 5; i++)
		proc_table__evict(fx->table);
	assert_int_equal(proc_table__count(fx->table), 1);
}

/*
 * Only the newest image's exit is reported: an exec (or a number reused after a lost exit)
 * ends the images before it, which go like exited ones, whatever their generations' order.
 */
static void test_newer_image_ends_older(void **state)
{
	struct fixture *fx = *state;
	struct proc_table_stats stats;

	event(fx->table, PROF_PROC_SEEN, 5);
	event(fx->table, PROF_PROC_EXEC, 2);
	event(fx->table, PROF_PROC_EXEC, 9);
	assert_int_equal(proc_table__count(fx->table), 3);
	/* Samples of the interval still find the images left by exec. */
	proc_table__evict(fx->table);
	assert_int_equal(proc_table__count(fx->table), 3);
	assert_string_equal(proc_table__lookup(fx->table, 5, getpid())->comm, "test");
	proc_table__evict(fx->table);
	assert_int_equal(proc_table__count(fx->table), 1);
	assert_non_null(proc_table__lookup(fx->table, 9, getpid()));
	proc_table__stats(fx->table, &stats);
	assert_int_equal(stats.replaced, 2);
	assert_int_equal(stats.evicted, 2);
}

/* A process gone without an exit event (sampled again while exiting) is forgotten too. */
static void test_gone_without_exit(void **state)
{
	struct fixture *fx = *state;
	struct prof_proc_event e = { .type = PROF_PROC_SEEN, .proc_gen = 4 };
	struct proc_table_stats stats;
	pid_t child = fork();

	assert_true(child >= 0);
	if (!child)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	e.tgid = child;
	strcpy(e.comm, "gone");
	proc_table__on_event(fx->table, &e, 0);
	event(fx->table, PROF_PROC_SEEN, 4);
	assert_int_equal(proc_table__count(fx->table), 2);
	proc_table__evict(fx->table);
	assert_int_equal(proc_table__count(fx->table), 2);
	proc_table__evict(fx->table);
	assert_int_equal(proc_table__count(fx->table), 1);
	assert_string_equal(proc_table__lookup(fx->table, 4, getpid())->comm, "test");
	proc_table__stats(fx->table, &stats);
	assert_int_equal(stats.gone, 1);
}

/*
 * Each CPU hands out generations of its own, and they wrap: two processes may be given the
 * same number, and stay two images.
 */
static void test_same_generation_other_process(void **state)
{
	struct fixture *fx = *state;
	struct prof_proc_event e = { .type = PROF_PROC_SEEN, .tgid = getppid(), .proc_gen = 7 };

	event(fx->table, PROF_PROC_SEEN, 7);
	strcpy(e.comm, "parent");
	proc_table__on_event(fx->table, &e, 0);
	assert_int_equal(proc_table__count(fx->table), 2);
	assert_string_equal(proc_table__lookup(fx->table, 7, getpid())->comm, "test");
	assert_string_equal(proc_table__lookup(fx->table, 7, getppid())->comm, "parent");
	assert_int_equal(proc_table__lookup(fx->table, 7, getppid())->tgid, getppid());
	e.type = PROF_PROC_EXIT;
	proc_table__on_event(fx->table, &e, 0);
	proc_table__evict(fx->table);
	proc_table__evict(fx->table);
	assert_int_equal(proc_table__count(fx->table), 1);
	assert_string_equal(proc_table__lookup(fx->table, 7, getpid())->comm, "test");
}

static void test_churn_stays_bounded(void **state)
{
	struct fixture *fx = *state;
	struct proc_table_stats stats;

	/* A thousand short-lived processes, a few per interval: the table holds a few. */
	for (uint32_t gen = 1; gen <= 1000; gen++) {
		event(fx->table, PROF_PROC_SEEN, gen);
		event(fx->table, PROF_PROC_EXIT, gen);
		if (gen % 10 == 0) {
			proc_table__evict(fx->table);
			assert_true(proc_table__count(fx->table) <= 20);
		}
	}
	proc_table__stats(fx->table, &stats);
	assert_true(stats.evicted >= 980);
}

static void test_late_lookups_are_forgotten(void **state)
{
	struct fixture *fx = *state;

	/* An unknown generation is read now, and held until the interval ends. */
	assert_non_null(proc_table__lookup(fx->table, 0, getpid()));
	assert_int_equal(proc_table__count(fx->table), 1);
	proc_table__evict(fx->table);
	assert_int_equal(proc_table__count(fx->table), 0);
}

static int feed(struct mapping_journal *j, const struct record *r)
{
	return mapping_journal__feed(j, r->bytes, r->size);
}

/*
 * Process PID, long gone (it never existed), named from the mapping journal: its file
 * found by device and inode, and not where the path now names another file.
 */
static void test_exited_process_named_from_journal(void **state)
{
	struct fixture *fx = *state;
	struct mapping_journal *j = mapping_journal__new(NULL);
	struct prof_proc_event e = { .type = PROF_PROC_SEEN, .tgid = PID, .proc_gen = 9 };
	char exe[PATH_MAX] = { 0 };
	const struct proc_entry *entry;
	struct symbolizer_stats sst;
	struct proc_table_stats pst;
	struct record r;
	struct stat st;

	assert_true(readlink("/proc/self/exe", exe, sizeof(exe) - 1) > 0);
	assert_int_equal(stat(exe, &st), 0);
	proc_table__set_journal(fx->table, j);
	record_comm_exec(&r, PID, 100);
	assert_int_equal(feed(j, &r), 0);
	record_mmap2(&r, PID, 0x400000, 0x1000, PROT_READ | PROT_EXEC, st.st_dev, st.st_ino, exe,
		     110);
	assert_int_equal(feed(j, &r), 0);
	/* The same path with another inode: a file that replaced the one mapped. */
	record_mmap2(&r, PID, 0x800000, 0x1000, PROT_READ | PROT_EXEC, st.st_dev, st.st_ino + 1,
		     exe, 120);
	assert_int_equal(feed(j, &r), 0);

	e.time_ns = 105;
	proc_table__on_event(fx->table, &e, 0);
	entry = proc_table__lookup(fx->table, 9, PID);
	assert_non_null(entry->maps);
	assert_int_equal(proc_maps__count(entry->maps), 2);
	assert_non_null(proc_maps__find(entry->maps, 0x400000)->dso);
	assert_null(proc_maps__find(entry->maps, 0x800000)->dso);
	symbolizer__stats(fx->sym, &sst);
	proc_table__stats(fx->table, &pst);
	assert_int_equal(sst.unverified_files, 1);
	assert_int_equal(pst.from_journal, 1);
	assert_int_equal(pst.vanished, 0);

	/* Mapped later by the same image: the entry grows at the next lookup. */
	record_mmap2(&r, PID, 0x900000, 0x1000, PROT_READ | PROT_EXEC, 0, 0, "//anon", 130);
	assert_int_equal(feed(j, &r), 0);
	entry = proc_table__lookup(fx->table, 9, PID);
	assert_int_equal(proc_maps__count(entry->maps), 3);

	/* The table holds the image: it goes before the journal. */
	proc_table__free(fx->table);
	fx->table = NULL;
	mapping_journal__free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exited_images_are_evicted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_image_ends_older, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_without_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_generation_other_process, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_churn_stays_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_lookups_are_forgotten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exited_process_named_from_journal, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
