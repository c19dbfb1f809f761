// SPDX-License-Identifier: GPL-2.0-only
/*
 * Builds the unwind tables of binaries and says what they hold, for benchmarks and for
 * debugging the walker:
 *
 *   unwind_table_info [--rows] [--cache DIR] FILE...
 *
 * Prints one line per file:
 *   FILE rows=N bytes=N build_ms=F source=SECTION fdes=N bad_fdes=N outside=N
 *        unsupported=N plt=N signal=N end=N fp_lost=N [cache=hit|stored load_ms=F]
 * or "FILE error ERRNO_NAME (message)". With --cache, the table is loaded from DIR when there
 * (load_ms is the load's time) and stored there otherwise; a file without a build id is
 * built every time. With --rows, every row follows its file's line:
 *   0xVADDR RULE
 * where RULE is one of: none, end, signal, unsupported, plt sp+K n>=N, "clone: end when
 * rax=0, else sp+K", sp+K or fp+K, then for the last two "rbp@cfa-M" when rbp was saved and
 * "rbp?" when it cannot be found.
 * Exit status 0 when every file was read, 1 when some failed, 2 for bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "debuginfo.h"
#include "unwind_table.h"

#define BUILD_ID_MAX 64

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Where the caller's rbx is, when not in rbx still. */
static void print_rbx(uint8_t cfa_type)
{
	int where = (cfa_type & PROF_CFA_BX_MASK) >> PROF_CFA_BX_SHIFT;

	if (where == PROF_BX_LOST)
		printf(" rbx?");
	else if (where)
		printf(" rbx@cfa%+d", -8 * (where + 1));
}

static void print_row(const struct unwind_table *table, const struct prof_unwind_row *row)
{
	int type = row->cfa_type & PROF_CFA_TYPE_MASK;
	long offset = row->cfa_offset;

	if (row->cfa_type & PROF_CFA_OFFSET_X8)
		offset *= 8;
	printf("0x%" PRIx64 " ", table->base + row->pc);
	switch (type) {
	case PROF_CFA_NONE:
		printf("none\n");
		return;
	case PROF_CFA_END:
		printf("end\n");
		return;
	case PROF_CFA_SIGNAL:
		printf("signal\n");
		return;
	case PROF_CFA_UNSUPPORTED:
		printf("unsupported\n");
		return;
	case PROF_CFA_PLT:
		printf("plt sp%+ld n>=%d\n", offset, row->fp_offset);
		return;
	case PROF_CFA_CLONE:
		printf("clone: end when rax=0, else sp%+ld\n", offset);
		return;
	case PROF_CFA_SP:
	case PROF_CFA_FP:
	case PROF_CFA_BX:
	case PROF_CFA_RA_DI:
		printf("%s%+ld",
		       type == PROF_CFA_SP ? "sp" :
		       type == PROF_CFA_FP ? "fp" :
		       type == PROF_CFA_BX ? "rbx" :
					     "sp ra=rdi ",
		       offset);
		if (row->fp_offset == PROF_FP_LOST)
			printf(" rbp?");
		else if (row->fp_offset)
			printf(" rbp@cfa%+d", row->fp_offset * 8);
		print_rbx(row->cfa_type);
		printf("\n");
		return;
	default:
		printf("type%d\n", type);
	}
}

/* The build id of the file on @fd in hex into @hex, or "" without one. */
static void build_id_of(int fd, char *hex, size_t cap)
{
	uint8_t id[BUILD_ID_MAX];
	size_t len, i;
	Elf *elf;

	hex[0] = '\0';
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return;
	len = debuginfo__build_id(elf, id, sizeof(id));
	for (i = 0; i < len && 2 * i + 2 < cap; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	elf_end(elf);
}

static int show_file(const char *path, const char *cache_dir, bool rows)
{
	char id[2 * BUILD_ID_MAX + 1] = "";
	struct unwind_table *table = NULL;
	const char *cached = NULL;
	double t0, build_ms = 0, load_ms = 0;
	const struct unwind_table_stats *s;
	int fd, err = -ENOENT;
	uint32_t i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out_error;
	}
	if (cache_dir) {
		build_id_of(fd, id, sizeof(id));
		if (id[0]) {
			t0 = now_ms();
			err = unwind_cache__load(cache_dir, id, &table);
			load_ms = now_ms() - t0;
			if (!err)
				cached = "hit";
		}
	}
	if (!table) {
		t0 = now_ms();
		err = unwind_table__build_fd(fd, &table);
		build_ms = now_ms() - t0;
		if (!err && id[0]) {
			err = unwind_cache__store(cache_dir, id, table);
			cached = err ? "store-failed" : "stored";
			err = 0;
		}
	}
	close(fd);
	if (err)
		goto out_error;
	s = &table->stats;
	printf("%s rows=%" PRIu32 " bytes=%zu build_ms=%.1f source=%s fdes=%" PRIu32
	       " bad_fdes=%" PRIu32 " outside=%" PRIu32 " unsupported=%" PRIu32 " plt=%" PRIu32
	       " signal=%" PRIu32 " end=%" PRIu32 " fp_lost=%" PRIu32,
	       path, table->nr_rows, unwind_table__bytes(table), build_ms, table->source, s->fdes,
	       s->bad_fdes, s->outside, s->unsupported, s->plt, s->signal, s->end, s->fp_lost);
	if (cached)
		printf(" cache=%s load_ms=%.2f", cached, load_ms);
	printf("\n");
	if (rows) {
		for (i = 0; i < table->nr_rows; i++)
			print_row(table, &table->rows[i]);
	}
	unwind_table__free(table);
	return 0;

out_error:
	printf("%s error %s (%s)\n", path, strerrorname_np(-err) ?: "?", strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "rows", no_argument, NULL, 'r' },
		{ "cache", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cache_dir = NULL;
	bool rows = false, failed = false;
	int opt, i;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			rows = true;
			break;
		case 'c':
			cache_dir = optarg;
			break;
		default:
			goto out_usage;
		}
	}
	if (optind >= argc)
		goto out_usage;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		fprintf(stderr, "unwind_table_info: libelf is too old\n");
		return 1;
	}
	for (i = optind; i < argc; i++)
		if (show_file(argv[i], cache_dir, rows))
			failed = true;
	return failed ? 1 : 0;

out_usage:
	fprintf(stderr, "usage: unwind_table_info [--rows] [--cache DIR] FILE...\n");
	return 2;
}
