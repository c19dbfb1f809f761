// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test driver until `bpfprof convert` exists: converts between folded and pprof through the
 * profile model, so that the test suite can hand our pprof to go tool pprof and read back
 * what Go writes.
 *
 *   pprof_roundtrip to-pprof IN.folded OUT.pb.gz [PERIOD_NS [TIME_NS DURATION_NS]]
 *   pprof_roundtrip to-folded IN.pprof OUT.folded
 *
 * OUT "-" is standard output. Exit status 0, 1 on failure (with a one-line reason), 2 for
 * bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"
#include "folded_reader.h"
#include "pprof_reader.h"
#include "pprof_writer.h"
#include "profile.h"

/* The whole of @path in a malloc'ed buffer; NULL with errno set on failure. */
static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL, *grown;
	size_t cap = 0, n;
	FILE *in;

	in = fopen(path, "rb");
	if (!in)
		return NULL;
	*len = 0;
	do {
		if (cap - *len < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				fclose(in);
				errno = ENOMEM;
				return NULL;
			}
			buf = grown;
		}
		n = fread(buf + *len, 1, cap - *len, in);
		*len += n;
	} while (n);
	if (ferror(in)) {
		free(buf);
		fclose(in);
		errno = EIO;
		return NULL;
	}
	fclose(in);
	return buf;
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "pprof_roundtrip: not a number: '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct profile_meta meta = { 0 };
	struct folded_read_stats stats;
	struct profile *prof;
	char reason[256];
	size_t len = 0;
	FILE *out;
	char *data;
	int err;

	if (argc < 4 || argc > 7 || (strcmp(argv[1], "to-pprof") && strcmp(argv[1], "to-folded"))) {
		fprintf(stderr, "usage: pprof_roundtrip to-pprof|to-folded IN OUT [PERIOD_NS "
				"[TIME_NS DURATION_NS]]\n");
		return 2;
	}
	data = slurp(argv[2], &len);
	if (!data) {
		fprintf(stderr, "pprof_roundtrip: cannot read '%s': %s\n", argv[2],
			strerror(errno));
		return 1;
	}
	prof = profile__new();
	if (!prof) {
		fprintf(stderr, "pprof_roundtrip: out of memory\n");
		return 1;
	}
	if (!strcmp(argv[1], "to-pprof")) {
		err = folded__read(data, len, prof, &stats);
		if (err) {
			fprintf(stderr, "pprof_roundtrip: '%s': not folded text: %s\n", argv[2],
				strerror(-err));
			return 1;
		}
		if (argc > 4)
			meta.period_ns = parse_u64(argv[4]);
		if (argc > 6) {
			meta.time_ns = parse_u64(argv[5]);
			meta.duration_ns = parse_u64(argv[6]);
		}
		profile__set_meta(prof, &meta);
	} else {
		err = pprof__read(data, len, prof, reason, sizeof(reason));
		if (err) {
			fprintf(stderr, "pprof_roundtrip: '%s': %s\n", argv[2], reason);
			return 1;
		}
	}
	free(data);

	out = strcmp(argv[3], "-") ? fopen(argv[3], "wb") : stdout;
	if (!out) {
		fprintf(stderr, "pprof_roundtrip: cannot write '%s': %s\n", argv[3],
			strerror(errno));
		return 1;
	}
	err = !strcmp(argv[1], "to-pprof") ? pprof__write(prof, out) : folded__write(prof, out);
	if (out != stdout && fclose(out) && !err)
		err = -errno;
	profile__free(prof);
	if (err) {
		fprintf(stderr, "pprof_roundtrip: cannot write '%s': %s\n", argv[3],
			strerror(-err));
		return 1;
	}
	return 0;
}
