/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The side-band of the mapping journal: one dummy software perf event per sampled CPU that
 * samples nothing but makes the kernel record every executable mapping (MMAP2), exec (COMM),
 * fork and exit of every process, timed on CLOCK_MONOTONIC like bpf_ktime_get_ns(), into a
 * ring per CPU; mapping_events__read() feeds them to the journal in time order.
 */
#ifndef PROF_MAPPING_EVENTS_H
#define PROF_MAPPING_EVENTS_H

#include <stddef.h>
#include <stdint.h>

struct mapping_events;
struct mapping_journal;

/*
 * Data bytes of each CPU's ring. A process's life writes ~1.5 KiB (fork, exec, a dozen
 * mappings, exit); emptied by a thread of its own once a quarter full (into spools, up to
 * 32 MiB for all CPUs, that the reader feeds to the journal), 256 KiB leaves room for ~130
 * process lives per CPU while that thread waits for a CPU.
 */
#define MAPPING_EVENTS_RING_BYTES (256 * 1024)

/*
 * Opens the events on the @ncpus CPUs of @cpus (borrowed for the call) feeding @journal
 * (borrowed until mapping_events__free()). They record from now on. Returns 0 and an owned
 * reader in *@out, or -errno (the kernel refused an attribute, or the privileges are
 * lacking: the caller goes without the journal), -ENOMEM.
 */
int mapping_events__open(const uint32_t *cpus, size_t ncpus, struct mapping_journal *journal,
			 struct mapping_events **out);
/* NULL-safe; closes the events. */
void mapping_events__free(struct mapping_events *ev);

/*
 * Feeds every record written so far to the journal, oldest first over all CPUs. Blocks only
 * while the rings' thread moves records. Returns the records read, or -ENOMEM (the rest
 * stays for the next call).
 */
int mapping_events__read(struct mapping_events *ev);

#endif
