// SPDX-License-Identifier: GPL-2.0-only
#include "mapping_events.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mapping_journal.h"

/* The largest record: header.size is 16 bits. */
#define MAX_RECORD_BYTES 65536

struct event_ring {
	int fd;
	struct perf_event_mmap_page *page; /* followed by data_size bytes of data */
	size_t mmap_size;
	uint64_t head, tail; /* as read at the start of a mapping_events__read() */
};

struct mapping_events {
	struct mapping_journal *journal;
	struct event_ring *rings;
	size_t nrings;
	char *record; /* one record copied out of the ring where it wraps */
};

static int open_event(uint32_t cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_DUMMY,
		.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME,
		.mmap = 1,
		.mmap2 = 1,
		.comm = 1,
		.comm_exec = 1,
		.task = 1,
		.sample_id_all = 1,
		.use_clockid = 1,
		.clockid = CLOCK_MONOTONIC,
		/* Read at every poll: no wakeup needed before the ring is half full. */
		.watermark = 1,
		.wakeup_watermark = MAPPING_EVENTS_RING_BYTES / 2,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int ring_open(struct event_ring *ring, uint32_t cpu)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	ring->fd = open_event(cpu);
	if (ring->fd < 0)
		return ring->fd;
	ring->mmap_size = page + MAPPING_EVENTS_RING_BYTES;
	p = mmap(NULL, ring->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	ring->page = p;
	return 0;
}

void mapping_events__free(struct mapping_events *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->nrings; i++) {
		if (ev->rings[i].page)
			munmap(ev->rings[i].page, ev->rings[i].mmap_size);
		if (ev->rings[i].fd >= 0)
			close(ev->rings[i].fd);
	}
	free(ev->rings);
	free(ev->record);
	free(ev);
}

int mapping_events__open(const uint32_t *cpus, size_t ncpus, struct mapping_journal *journal,
			 struct mapping_events **out)
{
	struct mapping_events *ev = calloc(1, sizeof(*ev));
	int err = -ENOMEM;

	*out = NULL;
	if (!ev)
		return -ENOMEM;
	ev->journal = journal;
	ev->rings = calloc(ncpus, sizeof(*ev->rings));
	ev->record = malloc(MAX_RECORD_BYTES);
	if (!ev->rings || !ev->record)
		goto out_free;
	for (; ev->nrings < ncpus; ev->nrings++) {
		ev->rings[ev->nrings].fd = -1;
		err = ring_open(&ev->rings[ev->nrings], cpus[ev->nrings]);
		if (err) {
			ev->nrings++;
			goto out_free;
		}
	}
	*out = ev;
	return 0;

out_free:
	mapping_events__free(ev);
	return err;
}

/* Copies @len bytes at ring offset @at (wrapping) into @dst. */
static void ring_copy(const struct event_ring *ring, uint64_t at, void *dst, size_t len)
{
	const char *data = (const char *)ring->page + ring->page->data_offset;
	size_t size = ring->page->data_size, off = at % size, first = size - off;

	if (first > len)
		first = len;
	memcpy(dst, data + off, first);
	memcpy((char *)dst + first, data, len - first);
}

/*
 * The time of the next record of @ring (the last 8 bytes of every record, sample_id_all),
 * and its size; false when the ring is read to its head or holds a broken header.
 */
static bool ring_peek(struct mapping_events *ev, struct event_ring *ring, uint64_t *time,
		      size_t *size)
{
	struct perf_event_header h = { 0 };

	if (ring->tail == ring->head)
		return false;
	if (ring->head - ring->tail < sizeof(h))
		goto broken;
	ring_copy(ring, ring->tail, &h, sizeof(h));
	if (h.size < sizeof(h) + sizeof(*time) || h.size > ring->head - ring->tail)
		goto broken;
	ring_copy(ring, ring->tail + h.size - sizeof(*time), time, sizeof(*time));
	*size = h.size;
	return true;

broken:
	/* Nothing after it can be found: the journal counts it (a size of 0 is malformed). */
	mapping_journal__feed(ev->journal, &h, 0);
	ring->tail = ring->head;
	return false;
}

int mapping_events__read(struct mapping_events *ev)
{
	uint64_t time, best_time = 0;
	size_t size, best_size = 0;
	int n = 0, err = 0;

	for (size_t i = 0; i < ev->nrings; i++) {
		struct event_ring *ring = &ev->rings[i];

		ring->head = __atomic_load_n(&ring->page->data_head, __ATOMIC_ACQUIRE);
		ring->tail = ring->page->data_tail;
	}
	/* Each ring is in time order: merge them, the oldest head first. */
	for (;;) {
		struct event_ring *best = NULL;

		for (size_t i = 0; i < ev->nrings; i++)
			if (ring_peek(ev, &ev->rings[i], &time, &size) &&
			    (!best || time < best_time)) {
				best = &ev->rings[i];
				best_time = time;
				best_size = size;
			}
		if (!best)
			break;
		ring_copy(best, best->tail, ev->record, best_size);
		err = mapping_journal__feed(ev->journal, ev->record, best_size);
		if (err == -ENOMEM)
			break;
		best->tail += best_size;
		n++;
	}
	for (size_t i = 0; i < ev->nrings; i++)
		__atomic_store_n(&ev->rings[i].page->data_tail, ev->rings[i].tail,
				 __ATOMIC_RELEASE);
	return err == -ENOMEM ? err : n;
}
