// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for pprof__read(): any input must give 0 or an error with a reason,
 * never a crash, a leak or undefined behaviour (ASan and UBSan watch). Whatever reads must
 * also survive our writer: written and read again, it must fold to the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"
#include "pprof_reader.h"
#include "pprof_writer.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* @prof folded, in a malloc'ed buffer; NULL when it cannot be written. */
static char *fold(const struct profile *prof, size_t *len)
{
	char *text = NULL;
	FILE *out;
	int err;

	out = open_memstream(&text, len);
	if (!out)
		return NULL;
	err = folded__write(prof, out);
	fclose(out);
	if (err) {
		free(text);
		return NULL;
	}
	return text;
}

static void check_round_trip(const struct profile *prof)
{
	char *pprof = NULL, *before = NULL, *after = NULL, reason[256];
	size_t pprof_len = 0, before_len = 0, after_len = 0;
	struct profile *again;
	FILE *out;
	int err;

	out = open_memstream(&pprof, &pprof_len);
	if (!out)
		return;
	/* Counts that overflow int64 or count x period cannot be written: not a bug. */
	err = pprof__write(prof, out);
	fclose(out);
	again = profile__new();
	if (err || !again)
		goto out_free;
	err = pprof__read(pprof, pprof_len, again, reason, sizeof(reason));
	if (err) {
		fprintf(stderr, "our own output does not read back: %s\n", reason);
		abort();
	}
	before = fold(prof, &before_len);
	after = fold(again, &after_len);
	if (before && after && (before_len != after_len || memcmp(before, after, before_len))) {
		fprintf(stderr, "round trip changed the profile:\n%s---\n%s", before, after);
		abort();
	}

out_free:
	free(after);
	free(before);
	profile__free(again);
	free(pprof);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *prof = profile__new();
	char reason[256];
	int err;

	if (!prof)
		return 0;
	reason[0] = 'x';
	err = pprof__read(data, size, prof, reason, sizeof(reason));
	if (err && !reason[0]) {
		fprintf(stderr, "error %d without a reason\n", err);
		abort();
	}
	if (!err)
		check_round_trip(prof);
	profile__free(prof);
	return 0;
}
