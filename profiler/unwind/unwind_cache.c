// SPDX-License-Identifier: GPL-2.0-only
/*
 * The disk cache of unwind tables: DIR/BUILD_ID.unwind holds a header and the rows as they
 * are in memory (the cache belongs to one machine, so host byte order). Files are written
 * whole under a temporary name and renamed, so a reader sees an old file or a new one, but
 * a crash, a full disk or another program can still leave garbage: everything is checked on
 * load, and a file that fails is removed so that the table is built again and stored anew.
 */
#include "unwind_table.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"

#define UNWIND_CACHE_MAGIC "BPFPUNW"
/* Bumped with any change of the header, the rows, or how rows are built from CFI. */
#define UNWIND_CACHE_VERSION 6
/* Build ids are 16 or 20 bytes in practice; longer names are not ids. */
#define UNWIND_CACHE_MAX_ID_HEX 128
/* Far more rows than the largest binary has (chromium: a few million). */
#define UNWIND_CACHE_MAX_ROWS (1u << 28)
#define UNWIND_CACHE_SUFFIX ".unwind"

enum unwind_cache_source {
	UNWIND_CACHE_EH_FRAME = 0,
	UNWIND_CACHE_DEBUG_FRAME = 1,
};

/* The stats, one by one, so that the file's layout does not follow the struct's. */
#define UNWIND_CACHE_NR_STATS 8

struct unwind_cache_header {
	char magic[8];			       /* UNWIND_CACHE_MAGIC, NUL-padded */
	uint32_t version;		       /* UNWIND_CACHE_VERSION */
	uint32_t header_size;		       /* sizeof(struct unwind_cache_header) */
	uint64_t base;			       /* unwind_table.base */
	uint32_t nr_rows;		       /* rows after the header */
	uint32_t source;		       /* enum unwind_cache_source */
	uint32_t stats[UNWIND_CACHE_NR_STATS]; /* see stats__pack */
	uint64_t checksum; /* CRC-32 (zlib's) of the header (this field 0) and the rows */
};
_Static_assert(sizeof(struct unwind_cache_header) == 72, "unwind cache header layout");

static void stats__pack(const struct unwind_table_stats *s, uint32_t *out)
{
	const uint32_t v[UNWIND_CACHE_NR_STATS] = { s->fdes,	    s->bad_fdes, s->outside,
						    s->unsupported, s->plt,	 s->signal,
						    s->end,	    s->fp_lost };

	memcpy(out, v, sizeof(v));
}

static void stats__unpack(const uint32_t *in, struct unwind_table_stats *s)
{
	s->fdes = in[0];
	s->bad_fdes = in[1];
	s->outside = in[2];
	s->unsupported = in[3];
	s->plt = in[4];
	s->signal = in[5];
	s->end = in[6];
	s->fp_lost = in[7];
}

/*
 * zlib's CRC-32: it finds every burst of damage up to 32 bits, and runs at gigabytes a
 * second where a byte-wise FNV-1a took 15 ms over libLLVM's 7.6 MB of rows.
 */
static uint64_t cache__checksum(const struct unwind_cache_header *hdr,
				const struct prof_unwind_row *rows)
{
	struct unwind_cache_header copy = *hdr;
	size_t left = (size_t)hdr->nr_rows * sizeof(*rows);
	const Bytef *p = (const Bytef *)rows;
	uLong crc;

	copy.checksum = 0;
	crc = crc32(0, (const Bytef *)&copy, sizeof(copy));
	/* crc32 takes a uInt length */
	while (left) {
		uInt n = left > (1u << 30) ? 1u << 30 : (uInt)left;

		crc = crc32(crc, p, n);
		p += n;
		left -= n;
	}
	return crc;
}

