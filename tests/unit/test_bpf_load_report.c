// SPDX-License-Identifier: GPL-2.0-only
/*
 * A failed load of the BPF program told in one line: libbpf's messages, as libbpf 1.x
 * words them, reduce to the program the verifier refused and the verifier's last message;
 * the whole log still reaches the log file, however long.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bpf_load_report.h"
#include "log.h"

static void say(enum libbpf_print_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bpf_load_report__print(level, fmt, ap);
	va_end(ap);
}

/* A log file for the test: its path in @path (PATH_MAX bytes). */
static void log_to_temp_file(char *path)
{
	int fd;

	strcpy(path, "/tmp/bpfprof-test-log.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log__set_file(path), 0);
	log__set_level(LOG_DEBUG);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	buf = malloc(*len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void test_verifier_refusal(void **state)
{
	char path[64];

	(void)state;
	log_to_temp_file(path);
	bpf_load_report__start();
	say(LIBBPF_DEBUG, "libbpf: map '%s': created successfully, fd=%d\n", "counts0", 12);
	say(LIBBPF_WARN, "libbpf: prog '%s': BPF program load failed: %s\n", "on_sample",
	    "Permission denied");
	say(LIBBPF_WARN,
	    "libbpf: prog '%s': -- BEGIN PROG LOAD LOG --\n%s-- END PROG LOAD LOG --\n",
	    "on_sample",
	    "0: R1=ctx() R10=fp0\n; int on_sample(struct bpf_perf_event_data *ctx)\n"
	    "invalid indirect read from stack R4 off -48+0 size 32\n"
	    "Caller passes invalid args into func#3\n"
	    "processed 1207 insns (limit 1000000) max_states_per_insn 4 total_states 88\n");
	say(LIBBPF_WARN, "libbpf: prog '%s': failed to load: %d\n", "on_sample", -13);
	say(LIBBPF_WARN, "libbpf: failed to load object '%s'\n", "profile_bpf");
	assert_string_equal(bpf_load_report__program(), "on_sample");
	assert_string_equal(bpf_load_report__message(), "Caller passes invalid args into func#3");
	log__set_file(NULL);
	unlink(path);
}

static void test_one_line_log(void **state)
{
	char path[64];

	(void)state;
	log_to_temp_file(path);
	bpf_load_report__start();
	say(LIBBPF_WARN, "libbpf: prog '%s': BPF program load failed: %s\n", "walk_more",
	    "Invalid argument");
	say(LIBBPF_WARN,
	    "libbpf: prog '%s': -- BEGIN PROG LOAD LOG --\n%s-- END PROG LOAD LOG --\n",
	    "walk_more",
	    "perf_event programs can only use preallocated hash map\n"
	    "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0\n");
	assert_string_equal(bpf_load_report__program(), "walk_more");
	assert_string_equal(bpf_load_report__message(),
			    "perf_event programs can only use preallocated hash map");
	log__set_file(NULL);
	unlink(path);
}

static void test_libbpf_reason_without_log(void **state)
{
	char path[64];

	(void)state;
	log_to_temp_file(path);
	bpf_load_report__start();
	say(LIBBPF_WARN,
	    "libbpf: prog '%s': relo #%d: target candidate search failed for [%d] %s\n", "on_exit",
	    3, 61, "struct task_struct");
	assert_string_equal(bpf_load_report__program(), "");
	assert_string_equal(bpf_load_report__message(),
			    "prog 'on_exit': relo #3: target candidate search failed for [61] "
			    "struct task_struct");
	/* A new load forgets it. */
	bpf_load_report__start();
	assert_string_equal(bpf_load_report__message(), "");
	log__set_file(NULL);
	unlink(path);
}

/* The verifier's log of a big program runs to megabytes: it reaches the log whole. */
static void test_long_log_is_whole(void **state)
{
	const size_t lines = 20000;
	char path[64], *log, *text;
	size_t len, pos = 0;

	(void)state;
	log = malloc(lines * 40 + 64);
	assert_non_null(log);
	for (size_t i = 0; i < lines; i++)
		pos += sprintf(log + pos, "%zu: (bf) r%zu = r10 ; frame %zu\n", i, i % 10, i);
	strcpy(log + pos, "the last line says why\n");
	log_to_temp_file(path);
	bpf_load_report__start();
	say(LIBBPF_WARN,
	    "libbpf: prog '%s': -- BEGIN PROG LOAD LOG --\n%s-- END PROG LOAD LOG --\n",
	    "on_sample", log);
	log__set_file(NULL);
	assert_string_equal(bpf_load_report__message(), "the last line says why");
	text = read_all(path, &len);
	assert_true(len > lines * 20);
	assert_non_null(strstr(text, "19999: (bf) r9 = r10 ; frame 19999\n"
				     "the last line says why\n-- END PROG LOAD LOG --\n"));
	free(text);
	free(log);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verifier_refusal),
		cmocka_unit_test(test_one_line_log),
		cmocka_unit_test(test_libbpf_reason_without_log),
		cmocka_unit_test(test_long_log_is_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
