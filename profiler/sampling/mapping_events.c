// SPDX-License-Identifier: GPL-2.0-only
#include "mapping_events.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mapping_journal.h"
#include "record_spool.h"

/*
 * Records moved out of the kernel's rings and not read yet, over all CPUs: seconds of a
 * busy host's records. Past it they wait in the kernel's ring, which drops them when full.
 */
#define SPOOL_MAX_BYTES (32u << 20)

struct event_ring {
	int fd;
	struct perf_event_mmap_page *page; /* followed by data_size bytes of data */
	size_t mmap_size;
	struct record_spool *spool; /* its records out of the ring, oldest first */
};

/*
 * The rings are emptied into the spools by a thread of their own, woken when one is a
 * quarter full, and by every mapping_events__read(), which then feeds the journal from the
 * spools: a reader busy elsewhere for seconds (a large table built, a starved CPU) does not
 * make the kernel drop records.
 */
struct mapping_events {
	struct mapping_journal *journal;
	struct event_ring *rings;
	size_t nrings;
	pthread_mutex_t lock;	/* the rings' tails and the spools */
	size_t spooled;		/* bytes in all spools */
	struct pollfd *pollfds; /* the rings', then stop_fd's */
	int stop_fd;		/* an eventfd: the drainer returns once it is written */
	pthread_t drainer;
	bool drainer_started;
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
		/* Read at every poll; the drainer wakes when a ring is a quarter full. */
		.watermark = 1,
		.wakeup_watermark = MAPPING_EVENTS_RING_BYTES / 4,
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
	if (ev->drainer_started) {
		uint64_t one = 1;

		if (write(ev->stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(ev->drainer, NULL);
		else
			pthread_detach(ev->drainer); /* cannot happen: an eventfd takes a write */
	}
	if (ev->stop_fd >= 0)
		close(ev->stop_fd);
	for (size_t i = 0; i < ev->nrings; i++) {
		if (ev->rings[i].page)
			munmap(ev->rings[i].page, ev->rings[i].mmap_size);
		if (ev->rings[i].fd >= 0)
			close(ev->rings[i].fd);
		record_spool__free(ev->rings[i].spool);
	}
	pthread_mutex_destroy(&ev->lock);
	free(ev->rings);
	free(ev->pollfds);
	free(ev);
}

static void *drain_loop(void *arg);

/* Starts the drainer with every signal blocked: they are the main thread's to handle. */
static int start_drainer(struct mapping_events *ev)
{
	sigset_t all, old;
	int err;

	for (size_t i = 0; i < ev->nrings; i++)
		ev->pollfds[i] = (struct pollfd){ .fd = ev->rings[i].fd, .events = POLLIN };
	ev->pollfds[ev->nrings] = (struct pollfd){ .fd = ev->stop_fd, .events = POLLIN };
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&ev->drainer, NULL, drain_loop, ev);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	ev->drainer_started = !err;
	return err;
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
	ev->stop_fd = -1;
	pthread_mutex_init(&ev->lock, NULL);
	ev->rings = calloc(ncpus, sizeof(*ev->rings));
	ev->pollfds = calloc(ncpus + 1, sizeof(*ev->pollfds));
	if (!ev->rings || !ev->pollfds)
		goto out_free;
	for (; ev->nrings < ncpus; ev->nrings++) {
		struct event_ring *ring = &ev->rings[ev->nrings];

		ring->fd = -1;
		ring->spool = record_spool__new();
		err = ring->spool ? ring_open(ring, cpus[ev->nrings]) : -ENOMEM;
		if (err) {
			ev->nrings++;
			goto out_free;
		}
	}
	ev->stop_fd = eventfd(0, EFD_CLOEXEC);
	err = ev->stop_fd < 0 ? -errno : start_drainer(ev);
	if (err)
		goto out_free;
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

struct ring_at {
	const struct event_ring *ring;
	uint64_t at;
};

/* record_spool__push()'s copy: the record at a ring offset. */
static void copy_out(void *ctx, void *dst, size_t size)
{
	const struct ring_at *r = ctx;

	ring_copy(r->ring, r->at, dst, size);
}

/* record_spool__push()'s copy: a record already out of the ring. */
static void copy_from(void *ctx, void *dst, size_t size)
{
	memcpy(dst, ctx, size);
}

/*
 * Moves @ring's whole records into its spool, while the spools have room. A broken header
 * (nothing after it can be found) goes alone, for the journal to count as malformed.
 * Called with ev->lock held.
 */
static void drain_ring(struct mapping_events *ev, struct event_ring *ring)
{
	uint64_t head = __atomic_load_n(&ring->page->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = ring->page->data_tail;
	struct perf_event_header h;

	while (tail != head) {
		memset(&h, 0, sizeof(h));
		if (head - tail >= sizeof(h))
			ring_copy(ring, tail, &h, sizeof(h));
		if (head - tail < sizeof(h) || h.size < sizeof(h) + sizeof(uint64_t) ||
		    h.size > head - tail) {
			h.size = 0;
			if (!record_spool__push(ring->spool, sizeof(h), copy_from, &h)) {
				ev->spooled += sizeof(h);
				tail = head;
			}
			break;
		}
		if (ev->spooled + h.size > SPOOL_MAX_BYTES ||
		    record_spool__push(ring->spool, h.size, copy_out,
				       &(struct ring_at){ .ring = ring, .at = tail }))
			break;
		ev->spooled += h.size;
		tail += h.size;
	}
	__atomic_store_n(&ring->page->data_tail, tail, __ATOMIC_RELEASE);
}

static void *drain_loop(void *arg)
{
	struct mapping_events *ev = arg;

	for (;;) {
		if (poll(ev->pollfds, ev->nrings + 1, -1) < 0 && errno != EINTR)
			return NULL;
		if (ev->pollfds[ev->nrings].revents)
			return NULL;
		/* An event the kernel ended (its CPU gone) is no longer waited for. */
		for (size_t i = 0; i < ev->nrings; i++)
			if (ev->pollfds[i].revents & (POLLHUP | POLLERR | POLLNVAL))
				ev->pollfds[i].fd = -1;
		pthread_mutex_lock(&ev->lock);
		for (size_t i = 0; i < ev->nrings; i++)
			drain_ring(ev, &ev->rings[i]);
		pthread_mutex_unlock(&ev->lock);
	}
}

/*
 * The oldest record of @ring's spool and its time (the last 8 bytes of every record,
 * sample_id_all); a broken one (its header's size 0) is fed to the journal, which counts
 * it, and dropped. NULL when the spool is empty.
 */
static const void *spool_peek(struct mapping_events *ev, struct event_ring *ring, uint64_t *time,
			      size_t *size)
{
	const struct perf_event_header *h;

	while ((h = record_spool__peek(ring->spool, size))) {
		if (h->size) {
			memcpy(time, (const char *)h + *size - sizeof(*time), sizeof(*time));
			return h;
		}
		mapping_journal__feed(ev->journal, h, 0);
		record_spool__pop(ring->spool);
		ev->spooled -= *size;
	}
	return NULL;
}

int mapping_events__read(struct mapping_events *ev)
{
	uint64_t time, best_time = 0;
	size_t size, best_size = 0;
	int n = 0, err = 0;

	pthread_mutex_lock(&ev->lock);
	for (size_t i = 0; i < ev->nrings; i++)
		drain_ring(ev, &ev->rings[i]);
	/* Each spool is in time order: merge them, the oldest first. */
	for (;;) {
		struct event_ring *best = NULL;
		const void *record, *best_record = NULL;

		for (size_t i = 0; i < ev->nrings; i++) {
			record = spool_peek(ev, &ev->rings[i], &time, &size);
			if (record && (!best || time < best_time)) {
				best = &ev->rings[i];
				best_record = record;
				best_time = time;
				best_size = size;
			}
		}
		if (!best)
			break;
		err = mapping_journal__feed(ev->journal, best_record, best_size);
		if (err == -ENOMEM)
			break;
		record_spool__pop(best->spool);
		ev->spooled -= best_size;
		n++;
	}
	pthread_mutex_unlock(&ev->lock);
	return err == -ENOMEM ? err : n;
}
