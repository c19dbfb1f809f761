/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The local store: the agent's history, one file per interval in one folder.
 *
 * A file holds one interval's profile as zstd-compressed pprof (raw protobuf inside) and is named
 * by a sequence number, then the interval's UTC start to the millisecond:
 * 000000000042-20261121T100200.123Z.pb.zst. The sequence counts the store's writes, from the
 * highest in the folder on (in names and in the upload cursor), and orders the files whatever the
 * wall clock did (NTP steps it back, a VM is restored from a snapshot): uploads and the limits go
 * by it, time windows by the recorded times. Names from before sequences
 * (20261121T100200.123Z.pb.zst) count as sequence 0, before all others, in time order. Files are
 * written under a temporary name starting with "." and ending in ".tmp", fsynced, renamed into
 * place, and the folder fsynced: a reader sees a whole file or none. The oldest files go first to
 * keep the size and age limits, but never the newest: the sequence goes on from it.
 *
 * Whoever may write the folder may plant links, FIFOs or other files in it. The writer (the
 * agent, often root) therefore takes only a folder that its own user owns and that neither
 * group nor others may write, as ssh does with ~/.ssh. Readers (store ls, flamegraph --store)
 * may read a store that belongs to someone else, and all of them, the writer too, open files
 * only relative to the folder's descriptor, never through a link, regular files only (other
 * entries are skipped and counted), without blocking on a FIFO.
 */
#ifndef PROF_STORE_H
#define PROF_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_NAME_MAX 64
#define STORE_SUFFIX ".pb.zst"
/*
 * The uploader's state beside the intervals (upload.h): the last interval accepted, and those
 * refused. The store reads the cursors too: files removed by hand must not make it number from
 * below one.
 */
#define UPLOAD_CURSOR_FILE ".upload-cursor"
#define UPLOAD_REFUSED_FILE ".upload-refused"
/* The same for the OTLP uploader, which runs beside the Pyroscope one with its own progress. */
#define UPLOAD_CURSOR_FILE_OTLP ".upload-cursor-otlp"
#define UPLOAD_REFUSED_FILE_OTLP ".upload-refused-otlp"

struct store;

struct store_opts {
	const char *dir;     /* created (with parents) when missing */
	uint64_t max_size;   /* bytes of interval files kept; 0: no limit */
	uint64_t max_age_ns; /* intervals older than this (by start) are removed; 0: no limit */
};

struct store_entry {
	char name[STORE_NAME_MAX]; /* file name within the folder */
	uint64_t seq;		   /* the store's write order (from the name); 0 for old names */
	uint64_t start_ns;	   /* interval start, ns since the Unix epoch (from the name) */
	uint64_t size;		   /* bytes on disk */
};

struct store_stats {
	uint64_t files, bytes;	 /* what the store holds now */
	uint64_t written;	 /* intervals written by this process */
	uint64_t removed_size;	 /* files removed to keep max_size */
	uint64_t removed_age;	 /* files removed to keep max_age */
	uint64_t write_failures; /* intervals that could not be written (full disk, ...) */
	uint64_t leftovers;	 /* temporary files of an interrupted writer removed at open */
	uint64_t not_regular;	 /* entries named as intervals but no regular file, skipped */
	uint64_t reopened;	 /* times the folder was found removed or replaced, taken over */
};

/*
 * Opens (creating it when missing) the store at @opts->dir for writing: takes an exclusive
 * lock on the folder (a second writer gets -EBUSY), removes the temporary files a crash left,
 * reads what the folder holds and applies the limits. Errors are logged as one line.
 * Returns 0 or -errno.
 */
int store__open(const struct store_opts *opts, struct store **out);
/* NULL-safe; releases the lock. */
void store__close(struct store *store);

/*
 * Stores @raw[0..len) (an uncompressed pprof) as the interval starting at @start_ns, as the newest
 * (the next sequence number), then applies the limits. A folder removed or replaced since is
 * opened again first, as store__open() does (-EBUSY when another agent holds it now; tried
 * again at each write). A start before the last one written is
 * logged once as the wall clock stepping back. On failure nothing is left behind and the store
 * holds what it held; -ENOSPC and -EDQUOT mean a full disk. Writes the file name to @name
 * (STORE_NAME_MAX) when not NULL. Returns 0 or -errno (-EFBIG for @len past STORE_MAX_PROFILE).
 */
int store__write(struct store *store, uint64_t start_ns, const void *raw, size_t len, char *name);

const char *store__dir(const struct store *store);
void store__stats(const struct store *store, struct store_stats *stats);

/*
 * Opens the store folder @dir (links in the path are followed: whoever named it chose them).
 * With @writer, refuses (-EPERM) a folder that the process's user does not own or that its
 * group or others may write, and logs any failure as one line; readers get -errno quietly.
 * Returns the folder's descriptor (owned by the caller) or -errno (-ENOENT for none).
 */
int store__open_dir(const char *dir, bool writer);

/*
 * The interval files in the folder @dir_fd (from store__open_dir(), borrowed), oldest first
 * (store__name_cmp()),
 * without locking (for readers while an agent writes). Names that are not interval names
 * are left out; entries with an interval's name that are no regular file too, counted in
 * @not_regular (may be NULL). @*entries is malloc'ed. Returns 0 or -errno.
 */
int store__list(int dir_fd, struct store_entry **entries, size_t *n, size_t *not_regular);

/*
 * The largest profile an interval file may hold, uncompressed. An agent's interval is bounded
 * by its counts map (32768 keys by default, each a sample of at most 2 x 127 frames): about
 * 26 MiB of pprof at worst, and its whole memory budget is less than this. A file that claims
 * or holds more was not written by an agent: it is refused (never written, never decompressed
 * past this), whatever its compressed size.
 */
#define STORE_MAX_PROFILE (64u << 20)
/* The largest interval file: zstd's worst case for STORE_MAX_PROFILE (under 1/128 more). */
#define STORE_MAX_FILE (STORE_MAX_PROFILE + (STORE_MAX_PROFILE >> 7))

/*
 * Reads the interval file @name of the folder @dir_fd (without locking, as store__list) and
 * decompresses it: its pprof, uncompressed, into @*raw (malloc'ed, owned by the caller) and
 * @*len. Returns 0 or -errno with a short reason in @why (@whylen bytes): -ENOENT for a file
 * gone (removed for the limits, say), -ELOOP for a link, -EINVAL for another entry that is
 * no regular file, -EFBIG past STORE_MAX_FILE, -E2BIG for content past
 * STORE_MAX_PROFILE (told from the zstd header where it says), -EINVAL for an empty,
 * shrinking, not zstd, corrupt or truncated file, -ENOMEM, or what reading failed with.
 */
int store__read(int dir_fd, const char *name, void **raw, size_t *len, char *why, size_t whylen);

/*
 * Formats the name of the interval @seq starting at @start_ns into @name (STORE_NAME_MAX);
 * @seq 0 gives a name as written before sequences.
 */
void store__format_name(uint64_t seq, uint64_t start_ns, char *name);
/*
 * Parses an interval file name, with a sequence or from before them (@seq 0). @seq and
 * @start_ns may be NULL. Returns 0 or -EINVAL.
 */
int store__parse_name(const char *name, uint64_t *seq, uint64_t *start_ns);
/*
 * Orders interval names as the store wrote them, like strcmp(): "" first, then the names from
 * before sequences by time, then by sequence.
 */
int store__name_cmp(const char *a, const char *b);

#endif
