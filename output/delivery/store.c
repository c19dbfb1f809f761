// SPDX-License-Identifier: GPL-2.0-only
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "compress.h"
#include "log.h"

#define STORE_TEMP_PREFIX "."
#define STORE_TEMP_SUFFIX ".tmp"
#define STORE_DIR_MODE 0750
#define STORE_FILE_MODE 0640
/* YYYYMMDDTHHMMSS.mmmZ.pb.zst, the whole name before sequences, the tail of one since. */
#define STORE_TIME_LEN (sizeof("YYYYMMDDTHHMMSS.mmmZ") - 1 + sizeof(STORE_SUFFIX) - 1)
/* SSSSSSSSSSSS-YYYYMMDDTHHMMSS.mmmZ.pb.zst */
#define STORE_SEQ_DIGITS 12
#define STORE_SEQ_MAX 999999999999ull
#define STORE_NAME_LEN (STORE_SEQ_DIGITS + 1 + STORE_TIME_LEN)
/* Sequence numbers skipped for names someone else took: a few at most, in practice none. */
#define STORE_NAME_ATTEMPTS 1000
#define NS_PER_MS 1000000ull
#define SEC_PER_DAY 86400ull
/* The last year whose every millisecond fits uint64_t nanoseconds since 1970. */
#define STORE_MAX_YEAR 2554

struct store {
	char *dir; /* as given, for messages */
	int dir_fd;
	uint64_t max_size, max_age_ns;
	/*
	 * Interval files oldest first in entries[head..n): retention takes from the front by
	 * moving head, so removing k files costs O(k); the gap is reclaimed when appending.
	 */
	struct store_entry *entries;
	size_t head, n, cap;
	uint64_t next_seq;	/* the next file's sequence number */
	uint64_t last_start_ns; /* the start of the file written last, for clock steps */
	int follow_err;		/* why the folder at the path could not be taken over, or 0 */
	struct store_stats stats;
};

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static unsigned int parse_digits(const char *s, size_t n)
{
	unsigned int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned int)(s[i] - '0');
	return v;
}

static bool is_leap(unsigned int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned int days_in_month(unsigned int year, unsigned int month)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return days[month - 1] + (month == 2 && is_leap(year));
}

/* Days from 1970-01-01 to @year-@month-@day (proleptic Gregorian, @year >= 1970). */
static uint64_t days_since_epoch(unsigned int year, unsigned int month, unsigned int day)
{
	uint64_t days = 0;

	/* At most a few hundred years: a loop is clearer than the closed form and cheap enough. */
	for (unsigned int y = 1970; y < year; y++)
		days += is_leap(y) ? 366 : 365;
	for (unsigned int m = 1; m < month; m++)
		days += days_in_month(year, m);
	return days + day - 1;
}

/* Formats @ns as a name's time part, YYYYMMDDTHHMMSS.mmmZ, after @seq- when @seq is not 0. */
static void format_name(uint64_t seq, uint64_t ns, const char *suffix, char *out)
{
	time_t secs = (time_t)(ns / NSEC_PER_SEC);
	unsigned int ms = (unsigned int)(ns % NSEC_PER_SEC / NS_PER_MS);
	char prefix[24] = "";
	struct tm tm;

	if (seq)
		snprintf(prefix, sizeof(prefix), "%0*llu-", STORE_SEQ_DIGITS,
			 (unsigned long long)seq);
	gmtime_r(&secs, &tm);
	snprintf(out, STORE_NAME_MAX, "%s%04d%02d%02dT%02d%02d%02d.%03uZ%s", prefix,
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms,
		 suffix);
}

void store__format_name(uint64_t seq, uint64_t start_ns, char *name)
{
	format_name(seq, start_ns, STORE_SUFFIX, name);
}

