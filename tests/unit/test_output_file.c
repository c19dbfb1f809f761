// SPDX-License-Identifier: GPL-2.0-only
/* Output files: visible only once committed, nothing left on abort, errors at open. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "output_file.h"

struct fixture {
	char dir[64];
	char path[128]; /* dir/out.txt, absent at the start */
	mode_t old_umask;
};

static int setup_dir(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/bpfprof-output-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/out.txt", fx->dir);
	fx->old_umask = umask(022);
	*state = fx;
	return 0;
}

static int teardown_dir(void **state)
{
	struct fixture *fx = *state;
	char path[512];
	struct dirent *de;
	DIR *d;

	umask(fx->old_umask);
	d = opendir(fx->dir);
	if (d) {
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				snprintf(path, sizeof(path), "%s/%s", fx->dir, de->d_name);
				unlink(path);
			}
		}
		closedir(d);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Entries of @dir other than . and ..; the first one's name goes to @first if not NULL. */
static int count_entries(const char *dir, char *first, size_t first_size)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!n && first)
			snprintf(first, first_size, "%s", de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static void assert_content(const char *path, const char *expected)
{
	char buf[256];
	size_t n;
	FILE *in;

	in = fopen(path, "r");
	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf) - 1, in);
	buf[n] = '\0';
	fclose(in);
	assert_string_equal(buf, expected);
}

