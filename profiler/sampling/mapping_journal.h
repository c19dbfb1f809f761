/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mapping journal: what the kernel's side-band records (perf's MMAP2, COMM, FORK, EXIT,
 * fed by mapping_events) say of each process image, kept so that a process can be named
 * after it exited, without /proc/PID/maps read in time.
 *
 * An image begins at exec (COMM with the exec flag) or at fork (the child's image is its
 * parent's, shared: the child's own mappings are kept apart and the parent's count only up
 * to the fork), holds the executable mappings made by its process, and ends at the exit of
 * its process or at its next exec. Each process's images are kept in time order, so records
 * read out of order from different CPUs land in the right one. Processes that existed before
 * the journal began have no image: their records are ignored.
 *
 * Memory is bounded: at most limits.max_images images and max_mappings mappings are alive,
 * and their paths take at most max_path_bytes; what does not fit is dropped and counted.
 */
#ifndef PROF_MAPPING_JOURNAL_H
#define PROF_MAPPING_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct mapping_journal;
struct journal_image;
struct proc_map;

struct mapping_journal_limits {
	size_t max_images;     /* images alive at once (exited ones included until reaped) */
	size_t max_mappings;   /* mappings alive at once, over all images */
	size_t max_path_bytes; /* the paths of every mapping recorded */
};

struct mapping_journal_stats {
	uint64_t records;	   /* records read */
	uint64_t lost;		   /* records the kernel lost: its ring was full */
	uint64_t malformed;	   /* records refused: sizes or strings out of bounds */
	uint64_t images;	   /* images begun */
	uint64_t older;		   /* images of processes older than the journal, read once */
	uint64_t images_dropped;   /* images not kept: max_images reached */
	uint64_t mappings_dropped; /* mappings not kept: max_mappings or max_path_bytes reached */
	uint64_t reaped;	   /* images ended (exit, exec) freed */
};

/*
 * Reads the executable mappings of the running process @tgid (start, end, pgoff, dev, ino,
 * path, deleted and exec used; a new array in *@maps that the journal frees). Returns 0 or
 * -errno.
 */
typedef int (*mapping_journal_read_fn)(void *ctx, uint32_t tgid, struct proc_map **maps, size_t *n);

/* @limits NULL: the defaults (64 Ki images, 512 Ki mappings, 16 MiB of paths). Returns NULL with errno set. */
struct mapping_journal *mapping_journal__new(const struct mapping_journal_limits *limits);
/* NULL-safe. Images still referenced (journal_image__put() pending) must be put first. */
void mapping_journal__free(struct mapping_journal *j);

/*
 * A process older than the journal that forks gets an image from @read (and @ctx, borrowed
 * until mapping_journal__free()), called while the fork's record is fed, so that its
 * children, which share its mappings, are known. Without it they are not.
 */
void mapping_journal__set_reader(struct mapping_journal *j, mapping_journal_read_fn read,
				 void *ctx);

/*
 * Gives @tgid, a process older than the journal, an image read with the reader (see
 * mapping_journal__set_reader()) unless the journal knows the process already: so that it
 * is named even if it exits before its first sample is read. Returns 0, or -ESRCH when it
 * could not be read (no reader, gone, the limits reached).
 */
int mapping_journal__read_older(struct mapping_journal *j, uint32_t tgid);

/*
 * Reads one perf record of @size bytes (its header included), as a dummy event opened with
 * sample_id_all and sample_type TID | TIME writes it. Records of other types are ignored.
 * Returns 0, or -EINVAL for a malformed record (counted; nothing kept), -ENOMEM.
 */
int mapping_journal__feed(struct mapping_journal *j, const void *record, size_t size);

/*
 * The image process @tgid ran at @time_ns (CLOCK_MONOTONIC), or NULL when the journal does
 * not know it (the process predates the journal, or its records were lost or dropped).
 * Returns a new reference: journal_image__put() it.
 */
struct journal_image *mapping_journal__image_at(struct mapping_journal *j, uint32_t tgid,
						uint64_t time_ns);

/*
 * Frees the images that ended (their process exited or exec'd) before @before_ns and which
 * no one else references (neither a caller nor a child image): images no sample can still
 * ask for.
 */
void mapping_journal__reap(struct mapping_journal *j, uint64_t before_ns);

void mapping_journal__stats(const struct mapping_journal *j, struct mapping_journal_stats *stats);

/* NULL-safe; the image is freed with its last reference (its journal must still exist). */
void journal_image__put(struct journal_image *img);

/*
 * Mappings the image holds now (its own and its parents' up to the fork): grows while the
 * process maps code, so a snapshot built from fewer is out of date.
 */
size_t journal_image__count(const struct journal_image *img);

/*
 * The image's executable mappings now, in a new array in *@out (free() it) of *@n entries:
 * start, end, pgoff, dev, ino, path (borrowed from the journal until mapping_journal__free();
 * "" for anonymous memory), deleted and exec set, dso NULL. A later mapping hides the earlier
 * ones it overlaps. Returns 0 or -ENOMEM.
 */
int journal_image__mappings(const struct journal_image *img, struct proc_map **out, size_t *n);

#endif