/* Parses the time part, YYYYMMDDTHHMMSS.mmmZ.pb.zst. Returns 0 or -EINVAL. */
static int parse_time(const char *name, uint64_t *start_ns)
{
	unsigned int year, month, day, hour, min, sec, ms;
	uint64_t secs;

	/* Exactly the shape store__format_name() writes: no spaces, signs or other widths. */
	if (strlen(name) != STORE_TIME_LEN || !is_digits(name, 8) || name[8] != 'T' ||
	    !is_digits(name + 9, 6) || name[15] != '.' || !is_digits(name + 16, 3) ||
	    strcmp(name + 19, "Z" STORE_SUFFIX))
		return -EINVAL;
	year = parse_digits(name, 4);
	month = parse_digits(name + 4, 2);
	day = parse_digits(name + 6, 2);
	hour = parse_digits(name + 9, 2);
	min = parse_digits(name + 11, 2);
	sec = parse_digits(name + 13, 2);
	ms = parse_digits(name + 16, 3);
	/* Leap seconds (":60") are never written: UTC from the kernel clock has none. */
	if (year < 1970 || year > STORE_MAX_YEAR || month < 1 || month > 12 || day < 1 ||
	    day > days_in_month(year, month) || hour > 23 || min > 59 || sec > 59)
		return -EINVAL;
	secs = days_since_epoch(year, month, day) * SEC_PER_DAY + hour * 3600ull + min * 60ull +
	       sec;
	if (secs > (UINT64_MAX - ms * NS_PER_MS) / NSEC_PER_SEC)
		return -EINVAL;
	*start_ns = secs * NSEC_PER_SEC + ms * NS_PER_MS;
	return 0;
}

int store__parse_name(const char *name, uint64_t *seq, uint64_t *start_ns)
{
	uint64_t s = 0, start;

	/* A name from before sequences: the time alone, sequence 0. */
	if (strlen(name) == STORE_NAME_LEN) {
		if (!is_digits(name, STORE_SEQ_DIGITS) || name[STORE_SEQ_DIGITS] != '-')
			return -EINVAL;
		for (int i = 0; i < STORE_SEQ_DIGITS; i++)
			s = s * 10 + (uint64_t)(name[i] - '0');
		/* 0 is the old names' place: never written. */
		if (!s)
			return -EINVAL;
		name += STORE_SEQ_DIGITS + 1;
	}
	if (parse_time(name, &start))
		return -EINVAL;
	if (seq)
		*seq = s;
	if (start_ns)
		*start_ns = start;
	return 0;
}

/* 0 for "" (nothing), 1 for a name from before sequences, 2 for one with a sequence. */
static int name_rank(const char *name)
{
	return !*name ? 0 : strlen(name) == STORE_TIME_LEN ? 1 : 2;
}

int store__name_cmp(const char *a, const char *b)
{
	int ra = name_rank(a), rb = name_rank(b);

	/* Within a rank the fixed-width digits make byte order the order: sequence, then time. */
	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(a, b);
}

static bool is_temp_name(const char *name)
{
	size_t len = strlen(name), pre = strlen(STORE_TEMP_PREFIX), suf = strlen(STORE_TEMP_SUFFIX);

	return len > pre + suf && !strncmp(name, STORE_TEMP_PREFIX, pre) &&
	       !strcmp(name + len - suf, STORE_TEMP_SUFFIX);
}

static int entry__cmp(const void *a, const void *b)
{
	return store__name_cmp(((const struct store_entry *)a)->name,
			       ((const struct store_entry *)b)->name);
}

/*
 * Reads the interval files of the folder @dir_fd (not consumed) into a malloc'ed array,
 * oldest first. Entries with an interval's name that are no regular file (links, folders,
 * FIFOs, ...) are left out and counted in @not_regular. With @leftovers, also removes
 * temporary files and counts them there.
 */
