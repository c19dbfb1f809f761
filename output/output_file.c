// SPDX-License-Identifier: GPL-2.0-only
#include "output_file.h"

#include <errno.h>
#include <fcntl.h>
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

struct output_file {
	FILE *stream;
	char *path; /* the target, as given */
	char *temp_path; /* NULL for standard output */
	char *dir; /* the target's folder, fsynced after the rename */
};

static bool output_file__is_stdout(const struct output_file *file)
{
	return !file->temp_path;
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
 * Creates ".NAME.XXXXXX" next to the target. Not mkstemp(): it creates mode 0600, and
 * widening that afterwards needs the umask, which can only be read by changing it (racy
 * with other threads). open() with 0666 applies umask and default ACLs as any new file
 * gets them. Returns the fd, or -errno.
 */
static int output_file__create_temp(struct output_file *file, const char *base)
{
	size_t dir_len = base - file->path;
	size_t len = dir_len + 1 + strlen(base) + 1 + TEMP_SUFFIX_LEN + 1;
	char *suffix;
	int fd, i;

	file->temp_path = malloc(len);
	if (!file->temp_path)
		return -ENOMEM;
	snprintf(file->temp_path, len, "%.*s.%s.", (int)dir_len, file->path, base);
	suffix = file->temp_path + len - 1 - TEMP_SUFFIX_LEN;
	for (i = 0; i < TEMP_ATTEMPTS; i++) {
		output_file__random_suffix(suffix);
		suffix[TEMP_SUFFIX_LEN] = '\0';
		fd = open(file->temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

static void output_file__release(struct output_file *file)
{
	free(file->dir);
	free(file->temp_path);
	free(file->path);
	free(file);
}

struct output_file *output_file__open(const char *path)
{
	struct output_file *file;
	const char *slash, *base;
	struct stat st;
	int fd, err;

	if (!path || !*path) {
		errno = EINVAL;
		return NULL;
	}
	file = calloc(1, sizeof(*file));
	if (!file)
		return NULL;
	err = -ENOMEM;
	file->path = strdup(path);
	if (!file->path)
		goto out_release;
	if (strcmp(path, "-") == 0) {
		file->stream = stdout;
		return file;
	}

	slash = strrchr(file->path, '/');
	base = slash ? slash + 1 : file->path;
	if (!slash)
		file->dir = strdup(".");
	else if (slash == file->path)
		file->dir = strdup("/");
	else
		file->dir = strndup(file->path, slash - file->path);
	if (!file->dir)
		goto out_release;
	/* Caught now rather than by rename() after all the work is done. */
	err = -EISDIR;
	if (!*base || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		goto out_release;

	fd = output_file__create_temp(file, base);
	if (fd < 0) {
		err = fd;
		goto out_release;
	}
	file->stream = fdopen(fd, "w");
	if (!file->stream) {
		err = -errno;
		goto out_unlink;
	}
	return file;

out_unlink:
	close(fd);
	unlink(file->temp_path);
out_release:
	output_file__release(file);
	errno = -err;
	return NULL;
}

FILE *output_file__stream(struct output_file *file)
{
	return file->stream;
}

const char *output_file__path(const struct output_file *file)
{
	return file->path;
}

/* Flushes @stream; -errno of the failing flush, or -EIO for an error stdio kept from before. */
static int output_file__flush(FILE *stream)
{
	if (fflush(stream) == EOF)
		return errno ? -errno : -EIO;
	return ferror(stream) ? -EIO : 0;
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

int output_file__commit(struct output_file *file)
{
	int err;

	if (output_file__is_stdout(file)) {
		errno = 0;
		err = output_file__flush(file->stream);
		goto out_release;
	}

	errno = 0;
	err = output_file__flush(file->stream);
	if (!err && fsync(fileno(file->stream)))
		err = -errno;
	if (fclose(file->stream) == EOF && !err)
		err = errno ? -errno : -EIO;
	file->stream = NULL;
	if (err)
		goto out_unlink;
	if (rename(file->temp_path, file->path)) {
		err = -errno;
		goto out_unlink;
	}
	err = output_file__sync_dir(file->dir);
	if (err)
		pr_debug("cannot sync folder %s: %s\n", file->dir, strerror(-err));
	goto out_release;

out_unlink:
	unlink(file->temp_path);
out_release:
	output_file__release(file);
	return err;
}

void output_file__abort(struct output_file *file)
{
	if (!file)
		return;
	if (!output_file__is_stdout(file)) {
		fclose(file->stream);
		unlink(file->temp_path);
	}
	output_file__release(file);
}
