// SPDX-License-Identifier: GPL-2.0-only
#include "proc_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "log.h"
#include "mapping_journal.h"
#include "symbolizer.h"

/* When to read an exec'd image again: after ld.so mapped its libraries, and after a while. */
static const uint64_t refresh_delays_ns[] = { 20000000, 1000000000 };
/* When to read a process whose code outgrew its snapshot: soon, but not at every sample. */
#define UNKNOWN_PC_DELAY_NS 100000000ull

struct pending_refresh {
	uint32_t gen;
	uint32_t tgid;
	uint64_t due_ns;
};

/*
 * A process image, by generation and process: generations are handed out by each CPU on its
 * own and wrap after 2^32, so the pair tells images apart. exited_epoch is the epoch its exit
 * was seen in, 0 while it runs; order tells which of a process's images came last.
 */
struct proc_slot {
	uint32_t gen;
	uint32_t tgid;
	uint32_t exited_epoch;
	uint32_t order;
	struct proc_entry *entry;
	struct journal_image *image; /* a reference, when the journal knows the image */
	size_t image_count;	     /* the image's mappings entry->maps was built from */
};

struct proc_table {
	struct symbolizer *sym;
	struct pending_refresh *pending; /* ordered by due time within each delay */
	size_t nr_pending, pending_cap;
	/* Sorted by (generation, process); exited ones are removed by proc_table__evict(). */
	struct proc_slot *slots;
	size_t nslots, slots_cap;
	uint32_t next_order;
	uint32_t epoch;
	/* Entries read late, for samples whose generation was never reported; searched linearly. */
	struct proc_entry **late;
	size_t nlate;
	struct proc_table_stats stats;
	struct proc_observer observer;	 /* callbacks NULL when none */
	struct mapping_journal *journal; /* borrowed, or NULL */
};

struct proc_table *proc_table__new(struct symbolizer *sym)
{
	struct proc_table *table = calloc(1, sizeof(*table));

	if (table) {
		table->sym = sym;
		table->epoch = 1;
	}
	return table;
}

void proc_table__set_observer(struct proc_table *table, const struct proc_observer *observer)
{
	if (observer)
		table->observer = *observer;
	else
		memset(&table->observer, 0, sizeof(table->observer));
}

void proc_table__set_journal(struct proc_table *table, struct mapping_journal *journal)
{
	table->journal = journal;
}

static void observe_snapshot(struct proc_table *table, uint32_t tgid, const struct proc_maps *maps)
{
	if (table->observer.on_snapshot && maps)
		table->observer.on_snapshot(table->observer.ctx, tgid, maps);
}

static void entry_free(struct proc_entry *entry)
{
	if (!entry)
		return;
	proc_maps__free((struct proc_maps *)entry->maps);
	free(entry);
}

void proc_table__free(struct proc_table *table)
{
	if (!table)
		return;
	for (size_t i = 0; i < table->nslots; i++) {
		entry_free(table->slots[i].entry);
		journal_image__put(table->slots[i].image);
	}
	for (size_t i = 0; i < table->nlate; i++)
		entry_free(table->late[i]);
	free(table->slots);
	free(table->late);
	free(table->pending);
	free(table);
}

static struct proc_entry *entry_new(uint32_t tgid, const char *comm)
{
	struct proc_entry *entry = calloc(1, sizeof(*entry));

	if (entry) {
		entry->tgid = tgid;
		memcpy(entry->comm, comm, strnlen(comm, sizeof(entry->comm) - 1));
	}
	return entry;
}

/* Reads process @tgid now. Returns an owned entry, or NULL on allocation failure. */
static struct proc_entry *entry_read(struct proc_table *table, uint32_t tgid, const char *comm)
{
	struct proc_entry *entry = entry_new(tgid, comm);
	struct proc_maps *maps = NULL;
	int err;