static int store__scan(int dir_fd, uint64_t *leftovers, struct store_entry **entries, size_t *n,
		       size_t *not_regular)
{
	struct store_entry *items = NULL;
	size_t count = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	uint64_t seq, start;
	int fd, err;
	DIR *d;

	*not_regular = 0;
	/* fdopendir() takes the descriptor over: give it one of its own. */
	fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			err = -errno;
			if (err)
				goto out_free;
			break;
		}
		if (leftovers && is_temp_name(de->d_name)) {
			if (!unlinkat(dir_fd, de->d_name, 0)) {
				pr_debug("store: removed the leftover %s\n", de->d_name);
				(*leftovers)++;
			} else if (errno != ENOENT) {
				pr_warn("cannot remove the leftover '%s': %s\n", de->d_name,
					strerror(errno));
			}
			continue;
		}
		if (store__parse_name(de->d_name, &seq, &start))
			continue;
		if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			/* Removed since readdir(): not there, so not listed. */
			if (errno == ENOENT)
				continue;
			err = -errno;
			goto out_free;
		}
		if (!S_ISREG(st.st_mode)) {
			(*not_regular)++;
			continue;
		}
		err = array__reserve(&items, &cap, count + 1, sizeof(*items));
		if (err)
			goto out_free;
		strcpy(items[count].name, de->d_name);
		items[count].seq = seq;
		items[count].start_ns = start;
		items[count].size = (uint64_t)st.st_size;
		count++;
	}
	closedir(d);
	if (count)
		qsort(items, count, sizeof(*items), entry__cmp);
	*entries = items;
	*n = count;
	return 0;

out_free:
	free(items);
	closedir(d);
	return err;
}

/* store__open_dir(), a writer's failures logged at @level. */
static int open_dir(const char *dir, bool writer, enum log_level level)
{
	uid_t uid = geteuid();
	struct stat st;
	int fd, err;

	/* Links in the path are followed: whoever names the folder chose them. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (writer)
			log__printf(level, "cannot open the store folder '%s': %s\n", dir,
				    strerror(-err));
		return err;
	}
	if (!writer)
		return fd;
	/* The descriptor's folder, not the path's: what is checked is what is written. */
	if (fstat(fd, &st)) {
		err = -errno;
		log__printf(level, "cannot read the store folder '%s': %s\n", dir, strerror(-err));
		goto out_close;
	}
	err = -EPERM;
	if (st.st_uid != uid) {
		log__printf(
			level,
			"the store folder '%s' belongs to uid %u, not to uid %u which writes "
			"it: its owner could make the writer replace any file; give it a folder "
			"of its own, or chown %u '%s' && chmod go-w '%s'\n",
			dir, (unsigned int)st.st_uid, (unsigned int)uid, (unsigned int)uid, dir,
			dir);
		goto out_close;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		log__printf(level,
			    "the store folder '%s' is writable by its group or by others (mode "
			    "%04o): they could make the writer replace any file; chmod go-w '%s'\n",
			    dir, (unsigned int)(st.st_mode & 07777), dir);
		goto out_close;
	}
	return fd;

out_close:
	close(fd);
	return err;
}

int store__open_dir(const char *dir, bool writer)
{
	return open_dir(dir, writer, LOG_ERROR);
}

int store__list(int dir_fd, struct store_entry **entries, size_t *n, size_t *not_regular)
{
	size_t unused;

	return store__scan(dir_fd, NULL, entries, n, not_regular ? not_regular : &unused);
}

/* mkdir -p @path with STORE_DIR_MODE for the folders it creates. */
static int mkdir_parents(const char *path)
{
	char *copy, *p;
	int err = 0;

	if (!*path)
		return -ENOENT;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	/* Each '/' after the first character ends a parent; the string's end, the folder. */
	for (p = copy + 1;; p++) {
		if (*p && *p != '/')
			continue;
		if (*p) {
			*p = '\0';
			err = mkdir(copy, STORE_DIR_MODE) && errno != EEXIST ? -errno : 0;
			*p = '/';
		} else {
			err = mkdir(copy, STORE_DIR_MODE) && errno != EEXIST ? -errno : 0;
		}
		if (err || !*p)
			break;
	}
	free(copy);
	return err;
}

/*
 * Removes the oldest files (by sequence) while the store is over max_size or they are older
 * than max_age_ns (by start), never the entry at index @keep (the newest; SIZE_MAX for none):
 * the caller of a write was just told it is stored, and the newest file's sequence is what
 * the next open goes on from. It goes at the next write if still over a limit.
 */
