// SPDX-License-Identifier: GPL-2.0-only
/*
 * The uploader's progress, kept in the store's folder beside the intervals: the cursor (the
 * newest interval done) and the list of refused intervals to send again at the next start.
 *
 * Both are small text files rewritten whole: a temporary name starting with "." and ending in
 * ".tmp" (so store__open() removes one a crash left), created O_EXCL|O_NOFOLLOW relative to
 * the folder's descriptor (a planted link or file is never written through), fsynced, renamed
 * over the old file, and the folder fsynced. A reader sees the old file or the new one.
 */
#include "upload_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define STATE_FILE_MODE 0640
/* A refused list line: the name, a space, a count, a newline. */
#define REFUSED_LINE_MAX (STORE_NAME_MAX + 16)
#define REFUSED_FILE_MAX (UPLOAD_REFUSED_MAX * REFUSED_LINE_MAX)

struct upload_state {
	int dir_fd;
	char *dir;		  /* for messages */
	const char *cursor_file;  /* UPLOAD_CURSOR_FILE or its OTLP twin */
	const char *refused_file; /* UPLOAD_REFUSED_FILE or its OTLP twin */
	char cursor[STORE_NAME_MAX];
	/* Oldest first, names unique. */
	struct upload_refused refused[UPLOAD_REFUSED_MAX];
	size_t nrefused;
	bool refused_dirty;   /* the file lags the list: its last write failed */
	bool cursor_failing;  /* a cursor write failure was reported */
	bool refused_failing; /* a refused list write failure was reported */
};

/* Writes @text[0..len) as the folder's file @name (which starts with "."), whole or not at all. */
static int state__write(struct upload_state *st, const char *name, const char *text, size_t len)
{
	char tmp[64];
	ssize_t n;
	size_t off = 0;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(st->dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    STATE_FILE_MODE);
	if (fd < 0 && errno == EEXIST) {
		/* A leftover of a crash: only this process writes here (the store is locked). */
		unlinkat(st->dir_fd, tmp, 0);
		fd = openat(st->dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    STATE_FILE_MODE);
	}
	if (fd < 0)
		return -errno;
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && renameat(st->dir_fd, tmp, st->dir_fd, name))
		err = -errno;
	if (err) {
		unlinkat(st->dir_fd, tmp, 0);
		return err;
	}
	/* The rename itself must last: without it a crash can bring the old file back. */
	if (fsync(st->dir_fd) && errno != EINVAL)
		return -errno;
	return 0;
}

/*
 * Reads the folder's file @name whole into @buf (@size bytes, NUL-terminated). Returns the
 * length, -ENOENT when there is none, -EFBIG when it does not fit, or another -errno.
 */
static ssize_t state__read(struct upload_state *st, const char *name, char *buf, size_t size)
{
	struct stat sb;
	ssize_t n;
	size_t len = 0;
	int fd, err = 0;

	/* O_NONBLOCK: a FIFO in its place is refused below rather than waited on. */
	fd = openat(st->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -EINVAL : -errno;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		err = -EINVAL;
		goto out_close;
	}
	while ((n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out_close;
		}
		len += (size_t)n;
		if (len == size - 1) {
			err = -EFBIG;
			goto out_close;
		}
	}
	buf[len] = '\0';
out_close:
	close(fd);
	return err ? err : (ssize_t)len;
}

/* Why state__read() returned @n, for a message; @ok when it read something unusable. */
static const char *state__why(ssize_t n, const char *ok)
{
	if (n >= 0)
		return ok;
	if (n == -EINVAL)
		return "not a regular file";
	return n == -EFBIG ? "too large" : strerror((int)-n);
}

static bool valid_name(const char *name)
{
	return !store__parse_name(name, NULL, NULL);
}

static void state__read_cursor(struct upload_state *st)
{
	char buf[STORE_NAME_MAX + 2];
	ssize_t n;

	n = state__read(st, st->cursor_file, buf, sizeof(buf));
	if (n == -ENOENT)
		return;
	if (n >= 0) {
		buf[strcspn(buf, "\n")] = '\0';
		if (valid_name(buf)) {
			memcpy(st->cursor, buf, strlen(buf) + 1);
			return;
		}
	}
	pr_warn("ignoring the upload cursor '%s/%s': %s\n", st->dir, st->cursor_file,
		state__why(n, "it holds no interval name"));
}

