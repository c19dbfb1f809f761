// SPDX-License-Identifier: GPL-2.0-only
#include "output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define TEMP_SUFFIX_LEN 6
#define TEMP_ATTEMPTS 100
/* As the kernel's MAXSYMLINKS. */
#define MAX_LINK_HOPS 40
#define STREAM_BUFFER_SIZE (64 * 1024)

struct output_file {
	FILE *stream; /* writes go through output_file__write to fd */
	int fd;
	int err; /* the first write error, -errno */
	bool private;
	char *path;	 /* the target, as given */
	char *target;	 /* @path with links followed: what the rename replaces */
	char *temp_path; /* NULL when written in place */
	char *dir;	 /* the target's folder, fsynced after the rename */
	bool replaces;	 /* an existing file: its owner and mode go to the new one */
	struct stat old; /* of the file replaced */
};

static bool output_file__in_place(const struct output_file *file)
{
	return !file->temp_path;
}

/* The folder part of @path ("." for none), malloc'ed; NULL without memory. */
static char *path__dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, slash - path);
}

/*
 * In a sticky folder others may write to (/tmp), any user may have made @path (a link, a
 * FIFO, a device): only what belongs to us or to the folder's owner is used. Returns 0,
 * -EACCES for a planted path, or -errno.
 */
static int path__check_planted(const char *path, const struct stat *st)
{
	char *dir = path__dir(path);
	struct stat dir_st;
	int err = 0;

	if (!dir)
		return -ENOMEM;
	if (stat(dir, &dir_st))
		err = -errno;
	else if ((dir_st.st_mode & (S_ISVTX | S_IWOTH)) == (S_ISVTX | S_IWOTH) &&
		 st->st_uid != geteuid() && st->st_uid != dir_st.st_uid)
		err = -EACCES;
	free(dir);
	return err;
}

void output_file__report_open_error(const char *path, int err)
{
	struct stat st;

	if (err == -EACCES && !lstat(path, &st) && path__check_planted(path, &st) == -EACCES) {
		pr_err("cannot write '%s': %s of uid %u in a sticky folder anyone may write to "
		       "is not used\n",
		       path,
		       S_ISLNK(st.st_mode)  ? "a link" :
		       S_ISFIFO(st.st_mode) ? "a FIFO" :
					      "a file",
		       (unsigned int)st.st_uid);
		return;
	}
	pr_err("cannot write '%s': %s\n", path, strerror(-err));
}