static void store__apply_limits(struct store *store, size_t keep)
{
	uint64_t cutoff = 0, now = realtime_ns();
	size_t i, kept_at = SIZE_MAX;
	struct store_entry *e;
	bool by_age;

	if (store->max_age_ns && now > store->max_age_ns)
		cutoff = now - store->max_age_ns;
	for (i = store->head; i < store->n; i++) {
		e = &store->entries[i];
		by_age = e->start_ns < cutoff;
		if (!by_age && !(store->max_size && store->stats.bytes > store->max_size))
			break;
		if (i == keep) {
			kept_at = i;
			continue;
		}
		if (!unlinkat(store->dir_fd, e->name, 0)) {
			if (by_age)
				store->stats.removed_age++;
			else
				store->stats.removed_size++;
		} else if (errno != ENOENT) {
			/* Stop here, not spam a line per file: the next write tries again. */
			pr_warn("cannot remove '%s/%s' to keep the store's limits: %s\n",
				store->dir, e->name, strerror(errno));
			break;
		}
		/* ENOENT: someone else removed it; it simply leaves the list, uncounted. */
		store->stats.files--;
		store->stats.bytes -= e->size;
	}
	/*
	 * entries[head..i) are gone but for the kept one: move it to the last free slot, just
	 * before the first survivor, which keeps the list in order.
	 */
	if (kept_at != SIZE_MAX && i > store->head) {
		store->entries[i - 1] = store->entries[kept_at];
		i--;
	}
	store->head = i;
}

