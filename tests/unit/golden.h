/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Golden files for the writers' tests, in tests/golden/. Include it after cmocka.h.
 * BPFPROF_UPDATE_GOLDEN=1 rewrites a golden file instead of comparing with it.
 */
#ifndef PROF_TEST_GOLDEN_H
#define PROF_TEST_GOLDEN_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_DIR TEST_SOURCE_DIR "/golden"

/* The whole file at @path, NUL-terminated, its length in *@len if @len; owned by the caller. */
static inline char *golden__read(const char *path, size_t *len)
{
	char *text = NULL, chunk[4096];
	size_t size = 0, n;
	FILE *in, *out;

	in = fopen(path, "rb");
	if (!in)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	out = open_memstream(&text, &size);
	assert_non_null(out);
	while ((n = fread(chunk, 1, sizeof(chunk), in)))
		fwrite(chunk, 1, n, out);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	if (len)
		*len = size;
	return text;
}

/* Compares @text with the golden file @name. */
static inline void golden__check(const char *name, const char *text)
{
	char path[4096];
	char *expected;
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if (getenv("BPFPROF_UPDATE_GOLDEN")) {
		out = fopen(path, "w");
		assert_non_null(out);
		fputs(text, out);
		assert_int_equal(fclose(out), 0);
		return;
	}
	expected = golden__read(path, NULL);
	assert_string_equal(text, expected);
	free(expected);
}

#endif