/* What the link @path points to, as a path from here; malloc'ed in *@out. Returns 0 or -errno. */
static int path__read_link(const char *path, char **out)
{
	char buf[PATH_MAX], *dir;
	ssize_t n;
	int len;

	n = readlink(path, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (n == sizeof(buf))
		return -ENAMETOOLONG;
	if (buf[0] == '/') {
		*out = strndup(buf, n);
		return *out ? 0 : -ENOMEM;
	}
	dir = path__dir(path);
	if (!dir)
		return -ENOMEM;
	len = asprintf(out, "%s/%.*s", dir, (int)n, buf);
	free(dir);
	return len < 0 ? -ENOMEM : 0;
}

/*
 * Follows links from file->path to what is written, in file->target: a regular file or a
 * name still free (*@exists false), with every link resolved; or something else, such as
 * a device, left at the last link so that the kernel's own lookup follows /proc's links to
 * pipes, which no path stands for. Each link must pass path__check_planted. Fills *@st for
 * an existing target. Returns 0 or -errno.
 */
static int output_file__resolve(struct output_file *file, struct stat *st, bool *exists)
{
	char *cur, *next = NULL;
	int hops = 0, err;

	cur = strdup(file->path);
	if (!cur)
		return -ENOMEM;
	*exists = true;
	for (;;) {
		if (lstat(cur, st)) {
			err = -errno;
			if (err != -ENOENT)
				goto out_free;
			*exists = false;
			break;
		}
		if (!S_ISLNK(st->st_mode))
			break;
		err = path__check_planted(cur, st);
		if (err)
			goto out_free;
		err = -ELOOP;
		if (++hops > MAX_LINK_HOPS)
			goto out_free;
		if (!stat(cur, st)) {
			if (!S_ISREG(st->st_mode))
				break;
			next = realpath(cur, NULL);
			err = next ? 0 : -errno;
		} else {
			/* A dangling link: the file it names is created, as ">" would. */
			err = errno == ENOENT ? path__read_link(cur, &next) : -errno;
		}
		if (err)
			goto out_free;
		free(cur);
		cur = next;
	}
	file->target = cur;
	return 0;

out_free:
	free(cur);
	return err;
}

/* Fills @out with TEMP_SUFFIX_LEN random characters from a portable file name set. */
static void output_file__random_suffix(char *out)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char bytes[TEMP_SUFFIX_LEN];
	struct timespec ts;
	uint64_t mix;
	int i;

	if (getrandom(bytes, sizeof(bytes), GRND_NONBLOCK) != sizeof(bytes)) {
		/* Uniqueness comes from O_EXCL; randomness only keeps retries rare. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		mix = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid() << 32;
		for (i = 0; i < TEMP_SUFFIX_LEN; i++, mix >>= 8)
			bytes[i] = mix;
	}
	for (i = 0; i < TEMP_SUFFIX_LEN; i++)
		out[i] = set[bytes[i] % (sizeof(set) - 1)];
}

/*
 * Creates ".NAME.XXXXXX" beside the target with @mode. Not mkstemp(): it creates mode 0600,
 * and widening that afterwards needs the umask, which can only be read by changing it (racy
 * with other threads). open() applies umask and default ACLs as any new file gets them;
 * O_EXCL never follows a link someone put in the way. Returns the fd, or -errno.
 */
static int output_file__create_temp(struct output_file *file, mode_t mode)
{
	const char *slash = strrchr(file->target, '/');
	const char *base = slash ? slash + 1 : file->target;
	size_t dir_len = base - file->target;
	size_t len = dir_len + 1 + strlen(base) + 1 + TEMP_SUFFIX_LEN + 1;
	char *suffix;
	int fd, i;

	file->temp_path = malloc(len);
	if (!file->temp_path)
		return -ENOMEM;
	snprintf(file->temp_path, len, "%.*s.%s.", (int)dir_len, file->target, base);
	suffix = file->temp_path + len - 1 - TEMP_SUFFIX_LEN;
	for (i = 0; i < TEMP_ATTEMPTS; i++) {
		output_file__random_suffix(suffix);
		suffix[TEMP_SUFFIX_LEN] = '\0';
		fd = open(file->temp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  mode);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/*
 * Opens a device or FIFO to write in place: never created, never truncated, never
 * replaced. Returns the fd or -errno.
 */
static int output_file__open_in_place(struct output_file *file, const struct stat *st)
{
	struct stat now;
	int fd, err;

	err = path__check_planted(file->target, st);
	if (err)
		return err;
	fd = open(file->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Swapped for a regular file since: that one would be written over, not replaced. */
	if (fstat(fd, &now) || S_ISREG(now.st_mode)) {
		close(fd);
		return -EAGAIN;
	}
	return fd;
}

/* The stream's only way out: keeps the first error's errno, which stdio forgets. */
static ssize_t output_file__write(void *cookie, const char *buf, size_t size)
{
	struct output_file *file = cookie;
	size_t done = 0;
	ssize_t n;

	while (done < size) {
		n = write(file->fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			if (!file->err)
				file->err = -errno;
			return -1;
		}
		done += n;
	}
	return size;
}

static int output_file__open_stream(struct output_file *file)
{
	cookie_io_functions_t io = { .write = output_file__write };

	file->stream = fopencookie(file, "w", io);
	if (!file->stream)
		return -errno;
	if (setvbuf(file->stream, NULL, _IOFBF, STREAM_BUFFER_SIZE))
		pr_debug("no larger buffer for %s\n", file->path);
	return 0;
}

static void output_file__release(struct output_file *file)
{
	if (file->fd >= 0 && file->fd != STDOUT_FILENO)
		close(file->fd);
	free(file->dir);
	free(file->temp_path);
	free(file->target);
	free(file->path);
	free(file);
}

/* Whether @st is the file standard output writes to. */
static bool path__is_stdout(const struct stat *st)
{
	struct stat out;

	return !fstat(STDOUT_FILENO, &out) && out.st_dev == st->st_dev && out.st_ino == st->st_ino;
}

/* Where the data goes: standard output, a device or FIFO in place, or a temporary file. */
static int output_file__open_fd(struct output_file *file)
{
	bool exists = false;
	struct stat st;
	mode_t mode;
	int err;

	if (strcmp(file->path, "-")) {
		/* "dir/" names a folder, whatever is there. */
		if (file->path[strlen(file->path) - 1] == '/')
			return -EISDIR;
		err = output_file__resolve(file, &st, &exists);
		if (err)
			return err;
		if (exists && S_ISDIR(st.st_mode))
			return -EISDIR;
	}
	/* "-", or /dev/stdout on a file: through stdout, at its offset (">>" appends). */
	if (!strcmp(file->path, "-") || (exists && S_ISREG(st.st_mode) && path__is_stdout(&st))) {
		/* Whatever stdio holds for stdout goes first. */
		fflush(stdout);
		file->fd = STDOUT_FILENO;
		return 0;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		file->fd = output_file__open_in_place(file, &st);
		return file->fd < 0 ? file->fd : 0;
	}
	file->dir = path__dir(file->target);
	if (!file->dir)
		return -ENOMEM;
	mode = file->private ? 0600 : 0666;
	if (exists) {
		file->replaces = true;
		file->old = st;
		/* Never wider than the old file while being written; made equal on commit. */
		mode &= st.st_mode;
	}
	file->fd = output_file__create_temp(file, mode);
	return file->fd < 0 ? file->fd : 0;
}

static struct output_file *output_file__open_mode(const char *path, bool private)
{
	struct output_file *file;
	int err;

	if (!path || !*path) {
		errno = EINVAL;
		return NULL;
	}
	file = calloc(1, sizeof(*file));
	if (!file)
		return NULL;
	file->fd = -1;
	file->private = private;
	err = -ENOMEM;
	file->path = strdup(path);
	if (!file->path)
		goto out_release;
	err = output_file__open_fd(file);
	if (err)
		goto out_release;
	err = output_file__open_stream(file);
	if (err)
		goto out_unlink;
	return file;

out_unlink:
	if (file->temp_path)
		unlink(file->temp_path);
out_release:
	output_file__release(file);
	errno = -err;
	return NULL;
}

struct output_file *output_file__open(const char *path)
{
	return output_file__open_mode(path, false);
}

struct output_file *output_file__open_private(const char *path)
{
	return output_file__open_mode(path, true);
}

FILE *output_file__stream(struct output_file *file)
{
	return file->stream;
}

const char *output_file__path(const struct output_file *file)
{
	return file->path;
}

int output_file__error(const struct output_file *file)
{
	return file->err;
}

/* Flushes and closes the stream; -errno of the first write that failed, or of the flush. */
static int output_file__close_stream(struct output_file *file)
{
	int err = 0;

	errno = 0;
	if (fflush(file->stream) == EOF || ferror(file->stream))
		err = file->err ?: (errno ? -errno : -EIO);
	fclose(file->stream);
	file->stream = NULL;
	return err;
}

/* Makes the rename durable: it lives in the folder, not in the file. */
static int output_file__sync_dir(const char *dir)
{
	int fd, err = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Some file systems cannot sync a folder; nothing more can be done there. */
	if (fsync(fd) && errno != EINVAL)
		err = -errno;
	close(fd);
	return err;
}

/* The replaced file's owner and permissions go to its successor. */
static int output_file__keep_owner(struct output_file *file)
{
	mode_t mode = file->old.st_mode & (file->private ? 0600 : 0777);
	struct stat st;

	if (fstat(file->fd, &st))
		return -errno;
	if ((st.st_uid != file->old.st_uid || st.st_gid != file->old.st_gid) &&
	    fchown(file->fd, file->old.st_uid, file->old.st_gid))
		/* Not ours to give (no CAP_CHOWN): still written, and said so. */
		pr_warn("%s: now owned by uid %u, not %u: %s\n", file->path,
			(unsigned int)st.st_uid, (unsigned int)file->old.st_uid, strerror(errno));
	if (fchmod(file->fd, mode))
		return -errno;
	return 0;
}

int output_file__commit(struct output_file *file)
{
	int err;

	err = output_file__close_stream(file);
	if (err)
		goto out_unlink;
	if (output_file__in_place(file))
		goto out_release;
	if (fsync(file->fd)) {
		err = -errno;
		goto out_unlink;
	}
	if (file->replaces) {
		err = output_file__keep_owner(file);
		if (err)
			goto out_unlink;
	}
	err = close(file->fd) ? -errno : 0;
	file->fd = -1;
	if (err)
		goto out_unlink;
	if (rename(file->temp_path, file->target)) {
		err = -errno;
		goto out_unlink;
	}
	err = output_file__sync_dir(file->dir);
	if (err)
		pr_debug("cannot sync folder %s: %s\n", file->dir, strerror(-err));
	goto out_release;

out_unlink:
	if (file->temp_path)
		unlink(file->temp_path);
out_release:
	output_file__release(file);
	return err;
}

void output_file__abort(struct output_file *file)
{
	if (!file)
		return;
	fclose(file->stream);
	if (file->temp_path)
		unlink(file->temp_path);
	output_file__release(file);
}