static int refused__cmp(const void *a, const void *b)
{
	return store__name_cmp(((const struct upload_refused *)a)->name,
			       ((const struct upload_refused *)b)->name);
}

/* Parses the refused list; what does not parse is left out (and said once). */
static void state__read_refused(struct upload_state *st)
{
	char *buf, *line, *save = NULL;
	struct upload_refused *r;
	size_t bad = 0, i, n = 0;
	unsigned int starts;
	char name[STORE_NAME_MAX], end;
	ssize_t len;

	buf = malloc(REFUSED_FILE_MAX + 1);
	if (!buf) {
		pr_warn("cannot read the refused uploads list: out of memory\n");
		return;
	}
	len = state__read(st, st->refused_file, buf, REFUSED_FILE_MAX + 1);
	if (len < 0) {
		if (len != -ENOENT)
			pr_warn("ignoring the refused uploads list '%s/%s': %s\n", st->dir,
				st->refused_file, state__why(len, NULL));
		goto out_free;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %u%c", name, &starts, &end) != 2 || !valid_name(name) ||
		    !starts || starts >= UPLOAD_REFUSED_TRIES || n == UPLOAD_REFUSED_MAX) {
			bad++;
			continue;
		}
		r = &st->refused[n++];
		memcpy(r->name, name, sizeof(r->name));
		r->starts = starts;
	}
	qsort(st->refused, n, sizeof(*st->refused), refused__cmp);
	/* A name twice (a hand edit): the first stays. */
	for (i = 0; i < n; i++) {
		if (st->nrefused &&
		    !strcmp(st->refused[st->nrefused - 1].name, st->refused[i].name))
			bad++;
		else
			st->refused[st->nrefused++] = st->refused[i];
	}
	if (bad)
		pr_warn("ignoring %zu unusable line%s of the refused uploads list '%s/%s'\n", bad,
			bad == 1 ? "" : "s", st->dir, st->refused_file);
	st->refused_dirty = bad != 0;
out_free:
	free(buf);
}

int upload_state__open(const char *dir, enum upload_target target, struct upload_state **out)
{
	struct upload_state *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->cursor_file = target == UPLOAD_TARGET_OTLP ? UPLOAD_CURSOR_FILE_OTLP :
							 UPLOAD_CURSOR_FILE;
	st->refused_file = target == UPLOAD_TARGET_OTLP ? UPLOAD_REFUSED_FILE_OTLP :
							  UPLOAD_REFUSED_FILE;
	st->dir = strdup(dir);
	if (!st->dir) {
		free(st);
		return -ENOMEM;
	}
	/* Checked as the store's writer checks it: the files here are written through it too. */
	st->dir_fd = store__open_dir(dir, true);
	if (st->dir_fd < 0) {
		err = st->dir_fd;
		free(st->dir);
		free(st);
		return err;
	}
	state__read_cursor(st);
	state__read_refused(st);
	*out = st;
	return 0;
}

void upload_state__free(struct upload_state *st)
{
	if (!st)
		return;
	close(st->dir_fd);
	free(st->dir);
	free(st);
}

int upload_state__dir_fd(const struct upload_state *st)
{
	return st->dir_fd;
}

const char *upload_state__cursor(const struct upload_state *st)
{
	return st->cursor;
}

int upload_state__advance(struct upload_state *st, const char *name)
{
	char line[STORE_NAME_MAX + 1];
	int len, err;

	if (store__name_cmp(name, st->cursor) <= 0)
		return 0;
	snprintf(st->cursor, sizeof(st->cursor), "%s", name);
	len = snprintf(line, sizeof(line), "%s\n", name);
	err = state__write(st, st->cursor_file, line, (size_t)len);
	if (err && !st->cursor_failing)
		pr_warn("cannot write the upload cursor '%s/%s': %s (intervals may be sent again "
			"after a restart)\n",
			st->dir, st->cursor_file, strerror(-err));
	st->cursor_failing = err != 0;
	return err;
}

