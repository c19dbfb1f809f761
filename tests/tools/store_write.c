// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test driver for the local store without the agent: writes intervals the way the agent
 * does, so that the integration tests can fill a disk and look at what is left.
 *
 *   store_write DIR COUNT SIZE_BYTES [MAX_SIZE]
 *
 * Writes COUNT intervals into the store at DIR (with a MAX_SIZE byte limit when given), one
 * second apart from now on. Each is a real pprof of about SIZE_BYTES: one sample per frame,
 * frames named by random characters, so that it compresses poorly and every file is a
 * profile `bpfprof convert` reads. Prints one line per write:
 *   write I ok NAME RAW_BYTES
 *   write I error ERRNO_NAME (message)
 * then one line of the store's counters:
 *   stats files=N bytes=N written=N removed_size=N removed_age=N write_failures=N leftovers=N
 * Exit status 0 when every write succeeded, 3 when some failed, 1 when the store cannot be
 * opened or a profile cannot be built, 2 for bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "pprof_writer.h"
#include "profile.h"
#include "store.h"

#define NS_PER_SEC 1000000000ull
#define NAME_LEN 48
/* What a frame with one sample adds to the encoded pprof (measured): name, function, ... */
#define BYTES_PER_FRAME 110

static uint64_t parse_u64(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "store_write: not a number: '%s'\n", s);
		exit(2);
	}
	return v;
}

/* A pprof (raw protobuf, malloc'ed) of about @size bytes whose names are random. */
static int build_pprof(uint64_t size, uint64_t time_ns, void **raw, size_t *len)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.";
	struct profile_labels labels = { .pid = 1, .tid = 1, .comm = "store_write" };
	struct profile_meta meta = { .time_ns = time_ns,
				     .duration_ns = NS_PER_SEC,
				     .period_ns = 10000000 };
	uint64_t frames = size / BYTES_PER_FRAME ? size / BYTES_PER_FRAME : 1;
	unsigned char rnd[NAME_LEN];
	struct profile_frame frame = { .kind = FRAME_USER, .module = "/usr/bin/store_write" };
	char name[NAME_LEN + 1];
	struct profile *prof;
	uint32_t id;
	int64_t ret;
	int err = 0;

	prof = profile__new();
	if (!prof)
		return -errno;
	profile__set_meta(prof, &meta);
	for (uint64_t i = 0; i < frames && !err; i++) {
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
			err = -EIO;
			break;
		}
		for (int j = 0; j < NAME_LEN; j++)
			name[j] = set[rnd[j] % (sizeof(set) - 1)];
		name[NAME_LEN] = '\0';
		frame.func = name;
		frame.addr = 0x1000 + i * 16;
		ret = profile__intern_frame(prof, &frame);
		if (ret < 0) {
			err = (int)ret;
			break;
		}
		id = (uint32_t)ret;
		err = profile__add_sample(prof, &id, 1, &labels, 1 + i % 7);
	}
	if (!err)
		err = pprof__encode(prof, raw, len);
	profile__free(prof);
	return err;
}

int main(int argc, char **argv)
{
	struct store_opts opts = { 0 };
	char name[STORE_NAME_MAX];
	struct store_stats stats;
	uint64_t count, size, start;
	struct store *store;
	struct timespec ts;
	int err, failed = 0;
	size_t len;
	void *raw;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: store_write DIR COUNT SIZE_BYTES [MAX_SIZE]\n");
		return 2;
	}
	opts.dir = argv[1];
	count = parse_u64(argv[2]);
	size = parse_u64(argv[3]);
	if (argc > 4)
		opts.max_size = parse_u64(argv[4]);
	err = store__open(&opts, &store);
	if (err)
		return 1; /* store__open() said why */
	clock_gettime(CLOCK_REALTIME, &ts);
	start = (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
	for (uint64_t i = 0; i < count; i++, start += NS_PER_SEC) {
		err = build_pprof(size, start, &raw, &len);
		if (err) {
			fprintf(stderr, "store_write: cannot build a profile: %s\n",
				strerror(-err));
			store__close(store);
			return 1;
		}
		err = store__write(store, start, raw, len, name);
		free(raw);
		if (err) {
			failed = 1;
			printf("write %" PRIu64 " error %s (%s)\n", i, strerrorname_np(-err),
			       strerror(-err));
		} else {
			printf("write %" PRIu64 " ok %s %zu\n", i, name, len);
		}
		fflush(stdout);
	}
	store__stats(store, &stats);
	printf("stats files=%" PRIu64 " bytes=%" PRIu64 " written=%" PRIu64 " removed_size=%" PRIu64
	       " removed_age=%" PRIu64 " write_failures=%" PRIu64 " leftovers=%" PRIu64 "\n",
	       stats.files, stats.bytes, stats.written, stats.removed_size, stats.removed_age,
	       stats.write_failures, stats.leftovers);
	store__close(store);
	return failed ? 3 : 0;
}