/* The sequence of the interval the upload cursor @file names, 0 for none. */
static uint64_t store__cursor_seq(const struct store *store, const char *file)
{
	char buf[STORE_NAME_MAX + 2];
	uint64_t seq = 0;
	struct stat st;
	ssize_t len;
	int fd;

	fd = openat(store->dir_fd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = fstat(fd, &st) || !S_ISREG(st.st_mode) ? -1 : read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	/* What does not parse is the uploader's to report. */
	return store__parse_name(buf, &seq, NULL) ? 0 : seq;
}

/* The highest sequence the uploads' cursors name, 0 for none. */
static uint64_t store__cursors_seq(const struct store *store)
{
	uint64_t a = store__cursor_seq(store, UPLOAD_CURSOR_FILE);
	uint64_t b = store__cursor_seq(store, UPLOAD_CURSOR_FILE_OTLP);

	return a > b ? a : b;
}

/* store__open(), failures logged at @level. */
static int store__open_logged(const struct store_opts *opts, enum log_level level,
			      struct store **out)
{
	struct store *store;
	size_t not_regular;
	int err;

	store = calloc(1, sizeof(*store));
	if (!store)
		return -ENOMEM;
	store->dir_fd = -1;
	store->max_size = opts->max_size;
	store->max_age_ns = opts->max_age_ns;
	store->dir = strdup(opts->dir);
	if (!store->dir) {
		err = -ENOMEM;
		goto out_free;
	}
	err = mkdir_parents(opts->dir);
	if (err) {
		log__printf(level, "cannot create the store folder '%s': %s\n", opts->dir,
			    strerror(-err));
		goto out_free;
	}
	store->dir_fd = open_dir(opts->dir, true, level);
	if (store->dir_fd < 0) {
		err = store->dir_fd;
		goto out_free;
	}
	/*
	 * The folder itself is locked: a lock file would be one more file in it for readers
	 * to trip on. flock(), not fcntl() locks: a second open in this process is refused too.
	 */
	if (flock(store->dir_fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (err == -EBUSY)
			log__printf(level,
				    "the store '%s' is in use by another agent: give each its own "
				    "--store\n",
				    opts->dir);
		else
			log__printf(level, "cannot lock the store folder '%s': %s\n", opts->dir,
				    strerror(-err));
		goto out_close;
	}
	err = store__scan(store->dir_fd, &store->stats.leftovers, &store->entries, &store->n,
			  &not_regular);
	if (err) {
		log__printf(level, "cannot read the store folder '%s': %s\n", opts->dir,
			    strerror(-err));
		goto out_close;
	}
	store->cap = store->n;
	for (size_t i = 0; i < store->n; i++)
		store->stats.bytes += store->entries[i].size;
	store->stats.files = store->n;
	/* Sorted: the last is the newest, with the highest sequence (0 for older names). */
	store->next_seq = store__cursors_seq(store) + 1;
	if (store->n) {
		if (store->entries[store->n - 1].seq >= store->next_seq)
			store->next_seq = store->entries[store->n - 1].seq + 1;
		store->last_start_ns = store->entries[store->n - 1].start_ns;
	}
	if (store->stats.leftovers)
		pr_info("store '%s': removed %llu unfinished file%s of an interrupted writer\n",
			opts->dir, (unsigned long long)store->stats.leftovers,
			store->stats.leftovers == 1 ? "" : "s");
	store->stats.not_regular = not_regular;
	if (not_regular)
		pr_warn("store '%s': skipped %zu entr%s named as intervals that %s no regular "
			"file%s (links, folders, ...)\n",
			opts->dir, not_regular, not_regular == 1 ? "y" : "ies",
			not_regular == 1 ? "is" : "are", not_regular == 1 ? "" : "s");
	/* The newest stays whatever the limits say: its sequence is the one to go on from. */
	store__apply_limits(store, store->n ? store->n - 1 : SIZE_MAX);
	*out = store;
	return 0;

out_close:
	close(store->dir_fd);
out_free:
	free(store->dir);
	free(store);
	return err;
}

int store__open(const struct store_opts *opts, struct store **out)
{
	return store__open_logged(opts, LOG_ERROR, out);
}

/*
 * Takes over the folder the path leads to now, when it is no longer the one held: removed (and
 * perhaps made again) or replaced, the held one would take intervals nobody sees, under a lock
 * that keeps no one out. Opened as at start (made when missing, checked, locked, listed); the
 * sequence goes on. The replacement is logged once; a failure is logged the first time, then
 * tried again quietly at each write. Returns 0 or -errno (-EBUSY: another agent holds it).
 */
static int store__follow_folder(struct store *store)
{
	struct store_opts opts = {
		.dir = store->dir,
		.max_size = store->max_size,
		.max_age_ns = store->max_age_ns,
	};
	struct stat path_st, held_st;
	struct store *fresh;
	int err;

	if (!stat(store->dir, &path_st) && !fstat(store->dir_fd, &held_st) &&
	    path_st.st_dev == held_st.st_dev && path_st.st_ino == held_st.st_ino) {
		store->follow_err = 0;
		return 0;
	}
	if (!store->follow_err)
		pr_warn("store '%s': the folder was removed or replaced while in use; opening the "
			"one there now\n",
			store->dir);
	err = store__open_logged(&opts, store->follow_err ? LOG_DEBUG : LOG_WARN, &fresh);
	if (err) {
		store->follow_err = err;
		return err;
	}
	store->follow_err = 0;
	/* Closing the old folder releases its lock, which guarded nothing any more. */
	close(store->dir_fd);
	free(store->entries);
	store->dir_fd = fresh->dir_fd;
	store->entries = fresh->entries;
	store->head = fresh->head;
	store->n = fresh->n;
	store->cap = fresh->cap;
	if (fresh->next_seq > store->next_seq)
		store->next_seq = fresh->next_seq;
	store->stats.files = fresh->stats.files;
	store->stats.bytes = fresh->stats.bytes;
	store->stats.removed_size += fresh->stats.removed_size;
	store->stats.removed_age += fresh->stats.removed_age;
	store->stats.leftovers += fresh->stats.leftovers;
	store->stats.not_regular = fresh->stats.not_regular;
	store->stats.reopened++;
	free(fresh->dir);
	free(fresh);
	return 0;
}

void store__close(struct store *store)
{
	if (!store)
		return;
	/* Closing the folder releases the lock. */
	close(store->dir_fd);
	free(store->entries);
	free(store->dir);
	free(store);
}

const char *store__dir(const struct store *store)
{
	return store->dir;
}

void store__stats(const struct store *store, struct store_stats *stats)
{
	*stats = store->stats;
}

/*
 * The first name free in the folder for the interval starting at @start_ns, from sequence
 * number @*seq on, which it moves to the one taken: the folder is asked, not the list, since
 * anyone may have put a file there. Returns 0, -EEXIST, -EOVERFLOW or another -errno.
 */
static int store__pick_name(const struct store *store, uint64_t *seq, uint64_t start_ns, char *name)
{
	struct stat st;

	for (int i = 0; i < STORE_NAME_ATTEMPTS; i++, (*seq)++) {
		if (*seq > STORE_SEQ_MAX)
			return -EOVERFLOW;
		store__format_name(*seq, start_ns, name);
		if (!fstatat(store->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		return errno == ENOENT ? 0 : -errno;
	}
	return -EEXIST;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Renames @temp to @name, or to the next free name (sequence @*seq on) if it was taken since.
 * RENAME_NOREPLACE makes "free" exact; file systems without it (some network ones) fall back
 * to a plain rename after the check store__pick_name() made.
 */
static int store__publish(struct store *store, const char *temp, uint64_t *seq, uint64_t start_ns,
			  char *name)
{
	int err;

	for (int i = 0; i < STORE_NAME_ATTEMPTS; i++) {
		if (!renameat2(store->dir_fd, temp, store->dir_fd, name, RENAME_NOREPLACE))
			return 0;
		if (errno == EINVAL || errno == ENOSYS)
			return renameat(store->dir_fd, temp, store->dir_fd, name) ? -errno : 0;
		if (errno != EEXIST)
			return -errno;
		(*seq)++;
		err = store__pick_name(store, seq, start_ns, name);
		if (err)
			return err;
	}
	return -EEXIST;
}

/* Says once per step that the wall clock went back: the intervals' times now overlap. */
static void store__check_clock(struct store *store, uint64_t start_ns)
{
	char was[STORE_NAME_MAX], now[STORE_NAME_MAX];

	if (start_ns >= store->last_start_ns)
		return;
	format_name(0, store->last_start_ns, "", was);
	format_name(0, start_ns, "", now);
	pr_warn("store '%s': the wall clock went back by at least %.3f s (an interval starts at "
		"%s, the one before it at %s); intervals keep the order they were taken in\n",
		store->dir, (store->last_start_ns - start_ns) * 1e-9, now, was);
}

/* Adds @entry to the in-memory list, in order. Returns its index or -ENOMEM. */
static ssize_t store__insert(struct store *store, const struct store_entry *entry)
{
	size_t i, live = store->n - store->head;
	int err;

	/* Reclaim the slots retention freed at the front before growing. */
	if (store->head && store->n == store->cap) {
		memmove(store->entries, store->entries + store->head,
			live * sizeof(*store->entries));
		store->head = 0;
		store->n = live;
	}
	err = array__reserve(&store->entries, &store->cap, store->n + 1, sizeof(*store->entries));
	if (err)
		return err;
	/* Usually the newest: the loop stops at once. */
	for (i = store->n; i > store->head && entry__cmp(&store->entries[i - 1], entry) > 0; i--)
		;
	memmove(store->entries + i + 1, store->entries + i,
		(store->n - i) * sizeof(*store->entries));
	store->entries[i] = *entry;
	store->n++;
	store->stats.files++;
	store->stats.bytes += entry->size;
	return (ssize_t)i;
}

int store__write(struct store *store, uint64_t start_ns, const void *raw, size_t len, char *name)
{
	char temp[STORE_NAME_MAX + sizeof(STORE_TEMP_PREFIX STORE_TEMP_SUFFIX)];
	struct store_entry entry;
	size_t zlen = 0;
	void *zbuf = NULL;
	ssize_t index;
	uint64_t seq;
	int fd, err;

	/* What no reader would take back. */
	if (len > STORE_MAX_PROFILE) {
		err = -EFBIG;
		goto out_fail;
	}
	err = store__follow_folder(store);
	if (err)
		goto out_fail;
	err = compress__zstd(raw, len, &zbuf, &zlen);
	if (err)
		goto out_fail;
	seq = store->next_seq;
	err = store__pick_name(store, &seq, start_ns, entry.name);
	if (err)
		goto out_free;
	snprintf(temp, sizeof(temp), STORE_TEMP_PREFIX "%s" STORE_TEMP_SUFFIX, entry.name);
	fd = openat(store->dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    STORE_FILE_MODE);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	err = write_all(fd, zbuf, zlen);
	/* Some file systems (NFS, quotas) report a full disk only at fsync() or close(). */
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (err)
		goto out_unlink_temp;
	err = store__publish(store, temp, &seq, start_ns, entry.name);
	if (err)
		goto out_unlink_temp;
	/*
	 * Without this the rename may not survive a crash, and the store would lose the file.
	 * EINVAL: the file system cannot sync a folder (some FUSE ones); nothing more to do.
	 */
	if (fsync(store->dir_fd) && errno != EINVAL) {
		err = -errno;
		goto out_unlink_name;
	}
	if (store__parse_name(entry.name, &entry.seq, &entry.start_ns)) {
		err = -EINVAL;
		goto out_unlink_name;
	}
	entry.size = zlen;
	index = store__insert(store, &entry);
	if (index < 0) {
		/* Unlisted, the file would escape the limits: take it back instead. */
		err = (int)index;
		goto out_unlink_name;
	}
	free(zbuf);
	store->stats.written++;
	store->next_seq = seq + 1;
	store__check_clock(store, start_ns);
	store->last_start_ns = start_ns;
	if (name)
		strcpy(name, entry.name);
	store__apply_limits(store, (size_t)index);
	return 0;

out_unlink_name:
	unlinkat(store->dir_fd, entry.name, 0);
	fsync(store->dir_fd);
	goto out_free;
out_unlink_temp:
	unlinkat(store->dir_fd, temp, 0);
out_free:
	free(zbuf);
out_fail:
	store->stats.write_failures++;
	pr_debug("store '%s': cannot write the interval at %llu ns: %s\n", store->dir,
		 (unsigned long long)start_ns, strerror(-err));
	return err;
}

/* Reads all of the regular file @fd, at most @max bytes. Returns 0 or -errno with @why. */
static int read_whole(int fd, size_t max, void **out, size_t *out_len, char *why, size_t whylen)
{
	size_t len = 0;
	struct stat st;
	ssize_t n;
	char *buf;

	if (fstat(fd, &st)) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(why, whylen, "larger than %zu MiB", max >> 20);
		return -EFBIG;
	}
	if (!st.st_size) {
		snprintf(why, whylen, "empty file");
		return -EINVAL;
	}
	buf = malloc(st.st_size);
	if (!buf) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* Shrank under us: not a whole file. */
			snprintf(why, whylen, "%s", n ? strerror(errno) : "cut short while read");
			free(buf);
			return n ? -errno : -EINVAL;
		}
		len += (size_t)n;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

int store__read(int dir_fd, const char *name, void **raw, size_t *len, char *why, size_t whylen)
{
	void *data = NULL;
	size_t data_len = 0;
	struct stat st;
	int fd, err;

	/*
	 * Regular files only, and never through a link: whoever may write the folder may have
	 * put anything there. The type is checked before opening (a device is not even
	 * opened) and again after (O_NONBLOCK: a FIFO put there meanwhile does not hang us).
	 */
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW))
		err = -errno;
	else if (S_ISLNK(st.st_mode))
		err = -ELOOP;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else
		err = 0;
	fd = err ? -1 : openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (!err && fd < 0)
		err = -errno;
	if (err) {
		snprintf(why, whylen, "%s",
			 err == -ENOENT ? "vanished (removed for the store's limits?)" :
			 err == -ELOOP	? "a link, not followed" :
			 err == -EINVAL ? "not a regular file" :
					  strerror(-err));
		return err;
	}
	err = read_whole(fd, STORE_MAX_FILE, &data, &data_len, why, whylen);
	close(fd);
	if (err)
		return err;
	if (!compress__is_zstd(data, data_len)) {
		snprintf(why, whylen, "not zstd");
		err = -EINVAL;
		goto out_free;
	}
	err = compress__unzstd(data, data_len, STORE_MAX_PROFILE, raw, len);
	if (err == -E2BIG)
		snprintf(why, whylen,
			 "holds more than %u MiB of profile, more than an interval can",
			 STORE_MAX_PROFILE >> 20);
	else if (err)
		snprintf(why, whylen, "%s",
			 err == -EINVAL ? "corrupt or truncated zstd data" : strerror(-err));
out_free:
	free(data);
	return err;
}
