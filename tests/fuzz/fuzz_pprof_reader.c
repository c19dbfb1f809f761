// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for pprof__read(): any input must give 0 or an error with a reason,
 * never a crash, a leak or undefined behaviour (ASan and UBSan watch). Whatever reads must
 * also survive our writer: written and read again, it must fold to the same text. And
 * pprof__read_summary() must give the times pprof__read() found in a message it read.
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

/* pprof__read_summary()'s answer @err, @sum for a message pprof__read() read into @prof. */
static void check_summary(int err, const struct pprof_summary *sum, const struct profile *prof)
{
	const struct profile_meta *meta = profile__meta(prof);

	if (err || sum->time_ns != meta->time_ns || sum->duration_ns != meta->duration_ns) {
		fprintf(stderr, "summary %d: time %llu, duration %llu; read: %llu, %llu\n", err,
			(unsigned long long)sum->time_ns, (unsigned long long)sum->duration_ns,
			(unsigned long long)meta->time_ns, (unsigned long long)meta->duration_ns);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *prof = profile__new();
	struct pprof_summary sum;
	char reason[256];
	int err, sum_err;

	if (!prof)
		return 0;
	reason[0] = 'x';
	err = pprof__read(data, size, prof, reason, sizeof(reason));
	if (err && !reason[0]) {
		fprintf(stderr, "error %d without a reason\n", err);
		abort();
	}
	sum_err = pprof__read_summary(data, size, &sum);
	if (!err) {
		/* gzip input holds no message for the summary to read */
		if (size < 2 || data[0] != 0x1f || data[1] != 0x8b)
			check_summary(sum_err, &sum, prof);
		check_round_trip(prof);
	}
	profile__free(prof);
	return 0;
}