static void test_commit(void **state)
{
	struct fixture *fx = *state;
	struct output_file *file;
	struct stat st;
	char name[256];

	file = output_file__open(fx->path);
	assert_non_null(file);
	assert_string_equal(output_file__path(file), fx->path);
	assert_non_null(output_file__stream(file));
	fputs("hello\n", output_file__stream(file));
	assert_int_equal(fflush(output_file__stream(file)), 0);

	/* Written, but only under the hidden temporary name. */
	assert_int_equal(stat(fx->path, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(count_entries(fx->dir, name, sizeof(name)), 1);
	assert_int_equal(strncmp(name, ".out.txt.", 9), 0);
	assert_int_equal(strlen(name), strlen(".out.txt.") + 6);

	assert_int_equal(output_file__commit(file), 0);
	assert_content(fx->path, "hello\n");
	assert_int_equal(count_entries(fx->dir, name, sizeof(name)), 1);
	assert_string_equal(name, "out.txt");
}

static void test_commit_replaces(void **state)
{
	struct fixture *fx = *state;
	struct output_file *file;
	FILE *f;

	f = fopen(fx->path, "w");
	assert_non_null(f);
	fputs("old\n", f);
	fclose(f);

	file = output_file__open(fx->path);
	assert_non_null(file);
	fputs("new\n", output_file__stream(file));
	assert_int_equal(fflush(output_file__stream(file)), 0);
	/* Readers see the complete old file until the commit. */
	assert_content(fx->path, "old\n");
	assert_int_equal(count_entries(fx->dir, NULL, 0), 2);
	assert_int_equal(output_file__commit(file), 0);
	assert_content(fx->path, "new\n");
	assert_int_equal(count_entries(fx->dir, NULL, 0), 1);
}

static void test_abort(void **state)
{
	struct fixture *fx = *state;
	struct output_file *file;

	file = output_file__open(fx->path);
	assert_non_null(file);
	fputs("partial", output_file__stream(file));
	assert_int_equal(count_entries(fx->dir, NULL, 0), 1);
	output_file__abort(file);
	assert_int_equal(count_entries(fx->dir, NULL, 0), 0);
	assert_int_equal(access(fx->path, F_OK), -1);
	output_file__abort(NULL);
}

static void test_open_errors(void **state)
{
	struct fixture *fx = *state;
	char path[256];

	snprintf(path, sizeof(path), "%s/missing/out.txt", fx->dir);
	errno = 0;
	assert_null(output_file__open(path));
	assert_int_equal(errno, ENOENT);

	/* A folder as the target, named with or without a trailing slash. */
	errno = 0;
	assert_null(output_file__open(fx->dir));
	assert_int_equal(errno, EISDIR);
	snprintf(path, sizeof(path), "%s/", fx->dir);
	errno = 0;
	assert_null(output_file__open(path));
	assert_int_equal(errno, EISDIR);

	errno = 0;
	assert_null(output_file__open(""));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(count_entries(fx->dir, NULL, 0), 0);
}

static mode_t committed_mode(const char *path, mode_t mask)
{
	struct output_file *file;
	struct stat st;

	umask(mask);
	file = output_file__open(path);
	assert_non_null(file);
	assert_int_equal(output_file__commit(file), 0);
	assert_int_equal(stat(path, &st), 0);
	unlink(path);
	return st.st_mode & 07777;
}

static void test_mode(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(committed_mode(fx->path, 022), 0644);
	/* The umask is respected, like any other new file. */
	assert_int_equal(committed_mode(fx->path, 077), 0600);
	assert_int_equal(committed_mode(fx->path, 002), 0664);
}

/* Writes @text to @path through an output file and commits it. */
static void write_committed(const char *path, const char *text, bool private)
{
	struct output_file *file;

	file = private ? output_file__open_private(path) : output_file__open(path);
	assert_non_null(file);
	fputs(text, output_file__stream(file));
	assert_int_equal(output_file__commit(file), 0);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* A file replaced keeps its permissions, whatever the umask says of new files. */
static void test_keeps_mode(void **state)
{
	struct fixture *fx = *state;

	write_committed(fx->path, "old\n", false);
	assert_int_equal(chmod(fx->path, 0640), 0);
	write_committed(fx->path, "new\n", false);
	assert_content(fx->path, "new\n");
	assert_int_equal(mode_of(fx->path), 0640);
	assert_int_equal(chmod(fx->path, 0664), 0);
	write_committed(fx->path, "newer\n", false);
	assert_int_equal(mode_of(fx->path), 0664);
}

static void test_private(void **state)
{
	struct fixture *fx = *state;

	write_committed(fx->path, "secret\n", true);
	assert_int_equal(mode_of(fx->path), 0600);
	/* An existing file readable by others is not left so. */
	assert_int_equal(chmod(fx->path, 0644), 0);
	write_committed(fx->path, "secret\n", true);
	assert_int_equal(mode_of(fx->path), 0600);
}

/* A link is followed: what it leads to is replaced or created, and the link stays. */
static void test_symlink(void **state)
{
	struct fixture *fx = *state;
	char real[256], made[256];
	struct stat st;

	snprintf(real, sizeof(real), "%s/real.txt", fx->dir);
	write_committed(real, "old\n", false);
	assert_int_equal(symlink("real.txt", fx->path), 0);
	write_committed(fx->path, "new\n", false);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_content(real, "new\n");

	/* Dangling: the file it names is created. */
	snprintf(made, sizeof(made), "%s/made.txt", fx->dir);
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(symlink(made, fx->path), 0);
	write_committed(fx->path, "made\n", false);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_content(made, "made\n");
	assert_int_equal(count_entries(fx->dir, NULL, 0), 3);

	/* A loop is an error, not a hang. */
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(symlink("out.txt", fx->path), 0);
	errno = 0;
	assert_null(output_file__open(fx->path));
	assert_int_equal(errno, ELOOP);
}

/* A FIFO is written in place: the reader gets the data and the FIFO stays. */
static void test_fifo(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	char buf[16];
	int reader;

	assert_int_equal(mkfifo(fx->path, 0600), 0);
	/* A reader first, so that opening for writing does not wait. */
	reader = open(fx->path, O_RDONLY | O_NONBLOCK);
	assert_true(reader >= 0);
	write_committed(fx->path, "piped\n", false);
	assert_int_equal(read(reader, buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "piped\n", 6);
	close(reader);
	assert_int_equal(lstat(fx->path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(count_entries(fx->dir, NULL, 0), 1);
}

/* A path without a folder lives in the current one. */
static void test_relative(void **state)
{
	struct fixture *fx = *state;
	struct output_file *file;
	char path[256];
	int cwd;

	cwd = open(".", O_RDONLY | O_DIRECTORY);
	assert_true(cwd >= 0);
	assert_int_equal(chdir(fx->dir), 0);
	file = output_file__open("rel.txt");
	assert_non_null(file);
	fputs("x", output_file__stream(file));
	assert_int_equal(output_file__commit(file), 0);
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);

	snprintf(path, sizeof(path), "%s/rel.txt", fx->dir);
	assert_content(path, "x");
	assert_int_equal(count_entries(fx->dir, NULL, 0), 1);
}

static void test_stdout(void **state)
{
	struct output_file *file;

	(void)state;
	file = output_file__open("-");
	assert_non_null(file);
	assert_non_null(output_file__stream(file));
	assert_string_equal(output_file__path(file), "-");
	assert_int_equal(output_file__commit(file), 0);
	/* stdout is still open and usable. */
	assert_true(fputs("", stdout) >= 0);
	assert_int_equal(fflush(stdout), 0);

	file = output_file__open("-");
	assert_non_null(file);
	output_file__abort(file);
	assert_int_equal(fflush(stdout), 0);
}

/* A failed write to stdout must be reported by commit, which never closes stdout. */
static void test_stdout_error(void **state)
{
	struct output_file *file;
	int saved, full, err;

	(void)state;
	full = open("/dev/full", O_WRONLY);
	if (full < 0)
		skip();
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(full, STDOUT_FILENO), STDOUT_FILENO);
	close(full);

	/* No assertion until stdout is back, or cmocka's report would go to /dev/full. */
	file = output_file__open("-");
	err = -EBADF;
	if (file) {
		fputs("lost\n", output_file__stream(file));
		err = output_file__commit(file);
	}

	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	clearerr(stdout);
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(fcntl(STDOUT_FILENO, F_GETFD), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_commit_replaces, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_abort, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_open_errors, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_mode, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_keeps_mode, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_private, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_symlink, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_fifo, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_relative, setup_dir, teardown_dir),
		cmocka_unit_test(test_stdout),
		cmocka_unit_test(test_stdout_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
