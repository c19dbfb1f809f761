// SPDX-License-Identifier: GPL-2.0-only
#include "profile_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "compress.h"
#include "folded.h"
#include "folded_reader.h"
#include "log.h"
#include "output_file.h"
#include "pprof_reader.h"
#include "pprof_writer.h"
#include "profile.h"
#include "speedscope_writer.h"

#define READ_CHUNK (1 << 20)
/* Folded text of a mapped file read (and then dropped) at once. */
#define FOLDED_WINDOW (16u << 20)
/* A profile larger than this is not one anybody meant to load. */
#define MAX_INPUT_SIZE (16ull << 30)

/* Reads all of @fd into a malloc'ed buffer. Returns 0 or -errno (read()'s own). */
static int slurp(int fd, char **data, size_t *len)
{
	size_t cap = 0;
	char *buf = NULL;
	ssize_t n;
	int err;

	*len = 0;
	for (;;) {
		err = -ENOMEM;
		if (array__reserve(&buf, &cap, *len + READ_CHUNK, 1))
			goto out_free;
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += n;
		err = -EFBIG;
		if (*len > MAX_INPUT_SIZE)
			goto out_free;
	}
	err = n < 0 ? -errno : 0;
	if (err)
		goto out_free;
	*data = buf;
	return 0;

out_free:
	free(buf);
	return err;
}

/*
 * Reads folded text a window at a time. The windows of a mapped file are dropped from memory
 * once the reader is done with them (it adds a window's lines during the next call): their
 * pages are the file's, clean, and come back from it if touched again, so a large file is
 * never resident whole.
 */
static int read_folded(const char *path, const char *data, size_t len, bool mapped,
		       struct profile *prof)
{
	struct folded_reader *r = folded_reader__new(prof);
	size_t page = sysconf(_SC_PAGESIZE), at = 0, dropped = 0;
	struct folded_read_stats stats = { 0 };
	int err = r ? 0 : -ENOMEM;

	while (!err && at < len) {
		size_t n = mapped ? folded__cut(data + at, len - at, FOLDED_WINDOW) : len - at;

		err = folded_reader__add(r, data + at, n);
		/* Done with the windows before this one. */
		if (mapped && at / page * page > dropped) {
			madvise((char *)data + dropped, at / page * page - dropped, MADV_DONTNEED);
			dropped = at / page * page;
		}
		at += n;
	}
	if (r)
		err = folded_reader__finish(r, &stats);
	folded_reader__free(r);
	if (err == -EINVAL) {
		pr_err("%s: no valid folded line (\"frame;frame COUNT\") in %llu line%s\n", path,
		       (unsigned long long)stats.lines, stats.lines == 1 ? "" : "s");
		return err;
	}
	if (err) {
		pr_err("cannot load '%s': %s\n", path, strerror(-err));
		return err;
	}
	if (stats.malformed)
		pr_warn("%s: skipped %llu malformed line%s (the first is line %llu)\n", path,
			(unsigned long long)stats.malformed, stats.malformed == 1 ? "" : "s",
			(unsigned long long)stats.first_bad);
	return 0;
}

/* The store's files: zstd around a raw pprof. */
static int read_zstd_pprof(const char *path, const char *data, size_t len, struct profile *prof)
{
	char why[256];
	size_t raw_len;
	void *raw;
	int err;

	err = compress__unzstd(data, len, PPROF_MAX_DECODED_BYTES, &raw, &raw_len);
	if (err) {
		pr_err("%s: cannot decompress zstd: %s\n", path,
		       err == -EINVAL ? "corrupt or truncated" :
		       err == -E2BIG  ? "larger than a profile may be" :
					strerror(-err));
		return err;
	}
	err = pprof__read(raw, raw_len, prof, why, sizeof(why));
	if (err)
		pr_err("%s: zstd-compressed, but not a valid pprof profile: %s\n", path, why);
	free(raw);
	return err;
}

/*
 * Parses @data[0..len) as folded, pprof or zstd-compressed pprof, whichever it is. @mapped:
 * @data is a read-only mapping of the file, whose pages may be dropped once read.
 */
static int read_profile(const char *path, const char *data, size_t len, bool mapped,
			struct profile *prof)
{
	char why[256];
	int err;

	if (!len) {
		pr_err("'%s' is empty\n", path);
		return -EINVAL;
	}
	if (compress__is_zstd(data, len))
		return read_zstd_pprof(path, data, len, prof);
	if (folded__sniff(data, len))
		return read_folded(path, data, len, mapped, prof);
	err = pprof__read(data, len, prof, why, sizeof(why));
	if (err)
		pr_err("%s: not a valid folded or pprof profile: %s\n", path, why);
	return err;
}

/* Reads the profile in @fd, reporting what goes wrong. Returns 0 or -errno. */
static int read_fd(const char *path, int fd, struct profile *prof)
{
	struct stat st;
	size_t len;
	char *data;
	int err;

	err = fstat(fd, &st) ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : 0;
	/* A regular file is mapped: no copy of a large profile through read(). */
	if (!err && S_ISREG(st.st_mode) && st.st_size > 0) {
		data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (data != MAP_FAILED) {
			madvise(data, st.st_size, MADV_SEQUENTIAL);
			err = read_profile(path, data, st.st_size, true, prof);
			munmap(data, st.st_size);
			return err;
		}
	}
	if (!err)
		err = slurp(fd, &data, &len);
	if (err) {
		pr_err("cannot read '%s': %s\n", path, strerror(-err));
		return err;
	}
	err = read_profile(path, data, len, false, prof);
	free(data);
	return err;
}

int profile_io__read(const char *path, struct profile *prof)
{
	bool is_stdin = !strcmp(path, "-");
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int err;

	if (fd < 0) {
		err = -errno;
		pr_err("cannot open '%s': %s\n", path, strerror(-err));
		return err;
	}
	err = read_fd(path, fd, prof);
	if (!is_stdin)
		close(fd);
	return err;
}

int profile_io__write_stream(const struct profile *prof, FILE *out, enum output_format format,
			     const struct profile_io_opts *opts)
{
	const struct flamegraph_opts *svg = opts ? opts->svg : NULL;
	struct flamegraph_opts defaults;

	switch (format) {
	case OUTPUT_FORMAT_FOLDED:
		return folded__write(prof, out);
	case OUTPUT_FORMAT_PPROF:
		return pprof__write(prof, out);
	case OUTPUT_FORMAT_SVG:
		if (!svg) {
			flamegraph_opts__init(&defaults);
			svg = &defaults;
		}
		return flamegraph__write(prof, svg, out);
	case OUTPUT_FORMAT_HTML:
		return report__write(prof, opts ? opts->report : NULL, out);
	case OUTPUT_FORMAT_SPEEDSCOPE:
		return speedscope__write(prof, svg ? svg->title : NULL, out);
	default:
		return -EINVAL;
	}
}

int profile_io__write(const struct profile *prof, const char *path, enum output_format format,
		      const struct profile_io_opts *opts)
{
	struct output_file *file = output_file__open(path);
	int err;

	if (!file) {
		err = -errno;
		output_file__report_open_error(path, err);
		return err;
	}
	err = profile_io__write_stream(prof, output_file__stream(file), format, opts);
	if (err) {
		/* A writer sees only that stdio failed; the file knows why. */
		err = output_file__error(file) ?: err;
		output_file__abort(file);
	} else {
		err = output_file__commit(file);
	}
	if (err)
		pr_err("cannot write '%s': %s\n", path, strerror(-err));
	return err;
}