int upload_state__flush(struct upload_state *st)
{
	char *text;
	size_t i, len = 0;
	int err;

	if (!st->refused_dirty)
		return 0;
	if (!st->nrefused) {
		err = unlinkat(st->dir_fd, st->refused_file, 0) && errno != ENOENT ? -errno : 0;
		if (!err && fsync(st->dir_fd) && errno != EINVAL)
			err = -errno;
		goto out;
	}
	text = malloc(st->nrefused * REFUSED_LINE_MAX);
	if (!text) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < st->nrefused; i++)
		len += (size_t)snprintf(text + len, REFUSED_LINE_MAX, "%s %u\n",
					st->refused[i].name, st->refused[i].starts);
	err = state__write(st, st->refused_file, text, len);
	free(text);
out:
	if (err && !st->refused_failing)
		pr_warn("cannot write the refused uploads list '%s/%s': %s (refused intervals may "
			"be lost, or accepted ones sent again, after a restart)\n",
			st->dir, st->refused_file, strerror(-err));
	st->refused_failing = err != 0;
	st->refused_dirty = err != 0;
	return err;
}

static struct upload_refused *state__find(struct upload_state *st, const char *name)
{
	struct upload_refused key;

	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, st->refused, st->nrefused, sizeof(key), refused__cmp);
}

static void state__remove(struct upload_state *st, struct upload_refused *r)
{
	size_t i = (size_t)(r - st->refused);

	memmove(r, r + 1, (st->nrefused - i - 1) * sizeof(*r));
	st->nrefused--;
	st->refused_dirty = true;
}

bool upload_state__refuse(struct upload_state *st, const char *name, char *pushed_out)
{
	struct upload_refused *r = state__find(st, name);
	bool keep;
	size_t i;

	pushed_out[0] = '\0';
	if (r) {
		keep = ++r->starts < UPLOAD_REFUSED_TRIES;
		if (keep)
			st->refused_dirty = true;
		else
			state__remove(st, r);
		upload_state__flush(st);
		return keep;
	}
	if (st->nrefused == UPLOAD_REFUSED_MAX) {
		memcpy(pushed_out, st->refused[0].name, STORE_NAME_MAX);
		state__remove(st, &st->refused[0]);
	}
	/* Refusals come oldest first, so this is the end; the order holds whatever comes. */
	for (i = st->nrefused; i > 0 && store__name_cmp(st->refused[i - 1].name, name) > 0; i--)
		;
	memmove(&st->refused[i + 1], &st->refused[i], (st->nrefused - i) * sizeof(*st->refused));
	snprintf(st->refused[i].name, sizeof(st->refused[i].name), "%s", name);
	st->refused[i].starts = 1;
	st->nrefused++;
	st->refused_dirty = true;
	upload_state__flush(st);
	return true;
}

bool upload_state__forget(struct upload_state *st, const char *name)
{
	struct upload_refused *r = state__find(st, name);

	if (!r)
		return false;
	state__remove(st, r);
	upload_state__flush(st);
	return true;
}

size_t upload_state__prune(struct upload_state *st, const struct store_entry *entries, size_t n)
{
	size_t i, j = 0, kept = 0, gone = 0;
	int cmp;

	for (i = 0; i < st->nrefused; i++) {
		/* Both lists are in the store's order: walk them together. */
		for (cmp = 1;
		     j < n && (cmp = store__name_cmp(entries[j].name, st->refused[i].name)) < 0;
		     j++)
			;
		if (cmp || store__name_cmp(st->refused[i].name, st->cursor) > 0) {
			/* Gone from the store, or after the cursor, so pending anyway. */
			gone += cmp != 0;
			st->refused_dirty = true;
			continue;
		}
		st->refused[kept++] = st->refused[i];
	}
	st->nrefused = kept;
	upload_state__flush(st);
	return gone;
}

const struct upload_refused *upload_state__refused(const struct upload_state *st, size_t *n)
{
	*n = st->nrefused;
	return st->refused;
}