	if (!entry)
		return NULL;
	err = symbolizer__snapshot(table->sym, tgid, &maps);
	if (err) {
		pr_debug("cannot read the mappings of pid %u (%s): %s\n", tgid, comm,
			 strerror(-err));
		table->stats.vanished++;
	} else {
		table->stats.snapshots++;
	}
	entry->maps = maps;
	return entry;
}

static int slot_cmp(const struct proc_slot *slot, uint32_t gen, uint32_t tgid)
{
	if (slot->gen != gen)
		return slot->gen < gen ? -1 : 1;
	if (slot->tgid != tgid)
		return slot->tgid < tgid ? -1 : 1;
	return 0;
}

/* The index of the first slot at or after (@gen, @tgid). */
static size_t slot_search(const struct proc_table *table, uint32_t gen, uint32_t tgid)
{
	size_t lo = 0, hi = table->nslots;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (slot_cmp(&table->slots[mid], gen, tgid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The slot of image (@gen, @tgid), or NULL. */
static struct proc_slot *slot_find(struct proc_table *table, uint32_t gen, uint32_t tgid)
{
	size_t at = slot_search(table, gen, tgid);

	if (at < table->nslots && slot_cmp(&table->slots[at], gen, tgid) == 0)
		return &table->slots[at];
	return NULL;
}

/* Inserts an empty slot for (@gen, @tgid), not in the table. Returns it, or NULL without memory. */
static struct proc_slot *slot_insert(struct proc_table *table, uint32_t gen, uint32_t tgid)
{
	size_t at = slot_search(table, gen, tgid);

	if (array__reserve(&table->slots, &table->slots_cap, table->nslots + 1,
			   sizeof(*table->slots)))
		return NULL;
	memmove(&table->slots[at + 1], &table->slots[at],
		(table->nslots - at) * sizeof(*table->slots));
	table->nslots++;
	table->slots[at] = (struct proc_slot){ .gen = gen,
					       .tgid = tgid,
					       .order = table->next_order++ };
	return &table->slots[at];
}

/*
 * Builds the mappings of @slot's entry from its journal image again when the image holds
 * more than they were built from (the dynamic loader maps libraries after exec), and tells
 * the observer. Returns whether it did.
 */
static bool slot_update_from_image(struct proc_table *table, struct proc_slot *slot)
{
	size_t count = journal_image__count(slot->image), n;
	struct proc_maps *snapshot;
	struct proc_map *maps;
	int err;

	if (slot->entry->maps && count == slot->image_count)
		return false;
	err = journal_image__mappings(slot->image, &maps, &n);
	if (!err) {
		err = symbolizer__snapshot_of(table->sym, slot->tgid, maps, n, &snapshot);
		free(maps);
	}
	if (err) {
		pr_debug("pid %u: no snapshot from the journal: %s\n", slot->tgid, strerror(-err));
		return false;
	}
	proc_maps__free((struct proc_maps *)slot->entry->maps);
	slot->entry->maps = snapshot;
	slot->image_count = count;
	observe_snapshot(table, slot->tgid, snapshot);
	return true;
}

/*
 * Names @slot's image from the journal, if it knows the image @event started. Returns
 * whether it did (else the process is read from /proc).
 */
static bool slot_from_journal(struct proc_table *table, struct proc_slot *slot,
			      const struct prof_proc_event *event, const char *comm)
{
	if (!table->journal)
		return false;
	slot->image = mapping_journal__image_at(table->journal, event->tgid, event->time_ns);
	if (!slot->image)
		return false;
	slot->entry = entry_new(event->tgid, comm);
	if (!slot->entry)
		return true;
	table->stats.from_journal++;
	slot_update_from_image(table, slot);
	return true;
}

/* Forgets the refreshes of @tgid's earlier images: they are not running any more. */
static void cancel_refreshes(struct proc_table *table, uint32_t tgid)
{
	size_t kept = 0;

	for (size_t i = 0; i < table->nr_pending; i++)
		if (table->pending[i].tgid != tgid)
			table->pending[kept++] = table->pending[i];
	table->nr_pending = kept;
}

static void schedule_refreshes(struct proc_table *table, uint32_t tgid, uint32_t gen,
			       uint64_t now_ns)
{
	size_t n = sizeof(refresh_delays_ns) / sizeof(refresh_delays_ns[0]);

	if (array__reserve(&table->pending, &table->pending_cap, table->nr_pending + n,
			   sizeof(*table->pending)))
		return; /* the exec-time mappings stay: frames in libraries may go unnamed */
	for (size_t i = 0; i < n; i++)
		table->pending[table->nr_pending++] = (struct pending_refresh){
			.gen = gen, .tgid = tgid, .due_ns = now_ns + refresh_delays_ns[i]
		};
}

/*
 * Schedules reading the running image of @tgid again: the newest one, that has not exited.
 * One at a time: the walker asks once until the read gives it the process again.
 */
static void schedule_unknown_pc(struct proc_table *table, uint32_t tgid, uint64_t now_ns)
{
	struct proc_slot *newest = NULL;

	for (size_t i = 0; i < table->nr_pending; i++)
		if (table->pending[i].tgid == tgid)
			return;
	for (size_t i = 0; i < table->nslots; i++) {
		struct proc_slot *slot = &table->slots[i];

		/* Orders wrap too: the distance from the next one tells which came last. */
		if (slot->entry && slot->tgid == tgid &&
		    (!newest ||
		     table->next_order - slot->order < table->next_order - newest->order))
			newest = slot;
	}
	if (!newest || newest->exited_epoch ||
	    array__reserve(&table->pending, &table->pending_cap, table->nr_pending + 1,
			   sizeof(*table->pending)))
		return;
	table->pending[table->nr_pending++] = (struct pending_refresh){
		.gen = newest->gen, .tgid = tgid, .due_ns = now_ns + UNKNOWN_PC_DELAY_NS
	};
}

void proc_table__refresh(struct proc_table *table, uint64_t now_ns, bool all)
{
	struct proc_maps *maps;
	struct proc_entry *entry;
	struct proc_slot *slot;
	size_t kept = 0;

	for (size_t i = 0; i < table->nr_pending; i++) {
		struct pending_refresh *p = &table->pending[i];

		if (!all && p->due_ns > now_ns) {
			table->pending[kept++] = *p;
			continue;
		}
		/* Reading everything at once, one read an image is enough. */
		if (all && i + 1 < table->nr_pending && table->pending[i + 1].gen == p->gen &&
		    table->pending[i + 1].tgid == p->tgid)
			continue;
		slot = slot_find(table, p->gen, p->tgid);
		entry = slot ? slot->entry : NULL;
		if (entry && slot->image) {
			table->stats.refreshed += slot_update_from_image(table, slot);
			continue;
		}
		/* A process gone since keeps what was read at exec. */
		if (!entry || symbolizer__snapshot(table->sym, p->tgid, &maps))
			continue;
		proc_maps__free((struct proc_maps *)entry->maps);
		entry->maps = maps;
		table->stats.refreshed++;
		observe_snapshot(table, p->tgid, maps);
	}
	table->nr_pending = kept;
}

/*
 * A new image of @tgid ends the ones before it: an exec replaced them, or the process exited
 * (its exit lost) and its number was reused. Only the newest image's exit is ever reported,
 * so without this every image a process leaves by exec would be held for good, and with it
 * the files it maps. Its samples may still come this interval: it is evicted as if exited.
 */
static void retire_images(struct proc_table *table, uint32_t tgid)
{
	for (size_t i = 0; i < table->nslots; i++) {
		struct proc_slot *slot = &table->slots[i];

		if (slot->tgid == tgid && !slot->exited_epoch) {
			slot->exited_epoch = table->epoch;
			table->stats.replaced++;
		}
	}
}

void proc_table__on_event(struct proc_table *table, const struct prof_proc_event *event,
			  uint64_t now_ns)
{
	char comm[PROF_COMM_LEN + 1] = { 0 };
	uint32_t gen = event->proc_gen;
	struct proc_slot *slot;

	if (event->type == PROF_PROC_UNKNOWN_PC) {
		schedule_unknown_pc(table, event->tgid, now_ns);
		return;
	}
	if (event->type != PROF_PROC_SEEN)
		cancel_refreshes(table, event->tgid);
	if (gen == 0)
		return;
	slot = slot_find(table, gen, event->tgid);
	if (event->type == PROF_PROC_EXIT) {
		/* The snapshot stays until proc_table__evict(): samples still need it. */
		if (slot && !slot->exited_epoch)
			slot->exited_epoch = table->epoch;
		if (table->observer.on_exit)
			table->observer.on_exit(table->observer.ctx, event->tgid);
		return;
	}
	if (slot)
		return;
	retire_images(table, event->tgid);
	slot = slot_insert(table, gen, event->tgid);
	if (!slot) {
		pr_warn("out of memory recording process %u\n", event->tgid);
		return;
	}
	memcpy(comm, event->comm, PROF_COMM_LEN);
	if (!slot_from_journal(table, slot, event, comm)) {
		slot->entry = entry_read(table, event->tgid, comm);
		if (slot->entry)
			observe_snapshot(table, event->tgid, slot->entry->maps);
	}
	if (event->type == PROF_PROC_EXEC && slot->entry && slot->entry->maps)
		schedule_refreshes(table, event->tgid, gen, now_ns);
}

const struct proc_entry *proc_table__lookup(struct proc_table *table, uint32_t gen, uint32_t tgid)
{
	struct proc_entry *entry, **grown;
	struct proc_slot *slot = gen ? slot_find(table, gen, tgid) : NULL;

	if (slot && slot->entry) {
		/* Mappings recorded since the entry was built name more. */
		if (slot->image)
			slot_update_from_image(table, slot);
		return slot->entry;
	}
	for (size_t i = 0; i < table->nlate; i++)
		if (table->late[i]->tgid == tgid)
			return table->late[i];
	grown = realloc(table->late, (table->nlate + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	table->late = grown;
	/* The name is unknown: callers fall back to the thread name. */
	entry = entry_read(table, tgid, "");
	if (!entry)
		return NULL;
	table->stats.late++;
	table->late[table->nlate++] = entry;
	return entry;
}

/*
 * Marks exited the images of processes gone without an exit event: one sampled while it
 * exits, after its exit was reported, is seen again and never reported gone. Their unwind
 * tables go too.
 */
static void find_gone(struct proc_table *table)
{
	for (size_t i = 0; i < table->nslots; i++) {
		struct proc_slot *slot = &table->slots[i];

		if (slot->exited_epoch || symbolizer__process_exists(table->sym, slot->tgid))
			continue;
		slot->exited_epoch = table->epoch;
		table->stats.gone++;
		if (table->observer.on_exit)
			table->observer.on_exit(table->observer.ctx, slot->tgid);
	}
}

void proc_table__evict(struct proc_table *table)
{
	size_t kept = 0;

	find_gone(table);
	for (size_t i = 0; i < table->nslots; i++) {
		struct proc_slot *slot = &table->slots[i];

		if (slot->exited_epoch && slot->exited_epoch < table->epoch) {
			entry_free(slot->entry);
			journal_image__put(slot->image);
			table->stats.evicted++;
			continue;
		}
		table->slots[kept++] = *slot;
	}
	table->nslots = kept;
	for (size_t i = 0; i < table->nlate; i++)
		entry_free(table->late[i]);
	table->nlate = 0;
	table->epoch++;
}

size_t proc_table__count(const struct proc_table *table)
{
	return table->nslots + table->nlate;
}

void proc_table__stats(const struct proc_table *table, struct proc_table_stats *stats)
{
	*stats = table->stats;
}