/* Writes DIR/BUILD_ID.unwind into @buf. Returns 0, or -EINVAL for an id that is not hex. */
static int cache__path(char *buf, size_t size, const char *dir, const char *build_id_hex)
{
	size_t len = build_id_hex ? strnlen(build_id_hex, UNWIND_CACHE_MAX_ID_HEX + 1) : 0;
	size_t i;
	int n;

	/* Only hex digits: an id can never name a file outside DIR. */
	if (!dir || !*dir || !len || len > UNWIND_CACHE_MAX_ID_HEX)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char c = build_id_hex[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return -EINVAL;
	}
	n = snprintf(buf, size, "%s/%s" UNWIND_CACHE_SUFFIX, dir, build_id_hex);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Whether @rows are something the walker can use: sorted, distinct, known types. */
static bool rows__valid(const struct prof_unwind_row *rows, uint32_t nr)
{
	uint32_t i;

	for (i = 0; i < nr; i++) {
		uint8_t type = rows[i].cfa_type & PROF_CFA_TYPE_MASK;

		if (type >= PROF_CFA_NR_TYPES || (i && rows[i].pc <= rows[i - 1].pc))
			return false;
		if ((rows[i].cfa_type & PROF_CFA_OFFSET_X8) && type != PROF_CFA_SP &&
		    type != PROF_CFA_FP)
			return false;
	}
	return true;
}

/* Reads exactly @len bytes at @off. Returns 0, -EIO on a short file, or -errno. */
static int read_full(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = pread(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EIO;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Reads and checks the table in the open file @fd. Returns 0 and an owned table, -EBADMSG
 * when the file is damaged, -ENOENT when it is not a regular file, or -errno of a failed
 * read.
 */
static int cache__read(int fd, struct unwind_table **out)
{
	struct unwind_cache_header hdr;
	struct unwind_table *table;
	struct stat st;
	size_t rows_size;
	int err;

	if (fstat(fd, &st))
		return -errno;
	/* Not ours to remove: a cache only ever writes regular files. */
	if (!S_ISREG(st.st_mode))
		return -ENOENT;
	if ((uint64_t)st.st_size < sizeof(hdr))
		return -EBADMSG;
	err = read_full(fd, &hdr, sizeof(hdr), 0);
	if (err)
		return err == -EIO ? -EBADMSG : err;
	if (memcmp(hdr.magic, UNWIND_CACHE_MAGIC, sizeof(UNWIND_CACHE_MAGIC)) ||
	    hdr.version != UNWIND_CACHE_VERSION || hdr.header_size != sizeof(hdr) || !hdr.nr_rows ||
	    hdr.nr_rows > UNWIND_CACHE_MAX_ROWS || hdr.source > UNWIND_CACHE_DEBUG_FRAME)
		return -EBADMSG;
	rows_size = (size_t)hdr.nr_rows * sizeof(struct prof_unwind_row);
	if ((uint64_t)st.st_size != sizeof(hdr) + rows_size)
		return -EBADMSG;
	table = calloc(1, sizeof(*table));
	if (!table)
		return -ENOMEM;
	table->rows = malloc(rows_size);
	if (!table->rows) {
		err = -ENOMEM;
		goto out_free;
	}
	err = read_full(fd, table->rows, rows_size, sizeof(hdr));
	if (err) {
		if (err == -EIO)
			err = -EBADMSG;
		goto out_free;
	}
	if (cache__checksum(&hdr, table->rows) != hdr.checksum ||
	    !rows__valid(table->rows, hdr.nr_rows)) {
		err = -EBADMSG;
		goto out_free;
	}
	table->base = hdr.base;
	table->nr_rows = hdr.nr_rows;
	stats__unpack(hdr.stats, &table->stats);
	table->source = hdr.source == UNWIND_CACHE_EH_FRAME ? ".eh_frame" : ".debug_frame";
	*out = table;
	return 0;

out_free:
	unwind_table__free(table);
	return err;
}

int unwind_cache__load(const char *dir, const char *build_id_hex, struct unwind_table **out)
{
	char path[PATH_MAX];
	int fd, err;

	*out = NULL;
	err = cache__path(path, sizeof(path), dir, build_id_hex);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = cache__read(fd, out);
	close(fd);
	if (err == -EBADMSG) {
		pr_debug("unwind cache: %s is damaged or of another version, removed\n", path);
		unlink(path);
		err = -ENOENT;
	}
	return err;
}

/* mkdir -p @dir, 0700 for what it creates. Returns 0 or -errno. */
static int mkdir_parents(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir), i;

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
		path[i] = i == len ? '\0' : '/';
	}
	return 0;
}

int unwind_cache__store(const char *dir, const char *build_id_hex, const struct unwind_table *table)
{
	struct unwind_cache_header hdr = { .magic = UNWIND_CACHE_MAGIC };
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, err, n;

	err = cache__path(path, sizeof(path), dir, build_id_hex);
	if (err)
		return err;
	if (!table || !table->nr_rows || table->nr_rows > UNWIND_CACHE_MAX_ROWS)
		return -EINVAL;
	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	err = mkdir_parents(dir);
	if (err)
		return err;

	hdr.version = UNWIND_CACHE_VERSION;
	hdr.header_size = sizeof(hdr);
	hdr.base = table->base;
	hdr.nr_rows = table->nr_rows;
	hdr.source = table->source && !strcmp(table->source, ".debug_frame") ?
			     UNWIND_CACHE_DEBUG_FRAME :
			     UNWIND_CACHE_EH_FRAME;
	stats__pack(&table->stats, hdr.stats);
	hdr.checksum = cache__checksum(&hdr, table->rows);

	/* Temporary names end in a random suffix, never ".unwind": loads never see them. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = write_full(fd, &hdr, sizeof(hdr));
	if (!err)
		err = write_full(fd, table->rows, unwind_table__bytes(table));
	/* Data on disk before the name: after a crash, the name never points at a hole. */
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		goto out_unlink;
	return 0;

out_unlink:
	unlink(tmp);
	return err;
}
