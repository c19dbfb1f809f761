// SPDX-License-Identifier: GPL-2.0-only
#include "proc_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "symbolizer.h"

struct proc_table {
	struct symbolizer *sym;
	/* Generations are handed out densely from 1, so they index an array. */
	struct proc_entry **by_gen;
	size_t ngen;
	/* Entries read late, for samples whose generation was never reported; searched linearly. */
	struct proc_entry **late;
	size_t nlate;
	struct proc_table_stats stats;
};

struct proc_table *proc_table__new(struct symbolizer *sym)
{
	struct proc_table *table = calloc(1, sizeof(*table));

	if (table)
		table->sym = sym;
	return table;
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
	for (size_t i = 0; i < table->ngen; i++)
		entry_free(table->by_gen[i]);
	for (size_t i = 0; i < table->nlate; i++)
		entry_free(table->late[i]);
	free(table->by_gen);
	free(table->late);
	free(table);
}

/* Reads process @tgid now. Returns an owned entry, or NULL on allocation failure. */
static struct proc_entry *entry_read(struct proc_table *table, uint32_t tgid, const char *comm)
{
	struct proc_entry *entry = calloc(1, sizeof(*entry));
	struct proc_maps *maps = NULL;
	int err;

	if (!entry)
		return NULL;
	entry->tgid = tgid;
	strncpy(entry->comm, comm, sizeof(entry->comm) - 1);
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

static int grow_to(struct proc_table *table, size_t ngen)
{
	struct proc_entry **grown;
	size_t cap = table->ngen ? table->ngen : 64;

	while (cap < ngen)
		cap *= 2;
	grown = realloc(table->by_gen, cap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	memset(grown + table->ngen, 0, (cap - table->ngen) * sizeof(*grown));
	table->by_gen = grown;
	table->ngen = cap;
	return 0;
}

void proc_table__on_event(struct proc_table *table, const struct prof_proc_event *event)
{
	char comm[PROF_COMM_LEN + 1] = { 0 };
	uint32_t gen = event->proc_gen;

	if (event->type == PROF_PROC_EXIT || gen == 0)
		return; /* the snapshot stays: samples of the exited process still need it */
	if (gen >= table->ngen && grow_to(table, gen + 1)) {
		pr_warn("out of memory recording process %u\n", event->tgid);
		return;
	}
	if (table->by_gen[gen])
		return;
	memcpy(comm, event->comm, PROF_COMM_LEN);
	table->by_gen[gen] = entry_read(table, event->tgid, comm);
}

const struct proc_entry *proc_table__lookup(struct proc_table *table, uint32_t gen,
					    uint32_t tgid)
{
	struct proc_entry *entry, **grown;

	if (gen && gen < table->ngen && table->by_gen[gen])
		return table->by_gen[gen];
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

void proc_table__stats(const struct proc_table *table, struct proc_table_stats *stats)
{
	*stats = table->stats;
}
