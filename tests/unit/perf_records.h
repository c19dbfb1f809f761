/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Perf side-band records built by hand, as a dummy event with sample_id_all and sample_type
 * TID | TIME writes them: for the tests of the mapping journal and of what it feeds.
 */
#ifndef PROF_TEST_PERF_RECORDS_H
#define PROF_TEST_PERF_RECORDS_H

#include <linux/perf_event.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

struct record {
	char bytes[512];
	size_t size;
};

static inline void record_put(struct record *r, const void *p, size_t len)
{
	memcpy(r->bytes + r->size, p, len);
	r->size += len;
}

static inline void record_begin(struct record *r, uint32_t type, uint16_t misc)
{
	struct perf_event_header h = { .type = type, .misc = misc };

	r->size = 0;
	record_put(r, &h, sizeof(h));
}

/* The sample_id trailer, and the header's size. */
static inline void record_end(struct record *r, uint32_t pid, uint64_t time)
{
	uint32_t ids[2] = { pid, pid };

	record_put(r, ids, sizeof(ids));
	record_put(r, &time, sizeof(time));
	((struct perf_event_header *)r->bytes)->size = r->size;
}

/* A string NUL-padded to 8 bytes, as the kernel writes it. */
static inline void record_put_string(struct record *r, const char *s)
{
	char pad[8] = { 0 };
	size_t len = strlen(s) + 1;

	record_put(r, s, len);
	record_put(r, pad, (8 - len % 8) % 8);
}

static inline void record_comm_exec(struct record *r, uint32_t pid, uint64_t time)
{
	uint32_t ids[2] = { pid, pid };

	record_begin(r, PERF_RECORD_COMM, PERF_RECORD_MISC_COMM_EXEC);
	record_put(r, ids, sizeof(ids));
	record_put_string(r, "prog");
	record_end(r, pid, time);
}

/* PERF_RECORD_FORK or PERF_RECORD_EXIT. */
static inline void record_task(struct record *r, uint32_t type, uint32_t pid, uint32_t ppid,
			       uint32_t tid, uint64_t time)
{
	uint32_t ids[4] = { pid, ppid, tid, ppid };

	record_begin(r, type, 0);
	record_put(r, ids, sizeof(ids));
	record_put(r, &time, sizeof(time));
	record_end(r, pid, time);
}

/* A mapping of @path at file offset 0x1000. */
static inline void record_mmap2(struct record *r, uint32_t pid, uint64_t start, uint64_t len,
				uint32_t prot, dev_t dev, uint64_t ino, const char *path,
				uint64_t time)
{
	struct {
		uint32_t pid, tid;
		uint64_t addr, len, pgoff;
		uint32_t maj, min;
		uint64_t ino, ino_generation;
		uint32_t prot, flags;
	} body = { pid, pid, start, len, 0x1000, major(dev), minor(dev), ino, 0, prot, MAP_PRIVATE };

	record_begin(r, PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER);
	record_put(r, &body, sizeof(body));
	record_put_string(r, path);
	record_end(r, pid, time);
}

#endif
